/*
 * extract.c — one article body in, its claims out (see extract.h).
 *
 * A run makes three passes over the body's sentences: split, read for the
 * score and attribute every sentence (the score's read first: it tells
 * attribution which sentences have none of its words and need no second
 * read); settle speakers (pronouns to the last named speaker, quotations
 * over several sentences to the attribution found in any of them), which
 * needs sentences after the current one; then score, filter, normalise and
 * fingerprint.  Claims are collected before any is reported,
 * so that each carries the article's claim count.  All scratch memory
 * belongs to the extractor and is reused from run to run: no allocation per
 * sentence once it has grown to the largest article seen.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "extract/attribution.h"
#include "extract/checkworthiness.h"
#include "extract/config.h"
#include "extract/extract.h"
#include "extract/fingerprint.h"
#include "extract/normalize.h"
#include "extract/sentence.h"
#include "lib/common.h"

/* Per sentence: where it is, what attribution says, who speaks. */
struct sent_info {
	struct cw_sentence s;
	struct cw_attribution at;
	size_t spk_off, spk_len; /* in the body; spk_len 0: none */
	int spk_default;         /* speaker is the caller's default, not in the body */
	int quote_open_at_end;   /* a quotation runs on into the next sentence */
	int new_paragraph;       /* a line break separates it from the one before */
	int labelled;            /* its paragraph opens with a speaker label */
	int fate;                /* SCORED, or why it is not a claim (sift()) */
	int scanned;             /* read by the scorer: own holds its share */
	struct cw_cw_own own;
	float score; /* check-worthiness, when SCORED */
};

/* What becomes of a sentence before it is scored. */
enum { SCORED, SKIP_FURNITURE, SKIP_QUESTION, SKIP_SHORT };

/* A claim found, with its normalised text kept in the arena by offset
 * (pointers are fixed up once the arena stops growing). */
struct found {
	struct cw_extracted_claim c;
	size_t norm_off;
	size_t mh_off;
};

struct cw_extractor {
	struct cw_cw_model *model; /* NULL: scoring off */
	struct cw_norm *nz;
	double threshold, min_score;
	double min_logit; /* a logit below it scores below min_score (cw_cw_logit_below()) */
	size_t min_tokens, max_claim_bytes, minhash_size, max_sentences, max_article_bytes;

	struct sent_info *si;
	size_t si_cap;
	struct found *found;
	size_t found_cap;
	char *arena; /* normalised texts, NUL-terminated, back to back */
	size_t arena_len, arena_cap;
	uint32_t *mh; /* minhash signatures, minhash_size each */
	size_t mh_cap;
	/* Per sentence, the context it gives its neighbours' scores, worked
	 * out once (ctx_ready) and shared by the sentence before and the one
	 * after. */
	struct cw_cw_ctx *ctx;
	unsigned char *ctx_ready;
	size_t ctx_cap, ready_cap;
	/* The k-th sentence scanned is in scan[k & 1].  The share of its
	 * score of the last one (sentence held_at, when held) is summed only
	 * once the next one is scanned: by then the weights its scan asked
	 * for have come in from memory. */
	struct cw_cw_scan scan[2];
	size_t nscanned, held_at;
	int held;

	struct cw_extract_stats stats;
};

struct cw_extractor *cw_extractor_new(const struct cw_config *cfg, char *errstr, size_t errsize)
{
	struct cw_extractor *ex = cw_xcalloc(1, sizeof(*ex));
	const char *weights = cw_config_str(cfg, "extract.weights");
	const char *language = cw_config_str(cfg, "extract.language");
	size_t bands, rows;

	ex->min_score = cw_config_double(cfg, "extract.min_score");
	ex->min_logit = cw_cw_logit_below(ex->min_score);
	ex->min_tokens = (size_t)cw_config_int(cfg, "extract.min_tokens");
	ex->max_claim_bytes = (size_t)cw_config_int(cfg, "extract.max_claim_bytes");
	ex->minhash_size = (size_t)cw_config_int(cfg, "extract.minhash_size");
	ex->max_sentences = (size_t)cw_config_int(cfg, "extract.max_sentences");
	ex->max_article_bytes = (size_t)cw_config_int(cfg, "extract.max_article_bytes");
	if (cw_extract_lsh_config(cfg, &bands, &rows, errstr, errsize))
		goto fail;
	if (weights && *weights) {
		ex->model = cw_cw_model_load(weights, errstr, errsize);
		if (!ex->model)
			goto fail;
	}
	if (cw_config_is_set(cfg, "extract.threshold"))
		ex->threshold = cw_config_double(cfg, "extract.threshold");
	else
		ex->threshold = ex->model ? cw_cw_model_threshold(ex->model) : 0.5;
	ex->nz = cw_norm_new(language ? language : "english", errstr, errsize);
	if (!ex->nz)
		goto fail;
	return ex;
fail:
	cw_extractor_free(ex);
	return NULL;
}

