/*
 * matcher.c — the in-memory knowledge base and the decision for one claim.
 * See matcher.h.
 */
#include "match/matcher.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "extract/fingerprint.h"
#include "lib/common.h"
#include "lib/log.h"
#include "match/index.h"
#include "match/rerank.h"

/* Open-addressing map from a string (id or fingerprint) to a slot. */
struct strmap {
	const char **keys; /* borrowed from the fact-check table */
	uint32_t *vals;
	size_t cap, len;
};

/* A decision kept for an exact repeat of its claim (a wire copy): which
 * fact-checks were the candidates, with what score and method.  Valid while
 * the knowledge base is at the generation it was made in.  Decisions with
 * more candidates than KEPT_CANDS (match.candidates above 6) are not kept. */
#define MAX_CANDS  25 /* an exact match and 24 hits */
#define KEPT_CANDS 8

struct decision {
	uint64_t key; /* decision_key() of the claim; 0: empty */
	uint64_t gen;
	uint32_t n;
	uint32_t slot[KEPT_CANDS];
	float score[KEPT_CANDS];
	uint8_t method[KEPT_CANDS];
};

/* One thread's decision memory: the index search scratch (the re-ranker's
 * lives on the stack and in thread-local storage). */
struct cw_matcher_scratch {
	struct cw_index_scratch *is;
	size_t decisions;
	struct cw_matcher_scratch *next; /* among the kept ones */
};

struct cw_matcher {
	struct cw_index *ix;
	struct cw_rerank_model model;
	int have_model;
	struct cw_factcheck *fcs; /* slot → fact-check */
	size_t nfcs, capfcs;
	struct strmap by_id, by_fp;
	double confirm, suggest;
	int candidates, near_hamming;
	uint64_t gen;           /* bumped by every change to the knowledge base */
	struct decision *cache; /* match.decision_cache entries, direct-mapped */
	size_t cache_mask;      /* entries - 1; the cache is off when NULL */
	size_t cache_hits, cache_lookups;
	/* Held for a cache entry's lookup or store and the counters, and for
	 * the kept scratches: a few dozen instructions next to a decision's
	 * tens of microseconds, so threads deciding at once seldom wait. */
	pthread_mutex_t lock;
	struct cw_matcher_scratch *kept; /* given back, for the next taker */
};

static uint64_t hash_str(const char *s)
{
	return XXH3_64bits(s, strlen(s));
}

static void map_grow(struct strmap *m);

static void map_set(struct strmap *m, const char *key, uint32_t val)
{
	if ((m->len + 1) * 2 > m->cap)
		map_grow(m);
	size_t i = hash_str(key) & (m->cap - 1);
	while (m->keys[i] && strcmp(m->keys[i], key))
		i = (i + 1) & (m->cap - 1);
	if (!m->keys[i])
		m->len++;
	m->keys[i] = key;
	m->vals[i] = val;
}

static void map_grow(struct strmap *m)
{
	struct strmap n = {0};
	n.cap = m->cap ? m->cap * 2 : 1024;
	n.keys = cw_xcalloc(n.cap, sizeof(*n.keys));
	n.vals = cw_xcalloc(n.cap, sizeof(*n.vals));
	for (size_t i = 0; i < m->cap; i++)
		if (m->keys[i])
			map_set(&n, m->keys[i], m->vals[i]);
	free(m->keys);
	free(m->vals);
	*m = n;
}

static int map_get(const struct strmap *m, const char *key, uint32_t *val)
{
	if (!m->cap)
		return 0;
	size_t i = hash_str(key) & (m->cap - 1);
	while (m->keys[i]) {
		if (!strcmp(m->keys[i], key)) {
			*val = m->vals[i];
			return 1;
		}
		i = (i + 1) & (m->cap - 1);
	}
	return 0;
}

struct cw_matcher *cw_matcher_new(const struct cw_config *cfg, char *errstr, size_t errsize)
{
	struct cw_matcher *m = cw_xcalloc(1, sizeof(*m));
	struct cw_index_params p;
	char err[512], found[4096];
	const char *weights =
	    cw_data_file(cw_config_str(cfg, "match.weights"), found, sizeof(found));

