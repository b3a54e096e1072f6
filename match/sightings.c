/*
 * sightings.c — records where each claim was seen, in clusters of exact and
 * near-duplicate wordings, in two or three round trips per batch (the keys
 * and the reasoning are in sightings.h).
 *
 * Two ways of sending a batch, chosen by cw_sightings_opts.per_claim_script:
 *   batch (standalone Redis, the default): one EVALSHA for the whole
 *     batch; the command count is bounded whatever the batch's size, and
 *     the script touches each cluster's hash once.
 *   per claim (Redis Cluster): one EVALSHA per claim naming only its
 *     cluster's hash.
 * Both read and write the pointers alike: HMGETs of the fingerprint and band
 * pointer hashes before, and one HSET per pointer hash written after.
 * Redis' cost per claim is mostly per key and per command run inside a
 * script, so a cluster is one hash (no sets beside it, one EXPIRE) and
 * pointers are fields of a few bucket hashes (no key, no expiry of their
 * own): band keys written only by the claims that found a cluster, a
 * fingerprint once per bucket it is seen in.
 */
#include "match/sightings.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract/fingerprint.h"
#include "lib/common.h"
#include "match/ptrmap.h"

#define SG_KEY              256
#define DEFAULT_TTL_S       604800LL
#define DEFAULT_MAX_HAMMING 12
#define PTR_LEN             33 /* "<cluster hex> <simhash hex>", then " <sketch>" */
#define PTR_MAX             (PTR_LEN + 1 + CW_FP_SKETCH_LEN)
#define DEFAULT_MIN_JACCARD 0.4

/*
 * Records one sighting in one cluster, atomically; the only key is the
 * cluster's hash.  The first sighting is the earliest by time (ties: the
 * smaller article id), whatever order redeliveries arrive in.  The "o:" and
 * "a:" fields make a redelivered claim count once; they are read with the
 * counts and written with them, so a sighting is three commands.
 *
 * KEYS: hash.  ARGV: outlet, article id, time ms, ttl s.  Returns {distinct
 * outlets, total, first outlet, first seen ms, first article}.
 */
static struct cw_redis_script record_script = CW_REDIS_SCRIPT(
    "local h = KEYS[1]\n"
    "local ko, ka = 'o:' .. ARGV[1], 'a:' .. ARGV[2]\n"
    "local f = redis.call('HMGET', h, 'first_seen_ms', 'first_outlet', 'first_article', "
    "'outlets', 'articles', ko, ka)\n"
    "local no, na, w = tonumber(f[4]) or 0, tonumber(f[5]) or 0, {}\n"
    "if not f[6] then\n"
    "  no = no + 1\n"
    "  w[#w + 1] = ko\n"
    "  w[#w + 1] = '1'\n"
    "end\n"
    "if not f[7] then\n"
    "  na = na + 1\n"
    "  w[#w + 1] = ka\n"
    "  w[#w + 1] = '1'\n"
    "end\n"
    "local dirty = #w > 0\n"
    "local t = tonumber(ARGV[3])\n"
    "local fs = f[1] and tonumber(f[1])\n"
    "if (not fs) or t < fs or (t == fs and ARGV[2] < f[3]) then\n"
    "  f, dirty = {ARGV[3], ARGV[1], ARGV[2]}, true\n"
    "end\n"
    "if dirty then\n"
    "  redis.call('HSET', h, 'first_seen_ms', f[1], 'first_outlet', f[2], 'first_article', "
    "f[3], 'outlets', no, 'articles', na, unpack(w))\n"
    "end\n"
    "redis.call('EXPIRE', h, ARGV[4])\n"
    "return {no, na, f[2], f[1], f[3]}\n");

/*
 * The whole batch in one call.  ARGV: ttl s, then per claim: cluster hash
 * key, outlet, article id, time ms.  Returns 5 values per claim, as
 * record_script does, each the cluster's state right after that claim
 * (claims of one cluster are applied in batch order).
 *
 * A cluster's hash is read once (with the first claim's "o:" and "a:"
 * fields), written once and expires once per batch; the fields new to it
 * are written with the counts.  Only a later claim of a cluster that
 * existed before the batch, with an outlet or article not read yet, costs
 * an HSETNX.  Every redis.call costs more than the Lua around it, so a claim
 * that founds its cluster costs three: HMGET, HSET and EXPIRE (pointers are
 * written outside the script, a few commands per batch).
 */
