/*
 * index.c — the in-memory BM25F index over fact-checks (see index.h).
 *
 * Layout, chosen for search speed on one core:
 *  - terms live in an open-addressing hash table (XXH3 of the normalised
 *    token) that maps a token to a dense term id; term strings sit in one
 *    growing arena;
 *  - each term owns a postings array of (doc number, tf per field), sorted by
 *    doc number because documents only get new, higher numbers;
 *  - per-document field lengths sit in a dense array, so the length
 *    normalisation of a posting costs no pointer chase;
 *  - in each posting, its weighted, length-normalised term frequency (x
 *    below), recomputed with the norms after any put or remove, so that a
 *    search reads postings in order, one stream per term, and gathers
 *    nothing per document but its accumulator;
 *  - search accumulates scores into a dense float array with a list of the
 *    touched documents, then keeps the best k in a small min-heap, which
 *    only documents in the top buckets of a score histogram reach; the
 *    hits' per-field scores come from a second pass over the same postings;
 *  - each document keeps, beside its term ids, the hashes re-ranking reads
 *    of its raw text (numbers, words), so a candidate costs no text scan.
 * Every score is computed by the same float operations in the same order as
 * scoring each touched document in full, so results do not depend on k.
 * Replacing a fact-check removes its postings eagerly (a memmove per term of
 * the old version) and gives the new version a fresh document number; the
 * old number stays a dead slot.  Replacements are rare next to searches.
 */
#include "match/index.h"

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "extract/fingerprint.h"
#include "extract/normalize.h"
#include "lib/common.h"

/* Field lengths are counted in tokens and capped to fit 16 bits. */
#define MAX_FIELD_TOKENS 65535u
#define MAX_QUERY_BYTES  (64u * 1024u)

struct posting {
	uint32_t doc;
	uint16_t tf[CW_INDEX_NFIELDS];
	float x; /* sum over fields of tf * dnorm of its document */
};

struct term {
	uint64_t hash;
	uint32_t off; /* in ix->strs */
	uint32_t len;
	uint32_t n, cap; /* postings in use / allocated; n is the document frequency */
	struct posting *p;
	float idf; /* cw_index_idf, set with the postings' x */
};

struct doc {
	char *id;
	/* cw_index_numbers of the claim, then the sorted, distinct
	 * cw_index_words of claim and title; in the allocation of terms,
	 * after them, so that re-ranking a candidate reads one block */
	uint64_t *hashes;
	uint32_t nnumbers, nwords;
	char *text; /* claim \0 title \0 speaker \0, one allocation */
	uint32_t claim_len, title_len, speaker_len;
	uint32_t nterms[CW_INDEX_NFIELDS];
	uint32_t *terms; /* all fields' term ids, claim first; NULL when dead */
	uintptr_t user;
	int64_t date_ms;
	uint64_t simhash;
	int alive;
};

/* Per hit, while its per-field BM25 is added up: length norms and sums. */
struct hit_fields {
	double norm[CW_INDEX_NFIELDS];
	double s[CW_INDEX_NFIELDS];
};

union pick {
	float sc;
	uint32_t hitpos;
};

/* One thread's search memory (see index.h).  acc and pick are all zero
 * between searches; qmark keeps the last query's places until the next. */
struct cw_index_scratch {
	struct cw_norm *nz;
	float *acc;        /* per document: its score while the postings are read */
	uint32_t *touched; /* documents scored, one more than documents: a search
	                    * writes before it counts */
	/* The touched documents' scores in touched order while the hits are
	 * picked, then per document its position in hits + 1 during
	 * field_scores: one array for both, all zero between searches. */
	union pick *pick;
	uint32_t docs_cap; /* documents acc, touched and pick are sized to */
	uint32_t *qterms;  /* last query's term ids in text order */
	uint32_t nq, qcap;
	uint64_t *qhash; /* hash_bytes of the last query's words */
	uint32_t *uq;    /* unique known terms of the query */
	uint32_t *uqtf;  /* their counts in the query */
	uint32_t nu;
	float *uidf;           /* idf of uq[i] */
	uint64_t *heap;        /* hit_key()s */
	struct hit_fields *hf; /* heap_cap of them */
	size_t heap_cap;
	/* per term: position in uq + 1 for the last query's terms, else 0; kept
	 * after the search for cw_index_last_query */
	uint32_t *qmark;
	uint32_t qmark_cap;
	char *clean;
	size_t clean_len;
	uint64_t qsimhash;
};

struct cw_index {
	struct cw_index_params p;
	char *language; /* Snowball language, for every scratch's normaliser */

	struct term *terms;
	uint32_t nterms, terms_cap;
	uint32_t *tslots; /* term id + 1, 0 empty */
	uint32_t tslots_cap;
	char *strs;
	size_t strs_len, strs_cap;

	struct doc *docs;
	uint16_t *dlen; /* CW_INDEX_NFIELDS per document number */
	/* Per document, 4 floats: weight[f] / (1 - b[f] + b[f] * len[f] / avg[f])
	 * for the 3 fields and padding, so a posting costs multiply-adds and no
	 * division.  Recomputed on the first search after any put or remove,
	 * because the average lengths move: by whichever of the threads
	 * searching gets norms_lock first, the others waiting for it. */
	float *dnorm;
	int dnorm_dirty; /* read without the lock with __atomic acquire loads */
	pthread_mutex_t norms_lock;
	uint32_t ndocs, docs_cap;
	uint32_t live;
	uint64_t sum_len[CW_INDEX_NFIELDS]; /* over live documents */

	uint32_t *idslots; /* doc number + 1, 0 empty: id -> live doc */
	uint32_t idslots_cap;

	size_t doc_bytes; /* ids, texts and term arrays of live documents */
	size_t post_bytes;

	/* the owner thread's search scratch (cw_index_search); its normaliser
	 * also analyses the documents put */
	struct cw_index_scratch own;
};

void cw_index_params_default(struct cw_index_params *p)
{
	memset(p, 0, sizeof(*p));
	p->k1 = 1.0;
	p->b[CW_FIELD_CLAIM] = 0.75;
	p->b[CW_FIELD_TITLE] = 0.75;
	p->b[CW_FIELD_EXTRA] = 0.75;
	p->weight[CW_FIELD_CLAIM] = 1.0;
	p->weight[CW_FIELD_TITLE] = 0.9;
	p->weight[CW_FIELD_EXTRA] = 0.6;
	p->language = NULL;
	p->norm_flags = 0;
}

