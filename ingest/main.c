/*
 * main.c — `claimwire ingest`: reads articles from files, folders and stdin,
 * and produces one Article record per article to topics.articles, keyed by
 * the article id.  Records it cannot use go to the dead-letter topic with
 * their original bytes.  The parsing and cleaning is in ingest/parse.c and
 * friends; this file only reads inputs and talks to the broker.
 *
 * With --follow DIR it keeps polling the folder every second for files that
 * are new or changed (ingest/follow.h: what was ingested is kept in a state
 * file) until SIGTERM or SIGINT.
 *
 * Exit codes: 0 when every record (articles and dead letters) was
 * acknowledged by the broker, 1 when an input could not be read or a record
 * was not acknowledged, 2 on a usage error, 3 on a configuration error.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/commands.h"
#include "extract/normalize.h"
#include "ingest/follow.h"
#include "ingest/ingest.h"
#include "ingest/metrics.h"
#include "lib/cli.h"
#include "lib/common.h"
#include "lib/log.h"
#include "lib/producer.h"
#include "lib/redis.h"
#include "proto/claimwire.pb-c.h"

static const char usage_text[] =
    "usage: claimwire ingest [options] [INPUT...]\n\n"
    "Reads news articles and produces them, cleaned, to the articles topic.\n"
    "INPUT is a file, a folder (read recursively in name order: *.txt *.md\n"
    "*.jsonl *.json *.xml *.rss *.atom), or - for standard input (the default).\n"
    "Formats: plain-text articles (request, outlet and headline lines at the top\n"
    "are recognised), JSON lines or arrays of {id, outlet, url, title, published,\n"
    "body}, RSS 2.0 and Atom feeds (the channel title is the outlet).  Unusable\n"
    "records, and malformed feeds as a whole, go to the dead-letter topic.\n\n"
    "options:\n"
    "  -o, --outlet NAME     outlet of articles whose input names none, and of\n"
    "                        every item of a feed\n"
    "  -l, --language TAG    language of articles that do not say (default en)\n"
    "  -f, --format FMT      text, json or feed: skip detection (for stdin)\n"
    "  -F, --follow DIR      keep polling DIR every second for new or changed files\n"
    "                        (once their size and time held still for a poll) until\n"
    "                        SIGTERM or SIGINT\n"
    "  -s, --state FILE      with --follow: the record of files already ingested\n"
    "                        (default DIR/.claimwire-ingest.state)\n" CW_CLI_HELP
    "\nexit status: 0 all records acknowledged, 1 a failure, 2 usage, 3 configuration\n";

/* One poll of a followed folder every this many milliseconds. */
#define FOLLOW_POLL_MS 1000

struct ingest_run {
	struct cw_producer *p;
	const struct cw_config *cfg;
	const struct cw_ingest_opts *io;
	enum cw_ingest_format fmt;
	size_t max_input;
	const char *input; /* name of the input being read */
	size_t max_dead_letter;
	unsigned long long articles, dead_letters, inputs;
	struct cw_ingest_counts reported; /* what metrics_flush last added */
	struct cw_redis *metrics;         /* best effort: counters for /metrics */
	int failed;                       /* a record could not be queued */
};

static volatile sig_atomic_t stop_requested;

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
	cw_qsort(here.v, here.n, sizeof(*here.v), cmp_str);
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

/* Adds the counts since the last call to Redis for /metrics.  Best effort:
 * a Redis that is down or refuses costs the counts (logged at info), never
 * the run. */
static void metrics_flush(struct ingest_run *r)
{
	struct cw_ingest_counts d = {r->articles - r->reported.articles,
	                             r->dead_letters - r->reported.dead_letters,
	                             r->inputs - r->reported.inputs};
	char err[256] = "no redis configuration";

	if (!d.articles && !d.dead_letters && !d.inputs)
		return;
	if (!r->metrics || cw_ingest_metrics_add(r->metrics, &d, err, sizeof(err)) < 0) {
		cw_info("msg=\"metrics not recorded\" error=\"%s\"", err);
		return;
	}
	r->reported = (struct cw_ingest_counts){r->articles, r->dead_letters, r->inputs};
}

