/*
 * checkworthiness.c — scores how check-worthy a sentence is, with a logistic
 * regression over hashed word n-grams and a few dense claim features, and
 * trains that model with SGD.
 *
 * The scorer runs on every sentence extract sees, so it tokenises in one pass
 * over the bytes, hashes each token as it goes (one 64×64→128-bit multiply
 * per 8 lower-cased bytes, then one multiply with the model's seed picks the
 * bucket) and keeps every feature in a fixed array: no allocation per
 * sentence.  The same pass yields the context the sentence gives its
 * neighbours, so in an article each sentence is read once (cw_cw_scan).
 */
#include "extract/checkworthiness.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "extract/attribution.h"
#include "lib/common.h"

#define FORMAT_MAGIC     "cw-checkworthiness"
#define FORMAT_VERSION   4           /* 4: word keys by 8-byte chunks; 3: FNV-1a a byte at a time */
#define MAX_WEIGHTS_FILE (64u << 20) /* bytes */
#define MIN_BITS         4
#define MAX_BITS         24
#define TOKEN_MAX        48 /* bytes of a token kept for word-list look-ups */
#define CTX_TOKENS       CW_CW_CTX_TOKENS

/* The dense features, in weight order after the hashed buckets.  Their names
 * are what the weights file stores, so a renumbering does not break it. */
enum dense {
	D_NUMBER,
	D_PERCENT,
	D_MONEY,
	D_YEAR,
	D_DATE,
	D_MAGNITUDE,
	D_COMPARATIVE,
	D_SUPERLATIVE,
	D_NAME,
	D_NAMES3,
	D_ATTRIBUTION,
	D_OPINION,
	D_FUTURE,
	D_QUESTION,
	D_LEN_1_4, /* the length buckets, in this order */
	D_LEN_5_9,
	D_LEN_10_19,
	D_LEN_20_39,
	D_LEN_40,
	D_OTHER_CORPUS,
	D_WE,
	D_YOU,
	D_NEGATION,
	D_EXCLAIM,
	D_PREV_NONE,
	D_PREV_QUESTION,
	D_PREV_NUMBER,
	D_NEXT_NONE,
	D_NEXT_QUESTION,
	D_NEXT_NUMBER,
	D_NUMBER_VERB,
	D_CONVERSATION,
	D_THAT_CLAUSE,
	NDENSE
};

static const char *const dense_names[NDENSE] = {
    [D_NUMBER] = "number",
    [D_PERCENT] = "percent",
    [D_MONEY] = "money",
    [D_YEAR] = "year",
    [D_DATE] = "date",
    [D_MAGNITUDE] = "magnitude",
    [D_COMPARATIVE] = "comparative",
    [D_SUPERLATIVE] = "superlative",
    [D_NAME] = "name",
    [D_NAMES3] = "names3",
    [D_ATTRIBUTION] = "attribution",
    [D_OPINION] = "opinion",
    [D_FUTURE] = "future",
    [D_QUESTION] = "question",
    [D_LEN_1_4] = "len1_4",
    [D_LEN_5_9] = "len5_9",
    [D_LEN_10_19] = "len10_19",
    [D_LEN_20_39] = "len20_39",
    [D_LEN_40] = "len40",
    [D_OTHER_CORPUS] = "other_corpus",
    [D_WE] = "we",
    [D_YOU] = "you",
    [D_NEGATION] = "negation",
    [D_EXCLAIM] = "exclaim",
    [D_PREV_NONE] = "prev_none",
    [D_PREV_QUESTION] = "prev_question",
    [D_PREV_NUMBER] = "prev_number",
    [D_NEXT_NONE] = "next_none",
    [D_NEXT_QUESTION] = "next_question",
    [D_NEXT_NUMBER] = "next_number",
    [D_NUMBER_VERB] = "number_verb",
    [D_CONVERSATION] = "conversation",
    [D_THAT_CLAUSE] = "that_clause",
};

struct cw_cw_model {
	unsigned bits;
	uint32_t seed;
	float bias;
	float threshold;
	float *w; /* cw_cw_dim(bits) weights */
	/* Sums of at most this many bucket weights come out the same in any
	 * order (exact_terms()); 0 for a model whose weights may yet change
	 * (one being trained). */
	size_t exact_terms;
};

size_t cw_cw_dim(unsigned bits)
{
	return ((size_t)1 << bits) + NDENSE;
}

/* ---- hashing ---- */

/*
 * A word's key: its hashed bytes (lower-cased ASCII letters, other bytes as
 * they are, apostrophes dropped) taken 8 at a time, little-endian, the last
 * chunk zero-padded, each folded in by one 64×64→128-bit multiply whose two
 * halves are xor-ed (wyhash's mix).  Nearly every word fits one chunk, so
 * its key is one multiply away from its bytes; FNV-1a, the key of format 3,
 * was a chain of one multiply per byte and the scorer's largest cost.  No
 * word byte is 0, so padding cannot make two words one.
 */
#define WORD_SEED 0xa0761d6478bd642full
#define WORD_MUL  0xe7037ed1a0b428dbull

static inline uint64_t word_mix(uint64_t a)
{
#ifdef __SIZEOF_INT128__
	unsigned __int128 p = (unsigned __int128)a * WORD_MUL;
	return (uint64_t)p ^ (uint64_t)(p >> 64);
#else
	/* the same product from four 32×32-bit ones, where the compiler has
	 * no 128-bit integer */
	uint64_t al = a & 0xffffffffu, ah = a >> 32;
	uint64_t bl = WORD_MUL & 0xffffffffu, bh = WORD_MUL >> 32;
	uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
	uint64_t mid = (ll >> 32) + (lh & 0xffffffffu) + (hl & 0xffffffffu);
	uint64_t lo = (mid << 32) | (ll & 0xffffffffu);
	uint64_t hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
	return lo ^ hi;
#endif
}

/* A key being built: the chunks so far folded into h, then the n (0-7)
 * bytes of the next chunk in acc. */
struct word_key {
	uint64_t h, acc;
	unsigned n;
};

static inline void word_key_init(struct word_key *k)
{
	k->h = WORD_SEED;
	k->acc = 0;
	k->n = 0;
}

/* Adds the m (0-8) low bytes of b, every byte above them 0. */
static inline void word_key_add(struct word_key *k, uint64_t b, unsigned m)
{
	unsigned n = k->n;
	uint64_t acc = k->acc | b << (8 * n);

	if (n + m >= 8) { /* a chunk is full: fold it in, keep what spilt over */
		k->h = word_mix(k->h ^ acc);
		acc = n ? b >> (8 * (8 - n)) : 0;
		n = n + m - 8;
	} else {
		n += m;
	}
	k->acc = acc;
	k->n = n;
}

static inline uint64_t word_key_end(const struct word_key *k)
{
	return k->n ? word_mix(k->h ^ k->acc) : k->h;
}

/* The key of s[0..n) taken as it is (the word lists, the number tokens). */
static uint64_t word_key_of(const char *s, size_t n)
{
	struct word_key k;

	word_key_init(&k);
	for (size_t i = 0; i < n; i++)
		word_key_add(&k, (unsigned char)s[i], 1);
	return word_key_end(&k);
}

/* ---- word lists: token hash → class bits, built once (static data) ---- */

enum {
	W_COMPARATIVE = 1 << 0,
	W_SUPERLATIVE = 1 << 1,
	W_ATTRIBUTION = 1 << 2,
	W_MONTH = 1 << 3,
	W_MAGNITUDE = 1 << 4,
	W_PERCENT = 1 << 5,
	W_OPINION_VERB = 1 << 6, /* after "i": think, believe... */
	W_FIRST_SING = 1 << 7,
	W_FIRST_PLUR = 1 << 8,
	W_SECOND = 1 << 9,
	W_FUTURE = 1 << 10,
	W_NEGATION = 1 << 11,
	W_MONEY = 1 << 12,
	W_CONVERSATION = 1 << 13, /* verbs about a conversation: asked, pressed... */
	W_THAT = 1 << 14,
	W_WH = 1 << 15,      /* opens an indirect question: "asked whether / about" */
	W_TRIGGER = 1 << 16, /* attribution looks for it (cw_attribution_each_trigger()):
	                        no feature, it tells cw_cw_scan.plain */
};

struct word_class {
	const char *w;
	unsigned cls;
};

