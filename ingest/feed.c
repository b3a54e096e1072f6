/*
 * feed.c — RSS 2.0 (and RSS 1.0 / RDF) and Atom feeds, read by a small XML
 * reader of claimwire's own.
 *
 * Feeds are outside bytes, so the reader is strict and bounded.  It reads the
 * input twice.  The first pass checks that the whole feed is well-formed XML
 * (one root element, matching tags nested at most XML_MAX_DEPTH deep, quoted
 * attributes, known entities only, valid UTF-8) and picks up the channel's
 * title and language; it allocates nothing.  Only then does the second pass
 * build the items, one at a time, and hand each to the caller: a malformed
 * feed is refused as a whole before any of its items goes out, and memory
 * held at once is one item, each of its fields capped at max bytes.
 *
 * What it does not do: DTDs (a DOCTYPE is skipped; entities it declares are
 * not expanded, so references to them are errors: no "billion laughs"),
 * namespaces beyond their prefixes, xml:base, encodings other than UTF-8,
 * US-ASCII, ISO-8859-1 and windows-1252 (the last two are converted first).
 *
 * Fields: RSS item title, link, description, content:encoded, guid, pubDate
 * (dc:date); Atom entry title, link rel="alternate" href, content, summary,
 * id, published, updated.  Bodies in HTML (RSS descriptions, Atom
 * type="html" and "xhtml") lose their tags; block elements become paragraph
 * breaks and script or style contents are dropped.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ingest/ingest.h"
#include "ingest/text.h"
#include "lib/common.h"

#define XML_MAX_DEPTH 256
/* Longest entity reference read, "&#x10FFFF;" and HTML names included. */
#define XML_MAX_ENTITY 12
/* How far into the input the format sniffer looks for the root element. */
#define SNIFF_BYTES 4096

struct xspan {
	const char *p;
	size_t n;
};

enum xtype { XT_EOF, XT_START, XT_END, XT_TEXT, XT_CDATA, XT_ERROR };

struct xtok {
	enum xtype type;
	struct xspan name;  /* START, END: the qualified name */
	struct xspan attrs; /* START: the raw bytes between the name and '>' */
	struct xspan text;  /* TEXT: raw, entities not decoded; CDATA: content */
	size_t line;        /* where the token starts */
	size_t off, end;    /* its bytes in the input */
};

struct xml {
	const char *buf;
	size_t len, pos, line;
	struct {
		struct xspan name;
		size_t line;
	} stack[XML_MAX_DEPTH];
	size_t depth;
	int seen_root, pending_end;
	size_t err_line;
	char err[200];
};

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int is_name_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
	       c >= 0x80;
}

