/*
 * store.c — the report aggregate in Redis (key schema in store.h).
 *
 * Writes: one Lua script per verdict or dead letter, all of a batch queued
 * and sent in one pipelined round trip.  The script is the unit of
 * idempotency: it checks the claim's guard before touching a counter, so a
 * redelivered batch, or two replicas racing on one record, count it once.
 *
 * Reads: listings are driven by sorted sets (articles by time, claims by
 * spread, the review queue), and the records behind them are fetched in
 * pipelined chunks; filters that the indexes cannot answer (rating, status,
 * outlet of a claim) are applied here, over at most scan_limit entries.
 */
#include "report/store.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/common.h"
#include "report/output.h"
#include "report/rbuf.h"

#define CHUNK 64 /* records fetched per pipelined round trip on the read side */
/* Score floor of claims seen more than once: outlets * 1e9 + count, so
 * one outlet and two sightings is 1e9 + 2. */
#define REPEATED_MIN "1000000002"

struct cw_store {
	struct cw_redis *r;
	struct cw_store_limits lim;
	char base[128]; /* P "{report}:" */
	size_t baselen;
};

/* Copies an array reply's strings (ids, fingerprints): a reply dies with
 * the next command on its connection.  Caller frees each and the array. */
static char **reply_strings(const redisReply *rep, size_t *n)
{
	size_t k = rep && rep->type == REDIS_REPLY_ARRAY ? rep->elements : 0;
	char **v = cw_xcalloc(k ? k : 1, sizeof *v);

	for (size_t i = 0; i < k; i++)
		v[i] = cw_xstrndup(rep->element[i]->str, rep->element[i]->len);
	*n = k;
	return v;
}

static struct cw_redis_script verdict_script = CW_REDIS_SCRIPT(
    "local b = KEYS[1]\n"
    "local aid, idx, vb, outlet = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4]\n"
    "local ts, ccount = tonumber(ARGV[8]), tonumber(ARGV[9])\n"
    "local fp, status, rating, cw = ARGV[10], ARGV[12], ARGV[13], ARGV[14]\n"
    "local cws, hour = tonumber(ARGV[15]), ARGV[16]\n"
    "local ttl, now = tonumber(ARGV[18]), ARGV[19]\n"
    "local ak = b .. 'article:' .. aid\n"
    "local created = redis.call('HSETNX', ak, 'id', aid) == 1\n"
    "if created then\n"
    "  redis.call('HSET', ak, 'outlet', outlet, 'title', ARGV[5], 'url', ARGV[6],\n"
    "    'published', ARGV[7], 'first_ms', ts, 'last_ms', ts, 'claim_count', ccount,\n"
    "    'claims_seen', 0)\n"
    "  redis.call('ZADD', b .. 'articles', ts, aid)\n"
    "  redis.call('ZADD', b .. 'outlet:' .. outlet .. ':articles', ts, aid)\n"
    "  redis.call('ZINCRBY', b .. 'outlets', 1, outlet)\n"
    "  redis.call('HINCRBY', b .. 'totals', 'articles', 1)\n"
    "end\n"
    /* articles:last, scored by this write's time, is how the trim finds
     * the articles that have expired; its member names the outlet index the
     * article was filed under at creation. */
    "if ttl > 0 then\n"
    "  redis.call('EXPIRE', ak, ttl)\n"
    "  local ao = created and outlet or (redis.call('HGET', ak, 'outlet') or outlet)\n"
    "  redis.call('ZADD', b .. 'articles:last', now, #ao .. ':' .. ao .. aid)\n"
    "end\n"
    /* An article that yielded no claim: counted, and complete, once.  Sent
     * again with claims, it is complete only when they all are. */
    "if ARGV[17] == '1' then\n"
    "  if created then\n"
    "    redis.call('HSET', ak, 'no_claims', 1)\n"
    "    redis.call('HINCRBY', b .. 'totals', 'articles_complete', 1)\n"
    "  end\n"
    "  return created and 1 or 0\n"
    "end\n"
    "if not created and redis.call('HDEL', ak, 'no_claims') == 1 then\n"
    "  redis.call('HSET', ak, 'claim_count', ccount)\n"
    "  redis.call('HINCRBY', b .. 'totals', 'articles_complete', -1)\n"
    "end\n"
    "local vk = b .. 'verdicts:' .. aid\n"
    "redis.call('ZREMRANGEBYSCORE', vk, idx, idx)\n"
    "redis.call('ZADD', vk, idx, vb)\n"
    "if ttl > 0 then redis.call('EXPIRE', vk, ttl) end\n"
    "local state = status .. '|' .. rating .. '|' .. cw .. '|' .. fp\n"
    /* The guard is a field of the article, so it expires with it.  Builds
     * before report.retention_s kept it in one seen hash for all articles:
     * a verdict of theirs redelivered after an upgrade is found there. */
    "local sk = 'seen:' .. idx\n"
    "local old = redis.call('HGET', ak, sk)\n"
    "  or redis.call('HGET', b .. 'seen', aid .. ':' .. idx)\n"
    "local fk = b .. 'claim:' .. fp\n"
    "local os, orr, ocw, ofp\n"
    "if old then\n"
    "  os, orr, ocw, ofp = string.match(old, '^([^|]*)|([^|]*)|([^|]*)|?([^|]*)$')\n"
    "end\n"
    "if not old then\n"
    "  redis.call('HINCRBY', b .. 'totals', 'claims', 1)\n"
    "  redis.call('HINCRBY', b .. 'count:status', status, 1)\n"
    "  redis.call('HINCRBY', b .. 'count:rating', rating, 1)\n"
    "  redis.call('HINCRBY', b .. 'count:outlet', outlet, 1)\n"
    "  redis.call('HINCRBY', b .. 'count:hour', hour, 1)\n"
    "  if cw == '1' then redis.call('HINCRBY', b .. 'totals', 'check_worthy', 1) end\n"
    "  local seen = redis.call('HINCRBY', ak, 'claims_seen', 1)\n"
    "  if ccount > 0 and seen == ccount then\n"
    "    redis.call('HINCRBY', b .. 'totals', 'articles_complete', 1)\n"
    "  end\n"
    "  if ts > tonumber(redis.call('HGET', ak, 'last_ms')) then\n"
    "    redis.call('HSET', ak, 'last_ms', ts)\n"
    "  end\n"
    "elseif old ~= state and os then\n"
    "  if os ~= status then\n"
    "    redis.call('HINCRBY', b .. 'count:status', os, -1)\n"
    "    redis.call('HINCRBY', b .. 'count:status', status, 1)\n"
    "  end\n"
    "  if orr ~= rating then\n"
    "    redis.call('HINCRBY', b .. 'count:rating', orr, -1)\n"
    "    redis.call('HINCRBY', b .. 'count:rating', rating, 1)\n"
    "  end\n"
    "  if ocw ~= cw then\n"
    "    redis.call('HINCRBY', b .. 'totals', 'check_worthy', cw == '1' and 1 or -1)\n"
    "  end\n"
    "end\n"
    "redis.call('HSET', ak, sk, state)\n"
    /* A claim new to this article slot, or a slot whose claim changed (an
     * article re-sent under its id with new text): count it in its cluster. */
    "if not old or ofp ~= fp then\n"
    "  redis.call('SADD', fk .. ':outlets', outlet)\n"
    "  redis.call('HINCRBY', fk, 'count', 1)\n"
    "  if redis.call('HSETNX', fk, 'fingerprint', fp) == 1 then\n"
    "    redis.call('HSET', fk, 'text', ARGV[11], 'first_outlet', outlet,\n"
    "      'first_article', aid, 'first_ms', ts, 'last_ms', ts)\n"
    "  elseif ts < (tonumber(redis.call('HGET', fk, 'first_ms')) or ts) then\n"
    "    redis.call('HSET', fk, 'first_outlet', outlet, 'first_article', aid, 'first_ms', ts)\n"
    "  end\n"
    "  if ts > (tonumber(redis.call('HGET', fk, 'last_ms')) or 0) then\n"
    "    redis.call('HSET', fk, 'last_ms', ts)\n"
    "  end\n"
    "end\n"
    "redis.call('HSET', fk, 'verdict', vb, 'status', status, 'rating', rating, 'cw', cws)\n"
    /* claims:last, scored by this write's time, is how the trim finds the
     * claims whose cluster has expired in the two indexes below. */
    "if ttl > 0 then\n"
    "  redis.call('EXPIRE', fk, ttl)\n"
    "  redis.call('EXPIRE', fk .. ':outlets', ttl)\n"
    "  redis.call('ZADD', b .. 'claims:last', now, fp)\n"
    "end\n"
    "if status == 'confirmed' then\n"
    "  redis.call('HSET', fk, 'confirmed', 1)\n"
    "  redis.call('ZREM', b .. 'review', fp)\n"
    "end\n"
    "local nout = redis.call('SCARD', fk .. ':outlets')\n"
    "local count = tonumber(redis.call('HGET', fk, 'count')) or 0\n"
    "redis.call('ZADD', b .. 'claims:repeated', nout * 1000000000 + count, fp)\n"
    "if cw == '1' and redis.call('HGET', fk, 'confirmed') ~= '1' then\n"
    "  redis.call('ZADD', b .. 'review', nout * 10 + cws, fp)\n"
    "end\n"
    "if old then return 0 end\n"
    "return 1\n");

