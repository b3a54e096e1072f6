/* clang-format off */
/*
 * fuzz_feed.c — libFuzzer target: claimwire's RSS/Atom reader (ingest/feed.c)
 * through cw_ingest_parse() on arbitrary bytes; feeds are outside input.
 *
 * fuzz-sources: ingest/feed.c ingest/parse.c ingest/article.c ingest/clean.c ingest/furniture.c ingest/text.c ingest/time.c extract/normalize.c extract/fingerprint.c lib/common.c lib/log.c
 * (one line: tests/fuzz/run reads it)
 *
 * Checks beyond "no crash, no sanitizer report": every article delivered has
 * an id, a non-empty body whose length is body_len, and valid UTF-8 in every
 * field; every reject names the input; a malformed feed delivers no article
 * at all; the same input read twice gives the same result.
 */
/* clang-format on */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_feed_count {
	size_t articles, rejects, whole;
	uint64_t hash; /* of everything delivered, in order */
	const char *input;
	size_t len;
};

static void check_utf8(const char *s)
{
	size_t bad;
	if (s && cw_ingest_utf8_check(s, strlen(s), &bad) < 0)
		abort();
}

static void mix(uint64_t *h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		*h = (*h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
	*h = (*h ^ 0xff) * 0x100000001b3ULL;
}

static int on_article(struct cw_ingest_article *a, void *opaque)
{
	struct fuzz_feed_count *c = opaque;

	if (!a->id || !*a->id || !a->body || !a->body_len || strlen(a->body) != a->body_len)
		abort();
	check_utf8(a->id);
	check_utf8(a->outlet);
	check_utf8(a->url);
	check_utf8(a->title);
	check_utf8(a->body);
	check_utf8(a->language);
	mix(&c->hash, a->id, strlen(a->id));
	mix(&c->hash, a->body, a->body_len);
	c->articles++;
	return 0;
}

static int on_reject(const char *bytes, size_t len, const char *error, void *opaque)
{
	struct fuzz_feed_count *c = opaque;

	(void)bytes;
	if (strncmp(error, "fuzz.rss:", 9))
		abort();
	if (bytes == c->input && len == c->len)
		c->whole++;
	mix(&c->hash, error, strlen(error));
	c->rejects++;
	return 0;
}

static void run(const uint8_t *data, size_t size, size_t max, struct fuzz_feed_count *c)
{
	struct cw_ingest_opts o = {.max_article_bytes = max};
	struct cw_ingest_sink sink = {on_article, on_reject, c};

	memset(c, 0, sizeof(*c));
	c->input = (const char *)data;
	c->len = size;
	if (cw_ingest_parse("fuzz.rss", (const char *)data, size, CW_INGEST_FEED, &o, &sink) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_feed_count a, b;

	/* A small cap too, so that the over-the-limit paths are reached. */
	run(data, size, size % 2 ? 0 : 64, &a);
	if (a.whole && a.articles)
		abort(); /* a feed refused whole delivers nothing */
	run(data, size, size % 2 ? 0 : 64, &b);
	if (a.articles != b.articles || a.rejects != b.rejects || a.hash != b.hash)
		abort();
	return 0;
}
