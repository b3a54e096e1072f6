/*
 * sightings.c — records where each claim was seen, in clusters of exact and
 * near-duplicate wordings, in two pipelined round trips per batch (the keys
 * and the reasoning are in sightings.h).
 */
#include "match/sightings.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract/fingerprint.h"
#include "lib/common.h"

#define SG_KEY              256
#define DEFAULT_TTL_S       604800LL
#define DEFAULT_MAX_HAMMING 12

/*
 * Records one sighting in one cluster, atomically.  Keys share the {cluster}
 * tag.  The first sighting is the earliest by time (ties: the smaller article
 * id), whatever order redeliveries arrive in.  The outlet and article sets make
 * a redelivered claim count once.
 *
 * KEYS: hash, outlets set, articles set.  ARGV: outlet, article id, time ms,
 * ttl s.  Returns {distinct outlets, total, first outlet, first seen ms,
 * first article}.
 */
static struct cw_redis_script record_script = CW_REDIS_SCRIPT(
    "local f = redis.call('HMGET', KEYS[1], 'first_seen_ms', 'first_outlet', "
    "'first_article')\n"
    "local t = tonumber(ARGV[3])\n"
    "local fs = f[1] and tonumber(f[1])\n"
    "if (not fs) or t < fs or (t == fs and ARGV[2] < f[3]) then\n"
    "  redis.call('HSET', KEYS[1], 'first_seen_ms', ARGV[3], 'first_outlet', ARGV[1], "
    "'first_article', ARGV[2])\n"
    "  f = {ARGV[3], ARGV[1], ARGV[2]}\n"
    "end\n"
    "redis.call('SADD', KEYS[2], ARGV[1])\n"
    "redis.call('SADD', KEYS[3], ARGV[2])\n"
    "local ttl = tonumber(ARGV[4])\n"
    "for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ttl) end\n"
    "return {redis.call('SCARD', KEYS[2]), redis.call('SCARD', KEYS[3]), f[2], f[1], f[3]}\n");

static void seterr(char *errstr, size_t errsize, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void seterr(char *errstr, size_t errsize, const char *fmt, ...)
{
	va_list ap;

	if (!errstr || !errsize)
		return;
	va_start(ap, fmt);
	vsnprintf(errstr, errsize, fmt, ap);
	va_end(ap);
}

void cw_sightings_opts_from_config(struct cw_sightings_opts *o, const struct cw_config *cfg)
{
	o->ttl_s = cw_config_int(cfg, "match.sightings_ttl_s");
	o->max_hamming = (int)cw_config_int(cfg, "match.sightings_max_hamming");
}

void cw_sighting_release(struct cw_sighting *s)
{
	if (!s)
		return;
	free(s->first_outlet);
	free(s->first_article_id);
	s->first_outlet = NULL;
	s->first_article_id = NULL;
}

/*
 * The batch's own pointers, so that claims of one batch join each other as
 * they would across batches: (tag, value) → cluster, where tag is -1 for an
 * exact fingerprint and the band number for an LSH key.  Open addressing.
 */
struct slot {
	uint64_t value;
	long tag; /* LONG_MIN marks an empty slot */
	uint64_t simhash;
	char cluster[17];
};

struct ptrmap {
	struct slot *s;
	size_t mask;
};

#define EMPTY_TAG (-0x7fffffffL - 1)

static void map_init(struct ptrmap *m, size_t entries)
{
	size_t cap = 16;

	while (cap < entries * 2)
		cap *= 2;
	m->s = cw_xmalloc(cap * sizeof(*m->s));
	for (size_t i = 0; i < cap; i++)
		m->s[i].tag = EMPTY_TAG;
	m->mask = cap - 1;
}

static size_t map_pos(const struct ptrmap *m, long tag, uint64_t value)
{
	uint64_t h = (value ^ ((uint64_t)tag * 0x9E3779B97F4A7C15ULL)) * 0xff51afd7ed558ccdULL;
	size_t i = (size_t)(h >> 17) & m->mask;

	while (m->s[i].tag != EMPTY_TAG && !(m->s[i].tag == tag && m->s[i].value == value))
		i = (i + 1) & m->mask;
	return i;
}

static const struct slot *map_get(const struct ptrmap *m, long tag, uint64_t value)
{
	size_t i = map_pos(m, tag, value);

	return m->s[i].tag == EMPTY_TAG ? NULL : &m->s[i];
}

/* First writer wins, as SET NX does in Redis. */
static void map_put(struct ptrmap *m, long tag, uint64_t value, const char *cluster,
                    uint64_t simhash)
{
	size_t i = map_pos(m, tag, value);

	if (m->s[i].tag != EMPTY_TAG)
		return;
	m->s[i].tag = tag;
	m->s[i].value = value;
	m->s[i].simhash = simhash;
	memcpy(m->s[i].cluster, cluster, 17);
}

/* Parses "<cluster hex> <simhash hex>" into cluster[17] and *simhash. */
static int parse_ptr(const redisReply *rep, char cluster[17], uint64_t *simhash)
{
	char *end;

	if (!rep || rep->type != REDIS_REPLY_STRING || rep->len != 33 || rep->str[16] != ' ')
		return -1;
	memcpy(cluster, rep->str, 16);
	cluster[16] = 0;
	*simhash = strtoull(rep->str + 17, &end, 16);
	return end == rep->str + 33 ? 0 : -1;
}

static char *reply_dup(const redisReply *r)
{
	if (r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS))
		return cw_xstrndup(r->str, r->len);
	if (r && r->type == REDIS_REPLY_INTEGER) {
		char b[32];
		snprintf(b, sizeof(b), "%lld", r->integer);
		return cw_xstrdup(b);
	}
	return cw_xstrdup("");
}

