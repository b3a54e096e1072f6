/*
 * config.h — the configuration keys of the match stage.
 */
#ifndef CW_MATCH_CONFIG_H
#define CW_MATCH_CONFIG_H

#include "lib/config.h"

extern const struct cw_config_key cw_match_config_keys[];

#endif