/* A dead letter's guard is a key of its own, dlq:id:<partition>:<offset>,
 * expiring after the retention; the dlq:seen set of older builds is still
 * consulted until the trim lets it expire. */
static struct cw_redis_script dead_letter_script =
    CW_REDIS_SCRIPT("local b, ttl = KEYS[1], tonumber(ARGV[5])\n"
                    "if redis.call('SISMEMBER', b .. 'dlq:seen', ARGV[1]) == 1 then return 0 end\n"
                    "local ok\n"
                    "if ttl > 0 then\n"
                    "  ok = redis.call('SET', b .. 'dlq:id:' .. ARGV[1], 1, 'NX', 'EX', ttl)\n"
                    "else\n"
                    "  ok = redis.call('SET', b .. 'dlq:id:' .. ARGV[1], 1, 'NX')\n"
                    "end\n"
                    "if not ok then return 0 end\n"
                    "redis.call('LPUSH', b .. 'dlq', ARGV[2])\n"
                    "redis.call('LTRIM', b .. 'dlq', 0, tonumber(ARGV[4]) - 1)\n"
                    "redis.call('HINCRBY', b .. 'count:dead_letters', ARGV[3], 1)\n"
                    "redis.call('HINCRBY', b .. 'totals', 'dead_letters', 1)\n"
                    "return 1\n");

/* Takes expired articles and claims out of the indexes that list them, a
 * bounded chunk at a time (the caller repeats while a chunk came back
 * full), so that no call holds Redis for long however much has piled up.
 * ARGV: now (unix ms), retention (s), chunk.
 *   articles, walked once in score order from trim:cursor up to the
 *   cutoff: articles filed by older builds, or while the retention was 0,
 *   which articles:last does not know, are put there as written long ago.
 *   articles:last and claims:last, scored by last write: an entry older
 *   than the retention whose hash is gone leaves every index; one whose
 *   hash is still there (written without a TTL) gets a TTL and is looked at
 *   again once it has run.
 * The guard keys of older builds (seen, dlq:seen) are given the retention:
 * past it, nothing they remember is still redelivered.  Returns {articles
 * and claims taken out, 1 when a chunk came back full}. */
static struct cw_redis_script trim_script = CW_REDIS_SCRIPT(
    "local b, now, ttl, chunk = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]\n"
    "local cutoff = now - ttl * 1000\n"
    "local n, full = 0, 0\n"
    "local function ensure_ttl(k)\n"
    "  if redis.call('TTL', k) == -1 then redis.call('EXPIRE', k, ttl) end\n"
    "end\n"
    "local function seen(rows)\n"
    "  if #rows >= tonumber(chunk) then full = 1 end\n"
    "  return rows\n"
    "end\n"
    "local al = b .. 'articles:last'\n"
    "local ck = b .. 'trim:cursor'\n"
    "local from = redis.call('GET', ck) or '-inf'\n"
    "local rows = redis.call('ZRANGEBYSCORE', b .. 'articles', from, '(' .. cutoff,\n"
    "    'WITHSCORES', 'LIMIT', 0, chunk)\n"
    "if #rows >= 2 * tonumber(chunk) then full = 1 end\n"
    "for i = 1, #rows, 2 do\n"
    "  local aid = rows[i]\n"
    "  local o = redis.call('HGET', b .. 'article:' .. aid, 'outlet')\n"
    "  if o then\n"
    "    redis.call('ZADD', al, 'NX', 0, #o .. ':' .. o .. aid)\n"
    "  else\n"
    "    n = n + redis.call('ZREM', b .. 'articles', aid)\n"
    "  end\n"
    "end\n"
    "if #rows > 0 then\n"
    "  redis.call('SET', ck, '(' .. rows[#rows])\n"
    "end\n"
    "for _, m in ipairs(seen(redis.call('ZRANGEBYSCORE', al, '-inf', '(' .. cutoff,\n"
    "    'LIMIT', 0, chunk))) do\n"
    "  local l, rest = string.match(m, '^(%d+):(.*)$')\n"
    "  local o, aid = string.sub(rest, 1, tonumber(l)), string.sub(rest, tonumber(l) + 1)\n"
    "  local ak = b .. 'article:' .. aid\n"
    "  if redis.call('EXISTS', ak) == 1 then\n"
    "    ensure_ttl(ak)\n"
    "    ensure_ttl(b .. 'verdicts:' .. aid)\n"
    "    redis.call('ZADD', al, now, m)\n"
    "  else\n"
    "    n = n + redis.call('ZREM', b .. 'articles', aid)\n"
    "    redis.call('ZREM', b .. 'outlet:' .. o .. ':articles', aid)\n"
    "    redis.call('ZREM', al, m)\n"
    "  end\n"
    "end\n"
    "local lk = b .. 'claims:last'\n"
    "for _, fp in ipairs(seen(redis.call('ZRANGEBYSCORE', lk, '-inf', '(' .. cutoff,\n"
    "    'LIMIT', 0, chunk))) do\n"
    "  local fk = b .. 'claim:' .. fp\n"
    "  if redis.call('EXISTS', fk) == 1 then\n"
    "    ensure_ttl(fk)\n"
    "    ensure_ttl(fk .. ':outlets')\n"
    "    redis.call('ZADD', lk, now, fp)\n"
    "  else\n"
    "    redis.call('ZREM', b .. 'claims:repeated', fp)\n"
    "    redis.call('ZREM', b .. 'review', fp)\n"
    "    n = n + redis.call('ZREM', lk, fp)\n"
    "  end\n"
    "end\n"
    "ensure_ttl(b .. 'seen')\n"
    "ensure_ttl(b .. 'dlq:seen')\n"
    "return {n, full}\n");

