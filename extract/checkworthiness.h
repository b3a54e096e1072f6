/*
 * checkworthiness.h — how much a sentence deserves a fact-checker's time.
 *
 * A logistic regression over hashed features: lower-cased word unigrams and
 * bigrams (numbers folded to their kind: year, percent, money, plain number)
 * hashed into 2^bits buckets, plus a few dense "claim" features (numbers,
 * percentages, money, dates, comparatives and superlatives, capitalised names
 * inside the sentence, attribution verbs, first-person opinion markers,
 * questions, length buckets, "X asked about" against "X said that"), the
 * words of the sentences before and after it, and whether those are
 * questions or have numbers.  The weights come from a small
 * text file (extract/checkworthiness.weights, written by `claimwire train
 * checkworthiness`):
 *
 *   # any comment line
 *   cw-checkworthiness 4            format version
 *   seed 2166136261                 feature hashing seed
 *   buckets 262144                  hashed buckets, a power of two
 *   bias -3.25
 *   threshold 0.5                   suggested cut for extract.threshold
 *   d NAME WEIGHT                   a dense feature's weight, by name
 *   h BUCKET WEIGHT                 a hashed bucket's weight; absent buckets are 0
 *
 * Scoring is allocation-free and thread-safe on a loaded model.
 */
#ifndef CW_CHECKWORTHINESS_H
#define CW_CHECKWORTHINESS_H

#include <stddef.h>
#include <stdint.h>

/* The most features one sentence yields; tokens past that are not looked at. */
#define CW_CW_MAX_FEATURES 1024
#define CW_CW_DEFAULT_BITS 18
#define CW_CW_DEFAULT_SEED 2166136261u

struct cw_cw_model;

/* Loads a weights file.  NULL on error, with errstr "PATH:LINE: message"
 * (or "PATH: message" when the file cannot be read).  Free with
 * cw_cw_model_free(). */
struct cw_cw_model *cw_cw_model_load(const char *path, char *errstr, size_t errsize);
void cw_cw_model_free(struct cw_cw_model *m);

/* Check-worthiness of one sentence (len bytes of UTF-8, not necessarily
 * NUL-terminated), in [0,1].  speaker may be NULL / speaker_len 0 when not
 * known. */
float cw_cw_score(const struct cw_cw_model *m, const char *sentence, size_t len,
                  const char *speaker, size_t speaker_len);

/* The same with the sentences before and after it in the text (prev / next
 * may be NULL with length 0 at the start / end of a text or a speaker's
 * turn).  The model was trained with each debate sentence's neighbours, so
 * pass them when known: they move the score by what the sentence answers or
 * leads into. */
float cw_cw_score_ctx(const struct cw_cw_model *m, const char *prev, size_t prev_len,
                      const char *sentence, size_t len, const char *next, size_t next_len,
                      const char *speaker, size_t speaker_len);

/* Words of a neighbouring sentence looked at. */
#define CW_CW_CTX_TOKENS 32
/* cw_cw_scan.speaker when no speaker is known. */
#define CW_CW_NO_SPEAKER UINT32_MAX

/* What one sentence gives the sentences around it as context (its first
 * words, whether it is a question or has a number), for one model.  Filled
 * by cw_cw_scan() or cw_cw_context(); its fields are the scorer's. */
struct cw_cw_ctx {
	uint32_t idx[2][CW_CW_CTX_TOKENS]; /* hashed words: [0] before a sentence, [1] after */
	uint32_t n;                        /* words in idx[0] and idx[1] */
	unsigned char none, question, number;
};

/* One sentence tokenised once, waiting for its neighbours' context to be
 * scored.  Filled by cw_cw_scan(); its fields are the scorer's. */
