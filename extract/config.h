/*
 * config.h — the configuration keys of the extract stage.
 */
#ifndef CW_EXTRACT_CONFIG_H
#define CW_EXTRACT_CONFIG_H

#include <stddef.h>

#include "lib/config.h"

extern const struct cw_config_key cw_extract_config_keys[];

/* extract.lsh_bands and extract.lsh_rows, which extract checks at start and
 * match uses to key a claim's MinHash signature into bands.  -1, with errstr,
 * when the bands need more signature values than extract.minhash_size. */
int cw_extract_lsh_config(const struct cw_config *cfg, size_t *bands, size_t *rows, char *errstr,
                          size_t errsize);

#endif
