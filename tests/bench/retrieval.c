/*
 * retrieval.c — benchmark of "already fact-checked?" retrieval on one core,
 * beside SQLite FTS5 measured in the same run.
 *
 *   bench-retrieval [PATH...]
 *
 * Data: the CheckThat! claim-retrieval files (snopes-vclaims.jsonl and the
 * tweets-{train,dev} queries).  Looked for in any PATH argument that holds
 * them, then $CW_SHARED/data/claim-retrieval, ../shared/data/claim-retrieval
 * and /work/shared/data/claim-retrieval; without them the benchmark says so
 * and exits 0.
 *
 * Printed as "name value unit", one a line:
 *   retrieval_factchecks            fact-checks indexed (14,231 Snopes)
 *   retrieval_queries               distinct tweets used as queries
 *   index_build_s                   building the index, best of 3
 *   index_bytes_per_10k_factchecks  cw_index_memory scaled to 10,000 fact-checks
 *   queries_per_s                   the match worker's lookup: BM25F top
 *                                   candidates re-ranked by match/matcher.weights
 *                                   (BM25F alone when the file is absent)
 *   bm25_queries_per_s              BM25F alone (cw_index_search, top 10)
 *   fts5_queries_per_s              SQLite FTS5, in-memory, porter, OR-ed words,
 *                                   ORDER BY bm25() LIMIT 10
 *   speedup_vs_fts5                 queries_per_s / fts5_queries_per_s
 * Queries are repeated until each figure has run for at least 2 s of CPU time
 * (CLOCK_PROCESS_CPUTIME_ID, so other work on the machine does not count).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "lib/common.h"
#include "match/evalset.h"
#include "match/fts5_baseline.h"
#include "match/index.h"
#include "match/rerank.h"

#define MIN_SECONDS 2.0

static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int has_data(const char *dir)
{
	char p[4096];
	struct stat st;
	snprintf(p, sizeof(p), "%s/snopes-vclaims.jsonl", dir);
	return stat(p, &st) == 0;
}

static const char *find_data(int argc, char **argv, char *buf, size_t size)
{
	for (int i = 1; i < argc; i++)
		if (has_data(argv[i]))
			return argv[i];
	const char *shared = getenv("CW_SHARED");
	if (shared) {
		snprintf(buf, size, "%s/data/claim-retrieval", shared);
		if (has_data(buf))
			return buf;
	}
	if (has_data("../shared/data/claim-retrieval"))
		return "../shared/data/claim-retrieval";
	if (has_data("/work/shared/data/claim-retrieval"))
		return "/work/shared/data/claim-retrieval";
	return NULL;
}

/* Queries per CPU second of the lookup, over the queries repeated. */
static double qps_ours(struct cw_index *ix, const struct cw_rerank_model *m,
                       const struct cw_evalset *es)
{
	struct cw_index_hit hits[10];
	size_t done = 0;
	double t0 = cpu_s(), t;
	do {
		for (size_t i = 0; i < es->nqueries; i++) {
			const char *s = es->queries[i].text;
			struct cw_index_query q = {.text = s, .len = strlen(s)};
			cw_rerank_search(ix, m, &q, hits, 10);
		}
		done += es->nqueries;
		t = cpu_s() - t0;
	} while (t < MIN_SECONDS);
	return (double)done / t;
}

static double qps_fts5(struct cw_fts5 *fb, const struct cw_evalset *es)
{
	size_t docs[10], done = 0;
	double t0 = cpu_s(), t;
	do {
		for (size_t i = 0; i < es->nqueries; i++)
			cw_fts5_search(fb, es->queries[i].text, docs, 10);
		done += es->nqueries;
		t = cpu_s() - t0;
	} while (t < MIN_SECONDS);
	return (double)done / t;
}

int main(int argc, char **argv)
{
	char buf[4096], err[512], p1[4200], p2[4200];
	struct cw_evalset es = {0};
	struct cw_index *ix = NULL;
	struct cw_fts5 *fb = NULL;
	int rc = 1;
	const char *dir = find_data(argc, argv, buf, sizeof(buf));
	if (!dir) {
		printf(
		    "# bench-retrieval: skipped, no claim-retrieval data (snopes-vclaims.jsonl); "
		    "set CW_SHARED\n");
		return 0;
	}
	snprintf(p1, sizeof(p1), "%s/snopes-vclaims.jsonl", dir);
	if (cw_evalset_load_collection(&es, p1, err, sizeof(err)))
		goto fail;
	const char *splits[] = {"tweets-train", "tweets-dev"};
	for (size_t i = 0; i < CW_ARRAY_SIZE(splits); i++) {
		snprintf(p1, sizeof(p1), "%s/%s.queries.tsv", dir, splits[i]);
		snprintf(p2, sizeof(p2), "%s/%s.qrels.tsv", dir, splits[i]);
		if (cw_evalset_load_queries(&es, p1, p2, err, sizeof(err)))
			goto fail;
	}

	double build = 1e9;
	for (int pass = 0; pass < 3; pass++) {
		cw_index_free(ix);
		ix = cw_index_new(NULL, err, sizeof(err));
		if (!ix)
			goto fail;
		double t0 = cpu_s();
		cw_evalset_index(&es, ix);
		double t = cpu_s() - t0;
		if (t < build)
			build = t;
	}
	struct cw_rerank_model model;
	const struct cw_rerank_model *m = &model;
	if (cw_rerank_model_load(&model, CW_MATCHER_WEIGHTS, err, sizeof(err)) != CW_OK) {
		printf("# bench-retrieval: %s; measuring BM25F alone\n", err);
		m = NULL;
	}
	printf("retrieval_factchecks %zu count\n", cw_index_count(ix));
	printf("retrieval_queries %zu count\n", es.nqueries);
	printf("index_build_s %.3f s\n", build);
	printf("index_bytes_per_10k_factchecks %.0f bytes\n",
	       (double)cw_index_memory(ix) * 10000.0 / (double)cw_index_count(ix));
	fflush(stdout);
	double ours = qps_ours(ix, m, &es);
	printf("queries_per_s %.0f queries/s\n", ours);
	printf("bm25_queries_per_s %.0f queries/s\n", qps_ours(ix, NULL, &es));
	fflush(stdout);
	fb = cw_fts5_new(&es, err, sizeof(err));
	if (!fb)
		goto fail;
	double fts = qps_fts5(fb, &es);
	printf("fts5_queries_per_s %.1f queries/s\n", fts);
	printf("speedup_vs_fts5 %.1f x\n", fts > 0 ? ours / fts : 0);
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "bench-retrieval: %s\n", err);
out:
	cw_fts5_free(fb);
	cw_index_free(ix);
	cw_evalset_release(&es);
	return rc;
}