/* Sets up an empty scratch whose normaliser speaks language; CW_ERR_INVALID
 * with errstr when it is unknown. */
static int scratch_init(struct cw_index_scratch *s, const char *language, char *errstr,
                        size_t errsize)
{
	memset(s, 0, sizeof(*s));
	s->nz = cw_norm_new(language, errstr, errsize);
	if (!s->nz)
		return CW_ERR_INVALID;
	s->clean = cw_xmalloc(MAX_QUERY_BYTES + 1);
	return CW_OK;
}

static void scratch_release(struct cw_index_scratch *s)
{
	cw_norm_free(s->nz);
	free(s->acc);
	free(s->touched);
	free(s->pick);
	free(s->qterms);
	free(s->qhash);
	free(s->uq);
	free(s->uqtf);
	free(s->uidf);
	free(s->heap);
	free(s->hf);
	free(s->qmark);
	free(s->clean);
}

struct cw_index *cw_index_new(const struct cw_index_params *p, char *errstr, size_t errsize)
{
	struct cw_index *ix = cw_xcalloc(1, sizeof(*ix));
	if (p)
		ix->p = *p;
	else
		cw_index_params_default(&ix->p);
	/* a copy: the caller's string may go away */
	ix->language = cw_xstrdup(ix->p.language ? ix->p.language : "english");
	ix->p.language = NULL;
	if (scratch_init(&ix->own, ix->language, errstr, errsize)) {
		free(ix->language);
		free(ix);
		return NULL;
	}
	pthread_mutex_init(&ix->norms_lock, NULL);
	ix->tslots_cap = 1024;
	ix->tslots = cw_xcalloc(ix->tslots_cap, sizeof(uint32_t));
	ix->idslots_cap = 1024;
	ix->idslots = cw_xcalloc(ix->idslots_cap, sizeof(uint32_t));
	return ix;
}

struct cw_index_scratch *cw_index_scratch_new(const struct cw_index *ix)
{
	struct cw_index_scratch *s = cw_xmalloc(sizeof(*s));
	char err[256];

	/* cw_index_new made a normaliser for this language, so only a lack of
	 * memory fails here: stop as every other allocation does */
	if (scratch_init(s, ix->language, err, sizeof(err))) {
		fprintf(stderr, "claimwire: index search scratch: %s\n", err);
		abort();
	}
	return s;
}

void cw_index_scratch_free(struct cw_index_scratch *s)
{
	if (!s)
		return;
	scratch_release(s);
	free(s);
}

struct cw_index_scratch *cw_index_own_scratch(struct cw_index *ix)
{
	return &ix->own;
}

void cw_index_free(struct cw_index *ix)
{
	if (!ix)
		return;
	scratch_release(&ix->own);
	pthread_mutex_destroy(&ix->norms_lock);
	free(ix->language);
	for (uint32_t i = 0; i < ix->nterms; i++)
		free(ix->terms[i].p);
	free(ix->terms);
	free(ix->tslots);
	free(ix->strs);
	for (uint32_t i = 0; i < ix->ndocs; i++) {
		free(ix->docs[i].id);
		free(ix->docs[i].text);
		free(ix->docs[i].terms);
	}
	free(ix->docs);
	free(ix->dlen);
	free(ix->dnorm);
	free(ix->idslots);
	free(ix);
}

size_t cw_index_count(const struct cw_index *ix)
{
	return ix->live;
}

size_t cw_index_memory(const struct cw_index *ix)
{
	size_t b = sizeof(*ix);
	b += (size_t)ix->terms_cap * sizeof(struct term);
	b += (size_t)ix->tslots_cap * sizeof(uint32_t);
	b += ix->strs_cap;
	b += (size_t)ix->docs_cap * (sizeof(struct doc) + CW_INDEX_NFIELDS * sizeof(uint16_t));
	b += (size_t)ix->idslots_cap * sizeof(uint32_t);
	b += ix->doc_bytes + ix->post_bytes;
	/* the owner's search scratch, sized to the documents (at the first
	 * search after they grew) and terms; another thread's costs as much */
	b += (size_t)ix->docs_cap * (sizeof(float) + 2 * sizeof(uint32_t));
	b += (size_t)ix->own.qmark_cap * sizeof(uint32_t);
	b += MAX_QUERY_BYTES + 1;
	return b;
}

/* ---- raw-text features ---- */

/* De-duplicates a short array in place (first occurrences kept); returns
 * the new count.  Quadratic, for the few numbers and names of one text. */
static size_t uniq_u64(uint64_t *v, size_t n)
{
	size_t w = 0;
	for (size_t i = 0; i < n; i++) {
		size_t j = 0;
		while (j < w && v[j] != v[i])
			j++;
		if (j == w)
			v[w++] = v[i];
	}
	return w;
}

size_t cw_index_numbers(const char *s, size_t len, uint64_t *out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < len && n < cap;) {
		if (!isdigit((unsigned char)s[i])) {
			i++;
			continue;
		}
		char b[32];
		size_t bl = 0, dot = 0;
		while (i < len) {
			unsigned char c = (unsigned char)s[i];
			if (isdigit(c)) {
				if (bl < sizeof(b) - 1)
					b[bl++] = (char)c;
				i++;
			} else if ((c == ',' || c == '.') && i + 1 < len &&
			           isdigit((unsigned char)s[i + 1]) && !dot) {
				if (c == '.') {
					dot = bl + 1;
					if (bl < sizeof(b) - 1)
						b[bl++] = '.';
				}
				i++;
			} else {
				break;
			}
		}
		if (dot) { /* trim trailing zeros of the decimal part, then a bare '.' */
			while (bl > dot && b[bl - 1] == '0')
				bl--;
			if (bl == dot)
				bl--;
		}
		size_t st = 0; /* leading zeros say nothing: "05" is 5 */
		while (st + 1 < bl && b[st] == '0' && b[st + 1] != '.')
			st++;
		out[n++] = XXH3_64bits(b + st, bl - st);
	}
	return uniq_u64(out, n);
}