int cw_sightings_record(struct cw_redis *r, const struct cw_sightings_opts *o,
                        const struct cw_sighting_in *in, size_t n, struct cw_sighting *out,
                        char *errstr, size_t errsize)
{
	long long ttl = o && o->ttl_s > 0 ? o->ttl_s : DEFAULT_TTL_S;
	int maxham = o && o->max_hamming > 0 ? o->max_hamming : DEFAULT_MAX_HAMMING;
	char key[SG_KEY], ttls[24];
	size_t nbands_total = 0, nrep, done = 0;
	redisReply **rep;
	struct ptrmap map = {0};
	size_t *first_rep = cw_xcalloc(n ? n : 1, sizeof(*first_rep));
	int rc = 0;

	memset(out, 0, n * sizeof(*out));
	if (n == 0)
		goto out;
	snprintf(ttls, sizeof(ttls), "%lld", ttl);

	/* Round trip 1: where every exact fingerprint and band key points. */
	for (size_t i = 0; i < n; i++) {
		first_rep[i] = cw_redis_pending(r);
		cw_redis_key(r, key, sizeof(key), "sg:fp:%s", in[i].fingerprint);
		cw_redis_append(r, "GET %s", key);
		for (size_t b = 0; in[i].lsh_keys && b < in[i].nbands; b++) {
			char hex[17];
			cw_hex64(in[i].lsh_keys[b], hex);
			cw_redis_key(r, key, sizeof(key), "lsh:%zu:%s", b, hex);
			cw_redis_append(r, "GET %s", key);
		}
		nbands_total += in[i].lsh_keys ? in[i].nbands : 0;
	}
	if ((rc = cw_redis_exec(r, &rep, &nrep, errstr, errsize)) < 0)
		goto out;

	/* Choose each claim's cluster: exact first, then the nearest band hit. */
	map_init(&map, n + nbands_total);
	for (size_t i = 0; i < n; i++) {
		struct cw_sighting *s = &out[i];
		uint64_t fp = strtoull(in[i].fingerprint, NULL, 16), sh;
		const struct slot *hit = map_get(&map, -1, fp);
		char c[17];
		int best = maxham + 1;

		s->method = CLAIMWIRE__MATCH_METHOD__MATCH_METHOD_EXACT;
		if (hit) {
			memcpy(s->cluster, hit->cluster, 17);
		} else if (parse_ptr(rep[first_rep[i]], c, &sh) == 0) {
			memcpy(s->cluster, c, 17);
		} else {
			for (size_t b = 0; in[i].lsh_keys && b < in[i].nbands; b++) {
				const struct slot *bh = map_get(&map, (long)b, in[i].lsh_keys[b]);
				int d;
				if (bh) {
					d = cw_fp_hamming(bh->simhash, in[i].simhash);
					if (d < best) {
						best = d;
						memcpy(s->cluster, bh->cluster, 17);
					}
				}
				if (parse_ptr(rep[first_rep[i] + 1 + b], c, &sh) == 0) {
					d = cw_fp_hamming(sh, in[i].simhash);
					if (d < best) {
						best = d;
						memcpy(s->cluster, c, 17);
					}
				}
			}
			if (best <= maxham)
				s->method = CLAIMWIRE__MATCH_METHOD__MATCH_METHOD_NEAR_DUPLICATE;
			else
				snprintf(s->cluster, sizeof(s->cluster), "%.16s",
				         in[i].fingerprint);
		}
		map_put(&map, -1, fp, s->cluster, in[i].simhash);
		for (size_t b = 0; in[i].lsh_keys && b < in[i].nbands; b++)
			map_put(&map, (long)b, in[i].lsh_keys[b], s->cluster, in[i].simhash);
	}

	/* Round trip 2: record, then point this claim's keys at its cluster. */
	for (size_t i = 0; i < n; i++) {
		char hkey[SG_KEY], okey[SG_KEY], akey[SG_KEY], tms[24], ptr[40], simhex[17];
		const char *keys[3] = {hkey, okey, akey};
		const char *args[4];

		cw_redis_key(r, hkey, sizeof(hkey), "sg:{%s}", out[i].cluster);
		cw_redis_key(r, okey, sizeof(okey), "sg:{%s}:outlets", out[i].cluster);
		cw_redis_key(r, akey, sizeof(akey), "sg:{%s}:articles", out[i].cluster);
		snprintf(tms, sizeof(tms), "%lld", (long long)in[i].time_ms);
		args[0] = in[i].outlet ? in[i].outlet : "";
		args[1] = in[i].article_id ? in[i].article_id : "";
		args[2] = tms;
		args[3] = ttls;
		first_rep[i] = cw_redis_pending(r);
		cw_redis_append_script(r, &record_script, 3, keys, NULL, 4, args, NULL);

		cw_hex64(in[i].simhash, simhex);
		snprintf(ptr, sizeof(ptr), "%s %s", out[i].cluster, simhex);
		cw_redis_key(r, key, sizeof(key), "sg:fp:%s", in[i].fingerprint);
		cw_redis_append(r, "SET %s %s EX %s NX", key, ptr, ttls);
		cw_redis_append(r, "EXPIRE %s %s", key, ttls);
		for (size_t b = 0; in[i].lsh_keys && b < in[i].nbands; b++) {
			char hex[17];
			cw_hex64(in[i].lsh_keys[b], hex);
			cw_redis_key(r, key, sizeof(key), "lsh:%zu:%s", b, hex);
			cw_redis_append(r, "SET %s %s EX %s NX", key, ptr, ttls);
		}
	}
	if ((rc = cw_redis_exec(r, &rep, &nrep, errstr, errsize)) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		const redisReply *a = rep[first_rep[i]];
		struct cw_sighting *s = &out[i];
		if (a->type != REDIS_REPLY_ARRAY || a->elements != 5) {
			seterr(errstr, errsize, "redis: recording a sighting: %.*s",
			       a->type == REDIS_REPLY_ERROR ? (int)a->len : 14,
			       a->type == REDIS_REPLY_ERROR ? a->str : "unexpected reply");
			rc = CW_ERR;
			goto out;
		}
		s->distinct_outlets = (uint32_t)cw_redis_reply_int(a->element[0]);
		s->total = (uint32_t)cw_redis_reply_int(a->element[1]);
		s->first_outlet = reply_dup(a->element[2]);
		s->first_seen_ms = cw_redis_reply_int(a->element[3]);
		s->first_article_id = reply_dup(a->element[4]);
		s->is_new =
		    strcmp(s->first_article_id, in[i].article_id ? in[i].article_id : "") == 0 &&
		    strncmp(s->cluster, in[i].fingerprint, 16) == 0;
		done++;
	}
out:
	if (rc < 0)
		for (size_t i = 0; i < done; i++)
			cw_sighting_release(&out[i]);
	free(map.s);
	free(first_rep);
	return rc;
}
