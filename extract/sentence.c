/*
 * sentence.c — the sentence splitter of the extract stage (see sentence.h).
 *
 * Why hand-written rules rather than a trained model: news copy and debate
 * transcripts break sentences in a handful of well-known ways (titles,
 * initials, "U.S.", quotes closed after the full stop, attributions after a
 * quote), and a rule that is wrong can be read and fixed.  The scanner skips
 * ordinary bytes with one table lookup each and only looks around the few
 * bytes that can end a sentence, so it runs at memory speed.
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "extract/sentence.h"
#include "lib/common.h"

/* Byte classes of the main scan: anything that may end a sentence. */
enum { C_NONE = 0, C_TERM = 1, C_NL = 2, C_E2 = 3 };

static unsigned char scan_class[256];
static pthread_once_t scan_once = PTHREAD_ONCE_INIT;

static void lists_init(void);

static void scan_init(void)
{
	scan_class['.'] = C_TERM;
	scan_class['!'] = C_TERM;
	scan_class['?'] = C_TERM;
	scan_class['\n'] = C_NL;
	scan_class[0xE2] = C_E2; /* first byte of U+2026 "…" */
	lists_init();
}

/* The first byte at or after q that scan_class marks ('.', '!', '?', '\n',
 * or 0xE2, which opens U+2026); len if none.  Prose has about one a
 * sentence, so where SSE2 is to be had 16 bytes are tested at once. */
static inline size_t next_mark(const unsigned char *t, size_t q, size_t len)
{
#if defined(__SSE2__)
	const __m128i dot = _mm_set1_epi8('.'), bang = _mm_set1_epi8('!'), ask = _mm_set1_epi8('?'),
	              nl = _mm_set1_epi8('\n'), e2 = _mm_set1_epi8((char)0xE2);

	for (; q + 16 <= len; q += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(t + q));
		__m128i m = _mm_or_si128(
		    _mm_or_si128(_mm_cmpeq_epi8(v, dot), _mm_cmpeq_epi8(v, bang)),
		    _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, ask), _mm_cmpeq_epi8(v, nl)),
		                 _mm_cmpeq_epi8(v, e2)));
		unsigned bits = (unsigned)_mm_movemask_epi8(m);
		if (bits)
			return q + (size_t)__builtin_ctz(bits);
	}
#endif
	while (q < len && scan_class[t[q]] == C_NONE)
		q++;
	return q;
}

