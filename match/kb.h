/*
 * kb.h — the knowledge base: fact-checks (verified statements) in Redis, their
 * loaders for every input format, and claimwire's rating scale.
 *
 * Key schema (every key starts with redis.key_prefix, "cw:" by default):
 *
 *   cw:fc:{<id>}       HASH, one per fact-check.  Fields: id, claim, title,
 *                      rating (the publisher's words), rating_normalized (the
 *                      scale's name: "true", "mostly true", "mixed", "mostly
 *                      false", "false", "unproven", "other", "unrated"),
 *                      publisher, url, date (YYYY-MM-DD when known), claimant,
 *                      normalized (extract/normalize.h text), fingerprint (16
 *                      hex digits, extract/fingerprint.h exact), updated_ms
 *                      (Redis server time of the last change) and hash (XXH3-64
 *                      of the content fields: what "changed" means).
 *   cw:fc:log          ZSET, member = id, score = updated_ms of the last change.
 *                      It is both the index of every id and the change log:
 *                      ZRANGEBYSCORE from the last look gives what is new.
 *   cw:fc:fp:<fp>      SET of the ids whose claim has exact fingerprint <fp>
 *                      (two publishers may check the same claim).
 *
 * Cluster slots: no command or transaction ever names two of these keys, so
 * none has to share a slot.  A fact-check is written as ordinary pipelined
 * commands in a crash-safe order instead of a MULTI: the fingerprint set and
 * the log entry first, the hash (with its content hash) last.  A write cut
 * short leaves the old content hash in place, so the next load sees the
 * record as changed and writes it all again.  The {id} hash tag keeps any
 * future per-fact-check key (cw:fc:{id}:...) in the hash's slot.
 *
 * Loading is idempotent: a record whose content hash equals the stored one is
 * not written at all (no new log entry); a changed record (a new rating, say)
 * is rewritten in place and moves to the end of the log.  Fact-checks are not
 * deleted by loading.
 *
 * Input formats (detected from the content, or forced):
 *   jsonl        one JSON object a line: CheckThat! vclaims (PolitiFact:
 *                vclaim_id, vclaim, title, truth_label, speaker, date, url path;
 *                Snopes: vclaim_id, vclaim, title, author, date, page_url) and
 *                the generic fields of csv below.
 *   claimreview  schema.org ClaimReview JSON-LD: one object, an array, or an
 *                @graph.
 *   factcheckapi a Google Fact Check Tools claims:search response.
 *   csv          RFC 4180 with a header row naming columns: claim, rating, url,
 *                publisher, date, claimant, title, id (any order, others ignored).
 * A bad record is reported as "FILE:LINE: message", counted and skipped.
 *
 * Ids: the source's own id when it has one (vclaim_id, CSV id), else
 * "fc-" + XXH3-64 of the review URL, else of publisher + claim.
 */
#ifndef CW_KB_H
#define CW_KB_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/redis.h"
#include "extract/normalize.h"
#include "proto/claimwire.pb-c.h"

/* One fact-check in memory.  Every string field is a heap string or NULL
 * (treated as ""); the struct owns them: free with cw_factcheck_release(). */
struct cw_factcheck {
	char *id;
	char *claim;
	char *title;
	char *rating; /* the publisher's words, "" when it published none */
	Claimwire__Rating rating_normalized;
	char *publisher;
	char *url;
	char *date;
	char *claimant;
	char *normalized;   /* normalised claim text */
	char *fingerprint;  /* exact fingerprint, 16 hex digits */
	int64_t updated_ms; /* set when read from Redis; 0 otherwise */
};

void cw_factcheck_release(struct cw_factcheck *fc);
/* Deep copy into dst (which is overwritten, not released). */
void cw_factcheck_copy(struct cw_factcheck *dst, const struct cw_factcheck *src);

/*
 * The rating scale.  cw_rating_normalize maps a publisher's words to the
 * scale, case- and punctuation-insensitively: PolitiFact labels (true,
 * mostly-true, half-true → mixed, barely-true → mostly false, false,
 * pants-fire → false, full-flop/half-flip/no-flip → other), Snopes words
 * (Mixture → mixed, Unproven, Miscaptioned/Misattributed/Scam/Legend/Fake →
 * false, Correct Attribution → true, Satire/Outdated/... → other) and the
 * common textual ratings of other fact-checkers ("Pants on Fire!", "Four
 * Pinocchios", "Misleading", "Partly false", "Lacks context"...).  An empty
 * rating is RATING_UNSPECIFIED ("unrated": the publisher gave none, as in the
 * Snopes vclaims); a non-empty one not recognised is RATING_OTHER.
 */
Claimwire__Rating cw_rating_normalize(const char *rating, size_t len);
/* "true", "mostly true", "mixed", "mostly false", "false", "unproven",
 * "other", "unrated".  Static string. */
const char *cw_rating_name(Claimwire__Rating r);
/* Inverse of cw_rating_name; RATING_UNSPECIFIED when unknown. */
Claimwire__Rating cw_rating_from_name(const char *name);

