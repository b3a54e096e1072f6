/*
 * text.c — reading one plain-text article (*.txt, *.md, stdin) as an editor
 * pastes it:
 *
 *   Please verify                    <- a request: dropped, noted in .requested
 *   Blaze Media                      <- the outlet
 *   Watch LIVE                       <- furniture
 *   Kremlin: Russian ambassador ...  <- the headline: the title
 *   During an interview on CNN, ...  <- the first long paragraph: the body starts
 *
 * The header is the run of short lines before the first long paragraph (at
 * most CW_HEADER_MAX_LINES lines).  In it, request phrases, furniture and
 * bylines are dropped; of the lines left, the first is the outlet when more
 * than one is left and it looks like a name (a few words, no sentence
 * punctuation); the title is the first of the rest with at least three words
 * (or the last one); lines after the title (a standfirst) stay in the body.
 * A file may also name its fields outright in leading "Key: value" lines
 * (Outlet, Title, URL, Published, Language, Id), which win over guessing.
 * Markdown headings lose their leading '#'.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ingest/clean.h"
#include "ingest/ingest.h"
#include "ingest/text.h"
#include "lib/common.h"

#define CW_HEADER_MAX_LINES 8
/* A line with this many words, or this many bytes, opens the body. */
#define CW_LONG_LINE_WORDS 25
#define CW_LONG_LINE_BYTES 160
/* An outlet's name is at most this many words. */
#define CW_OUTLET_MAX_WORDS 5

static const char *const requests[] = {
    "please verify",   "please fact check",  "please fact-check",  "please check",
    "pls verify",      "can you verify",     "could you verify",   "can you check",
    "could you check", "can you fact check", "can you fact-check", "verify this",
    "verify please",   "fact check this",    "fact-check this",    "fact check please",
    "is this true",    "is this real",       "is it true",         "true or false",
    "check this",
};

static int is_request(const char *s, size_t len)
{
	for (size_t i = 0; i < sizeof(requests) / sizeof(requests[0]); i++) {
		size_t l = strlen(requests[i]);
		/* The phrase, then nothing but punctuation or a short tail. */
		if (len >= l && !strncasecmp(s, requests[i], l) &&
		    cw_ingest_word_count(s, len) <= cw_ingest_word_count(requests[i], l) + 3)
			return 1;
	}
	return 0;
}

static int is_byline(const char *s, size_t len)
{
	return len > 3 && !strncasecmp(s, "by ", 3) && cw_ingest_word_count(s, len) <= 8;
}

static int is_long(const char *s, size_t len)
{
	return len >= CW_LONG_LINE_BYTES || cw_ingest_word_count(s, len) >= CW_LONG_LINE_WORDS;
}

static int looks_like_outlet(const char *s, size_t len)
{
	char last = s[len - 1];
	if (cw_ingest_word_count(s, len) > CW_OUTLET_MAX_WORDS || len > 60)
		return 0;
	if (last == '.' || last == '?' || last == '!' || last == '"' || last == ',')
		return 0;
	return memchr(s, ':', len) == NULL;
}

/* Strips Markdown heading marks ("## Title") from a line, in place. */
static void strip_heading(struct cw_ingest_lines *ls, struct cw_ingest_span *sp)
{
	const char *s = ls->text + sp->off;
	size_t k = 0;

	while (k < sp->len && k < 6 && s[k] == '#')
		k++;
	if (k && k < sp->len && s[k] == ' ') {
		sp->off += k + 1;
		sp->len -= k + 1;
	}
}

static char *dup_span(const struct cw_ingest_lines *ls, const struct cw_ingest_span *sp)
{
	return cw_xstrndup(ls->text + sp->off, sp->len);
}

/* "Outlet: Reuters" at the top of a file; returns 1 and fills a when it was
 * one of the known keys. */
static int header_field(const char *s, size_t len, struct cw_ingest_article *a, int *bad_time)
{
	static const char *const keys[] = {"outlet", "title", "url", "published", "language", "id"};
	const char *colon = memchr(s, ':', len);
	size_t klen, vlen;
	const char *v;
	char **slot = NULL;

	if (!colon || colon == s)
		return 0;
	klen = (size_t)(colon - s);
	v = colon + 1;
	if (v < s + len && *v == ' ')
		v++;
	vlen = (size_t)(s + len - v);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strlen(keys[i]) != klen || strncasecmp(s, keys[i], klen))
			continue;
		if (!vlen)
			return 0;
		switch (i) {
		case 0:
			slot = &a->outlet;
			break;
		case 1:
			slot = &a->title;
			break;
		case 2:
			slot = &a->url;
			break;
		case 3:
			if (cw_ingest_parse_time(v, vlen, &a->published) < 0)
				*bad_time = 1;
			return 1;
		case 4:
			slot = &a->language;
			break;
		default:
			slot = &a->id;
			break;
		}
		free(*slot);
		*slot = cw_xstrndup(v, vlen);
		return 1;
	}
	return 0;
}

