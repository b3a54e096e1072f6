/*
 * test_checkworthiness.c — the check-worthiness model: the shipped weights
 * load and rank a factual sentence above small talk, bad weight files are
 * reported by file and line, the trainer learns a planted signal, and
 * average precision is computed as the CLEF lab defines it.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "extract/checkworthiness.h"

#define SHIPPED "extract/checkworthiness.weights"

static float score_str(const struct cw_cw_model *m, const char *s)
{
	return cw_cw_score(m, s, strlen(s), NULL, 0);
}

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");
	cr_assert_not_null(fp);
	fputs(text, fp);
	fclose(fp);
}

Test(checkworthiness, shipped_weights_rank_fact_above_greeting)
{
	char err[256] = "";
	struct cw_cw_model *m = cw_cw_model_load(SHIPPED, err, sizeof(err));
	cr_assert_not_null(m, "%s", err);
	float fact = score_str(m, "Unemployment fell to 4.1 percent in 2017, the lowest in 17 "
	                          "years.");
	float hello = score_str(m, "Thank you very much, it's great to be here.");
	cr_assert(fact >= 0 && fact <= 1 && hello >= 0 && hello <= 1);
	cr_assert_gt(fact, hello, "fact %f greeting %f", fact, hello);
	float th = cw_cw_model_threshold(m);
	cr_assert(th > 0 && th < 1);
	cw_cw_model_free(m);
}

Test(checkworthiness, corrupted_weights_name_file_and_line)
{
	char path[] = "/tmp/cw-cw-test-XXXXXX";
	char err[256] = "";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	close(fd);

	write_file(path, "# model\ncw-checkworthiness 4\nseed 7\nbuckets 1024\nbias -1\n"
	                 "threshold 0.5\nd number 0.5\nh 12 0.25\nh 99999 1\n");
	struct cw_cw_model *m = cw_cw_model_load(path, err, sizeof(err));
	cr_assert_null(m);
	char want[300];
	snprintf(want, sizeof(want), "%s:9:", path);
	cr_assert(strstr(err, want) != NULL, "error '%s' lacks '%s'", err, want);

	write_file(path, "cw-checkworthiness 4\nseed 7\nbuckets 1024\nbias -1\nh 3 0.5x\n");
	m = cw_cw_model_load(path, err, sizeof(err));
	cr_assert_null(m);
	snprintf(want, sizeof(want), "%s:5:", path);
	cr_assert(strstr(err, want) != NULL, "error '%s' lacks '%s'", err, want);

	/* Format 3 keyed words by FNV-1a: its weights are for other buckets. */
	write_file(path, "# model\ncw-checkworthiness 3\nseed 7\nbuckets 1024\nbias -1\n");
	m = cw_cw_model_load(path, err, sizeof(err));
	cr_assert_null(m);
	snprintf(want, sizeof(want), "%s:2: unsupported format version 3", path);
	cr_assert(strstr(err, want) != NULL, "error '%s' lacks '%s'", err, want);
	cr_assert(strstr(err, "retrain") != NULL, "error '%s' does not say what to do", err);

	write_file(path, "cw-checkworthiness 4\nseed 7\nbuckets 1000\nbias -1\n");
	m = cw_cw_model_load(path, err, sizeof(err));
	cr_assert_null(m);
	snprintf(want, sizeof(want), "%s:3:", path);
	cr_assert(strstr(err, want) != NULL, "error '%s' lacks '%s'", err, want);

	/* A file of an earlier format hashes its features otherwise: refused. */
	write_file(path, "cw-checkworthiness 2\nseed 7\nbuckets 1024\nbias -1\n");
	m = cw_cw_model_load(path, err, sizeof(err));
	cr_assert_null(m);
	snprintf(want, sizeof(want), "%s:1:", path);
	cr_assert(strstr(err, want) != NULL && strstr(err, "version 2") != NULL, "error '%s'", err);

	/* And a well-formed one of the same shape loads. */
	write_file(path, "cw-checkworthiness 4\nseed 7\nbuckets 1024\nbias -1\nd number 0.5\n"
	                 "h 12 0.25\n");
	m = cw_cw_model_load(path, err, sizeof(err));
	cr_assert_not_null(m, "%s", err);
	cw_cw_model_free(m);
	unlink(path);
}

