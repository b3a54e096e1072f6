/*
 * cw_redis_fixture.h — a private redis-server for tests: started on a unix
 * socket in a fresh temporary directory, nothing saved, stopped at the end.
 * Header-only with static functions so that several test files can use it in
 * the one unit-test binary.
 *
 *   static struct cw_test_redis tr;
 *   int up = cw_test_redis_start(&tr) == 0;
 *   struct cw_redis *r = cw_test_redis_connect(&tr, "cwt:", 0, 0);
 *   ... in a test: CW_TEST_NEED_REDIS(up);
 */
#ifndef CW_TEST_REDIS_FIXTURE_H
#define CW_TEST_REDIS_FIXTURE_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/redis.h"

struct cw_test_redis {
	char dir[64];
	char sock[128];
	pid_t pid;
};

static int cw_test_redis_on_path(void)
{
	const char *path = getenv("PATH");
	char buf[4096];

	while (path && *path) {
		size_t n = strcspn(path, ":");
		snprintf(buf, sizeof(buf), "%.*s/redis-server", (int)n, path);
		if (access(buf, X_OK) == 0)
			return 1;
		path += n + (path[n] == ':');
	}
	return 0;
}

/* Whether something accepts connections on the socket. */
static int cw_test_redis_up(const char *sock)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0), ok;

	if (strlen(sock) >= sizeof(a.sun_path)) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	memcpy(a.sun_path, sock, strlen(sock) + 1);
	ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

/* Starts redis-server on tr->sock (creating tr->dir on first use) and waits
 * until it accepts connections (at most 5 s).  0, or -1 when redis-server
 * is missing or did not come up. */
static int cw_test_redis_spawn(struct cw_test_redis *tr)
{
	struct timespec ts = {0, 5 * 1000 * 1000};

	if (!cw_test_redis_on_path())
		return -1;
	if (!tr->dir[0]) {
		snprintf(tr->dir, sizeof(tr->dir), "/tmp/cw-test-redis.XXXXXX");
		if (!mkdtemp(tr->dir))
			return -1;
		snprintf(tr->sock, sizeof(tr->sock), "%s/redis.sock", tr->dir);
	}
	tr->pid = fork();
	if (tr->pid < 0)
		return -1;
	if (tr->pid == 0) {
		/* A test that crashes (or aborts under a sanitizer) never runs
		 * its teardown: its redis-server goes with it. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		int devnull = open("/dev/null", O_WRONLY);
		if (devnull >= 0) {
			dup2(devnull, 1);
			dup2(devnull, 2);
		}
		execlp("redis-server", "redis-server", "--port", "0", "--unixsocket", tr->sock,
		       "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", tr->dir,
		       (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 1000; i++) {
		int status;
		if (cw_test_redis_up(tr->sock))
			return 0;
		if (waitpid(tr->pid, &status, WNOHANG) == tr->pid) {
			tr->pid = 0;
			return -1;
		}
		nanosleep(&ts, NULL); /* polling for readiness, not synchronising */
	}
	return -1;
}

/* Stops the server (SIGTERM, then waits for it). */
static void cw_test_redis_kill(struct cw_test_redis *tr)
{
	if (tr->pid > 0) {
		kill(tr->pid, SIGTERM);
		waitpid(tr->pid, NULL, 0);
		tr->pid = 0;
	}
	if (tr->sock[0])
		unlink(tr->sock);
}

static int cw_test_redis_start(struct cw_test_redis *tr)
{
	memset(tr, 0, sizeof(*tr));
	return cw_test_redis_spawn(tr);
}

static void cw_test_redis_stop(struct cw_test_redis *tr)
{
	cw_test_redis_kill(tr);
	if (tr->dir[0]) {
		char f[160];
		snprintf(f, sizeof(f), "%s/dump.rdb", tr->dir);
		unlink(f);
		rmdir(tr->dir);
		tr->dir[0] = 0;
	}
}

/* A client of tr's server whose keys start with prefix, with the given
 * command and connect timeouts (0: the library's defaults); NULL when the
 * server is not up (the message goes to stderr). */
static inline struct cw_redis *cw_test_redis_connect(const struct cw_test_redis *tr,
                                                     const char *prefix, int command_timeout_ms,
                                                     int connect_timeout_ms)
{
	struct cw_redis_params p = {0};
	struct cw_redis *r;
	char err[256];

	p.socket = tr->sock;
	p.key_prefix = prefix;
	p.command_timeout_ms = command_timeout_ms;
	p.connect_timeout_ms = connect_timeout_ms;
	r = cw_redis_new_params(&p, err, sizeof(err));
	if (!r)
		fprintf(stderr, "test redis client: %s\n", err);
	return r;
}

/* Skips the calling Criterion test when the suite's redis-server did not
 * start (up: whether cw_test_redis_start() returned 0). */
#define CW_TEST_NEED_REDIS(up)                                                                     \
	do {                                                                                       \
		if (!(up))                                                                         \
			cr_skip_test("redis-server is not on PATH or did not start");              \
	} while (0)

#endif
