/*
 * rbuf.h — a growable byte buffer for building report text (HTML, JSON, CSV)
 * without a fixed size.  Always NUL-terminated after the first add, so p can
 * be handed to functions that want a C string.
 *
 *   struct cw_rbuf b = CW_RBUF_INIT;
 *   cw_rbuf_addf(&b, "%d claims", n);
 *   ... use b.p, b.len ...
 *   cw_rbuf_release(&b);
 */
#ifndef CW_RBUF_H
#define CW_RBUF_H

#include <stddef.h>

struct cw_rbuf {
	char *p;    /* NULL until the first add */
	size_t len; /* bytes used, not counting the NUL */
	size_t cap; /* bytes allocated */
};

#define CW_RBUF_INIT                                                                               \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

void cw_rbuf_add(struct cw_rbuf *b, const void *s, size_t n);
void cw_rbuf_adds(struct cw_rbuf *b, const char *s);
void cw_rbuf_addc(struct cw_rbuf *b, char c);
void cw_rbuf_addf(struct cw_rbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Empties the buffer, keeping its memory. */
void cw_rbuf_reset(struct cw_rbuf *b);
/* Frees the memory; the buffer can be used again. */
void cw_rbuf_release(struct cw_rbuf *b);
/* Hands the bytes to the caller (free() them; never NULL), empties b. */
char *cw_rbuf_detach(struct cw_rbuf *b, size_t *len);

#endif
