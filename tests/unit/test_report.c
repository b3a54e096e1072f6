/*
 * test_report.c — the report stage: escaping of hostile article text (HTML,
 * JSON, CSV, terminal), the summary, the dashboard's HTTP answers, and the
 * Redis aggregate against a real redis-server on a private socket
 * (idempotent counting under redelivery, repeated-claim ordering, nothing
 * lost when the report worker restarts).
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/common.h"
#include "lib/redis.h"
#include "report/backfill.h"
#include "report/http.h"
#include "report/output.h"
#include "report/rbuf.h"
#include "report/report.h"
#include "report/store.h"
#include "tests/unit/cw_redis_fixture.h"

#define FFFD "\xEF\xBF\xBD"

static char *report_html(const char *s, size_t n)
{
	struct cw_rbuf b = CW_RBUF_INIT;
	cw_output_html_escape(&b, s, n);
	return cw_rbuf_detach(&b, NULL);
}

static char *report_json(const char *s, size_t n)
{
	struct cw_rbuf b = CW_RBUF_INIT;
	cw_output_json_string(&b, s, n);
	return cw_rbuf_detach(&b, NULL);
}

static char *report_csv(const char *s)
{
	struct cw_rbuf b = CW_RBUF_INIT;
	cw_output_csv_field(&b, s, strlen(s));
	return cw_rbuf_detach(&b, NULL);
}

#define EXPECT_HTML(in, out)                                                                       \
	do {                                                                                       \
		char *got_ = report_html(in, sizeof(in) - 1);                                      \
		cr_expect_str_eq(got_, out);                                                       \
		free(got_);                                                                        \
	} while (0)

Test(report, html_escapes_hostile_markup)
{
	EXPECT_HTML("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;");
	EXPECT_HTML("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;");
	EXPECT_HTML("\"><", "&quot;&gt;&lt;");
	EXPECT_HTML("it's \"quoted\" & more", "it&#39;s &quot;quoted&quot; &amp; more");
	EXPECT_HTML("plain text, caf\xC3\xA9", "plain text, caf\xC3\xA9");
}

Test(report, html_replaces_invalid_utf8_and_controls)
{
	EXPECT_HTML("a\xFF"
	            "b",
	            "a" FFFD "b");
	EXPECT_HTML("\xC0\xAF", FFFD FFFD);          /* overlong '/' */
	EXPECT_HTML("\xED\xA0\x80", FFFD FFFD FFFD); /* surrogate */
	EXPECT_HTML("\x1B[31mred", FFFD "[31mred");
	EXPECT_HTML("a\x00<b", "a" FFFD "&lt;b");
	EXPECT_HTML("\xC2\x85", FFFD); /* C1 control NEL */
	EXPECT_HTML("tab\tnew\nline", "tab\tnew\nline");
	EXPECT_HTML("cut \xE2\x82", "cut " FFFD FFFD);
}

Test(report, json_escapes_hostile_strings)
{
	char *s = report_json("</script><img src=x onerror=alert(1)>", 37);
	cr_expect_str_eq(s, "\"\\u003c/script\\u003e\\u003cimg src=x onerror=alert(1)\\u003e\"");
	free(s);
	s = report_json("\"q\" \\ \n\t'&", 10);
	cr_expect_str_eq(s, "\"\\\"q\\\" \\\\ \\n\\t\\u0027\\u0026\"");
	free(s);
	s = report_json("a\x01"
	                "b\xFF"
	                "c\x7F",
	                6);
	cr_expect_str_eq(s, "\"a\\ufffdb\\ufffdc\\ufffd\"");
	free(s);
	s = report_json("\xE2\x80\xA8", 3);
	cr_expect_str_eq(s, "\"\\u2028\"");
	free(s);
}

Test(report, json_output_round_trips_through_a_parser)
{
	static const char hostile[] = "\"><script>alert('x')</script> caf\xC3\xA9 \\ end";
	char *s = report_json(hostile, sizeof hostile - 1);
	json_error_t e;
	json_t *j = json_loads(s, JSON_DECODE_ANY, &e);
	cr_assert(json_is_string(j), "escaped JSON does not parse: %s", e.text);
	cr_expect_str_eq(json_string_value(j), hostile);
	json_decref(j);
	free(s);
}

Test(report, csv_quotes_per_rfc4180)
{
	char *s;
	s = report_csv("plain");
	cr_expect_str_eq(s, "plain");
	free(s);
	s = report_csv("a,b");
	cr_expect_str_eq(s, "\"a,b\"");
	free(s);
	s = report_csv("he said \"hi\"");
	cr_expect_str_eq(s, "\"he said \"\"hi\"\"\"");
	free(s);
	s = report_csv("two\r\nlines");
	cr_expect_str_eq(s, "\"two\r\nlines\"");
	free(s);
	s = report_csv(" padded");
	cr_expect_str_eq(s, "\" padded\"");
	free(s);
	s = report_csv("=HYPERLINK(\"http://x\")");
	cr_expect_str_eq(s, "\"'=HYPERLINK(\"\"http://x\"\")\"");
	free(s);
	s = report_csv("@cmd");
	cr_expect_str_eq(s, "'@cmd");
	free(s);
}

