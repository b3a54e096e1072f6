/*
 * train_cmd.c — `claimwire train matcher`: learns the re-ranker's logistic
 * weights (match/matcher.weights) from claim-retrieval training data.
 *
 * For every query of every (collection, queries, qrels) group, the BM25F
 * candidates the match worker would re-rank become rows: their features and
 * whether the pair is gold.  Features are standardised over all rows, then an
 * L2-regularised logistic regression is fitted by Newton's method (a few
 * iterations on a 19 x 19 system), so the result is deterministic: same data,
 * same weights, on every machine.  That ranker learns only from claims that
 * have a fact-check, so it says which candidate is right given that one is.
 *
 * The calibrator (see rerank.h) then learns whether a ranked candidate is a
 * fact-check of the claim at all: from the best CAL_TOP candidates of the
 * same queries and of negative claims, ones with no fact-check in the
 * collection (--debates: the other sentences of the debates the queries come
 * from; --negatives: files of such claims).  Negatives are pooled over all
 * groups, sampled with a fixed seed and searched in every group's collection.
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
#define NPMAX      (CW_RERANK_NCAL + 1) /* parameters at most: bias first, then the weights */
#define L2         1.0                  /* ridge penalty on the standardised weights */
#define ITERATIONS 30
#define CAL_TOP    5         /* ranked candidates per query the calibrator learns from */
#define NEG_SEED   20170120u /* fixed: the negative sample is part of the training data */
#define NEG_MAX    4000      /* default negatives sampled */
#define MAX_NEGS   8         /* --negatives options */

static const char usage[] =
    "usage: claimwire train matcher --collection FILE.jsonl --queries FILE.tsv "
    "--qrels FILE.tsv\n"
    "                               [--collection ... --queries ... --qrels "
    "...] [--out FILE]\n"
    "  --collection, --queries, --qrels   one training group; repeat for more "
    "groups\n"
    "  --speakers DIR      debate transcripts naming the speaker of <debate>_<line> queries\n"
    "  --debates DIR       transcripts whose sentences that are not queries are negatives\n"
    "  --negatives PATH    claims with no fact-check: a file (.tsv transcript, .jsonl\n"
    "                      \"text\", or lines) or a directory of them; repeatable\n"
    "  --max-negatives N   negatives sampled (fixed seed; default 4000, 0 none)\n"
    "  --out FILE          weights file to write (default " CW_MATCHER_WEIGHTS
    ")\n" CW_RETRIEVAL_OPTS_HELP "  -h, --help          this text\n"
    "Exit codes: 0 ok, 1 failure, 2 usage.\n";

/* Candidate rows of nf features each; a query's rows are contiguous. */
struct rows {
	int nf;
	double *x; /* n * nf */
	double *y;
	size_t *q;                /* query number of the row */
	struct cw_index_hit *hit; /* the candidate (bm25 for the calibrator) */
	unsigned char *neg;       /* 1 when the query is a negative */
	size_t n, cap;
};

static void rows_add(struct rows *r, const double *x, double y, size_t q,
                     const struct cw_index_hit *hit, int neg)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 4096;
		r->x = cw_xrealloc(r->x, r->cap * (size_t)r->nf * sizeof(double));
		r->y = cw_xrealloc(r->y, r->cap * sizeof(double));
		r->q = cw_xrealloc(r->q, r->cap * sizeof(size_t));
		r->hit = cw_xrealloc(r->hit, r->cap * sizeof(*r->hit));
		r->neg = cw_xrealloc(r->neg, r->cap);
	}
	memcpy(r->x + r->n * (size_t)r->nf, x, (size_t)r->nf * sizeof(double));
	r->y[r->n] = y;
	r->q[r->n] = q;
	if (hit)
		r->hit[r->n] = *hit;
	r->neg[r->n++] = (unsigned char)neg;
}

