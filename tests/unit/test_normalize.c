/*
 * test_normalize.c — golden cases for claimwire's text normalisation, taken
 * from the "Please verify" article in examples and from debate transcripts,
 * plus the rules one at a time (quotes, dashes, numbers, abbreviations,
 * stemming, stop words, invalid UTF-8, Unicode folding), and the fast paths
 * held equal to the plain rules (stem cache, stop-word table, letter runs).
 */
#include <criterion/criterion.h>
#include <ctype.h>
#include <libstemmer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract/normalize.h"

static struct cw_norm *nz;

static void norm_setup(void)
{
	char err[128];
	nz = cw_norm_new("english", err, sizeof(err));
	cr_assert_not_null(nz, "%s", err);
}

static void norm_teardown(void)
{
	cw_norm_free(nz);
	nz = NULL;
}

/* Normalised text of s with flags. */
static const char *norm(const char *s, unsigned flags)
{
	struct cw_tokens t;
	cr_assert_eq(cw_norm_text(nz, s, strlen(s), flags, &t), 0);
	return t.text;
}

#define NORM_EQ(in, flags, want) cr_expect_str_eq(norm(in, flags), want, "input: %s", in)

TestSuite(normalize, .init = norm_setup, .fini = norm_teardown);

Test(normalize, golden_article)
{
	NORM_EQ("During an interview on CNN, Kremlin spokesman Dmitry Peskov said that Russian "
	        "Ambassador Sergey Kislyak met with Hillary Clinton advisers before the "
	        "presidential election, and that it wasn't abnormal for the ambassador to speak "
	        "with both candidates to discuss relations between the two countries.",
	        0,
	        "interview cnn kremlin spokesman dmitri peskov said russian ambassador sergey "
	        "kislyak met hillari clinton advis befor presidenti elect wasnt abnorm ambassador "
	        "speak both candid discuss relat two countri");
	NORM_EQ("\"Well, if you look at some people connected with Hillary Clinton during her "
	        "campaign, you would probably see that he had lots of meetings of that kind,\u201d "
	        "Peskov answered.",
	        0,
	        "well look some peopl connect hillari clinton campaign probabl see lot meet kind "
	        "peskov answer");
	NORM_EQ("There are lots of specialists in politology (sic), people working in think tanks",
	        0, "lot specialist politolog sic peopl work think tank");
}

Test(normalize, golden_debates)
{
	NORM_EQ("Our manufacturing trade deficit has reached an all-time high \u2013 nearly $800 "
	        "billion in a single year.",
	        0, "manufactur trade deficit reach all time high near 800 billion singl year");
	NORM_EQ(
	    "Tonight's debate, as both of your know, comes on the 50th anniversary of the "
	    "night that President Kennedy told the world that the Soviet Union had installed "
	    "nuclear missiles in Cuba \u2014 perhaps the closest we've ever come to nuclear war.",
	    0,
	    "tonight debat both know come 50th anniversari night presid kennedi told world "
	    "soviet union instal nuclear missil cuba perhap closest ever come nuclear war");
}

Test(normalize, quotes_and_apostrophes_unified)
{
	const char *want = norm("He said \"it wasn't true\" and 'Kislyak's' job", 0);
	char copy[256];
	snprintf(copy, sizeof(copy), "%s", want);
	NORM_EQ("He said \u201cit wasn\u2019t true\u201d and \u2018Kislyak\u2019s\u2019 job", 0,
	        copy);
	NORM_EQ("He said \u00abit wasn\u02bct true\u00bb and `Kislyak\u00b4s` job", 0, copy);
	NORM_EQ("don't", CW_NORM_KEEP_STOPWORDS | CW_NORM_NO_STEM, "dont");
	NORM_EQ("don\u2019t", CW_NORM_KEEP_STOPWORDS | CW_NORM_NO_STEM, "dont");
	/* an apostrophe that is a quote mark, not inside a word, goes */
	NORM_EQ("'the main evil in the world,'", CW_NORM_KEEP_STOPWORDS | CW_NORM_NO_STEM,
	        "the main evil in the world");
}

