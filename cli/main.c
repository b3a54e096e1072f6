/*
 * main.c — the front door: `claimwire <command> [options]`, git-style.
 * Each command lives with its stage; this file only dispatches.
 */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/schema.h"
#include "lib/cli.h"
#include "lib/log.h"
#include "lib/worker.h"

struct command {
	const char *name;
	const char *sub; /* second word for `train X` and `eval X`, else NULL */
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
    {"ingest", NULL, cw_ingest_command,
     "read articles (files, folders, JSON lines, stdin) into cw.articles"},
    {"extract", NULL, cw_extract_command,
     "worker: articles -> claims (sentences, check-worthiness, fingerprints)"},
    {"match", NULL, cw_match_command,
     "worker: claims -> verdicts (fact-check retrieval, sightings)"},
    {"report", NULL, cw_report_command, "worker: verdicts -> reports, dashboard, metrics"},
    {"kb", NULL, cw_kb_command, "knowledge base of fact-checks in Redis: load, stats, get"},
    {"broker", NULL, cw_broker_command, "run the embedded Kafka broker on loopback"},
    {"run", NULL, cw_run_command, "run the whole pipeline locally on some input, then stop"},
    {"tail", NULL, cw_tail_command, "print the records of a topic as JSON lines"},
    {"produce", NULL, cw_produce_command, "write records to a topic from standard input"},
    {"train", "checkworthiness", cw_train_checkworthiness_command,
     "train the check-worthiness model"},
    {"train", "matcher", cw_train_matcher_command, "train the fact-check re-ranker"},
    {"eval", "checkworthiness", cw_eval_checkworthiness_command,
     "evaluate check-worthiness (MAP, P@k)"},
    {"eval", "retrieval", cw_eval_retrieval_command, "evaluate fact-check retrieval (MAP@k, MRR)"},
    {"eval", "neardup", cw_eval_neardup_command,
     "evaluate near-duplicate joins (recall by Jaccard similarity)"},
};

static void usage(FILE *out)
{
	fprintf(out, "usage: claimwire <command> [options]\n\n"
	             "claimwire watches news and wire feeds for claims that have already been\n"
	             "fact-checked and for claims that many outlets repeat.\n\n"
	             "commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		char name[64];
		snprintf(name, sizeof(name), "%s%s%s", commands[i].name, commands[i].sub ? " " : "",
		         commands[i].sub ? commands[i].sub : "");
		fprintf(out, "  %-22s %s\n", name, commands[i].summary);
	}
	fprintf(out, "\n'claimwire <command> --help' describes a command's options.\n"
	             "exit codes: 0 ok, 1 runtime failure, 2 usage, 3 configuration\n");
}

int main(int argc, char **argv)
{
	cw_cli_set_schemas(cw_program_schemas);
	if (argc < 2) {
		usage(stderr);
		return CW_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("claimwire %s\n", CW_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		const struct command *c = &commands[i];
		if (strcmp(argv[1], c->name))
			continue;
		if (!c->sub) {
			cw_log_init(c->name, CW_LOG_INFO);
			if (c->fn == cw_extract_command || c->fn == cw_match_command ||
			    c->fn == cw_report_command)
				cw_worker_install_signals();
			return c->fn(argc - 1, argv + 1);
		}
		if (argc >= 3 && !strcmp(argv[2], c->sub)) {
			cw_log_init(c->name, CW_LOG_INFO);
			return c->fn(argc - 2, argv + 2);
		}
	}
	if (argc >= 2 && (!strcmp(argv[1], "train") || !strcmp(argv[1], "eval")))
		fprintf(stderr, "claimwire: '%s' needs 'checkworthiness' or '%s'\n", argv[1],
		        strcmp(argv[1], "train") ? "retrieval' or 'neardup" : "matcher");
	else
		fprintf(stderr, "claimwire: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return CW_EXIT_USAGE;
}