static const struct word_class word_classes[] = {
    {"more", W_COMPARATIVE},
    {"less", W_COMPARATIVE},
    {"fewer", W_COMPARATIVE},
    {"higher", W_COMPARATIVE},
    {"lower", W_COMPARATIVE},
    {"larger", W_COMPARATIVE},
    {"bigger", W_COMPARATIVE},
    {"smaller", W_COMPARATIVE},
    {"greater", W_COMPARATIVE},
    {"better", W_COMPARATIVE},
    {"worse", W_COMPARATIVE},
    {"faster", W_COMPARATIVE},
    {"slower", W_COMPARATIVE},
    {"cheaper", W_COMPARATIVE},
    {"richer", W_COMPARATIVE},
    {"poorer", W_COMPARATIVE},
    {"stronger", W_COMPARATIVE},
    {"weaker", W_COMPARATIVE},
    {"longer", W_COMPARATIVE},
    {"increased", W_COMPARATIVE},
    {"decreased", W_COMPARATIVE},
    {"doubled", W_COMPARATIVE},
    {"tripled", W_COMPARATIVE},
    {"than", W_COMPARATIVE},
    {"most", W_SUPERLATIVE},
    {"least", W_SUPERLATIVE},
    {"largest", W_SUPERLATIVE},
    {"highest", W_SUPERLATIVE},
    {"lowest", W_SUPERLATIVE},
    {"biggest", W_SUPERLATIVE},
    {"smallest", W_SUPERLATIVE},
    {"greatest", W_SUPERLATIVE},
    {"best", W_SUPERLATIVE},
    {"worst", W_SUPERLATIVE},
    {"fastest", W_SUPERLATIVE},
    {"slowest", W_SUPERLATIVE},
    {"first", W_SUPERLATIVE},
    {"only", W_SUPERLATIVE},
    {"record", W_SUPERLATIVE},
    {"ever", W_SUPERLATIVE},
    {"never", W_SUPERLATIVE | W_NEGATION},
    {"said", W_ATTRIBUTION},
    {"says", W_ATTRIBUTION},
    {"claimed", W_ATTRIBUTION},
    {"claims", W_ATTRIBUTION},
    {"stated", W_ATTRIBUTION},
    {"reported", W_ATTRIBUTION},
    {"according", W_ATTRIBUTION},
    {"announced", W_ATTRIBUTION},
    {"voted", W_ATTRIBUTION},
    {"supported", W_ATTRIBUTION},
    {"opposed", W_ATTRIBUTION},
    {"signed", W_ATTRIBUTION},
    {"january", W_MONTH},
    {"february", W_MONTH},
    {"march", W_MONTH},
    {"april", W_MONTH},
    {"june", W_MONTH},
    {"july", W_MONTH},
    {"august", W_MONTH},
    {"september", W_MONTH},
    {"october", W_MONTH},
    {"november", W_MONTH},
    {"december", W_MONTH},
    {"thousand", W_MAGNITUDE},
    {"thousands", W_MAGNITUDE},
    {"million", W_MAGNITUDE},
    {"millions", W_MAGNITUDE},
    {"billion", W_MAGNITUDE},
    {"billions", W_MAGNITUDE},
    {"trillion", W_MAGNITUDE},
    {"trillions", W_MAGNITUDE},
    {"hundred", W_MAGNITUDE},
    {"percent", W_PERCENT},
    {"percentage", W_PERCENT},
    {"dollars", W_MONEY},
    {"dollar", W_MONEY},
    {"tax", W_MONEY},
    {"taxes", W_MONEY},
    {"think", W_OPINION_VERB},
    {"believe", W_OPINION_VERB},
    {"feel", W_OPINION_VERB},
    {"hope", W_OPINION_VERB},
    {"want", W_OPINION_VERB},
    {"love", W_OPINION_VERB},
    {"guess", W_OPINION_VERB},
    {"thank", W_OPINION_VERB},
    {"i", W_FIRST_SING},
    {"im", W_FIRST_SING},
    {"ill", W_FIRST_SING},
    {"ive", W_FIRST_SING},
    {"we", W_FIRST_PLUR},
    {"our", W_FIRST_PLUR},
    {"us", W_FIRST_PLUR},
    {"were", W_FIRST_PLUR},
    {"weve", W_FIRST_PLUR},
    {"well", W_FIRST_PLUR},
    {"you", W_SECOND},
    {"your", W_SECOND},
    {"youre", W_SECOND},
    {"will", W_FUTURE},
    {"gonna", W_FUTURE},
    {"going", W_FUTURE},
    {"not", W_NEGATION},
    {"no", W_NEGATION},
    {"dont", W_NEGATION},
    {"didnt", W_NEGATION},
    {"doesnt", W_NEGATION},
    {"cant", W_NEGATION},
    {"asked", W_CONVERSATION},
    {"asks", W_CONVERSATION},
    {"asking", W_CONVERSATION},
    {"questioned", W_CONVERSATION},
    {"pressed", W_CONVERSATION},
    {"answered", W_CONVERSATION},
    {"replied", W_CONVERSATION},
    {"responded", W_CONVERSATION},
    {"told", W_CONVERSATION},
    {"interviewed", W_CONVERSATION},
    {"that", W_THAT},
    {"whether", W_WH},
    {"if", W_WH},
    {"about", W_WH},
    {"why", W_WH},
    {"how", W_WH},
    {"what", W_WH},
    {"who", W_WH},
};

/* The word lists as a two-choice (cuckoo) hash table: a word sits in one
 * of two slots that its hash picks, so a look-up reads both and needs no
 * probe loop and no branch; an empty slot has hash 0 and no classes.  512
 * slots for ~230 words. */
#define WT_SLOTS 512
#define WT_KICKS 64 /* evictions tried to place one word */
static uint64_t word_hash[WT_SLOTS];
static uint32_t word_cls[WT_SLOTS];
static int word_table_ready;

/* A word's two slots: two fields of its key's top bits (keys are mixed well). */
static inline size_t word_slot(uint64_t h, int which)
{
	return (size_t)(which ? h >> 46 : h >> 55) & (WT_SLOTS - 1);
}

/* Token kinds: numbers are folded into a class token so that "4.1 percent"
 * and "9 percent" share features. */
static const char *const number_tokens[] = {"<num>", "<year>", "<pct>", "<money>", "<ord>"};
enum { N_PLAIN, N_YEAR, N_PCT, N_MONEY, N_ORD, N_KINDS };
static uint64_t number_hash[N_KINDS]; /* keys of number_tokens[], set with the word table */

/* Puts word w (hash h) with classes cls in the table. */
static void word_table_add(const char *w, uint64_t h, unsigned cls)
{
	size_t a = word_slot(h, 0), b = word_slot(h, 1), s;

	if (word_hash[a] == h || word_hash[b] == h) { /* a word of two lists */
		word_cls[word_hash[a] == h ? a : b] |= cls;
		return;
	}
	s = word_hash[a] == 0 ? a : b;
	for (int k = 0; k < WT_KICKS; k++) {
		uint64_t eh = word_hash[s];
		unsigned ec = word_cls[s];
		word_hash[s] = h;
		word_cls[s] = cls;
		if (eh == 0)
			return;
		/* s was taken: the word there moves to its other slot */
		h = eh;
		cls = ec;
		s = word_slot(h, 0) == s ? word_slot(h, 1) : word_slot(h, 0);
	}
	/* The lists are static data: no slot for them is a programming error. */
	fprintf(stderr, "checkworthiness: no slot for word '%s' in the word table\n", w);
	abort();
}

static void add_trigger(const char *w, void *opaque)
{
	(void)opaque;
	word_table_add(w, word_key_of(w, strlen(w)), W_TRIGGER);
}

static void word_table_build(void)
{
	for (size_t k = 0; k < N_KINDS; k++)
		number_hash[k] = word_key_of(number_tokens[k], strlen(number_tokens[k]));
	for (size_t i = 0; i < CW_ARRAY_SIZE(word_classes); i++) {
		const char *w = word_classes[i].w;
		word_table_add(w, word_key_of(w, strlen(w)), word_classes[i].cls);
	}
	cw_attribution_each_trigger(add_trigger, NULL);
}

/* Built before any scan: when a model is made (loaded or trained) and when
 * features are extracted without one, not on each sentence; afterwards the
 * table is only read. */
static void word_table_init(void)
{
	if (!__atomic_load_n(&word_table_ready, __ATOMIC_ACQUIRE)) {
		static int building;
		if (__atomic_exchange_n(&building, 1, __ATOMIC_ACQ_REL) == 0) {
			word_table_build();
			__atomic_store_n(&word_table_ready, 1, __ATOMIC_RELEASE);
		} else {
			while (!__atomic_load_n(&word_table_ready, __ATOMIC_ACQUIRE))
				;
		}
	}
}

/* The classes of the word with hash h, 0 for most words. */
static inline unsigned word_class(uint64_t h)
{
	size_t a = word_slot(h, 0), b = word_slot(h, 1);
	return (word_cls[a] & -(unsigned)(word_hash[a] == h)) |
	       (word_cls[b] & -(unsigned)(word_hash[b] == h));
}

/* ---- tokenising and features ---- */

static inline int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static inline int is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* A character between words that is no part of any word although its
 * bytes are not ASCII: one of U+2000–U+207F (E2 80/81 xx: curly quotes,
 * dashes, ellipsis, thin spaces, and the super- and subscripts after
 * them), a no-break space (C2 A0), or the currency signs £ (C2 A3) and €
 * (E2 82 AC).  Its length in bytes, 0 if s[i] opens none (a malformed
 * sequence is not one: its bytes are read one by one); *money says whether
 * it is a currency sign. */
static inline size_t nonword_run(const unsigned char *s, size_t i, size_t len, int *money)
{
	*money = 0;
	if (s[i] == 0xE2 && i + 2 < len && (s[i + 2] & 0xC0) == 0x80) {
		if (s[i + 1] == 0x80 || s[i + 1] == 0x81)
			return 3;
		if (s[i + 1] == 0x82 && s[i + 2] == 0xAC) {
			*money = 1;
			return 3;
		}
	} else if (s[i] == 0xC2 && i + 1 < len && (s[i + 1] == 0xA0 || s[i + 1] == 0xA3)) {
		*money = s[i + 1] == 0xA3;
		return 2;
	}
	return 0;
}

/* ASCII letters lower-cased; 0 for every other byte. */
static const unsigned char lower_letter[256] = {
#define L4(c) c, c + 1, c + 2, c + 3
    ['A'] = L4('a'), L4('e'), L4('i'), L4('m'), L4('q'), L4('u'), 'y', 'z',
    ['a'] = L4('a'), L4('e'), L4('i'), L4('m'), L4('q'), L4('u'), 'y', 'z',
#undef L4
};

/* Apostrophe inside a word ("don't", "don’t"): its length in bytes, or 0. */
static inline size_t apostrophe(const unsigned char *s, size_t i, size_t len)
{
	if (s[i] == '\'')
		return 1;
	if (s[i] == 0xE2 && i + 2 < len && s[i + 1] == 0x80 && s[i + 2] == 0x99)
		return 3;
	return 0;
}

#define BIGRAM_MIX   0x9e3779b97f4a7c15ull
#define START_TOKEN  0x5bd1e9955bd1e995ull
#define SPEAKER_SALT 0x7f4a7c159e3779b9ull
#define PREV_SALT    0x2545f4914f6cdd1dull
#define NEXT_SALT    0x94d049bb133111ebull

/* Hashed tokens of one sentence the scan keeps: the rest of the feature
 * array is left for the neighbours' words and the speaker. */
