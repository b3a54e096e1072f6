/*
 * normalize.c — claimwire's text normalisation (see normalize.h for the
 * contract).  It runs on every sentence of every article and on every
 * fact-check, so it is built for speed:
 *
 *  - Pure ASCII text (most English news) never reaches utf8proc: one word-at-a
 *    -time scan proves the text is ASCII, and the tokeniser then lower-cases
 *    and classifies bytes through 256-entry tables.
 *  - Text with non-ASCII bytes is folded chunk by chunk, a chunk being a run
 *    between ASCII whitespace that holds a non-ASCII byte.  Splitting there is
 *    exact: ASCII whitespace is a starter that never composes, so NFKC of the
 *    chunks equals NFKC of the whole.  Invalid UTF-8 is replaced by U+FFFD
 *    first (never fatal), then utf8proc decomposes into a reused buffer with
 *      COMPAT | CASEFOLD | LUMP | STRIPMARK | IGNORE, and recomposes (COMPOSE),
 *    i.e. NFKC + case folding, typographic quotes, dashes and spaces lumped to
 *    ASCII, accents stripped ("Peña" = "Pena": outlets spell names both ways;
 *    the cost is lost vowel signs in Indic scripts), default-ignorables such as
 *    soft hyphens and zero-width joiners dropped.  A custom mapping also sends
 *    every apostrophe look-alike (’ ‘ ‛ ′ ʼ ´ `) to "'" so "wasn’t" = "wasn't".
 *  - Runs of ASCII letters are lower-cased and measured eight bytes at a
 *    time.
 *  - No allocation per token: all buffers live in struct cw_norm and grow.
 *  - Stems are cached in a fixed open-addressing table (word → stem and
 *    stop-word flag), since sb_stemmer_stem is the slow step.  The table stops
 *    taking new words at 3/4 full; frequent words come early, so it keeps them.
 *    A word missing from it is tested against the stop words by hash too.
 *  - A dropped stop word is written past the end of the output rather than
 *    skipped with a branch (see emit).
 *
 * Tokens: words (letters and digits; an apostrophe between two word characters
 * is dropped, "don't" → "dont"; dotted abbreviations of one- or two-letter
 * parts are joined, "U.S." → "us", "Ph.D." → "phd") and numbers (grouping
 * commas dropped, "2,000" → "2000"; leading zeros and trailing fraction zeros
 * dropped, "1.50" → "1.5", "007" → "7"; currency signs dropped, "$1.5" → "1.5";
 * "50%" and "50 %" → "50 percent").  Hyphens, other punctuation and symbols
 * separate tokens.  Tokens with a digit are never stemmed or stopped.
 *
 * Stop words: a compact English list of function words, used only when the
 * language is English.  Negations (no, not, nor, never, "n't" forms) and
 * quantifiers and comparatives (all, some, more, most, over, under...) are not
 * on it, because "X is not true" and "X is true" are different claims and must
 * not share an exact fingerprint.  "us" is not on it either: "U.S." folds to
 * "us" and must survive.
 */
#include "extract/normalize.h"

#include <libstemmer.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "lib/common.h"

#define NORM_MAX_INPUT (1u << 20) /* bytes: longer text is cut here */

/* Words of at most KEY_MAX bytes are looked up by key: the word's bytes
 * zero-padded to KEY_MAX and read as two 64-bit words.  A word holds no NUL
 * byte, so the padding is unambiguous and no word has an all-zero key. */
#define KEY_MAX 16

/* Stem cache: STEM_SLOTS entries of 32 bytes (512 KiB per normaliser), open
 * addressing.  Entries are kept this small because the table must stay in a
 * core's L2 cache to be much faster than the stemmer; words over KEY_MAX
 * bytes and stems over STEM_SMAX bytes, rare in English, are stemmed every
 * time instead. */
#define STEM_BITS  14
#define STEM_SLOTS (1u << STEM_BITS)
#define STEM_SMAX  14 /* longest cached stem, bytes */

struct stem_entry {
	uint64_t key[2]; /* the word; all zero: empty slot */
	char stem[STEM_SMAX];
	uint8_t slen;
	uint8_t stop; /* the word is an English stop word and nz->english */
};

