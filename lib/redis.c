/*
 * redis.c — one blocking hiredis connection with reconnect, backoff,
 * pipelining and Lua scripts (see redis.h for the contract).
 *
 * Why commands are queued here rather than in hiredis's output buffer: when
 * the connection dies the hiredis context is thrown away with everything
 * appended to it; keeping the formatted commands ourselves lets a NOSCRIPT
 * fallback re-send single commands and keeps the queue's life independent of
 * the context's.
 *
 * Where the CPU goes on a big pipeline: commands are formatted here, back to
 * back in one buffer that is written to the socket as it is (hiredis would
 * format each length with sprintf and copy the commands once more), and
 * replies are built in an arena that the next exec reuses (hiredis would
 * malloc each reply and each string, and free them one by one).
 */
#include "lib/redis.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "lib/common.h"
#include "lib/log.h"

#define BACKOFF_FIRST_MS 100
#define BACKOFF_MAX_MS   10000
#define CHUNK_SIZE       (64 * 1024)
/* What the queue's buffer and the arena keep for the next exec; a bigger
 * pipeline or reply is freed once done, so it does not pin its memory. */
#define KEEP_BYTES (4 * 1024 * 1024)

/* One queued command: bytes [off, off + len) of the queue's buffer.  An
 * EVALSHA keeps its script, so that the EVAL form (the same arguments after
 * the SHA, from byte rest on) is built only when the server asks for it. */
struct queued {
	size_t off, len;
	const struct cw_redis_script *script;
	size_t rest;
};

/* Replies are allocated from a chain of chunks that the next exec reuses,
 * rather than one malloc per reply and per string. */
struct chunk {
	struct chunk *next;
	size_t size, used;
	max_align_t data[];
};

struct cw_redis {
	char *host, *socket, *password, *prefix;
	int port, db, connect_timeout_ms, command_timeout_ms;

	redisContext *c;
	int alive;            /* c is connected and in a known state */
	int outage;           /* "lost"/"cannot connect" logged, "restored" not yet */
	int64_t next_attempt; /* monotonic ms before which no reconnect is tried */
	int64_t backoff_ms;   /* wait after the next failed attempt */
	char last_err[256];   /* why the connection is down */

	struct queued *q;
	size_t nq, capq;
	char *buf; /* the queued commands, RESP-formatted, back to back */
	size_t len, cap;

	redisReply **rep; /* replies of the last exec, in the arena, borrowed by callers */
	size_t nrep, caprep;
	struct chunk *arena, *cur;

	struct cw_redis_stats stats;
};

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

static const char *where(const struct cw_redis *r, char *buf, size_t size)
{
	if (r->socket)
		snprintf(buf, size, "unix:%s", r->socket);
	else
		snprintf(buf, size, "%s:%d", r->host, r->port);
	return buf;
}

/*
 * Writing to a connection the server has closed raises SIGPIPE, which would
 * kill the process before hiredis could report EPIPE.  A library must not
 * change the process's signal dispositions, so the calling thread blocks
 * SIGPIPE around its I/O and swallows one that became pending meanwhile.
 */
struct sigpipe_guard {
	sigset_t old;
	int was_pending;
};

static void sigpipe_block(struct sigpipe_guard *g)
{
	sigset_t set, pending;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigpending(&pending);
	g->was_pending = sigismember(&pending, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, &g->old);
}

static void sigpipe_restore(struct sigpipe_guard *g)
{
	sigset_t set, pending;
	struct timespec zero = {0, 0};

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigpending(&pending);
	if (!g->was_pending && sigismember(&pending, SIGPIPE))
		while (sigtimedwait(&set, NULL, &zero) < 0 && errno == EINTR)
			;
	pthread_sigmask(SIG_SETMASK, &g->old, NULL);
}

