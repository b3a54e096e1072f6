/*
 * neardup_eval.c — `claimwire eval neardup`: how many near-duplicate pairs of
 * real claims the sightings rule puts in one cluster, by their true
 * similarity, and how many unlike pairs it puts together.
 *
 * The rule is the match worker's: a claim whose normalised text was seen
 * before joins that cluster (the exact fingerprint); else, among the
 * founders its LSH band keys lead to (the first claim to register a band
 * key keeps it), it joins the nearest by SimHash within
 * match.sightings_max_hamming bits whose MinHash sketch estimates a Jaccard
 * similarity of at least match.sightings_min_jaccard; else it founds a
 * cluster.  The texts are replayed through that rule in the order they are
 * read.  Both fingerprints are taken over the shingles of extract's
 * normalised text, so the truth is the Jaccard similarity of two texts'
 * shingle sets, computed here exactly for every pair of texts that share
 * a shingle.
 *
 * Texts are read from fact-check collections (the "vclaim" of each JSON
 * line: Snopes and PolitiFact restate the same rumours and talking points in
 * many fact-checks) and debate transcripts (the sentence of each line:
 * speakers repeat their lines from one debate to the next).  Texts with the
 * same normalised form count once: they are exact repeats, which the exact
 * fingerprint finds.
 *
 * Printed, one "NAME VALUE" a line: the texts and pairs by Jaccard band;
 * then for the configured rule (extract.lsh_bands x extract.lsh_rows, the
 * sketch check) and a few others beside it, the share of the pairs of each
 * band that end in one cluster (recall), the pairs under Jaccard 0.3 in
 * one cluster (false joins), the clusters, and the band keys each founder
 * writes to Redis.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "extract/config.h"
#include "extract/fingerprint.h"
#include "extract/normalize.h"
#include "lib/cli.h"
#include "lib/common.h"
#include "match/evalset.h"
#include "match/ptrmap.h"

#define NBINS       7 /* Jaccard [0.3, 0.4) ... [0.9, 1.0) */
#define MIN_JACCARD 0.3

static const char usage[] =
    "usage: claimwire eval neardup [--collection FILE.jsonl]... [--transcripts DIR]... "
    "[options]\n\n"
    "Replays the sightings rule (a shared LSH band key with a cluster's founder, SimHashes\n"
    "within match.sightings_max_hamming bits, MinHash sketches at least\n"
    "match.sightings_min_jaccard alike) over real claims, and measures the clusters it\n"
    "makes against the exact Jaccard similarity of the claims' shingles.\n\n"
    "  --collection FILE   fact-checks, one JSON object a line; their \"vclaim\" texts\n"
    "  --transcripts DIR   debate transcripts (line<TAB>speaker<TAB>text<TAB>label); their\n"
    "                      sentences\n"
    "  --joins FILE        writes every pair of texts the configured rule puts in one\n"
    "                      cluster: Jaccard, SimHash distance, the two texts "
    "(tab-separated)\n" CW_CLI_HELP
    "Prints NAME VALUE lines: pairs by Jaccard band; then per rule (bands x rows, sketch\n"
    "threshold) the share of each band's pairs put in one cluster, the pairs under\n"
    "Jaccard 0.3 put in one cluster, the clusters and the band keys per founder.\n"
    "Exit codes: 0 ok, 1 failure, 2 usage, 3 configuration.\n";

/* One distinct normalised text. */
struct text {
	char *s; /* as read */
	uint64_t exact, simhash;
	uint32_t *sig;
	char sketch[CW_FP_SKETCH_LEN + 1];
	size_t nsketch;
	uint64_t *sh; /* its shingle hashes, sorted and unique */
	size_t nsh;
};

