/*
 * attribution.c — who says what in one sentence (see attribution.h).
 *
 * The sentence is cut into words with the punctuation between them noted
 * (comma, colon, quote, dash, bracket) and whether each word lies inside a
 * quotation.  A few patterns of English news copy are then tried in order:
 * "According to X, ...", a quotation closed and followed by its attribution
 * ('"...," Peskov said.'), a verb of saying after a short subject ("Peskov
 * said that ..."), a trailing attribution after a comma ("..., officials
 * said."), and "..., according to X".  A subject must look like one: short,
 * opening with a capital, a pronoun or a determiner, and no relative word
 * ("which Peskov answered was ..." is no attribution).  Adverbs and
 * auxiliaries between subject and verb ("also said", "has repeatedly
 * claimed") are neither; a verb-like word after a determiner or a
 * possessive ("several states", "Trump's claims") is a noun; "X repeated
 * the claim that ..." attributes like "X said that ..."; a quotation after
 * where it was said ('wrote on Twitter: "...') is what was said; and a
 * rebuttal after a comma (", a figure officials dispute") is left out of
 * the claim.
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <utf8proc.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "extract/attribution.h"
#include "lib/common.h"

/* Punctuation seen between a word and the one before it. */
enum {
	P_COMMA = 1 << 0, /* , ; */
	P_COLON = 1 << 1,
	P_QUOTE = 1 << 2, /* a double quote, straight or curly */
	P_DASH = 1 << 3,  /* — – */
	P_PAREN = 1 << 4, /* ( ) [ ] */
	P_TERM = 1 << 5,  /* . ! ? at the end of the previous word */
};

/* The word lists below, as bits of a word's class. */
enum {
	L_VERBS_THAT = 1 << 0,
	L_VERBS_TAIL = 1 << 1,
	L_VERBS_OBJECT = 1 << 2,
	L_PRONOUNS = 1 << 3,
	L_OBJECT_PRONOUNS = 1 << 4,
	L_DETERMINERS = 1 << 5,
	L_GROUPS = 1 << 6,
	L_RELATIVES = 1 << 7,
	L_WEEKDAYS = 1 << 8,
	L_TITLES = 1 << 9,
	L_PARTICLES = 1 << 10,
	L_ACCORDING = 1 << 11,
	L_TO = 1 << 12,
	L_THE = 1 << 13,
	L_THAT = 1 << 14,
	L_ADVERBS = 1 << 15,
	L_FIRST_PERSON = 1 << 16,
	L_VERBS_CLAIM = 1 << 17,
	L_CLAIM_NOUNS = 1 << 18,
	L_REBUTTAL = 1 << 19,
	L_A = 1 << 20,
};

/* The lists one of whose words every attribution needs (a verb of saying,
 * "according"), and the rebuttal nouns set_claim() looks for: a sentence
 * with none of them is the article's own voice, its claim the whole of it,
 * and its words need not be looked up in the other lists. */
#define L_TRIGGERS (L_VERBS_THAT | L_VERBS_CLAIM | L_VERBS_TAIL | L_ACCORDING | L_REBUTTAL)

struct tok {
	size_t s, e;        /* bytes of the word, without final . ! ? */
	unsigned pre;       /* P_* between the previous word and this one */
	unsigned char inq;  /* inside a quotation */
	unsigned char cap;  /* starts with an upper-case letter */
	unsigned char qend; /* a quotation closes right after this word */
	unsigned cls;       /* L_*: the word lists it is in */
};

struct sent {
	const unsigned char *t;
	size_t len;
	struct tok tok[CW_ATTR_MAX_TOKENS];
	size_t n;
	unsigned any; /* L_*: the lists any word is in */
};

static int is_upper_at(const unsigned char *t, size_t i, size_t len)
{
	utf8proc_int32_t cp;

	if (t[i] < 0x80)
		return t[i] >= 'A' && t[i] <= 'Z';
	if (utf8proc_iterate(t + i, (utf8proc_ssize_t)(len - i), &cp) <= 0)
		return 0;
	return utf8proc_category(cp) == UTF8PROC_CATEGORY_LU;
}

static int is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c >= 0x80;
}

/* Length of a separator at t[i] and its P_* kind in *kind (0 for space);
 * 0 when t[i] belongs to a word.  Apostrophes inside words stay in them. */
static size_t sep_at(const unsigned char *t, size_t i, size_t len, unsigned *kind, int *quote)
{
	unsigned char c = t[i];

	*kind = 0;
	*quote = 0;
	switch (c) {
	case ' ':
	case '\t':
	case '\n':
	case '\r':
		return 1;
	case ',':
	case ';':
		*kind = P_COMMA;
		return 1;
	case ':':
		*kind = P_COLON;
		return 1;
	case '(':
	case ')':
	case '[':
	case ']':
		*kind = P_PAREN;
		return 1;
	case '"':
		*kind = P_QUOTE;
		/* A straight quote glued to the word before it and not to the
		 * word after it closes ('Moscow," Peskov'); the other way round
		 * it opens; otherwise it toggles. */
		if (i > 0 && t[i - 1] != ' ' && t[i - 1] != '\n' && t[i - 1] != '\t' &&
		    (i + 1 == len || t[i + 1] == ' ' || t[i + 1] == '\n'))
			*quote = 3;
		else if ((i == 0 || t[i - 1] == ' ' || t[i - 1] == '\n' || t[i - 1] == '\t') &&
		         i + 1 < len && t[i + 1] != ' ')
			*quote = 2;
		else
			*quote = 1;
		return 1;
	case '\'':
		if (i > 0 && i + 1 < len && is_alnum(t[i - 1]) && is_alnum(t[i + 1]))
			return 0;
		return 1;
	default:
		break;
	}
	if (c == 0xE2 && i + 2 < len && t[i + 1] == 0x80) {
		switch (t[i + 2]) {
		case 0x9C: /* “ */
			*kind = P_QUOTE;
			*quote = 2; /* opens */
			return 3;
		case 0x9D: /* ” */
			*kind = P_QUOTE;
			*quote = 3; /* closes */
			return 3;
		case 0x98: /* ‘ */
			return 3;
		case 0x99: /* ’: an apostrophe inside a word */
			if (i > 0 && i + 3 < len && is_alnum(t[i - 1]) && is_alnum(t[i + 3]))
				return 0;
			return 3;
		case 0x93: /* – */
		case 0x94: /* — */
			*kind = P_DASH;
			return 3;
		case 0xA2: /* • */
		case 0xA6: /* … */
			return 3;
		default:
			break;
		}
	}
	if (c == 0xC2 && i + 1 < len &&
	    (t[i + 1] == 0xA0 || t[i + 1] == 0xAB || t[i + 1] == 0xBB)) {
		if (t[i + 1] != 0xA0)
			*kind = P_QUOTE;
		return 2;
	}
	if (c == '-' && i + 1 < len && t[i + 1] == '-') {
		*kind = P_DASH;
		return 2;
	}
	return 0;
}

