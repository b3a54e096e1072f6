/*
 * log.h — one line per event on stderr:
 *
 *   2026-11-26T12:00:00.123Z info extract msg="assigned" topic=cw.articles partitions=4
 *
 * Levels are syslog's 0-7.  librdkafka's own log lines are routed here too.
 */
#ifndef CW_LOG_H
#define CW_LOG_H

enum cw_log_level {
	CW_LOG_EMERG = 0,
	CW_LOG_ALERT,
	CW_LOG_CRIT,
	CW_LOG_ERR,
	CW_LOG_WARNING,
	CW_LOG_NOTICE,
	CW_LOG_INFO,
	CW_LOG_DEBUG,
};

/* Sets the worker name printed on every line (a static string) and the
 * most verbose level printed (default CW_LOG_INFO). */
void cw_log_init(const char *worker, int level);
void cw_log_set_level(int level);
int cw_log_level(void);

/* Parses "debug", "info", "7"... into a level; -1 when unknown. */
int cw_log_parse_level(const char *s);

/* Logs one line: fmt is free text, usually `msg="..." key=value ...`. */
void cw_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define cw_err(...)    cw_log(CW_LOG_ERR, __VA_ARGS__)
#define cw_warn(...)   cw_log(CW_LOG_WARNING, __VA_ARGS__)
#define cw_notice(...) cw_log(CW_LOG_NOTICE, __VA_ARGS__)
#define cw_info(...)   cw_log(CW_LOG_INFO, __VA_ARGS__)
#define cw_debug(...)  cw_log(CW_LOG_DEBUG, __VA_ARGS__)

#endif
