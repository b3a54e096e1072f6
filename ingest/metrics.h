/*
 * metrics.h — ingest's counters for the dashboard's /metrics.
 *
 * Workers add their counts to the Redis hash <prefix>metrics:<stage> after
 * each batch (lib/worker.c); ingest is not a worker loop, so it adds its
 * counts once a run has produced: articles as produced, dead letters, and
 * inputs read.  Best effort: Redis being down costs the counts, never the
 * run.
 */
#ifndef CW_INGEST_METRICS_H
#define CW_INGEST_METRICS_H

#include "lib/redis.h"

struct cw_ingest_counts {
	unsigned long long articles;     /* Article records produced */
	unsigned long long dead_letters; /* records sent to the dead-letter topic */
	unsigned long long inputs;       /* files (or stdin) read */
};

/* HINCRBY <prefix>metrics:ingest produced / dead_letters / inputs by c, in
 * one round trip.  Returns 0; CW_ERR_RETRY with errstr when Redis cannot be
 * reached; CW_ERR with the server's message when it refused a command. */
int cw_ingest_metrics_add(struct cw_redis *r, const struct cw_ingest_counts *c, char *errstr,
                          size_t errsize);

#endif
