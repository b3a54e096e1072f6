/*
 * output.c — renders verdicts and the report aggregate as JSON, CSV, HTML,
 * Prometheus text and a terminal summary.  Everything that comes from a
 * record is treated as hostile and escaped here, in one place (see output.h).
 */
#include "report/output.h"

#include "lib/common.h"
#include "match/kb.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define S(x)        ((x) ? (x) : "")
#define REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD */

/*
 * Decodes one UTF-8 sequence at s[0..n).  Returns its length in bytes and the
 * code point in *cp, or 1 with *cp = -1 for a byte that does not start a
 * valid, shortest-form, non-surrogate sequence.
 */
static size_t utf8_next(const unsigned char *s, size_t n, int32_t *cp)
{
	unsigned c = s[0];
	size_t len;
	int32_t v, min;
	if (c < 0x80) {
		*cp = (int32_t)c;
		return 1;
	} else if (c >= 0xC2 && c <= 0xDF) {
		len = 2, v = c & 0x1F, min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3, v = c & 0x0F, min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4, v = c & 0x07, min = 0x10000;
	} else {
		*cp = -1;
		return 1;
	}
	if (len > n) {
		*cp = -1;
		return 1;
	}
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			*cp = -1;
			return 1;
		}
		v = (v << 6) | (s[i] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
		*cp = -1;
		return 1;
	}
	*cp = v;
	return len;
}

/* Controls that no report shows: C0 but tab/newline/CR, DEL, C1. */
static int is_bad_control(int32_t cp)
{
	return (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || (cp >= 0x7F && cp <= 0x9F);
}

void cw_output_html_escape(struct cw_rbuf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0; /* run: start of bytes copied as they are */
	while (i < n) {
		const char *rep = NULL;
		size_t len = 1;
		unsigned c = p[i];
		if (c >= 0x20 && c < 0x7F) {
			switch (c) {
			case '&':
				rep = "&amp;";
				break;
			case '<':
				rep = "&lt;";
				break;
			case '>':
				rep = "&gt;";
				break;
			case '"':
				rep = "&quot;";
				break;
			case '\'':
				rep = "&#39;";
				break;
			default:
				break;
			}
		} else {
			int32_t cp;
			len = utf8_next(p + i, n - i, &cp);
			if (cp < 0 || is_bad_control(cp))
				rep = REPLACEMENT;
		}
		if (rep) {
			cw_rbuf_add(b, s + run, i - run);
			cw_rbuf_adds(b, rep);
			run = i + len;
		}
		i += len;
	}
	cw_rbuf_add(b, s + run, n - run);
}

void cw_output_json_string(struct cw_rbuf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0;
	cw_rbuf_addc(b, '"');
	while (i < n) {
		char esc[8];
		const char *rep = NULL;
		size_t len = 1;
		unsigned c = p[i];
		if (c < 0x80) {
			switch (c) {
			case '"':
				rep = "\\\"";
				break;
			case '\\':
				rep = "\\\\";
				break;
			case '\n':
				rep = "\\n";
				break;
			case '\r':
				rep = "\\r";
				break;
			case '\t':
				rep = "\\t";
				break;
			case '<':
			case '>':
			case '&':
			case '\'':
				snprintf(esc, sizeof esc, "\\u%04x", c);
				rep = esc;
				break;
			default:
				if (c < 0x20 || c == 0x7F)
					rep = "\\ufffd";
				break;
			}
		} else {
			int32_t cp;
			len = utf8_next(p + i, n - i, &cp);
			if (cp < 0 || is_bad_control(cp))
				rep = "\\ufffd";
			else if (cp == 0x2028 || cp == 0x2029)
				rep = cp == 0x2028 ? "\\u2028" : "\\u2029";
		}
		if (rep) {
			cw_rbuf_add(b, s + run, i - run);
			cw_rbuf_adds(b, rep);
			run = i + len;
		}
		i += len;
	}
	cw_rbuf_add(b, s + run, n - run);
	cw_rbuf_addc(b, '"');
}

/* Appends s with invalid UTF-8 and bad controls replaced; newline_to_space
 * for one-line terminal text. */
static void add_clean(struct cw_rbuf *b, const char *s, size_t n, int newline_to_space)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0;
	while (i < n) {
		const char *rep = NULL;
		size_t len = 1;
		int32_t cp;
		len = utf8_next(p + i, n - i, &cp);
		if (cp < 0 || is_bad_control(cp) || (cp == '\r' && newline_to_space))
			rep = cp == '\r' ? " " : REPLACEMENT;
		else if (newline_to_space && (cp == '\n' || cp == '\t'))
			rep = " ";
		if (rep) {
			cw_rbuf_add(b, s + run, i - run);
			cw_rbuf_adds(b, rep);
			run = i + len;
		}
		i += len;
	}
	cw_rbuf_add(b, s + run, n - run);
}

void cw_output_text(struct cw_rbuf *b, const char *s, size_t n)
{
	add_clean(b, s, n, 1);
}

void cw_output_csv_field(struct cw_rbuf *b, const char *s, size_t n)
{
	int quote = n > 0 && (s[0] == ' ' || s[n - 1] == ' ');
	int formula = n > 0 && strchr("=+-@", s[0]) != NULL;
	for (size_t i = 0; i < n && !quote; i++)
		if (s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n')
			quote = 1;
	if (!quote && !formula) {
		add_clean(b, s, n, 0);
		return;
	}
	if (quote)
		cw_rbuf_addc(b, '"');
	if (formula)
		cw_rbuf_addc(b, '\'');
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"') {
			add_clean(b, s + run, i + 1 - run, 0);
			cw_rbuf_addc(b, '"');
			run = i + 1;
		}
	}
	add_clean(b, s + run, n - run, 0);
	if (quote)
		cw_rbuf_addc(b, '"');
}

static void csv_str(struct cw_rbuf *b, const char *s)
{
	cw_output_csv_field(b, S(s), strlen(S(s)));
}

int cw_output_url_is_safe(const char *s, size_t n)
{
	size_t skip;
	if (n > 8 && strncasecmp(s, "https://", 8) == 0)
		skip = 8;
	else if (n > 7 && strncasecmp(s, "http://", 7) == 0)
		skip = 7;
	else
		return 0;
	if (s[skip] == '/' || s[skip] == '?' || s[skip] == '#')
		return 0; /* no host */
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= 0x20 || c == 0x7F || c == '"' || c == '\'' || c == '<' || c == '>' ||
		    c == '\\' || c == '`')
			return 0;
	}
	return 1;
}

void cw_output_html_link(struct cw_rbuf *b, const char *url, const char *label)
{
	size_t n = strlen(S(url));
	const char *text = label && *label ? label : S(url);
	if (!cw_output_url_is_safe(S(url), n)) {
		cw_output_html_escape(b, text, strlen(text));
		return;
	}
	cw_rbuf_adds(b, "<a href=\"");
	cw_output_html_escape(b, url, n);
	cw_rbuf_adds(b, "\" rel=\"noopener noreferrer\" target=\"_blank\">");
	cw_output_html_escape(b, text, strlen(text));
	cw_rbuf_adds(b, "</a>");
}

/* Machine words (JSON, CSV, filters, CSS classes, Redis counters).  A
 * fact-check whose publisher gave no rating (RATING_UNSPECIFIED, e.g. the
 * Snopes vclaims) is "unrated"; "unspecified", the word of older reports, is
 * still parsed. */
static const char *const rating_words[] = {"unrated",      "true",  "mostly-true", "mixed",
                                           "mostly-false", "false", "unproven",    "other"};
static const char *const status_words[] = {"unspecified", "confirmed", "suggested", "unverified"};
static const char *const method_words[] = {"unspecified", "exact", "near-duplicate", "retrieval"};

const char *cw_output_rating_word(int rating)
{
	if (rating == CW_RATING_NONE)
		return "none";
	if (rating >= 0 && (size_t)rating < CW_ARRAY_SIZE(rating_words))
		return rating_words[rating];
	return "other";
}

const char *cw_output_rating_label(int rating)
{
	if (rating == CW_RATING_NONE)
		return "no fact-check";
	return cw_rating_name((Claimwire__Rating)(rating >= 0 ? rating : 0));
}