/* Empties the arena, which holds the replies of the last exec. */
static void free_replies(struct cw_redis *r)
{
	struct chunk **p = &r->arena;
	size_t kept = 0;

	while (*p) {
		struct chunk *k = *p;
		if (kept + k->size > KEEP_BYTES) {
			*p = k->next;
			free(k);
			continue;
		}
		kept += k->size;
		k->used = 0;
		p = &k->next;
	}
	r->cur = r->arena;
	r->nrep = 0;
}

static void *arena_alloc(struct cw_redis *r, size_t n)
{
	struct chunk *k = r->cur;
	void *p;

	n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
	/* the chunks after the current one are empty */
	while (k && k->size - k->used < n)
		k = k->next;
	if (!k) {
		size_t size = CW_MAX(CHUNK_SIZE, n);
		k = cw_xmalloc(sizeof(*k) + size);
		k->size = size;
		k->used = 0;
		if (r->cur) {
			k->next = r->cur->next;
			r->cur->next = k;
		} else {
			k->next = r->arena;
			r->arena = k;
		}
	}
	r->cur = k;
	p = (char *)k->data + k->used;
	k->used += n;
	return p;
}

/* hiredis's reply builders, allocating from the arena (task->privdata is
 * the handle): the same objects as hiredis's own, never freed one by one. */
static redisReply *new_reply(const redisReadTask *t, int type, size_t extra)
{
	redisReply *rep = arena_alloc(t->privdata, sizeof(*rep) + extra);

	memset(rep, 0, sizeof(*rep));
	rep->type = type;
	if (t->parent)
		((redisReply *)t->parent->obj)->element[t->idx] = rep;
	return rep;
}

static void *create_string(const redisReadTask *t, char *str, size_t len)
{
	redisReply *rep = new_reply(t, t->type, len + 1);

	rep->str = (char *)(rep + 1);
	memcpy(rep->str, str, len);
	rep->str[len] = 0;
	rep->len = len;
	return rep;
}

static void *create_array(const redisReadTask *t, int elements)
{
	size_t n = elements > 0 ? (size_t)elements : 0;
	redisReply *rep = new_reply(t, REDIS_REPLY_ARRAY, n * sizeof(redisReply *));

	rep->elements = n;
	if (n) {
		rep->element = (redisReply **)(rep + 1);
		memset(rep->element, 0, n * sizeof(redisReply *));
	}
	return rep;
}

static void *create_integer(const redisReadTask *t, long long value)
{
	redisReply *rep = new_reply(t, REDIS_REPLY_INTEGER, 0);

	rep->integer = value;
	return rep;
}

static void *create_nil(const redisReadTask *t)
{
	return new_reply(t, REDIS_REPLY_NIL, 0);
}

static void free_none(void *obj)
{
	(void)obj;
}

static redisReplyObjectFunctions arena_replies = {create_string, create_array, create_integer,
                                                  create_nil, free_none};

void cw_redis_discard(struct cw_redis *r)
{
	r->nq = 0;
	r->len = 0;
	if (r->cap > KEEP_BYTES) {
		free(r->buf);
		r->buf = NULL;
		r->cap = 0;
	}
}

/* The connection failed under a command: drop it, log the outage once, and let
 * the next call reconnect at once (the backoff starts with the first failed
 * reconnect, so a server restart costs one failed command, not 100 ms). */
static void mark_dead(struct cw_redis *r, const char *why)
{
	char w[300];

	snprintf(r->last_err, sizeof(r->last_err), "%s", why);
	if (r->c) {
		redisFree(r->c);
		r->c = NULL;
	}
	r->alive = 0;
	if (!r->outage) {
		cw_warn("msg=\"redis connection lost\" redis=%s error=\"%s\"",
		        where(r, w, sizeof(w)), why);
		r->outage = 1;
		r->stats.losses++;
		r->next_attempt = 0;
		r->backoff_ms = BACKOFF_FIRST_MS;
	}
}