struct cw_norm {
	struct sb_stemmer *stemmer;
	int english; /* apply the stop-word list */

	/* folded copy of the text (only built when it holds non-ASCII bytes) */
	unsigned char *fold;
	size_t fold_cap;
	unsigned char *san; /* one chunk with invalid UTF-8 replaced */
	size_t san_cap;
	utf8proc_int32_t *ucs; /* utf8proc code point buffer, then its UTF-8 */
	size_t ucs_cap;

	char *word; /* the token being scanned */
	size_t word_len, word_cap;

	char *text; /* output: tokens joined by single spaces */
	size_t text_len, text_cap;
	uint32_t *off, *tlen;
	size_t ntok, tok_cap;

	struct stem_entry *cache;
	size_t cache_used;
};

/* ---- word keys ----------------------------------------------------------- */

/* A mask of the first n (1..7) bytes of a word loaded from memory. */
static inline uint64_t mask_lo(size_t n)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return ~0ull << (8 * (8 - n));
#else
	return (1ull << (8 * n)) - 1;
#endif
}

/* The key of w[0..n), 1 <= n <= KEY_MAX, from whole-word loads masked to n
 * bytes: w must have KEY_MAX readable bytes.  Little- or big-endian alike,
 * as keys are only compared with keys made here. */
static inline void word_key(const char *w, size_t n, uint64_t *k0, uint64_t *k1)
{
	memcpy(k0, w, 8);
	memcpy(k1, w + 8, 8);
	if (n < 8) {
		*k0 &= mask_lo(n);
		*k1 = 0;
	} else if (n == 8) {
		*k1 = 0;
	} else if (n < 16) {
		*k1 &= mask_lo(n - 8);
	}
}

/* A hash local to this process (only table slots depend on it); the top
 * bits are the best mixed. */
static inline uint64_t key_hash(uint64_t k0, uint64_t k1)
{
	return (k0 + k1 * 0xc2b2ae3d27d4eb4full) * 0x9e3779b97f4a7c15ull;
}

/* ---- stop words ---------------------------------------------------------- */

/* Sorted bytewise (strcmp order); a unit test checks the order.  Each entry
 * is at most KEY_MAX bytes, so a longer word is never a stop word. */
static const char *const stopwords[] = {
    "a",       "about",    "am",         "an",     "and",        "are",    "as",      "at",
    "be",      "because",  "been",       "being",  "between",    "but",    "by",      "can",
    "could",   "did",      "do",         "does",   "doing",      "during", "for",     "from",
    "further", "had",      "has",        "have",   "having",     "he",     "her",     "here",
    "hers",    "herself",  "hes",        "him",    "himself",    "his",    "how",     "i",
    "id",      "if",       "im",         "in",     "into",       "is",     "it",      "its",
    "itself",  "ive",      "just",       "lets",   "me",         "might",  "must",    "my",
    "myself",  "of",       "on",         "once",   "or",         "our",    "ours",    "ourselves",
    "shall",   "she",      "shes",       "should", "so",         "than",   "that",    "thats",
    "the",     "their",    "theirs",     "them",   "themselves", "then",   "there",   "theres",
    "these",   "they",     "theyre",     "theyve", "this",       "those",  "through", "to",
    "too",     "until",    "very",       "was",    "we",         "were",   "weve",    "what",
    "whats",   "when",     "where",      "which",  "while",      "who",    "whom",    "why",
    "will",    "with",     "would",      "you",    "youd",       "youll",  "your",    "youre",
    "yours",   "yourself", "yourselves", "youve",
};

size_t cw_norm_stopword_count(void)
{
	return CW_ARRAY_SIZE(stopwords);
}

const char *cw_norm_stopword_at(size_t i)
{
	return i < CW_ARRAY_SIZE(stopwords) ? stopwords[i] : NULL;
}

/* ---- byte tables --------------------------------------------------------- */

/* Byte classes; those before C_ALPHA end a word. */
enum { C_SEP, C_SPACE, C_COMMA, C_PCT, C_ALPHA, C_DIGIT, C_APOS, C_DOT, C_HIGH };

static unsigned char cls[256];
static unsigned char lower[256];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

/* The stop words by key, open addressing: 512 slots for about 120 words keep
 * probe chains short and the table (8 KiB) in L1 cache. */
