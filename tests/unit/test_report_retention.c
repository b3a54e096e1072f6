/*
 * test_report_retention.c — report.retention_s against a real redis-server
 * on a private socket: every article, verdict, guard and claim key carries
 * the TTL, expired articles and claims leave the listings (the readers skip
 * them, the trim takes them out of the indexes) while the lifetime counters
 * stay, redelivery within the retention still counts once, and retention 0
 * expires nothing.  Short retentions (1 s) expire for real: the tests wait
 * for a key to be gone, with a deadline.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/common.h"
#include "lib/config.h"
#include "lib/keys.h"
#include "lib/redis.h"
#include "report/config.h"
#include "report/store.h"
#include "tests/unit/cw_redis_fixture.h"

static struct cw_test_redis rr_tr;
static int rr_have_redis;

static void rr_setup(void)
{
	rr_have_redis = cw_test_redis_start(&rr_tr) == 0;
}

static void rr_teardown(void)
{
	cw_test_redis_stop(&rr_tr);
}

#define RR_NEED_REDIS() CW_TEST_NEED_REDIS(rr_have_redis)

/* A store with keys under "cwr:" whose keys expire retention_s seconds
 * after their last write. */
static struct cw_store *rr_store(long long retention_s)
{
	struct cw_redis *r = cw_test_redis_connect(&rr_tr, "cwr:", 2000, 500);
	cr_assert_not_null(r);
	struct cw_store_limits lim = {.recent_dead_letters = 10,
	                              .page_limit = 50,
	                              .scan_limit = 500,
	                              .retention_s = retention_s};
	return cw_store_new_redis(r, &lim);
}

/* One verdict: claim idx of count in article aid, in cluster fp. */
struct rr_verdict {
	Claimwire__Verdict v;
	Claimwire__Claim c;
	Claimwire__Sightings sg;
	uint8_t *bytes;
	size_t len;
};

static void rr_verdict_init(struct rr_verdict *t, const char *aid, const char *outlet, unsigned idx,
                            unsigned count, const char *fp, int status)
{
	memset(t, 0, sizeof *t);
	claimwire__verdict__init(&t->v);
	claimwire__claim__init(&t->c);
	claimwire__sightings__init(&t->sg);
	t->v.claim = &t->c;
	t->v.status = (Claimwire__VerdictStatus)status;
	t->v.decided_ms = cw_now_ms();
	t->v.sightings = &t->sg;
	t->sg.cluster = (char *)(uintptr_t)fp;
	t->c.article_id = (char *)(uintptr_t)aid;
	t->c.outlet = (char *)(uintptr_t)outlet;
	t->c.fingerprint = (char *)(uintptr_t)fp;
	t->c.text = (char *)(uintptr_t) "A claim worth checking";
	t->c.claim_index = idx;
	t->c.claim_count = count;
	t->c.checkworthiness = 0.8f;
	t->c.check_worthy = 1;
	t->len = claimwire__verdict__get_packed_size(&t->v);
	t->bytes = cw_xmalloc(t->len);
	claimwire__verdict__pack(&t->v, t->bytes);
}

#define UNVERIFIED CLAIMWIRE__VERDICT_STATUS__VERDICT_STATUS_UNVERIFIED
#define CONFIRMED  CLAIMWIRE__VERDICT_STATUS__VERDICT_STATUS_CONFIRMED

/* A verdict first reported at decided_ms (long ago, for the tests of keys
 * an older build left), packed again. */
static void rr_verdict_at(struct rr_verdict *t, const char *aid, const char *outlet,
                          int64_t decided_ms)
{
	rr_verdict_init(t, aid, outlet, 0, 1, "f1", UNVERIFIED);
	t->v.decided_ms = decided_ms;
	free(t->bytes);
	t->len = claimwire__verdict__get_packed_size(&t->v);
	t->bytes = cw_xmalloc(t->len);
	claimwire__verdict__pack(&t->v, t->bytes);
}