static void attempt_failed(struct cw_redis *r, const char *why)
{
	char w[300];

	snprintf(r->last_err, sizeof(r->last_err), "%s", why);
	if (r->c) {
		redisFree(r->c);
		r->c = NULL;
	}
	r->alive = 0;
	if (!r->outage) {
		cw_warn("msg=\"cannot connect to redis\" redis=%s error=\"%s\"",
		        where(r, w, sizeof(w)), why);
		r->outage = 1;
		r->backoff_ms = BACKOFF_FIRST_MS;
	}
	r->next_attempt = cw_mono_ms() + r->backoff_ms;
	r->backoff_ms = CW_MIN(r->backoff_ms * 2, BACKOFF_MAX_MS);
}

static struct timeval ms_tv(int ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
	return tv;
}

/* Sends one setup command (AUTH, SELECT) on a fresh context. */
static int setup_command(struct cw_redis *r, char *why, size_t whysize, const char *fmt, ...)
{
	va_list ap;
	redisReply *rep;
	struct sigpipe_guard g;
	int rc = 0;

	va_start(ap, fmt);
	sigpipe_block(&g);
	rep = redisvCommand(r->c, fmt, ap);
	sigpipe_restore(&g);
	va_end(ap);
	if (!rep) {
		snprintf(why, whysize, "%s", r->c->errstr[0] ? r->c->errstr : "no reply");
		return -1;
	}
	if (rep->type == REDIS_REPLY_ERROR) {
		snprintf(why, whysize, "%.*s", (int)rep->len, rep->str);
		rc = -1;
	}
	freeReplyObject(rep);
	return rc;
}

int cw_redis_connect(struct cw_redis *r, char *errstr, size_t errsize)
{
	char why[256], w[300];
	int64_t now;
	int rc = 0;

	if (r->c && r->alive)
		goto out;
	now = cw_mono_ms();
	if (now < r->next_attempt) {
		seterr(errstr, errsize, "redis %s unavailable: %s (next attempt in %lld ms)",
		       where(r, w, sizeof(w)), r->last_err, (long long)(r->next_attempt - now));
		rc = CW_ERR_RETRY;
		goto out;
	}
	if (r->c) {
		redisFree(r->c);
		r->c = NULL;
	}
	if (r->socket)
		r->c = redisConnectUnixWithTimeout(r->socket, ms_tv(r->connect_timeout_ms));
	else
		r->c = redisConnectWithTimeout(r->host, r->port, ms_tv(r->connect_timeout_ms));
	if (!r->c || r->c->err) {
		snprintf(why, sizeof(why), "%s", r->c ? r->c->errstr : "cannot allocate context");
		goto fail;
	}
	if (redisSetTimeout(r->c, ms_tv(r->command_timeout_ms)) != REDIS_OK) {
		snprintf(why, sizeof(why), "cannot set timeout: %s", strerror(errno));
		goto fail;
	}
	if (r->password && setup_command(r, why, sizeof(why), "AUTH %s", r->password) < 0)
		goto fail;
	if (r->db && setup_command(r, why, sizeof(why), "SELECT %d", r->db) < 0)
		goto fail;
	/* from here on, replies go to the arena (setup_command freed its own) */
	r->c->reader->fn = &arena_replies;
	r->c->reader->privdata = r;
	r->alive = 1;
	r->backoff_ms = BACKOFF_FIRST_MS;
	r->next_attempt = 0;
	if (r->outage) {
		cw_notice("msg=\"redis connection restored\" redis=%s", where(r, w, sizeof(w)));
		r->outage = 0;
		r->stats.reconnects++;
	}
	goto out;
fail:
	attempt_failed(r, why);
	seterr(errstr, errsize, "redis %s: %s", where(r, w, sizeof(w)), why);
	rc = CW_ERR_RETRY;
out:
	return rc;
}

int cw_redis_is_connected(const struct cw_redis *r)
{
	return r->c && r->alive;
}

