/*
 * config.c — the configuration keys of the match stage, with their defaults.
 */
#include "match/config.h"

const struct cw_config_key cw_match_config_keys[] = {
	{NULL, 0, NULL, 0, 0, NULL},
};