#define S(x) ((x) ? (x) : "")

#define TRIM_CHUNK "1000" /* index entries a trim call looks at, per index */
#define TRIM_CALLS 100    /* calls per cw_store_trim() */

void cw_report_filter_init(struct cw_report_filter *f)
{
	memset(f, 0, sizeof *f);
	f->rating = -1;
	f->status = -1;
}

int cw_report_filter_verdict(const struct cw_report_filter *f, const Claimwire__Verdict *v)
{
	if (f->rating >= 0 && cw_output_verdict_rating(v) != f->rating)
		return 0;
	if (f->status >= 0 && (int)v->status != f->status)
		return 0;
	return 1;
}

/* ---- lifecycle ----------------------------------------------------------- */

struct cw_store *cw_store_new_redis(struct cw_redis *r, const struct cw_store_limits *lim)
{
	struct cw_store *s = cw_xcalloc(1, sizeof *s);
	s->r = r;
	s->lim.recent_dead_letters = 200;
	s->lim.page_limit = 100;
	s->lim.scan_limit = 5000;
	s->lim.preview_bytes = 512;
	if (lim) {
		s->lim.preview_bytes = lim->preview_bytes;
		s->lim.retention_s = lim->retention_s;
		if (lim->recent_dead_letters)
			s->lim.recent_dead_letters = lim->recent_dead_letters;
		if (lim->page_limit)
			s->lim.page_limit = lim->page_limit;
		if (lim->scan_limit)
			s->lim.scan_limit = lim->scan_limit;
	}
	int n = snprintf(s->base, sizeof s->base, "%s{report}:", cw_redis_prefix(r));
	s->baselen = n > 0 && (size_t)n < sizeof s->base ? (size_t)n : 0;
	return s;
}

struct cw_store *cw_store_new(const struct cw_config *cfg, char *errstr, size_t errsize)
{
	struct cw_redis *r = cw_redis_new(cfg, errstr, errsize);
	if (!r)
		return NULL;
	struct cw_store_limits lim = {
	    .recent_dead_letters = (size_t)cw_config_int(cfg, "report.recent_dead_letters"),
	    .page_limit = (size_t)cw_config_int(cfg, "report.page_limit"),
	    .scan_limit = (size_t)cw_config_int(cfg, "report.scan_limit"),
	    .preview_bytes = (size_t)cw_config_int(cfg, "report.dead_letter_preview_bytes"),
	    .retention_s = cw_config_int(cfg, "report.retention_s"),
	};
	return cw_store_new_redis(r, &lim);
}

void cw_store_free(struct cw_store *s)
{
	if (!s)
		return;
	cw_redis_free(s->r);
	free(s);
}

struct cw_redis *cw_store_redis(struct cw_store *s)
{
	return s->r;
}

/* ---- helpers ------------------------------------------------------------- */

/* Builds base + parts into buf; returns its length. */
static size_t key(const struct cw_store *s, char *buf, size_t size, const char *a, const char *b,
                  size_t blen, const char *c)
{
	struct cw_rbuf k = CW_RBUF_INIT;
	cw_rbuf_add(&k, s->base, s->baselen);
	cw_rbuf_adds(&k, a);
	if (b)
		cw_rbuf_add(&k, b, blen);
	if (c)
		cw_rbuf_adds(&k, c);
	size_t n = k.len < size ? k.len : size - 1;
	memcpy(buf, k.p, n);
	buf[n] = '\0';
	cw_rbuf_release(&k);
	return n;
}

static int reply_error(const redisReply *rep, char *errstr, size_t errsize)
{
	if (rep && rep->type == REDIS_REPLY_ERROR) {
		snprintf(errstr, errsize, "redis: %.*s", (int)rep->len, rep->str);
		return CW_ERR;
	}
	return 0;
}

/* Looks a field up in an HGETALL reply (RESP2: field, value, ...). */
static const redisReply *hfield(const redisReply *h, const char *field)
{
	if (!h || h->type != REDIS_REPLY_ARRAY)
		return NULL;
	size_t flen = strlen(field);
	for (size_t i = 0; i + 1 < h->elements; i += 2) {
		const redisReply *f = h->element[i];
		if (f->type == REDIS_REPLY_STRING && f->len == flen &&
		    memcmp(f->str, field, flen) == 0)
			return h->element[i + 1];
	}
	return NULL;
}

static char *hstr(const redisReply *h, const char *field)
{
	const redisReply *v = hfield(h, field);
	if (!v || v->type != REDIS_REPLY_STRING)
		return cw_xstrdup("");
	return cw_xstrndup(v->str, v->len);
}

static long long hint(const redisReply *h, const char *field)
{
	const redisReply *v = hfield(h, field);
	return v ? cw_redis_reply_int(v) : 0;
}

static double hdouble(const redisReply *h, const char *field)
{
	const redisReply *v = hfield(h, field);
	if (!v || v->type != REDIS_REPLY_STRING)
		return 0;
	char tmp[64];
	size_t n = v->len < sizeof tmp - 1 ? v->len : sizeof tmp - 1;
	memcpy(tmp, v->str, n);
	tmp[n] = '\0';
	return strtod(tmp, NULL);
}

static Claimwire__Verdict *unpack_verdict(const redisReply *v)
{
	if (!v || v->type != REDIS_REPLY_STRING)
		return NULL;
	return claimwire__verdict__unpack(NULL, v->len, (const uint8_t *)v->str);
}

static void hour_bucket(int64_t ms, char out[24])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	out[0] = '\0';
	if (gmtime_r(&t, &tm))
		strftime(out, 24, "%Y-%m-%dT%H", &tm);
}

/* ---- writes -------------------------------------------------------------- */

