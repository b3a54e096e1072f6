/*
 * test_matcher.c — the match stage's in-memory knowledge base and decision:
 * an exact fingerprint confirms, a changed rating replaces the old one, and
 * re-reading the versions already held (the change log's overlap) changes
 * nothing, not even memory; threads deciding at once, each in its own
 * scratch, decide as one thread does and count every cache lookup.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <string.h>

#include "extract/config.h"
#include "lib/keys.h"
#include "match/config.h"
#include "extract/fingerprint.h"
#include "extract/normalize.h"
#include "lib/common.h"
#include "match/matcher.h"

static struct cw_config *mt_cfg;
static struct cw_norm *mt_nz;

static void mt_setup(void)
{
	char err[256];
	static const struct cw_config_key *const schemas[] = {
	    cw_lib_config_keys, cw_extract_config_keys, cw_match_config_keys, NULL};
	mt_cfg = cw_config_new(schemas);
	cw_config_set_arg(mt_cfg, "match.weights=", "-X", err, sizeof(err));
	mt_nz = cw_norm_new("english", err, sizeof(err));
}

static void mt_teardown(void)
{
	cw_norm_free(mt_nz);
	cw_config_free(mt_cfg);
}

static void mt_fc(struct cw_factcheck *fc, const char *id, const char *claim, const char *rating,
                  int64_t updated_ms)
{
	struct cw_tokens t;
	char fp[17];

	memset(fc, 0, sizeof(*fc));
	cw_norm_text(mt_nz, claim, strlen(claim), 0, &t);
	cw_hex64(cw_fp_exact(&t), fp);
	fc->id = cw_xstrdup(id);
	fc->claim = cw_xstrdup(claim);
	fc->rating = cw_xstrdup(rating);
	fc->rating_normalized = cw_rating_normalize(rating, strlen(rating));
	fc->publisher = cw_xstrdup("PolitiFact");
	fc->normalized = cw_xstrndup(t.text, t.len);
	fc->fingerprint = cw_xstrdup(fp);
	fc->updated_ms = updated_ms;
}

static void mt_claim(Claimwire__Claim *c, const char *text, char fp[17])
{
	struct cw_tokens t;

	claimwire__claim__init(c);
	cw_norm_text(mt_nz, text, strlen(text), 0, &t);
	cw_hex64(cw_fp_exact(&t), fp);
	c->fingerprint = fp;
	c->text = (char *)(uintptr_t)text;
}

TestSuite(matcher, .init = mt_setup, .fini = mt_teardown);

Test(matcher, exact_fingerprint_confirms_and_rating_updates_in_place)
{
	static const char text[] = "Wind turbines cause cancer in people who live near them.";
	struct cw_factcheck v1, v2;
	Claimwire__Claim c;
	Claimwire__Verdict v;
	char err[256], fp[17];
	struct cw_matcher *m = cw_matcher_new(mt_cfg, err, sizeof(err));

	cr_assert(m, "%s", err);
	mt_fc(&v1, "fc-1", text, "false", 1000);
	cr_assert_eq(cw_matcher_put(m, &v1), 0);
	mt_claim(&c, text, fp);
	claimwire__verdict__init(&v);
	cw_matcher_decide(m, &c, &v);
	cr_expect_eq(v.status, CLAIMWIRE__VERDICT_STATUS__VERDICT_STATUS_CONFIRMED);
	cr_assert(v.best);
	cr_expect_eq(v.best->method, CLAIMWIRE__MATCH_METHOD__MATCH_METHOD_EXACT);
	cr_expect_str_eq(v.best->fact_check->rating, "false");
	cw_matcher_release_verdict(&v);

	mt_fc(&v2, "fc-1", text, "mostly-true", 2000);
	cr_assert_eq(cw_matcher_put(m, &v2), 0);
	cr_expect_eq(cw_matcher_count(m), 1, "a changed fact-check replaces, not adds");
	claimwire__verdict__init(&v);
	cw_matcher_decide(m, &c, &v);
	cr_assert(v.best);
	cr_expect_str_eq(v.best->fact_check->rating, "mostly-true");
	cw_matcher_release_verdict(&v);

	cw_factcheck_release(&v1);
	cw_factcheck_release(&v2);
	cw_matcher_free(m);
}

Test(matcher, rereading_the_same_version_changes_nothing)
{
	struct cw_factcheck fc[3];
	char err[256];
	struct cw_matcher *m = cw_matcher_new(mt_cfg, err, sizeof(err));

	cr_assert(m, "%s", err);
	mt_fc(&fc[0], "fc-a", "The city's crime rate rose by 40 percent since 2015.", "false", 10);
	mt_fc(&fc[1], "fc-b", "Unemployment fell to 2.9 percent in March.", "true", 11);
	mt_fc(&fc[2], "fc-c", "The bridge cost twice its budget.", "mixed", 12);
	for (int i = 0; i < 3; i++)
		cw_matcher_put(m, &fc[i]);
	size_t mem = cw_matcher_memory(m);
	for (int round = 0; round < 5000; round++)
		for (int i = 0; i < 3; i++)
			cw_matcher_put(m, &fc[i]);
	cr_expect_eq(cw_matcher_count(m), 3);
	cr_expect_eq(cw_matcher_memory(m), mem, "memory grew from %zu to %zu on re-reads", mem,
	             cw_matcher_memory(m));
	for (int i = 0; i < 3; i++)
		cw_factcheck_release(&fc[i]);
	cw_matcher_free(m);
}

/* A SimHash distance of 0 would silently mean the default: it is refused. */
Test(matcher, sightings_max_hamming_has_a_floor)
{
	char err[256] = "";
	cr_expect_neq(
	    cw_config_set_arg(mt_cfg, "match.sightings_max_hamming=0", "-X", err, sizeof(err)), 0);
	cr_expect(strstr(err, "out of range [1, 64]") != NULL, "%s", err);
	cr_expect_eq(
	    cw_config_set_arg(mt_cfg, "match.sightings_max_hamming=1", "-X", err, sizeof(err)), 0,
	    "%s", err);
}

