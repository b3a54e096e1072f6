/*
 * backfill.c — loads verdicts from JSON lines (the report's own verdicts.jsonl
 * format) into the report aggregate; see backfill.h.
 */
#include "report/backfill.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/common.h"
#include "lib/log.h"
#include "report/output.h"

#define MAX_CANDIDATES 16
#define BATCH          256
#define MAX_LINE       (4u << 20) /* a verdict line longer than 4 MiB is refused */

/* protobuf-c wants char * for strings it will only read when packing. */
static char *unconst(const char *s)
{
	union {
		const char *c;
		char *m;
	} u;
	u.c = s;
	return u.m;
}

static char *jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return unconst(s ? s : "");
}

static long long jint(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_integer(v) ? json_integer_value(v) : (long long)json_number_value(v);
}

static int method_of(json_t *o, const char *k)
{
	int m = cw_output_method_parse(json_string_value(json_object_get(o, k)));
	return m < 0 ? 0 : m;
}

static void candidate_from(json_t *o, Claimwire__Candidate *c, Claimwire__FactCheck *fc)
{
	claimwire__candidate__init(c);
	claimwire__fact_check__init(fc);
	c->fact_check = fc;
	fc->schema_version = 1;
	fc->id = jstr(o, "id");
	fc->claim = jstr(o, "claim");
	fc->title = jstr(o, "title");
	fc->rating = jstr(o, "rating");
	int r = cw_output_rating_parse(json_string_value(json_object_get(o, "rating_normalized")));
	fc->rating_normalized = r < 0 || r == CW_RATING_NONE ? 0 : (Claimwire__Rating)r;
	fc->publisher = jstr(o, "publisher");
	fc->url = jstr(o, "url");
	fc->date = jstr(o, "date");
	fc->claimant = jstr(o, "claimant");
	c->score = (float)json_number_value(json_object_get(o, "score"));
	c->method = (Claimwire__MatchMethod)method_of(o, "method");
}

int cw_backfill_verdict(const char *line, size_t len, uint8_t **out, size_t *outlen, char *errstr,
                        size_t errsize)
{
	int rc = 0;
	json_error_t jerr;
	json_t *o = json_loadb(line, len, 0, &jerr);
	Claimwire__Verdict v;
	Claimwire__Claim c;
	Claimwire__Sightings sg;
	Claimwire__Candidate best, cand[MAX_CANDIDATES], *cands[MAX_CANDIDATES];
	Claimwire__FactCheck bestfc, candfc[MAX_CANDIDATES];
	*out = NULL;
	*outlen = 0;
	if (!json_is_object(o)) {
		snprintf(errstr, errsize, "not a JSON object: %s", o ? "wrong type" : jerr.text);
		rc = CW_ERR_INVALID;
		goto out;
	}
	if (!json_is_string(json_object_get(o, "article_id")) ||
	    !*json_string_value(json_object_get(o, "article_id"))) {
		snprintf(errstr, errsize, "missing 'article_id'");
		rc = CW_ERR_INVALID;
		goto out;
	}
	int status = cw_output_status_parse(json_string_value(json_object_get(o, "status")));
	if (status < 0) {
		snprintf(errstr, errsize, "unknown 'status'");
		rc = CW_ERR_INVALID;
		goto out;
	}
	claimwire__verdict__init(&v);
	claimwire__claim__init(&c);
	v.schema_version = 1;
	v.claim = &c;
	v.status = (Claimwire__VerdictStatus)status;
	v.decided_ms = jint(o, "decided_ms");
	c.schema_version = 1;
	c.article_id = jstr(o, "article_id");
	c.outlet = jstr(o, "outlet");
	c.article_title = jstr(o, "title");
	c.url = jstr(o, "url");
	c.published = jint(o, "published");
	c.claim_index = (uint32_t)jint(o, "claim_index");
	c.claim_count = (uint32_t)jint(o, "claim_count");
	c.fingerprint = jstr(o, "fingerprint");
	c.text = jstr(o, "claim");
	c.sentence = jstr(o, "sentence");
	c.speaker = jstr(o, "speaker");
	c.normalized = jstr(o, "normalized");
	c.sentence_index = (uint32_t)jint(o, "sentence_index");
	c.checkworthiness = (float)json_number_value(json_object_get(o, "checkworthiness"));
	c.check_worthy = json_is_true(json_object_get(o, "check_worthy"));
	json_t *b = json_object_get(o, "best");
	if (json_is_object(b)) {
		candidate_from(b, &best, &bestfc);
		v.best = &best;
	}
	json_t *cs = json_object_get(o, "candidates");
	for (size_t i = 0; json_is_array(cs) && i < json_array_size(cs) && i < MAX_CANDIDATES;
	     i++) {
		json_t *ci = json_array_get(cs, i);
		if (!json_is_object(ci))
			continue;
		candidate_from(ci, &cand[v.n_candidates], &candfc[v.n_candidates]);
		cands[v.n_candidates] = &cand[v.n_candidates];
		v.n_candidates++;
	}
	v.candidates = v.n_candidates ? cands : NULL;
	json_t *s = json_object_get(o, "sightings");
	if (json_is_object(s)) {
		claimwire__sightings__init(&sg);
		sg.distinct_outlets = (uint32_t)jint(s, "distinct_outlets");
		sg.total = (uint32_t)jint(s, "total");
		sg.first_outlet = jstr(s, "first_outlet");
		sg.first_seen_ms = jint(s, "first_seen_ms");
		sg.first_article_id = jstr(s, "first_article_id");
		sg.method = (Claimwire__MatchMethod)method_of(s, "method");
		sg.cluster = jstr(s, "cluster");
		v.sightings = &sg;
	}
	*outlen = claimwire__verdict__get_packed_size(&v);
	*out = cw_xmalloc(*outlen);
	claimwire__verdict__pack(&v, *out);
out:
	json_decref(o);
	return rc;
}

