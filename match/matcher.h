/*
 * matcher.h — "already fact-checked?": the match stage's decision for one
 * claim, over an in-memory copy of the knowledge base.
 *
 * A struct cw_matcher holds every fact-check (kept current by the worker from
 * Redis' change log), the retrieval index over them and the re-ranker.  For a
 * claim it tries, in order: the exact fingerprint of a fact-check's claim
 * (method EXACT, score 1); retrieval and re-ranking, where a best hit whose
 * claim SimHash is within match.near_duplicate_hamming bits counts as
 * NEAR_DUPLICATE and any other as RETRIEVAL.  The score is then held against
 * match.thresholds.confirm and .suggest.  No I/O.
 *
 * Wire copies repeat a claim word for word, so the matcher keeps the last
 * match.decision_cache decisions by claim (fingerprint, SimHash, text and
 * speaker): an exact repeat gets the same candidates, scores and methods
 * without a search, until the knowledge base changes (any change forgets
 * them all).  The verdict is the one a search would give.
 *
 * Threads: one thread owns the matcher and makes every change to it
 * (cw_matcher_put, cw_matcher_set_decision_cache), only while no other
 * thread is deciding.  Between changes, any number of threads may decide at
 * once, each with a scratch of its own (cw_matcher_decide_with); the owner
 * may use the matcher's own (cw_matcher_decide).  They share the decision
 * cache, under a lock.  A verdict does not depend on which thread decided
 * it, nor on what the others decided meanwhile.
 */
#ifndef CW_MATCHER_H
#define CW_MATCHER_H

#include <stddef.h>

#include "lib/config.h"
#include "match/kb.h"
#include "proto/claimwire.pb-c.h"

struct cw_matcher;

/* Reads match.* and extract.language, loads match.weights (a missing weights
 * file falls back to BM25 order with a warning).  NULL with errstr on error. */
struct cw_matcher *cw_matcher_new(const struct cw_config *cfg, char *errstr, size_t errsize);
void cw_matcher_free(struct cw_matcher *m);

/* Adds a fact-check or replaces the one with its id (copied). */
int cw_matcher_put(struct cw_matcher *m, const struct cw_factcheck *fc);
size_t cw_matcher_count(const struct cw_matcher *m);
/* Bytes the retrieval index holds (see cw_index_memory). */
size_t cw_matcher_memory(const struct cw_matcher *m);

/*
 * Fills v->status, v->best and v->candidates for claim c.  The Candidate and
 * FactCheck messages are allocated here and their strings borrowed from the
 * matcher: pack v before the next cw_matcher_put, then release them with
 * cw_matcher_release_verdict().
 */
void cw_matcher_decide(struct cw_matcher *m, const Claimwire__Claim *c, Claimwire__Verdict *v);
void cw_matcher_release_verdict(Claimwire__Verdict *v);

/* One thread's memory for deciding: the retrieval index's search scratch,
 * about 12 bytes per fact-check, 4 per distinct word and 0.6 MiB more (a
 * stem cache and a query buffer), made once and kept. */
struct cw_matcher_scratch;

/* cw_matcher_decide in the caller's scratch s: the same verdict, and safe on
 * several threads at once, each with its own s, between changes to m. */
void cw_matcher_decide_with(struct cw_matcher *m, struct cw_matcher_scratch *s,
                            const Claimwire__Claim *c, Claimwire__Verdict *v);

/* A scratch for the calling thread: one given back earlier or a new one.
 * Give it back with cw_matcher_scratch_give() when the thread is done, so a
 * thread started per batch does not build one each time; the matcher keeps
 * those given back and frees them in cw_matcher_free().  Both are safe from
 * any thread. */
struct cw_matcher_scratch *cw_matcher_scratch_take(struct cw_matcher *m);
void cw_matcher_scratch_give(struct cw_matcher *m, struct cw_matcher_scratch *s);

/* Decisions made in s since it was made: its threads' share of the work. */
size_t cw_matcher_scratch_decisions(const struct cw_matcher_scratch *s);

/* Keeps up to entries decisions (rounded up to a power of two; 0: none),
 * forgetting those kept so far.  A change: by the owner only. */
void cw_matcher_set_decision_cache(struct cw_matcher *m, size_t entries);

/* Decisions answered from the cache, and looked up there, by every thread;
 * read by the owner while no other thread decides. */
void cw_matcher_cache_stats(const struct cw_matcher *m, size_t *hits, size_t *lookups);

#endif
