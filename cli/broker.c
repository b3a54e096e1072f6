/*
 * broker.c — `claimwire broker`: the embedded Kafka broker for one machine.
 *
 * It serves librdkafka's in-process mock cluster on loopback: the real Kafka
 * protocol, real consumer groups and offsets, no durability.  It creates the
 * configured topics, prints its bootstrap address, and runs until SIGTERM or
 * SIGINT.  The mock keeps only about 5 MiB per partition and drops older
 * records silently; producers in claimwire bound how far they run ahead of
 * their consumers (worker.max_lag_bytes) so that nothing is lost to it.
 */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "lib/cli.h"
#include "lib/common.h"
#include "lib/log.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static const char usage_text[] =
    "usage: claimwire broker [options]\n\n"
    "Runs the embedded Kafka broker (librdkafka's mock cluster) on loopback,\n"
    "creates the configured topics, prints 'bootstrap.servers=HOST:PORT' and\n"
    "runs until SIGTERM or SIGINT.  Not durable: for one machine and tests.\n\n"
    "options:\n"
    "  -b, --bootstrap-file FILE  also write the bootstrap address to FILE\n"
    "  -p, --partitions N         partitions per topic (broker.partitions)\n" CW_CLI_HELP;

static const char *const topic_keys[] = {"topics.articles", "topics.claims", "topics.verdicts",
                                         "topics.review", "topics.dlq"};

static void log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	(void)rk;
	cw_log(level, "msg=\"librdkafka\" facility=%s detail=\"%s\"", fac, buf);
}

int cw_broker_command(int argc, char **argv)
{
	static const struct option longopts[] = {
	    CW_CLI_LONGOPTS,
	    {"bootstrap-file", required_argument, NULL, 'b'},
	    {"partitions", required_argument, NULL, 'p'},
	    {NULL, 0, NULL, 0},
	};
	struct cw_cli_opts o = {0};
	struct cw_config *cfg = NULL;
	const char *bootstrap_file = NULL;
	long partitions = 0;
	rd_kafka_t *rk = NULL;
	rd_kafka_mock_cluster_t *mc = NULL;
	rd_kafka_conf_t *conf;
	char err[512];
	int c, rc = CW_EXIT_FAILURE;

	while ((c = getopt_long(argc, argv, CW_CLI_SHORTOPTS "b:p:", longopts, NULL)) != -1) {
		int r = cw_cli_opt(&o, c, optarg);
		if (r < 0)
			return CW_EXIT_USAGE;
		if (r)
			continue;
		if (c == 'b') {
			bootstrap_file = optarg;
		} else if (c == 'p') {
			partitions = strtol(optarg, NULL, 10);
			if (partitions < 1 || partitions > 1024) {
				fprintf(stderr, "claimwire broker: --partitions takes 1..1024\n");
				return CW_EXIT_USAGE;
			}
		} else {
			fputs(usage_text, stderr);
			return CW_EXIT_USAGE;
		}
	}
	if ((rc = cw_cli_finish(&o, usage_text, &cfg)) >= 0)
		return rc;
	rc = CW_EXIT_FAILURE;
	if (!partitions)
		partitions = cw_config_int(cfg, "broker.partitions");

	conf = rd_kafka_conf_new();
	rd_kafka_conf_set_log_cb(conf, log_cb);
	/* This handle only hosts the cluster and never connects anywhere: its
	 * notice that no bootstrap.servers is set is noise. */
	rd_kafka_conf_set(conf, "log_level", "4", err, sizeof(err));
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
	if (!rk) {
		rd_kafka_conf_destroy(conf);
		cw_err("msg=\"cannot create kafka handle\" error=\"%s\"", err);
		goto out;
	}
	mc = rd_kafka_mock_cluster_new(rk, (int)cw_config_int(cfg, "broker.brokers"));
	if (!mc) {
		cw_err("msg=\"cannot start the mock cluster\"");
		goto out;
	}
	for (size_t i = 0; i < CW_ARRAY_SIZE(topic_keys); i++) {
		const char *topic = cw_config_str(cfg, topic_keys[i]);
		rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(mc, topic, (int)partitions, 1);
		if (e) {
			cw_err("msg=\"cannot create topic\" topic=%s error=\"%s\"", topic,
			       rd_kafka_err2str(e));
			goto out;
		}
	}

	const char *bootstraps = rd_kafka_mock_cluster_bootstraps(mc);
	printf("bootstrap.servers=%s\n", bootstraps);
	fflush(stdout);
	if (bootstrap_file) {
		/* Written whole then renamed, so a reader never sees half of it. */
		char tmp[4096];
		FILE *f;
		snprintf(tmp, sizeof(tmp), "%s.tmp", bootstrap_file);
		f = fopen(tmp, "w");
		if (!f || fprintf(f, "%s\n", bootstraps) < 0 || fclose(f) ||
		    rename(tmp, bootstrap_file)) {
			cw_err("msg=\"cannot write bootstrap file\" path=\"%s\"", bootstrap_file);
			goto out;
		}
	}
	cw_info("msg=\"broker ready\" bootstrap=%s partitions=%ld", bootstraps, partitions);

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	while (!stop)
		pause();
	cw_info("msg=\"broker stopping\"");
	rc = 0;
out:
	if (mc)
		rd_kafka_mock_cluster_destroy(mc);
	if (rk)
		rd_kafka_destroy(rk);
	cw_config_free(cfg);
	return rc;
}