static void rr_put(struct cw_store *s, struct rr_verdict *t, size_t n)
{
	struct cw_store_verdict items[8];
	char err[256];
	cr_assert_leq(n, 8);
	for (size_t i = 0; i < n; i++) {
		items[i].verdict = &t[i].v;
		items[i].bytes = t[i].bytes;
		items[i].len = t[i].len;
	}
	cr_assert_eq(cw_store_add_verdicts(s, items, n, err, sizeof err), 0, "%s", err);
}

static void rr_put_dead_letter(struct cw_store *s, int64_t offset)
{
	struct cw_store_dead_letter d;
	char err[256];
	memset(&d, 0, sizeof d);
	d.stage = "extract";
	d.error = "cannot unpack";
	d.topic = "cw.articles";
	d.value = "\xFF";
	d.len = 1;
	d.offset = offset;
	d.at_ms = cw_now_ms();
	cr_assert_eq(cw_store_add_dead_letters(s, &d, 1, err, sizeof err), 0, "%s", err);
}

/* The reply of one command on the store's connection, as an integer. */
static long long rr_int(struct cw_store *s, const char *cmd, const char *key)
{
	char err[256], k[256];
	redisReply *rep;
	snprintf(k, sizeof k, "cwr:{report}:%s", key);
	cr_assert_eq(cw_redis_command(cw_store_redis(s), &rep, err, sizeof err, "%s %s", cmd, k), 0,
	             "%s", err);
	return cw_redis_reply_int(rep);
}

static long long rr_ttl(struct cw_store *s, const char *key)
{
	return rr_int(s, "TTL", key);
}

static int rr_hexists(struct cw_store *s, const char *key, const char *field)
{
	char err[256], k[256];
	redisReply *rep;
	snprintf(k, sizeof k, "cwr:{report}:%s", key);
	cr_assert_eq(
	    cw_redis_command(cw_store_redis(s), &rep, err, sizeof err, "HEXISTS %s %s", k, field),
	    0, "%s", err);
	return cw_redis_reply_int(rep) == 1;
}

/* Waits until key no longer exists (it has expired), at most 5 s. */
static void rr_wait_gone(struct cw_store *s, const char *key)
{
	struct timespec ts = {0, 20 * 1000 * 1000};
	int64_t deadline = cw_mono_ms() + 5000;
	while (rr_int(s, "EXISTS", key) != 0) {
		cr_assert_lt(cw_mono_ms(), deadline, "%s did not expire", key);
		nanosleep(&ts, NULL); /* polling for the expiry, with a deadline */
	}
}

static int rr_lists_article(const struct cw_report_articles *a, const char *id)
{
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i].id, id) == 0)
			return 1;
	return 0;
}

/* The store's stats without a filter: the lifetime counters. */
static void rr_stats(struct cw_store *s, struct cw_report_stats *st)
{
	char err[256];
	cr_assert_eq(cw_store_stats(s, NULL, st, err, sizeof err), 0, "%s", err);
}

