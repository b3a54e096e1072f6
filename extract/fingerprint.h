/*
 * fingerprint.h — fingerprints of normalised text, fixed across machines and
 * runs (fixed seeds, little-endian hashing of token bytes).
 *
 *  exact   XXH3-64 of the normalised token sequence (struct cw_tokens.text):
 *          the same claim in other words of whitespace, case or quotes has the
 *          same exact fingerprint; a changed number changes it.
 *  simhash 64-bit SimHash over token shingles (w-shingles of CW_FP_SHINGLE
 *          tokens, single tokens for shorter texts): near-duplicates lie within a
 *          small Hamming distance.
 *  minhash k 32-bit minimum hashes over the same shingles (k set in config),
 *          banded into LSH keys: texts with Jaccard similarity s share at least
 *          one band key with probability 1 - (1 - s^r)^b.
 */
#ifndef CW_FINGERPRINT_H
#define CW_FINGERPRINT_H

#include <stddef.h>
#include <stdint.h>

#include "extract/normalize.h"

#define CW_FP_SHINGLE 2

/* Defaults for the MinHash signature length and the LSH bands: 8 bands of 3
 * rows (the first 24 values of the signature).  Pairs at Jaccard 0.5 share a
 * band key with probability 0.66, at 0.7 with 0.97, at 0.9 with 0.99997, at
 * 0.2 with 0.06: about what 16 bands of 4 rows give, with half the pointers
 * to keep in Redis (`claimwire eval neardup` measures both on real text). */
#define CW_FP_MINHASH_K_DEFAULT 64
#define CW_FP_LSH_BANDS_DEFAULT 8
#define CW_FP_LSH_ROWS_DEFAULT  3
#define CW_FP_LSH_MAX_BANDS     64

uint64_t cw_fp_exact(const struct cw_tokens *t);
uint64_t cw_fp_simhash(const struct cw_tokens *t);

/* Fills sig[0..k) (k >= 1).  An empty text gives all UINT32_MAX. */
void cw_fp_minhash(const struct cw_tokens *t, uint32_t *sig, size_t k);

/* cw_fp_minhash(t, sig, k) and, returned, cw_fp_simhash(t): each shingle is
 * hashed once for both. */
uint64_t cw_fp_minhash_simhash(const struct cw_tokens *t, uint32_t *sig, size_t k);

/* Hashes band i, signature values sig[i * rows .. (i + 1) * rows), into
 * keys[i] for i < bands (the signature holds at least bands * rows values);
 * band i's key also mixes in i, so equal values in different bands differ. */
void cw_fp_lsh_keys(const uint32_t *sig, size_t bands, size_t rows, uint64_t *keys);

/* The shingle hashes of t, the set SimHash and MinHash are taken over:
 * fills out[0..min(count, cap)) in text order and returns the count. */
size_t cw_fp_shingles(const struct cw_tokens *t, uint64_t *out, size_t cap);

/*
 * A sketch of a signature small enough to keep beside every LSH band
 * pointer: the low 4 bits of its first CW_FP_SKETCH_LEN values (fewer when
 * the signature is shorter), one hex digit each.  Two sketches agree in a
 * digit with probability J + (1 - J) / 16 for texts of Jaccard similarity
 * J, so they estimate J to about +-0.06: enough to tell a near-duplicate
 * from a short text that shares one shingle and so a band key with it.
 * cw_fp_sketch writes min(k, CW_FP_SKETCH_LEN) digits and a NUL, and returns
 * the digit count.
 */
#define CW_FP_SKETCH_LEN 64
size_t cw_fp_sketch(const uint32_t *sig, size_t k, char *hex);

/* The Jaccard similarity two sketches of n digits estimate, in [0, 1]. */
double cw_fp_sketch_similarity(const char *a, const char *b, size_t n);

/* Estimated Jaccard similarity of two signatures of length k. */
double cw_fp_minhash_similarity(const uint32_t *a, const uint32_t *b, size_t k);

static inline int cw_fp_hamming(uint64_t a, uint64_t b)
{
	return __builtin_popcountll(a ^ b);
}

#endif
