/*
 * parse.c — finding the articles in one input and sending each, cleaned, to
 * the sink; and the JSON article object (jansson).
 *
 * An input is one plain-text article, JSON lines (one article object a line),
 * a JSON array of article objects or a single object, or an RSS/Atom feed.
 * A record that cannot be used (invalid UTF-8 or JSON, a field of the wrong
 * type, over the size cap, nothing left after cleaning) goes to the sink's
 * reject callback with its original bytes and an error that starts with the
 * input's name and line: "feed.jsonl:3: invalid JSON: ...".
 *
 * Feeds are read by ingest/feed.c; this file names their items ("feed.rss:12",
 * the line of the <item>) and dead-letters a malformed feed as a whole.
 *
 * JSON article objects: {"id", "outlet", "url", "title", "published", "body"}
 * with the aliases publisher (outlet), link (url), headline (title), date
 * (published), content or text (body), lang (language).  published is ISO
 * 8601 text or unix seconds.  Unknown keys are ignored.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "ingest/ingest.h"
#include "ingest/text.h"
#include "lib/common.h"

#define CW_DEFAULT_MAX_ARTICLE (1024 * 1024)

struct ctx {
	const char *name;
	const struct cw_ingest_opts *o;
	const struct cw_ingest_sink *sink;
	size_t max;
};

static int reject(const struct ctx *c, const char *bytes, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int reject(const struct ctx *c, const char *bytes, size_t len, const char *fmt, ...)
{
	char err[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, sizeof(err), fmt, ap);
	va_end(ap);
	return c->sink->reject ? c->sink->reject(bytes, len, err, c->sink->opaque) : 0;
}

/* Finishes a parsed article and hands it to the sink, or rejects its bytes
 * with where ("name:3") as the error's place.  Releases a. */
static int emit(const struct ctx *c, struct cw_ingest_article *a, const char *where,
                const char *bytes, size_t len)
{
	char err[256];
	int rc;

	if (cw_ingest_finish(a, c->o, err, sizeof(err)) < 0) {
		rc = reject(c, bytes, len, "%s: %s", where, err);
	} else {
		free(a->source);
		a->source = cw_xstrdup(where);
		rc = c->sink->article ? c->sink->article(a, c->sink->opaque) : 0;
	}
	cw_ingest_article_release(a);
	return rc;
}

static size_t line_of(const char *buf, size_t off)
{
	size_t line = 1;
	for (const char *p = buf; (p = memchr(p, '\n', (size_t)(buf + off - p))) != NULL; p++)
		line++;
	return line;
}

/* ---- JSON article objects ---- */

/* The first of names present in o as a string (or, for ids, a number) into
 * *out (heap).  Returns 0, also when absent; CW_ERR_INVALID on a wrong type. */
static int json_field(json_t *o, const char *const *names, char **out, char *errstr, size_t errsize)
{
	for (; *names; names++) {
		json_t *v = json_object_get(o, *names);
		if (!v || json_is_null(v))
			continue;
		if (json_is_string(v)) {
			*out = cw_xstrndup(json_string_value(v), json_string_length(v));
			return CW_OK;
		}
		if (json_is_integer(v) && !strcmp(*names, "id")) {
			char num[32];
			snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
			*out = cw_xstrdup(num);
			return CW_OK;
		}
		snprintf(errstr, errsize, "field '%s' must be a string", *names);
		return CW_ERR_INVALID;
	}
	return CW_OK;
}

