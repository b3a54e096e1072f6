/*
 * fuzz_extract.c — libFuzzer target: the whole extract stage
 * (cw_extractor_run: splitter, attribution, check-worthiness with the
 * shipped weights, normalisation, fingerprints) on arbitrary bytes, the
 * article body as it comes off the wire.  Run from the repository root, so
 * that the default extract.weights is found.
 *
 * Checks that every claim lies inside the body (sentence, claim text and
 * speaker are slices of it, in order), that its score is in [0,1], and
 * that the claims are numbered 0..count-1; ASan catches any read past the
 * body (which libFuzzer hands over in a buffer of exactly its size).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract/config.h"
#include "extract/extract.h"
#include "lib/common.h"
#include "lib/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct body {
	const char *s;
	size_t len;
	uint32_t next;
};

static int inside(const struct body *b, const char *p, size_t n)
{
	return p >= b->s && n <= b->len && (size_t)(p - b->s) <= b->len - n;
}

static int check_claim(const struct cw_extracted_claim *c, void *opaque)
{
	struct body *b = opaque;

	if (c->claim_index != b->next++ || c->claim_index >= c->claim_count)
		abort();
	if (c->start_byte > c->end_byte || c->end_byte > b->len ||
	    c->sentence != b->s + c->start_byte || c->sentence_len != c->end_byte - c->start_byte)
		abort();
	if (!inside(b, c->text, c->text_len) || c->text < c->sentence ||
	    c->text + c->text_len > c->sentence + c->sentence_len || c->text_len == 0)
		abort();
	if (c->speaker && c->speaker_len && !inside(b, c->speaker, c->speaker_len)) {
		/* the only speaker from outside the body is the caller's default */
		abort();
	}
	if (!(c->checkworthiness >= 0.0f && c->checkworthiness <= 1.0f))
		abort();
	if (!c->normalized || strlen(c->normalized) != c->normalized_len ||
	    c->normalized_tokens == 0 || !c->minhash || c->minhash_len == 0)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cw_extractor *ex;
	struct body b = {(const char *)data, size, 0};
	int rc;

	if (!ex) {
		static const struct cw_config_key *const schemas[] = {cw_extract_config_keys, NULL};
		struct cw_config *cfg = cw_config_new(schemas);
		char err[256] = "no configuration";
		ex = cfg ? cw_extractor_new(cfg, err, sizeof(err)) : NULL;
		cw_config_free(cfg);
		if (!ex) {
			fprintf(stderr, "fuzz_extract: %s\n", err);
			abort();
		}
	}
	rc = cw_extractor_run(ex, b.s, b.len, check_claim, &b);
	if (rc != 0 && rc != CW_ERR_TOO_BIG)
		abort();
	return 0;
}