static struct cw_redis_script batch_script = CW_REDIS_SCRIPT(
    "local ttl = ARGV[1]\n"
    "local res, cl, order, n = {}, {}, {}, 0\n"
    /* true when field k is new to cluster s; it is then recorded */
    "local function fresh(s, k)\n"
    "  local x = s.has[k]\n"
    "  if x then return false end\n"
    "  s.has[k] = true\n"
    "  if x == nil and s.old then return redis.call('HSETNX', s.h, k, '1') == 1 end\n"
    "  s.add[#s.add + 1] = k\n"
    "  return true\n"
    "end\n"
    "for i = 2, #ARGV, 4 do\n"
    "  local h, o, a, ts = ARGV[i], ARGV[i+1], ARGV[i+2], ARGV[i+3]\n"
    "  local ko, ka, t = 'o:' .. o, 'a:' .. a, tonumber(ts)\n"
    "  local s = cl[h]\n"
    "  if not s then\n"
    "    local f = redis.call('HMGET', h, 'first_seen_ms', 'first_outlet', 'first_article', "
    "'outlets', 'articles', ko, ka)\n"
    "    s = {h = h, fss = f[1], fs = f[1] and tonumber(f[1]), fo = f[2], fa = f[3], "
    "no = tonumber(f[4]) or 0, na = tonumber(f[5]) or 0, old = f[1] ~= false, "
    "has = {[ko] = f[6] ~= false, [ka] = f[7] ~= false}, add = {}, dirty = false}\n"
    "    cl[h] = s\n"
    "    order[#order + 1] = s\n"
    "  end\n"
    "  if (not s.fs) or t < s.fs or (t == s.fs and a < s.fa) then\n"
    "    s.fs, s.fss, s.fo, s.fa, s.dirty = t, ts, o, a, true\n"
    "  end\n"
    "  if fresh(s, ko) then s.no, s.dirty = s.no + 1, true end\n"
    "  if fresh(s, ka) then s.na, s.dirty = s.na + 1, true end\n"
    "  res[n + 1], res[n + 2], res[n + 3], res[n + 4], res[n + 5] = s.no, s.na, s.fo, s.fss, "
    "s.fa\n"
    "  n = n + 5\n"
    "end\n"
    /* unpack() is bounded by the Lua stack: new fields go 2000 at a time */
    "for _, s in ipairs(order) do\n"
    "  if s.dirty then\n"
    "    local w = {'first_seen_ms', s.fss, 'first_outlet', s.fo, 'first_article', s.fa, "
    "'outlets', s.no, 'articles', s.na}\n"
    "    local m = 10\n"
    "    for _, k in ipairs(s.add) do\n"
    "      w[m + 1] = k\n"
    "      w[m + 2] = '1'\n"
    "      m = m + 2\n"
    "      if m >= 4000 then redis.call('HSET', s.h, unpack(w, 1, m)); m = 0 end\n"
    "    end\n"
    "    if m > 0 then redis.call('HSET', s.h, unpack(w, 1, m)) end\n"
    "  end\n"
    "  redis.call('EXPIRE', s.h, ttl)\n"
    "end\n"
    "return res\n");

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
	o->min_jaccard = cw_config_double(cfg, "match.sightings_min_jaccard");
	/* The key is read only where the program's schema declares it. */
	o->per_claim_script = cw_config_is_declared(cfg, "match.sightings_batch_script") &&
	                      !cw_config_bool(cfg, "match.sightings_batch_script");
	o->now_ms = 0;
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
 * The batch's own pointers (match/ptrmap.h), so that claims of one batch join
 * each other as they would across batches: (tag, value) → the claim that
 * wrote it (its cluster and SimHash), where tag is -1 for an exact
 * fingerprint and the band number for an LSH key.
 */

/* A byte's value as a hex digit (either case), or -1: a table, since random
 * hex digits make the branches of a range test mispredict. */
#define HEXV(c)                                                                                    \
	((c) >= '0' && (c) <= '9'                     ? (c) - '0'                                  \
	 : ((c) | 0x20) >= 'a' && ((c) | 0x20) <= 'f' ? ((c) | 0x20) - 'a' + 10                    \
	                                              : -1)
#define HEXV4(c)  HEXV(c), HEXV((c) + 1), HEXV((c) + 2), HEXV((c) + 3)
#define HEXV16(c) HEXV4(c), HEXV4((c) + 4), HEXV4((c) + 8), HEXV4((c) + 12)
#define HEXV64(c) HEXV16(c), HEXV16((c) + 16), HEXV16((c) + 32), HEXV16((c) + 48)
static const signed char hexv[256] = {HEXV64(0), HEXV64(64), HEXV64(128), HEXV64(192)};

/* Exactly 16 hex digits into *v; 0 or -1. */
static int parse_hex16(const char *s, uint64_t *v)
{
	uint64_t x = 0;

	for (int i = 0; i < 16; i++) {
		int d = hexv[(unsigned char)s[i]];
		if (d < 0)
			return -1;
		x = x << 4 | (uint64_t)d;
	}
	*v = x;
	return 0;
}

/* v as 16 lower-case hex digits, as cw_hex64() writes them but without the
 * NUL and a byte at a time in parallel: batch_keys() writes one per band
 * key of every claim. */
static void put_hex16(char *out, uint64_t v)
{
	for (int h = 0; h < 2; h++) {
		uint64_t x = (uint32_t)(v >> (32 - 32 * h)), m;
		/* spread the 8 nibbles over 8 bytes, the first digit in the top byte */
		x = (x | x << 16) & 0x0000ffff0000ffffULL;
		x = (x | x << 8) & 0x00ff00ff00ff00ffULL;
		x = (x | x << 4) & 0x0f0f0f0f0f0f0f0fULL;
		/* 1 in the bytes above 9, which take 'a' - '0' - 10 more */
		m = ((x + 0x0606060606060606ULL) >> 4) & 0x0101010101010101ULL;
		x += 0x3030303030303030ULL + m * 0x27;
		for (int k = 0; k < 8; k++)
			out[8 * h + k] = (char)(x >> (56 - 8 * k));
	}
}