Test(checkworthiness, missing_file_is_named)
{
	char err[256] = "";
	cr_assert_null(cw_cw_model_load("/nonexistent/cw.weights", err, sizeof(err)));
	cr_assert(strstr(err, "/nonexistent/cw.weights") != NULL, "%s", err);
}

/* Sentences whose label is planted in one word ("zorblax" = worthy) amid
 * shared filler: a trainer that learns nothing ranks them at random. */
Test(checkworthiness, trainer_learns_planted_signal)
{
	static const char *filler[] = {"the committee", "people say", "in the city",
	                               "many believe",  "last week",  "our team"};
	enum { N = 400 };
	char text[N][96];
	struct cw_cw_example ex[N];
	for (int i = 0; i < N; i++) {
		int pos = i % 10 == 0;
		snprintf(text[i], sizeof(text[i]), "%s %s %s", filler[i % 6],
		         pos ? "zorblax" : "quintel", filler[(i / 6) % 6]);
		ex[i] =
		    (struct cw_cw_example){.text = text[i], .len = strlen(text[i]), .label = pos};
	}
	struct cw_cw_train_opts o;
	cw_cw_train_opts_init(&o);
	o.bits = 12;
	o.epochs = 5;
	struct cw_cw_model *m = cw_cw_train(ex, N, &o);
	float s[N];
	int l[N];
	for (int i = 0; i < N; i++) {
		s[i] = cw_cw_score(m, ex[i].text, ex[i].len, NULL, 0);
		l[i] = ex[i].label;
	}
	cr_assert_gt(cw_cw_average_precision(s, l, N), 0.99);
	cr_assert_gt(score_str(m, "zorblax"), score_str(m, "quintel"));

	/* Saved and loaded, it scores the same. */
	char path[] = "/tmp/cw-cw-train-XXXXXX", err[256];
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_eq(cw_cw_model_save(m, path, 0, 0.5f, err, sizeof(err)), 0, "%s", err);
	struct cw_cw_model *back = cw_cw_model_load(path, err, sizeof(err));
	cr_assert_not_null(back, "%s", err);
	for (int i = 0; i < 20; i++)
		cr_assert_float_eq(cw_cw_score(back, ex[i].text, ex[i].len, NULL, 0), s[i], 1e-3);
	cw_cw_model_free(back);
	cw_cw_model_free(m);
	unlink(path);
}

/* Pairwise ranking alone (rank_mix 1: no logistic step for grouped
 * sentences), bagged: only the ranking step moves the hashed weights, so the
 * planted word must come out on top from it. */
Test(checkworthiness, ranking_loss_learns_planted_signal)
{
	static const char *filler[] = {"the committee", "people say", "in the city",
	                               "many believe",  "last week",  "our team"};
	enum { N = 400 };
	char text[N][96];
	struct cw_cw_example ex[N];
	for (int i = 0; i < N; i++) {
		int pos = i % 10 == 0;
		snprintf(text[i], sizeof(text[i]), "%s %s %s", filler[i % 6],
		         pos ? "zorblax" : "quintel", filler[(i / 6) % 6]);
		ex[i] = (struct cw_cw_example){.text = text[i],
		                               .len = strlen(text[i]),
		                               .label = pos,
		                               .group = 1 + (unsigned)(i / 100)};
	}
	struct cw_cw_train_opts o;
	cw_cw_train_opts_init(&o);
	o.bits = 12;
	o.epochs = 3;
	o.rank_mix = 1;
	o.bag = 3;
	struct cw_cw_model *m = cw_cw_train(ex, N, &o);
	float s[N];
	int l[N];
	for (int i = 0; i < N; i++) {
		s[i] = cw_cw_score(m, ex[i].text, ex[i].len, NULL, 0);
		l[i] = ex[i].label;
	}
	cr_assert_gt(cw_cw_average_precision(s, l, N), 0.99);
	cr_assert_gt(score_str(m, "zorblax"), score_str(m, "quintel") + 0.01f);
	cw_cw_model_free(m);
}