Test(report, only_http_urls_become_links)
{
	cr_expect(cw_output_url_is_safe("https://www.politifact.com/x", 28));
	cr_expect(cw_output_url_is_safe("HTTP://example.org/", 19));
	cr_expect_not(cw_output_url_is_safe("javascript:alert(1)", 19));
	cr_expect_not(cw_output_url_is_safe("data:text/html,<b>", 18));
	cr_expect_not(cw_output_url_is_safe("https://", 8));
	cr_expect_not(cw_output_url_is_safe("https:///path", 13));
	cr_expect_not(cw_output_url_is_safe("https://a.b/\"onmouseover=x", 26));
	cr_expect_not(cw_output_url_is_safe("https://a b", 11));
	struct cw_rbuf b = CW_RBUF_INIT;
	cw_output_html_link(&b, "javascript:alert(1)", "<b>click</b>");
	cr_expect_str_eq(b.p, "&lt;b&gt;click&lt;/b&gt;");
	cw_rbuf_reset(&b);
	cw_output_html_link(&b, "https://x.org/?a=1&b=2", "PolitiFact");
	cr_expect_str_eq(b.p, "<a href=\"https://x.org/?a=1&amp;b=2\" rel=\"noopener noreferrer\" "
	                      "target=\"_blank\">PolitiFact</a>");
	cw_rbuf_release(&b);
}

Test(report, words_parse_back)
{
	for (int r = 1; r <= 7; r++)
		cr_expect_eq(cw_output_rating_parse(cw_output_rating_word(r)), r);
	cr_expect_eq(cw_output_rating_parse("none"), CW_RATING_NONE);
	cr_expect_eq(cw_output_rating_parse("False"), -1);
	/* no rating from the publisher: "unrated", older reports' word still read */
	cr_expect_str_eq(cw_output_rating_word(0), "unrated");
	cr_expect_eq(cw_output_rating_parse("unrated"), 0);
	cr_expect_eq(cw_output_rating_parse("unspecified"), 0);
	cr_expect_str_eq(cw_output_rating_label(0), "unrated");
	cr_expect_str_eq(cw_output_rating_label(2), "mostly true");
	cr_expect_str_eq(cw_output_rating_label(CW_RATING_NONE), "no fact-check");
	cr_expect_eq(cw_output_status_parse("confirmed"), 1);
	cr_expect_eq(cw_output_status_parse("bogus"), -1);
	long long w;
	cr_expect_eq(cw_http_parse_since("24h", &w), 0);
	cr_expect_eq(w, 24LL * 3600 * 1000);
	cr_expect_eq(cw_http_parse_since("7d", &w), 0);
	cr_expect_eq(w, 7LL * 86400 * 1000);
	cr_expect_eq(cw_http_parse_since("all", &w), 0);
	cr_expect_eq(w, 0);
	cr_expect_lt(cw_http_parse_since("1y", &w), 0);
	cr_expect_lt(cw_http_parse_since("h", &w), 0);
	cr_expect_lt(cw_http_parse_since("-1h", &w), 0);
}

/* ---- verdict builders ---------------------------------------------------- */

struct report_tv {
	Claimwire__Verdict v;
	Claimwire__Claim c;
	Claimwire__Candidate best;
	Claimwire__FactCheck fc;
	Claimwire__Sightings sg;
	uint8_t *bytes;
	size_t len;
};

/* A verdict for claim idx of article aid; rating 0 = no fact-check. */
static void report_tv_init(struct report_tv *t, const char *aid, const char *outlet, unsigned idx,
                           unsigned count, const char *fp, int status, int rating, float cw,
                           int64_t decided_ms)
{
	memset(t, 0, sizeof *t);
	claimwire__verdict__init(&t->v);
	claimwire__claim__init(&t->c);
	claimwire__sightings__init(&t->sg);
	t->v.claim = &t->c;
	t->v.status = (Claimwire__VerdictStatus)status;
	t->v.decided_ms = decided_ms;
	t->v.sightings = &t->sg;
	t->sg.cluster = cw_xstrdup(fp);
	t->c.article_id = cw_xstrdup(aid);
	t->c.outlet = cw_xstrdup(outlet);
	t->c.article_title = cw_xstrdup("Title of an article");
	t->c.url = cw_xstrdup("https://news.example/a");
	t->c.fingerprint = cw_xstrdup(fp);
	t->c.text = cw_xstrdup("The claim text");
	t->c.sentence = cw_xstrdup("Someone said the claim text.");
	t->c.speaker = cw_xstrdup("Someone");
	t->c.claim_index = idx;
	t->c.claim_count = count;
	t->c.checkworthiness = cw;
	t->c.check_worthy = cw >= 0.5f;
	if (rating) {
		claimwire__candidate__init(&t->best);
		claimwire__fact_check__init(&t->fc);
		t->best.fact_check = &t->fc;
		t->best.score = 0.9f;
		t->best.method = CLAIMWIRE__MATCH_METHOD__MATCH_METHOD_RETRIEVAL;
		t->fc.rating = cw_xstrdup("Pants on Fire!");
		t->fc.rating_normalized = (Claimwire__Rating)rating;
		t->fc.publisher = cw_xstrdup("PolitiFact");
		t->fc.url = cw_xstrdup("https://www.politifact.com/factchecks/1");
		t->fc.date = cw_xstrdup("2017-03-02");
		t->v.best = &t->best;
	}
	t->len = claimwire__verdict__get_packed_size(&t->v);
	t->bytes = cw_xmalloc(t->len);
	claimwire__verdict__pack(&t->v, t->bytes);
}

