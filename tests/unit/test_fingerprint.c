/*
 * test_fingerprint.c — fingerprints of normalised text, checked on 200 real
 * debate sentences (tests/data/normalize/sentences.txt): the exact
 * fingerprint survives whitespace, case and quote-style changes and changes
 * with a number; SimHash puts near-duplicates close and unrelated sentences
 * far; MinHash estimates the Jaccard similarity of shingle sets; LSH band keys
 * follow their bands.  Random changes use a fixed seed, so a failure repeats.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract/config.h"
#include "extract/fingerprint.h"
#include "extract/normalize.h"
#include "lib/keys.h"

#define FP_MAX_SENT 400
#define FP_K        256

/* Fingerprints of the fixed_values sentence, as stored since the first
 * version (exact = XXH3-64 of the normalised text with seed "claimwir"). */
#define FP_GOLD_EXACT "3cb239afe0c8977f"
#define FP_GOLD_SIM   "506cbf358289509e"
#define FP_GOLD_MIN   "1f0da5129eb6ba78063447a448ce0321"
#define FP_GOLD_LSH   "0a1886fc6e94439f"

static struct cw_norm *fp_nz;
static char *fp_buf;
static char *fp_sent[FP_MAX_SENT];
static size_t fp_nsent;
static uint64_t fp_rng = 0x2545F4914F6CDD1Dull;

static uint32_t fp_rand(void)
{
	fp_rng ^= fp_rng << 13;
	fp_rng ^= fp_rng >> 7;
	fp_rng ^= fp_rng << 17;
	return (uint32_t)(fp_rng >> 16);
}

static void fp_load(void)
{
	const char *dir = getenv("CW_TEST_DATA");
	char path[512];
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/normalize/sentences.txt", dir ? dir : "tests/data");
	f = fopen(path, "rb");
	cr_assert_not_null(f, "cannot open %s (run from the repository root)", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	fp_buf = malloc((size_t)n + 1);
	cr_assert_eq(fread(fp_buf, 1, (size_t)n, f), (size_t)n);
	fp_buf[n] = '\0';
	fclose(f);
	fp_nsent = 0;
	for (char *p = strtok(fp_buf, "\n"); p && fp_nsent < FP_MAX_SENT; p = strtok(NULL, "\n"))
		fp_sent[fp_nsent++] = p;
	cr_assert_geq(fp_nsent, 100);
}

static void fp_setup(void)
{
	char err[128];
	fp_nz = cw_norm_new("english", err, sizeof(err));
	cr_assert_not_null(fp_nz, "%s", err);
	fp_rng = 0x2545F4914F6CDD1Dull;
	fp_load();
}

static void fp_teardown(void)
{
	cw_norm_free(fp_nz);
	free(fp_buf);
}

struct fp_all {
	uint64_t exact, sim;
	uint32_t sig[FP_K];
	size_t n;
};

static void fp_of(const char *s, struct fp_all *fa)
{
	struct cw_tokens t;
	cr_assert_eq(cw_norm_text(fp_nz, s, strlen(s), 0, &t), 0);
	fa->exact = cw_fp_exact(&t);
	fa->sim = cw_fp_simhash(&t);
	cw_fp_minhash(&t, fa->sig, FP_K);
	fa->n = t.n;
}

/* Rewrites s with whitespace runs changed, letter case flipped at random and
 * straight quotes made curly (or the reverse for curly apostrophes). */
static char *fp_restyle(const char *s)
{
	size_t len = strlen(s);
	char *o = malloc(len * 4 + 16), *q = o;
	static const char *const ws[] = {" ", "  ", "\t", "\n", " \n ", "\r\n"};
	int open = 1;

	if (fp_rand() % 2)
		*q++ = ' ';
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == ' ') {
			while (i + 1 < len && s[i + 1] == ' ')
				i++;
			const char *w = ws[fp_rand() % 6];
			memcpy(q, w, strlen(w));
			q += strlen(w);
		} else if (c == '\'') {
			memcpy(q, "\u2019", 3);
			q += 3;
		} else if (c == '"') {
			memcpy(q, open ? "\u201c" : "\u201d", 3);
			q += 3;
			open = !open;
		} else if (c >= 'a' && c <= 'z' && fp_rand() % 3 == 0) {
			*q++ = (char)(c - 'a' + 'A');
		} else if (c >= 'A' && c <= 'Z' && fp_rand() % 3 == 0) {
			*q++ = (char)(c - 'A' + 'a');
		} else {
			*q++ = (char)c;
		}
	}
	if (fp_rand() % 2)
		*q++ = '\n';
	*q = '\0';
	return o;
}

