/*
 * sightings.h — "seen before?": where and how often a claim, or a near-duplicate
 * of it, has been carried, recorded in Redis.
 *
 * Claims are grouped into clusters.  A cluster is named by the exact
 * fingerprint of the first claim that founded it; a later claim joins it when
 * it has the same exact fingerprint, or shares a MinHash-LSH band key with
 * the founder, their SimHashes lie within max_hamming bits and their MinHash
 * sketches estimate a Jaccard similarity of at least min_jaccard (the nearest
 * such founder by SimHash, when there are several).
 *
 * Keys (prefix redis.key_prefix):
 *
 *   cw:sg:{<cluster>}           HASH  first_outlet, first_seen_ms, first_article,
 *                                     outlets, articles (the two counts), and one
 *                                     field "o:<outlet>" per distinct outlet and
 *                                     "a:<article id>" per distinct article, so a
 *                                     claim redelivered from the same article
 *                                     counts once.  Expires ttl_s after the
 *                                     cluster's last sighting.
 *   cw:sg:fp:<d>:<bucket>       HASH  field <fp, 16 hex> = <cluster, 16 hex>: the
 *                                     cluster an exact fingerprint belongs to, for
 *                                     the fingerprints seen in that bucket whose
 *                                     first hex digit is <d>.
 *   cw:lsh:<band>:<bucket>      HASH  field <band key, 16 hex> = "<cluster>
 *                                     <simhash> <sketch>" (16, 16 and 64 hex
 *                                     digits, cw_fp_sketch): the band keys of
 *                                     the claims that founded a cluster in
 *                                     that bucket.  A value without the
 *                                     sketch (written before it was kept) is
 *                                     judged by its SimHash alone.
 *
 * Pointers are bucketed by wall-clock time, the bucket as wide as ttl_s
 * (<bucket> is its start, unix seconds, a multiple of ttl_s): one hash per
 * band (or fingerprint digit) and bucket holds the pointers written in that
 * period, and the hash expires as a whole at the end of the bucket after it,
 * so Redis keeps a few dozen such keys rather than one key and one expiry per
 * fingerprint.  Lookups read the current and the previous bucket, so a
 * pointer is found for between ttl_s and 2 * ttl_s after it was written.
 * Only the founder of a cluster registers band keys (a member joined because
 * it is near the founder).  Every claim's exact fingerprint is written into
 * the current bucket unless it is there already: one found in the previous
 * bucket only is copied forward, so a fingerprint stays found at least ttl_s
 * after its last sighting.  Changing ttl_s renames the buckets: exact repeats
 * and near-duplicates of clusters seen before the change are then seen as
 * new (joining the same cluster hash when its name recurs), for one ttl_s.
 *
 * Upgrade from 16 LSH bands of 4 rows (before extract.lsh_rows): band keys
 * now hash 3 signature values, so the band pointers of clusters founded
 * before the upgrade match no new key.  For up to 2 * ttl_s, a
 * near-duplicate of such a cluster founds a cluster of its own (exact
 * repeats still join it by fingerprint).  Setting extract.lsh_bands: 16
 * and extract.lsh_rows: 4 keeps the former keys; their pointers, which
 * carry no sketch, are then judged by SimHash alone until they expire.
 *
 * Upgrade from per-fingerprint pointer keys (cw:sg:fp:<fp>, a STRING): they
 * are no longer read and expire on their own.  For one ttl_s, a repeat of
 * a wording seen only before the upgrade is matched through the band keys,
 * as a near-duplicate, or where those are gone founds a cluster (a
 * founder's wording then lands in its old cluster hash again, which is named
 * by its fingerprint).  The cluster hashes and band buckets are unchanged.
 *
 * Round trips per batch: two or three.  (1) Read the fingerprint pointers of
 * every claim, and whether each band bucket hash exists.  (2) Only when some
 * claim's exact fingerprint is neither in Redis nor earlier in the batch:
 * per band and existing bucket (current, previous), one HMGET of those
 * claims' band keys; a claim whose fingerprint is known joins that cluster
 * whatever its bands say, so its band keys are not read.  The cluster is
 * then chosen locally (exact, else a band hit whose SimHash is close enough,
 * else a new cluster; claims of the same batch join each other).  (3) Record
 * the sightings, write the fingerprint pointers that the current bucket
 * lacks, and the founders' band keys: one HSET and one EXPIRE per pointer
 * hash written.
 *
 * Standalone Redis (the default): (1) is one HMGET per fingerprint digit
 * and bucket plus one EXISTS per band bucket, (2) at most two HMGET per
 * band, and (3) one EVALSHA whose script loops over the batch, plus the
 * pointer writes: the commands per batch are bounded whatever its size.
 * That script names keys of many Cluster slots, so on Redis Cluster set
 * per_claim_script (match.sightings_batch_script: false): (1) and (2) are
 * the same, and (3) is one EVALSHA per claim naming only its cluster's hash,
 * plus the same pointer writes, all pipelined.  Every other command names
 * one key.  Both paths keep the same keys and give the same answers, so a
 * deployment can switch between them.
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
	int max_hamming; /* match.sightings_max_hamming: SimHash bits, default 18 */
	/* match.sightings_min_jaccard: the shingle overlap a band hit must have
	 * with the founder, estimated from their MinHash sketches (default 0.4;
	 * 0: SimHash alone) */
	double min_jaccard;
	/* 1: one EVALSHA per claim, every script naming keys of one Cluster slot
	 * (Redis Cluster).  0 (default): one EVALSHA per batch, which names keys
	 * of many slots and so needs a single node (standalone Redis).  Set from
	 * match.sightings_batch_script (true by default) when declared. */
	int per_claim_script;
	/* The clock that picks band buckets, unix ms; 0 (the default) for the
	 * real clock.  Tests set it to step over bucket boundaries. */
	int64_t now_ms;
};

/* Reads match.sightings_ttl_s, match.sightings_max_hamming,
 * match.sightings_min_jaccard and
 * match.sightings_batch_script; now_ms is set to 0. */
void cw_sightings_opts_from_config(struct cw_sightings_opts *o, const struct cw_config *cfg);

/* One claim as seen in one article.  Everything is borrowed. */
struct cw_sighting_in {
	const char *fingerprint; /* exact fingerprint, 16 hex digits */
	uint64_t simhash;
	const uint64_t *lsh_keys; /* band keys (cw_fp_lsh_keys), may be NULL */
	size_t nbands;
	const char *outlet;
	const char *article_id;
	int64_t time_ms;         /* when the article was published (or ingested), unix ms */
	const uint32_t *minhash; /* the MinHash signature, for its sketch; may be NULL */
	size_t n_minhash;
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