/* FNV-1a of a lower-cased word, computed while scanning. */
#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME  0x100000001b3ull

/* Scans the word starting at s[*i] (an ASCII letter or digit, or a non-ASCII
 * byte); returns its hash, sets *upper when it starts with a capital, *wl to
 * its length, and moves *i past it. */
static uint64_t scan_hash(const char *s, size_t len, size_t *i, int *upper, size_t *wl)
{
	uint64_t h = FNV_OFFSET;
	size_t j = *i;
	*upper = isupper((unsigned char)s[j]) != 0;
	while (j < len) {
		unsigned char c = (unsigned char)s[j];
		if (c < 0x80 && !isalnum(c))
			break;
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c + 32);
		h = (h ^ c) * FNV_PRIME;
		j++;
	}
	*wl = j - *i;
	*i = j;
	return h;
}

size_t cw_index_words(const char *s, size_t len, int caps_only, uint64_t *out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < len && n < cap;) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x80 && !isalnum(c)) {
			i++;
			continue;
		}
		size_t st = i, wl;
		int upper;
		uint64_t h = scan_hash(s, len, &i, &upper, &wl);
		if (caps_only) {
			char w[64];
			size_t k = CW_MIN(wl, sizeof(w));
			if (!upper || wl < 2)
				continue;
			for (size_t j = 0; j < k; j++)
				w[j] = (char)tolower((unsigned char)s[st + j]);
			if (cw_norm_is_stopword(w, k))
				continue;
		}
		out[n++] = h;
	}
	return uniq_u64(out, n);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* Appends the word hashes of s to *v (n used of *cap). */
static void add_words(const char *s, size_t len, uint64_t **v, size_t *n, size_t *cap)
{
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x80 && !isalnum(c)) {
			i++;
			continue;
		}
		size_t wl;
		int upper;
		uint64_t h = scan_hash(s, len, &i, &upper, &wl);
		if (*n == *cap) {
			*cap *= 2;
			*v = cw_xrealloc(*v, *cap * sizeof(uint64_t));
		}
		(*v)[(*n)++] = h;
	}
}

/* The numbers and words of the claim and title just copied into d->text,
 * with their counts set in d; the caller frees the array. */
static uint64_t *doc_hashes(struct doc *d)
{
	size_t cap = 64, n; /* above CW_INDEX_MAX_NUMBERS */
	uint64_t *v = cw_xmalloc(cap * sizeof(uint64_t));
	d->nnumbers = (uint32_t)cw_index_numbers(d->text, d->claim_len, v, CW_INDEX_MAX_NUMBERS);
	n = d->nnumbers;
	add_words(d->text, d->claim_len, &v, &n, &cap);
	add_words(d->text + d->claim_len + 1, d->title_len, &v, &n, &cap);
	uint64_t *w = v + d->nnumbers;
	size_t nw = n - d->nnumbers, o = 0;
	cw_qsort(w, nw, sizeof(uint64_t), cmp_u64);
	for (size_t i = 0; i < nw; i++)
		if (!o || w[o - 1] != w[i])
			w[o++] = w[i];
	d->nwords = (uint32_t)o;
	return v;
}

/* Bytes of a document's block: its term ids, padded to 8, then its hashes. */
static size_t terms_off(uint32_t total)
{
	return ((size_t)total * sizeof(uint32_t) + 7) & ~(size_t)7;
}

static size_t block_size(const struct doc *d, uint32_t total)
{
	return terms_off(total) + ((size_t)d->nnumbers + d->nwords) * sizeof(uint64_t);
}

/* ---- terms ---- */

static uint64_t hash_bytes(const char *s, size_t len)
{
	return XXH3_64bits(s, len);
}

static uint32_t term_find(const struct cw_index *ix, const char *s, size_t len, uint64_t h)
{
	uint32_t mask = ix->tslots_cap - 1;
	for (uint32_t i = (uint32_t)h & mask;; i = (i + 1) & mask) {
		uint32_t v = ix->tslots[i];
		if (!v)
			return CW_INDEX_NO_TERM;
		const struct term *t = &ix->terms[v - 1];
		if (t->hash == h && t->len == len && memcmp(ix->strs + t->off, s, len) == 0)
			return v - 1;
	}
}

static void tslots_grow(struct cw_index *ix)
{
	uint32_t cap = ix->tslots_cap * 2, mask = cap - 1;
	uint32_t *s = cw_xcalloc(cap, sizeof(uint32_t));
	for (uint32_t t = 0; t < ix->nterms; t++) {
		uint32_t i = (uint32_t)ix->terms[t].hash & mask;
		while (s[i])
			i = (i + 1) & mask;
		s[i] = t + 1;
	}
	free(ix->tslots);
	ix->tslots = s;
	ix->tslots_cap = cap;
}

static uint32_t term_intern(struct cw_index *ix, const char *s, size_t len)
{
	uint64_t h = hash_bytes(s, len);
	uint32_t id = term_find(ix, s, len, h);
	if (id != CW_INDEX_NO_TERM)
		return id;
	if ((ix->nterms + 1) * 10u > ix->tslots_cap * 7u)
		tslots_grow(ix);
	if (ix->nterms == ix->terms_cap) {
		ix->terms_cap = ix->terms_cap ? ix->terms_cap * 2 : 1024;
		ix->terms = cw_xrealloc(ix->terms, ix->terms_cap * sizeof(struct term));
	}
	if (ix->strs_len + len + 1 > ix->strs_cap) {
		size_t cap = ix->strs_cap ? ix->strs_cap * 2 : 16384;
		while (cap < ix->strs_len + len + 1)
			cap *= 2;
		ix->strs = cw_xrealloc(ix->strs, cap);
		ix->strs_cap = cap;
	}
	memcpy(ix->strs + ix->strs_len, s, len);
	ix->strs[ix->strs_len + len] = '\0';
	id = ix->nterms++;
	struct term *t = &ix->terms[id];
	memset(t, 0, sizeof(*t));
	t->hash = h;
	t->off = (uint32_t)ix->strs_len;
	t->len = (uint32_t)len;
	ix->strs_len += len + 1;
	uint32_t mask = ix->tslots_cap - 1, i = (uint32_t)h & mask;
	while (ix->tslots[i])
		i = (i + 1) & mask;
	ix->tslots[i] = id + 1;
	return id;
}