#define SCAN_CAP (CW_CW_MAX_FEATURES - NDENSE - 2 * CTX_TOKENS - 2)

_Static_assert(NDENSE <= 64, "a scan keeps the dense features as bits of a uint64_t");
#define DBIT(d) ((uint64_t)1 << (d))
_Static_assert(SCAN_CAP > 0, "CW_CW_MAX_FEATURES too small");

/* A token hash's bucket: the top bits of one multiply with the seed mixed
 * in first (a bigram's hash is a sum of products, whose low bits mix
 * poorly, a product's high bits well). */
static inline uint32_t bucket(uint64_t h, uint64_t seed, unsigned bits)
{
	return (uint32_t)(((h ^ seed) * 0x9e3779b97f4a7c15ull) >> (64 - bits));
}

#define BYTES_01 0x0101010101010101ull /* a byte's value times this: it in every byte */
#define BYTES_80 0x8080808080808080ull

/* The high bit of every byte of v that is an ASCII letter. */
static inline uint64_t letter_bytes(uint64_t v)
{
	uint64_t y = (v | 0x20 * BYTES_01) & 0x7f * BYTES_01; /* folded to 'a'-'z' if a letter */
	return (y + 0x1f * BYTES_01) & ~(y + 0x05 * BYTES_01) & ~v & BYTES_80; /* >= 'a', <= 'z' */
}

/* The bytes s[j..j+8) as one little-endian word, those at or past len 0
 * (no letters).  Near the end of a text they come from the load that ends at
 * its end, so nothing past len is read. */
static inline uint64_t load_upto8(const unsigned char *s, size_t j, size_t len)
{
	uint64_t v = 0;

	if (j + 8 <= len)
		return cw_load_le64(s + j);
	if (j >= len)
		return 0;
	if (len >= 8)
		return cw_load_le64(s + len - 8) >> (8 * (8 - (len - j)));
	for (size_t k = 0; j + k < len; k++)
		v |= (uint64_t)s[j + k] << (8 * k);
	return v;
}

/* Keys the word at s[i] (lower-cased, apostrophes dropped) into *h and
 * returns the index just past it; *nb gets the number of bytes hashed (less
 * than the word's bytes when it has an apostrophe).  Runs of ASCII letters,
 * the bulk of any text, are read 8 bytes at a time; a non-ASCII byte or an
 * apostrophe byte by byte.  *wide is set when the word holds both a
 * non-ASCII byte (an apostrophe aside) and an ASCII letter. */
static inline size_t scan_word(const unsigned char *s, size_t i, size_t len, uint64_t *h,
                               size_t *nb, int *wide)
{
	size_t j = i;
	size_t skipped = 0; /* apostrophe bytes, not part of the token */
	size_t high = 0;    /* non-ASCII bytes hashed */
	struct word_key k;

	word_key_init(&k);
	for (;;) {
		uint64_t v = load_upto8(s, j, len), end = ~letter_bytes(v) & BYTES_80;
		unsigned char c;
		size_t a, n;
		if (end == 0) { /* 8 letters, and maybe more */
			word_key_add(&k, v | 0x20 * BYTES_01, 8);
			j += 8;
			continue;
		}
		n = (size_t)__builtin_ctzll(end) / 8;
		word_key_add(&k, (v | 0x20 * BYTES_01) & ((1ull << (8 * n)) - 1), (unsigned)n);
		j += n;
		if (j >= len)
			break;
		c = s[j];
		if (c >= 0x80) {
			/* Any non-ASCII byte but those of nonword_run() is a
			 * word byte. */
			int money;
			if (!nonword_run(s, j, len, &money)) {
				word_key_add(&k, c, 1);
				j++;
				high++;
				continue;
			}
		}
		a = apostrophe(s, j, len);
		if (a != 0 && j + a < len && is_alpha(s[j + a])) {
			j += a;
			skipped += a;
			continue;
		}
		break;
	}
	*h = word_key_end(&k);
	*nb = j - i - skipped;
	*wide |= high != 0 && high != *nb;
	return j;
}

/* Whether the word scan_word() read at s[i..j) ends in the n letters of
 * suf, looking at its bytes as its hash did (lower-cased, apostrophes
 * skipped): the "-ed" and "-est" tests, made once a word is read rather
 * than kept up on every byte.  The word has at least n hashed bytes.  An
 * apostrophe inside a word is always followed by a letter, so at most one
 * lies between two hashed bytes, and every ' or E2 80 99 there was skipped. */
static inline int word_ends_in(const unsigned char *s, size_t i, size_t j, const char *suf,
                               size_t n)
{
	size_t p = j - 1; /* a word's last byte is hashed */

	for (;;) {
		if (lower_letter[s[p]] != (unsigned char)suf[n - 1])
			return 0;
		if (--n == 0)
			return 1;
		p--;
		if (s[p] == '\'')
			p--;
		else if (p >= i + 2 && s[p] == 0x99 && s[p - 1] == 0x80 && s[p - 2] == 0xE2)
			p -= 3;
	}
}

/* What the first pass over a sentence keeps of a token besides its hash. */
enum {
	T_UNLISTED = 1 << 0, /* not looked up in the word lists: a number, or a word of
	                        TOKEN_MAX bytes or more */
	T_CAP = 1 << 1,      /* opens with an ASCII capital, not the first token */
	T_ED = 1 << 2,       /* a listable word of 4 bytes or more ending in "-ed" */
	T_EST = 1 << 3,      /* one of 6 bytes or more ending in "-est" */
};

/* T_ED and T_EST of a word of nb bytes, no apostrophe among them, that
 * ends at s[j]: its last four bytes are compared at once (| 0x20
 * lower-cases a letter and turns no other byte into one), for a branch on
 * a word's length and ending would be mispredicted on one word in a few. */
static inline unsigned plain_word_suffixes(const unsigned char *s, size_t j, size_t len, size_t nb)
{
	uint32_t last4;
	int listable = nb < TOKEN_MAX;

	if (len < 4) /* no word of 4 bytes; else s[0..4) is there to read */
		return 0;
	last4 = cw_load_le32(s + (j >= 4 ? j - 4 : 0)) | 0x20202020u;
	return T_ED * (listable & (nb >= 4) & (last4 >> 16 == ('e' | 'd' << 8))) |
	       T_EST * (listable & (nb >= 6) & (last4 >> 8 == ('e' | 's' << 8 | 't' << 16)));
}

/* T_ED and T_EST of the word scan_word() read at s[i..j) with nb bytes
 * hashed: one with apostrophes is read byte by byte. */
static unsigned word_suffixes(const unsigned char *s, size_t i, size_t j, size_t len, size_t nb)
{
	int listable = nb < TOKEN_MAX;

	if (nb != j - i) /* apostrophes skipped */
		return (listable && nb >= 4 && word_ends_in(s, i, j, "ed", 2) ? T_ED : 0) |
		       (listable && nb >= 6 && word_ends_in(s, i, j, "est", 3) ? T_EST : 0);
	return plain_word_suffixes(s, j, len, nb);
}

/* Tokens a scan keeps: two buckets each, at most SCAN_CAP. */
#define SCAN_TOKENS ((SCAN_CAP + 1) / 2)

/* A sentence split into tokens and hashed: what the first pass of a scan
 * finds. */
struct tokens {
	uint64_t h[SCAN_TOKENS];      /* each token's hash */
	unsigned char f[SCAN_TOKENS]; /* and its T_ flags */
	size_t n;
	size_t nnum;    /* numbers among them */
	int ctx_number; /* one of the first CTX_TOKENS is a number */
	uint64_t dense; /* the dense features its bytes show, as bits 1 << D_... */
	int whole;      /* every byte was read: max_tok did not cut the sentence short */
	int wide;       /* a word holds a non-ASCII byte (an apostrophe aside) and a letter */
};

/* Where the bytes of the kinds a token cares about lie in s[base ..
 * base + 64), one bit a byte (bit k: s[base + k]); no bit past the text's
 * end. */
struct window {
	size_t base;
	uint64_t letter;  /* ASCII letters */
	uint64_t digit;   /* ASCII digits */
	uint64_t special; /* the rest that may matter: non-ASCII bytes, ' ? ! $ */
};

#ifdef __SSE2__
/* The three kinds of the 16 bytes at p, as window_at() wants them. */
static inline void kinds16(const unsigned char *p, uint64_t *letter, uint64_t *digit,
                           uint64_t *special)
{
	__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
	/* letters and digits moved to the bottom of the signed range, where
	 * one compare finds them */
	__m128i l = _mm_add_epi8(_mm_or_si128(x, _mm_set1_epi8(0x20)), _mm_set1_epi8(0x80 - 'a'));
	__m128i d = _mm_add_epi8(x, _mm_set1_epi8((char)(0x80 - '0')));
	__m128i q = _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('\'')),
	                         _mm_cmpeq_epi8(x, _mm_set1_epi8('?')));

	q = _mm_or_si128(q, _mm_cmpeq_epi8(x, _mm_set1_epi8('!')));
	q = _mm_or_si128(q, _mm_cmpeq_epi8(x, _mm_set1_epi8('$')));
	*letter = (uint64_t)(unsigned)_mm_movemask_epi8(
	    _mm_cmplt_epi8(l, _mm_set1_epi8((char)(0x80 + 26))));
	*digit = (uint64_t)(unsigned)_mm_movemask_epi8(
	    _mm_cmplt_epi8(d, _mm_set1_epi8((char)(0x80 + 10))));
	*special = (uint64_t)(unsigned)_mm_movemask_epi8(_mm_or_si128(x, q));
}
#endif