/* Bytes by what sep_at() says of them whatever is around them: B_PLAIN,
 * always in a word; B_SEP, always a separator of one byte; 0, it depends
 * on the bytes around (an apostrophe, "--", a curly quote, a no-break
 * space).  Only the 0 bytes ask sep_at(). */
enum { B_PLAIN = 1, B_SEP = 2 };
static unsigned char plain_byte[256];

static void plain_init(void)
{
	memset(plain_byte, B_PLAIN, sizeof(plain_byte));
	for (const char *p = "'-\xE2\xC2"; *p; p++)
		plain_byte[(unsigned char)*p] = 0;
	for (const char *p = " \t\n\r,;:()[]\""; *p; p++)
		plain_byte[(unsigned char)*p] = B_SEP;
}

#define WC_MAXLEN 16 /* longest listed word + 1 */

static unsigned word_class(const unsigned char *t, size_t len, size_t w, size_t n);
static unsigned word_trigger(const unsigned char *t, size_t len, size_t w, size_t n);
static void classify(struct sent *st);

#ifdef __SSE2__
/* The B_SEP bytes (*sep) and the bytes that depend (*dep) of the 16 at p,
 * one bit each: the bytes plain_byte[] says, 16 at a time. */
static inline void classes16(const unsigned char *p, uint64_t *sep, uint64_t *dep)
{
	__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i o = _mm_or_si128(x, _mm_set1_epi8(1)); /* the pairs ( ) and : ; */
	__m128i s = _mm_cmpeq_epi8(x, _mm_set1_epi8(' '));
	__m128i d = _mm_cmpeq_epi8(x, _mm_set1_epi8('\''));

	s = _mm_or_si128(s, _mm_cmpeq_epi8(x, _mm_set1_epi8('\t')));
	s = _mm_or_si128(s, _mm_cmpeq_epi8(x, _mm_set1_epi8('\n')));
	s = _mm_or_si128(s, _mm_cmpeq_epi8(x, _mm_set1_epi8('\r')));
	s = _mm_or_si128(s, _mm_cmpeq_epi8(x, _mm_set1_epi8(',')));
	s = _mm_or_si128(s, _mm_cmpeq_epi8(o, _mm_set1_epi8(')')));
	s = _mm_or_si128(s, _mm_cmpeq_epi8(o, _mm_set1_epi8(';')));
	s = _mm_or_si128(s, _mm_cmpeq_epi8(x, _mm_set1_epi8('[')));
	s = _mm_or_si128(s, _mm_cmpeq_epi8(x, _mm_set1_epi8(']')));
	s = _mm_or_si128(s, _mm_cmpeq_epi8(x, _mm_set1_epi8('"')));
	d = _mm_or_si128(d, _mm_cmpeq_epi8(x, _mm_set1_epi8('-')));
	d = _mm_or_si128(d, _mm_cmpeq_epi8(x, _mm_set1_epi8((char)0xE2)));
	d = _mm_or_si128(d, _mm_cmpeq_epi8(x, _mm_set1_epi8((char)0xC2)));
	*sep = (uint64_t)(unsigned)_mm_movemask_epi8(s);
	*dep = (uint64_t)(unsigned)_mm_movemask_epi8(d);
}
#endif

/* The classes of bytes t[base .. base + n), 0 < n <= 64, bit j for
 * t[base + j]: the B_SEP bytes (*sep) and the bytes that depend (*dep).
 * Reads no byte past t[base + n). */
static inline void classes(const unsigned char *t, size_t base, size_t n, uint64_t *sep,
                           uint64_t *dep)
{
	uint64_t s = 0, d = 0;

#ifdef __SSE2__
	uint64_t cs, cd;
	size_t j;

	for (j = 0; j + 16 <= n; j += 16) {
		classes16(t + base + j, &cs, &cd);
		s |= cs << j;
		d |= cd << j;
	}
	if (j < n) {
		if (base + n >= 16) { /* the 16 bytes ending at base + n, shifted down */
			classes16(t + base + n - 16, &cs, &cd);
			cs >>= 16 - (n - j);
			cd >>= 16 - (n - j);
		} else {
			unsigned char tail[16] = {0};
			memcpy(tail, t + base + j, n - j);
			classes16(tail, &cs, &cd);
		}
		s |= cs << j;
		d |= cd << j;
	}
	if (n < 64) { /* no bit past the bytes asked for */
		s &= ~(~0ull << n);
		d &= ~(~0ull << n);
	}
#else
	for (size_t j = 0; j < n; j++) {
		s |= (uint64_t)(plain_byte[t[base + j]] == B_SEP) << j;
		d |= (uint64_t)(plain_byte[t[base + j]] == 0) << j;
	}
#endif
	*sep = s;
	*dep = d;
}

/* The words of a text, found 64 bytes at a time: a word is a run of bytes
 * none of which is in a separator, as sep_at() measures separators from the
 * start of the text.  Words come out in order, as byte ranges. */
struct words {
	const unsigned char *t;
	size_t len;
	size_t base; /* the block: t[base .. base + 64) */
	/* Bits of the block where a word starts or ends (the byte after it),
	 * not yet returned: starts and ends take turns. */
	uint64_t bounds;
	uint64_t spill; /* bytes of the next block in a separator begun in this one */
	uint64_t last;  /* 1: the block's last byte is in a word */
	size_t s;       /* the start of the word being read, when open */
	int open;
};

/* Finds where words start and end in the block at w->base.  Blocks are
 * read in order: a separator begun in the one before may run into it. */
static void words_block(struct words *w)
{
	size_t n = w->len - w->base < 64 ? w->len - w->base : 64;
	uint64_t sep, dep, in;

	classes(w->t, w->base, n, &sep, &dep);
	/* Every byte that depends asks sep_at(), in order, unless a separator
	 * of several bytes before it took it in. */
	sep |= w->spill;
	w->spill = 0;
	for (; dep; dep &= dep - 1) {
		unsigned j = (unsigned)__builtin_ctzll(dep), kind;
		int quote;
		size_t k;

		if (sep >> j & 1)
			continue;
		k = sep_at(w->t, w->base + j, w->len, &kind, &quote);
		if (k == 0)
			continue;
		sep |= ((1ull << k) - 1) << j;
		if (j + k > 64)
			w->spill = ((1ull << k) - 1) >> (64 - j);
	}
	in = ~sep & (n < 64 ? ~(~0ull << n) : ~0ull);
	w->bounds = in ^ (in << 1 | w->last);
	w->last = in >> 63;
}