	cw_index_params_default(&p);
	p.language = cw_config_str(cfg, "extract.language");
	m->ix = cw_index_new(&p, errstr, errsize);
	if (!m->ix) {
		free(m);
		return NULL;
	}
	pthread_mutex_init(&m->lock, NULL);
	cw_rerank_model_default(&m->model);
	if (weights && *weights) {
		if (cw_rerank_model_load(&m->model, weights, err, sizeof(err)))
			cw_warn("msg=\"re-ranker weights not loaded; ranking by BM25 alone\" "
			        "error=\"%s\"",
			        err);
		else
			m->have_model = 1;
	}
	m->confirm = cw_config_double(cfg, "match.thresholds.confirm");
	m->suggest = cw_config_double(cfg, "match.thresholds.suggest");
	m->candidates = (int)cw_config_int(cfg, "match.candidates");
	m->near_hamming = (int)cw_config_int(cfg, "match.near_duplicate_hamming");
	cw_matcher_set_decision_cache(m, (size_t)cw_config_int(cfg, "match.decision_cache"));
	return m;
}

void cw_matcher_set_decision_cache(struct cw_matcher *m, size_t entries)
{
	size_t n = 1;

	free(m->cache);
	m->cache = NULL;
	m->cache_mask = 0;
	if (entries == 0)
		return;
	while (n < entries)
		n *= 2;
	m->cache = cw_xcalloc(n, sizeof(*m->cache));
	m->cache_mask = n - 1;
}

void cw_matcher_cache_stats(const struct cw_matcher *m, size_t *hits, size_t *lookups)
{
	*hits = m->cache_hits;
	*lookups = m->cache_lookups;
}

struct cw_matcher_scratch *cw_matcher_scratch_take(struct cw_matcher *m)
{
	struct cw_matcher_scratch *s;

	pthread_mutex_lock(&m->lock);
	s = m->kept;
	if (s)
		m->kept = s->next;
	pthread_mutex_unlock(&m->lock);
	if (!s) {
		s = cw_xcalloc(1, sizeof(*s));
		s->is = cw_index_scratch_new(m->ix);
	}
	return s;
}

void cw_matcher_scratch_give(struct cw_matcher *m, struct cw_matcher_scratch *s)
{
	pthread_mutex_lock(&m->lock);
	s->next = m->kept;
	m->kept = s;
	pthread_mutex_unlock(&m->lock);
}

void cw_matcher_free(struct cw_matcher *m)
{
	if (!m)
		return;
	while (m->kept) {
		struct cw_matcher_scratch *s = m->kept;
		m->kept = s->next;
		cw_index_scratch_free(s->is);
		free(s);
	}
	pthread_mutex_destroy(&m->lock);
	cw_index_free(m->ix);
	for (size_t i = 0; i < m->nfcs; i++)
		cw_factcheck_release(&m->fcs[i]);
	free(m->fcs);
	free(m->by_id.keys);
	free(m->by_id.vals);
	free(m->by_fp.keys);
	free(m->by_fp.vals);
	free(m->cache);
	free(m);
}

size_t cw_matcher_count(const struct cw_matcher *m)
{
	return m->nfcs;
}

size_t cw_matcher_memory(const struct cw_matcher *m)
{
	return cw_index_memory(m->ix);
}

static const char *s_or_empty(const char *s)
{
	return s ? s : "";
}

int cw_matcher_put(struct cw_matcher *m, const struct cw_factcheck *fc)
{
	uint32_t slot;
	struct cw_index_doc d = {0};

	if (!fc->id || !*fc->id)
		return CW_ERR_INVALID;
	/* The change log is read with an overlap (kb.h), so most fact-checks it
	 * reports again are the very versions held already. */
	if (map_get(&m->by_id, fc->id, &slot) && fc->updated_ms &&
	    m->fcs[slot].updated_ms == fc->updated_ms)
		return 0;
	m->gen++; /* every decision kept so far may change */
	if (map_get(&m->by_id, fc->id, &slot)) {
		/* Replace in place.  The maps point at the old strings, so they
		 * are rebuilt; updates are rare next to lookups. */
		struct cw_factcheck old = m->fcs[slot];
		struct strmap nid = {0}, nfp = {0};

		cw_factcheck_copy(&m->fcs[slot], fc);
		for (size_t i = 0; i < m->nfcs; i++) {
			map_set(&nid, m->fcs[i].id, (uint32_t)i);
			if (m->fcs[i].fingerprint && *m->fcs[i].fingerprint)
				map_set(&nfp, m->fcs[i].fingerprint, (uint32_t)i);
		}
		free(m->by_id.keys);
		free(m->by_id.vals);
		free(m->by_fp.keys);
		free(m->by_fp.vals);
		m->by_id = nid;
		m->by_fp = nfp;
		cw_factcheck_release(&old);
	} else {
		if (m->nfcs == m->capfcs) {
			m->capfcs = m->capfcs ? m->capfcs * 2 : 1024;
			/* Slots move on realloc: the maps hold string pointers, not
			 * struct pointers, so they stay valid. */
			m->fcs = cw_xrealloc(m->fcs, m->capfcs * sizeof(*m->fcs));
		}
		slot = (uint32_t)m->nfcs++;
		cw_factcheck_copy(&m->fcs[slot], fc);
		map_set(&m->by_id, m->fcs[slot].id, slot);
		if (m->fcs[slot].fingerprint && *m->fcs[slot].fingerprint)
			map_set(&m->by_fp, m->fcs[slot].fingerprint, slot);
	}
	const struct cw_factcheck *f = &m->fcs[slot];
	d.id = f->id;
	d.claim = s_or_empty(f->claim);
	d.claim_len = strlen(d.claim);
	d.title = s_or_empty(f->title);
	d.title_len = strlen(d.title);
	d.speaker = s_or_empty(f->claimant);
	d.speaker_len = strlen(d.speaker);
	d.user = slot;
	return cw_index_put(m->ix, &d);
}