/* A word-for-word repeat of a claim is answered from the decision cache
 * with the verdict a search gives; the same words from another speaker are
 * decided afresh; a changed knowledge base forgets what was kept. */
Test(matcher, decision_cache_answers_exact_repeats)
{
	static const char wind[] = "Wind turbines cause cancer in people who live near them.";
	static const char other[] = "Wind farms are the reason people near them get cancer.";
	struct cw_factcheck f1, f2;
	Claimwire__Claim c, d;
	Claimwire__Verdict v1, v2;
	char err[256], fp[17], fp2[17];
	size_t hits, lookups;
	struct cw_matcher *m = cw_matcher_new(mt_cfg, err, sizeof(err));

	cr_assert(m, "%s", err);
	mt_fc(&f1, "fc-1", wind, "false", 1000);
	mt_fc(&f2, "fc-2", other, "mostly-false", 1000);
	cr_assert_eq(cw_matcher_put(m, &f1), 0);
	cr_assert_eq(cw_matcher_put(m, &f2), 0);
	mt_claim(&c, "Turbines near homes cause cancer, the ad says.", fp);

	claimwire__verdict__init(&v1);
	cw_matcher_decide(m, &c, &v1);
	claimwire__verdict__init(&v2);
	cw_matcher_decide(m, &c, &v2);
	cw_matcher_cache_stats(m, &hits, &lookups);
	cr_expect_eq(lookups, 2);
	cr_expect_eq(hits, 1);
	cr_expect_eq(v1.status, v2.status);
	cr_assert(v1.best && v2.best);
	cr_expect_str_eq(v1.best->fact_check->id, v2.best->fact_check->id);
	cr_expect_eq(v1.best->score, v2.best->score);
	cr_expect_eq(v1.best->method, v2.best->method);
	cr_assert_eq(v1.n_candidates, v2.n_candidates);
	for (size_t i = 0; i < v1.n_candidates; i++) {
		cr_expect_str_eq(v1.candidates[i]->fact_check->id,
		                 v2.candidates[i]->fact_check->id);
		cr_expect_eq(v1.candidates[i]->score, v2.candidates[i]->score);
	}
	cw_matcher_release_verdict(&v1);
	cw_matcher_release_verdict(&v2);

	/* Another speaker: a new decision. */
	mt_claim(&d, "Turbines near homes cause cancer, the ad says.", fp2);
	d.speaker = (char *)(uintptr_t) "Donald Trump";
	claimwire__verdict__init(&v1);
	cw_matcher_decide(m, &d, &v1);
	cw_matcher_release_verdict(&v1);
	cw_matcher_cache_stats(m, &hits, &lookups);
	cr_expect_eq(hits, 1);

	/* A rating changes: the kept decision is not used. */
	cw_factcheck_release(&f1);
	mt_fc(&f1, "fc-1", wind, "true", 2000);
	cr_assert_eq(cw_matcher_put(m, &f1), 0);
	claimwire__verdict__init(&v1);
	cw_matcher_decide(m, &c, &v1);
	cw_matcher_cache_stats(m, &hits, &lookups);
	cr_expect_eq(hits, 1);
	cw_matcher_release_verdict(&v1);

	cw_factcheck_release(&f1);
	cw_factcheck_release(&f2);
	cw_matcher_free(m);
}