void cw_extractor_free(struct cw_extractor *ex)
{
	if (!ex)
		return;
	cw_cw_model_free(ex->model);
	cw_norm_free(ex->nz);
	free(ex->si);
	free(ex->found);
	free(ex->arena);
	free(ex->mh);
	free(ex->ctx);
	free(ex->ctx_ready);
	free(ex);
}

void cw_extractor_stats(const struct cw_extractor *ex, struct cw_extract_stats *out)
{
	*out = ex->stats;
}

/* ---- page furniture ---- */

static int lower_ascii(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int starts_with_ci(const char *s, size_t len, const char *prefix)
{
	size_t i;

	for (i = 0; prefix[i]; i++)
		if (i >= len || lower_ascii((unsigned char)s[i]) != (unsigned char)prefix[i])
			return 0;
	return 1;
}

/* Lines that are part of the page, not of the story. */
static const char *const furniture_prefixes[] = {
    "watch live",
    "watch:",
    "watch now",
    "most recent",
    "all articles",
    "read more",
    "read next",
    "related:",
    "related articles",
    "related stories",
    "related coverage",
    "advertisement",
    "subscribe",
    "sign up",
    "click here",
    "share this",
    "follow us",
    "image source",
    "photo:",
    "photo by",
    "photo credit",
    "image:",
    "image credit",
    "credit:",
    "getty images",
    "copyright",
    "\xc2\xa9",
    "all rights reserved",
    "listen to",
    "play video",
    "skip to",
    "trending",
    "recommended",
    "sponsored",
    "you may also like",
    "more from",
    "more stories",
    "newsletter",
    "log in",
    "sign in",
    "download the app",
    "this story has been updated",
    "view comments",
    "comments",
    "(ap photo",
    "(reuters",
    NULL,
};

/* Per lower-cased byte, the furniture_prefixes[] that have it first, and
 * those that have it second, as bits (index i: 1 << i): a sentence is
 * compared only with the prefixes that open with its own first two bytes,
 * which for prose is nearly always none. */
static uint64_t furniture_by_first[256], furniture_by_second[256];
static pthread_once_t furniture_once = PTHREAD_ONCE_INIT;

static void furniture_init(void)
{
	for (size_t i = 0; furniture_prefixes[i]; i++) {
		const unsigned char *p = (const unsigned char *)furniture_prefixes[i];
		furniture_by_first[p[0]] |= UINT64_C(1) << i;
		furniture_by_second[p[1]] |= UINT64_C(1) << i; /* '\0' for one byte */
	}
}

_Static_assert(sizeof(furniture_prefixes) / sizeof(furniture_prefixes[0]) <= 65,
               "furniture_by_first holds at most 64 prefixes");

/* Lines after which the rest of the page is other stories ("Most recent"
 * followed by headlines of other articles). */
static const char *const tail_markers[] = {
    "most recent",
    "all articles",
    "related",
    "related articles",
    "related stories",
    "read more",
    "read next",
    "more from",
    "more stories",
    "trending",
    "recommended",
    "you may also like",
    "popular",
    "most popular",
    "latest news",
    "up next",
    NULL,
};

/* 8 bytes at p (n of them, 0 < n <= 8, the rest 0) as a little-endian
 * number, whatever the machine's order. */
static uint64_t load_le(const unsigned char *p, size_t n)
{
	uint64_t v = 0;

	if (n == 8) {
		memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		v = __builtin_bswap64(v);
#endif
		return v;
	}
	for (size_t k = 0; k < n; k++)
		v |= (uint64_t)p[k] << (8 * k);
	return v;
}

/* Whether s[0..len) has more than four words (runs of bytes above ' '),
 * counted 8 bytes at a time: the answer for nearly every sentence of prose,
 * found without a branch on each byte. */
static int more_than_four_words(const unsigned char *s, size_t len)
{
	const uint64_t b01 = 0x0101010101010101ull, b7f = 0x7f * b01, b80 = 0x80 * b01;
	uint64_t prev = 0; /* the last 8 bytes' word bytes */
	size_t words = 0;

	for (size_t i = 0; i < len; i += 8) {
		uint64_t v = load_le(s + i, len - i < 8 ? len - i : 8);
		uint64_t w = (((v & b7f) + 0x5f * b01) | v) & b80; /* bytes above ' ' */
		uint64_t starts = w & ~((w << 8) | (prev >> 56));
		words += (size_t)(((starts >> 7) * b01) >> 56); /* the bytes' sum */
		if (words > 4)
			return 1;
		prev = w;
	}
	return 0;
}

int cw_extract_is_furniture(const char *s, size_t len)
{
	size_t words = 0, lower = 0, i;
	int in_word = 0;
	unsigned char last;
	uint64_t m;

	if (len == 0)
		return 1;
	pthread_once(&furniture_once, furniture_init);
	/* Only the prefixes that open with the sentence's first two bytes. */
	m = furniture_by_first[lower_ascii((unsigned char)s[0])] &
	    furniture_by_second[len > 1 ? lower_ascii((unsigned char)s[1]) : 0];
	for (; m; m &= m - 1)
		if (starts_with_ci(s, len, furniture_prefixes[__builtin_ctzll(m)]))
			return 1;
	/* Entirely in brackets: "(Image source: YouTube)", "[Applause]". */
	if ((s[0] == '(' || s[0] == '[') && (s[len - 1] == ')' || s[len - 1] == ']' ||
	                                     (len > 1 && (s[len - 2] == ')' || s[len - 2] == ']'))))
		return 1;
	if (more_than_four_words((const unsigned char *)s, len))
		return 0; /* too long for either test below */
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		int w = c > ' ';
		words += w && !in_word;
		in_word = w;
		if (c >= 'a' && c <= 'z')
			lower++;
	}
	last = (unsigned char)s[len - 1];
	/* "WATCH LIVE", "BREAKING NEWS": shouting labels. */
	if (lower == 0 && words <= 4)
		return 1;
	/* A short line without final punctuation: "Blaze Media", "Please verify". */
	if (words <= 3 && last != '.' && last != '!' && last != '"')
		return 1;
	return 0;
}

