/*
 * worker.c — the loop every stage runs: poll a batch, let the stage turn it
 * into outputs, wait for the broker to acknowledge all of them, and only then
 * store the batch's offsets.  See worker.h for the delivery rules.
 */
#include "lib/worker.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/common.h"
#include "lib/log.h"
#include "lib/producer.h"
#include "lib/redis.h"

static volatile int stop_requested; /* written only by signal handlers */
static volatile sig_atomic_t drain_requested;

struct assigned {
	char *topic;
	int32_t partition;
	int eof;
};

struct cw_worker {
	const struct cw_worker_spec *spec;
	const struct cw_config *cfg;
	rd_kafka_t *rk;
	struct cw_producer *prod;
	struct assigned *parts;
	size_t nparts;
	int assigned_once; /* a rebalance has happened: EOF state means something */
	int commit_each_batch;
	int batch_failed; /* a dead letter of this batch could not be sent */
	struct cw_worker_stats stats;
	struct cw_worker_stats reported; /* what metrics_flush last wrote */
	struct cw_redis *metrics;        /* best effort: counters for /metrics */
};

int cw_worker_stop_requested(void)
{
	return stop_requested != 0;
}

void cw_worker_request_stop(void)
{
	stop_requested = 1;
}

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		drain_requested = 1;
	else
		stop_requested = 1;
}

void cw_worker_install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	/* The local runner spawns workers with SIGUSR1 blocked, so that a
	 * drain request sent before this point waits, pending, until now. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

static void clear_assignment(struct cw_worker *w)
{
	for (size_t i = 0; i < w->nparts; i++)
		free(w->parts[i].topic);
	free(w->parts);
	w->parts = NULL;
	w->nparts = 0;
}

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
	struct cw_worker *w = opaque;

	clear_assignment(w);
	/* A revocation is a rebalance in progress, not an answer: batch mode
	 * waits for the next assignment before it trusts EOF state again. */
	w->assigned_once = err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS;
	if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
		w->parts = cw_xcalloc((size_t)parts->cnt, sizeof(*w->parts));
		for (int i = 0; i < parts->cnt; i++) {
			w->parts[i].topic = cw_xstrdup(parts->elems[i].topic);
			w->parts[i].partition = parts->elems[i].partition;
		}
		w->nparts = (size_t)parts->cnt;
		cw_info("msg=\"partitions assigned\" count=%d", parts->cnt);
		rd_kafka_assign(rk, parts);
	} else {
		cw_info("msg=\"partitions revoked\" count=%d", parts->cnt);
		rd_kafka_assign(rk, NULL);
	}
}

static void mark_eof(struct cw_worker *w, const char *topic, int32_t partition, int eof)
{
	for (size_t i = 0; i < w->nparts; i++)
		if (w->parts[i].partition == partition && !strcmp(w->parts[i].topic, topic))
			w->parts[i].eof = eof;
}

static int all_eof(const struct cw_worker *w)
{
	if (!w->assigned_once)
		return 0;
	for (size_t i = 0; i < w->nparts; i++)
		if (!w->parts[i].eof)
			return 0;
	return 1;
}

/*
 * EOF events go stale: a partition reported at its end stays marked so until
 * a record arrives, even when records were produced since and are not yet
 * fetched.  Before batch mode exits, ask the broker: every assigned partition
 * is really done when its high watermark is not past what this group has
 * consumed (our position, or the committed offset for partitions we read
 * nothing from).  A partition found behind is marked not at EOF.
 */
static int really_at_end(struct cw_worker *w)
{
	rd_kafka_topic_partition_list_t *pos, *com;
	int done = 1;

	if (!w->nparts)
		return 1;
	pos = rd_kafka_topic_partition_list_new((int)w->nparts);
	for (size_t i = 0; i < w->nparts; i++)
		rd_kafka_topic_partition_list_add(pos, w->parts[i].topic, w->parts[i].partition);
	com = rd_kafka_topic_partition_list_copy(pos);
	rd_kafka_position(w->rk, pos);
	if (rd_kafka_committed(w->rk, com, 5000)) {
		done = 0; /* cannot tell: look again on the next round */
		goto out;
	}
	for (int i = 0; i < pos->cnt; i++) {
		int64_t lo, hi, at = CW_MAX(pos->elems[i].offset, com->elems[i].offset);
		if (rd_kafka_query_watermark_offsets(w->rk, pos->elems[i].topic,
		                                     pos->elems[i].partition, &lo, &hi, 5000)) {
			done = 0;
			break;
		}
		if (at < lo) /* nothing read yet, or records dropped before we got to them */
			at = lo;
		if (hi > at) {
			mark_eof(w, pos->elems[i].topic, pos->elems[i].partition, 0);
			done = 0;
		}
	}
out:
	rd_kafka_topic_partition_list_destroy(pos);
	rd_kafka_topic_partition_list_destroy(com);
	return done;
}