struct cw_cw_scan {
	uint32_t idx[CW_CW_MAX_FEATURES]; /* hashed buckets of its words and bigrams */
	uint32_t nhash;
	uint32_t speaker; /* the speaker's bucket, CW_CW_NO_SPEAKER for none */
	uint64_t dense;   /* bit k: dense feature k is set */
	float number;     /* the value of the one dense feature set to other than 1 */
	/* 1: every byte was read, no word holds both a non-ASCII byte (an
	 * apostrophe aside) and an ASCII letter, and none is one of the words
	 * attribution looks for (cw_attribution_each_trigger()): then no word
	 * of the sentence, as attribution cuts words, is one of them either,
	 * and cw_attribution_plain() may stand in for reading it again.  (A
	 * word of non-ASCII bytes only, a dash or a quote set apart by spaces,
	 * hides no such word, and quotes and dashes glued to letters,
	 * "\u201csaid", are no part of the word.) */
	unsigned char plain;
};

/* A scanned sentence's own share of its score: its buckets' weights summed
 * in order, and its dense features.  An article's sentences are scanned
 * before they are attributed (the scan tells attribution which sentences it
 * need not read) and scored once all are attributed: this is what is kept
 * of each in between. */
struct cw_cw_own {
	double z;
	uint64_t dense;
	float number;
};

/* The context that sentence s[0..len) gives its neighbours (len 0: none),
 * for a sentence that is not scored itself. */
void cw_cw_context(const struct cw_cw_model *m, const char *s, size_t len, struct cw_cw_ctx *out);

/* Reads sentence s[0..len) once: its own features into *sc and the context
 * it gives its neighbours into *ctx.  An article's sentences are scanned in
 * order, each kept as its own share (cw_cw_own_of()) and scored once its
 * neighbours are scanned (cw_cw_score_own() or cw_cw_logit_own()). */
void cw_cw_scan(const struct cw_cw_model *m, const char *s, size_t len, const char *speaker,
                size_t speaker_len, struct cw_cw_scan *sc, struct cw_cw_ctx *ctx);

/* The score of a scanned sentence between its neighbours' contexts (NULL: no
 * neighbour there).  Exactly cw_cw_score_ctx() of the same sentences. */
float cw_cw_score_scan(const struct cw_cw_model *m, const struct cw_cw_scan *sc,
                       const struct cw_cw_ctx *prev, const struct cw_cw_ctx *next);

/* What of a scanned sentence its score needs once its neighbours are read
 * (see struct cw_cw_own). */
void cw_cw_own_of(const struct cw_cw_model *m, const struct cw_cw_scan *sc, struct cw_cw_own *own);

/* The bucket of a speaker (NULL or speaker_len 0: CW_CW_NO_SPEAKER), as
 * cw_cw_scan() fills cw_cw_scan.speaker. */
uint32_t cw_cw_speaker(const struct cw_cw_model *m, const char *speaker, size_t speaker_len);

/* cw_cw_score_scan() of a sentence kept as *own, with speaker bucket
 * speaker: the same score to the bit. */
float cw_cw_score_own(const struct cw_cw_model *m, const struct cw_cw_own *own, uint32_t speaker,
                      const struct cw_cw_ctx *prev, const struct cw_cw_ctx *next);

/* The same in two steps: the score's logit, and the score of a logit
 * (cw_cw_score_of_logit(cw_cw_logit_own(...)) is cw_cw_score_own(...) to
 * the bit).  A logit below cw_cw_logit_below(s) scores below s, so the
 * exponential need not be taken for a sentence that cannot be a claim.
 * Finite for 1e-9 <= s <= 0.999; -INFINITY otherwise (no logit is sure to
 * score below s then, or none needs to be told). */
double cw_cw_logit_own(const struct cw_cw_model *m, const struct cw_cw_own *own, uint32_t speaker,
                       const struct cw_cw_ctx *prev, const struct cw_cw_ctx *next);
float cw_cw_score_of_logit(double z);
double cw_cw_logit_below(double score);

/* The threshold the model's trainer suggests (the file's "threshold"). */
float cw_cw_model_threshold(const struct cw_cw_model *m);

/* ---- feature extraction and training (used by `claimwire train`) ---- */

/* A sparse feature vector.  idx[i] < cw_cw_dim(bits): hashed buckets first,
 * then the dense features at (1 << bits) + k.  Indices may repeat (two
 * tokens in one bucket); a dot product just adds them. */
struct cw_cw_features {
	uint32_t idx[CW_CW_MAX_FEATURES];
	float val[CW_CW_MAX_FEATURES];
	size_t n;
};

