/*
 * config.c — the configuration keys of the match stage, with their defaults.
 */
#include "match/config.h"

const struct cw_config_key cw_match_config_keys[] = {
    {"match.weights", CW_CONF_STRING, "match/matcher.weights", 0, 0,
     "re-ranker weights from `claimwire train matcher`"},
    {"match.thresholds.confirm", CW_CONF_DOUBLE, "0.70", 0, 1,
     "score at which a fact-check answers a claim: the verdict takes its rating"},
    {"match.thresholds.suggest", CW_CONF_DOUBLE, "0.34", 0, 1,
     "score at which a fact-check is shown to an editor as a possible match"},
    {"match.candidates", CW_CONF_INT, "3", 0, 20, "runner-up fact-checks kept in a verdict"},
    {"match.near_duplicate_hamming", CW_CONF_INT, "6", 0, 64,
     "a fact-check whose claim SimHash is this close is a near-duplicate match"},
    {"match.kb_poll_ms", CW_CONF_INT, "1000", 50, 600000,
     "how often a worker looks for fact-checks added or changed in Redis"},
    {"match.sightings_ttl_s", CW_CONF_INT, "604800", 60, 31536000,
     "how long a claim's sightings are kept after it was last seen"},
    {"match.decision_cache", CW_CONF_INT, "65536", 0, 16777216,
     "decisions kept for word-for-word repeats of a claim (wire copies) until the "
     "knowledge base changes, about 100 bytes each; 0 = off"},
    {"match.sightings_max_hamming", CW_CONF_INT, "18", 1, 64,
     "SimHash bits within which an LSH hit joins a claim's cluster"},
    {"match.sightings_min_jaccard", CW_CONF_DOUBLE, "0.4", 0, 1,
     "and the least word-pair overlap (Jaccard, estimated from MinHash) it must have "
     "with the cluster's founder; 0: SimHash alone decides"},
    {"match.sightings_batch_script", CW_CONF_BOOL, "true", 0, 0,
     "record a batch of sightings with one Lua script (standalone Redis); "
     "false on Redis Cluster: one script per claim"},
    {NULL, 0, NULL, 0, 0, NULL},
};
