/*
 * match.c — benchmark of the match worker's per-batch work without Kafka:
 * unpack Claim records, record their sightings in a real redis-server
 * (cw_sightings_record, batches of 500) while deciding each claim against
 * the knowledge base (cw_matcher_decide), and pack its Verdict: that is
 * cw_match_batch, as the worker runs it.  Beside it, in the
 * same run, the same sightings bookkeeping done naively (one round trip per
 * command, no pipelining, no script), which is what pipelining is measured
 * against.
 *
 *   bench-match [PATH...]
 *
 * A private redis-server is started on a unix socket in a temporary directory
 * (without redis-server on PATH the benchmark says so and exits 0).  The
 * knowledge base is the Snopes collection (snopes-vclaims.jsonl of the
 * CheckThat! claim-retrieval data, looked for in $CW_SHARED/data, ../shared/data
 * and /work/shared/data), else the files of tests/data/kb, loaded into Redis
 * with cw_kb_load_file and read back as a worker does (cw_kb_foreach).
 *
 * Claims are real sentences: the tweets and debate queries of the
 * claim-retrieval data and every line of the *.tsv / *.txt files under the
 * PATH arguments (the longest tab-separated field of each line: the sentence
 * of a debate transcript), repeated over articles and outlets until there are
 * CW_BENCH_CLAIMS of them (50,000 by default); every seventh is reworded
 * (its last word dropped), so exact repeats and near-duplicates both occur.
 * They are normalised and fingerprinted as extract does and packed as Claim
 * records, so the unpack cost is counted.
 *
 * Printed as "name value unit", one a line (wall-clock time, since Redis is
 * another process):
 *   match_claims                      claims per measurement
 *   match_factchecks                  fact-checks in the knowledge base
 *   match_claims_per_s                the whole per-batch work, one process
 *   match_claims_per_s_2proc          the same in two forked processes (two
 *                                     match replicas, each with its own Redis
 *                                     connection and matcher), each half the
 *                                     claims: claims / slowest process's time
 *   sightings_claims_per_s            cw_sightings_record alone (default path)
 *   sightings_redis_bytes_per_claim   redis-server's used_memory growth over
 *                                     those claims, per claim: what sightings
 *                                     cost in Redis memory (clusters and
 *                                     pointers) within one TTL
 *   sightings_claims_per_s_2proc      the same in two processes
 *   sightings_per_claim_script_claims_per_s  the Redis Cluster path (one
 *                                     EVALSHA per claim), for comparison
 *   baseline_sightings_claims_per_s   the naive bookkeeping, one round trip
 *                                     per command (over fewer claims)
 *   sightings_speedup_vs_baseline     sightings_claims_per_s / baseline
 *   decide_claims_per_s               cw_matcher_decide alone, every claim
 *                                     searched (match.decision_cache off)
 *   match_decision_cache_hit_rate     share of claims in match_claims_per_s
 *                                     answered from the decision cache (exact
 *                                     repeats of an earlier claim)
 *   match_claims_per_s_no_decision_cache  match_claims_per_s with the cache off
 *   match_redis_cpu_us_per_claim      redis-server's CPU time (user + system)
 *                                     during match_claims_per_s, per claim
 *   match_worker_cpu_us_per_claim     this process's CPU time (every thread)
 *                                     during match_claims_per_s, per claim
 *   match_cpu_bound_claims_per_s      the most the two together allow with
 *                                     every core of this machine busy all the
 *                                     time: where match_claims_per_s stands
 *                                     against the machine
 *   sightings_round_trips_per_batch   Redis round trips per batch of 500
 *   match_worker_bytes_per_10k_factchecks  RSS growth of building the matcher
 *                                     and reading the knowledge base into it,
 *                                     per 10,000 fact-checks
 *
 * CW_BENCH_VERDICTS=FILE also writes every claim's verdict to FILE (status,
 * candidates' ids, methods and exact scores), to check that a change to the
 * matcher decides exactly as before.
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "extract/config.h"
#include "extract/fingerprint.h"
#include "extract/normalize.h"
#include "lib/common.h"
#include "lib/config.h"
#include "lib/keys.h"
#include "lib/redis.h"
#include "match/batch.h"
#include "match/config.h"
#include "match/kb.h"
#include "match/matcher.h"
#include "match/sightings.h"
#include "proto/claimwire.pb-c.h"

#define BATCH          500
#define DEFAULT_CLAIMS 50000
#define BASELINE_MAX   5000
#define NOUTLETS       13
#define PER_ARTICLE    8

static const char *const outlets[NOUTLETS] = {"reuters",   "apnews",   "bbc",    "cnn", "foxnews",
                                              "nytimes",   "guardian", "wapo",   "npr", "breitbart",
                                              "dailymail", "politico", "thehill"};

/* Every real sentence found, as (ptr, len) into the files read. */
struct texts {
	char **bufs;
	size_t nbufs;
	const char **s;
	size_t *len;
	size_t n, cap;
};