struct pending {
	uint8_t *bytes[BATCH];
	size_t len[BATCH];
	Claimwire__Verdict *v[BATCH];
	size_t n;
};

static int flush(struct cw_store *s, struct pending *p, size_t *stored, char *errstr,
                 size_t errsize)
{
	struct cw_store_verdict items[BATCH];
	for (size_t i = 0; i < p->n; i++) {
		items[i].verdict = p->v[i];
		items[i].bytes = p->bytes[i];
		items[i].len = p->len[i];
	}
	int rc = cw_store_add_verdicts(s, items, p->n, errstr, errsize);
	if (rc == 0)
		*stored += p->n;
	for (size_t i = 0; i < p->n; i++) {
		claimwire__verdict__free_unpacked(p->v[i], NULL);
		free(p->bytes[i]);
	}
	p->n = 0;
	return rc;
}

int cw_backfill_file(struct cw_store *s, const char *path, size_t *stored, size_t *bad,
                     char *errstr, size_t errsize)
{
	int rc = 0;
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	struct pending *p = cw_xcalloc(1, sizeof *p);
	*stored = *bad = 0;
	if (!f) {
		snprintf(errstr, errsize, "cannot open '%s'", path);
		rc = CW_ERR_IO;
		goto out;
	}
	ssize_t n;
	while ((n = getline(&line, &cap, f)) >= 0) {
		char err[256];
		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		if (n == 0)
			continue;
		if ((size_t)n > MAX_LINE) {
			cw_warn("msg=\"verdict line too long\" file=\"%s\" line=%zu bytes=%zd",
			        path, lineno, n);
			(*bad)++;
			continue;
		}
		uint8_t *bytes;
		size_t len;
		if (cw_backfill_verdict(line, (size_t)n, &bytes, &len, err, sizeof err) < 0) {
			cw_warn("msg=\"bad verdict line\" file=\"%s\" line=%zu error=\"%s\"", path,
			        lineno, err);
			(*bad)++;
			continue;
		}
		p->v[p->n] = claimwire__verdict__unpack(NULL, len, bytes);
		p->bytes[p->n] = bytes;
		p->len[p->n] = len;
		p->n++;
		if (p->n == BATCH && (rc = flush(s, p, stored, errstr, errsize)) < 0)
			goto out;
	}
	if (ferror(f)) {
		snprintf(errstr, errsize, "'%s': read error", path);
		rc = CW_ERR_IO;
		goto out;
	}
	if (p->n)
		rc = flush(s, p, stored, errstr, errsize);
out:
	if (p->n) {
		for (size_t i = 0; i < p->n; i++) {
			claimwire__verdict__free_unpacked(p->v[i], NULL);
			free(p->bytes[i]);
		}
	}
	free(p);
	free(line);
	if (f && f != stdin)
		fclose(f);
	return rc;
}
