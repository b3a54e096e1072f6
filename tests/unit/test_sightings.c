/*
 * test_sightings.c — "seen before?" against a real redis-server: distinct
 * outlets and the first sighting, idempotent redelivery, near-duplicate
 * wordings joining a cluster, round trips per batch, expiry, band pointers
 * in time buckets written by founders only, Redis down and back.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cw_redis_fixture.h"
#include "extract/fingerprint.h"
#include "extract/normalize.h"
#include "lib/common.h"
#include "lib/redis.h"
#include "match/sightings.h"
#include "match/config.h"
#include "lib/keys.h"

#define SG_K     64
#define SG_BANDS CW_FP_LSH_BANDS_DEFAULT

static struct cw_test_redis sg_tr;
static struct cw_redis *sg_r;
static struct cw_norm *sg_nz;
static int sg_have_redis;

static void sg_setup(void)
{
	char err[256];

	sg_have_redis = cw_test_redis_start(&sg_tr) == 0;
	sg_nz = cw_norm_new("english", err, sizeof(err));
	if (sg_have_redis)
		sg_r = cw_test_redis_connect(&sg_tr, "cwt:", 0, 0);
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

#define NEED_REDIS() CW_TEST_NEED_REDIS(sg_have_redis)

/* A claim's fingerprints, computed as extract computes them. */
struct sg_claim {
	char fp[17];
	uint64_t simhash;
	uint64_t bands[SG_BANDS];
	uint32_t sig[SG_K];
};

static void sg_fingerprint(const char *text, struct sg_claim *c)
{
	struct cw_tokens t;

	cw_norm_text(sg_nz, text, strlen(text), 0, &t);
	cw_hex64(cw_fp_exact(&t), c->fp);
	c->simhash = cw_fp_simhash(&t);
	cw_fp_minhash(&t, c->sig, SG_K);
	cw_fp_lsh_keys(c->sig, SG_BANDS, CW_FP_LSH_ROWS_DEFAULT, c->bands);
}

static struct cw_sighting_in sg_in(const struct sg_claim *c, const char *outlet,
                                   const char *article, int64_t t)
{
	struct cw_sighting_in in = {c->fp,   c->simhash, c->bands, SG_BANDS, outlet,
	                            article, t,          c->sig,   SG_K};
	return in;
}

