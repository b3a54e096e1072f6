/*
 * tail.c — `claimwire tail TOPIC`: print a topic's records as JSON lines,
 * decoded by topic (Article, Claim, Verdict), dead letters with their error
 * headers.  Reads without a consumer group (no offsets committed), from the
 * beginning, like `kcat -C -e`.
 */
#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "lib/cli.h"
#include "lib/common.h"
#include "lib/log.h"
#include "lib/pbjson.h"
#include "lib/producer.h"
#include "proto/claimwire.pb-c.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static const char usage_text[] =
    "usage: claimwire tail [options] TOPIC\n\n"
    "Prints the records of TOPIC (articles, claims, verdicts, review, dlq, or a\n"
    "topic name) as JSON lines, from the beginning.\n\n"
    "options:\n"
    "  -e, --exit            exit at the end of every partition\n"
    "  -n, --count N         exit after N records\n" CW_CLI_HELP;

static const ProtobufCMessageDescriptor *descriptor_for(const struct cw_config *cfg,
                                                        const char *topic)
{
	if (!strcmp(topic, cw_config_str(cfg, "topics.articles")))
		return &claimwire__article__descriptor;
	if (!strcmp(topic, cw_config_str(cfg, "topics.claims")))
		return &claimwire__claim__descriptor;
	if (!strcmp(topic, cw_config_str(cfg, "topics.verdicts")) ||
	    !strcmp(topic, cw_config_str(cfg, "topics.review")))
		return &claimwire__verdict__descriptor;
	return NULL;
}

static void print_record(const rd_kafka_message_t *m, const ProtobufCMessageDescriptor *d)
{
	json_t *o = json_object();
	rd_kafka_headers_t *h = NULL;
	char *line;

	json_object_set_new(o, "topic", json_string(rd_kafka_topic_name(m->rkt)));
	json_object_set_new(o, "partition", json_integer(m->partition));
	json_object_set_new(o, "offset", json_integer(m->offset));
	if (m->key)
		json_object_set_new(o, "key", json_stringn((const char *)m->key, m->key_len));
	if (!rd_kafka_message_headers(m, &h)) {
		json_t *hj = json_object();
		const char *name;
		const void *val;
		size_t sz;
		for (size_t i = 0; !rd_kafka_header_get_all(h, i, &name, &val, &sz); i++)
			json_object_set_new(hj, name, json_stringn(val ? val : "", val ? sz : 0));
		json_object_set_new(o, "headers", hj);
	}
	ProtobufCMessage *pm =
	    d ? protobuf_c_message_unpack(d, NULL, m->len, (const uint8_t *)m->payload) : NULL;
	if (pm) {
		json_object_set_new(o, "value", cw_pb_to_json(pm, 0));
		protobuf_c_message_free_unpacked(pm, NULL);
	} else {
		json_t *s = json_stringn((const char *)m->payload, m->len);
		json_object_set_new(o, "value_len", json_integer((json_int_t)m->len));
		if (s)
			json_object_set_new(o, "value_text", s);
	}
	line = json_dumps(o, JSON_COMPACT);
	if (line) {
		puts(line);
		free(line);
	}
	json_decref(o);
}

int cw_tail_command(int argc, char **argv)
{
	static const struct option longopts[] = {
	    CW_CLI_LONGOPTS,
	    {"exit", no_argument, NULL, 'e'},
	    {"count", required_argument, NULL, 'n'},
	    {NULL, 0, NULL, 0},
	};
	struct cw_cli_opts o = {0};
	struct cw_config *cfg = NULL;
	int c, rc, at_end = 0, eofs = 0, nparts = -1;
	long count = -1, seen = 0;
	rd_kafka_t *rk = NULL;
	rd_kafka_conf_t *conf = NULL;
	char err[512];
	const char *topic;

	while ((c = getopt_long(argc, argv, CW_CLI_SHORTOPTS "en:", longopts, NULL)) != -1) {
		int r = cw_cli_opt(&o, c, optarg);
		if (r < 0)
			return CW_EXIT_USAGE;
		if (r)
			continue;
		if (c == 'e')
			at_end = 1;
		else if (c == 'n')
			count = strtol(optarg, NULL, 10);
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

	conf = rd_kafka_conf_new();
	if (cw_kafka_conf_from_config(cfg, conf, err, sizeof(err)) ||
	    rd_kafka_conf_set(conf, "group.id", "claimwire-tail", err, sizeof(err)) ||
	    rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof(err)) ||
	    rd_kafka_conf_set(conf, "enable.partition.eof", "true", err, sizeof(err))) {
		fprintf(stderr, "claimwire tail: %s\n", err);
		rd_kafka_conf_destroy(conf);
		goto out;
	}
	rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
	if (!rk) {
		fprintf(stderr, "claimwire tail: %s\n", err);
		rd_kafka_conf_destroy(conf);
		goto out;
	}
	{
		const struct rd_kafka_metadata *md = NULL;
		rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
		rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, rkt, &md, 10000);
		rd_kafka_topic_partition_list_t *parts;
		rd_kafka_topic_destroy(rkt);
		if (e || md->topic_cnt < 1 || md->topics[0].err) {
			fprintf(stderr, "claimwire tail: no topic '%s': %s\n", topic,
			        rd_kafka_err2str(e ? e : md->topics[0].err));
			if (md)
				rd_kafka_metadata_destroy(md);
			goto out;
		}
		nparts = md->topics[0].partition_cnt;
		parts = rd_kafka_topic_partition_list_new(nparts);
		for (int i = 0; i < nparts; i++)
			rd_kafka_topic_partition_list_add(parts, topic, i)->offset =
			    RD_KAFKA_OFFSET_BEGINNING;
		rd_kafka_metadata_destroy(md);
		rd_kafka_assign(rk, parts);
		rd_kafka_topic_partition_list_destroy(parts);
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	const ProtobufCMessageDescriptor *d = descriptor_for(cfg, topic);
	while (!stop && (count < 0 || seen < count)) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 200);
		if (!m)
			continue;
		if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
			if (at_end && ++eofs >= nparts)
				stop = 1;
		} else if (m->err) {
			fprintf(stderr, "claimwire tail: %s\n", rd_kafka_message_errstr(m));
		} else {
			print_record(m, d);
			seen++;
		}
		rd_kafka_message_destroy(m);
	}
	fflush(stdout);
	rc = 0;
out:
	if (rk) {
		rd_kafka_consumer_close(rk);
		rd_kafka_destroy(rk);
	}
	cw_config_free(cfg);
	return rc;
}
