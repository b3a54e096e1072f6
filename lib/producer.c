/*
 * producer.c — claimwire's Kafka producer: idempotent, with delivery
 * accounting (so callers store input offsets only after their outputs are
 * acknowledged) and optional backpressure against the consumer group that
 * reads each topic downstream.
 *
 * Backpressure, and why.  The embedded broker (librdkafka's mock cluster)
 * keeps only about 5 MiB per partition and silently drops older records.  A
 * producer that runs far ahead of its consumers would lose input there.  With
 * worker.max_lag_bytes = L > 0, send() blocks while the bytes this producer
 * wrote to a topic that the downstream group has not yet committed exceed L.
 * The bound is kept per topic (summed over partitions), which is stricter
 * than per partition: as long as L stays under the broker's per-partition
 * retention, no record can be dropped before its consumer committed past it.
 * Committed offsets are read with OffsetFetch through a consumer handle that
 * carries the downstream group id but never joins the group.
 */
#include "lib/producer.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/common.h"
#include "lib/log.h"

/* Which consumer group reads a topic downstream (group "<prefix>-<stage>"). */
static const struct {
	const char *topic_key;
	const char *stage;
} downstream[] = {
    {"topics.articles", "extract"},
    {"topics.claims", "match"},
    {"topics.verdicts", "report"},
    {"topics.dlq", "report"},
};

/* One delivered record not yet known to be committed downstream. */
struct pending {
	int64_t offset;
	size_t bytes;
};

struct part_lag {
	struct pending *q; /* FIFO in offset order: ring buffer */
	size_t head, len, cap;
	int64_t committed;
};

struct topic_lag {
	char *name;
	char *group;
	rd_kafka_t *group_rk; /* consumer handle for OffsetFetch, never joins */
	struct part_lag *parts;
	int nparts;
	size_t unacked;     /* bytes sent, delivery report not yet seen */
	size_t uncommitted; /* bytes delivered, not yet committed downstream */
	int64_t last_query_ms;
	int warned;
};

struct cw_producer {
	rd_kafka_t *rk;
	const struct cw_config *cfg;
	char stage[32];
	size_t max_lag;
	struct topic_lag *topics;
	size_t ntopics;
	unsigned long long sent, delivered, failed;
	volatile const int *abort_flag;
	char first_error[256];
};

static void log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	(void)rk;
	/* One kafka: section serves producers and consumers alike, so a
	 * consumer property on a producer (and back) is expected, not news. */
	if (!strcmp(fac, "CONFWARN") && strstr(buf, "will be ignored by this"))
		level = CW_LOG_DEBUG;
	cw_log(level, "msg=\"librdkafka\" facility=%s detail=\"%s\"", fac, buf);
}

struct conf_ctx {
	rd_kafka_conf_t *conf;
	char *errstr;
	size_t errsize;
};

static int set_prop(const char *name, const char *value, const char *origin, void *opaque)
{
	struct conf_ctx *c = opaque;
	char err[256];

	if (rd_kafka_conf_set(c->conf, name, value, err, sizeof(err)) != RD_KAFKA_CONF_OK) {
		snprintf(c->errstr, c->errsize, "%s: kafka property '%s': %s", origin, name, err);
		return CW_ERR_INVALID;
	}
	return 0;
}

int cw_kafka_conf_from_config(const struct cw_config *cfg, rd_kafka_conf_t *conf, char *errstr,
                              size_t errsize)
{
	struct conf_ctx c = {conf, errstr, errsize};

	rd_kafka_conf_set_log_cb(conf, log_cb);
	return cw_config_foreach(cfg, "kafka", set_prop, &c);
}

static struct topic_lag *lag_for(struct cw_producer *p, const char *name)
{
	for (size_t i = 0; i < p->ntopics; i++)
		if (!strcmp(p->topics[i].name, name))
			return &p->topics[i];
	return NULL;
}

static struct part_lag *part_for(struct topic_lag *t, int32_t partition)
{
	if (partition < 0)
		return NULL;
	if (partition >= t->nparts) {
		int n = partition + 1;
		t->parts = cw_xrealloc(t->parts, sizeof(*t->parts) * (size_t)n);
		for (int i = t->nparts; i < n; i++)
			memset(&t->parts[i], 0, sizeof(t->parts[i])), t->parts[i].committed = -1;
		t->nparts = n;
	}
	return &t->parts[partition];
}

