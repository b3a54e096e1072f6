/*
 * eval_cmd.c — `claimwire eval retrieval`: ranks a fact-check collection for
 * every query with the code the match worker uses (cw_rerank_search), and
 * prints MAP@1/3/5, MRR and R@5 for it, for plain BM25F, and for the SQLite
 * FTS5 baseline measured in the same run, with queries per second for ours
 * and for FTS5.  One "NAME VALUE" a line.
 *
 * With negatives (claims that have no fact-check in the collection), it also
 * measures the decision the match worker takes on the best hit's probability:
 * at the confirm and suggest thresholds, precision (share of claims given a
 * fact-check whose fact-check is a gold one, negatives included), recall
 * (share of the queries given a gold fact-check at rank 1) and the share of
 * negatives given one; and the lowest thresholds that keep precision at 0.9
 * and at 0.5, to choose thresholds from training data.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/commands.h"
#include "lib/cli.h"
#include "lib/common.h"
#include "match/evalset.h"
#include "match/fts5_baseline.h"
#include "match/index.h"
#include "match/rerank.h"

#define DEPTH 100 /* hits per query kept for MRR */

static const char usage[] =
    "usage: claimwire eval retrieval --collection FILE.jsonl --queries "
    "FILE.tsv --qrels FILE.tsv\n"
    "                                [--weights FILE] [--no-rerank] "
    "[--no-fts5]\n"
    "  --collection FILE   fact-checks, one JSON object a line (vclaim_id, "
    "vclaim, title...)\n"
    "  --queries FILE      id<TAB>text lines\n"
    "  --qrels FILE        qid<TAB>0<TAB>vclaim_id<TAB>1 lines\n"
    "  --speakers DIR      debate transcripts naming each query's speaker (<debate>_<line> ids)\n"
    "  --weights FILE      matcher weights (default match/matcher.weights when "
    "present)\n"
    "  --no-rerank         rank by BM25F only\n"
    "  --no-fts5           skip the SQLite FTS5 "
    "baseline\n"
    "  --debates DIR       transcripts: sentences of the queries' debates that are not\n"
    "                      queries become negatives (claims with no fact-check)\n"
    "  --negatives PATH    more negatives: a file (.tsv transcript, .jsonl \"text\", or\n"
    "                      lines) or a directory of them\n"
    "  --confirm X, --suggest X  thresholds the decision figures use (0.75, 0.35)\n"
    "  --decisions FILE    writes each claim's best hit: id, probability, hit, gold|wrong|\n"
    "                      negative, text (tab-separated)\n" CW_RETRIEVAL_OPTS_HELP
    "  -h, --help          this text\n"
    "Prints NAME VALUE lines: ours, bm25_*, fts5_*, queries_per_s, "
    "fts5_queries_per_s.\n"
    "Exit codes: 0 ok, 1 failure, 2 usage.\n";

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID,
	              &ts); /* per-core figures: CPU time of this process */
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Ranks every query; adds to m; returns the seconds spent searching. */
static double run_ours(struct cw_index *ix, const struct cw_rerank_model *m,
                       const struct cw_evalset *es, struct cw_eval_metrics *mt)
{
	struct cw_index_hit hits[DEPTH];
	int rel[DEPTH];
	double t = 0;
	for (size_t i = 0; i < es->nqueries; i++) {
		const struct cw_evalset_query *q = &es->queries[i];
		struct cw_index_query iq = {.text = q->text,
		                            .len = strlen(q->text),
		                            .speaker = q->speaker,
		                            .speaker_len = q->speaker ? strlen(q->speaker) : 0};
		double t0 = now_s();
		size_t n = cw_rerank_search(ix, m, &iq, hits, m ? m->candidates : DEPTH);
		t += now_s() - t0;
		if (m && n == m->candidates) {
			/* below the re-ranked candidates, BM25 order (for MRR only) */
			struct cw_index_hit rest[DEPTH];
			size_t nr = cw_index_search(ix, &iq, rest, DEPTH);
			for (size_t j = n; j < nr && n < DEPTH; j++)
				hits[n++] = rest[j];
		}
		for (size_t j = 0; j < n; j++)
			rel[j] = cw_evalset_is_rel(q, hits[j].id);
		cw_eval_add(mt, rel, n, q->nrel);
	}
	return t;
}