/* Fills w for the 64 bytes from s[base] on, base < len. */
static inline void window_at(struct window *w, const unsigned char *s, size_t base, size_t len)
{
	size_t n = len - base < 64 ? len - base : 64;
	uint64_t l = 0, d = 0, x = 0;

	w->base = base;
#ifdef __SSE2__
#pragma GCC unroll 4
	for (size_t j = 0; j < 64; j += 16) {
		uint64_t cl, cd, cx;
		if (j + 16 <= n) {
			kinds16(s + base + j, &cl, &cd, &cx);
		} else if (j < n) {
			size_t m = n - j;     /* 1-15 bytes left */
			if (base + n >= 16) { /* the 16 bytes ending at the text's end */
				kinds16(s + base + n - 16, &cl, &cd, &cx);
				cl >>= 16 - m;
				cd >>= 16 - m;
				cx >>= 16 - m;
			} else {
				unsigned char tail[16] = {0};
				memcpy(tail, s + base + j, m);
				kinds16(tail, &cl, &cd, &cx);
			}
		} else {
			break;
		}
		l |= cl << j;
		d |= cd << j;
		x |= cx << j;
	}
#else
	for (size_t j = 0; j < n; j++) {
		unsigned char c = s[base + j];
		l |= (uint64_t)is_alpha(c) << j;
		d |= (uint64_t)is_digit(c) << j;
		x |= (uint64_t)(c >= 0x80 || c == '\'' || c == '?' || c == '!' || c == '$') << j;
	}
#endif
	w->letter = l;
	w->digit = d;
	w->special = x;
}

/* A window is moved on once the scan is more than this many bytes into it
 * (unless it reaches the text's end), so that a word of up to 15 letters
 * that starts where the scan is and the byte after it lie inside (a word
 * that does not fit is read by scan_word()). */
#define WINDOW_LOOKAHEAD 48

/* The number at s[i]: digits with inner '.' or ',', then attached letters
 * ("4th", "1990s", "10m") and a '%'; money after a currency sign.  Its kind,
 * and the index just past it in *end. */
static int number_at(const unsigned char *s, size_t i, size_t len, int money, size_t *end)
{
	size_t j = i, ndig = 0;
	unsigned val = 0;
	int kind = N_PLAIN;

	while (j < len && (is_digit(s[j]) ||
	                   ((s[j] == '.' || s[j] == ',') && j + 1 < len && is_digit(s[j + 1])))) {
		if (is_digit(s[j])) {
			ndig++;
			if (val < 100000)
				val = val * 10 + (unsigned)(s[j] - '0');
		}
		j++;
	}
	if (ndig == 4 && j - i == 4 && val >= 1900 && val <= 2099)
		kind = N_YEAR;
	if (j < len && is_alpha(s[j])) {
		size_t k = j;
		while (k < len && is_alpha(s[k]))
			k++;
		if (kind != N_YEAR && k - j == 2)
			kind = N_ORD; /* 4th, 21st, 2nd */
		j = k;
	}
	if (j < len && s[j] == '%') {
		kind = N_PCT;
		j++;
	}
	*end = j;
	return money ? N_MONEY : kind;
}

/*
 * The first pass: splits s[0..len) into at most max_tok tokens, each
 * hashed.  The text is looked at through a window of 64 bytes whose
 * letters, digits and other bytes of note are bitmasks (window_at()), so
 * a gap between words is passed in one step, and a word of ASCII letters,
 * nearly every word, is measured by one count of bits and keyed by one or
 * two multiplies.  A word with an apostrophe or a non-ASCII byte is read
 * byte by byte (scan_word()).
 */
static void tokenize(const unsigned char *s, size_t len, size_t max_tok, struct tokens *t)
{
	size_t ntok = 0, nnum = 0, i = 0;
	int money_sign = 0, ctx_number = 0, wide = 0;
	uint64_t dense = 0;
	struct window w;

	if (len > 0)
		window_at(&w, s, 0, len);
	while (i < len && ntok < max_tok) {
		size_t off = i - w.base, j, nb;
		uint64_t starts;
		unsigned char ch;
		if (off > WINDOW_LOOKAHEAD && w.base + 64 < len) {
			window_at(&w, s, i, len);
			off = 0;
		}
		/* off < 64: at most WINDOW_LOOKAHEAD, or the window reaches
		 * the end, which i has not */
		starts = (w.letter | w.digit | w.special) >> off;
		if (starts == 0) { /* nothing but spaces and punctuation to the window's end */
			i = w.base + 64;
			money_sign = 0;
			if (i < len)
				window_at(&w, s, i, len);
			continue;
		}
		j = (size_t)__builtin_ctzll(starts);
		if (j > 0) { /* a gap: no currency sign just before what follows */
			money_sign = 0;
			i += j;
			off += j;
		}
		if ((w.letter >> off) & 1) {
			/* A word. */
			/* (the top bit stops a count past 63 letters, read byte by byte) */
			size_t run = (size_t)__builtin_ctzll(~(w.letter >> off) | 1ull << 63);
			size_t e = off + run;
			unsigned f;
			int fits = run <= 16 && e < 64; /* the word and its end in the window */
			if (fits && ((w.special >> e) & 1))
				fits = s[i + run] != '\'' && s[i + run] < 0x80; /* may go on */
			if (fits) {
				/* the key word_key_add() and word_key_end() give
				 * one or two chunks, folded at once */
				uint64_t v0 = load_upto8(s, i, len) | 0x20 * BYTES_01;
				if (run <= 8) {
					t->h[ntok] =
					    word_mix(WORD_SEED ^ (v0 & (~0ull >> (64 - 8 * run))));
				} else {
					uint64_t v1 = load_upto8(s, i + 8, len) | 0x20 * BYTES_01;
					t->h[ntok] = word_mix(word_mix(WORD_SEED ^ v0) ^
					                      (v1 & (~0ull >> (128 - 8 * run))));
				}
				j = i + run;
				nb = run;
				f = plain_word_suffixes(s, j, len, nb);
			} else {
				j = scan_word(s, i, len, &t->h[ntok], &nb, &wide);
				f = word_suffixes(s, i, j, len, nb) |
				    (nb >= TOKEN_MAX ? T_UNLISTED : 0);
			}
			/* s[i] is a letter: one up to 'Z' is a capital */
			f |= s[i] <= 'Z' && ntok > 0 ? T_CAP : 0;
			t->f[ntok] = (unsigned char)f;
		} else if ((w.digit >> off) & 1) {
			int kind = number_at(s, i, len, money_sign, &j);
			t->h[ntok] = number_hash[kind];
			t->f[ntok] = T_UNLISTED;
			nnum++;
			ctx_number |= ntok < CTX_TOKENS;
			if (kind == N_YEAR)
				dense |= DBIT(D_YEAR);
			else if (kind == N_PCT)
				dense |= DBIT(D_PERCENT);
			else if (kind == N_MONEY)
				dense |= DBIT(D_MONEY);
		} else if ((ch = s[i]) < 0x80) {
			/* ' ? ! or $: punctuation, no token */
			if (ch == '?')
				dense |= DBIT(D_QUESTION);
			else if (ch == '!')
				dense |= DBIT(D_EXCLAIM);
			money_sign = ch == '$';
			i++;
			continue;
		} else {
			/* A non-ASCII byte: punctuation, a space or a currency
			 * sign that no word holds, else a word. */
			int money = 0;
			size_t skip = nonword_run(s, i, len, &money);
			if (skip) {
				money_sign = money;
				i += skip;
				continue;
			}
			j = scan_word(s, i, len, &t->h[ntok], &nb, &wide);
			t->f[ntok] = (unsigned char)((nb >= TOKEN_MAX ? T_UNLISTED : 0) |
			                             word_suffixes(s, i, j, len, nb));
		}
		i = j;
		money_sign = 0;
		ntok++;
	}
	t->n = ntok;
	t->nnum = nnum;
	t->ctx_number = ctx_number;
	t->dense = dense;
	t->whole = i >= len;
	t->wide = wide;
}

/* The second pass: the tokens' buckets into sc->idx, and the dense
 * features of the words' classes and of the words around them added to
 * *dense.  Every hash is ready by now, and the classes read with the words
 * around them are rare: a branch each, seldom taken.  With w (a model's
 * weights) each bucket's weight is prefetched: it is read when the sentence
 * is scored, after its neighbour's scan, and a 1 MiB table does not stay in
 * L1/L2. */
static void token_features(const struct tokens *t, uint32_t seed, unsigned bits, const float *w,
                           struct cw_cw_scan *sc, uint64_t *dense)
{
	static const struct {
		unsigned cls;
		enum dense d;
	} cls_dense[] = {
	    {W_COMPARATIVE, D_COMPARATIVE},
	    {W_SUPERLATIVE, D_SUPERLATIVE},
	    {W_ATTRIBUTION, D_ATTRIBUTION},
	    {W_MONTH, D_DATE},
	    {W_MAGNITUDE, D_MAGNITUDE},
	    {W_PERCENT, D_PERCENT},
	    {W_MONEY, D_MONEY},
	    {W_FIRST_PLUR, D_WE},
	    {W_SECOND, D_YOU},
	    {W_NEGATION, D_NEGATION},
	};
	uint64_t prev = START_TOKEN, d = *dense;
	unsigned prev_cls = 0, all_cls = 0; /* word classes of every word */
	unsigned all_f = 0;                 /* T_ flags of every token */
	size_t nnames = 0, conv_at = 0;
	int conv = 0, that_clause = 0;

