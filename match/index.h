/*
 * index.h — the in-memory retrieval index over fact-checks that answers
 * "has this claim been fact-checked already?".
 *
 * Every fact-check is indexed by three fields, normalised with extract's
 * cw_norm_text() so that a claim and a fact-check see the same tokens:
 *
 *   CW_FIELD_CLAIM  the claim as reviewed ("vclaim"), weighted highest
 *   CW_FIELD_TITLE  the fact-check's headline
 *   CW_FIELD_EXTRA  a summary or subtitle, weighted lowest
 *
 * Ranking is BM25F: per field, term frequency is normalised by that field's
 * length against its average, the fields are summed with their weights, then
 * saturated once with k1 and multiplied by the term's idf.
 *
 * The match worker builds the index from the fact-checks it reads from Redis
 * and keeps adding to it while it runs (cw_index_put with a known id replaces
 * the earlier version).  One thread owns the index and makes every change.
 * A search works in scratch memory: cw_index_search in the index's own, for
 * the owner thread; cw_index_search_with in a struct cw_index_scratch, one
 * per thread.  Several threads may search the same index at once, each in
 * its own scratch, while nothing is put or removed: the owner changes the
 * index only when no other thread is searching it.
 */
#ifndef CW_MATCH_INDEX_H
#define CW_MATCH_INDEX_H

#include <stddef.h>
#include <stdint.h>

enum cw_index_field {
	CW_FIELD_CLAIM = 0,
	CW_FIELD_TITLE = 1,
	CW_FIELD_EXTRA = 2,
	CW_INDEX_NFIELDS = 3,
};

/* Unknown term (query words no fact-check contains) in term id arrays. */
#define CW_INDEX_NO_TERM UINT32_MAX

struct cw_index_params {
	double k1;                       /* BM25 saturation, >= 0 (default 1.2) */
	double b[CW_INDEX_NFIELDS];      /* length normalisation per field, [0,1] */
	double weight[CW_INDEX_NFIELDS]; /* BM25F field weights, >= 0 */
	const char *language;            /* Snowball language, NULL for "english" */
	unsigned norm_flags;             /* CW_NORM_* passed to cw_norm_text, 0 default */
};

/* Fills p with the defaults tuned on the training data (see index.c). */
void cw_index_params_default(struct cw_index_params *p);

/* One fact-check to index.  Strings are (ptr, len) and need not be
 * NUL-terminated; the index copies what it keeps.  A NULL pointer is an
 * empty field. */
struct cw_index_doc {
	const char *id; /* NUL-terminated, unique: a later put with the same id replaces */
	const char *claim;
	size_t claim_len;
	const char *title;
	size_t title_len;
	const char *extra;
	size_t extra_len;
	const char *speaker; /* the claimant, when the fact-check names one */
	size_t speaker_len;
	int64_t date_ms; /* review date in unix ms, 0 unknown */
	uintptr_t user;  /* the caller's handle for the full fact-check, returned in hits */
};

/* One claim to look up. */
struct cw_index_query {
	const char *text; /* raw claim or sentence (URLs, @handles and such are ignored) */
	size_t len;
	const char *speaker; /* who made the claim, NULL unknown */
	size_t speaker_len;
};

/* One ranked fact-check. */
struct cw_index_hit {
	uint32_t doc;   /* index-internal document number, for cw_index_doc_view() */
	const char *id; /* borrowed: valid until that fact-check is replaced or the index freed */
	uintptr_t user; /* the doc's user value */
	float bm25;     /* BM25F score */
	float field_bm25[CW_INDEX_NFIELDS]; /* BM25 of each field alone (same k1, b) */
	float score;        /* final score: bm25 from cw_index_search; a probability in [0,1]
	                     * after re-ranking (match/rerank.h) */
	uint32_t bm25_rank; /* 0-based rank by bm25 */
};

struct cw_index;

/* Creates an empty index; p NULL for defaults.  NULL with errstr when the
 * language is unknown.  Free with cw_index_free() (NULL is a no-op). */
struct cw_index *cw_index_new(const struct cw_index_params *p, char *errstr, size_t errsize);
void cw_index_free(struct cw_index *ix);

/* Adds one fact-check, or replaces the one with the same id.  Returns 0, or
 * CW_ERR_INVALID when doc->id is NULL or empty. */
int cw_index_put(struct cw_index *ix, const struct cw_index_doc *doc);

/* Removes a fact-check by id; CW_ERR_NOT_FOUND when absent. */
int cw_index_remove(struct cw_index *ix, const char *id);

/* Ranks the index for q and fills up to k hits, best first (ties by doc
 * number, so results are deterministic).  Returns the number filled.  In the
 * index's own scratch: the owner thread's. */
size_t cw_index_search(struct cw_index *ix, const struct cw_index_query *q,
                       struct cw_index_hit *hits, size_t k);

/*
 * One thread's search memory: the analysed query, a score per document, the
 * heap of best hits and a normaliser.  Made for one index, sized to it at
 * the first search (and again after it grew), about 12 bytes per document
 * and 4 per term plus a 512 KiB stem cache and a 64 KiB query buffer: make one
 * per thread and keep it, not one per search.  Free with
 * cw_index_scratch_free() (NULL is a no-op) before the index.
 */
