/*
 * sentence.h — split an article body (UTF-8 English news or a debate
 * transcript) into sentences without copying: each sentence is a byte range
 * of the caller's text.
 *
 * One pass over the bytes with a class table; a boundary is decided from a
 * small window around each candidate ('.', '!', '?', '…', line breaks).
 * Handled: abbreviations and titles (Mr., Dr., U.S., Jan., Gov., Inc., vs.,
 * etc., e.g., i.e. ...), initials ("George W. Bush"), decimals and money
 * ($1.5 billion, 3.5%), ellipses ("..." and U+2026), quotations that end a
 * sentence or carry on into an attribution ('"It is false," Peskov said.'
 * is one sentence; 'He said: "It is false." Then ...' splits after the
 * closing quote), straight and curly quotes (“ ” ‘ ’), "(sic)" and other
 * parentheses, URLs, e-mail addresses, @handles and #hashtags, paragraph
 * breaks (a blank line) and headline or bullet lines without final
 * punctuation (each its own sentence).
 *
 * Every byte of the input is either inside exactly one sentence or is
 * whitespace between sentences; sentences are returned in order, do not
 * overlap, never start or end with whitespace and are never empty.  Invalid
 * UTF-8 is treated as ordinary word bytes, never fatal.  No allocation, no
 * global state: thread-safe.
 */
#ifndef CW_SENTENCE_H
#define CW_SENTENCE_H

#include <stddef.h>
#include <stdint.h>

/* One sentence: bytes [start, start + len) of the text passed in. */
struct cw_sentence {
	size_t start; /* byte offset of the first byte */
	size_t len;   /* bytes, > 0 */
};

/* Splits text[0..len) (need not be NUL-terminated) into sentences, writing at
 * most max of them to out[] and their count to *n.  Returns 0, or
 * CW_ERR_TOO_BIG when there were more than max sentences: out[0..max) and
 * *n == max hold the first max, and the rest of the text is not reported.
 * out may be NULL when max is 0 (then *n is 0 and the call only says whether
 * the text has any sentence: CW_ERR_TOO_BIG if it has). */
int cw_sentences_split(const char *text, size_t len, struct cw_sentence *out, size_t max,
                       size_t *n);

/* The iterator behind cw_sentences_split, for callers that want sentences one
 * at a time without an array.  Initialise with cw_sentence_iter_init(), then
 * call cw_sentence_next() until it returns 0.  The text must outlive the
 * iterator; the iterator holds no other resources. */
struct cw_sentence_iter {
	const char *text;
	size_t len;
	size_t pos; /* next byte to look at */
};

void cw_sentence_iter_init(struct cw_sentence_iter *it, const char *text, size_t len);

/* Fills *s with the next sentence and returns 1, or returns 0 at the end. */
int cw_sentence_next(struct cw_sentence_iter *it, struct cw_sentence *s);

#endif
