/*
 * fingerprint.c — exact, SimHash and MinHash fingerprints of normalised text
 * (contract in fingerprint.h).  Claims and fact-checks both go through here,
 * so every constant below is part of the stored data: changing a seed or the
 * shingle rule changes every fingerprint in Redis.
 *
 * Shingles are CW_FP_SHINGLE (2) consecutive tokens.  Because struct
 * cw_tokens.text joins tokens with single spaces, a shingle is the contiguous
 * byte range text[off[i] .. off[i+1] + tlen[i+1]) and is hashed in place with
 * XXH3-64 (no copy).  A text of one token has that token as its one shingle;
 * an empty text has none.
 *
 * SimHash: every shingle weighs 1; bit b of the result is set when more than
 * half of the shingle hashes have bit b set.
 *
 * MinHash: one 64-bit XXH3 x per shingle, then k cheap permutations of it,
 * multiply-add-shift h_j(x) = (a_j * x + b_j) mod 2^64 >> 32 with odd 64-bit
 * a_j and 64-bit b_j drawn from a fixed splitmix64 stream.  One 64-bit
 * multiply-add per shingle and permutation; no allocation (shingle hashes
 * are taken in blocks on the stack).  The product must wrap mod 2^64: with a
 * 32-bit x the high half of a_j * x is nearly monotone in x, every
 * permutation then picks the same minimum, and estimates are useless (the
 * Jaccard test catches that).
 */
#include "extract/fingerprint.h"

#include <pthread.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* Inlined: shingles are a few bytes, where a call into the shared library
 * costs as much as the hash. */
#define XXH_INLINE_ALL
#include <xxhash.h>

#define SEED_EXACT   0x636c61696d776972ull /* "claimwir" */
#define SEED_SHINGLE 0x7368696e676c6531ull /* "shingle1" */
#define SEED_PERM    0x6d696e6861736831ull /* "minhash1" */
#define SEED_LSH     0x6c736862616e6431ull /* "lshband1" */

#define BLOCK      256  /* shingle hashes per block */
#define PERM_TABLE 1024 /* permutations precomputed; more are derived per call */

static uint64_t perm_a[PERM_TABLE], perm_b[PERM_TABLE];
static pthread_once_t perm_once = PTHREAD_ONCE_INIT;

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Permutation j's (a, b): the j-th pair of a splitmix64 stream. */
static void perm_at(size_t j, uint64_t *a, uint64_t *b)
{
	uint64_t st = SEED_PERM + 2 * (uint64_t)j * 0x9e3779b97f4a7c15ull;
	*a = splitmix64(&st) | 1;
	*b = splitmix64(&st);
}

/* sig[j] = min(sig[j], h_j(x)) for j < k.  Built for the widest vectors the
 * CPU has, chosen when the program loads (64-bit multiplies are native only
 * with AVX-512DQ; AVX2 does them in 32-bit halves, four lanes at a time). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
__attribute__((optimize("O3"), target_clones("arch=x86-64-v4", "avx2", "default")))
#elif defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("O3")))
#endif
static void
perm_min(uint32_t *restrict sig, const uint64_t *restrict a, const uint64_t *restrict b, size_t k,
         uint64_t x)
{
	for (size_t j = 0; j < k; j++) {
		uint32_t v = (uint32_t)((a[j] * x + b[j]) >> 32);
		sig[j] = v < sig[j] ? v : sig[j];
	}
}

static void perm_init(void)
{
	for (size_t j = 0; j < PERM_TABLE; j++)
		perm_at(j, &perm_a[j], &perm_b[j]);
}

uint64_t cw_fp_exact(const struct cw_tokens *t)
{
	return XXH3_64bits_withSeed(t->text, t->len, SEED_EXACT);
}

static size_t shingle_count(const struct cw_tokens *t)
{
	if (t->n == 0)
		return 0;
	return t->n < CW_FP_SHINGLE ? 1 : t->n - CW_FP_SHINGLE + 1;
}

/* Hashes shingles [from, from+cnt) into h. */
static void shingle_hashes(const struct cw_tokens *t, size_t from, size_t cnt, uint64_t *h)
{
	for (size_t i = 0; i < cnt; i++) {
		size_t s = from + i;
		size_t last = t->n < CW_FP_SHINGLE ? t->n - 1 : s + CW_FP_SHINGLE - 1;
		size_t b = t->off[s], e = (size_t)t->off[last] + t->tlen[last];
		h[i] = XXH3_64bits_withSeed(t->text + b, e - b, SEED_SHINGLE);
	}
}