Test(report_retention, every_key_written_carries_the_ttl, .init = rr_setup, .fini = rr_teardown)
{
	RR_NEED_REDIS();
	struct cw_store *s = rr_store(600);
	struct rr_verdict t[2];
	rr_verdict_init(&t[0], "a1", "AP", 0, 2, "f1", UNVERIFIED);
	rr_verdict_init(&t[1], "a1", "AP", 1, 2, "f2", CONFIRMED);
	rr_put(s, t, 2);
	rr_put_dead_letter(s, 7);

	static const char *const expiring[] = {
	    "article:a1", "verdicts:a1",      "claim:f1",  "claim:f1:outlets",
	    "claim:f2",   "claim:f2:outlets", "dlq:id:0:7"};
	for (size_t i = 0; i < CW_ARRAY_SIZE(expiring); i++) {
		long long ttl = rr_ttl(s, expiring[i]);
		cr_expect(ttl > 590 && ttl <= 600, "%s: TTL %lld", expiring[i], ttl);
	}
	/* The guards are fields of the article, not of a hash kept forever. */
	cr_expect(rr_hexists(s, "article:a1", "seen:0"));
	cr_expect(rr_hexists(s, "article:a1", "seen:1"));
	cr_expect_eq(rr_int(s, "EXISTS", "seen"), 0);
	cr_expect_eq(rr_int(s, "EXISTS", "dlq:seen"), 0);
	/* The lifetime counters and the indexes themselves never expire. */
	static const char *const lifetime[] = {
	    "totals",          "count:status", "count:outlet",
	    "outlets",         "articles",     "outlet:AP:articles",
	    "claims:repeated", "review",       "dlq"};
	for (size_t i = 0; i < CW_ARRAY_SIZE(lifetime); i++)
		cr_expect_eq(rr_ttl(s, lifetime[i]), -1, "%s", lifetime[i]);

	/* Every write pushes the expiry back: the TTL is from the last one. */
	char err[256];
	cr_assert_eq(cw_redis_command(cw_store_redis(s), NULL, err, sizeof err,
	                              "EXPIRE cwr:{report}:article:a1 100"),
	             0, "%s", err);
	rr_put(s, t, 1);
	cr_expect_gt(rr_ttl(s, "article:a1"), 590);
	for (int i = 0; i < 2; i++)
		free(t[i].bytes);
	cw_store_free(s);
}

Test(report_retention, expired_data_leaves_the_listings_and_the_totals_stay, .init = rr_setup,
     .fini = rr_teardown)
{
	RR_NEED_REDIS();
	struct cw_store *s = rr_store(1), *keep = rr_store(3600);
	char err[256];
	struct rr_verdict old[2], fresh[2];
	/* "old" carried by two outlets: a repeated claim in the review queue. */
	rr_verdict_init(&old[0], "o1", "AP", 0, 1, "old", UNVERIFIED);
	rr_verdict_init(&old[1], "o2", "BBC", 0, 1, "old", UNVERIFIED);
	rr_put(s, old, 2);

	rr_wait_gone(s, "article:o1");
	rr_wait_gone(s, "article:o2");
	rr_wait_gone(s, "claim:old");
	/* Expired but not yet trimmed: the readers skip what is gone. */
	struct cw_report_articles a;
	cr_assert_eq(cw_store_articles(s, NULL, 0, &a, err, sizeof err), 0, "%s", err);
	cr_expect_eq(a.n, 0);
	cw_report_articles_release(&a);
	struct cw_report_claims c;
	cr_assert_eq(cw_store_repeated(s, NULL, &c, err, sizeof err), 0, "%s", err);
	cr_expect_eq(c.n, 0);
	cw_report_claims_release(&c);
	cr_expect_eq(rr_int(s, "ZCARD", "articles"), 2, "the index still names them");
	cr_expect_eq(rr_int(s, "ZCARD", "review"), 1);

	/* Newer articles, kept for an hour, with a repeated claim of their own. */
	rr_verdict_init(&fresh[0], "n1", "AP", 0, 1, "new", UNVERIFIED);
	rr_verdict_init(&fresh[1], "n2", "DW", 0, 1, "new", UNVERIFIED);
	rr_put(keep, fresh, 2);
	size_t removed;
	cr_assert_eq(cw_store_trim(s, &removed, err, sizeof err), 0, "%s", err);
	cr_expect_eq(removed, 3, "o1, o2 and the claim \"old\"");
	cr_expect_eq(rr_int(s, "ZCARD", "articles"), 2);
	cr_expect_eq(rr_int(s, "ZCARD", "outlet:AP:articles"), 1);
	cr_expect_eq(rr_int(s, "ZCARD", "outlet:BBC:articles"), 0);
	cr_expect_eq(rr_int(s, "ZCARD", "claims:repeated"), 1);
	cr_expect_eq(rr_int(s, "ZCARD", "review"), 1);
	cr_expect_eq(rr_int(s, "ZCARD", "claims:last"), 1);

	cr_assert_eq(cw_store_articles(s, NULL, 0, &a, err, sizeof err), 0, "%s", err);
	cr_expect_eq(a.n, 2);
	cr_expect(rr_lists_article(&a, "n1") && rr_lists_article(&a, "n2"));
	cw_report_articles_release(&a);
	cr_assert_eq(cw_store_review(s, NULL, &c, err, sizeof err), 0, "%s", err);
	cr_assert_eq(c.n, 1);
	cr_expect_str_eq(c.v[0].fingerprint, "new");
	cw_report_claims_release(&c);

	/* The counters are lifetime: what expired is still counted. */
	struct cw_report_stats st;
	rr_stats(s, &st);
	cr_expect_eq(st.articles, 4);
	cr_expect_eq(st.claims, 4);
	cr_expect_eq(st.outlets, 3);
	cr_expect_eq(st.review, 1);
	cr_expect_eq(st.repeated, 1);
	cw_report_stats_release(&st);

	/* Past the retention the guard is gone with its article: a verdict
	 * delivered again is a new one. */
	rr_put(s, old, 1);
	rr_stats(s, &st);
	cr_expect_eq(st.claims, 5);
	cw_report_stats_release(&st);
	for (int i = 0; i < 2; i++) {
		free(old[i].bytes);
		free(fresh[i].bytes);
	}
	cw_store_free(keep);
	cw_store_free(s);
}

