/*
 * main.c — `claimwire report`: the report worker.  Verdicts and dead letters
 * in; the Redis aggregate, the output files, the dashboard and the terminal
 * summary out.
 *
 * Every batch of Verdict records (topics.verdicts) and dead letters
 * (topics.dlq) is stored in Redis in one pipelined round trip before the
 * worker stores the batch's offsets, so nothing is lost by a crash, and the
 * idempotent store scripts make the redelivery harmless.  A Verdict that does
 * not unpack goes to the dead-letter topic after the batch is stored.
 *
 * With report.retention_s set, the worker also trims the aggregate's indexes
 * of what has expired, once a minute (or once per retention, if shorter).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/commands.h"
#include "lib/cli.h"
#include "lib/common.h"
#include "lib/log.h"
#include "lib/worker.h"
#include "proto/claimwire.pb-c.h"
#include "report/backfill.h"
#include "report/http.h"
#include "report/report.h"
#include "report/store.h"

enum {
	OPT_OUT = CW_OPT_FIRST_OWN,
	OPT_SERVE,
	OPT_SUMMARY,
	OPT_FROM_JSONL,
};

static const char usage_text[] =
    "usage: claimwire report [options]\n\n"
    "Consumes verdicts (topics.verdicts) and dead letters (topics.dlq), keeps the\n"
    "report in Redis, serves the dashboard (report.http_port) and writes the\n"
    "verdicts as JSON lines and CSV and a self-contained HTML report.\n\n"
    "options:\n"
    "      --batch           exit once the input is consumed (also on SIGUSR1)\n"
    "      --out DIR         write DIR/verdicts.jsonl, DIR/verdicts.csv, DIR/report.html\n"
    "                        at exit and every report.write_interval_s\n"
    "      --serve           keep the dashboard up after the batch ends, until SIGTERM\n"
    "      --summary         print a plain-text summary of every article at exit\n"
    "      --from-jsonl FILE store verdicts from a JSON lines file (verdicts.jsonl\n"
    "                        format, - for stdin) instead of consuming Kafka\n" CW_CLI_HELP
    "\nexit codes: 0 ok, 1 runtime failure, 2 usage, 3 configuration\n";

struct report_worker {
	struct cw_store *store;
	const char *verdicts_topic, *dlq_topic;
	const char *out_dir;
	long long interval_ms;
	int64_t next_write_ms;
	size_t max_articles;
	long long trim_interval_ms; /* 0: nothing expires, nothing to trim */
	int64_t next_trim_ms;
};

/* The trim is cheap when there is little to take out, and the readers skip
 * what has expired meanwhile: a minute between trims is plenty. */
#define TRIM_INTERVAL_MS 60000LL

static char *header_copy(rd_kafka_headers_t *hdrs, const char *name)
{
	const void *val;
	size_t size;
	if (!hdrs ||
	    rd_kafka_header_get_last(hdrs, name, &val, &size) != RD_KAFKA_RESP_ERR_NO_ERROR || !val)
		return NULL;
	return cw_xstrndup(val, size);
}

static void write_files(struct report_worker *rw)
{
	char err[512];
	if (!rw->out_dir)
		return;
	if (cw_report_write_files(rw->store, rw->out_dir, rw->max_articles, err, sizeof err) < 0)
		cw_warn("msg=\"cannot write the report files\" dir=\"%s\" error=\"%s\"",
		        rw->out_dir, err);
	else
		cw_debug("msg=\"report files written\" dir=\"%s\"", rw->out_dir);
}

