/*
 * metrics.c — adding ingest's counts to <prefix>metrics:ingest, the hash the
 * report worker serves on /metrics beside the workers' own.
 */
#include <stdio.h>

#include "ingest/metrics.h"
#include "lib/common.h"

int cw_ingest_metrics_add(struct cw_redis *r, const struct cw_ingest_counts *c, char *errstr,
                          size_t errsize)
{
	char key[256];
	redisReply **rep;
	size_t n;
	int rc;

	cw_redis_key(r, key, sizeof(key), "metrics:ingest");
	cw_redis_append(r, "HINCRBY %s produced %llu", key, c->articles);
	cw_redis_append(r, "HINCRBY %s dead_letters %llu", key, c->dead_letters);
	cw_redis_append(r, "HINCRBY %s inputs %llu", key, c->inputs);
	rc = cw_redis_exec(r, &rep, &n, errstr, errsize);
	for (size_t i = 0; rc == CW_OK && i < n; i++) {
		if (rep[i]->type == REDIS_REPLY_ERROR) {
			snprintf(errstr, errsize, "%s: %.*s", key,
			         (int)CW_MIN(rep[i]->len, (size_t)200), rep[i]->str);
			rc = CW_ERR;
		}
	}
	return rc;
}
