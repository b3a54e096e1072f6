/*
 * evalset.c — loads claim-retrieval evaluation data and computes ranking
 * measures (see evalset.h).  Used by `claimwire eval retrieval`, `claimwire
 * train matcher` and the retrieval benchmark.
 */
#include "match/evalset.h"

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/common.h"

/* Files of evaluation data are capped to keep a wrong path from eating memory.
 */
#define MAX_FILE_BYTES (512u * 1024u * 1024u)

static char *json_str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	if (json_is_string(v))
		return cw_xstrndup(json_string_value(v), json_string_length(v));
	return cw_xstrdup("");
}

int cw_evalset_load_collection(struct cw_evalset *es, const char *path, char *errstr,
                               size_t errsize)
{
	char *buf = NULL;
	size_t len, cap = es->ndocs;
	int rc = cw_read_file(path, MAX_FILE_BYTES, &buf, &len, errstr, errsize);
	if (rc)
		goto out;
	size_t line = 0;
	for (char *p = buf, *nl; p < buf + len; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(buf + len - p));
		if (!nl)
			nl = buf + len;
		line++;
		if (nl == p)
			continue;
		json_error_t je;
		json_t *o = json_loadb(p, (size_t)(nl - p), 0, &je);
		if (!o || !json_is_object(o) || !json_is_string(json_object_get(o, "vclaim_id"))) {
			snprintf(errstr, errsize, "%s:%zu: %s", path, line,
			         o ? "not an object with a 'vclaim_id'" : je.text);
			json_decref(o);
			rc = CW_ERR_INVALID;
			goto out;
		}
		if (es->ndocs == cap) {
			cap = cap ? cap * 2 : 1024;
			es->docs = cw_xrealloc(es->docs, cap * sizeof(*es->docs));
		}
		struct cw_evalset_doc *d = &es->docs[es->ndocs++];
		d->id = json_str(o, "vclaim_id");
		d->claim = json_str(o, "vclaim");
		d->title = json_str(o, "title");
		d->extra = json_str(o, "subtitle");
		d->speaker = json_str(o, "speaker");
		json_decref(o);
	}
out:
	free(buf);
	return rc;
}

/* Splits a line at tabs into at most max fields (NUL-terminating in place). */
static size_t split_tabs(char *s, char **f, size_t max)
{
	size_t n = 0;
	f[n++] = s;
	for (char *p = s; *p && n < max; p++)
		if (*p == '\t') {
			*p = '\0';
			f[n++] = p + 1;
		}
	return n;
}

int cw_evalset_load_queries(struct cw_evalset *es, const char *queries_path, const char *qrels_path,
                            char *errstr, size_t errsize)
{
	char *qb = NULL, *rb = NULL;
	size_t ql, rl;
	int rc = cw_read_file(queries_path, MAX_FILE_BYTES, &qb, &ql, errstr, errsize);
	if (rc)
		goto out;
	rc = cw_read_file(qrels_path, MAX_FILE_BYTES, &rb, &rl, errstr, errsize);
	if (rc)
		goto out;
	size_t first = es->nqueries, cap = es->nqueries;
	size_t line = 0;
	for (char *p = qb, *nl; p < qb + ql; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(qb + ql - p));
		if (!nl)
			nl = qb + ql;
		*nl = '\0';
		line++;
		if (nl > p && nl[-1] == '\r')
			nl[-1] = '\0';
		if (!*p)
			continue;
		char *f[2];
		if (split_tabs(p, f, 2) != 2) {
			snprintf(errstr, errsize, "%s:%zu: expected 'id<TAB>text'", queries_path,
			         line);
			rc = CW_ERR_INVALID;
			goto out;
		}
		if (es->nqueries == cap) {
			cap = cap ? cap * 2 : 256;
			es->queries = cw_xrealloc(es->queries, cap * sizeof(*es->queries));
		}
		struct cw_evalset_query *q = &es->queries[es->nqueries++];
		memset(q, 0, sizeof(*q));
		q->id = cw_xstrdup(f[0]);
		q->text = cw_xstrdup(f[1]);
	}
	line = 0;
	for (char *p = rb, *nl; p < rb + rl; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(rb + rl - p));
		if (!nl)
			nl = rb + rl;
		*nl = '\0';
		line++;
		if (nl > p && nl[-1] == '\r')
			nl[-1] = '\0';
		if (!*p)
			continue;
		char *f[4];
		if (split_tabs(p, f, 4) < 3) {
			snprintf(errstr, errsize, "%s:%zu: expected 'qid<TAB>0<TAB>id<TAB>1'",
			         qrels_path, line);
			rc = CW_ERR_INVALID;
			goto out;
		}
		for (size_t i = first; i < es->nqueries; i++) {
			struct cw_evalset_query *q = &es->queries[i];
			if (strcmp(q->id, f[0]) != 0)
				continue;
			q->rel = cw_xrealloc(q->rel, (q->nrel + 1) * sizeof(char *));
			q->rel[q->nrel++] = cw_xstrdup(f[2]);
			break;
		}
	}
	/* keep only queries with gold pairs */
	size_t w = first;
	for (size_t i = first; i < es->nqueries; i++) {
		if (es->queries[i].nrel) {
			es->queries[w++] = es->queries[i];
		} else {
			free(es->queries[i].id);
			free(es->queries[i].text);
			free(es->queries[i].speaker);
		}
	}
	es->nqueries = w;
