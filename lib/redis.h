/*
 * redis.h — claimwire's connection to Redis (hiredis, blocking API).
 *
 * One struct cw_redis is one connection, used by one thread.  It is created
 * from the redis.* configuration keys (lib/keys.c): redis.socket wins over
 * redis.host/redis.port; redis.password (AUTH) and redis.db (SELECT) are sent
 * on every (re)connect; redis.connect_timeout_ms bounds the connect and
 * redis.command_timeout_ms every read and write.
 *
 * Failures of the connection (refused, timed out, reset, closed by the server)
 * are never fatal: every call returns CW_ERR_RETRY with a message, marks the
 * connection dead, and the next call reconnects.  Reconnect attempts are
 * spaced by an exponential backoff (100 ms doubling, capped at 10 s): a call
 * made before the next attempt is due returns CW_ERR_RETRY at once without
 * touching the network, so a worker that retries in a tight loop does not
 * hammer a dead server.  "connection lost" and "connection restored" are each
 * logged once per outage, not once per command.  Nothing is re-sent
 * automatically after a failure: a command that failed may or may not have
 * run, so the caller retries the whole unit of work (claimwire's writes are
 * idempotent for that reason).
 *
 * An error reply from the server ("-ERR ...", "-WRONGTYPE ...") is not a
 * connection failure: single commands return CW_ERR with the server's message;
 * in a pipeline each reply is left for the caller to inspect.
 *
 * Keys: every key claimwire writes starts with redis.key_prefix ("cw:" by
 * default); build them with cw_redis_key().  Where several keys must be used by
 * one script or transaction on Redis Cluster, callers put the shared part in
 * {hash tag} braces.  This client talks to one node (standalone or a Cluster
 * node through a proxy); it does not follow MOVED redirections.
 */
#ifndef CW_REDIS_H
#define CW_REDIS_H

#include <hiredis/hiredis.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/config.h"

struct cw_redis;

/* Connection parameters, as read from the redis.* keys. */
struct cw_redis_params {
	const char *host;       /* default "127.0.0.1" */
	int port;               /* default 6379 */
	const char *socket;     /* unix socket path; wins over host/port when set */
	const char *password;   /* AUTH when set */
	int db;                 /* SELECT when non-zero */
	int connect_timeout_ms; /* default 2000 */
	int command_timeout_ms; /* default 5000 */
	const char *key_prefix; /* default "cw:" */
};

/* Creates a handle from the redis.* keys of cfg and tries to connect once.  The
 * handle is returned even when Redis is down (every call then returns
 * CW_ERR_RETRY until it comes back); only a bad configuration gives NULL.
 * Strings are copied.  Free with cw_redis_free(). */
struct cw_redis *cw_redis_new(const struct cw_config *cfg, char *errstr, size_t errsize);

/* The same from explicit parameters (NULL/0 fields take the defaults). */
struct cw_redis *cw_redis_new_params(const struct cw_redis_params *p, char *errstr, size_t errsize);

/* Closes the connection and frees the handle; NULL is a no-op. */
void cw_redis_free(struct cw_redis *r);

/* Makes sure the connection is up: connects if needed (subject to the backoff)
 * and returns 0, or CW_ERR_RETRY with errstr. */
int cw_redis_connect(struct cw_redis *r, char *errstr, size_t errsize);

/* Whether the last call found the connection alive (no network round trip). */
int cw_redis_is_connected(const struct cw_redis *r);

/* PING: 0 when Redis answered PONG, CW_ERR_RETRY when unreachable. */
int cw_redis_ping(struct cw_redis *r, char *errstr, size_t errsize);

/* redis.key_prefix ("cw:").  Borrowed, valid for the handle's life. */
const char *cw_redis_prefix(const struct cw_redis *r);

/* Writes prefix + printf(fmt, ...) into buf[size]; returns the key's length
 * (like snprintf: >= size means it was cut, which callers treat as a bug). */
int cw_redis_key(const struct cw_redis *r, char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * One command, one round trip.  fmt is hiredis's format (%s, %b with
 * pointer + size_t length).  On success *reply (may be NULL when not wanted)
 * is the reply, borrowed: valid until the next command or exec on r.
 * Returns 0; CW_ERR with the server's message when the reply is an error
 * (*reply still points to it); CW_ERR_RETRY when the connection failed.
 */
int cw_redis_command(struct cw_redis *r, redisReply **reply, char *errstr, size_t errsize,
                     const char *fmt, ...);
int cw_redis_commandv(struct cw_redis *r, redisReply **reply, char *errstr, size_t errsize,
                      int argc, const char **argv, const size_t *argvlen);

/*
 * Pipelining: queue any number of commands, then send them all and read all
 * replies in one round trip with cw_redis_exec().  Queued commands are held by
 * r (not by hiredis), so a failed exec loses nothing the caller cannot re-queue;
 * exec always empties the queue.
 */
void cw_redis_append(struct cw_redis *r, const char *fmt, ...);
void cw_redis_appendv(struct cw_redis *r, int argc, const char **argv, const size_t *argvlen);

/* Number of commands queued and not yet executed. */
size_t cw_redis_pending(const struct cw_redis *r);

/* Drops the queue without sending it. */
void cw_redis_discard(struct cw_redis *r);

/*
 * Sends the queue and reads one reply per queued command, in order.  On 0,
 * *replies[0..*n) are the replies, borrowed until the next command or exec on
 * r; error replies are among them (type REDIS_REPLY_ERROR) for the caller to
 * judge.  CW_ERR_RETRY with errstr when the connection failed, or when any
 * reply says "not now" (LOADING, BUSY, OOM, TRYAGAIN, READONLY, MASTERDOWN,
 * CLUSTERDOWN): no replies then, and the whole unit of work is retried.
 */
int cw_redis_exec(struct cw_redis *r, redisReply ***replies, size_t *n, char *errstr,
                  size_t errsize);

/*
 * Lua scripts.  A struct cw_redis_script is a static body; its SHA-1 is
 * computed locally on first use.  cw_redis_append_script() queues EVALSHA;
 * when the server answers NOSCRIPT (first use, after a restart or SCRIPT
 * FLUSH) cw_redis_exec() re-sends just those commands as EVAL, which also
 * caches the script, and puts their replies in place: callers never see
 * NOSCRIPT.  keys are used as given (already prefixed).
 */
struct cw_redis_script {
	const char *body;
	char sha[41];  /* filled lazily: lower-case hex SHA-1 of body */
	int sha_ready; /* set (release) once sha is filled: scripts are shared by threads */
};
#define CW_REDIS_SCRIPT(src)                                                                       \
	{                                                                                          \
		(src), {0}, 0                                                                      \
	}

void cw_redis_append_script(struct cw_redis *r, struct cw_redis_script *s, int nkeys,
                            const char *const *keys, const size_t *keylen, int nargs,
                            const char *const *args, const size_t *arglen);

/* Small helpers for replies: integer value (strings parsed, nil/other 0). */
long long cw_redis_reply_int(const redisReply *rep);

/* Counters since the handle was created: round trips, commands sent,
 * connection losses, reconnects. */
struct cw_redis_stats {
	unsigned long long round_trips, commands, losses, reconnects;
};
void cw_redis_get_stats(const struct cw_redis *r, struct cw_redis_stats *out);

#endif