Test(checkworthiness, training_is_deterministic)
{
	static const char *t[] = {"We cut taxes by 20 percent.", "Hello everyone.",
	                          "Crime rose 10 percent in 2016.", "Thanks for having me."};
	struct cw_cw_example ex[4];
	for (int i = 0; i < 4; i++)
		ex[i] =
		    (struct cw_cw_example){.text = t[i], .len = strlen(t[i]), .label = i % 2 == 0};
	struct cw_cw_train_opts o;
	cw_cw_train_opts_init(&o);
	o.bits = 10;
	struct cw_cw_model *a = cw_cw_train(ex, 4, &o), *b = cw_cw_train(ex, 4, &o);
	cr_assert_eq(
	    memcmp(cw_cw_model_weights(a), cw_cw_model_weights(b), cw_cw_dim(10) * sizeof(float)),
	    0);
	cw_cw_model_free(a);
	cw_cw_model_free(b);
}

Test(checkworthiness, average_precision_by_hand)
{
	/* Ranked: 0.9(+) 0.8(-) 0.7(+) 0.6(-) 0.5(+): AP = (1/1 + 2/3 + 3/5) / 3. */
	float s[] = {0.5f, 0.8f, 0.9f, 0.6f, 0.7f};
	int l[] = {1, 0, 1, 0, 1};
	cr_assert_float_eq(cw_cw_average_precision(s, l, 5), (1.0 + 2.0 / 3 + 3.0 / 5) / 3, 1e-9);
	cr_assert_float_eq(cw_cw_precision_at(s, l, 5, 2), 0.5, 1e-9);
	cr_assert_float_eq(cw_cw_precision_at(s, l, 5, 10), 0.3, 1e-9);
	int none[] = {0, 0, 0, 0, 0};
	cr_assert_float_eq(cw_cw_average_precision(s, none, 5), 0.0, 1e-12);
	/* Ties keep input order: the positive listed first ranks first. */
	float tie[] = {0.5f, 0.5f};
	int lt[] = {0, 1};
	cr_assert_float_eq(cw_cw_average_precision(tie, lt, 2), 0.5, 1e-9);
}

Test(checkworthiness, features_see_claim_signals)
{
	struct cw_cw_features a, b;
	const char *x = "In 2016 we spent $4 billion, 12% more than Canada.";
	cw_cw_extract(x, strlen(x), NULL, 0, 1, 12, &a);
	const char *y = "ok";
	cw_cw_extract(y, strlen(y), NULL, 0, 1, 12, &b);
	size_t dense_a = 0, dense_b = 0;
	for (size_t i = 0; i < a.n; i++) {
		cr_assert_lt(a.idx[i], cw_cw_dim(12));
		dense_a += a.idx[i] >= 4096;
	}
	for (size_t i = 0; i < b.n; i++)
		dense_b += b.idx[i] >= 4096;
	cr_assert_gt(dense_a, 5); /* number, year, money, percent, magnitude, comparative... */
	/* Only a length bucket and "no sentence before / after". */
	cr_assert_eq(dense_b, 3);
}

Test(checkworthiness, context_changes_the_features)
{
	struct cw_cw_features a, b;
	const char *x = "We cut taxes by 40 percent.";
	struct cw_cw_example alone = {.text = x, .len = strlen(x)};
	struct cw_cw_example ctx = alone;
	ctx.prev = "What did you do about taxes?";
	ctx.prev_len = strlen(ctx.prev);
	cw_cw_extract_ex(&alone, 1, 12, &a);
	cw_cw_extract_ex(&ctx, 1, 12, &b);
	/* The question before adds its words and "previous is a question". */
	cr_assert_gt(b.n, a.n);
	int prev_q = 0;
	for (size_t i = 0; i < b.n; i++)
		prev_q += b.idx[i] >= 4096 && b.val[i] == 1.0f;
	size_t dense_alone = 0;
	for (size_t i = 0; i < a.n; i++)
		dense_alone += a.idx[i] >= 4096 && a.val[i] == 1.0f;
	cr_assert_geq((size_t)prev_q, dense_alone, "context dense %d, alone %zu", prev_q,
	              dense_alone);

	/* Scoring without neighbours is scoring with NULL neighbours, and the
	 * shipped model is moved by them. */
	char err[256] = "";
	struct cw_cw_model *m = cw_cw_model_load(SHIPPED, err, sizeof(err));
	cr_assert_not_null(m, "%s", err);
	float s0 = cw_cw_score(m, x, strlen(x), NULL, 0);
	cr_assert_float_eq(s0, cw_cw_score_ctx(m, NULL, 0, x, strlen(x), NULL, 0, NULL, 0), 1e-7);
	float s1 = cw_cw_score_example(m, &ctx);
	cr_assert_neq(s0, s1);
	cw_cw_model_free(m);
}

