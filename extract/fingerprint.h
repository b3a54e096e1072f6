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

/* Defaults for the MinHash signature length and LSH bands (16 bands of 4
 * rows: pairs at Jaccard 0.5 share a band key with probability 0.64, at 0.8
 * with 0.9998, at 0.2 with 0.025). */
#define CW_FP_MINHASH_K_DEFAULT 64
#define CW_FP_LSH_BANDS_DEFAULT 16

uint64_t cw_fp_exact(const struct cw_tokens *t);
uint64_t cw_fp_simhash(const struct cw_tokens *t);

/* Fills sig[0..k) (k >= 1).  An empty text gives all UINT32_MAX. */
void cw_fp_minhash(const struct cw_tokens *t, uint32_t *sig, size_t k);

/* Hashes bands of rows = k / bands signature values each into keys[0..bands);
 * band i's key also mixes in i, so equal values in different bands differ. */
void cw_fp_lsh_keys(const uint32_t *sig, size_t k, size_t bands, uint64_t *keys);

/* Estimated Jaccard similarity of two signatures of length k. */
double cw_fp_minhash_similarity(const uint32_t *a, const uint32_t *b, size_t k);

static inline int cw_fp_hamming(uint64_t a, uint64_t b)
{
	return __builtin_popcountll(a ^ b);
}

#endif