static char *dupornull(const char *s)
{
	return s && *s ? cw_xstrdup(s) : NULL;
}

struct cw_redis *cw_redis_new_params(const struct cw_redis_params *p, char *errstr, size_t errsize)
{
	struct cw_redis *r = cw_xcalloc(1, sizeof(*r));

	r->host = cw_xstrdup(p->host && *p->host ? p->host : "127.0.0.1");
	r->port = p->port > 0 ? p->port : 6379;
	r->socket = dupornull(p->socket);
	r->password = dupornull(p->password);
	r->db = p->db;
	r->connect_timeout_ms = p->connect_timeout_ms > 0 ? p->connect_timeout_ms : 2000;
	r->command_timeout_ms = p->command_timeout_ms > 0 ? p->command_timeout_ms : 5000;
	r->prefix = cw_xstrdup(p->key_prefix ? p->key_prefix : "cw:");
	r->backoff_ms = BACKOFF_FIRST_MS;
	/* A first failure is not an error here: the handle retries later. */
	cw_redis_connect(r, errstr, errsize);
	return r;
}

struct cw_redis *cw_redis_new(const struct cw_config *cfg, char *errstr, size_t errsize)
{
	struct cw_redis_params p = {0};
	long long port = cw_config_int(cfg, "redis.port");
	long long db = cw_config_int(cfg, "redis.db");

	if (port < 0 || port > 65535 || db < 0 || db > 15) {
		seterr(errstr, errsize, "redis.port or redis.db out of range");
		return NULL;
	}
	p.host = cw_config_str(cfg, "redis.host");
	p.port = (int)port;
	p.socket = cw_config_str(cfg, "redis.socket");
	p.password = cw_config_str(cfg, "redis.password");
	p.db = (int)db;
	p.connect_timeout_ms = (int)cw_config_int(cfg, "redis.connect_timeout_ms");
	p.command_timeout_ms = (int)cw_config_int(cfg, "redis.command_timeout_ms");
	p.key_prefix = cw_config_str(cfg, "redis.key_prefix");
	return cw_redis_new_params(&p, errstr, errsize);
}

void cw_redis_free(struct cw_redis *r)
{
	if (!r)
		return;
	cw_redis_discard(r);
	if (r->c)
		redisFree(r->c);
	while (r->arena) {
		struct chunk *k = r->arena;
		r->arena = k->next;
		free(k);
	}
	free(r->q);
	free(r->buf);
	free(r->rep);
	free(r->host);
	free(r->socket);
	free(r->password);
	free(r->prefix);
	free(r);
}

const char *cw_redis_prefix(const struct cw_redis *r)
{
	return r->prefix;
}

int cw_redis_key(const struct cw_redis *r, char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(buf, size, "%s", r->prefix);
	int m;

	if (n < 0 || (size_t)n >= size)
		return n;
	va_start(ap, fmt);
	m = vsnprintf(buf + n, size - (size_t)n, fmt, ap);
	va_end(ap);
	return m < 0 ? m : n + m;
}

/* Room for n more bytes at the end of the queue's buffer. */
static char *queue_room(struct cw_redis *r, size_t n)
{
	if (r->cap - r->len < n) {
		r->cap = CW_MAX(CW_MAX(r->cap * 2, r->len + n), (size_t)4096);
		r->buf = cw_xrealloc(r->buf, r->cap);
	}
	return r->buf + r->len;
}

/* Records the command written at the end of the buffer, up to end. */
static void push(struct cw_redis *r, const char *end, const struct cw_redis_script *script,
                 size_t rest)
{
	if (r->nq == r->capq) {
		r->capq = r->capq ? r->capq * 2 : 64;
		r->q = cw_xrealloc(r->q, r->capq * sizeof(*r->q));
	}
	r->q[r->nq].off = r->len;
	r->q[r->nq].len = (size_t)(end - (r->buf + r->len));
	r->q[r->nq].script = script;
	r->q[r->nq].rest = rest;
	r->len += r->q[r->nq].len;
	r->nq++;
}