static void part_push(struct part_lag *pl, int64_t offset, size_t bytes)
{
	if (pl->len == pl->cap) {
		size_t ncap = pl->cap ? pl->cap * 2 : 256;
		struct pending *q = cw_xmalloc(sizeof(*q) * ncap);
		for (size_t i = 0; i < pl->len; i++)
			q[i] = pl->q[(pl->head + i) % pl->cap];
		free(pl->q);
		pl->q = q;
		pl->head = 0;
		pl->cap = ncap;
	}
	pl->q[(pl->head + pl->len) % pl->cap] = (struct pending){offset, bytes};
	pl->len++;
}

/* Drops records below the committed offset; returns the bytes released. */
static size_t part_release(struct part_lag *pl)
{
	size_t freed = 0;

	while (pl->len && pl->q[pl->head].offset < pl->committed) {
		freed += pl->q[pl->head].bytes;
		pl->head = (pl->head + 1) % pl->cap;
		pl->len--;
	}
	return freed;
}

/* What a record costs the broker's log, as far as backpressure counts:
 * key, value, header names and values, and ~70 bytes of record framing. */
static size_t record_bytes(size_t len, size_t keylen, const rd_kafka_headers_t *hdrs)
{
	size_t b = len + keylen + 70;
	const char *name;
	const void *val;
	size_t sz;

	for (size_t i = 0; hdrs && !rd_kafka_header_get_all(hdrs, i, &name, &val, &sz); i++)
		b += strlen(name) + sz;
	return b;
}

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct cw_producer *p = opaque;
	struct topic_lag *t;
	rd_kafka_headers_t *hdrs = NULL;
	size_t bytes;

	rd_kafka_message_headers(m, &hdrs);
	bytes = record_bytes(m->len, m->key_len, hdrs);

	(void)rk;
	t = p->max_lag ? lag_for(p, rd_kafka_topic_name(m->rkt)) : NULL;
	if (t)
		t->unacked -= CW_MIN(t->unacked, bytes);
	if (m->err) {
		p->failed++;
		if (!p->first_error[0])
			snprintf(p->first_error, sizeof(p->first_error),
			         "delivery to '%s' failed: %s", rd_kafka_topic_name(m->rkt),
			         rd_kafka_err2str(m->err));
		cw_err("msg=\"delivery failed\" topic=%s error=\"%s\"", rd_kafka_topic_name(m->rkt),
		       rd_kafka_err2str(m->err));
		return;
	}
	p->delivered++;
	if (t) {
		struct part_lag *pl = part_for(t, m->partition);
		if (pl && m->offset >= pl->committed) {
			part_push(pl, m->offset, bytes);
			t->uncommitted += bytes;
		}
	}
}

static int add_downstream(struct cw_producer *p, char *errstr, size_t errsize)
{
	const char *prefix = cw_config_str(p->cfg, "worker.group_prefix");

	p->topics = cw_xcalloc(CW_ARRAY_SIZE(downstream), sizeof(*p->topics));
	for (size_t i = 0; i < CW_ARRAY_SIZE(downstream); i++) {
		struct topic_lag *t = &p->topics[p->ntopics];
		char group[256], err[512];
		rd_kafka_conf_t *conf;

		/* A stage never waits on its own group: it commits only after
		 * the batch that is producing, so it would wait for ever (the
		 * report stage both writes and reads the dead-letter topic). */
		if (!strcmp(downstream[i].stage, p->stage))
			continue;
		conf = rd_kafka_conf_new();

		snprintf(group, sizeof(group), "%s-%s", prefix, downstream[i].stage);
		if (cw_kafka_conf_from_config(p->cfg, conf, errstr, errsize) ||
		    rd_kafka_conf_set(conf, "group.id", group, err, sizeof(err)) ||
		    rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof(err))) {
			rd_kafka_conf_destroy(conf);
			return CW_ERR_INVALID;
		}
		t->group_rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
		if (!t->group_rk) {
			rd_kafka_conf_destroy(conf);
			snprintf(errstr, errsize, "cannot create offset reader for '%s': %s", group,
			         err);
			return CW_ERR;
		}
		t->name = cw_xstrdup(cw_config_str(p->cfg, downstream[i].topic_key));
		t->group = cw_xstrdup(group);
		p->ntopics++;
	}
	return 0;
}