static int process(struct cw_worker *w, rd_kafka_message_t **msgs, size_t n, void *opaque)
{
	struct report_worker *rw = opaque;
	struct cw_store_verdict *vs = cw_xcalloc(n ? n : 1, sizeof *vs);
	struct cw_store_dead_letter *ds = cw_xcalloc(n ? n : 1, sizeof *ds);
	size_t *bad = cw_xcalloc(n ? n : 1, sizeof *bad);
	size_t nv = 0, nd = 0, nbad = 0;
	char err[512];
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		rd_kafka_message_t *m = msgs[i];
		if (m->err)
			continue;
		const char *topic = rd_kafka_topic_name(m->rkt);
		if (strcmp(topic, rw->dlq_topic) == 0) {
			rd_kafka_headers_t *hdrs = NULL;
			rd_kafka_message_headers(m, &hdrs);
			struct cw_store_dead_letter *d = &ds[nd++];
			d->stage = header_copy(hdrs, "cw.stage");
			d->error = header_copy(hdrs, "cw.error");
			d->topic = header_copy(hdrs, "cw.topic");
			d->source_partition = header_copy(hdrs, "cw.partition");
			d->source_offset = header_copy(hdrs, "cw.offset");
			d->key = m->key;
			d->keylen = m->key_len;
			d->value = m->payload;
			d->len = m->len;
			d->partition = m->partition;
			d->offset = m->offset;
			rd_kafka_timestamp_type_t tstype;
			int64_t ts = rd_kafka_message_timestamp(m, &tstype);
			d->at_ms = ts > 0 ? ts : cw_now_ms();
			continue;
		}
		Claimwire__Verdict *v =
		    m->payload ? claimwire__verdict__unpack(NULL, m->len, m->payload) : NULL;
		if (!v || !v->claim || !v->claim->article_id || !*v->claim->article_id) {
			if (v)
				claimwire__verdict__free_unpacked(v, NULL);
			bad[nbad++] = i;
			continue;
		}
		vs[nv].verdict = v;
		vs[nv].bytes = m->payload;
		vs[nv].len = m->len;
		nv++;
	}
	rc = cw_store_add_verdicts(rw->store, vs, nv, err, sizeof err);
	if (rc == 0)
		rc = cw_store_add_dead_letters(rw->store, ds, nd, err, sizeof err);
	if (rc == CW_ERR_RETRY)
		cw_warn("msg=\"redis unavailable, batch will be retried\" error=\"%s\"", err);
	else if (rc < 0)
		cw_err("msg=\"cannot store the batch\" error=\"%s\"", err);
	else
		for (size_t i = 0; i < nbad; i++)
			cw_worker_dead_letter(w, msgs[bad[i]], "cannot unpack Verdict record");
	for (size_t i = 0; i < nv; i++)
		claimwire__verdict__free_unpacked((Claimwire__Verdict *)(uintptr_t)vs[i].verdict,
		                                  NULL);
	for (size_t i = 0; i < nd; i++) {
		free((void *)(uintptr_t)ds[i].stage);
		free((void *)(uintptr_t)ds[i].error);
		free((void *)(uintptr_t)ds[i].topic);
		free((void *)(uintptr_t)ds[i].source_partition);
		free((void *)(uintptr_t)ds[i].source_offset);
	}
	free(vs);
	free(ds);
	free(bad);
	return rc;
}

static void trim(struct report_worker *rw, int64_t now)
{
	char err[512];
	size_t removed;
	if (rw->trim_interval_ms <= 0 || now < rw->next_trim_ms)
		return;
	rw->next_trim_ms = now + rw->trim_interval_ms;
	if (cw_store_trim(rw->store, &removed, err, sizeof err) < 0)
		cw_warn("msg=\"cannot trim expired articles and claims\" error=\"%s\"", err);
	else if (removed)
		cw_debug("msg=\"expired articles and claims trimmed\" removed=%zu", removed);
}

static void tick(struct cw_worker *w, void *opaque)
{
	struct report_worker *rw = opaque;
	(void)w;
	int64_t now = cw_mono_ms();
	trim(rw, now);
	if (!rw->out_dir || rw->interval_ms <= 0)
		return;
	if (now < rw->next_write_ms)
		return;
	rw->next_write_ms = now + rw->interval_ms;
	write_files(rw);
}

/* Keeps the process (and the dashboard thread) alive until SIGTERM/SIGINT.
 * The worker's signal handlers (lib/worker.c) stay in place after its loop,
 * so one signal stops the report whether it comes during the batch or
 * after: a worker stopped by a signal never starts serving. */
