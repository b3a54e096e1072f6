/*
 * rerank.h — re-ranks the best BM25 candidates for a claim with a small
 * logistic model over match features, and turns the score into a
 * probability that the fact-check is about the claim.  The match
 * thresholds (match.thresholds.confirm / suggest) compare against it.
 *
 * Features, computed per (claim, fact-check) pair: BM25F and BM25 per field,
 * BM25 over the query's best BM25, token overlap (Jaccard, coverage of the
 * claim's tokens, of the fact-check's tokens, idf-weighted coverage), bigram
 * overlap, numbers that agree and that disagree, capitalised names shared,
 * speaker against claimant, SimHash similarity, and BM25 rank.
 *
 * Weights come from `claimwire train matcher` as a small text file
 * (match/matcher.weights): one "name value" a line, '#' comments; names not
 * known to this build are ignored, features missing from the file weigh 0.
 */
#ifndef CW_MATCH_RERANK_H
#define CW_MATCH_RERANK_H

#include <stddef.h>
#include <stdio.h>

#include "match/index.h"

enum cw_rerank_feature {
	CW_RF_BM25,       /* BM25F, log1p */
	CW_RF_BM25_CLAIM, /* per-field BM25, log1p */
	CW_RF_BM25_TITLE,
	CW_RF_BM25_EXTRA,
	CW_RF_BM25_NORM,    /* bm25 / best bm25 of the query */
	CW_RF_BM25_GAP,     /* (best - bm25) / best */
	CW_RF_JACCARD,      /* claim-field token sets */
	CW_RF_QCOVER,       /* share of query tokens found in claim+title */
	CW_RF_DCOVER,       /* share of claim tokens found in the query */
	CW_RF_QCOVER_IDF,   /* idf-weighted query coverage */
	CW_RF_BIGRAM,       /* share of query bigrams in claim+title */
	CW_RF_NUM_AGREE,    /* numbers in both */
	CW_RF_NUM_DISAGREE, /* numbers in the fact-check's claim absent from the query, when
	                     * the query has numbers */
	CW_RF_ENT_OVERLAP,  /* capitalised names shared / names in the query */
	CW_RF_SPEAKER,      /* 1 speaker matches claimant, -1 differs, 0 unknown */
	CW_RF_SIMHASH,      /* 1 - hamming / 64 */
	CW_RF_RANK,         /* 1 / (1 + bm25 rank) */
	CW_RF_QLEN,         /* log1p of query tokens */
	CW_RERANK_NFEAT,
};

/* The feature names used in the weights file, by enum order. */
extern const char *const cw_rerank_feature_names[CW_RERANK_NFEAT];

struct cw_rerank_model {
	double bias;
	double w[CW_RERANK_NFEAT];
	double mean[CW_RERANK_NFEAT]; /* features are standardised: (x - mean) / scale */
	double scale[CW_RERANK_NFEAT];
	unsigned candidates; /* BM25 candidates to re-rank (default 30) */
};

/* A model that ranks like BM25F alone (weight on CW_RF_BM25 only). */
void cw_rerank_model_default(struct cw_rerank_model *m);

/* Reads / writes the weights file.  Load fills m (starting from the default)
 * and returns CW_ERR_IO or CW_ERR_INVALID with "PATH:LINE: ..." in errstr. */
int cw_rerank_model_load(struct cw_rerank_model *m, const char *path, char *errstr, size_t errsize);
int cw_rerank_model_write(const struct cw_rerank_model *m, FILE *f);

/* Computes the features of hits[0..n) for the query last searched in ix
 * (call right after cw_index_search).  x is n * CW_RERANK_NFEAT, row-major,
 * raw (not standardised). */
void cw_rerank_features(struct cw_index *ix, const struct cw_index_query *q,
                        const struct cw_index_hit *hits, size_t n, double *x);

/* Probability of one raw feature row under m. */
double cw_rerank_prob(const struct cw_rerank_model *m, const double *x);

/* The whole "already fact-checked?" lookup the match worker uses: BM25F top
 * m->candidates from ix, re-ranked by m (m NULL: BM25 order, score = bm25),
 * best k copied to hits with score set to the probability.  Returns the
 * number filled.  Not thread-safe (uses the index's scratch). */
size_t cw_rerank_search(struct cw_index *ix, const struct cw_rerank_model *m,
                        const struct cw_index_query *q, struct cw_index_hit *hits, size_t k);

#endif
