/*
 * main.c — `claimwire match`: the match worker.  Claims in, verdicts out.
 *
 * At start it copies the knowledge base from Redis into memory (struct
 * cw_matcher) and then follows Redis' change log about once a second, so a
 * fact-check loaded while the pipeline runs is matched within seconds, with
 * no restart.  Per batch of claims (match/batch.h): the sightings are
 * recorded in Redis, in a few pipelined round trips from a second thread,
 * while the claims are decided; every claim then gets a Verdict on
 * topics.verdicts, and the check-worthy ones without a confirmed fact-check
 * also go to topics.review.
 * While Redis is unreachable the batch is retried and no offset is stored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "extract/config.h"
#include "extract/fingerprint.h"
#include "lib/cli.h"
#include "lib/common.h"
#include "lib/log.h"
#include "lib/redis.h"
#include "lib/worker.h"
#include "match/batch.h"
#include "match/kb.h"
#include "match/matcher.h"
#include "match/sightings.h"
#include "proto/claimwire.pb-c.h"

struct match_worker {
	const struct cw_config *cfg;
	struct cw_redis *redis;
	struct cw_matcher *matcher;
	struct cw_sightings_opts sopts;
	int64_t kb_since;   /* Redis time of the last change seen */
	int64_t kb_next_ms; /* monotonic time of the next change-log poll */
	int kb_loaded;
	size_t bands, rows; /* extract.lsh_bands and extract.lsh_rows */
};

static const char usage_text[] =
    "usage: claimwire match [options]\n\n"
    "Consumes claims (topics.claims), answers \"seen before?\" (sightings in\n"
    "Redis) and \"already fact-checked?\" (the knowledge base), and produces\n"
    "verdicts (topics.verdicts) and the review queue (topics.review).\n\n"
    "options:\n"
    "      --batch           exit once the input is consumed (also on SIGUSR1)\n" CW_CLI_HELP;

static int put_fc(const struct cw_factcheck *fc, void *opaque)
{
	struct match_worker *mw = opaque;
	cw_matcher_put(mw->matcher, fc);
	return 0;
}

/* Brings the in-memory knowledge base up to date.  CW_ERR_RETRY when Redis
 * is unreachable. */
static int refresh_kb(struct match_worker *mw)
{
	char err[512];
	int64_t since = mw->kb_since;
	int rc;

	if (!mw->kb_loaded) {
		rc = cw_kb_foreach(mw->redis, put_fc, mw, &since, err, sizeof(err));
		if (rc)
			return rc;
		mw->kb_loaded = 1;
		cw_info("msg=\"knowledge base loaded\" fact_checks=%zu",
		        cw_matcher_count(mw->matcher));
	} else {
		size_t before = cw_matcher_count(mw->matcher);
		rc = cw_kb_changes_since(mw->redis, mw->kb_since, put_fc, mw, &since, err,
		                         sizeof(err));
		if (rc)
			return rc;
		if (cw_matcher_count(mw->matcher) != before)
			cw_info("msg=\"knowledge base updated\" fact_checks=%zu",
			        cw_matcher_count(mw->matcher));
	}
	mw->kb_since = since;
	mw->kb_next_ms = cw_mono_ms() + cw_config_int(mw->cfg, "match.kb_poll_ms");
	return 0;
}

static void tick(struct cw_worker *w, void *opaque)
{
	struct match_worker *mw = opaque;
	(void)w;
	if (cw_mono_ms() >= mw->kb_next_ms)
		refresh_kb(mw); /* a failure is retried at the next tick or batch */
}

/* Produces one verdict, keyed by its claim's fingerprint (by the article's
 * id for an article with no claim), and sends it to the review queue too
 * when the claim is check-worthy and no fact-check confirms it. */
static int emit_verdict(const Claimwire__Verdict *v, void *opaque)
{
	struct cw_worker *w = opaque;
	const Claimwire__Claim *c = v->claim;
	const char *key = c->article_only ? c->article_id : c->fingerprint;
	size_t len = claimwire__verdict__get_packed_size(v), keylen = strlen(key);
	uint8_t *buf = cw_xmalloc(len);
	int rc;

	claimwire__verdict__pack(v, buf);
	rc = cw_worker_produce(w, "topics.verdicts", key, keylen, buf, len, NULL);
	if (!rc && c->check_worthy &&
	    v->status != CLAIMWIRE__VERDICT_STATUS__VERDICT_STATUS_CONFIRMED)
		rc = cw_worker_produce(w, "topics.review", key, keylen, buf, len, NULL);
	free(buf);
	return rc;
}

/* An article that yielded no claim goes on to report as a verdict on
 * nothing (no status, no candidates), keyed by the article's id, so that
 * report counts it. */
static int pass_article_only(struct cw_worker *w, const rd_kafka_message_t *msg,
                             Claimwire__Claim *c)
{
	Claimwire__Verdict v;

	if (!c->article_id || !*c->article_id) {
		cw_worker_dead_letter(w, msg, "article record without an article id");
		return 0;
	}
	claimwire__verdict__init(&v);
	v.schema_version = CLAIMWIRE__SCHEMA_VERSION__SCHEMA_VERSION_1;
	v.claim = c;
	v.decided_ms = cw_now_ms();
	return emit_verdict(&v, w);
}