static void report_tv_free(struct report_tv *t)
{
	free(t->sg.cluster);
	free(t->c.article_id);
	free(t->c.outlet);
	free(t->c.article_title);
	free(t->c.url);
	free(t->c.fingerprint);
	free(t->c.text);
	free(t->c.sentence);
	free(t->c.speaker);
	if (t->v.best) {
		free(t->fc.rating);
		free(t->fc.publisher);
		free(t->fc.url);
		free(t->fc.date);
	}
	free(t->bytes);
}

Test(report, summary_names_what_an_editor_acts_on)
{
	struct report_tv t1, t2, t3, t4;
	report_tv_init(&t1, "a1", "Blaze Media", 0, 4, "f1", 1, 5, 0.83f, 1000);
	report_tv_init(&t2, "a1", "Blaze Media", 1, 4, "f2", 3, 0, 0.7f, 1000);
	/* unverified, not check-worthy, with a nearest miss: listed plainly */
	report_tv_init(&t3, "a1", "Blaze Media", 2, 4, "f3", 3, 2, 0.2f, 1000);
	/* suggested, a fact-check whose publisher gave no rating */
	report_tv_init(&t4, "a1", "Blaze Media", 3, 4, "f4", 2, 1, 0.4f, 1000);
	t4.fc.rating_normalized = CLAIMWIRE__RATING__RATING_UNSPECIFIED;
	t4.fc.rating[0] = '\0';
	free(t2.c.speaker);
	t2.c.speaker = cw_xstrdup("\x1B]0;owned\x07Mallory");
	Claimwire__Verdict *vs[4] = {&t1.v, &t2.v, &t3.v, &t4.v};
	struct cw_report_article art = {
	    .id = t1.c.article_id,
	    .outlet = t1.c.outlet,
	    .title = t1.c.article_title,
	    .url = t1.c.url,
	    .claim_count = 4,
	    .claims_seen = 4,
	    .verdicts = vs,
	    .nverdicts = 4,
	};
	struct cw_report_articles a = {&art, 1, 0};
	struct cw_rbuf b = CW_RBUF_INIT;
	cw_output_summary(&b, &a, "out/report.html");
	cr_expect(strstr(b.p, "== Title of an article — Blaze Media") != NULL, "%s", b.p);
	cr_expect(strstr(b.p, "4 claims: 1 confirmed, 1 suggested, 2 unverified (1 needs a "
	                      "fact-checker)") != NULL,
	          "%s", b.p);
	cr_expect(strstr(b.p, "[0] confirmed: false (\"Pants on Fire!\") by PolitiFact, "
	                      "2017-03-02") != NULL,
	          "%s", b.p);
	cr_expect(strstr(b.p, "speaker: Someone  check-worthiness 0.83  match 0.90") != NULL, "%s",
	          b.p);
	cr_expect(strstr(b.p, "https://www.politifact.com/factchecks/1") != NULL, "%s", b.p);
	cr_expect(strstr(b.p, "[1] needs a fact-checker (in the review queue)") != NULL, "%s", b.p);
	/* A short article lists every claim; an unchecked one plainly so, with
	 * no fact-check shown as if it answered the claim. */
	cr_expect(strstr(b.p, "[2] unverified (not check-worthy enough for the review queue)") !=
	              NULL,
	          "%s", b.p);
	cr_expect(strstr(b.p, "[3] suggested: unrated by PolitiFact") != NULL, "%s", b.p);
	cr_expect(strstr(b.p, "more claim") == NULL, "%s", b.p);
	cr_expect(strstr(b.p, "UNSPECIFIED") == NULL && strstr(b.p, "unspecified") == NULL, "%s",
	          b.p);
	cr_expect(strstr(b.p, "FALSE") == NULL && strstr(b.p, "CONFIRMED") == NULL, "%s", b.p);
	cr_expect(strchr(b.p, '\x1B') == NULL, "a terminal escape reached the summary");
	cr_expect(strchr(b.p, '\x07') == NULL, "a terminal bell reached the summary");
	cw_rbuf_release(&b);
	report_tv_free(&t1);
	report_tv_free(&t2);
	report_tv_free(&t3);
	report_tv_free(&t4);
}

Test(report, summary_puts_checked_articles_first_and_hides_nearest_misses)
{
	struct report_tv u, c;
	/* article a1: one unverified claim whose nearest fact-check is "false" */
	report_tv_init(&u, "a1", "Outlet A", 0, 1, "u1", 3, 5, 0.9f, 1000);
	/* article a2 (later): one confirmed claim */
	report_tv_init(&c, "a2", "Outlet B", 0, 1, "c1", 1, 2, 0.6f, 2000);
	Claimwire__Verdict *va[1] = {&u.v}, *vb[1] = {&c.v};
	struct cw_report_article arts[2] = {
	    {.id = u.c.article_id,
	     .outlet = u.c.outlet,
	     .title = u.c.article_title,
	     .claim_count = 1,
	     .claims_seen = 1,
	     .verdicts = va,
	     .nverdicts = 1},
	    {.id = c.c.article_id,
	     .outlet = c.c.outlet,
	     .title = c.c.article_title,
	     .claim_count = 1,
	     .claims_seen = 1,
	     .verdicts = vb,
	     .nverdicts = 1},
	};
	struct cw_report_articles a = {arts, 2, 0};
	struct cw_rbuf b = CW_RBUF_INIT;
	cw_output_summary(&b, &a, NULL);
	const char *pa = strstr(b.p, "Outlet A"), *pb = strstr(b.p, "Outlet B");
	cr_assert(pa && pb, "%s", b.p);
	cr_expect(pb < pa, "the article with a confirmed claim comes first: %s", b.p);
	/* the unverified claim's candidate is not presented as a check */
	cr_expect(strstr(pa, "false") == NULL && strstr(pa, "PolitiFact") == NULL, "%s", pa);
	cr_expect(strstr(pa, "nearest fact-check: 0.90") != NULL, "%s", pa);
	cr_expect(strstr(pb, "confirmed: mostly true (") != NULL, "%s", pb);
	cw_rbuf_release(&b);
	report_tv_free(&u);
	report_tv_free(&c);
}

