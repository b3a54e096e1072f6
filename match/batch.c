/*
 * batch.c — a batch of claims: sightings on a second thread while the
 * calling thread decides, then both threads deciding (see batch.h).
 */
#include "match/batch.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/common.h"

struct batch {
	struct cw_redis *r;
	const struct cw_sightings_opts *so;
	const struct cw_sighting_in *in;
	size_t n;
	struct cw_sighting *out;
	int rc;
	char err[512];
	struct cw_matcher *m;
	Claimwire__Claim *const *claims;
	Claimwire__Verdict *v;
	/* The next claim to decide.  Each thread takes one with an atomic
	 * fetch-add, so every claim is decided once, by one thread, into its
	 * own v[i].  On a cache line of its own: both threads write it, and
	 * the calling thread reads the fields around it at every verdict. */
	_Alignas(64) size_t next;
	/* done[i] is set (release) once v[i] is decided; recorded_upto
	 * (release) once the sightings of claims [0, recorded_upto) are, and
	 * recorded once all are or they failed, rc with them: the calling
	 * thread reads them (acquire) before it touches v[i] or out[]. */
	_Alignas(64) unsigned char *done;
	size_t recorded_upto;
	int recorded;
	/* Signalled at each chunk recorded, and at the end, for a calling
	 * thread that has decided its share and waits to emit the rest. */
	pthread_mutex_t lock;
	pthread_cond_t recorded_more;
	/* Verdicts emitted so far, in order, and the emitter's return. */
	size_t emitted;
	int emit_rc;
	cw_match_emit_fn emit;
	void *opaque;
};

/* Sightings are recorded this many claims at a time, so that the first
 * verdicts go out while Redis records the later ones, rather than all of
 * them after the last round trip.  Claims recorded in several calls get
 * the clusters one call would give them (see sightings.h); each call costs
 * Redis a few commands of its own. */
#define SIGHTINGS_CHUNK 128

/* Publishes that the sightings of claims [0, upto) are recorded, and with
 * all that no more will be (all recorded, or failed), under the lock a
 * waiting calling thread checks them with. */
static void announce(struct batch *b, size_t upto, int all)
{
	pthread_mutex_lock(&b->lock);
	__atomic_store_n(&b->recorded_upto, upto, __ATOMIC_RELEASE);
	if (all)
		__atomic_store_n(&b->recorded, 1, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&b->recorded_more);
	pthread_mutex_unlock(&b->lock);
}

static void record_sightings(struct batch *b)
{
	for (size_t off = 0; off < b->n; off += SIGHTINGS_CHUNK) {
		size_t len = CW_MIN(b->n - off, (size_t)SIGHTINGS_CHUNK);
		b->rc = cw_sightings_record(b->r, b->so, b->in + off, len, b->out + off, b->err,
		                            sizeof(b->err));
		if (b->rc != 0)
			break;
		announce(b, off + len, 0);
	}
	announce(b, b->recorded_upto, 1);
}

static void fill_sightings(Claimwire__Sightings *s, const struct cw_sighting *in);

/* On the calling thread: emits the verdicts that are ready, in order, from
 * the first not yet emitted up to one still being decided or whose
 * sightings are not recorded yet.  None is ready once the sightings failed
 * (the batch is then done again whole) or the emitter refused one. */
static void emit_ready(struct batch *b)
{
	size_t upto = __atomic_load_n(&b->recorded_upto, __ATOMIC_ACQUIRE);

	if (b->emit_rc != 0 || (__atomic_load_n(&b->recorded, __ATOMIC_ACQUIRE) && b->rc != 0))
		return;
	while (b->emitted < upto && __atomic_load_n(&b->done[b->emitted], __ATOMIC_ACQUIRE)) {
		Claimwire__Verdict *v = &b->v[b->emitted];
		Claimwire__Sightings s;
		fill_sightings(&s, &b->out[b->emitted]);
		v->sightings = &s;
		b->emit_rc = b->emit(v, b->opaque);
		v->sightings = NULL;
		if (b->emit_rc != 0) {
			/* the rest will not be emitted: stop deciding them */
			__atomic_store_n(&b->next, b->n, __ATOMIC_RELAXED);
			return;
		}
		b->emitted++;
	}
}

/* Takes the next undecided claim, or returns 0 when none is left. */
static int take_claim(struct batch *b, size_t *i)
{
	*i = __atomic_fetch_add(&b->next, 1, __ATOMIC_RELAXED);
	return *i < b->n;
}

/* Decides claim i into v[i], in s (NULL: the matcher's own scratch, the
 * calling thread's), and publishes it. */