/* Queries per second of the full lookup, repeated for at least min_s. */
static double throughput(struct cw_index *ix, const struct cw_rerank_model *m,
                         const struct cw_evalset *es, double min_s)
{
	struct cw_index_hit hits[DEPTH];
	size_t done = 0;
	double t0 = now_s(), t;
	size_t k = m ? m->candidates : 10;
	do {
		for (size_t i = 0; i < es->nqueries; i++) {
			const char *s = es->queries[i].text;
			struct cw_index_query iq = {.text = s, .len = strlen(s)};
			cw_rerank_search(ix, m, &iq, hits, CW_MIN(k, (size_t)10));
		}
		done += es->nqueries;
		t = now_s() - t0;
	} while (t < min_s && es->nqueries);
	return t > 0 ? (double)done / t : 0;
}

struct decision {
	float p;  /* best hit's probability */
	int gold; /* the best hit is a gold fact-check */
	int neg;  /* the claim is a negative */
};

static void decide_all(struct cw_index *ix, const struct cw_rerank_model *m,
                       const struct cw_evalset_query *qs, size_t n, int neg, struct decision *d,
                       FILE *log)
{
	struct cw_index_hit hit;
	for (size_t i = 0; i < n; i++) {
		const struct cw_evalset_query *q = &qs[i];
		struct cw_index_query iq = {.text = q->text,
		                            .len = strlen(q->text),
		                            .speaker = q->speaker,
		                            .speaker_len = q->speaker ? strlen(q->speaker) : 0};
		size_t got = cw_rerank_search(ix, m, &iq, &hit, 1);
		d[i].p = got ? hit.score : 0;
		d[i].gold = got && !neg && cw_evalset_is_rel(q, hit.id);
		d[i].neg = neg;
		if (log)
			fprintf(log, "%s\t%.4f\t%s\t%s\t%s\n", q->id, d[i].p, got ? hit.id : "",
			        neg         ? "negative"
			        : d[i].gold ? "gold"
			                    : "wrong",
			        q->text);
	}
}

static void print_at(const struct decision *d, size_t n, size_t nq, size_t nneg, double t,
                     const char *name)
{
	size_t given = 0, right = 0, fp = 0;
	for (size_t i = 0; i < n; i++) {
		if (d[i].p < t)
			continue;
		given++;
		right += (size_t)d[i].gold;
		fp += (size_t)d[i].neg;
	}
	printf("%s_threshold %.4f\n", name, t);
	printf("%s_given %zu\n", name, given);
	printf("%s_precision %.4f\n", name, given ? (double)right / (double)given : 0.0);
	printf("%s_recall %.4f\n", name, nq ? (double)right / (double)nq : 0.0);
	printf("%s_negatives_fpr %.4f\n", name, nneg ? (double)fp / (double)nneg : 0.0);
}

static int cmp_decision(const void *a, const void *b)
{
	const struct decision *x = a, *y = b;
	if (x->p != y->p)
		return x->p < y->p ? 1 : -1;
	return 0;
}

/* The lowest threshold (a probability seen) at which precision is still at
 * least target: the one with the best recall; 1 when none. */
static double threshold_for(struct decision *d, size_t n, double target)
{
	cw_qsort(d, n, sizeof(*d), cmp_decision);
	double best = 1.0;
	size_t given = 0, right = 0;
	for (size_t i = 0; i < n; i++) {
		given++;
		right += (size_t)d[i].gold;
		if (i + 1 < n && d[i + 1].p == d[i].p)
			continue; /* ties are given together */
		if ((double)right / (double)given >= target)
			best = d[i].p;
	}
	return best;
}