/* The extractor reads each sentence once (cw_cw_scan gives its features and
 * the context it lends its neighbours); that must score exactly as the
 * sentences scored one by one with their neighbours' text, the path the
 * model is trained and evaluated on.  The sentences have what the scan
 * treats specially: numbers with letters attached, money, percentages,
 * apostrophes, a question, and one of more words than a context keeps. */
Test(checkworthiness, one_scan_scores_as_sentence_by_sentence)
{
	static const char *t[] = {
	    "What did you do about taxes?",
	    "We cut taxes by 40% in the 1990s, the 4th cut since 1981.",
	    "Unemployment fell to 4.1 percent, the lowest rate in 17 years, and wages rose "
	    "faster than prices for the first time since the crisis began in the autumn of "
	    "2008 when the banks failed one after another and the government spent $700 "
	    "billion to rescue them, which it didn\u2019t get back.",
	    "I think that's wrong.",
	    "Thank you.",
	};
	enum { N = sizeof(t) / sizeof(t[0]) };
	char err[256] = "";
	struct cw_cw_model *m = cw_cw_model_load(SHIPPED, err, sizeof(err));
	cr_assert_not_null(m, "%s", err);
	static struct cw_cw_scan sc[N];
	struct cw_cw_ctx ctx[N], alone;
	for (int i = 0; i < N; i++) {
		cw_cw_scan(m, t[i], strlen(t[i]), "TRUMP", 5, &sc[i], &ctx[i]);
		/* A sentence not scored itself lends the same context. */
		cw_cw_context(m, t[i], strlen(t[i]), &alone);
		cr_assert_eq(alone.n, ctx[i].n, "sentence %d", i);
		for (int w = 0; w < 2; w++)
			cr_assert_eq(
			    memcmp(alone.idx[w], ctx[i].idx[w], alone.n * sizeof(uint32_t)), 0,
			    "sentence %d", i);
		cr_assert_eq(alone.question, ctx[i].question);
		cr_assert_eq(alone.number, ctx[i].number);
	}
	cr_assert_eq(ctx[2].n, CW_CW_CTX_TOKENS);
	cr_assert(ctx[0].question && !ctx[1].question && ctx[1].number && !ctx[4].number);
	for (int i = 0; i < N; i++) {
		const char *p = i > 0 ? t[i - 1] : NULL, *n = i + 1 < N ? t[i + 1] : NULL;
		float a = cw_cw_score_scan(m, &sc[i], i > 0 ? &ctx[i - 1] : NULL,
		                           i + 1 < N ? &ctx[i + 1] : NULL);
		float b = cw_cw_score_ctx(m, p, p ? strlen(p) : 0, t[i], strlen(t[i]), n,
		                          n ? strlen(n) : 0, "TRUMP", 5);
		cr_assert_eq(a, b, "sentence %d: %.9g != %.9g", i, a, b);
	}
	cw_cw_model_free(m);
}

/* The unigram bucket of a sentence's first word (its first feature). */
static uint32_t cw_first_bucket(const char *s)
{
	static struct cw_cw_features x;
	cw_cw_extract(s, strlen(s), NULL, 0, 1, 16, &x);
	cr_assert_gt(x.n, 0);
	return x.idx[0];
}

/* A word hashes the same whichever way the scanner reads it: 8 bytes at a
 * time in the middle of a text, by the load that ends at the text's end
 * near it, byte by byte in a text of fewer than 8 bytes or at a non-ASCII
 * byte or an apostrophe, in any case, with its apostrophes dropped. */
