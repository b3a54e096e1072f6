/*
 * common.h — error codes and small helpers every part of claimwire uses.
 *
 * Library functions return int: 0 on success, a negative enum cw_err on
 * failure, and fill the caller's (errstr, errsize) when a message helps.
 * Out of memory is not an error a caller handles: cw_xmalloc() and friends
 * abort with a message, as git's xmalloc does.
 */
#ifndef CW_COMMON_H
#define CW_COMMON_H

#include <stddef.h>
#include <stdint.h>

enum cw_err {
	CW_OK = 0,
	CW_ERR = -1,         /* generic failure, see errstr */
	CW_ERR_INVALID = -2, /* bad input: record, config value, argument */
	CW_ERR_IO = -3,      /* file or socket */
	CW_ERR_RETRY = -4,   /* transient (Redis down, broker busy): try again later */
	CW_ERR_TOO_BIG = -5, /* input over a configured cap */
	CW_ERR_NOT_FOUND = -6,
};

#define CW_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define CW_MIN(a, b)     ((a) < (b) ? (a) : (b))
#define CW_MAX(a, b)     ((a) > (b) ? (a) : (b))

/* qsort() that accepts an empty array: qsort(NULL, 0, ...) is undefined
 * behaviour in C, and empty arrays are often unallocated. */
#include <stdlib.h>
static inline void cw_qsort(void *base, size_t n, size_t size,
                            int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

/* Text read and written 8 (or 4) bytes at a time as little-endian numbers
 * whatever the machine's order, so that byte i of the text is bits 8i..8i+7
 * of the number: the word scanners' masks mean the same everywhere. */
#include <string.h>
static inline uint64_t cw_load_le64(const void *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

static inline uint32_t cw_load_le32(const void *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap32(v);
#endif
	return v;
}

static inline void cw_store_le64(void *p, uint64_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	memcpy(p, &v, sizeof(v));
}

/* Allocation that never returns NULL: aborts with a message instead. */
void *cw_xmalloc(size_t n);
void *cw_xcalloc(size_t nmemb, size_t size);
void *cw_xrealloc(void *p, size_t n);
char *cw_xstrdup(const char *s);
char *cw_xstrndup(const char *s, size_t n);

/* Wall-clock time in unix milliseconds; monotonic time in milliseconds. */
int64_t cw_now_ms(void);
int64_t cw_mono_ms(void);

/* Formats a 64-bit fingerprint as 16 lower-case hex digits into out[17]. */
void cw_hex64(uint64_t v, char out[17]);

/* Reads a whole file into a NUL-terminated heap buffer (caller frees).
 * Fails with CW_ERR_TOO_BIG when the file is larger than max bytes. */
int cw_read_file(const char *path, size_t max, char **out, size_t *len, char *errstr,
                 size_t errsize);

/* Finds a data file the project ships (model weights): path itself when it
 * exists or is absolute, else the same base name in CW_DATADIR (the
 * installed share/claimwire).  Returns path or buf. */
const char *cw_data_file(const char *path, char *buf, size_t size);

#endif
