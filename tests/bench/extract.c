/*
 * extract.c — benchmark of claimwire's extract stage on one core.
 *
 *   bench-extract [PATH...]
 *
 * PATHs are files or folders: *.tsv files are debate transcripts whose third
 * column is a sentence; any other file is an article, one sentence a line.  The
 * corpus is built in memory from them and repeated (by reference, not copied)
 * until it holds CW_BENCH_MB megabytes (default 32).  With no PATH, the
 * sentences in tests/data/normalize are used.
 *
 * Every figure is the best of 3 timed passes after one warm-up pass, and is
 * printed as "name value unit" on its own line:
 *
 *   extract_*           the whole extract stage, cw_extractor_run with the
 *                       default configuration (sentence splitting,
 *                       check-worthiness, attribution, normalisation,
 *                       fingerprints) over articles of 50 corpus sentences;
 *                       when the extractor cannot start (no weights file), the
 *                       split-free stage instead: normalisation + fingerprints
 *                       (exact, SimHash, MinHash k=64, 8 LSH band keys) of
 *                       every sentence.  extract_path says which.
 *   baseline_extract_*  the simplest correct version of the same steps, in this
 *                       file: utf8proc_map on every sentence, a malloc per token,
 *                       a linear stop-word search, sb_stemmer on every token (no
 *                       cache), MinHash with one seeded XXH3 per shingle and row
 *   normalize_*         cw_norm_text alone
 *   fingerprint_*       fingerprints alone, over already normalised text (MB of
 *                       the original sentences per second)
 *
 * MB is 10^6 bytes of input text.  Times are CPU time of this process
 * (CLOCK_PROCESS_CPUTIME_ID), so other work on the machine does not count
 * against a per-core figure.
 */
#include <dirent.h>
#include <libstemmer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <utf8proc.h>
#include <xxhash.h>

#include "extract/config.h"
#include "extract/extract.h"
#include "extract/fingerprint.h"
#include "extract/normalize.h"
#include "lib/common.h"

#define K                 CW_FP_MINHASH_K_DEFAULT
#define BANDS             CW_FP_LSH_BANDS_DEFAULT
#define PASSES            3
#define ARTICLE_SENTENCES 50

struct sentence {
	const char *s;
	size_t len;
};

struct corpus {
	struct sentence *u; /* unique sentences */
	size_t nu, capu;
	size_t ubytes;
	size_t reps; /* the corpus is u[] repeated reps times */
	char **bufs; /* file contents, owned */
	size_t nbufs;
	char *articles;  /* the unique sentences as articles, back to back */
	size_t *art_off; /* article i: articles[art_off[i] .. art_off[i + 1]) */
	size_t nart;
};

/* Joins every ARTICLE_SENTENCES unique sentences into an article, with a
 * paragraph break every 5 sentences. */
static void make_articles(struct corpus *c)
{
	size_t o = 0;

	c->articles = cw_xmalloc(c->ubytes + 2 * c->nu + 1);
	c->art_off = cw_xmalloc((c->nu / ARTICLE_SENTENCES + 2) * sizeof(*c->art_off));
	for (size_t i = 0; i < c->nu; i++) {
		if (i % ARTICLE_SENTENCES == 0)
			c->art_off[c->nart++] = o;
		memcpy(c->articles + o, c->u[i].s, c->u[i].len);
		o += c->u[i].len;
		if ((i + 1) % ARTICLE_SENTENCES) {
			memcpy(c->articles + o, (i + 1) % 5 ? " " : "\n\n", (i + 1) % 5 ? 1 : 2);
			o += (i + 1) % 5 ? 1 : 2;
		}
	}
	c->art_off[c->nart] = o;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void add_sentence(struct corpus *c, const char *s, size_t len)
{
	while (len && (s[len - 1] == '\r' || s[len - 1] == ' '))
		len--;
	if (!len)
		return;
	if (c->nu == c->capu) {
		c->capu = c->capu ? 2 * c->capu : 1024;
		c->u = cw_xrealloc(c->u, c->capu * sizeof(*c->u));
	}
	c->u[c->nu].s = s;
	c->u[c->nu].len = len;
	c->nu++;
	c->ubytes += len;
}

static int ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && !strcmp(s + a - b, suf);
}