static void run_decisions(struct cw_index *ix, const struct cw_rerank_model *m,
                          const struct cw_evalset *es, double confirm, double suggest, FILE *log)
{
	/* negatives that restate a fact-check are not counted (see rerank.h) */
	struct cw_evalset_query *negs = cw_xcalloc(es->nnegs ? es->nnegs : 1, sizeof(*negs));
	size_t nneg = 0;
	for (size_t i = 0; i < es->nnegs; i++) {
		const struct cw_evalset_query *q = &es->negs[i];
		struct cw_index_query iq = {.text = q->text,
		                            .len = strlen(q->text),
		                            .speaker = q->speaker,
		                            .speaker_len = q->speaker ? strlen(q->speaker) : 0};
		if (!cw_rerank_restates(ix, &iq, m->candidates))
			negs[nneg++] = *q;
	}
	size_t n = es->nqueries + nneg;
	struct decision *d = cw_xcalloc(n ? n : 1, sizeof(*d));
	decide_all(ix, m, es->queries, es->nqueries, 0, d, log);
	decide_all(ix, m, negs, nneg, 1, d + es->nqueries, log);
	printf("decision_queries %zu\n", es->nqueries);
	printf("decision_negatives %zu\n", nneg);
	printf("decision_negatives_restating %zu\n", es->nnegs - nneg);
	print_at(d, n, es->nqueries, nneg, confirm, "confirm");
	print_at(d, n, es->nqueries, nneg, suggest, "suggest");
	printf("threshold_at_precision_0.9 %.4f\n", threshold_for(d, n, 0.9));
	printf("threshold_at_precision_0.5 %.4f\n", threshold_for(d, n, 0.5));
	free(d);
	free(negs);
}