const char *cw_output_status_word(int status)
{
	if (status >= 0 && (size_t)status < CW_ARRAY_SIZE(status_words))
		return status_words[status];
	return "unspecified";
}

const char *cw_output_method_word(int method)
{
	if (method >= 0 && (size_t)method < CW_ARRAY_SIZE(method_words))
		return method_words[method];
	return "unspecified";
}

static int parse_word(const char *s, const char *const *words, size_t n)
{
	for (size_t i = 0; s && i < n; i++)
		if (strcmp(s, words[i]) == 0)
			return (int)i;
	return -1;
}

int cw_output_rating_parse(const char *s)
{
	if (s && strcmp(s, "none") == 0)
		return CW_RATING_NONE;
	if (s && strcmp(s, "unspecified") == 0)
		return CLAIMWIRE__RATING__RATING_UNSPECIFIED;
	return parse_word(s, rating_words, CW_ARRAY_SIZE(rating_words));
}

int cw_output_status_parse(const char *s)
{
	return parse_word(s, status_words, CW_ARRAY_SIZE(status_words));
}

int cw_output_method_parse(const char *s)
{
	return parse_word(s, method_words, CW_ARRAY_SIZE(method_words));
}

int cw_output_verdict_rating(const Claimwire__Verdict *v)
{
	if (!v || !v->best || !v->best->fact_check)
		return CW_RATING_NONE;
	return (int)v->best->fact_check->rating_normalized;
}

void cw_output_time(int64_t ms, char out[32])
{
	out[0] = '\0';
	if (ms <= 0)
		return;
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	if (gmtime_r(&t, &tm))
		strftime(out, 32, "%Y-%m-%d %H:%MZ", &tm);
}

/* ---- JSON ---------------------------------------------------------------- */

static void jkey(struct cw_rbuf *b, int *first, const char *key)
{
	if (!*first)
		cw_rbuf_addc(b, ',');
	*first = 0;
	cw_rbuf_addc(b, '"');
	cw_rbuf_adds(b, key); /* keys are ours, plain ASCII */
	cw_rbuf_adds(b, "\":");
}

static void jstr(struct cw_rbuf *b, int *first, const char *key, const char *val)
{
	jkey(b, first, key);
	cw_output_json_string(b, S(val), strlen(S(val)));
}

static void jint(struct cw_rbuf *b, int *first, const char *key, long long val)
{
	jkey(b, first, key);
	cw_rbuf_addf(b, "%lld", val);
}

static void jnum(struct cw_rbuf *b, int *first, const char *key, double val)
{
	jkey(b, first, key);
	if (val != val) /* NaN has no JSON form */
		val = 0;
	cw_rbuf_addf(b, "%.4g", val);
}

static void jbool(struct cw_rbuf *b, int *first, const char *key, int val)
{
	jkey(b, first, key);
	cw_rbuf_adds(b, val ? "true" : "false");
}

static void candidate_json(struct cw_rbuf *b, const Claimwire__Candidate *c)
{
	const Claimwire__FactCheck *fc = c->fact_check;
	int first = 1;
	cw_rbuf_addc(b, '{');
	if (fc) {
		jstr(b, &first, "id", fc->id);
		jstr(b, &first, "claim", fc->claim);
		jstr(b, &first, "title", fc->title);
		jstr(b, &first, "rating", fc->rating);
		jstr(b, &first, "rating_normalized", cw_output_rating_word(fc->rating_normalized));
		jstr(b, &first, "publisher", fc->publisher);
		jstr(b, &first, "url", fc->url);
		jstr(b, &first, "date", fc->date);
		jstr(b, &first, "claimant", fc->claimant);
	}
	jnum(b, &first, "score", c->score);
	jstr(b, &first, "method", cw_output_method_word(c->method));
	cw_rbuf_addc(b, '}');
}

void cw_output_verdict_json(struct cw_rbuf *b, const Claimwire__Verdict *v)
{
	const Claimwire__Claim *c = v->claim;
	int first = 1;
	cw_rbuf_addc(b, '{');
	if (c) {
		jstr(b, &first, "article_id", c->article_id);
		jstr(b, &first, "outlet", c->outlet);
		jstr(b, &first, "title", c->article_title);
		jstr(b, &first, "url", c->url);
		jint(b, &first, "published", c->published);
		jint(b, &first, "claim_index", c->claim_index);
		jint(b, &first, "claim_count", c->claim_count);
		jstr(b, &first, "fingerprint", c->fingerprint);
		jstr(b, &first, "claim", c->text);
		jstr(b, &first, "sentence", c->sentence);
		jstr(b, &first, "speaker", c->speaker);
		jstr(b, &first, "normalized", c->normalized);
		jint(b, &first, "sentence_index", c->sentence_index);
		jnum(b, &first, "checkworthiness", c->checkworthiness);
		jbool(b, &first, "check_worthy", c->check_worthy);
	}
	jstr(b, &first, "status", cw_output_status_word(v->status));
	jstr(b, &first, "rating", cw_output_rating_word(cw_output_verdict_rating(v)));
	jkey(b, &first, "best");
	if (v->best)
		candidate_json(b, v->best);
	else
		cw_rbuf_adds(b, "null");
	jkey(b, &first, "candidates");
	cw_rbuf_addc(b, '[');
	for (size_t i = 0; i < v->n_candidates; i++) {
		if (i)
			cw_rbuf_addc(b, ',');
		candidate_json(b, v->candidates[i]);
	}
	cw_rbuf_addc(b, ']');
	jkey(b, &first, "sightings");
	if (v->sightings) {
		const Claimwire__Sightings *s = v->sightings;
		int f2 = 1;
		cw_rbuf_addc(b, '{');
		jint(b, &f2, "distinct_outlets", s->distinct_outlets);
		jint(b, &f2, "total", s->total);
		jstr(b, &f2, "first_outlet", s->first_outlet);
		jint(b, &f2, "first_seen_ms", s->first_seen_ms);
		jstr(b, &f2, "first_article_id", s->first_article_id);
		jstr(b, &f2, "method", cw_output_method_word(s->method));
		jstr(b, &f2, "cluster", s->cluster);
		cw_rbuf_addc(b, '}');
	} else {
		cw_rbuf_adds(b, "null");
	}
	jint(b, &first, "decided_ms", v->decided_ms);
	cw_rbuf_addc(b, '}');
}

/* ---- CSV ----------------------------------------------------------------- */

void cw_output_csv_header(struct cw_rbuf *b)
{
	cw_rbuf_adds(b, "article_id,outlet,title,url,published,claim_index,claim,sentence,speaker,"
	                "checkworthiness,check_worthy,status,rating,rating_published,publisher,"
	                "factcheck_url,factcheck_date,score,method,distinct_outlets,first_outlet,"
	                "first_seen\r\n");
}

void cw_output_verdict_csv(struct cw_rbuf *b, const Claimwire__Verdict *v)
{
	Claimwire__Claim empty_claim;
	claimwire__claim__init(&empty_claim);
	const Claimwire__Claim *c = v->claim ? v->claim : &empty_claim;
	const Claimwire__FactCheck *fc = v->best ? v->best->fact_check : NULL;
	char t[32];
	csv_str(b, c->article_id);
	cw_rbuf_addc(b, ',');
	csv_str(b, c->outlet);
	cw_rbuf_addc(b, ',');
	csv_str(b, c->article_title);
	cw_rbuf_addc(b, ',');
	csv_str(b, c->url);
	cw_rbuf_addc(b, ',');
	cw_output_time(c->published * 1000, t);
	csv_str(b, t);
	cw_rbuf_addf(b, ",%u,", c->claim_index);
	csv_str(b, c->text);
	cw_rbuf_addc(b, ',');
	csv_str(b, c->sentence);
	cw_rbuf_addc(b, ',');
	csv_str(b, c->speaker);
	cw_rbuf_addf(b, ",%.4g,%s,%s,%s,", (double)c->checkworthiness,
	             c->check_worthy ? "true" : "false", cw_output_status_word(v->status),
	             cw_output_rating_word(cw_output_verdict_rating(v)));
	csv_str(b, fc ? fc->rating : "");
	cw_rbuf_addc(b, ',');
	csv_str(b, fc ? fc->publisher : "");
	cw_rbuf_addc(b, ',');
	csv_str(b, fc ? fc->url : "");
	cw_rbuf_addc(b, ',');
	csv_str(b, fc ? fc->date : "");
	if (v->best)
		cw_rbuf_addf(b, ",%.4g,%s,", (double)v->best->score,
		             cw_output_method_word(v->best->method));
	else
		cw_rbuf_adds(b, ",,,");
	if (v->sightings) {
		cw_rbuf_addf(b, "%u,", v->sightings->distinct_outlets);
		csv_str(b, v->sightings->first_outlet);
		cw_rbuf_addc(b, ',');
		cw_output_time(v->sightings->first_seen_ms, t);
		csv_str(b, t);
	} else {
		cw_rbuf_adds(b, ",,");
	}
	cw_rbuf_adds(b, "\r\n");
}

