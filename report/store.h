/*
 * store.h — the report stage's aggregate, kept in Redis so that a restarted
 * report worker, or a second replica, sees everything reported so far.
 *
 * Writes are idempotent under redelivery: one Lua script per verdict checks a
 * per-claim guard (field "seen:<claim index>" of the article hash) before it
 * touches any counter, and a redelivered verdict only replaces the stored
 * record.  When a redelivered verdict differs (the knowledge base changed
 * between two deliveries) the script moves the claim's status/rating counts
 * from the old values to the new, so counts always describe the latest
 * verdict of each claim exactly once.  A batch is pipelined: one round trip.
 *
 * Retention (report.retention_s, T; 0 = keep forever).  Every write of an
 * article or a claim cluster sets its keys to expire T seconds later, in the
 * same script, so an article, its verdicts and guards, and a cluster stay T
 * after their last write.  The indexes that list them are trimmed by
 * cw_store_trim() (the worker calls it periodically); the readers skip a
 * member whose record has expired in between.  A verdict redelivered within
 * T is counted once; one redelivered later finds nothing and counts again.
 * The counters (totals, count:*, outlets) are lifetime and never expire:
 * /metrics serves them as monotonic counters.
 *
 * Key schema.  P is redis.key_prefix ("cw:"); every report key carries the
 * {report} hash tag, so on Redis Cluster they share one slot and one script
 * may touch them all.  R = P "{report}:".
 *
 *   R article:<aid>              hash   id outlet title url published (unix s)
 *                                       first_ms last_ms claim_count claims_seen,
 *                                       no_claims (1 while the article is known
 *                                       only from its article_only record),
 *                                       and "seen:<claim index>" ->
 *                                       "status|rating|cw|fp" (the redelivery
 *                                       guard and the claim's counted state);
 *                                       expires T after its last write
 *   R verdicts:<aid>             zset   score = claim index, member = Verdict
 *                                       protobuf bytes (one member per index);
 *                                       expires with its article
 *   R articles                   zset   score = first reported (unix ms), member = aid;
 *                                       trimmed of expired articles
 *   R outlet:<outlet>:articles   zset   the same, per outlet
 *   R outlets                    zset   outlet -> articles reported (lifetime)
 *   R claim:<fp>                 hash   fingerprint text first_outlet first_article
 *                                       first_ms last_ms count status rating cw
 *                                       confirmed verdict (latest Verdict bytes);
 *                                       expires T after its last write
 *   R claim:<fp>:outlets         set    distinct outlets that carried the claim;
 *                                       expires with its claim
 *   R claims:repeated            zset   score = outlets * 1e9 + count, member = fp
 *   R review                     zset   check-worthy claims never confirmed:
 *                                       score = outlets * 10 + check-worthiness
 *   R articles:last              zset   score = last written (unix ms, the report
 *                                       worker's clock), member = "<length of
 *                                       outlet>:<outlet><aid>": what the trim
 *                                       takes out of articles and the outlet
 *                                       indexes (T > 0)
 *   R trim:cursor                string how far the trim has walked articles
 *                                       for entries articles:last lacks
 *   R claims:last                zset   score = last written (unix ms, the report
 *                                       worker's clock), member = fp: what the
 *                                       trim takes out of the two above (T > 0)
 *   R totals                     hash   articles claims check_worthy dead_letters
 *   R count:status               hash   confirmed|suggested|unverified -> claims
 *   R count:rating               hash   true|mostly-true|...|none -> claims
 *   R count:outlet               hash   outlet -> claims
 *   R count:hour                 hash   "YYYY-MM-DDTHH" (UTC) -> claims
 *   R count:dead_letters         hash   stage -> dead letters
 *   R dlq                        list   newest first, JSON objects, capped at
 *                                       report.recent_dead_letters
 *   R dlq:id:<part>:<offset>     string a dead letter stored (its redelivery
 *                                       guard); expires T after it was stored
 *
 * Older builds kept every guard forever in R seen (hash "<aid>:<claim
 * index>" -> state) and R dlq:seen (set): the scripts still consult them,
 * and the first trim sets them to expire after T.  Keys written without a
 * TTL (by those builds, or while T was 0) get one from the trim once the
 * article is first reported more than T ago; claim clusters of those builds
 * are left as they are.
 *
 * <fp> is the claim's cluster (Sightings.cluster: near-duplicates share it),
 * or its own fingerprint.  The per-stage counters that other workers keep
 * under P "metrics:<stage>" (hash: consumed produced dead_letters ...) are
 * read by cw_store_stats() for /metrics.
 *
 * One struct cw_store is used by one thread (it owns a struct cw_redis).
 */
