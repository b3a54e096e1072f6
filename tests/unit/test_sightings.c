/*
 * test_sightings.c — "seen before?" against a real redis-server: distinct
 * outlets and the first sighting, idempotent redelivery, near-duplicate
 * wordings joining a cluster, round trips per batch, expiry, Redis down.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cw_redis_fixture.h"
#include "extract/fingerprint.h"
#include "extract/normalize.h"
#include "lib/common.h"
#include "lib/redis.h"
#include "match/sightings.h"

#define SG_K     64
#define SG_BANDS 16

static struct cw_test_redis sg_tr;
static struct cw_redis *sg_r;
static struct cw_norm *sg_nz;
static int sg_have_redis;

static void sg_setup(void)
{
	char err[256];
	struct cw_redis_params p = {0};

	sg_have_redis = cw_test_redis_start(&sg_tr) == 0;
	sg_nz = cw_norm_new("english", err, sizeof(err));
	if (!sg_have_redis)
		return;
	p.socket = sg_tr.sock;
	p.key_prefix = "cwt:";
	sg_r = cw_redis_new_params(&p, err, sizeof(err));
}

static void sg_teardown(void)
{
	cw_redis_free(sg_r);
	sg_r = NULL;
	cw_norm_free(sg_nz);
	sg_nz = NULL;
	cw_test_redis_stop(&sg_tr);
}

TestSuite(sightings, .init = sg_setup, .fini = sg_teardown);

#define NEED_REDIS()                                                                               \
	do {                                                                                       \
		if (!sg_have_redis)                                                                \
			cr_skip_test("redis-server is not on PATH or did not start");              \
	} while (0)

/* A claim's fingerprints, computed as extract computes them. */
struct sg_claim {
	char fp[17];
	uint64_t simhash;
	uint64_t bands[SG_BANDS];
};

static void sg_fingerprint(const char *text, struct sg_claim *c)
{
	struct cw_tokens t;
	uint32_t sig[SG_K];

	cw_norm_text(sg_nz, text, strlen(text), 0, &t);
	cw_hex64(cw_fp_exact(&t), c->fp);
	c->simhash = cw_fp_simhash(&t);
	cw_fp_minhash(&t, sig, SG_K);
	cw_fp_lsh_keys(sig, SG_K, SG_BANDS, c->bands);
}

static struct cw_sighting_in sg_in(const struct sg_claim *c, const char *outlet,
                                   const char *article, int64_t t)
{
	struct cw_sighting_in in = {c->fp, c->simhash, c->bands, SG_BANDS, outlet, article, t};
	return in;
}

static struct cw_sighting sg_record1(const struct cw_sighting_in *in)
{
	struct cw_sightings_opts o = {.ttl_s = 3600, .max_hamming = 12};
	struct cw_sighting s;
	char err[256];

	cr_assert_eq(cw_sightings_record(sg_r, &o, in, 1, &s, err, sizeof(err)), 0, "%s", err);
	return s;
}

static const char sg_text[] =
    "The unemployment rate fell to 3.5 percent in September, the lowest level since 1969.";

Test(sightings, three_outlets_and_the_first)
{
	struct sg_claim c;
	struct cw_sighting s;
	struct cw_sighting_in in;

	NEED_REDIS();
	sg_fingerprint(sg_text, &c);
	in = sg_in(&c, "reuters", "art-r1", 1000);
	s = sg_record1(&in);
	cr_expect_eq(s.total, 1);
	cr_expect_eq(s.distinct_outlets, 1);
	cr_expect(s.is_new);
	cr_expect_str_eq(s.cluster, c.fp);
	cw_sighting_release(&s);

	in = sg_in(&c, "apnews", "art-a1", 2000);
	s = sg_record1(&in);
	cr_expect_not(s.is_new);
	cw_sighting_release(&s);
	in = sg_in(&c, "bbc", "art-b1", 3000);
	s = sg_record1(&in);
	cr_expect_eq(s.distinct_outlets, 3);
	cr_expect_eq(s.total, 3);
	cr_expect_str_eq(s.first_outlet, "reuters");
	cr_expect_str_eq(s.first_article_id, "art-r1");
	cr_expect_eq(s.first_seen_ms, 1000);
	cr_expect_eq(s.method, CLAIMWIRE__MATCH_METHOD__MATCH_METHOD_EXACT);
	cw_sighting_release(&s);

	/* A second article from an outlet already counted: total grows, outlets
	 * do not.  An earlier publication time, processed late, becomes first. */
	in = sg_in(&c, "bbc", "art-b0", 500);
	s = sg_record1(&in);
	cr_expect_eq(s.distinct_outlets, 3);
	cr_expect_eq(s.total, 4);
	cr_expect_str_eq(s.first_outlet, "bbc");
	cr_expect_eq(s.first_seen_ms, 500);
	cw_sighting_release(&s);
}

