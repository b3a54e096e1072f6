/*
 * main.c — `claimwire ingest`: reads articles from files, folders and stdin,
 * and produces one Article record per article to topics.articles, keyed by
 * the article id.  Records it cannot use go to the dead-letter topic with
 * their original bytes.  The parsing and cleaning is in ingest/parse.c and
 * friends; this file only reads inputs and talks to the broker.
 *
 * Exit codes: 0 when every record (articles and dead letters) was
 * acknowledged by the broker, 1 when an input could not be read or a record
 * was not acknowledged, 2 on a usage error, 3 on a configuration error.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/commands.h"
#include "extract/normalize.h"
#include "ingest/ingest.h"
#include "lib/cli.h"
#include "lib/common.h"
#include "lib/log.h"
#include "lib/producer.h"
#include "proto/claimwire.pb-c.h"

static const char usage_text[] =
    "usage: claimwire ingest [options] [INPUT...]\n\n"
    "Reads news articles and produces them, cleaned, to the articles topic.\n"
    "INPUT is a file, a folder (read recursively in name order: *.txt *.md\n"
    "*.jsonl *.json *.xml *.rss *.atom), or - for standard input (the default).\n"
    "Formats: plain-text articles (request, outlet and headline lines at the top\n"
    "are recognised), JSON lines or arrays of {id, outlet, url, title, published,\n"
    "body}.  Unusable records go to the dead-letter topic.\n\n"
    "options:\n"
    "  -o, --outlet NAME     outlet of articles whose input names none\n"
    "  -l, --language TAG    language of articles that do not say (default en)\n"
    "  -f, --format FMT      text, json or feed: skip detection (for stdin)\n" CW_CLI_HELP
    "\nexit status: 0 all records acknowledged, 1 a failure, 2 usage, 3 configuration\n";

enum { OPT_OUTLET = CW_OPT_FIRST_OWN, OPT_LANGUAGE, OPT_FORMAT };

struct ingest_run {
	struct cw_producer *p;
	const char *input; /* name of the input being read */
	size_t max_dead_letter;
	unsigned long long articles, dead_letters;
	int failed; /* a record could not be queued */
};

static int on_article(struct cw_ingest_article *a, void *opaque)
{
	struct ingest_run *r = opaque;
	Claimwire__Article pb;
	uint8_t *buf;
	size_t len;

	/* The function, not the INIT macro: the macro casts const away. */
	claimwire__article__init(&pb);
	pb.schema_version = CLAIMWIRE__SCHEMA_VERSION__SCHEMA_VERSION_1;
	pb.id = a->id;
	pb.outlet = a->outlet;
	pb.url = a->url;
	pb.title = a->title;
	pb.body = a->body;
	pb.published = a->published;
	pb.ingested_ms = cw_now_ms();
	pb.language = a->language;
	pb.body_simhash = a->body_simhash;
	pb.body_fingerprint = a->body_fingerprint;
	pb.source = a->source;
	len = claimwire__article__get_packed_size(&pb);
	buf = cw_xmalloc(len ? len : 1);
	claimwire__article__pack(&pb, buf);
	if (cw_producer_send(r->p, "topics.articles", a->id, strlen(a->id), buf, len, NULL) < 0) {
		cw_err("msg=\"cannot queue article\" id=%s source=\"%s\"", a->id, a->source);
		r->failed = 1;
	} else {
		r->articles++;
		cw_debug("msg=\"article\" id=%s outlet=\"%s\" source=\"%s\" bytes=%zu", a->id,
		         a->outlet, a->source, a->body_len);
	}
	free(buf);
	return 0;
}

static int on_reject(const char *bytes, size_t len, const char *error, void *opaque)
{
	struct ingest_run *r = opaque;
	char cut[640];
	const char *err = error;

	if (len > r->max_dead_letter) {
		snprintf(cut, sizeof(cut), "%s (first %zu of %zu bytes kept)", error,
		         r->max_dead_letter, len);
		err = cut;
		len = r->max_dead_letter;
	}
	if (cw_producer_dead_letter(r->p, err, NULL, -1, -1, r->input, NULL, 0, bytes, len, NULL) <
	    0) {
		cw_err("msg=\"cannot queue dead letter\" source=\"%s\"", r->input);
		r->failed = 1;
	} else {
		r->dead_letters++;
	}
	return 0;
}

struct names {
	char **v;
	size_t n, cap;
};

