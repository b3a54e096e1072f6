/*
 * http.h — the live dashboard: HTML pages an editor keeps open, the JSON API
 * behind each page, Prometheus /metrics, /healthz and /readyz.
 *
 * Served by libmicrohttpd from one internal polling thread, so requests are
 * handled one at a time on that thread; it reads Redis through its own
 * struct cw_store (its own connection), never the worker's.
 *
 *   /                   articles with their claims and verdicts   /api/articles
 *   /claims/repeated    claims carried by the most outlets        /api/claims/repeated
 *   /review             check-worthy claims with no fact-check    /api/review
 *   /dead-letters       records a stage could not read            /api/dead-letters
 *   /stats              counts by status, rating, outlet, hour    /api/stats
 *   /metrics  /healthz (process alive)  /readyz (Redis reachable)
 *
 * Query parameters on every page and API call: since=1h|24h|7d (N m/h/d, or
 * "all"), outlet=NAME, rating=true|mostly-true|mixed|mostly-false|false|
 * unproven|other|none, status=confirmed|suggested|unverified, limit=1..1000.
 * Anything else is answered 400 with a message; unknown paths 404; methods
 * other than GET/HEAD 405; URLs longer than max_url_bytes 414.
 */
#ifndef CW_REPORT_HTTP_H
#define CW_REPORT_HTTP_H

#include <stddef.h>

#include "report/store.h"

struct cw_http_params {
	const char *bind;     /* address to listen on: "127.0.0.1", "::1", "0.0.0.0" */
	int port;             /* TCP port; 0 = any free port (see cw_http_port) */
	int refresh_s;        /* pages reload themselves this often; 0 = never */
	size_t max_url_bytes; /* default 2048 */
	unsigned connections; /* simultaneous connections, default 64 */
};

struct cw_http;

/* Starts serving.  Takes ownership of store (freed by cw_http_stop, even on
 * failure), which only the HTTP thread uses from now on.  NULL with errstr
 * when the address cannot be bound. */
struct cw_http *cw_http_start(const struct cw_http_params *p, struct cw_store *store, char *errstr,
                              size_t errsize);

/* The port actually bound (useful with port 0). */
int cw_http_port(const struct cw_http *h);

/* Stops the server, waits for its thread, frees everything; NULL is a no-op. */
void cw_http_stop(struct cw_http *h);

/* Parses a since= value ("24h", "7d", "30m", "all", "") into a window in ms
 * (0 = any time).  Returns 0, or CW_ERR_INVALID. */
int cw_http_parse_since(const char *s, long long *window_ms);

#endif