Test(checkworthiness, a_word_hashes_the_same_on_every_path)
{
	static const char *words[] = {"a",
	                              "tax",
	                              "taxes",
	                              "billions",
	                              "trillions",
	                              "percentage",
	                              "interviewedxyz",
	                              "abcdefghijklmnop",
	                              "abcdefghijklmnopqrstuvwxyz"};
	char buf[256], up[64];
	for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
		const char *t = words[w];
		uint32_t want = cw_first_bucket(t); /* at the end: the padded tail */
		size_t n = strlen(t);
		for (size_t k = 0; k <= n; k++)
			up[k] = (char)(t[k] >= 'a' && t[k] <= 'z' ? t[k] - 32 : t[k]);
		snprintf(buf, sizeof(buf), "%s and then a good many more words after it", t);
		cr_assert_eq(cw_first_bucket(buf), want, "%s mid-text", t);
		snprintf(buf, sizeof(buf), "%s and then a good many more words after it", up);
		cr_assert_eq(cw_first_bucket(buf), want, "%s upper-case", t);
		snprintf(buf, sizeof(buf), "%s' and then a good many more words after it", t);
		cr_assert_eq(cw_first_bucket(buf), want, "%s before an apostrophe", t);
		snprintf(buf, sizeof(buf), "%s\xe2\x80\x9d and then a good many more words", t);
		cr_assert_eq(cw_first_bucket(buf), want, "%s before a curly quote", t);
	}
	cr_assert_eq(cw_first_bucket("don't you see"), cw_first_bucket("dont"));
	cr_assert_eq(cw_first_bucket("Don\xe2\x80\x99t you see it now, in the long run"),
	             cw_first_bucket("dont"));
	cr_assert_neq(cw_first_bucket("taxes"), cw_first_bucket("taxed"));
	cr_assert_neq(cw_first_bucket("caf\xc3\xa9 society and more words after"),
	              cw_first_bucket("caf"));
}

/* The bucket the weights file format gives a word: its bytes lower-cased,
 * apostrophes dropped, in 8-byte little-endian chunks (the last
 * zero-padded), each folded into the key by one 64×64→128-bit multiply
 * whose halves are xor-ed; then the top bits of one multiply with the seed
 * mixed in.  The shipped weights are indexed by it, so however the scanner
 * reads a word, this is what it must come to.  Written out byte by byte,
 * as the format says, not as the scanner reads. */
static uint32_t cw_key_bucket(const char *w, uint32_t seed, unsigned bits)
{
	unsigned char b[64];
	size_t n = 0;
	uint64_t h = 0xa0761d6478bd642full;
	for (const unsigned char *p = (const unsigned char *)w; *p; p++) {
		unsigned char c = *p;
		if (c == '\'')
			continue;
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c + 32);
		b[n++] = c;
	}
	for (size_t i = 0; i < n; i += 8) {
		uint64_t chunk = 0;
		for (size_t k = 0; k < 8 && i + k < n; k++)
			chunk |= (uint64_t)b[i + k] << (8 * k);
		unsigned __int128 p = (unsigned __int128)(h ^ chunk) * 0xe7037ed1a0b428dbull;
		h = (uint64_t)p ^ (uint64_t)(p >> 64);
	}
	return (uint32_t)(((h ^ seed) * 0x9e3779b97f4a7c15ull) >> (64 - bits));
}

Test(checkworthiness, a_words_bucket_is_its_key_by_chunks)
{
	static const char *words[] = {
	    "a", "We", "TAX", "caf\xc3\xa9", "don't", "o'clock", "Americans", "unemployment",
	    "Interviewed", "abcdefghijklmnopqrstuvwxyz",
	    /* a chunk boundary inside a non-ASCII letter, at an apostrophe */
	    "abcdefg\xc3\xa9hij", "Abcdefgh'ijklmnopq", "Gorbachev's", "na\xc3\xafvet\xc3\xa9s"};
	static const char *after[] = {"", ".", " was said", ", and then a good many more words"};
	char buf[256];
	for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
		uint32_t want = cw_key_bucket(words[w], 1, 16);
		for (size_t a = 0; a < sizeof(after) / sizeof(after[0]); a++) {
			snprintf(buf, sizeof(buf), "%s%s", words[w], after[a]);
			cr_assert_eq(cw_first_bucket(buf), want, "'%s'", buf);
		}
	}
	/* A word by itself at every length, up to and past three 8-byte loads. */
	for (size_t n = 1; n <= 30; n++) {
		char word[32];
		for (size_t k = 0; k < n; k++)
			word[k] = (char)((k % 2 ? 'a' : 'Q') + k % 7);
		word[n] = '\0';
		cr_assert_eq(cw_first_bucket(word), cw_key_bucket(word, 1, 16), "'%s'", word);
		snprintf(buf, sizeof(buf), "%s is a word", word);
		cr_assert_eq(cw_first_bucket(buf), cw_key_bucket(word, 1, 16), "'%s'", buf);
	}
}