static inline int is_hspace(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static inline int is_upper(unsigned char c)
{
	return c >= 'A' && c <= 'Z';
}

static inline int is_lower(unsigned char c)
{
	return c >= 'a' && c <= 'z';
}

static inline int is_alpha(unsigned char c)
{
	return is_upper(c) || is_lower(c);
}

static inline int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* Length of a whitespace character at t[i] (ASCII space or U+00A0), 0 if none. */
static inline size_t space_len(const unsigned char *t, size_t i, size_t len)
{
	if (is_hspace(t[i]) || t[i] == '\n')
		return 1;
	if (t[i] == 0xC2 && i + 1 < len && t[i + 1] == 0xA0)
		return 2;
	return 0;
}

/* Skips whitespace from i; counts the line feeds passed in *nl. */
static inline size_t skip_space(const unsigned char *t, size_t i, size_t len, int *nl)
{
	size_t k;

	while (i < len && (k = space_len(t, i, len)) > 0) {
		if (nl && t[i] == '\n')
			(*nl)++;
		i += k;
	}
	return i;
}

/* End of the text before i once trailing whitespace is dropped (> start). */
static size_t trim_back(const unsigned char *t, size_t start, size_t i)
{
	while (i > start) {
		unsigned char c = t[i - 1];
		if (is_hspace(c) || c == '\n') {
			i--;
		} else if (c == 0xA0 && i - 1 > start && t[i - 2] == 0xC2) {
			i -= 2;
		} else {
			break;
		}
	}
	return i;
}

/* Length of a closing mark at t[i]: quotes and brackets that stay with the
 * sentence they close ("  '  )  ]  ”  ’  »).  0 if none. */
static size_t closer_len(const unsigned char *t, size_t i, size_t len)
{
	unsigned char c = t[i];

	if (c == '"' || c == '\'' || c == ')' || c == ']')
		return 1;
	if (c == 0xE2 && i + 2 < len && t[i + 1] == 0x80 && (t[i + 2] == 0x9D || t[i + 2] == 0x99))
		return 3;
	if (c == 0xC2 && i + 1 < len && t[i + 1] == 0xBB)
		return 2;
	return 0;
}

static inline int is_quote_closer(const unsigned char *t, size_t i, size_t k)
{
	return t[i] == '"' || t[i] == '\'' || k == 3 || k == 2;
}

/* Length of an opening quote or bracket at t[i] ("  '  (  [  “  ‘  «), 0 if none. */
static size_t opener_len(const unsigned char *t, size_t i, size_t len)
{
	unsigned char c = t[i];

	if (c == '"' || c == '\'' || c == '(' || c == '[')
		return 1;
	if (c == 0xE2 && i + 2 < len && t[i + 1] == 0x80 && (t[i + 2] == 0x9C || t[i + 2] == 0x98))
		return 3;
	if (c == 0xC2 && i + 1 < len && t[i + 1] == 0xAB)
		return 2;
	return 0;
}

/* Abbreviations that (almost) never end a sentence: titles before a name,
 * and Latin connectives.  Compared without their final period. */
static const char *const abbrev_nonfinal[] = {
    "mr",   "mrs",  "ms",    "dr",     "prof", "gov",  "sen",  "rep",    "reps", "sens", "gen",
    "lt",   "col",  "sgt",   "capt",   "cmdr", "adm",  "maj",  "cpl",    "pvt",  "rev",  "fr",
    "st",   "mt",   "ft",    "pres",   "supt", "atty", "hon",  "messrs", "mme",  "vs",   "e.g",
    "i.e",  "cf",   "viz",   "approx", "ca",   "dept", "univ", "assn",   "est",  "fig",  "figs",
    "nos",  "vol",  "vols",  "pp",     "sec",  "secs", "art",  "ch",     "ed",   "eds",  "repr",
    "gens", "govs", "calif", "ariz",   "colo", "conn", "fla",  "md",     "mich", "minn", "nev",
    "okla", "penn", "tenn",  "tex",    "va",   "wis",  "ky",   NULL,
};

/* Abbreviations that may end a sentence: a boundary only when a typical
 * sentence opener follows ("in the U.S. The ..." but "U.S. Army"). */
static const char *const abbrev_maybe[] = {
    "inc",  "corp", "co",   "ltd", "llc",  "jr",  "sr",   "bros", "etc",   "al",  "jan", "feb",
    "mar",  "apr",  "jun",  "jul", "aug",  "sep", "sept", "oct",  "nov",   "dec", "no",  "ave",
    "blvd", "rd",   "mon",  "tue", "tues", "wed", "thu",  "thur", "thurs", "fri", "sat", "sun",
    "am",   "pm",   "ph.d", "esq", "min",  "max", "hr",   "hrs",  NULL,
};

/* Capitalised words that typically open a sentence. */
static const char *const starters[] = {
    "the",     "a",       "an",    "he",    "she",       "it",        "we",        "they",
    "i",       "you",     "but",   "and",   "or",        "in",        "on",        "at",
    "this",    "that",    "these", "those", "there",     "his",       "her",       "their",
    "our",     "my",      "its",   "if",    "when",      "while",     "after",     "before",
    "as",      "so",      "yet",   "still", "then",      "however",   "meanwhile", "now",
    "some",    "many",    "most",  "what",  "who",       "why",       "how",       "where",
    "also",    "for",     "last",  "today", "yesterday", "according", "despite",   "although",
    "since",   "because", "not",   "no",    "one",       "all",       "both",      "each",
    "every",   "under",   "over",  "from",  "to",        "with",      "by",        "during",
    "here",    "several", "few",   "more",  "such",      "asked",     "earlier",   "later",
    "instead", "indeed",  "thus",  "yes",   "well",      NULL,
};

/* Verbs of saying: after a closed quotation they make the following words an
 * attribution of the same sentence ('"It is false." Peskov said.'). */
static const char *const speech_verbs[] = {
    "said",      "says",         "say",       "asked",      "asks",       "added",    "adds",
    "told",      "tells",        "answered",  "replied",    "replies",    "insisted", "insists",
    "claimed",   "claims",       "argued",    "argues",     "stated",     "states",   "noted",
    "notes",     "explained",    "continued", "wrote",      "writes",     "declared", "responded",
    "shouted",   "warned",       "according", "tweeted",    "posted",     "recalled", "admitted",
    "conceded",  "countered",    "quipped",   "concluded",  "remarked",   "observed", "announced",
    "denied",    "acknowledged", "stressed",  "emphasized", "emphasised", "pointed",  "asserted",
    "suggested", "joked",        "cautioned", "confirmed",  "repeated",   "agreed",   "retorted",
    NULL,
};

/* Words that, ending a line, say the sentence goes on on the next line
 * (hard-wrapped text rather than a headline). */
static const char *const line_glue[] = {
    "the", "a",    "an", "of",  "to", "and", "or",  "in",   "on",  "with", "for",   "that", "by",
    "at",  "from", "as", "but", "is", "are", "was", "were", "his", "her",  "their", NULL,
};

/* Articles: a capital letter after one is a word, not an initial. */
static const char *const articles[] = {"a", "an", "the", NULL};

/* The word lists above as bits of one hash set, so that a look-up costs one
 * hash and a probe or two rather than a walk through a list. */
enum {
	W_NONFINAL = 1 << 0,
	W_MAYBE = 1 << 1,
	W_STARTERS = 1 << 2,
	W_SPEECH = 1 << 3,
	W_GLUE = 1 << 4,
	W_ARTICLES = 1 << 5,
};

#define LW_SLOTS  1024 /* power of two, for ~300 words */
#define LW_MAXLEN 16   /* longest listed word + 1 */

static struct {
	unsigned char w[LW_MAXLEN];
	unsigned char n; /* 0: empty slot */
	unsigned char lists;
} lw_table[LW_SLOTS];

/* The lists (W_*) with a word of each first letter and length, and of each
 * last letter and length: most words asked about are in no list, and these
 * answer for them without a hash.  Indexed by the byte itself, so that a
 * look-up needs no case folding: a letter's row holds the words of that
 * letter in either case, and every other byte's row the words that start
 * (end) with any byte but a letter. */
static unsigned char lw_shape[256][LW_MAXLEN], lw_last[256][LW_MAXLEN];

static inline size_t first_letter(unsigned char c)
{
	return is_alpha(c) ? (size_t)((c | 0x20) - 'a') : 26;
}

/* FNV-1a of w[0..n) with ASCII capitals lower-cased into b[]. */
static inline uint32_t lw_hash(const unsigned char *w, size_t n, unsigned char *b)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++) {
		b[i] = is_upper(w[i]) ? (unsigned char)(w[i] - 'A' + 'a') : w[i];
		h = (h ^ b[i]) * 16777619u;
	}
	return (h ^ (h >> 13)) & (LW_SLOTS - 1);
}

