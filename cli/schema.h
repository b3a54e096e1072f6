/*
 * schema.h — the configuration schema of the claimwire program: the shared
 * runtime's keys and every stage's.
 */
#ifndef CW_SCHEMA_H
#define CW_SCHEMA_H

#include "lib/config.h"

extern const struct cw_config_key *const cw_program_schemas[];

/* The local runner's keys (cli/run.c). */
extern const struct cw_config_key cw_run_config_keys[];

#endif