static void words_init(struct words *w, const unsigned char *t, size_t len)
{
	memset(w, 0, sizeof(*w));
	w->t = t;
	w->len = len;
	if (len > 0)
		words_block(w);
}

/* words_next() for a word open at the end of a block, or the next block. */
static int words_next_block(struct words *w, size_t *s, size_t *e)
{
	for (;;) {
		if (w->bounds) {
			size_t b = w->base + (size_t)__builtin_ctzll(w->bounds);

			w->bounds &= w->bounds - 1;
			if (w->open) {
				*s = w->s;
				*e = b;
				w->open = 0;
				return 1;
			}
			w->s = b;
			w->open = 1;
			continue;
		}
		if (w->len - w->base <= 64) {
			/* The text ends in the block: a word still open ends
			 * with it. */
			if (!w->open)
				return 0;
			*s = w->s;
			*e = w->len;
			w->open = 0;
			return 1;
		}
		w->base += 64;
		words_block(w);
	}
}

/* The next word, bytes [*s, *e); 0 when there is none. */
static inline int words_next(struct words *w, size_t *s, size_t *e)
{
	uint64_t b = w->bounds;

	if (w->open || (b & (b - 1)) == 0)
		return words_next_block(w, s, e);
	/* The commonest case: the word starts and ends in the block. */
	*s = w->base + (size_t)__builtin_ctzll(b);
	b &= b - 1;
	*e = w->base + (size_t)__builtin_ctzll(b);
	w->bounds = b & (b - 1);
	return 1;
}

/* Whether c is one of the . ! ? and - that may end a word without being
 * part of it: a letter or a digit (most words' last byte) is none. */
static inline int trailing_punct(unsigned char c)
{
	return c < 0x40 && (c == '.' || c == '!' || c == '?' || c == '-');
}

/* Whether w[0..n) holds a '.': words are short, and a loop costs less
 * than a call to memchr(). */
static inline int has_dot(const unsigned char *w, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (w[k] == '.')
			return 1;
	return 0;
}

/* The end of word t[s .. i) without its final . ! ? and -, unless it is an
 * abbreviation with an inner dot (U.S.) or an initial (W.); s when the word
 * is punctuation only ("?"). */
static inline size_t word_trim(const unsigned char *t, size_t len, size_t s, size_t i)
{
	size_t e = i;

	while (e > s && trailing_punct(t[e - 1])) {
		if (t[e - 1] == '.' &&
		    (has_dot(t + s, e - 1 - s) || (e - s == 2 && is_upper_at(t, s, len))))
			break;
		e--;
	}
	return e;
}

/* Notes the separators t[i .. end) (no word byte among them) in *pre and
 * the quotation state *inq: a quotation closing after word n - 1 marks it. */
static void separators(struct sent *st, size_t i, size_t end, unsigned *pre, int *inq)
{
	const unsigned char *t = st->t;

	while (i < end) {
		unsigned kind;
		int quote;
		size_t k;

		if (t[i] == ' ') { /* the commonest separator, of no kind */
			i++;
			continue;
		}
		/* Only a word byte gives k 0, and words_next() leaves none
		 * here: stepping over one all the same keeps the scan finite. */
		k = sep_at(t, i, st->len, &kind, &quote);
		i += k > 0 ? k : 1;
		*pre |= kind;
		if (quote) {
			int was = *inq;
			*inq = quote == 1 ? !*inq : quote == 2;
			if (was && !*inq && st->n > 0)
				st->tok[st->n - 1].qend = 1;
		}
	}
}

static void tokenize(struct sent *st)
{
	const unsigned char *t = st->t;
	size_t len = st->len, prev = 0, s, i;
	unsigned pre = 0;
	int inq = 0;
	struct words w;

	st->n = 0;
	words_init(&w, t, len);
	while (st->n < CW_ATTR_MAX_TOKENS && words_next(&w, &s, &i)) {
		size_t e = word_trim(t, len, s, i);

		separators(st, prev, s, &pre, &inq);
		prev = i;
		if (e == s) { /* a word of punctuation only: "?" */
			pre = P_TERM;
			continue;
		}
		struct tok *tk = &st->tok[st->n++];
		tk->s = s;
		tk->e = e;
		tk->pre = pre;
		tk->inq = (unsigned char)inq;
		tk->cap = (unsigned char)(t[s] < 0x80 ? t[s] >= 'A' && t[s] <= 'Z'
		                                      : is_upper_at(t, s, len));
		tk->qend = 0;
		pre = e < i ? P_TERM : 0;
	}
	if (st->n < CW_ATTR_MAX_TOKENS)
		separators(st, prev, len, &pre, &inq);
	classify(st);
}

/* The claim of a sentence none of whose words is in the lists of mask
 * (L_*): the whole sentence from its first word to the end of its last,
 * stretched over closing brackets, as set_claim(st, 0, n) has it.  The
 * words are found as tokenize() finds them, but nothing is noted of them:
 * most sentences are the article's own voice, and this is all they need.
 * Returns 0, and leaves *a alone, when some word is in the lists. */
static int plain_claim(const unsigned char *t, size_t len, unsigned mask, struct cw_attribution *a)
{
	size_t n = 0, first = 0, last = 0, s, i;
	struct words w;

	words_init(&w, t, len);
	while (n < CW_ATTR_MAX_TOKENS && words_next(&w, &s, &i)) {
		size_t e = word_trim(t, len, s, i);

		if (e == s)
			continue;
		if (e - s < WC_MAXLEN && (word_trigger(t, len, s, e - s) & mask))
			return 0;
		if (n++ == 0)
			first = s;
		last = e;
	}
	memset(a, 0, sizeof(*a));
	a->kind = CW_ATTR_NONE;
	if (n > 0) {
		while (last < len && (t[last] == ')' || t[last] == ']'))
			last++;
		a->claim_off = first;
		a->claim_len = last - first;
	}
	return 1;
}

/* Looks every word of the sentence up in the word lists. */
static void classify(struct sent *st)
{
	unsigned any = 0;

	for (size_t i = 0; i < st->n; i++) {
		struct tok *tk = &st->tok[i];
		size_t n = tk->e - tk->s;

		tk->cls = n < WC_MAXLEN ? word_class(st->t, st->len, tk->s, n) : 0;
		any |= tk->cls;
	}
	st->any = any;
}

