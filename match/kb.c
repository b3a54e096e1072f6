/*
 * kb.c — the knowledge base of fact-checks in Redis: the rating scale, the
 * input formats (CheckThat! JSON lines, ClaimReview JSON-LD, Google Fact Check
 * Tools responses, CSV), the idempotent writer and the readers the match
 * worker polls.  The key schema is documented in kb.h.
 */
#include "match/kb.h"

#include <ctype.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <xxhash.h>

#include "extract/fingerprint.h"
#include "lib/common.h"

#define KB_BATCH      500 /* records per cw_kb_put round trip pair */
#define KB_READ_BATCH 300 /* HGETALLs per pipelined read */
#define KB_MAX_FILE   ((size_t)1 << 30)
#define KB_KEY        512

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

static const char *nz(const char *s)
{
	return s ? s : "";
}

/* ---- struct cw_factcheck ---------------------------------------------- */

void cw_factcheck_release(struct cw_factcheck *fc)
{
	if (!fc)
		return;
	free(fc->id);
	free(fc->claim);
	free(fc->title);
	free(fc->rating);
	free(fc->publisher);
	free(fc->url);
	free(fc->date);
	free(fc->claimant);
	free(fc->normalized);
	free(fc->fingerprint);
	memset(fc, 0, sizeof(*fc));
}

static char *dupn(const char *s)
{
	return s ? cw_xstrdup(s) : NULL;
}

void cw_factcheck_copy(struct cw_factcheck *dst, const struct cw_factcheck *src)
{
	dst->id = dupn(src->id);
	dst->claim = dupn(src->claim);
	dst->title = dupn(src->title);
	dst->rating = dupn(src->rating);
	dst->rating_normalized = src->rating_normalized;
	dst->publisher = dupn(src->publisher);
	dst->url = dupn(src->url);
	dst->date = dupn(src->date);
	dst->claimant = dupn(src->claimant);
	dst->normalized = dupn(src->normalized);
	dst->fingerprint = dupn(src->fingerprint);
	dst->updated_ms = src->updated_ms;
}

/* ---- the rating scale ------------------------------------------------- */

static const char *const rating_names[] = {
    [CLAIMWIRE__RATING__RATING_UNSPECIFIED] = "unrated",
    [CLAIMWIRE__RATING__RATING_TRUE] = "true",
    [CLAIMWIRE__RATING__RATING_MOSTLY_TRUE] = "mostly true",
    [CLAIMWIRE__RATING__RATING_MIXED] = "mixed",
    [CLAIMWIRE__RATING__RATING_MOSTLY_FALSE] = "mostly false",
    [CLAIMWIRE__RATING__RATING_FALSE] = "false",
    [CLAIMWIRE__RATING__RATING_UNPROVEN] = "unproven",
    [CLAIMWIRE__RATING__RATING_OTHER] = "other",
};

const char *cw_rating_name(Claimwire__Rating r)
{
	if ((unsigned)r >= CW_ARRAY_SIZE(rating_names))
		return "unrated";
	return rating_names[r];
}

Claimwire__Rating cw_rating_from_name(const char *name)
{
	for (size_t i = 0; name && i < CW_ARRAY_SIZE(rating_names); i++)
		if (strcmp(name, rating_names[i]) == 0)
			return (Claimwire__Rating)i;
	return CLAIMWIRE__RATING__RATING_UNSPECIFIED;
}

#define R_T  CLAIMWIRE__RATING__RATING_TRUE
#define R_MT CLAIMWIRE__RATING__RATING_MOSTLY_TRUE
#define R_MX CLAIMWIRE__RATING__RATING_MIXED
#define R_MF CLAIMWIRE__RATING__RATING_MOSTLY_FALSE
#define R_F  CLAIMWIRE__RATING__RATING_FALSE
#define R_U  CLAIMWIRE__RATING__RATING_UNPROVEN
#define R_O  CLAIMWIRE__RATING__RATING_OTHER

/* Publishers' words, folded to lower-case letters and digits separated by
 * single spaces.  Longer phrases first where one starts another ("mostly
 * false" before "false") is not needed: matching is on whole phrases, and a
 * prefix match takes the longest entry. */
static const struct {
	const char *words;
	Claimwire__Rating r;
} rating_words[] = {
    /* PolitiFact, and the scale's own names */
    {"true", R_T},
    {"mostly true", R_MT},
    {"half true", R_MX},
    {"barely true", R_MF},
    {"false", R_F},
    {"pants fire", R_F},
    {"pants on fire", R_F},
    {"full flop", R_O},
    {"half flip", R_O},
    {"no flip", R_O},
    {"mixed", R_MX},
    {"mostly false", R_MF},
    {"unproven", R_U},
    {"other", R_O},
    /* Snopes */
    {"mixture", R_MX},
    {"correct attribution", R_T},
    {"correctly attributed", R_T},
    {"misattributed", R_F},
    {"miscaptioned", R_F},
    {"legend", R_F},
    {"scam", R_F},
    {"fake", R_F},
    {"satire", R_O},
    {"labeled satire", R_O},
    {"originated as satire", R_O},
    {"outdated", R_O},
    {"research in progress", R_U},
    {"unfounded", R_F},
    {"lost legend", R_O},
    {"recall", R_T},
    /* The Washington Post */
    {"geppetto checkmark", R_T},
    {"one pinocchio", R_MT},
    {"two pinocchios", R_MX},
    {"three pinocchios", R_MF},
    {"four pinocchios", R_F},
    {"bottomless pinocchio", R_F},
    /* Common textual ratings (Google Fact Check Tools, Meta's programme) */
    {"correct", R_T},
    {"accurate", R_T},
    {"verified", R_T},
    {"real", R_T},
    {"mostly correct", R_MT},
    {"mostly accurate", R_MT},
    {"largely true", R_MT},
    {"largely accurate", R_MT},
    {"partly true", R_MX},
    {"partially true", R_MX},
    {"half truth", R_MX},
    {"half right", R_MX},
    {"mostly inaccurate", R_MF},
    {"largely false", R_MF},
    {"partly false", R_MF},
    {"partially false", R_MF},
    {"misleading", R_MF},
    {"mostly misleading", R_MF},
    {"lacks context", R_MF},
    {"missing context", R_MF},
    {"needs context", R_MF},
    {"out of context", R_MF},
    {"exaggerated", R_MF},
    {"exaggeration", R_MF},
    {"distorts the facts", R_MF},
    {"cherry picks", R_MF},
    {"spins the facts", R_MF},
    {"incorrect", R_F},
    {"inaccurate", R_F},
    {"wrong", R_F},
    {"not true", R_F},
    {"untrue", R_F},
    {"fabricated", R_F},
    {"fake news", R_F},
    {"hoax", R_F},
    {"altered", R_F},
    {"altered photo", R_F},
    {"altered video", R_F},
    {"manipulated", R_F},
    {"doctored", R_F},
    {"baseless", R_F},
    {"debunked", R_F},
    {"bogus", R_F},
    {"totally false", R_F},
    {"completely false", R_F},
    {"mostly fiction", R_MF},
    {"fiction", R_F},
    {"unverified", R_U},
    {"unsupported", R_U},
    {"unsubstantiated", R_U},
    {"no evidence", R_U},
    {"not proven", R_U},
    {"insufficient evidence", R_U},
    {"undetermined", R_U},
    {"unclear", R_U},
    {"explainer", R_O},
    {"flip flop", R_O},
    {"in between", R_MX},
    {"verdadero", R_T},
    {"falso", R_F},
    {"faux", R_F},
    {"vrai", R_T},
    {"enganoso", R_MF},
    {"trompeur", R_MF},
};