static void lw_add(const char *const *list, unsigned bit)
{
	for (; *list; list++) {
		unsigned char b[LW_MAXLEN];
		size_t n = strlen(*list);
		uint32_t s = lw_hash((const unsigned char *)*list, n, b);

		while (lw_table[s].n && !(lw_table[s].n == n && memcmp(lw_table[s].w, b, n) == 0))
			s = (s + 1) & (LW_SLOTS - 1);
		memcpy(lw_table[s].w, b, n);
		lw_table[s].n = (unsigned char)n;
		lw_table[s].lists |= (unsigned char)bit;
		for (int c = 0; c < 256; c++) {
			if (first_letter((unsigned char)c) == first_letter(b[0]))
				lw_shape[c][n] |= (unsigned char)bit;
			if (first_letter((unsigned char)c) == first_letter(b[n - 1]))
				lw_last[c][n] |= (unsigned char)bit;
		}
	}
}

static void lists_init(void)
{
	lw_add(abbrev_nonfinal, W_NONFINAL);
	lw_add(abbrev_maybe, W_MAYBE);
	lw_add(starters, W_STARTERS);
	lw_add(speech_verbs, W_SPEECH);
	lw_add(line_glue, W_GLUE);
	lw_add(articles, W_ARTICLES);
}

/* The lists (W_*) that hold w[0..n), compared case-insensitively (ASCII);
 * 0 if none. */