size_t cw_fp_shingles(const struct cw_tokens *t, uint64_t *out, size_t cap)
{
	size_t ns = shingle_count(t);

	shingle_hashes(t, 0, ns < cap ? ns : cap, out);
	return ns;
}

/* spread[v]: the 8 bits of v, one per byte (bit i in byte i). */
static uint64_t spread[256];
static pthread_once_t spread_once = PTHREAD_ONCE_INIT;

static void spread_init(void)
{
	for (int v = 0; v < 256; v++)
		for (int i = 0; i < 8; i++)
			if (v >> i & 1)
				spread[v] |= 1ull << (8 * i);
}

/* SimHash bit counts, kept 8 to a word, one per byte, through the spread
 * table: 8 additions per shingle instead of 64.  Bytes are emptied into
 * cnt[] every 255 shingles, before they can overflow; a text of fewer
 * shingles (nearly every claim) never needs cnt[], nor the time to clear
 * and fill it. */
struct simcount {
	uint64_t acc[8]; /* byte i of acc[y]: shingles with bit 8 * y + i set */
	uint32_t cnt[64];
	size_t pending; /* shingles counted in acc[] */
	int spilled;    /* cnt[] holds counts */
};

/* Not cnt[], which is cleared when first filled. */
static void simcount_init(struct simcount *sc)
{
	memset(sc->acc, 0, sizeof(sc->acc));
	sc->pending = 0;
	sc->spilled = 0;
}

static void simcount_spill(struct simcount *sc)
{
	if (!sc->spilled)
		memset(sc->cnt, 0, sizeof(sc->cnt));
	for (int b = 0; b < 64; b++)
		sc->cnt[b] += (uint32_t)((sc->acc[b / 8] >> (8 * (b % 8))) & 0xff);
	memset(sc->acc, 0, sizeof(sc->acc));
	sc->pending = 0;
	sc->spilled = 1;
}

static void simcount_add(struct simcount *sc, const uint64_t *h, size_t m)
{
	for (size_t i = 0; i < m; i++) {
		for (int y = 0; y < 8; y++)
			sc->acc[y] += spread[(h[i] >> (8 * y)) & 0xff];
		if (++sc->pending == 255)
			simcount_spill(sc);
	}
}

/* The SimHash of ns shingles counted in sc: bit b set when more than half
 * of them have it. */
static uint64_t simcount_bits(struct simcount *sc, size_t ns)
{
	uint64_t r = 0;

#if defined(__SSE2__)
	if (!sc->spilled) {
		/* Every count is a byte of acc[], at most ns < 255: a count c
		 * is over half when c >= ns / 2 + 1 (at most 128), 16 bytes
		 * compared at a time, the mask's bits in acc[]'s byte order. */
		const __m128i least = _mm_set1_epi8((char)(ns / 2 + 1));
		for (int v = 0; v < 4; v++) {
			__m128i x =
			    _mm_loadu_si128((const __m128i *)(const void *)(sc->acc + 2 * v));
			r |= (uint64_t)(unsigned)_mm_movemask_epi8(
			         _mm_cmpeq_epi8(_mm_max_epu8(x, least), x))
			     << (16 * v);
		}
		return r;
	}
#endif
	simcount_spill(sc);
	for (int b = 0; b < 64; b++)
		if (2 * (uint64_t)sc->cnt[b] > ns)
			r |= 1ull << b;
	return r;
}

uint64_t cw_fp_simhash(const struct cw_tokens *t)
{
	struct simcount sc;
	uint64_t h[BLOCK];
	size_t ns = shingle_count(t);

	pthread_once(&spread_once, spread_init);
	simcount_init(&sc);
	for (size_t from = 0; from < ns; from += BLOCK) {
		size_t m = ns - from < BLOCK ? ns - from : BLOCK;
		shingle_hashes(t, from, m, h);
		simcount_add(&sc, h, m);
	}
	return simcount_bits(&sc, ns);
}