/* Folds s into out: lower-case ASCII letters and digits, one space between
 * words, every other byte a separator.  Returns the length. */
static size_t fold_words(const char *s, size_t len, char *out, size_t size)
{
	size_t o = 0;
	int gap = 0;

	for (size_t i = 0; i < len && o + 2 < size; i++) {
		unsigned char c = (unsigned char)s[i];
		if (isalnum(c)) {
			if (gap && o)
				out[o++] = ' ';
			gap = 0;
			out[o++] = (char)tolower(c);
		} else if (c == '\'' || c == 0xE2) {
			/* apostrophes inside words ("isn't") join; 0xE2 starts ’ */
			if (c == 0xE2 && i + 2 < len)
				i += 2;
		} else {
			gap = 1;
		}
	}
	out[o] = 0;
	return o;
}

Claimwire__Rating cw_rating_normalize(const char *rating, size_t len)
{
	char f[256];
	size_t n = fold_words(rating ? rating : "", rating ? len : 0, f, sizeof(f));
	size_t best = 0;
	Claimwire__Rating r = R_O;

	if (n == 0)
		return CLAIMWIRE__RATING__RATING_UNSPECIFIED;
	for (size_t i = 0; i < CW_ARRAY_SIZE(rating_words); i++) {
		const char *w = rating_words[i].words;
		size_t wl = strlen(w);
		if (wl == n && memcmp(f, w, n) == 0)
			return rating_words[i].r;
		/* A sentence that starts with a rating: "False. The photo..." */
		if (wl < n && f[wl] == ' ' && memcmp(f, w, wl) == 0 && wl > best) {
			best = wl;
			r = rating_words[i].r;
		}
	}
	return r;
}

/* ---- formats ---------------------------------------------------------- */

static const char *const format_names[] = {"auto", "jsonl", "claimreview", "factcheckapi", "csv"};

int cw_kb_format_parse(const char *name)
{
	for (size_t i = 0; i < CW_ARRAY_SIZE(format_names); i++)
		if (strcasecmp(name, format_names[i]) == 0)
			return (int)i;
	if (strcasecmp(name, "json-ld") == 0 || strcasecmp(name, "jsonld") == 0)
		return CW_KB_CLAIMREVIEW;
	if (strcasecmp(name, "google") == 0)
		return CW_KB_FACTCHECKAPI;
	return -1;
}

const char *cw_kb_format_name(enum cw_kb_format f)
{
	return (unsigned)f < CW_ARRAY_SIZE(format_names) ? format_names[f] : "?";
}

static int has_key(const json_t *o, const char *k)
{
	return json_is_object(o) && json_object_get(o, k) != NULL;
}

enum cw_kb_format cw_kb_detect(const char *buf, size_t len)
{
	size_t i = 0, eol;
	json_t *first;
	enum cw_kb_format f;

	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	while (i < len && isspace((unsigned char)buf[i]))
		i++;
	if (i == len)
		return CW_KB_JSONL;
	if (buf[i] == '[')
		return CW_KB_CLAIMREVIEW;
	if (buf[i] != '{')
		return CW_KB_CSV;
	/* One object on the first line alone: JSON lines, unless it is a whole
	 * API response or JSON-LD document written on one line. */
	for (eol = i; eol < len && buf[eol] != '\n'; eol++)
		;
	first = json_loadb(buf + i, eol - i, 0, NULL);
	if (first) {
		if (has_key(first, "claims"))
			f = CW_KB_FACTCHECKAPI;
		else if (has_key(first, "@graph") || (has_key(first, "@context") && eol == len))
			f = CW_KB_CLAIMREVIEW;
		else
			f = CW_KB_JSONL;
		json_decref(first);
		return f;
	}
	/* A pretty-printed document: which one? */
	if (memmem(buf, CW_MIN(len, (size_t)65536), "\"claims\"", 8) &&
	    memmem(buf, CW_MIN(len, (size_t)65536), "\"claimReview\"", 13))
		return CW_KB_FACTCHECKAPI;
	return CW_KB_CLAIMREVIEW;
}

/* ---- dates ------------------------------------------------------------ */

static const char *const months[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                     "jul", "aug", "sep", "oct", "nov", "dec"};

static int month_of(const char *w, size_t n)
{
	if (n < 3)
		return 0;
	for (int m = 0; m < 12; m++)
		if (strncasecmp(w, months[m], 3) == 0)
			return m + 1;
	return 0;
}