/* Whether word i is in any of the word lists of mask (L_*), matched as
 * ASCII-lower-cased bytes: the lists are looked up once per word in
 * classify(), not once per question asked of it. */
static int word_in(const struct sent *st, size_t i, unsigned mask)
{
	return (st->tok[i].cls & mask) != 0;
}

/* Verbs that introduce what is said: "X said (that) ...". */
static const char *const verbs_that[] = {
    "said",         "says",      "asserted",  "asserts",    "claimed",   "claims",    "argued",
    "argues",       "stated",    "states",    "insisted",   "insists",   "denied",    "denies",
    "noted",        "notes",     "added",     "adds",       "told",      "tells",     "explained",
    "explains",     "warned",    "warns",     "announced",  "announces", "confirmed", "confirms",
    "acknowledged", "admitted",  "admits",    "maintained", "maintains", "contended", "contends",
    "alleged",      "alleges",   "suggested", "suggests",   "wrote",     "writes",    "tweeted",
    "declared",     "declares",  "reported",  "reports",    "testified", "stressed",  "emphasized",
    "emphasised",   "countered", "replied",   "answered",   "responded", "boasted",   "conceded",
    "concedes",     "predicted", "promised",  "revealed",   "disclosed", "estimated", "posted",
    NULL,
};

/* Verbs that take what is said as "the claim that ...": "X repeated the
 * (false) claim that ...". */
static const char *const verbs_claim[] = {
    "repeated", "repeats", "made",   "makes",  "echoed",  "echoes",
    "renewed",  "revived", "pushed", "spread", "floated", NULL,
};
static const char *const claim_nouns[] = {
    "claim", "claims", "assertion", "allegation", "charge", "argument", "notion", "idea", NULL,
};

/* Words between a subject and its verb that belong to neither: "The
 * speaker also said", "Trump has repeatedly claimed". */
static const char *const adverbs[] = {
    "also",    "then",    "later",        "again",       "repeatedly", "previously", "falsely",
    "wrongly", "once",    "often",        "recently",    "publicly",   "privately",  "flatly",
    "first",   "earlier", "initially",    "reportedly",  "allegedly",  "frequently", "has",
    "have",    "had",     "subsequently", "incorrectly", "further",    "separately", NULL,
};

/* Subjects of the first and second person, which a verb may follow
 * ("we said") although they are listed as determiners. */
static const char *const first_person[] = {"i", "we", "you", NULL};

/* Nouns of a rebuttal tacked onto a claim: "..., a figure officials have
 * disputed." */
static const char *const rebuttal_nouns[] = {
    "figure", "number", "claim", "statistic", "assertion", "allegation", "statement", NULL,
};

/* Verbs of a trailing attribution: '"...," Peskov answered.' */
static const char *const verbs_tail[] = {
    "said",      "says",      "asked",     "asks",      "added",     "adds",      "told",
    "tells",     "answered",  "replied",   "replies",   "insisted",  "insists",   "wrote",
    "writes",    "explained", "argued",    "argues",    "noted",     "stated",    "claimed",
    "claims",    "continued", "declared",  "responded", "warned",    "tweeted",   "asserted",
    "countered", "concluded", "recalled",  "remarked",  "observed",  "admitted",  "conceded",
    "quipped",   "joked",     "cautioned", "retorted",  "announced", "confirmed", "stressed",
    NULL,
};

/* Verbs taking a person told before the claim: "told CNN that ...". */
static const char *const verbs_object[] = {
    "told", "tells", "assured", "assures", "informed", "informs", "warned", "warns", NULL,
};

static const char *const pronouns[] = {"he", "she", "they", NULL};
static const char *const object_pronouns[] = {
    "him", "her", "them", "us", "me", "reporters", "journalists", "lawmakers", "viewers", NULL,
};
static const char *const determiners[] = {
    "the",   "a",    "an",   "his",     "her", "their", "its", "our", "this", "that", "those",
    "these", "some", "many", "several", "two", "three", "i",   "we",  "you",  NULL,
};
/* Plural nouns that are a subject on their own: "officials said". */
static const char *const groups[] = {
    "officials", "experts",     "analysts",    "critics",    "police",        "authorities",
    "sources",   "witnesses",   "researchers", "scientists", "investigators", "prosecutors",
    "residents", "doctors",     "economists",  "observers",  "diplomats",     "lawmakers",
    "democrats", "republicans", NULL,
};
static const char *const relatives[] = {
    "which",  "who",   "whom",    "whose", "that",     "whether", "what", "when",
    "where",  "if",    "because", "while", "although", "though",  "as",   "since",
    "unless", "until", "how",     "why",   "than",     "and",     "or",   "but",
    "so",     "not",   "never",   "also",  "then",     "only",    NULL,
};
static const char *const weekdays[] = {
    "monday",     "tuesday",  "wednesday", "thursday", "friday", "saturday", "sunday",
    "yesterday",  "today",    "tonight",   "earlier",  "later",  "recently", "again",
    "repeatedly", "publicly", "privately", "flatly",   NULL,
};
/* Words of a title or description in front of a name. */
static const char *const titles[] = {
    "president",
    "vice",
    "ambassador",
    "senator",
    "sen",
    "gov",
    "governor",
    "rep",
    "representative",
    "congressman",
    "congresswoman",
    "secretary",
    "minister",
    "prime",
    "foreign",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "press",
    "mr",
    "mrs",
    "ms",
    "dr",
    "prof",
    "professor",
    "general",
    "gen",
    "judge",
    "justice",
    "chairman",
    "chairwoman",
    "chair",
    "director",
    "chief",
    "ceo",
    "mayor",
    "speaker",
    "leader",
    "commissioner",
    "attorney",
    "king",
    "queen",
    "prince",
    "princess",
    "pope",
    "pastor",
    "rev",
    "candidate",
    "adviser",
    "advisor",
    "aide",
    "official",
    "officer",
    "col",
    "lt",
    "sgt",
    "capt",
    "adm",
    "host",
    "anchor",
    "deputy",
    "sheriff",
    "coach",
    "lawyer",
    "sir",
    "lord",
    "dame",
    "democrat",
    "republican",
    "presidential",
    "former",
    "state",
    "founder",
    "executive",
    "analyst",
    "economist",
    "author",
    "columnist",
    "correspondent",
    "commander",
    "chancellor",
    "premier",
    "emir",
    "sheikh",
    "envoy",
    "diplomat",
    "senior",
    NULL,
};
/* Lower-case words that may sit inside a name: "Osama bin Laden". */
static const char *const particles[] = {
    "de", "del", "della", "der", "van", "von", "bin", "al", "da", "di", "la", "le", "du", NULL,
};

