/*
 * test_checkworthiness_news.c — the shipped check-worthiness model on news
 * text, through the extractor as the pipeline runs it: on the seed article
 * (tests/data/sentences/please-verify-kremlin-kislyak.txt) Peskov's reported
 * claims that Kislyak met Clinton's campaign rank above the narration of the
 * interview ("Zakaria first asked him about ...", "Zakaria then questioned
 * Peskov about whether ..."), and the model's own threshold (calibrated on
 * debates) flags the first and none of the narration.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract/config.h"
#include "extract/extract.h"
#include "lib/common.h"
#include "lib/keys.h"

#define CWN_WEIGHTS "extract/checkworthiness.weights"
#define CWN_ARTICLE "tests/data/sentences/please-verify-kremlin-kislyak.txt"

/* Lowest score among the reported meeting claims, highest among the
 * narration, and how many of each were seen. */
struct cwn_seen {
	float claim_min, narration_max;
	size_t nclaims, nnarration, claims_worthy, narration_worthy;
};

static int cwn_starts(const struct cw_extracted_claim *c, const char *prefix)
{
	size_t n = strlen(prefix);
	return c->text_len >= n && memcmp(c->text, prefix, n) == 0;
}

static int cwn_on_claim(const struct cw_extracted_claim *c, void *opaque)
{
	struct cwn_seen *s = opaque;
	/* What Peskov (or "Putin's spokesman") said: the attribution is off the
	 * claim text, so these start with what was said. */
	if (cwn_starts(c, "Russian Ambassador Sergey Kislyak met with") ||
	    cwn_starts(c, "Kislyak met with Clinton advisers")) {
		cr_assert_not_null(c->speaker, "meeting claim without a speaker");
		if (c->checkworthiness < s->claim_min)
			s->claim_min = c->checkworthiness;
		s->nclaims++;
		s->claims_worthy += (size_t)c->check_worthy;
	} else if (cwn_starts(c, "Zakaria first asked") ||
	           cwn_starts(c, "Zakaria then questioned")) {
		if (c->checkworthiness > s->narration_max)
			s->narration_max = c->checkworthiness;
		s->nnarration++;
		s->narration_worthy += (size_t)c->check_worthy;
	}
	return 0;
}

Test(checkworthiness_news, seed_article_claims_above_narration)
{
	const struct cw_config_key *const schemas[] = {cw_lib_config_keys, cw_extract_config_keys,
	                                               NULL};
	struct cw_config *cfg = cw_config_new(schemas);
	struct cwn_seen seen = {.claim_min = 2.0f, .narration_max = -1.0f};
	struct cw_extractor *ex;
	char err[256], *body;
	size_t len;

	cr_assert_eq(
	    cw_config_set_arg(cfg, "extract.weights=" CWN_WEIGHTS, "test", err, sizeof(err)), 0,
	    "%s", err);
	/* Every sentence through, however low it scores, to compare them. */
	cr_assert_eq(cw_config_set_arg(cfg, "extract.min_score=0", "test", err, sizeof(err)), 0,
	             "%s", err);
	ex = cw_extractor_new(cfg, err, sizeof(err));
	cr_assert_not_null(ex, "%s", err);
	cr_assert_eq(cw_read_file(CWN_ARTICLE, 1 << 20, &body, &len, err, sizeof(err)), 0, "%s",
	             err);
	cr_assert_eq(cw_extractor_run(ex, body, len, cwn_on_claim, &seen), 0);
	cr_assert_eq(seen.nclaims, 3, "meeting claims found: %zu", seen.nclaims);
	cr_assert_eq(seen.nnarration, 2, "narration sentences found: %zu", seen.nnarration);
	cr_expect_gt(seen.claim_min, seen.narration_max,
	             "lowest meeting claim %.3f, highest narration %.3f", seen.claim_min,
	             seen.narration_max);
	cr_expect_eq(seen.narration_worthy, 0, "narration marked check-worthy");
	cr_expect_geq(seen.claims_worthy, 1, "meeting claims marked check-worthy: %zu of %zu",
	              seen.claims_worthy, seen.nclaims);
	cw_extractor_free(ex);
	cw_config_free(cfg);
	free(body);
}