static int is_tail_marker(const char *s, size_t len)
{
	while (len && (s[len - 1] == ':' || s[len - 1] == '.'))
		len--;
	for (const char *const *p = tail_markers; *p; p++)
		if (strlen(*p) == len && starts_with_ci(s, len, *p))
			return 1;
	return 0;
}

/* Whether a sentence asks rather than states: its last mark before closing
 * quotes and brackets is '?'. */
static int is_question(const char *s, size_t len)
{
	while (len) {
		unsigned char c = (unsigned char)s[len - 1];
		if (c == '"' || c == '\'' || c == ')' || c == ']' || c == ' ') {
			len--;
		} else if (len >= 3 && (unsigned char)s[len - 3] == 0xE2 &&
		           (unsigned char)s[len - 2] == 0x80 &&
		           (c == 0x9D || c == 0x99)) { /* ” ’ */
			len -= 3;
		} else {
			return c == '?';
		}
	}
	return 0;
}

/* ---- quotations over several sentences ---- */

/* Whether a quotation is open after the '"' or the 0xE2 at s[i], given
 * whether one was before it.  Curly quotes say which way they go; a
 * straight one glued to a word on its left only closes, on its right only
 * opens. */
static int quote_open_at(const unsigned char *s, size_t len, size_t i, int open)
{
	if (s[i] == '"') {
		int left = i > 0 && s[i - 1] != ' ' && s[i - 1] != '\n';
		int right = i + 1 < len && s[i + 1] != ' ' && s[i + 1] != '\n';
		if (left && !right)
			return 0;
		if (right && !left)
			return 1;
		return !open;
	}
	if (i + 2 < len && s[i + 1] == 0x80) {
		if (s[i + 2] == 0x9C)
			return 1;
		if (s[i + 2] == 0x9D)
			return 0;
	}
	return open;
}

/* Whether a quotation is open at the end of s[0..len), given whether one was
 * open at its start.  Only '"' and the lead byte of a curly quote matter:
 * where SSE2 is to be had, 16 bytes are searched for both at once. */