out:
	free(qb);
	free(rb);
	return rc;
}

size_t cw_evalset_load_speakers(struct cw_evalset *es, const char *dir)
{
	size_t named = 0;
	char err[256];
	for (size_t i = 0; i < es->nqueries; i++) {
		struct cw_evalset_query *q = &es->queries[i];
		const char *us = strrchr(q->id, '_');
		if (!us || us == q->id)
			continue;
		long line = strtol(us + 1, NULL, 10);
		char path[4096], *buf = NULL;
		size_t len;
		snprintf(path, sizeof(path), "%s/%.*s.tsv", dir, (int)(us - q->id), q->id);
		if (cw_read_file(path, MAX_FILE_BYTES, &buf, &len, err, sizeof(err)))
			continue;
		for (char *p = buf, *nl; p < buf + len; p = nl + 1) {
			nl = memchr(p, '\n', (size_t)(buf + len - p));
			if (!nl)
				nl = buf + len;
			*nl = '\0';
			char *f[3];
			if (split_tabs(p, f, 3) < 3 || strtol(f[0], NULL, 10) != line)
				continue;
			free(q->speaker);
			q->speaker = cw_xstrdup(f[1]);
			named++;
			break;
		}
		free(buf);
	}
	return named;
}

static void add_neg(struct cw_evalset *es, const char *id, const char *text, size_t len,
                    const char *speaker)
{
	size_t words = 0;
	for (size_t i = 0; i < len; i++)
		words += (i == 0 || text[i - 1] == ' ') && text[i] != ' ';
	if (words < CW_EVALSET_NEG_MIN_WORDS)
		return;
	es->negs = cw_xrealloc(es->negs, (es->nnegs + 1) * sizeof(*es->negs));
	struct cw_evalset_query *q = &es->negs[es->nnegs++];
	memset(q, 0, sizeof(*q));
	q->id = cw_xstrdup(id);
	q->text = cw_xstrndup(text, len);
	q->speaker = speaker && *speaker ? cw_xstrdup(speaker) : NULL;
}

/* Adds the sentences of transcript buf (NUL-terminated lines modified in
 * place) that are not labelled 1 and not among es->queries. */
static size_t add_transcript(struct cw_evalset *es, const char *debate, size_t dlen, char *buf,
                             size_t len)
{
	size_t added = 0;
	for (char *p = buf, *nl; p < buf + len; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(buf + len - p));
		if (!nl)
			nl = buf + len;
		*nl = '\0';
		if (nl > p && nl[-1] == '\r')
			nl[-1] = '\0';
		char *f[4];
		if (split_tabs(p, f, 4) < 4 || strtol(f[3], NULL, 10) == 1)
			continue;
		char id[512];
		snprintf(id, sizeof(id), "%.*s_%s", (int)dlen, debate, f[0]);
		int is_query = 0;
		for (size_t i = 0; i < es->nqueries && !is_query; i++) {
			const char *a = es->queries[i].id, *us = strrchr(a, '_');
			/* "debate_0959" and "debate_959" are the same line */
			is_query = us && (size_t)(us - a) == dlen && memcmp(a, debate, dlen) == 0 &&
			           strtol(us + 1, NULL, 10) == strtol(f[0], NULL, 10);
		}
		if (is_query)
			continue;
		size_t before = es->nnegs;
		add_neg(es, id, f[2], strlen(f[2]), f[1]);
		added += es->nnegs - before;
	}
	return added;
}

