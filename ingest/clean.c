/*
 * clean.c — text hygiene for articles: strict UTF-8 validation, Unicode NFC
 * (utf8proc), whitespace normalisation, and paragraphs.
 *
 * Invalid UTF-8 is never repaired here: a record that is not valid UTF-8 is
 * rejected with the byte offset of the first bad sequence, so that an editor
 * can find it and a broken feed gets noticed instead of silently mangled.
 */
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "ingest/clean.h"
#include "ingest/ingest.h"
#include "lib/common.h"

int cw_ingest_utf8_check(const char *str, size_t len, size_t *bad)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < len) {
		unsigned c = s[i];
		size_t need;
		uint32_t cp, min;

		if (c >= 0x01 && c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1, cp = c & 0x1f, min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2, cp = c & 0x0f, min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3, cp = c & 0x07, min = 0x10000;
		} else {
			goto fail; /* NUL, stray continuation byte, 0xc0/0xc1, 0xf5.. */
		}
		if (len - i <= need)
			goto fail;
		for (size_t k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				goto fail;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			goto fail;
		i += need + 1;
	}
	return CW_OK;
fail:
	if (bad)
		*bad = i;
	return CW_ERR_INVALID;
}

void cw_ingest_lines_release(struct cw_ingest_lines *ls)
{
	if (!ls)
		return;
	free(ls->text);
	free(ls->v);
	memset(ls, 0, sizeof(*ls));
}

static void push_line(struct cw_ingest_lines *ls, size_t off, size_t len)
{
	if (ls->n == ls->cap) {
		ls->cap = ls->cap ? ls->cap * 2 : 64;
		ls->v = cw_xrealloc(ls->v, ls->cap * sizeof(*ls->v));
	}
	ls->v[ls->n].off = off;
	ls->v[ls->n].len = len;
	ls->v[ls->n].kind = len ? CW_LINE_TEXT : CW_LINE_BLANK;
	ls->n++;
}

/* What one code point becomes in normalised text. */
enum { CP_KEEP, CP_SPACE, CP_DROP, CP_LINE, CP_PARA };

static int classify(uint32_t cp)
{
	if (cp == '\n')
		return CP_LINE;
	if (cp == ' ' || cp == '\t' || cp == '\v' || cp == '\f' || cp == 0xa0 || cp == 0x1680 ||
	    (cp >= 0x2000 && cp <= 0x200a) || cp == 0x202f || cp == 0x205f || cp == 0x3000)
		return CP_SPACE;
	if (cp == 0x2028)
		return CP_LINE;
	if (cp == 0x2029)
		return CP_PARA;
	/* Controls, soft hyphen, zero-width space, word joiner, byte order mark. */
	if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0xad || cp == 0x200b || cp == 0x2060 ||
	    cp == 0xfeff)
		return CP_DROP;
	return CP_KEEP;
}

/* Decodes one code point of valid UTF-8 at s; returns its length in bytes. */
static size_t decode(const unsigned char *s, uint32_t *cp)
{
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] < 0xe0) {
		*cp = ((uint32_t)(s[0] & 0x1f) << 6) | (s[1] & 0x3f);
		return 2;
	}
	if (s[0] < 0xf0) {
		*cp = ((uint32_t)(s[0] & 0x0f) << 12) | ((uint32_t)(s[1] & 0x3f) << 6) |
		      (s[2] & 0x3f);
		return 3;
	}
	*cp = ((uint32_t)(s[0] & 0x07) << 18) | ((uint32_t)(s[1] & 0x3f) << 12) |
	      ((uint32_t)(s[2] & 0x3f) << 6) | (s[3] & 0x3f);
	return 4;
}