static rd_kafka_t *make_consumer(struct cw_worker *w, char *errstr, size_t errsize)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char group[256], err[256];
	rd_kafka_t *rk = NULL;
	const char *props[][2] = {
	    {"group.id", group},
	    {"enable.auto.offset.store", "false"},
	    {"enable.partition.eof", "true"},
	    {"auto.offset.reset", "earliest"},
	};

	snprintf(group, sizeof(group), "%s-%s", cw_config_str(w->cfg, "worker.group_prefix"),
	         w->spec->stage);
	/* Our defaults first, so that the kafka: section can still override them
	 * (except the offset store, which the delivery rules depend on). */
	if (rd_kafka_conf_set(conf, "auto.commit.interval.ms", "1000", err, sizeof(err)) ||
	    cw_kafka_conf_from_config(w->cfg, conf, errstr, errsize))
		goto fail;
	for (size_t i = 0; i < CW_ARRAY_SIZE(props); i++) {
		if (rd_kafka_conf_set(conf, props[i][0], props[i][1], err, sizeof(err))) {
			snprintf(errstr, errsize, "kafka consumer: %s", err);
			goto fail;
		}
	}
	rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
	rd_kafka_conf_set_opaque(conf, w);
	rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
	if (!rk) {
		snprintf(errstr, errsize, "cannot create kafka consumer: %s", err);
		goto fail;
	}
	rd_kafka_poll_set_consumer(rk);
	return rk;
fail:
	rd_kafka_conf_destroy(conf);
	return NULL;
}

int cw_worker_produce(struct cw_worker *w, const char *topic_key, const void *key, size_t keylen,
                      const void *value, size_t len, const char *const *headers)
{
	int rc = cw_producer_send(w->prod, topic_key, key, keylen, value, len, headers);
	if (!rc)
		w->stats.produced++;
	return rc;
}

void cw_worker_dead_letter(struct cw_worker *w, const rd_kafka_message_t *msg, const char *error)
{
	rd_kafka_headers_t *h = NULL;

	rd_kafka_message_headers(msg, &h);
	if (!cw_producer_dead_letter(w->prod, error, rd_kafka_topic_name(msg->rkt), msg->partition,
	                             msg->offset, NULL, msg->key, msg->key_len, msg->payload,
	                             msg->len, h))
		w->stats.dead_letters++;
	else
		w->batch_failed = 1; /* not stored past a record that went nowhere */
}

const struct cw_config *cw_worker_config(const struct cw_worker *w)
{
	return w->cfg;
}

void cw_worker_get_stats(const struct cw_worker *w, struct cw_worker_stats *out)
{
	*out = w->stats;
}

/*
 * Adds what changed since the last call to the stage's counters in Redis
 * (hash <prefix>metrics:<stage>: consumed, produced, dead_letters, batches),
 * which the report worker serves on /metrics.  Best effort: a Redis outage
 * costs a lost increment, never a stalled batch.
 */
static void metrics_flush(struct cw_worker *w)
{
	struct cw_worker_stats d = w->stats;
	char key[256], err[256];
	redisReply **rep;
	size_t n;

	if (!w->metrics)
		return;
	d.consumed -= w->reported.consumed;
	d.produced -= w->reported.produced;
	d.dead_letters -= w->reported.dead_letters;
	d.batches -= w->reported.batches;
	cw_redis_key(w->metrics, key, sizeof(key), "metrics:%s", w->spec->stage);
	cw_redis_append(w->metrics, "HINCRBY %s consumed %llu", key, d.consumed);
	cw_redis_append(w->metrics, "HINCRBY %s produced %llu", key, d.produced);
	cw_redis_append(w->metrics, "HINCRBY %s dead_letters %llu", key, d.dead_letters);
	cw_redis_append(w->metrics, "HINCRBY %s batches %llu", key, d.batches);
	if (!cw_redis_exec(w->metrics, &rep, &n, err, sizeof(err)))
		w->reported = w->stats;
}

