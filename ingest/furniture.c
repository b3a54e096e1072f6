/*
 * furniture.c — recognising page furniture: the buttons, captions, credits
 * and link lists that come along when an article is copied from a web page,
 * and that would otherwise be read as sentences of the story.
 *
 * The patterns, all matched case-insensitively on a normalised line (trimmed,
 * single spaces; trailing ':', '.', '|', '>', '»', '›' and spaces ignored):
 *
 *  Whole lines, exactly: "Watch LIVE", "Live", "Watch", "Listen", "Most recent",
 *    "All Articles", "Advertisement", "Sponsored", "Share this article", "Share",
 *    "Tweet", "Email", "Print", "Comments", "Show comments", "Read more",
 *    "Continue reading", "Load more", "Skip to content", "Sign in", "Log in",
 *    "Sign up", "Subscribe", "Subscribe now", "Newsletter", "Trending",
 *    "Most popular", "Recommended", "Related", "Related articles", "Read next",
 *    "Up next", "You may also like", "Top stories", "Latest news", "Back to
 *    top", "Accept cookies", "Got it", "Story continues below advertisement",
 *    "Scroll to continue with content" (the table `exact` below).
 *  Lines starting with: "Photo by ", "Photo: ", "Photo credit", "Photograph: ",
 *    "Image: ", "Image source:", "Image credit", "Credit: ", "(Photo", "(Image",
 *    "Video: ", "WATCH: ", "Related: ", "Read more: ", "Read also: ",
 *    "See also: ", "Also read: ", "Subscribe to ", "Sign up for ", "Sign up to ",
 *    "Click here", "We use cookies", "This site uses cookies", "This website uses
 *    cookies", "By continuing to", "By using this site", "Follow us on",
 *    "Copyright ", "© " (the table `prefixes`).
 *  Short lines (at most 20 words) containing "Getty Images", "AP Photo",
 *    "Reuters/" or "All rights reserved": photo credits and footers.
 *  Trailing blocks: a line that is exactly "Most recent", "Related", "Related
 *    articles/stories/content", "More from", "More stories", "Read next", "Up
 *    next", "You may also like", "You might also like", "Recommended", "Trending",
 *    "Most popular", "Top stories", "Latest news" or "All Articles" cuts the rest
 *    of the article when no long paragraph (30 words or more) follows it; with
 *    one following, only the line itself goes.
 *  Inline credits anywhere in a line: a parenthesis or bracket that opens with
 *    "Image source", "Image", "Photo", "Photo by", "Photo credit", "Credit",
 *    "Getty Images", "AP Photo", "Source: YouTube" or "Video", e.g.
 *    "(Image source: YouTube)", "(Photo by Alex Wong/Getty Images)".
 */
#include <string.h>
#include <strings.h>

#include "ingest/clean.h"

static const char *const exact[] = {
    "watch live",
    "live",
    "watch",
    "listen",
    "most recent",
    "all articles",
    "advertisement",
    "advertisements",
    "ad",
    "sponsored",
    "sponsored content",
    "share this article",
    "share this story",
    "share this",
    "share",
    "share on facebook",
    "share on twitter",
    "tweet",
    "email",
    "print",
    "comments",
    "comment",
    "show comments",
    "hide comments",
    "view comments",
    "read more",
    "continue reading",
    "see more",
    "load more",
    "skip to content",
    "skip to main content",
    "menu",
    "search",
    "close",
    "sign in",
    "log in",
    "sign up",
    "subscribe",
    "subscribe now",
    "newsletter",
    "trending",
    "trending now",
    "popular",
    "most popular",
    "recommended",
    "recommended for you",
    "related",
    "related articles",
    "related stories",
    "related content",
    "more from",
    "more stories",
    "read next",
    "up next",
    "you may also like",
    "you might also like",
    "top stories",
    "latest",
    "latest news",
    "back to top",
    "cookie settings",
    "accept",
    "accept all",
    "accept cookies",
    "got it",
    "story continues below advertisement",
    "article continues below advertisement",
    "article continues below",
    "scroll to continue with content",
    "click to expand",
    "opens in new window",
    "listen to this article",
    "print this article",
};

static const char *const prefixes[] = {
    "photo by ",
    "photo: ",
    "photo credit",
    "photograph: ",
    "photos: ",
    "image: ",
    "image source:",
    "image credit",
    "credit: ",
    "(photo",
    "(image",
    "[photo",
    "[image",
    "video: ",
    "watch: ",
    "related: ",
    "read more: ",
    "read also: ",
    "see also: ",
    "also read: ",
    "subscribe to ",
    "sign up for ",
    "sign up to ",
    "click here",
    "we use cookies",
    "this site uses cookies",
    "this website uses cookies",
    "by continuing to",
    "by using this site",
    "follow us on",
    "copyright ",
    "\xc2\xa9 ",
};

static const char *const short_contains[] = {
    "getty images",
    "ap photo",
    "reuters/",
    "all rights reserved",
};

static const char *const tail_starts[] = {
    "most recent",
    "related",
    "related articles",
    "related stories",
    "related content",
    "more from",
    "more stories",
    "read next",
    "up next",
    "you may also like",
    "you might also like",
    "recommended",
    "recommended for you",
    "trending",
    "trending now",
    "most popular",
    "top stories",
    "latest news",
    "all articles",
};