/* A Candidate and its FactCheck in one allocation: free_candidate() frees
 * both with one free(). */
struct cand_block {
	Claimwire__Candidate c;
	Claimwire__FactCheck fc;
};

static Claimwire__Candidate *make_candidate(const struct cw_factcheck *f, float score,
                                            Claimwire__MatchMethod method)
{
	struct cand_block *b = cw_xmalloc(sizeof(*b));
	Claimwire__Candidate *c = &b->c;
	Claimwire__FactCheck *fc = &b->fc;

	claimwire__candidate__init(c);
	claimwire__fact_check__init(fc);
	fc->schema_version = CLAIMWIRE__SCHEMA_VERSION__SCHEMA_VERSION_1;
	fc->id = f->id;
	fc->claim = (char *)(uintptr_t)s_or_empty(f->claim);
	fc->title = (char *)(uintptr_t)s_or_empty(f->title);
	fc->rating = (char *)(uintptr_t)s_or_empty(f->rating);
	fc->rating_normalized = f->rating_normalized;
	fc->publisher = (char *)(uintptr_t)s_or_empty(f->publisher);
	fc->url = (char *)(uintptr_t)s_or_empty(f->url);
	fc->date = (char *)(uintptr_t)s_or_empty(f->date);
	fc->claimant = (char *)(uintptr_t)s_or_empty(f->claimant);
	fc->normalized = (char *)(uintptr_t)s_or_empty(f->normalized);
	fc->fingerprint = (char *)(uintptr_t)s_or_empty(f->fingerprint);
	c->fact_check = fc;
	c->score = score;
	c->method = method;
	return c;
}

/* What a decision depends on: the claim's fingerprint, SimHash, text and
 * speaker.  Never 0. */
static uint64_t decision_key(const Claimwire__Claim *c)
{
	const char *fp = c->fingerprint ? c->fingerprint : "";
	const char *t = c->text ? c->text : "";
	const char *sp = c->speaker ? c->speaker : "";
	uint64_t k = XXH3_64bits_withSeed(t, strlen(t), c->simhash);

	k ^= XXH3_64bits_withSeed(sp, strlen(sp), 0x9e3779b97f4a7c15ull) * 0xff51afd7ed558ccdull;
	k ^= XXH3_64bits_withSeed(fp, strlen(fp), 0xc2b2ae3d27d4eb4full) * 0xc4ceb9fe1a85ec53ull;
	return k | 1;
}

/* Copies the kept decision for key into *kd when there is one of this
 * generation, counting the lookup and the hit. */
static int cache_find(struct cw_matcher *m, uint64_t key, struct decision *kd)
{
	const struct decision *d = &m->cache[key & m->cache_mask];
	int hit;

	pthread_mutex_lock(&m->lock);
	m->cache_lookups++;
	hit = d->key == key && d->gen == m->gen;
	if (hit) {
		m->cache_hits++;
		*kd = *d;
	}
	pthread_mutex_unlock(&m->lock);
	return hit;
}

static void cache_store(struct cw_matcher *m, const struct decision *kd)
{
	pthread_mutex_lock(&m->lock);
	m->cache[kd->key & m->cache_mask] = *kd;
	pthread_mutex_unlock(&m->lock);
}