Test(report, verdict_json_reads_back_through_backfill)
{
	struct report_tv t;
	report_tv_init(&t, "a<1>", "Out\"let", 3, 4, "ff00", 1, 5, 0.75f, 12345);
	struct cw_rbuf b = CW_RBUF_INIT;
	cw_output_verdict_json(&b, &t.v);
	uint8_t *bytes;
	size_t len;
	char err[256];
	cr_assert_eq(cw_backfill_verdict(b.p, b.len, &bytes, &len, err, sizeof err), 0, "%s", err);
	Claimwire__Verdict *v = claimwire__verdict__unpack(NULL, len, bytes);
	cr_assert_not_null(v);
	cr_expect_str_eq(v->claim->article_id, "a<1>");
	cr_expect_str_eq(v->claim->outlet, "Out\"let");
	cr_expect_eq(v->claim->claim_index, 3);
	cr_expect_eq(v->status, CLAIMWIRE__VERDICT_STATUS__VERDICT_STATUS_CONFIRMED);
	cr_expect_eq(v->best->fact_check->rating_normalized, CLAIMWIRE__RATING__RATING_FALSE);
	cr_expect_str_eq(v->best->fact_check->publisher, "PolitiFact");
	cr_expect_eq(v->decided_ms, 12345);
	claimwire__verdict__free_unpacked(v, NULL);
	free(bytes);
	cr_expect_lt(
	    cw_backfill_verdict("{\"status\":\"confirmed\"}", 22, &bytes, &len, err, sizeof err),
	    0);
	cr_expect_lt(cw_backfill_verdict("not json", 8, &bytes, &len, err, sizeof err), 0);
	cw_rbuf_release(&b);
	report_tv_free(&t);
}

Test(report, html_page_shows_hostile_article_as_text)
{
	struct report_tv t;
	report_tv_init(&t, "h1", "<b>Evil</b>", 0, 1, "f1", 2, 5, 0.9f, 1000);
	free(t.c.article_title);
	t.c.article_title = cw_xstrdup("<script>document.title='PWNED'</script>");
	free(t.c.text);
	t.c.text = cw_xstrdup("\"><img src=x onerror=alert(1)>");
	free(t.fc.url);
	t.fc.url = cw_xstrdup("javascript:alert(1)");
	Claimwire__Verdict *vs[1] = {&t.v};
	struct cw_report_article art = {.id = t.c.article_id,
	                                .outlet = t.c.outlet,
	                                .title = t.c.article_title,
	                                .url = t.c.url,
	                                .claim_count = 1,
	                                .claims_seen = 1,
	                                .verdicts = vs,
	                                .nverdicts = 1};
	struct cw_report_articles a = {&art, 1, 0};
	struct cw_output_page pg = {.articles = &a, .generated_ms = 1};
	struct cw_rbuf b = CW_RBUF_INIT;
	cw_output_html(&b, &pg);
	cr_expect(strstr(b.p, "<script") == NULL, "raw <script> in the page");
	cr_expect(strstr(b.p, "<img") == NULL, "raw <img> in the page");
	cr_expect(strstr(b.p, "javascript:") == NULL, "a javascript: URL in the page");
	cr_expect(strstr(b.p, "&lt;script&gt;document.title=&#39;PWNED&#39;&lt;/script&gt;"));
	cr_expect(strstr(b.p, "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
	cr_expect(strstr(b.p, "&lt;b&gt;Evil&lt;/b&gt;"));
	cr_expect(strstr(b.p, "Content-Security-Policy"));
	cw_rbuf_release(&b);
	report_tv_free(&t);
}

/* ---- the HTTP server ----------------------------------------------------- */

/* One GET with a plain socket; returns the status code, body in *body. */
static int report_http_get(int port, const char *path, char *body, size_t bodysize)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert(fd >= 0);
	cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0, "connect");
	struct cw_rbuf req = CW_RBUF_INIT;
	cw_rbuf_addf(&req, "GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", path);
	cr_assert_eq(write(fd, req.p, req.len), (ssize_t)req.len);
	cw_rbuf_release(&req);
	struct cw_rbuf resp = CW_RBUF_INIT;
	char buf[4096];
	ssize_t n;
	while ((n = read(fd, buf, sizeof buf)) > 0)
		cw_rbuf_add(&resp, buf, (size_t)n);
	close(fd);
	int code = 0;
	if (resp.p)
		sscanf(resp.p, "HTTP/1.%*d %d", &code);
	const char *b = resp.p ? strstr(resp.p, "\r\n\r\n") : NULL;
	snprintf(body, bodysize, "%s", b ? b + 4 : "");
	if (resp.p && strstr(resp.p, "Content-Security-Policy: default-src 'none'") == NULL)
		code = -code; /* every answer must carry the policy */
	cw_rbuf_release(&resp);
	return code;
}