Test(normalize, dashes_separate)
{
	const char *want = "abroad includ moscow";
	NORM_EQ("abroad \u2014 including in Moscow \u2014", 0, want);
	NORM_EQ("abroad -- including in Moscow --", 0, want);
	NORM_EQ("abroad\u2013including in Moscow", 0, want);
	NORM_EQ("COVID-19", 0, "covid 19");
	NORM_EQ("COVID\u201119", 0, "covid 19");
}

Test(normalize, numbers_one_way)
{
	unsigned raw = CW_NORM_KEEP_STOPWORDS | CW_NORM_NO_STEM;
	NORM_EQ("2,000 jobs", raw, "2000 jobs");
	NORM_EQ("2000 jobs", raw, "2000 jobs");
	NORM_EQ("$1.5 trillion", raw, "1.5 trillion");
	NORM_EQ("1.50", raw, "1.5");
	NORM_EQ("3.0", raw, "3");
	NORM_EQ("50%", raw, "50 percent");
	NORM_EQ("50 %", raw, "50 percent");
	NORM_EQ("50 percent", raw, "50 percent");
	NORM_EQ("1,000,000.00", raw, "1000000");
	NORM_EQ(".5", raw, "0.5");
	NORM_EQ("007", raw, "7");
	NORM_EQ("the 1990's", raw, "the 1990s");
	/* a comma not followed by three digits separates */
	NORM_EQ("1,5", raw, "1 5");
	NORM_EQ("in 2016, 40 states", raw, "in 2016 40 states");
	/* numbers are never stemmed or stopped */
	NORM_EQ("2nd 50th", 0, "2nd 50th");
}

Test(normalize, abbreviations)
{
	unsigned raw = CW_NORM_KEEP_STOPWORDS | CW_NORM_NO_STEM;
	NORM_EQ("the U.S. economy", raw, "the us economy");
	NORM_EQ("the US economy", raw, "the us economy");
	NORM_EQ("U.S.-Russia relations", raw, "us russia relations");
	NORM_EQ("e.g. a Ph.D.", raw, "eg a phd");
	/* a full stop between longer words ends a word */
	NORM_EQ("Mr.Smith", raw, "mr smith");
	/* "U.S." is kept although "us" could look like a pronoun */
	NORM_EQ("the U.S. economy", 0, "us economi");
}

Test(normalize, stemming)
{
	NORM_EQ("meetings meeting met", 0, "meet meet met");
	NORM_EQ("advisers advising", 0, "advis advis");
	NORM_EQ("meetings", CW_NORM_NO_STEM, "meetings");
}

Test(normalize, stopwords)
{
	NORM_EQ("the ambassador of Russia", 0, "ambassador russia");
	NORM_EQ("the ambassador of Russia", CW_NORM_KEEP_STOPWORDS, "the ambassador of russia");
	/* negations and quantifiers carry the claim: they stay */
	NORM_EQ("it is not true", 0, "not true");
	NORM_EQ("no meetings", 0, "no meet");
	NORM_EQ("all of them", 0, "all");
	cr_expect(cw_norm_is_stopword("the", 3));
	cr_expect(cw_norm_is_stopword("yourselves", 10));
	cr_expect(!cw_norm_is_stopword("not", 3));
	cr_expect(!cw_norm_is_stopword("us", 2));
	cr_expect(!cw_norm_is_stopword("th", 2));
	cr_expect(!cw_norm_is_stopword("thee", 4));
	cr_expect(!cw_norm_is_stopword("", 0));
	/* a NUL byte is part of the word, not padding */
	cr_expect(!cw_norm_is_stopword("a\0", 2));
	cr_expect(!cw_norm_is_stopword("the\0\0", 5));
	cr_expect(!cw_norm_is_stopword("yourselvesx", 11));
	cr_expect(!cw_norm_is_stopword("yourselvesyourse", 16));
	cr_expect(!cw_norm_is_stopword("yourselvesyourselves", 20));
}

/* Every stop word, in any case, is dropped alone and in a sentence, and kept
 * with CW_NORM_KEEP_STOPWORDS; the token offsets stay right around the
 * dropped ones. */