static int quote_open_after(const unsigned char *s, size_t len, int open)
{
	size_t i = 0;

#if defined(__SSE2__)
	const __m128i dq = _mm_set1_epi8('"'), e2 = _mm_set1_epi8((char)0xE2);

	for (; i + 16 <= len; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		unsigned m = (unsigned)_mm_movemask_epi8(
		    _mm_or_si128(_mm_cmpeq_epi8(v, dq), _mm_cmpeq_epi8(v, e2)));
		for (; m; m &= m - 1)
			open = quote_open_at(s, len, i + (size_t)__builtin_ctz(m), open);
	}
	if (i < len && len >= 16) {
		/* The last bytes: the 16 that end the sentence, those before
		 * i shifted out. */
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + len - 16));
		unsigned m = (unsigned)_mm_movemask_epi8(
		                 _mm_or_si128(_mm_cmpeq_epi8(v, dq), _mm_cmpeq_epi8(v, e2))) >>
		             (16 - (len - i));
		for (; m; m &= m - 1)
			open = quote_open_at(s, len, i + (size_t)__builtin_ctz(m), open);
		i = len;
	}
#endif
	for (; i < len; i++)
		if (s[i] == '"' || s[i] == 0xE2)
			open = quote_open_at(s, len, i, open);
	return open;
}

/* ---- transcript speaker labels ---- */

/* Labels that open a paragraph like a speaker's name but name none. */
static const char *const non_speaker_labels[] = {
    "note",
    "update",
    "updated",
    "editor's note",
    "editor\xe2\x80\x99s note",
    "editors note",
    "correction",
    "clarification",
    "related",
    "watch",
    "photo",
    "photos",
    "video",
    "image",
    "source",
    "sources",
    "credit",
    "read more",
    "breaking",
    "breaking news",
    "exclusive",
    "analysis",
    "opinion",
    "live",
    "disclosure",
    "warning",
    "background",
    "summary",
    "transcript",
    "advertisement",
    "q",
    "a",
    "listen",
    "more",
    "see also",
    "also",
    "previously",
    "context",
    "fact check",
    "caption",
    NULL,
};

/* Titles in front of a labelled name, left out of the speaker ("Senator
 * Claire McCaskill:" speaks as "Claire McCaskill"). */
static const char *const label_titles[] = {
    "mr.",     "mrs.",      "ms.",         "dr.",           "sen.",  "senator", "rep.",
    "gov.",    "governor",  "president",   "secretary",     "judge", "rev.",    "gen.",
    "general", "moderator", "congressman", "congresswoman", "mayor", "speaker", NULL,
};

static int word_is_ci(const char *s, size_t len, const char *w)
{
	return strlen(w) == len && starts_with_ci(s, len, w);
}

static int is_ascii_upper(unsigned char c)
{
	return c >= 'A' && c <= 'Z';
}

/* Whether s[0..len) ends a sentence: . ! ? or … before closing quotes and
 * brackets. */
static int ends_sentence(const unsigned char *s, size_t len)
{
	while (len &&
	       (s[len - 1] == '"' || s[len - 1] == ')' || s[len - 1] == ' ' || s[len - 1] == '\'' ||
	        (len >= 3 && s[len - 3] == 0xE2 && s[len - 2] == 0x80 &&
	         (s[len - 1] == 0x9D || s[len - 1] == 0x99))))
		len -= s[len - 1] >= 0x80 ? 3 : 1;
	return len &&
	       (s[len - 1] == '.' || s[len - 1] == '!' || s[len - 1] == '?' ||
	        (len >= 3 && s[len - 3] == 0xE2 && s[len - 2] == 0x80 && s[len - 1] == 0xA6));
}

/* The first ':' or line break in t[0..n), n if none.  Every paragraph's
 * first sentence is looked at for a speaker label, and nearly none has one:
 * where SSE2 is to be had, 16 bytes are searched at a time. */
static size_t colon_or_newline(const unsigned char *t, size_t n)
{
	size_t i = 0;

#if defined(__SSE2__)
	const __m128i colon = _mm_set1_epi8(':'), nl = _mm_set1_epi8('\n');

	for (; i + 16 <= n; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(t + i));
		unsigned m = (unsigned)_mm_movemask_epi8(
		    _mm_or_si128(_mm_cmpeq_epi8(v, colon), _mm_cmpeq_epi8(v, nl)));
		if (m)
			return i + (size_t)__builtin_ctz(m);
	}
#endif
	while (i < n && t[i] != ':' && t[i] != '\n')
		i++;
	return i;
}

/* A transcript's speaker label opening sentence s[0..len) ("Donald Trump:
 * We've made ...", "BILL O'REILLY: ..."): 1-4 capitalised words, a title in
 * front allowed, then ": " and a whole sentence.  Returns the bytes the
 * label takes, ": " included, and the name in it (title left out) as
 * *name_off, *name_len; 0 when s opens with no label.  A headline
 * ("Kremlin: Russian ambassador met ...", no final stop) or a page label
 * ("Note:", "Update:") is none. */