/* Bytes at most that put_len() writes. */
#define LEN_MAX 24

/* A RESP length line: type ('*' or '$'), n in decimal, CRLF. */
static char *put_len(char *p, char type, size_t n)
{
	char d[20];
	int k = 0;

	*p++ = type;
	if (n < 100) { /* most arguments: keys, fields, numbers */
		if (n >= 10)
			*p++ = (char)('0' + n / 10);
		*p++ = (char)('0' + n % 10);
		*p++ = '\r';
		*p++ = '\n';
		return p;
	}
	do
		d[k++] = (char)('0' + n % 10);
	while (n /= 10);
	while (k)
		*p++ = d[--k];
	*p++ = '\r';
	*p++ = '\n';
	return p;
}

/* One bulk string argument (LEN_MAX + len + 2 bytes at most). */
static char *put_arg(char *p, const char *s, size_t len)
{
	p = put_len(p, '$', len);
	memcpy(p, s, len);
	p += len;
	*p++ = '\r';
	*p++ = '\n';
	return p;
}

/* Queues a command formatted by hiredis. */
static void push_formatted(struct cw_redis *r, char *cmd, int len)
{
	if (len < 0) /* a format error is a programming error */
		abort();
	memcpy(queue_room(r, (size_t)len), cmd, (size_t)len);
	free(cmd);
	push(r, r->buf + r->len + len, NULL, 0);
}

void cw_redis_append(struct cw_redis *r, const char *fmt, ...)
{
	va_list ap;
	char *cmd = NULL;
	int len;

	va_start(ap, fmt);
	len = redisvFormatCommand(&cmd, fmt, ap);
	va_end(ap);
	push_formatted(r, cmd, len);
}

void cw_redis_appendv(struct cw_redis *r, int argc, const char **argv, const size_t *argvlen)
{
	size_t need = LEN_MAX;
	char *p;

	for (int i = 0; i < argc; i++)
		need += LEN_MAX + (argvlen ? argvlen[i] : strlen(argv[i])) + 2;
	p = put_len(queue_room(r, need), '*', (size_t)argc);
	for (int i = 0; i < argc; i++)
		p = put_arg(p, argv[i], argvlen ? argvlen[i] : strlen(argv[i]));
	push(r, p, NULL, 0);
}

size_t cw_redis_pending(const struct cw_redis *r)
{
	return r->nq;
}

/* Writes the queue's buffer to the socket.  0, or -1 with the connection
 * marked dead. */
static int send_queue(struct cw_redis *r, char *errstr, size_t errsize)
{
	const char *p = r->buf;
	size_t left = r->len;
	char w[300];

	while (left) {
		ssize_t k = write(r->c->fd, p, left);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			char why[256];
			snprintf(why, sizeof(why), "%s",
			         k < 0 ? strerror(errno) : "connection closed");
			seterr(errstr, errsize, "redis %s: %s", where(r, w, sizeof(w)), why);
			mark_dead(r, why);
			return -1;
		}
		p += k;
		left -= (size_t)k;
	}
	return 0;
}

/* Appends the EVAL form of EVALSHA q to the context: the same "*<argc>"
 * line and the same arguments after the SHA. */
static void append_eval(struct cw_redis *r, const struct queued *q)
{
	const char *cmd = r->buf + q->off, *body = q->script->body;
	size_t head = (size_t)((const char *)memchr(cmd, '\n', q->len) - cmd) + 1;
	size_t blen = strlen(body), tail = q->len - q->rest;
	char *e = cw_xmalloc(head + 10 + LEN_MAX + blen + 2 + tail), *p = e;

	memcpy(p, cmd, head);
	p += head;
	p = put_arg(p, "EVAL", 4);
	p = put_arg(p, body, blen);
	memcpy(p, cmd + q->rest, tail);
	p += tail;
	redisAppendFormattedCommand(r->c, e, (size_t)(p - e));
	free(e);
}

