/*
 * follow.c — the record of files `claimwire ingest --follow` has ingested:
 * a sorted array in memory (binary search per file and poll), appended to a
 * state file one fsync'ed line per ingested file.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ingest/follow.h"
#include "lib/common.h"

struct seen_entry {
	char *name;
	int64_t size, mtime_ns;
};

struct cw_ingest_seen {
	struct seen_entry *v; /* sorted by name */
	size_t n, cap;
	FILE *f; /* the state file, open for appending; NULL in memory only */
};

/* The index of name, or where it would go (*found 0). */
static size_t seek(const struct cw_ingest_seen *s, const char *name, int *found)
{
	size_t lo = 0, hi = s->n;

	*found = 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s->v[mid].name, name);
		if (!c) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void put(struct cw_ingest_seen *s, const char *name, int64_t size, int64_t mtime_ns)
{
	int found;
	size_t i = seek(s, name, &found);

	if (!found) {
		if (s->n == s->cap) {
			s->cap = s->cap ? s->cap * 2 : 64;
			s->v = cw_xrealloc(s->v, s->cap * sizeof(*s->v));
		}
		memmove(s->v + i + 1, s->v + i, (s->n - i) * sizeof(*s->v));
		s->v[i].name = cw_xstrdup(name);
		s->n++;
	}
	s->v[i].size = size;
	s->v[i].mtime_ns = mtime_ns;
}

struct cw_ingest_seen *cw_ingest_seen_open(const char *path, char *errstr, size_t errsize)
{
	struct cw_ingest_seen *s = cw_xcalloc(1, sizeof(*s));
	FILE *in;
	char *line = NULL;
	size_t cap = 0;
	ssize_t l;

	if (!path)
		return s;
	in = fopen(path, "r");
	if (!in && errno != ENOENT) {
		snprintf(errstr, errsize, "cannot read state file '%s': %s", path, strerror(errno));
		goto fail;
	}
	while (in && (l = getline(&line, &cap, in)) > 0) {
		long long size, mtime;
		int off = 0;
		if (line[l - 1] == '\n')
			line[--l] = '\0';
		if (sscanf(line, "%lld %lld %n", &size, &mtime, &off) == 2 && off > 0 && line[off])
			put(s, line + off, size, mtime);
	}
	free(line);
	if (in)
		fclose(in);
	s->f = fopen(path, "a");
	if (!s->f) {
		snprintf(errstr, errsize, "cannot write state file '%s': %s", path,
		         strerror(errno));
		goto fail;
	}
	return s;
fail:
	cw_ingest_seen_free(s);
	return NULL;
}

void cw_ingest_seen_free(struct cw_ingest_seen *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].name);
	free(s->v);
	if (s->f)
		fclose(s->f);
	free(s);
}

int cw_ingest_seen_has(const struct cw_ingest_seen *s, const char *name, int64_t size,
                       int64_t mtime_ns)
{
	int found;
	size_t i = seek(s, name, &found);
	return found && s->v[i].size == size && s->v[i].mtime_ns == mtime_ns;
}

int cw_ingest_seen_add(struct cw_ingest_seen *s, const char *name, int64_t size, int64_t mtime_ns,
                       char *errstr, size_t errsize)
{
	int rc = CW_OK;

	if (strchr(name, '\n')) {
		snprintf(errstr, errsize, "file name with a newline cannot be recorded");
		rc = CW_ERR_INVALID;
		goto out;
	}
	if (s->f && (fprintf(s->f, "%" PRId64 " %" PRId64 " %s\n", size, mtime_ns, name) < 0 ||
	             fflush(s->f) != 0 || fsync(fileno(s->f)) != 0)) {
		snprintf(errstr, errsize, "cannot write state file: %s", strerror(errno));
		rc = CW_ERR_IO;
		goto out;
	}
	put(s, name, size, mtime_ns);
out:
	return rc;
}

size_t cw_ingest_seen_count(const struct cw_ingest_seen *s)
{
	return s->n;
}