/* Stores offset+1 of the last message of each partition in the batch. */
static int store_offsets(struct cw_worker *w, rd_kafka_message_t **msgs, size_t n)
{
	rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new((int)n);
	rd_kafka_resp_err_t err;

	for (size_t i = 0; i < n; i++) {
		const char *topic = rd_kafka_topic_name(msgs[i]->rkt);
		rd_kafka_topic_partition_t *tp =
		    rd_kafka_topic_partition_list_find(list, topic, msgs[i]->partition);
		if (!tp)
			tp = rd_kafka_topic_partition_list_add(list, topic, msgs[i]->partition);
		if (msgs[i]->offset + 1 > tp->offset)
			tp->offset = msgs[i]->offset + 1;
	}
	err = rd_kafka_offsets_store(w->rk, list);
	rd_kafka_topic_partition_list_destroy(list);
	if (err && err != RD_KAFKA_RESP_ERR__STATE) {
		cw_err("msg=\"cannot store offsets\" error=\"%s\"", rd_kafka_err2str(err));
		return CW_ERR;
	}
	return 0;
}

/*
 * Runs one batch to completion: process (retrying while a dependency is
 * down), flush, store.  Returns 0, or CW_ERR when the worker must stop
 * without storing (outputs not acknowledged, or a stop during retries).
 */
static int run_batch(struct cw_worker *w, rd_kafka_message_t **msgs, size_t n,
                     rd_kafka_message_t **all, size_t nall)
{
	int64_t backoff = cw_config_int(w->cfg, "worker.retry_backoff_ms");
	char err[512];
	int rc;

	for (;;) {
		rc = n ? w->spec->process(w, msgs, n, w->spec->opaque) : 0;
		if (rc == 0 && w->batch_failed) {
			cw_err("msg=\"a dead letter could not be sent; offsets not stored\"");
			rc = CW_ERR;
		}
		if (rc != CW_ERR_RETRY)
			break;
		w->stats.retries++;
		cw_warn("msg=\"dependency unavailable, retrying batch\" records=%zu "
		        "backoff_ms=%" PRId64,
		        n, backoff);
		for (int64_t slept = 0; slept < backoff && !stop_requested; slept += 50)
			rd_kafka_poll(cw_producer_handle(w->prod), 50);
		if (stop_requested) {
			cw_notice(
			    "msg=\"stopping with a batch unfinished; it will be redelivered\"");
			return CW_ERR;
		}
		backoff = CW_MIN(backoff * 2, 10000);
	}
	if (rc) {
		cw_err("msg=\"batch failed\" stage=%s", w->spec->stage);
		return CW_ERR;
	}
	if (cw_producer_flush(w->prod, 60000, err, sizeof(err))) {
		cw_err("msg=\"outputs not acknowledged, offsets not stored\" error=\"%s\"", err);
		return CW_ERR;
	}
	w->stats.batches++;
	if (store_offsets(w, all, nall))
		return CW_ERR;
	/* Under backpressure a producer upstream waits for this group's
	 * committed offsets: commit now rather than at the next interval. */
	if (w->commit_each_batch)
		rd_kafka_commit(w->rk, NULL, 1);
	metrics_flush(w);
	return 0;
}