static size_t speaker_label(const char *s, size_t len, size_t *name_off, size_t *name_len)
{
	const unsigned char *t = (const unsigned char *)s;
	size_t i = 0, colon, words = 0, w0 = 0, name = 0;
	int titled = 0;

	colon = colon_or_newline(t, len < 48 ? len : 48);
	if (colon == 0 || colon >= len || colon >= 48 || t[colon] != ':' || colon + 2 >= len ||
	    t[colon + 1] != ' ')
		return 0;
	/* The words of the label: capitalised, or a name particle ("bin"). */
	while (i < colon) {
		size_t e = i;
		while (e < colon && t[e] != ' ')
			e++;
		if (e == i)
			return 0; /* two spaces */
		if (words == 0)
			w0 = e;
		if (!is_ascii_upper(t[i]) && !(t[i] >= 0x80 && words > 0) &&
		    !(words > 0 && e - i <= 3 && t[i] >= 'a' && t[i] <= 'z'))
			return 0;
		for (size_t k = i; k < e; k++)
			if (!(t[k] >= 0x80 || (t[k] >= 'a' && t[k] <= 'z') ||
			      is_ascii_upper(t[k]) || t[k] == '.' || t[k] == '\'' || t[k] == '-'))
				return 0;
		words++;
		i = e < colon ? e + 1 : e;
	}
	for (const char *const *p = label_titles; *p; p++)
		if (words > 1 && word_is_ci(s, w0, *p))
			titled = 1;
	if (words - (size_t)titled > 4 || words == 0)
		return 0;
	for (const char *const *p = non_speaker_labels; *p; p++)
		if (word_is_ci(s, colon, *p))
			return 0;
	/* What follows is a sentence: it opens like one and is finished. */
	i = colon + 2;
	if (!(is_ascii_upper(t[i]) || (t[i] >= '0' && t[i] <= '9') || t[i] == '"' ||
	      t[i] >= 0x80) ||
	    !ends_sentence(t + i, len - i))
		return 0;
	name = titled ? w0 + 1 : 0;
	*name_off = name;
	*name_len = colon - name;
	return colon + 2;
}

static void grow(void **p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return;
	size_t c = *cap ? *cap : 64;
	while (c < need)
		c *= 2;
	*p = cw_xrealloc(*p, c * size);
	*cap = c;
}

/* Whether s[0..n) holds a line break: the space between two sentences,
 * mostly one byte, where a call to memchr() costs more than the loop. */
static int has_newline(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == '\n')
			return 1;
	return 0;
}

/* Sums the share of its score of the sentence scanned last (see struct
 * cw_extractor). */
static void sum_held(struct cw_extractor *ex)
{
	if (ex->held)
		cw_cw_own_of(ex->model, &ex->scan[(ex->nscanned - 1) & 1],
		             &ex->si[ex->held_at].own);
	ex->held = 0;
}

/* Reads sentence i (body[s.start..+s.len)) for its score, unless it will
 * not be scored whatever its attribution: page furniture (and, after a
 * "Most recent" marker, other stories' headlines; *tail and *prose carry
 * that over sentences), sentences too long.  Sets si->fate to
 * SKIP_FURNITURE or, for now, SCORED (sift() decides the rest).  Returns
 * its scan's cw_cw_scan.plain, 0 when it is not scanned. */
static int scan_sentence(struct cw_extractor *ex, const char *body, size_t i, int *tail, int *prose)
{
	struct sent_info *si = &ex->si[i];
	const char *sent = body + si->s.start;
	struct cw_cw_scan *sc = &ex->scan[ex->nscanned & 1];

	si->fate = SCORED;
	si->scanned = 0;
	ex->ctx_ready[i] = 0;
	if (*tail || cw_extract_is_furniture(sent, si->s.len)) {
		if (*prose && si->new_paragraph && is_tail_marker(sent, si->s.len))
			*tail = 1;
		si->fate = SKIP_FURNITURE;
		ex->stats.skipped_furniture++;
		return 0;
	}
	*prose = 1;
	/* A question is not scored, but it lends its neighbours context,
	 * and its scan may spare attribution a read. */
	if (!ex->model || si->s.len > ex->max_claim_bytes)
		return 0;
	/* The speaker is not known yet: cw_cw_logit_own() adds it. */
	cw_cw_scan(ex->model, sent, si->s.len, NULL, 0, sc, &ex->ctx[i]);
	sum_held(ex);
	ex->held = !is_question(sent, si->s.len); /* else sift() skips it */
	ex->held_at = i;
	ex->nscanned++;
	ex->ctx_ready[i] = 1;
	si->scanned = 1;
	return sc->plain;
}