static int valid_ymd(int y, int m, int d)
{
	return y >= 1900 && y <= 2200 && m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

static char *ymd(int y, int m, int d)
{
	char out[16];

	snprintf(out, sizeof(out), "%04d-%02d-%02d", y, m, d);
	return cw_xstrdup(out);
}

/* A review date as YYYY-MM-DD when it can be read: ISO 8601 ("2019-10-30",
 * "2019-10-30T12:00:00Z"), "30 October 2019", "October 30, 2019" (anywhere in
 * the text: "stated on October 22, 2019 in a mailer"); else the text as given.
 * NULL for NULL or empty. */
static char *date_iso(const char *s)
{
	int y, m, d, n = 0;
	char mon[16];
	const char *p;

	if (!s || !*s)
		return NULL;
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 && n == 10 && valid_ymd(y, m, d))
		return ymd(y, m, d);
	for (p = s; *p; p++) {
		if (p != s && isalpha((unsigned char)p[-1]))
			continue;
		if (isdigit((unsigned char)*p) && (p == s || !isdigit((unsigned char)p[-1])) &&
		    sscanf(p, "%2d %15[A-Za-z] %4d", &d, mon, &y) == 3 &&
		    (m = month_of(mon, strlen(mon))) && valid_ymd(y, m, d))
			return ymd(y, m, d);
		if (isalpha((unsigned char)*p) &&
		    sscanf(p, "%15[A-Za-z] %2d, %4d", mon, &d, &y) == 3 &&
		    (m = month_of(mon, strlen(mon))) && valid_ymd(y, m, d))
			return ymd(y, m, d);
	}
	return cw_xstrdup(s);
}

/* PolitiFact puts the review date in the path: /factchecks/2019/oct/30/... */
static char *politifact_url_date(const char *url)
{
	const char *p = url ? strstr(url, "/factchecks/") : NULL;
	int y, d, m;
	char mon[8];

	if (!p || sscanf(p, "/factchecks/%4d/%7[a-z]/%2d/", &y, mon, &d) != 3)
		return NULL;
	m = month_of(mon, strlen(mon));
	return valid_ymd(y, m, d) ? ymd(y, m, d) : NULL;
}

/* ---- building a fact-check -------------------------------------------- */

struct parse_ctx {
	const char *name;
	struct cw_norm *nz;
	FILE *errors;
	int (*fn)(struct cw_factcheck *fc, void *opaque);
	void *opaque;
	size_t *nerrors;
};