/* ---- API JSON ------------------------------------------------------------ */

void cw_output_articles_json(struct cw_rbuf *b, const struct cw_report_articles *a)
{
	cw_rbuf_adds(b, "{\"articles\":[");
	for (size_t i = 0; i < a->n; i++) {
		const struct cw_report_article *ar = &a->v[i];
		int first = 1;
		if (i)
			cw_rbuf_addc(b, ',');
		cw_rbuf_addc(b, '{');
		jstr(b, &first, "id", ar->id);
		jstr(b, &first, "outlet", ar->outlet);
		jstr(b, &first, "title", ar->title);
		jstr(b, &first, "url", ar->url);
		jint(b, &first, "published", ar->published);
		jint(b, &first, "first_ms", ar->first_ms);
		jint(b, &first, "last_ms", ar->last_ms);
		jint(b, &first, "claim_count", ar->claim_count);
		jint(b, &first, "claims_seen", ar->claims_seen);
		jkey(b, &first, "verdicts");
		cw_rbuf_addc(b, '[');
		for (size_t j = 0; j < ar->nverdicts; j++) {
			if (j)
				cw_rbuf_addc(b, ',');
			cw_output_verdict_json(b, ar->verdicts[j]);
		}
		cw_rbuf_adds(b, "]}");
	}
	cw_rbuf_addf(b, "],\"truncated\":%s}", a->truncated ? "true" : "false");
}

void cw_output_claims_json(struct cw_rbuf *b, const char *name, const struct cw_report_claims *c)
{
	cw_rbuf_addf(b, "{\"%s\":[", name);
	for (size_t i = 0; i < c->n; i++) {
		const struct cw_report_claim *cl = &c->v[i];
		int first = 1;
		if (i)
			cw_rbuf_addc(b, ',');
		cw_rbuf_addc(b, '{');
		jstr(b, &first, "fingerprint", cl->fingerprint);
		jstr(b, &first, "claim", cl->text);
		jint(b, &first, "distinct_outlets", (long long)cl->noutlets);
		jint(b, &first, "count", (long long)cl->count);
		jstr(b, &first, "first_outlet", cl->first_outlet);
		jstr(b, &first, "first_article_id", cl->first_article_id);
		jint(b, &first, "first_seen_ms", cl->first_ms);
		jint(b, &first, "last_seen_ms", cl->last_ms);
		jnum(b, &first, "checkworthiness", cl->checkworthiness);
		jkey(b, &first, "outlets");
		cw_rbuf_addc(b, '[');
		for (size_t j = 0; j < cl->noutlets; j++) {
			if (j)
				cw_rbuf_addc(b, ',');
			cw_output_json_string(b, cl->outlets[j], strlen(cl->outlets[j]));
		}
		cw_rbuf_addc(b, ']');
		jkey(b, &first, "verdict");
		if (cl->verdict)
			cw_output_verdict_json(b, cl->verdict);
		else
			cw_rbuf_adds(b, "null");
		cw_rbuf_addc(b, '}');
	}
	cw_rbuf_addf(b, "],\"truncated\":%s}", c->truncated ? "true" : "false");
}

void cw_output_dead_letters_json(struct cw_rbuf *b, const struct cw_report_dead_letters *d)
{
	cw_rbuf_adds(b, "{\"dead_letters\":[");
	for (size_t i = 0; i < d->n; i++) {
		const struct cw_report_dead_letter *dl = &d->v[i];
		int first = 1;
		if (i)
			cw_rbuf_addc(b, ',');
		cw_rbuf_addc(b, '{');
		jstr(b, &first, "stage", dl->stage);
		jstr(b, &first, "error", dl->error);
		jstr(b, &first, "topic", dl->topic);
		jint(b, &first, "partition", dl->partition);
		jint(b, &first, "offset", dl->offset);
		jint(b, &first, "at_ms", dl->at_ms);
		jstr(b, &first, "key", dl->key);
		jkey(b, &first, "value");
		cw_output_json_string(b, S(dl->value), dl->value ? dl->value_len : 0);
		jint(b, &first, "bytes", (long long)dl->bytes);
		cw_rbuf_addc(b, '}');
	}
	cw_rbuf_adds(b, "]}");
}

/* A key that comes from data (outlet, stage): escaped like any value. */
static void jkey_data(struct cw_rbuf *b, int *first, const char *key)
{
	if (!*first)
		cw_rbuf_addc(b, ',');
	*first = 0;
	cw_output_json_string(b, S(key), strlen(S(key)));
	cw_rbuf_addc(b, ':');
}

static void counts_json(struct cw_rbuf *b, int *first, const char *key,
                        const struct cw_report_counts *c)
{
	jkey_data(b, first, key);
	cw_rbuf_addc(b, '{');
	int f2 = 1;
	for (size_t i = 0; i < c->n; i++) {
		jkey_data(b, &f2, c->v[i].name);
		cw_rbuf_addf(b, "%lld", c->v[i].n);
	}
	cw_rbuf_addc(b, '}');
}

void cw_output_stats_json(struct cw_rbuf *b, const struct cw_report_stats *s)
{
	int first = 1;
	cw_rbuf_addc(b, '{');
	jint(b, &first, "articles", s->articles);
	jint(b, &first, "articles_complete", s->articles_complete);
	jint(b, &first, "claims", s->claims);
	jint(b, &first, "check_worthy", s->check_worthy);
	jint(b, &first, "dead_letters", s->dead_letters);
	jint(b, &first, "review_queue", s->review);
	jint(b, &first, "repeated_claims", s->repeated);
	jint(b, &first, "outlets", s->outlets);
	jbool(b, &first, "filtered", s->filtered);
	counts_json(b, &first, "by_status", &s->by_status);
	counts_json(b, &first, "by_rating", &s->by_rating);
	counts_json(b, &first, "by_outlet", &s->by_outlet);
	counts_json(b, &first, "by_hour", &s->by_hour);
	counts_json(b, &first, "dead_letters_by_stage", &s->dead_by_stage);
	jkey(b, &first, "stages");
	cw_rbuf_addc(b, '{');
	int f2 = 1;
	for (size_t i = 0; i < s->nstages; i++)
		counts_json(b, &f2, s->stages[i].stage, &s->stages[i].fields);
	cw_rbuf_adds(b, "}}");
}

/* ---- Prometheus ---------------------------------------------------------- */

static void prom_label(struct cw_rbuf *b, const char *s)
{
	struct cw_rbuf t = CW_RBUF_INIT;
	add_clean(&t, S(s), strlen(S(s)), 1);
	for (size_t i = 0; i < t.len; i++) {
		if (t.p[i] == '\\' || t.p[i] == '"')
			cw_rbuf_addc(b, '\\');
		cw_rbuf_addc(b, t.p[i]);
	}
	cw_rbuf_release(&t);
}

