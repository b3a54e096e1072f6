/*
 * rbuf.c — the report stage's growable byte buffer (see rbuf.h).
 */
#include "report/rbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/common.h"

static void grow(struct cw_rbuf *b, size_t extra)
{
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	b->p = cw_xrealloc(b->p, cap);
	b->cap = cap;
}

void cw_rbuf_add(struct cw_rbuf *b, const void *s, size_t n)
{
	grow(b, n);
	if (n)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void cw_rbuf_adds(struct cw_rbuf *b, const char *s)
{
	cw_rbuf_add(b, s, strlen(s));
}

void cw_rbuf_addc(struct cw_rbuf *b, char c)
{
	grow(b, 1);
	b->p[b->len++] = c;
	b->p[b->len] = '\0';
}

void cw_rbuf_addf(struct cw_rbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char small[256];
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof small) {
		cw_rbuf_add(b, small, (size_t)n);
		return;
	}
	grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void cw_rbuf_reset(struct cw_rbuf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}

void cw_rbuf_release(struct cw_rbuf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

char *cw_rbuf_detach(struct cw_rbuf *b, size_t *len)
{
	if (!b->p)
		cw_rbuf_add(b, "", 0);
	char *p = b->p;
	if (len)
		*len = b->len;
	b->p = NULL;
	b->len = b->cap = 0;
	return p;
}