size_t cw_evalset_load_debate_negatives(struct cw_evalset *es, const char *dir)
{
	size_t added = 0;
	char err[256];
	for (size_t i = 0; i < es->nqueries; i++) {
		const char *id = es->queries[i].id, *us = strrchr(id, '_');
		if (!us || us == id)
			continue;
		size_t dlen = (size_t)(us - id);
		int seen = 0; /* each debate once */
		for (size_t j = 0; j < i && !seen; j++) {
			const char *b = es->queries[j].id, *ub = strrchr(b, '_');
			seen = ub && (size_t)(ub - b) == dlen && memcmp(b, id, dlen) == 0;
		}
		if (seen)
			continue;
		char path[4096], *buf = NULL;
		size_t len;
		snprintf(path, sizeof(path), "%s/%.*s.tsv", dir, (int)dlen, id);
		if (cw_read_file(path, MAX_FILE_BYTES, &buf, &len, err, sizeof(err)))
			continue;
		added += add_transcript(es, id, dlen, buf, len);
		free(buf);
	}
	return added;
}

static int load_neg_file(struct cw_evalset *es, const char *path, char *errstr, size_t errsize)
{
	char *buf = NULL;
	size_t len, plen = strlen(path);
	int rc = cw_read_file(path, MAX_FILE_BYTES, &buf, &len, errstr, errsize);
	if (rc)
		goto out;
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (plen > 4 && strcmp(path + plen - 4, ".tsv") == 0) {
		add_transcript(es, base, strlen(base) - 4, buf, len);
		goto out;
	}
	int jsonl = plen > 6 && strcmp(path + plen - 6, ".jsonl") == 0;
	size_t line = 0;
	for (char *p = buf, *nl; p < buf + len; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(buf + len - p));
		if (!nl)
			nl = buf + len;
		line++;
		char id[512];
		snprintf(id, sizeof(id), "%s:%zu", base, line);
		if (!jsonl) {
			add_neg(es, id, p, (size_t)(nl - p), NULL);
			continue;
		}
		json_t *o = json_loadb(p, (size_t)(nl - p), 0, NULL);
		json_t *t = json_object_get(o, "text");
		if (json_is_string(t))
			add_neg(es, id, json_string_value(t), json_string_length(t), NULL);
		json_decref(o);
	}
out:
	free(buf);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int cw_evalset_load_negatives(struct cw_evalset *es, const char *path, char *errstr, size_t errsize)
{
	int rc = CW_OK;
	DIR *d = opendir(path);
	if (!d)
		return load_neg_file(es, path, errstr, errsize);
	/* in name order, so the sample does not depend on the file system */
	char **names = NULL;
	size_t n = 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		names = cw_xrealloc(names, (n + 1) * sizeof(*names));
		names[n++] = cw_xstrdup(e->d_name);
	}
	closedir(d);
	if (n)
		cw_qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		char p[4096];
		snprintf(p, sizeof(p), "%s/%s", path, names[i]);
		if (!rc)
			rc = load_neg_file(es, p, errstr, errsize);
		free(names[i]);
	}
	free(names);
	return rc;
}

static void release_query(struct cw_evalset_query *q)
{
	free(q->id);
	free(q->text);
	free(q->speaker);
	for (size_t j = 0; j < q->nrel; j++)
		free(q->rel[j]);
	free(q->rel);
}

void cw_evalset_sample_negatives(struct cw_evalset *es, size_t max, uint64_t seed)
{
	if (es->nnegs <= max)
		return;
	/* partial Fisher-Yates with xorshift64*: the first max are the sample */
	uint64_t s = seed ? seed : 0x9e3779b97f4a7c15ull;
	for (size_t i = 0; i < max; i++) {
		s ^= s >> 12;
		s ^= s << 25;
		s ^= s >> 27;
		size_t j = i + (size_t)((s * 0x2545f4914f6cdd1dull) % (es->nnegs - i));
		struct cw_evalset_query t = es->negs[i];
		es->negs[i] = es->negs[j];
		es->negs[j] = t;
	}
	for (size_t i = max; i < es->nnegs; i++)
		release_query(&es->negs[i]);
	es->nnegs = max;
}

void cw_evalset_release(struct cw_evalset *es)
{
	for (size_t i = 0; i < es->nnegs; i++)
		release_query(&es->negs[i]);
	free(es->negs);
	for (size_t i = 0; i < es->ndocs; i++) {
		struct cw_evalset_doc *d = &es->docs[i];
		free(d->id);
		free(d->claim);
		free(d->title);
		free(d->extra);
		free(d->speaker);
	}
	free(es->docs);
	for (size_t i = 0; i < es->nqueries; i++) {
		struct cw_evalset_query *q = &es->queries[i];
		free(q->id);
		free(q->text);
		free(q->speaker);
		for (size_t j = 0; j < q->nrel; j++)
			free(q->rel[j]);
		free(q->rel);
	}
	free(es->queries);
	memset(es, 0, sizeof(*es));
}

