/*
 * config.h — the configuration keys of the report stage.
 */
#ifndef CW_REPORT_CONFIG_H
#define CW_REPORT_CONFIG_H

#include "lib/config.h"

extern const struct cw_config_key cw_report_config_keys[];

#endif
