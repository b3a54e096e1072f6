/*
 * http.c — the dashboard server (see http.h).  Every answer carries a
 * Content-Security-Policy that lets nothing load or run: pages are plain
 * HTML with inline CSS, and every string from a record is escaped by
 * output.c, so a hostile article shows as text.
 */
#include "report/http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/common.h"
#include "lib/log.h"
#include "report/output.h"
#include "report/rbuf.h"

#define MAX_OUTLET_BYTES 200
#define MAX_PAGE_LIMIT   1000

struct cw_http {
	struct MHD_Daemon *d;
	struct cw_store *store;
	struct cw_http_params p;
	int port;
};

/* The query of one request, validated. */
struct query {
	struct cw_report_filter f;
	char since[16];
	char outlet[MAX_OUTLET_BYTES + 1];
	char error[256]; /* set on the first bad parameter */
	int seen;        /* bit per known parameter, to refuse duplicates */
};

int cw_http_parse_since(const char *s, long long *window_ms)
{
	*window_ms = 0;
	if (!s || !*s || strcmp(s, "all") == 0)
		return 0;
	size_t n = strlen(s);
	if (n < 2 || n > 5)
		return CW_ERR_INVALID;
	long long v = 0;
	for (size_t i = 0; i + 1 < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return CW_ERR_INVALID;
		v = v * 10 + (s[i] - '0');
	}
	long long unit = s[n - 1] == 'm'   ? 60000LL
	                 : s[n - 1] == 'h' ? 3600000LL
	                 : s[n - 1] == 'd' ? 86400000LL
	                                   : 0;
	if (!unit || v <= 0)
		return CW_ERR_INVALID;
	*window_ms = v * unit;
	return 0;
}

static int has_controls(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7F)
			return 1;
	return 0;
}

static enum MHD_Result query_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
	struct query *q = cls;
	static const char *const known[] = {"since", "outlet", "rating", "status", "limit"};
	(void)kind;
	const char *v = value ? value : "";
	int which = -1;
	for (int i = 0; i < (int)CW_ARRAY_SIZE(known); i++)
		if (strcmp(key, known[i]) == 0)
			which = i;
	if (which < 0) {
		snprintf(q->error, sizeof q->error,
		         "unknown parameter (use since, outlet, rating, status, limit)");
		return MHD_NO;
	}
	if (q->seen & (1 << which)) {
		snprintf(q->error, sizeof q->error, "parameter '%s' given twice", known[which]);
		return MHD_NO;
	}
	q->seen |= 1 << which;
	switch (which) {
	case 0: {
		long long w;
		if (cw_http_parse_since(v, &w) < 0 || strlen(v) >= sizeof q->since) {
			snprintf(q->error, sizeof q->error,
			         "bad since: use 1h, 24h, 7d (a number and m, h or d) or all");
			return MHD_NO;
		}
		strcpy(q->since, v);
		q->f.since_ms = w ? cw_now_ms() - w : 0;
		break;
	}
	case 1:
		if (strlen(v) > MAX_OUTLET_BYTES || has_controls(v)) {
			snprintf(q->error, sizeof q->error, "bad outlet: at most %d bytes of text",
			         MAX_OUTLET_BYTES);
			return MHD_NO;
		}
		strcpy(q->outlet, v);
		q->f.outlet = *v ? q->outlet : NULL;
		break;
	case 2:
		q->f.rating = *v ? cw_output_rating_parse(v) : -1;
		if (*v && q->f.rating < 0) {
			snprintf(q->error, sizeof q->error,
			         "bad rating: use true, mostly-true, mixed, mostly-false, false, "
			         "unproven, other or none");
			return MHD_NO;
		}
		break;
	case 3:
		q->f.status = *v ? cw_output_status_parse(v) : -1;
		if (*v && q->f.status < 0) {
			snprintf(q->error, sizeof q->error,
			         "bad status: use confirmed, suggested or unverified");
			return MHD_NO;
		}
		break;
	case 4: {
		char *end;
		long n = strtol(v, &end, 10);
		if (!*v || *end || n < 1 || n > MAX_PAGE_LIMIT) {
			snprintf(q->error, sizeof q->error, "bad limit: a number from 1 to %d",
			         MAX_PAGE_LIMIT);
			return MHD_NO;
		}
		q->f.limit = (size_t)n;
		break;
	}
	}
	return MHD_YES;
}