static unsigned lw_lists(const unsigned char *w, size_t n)
{
	unsigned char b[LW_MAXLEN];
	uint32_t s;

	for (s = lw_hash(w, n, b); lw_table[s].n; s = (s + 1) & (LW_SLOTS - 1))
		if (lw_table[s].n == n && memcmp(lw_table[s].w, b, n) == 0)
			return lw_table[s].lists;
	return 0;
}

/* The lists of mask (W_*) that hold w[0..n), case-insensitively (ASCII); 0
 * if none.  Inline, as the shape tables answer most calls. */
static inline unsigned in_list(unsigned mask, const unsigned char *w, size_t n)
{
	if (n == 0 || n >= LW_MAXLEN)
		return 0;
	mask &= lw_shape[w[0]][n] & lw_last[w[n - 1]][n];
	return mask ? lw_lists(w, n) & mask : 0;
}

/* The word before position i: the run of [A-Za-z0-9.] ending at i (at most
 * 24 bytes).  *dotted tells whether it is a dotted acronym (U.S, a.m, D.C);
 * *initial whether it is one capital letter; *number whether all digits.
 * Returns the word's start. */
static size_t word_before(const unsigned char *t, size_t start, size_t i, size_t *wlen, int *dotted,
                          int *initial, int *number)
{
	size_t b = i, lead = 0; /* lead: dots before the word, not part of it */
	int found = 0, has_dot = 0, short_segs = 0, has_letter = 0;

#if defined(__SSE2__)
	/* This runs at nearly every full stop, and a loop that stops after a
	 * word of any length mispredicts a branch each time: when the 16 bytes
	 * before i are in the text, they are classed at once and the word read
	 * off bit masks (bit k: byte i - 16 + k).  A word of 16 bytes or more
	 * is left to the loop below. */
	if (i >= 16) {
		const __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(t + i - 16));
		const __m128i l =
		    _mm_sub_epi8(_mm_or_si128(v, _mm_set1_epi8(0x20)), _mm_set1_epi8('a'));
		const __m128i d = _mm_sub_epi8(v, _mm_set1_epi8('0'));
		unsigned letters = (unsigned)_mm_movemask_epi8(
		    _mm_cmpeq_epi8(_mm_min_epu8(l, _mm_set1_epi8(25)), l));
		unsigned digits = (unsigned)_mm_movemask_epi8(
		    _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d));
		unsigned dots = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('.')));
		unsigned stop = ~(letters | digits | dots) & 0xFFFFu;

		if (i - 16 < start)
			stop |= (1u << (start - (i - 16))) - 1;
		if (stop) {
			/* The run is the bits above the highest stop; the word,
			 * the run less the dots that open it.  A run of three
			 * bytes between dots is a segment too long for an
			 * acronym. */
			unsigned from = 32 - (unsigned)__builtin_clz(stop), word, nondot;

			lead = (size_t)__builtin_ctz(~(dots >> from));
			b = i - 16 + from;
			word = 0xFFFFu >> (from + lead) << (from + lead);
			nondot = word & ~dots;
			has_dot = (dots & word) != 0;
			short_segs = !(nondot & nondot >> 1 & nondot >> 2);
			has_letter = (letters & word) != 0;
			found = 1;
		}
	}
#endif
	if (!found) {
		size_t seg = 0, maxseg = 0, nseg = 1;
		int digits = 1;

		while (b > start && i - b < 24) {
			unsigned char c = t[b - 1];
			if (!(is_alpha(c) || is_digit(c) || c == '.'))
				break;
			b--;
		}
		while (b + lead < i && t[b + lead] == '.')
			lead++;
		for (size_t k = b + lead; k < i; k++) {
			if (t[k] == '.') {
				maxseg = CW_MAX(maxseg, seg);
				seg = 0;
				nseg++;
			} else {
				seg++;
				if (!is_digit(t[k]))
					digits = 0;
			}
		}
		has_dot = nseg >= 2;
		short_segs = CW_MAX(maxseg, seg) <= 2;
		has_letter = !digits;
	}
	/* A word glued to a non-ASCII letter ("café") is no abbreviation. */
	if (b > start && t[b - 1] >= 0x80 && t[b - 1] != 0x9C && t[b - 1] != 0x98) {
		*wlen = 0;
		*dotted = *initial = *number = 0;
		return i;
	}
	b += lead;
	*wlen = i - b;
	*dotted = has_dot && short_segs && has_letter;
	*initial = *wlen == 1 && is_upper(t[b]);
	*number = *wlen > 0 && !has_letter;
	return b;
}

