/*
 * cli.h — what every claimwire command shares on its command line:
 *
 *   -c, --config FILE    the YAML configuration (default: none, defaults only)
 *   -X key=value         override one configuration key (repeatable)
 *       --check-config   validate the configuration, print it with -v, exit
 *   -v, --verbose        more logging (repeatable); -q, --quiet less
 *   -h, --help / -V, --version
 *
 * A command builds its getopt_long table from CW_CLI_SHORTOPTS and
 * CW_CLI_LONGOPTS, passes every option to cw_cli_opt(), then loads its
 * configuration with cw_cli_load_config().
 */
#ifndef CW_CLI_H
#define CW_CLI_H

#include <getopt.h>
#include <stdio.h>

#include "lib/config.h"

#define CW_CLI_MAX_X 128

enum { CW_OPT_CHECK_CONFIG = 0x1000, CW_OPT_BATCH, CW_OPT_FIRST_OWN = 0x1100 };

#define CW_CLI_SHORTOPTS "c:X:vqhV"
#define CW_CLI_LONGOPTS                                                                            \
	{"config", required_argument, NULL, 'c'},                                                  \
	    {"check-config", no_argument, NULL, CW_OPT_CHECK_CONFIG},                              \
	    {"verbose", no_argument, NULL, 'v'}, {"quiet", no_argument, NULL, 'q'},                \
	    {"help", no_argument, NULL, 'h'},                                                      \
	{                                                                                          \
		"version", no_argument, NULL, 'V'                                                  \
	}

/* Text for the common options, to print in a command's --help. */
#define CW_CLI_HELP                                                                                \
	"  -c, --config FILE     configuration file (YAML)\n"                                      \
	"  -X KEY=VALUE          set a configuration key, e.g. -X match.thresholds.confirm=0.9\n"  \
	"      --check-config    validate the configuration and exit (with -v: print it)\n"        \
	"  -v, --verbose         more logging; -q, --quiet: less\n"                                \
	"  -h, --help            this text\n"                                                      \
	"  -V, --version         print the version\n"

struct cw_cli_opts {
	const char *config_path;
	char *xargs[CW_CLI_MAX_X];
	size_t nx;
	int check_config;
	int verbosity; /* 0 = info; +1 per -v, -1 per -q */
	int help;
	int version;
};

/* The program's full schema (every stage's keys), set once by main().
 * Until then (or after setting NULL) it is the shared runtime's keys,
 * cw_lib_config_keys, alone.  Not copied: schemas must stay valid. */
void cw_cli_set_schemas(const struct cw_config_key *const *schemas);
const struct cw_config_key *const *cw_cli_schemas(void);

/* Takes one getopt_long result.  Returns 1 when it was a common option, 0
 * when the command must handle it, -1 on a usage error (message printed). */
int cw_cli_opt(struct cw_cli_opts *o, int c, const char *arg);

/* Defaults, the file (when o->config_path; else $CLAIMWIRE_CONFIG when set
 * and not empty), CLAIMWIRE_* environment, then -X in order.  Sets the log
 * level from log.level and o->verbosity.  The caller frees *out. */
int cw_cli_load_config(const struct cw_cli_opts *o, struct cw_config **out, char *errstr,
                       size_t errsize);

/* The usual tail of option handling: prints help/version or checks the
 * config.  Returns -1 to go on, with the configuration in *cfg (the caller
 * frees it), or the exit code to return now: 0 after --help, --version or a
 * good --check-config ("configuration ok" on stdout, then every key with
 * -v); CW_EXIT_CONFIG after printing "claimwire: <error>" on stderr. */
int cw_cli_finish(const struct cw_cli_opts *o, const char *usage, struct cw_config **cfg);

/*
 * The whole command line of a command that takes only the common options and
 * --batch (the extract and match workers): parses argv, prints help or the
 * version, loads and checks the configuration.  Returns -1 with *cfg (the
 * caller frees it) and *batch set when the command should run, or the exit
 * code to return now.
 */
int cw_cli_worker_args(int argc, char **argv, const char *usage, struct cw_config **cfg,
                       int *batch);

/* A topic named on the command line: "articles", "claims", "verdicts",
 * "review" and "dlq" stand for the configured topics.<name>; anything else
 * is a topic name.  Borrowed from cfg or name. */
const char *cw_cli_topic(const struct cw_config *cfg, const char *name);

/* Exit codes of every claimwire command. */
enum {
	CW_EXIT_OK = 0,
	CW_EXIT_FAILURE = 1, /* runtime failure: broker, Redis, a worker */
	CW_EXIT_USAGE = 2,   /* bad command line */
	CW_EXIT_CONFIG = 3,  /* bad configuration */
};

#endif
