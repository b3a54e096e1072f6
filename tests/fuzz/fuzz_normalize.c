/*
 * fuzz_normalize.c — libFuzzer target: claimwire's normaliser and
 * fingerprints on arbitrary bytes (article text is outside input).
 *
 * fuzz-sources: extract/normalize.c extract/fingerprint.c lib/common.c
 *
 * Checks beyond "no crash, no sanitizer report": the token list is well
 * formed (offsets inside the text, single spaces between non-empty tokens,
 * NUL-terminated), and two normalisers whose stem caches hold different
 * words give the same tokens and fingerprints.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "extract/fingerprint.h"
#include "extract/normalize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct cw_norm *warm, *other;
static unsigned long runs;

static void check_tokens(const struct cw_tokens *t)
{
	if (t->text[t->len] != '\0' || strlen(t->text) != t->len)
		abort();
	for (size_t i = 0; i < t->n; i++) {
		if (t->tlen[i] == 0 || t->off[i] + t->tlen[i] > t->len)
			abort();
		if (memchr(t->text + t->off[i], ' ', t->tlen[i]))
			abort();
		if (i && t->off[i] != t->off[i - 1] + t->tlen[i - 1] + 1)
			abort();
	}
	if (t->n && t->off[t->n - 1] + t->tlen[t->n - 1] != t->len)
		abort();
	if (!t->n && t->len)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cw_tokens a, b;
	uint32_t sa[32], sb[32];
	uint64_t ka[8];
	unsigned flags = size ? data[0] & 3 : 0;
	uint64_t ea, sha;
	char *copy;

	if (!warm) {
		warm = cw_norm_new("english", NULL, 0);
		other = cw_norm_new("english", NULL, 0);
		if (!warm || !other)
			abort();
	}
	cw_norm_text(warm, (const char *)data, size, flags, &a);
	check_tokens(&a);
	ea = cw_fp_exact(&a);
	sha = cw_fp_simhash(&a);
	cw_fp_minhash(&a, sa, 32);
	cw_fp_lsh_keys(sa, 8, 4, ka);
	(void)cw_fp_minhash_similarity(sa, sa, 32);
	copy = malloc(a.len + 1);
	memcpy(copy, a.text, a.len + 1);

	/* the other normaliser sees only every third input: a different cache */
	if (runs++ % 3 == 0) {
		cw_norm_text(other, (const char *)data, size, flags, &b);
		check_tokens(&b);
		if (b.len != a.len || memcmp(b.text, copy, a.len))
			abort();
		cw_fp_minhash(&b, sb, 32);
		if (cw_fp_exact(&b) != ea || cw_fp_simhash(&b) != sha || memcmp(sa, sb, sizeof(sa)))
			abort();
	}
	free(copy);
	return 0;
}