int cw_store_add_verdicts(struct cw_store *s, const struct cw_store_verdict *v, size_t n,
                          char *errstr, size_t errsize)
{
	int rc = 0;
	const char *keys[1] = {s->base};
	size_t keylen[1] = {s->baselen};
	int64_t now = cw_now_ms();
	char ttl[24], nowb[24];
	size_t queued = 0;

	snprintf(ttl, sizeof ttl, "%lld", s->lim.retention_s);
	snprintf(nowb, sizeof nowb, "%lld", (long long)now);
	for (size_t i = 0; i < n; i++) {
		const Claimwire__Verdict *vd = v[i].verdict;
		const Claimwire__Claim *c = vd->claim;
		if (!c || !*S(c->article_id))
			continue; /* nothing to file it under: callers dead-letter these */
		int64_t ts = vd->decided_ms > 0 ? vd->decided_ms : now;
		char idx[16], published[24], tsb[24], ccount[16], cws[32], hour[24];
		snprintf(idx, sizeof idx, "%u", c->claim_index);
		snprintf(published, sizeof published, "%lld", (long long)c->published);
		snprintf(tsb, sizeof tsb, "%lld", (long long)ts);
		snprintf(ccount, sizeof ccount, "%u", c->claim_count);
		snprintf(cws, sizeof cws, "%.6f", (double)c->checkworthiness);
		hour_bucket(ts, hour);
		const char *fp = vd->sightings && *S(vd->sightings->cluster)
		                     ? vd->sightings->cluster
		                     : S(c->fingerprint);
		if (!*fp)
			fp = S(c->normalized); /* a claim without fingerprint: its text joins */
		const char *args[19] = {
		    c->article_id,
		    idx,
		    (const char *)v[i].bytes,
		    S(c->outlet),
		    S(c->article_title),
		    S(c->url),
		    published,
		    tsb,
		    ccount,
		    fp,
		    S(c->text),
		    cw_output_status_word(vd->status),
		    cw_output_rating_word(cw_output_verdict_rating(vd)),
		    c->check_worthy ? "1" : "0",
		    cws,
		    hour,
		    c->article_only ? "1" : "0",
		    ttl,
		    nowb,
		};
		size_t arglen[19];
		for (int k = 0; k < 19; k++)
			arglen[k] = k == 2 ? v[i].len : strlen(args[k]);
		cw_redis_append_script(s->r, &verdict_script, 1, keys, keylen, 19, args, arglen);
		queued++;
	}
	if (!queued)
		goto out;
	redisReply **rep;
	size_t nrep;
	rc = cw_redis_exec(s->r, &rep, &nrep, errstr, errsize);
	if (rc < 0)
		goto out;
	for (size_t i = 0; i < nrep && rc == 0; i++)
		rc = reply_error(rep[i], errstr, errsize);
out:
	return rc;
}

int cw_store_add_dead_letters(struct cw_store *s, const struct cw_store_dead_letter *d, size_t n,
                              char *errstr, size_t errsize)
{
	int rc = 0;
	const char *keys[1] = {s->base};
	size_t keylen[1] = {s->baselen};
	char cap[24], ttl[24];
	snprintf(cap, sizeof cap, "%zu", s->lim.recent_dead_letters);
	snprintf(ttl, sizeof ttl, "%lld", s->lim.retention_s);
	struct cw_rbuf *entries = cw_xcalloc(n ? n : 1, sizeof *entries);
	char(*ids)[48] = cw_xcalloc(n ? n : 1, sizeof *ids);
	for (size_t i = 0; i < n; i++) {
		const struct cw_store_dead_letter *dl = &d[i];
		struct cw_rbuf *e = &entries[i];
		snprintf(ids[i], sizeof ids[i], "%d:%lld", (int)dl->partition,
		         (long long)dl->offset);
		cw_rbuf_adds(e, "{\"stage\":");
		cw_output_json_string(e, S(dl->stage), strlen(S(dl->stage)));
		cw_rbuf_adds(e, ",\"error\":");
		cw_output_json_string(e, S(dl->error), strlen(S(dl->error)));
		cw_rbuf_adds(e, ",\"topic\":");
		cw_output_json_string(e, S(dl->topic), strlen(S(dl->topic)));
		cw_rbuf_addf(e, ",\"partition\":%lld,\"offset\":%lld",
		             dl->source_partition ? atoll(dl->source_partition) : -1LL,
		             dl->source_offset ? atoll(dl->source_offset) : -1LL);
		cw_rbuf_addf(e, ",\"at_ms\":%lld,\"bytes\":%zu,\"key\":",
		             (long long)(dl->at_ms ? dl->at_ms : cw_now_ms()), dl->len);
		cw_output_json_string(e, dl->key ? (const char *)dl->key : "",
		                      dl->key ? CW_MIN(dl->keylen, (size_t)256) : 0);
		cw_rbuf_adds(e, ",\"value\":");
		cw_output_json_string(e, dl->value ? (const char *)dl->value : "",
		                      dl->value ? CW_MIN(dl->len, s->lim.preview_bytes) : 0);
		cw_rbuf_addc(e, '}');
		const char *stage = *S(dl->stage) ? dl->stage : "unknown";
		const char *args[5] = {ids[i], e->p, stage, cap, ttl};
		size_t arglen[5] = {strlen(ids[i]), e->len, strlen(stage), strlen(cap),
		                    strlen(ttl)};
		cw_redis_append_script(s->r, &dead_letter_script, 1, keys, keylen, 5, args, arglen);
	}
	if (n) {
		redisReply **rep;
		size_t nrep;
		rc = cw_redis_exec(s->r, &rep, &nrep, errstr, errsize);
		for (size_t i = 0; rc == 0 && i < nrep; i++)
			rc = reply_error(rep[i], errstr, errsize);
	}
	for (size_t i = 0; i < n; i++)
		cw_rbuf_release(&entries[i]);
	free(entries);
	free(ids);
	return rc;
}

int cw_store_trim(struct cw_store *s, size_t *removed, char *errstr, size_t errsize)
{
	int rc = 0;
	const char *keys[1] = {s->base};
	size_t keylen[1] = {s->baselen};
	char now[24], ttl[24];
	redisReply **rep;
	size_t nrep;

	if (removed)
		*removed = 0;
	if (s->lim.retention_s <= 0)
		goto out;
	snprintf(now, sizeof now, "%lld", (long long)cw_now_ms());
	snprintf(ttl, sizeof ttl, "%lld", s->lim.retention_s);
	const char *args[3] = {now, ttl, TRIM_CHUNK};
	size_t arglen[3] = {strlen(now), strlen(ttl), strlen(TRIM_CHUNK)};
	/* A chunk per call, so other clients get a turn in between; a trim
	 * stops after TRIM_CALLS of them and the next one goes on. */
	for (int call = 0; call < TRIM_CALLS; call++) {
		cw_redis_append_script(s->r, &trim_script, 1, keys, keylen, 3, args, arglen);
		rc = cw_redis_exec(s->r, &rep, &nrep, errstr, errsize);
		if (rc < 0 || nrep != 1)
			goto out;
		rc = reply_error(rep[0], errstr, errsize);
		if (rc != 0)
			goto out;
		if (rep[0]->type != REDIS_REPLY_ARRAY || rep[0]->elements != 2) {
			snprintf(errstr, errsize, "trim: unexpected reply");
			rc = CW_ERR_IO;
			goto out;
		}
		if (removed)
			*removed += (size_t)rep[0]->element[0]->integer;
		if (rep[0]->element[1]->integer == 0)
			break;
	}
out:
	return rc;
}

