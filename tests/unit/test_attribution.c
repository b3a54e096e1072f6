/*
 * test_attribution.c — who says what: sentences of the seed article
 * (shared/examples/please-verify-kremlin-kislyak.txt) and news-like ones,
 * each with the speaker and claim a reader would name.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "extract/attribution.h"

struct attr_case {
	const char *sentence;
	const char *speaker; /* "" when none */
	const char *claim;
	int pronoun;
};

static const struct attr_case attr_cases[] = {
    /* The seed article. */
    {"During an interview on CNN, Kremlin spokesman Dmitry Peskov said that Russian "
     "Ambassador Sergey Kislyak met with Hillary Clinton advisers before the presidential "
     "election.",
     "Dmitry Peskov",
     "Russian Ambassador Sergey Kislyak met with Hillary Clinton advisers before the "
     "presidential election",
     0},
    {"Russian President Vladimir Putin's spokesman said Sunday that Russian Ambassador Sergey "
     "Kislyak met with then-Democratic presidential candidate Hillary Clinton's campaign "
     "several times.",
     "Russian President Vladimir Putin's spokesman",
     "Russian Ambassador Sergey Kislyak met with then-Democratic presidential candidate "
     "Hillary Clinton's campaign several times",
     0},
    {"During an interview with CNN host Fareed Zakaria, Kremlin spokesman Dmitry Peskov "
     "asserted that Kislyak met with Clinton advisers before the election.",
     "Dmitry Peskov", "Kislyak met with Clinton advisers before the election", 0},
    {"Peskov told him that it was common protocol for their country's ambassadors to speak "
     "with presidential candidates in other countries.",
     "Peskov",
     "it was common protocol for their country's ambassadors to speak with presidential "
     "candidates in other countries",
     0},
    {"He was talking about what was going on in the United States so we have a better "
     "understanding in Moscow,\" Peskov said.",
     "Peskov",
     "He was talking about what was going on in the United States so we have a better "
     "understanding in Moscow",
     0},
    {"\"Well, if you look at some people connected with Hillary Clinton during her campaign, "
     "you would probably see that he had lots of meetings of that kind,\xe2\x80\x9d Peskov "
     "answered.",
     "Peskov",
     "Well, if you look at some people connected with Hillary Clinton during her campaign, "
     "you would probably see that he had lots of meetings of that kind",
     0},
    {"\"There are lots of specialists in politology (sic), people working in think tanks,\" "
     "he said.",
     "he", "There are lots of specialists in politology (sic), people working in think tanks", 1},
    {"Addressing the national intelligence community's conclusion that Russia did interfere "
     "in the United States electoral process, Peskov said, \"We don't know what's the reason "
     "for these words.",
     "Peskov", "We don't know what's the reason for these words", 0},
    {"Zakaria pressed harder on Putin's preference toward Trump, which Peskov answered was "
     "simply a result of Clinton's negative remarks toward Russia during the campaign.",
     "",
     "Zakaria pressed harder on Putin's preference toward Trump, which Peskov answered was "
     "simply a result of Clinton's negative remarks toward Russia during the campaign",
     0},
    {"We've never seen any evidence and we've never heard something trustful (sic).\"", "",
     "We've never seen any evidence and we've never heard something trustful (sic)", 0},
    /* News-like sentences. */
    {"Peskov said that Kislyak met with Clinton advisers.", "Peskov",
     "Kislyak met with Clinton advisers", 0},
    {"\"It is false,\" said Dmitry Peskov.", "Dmitry Peskov", "It is false", 0},
    {"According to the health ministry, 40 people died in the attack.", "health ministry",
     "40 people died in the attack", 0},
    {"Unemployment fell to 3.5 percent, according to the Labor Department.", "Labor Department",
     "Unemployment fell to 3.5 percent", 0},
    {"Sen. Elizabeth Warren told CNN that the bill would cost $1.5 trillion.", "Elizabeth Warren",
     "the bill would cost $1.5 trillion", 0},
    {"Trump claimed that crime rose 50 percent in 2016.", "Trump", "crime rose 50 percent in 2016",
     0},
    {"The senator insisted the tax cut pays for itself.", "senator", "the tax cut pays for itself",
     0},
    {"Peskov, the Kremlin spokesman, denied that Russia interfered in the election.", "Peskov",
     "Russia interfered in the election", 0},
    {"Crime rose 20 percent last year, officials said.", "officials",
     "Crime rose 20 percent last year", 0},
    {"The economy grew 3 percent in 2017.", "", "The economy grew 3 percent in 2017", 0},
    {"\"Nobody knows,\" she said, adding that the talks would go on.", "she", "Nobody knows", 1},
    /* A quotation introduced by a colon or a comma after where it was said. */
    {"Senator Claire McCaskill wrote on Twitter: \"I've been on the Armed Services Committee for "
     "10 years.",
     "Claire McCaskill", "I've been on the Armed Services Committee for 10 years", 0},
    {"Peskov said in a statement, \"We never met them.\"", "Peskov", "We never met them", 0},
    {"Warren posted on Facebook: \"The bill would cost $1.5 trillion.\"", "Warren",
     "The bill would cost $1.5 trillion", 0},
    {"He said: \"It is false.\"", "He", "It is false", 1},
    /* The sample wire copy: an adverb before the verb, "states" as a noun,
     * a rebuttal tacked on, "repeated the claim that". */
    {"The speaker also said that 3 million votes in the presidential election were cast by "
     "illegal aliens, a figure election officials in several states have disputed.",
     "speaker", "3 million votes in the presidential election were cast by illegal aliens", 0},
    {"Speaking to supporters on Tuesday, a campaign surrogate repeated the claim that Hillary "
     "Clinton gave up 20 percent of America's uranium supply to Russia.",
     "campaign surrogate",
     "Hillary Clinton gave up 20 percent of America's uranium supply to Russia", 0},
    {"\"We have to remember, Obamacare has failed,\" the speaker added, to applause.", "speaker",
     "We have to remember, Obamacare has failed", 0},
    {"\"It is false,\" Trump also said.", "Trump", "It is false", 0},
    {"Trump has repeatedly claimed that crime rose 50 percent.", "Trump", "crime rose 50 percent",
     0},
    {"Officials in several states said that turnout was high.", "Officials in several states",
     "turnout was high", 0},
    {"Trump's claims that crime is up are false.", "", "Trump's claims that crime is up are false",
     0},
    {"Voters in several states say the economy is weak.", "",
     "Voters in several states say the economy is weak", 0},
    {"She made a speech that lasted an hour.", "", "She made a speech that lasted an hour", 0},
};