static struct cw_test_redis report_tr;
static int report_have_redis;

static struct cw_store *report_store_on(const char *sock)
{
	char err[256];
	struct cw_redis_params p = {0};
	p.socket = sock;
	p.command_timeout_ms = 2000;
	p.connect_timeout_ms = 500;
	p.key_prefix = "cwt:";
	struct cw_redis *r = cw_redis_new_params(&p, err, sizeof err);
	cr_assert_not_null(r, "%s", err);
	struct cw_store_limits lim = {
	    .recent_dead_letters = 3, .page_limit = 50, .scan_limit = 500};
	return cw_store_new_redis(r, &lim);
}

Test(report, http_answers_404_400_and_health)
{
	/* No Redis behind it: the process is alive (healthz) but not ready. */
	struct cw_http_params hp = {.bind = "127.0.0.1", .port = 0, .max_url_bytes = 256};
	char err[256], body[4096];
	struct cw_http *h =
	    cw_http_start(&hp, report_store_on("/nonexistent/redis.sock"), err, sizeof err);
	cr_assert_not_null(h, "%s", err);
	int port = cw_http_port(h);
	cr_assert_gt(port, 0);
	cr_expect_eq(report_http_get(port, "/healthz", body, sizeof body), 200);
	cr_expect_str_eq(body, "ok\n");
	cr_expect_eq(report_http_get(port, "/readyz", body, sizeof body), 503);
	cr_expect_eq(report_http_get(port, "/no/such/page", body, sizeof body), 404);
	cr_expect_eq(report_http_get(port, "/api/nothing", body, sizeof body), 404);
	cr_expect_eq(report_http_get(port, "/?rating=bogus", body, sizeof body), 400);
	cr_expect(strstr(body, "bad rating") != NULL, "%s", body);
	cr_expect_eq(report_http_get(port, "/api/articles?since=forever", body, sizeof body), 400);
	cr_expect(strstr(body, "\"error\"") != NULL, "%s", body);
	cr_expect_eq(report_http_get(port, "/review?bogus=1", body, sizeof body), 400);
	cr_expect_eq(report_http_get(port, "/?limit=0", body, sizeof body), 400);
	cr_expect_eq(report_http_get(port, "/?since=1h&since=2h", body, sizeof body), 400);
	cr_expect_eq(report_http_get(port, "/?outlet=%3Cscript%3E%01", body, sizeof body), 400);
	char longpath[600];
	memset(longpath, 'a', sizeof longpath - 1);
	longpath[0] = '/';
	longpath[sizeof longpath - 1] = '\0';
	cr_expect_eq(report_http_get(port, longpath, body, sizeof body), 414);
	/* A valid page with Redis down is a 503, not a crash. */
	cr_expect_eq(report_http_get(port, "/?rating=false", body, sizeof body), 503);
	cr_expect_eq(report_http_get(port, "/healthz", body, sizeof body), 200);
	cw_http_stop(h);
}

/* ---- the Redis aggregate ------------------------------------------------- */

static void report_setup(void)
{
	report_have_redis = cw_test_redis_start(&report_tr) == 0;
}

static void report_teardown(void)
{
	cw_test_redis_stop(&report_tr);
}

#define REPORT_NEED_REDIS() CW_TEST_NEED_REDIS(report_have_redis)

static void report_put(struct cw_store *s, struct report_tv *t, size_t n)
{
	struct cw_store_verdict items[16];
	char err[256];
	cr_assert_leq(n, 16);
	for (size_t i = 0; i < n; i++) {
		items[i].verdict = &t[i].v;
		items[i].bytes = t[i].bytes;
		items[i].len = t[i].len;
	}
	cr_assert_eq(cw_store_add_verdicts(s, items, n, err, sizeof err), 0, "%s", err);
}

static long long report_count(const struct cw_report_counts *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->v[i].name, name) == 0)
			return c->v[i].n;
	return 0;
}