/* The dense features of a sentence, as bits (a model of 2^12 buckets). */
static uint64_t cw_dense_of(const char *s)
{
	static struct cw_cw_features x;
	uint64_t bits = 0;
	cw_cw_extract(s, strlen(s), NULL, 0, 1, 12, &x);
	for (size_t i = 0; i < x.n; i++)
		if (x.idx[i] >= 4096)
			bits |= (uint64_t)1 << (x.idx[i] - 4096);
	return bits;
}

/* "-est" words of 6 letters or more are superlatives and "-ed" words of 4
 * or more next to a number are number verbs, as the word is hashed: in any
 * case, with an apostrophe inside, at the end of a text or not. */
Test(checkworthiness, suffixes_are_read_as_the_word_is_hashed)
{
	uint64_t plain = cw_dense_of("It was a cold winter"),
	         est = cw_dense_of("It was a coldest winter");
	cr_assert_neq(plain, est);
	cr_assert_eq(cw_dense_of("It was a cOLDEST winter"), est);
	cr_assert_eq(cw_dense_of("It was a coldes't winter"), est);
	cr_assert_eq(cw_dense_of("It was a colde\xe2\x80\x99st winter"), est);
	cr_assert_eq(cw_dense_of("It was a zest winter"), plain);   /* 4 letters */
	cr_assert_eq(cw_dense_of("It was a coldest' winter"), est); /* a mark after it */
	cr_assert_eq(cw_dense_of("It was a cold wintriest"), est);  /* at the end */
	cr_assert_eq(cw_dense_of("It was a coldes\xc3\xa9 winter"), plain);

	plain = cw_dense_of("Sales jump 5 times");
	uint64_t ed = cw_dense_of("Sales jumped 5 times");
	cr_assert_neq(plain, ed);
	cr_assert_eq(cw_dense_of("Sales jUMPED 5 times"), ed);
	cr_assert_eq(cw_dense_of("Sales jumpe'd 5 times"), ed);
	cr_assert_eq(cw_dense_of("Sales jump\xe2\x80\x99"
	                         "ed 5 times"),
	             ed);
	cr_assert_eq(cw_dense_of("Sales bed 5 times"), plain); /* 3 letters */
	cr_assert_eq(cw_dense_of("5 times sales jumped"), ed);
	cr_assert_eq(cw_dense_of("5 riced"), cw_dense_of("5 rices") | (ed & ~plain));
	cr_assert_eq(cw_dense_of("Sales jumped times"), cw_dense_of("Sales jump times"));
}

/* Curly quotes, dashes and no-break spaces are no part of a word, however
 * close they sit; a number right after $, £ or € is money, as "4.1 percent"
 * is a percentage. */
Test(checkworthiness, quotes_dashes_and_currency_signs_stand_apart_from_words)
{
	uint32_t hello = cw_first_bucket("hello"), and = cw_first_bucket("and");

	cr_assert_eq(cw_first_bucket("\xe2\x80\x9cHello\xe2\x80\x9d, he said"), hello);
	cr_assert_eq(cw_first_bucket("\xe2\x80\x98hello\xe2\x80\x99 she said"), hello);
	cr_assert_eq(cw_first_bucket("\xe2\x80\x94"
	                             "and then"),
	             and);
	cr_assert_eq(cw_first_bucket("\xc2\xa0\xc2\xa0"
	                             "and then"),
	             and);
	cr_assert_eq(cw_dense_of("It was \xe2\x80\x9csaid\xe2\x80\x94it"),
	             cw_dense_of("It was said it"));
	cr_assert_eq(cw_dense_of("US\xc2\xa0jobs rose"), cw_dense_of("US jobs rose"));

	uint64_t money = cw_dense_of("It cost $5 last year"),
	         none = cw_dense_of("It cost 5 last year");
	cr_assert_neq(money, none);
	cr_assert_eq(cw_dense_of("It cost \xc2\xa3"
	                         "5 last year"),
	             money);
	cr_assert_eq(cw_dense_of("It cost \xe2\x82\xac"
	                         "5 last year"),
	             money);
	cr_assert_eq(cw_dense_of("It cost \xe2\x82\xac 5 last year"), none); /* a gap between */
	cr_assert_eq(cw_dense_of("It cost $, 5 last year"), none);

	/* A malformed sequence is no quote: it takes no byte after it along. */
	cr_assert_eq(cw_dense_of("\xe2\x80"
	                         "1990 vote"),
	             cw_dense_of("1990 vote"));
}