static void bad(struct parse_ctx *pc, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void bad(struct parse_ctx *pc, size_t line, const char *fmt, ...)
{
	va_list ap;
	FILE *f = pc->errors ? pc->errors : stderr;

	fprintf(f, "%s:%zu: ", pc->name, line);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	(*pc->nerrors)++;
}

/* Trimmed heap copy of n bytes, NULL when empty. */
static char *trimdup(const char *s, size_t n)
{
	while (n && isspace((unsigned char)*s))
		s++, n--;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return n ? cw_xstrndup(s, n) : NULL;
}

static char *jstr(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	if (json_is_string(v))
		return trimdup(json_string_value(v), json_string_length(v));
	if (json_is_integer(v)) {
		char b[32];
		snprintf(b, sizeof(b), "%lld", (long long)json_integer_value(v));
		return cw_xstrdup(b);
	}
	return NULL;
}

/* name of {"name": ...} or a plain string; arrays take their first item. */
static char *jname(const json_t *v)
{
	if (json_is_array(v))
		v = json_array_get(v, 0);
	if (json_is_string(v))
		return trimdup(json_string_value(v), json_string_length(v));
	if (json_is_object(v))
		return jstr(v, "name");
	return NULL;
}

/* Completes fc (id, normalised text, fingerprint, rating scale) and hands it
 * to the callback.  Takes ownership of fc's strings. */
static int emit(struct parse_ctx *pc, size_t line, struct cw_factcheck *fc)
{
	int rc = 0;

	if (!fc->claim) {
		bad(pc, line, "record without a claim");
		goto out;
	}
	if (!fc->id) {
		char hex[17];
		const char *src = fc->url;
		char *tmp = NULL;
		uint64_t h;
		if (!src) {
			size_t a = strlen(nz(fc->publisher)), b = strlen(fc->claim);
			tmp = cw_xmalloc(a + b + 2);
			memcpy(tmp, nz(fc->publisher), a);
			tmp[a] = '\n';
			memcpy(tmp + a + 1, fc->claim, b + 1);
			src = tmp;
		}
		h = XXH3_64bits(src, strlen(src));
		cw_hex64(h, hex);
		fc->id = cw_xmalloc(20);
		snprintf(fc->id, 20, "fc-%s", hex);
		free(tmp);
	}
	fc->rating_normalized = cw_rating_normalize(fc->rating, strlen(nz(fc->rating)));
	if (pc->nz) {
		struct cw_tokens t;
		char hex[17];
		cw_norm_text(pc->nz, fc->claim, strlen(fc->claim), 0, &t);
		free(fc->normalized);
		fc->normalized = cw_xstrndup(t.text, t.len);
		cw_hex64(cw_fp_exact(&t), hex);
		free(fc->fingerprint);
		fc->fingerprint = cw_xstrdup(hex);
	}
	rc = pc->fn(fc, pc->opaque);
out:
	cw_factcheck_release(fc);
	return rc;
}

/* The generic fields shared by JSON lines and CSV. */
static const char *const col_names[][4] = {
    {"id", "claim_id", "vclaim_id", NULL},
    {"claim", "claim_text", "text", "claimreviewed"},
    {"title", NULL, NULL, NULL},
    {"rating", "textual_rating", "textualrating", "verdict"},
    {"publisher", "source", NULL, NULL},
    {"url", "review_url", "page_url", NULL},
    {"date", "review_date", "reviewdate", "date_published"},
    {"claimant", "speaker", NULL, NULL},
};
enum { COL_ID, COL_CLAIM, COL_TITLE, COL_RATING, COL_PUBLISHER, COL_URL, COL_DATE, COL_CLAIMANT };

static int column_of(const char *name, size_t n)
{
	for (size_t c = 0; c < CW_ARRAY_SIZE(col_names); c++)
		for (size_t a = 0; a < 4 && col_names[c][a]; a++)
			if (strlen(col_names[c][a]) == n &&
			    strncasecmp(name, col_names[c][a], n) == 0)
				return (int)c;
	return -1;
}

static char **col_field(struct cw_factcheck *fc, int col)
{
	switch (col) {
	case COL_ID:
		return &fc->id;
	case COL_CLAIM:
		return &fc->claim;
	case COL_TITLE:
		return &fc->title;
	case COL_RATING:
		return &fc->rating;
	case COL_PUBLISHER:
		return &fc->publisher;
	case COL_URL:
		return &fc->url;
	case COL_DATE:
		return &fc->date;
	default:
		return &fc->claimant;
	}
}

static char *absolute(const char *base, char *path)
{
	char *u;

	if (!path || strncmp(path, "http://", 7) == 0 || strncmp(path, "https://", 8) == 0)
		return path;
	u = cw_xmalloc(strlen(base) + strlen(path) + 2);
	sprintf(u, "%s%s%s", base, path[0] == '/' ? "" : "/", path);
	free(path);
	return u;
}

/* ---- ClaimReview JSON-LD ---------------------------------------------- */

static int is_type(const json_t *o, const char *type)
{
	const json_t *t = json_object_get(o, "@type");
	size_t i;
	const json_t *v;

	if (json_is_string(t))
		return strcasecmp(json_string_value(t), type) == 0;
	json_array_foreach(t, i, v) if (json_is_string(v) &&
	                                strcasecmp(json_string_value(v), type) == 0) return 1;
	return 0;
}

static int claimreview(struct parse_ctx *pc, size_t line, const json_t *o)
{
	struct cw_factcheck fc = {0};
	const json_t *rr = json_object_get(o, "reviewRating");
	const json_t *item = json_object_get(o, "itemReviewed");
	char *date;

	fc.claim = jstr(o, "claimReviewed");
	if (!fc.claim && json_is_object(item))
		fc.claim = jstr(item, "name");
	fc.title = jstr(o, "name");
	if (!fc.title)
		fc.title = jstr(o, "headline");
	if (json_is_object(rr)) {
		fc.rating = jstr(rr, "alternateName");
		if (!fc.rating)
			fc.rating = jstr(rr, "name");
	}
	fc.publisher = jname(json_object_get(o, "author"));
	if (!fc.publisher)
		fc.publisher = jname(json_object_get(o, "publisher"));
	if (json_is_object(item)) {
		fc.claimant = jname(json_object_get(item, "author"));
		if (!fc.claimant)
			fc.claimant = jname(json_object_get(item, "creator"));
	}
	fc.url = jstr(o, "url");
	fc.id = jstr(o, "identifier");
	date = jstr(o, "datePublished");
	fc.date = date_iso(date);
	free(date);
	return emit(pc, line, &fc);
}

/* Walks a JSON-LD value: ClaimReview objects anywhere in arrays, @graph, or
 * nested under mainEntity; other objects are not errors (pages carry many). */
static int walk_ld(struct parse_ctx *pc, size_t line, const json_t *v, int depth, size_t *found)
{
	size_t i;
	const json_t *x;
	int rc = 0;

	if (depth > 16)
		return 0;
	if (json_is_array(v)) {
		json_array_foreach(v, i, x) if ((rc = walk_ld(pc, line, x, depth + 1, found)) !=
		                                0) return rc;
		return 0;
	}
	if (!json_is_object(v))
		return 0;
	if (is_type(v, "ClaimReview")) {
		(*found)++;
		return claimreview(pc, line, v);
	}
	if ((x = json_object_get(v, "@graph")) && (rc = walk_ld(pc, line, x, depth + 1, found)))
		return rc;
	if ((x = json_object_get(v, "mainEntity")))
		rc = walk_ld(pc, line, x, depth + 1, found);
	return rc;
}

/* ---- Google Fact Check Tools claims:search ---------------------------- */

static int factcheckapi(struct parse_ctx *pc, size_t line, const json_t *doc, size_t *found)
{
	const json_t *claims = json_object_get(doc, "claims"), *c, *rv;
	size_t i, j;
	int rc = 0;

	if (!json_is_array(claims)) {
		bad(pc, line, "no \"claims\" array in a claims:search response");
		return 0;
	}
	json_array_foreach(claims, i, c)
	{
		const json_t *reviews = json_object_get(c, "claimReview");
		if (!json_is_array(reviews) || json_array_size(reviews) == 0) {
			bad(pc, line, "claims[%zu]: no claimReview", i);
			continue;
		}
		json_array_foreach(reviews, j, rv)
		{
			struct cw_factcheck fc = {0};
			const json_t *pub = json_object_get(rv, "publisher");
			char *date;
			fc.claim = jstr(c, "text");
			fc.claimant = jstr(c, "claimant");
			fc.title = jstr(rv, "title");
			fc.rating = jstr(rv, "textualRating");
			fc.publisher = jname(pub);
			if (!fc.publisher && json_is_object(pub))
				fc.publisher = jstr(pub, "site");
			fc.url = jstr(rv, "url");
			date = jstr(rv, "reviewDate");
			if (!date)
				date = jstr(c, "claimDate");
			fc.date = date_iso(date);
			free(date);
			(*found)++;
			if (!fc.claim) {
				bad(pc, line, "claims[%zu]: no text", i);
				cw_factcheck_release(&fc);
				continue;
			}
			if ((rc = emit(pc, line, &fc)) != 0)
				return rc;
		}
	}
	return 0;
}

/* ---- JSON lines ------------------------------------------------------- */

static int jsonl_object(struct parse_ctx *pc, size_t line, json_t *o)
{
	struct cw_factcheck fc = {0};
	const char *k;
	const json_t *v;
	size_t found = 0;

	if (is_type(o, "ClaimReview") || has_key(o, "@graph"))
		return walk_ld(pc, line, o, 0, &found);
	if (has_key(o, "claims"))
		return factcheckapi(pc, line, o, &found);
	if (has_key(o, "vclaim")) {
		/* CLEF CheckThat! verified claims */
		char *date;
		fc.id = jstr(o, "vclaim_id");
		fc.claim = jstr(o, "vclaim");
		fc.title = jstr(o, "title");
		date = jstr(o, "date");
		if (has_key(o, "truth_label") || (fc.id && strncmp(fc.id, "vclaim-pol", 10) == 0)) {
			fc.publisher = cw_xstrdup("PolitiFact");
			fc.rating = jstr(o, "truth_label");
			fc.claimant = jstr(o, "speaker");
			fc.url = absolute("https://www.politifact.com", jstr(o, "url"));
			fc.date = politifact_url_date(fc.url);
		} else {
			fc.publisher = cw_xstrdup("Snopes");
			fc.url = jstr(o, "page_url");
			if (!fc.url && fc.id && strncmp(fc.id, "vclaim-sno-", 11) == 0) {
				fc.url = cw_xmalloc(strlen(fc.id) + 40);
				sprintf(fc.url, "https://www.snopes.com/fact-check/%s/",
				        fc.id + 11);
			}
		}
		if (!fc.date)
			fc.date = date_iso(date);
		free(date);
		return emit(pc, line, &fc);
	}
	json_object_foreach(o, k, v)
	{
		int col = column_of(k, strlen(k));
		char **f;
		if (col < 0)
			continue;
		f = col_field(&fc, col);
		if (!*f)
			*f = jstr(o, k);
	}
	if (fc.date) {
		char *d = date_iso(fc.date);
		free(fc.date);
		fc.date = d;
	}
	return emit(pc, line, &fc);
}

static int parse_jsonl(struct parse_ctx *pc, const char *buf, size_t len)
{
	size_t line = 0, i = 0;
	int rc = 0;

	while (i < len && rc == 0) {
		size_t e = i, s;
		json_error_t jerr;
		json_t *o;
		while (e < len && buf[e] != '\n')
			e++;
		line++;
		s = i;
		i = e + 1;
		while (s < e && isspace((unsigned char)buf[s]))
			s++;
		if (s == e)
			continue;
		o = json_loadb(buf + s, e - s, 0, &jerr);
		if (!o) {
			bad(pc, line, "bad JSON: %s", jerr.text);
			continue;
		}
		if (!json_is_object(o))
			bad(pc, line, "not a JSON object");
		else
			rc = jsonl_object(pc, line, o);
		json_decref(o);
	}
	return rc;
}

/* Whole JSON documents, possibly several one after the other. */
static int parse_json_docs(struct parse_ctx *pc, const char *buf, size_t len, int api, char *errstr,
                           size_t errsize)
{
	size_t off = 0, line = 1, ndocs = 0;
	int rc = 0;

	while (rc == 0) {
		json_error_t jerr;
		json_t *doc;
		size_t found = 0;
		while (off < len && isspace((unsigned char)buf[off])) {
			if (buf[off] == '\n')
				line++;
			off++;
		}
		if (off >= len)
			break;
		doc = json_loadb(buf + off, len - off, JSON_DISABLE_EOF_CHECK, &jerr);
		if (!doc) {
			if (ndocs == 0) {
				seterr(errstr, errsize, "%s:%d: bad JSON: %s", pc->name,
				       jerr.line + (int)line - 1, jerr.text);
				rc = CW_ERR_INVALID;
			} else {
				bad(pc, line + (size_t)jerr.line - 1, "bad JSON: %s", jerr.text);
			}
			break;
		}
		ndocs++;
		if (api)
			rc = factcheckapi(pc, line, doc, &found);
		else if ((rc = walk_ld(pc, line, doc, 0, &found)) == 0 && found == 0)
			bad(pc, line, "no ClaimReview in this JSON-LD document");
		for (size_t k = 0; k < (size_t)jerr.position && off + k < len; k++)
			if (buf[off + k] == '\n')
				line++;
		off += (size_t)jerr.position;
		json_decref(doc);
	}
	return rc;
}

/* ---- CSV (RFC 4180) --------------------------------------------------- */

struct csv_field {
	char *s;
	size_t n, cap;
};

/* Reads one record starting at *pos; fields into f[0..*nf).  Quoted fields
 * may hold commas, "" and line breaks; *line advances over every line break.
 * Returns 0, 1 at the end, -1 on an unterminated quote. */
static int csv_record(const char *buf, size_t len, size_t *pos, size_t *line, struct csv_field **f,
                      size_t *nf, size_t *capf)
{
	size_t i = *pos;
	int rc = 0;

	*nf = 0;
	if (i >= len)
		return 1;
	for (;;) {
		struct csv_field *cur;
		if (*nf == *capf) {
			*capf = *capf ? *capf * 2 : 16;
			*f = cw_xrealloc(*f, *capf * sizeof(**f));
			memset(*f + *nf, 0, (*capf - *nf) * sizeof(**f));
		}
		cur = &(*f)[(*nf)++];
		cur->n = 0;
#define PUT(c)                                                                                     \
	do {                                                                                       \
		if (cur->n + 1 >= cur->cap) {                                                      \
			cur->cap = cur->cap ? cur->cap * 2 : 64;                                   \
			cur->s = cw_xrealloc(cur->s, cur->cap);                                    \
		}                                                                                  \
		cur->s[cur->n++] = (c);                                                            \
	} while (0)
		if (i < len && buf[i] == '"') {
			i++;
			for (;;) {
				if (i >= len) {
					rc = -1;
					goto out;
				}
				if (buf[i] == '"') {
					if (i + 1 < len && buf[i + 1] == '"') {
						PUT('"');
						i += 2;
						continue;
					}
					i++;
					break;
				}
				if (buf[i] == '\n')
					(*line)++;
				PUT(buf[i]);
				i++;
			}
			/* Anything between the closing quote and the separator is kept. */
			while (i < len && buf[i] != ',' && buf[i] != '\n' && buf[i] != '\r') {
				PUT(buf[i]);
				i++;
			}
		} else {
			while (i < len && buf[i] != ',' && buf[i] != '\n' && buf[i] != '\r') {
				PUT(buf[i]);
				i++;
			}
		}
#undef PUT
		if (cur->s)
			cur->s[cur->n] = 0;
		if (i < len && buf[i] == ',') {
			i++;
			continue;
		}
		if (i < len && buf[i] == '\r')
			i++;
		if (i < len && buf[i] == '\n') {
			i++;
			(*line)++;
		}
		break;
	}
out:
	*pos = i;
	return rc;
}

static int parse_csv(struct parse_ctx *pc, const char *buf, size_t len, char *errstr,
                     size_t errsize)
{
	struct csv_field *f = NULL;
	size_t nf = 0, capf = 0, pos = 0, line = 1, ncols;
	int *cols = NULL, have_claim = 0, rc = 0;

	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
		pos = 3;
	if (csv_record(buf, len, &pos, &line, &f, &nf, &capf) != 0) {
		seterr(errstr, errsize, "%s:1: no CSV header row", pc->name);
		rc = CW_ERR_INVALID;
		goto out;
	}
	ncols = nf;
	cols = cw_xcalloc(ncols, sizeof(*cols));
	for (size_t c = 0; c < ncols; c++) {
		char *h = trimdup(f[c].s ? f[c].s : "", f[c].n);
		cols[c] = h ? column_of(h, strlen(h)) : -1;
		have_claim |= cols[c] == COL_CLAIM;
		free(h);
	}
	if (!have_claim) {
		seterr(errstr, errsize, "%s:1: CSV header has no 'claim' column", pc->name);
		rc = CW_ERR_INVALID;
		goto out;
	}
	while (rc == 0) {
		size_t start = line;
		struct cw_factcheck fc = {0};
		int r = csv_record(buf, len, &pos, &line, &f, &nf, &capf);
		if (r == 1)
			break;
		if (r < 0) {
			bad(pc, start, "unterminated quoted field");
			break;
		}
		if (nf == 1 && f[0].n == 0)
			continue; /* blank line */
		if (nf != ncols) {
			bad(pc, start, "%zu fields, the header has %zu", nf, ncols);
			continue;
		}
		for (size_t c = 0; c < ncols; c++) {
			char **dst;
			if (cols[c] < 0 || !f[c].n)
				continue;
			dst = col_field(&fc, cols[c]);
			free(*dst);
			*dst = trimdup(f[c].s, f[c].n);
		}
		if (fc.date) {
			char *d = date_iso(fc.date);
			free(fc.date);
			fc.date = d;
		}
		rc = emit(pc, start, &fc);
	}
out:
	for (size_t i = 0; i < capf; i++)
		free(f[i].s);
	free(f);
	free(cols);
	return rc;
}

int cw_kb_parse(const char *name, const char *buf, size_t len, enum cw_kb_format format,
                struct cw_norm *nzr, FILE *errors, int (*fn)(struct cw_factcheck *fc, void *opaque),
                void *opaque, size_t *nerrors, char *errstr, size_t errsize)
{
	size_t dummy = 0;
	struct parse_ctx pc = {name, nzr, errors, fn, opaque, nerrors ? nerrors : &dummy};

	if (format == CW_KB_AUTO)
		format = cw_kb_detect(buf, len);
	switch (format) {
	case CW_KB_JSONL:
		return parse_jsonl(&pc, buf, len);
	case CW_KB_CLAIMREVIEW:
		return parse_json_docs(&pc, buf, len, 0, errstr, errsize);
	case CW_KB_FACTCHECKAPI:
		return parse_json_docs(&pc, buf, len, 1, errstr, errsize);
	case CW_KB_CSV:
		return parse_csv(&pc, buf, len, errstr, errsize);
	default:
		seterr(errstr, errsize, "%s: unknown format", name);
		return CW_ERR_INVALID;
	}
}

/* ---- Redis: writing --------------------------------------------------- */

/* The content fields, in the order hashed and written. */
static void content(const struct cw_factcheck *fc, const char *v[10])
{
	v[0] = nz(fc->claim);
	v[1] = nz(fc->title);
	v[2] = nz(fc->rating);
	v[3] = cw_rating_name(fc->rating_normalized);
	v[4] = nz(fc->publisher);
	v[5] = nz(fc->url);
	v[6] = nz(fc->date);
	v[7] = nz(fc->claimant);
	v[8] = nz(fc->normalized);
	v[9] = nz(fc->fingerprint);
}

static const char *const content_fields[10] = {
    "claim", "title", "rating",   "rating_normalized", "publisher",
    "url",   "date",  "claimant", "normalized",        "fingerprint"};

static void content_hash(const struct cw_factcheck *fc, char hex[17])
{
	XXH3_state_t *st = XXH3_createState();
	const char *v[10];

	content(fc, v);
	XXH3_64bits_reset(st);
	for (int i = 0; i < 10; i++) /* NUL-separated: "ab","c" differs from "a","bc" */
		XXH3_64bits_update(st, v[i], strlen(v[i]) + 1);
	cw_hex64(XXH3_64bits_digest(st), hex);
	XXH3_freeState(st);
}

static int64_t server_ms(const redisReply *t)
{
	if (!t || t->type != REDIS_REPLY_ARRAY || t->elements != 2)
		return cw_now_ms();
	return cw_redis_reply_int(t->element[0]) * 1000 + cw_redis_reply_int(t->element[1]) / 1000;
}

static int reply_error(redisReply **rep, size_t n, char *errstr, size_t errsize)
{
	for (size_t i = 0; i < n; i++)
		if (rep[i]->type == REDIS_REPLY_ERROR) {
			seterr(errstr, errsize, "redis: %.*s", (int)rep[i]->len, rep[i]->str);
			return CW_ERR;
		}
	return 0;
}

int cw_kb_put(struct cw_redis *r, const struct cw_factcheck *fcs, size_t n, int *outcome,
              char *errstr, size_t errsize)
{
	char key[KB_KEY], logkey[KB_KEY], ms[24];
	char(*hash)[17] = cw_xcalloc(n ? n : 1, sizeof(*hash));
	char **oldfp = cw_xcalloc(n ? n : 1, sizeof(*oldfp));
	int *st = cw_xcalloc(n ? n : 1, sizeof(*st));
	redisReply **rep;
	size_t nrep;
	int64_t now;
	int rc = 0;

	if (n == 0)
		goto out;
	cw_redis_key(r, logkey, sizeof(logkey), "fc:log");
	/* Round trip 1: the server's clock and every stored content hash. */
	cw_redis_append(r, "TIME");
	for (size_t i = 0; i < n; i++) {
		cw_redis_key(r, key, sizeof(key), "fc:{%s}", fcs[i].id);
		cw_redis_append(r, "HMGET %s hash fingerprint", key);
	}
	if ((rc = cw_redis_exec(r, &rep, &nrep, errstr, errsize)) < 0)
		goto out;
	if ((rc = reply_error(rep, nrep, errstr, errsize)) < 0)
		goto out;
	now = server_ms(rep[0]);
	for (size_t i = 0; i < n; i++) {
		const redisReply *a = rep[1 + i];
		const redisReply *h =
		    a->type == REDIS_REPLY_ARRAY && a->elements == 2 ? a->element[0] : NULL;
		content_hash(&fcs[i], hash[i]);
		if (!h || h->type != REDIS_REPLY_STRING) {
			st[i] = CW_KB_ADDED;
		} else if (strcmp(h->str, hash[i]) == 0) {
			st[i] = CW_KB_UNCHANGED;
		} else {
			st[i] = CW_KB_UPDATED;
			if (a->element[1]->type == REDIS_REPLY_STRING)
				oldfp[i] = cw_xstrdup(a->element[1]->str);
		}
	}
	/* A record repeated in one batch: only its last copy is written, and the
	 * earlier ones count as unchanged, so a reload finds nothing to do. */
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n && st[i] != CW_KB_UNCHANGED; j++)
			if (strcmp(fcs[i].id, fcs[j].id) == 0) {
				if (st[j] == CW_KB_UNCHANGED && strcmp(hash[i], hash[j]) != 0)
					st[j] = CW_KB_UPDATED;
				st[i] = CW_KB_UNCHANGED;
			}

	/* Round trip 2: write what changed, the hash last (see kb.h). */
	snprintf(ms, sizeof(ms), "%lld", (long long)now);
	for (size_t i = 0; i < n; i++) {
		const char *argv[2 + 2 * 13];
		size_t argc = 0;
		const char *v[10];
		if (st[i] == CW_KB_UNCHANGED)
			continue;
		if (oldfp[i] && strcmp(oldfp[i], nz(fcs[i].fingerprint)) != 0) {
			cw_redis_key(r, key, sizeof(key), "fc:fp:%s", oldfp[i]);
			cw_redis_append(r, "SREM %s %s", key, fcs[i].id);
		}
		if (fcs[i].fingerprint && *fcs[i].fingerprint) {
			cw_redis_key(r, key, sizeof(key), "fc:fp:%s", fcs[i].fingerprint);
			cw_redis_append(r, "SADD %s %s", key, fcs[i].id);
		}
		cw_redis_append(r, "ZADD %s %s %s", logkey, ms, fcs[i].id);
		cw_redis_key(r, key, sizeof(key), "fc:{%s}", fcs[i].id);
		content(&fcs[i], v);
		argv[argc++] = "HSET";
		argv[argc++] = key;
		argv[argc++] = "id";
		argv[argc++] = fcs[i].id;
		for (int k = 0; k < 10; k++) {
			argv[argc++] = content_fields[k];
			argv[argc++] = v[k];
		}
		argv[argc++] = "updated_ms";
		argv[argc++] = ms;
		argv[argc++] = "hash";
		argv[argc++] = hash[i];
		cw_redis_appendv(r, (int)argc, argv, NULL);
	}
	if (cw_redis_pending(r)) {
		if ((rc = cw_redis_exec(r, &rep, &nrep, errstr, errsize)) < 0)
			goto out;
		if ((rc = reply_error(rep, nrep, errstr, errsize)) < 0)
			goto out;
	}
	if (outcome)
		memcpy(outcome, st, n * sizeof(*st));
out:
	for (size_t i = 0; i < n; i++)
		free(oldfp[i]);
	free(oldfp);
	free(hash);
	free(st);
	return rc;
}

