/*
 * config.c — the configuration keys of the report stage, with their defaults.
 */
#include "report/config.h"

const struct cw_config_key cw_report_config_keys[] = {
	{NULL, 0, NULL, 0, 0, NULL},
};