/* Reads and parses one input ("-" is standard input).  Returns 0, or
 * CW_ERR_IO when it could not be read (logged). */
static int read_input(struct ingest_run *r, const char *path)
{
	const char *name = strcmp(path, "-") ? path : "stdin";
	struct cw_ingest_sink sink = {on_article, on_reject, r};
	char *buf = NULL, err[512];
	size_t len = 0;

	if (cw_read_file(path, r->max_input, &buf, &len, err, sizeof(err)) < 0) {
		cw_err("msg=\"cannot read input\" error=\"%s\"", err);
		return CW_ERR_IO;
	}
	r->input = name;
	r->inputs++;
	cw_ingest_parse(name, buf, len, r->fmt, r->io, &sink);
	free(buf);
	cw_producer_poll(r->p);
	return CW_OK;
}

static int flush(struct ingest_run *r)
{
	char err[512];

	if (cw_producer_flush(r->p, (int)cw_config_int(r->cfg, "ingest.flush_timeout_ms"), err,
	                      sizeof(err)) < 0) {
		cw_err("msg=\"records not acknowledged\" error=\"%s\"", err);
		return CW_ERR;
	}
	return CW_OK;
}

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* Ingests one file of a followed folder and records it once its records are
 * acknowledged.  rel is its path relative to the folder (the state's key). */
static void follow_file(struct ingest_run *r, struct cw_ingest_seen *state, const char *path,
                        const char *rel, const struct stat *st)
{
	int64_t mtime = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
	char err[256];

	r->failed = 0;
	/* An unreadable file (over the size cap, no permission) is recorded too:
	 * it is logged once, not every poll. */
	read_input(r, path);
	if (flush(r) < 0 || r->failed) {
		cw_warn("msg=\"not recorded, will retry\" path=\"%s\"", path);
		return;
	}
	if (cw_ingest_seen_add(state, rel, (int64_t)st->st_size, mtime, err, sizeof(err)) < 0)
		cw_err("msg=\"cannot record ingested file\" path=\"%s\" error=\"%s\"", path, err);
	else
		cw_info("msg=\"ingested\" path=\"%s\"", path);
}

/* Polls dir until SIGTERM or SIGINT.  A file is taken when its size and
 * mtime are the same as at the previous poll (so not while it is being
 * written) and differ from what the state file recorded.  Returns 0, or
 * CW_ERR when the state file cannot be used or the last flush failed. */
static int follow(struct ingest_run *r, const char *dir, const char *state_path)
{
	struct sigaction sa = {0};
	struct cw_ingest_seen *state, *prev = NULL;
	size_t skip = strlen(dir) + (dir[strlen(dir) - 1] == '/' ? 0 : 1);
	char err[512];
	int rc = CW_OK;

	state = cw_ingest_seen_open(state_path, err, sizeof(err));
	if (!state) {
		cw_err("msg=\"cannot follow\" error=\"%s\"", err);
		return CW_ERR;
	}
	sa.sa_handler = on_stop_signal; /* no SA_RESTART: a stop ends the sleep */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	cw_info("msg=\"following\" dir=\"%s\" state=\"%s\" recorded=%zu", dir, state_path,
	        cw_ingest_seen_count(state));
	prev = cw_ingest_seen_open(NULL, err, sizeof(err));
	while (!stop_requested) {
		struct cw_ingest_seen *now = cw_ingest_seen_open(NULL, err, sizeof(err));
		struct names files = {0};

		walk(dir, &files);
		for (size_t i = 0; i < files.n && !stop_requested; i++) {
			struct stat st;
			const char *rel = files.v[i] + skip;
			if (stat(files.v[i], &st) < 0 || strchr(rel, '\n'))
				continue;
			int64_t mtime =
			    (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
			if (cw_ingest_seen_has(state, rel, (int64_t)st.st_size, mtime))
				continue;
			if (cw_ingest_seen_has(prev, rel, (int64_t)st.st_size, mtime))
				follow_file(r, state, files.v[i], rel, &st);
			else
				cw_ingest_seen_add(now, rel, (int64_t)st.st_size, mtime, err,
				                   sizeof(err));
		}
		for (size_t i = 0; i < files.n; i++)
			free(files.v[i]);
		free(files.v);
		cw_ingest_seen_free(prev);
		prev = now;
		metrics_flush(r);
		for (int t = 0; t < FOLLOW_POLL_MS / 100 && !stop_requested; t++) {
			struct timespec ts = {0, 100 * 1000000L};
			nanosleep(&ts, NULL);
			cw_producer_poll(r->p);
		}
	}
	cw_info("msg=\"stopping\" reason=signal");
	if (flush(r) < 0)
		rc = CW_ERR;
	cw_ingest_seen_free(prev);
	cw_ingest_seen_free(state);
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
	    {"follow", required_argument, NULL, 'F'},
	    {"state", required_argument, NULL, 's'},
	    {NULL, 0, NULL, 0},
	};
	struct cw_cli_opts o = {0};
	struct cw_config *cfg = NULL;
	struct cw_norm *nz = NULL;
	struct names inputs = {0};
	struct ingest_run r = {0};
	struct cw_ingest_opts io = {0};
	enum cw_ingest_format fmt = CW_INGEST_AUTO;
	const char *outlet = NULL, *language = NULL, *follow_dir = NULL, *state = NULL;
	char *state_alloc = NULL;
	int c, rc;
	char err[512];

	optind = 1;
	while ((c = getopt_long(argc, argv, CW_CLI_SHORTOPTS "o:l:f:F:s:", longopts, NULL)) != -1) {
		int k = cw_cli_opt(&o, c, optarg);
		if (k < 0)
			return CW_EXIT_USAGE;
		if (k)
			continue;
		if (c == 'o') {
			outlet = optarg;
		} else if (c == 'l') {
			language = optarg;
		} else if (c == 'F') {
			follow_dir = optarg;
		} else if (c == 's') {
			state = optarg;
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
	if (follow_dir ? optind != argc || !*follow_dir : state != NULL) {
		fprintf(stderr, "claimwire ingest: --follow takes no other inputs; --state needs "
		                "--follow\n");
		rc = CW_EXIT_USAGE;
		goto out;
	}
	if (follow_dir && !state) {
		size_t l = strlen(follow_dir) + sizeof("/.claimwire-ingest.state");
		state = state_alloc = cw_xmalloc(l);
		snprintf(state_alloc, l, "%s/.claimwire-ingest.state", follow_dir);
	}

	if (optind == argc && !follow_dir)
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
	io.outlet = outlet; /* --outlet also wins over a feed's channel title */
	io.language = language ? language : cw_config_str(cfg, "ingest.language");
	io.max_article_bytes = (size_t)cw_config_int(cfg, "ingest.max_article_bytes");
	r.cfg = cfg;
	r.io = &io;
	r.fmt = fmt;
	r.max_input = (size_t)cw_config_int(cfg, "ingest.max_input_bytes");
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

	r.metrics = cw_redis_new(cfg, err, sizeof(err));
	if (!r.metrics)
		cw_info("msg=\"no metrics\" error=\"%s\"", err);

	if (follow_dir) {
		rc = follow(&r, follow_dir, state) < 0 ? CW_EXIT_FAILURE : CW_EXIT_OK;
		metrics_flush(&r);
		goto out;
	}
	for (size_t i = 0; i < inputs.n; i++) {
		if (read_input(&r, inputs.v[i]) < 0)
			r.failed = 1;
	}
	if (flush(&r) < 0)
		r.failed = 1;
	fprintf(stderr, "ingested %llu articles (%llu dead letters) from %zu inputs\n", r.articles,
	        r.dead_letters, inputs.n);
	metrics_flush(&r);
	rc = r.failed ? CW_EXIT_FAILURE : CW_EXIT_OK;
out:
	cw_redis_free(r.metrics);
	cw_producer_free(r.p);
	free(state_alloc);
	cw_norm_free(nz);
	for (size_t i = 0; i < inputs.n; i++)
		free(inputs.v[i]);
	free(inputs.v);
	cw_config_free(cfg);
	return rc;
}