struct cw_producer *cw_producer_new(const struct cw_config *cfg, const char *stage, char *errstr,
                                    size_t errsize)
{
	struct cw_producer *p = cw_xcalloc(1, sizeof(*p));
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char err[512];

	p->cfg = cfg;
	snprintf(p->stage, sizeof(p->stage), "%s", stage);
	p->max_lag = (size_t)cw_config_int(cfg, "worker.max_lag_bytes");
	if (cw_kafka_conf_from_config(cfg, conf, errstr, errsize))
		goto fail;
	if (rd_kafka_conf_set(conf, "enable.idempotence", "true", err, sizeof(err)) ||
	    rd_kafka_conf_set(conf, "message.max.bytes", "104857600", err, sizeof(err))) {
		snprintf(errstr, errsize, "kafka producer: %s", err);
		goto fail;
	}
	rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
	rd_kafka_conf_set_opaque(conf, p);
	p->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
	if (!p->rk) {
		snprintf(errstr, errsize, "cannot create kafka producer: %s", err);
		goto fail;
	}
	conf = NULL;
	if (p->max_lag && add_downstream(p, errstr, errsize)) {
		cw_producer_free(p);
		return NULL;
	}
	return p;
fail:
	if (conf)
		rd_kafka_conf_destroy(conf);
	free(p);
	return NULL;
}

void cw_producer_free(struct cw_producer *p)
{
	if (!p)
		return;
	if (p->rk) {
		if (rd_kafka_flush(p->rk, 10000))
			cw_warn("msg=\"records left unflushed at close\" count=%d",
			        rd_kafka_outq_len(p->rk));
		rd_kafka_destroy(p->rk);
	}
	for (size_t i = 0; i < p->ntopics; i++) {
		struct topic_lag *t = &p->topics[i];
		if (t->group_rk)
			rd_kafka_destroy(t->group_rk);
		for (int j = 0; j < t->nparts; j++)
			free(t->parts[j].q);
		free(t->parts);
		free(t->name);
		free(t->group);
	}
	free(p->topics);
	free(p);
}

/* Reads the downstream group's committed offsets and releases what it has
 * consumed.  Rate-limited to one OffsetFetch per 20 ms per topic (a loopback
 * round trip; only made while a send is blocked). */
static void refresh_committed(struct cw_producer *p, struct topic_lag *t)
{
	rd_kafka_topic_partition_list_t *parts;
	int64_t now = cw_mono_ms();

	if (now - t->last_query_ms < 20 || !t->nparts)
		return;
	t->last_query_ms = now;
	parts = rd_kafka_topic_partition_list_new(t->nparts);
	for (int i = 0; i < t->nparts; i++)
		rd_kafka_topic_partition_list_add(parts, t->name, i);
	if (!rd_kafka_committed(t->group_rk, parts, 5000)) {
		for (int i = 0; i < parts->cnt; i++) {
			struct part_lag *pl = part_for(t, parts->elems[i].partition);
			if (parts->elems[i].err || parts->elems[i].offset < 0)
				continue;
			if (parts->elems[i].offset > pl->committed) {
				size_t freed;
				pl->committed = parts->elems[i].offset;
				freed = part_release(pl); /* once: CW_MIN evaluates twice */
				t->uncommitted -= CW_MIN(t->uncommitted, freed);
			}
		}
	}
	rd_kafka_topic_partition_list_destroy(parts);
	(void)p;
}

void cw_producer_set_abort(struct cw_producer *p, volatile const int *flag)
{
	p->abort_flag = flag;
}

/* Blocks until the record fits under the lag bound; CW_ERR when aborted. */
static int wait_for_room(struct cw_producer *p, struct topic_lag *t, size_t bytes)
{
	int64_t since = cw_mono_ms();

	while (t->unacked + t->uncommitted > 0 &&
	       t->unacked + t->uncommitted + bytes > p->max_lag) {
		if (p->abort_flag && *p->abort_flag) {
			cw_notice("msg=\"stopped while waiting for consumers downstream\" topic=%s",
			          t->name);
			return CW_ERR;
		}
		rd_kafka_poll(p->rk, 5);
		refresh_committed(p, t);
		if (!t->warned && cw_mono_ms() - since > 5000) {
			cw_info("msg=\"waiting for consumers downstream\" topic=%s group=%s "
			        "lag_bytes=%zu limit=%zu",
			        t->name, t->group, t->unacked + t->uncommitted, p->max_lag);
			t->warned = 1;
		}
	}
	return 0;
}

static rd_kafka_headers_t *make_headers(const char *const *headers)
{
	rd_kafka_headers_t *h;
	size_t n = 0;

	if (!headers)
		return NULL;
	while (headers[n])
		n += 2;
	h = rd_kafka_headers_new(n / 2);
	for (size_t i = 0; headers[i]; i += 2)
		rd_kafka_header_add(h, headers[i], -1, headers[i + 1], -1);
	return h;
}

