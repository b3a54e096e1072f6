/*
 * sightings.h — "seen before?": where and how often a claim, or a near-duplicate
 * of it, has been carried, recorded in Redis.
 *
 * Claims are grouped into clusters.  A cluster is named by the exact
 * fingerprint of the first claim that founded it; a later claim joins it when
 * it has the same exact fingerprint, or shares a MinHash-LSH band key with a
 * member and their SimHashes lie within max_hamming bits.
 *
 * Keys (prefix redis.key_prefix; every key expires ttl_s after the cluster's
 * last sighting):
 *
 *   cw:sg:{<cluster>}           HASH  first_outlet, first_seen_ms, first_article
 *   cw:sg:{<cluster>}:outlets   SET   distinct outlets
 *   cw:sg:{<cluster>}:articles  SET   article ids: total = SCARD, so a claim
 *                                     redelivered from the same article counts once
 *   cw:sg:fp:<fp>               STRING "<cluster> <simhash>": the cluster an exact
 *                                     fingerprint belongs to
 *   cw:lsh:<band>:<key>         STRING "<cluster> <simhash>": a band key of a
 *                                     member of <cluster> (first writer wins)
 *
 * The three cw:sg:{<cluster>} keys share a hash tag, so the Lua script that
 * updates a cluster atomically names keys of one Cluster slot only; the
 * fingerprint and band keys are single-key commands.
 *
 * Round trips per batch: two.  (1) Read the fingerprint key and every band
 * key of every claim; the cluster is then chosen locally (exact, else a band
 * hit whose SimHash is close enough, else a new cluster; claims of the same
 * batch join each other).  (2) Record the sightings and write the pointer
 * keys that (1) found missing (SET NX EX; an existing fingerprint pointer
 * gets its TTL refreshed).
 *
 * Standalone Redis (the default): (1) is one MGET and (2) one EVALSHA whose
 * script loops over the batch — two commands per batch.  That script names
 * keys of many Cluster slots, so on Redis Cluster set per_claim_script
 * (match.sightings_batch_script: false): (1) is one GET per key and (2) one
 * EVALSHA per claim naming only its cluster's three keys, plus single-key
 * pointer writes, all pipelined.  Both paths keep the same keys and give the
 * same answers, so a deployment can switch between them.
 * Idempotent per (cluster, article id).
 */
#ifndef CW_SIGHTINGS_H
#define CW_SIGHTINGS_H

#include <stddef.h>
#include <stdint.h>

#include "lib/config.h"
#include "lib/redis.h"
#include "proto/claimwire.pb-c.h"

struct cw_sightings_opts {
	long long ttl_s; /* match.sightings_ttl_s, default 604800 (7 days) */
	int max_hamming; /* match.sightings_max_hamming: SimHash bits, default 12 */
	/* 1: one EVALSHA per claim, every script naming keys of one Cluster slot
	 * (Redis Cluster).  0 (default): one EVALSHA per batch, which names keys
	 * of many slots and so needs a single node (standalone Redis).  Set from
	 * match.sightings_batch_script (true by default) when declared. */
	int per_claim_script;
};

/* Reads match.sightings_ttl_s and match.sightings_max_hamming. */
void cw_sightings_opts_from_config(struct cw_sightings_opts *o, const struct cw_config *cfg);

/* One claim as seen in one article.  Everything is borrowed. */
struct cw_sighting_in {
	const char *fingerprint; /* exact fingerprint, 16 hex digits */
	uint64_t simhash;
	const uint64_t *lsh_keys; /* band keys (cw_fp_lsh_keys), may be NULL */
	size_t nbands;
	const char *outlet;
	const char *article_id;
	int64_t time_ms; /* when the article was published (or ingested), unix ms */
};

/* The cluster's state after recording.  Strings are heap copies: release with
 * cw_sighting_release(). */
struct cw_sighting {
	uint32_t distinct_outlets;
	uint32_t total; /* distinct articles */
	char *first_outlet;
	int64_t first_seen_ms;
	char *first_article_id;
	Claimwire__MatchMethod method; /* EXACT, or NEAR_DUPLICATE when joined by LSH */
	char cluster[17];              /* fingerprint naming the cluster */
	int is_new;                    /* this claim founded the cluster */
};

void cw_sighting_release(struct cw_sighting *s);

/* Records n sightings and fills out[0..n) (each to be released on success).
 * Returns 0, or CW_ERR_RETRY when Redis is unavailable (nothing to release;
 * safe to call again with the same input: nothing is counted twice). */
int cw_sightings_record(struct cw_redis *r, const struct cw_sightings_opts *o,
                        const struct cw_sighting_in *in, size_t n, struct cw_sighting *out,
                        char *errstr, size_t errsize);

#endif