/* The ASCII letters of the word at i (after any opening quotes), for list
 * look-ups; *w gets its start. */
static size_t word_at(const unsigned char *t, size_t i, size_t len, size_t *w)
{
	size_t k, e;

	while (i < len && (k = opener_len(t, i, len)) > 0)
		i += k;
	for (e = i; e < len && e - i < 24 && is_alpha(t[e]); e++)
		;
	*w = i;
	return e - i;
}

/* Whether the words from i are an attribution of a quotation just closed:
 * a verb of saying first ("said Peskov"), or within the first six words after
 * a name that is not a sentence opener ("Kremlin spokesman Dmitry Peskov
 * said", "Peskov, the spokesman, said"). */
static int attribution_follows(const unsigned char *t, size_t i, size_t len)
{
	for (int nw = 0; nw < 7 && i < len; nw++) {
		size_t w, n = word_at(t, i, len, &w);

		if (n == 0)
			return 0;
		if (in_list(W_SPEECH, t + w, n))
			return 1;
		if (nw == 0 && (!is_upper(t[w]) || in_list(W_STARTERS, t + w, n)))
			return 0;
		i = w + n;
		/* Within a name: initials and titles ("W.", "Sen."), commas. */
		while (i < len && (t[i] == '.' || t[i] == ',' || t[i] == '-'))
			i++;
		if (i >= len || !is_hspace(t[i]))
			return 0;
		i = skip_space(t, i, len, NULL);
	}
	return 0;
}

/* Whether the word before position w is an article: then a capital letter
 * at w is a word ("an A", "the B") rather than an initial. */
static int after_article(const unsigned char *t, size_t start, size_t w)
{
	size_t e, b;

	if (w == start || !is_hspace(t[w - 1]))
		return 0;
	for (e = w - 1; e > start && is_hspace(t[e - 1]); e--)
		;
	for (b = e; b > start && is_alpha(t[b - 1]); b--)
		;
	return b < e && in_list(W_ARTICLES, t + b, e - b);
}

/* Whether a line break at nl (a single one; the next line starts at r) leaves
 * the sentence open: the next line starts in lower case, or the line ends
 * with a comma, a hyphen or a word that cannot end a sentence. */
static int line_continues(const unsigned char *t, size_t start, size_t nl, size_t r, size_t len)
{
	size_t e = trim_back(t, start, nl), w;

	if (r < len && is_lower(t[r]))
		return 1;
	if (e == start)
		return 0;
	if (t[e - 1] == ',' || t[e - 1] == ';' || t[e - 1] == '-' || t[e - 1] == '(')
		return 1;
	for (w = e; w > start && is_alpha(t[w - 1]); w--)
		;
	if (w < e && (w == start || !is_alpha(t[w - 1])) && is_lower(t[w]) &&
	    in_list(W_GLUE, t + w, e - w))
		return 1;
	return 0;
}

void cw_sentence_iter_init(struct cw_sentence_iter *it, const char *text, size_t len)
{
	pthread_once(&scan_once, scan_init);
	it->text = text;
	it->len = len;
	it->pos = 0;
}

/* Kinds of a run of terminal punctuation. */
enum { RUN_PERIOD, RUN_STRONG, RUN_ELLIPSIS };

