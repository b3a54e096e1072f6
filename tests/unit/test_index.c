/*
 * test_index.c — the fact-check retrieval index (match/index.c) and the
 * ranking measures of `claimwire eval retrieval` (match/evalset.c).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* The CheckThat! Snopes collection when the shared data is there, else the
 * small sample in tests/data/kb. */
static void load_collection(struct cw_evalset *es)
{
	const char *roots[] = {getenv("CW_SHARED"), "../shared", "/work/shared"};
	char path[4096], err[512];
	for (size_t i = 0; i < CW_ARRAY_SIZE(roots); i++) {
		if (!roots[i])
			continue;
		snprintf(path, sizeof(path), "%s/data/claim-retrieval/snopes-vclaims.jsonl",
		         roots[i]);
		if (access(path, R_OK) == 0 &&
		    cw_evalset_load_collection(es, path, err, sizeof(err)) == 0)
			return;
	}
	cr_assert_eq(cw_evalset_load_collection(es, "tests/data/kb/snopes.jsonl", err, sizeof(err)),
	             0, "%s", err);
	cr_assert_eq(
	    cw_evalset_load_collection(es, "tests/data/kb/politifact.jsonl", err, sizeof(err)), 0,
	    "%s", err);
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* A query of 1 to 12 words picked from the claims and titles of random
 * fact-checks, now and then with a word no fact-check has. */
static void random_query(const struct cw_evalset *es, uint64_t *seed, char *out, size_t size)
{
	size_t o = 0, words = 1 + rnd(seed) % 12;
	out[0] = '\0';
	for (size_t w = 0; w < words; w++) {
		const struct cw_evalset_doc *d = &es->docs[rnd(seed) % es->ndocs];
		const char *s = rnd(seed) % 3 ? d->claim : d->title;
		size_t len = strlen(s);
		if (rnd(seed) % 10 == 0)
			s = "zyzzyvaqq", len = 9;
		if (!len)
			continue;
		size_t at = rnd(seed) % len;
		while (at && s[at - 1] != ' ')
			at--;
		size_t end = at;
		while (end < len && s[end] != ' ')
			end++;
		if (o + (end - at) + 2 > size)
			break;
		if (o)
			out[o++] = ' ';
		memcpy(out + o, s + at, end - at);
		o += end - at;
		out[o] = '\0';
	}
}

/*
 * Per-field BM25 of a document for the last query, from its stored term ids
 * and nothing the search kept: the reference the search's field_bm25 must
 * equal bit for bit (default parameters; the same expression and order).
 */
static void ref_field_bm25(struct cw_index *ix, uint32_t doc, float *out)
{
	struct cw_index_params p;
	struct cw_index_query_view qv;
	struct cw_index_doc_view dv;
	uint32_t uq[256], uqtf[256], nu = 0;
	uint64_t sum[CW_INDEX_NFIELDS] = {0};
	size_t live = cw_index_count(ix), seen = 0;

	cw_index_params_default(&p);
	cw_index_last_query(ix, &qv);
	for (uint32_t i = 0; i < qv.nterms; i++) {
		uint32_t t = qv.terms[i], u = 0;
		if (t == CW_INDEX_NO_TERM)
			continue;
		while (u < nu && uq[u] != t)
			u++;
		if (u == nu) {
			cr_assert_lt(nu, 256);
			uq[nu] = t;
			uqtf[nu++] = 0;
		}
		uqtf[u]++;
	}
	for (uint32_t dn = 0; seen < live; dn++) {
		if (cw_index_doc_view(ix, dn, &dv) != 0)
			continue;
		seen++;
		for (int f = 0; f < CW_INDEX_NFIELDS; f++)
			sum[f] += dv.nterms[f];
	}
	cr_assert_eq(cw_index_doc_view(ix, doc, &dv), 0);
	double k1 = p.k1;
	for (int f = 0; f < CW_INDEX_NFIELDS; f++) {
		double avg = live ? (double)sum[f] / live : 0;
		double b = p.b[f];
		double norm = avg > 0 ? 1.0 - b + b * dv.nterms[f] / avg : 1.0;
		if (norm <= 0)
			norm = 1.0;
		double s = 0;
		for (uint32_t u = 0; u < nu; u++) {
			uint32_t c = 0;
			for (uint32_t i = 0; i < dv.nterms[f]; i++)
				c += dv.terms[f][i] == uq[u];
			if (!c)
				continue;
			float idf = cw_index_idf(ix, uq[u]);
			double x = c / norm;
			s += idf * uqtf[u] * x * (k1 + 1) / (k1 + x);
		}
		out[f] = (float)s;
	}
}

/*
 * The best k of a search are the first k of the whole ranking (every
 * document the query touches), with the same scores to the bit, and the
 * per-field scores are those computed from the documents' own terms.  Run
 * on random queries, then again after fact-checks were replaced and removed.
 */
static void check_top_k(struct cw_index *ix, const struct cw_evalset *es, uint64_t *seed,
                        size_t queries, int with_fields)
{
	size_t all = cw_index_count(ix);
	struct cw_index_hit *full = cw_xcalloc(all, sizeof(*full)), top[40];
	char text[1024];
	for (size_t qi = 0; qi < queries; qi++) {
		random_query(es, seed, text, sizeof(text));
		struct cw_index_query q = {.text = text, .len = strlen(text)};
		size_t k = qi % 4 == 0 ? 1 + rnd(seed) % 40 : 30;
		size_t nfull = cw_index_search(ix, &q, full, all);
		size_t n = cw_index_search(ix, &q, top, k);
		cr_assert_eq(n, CW_MIN(k, nfull), "query '%s': %zu hits of %zu", text, n, nfull);
		for (size_t i = 0; i < n; i++) {
			cr_assert_eq(top[i].doc, full[i].doc,
			             "query '%s' k %zu: hit %zu is %s, not %s", text, k, i,
			             top[i].id, full[i].id);
			cr_assert(top[i].bm25 == full[i].bm25 && top[i].bm25_rank == i);
			cr_assert(i == 0 || top[i - 1].bm25 >= top[i].bm25);
			for (int f = 0; f < CW_INDEX_NFIELDS; f++)
				cr_assert(top[i].field_bm25[f] == full[i].field_bm25[f]);
		}
		if (n < k && n < nfull)
			cr_assert_fail("query '%s': a hit is missing", text);
		for (size_t i = 0; with_fields && i < n && i < 5; i++) {
			float ref[CW_INDEX_NFIELDS];
			ref_field_bm25(ix, top[i].doc, ref);
			for (int f = 0; f < CW_INDEX_NFIELDS; f++)
				cr_assert(top[i].field_bm25[f] == ref[f],
				          "query '%s', %s field %d: %.9g, computed %.9g", text,
				          top[i].id, f, top[i].field_bm25[f], ref[f]);
		}
	}
	free(full);
}

Test(index, top_k_is_the_head_of_the_full_ranking)
{
	struct cw_evalset es = {0};
	load_collection(&es);
	struct cw_index *ix = new_index();
	cw_evalset_index(&es, ix);
	cr_assert_eq(cw_index_count(ix), es.ndocs);
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	check_top_k(ix, &es, &seed, 300, 0);
	check_top_k(ix, &es, &seed, 20, 1);

	/* replace a tenth with other fact-checks' texts and remove a tenth */
	for (size_t i = 0; i < es.ndocs / 10 + 1; i++) {
		const struct cw_evalset_doc *d = &es.docs[rnd(&seed) % es.ndocs];
		const struct cw_evalset_doc *o = &es.docs[rnd(&seed) % es.ndocs];
		struct cw_index_doc nd = {.id = d->id,
		                          .claim = o->claim,
		                          .claim_len = strlen(o->claim),
		                          .title = o->title,
		                          .title_len = strlen(o->title),
		                          .extra = o->extra,
		                          .extra_len = strlen(o->extra)};
		cr_assert_eq(cw_index_put(ix, &nd), 0);
	}
	for (size_t i = 0; i < es.ndocs / 10; i++)
		cw_index_remove(ix, es.docs[rnd(&seed) % es.ndocs].id);
	cr_assert_lt(cw_index_count(ix), es.ndocs);
	check_top_k(ix, &es, &seed, 300, 0);
	check_top_k(ix, &es, &seed, 20, 1);
	cw_index_free(ix);
	cw_evalset_release(&es);
}

#define SCR_QUERIES 200
#define SCR_K       30

/* One thread's searches of every query in its own scratch. */
struct scr_job {
	struct cw_index *ix;
	struct cw_index_scratch *s;
	char (*queries)[512];
	struct cw_index_hit (*hits)[SCR_K];
	size_t n[SCR_QUERIES];
	uint32_t nterms[SCR_QUERIES], nsearched[SCR_QUERIES];
};

static void scr_search(struct scr_job *j, size_t qi)
{
	struct cw_index_query q = {.text = j->queries[qi], .len = strlen(j->queries[qi])};
	struct cw_index_query_view qv;

	j->n[qi] = cw_index_search_with(j->ix, j->s, &q, j->hits[qi], SCR_K);
	cw_index_last_query_with(j->s, &qv);
	j->nterms[qi] = qv.nterms;
	j->nsearched[qi] = qv.nsearched;
}

static void *scr_thread(void *arg)
{
	struct scr_job *j = arg;

	for (size_t qi = 0; qi < SCR_QUERIES; qi++)
		scr_search(j, qi);
	return NULL;
}

/* Every hit of j is the one the owner's search gives, to the bit. */
static void scr_check(struct cw_index *ix, const struct scr_job *j, const char *who)
{
	struct cw_index_hit want[SCR_K];
	struct cw_index_query_view qv;

	for (size_t qi = 0; qi < SCR_QUERIES; qi++) {
		struct cw_index_query q = {.text = j->queries[qi], .len = strlen(j->queries[qi])};
		size_t n = cw_index_search(ix, &q, want, SCR_K);
		cw_index_last_query(ix, &qv);
		cr_assert_eq(j->n[qi], n, "%s, query '%s': %zu hits, not %zu", who, q.text,
		             j->n[qi], n);
		cr_assert_eq(j->nterms[qi], qv.nterms);
		cr_assert_eq(j->nsearched[qi], qv.nsearched);
		for (size_t i = 0; i < n; i++) {
			const struct cw_index_hit *h = &j->hits[qi][i];
			cr_assert(h->doc == want[i].doc && h->user == want[i].user &&
			              h->bm25 == want[i].bm25 && h->score == want[i].score &&
			              h->bm25_rank == want[i].bm25_rank &&
			              !strcmp(h->id, want[i].id),
			          "%s, query '%s': hit %zu is %s, not %s", who, q.text, i, h->id,
			          want[i].id);
			for (int f = 0; f < CW_INDEX_NFIELDS; f++)
				cr_assert(h->field_bm25[f] == want[i].field_bm25[f]);
		}
	}
}

/* Puts fact-check i of a collection at least 1500 long: the documents of
 * es over and over, each time under a new id. */
static void scr_put(struct cw_index *ix, const struct cw_evalset *es, size_t i)
{
	const struct cw_evalset_doc *d = &es->docs[i % es->ndocs];
	char id[32];

	snprintf(id, sizeof(id), "doc-%zu", i);
	put(ix, id, d->claim, d->title);
}

/*
 * Searches in a scratch of their own give the owner's hits: one thread's
 * scratch made on a small index and used again after the index grew past
 * what it was sized to, and two threads searching at once right after
 * fact-checks changed (so both find the length norms out of date).
 */
Test(index, searches_in_own_scratches_on_threads_equal_the_owners)
{
	struct cw_evalset es = {0};
	struct scr_job a = {0}, b = {0};
	pthread_t ta, tb;
	uint64_t seed = 0x2545f4914f6cdd1dull;
	size_t total, first;

	load_collection(&es);
	total = CW_MAX(es.ndocs, (size_t)1500);
	first = total / 8;
	struct cw_index *ix = new_index();
	char(*queries)[512] = cw_xcalloc(SCR_QUERIES, sizeof(*queries));
	for (size_t i = 0; i < first; i++)
		scr_put(ix, &es, i);
	for (size_t qi = 0; qi < SCR_QUERIES; qi++)
		random_query(&es, &seed, queries[qi], sizeof(queries[qi]));
	a = (struct scr_job){.ix = ix, .s = cw_index_scratch_new(ix), .queries = queries};
	b = (struct scr_job){.ix = ix, .s = cw_index_scratch_new(ix), .queries = queries};
	a.hits = cw_xcalloc(SCR_QUERIES, sizeof(*a.hits));
	b.hits = cw_xcalloc(SCR_QUERIES, sizeof(*b.hits));
	scr_thread(&a);
	scr_check(ix, &a, "small index");

	for (size_t i = first; i < total; i++)
		scr_put(ix, &es, i);
	cr_assert_eq(pthread_create(&ta, NULL, scr_thread, &a), 0);
	cr_assert_eq(pthread_create(&tb, NULL, scr_thread, &b), 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	scr_check(ix, &a, "grown scratch");
	scr_check(ix, &b, "second thread");

	cw_index_scratch_free(a.s);
	cw_index_scratch_free(b.s);
	free(a.hits);
	free(b.hits);
	free(queries);
	cw_index_free(ix);
	cw_evalset_release(&es);
}
