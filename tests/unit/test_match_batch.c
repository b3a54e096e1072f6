/*
 * test_match_batch.c — a batch through match (cw_match_batch) against a real
 * redis-server: the sightings recorded on their own thread while the claims
 * are decided come together in batch order, each verdict the one a claim
 * decided alone gets, with the sightings of that claim; a batch big enough
 * that the sightings thread decides too gives every claim, in order, the
 * very verdict it gets alone; Redis down emits nothing and asks for a retry.
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
#define MB_BANDS CW_FP_LSH_BANDS_DEFAULT

static struct cw_test_redis mb_tr;
static struct cw_redis *mb_r;
static struct cw_norm *mb_nz;
static struct cw_config *mb_cfg;
static int mb_have_redis;

static void mb_setup(void)
{
	char err[256];
	static const struct cw_config_key *const schemas[] = {
	    cw_lib_config_keys, cw_extract_config_keys, cw_match_config_keys, NULL};

	mb_cfg = cw_config_new(schemas);
	mb_nz = cw_norm_new("english", err, sizeof(err));
	mb_have_redis = cw_test_redis_start(&mb_tr) == 0;
	if (mb_have_redis)
		mb_r = cw_test_redis_connect(&mb_tr, "cwmb:", 0, 0);
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
	cw_fp_lsh_keys(m->sig, MB_BANDS, CW_FP_LSH_ROWS_DEFAULT, m->bands);
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

	CW_TEST_NEED_REDIS(mb_have_redis);
	b->o = (struct cw_sightings_opts){.ttl_s = 3600, .max_hamming = 18, .min_jaccard = 0.4};
	b->m = mb_matcher();
	for (size_t i = 0; i < MB_N; i++) {
		snprintf(art[i], sizeof(art[i]), "art-%zu", i);
		mb_make(&mc[i], mb_texts[i], mb_outlets[i], art[i]);
		claims[i] = &mc[i].c;
		in[i] = (struct cw_sighting_in){mc[i].fp,          mc[i].c.simhash, mc[i].bands,
		                                MB_BANDS,          mb_outlets[i],   art[i],
		                                1000 + (int64_t)i, mc[i].sig,       MB_K};
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

/* The big batch: synthetic fact-checks and claims over one vocabulary, so
 * that each search reads long postings and the sightings thread is done
 * long before the decisions are. */
#define MB_BIG_FCS    3000
#define MB_BIG_CLAIMS 1500
#define MB_VOCAB      400
#define MB_ATTEMPTS   8     /* batches sent before a timing-bound test gives up */
#define MB_CACHE      65536 /* match.decision_cache's default */

/* Deterministic words and texts: a fixed linear congruential generator. */
static uint32_t mb_rand(uint64_t *st)
{
	*st = *st * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(*st >> 33);
}

/* nwords words of the vocabulary, the low-numbered ones commoner, into a new
 * string. */
static char *mb_text(uint64_t *st, size_t nwords)
{
	static const char *const syl[] = {"ba", "ko", "ri", "tu", "me", "sa", "lo", "vi",
	                                  "ne", "da", "pu", "ga", "fe", "zo", "hi", "ku"};
	char buf[1024];
	size_t o = 0;

	for (size_t i = 0; i < nwords; i++) {
		uint32_t w = (mb_rand(st) % MB_VOCAB) * (mb_rand(st) % MB_VOCAB) / MB_VOCAB;
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s%s ", syl[w % 16],
		                      syl[(w / 16) % 16], syl[(w / 256 + w) % 16]);
	}
	buf[o ? o - 1 : 0] = '\0';
	return cw_xstrdup(buf);
}

struct mb_packed {
	size_t n;
	size_t stop_after; /* the emitter fails on this call (1-based), 0 never */
	uint8_t *buf[MB_BIG_CLAIMS];
	size_t len[MB_BIG_CLAIMS];
};

/* A verdict's protobuf bytes without what is not the decision: the time it
 * was made and the sightings. */
static uint8_t *mb_pack(const Claimwire__Verdict *v, size_t *len)
{
	Claimwire__Verdict d = *v;
	uint8_t *buf;

	d.decided_ms = 0;
	d.sightings = NULL;
	*len = claimwire__verdict__get_packed_size(&d);
	buf = cw_xmalloc(*len ? *len : 1);
	claimwire__verdict__pack(&d, buf);
	return buf;
}

static int mb_emit_packed(const Claimwire__Verdict *v, void *opaque)
{
	struct mb_packed *p = opaque;

	cr_assert_lt(p->n, MB_BIG_CLAIMS);
	cr_assert(v->sightings);
	p->buf[p->n] = mb_pack(v, &p->len[p->n]);
	p->n++;
	return p->stop_after && p->n == p->stop_after ? CW_ERR_IO : 0;
}

