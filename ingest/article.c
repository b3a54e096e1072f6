/*
 * article.c — what every article gets whatever its source: cleaned one-line
 * fields, defaults, a stable id and the body fingerprints that let claimwire
 * recognise wire copies of one story.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XXH_STATIC_LINKING_ONLY /* XXH3_state_t on the stack */
#include <xxhash.h>

#include "extract/fingerprint.h"
#include "extract/normalize.h"
#include "ingest/ingest.h"
#include "ingest/text.h"
#include "lib/common.h"

void cw_ingest_article_release(struct cw_ingest_article *a)
{
	if (!a)
		return;
	free(a->id);
	free(a->outlet);
	free(a->url);
	free(a->title);
	free(a->body);
	free(a->language);
	free(a->source);
	memset(a, 0, sizeof(*a));
}

void cw_ingest_article_id(const char *outlet, const char *url, const char *title, const char *body,
                          size_t body_len, char out[17])
{
	XXH3_state_t st;
	const char *parts[3] = {outlet ? outlet : "", url ? url : "", title ? title : ""};

	/* Each field ends with a NUL byte so that ("ab", "c") and ("a", "bc")
	 * hash differently. */
	XXH3_64bits_reset(&st);
	for (int i = 0; i < 3; i++)
		XXH3_64bits_update(&st, parts[i], strlen(parts[i]) + 1);
	if (!url || !*url)
		XXH3_64bits_update(&st, body ? body : "", body ? body_len : 0);
	cw_hex64(XXH3_64bits_digest(&st), out);
}

/* Replaces *field by its cleaned one-line form, or by def when empty. */
static int clean_field(char **field, const char *def)
{
	char *c = NULL;

	if (*field) {
		c = cw_ingest_clean_line(*field, strlen(*field));
		if (!c)
			return CW_ERR_INVALID;
		if (!*c) {
			free(c);
			c = NULL;
		}
	}
	free(*field);
	*field = c ? c : cw_xstrdup(def ? def : "");
	return CW_OK;
}

int cw_ingest_finish(struct cw_ingest_article *a, const struct cw_ingest_opts *o, char *errstr,
                     size_t errsize)
{
	int rc = CW_ERR_INVALID;

	if (clean_field(&a->outlet, o->default_outlet) < 0 || clean_field(&a->title, "") < 0 ||
	    clean_field(&a->url, "") < 0 || clean_field(&a->id, "") < 0 ||
	    clean_field(&a->language, o->language ? o->language : "en") < 0) {
		snprintf(errstr, errsize, "invalid UTF-8 in a header field");
		goto out;
	}
	if (!a->body || !a->body_len) {
		snprintf(errstr, errsize, "empty body after cleaning");
		goto out;
	}
	if (!*a->id) {
		char hex[17];
		cw_ingest_article_id(a->outlet, a->url, a->title, a->body, a->body_len, hex);
		free(a->id);
		a->id = cw_xstrdup(hex);
	}
	if (o->nz) {
		struct cw_tokens t;
		cw_norm_text(o->nz, a->body, a->body_len, 0, &t);
		a->body_fingerprint = cw_fp_exact(&t);
		a->body_simhash = cw_fp_simhash(&t);
	}
	rc = CW_OK;
out:
	return rc;
}
