/*
 * batch.c — a batch of claims: sightings on a second thread while the
 * calling thread decides (see batch.h).
 */
#include "match/batch.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/common.h"

struct sightings_job {
	struct cw_redis *r;
	const struct cw_sightings_opts *so;
	const struct cw_sighting_in *in;
	size_t n;
	struct cw_sighting *out;
	int rc;
	char err[512];
};

static void *record_sightings(void *arg)
{
	struct sightings_job *j = arg;

	j->rc = cw_sightings_record(j->r, j->so, j->in, j->n, j->out, j->err, sizeof(j->err));
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
	struct sightings_job job = {.r = r, .so = so, .in = in, .n = n};
	Claimwire__Verdict *v;
	pthread_t t;
	int threaded, rc = 0;

	if (n == 0)
		return 0;
	job.out = cw_xcalloc(n, sizeof(*job.out));
	v = cw_xcalloc(n, sizeof(*v));
	/* Without a thread (none to be had), the same work one after the other. */
	threaded = pthread_create(&t, NULL, record_sightings, &job) == 0;
	if (!threaded)
		record_sightings(&job);
	for (size_t i = 0; i < n; i++) {
		claimwire__verdict__init(&v[i]);
		v[i].schema_version = CLAIMWIRE__SCHEMA_VERSION__SCHEMA_VERSION_1;
		v[i].claim = claims[i];
		v[i].decided_ms = cw_now_ms();
		cw_matcher_decide(m, claims[i], &v[i]);
	}
	if (threaded)
		pthread_join(t, NULL);
	if (job.rc != 0) {
		snprintf(errstr, errsize, "%s", job.err);
		rc = job.rc;
		goto out;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		Claimwire__Sightings s;
		fill_sightings(&s, &job.out[i]);
		v[i].sightings = &s;
		rc = emit(&v[i], opaque);
		v[i].sightings = NULL;
	}
	for (size_t i = 0; i < n; i++)
		cw_sighting_release(&job.out[i]);
out:
	for (size_t i = 0; i < n; i++)
		cw_matcher_release_verdict(&v[i]);
	free(v);
	free(job.out);
	return rc;
}