static int process(struct cw_worker *w, rd_kafka_message_t **msgs, size_t n, void *opaque)
{
	struct match_worker *mw = opaque;
	Claimwire__Claim **claims = cw_xcalloc(n, sizeof(*claims));
	struct cw_sighting_in *in = cw_xcalloc(n, sizeof(*in));
	uint64_t *keys = cw_xcalloc(n * CW_FP_LSH_MAX_BANDS, sizeof(*keys));
	size_t m = 0;
	char err[512] = "";
	int rc = 0;

	if (!mw->kb_loaded || cw_mono_ms() >= mw->kb_next_ms) {
		rc = refresh_kb(mw);
		if (rc == CW_ERR_RETRY || (!mw->kb_loaded && rc))
			goto out;
		rc = 0;
	}
	for (size_t i = 0; i < n; i++) {
		Claimwire__Claim *c =
		    claimwire__claim__unpack(NULL, msgs[i]->len, msgs[i]->payload);
		if (!c) {
			cw_worker_dead_letter(w, msgs[i],
			                      "not a Claim record (protobuf unpack failed)");
			continue;
		}
		if (c->article_only) {
			rc = pass_article_only(w, msgs[i], c);
			claimwire__claim__free_unpacked(c, NULL);
			if (rc)
				goto out;
			continue;
		}
		if (!c->fingerprint || strlen(c->fingerprint) != 16 ||
		    strspn(c->fingerprint, "0123456789abcdef") != 16 || !c->article_id ||
		    !*c->article_id) {
			cw_worker_dead_letter(w, msgs[i],
			                      "claim without fingerprint or article id");
			claimwire__claim__free_unpacked(c, NULL);
			continue;
		}
		claims[m] = c;
		in[m].fingerprint = c->fingerprint;
		in[m].simhash = c->simhash;
		/* A signature too short for the bands (a claim from an
		 * extract configured otherwise) is matched by its exact
		 * fingerprint only. */
		if (c->n_minhash >= mw->bands * mw->rows) {
			cw_fp_lsh_keys(c->minhash, mw->bands, mw->rows,
			               keys + m * CW_FP_LSH_MAX_BANDS);
			in[m].lsh_keys = keys + m * CW_FP_LSH_MAX_BANDS;
			in[m].nbands = mw->bands;
			in[m].minhash = c->minhash;
			in[m].n_minhash = c->n_minhash;
		}
		in[m].outlet = c->outlet && *c->outlet ? c->outlet : "unknown";
		in[m].article_id = c->article_id;
		/* A publication time from outside: used when plausible (1970 to
		 * 2100), else the time the claim is seen. */
		in[m].time_ms = c->published > 0 && c->published < 4102444800LL
		                    ? c->published * 1000
		                    : cw_now_ms();
		m++;
	}
	if (m) {
		rc = cw_match_batch(mw->redis, &mw->sopts, mw->matcher, claims, in, m, emit_verdict,
		                    w, err, sizeof(err));
		if (rc != 0 && *err)
			cw_warn("msg=\"cannot record sightings\" error=\"%s\"", err);
	}
out:
	for (size_t i = 0; i < m; i++)
		claimwire__claim__free_unpacked(claims[i], NULL);
	free(claims);
	free(in);
	free(keys);
	return rc;
}

int cw_match_command(int argc, char **argv)
{
	static const char *const inputs[] = {"topics.claims", NULL};
	struct cw_config *cfg = NULL;
	struct match_worker mw = {0};
	char err[512];
	int rc, batch = 0;

	if ((rc = cw_cli_worker_args(argc, argv, usage_text, &cfg, &batch)) >= 0)
		return rc;
	rc = CW_EXIT_FAILURE;
	mw.cfg = cfg;
	if (cw_extract_lsh_config(cfg, &mw.bands, &mw.rows, err, sizeof(err))) {
		cw_err("msg=\"%s\"", err);
		rc = CW_EXIT_CONFIG;
		goto out;
	}
	cw_sightings_opts_from_config(&mw.sopts, cfg);
	mw.matcher = cw_matcher_new(cfg, err, sizeof(err));
	if (!mw.matcher) {
		cw_err("msg=\"%s\"", err);
		goto out;
	}
	mw.redis = cw_redis_new(cfg, err, sizeof(err));
	if (!mw.redis) {
		cw_err("msg=\"%s\"", err);
		goto out;
	}
	if (refresh_kb(&mw))
		cw_warn("msg=\"knowledge base not loaded yet; will retry\"");

	struct cw_worker_spec spec = {
	    .stage = "match",
	    .input_topic_keys = inputs,
	    .process = process,
	    .tick = tick,
	    .opaque = &mw,
	};
	rc = cw_worker_run(&spec, cfg, batch);
out:
	cw_redis_free(mw.redis);
	cw_matcher_free(mw.matcher);
	cw_config_free(cfg);
	return rc;
}