/* ---- document ids ---- */

static uint32_t *id_slot(const struct cw_index *ix, const char *id, int *found)
{
	uint64_t h = hash_bytes(id, strlen(id));
	uint32_t mask = ix->idslots_cap - 1;
	for (uint32_t i = (uint32_t)h & mask;; i = (i + 1) & mask) {
		uint32_t v = ix->idslots[i];
		if (!v) {
			*found = 0;
			return &ix->idslots[i];
		}
		if (strcmp(ix->docs[v - 1].id, id) == 0) {
			*found = 1;
			return &ix->idslots[i];
		}
	}
}

static void idslots_grow(struct cw_index *ix)
{
	uint32_t cap = ix->idslots_cap * 2, mask = cap - 1;
	uint32_t *s = cw_xcalloc(cap, sizeof(uint32_t));
	for (uint32_t i = 0; i < ix->idslots_cap; i++) {
		uint32_t v = ix->idslots[i];
		if (!v)
			continue;
		const char *id = ix->docs[v - 1].id;
		uint32_t j = (uint32_t)hash_bytes(id, strlen(id)) & mask;
		while (s[j])
			j = (j + 1) & mask;
		s[j] = v;
	}
	free(ix->idslots);
	ix->idslots = s;
	ix->idslots_cap = cap;
}

/* Deletes an occupied slot of the linear-probing id table, shifting later
 * entries of the same run back so lookups never stop early. */
static void id_slot_delete(struct cw_index *ix, uint32_t *slot)
{
	uint32_t mask = ix->idslots_cap - 1;
	uint32_t i = (uint32_t)(slot - ix->idslots);
	ix->idslots[i] = 0;
	for (uint32_t j = (i + 1) & mask; ix->idslots[j]; j = (j + 1) & mask) {
		uint32_t v = ix->idslots[j];
		const char *id = ix->docs[v - 1].id;
		uint32_t home = (uint32_t)hash_bytes(id, strlen(id)) & mask;
		/* move v into the hole at i when its home is not in (i, j] cyclically */
		int in_range = (i <= j) ? (home > i && home <= j) : (home > i || home <= j);
		if (!in_range) {
			ix->idslots[i] = v;
			ix->idslots[j] = 0;
			i = j;
		}
	}
}

/* ---- put / remove ---- */

/* Position of doc in a term's postings (sorted by document), or t->n. */
static uint32_t posting_find(const struct term *t, uint32_t doc)
{
	uint32_t lo = 0, hi = t->n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (t->p[mid].doc < doc)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < t->n && t->p[lo].doc == doc ? lo : t->n;
}

static void posting_remove(struct cw_index *ix, uint32_t term, uint32_t doc)
{
	struct term *t = &ix->terms[term];
	uint32_t i = posting_find(t, doc);
	if (i < t->n) {
		memmove(&t->p[i], &t->p[i + 1], (t->n - i - 1) * sizeof(struct posting));
		t->n--;
	}
}

static void doc_kill(struct cw_index *ix, uint32_t dn)
{
	struct doc *d = &ix->docs[dn];
	uint32_t total = 0;
	for (int f = 0; f < CW_INDEX_NFIELDS; f++)
		total += d->nterms[f];
	/* each distinct term once: postings hold one entry per (term, doc) */
	for (uint32_t i = 0; i < total; i++) {
		uint32_t t = d->terms[i];
		struct term *tm = &ix->terms[t];
		if (tm->n && tm->p[tm->n - 1].doc == dn)
			tm->n--; /* the common case: the newest document */
		else
			posting_remove(ix, t, dn);
		/* later duplicates of t find nothing to remove: harmless */
	}
	for (int f = 0; f < CW_INDEX_NFIELDS; f++)
		ix->sum_len[f] -= ix->dlen[(size_t)dn * CW_INDEX_NFIELDS + f];
	ix->doc_bytes -= strlen(d->id) + 1 + d->claim_len + d->title_len + d->speaker_len + 3 +
	                 block_size(d, total);
	free(d->text);
	free(d->terms); /* and the hashes after them */
	d->text = NULL;
	d->terms = NULL;
	d->hashes = NULL;
	d->alive = 0;
	ix->live--;
	ix->dnorm_dirty = 1;
}

static void add_posting(struct cw_index *ix, uint32_t term, uint32_t dn, int field)
{
	struct term *t = &ix->terms[term];
	if (t->n && t->p[t->n - 1].doc == dn) {
		if (t->p[t->n - 1].tf[field] < UINT16_MAX)
			t->p[t->n - 1].tf[field]++;
		return;
	}
	if (t->n == t->cap) {
		uint32_t cap = t->cap ? t->cap * 2 : 2;
		t->p = cw_xrealloc(t->p, cap * sizeof(struct posting));
		ix->post_bytes += (size_t)(cap - t->cap) * sizeof(struct posting);
		t->cap = cap;
	}
	struct posting *p = &t->p[t->n++];
	memset(p, 0, sizeof(*p));
	p->doc = dn;
	p->tf[field] = 1;
}

