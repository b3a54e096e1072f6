/*
 * test_match_batch.c — a batch through match (cw_match_batch) against a real
 * redis-server: the sightings recorded on their own thread while the claims
 * are decided come together in batch order, each verdict the one a claim
 * decided alone gets, with the sightings of that claim; Redis down emits
 * nothing and asks for a retry.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "cw_redis_fixture.h"
#include "extract/config.h"
#include "extract/fingerprint.h"
#include "extract/normalize.h"
#include "lib/common.h"
#include "lib/keys.h"
#include "lib/redis.h"
#include "match/batch.h"
#include "match/config.h"
#include "match/matcher.h"

#define MB_N     6
#define MB_K     64
#define MB_BANDS 16

static struct cw_test_redis mb_tr;
static struct cw_redis *mb_r;
static struct cw_norm *mb_nz;
static struct cw_config *mb_cfg;
static int mb_have_redis;

static void mb_setup(void)
{
	char err[256];
	struct cw_redis_params p = {0};
	static const struct cw_config_key *const schemas[] = {
	    cw_lib_config_keys, cw_extract_config_keys, cw_match_config_keys, NULL};

	mb_cfg = cw_config_new(schemas);
	mb_nz = cw_norm_new("english", err, sizeof(err));
	mb_have_redis = cw_test_redis_start(&mb_tr) == 0;
	if (!mb_have_redis)
		return;
	p.socket = mb_tr.sock;
	p.key_prefix = "cwmb:";
	mb_r = cw_redis_new_params(&p, err, sizeof(err));
}

static void mb_teardown(void)
{
	cw_redis_free(mb_r);
	mb_r = NULL;
	cw_norm_free(mb_nz);
	cw_config_free(mb_cfg);
	cw_test_redis_stop(&mb_tr);
}

TestSuite(match_batch, .init = mb_setup, .fini = mb_teardown);

/* One claim of the batch, fingerprinted as extract does. */
struct mb_claim {
	Claimwire__Claim c;
	char fp[17];
	char *norm;
	uint32_t sig[MB_K];
	uint64_t bands[MB_BANDS];
};

static void mb_make(struct mb_claim *m, const char *text, const char *outlet, const char *article)
{
	struct cw_tokens t;

	claimwire__claim__init(&m->c);
	cw_norm_text(mb_nz, text, strlen(text), 0, &t);
	cw_hex64(cw_fp_exact(&t), m->fp);
	m->norm = cw_xstrndup(t.text, t.len);
	cw_fp_minhash(&t, m->sig, MB_K);
	cw_fp_lsh_keys(m->sig, MB_K, MB_BANDS, m->bands);
	m->c.fingerprint = m->fp;
	m->c.text = (char *)(uintptr_t)text;
	m->c.normalized = m->norm;
	m->c.simhash = cw_fp_simhash(&t);
	m->c.outlet = (char *)(uintptr_t)outlet;
	m->c.article_id = (char *)(uintptr_t)article;
	m->c.check_worthy = 1;
}

struct mb_seen {
	size_t n;
	char fp[MB_N][17];
	int status[MB_N];
	char best[MB_N][32];
	unsigned outlets[MB_N];
	char first_outlet[MB_N][32];
	int stop_after; /* emitter fails on this call (1-based), 0 never */
};

static int mb_emit(const Claimwire__Verdict *v, void *opaque)
{
	struct mb_seen *s = opaque;
	size_t i = s->n++;

	cr_assert_lt(i, MB_N);
	snprintf(s->fp[i], sizeof(s->fp[i]), "%s", v->claim->fingerprint);
	s->status[i] = v->status;
	snprintf(s->best[i], sizeof(s->best[i]), "%s",
	         v->best && v->best->fact_check ? v->best->fact_check->id : "");
	cr_assert(v->sightings);
	s->outlets[i] = v->sightings->distinct_outlets;
	snprintf(s->first_outlet[i], sizeof(s->first_outlet[i]), "%s", v->sightings->first_outlet);
	return s->stop_after && s->n == (size_t)s->stop_after ? CW_ERR_IO : 0;
}

static const char *const mb_texts[MB_N] = {
    "Wind turbines cause cancer in people who live near them.",
    "The unemployment rate fell to 3.5 percent in September.",
    "Wind turbines cause cancer in people who live near them.",
    "Crime in the city doubled over the last two years.",
    "Wind turbines cause cancer in people who live near them.",
    "The unemployment rate fell to 3.5 percent in September.",
};
static const char *const mb_outlets[MB_N] = {"Reuters", "AP", "BBC", "AP", "CNN", "BBC"};

static struct cw_matcher *mb_matcher(void)
{
	struct cw_factcheck fc = {0};
	struct cw_tokens t;
	char err[256], fp[17];
	const char *claim = mb_texts[0];
	struct cw_matcher *m = cw_matcher_new(mb_cfg, err, sizeof(err));

