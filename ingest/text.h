/*
 * text.h — the input parsers inside ingest/ (internal): one plain-text
 * article, one JSON article object, one RSS/Atom feed (ingest/feed.c).
 */
#ifndef CW_INGEST_TEXT_H
#define CW_INGEST_TEXT_H

#include <stddef.h>

#include "ingest/ingest.h"

/* Reads len bytes of plain text into a (outlet, title, body, requested and
 * the fields a file names).  Returns 0, or CW_ERR_INVALID with errstr
 * ("invalid UTF-8 at byte 17"). */
int cw_ingest_text_article(const char *buf, size_t len, struct cw_ingest_article *a, char *errstr,
                           size_t errsize);

/* Completes a parsed article: cleans outlet, title, url, id and language
 * (defaults from o), rejects an empty body, computes the id when the source
 * gave none and the body fingerprints (when o->nz).  Returns 0 or
 * CW_ERR_INVALID with errstr. */
int cw_ingest_finish(struct cw_ingest_article *a, const struct cw_ingest_opts *o, char *errstr,
                     size_t errsize);

/* One item of a feed (ingest/feed.c), as handed to the reader's callback. */
struct cw_ingest_feed_item {
	/* title, url, id, outlet, language, published and the cleaned body;
	 * owned by the reader and released after the callback, which may steal
	 * strings by setting them to NULL.  Unusable when error is set. */
	struct cw_ingest_article *a;
	size_t line;       /* line of the <item> or <entry> start tag */
	const char *bytes; /* the item's bytes (borrowed; in UTF-8 when the feed was not) */
	size_t len;
	const char *error; /* NULL, or why the item cannot be used */
};

/*
 * Reads an RSS 2.0, RSS 1.0 (RDF) or Atom feed of len bytes.  The whole feed
 * is checked first: when it is not well-formed XML (or not a feed, or not in
 * an encoding claimwire reads) nothing is delivered and CW_ERR_INVALID comes
 * back with errstr ("end tag </item> does not match <title> of line 7") and
 * *errline the line it concerns.  Otherwise item() is called once per item
 * in order; it returns 0, or a negative value that stops the reading and is
 * returned.  Every field of an item is capped at max bytes (an item over it
 * is delivered with error set).  outlet, when not NULL or "", wins over the
 * channel's title as every item's outlet.
 */
int cw_ingest_feed_read(const char *buf, size_t len, size_t max, const char *outlet,
                        int (*item)(const struct cw_ingest_feed_item *it, void *opaque),
                        void *opaque, size_t *errline, char *errstr, size_t errsize);

/* Whether the input's first element (after an XML declaration, comments and a
 * DOCTYPE, within its first 4 KiB) is <rss>, <rdf:RDF> or an Atom <feed>. */
int cw_ingest_feed_sniff(const char *buf, size_t len);

#endif