static void prom_head(struct cw_rbuf *b, const char *name, const char *type, const char *help)
{
	cw_rbuf_addf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void prom_one(struct cw_rbuf *b, const char *name, const char *type, const char *help,
                     long long v)
{
	prom_head(b, name, type, help);
	cw_rbuf_addf(b, "%s %lld\n", name, v);
}

static void prom_counts(struct cw_rbuf *b, const char *name, const char *type, const char *help,
                        const char *label, const struct cw_report_counts *c)
{
	prom_head(b, name, type, help);
	for (size_t i = 0; i < c->n; i++) {
		cw_rbuf_addf(b, "%s{%s=\"", name, label);
		prom_label(b, c->v[i].name);
		cw_rbuf_addf(b, "\"} %lld\n", c->v[i].n);
	}
}

/* Metric-name-safe copy of a field name: [a-z0-9_], at most 63 bytes. */
static void prom_name_part(char *out, const char *s)
{
	size_t i = 0;
	for (; s[i] && i < 63; i++) {
		char c = s[i];
		out[i] = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ? c
		         : (c >= 'A' && c <= 'Z')                         ? (char)(c - 'A' + 'a')
		                                                          : '_';
	}
	out[i] = '\0';
}

static int is_counter_field(const char *f)
{
	static const char *const counters[] = {"consumed", "produced", "dead_letters",
	                                       "batches",  "retries",  "errors"};
	for (size_t i = 0; i < CW_ARRAY_SIZE(counters); i++)
		if (strcmp(f, counters[i]) == 0)
			return 1;
	return 0;
}

/* What each stage counter (P "metrics:<stage>") counts.  "produced" is every
 * record a stage produced, whatever the topic: ingest's are articles,
 * extract's claims, but match's are verdicts AND review records, so the
 * verdicts are claimwire_verdicts_total (the report's own aggregate). */
static const char *stage_field_help(const char *field)
{
	if (strcmp(field, "produced") == 0)
		return "records a stage produced to any topic (ingest: articles; extract: claims; "
		       "match: verdicts and review records, see claimwire_verdicts_total)";
	if (strcmp(field, "consumed") == 0)
		return "records a stage consumed, redeliveries included";
	if (strcmp(field, "dead_letters") == 0)
		return "records a stage sent to the dead-letter topic";
	return "per-stage worker counter (cw:metrics:<stage>)";
}

void cw_output_metrics(struct cw_rbuf *b, const struct cw_report_stats *s, int redis_up)
{
	prom_one(b, "claimwire_redis_up", "gauge", "1 when the report's Redis answered", redis_up);
	prom_one(b, "claimwire_articles_reported_total", "counter",
	         "articles with at least one verdict reported", s->articles);
	prom_one(b, "claimwire_articles_complete", "gauge",
	         "articles whose every claim has a verdict", s->articles_complete);
	prom_one(b, "claimwire_claims_total", "counter",
	         "distinct claims reported (one verdict each, redeliveries not counted)",
	         s->claims);
	prom_one(b, "claimwire_check_worthy_claims_total", "counter",
	         "reported claims above the check-worthiness threshold", s->check_worthy);
	prom_counts(b, "claimwire_verdicts_total", "counter",
	            "verdicts reported (one per claim, redeliveries not counted), by status",
	            "status", &s->by_status);
	prom_counts(b, "claimwire_ratings_total", "counter",
	            "verdicts reported, by normalised rating of the best fact-check", "rating",
	            &s->by_rating);
	prom_counts(b, "claimwire_dead_letters_total", "counter",
	            "dead letters seen on the dead-letter topic, by stage", "stage",
	            &s->dead_by_stage);
	prom_one(b, "claimwire_review_queue_claims", "gauge",
	         "check-worthy claims with no confirmed fact-check", s->review);
	prom_one(b, "claimwire_repeated_claims", "gauge", "claims seen more than once",
	         s->repeated);
	prom_one(b, "claimwire_outlets", "gauge", "distinct outlets reported", s->outlets);

	/* Per-stage counters: one metric name per field, every stage under it. */
	for (size_t i = 0; i < s->nstages; i++) {
		for (size_t j = 0; j < s->stages[i].fields.n; j++) {
			const char *field = s->stages[i].fields.v[j].name;
			int seen = 0; /* printed already under an earlier stage? */
			for (size_t k = 0; k < i && !seen; k++)
				for (size_t m = 0; m < s->stages[k].fields.n && !seen; m++)
					seen = strcmp(s->stages[k].fields.v[m].name, field) == 0;
			if (seen)
				continue;
			char part[64], name[96];
			prom_name_part(part, field);
			int counter = is_counter_field(field);
			snprintf(name, sizeof name, "claimwire_stage_%s%s", part,
			         counter ? "_total" : "");
			prom_head(b, name, counter ? "counter" : "gauge", stage_field_help(field));
			for (size_t k = i; k < s->nstages; k++)
				for (size_t m = 0; m < s->stages[k].fields.n; m++)
					if (strcmp(s->stages[k].fields.v[m].name, field) == 0) {
						cw_rbuf_addf(b, "%s{stage=\"", name);
						prom_label(b, s->stages[k].stage);
						cw_rbuf_addf(b, "\"} %lld\n",
						             s->stages[k].fields.v[m].n);
					}
		}
	}
}

/* ---- terminal summary ---------------------------------------------------- */

static void text_str(struct cw_rbuf *b, const char *s)
{
	cw_output_text(b, S(s), strlen(S(s)));
}

int cw_output_verdict_shown(const Claimwire__Verdict *v)
{
	if (!v)
		return 0;
	if (v->status == CLAIMWIRE__VERDICT_STATUS__VERDICT_STATUS_CONFIRMED ||
	    v->status == CLAIMWIRE__VERDICT_STATUS__VERDICT_STATUS_SUGGESTED)
		return v->best && v->best->fact_check;
	return 0;
}

int cw_output_verdict_needs_checker(const Claimwire__Verdict *v)
{
	return v && !cw_output_verdict_shown(v) && v->claim && v->claim->check_worthy;
}

/* Per-article tallies the summary sorts and prints by. */
struct summary_tally {
	size_t idx; /* article index in the listing */
	unsigned confirmed, suggested, unverified, needs;
};

static void tally(const struct cw_report_article *ar, size_t idx, struct summary_tally *t)
{
	memset(t, 0, sizeof *t);
	t->idx = idx;
	for (size_t j = 0; j < ar->nverdicts; j++) {
		const Claimwire__Verdict *v = ar->verdicts[j];
		if (cw_output_verdict_shown(v)) {
			if (v->status == CLAIMWIRE__VERDICT_STATUS__VERDICT_STATUS_CONFIRMED)
				t->confirmed++;
			else
				t->suggested++;
		} else {
			t->unverified++;
			t->needs += (unsigned)cw_output_verdict_needs_checker(v);
		}
	}
}

/* Most confirmed first, then most suggested, then most claims waiting for a
 * fact-checker; ties keep the listing's order (oldest first). */
static int tally_cmp(const void *pa, const void *pb)
{
	const struct summary_tally *a = pa, *b = pb;
	if (a->confirmed != b->confirmed)
		return a->confirmed > b->confirmed ? -1 : 1;
	if (a->suggested != b->suggested)
		return a->suggested > b->suggested ? -1 : 1;
	if (a->needs != b->needs)
		return a->needs > b->needs ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* Which claims of an article an editor sees first: confirmed, then suggested
 * (by score), then check-worthy unverified (by check-worthiness). */
static double claim_priority(const Claimwire__Verdict *v)
{
	if (cw_output_verdict_shown(v))
		return (v->status == CLAIMWIRE__VERDICT_STATUS__VERDICT_STATUS_CONFIRMED ? 3.0
		                                                                         : 2.0) +
		       (double)v->best->score * 0.5;
	if (cw_output_verdict_needs_checker(v))
		return 1.0 + (double)v->claim->checkworthiness * 0.5;
	return 0.0;
}

static int priority_cmp_desc(const void *pa, const void *pb)
{
	const double *a = pa, *b = pb; /* {priority, index} pairs */
	if (a[0] != b[0])
		return a[0] > b[0] ? -1 : 1;
	return a[1] < b[1] ? -1 : a[1] > b[1];
}

static int index_cmp(const void *pa, const void *pb)
{
	const double *a = pa, *b = pb;
	return a[1] < b[1] ? -1 : a[1] > b[1];
}

static void summary_claim(struct cw_rbuf *b, const Claimwire__Verdict *v)
{
	char t[32];
	const Claimwire__Claim *c = v->claim;
	const Claimwire__FactCheck *fc = v->best ? v->best->fact_check : NULL;
	cw_rbuf_addf(b, "   [%u] ", c ? c->claim_index : 0);
	if (cw_output_verdict_shown(v)) {
		cw_rbuf_adds(b, cw_output_status_word(v->status));
		cw_rbuf_adds(b, ": ");
		cw_rbuf_adds(b, cw_output_rating_label(fc->rating_normalized));
		if (*S(fc->rating)) {
			cw_rbuf_adds(b, " (\"");
			text_str(b, fc->rating);
			cw_rbuf_adds(b, "\")");
		}
		cw_rbuf_adds(b, " by ");
		text_str(b, *S(fc->publisher) ? fc->publisher : "(unknown publisher)");
		if (*S(fc->date)) {
			cw_rbuf_adds(b, ", ");
			text_str(b, fc->date);
		}
		cw_rbuf_addc(b, '\n');
	} else if (cw_output_verdict_needs_checker(v)) {
		cw_rbuf_adds(b, "needs a fact-checker (in the review queue)\n");
	} else {
		cw_rbuf_adds(b, "unverified (not check-worthy enough for the review queue)\n");
	}
	cw_rbuf_adds(b, "       \"");
	text_str(b, c ? c->text : "");
	cw_rbuf_adds(b, "\"\n       speaker: ");
	text_str(b, c && *S(c->speaker) ? c->speaker : "(the article)");
	cw_rbuf_addf(b, "  check-worthiness %.2f", c ? (double)c->checkworthiness : 0.0);
	if (fc && cw_output_verdict_shown(v))
		cw_rbuf_addf(b, "  match %.2f, %s", (double)v->best->score,
		             cw_output_method_word(v->best->method));
	else if (fc)
		cw_rbuf_addf(b, "  nearest fact-check: %.2f", (double)v->best->score);
	cw_rbuf_addc(b, '\n');
	if (fc && cw_output_verdict_shown(v) && *S(fc->url)) {
		cw_rbuf_adds(b, "       ");
		text_str(b, fc->url);
		cw_rbuf_addc(b, '\n');
	}
	if (v->sightings && v->sightings->distinct_outlets > 1) {
		cw_output_time(v->sightings->first_seen_ms, t);
		cw_rbuf_addf(b, "       seen in %u outlets", v->sightings->distinct_outlets);
		if (*S(v->sightings->first_outlet)) {
			cw_rbuf_adds(b, ", first by ");
			text_str(b, v->sightings->first_outlet);
		}
		cw_rbuf_addf(b, "%s%s\n", *t ? " at " : "", t);
	}
}

void cw_output_summary(struct cw_rbuf *b, const struct cw_report_articles *a,
                       const char *more_where)
{
	char t[32];
	if (a->n == 0) {
		cw_rbuf_adds(b, "no articles reported\n");
		return;
	}
	struct summary_tally *order = cw_xcalloc(a->n, sizeof *order);
	for (size_t i = 0; i < a->n; i++)
		tally(&a->v[i], i, &order[i]);
	cw_qsort(order, a->n, sizeof *order, tally_cmp);
	double(*pick)[2] = NULL;
	size_t pickcap = 0;
	for (size_t k = 0; k < a->n; k++) {
		const struct summary_tally *ty = &order[k];
		const struct cw_report_article *ar = &a->v[ty->idx];
		cw_rbuf_adds(b, k ? "\n== " : "== ");
		text_str(b, *S(ar->title) ? ar->title : "(untitled)");
		cw_rbuf_adds(b, " — ");
		text_str(b, *S(ar->outlet) ? ar->outlet : "(unknown outlet)");
		cw_output_time(ar->published * 1000, t);
		if (*t)
			cw_rbuf_addf(b, "  %s", t);
		cw_rbuf_addc(b, '\n');
		if (*S(ar->url)) {
			cw_rbuf_adds(b, "   ");
			text_str(b, ar->url);
			cw_rbuf_addc(b, '\n');
		}
		if (ar->nverdicts == 0 && ar->claim_count == 0) {
			cw_rbuf_adds(b, "   no claim found\n");
			continue;
		}
		cw_rbuf_addf(b, "   %zu claim%s: %u confirmed, %u suggested, %u unverified",
		             ar->nverdicts, ar->nverdicts == 1 ? "" : "s", ty->confirmed,
		             ty->suggested, ty->unverified);
		if (ty->needs)
			cw_rbuf_addf(b, " (%u need%s a fact-checker)", ty->needs,
			             ty->needs == 1 ? "s" : "");
		if (ar->claim_count && ar->claims_seen < ar->claim_count)
			cw_rbuf_addf(b, "; %u of %u claims reported so far", ar->claims_seen,
			             ar->claim_count);
		cw_rbuf_addc(b, '\n');

		/* Every claim of a short article; of a long one (a transcript)
		 * the claims worth a line, at most CW_OUTPUT_SUMMARY_CLAIMS of
		 * them by priority.  Printed in the article's order. */
		int all = ar->nverdicts <= CW_OUTPUT_SUMMARY_CLAIMS;
		if (ar->nverdicts > pickcap) {
			pickcap = ar->nverdicts;
			pick = cw_xrealloc(pick, pickcap * sizeof *pick);
		}
		size_t npick = 0;
		for (size_t j = 0; j < ar->nverdicts; j++) {
			double p = claim_priority(ar->verdicts[j]);
			if (p > 0 || all) {
				pick[npick][0] = p;
				pick[npick][1] = (double)j;
				npick++;
			}
		}
		if (npick > CW_OUTPUT_SUMMARY_CLAIMS) {
			cw_qsort(pick, npick, sizeof *pick, priority_cmp_desc);
			npick = CW_OUTPUT_SUMMARY_CLAIMS;
		}
		cw_qsort(pick, npick, sizeof *pick, index_cmp);
		for (size_t j = 0; j < npick; j++)
			summary_claim(b, ar->verdicts[(size_t)pick[j][1]]);
		if (ar->nverdicts > npick)
			cw_rbuf_addf(b, "   +%zu more claim%s in %s\n", ar->nverdicts - npick,
			             ar->nverdicts - npick == 1 ? "" : "s",
			             more_where && *more_where ? more_where : "the HTML report");
	}
	free(pick);
	free(order);
}

/* ---- HTML ---------------------------------------------------------------- */

static const char *const view_paths[CW_VIEW_COUNT] = {"/", "/claims/repeated", "/review",
                                                      "/dead-letters", "/stats"};
static const char *const view_apis[CW_VIEW_COUNT] = {
    "/api/articles", "/api/claims/repeated", "/api/review", "/api/dead-letters", "/api/stats"};
static const char *const view_titles[CW_VIEW_COUNT] = {"Articles", "Repeated claims",
                                                       "Review queue", "Dead letters", "Stats"};
static const char *const view_anchors[CW_VIEW_COUNT] = {"articles", "repeated", "review",
                                                        "dead-letters", "stats"};

const char *cw_output_view_path(enum cw_output_view v)
{
	return v < CW_VIEW_COUNT ? view_paths[v] : "/";
}

const char *cw_output_view_api(enum cw_output_view v)
{
	return v < CW_VIEW_COUNT ? view_apis[v] : "/api/articles";
}

static const char css[] =
    "*{box-sizing:border-box}"
    "body{font:14px/1.4 system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;"
    "margin:0;color:#1d2329;background:#f4f5f7}"
    "header{background:#1d2329;color:#fff;padding:8px 16px;display:flex;align-items:baseline;"
    "gap:24px;flex-wrap:wrap}"
    "header h1{font-size:18px;margin:0;letter-spacing:.5px}"
    "nav a{color:#cfd6de;text-decoration:none;margin-right:16px}"
    "nav a.on{color:#fff;border-bottom:2px solid #f0b429}"
    ".gen{margin-left:auto;color:#9aa5b1;font-size:12px}"
    "main{padding:12px 16px}"
    "form.f{display:flex;gap:10px;align-items:center;margin:0 0 10px;flex-wrap:wrap;font-size:13px}"
    "form.f input,form.f select,form.f button{font:inherit;padding:2px 6px}"
    ".tiles{display:flex;gap:8px;flex-wrap:wrap;margin-bottom:12px}"
    ".tile{background:#fff;border:1px solid #dde1e6;border-radius:4px;padding:4px 12px;"
    "min-width:96px}"
    ".tile b{display:block;font-size:20px}"
    ".tile span{font-size:11px;color:#5f6b7a;text-transform:uppercase;letter-spacing:.4px}"
    "table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #dde1e6;"
    "margin-bottom:16px}"
    "th,td{padding:5px 8px;border-bottom:1px solid #eceef1;text-align:left;vertical-align:top}"
    "td{overflow-wrap:anywhere}"
    ".arts td:nth-child(3){max-width:180px}"
    ".arts td:nth-child(7){min-width:150px;max-width:240px}"
    "th{background:#eef0f3;font-size:11px;text-transform:uppercase;color:#4a5562;"
    "letter-spacing:.4px}"
    "tr.art td{background:#f8f9fb;border-top:2px solid #c9ced6}"
    ".art .t{font-weight:600;font-size:15px}"
    ".muted{color:#6b7683;font-size:12px}"
    ".sent{color:#6b7683;font-size:12px;margin-top:2px}"
    ".num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
    ".b{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;"
    "white-space:nowrap}"
    ".s-confirmed{background:#d3f2dc;color:#11632b}"
    ".s-suggested{background:#fff1c2;color:#7a5a00}"
    ".s-unverified,.s-unspecified{background:#e4e7eb;color:#3e4c59}"
    ".s-needs{background:#dbe8fb;color:#123e7c}"
    ".r-false,.r-mostly-false{background:#fbd5d5;color:#8a1c1c}"
    ".r-mixed{background:#ffe6c7;color:#8a4b00}"
    ".r-true,.r-mostly-true{background:#d3f2dc;color:#11632b}"
    ".r-unproven,.r-other,.r-none,.r-unrated{background:#e4e7eb;color:#3e4c59}"
    ".bar{display:inline-block;width:44px;height:6px;background:#e4e7eb;border-radius:3px;"
    "vertical-align:middle;margin-left:6px}"
    ".bar i{display:block;height:6px;background:#3b7dd8;border-radius:3px}"
    "a{color:#1458b8}"
    "h2{font-size:16px;margin:18px 0 6px}"
    ".notice{background:#fbd5d5;color:#8a1c1c;padding:6px 12px;margin-bottom:10px;"
    "border-radius:4px}"
    "pre.dl{white-space:pre-wrap;word-break:break-all;max-height:7em;overflow:auto;margin:0;"
    "font-size:12px}"
    ".grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(260px,1fr));gap:12px}";

static void h(struct cw_rbuf *b, const char *s)
{
	cw_output_html_escape(b, S(s), strlen(S(s)));
}

static void badge(struct cw_rbuf *b, const char *kind, const char *word, const char *text)
{
	cw_rbuf_addf(b, "<span class=\"b %s-%s\">", kind, word);
	h(b, text);
	cw_rbuf_adds(b, "</span>");
}

static void status_badge(struct cw_rbuf *b, int status)
{
	const char *w = cw_output_status_word(status);
	badge(b, "s", w, w);
}

/* The normalised rating as a coloured word (lower case), the publisher's
 * words beneath.  Only a shown verdict (confirmed/suggested) has a rating; an
 * unverified one is "needs a fact-checker" when check-worthy, else nothing. */
static void rating_cell(struct cw_rbuf *b, const Claimwire__Verdict *v)
{
	if (!cw_output_verdict_shown(v)) {
		if (cw_output_verdict_needs_checker(v))
			cw_rbuf_adds(b, "<span class=\"b s-needs\">needs a fact-checker</span>");
		else
			cw_rbuf_adds(b, "<span class=\"muted\">&mdash;</span>");
		return;
	}
	int r = cw_output_verdict_rating(v);
	badge(b, "r", cw_output_rating_word(r), cw_output_rating_label(r));
	const char *pub = v->best->fact_check->rating;
	if (*S(pub)) {
		cw_rbuf_adds(b, "<div class=\"muted\">&ldquo;");
		h(b, pub);
		cw_rbuf_adds(b, "&rdquo;</div>");
	}
}

static void factcheck_cell(struct cw_rbuf *b, const Claimwire__Verdict *v)
{
	const Claimwire__FactCheck *fc = v && v->best ? v->best->fact_check : NULL;
	if (!fc) {
		cw_rbuf_adds(b, "<span class=\"muted\">&mdash;</span>");
		return;
	}
	if (!cw_output_verdict_shown(v)) {
		/* The nearest miss: not a check of this claim. */
		cw_rbuf_addf(b, "<span class=\"muted\">nearest fact-check: %.2f</span>",
		             (double)v->best->score);
		return;
	}
	cw_output_html_link(b, fc->url, *S(fc->publisher) ? fc->publisher : "fact-check");
	cw_rbuf_adds(b, "<div class=\"muted\">");
	if (*S(fc->date)) {
		h(b, fc->date);
		cw_rbuf_adds(b, " &middot; ");
	}
	cw_rbuf_addf(b, "score %.2f &middot; %s</div>", (double)v->best->score,
	             cw_output_method_word(v->best->method));
	if (*S(fc->claim)) {
		cw_rbuf_adds(b, "<div class=\"sent\">checked: ");
		h(b, fc->claim);
		cw_rbuf_adds(b, "</div>");
	}
}

static void cw_bar(struct cw_rbuf *b, double x)
{
	if (!(x >= 0))
		x = 0;
	if (x > 1)
		x = 1;
	cw_rbuf_addf(b,
	             "<span class=\"num\">%.2f</span><span class=\"bar\"><i style=\"width:%d%%\">"
	             "</i></span>",
	             x, (int)(x * 100 + 0.5));
}

static void url_encode(struct cw_rbuf *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)S(s); *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p))
			cw_rbuf_addc(b, (char)*p);
		else
			cw_rbuf_addf(b, "%%%02X", *p);
	}
}