static struct cw_sighting sg_record1(const struct cw_sighting_in *in)
{
	struct cw_sightings_opts o = {.ttl_s = 3600, .max_hamming = 12, .min_jaccard = 0.4};
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
	struct cw_sightings_opts o = {.ttl_s = 3600, .max_hamming = 12, .min_jaccard = 0.4};
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
	struct cw_sightings_opts o = {.ttl_s = 3600, .max_hamming = 12, .min_jaccard = 0.4};
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

static struct cw_redis *sg_other(const char *prefix);

/* Seconds a key has left; -2 when it does not exist. */
static long long sg_ttl(const char *key)
{
	redisReply *rep;
	char err[256];

	cr_assert_eq(cw_redis_command(sg_r, &rep, err, sizeof(err), "TTL %s", key), 0, "%s", err);
	return rep->integer;
}

static long long sg_int(const char *fmt, const char *key)
{
	redisReply *rep;
	char err[256];

	cr_assert_eq(cw_redis_command(sg_r, &rep, err, sizeof(err), fmt, key), 0, "%s", err);
	return cw_redis_reply_int(rep);
}

/* The start of the band bucket holding time now_ms, for ttl_s 3600. */
static long long sg_bucket(int64_t now_ms)
{
	long long s = (long long)(now_ms / 1000);
	return s - s % 3600;
}

/* The hash of the bucket holding now_ms (ttl_s 3600) that holds the
 * fingerprint pointer of fp. */
static void sg_fpkey(char *key, size_t size, const char *fp, int64_t now_ms)
{
	snprintf(key, size, "cwt:sg:fp:%c:%lld", fp[0], sg_bucket(now_ms));
}

/* Whether field fp of hash key is cluster. */
static int sg_pointer_is(const char *key, const char *fp, const char *cluster)
{
	redisReply *rep;
	char err[256];

	cr_assert_eq(cw_redis_command(sg_r, &rep, err, sizeof(err), "HGET %s %s", key, fp), 0, "%s",
	             err);
	return rep->type == REDIS_REPLY_STRING && rep->len == 16 &&
	       memcmp(rep->str, cluster, 16) == 0;
}

Test(sightings, keys_expire)
{
	struct sg_claim c;
	struct cw_sighting s;
	struct cw_sighting_in in;
	char key[64];
	long long t;

	NEED_REDIS();
	sg_fingerprint(sg_text, &c);
	in = sg_in(&c, "reuters", "art-r1", 1000);
	s = sg_record1(&in);
	cw_sighting_release(&s);
	snprintf(key, sizeof(key), "cwt:sg:{%s}", c.fp);
	t = sg_ttl(key);
	cr_expect(t > 0 && t <= 3600, "ttl %lld", t);
	/* the fingerprint's pointer is a field of its bucket's hash, which
	 * lives to the end of the next bucket, as the band buckets do */
	sg_fpkey(key, sizeof(key), c.fp, cw_now_ms());
	cr_expect(sg_pointer_is(key, c.fp, c.fp), "the pointer names the cluster");
	t = sg_ttl(key);
	cr_expect(t > 3600 && t <= 7200, "ttl %lld", t);
	snprintf(key, sizeof(key), "cwt:sg:fp:%s", c.fp);
	cr_expect_eq(sg_int("EXISTS %s", key), 0, "no key per fingerprint");
	/* the band bucket lives to the end of the next bucket */
	snprintf(key, sizeof(key), "cwt:lsh:0:%lld", sg_bucket(cw_now_ms()));
	t = sg_ttl(key);
	cr_expect(t > 3600 && t <= 7200, "ttl %lld", t);
}

/* A cluster is one hash: the counts and the member outlets and articles are
 * its fields, no other key is written for it. */
Test(sightings, cluster_is_one_hash)
{
	struct sg_claim c;
	struct cw_sighting s;
	struct cw_sighting_in in;
	char key[64];

	NEED_REDIS();
	sg_fingerprint(sg_text, &c);
	in = sg_in(&c, "reuters", "art-r1", 1000);
	s = sg_record1(&in);
	cw_sighting_release(&s);
	in = sg_in(&c, "bbc", "art-b1", 2000);
	s = sg_record1(&in);
	cw_sighting_release(&s);
	snprintf(key, sizeof(key), "cwt:sg:{%s}", c.fp);
	cr_expect_eq(sg_int("HGET %s outlets", key), 2);
	cr_expect_eq(sg_int("HGET %s articles", key), 2);
	cr_expect_eq(sg_int("HEXISTS %s o:bbc", key), 1);
	cr_expect_eq(sg_int("HEXISTS %s a:art-r1", key), 1);
	snprintf(key, sizeof(key), "cwt:sg:{%s}:outlets", c.fp);
	cr_expect_eq(sg_int("EXISTS %s", key), 0);
	snprintf(key, sizeof(key), "cwt:sg:{%s}:articles", c.fp);
	cr_expect_eq(sg_int("EXISTS %s", key), 0);
}

/* Fields in every band hash of the bucket holding now_ms. */
static long long sg_band_fields(int64_t now_ms)
{
	long long total = 0;
	char key[64];

	for (int j = 0; j < SG_BANDS; j++) {
		snprintf(key, sizeof(key), "cwt:lsh:%d:%lld", j, sg_bucket(now_ms));
		total += sg_int("HLEN %s", key);
	}
	return total;
}

/* Band keys are fields of one hash per band and bucket, written by the
 * claim that founds a cluster; a member that joins it writes none. */
Test(sightings, only_founders_write_band_keys)
{
	static const char near[] = "The unemployment rate fell to 3.5 percent in September, the "
	                           "lowest level seen since 1969.";
	static const char other[] = "The city council approved a new budget for road repairs.";
	struct sg_claim a, b, c;
	struct cw_sighting s;
	struct cw_sighting_in in;
	int64_t now = cw_now_ms();

	NEED_REDIS();
	sg_fingerprint(sg_text, &a);
	sg_fingerprint(near, &b);
	sg_fingerprint(other, &c);
	in = sg_in(&a, "reuters", "art-r1", 1000);
	s = sg_record1(&in);
	cw_sighting_release(&s);
	cr_expect_eq(sg_band_fields(now), SG_BANDS, "the founder's band keys");
	in = sg_in(&b, "apnews", "art-a1", 2000);
	s = sg_record1(&in);
	cr_expect_eq(s.method, CLAIMWIRE__MATCH_METHOD__MATCH_METHOD_NEAR_DUPLICATE);
	cw_sighting_release(&s);
	cr_expect_eq(sg_band_fields(now), SG_BANDS, "a member adds no band key");
	in = sg_in(&c, "bbc", "art-b1", 3000);
	s = sg_record1(&in);
	cr_expect(s.is_new);
	cw_sighting_release(&s);
	cr_expect_eq(sg_band_fields(now), 2 * SG_BANDS, "a second founder adds its own");
}

/* Band pointers are found in the current and the previous bucket, and not
 * once two bucket boundaries have passed. */
Test(sightings, band_buckets_rotate)
{
	static const char near[] = "The unemployment rate fell to 3.5 percent in September, the "
	                           "lowest level seen since 1969.";
	static const char near2[] = "The unemployment rate fell to 3.5 percent in September, "
	                            "the lowest level since the year 1969.";
	struct sg_claim a, b, d;
	struct cw_sightings_opts o = {.ttl_s = 3600, .max_hamming = 12, .min_jaccard = 0.4};
	struct cw_sighting_in in;
	struct cw_sighting s;
	char err[256];
	int64_t t0 = sg_bucket(cw_now_ms()) * 1000 + 1000; /* just after a boundary */

	NEED_REDIS();
	sg_fingerprint(sg_text, &a);
	sg_fingerprint(near, &b);
	sg_fingerprint(near2, &d);
	cr_assert_str_neq(b.fp, d.fp);
	o.now_ms = t0;
	in = sg_in(&a, "reuters", "art-r1", 1000);
	cr_assert_eq(cw_sightings_record(sg_r, &o, &in, 1, &s, err, sizeof(err)), 0, "%s", err);
	cw_sighting_release(&s);
	/* the next bucket still reads the founder's pointers */
	o.now_ms = t0 + 3600 * 1000 + 1800 * 1000;
	in = sg_in(&b, "apnews", "art-a1", 2000);
	cr_assert_eq(cw_sightings_record(sg_r, &o, &in, 1, &s, err, sizeof(err)), 0, "%s", err);
	cr_expect_str_eq(s.cluster, a.fp);
	cw_sighting_release(&s);
	/* in the same bucket, the second near wording would join too */
	o.now_ms = t0 + 1800 * 1000;
	in = sg_in(&d, "bbc", "art-b1", 3000);
	{
		struct cw_redis *r2 = sg_other("cwrot:");
		struct cw_sighting_in ia = sg_in(&a, "reuters", "art-r1", 1000);
		o.now_ms = t0;
		cr_assert_eq(cw_sightings_record(r2, &o, &ia, 1, &s, err, sizeof(err)), 0, "%s",
		             err);
		cw_sighting_release(&s);
		o.now_ms = t0 + 1800 * 1000;
		cr_assert_eq(cw_sightings_record(r2, &o, &in, 1, &s, err, sizeof(err)), 0, "%s",
		             err);
		cr_expect_str_eq(s.cluster, a.fp, "near wording joins within the bucket");
		cw_sighting_release(&s);
		cw_redis_free(r2);
	}
	/* two boundaries later the founder's pointers are no longer read: the
	 * near wording founds its own cluster */
	o.now_ms = t0 + 2 * 3600 * 1000 + 1800 * 1000;
	cr_assert_eq(cw_sightings_record(sg_r, &o, &in, 1, &s, err, sizeof(err)), 0, "%s", err);
	cr_expect_str_eq(s.cluster, d.fp);
	cr_expect(s.is_new);
	cw_sighting_release(&s);
}

Test(sightings, redis_down_is_retry)
{
	struct sg_claim c;
	struct cw_sighting_in in;
	struct cw_sighting out;
	struct cw_sightings_opts o = {.ttl_s = 3600, .max_hamming = 12, .min_jaccard = 0.4};
	char err[256];
	int rc = CW_ERR_RETRY;

	NEED_REDIS();
	sg_fingerprint(sg_text, &c);
	in = sg_in(&c, "reuters", "art-r1", 1000);
	cw_test_redis_kill(&sg_tr);
	cr_expect_eq(cw_sightings_record(sg_r, &o, &in, 1, &out, err, sizeof(err)), CW_ERR_RETRY);
	/* back up (empty): the same call succeeds once the handle reconnects */
	cr_assert_eq(cw_test_redis_spawn(&sg_tr), 0);
	for (int i = 0; i < 100 && rc == CW_ERR_RETRY; i++) {
		struct timespec ts = {0, 100 * 1000 * 1000};
		rc = cw_sightings_record(sg_r, &o, &in, 1, &out, err, sizeof(err));
		if (rc == CW_ERR_RETRY)
			nanosleep(&ts, NULL); /* waiting out the reconnect backoff */
	}
	cr_assert_eq(rc, 0, "%s", err);
	cr_expect_eq(out.total, 1);
	cr_expect(out.is_new);
	cw_sighting_release(&out);
}

/* A second handle on the same server with its own key prefix, so that one
 * test can compare two stores. */
static struct cw_redis *sg_other(const char *prefix)
{
	return cw_test_redis_connect(&sg_tr, prefix, 0, 0);
}

/* Fingerprint pointer hashes per bucket (one per first hex digit). */
#define SG_SHARDS 16

/* The whole-batch path sends no more commands for a batch of 6 claims than
 * the bound that holds for any batch: per bucket, an HMGET per fingerprint
 * shard and an EXISTS and an HMGET per band; one EVALSHA; an HSET and an
 * EXPIRE per band and per fingerprint shard written.  The per-claim path
 * (Redis Cluster) sends at least one EVALSHA per claim. */
Test(sightings, batch_commands_do_not_grow_with_the_batch)
{
	static const char *const texts[] = {
	    "The city council approved a new budget for road repairs.",
	    "Crime in the city has doubled over the last ten years, the mayor said.",
	    "The state spends more on prisons than on its universities.",
	    "Half of all new jobs last year went to immigrants.",
	    "The governor cut school funding by a billion dollars.",
	    "Wind power now supplies a third of the country's electricity.",
	    "The president signed more executive orders than any predecessor.",
	    "Gas prices have tripled since the start of the administration.",
	};
	struct sg_claim a, c[8];
	struct cw_sighting_in in[6];
	struct cw_sighting out[6];
	struct cw_sightings_opts o = {.ttl_s = 3600, .max_hamming = 12, .min_jaccard = 0.4};
	struct cw_redis_stats st0, st1;
	unsigned long long c3, c6;
	char err[256];

	NEED_REDIS();
	sg_fingerprint(sg_text, &a);
	for (int i = 0; i < 8; i++)
		sg_fingerprint(texts[i], &c[i]);
	/* the first call also loads the script (NOSCRIPT, then EVAL) */
	in[0] = sg_in(&a, "reuters", "art-r1", 1000);
	cr_assert_eq(cw_sightings_record(sg_r, &o, in, 1, out, err, sizeof(err)), 0, "%s", err);
	cw_sighting_release(&out[0]);

	for (int i = 0; i < 3; i++)
		in[i] = sg_in(&c[i], "apnews", "art-a1", 2000);
	cw_redis_get_stats(sg_r, &st0);
	cr_assert_eq(cw_sightings_record(sg_r, &o, in, 3, out, err, sizeof(err)), 0, "%s", err);
	cw_redis_get_stats(sg_r, &st1);
	c3 = st1.commands - st0.commands;
	cr_expect_eq(st1.round_trips - st0.round_trips, 3, "new claims: their bands are read");
	for (int i = 0; i < 3; i++)
		cw_sighting_release(&out[i]);

	for (int i = 0; i < 6; i++)
		in[i] = sg_in(i < 5 ? &c[3 + i] : &a, "bbc", "art-b1", 3000);
	cw_redis_get_stats(sg_r, &st0);
	cr_assert_eq(cw_sightings_record(sg_r, &o, in, 6, out, err, sizeof(err)), 0, "%s", err);
	cw_redis_get_stats(sg_r, &st1);
	c6 = st1.commands - st0.commands;
	cr_expect_leq(c3, c6, "3 claims: %llu commands, 6 claims: %llu", c3, c6);
	cr_expect_leq(c6, 2 * (2 * SG_SHARDS + 2 * SG_BANDS) + 1 + 2 * (SG_BANDS + SG_SHARDS),
	              "%llu commands", c6);
	cr_expect_leq(c6, 6 * 4 + 2 * (2 * SG_BANDS) + 1 + 2 * SG_BANDS,
	              "commands grow with the shards the batch touches only: %llu", c6);
	cr_expect_eq(out[5].distinct_outlets, 2);
	for (int i = 0; i < 6; i++)
		cw_sighting_release(&out[i]);

	o.per_claim_script = 1;
	for (int i = 0; i < 3; i++)
		in[i] = sg_in(i ? &c[i] : &a, "cnn", "art-c1", 4000);
	cw_redis_get_stats(sg_r, &st0);
	cr_assert_eq(cw_sightings_record(sg_r, &o, in, 3, out, err, sizeof(err)), 0, "%s", err);
	cw_redis_get_stats(sg_r, &st1);
	cr_expect_geq(st1.commands - st0.commands, 3 + 3 + 2 * SG_BANDS, "%llu commands",
	              st1.commands - st0.commands);
	cr_expect_eq(out[0].total, 3, "the per-claim path continues the batch path's cluster");
	cr_expect_eq(out[0].distinct_outlets, 3);
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
	struct cw_sightings_opts o = {.ttl_s = 3600, .max_hamming = 12, .min_jaccard = 0.4};
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

/* Two outlets' wordings of one claim, as they ran (the Kislyak story): they
 * share an LSH band and lie 14 SimHash bits apart, so the shipped default of
 * match.sightings_max_hamming must join them. */
Test(sightings, two_wire_wordings_join_at_the_shipped_default)
{
	static const char wire[] =
	    "Russian Ambassador Sergey Kislyak met with Hillary Clinton advisers before the "
	    "presidential election, and that it was normal for an ambassador to speak with both "
	    "campaigns";
	static const char blaze[] =
	    "Russian Ambassador Sergey Kislyak met with Hillary Clinton advisers before the "
	    "presidential election, and that it wasn't abnormal for the ambassador to speak with "
	    "both candidates to discuss relations between the two countries";
	static const struct cw_config_key *const schemas[] = {cw_lib_config_keys,
	                                                      cw_match_config_keys, NULL};
	struct cw_config *cfg = cw_config_new(schemas);
	struct cw_sightings_opts o;
	struct sg_claim a, b;
	struct cw_sighting_in in[2];
	struct cw_sighting s;
	char err[256];

	NEED_REDIS();
	cw_sightings_opts_from_config(&o, cfg);
	o.ttl_s = 3600;
	sg_fingerprint(wire, &a);
	sg_fingerprint(blaze, &b);
	in[0] = sg_in(&a, "Example Wire Service", "wire-1", 1000);
	in[1] = sg_in(&b, "Blaze Media", "blaze-1", 2000);
	cr_assert_eq(cw_sightings_record(sg_r, &o, &in[0], 1, &s, err, sizeof(err)), 0, "%s", err);
	cw_sighting_release(&s);
	cr_assert_eq(cw_sightings_record(sg_r, &o, &in[1], 1, &s, err, sizeof(err)), 0, "%s", err);
	cr_expect_str_eq(s.cluster, a.fp, "the second wording joins the first one's cluster");
	cr_expect_eq(s.distinct_outlets, 2);
	cr_expect_str_eq(s.first_outlet, "Example Wire Service");
	cw_sighting_release(&s);
	cw_config_free(cfg);
}

/* Two debate lines that share one word pair ("tax plan") and so an LSH band,
 * and whose SimHashes of a few shingles lie 17 bits apart: the same claim to
 * SimHash alone.  Their MinHash sketches tell them apart: at the shipped
 * match.sightings_min_jaccard the second founds a cluster of its own,
 * whether it comes in the batch after the first or in the same batch (on
 * either path), and with the check off (0) it joins the first. */
Test(sightings, one_shared_word_pair_is_not_a_near_duplicate)
{
	static const char first[] = "He's talking about my tax plan.";
	static const char second[] =
	    "I'm not going to have something that Ted described in his tax plan.";
	static const struct cw_config_key *const schemas[] = {cw_lib_config_keys,
	                                                      cw_match_config_keys, NULL};
	static const struct {
		int one_batch, per_claim_script, check;
	} passes[] = {{0, 0, 1}, {1, 0, 1}, {1, 1, 1}, {0, 0, 0}, {1, 0, 0}};
	struct cw_config *cfg = cw_config_new(schemas);
	struct cw_sightings_opts o;
	struct sg_claim a, b;
	struct cw_sighting_in in[2];
	struct cw_sighting s[2];
	char err[256];
	double shipped;
	int shared = 0;

	NEED_REDIS();
	cw_sightings_opts_from_config(&o, cfg);
	o.ttl_s = 3600;
	shipped = o.min_jaccard;
	cr_assert_gt(shipped, 0);
	sg_fingerprint(first, &a);
	sg_fingerprint(second, &b);
	for (int j = 0; j < SG_BANDS; j++)
		shared += a.bands[j] == b.bands[j];
	cr_assert_gt(shared, 0, "the two lines must share a band for this test to mean anything");
	cr_assert_leq(cw_fp_hamming(a.simhash, b.simhash), o.max_hamming);
	for (size_t p = 0; p < CW_ARRAY_SIZE(passes); p++) {
		char outlet[2][32];
		/* each pass in pointer buckets of its own, where neither line was seen */
		o.now_ms = 1700000000000LL + (int64_t)p * 10 * o.ttl_s * 1000;
		o.min_jaccard = passes[p].check ? shipped : 0;
		o.per_claim_script = passes[p].per_claim_script;
		snprintf(outlet[0], sizeof(outlet[0]), "first-outlet-%zu", p);
		snprintf(outlet[1], sizeof(outlet[1]), "second-outlet-%zu", p);
		in[0] = sg_in(&a, outlet[0], "art-1", 1000);
		in[1] = sg_in(&b, outlet[1], "art-2", 2000);
		if (passes[p].one_batch) {
			cr_assert_eq(cw_sightings_record(sg_r, &o, in, 2, s, err, sizeof(err)), 0,
			             "%s", err);
		} else {
			cr_assert_eq(
			    cw_sightings_record(sg_r, &o, &in[0], 1, &s[0], err, sizeof(err)), 0,
			    "%s", err);
			cr_assert_eq(
			    cw_sightings_record(sg_r, &o, &in[1], 1, &s[1], err, sizeof(err)), 0,
			    "%s", err);
		}
		cr_expect_str_eq(s[0].cluster, a.fp, "pass %zu", p);
		if (passes[p].check) {
			cr_expect_str_eq(s[1].cluster, b.fp, "pass %zu: a cluster of its own", p);
		} else {
			cr_expect_str_eq(s[1].cluster, a.fp, "pass %zu: SimHash alone joins them",
			                 p);
			cr_expect_eq(s[1].method,
			             CLAIMWIRE__MATCH_METHOD__MATCH_METHOD_NEAR_DUPLICATE);
		}
		cw_sighting_release(&s[0]);
		cw_sighting_release(&s[1]);
	}
	cw_config_free(cfg);
}

/* Three PolitiFact claims: X founds a cluster; B and T, near each other but
 * not near X, come in the next batch, and every band key T shares with B is
 * one X registered first.  Redis keeps X's pointers, so T cannot reach B:
 * it founds a cluster, as it does when it comes a batch after B.  A batch
 * must not let its claims see pointers Redis will not keep. */
Test(sightings, a_batch_sees_the_band_pointers_redis_keeps)
{
	static const char *const texts[3] = {
	    "Women still earn about 77 cents for every dollar a man earns for working the same "
	    "job.",
	    "Women \"are still paid 82 cents for every dollar a man earns in Texas.\"",
	    "Women \"make 77 cents for every dollar a man earns.\""};
	struct cw_sightings_opts o = {.ttl_s = 3600, .max_hamming = 18, .min_jaccard = 0.4};
	struct sg_claim c[3];
	struct cw_sighting_in in[3];
	struct cw_sighting s[3];
	char err[256];

	NEED_REDIS();
	for (int i = 0; i < 3; i++) {
		sg_fingerprint(texts[i], &c[i]);
		in[i] = sg_in(&c[i], "outlet", texts[i], 1000 + i);
	}
	for (int pass = 0; pass < 2; pass++) {
		/* pass 0: B and T in one batch; pass 1: one batch each */
		o.now_ms = 1760000000000LL + (int64_t)pass * 10 * o.ttl_s * 1000;
		cr_assert_eq(cw_sightings_record(sg_r, &o, &in[0], 1, &s[0], err, sizeof(err)), 0,
		             "%s", err);
		if (pass == 0) {
			cr_assert_eq(
			    cw_sightings_record(sg_r, &o, &in[1], 2, &s[1], err, sizeof(err)), 0,
			    "%s", err);
		} else {
			cr_assert_eq(
			    cw_sightings_record(sg_r, &o, &in[1], 1, &s[1], err, sizeof(err)), 0,
			    "%s", err);
			cr_assert_eq(
			    cw_sightings_record(sg_r, &o, &in[2], 1, &s[2], err, sizeof(err)), 0,
			    "%s", err);
		}
		cr_expect_str_eq(s[0].cluster, c[0].fp, "pass %d", pass);
		cr_expect_str_eq(s[1].cluster, c[1].fp, "pass %d: B is not near X", pass);
		cr_expect_str_eq(s[2].cluster, c[2].fp,
		                 "pass %d: T reaches only X, and not near it", pass);
		for (int i = 0; i < 3; i++)
			cw_sighting_release(&s[i]);
	}
}

/* Band pointers written before sketches were kept ("<cluster> <simhash>")
 * are still followed, by SimHash alone; a pointer's sketch is read from
 * Redis and keeps a claim out of a cluster whose founder it does not
 * resemble. */
Test(sightings, band_pointers_with_and_without_a_sketch)
{
	struct cw_sightings_opts o = {.ttl_s = 3600, .max_hamming = 12, .min_jaccard = 0.4};
	static const char *const cluster = "00000000000000aa";
	struct sg_claim c;
	struct cw_sighting_in in;
	struct cw_sighting s;
	char err[256], key[256], field[17], sh[17], value[128], unlike[65];

	NEED_REDIS();
	sg_fingerprint(sg_text, &c);
	memset(unlike, 0, sizeof(unlike));
	cw_fp_sketch(c.sig, SG_K, unlike);
	for (size_t i = 0; i < strlen(unlike); i++) /* no digit in common */
		unlike[i] = unlike[i] == '0' ? '1' : '0';
	cw_hex64(c.simhash, sh);
	for (int pass = 0; pass < 2; pass++) {
		long long now_s = 1750000000LL + (long long)pass * 10 * o.ttl_s;
		o.now_ms = now_s * 1000;
		snprintf(value, sizeof(value), pass == 0 ? "%s %s" : "%s %s %s", cluster, sh,
		         unlike);
		for (int j = 0; j < SG_BANDS; j++) {
			cw_redis_key(sg_r, key, sizeof(key), "lsh:%d:%lld", j,
			             now_s - now_s % o.ttl_s);
			cw_hex64(c.bands[j], field);
			cr_assert_eq(cw_redis_command(sg_r, NULL, err, sizeof(err), "HSET %s %s %s",
			                              key, field, value),
			             0, "%s", err);
		}
		in = sg_in(&c, "outlet", pass == 0 ? "art-old" : "art-unlike", 1000);
		cr_assert_eq(cw_sightings_record(sg_r, &o, &in, 1, &s, err, sizeof(err)), 0, "%s",
		             err);
		if (pass == 0) {
			cr_expect_str_eq(s.cluster, cluster,
			                 "a pointer without a sketch is followed");
			cr_expect_eq(s.method,
			             CLAIMWIRE__MATCH_METHOD__MATCH_METHOD_NEAR_DUPLICATE);
		} else {
			cr_expect_str_eq(s.cluster, c.fp, "an unlike founder's pointer is not");
		}
		cw_sighting_release(&s);
	}
}

/* Redis saying "not now" (here: out of memory) is retried like a lost
 * connection, never a failure that would stop the worker. */
Test(sightings, redis_out_of_memory_is_retry)
{
	struct cw_sightings_opts o = {.ttl_s = 3600, .max_hamming = 12, .min_jaccard = 0.4};
	struct sg_claim a;
	struct cw_sighting_in in;
	struct cw_sighting s;
	redisReply *rep;
	char err[256];

	NEED_REDIS();
	sg_fingerprint("Exports rose by 12 percent in 2023, a record for the port.", &a);
	in = sg_in(&a, "reuters", "oom-1", 1000);
	cr_assert_eq(cw_redis_command(sg_r, &rep, err, sizeof(err), "CONFIG SET maxmemory 1"), 0,
	             "%s", err);
	cr_expect_eq(cw_sightings_record(sg_r, &o, &in, 1, &s, err, sizeof(err)), CW_ERR_RETRY,
	             "an OOM reply must be a retry: %s", err);
	cr_assert_eq(cw_redis_command(sg_r, &rep, err, sizeof(err), "CONFIG SET maxmemory 0"), 0,
	             "%s", err);
	cr_assert_eq(cw_sightings_record(sg_r, &o, &in, 1, &s, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(s.total, 1);
	cw_sighting_release(&s);
}

/* A batch that continues a cluster recorded before it: the script reads the
 * first claim's outlet and article with the counts, and a later claim's
 * outlet or article that was not read (here a redelivery of the first
 * sighting) still counts once. */
Test(sightings, batch_continues_an_existing_cluster)
{
	struct sg_claim a;
	struct cw_sighting_in in[4];
	struct cw_sighting out[4], s;
	struct cw_sightings_opts o = {.ttl_s = 3600, .max_hamming = 12, .min_jaccard = 0.4};
	char err[256], key[64];

	NEED_REDIS();
	sg_fingerprint(sg_text, &a);
	in[0] = sg_in(&a, "reuters", "art-1", 5000);
	s = sg_record1(&in[0]);
	cw_sighting_release(&s);
	in[0] = sg_in(&a, "bbc", "art-2", 6000);
	in[1] = sg_in(&a, "cnn", "art-3", 7000);
	in[2] = sg_in(&a, "bbc", "art-2", 6000);
	in[3] = sg_in(&a, "reuters", "art-1", 5000);
	cr_assert_eq(cw_sightings_record(sg_r, &o, in, 4, out, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(out[0].total, 2);
	cr_expect_eq(out[1].total, 3);
	cr_expect_eq(out[1].distinct_outlets, 3);
	cr_expect_eq(out[2].total, 3);
	cr_expect_eq(out[3].total, 3, "a redelivered first sighting counts once");
	cr_expect_eq(out[3].distinct_outlets, 3);
	cr_expect_str_eq(out[3].first_article_id, "art-1");
	for (int i = 0; i < 4; i++)
		cw_sighting_release(&out[i]);
	snprintf(key, sizeof(key), "cwt:sg:{%s}", a.fp);
	cr_expect_eq(sg_int("HLEN %s", key), 5 + 3 + 3, "counts, 3 outlets, 3 articles");
}

/* One batch can add more new articles to one cluster than a Lua call can
 * take arguments at once (worker.batch_size goes to 100000). */
Test(sightings, batch_adds_many_articles_to_one_cluster)
{
	enum { N = 4500 };
	struct sg_claim a;
	struct cw_sighting_in *in = cw_xcalloc(N, sizeof(*in));
	struct cw_sighting *out = cw_xcalloc(N, sizeof(*out));
	struct cw_sightings_opts o = {.ttl_s = 3600, .max_hamming = 12, .min_jaccard = 0.4};
	char err[256], key[64], (*arts)[16] = cw_xcalloc(N, sizeof(*arts));

	NEED_REDIS();
	sg_fingerprint(sg_text, &a);
	for (int i = 0; i < N; i++) {
		snprintf(arts[i], sizeof(arts[i]), "art-%d", i);
		in[i] = sg_in(&a, i % 2 ? "bbc" : "reuters", arts[i], 1000 + i);
	}
	cr_assert_eq(cw_sightings_record(sg_r, &o, in, N, out, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(out[N - 1].total, N);
	cr_expect_eq(out[N - 1].distinct_outlets, 2);
	snprintf(key, sizeof(key), "cwt:sg:{%s}", a.fp);
	cr_expect_eq(sg_int("HLEN %s", key), 5 + 2 + N);
	for (int i = 0; i < N; i++)
		cw_sighting_release(&out[i]);
	free(in);
	free(out);
	free(arts);
}

/* Calls of one command since the last CONFIG RESETSTAT, commands run by
 * scripts included. */
static long long sg_calls(const char *cmd)
{
	redisReply *rep;
	char err[256], name[64];
	const char *p;

	cr_assert_eq(cw_redis_command(sg_r, &rep, err, sizeof(err), "INFO commandstats"), 0, "%s",
	             err);
	snprintf(name, sizeof(name), "cmdstat_%s:calls=", cmd);
	p = strstr(rep->str, name);
	return p ? atoll(p + strlen(name)) : 0;
}

/* Band keys are read only for claims whose exact fingerprint is new (the
 * others join that fingerprint's cluster), and only from band buckets that
 * exist: the HMGETs left are the fingerprint pointers' (per bucket and
 * shard) and the script's, one per cluster. */
Test(sightings, band_keys_read_only_when_needed)
{
	static const char near[] = "The unemployment rate fell to 3.5 percent in September, the "
	                           "lowest level seen since 1969.";
	struct sg_claim a, b;
	struct cw_sighting_in in[3];
	struct cw_sighting out[3];
	struct cw_sightings_opts o = {.ttl_s = 3600, .max_hamming = 12, .min_jaccard = 0.4};
	struct cw_redis_stats st0, st1;
	redisReply *rep;
	char err[256];

	NEED_REDIS();
	o.now_ms = sg_bucket(cw_now_ms()) * 1000 + 1000;
	sg_fingerprint(sg_text, &a);
	sg_fingerprint(near, &b);
	in[0] = sg_in(&a, "reuters", "art-r1", 1000);
	cr_assert_eq(cw_sightings_record(sg_r, &o, in, 1, out, err, sizeof(err)), 0, "%s", err);
	cw_sighting_release(&out[0]);

	/* known fingerprints only: no band key is read, two round trips */
	in[0] = sg_in(&a, "apnews", "art-a1", 2000);
	in[1] = sg_in(&a, "bbc", "art-b1", 3000);
	cr_assert_eq(cw_redis_command(sg_r, &rep, err, sizeof(err), "CONFIG RESETSTAT"), 0, "%s",
	             err);
	cw_redis_get_stats(sg_r, &st0);
	cr_assert_eq(cw_sightings_record(sg_r, &o, in, 2, out, err, sizeof(err)), 0, "%s", err);
	cw_redis_get_stats(sg_r, &st1);
	cr_expect_eq(st1.round_trips - st0.round_trips, 2);
	cr_expect_eq(sg_calls("hmget"), 2 + 1, "one shard's pointers, the one cluster");
	cr_expect_eq(out[1].distinct_outlets, 3);
	for (int i = 0; i < 2; i++)
		cw_sighting_release(&out[i]);

	/* a new wording, and the same wording again in the batch: one claim's
	 * bands are read, from the current bucket only (the previous one does
	 * not exist), and both join the founder's cluster */
	in[0] = sg_in(&b, "cnn", "art-c1", 4000);
	in[1] = sg_in(&b, "cnn", "art-c2", 5000);
	in[2] = sg_in(&a, "fox", "art-f1", 6000);
	cr_assert_eq(cw_redis_command(sg_r, &rep, err, sizeof(err), "CONFIG RESETSTAT"), 0, "%s",
	             err);
	cw_redis_get_stats(sg_r, &st0);
	cr_assert_eq(cw_sightings_record(sg_r, &o, in, 3, out, err, sizeof(err)), 0, "%s", err);
	cw_redis_get_stats(sg_r, &st1);
	cr_expect_eq(st1.round_trips - st0.round_trips, 3);
	cr_expect_eq(sg_calls("hmget"), 2 * (1 + (a.fp[0] != b.fp[0])) + SG_BANDS + 1,
	             "pointers, one bucket's bands, one cluster");
	cr_expect_eq(sg_calls("exists"), 2 * SG_BANDS);
	cr_expect_eq(out[0].method, CLAIMWIRE__MATCH_METHOD__MATCH_METHOD_NEAR_DUPLICATE);
	for (int i = 0; i < 3; i++) {
		cr_expect_str_eq(out[i].cluster, a.fp, "claim %d", i);
		cw_sighting_release(&out[i]);
	}
}

/* A fingerprint pointer lives in the bucket it was written in and is read
 * from the current and the previous bucket; one found in the previous
 * bucket only is copied into the current one, so it is found for ttl_s
 * after its last sighting, and one already in the current bucket is not
 * written again (the current bucket's pointer wins). */
Test(sightings, fingerprint_pointers_rotate)
{
	static const char other[] = "The city council approved a new budget for road repairs.";
	struct sg_claim a, c;
	struct cw_sightings_opts o = {.ttl_s = 3600, .max_hamming = 12, .min_jaccard = 0.4};
	struct cw_sighting_in in;
	struct cw_sighting s;
	char err[256], key[64];
	int64_t t0 = sg_bucket(cw_now_ms()) * 1000 + 1000, t1 = t0 + 3600 * 1000 + 1800 * 1000;

	NEED_REDIS();
	sg_fingerprint(sg_text, &a);
	sg_fingerprint(other, &c);
	for (int path = 0; path < 2; path++) {
		o.per_claim_script = path;
		cr_assert_eq(
		    cw_redis_command(sg_r, &(redisReply *){0}, err, sizeof(err), "FLUSHALL"), 0,
		    "%s", err);
		o.now_ms = t0;
		in = sg_in(&a, "reuters", "art-r1", 1000);
		cr_assert_eq(cw_sightings_record(sg_r, &o, &in, 1, &s, err, sizeof(err)), 0, "%s",
		             err);
		cw_sighting_release(&s);
		sg_fpkey(key, sizeof(key), a.fp, t0);
		cr_expect(sg_pointer_is(key, a.fp, a.fp));

		/* the next bucket finds it in the previous one and copies it */
		o.now_ms = t1;
		in = sg_in(&a, "apnews", "art-a1", 2000);
		cr_assert_eq(cw_sightings_record(sg_r, &o, &in, 1, &s, err, sizeof(err)), 0, "%s",
		             err);
		cr_expect_str_eq(s.cluster, a.fp);
		cr_expect_eq(s.total, 2, "path %d", path);
		cw_sighting_release(&s);
		sg_fpkey(key, sizeof(key), a.fp, t1);
		cr_expect(sg_pointer_is(key, a.fp, a.fp), "copied forward, path %d", path);

		/* the bucket after that still finds it, through the copy */
		o.now_ms = t1 + 3600 * 1000;
		in = sg_in(&a, "bbc", "art-b1", 3000);
		cr_assert_eq(cw_sightings_record(sg_r, &o, &in, 1, &s, err, sizeof(err)), 0, "%s",
		             err);
		cr_expect_eq(s.method, CLAIMWIRE__MATCH_METHOD__MATCH_METHOD_EXACT);
		cr_expect_eq(s.total, 3, "path %d", path);
		cw_sighting_release(&s);
		sg_fpkey(key, sizeof(key), a.fp, t1 + 3600 * 1000);
		cr_expect(sg_pointer_is(key, a.fp, a.fp));

		/* a pointer already in the current bucket is read, not rewritten */
		cr_assert_eq(cw_redis_command(sg_r, &(redisReply *){0}, err, sizeof(err),
		                              "HSET %s %s %s", key, a.fp, c.fp),
		             0, "%s", err);
		in = sg_in(&a, "cnn", "art-c1", 4000);
		cr_assert_eq(cw_sightings_record(sg_r, &o, &in, 1, &s, err, sizeof(err)), 0, "%s",
		             err);
		cr_expect_str_eq(s.cluster, c.fp, "the current bucket's pointer");
		cw_sighting_release(&s);
		cr_expect(sg_pointer_is(key, a.fp, c.fp));
	}
}

/* A batch whose commands and replies are big (long outlet and article ids,
 * over a hundred bytes each) and whose script the server forgets between
 * calls: every claim founds its own cluster with its own strings, on both
 * paths, and a redelivery counts once. */
Test(sightings, big_batch_long_strings_and_script_flush)
{
	enum { N = 600 };
	static struct sg_claim c[N];
	static struct cw_sighting_in in[N];
	static struct cw_sighting out[N];
	static char outlet[N][320], art[N][140];
	struct cw_sightings_opts o = {.ttl_s = 3600, .max_hamming = 12, .min_jaccard = 0.4};
	char err[256];
	uint64_t x = 0x9e3779b97f4a7c15ULL;

	NEED_REDIS();
	for (size_t i = 0; i < N; i++) {
		/* xorshift: distinct fingerprints, SimHashes and band keys */
		for (int j = -2; j < SG_BANDS; j++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			if (j == -2)
				cw_hex64(x, c[i].fp);
			else if (j == -1)
				c[i].simhash = x;
			else
				c[i].bands[j] = x;
		}
		snprintf(outlet[i], sizeof(outlet[i]), "%0300zu", i);
		snprintf(art[i], sizeof(art[i]), "article-%0120zu", i);
		in[i] = sg_in(&c[i], outlet[i], art[i], 1000 + (int64_t)i);
	}
	for (int round = 0; round < 4; round++) {
		o.per_claim_script = round >= 2;
		cr_assert_eq(
		    cw_redis_command(sg_r, &(redisReply *){0}, err, sizeof(err), "SCRIPT FLUSH"), 0,
		    "%s", err);
		cr_assert_eq(cw_sightings_record(sg_r, &o, in, N, out, err, sizeof(err)), 0, "%s",
		             err);
		for (size_t i = 0; i < N; i++) {
			cr_expect_str_eq(out[i].cluster, c[i].fp, "round %d claim %zu", round, i);
			cr_expect_eq(out[i].is_new, 1, "round %d claim %zu", round, i);
			cr_expect_eq(out[i].total, 1, "round %d claim %zu", round, i);
			cr_expect_eq(out[i].distinct_outlets, 1, "round %d claim %zu", round, i);
			cr_expect_str_eq(out[i].first_outlet, outlet[i], "round %d claim %zu",
			                 round, i);
			cr_expect_str_eq(out[i].first_article_id, art[i], "round %d claim %zu",
			                 round, i);
			cr_expect_eq(out[i].first_seen_ms, 1000 + (int64_t)i);
			cw_sighting_release(&out[i]);
		}
	}
}