	for (size_t k = 0; k < t->n; k++) {
		uint64_t h = t->h[k];
		unsigned f = t->f[k];
		unsigned cls = word_class(h) & -(unsigned)!(f & T_UNLISTED);
		/* "X asked him about ..." is about the conversation; "X told him
		 * that ..." and "X said that ..." report what was said. */
		if (cls & (W_CONVERSATION | W_ATTRIBUTION)) {
			conv_at = k + 1;
			conv |= (cls & W_CONVERSATION) != 0;
		}
		if (conv_at && k + 1 - conv_at <= 3) {
			if (cls & W_THAT)
				that_clause = 1;
			/* "asked him whether ...", "questioned X about ...": a
			 * question put in reported speech is a question. */
			if ((cls & W_WH) && conv)
				d |= DBIT(D_QUESTION);
		}
		if (prev_cls & (W_FIRST_SING | W_FIRST_PLUR)) {
			if (cls & W_OPINION_VERB)
				d |= DBIT(D_OPINION);
			if (cls & W_FUTURE)
				d |= DBIT(D_FUTURE);
		}
		all_cls |= cls;
		all_f |= f;
		nnames += ((f & T_CAP) != 0) & ((cls & W_FIRST_SING) == 0);
		sc->idx[2 * k] = bucket(h, seed, bits);
		sc->idx[2 * k + 1] = bucket(prev * BIGRAM_MIX + h, seed, bits);
		if (w) {
			__builtin_prefetch(w + sc->idx[2 * k]);
			__builtin_prefetch(w + sc->idx[2 * k + 1]);
		}
		prev = h;
		prev_cls = cls;
	}
	if (t->n > 0) {
		sc->idx[2 * t->n] = bucket(prev * BIGRAM_MIX + START_TOKEN, seed, bits); /* end */
		if (w)
			__builtin_prefetch(w + sc->idx[2 * t->n]);
	}
	sc->nhash = (uint32_t)(2 * t->n + (t->n > 0));
#pragma GCC unroll 16
	for (size_t k = 0; k < CW_ARRAY_SIZE(cls_dense); k++)
		d |= (uint64_t)((all_cls & cls_dense[k].cls) != 0) << cls_dense[k].d;
	d |= (uint64_t)(conv && !that_clause) << D_CONVERSATION;
	d |= (uint64_t)that_clause << D_THAT_CLAUSE;
	d |= (uint64_t)(t->nnum > 0 && (all_f & T_ED)) << D_NUMBER_VERB;
	/* "-est" words not in the list count as superlatives when long enough
	 * to not be "best"-like stems already listed. */
	d |= (uint64_t)((all_f & T_EST) != 0) << D_SUPERLATIVE;
	d |= (uint64_t)(nnames > 0) << D_NAME;
	d |= (uint64_t)(nnames >= 3) << D_NAMES3;
	*dense = d;
	sc->plain = t->whole && !t->wide && !(all_cls & W_TRIGGER);
}

/*
 * The one read of a sentence's bytes.  Fills sc (unless ctx_only) with the
 * sentence's own features: every token's unigram and bigram bucket, then
 * the end-of-sentence bigram, and the dense features it shows (those of its
 * neighbours are set when it is scored).  Fills c (when set) with what the
 * sentence gives its neighbours as context: the buckets of its first
 * CTX_TOKENS tokens, salted for "before" and "after" (so "tax" next to a
 * sentence is not "tax" in it), and whether it is a question or has a
 * number.  Context tells a debate's answer from its small talk and a
 * question's lead-in from the claim it asks about.  With ctx_only the scan
 * stops when the context is full.  w as for token_features(); the
 * context's weights are asked for too.
 */
static void scan_sentence(const unsigned char *s, size_t len, uint32_t seed, unsigned bits,
                          const float *w, int ctx_only, struct cw_cw_scan *sc, struct cw_cw_ctx *c)
{
	struct tokens t;
	uint64_t dense;

	tokenize(s, len, ctx_only ? CTX_TOKENS : SCAN_TOKENS, &t);
	if (c) {
		size_t cn = t.n < CTX_TOKENS ? t.n : CTX_TOKENS;
		for (size_t k = 0; k < cn; k++) {
			c->idx[0][k] = bucket(t.h[k], PREV_SALT ^ seed, bits);
			c->idx[1][k] = bucket(t.h[k], NEXT_SALT ^ seed, bits);
			if (w) { /* read when a neighbour is scored */
				__builtin_prefetch(w + c->idx[0][k]);
				__builtin_prefetch(w + c->idx[1][k]);
			}
		}
		c->n = (uint32_t)cn;
		c->none = len == 0;
		c->number = (unsigned char)t.ctx_number;
		c->question = 0;
		for (size_t e = len; e > 0; e--) {
			unsigned char ch = s[e - 1];
			if (ch == ' ' || ch == '"' || ch == '\'' || ch == '\t' || ch == '\n' ||
			    ch >= 0x80)
				continue;
			c->question = ch == '?';
			break;
		}
	}
	if (ctx_only)
		return;
	dense = t.dense;
	token_features(&t, seed, bits, w, sc, &dense);
	/* The length bucket, counted rather than chosen by branches. */
	dense |= DBIT(D_LEN_1_4 + (t.n >= 5) + (t.n >= 10) + (t.n >= 20) + (t.n >= 40));
	dense |= (uint64_t)(t.nnum > 0) << D_NUMBER;
	sc->dense = dense;
	sc->number = t.nnum == 1 ? 0.6f : 1.0f;
}

/* The speaker's last word ("Donald Trump", "TRUMP", "MR. TRUMP" are one
 * person to a transcript), as a bucket of its own; CW_CW_NO_SPEAKER when
 * there is none. */
static uint32_t speaker_bucket(const char *speaker, size_t speaker_len, uint32_t seed,
                               unsigned bits)
{
	const unsigned char *sp = (const unsigned char *)speaker;
	size_t end = speaker_len, b;
	struct word_key k;

	if (!speaker || speaker_len == 0)
		return CW_CW_NO_SPEAKER;
	while (end > 0 && !is_alpha(sp[end - 1]))
		end--;
	b = end;
	while (b > 0 && is_alpha(sp[b - 1]))
		b--;
	word_key_init(&k);
	for (size_t i = b; i < end; i++)
		word_key_add(&k, lower_letter[sp[i]], 1);
	return bucket(word_key_end(&k) ^ SPEAKER_SALT, seed, bits);
}

/* A sentence's own features and its speaker's bucket, and (ctx set) the
 * context it lends its neighbours; w as for token_features(). */
static void scan_example(const char *s, size_t len, const char *speaker, size_t speaker_len,
                         const float *w, uint32_t seed, unsigned bits, struct cw_cw_scan *sc,
                         struct cw_cw_ctx *ctx)
{
	scan_sentence((const unsigned char *)s, len, seed, bits, w, 0, sc, ctx);
	sc->speaker = speaker_bucket(speaker, speaker_len, seed, bits);
}

static void context_of_text(const char *s, size_t len, uint32_t seed, unsigned bits,
                            struct cw_cw_ctx *c)
{
	struct cw_cw_scan unused;

	if (!s || len == 0) {
		c->none = 1;
		c->n = 0;
		c->question = c->number = 0;
		return;
	}
	scan_sentence((const unsigned char *)s, len, seed, bits, NULL, 1, &unused, c);
}

/* The neighbours' dense features, each 0 or 1, as bits 1 << D_... */
static uint64_t context_dense_set(const struct cw_cw_ctx *prev, const struct cw_cw_ctx *next)
{
	return (uint64_t)prev->none << D_PREV_NONE |
	       (uint64_t)(!prev->none && prev->question) << D_PREV_QUESTION |
	       (uint64_t)(!prev->none && prev->number) << D_PREV_NUMBER |
	       (uint64_t)next->none << D_NEXT_NONE |
	       (uint64_t)(!next->none && next->question) << D_NEXT_QUESTION |
	       (uint64_t)(!next->none && next->number) << D_NEXT_NUMBER;
}

/* The value of dense feature k when set: 1 but for the count of numbers. */
static inline float dense_value(float number, int k)
{
	return k == D_NUMBER ? number : 1.0f;
}

void cw_cw_context(const struct cw_cw_model *m, const char *s, size_t len, struct cw_cw_ctx *out)
{
	context_of_text(s, len, m->seed, m->bits, out);
}

void cw_cw_scan(const struct cw_cw_model *m, const char *s, size_t len, const char *speaker,
                size_t speaker_len, struct cw_cw_scan *sc, struct cw_cw_ctx *ctx)
{
	scan_example(s, len, speaker, speaker_len, m->w, m->seed, m->bits, sc, ctx);
}

void cw_cw_extract(const char *sentence, size_t len, const char *speaker, size_t speaker_len,
                   uint32_t seed, unsigned bits, struct cw_cw_features *out)
{
	struct cw_cw_example e = {
	    .text = sentence, .len = len, .speaker = speaker, .speaker_len = speaker_len};
	cw_cw_extract_ex(&e, seed, bits, out);
}

/* The features of e, in the order the scorer adds them up: the sentence's
 * buckets, the words before it, the words after it (each neighbour at unit
 * length over its words, so that a long one weighs no more than a short
 * one), the speaker, then the dense features. */
void cw_cw_extract_ex(const struct cw_cw_example *e, uint32_t seed, unsigned bits,
                      struct cw_cw_features *out)
{
	struct cw_cw_scan sc;
	struct cw_cw_ctx pc, nc;
	size_t n = 0;
	uint64_t dense;

	word_table_init(); /* features may be asked for before any model exists */
	scan_example(e->text, e->len, e->speaker, e->speaker_len, NULL, seed, bits, &sc, NULL);
	for (uint32_t k = 0; k < sc.nhash; k++) {
		out->idx[n] = sc.idx[k];
		out->val[n++] = 1.0f;
	}
	/* Sentences of another corpus come without their neighbours: unknown
	 * context, not the start of a text, so no context feature at all. */
	if (e->other_corpus) {
		dense = sc.dense | DBIT(D_OTHER_CORPUS);
	} else {
		context_of_text(e->prev, e->prev_len, seed, bits, &pc);
		context_of_text(e->next, e->next_len, seed, bits, &nc);
		dense = sc.dense | context_dense_set(&pc, &nc);
		for (int which = 0; which < 2; which++) {
			const struct cw_cw_ctx *c = which == 0 ? &pc : &nc;
			float v = c->n ? (float)(1.0 / sqrt((double)c->n)) : 0.0f;
			for (uint32_t k = 0; k < c->n; k++) {
				out->idx[n] = c->idx[which][k];
				out->val[n++] = v;
			}
		}
	}
	if (sc.speaker != CW_CW_NO_SPEAKER) {
		out->idx[n] = sc.speaker;
		out->val[n++] = 1.0f;
	}
	for (; dense; dense &= dense - 1) {
		int k = __builtin_ctzll(dense);
		out->idx[n] = (uint32_t)((1u << bits) + (unsigned)k);
		out->val[n++] = dense_value(sc.number, k);
	}
	out->n = n;
}