/* Reads n replies into r->rep[from..from+n) after their commands were
 * appended to the context.  0, or -1 with the connection marked dead. */
static int read_replies(struct cw_redis *r, redisReply **out, size_t n, char *errstr,
                        size_t errsize)
{
	char w[300];

	for (size_t i = 0; i < n; i++) {
		void *rep = NULL;
		if (redisGetReply(r->c, &rep) != REDIS_OK || !rep) {
			char why[256];
			snprintf(why, sizeof(why), "%s",
			         r->c->errstr[0] ? r->c->errstr : "connection closed");
			seterr(errstr, errsize, "redis %s: %s", where(r, w, sizeof(w)), why);
			mark_dead(r, why);
			return -1;
		}
		out[i] = rep;
	}
	return 0;
}

static int is_noscript(const redisReply *rep)
{
	return rep && rep->type == REDIS_REPLY_ERROR && rep->len >= 8 &&
	       memcmp(rep->str, "NOSCRIPT", 8) == 0;
}

/*
 * Error replies that say "not now" rather than "never": the server is loading
 * its data, busy with a script, out of memory, a replica that cannot take
 * writes, or a cluster slot in motion.  The work is retried like a lost
 * connection, never failed: DESIGN.md's "Redis unavailable" rule.
 */
static int is_transient(const redisReply *rep)
{
	static const char *const codes[] = {"LOADING",  "BUSY",       "OOM",        "TRYAGAIN",
	                                    "READONLY", "MASTERDOWN", "CLUSTERDOWN"};

	if (!rep || rep->type != REDIS_REPLY_ERROR)
		return 0;
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		size_t l = strlen(codes[i]);
		if (rep->len >= l && memcmp(rep->str, codes[i], l) == 0 &&
		    (rep->len == l || rep->str[l] == ' '))
			return 1;
	}
	return 0;
}

int cw_redis_exec(struct cw_redis *r, redisReply ***replies, size_t *n, char *errstr,
                  size_t errsize)
{
	size_t nq = r->nq, nretry = 0;
	redisReply **retry = NULL;
	struct sigpipe_guard g;
	int rc;

	free_replies(r);
	*replies = NULL;
	*n = 0;
	rc = cw_redis_connect(r, errstr, errsize);
	if (rc < 0)
		goto out;
	if (r->caprep < nq) {
		r->caprep = nq;
		r->rep = cw_xrealloc(r->rep, nq * sizeof(*r->rep));
	}
	r->stats.round_trips++;
	r->stats.commands += nq;
	sigpipe_block(&g);
	rc = send_queue(r, errstr, errsize);
	if (rc == 0)
		rc = read_replies(r, r->rep, nq, errstr, errsize);
	sigpipe_restore(&g);
	if (rc < 0) {
		rc = CW_ERR_RETRY;
		goto out;
	}
	r->nrep = nq;

	/* Scripts the server does not know yet: send them again as EVAL. */
	for (size_t i = 0; i < nq; i++)
		if (r->q[i].script && is_noscript(r->rep[i])) {
			append_eval(r, &r->q[i]);
			nretry++;
		}
	if (nretry) {
		retry = cw_xcalloc(nretry, sizeof(*retry));
		r->stats.round_trips++;
		r->stats.commands += nretry;
		sigpipe_block(&g);
		rc = read_replies(r, retry, nretry, errstr, errsize);
		sigpipe_restore(&g);
		if (rc < 0) {
			free_replies(r);
			rc = CW_ERR_RETRY;
			goto out;
		}
		for (size_t i = 0, k = 0; i < nq; i++)
			if (r->q[i].script && is_noscript(r->rep[i]))
				r->rep[i] = retry[k++];
	}
	for (size_t i = 0; i < nq; i++) {
		if (is_transient(r->rep[i])) {
			seterr(errstr, errsize, "redis busy: %.*s", (int)r->rep[i]->len,
			       r->rep[i]->str);
			/* A demoted master stays demoted: reconnect (to whatever
			 * the address now names) rather than retry the same node. */
			if ((r->rep[i]->len >= 8 && !memcmp(r->rep[i]->str, "READONLY", 8)) ||
			    (r->rep[i]->len >= 10 && !memcmp(r->rep[i]->str, "MASTERDOWN", 10)))
				mark_dead(r, "server is not a writable master");
			free_replies(r);
			rc = CW_ERR_RETRY;
			goto out;
		}
	}
	*replies = r->rep;
	*n = nq;
out:
	free(retry);
	cw_redis_discard(r);
	return rc;
}