static void serve_until_signal(void)
{
	cw_worker_install_signals(); /* for --from-jsonl, which has not yet */
	cw_info("msg=\"batch done; the dashboard stays up until SIGTERM\"");
	while (!cw_worker_stop_requested()) {
		struct timespec ts = {0, 100 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
}

int cw_report_command(int argc, char **argv)
{
	static const struct option longopts[] = {
	    CW_CLI_LONGOPTS,
	    {"batch", no_argument, NULL, CW_OPT_BATCH},
	    {"out", required_argument, NULL, OPT_OUT},
	    {"serve", no_argument, NULL, OPT_SERVE},
	    {"summary", no_argument, NULL, OPT_SUMMARY},
	    {"from-jsonl", required_argument, NULL, OPT_FROM_JSONL},
	    {NULL, 0, NULL, 0},
	};
	struct cw_cli_opts o;
	struct cw_config *cfg = NULL;
	struct cw_store *store = NULL;
	struct cw_http *http = NULL;
	int batch = 0, serve = 0, summary = 0, c, rc;
	const char *out_dir = NULL, *from_jsonl = NULL;
	char err[1024];

	memset(&o, 0, sizeof o);
	cw_log_init("report", CW_LOG_INFO);
	optind = 1;
	while ((c = getopt_long(argc, argv, CW_CLI_SHORTOPTS, longopts, NULL)) != -1) {
		int common = cw_cli_opt(&o, c, optarg);
		if (common < 0)
			return CW_EXIT_USAGE;
		if (common)
			continue;
		switch (c) {
		case CW_OPT_BATCH:
			batch = 1;
			break;
		case OPT_OUT:
			out_dir = optarg;
			break;
		case OPT_SERVE:
			serve = 1;
			break;
		case OPT_SUMMARY:
			summary = 1;
			break;
		case OPT_FROM_JSONL:
			from_jsonl = optarg;
			break;
		default:
			fputs(usage_text, stderr);
			return CW_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "claimwire report: unexpected argument '%s'\n", argv[optind]);
		return CW_EXIT_USAGE;
	}
	if ((rc = cw_cli_finish(&o, usage_text, &cfg)) >= 0)
		return rc;
	rc = CW_EXIT_FAILURE;
	if (!from_jsonl)
		cw_worker_install_signals();
	if (!out_dir)
		out_dir = cw_config_str(cfg, "report.out_dir");

	store = cw_store_new(cfg, err, sizeof err);
	if (!store) {
		fprintf(stderr, "claimwire report: %s\n", err);
		rc = CW_EXIT_CONFIG;
		goto out;
	}
	int port = (int)cw_config_int(cfg, "report.http_port");
	if (port > 0) {
		/* The dashboard reads Redis on its own connection. */
		struct cw_store *hs = cw_store_new(cfg, err, sizeof err);
		struct cw_http_params hp = {
		    .bind = cw_config_str(cfg, "report.http_bind"),
		    .port = port,
		    .refresh_s = (int)cw_config_int(cfg, "report.refresh_s"),
		    .max_url_bytes = (size_t)cw_config_int(cfg, "report.max_url_bytes"),
		    .connections = (unsigned)cw_config_int(cfg, "report.http_connections"),
		};
		http = hs ? cw_http_start(&hp, hs, err, sizeof err) : NULL;
		if (!http && !cw_config_is_set(cfg, "report.http_port")) {
			/* The default port is taken (another run, another tool):
			 * any free port will do, and the address is printed. */
			cw_warn("msg=\"default dashboard port taken, using a free one\" port=%d",
			        port);
			hs = cw_store_new(cfg, err, sizeof err);
			hp.port = 0;
			http = hs ? cw_http_start(&hp, hs, err, sizeof err) : NULL;
		}
		if (http) {
			printf("claimwire: dashboard at http://%s:%d/\n", hp.bind,
			       cw_http_port(http));
			fflush(stdout);
		}
		if (!http) {
			fprintf(stderr, "claimwire report: dashboard: %s\n", err);
			goto out;
		}
	}

	struct report_worker rw = {
	    .store = store,
	    .verdicts_topic = cw_config_str(cfg, "topics.verdicts"),
	    .dlq_topic = cw_config_str(cfg, "topics.dlq"),
	    .out_dir = out_dir,
	    .interval_ms = cw_config_int(cfg, "report.write_interval_s") * 1000,
	    .next_write_ms = cw_mono_ms() + cw_config_int(cfg, "report.write_interval_s") * 1000,
	    .max_articles = (size_t)cw_config_int(cfg, "report.file_max_articles"),
	    .trim_interval_ms =
	        CW_MIN(cw_config_int(cfg, "report.retention_s") * 1000, TRIM_INTERVAL_MS),
	};
	if (from_jsonl) {
		size_t stored, bad;
		if (cw_backfill_file(store, from_jsonl, &stored, &bad, err, sizeof err) < 0) {
			fprintf(stderr, "claimwire report: --from-jsonl: %s\n", err);
			goto out;
		}
		cw_info("msg=\"verdicts loaded\" file=\"%s\" stored=%zu bad=%zu", from_jsonl,
		        stored, bad);
		rc = CW_EXIT_OK;
	} else {
		static const char *const inputs[] = {"topics.verdicts", "topics.dlq", NULL};
		struct cw_worker_spec spec = {
		    .stage = "report",
		    .input_topic_keys = inputs,
		    .process = process,
		    .tick = tick,
		    .opaque = &rw,
		};
		rc = cw_worker_run(&spec, cfg, batch);
	}
	write_files(&rw);
	if (summary &&
	    cw_report_print_summary(store, stdout, rw.max_articles, out_dir, err, sizeof err) < 0) {
		fprintf(stderr, "claimwire report: summary: %s\n", err);
		if (rc == CW_EXIT_OK)
			rc = CW_EXIT_FAILURE;
	}
	if (serve && http && rc == CW_EXIT_OK && !cw_worker_stop_requested())
		serve_until_signal();
	else if (serve && cw_worker_stop_requested())
		cw_info("msg=\"stopped by a signal during the batch; not serving\"");
out:
	cw_http_stop(http);
	cw_store_free(store);
	cw_config_free(cfg);
	return rc;
}
