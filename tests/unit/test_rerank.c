/*
 * test_rerank.c — the re-ranker's features, model file and ordering
 * (match/rerank.c).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/common.h"
#include "match/evalset.h"
#include "match/index.h"
#include "match/rerank.h"

static void rr_put(struct cw_index *ix, const char *id, const char *claim, const char *speaker)
{
	struct cw_index_doc d = {
	    .id = id,
	    .claim = claim,
	    .claim_len = strlen(claim),
	    .speaker = speaker,
	    .speaker_len = speaker ? strlen(speaker) : 0,
	};
	cr_assert_eq(cw_index_put(ix, &d), 0);
}

static struct cw_index *rr_index(void)
{
	char err[128];
	struct cw_index *ix = cw_index_new(NULL, err, sizeof(err));
	cr_assert_not_null(ix, "%s", err);
	rr_put(ix, "low", "The unemployment rate fell to 4 percent in 2018.", "Donald Trump");
	rr_put(ix, "high", "The unemployment rate fell to 9 percent in 2011.", "Barack Obama");
	rr_put(ix, "other", "Bananas are berries.", NULL);
	return ix;
}

static const char *top(struct cw_index *ix, const struct cw_rerank_model *m, const char *text,
                       const char *speaker)
{
	struct cw_index_query q = {.text = text,
	                           .len = strlen(text),
	                           .speaker = speaker,
	                           .speaker_len = speaker ? strlen(speaker) : 0};
	struct cw_index_hit hits[3];
	size_t n = cw_rerank_search(ix, m, &q, hits, 3);
	cr_assert_geq(n, 2);
	for (size_t i = 1; i < n; i++)
		cr_assert_geq(hits[i - 1].score, hits[i].score);
	if (m)
		cr_assert(hits[0].score >= 0 && hits[0].score <= 1, "not a probability");
	return hits[0].id;
}

Test(rerank, prefers_candidate_whose_numbers_agree)
{
	struct cw_index *ix = rr_index();
	struct cw_rerank_model m;
	cw_rerank_model_default(&m);
	m.w[CW_RF_BM25] = 0;
	m.w[CW_RF_NUM_AGREE] = 2;
	m.w[CW_RF_NUM_DISAGREE] = -2;
	/* the words are the same; only the numbers tell the two apart */
	const char *q = "unemployment rate fell to 9 percent in 2011";
	cr_assert_str_eq(top(ix, &m, q, NULL), "high");
	cr_assert_str_eq(top(ix, &m, "Unemployment rate fell to 4 percent in 2018!", NULL), "low");
	/* the same model upside down must pick the other one */
	m.w[CW_RF_NUM_AGREE] = -2;
	m.w[CW_RF_NUM_DISAGREE] = 2;
	cr_assert_str_eq(top(ix, &m, q, NULL), "low");
	cw_index_free(ix);
}

Test(rerank, number_features_count_agreement)
{
	struct cw_index *ix = rr_index();
	struct cw_index_query q = {.text = "rate fell to 9 percent, 2,011 jobs",
	                           .len = strlen("rate fell to 9 percent, 2,011 jobs")};
	struct cw_index_hit hits[3];
	size_t n = cw_index_search(ix, &q, hits, 3);
	cr_assert_geq(n, 2);
	double x[3 * CW_RERANK_NFEAT];
	cw_rerank_features(ix, &q, hits, n, x);
	for (size_t i = 0; i < n; i++) {
		const double *r = x + i * CW_RERANK_NFEAT;
		if (strcmp(hits[i].id, "high") == 0) {
			/* "9" and "2,011" = "2011" agree; nothing disagrees */
			cr_assert_float_eq(r[CW_RF_NUM_AGREE], 2, 1e-9);
			cr_assert_float_eq(r[CW_RF_NUM_DISAGREE], 0, 1e-9);
		} else if (strcmp(hits[i].id, "low") == 0) {
			cr_assert_float_eq(r[CW_RF_NUM_AGREE], 0, 1e-9);
			cr_assert_float_eq(r[CW_RF_NUM_DISAGREE], 2, 1e-9);
		}
		cr_assert(r[CW_RF_QCOVER] > 0 && r[CW_RF_QCOVER] <= 1);
		cr_assert(r[CW_RF_BM25_NORM] > 0 && r[CW_RF_BM25_NORM] <= 1);
	}
	cw_index_free(ix);
}