Test(report, store_counts_once_under_redelivery, .init = report_setup, .fini = report_teardown)
{
	REPORT_NEED_REDIS();
	struct cw_store *s = report_store_on(report_tr.sock);
	struct report_tv t[3];
	report_tv_init(&t[0], "a1", "Reuters", 0, 2, "f1", 1, 5, 0.9f, 1000);
	report_tv_init(&t[1], "a1", "Reuters", 1, 2, "f2", 3, 0, 0.8f, 1000);
	report_tv_init(&t[2], "a2", "AP", 0, 1, "f1", 2, 5, 0.9f, 2000);
	for (int round = 0; round < 3; round++) /* the batch delivered three times */
		report_put(s, t, 3);
	struct cw_report_stats st;
	char err[256];
	cr_assert_eq(cw_store_stats(s, NULL, &st, err, sizeof err), 0, "%s", err);
	cr_expect_eq(st.articles, 2);
	cr_expect_eq(st.articles_complete, 2);
	cr_expect_eq(st.claims, 3);
	cr_expect_eq(st.check_worthy, 3);
	cr_expect_eq(report_count(&st.by_status, "confirmed"), 1);
	cr_expect_eq(report_count(&st.by_status, "suggested"), 1);
	cr_expect_eq(report_count(&st.by_status, "unverified"), 1);
	cr_expect_eq(report_count(&st.by_rating, "false"), 2);
	cr_expect_eq(report_count(&st.by_rating, "none"), 1);
	cr_expect_eq(report_count(&st.by_outlet, "Reuters"), 2);
	cw_report_stats_release(&st);

	/* The same claim re-decided (the knowledge base changed): the counts
	 * move, they do not grow. */
	struct report_tv again;
	report_tv_init(&again, "a1", "Reuters", 1, 2, "f2", 1, 4, 0.8f, 3000);
	report_put(s, &again, 1);
	cr_assert_eq(cw_store_stats(s, NULL, &st, err, sizeof err), 0, "%s", err);
	cr_expect_eq(st.claims, 3);
	cr_expect_eq(report_count(&st.by_status, "confirmed"), 2);
	cr_expect_eq(report_count(&st.by_status, "unverified"), 0);
	cr_expect_eq(report_count(&st.by_rating, "mostly-false"), 1);
	cr_expect_eq(report_count(&st.by_rating, "none"), 0);
	cw_report_stats_release(&st);

	/* The article shows each claim once, the latest verdict. */
	struct cw_report_articles a;
	cr_assert_eq(cw_store_articles(s, NULL, 0, &a, err, sizeof err), 0, "%s", err);
	cr_assert_eq(a.n, 2);
	cr_expect_str_eq(a.v[0].id, "a2"); /* newest first */
	cr_assert_eq(a.v[1].nverdicts, 2);
	cr_expect_eq(a.v[1].verdicts[1]->status,
	             CLAIMWIRE__VERDICT_STATUS__VERDICT_STATUS_CONFIRMED);
	cw_report_articles_release(&a);
	for (int i = 0; i < 3; i++)
		report_tv_free(&t[i]);
	report_tv_free(&again);
	cw_store_free(s);
}

/* An article that yielded no claim is one article, complete, with no claim,
 * however often its record comes; sent again with claims, it is complete
 * only when every claim has its verdict. */
Test(report, store_counts_an_article_with_no_claim, .init = report_setup, .fini = report_teardown)
{
	REPORT_NEED_REDIS();
	struct cw_store *s = report_store_on(report_tr.sock);
	struct report_tv empty, t[2];
	struct cw_report_stats st;
	struct cw_report_articles a;
	char err[256];

	report_tv_init(&empty, "a9", "Live Desk", 0, 0, "", 0, 0, 0.0f, 1000);
	empty.c.article_only = 1;
	free(empty.bytes);
	empty.len = claimwire__verdict__get_packed_size(&empty.v);
	empty.bytes = cw_xmalloc(empty.len);
	claimwire__verdict__pack(&empty.v, empty.bytes);
	report_put(s, &empty, 1);
	report_put(s, &empty, 1); /* redelivered */
	cr_assert_eq(cw_store_stats(s, NULL, &st, err, sizeof err), 0, "%s", err);
	cr_expect_eq(st.articles, 1);
	cr_expect_eq(st.articles_complete, 1);
	cr_expect_eq(st.claims, 0);
	cw_report_stats_release(&st);
	cr_assert_eq(cw_store_articles(s, NULL, 0, &a, err, sizeof err), 0, "%s", err);
	cr_assert_eq(a.n, 1);
	cr_expect_str_eq(a.v[0].id, "a9");
	cr_expect_eq(a.v[0].nverdicts, 0);
	cr_expect_eq(a.v[0].claim_count, 0);
	cw_report_articles_release(&a);

	/* The same article again, now with two claims. */
	report_tv_init(&t[0], "a9", "Live Desk", 0, 2, "f1", 3, 0, 0.8f, 2000);
	report_tv_init(&t[1], "a9", "Live Desk", 1, 2, "f2", 3, 0, 0.8f, 2000);
	report_put(s, &t[0], 1);
	cr_assert_eq(cw_store_stats(s, NULL, &st, err, sizeof err), 0, "%s", err);
	cr_expect_eq(st.articles, 1);
	cr_expect_eq(st.articles_complete, 0, "one claim of two: not complete");
	cw_report_stats_release(&st);
	report_put(s, &t[1], 1);
	cr_assert_eq(cw_store_stats(s, NULL, &st, err, sizeof err), 0, "%s", err);
	cr_expect_eq(st.articles, 1);
	cr_expect_eq(st.articles_complete, 1);
	cr_expect_eq(st.claims, 2);
	cw_report_stats_release(&st);
	report_tv_free(&empty);
	report_tv_free(&t[0]);
	report_tv_free(&t[1]);
	cw_store_free(s);
}

