/*
 * test_sentence.c — the sentence splitter against golden splits in
 * tests/data/sentences/ (NAME.txt → NAME.expected, one sentence a line), and
 * the splitter's invariants on awkward input.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract/sentence.h"
#include "lib/common.h"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	cr_assert_not_null(f, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Splits NAME.txt and compares with NAME.expected line by line. */
static void golden(const char *name)
{
	char path[256];
	size_t tlen, elen, n, line = 0;
	char *text, *want, *p;
	struct cw_sentence *s;

	snprintf(path, sizeof(path), "tests/data/sentences/%s.txt", name);
	text = slurp(path, &tlen);
	snprintf(path, sizeof(path), "tests/data/sentences/%s.expected", name);
	want = slurp(path, &elen);
	s = calloc(10000, sizeof(*s));
	cr_assert_eq(cw_sentences_split(text, tlen, s, 10000, &n), 0);

	p = want;
	while (p < want + elen) {
		char *nl = memchr(p, '\n', (size_t)(want + elen - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(want + elen - p);
		cr_assert_lt(line, n, "%s: only %zu sentences, expected more: '%.*s'", name, n,
		             (int)l, p);
		cr_expect(s[line].len == l && memcmp(text + s[line].start, p, l) == 0,
		          "%s: sentence %zu is '%.*s', expected '%.*s'", name, line,
		          (int)s[line].len, text + s[line].start, (int)l, p);
		line++;
		p += l + 1;
	}
	cr_expect_eq(n, line, "%s: %zu sentences, expected %zu", name, n, line);
	free(s);
	free(text);
	free(want);
}

Test(sentence, golden_seed_article)
{
	golden("please-verify-kremlin-kislyak");
}

Test(sentence, golden_debate_2012)
{
	golden("debate-2012-third-presidential");
}

Test(sentence, golden_debate_2016)
{
	golden("debate-2016-democrats-charleston");
}

Test(sentence, golden_hard_cases)
{
	golden("hard-cases");
}

/* Splits a C string and checks the sentences, '|'-separated, in want. */
static void expect_split(const char *text, const char *want)
{
	struct cw_sentence s[64];
	size_t n, i;
	char got[4096] = "";
	size_t off = 0;

	cr_assert_eq(cw_sentences_split(text, strlen(text), s, 64, &n), 0);
	for (i = 0; i < n; i++)
		off += (size_t)snprintf(got + off, sizeof(got) - off, "%s%.*s", i ? "|" : "",
		                        (int)s[i].len, text + s[i].start);
	cr_expect_str_eq(got, want);
}

Test(sentence, quotation_attribution)
{
	expect_split("\"It is a lie,\" Peskov said. Then he left.",
	             "\"It is a lie,\" Peskov said.|Then he left.");
	expect_split("He said: \"It is false.\" Then he left.",
	             "He said: \"It is false.\"|Then he left.");
	expect_split("\"It is false!\" said Dmitry Peskov. Next.",
	             "\"It is false!\" said Dmitry Peskov.|Next.");
	expect_split("\xe2\x80\x9cIt is.\xe2\x80\x9d The end.",
	             "\xe2\x80\x9cIt is.\xe2\x80\x9d|The end.");
}

Test(sentence, abbreviations_and_numbers)
{
	expect_split("Mr. Smith paid $1.5 billion, i.e. 3.5% more. The U.S. Senate agreed.",
	             "Mr. Smith paid $1.5 billion, i.e. 3.5% more.|The U.S. Senate agreed.");
	expect_split("It happened in the U.S. The end.", "It happened in the U.S.|The end.");
	expect_split("George W. Bush spoke.", "George W. Bush spoke.");
	expect_split("Policies get an A. Really.", "Policies get an A.|Really.");
}

/* The word before a full stop is read from the 16 bytes before it at once
 * where they are in the text, and byte by byte nearer the text's start or
 * for a longer word: a snippet must split the same at every offset, after
 * leading spaces and after another sentence. */
Test(sentence, same_split_at_every_offset)
{
	static const char *const cases[][2] = {
	    {"Mr. Smith came. He left.", "Mr. Smith came.|He left."},
	    {"It is in the U.S. The end.", "It is in the U.S.|The end."},
	    {"The U.S. Army won.", "The U.S. Army won."},
	    {"Take e.g. this one.", "Take e.g. this one."},
	    {"She has a Ph.D. He does not.", "She has a Ph.D.|He does not."},
	    {"At 5 p.m. The talk began.", "At 5 p.m.|The talk began."},
	    {"Policies get an A. Really.", "Policies get an A.|Really."},
	    {"George W. Bush spoke.", "George W. Bush spoke."},
	    {"Vote ...Mr. Smith now.", "Vote ...Mr. Smith now."},
	    {"Vote ...Mr. The man.", "Vote ...Mr. The man."},
	    {"Vote ...AB. Smith knows.", "Vote ...AB.|Smith knows."},
	    {"Ask AB.CD. Smith knows.", "Ask AB.CD. Smith knows."},
	    {"Ask ABC.D. Smith knows.", "Ask ABC.D.|Smith knows."},
	    {"It cost 3.5. Then it fell.", "It cost 3.5.|Then it fell."},
	    {"Paid on Jan. The rest later.", "Paid on Jan.|The rest later."},
	    {"Paid on Jan. 5 in full.", "Paid on Jan. 5 in full."},
	    {"Sixteenbytewords. Next.", "Sixteenbytewords.|Next."},
	    {"Antidisestablishmentarianism. Next.", "Antidisestablishmentarianism.|Next."},
	    {"See A.B.C.D.E.F.G.H.I. The end.", "See A.B.C.D.E.F.G.H.I.|The end."},
	    {"Call 1.800.555. Then wait.", "Call 1.800.555.|Then wait."},
	};
	static const char o[] = "oooooooooooooooooooooooo";
	char text[256], want[256];

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		for (int pad = 0; pad < (int)sizeof(o); pad++) {
			snprintf(text, sizeof(text), "%*s%s", pad, "", cases[c][0]);
			expect_split(text, cases[c][1]);
			snprintf(text, sizeof(text), "Go%.*s. %s", pad, o, cases[c][0]);
			snprintf(want, sizeof(want), "Go%.*s.|%s", pad, o, cases[c][1]);
			expect_split(text, want);
		}
	}
}

Test(sentence, lines_and_paragraphs)
{
	expect_split("Headline here\n\nBody text. More\ntext continues\nNew line",
	             "Headline here|Body text.|More\ntext continues|New line");
	expect_split("Breaking the\nnews today.", "Breaking the\nnews today.");
	expect_split("  \n\n  ", "");
}

Test(sentence, cap_reports_too_big)
{
	struct cw_sentence s[2];
	size_t n;
	const char *t = "One. Two. Three.";

	cr_expect_eq(cw_sentences_split(t, strlen(t), s, 2, &n), CW_ERR_TOO_BIG);
	cr_expect_eq(n, 2);
	cr_expect_eq(s[1].start, 5);
	cr_expect_eq(cw_sentences_split(t, strlen(t), NULL, 0, &n), CW_ERR_TOO_BIG);
}

/* Invariants on arbitrary bytes: in order, non-empty, no overlap, no edge
 * whitespace, every non-space byte covered. */
Test(sentence, invariants_on_noise)
{
	static char buf[4096];
	struct cw_sentence_iter it;
	struct cw_sentence s;
	const char alphabet[] = "aA. !?\"\n\xe2\x80\x9c\x9d\xa6()'1,";
	uint32_t x = 12345;

	for (int round = 0; round < 200; round++) {
		size_t len = (size_t)(round * 17 % 4096), covered = 0, prev_end = 0, nonspace = 0;
		for (size_t i = 0; i < len; i++) {
			x = x * 1103515245u + 12345u;
			buf[i] = alphabet[(x >> 16) % (sizeof(alphabet) - 1)];
			if (buf[i] != ' ' && buf[i] != '\n')
				nonspace++;
		}
		cw_sentence_iter_init(&it, buf, len);
		while (cw_sentence_next(&it, &s)) {
			cr_assert_gt(s.len, 0);
			cr_assert_geq(s.start, prev_end);
			cr_assert_leq(s.start + s.len, len);
			cr_assert(buf[s.start] != ' ' && buf[s.start] != '\n');
			cr_assert(buf[s.start + s.len - 1] != ' ' &&
			          buf[s.start + s.len - 1] != '\n');
			for (size_t i = prev_end; i < s.start; i++)
				cr_assert(buf[i] == ' ' || buf[i] == '\n');
			for (size_t i = s.start; i < s.start + s.len; i++)
				covered += buf[i] != ' ' && buf[i] != '\n';
			prev_end = s.start + s.len;
		}
		cr_assert_eq(covered, nonspace);
	}
}