#define STOP_BITS  9
#define STOP_SLOTS (1u << STOP_BITS)
static uint64_t stop_keys[STOP_SLOTS][2];

static void init_tables(void)
{
	for (size_t i = 0; i < CW_ARRAY_SIZE(stopwords); i++) {
		char b[KEY_MAX] = {0};
		uint64_t k0, k1;
		size_t h;
		memcpy(b, stopwords[i], strlen(stopwords[i]));
		word_key(b, strlen(stopwords[i]), &k0, &k1);
		h = (size_t)(key_hash(k0, k1) >> (64 - STOP_BITS));
		while (stop_keys[h][0])
			h = (h + 1) & (STOP_SLOTS - 1);
		stop_keys[h][0] = k0;
		stop_keys[h][1] = k1;
	}
	for (int c = 0; c < 256; c++) {
		lower[c] = (unsigned char)c;
		cls[c] = c >= 0x80 ? C_HIGH : C_SEP;
	}
	for (int c = 'a'; c <= 'z'; c++)
		cls[c] = C_ALPHA;
	for (int c = 'A'; c <= 'Z'; c++) {
		cls[c] = C_ALPHA;
		lower[c] = (unsigned char)(c - 'A' + 'a');
	}
	for (int c = '0'; c <= '9'; c++)
		cls[c] = C_DIGIT;
	cls['\''] = C_APOS;
	cls['`'] = C_APOS; /* the fold maps U+0060 to "'" too */
	cls['.'] = C_DOT;
	cls[','] = C_COMMA;
	cls['%'] = C_PCT;
	cls[' '] = cls['\t'] = cls['\n'] = cls['\r'] = cls['\f'] = cls['\v'] = C_SPACE;
}

static inline int is_ascii_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static inline int is_stop_key(uint64_t k0, uint64_t k1)
{
	for (size_t h = (size_t)(key_hash(k0, k1) >> (64 - STOP_BITS));;
	     h = (h + 1) & (STOP_SLOTS - 1)) {
		if (stop_keys[h][0] == k0 && stop_keys[h][1] == k1)
			return 1;
		if (!stop_keys[h][0])
			return 0;
	}
}

int cw_norm_is_stopword(const char *w, size_t len)
{
	char b[KEY_MAX] = {0};
	uint64_t k0, k1;

	/* a NUL byte would read as padding */
	if (len == 0 || len > KEY_MAX || memchr(w, '\0', len))
		return 0;
	pthread_once(&tables_once, init_tables);
	memcpy(b, w, len);
	word_key(b, len, &k0, &k1);
	return is_stop_key(k0, k1);
}

/* ---- lifecycle ----------------------------------------------------------- */

static int is_english(const char *lang)
{
	return !strcmp(lang, "english") || !strcmp(lang, "en") || !strcmp(lang, "eng") ||
	       !strcmp(lang, "porter");
}

struct cw_norm *cw_norm_new(const char *language, char *errstr, size_t errsize)
{
	struct cw_norm *nz;
	struct sb_stemmer *st;

	if (!language || !*language)
		language = "english";
	st = sb_stemmer_new(language, "UTF_8");
	if (!st) {
		if (errstr && errsize)
			snprintf(errstr, errsize, "unknown stemming language '%s'", language);
		return NULL;
	}
	pthread_once(&tables_once, init_tables);
	nz = cw_xcalloc(1, sizeof(*nz));
	nz->stemmer = st;
	nz->english = is_english(language);
	nz->cache = aligned_alloc(64, STEM_SLOTS * sizeof(*nz->cache));
	if (!nz->cache) {
		fprintf(stderr, "claimwire: out of memory\n");
		abort();
	}
	memset(nz->cache, 0, STEM_SLOTS * sizeof(*nz->cache));
	return nz;
}

void cw_norm_free(struct cw_norm *nz)
{
	if (!nz)
		return;
	sb_stemmer_delete(nz->stemmer);
	free(nz->fold);
	free(nz->san);
	free(nz->ucs);
	free(nz->word);
	free(nz->text);
	free(nz->off);
	free(nz->tlen);
	free(nz->cache);
	free(nz);
}

/* ---- growable buffers ---------------------------------------------------- */

