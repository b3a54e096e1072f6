/*
 * config.c — the configuration keys of the ingest stage, with their defaults.
 */
#include "ingest/config.h"

const struct cw_config_key cw_ingest_config_keys[] = {
	{NULL, 0, NULL, 0, 0, NULL},
};