#define MT_FCS    600
#define MT_CLAIMS 400

static const char *const mt_words[] = {
    "senator", "budget",   "taxes",   "border",  "wall",     "vaccine", "cancer", "wind",
    "turbine", "crime",    "doubled", "jobs",    "percent",  "million", "school", "farmers",
    "prices",  "gas",      "health",  "care",    "election", "fraud",   "votes",  "climate",
    "ocean",   "rising",   "wages",   "workers", "police",   "funding", "cut",    "military",
    "china",   "tariffs",  "steel",   "coal",    "mines",    "water",   "lead",   "city",
    "bridge",  "cost",     "twice",   "federal", "deficit",  "record",  "low",    "high",
    "drug",    "overdose", "deaths",  "opioid",  "refugees", "visa",    "green",  "energy"};

/* n words of mt_words picked by a fixed generator, into out. */
static void mt_text(uint64_t *st, size_t n, char *out, size_t size)
{
	size_t o = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n && o + 16 < size; i++) {
		*st = *st * 6364136223846793005ull + 1442695040888963407ull;
		o += (size_t)snprintf(out + o, size - o, "%s%s", i ? " " : "",
		                      mt_words[(*st >> 33) % CW_ARRAY_SIZE(mt_words)]);
	}
}

/* A verdict's protobuf bytes, for comparing two decisions. */
static uint8_t *mt_pack(const Claimwire__Verdict *v, size_t *len)
{
	uint8_t *buf;

	*len = claimwire__verdict__get_packed_size(v);
	buf = cw_xmalloc(*len ? *len : 1);
	claimwire__verdict__pack(v, buf);
	return buf;
}

/* One thread deciding every claim in a scratch it takes from the matcher. */
struct mt_job {
	struct cw_matcher *m;
	Claimwire__Claim *claims;
	uint8_t *buf[MT_CLAIMS];
	size_t len[MT_CLAIMS];
	size_t decisions;
};

static void *mt_decide_all(void *arg)
{
	struct mt_job *j = arg;
	struct cw_matcher_scratch *s = cw_matcher_scratch_take(j->m);
	size_t before = cw_matcher_scratch_decisions(s);

	for (size_t i = 0; i < MT_CLAIMS; i++) {
		Claimwire__Verdict v;
		claimwire__verdict__init(&v);
		v.claim = &j->claims[i];
		cw_matcher_decide_with(j->m, s, &j->claims[i], &v);
		j->buf[i] = mt_pack(&v, &j->len[i]);
		cw_matcher_release_verdict(&v);
	}
	j->decisions = cw_matcher_scratch_decisions(s) - before;
	cw_matcher_scratch_give(j->m, s);
	return NULL;
}