/* Splits the body, reads for its score every sentence that may be scored
 * (scan_sentence()) and attributes every sentence; returns the count.  The
 * score's read comes first: when it shows that a sentence has none of the
 * words attribution looks for, as most have, attribution need not read
 * it again. */
static size_t split_and_attribute(struct cw_extractor *ex, const char *body, size_t len)
{
	struct cw_sentence_iter it;
	struct cw_sentence s;
	size_t n = 0, prev_end = 0, label_off = 0, label_len = 0;
	int open = 0, tail = 0, prose = 0, plain;

	ex->nscanned = 0;
	ex->held = 0;
	cw_sentence_iter_init(&it, body, len);
	while (cw_sentence_next(&it, &s)) {
		struct sent_info *si;
		if (n == ex->max_sentences) {
			ex->stats.truncated = 1;
			break;
		}
		grow((void **)&ex->si, &ex->si_cap, n + 1, sizeof(*ex->si));
		grow((void **)&ex->ctx, &ex->ctx_cap, n + 1, sizeof(*ex->ctx));
		grow((void **)&ex->ctx_ready, &ex->ready_cap, n + 1, 1);
		si = &ex->si[n];
		si->spk_len = 0;
		si->spk_off = 0;
		si->spk_default = 0;
		si->new_paragraph = n == 0 || has_newline(body + prev_end, s.start - prev_end);
		if (si->new_paragraph) {
			/* A speaker label speaks for its whole paragraph and
			 * is no part of the first sentence. */
			size_t off = 0, nlen = 0,
			       skip = speaker_label(body + s.start, s.len, &off, &nlen);
			label_len = skip ? nlen : 0;
			label_off = s.start + off;
			s.start += skip;
			s.len -= skip;
		}
		si->s = s;
		si->labelled = label_len > 0;
		plain = scan_sentence(ex, body, n, &tail, &prose);
		if (plain && cw_attribution_plain(body + s.start, s.len, &si->at))
			; /* the article's own voice, as most sentences are */
		else if (si->labelled)
			cw_attribution_none(body + s.start, s.len, &si->at);
		else if (si->scanned && !plain)
			cw_attribution_read(body + s.start, s.len, &si->at);
		else
			cw_attribution_find(body + s.start, s.len, &si->at);
		if (si->new_paragraph)
			open = 0; /* a quotation does not run over a paragraph break */
		open = quote_open_after((const unsigned char *)body + s.start, s.len, open);
		si->quote_open_at_end = open;
		if (si->labelled) {
			si->spk_off = label_off;
			si->spk_len = label_len;
		} else if (si->at.speaker_len) {
			si->spk_off = s.start + si->at.speaker_off;
			si->spk_len = si->at.speaker_len;
		}
		prev_end = s.start + s.len;
		n++;
	}
	sum_held(ex);
	return n;
}

/* A quotation over sentences i..j shares the speaker named in it. */
static void share_quotations(struct cw_extractor *ex, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i = j + 1) {
		size_t off = 0, slen = 0;
		for (j = i;
		     j + 1 < n && ex->si[j].quote_open_at_end && !ex->si[j + 1].new_paragraph; j++)
			;
		if (j == i)
			continue;
		for (size_t k = i; k <= j && !slen; k++) {
			if (ex->si[k].spk_len) {
				off = ex->si[k].spk_off;
				slen = ex->si[k].spk_len;
			}
		}
		for (size_t k = i; k <= j && slen; k++) {
			if (!ex->si[k].spk_len) {
				ex->si[k].spk_off = off;
				ex->si[k].spk_len = slen;
			}
		}
	}
}

/* Whether a sentence opens with a quotation mark (straight or curly). */
static int starts_with_quote(const char *s, size_t len)
{
	return (len > 0 && s[0] == '"') ||
	       (len > 2 && (unsigned char)s[0] == 0xE2 && (unsigned char)s[1] == 0x80 &&
	        (unsigned char)s[2] == 0x9C);
}

/* Whether speaker sp[0..len) of a sentence is "the speaker" or "the
 * surrogate" naming the last speaker, who ends in last[0..last_len) ("a
 * campaign surrogate"): a definite description of one lower-case word,
 * either "speaker" or the last word of the last speaker. */
