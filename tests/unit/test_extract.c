/*
 * test_extract.c — the extract stage's logic on the seed article
 * (tests/data/sentences/please-verify-kremlin-kislyak.txt): the Peskov and
 * Kislyak claims come out with their speakers, page furniture never does.
 * Transcripts ("Donald Trump: ..." paragraphs) and wire copy come out with
 * the speaker and claim text an editor would name.  Scoring is off
 * (extract.weights empty) so that the tests speak of the splitting,
 * attribution and filtering, not of a trained model.
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
	/* a prefix with bytes above 0x7f: the copyright sign */
	const char *copyright = "\xc2\xa9 2016 Cable News Network, a Time Warner company, which "
	                        "reserves every right in this story.";
	cr_expect(cw_extract_is_furniture(copyright, strlen(copyright)));
}

static int extract_test_furniture(const char *s)
{
	return cw_extract_is_furniture(s, strlen(s));
}

/* Lines of up to four words are furniture when shouting or without a final
 * stop: words counted wherever they fall in the line, across tabs, runs of
 * spaces and bytes outside ASCII; and the prefixes are matched in any case,
 * and only as prefixes. */
Test(extract, furniture_counts_words_and_matches_prefixes)
{
	static const char *const seps[] = {" ", "\t", "  ", " \n "};
	char line[256];
	for (size_t wl = 1; wl <= 17; wl++) {
		for (size_t sp = 0; sp < sizeof(seps) / sizeof(seps[0]); sp++) {
			for (size_t nw = 1; nw <= 6; nw++) {
				size_t o = 0;
				for (size_t w = 0; w < nw; w++) {
					if (w)
						o += (size_t)sprintf(line + o, "%s", seps[sp]);
					for (size_t k = 0; k < wl; k++)
						line[o++] = (char)('A' + (k + w) % 26);
				}
				line[o] = '\0';
				/* shouting: furniture up to four words */
				cr_expect_eq(extract_test_furniture(line), nw <= 4,
				             "%zu words of %zu: '%s'", nw, wl, line);
				for (size_t k = 0; k < o; k++)
					if (line[k] >= 'A')
						line[k] = (char)(line[k] + 32);
				/* prose: up to three words without a final stop */
				cr_expect_eq(extract_test_furniture(line), nw <= 3,
				             "%zu words of %zu: '%s'", nw, wl, line);
				line[o++] = '.';
				line[o] = '\0';
				cr_expect(!extract_test_furniture(line), "'%s'", line);
			}
		}
	}
	cr_expect(extract_test_furniture("  NO   MORE   WAR  "));
	cr_expect(!extract_test_furniture("  no more war now, said the  crowd  "));
	cr_expect(extract_test_furniture("Caf\xc3\xa9 soci\xc3\xa9t\xc3\xa9"));
	cr_expect(
	    !extract_test_furniture("Caf\xc3\xa9 soci\xc3\xa9t\xc3\xa9 d\xc3\xa9j\xc3\xa0 vu"));
	cr_expect(extract_test_furniture("RELATED: The case for a new court, argued at length."));
	cr_expect(!extract_test_furniture("Relatedly, the court held that the law stood."));
	cr_expect(extract_test_furniture("Image: a crowd outside the court on Monday morning."));
	cr_expect(!extract_test_furniture("Images of the crowd outside the court were shared."));
	cr_expect(extract_test_furniture("I"));
	cr_expect(!extract_test_furniture("I said it."));
}

/* Every claim of a body as "speaker|text" lines, speaker "-" when none. */
struct extract_test_lines {
	char buf[8192];
	size_t len;
};

static int extract_test_line(const struct cw_extracted_claim *c, void *opaque)
{
	struct extract_test_lines *l = opaque;
	int n = snprintf(l->buf + l->len, sizeof(l->buf) - l->len, "%.*s|%.*s\n",
	                 c->speaker ? (int)c->speaker_len : 1, c->speaker ? c->speaker : "-",
	                 (int)c->text_len, c->text);
	cr_assert(n > 0 && (size_t)n < sizeof(l->buf) - l->len);
	cr_assert_leq(c->text + c->text_len, c->sentence + c->sentence_len);
	cr_assert_geq(c->text, c->sentence);
	l->len += (size_t)n;
	return 0;
}