struct texts {
	struct text *t;
	size_t n, cap;
	size_t read; /* texts read, before dropping repeats and short ones */
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void add_text(struct texts *ts, struct cw_norm *nz, const char *s, size_t len, size_t k,
                     size_t min_tokens)
{
	struct cw_tokens tk;
	struct text *t;
	uint64_t *sh;
	size_t ns;

	ts->read++;
	if (cw_norm_text(nz, s, len, 0, &tk) != 0 || tk.n < min_tokens)
		return;
	if (ts->n == ts->cap) {
		ts->cap = ts->cap ? 2 * ts->cap : 4096;
		ts->t = cw_xrealloc(ts->t, ts->cap * sizeof(*ts->t));
	}
	t = &ts->t[ts->n++];
	t->s = cw_xstrndup(s, len);
	t->exact = cw_fp_exact(&tk);
	t->simhash = cw_fp_simhash(&tk);
	t->sig = cw_xmalloc(k * sizeof(*t->sig));
	cw_fp_minhash(&tk, t->sig, k);
	t->nsketch = cw_fp_sketch(t->sig, k, t->sketch);
	ns = cw_fp_shingles(&tk, NULL, 0);
	sh = cw_xmalloc((ns ? ns : 1) * sizeof(*sh));
	cw_fp_shingles(&tk, sh, ns);
	qsort(sh, ns, sizeof(*sh), cmp_u64);
	t->nsh = 0;
	for (size_t i = 0; i < ns; i++)
		if (i == 0 || sh[i] != sh[i - 1])
			sh[t->nsh++] = sh[i];
	t->sh = sh;
}

static void text_free(struct text *t)
{
	free(t->s);
	free(t->sig);
	free(t->sh);
}

/* Sets aside the texts whose normalised form came before: the exact
 * fingerprint finds those, and the rule is measured on the rest. */
static void drop_exact_repeats(struct texts *ts)
{
	struct cw_ptrmap seen;
	size_t n = 0;

	cw_ptrmap_init(&seen, ts->n);
	for (size_t i = 0; i < ts->n; i++) {
		if (cw_ptrmap_put(&seen, -1, ts->t[i].exact, i))
			ts->t[n++] = ts->t[i];
		else
			text_free(&ts->t[i]);
	}
	ts->n = n;
	cw_ptrmap_free(&seen);
}

/* The third field of each line of a transcript. */
static int read_transcript(struct texts *ts, struct cw_norm *nz, const char *path, size_t k,
                           size_t min_tokens)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (!f) {
		fprintf(stderr, "claimwire: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		char *a = memchr(line, '\t', (size_t)n), *b, *e;
		if (!a || !(b = memchr(a + 1, '\t', (size_t)(line + n - a - 1))))
			continue;
		e = memchr(b + 1, '\t', (size_t)(line + n - b - 1));
		if (!e)
			e = line + n;
		add_text(ts, nz, b + 1, (size_t)(e - b - 1), k, min_tokens);
	}
	free(line);
	fclose(f);
	return 0;
}

static int read_transcripts(struct texts *ts, struct cw_norm *nz, const char *dir, size_t k,
                            size_t min_tokens)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, alphasort), rc = 0;

	if (n < 0) {
		fprintf(stderr, "claimwire: cannot read %s: %s\n", dir, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		size_t l = strlen(ents[i]->d_name);
		if (rc == 0 && l > 4 && !strcmp(ents[i]->d_name + l - 4, ".tsv")) {
			char path[4096];
			snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
			rc = read_transcript(ts, nz, path, k, min_tokens);
		}
		free(ents[i]);
	}
	free(ents);
	return rc;
}

static size_t intersection(const struct text *a, const struct text *b)
{
	size_t i = 0, j = 0, n = 0;

	while (i < a->nsh && j < b->nsh) {
		if (a->sh[i] < b->sh[j])
			i++;
		else if (a->sh[i] > b->sh[j])
			j++;
		else
			n++, i++, j++;
	}
	return n;
}

static double jaccard_of(const struct text *a, const struct text *b, size_t inter)
{
	size_t uni = a->nsh + b->nsh - inter;
	return uni ? (double)inter / (double)uni : 0;
}

static int bin_of(double j)
{
	int b = (int)(j * 10) - 3;
	return b < 0 ? -1 : b >= NBINS ? NBINS - 1 : b;
}

struct posting {
	uint64_t sh;
	uint32_t text;
};

static int cmp_posting(const void *a, const void *b)
{
	const struct posting *x = a, *y = b;
	if (x->sh != y->sh)
		return x->sh < y->sh ? -1 : 1;
	return x->text < y->text ? -1 : x->text > y->text;
}

/* A pair of texts, a < b, and their Jaccard similarity. */
struct pair {
	uint32_t a, b;
	double j;
};

struct pairs {
	struct pair *p;
	size_t n, cap;
};

static void pairs_add(struct pairs *ps, uint32_t a, uint32_t b, double j)
{
	if (ps->n == ps->cap) {
		ps->cap = ps->cap ? 2 * ps->cap : 1024;
		ps->p = cw_xrealloc(ps->p, ps->cap * sizeof(*ps->p));
	}
	ps->p[ps->n++] = (struct pair){a < b ? a : b, a < b ? b : a, j};
}

