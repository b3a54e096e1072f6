/*
 * schema.c — one schema for the one configuration file all stages share, so
 * that a key meant for any stage is known to every command (an unknown key is
 * an error wherever it appears).
 */
#include "cli/schema.h"

#include "extract/config.h"
#include "ingest/config.h"
#include "lib/keys.h"
#include "match/config.h"
#include "report/config.h"

const struct cw_config_key *const cw_program_schemas[] = {
    cw_lib_config_keys,
    cw_ingest_config_keys,
    cw_extract_config_keys,
    cw_match_config_keys,
    cw_report_config_keys,
    cw_run_config_keys,
    NULL,
};
