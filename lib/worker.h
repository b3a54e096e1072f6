/*
 * worker.h — the consume → process → produce loop every stage runs on.
 *
 * Delivery (see DESIGN.md): at-least-once.  The worker polls a batch, hands it
 * to the stage's process(), waits until every record the stage produced for
 * the batch is acknowledged by the broker, and only then stores the batch's
 * offsets (enable.auto.offset.store=false; the commit itself is librdkafka's
 * periodic auto-commit of stored offsets, and a final commit on close).  A
 * crash anywhere before that re-delivers the batch; outputs are keyed by
 * stable ids so that duplicates are harmless downstream.
 *
 * Batch mode (--batch, or SIGUSR1 to a running worker) exits 0 once every
 * assigned partition is at EOF and nothing arrived for worker.idle_ms.
 * SIGTERM/SIGINT: stop polling, finish and flush the batch in hand, store
 * offsets, close the consumer (committing), exit 0.
 */
#ifndef CW_WORKER_H
#define CW_WORKER_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>

#include "lib/config.h"

struct cw_worker;

struct cw_worker_spec {
	/* Stage name: logs, consumer group "<worker.group_prefix>-<stage>",
	 * and the "cw.stage" header of dead letters. */
	const char *stage;
	/* Configuration keys naming the topics consumed ("topics.articles"),
	 * NULL-terminated. */
	const char *const *input_topic_keys;
	/*
	 * Handles one polled batch (messages borrowed until it returns).  For
	 * every message it produces outputs with cw_worker_produce() or hands the
	 * message to cw_worker_dead_letter().  Returns 0; CW_ERR_RETRY when a
	 * dependency such as Redis is unavailable (the worker logs, backs off and
	 * calls again with the same batch, storing no offsets meanwhile); any
	 * other negative value stops the worker with exit code 1.
	 */
	int (*process)(struct cw_worker *w, rd_kafka_message_t **msgs, size_t n, void *opaque);
	/* Optional: called about once a second while running (timers, index
	 * refresh).  Must not block for long. */
	void (*tick)(struct cw_worker *w, void *opaque);
	void *opaque;
};

/* Runs the worker until stopped; returns the process exit code. */
int cw_worker_run(const struct cw_worker_spec *spec, const struct cw_config *cfg, int batch_mode);

/* Produces one record (key and value copied).  topic_key is a configuration
 * key ("topics.claims").  Headers: optional NULL-terminated name/value pairs
 * {"name", "value", ..., NULL}.  Returns 0 or a negative enum cw_err. */
int cw_worker_produce(struct cw_worker *w, const char *topic_key, const void *key, size_t keylen,
                      const void *value, size_t len, const char *const *headers);

/* Sends msg's original key, value and headers to the dead-letter topic with
 * headers cw.stage, cw.error, cw.topic, cw.partition, cw.offset added, and
 * logs it.  The worker goes on with the next message. */
void cw_worker_dead_letter(struct cw_worker *w, const rd_kafka_message_t *msg, const char *error);

const struct cw_config *cw_worker_config(const struct cw_worker *w);

/* Counters, readable from any thread: records consumed, produced, dead-lettered. */
struct cw_worker_stats {
	unsigned long long consumed, produced, dead_letters, batches, retries;
};
void cw_worker_get_stats(const struct cw_worker *w, struct cw_worker_stats *out);

/* Installs the worker's SIGTERM/SIGINT/SIGUSR1 handlers.  A worker's main()
 * calls it first thing, so that a signal arriving while the worker is still
 * starting (loading a model, the knowledge base) is remembered, not fatal.
 * cw_worker_run() installs them too. */
void cw_worker_install_signals(void);

/* Whether SIGTERM/SIGINT (or cw_worker_request_stop) asked the worker to
 * stop, as opposed to batch mode finding the input consumed.  The handlers
 * stay installed after cw_worker_run() returns, so a command that lingers
 * (the dashboard of `report --serve`) can wait on this. */
int cw_worker_stop_requested(void);

/* Asks the loop to stop as after SIGTERM (safe from a signal handler). */
void cw_worker_request_stop(void);

#endif