Test(rerank, speaker_matches_claimant)
{
	struct cw_index *ix = rr_index();
	struct cw_rerank_model m;
	cw_rerank_model_default(&m);
	m.w[CW_RF_BM25] = 0;
	m.w[CW_RF_SPEAKER] = 3;
	const char *q = "the unemployment rate fell to percent";
	cr_assert_str_eq(top(ix, &m, q, "OBAMA"), "high");
	cr_assert_str_eq(top(ix, &m, q, "Mr. Trump"), "low");
	cw_index_free(ix);
}

Test(rerank, weights_file_round_trip)
{
	struct cw_rerank_model m, back;
	cw_rerank_model_default(&m);
	m.bias = -3.25;
	m.candidates = 40;
	for (int i = 0; i < CW_RERANK_NFEAT; i++) {
		m.w[i] = 0.1 * (i + 1);
		m.mean[i] = i;
		m.scale[i] = 1 + i;
	}
	char path[] = "/tmp/cw-rerank-XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	FILE *f = fdopen(fd, "w");
	cr_assert_eq(cw_rerank_model_write(&m, f), 0);
	fprintf(f, "future_feature weight 9\n");
	fclose(f);
	char err[256];
	cr_assert_eq(cw_rerank_model_load(&back, path, err, sizeof(err)), 0, "%s", err);
	cr_assert_float_eq(back.bias, m.bias, 1e-9);
	cr_assert_eq(back.candidates, 40);
	for (int i = 0; i < CW_RERANK_NFEAT; i++) {
		cr_assert_float_eq(back.w[i], m.w[i], 1e-9);
		cr_assert_float_eq(back.scale[i], m.scale[i], 1e-9);
	}
	f = fopen(path, "w");
	fprintf(f, "bm25 weight\n");
	fclose(f);
	cr_assert_eq(cw_rerank_model_load(&back, path, err, sizeof(err)), CW_ERR_INVALID);
	cr_assert(strstr(err, ":1:"), "no line in '%s'", err);
	unlink(path);
}

/* A fact-check with every field, for the calibration test. */
static void rr_put_full(struct cw_index *ix, const char *id, const char *claim, const char *title,
                        const char *extra, const char *speaker)
{
	struct cw_index_doc d = {
	    .id = id,
	    .claim = claim,
	    .claim_len = strlen(claim),
	    .title = title,
	    .title_len = strlen(title),
	    .extra = extra,
	    .extra_len = strlen(extra),
	    .speaker = speaker,
	    .speaker_len = speaker ? strlen(speaker) : 0,
	};
	cr_assert_eq(cw_index_put(ix, &d), 0);
}

static float rr_best(struct cw_index *ix, const struct cw_rerank_model *m, const char *text)
{
	struct cw_index_query q = {.text = text, .len = strlen(text)};
	struct cw_index_hit hits[3];
	cr_assert_geq(cw_rerank_search(ix, m, &q, hits, 3), 1);
	return hits[0].score;
}

/*
 * The shipped weights must say "this claim has a fact-check", not only
 * "which candidate is right if one is": a claim that merely shares names with
 * the best candidate has to score well below one that restates a fact-check.
 * A ranker trained only on claims that all have a fact-check gives both a
 * similar probability, its best candidate being "the right one" either way.
 */
