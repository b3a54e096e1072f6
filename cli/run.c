/*
 * run.c — `claimwire run`: the whole pipeline on one machine, from one
 * command, and nothing left behind.
 *
 * Unless the configuration names real brokers (kafka.bootstrap.servers) and a
 * Redis (redis.socket or redis.host), it starts the embedded broker and a
 * private redis-server on a unix socket in a temporary folder.  Then it loads
 * the knowledge base, starts the extract, match and report workers as
 * separate processes, feeds the input through ingest, and drains the pipeline
 * stage by stage: when ingest has exited, extract is told (SIGUSR1) to exit
 * once its input is consumed; when extract has exited, match is told; then
 * report, which writes the files and prints the summary.  Whatever happens —
 * a worker failing, Ctrl-C — every process it started is stopped.
 */
#include <errno.h>
#include <fcntl.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/schema.h"
#include "lib/cli.h"
#include "lib/common.h"
#include "lib/log.h"
#include "lib/producer.h"

const struct cw_config_key cw_run_config_keys[] = {
    {"run.out_dir", CW_CONF_STRING, "out", 0, 0, "where run writes verdicts and reports"},
    {"run.replicas", CW_CONF_INT, "1", 1, 16,
     "extract and match workers started (one consumer group each)"},
    {"run.stage_timeout_s", CW_CONF_INT, "600", 1, 86400,
     "longest a stage may take to drain before run gives up"},
    {"run.embedded_max_lag_bytes", CW_CONF_INT, "1048576", 4096, 4194304,
     "backpressure bound used with the embedded broker (it keeps ~5 MiB per partition)"},
    {NULL, 0, NULL, 0, 0, NULL},
};

enum { MAX_CHILDREN = 64 };

struct child {
	pid_t pid;
	char name[32];
	int exited, status;
	int infra; /* the broker or redis-server: stopped after the workers */
};

static struct child children[MAX_CHILDREN];
static size_t nchildren;
static volatile sig_atomic_t interrupted;
static char self_exe[4096];

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static const char usage_text[] =
    "usage: claimwire run [options] [INPUT…]\n\n"
    "Runs the whole pipeline on this machine: the embedded broker and a private\n"
    "Redis (unless the configuration names real ones), the knowledge base, the\n"
    "four workers, the INPUT files or folders (stdin when none), then prints\n"
    "each article's claims and verdicts, writes OUT/verdicts.jsonl, .csv and\n"
    "report.html, and stops everything it started.\n\n"
    "options:\n"
    "  -k, --kb FILE         load fact-checks from FILE first (repeatable)\n"
    "  -o, --out DIR         output folder (run.out_dir, default out)\n"
    "  -s, --serve           keep the dashboard up after the batch, until Ctrl-C\n"
    "  -r, --replicas N      extract and match workers to start (run.replicas)\n" CW_CLI_HELP;

static struct child *find_child(pid_t pid)
{
	for (size_t i = 0; i < nchildren; i++)
		if (children[i].pid == pid)
			return &children[i];
	return NULL;
}