TestSuite(fingerprint, .init = fp_setup, .fini = fp_teardown);

Test(fingerprint, unchanged_by_whitespace_case_quotes)
{
	struct fp_all a, b;
	size_t checked = 0;

	for (size_t i = 0; i < fp_nsent; i++) {
		for (int round = 0; round < 3; round++) {
			char *v = fp_restyle(fp_sent[i]);
			fp_of(fp_sent[i], &a);
			fp_of(v, &b);
			cr_expect_eq(a.exact, b.exact, "exact: '%s' vs '%s'", fp_sent[i], v);
			cr_expect_eq(a.sim, b.sim, "simhash: '%s' vs '%s'", fp_sent[i], v);
			cr_expect(!memcmp(a.sig, b.sig, sizeof(a.sig)), "minhash: '%s'", v);
			free(v);
			checked++;
		}
	}
	cr_expect_geq(checked, 300);
}

Test(fingerprint, exact_changes_with_a_number)
{
	struct fp_all a, b;
	size_t changed = 0;

	for (size_t i = 0; i < fp_nsent; i++) {
		char *v = strdup(fp_sent[i]);
		size_t nd = 0, pick;
		for (char *p = v; *p; p++)
			nd += *p >= '0' && *p <= '9';
		if (!nd) {
			free(v);
			continue;
		}
		pick = fp_rand() % nd;
		for (char *p = v; *p; p++) {
			if (*p >= '0' && *p <= '9' && pick-- == 0) {
				*p = (char)('0' + (*p - '0' + 1 + fp_rand() % 9) % 10);
				break;
			}
		}
		fp_of(fp_sent[i], &a);
		fp_of(v, &b);
		cr_expect_neq(a.exact, b.exact, "'%s' vs '%s'", fp_sent[i], v);
		free(v);
		changed++;
	}
	cr_expect_geq(changed, 50);
}

/* Drops one token (a word between spaces) from s. */
static char *fp_drop_word(const char *s)
{
	size_t len = strlen(s), nsp = 0, pick, k = 0, i;
	char *o = malloc(len + 1), *q = o;

	for (i = 0; i < len; i++)
		nsp += s[i] == ' ';
	pick = fp_rand() % (nsp + 1);
	for (i = 0; i < len; i++) {
		if (k == pick && s[i] != ' ')
			continue;
		if (s[i] == ' ')
			k++;
		if (!(k == pick + 1 && s[i] == ' ' && pick > 0))
			*q++ = s[i];
	}
	*q = '\0';
	return o;
}

Test(fingerprint, simhash_near_duplicates_close_unrelated_far)
{
	struct fp_all a, b, c;
	double near_sum = 0, far_sum = 0;
	size_t near_n = 0, far_n = 0, near_close = 0, far_far = 0;

	for (size_t i = 0; i < fp_nsent; i++) {
		fp_of(fp_sent[i], &a);
		if (a.n < 12)
			continue; /* long enough that one word is a small change */
		char *v = fp_drop_word(fp_sent[i]);
		fp_of(v, &b);
		int d = cw_fp_hamming(a.sim, b.sim);
		near_sum += d;
		near_close += d <= 16;
		near_n++;
		free(v);

		fp_of(fp_sent[(i + fp_nsent / 2) % fp_nsent], &c);
		if (c.exact == a.exact)
			continue;
		d = cw_fp_hamming(a.sim, c.sim);
		far_sum += d;
		far_far += d > 16;
		far_n++;
	}
	cr_assert_geq(near_n, 30);
	cr_assert_geq(far_n, 30);
	cr_expect_lt(near_sum / (double)near_n, 10.0, "mean near-duplicate distance %.1f",
	             near_sum / (double)near_n);
	cr_expect_gt(far_sum / (double)far_n, 26.0, "mean unrelated distance %.1f",
	             far_sum / (double)far_n);
	cr_expect_geq(near_close, near_n * 9 / 10);
	cr_expect_geq(far_far, far_n * 9 / 10);
}