/* ---- loading files ---------------------------------------------------- */

struct loader {
	struct cw_redis *r;
	struct cw_factcheck *batch;
	size_t n, cap;
	int *outcome;
	struct cw_kb_counts *counts;
	char *errstr;
	size_t errsize;
};

static int flush(struct loader *ld)
{
	int rc = 0;

	if (ld->n == 0)
		return 0;
	rc = cw_kb_put(ld->r, ld->batch, ld->n, ld->outcome, ld->errstr, ld->errsize);
	for (size_t i = 0; i < ld->n; i++) {
		if (rc == 0) {
			if (ld->outcome[i] == CW_KB_ADDED)
				ld->counts->added++;
			else if (ld->outcome[i] == CW_KB_UPDATED)
				ld->counts->updated++;
			else
				ld->counts->unchanged++;
		}
		cw_factcheck_release(&ld->batch[i]);
	}
	ld->n = 0;
	return rc;
}

static int collect(struct cw_factcheck *fc, void *opaque)
{
	struct loader *ld = opaque;

	ld->batch[ld->n] = *fc; /* takes the strings */
	memset(fc, 0, sizeof(*fc));
	if (++ld->n == ld->cap)
		return flush(ld);
	return 0;
}

int cw_kb_load_buffer(struct cw_redis *r, const char *name, const char *buf, size_t len,
                      const struct cw_kb_load_opts *o, struct cw_kb_counts *counts, char *errstr,
                      size_t errsize)
{
	struct loader ld = {r,    NULL,   0,      o->batch ? o->batch : KB_BATCH,
	                    NULL, counts, errstr, errsize};
	size_t nerr = 0;
	int rc;

	ld.batch = cw_xcalloc(ld.cap, sizeof(*ld.batch));
	ld.outcome = cw_xcalloc(ld.cap, sizeof(*ld.outcome));
	rc = cw_kb_parse(name, buf, len, o->format, o->nz, o->errors, collect, &ld, &nerr, errstr,
	                 errsize);
	if (rc == 0)
		rc = flush(&ld);
	for (size_t i = 0; i < ld.n; i++)
		cw_factcheck_release(&ld.batch[i]);
	counts->errors += nerr;
	free(ld.batch);
	free(ld.outcome);
	return rc;
}