/* Words in a paragraph that makes a trailing block's starter a heading. */
#define CW_TAIL_LONG_WORDS 30
/* Longest line that a photo credit or footer pattern may drop. */
#define CW_CREDIT_MAX_WORDS 20

/* The line without trailing punctuation that menus and buttons carry. */
static size_t trim_tail(const char *s, size_t len)
{
	while (len) {
		unsigned char c = (unsigned char)s[len - 1];
		if (c == ':' || c == '.' || c == '|' || c == '>' || c == ' ') {
			len--;
		} else if (len >= 2 && (unsigned char)s[len - 2] == 0xc2 && c == 0xbb) {
			len -= 2; /* » */
		} else if (len >= 3 && (unsigned char)s[len - 3] == 0xe2 &&
		           (unsigned char)s[len - 2] == 0x80 && c == 0xba) {
			len -= 3; /* › */
		} else {
			break;
		}
	}
	return len;
}

static int in_list(const char *s, size_t len, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(list[i]);
		if (l == len && !strncasecmp(s, list[i], l))
			return 1;
	}
	return 0;
}

static int has_prefix(const char *s, size_t len, const char *p)
{
	size_t l = strlen(p);
	return len >= l && !strncasecmp(s, p, l);
}

/* Case-insensitive search for an ASCII needle in len bytes. */
static const char *find_ci(const char *s, size_t len, const char *needle)
{
	size_t l = strlen(needle);
	for (size_t i = 0; i + l <= len; i++) {
		if (!strncasecmp(s + i, needle, l))
			return s + i;
	}
	return NULL;
}

int cw_ingest_is_furniture(const char *s, size_t len)
{
	size_t t = trim_tail(s, len);

	if (!t)
		return len > 0; /* a line of nothing but "|", ">" or dots */
	if (in_list(s, t, exact, sizeof(exact) / sizeof(exact[0])))
		return 1;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		if (has_prefix(s, len, prefixes[i]))
			return 1;
	}
	if (cw_ingest_word_count(s, len) <= CW_CREDIT_MAX_WORDS) {
		for (size_t i = 0; i < sizeof(short_contains) / sizeof(short_contains[0]); i++) {
			if (find_ci(s, len, short_contains[i]))
				return 1;
		}
	}
	return 0;
}

int cw_ingest_is_tail_start(const char *s, size_t len)
{
	size_t t = trim_tail(s, len);
	return t && in_list(s, t, tail_starts, sizeof(tail_starts) / sizeof(tail_starts[0]));
}

/* Openings of a parenthesised credit, after the '(' or '['. */
static const char *const credit_openings[] = {
    "image source", "image:",       "image credit",    "image via", "photo:",
    "photo by",     "photo credit", "photo via",       "photos:",   "credit:",
    "getty images", "ap photo",     "source: youtube", "video:",    "pictured:",
};

size_t cw_ingest_strip_inline(char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		char open = s[i], close;
		size_t j, k;
		int credit = 0;

		if (open != '(' && open != '[') {
			i++;
			continue;
		}
		close = open == '(' ? ')' : ']';
		for (k = 0; k < sizeof(credit_openings) / sizeof(credit_openings[0]); k++) {
			if (has_prefix(s + i + 1, len - i - 1, credit_openings[k])) {
				credit = 1;
				break;
			}
		}
		for (j = i + 1; j < len && s[j] != close && s[j] != open; j++)
			;
		if (!credit || j >= len || s[j] != close) {
			i++;
			continue;
		}
		/* Remove "(...)" and one space before it (or after it at line start). */
		size_t from = i, to = j + 1;
		if (from > 0 && s[from - 1] == ' ')
			from--;
		else if (to < len && s[to] == ' ')
			to++;
		memmove(s + from, s + to, len - to);
		len -= to - from;
		i = from;
	}
	return len;
}

void cw_ingest_lines_strip_furniture(struct cw_ingest_lines *ls)
{
	for (size_t i = 0; i < ls->n; i++) {
		struct cw_ingest_span *sp = &ls->v[i];
		const char *s = ls->text + sp->off;

		if (sp->kind != CW_LINE_TEXT)
			continue;
		if (cw_ingest_is_tail_start(s, sp->len)) {
			int long_after = 0;
			for (size_t k = i + 1; k < ls->n && !long_after; k++) {
				const struct cw_ingest_span *q = &ls->v[k];
				long_after = q->kind == CW_LINE_TEXT &&
				             cw_ingest_word_count(ls->text + q->off, q->len) >=
				                 CW_TAIL_LONG_WORDS;
			}
			if (!long_after) {
				for (size_t k = i; k < ls->n; k++)
					ls->v[k].kind = CW_LINE_DROP;
				return;
			}
			sp->kind = CW_LINE_DROP;
			continue;
		}
		if (cw_ingest_is_furniture(s, sp->len)) {
			sp->kind = CW_LINE_DROP;
			continue;
		}
		sp->len = cw_ingest_strip_inline(ls->text + sp->off, sp->len);
		if (!sp->len)
			sp->kind = CW_LINE_DROP;
	}
}
