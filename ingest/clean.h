/*
 * clean.h — the pieces of article cleaning that the input parsers share
 * (internal to ingest/): text normalised into trimmed lines, and the page
 * furniture patterns (ingest/furniture.c).
 */
#ifndef CW_INGEST_CLEAN_H
#define CW_INGEST_CLEAN_H

#include <stddef.h>

enum cw_ingest_line_kind {
	CW_LINE_TEXT = 0, /* a line of text */
	CW_LINE_BLANK,    /* an empty line: ends a paragraph */
	CW_LINE_DROP,     /* removed (header, furniture): skipped, ends nothing */
};

struct cw_ingest_span {
	size_t off, len; /* bytes in cw_ingest_lines.text */
	enum cw_ingest_line_kind kind;
};

/* A text after NFC and whitespace normalisation, cut into lines.  Each line
 * is trimmed, its runs of spaces are single ASCII spaces, and text[off+len]
 * is '\n' or the final NUL. */
struct cw_ingest_lines {
	char *text;
	size_t len;
	struct cw_ingest_span *v;
	size_t n, cap;
};

/* Normalises len bytes of valid UTF-8 into ls (NFC; CR LF, CR, U+2028 to
 * line breaks, U+2029 to a blank line; Unicode spaces and tabs to spaces;
 * zero-width characters, soft hyphens and control characters dropped).
 * Returns 0, or CW_ERR_INVALID when s is not valid UTF-8. */
int cw_ingest_lines_split(struct cw_ingest_lines *ls, const char *s, size_t len);
void cw_ingest_lines_release(struct cw_ingest_lines *ls);

/* Marks furniture lines CW_LINE_DROP, cuts trailing blocks ("Related:",
 * "Most recent" followed by nothing but short lines), and removes inline
 * credits such as "(Image source: YouTube)" from the text lines. */
void cw_ingest_lines_strip_furniture(struct cw_ingest_lines *ls);

/* Joins the text lines into paragraphs separated by "\n\n" (a line break
 * inside a block becomes a space unless the line before is long or the next
 * starts with a speaker label such as "TRUMP:").  Heap string, caller frees. */
char *cw_ingest_lines_join(const struct cw_ingest_lines *ls, size_t *outlen);

/* Whether a whole line is page furniture ("Watch LIVE", "Advertisement",
 * "Photo by ...", cookie and subscribe prompts). */
int cw_ingest_is_furniture(const char *s, size_t len);

/* Whether a line alone opens a trailing block of links ("Most recent",
 * "Related", "Read next"). */
int cw_ingest_is_tail_start(const char *s, size_t len);

/* Removes inline credits in place: "(Image source: YouTube)", "(Photo by
 * ...)", "(Getty Images)", "(AP Photo/...)".  Returns the new length. */
size_t cw_ingest_strip_inline(char *s, size_t len);

/* Number of space-separated words in a normalised line. */
size_t cw_ingest_word_count(const char *s, size_t len);

#endif