int cw_sentence_next(struct cw_sentence_iter *it, struct cw_sentence *s)
{
	const unsigned char *t = (const unsigned char *)it->text;
	const size_t len = it->len;
	size_t start, q, end;

	start = skip_space(t, it->pos, len, NULL);
	if (start >= len) {
		it->pos = len;
		return 0;
	}
	q = start;
	for (;;) {
		size_t e, r, k, run_start;
		int nl = 0, kind, closed_quote = 0, boundary;

		q = next_mark(t, q, len);
		if (q >= len) {
			end = trim_back(t, start, len);
			it->pos = len;
			break;
		}
		if (t[q] == '\n') {
			r = skip_space(t, q, len, &nl);
			if (r >= len || nl >= 2 || !line_continues(t, start, q, r, len)) {
				end = trim_back(t, start, q);
				it->pos = r;
				break;
			}
			q = r;
			continue;
		}
		if (t[q] == 0xE2 && !(q + 2 < len && t[q + 1] == 0x80 && t[q + 2] == 0xA6)) {
			q++;
			continue;
		}

		/* A run of terminal punctuation: . ! ? and U+2026, mixed. */
		run_start = q;
		kind = RUN_PERIOD;
		if (t[q] == '.' && q + 1 < len && t[q + 1] == ' ') {
			/* "word. Next", the common case: a lone full stop
			 * before a space leaves the loops below nothing to
			 * find. */
			e = q + 1;
		} else {
			e = q;
			for (;;) {
				if (e < len && (t[e] == '.' || t[e] == '!' || t[e] == '?')) {
					if (t[e] != '.')
						kind = RUN_STRONG;
					e++;
				} else if (e + 2 < len && t[e] == 0xE2 && t[e + 1] == 0x80 &&
				           t[e + 2] == 0xA6) {
					if (kind == RUN_PERIOD)
						kind = RUN_ELLIPSIS;
					e += 3;
				} else {
					break;
				}
			}
			if (kind == RUN_PERIOD && e - run_start >= 2)
				kind = RUN_ELLIPSIS;
			/* Closing quotes and brackets stay with the sentence they end,
			 * and so does punctuation after them ('(... here.).'). */
			for (int guard = 0; guard < 8 && e < len; guard++) {
				if ((k = closer_len(t, e, len)) > 0) {
					if (is_quote_closer(t, e, k))
						closed_quote = 1;
					e += k;
				} else if (t[e] == '.' || t[e] == '!' || t[e] == '?') {
					e++;
				} else {
					break;
				}
			}
			if (e >= len) {
				end = trim_back(t, start, len);
				it->pos = len;
				break;
			}
			if (!space_len(t, e, len)) {
				/* "3.5", "U.S.", "cnn.com", "e.g.,", "?!x": inside a token. */
				q = e;
				continue;
			}
		}
		r = skip_space(t, e, len, &nl);
		if (nl == 0 && r < len && t[r] == '"' &&
		    (r + 1 == len || space_len(t, r + 1, len))) {
			/* 'years. " He': a closing quote cut off by a space
			 * (an opening one would cling to the word after it). */
			closed_quote = 1;
			e = r + 1;
			r = skip_space(t, e, len, &nl);
		}
		if (r >= len || nl >= 2) {
			end = e;
			it->pos = r;
			break;
		}

		if (is_lower(t[r])) {
			/* '"Why?" he asked', 'the U.S. economy', 'etc. and'. */
			boundary = 0;
		} else if (closed_quote && attribution_follows(t, r, len)) {
			boundary = 0;
		} else if (kind == RUN_STRONG) {
			boundary = 1;
		} else if (kind == RUN_ELLIPSIS) {
			boundary = is_upper(t[r]) || opener_len(t, r, len) > 0;
		} else {
			size_t wlen, w, n;
			int dotted, initial, number;
			size_t wb =
			    word_before(t, start, run_start, &wlen, &dotted, &initial, &number);
			/* Both abbreviation lists in one look-up. */
			unsigned lists = in_list(W_NONFINAL | W_MAYBE, t + wb, wlen);

			if (wlen == 0) {
				boundary = 1;
			} else if (lists & W_NONFINAL) {
				boundary = 0;
			} else if (number && wb == start && wlen <= 2) {
				boundary = 0; /* "1. " opening a list item */
			} else if (initial && after_article(t, start, wb)) {
				boundary = 1; /* "policies get an A. Really?" */
			} else if (dotted || initial || (lists & W_MAYBE)) {
				n = word_at(t, r, len, &w);
				boundary = n > 0 && w == r && is_upper(t[w]) &&
				           in_list(W_STARTERS, t + w, n);
			} else {
				boundary = 1;
			}
		}
		if (boundary) {
			end = e;
			it->pos = r;
			break;
		}
		q = r;
	}
	s->start = start;
	s->len = end - start;
	return 1;
}

int cw_sentences_split(const char *text, size_t len, struct cw_sentence *out, size_t max, size_t *n)
{
	struct cw_sentence_iter it;
	struct cw_sentence s;
	size_t count = 0;
	int rc = 0;

	cw_sentence_iter_init(&it, text, len);
	while (cw_sentence_next(&it, &s)) {
		if (count == max) {
			rc = CW_ERR_TOO_BIG;
			break;
		}
		out[count++] = s;
	}
	*n = count;
	return rc;
}