int cw_redis_commandv(struct cw_redis *r, redisReply **reply, char *errstr, size_t errsize,
                      int argc, const char **argv, const size_t *argvlen)
{
	redisReply **reps;
	size_t n;
	int rc;

	if (reply)
		*reply = NULL;
	cw_redis_discard(r);
	cw_redis_appendv(r, argc, argv, argvlen);
	rc = cw_redis_exec(r, &reps, &n, errstr, errsize);
	if (rc < 0)
		goto out;
	if (reply)
		*reply = reps[0];
	if (reps[0]->type == REDIS_REPLY_ERROR) {
		seterr(errstr, errsize, "redis: %.*s", (int)reps[0]->len, reps[0]->str);
		rc = CW_ERR;
	}
out:
	return rc;
}

int cw_redis_command(struct cw_redis *r, redisReply **reply, char *errstr, size_t errsize,
                     const char *fmt, ...)
{
	redisReply **reps;
	size_t n;
	va_list ap;
	char *cmd = NULL;
	int len, rc;

	if (reply)
		*reply = NULL;
	cw_redis_discard(r);
	va_start(ap, fmt);
	len = redisvFormatCommand(&cmd, fmt, ap);
	va_end(ap);
	push_formatted(r, cmd, len);
	rc = cw_redis_exec(r, &reps, &n, errstr, errsize);
	if (rc < 0)
		goto out;
	if (reply)
		*reply = reps[0];
	if (reps[0]->type == REDIS_REPLY_ERROR) {
		seterr(errstr, errsize, "redis: %.*s", (int)reps[0]->len, reps[0]->str);
		rc = CW_ERR;
	}
out:
	return rc;
}

int cw_redis_ping(struct cw_redis *r, char *errstr, size_t errsize)
{
	redisReply *rep;
	int rc = cw_redis_command(r, &rep, errstr, errsize, "PING");

	if (rc == 0 && !(rep->type == REDIS_REPLY_STATUS && strcmp(rep->str, "PONG") == 0)) {
		seterr(errstr, errsize, "redis: unexpected answer to PING");
		rc = CW_ERR;
	}
	return rc;
}

long long cw_redis_reply_int(const redisReply *rep)
{
	if (!rep)
		return 0;
	if (rep->type == REDIS_REPLY_INTEGER)
		return rep->integer;
	if (rep->type == REDIS_REPLY_STRING || rep->type == REDIS_REPLY_STATUS)
		return strtoll(rep->str, NULL, 10);
	return 0;
}

void cw_redis_get_stats(const struct cw_redis *r, struct cw_redis_stats *out)
{
	*out = r->stats;
}

/*
 * SHA-1 (FIPS 180-4), only to name Lua scripts for EVALSHA the way Redis does.
 */
struct sha1 {
	uint32_t h[5];
	uint64_t len;
	unsigned char buf[64];
	size_t nbuf;
};

static uint32_t rol(uint32_t x, int n)
{
	return (x << n) | (x >> (32 - n));
}

