/*
 * test_index.c — the fact-check retrieval index (match/index.c) and the
 * ranking measures of `claimwire eval retrieval` (match/evalset.c).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "lib/common.h"
#include "match/evalset.h"
#include "match/index.h"

static void put(struct cw_index *ix, const char *id, const char *claim, const char *title)
{
	struct cw_index_doc d = {
	    .id = id,
	    .claim = claim,
	    .claim_len = strlen(claim),
	    .title = title,
	    .title_len = title ? strlen(title) : 0,
	};
	cr_assert_eq(cw_index_put(ix, &d), 0);
}

static size_t search(struct cw_index *ix, const char *text, struct cw_index_hit *hits, size_t k)
{
	struct cw_index_query q = {.text = text, .len = strlen(text)};
	return cw_index_search(ix, &q, hits, k);
}

static struct cw_index *new_index(void)
{
	char err[128];
	struct cw_index *ix = cw_index_new(NULL, err, sizeof(err));
	cr_assert_not_null(ix, "%s", err);
	return ix;
}

Test(index, right_fact_check_ranks_first)
{
	struct cw_index *ix = new_index();
	put(ix, "mcd", "McDonald's restaurants are offering $1 any size fries in May.",
	    "$1 McDonald's Any Size Fries");
	put(ix, "anaconda", "A viral video shows a 10-meter-long anaconda swimming in Brazil.",
	    "Does Video Show a 10-Meter-Long Anaconda?");
	put(ix, "baby", "A video shows a 10-month-old baby drawing cartoons.",
	    "Is This Really a Video of a 10-Month-Old Baby Drawing?");
	put(ix, "heart", "100 Facebook shares will secure a heart transplant for a child.",
	    "100 Facebook Shares Heart Transplant");
	put(ix, "target", "A $100 Target coupon circulated via Facebook is real.",
	    "$100 Target Coupon on Facebook");
	cr_assert_eq(cw_index_count(ix), 5);

	struct cw_index_hit hits[5];
	size_t n = search(ix,
	                  "Wow this giant anaconda swimming across the river in Brazil "
	                  "https://t.co/abc pic.twitter.com/xyz — Jo (@jo) May 2, 2020",
	                  hits, 5);
	cr_assert_geq(n, 1);
	cr_assert_str_eq(hits[0].id, "anaconda");
	cr_assert_eq(hits[0].bm25_rank, 0);
	for (size_t i = 1; i < n; i++)
		cr_assert_geq(hits[i - 1].bm25, hits[i].bm25, "hits not best first");

	n = search(ix, "free target coupon for everyone on facebook", hits, 5);
	cr_assert_str_eq(hits[0].id, "target");
	cr_assert_gt(cw_index_memory(ix), 0);
	cw_index_free(ix);
}

Test(index, put_with_same_id_replaces)
{
	struct cw_index *ix = new_index();
	put(ix, "a", "The moon is made of cheese.", NULL);
	put(ix, "b", "Bananas are berries.", NULL);
	struct cw_index_hit hits[4];
	cr_assert_eq(search(ix, "cheese moon", hits, 4), 1);
	cr_assert_str_eq(hits[0].id, "a");

	put(ix, "a", "Penguins live at the north pole.", NULL);
	cr_assert_eq(cw_index_count(ix), 2);
	cr_assert_eq(search(ix, "cheese moon", hits, 4), 0, "old version still found");
	cr_assert_eq(search(ix, "penguins north pole", hits, 4), 1);
	cr_assert_str_eq(hits[0].id, "a");

	struct cw_index_doc_view v;
	cr_assert_eq(cw_index_doc_view(ix, hits[0].doc, &v), 0);
	cr_assert_str_eq(v.claim, "Penguins live at the north pole.");

	cr_assert_eq(cw_index_remove(ix, "a"), 0);
	cr_assert_eq(cw_index_remove(ix, "a"), CW_ERR_NOT_FOUND);
	cr_assert_eq(cw_index_count(ix), 1);
	cr_assert_eq(search(ix, "penguins", hits, 4), 0);
	cr_assert_eq(search(ix, "bananas", hits, 4), 1);
	cr_assert_str_eq(hits[0].id, "b");
	cw_index_free(ix);
}

Test(index, many_replacements_keep_ids_reachable)
{
	struct cw_index *ix = new_index();
	char id[32], claim[64];
	for (int round = 0; round < 3; round++)
		for (int i = 0; i < 3000; i++) {
			snprintf(id, sizeof(id), "fc-%d", i);
			snprintf(claim, sizeof(claim), "claim number w%dx round r%dx", i, round);
			put(ix, id, claim, NULL);
		}
	cr_assert_eq(cw_index_count(ix), 3000);
	struct cw_index_hit hits[2];
	cr_assert_eq(search(ix, "w1234x", hits, 2), 1);
	cr_assert_str_eq(hits[0].id, "fc-1234");
	cr_assert_eq(search(ix, "r0x", hits, 2), 0, "first round still indexed");
	cw_index_free(ix);
}

Test(index, bm25_matches_hand_computed_score)
{
	char err[128];
	struct cw_index_params p;
	cw_index_params_default(&p);
	p.k1 = 1.2;
	p.b[CW_FIELD_CLAIM] = 0.75;
	p.weight[CW_FIELD_CLAIM] = 1.0;
	struct cw_index *ix = cw_index_new(&p, err, sizeof(err));
	cr_assert_not_null(ix);
	put(ix, "a", "cat dog", NULL);
	put(ix, "b", "cat fish bird", NULL);
	put(ix, "c", "bird", NULL);

	struct cw_index_hit hits[3];
	cr_assert_eq(search(ix, "cat", hits, 3), 2);
	/* N = 3, df = 2: idf = ln(1 + 1.5 / 2.5); claim lengths 2, 3, 1: avg 2 */
	double idf = log(1.6);
	double xa = 1.0 / (0.25 + 0.75 * 2 / 2.0), xb = 1.0 / (0.25 + 0.75 * 3 / 2.0);
	double sa = idf * xa * 2.2 / (1.2 + xa), sb = idf * xb * 2.2 / (1.2 + xb);
	cr_assert_str_eq(hits[0].id, "a");
	cr_assert_str_eq(hits[1].id, "b");
	cr_assert_float_eq(hits[0].bm25, sa, 1e-5);
	cr_assert_float_eq(hits[1].bm25, sb, 1e-5);
	cr_assert_float_eq(hits[0].field_bm25[CW_FIELD_CLAIM], sa, 1e-5);
	cr_assert_float_eq(hits[0].field_bm25[CW_FIELD_TITLE], 0, 1e-9);
	cw_index_free(ix);
}