/* Checks what cw_attribution_find() made of case i against its golden
 * speaker, claim and pronoun flag. */
static void attr_expect(const struct attr_case *c, size_t i, const struct cw_attribution *a)
{
	size_t len = strlen(c->sentence);

	cr_assert(a->speaker_len <= len && a->speaker_off <= len - a->speaker_len,
	          "case %zu: speaker %zu+%zu", i, a->speaker_off, a->speaker_len);
	cr_assert(a->claim_len <= len && a->claim_off <= len - a->claim_len,
	          "case %zu: claim %zu+%zu", i, a->claim_off, a->claim_len);
	cr_expect(a->speaker_len == strlen(c->speaker) &&
	              memcmp(c->sentence + a->speaker_off, c->speaker, a->speaker_len) == 0,
	          "case %zu: speaker '%.*s', expected '%s'", i, (int)a->speaker_len,
	          c->sentence + a->speaker_off, c->speaker);
	cr_expect(a->claim_len == strlen(c->claim) &&
	              memcmp(c->sentence + a->claim_off, c->claim, a->claim_len) == 0,
	          "case %zu: claim '%.*s', expected '%s'", i, (int)a->claim_len,
	          c->sentence + a->claim_off, c->claim);
	cr_expect_eq(a->pronoun, c->pronoun, "case %zu: pronoun %d", i, a->pronoun);
}

Test(attribution, golden)
{
	for (size_t i = 0; i < sizeof(attr_cases) / sizeof(attr_cases[0]); i++) {
		const struct attr_case *c = &attr_cases[i];
		struct cw_attribution a;
		size_t len = strlen(c->sentence);

		cw_attribution_find(c->sentence, len, &a);
		attr_expect(c, i, &a);
		cr_expect_eq(a.kind == CW_ATTR_NONE, c->speaker[0] == '\0', "case %zu: kind %d", i,
		             a.kind);
	}
}

/* Separators of several bytes ("“", "—", "--", "«", a no-break space, "’"
 * between words) and a sentence that ends in a word. */