static int json_article(json_t *o, struct cw_ingest_article *a, size_t max, char *errstr,
                        size_t errsize)
{
	static const char *const id_k[] = {"id", NULL},
	                         *const outlet_k[] = {"outlet", "publisher", NULL},
	                         *const url_k[] = {"url", "link", NULL},
	                         *const title_k[] = {"title", "headline", NULL},
	                         *const lang_k[] = {"language", "lang", NULL},
	                         *const body_k[] = {"body", "content", "text", NULL},
	                         *const time_k[] = {"published", "date", NULL};
	json_t *body = NULL, *when = NULL;
	int rc = CW_ERR_INVALID;

	if (!json_is_object(o)) {
		snprintf(errstr, errsize, "not a JSON object");
		goto out;
	}
	if (json_field(o, id_k, &a->id, errstr, errsize) < 0 ||
	    json_field(o, outlet_k, &a->outlet, errstr, errsize) < 0 ||
	    json_field(o, url_k, &a->url, errstr, errsize) < 0 ||
	    json_field(o, title_k, &a->title, errstr, errsize) < 0 ||
	    json_field(o, lang_k, &a->language, errstr, errsize) < 0)
		goto out;
	for (const char *const *k = time_k; *k && !when; k++)
		when = json_object_get(o, *k);
	if (json_is_string(when)) {
		if (cw_ingest_parse_time(json_string_value(when), json_string_length(when),
		                         &a->published) < 0) {
			snprintf(errstr, errsize, "cannot parse 'published' \"%.40s\"",
			         json_string_value(when));
			goto out;
		}
	} else if (json_is_integer(when)) {
		a->published = (int64_t)json_integer_value(when);
	} else if (json_is_real(when)) {
		a->published = (int64_t)json_real_value(when);
	} else if (when && !json_is_null(when)) {
		snprintf(errstr, errsize, "'published' must be ISO 8601 text or unix seconds");
		goto out;
	}
	for (const char *const *k = body_k; *k && !body; k++)
		body = json_object_get(o, *k);
	if (!json_is_string(body)) {
		snprintf(errstr, errsize, body ? "'body' must be a string" : "missing 'body'");
		goto out;
	}
	if (json_string_length(body) > max) {
		snprintf(errstr, errsize, "body is %zu bytes, over the limit of %zu",
		         json_string_length(body), max);
		rc = CW_ERR_TOO_BIG;
		goto out;
	}
	a->body =
	    cw_ingest_clean_body(json_string_value(body), json_string_length(body), &a->body_len);
	if (!a->body) {
		snprintf(errstr, errsize, "invalid UTF-8 in 'body'");
		goto out;
	}
	rc = CW_OK;
out:
	return rc;
}

/* One JSON value holding an article object: parse, then emit or reject. */
static int json_value(const struct ctx *c, json_t *v, const char *where, const char *bytes,
                      size_t len)
{
	struct cw_ingest_article a = {0};
	char err[256];

	if (json_article(v, &a, c->max, err, sizeof(err)) < 0) {
		cw_ingest_article_release(&a);
		return reject(c, bytes, len, "%s: %s", where, err);
	}
	return emit(c, &a, where, bytes, len);
}

/* A whole JSON document: one article object or an array of them. */
static int json_document(const struct ctx *c, json_t *doc, const char *buf, size_t len)
{
	char where[512];
	int rc = 0;

	if (!json_is_array(doc))
		return json_value(c, doc, c->name, buf, len);
	for (size_t i = 0; i < json_array_size(doc) && rc >= 0; i++) {
		json_t *item = json_array_get(doc, i);
		char *bytes = json_dumps(item, JSON_COMPACT | JSON_ENCODE_ANY);
		snprintf(where, sizeof(where), "%s[%zu]", c->name, i);
		rc = json_value(c, item, where, bytes ? bytes : "", bytes ? strlen(bytes) : 0);
		free(bytes);
	}
	return rc;
}

static int parse_json(const struct ctx *c, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;
	size_t lineno = 0, bad;
	int first = 1, rc = 0;
	json_error_t je, whole_je;

	/* An array, or a pretty-printed object, is one document. */
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	if (p < end && *p == '[') {
		json_t *doc;
		if (cw_ingest_utf8_check(buf, len, &bad) < 0)
			return reject(c, buf, len, "%s:%zu: invalid UTF-8 at byte %zu", c->name,
			              line_of(buf, bad), bad);
		doc = json_loadb(buf, len, 0, &je);
		if (!doc)
			return reject(c, buf, len, "%s:%d: invalid JSON: %s (column %d)", c->name,
			              je.line, je.text, je.column);
		rc = json_document(c, doc, buf, len);
		json_decref(doc);
		return rc;
	}

	for (p = buf; p < end && rc >= 0;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		size_t ll = (size_t)(le - p);
		char where[512];
		json_t *v;

		lineno++;
		if (ll && p[ll - 1] == '\r')
			ll--;
		snprintf(where, sizeof(where), "%s:%zu", c->name, lineno);
		size_t sp = 0;
		while (sp < ll && (p[sp] == ' ' || p[sp] == '\t'))
			sp++;
		if (sp == ll) {
			/* blank line */
		} else if (ll > c->max) {
			rc = reject(c, p, ll, "%s: article is %zu bytes, over the limit of %zu",
			            where, ll, c->max);
		} else if (cw_ingest_utf8_check(p, ll, &bad) < 0) {
			rc = reject(c, p, ll, "%s: invalid UTF-8 at byte %zu (column %zu)", where,
			            (size_t)(p - buf) + bad, bad + 1);
		} else if ((v = json_loadb(p, ll, 0, &je)) != NULL) {
			rc = json_value(c, v, where, p, ll);
			json_decref(v);
		} else if (first && (v = json_loadb(buf, len, 0, &whole_je)) != NULL) {
			/* Not JSON lines: one object over several lines. */
			rc = json_document(c, v, buf, len);
			json_decref(v);
			return rc;
		} else {
			rc = reject(c, p, ll, "%s: invalid JSON: %s (column %d)", where, je.text,
			            je.column);
		}
		if (ll)
			first = 0;
		p = nl ? nl + 1 : end;
	}
	return rc;
}