/* ---- releases ------------------------------------------------------------ */

static void article_release(struct cw_report_article *a)
{
	free(a->id);
	free(a->outlet);
	free(a->title);
	free(a->url);
	for (size_t i = 0; i < a->nverdicts; i++)
		claimwire__verdict__free_unpacked(a->verdicts[i], NULL);
	free(a->verdicts);
}

void cw_report_articles_release(struct cw_report_articles *a)
{
	for (size_t i = 0; i < a->n; i++)
		article_release(&a->v[i]);
	free(a->v);
	memset(a, 0, sizeof *a);
}

static void claim_release(struct cw_report_claim *c)
{
	free(c->fingerprint);
	free(c->text);
	free(c->first_outlet);
	free(c->first_article_id);
	for (size_t i = 0; i < c->noutlets; i++)
		free(c->outlets[i]);
	free(c->outlets);
	if (c->verdict)
		claimwire__verdict__free_unpacked(c->verdict, NULL);
}

void cw_report_claims_release(struct cw_report_claims *c)
{
	for (size_t i = 0; i < c->n; i++)
		claim_release(&c->v[i]);
	free(c->v);
	memset(c, 0, sizeof *c);
}

void cw_report_dead_letters_release(struct cw_report_dead_letters *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].stage);
		free(d->v[i].error);
		free(d->v[i].topic);
		free(d->v[i].key);
		free(d->v[i].value);
	}
	free(d->v);
	memset(d, 0, sizeof *d);
}

static void counts_release(struct cw_report_counts *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].name);
	free(c->v);
	memset(c, 0, sizeof *c);
}

void cw_report_stats_release(struct cw_report_stats *s)
{
	counts_release(&s->by_status);
	counts_release(&s->by_rating);
	counts_release(&s->by_outlet);
	counts_release(&s->by_hour);
	counts_release(&s->dead_by_stage);
	for (size_t i = 0; i < s->nstages; i++) {
		free(s->stages[i].stage);
		counts_release(&s->stages[i].fields);
	}
	free(s->stages);
	memset(s, 0, sizeof *s);
}

/* ---- articles ------------------------------------------------------------ */

static size_t want(const struct cw_store *s, const struct cw_report_filter *f)
{
	return f && f->limit ? f->limit : s->lim.page_limit;
}

/* Fills a from the article hash and its verdicts; returns 1 when it passes
 * the filter's rating/status (an article with no matching verdict does not). */
static int load_article(struct cw_report_article *a, const redisReply *h, const redisReply *vs,
                        const struct cw_report_filter *f)
{
	memset(a, 0, sizeof *a);
	if (!h || h->type != REDIS_REPLY_ARRAY || h->elements == 0)
		return 0;
	a->id = hstr(h, "id");
	a->outlet = hstr(h, "outlet");
	a->title = hstr(h, "title");
	a->url = hstr(h, "url");
	a->published = hint(h, "published");
	a->first_ms = hint(h, "first_ms");
	a->last_ms = hint(h, "last_ms");
	a->claim_count = (unsigned)hint(h, "claim_count");
	a->claims_seen = (unsigned)hint(h, "claims_seen");
	if (vs && vs->type == REDIS_REPLY_ARRAY && vs->elements) {
		a->verdicts = cw_xcalloc(vs->elements, sizeof *a->verdicts);
		for (size_t i = 0; i < vs->elements; i++) {
			Claimwire__Verdict *v = unpack_verdict(vs->element[i]);
			if (!v)
				continue;
			if (f && !cw_report_filter_verdict(f, v)) {
				claimwire__verdict__free_unpacked(v, NULL);
				continue;
			}
			a->verdicts[a->nverdicts++] = v;
		}
	}
	return !f || (f->rating < 0 && f->status < 0) || a->nverdicts > 0;
}

int cw_store_articles(struct cw_store *s, const struct cw_report_filter *f, int oldest_first,
                      struct cw_report_articles *out, char *errstr, size_t errsize)
{
	int rc = 0;
	char k[1024], since[24];
	size_t limit = want(s, f), scan = CW_MAX(s->lim.scan_limit, limit);
	char count[24];
	memset(out, 0, sizeof *out);
	if (f && f->outlet)
		key(s, k, sizeof k, "outlet:", f->outlet, strlen(f->outlet), ":articles");
	else
		key(s, k, sizeof k, "articles", NULL, 0, NULL);
	snprintf(since, sizeof since, "%lld", f ? (long long)f->since_ms : 0LL);
	snprintf(count, sizeof count, "%zu", scan);
	const char *argv[] = {oldest_first ? "ZRANGEBYSCORE" : "ZREVRANGEBYSCORE",
	                      k,
	                      oldest_first ? since : "+inf",
	                      oldest_first ? "+inf" : since,
	                      "LIMIT",
	                      "0",
	                      count};
	size_t argl[7];
	for (int i = 0; i < 7; i++)
		argl[i] = strlen(argv[i]);
	redisReply *rep;
	rc = cw_redis_commandv(s->r, &rep, errstr, errsize, 7, argv, argl);
	if (rc < 0)
		goto out;
	size_t nids;
	char **ids = reply_strings(rep, &nids);
	out->v = cw_xcalloc(limit, sizeof *out->v);
	for (size_t at = 0; at < nids && rc == 0 && !out->truncated; at += CHUNK) {
		size_t m = CW_MIN((size_t)CHUNK, nids - at);
		for (size_t i = 0; i < m; i++) {
			char ak[1024], vk[1024];
			key(s, ak, sizeof ak, "article:", ids[at + i], strlen(ids[at + i]), NULL);
			key(s, vk, sizeof vk, "verdicts:", ids[at + i], strlen(ids[at + i]), NULL);
			const char *a1[] = {"HGETALL", ak};
			size_t l1[] = {7, strlen(ak)};
			cw_redis_appendv(s->r, 2, a1, l1);
			const char *a2[] = {"ZRANGE", vk, "0", "-1"};
			size_t l2[] = {6, strlen(vk), 1, 2};
			cw_redis_appendv(s->r, 4, a2, l2);
		}
		redisReply **reps;
		size_t nrep;
		rc = cw_redis_exec(s->r, &reps, &nrep, errstr, errsize);
		for (size_t i = 0; rc == 0 && i + 1 < nrep; i += 2) {
			if ((rc = reply_error(reps[i], errstr, errsize)) < 0 ||
			    (rc = reply_error(reps[i + 1], errstr, errsize)) < 0)
				break;
			struct cw_report_article a;
			int ok = load_article(&a, reps[i], reps[i + 1], f);
			if (ok && out->n == limit) {
				out->truncated = 1;
				ok = 0;
			}
			if (ok)
				out->v[out->n++] = a;
			else
				article_release(&a);
		}
	}
	if (rc == 0 && nids == scan && out->n == limit)
		out->truncated = 1;
	for (size_t i = 0; i < nids; i++)
		free(ids[i]);
	free(ids);
out:
	return rc;
}