static enum MHD_Result respond(struct MHD_Connection *conn, unsigned code, const char *type,
                               struct cw_rbuf *body)
{
	size_t len;
	char *p = cw_rbuf_detach(body, &len);
	struct MHD_Response *r = MHD_create_response_from_buffer(len, p, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(p);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Content-Security-Policy", CW_OUTPUT_CSP);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	if (code == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, "Allow", "GET, HEAD");
	enum MHD_Result ret = MHD_queue_response(conn, code, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result send_error(struct MHD_Connection *conn, unsigned code, int api,
                                  const char *msg)
{
	struct cw_rbuf b = CW_RBUF_INIT;
	if (api) {
		cw_rbuf_adds(&b, "{\"error\":");
		cw_output_json_string(&b, msg, strlen(msg));
		cw_rbuf_adds(&b, "}\n");
		return respond(conn, code, "application/json", &b);
	}
	cw_rbuf_addf(&b, "%u ", code);
	cw_output_text(&b, msg, strlen(msg));
	cw_rbuf_addc(&b, '\n');
	return respond(conn, code, "text/plain; charset=utf-8", &b);
}

static int route(const char *url, int *api)
{
	for (int v = 0; v < CW_VIEW_COUNT; v++) {
		if (strcmp(url, cw_output_view_path(v)) == 0) {
			*api = 0;
			return v;
		}
		if (strcmp(url, cw_output_view_api(v)) == 0) {
			*api = 1;
			return v;
		}
	}
	return -1;
}

/* Builds one dashboard page or API answer. */
static enum MHD_Result serve_view(struct cw_http *h, struct MHD_Connection *conn, int view, int api,
                                  struct query *q)
{
	char err[256] = "";
	int rc = 0;
	struct cw_report_stats st = {0};
	struct cw_report_articles a = {0};
	struct cw_report_claims c = {0};
	struct cw_report_dead_letters d = {0};
	struct cw_rbuf b = CW_RBUF_INIT;
	struct cw_report_filter none;
	cw_report_filter_init(&none);
	if (!api || view == CW_VIEW_STATS)
		rc = cw_store_stats(h->store, view == CW_VIEW_STATS ? &q->f : &none, &st, err,
		                    sizeof err);
	if (rc == 0) {
		switch (view) {
		case CW_VIEW_ARTICLES:
			rc = cw_store_articles(h->store, &q->f, 0, &a, err, sizeof err);
			break;
		case CW_VIEW_REPEATED:
			rc = cw_store_repeated(h->store, &q->f, &c, err, sizeof err);
			break;
		case CW_VIEW_REVIEW:
			rc = cw_store_review(h->store, &q->f, &c, err, sizeof err);
			break;
		case CW_VIEW_DEAD_LETTERS:
			rc = cw_store_dead_letters(h->store, &q->f, &d, err, sizeof err);
			break;
		default:
			break;
		}
	}
	enum MHD_Result ret;
	if (rc < 0) {
		cw_warn("msg=\"dashboard cannot read redis\" error=\"%s\"", err);
		ret = send_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE, api,
		                 "redis unreachable: the report store cannot be read");
		goto out;
	}
	if (api) {
		switch (view) {
		case CW_VIEW_ARTICLES:
			cw_output_articles_json(&b, &a);
			break;
		case CW_VIEW_REPEATED:
			cw_output_claims_json(&b, "claims", &c);
			break;
		case CW_VIEW_REVIEW:
			cw_output_claims_json(&b, "claims", &c);
			break;
		case CW_VIEW_DEAD_LETTERS:
			cw_output_dead_letters_json(&b, &d);
			break;
		default:
			cw_output_stats_json(&b, &st);
			break;
		}
		cw_rbuf_addc(&b, '\n');
		ret = respond(conn, MHD_HTTP_OK, "application/json", &b);
		goto out;
	}
	struct cw_output_page pg = {
	    .live = 1,
	    .refresh_s = h->p.refresh_s,
	    .active = (enum cw_output_view)view,
	    .filter = &q->f,
	    .since = q->since,
	    .generated_ms = cw_now_ms(),
	    .stats = &st,
	    .articles = view == CW_VIEW_ARTICLES ? &a : NULL,
	    .repeated = view == CW_VIEW_REPEATED ? &c : NULL,
	    .review = view == CW_VIEW_REVIEW ? &c : NULL,
	    .dead_letters = view == CW_VIEW_DEAD_LETTERS ? &d : NULL,
	};
	cw_output_html(&b, &pg);
	ret = respond(conn, MHD_HTTP_OK, "text/html; charset=utf-8", &b);
out:
	cw_rbuf_release(&b);
	cw_report_stats_release(&st);
	cw_report_articles_release(&a);
	cw_report_claims_release(&c);
	cw_report_dead_letters_release(&d);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_data_size, void **con_cls)
{
	struct cw_http *h = cls;
	(void)version;
	(void)upload_data;
	if (!*con_cls) { /* first call: headers only; answer on the next */
		*con_cls = h;
		return MHD_YES;
	}
	if (*upload_data_size) { /* a body we do not want: drop it */
		*upload_data_size = 0;
		return MHD_YES;
	}
	int api = strncmp(url, "/api/", 5) == 0;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return send_error(conn, MHD_HTTP_METHOD_NOT_ALLOWED, api, "only GET and HEAD");
	if (strlen(url) > h->p.max_url_bytes)
		return send_error(conn, MHD_HTTP_URI_TOO_LONG, api, "URL too long");
	struct query q;
	memset(&q, 0, sizeof q);
	cw_report_filter_init(&q.f);
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, query_arg, &q);
	if (q.error[0])
		return send_error(conn, MHD_HTTP_BAD_REQUEST, api, q.error);
	if (strcmp(url, "/healthz") == 0) {
		struct cw_rbuf b = CW_RBUF_INIT;
		cw_rbuf_adds(&b, "ok\n");
		return respond(conn, MHD_HTTP_OK, "text/plain; charset=utf-8", &b);
	}
	if (strcmp(url, "/readyz") == 0) {
		char err[256];
		int up = cw_redis_ping(cw_store_redis(h->store), err, sizeof err) == 0;
		struct cw_rbuf b = CW_RBUF_INIT;
		cw_rbuf_adds(&b, up ? "ready\n" : "not ready: redis unreachable\n");
		return respond(conn, up ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE,
		               "text/plain; charset=utf-8", &b);
	}
	if (strcmp(url, "/metrics") == 0) {
		char err[256];
		struct cw_report_stats st = {0};
		struct cw_report_filter none;
		cw_report_filter_init(&none);
		int up = cw_store_stats(h->store, &none, &st, err, sizeof err) == 0;
		struct cw_rbuf b = CW_RBUF_INIT;
		cw_output_metrics(&b, &st, up);
		cw_report_stats_release(&st);
		return respond(conn, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", &b);
	}
	int view = route(url, &api);
	if (view < 0)
		return send_error(conn, MHD_HTTP_NOT_FOUND, api, "no such page");
	return serve_view(h, conn, view, api, &q);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	(void)cls;
	vsnprintf(msg, sizeof msg, fmt, ap);
	size_t n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	cw_warn("msg=\"http\" detail=\"%s\"", msg);
}

struct cw_http *cw_http_start(const struct cw_http_params *p, struct cw_store *store, char *errstr,
                              size_t errsize)
{
	struct cw_http *h = cw_xcalloc(1, sizeof *h);
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	h->store = store;
	h->p = *p;
	if (!h->p.bind || !*h->p.bind)
		h->p.bind = "127.0.0.1";
	if (!h->p.max_url_bytes)
		h->p.max_url_bytes = 2048;
	if (!h->p.connections)
		h->p.connections = 64;
	unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
	struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, h->p.bind, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)p->port);
	} else if (inet_pton(AF_INET6, h->p.bind, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)p->port);
		flags |= MHD_USE_IPv6;
	} else {
		snprintf(errstr, errsize, "report.http_bind: '%s' is not an IP address", h->p.bind);
		goto fail;
	}
	/* The memory limit bounds the request line and headers of one
	 * connection: a longer URL is refused by libmicrohttpd itself. */
	h->d = MHD_start_daemon(
	    flags, (uint16_t)p->port, NULL, NULL, handle, h, MHD_OPTION_EXTERNAL_LOGGER, mhd_log,
	    NULL, MHD_OPTION_SOCK_ADDR, &ss, MHD_OPTION_CONNECTION_LIMIT, h->p.connections,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)15, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	    (size_t)(64 * 1024), MHD_OPTION_END);
	if (!h->d) {
		snprintf(errstr, errsize, "cannot listen on %s port %d", h->p.bind, p->port);
		goto fail;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	h->port = info ? info->port : p->port;
	cw_info("msg=\"dashboard listening\" url=\"http://%s%s%s:%d/\"",
	        strchr(h->p.bind, ':') ? "[" : "", h->p.bind, strchr(h->p.bind, ':') ? "]" : "",
	        h->port);
	return h;
fail:
	cw_store_free(store);
	free(h);
	return NULL;
}

int cw_http_port(const struct cw_http *h)
{
	return h->port;
}

void cw_http_stop(struct cw_http *h)
{
	if (!h)
		return;
	if (h->d)
		MHD_stop_daemon(h->d);
	cw_store_free(h->store);
	free(h);
}
