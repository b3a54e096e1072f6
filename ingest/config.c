/*
 * config.c — the configuration keys of the ingest stage, with their defaults.
 */
#include "ingest/config.h"

const struct cw_config_key cw_ingest_config_keys[] = {
    {"ingest.max_article_bytes", CW_CONF_INT, "1048576", 1024, 1073741824.0,
     "raw bytes of one article (a text file, a JSON line, a body); larger ones are "
     "dead-lettered"},
    {"ingest.max_input_bytes", CW_CONF_INT, "268435456", 1024, 17179869184.0,
     "bytes of one input file or of stdin; a larger input is refused"},
    {"ingest.max_dead_letter_bytes", CW_CONF_INT, "900000", 0, 104857600,
     "original bytes kept in a dead letter (the rest is cut; the broker's message.max.bytes "
     "is 1000000 by default)"},
    {"ingest.outlet", CW_CONF_STRING, NULL, 0, 0,
     "outlet of articles whose input names none (--outlet wins)"},
    {"ingest.language", CW_CONF_STRING, "en", 0, 0,
     "BCP 47 language of articles that do not say (--language wins)"},
    {"ingest.flush_timeout_ms", CW_CONF_INT, "60000", 100, 3600000,
     "longest wait at the end for the broker to acknowledge every record"},
    {NULL, 0, NULL, 0, 0, NULL},
};
