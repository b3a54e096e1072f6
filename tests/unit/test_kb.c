/*
 * test_kb.c — the knowledge base against a real redis-server on a private
 * socket: every input format, idempotent reloads, in-place rating changes
 * seen through the change log, paging, and surviving a Redis restart.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cw_redis_fixture.h"
#include "extract/fingerprint.h"
#include "extract/normalize.h"
#include "lib/common.h"
#include "lib/redis.h"
#include "match/kb.h"

#define KB_DATA "tests/data/kb/"

static struct cw_test_redis kb_tr;
static struct cw_redis *kb_r;
static struct cw_norm *kb_nz;
static int kb_have_redis;

static void kb_setup(void)
{
	char err[256];

	kb_have_redis = cw_test_redis_start(&kb_tr) == 0;
	kb_nz = cw_norm_new("english", err, sizeof(err));
	if (kb_have_redis)
		kb_r = cw_test_redis_connect(&kb_tr, "cwt:", 2000, 0);
}

static void kb_teardown(void)
{
	cw_redis_free(kb_r);
	kb_r = NULL;
	cw_norm_free(kb_nz);
	kb_nz = NULL;
	cw_test_redis_stop(&kb_tr);
}

TestSuite(kb, .init = kb_setup, .fini = kb_teardown);

#define NEED_REDIS() CW_TEST_NEED_REDIS(kb_have_redis)

static struct cw_kb_counts kb_load(const char *file, size_t *errs_out, char **report)
{
	struct cw_kb_counts c = {0};
	char err[512], *buf = NULL;
	size_t len = 0;
	FILE *ef = open_memstream(&buf, &len);
	struct cw_kb_load_opts o = {CW_KB_AUTO, kb_nz, ef, 0, 0};
	int rc = cw_kb_load_file(kb_r, file, &o, &c, err, sizeof(err));

	fclose(ef);
	cr_assert_eq(rc, 0, "loading %s: %s", file, err);
	if (errs_out)
		*errs_out = c.errors;
	if (report)
		*report = buf;
	else
		free(buf);
	return c;
}

static struct cw_factcheck kb_fetch(const char *id)
{
	struct cw_factcheck fc;
	char err[256];
	int rc = cw_kb_get(kb_r, id, &fc, err, sizeof(err));

	cr_assert_eq(rc, 0, "get %s: %s", id, err);
	return fc;
}

/* Finds a fact-check by its review URL (ids of sources without one are
 * hashes). */
struct kb_find {
	const char *url;
	struct cw_factcheck fc;
	int found, seen;
};

static int kb_find_cb(const struct cw_factcheck *fc, void *opaque)
{
	struct kb_find *f = opaque;

	f->seen++;
	if (fc->url && strcmp(fc->url, f->url) == 0) {
		cw_factcheck_copy(&f->fc, fc);
		f->found++;
	}
	return 0;
}

static struct cw_factcheck kb_by_url(const char *url)
{
	struct kb_find f = {url, {0}, 0, 0};
	char err[256];

