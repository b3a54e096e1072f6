/*
 * config.c — the configuration keys of the extract stage, with their defaults.
 *
 * match reads extract.language, extract.minhash_size and the LSH keys
 * too, so that a claim and a fact-check are normalised and fingerprinted the
 * same way.
 */
#include "extract/config.h"

#include <stdio.h>

#include "extract/fingerprint.h"

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
    {"extract.lsh_bands", CW_CONF_INT, "8", 1, CW_FP_LSH_MAX_BANDS,
     "LSH bands of the MinHash signature: a near-duplicate shares a band with its cluster"},
    {"extract.lsh_rows", CW_CONF_INT, "3", 1, 1024,
     "signature values per LSH band (lsh_bands * lsh_rows <= extract.minhash_size)"},
    {"extract.max_sentences", CW_CONF_INT, "5000", 1, 10000000,
     "sentences looked at per article; the rest is ignored"},
    {"extract.max_article_bytes", CW_CONF_INT, "2097152", 1024, 1073741824,
     "larger article bodies go to the dead-letter topic"},
    {NULL, 0, NULL, 0, 0, NULL},
};

int cw_extract_lsh_config(const struct cw_config *cfg, size_t *bands, size_t *rows, char *errstr,
                          size_t errsize)
{
	long long b = cw_config_int(cfg, "extract.lsh_bands");
	long long r = cw_config_int(cfg, "extract.lsh_rows");
	long long k = cw_config_int(cfg, "extract.minhash_size");

	if (b * r > k) {
		snprintf(errstr, errsize,
		         "extract.lsh_bands %lld times extract.lsh_rows %lld is more than "
		         "extract.minhash_size %lld",
		         b, r, k);
		return -1;
	}
	*bands = (size_t)b;
	*rows = (size_t)r;
	return 0;
}