int cw_eval_retrieval_command(int argc, char **argv)
{
	const char *collection = NULL, *queries = NULL, *qrels = NULL, *weights = NULL;
	const char *speakers = NULL, *debates = NULL, *negatives = NULL, *log_path = NULL;
	FILE *log = NULL;
	double confirm = 0.75, suggest = 0.35;
	int no_rerank = 0, no_fts5 = 0, rc = CW_EXIT_FAILURE;
	struct cw_index_params ip;
	struct cw_rerank_model model;
	struct cw_evalset es = {0};
	struct cw_index *ix = NULL;
	struct cw_fts5 *fb = NULL;
	char err[512];
	cw_index_params_default(&ip);
	cw_rerank_model_default(&model);
	unsigned candidates = 0;

	enum {
		O_COLL = 0x2000,
		O_QUERIES,
		O_QRELS,
		O_SPEAKERS,
		O_WEIGHTS,
		O_NORERANK,
		O_NOFTS,
		O_DEBATES,
		O_NEG,
		O_CONFIRM,
		O_SUGGEST,
		O_DECISIONS
	};
	static const struct option lo[] = {
	    {"collection", required_argument, NULL, O_COLL},
	    {"queries", required_argument, NULL, O_QUERIES},
	    {"qrels", required_argument, NULL, O_QRELS},
	    {"speakers", required_argument, NULL, O_SPEAKERS},
	    {"weights", required_argument, NULL, O_WEIGHTS},
	    {"no-rerank", no_argument, NULL, O_NORERANK},
	    {"no-fts5", no_argument, NULL, O_NOFTS},
	    {"debates", required_argument, NULL, O_DEBATES},
	    {"negatives", required_argument, NULL, O_NEG},
	    {"confirm", required_argument, NULL, O_CONFIRM},
	    {"suggest", required_argument, NULL, O_SUGGEST},
	    {"decisions", required_argument, NULL, O_DECISIONS},
	    CW_RETRIEVAL_LONGOPTS,
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case O_COLL:
			collection = optarg;
			break;
		case O_QUERIES:
			queries = optarg;
			break;
		case O_QRELS:
			qrels = optarg;
			break;
		case O_SPEAKERS:
			speakers = optarg;
			break;
		case O_WEIGHTS:
			weights = optarg;
			break;
		case O_NORERANK:
			no_rerank = 1;
			break;
		case O_NOFTS:
			no_fts5 = 1;
			break;
		case O_DEBATES:
			debates = optarg;
			break;
		case O_NEG:
			negatives = optarg;
			break;
		case O_DECISIONS:
			log_path = optarg;
			break;
		case O_CONFIRM:
		case O_SUGGEST: {
			char *end;
			double v = strtod(optarg, &end);
			if (*end || end == optarg || !(v >= 0 && v <= 1)) { /* NaN too */
				fputs(usage, stderr);
				return CW_EXIT_USAGE;
			}
			*(c == O_CONFIRM ? &confirm : &suggest) = v;
			break;
		}
		case 'h':
			fputs(usage, stdout);
			return CW_EXIT_OK;
		default:
			if (cw_retrieval_opt(c, optarg, &ip, &candidates) == 0)
				break;
			fputs(usage, stderr);
			return CW_EXIT_USAGE;
		}
	}
	if (!collection || !queries || !qrels || optind != argc) {
		fputs(usage, stderr);
		return CW_EXIT_USAGE;
	}
	if (!weights && !no_rerank &&
	    cw_rerank_model_load(&model, CW_MATCHER_WEIGHTS, err, sizeof(err)) == CW_OK)
		weights = CW_MATCHER_WEIGHTS;
	else if (weights && cw_rerank_model_load(&model, weights, err, sizeof(err)) != CW_OK) {
		fprintf(stderr, "claimwire: %s\n", err);
		goto out;
	}
	if (!weights && !no_rerank)
		fprintf(stderr, "claimwire: no weights file, ranking by BM25F only\n");
	if (candidates)
		model.candidates = candidates;
	if (cw_evalset_load_collection(&es, collection, err, sizeof(err)) ||
	    cw_evalset_load_queries(&es, queries, qrels, err, sizeof(err))) {
		fprintf(stderr, "claimwire: %s\n", err);
		goto out;
	}
	if (speakers)
		fprintf(stderr, "claimwire: %zu of %zu queries have a speaker\n",
		        cw_evalset_load_speakers(&es, speakers), es.nqueries);
	if (debates)
		cw_evalset_load_debate_negatives(&es, debates);
	if (negatives && cw_evalset_load_negatives(&es, negatives, err, sizeof(err))) {
		fprintf(stderr, "claimwire: %s\n", err);
		goto out;
	}
	ix = cw_index_new(&ip, err, sizeof(err));
	if (!ix) {
		fprintf(stderr, "claimwire: %s\n", err);
		goto out;
	}
	double t0 = now_s();
	cw_evalset_index(&es, ix);
	double build_s = now_s() - t0;
	const struct cw_rerank_model *m = (weights && !no_rerank) ? &model : NULL;

	struct cw_eval_metrics ours = {0}, bm25 = {0}, fts = {0};
	run_ours(ix, m, &es, &ours);
	cw_eval_finish(&ours);
	run_ours(ix, NULL, &es, &bm25);
	cw_eval_finish(&bm25);
	printf("queries %zu\n", ours.n);
	cw_eval_print(&ours, "", stdout);
	cw_eval_print(&bm25, "bm25_", stdout);

	if (m && es.nnegs) {
		if (log_path && !(log = fopen(log_path, "w"))) {
			fprintf(stderr, "claimwire: cannot write '%s'\n", log_path);
			goto out;
		}
		run_decisions(ix, m, &es, confirm, suggest, log);
	}

	double fts_qps = 0;
	if (!no_fts5) {
		fb = cw_fts5_new(&es, err, sizeof(err));
		if (!fb) {
			fprintf(stderr, "claimwire: %s\n", err);
			goto out;
		}
		size_t docs[DEPTH];
		int rel[DEPTH];
		double ft = 0;
		for (size_t i = 0; i < es.nqueries; i++) {
			const struct cw_evalset_query *q = &es.queries[i];
			double q0 = now_s();
			size_t n = cw_fts5_search(fb, q->text, docs, DEPTH);
			ft += now_s() - q0;
			for (size_t j = 0; j < n; j++)
				rel[j] = cw_evalset_is_rel(q, es.docs[docs[j]].id);
			cw_eval_add(&fts, rel, n, q->nrel);
		}
		cw_eval_finish(&fts);
		fts_qps = ft > 0 ? (double)es.nqueries / ft : 0;
		cw_eval_print(&fts, "fts5_", stdout);
	}
	printf("queries_per_s %.0f\n", throughput(ix, m, &es, 1.0));
	printf("bm25_queries_per_s %.0f\n", throughput(ix, NULL, &es, 1.0));
	if (!no_fts5)
		printf("fts5_queries_per_s %.1f\n", fts_qps);
	printf("index_build_s %.3f\n", build_s);
	printf("index_bytes %zu\n", cw_index_memory(ix));
	rc = CW_EXIT_OK;
out:
	if (log)
		fclose(log);
	cw_fts5_free(fb);
	cw_index_free(ix);
	cw_evalset_release(&es);
	return rc;
}