int cw_ingest_text_article(const char *buf, size_t len, struct cw_ingest_article *a, char *errstr,
                           size_t errsize)
{
	struct cw_ingest_lines ls;
	size_t i = 0, hdr[CW_HEADER_MAX_LINES], nh = 0, cand[CW_HEADER_MAX_LINES], nc = 0;
	size_t body_start, title_at = (size_t)-1, bad;
	int rc = CW_ERR_INVALID, bad_time = 0, explicit_outlet, explicit_title;

	if (cw_ingest_utf8_check(buf, len, &bad) < 0) {
		snprintf(errstr, errsize, "invalid UTF-8 at byte %zu", bad);
		return CW_ERR_INVALID;
	}
	if (cw_ingest_lines_split(&ls, buf, len) < 0) {
		snprintf(errstr, errsize, "cannot normalise text");
		return CW_ERR_INVALID;
	}

	/* Leading "Key: value" fields. */
	while (i < ls.n && ls.v[i].kind == CW_LINE_BLANK)
		i++;
	while (i < ls.n && ls.v[i].kind == CW_LINE_TEXT &&
	       header_field(ls.text + ls.v[i].off, ls.v[i].len, a, &bad_time)) {
		ls.v[i++].kind = CW_LINE_DROP;
	}
	if (bad_time) {
		snprintf(errstr, errsize, "cannot parse the 'Published' field");
		goto out;
	}
	explicit_outlet = a->outlet != NULL;
	explicit_title = a->title != NULL;

	/* The header: short lines before the first long one. */
	for (body_start = i; body_start < ls.n; body_start++) {
		struct cw_ingest_span *sp = &ls.v[body_start];
		if (sp->kind != CW_LINE_TEXT)
			continue;
		strip_heading(&ls, sp);
		if (is_long(ls.text + sp->off, sp->len) || nh == CW_HEADER_MAX_LINES)
			break;
		hdr[nh++] = body_start;
	}
	if (body_start == ls.n && nh) {
		/* No long paragraph at all: a short piece.  Its last line is body
		 * whatever it looks like. */
		nh--;
	}

	for (size_t k = 0; k < nh; k++) {
		struct cw_ingest_span *sp = &ls.v[hdr[k]];
		const char *s = ls.text + sp->off;
		if (is_request(s, sp->len)) {
			a->requested = 1;
			sp->kind = CW_LINE_DROP;
		} else if (cw_ingest_is_furniture(s, sp->len) || is_byline(s, sp->len)) {
			sp->kind = CW_LINE_DROP;
		} else if (!a->published && cw_ingest_word_count(s, sp->len) <= 6 &&
		           cw_ingest_parse_time(s, sp->len, &a->published) == 0) {
			sp->kind = CW_LINE_DROP; /* a dateline: "March 26, 2017" */
		} else {
			cand[nc++] = hdr[k];
		}
	}

	if (nc) {
		size_t first = 0;
		if (nc > 1 && !explicit_outlet &&
		    looks_like_outlet(ls.text + ls.v[cand[0]].off, ls.v[cand[0]].len)) {
			a->outlet = dup_span(&ls, &ls.v[cand[0]]);
			ls.v[cand[0]].kind = CW_LINE_DROP;
			first = 1;
		}
		if (!explicit_title) {
			for (size_t k = first; k < nc && title_at == (size_t)-1; k++) {
				const struct cw_ingest_span *sp = &ls.v[cand[k]];
				if (cw_ingest_word_count(ls.text + sp->off, sp->len) >= 3)
					title_at = k;
			}
			if (title_at == (size_t)-1 && first < nc)
				title_at = nc - 1;
			if (title_at != (size_t)-1) {
				a->title = dup_span(&ls, &ls.v[cand[title_at]]);
				/* Section labels before the headline go; a standfirst
				 * after it stays in the body. */
				for (size_t k = first; k <= title_at; k++)
					ls.v[cand[k]].kind = CW_LINE_DROP;
			}
		}
	}

	cw_ingest_lines_strip_furniture(&ls);
	free(a->body);
	a->body = cw_ingest_lines_join(&ls, &a->body_len);
	rc = CW_OK;
out:
	cw_ingest_lines_release(&ls);
	return rc;
}