/* "?since=24h&outlet=..." for the current filter, "" when none. */
static void filter_query(struct cw_rbuf *q, const struct cw_output_page *pg)
{
	const struct cw_report_filter *f = pg->filter;
	char sep = '?';
	if (pg->since && *pg->since) {
		cw_rbuf_addf(q, "%csince=", sep), sep = '&';
		url_encode(q, pg->since);
	}
	if (f && f->outlet && *f->outlet) {
		cw_rbuf_addf(q, "%coutlet=", sep), sep = '&';
		url_encode(q, f->outlet);
	}
	if (f && f->rating >= 0)
		cw_rbuf_addf(q, "%crating=%s", sep, cw_output_rating_word(f->rating)), sep = '&';
	if (f && f->status >= 0)
		cw_rbuf_addf(q, "%cstatus=%s", sep, cw_output_status_word(f->status));
}

static void option(struct cw_rbuf *b, const char *value, const char *label, int selected)
{
	cw_rbuf_adds(b, "<option value=\"");
	h(b, value);
	cw_rbuf_addf(b, "\"%s>", selected ? " selected" : "");
	h(b, label);
	cw_rbuf_adds(b, "</option>");
}

static void filter_form(struct cw_rbuf *b, const struct cw_output_page *pg)
{
	const struct cw_report_filter *f = pg->filter;
	static const char *const windows[] = {"1h", "24h", "7d", "30d"};
	const char *since = pg->since ? pg->since : "";
	int known = !*since;
	cw_rbuf_addf(b, "<form class=\"f\" method=\"get\" action=\"%s\">", view_paths[pg->active]);
	cw_rbuf_adds(b, "<label>Since <select name=\"since\">");
	option(b, "", "any time", !*since);
	for (size_t i = 0; i < CW_ARRAY_SIZE(windows); i++) {
		int on = strcmp(since, windows[i]) == 0;
		known |= on;
		option(b, windows[i], windows[i], on);
	}
	if (!known)
		option(b, since, since, 1);
	cw_rbuf_adds(b, "</select></label>");
	cw_rbuf_adds(b, "<label>Outlet <input name=\"outlet\" size=\"18\" value=\"");
	h(b, f && f->outlet ? f->outlet : "");
	cw_rbuf_adds(b, "\"></label><label>Rating <select name=\"rating\">");
	option(b, "", "any", !f || f->rating < 0);
	for (int r = 1; r <= 7; r++)
		option(b, rating_words[r], cw_output_rating_label(r), f && f->rating == r);
	option(b, rating_words[0], cw_output_rating_label(0), f && f->rating == 0);
	option(b, "none", "none (no fact-check)", f && f->rating == CW_RATING_NONE);
	cw_rbuf_adds(b, "</select></label><label>Status <select name=\"status\">");
	option(b, "", "any", !f || f->status < 0);
	for (int s = 1; s <= 3; s++)
		option(b, status_words[s], status_words[s], f && f->status == s);
	cw_rbuf_addf(b,
	             "</select></label><button type=\"submit\">Filter</button>"
	             "<a href=\"%s\">clear</a>",
	             view_paths[pg->active]);
	struct cw_rbuf q = CW_RBUF_INIT;
	filter_query(&q, pg);
	cw_rbuf_addf(b, "<a class=\"muted\" href=\"%s", view_apis[pg->active]);
	h(b, S(q.p));
	cw_rbuf_adds(b, "\">JSON</a></form>");
	cw_rbuf_release(&q);
}