/* Jaccard similarity of the 2-token shingle sets of two normalised texts. */
static double fp_jaccard(const char *s1, const char *s2)
{
	char *sh[2][512];
	size_t n[2] = {0, 0}, inter = 0;
	const char *src[2] = {s1, s2};

	for (int w = 0; w < 2; w++) {
		struct cw_tokens t;
		cw_norm_text(fp_nz, src[w], strlen(src[w]), 0, &t);
		for (size_t i = 0; i + 1 < t.n && n[w] < 512; i++) {
			size_t b = t.off[i], e = t.off[i + 1] + t.tlen[i + 1];
			char *x = strndup(t.text + b, e - b);
			int dup = 0;
			for (size_t j = 0; j < n[w]; j++)
				dup |= !strcmp(sh[w][j], x);
			if (dup)
				free(x);
			else
				sh[w][n[w]++] = x;
		}
	}
	for (size_t i = 0; i < n[0]; i++)
		for (size_t j = 0; j < n[1]; j++)
			inter += !strcmp(sh[0][i], sh[1][j]);
	for (int w = 0; w < 2; w++)
		for (size_t i = 0; i < n[w]; i++)
			free(sh[w][i]);
	return n[0] + n[1] - inter ? (double)inter / (double)(n[0] + n[1] - inter) : 1.0;
}

/* Pair i of sentences of varied overlap: sentence i, and the same with its
 * second half replaced by another sentence's second half (a new string). */
static char *fp_pair(size_t i, struct fp_all *a, struct fp_all *b)
{
	const char *s = fp_sent[i], *o = fp_sent[(i * 7 + 3) % fp_nsent];
	size_t ls = strlen(s), lo = strlen(o);
	size_t cut = ls * (1 + i % 4) / 5;
	char *v = malloc(ls + lo + 2);

	memcpy(v, s, cut);
	v[cut] = ' ';
	memcpy(v + cut + 1, o + lo / 2, lo - lo / 2 + 1);
	fp_of(s, a);
	fp_of(v, b);
	return v;
}

Test(fingerprint, minhash_estimates_jaccard)
{
	struct fp_all a, b;
	double err_sum = 0, err_max = 0;
	size_t pairs = 0;

	for (size_t i = 0; i < fp_nsent; i++) {
		char *v = fp_pair(i, &a, &b);
		if (a.n < 4) {
			free(v);
			continue;
		}
		double j = fp_jaccard(fp_sent[i], v);
		double est = cw_fp_minhash_similarity(a.sig, b.sig, FP_K);
		double err = fabs(est - j);
		/* five standard deviations of a k-sample estimate, plus slack */
		cr_expect_leq(err, 5 * sqrt(j * (1 - j) / FP_K) + 0.03, "J=%.3f est=%.3f '%s'", j,
		              est, v);
		err_sum += err;
		err_max = err > err_max ? err : err_max;
		pairs++;
		free(v);
	}
	cr_assert_geq(pairs, 100);
	cr_expect_lt(err_sum / (double)pairs, 0.03, "mean error %.4f", err_sum / (double)pairs);
}

/* The sketches kept beside band pointers estimate the same Jaccard
 * similarity from 64 values of 4 bits: about twice the error of 64 whole
 * values, since two values agree by chance one time in 16. */