void cw_evalset_index(const struct cw_evalset *es, struct cw_index *ix)
{
	for (size_t i = 0; i < es->ndocs; i++) {
		const struct cw_evalset_doc *d = &es->docs[i];
		struct cw_index_doc doc = {
		    .id = d->id,
		    .claim = d->claim,
		    .claim_len = strlen(d->claim),
		    .title = d->title,
		    .title_len = strlen(d->title),
		    .extra = d->extra,
		    .extra_len = strlen(d->extra),
		    .speaker = d->speaker,
		    .speaker_len = strlen(d->speaker),
		    .user = i,
		};
		cw_index_put(ix, &doc);
	}
}

int cw_evalset_is_rel(const struct cw_evalset_query *q, const char *id)
{
	for (size_t i = 0; i < q->nrel; i++)
		if (strcmp(q->rel[i], id) == 0)
			return 1;
	return 0;
}

double cw_eval_ap_at_k(const int *rel, size_t n, size_t nrel, size_t k)
{
	if (!nrel)
		return 0;
	double sum = 0;
	size_t hits = 0;
	for (size_t i = 0; i < n && i < k; i++) {
		if (!rel[i])
			continue;
		hits++;
		sum += (double)hits / (double)(i + 1);
	}
	return sum / (double)nrel;
}

void cw_eval_add(struct cw_eval_metrics *m, const int *rel, size_t n, size_t nrel)
{
	m->map1 += cw_eval_ap_at_k(rel, n, nrel, 1);
	m->map3 += cw_eval_ap_at_k(rel, n, nrel, 3);
	m->map5 += cw_eval_ap_at_k(rel, n, nrel, 5);
	for (size_t i = 0; i < n; i++)
		if (rel[i]) {
			m->mrr += 1.0 / (double)(i + 1);
			break;
		}
	size_t found = 0;
	for (size_t i = 0; i < n && i < 5; i++)
		found += rel[i] != 0;
	if (nrel)
		m->r5 += (double)found / (double)nrel;
	m->n++;
}

void cw_eval_finish(struct cw_eval_metrics *m)
{
	if (!m->n)
		return;
	double n = (double)m->n;
	m->map1 /= n;
	m->map3 /= n;
	m->map5 /= n;
	m->mrr /= n;
	m->r5 /= n;
}

void cw_eval_print(const struct cw_eval_metrics *m, const char *prefix, FILE *out)
{
	fprintf(out, "%sMAP@1 %.4f\n", prefix, m->map1);
	fprintf(out, "%sMAP@3 %.4f\n", prefix, m->map3);
	fprintf(out, "%sMAP@5 %.4f\n", prefix, m->map5);
	fprintf(out, "%sMRR %.4f\n", prefix, m->mrr);
	fprintf(out, "%sR@5 %.4f\n", prefix, m->r5);
}

/* Parses up to max comma-separated numbers >= 0; returns the count or -1. */
static int parse_list(const char *arg, double *v, int max)
{
	int n = 0;
	const char *p = arg;
	while (*p && n < max) {
		char *end;
		double x = strtod(p, &end);
		if (end == p || x < 0)
			return -1;
		v[n++] = x;
		p = end;
		if (*p == ',')
			p++;
		else if (*p)
			return -1;
	}
	return *p ? -1 : n;
}

int cw_retrieval_opt(int c, const char *arg, struct cw_index_params *p, unsigned *candidates)
{
	double v[CW_INDEX_NFIELDS];
	int n;
	switch (c) {
	case CW_RO_K1:
		if (parse_list(arg, v, 1) != 1)
			break;
		p->k1 = v[0];
		return 0;
	case CW_RO_B:
		n = parse_list(arg, v, CW_INDEX_NFIELDS);
		if (n < 1)
			break;
		for (int f = 0; f < CW_INDEX_NFIELDS; f++)
			p->b[f] = v[f < n ? f : n - 1] > 1 ? 1 : v[f < n ? f : n - 1];
		return 0;
	case CW_RO_FIELDS:
		n = parse_list(arg, v, CW_INDEX_NFIELDS);
		if (n < 1)
			break;
		for (int f = 0; f < CW_INDEX_NFIELDS; f++)
			p->weight[f] = f < n ? v[f] : 0;
		return 0;
	case CW_RO_CANDIDATES:
		if (parse_list(arg, v, 1) != 1 || v[0] < 1 || v[0] > 128)
			break;
		*candidates = (unsigned)v[0];
		return 0;
	default:
		return -1;
	}
	fprintf(stderr, "claimwire: bad value '%s' for a ranking option\n", arg);
	return -1;
}