enum cw_kb_format {
	CW_KB_AUTO = 0,
	CW_KB_JSONL,
	CW_KB_CLAIMREVIEW,
	CW_KB_FACTCHECKAPI,
	CW_KB_CSV,
};
/* "auto", "jsonl", "claimreview", "factcheckapi", "csv"; -1 when unknown. */
int cw_kb_format_parse(const char *name);
const char *cw_kb_format_name(enum cw_kb_format f);
/* Guesses the format of a file's content (never CW_KB_AUTO). */
enum cw_kb_format cw_kb_detect(const char *buf, size_t len);

/*
 * Parses a whole input into fact-checks, calling fn for each (fc borrowed for
 * the call; fn may take its strings by moving them out and NULLing them).
 * name is used in messages.  Bad records are reported "NAME:LINE: message" to
 * errors (stderr when NULL), counted in *nerrors and skipped.  nz normalises
 * the claim (normalized, fingerprint); NULL leaves both empty.  Returns 0, the
 * first non-zero value of fn, or CW_ERR_INVALID when the input as a whole
 * cannot be read (not JSON at all, no CSV header): then errstr says why.
 */
int cw_kb_parse(const char *name, const char *buf, size_t len, enum cw_kb_format format,
                struct cw_norm *nz, FILE *errors, int (*fn)(struct cw_factcheck *fc, void *opaque),
                void *opaque, size_t *nerrors, char *errstr, size_t errsize);

struct cw_kb_counts {
	size_t added, updated, unchanged, errors;
};

/* Outcome of one cw_kb_put record. */
enum { CW_KB_ADDED = 1, CW_KB_UPDATED, CW_KB_UNCHANGED };

/*
 * Stores n fact-checks in two round trips (read content hashes; write what
 * changed).  outcome[i] (may be NULL) gets CW_KB_ADDED/UPDATED/UNCHANGED.
 * fcs[i] must have id and claim.  CW_ERR_RETRY when Redis is unavailable
 * (safe to call again with the same records).
 */
int cw_kb_put(struct cw_redis *r, const struct cw_factcheck *fcs, size_t n, int *outcome,
              char *errstr, size_t errsize);

struct cw_kb_load_opts {
	enum cw_kb_format format; /* CW_KB_AUTO to detect */
	struct cw_norm *nz;       /* normaliser for claims (required) */
	FILE *errors;             /* bad-record reports; NULL = stderr */
	size_t batch;             /* records per cw_kb_put; 0 = 500 */
	size_t max_bytes;         /* largest file read; 0 = 1 GiB */
};

/* Reads, parses and stores one file; adds to *counts.  Returns 0 (bad records
 * are only counted), CW_ERR_IO / CW_ERR_TOO_BIG / CW_ERR_INVALID for the file,
 * or CW_ERR_RETRY when Redis failed (a later load redoes only what is left). */
int cw_kb_load_file(struct cw_redis *r, const char *path, const struct cw_kb_load_opts *o,
                    struct cw_kb_counts *counts, char *errstr, size_t errsize);
/* The same for a buffer in memory; name is used in messages. */
int cw_kb_load_buffer(struct cw_redis *r, const char *name, const char *buf, size_t len,
                      const struct cw_kb_load_opts *o, struct cw_kb_counts *counts, char *errstr,
                      size_t errsize);

/* Reads one fact-check by id into *fc (release it).  CW_ERR_NOT_FOUND when
 * there is none. */
int cw_kb_get(struct cw_redis *r, const char *id, struct cw_factcheck *fc, char *errstr,
              size_t errsize);

/*
 * Calls fn for every fact-check changed at or after since_ms (Redis server
 * time, ms), oldest change first, fetched in pipelined batches of a few
 * hundred.  fc is borrowed for the call.  *new_since gets the value to pass
 * next time.  A fact-check may be reported again on the next call (changes
 * within CW_KB_CHANGES_OVERLAP_MS of the last one are re-read, so that a write
 * racing the poll is never missed): callers upsert by id.  fn returning
 * non-zero stops the walk and is returned.  CW_ERR_RETRY when Redis is down.
 */
#define CW_KB_CHANGES_OVERLAP_MS 2000
int cw_kb_changes_since(struct cw_redis *r, int64_t since_ms,
                        int (*fn)(const struct cw_factcheck *fc, void *opaque), void *opaque,
                        int64_t *new_since, char *errstr, size_t errsize);

/* Every fact-check (the initial load of a match worker); *new_since as above,
 * to continue with cw_kb_changes_since(). */
int cw_kb_foreach(struct cw_redis *r, int (*fn)(const struct cw_factcheck *fc, void *opaque),
                  void *opaque, int64_t *new_since, char *errstr, size_t errsize);

/* Number of fact-checks (ZCARD of the log). */
int cw_kb_count(struct cw_redis *r, long long *n, char *errstr, size_t errsize);

/* Ids of the fact-checks whose claim has exact fingerprint fp (16 hex);
 * calls fn for each id (borrowed). */
int cw_kb_ids_by_fingerprint(struct cw_redis *r, const char *fp,
                             int (*fn)(const char *id, void *opaque), void *opaque, char *errstr,
                             size_t errsize);

#endif
