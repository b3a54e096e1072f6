/*
 * test_extract.c — the extract stage's logic on the seed article
 * (tests/data/sentences/please-verify-kremlin-kislyak.txt): the Peskov and
 * Kislyak claims come out with their speakers, page furniture never does.
 * Scoring is off (extract.weights empty) so that the test speaks of the
 * splitting, attribution and filtering, not of a trained model.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract/config.h"
#include "extract/extract.h"
#include "lib/common.h"
#include "lib/keys.h"

struct extract_test_seen {
	size_t n, peskov, kislyak_by_peskov, furniture;
	uint32_t last_index, count;
};

static int extract_test_on_claim(const struct cw_extracted_claim *c, void *opaque)
{
	struct extract_test_seen *s = opaque;
	int by_peskov = c->speaker && c->speaker_len >= 6 &&
	                memcmp(c->speaker + c->speaker_len - 6, "Peskov", 6) == 0;

	cr_assert_eq(c->claim_index, s->n);
	s->count = c->claim_count;
	s->n++;
	s->peskov += (size_t)by_peskov;
	if (by_peskov && memmem(c->text, c->text_len, "Kislyak met with", 16))
		s->kislyak_by_peskov++;
	if (memmem(c->sentence, c->sentence_len, "Watch LIVE", 10) ||
	    memmem(c->sentence, c->sentence_len, "Most recent", 11) ||
	    memmem(c->sentence, c->sentence_len, "Image source", 12) ||
	    memmem(c->sentence, c->sentence_len, "Newsom appoints", 15) ||
	    memmem(c->sentence, c->sentence_len, "All Articles", 12))
		s->furniture++;
	cr_assert_eq(c->minhash_len, 64);
	cr_assert_eq(strlen(c->normalized), c->normalized_len);
	cr_assert_leq(c->end_byte - c->start_byte, c->sentence_len);
	return 0;
}

Test(extract, seed_article_claims_and_speakers)
{
	const struct cw_config_key *const schemas[] = {cw_lib_config_keys, cw_extract_config_keys,
	                                               NULL};
	struct cw_config *cfg = cw_config_new(schemas);
	struct extract_test_seen seen = {0};
	struct cw_extractor *ex;
	char err[256], *body;
	size_t len;

	cr_assert_eq(cw_config_set_arg(cfg, "extract.weights=", "test", err, sizeof(err)), 0);
	ex = cw_extractor_new(cfg, err, sizeof(err));
	cr_assert_not_null(ex, "%s", err);
	cr_assert_eq(cw_read_file("tests/data/sentences/please-verify-kremlin-kislyak.txt", 1 << 20,
	                          &body, &len, err, sizeof(err)),
	             0, "%s", err);
	cr_assert_eq(cw_extractor_run(ex, body, len, extract_test_on_claim, &seen), 0);
	cr_expect_gt(seen.n, 10);
	cr_expect_eq(seen.count, seen.n);
	cr_expect_eq(seen.furniture, 0, "page furniture became a claim");
	cr_expect_geq(seen.kislyak_by_peskov, 2, "Peskov's Kislyak claims: %zu",
	              seen.kislyak_by_peskov);
	/* Quotations over several sentences and "he said" are Peskov's too. */
	cr_expect_geq(seen.peskov, 10, "claims by Peskov: %zu", seen.peskov);

	cr_assert_eq(
	    cw_config_set_arg(cfg, "extract.max_article_bytes=1024", "test", err, sizeof(err)), 0,
	    "%s", err);
	cw_extractor_free(ex);
	ex = cw_extractor_new(cfg, err, sizeof(err));
	cr_assert_not_null(ex, "%s", err);
	seen.n = 0;
	cr_expect_eq(cw_extractor_run(ex, body, len, extract_test_on_claim, &seen), CW_ERR_TOO_BIG);
	cr_expect_eq(seen.n, 0);
	cw_extractor_free(ex);
	cw_config_free(cfg);
	free(body);
}

Test(extract, furniture)
{
	cr_expect(cw_extract_is_furniture("Watch LIVE", 10));
	cr_expect(cw_extract_is_furniture("(Image source: YouTube)", 23));
	cr_expect(cw_extract_is_furniture("Blaze Media", 11));
	cr_expect(!cw_extract_is_furniture("Crime rose 20 percent.", 22));
}