static long long count_of(const struct cw_report_counts *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->v[i].name, name) == 0)
			return c->v[i].n;
	return 0;
}

static void tile(struct cw_rbuf *b, const char *label, long long n)
{
	cw_rbuf_addf(b, "<div class=\"tile\"><b>%lld</b><span>%s</span></div>", n, label);
}

static void tiles(struct cw_rbuf *b, const struct cw_report_stats *s)
{
	cw_rbuf_adds(b, "<div class=\"tiles\">");
	tile(b, "articles", s->articles);
	tile(b, "claims", s->claims);
	tile(b, "check-worthy", s->check_worthy);
	tile(b, "confirmed", count_of(&s->by_status, "confirmed"));
	tile(b, "suggested", count_of(&s->by_status, "suggested"));
	tile(b, "unverified", count_of(&s->by_status, "unverified"));
	tile(b, "rated false",
	     count_of(&s->by_rating, "false") + count_of(&s->by_rating, "mostly-false"));
	tile(b, "review queue", s->review);
	tile(b, "repeated", s->repeated);
	tile(b, "dead letters", s->dead_letters);
	cw_rbuf_adds(b, "</div>");
}

static void section_head(struct cw_rbuf *b, const struct cw_output_page *pg, enum cw_output_view v,
                         const char *note)
{
	cw_rbuf_addf(b, "<h2 id=\"%s\">%s", view_anchors[v], view_titles[v]);
	if (note)
		cw_rbuf_addf(b, " <span class=\"muted\">%s</span>", note);
	cw_rbuf_adds(b, "</h2>");
	(void)pg;
}

