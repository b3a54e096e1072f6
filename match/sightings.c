/*
 * sightings.c — records where each claim was seen, in clusters of exact and
 * near-duplicate wordings, in two round trips per batch (the keys and the
 * reasoning are in sightings.h).
 *
 * Two ways of sending a batch, chosen by cw_sightings_opts.per_claim_script:
 *   batch (standalone Redis, the default): one MGET of every pointer key, then
 *     one EVALSHA for the whole batch; Redis parses two commands per batch
 *     instead of ~36 per claim, and the script touches each cluster's hash
 *     and counts once per batch.
 *   per claim (Redis Cluster): a GET per pointer key, then one EVALSHA per
 *     claim naming only the keys of its cluster's slot, and single-key writes
 *     of the pointers.
 * Both write only the pointer keys that the first round trip found missing
 * (SET NX on a key that exists does nothing), and refresh the TTL of an
 * existing fingerprint pointer with EXPIRE.
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

/*
 * The whole batch in one call.  ARGV: key prefix, ttl s, then per claim:
 * cluster, outlet, article id, time ms, fingerprint op ("S": SET NX EX, "E":
 * EXPIRE, "-": nothing), fingerprint key, pointer value ("<cluster>
 * <simhash>"), number of band keys to SET NX EX, those band keys.  Returns 5
 * values per claim, as record_script does, each the cluster's state right
 * after that claim (claims of one cluster are applied in batch order).  A
 * cluster's hash is read once and written once, its three keys expire once.
 */
