/*
 * kb_cmd.c — `claimwire kb`: load fact-checks into Redis, show what the
 * knowledge base holds, and read one fact-check back.
 *
 *   claimwire kb load [--format F] FILE...
 *   claimwire kb stats
 *   claimwire kb get ID
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "extract/normalize.h"
#include "lib/cli.h"
#include "lib/common.h"
#include "lib/log.h"
#include "lib/redis.h"
#include "match/kb.h"

static const char usage_text[] =
    "usage: claimwire kb [options] load [--format FORMAT] FILE...\n"
    "       claimwire kb [options] stats\n"
    "       claimwire kb [options] get ID\n\n"
    "Loads fact-checks into the knowledge base in Redis (idempotent: loading a\n"
    "file twice changes nothing), prints counts by publisher and rating, or\n"
    "prints one fact-check as JSON.\n\n"
    "FORMAT (default: detected per file):\n"
    "  jsonl         JSON lines: CheckThat! PolitiFact/Snopes vclaims, or objects with\n"
    "                claim, rating, url, publisher, date, claimant, title, id\n"
    "  claimreview   schema.org ClaimReview JSON-LD (object, array or @graph)\n"
    "  factcheckapi  Google Fact Check Tools claims:search response\n"
    "  csv           CSV with a header row naming the columns above\n\n"
    "options:\n"
    "  -f, --format FORMAT   read every FILE as FORMAT\n" CW_CLI_HELP
    "\nexit codes: 0 ok, 1 Redis or file failure, 2 usage, 3 configuration\n";

static int do_load(struct cw_redis *r, const struct cw_config *cfg, enum cw_kb_format format,
                   char **files, int nfiles)
{
	char err[1024];
	struct cw_norm *nz;
	int rc = CW_EXIT_OK;

	nz = cw_norm_new(cw_config_str(cfg, "extract.language"), err, sizeof(err));
	if (!nz) {
		fprintf(stderr, "claimwire: %s\n", err);
		return CW_EXIT_CONFIG;
	}
	for (int i = 0; i < nfiles; i++) {
		struct cw_kb_load_opts o = {format, nz, stderr, 0, 0};
		struct cw_kb_counts c = {0};
		int lrc = cw_kb_load_file(r, files[i], &o, &c, err, sizeof(err));
		size_t total = c.added + c.updated + c.unchanged;
		if (lrc < 0) {
			fprintf(stderr, "claimwire: %s\n", err);
			rc = CW_EXIT_FAILURE;
			if (lrc == CW_ERR_RETRY)
				break; /* Redis is down: the other files would fail too */
			continue;
		}
		printf("loaded %zu fact-checks from %s (%zu added, %zu updated, %zu unchanged, %zu "
		       "errors)\n",
		       total, files[i], c.added, c.updated, c.unchanged, c.errors);
	}
	cw_norm_free(nz);
	return rc;
}

/* Counts of one label (publisher or rating), kept in a small growing list. */
struct tally {
	char **label;
	size_t *count;
	size_t n, cap;
};

static void tally_add(struct tally *t, const char *label)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->label[i], label) == 0) {
			t->count[i]++;
			return;
		}
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->label = cw_xrealloc(t->label, t->cap * sizeof(*t->label));
		t->count = cw_xrealloc(t->count, t->cap * sizeof(*t->count));
	}
	t->label[t->n] = cw_xstrdup(label);
	t->count[t->n++] = 1;
}

static void tally_print(const struct tally *t, const char *title)
{
	printf("%s:\n", title);
	/* Largest first; a selection sort is plenty for a few hundred labels. */
	int *done = cw_xcalloc(t->n ? t->n : 1, sizeof(*done));
	for (size_t k = 0; k < t->n; k++) {
		size_t best = t->n;
		for (size_t i = 0; i < t->n; i++)
			if (!done[i] && (best == t->n || t->count[i] > t->count[best]))
				best = i;
		done[best] = 1;
		printf("  %-28s %zu\n", t->label[best][0] ? t->label[best] : "(none)",
		       t->count[best]);
	}
	free(done);
}

static void tally_free(struct tally *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->label[i]);
	free(t->label);
	free(t->count);
}

struct stats {
	struct tally publishers, ratings;
	size_t n;
};

static int stats_one(const struct cw_factcheck *fc, void *opaque)
{
	struct stats *s = opaque;

	s->n++;
	tally_add(&s->publishers, fc->publisher ? fc->publisher : "");
	tally_add(&s->ratings, cw_rating_name(fc->rating_normalized));
	return 0;
}