static int refers_back(const char *body, size_t off, size_t len, const char *last, size_t last_len)
{
	const char *sp = body + off;
	size_t k;

	if (len == 0 || last_len == 0 || off < 4 || !starts_with_ci(body + off - 4, 4, "the ") ||
	    !(sp[0] >= 'a' && sp[0] <= 'z') || memchr(sp, ' ', len))
		return 0;
	if (len == 7 && memcmp(sp, "speaker", 7) == 0)
		return 1;
	for (k = last_len; k > 0 && last[k - 1] != ' '; k--)
		;
	return last_len - k == len && strncasecmp(last + k, sp, len) == 0;
}

/* Settles every sentence's speaker (see extract.h). */
static void settle_speakers(struct cw_extractor *ex, const char *body, size_t n, const char *dflt,
                            size_t dflt_len)
{
	size_t i, last_off = 0, last_len = 0;

	/* Pronouns: the most recent named speaker before them. */
	for (i = 0; i < n; i++) {
		struct sent_info *si = &ex->si[i];
		if (si->at.pronoun) {
			si->spk_off = last_off;
			si->spk_len = last_len;
		} else if (si->spk_len && !si->labelled &&
		           refers_back(body, si->spk_off, si->spk_len, body + last_off, last_len)) {
			si->spk_off = last_off;
			si->spk_len = last_len;
		} else if (si->spk_len) {
			last_off = si->spk_off;
			last_len = si->spk_len;
		}
	}
	share_quotations(ex, n);
	/* A paragraph that goes on with a new quotation after an attributed
	 * one ('"...," Peskov said. "This is ...') goes on in the same voice. */
	for (i = 1; i < n; i++) {
		struct sent_info *si = &ex->si[i];
		if (!si->spk_len && !si->new_paragraph && ex->si[i - 1].spk_len &&
		    starts_with_quote(body + si->s.start, si->s.len)) {
			si->spk_off = ex->si[i - 1].spk_off;
			si->spk_len = ex->si[i - 1].spk_len;
		}
	}
	share_quotations(ex, n);
	if (dflt && dflt_len) {
		for (i = 0; i < n; i++) {
			if (!ex->si[i].spk_len) {
				ex->si[i].spk_default = 1;
				ex->si[i].spk_len = dflt_len;
			}
		}
	}
}

/* The context sentence i gives its neighbours' scores (see struct cw_extractor). */
static const struct cw_cw_ctx *context_of(struct cw_extractor *ex, const char *body, size_t i)
{
	if (!ex->ctx_ready[i]) {
		cw_cw_context(ex->model, body + ex->si[i].s.start, ex->si[i].s.len, &ex->ctx[i]);
		ex->ctx_ready[i] = 1;
	}
	return &ex->ctx[i];
}

/* Decides which of the sentences scan_sentence() left for scoring are
 * scored: not questions, not too long, with something left to claim once
 * the attribution is taken off. */
static void sift(struct cw_extractor *ex, const char *body, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct sent_info *si = &ex->si[i];
		const char *sent = body + si->s.start;

		if (si->fate == SKIP_FURNITURE)
			continue;
		if (is_question(sent, si->s.len) ||
		    is_question(sent, si->at.claim_off + si->at.claim_len + 1 <= si->s.len
		                          ? si->at.claim_off + si->at.claim_len + 1
		                          : si->s.len)) {
			si->fate = SKIP_QUESTION;
			ex->stats.skipped_questions++;
			continue;
		}
		if (si->s.len > ex->max_claim_bytes || si->at.claim_len == 0) {
			si->fate = SKIP_SHORT;
			ex->stats.skipped_short++;
			continue;
		}
		si->fate = SCORED;
	}
}

/* Check-worthiness of every sentence sift() kept (each scanned by
 * scan_sentence()), with the sentences around it for context.
 * The model learnt from debate transcripts, where each line is scored as
 * spoken, attribution included ("She said that ..." is often what gets
 * checked), with the transcript's speaker: so the whole sentence is scored,
 * and a speaker is passed only when it is the caller's default (a
 * transcript's speaker column), not a name found in the article, which
 * reports that person's words rather than speaking them. */