/* The benchmark's state: one knowledge base, the claims packed once. */
struct bench {
	struct cw_config *cfg;
	char sock[128];
	struct cw_matcher *m;
	struct cw_sightings_opts so;
	size_t bands, rows, k;
	uint8_t **packed;
	size_t *plen;
	size_t n;
};

/* The private redis-server: a unix socket in a fresh temporary directory. */
struct server {
	char dir[64];
	char sock[100];
	pid_t pid;
};

static int server_up(const char *sock)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0), ok;

	memcpy(a.sun_path, sock, strlen(sock) + 1); /* sock[100] fits sun_path[108] */
	ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

/* 0 once redis-server accepts connections (at most 5 s), or -1. */
static int server_start(struct server *sv)
{
	struct timespec ts = {0, 5 * 1000 * 1000};

	snprintf(sv->dir, sizeof(sv->dir), "/tmp/cw-bench-match.XXXXXX");
	if (!mkdtemp(sv->dir))
		return -1;
	snprintf(sv->sock, sizeof(sv->sock), "%s/redis.sock", sv->dir);
	sv->pid = fork();
	if (sv->pid < 0)
		return -1;
	if (sv->pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);
		if (devnull >= 0) {
			dup2(devnull, 1);
			dup2(devnull, 2);
		}
		execlp("redis-server", "redis-server", "--port", "0", "--unixsocket", sv->sock,
		       "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", sv->dir,
		       (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 1000; i++) {
		int status;
		if (server_up(sv->sock))
			return 0;
		if (waitpid(sv->pid, &status, WNOHANG) == sv->pid) {
			sv->pid = 0;
			rmdir(sv->dir);
			return -1;
		}
		nanosleep(&ts, NULL); /* polling for readiness */
	}
	return -1;
}

static void server_stop(struct server *sv)
{
	if (sv->pid > 0) {
		kill(sv->pid, SIGTERM);
		waitpid(sv->pid, NULL, 0);
	}
	unlink(sv->sock);
	rmdir(sv->dir);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long rss_bytes(void)
{
	long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	return rss * sysconf(_SC_PAGESIZE);
}

static void add_text(struct texts *t, const char *s, size_t len)
{
	while (len && (*s == ' ' || *s == '"'))
		s++, len--;
	if (len < 20)
		return; /* too short to be a claim */
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 4096;
		t->s = cw_xrealloc(t->s, t->cap * sizeof(*t->s));
		t->len = cw_xrealloc(t->len, t->cap * sizeof(*t->len));
	}
	t->s[t->n] = s;
	t->len[t->n] = len;
	t->n++;
}

/* Takes the longest tab-separated field of every line of a file. */
static void read_lines(struct texts *t, const char *path)
{
	char *buf = NULL, err[256];
	size_t len = 0;

	if (cw_read_file(path, (size_t)64 << 20, &buf, &len, err, sizeof(err)))
		return;
	t->bufs = cw_xrealloc(t->bufs, (t->nbufs + 1) * sizeof(*t->bufs));
	t->bufs[t->nbufs++] = buf;
	for (size_t i = 0; i < len;) {
		size_t e = i, best = i, bestlen = 0, f = i;
		while (e < len && buf[e] != '\n')
			e++;
		for (size_t j = i; j <= e; j++) {
			if (j == e || buf[j] == '\t') {
				if (j - f > bestlen) {
					best = f;
					bestlen = j - f;
				}
				f = j + 1;
			}
		}
		add_text(t, buf + best, bestlen);
		i = e + 1;
	}
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

static void read_path(struct texts *t, const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	char p[4096];

	if (stat(path, &st))
		return;
	if (!S_ISDIR(st.st_mode)) {
		if (ends_with(path, ".tsv") || ends_with(path, ".txt"))
			read_lines(t, path);
		return;
	}
	if (!(d = opendir(path)))
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%.3800s/%.255s", path, e->d_name);
		read_path(t, p);
	}
	closedir(d);
}

/* The claim-retrieval directory, or NULL. */
static const char *find_shared(char *buf, size_t size)
{
	const char *roots[3] = {getenv("CW_SHARED"), "../shared", "/work/shared"};
	struct stat st;

	for (int i = 0; i < 3; i++) {
		if (!roots[i])
			continue;
		snprintf(buf, size, "%s/data/claim-retrieval", roots[i]);
		if (stat(buf, &st) == 0 && S_ISDIR(st.st_mode))
			return buf;
	}
	return NULL;
}

static struct cw_redis *connect_prefix(const char *sock, const char *prefix)
{
	struct cw_redis_params p = {0};
	char err[256];
	struct cw_redis *r;

	p.socket = sock;
	p.key_prefix = prefix;
	p.command_timeout_ms = 60000;
	r = cw_redis_new_params(&p, err, sizeof(err));
	if (!r || cw_redis_connect(r, err, sizeof(err))) {
		fprintf(stderr, "bench-match: redis: %s\n", err);
		exit(1);
	}
	return r;
}

static int put_fc(const struct cw_factcheck *fc, void *opaque)
{
	cw_matcher_put(opaque, fc);
	return 0;
}

/* Loads the knowledge base into Redis and a matcher from it; returns the
 * number of fact-checks and sets *bytes to the RSS growth of the matcher. */
static size_t load_kb(struct bench *b, const char *shared, struct cw_norm *nz, long *bytes)
{
	struct cw_redis *r = connect_prefix(b->sock, "cw:");
	struct cw_kb_load_opts lo = {.nz = nz};
	struct cw_kb_counts counts = {0};
	char p[4096], err[512];
	int64_t since = 0;
	long rss0;
	struct stat st;

	snprintf(p, sizeof(p), "%.4000s/snopes-vclaims.jsonl", shared ? shared : ".");
	if (shared && stat(p, &st) == 0) {
		if (cw_kb_load_file(r, p, &lo, &counts, err, sizeof(err)))
			fprintf(stderr, "bench-match: %s\n", err);
	} else {
		static const char *const files[] = {"tests/data/kb/claimreview.json",
		                                    "tests/data/kb/factcheckapi.json"};
		for (size_t i = 0; i < 2; i++)
			if (cw_kb_load_file(r, files[i], &lo, &counts, err, sizeof(err)))
				fprintf(stderr, "bench-match: %s\n", err);
	}
	rss0 = rss_bytes();
	b->m = cw_matcher_new(b->cfg, err, sizeof(err));
	if (!b->m) {
		fprintf(stderr, "bench-match: %s\n", err);
		exit(1);
	}
	if (cw_kb_foreach(r, put_fc, b->m, &since, err, sizeof(err))) {
		fprintf(stderr, "bench-match: %s\n", err);
		exit(1);
	}
	*bytes = rss_bytes() - rss0;
	cw_redis_free(r);
	return cw_matcher_count(b->m);
}

/* Packs n claims, cycling over the texts, as extract would emit them. */
static void make_claims(struct bench *b, const struct texts *t, struct cw_norm *nz, size_t n)
{
	uint32_t *sig = cw_xcalloc(b->k, sizeof(*sig));
	char fp[17], art[32];

	b->packed = cw_xcalloc(n, sizeof(*b->packed));
	b->plen = cw_xcalloc(n, sizeof(*b->plen));
	b->n = n;
	for (size_t i = 0; i < n; i++) {
		/* a stride co-prime with most sizes spreads repeats over the run */
		size_t j = (i * 7919) % t->n, len = t->len[j];
		const char *s = t->s[j];
		char *text, *norm;
		struct cw_tokens tok;
		Claimwire__Claim c;

		if (i % 7 == 3) { /* reworded: the last word dropped */
			while (len > 1 && s[len - 1] != ' ')
				len--;
			while (len > 1 && s[len - 1] == ' ')
				len--;
		}
		text = cw_xstrndup(s, len);
		cw_norm_text(nz, text, len, 0, &tok);
		norm = cw_xstrndup(tok.text, tok.len);
		cw_hex64(cw_fp_exact(&tok), fp);
		cw_fp_minhash(&tok, sig, b->k);
		snprintf(art, sizeof(art), "art-%zu", i / PER_ARTICLE);

		claimwire__claim__init(&c);
		c.schema_version = CLAIMWIRE__SCHEMA_VERSION__SCHEMA_VERSION_1;
		c.fingerprint = fp;
		c.article_id = art;
		c.outlet = (char *)(uintptr_t)outlets[(i / PER_ARTICLE) % NOUTLETS];
		c.sentence_index = (uint32_t)(i % PER_ARTICLE);
		c.sentence = text;
		c.text = text;
		c.normalized = norm;
		c.checkworthiness = 0.5f + (float)(i % 5) / 10.0f;
		c.check_worthy = c.checkworthiness >= 0.7f;
		c.simhash = cw_fp_simhash(&tok);
		c.n_minhash = b->k;
		c.minhash = sig;
		c.published = 1600000000 + (int64_t)i;
		c.claim_index = (uint32_t)(i % PER_ARTICLE);
		c.claim_count = PER_ARTICLE;
		b->plen[i] = claimwire__claim__get_packed_size(&c);
		b->packed[i] = cw_xmalloc(b->plen[i]);
		claimwire__claim__pack(&c, b->packed[i]);
		free(text);
		free(norm);
	}
	free(sig);
}

/* Fills in from an unpacked claim, as the worker does. */
static void sighting_in(const struct bench *b, const Claimwire__Claim *c, uint64_t *keys,
                        struct cw_sighting_in *in)
{
	memset(in, 0, sizeof(*in));
	in->fingerprint = c->fingerprint;
	in->simhash = c->simhash;
	if (c->n_minhash >= b->bands * b->rows) {
		cw_fp_lsh_keys(c->minhash, b->bands, b->rows, keys);
		in->lsh_keys = keys;
		in->nbands = b->bands;
		in->minhash = c->minhash;
		in->n_minhash = c->n_minhash;
	}
	in->outlet = c->outlet && *c->outlet ? c->outlet : "unknown";
	in->article_id = c->article_id;
	in->time_ms = c->published > 0 ? c->published * 1000 : cw_now_ms();
}

/* The worker's per-batch work on claims [lo, hi): what match/main.c's
 * process() does, with the produce calls left out.  Returns the number of
 * confirmed verdicts, or -1 on a Redis error. */
/* What the worker does with a verdict, but for sending it: pack it. */
static int pack_verdict(const Claimwire__Verdict *v, void *opaque)
{
	size_t len = claimwire__verdict__get_packed_size(v);
	uint8_t *buf = cw_xmalloc(len);

	claimwire__verdict__pack(v, buf);
	free(buf);
	*(long *)opaque += v->status == CLAIMWIRE__VERDICT_STATUS__VERDICT_STATUS_CONFIRMED;
	return 0;
}

/* The match worker's per-batch work (cw_match_batch, as match/main.c runs
 * it) over claims [lo, hi): unpack, sightings and decisions, verdicts
 * packed.  Returns the claims confirmed, or -1. */
static long match_range(const struct bench *b, struct cw_redis *r, size_t lo, size_t hi)
{
	Claimwire__Claim *claims[BATCH];
	struct cw_sighting_in in[BATCH];
	static uint64_t keys[BATCH * CW_FP_LSH_MAX_BANDS];
	long confirmed = 0;
	char err[512];

	for (size_t s = lo; s < hi; s += BATCH) {
		size_t n = hi - s < BATCH ? hi - s : BATCH, m = 0;
		for (size_t i = 0; i < n; i++) {
			Claimwire__Claim *c =
			    claimwire__claim__unpack(NULL, b->plen[s + i], b->packed[s + i]);
			if (!c)
				continue;
			claims[m] = c;
			sighting_in(b, c, keys + m * CW_FP_LSH_MAX_BANDS, &in[m]);
			m++;
		}
		int rc = cw_match_batch(r, &b->so, b->m, claims, in, m, pack_verdict, &confirmed,
		                        err, sizeof(err));
		for (size_t i = 0; i < m; i++)
			claimwire__claim__free_unpacked(claims[i], NULL);
		if (rc) {
			fprintf(stderr, "bench-match: sightings: %s\n", err);
			return -1;
		}
	}
	return confirmed;
}

/* Unpacked claims and their sighting inputs, for the measurements of one part. */
struct unpacked {
	Claimwire__Claim **c;
	struct cw_sighting_in *in;
	uint64_t *keys;
	size_t n;
};

static void unpack_all(const struct bench *b, struct unpacked *u)
{
	u->n = b->n;
	u->c = cw_xcalloc(b->n, sizeof(*u->c));
	u->in = cw_xcalloc(b->n, sizeof(*u->in));
	u->keys = cw_xcalloc(b->n * CW_FP_LSH_MAX_BANDS, sizeof(*u->keys));
	for (size_t i = 0; i < b->n; i++) {
		u->c[i] = claimwire__claim__unpack(NULL, b->plen[i], b->packed[i]);
		sighting_in(b, u->c[i], u->keys + i * CW_FP_LSH_MAX_BANDS, &u->in[i]);
	}
}

static int sightings_range(const struct bench *b, const struct unpacked *u, struct cw_redis *r,
                           const struct cw_sightings_opts *so, size_t lo, size_t hi)
{
	struct cw_sighting out[BATCH];
	char err[512];

	(void)b;
	for (size_t s = lo; s < hi; s += BATCH) {
		size_t n = hi - s < BATCH ? hi - s : BATCH;
		if (cw_sightings_record(r, so, u->in + s, n, out, err, sizeof(err))) {
			fprintf(stderr, "bench-match: sightings: %s\n", err);
			return -1;
		}
		for (size_t i = 0; i < n; i++)
			cw_sighting_release(&out[i]);
	}
	return 0;
}

/* The naive bookkeeping: the same keys and the same decisions as
 * cw_sightings_record, but one blocking command at a time. */
static int baseline_one(struct cw_redis *r, const struct cw_sighting_in *in, long long ttl,
                        int maxham)
{
	char key[256], hkey[256], okey[256], akey[256], cluster[17], ptr[40], sim[17], tms[24];
	redisReply *rep;
	char err[256];
	int best = maxham + 1;

	snprintf(cluster, sizeof(cluster), "%s", in->fingerprint);
	cw_redis_key(r, key, sizeof(key), "sg:fp:%s", in->fingerprint);
	if (cw_redis_command(r, &rep, err, sizeof(err), "GET %s", key) < 0)
		return -1;
	if (rep->type == REDIS_REPLY_STRING && rep->len == 33) {
		memcpy(cluster, rep->str, 16);
	} else {
		for (size_t b = 0; b < in->nbands; b++) {
			char hex[17];
			cw_hex64(in->lsh_keys[b], hex);
			cw_redis_key(r, key, sizeof(key), "lsh:%zu:%s", b, hex);
			if (cw_redis_command(r, &rep, err, sizeof(err), "GET %s", key) < 0)
				return -1;
			if (rep->type == REDIS_REPLY_STRING && rep->len == 33) {
				int d =
				    cw_fp_hamming(strtoull(rep->str + 17, NULL, 16), in->simhash);
				if (d < best) {
					best = d;
					memcpy(cluster, rep->str, 16);
				}
			}
		}
	}
	cw_redis_key(r, hkey, sizeof(hkey), "sg:{%s}", cluster);
	cw_redis_key(r, okey, sizeof(okey), "sg:{%s}:outlets", cluster);
	cw_redis_key(r, akey, sizeof(akey), "sg:{%s}:articles", cluster);
	snprintf(tms, sizeof(tms), "%lld", (long long)in->time_ms);
	if (cw_redis_command(r, &rep, err, sizeof(err), "HMGET %s first_seen_ms first_article",
	                     hkey) < 0)
		return -1;
	if (rep->element[0]->type != REDIS_REPLY_STRING ||
	    in->time_ms < strtoll(rep->element[0]->str, NULL, 10))
		if (cw_redis_command(r, NULL, err, sizeof(err),
		                     "HSET %s first_seen_ms %s first_outlet %s first_article %s",
		                     hkey, tms, in->outlet, in->article_id) < 0)
			return -1;
	if (cw_redis_command(r, NULL, err, sizeof(err), "SADD %s %s", okey, in->outlet) < 0 ||
	    cw_redis_command(r, NULL, err, sizeof(err), "SADD %s %s", akey, in->article_id) < 0 ||
	    cw_redis_command(r, NULL, err, sizeof(err), "EXPIRE %s %lld", hkey, ttl) < 0 ||
	    cw_redis_command(r, NULL, err, sizeof(err), "EXPIRE %s %lld", okey, ttl) < 0 ||
	    cw_redis_command(r, NULL, err, sizeof(err), "EXPIRE %s %lld", akey, ttl) < 0 ||
	    cw_redis_command(r, NULL, err, sizeof(err), "SCARD %s", okey) < 0 ||
	    cw_redis_command(r, NULL, err, sizeof(err), "SCARD %s", akey) < 0 ||
	    cw_redis_command(r, NULL, err, sizeof(err), "HMGET %s first_outlet first_seen_ms",
	                     hkey) < 0)
		return -1;
	cw_hex64(in->simhash, sim);
	snprintf(ptr, sizeof(ptr), "%s %s", cluster, sim);
	cw_redis_key(r, key, sizeof(key), "sg:fp:%s", in->fingerprint);
	if (cw_redis_command(r, NULL, err, sizeof(err), "SET %s %s EX %lld NX", key, ptr, ttl) <
	        0 ||
	    cw_redis_command(r, NULL, err, sizeof(err), "EXPIRE %s %lld", key, ttl) < 0)
		return -1;
	for (size_t b = 0; b < in->nbands; b++) {
		char hex[17];
		cw_hex64(in->lsh_keys[b], hex);
		cw_redis_key(r, key, sizeof(key), "lsh:%zu:%s", b, hex);
		if (cw_redis_command(r, NULL, err, sizeof(err), "SET %s %s EX %lld NX", key, ptr,
		                     ttl) < 0)
			return -1;
	}
	return 0;
}

enum mode { MODE_MATCH, MODE_SIGHTINGS };

/* Runs claims [0, n) split over nproc forked processes, each with its own
 * connection (prefix) and its copy of the matcher; returns claims per second
 * of wall-clock time, timed from a common start to the last one's end. */
static double run_procs(const struct bench *b, const struct unpacked *u, enum mode mode,
                        const char *prefix, int nproc)
{
	int go[2], res[2];
	pid_t pids[2];
	double worst = 0;

	if (pipe(go) || pipe(res))
		return 0;
	for (int p = 0; p < nproc; p++) {
		size_t lo = b->n * (size_t)p / (size_t)nproc,
		       hi = b->n * (size_t)(p + 1) / (size_t)nproc;
		pids[p] = fork();
		if (pids[p] == 0) {
			struct cw_redis *r = connect_prefix(b->sock, prefix);
			double t0, t;
			char c;
			int rc;

			close(go[1]);
			close(res[0]);
			if (read(go[0], &c, 1) != 1)
				_exit(1);
			t0 = now_s();
			rc = mode == MODE_MATCH ? (match_range(b, r, lo, hi) < 0 ? -1 : 0)
			                        : sightings_range(b, u, r, &b->so, lo, hi);
			t = rc ? -1.0 : now_s() - t0;
			if (write(res[1], &t, sizeof(t)) != (ssize_t)sizeof(t))
				_exit(1);
			cw_redis_free(r);
			_exit(0);
		}
	}
	close(go[0]);
	close(res[1]);
	if (write(go[1], "gogo", (size_t)nproc) != nproc)
		worst = -1;
	for (int p = 0; p < nproc; p++) {
		double t = -1;
		if (read(res[0], &t, sizeof(t)) != (ssize_t)sizeof(t) || t < 0)
			worst = -1;
		else if (worst >= 0 && t > worst)
			worst = t;
	}
	for (int p = 0; p < nproc; p++)
		waitpid(pids[p], NULL, 0);
	close(go[1]);
	close(res[0]);
	return worst > 0 ? (double)b->n / worst : 0;
}

/* CPU seconds used by the redis-server (INFO cpu), or -1. */
static double redis_cpu_s(struct cw_redis *r)
{
	redisReply *rep;
	char err[256];
	const char *u, *y;

	if (cw_redis_command(r, &rep, err, sizeof(err), "INFO cpu") ||
	    rep->type != REDIS_REPLY_STRING)
		return -1;
	u = strstr(rep->str, "used_cpu_user:");
	y = strstr(rep->str, "used_cpu_sys:");
	return u && y ? strtod(u + 14, NULL) + strtod(y + 13, NULL) : -1;
}

/* Bytes redis-server holds for data (INFO memory used_memory), -1 unknown. */
static double redis_used_bytes(struct cw_redis *r)
{
	redisReply *rep;
	char err[256];
	const char *m;

	if (cw_redis_command(r, &rep, err, sizeof(err), "INFO memory") ||
	    rep->type != REDIS_REPLY_STRING)
		return -1;
	m = strstr(rep->str, "used_memory:");
	return m ? strtod(m + 12, NULL) : -1;
}

static double self_cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void stats_delta(struct cw_redis *r, const struct cw_redis_stats *s0, double batches)
{
	struct cw_redis_stats s1;
	cw_redis_get_stats(r, &s1);
	printf("sightings_round_trips_per_batch %.2f count\n",
	       (double)(s1.round_trips - s0->round_trips) / batches);
	printf("sightings_commands_per_claim %.2f count\n",
	       (double)(s1.commands - s0->commands) / (batches * BATCH));
}

/* Writes every claim's verdict, one line each: status, then id, method and
 * score (exact, as %a) of the best and every candidate, so two builds'
 * decisions can be compared with diff. */
static int dump_verdicts(struct bench *b, const struct unpacked *u, const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	for (size_t i = 0; i < b->n; i++) {
		Claimwire__Verdict v;
		claimwire__verdict__init(&v);
		v.claim = u->c[i];
		cw_matcher_decide(b->m, u->c[i], &v);
		fprintf(f, "%d", (int)v.status);
		if (v.best)
			fprintf(f, " %s/%d/%a", v.best->fact_check->id, (int)v.best->method,
			        (double)v.best->score);
		for (size_t j = 0; j < v.n_candidates; j++)
			fprintf(f, " %s/%d/%a", v.candidates[j]->fact_check->id,
			        (int)v.candidates[j]->method, (double)v.candidates[j]->score);
		fputc('\n', f);
		cw_matcher_release_verdict(&v);
	}
	return fclose(f) ? -1 : 0;
}

int main(int argc, char **argv)
{
	static const struct cw_config_key *const schemas[] = {
	    cw_lib_config_keys, cw_extract_config_keys, cw_match_config_keys, NULL};
	struct bench b = {0};
	struct texts t = {0};
	struct server tr = {0};
	struct unpacked u;
	struct cw_norm *nz;
	struct cw_redis *r;
	struct cw_redis_stats st0;
	struct cw_sightings_opts so;
	char sharedbuf[4096], p[4200], err[512];
	const char *shared = find_shared(sharedbuf, sizeof(sharedbuf)), *env;
	size_t nclaims = DEFAULT_CLAIMS, nfc, nbase;
	long kb_bytes = 0;
	double t0, elapsed, base, sg, rcpu, ccpu, rmem;

	if (server_start(&tr)) {
		printf("# bench-match: redis-server is not on PATH or did not start; skipped\n");
		return 0;
	}
	signal(SIGPIPE, SIG_IGN);
	env = getenv("CW_BENCH_CLAIMS");
	if (env && atol(env) > 0)
		nclaims = (size_t)atol(env);
	b.cfg = cw_config_new(schemas);
	snprintf(b.sock, sizeof(b.sock), "%s", tr.sock);
	snprintf(p, sizeof(p), "redis.socket=%s", tr.sock);
	cw_config_set_arg(b.cfg, p, "bench", err, sizeof(err));
	if (cw_extract_lsh_config(b.cfg, &b.bands, &b.rows, err, sizeof(err))) {
		fprintf(stderr, "bench-match: %s\n", err);
		goto out;
	}
	b.k = (size_t)cw_config_int(b.cfg, "extract.minhash_size");
	cw_sightings_opts_from_config(&b.so, b.cfg);
	nz = cw_norm_new(cw_config_str(b.cfg, "extract.language"), err, sizeof(err));
	if (!nz) {
		fprintf(stderr, "bench-match: %s\n", err);
		goto out;
	}

	nfc = load_kb(&b, shared, nz, &kb_bytes);
	for (int i = 1; i < argc; i++)
		read_path(&t, argv[i]);
	if (shared) {
		static const char *const q[] = {"tweets-train", "tweets-dev", "debates-train",
		                                "debates-dev"};
		for (size_t i = 0; i < 4; i++) {
			snprintf(p, sizeof(p), "%.4000s/%s.queries.tsv", shared, q[i]);
			read_lines(&t, p);
		}
	}
	if (t.n < 100)
		read_path(&t, "tests/data/normalize/sentences.txt");
	if (t.n == 0) {
		fprintf(stderr, "bench-match: no sentences found\n");
		goto out;
	}
	make_claims(&b, &t, nz, nclaims);
	unpack_all(&b, &u);
	printf("match_claims %zu count\n", b.n);
	printf("match_sentences %zu count\n", t.n);
	printf("match_factchecks %zu count\n", nfc);
	printf("match_worker_bytes_per_10k_factchecks %.0f bytes\n",
	       nfc ? (double)kb_bytes * 10000.0 / (double)nfc : 0.0);

	/* Each measurement writes its sightings under its own prefix, so each
	 * starts from an empty store (the first batch of a run is as cold as in
	 * a new deployment; later ones find earlier claims). */
	r = connect_prefix(b.sock, "s1:");
	if (getenv("CW_BENCH_COMMANDSTATS")) {
		/* the commandstats printed below are then the sightings phase's alone */
		redisReply *cs;
		cw_redis_command(r, &cs, err, sizeof(err), "CONFIG RESETSTAT");
	}
	cw_redis_get_stats(r, &st0);
	rcpu = redis_cpu_s(r);
	rmem = redis_used_bytes(r);
	ccpu = self_cpu_s();
	t0 = now_s();
	if (sightings_range(&b, &u, r, &b.so, 0, b.n))
		goto out;
	sg = (double)b.n / (now_s() - t0);
	ccpu = self_cpu_s() - ccpu;
	rcpu = redis_cpu_s(r) - rcpu;
	rmem = redis_used_bytes(r) - rmem;
	printf("sightings_claims_per_s %.0f claims/s\n", sg);
	if (getenv("CW_BENCH_COMMANDSTATS")) {
		redisReply *cs;
		if (cw_redis_command(r, &cs, err, sizeof(err), "INFO commandstats") == 0)
			fprintf(stderr, "%s\n", cs->str);
	}
	printf("sightings_redis_cpu_us_per_claim %.2f us\n", rcpu * 1e6 / (double)b.n);
	printf("sightings_client_cpu_us_per_claim %.2f us\n", ccpu * 1e6 / (double)b.n);
	printf("sightings_redis_bytes_per_claim %.0f bytes\n", rmem / (double)b.n);
	stats_delta(r, &st0, (double)(b.n + BATCH - 1) / BATCH);
	cw_redis_free(r);

	printf("sightings_claims_per_s_2proc %.0f claims/s\n",
	       run_procs(&b, &u, MODE_SIGHTINGS, "s2:", 2));

	so = b.so;
	so.per_claim_script = 1;
	r = connect_prefix(b.sock, "s3:");
	t0 = now_s();
	if (sightings_range(&b, &u, r, &so, 0, b.n))
		goto out;
	printf("sightings_per_claim_script_claims_per_s %.0f claims/s\n",
	       (double)b.n / (now_s() - t0));
	cw_redis_free(r);

	r = connect_prefix(b.sock, "b0:");
	nbase = b.n < BASELINE_MAX ? b.n : BASELINE_MAX;
	t0 = now_s();
	for (size_t i = 0; i < nbase; i++)
		if (baseline_one(r, &u.in[i], b.so.ttl_s > 0 ? b.so.ttl_s : 604800,
		                 b.so.max_hamming > 0 ? b.so.max_hamming : 12)) {
			fprintf(stderr, "bench-match: baseline failed\n");
			goto out;
		}
	base = (double)nbase / (now_s() - t0);
	printf("baseline_sightings_claims_per_s %.0f claims/s\n", base);
	printf("sightings_speedup_vs_baseline %.1f x\n", sg / base);
	cw_redis_free(r);

	/* Decide alone: every claim searched, the decision cache off. */
	size_t cache = (size_t)cw_config_int(b.cfg, "match.decision_cache"), hits, lookups;
	cw_matcher_set_decision_cache(b.m, 0);
	t0 = now_s();
	for (size_t i = 0; i < b.n; i++) {
		Claimwire__Verdict v;
		claimwire__verdict__init(&v);
		v.claim = u.c[i];
		cw_matcher_decide(b.m, u.c[i], &v);
		cw_matcher_release_verdict(&v);
	}
	printf("decide_claims_per_s %.0f claims/s\n", (double)b.n / (now_s() - t0));
	/* The verdicts as the worker makes them, cache on: the same as searched. */
	cw_matcher_set_decision_cache(b.m, cache);
	env = getenv("CW_BENCH_VERDICTS");
	if (env && *env && dump_verdicts(&b, &u, env))
		fprintf(stderr, "bench-match: cannot write %s\n", env);

	/* The worker's per-batch work as configured (decision cache on, empty
	 * at the start), and beside it the same with the cache off. */
	cw_matcher_set_decision_cache(b.m, cache);
	r = connect_prefix(b.sock, "m1:");
	rcpu = redis_cpu_s(r);
	ccpu = self_cpu_s();
	t0 = now_s();
	if (match_range(&b, r, 0, b.n) < 0)
		goto out;
	elapsed = now_s() - t0;
	ccpu = self_cpu_s() - ccpu;
	rcpu = redis_cpu_s(r) - rcpu;
	cw_matcher_cache_stats(b.m, &hits, &lookups);
	printf("match_claims_per_s %.0f claims/s\n", (double)b.n / elapsed);
	printf("match_redis_cpu_us_per_claim %.2f us\n", rcpu * 1e6 / (double)b.n);
	printf("match_worker_cpu_us_per_claim %.2f us\n", ccpu * 1e6 / (double)b.n);
	printf("match_cpu_bound_claims_per_s %.0f claims/s\n",
	       rcpu + ccpu > 0 ? (double)sysconf(_SC_NPROCESSORS_ONLN) * (double)b.n / (rcpu + ccpu)
	                       : 0.0);
	printf("match_decision_cache_hit_rate %.3f ratio\n",
	       lookups ? (double)hits / (double)lookups : 0.0);
	cw_redis_free(r);
	cw_matcher_set_decision_cache(b.m, 0);
	r = connect_prefix(b.sock, "m0:");
	t0 = now_s();
	if (match_range(&b, r, 0, b.n) < 0)
		goto out;
	elapsed = now_s() - t0;
	printf("match_claims_per_s_no_decision_cache %.0f claims/s\n", (double)b.n / elapsed);
	cw_redis_free(r);
	cw_matcher_set_decision_cache(b.m, cache);
	printf("match_claims_per_s_2proc %.0f claims/s\n", run_procs(&b, &u, MODE_MATCH, "m2:", 2));
out:
	server_stop(&tr);
	return 0;
}
