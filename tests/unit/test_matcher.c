/*
 * test_matcher.c — the match stage's in-memory knowledge base and decision:
 * an exact fingerprint confirms, a changed rating replaces the old one, and
 * re-reading the versions already held (the change log's overlap) changes
 * nothing, not even memory.
 */
#include <criterion/criterion.h>
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