Test(rerank, shipped_weights_are_calibrated_for_claims_without_fact_check)
{
	const char *path = getenv("CW_TEST_MATCHER_WEIGHTS");
	struct cw_rerank_model m;
	char err[256];
	cr_assert_eq(cw_rerank_model_load(&m, path ? path : CW_MATCHER_WEIGHTS, err, sizeof(err)),
	             0, "%s", err);
	char e2[128];
	struct cw_index *ix = cw_index_new(NULL, e2, sizeof(e2));
	cr_assert_not_null(ix, "%s", e2);
	rr_put_full(
	    ix, "uranium",
	    "Says Hillary Clinton gave up 20 percent of America's uranium supply to Russia.",
	    "Trump says Clinton gave Russia 20 percent of US uranium", "", "Donald Trump");
	rr_put_full(
	    ix, "advisers",
	    "Hillary Clinton and Barack Obama have \"Iranian advisers by their sides at all "
	    "times.\"",
	    "Obama and Clinton Have Iranian Advisers?",
	    "Neither Barack Obama's nor Hillary Clinton's top adviser is Iranian.", NULL);
	rr_put_full(ix, "hijab", "Hillary Clinton donned a hijab for a new campaign ad.",
	            "Hillary Clinton Hijab Campaign Ad",
	            "A segment of a video was screencapped to suggest the candidate had donned a "
	            "hijab.",
	            NULL);
	rr_put_full(ix, "jobs", "The unemployment rate fell to 4 percent in 2018.",
	            "Unemployment at a low", "", "Donald Trump");
	rr_put_full(ix, "berries", "Bananas are berries but strawberries are not.", "Berries", "",
	            NULL);
	float yes =
	    rr_best(ix, &m,
	            "A campaign surrogate repeated the claim that Hillary Clinton gave up 20 "
	            "percent of America's uranium supply to Russia");
	float no = rr_best(ix, &m,
	                   "There are lots of specialists in politology, people working in think "
	                   "tanks advising Hillary or advising people working for Hillary");
	float no2 = rr_best(ix, &m,
	                    "Zakaria then questioned Peskov about whether Kislyak met with the "
	                    "Clinton campaign");
	cr_expect(yes >= no + 0.4f, "matching %.3f, not matching %.3f", yes, no);
	cr_expect(yes >= no2 + 0.4f, "matching %.3f, not matching %.3f", yes, no2);
	cw_index_free(ix);
}

/* The features of the one hit of q in ix. */
static void rr_features(struct cw_index *ix, const char *text, double *r)
{
	struct cw_index_query q = {.text = text, .len = strlen(text)};
	struct cw_index_hit hits[2];
	cr_assert_eq(cw_index_search(ix, &q, hits, 2), 1);
	cw_rerank_features(ix, &q, hits, 1, r);
}

/* Names and numbers are looked up in what the index kept of the fact-check
 * at put time: the claim's numbers, the claim's and the title's words; a
 * replaced fact-check is seen as its new version. */
Test(rerank, names_and_numbers_of_the_current_version)
{
	char err[128];
	struct cw_index *ix = cw_index_new(NULL, err, sizeof(err));
	cr_assert_not_null(ix, "%s", err);
	const char *q = "Joe Biden said Ohio lost 2,000 jobs";
	double r[CW_RERANK_NFEAT];

	rr_put_full(ix, "jobs", "Biden claims 2000 jobs were lost.", "Ohio Jobs Report", "", NULL);
	rr_features(ix, q, r);
	/* names Joe, Biden, Ohio: Biden in the claim, Ohio in the title */
	cr_assert_float_eq(r[CW_RF_ENT_OVERLAP], 2.0 / 3.0, 1e-12);
	cr_assert_float_eq(r[CW_RF_NUM_AGREE], 1, 1e-12);
	cr_assert_float_eq(r[CW_RF_NUM_DISAGREE], 0, 1e-12);

	rr_put_full(ix, "jobs", "Biden claims 3,000 jobs and 12.50 dollars were lost.",
	            "Jobs Report", "", NULL);
	rr_features(ix, q, r);
	cr_assert_float_eq(r[CW_RF_ENT_OVERLAP], 1.0 / 3.0, 1e-12);
	cr_assert_float_eq(r[CW_RF_NUM_AGREE], 0, 1e-12);
	cr_assert_float_eq(r[CW_RF_NUM_DISAGREE], 2, 1e-12);

	/* "12.5" is the claim's "12.50"; the title's words count for names */
	rr_features(ix, "12.5 dollars lost in OHIO or in the Report of Jobs", r);
	cr_assert_float_eq(r[CW_RF_NUM_AGREE], 1, 1e-12);
	cr_assert_float_eq(r[CW_RF_NUM_DISAGREE], 1, 1e-12);
	/* names OHIO, Report, Jobs: Report and Jobs are in the title */
	cr_assert_float_eq(r[CW_RF_ENT_OVERLAP], 2.0 / 3.0, 1e-12);
	cw_index_free(ix);
}

/* Token overlap counts a query word that a replaced fact-check's old version
 * alone held as a query term no candidate has (idf from the index, not the
 * unknown words'), and counts each query term once however often the
 * candidate or the query repeats it. */