#ifndef CW_REPORT_STORE_H
#define CW_REPORT_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/config.h"
#include "lib/redis.h"
#include "proto/claimwire.pb-c.h"

/* Rating filter value for claims without any fact-check ("none"). */
#define CW_RATING_NONE 100

/* What a page or an API call asks for.  Zero/negative fields mean "any". */
struct cw_report_filter {
	int64_t since_ms;   /* only what was reported at or after (unix ms); 0 = any */
	const char *outlet; /* exact outlet name; NULL = any (borrowed) */
	int rating;         /* Claimwire__Rating, CW_RATING_NONE, or -1 = any */
	int status;         /* Claimwire__VerdictStatus, or -1 = any */
	size_t limit;       /* rows wanted; 0 = the store's default */
};

/* Sets f to "everything" (rating/status -1). */
void cw_report_filter_init(struct cw_report_filter *f);
/* Whether v passes f's rating and status (not its time or outlet). */
int cw_report_filter_verdict(const struct cw_report_filter *f, const Claimwire__Verdict *v);

struct cw_report_article {
	char *id, *outlet, *title, *url;
	int64_t published; /* unix seconds, 0 unknown */
	int64_t first_ms, last_ms;
	unsigned claim_count, claims_seen;
	Claimwire__Verdict **verdicts; /* by claim index; unpacked, owned */
	size_t nverdicts;
};

struct cw_report_articles {
	struct cw_report_article *v;
	size_t n;
	int truncated; /* more matched than were returned */
};

/* A claim across outlets (repeated claims, review queue). */
struct cw_report_claim {
	char *fingerprint, *text, *first_outlet, *first_article_id;
	int64_t first_ms, last_ms;
	unsigned long long count; /* sightings: article x claim */
	char **outlets;           /* distinct outlets, sorted */
	size_t noutlets;
	double checkworthiness;
	Claimwire__Verdict *verdict; /* the latest verdict; may be NULL */
};

struct cw_report_claims {
	struct cw_report_claim *v;
	size_t n;
	int truncated;
};

struct cw_report_dead_letter {
	char *stage, *error, *topic, *key;
	char *value; /* the first bytes of the record, as stored (may be invalid UTF-8) */
	size_t value_len;
	size_t bytes; /* size of the whole record */
	int32_t partition;
	int64_t offset;
	int64_t at_ms;
};

struct cw_report_dead_letters {
	struct cw_report_dead_letter *v;
	size_t n;
};

struct cw_report_count {
	char *name;
	long long n;
};

struct cw_report_counts {
	struct cw_report_count *v;
	size_t n;
};

/* Per-stage counters from P "metrics:<stage>". */
struct cw_report_stage {
	char *stage;
	struct cw_report_counts fields;
};

struct cw_report_stats {
	long long articles, articles_complete, claims, check_worthy, dead_letters;
	long long review, repeated, outlets;
	struct cw_report_counts by_status, by_rating, by_outlet, by_hour, dead_by_stage;
	struct cw_report_stage *stages;
	size_t nstages;
	int filtered; /* computed from a filtered scan rather than the counters */
};

void cw_report_articles_release(struct cw_report_articles *a);
void cw_report_claims_release(struct cw_report_claims *c);
void cw_report_dead_letters_release(struct cw_report_dead_letters *d);
void cw_report_stats_release(struct cw_report_stats *s);

/* One verdict to store: the record (unpacked) and its wire bytes (the bytes
 * are what is stored, so fields this build does not know are kept). */