static void *grow(void *p, size_t *cap, size_t need, size_t elem)
{
	size_t n;

	if (need <= *cap)
		return p;
	n = *cap ? *cap : 256;
	while (n < need)
		n *= 2;
	*cap = n;
	return cw_xrealloc(p, n * elem);
}

/* ---- folding of non-ASCII text ------------------------------------------- */

static utf8proc_int32_t fold_custom(utf8proc_int32_t cp, void *data)
{
	(void)data;
	switch (cp) {
	case 0x0060: /* ` */
	case 0x00B4: /* ´ */
	case 0x02BC: /* ʼ modifier letter apostrophe */
	case 0x2018: /* ‘ */
	case 0x2019: /* ’ */
	case 0x201B: /* ‛ */
	case 0x2032: /* ′ */
	case 0xFF07: /* ＇ */
		return '\'';
	default:
		return cp;
	}
}

#define FOLD_OPTS                                                                                  \
	(UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_LUMP |                  \
	 UTF8PROC_STRIPMARK | UTF8PROC_IGNORE)

/* Appends the fold of chunk s[0..len) to nz->fold at *fl. */
static void fold_chunk(struct cw_norm *nz, const unsigned char *s, size_t len, size_t *fl)
{
	size_t i = 0, o = 0;
	utf8proc_ssize_t n, b;

	/* Replace invalid UTF-8 by U+FFFD, one per bad byte. */
	nz->san = grow(nz->san, &nz->san_cap, len * 3 + 1, 1);
	while (i < len) {
		if (s[i] < 0x80) {
			nz->san[o++] = s[i++];
			continue;
		}
		utf8proc_int32_t cp;
		n = utf8proc_iterate(s + i, (utf8proc_ssize_t)(len - i), &cp);
		if (n > 0) {
			memcpy(nz->san + o, s + i, (size_t)n);
			o += (size_t)n;
			i += (size_t)n;
		} else {
			memcpy(nz->san + o, "\xEF\xBF\xBD", 3);
			o += 3;
			i++;
		}
	}

	if (!nz->ucs_cap)
		nz->ucs = grow(nz->ucs, &nz->ucs_cap, 1024, sizeof(*nz->ucs));
	for (;;) {
		n = utf8proc_decompose_custom(nz->san, (utf8proc_ssize_t)o, nz->ucs,
		                              (utf8proc_ssize_t)nz->ucs_cap, FOLD_OPTS, fold_custom,
		                              NULL);
		if (n < 0)
			return; /* cannot happen on sanitised input; drop the chunk */
		if ((size_t)n <= nz->ucs_cap)
			break;
		nz->ucs = grow(nz->ucs, &nz->ucs_cap, (size_t)n, sizeof(*nz->ucs));
	}
	b = utf8proc_reencode(nz->ucs, n, FOLD_OPTS);
	if (b < 0)
		return;
	nz->fold = grow(nz->fold, &nz->fold_cap, *fl + (size_t)b + 1, 1);
	memcpy(nz->fold + *fl, nz->ucs, (size_t)b);
	*fl += (size_t)b;
}

/* Index of the first byte >= 0x80 in s[from..len), or len. */
static size_t find_high(const unsigned char *s, size_t from, size_t len)
{
	size_t i = from;

	while (i + 8 <= len) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		if (w & 0x8080808080808080ull)
			break;
		i += 8;
	}
	while (i < len && s[i] < 0x80)
		i++;
	return i;
}

/* The punctuation that fills English news, folded without utf8proc, to the
 * very bytes utf8proc gives (a unit test holds the two equal).  Returns the
 * bytes consumed at s[i], or 0 when the character is not one of these or a
 * non-ASCII byte follows it (it could be a combining mark). */
