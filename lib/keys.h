/*
 * keys.h — the configuration keys of the shared runtime (topics, worker loop,
 * Redis, logging, embedded broker).  Each stage declares its own keys beside
 * its code (extract/config.c ...); the program's schema is the union.
 */
#ifndef CW_KEYS_H
#define CW_KEYS_H

#include "lib/config.h"

extern const struct cw_config_key cw_lib_config_keys[];

#endif
