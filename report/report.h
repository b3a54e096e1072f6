/*
 * report.h — the report's files and terminal summary, built from the Redis
 * aggregate (so a restarted worker, or `claimwire run`, writes the complete
 * report, not just what this process saw).
 */
#ifndef CW_REPORT_REPORT_H
#define CW_REPORT_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "report/store.h"

/* Writes dir/verdicts.jsonl (one verdict a line, articles oldest first),
 * dir/verdicts.csv (RFC 4180, CRLF) and dir/report.html (one self-contained
 * file), each through a temporary file and rename, creating dir when needed.
 * At most max_articles articles (0 = 100000).  Returns 0 or a negative enum
 * cw_err with errstr. */
int cw_report_write_files(struct cw_store *s, const char *dir, size_t max_articles, char *errstr,
                          size_t errsize);

/* Prints the plain-text summary (cw_output_summary) of the reported
 * articles (at most max_articles, the oldest) to out.  out_dir, when not
 * NULL, is where report.html is written: claims left out of the summary are
 * pointed there. */
int cw_report_print_summary(struct cw_store *s, FILE *out, size_t max_articles, const char *out_dir,
                            char *errstr, size_t errsize);

#endif