static void names_push(struct names *ns, char *s)
{
	if (ns->n == ns->cap) {
		ns->cap = ns->cap ? ns->cap * 2 : 16;
		ns->v = cw_xrealloc(ns->v, ns->cap * sizeof(*ns->v));
	}
	ns->v[ns->n++] = s;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds the wanted files under dir, recursively, in name order (hidden files
 * and folders skipped).  Returns 0 or CW_ERR_IO (logged). */
static int walk(const char *dir, struct names *out)
{
	struct names here = {0};
	struct dirent *de;
	DIR *d = opendir(dir);
	int rc = CW_OK;

	if (!d) {
		cw_err("msg=\"cannot open folder\" path=\"%s\" error=\"%s\"", dir, strerror(errno));
		return CW_ERR_IO;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		size_t l = strlen(dir) + strlen(de->d_name) + 2;
		char *path = cw_xmalloc(l);
		snprintf(path, l, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/",
		         de->d_name);
		names_push(&here, path);
	}
	closedir(d);
	qsort(here.v, here.n, sizeof(*here.v), cmp_str);
	for (size_t i = 0; i < here.n; i++) {
		struct stat st;
		if (stat(here.v[i], &st) < 0) {
			free(here.v[i]);
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			if (walk(here.v[i], out) < 0)
				rc = CW_ERR_IO;
			free(here.v[i]);
		} else if (S_ISREG(st.st_mode) && cw_ingest_wanted_name(here.v[i])) {
			names_push(out, here.v[i]);
		} else {
			free(here.v[i]);
		}
	}
	free(here.v);
	return rc;
}

/* The Snowball stemmer for a BCP 47 tag; English when unknown. */
static const char *snowball_language(const char *tag)
{
	static const char *const map[][2] = {
	    {"en", "english"}, {"de", "german"},     {"fr", "french"},    {"es", "spanish"},
	    {"it", "italian"}, {"pt", "portuguese"}, {"nl", "dutch"},     {"ru", "russian"},
	    {"sv", "swedish"}, {"no", "norwegian"},  {"nb", "norwegian"}, {"da", "danish"},
	    {"fi", "finnish"},
	};
	for (size_t i = 0; i < CW_ARRAY_SIZE(map); i++) {
		size_t l = strlen(map[i][0]);
		if (!strncmp(tag, map[i][0], l) && (tag[l] == '\0' || tag[l] == '-'))
			return map[i][1];
	}
	return "english";
}

int cw_ingest_command(int argc, char **argv)
{
	static const struct option longopts[] = {
	    CW_CLI_LONGOPTS,
	    {"outlet", required_argument, NULL, 'o'},
	    {"language", required_argument, NULL, 'l'},
	    {"format", required_argument, NULL, 'f'},
	    {NULL, 0, NULL, 0},
	};
	struct cw_cli_opts o = {0};
	struct cw_config *cfg = NULL;
	struct cw_norm *nz = NULL;
	struct names inputs = {0};
	struct ingest_run r = {0};
	struct cw_ingest_opts io = {0};
	enum cw_ingest_format fmt = CW_INGEST_AUTO;
	const char *outlet = NULL, *language = NULL;
	size_t max_input;
	int c, rc;
	char err[512];

	optind = 1;
	while ((c = getopt_long(argc, argv, CW_CLI_SHORTOPTS "o:l:f:", longopts, NULL)) != -1) {
		int k = cw_cli_opt(&o, c, optarg);
		if (k < 0)
			return CW_EXIT_USAGE;
		if (k)
			continue;
		if (c == 'o') {
			outlet = optarg;
		} else if (c == 'l') {
			language = optarg;
		} else if (c == 'f' && !strcmp(optarg, "text")) {
			fmt = CW_INGEST_TEXT;
		} else if (c == 'f' && !strcmp(optarg, "json")) {
			fmt = CW_INGEST_JSON;
		} else if (c == 'f' && !strcmp(optarg, "feed")) {
			fmt = CW_INGEST_FEED;
		} else {
			fputs(usage_text, stderr);
			return CW_EXIT_USAGE;
		}
	}
	if ((rc = cw_cli_finish(&o, usage_text, &cfg)) >= 0)
		return rc;
	rc = CW_EXIT_FAILURE;

	if (optind == argc)
		names_push(&inputs, cw_xstrdup("-"));
	for (int i = optind; i < argc; i++) {
		struct stat st;
		if (strcmp(argv[i], "-") && stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			if (walk(argv[i], &inputs) < 0)
				r.failed = 1;
		} else {
			names_push(&inputs, cw_xstrdup(argv[i]));
		}
	}

	io.default_outlet = outlet ? outlet : cw_config_str(cfg, "ingest.outlet");
	io.language = language ? language : cw_config_str(cfg, "ingest.language");
	io.max_article_bytes = (size_t)cw_config_int(cfg, "ingest.max_article_bytes");
	max_input = (size_t)cw_config_int(cfg, "ingest.max_input_bytes");
	r.max_dead_letter = (size_t)cw_config_int(cfg, "ingest.max_dead_letter_bytes");
	nz = cw_norm_new(snowball_language(io.language ? io.language : "en"), err, sizeof(err));
	if (!nz) {
		fprintf(stderr, "claimwire ingest: %s\n", err);
		goto out;
	}
	io.nz = nz;
	r.p = cw_producer_new(cfg, "ingest", err, sizeof(err));
	if (!r.p) {
		fprintf(stderr, "claimwire ingest: %s\n", err);
		goto out;
	}

	struct cw_ingest_sink sink = {on_article, on_reject, &r};
	for (size_t i = 0; i < inputs.n; i++) {
		const char *name = strcmp(inputs.v[i], "-") ? inputs.v[i] : "stdin";
		char *buf = NULL;
		size_t len = 0;

		if (cw_read_file(inputs.v[i], max_input, &buf, &len, err, sizeof(err)) < 0) {
			cw_err("msg=\"cannot read input\" error=\"%s\"", err);
			r.failed = 1;
			continue;
		}
		r.input = name;
		cw_ingest_parse(name, buf, len, fmt, &io, &sink);
		free(buf);
		cw_producer_poll(r.p);
	}

	if (cw_producer_flush(r.p, (int)cw_config_int(cfg, "ingest.flush_timeout_ms"), err,
	                      sizeof(err)) < 0) {
		cw_err("msg=\"records not acknowledged\" error=\"%s\"", err);
		r.failed = 1;
	}
	fprintf(stderr, "ingested %llu articles (%llu dead letters) from %zu inputs\n", r.articles,
	        r.dead_letters, inputs.n);
	rc = r.failed ? CW_EXIT_FAILURE : CW_EXIT_OK;
out:
	cw_producer_free(r.p);
	cw_norm_free(nz);
	for (size_t i = 0; i < inputs.n; i++)
		free(inputs.v[i]);
	free(inputs.v);
	cw_config_free(cfg);
	return rc;
}