static const struct attr_case multibyte_cases[] = {
    {"\xe2\x80\x9cIt is his job,\xe2\x80\x9d Peskov said.", "Peskov", "It is his job", 0},
    {"Peskov said \xe2\x80\x94 without offering proof \xe2\x80\x94 that the talks failed.",
     "Peskov", "the talks failed", 0},
    {"Crime rose by 20 percent -- the most in a decade, officials said.", "officials",
     "Crime rose by 20 percent -- the most in a decade", 0},
    {"\xc2\xab It is false \xc2\xbb, Peskov said.", "Peskov", "It is false", 0},
    {"He said:\xc2\xa0\"It is false.\"", "He", "It is false", 1},
    {"Peskov\xe2\x80\x99s aide said that the talks failed.", "Peskov\xe2\x80\x99s aide",
     "the talks failed", 0},
    {"The talks \xe2\x80\x94 held in Geneva \xe2\x80\x94 failed after three days of "
     "\xe2\x80\x9c"
     "frank\xe2\x80\x9d exchanges -- and no deal (sic).",
     "",
     "The talks \xe2\x80\x94 held in Geneva \xe2\x80\x94 failed after three days of "
     "\xe2\x80\x9c"
     "frank\xe2\x80\x9d exchanges -- and no deal (sic)",
     0},
    {"Oh, he said", "he", "Oh", 1},
    /* "--" and a dash that is a word of punctuation only, ending the clause. */
    {"Peskov said --- that the talks failed.", "", "Peskov said --- that the talks failed", 0},
};

/* Words are found 64 bytes at a time.  After 0 to 129 spaces (no word, no
 * punctuation) a sentence has the same attribution wherever the blocks cut
 * it: inside a word, a separator of several bytes or the last word. */
static void expect_any_alignment(const struct attr_case *c, size_t i)
{
	char s[512];
	size_t len = strlen(c->sentence);
	struct cw_attribution a, none0, none;

	cr_assert_lt(len + 130, sizeof(s));
	cw_attribution_none(c->sentence, len, &none0);
	for (size_t pad = 0; pad < 130; pad++) {
		struct attr_case p = *c;

		memset(s, ' ', pad);
		memcpy(s + pad, c->sentence, len + 1);
		p.sentence = s;
		cw_attribution_find(s, pad + len, &a);
		attr_expect(&p, i * 1000 + pad, &a);
		cr_expect_eq(a.kind == CW_ATTR_NONE, c->speaker[0] == '\0',
		             "case %zu pad %zu: kind %d", i, pad, a.kind);
		cw_attribution_none(s, pad + len, &none);
		cr_expect(none.claim_off == none0.claim_off + pad &&
		              none.claim_len == none0.claim_len,
		          "case %zu pad %zu: labelled claim %zu+%zu, unpadded %zu+%zu", i, pad,
		          none.claim_off, none.claim_len, none0.claim_off, none0.claim_len);
	}
}

Test(attribution, any_block_alignment)
{
	for (size_t i = 0; i < sizeof(multibyte_cases) / sizeof(multibyte_cases[0]); i++)
		expect_any_alignment(&multibyte_cases[i], i);
	for (size_t i = 0; i < sizeof(attr_cases) / sizeof(attr_cases[0]); i++)
		expect_any_alignment(&attr_cases[i], 100 + i);
}

/* The single bytes that separate words: a claim starts at the first word,
 * after any of them, and at any other byte ("-x", an E2 or C2 byte not
 * starting a curly quote, dash or no-break space), wherever the byte falls
 * in the 64-byte blocks words are found in. */
Test(attribution, byte_classes)
{
	static const size_t pads[] = {0, 1, 15, 16, 17, 47, 62, 63, 64, 65, 127};
	char s[160];
	struct cw_attribution a;

	for (unsigned c = 0; c < 256; c++) {
		int sep = c != 0 && strchr(" \t\n\r,;:()[]\"'", (int)c) != NULL;

		for (size_t k = 0; k < sizeof(pads) / sizeof(pads[0]); k++) {
			size_t pad = pads[k];

			memset(s, ' ', pad);
			s[pad] = (char)c;
			memcpy(s + pad + 1, "x failed", 8);
			cw_attribution_find(s, pad + 9, &a);
			cr_expect_eq(a.claim_off, pad + (sep ? 1 : 0),
			             "byte 0x%02x after %zu: claim at %zu", c, pad, a.claim_off);
		}
	}
}

/* A trailing "according to" whose source opens with a bracket: the source
 * is the bracketed words, never a span of negative length. */
Test(attribution, according_to_a_bracket)
{
	static const char *s[] = {
	    "Over 40% of pupils now receive free meals, according to (Reuters) figures.",
	    "Over 40% of pupils now receive free meals, according to(suite `sentence`) compares "
	    "them.",
	    "Over 40% of pupils now receive free meals, according to (Reuters).",
	};
	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		struct cw_attribution a;
		size_t len = strlen(s[i]);
		cw_attribution_find(s[i], len, &a);
		cr_assert(a.speaker_len <= len && a.speaker_off <= len - a.speaker_len,
		          "case %zu: speaker %zu+%zu", i, a.speaker_off, a.speaker_len);
		cr_assert_leq(a.claim_off + a.claim_len, len, "case %zu", i);
		cr_assert_eq(a.kind, CW_ATTR_ACCORDING, "case %zu", i);
		cr_assert(a.speaker_len > 0 && (strncmp(s[i] + a.speaker_off, "Reuters", 7) == 0 ||
		                                strncmp(s[i] + a.speaker_off, "suite", 5) == 0),
		          "case %zu: speaker '%.*s'", i, (int)a.speaker_len, s[i] + a.speaker_off);
	}
}