static void decide(struct cw_matcher *m, struct cw_index_scratch *is, const Claimwire__Claim *c,
                   Claimwire__Verdict *v)
{
	struct cw_index_hit hits[24];
	size_t want = (size_t)m->candidates + 1, n = 0, out = 0;
	Claimwire__Candidate *cands[MAX_CANDS];
	uint32_t slots[MAX_CANDS];
	struct decision kd;
	uint64_t key = 0;
	uint32_t slot;
	int exact = -1;

	if (m->cache) {
		key = decision_key(c);
		if (cache_find(m, key, &kd)) {
			for (out = 0; out < kd.n; out++)
				cands[out] = make_candidate(&m->fcs[kd.slot[out]], kd.score[out],
				                            (Claimwire__MatchMethod)kd.method[out]);
			goto decided;
		}
	}
	if (want > CW_ARRAY_SIZE(hits))
		want = CW_ARRAY_SIZE(hits);
	if (c->fingerprint && map_get(&m->by_fp, c->fingerprint, &slot)) {
		exact = (int)slot;
		slots[out] = slot;
		cands[out++] = make_candidate(&m->fcs[slot], 1.0f,
		                              CLAIMWIRE__MATCH_METHOD__MATCH_METHOD_EXACT);
	}
	if (m->nfcs) {
		struct cw_index_query q = {.text = c->text ? c->text : "",
		                           .len = c->text ? strlen(c->text) : 0,
		                           .speaker = c->speaker,
		                           .speaker_len = c->speaker ? strlen(c->speaker) : 0};
		n = cw_rerank_search_with(m->ix, is, m->have_model ? &m->model : NULL, &q, hits,
		                          want);
	}
	/* the fact-checks of every hit load at once, not one per candidate */
	for (size_t i = 0; i < n && i < want; i++)
		__builtin_prefetch(&m->fcs[hits[i].user]);
	for (size_t i = 0; i < n && out < want; i++) {
		if ((int)hits[i].user == exact)
			continue;
		Claimwire__MatchMethod method = CLAIMWIRE__MATCH_METHOD__MATCH_METHOD_RETRIEVAL;
		struct cw_index_doc_view dv;
		if (!cw_index_doc_view(m->ix, hits[i].doc, &dv) &&
		    cw_fp_hamming(dv.simhash, c->simhash) <= m->near_hamming)
			method = CLAIMWIRE__MATCH_METHOD__MATCH_METHOD_NEAR_DUPLICATE;
		float score = m->have_model ? hits[i].score : 0.0f;
		slots[out] = (uint32_t)hits[i].user;
		cands[out++] = make_candidate(&m->fcs[hits[i].user], score, method);
	}
	if (m->cache && out <= KEPT_CANDS) {
		kd.key = key;
		kd.gen = m->gen;
		kd.n = (uint32_t)out;
		for (size_t i = 0; i < out; i++) {
			kd.slot[i] = slots[i];
			kd.score[i] = cands[i]->score;
			kd.method[i] = (uint8_t)cands[i]->method;
		}
		cache_store(m, &kd);
	}

decided:
	v->status = CLAIMWIRE__VERDICT_STATUS__VERDICT_STATUS_UNVERIFIED;
	if (out) {
		float best = cands[0]->score;
		if (best >= m->confirm)
			v->status = CLAIMWIRE__VERDICT_STATUS__VERDICT_STATUS_CONFIRMED;
		else if (best >= m->suggest)
			v->status = CLAIMWIRE__VERDICT_STATUS__VERDICT_STATUS_SUGGESTED;
		v->best = cands[0];
		v->n_candidates = out - 1;
		v->candidates = out > 1 ? cw_xmalloc((out - 1) * sizeof(*v->candidates)) : NULL;
		for (size_t i = 1; i < out; i++)
			v->candidates[i - 1] = cands[i];
	}
}

void cw_matcher_decide(struct cw_matcher *m, const Claimwire__Claim *c, Claimwire__Verdict *v)
{
	decide(m, cw_index_own_scratch(m->ix), c, v);
}

void cw_matcher_decide_with(struct cw_matcher *m, struct cw_matcher_scratch *s,
                            const Claimwire__Claim *c, Claimwire__Verdict *v)
{
	decide(m, s->is, c, v);
	s->decisions++;
}

size_t cw_matcher_scratch_decisions(const struct cw_matcher_scratch *s)
{
	return s->decisions;
}

static void free_candidate(Claimwire__Candidate *c)
{
	/* c is the first member of its cand_block */
	free(c);
}

void cw_matcher_release_verdict(Claimwire__Verdict *v)
{
	free_candidate(v->best);
	v->best = NULL;
	for (size_t i = 0; i < v->n_candidates; i++)
		free_candidate(v->candidates[i]);
	free(v->candidates);
	v->candidates = NULL;
	v->n_candidates = 0;
}