static void rows_free(struct rows *r)
{
	free(r->x);
	free(r->y);
	free(r->q);
	free(r->hit);
	free(r->neg);
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

/* Mean and standard deviation of each feature over the rows that use[] marks
 * (all when use is NULL). */
static void standardise(const struct rows *r, const unsigned char *use, double *mean, double *scale)
{
	for (int f = 0; f < r->nf; f++) {
		double s = 0, ss = 0, cnt = 0;
		for (size_t i = 0; i < r->n; i++)
			if (!use || use[i]) {
				s += r->x[i * (size_t)r->nf + (size_t)f];
				cnt++;
			}
		double mu = cnt ? s / cnt : 0;
		for (size_t i = 0; i < r->n; i++)
			if (!use || use[i]) {
				double d = r->x[i * (size_t)r->nf + (size_t)f] - mu;
				ss += d * d;
			}
		double sd = cnt ? sqrt(ss / cnt) : 0;
		mean[f] = mu;
		scale[f] = sd > 1e-12 ? sd : 1.0;
	}
}

/* Fits beta (bias first, then r->nf weights) to the rows use[] marks (all
 * when NULL), features standardised by mean / scale. */
static int fit(const struct rows *r, const unsigned char *use, const double *mean,
               const double *scale, double *beta)
{
	int np = r->nf + 1;
	double h[NPMAX * NPMAX], g[NPMAX], z[NPMAX];
	memset(beta, 0, (size_t)np * sizeof(double));
	for (int it = 0; it < ITERATIONS; it++) {
		memset(h, 0, sizeof(h));
		memset(g, 0, sizeof(g));
		for (size_t i = 0; i < r->n; i++) {
			if (use && !use[i])
				continue;
			const double *x = r->x + i * (size_t)r->nf;
			z[0] = 1;
			for (int f = 0; f < r->nf; f++)
				z[f + 1] = (x[f] - mean[f]) / scale[f];
			double s = 0;
			for (int j = 0; j < np; j++)
				s += beta[j] * z[j];
			double p = 1.0 / (1.0 + exp(-s)), w = p * (1 - p);
			for (int j = 0; j < np; j++) {
				g[j] += (r->y[i] - p) * z[j];
				for (int k = 0; k <= j; k++)
					h[j * np + k] += w * z[j] * z[k];
			}
		}
		for (int j = 0; j < np; j++) {
			for (int k = 0; k < j; k++)
				h[k * np + j] = h[j * np + k];
			if (j) { /* the bias is not penalised */
				h[j * np + j] += L2;
				g[j] -= L2 * beta[j];
			}
		}
		if (solve_spd(h, g, np))
			return -1;
		double step = 0;
		for (int j = 0; j < np; j++) {
			beta[j] += g[j];
			step = fmax(step, fabs(g[j]));
		}
		if (step < 1e-9)
			break;
	}
	return 0;
}

/* The calibrator's rows: for every query, its CAL_TOP best candidates by the
 * ranker's logit.  Returns the number of negative queries seen. */
static size_t cal_rows(const struct cw_rerank_model *m, const struct rows *r, struct rows *c)
{
	size_t negq = 0;
	double z[128], cx[CW_RERANK_NCAL], xb[128 * CW_RERANK_NFEAT];
	struct cw_index_hit hb[128];
	for (size_t i = 0; i < r->n;) {
		size_t e = i;
		while (e < r->n && r->q[e] == r->q[i] && e - i < 128)
			e++;
		size_t n = e - i;
		memcpy(xb, r->x + i * CW_RERANK_NFEAT, n * CW_RERANK_NFEAT * sizeof(double));
		memcpy(hb, r->hit + i, n * sizeof(*hb));
		for (size_t j = 0; j < n; j++)
			z[j] = cw_rerank_logit(m, xb + j * CW_RERANK_NFEAT);
		negq += r->neg[i];
		/* the CAL_TOP largest logits, ties to the better BM25 rank */
		unsigned char taken[128] = {0};
		for (size_t t = 0; t < CW_MIN(n, (size_t)CAL_TOP); t++) {
			size_t b = n;
			for (size_t j = 0; j < n; j++)
				if (!taken[j] && (b == n || z[j] > z[b]))
					b = j;
			taken[b] = 1;
			cw_rerank_cal_features(xb, z, hb, n, b, cx);
			rows_add(c, cx, r->y[i + b], r->q[i], NULL, r->neg[i]);
		}
		i = e;
	}
	return negq;
}

/* Searches every query and negative of es in ix and adds their candidate rows;
 * *qn numbers the queries across groups. */
static void add_rows(struct cw_index *ix, const struct cw_rerank_model *model,
                     const struct cw_evalset_query *qs, size_t nq, int neg, size_t *qn,
                     struct rows *rows, size_t *positives, size_t *restated)
{
	struct cw_index_hit hits[128];
	double x[128 * CW_RERANK_NFEAT];
	for (size_t i = 0; i < nq; i++) {
		const struct cw_evalset_query *q = &qs[i];
		struct cw_index_query iq = {.text = q->text,
		                            .len = strlen(q->text),
		                            .speaker = q->speaker,
		                            .speaker_len = q->speaker ? strlen(q->speaker) : 0};
		size_t n = cw_index_search(ix, &iq, hits, CW_MIN(model->candidates, 128u));
		cw_rerank_features(ix, &iq, hits, n, x);
		int restates = 0;
		for (size_t j = 0; neg && j < n; j++)
			restates |= x[j * CW_RERANK_NFEAT + CW_RF_DCOVER] >= CW_RERANK_RESTATES;
		if (restates) { /* most likely a fact-checked claim after all */
			(*restated)++;
			continue;
		}
		for (size_t j = 0; j < n; j++) {
			int y = !neg && cw_evalset_is_rel(q, hits[j].id);
			*positives += (size_t)y;
			rows_add(rows, x + j * CW_RERANK_NFEAT, y, *qn, &hits[j], neg);
		}
		(*qn)++;
	}
}

int cw_train_matcher_command(int argc, char **argv)
{
	const char *coll[MAX_GROUPS], *qs[MAX_GROUPS], *qr[MAX_GROUPS], *negp[MAX_NEGS];
	size_t nc = 0, nq = 0, nr = 0, nneg = 0, max_neg = NEG_MAX;
	const char *out_path = CW_MATCHER_WEIGHTS, *speakers = NULL, *debates = NULL;
	struct cw_index_params ip;
	struct cw_rerank_model model;
	struct rows rows = {.nf = CW_RERANK_NFEAT}, crows = {.nf = CW_RERANK_NCAL};
	struct cw_evalset pool = {0};
	unsigned char *use = NULL;
	unsigned candidates = 0;
	int rc = CW_EXIT_FAILURE;
	char err[512];
	FILE *out = NULL;
	cw_index_params_default(&ip);
	cw_rerank_model_default(&model);

	enum { O_COLL = 0x2000, O_QUERIES, O_QRELS, O_SPEAKERS, O_OUT, O_DEBATES, O_NEG, O_MAXNEG };
	static const struct option lo[] = {
	    {"collection", required_argument, NULL, O_COLL},
	    {"queries", required_argument, NULL, O_QUERIES},
	    {"qrels", required_argument, NULL, O_QRELS},
	    {"speakers", required_argument, NULL, O_SPEAKERS},
	    {"debates", required_argument, NULL, O_DEBATES},
	    {"negatives", required_argument, NULL, O_NEG},
	    {"max-negatives", required_argument, NULL, O_MAXNEG},
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
		    (c == O_QRELS && nr == MAX_GROUPS) || (c == O_NEG && nneg == MAX_NEGS)) {
			fprintf(stderr,
			        "claimwire: at most %d training groups and %d --negatives\n",
			        MAX_GROUPS, MAX_NEGS);
			return CW_EXIT_USAGE;
		}
		if (c == O_COLL) {
			coll[nc++] = optarg;
		} else if (c == O_QUERIES) {
			qs[nq++] = optarg;
		} else if (c == O_QRELS) {
			qr[nr++] = optarg;
		} else if (c == O_SPEAKERS) {
			speakers = optarg;
		} else if (c == O_DEBATES) {
			debates = optarg;
		} else if (c == O_NEG) {
			negp[nneg++] = optarg;
		} else if (c == O_MAXNEG) {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || v < 0) {
				fputs(usage, stderr);
				return CW_EXIT_USAGE;
			}
			max_neg = (size_t)v;
		} else if (c == O_OUT) {
			out_path = optarg;
		} else if (cw_retrieval_opt(c, optarg, &ip, &candidates) != 0) {
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

	/* the pool of negatives, shared by every group */
	for (size_t gi = 0; gi < nc; gi++)
		if (cw_evalset_load_queries(&pool, qs[gi], qr[gi], err, sizeof(err))) {
			fprintf(stderr, "claimwire: %s\n", err);
			goto out;
		}
	if (debates)
		cw_evalset_load_debate_negatives(&pool, debates);
	for (size_t i = 0; i < nneg; i++)
		if (cw_evalset_load_negatives(&pool, negp[i], err, sizeof(err))) {
			fprintf(stderr, "claimwire: %s\n", err);
			goto out;
		}
	size_t neg_found = pool.nnegs;
	cw_evalset_sample_negatives(&pool, max_neg, NEG_SEED);

	size_t positives = 0, queries = 0, qn = 0, restated = 0;
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
		add_rows(ix, &model, es.queries, es.nqueries, 0, &qn, &rows, &positives, &restated);
		queries += es.nqueries;
		add_rows(ix, &model, pool.negs, pool.nnegs, 1, &qn, &rows, &positives, &restated);
		cw_index_free(ix);
		cw_evalset_release(&es);
	}
	if (!positives) {
		fprintf(stderr, "claimwire: no gold pair among the candidates: nothing to learn\n");
		goto out;
	}
	/* the ranker: from the queries that have a fact-check only */
	use = cw_xmalloc(rows.n);
	for (size_t i = 0; i < rows.n; i++)
		use[i] = !rows.neg[i];
	double beta[NPMAX];
	standardise(&rows, use, model.mean, model.scale);
	if (fit(&rows, use, model.mean, model.scale, beta)) {
		fprintf(stderr, "claimwire: the fit did not converge\n");
		goto out;
	}
	model.bias = beta[0];
	memcpy(model.w, beta + 1, CW_RERANK_NFEAT * sizeof(double));
	/* the calibrator: from everything, negatives included */
	size_t negq = cal_rows(&model, &rows, &crows);
	if (negq) {
		standardise(&crows, NULL, model.cal_mean, model.cal_scale);
		if (fit(&crows, NULL, model.cal_mean, model.cal_scale, beta)) {
			fprintf(stderr, "claimwire: the calibrator's fit did not converge\n");
			goto out;
		}
		model.calibrated = 1;
		model.cal_bias = beta[0];
		memcpy(model.cal_w, beta + 1, CW_RERANK_NCAL * sizeof(double));
	}
	size_t pairs = 0;
	for (size_t i = 0; i < rows.n; i++)
		pairs += use[i];
	out = fopen(out_path, "w");
	if (!out) {
		fprintf(stderr, "claimwire: cannot write '%s'\n", out_path);
		goto out;
	}
	fprintf(out, "# trained on %zu queries, %zu candidate pairs, %zu gold\n", queries, pairs,
	        positives);
	if (negq)
		fprintf(out,
		        "# calibrated with %zu negative claims (of %zu found, seed %u), "
		        "%zu restating a fact-check left out, %zu rows of the best %d candidates\n",
		        pool.nnegs, neg_found, NEG_SEED, restated, crows.n, CAL_TOP);
	cw_rerank_model_write(&model, out);
	if (fclose(out) != 0) {
		out = NULL;
		fprintf(stderr, "claimwire: cannot write '%s'\n", out_path);
		goto out;
	}
	out = NULL;
	fprintf(stderr,
	        "claimwire: wrote %s (%zu queries, %zu pairs, %zu gold; %zu negatives of %zu)\n",
	        out_path, queries, pairs, positives, pool.nnegs, neg_found);
	rc = CW_EXIT_OK;
out:
	if (out)
		fclose(out);
	free(use);
	rows_free(&rows);
	rows_free(&crows);
	cw_evalset_release(&pool);
	return rc;
}