/* The big batch's matcher, claims and texts. */
struct mb_big {
	struct cw_matcher *m;
	struct mb_claim *mc;
	Claimwire__Claim **claims;
	struct cw_sighting_in *in;
	char **texts, **fc_claims;
	struct cw_sightings_opts o;
};

static void mb_big(struct mb_big *b)
{
	uint64_t st = 42;
	char err[256] = "";

	CW_TEST_NEED_REDIS(mb_have_redis);
	b->mc = cw_xcalloc(MB_BIG_CLAIMS, sizeof(*b->mc));
	b->claims = cw_xcalloc(MB_BIG_CLAIMS, sizeof(*b->claims));
	b->in = cw_xcalloc(MB_BIG_CLAIMS, sizeof(*b->in));
	b->texts = cw_xcalloc(MB_BIG_CLAIMS, sizeof(*b->texts));
	b->fc_claims = cw_xcalloc(MB_BIG_FCS, sizeof(*b->fc_claims));
	b->o = (struct cw_sightings_opts){.ttl_s = 3600, .max_hamming = 18, .min_jaccard = 0.4};
	b->m = cw_matcher_new(mb_cfg, err, sizeof(err));
	cr_assert(b->m, "%s", err);
	for (size_t i = 0; i < MB_BIG_FCS; i++) {
		struct cw_factcheck fc = {0};
		struct cw_tokens t;
		char id[32], fp[17];

		b->fc_claims[i] = mb_text(&st, 8 + mb_rand(&st) % 8);
		cw_norm_text(mb_nz, b->fc_claims[i], strlen(b->fc_claims[i]), 0, &t);
		cw_hex64(cw_fp_exact(&t), fp);
		snprintf(id, sizeof(id), "fc-%zu", i);
		fc.id = id;
		fc.claim = b->fc_claims[i];
		fc.rating = (char *)(uintptr_t) "false";
		fc.rating_normalized = cw_rating_normalize("false", 5);
		fc.fingerprint = fp;
		fc.updated_ms = 1000;
		cr_assert_eq(cw_matcher_put(b->m, &fc), 0);
	}
	/* Fresh claims, word-for-word repeats of earlier ones (answered from the
	 * decision cache) and fact-checks' own words (exact matches). */
	for (size_t i = 0; i < MB_BIG_CLAIMS; i++) {
		static char art[MB_BIG_CLAIMS][16];
		uint32_t r = mb_rand(&st) % 10;

		if (r == 0 && i > 0)
			b->texts[i] = cw_xstrdup(b->texts[mb_rand(&st) % i]);
		else if (r == 1)
			b->texts[i] = cw_xstrdup(b->fc_claims[mb_rand(&st) % MB_BIG_FCS]);
		else
			b->texts[i] = mb_text(&st, 15 + mb_rand(&st) % 15);
		snprintf(art[i], sizeof(art[i]), "big-%zu", i);
		mb_make(&b->mc[i], b->texts[i], mb_outlets[i % MB_N], art[i]);
		b->claims[i] = &b->mc[i].c;
		/* no bands: the sightings are the quick part */
		b->in[i] = (struct cw_sighting_in){
		    b->mc[i].fp, b->mc[i].c.simhash, NULL, 0, mb_outlets[i % MB_N],
		    art[i],      1000 + (int64_t)i,  NULL, 0};
	}
}

static void mb_big_free(struct mb_big *b)
{
	for (size_t i = 0; i < MB_BIG_CLAIMS; i++) {
		free(b->texts[i]);
		free(b->mc[i].norm);
	}
	for (size_t i = 0; i < MB_BIG_FCS; i++)
		free(b->fc_claims[i]);
	free(b->fc_claims);
	free(b->texts);
	free(b->in);
	free(b->claims);
	free(b->mc);
	cw_matcher_free(b->m);
}

/* The sightings thread, once its sightings are recorded, decides claims too
 * (it is seen to: its scratch counts them).  Whichever thread decided a
 * claim, the verdicts come in batch order and each is byte for byte the one
 * the claim gets decided alone, every candidate searched. */