int cw_kb_load_file(struct cw_redis *r, const char *path, const struct cw_kb_load_opts *o,
                    struct cw_kb_counts *counts, char *errstr, size_t errsize)
{
	char *buf = NULL;
	size_t len = 0;
	int rc;

	rc = cw_read_file(path, o->max_bytes ? o->max_bytes : KB_MAX_FILE, &buf, &len, errstr,
	                  errsize);
	if (rc == 0)
		rc = cw_kb_load_buffer(r, path, buf, len, o, counts, errstr, errsize);
	free(buf);
	return rc;
}

/* ---- Redis: reading --------------------------------------------------- */

/* Fills fc from an HGETALL reply; 0, or -1 when the hash is empty. */
static int from_hash(const redisReply *h, struct cw_factcheck *fc)
{
	memset(fc, 0, sizeof(*fc));
	if (!h || h->type != REDIS_REPLY_ARRAY || h->elements < 2)
		return -1;
	for (size_t i = 0; i + 1 < h->elements; i += 2) {
		const char *k = h->element[i]->str, *v = h->element[i + 1]->str;
		char **dst = NULL;
		if (!k || !v)
			continue;
		if (strcmp(k, "id") == 0)
			dst = &fc->id;
		else if (strcmp(k, "rating_normalized") == 0)
			fc->rating_normalized = cw_rating_from_name(v);
		else if (strcmp(k, "updated_ms") == 0)
			fc->updated_ms = strtoll(v, NULL, 10);
		else if (strcmp(k, "normalized") == 0)
			dst = &fc->normalized;
		else if (strcmp(k, "fingerprint") == 0)
			dst = &fc->fingerprint;
		else {
			int c = column_of(k, strlen(k));
			if (c >= 0 && c != COL_ID)
				dst = col_field(fc, c);
		}
		if (dst && !*dst)
			*dst = cw_xstrndup(v, h->element[i + 1]->len);
	}
	return fc->id ? 0 : -1;
}