/* Parses "<cluster hex> <simhash hex>" into cluster[17] and *simhash. */
/* A band pointer's value: the founder's cluster, its SimHash and (*sketch,
 * *nsketch digits) its MinHash sketch, which pointers written before
 * sketches were kept lack (*nsketch 0). */
static int parse_ptr(const redisReply *rep, char cluster[17], uint64_t *simhash,
                     const char **sketch, size_t *nsketch)
{
	if (!rep || rep->type != REDIS_REPLY_STRING || rep->len < PTR_LEN || rep->len > PTR_MAX ||
	    rep->str[16] != ' ' || (rep->len > PTR_LEN && rep->str[PTR_LEN] != ' '))
		return -1;
	memcpy(cluster, rep->str, 16);
	cluster[16] = 0;
	*sketch = rep->len > PTR_LEN ? rep->str + PTR_LEN + 1 : NULL;
	*nsketch = rep->len > PTR_LEN ? rep->len - PTR_LEN - 1 : 0;
	return parse_hex16(rep->str + 17, simhash);
}

static int is_nil(const redisReply *rep)
{
	return !rep || rep->type == REDIS_REPLY_NIL;
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

/* Buckets looked up: the current one and the one before. */
#define NBUCKETS 2

/* Fingerprint pointer hashes per bucket, picked by the fingerprint's first
 * hex digit, so that on Redis Cluster the pointers spread over 16 slots. */
#define NSHARDS 16

/* Where a claim's exact fingerprint points in Redis, copied out of round
 * trip 1's reply (which the next round trip frees). */
struct fp_ptr {
	char cluster[17];
	int found; /* 0: in neither bucket, 1: in the current one, 2: the previous one only */
};

/*
 * One batch's keys and fields, built once: claim i's fingerprint is fp[i],
 * as 16 hex digits fphex + i * 16, its pointer hash fkey[w * NSHARDS +
 * shard(i)] (w 0 the current bucket, 1 the previous); ord lists the claims
 * shard by shard, those of shard s from ord[sfirst[s]] to ord[sfirst[s +
 * 1]].  Claim i's band j's key, as 16 hex digits, is field + (i * maxb + j) *
 * 16; the band bucket hashes are bkey[w * maxb + j].  Also what the reads
 * found for each and what the record round trip must write.
 */
struct batch {
	size_t n, maxb;
	uint64_t *fp;
	char *fphex;          /* n * 16 hex digits, no NULs */
	char (*fkey)[SG_KEY]; /* NBUCKETS * NSHARDS */
	size_t fkeylen[NBUCKETS * NSHARDS];
	size_t *ord;
	size_t sfirst[NSHARDS + 1];
	struct fp_ptr *fpgot;   /* per claim */
	unsigned char *fpwrite; /* per claim: HSET its pointer into the current bucket */
	char *field;            /* n * maxb * 16 hex digits, no NULs */
	char (*sketch)[CW_FP_SKETCH_LEN + 1]; /* per claim, its MinHash sketch */
	size_t *nsketch;                      /* and its digits, 0 without a signature */
	char (*bkey)[SG_KEY];                 /* NBUCKETS * maxb */
	size_t *bkeylen;
	unsigned char *bexists;  /* NBUCKETS * maxb: the bucket hash existed in round trip 1 */
	unsigned char *need;     /* per claim: its band keys are looked up */
	const redisReply **bgot; /* ((i * maxb + j) * NBUCKETS + w): band j of claim i, bucket w */
	unsigned char *write;    /* i * maxb + j: HSET into the current bucket when recording */
	long long bucket_ttl;    /* seconds left to the end of the bucket after the current */
};

/* Per-claim text arguments of the record round trip. */
struct claim_args {
	char tms[24];
	size_t tmslen;
	char ptr[PTR_MAX + 1]; /* "<cluster> <simhash hex> <sketch>" */
	size_t ptrlen;
};

static size_t nbands_of(const struct cw_sighting_in *in)
{
	return in->lsh_keys ? in->nbands : 0;
}

static size_t shard_of(uint64_t fp)
{
	return (size_t)(fp >> 60);
}

static void batch_keys(struct cw_redis *r, struct batch *b, const struct cw_sighting_in *in,
                       size_t n, long long width, int64_t now_ms)
{
	long long now_s = (long long)(now_ms / 1000), start = now_s - now_s % width;
	size_t count[NSHARDS] = {0};

	b->n = n;
	b->maxb = 0;
	for (size_t i = 0; i < n; i++)
		b->maxb = CW_MAX(b->maxb, nbands_of(&in[i]));
	b->fp = cw_xmalloc(n * sizeof(*b->fp));
	b->fphex = cw_xmalloc(n * 16 + 1);
	b->fkey = cw_xmalloc(NBUCKETS * NSHARDS * sizeof(*b->fkey));
	b->ord = cw_xmalloc(n * sizeof(*b->ord));
	b->fpgot = cw_xcalloc(n, sizeof(*b->fpgot));
	b->fpwrite = cw_xcalloc(n, 1);
	b->field = cw_xmalloc(n * b->maxb * 16 + 1);
	b->sketch = cw_xmalloc(n * sizeof(*b->sketch));
	b->nsketch = cw_xmalloc(n * sizeof(*b->nsketch));
	b->bkey = cw_xmalloc((NBUCKETS * b->maxb + 1) * sizeof(*b->bkey));
	b->bkeylen = cw_xmalloc((NBUCKETS * b->maxb + 1) * sizeof(*b->bkeylen));
	b->bexists = cw_xcalloc(NBUCKETS * b->maxb + 1, 1);
	b->need = cw_xcalloc(n, 1);
	b->bgot = cw_xcalloc(n * b->maxb * NBUCKETS + 1, sizeof(*b->bgot));
	b->write = cw_xcalloc(n * b->maxb + 1, 1);
	b->bucket_ttl = start + 2 * width - now_s;
	for (size_t i = 0; i < n; i++) {
		if (parse_hex16(in[i].fingerprint, &b->fp[i]) < 0)
			b->fp[i] = strtoull(in[i].fingerprint, NULL, 16);
		put_hex16(b->fphex + i * 16, b->fp[i]);
		count[shard_of(b->fp[i])]++;
		for (size_t j = 0; j < nbands_of(&in[i]); j++)
			put_hex16(b->field + (i * b->maxb + j) * 16, in[i].lsh_keys[j]);
		b->nsketch[i] = in[i].minhash && in[i].n_minhash
		                    ? cw_fp_sketch(in[i].minhash, in[i].n_minhash, b->sketch[i])
		                    : 0;
	}
	b->sfirst[0] = 0;
	for (size_t s = 0; s < NSHARDS; s++) {
		b->sfirst[s + 1] = b->sfirst[s] + count[s];
		count[s] = b->sfirst[s];
	}
	for (size_t i = 0; i < n; i++)
		b->ord[count[shard_of(b->fp[i])]++] = i;
	for (size_t w = 0; w < NBUCKETS; w++) {
		for (size_t s = 0; s < NSHARDS; s++)
			b->fkeylen[w * NSHARDS + s] =
			    (size_t)cw_redis_key(r, b->fkey[w * NSHARDS + s], SG_KEY,
			                         "sg:fp:%zx:%lld", s, start - (long long)w * width);
		for (size_t j = 0; j < b->maxb; j++)
			b->bkeylen[w * b->maxb + j] =
			    (size_t)cw_redis_key(r, b->bkey[w * b->maxb + j], SG_KEY,
			                         "lsh:%zu:%lld", j, start - (long long)w * width);
	}
}

static void batch_free(struct batch *b)
{
	free(b->fp);
	free(b->fphex);
	free(b->fkey);
	free(b->ord);
	free(b->fpgot);
	free(b->fpwrite);
	free(b->field);
	free(b->sketch);
	free(b->nsketch);
	free(b->bkey);
	free(b->bkeylen);
	free(b->bexists);
	free(b->need);
	free(b->bgot);
	free(b->write);
}

/* Any error reply among rep[0..nrep) fails the read; so does a count other
 * than want. */
static int replies_ok(redisReply **rep, size_t nrep, size_t want, char *errstr, size_t errsize)
{
	if (nrep != want) {
		seterr(errstr, errsize, "redis: reading sightings pointers: %zu replies", nrep);
		return CW_ERR;
	}
	for (size_t q = 0; q < nrep; q++)
		if (rep[q]->type == REDIS_REPLY_ERROR) {
			seterr(errstr, errsize, "redis: reading sightings pointers: %.*s",
			       (int)rep[q]->len, rep[q]->str);
			return CW_ERR;
		}
	return 0;
}

/* A fingerprint pointer's value: the cluster, 16 hex digits. */
static int parse_cluster(const redisReply *rep, char cluster[17])
{
	uint64_t v;

	if (!rep || rep->type != REDIS_REPLY_STRING || rep->len != 16 ||
	    parse_hex16(rep->str, &v) < 0)
		return -1;
	memcpy(cluster, rep->str, 16);
	cluster[16] = 0;
	return 0;
}

/* Round trip 1: where every exact fingerprint points (per bucket and shard
 * that has claims, one HMGET naming one key), and which band bucket hashes
 * exist (a bucket's first founder creates it; the previous bucket is absent
 * for the first ttl_s of a deployment or of a new ttl_s).  A pointer in the
 * current bucket wins over one in the previous. */
static int read_fingerprints(struct cw_redis *r, struct batch *b, char *errstr, size_t errsize)
{
	size_t nrep, nq = 0, q = 0, nb = NBUCKETS * b->maxb;
	const char **argv = cw_xmalloc((2 + b->n) * sizeof(*argv));
	size_t *argvlen = cw_xmalloc((2 + b->n) * sizeof(*argvlen));
	redisReply **rep;
	int rc;

	for (size_t w = 0; w < NBUCKETS; w++)
		for (size_t s = 0; s < NSHARDS; s++) {
			size_t k = 0;
			if (b->sfirst[s] == b->sfirst[s + 1])
				continue;
			argv[k] = "HMGET", argvlen[k++] = 5;
			argv[k] = b->fkey[w * NSHARDS + s],
			argvlen[k++] = b->fkeylen[w * NSHARDS + s];
			for (size_t e = b->sfirst[s]; e < b->sfirst[s + 1]; e++)
				argv[k] = b->fphex + b->ord[e] * 16, argvlen[k++] = 16;
			cw_redis_appendv(r, (int)k, argv, argvlen);
			nq++;
		}
	free(argv);
	free(argvlen);
	for (size_t j = 0; j < nb; j++) {
		const char *a[2] = {"EXISTS", b->bkey[j]};
		size_t al[2] = {6, b->bkeylen[j]};
		cw_redis_appendv(r, 2, a, al);
	}
	if ((rc = cw_redis_exec(r, &rep, &nrep, errstr, errsize)) < 0)
		return rc;
	if ((rc = replies_ok(rep, nrep, nq + nb, errstr, errsize)) < 0)
		return rc;
	/* the replies come in the order queued: walk the same loops again */
	for (size_t w = 0; w < NBUCKETS; w++)
		for (size_t s = 0; s < NSHARDS; s++) {
			const redisReply *a;
			size_t m = b->sfirst[s + 1] - b->sfirst[s];
			if (m == 0)
				continue;
			a = rep[q++];
			if (a->type != REDIS_REPLY_ARRAY || a->elements != m) {
				seterr(errstr, errsize,
				       "redis: reading sightings pointers: unexpected reply");
				return CW_ERR;
			}
			for (size_t e = 0; e < m; e++) {
				struct fp_ptr *g = &b->fpgot[b->ord[b->sfirst[s] + e]];
				if (!g->found && parse_cluster(a->element[e], g->cluster) == 0)
					g->found = (int)w + 1;
			}
		}
	for (size_t j = 0; j < nb; j++)
		b->bexists[j] =
		    rep[nq + j]->type == REDIS_REPLY_INTEGER && rep[nq + j]->integer > 0;
	return 0;
}

/* Marks the claims whose band keys must be looked up: those whose exact
 * fingerprint is neither in Redis nor earlier in the batch, since the others
 * join that fingerprint's cluster whatever their bands say.  Returns how many. */
static size_t mark_need(const struct cw_sighting_in *in, struct batch *b)
{
	struct cw_ptrmap seen;
	size_t m = 0;

	cw_ptrmap_init(&seen, b->n);
	for (size_t i = 0; i < b->n; i++) {
		b->need[i] = !b->fpgot[i].found && !cw_ptrmap_get(&seen, -1, b->fp[i]) &&
		             nbands_of(&in[i]) > 0;
		m += b->need[i];
		cw_ptrmap_put(&seen, -1, b->fp[i], i);
	}
	cw_ptrmap_free(&seen);
	return m;
}

/* Round trip 2, only when some claim needs it: per band bucket that exists,
 * one HMGET of the band keys of the claims that need them.  bgot of the
 * others stays NULL (no pointer). */
static int read_bands(struct cw_redis *r, struct batch *b, const struct cw_sighting_in *in,
                      char *errstr, size_t errsize)
{
	size_t nrep, k, q = 0, nq = 0;
	const char **argv = cw_xmalloc((2 + b->n) * sizeof(*argv));
	size_t *argvlen = cw_xmalloc((2 + b->n) * sizeof(*argvlen));
	redisReply **rep;
	int rc = 0;

	for (size_t w = 0; w < NBUCKETS; w++)
		for (size_t j = 0; j < b->maxb; j++) {
			if (!b->bexists[w * b->maxb + j])
				continue;
			k = 0;
			argv[k] = "HMGET", argvlen[k++] = 5;
			argv[k] = b->bkey[w * b->maxb + j],
			argvlen[k++] = b->bkeylen[w * b->maxb + j];
			for (size_t i = 0; i < b->n; i++)
				if (b->need[i] && nbands_of(&in[i]) > j)
					argv[k] = b->field + (i * b->maxb + j) * 16,
					argvlen[k++] = 16;
			if (k == 2)
				continue;
			cw_redis_appendv(r, (int)k, argv, argvlen);
			nq++;
		}
	if (nq == 0)
		goto out;
	if ((rc = cw_redis_exec(r, &rep, &nrep, errstr, errsize)) < 0 ||
	    (rc = replies_ok(rep, nrep, nq, errstr, errsize)) < 0)
		goto out;
	/* the replies come in the order queued: walk the same loops again */
	for (size_t w = 0; w < NBUCKETS; w++)
		for (size_t j = 0; j < b->maxb; j++) {
			const redisReply *a;
			size_t e = 0, want = 0;
			if (!b->bexists[w * b->maxb + j])
				continue;
			for (size_t i = 0; i < b->n; i++)
				want += b->need[i] && nbands_of(&in[i]) > j;
			if (want == 0)
				continue;
			a = rep[q++];
			if (a->type != REDIS_REPLY_ARRAY || a->elements != want) {
				seterr(errstr, errsize,
				       "redis: reading sightings pointers: unexpected reply");
				rc = CW_ERR;
				goto out;
			}
			for (size_t i = 0; i < b->n; i++)
				if (b->need[i] && nbands_of(&in[i]) > j)
					b->bgot[(i * b->maxb + j) * NBUCKETS + w] = a->element[e++];
		}
out:
	free(argv);
	free(argvlen);
	return rc;
}

/* What a claim's band hits are held against. */
struct near {
	uint64_t simhash;
	const char *sketch;
	size_t nsketch;
	double min_jaccard;
	int best; /* the SimHash distance of the nearest hit taken, else the most allowed + 1 */
};

/* Sketch digits two claims must both have for their sketches to be
 * compared: fewer estimate the similarity too loosely to go by. */
#define MIN_SKETCH 16

/* A band hit (in Redis or this batch) on a founder with SimHash other and
 * that sketch: taken when nearer than the best so far, and, when both
 * sketches are there, with the shingles in common that min_jaccard asks.
 * A short text shares a band with any text it shares a shingle with, and
 * SimHashes of a few shingles are too coarse to tell them apart.  Sketches
 * of signatures of different lengths are compared over the shorter: value
 * j of a signature is the same whatever its length. */
static void consider(struct near *nr, const char *cluster, uint64_t other, const char *sketch,
                     size_t nsketch, char out[17])
{
	int d = cw_fp_hamming(other, nr->simhash);
	size_t n = CW_MIN(nsketch, nr->nsketch);

	if (d >= nr->best)
		return;
	if (nr->min_jaccard > 0 && n >= MIN_SKETCH &&
	    cw_fp_sketch_similarity(sketch, nr->sketch, n) < nr->min_jaccard)
		return;
	nr->best = d;
	memcpy(out, cluster, 17);
}

/* Chooses each claim's cluster: exact first, then the nearest band hit; and
 * marks the pointers to write: the fingerprint when the current bucket does
 * not have it (a pointer found in the previous bucket only is copied
 * forward, so it stays found ttl_s after its last sighting), and the band
 * keys of a claim that founds a cluster where neither bucket nor the batch
 * has them.  A fingerprint repeated in the batch is written once. */
static void choose(const struct cw_sighting_in *in, size_t n, int maxham, double min_jaccard,
                   struct batch *b, struct cw_sighting *out)
{
	struct cw_ptrmap map;

	cw_ptrmap_init(&map, n * (1 + b->maxb));
	for (size_t i = 0; i < n; i++) {
		struct cw_sighting *s = &out[i];
		const redisReply **got = b->bgot + i * b->maxb * NBUCKETS;
		uint64_t fp = b->fp[i], sh;
		const struct cw_ptrslot *hit = cw_ptrmap_get(&map, -1, fp);
		size_t nb = nbands_of(&in[i]);
		struct near nr = {in[i].simhash, b->sketch[i], b->nsketch[i], min_jaccard,
		                  maxham + 1};
		char c[17];
		int in_redis = b->fpgot[i].found != 0, founds = 0;

		s->method = CLAIMWIRE__MATCH_METHOD__MATCH_METHOD_EXACT;
		if (hit) {
			memcpy(s->cluster, out[hit->index].cluster, 17);
		} else if (in_redis) {
			memcpy(s->cluster, b->fpgot[i].cluster, 17);
		} else {
			for (size_t j = 0; j < nb; j++) {
				const struct cw_ptrslot *bh =
				    cw_ptrmap_get(&map, (int32_t)j, in[i].lsh_keys[j]);
				const char *sk;
				size_t nsk;
				if (bh)
					consider(&nr, out[bh->index].cluster, in[bh->index].simhash,
					         b->sketch[bh->index], b->nsketch[bh->index],
					         s->cluster);
				for (size_t w = 0; w < NBUCKETS; w++)
					if (parse_ptr(got[j * NBUCKETS + w], c, &sh, &sk, &nsk) ==
					    0)
						consider(&nr, c, sh, sk, nsk, s->cluster);
			}
			if (nr.best <= maxham) {
				s->method = CLAIMWIRE__MATCH_METHOD__MATCH_METHOD_NEAR_DUPLICATE;
			} else {
				size_t l = strnlen(in[i].fingerprint, 16);
				memcpy(s->cluster, in[i].fingerprint, l);
				s->cluster[l] = 0;
				founds = 1;
			}
		}
		b->fpwrite[i] = !hit && b->fpgot[i].found != 1;
		cw_ptrmap_put(&map, -1, fp, i);
		if (!founds)
			continue;
		for (size_t j = 0; j < nb; j++) {
			int absent = !cw_ptrmap_get(&map, (int32_t)j, in[i].lsh_keys[j]);
			for (size_t w = 0; w < NBUCKETS; w++)
				absent = absent && is_nil(got[j * NBUCKETS + w]);
			b->write[i * b->maxb + j] = (unsigned char)absent;
			/* the batch's claims see the pointer Redis keeps: the
			 * first written for a band key */
			if (absent)
				cw_ptrmap_put(&map, (int32_t)j, in[i].lsh_keys[j], i);
		}
	}
	cw_ptrmap_free(&map);
}

/* v in decimal, as "%lld" writes it, into p[24]; returns the length. */
static size_t put_decimal(char *p, long long v)
{
	unsigned long long u = v < 0 ? 0 - (unsigned long long)v : (unsigned long long)v;
	char d[20];
	size_t k = 0, n = 0;

	do
		d[k++] = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		p[n++] = '-';
	while (k)
		p[n++] = d[--k];
	p[n] = 0;
	return n;
}

/* The per-claim text of the record round trip, without printf: this runs
 * for every claim of every batch. */
static void fill_args(const struct cw_sighting_in *in, const struct cw_sighting *s,
                      const char *sketch, size_t nsketch, struct claim_args *a)
{
	size_t l = strlen(s->cluster);

	a->tmslen = put_decimal(a->tms, (long long)in->time_ms);
	memcpy(a->ptr, s->cluster, l);
	a->ptr[l] = ' ';
	put_hex16(a->ptr + l + 1, in->simhash);
	a->ptrlen = l + 17;
	if (nsketch) {
		a->ptr[a->ptrlen++] = ' ';
		memcpy(a->ptr + a->ptrlen, sketch, nsketch);
		a->ptrlen += nsketch;
	}
	a->ptr[a->ptrlen] = 0;
}

/* Fills one result from the script's five values. */
static void take(const struct cw_sighting_in *in, struct cw_sighting *s, redisReply *const *v)
{
	s->distinct_outlets = (uint32_t)cw_redis_reply_int(v[0]);
	s->total = (uint32_t)cw_redis_reply_int(v[1]);
	s->first_outlet = reply_dup(v[2]);
	s->first_seen_ms = cw_redis_reply_int(v[3]);
	s->first_article_id = reply_dup(v[4]);
	s->is_new = strcmp(s->first_article_id, in->article_id ? in->article_id : "") == 0 &&
	            strncmp(s->cluster, in->fingerprint, 16) == 0;
}

static int bad_reply(const redisReply *a, char *errstr, size_t errsize)
{
	seterr(errstr, errsize, "redis: recording a sighting: %.*s",
	       a && a->type == REDIS_REPLY_ERROR ? (int)a->len : 16,
	       a && a->type == REDIS_REPLY_ERROR ? a->str : "unexpected reply");
	return CW_ERR;
}

/* Queues the pointer writes: per band, one HSET of the founders' band keys
 * into the current bucket, and per fingerprint shard one HSET of the
 * pointers the current bucket lacks, each with one EXPIRE of that bucket.
 * Returns the number of commands queued. */
static size_t append_pointers(struct cw_redis *r, const struct batch *b,
                              const struct claim_args *ca, const struct cw_sighting *out)
{
	const char **argv = cw_xmalloc((2 + 2 * b->n) * sizeof(*argv));
	size_t *argvlen = cw_xmalloc((2 + 2 * b->n) * sizeof(*argvlen)), queued = 0;
	char ttl[24];
	size_t ttlen = (size_t)snprintf(ttl, sizeof(ttl), "%lld", b->bucket_ttl);

	for (size_t j = 0; j < b->maxb; j++) {
		size_t k = 0;
		argv[k] = "HSET", argvlen[k++] = 4;
		argv[k] = b->bkey[j], argvlen[k++] = b->bkeylen[j];
		for (size_t i = 0; i < b->n; i++)
			if (b->write[i * b->maxb + j]) {
				argv[k] = b->field + (i * b->maxb + j) * 16, argvlen[k++] = 16;
				argv[k] = ca[i].ptr, argvlen[k++] = ca[i].ptrlen;
			}
		if (k == 2)
			continue;
		cw_redis_appendv(r, (int)k, argv, argvlen);
		{
			const char *e[3] = {"EXPIRE", b->bkey[j], ttl};
			size_t el[3] = {6, b->bkeylen[j], ttlen};
			cw_redis_appendv(r, 3, e, el);
		}
		queued += 2;
	}
	for (size_t s = 0; s < NSHARDS; s++) {
		size_t k = 0;
		argv[k] = "HSET", argvlen[k++] = 4;
		argv[k] = b->fkey[s], argvlen[k++] = b->fkeylen[s];
		for (size_t e = b->sfirst[s]; e < b->sfirst[s + 1]; e++)
			if (b->fpwrite[b->ord[e]]) {
				argv[k] = b->fphex + b->ord[e] * 16, argvlen[k++] = 16;
				argv[k] = out[b->ord[e]].cluster, argvlen[k++] = 16;
			}
		if (k == 2)
			continue;
		cw_redis_appendv(r, (int)k, argv, argvlen);
		{
			const char *e[3] = {"EXPIRE", b->fkey[s], ttl};
			size_t el[3] = {6, b->fkeylen[s], ttlen};
			cw_redis_appendv(r, 3, e, el);
		}
		queued += 2;
	}
	free(argv);
	free(argvlen);
	return queued;
}

/* Checks the replies of the pointer writes, rep[first..first+m). */
static int bands_ok(redisReply **rep, size_t nrep, size_t first, size_t m, char *errstr,
                    size_t errsize)
{
	for (size_t q = first; q < first + m; q++)
		if (q >= nrep || rep[q]->type != REDIS_REPLY_INTEGER)
			return bad_reply(q < nrep ? rep[q] : NULL, errstr, errsize);
	return 0;
}

/* The record round trip: one EVALSHA for the batch and the pointer writes. */
static int record_batch(struct cw_redis *r, const struct cw_sighting_in *in, size_t n,
                        const struct batch *b, const struct claim_args *ca, const char *ttls,
                        struct cw_sighting *out, size_t *done, char *errstr, size_t errsize)
{
	size_t cap = 1 + n * 4, k = 0, nrep, nbw, plen = strlen(cw_redis_prefix(r));
	size_t hcap = plen + 22; /* "sg:{" + 16 hex + "}" after the prefix */
	const char **args = cw_xmalloc(cap * sizeof(*args));
	size_t *len = cw_xmalloc(cap * sizeof(*len));
	char *hkeys = cw_xmalloc(n * hcap);
	redisReply **rep;
	int rc;

#define ARG(p, l) (args[k] = (p), len[k] = (l), k++)
	ARG(ttls, strlen(ttls));
	for (size_t i = 0; i < n; i++) {
		const char *outlet = in[i].outlet ? in[i].outlet : "";
		const char *art = in[i].article_id ? in[i].article_id : "";
		char *h = hkeys + i * hcap;
		size_t cl = strlen(out[i].cluster);
		/* the key cw_redis_key(r, "sg:{%s}", cluster) names, built by hand */
		memcpy(h, cw_redis_prefix(r), plen);
		memcpy(h + plen, "sg:{", 4);
		memcpy(h + plen + 4, out[i].cluster, cl);
		h[plen + 4 + cl] = '}';
		ARG(h, plen + 5 + cl);
		ARG(outlet, strlen(outlet));
		ARG(art, strlen(art));
		ARG(ca[i].tms, ca[i].tmslen);
	}
#undef ARG
	cw_redis_append_script(r, &batch_script, 0, NULL, NULL, (int)k, args, len);
	free(args);
	free(len);
	free(hkeys);
	nbw = append_pointers(r, b, ca, out);
	if ((rc = cw_redis_exec(r, &rep, &nrep, errstr, errsize)) < 0)
		return rc;
	if (nrep != 1 + nbw || rep[0]->type != REDIS_REPLY_ARRAY || rep[0]->elements != 5 * n)
		return bad_reply(nrep ? rep[0] : NULL, errstr, errsize);
	if ((rc = bands_ok(rep, nrep, 1, nbw, errstr, errsize)) < 0)
		return rc;
	for (size_t i = 0; i < n; i++, (*done)++)
		take(&in[i], &out[i], rep[0]->element + 5 * i);
	return 0;
}

/* The record round trip: one EVALSHA per claim naming its cluster's hash only, and
 * the pointer writes (each naming one key). */
static int record_per_claim(struct cw_redis *r, const struct cw_sighting_in *in, size_t n,
                            const struct batch *b, const struct claim_args *ca, const char *ttls,
                            struct cw_sighting *out, size_t *done, char *errstr, size_t errsize)
{
	size_t *first_rep = cw_xmalloc(n * sizeof(*first_rep)), nrep, bfirst, nbw;
	redisReply **rep;
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		char hkey[SG_KEY];
		const char *keys[1] = {hkey};
		const char *args[4];

		cw_redis_key(r, hkey, sizeof(hkey), "sg:{%s}", out[i].cluster);
		args[0] = in[i].outlet ? in[i].outlet : "";
		args[1] = in[i].article_id ? in[i].article_id : "";
		args[2] = ca[i].tms;
		args[3] = ttls;
		first_rep[i] = cw_redis_pending(r);
		cw_redis_append_script(r, &record_script, 1, keys, NULL, 4, args, NULL);
	}
	bfirst = cw_redis_pending(r);
	nbw = append_pointers(r, b, ca, out);
	if ((rc = cw_redis_exec(r, &rep, &nrep, errstr, errsize)) < 0)
		goto out;
	if ((rc = bands_ok(rep, nrep, bfirst, nbw, errstr, errsize)) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		const redisReply *a = first_rep[i] < nrep ? rep[first_rep[i]] : NULL;
		if (!a || a->type != REDIS_REPLY_ARRAY || a->elements != 5) {
			rc = bad_reply(a, errstr, errsize);
			goto out;
		}
		take(&in[i], &out[i], a->element);
		(*done)++;
	}
out:
	free(first_rep);
	return rc;
}