/* sig[j] = min(sig[j], h_j(x)) over the m shingle hashes h, for j < k. */
static void minhash_add(uint32_t *sig, size_t k, const uint64_t *h, size_t m)
{
	size_t kt = k < PERM_TABLE ? k : PERM_TABLE;

	for (size_t i = 0; i < m; i++)
		perm_min(sig, perm_a, perm_b, kt, h[i]);
	for (size_t j = kt; j < k; j++) {
		uint64_t a, b;
		perm_at(j, &a, &b);
		for (size_t i = 0; i < m; i++) {
			uint32_t v = (uint32_t)((a * h[i] + b) >> 32);
			sig[j] = v < sig[j] ? v : sig[j];
		}
	}
}

/* MinHash of t into sig[0..k); with sc, each shingle's hash is counted
 * into it as well, so that both fingerprints hash a shingle once.  Returns
 * the number of shingles. */
static size_t minhash_over(const struct cw_tokens *t, uint32_t *sig, size_t k, struct simcount *sc)
{
	uint64_t h[BLOCK];
	size_t ns = shingle_count(t);

	pthread_once(&perm_once, perm_init);
	for (size_t j = 0; j < k; j++)
		sig[j] = UINT32_MAX;
	for (size_t from = 0; from < ns; from += BLOCK) {
		size_t m = ns - from < BLOCK ? ns - from : BLOCK;
		shingle_hashes(t, from, m, h);
		minhash_add(sig, k, h, m);
		if (sc)
			simcount_add(sc, h, m);
	}
	return ns;
}

void cw_fp_minhash(const struct cw_tokens *t, uint32_t *sig, size_t k)
{
	minhash_over(t, sig, k, NULL);
}

uint64_t cw_fp_minhash_simhash(const struct cw_tokens *t, uint32_t *sig, size_t k)
{
	struct simcount sc;
	size_t ns;

	pthread_once(&spread_once, spread_init);
	simcount_init(&sc);
	ns = minhash_over(t, sig, k, &sc);
	return simcount_bits(&sc, ns);
}

void cw_fp_lsh_keys(const uint32_t *sig, size_t bands, size_t rows, uint64_t *keys)
{
	for (size_t i = 0; i < bands; i++) {
		const uint32_t *band = sig + i * rows;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		keys[i] = XXH3_64bits_withSeed(band, rows * sizeof(*band), SEED_LSH + i);
#else
		/* hash the little-endian bytes so keys agree across machines */
		XXH3_state_t st;
		XXH3_64bits_reset_withSeed(&st, SEED_LSH + i);
		for (size_t r = 0; r < rows; r++) {
			unsigned char le[4] = {
			    (unsigned char)band[r], (unsigned char)(band[r] >> 8),
			    (unsigned char)(band[r] >> 16), (unsigned char)(band[r] >> 24)};
			XXH3_64bits_update(&st, le, 4);
		}
		keys[i] = XXH3_64bits_digest(&st);
#endif
	}
}

double cw_fp_minhash_similarity(const uint32_t *a, const uint32_t *b, size_t k)
{
	size_t eq = 0;

	if (k == 0)
		return 0.0;
	for (size_t j = 0; j < k; j++)
		eq += a[j] == b[j];
	return (double)eq / (double)k;
}

size_t cw_fp_sketch(const uint32_t *sig, size_t k, char *hex)
{
	static const char digits[] = "0123456789abcdef";
	size_t n = k < CW_FP_SKETCH_LEN ? k : CW_FP_SKETCH_LEN;

	for (size_t i = 0; i < n; i++)
		hex[i] = digits[sig[i] & 0xf];
	hex[n] = 0;
	return n;
}

double cw_fp_sketch_similarity(const char *a, const char *b, size_t n)
{
	size_t same = 0;
	double p, j;

	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		same += a[i] == b[i];
	/* agreement p = J + (1 - J) / 16, so J = (16 p - 1) / 15 */
	p = (double)same / (double)n;
	j = (16 * p - 1) / 15;
	return j < 0 ? 0 : j;
}
