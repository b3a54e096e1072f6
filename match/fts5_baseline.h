/*
 * fts5_baseline.h — SQLite FTS5 over an evaluation collection, the named
 * baseline claimwire's retrieval is measured against (quality and speed):
 * an in-memory database, fts5(vclaim, title, tokenize='porter'), the
 * query's words OR-ed, ranked by bm25().
 */
#ifndef CW_MATCH_FTS5_BASELINE_H
#define CW_MATCH_FTS5_BASELINE_H

#include <stddef.h>

#include "match/evalset.h"

struct cw_fts5;

/* Builds the table from es->docs.  NULL with errstr on a SQLite error.
 * Free with cw_fts5_free(). */
struct cw_fts5 *cw_fts5_new(const struct cw_evalset *es, char *errstr, size_t errsize);
void cw_fts5_free(struct cw_fts5 *fb);

/* Ranks for a raw query; fills up to k positions into es->docs, best first.
 * Returns the number filled. */
size_t cw_fts5_search(struct cw_fts5 *fb, const char *text, size_t *docs, size_t k);

#endif