Test(report_retention, redelivery_within_retention_counts_once, .init = rr_setup,
     .fini = rr_teardown)
{
	RR_NEED_REDIS();
	struct cw_store *s = rr_store(600);
	char err[256];
	struct rr_verdict t[3];
	rr_verdict_init(&t[0], "a1", "AP", 0, 2, "f1", UNVERIFIED);
	rr_verdict_init(&t[1], "a1", "AP", 1, 2, "f2", UNVERIFIED);
	rr_verdict_init(&t[2], "a2", "BBC", 0, 1, "f1", UNVERIFIED);
	for (int round = 0; round < 3; round++)
		rr_put(s, t, 3);
	for (int round = 0; round < 2; round++)
		rr_put_dead_letter(s, 3);
	struct cw_report_stats st;
	rr_stats(s, &st);
	cr_expect_eq(st.articles, 2);
	cr_expect_eq(st.articles_complete, 2);
	cr_expect_eq(st.claims, 3);
	cr_expect_eq(st.dead_letters, 1);
	cw_report_stats_release(&st);
	struct cw_report_claims c;
	cr_assert_eq(cw_store_repeated(s, NULL, &c, err, sizeof err), 0, "%s", err);
	cr_assert_eq(c.n, 1);
	cr_expect_eq(c.v[0].count, 2, "two sightings, not six");
	cw_report_claims_release(&c);
	/* The guard that made it so lives in the article. */
	cr_expect(rr_hexists(s, "article:a1", "seen:1"));
	cr_expect_eq(rr_int(s, "EXISTS", "seen"), 0);

	/* A verdict an older build counted (its guard in the one seen hash, the
	 * dead letter's in dlq:seen), redelivered to this one, is not counted
	 * again; the trim then gives those old guards the retention. */
	struct cw_redis *r = cw_store_redis(s);
	cr_assert_eq(cw_redis_command(r, NULL, err, sizeof err,
	                              "HSET cwr:{report}:article:old id old outlet AP "
	                              "claim_count 1 claims_seen 1"),
	             0, "%s", err);
	cr_assert_eq(cw_redis_command(r, NULL, err, sizeof err,
	                              "HSET cwr:{report}:seen old:0 unverified|none|1|f9"),
	             0, "%s", err);
	cr_assert_eq(cw_redis_command(r, NULL, err, sizeof err, "SADD cwr:{report}:dlq:seen 0:99"),
	             0, "%s", err);
	cr_assert_eq(
	    cw_redis_command(r, NULL, err, sizeof err, "ZADD cwr:{report}:articles 1000 old"), 0,
	    "%s", err);
	struct rr_verdict legacy;
	rr_verdict_init(&legacy, "old", "AP", 0, 1, "f9", UNVERIFIED);
	rr_put(s, &legacy, 1);
	rr_put_dead_letter(s, 99);
	rr_stats(s, &st);
	cr_expect_eq(st.claims, 3);
	cr_expect_eq(st.dead_letters, 1);
	cw_report_stats_release(&st);
	cr_expect(rr_hexists(s, "article:old", "seen:0"), "the guard moves into the article");
	cr_assert_eq(cw_store_trim(s, NULL, err, sizeof err), 0, "%s", err);
	long long ttl = rr_ttl(s, "seen");
	cr_expect(ttl > 590 && ttl <= 600, "seen: TTL %lld", ttl);
	ttl = rr_ttl(s, "dlq:seen");
	cr_expect(ttl > 590 && ttl <= 600, "dlq:seen: TTL %lld", ttl);
	for (int i = 0; i < 3; i++)
		free(t[i].bytes);
	free(legacy.bytes);
	cw_store_free(s);
}