static size_t fast_punct(const unsigned char *s, size_t i, size_t len, const char **rep,
                         size_t *rlen)
{
	size_t n = 0;

	if (s[i] == 0xC2 && i + 1 < len && s[i + 1] == 0xA0) {
		*rep = " "; /* no-break space */
		*rlen = 1;
		n = 2;
	} else if (s[i] == 0xE2 && i + 2 < len && s[i + 1] == 0x80) {
		switch (s[i + 2]) {
		case 0x90: /* ‐ hyphen */
		case 0x91: /* ‑ non-breaking hyphen */
		case 0x92: /* ‒ figure dash */
		case 0x93: /* – en dash */
		case 0x94: /* — em dash */
		case 0x95: /* ― horizontal bar */
			*rep = "-";
			break;
		case 0x98: /* ‘ */
		case 0x99: /* ’ */
		case 0x9B: /* ‛ */
		case 0xB2: /* ′ */
			*rep = "'";
			break;
		case 0x9C: /* “ */
		case 0x9D: /* ” */
			*rep = "\"";
			break;
		case 0xA6: /* … */
			*rep = "...";
			break;
		default:
			return 0;
		}
		*rlen = strlen(*rep);
		n = 3;
	}
	if (n && i + n < len && s[i + n] >= 0x80)
		return 0;
	return n;
}

/* Builds nz->fold from s: ASCII runs copied, common punctuation mapped,
 * other non-ASCII chunks (from the last ASCII whitespace to the next)
 * folded by utf8proc.  Returns the folded length. */
static size_t fold_text(struct cw_norm *nz, const unsigned char *s, size_t len)
{
	size_t i = 0, fl = 0;
	size_t ws_src = 0, ws_fold = 0; /* just after the last ASCII whitespace */

	while (i < len) {
		size_t j = find_high(s, i, len), ce, n, rlen;
		const char *rep;

		nz->fold = grow(nz->fold, &nz->fold_cap, fl + (j - i) + 4, 1);
		memcpy(nz->fold + fl, s + i, j - i);
		fl += j - i;
		for (size_t k = j; k > i; k--) {
			if (is_ascii_space(s[k - 1])) {
				ws_src = k;
				ws_fold = fl - (j - k);
				break;
			}
		}
		if (j == len)
			break;
		n = fast_punct(s, j, len, &rep, &rlen);
		if (n) {
			memcpy(nz->fold + fl, rep, rlen);
			fl += rlen;
			i = j + n;
			continue;
		}
		/* refold the whole chunk, from the source */
		fl = ws_fold;
		ce = j;
		while (ce < len && !(s[ce] < 0x80 && is_ascii_space(s[ce])))
			ce++;
		fold_chunk(nz, s + ws_src, ce - ws_src, &fl);
		i = ws_src = ce;
		ws_fold = fl;
	}
	return fl;
}

/* ---- tokens -------------------------------------------------------------- */

/* Decodes the (valid) UTF-8 code point at f[p]; *n gets its length. */
static utf8proc_int32_t decode(const unsigned char *f, size_t p, size_t e, size_t *n)
{
	utf8proc_int32_t cp;
	utf8proc_ssize_t r = utf8proc_iterate(f + p, (utf8proc_ssize_t)(e - p), &cp);

	if (r <= 0) {
		*n = 1;
		return 0xFFFD;
	}
	*n = (size_t)r;
	return cp;
}

/* Letters, marks and numbers of any script make words. */
static int is_word_cp(utf8proc_int32_t cp)
{
	utf8proc_category_t c = utf8proc_category(cp);
	return c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_NO;
}

static int word_at(const unsigned char *f, size_t p, size_t e)
{
	size_t n;

	if (p >= e)
		return 0;
	switch (cls[f[p]]) {
	case C_ALPHA:
	case C_DIGIT:
		return 1;
	case C_HIGH:
		return is_word_cp(decode(f, p, e, &n));
	default:
		return 0;
	}
}

/* nz->word has room for twice the folded text and KEY_MAX bytes more (see
 * cw_norm_text): a token never holds more bytes than its source, but for the
 * "0" put before ".5"; the stem cache reads whole words past its end. */
static inline void word_push(struct cw_norm *nz, const void *b, size_t n)
{
	memcpy(nz->word + nz->word_len, b, n);
	nz->word_len += n;
}

static inline void word_push1(struct cw_norm *nz, char c)
{
	nz->word[nz->word_len++] = c;
}

#define ALL_ALPHA 0x8080808080808080ull

/* 0x80 in each byte of v that is an ASCII letter, 0 in the others.  The
 * additions cannot carry between bytes: each byte is at most 0x7f before. */