	cr_assert(m, "%s", err);
	cw_norm_text(mb_nz, claim, strlen(claim), 0, &t);
	cw_hex64(cw_fp_exact(&t), fp);
	fc.id = cw_xstrdup("fc-wind");
	fc.claim = cw_xstrdup(claim);
	fc.rating = cw_xstrdup("false");
	fc.rating_normalized = cw_rating_normalize("false", 5);
	fc.publisher = cw_xstrdup("PolitiFact");
	fc.normalized = cw_xstrndup(t.text, t.len);
	fc.fingerprint = cw_xstrdup(fp);
	fc.updated_ms = 1000;
	cr_assert_eq(cw_matcher_put(m, &fc), 0);
	cw_factcheck_release(&fc);
	return m;
}

/* The batch of MB_N claims, their sighting inputs and a matcher that knows
 * the wind claim's fact-check. */
struct mb_batch {
	struct mb_claim mc[MB_N];
	Claimwire__Claim *claims[MB_N];
	struct cw_sighting_in in[MB_N];
	struct cw_sightings_opts o;
	struct cw_matcher *m;
};

static void mb_batch_free(struct mb_batch *b)
{
	for (size_t i = 0; i < MB_N; i++)
		free(b->mc[i].norm);
	cw_matcher_free(b->m);
}

static void mb_batch(struct mb_batch *b)
{
	static char art[MB_N][16];
	struct mb_claim *mc = b->mc;
	Claimwire__Claim **claims = b->claims;
	struct cw_sighting_in *in = b->in;

	if (!mb_have_redis)
		cr_skip_test("redis-server is not on PATH or did not start");
	b->o = (struct cw_sightings_opts){.ttl_s = 3600, .max_hamming = 18};
	b->m = mb_matcher();
	for (size_t i = 0; i < MB_N; i++) {
		snprintf(art[i], sizeof(art[i]), "art-%zu", i);
		mb_make(&mc[i], mb_texts[i], mb_outlets[i], art[i]);
		claims[i] = &mc[i].c;
		in[i] = (struct cw_sighting_in){mc[i].fp,         mc[i].c.simhash, mc[i].bands,
		                                MB_BANDS,         mb_outlets[i],   art[i],
		                                1000 + (int64_t)i};
	}
}

Test(match_batch, verdicts_in_order_with_their_sightings)
{
	struct mb_batch b;
	struct mb_seen seen = {0};
	char err[256] = "";

	mb_batch(&b);
	cr_assert_eq(
	    cw_match_batch(mb_r, &b.o, b.m, b.claims, b.in, MB_N, mb_emit, &seen, err, sizeof(err)),
	    0, "%s", err);
	cr_assert_eq(seen.n, MB_N);
	for (size_t i = 0; i < MB_N; i++) {
		Claimwire__Verdict alone;
		claimwire__verdict__init(&alone);
		cw_matcher_decide(b.m, b.claims[i], &alone);
		cr_expect_str_eq(seen.fp[i], b.mc[i].fp, "claim %zu out of order", i);
		cr_expect_eq(seen.status[i], (int)alone.status, "claim %zu", i);
		cr_expect_str_eq(seen.best[i],
		                 alone.best && alone.best->fact_check ? alone.best->fact_check->id
		                                                      : "",
		                 "claim %zu", i);
		cw_matcher_release_verdict(&alone);
	}
	/* The wind claim: confirmed, seen by Reuters, BBC, CNN in that order. */
	cr_expect_eq(seen.status[0], CLAIMWIRE__VERDICT_STATUS__VERDICT_STATUS_CONFIRMED);
	cr_expect_eq(seen.outlets[0], 1);
	cr_expect_eq(seen.outlets[2], 2);
	cr_expect_eq(seen.outlets[4], 3);
	cr_expect_str_eq(seen.first_outlet[4], "Reuters");
	cr_expect_eq(seen.outlets[5], 2);
	cr_expect_str_eq(seen.first_outlet[5], "AP");
	cr_expect_eq(seen.outlets[3], 1);

	/* An emitter that fails stops the batch there, with its error. */
	struct mb_seen stop = {.stop_after = 2};
	cr_expect_eq(
	    cw_match_batch(mb_r, &b.o, b.m, b.claims, b.in, MB_N, mb_emit, &stop, err, sizeof(err)),
	    CW_ERR_IO);
	cr_expect_eq(stop.n, 2);
	mb_batch_free(&b);
}

Test(match_batch, redis_down_emits_nothing)
{
	struct mb_batch b;
	struct mb_seen seen = {0};
	char err[256] = "";

	mb_batch(&b);
	cw_test_redis_kill(&mb_tr);
	cr_expect_eq(
	    cw_match_batch(mb_r, &b.o, b.m, b.claims, b.in, MB_N, mb_emit, &seen, err, sizeof(err)),
	    CW_ERR_RETRY);
	cr_expect_eq(seen.n, 0);
	cr_expect_neq(err[0], '\0');
	mb_batch_free(&b);
}
