/*
 * ingest.h — turning outside bytes into clean articles, without any I/O.
 *
 * claimwire reads news from plain-text files (what an editor pastes: "Please
 * verify", the outlet's name, the headline, then the story with the page's
 * buttons and captions still in it), JSON lines and JSON documents of article
 * objects, and RSS 2.0 / Atom feeds.  Everything here works on buffers the
 * caller read: cw_ingest_parse() finds the articles in one input, cleans each
 * (valid UTF-8, Unicode NFC, whitespace, page furniture), gives it a stable id
 * and body fingerprints, and hands it to a sink; input it cannot use goes to
 * the sink's reject callback with its original bytes and an error naming the
 * input and the line or byte offset.  ingest/main.c does the reading and the
 * producing.
 */
#ifndef CW_INGEST_H
#define CW_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "extract/normalize.h"

/* One cleaned article.  Every string is a NUL-terminated heap copy owned by
 * the struct (NULL when absent); release with cw_ingest_article_release(). */
struct cw_ingest_article {
	char *id;     /* 16 hex digits, or the id the feed gave */
	char *outlet; /* "Blaze Media" */
	char *url;
	char *title;
	char *body;        /* paragraphs joined by "\n\n", NFC, no furniture */
	size_t body_len;   /* bytes in body */
	char *language;    /* BCP 47 tag, "en" */
	char *source;      /* where it came from: "path", "path:12" (line of JSON lines) */
	int64_t published; /* unix seconds, 0 when unknown */
	uint64_t body_simhash;
	uint64_t body_fingerprint;
	int requested; /* the text opened with a request such as "Please verify" */
};

void cw_ingest_article_release(struct cw_ingest_article *a);

/* Input formats.  CW_INGEST_AUTO decides from the name's extension, then from
 * the first bytes.  An input whose first element is <rss>, <rdf:RDF> or an
 * Atom <feed> is a feed whatever its name; then .txt .md .text: text; .json
 * .jsonl .ndjson: JSON; .xml .rss .atom: a feed; then '{' or '[': JSON, '<':
 * a feed, anything else: text. */
enum cw_ingest_format {
	CW_INGEST_AUTO = 0,
	CW_INGEST_TEXT, /* one article per input, *.txt *.md */
	CW_INGEST_JSON, /* JSON lines, a JSON array of objects, or one object */
	CW_INGEST_FEED, /* RSS 2.0 or Atom */
};

struct cw_ingest_opts {
	const char *default_outlet; /* when the input does not name one; NULL: "" */
	/* Wins over the outlet a feed names (its channel title); NULL or "":
	 * the feed's own.  `claimwire ingest --outlet` sets both. */
	const char *outlet;
	const char *language;     /* BCP 47, NULL: "en" */
	size_t max_article_bytes; /* raw bytes of one article; 0: 1 MiB */
	/* Normaliser for the body fingerprints (extract/normalize.h); NULL leaves
	 * body_simhash and body_fingerprint 0. */
	struct cw_norm *nz;
};

/*
 * Where cw_ingest_parse() delivers.  article() takes the article for the
 * duration of the call (cw_ingest_parse releases it afterwards; the callee
 * may steal strings by setting them to NULL) and returns 0, or a negative
 * value to stop parsing (returned by cw_ingest_parse).  reject() gets the
 * original bytes of the unusable record (borrowed) and an error such as
 * "feed.jsonl:3: invalid JSON: ..." and returns 0 or a negative value to stop.
 */
struct cw_ingest_sink {
	int (*article)(struct cw_ingest_article *a, void *opaque);
	int (*reject)(const char *bytes, size_t len, const char *error, void *opaque);
	void *opaque;
};

/* Parses one input of len bytes named name (a path, "stdin"; its extension
 * picks the format under CW_INGEST_AUTO).  Returns 0 when the whole input was
 * read (rejected records included), or the sink's negative value. */
int cw_ingest_parse(const char *name, const char *buf, size_t len, enum cw_ingest_format fmt,
                    const struct cw_ingest_opts *opts, const struct cw_ingest_sink *sink);

/* The format an input will be read as (never CW_INGEST_AUTO). */
enum cw_ingest_format cw_ingest_detect_format(const char *name, const char *buf, size_t len);

/* Whether a file name has one of the extensions ingest reads from folders:
 * .txt .md .jsonl .json .xml .rss .atom. */
int cw_ingest_wanted_name(const char *name);

/* Strict UTF-8 check (no overlongs, surrogates, code points past U+10FFFF or
 * NUL bytes).  Returns 0, or CW_ERR_INVALID with *bad set to the byte offset
 * of the first invalid sequence. */
int cw_ingest_utf8_check(const char *s, size_t len, size_t *bad);

/* Stable id: 16 lower-case hex digits of XXH3-64 over outlet, url and title,
 * and over the body too when there is no url.  NULL strings count as "". */
void cw_ingest_article_id(const char *outlet, const char *url, const char *title, const char *body,
                          size_t body_len, char out[17]);

/* Parses a publication time into unix seconds: ISO 8601 ("2017-03-26",
 * "2017-03-26T14:05:00Z", "...+02:00"), RFC 822 as feeds write it ("Sun, 26
 * Mar 2017 14:05:00 GMT"), "March 26, 2017", or a decimal number of unix
 * seconds.  Returns 0 or CW_ERR_INVALID. */
int cw_ingest_parse_time(const char *s, size_t len, int64_t *out);

/* Cleans an article body: NFC, whitespace (every Unicode space becomes one
 * ASCII space, lines trimmed, soft-wrapped lines of a paragraph joined by a
 * space), page furniture removed (see ingest/furniture.c for the patterns),
 * paragraphs joined by "\n\n".  s must be valid UTF-8.  Returns a heap string
 * (caller frees) and its length in *outlen; NULL on a UTF-8 error. */
char *cw_ingest_clean_body(const char *s, size_t len, size_t *outlen);

/* Cleans a one-line field (title, outlet): NFC, every run of whitespace one
 * space, trimmed.  Heap string (caller frees); NULL on a UTF-8 error. */
char *cw_ingest_clean_line(const char *s, size_t len);

#endif