static void sha1_block(struct sha1 *s, const unsigned char *p)
{
	uint32_t w[80], a, b, c, d, e, t;

	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 80; i++)
		w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3], e = s->h[4];
	for (int i = 0; i < 80; i++) {
		uint32_t f, k;
		if (i < 20)
			f = (b & c) | (~b & d), k = 0x5A827999;
		else if (i < 40)
			f = b ^ c ^ d, k = 0x6ED9EBA1;
		else if (i < 60)
			f = (b & c) | (b & d) | (c & d), k = 0x8F1BBCDC;
		else
			f = b ^ c ^ d, k = 0xCA62C1D6;
		t = rol(a, 5) + f + e + k + w[i];
		e = d, d = c, c = rol(b, 30), b = a, a = t;
	}
	s->h[0] += a, s->h[1] += b, s->h[2] += c, s->h[3] += d, s->h[4] += e;
}

static void sha1_update(struct sha1 *s, const unsigned char *p, size_t n)
{
	s->len += n;
	while (n) {
		size_t k = CW_MIN(n, 64 - s->nbuf);
		memcpy(s->buf + s->nbuf, p, k);
		s->nbuf += k, p += k, n -= k;
		if (s->nbuf == 64) {
			sha1_block(s, s->buf);
			s->nbuf = 0;
		}
	}
}

static void sha1_hex(const char *data, size_t n, char out[41])
{
	struct sha1 s = {{0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0}, 0, {0}, 0};
	uint64_t bits;
	unsigned char pad = 0x80, zero = 0, lenb[8];

	sha1_update(&s, (const unsigned char *)data, n);
	bits = s.len * 8;
	sha1_update(&s, &pad, 1);
	while (s.nbuf != 56)
		sha1_update(&s, &zero, 1);
	for (int i = 0; i < 8; i++)
		lenb[i] = (unsigned char)(bits >> (56 - 8 * i));
	sha1_update(&s, lenb, 8);
	for (int i = 0; i < 5; i++)
		snprintf(out + 8 * i, 9, "%08x", s.h[i]);
}

void cw_redis_append_script(struct cw_redis *r, struct cw_redis_script *s, int nkeys,
                            const char *const *keys, const size_t *keylen, int nargs,
                            const char *const *args, const size_t *arglen)
{
	size_t need = 4 * LEN_MAX + 7 + 40 + 20 + 8, rest;
	char nk[16], *p, *start;
	int nklen;

	if (!__atomic_load_n(&s->sha_ready, __ATOMIC_ACQUIRE)) {
		/* scripts are static and shared: one thread fills the digest */
		static pthread_mutex_t sha_lock = PTHREAD_MUTEX_INITIALIZER;
		pthread_mutex_lock(&sha_lock);
		if (!s->sha_ready) {
			sha1_hex(s->body, strlen(s->body), s->sha);
			__atomic_store_n(&s->sha_ready, 1, __ATOMIC_RELEASE);
		}
		pthread_mutex_unlock(&sha_lock);
	}
	nklen = snprintf(nk, sizeof(nk), "%d", nkeys);
	for (int i = 0; i < nkeys; i++)
		need += LEN_MAX + (keylen ? keylen[i] : strlen(keys[i])) + 2;
	for (int i = 0; i < nargs; i++)
		need += LEN_MAX + (arglen ? arglen[i] : strlen(args[i])) + 2;
	start = queue_room(r, need);
	p = put_len(start, '*', (size_t)(3 + nkeys + nargs));
	p = put_arg(p, "EVALSHA", 7);
	p = put_arg(p, s->sha, 40);
	rest = (size_t)(p - start);
	p = put_arg(p, nk, (size_t)nklen);
	for (int i = 0; i < nkeys; i++)
		p = put_arg(p, keys[i], keylen ? keylen[i] : strlen(keys[i]));
	for (int i = 0; i < nargs; i++)
		p = put_arg(p, args[i], arglen ? arglen[i] : strlen(args[i]));
	push(r, p, s, rest);
}