static void extract_test_expect(const char *body, const char *want)
{
	const struct cw_config_key *const schemas[] = {cw_lib_config_keys, cw_extract_config_keys,
	                                               NULL};
	struct cw_config *cfg = cw_config_new(schemas);
	struct extract_test_lines *l = calloc(1, sizeof(*l));
	struct cw_extractor *ex;
	char err[256];

	cr_assert_eq(cw_config_set_arg(cfg, "extract.weights=", "test", err, sizeof(err)), 0);
	ex = cw_extractor_new(cfg, err, sizeof(err));
	cr_assert_not_null(ex, "%s", err);
	cr_assert_eq(cw_extractor_run(ex, body, strlen(body), extract_test_line, l), 0);
	cr_expect_str_eq(l->buf, want);
	cw_extractor_free(ex);
	cw_config_free(cfg);
	free(l);
}

/* A transcript's speaker labels speak for their paragraphs and are no part
 * of the claims; headlines and notes with a colon are no speakers. */
Test(extract, transcript_speaker_labels)
{
	extract_test_expect(
	    "Donald Trump: We've made other countries rich while the wealth of our country has "
	    "dissipated. We will follow two simple rules, buy American and hire American.\n\n"
	    "Bill O'Reilly: Is that true? But the data has to show that three million illegals "
	    "voted.\n\n"
	    "Donald Trump: Peskov said that Russia never met with the Clinton campaign.\n\n"
	    "MR. TRUMP: Crime rose 50 percent in our inner cities.\n\n"
	    "Senator Claire McCaskill: I have been on the Armed Services Committee for ten "
	    "years.\n\n"
	    "Kremlin: Russian ambassador met with Clinton campaign, too\n\n"
	    "Note: This transcript has been edited for length and clarity.\n\n"
	    "Editor's note: An earlier version misstated the date of the vote.\n\n"
	    "Unemployment fell to 3.5 percent, according to the Labor Department.\n",
	    "Donald Trump|We've made other countries rich while the wealth of our country has "
	    "dissipated\n"
	    "Donald Trump|We will follow two simple rules, buy American and hire American\n"
	    "Bill O'Reilly|But the data has to show that three million illegals voted\n"
	    "Donald Trump|Peskov said that Russia never met with the Clinton campaign\n"
	    "TRUMP|Crime rose 50 percent in our inner cities\n"
	    "Claire McCaskill|I have been on the Armed Services Committee for ten years\n"
	    "-|Kremlin: Russian ambassador met with Clinton campaign, too\n"
	    "-|Note: This transcript has been edited for length and clarity\n"
	    "-|Editor's note: An earlier version misstated the date of the vote\n"
	    "Labor Department|Unemployment fell to 3.5 percent\n");
}

/* A label's colon is looked for in the paragraph's first 48 bytes only: a
 * colon at byte 47 ends a label, one at byte 48 does not. */
Test(extract, speaker_label_bounds)
{
	extract_test_expect(
	    "Congresswoman Maximiliana Stratford-Worthington: The deficit tripled in ten "
	    "years.\n\n"
	    "Congresswoman Maximiliana Stratford-Worthingtons: The deficit tripled in ten "
	    "years.\n",
	    "Maximiliana Stratford-Worthington|The deficit tripled in ten years\n"
	    "-|Congresswoman Maximiliana Stratford-Worthingtons: The deficit tripled in ten "
	    "years\n");
}

/* The sample wire copy (examples/articles/wire-samples.jsonl), its last
 * quotation lengthened: "Obamacare has failed" has 3 normalised words, under
 * extract.min_tokens.  "Ever." is too short to be a claim; "the speaker"
 * is the campaign surrogate named before. */
Test(extract, wire_quotes_and_attributions)
{
	extract_test_expect(
	    "Democrats have questioned contacts between Kislyak and advisers to President Donald "
	    "Trump. Senator Claire McCaskill wrote on Twitter: \"I've been on the Armed Services "
	    "Committee for 10 years. No call or meeting with the Russian ambassador. Ever.\"\n\n"
	    "Speaking to supporters on Tuesday, a campaign surrogate repeated the claim that "
	    "Hillary Clinton gave up 20 percent of America's uranium supply to Russia.\n\n"
	    "The speaker also said that 3 million votes in the presidential election were cast by "
	    "illegal aliens, a figure election officials in several states have disputed.\n\n"
	    "\"We have to remember, the Obamacare program has totally failed,\" the speaker added, "
	    "to applause.\n",
	    "-|Democrats have questioned contacts between Kislyak and advisers to President Donald "
	    "Trump\n"
	    "Claire McCaskill|I've been on the Armed Services Committee for 10 years\n"
	    "Claire McCaskill|No call or meeting with the Russian ambassador\n"
	    "campaign surrogate|Hillary Clinton gave up 20 percent of America's uranium supply to "
	    "Russia\n"
	    "campaign surrogate|3 million votes in the presidential election were cast by illegal "
	    "aliens\n"
	    "campaign surrogate|We have to remember, the Obamacare program has totally failed\n");
}
