/*
 * config.c — the configuration keys of the extract stage, with their defaults.
 *
 * match reads extract.language, extract.minhash_size and extract.lsh_bands
 * too, so that a claim and a fact-check are normalised and fingerprinted the
 * same way.
 */
#include "extract/config.h"

const struct cw_config_key cw_extract_config_keys[] = {
    {"extract.weights", CW_CONF_STRING, "extract/checkworthiness.weights", 0, 0,
     "check-worthiness model weights (written by `claimwire train checkworthiness`); "
     "empty: no model, every candidate scores 1"},
    {"extract.threshold", CW_CONF_DOUBLE, NULL, 0, 1,
     "a claim is check-worthy at or above this score (unset: the weights file's threshold)"},
    {"extract.min_score", CW_CONF_DOUBLE, "0.05", 0, 1,
     "sentences scoring below this are not claims at all"},
    {"extract.min_tokens", CW_CONF_INT, "3", 1, 1000,
     "claims with fewer normalised tokens (stop words dropped) are skipped"},
    {"extract.max_claim_bytes", CW_CONF_INT, "2000", 64, 1048576,
     "sentences longer than this (bytes) are not claims: tables, run-on text"},
    {"extract.language", CW_CONF_STRING, "english", 0, 0,
     "Snowball stemmer language of normalisation (claims and fact-checks alike)"},
    {"extract.minhash_size", CW_CONF_INT, "64", 1, 1024, "MinHash signature length (k)"},
    {"extract.lsh_bands", CW_CONF_INT, "16", 1, 1024,
     "LSH bands of the MinHash signature (must divide extract.minhash_size)"},
    {"extract.max_sentences", CW_CONF_INT, "5000", 1, 10000000,
     "sentences looked at per article; the rest is ignored"},
    {"extract.max_article_bytes", CW_CONF_INT, "2097152", 1024, 1073741824,
     "larger article bodies go to the dead-letter topic"},
    {NULL, 0, NULL, 0, 0, NULL},
};