static inline uint64_t alpha_mask(uint64_t v)
{
	const uint64_t ones = 0x0101010101010101ull;
	uint64_t x = (v | 0x20 * ones) & ~ALL_ALPHA; /* A-Z onto a-z */
	uint64_t ge_a = x + (0x80 - 'a') * ones;
	uint64_t gt_z = x + (0x80 - 'z' - 1) * ones;

	return ge_a & ~gt_z & ~v & ALL_ALPHA;
}

/* Length of the ASCII letter run at f[p] if it is 1 or 2 letters and ends
 * the word there (or continues with a dot); else 0. */
static int short_part_at(const unsigned char *f, size_t p, size_t e)
{
	size_t n = 0;

	while (p + n < e && cls[f[p + n]] == C_ALPHA && n < 3)
		n++;
	if (n == 0 || n > 2)
		return 0;
	if (p + n < e && word_at(f, p + n, e))
		return 0;
	return (int)n;
}

struct scan {
	int digit;  /* the token holds a digit: no stemming, no stop word */
	size_t seg; /* letters in the current dotted part */
	int dotted; /* every part so far is 1-2 ASCII letters */
};

/* Appends the run of ASCII letters at f[p] to nz->word, lower-cased, eight
 * bytes at a time while the text has them: most words end inside the first
 * eight, without a mispredicted branch per letter.  Returns the run's end. */
static inline size_t letter_run(struct cw_norm *nz, const unsigned char *f, size_t p, size_t e)
{
	char *w = nz->word;
	size_t wl = nz->word_len;

	while (p + 8 <= e) {
		uint64_t v = cw_load_le64(f + p), m = alpha_mask(v);
		cw_store_le64(w + wl, v | m >> 2);
		if (m != ALL_ALPHA) {
			size_t k = (size_t)__builtin_ctzll(~m & ALL_ALPHA) / 8;
			nz->word_len = wl + k;
			return p + k;
		}
		wl += 8;
		p += 8;
	}
	while (p < e && cls[f[p]] == C_ALPHA)
		w[wl++] = (char)lower[f[p++]];
	nz->word_len = wl;
	return p;
}

/* Scans word characters from f[p], appending to nz->word; returns the end. */
static size_t scan_word(struct cw_norm *nz, const unsigned char *f, size_t p, size_t e,
                        struct scan *sc)
{
	while (p < e) {
		unsigned char c = f[p];
		size_t n;
		switch (cls[c]) {
		case C_ALPHA: {
			size_t p0 = p;
			p = letter_run(nz, f, p, e);
			sc->seg += p - p0;
			continue;
		}
		case C_DIGIT:
			word_push1(nz, (char)c);
			sc->digit = 1;
			sc->dotted = 0;
			p++;
			continue;
		case C_HIGH: {
			utf8proc_int32_t cp = decode(f, p, e, &n);
			if (!is_word_cp(cp))
				return p;
			word_push(nz, f + p, n);
			sc->dotted = 0;
			p += n;
			continue;
		}
		case C_APOS:
			if (nz->word_len && word_at(f, p + 1, e)) {
				p++;
				continue;
			}
			return p;
		case C_DOT:
			if (sc->dotted && sc->seg >= 1 && sc->seg <= 2 &&
			    short_part_at(f, p + 1, e)) {
				sc->seg = 0;
				p++;
				continue;
			}
			return p;
		default:
			return p;
		}
	}
	return p;
}

static inline int digit_at(const unsigned char *f, size_t p, size_t e)
{
	return p < e && cls[f[p]] == C_DIGIT;
}

/* Scans a number from f[p] (a digit, or "." before a digit) into nz->word,
 * written one way; then any letters glued to it ("1990s").  Sets *pct when
 * a percent sign follows. */
static size_t scan_number(struct cw_norm *nz, const unsigned char *f, size_t p, size_t e,
                          struct scan *sc, int *pct)
{
	size_t start = nz->word_len, q;