Test(fingerprint, sketch_estimates_jaccard)
{
	struct fp_all a, b;
	char ka[CW_FP_SKETCH_LEN + 1], kb[CW_FP_SKETCH_LEN + 1];
	double err_sum = 0;
	size_t pairs = 0;
	uint32_t short_sig[10] = {0};

	cr_assert_eq(cw_fp_sketch(short_sig, 10, ka), 10, "a short signature gives a short sketch");
	for (size_t i = 0; i < fp_nsent; i++) {
		char *v = fp_pair(i, &a, &b);
		double j = fp_jaccard(fp_sent[i], v);
		free(v);
		if (a.n < 4)
			continue;
		cr_assert_eq(cw_fp_sketch(a.sig, FP_K, ka), CW_FP_SKETCH_LEN);
		cr_assert_eq(cw_fp_sketch(b.sig, FP_K, kb), CW_FP_SKETCH_LEN);
		cr_assert_eq(strlen(ka), CW_FP_SKETCH_LEN);
		cr_expect_eq(cw_fp_sketch_similarity(ka, ka, CW_FP_SKETCH_LEN), 1.0);
		double est = cw_fp_sketch_similarity(ka, kb, CW_FP_SKETCH_LEN);
		double err = fabs(est - j);
		cr_expect_leq(err, 5 * sqrt((j + (1 - j) / 16) * (1 - j) / CW_FP_SKETCH_LEN) + 0.05,
		              "J=%.3f est=%.3f", j, est);
		err_sum += err;
		pairs++;
	}
	cr_assert_geq(pairs, 100);
	cr_expect_lt(err_sum / (double)pairs, 0.06, "mean error %.4f", err_sum / (double)pairs);
}

Test(fingerprint, minhash_edges)
{
	struct cw_tokens t;
	uint32_t s1[16], s2[16];

	cw_norm_text(fp_nz, "", 0, 0, &t);
	cw_fp_minhash(&t, s1, 16);
	for (int i = 0; i < 16; i++)
		cr_expect_eq(s1[i], UINT32_MAX);
	cr_expect_eq(cw_fp_simhash(&t), 0);

	/* one token: its own single shingle */
	cw_norm_text(fp_nz, "Kislyak", 7, 0, &t);
	cw_fp_minhash(&t, s1, 16);
	cw_norm_text(fp_nz, "kislyak!", 8, 0, &t);
	cw_fp_minhash(&t, s2, 16);
	cr_expect(!memcmp(s1, s2, sizeof(s1)));
	cr_expect_neq(s1[0], UINT32_MAX);
	cr_expect_eq(cw_fp_minhash_similarity(s1, s2, 16), 1.0);

	/* more permutations than the precomputed table still agree on a prefix */
	uint32_t *big = malloc(1500 * sizeof(*big)), *small = malloc(64 * sizeof(*small));
	cw_norm_text(fp_nz, fp_sent[0], strlen(fp_sent[0]), 0, &t);
	cw_fp_minhash(&t, big, 1500);
	cw_fp_minhash(&t, small, 64);
	cr_expect(!memcmp(big, small, 64 * sizeof(*small)));
	cr_expect_neq(big[1499], UINT32_MAX);
	free(big);
	free(small);
}

/* SimHash as its definition has it: bit b set when more than half of the
 * shingle hashes have it. */
static uint64_t fp_simhash_by_definition(const struct cw_tokens *t)
{
	size_t ns = cw_fp_shingles(t, NULL, 0), cnt[64] = {0};
	uint64_t *h = malloc((ns + 1) * sizeof(*h)), r = 0;

	cw_fp_shingles(t, h, ns);
	for (size_t i = 0; i < ns; i++)
		for (int b = 0; b < 64; b++)
			cnt[b] += h[i] >> b & 1;
	for (int b = 0; b < 64; b++)
		if (2 * cnt[b] > ns)
			r |= 1ull << b;
	free(h);
	return r;
}

/* cw_fp_minhash_simhash() gives what the two functions give apart, on
 * sentences and on texts of more shingles than a byte counts (255) and than
 * a block holds (256). */
Test(fingerprint, minhash_simhash_is_both)
{
	struct cw_tokens t;
	uint32_t s1[FP_K], s2[FP_K];
	char *all = malloc(64 * 1024);
	size_t len = 0, checked_long = 0;

	for (size_t i = 0; i < fp_nsent; i++) {
		size_t n = strlen(fp_sent[i]);
		cw_norm_text(fp_nz, fp_sent[i], n, 0, &t);
		cw_fp_minhash(&t, s1, FP_K);
		cr_expect_eq(cw_fp_minhash_simhash(&t, s2, FP_K), cw_fp_simhash(&t), "'%s'",
		             fp_sent[i]);
		cr_expect_eq(cw_fp_simhash(&t), fp_simhash_by_definition(&t), "'%s'", fp_sent[i]);
		cr_expect(!memcmp(s1, s2, sizeof(s1)), "'%s'", fp_sent[i]);
		/* the sentences so far as one text */
		if (len + n + 2 > 64 * 1024)
			break;
		memcpy(all + len, fp_sent[i], n);
		len += n;
		all[len++] = ' ';
		cw_norm_text(fp_nz, all, len, 0, &t);
		if (t.n < 200 || t.n > 1200)
			continue;
		checked_long += t.n > 300;
		cw_fp_minhash(&t, s1, FP_K);
		cr_expect_eq(cw_fp_minhash_simhash(&t, s2, FP_K), fp_simhash_by_definition(&t),
		             "%zu tokens", t.n);
		cr_expect_eq(cw_fp_simhash(&t), fp_simhash_by_definition(&t), "%zu tokens", t.n);
		cr_expect(!memcmp(s1, s2, sizeof(s1)), "%zu tokens", t.n);
	}
	cr_expect_gt(checked_long, 5);
	free(all);
}

