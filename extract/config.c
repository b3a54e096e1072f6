/*
 * config.c — the configuration keys of the extract stage, with their defaults.
 */
#include "extract/config.h"

const struct cw_config_key cw_extract_config_keys[] = {
	{NULL, 0, NULL, 0, 0, NULL},
};