/* A logit below cw_cw_logit_below(s) always scores below s, right up to
 * the bound, so the extractor may skip the exponential there; and the
 * bound is close (a logit a little above it scores s or more). */
Test(checkworthiness, a_logit_below_the_bound_scores_below)
{
	static const double cuts[] = {1e-9, 1e-6, 0.01, 0.05, 0.3, 0.5, 0.6, 0.9, 0.99, 0.999};

	for (size_t c = 0; c < sizeof(cuts) / sizeof(cuts[0]); c++) {
		double s = cuts[c], b = cw_cw_logit_below(s), z = b;
		cr_assert(isfinite(b), "%g", s);
		for (int k = 0; k < 100000; k++) { /* the doubles just under the bound */
			z = nextafter(z, -INFINITY);
			cr_assert_lt(cw_cw_score_of_logit(z), s, "cut %g, logit %a", s, z);
		}
		for (z = b - 0.01; z < b; z += 1e-5)
			cr_assert_lt(cw_cw_score_of_logit(z), s, "cut %g, logit %a", s, z);
		cr_assert_geq(cw_cw_score_of_logit(b + 2e-3), s, "cut %g: bound too loose", s);
	}
	cr_assert(isinf(cw_cw_logit_below(0)) && cw_cw_logit_below(0) < 0);
	cr_assert(isinf(cw_cw_logit_below(0.9999)) && cw_cw_logit_below(0.9999) < 0);
}

/* A sentence kept as its own share of the score (scanned before its
 * speaker is known) scores as the sentence scanned with its speaker. */
Test(checkworthiness, own_share_scores_as_the_scan)
{
	static const char *t[] = {
	    "What did you do about taxes?",
	    "We cut taxes by 40% in the 1990s, the 4th cut since 1981.",
	    "I think that's wrong.",
	};
	enum { N = sizeof(t) / sizeof(t[0]) };
	char err[256] = "";
	struct cw_cw_model *m = cw_cw_model_load(SHIPPED, err, sizeof(err));
	cr_assert_not_null(m, "%s", err);
	static struct cw_cw_scan sc[N], anon;
	struct cw_cw_ctx ctx[N];
	struct cw_cw_own own;

	for (int i = 0; i < N; i++)
		cw_cw_scan(m, t[i], strlen(t[i]), "TRUMP", 5, &sc[i], &ctx[i]);
	cr_assert_eq(cw_cw_speaker(m, "TRUMP", 5), sc[0].speaker);
	cr_assert_eq(cw_cw_speaker(m, NULL, 0), CW_CW_NO_SPEAKER);
	for (int i = 0; i < N; i++) {
		const struct cw_cw_ctx *p = i > 0 ? &ctx[i - 1] : NULL;
		const struct cw_cw_ctx *n = i + 1 < N ? &ctx[i + 1] : NULL;
		cw_cw_scan(m, t[i], strlen(t[i]), NULL, 0, &anon, NULL);
		cw_cw_own_of(m, &anon, &own);
		cr_assert_eq(cw_cw_score_own(m, &own, sc[i].speaker, p, n),
		             cw_cw_score_scan(m, &sc[i], p, n), "sentence %d", i);
		cr_assert_eq(cw_cw_score_own(m, &own, CW_CW_NO_SPEAKER, p, n),
		             cw_cw_score_scan(m, &anon, p, n), "sentence %d", i);
		/* the extractor's two steps: the logit, then its score */
		cr_assert_eq(cw_cw_score_of_logit(cw_cw_logit_own(m, &own, sc[i].speaker, p, n)),
		             cw_cw_score_scan(m, &sc[i], p, n), "sentence %d", i);
	}
	cw_cw_model_free(m);
}

/* A scan is plain only when it read every word, none mixing ASCII letters
 * with other bytes (a dash set apart by spaces is no part of a word), and
 * none is a word attribution looks for, in any case and at any place. */