/* ---- word lists as a hash table: lower-cased word → L_* bits ---- */

#define WC_SLOTS 1024 /* power of two, for ~400 words */

/* A word of fewer than WC_MAXLEN bytes as a key: its bytes OR 0x20, in
 * order from the low byte of lo, then of hi, zero-padded.  No byte OR 0x20
 * is zero, so the padding tells the length; and a byte OR 0x20 is a
 * lower-case letter only when the byte is that letter in either case, so a
 * word has the key of a listed (lower-case ASCII) word exactly when it is
 * that word, ASCII-lower-cased. */
struct wc_key {
	uint64_t lo, hi;
};

static struct {
	struct wc_key k; /* lo 0: empty slot */
	unsigned cls;
} wc_table[WC_SLOTS];
/* Bit n of wc_shape[f][l]: some listed word is n bytes long, starts with
 * letter f and ends with letter l (letter_idx[] of its first and last
 * bytes).  Most words of a sentence are told apart here, without building
 * their key.  wc_trigger_shape: the same for the words of L_TRIGGERS, which
 * few words of a sentence look like. */
static uint16_t wc_shape[27][27], wc_trigger_shape[27][27];
/* Per byte, 0 for 'a' or 'A' to 25 for 'z' or 'Z'; 26 for any other byte. */
static unsigned char letter_idx[256];
static pthread_once_t wc_once = PTHREAD_ONCE_INIT;

/* The key of word t[s .. s + n), 0 < n < WC_MAXLEN, in a text of len bytes.
 * The word is read 8 bytes at a time where the text has 8 bytes around it,
 * without reading past the text: a loop per byte would cost a mispredicted
 * branch per word. */
static inline struct wc_key wc_key_of(const unsigned char *t, size_t len, size_t s, size_t n)
{
	const uint64_t lower = 0x2020202020202020ull;
	struct wc_key k = {0, 0};

	if (n > 8) {
		k.lo = cw_load_le64(t + s) | lower;
		/* The last 8 bytes, shifted down to the n - 8 after the first 8. */
		k.hi = (cw_load_le64(t + s + n - 8) | lower) >> (8 * (16 - n));
	} else {
		uint64_t keep = ~0ull >> (64 - 8 * n);

		if (s + 8 <= len) {
			k.lo = cw_load_le64(t + s);
		} else if (s + n >= 8) {
			k.lo = cw_load_le64(t + s + n - 8) >> (64 - 8 * n);
		} else {
			for (size_t i = 0; i < n; i++)
				k.lo |= (uint64_t)t[s + i] << (8 * i);
		}
		k.lo = (k.lo | lower) & keep;
	}
	return k;
}

static inline uint32_t wc_slot(struct wc_key k)
{
	return (uint32_t)(((k.lo ^ k.hi * 0xC2B2AE3D27D4EB4Full) * 0x9E3779B97F4A7C15ull) >> 54) &
	       (WC_SLOTS - 1);
}

static void wc_add(const char *const *list, unsigned cls)
{
	for (; *list; list++) {
		const unsigned char *w = (const unsigned char *)*list;
		size_t n = strlen(*list);
		struct wc_key k = wc_key_of(w, n, 0, n);
		uint32_t s = wc_slot(k);

		while (wc_table[s].k.lo && !(wc_table[s].k.lo == k.lo && wc_table[s].k.hi == k.hi))
			s = (s + 1) & (WC_SLOTS - 1);
		wc_table[s].k = k;
		wc_table[s].cls |= cls;
		wc_shape[letter_idx[w[0]]][letter_idx[w[n - 1]]] |= (uint16_t)(1u << n);
		if (cls & L_TRIGGERS)
			wc_trigger_shape[letter_idx[w[0]]][letter_idx[w[n - 1]]] |=
			    (uint16_t)(1u << n);
	}
}

static void wc_init(void)
{
	plain_init();
	for (unsigned c = 0; c < 256; c++)
		letter_idx[c] = (unsigned char)((c | 0x20) - 'a' < 26 ? (c | 0x20) - 'a' : 26);
	wc_add(verbs_that, L_VERBS_THAT);
	wc_add(verbs_tail, L_VERBS_TAIL);
	wc_add(verbs_object, L_VERBS_OBJECT);
	wc_add(pronouns, L_PRONOUNS);
	wc_add(object_pronouns, L_OBJECT_PRONOUNS);
	wc_add(determiners, L_DETERMINERS);
	wc_add(groups, L_GROUPS);
	wc_add(relatives, L_RELATIVES);
	wc_add(weekdays, L_WEEKDAYS);
	wc_add(titles, L_TITLES);
	wc_add(particles, L_PARTICLES);
	wc_add((const char *const[]){"according", NULL}, L_ACCORDING);
	wc_add((const char *const[]){"to", NULL}, L_TO);
	wc_add((const char *const[]){"the", NULL}, L_THE);
	wc_add((const char *const[]){"that", NULL}, L_THAT);
	wc_add(adverbs, L_ADVERBS);
	wc_add(first_person, L_FIRST_PERSON);
	wc_add(verbs_claim, L_VERBS_CLAIM);
	wc_add(claim_nouns, L_CLAIM_NOUNS);
	wc_add(rebuttal_nouns, L_REBUTTAL);
	wc_add((const char *const[]){"a", "an", NULL}, L_A);
}

/* The L_* lists of word w[0..n), 0 < n < WC_MAXLEN, matched as
 * ASCII-lower-cased bytes. */
static inline unsigned word_class(const unsigned char *t, size_t len, size_t w, size_t n)
{
	struct wc_key k;
	uint32_t s;

	if (!(wc_shape[letter_idx[t[w]]][letter_idx[t[w + n - 1]]] >> n & 1))
		return 0;
	k = wc_key_of(t, len, w, n);
	for (s = wc_slot(k); wc_table[s].k.lo; s = (s + 1) & (WC_SLOTS - 1))
		if (wc_table[s].k.lo == k.lo && wc_table[s].k.hi == k.hi)
			return wc_table[s].cls;
	return 0;
}

/* The L_TRIGGERS lists of word w[0..n), 0 < n < WC_MAXLEN. */
static inline unsigned word_trigger(const unsigned char *t, size_t len, size_t w, size_t n)
{
	if (!(wc_trigger_shape[letter_idx[t[w]]][letter_idx[t[w + n - 1]]] >> n & 1))
		return 0;
	return word_class(t, len, w, n) & L_TRIGGERS;
}