Test(report, store_orders_repeated_claims_and_review, .init = report_setup, .fini = report_teardown)
{
	REPORT_NEED_REDIS();
	struct cw_store *s = report_store_on(report_tr.sock);
	char err[256];
	/* "wide" in 3 outlets, "narrow" in 2, "once" in 1. */
	struct report_tv t[6];
	report_tv_init(&t[0], "n1", "AP", 0, 1, "narrow", 3, 0, 0.6f, 1000);
	report_tv_init(&t[1], "n2", "BBC", 0, 1, "narrow", 3, 0, 0.6f, 1100);
	report_tv_init(&t[2], "w1", "CNN", 0, 1, "wide", 3, 0, 0.7f, 1200);
	report_tv_init(&t[3], "w2", "DW", 0, 1, "wide", 3, 0, 0.7f, 1300);
	report_tv_init(&t[4], "w3", "AP", 0, 1, "wide", 3, 0, 0.7f, 900);
	report_tv_init(&t[5], "o1", "EFE", 0, 1, "once", 3, 0, 0.99f, 1400);
	report_put(s, t, 6);
	report_put(s, t, 6); /* redelivered: no extra sightings */
	struct cw_report_claims c;
	cr_assert_eq(cw_store_repeated(s, NULL, &c, err, sizeof err), 0, "%s", err);
	cr_assert_eq(c.n, 2, "only claims seen more than once");
	cr_expect_str_eq(c.v[0].fingerprint, "wide");
	cr_expect_eq(c.v[0].noutlets, 3);
	cr_expect_eq(c.v[0].count, 3);
	cr_expect_str_eq(c.v[0].first_outlet, "AP"); /* earliest, though stored last */
	cr_expect_eq(c.v[0].first_ms, 900);
	cr_expect_eq(c.v[0].last_ms, 1300);
	cr_expect_str_eq(c.v[1].fingerprint, "narrow");
	cw_report_claims_release(&c);

	struct cw_report_filter f;
	cw_report_filter_init(&f);
	f.outlet = "BBC";
	cr_assert_eq(cw_store_repeated(s, &f, &c, err, sizeof err), 0, "%s", err);
	cr_assert_eq(c.n, 1);
	cr_expect_str_eq(c.v[0].fingerprint, "narrow");
	cw_report_claims_release(&c);

	/* Review: by outlets first, then check-worthiness. */
	cr_assert_eq(cw_store_review(s, NULL, &c, err, sizeof err), 0, "%s", err);
	cr_assert_eq(c.n, 3);
	cr_expect_str_eq(c.v[0].fingerprint, "wide");
	cr_expect_str_eq(c.v[1].fingerprint, "narrow");
	cr_expect_str_eq(c.v[2].fingerprint, "once");
	cw_report_claims_release(&c);
	/* A confirmed fact-check takes the claim out of the queue. */
	struct report_tv conf;
	report_tv_init(&conf, "w4", "NYT", 0, 1, "wide", 1, 5, 0.7f, 1500);
	report_put(s, &conf, 1);
	cr_assert_eq(cw_store_review(s, NULL, &c, err, sizeof err), 0, "%s", err);
	cr_assert_eq(c.n, 2);
	cr_expect_str_eq(c.v[0].fingerprint, "narrow");
	cw_report_claims_release(&c);
	for (int i = 0; i < 6; i++)
		report_tv_free(&t[i]);
	report_tv_free(&conf);
	cw_store_free(s);
}