/* ---- scoring ---- */

static float sigmoid(double z)
{
	if (z > 30)
		z = 30;
	if (z < -30)
		z = -30;
	return (float)(1.0 / (1.0 + exp(-z)));
}

/* The weights dotted with a sentence's features and its neighbours', in the
 * order cw_cw_extract_ex() lists them: first the sentence's buckets
 * (own_of()), then the rest (score_own()).  Every path that scores (an
 * example, a text, the extractor's scans) comes here, so all give the same
 * score to the bit. */
static void own_of(const struct cw_cw_model *m, const struct cw_cw_scan *sc, struct cw_cw_own *own)
{
	const float *w = m->w;
	double z = 0;

	if (sc->nhash <= m->exact_terms) {
		/* Every partial sum is exact, so four running sums give the
		 * same total as one, without waiting on each addition in
		 * turn. */
		double z1 = 0, z2 = 0, z3 = 0;
		uint32_t i;
		for (i = 0; i + 4 <= sc->nhash; i += 4) {
			z += (double)w[sc->idx[i]];
			z1 += (double)w[sc->idx[i + 1]];
			z2 += (double)w[sc->idx[i + 2]];
			z3 += (double)w[sc->idx[i + 3]];
		}
		for (; i < sc->nhash; i++)
			z += (double)w[sc->idx[i]];
		z = (z + z1) + (z2 + z3);
	} else {
		for (uint32_t i = 0; i < sc->nhash; i++)
			z += (double)w[sc->idx[i]];
	}
	own->z = z;
	own->dense = sc->dense;
	own->number = sc->number;
}

/* The score's logit: its bias and weighted features. */
static double logit_own(const struct cw_cw_model *m, const struct cw_cw_own *own, uint32_t speaker,
                        const struct cw_cw_ctx *prev, const struct cw_cw_ctx *next)
{
	static const struct cw_cw_ctx none = {.none = 1};
	const float *w = m->w, *wd = w + ((size_t)1 << m->bits);
	double z = own->z;

	if (!prev)
		prev = &none;
	if (!next)
		next = &none;
	for (int which = 0; which < 2; which++) {
		const struct cw_cw_ctx *c = which == 0 ? prev : next;
		if (c->n == 0)
			continue;
		double v = (float)(1.0 / sqrt((double)c->n));
		for (uint32_t k = 0; k < c->n; k++)
			z += (double)w[c->idx[which][k]] * v;
	}
	if (speaker != CW_CW_NO_SPEAKER)
		z += (double)w[speaker];
	/* The non-zero dense features in order, the sentence's and its
	 * neighbours' (each of those 1): a few of NDENSE. */
	for (uint64_t set = own->dense | context_dense_set(prev, next); set; set &= set - 1) {
		int k = __builtin_ctzll(set);
		z += (double)wd[k] * dense_value(own->number, k);
	}
	return m->bias + z;
}

static float score_own(const struct cw_cw_model *m, const struct cw_cw_own *own, uint32_t speaker,
                       const struct cw_cw_ctx *prev, const struct cw_cw_ctx *next)
{
	return sigmoid(logit_own(m, own, speaker, prev, next));
}

static float score_scan(const struct cw_cw_model *m, const struct cw_cw_scan *sc,
                        const struct cw_cw_ctx *prev, const struct cw_cw_ctx *next)
{
	struct cw_cw_own own;

	own_of(m, sc, &own);
	return score_own(m, &own, sc->speaker, prev, next);
}

float cw_cw_score_scan(const struct cw_cw_model *m, const struct cw_cw_scan *sc,
                       const struct cw_cw_ctx *prev, const struct cw_cw_ctx *next)
{
	return score_scan(m, sc, prev, next);
}

void cw_cw_own_of(const struct cw_cw_model *m, const struct cw_cw_scan *sc, struct cw_cw_own *own)
{
	own_of(m, sc, own);
}

uint32_t cw_cw_speaker(const struct cw_cw_model *m, const char *speaker, size_t speaker_len)
{
	return speaker_bucket(speaker, speaker_len, m->seed, m->bits);
}

float cw_cw_score_own(const struct cw_cw_model *m, const struct cw_cw_own *own, uint32_t speaker,
                      const struct cw_cw_ctx *prev, const struct cw_cw_ctx *next)
{
	return score_own(m, own, speaker, prev, next);
}

double cw_cw_logit_own(const struct cw_cw_model *m, const struct cw_cw_own *own, uint32_t speaker,
                       const struct cw_cw_ctx *prev, const struct cw_cw_ctx *next)
{
	return logit_own(m, own, speaker, prev, next);
}

float cw_cw_score_of_logit(double z)
{
	return sigmoid(z);
}

double cw_cw_logit_below(double score)
{
	/* 1e-3 below the logit of score, sigmoid() comes to at most about
	 * score (1 - 1e-3 (1 - score)): at least 1e-6 of it below, where a
	 * float's rounding (2^-24 of it) cannot bring it back.  A score under
	 * 1e-9 lies under sigmoid()'s floor (its logit is clamped at -30). */
	if (!(score >= 1e-9) || score > 0.999)
		return -INFINITY;
	return log(score / (1 - score)) - 1e-3;
}

float cw_cw_score_example(const struct cw_cw_model *m, const struct cw_cw_example *e)
{
	struct cw_cw_scan sc;
	struct cw_cw_ctx pc, nc;

	if (e->other_corpus) {
		/* Scored as trained: no context, the other corpus's own feature. */
		struct cw_cw_features x;
		double z = 0;
		cw_cw_extract_ex(e, m->seed, m->bits, &x);
		for (size_t i = 0; i < x.n; i++)
			z += (double)m->w[x.idx[i]] * x.val[i];
		return sigmoid(m->bias + z);
	}
	scan_example(e->text, e->len, e->speaker, e->speaker_len, m->w, m->seed, m->bits, &sc,
	             NULL);
	context_of_text(e->prev, e->prev_len, m->seed, m->bits, &pc);
	context_of_text(e->next, e->next_len, m->seed, m->bits, &nc);
	return score_scan(m, &sc, &pc, &nc);
}

float cw_cw_score_ctx(const struct cw_cw_model *m, const char *prev, size_t prev_len,
                      const char *sentence, size_t len, const char *next, size_t next_len,
                      const char *speaker, size_t speaker_len)
{
	struct cw_cw_example e = {.text = sentence,
	                          .len = len,
	                          .speaker = speaker,
	                          .speaker_len = speaker_len,
	                          .prev = prev,
	                          .prev_len = prev_len,
	                          .next = next,
	                          .next_len = next_len};
	return cw_cw_score_example(m, &e);
}

float cw_cw_score(const struct cw_cw_model *m, const char *sentence, size_t len,
                  const char *speaker, size_t speaker_len)
{
	return cw_cw_score_ctx(m, NULL, 0, sentence, len, NULL, 0, speaker, speaker_len);
}

float cw_cw_model_threshold(const struct cw_cw_model *m)
{
	return m->threshold;
}

float *cw_cw_model_weights(const struct cw_cw_model *m)
{
	return m->w;
}

void cw_cw_model_free(struct cw_cw_model *m)
{
	if (!m)
		return;
	free(m->w);
	free(m);
}

/* How many of m's bucket weights can be summed in a double, in any order,
 * with no rounding.  Each weight is a multiple of its float's last place,
 * 2^lo at the least, and below 2^hi in magnitude; a partial sum of k of
 * them is a multiple of 2^lo below k 2^hi, which a double (53 bits) holds
 * exactly while k 2^hi <= 2^(lo + 53).  A model's weights span a few
 * powers of two, so this is some millions; 0 if a weight is not finite. */
static size_t exact_terms(const struct cw_cw_model *m)
{
	int lo = INT_MAX, hi = INT_MIN, room;

	for (size_t i = 0; i < (size_t)1 << m->bits; i++) {
		int e;
		if (m->w[i] == 0)
			continue;
		if (!isfinite(m->w[i]))
			return 0;
		frexpf(m->w[i], &e); /* |w| in [2^(e-1), 2^e): a multiple of 2^(e-24) */
		lo = CW_MIN(lo, e - 24);
		hi = CW_MAX(hi, e);
	}
	if (lo == INT_MAX)
		return SIZE_MAX; /* all 0 */
	room = lo + 53 - hi;
	return room < 0 ? 0 : (size_t)1 << CW_MIN(room, 40);
}

static struct cw_cw_model *model_new(unsigned bits, uint32_t seed)
{
	struct cw_cw_model *m = cw_xcalloc(1, sizeof(*m));
	word_table_init(); /* read by every scan of a model's */
	m->bits = bits;
	m->seed = seed;
	m->threshold = 0.5f;
	m->w = cw_xcalloc(cw_cw_dim(bits), sizeof(float));
	return m;
}

/* ---- the weights file ---- */

/* Splits the next whitespace-separated field off *p; NULL at end of line. */
static char *field(char **p)
{
	char *s = *p;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0')
		return NULL;
	char *e = s;
	while (*e && *e != ' ' && *e != '\t')
		e++;
	if (*e)
		*e++ = '\0';
	*p = e;
	return s;
}

static int parse_ull(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;
	if (!s || !is_digit((unsigned char)*s))
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_float(const char *s, float *out)
{
	char *end;
	if (!s)
		return -1;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || *end || end == s || !isfinite(v) || fabs(v) > 1e6)
		return -1;
	*out = (float)v;
	return 0;
}