/* ---- plain text ---- */

static int parse_text(const struct ctx *c, const char *buf, size_t len)
{
	struct cw_ingest_article a = {0};
	char err[256];
	size_t bad;

	if (len > c->max)
		return reject(c, buf, len, "%s: article is %zu bytes, over the limit of %zu",
		              c->name, len, c->max);
	if (cw_ingest_utf8_check(buf, len, &bad) < 0)
		return reject(c, buf, len, "%s:%zu: invalid UTF-8 at byte %zu", c->name,
		              line_of(buf, bad), bad);
	if (cw_ingest_text_article(buf, len, &a, err, sizeof(err)) < 0) {
		cw_ingest_article_release(&a);
		return reject(c, buf, len, "%s: %s", c->name, err);
	}
	return emit(c, &a, c->name, buf, len);
}

/* ---- RSS and Atom ---- */

static int feed_item(const struct cw_ingest_feed_item *it, void *opaque)
{
	const struct ctx *c = opaque;
	char where[512];

	snprintf(where, sizeof(where), "%s:%zu", c->name, it->line);
	if (it->error)
		return reject(c, it->bytes, it->len, "%s: %s", where, it->error);
	return emit(c, it->a, where, it->bytes, it->len);
}

/* A malformed feed goes to the reject sink whole: its items are not trusted
 * one by one when the document around them is broken. */
static int parse_feed(const struct ctx *c, const char *buf, size_t len)
{
	struct ctx fc = *c; /* the callback's opaque pointer is not const */
	char err[256];
	size_t line;
	int rc = cw_ingest_feed_read(buf, len, c->max, c->o->outlet, feed_item, &fc, &line, err,
	                             sizeof(err));

	if (rc == CW_ERR_INVALID && line)
		rc = reject(c, buf, len, "%s:%zu: %s", c->name, line, err);
	return rc;
}

/* ---- dispatch ---- */

static const char *extension(const char *name)
{
	const char *slash = strrchr(name, '/'), *dot = strrchr(name, '.');
	return dot && (!slash || dot > slash) ? dot + 1 : "";
}

int cw_ingest_wanted_name(const char *name)
{
	static const char *const exts[] = {"txt", "md", "jsonl", "json", "xml", "rss", "atom"};
	const char *e = extension(name);
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		if (!strcasecmp(e, exts[i]))
			return 1;
	}
	return 0;
}

enum cw_ingest_format cw_ingest_detect_format(const char *name, const char *buf, size_t len)
{
	const char *e = name ? extension(name) : "";
	size_t i = 0;

	/* A feed says so in its first element, whatever the file is called. */
	if (cw_ingest_feed_sniff(buf, len))
		return CW_INGEST_FEED;
	if (!strcasecmp(e, "txt") || !strcasecmp(e, "md") || !strcasecmp(e, "text"))
		return CW_INGEST_TEXT;
	if (!strcasecmp(e, "jsonl") || !strcasecmp(e, "ndjson") || !strcasecmp(e, "json"))
		return CW_INGEST_JSON;
	if (!strcasecmp(e, "xml") || !strcasecmp(e, "rss") || !strcasecmp(e, "atom"))
		return CW_INGEST_FEED;
	if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
		i = 3;
	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
		i++;
	if (i < len && (buf[i] == '{' || buf[i] == '['))
		return CW_INGEST_JSON;
	if (i < len && buf[i] == '<')
		return CW_INGEST_FEED;
	return CW_INGEST_TEXT;
}

int cw_ingest_parse(const char *name, const char *buf, size_t len, enum cw_ingest_format fmt,
                    const struct cw_ingest_opts *opts, const struct cw_ingest_sink *sink)
{
	struct ctx c = {name, opts, sink,
	                opts->max_article_bytes ? opts->max_article_bytes : CW_DEFAULT_MAX_ARTICLE};

	if (fmt == CW_INGEST_AUTO)
		fmt = cw_ingest_detect_format(name, buf, len);
	switch (fmt) {
	case CW_INGEST_JSON:
		return parse_json(&c, buf, len);
	case CW_INGEST_FEED:
		return parse_feed(&c, buf, len);
	default:
		return parse_text(&c, buf, len);
	}
}