	cr_assert_eq(cw_kb_foreach(kb_r, kb_find_cb, &f, NULL, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(f.found, 1, "fact-check with url %s found %d times", url, f.found);
	return f.fc;
}

static long long kb_int(const char *fmt, const char *arg)
{
	redisReply *rep;
	char err[256];

	cr_assert_eq(cw_redis_command(kb_r, &rep, err, sizeof(err), fmt, arg), 0, "%s", err);
	return cw_redis_reply_int(rep);
}

static char *kb_str(const char *fmt, const char *a, const char *b)
{
	redisReply *rep;
	char err[256];

	cr_assert_eq(cw_redis_command(kb_r, &rep, err, sizeof(err), fmt, a, b), 0, "%s", err);
	return rep->type == REDIS_REPLY_STRING ? cw_xstrdup(rep->str) : NULL;
}

Test(kb, rating_scale)
{
	static const struct {
		const char *words;
		Claimwire__Rating r;
	} cases[] = {
	    {"true", CLAIMWIRE__RATING__RATING_TRUE},
	    {"mostly-true", CLAIMWIRE__RATING__RATING_MOSTLY_TRUE},
	    {"half-true", CLAIMWIRE__RATING__RATING_MIXED},
	    {"barely-true", CLAIMWIRE__RATING__RATING_MOSTLY_FALSE},
	    {"pants-fire", CLAIMWIRE__RATING__RATING_FALSE},
	    {"Pants on Fire!", CLAIMWIRE__RATING__RATING_FALSE},
	    {"full-flop", CLAIMWIRE__RATING__RATING_OTHER},
	    {"Mixture", CLAIMWIRE__RATING__RATING_MIXED},
	    {"Unproven", CLAIMWIRE__RATING__RATING_UNPROVEN},
	    {"Miscaptioned", CLAIMWIRE__RATING__RATING_FALSE},
	    {"Correct Attribution", CLAIMWIRE__RATING__RATING_TRUE},
	    {"Satire", CLAIMWIRE__RATING__RATING_OTHER},
	    {"Four Pinocchios", CLAIMWIRE__RATING__RATING_FALSE},
	    {"Misleading", CLAIMWIRE__RATING__RATING_MOSTLY_FALSE},
	    {"Partly false", CLAIMWIRE__RATING__RATING_MOSTLY_FALSE},
	    {"Lacks context", CLAIMWIRE__RATING__RATING_MOSTLY_FALSE},
	    {"INCORRECT", CLAIMWIRE__RATING__RATING_FALSE},
	    {"False. The photo was taken in 2012.", CLAIMWIRE__RATING__RATING_FALSE},
	    {"Mostly false: the numbers are older", CLAIMWIRE__RATING__RATING_MOSTLY_FALSE},
	    {"Something else entirely", CLAIMWIRE__RATING__RATING_OTHER},
	    {"", CLAIMWIRE__RATING__RATING_UNSPECIFIED},
	};
	for (size_t i = 0; i < CW_ARRAY_SIZE(cases); i++)
		cr_expect_eq(cw_rating_normalize(cases[i].words, strlen(cases[i].words)),
		             cases[i].r, "'%s'", cases[i].words);
	for (int r = 0; r <= 7; r++)
		cr_expect_eq(cw_rating_from_name(cw_rating_name((Claimwire__Rating)r)), r);
}

Test(kb, formats_detected)
{
	static const struct {
		const char *file;
		enum cw_kb_format f;
	} cases[] = {
	    {KB_DATA "politifact.jsonl", CW_KB_JSONL},
	    {KB_DATA "snopes.jsonl", CW_KB_JSONL},
	    {KB_DATA "claimreview.json", CW_KB_CLAIMREVIEW},
	    {KB_DATA "factcheckapi.json", CW_KB_FACTCHECKAPI},
	    {KB_DATA "factchecks.csv", CW_KB_CSV},
	};
	for (size_t i = 0; i < CW_ARRAY_SIZE(cases); i++) {
		char *buf, err[256];
		size_t len;
		cr_assert_eq(cw_read_file(cases[i].file, 1 << 20, &buf, &len, err, sizeof(err)), 0,
		             "%s", err);
		cr_expect_eq(cw_kb_detect(buf, len), cases[i].f, "%s: %s", cases[i].file,
		             cw_kb_format_name(cw_kb_detect(buf, len)));
		free(buf);
	}
	cr_expect_eq(cw_kb_detect("[{\"@type\":\"ClaimReview\"}]", 25), CW_KB_CLAIMREVIEW);
	cr_expect_eq(cw_kb_format_parse("csv"), CW_KB_CSV);
	cr_expect_eq(cw_kb_format_parse("nope"), -1);
}

Test(kb, load_politifact)
{
	char *report, hex[17];
	size_t errs;
	struct cw_kb_counts c;
	struct cw_factcheck fc;
	struct cw_tokens t;

	NEED_REDIS();
	c = kb_load(KB_DATA "politifact.jsonl", &errs, &report);
	cr_expect_eq(c.added, 4);
	cr_expect_eq(errs, 1);
	cr_expect(strstr(report, "tests/data/kb/politifact.jsonl:5: ") != NULL, "report: %s",
	          report);
	free(report);

	fc = kb_fetch("vclaim-pol-00001");
	cr_expect_str_eq(fc.rating, "pants-fire");
	cr_expect_eq(fc.rating_normalized, CLAIMWIRE__RATING__RATING_FALSE);
	cr_expect_str_eq(fc.publisher, "PolitiFact");
	cr_expect_str_eq(fc.claimant, "Donald Trump");
	cr_expect_str_eq(fc.date, "2019-10-29");
	cr_expect_str_eq(fc.url, "https://www.politifact.com/factchecks/2019/oct/29/donald-trump/"
	                         "trump-dead-wrong-about-change-murders-chicago/");
	cr_expect(fc.updated_ms > 0);
	/* the same normalisation and fingerprint extract computes */
	cw_norm_text(kb_nz, fc.claim, strlen(fc.claim), 0, &t);
	cr_expect_str_eq(fc.normalized, t.text);
	cw_hex64(cw_fp_exact(&t), hex);
	cr_expect_str_eq(fc.fingerprint, hex);
	{
		char key[128];
		snprintf(key, sizeof(key), "cwt:fc:fp:%s", hex);
		cr_expect_eq(kb_int("SISMEMBER %s vclaim-pol-00001", key), 1);
	}
	cw_factcheck_release(&fc);

	fc = kb_fetch("vclaim-pol-00878");
	cr_expect_eq(fc.rating_normalized, CLAIMWIRE__RATING__RATING_OTHER);
	cw_factcheck_release(&fc);
	fc = kb_fetch("vclaim-pol-00002");
	cr_expect_eq(fc.rating_normalized, CLAIMWIRE__RATING__RATING_FALSE);
	cw_factcheck_release(&fc);
}

Test(kb, load_snopes)
{
	struct cw_kb_counts c;
	struct cw_factcheck fc;

	NEED_REDIS();
	c = kb_load(KB_DATA "snopes.jsonl", NULL, NULL);
	cr_expect_eq(c.added, 3);
	cr_expect_eq(c.errors, 0);
	fc = kb_fetch("vclaim-sno-10-meter-anaconda");
	cr_expect_str_eq(fc.publisher, "Snopes");
	cr_expect_str_eq(fc.rating, "");
	cr_expect_eq(fc.rating_normalized, CLAIMWIRE__RATING__RATING_UNSPECIFIED);
	cr_expect_str_eq(fc.url, "https://www.snopes.com/fact-check/10-meter-anaconda/");
	cr_expect_str_eq(fc.date, "2021-03-06");
	cw_factcheck_release(&fc);
	fc = kb_fetch("vclaim-sno-15-homeless-dead-in-chicago");
	cr_expect_str_eq(fc.url, "https://www.snopes.com/fact-check/15-homeless-dead-in-chicago/");
	cr_expect_str_eq(fc.date, "2019-01-30");
	cw_factcheck_release(&fc);
}

Test(kb, load_claimreview)
{
	struct cw_kb_counts c;
	struct cw_factcheck fc;

	NEED_REDIS();
	c = kb_load(KB_DATA "claimreview.json", NULL, NULL);
	cr_expect_eq(c.added, 2);
	cr_expect_eq(c.errors, 0);
	fc = kb_by_url("https://factcheck.example.org/2024/03/moon-photo");
	cr_expect_str_eq(fc.claim, "A photo shows a flag waving on the Moon because of wind.");
	cr_expect_str_eq(fc.rating, "Pants on Fire!");
	cr_expect_eq(fc.rating_normalized, CLAIMWIRE__RATING__RATING_FALSE);
	cr_expect_str_eq(fc.publisher, "Example Fact Check");
	cr_expect_str_eq(fc.claimant, "Viral Facebook post");
	cr_expect_str_eq(fc.date, "2024-03-12");
	cr_expect_str_eq(fc.title, "No, the flag on the Moon was not blown by wind");
	cr_expect(strncmp(fc.id, "fc-", 3) == 0 && strlen(fc.id) == 19, "id %s", fc.id);
	cw_factcheck_release(&fc);
	fc = kb_by_url("https://factcheck.example.org/2024/04/bridge-cost");
	cr_expect_eq(fc.rating_normalized, CLAIMWIRE__RATING__RATING_MOSTLY_FALSE);
	cr_expect_str_eq(fc.claimant, "Jane Doe");
	cw_factcheck_release(&fc);
}

Test(kb, load_factcheckapi)
{
	struct cw_kb_counts c;
	struct cw_factcheck fc;

	NEED_REDIS();
	c = kb_load(KB_DATA "factcheckapi.json", NULL, NULL);
	cr_expect_eq(c.added, 3, "one fact-check per claimReview");
	fc = kb_by_url("https://fullfact.org/health/hot-water-coronavirus/");
	cr_expect_str_eq(fc.claim, "Drinking hot water every 15 minutes kills the coronavirus.");
	cr_expect_str_eq(fc.publisher, "Full Fact");
	cr_expect_str_eq(fc.claimant, "Social media users");
	cr_expect_str_eq(fc.rating, "Incorrect");
	cr_expect_eq(fc.rating_normalized, CLAIMWIRE__RATING__RATING_FALSE);
	cr_expect_str_eq(fc.date, "2020-03-12");
	cw_factcheck_release(&fc);
	fc = kb_by_url("https://factcheck.afp.com/hot-water-covid");
	cr_expect_str_eq(fc.publisher, "factcheck.afp.com", "site when the name is missing");
	cr_expect_eq(fc.rating_normalized, CLAIMWIRE__RATING__RATING_FALSE);
	cw_factcheck_release(&fc);
	fc = kb_by_url("https://www.politifact.com/factchecks/2019/oct/10/a-senator/unemployment/");
	cr_expect_eq(fc.rating_normalized, CLAIMWIRE__RATING__RATING_MOSTLY_TRUE);
	cw_factcheck_release(&fc);
}

Test(kb, load_csv)
{
	struct cw_kb_counts c;
	struct cw_factcheck fc;
	char *report;

	NEED_REDIS();
	c = kb_load(KB_DATA "factchecks.csv", NULL, &report);
	cr_expect_eq(c.added, 3);
	cr_expect_eq(c.errors, 1);
	cr_expect(strstr(report, "factchecks.csv:5: ") != NULL, "report: %s", report);
	free(report);
	fc = kb_fetch("csv-1");
	cr_expect_str_eq(fc.claim, "Crime rose 50%, says the mayor");
	cr_expect_str_eq(fc.title, "The mayor said \"50%\" but meant 5%");
	cr_expect_str_eq(fc.date, "2021-03-05");
	cr_expect_eq(fc.rating_normalized, CLAIMWIRE__RATING__RATING_MIXED);
	cr_expect_str_eq(fc.claimant, "The Mayor");
	cw_factcheck_release(&fc);
	fc = kb_fetch("csv-2");
	cr_expect(strstr(fc.claim, "with a\r\nline break") != NULL, "claim %s", fc.claim);
	cw_factcheck_release(&fc);
}

/* All fixtures, twice: the second load adds, changes and logs nothing. */
Test(kb, reload_is_idempotent)
{
	static const char *const files[] = {KB_DATA "politifact.jsonl", KB_DATA "snopes.jsonl",
	                                    KB_DATA "claimreview.json", KB_DATA "factcheckapi.json",
	                                    KB_DATA "factchecks.csv"};
	struct cw_kb_counts c;
	long long keys1, keys2;
	char *log1, *log2;
	size_t loaded = 0;

	NEED_REDIS();
	for (size_t i = 0; i < CW_ARRAY_SIZE(files); i++) {
		c = kb_load(files[i], NULL, NULL);
		loaded += c.added;
	}
	cr_assert_eq(loaded, 15);
	keys1 = kb_int("DBSIZE", NULL);
	log1 = kb_str("EVAL %s 0",
	              "return cjson.encode(redis.call('ZRANGE', 'cwt:fc:log', 0, "
	              "-1, 'WITHSCORES'))",
	              NULL);
	for (size_t i = 0; i < CW_ARRAY_SIZE(files); i++) {
		c = kb_load(files[i], NULL, NULL);
		cr_expect_eq(c.added, 0, "%s", files[i]);
		cr_expect_eq(c.updated, 0, "%s", files[i]);
	}
	keys2 = kb_int("DBSIZE", NULL);
	log2 = kb_str("EVAL %s 0",
	              "return cjson.encode(redis.call('ZRANGE', 'cwt:fc:log', 0, "
	              "-1, 'WITHSCORES'))",
	              NULL);
	cr_expect_eq(keys1, keys2);
	cr_expect_str_eq(log1, log2, "no new change-log entries");
	free(log1);
	free(log2);
}

struct kb_changes {
	char rating[64];
	int n, csv1;
};

static int kb_changes_cb(const struct cw_factcheck *fc, void *opaque)
{
	struct kb_changes *ch = opaque;

	ch->n++;
	if (strcmp(fc->id, "csv-1") == 0) {
		ch->csv1++;
		snprintf(ch->rating, sizeof(ch->rating), "%s", fc->rating);
	}
	return 0;
}

Test(kb, rating_change_updates_in_place)
{
	static const char edited[] =
	    "id,claim,rating,url,publisher,date,claimant,title\n"
	    "csv-1,\"Crime rose 50%, says the mayor\",Pants on Fire,https://example.org/fc/1,"
	    "Example Checks,\"March 5, 2021\",The Mayor,\"The mayor said \"\"50%\"\" but meant "
	    "5%\"\n";
	struct cw_kb_load_opts o = {CW_KB_AUTO, NULL, NULL, 0, 0};
	struct cw_kb_counts c = {0};
	struct kb_changes ch = {{0}, 0, 0};
	struct cw_factcheck fc;
	char err[256], *score1, *score2, *other1, *other2;
	int64_t since;
	long long n1, n2;

	NEED_REDIS();
	o.nz = kb_nz;
	kb_load(KB_DATA "factchecks.csv", NULL, NULL);
	cr_assert_eq(cw_kb_foreach(kb_r, kb_changes_cb, &ch, &since, err, sizeof(err)), 0);
	cr_assert_str_eq(ch.rating, "Half True");
	cr_assert_eq(cw_kb_count(kb_r, &n1, err, sizeof(err)), 0);
	score1 = kb_str("ZSCORE %s %s", "cwt:fc:log", "csv-1");
	other1 = kb_str("ZSCORE %s %s", "cwt:fc:log", "csv-2");

	cr_assert_eq(
	    cw_kb_load_buffer(kb_r, "edited.csv", edited, strlen(edited), &o, &c, err, sizeof(err)),
	    0, "%s", err);
	cr_expect_eq(c.updated, 1);
	cr_expect_eq(c.added, 0);
	fc = kb_fetch("csv-1");
	cr_expect_str_eq(fc.rating, "Pants on Fire");
	cr_expect_eq(fc.rating_normalized, CLAIMWIRE__RATING__RATING_FALSE);
	cw_factcheck_release(&fc);
	cr_assert_eq(cw_kb_count(kb_r, &n2, err, sizeof(err)), 0);
	cr_expect_eq(n1, n2, "updated in place, not added");
	score2 = kb_str("ZSCORE %s %s", "cwt:fc:log", "csv-1");
	other2 = kb_str("ZSCORE %s %s", "cwt:fc:log", "csv-2");
	cr_expect(atoll(score2) >= atoll(score1));
	cr_expect_str_eq(other1, other2, "an unchanged fact-check keeps its log entry");

	memset(&ch, 0, sizeof(ch));
	cr_assert_eq(cw_kb_changes_since(kb_r, since, kb_changes_cb, &ch, &since, err, sizeof(err)),
	             0, "%s", err);
	cr_expect_eq(ch.csv1, 1, "the changed fact-check is in the change log");
	cr_expect_str_eq(ch.rating, "Pants on Fire");
	free(score1);
	free(score2);
	free(other1);
	free(other2);
}

struct kb_ids {
	char **ids;
	size_t n;
};

static int kb_ids_cb(const struct cw_factcheck *fc, void *opaque)
{
	struct kb_ids *s = opaque;

	s->ids[s->n++] = cw_xstrdup(fc->id);
	return 0;
}

static int kb_cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* More fact-checks than one page, all with the same log score (one batch):
 * the walk sees each exactly once. */
Test(kb, foreach_pages_through_ties)
{
	enum { N = 1000 };
	size_t cap = 64 + (size_t)N * 64, len = 0;
	char *csv = malloc(cap), err[256];
	struct cw_kb_load_opts o = {CW_KB_CSV, NULL, NULL, N, 0};
	struct cw_kb_counts c = {0};
	struct kb_ids s = {calloc(2 * N, sizeof(char *)), 0};
	int64_t since;

	NEED_REDIS();
	o.nz = kb_nz;
	len += (size_t)snprintf(csv + len, cap - len, "id,claim,rating\n");
	for (int i = 0; i < N; i++)
		len +=
		    (size_t)snprintf(csv + len, cap - len, "p-%04d,claim number %d,False\n", i, i);
	cr_assert_eq(cw_kb_load_buffer(kb_r, "many.csv", csv, len, &o, &c, err, sizeof(err)), 0);
	cr_assert_eq(c.added, N);
	cr_assert_eq(cw_kb_foreach(kb_r, kb_ids_cb, &s, &since, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(s.n, N);
	qsort(s.ids, s.n, sizeof(*s.ids), kb_cmpstr);
	for (size_t i = 1; i < s.n; i++)
		cr_expect(strcmp(s.ids[i - 1], s.ids[i]) != 0, "%s twice", s.ids[i]);
	cr_expect(since > 0);
	for (size_t i = 0; i < s.n; i++)
		free(s.ids[i]);
	free(s.ids);
	free(csv);
}

Test(kb, redis_restart_retry_and_reconnect)
{
	struct cw_factcheck one = {0};
	struct cw_redis_stats st;
	char err[256], id[] = "restart-1", claim[] = "The river flooded twice this year.";
	int rc = -1;
	int64_t deadline;

	NEED_REDIS();
	one.id = id;
	one.claim = claim;
	cr_assert_eq(cw_redis_ping(kb_r, err, sizeof(err)), 0, "%s", err);
	cw_test_redis_kill(&kb_tr);
	cr_expect_eq(cw_redis_ping(kb_r, err, sizeof(err)), CW_ERR_RETRY);
	cr_expect(strlen(err) > 0);
	cr_expect_eq(cw_kb_put(kb_r, &one, 1, NULL, err, sizeof(err)), CW_ERR_RETRY);
	cr_expect_eq(cw_redis_is_connected(kb_r), 0);

	cr_assert_eq(cw_test_redis_spawn(&kb_tr), 0, "restart redis-server");
	/* The backoff is capped at 10 s: within 12 s the handle is back. */
	deadline = cw_mono_ms() + 12000;
	while (cw_mono_ms() < deadline) {
		struct timespec ts = {0, 20 * 1000 * 1000};
		if ((rc = cw_redis_ping(kb_r, err, sizeof(err))) == 0)
			break;
		cr_assert_eq(rc, CW_ERR_RETRY);
		nanosleep(&ts, NULL);
	}
	cr_assert_eq(rc, 0, "reconnected: %s", err);
	cr_expect_eq(cw_kb_put(kb_r, &one, 1, NULL, err, sizeof(err)), 0, "%s", err);
	cw_redis_get_stats(kb_r, &st);
	cr_expect_eq(st.losses, 1);
	cr_expect_eq(st.reconnects, 1);
}