Test(match_batch, both_threads_decide_and_verdicts_match_deciding_alone)
{
	struct mb_big b;
	struct mb_packed *got = cw_xcalloc(1, sizeof(*got));
	struct cw_matcher_scratch *s;
	struct cw_matcher *m;
	Claimwire__Claim **claims;
	size_t before, helped, exact = 0;
	char err[256] = "";

	mb_big(&b);
	m = b.m;
	claims = b.claims;
	/* When the sightings thread is slow to be scheduled, the calling thread
	 * may decide the whole batch alone: the batch is sent again (with the
	 * decision cache emptied, so that every claim is searched again) until
	 * both threads have decided some. */
	for (int attempt = 0; attempt < MB_ATTEMPTS; attempt++) {
		for (size_t i = 0; i < got->n; i++)
			free(got->buf[i]);
		got->n = 0;
		cw_matcher_set_decision_cache(m, MB_CACHE);
		s = cw_matcher_scratch_take(m);
		before = cw_matcher_scratch_decisions(s);
		cw_matcher_scratch_give(m, s);
		cr_assert_eq(cw_match_batch(mb_r, &b.o, m, claims, b.in, MB_BIG_CLAIMS,
		                            mb_emit_packed, got, err, sizeof(err)),
		             0, "%s", err);
		s = cw_matcher_scratch_take(m);
		helped = cw_matcher_scratch_decisions(s) - before;
		cw_matcher_scratch_give(m, s);
		if (helped > 0)
			break;
	}
	cr_assert_gt(helped, 0, "the sightings thread decided no claim in %d batches", MB_ATTEMPTS);
	cr_assert_lt(helped, MB_BIG_CLAIMS, "the calling thread decided no claim");
	cr_assert_eq(got->n, MB_BIG_CLAIMS);

	cw_matcher_set_decision_cache(m, 0);
	for (size_t i = 0; i < MB_BIG_CLAIMS; i++) {
		Claimwire__Verdict alone;
		uint8_t *buf;
		size_t len;

		claimwire__verdict__init(&alone);
		alone.schema_version = CLAIMWIRE__SCHEMA_VERSION__SCHEMA_VERSION_1;
		alone.claim = claims[i];
		cw_matcher_decide(m, claims[i], &alone);
		exact +=
		    alone.best && alone.best->method == CLAIMWIRE__MATCH_METHOD__MATCH_METHOD_EXACT;
		buf = mb_pack(&alone, &len);
		cr_expect(len == got->len[i] && memcmp(buf, got->buf[i], len) == 0,
		          "verdict %zu of the batch is not the one its claim gets alone", i);
		free(buf);
		cw_matcher_release_verdict(&alone);
	}
	cr_expect_gt(exact, 0, "no claim matched a fact-check exactly");

	for (size_t i = 0; i < MB_BIG_CLAIMS; i++)
		free(got->buf[i]);
	free(got);
	mb_big_free(&b);
}

/* Verdicts go out while claims are still being decided, not after the
 * last: an emitter that stops the batch at its tenth verdict leaves most
 * claims undecided (the decision cache counts every decision made). */
Test(match_batch, verdicts_go_out_while_claims_are_decided)
{
	struct mb_big b;
	struct mb_packed *got = cw_xcalloc(1, sizeof(*got));
	size_t hits0, lookups0, hits, lookups;
	char err[256] = "";

	mb_big(&b);
	got->stop_after = 10;
	/* Verdicts wait for the sightings: when the sightings thread is slow to
	 * be scheduled, every claim may be decided first.  The batch is sent
	 * again until the sightings come in time (every claim searched again). */
	for (int attempt = 0; attempt < MB_ATTEMPTS; attempt++) {
		for (size_t i = 0; i < got->n; i++)
			free(got->buf[i]);
		got->n = 0;
		cw_matcher_set_decision_cache(b.m, MB_CACHE);
		cw_matcher_cache_stats(b.m, &hits0, &lookups0);
		cr_assert_eq(cw_match_batch(mb_r, &b.o, b.m, b.claims, b.in, MB_BIG_CLAIMS,
		                            mb_emit_packed, got, err, sizeof(err)),
		             CW_ERR_IO);
		cw_matcher_cache_stats(b.m, &hits, &lookups);
		cr_assert_eq(got->n, 10);
		if (lookups - lookups0 < MB_BIG_CLAIMS)
			break;
	}
	cr_expect_lt(lookups - lookups0, MB_BIG_CLAIMS,
	             "all %zu claims were decided before the first verdict went out, %d times",
	             lookups - lookups0, MB_ATTEMPTS);
	for (size_t i = 0; i < got->n; i++)
		free(got->buf[i]);
	free(got);
	mb_big_free(&b);
}

/* What the first verdict of a batch found in Redis. */
struct mb_probe {
	struct cw_redis *r; /* a connection of its own: the batch's belongs to its thread */
	const char *fp;     /* one of the batch's last claims, the only one with its wording */
	size_t n;
	long long seen_then; /* whether its cluster was recorded at the first verdict */
};

static int mb_emit_probe(const Claimwire__Verdict *v, void *opaque)
{
	struct mb_probe *p = opaque;
	redisReply *rep;
	char key[128], err[256];

	(void)v;
	if (p->n++ == 0) {
		cw_redis_key(p->r, key, sizeof(key), "sg:{%s}", p->fp);
		cr_assert_eq(cw_redis_command(p->r, &rep, err, sizeof(err), "EXISTS %s", key), 0,
		             "%s", err);
		p->seen_then = rep->integer;
	}
	return 0;
}

