/*
 * train_cmd.c — `claimwire train matcher`: learns the re-ranker's logistic
 * weights (match/matcher.weights) from claim-retrieval training data.
 *
 * For every query of every (collection, queries, qrels) group, the BM25F
 * candidates the match worker would re-rank become rows: their features and
 * whether the pair is gold.  Features are standardised over all rows, then an
 * L2-regularised logistic regression is fitted by Newton's method (a few
 * iterations on a 19 x 19 system), so the result is deterministic: same data,
 * same weights, on every machine.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "lib/cli.h"
#include "lib/common.h"
#include "match/evalset.h"
#include "match/index.h"
#include "match/rerank.h"

#define MAX_GROUPS 8
#define NP                                                                                         \
	(CW_RERANK_NFEAT + 1) /* parameters: bias first, then the weights                          \
	                       */
#define L2         1.0        /* ridge penalty on the standardised weights */
#define ITERATIONS 30

static const char usage[] =
    "usage: claimwire train matcher --collection FILE.jsonl --queries FILE.tsv "
    "--qrels FILE.tsv\n"
    "                               [--collection ... --queries ... --qrels "
    "...] [--out FILE]\n"
    "  --collection, --queries, --qrels   one training group; repeat for more "
    "groups\n"
    "  --speakers DIR      debate transcripts naming the speaker of <debate>_<line> queries\n"
    "  --out FILE          weights file to write (default " CW_MATCHER_WEIGHTS
    ")\n" CW_RETRIEVAL_OPTS_HELP "  -h, --help          this text\n"
    "Exit codes: 0 ok, 1 failure, 2 usage.\n";

struct rows {
	double *x; /* n * CW_RERANK_NFEAT */
	double *y;
	size_t n, cap;
};

static void rows_add(struct rows *r, const double *x, double y)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 4096;
		r->x = cw_xrealloc(r->x, r->cap * CW_RERANK_NFEAT * sizeof(double));
		r->y = cw_xrealloc(r->y, r->cap * sizeof(double));
	}
	memcpy(r->x + r->n * CW_RERANK_NFEAT, x, CW_RERANK_NFEAT * sizeof(double));
	r->y[r->n++] = y;
}

/* Solves a x = b for symmetric positive definite a (n x n) by Cholesky, in
 * place; returns -1 when a is not positive definite. */
static int solve_spd(double *a, double *b, int n)
{
	for (int j = 0; j < n; j++) {
		double d = a[j * n + j];
		for (int k = 0; k < j; k++)
			d -= a[j * n + k] * a[j * n + k];
		if (d <= 0)
			return -1;
		d = sqrt(d);
		a[j * n + j] = d;
		for (int i = j + 1; i < n; i++) {
			double s = a[i * n + j];
			for (int k = 0; k < j; k++)
				s -= a[i * n + k] * a[j * n + k];
			a[i * n + j] = s / d;
		}
	}
	for (int i = 0; i < n; i++) { /* L y = b */
		double s = b[i];
		for (int k = 0; k < i; k++)
			s -= a[i * n + k] * b[k];
		b[i] = s / a[i * n + i];
	}
	for (int i = n - 1; i >= 0; i--) { /* L^T x = y */
		double s = b[i];
		for (int k = i + 1; k < n; k++)
			s -= a[k * n + i] * b[k];
		b[i] = s / a[i * n + i];
	}
	return 0;
}

/* Fits m's bias and weights to the rows (features standardised by m). */
static int fit(struct cw_rerank_model *m, const struct rows *r)
{
	double beta[NP] = {0};
	double h[NP * NP], g[NP], z[NP];
	for (int it = 0; it < ITERATIONS; it++) {
		memset(h, 0, sizeof(h));
		memset(g, 0, sizeof(g));
		for (size_t i = 0; i < r->n; i++) {
			const double *x = r->x + i * CW_RERANK_NFEAT;
			z[0] = 1;
			for (int f = 0; f < CW_RERANK_NFEAT; f++)
				z[f + 1] = (x[f] - m->mean[f]) / m->scale[f];
			double s = 0;
			for (int j = 0; j < NP; j++)
				s += beta[j] * z[j];
			double p = 1.0 / (1.0 + exp(-s)), w = p * (1 - p);
			for (int j = 0; j < NP; j++) {
				g[j] += (r->y[i] - p) * z[j];
				for (int k = 0; k <= j; k++)
					h[j * NP + k] += w * z[j] * z[k];
			}
		}
		for (int j = 0; j < NP; j++) {
			for (int k = 0; k < j; k++)
				h[k * NP + j] = h[j * NP + k];
			if (j) { /* the bias is not penalised */
				h[j * NP + j] += L2;
				g[j] -= L2 * beta[j];
			}
		}
		if (solve_spd(h, g, NP))
			return -1;
		double step = 0;
		for (int j = 0; j < NP; j++) {
			beta[j] += g[j];
			step = fmax(step, fabs(g[j]));
		}
		if (step < 1e-9)
			break;
	}
	m->bias = beta[0];
	for (int f = 0; f < CW_RERANK_NFEAT; f++)
		m->w[f] = beta[f + 1];
	return 0;
}