/* Sets the claim to words [a, b), the end stretched over closing brackets.
 * A rebuttal the writer tacks on after a comma (", a figure election
 * officials have disputed") is the article's voice, not the claim: it is
 * left out. */
static void set_claim(const struct sent *st, size_t a, size_t b, struct cw_attribution *at)
{
	size_t e;

	/* Only a sentence with an "a" and a rebuttal noun in it can have one. */
	if ((st->any & L_A) && (st->any & L_REBUTTAL)) {
		for (size_t k = a + 3; k + 1 < b; k++) {
			if ((st->tok[k].pre & P_COMMA) && !st->tok[k].inq && word_in(st, k, L_A) &&
			    word_in(st, k + 1, L_REBUTTAL) && st->tok[k + 1].pre == 0) {
				b = k;
				break;
			}
		}
	}
	e = st->tok[b - 1].e;

	/* Keep "(sic)" whole: a closing bracket right after the last word. */
	while (e < st->len && (st->t[e] == ')' || st->t[e] == ']'))
		e++;
	at->claim_off = st->tok[a].s;
	at->claim_len = e - st->tok[a].s;
}

/* Picks the speaker out of subject words [a, b) (see attribution.h). */
static void set_speaker(const struct sent *st, size_t a, size_t b, struct cw_attribution *at)
{
	size_t r;

	at->pronoun = 0;
	if (b <= a) { /* no words: no speaker */
		at->speaker_off = at->speaker_len = 0;
		return;
	}
	if (b - a == 1 && word_in(st, a, L_PRONOUNS)) {
		at->pronoun = 1;
	} else if (st->tok[b - 1].cap) {
		/* The name ending the subject, titles in front of it dropped. */
		for (r = b - 1; r > a && (st->tok[r - 1].cap || word_in(st, r - 1, L_PARTICLES)) &&
		                (st->tok[r].pre & ~P_TERM) == 0;
		     r--)
			;
		while (r < b && st->tok[r].cap && word_in(st, r, L_PARTICLES) == 0 &&
		       word_in(st, r, L_TITLES) && r + 1 < b)
			r++;
		for (size_t k = r; k < b; k++) {
			/* A title after the name start ("Vladimir Putin" has none);
			 * restart after the last title word. */
			if (word_in(st, k, L_TITLES) && k + 1 < b)
				r = k + 1;
		}
		a = r;
	} else {
		while (a + 1 < b && word_in(st, a, L_DETERMINERS) && st->tok[a].cap == 0)
			a++;
		if (a + 1 < b && (word_in(st, a, L_THE)))
			a++;
	}
	at->speaker_off = st->tok[a].s;
	at->speaker_len = st->tok[b - 1].e - st->tok[a].s;
}

static int verb_is_noun(const struct sent *st, size_t v);

/* Whether words [a, b) can be the subject of a verb of saying. */
static int subject_ok(const struct sent *st, size_t a, size_t b)
{
	if (b <= a || b - a > 8)
		return 0;
	if (!st->tok[a].cap && !word_in(st, a, L_PRONOUNS) && !word_in(st, a, L_DETERMINERS) &&
	    !word_in(st, a, L_GROUPS))
		return 0;
	if (b - a == 1 && word_in(st, a, L_DETERMINERS) && !word_in(st, a, L_PRONOUNS))
		return 0;
	for (size_t k = a; k < b; k++) {
		if (st->tok[k].inq || word_in(st, k, L_RELATIVES) ||
		    (word_in(st, k, L_VERBS_THAT | L_VERBS_TAIL) && !verb_is_noun(st, k)))
			return 0;
		if (k > a && (st->tok[k].pre & (P_QUOTE | P_TERM | P_COLON | P_PAREN)))
			return 0;
	}
	return 1;
}

/* The end of the subject of the verb at v whose clause starts at cs: the
 * adverbs and auxiliaries in front of the verb ("also", "has repeatedly")
 * are not part of it. */
static size_t subject_end(const struct sent *st, size_t cs, size_t v)
{
	size_t se = v;

	while (se > cs + 1 && word_in(st, se - 1, L_ADVERBS) && st->tok[se - 1].pre == 0 &&
	       st->tok[se].pre == 0)
		se--;
	return se;
}

/* Whether the verb of saying at v is a noun here: "several states have",
 * "Trump's claims that" (a determiner or a possessive right before it). */
static int verb_is_noun(const struct sent *st, size_t v)
{
	const struct tok *p;

	if (v == 0 || st->tok[v].pre != 0)
		return 0;
	p = &st->tok[v - 1];
	if (word_in(st, v - 1, L_DETERMINERS) && !word_in(st, v - 1, L_FIRST_PERSON | L_THAT))
		return 1;
	/* A possessive: ...'s or ...’s before a verb in -s. */
	if (st->t[st->tok[v].e - 1] == 's' &&
	    ((p->e - p->s > 2 && st->t[p->e - 1] == 's' && st->t[p->e - 2] == '\'') ||
	     (p->e - p->s > 4 && st->t[p->e - 1] == 's' && st->t[p->e - 2] == 0x99 &&
	      st->t[p->e - 3] == 0x80 && st->t[p->e - 4] == 0xE2)))
		return 1;
	return 0;
}

/* Whether words from v + 1 say "the (false) claim that": then the verb at v
 * ("repeated", "made") introduces what is said. */
static int claim_phrase_follows(const struct sent *st, size_t v)
{
	for (size_t k = v + 1; k < st->n && k < v + 5; k++) {
		if (st->tok[k].pre)
			return 0;
		if (word_in(st, k, L_CLAIM_NOUNS))
			return k + 1 < st->n && word_in(st, k + 1, L_THAT) &&
			       st->tok[k + 1].pre == 0;
	}
	return 0;
}

/* Index of the first word at or after i that opens a clause (follows a
 * comma) — the end of a name-and-apposition run; n if none. */
static size_t next_comma(const struct sent *st, size_t i)
{
	for (; i < st->n; i++)
		if (st->tok[i].pre & (P_COMMA | P_DASH | P_PAREN | P_TERM))
			return i;
	return st->n;
}

/* The speaker of a trailing attribution in words [t, n): '..." Peskov
 * said', '..." said Peskov', '..., officials said'.  quoted: the tail follows
 * a closed quotation (the attribution may go on: "Peskov said, adding ..."). */