static int send_to(struct cw_producer *p, const char *topic, const void *key, size_t keylen,
                   const void *value, size_t len, rd_kafka_headers_t *hdrs)
{
	struct topic_lag *t = p->max_lag ? lag_for(p, topic) : NULL;
	size_t bytes = t ? record_bytes(len, keylen, hdrs) : 0;
	rd_kafka_resp_err_t err;

	if (t) {
		if (wait_for_room(p, t, bytes)) {
			if (hdrs)
				rd_kafka_headers_destroy(hdrs);
			return CW_ERR;
		}
		t->unacked += bytes;
	}
	for (;;) {
		err = rd_kafka_producev(p->rk, RD_KAFKA_V_TOPIC(topic),
		                        RD_KAFKA_V_KEY((void *)(uintptr_t)key, keylen),
		                        RD_KAFKA_V_VALUE((void *)(uintptr_t)value, len),
		                        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
		                        RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
		if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
			break;
		rd_kafka_poll(p->rk, 100); /* local queue full: let deliveries drain */
	}
	if (err) {
		if (t)
			t->unacked -= CW_MIN(t->unacked, bytes);
		if (hdrs)
			rd_kafka_headers_destroy(hdrs);
		cw_err("msg=\"produce failed\" topic=%s error=\"%s\"", topic,
		       rd_kafka_err2str(err));
		return CW_ERR;
	}
	p->sent++;
	rd_kafka_poll(p->rk, 0);
	return 0;
}

int cw_producer_send(struct cw_producer *p, const char *topic_key, const void *key, size_t keylen,
                     const void *value, size_t len, const char *const *headers)
{
	const char *topic = cw_config_str(p->cfg, topic_key);

	return send_to(p, topic, key, keylen, value, len, make_headers(headers));
}

int cw_producer_send_named(struct cw_producer *p, const char *topic, const void *key, size_t keylen,
                           const void *value, size_t len, const char *const *headers)
{
	return send_to(p, topic, key, keylen, value, len, make_headers(headers));
}

int cw_producer_dead_letter(struct cw_producer *p, const char *error, const char *source_topic,
                            int32_t partition, int64_t offset, const char *source, const void *key,
                            size_t keylen, const void *value, size_t len,
                            const rd_kafka_headers_t *orig_headers)
{
	rd_kafka_headers_t *h =
	    orig_headers ? rd_kafka_headers_copy(orig_headers) : rd_kafka_headers_new(5);
	char num[32];

	rd_kafka_header_add(h, "cw.stage", -1, p->stage, -1);
	rd_kafka_header_add(h, "cw.error", -1, error, -1);
	if (source_topic) {
		rd_kafka_header_add(h, "cw.topic", -1, source_topic, -1);
		snprintf(num, sizeof(num), "%" PRId32, partition);
		rd_kafka_header_add(h, "cw.partition", -1, num, -1);
		snprintf(num, sizeof(num), "%" PRId64, offset);
		rd_kafka_header_add(h, "cw.offset", -1, num, -1);
	}
	if (source)
		rd_kafka_header_add(h, "cw.source", -1, source, -1);
	if (source_topic)
		cw_warn("msg=\"dead letter\" error=\"%s\" topic=%s partition=%" PRId32
		        " offset=%" PRId64,
		        error, source_topic, partition, offset);
	else
		cw_warn("msg=\"dead letter\" error=\"%s\" source=\"%s\"", error,
		        source ? source : "-");
	return send_to(p, cw_config_str(p->cfg, "topics.dlq"), key, keylen, value, len, h);
}

int cw_producer_flush(struct cw_producer *p, int timeout_ms, char *errstr, size_t errsize)
{
	int64_t deadline = cw_mono_ms() + timeout_ms;

	while (rd_kafka_outq_len(p->rk) > 0) {
		if (cw_mono_ms() > deadline) {
			snprintf(errstr, errsize, "%d records not acknowledged after %d ms",
			         rd_kafka_outq_len(p->rk), timeout_ms);
			return CW_ERR;
		}
		rd_kafka_flush(p->rk, 100);
	}
	if (p->failed) {
		/* Reported once: failures are counted from one flush to the next. */
		snprintf(errstr, errsize, "%s (%llu records failed)", p->first_error, p->failed);
		p->failed = 0;
		p->first_error[0] = '\0';
		return CW_ERR;
	}
	return 0;
}

void cw_producer_poll(struct cw_producer *p)
{
	rd_kafka_poll(p->rk, 0);
}

rd_kafka_t *cw_producer_handle(struct cw_producer *p)
{
	return p->rk;
}

unsigned long long cw_producer_delivered(const struct cw_producer *p)
{
	return p->delivered;
}