Test(sightings, redelivery_counts_once)
{
	struct sg_claim c;
	struct cw_sighting_in in[3];
	struct cw_sighting out[3], s;
	struct cw_sightings_opts o = {.ttl_s = 3600, .max_hamming = 12};
	char err[256];

	NEED_REDIS();
	sg_fingerprint(sg_text, &c);
	in[0] = sg_in(&c, "reuters", "art-r1", 1000);
	s = sg_record1(&in[0]);
	cw_sighting_release(&s);
	/* the same claim from the same article, redelivered: alone and in a batch */
	s = sg_record1(&in[0]);
	cr_expect_eq(s.total, 1);
	cr_expect(s.is_new, "the first article stays the first on redelivery");
	cw_sighting_release(&s);
	in[1] = in[0];
	in[2] = sg_in(&c, "apnews", "art-a1", 2000);
	cr_assert_eq(cw_sightings_record(sg_r, &o, in, 3, out, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(out[2].total, 2);
	cr_expect_eq(out[2].distinct_outlets, 2);
	for (int i = 0; i < 3; i++)
		cw_sighting_release(&out[i]);
	in[2].time_ms = 2500; /* redelivered again */
	s = sg_record1(&in[2]);
	cr_expect_eq(s.total, 2);
	cw_sighting_release(&s);
}

Test(sightings, near_duplicate_joins_the_cluster)
{
	static const char near[] = "The unemployment rate fell to 3.5 percent in September, the "
	                           "lowest level seen since 1969.";
	static const char other[] = "The city council approved a new budget for road repairs.";
	struct sg_claim a, b, c;
	struct cw_sighting s;
	struct cw_sighting_in in;

	NEED_REDIS();
	sg_fingerprint(sg_text, &a);
	sg_fingerprint(near, &b);
	sg_fingerprint(other, &c);
	cr_assert_str_neq(a.fp, b.fp, "different wordings, different exact fingerprints");
	in = sg_in(&a, "reuters", "art-r1", 1000);
	s = sg_record1(&in);
	cw_sighting_release(&s);

	in = sg_in(&b, "apnews", "art-a1", 2000);
	s = sg_record1(&in);
	cr_expect_str_eq(s.cluster, a.fp, "joined the first wording's cluster");
	cr_expect_eq(s.method, CLAIMWIRE__MATCH_METHOD__MATCH_METHOD_NEAR_DUPLICATE);
	cr_expect_eq(s.distinct_outlets, 2);
	cr_expect_str_eq(s.first_outlet, "reuters");
	cr_expect_not(s.is_new);
	cw_sighting_release(&s);

	/* the near wording's exact fingerprint now points at the cluster */
	in = sg_in(&b, "bbc", "art-b1", 3000);
	s = sg_record1(&in);
	cr_expect_str_eq(s.cluster, a.fp);
	cr_expect_eq(s.distinct_outlets, 3);
	cw_sighting_release(&s);

	in = sg_in(&c, "reuters", "art-r2", 4000);
	s = sg_record1(&in);
	cr_expect_str_eq(s.cluster, c.fp, "an unrelated claim founds its own cluster");
	cr_expect_eq(s.total, 1);
	cr_expect(s.is_new);
	cw_sighting_release(&s);
}

/* Near-duplicates in one batch join each other; a batch costs two round
 * trips once the script is cached. */
Test(sightings, one_batch_two_round_trips)
{
	static const char near[] = "The unemployment rate fell to 3.5 percent in September, the "
	                           "lowest level seen since 1969.";
	struct sg_claim a, b;
	struct cw_sighting_in in[3];
	struct cw_sighting out[3];
	struct cw_sightings_opts o = {.ttl_s = 3600, .max_hamming = 12};
	struct cw_redis_stats st0, st1;
	char err[256];

	NEED_REDIS();
	sg_fingerprint(sg_text, &a);
	sg_fingerprint(near, &b);
	in[0] = sg_in(&a, "reuters", "art-r1", 1000);
	in[1] = sg_in(&b, "apnews", "art-a1", 2000);
	in[2] = sg_in(&a, "bbc", "art-b1", 3000);
	cr_assert_eq(cw_sightings_record(sg_r, &o, in, 3, out, err, sizeof(err)), 0, "%s", err);
	cr_expect_str_eq(out[1].cluster, a.fp);
	cr_expect_eq(out[2].distinct_outlets, 3);
	for (int i = 0; i < 3; i++)
		cw_sighting_release(&out[i]);

	cw_redis_get_stats(sg_r, &st0);
	in[0].article_id = "art-r9";
	cr_assert_eq(cw_sightings_record(sg_r, &o, in, 3, out, err, sizeof(err)), 0, "%s", err);
	cw_redis_get_stats(sg_r, &st1);
	cr_expect_eq(st1.round_trips - st0.round_trips, 2);
	cr_expect_eq(out[0].total, 4);
	for (int i = 0; i < 3; i++)
		cw_sighting_release(&out[i]);
}

Test(sightings, keys_expire)
{
	struct sg_claim c;
	struct cw_sighting s;
	struct cw_sighting_in in;
	redisReply *rep;
	char err[256], key[64];

	NEED_REDIS();
	sg_fingerprint(sg_text, &c);
	in = sg_in(&c, "reuters", "art-r1", 1000);
	s = sg_record1(&in);
	cw_sighting_release(&s);
	snprintf(key, sizeof(key), "cwt:sg:{%s}:articles", c.fp);
	cr_assert_eq(cw_redis_command(sg_r, &rep, err, sizeof(err), "TTL %s", key), 0);
	cr_expect(rep->integer > 0 && rep->integer <= 3600, "ttl %lld", rep->integer);
	snprintf(key, sizeof(key), "cwt:sg:fp:%s", c.fp);
	cr_assert_eq(cw_redis_command(sg_r, &rep, err, sizeof(err), "TTL %s", key), 0);
	cr_expect(rep->integer > 0 && rep->integer <= 3600, "ttl %lld", rep->integer);
}

Test(sightings, redis_down_is_retry)
{
	struct sg_claim c;
	struct cw_sighting_in in;
	struct cw_sighting out;
	struct cw_sightings_opts o = {.ttl_s = 3600, .max_hamming = 12};
	char err[256];

	NEED_REDIS();
	sg_fingerprint(sg_text, &c);
	in = sg_in(&c, "reuters", "art-r1", 1000);
	cw_test_redis_kill(&sg_tr);
	cr_expect_eq(cw_sightings_record(sg_r, &o, &in, 1, &out, err, sizeof(err)), CW_ERR_RETRY);
}

/* A second handle on the same server with its own key prefix, so that one
 * test can compare two stores. */
static struct cw_redis *sg_other(const char *prefix)
{
	struct cw_redis_params p = {0};
	char err[256];

	p.socket = sg_tr.sock;
	p.key_prefix = prefix;
	return cw_redis_new_params(&p, err, sizeof(err));
}

/* The whole-batch script (standalone) sends two commands per batch; the
 * per-claim path (Redis Cluster) sends at least one EVALSHA per claim. */
Test(sightings, batch_script_sends_two_commands)
{
	struct sg_claim a, b;
	struct cw_sighting_in in[3];
	struct cw_sighting out[3];
	struct cw_sightings_opts o = {.ttl_s = 3600, .max_hamming = 12};
	struct cw_redis_stats st0, st1;
	char err[256];

	NEED_REDIS();
	sg_fingerprint(sg_text, &a);
	sg_fingerprint("The city council approved a new budget for road repairs.", &b);
	in[0] = sg_in(&a, "reuters", "art-r1", 1000);
	in[1] = sg_in(&b, "apnews", "art-a1", 2000);
	in[2] = sg_in(&a, "bbc", "art-b1", 3000);
	/* the first call also loads the script (NOSCRIPT, then EVAL) */
	cr_assert_eq(cw_sightings_record(sg_r, &o, in, 1, out, err, sizeof(err)), 0, "%s", err);
	cw_sighting_release(&out[0]);
	cw_redis_get_stats(sg_r, &st0);
	cr_assert_eq(cw_sightings_record(sg_r, &o, in, 3, out, err, sizeof(err)), 0, "%s", err);
	cw_redis_get_stats(sg_r, &st1);
	cr_expect_eq(st1.commands - st0.commands, 2, "MGET and one EVALSHA: %llu commands",
	             st1.commands - st0.commands);
	cr_expect_eq(out[2].distinct_outlets, 2);
	cr_expect_eq(out[1].total, 1);
	for (int i = 0; i < 3; i++)
		cw_sighting_release(&out[i]);

	o.per_claim_script = 1;
	in[0].article_id = "art-r2";
	cw_redis_get_stats(sg_r, &st0);
	cr_assert_eq(cw_sightings_record(sg_r, &o, in, 3, out, err, sizeof(err)), 0, "%s", err);
	cw_redis_get_stats(sg_r, &st1);
	cr_expect_geq(st1.commands - st0.commands, 3 + 3 * (1 + SG_BANDS), "%llu commands",
	              st1.commands - st0.commands);
	cr_expect_eq(out[0].total, 3, "the per-claim path continues the batch path's cluster");
	cr_expect_eq(out[0].distinct_outlets, 2);
	for (int i = 0; i < 3; i++)
		cw_sighting_release(&out[i]);
}

/* Both paths give the same answers for the same stream of claims, batch
 * after batch: counts, first sighting, cluster, method, is_new. */
Test(sightings, batch_and_per_claim_paths_agree)
{
	static const char *const texts[] = {
	    "The unemployment rate fell to 3.5 percent in September, the lowest level since 1969.",
	    "The unemployment rate fell to 3.5 percent in September, the lowest level seen since "
	    "1969.",
	    "The city council approved a new budget for road repairs.",
	    "Crime in the city has doubled over the last ten years, the mayor said.",
	};
	static const char *const outl[] = {"reuters", "apnews", "bbc"};
	struct sg_claim c[4];
	struct cw_sighting_in in[12];
	struct cw_sighting x[12], y[12];
	struct cw_sightings_opts ob = {.ttl_s = 3600, .max_hamming = 12};
	struct cw_sightings_opts oc = {.ttl_s = 3600, .max_hamming = 12, .per_claim_script = 1};
	struct cw_redis *rc;
	char err[256], arts[12][16];

	NEED_REDIS();
	rc = sg_other("cwpc:");
	for (int i = 0; i < 4; i++)
		sg_fingerprint(texts[i], &c[i]);
	for (int i = 0; i < 12; i++) {
		snprintf(arts[i], sizeof(arts[i]), "art-%d", i % 5); /* some redelivered */
		in[i] = sg_in(&c[(i * 3) % 4], outl[i % 3], arts[i], 10000 - i * 100);
	}
	for (int round = 0; round < 2; round++) {
		for (size_t s = 0; s < 12; s += 4) {
			cr_assert_eq(
			    cw_sightings_record(sg_r, &ob, in + s, 4, x + s, err, sizeof(err)), 0,
			    "%s", err);
			cr_assert_eq(
			    cw_sightings_record(rc, &oc, in + s, 4, y + s, err, sizeof(err)), 0,
			    "%s", err);
		}
		for (int i = 0; i < 12; i++) {
			cr_expect_str_eq(x[i].cluster, y[i].cluster, "claim %d", i);
			cr_expect_eq(x[i].total, y[i].total, "claim %d", i);
			cr_expect_eq(x[i].distinct_outlets, y[i].distinct_outlets, "claim %d", i);
			cr_expect_str_eq(x[i].first_outlet, y[i].first_outlet, "claim %d", i);
			cr_expect_str_eq(x[i].first_article_id, y[i].first_article_id, "claim %d",
			                 i);
			cr_expect_eq(x[i].first_seen_ms, y[i].first_seen_ms, "claim %d", i);
			cr_expect_eq(x[i].method, y[i].method, "claim %d", i);
			cr_expect_eq(x[i].is_new, y[i].is_new, "claim %d", i);
			cw_sighting_release(&x[i]);
			cw_sighting_release(&y[i]);
		}
	}
	/* the later, earlier-published claims became the first sighting */
	cr_expect_eq(x[11].first_seen_ms, 10000 - 11 * 100);
	cw_redis_free(rc);
}

/* Within one whole-batch call, a cluster's counts grow claim by claim and an
 * earlier publication time seen later in the batch becomes the first. */
Test(sightings, batch_counts_in_order)
{
	struct sg_claim a;
	struct cw_sighting_in in[4];
	struct cw_sighting out[4];
	struct cw_sightings_opts o = {.ttl_s = 3600, .max_hamming = 12};
	char err[256];

	NEED_REDIS();
	sg_fingerprint(sg_text, &a);
	in[0] = sg_in(&a, "reuters", "art-1", 5000);
	in[1] = sg_in(&a, "reuters", "art-2", 6000);
	in[2] = sg_in(&a, "bbc", "art-3", 4000);
	in[3] = sg_in(&a, "bbc", "art-3", 4000); /* redelivered in the same batch */
	cr_assert_eq(cw_sightings_record(sg_r, &o, in, 4, out, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(out[0].total, 1);
	cr_expect_eq(out[1].total, 2);
	cr_expect_eq(out[1].distinct_outlets, 1);
	cr_expect_eq(out[2].total, 3);
	cr_expect_eq(out[2].distinct_outlets, 2);
	cr_expect_eq(out[3].total, 3);
	cr_expect_str_eq(out[1].first_article_id, "art-1");
	cr_expect_str_eq(out[2].first_article_id, "art-3");
	cr_expect_eq(out[3].first_seen_ms, 4000);
	for (int i = 0; i < 4; i++)
		cw_sighting_release(&out[i]);
}
