/*
 * cli.c — the command-line options every claimwire command shares, and the
 * one way a command turns them into a configuration: schema defaults, the
 * file, CLAIMWIRE_* environment, then -X, so that precedence and error
 * messages are the same for every worker.
 */
#include "lib/cli.h"

#include <librdkafka/rdkafka.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/common.h"
#include "lib/keys.h"
#include "lib/log.h"
#include "lib/producer.h"

#ifndef CW_VERSION
#define CW_VERSION "unknown"
#endif

/* Until main() sets the program's schema, the shared runtime's keys. */
static const struct cw_config_key *const lib_only[] = {cw_lib_config_keys, NULL};
static const struct cw_config_key *const *cli_schemas = lib_only;

void cw_cli_set_schemas(const struct cw_config_key *const *schemas)
{
	cli_schemas = schemas ? schemas : lib_only;
}

const struct cw_config_key *const *cw_cli_schemas(void)
{
	return cli_schemas;
}

int cw_cli_opt(struct cw_cli_opts *o, int c, const char *arg)
{
	switch (c) {
	case 'c':
		o->config_path = arg;
		return 1;
	case 'X':
		if (!strchr(arg, '=') || arg[0] == '=') {
			fprintf(stderr, "claimwire: -X: expected key=value, got '%s'\n", arg);
			return -1;
		}
		if (o->nx >= CW_CLI_MAX_X) {
			fprintf(stderr, "claimwire: more than %d -X options\n", CW_CLI_MAX_X);
			return -1;
		}
		/* arg is getopt's optarg, a pointer into the writable argv. */
		o->xargs[o->nx++] = (char *)(uintptr_t)arg;
		return 1;
	case CW_OPT_CHECK_CONFIG:
		o->check_config = 1;
		return 1;
	case 'v':
		o->verbosity++;
		return 1;
	case 'q':
		o->verbosity--;
		return 1;
	case 'h':
		o->help = 1;
		return 1;
	case 'V':
		o->version = 1;
		return 1;
	case '?':
	case ':':
		return -1; /* getopt_long has printed what was wrong */
	}
	return 0;
}

int cw_cli_load_config(const struct cw_cli_opts *o, struct cw_config **out, char *errstr,
                       size_t errsize)
{
	struct cw_config *cfg = cw_config_new(cw_cli_schemas());
	const char *path = o->config_path;
	int rc, level;

	if (!path) {
		path = getenv("CLAIMWIRE_CONFIG");
		if (path && !*path)
			path = NULL;
	}
	if (path && (rc = cw_config_load_file(cfg, path, errstr, errsize)))
		goto out;
	if ((rc = cw_config_load_env(cfg, environ, errstr, errsize)))
		goto out;
	for (size_t i = 0; i < o->nx; i++)
		if ((rc = cw_config_set_arg(cfg, o->xargs[i], "-X", errstr, errsize)))
			goto out;
	if (cw_config_is_declared(cfg, "log.level")) {
		const char *name = cw_config_str(cfg, "log.level");
		level = cw_log_parse_level(name ? name : "info");
		if (level < 0) {
			snprintf(errstr, errsize,
			         "%s: key 'log.level': expected emerg..debug or 0-7, got '%s'",
			         cw_config_origin(cfg, "log.level"), name);
			rc = CW_ERR_INVALID;
			goto out;
		}
	} else {
		level = CW_LOG_INFO;
	}
	level += o->verbosity;
	cw_log_set_level(CW_MAX(CW_LOG_EMERG, CW_MIN(CW_LOG_DEBUG, level)));
	*out = cfg;
	cfg = NULL;
	rc = 0;
out:
	cw_config_free(cfg);
	return rc;
}

int cw_cli_finish(const struct cw_cli_opts *o, const char *usage, struct cw_config **cfg)
{
	struct cw_config *loaded = NULL;
	char err[1024];

	if (o->help) {
		fputs(usage, stdout);
		return CW_EXIT_OK;
	}
	if (o->version) {
		printf("claimwire %s\n", CW_VERSION);
		return CW_EXIT_OK;
	}
	if (cw_cli_load_config(o, &loaded, err, sizeof(err))) {
		fprintf(stderr, "claimwire: %s\n", err);
		return CW_EXIT_CONFIG;
	}
	if (o->check_config) {
		/* librdkafka judges the kafka: properties; ask it now rather
		 * than at the first worker's start. */
		rd_kafka_conf_t *kc = rd_kafka_conf_new();
		int bad = cw_kafka_conf_from_config(loaded, kc, err, sizeof(err));
		rd_kafka_conf_destroy(kc);
		if (bad) {
			fprintf(stderr, "claimwire: %s\n", err);
			cw_config_free(loaded);
			return CW_EXIT_CONFIG;
		}
		printf("configuration ok\n");
		if (o->verbosity > 0)
			cw_config_dump(loaded, stdout);
		fflush(stdout);
		cw_config_free(loaded);
		return CW_EXIT_OK;
	}
	*cfg = loaded;
	return -1;
}

int cw_cli_worker_args(int argc, char **argv, const char *usage, struct cw_config **cfg, int *batch)
{
	static const struct option longopts[] = {
	    CW_CLI_LONGOPTS,
	    {"batch", no_argument, NULL, CW_OPT_BATCH},
	    {NULL, 0, NULL, 0},
	};
	struct cw_cli_opts o = {0};
	int c;

	*batch = 0;
	while ((c = getopt_long(argc, argv, CW_CLI_SHORTOPTS, longopts, NULL)) != -1) {
		int r = cw_cli_opt(&o, c, optarg);
		if (r < 0)
			return CW_EXIT_USAGE;
		if (r)
			continue;
		if (c != CW_OPT_BATCH) {
			fputs(usage, stderr);
			return CW_EXIT_USAGE;
		}
		*batch = 1;
	}
	if (optind < argc) {
		fprintf(stderr, "claimwire %s: unexpected argument '%s'\n", argv[0], argv[optind]);
		return CW_EXIT_USAGE;
	}
	return cw_cli_finish(&o, usage, cfg);
}

const char *cw_cli_topic(const struct cw_config *cfg, const char *name)
{
	static const char *const keys[][2] = {
	    {"articles", "topics.articles"}, {"claims", "topics.claims"},
	    {"verdicts", "topics.verdicts"}, {"review", "topics.review"},
	    {"dlq", "topics.dlq"},
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(name, keys[i][0]))
			return cw_config_str(cfg, keys[i][1]);
	return name;
}