static void load_file(struct corpus *c, const char *path)
{
	char err[256], *buf, *p, *end;
	size_t len;
	int tsv = ends_with(path, ".tsv");

	if (cw_read_file(path, 256u << 20, &buf, &len, err, sizeof(err))) {
		fprintf(stderr, "bench-extract: %s\n", err);
		return;
	}
	c->bufs = cw_xrealloc(c->bufs, (c->nbufs + 1) * sizeof(*c->bufs));
	c->bufs[c->nbufs++] = buf;
	for (p = buf, end = buf + len; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *le = nl ? nl : end;
		if (tsv) {
			/* line_number \t speaker \t text \t label */
			char *t1 = memchr(p, '\t', (size_t)(le - p));
			char *t2 = t1 ? memchr(t1 + 1, '\t', (size_t)(le - t1 - 1)) : NULL;
			char *t3 = t2 ? memchr(t2 + 1, '\t', (size_t)(le - t2 - 1)) : NULL;
			if (t2)
				add_sentence(c, t2 + 1, (size_t)((t3 ? t3 : le) - t2 - 1));
		} else {
			add_sentence(c, p, (size_t)(le - p));
		}
		p = le + 1;
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void load_path(struct corpus *c, const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;

	if (stat(path, &st))
		return;
	if (!S_ISDIR(st.st_mode)) {
		load_file(c, path);
		return;
	}
	d = opendir(path);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		names = cw_xrealloc(names, (n + 1) * sizeof(*names));
		names[n] = cw_xmalloc(strlen(path) + strlen(de->d_name) + 2);
		sprintf(names[n], "%s/%s", path, de->d_name);
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str); /* a fixed corpus order */
	for (size_t i = 0; i < n; i++) {
		if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode) &&
		    (ends_with(names[i], ".tsv") || ends_with(names[i], ".txt")))
			load_file(c, names[i]);
		free(names[i]);
	}
	free(names);
}

/* ---- the baseline -------------------------------------------------------- */

static int base_is_stop(const char *w)
{
	for (size_t i = 0; i < cw_norm_stopword_count(); i++)
		if (!strcmp(cw_norm_stopword_at(i), w))
			return 1;
	return 0;
}

static int base_word_cp(utf8proc_int32_t cp)
{
	utf8proc_category_t c = utf8proc_category(cp);
	return cp == '\'' || (c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_NO);
}

/* Normalises s the simple way into a malloc'ed string of space-joined tokens. */
static char *base_normalize(struct sb_stemmer *st, const char *s, size_t len, size_t *outlen)
{
	utf8proc_uint8_t *f = NULL;
	utf8proc_ssize_t fl;
	char *out = NULL;
	size_t ol = 0;
	size_t p = 0;

	fl = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, &f,
	                  UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_LUMP |
	                      UTF8PROC_STRIPMARK | UTF8PROC_IGNORE);
	if (fl < 0)
		fl = 0;
	while (p < (size_t)fl) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t n = utf8proc_iterate(f + p, fl - (utf8proc_ssize_t)p, &cp);
		size_t b = p, tl = 0;
		char *tok, *stem;
		int digit = 0;
		if (n <= 0 || !base_word_cp(cp) || cp == '\'') {
			p += n > 0 ? (size_t)n : 1;
			continue;
		}
		/* a token: word characters, apostrophes and number punctuation */
		tok = malloc((size_t)fl - b + 1);
		while (p < (size_t)fl) {
			n = utf8proc_iterate(f + p, fl - (utf8proc_ssize_t)p, &cp);
			if (n <= 0)
				break;
			if (cp == ',' && digit && p + 1 < (size_t)fl && f[p + 1] >= '0' &&
			    f[p + 1] <= '9') {
				p++;
				continue;
			}
			if (cp == '.' && digit && p + 1 < (size_t)fl && f[p + 1] >= '0' &&
			    f[p + 1] <= '9') {
				tok[tl++] = '.';
				p++;
				continue;
			}
			if (!base_word_cp(cp))
				break;
			if (cp != '\'')
				memcpy(tok + tl, f + p, (size_t)n), tl += (size_t)n;
			digit |= cp >= '0' && cp <= '9';
			p += (size_t)n;
		}
		tok[tl] = '\0';
		if (digit || !base_is_stop(tok)) {
			const sb_symbol *r =
			    digit ? (const sb_symbol *)tok
			          : sb_stemmer_stem(st, (const sb_symbol *)tok, (int)tl);
			size_t rl = digit ? tl : (size_t)sb_stemmer_length(st);
			stem = cw_xstrndup((const char *)r, rl);
			out = cw_xrealloc(out, ol + rl + 2);
			if (ol)
				out[ol++] = ' ';
			memcpy(out + ol, stem, rl);
			ol += rl;
			free(stem);
		}
		free(tok);
	}
	free(f);
	if (!out)
		out = cw_xstrdup("");
	else
		out[ol] = '\0';
	*outlen = ol;
	return out;
}

