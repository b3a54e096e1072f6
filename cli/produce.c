/*
 * produce.c — `claimwire produce TOPIC`: write records to a topic from
 * standard input, one record per line (or the whole input as one record with
 * --whole), like `kcat -P`.  For operators replaying or injecting records,
 * and for the tests that feed a junk record to a worker.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "lib/cli.h"
#include "lib/common.h"
#include "lib/log.h"
#include "lib/producer.h"

static const char usage_text[] =
    "usage: claimwire produce [options] TOPIC < records\n\n"
    "Produces each line of standard input as one record to TOPIC (articles,\n"
    "claims, verdicts, review, dlq, or a topic name), then waits until all\n"
    "are acknowledged.\n\n"
    "options:\n"
    "  -k, --key KEY         record key\n"
    "  -w, --whole           standard input is one record\n" CW_CLI_HELP;

int cw_produce_command(int argc, char **argv)
{
	static const struct option longopts[] = {
	    CW_CLI_LONGOPTS,
	    {"key", required_argument, NULL, 'k'},
	    {"whole", no_argument, NULL, 'w'},
	    {NULL, 0, NULL, 0},
	};
	struct cw_cli_opts o = {0};
	struct cw_config *cfg = NULL;
	struct cw_producer *p = NULL;
	const char *key = NULL;
	int whole = 0, c, rc;
	char err[512];
	char *line = NULL;
	const char *topic;
	size_t cap = 0, n = 0;
	ssize_t len;

	while ((c = getopt_long(argc, argv, CW_CLI_SHORTOPTS "k:w", longopts, NULL)) != -1) {
		int r = cw_cli_opt(&o, c, optarg);
		if (r < 0)
			return CW_EXIT_USAGE;
		if (r)
			continue;
		if (c == 'k')
			key = optarg;
		else if (c == 'w')
			whole = 1;
		else {
			fputs(usage_text, stderr);
			return CW_EXIT_USAGE;
		}
	}
	if ((rc = cw_cli_finish(&o, usage_text, &cfg)) >= 0)
		return rc;
	rc = CW_EXIT_FAILURE;
	if (optind != argc - 1) {
		fputs(usage_text, stderr);
		rc = CW_EXIT_USAGE;
		goto out;
	}
	topic = cw_cli_topic(cfg, argv[optind]);
	p = cw_producer_new(cfg, "produce", err, sizeof(err));
	if (!p) {
		fprintf(stderr, "claimwire produce: %s\n", err);
		goto out;
	}
	if (whole) {
		char *buf;
		size_t blen;
		if (cw_read_file("-", (size_t)1 << 30, &buf, &blen, err, sizeof(err))) {
			fprintf(stderr, "claimwire produce: %s\n", err);
			goto out;
		}
		rc = cw_producer_send_named(p, topic, key, key ? strlen(key) : 0, buf, blen, NULL);
		free(buf);
		n = 1;
	} else {
		rc = 0;
		while (!rc && (len = getline(&line, &cap, stdin)) >= 0) {
			if (len && line[len - 1] == '\n')
				line[--len] = '\0';
			rc = cw_producer_send_named(p, topic, key, key ? strlen(key) : 0, line,
			                            (size_t)len, NULL);
			n++;
		}
	}
	if (rc || cw_producer_flush(p, 30000, err, sizeof(err))) {
		fprintf(stderr, "claimwire produce: %s\n", rc ? "produce failed" : err);
		rc = CW_EXIT_FAILURE;
		goto out;
	}
	fprintf(stderr, "produced %zu records to %s\n", n, topic);
	rc = 0;
out:
	free(line);
	cw_producer_free(p);
	cw_config_free(cfg);
	return rc;
}