Test(index, clean_text_drops_links_and_splits_handles)
{
	const char *s = "Vote to save our NHS.https://t.co/bK #SaveOurNHS @LindseyGrahamSC "
	                "pic.twitter.com/9C www.x.org ok";
	char out[256];
	size_t n = cw_index_clean_text(s, strlen(s), out, sizeof(out) - 1);
	out[n] = '\0';
	cr_assert_str_eq(out, "Vote to save our NHS. Save Our NHS Lindsey Graham SC ok");
}

Test(index, average_precision_at_k)
{
	int r1[] = {0, 1, 0, 1, 0};
	/* relevant at ranks 2 and 4 of 2 relevant: (1/2 + 2/4) / 2 */
	cr_assert_float_eq(cw_eval_ap_at_k(r1, 5, 2, 5), 0.5, 1e-12);
	cr_assert_float_eq(cw_eval_ap_at_k(r1, 5, 2, 3), 0.25, 1e-12);
	cr_assert_float_eq(cw_eval_ap_at_k(r1, 5, 2, 1), 0.0, 1e-12);
	/* three relevant, one found at rank 1: 1 / 3 */
	int r2[] = {1, 0, 0};
	cr_assert_float_eq(cw_eval_ap_at_k(r2, 3, 3, 5), 1.0 / 3, 1e-12);

	struct cw_eval_metrics m = {0};
	cw_eval_add(&m, r1, 5, 2);
	cw_eval_add(&m, r2, 3, 1);
	cw_eval_finish(&m);
	cr_assert_eq(m.n, 2);
	cr_assert_float_eq(m.map5, (0.5 + 1.0) / 2, 1e-12);
	cr_assert_float_eq(m.map1, (0.0 + 1.0) / 2, 1e-12);
	cr_assert_float_eq(m.mrr, (0.5 + 1.0) / 2, 1e-12);
	cr_assert_float_eq(m.r5, (1.0 + 1.0) / 2, 1e-12);
}
