/*
 * config.h — the configuration keys of the extract stage.
 */
#ifndef CW_EXTRACT_CONFIG_H
#define CW_EXTRACT_CONFIG_H

#include "lib/config.h"

extern const struct cw_config_key cw_extract_config_keys[];

#endif