Test(rerank, overlap_with_terms_no_fact_check_holds_any_more)
{
	char err[128];
	struct cw_index *ix = cw_index_new(NULL, err, sizeof(err));
	cr_assert_not_null(ix, "%s", err);
	double r[CW_RERANK_NFEAT];

	rr_put_full(ix, "fruit", "Zebras quarrel loudly.", "", "", NULL);
	rr_put_full(ix, "fruit", "Bananas are berries, bananas!", "Berries", "", NULL);
	rr_put_full(ix, "other", "Strawberries are not berries.", "", "", NULL);
	rr_features(ix, "zebras bananas bananas quarrel", r);
	struct cw_index_query_view qv;
	cw_index_last_query(ix, &qv);
	cr_assert_eq(qv.nterms, 4);
	uint32_t zebra = qv.terms[0], banana = qv.terms[1], quarrel = qv.terms[3];
	cr_assert_neq(zebra, CW_INDEX_NO_TERM);
	cr_assert_eq(qv.nsearched, 1, "only 'banana' is held by a live fact-check");
	cr_assert_eq(qv.place[zebra], 0);
	cr_assert_eq(qv.place[banana], 1);
	/* query terms zebra, banana, quarrel; the claim's tokens banana, berri,
	 * banana */
	cr_assert_float_eq(r[CW_RF_QCOVER], 1.0 / 3.0, 1e-12);
	cr_assert_float_eq(r[CW_RF_DCOVER], 2.0 / 3.0, 1e-12);
	cr_assert_float_eq(r[CW_RF_JACCARD], 1.0 / (3.0 + 3.0 - 2.0), 1e-12);
	double idf = (double)cw_index_idf(ix, banana);
	cr_assert_float_eq(
	    r[CW_RF_QCOVER_IDF],
	    idf / ((double)cw_index_idf(ix, zebra) + idf + (double)cw_index_idf(ix, quarrel)),
	    1e-12);
	cw_index_free(ix);
}

/* cw_rerank_search's probabilities are the calibrator's of each candidate
 * as cw_rerank_cal_features computes it, kept non-increasing down the list. */
Test(rerank, search_scores_are_each_candidates_calibrated_probability)
{
	const char *path = getenv("CW_TEST_MATCHER_WEIGHTS");
	struct cw_rerank_model m;
	char err[256];
	cr_assert_eq(cw_rerank_model_load(&m, path ? path : CW_MATCHER_WEIGHTS, err, sizeof(err)),
	             0, "%s", err);
	cr_assert(m.calibrated);
	struct cw_index *ix = rr_index();
	rr_put_full(ix, "uranium", "Clinton gave 20 percent of the uranium to Russia.",
	            "Uranium One", "", "Donald Trump");
	rr_put_full(ix, "rate", "The unemployment rate is 4 percent.", "Jobs", "", NULL);
	rr_put_full(ix, "rate2", "Unemployment fell to 4 percent.", "Jobs", "", NULL);
	const char *text = "Trump said the unemployment rate fell to 4 percent in 2018";
	struct cw_index_query q = {.text = text, .len = strlen(text)};

	struct cw_index_hit cand[8], hits[8];
	double x[8 * CW_RERANK_NFEAT], z[8], cx[CW_RERANK_NCAL];
	float p[8];
	size_t n = cw_index_search(ix, &q, cand, 8);
	cr_assert_geq(n, 3);
	cw_rerank_features(ix, &q, cand, n, x);
	for (size_t i = 0; i < n; i++)
		z[i] = cw_rerank_logit(&m, x + i * CW_RERANK_NFEAT);
	for (size_t i = 0; i < n; i++) {
		cw_rerank_cal_features(x, z, cand, n, i, cx);
		p[i] = (float)cw_rerank_cal_prob(&m, cx);
	}
	cr_assert_eq(cw_rerank_search(ix, &m, &q, hits, 8), n);
	for (size_t i = 0; i < n; i++) {
		float want = p[hits[i].bm25_rank];
		if (i && want > hits[i - 1].score)
			want = hits[i - 1].score;
		cr_expect_eq(hits[i].score, want, "hit %zu (%s): %.9g, not %.9g", i, hits[i].id,
		             (double)hits[i].score, (double)want);
	}
	cw_index_free(ix);
}