int cw_kb_get(struct cw_redis *r, const char *id, struct cw_factcheck *fc, char *errstr,
              size_t errsize)
{
	char key[KB_KEY];
	redisReply *rep;
	int rc;

	memset(fc, 0, sizeof(*fc));
	cw_redis_key(r, key, sizeof(key), "fc:{%s}", id);
	rc = cw_redis_command(r, &rep, errstr, errsize, "HGETALL %s", key);
	if (rc == 0 && from_hash(rep, fc) < 0) {
		cw_factcheck_release(fc);
		seterr(errstr, errsize, "no fact-check '%s'", id);
		rc = CW_ERR_NOT_FOUND;
	}
	return rc;
}

int cw_kb_changes_since(struct cw_redis *r, int64_t since_ms,
                        int (*fn)(const struct cw_factcheck *fc, void *opaque), void *opaque,
                        int64_t *new_since, char *errstr, size_t errsize)
{
	char logkey[KB_KEY], key[KB_KEY], min[32];
	int64_t maxseen = since_ms, last;
	size_t skip = 0;
	char **ids = NULL;
	int rc = 0;

	cw_redis_key(r, logkey, sizeof(logkey), "fc:log");
	if (since_ms <= 0)
		snprintf(min, sizeof(min), "-inf");
	else
		snprintf(min, sizeof(min), "%lld",
		         (long long)(since_ms - CW_KB_CHANGES_OVERLAP_MS));
	/* Keyset paging on the score: the next page starts at the last score
	 * seen, skipping the members of that score already read.  Offsets alone
	 * would skip entries when an update moves a member to the end. */
	for (;;) {
		redisReply *page, **rep;
		size_t n, nrep, nids;
		rc = cw_redis_command(r, &page, errstr, errsize,
		                      "ZRANGEBYSCORE %s %s +inf WITHSCORES LIMIT %lld %d", logkey,
		                      min, (long long)skip, KB_READ_BATCH);
		if (rc < 0)
			goto out;
		n = page->type == REDIS_REPLY_ARRAY ? page->elements / 2 : 0;
		if (n == 0)
			break;
		ids = cw_xcalloc(n, sizeof(*ids));
		last = strtoll(page->element[2 * (n - 1) + 1]->str, NULL, 10);
		nids = n;
		for (size_t i = 0; i < n; i++)
			ids[i] = cw_xstrdup(page->element[2 * i]->str);
		/* members at the last score in this page, for the next page's skip */
		{
			size_t same = 0;
			for (size_t i = n; i-- > 0;) {
				if (strtoll(page->element[2 * i + 1]->str, NULL, 10) != last)
					break;
				same++;
			}
			if (same == n && strtoll(min, NULL, 10) == last && strcmp(min, "-inf") != 0)
				skip += same;
			else
				skip = same;
		}
		if (last > maxseen)
			maxseen = last;
		snprintf(min, sizeof(min), "%lld", (long long)last);
		for (size_t i = 0; i < nids; i++) {
			cw_redis_key(r, key, sizeof(key), "fc:{%s}", ids[i]);
			cw_redis_append(r, "HGETALL %s", key);
		}
		if ((rc = cw_redis_exec(r, &rep, &nrep, errstr, errsize)) < 0)
			goto out;
		for (size_t i = 0; i < nrep && rc == 0; i++) {
			struct cw_factcheck fc;
			if (from_hash(rep[i], &fc) == 0)
				rc = fn(&fc, opaque);
			cw_factcheck_release(&fc);
		}
		for (size_t i = 0; i < nids; i++)
			free(ids[i]);
		free(ids);
		ids = NULL;
		if (rc != 0 || n < KB_READ_BATCH)
			break;
	}
	if (new_since)
		*new_since = maxseen;
out:
	free(ids);
	return rc;
}