Test(fingerprint, lsh_keys_follow_bands)
{
	uint32_t a[64], b[64];
	uint64_t ka[16], kb[16];

	for (int i = 0; i < 64; i++)
		a[i] = b[i] = 7; /* every band the same values */
	cw_fp_lsh_keys(a, 16, 4, ka);
	for (int i = 1; i < 16; i++)
		cr_expect_neq(ka[i], ka[0], "band %d", i);
	b[4 * 5 + 2] = 8; /* change one value in band 5 */
	cw_fp_lsh_keys(b, 16, 4, kb);
	for (int i = 0; i < 16; i++) {
		if (i == 5)
			cr_expect_neq(ka[i], kb[i]);
		else
			cr_expect_eq(ka[i], kb[i], "band %d", i);
	}
}

/* Stored fingerprints live in Redis: the values must never drift between
 * versions, machines or runs.  A change here is a data migration. */
Test(fingerprint, fixed_values)
{
	struct cw_tokens t;
	uint32_t sig[4];
	uint64_t keys[2];
	const char *s = "Russian Ambassador Sergey Kislyak met with Hillary Clinton advisers.";
	char hex[17];

	cw_norm_text(fp_nz, s, strlen(s), 0, &t);
	cr_assert_str_eq(t.text, "russian ambassador sergey kislyak met hillari clinton advis");
	snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)cw_fp_exact(&t));
	cr_expect_str_eq(hex, FP_GOLD_EXACT);
	snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)cw_fp_simhash(&t));
	cr_expect_str_eq(hex, FP_GOLD_SIM);
	cw_fp_minhash(&t, sig, 4);
	cw_fp_lsh_keys(sig, 2, 2, keys);
	char got[64];
	snprintf(got, sizeof(got), "%08x%08x%08x%08x", sig[0], sig[1], sig[2], sig[3]);
	cr_expect_str_eq(got, FP_GOLD_MIN);
	snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)keys[1]);
	cr_expect_str_eq(hex, FP_GOLD_LSH);
}

/* The LSH layout is read where extract and match start: bands that need more
 * signature values than there are stop startup naming the keys. */
Test(fingerprint, lsh_layout_from_config)
{
	const struct cw_config_key *const schemas[] = {cw_lib_config_keys, cw_extract_config_keys,
	                                               NULL};
	struct cw_config *cfg = cw_config_new(schemas);
	size_t bands = 0, rows = 0;
	char err[256] = "";

	cr_assert_eq(cw_extract_lsh_config(cfg, &bands, &rows, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(bands, CW_FP_LSH_BANDS_DEFAULT);
	cr_expect_eq(rows, CW_FP_LSH_ROWS_DEFAULT);
	cr_assert_eq(cw_config_set_arg(cfg, "extract.lsh_bands=22", "test", err, sizeof(err)), 0,
	             "%s", err);
	cr_expect_eq(cw_extract_lsh_config(cfg, &bands, &rows, err, sizeof(err)), -1);
	cr_expect(strstr(err, "extract.lsh_bands 22") && strstr(err, "extract.minhash_size 64"),
	          "%s", err);
	cr_assert_eq(cw_config_set_arg(cfg, "extract.lsh_rows=2", "test", err, sizeof(err)), 0,
	             "%s", err);
	cr_expect_eq(cw_extract_lsh_config(cfg, &bands, &rows, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(bands * rows, 44);
	cw_config_free(cfg);
}