	/* integer part, grouping commas dropped, leading zeros dropped */
	while (p < e) {
		if (cls[f[p]] == C_DIGIT) {
			if (!(f[p] == '0' && nz->word_len == start))
				word_push1(nz, (char)f[p]);
			p++;
		} else if (f[p] == ',' && p > 0 && cls[f[p - 1]] == C_DIGIT &&
		           digit_at(f, p + 1, e) && digit_at(f, p + 2, e) &&
		           digit_at(f, p + 3, e) && !digit_at(f, p + 4, e)) {
			p++;
		} else {
			break;
		}
	}
	if (nz->word_len == start)
		word_push1(nz, '0');
	/* fraction, trailing zeros dropped */
	if (p < e && f[p] == '.' && digit_at(f, p + 1, e)) {
		size_t dot = nz->word_len;
		word_push1(nz, '.');
		p++;
		while (digit_at(f, p, e))
			word_push1(nz, (char)f[p++]);
		while (nz->word_len > dot + 1 && nz->word[nz->word_len - 1] == '0')
			nz->word_len--;
		if (nz->word_len == dot + 1)
			nz->word_len = dot;
	}
	sc->digit = 1;
	sc->dotted = 0;
	if (p < e && (cls[f[p]] == C_ALPHA || cls[f[p]] == C_HIGH || cls[f[p]] == C_APOS))
		p = scan_word(nz, f, p, e, sc);
	q = p;
	while (q < e && f[q] == ' ')
		q++;
	if (q < e && f[q] == '%') {
		*pct = 1;
		p = q + 1;
	}
	return p;
}

/* Appends the token w[0..n) when keep (0 or 1); else writes it past the end
 * of the text only, so that a stop word is dropped without a branch, which
 * would be mispredicted half the time.  When w has 16 readable bytes
 * (padded), a token of up to 16 bytes is copied as one 16-byte block:
 * nz->text keeps room for that past the token. */
static void emit(struct cw_norm *nz, const char *w, size_t n, int padded, size_t keep)
{
	size_t need = nz->text_len + n + 18, sp = nz->ntok != 0;
	char *t;

	if (need > nz->text_cap)
		nz->text = grow(nz->text, &nz->text_cap, need, 1);
	if (nz->ntok + 1 > nz->tok_cap) {
		size_t cap = nz->tok_cap;
		nz->off = grow(nz->off, &cap, nz->ntok + 1, sizeof(*nz->off));
		nz->tlen = grow(nz->tlen, &nz->tok_cap, nz->ntok + 1, sizeof(*nz->tlen));
	}
	t = nz->text + nz->text_len;
	t[0] = ' '; /* overwritten by the first token */
	if (padded && n <= 16)
		memcpy(t + sp, w, 16);
	else
		memcpy(t + sp, w, n);
	nz->off[nz->ntok] = (uint32_t)(nz->text_len + sp);
	nz->tlen[nz->ntok] = (uint32_t)n;
	nz->text_len += (sp + n) * keep;
	nz->ntok += keep;
}

/* The stem of w[0..n) (key k0, k1 when n <= KEY_MAX), from the stem cache,
 * or stemmed and cached on a miss.  *slen gets its length, *stop whether the
 * word is a stop word (one lookup answers both: most words are found in the
 * cache), *padded whether the stem is in the cache, with 16 readable bytes,
 * rather than in the stemmer.  Valid until the next call. */
static const char *stem_word(struct cw_norm *nz, const char *w, size_t n, uint64_t k0, uint64_t k1,
                             size_t *slen, int *stop, int *padded)
{
	struct stem_entry *se = NULL;
	const sb_symbol *r;
	const char *stem;

	if (n <= KEY_MAX) {
		for (size_t i = (size_t)(key_hash(k0, k1) >> (64 - STEM_BITS));;
		     i = (i + 1) & (STEM_SLOTS - 1)) {
			se = &nz->cache[i];
			if (se->key[0] == k0 && se->key[1] == k1) {
				*slen = se->slen;
				*stop = se->stop;
				*padded = 1;
				return se->stem;
			}
			if (!se->key[0])
				break;
		}
	}
	*stop = nz->english && n <= KEY_MAX && is_stop_key(k0, k1);
	*padded = 0;
	r = sb_stemmer_stem(nz->stemmer, (const sb_symbol *)w, (int)n);
	if (r) {
		stem = (const char *)r;
		*slen = (size_t)sb_stemmer_length(nz->stemmer);
	} else {
		stem = w; /* out of memory inside the stemmer: keep the word */
		*slen = n;
	}
	/* the table stops taking words at 3/4 full, which keeps probe chains
	 * short; frequent words come early, so it keeps them */
	if (se && *slen <= STEM_SMAX && nz->cache_used < STEM_SLOTS / 4 * 3) {
		se->key[0] = k0;
		se->key[1] = k1;
		se->slen = (uint8_t)*slen;
		se->stop = (uint8_t)*stop;
		memcpy(se->stem, stem, *slen);
		nz->cache_used++;
	}
	return stem;
}

