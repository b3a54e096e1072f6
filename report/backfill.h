/*
 * backfill.h — verdicts from JSON lines into the report aggregate, exactly as
 * if they had been consumed from the verdicts topic.  The line format is the
 * one cw_output_verdict_json() writes (verdicts.jsonl), so an archived
 * report can be loaded into a fresh Redis: `claimwire report --from-jsonl F`.
 */
#ifndef CW_REPORT_BACKFILL_H
#define CW_REPORT_BACKFILL_H

#include <stddef.h>
#include <stdint.h>

#include "report/store.h"

/* Parses one JSON object into a packed Verdict record (*out: malloc'd bytes,
 * caller frees).  Returns 0 or CW_ERR_INVALID with errstr. */
int cw_backfill_verdict(const char *line, size_t len, uint8_t **out, size_t *outlen, char *errstr,
                        size_t errsize);

/* Reads path ("-" = stdin) and stores every verdict, batch by batch.  Bad
 * lines are counted in *bad and logged with their line number; they do not
 * stop the load.  Returns 0, or a negative enum cw_err when the file cannot
 * be read or Redis fails. */
int cw_backfill_file(struct cw_store *s, const char *path, size_t *stored, size_t *bad,
                     char *errstr, size_t errsize);

#endif