static int tail_attribution(const struct sent *st, size_t t, int quoted, struct cw_attribution *at)
{
	size_t n = st->n, v, lim = n < t + 7 ? n : t + 7;

	for (v = t; v < lim; v++)
		if (word_in(st, v, L_VERBS_TAIL))
			break;
	if (v >= lim)
		return 0;
	if (v == t) {
		/* "said Peskov": the name runs to the next comma or the end. */
		size_t e = next_comma(st, v + 1);
		if (e == v + 1 || e - v > 7 || (!quoted && e != n))
			return 0;
		if (!st->tok[v + 1].cap && !word_in(st, v + 1, L_PRONOUNS) &&
		    !word_in(st, v + 1, L_DETERMINERS) && !word_in(st, v + 1, L_GROUPS))
			return 0;
		set_speaker(st, v + 1, e, at);
		return 1;
	}
	/* "Peskov, the Kremlin spokesman, said": the subject is the first part. */
	size_t se = v;
	if (st->tok[v].pre & P_COMMA) {
		se = next_comma(st, t + 1);
		if (se >= v)
			se = v;
	} else {
		se = subject_end(st, t, v);
	}
	if (!subject_ok(st, t, se))
		return 0;
	for (size_t k = t + 1; k < v; k++)
		if (st->tok[k].pre & ~(unsigned)P_COMMA)
			return 0;
	/* Without quotation marks, the sentence must end with the attribution
	 * (a few words at most: "..., Peskov said on Sunday."). */
	if (!quoted && n - v > 4)
		return 0;
	if (!quoted && next_comma(st, v + 1) != n)
		return 0;
	set_speaker(st, t, se, at);
	return 1;
}

/* cw_attribution_find(), with (look_first) or without a first look for the
 * words of L_TRIGGERS: without it, a sentence that has none is read to the
 * same end, the long way. */
static enum cw_attr_kind find(const char *sentence, size_t len, int look_first,
                              struct cw_attribution *a)
{
	struct sent st;
	size_t n, i, v;

	pthread_once(&wc_once, wc_init);
	memset(a, 0, sizeof(*a));
	/* Every pattern below needs a verb of saying or "according": a
	 * sentence without one, or a rebuttal noun, is the article's own
	 * voice (most of them). */
	if (look_first && plain_claim((const unsigned char *)sentence, len, L_TRIGGERS, a))
		return a->kind;
	st.t = (const unsigned char *)sentence;
	st.len = len;
	tokenize(&st);
	n = st.n;
	if (n == 0 || !(st.any & (L_VERBS_THAT | L_VERBS_CLAIM | L_VERBS_TAIL | L_ACCORDING)))
		goto none;

	/* "According to X, claim". */
	if (n > 3 && word_in(&st, 0, L_ACCORDING) && word_in(&st, 1, L_TO)) {
		size_t c = next_comma(&st, 3);
		if (c < n && (st.tok[c].pre & P_COMMA)) {
			set_speaker(&st, 2, c, a);
			set_claim(&st, c, n, a);
			a->kind = CW_ATTR_ACCORDING;
			return a->kind;
		}
	}

	/* A quotation closed, then its attribution: '"...," Peskov said.' */
	for (i = n; i-- > 1;) {
		if (st.tok[i - 1].qend && !st.tok[i].inq) {
			if (tail_attribution(&st, i, 1, a)) {
				size_t s = 0;
				/* The claim is the quotation: from its opening
				 * quote when the sentence has one. */
				while (s < i - 1 && !(st.tok[s].inq))
					s++;
				if (s >= i)
					s = 0;
				set_claim(&st, s, i, a);
				a->kind = CW_ATTR_TAIL;
				return a->kind;
			}
			break;
		}
	}

	/* "X said (that) ...". */
	for (v = 1; v < n; v++) {
		size_t cs, se, c, k;

		if (!word_in(&st, v, L_VERBS_THAT | L_VERBS_CLAIM) || st.tok[v].inq)
			continue;
		if (!word_in(&st, v, L_VERBS_THAT) && !claim_phrase_follows(&st, v))
			continue;
		if (verb_is_noun(&st, v))
			continue;
		/* The subject: words since the clause start. */
		for (cs = v; cs > 0 && !(st.tok[cs].pre &
		                         (P_COMMA | P_COLON | P_QUOTE | P_DASH | P_PAREN | P_TERM));
		     cs--)
			;
		se = subject_end(&st, cs, v);
		if (cs == v && (st.tok[v].pre & P_COMMA)) {
			/* "Peskov, the Kremlin spokesman, said": the part
			 * before the apposition. */
			size_t ap;
			for (ap = v - 1; ap > 0 && !(st.tok[ap].pre & P_COMMA); ap--)
				;
			if (ap == 0 || v - ap > 6)
				continue;
			se = ap;
			for (cs = ap - 1;
			     cs > 0 && !(st.tok[cs].pre &
			                 (P_COMMA | P_COLON | P_QUOTE | P_DASH | P_PAREN | P_TERM));
			     cs--)
				;
		}
		if (!subject_ok(&st, cs, se))
			continue;
		c = v + 1;
		if (word_in(&st, v, L_VERBS_OBJECT) && c < n && !(st.tok[c].pre & P_QUOTE)) {
			/* Skip the person told: "him", "CNN", "the Associated Press". */
			if (word_in(&st, c, L_OBJECT_PRONOUNS)) {
				c++;
			} else {
				if (word_in(&st, c, L_THE))
					c++;
				while (c < n && st.tok[c].cap && st.tok[c].pre == 0 && c - v < 5)
					c++;
			}
		}
		while (c < n && !(st.tok[c].pre & (P_QUOTE | P_TERM)) &&
		       word_in(&st, c, L_WEEKDAYS))
			c++;
		/* 'wrote on Twitter: "...', 'said in a statement, "...': a few
		 * words saying where, then the quotation is what is said. */
		for (k = c + 1; k < n && k < c + 6 && st.tok[k].pre == 0; k++)
			;
		if (c < n && !(st.tok[c].pre & (P_QUOTE | P_TERM)) && k < n && k < c + 6 &&
		    (st.tok[k].pre & (P_COLON | P_COMMA)) && (st.tok[k].pre & P_QUOTE) &&
		    !(st.tok[k].pre & P_TERM) && st.tok[k].inq)
			c = k;
		/* "that" within a few words ("said in an interview that"). */
		for (k = c; k < n && k < c + 6 && !(st.tok[k].pre & (P_QUOTE | P_TERM)); k++)
			if (word_in(&st, k, L_THAT))
				break;
		if (k < n && k < c + 6 && word_in(&st, k, L_THAT) &&
		    !(st.tok[k].pre & (P_QUOTE | P_TERM))) {
			c = k + 1;
		} else if (c < n && (st.tok[c].pre & P_QUOTE) && st.tok[c].inq) {
			/* Peskov said, "We don't know ...": up to the closing quote. */
			size_t e = c;
			while (e < n && st.tok[e].inq && !(e > c && (st.tok[e].pre & P_QUOTE)))
				e++;
			if (e > c) {
				set_speaker(&st, cs, se, a);
				set_claim(&st, c, e, a);
				a->kind = CW_ATTR_VERB;
				return a->kind;
			}
			continue;
		} else if (c < n && (st.tok[c].pre & (P_COMMA | P_TERM | P_COLON))) {
			continue; /* "X said, adding ...": nothing said here */
		}
		if (c >= n)
			continue;
		set_speaker(&st, cs, se, a);
		set_claim(&st, c, n, a);
		a->kind = CW_ATTR_VERB;
		return a->kind;
	}