int cw_index_put(struct cw_index *ix, const struct cw_index_doc *doc)
{
	if (!doc || !doc->id || !doc->id[0])
		return CW_ERR_INVALID;
	int found;
	uint32_t *slot = id_slot(ix, doc->id, &found);
	uint32_t old = found ? *slot - 1 : UINT32_MAX;

	if (ix->ndocs == ix->docs_cap) {
		uint32_t cap = ix->docs_cap ? ix->docs_cap * 2 : 1024;
		ix->docs = cw_xrealloc(ix->docs, cap * sizeof(struct doc));
		ix->dlen = cw_xrealloc(ix->dlen, (size_t)cap * CW_INDEX_NFIELDS * sizeof(uint16_t));
		ix->dnorm = cw_xrealloc(ix->dnorm, (size_t)cap * 4 * sizeof(float));
		ix->docs_cap = cap;
	}
	if (!found && (ix->live + 1) * 10u > ix->idslots_cap * 7u) {
		idslots_grow(ix);
		slot = id_slot(ix, doc->id, &found);
	}
	if (old != UINT32_MAX)
		doc_kill(ix, old);

	uint32_t dn = ix->ndocs++;
	struct doc *d = &ix->docs[dn];
	memset(d, 0, sizeof(*d));
	d->id = cw_xstrdup(doc->id);
	d->user = doc->user;
	d->date_ms = doc->date_ms;
	d->claim_len = doc->claim ? (uint32_t)doc->claim_len : 0;
	d->title_len = doc->title ? (uint32_t)doc->title_len : 0;
	d->speaker_len = doc->speaker ? (uint32_t)doc->speaker_len : 0;
	size_t tl = (size_t)d->claim_len + d->title_len + d->speaker_len + 3;
	d->text = cw_xmalloc(tl);
	char *w = d->text;
	if (d->claim_len)
		memcpy(w, doc->claim, d->claim_len);
	w[d->claim_len] = '\0';
	w += d->claim_len + 1;
	if (d->title_len)
		memcpy(w, doc->title, d->title_len);
	w[d->title_len] = '\0';
	w += d->title_len + 1;
	if (d->speaker_len)
		memcpy(w, doc->speaker, d->speaker_len);
	w[d->speaker_len] = '\0';
	uint64_t *hashes = doc_hashes(d);

	const char *src[CW_INDEX_NFIELDS] = {doc->claim, doc->title, doc->extra};
	size_t srclen[CW_INDEX_NFIELDS] = {doc->claim ? doc->claim_len : 0,
	                                   doc->title ? doc->title_len : 0,
	                                   doc->extra ? doc->extra_len : 0};
	uint32_t total = 0, cap = 64;
	uint32_t *ids = cw_xmalloc(cap * sizeof(uint32_t));
	for (int f = 0; f < CW_INDEX_NFIELDS; f++) {
		struct cw_tokens tk;
		uint32_t n = 0;
		if (srclen[f]) {
			cw_norm_text(ix->own.nz, src[f], srclen[f], ix->p.norm_flags, &tk);
			if (f == CW_FIELD_CLAIM)
				d->simhash = cw_fp_simhash(&tk);
			n = tk.n > MAX_FIELD_TOKENS ? MAX_FIELD_TOKENS : (uint32_t)tk.n;
			if (total + n > cap) {
				while (total + n > cap)
					cap *= 2;
				ids = cw_xrealloc(ids, cap * sizeof(uint32_t));
			}
			for (uint32_t i = 0; i < n; i++) {
				uint32_t t = term_intern(ix, tk.text + tk.off[i], tk.tlen[i]);
				ids[total + i] = t;
				add_posting(ix, t, dn, f);
			}
		}
		d->nterms[f] = n;
		ix->dlen[(size_t)dn * CW_INDEX_NFIELDS + f] = (uint16_t)n;
		ix->sum_len[f] += n;
		total += n;
	}
	char *blk = cw_xmalloc(block_size(d, total) ? block_size(d, total) : 1);
	memcpy(blk, ids, (size_t)total * sizeof(uint32_t));
	memcpy(blk + terms_off(total), hashes,
	       ((size_t)d->nnumbers + d->nwords) * sizeof(uint64_t));
	free(ids);
	free(hashes);
	d->terms = (uint32_t *)(void *)blk;
	d->hashes = (uint64_t *)(void *)(blk + terms_off(total));
	d->alive = 1;
	ix->live++;
	ix->doc_bytes += strlen(d->id) + 1 + tl + block_size(d, total);
	*slot = dn + 1;
	ix->dnorm_dirty = 1;
	return CW_OK;
}

int cw_index_remove(struct cw_index *ix, const char *id)
{
	int found;
	if (!id)
		return CW_ERR_NOT_FOUND;
	uint32_t *slot = id_slot(ix, id, &found);
	if (!found)
		return CW_ERR_NOT_FOUND;
	uint32_t dn = *slot - 1;
	id_slot_delete(ix, slot);
	doc_kill(ix, dn);
	return CW_OK;
}

/* ---- query cleaning ---- */

/* Whether a word starts with "www.", in any case. */
static int is_www(const char *s, size_t len)
{
	return len >= 4 && (s[0] | 0x20) == 'w' && (s[1] | 0x20) == 'w' && (s[2] | 0x20) == 'w' &&
	       s[3] == '.';
}

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Appends w to out with spaces at lower-to-upper case and letter-digit
 * changes and for '_', so "@LindseyGrahamSC" and "#AustralianFires" give
 * their words. */
static size_t put_split(const char *w, size_t wl, char *out, size_t o, size_t cap)
{
	for (size_t i = 0; i < wl && o < cap; i++) {
		unsigned char c = (unsigned char)w[i], p = i ? (unsigned char)w[i - 1] : 0;
		int brk = i && ((islower(p) && isupper(c)) || (isalpha(p) && isdigit(c)) ||
		                (isdigit(p) && isalpha(c)));
		if (c == '_')
			c = ' ';
		else if (brk)
			out[o++] = ' ';
		if (o < cap)
			out[o++] = (char)c;
	}
	return o;
}

static const char *find_link(const char *w, size_t wl)
{
	/* "http://" and "https://" hold a '/', "pic.twitter.com" a '.': most
	 * words have neither and need no search */
	size_t i = 0;
	if (wl < 7)
		return NULL;
	while (i < wl && w[i] != '/' && w[i] != '.')
		i++;
	if (i == wl)
		return NULL;
	const char *a = memmem(w, wl, "http://", 7), *b = memmem(w, wl, "https://", 8);
	const char *c = memmem(w, wl, "pic.twitter.com", 15);
	const char *m = NULL;
	if (a)
		m = a;
	if (b && (!m || b < m))
		m = b;
	if (c && (!m || c < m))
		m = c;
	return m;
}