static void empty_row(struct cw_rbuf *b, int cols, const char *text)
{
	cw_rbuf_addf(b, "<tr><td colspan=\"%d\" class=\"muted\">%s</td></tr>", cols, text);
}

static void articles_section(struct cw_rbuf *b, const struct cw_output_page *pg)
{
	const struct cw_report_articles *a = pg->articles;
	char t[32];
	section_head(b, pg, CW_VIEW_ARTICLES, "latest first");
	cw_rbuf_adds(b, "<table class=\"arts\"><thead><tr><th>#</th><th>Claim</th><th>Speaker</th>"
	                "<th>Check-worthiness</th><th>Status</th><th>Rating</th><th>Fact-check</th>"
	                "<th>Seen in</th></tr></thead><tbody>");
	if (a->n == 0)
		empty_row(b, 8, "No articles match.");
	for (size_t i = 0; i < a->n; i++) {
		const struct cw_report_article *ar = &a->v[i];
		cw_rbuf_adds(b, "<tr class=\"art\"><td colspan=\"8\"><span class=\"t\">");
		cw_output_html_link(b, ar->url, *S(ar->title) ? ar->title : "(untitled)");
		cw_rbuf_adds(b, "</span> &mdash; <b class=\"outlet\">");
		h(b, *S(ar->outlet) ? ar->outlet : "(unknown outlet)");
		cw_rbuf_adds(b, "</b> <span class=\"muted\">");
		cw_output_time(ar->published * 1000, t);
		if (*t)
			cw_rbuf_addf(b, "published %s &middot; ", t);
		cw_output_time(ar->first_ms, t);
		if (ar->claim_count == 0 && ar->claims_seen == 0)
			cw_rbuf_addf(b, "reported %s &middot; no claim found &middot; id ", t);
		else
			cw_rbuf_addf(b, "reported %s &middot; %u/%u claims &middot; id ", t,
			             ar->claims_seen,
			             ar->claim_count ? ar->claim_count : ar->claims_seen);
		h(b, ar->id);
		cw_rbuf_adds(b, "</span></td></tr>");
		for (size_t j = 0; j < ar->nverdicts; j++) {
			const Claimwire__Verdict *v = ar->verdicts[j];
			const Claimwire__Claim *c = v->claim;
			cw_rbuf_addf(b, "<tr class=\"claim\"><td class=\"num\">%u</td><td>",
			             c ? c->claim_index : 0);
			h(b, c ? c->text : "");
			if (c && *S(c->sentence) && strcmp(S(c->sentence), S(c->text)) != 0) {
				cw_rbuf_adds(b, "<div class=\"sent\">");
				h(b, c->sentence);
				cw_rbuf_adds(b, "</div>");
			}
			cw_rbuf_adds(b, "</td><td>");
			if (c && *S(c->speaker))
				h(b, c->speaker);
			else
				cw_rbuf_adds(b, "<span class=\"muted\">&mdash;</span>");
			cw_rbuf_adds(b, "</td><td>");
			cw_bar(b, c ? c->checkworthiness : 0);
			cw_rbuf_adds(b, "</td><td>");
			status_badge(b, v->status);
			cw_rbuf_adds(b, "</td><td>");
			rating_cell(b, v);
			cw_rbuf_adds(b, "</td><td>");
			factcheck_cell(b, v);
			cw_rbuf_adds(b, "</td><td>");
			if (v->sightings && v->sightings->distinct_outlets) {
				cw_rbuf_addf(b, "%u outlet%s", v->sightings->distinct_outlets,
				             v->sightings->distinct_outlets == 1 ? "" : "s");
				if (*S(v->sightings->first_outlet)) {
					cw_rbuf_adds(b, "<div class=\"muted\">first: ");
					h(b, v->sightings->first_outlet);
					cw_rbuf_adds(b, "</div>");
				}
			}
			cw_rbuf_adds(b, "</td></tr>");
		}
	}
	if (a->truncated)
		empty_row(b, 8, "More articles match: narrow the filter.");
	cw_rbuf_adds(b, "</tbody></table>");
}

static void outlets_list(struct cw_rbuf *b, const struct cw_report_claim *c)
{
	for (size_t j = 0; j < c->noutlets && j < 12; j++) {
		if (j)
			cw_rbuf_adds(b, ", ");
		h(b, c->outlets[j]);
	}
	if (c->noutlets > 12)
		cw_rbuf_addf(b, " and %zu more", c->noutlets - 12);
}

