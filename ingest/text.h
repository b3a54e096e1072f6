/*
 * text.h — the input parsers inside ingest/ (internal): one plain-text
 * article, one JSON article object, one RSS/Atom feed.
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

#endif