static struct cw_redis_script batch_script = CW_REDIS_SCRIPT(
    "local pre, ttl = ARGV[1], tonumber(ARGV[2])\n"
    "local res, cl, order, i, n = {}, {}, {}, 3, 0\n"
    "while i <= #ARGV do\n"
    "  local c, o, a, ts = ARGV[i], ARGV[i+1], ARGV[i+2], ARGV[i+3]\n"
    "  local op, fk, ptr, nb = ARGV[i+4], ARGV[i+5], ARGV[i+6], tonumber(ARGV[i+7])\n"
    "  local t = tonumber(ts)\n"
    "  i = i + 8\n"
    "  local s = cl[c]\n"
    "  if not s then\n"
    "    local h = pre .. 'sg:{' .. c .. '}'\n"
    "    local f = redis.call('HMGET', h, 'first_seen_ms', 'first_outlet', 'first_article')\n"
    "    s = {h = h, ok = h .. ':outlets', ak = h .. ':articles', fss = f[1], fs = f[1] and "
    "tonumber(f[1]), fo = f[2], fa = f[3], dirty = false}\n"
    "    s.no = redis.call('SCARD', s.ok)\n"
    "    s.na = redis.call('SCARD', s.ak)\n"
    "    cl[c] = s\n"
    "    order[#order + 1] = s\n"
    "  end\n"
    "  if (not s.fs) or t < s.fs or (t == s.fs and a < s.fa) then\n"
    "    s.fs, s.fss, s.fo, s.fa, s.dirty = t, ts, o, a, true\n"
    "  end\n"
    "  s.no = s.no + redis.call('SADD', s.ok, o)\n"
    "  s.na = s.na + redis.call('SADD', s.ak, a)\n"
    "  res[n + 1], res[n + 2], res[n + 3], res[n + 4], res[n + 5] = s.no, s.na, s.fo, s.fss, "
    "s.fa\n"
    "  n = n + 5\n"
    "  if op == 'S' then redis.call('SET', fk, ptr, 'EX', ttl, 'NX')\n"
    "  elseif op == 'E' then redis.call('EXPIRE', fk, ttl) end\n"
    "  for b = 0, nb - 1 do redis.call('SET', ARGV[i + b], ptr, 'EX', ttl, 'NX') end\n"
    "  i = i + nb\n"
    "end\n"
    "for _, s in ipairs(order) do\n"
    "  if s.dirty then\n"
    "    redis.call('HSET', s.h, 'first_seen_ms', s.fss, 'first_outlet', s.fo, "
    "'first_article', s.fa)\n"
    "  end\n"
    "  redis.call('EXPIRE', s.h, ttl)\n"
    "  redis.call('EXPIRE', s.ok, ttl)\n"
    "  redis.call('EXPIRE', s.ak, ttl)\n"
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
	/* The key is read only where the program's schema declares it. */
	o->per_claim_script = cw_config_is_declared(cfg, "match.sightings_batch_script") &&
	                      !cw_config_bool(cfg, "match.sightings_batch_script");
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

/*
 * One batch's pointer keys, built once into one block: key j of claim i
 * (j = 0 the fingerprint, 1.. the bands) is key[first[i] + j].  Also what the
 * first round trip found for each, and what the second must write.
 */
struct batch {
	const char **key;
	size_t *keylen;
	size_t *first;
	char *mem;
	const redisReply **got; /* reply for each key, from the pipeline or the MGET */
	unsigned char *write;   /* 1: SET NX the key in round trip 2 */
	size_t nkeys;
};

/* Per-claim text arguments of round trip 2. */
struct claim_args {
	char tms[24];
	char ptr[40];
	char nb[8];
	char fop[2];
};

static void batch_keys(struct cw_redis *r, struct batch *b, const struct cw_sighting_in *in,
                       size_t n)
{
	size_t plen = strlen(cw_redis_prefix(r)), k = 0, cap;
	char *p;

	b->first = cw_xmalloc(n * sizeof(*b->first));
	b->nkeys = 0;
	for (size_t i = 0; i < n; i++)
		b->nkeys += 1 + (in[i].lsh_keys ? in[i].nbands : 0);
	/* "sg:fp:" + 16 hex, or "lsh:" + band + ":" + 16 hex, after the prefix */
	cap = plen + 48;
	b->mem = cw_xmalloc(b->nkeys * cap);
	b->key = cw_xmalloc(b->nkeys * sizeof(*b->key));
	b->keylen = cw_xmalloc(b->nkeys * sizeof(*b->keylen));
	b->got = cw_xcalloc(b->nkeys, sizeof(*b->got));
	b->write = cw_xcalloc(b->nkeys, 1);
	p = b->mem;
	for (size_t i = 0; i < n; i++) {
		int len;
		b->first[i] = k;
		len = cw_redis_key(r, p, cap, "sg:fp:%.16s", in[i].fingerprint);
		b->key[k] = p, b->keylen[k] = (size_t)len, k++, p += cap;
		for (size_t j = 0; in[i].lsh_keys && j < in[i].nbands; j++) {
			char hex[17];
			cw_hex64(in[i].lsh_keys[j], hex);
			len = cw_redis_key(r, p, cap, "lsh:%zu:%s", j, hex);
			b->key[k] = p, b->keylen[k] = (size_t)len, k++, p += cap;
		}
	}
}

static void batch_free(struct batch *b)
{
	free(b->key);
	free(b->keylen);
	free(b->first);
	free(b->mem);
	free(b->got);
	free(b->write);
}

/* Round trip 1: where every exact fingerprint and band key points. */
static int read_pointers(struct cw_redis *r, struct batch *b, int per_claim, char *errstr,
                         size_t errsize)
{
	redisReply **rep;
	size_t nrep;
	int rc;

	if (per_claim) {
		/* one GET per key: keys of any slot (Redis Cluster) */
		for (size_t k = 0; k < b->nkeys; k++) {
			const char *argv[2] = {"GET", b->key[k]};
			size_t argvlen[2] = {3, b->keylen[k]};
			cw_redis_appendv(r, 2, argv, argvlen);
		}
		if ((rc = cw_redis_exec(r, &rep, &nrep, errstr, errsize)) < 0)
			return rc;
		for (size_t k = 0; k < b->nkeys && k < nrep; k++)
			b->got[k] = rep[k];
		return 0;
	}
	{
		const char **argv = cw_xmalloc((b->nkeys + 1) * sizeof(*argv));
		size_t *argvlen = cw_xmalloc((b->nkeys + 1) * sizeof(*argvlen));
		argv[0] = "MGET", argvlen[0] = 4;
		memcpy(argv + 1, b->key, b->nkeys * sizeof(*argv));
		memcpy(argvlen + 1, b->keylen, b->nkeys * sizeof(*argvlen));
		cw_redis_appendv(r, (int)(b->nkeys + 1), argv, argvlen);
		free(argv);
		free(argvlen);
	}
	if ((rc = cw_redis_exec(r, &rep, &nrep, errstr, errsize)) < 0)
		return rc;
	if (nrep != 1 || rep[0]->type != REDIS_REPLY_ARRAY || rep[0]->elements != b->nkeys) {
		seterr(errstr, errsize, "redis: reading sightings pointers: %.*s",
		       nrep && rep[0]->type == REDIS_REPLY_ERROR ? (int)rep[0]->len : 16,
		       nrep && rep[0]->type == REDIS_REPLY_ERROR ? rep[0]->str
		                                                 : "unexpected reply");
		return CW_ERR;
	}
	for (size_t k = 0; k < b->nkeys; k++)
		b->got[k] = rep[0]->element[k];
	return 0;
}

/* Chooses each claim's cluster: exact first, then the nearest band hit; and
 * marks the pointer keys that do not exist yet, in Redis or earlier in the
 * batch, as those to write. */
static void choose(const struct cw_sighting_in *in, size_t n, int maxham, struct batch *b,
                   struct cw_sighting *out, int *fp_known)
{
	struct ptrmap map;

	map_init(&map, b->nkeys);
	for (size_t i = 0; i < n; i++) {
		struct cw_sighting *s = &out[i];
		const redisReply **got = b->got + b->first[i];
		uint64_t fp = strtoull(in[i].fingerprint, NULL, 16), sh;
		const struct slot *hit = map_get(&map, -1, fp);
		size_t nb = in[i].lsh_keys ? in[i].nbands : 0;
		char c[17];
		int best = maxham + 1, in_redis = parse_ptr(got[0], c, &sh) == 0;

		s->method = CLAIMWIRE__MATCH_METHOD__MATCH_METHOD_EXACT;
		if (hit) {
			memcpy(s->cluster, hit->cluster, 17);
		} else if (in_redis) {
			memcpy(s->cluster, c, 17);
		} else {
			for (size_t j = 0; j < nb; j++) {
				const struct slot *bh = map_get(&map, (long)j, in[i].lsh_keys[j]);
				int d;
				if (bh) {
					d = cw_fp_hamming(bh->simhash, in[i].simhash);
					if (d < best) {
						best = d;
						memcpy(s->cluster, bh->cluster, 17);
					}
				}
				if (parse_ptr(got[1 + j], c, &sh) == 0) {
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
		/* fp_known: 2 in Redis (refresh its TTL), 1 set earlier in this batch */
		fp_known[i] = in_redis ? 2 : hit ? 1 : 0;
		for (size_t j = 0; j < nb; j++)
			b->write[b->first[i] + 1 + j] =
			    !got[1 + j] || got[1 + j]->type == REDIS_REPLY_NIL
			        ? !map_get(&map, (long)j, in[i].lsh_keys[j])
			        : 0;
		map_put(&map, -1, fp, s->cluster, in[i].simhash);
		for (size_t j = 0; j < nb; j++)
			map_put(&map, (long)j, in[i].lsh_keys[j], s->cluster, in[i].simhash);
	}
	free(map.s);
}

static void fill_args(const struct cw_sighting_in *in, const struct cw_sighting *s, int fp_known,
                      const struct batch *b, size_t i, struct claim_args *a)
{
	char simhex[17];
	size_t nb = 0;

	snprintf(a->tms, sizeof(a->tms), "%lld", (long long)in->time_ms);
	cw_hex64(in->simhash, simhex);
	snprintf(a->ptr, sizeof(a->ptr), "%s %s", s->cluster, simhex);
	for (size_t j = 0; in->lsh_keys && j < in->nbands; j++)
		nb += b->write[b->first[i] + 1 + j];
	snprintf(a->nb, sizeof(a->nb), "%zu", nb);
	a->fop[0] = fp_known == 2 ? 'E' : fp_known == 1 ? '-' : 'S';
	a->fop[1] = 0;
}

/* Fills one result from the script's five values; 0 or -1. */
static int take(const struct cw_sighting_in *in, struct cw_sighting *s, redisReply *const *v)
{
	s->distinct_outlets = (uint32_t)cw_redis_reply_int(v[0]);
	s->total = (uint32_t)cw_redis_reply_int(v[1]);
	s->first_outlet = reply_dup(v[2]);
	s->first_seen_ms = cw_redis_reply_int(v[3]);
	s->first_article_id = reply_dup(v[4]);
	s->is_new = strcmp(s->first_article_id, in->article_id ? in->article_id : "") == 0 &&
	            strncmp(s->cluster, in->fingerprint, 16) == 0;
	return 0;
}

static int bad_reply(const redisReply *a, char *errstr, size_t errsize)
{
	seterr(errstr, errsize, "redis: recording a sighting: %.*s",
	       a && a->type == REDIS_REPLY_ERROR ? (int)a->len : 16,
	       a && a->type == REDIS_REPLY_ERROR ? a->str : "unexpected reply");
	return CW_ERR;
}

/* Round trip 2, one EVALSHA for the batch. */
static int record_batch(struct cw_redis *r, const struct cw_sighting_in *in, size_t n,
                        const struct batch *b, const struct claim_args *ca, const char *ttls,
                        struct cw_sighting *out, size_t *done, char *errstr, size_t errsize)
{
	size_t cap = 2 + n * 8 + b->nkeys, k = 0, nrep;
	const char **args = cw_xmalloc(cap * sizeof(*args));
	size_t *len = cw_xmalloc(cap * sizeof(*len));
	redisReply **rep;
	int rc;

#define ARG(p, l) (args[k] = (p), len[k] = (l), k++)
	ARG(cw_redis_prefix(r), strlen(cw_redis_prefix(r)));
	ARG(ttls, strlen(ttls));
	for (size_t i = 0; i < n; i++) {
		const char *outlet = in[i].outlet ? in[i].outlet : "";
		const char *art = in[i].article_id ? in[i].article_id : "";
		ARG(out[i].cluster, 16);
		ARG(outlet, strlen(outlet));
		ARG(art, strlen(art));
		ARG(ca[i].tms, strlen(ca[i].tms));
		ARG(ca[i].fop, 1);
		ARG(b->key[b->first[i]], b->keylen[b->first[i]]);
		ARG(ca[i].ptr, 33);
		ARG(ca[i].nb, strlen(ca[i].nb));
		for (size_t j = 0; in[i].lsh_keys && j < in[i].nbands; j++)
			if (b->write[b->first[i] + 1 + j])
				ARG(b->key[b->first[i] + 1 + j], b->keylen[b->first[i] + 1 + j]);
	}
#undef ARG
	cw_redis_append_script(r, &batch_script, 0, NULL, NULL, (int)k, args, len);
	free(args);
	free(len);
	if ((rc = cw_redis_exec(r, &rep, &nrep, errstr, errsize)) < 0)
		return rc;
	if (nrep != 1 || rep[0]->type != REDIS_REPLY_ARRAY || rep[0]->elements != 5 * n)
		return bad_reply(nrep ? rep[0] : NULL, errstr, errsize);
	for (size_t i = 0; i < n; i++, (*done)++)
		take(&in[i], &out[i], rep[0]->element + 5 * i);
	return 0;
}

/* Round trip 2, one EVALSHA per claim naming its cluster's slot only, and
 * single-key pointer writes. */
static int record_per_claim(struct cw_redis *r, const struct cw_sighting_in *in, size_t n,
                            const struct batch *b, const struct claim_args *ca, const char *ttls,
                            struct cw_sighting *out, size_t *done, char *errstr, size_t errsize)
{
	size_t *first_rep = cw_xmalloc(n * sizeof(*first_rep)), nrep, ttlen = strlen(ttls);
	redisReply **rep;
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		char hkey[SG_KEY], okey[SG_KEY], akey[SG_KEY];
		const char *keys[3] = {hkey, okey, akey};
		const char *args[4];
		const char *fk = b->key[b->first[i]];
		size_t fkl = b->keylen[b->first[i]];

		cw_redis_key(r, hkey, sizeof(hkey), "sg:{%s}", out[i].cluster);
		cw_redis_key(r, okey, sizeof(okey), "sg:{%s}:outlets", out[i].cluster);
		cw_redis_key(r, akey, sizeof(akey), "sg:{%s}:articles", out[i].cluster);
		args[0] = in[i].outlet ? in[i].outlet : "";
		args[1] = in[i].article_id ? in[i].article_id : "";
		args[2] = ca[i].tms;
		args[3] = ttls;
		first_rep[i] = cw_redis_pending(r);
		cw_redis_append_script(r, &record_script, 3, keys, NULL, 4, args, NULL);
		if (ca[i].fop[0] == 'S') {
			const char *argv[7] = {"SET", fk, ca[i].ptr, "EX", ttls, "NX"};
			size_t argvlen[7] = {3, fkl, 33, 2, ttlen, 2};
			cw_redis_appendv(r, 6, argv, argvlen);
		} else if (ca[i].fop[0] == 'E') {
			const char *argv[3] = {"EXPIRE", fk, ttls};
			size_t argvlen[3] = {6, fkl, ttlen};
			cw_redis_appendv(r, 3, argv, argvlen);
		}
		for (size_t j = 0; in[i].lsh_keys && j < in[i].nbands; j++) {
			size_t k = b->first[i] + 1 + j;
			const char *argv[6] = {"SET", b->key[k], ca[i].ptr, "EX", ttls, "NX"};
			size_t argvlen[6] = {3, b->keylen[k], 33, 2, ttlen, 2};
			if (b->write[k])
				cw_redis_appendv(r, 6, argv, argvlen);
		}
	}
	if ((rc = cw_redis_exec(r, &rep, &nrep, errstr, errsize)) < 0)
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
	int per_claim = o && o->per_claim_script;
	char ttls[24];
	size_t done = 0;
	struct batch b = {0};
	struct claim_args *ca = NULL;
	int *fp_known = NULL;
	int rc = 0;

	memset(out, 0, n * sizeof(*out));
	if (n == 0)
		goto out;
	snprintf(ttls, sizeof(ttls), "%lld", ttl);
	batch_keys(r, &b, in, n);
	if ((rc = read_pointers(r, &b, per_claim, errstr, errsize)) < 0)
		goto out;
	fp_known = cw_xmalloc(n * sizeof(*fp_known));
	choose(in, n, maxham, &b, out, fp_known);
	/* the replies of round trip 1 are freed by the next exec */
	ca = cw_xmalloc(n * sizeof(*ca));
	for (size_t i = 0; i < n; i++)
		fill_args(&in[i], &out[i], fp_known[i], &b, i, &ca[i]);
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
	free(fp_known);
	return rc;
}