/* Fingerprints the simple way: tokens split again, one XXH3 per shingle and
 * signature row. */
static uint64_t base_fingerprint(const char *t, size_t len, uint32_t *sig)
{
	const char *tok[4096];
	size_t tl[4096], n = 0, p = 0;
	uint64_t h = XXH3_64bits_withSeed(t, len, 1), sim = 0;
	int cnt[64] = {0};

	while (p < len && n < 4096) {
		size_t b = p;
		while (p < len && t[p] != ' ')
			p++;
		tok[n] = t + b;
		tl[n++] = p - b;
		p++;
	}
	for (size_t j = 0; j < K; j++)
		sig[j] = UINT32_MAX;
	for (size_t i = 0; i + 1 < n || (i == 0 && n == 1); i++) {
		size_t sl = n == 1 ? tl[0] : (size_t)(tok[i + 1] + tl[i + 1] - tok[i]);
		uint64_t sh = XXH3_64bits_withSeed(tok[i], sl, 2);
		for (int b = 0; b < 64; b++)
			cnt[b] += (sh >> b) & 1 ? 1 : -1;
		for (size_t j = 0; j < K; j++) {
			uint32_t v = (uint32_t)XXH3_64bits_withSeed(tok[i], sl, 100 + j);
			if (v < sig[j])
				sig[j] = v;
		}
	}
	for (int b = 0; b < 64; b++)
		if (cnt[b] > 0)
			sim |= 1ull << b;
	return h ^ sim;
}

/* ---- runs ---------------------------------------------------------------- */

static volatile uint64_t sink;

static void run_normalize(struct cw_norm *nz, const struct corpus *c, size_t reps)
{
	struct cw_tokens t;
	uint64_t acc = 0;

	for (size_t r = 0; r < reps; r++)
		for (size_t i = 0; i < c->nu; i++) {
			cw_norm_text(nz, c->u[i].s, c->u[i].len, 0, &t);
			acc += t.n;
		}
	sink += acc;
}

static uint64_t fingerprint_all(const struct cw_tokens *t)
{
	uint32_t sig[K];
	uint64_t keys[BANDS];

	cw_fp_minhash(t, sig, K);
	cw_fp_lsh_keys(sig, BANDS, CW_FP_LSH_ROWS_DEFAULT, keys);
	return cw_fp_exact(t) ^ cw_fp_simhash(t) ^ keys[0];
}

static void run_extract(struct cw_norm *nz, const struct corpus *c, size_t reps)
{
	struct cw_tokens t;
	uint64_t acc = 0;

	for (size_t r = 0; r < reps; r++)
		for (size_t i = 0; i < c->nu; i++) {
			cw_norm_text(nz, c->u[i].s, c->u[i].len, 0, &t);
			acc ^= fingerprint_all(&t);
		}
	sink += acc;
}