static void decide_claim(struct batch *b, size_t i, struct cw_matcher_scratch *s)
{
	Claimwire__Verdict *v = &b->v[i];

	claimwire__verdict__init(v);
	v->schema_version = CLAIMWIRE__SCHEMA_VERSION__SCHEMA_VERSION_1;
	v->claim = b->claims[i];
	v->decided_ms = cw_now_ms();
	if (s)
		cw_matcher_decide_with(b->m, s, b->claims[i], v);
	else
		cw_matcher_decide(b->m, b->claims[i], v);
	__atomic_store_n(&b->done[i], 1, __ATOMIC_RELEASE);
}

/* The calling thread's share: it decides claims until none is left and
 * emits the verdicts that are ready as it goes, so that emitting overlaps
 * the other thread's deciding instead of following it.  Once the sightings
 * have failed the batch will be done again whole: it stops deciding. */
static void caller_decides(struct batch *b)
{
	size_t i;

	while (take_claim(b, &i)) {
		decide_claim(b, i, NULL);
		if (__atomic_load_n(&b->recorded, __ATOMIC_ACQUIRE) && b->rc != 0)
			__atomic_store_n(&b->next, b->n, __ATOMIC_RELAXED);
		emit_ready(b);
	}
}

/* The calling thread, its share decided: emits each chunk's verdicts as
 * the chunk is recorded, rather than all of them after the last one. */
static void caller_emits(struct batch *b)
{
	for (;;) {
		size_t upto = __atomic_load_n(&b->recorded_upto, __ATOMIC_ACQUIRE);
		emit_ready(b);
		if (b->emit_rc != 0)
			return;
		pthread_mutex_lock(&b->lock);
		while (!b->recorded && b->recorded_upto == upto)
			pthread_cond_wait(&b->recorded_more, &b->lock);
		int recorded = b->recorded;
		pthread_mutex_unlock(&b->lock);
		if (recorded)
			return;
	}
}

/* The second thread: the sightings, then a share of the decisions.  When
 * the sightings failed the batch is done again whole, so it does not help. */
static void *sightings_then_decide(void *arg)
{
	struct batch *b = arg;

	record_sightings(b);
	if (b->rc == 0) {
		struct cw_matcher_scratch *s = cw_matcher_scratch_take(b->m);
		size_t i;
		while (take_claim(b, &i))
			decide_claim(b, i, s);
		cw_matcher_scratch_give(b->m, s);
	}
	return NULL;
}

static void fill_sightings(Claimwire__Sightings *s, const struct cw_sighting *in)
{
	claimwire__sightings__init(s);
	s->distinct_outlets = in->distinct_outlets;
	s->total = in->total;
	s->first_outlet = in->first_outlet ? in->first_outlet : (char *)(uintptr_t) "";
	s->first_seen_ms = in->first_seen_ms;
	s->first_article_id = in->first_article_id ? in->first_article_id : (char *)(uintptr_t) "";
	s->method = in->method;
	s->cluster = (char *)(uintptr_t)in->cluster;
}

int cw_match_batch(struct cw_redis *r, const struct cw_sightings_opts *so, struct cw_matcher *m,
                   Claimwire__Claim *const *claims, const struct cw_sighting_in *in, size_t n,
                   cw_match_emit_fn emit, void *opaque, char *errstr, size_t errsize)
{
	struct batch b = {.r = r,
	                  .so = so,
	                  .in = in,
	                  .n = n,
	                  .m = m,
	                  .claims = claims,
	                  .emit = emit,
	                  .opaque = opaque};
	pthread_t t;
	int threaded, rc = 0;

	if (n == 0)
		return 0;
	b.out = cw_xcalloc(n, sizeof(*b.out));
	b.v = cw_xcalloc(n, sizeof(*b.v));
	b.done = cw_xcalloc(n, 1);
	pthread_mutex_init(&b.lock, NULL);
	pthread_cond_init(&b.recorded_more, NULL);
	/* Without a thread (none to be had), the same work one after the other. */
	threaded = pthread_create(&t, NULL, sightings_then_decide, &b) == 0;
	if (!threaded)
		record_sightings(&b);
	caller_decides(&b);
	if (threaded) {
		caller_emits(&b);
		pthread_join(t, NULL);
	}
	if (b.rc != 0) {
		snprintf(errstr, errsize, "%s", b.err);
		rc = b.rc;
		goto out;
	}
	emit_ready(&b); /* what the other thread decided last */
	rc = b.emit_rc;
out:
	/* the chunks recorded before a failure hold strings too */
	for (size_t i = 0; i < n; i++)
		cw_sighting_release(&b.out[i]);
	/* claims never decided (the emitter stopped the batch) hold nothing */
	for (size_t i = 0; i < n; i++)
		if (b.done[i])
			cw_matcher_release_verdict(&b.v[i]);
	pthread_cond_destroy(&b.recorded_more);
	pthread_mutex_destroy(&b.lock);
	free(b.done);
	free(b.v);
	free(b.out);
	return rc;
}
