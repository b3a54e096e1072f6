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

/*
 * The calibrator: a second logistic model that turns a ranked candidate into
 * the probability that it is a fact-check of the claim, where the claim may
 * have none (most claims in news have none).  The ranker alone is trained on
 * claims that all have one, so its probability only says which candidate is
 * right given that one is.  The calibrator sees the candidate's features, the
 * ranker's logit, how far that logit is ahead of the best other candidate's,
 * and how far its BM25F is ahead of the best other BM25F.  In the weights
 * file its lines are "cal_bias V" and "cal:<feature> weight|mean|scale V".
 */
enum {
	CW_RC_LOGIT = CW_RERANK_NFEAT, /* ranker logit */
	CW_RC_MARGIN,                  /* logit - best other candidate's logit */
	CW_RC_BM25_MARGIN,             /* (bm25 - best other bm25) / bm25, in [-inf, 1] */
	CW_RERANK_NCAL,
};
extern const char *const cw_rerank_cal_names[CW_RERANK_NCAL];

struct cw_rerank_model {
	double bias;
	double w[CW_RERANK_NFEAT];
	double mean[CW_RERANK_NFEAT]; /* features are standardised: (x - mean) / scale */
	double scale[CW_RERANK_NFEAT];
	unsigned candidates; /* BM25 candidates to re-rank (default 30) */
	int calibrated;      /* a calibrator was loaded: scores are its probabilities */
	double cal_bias;
	double cal_w[CW_RERANK_NCAL];
	double cal_mean[CW_RERANK_NCAL];
	double cal_scale[CW_RERANK_NCAL];
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

/* Probability of one raw feature row under m's ranker, and its logit. */
double cw_rerank_prob(const struct cw_rerank_model *m, const double *x);
double cw_rerank_logit(const struct cw_rerank_model *m, const double *x);

/* Calibrator input for candidate j of n (raw rows x, ranker logits z, as
 * computed for one query): x[j]'s features, then CW_RC_*.  cx holds
 * CW_RERANK_NCAL values. */
void cw_rerank_cal_features(const double *x, const double *z, const struct cw_index_hit *hits,
                            size_t n, size_t j, double *cx);
/*
 * Whether claim q restates a fact-check of ix nearly word for word: one of
 * its best `candidates` BM25F hits has at least CW_RERANK_RESTATES of its
 * claim's tokens in q.  Training and evaluation drop such "negatives": the
 * debate transcripts mark only the sentences an outlet checked in that
 * debate, not the speaker's later repeats of a checked claim.
 */
#define CW_RERANK_RESTATES 0.8
int cw_rerank_restates(struct cw_index *ix, const struct cw_index_query *q, unsigned candidates);

/* Calibrated probability of one calibrator row under m. */
double cw_rerank_cal_prob(const struct cw_rerank_model *m, const double *cx);

/* The whole "already fact-checked?" lookup the match worker uses: BM25F top
 * m->candidates from ix, re-ranked by m (m NULL: BM25 order, score = bm25),
 * best k copied to hits with score set to the probability: the calibrated
 * one when m has a calibrator (then made non-increasing down the list, so a
 * lower hit never looks likelier than the one ranked above it), else the
 * ranker's.  Returns the number filled.  Searches in the index's own scratch
 * (its owner thread's). */
size_t cw_rerank_search(struct cw_index *ix, const struct cw_rerank_model *m,
                        const struct cw_index_query *q, struct cw_index_hit *hits, size_t k);

/* cw_rerank_search in the caller's scratch s: the same hits.  Safe on
 * several threads at once, each with its own s, while the index does not
 * change (see index.h). */
size_t cw_rerank_search_with(struct cw_index *ix, struct cw_index_scratch *s,
                             const struct cw_rerank_model *m, const struct cw_index_query *q,
                             struct cw_index_hit *hits, size_t k);

#endif
