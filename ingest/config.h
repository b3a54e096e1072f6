/*
 * config.h — the configuration keys of the ingest stage.
 */
#ifndef CW_INGEST_CONFIG_H
#define CW_INGEST_CONFIG_H

#include "lib/config.h"

extern const struct cw_config_key cw_ingest_config_keys[];

#endif