/* Every pair of texts with shingle Jaccard >= MIN_JACCARD, counted into the
 * bins of pairs_in[].  Texts are compared through an inverted index of
 * shingles: only texts that share one can be similar. */
static void similar_pairs(const struct texts *ts, struct pairs *out, size_t pairs_in[NBINS])
{
	struct posting *post;
	size_t np = 0, cap = 0;
	uint32_t *count = cw_xcalloc(ts->n ? ts->n : 1, sizeof(*count));
	uint32_t *touched = cw_xmalloc((ts->n ? ts->n : 1) * sizeof(*touched));

	for (size_t i = 0; i < ts->n; i++)
		cap += ts->t[i].nsh;
	post = cw_xmalloc((cap ? cap : 1) * sizeof(*post));
	for (size_t i = 0; i < ts->n; i++)
		for (size_t s = 0; s < ts->t[i].nsh; s++)
			post[np++] = (struct posting){ts->t[i].sh[s], (uint32_t)i};
	/* sorted by shingle, then text: each shingle's texts in order */
	qsort(post, np, sizeof(*post), cmp_posting);
	for (size_t i = 0; i < ts->n; i++) {
		const struct text *t = &ts->t[i];
		size_t nt = 0;
		for (size_t s = 0; s < t->nsh; s++) {
			/* the texts after i that have shingle s */
			size_t lo = 0, hi = np;
			while (lo < hi) {
				size_t mid = (lo + hi) / 2;
				if (post[mid].sh < t->sh[s] ||
				    (post[mid].sh == t->sh[s] && post[mid].text <= i))
					lo = mid + 1;
				else
					hi = mid;
			}
			for (size_t x = lo; x < np && post[x].sh == t->sh[s]; x++) {
				uint32_t o = post[x].text;
				if (count[o]++ == 0)
					touched[nt++] = o;
			}
		}
		for (size_t x = 0; x < nt; x++) {
			uint32_t o = touched[x];
			double j = jaccard_of(t, &ts->t[o], count[o]);
			count[o] = 0;
			if (j >= MIN_JACCARD) {
				pairs_in[bin_of(j)]++;
				pairs_add(out, (uint32_t)i, o, j);
			}
		}
	}
	free(post);
	free(count);
	free(touched);
}

/* One way of joining claims, as match.sightings_* and extract.lsh_* set it. */
struct rule {
	size_t bands, rows;
	int max_hamming;
	double min_jaccard;
};

/*
 * Replays the sightings rule over the texts in the order they were read,
 * as the match worker sees claims: a text whose band keys lead to founders
 * joins the nearest by SimHash that is within max_hamming bits and whose
 * sketch agrees (min_jaccard), else it founds a cluster and registers the
 * band keys no founder holds yet.  (Exact repeats were set aside after
 * reading.)  cluster[t] gets the founder of t's cluster.
 */
static void replay(const struct texts *ts, const struct rule *r, uint32_t *cluster)
{
	struct cw_ptrmap founders; /* (band, key) → the text that registered it first */
	uint64_t keys[CW_FP_LSH_MAX_BANDS];

	cw_ptrmap_init(&founders, ts->n * r->bands);
	for (size_t t = 0; t < ts->n; t++) {
		const struct text *x = &ts->t[t];
		int best = r->max_hamming + 1;
		uint32_t join = UINT32_MAX;

		cw_fp_lsh_keys(x->sig, r->bands, r->rows, keys);
		for (size_t j = 0; j < r->bands; j++) {
			const struct cw_ptrslot *f = cw_ptrmap_get(&founders, (int32_t)j, keys[j]);
			const struct text *o;
			int d;
			if (!f)
				continue;
			o = &ts->t[f->index];
			d = cw_fp_hamming(x->simhash, o->simhash);
			if (d >= best || (r->min_jaccard > 0 &&
			                  cw_fp_sketch_similarity(x->sketch, o->sketch,
			                                          x->nsketch) < r->min_jaccard))
				continue;
			best = d;
			join = f->index;
		}
		if (join != UINT32_MAX) {
			cluster[t] = join;
			continue;
		}
		cluster[t] = (uint32_t)t;
		for (size_t j = 0; j < r->bands; j++)
			cw_ptrmap_put(&founders, (int32_t)j, keys[j], t);
	}
	cw_ptrmap_free(&founders);
}