int cw_worker_run(const struct cw_worker_spec *spec, const struct cw_config *cfg, int batch_mode)
{
	struct cw_worker w = {.spec = spec, .cfg = cfg};
	size_t cap = (size_t)cw_config_int(cfg, "worker.batch_size");
	size_t max_bytes = (size_t)cw_config_int(cfg, "worker.max_record_bytes");
	int poll_ms = (int)cw_config_int(cfg, "worker.poll_ms");
	int64_t idle_ms = cw_config_int(cfg, "worker.idle_ms");
	const char *dlq_topic = cw_config_str(cfg, "topics.dlq");
	rd_kafka_message_t **msgs = cw_xcalloc(cap, sizeof(*msgs));
	rd_kafka_message_t **work = cw_xcalloc(cap, sizeof(*work));
	rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(4);
	rd_kafka_queue_t *queue = NULL;
	int64_t last_msg = cw_mono_ms(), last_tick = 0;
	int rc = 1;
	char errstr[512];

	cw_worker_install_signals();

	w.commit_each_batch = cw_config_int(cfg, "worker.max_lag_bytes") > 0;
	w.metrics = cw_redis_new(cfg, errstr, sizeof(errstr));

	w.prod = cw_producer_new(cfg, spec->stage, errstr, sizeof(errstr));
	if (!w.prod) {
		cw_err("msg=\"%s\"", errstr);
		goto out;
	}
	cw_producer_set_abort(w.prod, &stop_requested);
	w.rk = make_consumer(&w, errstr, sizeof(errstr));
	if (!w.rk) {
		cw_err("msg=\"%s\"", errstr);
		goto out;
	}
	for (size_t i = 0; spec->input_topic_keys[i]; i++)
		rd_kafka_topic_partition_list_add(
		    topics, cw_config_str(cfg, spec->input_topic_keys[i]), RD_KAFKA_PARTITION_UA);
	if (rd_kafka_subscribe(w.rk, topics)) {
		cw_err("msg=\"cannot subscribe\"");
		goto out;
	}
	queue = rd_kafka_queue_get_consumer(w.rk);
	cw_info("msg=\"started\" stage=%s batch=%d", spec->stage, batch_mode);

	rc = 0;
	while (!stop_requested) {
		/* Wait up to poll_ms for the first record, then take whatever else
		 * is already fetched: batches are as large as the backlog, and a
		 * lone record is not held back waiting for company. */
		ssize_t got = rd_kafka_consume_batch_queue(queue, poll_ms, msgs, 1);
		size_t n = 0;

		if (got == 1 && cap > 1) {
			ssize_t more = rd_kafka_consume_batch_queue(queue, 0, msgs + 1, cap - 1);
			if (more > 0)
				got += more;
		}

		if (drain_requested && !batch_mode) {
			cw_info("msg=\"draining: will exit once the input is consumed\"");
			batch_mode = 1;
		}
		for (ssize_t i = 0; i < got; i++) {
			rd_kafka_message_t *m = msgs[i];
			if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
				mark_eof(&w, rd_kafka_topic_name(m->rkt), m->partition, 1);
				rd_kafka_message_destroy(m);
			} else if (m->err) {
				cw_warn("msg=\"consumer error\" error=\"%s\"",
				        rd_kafka_message_errstr(m));
				rd_kafka_message_destroy(m);
			} else {
				mark_eof(&w, rd_kafka_topic_name(m->rkt), m->partition, 0);
				msgs[n++] = m;
			}
		}
		if (n) {
			size_t keep = 0;
			last_msg = cw_mono_ms();
			w.stats.consumed += n;
			/* Oversized records never reach the stage; the rest are
			 * processed, and the offsets of all are stored together. */
			w.batch_failed = 0;
			for (size_t i = 0; i < n; i++) {
				/* Dead letters themselves are never dead-lettered
				 * again: that would loop through the dead-letter
				 * topic for ever. */
				if (msgs[i]->len > max_bytes &&
				    strcmp(rd_kafka_topic_name(msgs[i]->rkt), dlq_topic) != 0) {
					snprintf(
					    errstr, sizeof(errstr),
					    "record of %zu bytes exceeds worker.max_record_bytes "
					    "(%zu)",
					    msgs[i]->len, max_bytes);
					cw_worker_dead_letter(&w, msgs[i], errstr);
				} else {
					work[keep++] = msgs[i];
				}
			}
			rc = run_batch(&w, work, keep, msgs, n);
			for (size_t i = 0; i < n; i++)
				rd_kafka_message_destroy(msgs[i]);
			if (rc) {
				rc = 1;
				break;
			}
		}
		if (spec->tick && cw_mono_ms() - last_tick >= 1000) {
			spec->tick(&w, spec->opaque);
			last_tick = cw_mono_ms();
		}
		cw_producer_poll(w.prod);
		if (batch_mode && all_eof(&w) && cw_mono_ms() - last_msg >= idle_ms &&
		    really_at_end(&w)) {
			cw_info(
			    "msg=\"input exhausted\" consumed=%llu produced=%llu dead_letters=%llu",
			    w.stats.consumed, w.stats.produced, w.stats.dead_letters);
			break;
		}
	}
	if (stop_requested) {
		/* Stopped as asked.  A batch cut short by the stop (a dependency
		 * down, a producer blocked downstream) stored no offsets and is
		 * redelivered: that is a clean stop, exit 0. */
		cw_info("msg=\"stopping on signal\" consumed=%llu produced=%llu", w.stats.consumed,
		        w.stats.produced);
		if (rc && w.rk)
			rc = 0;
	}
out:
	if (queue)
		rd_kafka_queue_destroy(queue);
	if (w.rk) {
		rd_kafka_consumer_close(w.rk); /* commits the stored offsets */
		rd_kafka_destroy(w.rk);
	}
	cw_producer_free(w.prod);
	cw_redis_free(w.metrics);
	rd_kafka_topic_partition_list_destroy(topics);
	clear_assignment(&w);
	free(msgs);
	free(work);
	return rc;
}