Test(report, store_restart_loses_nothing, .init = report_setup, .fini = report_teardown)
{
	REPORT_NEED_REDIS();
	char err[256], dir[] = "/tmp/cw-report-out.XXXXXX";
	struct report_tv t[4];
	report_tv_init(&t[0], "r1", "AP", 0, 2, "p1", 1, 5, 0.9f, 1000);
	report_tv_init(&t[1], "r1", "AP", 1, 2, "p2", 3, 0, 0.2f, 1000);
	report_tv_init(&t[2], "r2", "BBC", 0, 1, "p1", 2, 5, 0.9f, 2000);
	report_tv_init(&t[3], "r3", "CNN", 0, 1, "p3", 3, 0, 0.4f, 3000);
	struct cw_store *s = report_store_on(report_tr.sock);
	report_put(s, t, 2);
	cw_store_free(s); /* the worker stops after its first batch */
	s = report_store_on(report_tr.sock);
	report_put(s, t + 1, 3); /* a new one gets a batch that overlaps */
	cr_assert_not_null(mkdtemp(dir));
	cr_assert_eq(cw_report_write_files(s, dir, 0, err, sizeof err), 0, "%s", err);
	cw_store_free(s);

	char path[128], *buf;
	size_t len, lines = 0;
	snprintf(path, sizeof path, "%s/verdicts.jsonl", dir);
	cr_assert_eq(cw_read_file(path, 1 << 20, &buf, &len, err, sizeof err), 0, "%s", err);
	for (size_t i = 0; i < len; i++)
		lines += buf[i] == '\n';
	cr_expect_eq(lines, 4, "every verdict once:\n%s", buf);
	cr_expect(strstr(buf, "\"article_id\":\"r3\"") != NULL);
	free(buf);
	snprintf(path, sizeof path, "%s/verdicts.csv", dir);
	cr_assert_eq(cw_read_file(path, 1 << 20, &buf, &len, err, sizeof err), 0, "%s", err);
	lines = 0;
	for (size_t i = 0; i + 1 < len; i++)
		lines += buf[i] == '\r' && buf[i + 1] == '\n';
	cr_expect_eq(lines, 5, "header + 4 rows");
	free(buf);
	snprintf(path, sizeof path, "%s/report.html", dir);
	cr_assert_eq(cw_read_file(path, 1 << 22, &buf, &len, err, sizeof err), 0, "%s", err);
	cr_expect(strstr(buf, "<!DOCTYPE html>") == buf);
	cr_expect(strstr(buf, "src=") == NULL, "the report loads nothing");
	free(buf);
	for (const char *n = "verdicts.jsonl"; n; n = NULL) {
		snprintf(path, sizeof path, "%s/%s", dir, n);
		unlink(path);
	}
	snprintf(path, sizeof path, "%s/verdicts.csv", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/report.html", dir);
	unlink(path);
	rmdir(dir);
	for (int i = 0; i < 4; i++)
		report_tv_free(&t[i]);
}

Test(report, store_dead_letters_capped_and_idempotent, .init = report_setup,
     .fini = report_teardown)
{
	REPORT_NEED_REDIS();
	struct cw_store *s = report_store_on(report_tr.sock); /* cap: 3 */
	char err[256];
	struct cw_store_dead_letter d[5];
	memset(d, 0, sizeof d);
	for (int i = 0; i < 5; i++) {
		d[i].stage = i < 4 ? "extract" : "match";
		d[i].error = "bad record <script>";
		d[i].topic = "cw.articles";
		d[i].value = "\xFF\x01<img>";
		d[i].len = 7;
		d[i].partition = 0;
		d[i].offset = i;
		d[i].at_ms = 1000 + i;
	}
	cr_assert_eq(cw_store_add_dead_letters(s, d, 5, err, sizeof err), 0, "%s", err);
	cr_assert_eq(cw_store_add_dead_letters(s, d, 5, err, sizeof err), 0, "%s", err);
	struct cw_report_dead_letters dl;
	cr_assert_eq(cw_store_dead_letters(s, NULL, &dl, err, sizeof err), 0, "%s", err);
	cr_expect_eq(dl.n, 3);
	cr_expect_str_eq(dl.v[0].stage, "match"); /* newest first */
	cr_expect_eq(dl.v[0].bytes, 7);
	cw_report_dead_letters_release(&dl);
	struct cw_report_stats st;
	cr_assert_eq(cw_store_stats(s, NULL, &st, err, sizeof err), 0, "%s", err);
	cr_expect_eq(st.dead_letters, 5);
	cr_expect_eq(report_count(&st.dead_by_stage, "extract"), 4);
	cw_report_stats_release(&st);
	cw_store_free(s);
}

Test(report, http_serves_pages_from_redis, .init = report_setup, .fini = report_teardown)
{
	REPORT_NEED_REDIS();
	struct cw_store *s = report_store_on(report_tr.sock);
	struct report_tv t[2];
	report_tv_init(&t[0], "x1", "AP", 0, 1, "q1", 1, 5, 0.9f, cw_now_ms());
	report_tv_init(&t[1], "x2", "BBC", 0, 1, "q2", 3, 0, 0.9f, cw_now_ms());
	report_put(s, t, 2);
	cw_store_free(s);
	struct cw_http_params hp = {.bind = "127.0.0.1", .port = 0};
	char err[256];
	static char body[65536];
	struct cw_http *h = cw_http_start(&hp, report_store_on(report_tr.sock), err, sizeof err);
	cr_assert_not_null(h, "%s", err);
	int port = cw_http_port(h);
	cr_expect_eq(report_http_get(port, "/readyz", body, sizeof body), 200);
	cr_expect_eq(report_http_get(port, "/api/articles?rating=false", body, sizeof body), 200);
	cr_expect(strstr(body, "\"x1\"") != NULL, "%s", body);
	cr_expect(strstr(body, "\"x2\"") == NULL, "%s", body);
	cr_expect_eq(report_http_get(port, "/?outlet=BBC&since=1h", body, sizeof body), 200);
	cr_expect(strstr(body, "x2") != NULL);
	cr_expect(strstr(body, "id x1") == NULL);
	cr_expect_eq(report_http_get(port, "/metrics", body, sizeof body), 200);
	cr_expect(strstr(body, "claimwire_articles_reported_total 2\n") != NULL, "%s", body);
	cr_expect(strstr(body, "claimwire_verdicts_total{status=\"confirmed\"} 1\n") != NULL);
	cr_expect_eq(report_http_get(port, "/api/stats", body, sizeof body), 200);
	json_error_t e;
	json_t *j = json_loads(body, 0, &e);
	cr_assert(json_is_object(j), "%s", e.text);
	cr_expect_eq(json_integer_value(json_object_get(j, "claims")), 2);
	json_decref(j);
	cw_http_stop(h);
	for (int i = 0; i < 2; i++)
		report_tv_free(&t[i]);
}

Test(report, summary_of_a_long_article_lists_what_to_act_on)
{
	enum { N = CW_OUTPUT_SUMMARY_CLAIMS + 8 };
	struct report_tv t[N];
	Claimwire__Verdict *vs[N];

	/* One check-worthy unverified claim among many that are not. */
	for (int i = 0; i < N; i++) {
		report_tv_init(&t[i], "long", "Debate transcript", (uint32_t)i, N, "fl", 3, 0,
		               i == 7 ? 0.9f : 0.1f, 1000);
		t[i].c.check_worthy = i == 7;
		vs[i] = &t[i].v;
	}
	struct cw_report_article art = {
	    .id = t[0].c.article_id,
	    .outlet = t[0].c.outlet,
	    .title = t[0].c.article_title,
	    .url = t[0].c.url,
	    .claim_count = N,
	    .claims_seen = N,
	    .verdicts = vs,
	    .nverdicts = N,
	};
	struct cw_report_articles a = {&art, 1, 0};
	struct cw_rbuf b = CW_RBUF_INIT;
	char more[64];

	cw_output_summary(&b, &a, "out/report.html");
	cr_expect(strstr(b.p, "[7] needs a fact-checker") != NULL, "%s", b.p);
	cr_expect(strstr(b.p, "[0] ") == NULL, "a claim not worth acting on was listed: %s", b.p);
	snprintf(more, sizeof more, "+%d more claims in out/report.html", N - 1);
	cr_expect(strstr(b.p, more) != NULL, "%s", b.p);
	cw_rbuf_release(&b);
	for (int i = 0; i < N; i++)
		report_tv_free(&t[i]);
}