/* ---- claims -------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_claim(struct cw_report_claim *c, const char *fp, const redisReply *h,
                      const redisReply *outlets, const struct cw_report_filter *f)
{
	memset(c, 0, sizeof *c);
	if (!h || h->type != REDIS_REPLY_ARRAY || h->elements == 0)
		return 0;
	c->fingerprint = cw_xstrdup(fp);
	c->text = hstr(h, "text");
	c->first_outlet = hstr(h, "first_outlet");
	c->first_article_id = hstr(h, "first_article");
	c->first_ms = hint(h, "first_ms");
	c->last_ms = hint(h, "last_ms");
	c->count = (unsigned long long)hint(h, "count");
	c->checkworthiness = hdouble(h, "cw");
	c->verdict = unpack_verdict(hfield(h, "verdict"));
	int has_outlet = !f || !f->outlet;
	if (outlets && outlets->type == REDIS_REPLY_ARRAY) {
		c->outlets =
		    cw_xcalloc(outlets->elements ? outlets->elements : 1, sizeof *c->outlets);
		for (size_t i = 0; i < outlets->elements; i++) {
			const redisReply *o = outlets->element[i];
			c->outlets[c->noutlets++] = cw_xstrndup(o->str, o->len);
			if (!has_outlet && strlen(f->outlet) == o->len &&
			    memcmp(f->outlet, o->str, o->len) == 0)
				has_outlet = 1;
		}
		cw_qsort(c->outlets, c->noutlets, sizeof *c->outlets, cmp_str);
	}
	if (!f)
		return 1;
	if (!has_outlet || (f->since_ms && c->last_ms < f->since_ms))
		return 0;
	if ((f->rating >= 0 || f->status >= 0) &&
	    (!c->verdict || !cw_report_filter_verdict(f, c->verdict)))
		return 0;
	return 1;
}

/* Lists claims named by the sorted set query argv, filtered. */
static int list_claims(struct cw_store *s, int argc, const char **argv,
                       const struct cw_report_filter *f, struct cw_report_claims *out, char *errstr,
                       size_t errsize)
{
	int rc = 0;
	size_t limit = want(s, f);
	size_t argl[8];
	memset(out, 0, sizeof *out);
	for (int i = 0; i < argc; i++)
		argl[i] = strlen(argv[i]);
	redisReply *rep;
	rc = cw_redis_commandv(s->r, &rep, errstr, errsize, argc, argv, argl);
	if (rc < 0)
		goto out;
	size_t nfp;
	char **fps = reply_strings(rep, &nfp);
	out->v = cw_xcalloc(limit, sizeof *out->v);
	for (size_t at = 0; at < nfp && rc == 0 && !out->truncated; at += CHUNK) {
		size_t m = CW_MIN((size_t)CHUNK, nfp - at);
		for (size_t i = 0; i < m; i++) {
			char fk[1024], ok[1024];
			key(s, fk, sizeof fk, "claim:", fps[at + i], strlen(fps[at + i]), NULL);
			key(s, ok, sizeof ok, "claim:", fps[at + i], strlen(fps[at + i]),
			    ":outlets");
			const char *a1[] = {"HGETALL", fk};
			size_t l1[] = {7, strlen(fk)};
			cw_redis_appendv(s->r, 2, a1, l1);
			const char *a2[] = {"SMEMBERS", ok};
			size_t l2[] = {8, strlen(ok)};
			cw_redis_appendv(s->r, 2, a2, l2);
		}
		redisReply **reps;
		size_t nrep;
		rc = cw_redis_exec(s->r, &reps, &nrep, errstr, errsize);
		for (size_t i = 0; rc == 0 && i + 1 < nrep; i += 2) {
			if ((rc = reply_error(reps[i], errstr, errsize)) < 0 ||
			    (rc = reply_error(reps[i + 1], errstr, errsize)) < 0)
				break;
			struct cw_report_claim c;
			int ok = load_claim(&c, fps[at + i / 2], reps[i], reps[i + 1], f);
			if (ok && out->n == limit) {
				out->truncated = 1;
				ok = 0;
			}
			if (ok)
				out->v[out->n++] = c;
			else
				claim_release(&c);
		}
	}
	for (size_t i = 0; i < nfp; i++)
		free(fps[i]);
	free(fps);
out:
	return rc;
}

int cw_store_repeated(struct cw_store *s, const struct cw_report_filter *f,
                      struct cw_report_claims *out, char *errstr, size_t errsize)
{
	char k[256], count[24];
	key(s, k, sizeof k, "claims:repeated", NULL, 0, NULL);
	snprintf(count, sizeof count, "%zu", CW_MAX(s->lim.scan_limit, want(s, f)));
	const char *argv[] = {"ZREVRANGEBYSCORE", k, "+inf", REPEATED_MIN, "LIMIT", "0", count};
	return list_claims(s, 7, argv, f, out, errstr, errsize);
}

int cw_store_review(struct cw_store *s, const struct cw_report_filter *f,
                    struct cw_report_claims *out, char *errstr, size_t errsize)
{
	char k[256], count[24];
	key(s, k, sizeof k, "review", NULL, 0, NULL);
	snprintf(count, sizeof count, "%zu", CW_MAX(s->lim.scan_limit, want(s, f)));
	const char *argv[] = {"ZREVRANGEBYSCORE", k, "+inf", "-inf", "LIMIT", "0", count};
	return list_claims(s, 7, argv, f, out, errstr, errsize);
}

/* ---- dead letters -------------------------------------------------------- */

static char *jdup(json_t *o, const char *field)
{
	const char *v = json_string_value(json_object_get(o, field));
	return cw_xstrdup(v ? v : "");
}

