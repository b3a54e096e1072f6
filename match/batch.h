/*
 * batch.h — one batch of claims through match: the sightings recorded in
 * Redis and every claim decided against the knowledge base, at the same
 * time.
 *
 * The two halves do not depend on each other (a decision never reads the
 * sightings), so cw_match_batch() sends the sightings' round trips from a
 * second thread while the calling thread decides: Redis works on its core
 * while the worker works on its own.  Sightings are recorded a chunk of
 * claims at a time (as consecutive smaller batches would be, with the same
 * clusters).  Once they are all recorded, the second thread decides too:
 * both take the next undecided claim until none is left, so the decisions
 * are not bound to one core.  The calling thread emits the verdicts in
 * batch order as they are ready (the claim's chunk recorded, and every
 * claim up to that one decided), between decisions of its own, so that
 * emitting overlaps Redis recording the later chunks and the other
 * thread's deciding; each verdict is the one that claim decided alone gets.  The emitter runs on
 * the calling thread only.  The Redis connection belongs to the second thread for
 * the call.  The matcher is the caller's: its knowledge base must not change
 * during the call (apply changes between batches, on the caller's thread),
 * and the second thread decides with a scratch the matcher keeps for it
 * (cw_matcher_scratch_take).
 */
#ifndef CW_MATCH_BATCH_H
#define CW_MATCH_BATCH_H

#include <stddef.h>

#include "lib/redis.h"
#include "match/matcher.h"
#include "match/sightings.h"
#include "proto/claimwire.pb-c.h"

/* Called once per claim, in order, on the calling thread, with its finished
 * verdict (borrowed for the call).  A non-zero return stops the batch (no
 * later verdict is emitted) and is returned. */
typedef int (*cw_match_emit_fn)(const Claimwire__Verdict *v, void *opaque);

/* Records the sightings of claims[0..n) (in[i] describing claims[i]),
 * decides each claim and emits their verdicts in order.  Returns 0, the
 * emitter's non-zero return, or CW_ERR_RETRY when Redis is unavailable.
 * Safe to call again with the same batch then: no sighting counts twice.
 * When Redis failed after the first chunk, the verdicts of the chunks
 * recorded may have been emitted already, and are emitted again: at least
 * once, as a redelivered batch is (their consumers are idempotent). */
int cw_match_batch(struct cw_redis *r, const struct cw_sightings_opts *so, struct cw_matcher *m,
                   Claimwire__Claim *const *claims, const struct cw_sighting_in *in, size_t n,
                   cw_match_emit_fn emit, void *opaque, char *errstr, size_t errsize);

#endif