size_t cw_index_clean_text(const char *s, size_t len, char *out, size_t cap)
{
	/* A tweet's trailer "— Name (@handle) February 25, 2016" stays: the
	 * author and the date often name the subject of the fact-check (measured
	 * on the training tweets). */
	size_t end = len;
	size_t o = 0;
	size_t i = 0;
	while (i < end && o < cap) {
		if (is_space((unsigned char)s[i])) {
			i++;
			continue;
		}
		size_t j = i;
		while (j < end && !is_space((unsigned char)s[j]))
			j++;
		const char *w = s + i;
		size_t wl = j - i;
		i = j;
		const char *link = find_link(w, wl);
		if (link)
			wl = (size_t)(link - w); /* "Thursday.https://t.co/…": keep "Thursday." */
		else if (is_www(w, wl))
			wl = 0;
		if (!wl)
			continue;
		int split = w[0] == '@' || w[0] == '#';
		if (split) {
			w++;
			wl--;
		}
		if (o && o < cap)
			out[o++] = ' ';
		if (split) {
			o = put_split(w, wl, out, o, cap);
		} else {
			size_t n = CW_MIN(wl, cap - o);
			memcpy(out + o, w, n);
			o += n;
		}
	}
	return o;
}

/* ---- search ---- */

static void analyse_query(const struct cw_index *ix, struct cw_index_scratch *s,
                          const struct cw_index_query *q)
{
	size_t len = q->text ? q->len : 0;
	s->clean_len = cw_index_clean_text(q->text ? q->text : "", len, s->clean, MAX_QUERY_BYTES);
	s->clean[s->clean_len] = '\0';
	struct cw_tokens tk;
	cw_norm_text(s->nz, s->clean, s->clean_len, ix->p.norm_flags, &tk);
	s->qsimhash = cw_fp_simhash(&tk);
	if (tk.n > s->qcap) {
		s->qcap = (uint32_t)tk.n;
		s->qterms = cw_xrealloc(s->qterms, s->qcap * sizeof(uint32_t));
		s->uq = cw_xrealloc(s->uq, s->qcap * sizeof(uint32_t));
		s->uqtf = cw_xrealloc(s->uqtf, s->qcap * sizeof(uint32_t));
		s->uidf = cw_xrealloc(s->uidf, s->qcap * sizeof(float));
		s->qhash = cw_xrealloc(s->qhash, s->qcap * sizeof(uint64_t));
	}
	for (uint32_t u = 0; u < s->nu; u++)
		s->qmark[s->uq[u]] = 0; /* the previous query's */
	if (s->qmark_cap < ix->nterms) {
		uint32_t cap = ix->terms_cap;
		s->qmark = cw_xrealloc(s->qmark, cap * sizeof(uint32_t));
		memset(s->qmark + s->qmark_cap, 0, (cap - s->qmark_cap) * sizeof(uint32_t));
		s->qmark_cap = cap;
	}
	s->nq = (uint32_t)tk.n;
	/* The words' slots, then their terms, start loading for all words at
	 * once before any is looked up: the table is far bigger than the
	 * cache, and one lookup waits for each in turn. */
	uint32_t mask = ix->tslots_cap - 1, nu = 0;
	for (uint32_t i = 0; i < s->nq; i++) {
		s->qhash[i] = hash_bytes(tk.text + tk.off[i], tk.tlen[i]);
		__builtin_prefetch(&ix->tslots[(uint32_t)s->qhash[i] & mask]);
	}
	for (uint32_t i = 0; i < s->nq; i++) {
		uint32_t v = ix->tslots[(uint32_t)s->qhash[i] & mask];
		if (v)
			__builtin_prefetch(&ix->terms[v - 1]);
	}
	for (uint32_t i = 0; i < s->nq; i++) {
		const char *w = tk.text + tk.off[i];
		uint32_t t = term_find(ix, w, tk.tlen[i], s->qhash[i]);
		s->qterms[i] = t;
		if (t == CW_INDEX_NO_TERM || ix->terms[t].n == 0)
			continue;
		if (!s->qmark[t]) {
			s->uq[nu] = t;
			s->uqtf[nu] = 0;
			s->qmark[t] = ++nu;
		}
		s->uqtf[s->qmark[t] - 1]++;
	}
	/* qmark stays set for the unique terms until the next search */
	s->nu = nu;
	for (uint32_t u = 0; u < nu; u++) {
		const struct term *t = &ix->terms[s->uq[u]];
		s->uidf[u] = t->idf;
		/* the heads of the postings the search reads next, all at once:
		 * a short list is a cache miss of its own */
		__builtin_prefetch(t->p);
	}
}

float cw_index_idf(const struct cw_index *ix, uint32_t term)
{
	if (term == CW_INDEX_NO_TERM || term >= ix->nterms)
		return 0;
	double n = ix->live, df = ix->terms[term].n;
	return (float)log(1.0 + (n - df + 0.5) / (df + 0.5));
}

/* A hit as one number that orders as hits rank: the bits of its score
 * above (a score is a non-negative float, and those order as their bits
 * do), the complement of its document number below (of equal scores, the
 * lower number ranks first).  The heap of the best hits keeps the worst of
 * them at its root. */
static uint64_t hit_key(float s, uint32_t doc)
{
	uint32_t b;
	memcpy(&b, &s, sizeof(b));
	return (uint64_t)b << 32 | (UINT32_MAX - doc);
}

static float key_score(uint64_t key)
{
	uint32_t b = (uint32_t)(key >> 32);
	float s;
	memcpy(&s, &b, sizeof(s));
	return s;
}

static uint32_t key_doc(uint64_t key)
{
	return UINT32_MAX - (uint32_t)key;
}