int cw_train_matcher_command(int argc, char **argv)
{
	const char *coll[MAX_GROUPS], *qs[MAX_GROUPS], *qr[MAX_GROUPS];
	size_t nc = 0, nq = 0, nr = 0;
	const char *out_path = CW_MATCHER_WEIGHTS, *speakers = NULL;
	struct cw_index_params ip;
	struct cw_rerank_model model;
	struct rows rows = {0};
	unsigned candidates = 0;
	int rc = CW_EXIT_FAILURE;
	char err[512];
	FILE *out = NULL;
	cw_index_params_default(&ip);
	cw_rerank_model_default(&model);

	enum { O_COLL = 0x2000, O_QUERIES, O_QRELS, O_SPEAKERS, O_OUT };
	static const struct option lo[] = {
	    {"collection", required_argument, NULL, O_COLL},
	    {"queries", required_argument, NULL, O_QUERIES},
	    {"qrels", required_argument, NULL, O_QRELS},
	    {"speakers", required_argument, NULL, O_SPEAKERS},
	    {"out", required_argument, NULL, O_OUT},
	    CW_RETRIEVAL_LONGOPTS,
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			return CW_EXIT_OK;
		}
		if ((c == O_COLL && nc == MAX_GROUPS) || (c == O_QUERIES && nq == MAX_GROUPS) ||
		    (c == O_QRELS && nr == MAX_GROUPS)) {
			fprintf(stderr, "claimwire: at most %d training groups\n", MAX_GROUPS);
			return CW_EXIT_USAGE;
		}
		if (c == O_COLL)
			coll[nc++] = optarg;
		else if (c == O_QUERIES)
			qs[nq++] = optarg;
		else if (c == O_QRELS)
			qr[nr++] = optarg;
		else if (c == O_SPEAKERS)
			speakers = optarg;
		else if (c == O_OUT)
			out_path = optarg;
		else if (cw_retrieval_opt(c, optarg, &ip, &candidates) != 0) {
			fputs(usage, stderr);
			return CW_EXIT_USAGE;
		}
	}
	if (!nc || nc != nq || nc != nr || optind != argc) {
		fputs(usage, stderr);
		return CW_EXIT_USAGE;
	}
	if (candidates)
		model.candidates = candidates;

	size_t positives = 0, queries = 0;
	for (size_t gi = 0; gi < nc; gi++) {
		struct cw_evalset es = {0};
		struct cw_index *ix = NULL;
		if (cw_evalset_load_collection(&es, coll[gi], err, sizeof(err)) ||
		    cw_evalset_load_queries(&es, qs[gi], qr[gi], err, sizeof(err)) ||
		    !(ix = cw_index_new(&ip, err, sizeof(err)))) {
			fprintf(stderr, "claimwire: %s\n", err);
			cw_evalset_release(&es);
			goto out;
		}
		if (speakers)
			cw_evalset_load_speakers(&es, speakers);
		cw_evalset_index(&es, ix);
		struct cw_index_hit hits[128];
		double x[128 * CW_RERANK_NFEAT];
		for (size_t i = 0; i < es.nqueries; i++) {
			const struct cw_evalset_query *q = &es.queries[i];
			struct cw_index_query iq = {.text = q->text,
			                            .len = strlen(q->text),
			                            .speaker = q->speaker,
			                            .speaker_len =
			                                q->speaker ? strlen(q->speaker) : 0};
			size_t n = cw_index_search(ix, &iq, hits, model.candidates);
			cw_rerank_features(ix, &iq, hits, n, x);
			for (size_t j = 0; j < n; j++) {
				int y = cw_evalset_is_rel(q, hits[j].id);
				positives += (size_t)y;
				rows_add(&rows, x + j * CW_RERANK_NFEAT, y);
			}
			queries++;
		}
		cw_index_free(ix);
		cw_evalset_release(&es);
	}
	if (!positives) {
		fprintf(stderr, "claimwire: no gold pair among the candidates: nothing to learn\n");
		goto out;
	}
	for (int f = 0; f < CW_RERANK_NFEAT; f++) {
		double s = 0, ss = 0;
		for (size_t i = 0; i < rows.n; i++)
			s += rows.x[i * CW_RERANK_NFEAT + f];
		double mean = s / (double)rows.n;
		for (size_t i = 0; i < rows.n; i++) {
			double d = rows.x[i * CW_RERANK_NFEAT + f] - mean;
			ss += d * d;
		}
		double sd = sqrt(ss / (double)rows.n);
		model.mean[f] = mean;
		model.scale[f] = sd > 1e-12 ? sd : 1.0;
	}
	if (fit(&model, &rows)) {
		fprintf(stderr, "claimwire: the fit did not converge\n");
		goto out;
	}
	out = fopen(out_path, "w");
	if (!out) {
		fprintf(stderr, "claimwire: cannot write '%s'\n", out_path);
		goto out;
	}
	fprintf(out, "# trained on %zu queries, %zu candidate pairs, %zu gold\n", queries, rows.n,
	        positives);
	cw_rerank_model_write(&model, out);
	if (fclose(out) != 0) {
		out = NULL;
		fprintf(stderr, "claimwire: cannot write '%s'\n", out_path);
		goto out;
	}
	out = NULL;
	fprintf(stderr, "claimwire: wrote %s (%zu queries, %zu pairs, %zu gold)\n", out_path,
	        queries, rows.n, positives);
	rc = CW_EXIT_OK;
out:
	if (out)
		fclose(out);
	free(rows.x);
	free(rows.y);
	return rc;
}
