/*
 * common.c — allocation that aborts on exhaustion, clocks, small formatting.
 */
#include "lib/common.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef CW_DATADIR
#define CW_DATADIR "/usr/local/share/claimwire"
#endif

static void oom(size_t n)
{
	fprintf(stderr, "claimwire: out of memory allocating %zu bytes\n", n);
	abort();
}

void *cw_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *cw_xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (!p)
		oom(nmemb * size);
	return p;
}

void *cw_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom(n);
	return q;
}

char *cw_xstrdup(const char *s)
{
	return cw_xstrndup(s, strlen(s));
}

char *cw_xstrndup(const char *s, size_t n)
{
	char *p = cw_xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

int64_t cw_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t cw_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void cw_hex64(uint64_t v, char out[17])
{
	static const char digits[] = "0123456789abcdef";
	for (int i = 15; i >= 0; i--) {
		out[i] = digits[v & 0xf];
		v >>= 4;
	}
	out[16] = '\0';
}

int cw_read_file(const char *path, size_t max, char **out, size_t *len, char *errstr,
                 size_t errsize)
{
	int rc = CW_ERR_IO;
	char *buf = NULL;
	size_t cap = 0, n = 0;
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;

	if (!f) {
		snprintf(errstr, errsize, "cannot open '%s': %s", path, strerror(errno));
		return CW_ERR_IO;
	}
	for (;;) {
		if (n + 65536 + 1 > cap) {
			cap = cap ? cap * 2 : 65536 * 2;
			buf = cw_xrealloc(buf, cap);
		}
		size_t got = fread(buf + n, 1, 65536, f);
		n += got;
		if (n > max) {
			snprintf(errstr, errsize, "'%s' is larger than %zu bytes", path, max);
			rc = CW_ERR_TOO_BIG;
			goto out;
		}
		if (got < 65536)
			break;
	}
	if (ferror(f)) {
		snprintf(errstr, errsize, "cannot read '%s': %s", path, strerror(errno));
		goto out;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	buf = NULL;
	rc = CW_OK;
out:
	free(buf);
	if (f != stdin)
		fclose(f);
	return rc;
}

const char *cw_data_file(const char *path, char *buf, size_t size)
{
	const char *base;

	if (!path || !*path || path[0] == '/' || access(path, R_OK) == 0)
		return path;
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	snprintf(buf, size, "%s/%s", CW_DATADIR, base);
	return access(buf, R_OK) == 0 ? buf : path;
}