Test(report_retention, trim_gives_keys_without_ttl_one, .init = rr_setup, .fini = rr_teardown)
{
	RR_NEED_REDIS();
	/* Written while the retention was 0: nothing expires. */
	struct cw_store *s = rr_store(0);
	char err[256];
	struct rr_verdict t;
	rr_verdict_at(&t, "a1", "AP", 1000); /* first reported long ago */
	rr_put(s, &t, 1);
	cw_store_free(s);

	/* With a retention, the trim keeps the article listed (its keys are
	 * there) and lets them expire. */
	s = rr_store(600);
	size_t removed = 1;
	cr_assert_eq(cw_store_trim(s, &removed, err, sizeof err), 0, "%s", err);
	cr_expect_eq(removed, 0);
	long long ttl = rr_ttl(s, "article:a1");
	cr_expect(ttl > 590 && ttl <= 600, "article: TTL %lld", ttl);
	ttl = rr_ttl(s, "verdicts:a1");
	cr_expect(ttl > 590 && ttl <= 600, "verdicts: TTL %lld", ttl);
	struct cw_report_articles a;
	cr_assert_eq(cw_store_articles(s, NULL, 0, &a, err, sizeof err), 0, "%s", err);
	cr_expect_eq(a.n, 1);
	cw_report_articles_release(&a);
	free(t.bytes);
	cw_store_free(s);
}

Test(report_retention, zero_keeps_everything, .init = rr_setup, .fini = rr_teardown)
{
	RR_NEED_REDIS();
	struct cw_store *s = rr_store(0);
	char err[256];
	struct rr_verdict t;
	rr_verdict_init(&t, "a1", "AP", 0, 1, "f1", UNVERIFIED);
	t.v.decided_ms = 1000;
	free(t.bytes);
	t.len = claimwire__verdict__get_packed_size(&t.v);
	t.bytes = cw_xmalloc(t.len);
	claimwire__verdict__pack(&t.v, t.bytes);
	rr_put(s, &t, 1);
	rr_put_dead_letter(s, 5);
	static const char *const keys[] = {"article:a1", "verdicts:a1", "claim:f1",
	                                   "claim:f1:outlets", "dlq:id:0:5"};
	for (size_t i = 0; i < CW_ARRAY_SIZE(keys); i++)
		cr_expect_eq(rr_ttl(s, keys[i]), -1, "%s", keys[i]);
	cr_expect(rr_hexists(s, "article:a1", "seen:0"));
	cr_expect_eq(rr_int(s, "EXISTS", "claims:last"), 0);
	size_t removed = 1;
	cr_assert_eq(cw_store_trim(s, &removed, err, sizeof err), 0, "%s", err);
	cr_expect_eq(removed, 0);
	cr_expect_eq(rr_ttl(s, "article:a1"), -1, "the trim leaves them alone too");
	cr_expect_eq(rr_int(s, "ZCARD", "articles"), 1);
	free(t.bytes);
	cw_store_free(s);
}