struct cw_store_verdict {
	const Claimwire__Verdict *verdict;
	const void *bytes;
	size_t len;
};

/* One dead letter: its value and the cw.* headers (NULL when absent);
 * partition/offset are the dead letter's own place on the DLQ topic, its
 * identity for redelivery. */
struct cw_store_dead_letter {
	const char *stage, *error, *topic, *source_partition, *source_offset;
	const void *key;
	size_t keylen;
	const void *value;
	size_t len;
	int32_t partition;
	int64_t offset;
	int64_t at_ms;
};

struct cw_store;

/* Limits of the read side. */
struct cw_store_limits {
	size_t recent_dead_letters; /* list cap (report.recent_dead_letters) */
	size_t page_limit;          /* default rows per listing */
	size_t scan_limit;          /* most articles/claims examined for one filtered listing */
	size_t preview_bytes;       /* bytes of a dead letter's record kept (JSON-escaped) */
	long long retention_s;      /* report.retention_s: keys expire this long after
	                               their last write; 0 = never */
};

/* Creates a store on its own Redis connection (redis.* keys of cfg) and the
 * report.* limits.  Returns NULL only on a bad configuration.  Free with
 * cw_store_free(). */
struct cw_store *cw_store_new(const struct cw_config *cfg, char *errstr, size_t errsize);
/* The same on an existing connection, which the store takes ownership of. */
struct cw_store *cw_store_new_redis(struct cw_redis *r, const struct cw_store_limits *lim);
void cw_store_free(struct cw_store *s);

struct cw_redis *cw_store_redis(struct cw_store *s);

/* Stores n verdicts in one round trip.  Returns 0; CW_ERR_RETRY when Redis
 * is unreachable (nothing can be assumed stored: call again with the same
 * batch); CW_ERR on a server error.  Unknown-status fields are stored as is. */
int cw_store_add_verdicts(struct cw_store *s, const struct cw_store_verdict *v, size_t n,
                          char *errstr, size_t errsize);

/* Stores n dead letters (idempotent on partition:offset). */
int cw_store_add_dead_letters(struct cw_store *s, const struct cw_store_dead_letter *d, size_t n,
                              char *errstr, size_t errsize);

/* Takes articles and claims whose keys have expired out of the listings
 * (articles, outlet:<o>:articles, claims:repeated, review), and gives a TTL
 * to keys written without one (see "Retention" above).  *removed, when not
 * NULL, is set to the number of articles and claims taken out.  A no-op
 * with retention 0.  Returns 0, CW_ERR_RETRY when Redis is unreachable, or
 * CW_ERR on a server error. */
int cw_store_trim(struct cw_store *s, size_t *removed, char *errstr, size_t errsize);

/* Read side.  Each fills *out (release it with the matching _release, also
 * after a failure) and returns 0 or a negative enum cw_err. */

/* Articles, newest first (oldest first when oldest_first), with their
 * verdicts in claim order.  With a rating/status filter only matching
 * verdicts are kept, and articles left without any are skipped. */
int cw_store_articles(struct cw_store *s, const struct cw_report_filter *f, int oldest_first,
                      struct cw_report_articles *out, char *errstr, size_t errsize);
/* Claims seen more than once, by distinct outlets then sightings. */
int cw_store_repeated(struct cw_store *s, const struct cw_report_filter *f,
                      struct cw_report_claims *out, char *errstr, size_t errsize);
/* The review queue: check-worthy claims with no confirmed fact-check, by
 * distinct outlets then check-worthiness. */
int cw_store_review(struct cw_store *s, const struct cw_report_filter *f,
                    struct cw_report_claims *out, char *errstr, size_t errsize);
/* Recent dead letters, newest first (filter: since only). */
int cw_store_dead_letters(struct cw_store *s, const struct cw_report_filter *f,
                          struct cw_report_dead_letters *out, char *errstr, size_t errsize);
/* Counts.  Without a filter they come from the counters; with one, from a
 * scan of the matching articles (stats->filtered set). */
int cw_store_stats(struct cw_store *s, const struct cw_report_filter *f,
                   struct cw_report_stats *out, char *errstr, size_t errsize);

#endif