	/* "..., officials said." and "..., according to X." */
	for (i = n; i-- > 1;) {
		if (!(st.tok[i].pre & P_COMMA) || st.tok[i].inq)
			continue;
		if (n - i > 8)
			break;
		if (i + 2 < n && word_in(&st, i, L_ACCORDING) && word_in(&st, i + 1, L_TO)) {
			/* the name is at least its first word, whatever follows it */
			size_t e = next_comma(&st, i + 3);
			set_speaker(&st, i + 2, e, a);
			set_claim(&st, 0, i, a);
			a->kind = CW_ATTR_ACCORDING;
			return a->kind;
		}
		if (tail_attribution(&st, i, 0, a)) {
			set_claim(&st, 0, i, a);
			a->kind = CW_ATTR_TAIL;
			return a->kind;
		}
		break;
	}

none:
	memset(a, 0, sizeof(*a));
	a->kind = CW_ATTR_NONE;
	if (n > 0)
		set_claim(&st, 0, n, a);
	return a->kind;
}

enum cw_attr_kind cw_attribution_find(const char *sentence, size_t len, struct cw_attribution *a)
{
	return find(sentence, len, 1, a);
}

enum cw_attr_kind cw_attribution_read(const char *sentence, size_t len, struct cw_attribution *a)
{
	return find(sentence, len, 0, a);
}

void cw_attribution_none(const char *sentence, size_t len, struct cw_attribution *a)
{
	struct sent st;

	pthread_once(&wc_once, wc_init);
	/* Only a rebuttal noun makes the claim other than the whole sentence. */
	if (plain_claim((const unsigned char *)sentence, len, L_REBUTTAL, a))
		return;
	memset(a, 0, sizeof(*a));
	a->kind = CW_ATTR_NONE;
	st.t = (const unsigned char *)sentence;
	st.len = len;
	tokenize(&st);
	if (st.n > 0)
		set_claim(&st, 0, st.n, a);
}

void cw_attribution_each_trigger(void (*fn)(const char *word, void *opaque), void *opaque)
{
	/* The lists of L_TRIGGERS. */
	static const char *const according[] = {"according", NULL};
	static const char *const *const lists[] = {verbs_that, verbs_claim, verbs_tail, according,
	                                           rebuttal_nouns};

	for (size_t i = 0; i < CW_ARRAY_SIZE(lists); i++)
		for (const char *const *w = lists[i]; *w; w++)
			fn(*w, opaque);
}

/* Whether byte c is a separator of one byte wherever it is (B_SEP), as
 * bits of the bytes below 128: a test rather than a switch's branches. */
static inline int always_sep(unsigned char c)
{
	const uint64_t lo = 1ull << ' ' | 1ull << '\t' | 1ull << '\n' | 1ull << '\r' | 1ull << ',' |
	                    1ull << ';' | 1ull << ':' | 1ull << '(' | 1ull << ')' | 1ull << '"';
	const uint64_t hi = 1ull << ('[' - 64) | 1ull << (']' - 64);

	return c < 64 ? (int)(lo >> c & 1) : c < 128 ? (int)(hi >> (c - 64) & 1) : 0;
}

static inline int is_ascii_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* A sentence's claim is its words from the first to the last (set_claim(st,
 * 0, n)), so only its two ends are read, each as sep_at() would cut it from
 * the start: an ASCII letter or digit is always a word byte, and a byte
 * always_sep() says is always a separator, so a word found between such
 * bytes is one.  Anything less plain at an end (a curly quote, a dash, a
 * word of punctuation) is left to plain_claim(). */
int cw_attribution_plain(const char *sentence, size_t len, struct cw_attribution *a)
{
	const unsigned char *t = (const unsigned char *)sentence;
	size_t first = 0, p, s, i, e;

	/* More than CW_ATTR_MAX_TOKENS words would cut the claim short. */
	if (len > 2 * CW_ATTR_MAX_TOKENS)
		return 0;
	/* The first word: after separators only, opening with a letter or a
	 * digit (then its trimmed end is past its start). */
	while (first < len && !is_ascii_alnum(t[first])) {
		if (always_sep(t[first]) || t[first] == '\'')
			first++; /* an apostrophe after no letter is a separator */
		else if (t[first] == '-' && first + 1 < len && t[first + 1] == '-')
			first += 2;
		else
			return 0;
	}
	if (first == len)
		return 0;
	/* The last word holds the last letter or digit, p: after it come only
	 * separators and . ! ?, whose words (". ?") trim to nothing. */
	for (p = len; !is_ascii_alnum(t[p - 1]); p--)
		if (!always_sep(t[p - 1]) && t[p - 1] != '.' && t[p - 1] != '!' && t[p - 1] != '?')
			return 0;
	p--;
	for (i = p + 1; i < len && !always_sep(t[i]); i++)
		;
	for (size_t k = i; k < len;) {
		size_t ws = k;
		while (k < len && !always_sep(t[k]))
			k++;
		if (k > ws && word_trim(t, len, ws, k) != ws)
			return 0; /* "..": a word of its own */
		k += k < len;
	}
	/* Its start: back over word bytes to a separator. */
	for (s = p; s > 0 && !always_sep(t[s - 1]); s--) {
		unsigned char c = t[s - 1];
		if (c >= 0x80 || (c == '\'' && !(s >= 2 && is_alnum(t[s - 2]) && is_alnum(t[s]))) ||
		    (c == '-' && (t[s] == '-' || (s >= 2 && t[s - 2] == '-'))))
			return 0;
	}
	e = word_trim(t, len, s, i);
	memset(a, 0, sizeof(*a));
	a->kind = CW_ATTR_NONE;
	while (e < len && (t[e] == ')' || t[e] == ']'))
		e++;
	a->claim_off = first;
	a->claim_len = e - first;
	return 1;
}
