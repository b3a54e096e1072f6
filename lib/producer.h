/*
 * producer.h — an idempotent Kafka producer with the two guarantees every
 * claimwire stage relies on:
 *
 *  - flush tells whether every record produced so far was acknowledged, so a
 *    caller stores input offsets (or reports success) only after that;
 *  - backpressure: with worker.max_lag_bytes > 0, send() blocks while this
 *    producer's unconsumed bytes on the target partition (records past the
 *    committed offset of the downstream consumer group) exceed the limit.
 *    The embedded broker keeps only ~5 MiB per partition and drops older
 *    records silently; this bound is what makes a local run lossless.
 */
#ifndef CW_PRODUCER_H
#define CW_PRODUCER_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>

#include "lib/config.h"

struct cw_producer;

/* Creates a producer from the kafka.* keys (enable.idempotence=true).  stage
 * names it in logs and dead letters.  NULL with errstr on failure. */
struct cw_producer *cw_producer_new(const struct cw_config *cfg, const char *stage, char *errstr,
                                    size_t errsize);
/* Flushes (up to 10 s) and frees; NULL is a no-op. */
void cw_producer_free(struct cw_producer *p);

/* Produces one record to the topic named by configuration key topic_key
 * ("topics.articles"); key and value are copied.  headers: NULL or
 * NULL-terminated name/value pairs.  May block for backpressure.  Returns 0,
 * or CW_ERR when the record could not be queued. */
int cw_producer_send(struct cw_producer *p, const char *topic_key, const void *key, size_t keylen,
                     const void *value, size_t len, const char *const *headers);

/* The same, to a topic given by name rather than by configuration key. */
int cw_producer_send_named(struct cw_producer *p, const char *topic, const void *key, size_t keylen,
                           const void *value, size_t len, const char *const *headers);

/* Sends bytes a stage could not use to the dead-letter topic, with headers
 * cw.stage, cw.error, cw.topic, cw.partition, cw.offset (the last three from
 * the source record when there is one: topic NULL for a file, then source
 * names it, e.g. "examples/articles/x.txt:12"). */
int cw_producer_dead_letter(struct cw_producer *p, const char *error, const char *source_topic,
                            int32_t partition, int64_t offset, const char *source, const void *key,
                            size_t keylen, const void *value, size_t len,
                            const rd_kafka_headers_t *orig_headers);

/* Waits until every record sent so far is acknowledged or failed.  Returns 0
 * when all were delivered, CW_ERR (errstr says the first failure) otherwise. */
int cw_producer_flush(struct cw_producer *p, int timeout_ms, char *errstr, size_t errsize);

/* Serves delivery reports without blocking; call from poll loops. */
void cw_producer_poll(struct cw_producer *p);

rd_kafka_t *cw_producer_handle(struct cw_producer *p);

/* A flag that, once non-zero, makes a send blocked on backpressure give up
 * (return CW_ERR) instead of waiting on: set by SIGTERM in a worker. */
void cw_producer_set_abort(struct cw_producer *p, volatile const int *flag);

/* Records produced and acknowledged so far. */
unsigned long long cw_producer_delivered(const struct cw_producer *p);

/* Configures an rd_kafka_conf_t from every kafka.* key, routing
 * librdkafka's logs to cw_log.  Errors name the key's origin (file:line). */
int cw_kafka_conf_from_config(const struct cw_config *cfg, rd_kafka_conf_t *conf, char *errstr,
                              size_t errsize);

#endif