/* One of the batch's last hundred claims that no other claim repeats word
 * for word: its cluster is its own. */
static size_t mb_unique_late_claim(const struct mb_big *b)
{
	for (size_t i = MB_BIG_CLAIMS; i-- > MB_BIG_CLAIMS - 100;) {
		size_t same = 0;
		for (size_t j = 0; j < MB_BIG_CLAIMS; j++)
			same += strcmp(b->mc[j].fp, b->mc[i].fp) == 0;
		if (same == 1)
			return i;
	}
	cr_assert_fail("no claim of the last hundred has a wording of its own");
	return 0;
}

/* Sightings are recorded a chunk at a time and verdicts go out as their
 * chunk is in: the first verdict is emitted before the last claims'
 * sightings are recorded (all of them are by the end). */
Test(match_batch, verdicts_go_out_before_the_last_sightings_are_recorded)
{
	struct mb_big b;
	struct mb_probe p = {0};
	redisReply *rep;
	char key[128], err[256] = "";

	mb_big(&b);
	p.r = cw_test_redis_connect(&mb_tr, "cwmb:", 0, 0);
	p.fp = b.mc[mb_unique_late_claim(&b)].fp;
	/* The first verdict waits for a decision, and the sightings thread may be
	 * scheduled late: the batch is sent again (its claims counted once)
	 * until the first verdict comes before the last chunk is recorded. */
	for (int attempt = 0; attempt < MB_ATTEMPTS; attempt++) {
		cw_matcher_set_decision_cache(b.m, 0);
		cw_redis_key(p.r, key, sizeof(key), "sg:{%s}", p.fp);
		cr_assert_eq(cw_redis_command(p.r, &rep, err, sizeof(err), "DEL %s", key), 0, "%s",
		             err);
		p.n = 0;
		cr_assert_eq(cw_match_batch(mb_r, &b.o, b.m, b.claims, b.in, MB_BIG_CLAIMS,
		                            mb_emit_probe, &p, err, sizeof(err)),
		             0, "%s", err);
		cr_assert_eq(p.n, MB_BIG_CLAIMS);
		cr_assert_eq(cw_redis_command(p.r, &rep, err, sizeof(err), "EXISTS %s", key), 0,
		             "%s", err);
		cr_assert_eq(rep->integer, 1, "the last chunk is recorded by the end");
		if (p.seen_then == 0)
			break;
	}
	cr_expect_eq(p.seen_then, 0,
	             "the first verdict went out after every sighting was recorded, %d times",
	             MB_ATTEMPTS);
	cw_redis_free(p.r);
	mb_big_free(&b);
}

/* Redis refusing a later chunk (here: the cluster hash of one of the last
 * claims is a string) fails the batch; only verdicts of the chunks recorded
 * before it may have gone out, in order.  Sent again once Redis accepts it,
 * the batch goes out whole. */
Test(match_batch, a_failed_chunk_stops_the_verdicts_after_it)
{
	struct mb_big b;
	struct mb_packed *got = cw_xcalloc(1, sizeof(*got));
	struct cw_redis *probe;
	redisReply *rep;
	char key[128], err[256] = "";
	size_t late;

	mb_big(&b);
	late = mb_unique_late_claim(&b);
	probe = cw_test_redis_connect(&mb_tr, "cwmb:", 0, 0);
	cw_redis_key(probe, key, sizeof(key), "sg:{%s}", b.mc[late].fp);
	cr_assert_eq(cw_redis_command(probe, &rep, err, sizeof(err), "SET %s not-a-hash", key), 0,
	             "%s", err);
	cr_expect_neq(cw_match_batch(mb_r, &b.o, b.m, b.claims, b.in, MB_BIG_CLAIMS, mb_emit_packed,
	                             got, err, sizeof(err)),
	              0);
	cr_expect_neq(err[0], '\0');
	cr_expect_leq(got->n, late - late % 128, "%zu verdicts went out", got->n);
	for (size_t i = 0; i < got->n; i++)
		free(got->buf[i]);
	got->n = 0;
	cr_assert_eq(cw_redis_command(probe, &rep, err, sizeof(err), "DEL %s", key), 0, "%s", err);
	cr_expect_eq(cw_match_batch(mb_r, &b.o, b.m, b.claims, b.in, MB_BIG_CLAIMS, mb_emit_packed,
	                            got, err, sizeof(err)),
	             0, "%s", err);
	cr_expect_eq(got->n, MB_BIG_CLAIMS);
	for (size_t i = 0; i < got->n; i++)
		free(got->buf[i]);
	free(got);
	cw_redis_free(probe);
	mb_big_free(&b);
}