int cw_sightings_record(struct cw_redis *r, const struct cw_sightings_opts *o,
                        const struct cw_sighting_in *in, size_t n, struct cw_sighting *out,
                        char *errstr, size_t errsize)
{
	long long ttl = o && o->ttl_s > 0 ? o->ttl_s : DEFAULT_TTL_S;
	int maxham = o && o->max_hamming > 0 ? o->max_hamming : DEFAULT_MAX_HAMMING;
	double min_jaccard = o ? o->min_jaccard : DEFAULT_MIN_JACCARD;
	int per_claim = o && o->per_claim_script;
	int64_t now_ms = o && o->now_ms > 0 ? o->now_ms : cw_now_ms();
	char ttls[24];
	size_t done = 0;
	struct batch b = {0};
	struct claim_args *ca = NULL;
	int rc = 0;

	memset(out, 0, n * sizeof(*out));
	if (n == 0)
		goto out;
	snprintf(ttls, sizeof(ttls), "%lld", ttl);
	batch_keys(r, &b, in, n, ttl, now_ms);
	if ((rc = read_fingerprints(r, &b, errstr, errsize)) < 0)
		goto out;
	if (mark_need(in, &b) > 0 && (rc = read_bands(r, &b, in, errstr, errsize)) < 0)
		goto out;
	choose(in, n, maxham, min_jaccard, &b, out);
	/* choose() read the band replies (bgot) last: the next exec frees them */
	ca = cw_xmalloc(n * sizeof(*ca));
	for (size_t i = 0; i < n; i++)
		fill_args(&in[i], &out[i], b.sketch[i], b.nsketch[i], &ca[i]);
	if (per_claim)
		rc = record_per_claim(r, in, n, &b, ca, ttls, out, &done, errstr, errsize);
	else
		rc = record_batch(r, in, n, &b, ca, ttls, out, &done, errstr, errsize);
out:
	if (rc < 0)
		for (size_t i = 0; i < done; i++)
			cw_sighting_release(&out[i]);
	batch_free(&b);
	free(ca);
	return rc;
}