Test(checkworthiness, plain_only_without_attribution_words)
{
	static const char *const plain[] = {
	    "We cut taxes by 40% in the 1990s.",
	    "It didn't rise, it's free? (No.)",
	    "Sayings and claimants are no verbs.",
	    "Taxes rose \xe2\x80\x94 a lot \xe2\x80\xa6",
	};
	static const char *const not_plain[] = {
	    "He said taxes rose.",
	    "Taxes rose, according to him.",
	    "Taxes rose, a figure the county DISPUTES as a wrong statistic.",
	    "Taxes rose, officials ADDED",
	    "Taxes rose, officials said...",
	    "Taxes \xc2\xabsaid\xc2\xbb rose.",
	    "Taxes \xe2\x80\x9csaid rose.",
	    "Taxes rose in caf\xc3\xa9s.",
	    "Taxes rose\xe2\x80\x94said a lot.",
	};
	char err[256] = "";
	struct cw_cw_model *m = cw_cw_model_load(SHIPPED, err, sizeof(err));
	cr_assert_not_null(m, "%s", err);
	static struct cw_cw_scan sc;
	static char many[8192];
	size_t len = 0;

	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		cw_cw_scan(m, plain[i], strlen(plain[i]), NULL, 0, &sc, NULL);
		cr_expect(sc.plain, "'%s' not plain", plain[i]);
	}
	for (size_t i = 0; i < sizeof(not_plain) / sizeof(not_plain[0]); i++) {
		cw_cw_scan(m, not_plain[i], strlen(not_plain[i]), NULL, 0, &sc, NULL);
		cr_expect(!sc.plain, "'%s' plain", not_plain[i]);
	}
	/* More words than a scan keeps: the last ones are not read. */
	while (len + 3 < sizeof(many))
		memcpy(many + len, "ab ", 3), len += 3;
	cw_cw_scan(m, many, len, NULL, 0, &sc, NULL);
	cr_expect(!sc.plain);
	cw_cw_scan(m, many, 300, NULL, 0, &sc, NULL);
	cr_expect(sc.plain);
	cw_cw_model_free(m);
}

/* Whether a sentence's own share of its score is its bucket weights added
 * one after another, to the bit. */
static void expect_own_in_order(const struct cw_cw_model *m, const char *s)
{
	static struct cw_cw_scan sc;
	struct cw_cw_own own;
	const float *w = cw_cw_model_weights(m);
	double z = 0;

	cw_cw_scan(m, s, strlen(s), NULL, 0, &sc, NULL);
	cw_cw_own_of(m, &sc, &own);
	for (uint32_t i = 0; i < sc.nhash; i++)
		z += (double)w[sc.idx[i]];
	cr_expect(memcmp(&z, &own.z, sizeof(z)) == 0, "'%s': %a summed, %a in order", s, own.z, z);
}

/* The own share is the same sum however it is added up: the shipped
 * weights span a few powers of two, so any order is exact; weights of a
 * range no double holds are added in order. */
Test(checkworthiness, own_share_is_summed_in_order)
{
	static const char *t[] = {
	    "We cut taxes by 40% in the 1990s, the 4th cut since 1981.",
	    "Unemployment fell to 4.1 percent, the lowest rate in 17 years, and wages rose "
	    "faster than prices for the first time since the crisis began.",
	    "I think that's wrong.",
	    "Thank you.",
	    "a b c d e f g h i j k l m n o p q r s t u v w x y z",
	};
	char path[] = "/tmp/cw-cw-test-XXXXXX", err[256] = "", line[64];
	static char text[64 * 1024];
	size_t len = 0;
	int fd = mkstemp(path);
	struct cw_cw_model *m = cw_cw_model_load(SHIPPED, err, sizeof(err));

	cr_assert_not_null(m, "%s", err);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		expect_own_in_order(m, t[i]);
	cw_cw_model_free(m);

	/* Every bucket weighs 1, -1, 3 2^-53 or 5 2^-54: sums in another
	 * order round differently. */
	cr_assert_geq(fd, 0);
	close(fd);
	len += (size_t)snprintf(text, sizeof(text),
	                        "cw-checkworthiness 4\nseed 7\nbuckets 1024\nbias 0\n");
	for (int b = 0; b < 1024; b++) {
		static const char *const v[] = {"1", "-1", "3.3306690738754696e-16",
		                                "2.7755575615628914e-16"};
		snprintf(line, sizeof(line), "h %d %s\n", b, v[(b * 7 + b / 3) % 4]);
		memcpy(text + len, line, strlen(line) + 1);
		len += strlen(line);
	}
	write_file(path, text);
	m = cw_cw_model_load(path, err, sizeof(err));
	unlink(path);
	cr_assert_not_null(m, "%s", err);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		expect_own_in_order(m, t[i]);
	cw_cw_model_free(m);
}
