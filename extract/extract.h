/*
 * extract.h — the extract stage's logic, without I/O: one article body in,
 * its claims out.
 *
 * For each sentence (extract/sentence.h) of the body: page furniture ("Watch
 * LIVE", image credits, a line in brackets), questions and over-long
 * sentences are skipped; the check-worthiness model scores the sentence with
 * its speaker; the attribution is taken off (extract/attribution.h); the claim
 * text is normalised (extract/normalize.h) and fingerprinted
 * (extract/fingerprint.h).  A sentence is a claim when its score is at least
 * extract.min_score and its normalised text has at least extract.min_tokens
 * tokens; it is check-worthy at extract.threshold.
 *
 * Speakers: a paragraph opening with a transcript's speaker label ("Donald
 * Trump: ...", "BILL O'REILLY: ...", 1-4 capitalised words, a title allowed,
 * then ": " and a finished sentence) is that speaker's, every sentence of
 * it, whole (a "he said that" inside is what the labelled speaker said), and
 * the label is no part of its first sentence; "Note:", "Update:" and
 * headlines without a final stop are no labels.  Elsewhere, a sentence's
 * own attribution first ("the speaker" and "the surrogate" refer back to
 * the last speaker, "a campaign surrogate"); inside a quotation that runs
 * over several sentences, the attribution found anywhere in it ('"This is his
 * job. He was talking about ...," Peskov said.'); a pronoun ("he said")
 * resolves to the most recent named speaker in the article; else the
 * default speaker the caller passes (a transcript's speaker column), else
 * none (the article's own voice).
 */
#ifndef CW_EXTRACT_H
#define CW_EXTRACT_H

#include <stddef.h>
#include <stdint.h>

#include "lib/config.h"

struct cw_extractor;

/* One claim.  Every pointer is borrowed and valid only during the on_claim
 * call: sentence, text and speaker point into the body passed in; normalized
 * and minhash into the extractor's scratch memory. */
struct cw_extracted_claim {
	uint32_t sentence_index;       /* 0-based, among the body's sentences */
	uint32_t start_byte, end_byte; /* the sentence's bytes in the body: [start, end) */
	uint32_t claim_index;          /* 0-based among this body's claims */
	uint32_t claim_count;          /* claims in this body */
	const char *sentence;          /* the whole sentence as written */
	size_t sentence_len;
	const char *text; /* the claim, attribution taken off */
	size_t text_len;
	const char *speaker; /* "Dmitry Peskov"; NULL when none */
	size_t speaker_len;
	const char *normalized; /* tokens joined by spaces, NUL-terminated */
	size_t normalized_len;
	size_t normalized_tokens;
	uint64_t fingerprint; /* exact: cw_fp_exact of the normalised tokens */
	uint64_t simhash;
	const uint32_t *minhash; /* extract.minhash_size values */
	size_t minhash_len;
	float checkworthiness; /* [0, 1] */
	int check_worthy;      /* checkworthiness >= extract.threshold */
};

/* What the last cw_extractor_run() saw, for logs and metrics. */
struct cw_extract_stats {
	size_t sentences; /* sentences looked at */
	size_t skipped_furniture, skipped_questions, skipped_short, skipped_score;
	size_t claims; /* claims reported */
	size_t check_worthy;
	int truncated; /* more than extract.max_sentences sentences */
};

/* Reads the extract.* keys and loads the check-worthiness weights.  NULL
 * with errstr on failure (a missing or bad weights file, an unknown
 * language, LSH bands needing more than extract.minhash_size values).  One
 * extractor per thread.  Free with cw_extractor_free(). */
struct cw_extractor *cw_extractor_new(const struct cw_config *cfg, char *errstr, size_t errsize);
void cw_extractor_free(struct cw_extractor *ex);

/* Finds the claims of body[0..len) (UTF-8, need not be NUL-terminated) and
 * calls on_claim for each, in order, after all of them are known (so that
 * claim_count is set).  Returns 0; CW_ERR_TOO_BIG when len exceeds
 * extract.max_article_bytes (nothing is reported); or the first non-zero
 * value on_claim returns, which stops the run. */
int cw_extractor_run(struct cw_extractor *ex, const char *body, size_t len,
                     int (*on_claim)(const struct cw_extracted_claim *c, void *opaque),
                     void *opaque);

/* As cw_extractor_run(), with a default speaker for sentences that name none
 * (a debate transcript's speaker column); speaker may be NULL. */
int cw_extractor_run_speaker(struct cw_extractor *ex, const char *body, size_t len,
                             const char *speaker, size_t speaker_len,
                             int (*on_claim)(const struct cw_extracted_claim *c, void *opaque),
                             void *opaque);

/* Counters of the last run. */
void cw_extractor_stats(const struct cw_extractor *ex, struct cw_extract_stats *out);

/* Whether a sentence is page furniture rather than prose ("Watch LIVE",
 * "Most recent", "(Image source: YouTube)", "Getty Images").  Exposed for
 * tests. */
int cw_extract_is_furniture(const char *s, size_t len);

#endif