int cw_store_dead_letters(struct cw_store *s, const struct cw_report_filter *f,
                          struct cw_report_dead_letters *out, char *errstr, size_t errsize)
{
	int rc = 0;
	char k[256], stop[24];
	size_t limit = CW_MIN(want(s, f), s->lim.recent_dead_letters);
	memset(out, 0, sizeof *out);
	key(s, k, sizeof k, "dlq", NULL, 0, NULL);
	snprintf(stop, sizeof stop, "%zu", s->lim.recent_dead_letters - 1);
	const char *argv[] = {"LRANGE", k, "0", stop};
	size_t argl[] = {6, strlen(k), 1, strlen(stop)};
	redisReply *rep;
	rc = cw_redis_commandv(s->r, &rep, errstr, errsize, 4, argv, argl);
	if (rc < 0 || !rep || rep->type != REDIS_REPLY_ARRAY)
		goto out;
	out->v = cw_xcalloc(limit ? limit : 1, sizeof *out->v);
	for (size_t i = 0; i < rep->elements && out->n < limit; i++) {
		json_error_t jerr;
		json_t *o = json_loadb(rep->element[i]->str, rep->element[i]->len, 0, &jerr);
		if (!json_is_object(o)) {
			json_decref(o);
			continue;
		}
		int64_t at = json_integer_value(json_object_get(o, "at_ms"));
		if (f && f->since_ms && at < f->since_ms) {
			json_decref(o);
			continue;
		}
		struct cw_report_dead_letter *d = &out->v[out->n++];
		d->stage = jdup(o, "stage");
		d->error = jdup(o, "error");
		d->topic = jdup(o, "topic");
		d->key = jdup(o, "key");
		json_t *val = json_object_get(o, "value");
		d->value_len = json_string_length(val);
		d->value =
		    cw_xstrndup(json_string_value(val) ? json_string_value(val) : "", d->value_len);
		d->bytes = (size_t)json_integer_value(json_object_get(o, "bytes"));
		d->partition = (int32_t)json_integer_value(json_object_get(o, "partition"));
		d->offset = json_integer_value(json_object_get(o, "offset"));
		d->at_ms = at;
		json_decref(o);
	}
out:
	return rc;
}

/* ---- stats --------------------------------------------------------------- */

static void count_add(struct cw_report_counts *c, const char *name, size_t len, long long n)
{
	for (size_t i = 0; i < c->n; i++)
		if (strlen(c->v[i].name) == len && memcmp(c->v[i].name, name, len) == 0) {
			c->v[i].n += n;
			return;
		}
	c->v = cw_xrealloc(c->v, (c->n + 1) * sizeof *c->v);
	c->v[c->n].name = cw_xstrndup(name, len);
	c->v[c->n].n = n;
	c->n++;
}

static void counts_from_hash(struct cw_report_counts *c, const redisReply *h)
{
	if (!h || h->type != REDIS_REPLY_ARRAY)
		return;
	for (size_t i = 0; i + 1 < h->elements; i += 2) {
		long long n = cw_redis_reply_int(h->element[i + 1]);
		if (n != 0) /* a count moved away to another rating leaves a zero */
			count_add(c, h->element[i]->str, h->element[i]->len, n);
	}
}

/* Counts stored by older builds under "unspecified" are the "unrated" ones. */
static void rating_rename_legacy(struct cw_report_counts *c)
{
	for (size_t i = 0; i < c->n; i++) {
		if (strcmp(c->v[i].name, "unspecified") != 0)
			continue;
		struct cw_report_count old = c->v[i];
		c->v[i] = c->v[--c->n];
		count_add(c, "unrated", strlen("unrated"), old.n);
		free(old.name);
		return;
	}
}

static int by_count_desc(const void *a, const void *b)
{
	const struct cw_report_count *x = a, *y = b;
	if (x->n != y->n)
		return x->n < y->n ? 1 : -1;
	return strcmp(x->name, y->name);
}

static int by_name(const void *a, const void *b)
{
	const struct cw_report_count *x = a, *y = b;
	return strcmp(x->name, y->name);
}

/* Orders counts by the word order of an enum (status/rating words). */
static void sort_words(struct cw_report_counts *c, const char *(*word)(int), int lo, int hi)
{
	size_t at = 0;
	for (int w = lo; w <= hi; w++) {
		const char *name = word(w);
		for (size_t i = at; i < c->n; i++)
			if (strcmp(c->v[i].name, name) == 0) {
				struct cw_report_count t = c->v[at];
				c->v[at++] = c->v[i];
				c->v[i] = t;
				break;
			}
	}
}

static const char *rating_word_order(int i)
{
	/* false first: what an editor looks for */
	static const int order[] = {5, 4, 3, 6, 2, 1, 7, CW_RATING_NONE, 0};
	return cw_output_rating_word(order[i]);
}

static void sort_stats(struct cw_report_stats *st)
{
	sort_words(&st->by_status, cw_output_status_word, 1, 3);
	sort_words(&st->by_rating, rating_word_order, 0, 8);
	cw_qsort(st->by_outlet.v, st->by_outlet.n, sizeof *st->by_outlet.v, by_count_desc);
	cw_qsort(st->by_hour.v, st->by_hour.n, sizeof *st->by_hour.v, by_name);
	cw_qsort(st->dead_by_stage.v, st->dead_by_stage.n, sizeof *st->dead_by_stage.v,
	         by_count_desc);
}

/* Every key matching pattern, by SCAN, at most max_keys of them (copied:
 * free with free_keys).  CW_ERR_RETRY when Redis is down. */
static int scan_keys(struct cw_store *s, const char *pattern, size_t max_keys, char ***keys,
                     size_t *nkeys, char *errstr, size_t errsize)
{
	char cursor[32] = "0";
	int rc = 0;

	*keys = NULL;
	*nkeys = 0;
	do {
		const char *argv[] = {"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"};
		size_t argl[6];
		redisReply *rep;

		for (int i = 0; i < 6; i++)
			argl[i] = strlen(argv[i]);
		rc = cw_redis_commandv(s->r, &rep, errstr, errsize, 6, argv, argl);
		if (rc < 0 || !rep || rep->type != REDIS_REPLY_ARRAY || rep->elements != 2)
			break;
		snprintf(cursor, sizeof cursor, "%.*s", (int)rep->element[0]->len,
		         rep->element[0]->str);
		const redisReply *ks = rep->element[1];
		for (size_t i = 0; i < ks->elements && *nkeys < max_keys; i++) {
			*keys = cw_xrealloc(*keys, (*nkeys + 1) * sizeof **keys);
			(*keys)[(*nkeys)++] = cw_xstrndup(ks->element[i]->str, ks->element[i]->len);
		}
	} while (strcmp(cursor, "0") != 0 && *nkeys < max_keys);
	return rc;
}

static void free_keys(char **keys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
}