int cw_kb_foreach(struct cw_redis *r, int (*fn)(const struct cw_factcheck *fc, void *opaque),
                  void *opaque, int64_t *new_since, char *errstr, size_t errsize)
{
	return cw_kb_changes_since(r, 0, fn, opaque, new_since, errstr, errsize);
}

int cw_kb_count(struct cw_redis *r, long long *n, char *errstr, size_t errsize)
{
	char key[KB_KEY];
	redisReply *rep;
	int rc;

	cw_redis_key(r, key, sizeof(key), "fc:log");
	rc = cw_redis_command(r, &rep, errstr, errsize, "ZCARD %s", key);
	*n = rc == 0 ? cw_redis_reply_int(rep) : 0;
	return rc;
}

int cw_kb_ids_by_fingerprint(struct cw_redis *r, const char *fp,
                             int (*fn)(const char *id, void *opaque), void *opaque, char *errstr,
                             size_t errsize)
{
	char key[KB_KEY];
	redisReply *rep;
	int rc;

	cw_redis_key(r, key, sizeof(key), "fc:fp:%s", fp);
	rc = cw_redis_command(r, &rep, errstr, errsize, "SMEMBERS %s", key);
	for (size_t i = 0; rc == 0 && rep->type == REDIS_REPLY_ARRAY && i < rep->elements; i++)
		rc = fn(rep->element[i]->str, opaque);
	return rc;
}