int cw_ingest_lines_split(struct cw_ingest_lines *ls, const char *s, size_t len)
{
	utf8proc_uint8_t *nfc = NULL;
	utf8proc_ssize_t nlen;
	size_t bad, i = 0, o = 0, line_start = 0;
	int pending_space = 0;
	char *out;

	memset(ls, 0, sizeof(*ls));
	if (cw_ingest_utf8_check(s, len, &bad) < 0)
		return CW_ERR_INVALID;
	if (len) {
		nlen = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, &nfc,
		                    UTF8PROC_STABLE | UTF8PROC_COMPOSE);
		if (nlen < 0)
			return CW_ERR_INVALID;
	} else {
		nlen = 0;
	}
	/* Normalised text is never longer than NFC text, plus one break for a
	 * U+2029 (3 bytes in, 2 out) and the NUL. */
	out = cw_xmalloc((size_t)nlen + 2);
	while (i < (size_t)nlen) {
		uint32_t cp;
		size_t n = decode(nfc + i, &cp);
		int k;

		if (cp == '\r') {
			/* CR LF and a lone CR are both one line break. */
			cp = '\n';
			if (i + 1 < (size_t)nlen && nfc[i + 1] == '\n')
				n = 2;
		}
		k = classify(cp);
		if (k == CP_KEEP) {
			if (pending_space && o > line_start)
				out[o++] = ' ';
			pending_space = 0;
			memcpy(out + o, nfc + i, n);
			o += n;
		} else if (k == CP_SPACE) {
			pending_space = 1;
		} else if (k == CP_LINE || k == CP_PARA) {
			push_line(ls, line_start, o - line_start);
			out[o++] = '\n';
			line_start = o;
			if (k == CP_PARA) {
				push_line(ls, line_start, 0);
				out[o++] = '\n';
				line_start = o;
			}
			pending_space = 0;
		}
		i += n;
	}
	if (o > line_start)
		push_line(ls, line_start, o - line_start);
	out[o] = '\0';
	free(nfc);
	ls->text = out;
	ls->len = o;
	return CW_OK;
}

size_t cw_ingest_word_count(const char *s, size_t len)
{
	size_t n = 0;
	int in = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == ' ') {
			in = 0;
		} else if (!in) {
			in = 1;
			n++;
		}
	}
	return n;
}

/* "TRUMP:", "LESTER HOLT:", "Q:" — a transcript's speaker label opens a turn. */
static int speaker_label(const char *s, size_t len)
{
	size_t i, words = 1, letters = 0;

	for (i = 0; i < len && i < 40; i++) {
		char c = s[i];
		if (c == ':')
			return letters > 0 && i + 1 < len && s[i + 1] == ' ';
		if (c == ' ') {
			if (++words > 3)
				return 0;
		} else if ((c >= 'A' && c <= 'Z') || c == '.' || c == '\'' || c == '-') {
			letters += c >= 'A' && c <= 'Z';
		} else {
			return 0;
		}
	}
	return 0;
}

/* A line this long is a paragraph of its own, not a hard-wrapped piece. */
#define CW_WRAPPED_LINE_MAX 100

char *cw_ingest_lines_join(const struct cw_ingest_lines *ls, size_t *outlen)
{
	size_t cap = ls->len + 3;
	char *out = cw_xmalloc(cap);
	size_t o = 0;
	int in_para = 0;     /* a paragraph is open */
	size_t prev_len = 0; /* bytes of the last text line written */

	for (size_t i = 0; i < ls->n; i++) {
		const struct cw_ingest_span *sp = &ls->v[i];

		if (sp->kind == CW_LINE_DROP)
			continue;
		if (sp->kind == CW_LINE_BLANK || !sp->len) {
			in_para = 0;
			continue;
		}
		if (o + 2 + sp->len + 1 > cap) {
			cap = (o + 2 + sp->len + 1) * 2;
			out = cw_xrealloc(out, cap);
		}
		if (in_para && prev_len <= CW_WRAPPED_LINE_MAX &&
		    !speaker_label(ls->text + sp->off, sp->len)) {
			out[o++] = ' ';
		} else if (o) {
			out[o++] = '\n';
			out[o++] = '\n';
		}
		memcpy(out + o, ls->text + sp->off, sp->len);
		o += sp->len;
		prev_len = sp->len;
		in_para = 1;
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

char *cw_ingest_clean_body(const char *s, size_t len, size_t *outlen)
{
	struct cw_ingest_lines ls;
	char *out;

	if (cw_ingest_lines_split(&ls, s, len) < 0)
		return NULL;
	cw_ingest_lines_strip_furniture(&ls);
	out = cw_ingest_lines_join(&ls, outlen);
	cw_ingest_lines_release(&ls);
	return out;
}

char *cw_ingest_clean_line(const char *s, size_t len)
{
	struct cw_ingest_lines ls;
	char *out;
	size_t o = 0;

	if (cw_ingest_lines_split(&ls, s, len) < 0)
		return NULL;
	out = cw_xmalloc(ls.len + 1);
	for (size_t i = 0; i < ls.n; i++) {
		if (!ls.v[i].len)
			continue;
		if (o)
			out[o++] = ' ';
		memcpy(out + o, ls.text + ls.v[i].off, ls.v[i].len);
		o += ls.v[i].len;
	}
	out[o] = '\0';
	cw_ingest_lines_release(&ls);
	return out;
}