struct cw_cw_model *cw_cw_model_load(const char *path, char *errstr, size_t errsize)
{
	struct cw_cw_model *m = NULL;
	char *buf = NULL, *line, *next;
	size_t blen, lineno = 0;
	unsigned long long bits = 0, seed = 0;
	float bias = 0, threshold = 0.5f;
	int have_magic = 0, have_bias = 0, have_seed = 0, have_threshold = 0, ok = 0;
	unsigned char *seen = NULL;

	if (cw_read_file(path, MAX_WEIGHTS_FILE, &buf, &blen, errstr, errsize) != 0)
		goto out;
	if (memchr(buf, '\0', blen)) {
		snprintf(errstr, errsize, "%s: binary data in a weights file", path);
		goto out;
	}
	for (line = buf; line && *line; line = next) {
		char *p, *key, *a, *b;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		size_t ll = strlen(line);
		if (ll > 0 && line[ll - 1] == '\r')
			line[ll - 1] = '\0';
		p = line;
		key = field(&p);
		if (!key || key[0] == '#')
			continue;
		a = field(&p);
		b = field(&p);
		if (field(&p)) {
			snprintf(errstr, errsize, "%s:%zu: trailing fields after '%s'", path,
			         lineno, key);
			goto out;
		}
		if (!have_magic) {
			unsigned long long v;
			if (strcmp(key, FORMAT_MAGIC) != 0 || parse_ull(a, 1000, &v) != 0 || b) {
				snprintf(
				    errstr, errsize,
				    "%s:%zu: not a check-worthiness weights file (expected '%s "
				    "%d')",
				    path, lineno, FORMAT_MAGIC, FORMAT_VERSION);
				goto out;
			}
			if (v != FORMAT_VERSION) {
				snprintf(
				    errstr, errsize,
				    "%s:%zu: unsupported format version %llu (this build reads "
				    "%d; retrain with `claimwire train checkworthiness`)",
				    path, lineno, v, FORMAT_VERSION);
				goto out;
			}
			have_magic = 1;
			continue;
		}
		if (strcmp(key, "h") == 0 || strcmp(key, "d") == 0) {
			unsigned long long idx;
			float w;
			if (!m) {
				if (!bits || !have_seed || !have_bias) {
					snprintf(errstr, errsize,
					         "%s:%zu: weight before the header "
					         "(seed, buckets, bias)",
					         path, lineno);
					goto out;
				}
				m = model_new((unsigned)bits, (uint32_t)seed);
				seen = cw_xcalloc(cw_cw_dim((unsigned)bits), 1);
			}
			if (parse_float(b, &w) != 0) {
				snprintf(errstr, errsize, "%s:%zu: bad weight '%s'", path, lineno,
				         b ? b : "");
				goto out;
			}
			if (key[0] == 'h') {
				if (parse_ull(a, (1ull << bits) - 1, &idx) != 0) {
					snprintf(errstr, errsize,
					         "%s:%zu: bucket '%s' is not in [0, %llu)", path,
					         lineno, a ? a : "", 1ull << bits);
					goto out;
				}
			} else {
				size_t k;
				for (k = 0; k < NDENSE; k++)
					if (a && strcmp(a, dense_names[k]) == 0)
						break;
				if (k == NDENSE) {
					snprintf(errstr, errsize, "%s:%zu: unknown feature '%s'",
					         path, lineno, a ? a : "");
					goto out;
				}
				idx = (1ull << bits) + k;
			}
			if (seen[idx]) {
				snprintf(errstr, errsize, "%s:%zu: duplicate weight for '%s'", path,
				         lineno, a);
				goto out;
			}
			seen[idx] = 1;
			m->w[idx] = w;
			continue;
		}
		if (m) {
			snprintf(errstr, errsize, "%s:%zu: '%s' after the weights", path, lineno,
			         key);
			goto out;
		}
		if (b) {
			snprintf(errstr, errsize, "%s:%zu: '%s' takes one value", path, lineno,
			         key);
			goto out;
		}
		if (strcmp(key, "seed") == 0) {
			if (parse_ull(a, UINT32_MAX, &seed) != 0) {
				snprintf(errstr, errsize, "%s:%zu: bad seed '%s'", path, lineno,
				         a ? a : "");
				goto out;
			}
			have_seed = 1;
		} else if (strcmp(key, "buckets") == 0) {
			unsigned long long v;
			if (parse_ull(a, 1ull << MAX_BITS, &v) != 0 || v < (1u << MIN_BITS) ||
			    (v & (v - 1)) != 0) {
				snprintf(errstr, errsize,
				         "%s:%zu: buckets '%s' is not a power of two in [%u, %u]",
				         path, lineno, a ? a : "", 1u << MIN_BITS, 1u << MAX_BITS);
				goto out;
			}
			for (bits = 0; (1ull << bits) < v; bits++)
				;
		} else if (strcmp(key, "bias") == 0) {
			if (parse_float(a, &bias) != 0) {
				snprintf(errstr, errsize, "%s:%zu: bad bias '%s'", path, lineno,
				         a ? a : "");
				goto out;
			}
			have_bias = 1;
		} else if (strcmp(key, "threshold") == 0) {
			if (parse_float(a, &threshold) != 0 || threshold < 0 || threshold > 1) {
				snprintf(errstr, errsize, "%s:%zu: threshold '%s' is not in [0, 1]",
				         path, lineno, a ? a : "");
				goto out;
			}
			have_threshold = 1;
		} else {
			snprintf(errstr, errsize, "%s:%zu: unknown key '%s'", path, lineno, key);
			goto out;
		}
	}
	if (!have_magic) {
		snprintf(errstr, errsize, "%s:%zu: empty weights file", path, lineno);
		goto out;
	}
	if (!m) {
		if (!bits || !have_seed || !have_bias) {
			snprintf(errstr, errsize, "%s:%zu: missing %s", path, lineno,
			         !bits        ? "'buckets'"
			         : !have_seed ? "'seed'"
			                      : "'bias'");
			goto out;
		}
		m = model_new((unsigned)bits, (uint32_t)seed);
	}
	(void)have_threshold;
	m->bias = bias;
	m->threshold = threshold;
	m->exact_terms = exact_terms(m); /* its weights are settled */
	ok = 1;
out:
	free(buf);
	free(seen);
	if (!ok) {
		cw_cw_model_free(m);
		m = NULL;
	}
	return m;
}

