/*
 * config.c — the configuration keys of the report stage, with their defaults.
 */
#include "report/config.h"

const struct cw_config_key cw_report_config_keys[] = {
    {"report.http_bind", CW_CONF_STRING, "127.0.0.1", 0, 0,
     "address the dashboard listens on (127.0.0.1, ::1, 0.0.0.0)"},
    {"report.http_port", CW_CONF_INT, "8080", 0, 65535, "dashboard TCP port (0 = no dashboard)"},
    {"report.out_dir", CW_CONF_STRING, NULL, 0, 0,
     "write verdicts.jsonl, verdicts.csv and report.html here (unset = only with --out)"},
    {"report.write_interval_s", CW_CONF_INT, "30", 0, 86400,
     "rewrite the output files every this many seconds while running (0 = only at exit)"},
    {"report.recent_dead_letters", CW_CONF_INT, "200", 1, 100000,
     "dead letters kept for the dashboard (a capped list in Redis)"},
    {"report.page_limit", CW_CONF_INT, "100", 1, 10000, "rows on a dashboard page or API answer"},
    {"report.scan_limit", CW_CONF_INT, "5000", 10, 1000000,
     "most recent articles or claims examined to answer one filtered page"},
    {"report.refresh_s", CW_CONF_INT, "5", 0, 3600,
     "dashboard pages reload themselves every this many seconds (0 = never)"},
    {"report.max_url_bytes", CW_CONF_INT, "2048", 64, 65536,
     "longer request URLs are refused with 414"},
    {"report.http_connections", CW_CONF_INT, "64", 1, 10000, "simultaneous dashboard connections"},
    {"report.dead_letter_preview_bytes", CW_CONF_INT, "512", 0, 65536,
     "bytes of a dead letter's record kept for the dashboard"},
    {"report.retention_s", CW_CONF_INT, "604800", 0, 315360000,
     "an article, its verdicts and a claim cluster are kept this long after their last "
     "write (0 = forever)"},
    {"report.file_max_articles", CW_CONF_INT, "100000", 1, 100000000,
     "most articles written to the output files and the summary"},
    {NULL, 0, NULL, 0, 0, NULL},
};