static int do_stats(struct cw_redis *r)
{
	struct stats s = {0};
	struct tally kinds = {0};
	char err[1024], match[256], cursor[32] = "0";
	size_t plen = strlen(cw_redis_prefix(r)), keys = 0;
	redisReply *rep;
	int rc;

	if ((rc = cw_kb_foreach(r, stats_one, &s, NULL, err, sizeof(err))) < 0)
		goto out;
	printf("fact-checks: %zu\n", s.n);
	tally_print(&s.publishers, "by publisher");
	tally_print(&s.ratings, "by rating");

	/* Every key under the prefix, by kind (fc, sg, lsh...). */
	snprintf(match, sizeof(match), "%s*", cw_redis_prefix(r));
	do {
		rc = cw_redis_command(r, &rep, err, sizeof(err), "SCAN %s MATCH %s COUNT 1000",
		                      cursor, match);
		if (rc < 0)
			goto out;
		snprintf(cursor, sizeof(cursor), "%s", rep->element[0]->str);
		for (size_t i = 0; i < rep->element[1]->elements; i++) {
			const char *k = rep->element[1]->element[i]->str + plen;
			size_t kl = strcspn(k, ":");
			char kind[32];
			snprintf(kind, sizeof(kind), "%.*s", (int)CW_MIN(kl, (size_t)31), k);
			tally_add(&kinds, kind);
			keys++;
		}
	} while (strcmp(cursor, "0") != 0);
	printf("keys under '%s': %zu\n", cw_redis_prefix(r), keys);
	tally_print(&kinds, "keys by kind");
	if ((rc = cw_redis_command(r, &rep, err, sizeof(err), "INFO memory")) < 0)
		goto out;
	{
		const char *m = strstr(rep->str, "used_memory_human:");
		if (m)
			printf("redis used_memory: %.*s\n", (int)strcspn(m + 18, "\r\n"), m + 18);
	}
out:
	if (rc < 0)
		fprintf(stderr, "claimwire: %s\n", err);
	tally_free(&s.publishers);
	tally_free(&s.ratings);
	tally_free(&kinds);
	return rc < 0 ? CW_EXIT_FAILURE : CW_EXIT_OK;
}

static void put_field(const char *name, const char *v, int last)
{
	const char *p;

	printf("  \"%s\": \"", name);
	for (p = v ? v : ""; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	printf("\"%s\n", last ? "" : ",");
}

static int do_get(struct cw_redis *r, const char *id)
{
	struct cw_factcheck fc;
	char err[1024], ms[24];
	int rc = cw_kb_get(r, id, &fc, err, sizeof(err));

	if (rc < 0) {
		fprintf(stderr, "claimwire: %s\n", err);
		return CW_EXIT_FAILURE;
	}
	snprintf(ms, sizeof(ms), "%lld", (long long)fc.updated_ms);
	printf("{\n");
	put_field("id", fc.id, 0);
	put_field("claim", fc.claim, 0);
	put_field("title", fc.title, 0);
	put_field("rating", fc.rating, 0);
	put_field("rating_normalized", cw_rating_name(fc.rating_normalized), 0);
	put_field("publisher", fc.publisher, 0);
	put_field("url", fc.url, 0);
	put_field("date", fc.date, 0);
	put_field("claimant", fc.claimant, 0);
	put_field("normalized", fc.normalized, 0);
	put_field("fingerprint", fc.fingerprint, 0);
	put_field("updated_ms", ms, 1);
	printf("}\n");
	cw_factcheck_release(&fc);
	return CW_EXIT_OK;
}

int cw_kb_command(int argc, char **argv)
{
	static const struct option longopts[] = {
	    CW_CLI_LONGOPTS,
	    {"format", required_argument, NULL, 'f'},
	    {NULL, 0, NULL, 0},
	};
	struct cw_cli_opts o = {0};
	struct cw_config *cfg = NULL;
	struct cw_redis *r = NULL;
	int c, rc, format = CW_KB_AUTO;
	const char *sub;
	char err[1024];

	/* "+" would stop at the subcommand; options may come before or after it. */
	while ((c = getopt_long(argc, argv, CW_CLI_SHORTOPTS "f:", longopts, NULL)) != -1) {
		int k = cw_cli_opt(&o, c, optarg);
		if (k < 0)
			return CW_EXIT_USAGE;
		if (k)
			continue;
		if (c == 'f' && (format = cw_kb_format_parse(optarg)) >= 0)
			continue;
		if (c == 'f')
			fprintf(stderr, "claimwire kb: unknown format '%s'\n", optarg);
		fputs(usage_text, stderr);
		return CW_EXIT_USAGE;
	}
	if ((rc = cw_cli_finish(&o, usage_text, &cfg)) >= 0)
		return rc;
	sub = optind < argc ? argv[optind++] : NULL;
	if (!sub || (strcmp(sub, "load") == 0 && optind >= argc) ||
	    (strcmp(sub, "get") == 0 && optind + 1 != argc) ||
	    (strcmp(sub, "stats") == 0 && optind != argc) ||
	    (strcmp(sub, "load") && strcmp(sub, "get") && strcmp(sub, "stats"))) {
		fputs(usage_text, stderr);
		rc = CW_EXIT_USAGE;
		goto out;
	}
	r = cw_redis_new(cfg, err, sizeof(err));
	if (!r) {
		fprintf(stderr, "claimwire: %s\n", err);
		rc = CW_EXIT_CONFIG;
		goto out;
	}
	if (cw_redis_ping(r, err, sizeof(err)) < 0) {
		fprintf(stderr, "claimwire: %s\n", err);
		rc = CW_EXIT_FAILURE;
		goto out;
	}
	if (strcmp(sub, "load") == 0)
		rc = do_load(r, cfg, (enum cw_kb_format)format, argv + optind, argc - optind);
	else if (strcmp(sub, "stats") == 0)
		rc = do_stats(r);
	else
		rc = do_get(r, argv[optind]);
out:
	cw_redis_free(r);
	cw_config_free(cfg);
	return rc;
}