Test(attribution, empty_and_punctuation_only)
{
	struct cw_attribution a;

	cr_expect_eq(cw_attribution_find("", 0, &a), CW_ATTR_NONE);
	cr_expect_eq(a.claim_len, 0);
	cr_expect_eq(cw_attribution_find("\" , . \"", 7, &a), CW_ATTR_NONE);
	cr_expect_eq(a.speaker_len, 0);
}

/* Words longer than the scanner's 64-byte window, starting anywhere in it:
 * each is one word, whole, and the scan ends (a run of plain bytes past the
 * window once sent it round in a circle). */
Test(attribution, words_longer_than_a_window, .timeout = 10)
{
	char s[400];
	struct cw_attribution a;

	for (size_t lead = 0; lead < 70; lead++) {
		for (size_t run = 60; run < 200; run += 7) {
			size_t n = 0;
			for (size_t k = 0; k < lead; k++)
				s[n++] = k % 5 == 4 ? ' ' : 'x';
			s[n++] = '}';
			memset(s + n, '^', run);
			n += run;
			memcpy(s + n, ", Peskov said.", 14);
			n += 14;
			cr_assert_eq(cw_attribution_find(s, n, &a), CW_ATTR_TAIL,
			             "lead %zu run %zu", lead, run);
			cr_assert_eq(a.claim_len, lead + 1 + run, "lead %zu run %zu", lead, run);
			cr_assert_eq(a.speaker_len, 6);
		}
	}
}

/* A transcript's labelled sentence keeps its reported speech: the labelled
 * speaker said all of it. */
Test(attribution, none_keeps_reported_speech)
{
	const char *s = "Peskov said that Kislyak met with Clinton advisers.\"";
	struct cw_attribution a;

	cw_attribution_none(s, strlen(s), &a);
	cr_expect_eq(a.kind, CW_ATTR_NONE);
	cr_expect_eq(a.speaker_len, 0);
	cr_expect_eq(a.claim_off, 0);
	cr_expect(a.claim_len == strlen(s) - 2 && memcmp(s, "Peskov said", 11) == 0, "claim '%.*s'",
	          (int)a.claim_len, s + a.claim_off);
	cw_attribution_none("", 0, &a);
	cr_expect_eq(a.claim_len, 0);
}

/* Words of the lists are looked up only in sentences with a verb of saying,
 * "according" or a rebuttal noun, and read 8 bytes at a time: a rebuttal in
 * a sentence with no verb, and listed words of any case, long ones and ones
 * at the very end of the sentence, are still found. */
Test(attribution, lookup_by_trigger_and_key)
{
	static const struct attr_case cases[] = {
	    {"Turnout rose 40 percent in the state, a figure the county disputes.", "",
	     "Turnout rose 40 percent in the state", 0},
	    {"\"It is his job,\" Peskov SAID.", "Peskov", "It is his job", 0},
	    {"ACCORDING TO the ministry, 40 people died.", "ministry", "40 people died", 0},
	    {"The minister acknowledged that the figures were wrong.", "minister",
	     "the figures were wrong", 0},
	    {"Oh, he said", "he", "Oh", 1},
	};
	struct cw_attribution a;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct attr_case *c = &cases[i];

		cw_attribution_find(c->sentence, strlen(c->sentence), &a);
		attr_expect(c, i, &a);
	}
	/* A labelled sentence drops the rebuttal too. */
	cw_attribution_none(cases[0].sentence, strlen(cases[0].sentence), &a);
	cr_expect_eq(a.claim_len, strlen(cases[0].claim));
}

/* Whether cw_attribution_plain() of s[0..len), when it answers, fills the
 * same as cw_attribution_find() and cw_attribution_none(); returns whether
 * it answered. */