Test(normalize, stopwords_dropped_everywhere)
{
	char up[32], text[160], want[160];
	struct cw_tokens t;

	for (size_t i = 0; i < cw_norm_stopword_count(); i++) {
		const char *w = cw_norm_stopword_at(i);
		size_t n = strlen(w);
		cr_assert_lt(n, sizeof(up));
		for (size_t j = 0; j <= n; j++)
			up[j] = (char)(j % 2 ? toupper((unsigned char)w[j]) : w[j]);
		NORM_EQ(w, 0, "");
		NORM_EQ(up, 0, "");
		NORM_EQ(up, CW_NORM_NO_STEM, "");
		NORM_EQ(up, CW_NORM_KEEP_STOPWORDS | CW_NORM_NO_STEM, w);
		snprintf(text, sizeof(text), "%s meetings %s %s, advisers %s", up, w, up, up);
		NORM_EQ(text, 0, "meet advis");
		snprintf(want, sizeof(want), "%s meetings %s %s advisers %s", w, w, w, w);
		NORM_EQ(text, CW_NORM_KEEP_STOPWORDS | CW_NORM_NO_STEM, want);
	}
	cr_assert_eq(cw_norm_text(nz, "The meetings of the advisers", 28, 0, &t), 0);
	cr_assert_eq(t.n, 2);
	cr_expect_str_eq(t.text, "meet advis");
	cr_expect_eq(t.off[0], 0);
	cr_expect_eq(t.tlen[0], 4);
	cr_expect_eq(t.off[1], 5);
	cr_expect_eq(t.tlen[1], 5);
	cr_assert_eq(cw_norm_text(nz, "of the and", 10, 0, &t), 0);
	cr_expect_eq(t.n, 0);
	cr_expect_eq(t.len, 0);
	cr_expect_str_eq(t.text, "");
}

/* Word i of a list of distinct words, 1 to 20 letters, some English-like
 * (stems differ from the word), some sharing their first 8 or 16 bytes. */
static void list_word(size_t i, char *w, size_t size)
{
	static const char *const suffix[] = {"", "s", "ing", "ed", "ation", "ness", "ies", "ly"};
	static const char *const prefix[] = {"", "internationa", "abcdefgh", "abcdefghijklmnop"};
	uint64_t x = i * 0x9e3779b97f4a7c15ull + 12345;
	size_t len = (size_t)(x >> 60) % 9; /* letters of the middle part */
	char mid[16];
	size_t k;

	for (k = 0; k < len; k++)
		mid[k] = (char)('a' + (x >> (5 * k)) % 26);
	/* the index in base 26 keeps the words distinct */
	for (size_t v = i; k < sizeof(mid) - 1; v /= 26) {
		mid[k++] = (char)('a' + v % 26);
		if (v < 26)
			break;
	}
	mid[k] = '\0';
	snprintf(w, size, "%s%s%s", prefix[(i / 8) % 4], mid, suffix[i % 8]);
}

/* The stem cache (and the stop-word table behind it) give what libstemmer
 * and the stop-word list give, for far more words than the cache holds, so
 * words share slots and fill the table; twice over, the second time from
 * the cache.  Upper-case letters show the letter runs fold like the rules. */