/* Normalised copies of the unique sentences, for the fingerprint-only run. */
struct normed {
	char *text;
	uint32_t *off, *tlen;
	struct cw_tokens t;
};

static void run_fingerprint(const struct normed *nd, size_t nu, size_t reps)
{
	uint64_t acc = 0;

	for (size_t r = 0; r < reps; r++)
		for (size_t i = 0; i < nu; i++)
			acc ^= fingerprint_all(&nd[i].t);
	sink += acc;
}

static void run_baseline(struct sb_stemmer *st, const struct corpus *c, size_t reps)
{
	uint32_t sig[K];
	uint64_t acc = 0;

	for (size_t r = 0; r < reps; r++)
		for (size_t i = 0; i < c->nu; i++) {
			size_t ol;
			char *o = base_normalize(st, c->u[i].s, c->u[i].len, &ol);
			acc ^= base_fingerprint(o, ol, sig) ^ sig[0];
			free(o);
		}
	sink += acc;
}

static int count_claim(const struct cw_extracted_claim *cl, void *opaque)
{
	*(uint64_t *)opaque += cl->fingerprint;
	return 0;
}

static void run_extractor(struct cw_extractor *ex, const struct corpus *c, size_t reps)
{
	uint64_t acc = 0;

	for (size_t r = 0; r < reps; r++)
		for (size_t i = 0; i < c->nart; i++)
			cw_extractor_run(ex, c->articles + c->art_off[i],
			                 c->art_off[i + 1] - c->art_off[i], count_claim, &acc);
	sink += acc;
}

enum run_kind { RUN_NORMALIZE, RUN_FINGERPRINT, RUN_EXTRACT, RUN_EXTRACTOR, RUN_BASELINE };

struct ctx {
	struct cw_extractor *ex;
	struct cw_norm *nz;
	struct sb_stemmer *st;
	const struct corpus *c;
	const struct normed *nd;
};

static void run(const struct ctx *x, enum run_kind k, size_t reps)
{
	switch (k) {
	case RUN_NORMALIZE:
		run_normalize(x->nz, x->c, reps);
		break;
	case RUN_FINGERPRINT:
		run_fingerprint(x->nd, x->c->nu, reps);
		break;
	case RUN_EXTRACT:
		run_extract(x->nz, x->c, reps);
		break;
	case RUN_EXTRACTOR:
		run_extractor(x->ex, x->c, reps);
		break;
	case RUN_BASELINE:
		run_baseline(x->st, x->c, reps);
		break;
	}
}

/* Best of PASSES timed passes over reps repetitions, after a warm-up pass
 * over one repetition. */
static double best_time(const struct ctx *x, enum run_kind k, size_t reps)
{
	double best = 1e30;

	run(x, k, 1);
	for (int i = 0; i < PASSES; i++) {
		double t0 = now_s();
		run(x, k, reps);
		double dt = now_s() - t0;
		if (dt < best)
			best = dt;
	}
	return best;
}