static void emit_word(struct cw_norm *nz, const struct scan *sc, unsigned flags)
{
	const char *w = nz->word, *stem;
	size_t n = nz->word_len, slen;
	uint64_t k0 = 0, k1 = 0;
	int stop, padded;

	if (!n)
		return;
	if (sc->digit || (flags & (CW_NORM_KEEP_STOPWORDS | CW_NORM_NO_STEM)) ==
	                     (CW_NORM_KEEP_STOPWORDS | CW_NORM_NO_STEM)) {
		emit(nz, w, n, 1, 1);
		return;
	}
	if (n <= KEY_MAX)
		word_key(w, n, &k0, &k1);
	stem = stem_word(nz, w, n, k0, k1, &slen, &stop, &padded);
	if (flags & CW_NORM_NO_STEM) {
		stem = w;
		slen = n;
		padded = 1;
	}
	emit(nz, stem, slen, padded, !(stop && !(flags & CW_NORM_KEEP_STOPWORDS)));
}

int cw_norm_text(struct cw_norm *nz, const char *s, size_t len, unsigned flags,
                 struct cw_tokens *out)
{
	const unsigned char *f = (const unsigned char *)s;
	size_t e = len, p = 0;

	if (len > NORM_MAX_INPUT) {
		e = NORM_MAX_INPUT;
		while (e > 0 && (f[e] & 0xC0) == 0x80)
			e--; /* cut on a character boundary */
	}
	if (find_high(f, 0, e) < e) {
		e = fold_text(nz, f, e);
		f = nz->fold;
	}

	nz->word = grow(nz->word, &nz->word_cap, 2 * e + 16 + KEY_MAX, 1);
	nz->text_len = 0;
	nz->ntok = 0;
	while (p < e) {
		unsigned char c = f[p];
		struct scan sc = {0, 0, 1};
		int pct = 0;
		size_t n, q;

		switch (cls[c]) {
		case C_ALPHA:
			/* most words are one run of letters and a byte that ends
			 * them; the others go on in scan_word */
			nz->word_len = 0;
			q = letter_run(nz, f, p, e);
			sc.seg = q - p;
			p = q < e && cls[f[q]] >= C_ALPHA ? scan_word(nz, f, q, e, &sc) : q;
			emit_word(nz, &sc, flags);
			if (p < e && f[p] == ' ')
				p++; /* saves a turn of the loop per word */
			break;
		case C_DIGIT:
			nz->word_len = 0;
			p = scan_number(nz, f, p, e, &sc, &pct);
			emit_word(nz, &sc, flags);
			if (pct)
				emit(nz, "percent", 7, 0, 1);
			break;
		case C_DOT:
			if (digit_at(f, p + 1, e)) {
				nz->word_len = 0;
				p = scan_number(nz, f, p, e, &sc, &pct);
				emit_word(nz, &sc, flags);
				if (pct)
					emit(nz, "percent", 7, 0, 1);
			} else {
				p++;
			}
			break;
		case C_HIGH:
			if (is_word_cp(decode(f, p, e, &n))) {
				nz->word_len = 0;
				sc.dotted = 0;
				p = scan_word(nz, f, p, e, &sc);
				emit_word(nz, &sc, flags);
			} else {
				p += n;
			}
			break;
		default:
			p++;
			break;
		}
	}

	if (nz->text_len + 1 > nz->text_cap)
		nz->text = grow(nz->text, &nz->text_cap, nz->text_len + 1, 1);
	nz->text[nz->text_len] = '\0';
	out->text = nz->text;
	out->len = nz->text_len;
	out->n = nz->ntok;
	out->off = nz->off;
	out->tlen = nz->tlen;
	return 0;
}
