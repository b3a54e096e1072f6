/*
 * ptrmap.h — a fixed-size open-addressed map from (tag, 64-bit value) to the
 * index of whatever first wrote it, for tables built and probed many times a
 * batch: the pointers of a batch of sightings (tag -1 an exact fingerprint,
 * tag j band j's LSH key) and their replay in `claimwire eval neardup`.
 *
 * A slot holds an index rather than a copy of what it points to: 16 bytes,
 * for a table probed at random, where size is cache misses.  Sized once for
 * the entries it will hold; never grows.
 */
#ifndef CW_MATCH_PTRMAP_H
#define CW_MATCH_PTRMAP_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "lib/common.h"

struct cw_ptrslot {
	uint64_t value;
	int32_t tag; /* CW_PTRMAP_EMPTY marks an empty slot */
	uint32_t index;
};

struct cw_ptrmap {
	struct cw_ptrslot *s;
	size_t mask;
};

#define CW_PTRMAP_EMPTY INT32_MIN

/* A map for up to entries entries (at most half full). */
static inline void cw_ptrmap_init(struct cw_ptrmap *m, size_t entries)
{
	size_t cap = 16;

	while (cap < entries * 2)
		cap *= 2;
	m->s = cw_xmalloc(cap * sizeof(*m->s));
	for (size_t i = 0; i < cap; i++)
		m->s[i].tag = CW_PTRMAP_EMPTY;
	m->mask = cap - 1;
}

static inline void cw_ptrmap_free(struct cw_ptrmap *m)
{
	free(m->s);
	m->s = NULL;
}

static inline size_t cw_ptrmap_pos(const struct cw_ptrmap *m, int32_t tag, uint64_t value)
{
	uint64_t h = (value ^ ((uint64_t)tag * 0x9E3779B97F4A7C15ULL)) * 0xff51afd7ed558ccdULL;
	size_t i = (size_t)(h >> 17) & m->mask;

	while (m->s[i].tag != CW_PTRMAP_EMPTY && !(m->s[i].tag == tag && m->s[i].value == value))
		i = (i + 1) & m->mask;
	return i;
}

/* The slot of (tag, value), or NULL. */
static inline const struct cw_ptrslot *cw_ptrmap_get(const struct cw_ptrmap *m, int32_t tag,
                                                     uint64_t value)
{
	size_t i = cw_ptrmap_pos(m, tag, value);

	return m->s[i].tag == CW_PTRMAP_EMPTY ? NULL : &m->s[i];
}

/* First writer wins, as SET NX does in Redis: returns 1 when (tag, value)
 * was new and now names index, 0 when it was there already. */
static inline int cw_ptrmap_put(struct cw_ptrmap *m, int32_t tag, uint64_t value, size_t index)
{
	size_t i = cw_ptrmap_pos(m, tag, value);

	if (m->s[i].tag != CW_PTRMAP_EMPTY)
		return 0;
	m->s[i].tag = tag;
	m->s[i].value = value;
	m->s[i].index = (uint32_t)index;
	return 1;
}

#endif