int main(int argc, char **argv)
{
	struct corpus c = {0};
	struct ctx x = {0};
	struct normed *nd;
	struct rusage ru;
	char err[256];
	const char *mbs = getenv("CW_BENCH_MB");
	double target = (mbs ? atof(mbs) : 32.0) * 1e6, mb, dt;
	size_t reps, breps;

	for (int i = 1; i < argc; i++)
		load_path(&c, argv[i]);
	if (!c.nu)
		load_path(&c, "tests/data/normalize");
	if (!c.nu) {
		fprintf(stderr, "bench-extract: no corpus (give a folder of .tsv or .txt files)\n");
		return 2;
	}
	reps = (size_t)(target / (double)c.ubytes) + 1;
	mb = (double)c.ubytes * (double)reps / 1e6;

	x.c = &c;
	x.nz = cw_norm_new("english", err, sizeof(err));
	x.st = sb_stemmer_new("english", "UTF_8");
	if (!x.nz || !x.st) {
		fprintf(stderr, "bench-extract: %s\n", err);
		return 2;
	}
	nd = cw_xcalloc(c.nu, sizeof(*nd));
	for (size_t i = 0; i < c.nu; i++) {
		struct cw_tokens t;
		cw_norm_text(x.nz, c.u[i].s, c.u[i].len, 0, &t);
		nd[i].text = cw_xstrndup(t.text, t.len);
		nd[i].off = cw_xmalloc((t.n + 1) * sizeof(uint32_t));
		nd[i].tlen = cw_xmalloc((t.n + 1) * sizeof(uint32_t));
		memcpy(nd[i].off, t.off, t.n * sizeof(uint32_t));
		memcpy(nd[i].tlen, t.tlen, t.n * sizeof(uint32_t));
		nd[i].t = (struct cw_tokens){nd[i].text, t.len, t.n, nd[i].off, nd[i].tlen};
	}
	x.nd = nd;

	make_articles(&c);
	{
		static const struct cw_config_key *const schemas[] = {cw_extract_config_keys, NULL};
		struct cw_config *cfg = cw_config_new(schemas);
		x.ex = cfg ? cw_extractor_new(cfg, err, sizeof(err)) : NULL;
		if (!x.ex)
			fprintf(stderr, "bench-extract: extractor: %s; timing split-free\n", err);
		cw_config_free(cfg);
	}

	printf("extract_corpus_mb %.1f MB\n", mb);
	printf("extract_corpus_sentences %zu sentences\n", c.nu * reps);
	if (x.ex) {
		printf("extract_path cw_extractor_run articles\n");
		dt = best_time(&x, RUN_EXTRACTOR, reps);
		printf("extract_mb_per_s %.1f MB/s\n", mb / dt);
		printf("extract_articles_per_s %.0f articles/s\n", (double)(c.nart * reps) / dt);
		printf("extract_sentences_per_s %.0f sentences/s\n", (double)(c.nu * reps) / dt);
		dt = best_time(&x, RUN_EXTRACT, reps);
		printf("extract_splitfree_mb_per_s %.1f MB/s\n", mb / dt);
	} else {
		printf("extract_path split-free sentences\n");
		dt = best_time(&x, RUN_EXTRACT, reps);
		printf("extract_mb_per_s %.1f MB/s\n", mb / dt);
		printf("extract_sentences_per_s %.0f sentences/s\n", (double)(c.nu * reps) / dt);
	}

	dt = best_time(&x, RUN_NORMALIZE, reps);
	printf("normalize_mb_per_s %.1f MB/s\n", mb / dt);

	dt = best_time(&x, RUN_FINGERPRINT, reps);
	printf("fingerprint_mb_per_s %.1f MB/s\n", mb / dt);

	/* the baseline is slow: a tenth of the corpus is enough to time it */
	breps = reps / 10 ? reps / 10 : 1;
	dt = best_time(&x, RUN_BASELINE, breps);
	printf("baseline_extract_mb_per_s %.1f MB/s\n",
	       (double)c.ubytes * (double)breps / 1e6 / dt);
	printf("baseline_extract_sentences_per_s %.0f sentences/s\n", (double)(c.nu * breps) / dt);

	getrusage(RUSAGE_SELF, &ru);
	printf("extract_peak_rss %.1f MiB\n", (double)ru.ru_maxrss / 1024.0);

	for (size_t i = 0; i < c.nu; i++) {
		free(nd[i].text);
		free(nd[i].off);
		free(nd[i].tlen);
	}
	free(nd);
	for (size_t i = 0; i < c.nbufs; i++)
		free(c.bufs[i]);
	free(c.bufs);
	free(c.u);
	free(c.articles);
	free(c.art_off);
	cw_extractor_free(x.ex);
	cw_norm_free(x.nz);
	sb_stemmer_delete(x.st);
	return 0;
}