static void claims_section(struct cw_rbuf *b, const struct cw_output_page *pg,
                           enum cw_output_view view, const struct cw_report_claims *c)
{
	char t1[32], t2[32];
	int review = view == CW_VIEW_REVIEW;
	section_head(b, pg, view,
	             review ? "check-worthy, no confirmed fact-check; most outlets first"
	                    : "most outlets first");
	cw_rbuf_addf(b,
	             "<table class=\"%s\"><thead><tr><th>Claim</th><th>Outlets</th>"
	             "<th>Seen</th><th>First seen</th><th>Last seen</th>%s<th>Status</th>"
	             "<th>Rating</th><th>Fact-check</th></tr></thead><tbody>",
	             review ? "review" : "repeated", review ? "<th>Check-worthiness</th>" : "");
	int cols = review ? 9 : 8;
	if (c->n == 0)
		empty_row(b, cols,
		          review ? "The review queue is empty." : "No repeated claims yet.");
	for (size_t i = 0; i < c->n; i++) {
		const struct cw_report_claim *cl = &c->v[i];
		cw_rbuf_adds(b, "<tr><td>");
		h(b, cl->text);
		if (cl->verdict && cl->verdict->claim && *S(cl->verdict->claim->speaker)) {
			cw_rbuf_adds(b, "<div class=\"sent\">speaker: ");
			h(b, cl->verdict->claim->speaker);
			cw_rbuf_adds(b, "</div>");
		}
		cw_rbuf_addf(b, "</td><td><b>%zu</b><div class=\"muted\">", cl->noutlets);
		outlets_list(b, cl);
		cw_output_time(cl->first_ms, t1);
		cw_output_time(cl->last_ms, t2);
		cw_rbuf_addf(b, "</div></td><td class=\"num\">%llu</td><td>", cl->count);
		h(b, cl->first_outlet);
		cw_rbuf_addf(b, "<div class=\"muted\">%s</div></td><td class=\"muted\">%s</td>", t1,
		             t2);
		if (review) {
			cw_rbuf_adds(b, "<td>");
			cw_bar(b, cl->checkworthiness);
			cw_rbuf_adds(b, "</td>");
		}
		cw_rbuf_adds(b, "<td>");
		if (cl->verdict)
			status_badge(b, cl->verdict->status);
		cw_rbuf_adds(b, "</td><td>");
		if (cl->verdict)
			rating_cell(b, cl->verdict);
		cw_rbuf_adds(b, "</td><td>");
		factcheck_cell(b, cl->verdict);
		cw_rbuf_adds(b, "</td></tr>");
	}
	if (c->truncated)
		empty_row(b, cols, "More claims match: narrow the filter.");
	cw_rbuf_adds(b, "</tbody></table>");
}

static void dead_letters_section(struct cw_rbuf *b, const struct cw_output_page *pg)
{
	const struct cw_report_dead_letters *d = pg->dead_letters;
	char t[32];
	section_head(b, pg, CW_VIEW_DEAD_LETTERS, "records a stage could not read, newest first");
	cw_rbuf_adds(b, "<table class=\"dlq\"><thead><tr><th>Time</th><th>Stage</th><th>Error</th>"
	                "<th>Source</th><th>Key</th><th>Bytes</th><th>Record (start)</th></tr>"
	                "</thead><tbody>");
	if (d->n == 0)
		empty_row(b, 7, "No dead letters.");
	for (size_t i = 0; i < d->n; i++) {
		const struct cw_report_dead_letter *dl = &d->v[i];
		cw_output_time(dl->at_ms, t);
		cw_rbuf_addf(b, "<tr><td class=\"muted\">%s</td><td>", t);
		h(b, dl->stage);
		cw_rbuf_adds(b, "</td><td>");
		h(b, dl->error);
		cw_rbuf_adds(b, "</td><td>");
		h(b, dl->topic);
		cw_rbuf_addf(b, " <span class=\"muted\">[%d] @%" PRId64 "</span></td><td>",
		             (int)dl->partition, dl->offset);
		h(b, dl->key);
		cw_rbuf_addf(b, "</td><td class=\"num\">%zu</td><td><pre class=\"dl\">", dl->bytes);
		cw_output_html_escape(b, S(dl->value), dl->value ? dl->value_len : 0);
		cw_rbuf_adds(b, "</pre></td></tr>");
	}
	cw_rbuf_adds(b, "</tbody></table>");
}

static void counts_table(struct cw_rbuf *b, const char *title, const char *kind,
                         const struct cw_report_counts *c)
{
	cw_rbuf_adds(b, "<table><thead><tr><th>");
	h(b, title);
	cw_rbuf_adds(b, "</th><th class=\"num\">claims</th></tr></thead><tbody>");
	if (c->n == 0)
		empty_row(b, 2, "none");
	for (size_t i = 0; i < c->n; i++) {
		cw_rbuf_adds(b, "<tr><td>");
		int r = kind && *kind == 'r' ? cw_output_rating_parse(c->v[i].name) : -1;
		if (r >= 0) /* a known rating: its CSS word and its label */
			badge(b, kind, cw_output_rating_word(r), cw_output_rating_label(r));
		else if (kind && cw_output_status_parse(c->v[i].name) >= 0)
			badge(b, kind, c->v[i].name, c->v[i].name);
		else
			h(b, c->v[i].name);
		cw_rbuf_addf(b, "</td><td class=\"num\">%lld</td></tr>", c->v[i].n);
	}
	cw_rbuf_adds(b, "</tbody></table>");
}

static void stats_section(struct cw_rbuf *b, const struct cw_output_page *pg)
{
	const struct cw_report_stats *s = pg->stats;
	section_head(b, pg, CW_VIEW_STATS, s->filtered ? "for the filter shown" : NULL);
	cw_rbuf_adds(b, "<div class=\"grid\"><div>");
	counts_table(b, "Status", "s", &s->by_status);
	counts_table(b, "Rating", "r", &s->by_rating);
	cw_rbuf_adds(b, "</div><div>");
	counts_table(b, "Outlet", NULL, &s->by_outlet);
	cw_rbuf_adds(b, "</div><div>");
	counts_table(b, "Hour (UTC)", NULL, &s->by_hour);
	cw_rbuf_adds(b, "</div><div>");
	counts_table(b, "Dead letters by stage", NULL, &s->dead_by_stage);
	for (size_t i = 0; i < s->nstages; i++) {
		cw_rbuf_adds(b, "<table><thead><tr><th>stage ");
		h(b, s->stages[i].stage);
		cw_rbuf_adds(b, "</th><th class=\"num\">count</th></tr></thead><tbody>");
		for (size_t j = 0; j < s->stages[i].fields.n; j++) {
			cw_rbuf_adds(b, "<tr><td>");
			h(b, s->stages[i].fields.v[j].name);
			cw_rbuf_addf(b, "</td><td class=\"num\">%lld</td></tr>",
			             s->stages[i].fields.v[j].n);
		}
		cw_rbuf_adds(b, "</tbody></table>");
	}
	cw_rbuf_adds(b, "</div></div>");
}

void cw_output_html(struct cw_rbuf *b, const struct cw_output_page *pg)
{
	char t[32];
	cw_rbuf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	                "<meta http-equiv=\"Content-Security-Policy\" content=\"" CW_OUTPUT_CSP
	                "\"><meta name=\"referrer\" content=\"no-referrer\">"
	                "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">");
	if (pg->refresh_s > 0)
		cw_rbuf_addf(b, "<meta http-equiv=\"refresh\" content=\"%d\">", pg->refresh_s);
	cw_rbuf_addf(b, "<title>claimwire &mdash; %s</title><style>%s</style></head><body>",
	             pg->live ? view_titles[pg->active] : "report", css);
	cw_rbuf_adds(b, "<header><h1>claimwire</h1><nav>");
	struct cw_rbuf q = CW_RBUF_INIT;
	if (pg->live)
		filter_query(&q, pg);
	for (int v = 0; v < CW_VIEW_COUNT; v++) {
		if (pg->live) {
			cw_rbuf_addf(b, "<a href=\"%s", view_paths[v]);
			h(b, S(q.p));
			cw_rbuf_addf(b, "\"%s>%s</a>", v == (int)pg->active ? " class=\"on\"" : "",
			             view_titles[v]);
		} else {
			cw_rbuf_addf(b, "<a href=\"#%s\">%s</a>", view_anchors[v], view_titles[v]);
		}
	}
	cw_rbuf_release(&q);
	cw_output_time(pg->generated_ms, t);
	cw_rbuf_addf(b, "</nav><span class=\"gen\">%s %s</span></header><main>",
	             pg->live ? "live, updated" : "generated", t);
	if (pg->notice) {
		cw_rbuf_adds(b, "<div class=\"notice\">");
		h(b, pg->notice);
		cw_rbuf_adds(b, "</div>");
	}
	if (pg->live)
		filter_form(b, pg);
	if (pg->stats)
		tiles(b, pg->stats);
	if (pg->articles)
		articles_section(b, pg);
	if (pg->repeated)
		claims_section(b, pg, CW_VIEW_REPEATED, pg->repeated);
	if (pg->review)
		claims_section(b, pg, CW_VIEW_REVIEW, pg->review);
	if (pg->dead_letters)
		dead_letters_section(b, pg);
	if (pg->stats && (!pg->live || pg->active == CW_VIEW_STATS))
		stats_section(b, pg);
	cw_rbuf_adds(b, "</main></body></html>\n");
}
