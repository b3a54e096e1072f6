/*
 * keys.c — the shared runtime's configuration keys, with their defaults.
 */
#include "lib/keys.h"

const struct cw_config_key cw_lib_config_keys[] = {
    {"log.level", CW_CONF_STRING, "info", 0, 0, "emerg..debug or 0-7"},

    {"topics.articles", CW_CONF_STRING, "cw.articles", 0, 0, "Article records"},
    {"topics.claims", CW_CONF_STRING, "cw.claims", 0, 0, "Claim records"},
    {"topics.verdicts", CW_CONF_STRING, "cw.verdicts", 0, 0, "Verdict records"},
    {"topics.review", CW_CONF_STRING, "cw.review", 0, 0,
     "check-worthy claims with no confirmed fact-check"},
    {"topics.dlq", CW_CONF_STRING, "cw.dlq", 0, 0, "dead letters"},

    {"worker.group_prefix", CW_CONF_STRING, "claimwire", 0, 0,
     "consumer group of a stage is <prefix>-<stage>"},
    {"worker.batch_size", CW_CONF_INT, "500", 1, 100000, "records per processed batch"},
    {"worker.poll_ms", CW_CONF_INT, "200", 1, 60000, "longest wait for a batch to fill"},
    {"worker.idle_ms", CW_CONF_INT, "1500", 0, 3600000,
     "batch mode: idle time at EOF on every partition before exiting"},
    {"worker.max_record_bytes", CW_CONF_INT, "4194304", 1024, 104857600,
     "larger input records go to the dead-letter topic"},
    {"worker.retry_backoff_ms", CW_CONF_INT, "200", 1, 600000,
     "first wait before retrying a batch when Redis is down (doubles, up to 10 s)"},
    {"worker.max_lag_bytes", CW_CONF_INT, "0", 0, 1099511627776.0,
     "backpressure: bytes a producer may run ahead of the consumer group downstream, "
     "per partition (0 = off; the embedded broker keeps only ~5 MiB per partition)"},

    {"redis.host", CW_CONF_STRING, "127.0.0.1", 0, 0, "Redis host"},
    {"redis.port", CW_CONF_INT, "6379", 1, 65535, "Redis port"},
    {"redis.socket", CW_CONF_STRING, NULL, 0, 0, "Redis unix socket (wins over host/port)"},
    {"redis.password", CW_CONF_STRING, NULL, 0, 0, "AUTH password"},
    {"redis.db", CW_CONF_INT, "0", 0, 15, "database number"},
    {"redis.connect_timeout_ms", CW_CONF_INT, "2000", 1, 600000, "connect timeout"},
    {"redis.command_timeout_ms", CW_CONF_INT, "5000", 1, 600000, "command timeout"},
    {"redis.key_prefix", CW_CONF_STRING, "cw:", 0, 0, "prefix of every key claimwire writes"},

    {"broker.partitions", CW_CONF_INT, "4", 1, 1024, "embedded broker: partitions per topic"},
    {"broker.brokers", CW_CONF_INT, "1", 1, 16, "embedded broker: number of brokers"},
    {NULL, 0, NULL, 0, 0, NULL},
};