int cw_cw_model_save(const struct cw_cw_model *m, const char *path, double prune, float threshold,
                     char *errstr, size_t errsize)
{
	int rc = CW_ERR_IO;
	size_t nb = (size_t)1 << m->bits, nw = 0;
	FILE *fp = fopen(path, "w");
	if (!fp) {
		snprintf(errstr, errsize, "%s: %s", path, strerror(errno));
		return rc;
	}
	for (size_t i = 0; i < nb; i++)
		nw += m->w[i] != 0 && fabs(m->w[i]) >= prune;
	fprintf(fp,
	        "# claimwire check-worthiness model: logistic regression over hashed word\n"
	        "# unigrams/bigrams and dense claim features (extract/checkworthiness.h).\n"
	        "# Written by `claimwire train checkworthiness`; %zu hashed weights kept.\n",
	        nw);
	fprintf(fp, "%s %d\nseed %u\nbuckets %zu\nbias %.6g\nthreshold %.4g\n", FORMAT_MAGIC,
	        FORMAT_VERSION, m->seed, nb, m->bias, threshold);
	for (size_t k = 0; k < NDENSE; k++)
		if (m->w[nb + k] != 0)
			fprintf(fp, "d %s %.5g\n", dense_names[k], m->w[nb + k]);
	for (size_t i = 0; i < nb; i++)
		if (m->w[i] != 0 && fabs(m->w[i]) >= prune)
			fprintf(fp, "h %zu %.4g\n", i, m->w[i]);
	if (ferror(fp)) {
		snprintf(errstr, errsize, "%s: write error", path);
		fclose(fp);
		goto out;
	}
	if (fclose(fp) != 0) {
		snprintf(errstr, errsize, "%s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	return rc;
}

/* ---- training ---- */

#define AVG_EVERY 256 /* SGD steps between snapshots of the averaged model */

void cw_cw_train_opts_init(struct cw_cw_train_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->bits = CW_CW_DEFAULT_BITS;
	o->seed = CW_CW_DEFAULT_SEED;
	o->epochs = 8;
	o->lr = 0.03;
	o->l2 = 1e-4;
	o->pos_weight = 0;
	o->shuffle_seed = 42;
	o->rank_mix = 0;
	o->other_weight = 1;
	o->bag = 1;
}

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Sentences of each group by label, for drawing ranking pairs: the
 * positives of group g are pos[pos_at[g] .. pos_at[g + 1]), likewise neg. */
struct pairs {
	size_t *pos, *neg, *pos_at, *neg_at;
	unsigned ngroups; /* highest group + 1 */
};

static void pairs_build(const struct cw_cw_example *ex, size_t n, struct pairs *p)
{
	unsigned g = 0;
	for (size_t i = 0; i < n; i++)
		if (ex[i].group > g)
			g = ex[i].group;
	p->ngroups = g + 1;
	p->pos_at = cw_xcalloc((size_t)p->ngroups + 1, sizeof(size_t));
	p->neg_at = cw_xcalloc((size_t)p->ngroups + 1, sizeof(size_t));
	p->pos = cw_xmalloc((n ? n : 1) * sizeof(size_t));
	p->neg = cw_xmalloc((n ? n : 1) * sizeof(size_t));
	/* counting sort: sizes, then starts, then fill */
	for (size_t i = 0; i < n; i++)
		if (ex[i].group)
			(ex[i].label ? p->pos_at : p->neg_at)[ex[i].group + 1]++;
	for (unsigned k = 1; k <= p->ngroups; k++) {
		p->pos_at[k] += p->pos_at[k - 1];
		p->neg_at[k] += p->neg_at[k - 1];
	}
	size_t *pf = cw_xmalloc(((size_t)p->ngroups + 1) * sizeof(size_t));
	size_t *nf = cw_xmalloc(((size_t)p->ngroups + 1) * sizeof(size_t));
	memcpy(pf, p->pos_at, ((size_t)p->ngroups + 1) * sizeof(size_t));
	memcpy(nf, p->neg_at, ((size_t)p->ngroups + 1) * sizeof(size_t));
	for (size_t i = 0; i < n; i++)
		if (ex[i].group) {
			if (ex[i].label)
				p->pos[pf[ex[i].group]++] = i;
			else
				p->neg[nf[ex[i].group]++] = i;
		}
	free(pf);
	free(nf);
}

static void pairs_free(struct pairs *p)
{
	free(p->pos);
	free(p->neg);
	free(p->pos_at);
	free(p->neg_at);
}

/* One model of the bag: averaged SGD from zero with data order seed rseed. */
static struct cw_cw_model *train_one(const struct cw_cw_example *ex, size_t n,
                                     const struct cw_cw_train_opts *o, uint64_t rseed,
                                     const size_t *start, const uint32_t *idx, const float *val,
                                     const struct pairs *pr, int report)
{
	struct cw_cw_model *m = model_new(o->bits, o->seed);
	size_t npos = 0, dim = cw_cw_dim(o->bits);
	size_t *order = cw_xmalloc((n ? n : 1) * sizeof(*order));
	uint64_t rng = rseed;
	double wpos, wneg, scale = 1.0, t = 0, nsnap = 0, bias_sum = 0;
	double mix = o->rank_mix, ow = o->other_weight > 0 ? o->other_weight : 1;
	float *avg = cw_xcalloc(dim, sizeof(*avg));

	for (size_t i = 0; i < n; i++) {
		npos += ex[i].label != 0;
		order[i] = i;
	}
	/* Class weights: positives weigh pos_weight, or enough to balance the
	 * classes; both scaled so the mean example weight is 1. */
	if (npos == 0 || npos == n) {
		wpos = wneg = 1;
	} else {
		double pw = o->pos_weight > 0 ? o->pos_weight : (double)(n - npos) / (double)npos;
		double mean = (pw * (double)npos + (double)(n - npos)) / (double)n;
		wpos = pw / mean;
		wneg = 1 / mean;
	}
	/* Start the bias at the weighted base rate's log-odds. */
	if (npos > 0 && npos < n)
		m->bias = (float)log((wpos * (double)npos) / (wneg * (double)(n - npos)));

	/* SGD on weighted logistic loss with L2 (Bottou's schedule
	 * lr / (1 + lr*l2*t)), the L2 shrink folded into one scale factor so each
	 * step costs only the sentence's features. */
	for (unsigned ep = 0; ep < o->epochs; ep++) {
		for (size_t i = n; i > 1; i--) { /* Fisher-Yates */
			size_t j = (size_t)(splitmix(&rng) % i);
			size_t tmp = order[i - 1];
			order[i - 1] = order[j];
			order[j] = tmp;
		}
		for (size_t r = 0; r < n; r++) {
			size_t e = order[r];
			unsigned grp = ex[e].group;
			int paired = mix > 0 && grp && pr->pos_at[grp + 1] > pr->pos_at[grp] &&
			             pr->neg_at[grp + 1] > pr->neg_at[grp];
			double z = m->bias, eta = o->lr / (1 + o->lr * o->l2 * t);
			for (size_t k = start[e]; k < start[e + 1]; k++)
				z += scale * m->w[idx[k]] * val[k];
			double p = sigmoid(z), y = ex[e].label != 0;
			double g = (p - y) * (y > 0 ? wpos : wneg);
			if (ex[e].other_corpus)
				g *= ow;
			if (paired)
				g *= 1 - mix;
			scale *= 1 - eta * o->l2;
			if (scale < 1e-6) {
				for (size_t k = 0; k < dim; k++)
					m->w[k] = (float)(m->w[k] * scale);
				scale = 1;
			}
			for (size_t k = start[e]; k < start[e + 1]; k++)
				m->w[idx[k]] -= (float)(eta * g * val[k] / scale);
			m->bias -= (float)(eta * g * 0.1); /* a slower bias: it sees every step */
			if (paired) {
				/* A sentence of the other label from the same debate:
				 * a step on log(1 + exp(s_neg - s_pos)). */
				size_t q, a, b;
				if (ex[e].label) {
					size_t c = pr->neg_at[grp + 1] - pr->neg_at[grp];
					q = pr->neg[pr->neg_at[grp] + splitmix(&rng) % c];
					a = e;
					b = q;
				} else {
					size_t c = pr->pos_at[grp + 1] - pr->pos_at[grp];
					q = pr->pos[pr->pos_at[grp] + splitmix(&rng) % c];
					a = q;
					b = e;
				}
				double d = 0;
				for (size_t k = start[a]; k < start[a + 1]; k++)
					d += scale * m->w[idx[k]] * val[k];
				for (size_t k = start[b]; k < start[b + 1]; k++)
					d -= scale * m->w[idx[k]] * val[k];
				double gr = mix * (1 - sigmoid(d)) * eta / scale;
				for (size_t k = start[a]; k < start[a + 1]; k++)
					m->w[idx[k]] += (float)(gr * val[k]);
				for (size_t k = start[b]; k < start[b + 1]; k++)
					m->w[idx[k]] -= (float)(gr * val[k]);
			}
			t++;
			/* Averaged SGD: the model returned is the mean of snapshots taken
			 * every AVG_EVERY steps, which damps the jumps that rare, heavily
			 * weighted positives cause. */
			if ((size_t)t % AVG_EVERY == 0) {
				for (size_t k = 0; k < dim; k++)
					avg[k] += (float)(m->w[k] * scale);
				bias_sum += m->bias;
				nsnap++;
			}
		}
		for (size_t k = 0; k < dim; k++)
			m->w[k] = (float)(m->w[k] * scale);
		scale = 1;
		if (report && o->on_epoch && nsnap > 0) {
			struct cw_cw_model view = *m;
			view.w = cw_xmalloc(dim * sizeof(float));
			for (size_t k = 0; k < dim; k++)
				view.w[k] = (float)(avg[k] / nsnap);
			view.bias = (float)(bias_sum / nsnap);
			o->on_epoch(ep + 1, &view, o->opaque);
			free(view.w);
		}
	}
	if (nsnap > 0) {
		for (size_t k = 0; k < dim; k++)
			m->w[k] = (float)(avg[k] / nsnap);
		m->bias = (float)(bias_sum / nsnap);
	}
	free(avg);
	free(order);
	return m;
}

struct cw_cw_model *cw_cw_train(const struct cw_cw_example *ex, size_t n,
                                const struct cw_cw_train_opts *o)
{
	struct cw_cw_model *m = NULL;
	size_t nfeat = 0, dim = cw_cw_dim(o->bits);
	size_t *start = cw_xmalloc((n + 1) * sizeof(*start));
	uint32_t *idx;
	float *val;
	struct cw_cw_features *x = cw_xmalloc(sizeof(*x));
	unsigned bag = o->bag > 0 ? o->bag : 1;
	struct pairs pr;

	/* Features once, flattened: n sentences of ~50 features each. */
	for (size_t i = 0; i < n; i++) {
		cw_cw_extract_ex(&ex[i], o->seed, o->bits, x);
		nfeat += x->n;
	}
	idx = cw_xmalloc((nfeat ? nfeat : 1) * sizeof(*idx));
	val = cw_xmalloc((nfeat ? nfeat : 1) * sizeof(*val));
	nfeat = 0;
	for (size_t i = 0; i < n; i++) {
		cw_cw_extract_ex(&ex[i], o->seed, o->bits, x);
		start[i] = nfeat;
		memcpy(idx + nfeat, x->idx, x->n * sizeof(*idx));
		memcpy(val + nfeat, x->val, x->n * sizeof(*val));
		nfeat += x->n;
	}
	start[n] = nfeat;
	pairs_build(ex, n, &pr);

	/* A bag: the mean of models trained on different orders of the data
	 * (for logistic models over the same features, averaging the logits is
	 * averaging the weights). */
	for (unsigned b = 0; b < bag; b++) {
		uint64_t rs = o->shuffle_seed + (uint64_t)b * 0x9e3779b97f4a7c15ull;
		struct cw_cw_model *one = train_one(ex, n, o, rs, start, idx, val, &pr, bag == 1);
		if (!m) {
			m = one;
			continue;
		}
		for (size_t k = 0; k < dim; k++)
			m->w[k] += one->w[k];
		m->bias += one->bias;
		cw_cw_model_free(one);
	}
	if (bag > 1) {
		for (size_t k = 0; k < dim; k++)
			m->w[k] /= (float)bag;
		m->bias /= (float)bag;
	}
	pairs_free(&pr);
	free(x);
	free(idx);
	free(val);
	free(start);
	return m;
}

/* ---- ranking measures ---- */

struct ranked {
	float score;
	size_t i;
};

static int by_score_desc(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

static struct ranked *rank(const float *scores, size_t n)
{
	struct ranked *r = cw_xmalloc((n ? n : 1) * sizeof(*r));
	for (size_t i = 0; i < n; i++) {
		r[i].score = scores[i];
		r[i].i = i;
	}
	cw_qsort(r, n, sizeof(*r), by_score_desc);
	return r;
}

double cw_cw_average_precision(const float *scores, const int *labels, size_t n)
{
	struct ranked *r = rank(scores, n);
	double sum = 0;
	size_t hits = 0;
	for (size_t k = 0; k < n; k++) {
		if (labels[r[k].i]) {
			hits++;
			sum += (double)hits / (double)(k + 1);
		}
	}
	free(r);
	return hits ? sum / (double)hits : 0.0;
}

double cw_cw_precision_at(const float *scores, const int *labels, size_t n, size_t k)
{
	struct ranked *r = rank(scores, n);
	size_t hits = 0;
	for (size_t i = 0; i < k && i < n; i++)
		hits += labels[r[i].i] != 0;
	free(r);
	return k ? (double)hits / (double)k : 0.0;
}