Test(normalize, stem_cache_matches_stemmer)
{
	struct sb_stemmer *st = sb_stemmer_new("english", "UTF_8");
	const size_t nwords = 40000;
	char w[64], mixed[64], text[160], want[160];

	cr_assert_not_null(st);
	/* a word then the same less its last letter: the shorter must not be
	 * taken for the longer, whose letter is still in the scan buffer; with
	 * English suffixes, and with none but "ing" ending the first 16 letters,
	 * so that the stems are short enough to be cached */
	static const char *const base[] = {"nationalizationsxyzab", "qwertyuiopasdingsxyza"};
	for (size_t b = 0; b < 2; b++) {
		for (size_t n = 2; n <= 20; n++) {
			for (size_t k = n; k + 1 >= n; k--) {
				const char *stem = (const char *)sb_stemmer_stem(
				    st, (const sb_symbol *)base[b], (int)k);
				cr_assert_not_null(stem);
				snprintf(want, sizeof(want), "%s", stem);
				snprintf(w, sizeof(w), "%.*s", (int)k, base[b]);
				NORM_EQ(w, CW_NORM_KEEP_STOPWORDS, want);
			}
		}
	}
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < nwords; i++) {
			size_t n;
			const char *stem;
			list_word(i, w, sizeof(w));
			n = strlen(w);
			stem = (const char *)sb_stemmer_stem(st, (const sb_symbol *)w, (int)n);
			cr_assert_not_null(stem);
			for (size_t j = 0; j <= n; j++)
				mixed[j] =
				    (char)((i + j) % 3 ? w[j] : toupper((unsigned char)w[j]));
			int stop = 0;
			for (size_t j = 0; j < cw_norm_stopword_count(); j++)
				stop |= !strcmp(cw_norm_stopword_at(j), w);
			snprintf(want, sizeof(want), "%s", stop ? "" : stem);
			if (strcmp(norm(mixed, 0), want))
				cr_assert_fail("pass %d word %s: '%s', want '%s'", pass, mixed,
				               norm(mixed, 0), want);
			snprintf(want, sizeof(want), "%s", stem);
			if (strcmp(norm(mixed, CW_NORM_KEEP_STOPWORDS), want))
				cr_assert_fail("pass %d word %s kept: '%s', want '%s'", pass, mixed,
				               norm(mixed, CW_NORM_KEEP_STOPWORDS), want);
			/* inside a sentence, at every alignment */
			snprintf(text, sizeof(text), "%.*sMeetings, %s. %s", (int)(i % 9),
			         "!!!!!!!!", mixed, mixed);
			snprintf(want, sizeof(want), "meet%s%s%s%s", stop ? "" : " ",
			         stop ? "" : stem, stop ? "" : " ", stop ? "" : stem);
			if (strcmp(norm(text, 0), want))
				cr_assert_fail("pass %d text %s: '%s', want '%s'", pass, text,
				               norm(text, 0), want);
		}
	}
	sb_stemmer_delete(st);
}

Test(normalize, stopword_list_sorted)
{
	size_t n = cw_norm_stopword_count();
	cr_assert_gt(n, 50);
	for (size_t i = 1; i < n; i++)
		cr_expect_lt(strcmp(cw_norm_stopword_at(i - 1), cw_norm_stopword_at(i)), 0,
		             "%s before %s", cw_norm_stopword_at(i - 1), cw_norm_stopword_at(i));
	for (size_t i = 0; i < n; i++) {
		const char *w = cw_norm_stopword_at(i);
		cr_expect(cw_norm_is_stopword(w, strlen(w)), "%s", w);
	}
	cr_expect_null(cw_norm_stopword_at(n));
}

Test(normalize, case_and_whitespace)
{
	NORM_EQ("  KREMLIN\tSpokesman\n\nDMITRY   peskov ", 0, "kremlin spokesman dmitri peskov");
	NORM_EQ("", 0, "");
	NORM_EQ(" \t\n ", 0, "");
	NORM_EQ("!!! ... ???", 0, "");
}

Test(normalize, unicode_folding)
{
	unsigned raw = CW_NORM_KEEP_STOPWORDS | CW_NORM_NO_STEM;
	/* NFKC, case folding, accents stripped */
	NORM_EQ("Caf\u00e9 Pe\u00f1a na\u00efve", raw, "cafe pena naive");
	NORM_EQ("Cafe\u0301 Pen\u0303a", raw, "cafe pena");
	NORM_EQ("\ufb01nance \uff21\uff22\uff23\uff11\uff12 x\u00b2", raw, "finance abc12 x2");
	NORM_EQ("STRASSE Stra\u00dfe", raw, "strasse strasse");
	NORM_EQ("\u041f\u0420\u0418\u0412\u0415\u0422 \u043c\u0438\u0440", raw,
	        "\u043f\u0440\u0438\u0432\u0435\u0442 \u043c\u0438\u0440");
	/* soft hyphen and zero-width space are dropped, no-break space splits */
	NORM_EQ("infor\u00admation", raw, "information");
	NORM_EQ("two\u00a0words", raw, "two words");
	NORM_EQ("ellipsis\u2026next", raw, "ellipsis next");
}