/* Starts `claimwire ARGV…` (or another program when argv[0] is absolute). */
static pid_t spawn(const char *name, char *const argv[], const char *stdout_path)
{
	pid_t pid;

	pid_t parent = getpid();

	if (nchildren == MAX_CHILDREN)
		return -1;
	pid = fork();
	if (pid < 0) {
		cw_err("msg=\"fork failed\" error=\"%s\"", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		/* A child never outlives the runner, even after kill -9 of it
		 * (and if the runner died before this line, it stops now). */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(1);
		/* Its own process group: Ctrl-C reaches the runner alone, which
		 * then stops the workers before the broker and Redis. */
		setpgid(0, 0);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		if (stdout_path) {
			int fd = open(stdout_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
			if (fd >= 0) {
				dup2(fd, STDOUT_FILENO);
				close(fd);
			}
		}
		if (argv[0][0] == '/')
			execv(argv[0], argv);
		else
			execvp(argv[0], argv);
		fprintf(stderr, "claimwire run: cannot start %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	children[nchildren].pid = pid;
	snprintf(children[nchildren].name, sizeof(children[nchildren].name), "%s", name);
	nchildren++;
	return pid;
}

/* Reaps children without blocking; returns a failed one, if any. */
static struct child *reap(void)
{
	struct child *failed = NULL;
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		struct child *c = find_child(pid);
		if (!c)
			continue;
		c->exited = 1;
		c->status = status;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed = c;
	}
	return failed;
}

static void describe_exit(const struct child *c)
{
	if (WIFSIGNALED(c->status))
		cw_err("msg=\"process died\" process=%s pid=%d signal=%d", c->name, (int)c->pid,
		       WTERMSIG(c->status));
	else
		cw_err("msg=\"process failed\" process=%s pid=%d exit=%d", c->name, (int)c->pid,
		       WEXITSTATUS(c->status));
}

/* Waits until child c exits (0 when it exited 0), another child fails, the
 * user interrupts, or timeout_s passes. */
static int wait_child(struct child *c, int timeout_s)
{
	int64_t deadline = cw_mono_ms() + (int64_t)timeout_s * 1000;

	while (!c->exited) {
		struct child *failed = reap();
		if (failed && failed != c) {
			describe_exit(failed);
			return -1;
		}
		if (c->exited)
			break;
		if (interrupted)
			return -1;
		if (cw_mono_ms() > deadline) {
			cw_err("msg=\"timed out waiting\" process=%s timeout_s=%d", c->name,
			       timeout_s);
			return -1;
		}
		usleep(20000);
	}
	if (!WIFEXITED(c->status) || WEXITSTATUS(c->status) != 0) {
		describe_exit(c);
		return -1;
	}
	return 0;
}

/* SIGTERM to every live child of one kind (workers, then the broker and
 * Redis they talk to, so that workers can still commit while stopping);
 * SIGKILL what is left of that kind after 8 s. */
static void stop_kind(int infra)
{
	int64_t deadline;

	for (size_t i = nchildren; i-- > 0;)
		if (!children[i].exited && children[i].infra == infra)
			kill(children[i].pid, SIGTERM);
	deadline = cw_mono_ms() + 8000;
	for (;;) {
		int live = 0;
		reap();
		for (size_t i = 0; i < nchildren; i++)
			live += !children[i].exited && children[i].infra == infra;
		if (!live)
			return;
		if (cw_mono_ms() > deadline)
			break;
		usleep(20000);
	}
	for (size_t i = 0; i < nchildren; i++) {
		if (!children[i].exited && children[i].infra == infra) {
			cw_warn("msg=\"killing process that did not stop\" process=%s pid=%d",
			        children[i].name, (int)children[i].pid);
			kill(children[i].pid, SIGKILL);
			waitpid(children[i].pid, NULL, 0);
			children[i].exited = 1;
		}
	}
}

static void stop_all(void)
{
	stop_kind(0);
	stop_kind(1);
}

static int wait_for_file(const char *path, struct child *owner, int timeout_ms)
{
	int64_t deadline = cw_mono_ms() + timeout_ms;
	struct stat st;

	while (stat(path, &st) != 0) {
		reap();
		if (owner->exited || interrupted || cw_mono_ms() > deadline)
			return -1;
		usleep(10000);
	}
	return 0;
}

static int redis_accepts(const char *sock_path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0), ok;

	if (strlen(sock_path) >= sizeof(sa.sun_path))
		return 0;
	memcpy(sa.sun_path, sock_path, strlen(sock_path) + 1);
	ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

/* The argument vector every worker gets: -c FILE, every -X, and the
 * addresses of what run started. */
struct argv_buf {
	char *v[CW_CLI_MAX_X * 2 + 32];
	size_t n;
};

static void push(struct argv_buf *a, const char *s)
{
	if (a->n < CW_ARRAY_SIZE(a->v) - 1)
		a->v[a->n++] = (char *)(uintptr_t)s;
	a->v[a->n] = NULL;
}

static void common_args(struct argv_buf *a, const struct cw_cli_opts *o, char *const *extra,
                        size_t nextra)
{
	if (o->config_path) {
		push(a, "--config");
		push(a, o->config_path);
	}
	for (size_t i = 0; i < o->nx; i++) {
		push(a, "-X");
		push(a, o->xargs[i]);
	}
	for (size_t i = 0; i < nextra; i++) {
		push(a, "-X");
		push(a, extra[i]);
	}
	if (o->verbosity > 0)
		push(a, "-v");
	else
		push(a, "-q");
}

static long count_articles(const struct cw_config *cfg, char *const *extra, size_t nextra)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	const char *topic = cw_config_str(cfg, "topics.articles");
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_t *rk;
	char err[256];
	long total = -1;

	if (cw_kafka_conf_from_config(cfg, conf, err, sizeof(err))) {
		rd_kafka_conf_destroy(conf);
		return -1;
	}
	for (size_t i = 0; i < nextra; i++)
		if (!strncmp(extra[i], "kafka.bootstrap.servers=", 24))
			rd_kafka_conf_set(conf, "bootstrap.servers", extra[i] + 24, err,
			                  sizeof(err));
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
	if (!rk) {
		rd_kafka_conf_destroy(conf);
		return -1;
	}
	rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
	if (!rd_kafka_metadata(rk, 0, rkt, &md, 5000) && md->topic_cnt == 1) {
		total = 0;
		for (int p = 0; p < md->topics[0].partition_cnt; p++) {
			int64_t lo, hi;
			if (!rd_kafka_query_watermark_offsets(rk, topic, p, &lo, &hi, 5000))
				total += (long)(hi - lo);
		}
	}
	if (md)
		rd_kafka_metadata_destroy(md);
	rd_kafka_topic_destroy(rkt);
	rd_kafka_destroy(rk);
	return total;
}

int cw_run_command(int argc, char **argv)
{
	static const struct option longopts[] = {
	    CW_CLI_LONGOPTS,
	    {"kb", required_argument, NULL, 'k'},
	    {"out", required_argument, NULL, 'o'},
	    {"serve", no_argument, NULL, 's'},
	    {"replicas", required_argument, NULL, 'r'},
	    {NULL, 0, NULL, 0},
	};
	struct cw_cli_opts o = {0};
	struct cw_config *cfg = NULL;
	const char *kbs[64], *out_dir = NULL;
	size_t nkb = 0;
	int serve = 0, replicas = 0, c, rc;
	char tmpdir[] = "/tmp/claimwire-run.XXXXXX", path[4200], redis_sock[4200];
	char *extra[12], xbuf[12][4400];
	size_t nextra = 0;
	int made_tmp = 0, served = 0;
	int64_t t0 = cw_mono_ms(), t_feed = 0, t_done = 0;
	struct child *ingest = NULL, *extract[16] = {0}, *match[16] = {0}, *report = NULL;

	while ((c = getopt_long(argc, argv, CW_CLI_SHORTOPTS "k:o:sr:", longopts, NULL)) != -1) {
		int r = cw_cli_opt(&o, c, optarg);
		if (r < 0)
			return CW_EXIT_USAGE;
		if (r)
			continue;
		switch (c) {
		case 'k':
			if (nkb < CW_ARRAY_SIZE(kbs))
				kbs[nkb++] = optarg;
			break;
		case 'o':
			out_dir = optarg;
			break;
		case 's':
			serve = 1;
			break;
		case 'r':
			replicas = atoi(optarg);
			if (replicas < 1 || replicas > 16) {
				fprintf(stderr, "claimwire run: --replicas takes 1..16\n");
				return CW_EXIT_USAGE;
			}
			break;
		default:
			fputs(usage_text, stderr);
			return CW_EXIT_USAGE;
		}
	}
	if ((rc = cw_cli_finish(&o, usage_text, &cfg)) >= 0)
		return rc;
	rc = CW_EXIT_FAILURE;
	if (!out_dir)
		out_dir = cw_config_str(cfg, "run.out_dir");
	if (!replicas)
		replicas = (int)cw_config_int(cfg, "run.replicas");
	if (readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1) < 0) {
		cw_err("msg=\"cannot find own executable\"");
		goto out;
	}

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	/* Children inherit a blocked SIGUSR1 (the drain request): a worker
	 * unblocks it once its handler is in place, so an early request waits
	 * rather than kills it. */
	sigset_t usr1;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);

	if (!mkdtemp(tmpdir)) {
		cw_err("msg=\"cannot create temporary folder\" error=\"%s\"", strerror(errno));
		goto out;
	}
	made_tmp = 1;

	/* Kafka: the configured cluster, or the embedded broker. */
	if (!cw_config_is_set(cfg, "kafka.bootstrap.servers")) {
		struct argv_buf a = {0};
		struct child *broker;
		char bootstrap[4096];
		FILE *f;

		snprintf(path, sizeof(path), "%s/bootstrap", tmpdir);
		push(&a, self_exe);
		push(&a, "broker");
		push(&a, "--bootstrap-file");
		push(&a, path);
		common_args(&a, &o, NULL, 0);
		if (spawn("broker", a.v, "/dev/null") < 0)
			goto out;
		broker = &children[nchildren - 1];
		broker->infra = 1;
		if (wait_for_file(path, broker, 15000)) {
			cw_err("msg=\"embedded broker did not start\"");
			goto out;
		}
		f = fopen(path, "r");
		if (!f || !fgets(bootstrap, sizeof(bootstrap), f)) {
			if (f)
				fclose(f);
			goto out;
		}
		fclose(f);
		bootstrap[strcspn(bootstrap, "\n")] = '\0';
		snprintf(xbuf[nextra], sizeof(xbuf[0]), "kafka.bootstrap.servers=%s", bootstrap);
		extra[nextra] = xbuf[nextra];
		nextra++;
		if (!cw_config_is_set(cfg, "worker.max_lag_bytes")) {
			/* The bound is per producer: shared among the replicas
			 * that write one topic. */
			snprintf(xbuf[nextra], sizeof(xbuf[0]), "worker.max_lag_bytes=%lld",
			         cw_config_int(cfg, "run.embedded_max_lag_bytes") / replicas);
			extra[nextra] = xbuf[nextra];
			nextra++;
		}
		/* The mock cluster holds an empty fetch for the whole
		 * fetch.wait.max.ms (500 ms by default) even when records
		 * arrive meanwhile: under backpressure that wait is the
		 * pipeline's pace. */
		if (!cw_config_is_set(cfg, "kafka.fetch.wait.max.ms")) {
			snprintf(xbuf[nextra], sizeof(xbuf[0]), "kafka.fetch.wait.max.ms=10");
			extra[nextra] = xbuf[nextra];
			nextra++;
		}
		printf("claimwire: embedded broker at %s\n", bootstrap);
		fflush(stdout);
	}

	/* Draining happens only after the stage upstream has exited with all
	 * its records acknowledged, so a short quiet time is enough. */
	if (!cw_config_is_set(cfg, "worker.idle_ms")) {
		snprintf(xbuf[nextra], sizeof(xbuf[0]), "worker.idle_ms=300");
		extra[nextra] = xbuf[nextra];
		nextra++;
	}

	/* Redis: the configured one, or a private redis-server. */
	if (!cw_config_is_set(cfg, "redis.socket") && !cw_config_is_set(cfg, "redis.host")) {
		struct argv_buf rv = {0};
		struct child *rs;
		int64_t deadline = cw_mono_ms() + 10000;

		snprintf(redis_sock, sizeof(redis_sock), "%s/redis.sock", tmpdir);
		static const char *const redis_args[] = {
		    "redis-server", "--port", "0", "--unixsocketperm", "700", "--save", "",
		    "--appendonly", "no"};
		for (size_t i = 0; i < CW_ARRAY_SIZE(redis_args); i++)
			push(&rv, redis_args[i]);
		push(&rv, "--unixsocket");
		push(&rv, redis_sock);
		push(&rv, "--dir");
		push(&rv, tmpdir);
		if (spawn("redis-server", rv.v, "/dev/null") < 0)
			goto out;
		rs = &children[nchildren - 1];
		rs->infra = 1;
		while (!redis_accepts(redis_sock)) {
			reap();
			if (rs->exited || interrupted || cw_mono_ms() > deadline) {
				cw_err("msg=\"redis-server did not start (is it installed?)\"");
				goto out;
			}
			usleep(10000);
		}
		snprintf(xbuf[nextra], sizeof(xbuf[0]), "redis.socket=%s", redis_sock);
		extra[nextra] = xbuf[nextra];
		nextra++;
	}

	/* The knowledge base, before any claim is matched. */
	for (size_t i = 0; i < nkb; i++) {
		struct argv_buf a = {0};
		push(&a, self_exe);
		push(&a, "kb");
		common_args(&a, &o, extra, nextra);
		push(&a, "load");
		push(&a, kbs[i]);
		if (spawn("kb load", a.v, NULL) < 0)
			goto out;
		if (wait_child(&children[nchildren - 1], 600))
			goto out;
	}

	/* The workers, downstream first so that every consumer group exists
	 * before records flow. */
	{
		struct argv_buf a = {0};
		push(&a, self_exe);
		push(&a, "report");
		common_args(&a, &o, extra, nextra);
		push(&a, "--out");
		push(&a, out_dir);
		push(&a, "--summary");
		if (serve)
			push(&a, "--serve");
		if (spawn("report", a.v, NULL) < 0)
			goto out;
		report = &children[nchildren - 1];
	}
	for (int r = 0; r < replicas; r++) {
		struct argv_buf a = {0};
		push(&a, self_exe);
		push(&a, "match");
		common_args(&a, &o, extra, nextra);
		if (spawn("match", a.v, NULL) < 0)
			goto out;
		match[r] = &children[nchildren - 1];
	}
	for (int r = 0; r < replicas; r++) {
		struct argv_buf a = {0};
		push(&a, self_exe);
		push(&a, "extract");
		common_args(&a, &o, extra, nextra);
		if (spawn("extract", a.v, NULL) < 0)
			goto out;
		extract[r] = &children[nchildren - 1];
	}
	{
		struct argv_buf a = {0};
		push(&a, self_exe);
		push(&a, "ingest");
		common_args(&a, &o, extra, nextra);
		for (int i = optind; i < argc; i++)
			push(&a, argv[i]);
		t_feed = cw_mono_ms();
		if (spawn("ingest", a.v, NULL) < 0)
			goto out;
		ingest = &children[nchildren - 1];
	}

	/* Drain stage by stage. */
	int timeout = (int)cw_config_int(cfg, "run.stage_timeout_s");
	if (wait_child(ingest, timeout))
		goto out;
	for (int r = 0; r < replicas; r++)
		kill(extract[r]->pid, SIGUSR1);
	for (int r = 0; r < replicas; r++)
		if (wait_child(extract[r], timeout))
			goto out;
	for (int r = 0; r < replicas; r++)
		kill(match[r]->pid, SIGUSR1);
	for (int r = 0; r < replicas; r++)
		if (wait_child(match[r], timeout))
			goto out;
	if (serve) {
		printf("claimwire: batch done; the dashboard stays up until Ctrl-C\n");
		fflush(stdout);
		rc = 0;
		while (!interrupted && !report->exited) {
			struct child *failed = reap();
			if (failed) {
				describe_exit(failed);
				rc = CW_EXIT_FAILURE;
				break;
			}
			usleep(100000);
		}
		if (report->exited && rc == 0)
			rc = CW_EXIT_FAILURE; /* the dashboard went away by itself */
		served = 1;                   /* Ctrl-C is how --serve ends: exit 0 */
		goto out;
	}
	kill(report->pid, SIGUSR1);
	if (wait_child(report, timeout))
		goto out;
	t_done = cw_mono_ms();

	long articles = count_articles(cfg, extra, nextra);
	double secs = (double)(t_done - t_feed) / 1000.0;
	printf("\nclaimwire: %ld articles through the pipeline in %.2f s (%.1f articles/s; "
	       "%.2f s with start-up)\n",
	       articles, secs, secs > 0 ? (double)articles / secs : 0.0,
	       (double)(t_done - t0) / 1000.0);
	printf("claimwire: verdicts in %s/verdicts.jsonl and %s/verdicts.csv, report in "
	       "%s/report.html\n",
	       out_dir, out_dir, out_dir);
	rc = 0;
out:
	if (interrupted)
		cw_notice("msg=\"interrupted; stopping everything\"");
	stop_all();
	if (made_tmp) {
		char cmd[4300];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			cw_warn("msg=\"cannot remove temporary folder\" path=%s", tmpdir);
	}
	cw_config_free(cfg);
	return interrupted && rc == 0 && !served ? CW_EXIT_FAILURE : rc;
}