struct cw_index_scratch;
struct cw_index_scratch *cw_index_scratch_new(const struct cw_index *ix);
void cw_index_scratch_free(struct cw_index_scratch *s);

/* The index's own scratch, which cw_index_search and cw_index_last_query
 * use; borrowed. */
struct cw_index_scratch *cw_index_own_scratch(struct cw_index *ix);

/* cw_index_search in s: the same hits.  Safe on several threads at once, each
 * with its own s, while the index does not change. */
size_t cw_index_search_with(struct cw_index *ix, struct cw_index_scratch *s,
                            const struct cw_index_query *q, struct cw_index_hit *hits, size_t k);

/* Live fact-checks, and bytes the index holds (postings, terms, documents). */
size_t cw_index_count(const struct cw_index *ix);
size_t cw_index_memory(const struct cw_index *ix);

/* What the index keeps of one document, for re-ranking.  Borrowed; valid
 * until the next put/remove or cw_index_free. */
struct cw_index_doc_view {
	const char *id;
	uintptr_t user;
	const char *claim; /* raw text, NUL-terminated */
	size_t claim_len;
	const char *title;
	size_t title_len;
	const char *speaker;
	size_t speaker_len;
	int64_t date_ms;
	uint64_t simhash;                        /* cw_fp_simhash of the normalised claim */
	const uint32_t *terms[CW_INDEX_NFIELDS]; /* term ids in text order */
	uint32_t nterms[CW_INDEX_NFIELDS];
	/* cw_index_numbers of the raw claim with cap CW_INDEX_MAX_NUMBERS */
	const uint64_t *numbers;
	uint32_t nnumbers;
	/* the cw_index_words hashes of every word of the raw claim and title,
	 * sorted and distinct */
	const uint64_t *words;
	uint32_t nwords;
};

/* Fills v for a hit's doc; CW_ERR_NOT_FOUND for a dead or unknown number. */
int cw_index_doc_view(const struct cw_index *ix, uint32_t doc, struct cw_index_doc_view *v);

/* Starts loading what cw_index_doc_view() will hand out for doc (its terms,
 * numbers and words, and its text) into the cache, without waiting for it:
 * called for every candidate before the first is re-ranked, the memory
 * reads of all candidates overlap instead of stalling one after another. */
void cw_index_doc_prefetch(const struct cw_index *ix, uint32_t doc);

/* The analysed form of the last query given to cw_index_search: term ids in
 * text order (CW_INDEX_NO_TERM for words no document has), the cleaned raw
 * text that was normalised, the simhash of its tokens, and the distinct
 * terms the search ranked by.  Borrowed; valid until the next search, put or
 * remove. */
struct cw_index_query_view {
	const uint32_t *terms;
	uint32_t nterms;
	const char *clean; /* query text with URLs, handles, tweet trailers removed */
	size_t clean_len;
	uint64_t simhash;
	/* The searched terms: the distinct terms of the query that some live
	 * fact-check holds, in order of first occurrence.  place[t] is 1 + the
	 * position of term t among them, 0 when t is not one of them; defined
	 * for every term id of a live fact-check's fields (cw_index_doc_view),
	 * so that re-ranking tells a candidate's query terms with one load.
	 * idf[i] is cw_index_idf of the i-th. */
	const uint32_t *place;
	uint32_t nsearched;
	const float *idf;
};
void cw_index_last_query(const struct cw_index *ix, struct cw_index_query_view *v);
/* The same for the last query searched in s (cw_index_search_with): valid
 * until the next search in s, put or remove. */
void cw_index_last_query_with(const struct cw_index_scratch *s, struct cw_index_query_view *v);

/* idf of a term id as used in ranking (0 for CW_INDEX_NO_TERM). */
float cw_index_idf(const struct cw_index *ix, uint32_t term);

/*
 * Raw-text features kept per fact-check at put, so that re-ranking compares
 * a claim with its candidates without reading their text again.
 *
 * cw_index_numbers: numbers in raw text, as hashes: digit runs with inner ','
 * dropped and a decimal part kept unless it is zero ("2,000" and "2000"
 * agree; "1.50" and "1.5" too).  Looks at the first cap numbers; returns how
 * many distinct ones they hold, first occurrences kept, in out.
 *
 * cw_index_words: word hashes of raw text, lower-cased (a word is a run of
 * ASCII letters and digits and non-ASCII bytes).  With caps_only, only words
 * that start with a capital, have 2 or more bytes and are not stop words
 * (names).  Looks at the first cap words kept; returns how many distinct ones
 * they hold, first occurrences kept, in out.
 */
#define CW_INDEX_MAX_NUMBERS 32
size_t cw_index_numbers(const char *s, size_t len, uint64_t *out, size_t cap);
size_t cw_index_words(const char *s, size_t len, int caps_only, uint64_t *out, size_t cap);

/* Removes from a raw claim what is not its words: URLs, pic.twitter.com
 * links, @handles, "#" of hashtags and a tweet's "— Name (@handle) date"
 * trailer.  Writes at most cap bytes to out and returns the length. */
size_t cw_index_clean_text(const char *s, size_t len, char *out, size_t cap);

#endif
