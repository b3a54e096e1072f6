/*
 * follow.h — what `claimwire ingest --follow DIR` has already ingested.
 *
 * A folder being followed is polled every second; a file is ingested once
 * its size and modification time have held still for one poll, and recorded
 * in a small state file only after the broker acknowledged its records, so a
 * crash re-ingests the file (article ids are stable: duplicates are harmless
 * downstream) and never skips it.  A file that changes later (new size or
 * mtime) is ingested again.
 *
 * The state file is a text file of lines "SIZE MTIME_NS PATH", appended and
 * fsync'ed per file; on load the last line for a path wins.  Paths holding a
 * newline are not recorded (the caller skips them).
 */
#ifndef CW_INGEST_FOLLOW_H
#define CW_INGEST_FOLLOW_H

#include <stddef.h>
#include <stdint.h>

/* A set of (path, size, mtime) in memory, optionally backed by a state file. */
struct cw_ingest_seen;

/* Loads the state file at path (a missing file is an empty set) and keeps it
 * open for appending; path NULL: in memory only.  Lines that do not parse
 * are skipped.  NULL with errstr when the file cannot be read or created.
 * Free with cw_ingest_seen_free(). */
struct cw_ingest_seen *cw_ingest_seen_open(const char *path, char *errstr, size_t errsize);
void cw_ingest_seen_free(struct cw_ingest_seen *s);

/* Whether name was recorded with this size and mtime (nanoseconds). */
int cw_ingest_seen_has(const struct cw_ingest_seen *s, const char *name, int64_t size,
                       int64_t mtime_ns);

/* Records name with its size and mtime, in memory and (when backed) in the
 * state file, flushed to disk before returning.  Returns 0; CW_ERR_INVALID
 * for a name with a newline; CW_ERR_IO with errstr when the write failed. */
int cw_ingest_seen_add(struct cw_ingest_seen *s, const char *name, int64_t size, int64_t mtime_ns,
                       char *errstr, size_t errsize);

/* Number of paths in the set. */
size_t cw_ingest_seen_count(const struct cw_ingest_seen *s);

#endif