static int isalnum_ascii(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int is_name_char(unsigned char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

static int span_eq(struct xspan s, const char *lit)
{
	size_t l = strlen(lit);
	return s.n == l && !memcmp(s.p, lit, l);
}

/* The part of a qualified name after its prefix ("content:encoded" ->
 * "encoded"). */
static struct xspan local_name(struct xspan q)
{
	const char *colon = memchr(q.p, ':', q.n);
	if (colon)
		return (struct xspan){colon + 1, q.n - (size_t)(colon + 1 - q.p)};
	return q;
}

static int find(const char *buf, size_t len, size_t from, const char *lit, size_t *at)
{
	size_t l = strlen(lit);
	for (size_t i = from; i + l <= len; i++) {
		const char *p = memchr(buf + i, lit[0], len - i - l + 1);
		if (!p)
			return 0;
		i = (size_t)(p - buf);
		if (!memcmp(p, lit, l)) {
			*at = i;
			return 1;
		}
	}
	return 0;
}

/* Moves to pos, counting the lines passed. */
static void advance(struct xml *x, size_t pos)
{
	const char *p = x->buf + x->pos, *end = x->buf + pos;
	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		x->line++;
		p++;
	}
	x->pos = pos;
}

static enum xtype fail(struct xml *x, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum xtype fail(struct xml *x, size_t line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(x->err, sizeof(x->err), fmt, ap);
	va_end(ap);
	x->err_line = line;
	return XT_ERROR;
}

/* ---- characters and entities ---- */

static int xml_char_ok(uint32_t cp)
{
	return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
	       (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

static size_t utf8_put(uint32_t cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

static const struct {
	const char *name;
	uint32_t cp;
} xml_entities[] = {{"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}},
  /* The HTML names feeds' descriptions use most, decoded after the tags are
   * stripped; XML itself knows only the five above. */
    html_entities[] = {
        {"nbsp", 0xA0},     {"mdash", 0x2014}, {"ndash", 0x2013}, {"hellip", 0x2026},
        {"lsquo", 0x2018},  {"rsquo", 0x2019}, {"ldquo", 0x201C}, {"rdquo", 0x201D},
        {"laquo", 0xAB},    {"raquo", 0xBB},   {"copy", 0xA9},    {"reg", 0xAE},
        {"trade", 0x2122},  {"middot", 0xB7},  {"bull", 0x2022},  {"deg", 0xB0},
        {"euro", 0x20AC},   {"pound", 0xA3},   {"shy", 0xAD},     {"eacute", 0xE9},
        {"egrave", 0xE8},   {"aacute", 0xE1},  {"iacute", 0xED},  {"oacute", 0xF3},
        {"uacute", 0xFA},   {"ntilde", 0xF1},  {"uuml", 0xFC},    {"ouml", 0xF6},
        {"auml", 0xE4},     {"szlig", 0xDF},   {"ccedil", 0xE7},  {"times", 0xD7},
        {"thinsp", 0x2009}, {"zwnj", 0x200C},  {"zwj", 0x200D},   {"minus", 0x2212},
};

/*
 * Reads the entity reference at p[0] == '&' (n bytes available).  Returns its
 * length in bytes with the code point in *cp, or 0 when it is not a reference
 * claimwire knows (html: also the HTML names above) or names a character
 * XML does not allow.
 */
static size_t entity(const char *p, size_t n, int html, uint32_t *cp)
{
	size_t max = CW_MIN(n, (size_t)XML_MAX_ENTITY), i = 1;
	const char *semi = max > 1 ? memchr(p + 1, ';', max - 1) : NULL;

	if (!semi)
		return 0;
	size_t l = (size_t)(semi - p) + 1; /* "&...;" */
	if (p[1] == '#') {
		uint32_t v = 0;
		int hex = l > 3 && (p[2] == 'x' || p[2] == 'X');
		i = hex ? 3 : 2;
		if (i + 1 >= l)
			return 0;
		for (; i + 1 < l; i++) {
			unsigned char c = (unsigned char)p[i];
			uint32_t d;
			if (c >= '0' && c <= '9')
				d = c - '0';
			else if (hex && c >= 'a' && c <= 'f')
				d = c - 'a' + 10;
			else if (hex && c >= 'A' && c <= 'F')
				d = c - 'A' + 10;
			else
				return 0;
			v = v * (hex ? 16 : 10) + d;
			if (v > 0x10FFFF)
				return 0;
		}
		if (!xml_char_ok(v))
			return 0;
		*cp = v;
		return l;
	}
	struct xspan name = {p + 1, l - 2};
	for (size_t k = 0; k < CW_ARRAY_SIZE(xml_entities); k++) {
		if (span_eq(name, xml_entities[k].name)) {
			*cp = xml_entities[k].cp;
			return l;
		}
	}
	for (size_t k = 0; html && k < CW_ARRAY_SIZE(html_entities); k++) {
		if (span_eq(name, html_entities[k].name)) {
			*cp = html_entities[k].cp;
			return l;
		}
	}
	return 0;
}

/* Checks the references in text (attribute values and character data). */
static int check_entities(struct xml *x, const char *p, size_t n, size_t line)
{
	const char *end = p + n, *amp;
	uint32_t cp;

	while ((amp = memchr(p, '&', (size_t)(end - p))) != NULL) {
		for (; p < amp; p++)
			line += *p == '\n';
		size_t l = entity(amp, (size_t)(end - amp), 0, &cp);
		if (!l) {
			size_t k = 1, lim = CW_MIN((size_t)(end - amp), (size_t)XML_MAX_ENTITY + 1);
			while (k < lim && (isalnum_ascii(amp[k]) || amp[k] == '#'))
				k++;
			if (k < lim && amp[k] == ';' && k > 1 && amp[1] == '#')
				fail(x, line, "invalid character reference '%.*s'", (int)k + 1,
				     amp);
			else if (k < lim && amp[k] == ';' && k > 1)
				fail(x, line, "undefined entity '%.*s'", (int)k + 1, amp);
			else
				fail(x, line,
				     "'&' not followed by an entity reference (write &amp;)");
			return CW_ERR_INVALID;
		}
		p = amp + l;
	}
	return CW_OK;
}

/* ---- the XML tokenizer ---- */

static size_t name_end(const char *buf, size_t len, size_t i)
{
	if (i >= len || !is_name_start((unsigned char)buf[i]))
		return i;
	while (i < len && is_name_char((unsigned char)buf[i]))
		i++;
	return i;
}

/* Reads a start tag's attributes from i (after the name) to '>' or "/>";
 * leaves i on the '>' or the '/'. */
static int read_attrs(struct xml *x, size_t *ip, size_t line)
{
	const char *b = x->buf;
	size_t i = *ip, len = x->len;

	for (;;) {
		size_t sp = i;
		while (i < len && is_space(b[i]))
			i++;
		if (i >= len)
			return fail(x, line, "unexpected end of input in a start tag"),
			       CW_ERR_INVALID;
		if (b[i] == '>' || (b[i] == '/' && i + 1 < len && b[i + 1] == '>'))
			break;
		size_t ne = name_end(b, len, i);
		if (ne == i || sp == i)
			return fail(x, line, "malformed attribute in a start tag"), CW_ERR_INVALID;
		i = ne;
		while (i < len && is_space(b[i]))
			i++;
		if (i >= len || b[i] != '=')
			return fail(x, line, "attribute '%.*s' has no value",
			            (int)CW_MIN(ne - sp, 40), b + sp),
			       CW_ERR_INVALID;
		i++;
		while (i < len && is_space(b[i]))
			i++;
		if (i >= len || (b[i] != '"' && b[i] != '\''))
			return fail(x, line, "attribute value not quoted"), CW_ERR_INVALID;
		char q = b[i++];
		const char *close = memchr(b + i, q, len - i);
		if (!close)
			return fail(x, line, "unterminated attribute value"), CW_ERR_INVALID;
		if (memchr(b + i, '<', (size_t)(close - (b + i))))
			return fail(x, line, "'<' in an attribute value"), CW_ERR_INVALID;
		if (check_entities(x, b + i, (size_t)(close - (b + i)), line) < 0)
			return CW_ERR_INVALID;
		i = (size_t)(close - b) + 1;
	}
	*ip = i;
	return CW_OK;
}

static enum xtype xml_next(struct xml *x, struct xtok *t)
{
	const char *b = x->buf;
	size_t len = x->len;

	memset(t, 0, sizeof(*t));
	if (x->pending_end) {
		x->pending_end = 0;
		x->depth--;
		t->name = x->stack[x->depth].name;
		t->line = x->line;
		t->off = t->end = x->pos;
		return t->type = XT_END;
	}
	for (;;) {
		size_t i = x->pos, at;
		t->line = x->line;
		t->off = i;
		if (i >= len) {
			if (x->depth)
				return fail(
				    x, x->line,
				    "unexpected end of input: <%.*s> of line %zu not closed",
				    (int)CW_MIN(x->stack[x->depth - 1].name.n, 40),
				    x->stack[x->depth - 1].name.p, x->stack[x->depth - 1].line);
			if (!x->seen_root)
				return fail(x, x->line, "no root element");
			return t->type = XT_EOF;
		}
		if (b[i] != '<') {
			const char *lt = memchr(b + i, '<', len - i);
			size_t e = lt ? (size_t)(lt - b) : len;
			if (!x->depth) {
				for (size_t k = i; k < e; k++)
					if (!is_space(b[k]))
						return fail(x, x->line + 0,
						            "text outside the root element");
				advance(x, e);
				continue;
			}
			if (check_entities(x, b + i, e - i, x->line) < 0)
				return XT_ERROR;
			t->text = (struct xspan){b + i, e - i};
			advance(x, e);
			t->end = e;
			return t->type = XT_TEXT;
		}
		if (len - i >= 4 && !memcmp(b + i, "<!--", 4)) {
			if (!find(b, len, i + 4, "-->", &at))
				return fail(x, x->line, "unterminated comment");
			advance(x, at + 3);
			continue;
		}
		if (len - i >= 9 && !memcmp(b + i, "<![CDATA[", 9)) {
			if (!x->depth)
				return fail(x, x->line, "CDATA section outside the root element");
			if (!find(b, len, i + 9, "]]>", &at))
				return fail(x, x->line, "unterminated CDATA section");
			t->text = (struct xspan){b + i + 9, at - i - 9};
			advance(x, at + 3);
			t->end = at + 3;
			return t->type = XT_CDATA;
		}
		if (len - i >= 9 && !memcmp(b + i, "<!DOCTYPE", 9)) {
			size_t k = i + 9;
			if (x->depth || x->seen_root)
				return fail(x, x->line, "DOCTYPE after the root element started");
			while (k < len && b[k] != '>' && b[k] != '[')
				k++;
			if (k < len && b[k] == '[') {
				/* The internal subset: skipped, its entities are not expanded. */
				if (!find(b, len, k, "]", &at))
					return fail(x, x->line, "unterminated DOCTYPE");
				k = at + 1;
				while (k < len && is_space(b[k]))
					k++;
			}
			if (k >= len || b[k] != '>')
				return fail(x, x->line, "unterminated DOCTYPE");
			advance(x, k + 1);
			continue;
		}
		if (len - i >= 2 && b[i + 1] == '?') {
			if (!find(b, len, i + 2, "?>", &at))
				return fail(x, x->line, "unterminated processing instruction");
			advance(x, at + 2);
			continue;
		}
		if (len - i >= 2 && b[i + 1] == '/') {
			size_t ne = name_end(b, len, i + 2), k = ne;
			struct xspan name = {b + i + 2, ne - i - 2};
			while (k < len && is_space(b[k]))
				k++;
			if (ne == i + 2 || k >= len || b[k] != '>')
				return fail(x, x->line, "malformed end tag");
			if (!x->depth)
				return fail(x, x->line, "end tag </%.*s> without a start tag",
				            (int)CW_MIN(name.n, 40), name.p);
			struct xspan open = x->stack[x->depth - 1].name;
			if (open.n != name.n || memcmp(open.p, name.p, name.n))
				return fail(
				    x, x->line, "end tag </%.*s> does not match <%.*s> of line %zu",
				    (int)CW_MIN(name.n, 40), name.p, (int)CW_MIN(open.n, 40),
				    open.p, x->stack[x->depth - 1].line);
			x->depth--;
			t->name = name;
			advance(x, k + 1);
			t->end = k + 1;
			return t->type = XT_END;
		}
		/* A start tag. */
		size_t ne = name_end(b, len, i + 1), k = ne;
		if (ne == i + 1)
			return fail(x, x->line, "'<' not followed by a name (write &lt;)");
		if (!x->depth && x->seen_root)
			return fail(x, x->line, "a second root element <%.*s>",
			            (int)CW_MIN(ne - i - 1, 40), b + i + 1);
		if (x->depth == XML_MAX_DEPTH)
			return fail(x, x->line, "elements nested deeper than %d", XML_MAX_DEPTH);
		if (read_attrs(x, &k, x->line) < 0)
			return XT_ERROR;
		t->name = (struct xspan){b + i + 1, ne - i - 1};
		t->attrs = (struct xspan){b + ne, k - ne};
		x->stack[x->depth].name = t->name;
		x->stack[x->depth].line = x->line;
		x->depth++;
		x->seen_root = 1;
		if (b[k] == '/') {
			x->pending_end = 1;
			k++;
		}
		advance(x, k + 1);
		t->end = k + 1;
		return t->type = XT_START;
	}
}

/* The value of attribute name in a start tag's attrs (already checked by
 * read_attrs), raw: entities not decoded.  Returns 1 when present. */
static int attr(struct xspan attrs, const char *name, struct xspan *val)
{
	const char *p = attrs.p, *end = attrs.p + attrs.n;

	while (p < end) {
		while (p < end && is_space(*p))
			p++;
		const char *n0 = p;
		while (p < end && *p != '=' && !is_space(*p))
			p++;
		struct xspan an = {n0, (size_t)(p - n0)};
		while (p < end && *p != '"' && *p != '\'')
			p++;
		if (p >= end)
			break;
		const char *v = p + 1, *close = memchr(v, *p, (size_t)(end - v));
		if (!close)
			break;
		if (span_eq(an, name)) {
			*val = (struct xspan){v, (size_t)(close - v)};
			return 1;
		}
		p = close + 1;
	}
	return 0;
}

/* ---- bounded buffers ---- */

/* A growing string with a hard cap: appends past max set over and are
 * dropped, so one field never holds more than max bytes. */
struct sbuf {
	char *p;
	size_t n, cap, max;
	int over;
};

static void sb_add(struct sbuf *s, const char *p, size_t n)
{
	if (s->over || n > s->max - s->n) {
		s->over = 1;
		return;
	}
	if (s->n + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 256;
		while (cap < s->n + n + 1)
			cap *= 2;
		s->p = cw_xrealloc(s->p, cap);
		s->cap = cap;
	}
	memcpy(s->p + s->n, p, n);
	s->n += n;
	s->p[s->n] = '\0';
}

static void sb_reset(struct sbuf *s)
{
	s->n = 0;
	s->over = 0;
	if (s->p)
		s->p[0] = '\0';
}

static void sb_release(struct sbuf *s)
{
	free(s->p);
	memset(s, 0, sizeof(*s));
}

/* Appends XML character data with its (checked) references decoded. */
static void sb_add_decoded(struct sbuf *s, const char *p, size_t n)
{
	const char *end = p + n, *amp;
	char u[4];
	uint32_t cp;

	while ((amp = memchr(p, '&', (size_t)(end - p))) != NULL) {
		sb_add(s, p, (size_t)(amp - p));
		size_t l = entity(amp, (size_t)(end - amp), 0, &cp);
		if (!l) { /* cannot happen after the first pass; keep the byte */
			sb_add(s, "&", 1);
			p = amp + 1;
			continue;
		}
		sb_add(s, u, utf8_put(cp, u));
		p = amp + l;
	}
	sb_add(s, p, (size_t)(end - p));
}

/* Appends text as HTML source: '<' and '&' escaped. */
static void sb_add_escaped(struct sbuf *s, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '<')
			sb_add(s, "&lt;", 4);
		else if (p[i] == '&')
			sb_add(s, "&amp;", 5);
		else
			sb_add(s, p + i, 1);
	}
}

/* ---- HTML to text ---- */

static int tag_is(const char *name, size_t n, const char *const *set)
{
	for (; *set; set++) {
		if (strlen(*set) == n && !strncasecmp(name, *set, n))
			return 1;
	}
	return 0;
}

/* Text of an HTML fragment: tags removed (block elements become paragraph
 * breaks, <br> a line break), comments and the contents of script, style
 * and the like dropped, entities decoded (unknown ones kept as written,
 * invalid code points as U+FFFD), HTML whitespace as spaces.  out gets at
 * most about n + 2 bytes per tag: bounded by its cap. */
static void html_text(const char *p, size_t n, struct sbuf *out)
{
	static const char *const blocks[] = {
	    "p",       "div",     "li",      "ul",     "ol",     "h1",         "h2",  "h3",
	    "h4",      "h5",      "h6",      "table",  "tr",     "blockquote", "pre", "hr",
	    "section", "article", "header",  "footer", "figure", "figcaption", "dl",  "dt",
	    "dd",      "aside",   "address", "main",   NULL};
	static const char *const hidden[] = {"script", "style", "noscript", "template", "iframe",
	                                     "object", "svg",   "head",     NULL};
	size_t i = 0;
	char u[4];
	uint32_t cp;

	while (i < n && !out->over) {
		unsigned char c = (unsigned char)p[i];
		if (c == '<' && i + 3 < n && !memcmp(p + i, "<!--", 4)) {
			size_t at;
			i = find(p, n, i + 4, "-->", &at) ? at + 3 : n;
		} else if (c == '<' && i + 1 < n &&
		           (is_name_start((unsigned char)p[i + 1]) || p[i + 1] == '/' ||
		            p[i + 1] == '!' || p[i + 1] == '?')) {
			size_t k = i + 1, ns, q = 0;
			int closing = p[k] == '/';
			k += closing;
			ns = k;
			while (k < n && (isalnum_ascii(p[k])))
				k++;
			size_t nl = k - ns;
			/* To the end of the tag, quotes respected. */
			for (; k < n; k++) {
				if (q) {
					if (p[k] == (char)q)
						q = 0;
				} else if (p[k] == '"' || p[k] == '\'') {
					q = (unsigned char)p[k];
				} else if (p[k] == '>') {
					break;
				}
			}
			i = k < n ? k + 1 : n;
			if (nl == 2 && !strncasecmp(p + ns, "br", 2)) {
				sb_add(out, "\n", 1);
			} else if (tag_is(p + ns, nl, blocks)) {
				sb_add(out, "\n\n", 2);
			} else if (!closing && tag_is(p + ns, nl, hidden)) {
				/* Skip to the matching end tag, or to the end. */
				size_t j = i;
				for (;;) {
					size_t at;
					if (!find(p, n, j, "</", &at)) {
						i = n;
						break;
					}
					if (at + 2 + nl <= n &&
					    !strncasecmp(p + at + 2, p + ns, nl)) {
						const char *gt = memchr(p + at, '>', n - at);
						i = gt ? (size_t)(gt - p) + 1 : n;
						break;
					}
					j = at + 2;
				}
			}
		} else if (c == '&') {
			size_t l = entity(p + i, n - i, 1, &cp);
			if (l) {
				sb_add(out, u, utf8_put(cp, u));
				i += l;
			} else if (i + 2 < n && p[i + 1] == '#') {
				/* A numeric reference XML would refuse (&#0;, a surrogate). */
				size_t e = i + 2;
				while (e < n && e < i + XML_MAX_ENTITY && p[e] != ';')
					e++;
				if (e < n && p[e] == ';') {
					sb_add(out, "\xef\xbf\xbd", 3);
					i = e + 1;
				} else {
					sb_add(out, "&", 1);
					i++;
				}
			} else {
				sb_add(out, "&", 1);
				i++;
			}
		} else if (c == '\n' || c == '\r' || c == '\t' || c == '\f') {
			sb_add(out, " ", 1);
			i++;
		} else {
			size_t k = i + 1;
			while (k < n && p[k] != '<' && p[k] != '&' && p[k] != '\n' &&
			       p[k] != '\r' && p[k] != '\t' && p[k] != '\f')
				k++;
			sb_add(out, p + i, k - i);
			i = k;
		}
	}
}

/* ---- encodings ---- */

/* windows-1252 0x80..0x9F (ISO-8859-1 is read as windows-1252, as browsers
 * do: feeds that declare Latin-1 often hold curly quotes from Windows). */
static const uint16_t cp1252_c1[32] = {
    0x20AC, 0x81,   0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x8D,   0x017D, 0x8F,   0x90,   0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D,   0x017E, 0x0178,
};

/* Finds the declared encoding of an XML declaration at the start of buf. */
static struct xspan declared_encoding(const char *buf, size_t len)
{
	struct xspan none = {NULL, 0}, v;
	size_t end;

	if (len < 5 || memcmp(buf, "<?xml", 5) ||
	    !find(buf, CW_MIN(len, (size_t)512), 5, "?>", &end))
		return none;
	if (!attr((struct xspan){buf + 5, end - 5}, "encoding", &v))
		return none;
	return v;
}

/* Brings the feed to UTF-8: *out is buf itself, or *conv (heap, caller frees)
 * when it had to be converted.  Checks the result is valid UTF-8. */
static int to_utf8(const char *buf, size_t len, char **conv, struct xspan *out, size_t *errline,
                   char *errstr, size_t errsize)
{
	struct xspan enc;
	size_t bad;

	*conv = NULL;
	if (len >= 2 && (!memcmp(buf, "\xfe\xff", 2) || !memcmp(buf, "\xff\xfe", 2))) {
		snprintf(errstr, errsize, "UTF-16 feeds are not supported");
		*errline = 1;
		return CW_ERR_INVALID;
	}
	if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3)) {
		buf += 3;
		len -= 3;
	}
	enc = declared_encoding(buf, len);
	if (enc.n && (span_eq(enc, "ISO-8859-1") || span_eq(enc, "iso-8859-1") ||
	              span_eq(enc, "windows-1252") || span_eq(enc, "Windows-1252") ||
	              span_eq(enc, "latin1") || span_eq(enc, "cp1252"))) {
		char *o = cw_xmalloc(len * 3 + 1), u[4];
		size_t n = 0;
		for (size_t i = 0; i < len; i++) {
			unsigned char c = (unsigned char)buf[i];
			uint32_t cp = c >= 0x80 && c < 0xA0 ? cp1252_c1[c - 0x80] : c;
			size_t l = utf8_put(cp, u);
			memcpy(o + n, u, l);
			n += l;
		}
		o[n] = '\0';
		*conv = o;
		buf = o;
		len = n;
	} else if (enc.n && !(enc.n == 5 && !strncasecmp(enc.p, "utf-8", 5)) &&
	           !(enc.n == 4 && !strncasecmp(enc.p, "utf8", 4)) &&
	           !(enc.n == 8 && !strncasecmp(enc.p, "us-ascii", 8)) &&
	           !(enc.n == 5 && !strncasecmp(enc.p, "ascii", 5))) {
		snprintf(errstr, errsize, "unsupported encoding '%.*s'", (int)CW_MIN(enc.n, 40),
		         enc.p);
		*errline = 1;
		return CW_ERR_INVALID;
	}
	if (cw_ingest_utf8_check(buf, len, &bad) < 0) {
		size_t line = 1;
		for (size_t i = 0; i < bad; i++)
			line += buf[i] == '\n';
		snprintf(errstr, errsize, "invalid UTF-8 at byte %zu", bad);
		*errline = line;
		free(*conv);
		*conv = NULL;
		return CW_ERR_INVALID;
	}
	*out = (struct xspan){buf, len};
	return CW_OK;
}

int cw_ingest_feed_sniff(const char *buf, size_t len)
{
	size_t n = CW_MIN(len, (size_t)SNIFF_BYTES), i = 0, at;

	if (n >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
		i = 3;
	for (;;) {
		while (i < n && is_space(buf[i]))
			i++;
		if (n - i >= 2 && !memcmp(buf + i, "<?", 2) && find(buf, n, i, "?>", &at))
			i = at + 2;
		else if (n - i >= 4 && !memcmp(buf + i, "<!--", 4) && find(buf, n, i, "-->", &at))
			i = at + 3;
		else if (n - i >= 9 && !memcmp(buf + i, "<!DOCTYPE", 9) &&
		         find(buf, n, i, ">", &at))
			i = at + 1;
		else
			break;
	}
	if (n - i >= 5 && !memcmp(buf + i, "<rss", 4) &&
	    (is_space(buf[i + 4]) || buf[i + 4] == '>'))
		return 1;
	if (n - i >= 9 && !memcmp(buf + i, "<rdf:RDF", 8) &&
	    (is_space(buf[i + 8]) || buf[i + 8] == '>'))
		return 1;
	if (n - i >= 6 && !memcmp(buf + i, "<feed", 5) &&
	    (is_space(buf[i + 5]) || buf[i + 5] == '>')) {
		size_t gt;
		if (!find(buf, n, i, ">", &gt))
			gt = n;
		return find(buf, gt, i, "http://www.w3.org/2005/Atom", &at);
	}
	return 0;
}

/* ---- feeds ---- */

enum feed_kind { FEED_RSS, FEED_ATOM };
enum text_kind { K_TEXT, K_HTML, K_XHTML, K_SKIP };

struct item {
	struct sbuf title, link, desc, content, guid, date, updated;
	enum text_kind title_k, desc_k, content_k;
	int permalink; /* the guid is the item's URL */
	size_t line, off;
};

struct feed {
	struct xml x;
	enum feed_kind kind;
	size_t max;
	struct sbuf chan_title, chan_lang, tmp;
	struct item it;
	/* The field being read: its buffer, kind and element depth. */
	struct sbuf *field;
	enum text_kind fk;
	size_t field_depth;
};

static struct xspan trim(const char *p, size_t n)
{
	while (n && is_space(*p)) {
		p++;
		n--;
	}
	while (n && is_space(p[n - 1]))
		n--;
	return (struct xspan){p, n};
}

static enum text_kind atom_kind(struct xspan attrs)
{
	struct xspan t;

	if (!attr(attrs, "type", &t) || span_eq(t, "text") || span_eq(t, "text/plain"))
		return K_TEXT;
	if (span_eq(t, "html") || span_eq(t, "text/html"))
		return K_HTML;
	if (span_eq(t, "xhtml") || span_eq(t, "application/xhtml+xml"))
		return K_XHTML;
	return K_SKIP; /* base64 media and the like */
}

/* Appends a field's character data as its kind wants it. */
static void field_text(struct feed *f, const struct xtok *t)
{
	int nested = f->x.depth > f->field_depth;

	if (t->type == XT_CDATA) {
		if (f->fk == K_XHTML || (f->fk == K_HTML && nested))
			sb_add_escaped(f->field, t->text.p, t->text.n);
		else
			sb_add(f->field, t->text.p, t->text.n);
	} else if (f->fk == K_XHTML || (f->fk == K_HTML && nested)) {
		sb_add(f->field, t->text.p, t->text.n); /* references stay for html_text */
	} else {
		sb_add_decoded(f->field, t->text.p, t->text.n);
	}
}

/* Starts reading a child element of an item or entry. */
static void item_child(struct feed *f, const struct xtok *t)
{
	struct item *it = &f->it;
	struct xspan ln = local_name(t->name), v;

	f->field = NULL;
	f->fk = K_TEXT;
	f->field_depth = f->x.depth;
	if (span_eq(ln, "link") && attr(t->attrs, "href", &v)) {
		struct xspan rel;
		if ((!attr(t->attrs, "rel", &rel) || span_eq(rel, "alternate")) && !it->link.n)
			sb_add_decoded(&it->link, v.p, v.n);
	} else if (span_eq(ln, "title")) {
		f->field = &it->title;
		/* RSS titles often carry escaped markup ("&lt;b&gt;"): read as HTML. */
		it->title_k = f->kind == FEED_ATOM ? atom_kind(t->attrs) : K_HTML;
		f->fk = it->title_k;
	} else if (span_eq(ln, "link")) {
		f->field = &it->link;
	} else if (f->kind == FEED_RSS && span_eq(ln, "description")) {
		f->field = &it->desc;
		f->fk = it->desc_k = K_HTML;
	} else if (f->kind == FEED_RSS && span_eq(t->name, "content:encoded")) {
		f->field = &it->content;
		f->fk = it->content_k = K_HTML;
	} else if (f->kind == FEED_ATOM && span_eq(ln, "summary")) {
		f->field = &it->desc;
		f->fk = it->desc_k = atom_kind(t->attrs);
	} else if (f->kind == FEED_ATOM && span_eq(ln, "content") && !attr(t->attrs, "src", &v)) {
		f->field = &it->content;
		f->fk = it->content_k = atom_kind(t->attrs);
	} else if (span_eq(ln, "guid") || (f->kind == FEED_ATOM && span_eq(ln, "id"))) {
		f->field = &it->guid;
		it->permalink = f->kind == FEED_RSS &&
		                !(attr(t->attrs, "isPermaLink", &v) && span_eq(v, "false"));
	} else if (span_eq(ln, "pubDate") || span_eq(ln, "published")) {
		f->field = &it->date;
	} else if (span_eq(ln, "updated") || span_eq(ln, "date")) {
		f->field = &it->updated;
	}
	if (f->fk == K_SKIP)
		f->field = NULL;
	if (f->field)
		sb_reset(f->field);
}

/* Text of a field as a heap string: HTML kinds lose their tags.  NULL when
 * over the cap. */
static char *field_string(struct feed *f, const struct sbuf *s, enum text_kind k, size_t *len)
{
	const char *p = s->p ? s->p : "";

	if (k == K_HTML || k == K_XHTML) {
		sb_reset(&f->tmp);
		html_text(p, s->n, &f->tmp);
		if (f->tmp.over)
			return NULL;
		*len = f->tmp.n;
		return cw_xstrndup(f->tmp.p ? f->tmp.p : "", f->tmp.n);
	}
	*len = s->n;
	return cw_xstrndup(p, s->n);
}

static int has_text(const struct sbuf *s)
{
	return trim(s->p ? s->p : "", s->n).n > 0;
}

/* Builds the article of the item that ends at byte end and hands it over. */
static int deliver(struct feed *f, size_t end, const char *outlet,
                   int (*cb)(const struct cw_ingest_feed_item *it, void *opaque), void *opaque)
{
	struct item *it = &f->it;
	struct cw_ingest_article a = {0};
	struct cw_ingest_feed_item fi = {&a, it->line, f->x.buf + it->off, end - it->off, NULL};
	char err[160];
	const struct sbuf *body = has_text(&it->content) ? &it->content : &it->desc;
	enum text_kind bk = body == &it->content ? it->content_k : it->desc_k;
	size_t n, tn = 0;
	char *text = NULL;
	int rc;

	if (it->title.over || it->link.over || it->desc.over || it->content.over || it->guid.over ||
	    it->date.over || it->updated.over || !(text = field_string(f, body, bk, &tn)) ||
	    !(a.title = field_string(f, &it->title, it->title_k, &n))) {
		snprintf(err, sizeof(err), "item is over the limit of %zu bytes", f->max);
		fi.error = err;
		goto send;
	}
	a.body = cw_ingest_clean_body(text, tn, &a.body_len);
	if (!a.body) {
		snprintf(err, sizeof(err), "invalid UTF-8 in the item's text");
		fi.error = err;
		goto send;
	}
	struct xspan link = trim(it->link.p ? it->link.p : "", it->link.n);
	struct xspan guid = trim(it->guid.p ? it->guid.p : "", it->guid.n);
	if (link.n)
		a.url = cw_xstrndup(link.p, link.n);
	else if (it->permalink && guid.n > 8 &&
	         (!strncmp(guid.p, "http://", 7) || !strncmp(guid.p, "https://", 8)))
		a.url = cw_xstrndup(guid.p, guid.n);
	if (guid.n)
		a.id = cw_xstrndup(guid.p, guid.n);
	struct xspan when = trim(it->date.p ? it->date.p : "", it->date.n);
	if (!when.n)
		when = trim(it->updated.p ? it->updated.p : "", it->updated.n);
	/* A date claimwire cannot read leaves the time unknown: the story is
	 * still worth checking. */
	if (when.n && cw_ingest_parse_time(when.p, when.n, &a.published) < 0)
		a.published = 0;
	if (outlet && *outlet)
		a.outlet = cw_xstrdup(outlet);
	else if (has_text(&f->chan_title))
		a.outlet = cw_xstrndup(f->chan_title.p, f->chan_title.n);
	if (has_text(&f->chan_lang)) {
		struct xspan l = trim(f->chan_lang.p, f->chan_lang.n);
		a.language = cw_xstrndup(l.p, l.n);
	}
send:
	rc = cb(&fi, opaque);
	cw_ingest_article_release(&a);
	free(text);
	return rc;
}

static void item_reset(struct item *it)
{
	sb_reset(&it->title);
	sb_reset(&it->link);
	sb_reset(&it->desc);
	sb_reset(&it->content);
	sb_reset(&it->guid);
	sb_reset(&it->date);
	sb_reset(&it->updated);
	it->title_k = it->desc_k = it->content_k = K_TEXT;
	it->permalink = 0;
}

static void item_release(struct item *it)
{
	sb_release(&it->title);
	sb_release(&it->link);
	sb_release(&it->desc);
	sb_release(&it->content);
	sb_release(&it->guid);
	sb_release(&it->date);
	sb_release(&it->updated);
}

static int is_item(const struct feed *f, struct xspan name)
{
	return span_eq(local_name(name), f->kind == FEED_ATOM ? "entry" : "item");
}

/* The first pass: well-formedness of the whole input, the kind of feed, the
 * channel's title and language.  Returns 0 or CW_ERR_INVALID (f->x.err). */
static int check(struct feed *f)
{
	struct xtok t;
	enum xtype ty;
	struct sbuf *cap = NULL;
	size_t cap_depth = 0, in_item = 0;

	while ((ty = xml_next(&f->x, &t)) != XT_EOF) {
		if (ty == XT_ERROR)
			return CW_ERR_INVALID;
		if (ty == XT_START && f->x.depth == 1) {
			struct xspan ln = local_name(t.name), lang;
			if (span_eq(ln, "rss") || span_eq(ln, "RDF")) {
				f->kind = FEED_RSS;
			} else if (span_eq(ln, "feed")) {
				f->kind = FEED_ATOM;
				if (attr(t.attrs, "xml:lang", &lang))
					sb_add_decoded(&f->chan_lang, lang.p, lang.n);
			} else {
				fail(&f->x, t.line,
				     "root element <%.*s> is not rss, rdf:RDF or an Atom feed",
				     (int)CW_MIN(t.name.n, 40), t.name.p);
				return CW_ERR_INVALID;
			}
		} else if (ty == XT_START && !in_item && is_item(f, t.name)) {
			in_item = f->x.depth;
		} else if (ty == XT_START && !in_item && !cap && f->x.depth >= 2) {
			struct xspan parent = local_name(f->x.stack[f->x.depth - 2].name);
			struct xspan ln = local_name(t.name);
			int chan =
			    f->kind == FEED_ATOM ? f->x.depth == 2 : span_eq(parent, "channel");
			if (chan && span_eq(ln, "title") && !f->chan_title.n)
				cap = &f->chan_title;
			else if (chan && span_eq(ln, "language") && !f->chan_lang.n)
				cap = &f->chan_lang;
			cap_depth = f->x.depth;
		} else if (ty == XT_END && in_item && f->x.depth < in_item) {
			in_item = 0;
		} else if (ty == XT_END && cap && f->x.depth < cap_depth) {
			cap = NULL;
		} else if (cap && ty == XT_TEXT) {
			sb_add_decoded(cap, t.text.p, t.text.n);
		} else if (cap && ty == XT_CDATA) {
			sb_add(cap, t.text.p, t.text.n);
		}
	}
	return CW_OK;
}

/* The second pass: items, one at a time. */
static int walk(struct feed *f, const char *outlet,
                int (*cb)(const struct cw_ingest_feed_item *it, void *opaque), void *opaque)
{
	struct xtok t;
	enum xtype ty;
	size_t item_depth = 0;
	int rc = CW_OK;

	while (rc >= 0 && (ty = xml_next(&f->x, &t)) != XT_EOF && ty != XT_ERROR) {
		if (ty == XT_START && !item_depth) {
			if (is_item(f, t.name)) {
				item_depth = f->x.depth;
				item_reset(&f->it);
				f->it.line = t.line;
				f->it.off = t.off;
				f->field = NULL;
			}
		} else if (ty == XT_START && item_depth && !f->field) {
			if (f->x.depth == item_depth + 1)
				item_child(f, &t);
		} else if (ty == XT_START && f->field && f->fk != K_TEXT) {
			sb_add(f->field, "<", 1);
			sb_add(f->field, t.name.p, t.name.n);
			sb_add(f->field, ">", 1);
		} else if (ty == XT_END && f->field && f->x.depth < f->field_depth) {
			f->field = NULL;
		} else if (ty == XT_END && f->field && f->fk != K_TEXT) {
			sb_add(f->field, "</", 2);
			sb_add(f->field, t.name.p, t.name.n);
			sb_add(f->field, ">", 1);
		} else if (ty == XT_END && item_depth && f->x.depth < item_depth) {
			item_depth = 0;
			rc = deliver(f, t.end, outlet, cb, opaque);
		} else if ((ty == XT_TEXT || ty == XT_CDATA) && f->field) {
			field_text(f, &t);
		}
	}
	return rc;
}

int cw_ingest_feed_read(const char *buf, size_t len, size_t max, const char *outlet,
                        int (*item)(const struct cw_ingest_feed_item *it, void *opaque),
                        void *opaque, size_t *errline, char *errstr, size_t errsize)
{
	struct feed *f = cw_xcalloc(1, sizeof(*f));
	struct xspan in;
	char *conv = NULL;
	int rc;

	*errline = 0;
	if ((rc = to_utf8(buf, len, &conv, &in, errline, errstr, errsize)) < 0)
		goto out;
	f->max = max;
	f->chan_title.max = f->chan_lang.max = 4096;
	f->tmp.max = max;
	f->it.title.max = f->it.link.max = f->it.desc.max = f->it.content.max = max;
	f->it.guid.max = f->it.date.max = f->it.updated.max = max;
	f->x = (struct xml){.buf = in.p, .len = in.n, .line = 1};
	if ((rc = check(f)) < 0) {
		snprintf(errstr, errsize, "%s", f->x.err);
		*errline = f->x.err_line;
		goto out;
	}
	f->x = (struct xml){.buf = in.p, .len = in.n, .line = 1};
	rc = walk(f, outlet, item, opaque);
out:
	item_release(&f->it);
	sb_release(&f->chan_title);
	sb_release(&f->chan_lang);
	sb_release(&f->tmp);
	free(f);
	free(conv);
	return rc;
}
