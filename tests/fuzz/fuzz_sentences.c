/*
 * fuzz_sentences.c — libFuzzer target: the sentence splitter on arbitrary
 * bytes (article bodies are outside input).
 *
 * fuzz-sources: extract/sentence.c lib/common.c
 *
 * Checks the contract of sentence.h: sentences in order, inside the text,
 * non-empty, not overlapping, not starting or ending with whitespace, no
 * letter or digit left outside every sentence, and the iterator giving the
 * same sentences as cw_sentences_split.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "extract/sentence.h"
#include "lib/common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXS 4096

static int is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int is_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cw_sentence out[MAXS];
	struct cw_sentence_iter it;
	struct cw_sentence s;
	const char *text = (const char *)data;
	size_t n = 0, prev_end = 0;
	int rc = cw_sentences_split(text, size, out, MAXS, &n);

	if (rc != 0 && rc != CW_ERR_TOO_BIG)
		abort();
	if (n > MAXS)
		abort();
	for (size_t i = 0; i < n; i++) {
		if (out[i].len == 0 || out[i].start < prev_end || out[i].start + out[i].len > size)
			abort();
		if (is_ws(data[out[i].start]) || is_ws(data[out[i].start + out[i].len - 1]))
			abort();
		for (size_t j = prev_end; j < out[i].start; j++)
			if (is_alnum(data[j]))
				abort();
		prev_end = out[i].start + out[i].len;
	}
	if (rc == 0)
		for (size_t j = prev_end; j < size; j++)
			if (is_alnum(data[j]))
				abort();

	cw_sentence_iter_init(&it, text, size);
	for (size_t i = 0; i < n; i++) {
		if (!cw_sentence_next(&it, &s))
			abort();
		if (s.start != out[i].start || s.len != out[i].len)
			abort();
	}
	if (rc == 0 && cw_sentence_next(&it, &s))
		abort();
	return 0;
}