static int plain_agrees(const char *s, size_t len)
{
	struct cw_attribution p, f, n;

	memset(&p, 0xA5, sizeof(p));
	memset(&f, 0, sizeof(f));
	memset(&n, 0, sizeof(n));
	if (!cw_attribution_plain(s, len, &p))
		return 0;
	cw_attribution_find(s, len, &f);
	cw_attribution_none(s, len, &n);
	cr_assert(memcmp(&p, &f, sizeof(p)) == 0 && memcmp(&p, &n, sizeof(p)) == 0,
	          "'%.*s': plain claim %zu+%zu, find %zu+%zu, none %zu+%zu", (int)len, s,
	          p.claim_off, p.claim_len, f.claim_off, f.claim_len, n.claim_off, n.claim_len);
	return 1;
}

/* A sentence with none of the listed words has the claim its two ends say:
 * the same as a read of every word finds, whatever the ends look like
 * (quotes, brackets, abbreviations, initials, marks of their own), or no
 * answer at all. */
Test(attribution, plain_ends_claim_as_every_word_read)
{
	static const char *const plain[] = {
	    "Turnout rose 40 percent in the state.",
	    "\"Turnout rose,\" (in the state).",
	    "  'Turnout' rose in the U.S.",
	    "Turnout rose, W.",
	    "-- Turnout rose in 2016 (sic)]) ? ",
	    "It rose don't it's.",
	    "It rose . ? !",
	    "It rose x-ray",
	    "It rose O'Neil",
	};
	static const char *const unsure[] = {
	    "\xe2\x80\x9cTurnout rose.\xe2\x80\x9d",
	    "Turnout rose --",
	    "...Turnout rose",
	    "It rose caf\xc3\xa9",
	    "It rose don'",
	    "It rose ..",
	    "?",
	    "",
	};
	/* Bytes that make words and cut them, in no listed word. */
	static const char *const bits[] = {
	    "x",
	    "Zy",
	    "7",
	    " ",
	    "  ",
	    ".",
	    "!",
	    "?",
	    ",",
	    ";",
	    ":",
	    "(",
	    ")",
	    "[",
	    "]",
	    "\"",
	    "'",
	    "-",
	    "--",
	    "$",
	    "%",
	    "U.S.",
	    "W.",
	    "\n",
	    "\t",
	    "..",
	    "\xe2\x80\x9c",
	    "\xe2\x80\x9d",
	    "\xe2\x80\x99",
	    "\xe2\x80\x94",
	    "\xc2\xa0",
	    "\xc3\xa9",
	    "\xe2\x80\xa6",
	};
	char s[64];
	uint64_t r = 88172645463325252ull;
	size_t answered = 0;

	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		cr_expect(plain_agrees(plain[i], strlen(plain[i])), "'%s' not answered", plain[i]);
	for (size_t i = 0; i < sizeof(unsure) / sizeof(unsure[0]); i++)
		cr_expect(!plain_agrees(unsure[i], strlen(unsure[i])), "'%s' answered", unsure[i]);
	for (int k = 0; k < 200000; k++) {
		size_t len = 0;
		for (int w = 0; w < 8; w++) {
			r ^= r << 13, r ^= r >> 7, r ^= r << 17;
			const char *b = bits[r % (sizeof(bits) / sizeof(bits[0]))];
			memcpy(s + len, b, strlen(b));
			len += strlen(b);
		}
		answered += (size_t)plain_agrees(s, len);
	}
	cr_expect_gt(answered, 5000, "%zu answered", answered);
}

/* cw_attribution_read() finds what cw_attribution_find() finds, with or
 * without a listed word in the sentence. */
Test(attribution, read_finds_as_find)
{
	static const char *const bits[] = {
	    "Peskov",
	    " said",
	    " that",
	    "according to",
	    " the",
	    " officials",
	    " a figure",
	    " disputed",
	    "\"",
	    ",",
	    ".",
	    " ",
	    "\xe2\x80\x9d",
	    " he",
	    " told",
	    " CNN",
	    "x",
	    "?",
	    "(",
	    "claim",
	    " repeated",
	    "s",
	    "-",
	};
	char s[128];
	uint64_t r = 2463534242ull;

	for (int k = 0; k < 100000; k++) {
		struct cw_attribution f, d;
		size_t len = 0;
		for (int w = 0; w < 10; w++) {
			r ^= r << 13, r ^= r >> 7, r ^= r << 17;
			const char *b = bits[r % (sizeof(bits) / sizeof(bits[0]))];
			memcpy(s + len, b, strlen(b));
			len += strlen(b);
		}
		memset(&f, 0x5A, sizeof(f));
		memset(&d, 0xA5, sizeof(d));
		cr_assert_eq(cw_attribution_find(s, len, &f), cw_attribution_read(s, len, &d));
		cr_assert(memcmp(&f, &d, sizeof(f)) == 0, "'%.*s'", (int)len, s);
	}
}