static void score_sentences(struct cw_extractor *ex, const char *body, size_t n, const char *dflt,
                            size_t dflt_len)
{
	uint32_t spk = cw_cw_speaker(ex->model, dflt, dflt_len);

	for (size_t i = 0; i < n; i++) {
		struct sent_info *si = &ex->si[i];
		if (si->fate != SCORED)
			continue;
		double z =
		    cw_cw_logit_own(ex->model, &si->own, si->spk_default ? spk : CW_CW_NO_SPEAKER,
		                    i > 0 ? context_of(ex, body, i - 1) : NULL,
		                    i + 1 < n ? context_of(ex, body, i + 1) : NULL);
		/* Most sentences are no claim: they need no exponential to
		 * tell. */
		si->score = z < ex->min_logit ? 0.0f : cw_cw_score_of_logit(z);
	}
}

int cw_extractor_run_speaker(struct cw_extractor *ex, const char *body, size_t len,
                             const char *speaker, size_t speaker_len,
                             int (*on_claim)(const struct cw_extracted_claim *c, void *opaque),
                             void *opaque)
{
	size_t n, i, nfound = 0;
	int rc = 0;

	memset(&ex->stats, 0, sizeof(ex->stats));
	if (len > ex->max_article_bytes) {
		rc = CW_ERR_TOO_BIG;
		goto out;
	}
	n = split_and_attribute(ex, body, len);
	settle_speakers(ex, body, n, speaker, speaker_len);
	ex->stats.sentences = n;
	ex->arena_len = 0;
	sift(ex, body, n);
	if (ex->model && n)
		score_sentences(ex, body, n, speaker, speaker_len);

	for (i = 0; i < n; i++) {
		struct sent_info *si = &ex->si[i];
		const char *sent = body + si->s.start;
		const char *spk = si->spk_default ? speaker : body + si->spk_off;
		struct cw_tokens tk;
		struct found *f;
		float score;

		if (si->fate != SCORED)
			continue;
		score = ex->model ? si->score : 1.0f;
		if (score < ex->min_score) {
			ex->stats.skipped_score++;
			continue;
		}
		cw_norm_text(ex->nz, sent + si->at.claim_off, si->at.claim_len, 0, &tk);
		if (tk.n < ex->min_tokens) {
			ex->stats.skipped_short++;
			continue;
		}

		grow((void **)&ex->found, &ex->found_cap, nfound + 1, sizeof(*ex->found));
		grow((void **)&ex->arena, &ex->arena_cap, ex->arena_len + tk.len + 1, 1);
		grow((void **)&ex->mh, &ex->mh_cap, (nfound + 1) * ex->minhash_size,
		     sizeof(*ex->mh));
		f = &ex->found[nfound];
		memset(f, 0, sizeof(*f));
		f->norm_off = ex->arena_len;
		memcpy(ex->arena + ex->arena_len, tk.text, tk.len);
		ex->arena[ex->arena_len + tk.len] = '\0';
		ex->arena_len += tk.len + 1;
		f->mh_off = nfound * ex->minhash_size;
		f->c.simhash = cw_fp_minhash_simhash(&tk, ex->mh + f->mh_off, ex->minhash_size);

		f->c.sentence_index = (uint32_t)i;
		f->c.start_byte = (uint32_t)si->s.start;
		f->c.end_byte = (uint32_t)(si->s.start + si->s.len);
		f->c.sentence = sent;
		f->c.sentence_len = si->s.len;
		f->c.text = sent + si->at.claim_off;
		f->c.text_len = si->at.claim_len;
		f->c.speaker = si->spk_len ? spk : NULL;
		f->c.speaker_len = si->spk_len;
		f->c.normalized_len = tk.len;
		f->c.normalized_tokens = tk.n;
		f->c.fingerprint = cw_fp_exact(&tk);
		f->c.minhash_len = ex->minhash_size;
		f->c.checkworthiness = score;
		f->c.check_worthy = score >= ex->threshold;
		ex->stats.check_worthy += (size_t)f->c.check_worthy;
		nfound++;
	}
	ex->stats.claims = nfound;

	for (i = 0; i < nfound; i++) {
		struct found *f = &ex->found[i];
		f->c.claim_index = (uint32_t)i;
		f->c.claim_count = (uint32_t)nfound;
		f->c.normalized = ex->arena + f->norm_off;
		f->c.minhash = ex->mh + f->mh_off;
		rc = on_claim(&f->c, opaque);
		if (rc != 0)
			goto out;
	}
out:
	return rc;
}

int cw_extractor_run(struct cw_extractor *ex, const char *body, size_t len,
                     int (*on_claim)(const struct cw_extracted_claim *c, void *opaque),
                     void *opaque)
{
	return cw_extractor_run_speaker(ex, body, len, NULL, 0, on_claim, opaque);
}