/* The punctuation folded without utf8proc must give what utf8proc gives:
 * the same character followed by a combining mark takes the utf8proc path. */
Test(normalize, fast_punctuation_matches_utf8proc)
{
	static const char *const punct[] = {"\u00a0", "\u2010", "\u2011", "\u2012", "\u2013",
	                                    "\u2014", "\u2015", "\u2018", "\u2019", "\u201b",
	                                    "\u201c", "\u201d", "\u2026", "\u2032"};
	unsigned raw = CW_NORM_KEEP_STOPWORDS | CW_NORM_NO_STEM;
	char fast[64], slow[64], a[128], b[128];

	for (size_t i = 0; i < sizeof(punct) / sizeof(punct[0]); i++) {
		/* fast path: ASCII after the mark */
		snprintf(a, sizeof(a), "don%st 3%s5 x%sy \u00e9", punct[i], punct[i], punct[i]);
		/* slow path: a combining mark on the next letter forces utf8proc */
		snprintf(b, sizeof(b), "don%st\u0301 3%s5 x%sy\u0301 \u00e9", punct[i], punct[i],
		         punct[i]);
		snprintf(fast, sizeof(fast), "%s", norm(a, raw));
		snprintf(slow, sizeof(slow), "%s", norm(b, raw));
		cr_expect_str_eq(fast, slow, "punctuation %zu", i);
	}
}

Test(normalize, invalid_utf8_never_fatal)
{
	unsigned raw = CW_NORM_KEEP_STOPWORDS | CW_NORM_NO_STEM;
	NORM_EQ("bad\xff\xfe bytes", raw, "bad bytes");
	NORM_EQ("cut \xe2\x80", raw, "cut");
	NORM_EQ("\xc0\xafover\xed\xa0\x80long", raw, "over long");
	struct cw_tokens t;
	static const char nul[] = "nul\0byte";
	cr_assert_eq(cw_norm_text(nz, nul, sizeof(nul) - 1, raw, &t), 0);
	cr_expect_str_eq(t.text, "nul byte");
}

Test(normalize, token_offsets)
{
	struct cw_tokens t;
	const char *s = "Peskov said 2,000 meetings";
	cr_assert_eq(cw_norm_text(nz, s, strlen(s), 0, &t), 0);
	cr_assert_eq(t.n, 4);
	cr_expect_eq(t.len, strlen(t.text));
	static const char *const want[] = {"peskov", "said", "2000", "meet"};
	for (size_t i = 0; i < t.n; i++) {
		cr_expect_eq(t.tlen[i], strlen(want[i]));
		cr_expect(!memcmp(t.text + t.off[i], want[i], t.tlen[i]), "token %zu", i);
		if (i)
			cr_expect_eq(t.off[i], t.off[i - 1] + t.tlen[i - 1] + 1);
	}
}

Test(normalize, long_input_is_cut)
{
	size_t len = (1u << 20) + 4096;
	char *s = malloc(len);
	struct cw_tokens t;
	cr_assert_not_null(s);
	for (size_t i = 0; i < len; i++)
		s[i] = i % 4 == 3 ? ' ' : 'a';
	cr_assert_eq(cw_norm_text(nz, s, len, CW_NORM_NO_STEM, &t), 0);
	cr_expect_eq(t.n, (1u << 20) / 4);
	free(s);
}

Test(normalize, unknown_language)
{
	char err[128] = "";
	struct cw_norm *x = cw_norm_new("klingon", err, sizeof(err));
	cr_expect_null(x);
	cr_expect(strstr(err, "klingon") != NULL, "%s", err);
	x = cw_norm_new("german", err, sizeof(err));
	cr_assert_not_null(x);
	struct cw_tokens t;
	cw_norm_text(x, "die H\u00e4user", strlen("die H\u00e4user"), 0, &t);
	/* no English stop words for German; umlauts stripped before stemming */
	cr_expect_str_eq(t.text, "die haus");
	cw_norm_free(x);
	cw_norm_free(NULL);
}