/* Two threads decide the same claims at once (each in a scratch of its own,
 * sharing the decision cache): every verdict is byte for byte the one the
 * owner's thread gets with every candidate searched, and the cache counted
 * every lookup of both. */
Test(matcher, threads_deciding_at_once_decide_as_one_does)
{
	static struct mt_job a, b;
	char err[256], text[512];
	char(*fps)[17] = cw_xcalloc(MT_CLAIMS, sizeof(*fps));
	char **texts = cw_xcalloc(MT_CLAIMS, sizeof(*texts));
	char **fc_texts = cw_xcalloc(MT_FCS, sizeof(*fc_texts));
	Claimwire__Claim *claims = cw_xcalloc(MT_CLAIMS, sizeof(*claims));
	struct cw_matcher *m = cw_matcher_new(mt_cfg, err, sizeof(err));
	pthread_t ta, tb;
	size_t hits, lookups;
	uint64_t st = 7;

	cr_assert(m, "%s", err);
	for (size_t i = 0; i < MT_FCS; i++) {
		struct cw_factcheck fc;
		char id[32];

		mt_text(&st, 6 + i % 7, text, sizeof(text));
		fc_texts[i] = cw_xstrdup(text);
		snprintf(id, sizeof(id), "fc-%zu", i);
		mt_fc(&fc, id, text, i % 2 ? "false" : "true", 1000);
		cr_assert_eq(cw_matcher_put(m, &fc), 0);
		cw_factcheck_release(&fc);
	}
	/* fresh claims, repeats (cache hits) and fact-checks' words (exact) */
	for (size_t i = 0; i < MT_CLAIMS; i++) {
		if (i % 5 == 1)
			texts[i] = cw_xstrdup(texts[i / 2]);
		else if (i % 5 == 2)
			texts[i] = cw_xstrdup(fc_texts[(i * 7) % MT_FCS]);
		else {
			mt_text(&st, 8 + i % 11, text, sizeof(text));
			texts[i] = cw_xstrdup(text);
		}
		mt_claim(&claims[i], texts[i], fps[i]);
	}

	a = (struct mt_job){.m = m, .claims = claims};
	b = (struct mt_job){.m = m, .claims = claims};
	cr_assert_eq(pthread_create(&ta, NULL, mt_decide_all, &a), 0);
	cr_assert_eq(pthread_create(&tb, NULL, mt_decide_all, &b), 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	cw_matcher_cache_stats(m, &hits, &lookups);
	cr_expect_eq(lookups, 2 * MT_CLAIMS, "%zu lookups counted of %d", lookups, 2 * MT_CLAIMS);
	cr_expect_gt(hits, 0);
	cr_expect_eq(a.decisions, MT_CLAIMS);
	cr_expect_eq(b.decisions, MT_CLAIMS);

	cw_matcher_set_decision_cache(m, 0);
	for (size_t i = 0; i < MT_CLAIMS; i++) {
		Claimwire__Verdict v;
		uint8_t *buf;
		size_t len;

		claimwire__verdict__init(&v);
		v.claim = &claims[i];
		cw_matcher_decide(m, &claims[i], &v);
		buf = mt_pack(&v, &len);
		cr_expect(len == a.len[i] && !memcmp(buf, a.buf[i], len), "claim %zu, thread a", i);
		cr_expect(len == b.len[i] && !memcmp(buf, b.buf[i], len), "claim %zu, thread b", i);
		free(buf);
		cw_matcher_release_verdict(&v);
		free(a.buf[i]);
		free(b.buf[i]);
		free(texts[i]);
	}
	for (size_t i = 0; i < MT_FCS; i++)
		free(fc_texts[i]);
	free(fc_texts);
	free(texts);
	free(claims);
	free(fps);
	cw_matcher_free(m);
}