/* report.retention_s from the configuration: the default is a week, and a
 * bad value names the file, the line and the key. */
Test(report_retention, configuration, .init = rr_setup, .fini = rr_teardown)
{
	static const struct cw_config_key *const schemas[] = {cw_lib_config_keys,
	                                                      cw_report_config_keys, NULL};
	struct cw_config *cfg = cw_config_new(schemas);
	char err[512], path[] = "/tmp/cw-retention.XXXXXX";
	cr_expect_eq(cw_config_int(cfg, "report.retention_s"), 604800);

	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	static const char yaml[] = "report:\n  page_limit: 10\n  retention_s: -5\n";
	cr_assert_eq(write(fd, yaml, sizeof yaml - 1), (ssize_t)(sizeof yaml - 1));
	close(fd);
	cr_expect_lt(cw_config_load_file(cfg, path, err, sizeof err), 0);
	char want[128];
	snprintf(want, sizeof want, "%s:3:", path);
	cr_expect(strncmp(err, want, strlen(want)) == 0, "%s", err);
	cr_expect(strstr(err, "report.retention_s") != NULL, "%s", err);
	unlink(path);
	cw_config_free(cfg);

	RR_NEED_REDIS();
	cfg = cw_config_new(schemas);
	char arg[256];
	snprintf(arg, sizeof arg, "redis.socket=%s", rr_tr.sock);
	cr_assert_eq(cw_config_set_arg(cfg, arg, "-X", err, sizeof err), 0, "%s", err);
	cr_assert_eq(cw_config_set_arg(cfg, "redis.key_prefix=cwr:", "-X", err, sizeof err), 0,
	             "%s", err);
	struct cw_store *s = cw_store_new(cfg, err, sizeof err);
	cr_assert_not_null(s, "%s", err);
	struct rr_verdict t;
	rr_verdict_init(&t, "a1", "AP", 0, 1, "f1", UNVERIFIED);
	rr_put(s, &t, 1);
	long long ttl = rr_ttl(s, "article:a1");
	cr_expect(ttl > 604790 && ttl <= 604800, "TTL %lld", ttl);
	free(t.bytes);
	cw_store_free(s);
	cw_config_free(cfg);
}

/* A backlog larger than one trim call's chunk (articles an older build
 * filed without a TTL, first reported long ago): one cw_store_trim() works
 * through it a chunk per call, every article gets its TTL, and the articles
 * stay listed while their keys are there. */
Test(report_retention, trim_works_through_a_backlog_in_chunks, .init = rr_setup,
     .fini = rr_teardown)
{
	enum { N = 2500 };
	RR_NEED_REDIS();
	struct cw_store *s = rr_store(0);
	char err[256], aid[32];
	for (int i = 0; i < N; i++) {
		struct rr_verdict t;
		snprintf(aid, sizeof aid, "old-%d", i);
		rr_verdict_at(&t, aid, i % 2 ? "AP" : "Reuters", 1000 + i);
		rr_put(s, &t, 1);
		free(t.bytes);
	}
	cw_store_free(s);

	s = rr_store(600);
	size_t removed = 1;
	cr_assert_eq(cw_store_trim(s, &removed, err, sizeof err), 0, "%s", err);
	cr_expect_eq(removed, 0);
	for (int i = 0; i < N; i += 499) {
		char key[48];
		snprintf(key, sizeof key, "article:old-%d", i);
		long long ttl = rr_ttl(s, key);
		cr_expect(ttl > 590 && ttl <= 600, "%s: TTL %lld", key, ttl);
	}
	snprintf(aid, sizeof aid, "article:old-%d", N - 1);
	long long ttl = rr_ttl(s, aid);
	cr_expect(ttl > 590 && ttl <= 600, "%s: TTL %lld", aid, ttl);
	cw_store_free(s);
}