/* Reads every P "metrics:<stage>" hash (SCAN, bounded). */
static int load_stage_metrics(struct cw_store *s, struct cw_report_stats *st, char *errstr,
                              size_t errsize)
{
	char pattern[256];
	const char *prefix = cw_redis_prefix(s->r);
	snprintf(pattern, sizeof pattern, "%smetrics:*", prefix);
	size_t plen = strlen(prefix) + strlen("metrics:");
	char **all, **keys = NULL;
	size_t nall, nkeys = 0;
	int rc = scan_keys(s, pattern, 1024, &all, &nall, errstr, errsize);

	/* "metrics:<stage>" only, not deeper keys; a few stages at most. */
	for (size_t i = 0; i < nall; i++) {
		if (strlen(all[i]) <= plen || strchr(all[i] + plen, ':') || nkeys == 64) {
			free(all[i]);
			continue;
		}
		keys = cw_xrealloc(keys, (nkeys + 1) * sizeof *keys);
		keys[nkeys++] = all[i];
	}
	free(all);
	cw_qsort(keys, nkeys, sizeof *keys, cmp_str);
	for (size_t i = 0; i < nkeys && rc == 0; i++) {
		const char *argv[] = {"HGETALL", keys[i]};
		size_t argl[] = {7, strlen(keys[i])};
		redisReply *rep;
		if (cw_redis_commandv(s->r, &rep, errstr, errsize, 2, argv, argl) < 0)
			continue; /* not a hash (WRONGTYPE): someone else's key, skip */
		st->stages = cw_xrealloc(st->stages, (st->nstages + 1) * sizeof *st->stages);
		struct cw_report_stage *sg = &st->stages[st->nstages++];
		sg->stage = cw_xstrdup(keys[i] + plen);
		memset(&sg->fields, 0, sizeof sg->fields);
		if (rep && rep->type == REDIS_REPLY_ARRAY)
			for (size_t j = 0; j + 1 < rep->elements; j += 2)
				count_add(&sg->fields, rep->element[j]->str, rep->element[j]->len,
				          cw_redis_reply_int(rep->element[j + 1]));
	}
	free_keys(keys, nkeys);
	return rc == CW_ERR_RETRY ? rc : 0;
}

static int filter_is_empty(const struct cw_report_filter *f)
{
	return !f || (!f->since_ms && !f->outlet && f->rating < 0 && f->status < 0);
}

/* Counts over the articles, repeated claims, review queue and dead letters
 * that the filter selects. */
static int filtered_stats(struct cw_store *s, const struct cw_report_filter *f,
                          struct cw_report_stats *st, char *errstr, size_t errsize)
{
	struct cw_report_filter g = *f;
	struct cw_report_articles a = {0};
	struct cw_report_claims c = {0};
	struct cw_report_dead_letters d = {0};
	g.limit = s->lim.scan_limit;
	st->filtered = 1;
	int rc = cw_store_articles(s, &g, 0, &a, errstr, errsize);
	if (rc < 0)
		goto out;
	for (size_t i = 0; i < a.n; i++) {
		st->articles++;
		if (a.v[i].claims_seen >= a.v[i].claim_count)
			st->articles_complete++; /* an article with no claim is complete */
		for (size_t j = 0; j < a.v[i].nverdicts; j++) {
			const Claimwire__Verdict *v = a.v[i].verdicts[j];
			const char *w = cw_output_status_word(v->status);
			char hour[24];
			st->claims++;
			st->check_worthy += v->claim && v->claim->check_worthy;
			count_add(&st->by_status, w, strlen(w), 1);
			w = cw_output_rating_word(cw_output_verdict_rating(v));
			count_add(&st->by_rating, w, strlen(w), 1);
			count_add(&st->by_outlet, a.v[i].outlet, strlen(a.v[i].outlet), 1);
			hour_bucket(v->decided_ms > 0 ? v->decided_ms : a.v[i].first_ms, hour);
			count_add(&st->by_hour, hour, strlen(hour), 1);
		}
	}
	st->outlets = (long long)st->by_outlet.n;
	g.limit = s->lim.scan_limit;
	if ((rc = cw_store_review(s, &g, &c, errstr, errsize)) < 0)
		goto out;
	st->review = (long long)c.n;
	cw_report_claims_release(&c);
	if ((rc = cw_store_repeated(s, &g, &c, errstr, errsize)) < 0)
		goto out;
	st->repeated = (long long)c.n;
	if ((rc = cw_store_dead_letters(s, &g, &d, errstr, errsize)) < 0)
		goto out;
	for (size_t i = 0; i < d.n; i++)
		count_add(&st->dead_by_stage, d.v[i].stage, strlen(d.v[i].stage), 1);
	st->dead_letters = (long long)d.n;
out:
	cw_report_articles_release(&a);
	cw_report_claims_release(&c);
	cw_report_dead_letters_release(&d);
	return rc;
}

int cw_store_stats(struct cw_store *s, const struct cw_report_filter *f,
                   struct cw_report_stats *out, char *errstr, size_t errsize)
{
	int rc = 0;
	memset(out, 0, sizeof *out);
	if (!filter_is_empty(f)) {
		rc = filtered_stats(s, f, out, errstr, errsize);
		goto done;
	}
	static const char *const hashes[] = {"totals",       "count:status", "count:rating",
	                                     "count:outlet", "count:hour",   "count:dead_letters"};
	char k[256];
	for (size_t i = 0; i < CW_ARRAY_SIZE(hashes); i++) {
		key(s, k, sizeof k, hashes[i], NULL, 0, NULL);
		const char *argv[] = {"HGETALL", k};
		size_t argl[] = {7, strlen(k)};
		cw_redis_appendv(s->r, 2, argv, argl);
	}
	key(s, k, sizeof k, "review", NULL, 0, NULL);
	{
		const char *argv[] = {"ZCARD", k};
		size_t argl[] = {5, strlen(k)};
		cw_redis_appendv(s->r, 2, argv, argl);
	}
	key(s, k, sizeof k, "claims:repeated", NULL, 0, NULL);
	{
		const char *argv[] = {"ZCOUNT", k, REPEATED_MIN, "+inf"};
		size_t argl[] = {6, strlen(k), strlen(REPEATED_MIN), 4};
		cw_redis_appendv(s->r, 4, argv, argl);
	}
	key(s, k, sizeof k, "outlets", NULL, 0, NULL);
	{
		const char *argv[] = {"ZCARD", k};
		size_t argl[] = {5, strlen(k)};
		cw_redis_appendv(s->r, 2, argv, argl);
	}
	redisReply **rep;
	size_t n;
	rc = cw_redis_exec(s->r, &rep, &n, errstr, errsize);
	if (rc < 0)
		goto done;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = reply_error(rep[i], errstr, errsize);
	if (rc < 0 || n != 9)
		goto done;
	out->articles = hint(rep[0], "articles");
	out->articles_complete = hint(rep[0], "articles_complete");
	out->claims = hint(rep[0], "claims");
	out->check_worthy = hint(rep[0], "check_worthy");
	out->dead_letters = hint(rep[0], "dead_letters");
	counts_from_hash(&out->by_status, rep[1]);
	counts_from_hash(&out->by_rating, rep[2]);
	rating_rename_legacy(&out->by_rating);
	counts_from_hash(&out->by_outlet, rep[3]);
	counts_from_hash(&out->by_hour, rep[4]);
	counts_from_hash(&out->dead_by_stage, rep[5]);
	out->review = cw_redis_reply_int(rep[6]);
	out->repeated = cw_redis_reply_int(rep[7]);
	out->outlets = cw_redis_reply_int(rep[8]);
done:
	if (rc == 0)
		rc = load_stage_metrics(s, out, errstr, errsize);
	sort_stats(out);
	return rc;
}