/* A text as one field of a tab-separated line. */
static void put_field(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s, f);
}

static const char *const bin_names[NBINS] = {"0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9"};

static int by_cluster(const void *a, const void *b, void *arg)
{
	const uint32_t *cl = arg, x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	if (cl[x] != cl[y])
		return cl[x] < cl[y] ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* Recall per Jaccard bin, and the pairs under MIN_JACCARD put in one
 * cluster, of one rule; with joins, every pair of texts in one cluster. */
static void measure(const struct texts *ts, const struct pairs *ps, const struct rule *r,
                    const size_t pairs_in[NBINS], const char *label, FILE *joins)
{
	uint32_t *cluster = cw_xmalloc((ts->n ? ts->n : 1) * sizeof(*cluster));
	uint32_t *ord = cw_xmalloc((ts->n ? ts->n : 1) * sizeof(*ord));
	size_t joined[NBINS] = {0}, false_joins = 0, hi = 0, hi_joined = 0, nclusters = 0;
	char name[64];

	snprintf(name, sizeof(name), "lsh_%zux%zu_j%.2f", r->bands, r->rows, r->min_jaccard);
	replay(ts, r, cluster);
	for (size_t i = 0; i < ps->n; i++)
		if (cluster[ps->p[i].a] == cluster[ps->p[i].b])
			joined[bin_of(ps->p[i].j)]++;
	/* the pairs of each cluster, members in reading order */
	for (size_t t = 0; t < ts->n; t++)
		ord[t] = (uint32_t)t;
	qsort_r(ord, ts->n, sizeof(*ord), by_cluster, cluster);
	for (size_t x = 0, y; x < ts->n; x = y) {
		for (y = x; y < ts->n && cluster[ord[y]] == cluster[ord[x]]; y++)
			;
		nclusters++;
		for (size_t p = x; p < y; p++)
			for (size_t q = p + 1; q < y; q++) {
				const struct text *a = &ts->t[ord[p]], *b = &ts->t[ord[q]];
				double j = jaccard_of(a, b, intersection(a, b));
				false_joins += j < MIN_JACCARD;
				if (!joins)
					continue;
				fprintf(joins, "%.3f\t%d\t", j,
				        cw_fp_hamming(a->simhash, b->simhash));
				put_field(joins, a->s);
				fputc('\t', joins);
				put_field(joins, b->s);
				fputc('\n', joins);
			}
	}
	for (int b = 0; b < NBINS; b++) {
		printf("%s_recall_j%s %.4f\n", name, bin_names[b],
		       pairs_in[b] ? (double)joined[b] / (double)pairs_in[b] : 0.0);
		if (b >= 4) {
			hi += pairs_in[b];
			hi_joined += joined[b];
		}
	}
	printf("%s_recall_j0.7_up %.4f\n", name, hi ? (double)hi_joined / (double)hi : 0.0);
	printf("%s_clusters %zu\n", name, nclusters);
	printf("%s_false_joins %zu\n", name, false_joins);
	printf("%s_band_keys_per_founder %zu%s\n", name, r->bands, label);
	free(cluster);
	free(ord);
}

int cw_eval_neardup_command(int argc, char **argv)
{
	enum { O_COLL = CW_OPT_FIRST_OWN, O_TRANSCRIPTS, O_JOINS };
	static const struct option lo[] = {
	    {"collection", required_argument, NULL, O_COLL},
	    {"transcripts", required_argument, NULL, O_TRANSCRIPTS},
	    {"joins", required_argument, NULL, O_JOINS},
	    CW_CLI_LONGOPTS,
	    {NULL, 0, NULL, 0},
	};
	/* the rules beside the configured one: the former default (16 x 4,
	 * SimHash alone), and more or fewer pointers per founder, with the
	 * configured sketch check (check 1) or without */
	static const struct {
		size_t bands, rows;
		int check;
	} others[] = {{16, 4, 0}, {16, 4, 1}, {8, 3, 0}, {8, 3, 1}, {8, 4, 1}, {4, 2, 1}};
	const char *colls[64], *dirs[64];
	size_t ncoll = 0, ndir = 0, k, min_tokens;
	struct rule rule;
	struct pairs ps = {0};
	size_t pairs_in[NBINS] = {0}, total = 0;
	struct cw_cli_opts co = {0};
	struct cw_config *cfg = NULL;
	struct texts ts = {0};
	struct cw_norm *nz = NULL;
	const char *joins_path = NULL;
	FILE *joins = NULL;
	char err[512];
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, CW_CLI_SHORTOPTS, lo, NULL)) != -1) {
		int r = cw_cli_opt(&co, c, optarg);
		if (r == 1)
			continue;
		if (r < 0)
			return CW_EXIT_USAGE;
		if ((c == O_COLL && ncoll == 64) || (c == O_TRANSCRIPTS && ndir == 64)) {
			fprintf(stderr, "claimwire: at most 64 of each input\n");
			return CW_EXIT_USAGE;
		}
		if (c == O_COLL)
			colls[ncoll++] = optarg;
		else if (c == O_JOINS)
			joins_path = optarg;
		else if (c == O_TRANSCRIPTS)
			dirs[ndir++] = optarg;
		else {
			fputs(usage, stderr);
			return CW_EXIT_USAGE;
		}
	}
	if ((rc = cw_cli_finish(&co, usage, &cfg)) >= 0)
		return rc;
	if (optind < argc || ncoll + ndir == 0) {
		fputs(usage, stderr);
		cw_config_free(cfg);
		return CW_EXIT_USAGE;
	}
	rc = CW_EXIT_FAILURE;
	if (cw_extract_lsh_config(cfg, &rule.bands, &rule.rows, err, sizeof(err))) {
		fprintf(stderr, "claimwire: %s\n", err);
		rc = CW_EXIT_CONFIG;
		goto out;
	}
	k = (size_t)cw_config_int(cfg, "extract.minhash_size");
	min_tokens = (size_t)cw_config_int(cfg, "extract.min_tokens");
	rule.max_hamming = (int)cw_config_int(cfg, "match.sightings_max_hamming");
	rule.min_jaccard = cw_config_double(cfg, "match.sightings_min_jaccard");
	nz = cw_norm_new(cw_config_str(cfg, "extract.language"), err, sizeof(err));
	if (!nz) {
		fprintf(stderr, "claimwire: %s\n", err);
		goto out;
	}
	for (size_t i = 0; i < ncoll; i++) {
		struct cw_evalset es = {0};
		if (cw_evalset_load_collection(&es, colls[i], err, sizeof(err))) {
			fprintf(stderr, "claimwire: %s\n", err);
			goto out;
		}
		for (size_t d = 0; d < es.ndocs; d++)
			add_text(&ts, nz, es.docs[d].claim, strlen(es.docs[d].claim), k,
			         min_tokens);
		cw_evalset_release(&es);
	}
	for (size_t i = 0; i < ndir; i++)
		if (read_transcripts(&ts, nz, dirs[i], k, min_tokens))
			goto out;
	drop_exact_repeats(&ts);

	if (joins_path && !(joins = fopen(joins_path, "w"))) {
		fprintf(stderr, "claimwire: cannot write %s: %s\n", joins_path, strerror(errno));
		goto out;
	}
	similar_pairs(&ts, &ps, pairs_in);
	printf("texts %zu\n", ts.read);
	printf("distinct_texts %zu\n", ts.n);
	for (int b = 0; b < NBINS; b++) {
		printf("pairs_j%s %zu\n", bin_names[b], pairs_in[b]);
		total += pairs_in[b];
	}
	printf("pairs_j0.3_up %zu\n", total);
	printf("max_hamming %d\n", rule.max_hamming);
	printf("min_jaccard %.2f\n", rule.min_jaccard);
	measure(&ts, &ps, &rule, pairs_in, " (configured)", joins);
	for (size_t i = 0; i < CW_ARRAY_SIZE(others); i++) {
		struct rule o = {others[i].bands, others[i].rows, rule.max_hamming,
		                 others[i].check ? rule.min_jaccard : 0};
		if ((o.bands != rule.bands || o.rows != rule.rows ||
		     o.min_jaccard != rule.min_jaccard) &&
		    o.bands * o.rows <= k)
			measure(&ts, &ps, &o, pairs_in, "", NULL);
	}
	rc = 0;
	if (joins && fclose(joins) != 0) {
		fprintf(stderr, "claimwire: cannot write %s: %s\n", joins_path, strerror(errno));
		rc = CW_EXIT_FAILURE;
	}
	joins = NULL;
out:
	if (joins)
		fclose(joins);
	for (size_t i = 0; i < ts.n; i++)
		text_free(&ts.t[i]);
	free(ts.t);
	free(ps.p);
	cw_norm_free(nz);
	cw_config_free(cfg);
	return rc;
}
