/*
 * normalize.h — the one text normalisation claimwire applies to claims and to
 * fact-checks alike, so that both sides of a match see the same tokens.
 *
 * Steps, in order: Unicode NFKC and case folding (utf8proc); quotes, dashes
 * and apostrophes unified; punctuation dropped (except inside numbers and
 * words such as "U.S." → "us", "don't" → "dont"); numbers written one way
 * ("2,000" and "2000" → "2000", "1.50" → "1.5", "%" → "percent"); stop words
 * dropped (unless CW_NORM_KEEP_STOPWORDS); Snowball stemming (libstemmer,
 * language set at creation, English by default; off with CW_NORM_NO_STEM).
 * Deterministic: no locale, no platform dependence.
 */
#ifndef CW_NORMALIZE_H
#define CW_NORMALIZE_H

#include <stddef.h>
#include <stdint.h>

enum {
	CW_NORM_KEEP_STOPWORDS = 1 << 0,
	CW_NORM_NO_STEM = 1 << 1,
};

/* The tokens of one normalised text.  Memory belongs to the cw_norm and stays
 * valid until its next cw_norm_text() call or cw_norm_free(). */
struct cw_tokens {
	const char *text;     /* tokens joined by single spaces, NUL-terminated */
	size_t len;           /* bytes in text, without the NUL */
	size_t n;             /* number of tokens */
	const uint32_t *off;  /* off[i]: byte offset of token i in text */
	const uint32_t *tlen; /* tlen[i]: bytes in token i */
};

struct cw_norm;

/* Creates a normaliser for a Snowball language name ("english", "german"...).
 * NULL with errstr when the language is unknown.  Not thread-safe: one per
 * thread.  Free with cw_norm_free(). */
struct cw_norm *cw_norm_new(const char *language, char *errstr, size_t errsize);
void cw_norm_free(struct cw_norm *nz);

/* Normalises len bytes of UTF-8 (invalid sequences are replaced, never
 * fatal; text over 1 MiB is cut there).  flags: CW_NORM_*.  Returns 0. */
int cw_norm_text(struct cw_norm *nz, const char *s, size_t len, unsigned flags,
                 struct cw_tokens *out);

/* Whether a folded, unstemmed word is an English stop word. */
int cw_norm_is_stopword(const char *w, size_t len);

/* The stop-word list, sorted bytewise: its size, and entry i (NULL past the
 * end).  For tests and for tools that show what is dropped. */
size_t cw_norm_stopword_count(void);
const char *cw_norm_stopword_at(size_t i);

#endif
