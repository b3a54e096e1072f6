/*
 * log.c — the one place claimwire writes diagnostics.  A line is built in a
 * stack buffer and written with one write(2) so that lines from the workers
 * of a local run, sharing one terminal, never interleave mid-line.
 */
#include "lib/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static const char *log_worker = "claimwire";
static int log_max = CW_LOG_INFO;

static const char *const level_names[] = {"emerg",   "alert",  "crit", "err",
                                          "warning", "notice", "info", "debug"};

void cw_log_init(const char *worker, int level)
{
	log_worker = worker;
	log_max = level;
}

void cw_log_set_level(int level)
{
	log_max = level;
}

int cw_log_level(void)
{
	return log_max;
}

int cw_log_parse_level(const char *s)
{
	for (int i = 0; i < 8; i++)
		if (!strcasecmp(s, level_names[i]))
			return i;
	if (!strcasecmp(s, "error"))
		return CW_LOG_ERR;
	if (!strcasecmp(s, "warn"))
		return CW_LOG_WARNING;
	if (s[0] >= '0' && s[0] <= '7' && s[1] == '\0')
		return s[0] - '0';
	return -1;
}

void cw_log(int level, const char *fmt, ...)
{
	char line[2048];
	struct timespec ts;
	struct tm tm;
	size_t n;
	va_list ap;

	if (level > log_max)
		return;
	if (level < 0)
		level = 0;
	if (level > 7)
		level = 7;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
	n += (size_t)snprintf(line + n, sizeof(line) - n, ".%03ldZ %s %s ", ts.tv_nsec / 1000000,
	                      level_names[level], log_worker);
	va_start(ap, fmt);
	int w = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	va_end(ap);
	if (w < 0)
		w = 0;
	n += (size_t)w;
	if (n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) < 0) {
		/* nowhere left to report it */
	}
}