/* Number of weights of a model with 2^bits buckets (buckets + dense). */
size_t cw_cw_dim(unsigned bits);

/* Fills out with the features of one sentence.  Never allocates. */
void cw_cw_extract(const char *sentence, size_t len, const char *speaker, size_t speaker_len,
                   uint32_t seed, unsigned bits, struct cw_cw_features *out);

/* One training sentence (borrowed strings). */
struct cw_cw_example {
	const char *text;
	size_t len;
	const char *speaker; /* may be NULL */
	size_t speaker_len;
	const char *prev, *next; /* neighbouring sentences, may be NULL */
	size_t prev_len, next_len;
	int label;        /* 1 = check-worthy */
	int other_corpus; /* from a corpus other than debate transcripts (ClaimBuster):
	                     a training-only feature that soaks up that corpus's base
	                     rate, never set when scoring */
	unsigned group;   /* the text (debate) it comes from, 1-based; 0 = none.  The
	                     ranking loss pairs sentences of one group only. */
};

/* Features of one example, with its context.  Never allocates. */
void cw_cw_extract_ex(const struct cw_cw_example *e, uint32_t seed, unsigned bits,
                      struct cw_cw_features *out);

/* cw_cw_score_ctx() of an example. */
float cw_cw_score_example(const struct cw_cw_model *m, const struct cw_cw_example *e);

struct cw_cw_train_opts {
	unsigned bits;     /* log2 of hashed buckets (CW_CW_DEFAULT_BITS) */
	uint32_t seed;     /* feature hashing seed (CW_CW_DEFAULT_SEED) */
	unsigned epochs;   /* passes over the data (SGD) */
	double lr;         /* initial learning rate; decays as lr / (1 + t / n) */
	double l2;         /* L2 penalty per example (lambda) */
	double pos_weight; /* loss weight of a positive; 0 = balance the classes */
	uint64_t shuffle_seed;
	/* Ranking: each grouped sentence also takes one step on a pairwise
	 * logistic loss log(1 + exp(s_neg - s_pos)) against a random sentence of
	 * the other label from its group, weighted rank_mix, while its pointwise
	 * step is weighted 1 - rank_mix (0 = pointwise only, 1 = pairwise only
	 * for grouped sentences).  AP ranks within a debate, so this trains on
	 * what it measures. */
	double rank_mix;
	double other_weight; /* loss weight of other_corpus sentences (1 = as any) */
	unsigned bag;        /* models averaged, each with its own data order (1 = one);
	                        a mean of linear models is one linear model, so the
	                        file and the scorer stay the same size */
	/* Called after each epoch with the model so far (may be NULL). */
	void (*on_epoch)(unsigned epoch, const struct cw_cw_model *m, void *opaque);
	void *opaque;
};

/* Sensible defaults for the fields above. */
void cw_cw_train_opts_init(struct cw_cw_train_opts *o);

/* Trains a model with averaged SGD on logistic loss, blended with a pairwise
 * ranking loss by rank_mix (deterministic for a given shuffle_seed).  Returns a model the caller
 * frees with cw_cw_model_free(). */
struct cw_cw_model *cw_cw_train(const struct cw_cw_example *ex, size_t n,
                                const struct cw_cw_train_opts *o);

/* The model's weights, cw_cw_dim(bits) of them (borrowed; for trainers).
 * A loaded model's are only to be read: its scorer relies on their range. */
float *cw_cw_model_weights(const struct cw_cw_model *m);

/* Writes a model in the text format above, non-zero weights only (weights
 * with |w| < prune are dropped).  0 or CW_ERR_IO with errstr. */
int cw_cw_model_save(const struct cw_cw_model *m, const char *path, double prune, float threshold,
                     char *errstr, size_t errsize);

/* Average precision of a ranking by descending score (ties broken by input
 * order): mean over positives of the precision at each positive's rank.
 * 0 when there is no positive. */
double cw_cw_average_precision(const float *scores, const int *labels, size_t n);

/* Precision among the k highest-scored (k > n counts the missing as misses). */
double cw_cw_precision_at(const float *scores, const int *labels, size_t n, size_t k);

#endif