static void sift_down(uint64_t *h, size_t n, size_t i)
{
	uint64_t e = h[i];
	for (size_t l; (l = 2 * i + 1) < n;) {
		/* the worse child, picked without a branch: which one it is is
		 * a coin toss the branch predictor would lose */
		size_t c = l + (l + 1 < n && h[l + 1] < h[l]);
		if (h[c] >= e)
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = e;
}

static void sift_up(uint64_t *h, size_t i)
{
	uint64_t e = h[i];
	while (i) {
		size_t p = (i - 1) / 2;
		if (h[p] <= e)
			break;
		h[i] = h[p];
		i = p;
	}
	h[i] = e;
}

#define SCORE_BUCKETS 64

/* Bucket of score s > 0 for a search whose best score is (SCORE_BUCKETS - 1)
 * / scale; an infinite scale (a subnormal best) puts everything at the top. */
static uint32_t score_bucket(float s, float scale)
{
	float v = s * scale;
	return v >= SCORE_BUCKETS - 1 ? SCORE_BUCKETS - 1 : (uint32_t)v;
}

/* Per-field BM25 of the hits.  The term frequencies come from the query
 * terms' postings, which count each field's tokens as the documents' stored
 * term ids do (a field holds at most MAX_FIELD_TOKENS, so a uint16 tf never
 * saturates): one pass over postings the search has just read is cheaper
 * than reading every term of every hit.  Each field's score still adds the
 * terms up in uq order. */
static void field_scores(const struct cw_index *ix, struct cw_index_scratch *s,
                         struct cw_index_hit *hits, size_t n)
{
	double k1 = ix->p.k1;
	struct hit_fields *hf = s->hf;
	for (size_t i = 0; i < n; i++) {
		const struct doc *d = &ix->docs[hits[i].doc];
		for (int f = 0; f < CW_INDEX_NFIELDS; f++) {
			double avg = ix->live ? (double)ix->sum_len[f] / ix->live : 0;
			double b = ix->p.b[f];
			double norm = avg > 0 ? 1.0 - b + b * d->nterms[f] / avg : 1.0;
			hf[i].norm[f] = norm <= 0 ? 1.0 : norm;
			hf[i].s[f] = 0;
		}
		s->pick[hits[i].doc].hitpos = (uint32_t)i + 1;
	}
	for (uint32_t u = 0; u < s->nu; u++) {
		const struct term *t = &ix->terms[s->uq[u]];
		for (uint32_t j = 0; j < t->n; j++) {
			uint32_t h = s->pick[t->p[j].doc].hitpos;
			if (!h)
				continue;
			for (int f = 0; f < CW_INDEX_NFIELDS; f++) {
				uint32_t c = t->p[j].tf[f];
				if (!c)
					continue;
				double x = c / hf[h - 1].norm[f];
				hf[h - 1].s[f] += s->uidf[u] * s->uqtf[u] * x * (k1 + 1) / (k1 + x);
			}
		}
	}
	for (size_t i = 0; i < n; i++) {
		for (int f = 0; f < CW_INDEX_NFIELDS; f++)
			hits[i].field_bm25[f] = (float)hf[i].s[f];
		s->pick[hits[i].doc].hitpos = 0;
	}
}

static void update_norms(struct cw_index *ix)
{
	double c0[CW_INDEX_NFIELDS], c1[CW_INDEX_NFIELDS];
	for (int f = 0; f < CW_INDEX_NFIELDS; f++) {
		double avg = ix->live ? (double)ix->sum_len[f] / ix->live : 0;
		c0[f] = 1.0 - ix->p.b[f];
		c1[f] = avg > 0 ? ix->p.b[f] / avg : 0;
	}
	for (uint32_t d = 0; d < ix->ndocs; d++) {
		const uint16_t *l = ix->dlen + (size_t)d * CW_INDEX_NFIELDS;
		float *o = ix->dnorm + (size_t)d * 4;
		for (int f = 0; f < CW_INDEX_NFIELDS; f++) {
			double den = c0[f] + c1[f] * l[f];
			o[f] = den > 0 ? (float)(ix->p.weight[f] / den) : (float)ix->p.weight[f];
		}
		o[3] = 0;
	}
	/* The same expression a search used to evaluate per posting, so scores
	 * are bit for bit those of computing it there.  O(postings), after a
	 * put or remove only. */
	for (uint32_t t = 0; t < ix->nterms; t++) {
		struct term *tm = &ix->terms[t];
		/* the document count it depends on moved too; kept so that a
		 * search takes no logarithm per term */
		tm->idf = cw_index_idf(ix, t);
		for (uint32_t i = 0; i < tm->n; i++) {
			struct posting *p = &tm->p[i];
			const float *dn = ix->dnorm + (size_t)p->doc * 4;
			p->x = p->tf[0] * dn[0] + p->tf[1] * dn[1] + p->tf[2] * dn[2];
		}
	}
	/* release: a search that sees 0 sees the norms written above */
	__atomic_store_n(&ix->dnorm_dirty, 0, __ATOMIC_RELEASE);
}

/* Brings the norms up to date after a put or remove.  Searches on several
 * threads may get here at once: one updates, the others wait for it. */
static void ensure_norms(struct cw_index *ix)
{
	if (!__atomic_load_n(&ix->dnorm_dirty, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&ix->norms_lock);
	if (ix->dnorm_dirty)
		update_norms(ix);
	pthread_mutex_unlock(&ix->norms_lock);
}

/* Sizes s to the index's documents; acc and pick are all zero between
 * searches, so new ones are too. */
static void scratch_fit(const struct cw_index *ix, struct cw_index_scratch *s)
{
	if (s->docs_cap >= ix->docs_cap)
		return;
	free(s->acc);
	free(s->touched);
	free(s->pick);
	s->acc = cw_xcalloc(ix->docs_cap, sizeof(float));
	s->touched = cw_xmalloc(((size_t)ix->docs_cap + 1) * sizeof(uint32_t));
	s->pick = cw_xcalloc(ix->docs_cap, sizeof(union pick));
	s->docs_cap = ix->docs_cap;
}

size_t cw_index_search(struct cw_index *ix, const struct cw_index_query *q,
                       struct cw_index_hit *hits, size_t k)
{
	return cw_index_search_with(ix, &ix->own, q, hits, k);
}

size_t cw_index_search_with(struct cw_index *ix, struct cw_index_scratch *s,
                            const struct cw_index_query *q, struct cw_index_hit *hits, size_t k)
{
	if (!ix->docs_cap) {
		s->nq = 0;
		s->clean_len = 0;
		return 0;
	}
	/* Length normalisation per field: tf / (1 - b + b * len / avg), folded
	 * with the field weight into w / (c0 + c1 * len); and the terms' idf,
	 * which the query's analysis reads. */
	ensure_norms(ix);
	analyse_query(ix, s, q);
	scratch_fit(ix, s);
	uint32_t nu = s->nu;

	float k1 = (float)ix->p.k1;
	uint32_t nt = 0;
	float *acc = s->acc, best = 0;
	uint32_t *touched = s->touched;
	for (uint32_t u = 0; u < nu; u++) {
		const struct term *t = &ix->terms[s->uq[u]];
		const struct posting *p = t->p;
		float w = s->uidf[u] * (float)s->uqtf[u] * (k1 + 1);
		for (uint32_t i = 0; i < t->n; i++) {
			float x = p[i].x;
			uint32_t doc = p[i].doc;
			if (x <= 0)
				continue; /* only fields of weight 0 hold the term */
			float part = w * x / (k1 + x);
			/* appended always, kept only when new: whether a document
			 * was touched before is a coin toss the branch predictor
			 * would lose */
			touched[nt] = doc;
			nt += acc[doc] == 0;
			/* sums only grow, so the best of them as they are added up
			 * is the best final score */
			float v = acc[doc] + part;
			acc[doc] = v;
			best = v > best ? v : best;
		}
	}

	size_t n = 0;
	if (k > s->heap_cap) {
		s->heap = cw_xrealloc(s->heap, k * sizeof(uint64_t));
		s->hf = cw_xrealloc(s->hf, k * sizeof(struct hit_fields));
		s->heap_cap = k;
	}
	uint64_t *heap = s->heap;
	/* Only documents that can be among the best k go through the heap: a
	 * histogram of the scores in buckets under the best one finds the
	 * lowest bucket that, with those above it, holds k documents.  A
	 * score's bucket never falls as the score grows, so a document in a
	 * lower bucket scores below k others and cannot be a hit. */
	float scale = (SCORE_BUCKETS - 1) / best;
	uint32_t cnt[SCORE_BUCKETS] = {0}, low = 0;
	/* One pass gathers the scores in touched order, clearing acc, and
	 * counts them; the pass that picks the hits then reads them in order. */
	union pick *pick = s->pick;
	for (uint32_t i = 0; i < nt; i++) {
		float v = acc[touched[i]];
		acc[touched[i]] = 0;
		pick[i].sc = v;
		cnt[score_bucket(v, scale)]++;
	}
	for (size_t b = SCORE_BUCKETS, above = 0; b-- > 0;) {
		above += cnt[b];
		if (above >= k) {
			low = (uint32_t)b;
			break;
		}
	}
	/* score_bucket(v, scale) >= low without converting: a bucket is
	 * v * scale rounded down, capped at the top one, so it reaches low
	 * exactly when v * scale does; a NaN (a zero score under an infinite
	 * scale) is in bucket 0. */
	float lowf = (float)low;
	uint32_t nc = 0;
	for (uint32_t i = 0; i < nt; i++) {
		/* kept in place without a branch: which few documents reach the
		 * top buckets is a coin toss the branch predictor would lose */
		float v = pick[i].sc;
		touched[nc] = touched[i];
		pick[nc].sc = v;
		nc += !low || v * scale >= lowf;
	}
	for (uint32_t i = 0; i < nc && k; i++) {
		uint64_t e = hit_key(pick[i].sc, touched[i]);
		if (n < k) {
			heap[n] = e;
			sift_up(heap, n++);
		} else if (heap[0] < e) {
			heap[0] = e;
			sift_down(heap, n, 0);
		}
	}
	memset(pick, 0, nt * sizeof(*pick)); /* for field_scores */
	/* pop worst first into the back of hits */
	size_t total = n;
	while (n) {
		uint64_t e = heap[0];
		heap[0] = heap[--n];
		sift_down(heap, n, 0);
		struct cw_index_hit *h = &hits[n];
		memset(h, 0, sizeof(*h));
		h->doc = key_doc(e);
		h->bm25 = key_score(e);
		h->score = h->bm25;
		h->bm25_rank = (uint32_t)n;
	}
	/* apart from the heap's dependent steps, so the documents' cache misses
	 * overlap */
	for (size_t i = 0; i < total; i++) {
		const struct doc *d = &ix->docs[hits[i].doc];
		hits[i].id = d->id;
		hits[i].user = d->user;
	}
	field_scores(ix, s, hits, total);
	return total;
}

int cw_index_doc_view(const struct cw_index *ix, uint32_t dn, struct cw_index_doc_view *v)
{
	if (dn >= ix->ndocs || !ix->docs[dn].alive)
		return CW_ERR_NOT_FOUND;
	const struct doc *d = &ix->docs[dn];
	v->id = d->id;
	v->user = d->user;
	v->claim = d->text;
	v->claim_len = d->claim_len;
	v->title = d->text + d->claim_len + 1;
	v->title_len = d->title_len;
	v->speaker = v->title + d->title_len + 1;
	v->speaker_len = d->speaker_len;
	v->date_ms = d->date_ms;
	v->simhash = d->simhash;
	const uint32_t *t = d->terms;
	for (int f = 0; f < CW_INDEX_NFIELDS; f++) {
		v->terms[f] = t;
		v->nterms[f] = d->nterms[f];
		t += d->nterms[f];
	}
	v->numbers = d->hashes;
	v->nnumbers = d->nnumbers;
	v->words = d->hashes + d->nnumbers;
	v->nwords = d->nwords;
	return CW_OK;
}

void cw_index_doc_prefetch(const struct cw_index *ix, uint32_t dn)
{
	if (dn >= ix->ndocs || !ix->docs[dn].alive)
		return;
	const struct doc *d = &ix->docs[dn];
	const char *t = (const char *)d->terms;
	/* its whole block, terms then hashes (re-ranking reads the claim's and
	 * title's terms in order and searches the words at the end), up to a
	 * long fact-check's */
	size_t total = (size_t)d->nterms[0] + d->nterms[1] + d->nterms[2];
	size_t end =
	    terms_off((uint32_t)total) + ((size_t)d->nnumbers + d->nwords) * sizeof(uint64_t);
	for (size_t off = 0; off < end && off < 16 * 64; off += 64)
		__builtin_prefetch(t + off);
	__builtin_prefetch(d->text);
}

void cw_index_last_query(const struct cw_index *ix, struct cw_index_query_view *v)
{
	cw_index_last_query_with(&ix->own, v);
}

void cw_index_last_query_with(const struct cw_index_scratch *s, struct cw_index_query_view *v)
{
	v->terms = s->qterms;
	v->nterms = s->nq;
	v->clean = s->clean;
	v->clean_len = s->clean_len;
	v->simhash = s->qsimhash;
	v->place = s->qmark;
	v->nsearched = s->nu;
	v->idf = s->uidf;
}
