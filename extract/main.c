/*
 * main.c — `claimwire extract`: the extract worker.  Articles in, claims out.
 *
 * Each Article record from topics.articles is checked (it unpacks, its body
 * is valid UTF-8 and within extract.max_article_bytes; otherwise it goes to
 * the dead-letter topic with the reason), run through the extractor
 * (extract/extract.h), and every claim found becomes one Claim record on
 * topics.claims, keyed by its exact fingerprint in 16 hex digits so that
 * every copy of one claim lands on the same partition.  An article without
 * claims produces nothing.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "extract/extract.h"
#include "lib/cli.h"
#include "lib/common.h"
#include "lib/log.h"
#include "lib/worker.h"
#include "proto/claimwire.pb-c.h"

struct extract_worker {
	struct cw_extractor *ex;
	struct cw_worker *w;
	const Claimwire__Article *article;
	int produce_rc;
	/* Scratch reused for every claim: NUL-terminated copies of the
	 * claim's strings, its MinHash signature, the packed record. */
	char *text;
	size_t text_cap;
	uint32_t *mh;
	size_t mh_cap;
	uint8_t *packed;
	size_t packed_cap;
};

static const char usage_text[] =
    "usage: claimwire extract [options]\n\n"
    "Consumes articles (topics.articles), splits them into sentences, scores\n"
    "each for check-worthiness, takes off the attribution, normalises and\n"
    "fingerprints the claims, and produces Claim records (topics.claims).\n\n"
    "options:\n"
    "      --batch           exit once the input is consumed (also on SIGUSR1)\n" CW_CLI_HELP
    "\nexit codes: 0 ok, 1 runtime failure, 2 usage, 3 configuration\n";

static char empty_string[1];

/* Offset of the first byte of s[0..len) that is not part of well-formed
 * UTF-8 (no overlongs, no surrogates, nothing past U+10FFFF), or len. */
static size_t utf8_invalid_at(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t k;
		uint32_t cp, min;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			k = 1;
			cp = c & 0x1F;
			min = 0x80;
		} else if (c >= 0xE0 && c <= 0xEF) {
			k = 2;
			cp = c & 0x0F;
			min = 0x800;
		} else if (c >= 0xF0 && c <= 0xF4) {
			k = 3;
			cp = c & 0x07;
			min = 0x10000;
		} else {
			return i;
		}
		if (i + k >= len)
			return i; /* cut short */
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xC0) != 0x80)
				return i;
			cp = (cp << 6) | (s[i + j] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return i;
		i += k + 1;
	}
	return len;
}

/* Copies (s, n) into the scratch text at *off as a C string; returns its
 * offset.  The scratch is sized before the copies, so no pointer moves. */
static size_t put_str(struct extract_worker *ew, size_t *off, const char *s, size_t n)
{
	size_t at = *off;

	if (n)
		memcpy(ew->text + at, s, n);
	ew->text[at + n] = '\0';
	*off = at + n + 1;
	return at;
}

/* A Claim record with the fields every record of article a carries. */
static void claim_of_article(Claimwire__Claim *cl, const Claimwire__Article *a)
{
	claimwire__claim__init(cl);
	cl->schema_version = CLAIMWIRE__SCHEMA_VERSION__SCHEMA_VERSION_1;
	cl->article_id = a->id ? a->id : empty_string;
	cl->outlet = a->outlet ? a->outlet : empty_string;
	cl->published = a->published;
	cl->article_title = a->title ? a->title : empty_string;
	cl->url = a->url ? a->url : empty_string;
}

/* Packs cl into the worker's buffer and produces it to topics.claims. */
static int produce_claim(struct extract_worker *ew, const Claimwire__Claim *cl, const char *key,
                         size_t keylen)
{
	size_t len = claimwire__claim__get_packed_size(cl);

	if (len > ew->packed_cap) {
		ew->packed_cap = len * 2;
		ew->packed = cw_xrealloc(ew->packed, ew->packed_cap);
	}
	claimwire__claim__pack(cl, ew->packed);
	return cw_worker_produce(ew->w, "topics.claims", key, keylen, ew->packed, len, NULL);
}

static int on_claim(const struct cw_extracted_claim *c, void *opaque)
{
	struct extract_worker *ew = opaque;
	const Claimwire__Article *a = ew->article;
	Claimwire__Claim cl;
	char fp[17];
	size_t need, off = 0, o_sent, o_text, o_norm, o_spk;
	int rc;

	need = c->sentence_len + c->text_len + c->normalized_len + c->speaker_len + 4;
	if (need > ew->text_cap) {
		ew->text_cap = need * 2;
		ew->text = cw_xrealloc(ew->text, ew->text_cap);
	}
	if (c->minhash_len > ew->mh_cap) {
		ew->mh_cap = c->minhash_len;
		ew->mh = cw_xrealloc(ew->mh, ew->mh_cap * sizeof(*ew->mh));
	}
	o_sent = put_str(ew, &off, c->sentence, c->sentence_len);
	o_text = put_str(ew, &off, c->text, c->text_len);
	o_norm = put_str(ew, &off, c->normalized, c->normalized_len);
	o_spk = put_str(ew, &off, c->speaker, c->speaker_len);
	memcpy(ew->mh, c->minhash, c->minhash_len * sizeof(*ew->mh));
	cw_hex64(c->fingerprint, fp);

	claim_of_article(&cl, a);
	cl.fingerprint = fp;
	cl.sentence_index = c->sentence_index;
	cl.start_byte = c->start_byte;
	cl.end_byte = c->end_byte;
	cl.sentence = ew->text + o_sent;
	cl.text = ew->text + o_text;
	cl.normalized = ew->text + o_norm;
	cl.speaker = ew->text + o_spk;
	cl.checkworthiness = c->checkworthiness;
	cl.simhash = c->simhash;
	cl.n_minhash = c->minhash_len;
	cl.minhash = ew->mh;
	cl.claim_index = c->claim_index;
	cl.claim_count = c->claim_count;
	cl.check_worthy = c->check_worthy ? 1 : 0;

	rc = produce_claim(ew, &cl, fp, 16);
	if (rc != 0)
		ew->produce_rc = rc;
	return rc;
}

/* An article that yielded no claim is still an article an editor should
 * see counted: one Claim record saying so (article_only), keyed by its id. */
static int produce_article_only(struct extract_worker *ew, const Claimwire__Article *a)
{
	Claimwire__Claim cl;

	claim_of_article(&cl, a);
	cl.article_only = 1;
	return produce_claim(ew, &cl, cl.article_id, strlen(cl.article_id));
}

/* Extracts one record; dead-letters it when it cannot be read. */
static int process_one(struct extract_worker *ew, const rd_kafka_message_t *msg)
{
	Claimwire__Article *a;
	char err[256];
	size_t bad;
	int rc = 0;

	a = claimwire__article__unpack(NULL, msg->len, msg->payload);
	if (!a) {
		cw_worker_dead_letter(ew->w, msg, "record does not unpack as an Article");
		goto out;
	}
	const char *id = a->id && *a->id ? a->id : "?";
	size_t blen = a->body ? strlen(a->body) : 0;
	if (blen > 0 && (bad = utf8_invalid_at((const unsigned char *)a->body, blen)) < blen) {
		snprintf(err, sizeof(err), "article '%s' body: invalid UTF-8 at byte %zu", id, bad);
		cw_worker_dead_letter(ew->w, msg, err);
		goto out;
	}
	ew->article = a;
	ew->produce_rc = 0;
	rc = cw_extractor_run(ew->ex, a->body ? a->body : "", blen, on_claim, ew);
	if (rc == CW_ERR_TOO_BIG && ew->produce_rc == 0) {
		snprintf(err, sizeof(err),
		         "article '%s' body: %zu bytes, over extract.max_article_bytes", id, blen);
		cw_worker_dead_letter(ew->w, msg, err);
		rc = 0;
		goto out;
	}
	if (rc != 0) {
		cw_warn("msg=\"cannot produce claims\" article=%s rc=%d", id, ew->produce_rc);
		rc = CW_ERR_RETRY;
		goto out;
	}
	struct cw_extract_stats st;
	cw_extractor_stats(ew->ex, &st);
	if (st.claims == 0) {
		cw_debug("msg=\"no claims\" article=%s sentences=%zu", id, st.sentences);
		if ((rc = produce_article_only(ew, a)) != 0) {
			cw_warn("msg=\"cannot produce the article's record\" article=%s rc=%d", id,
			        rc);
			rc = CW_ERR_RETRY;
		}
	} else
		cw_debug("msg=\"claims\" article=%s sentences=%zu claims=%zu check_worthy=%zu%s",
		         id, st.sentences, st.claims, st.check_worthy,
		         st.truncated ? " truncated=1" : "");
out:
	ew->article = NULL;
	if (a)
		claimwire__article__free_unpacked(a, NULL);
	return rc;
}

static int process(struct cw_worker *w, rd_kafka_message_t **msgs, size_t n, void *opaque)
{
	struct extract_worker *ew = opaque;
	int rc = 0;

	ew->w = w;
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (msgs[i]->err)
			continue;
		rc = process_one(ew, msgs[i]);
	}
	return rc;
}

int cw_extract_command(int argc, char **argv)
{
	static const char *const inputs[] = {"topics.articles", NULL};
	struct cw_config *cfg = NULL;
	struct extract_worker ew = {0};
	char err[512];
	int rc, batch = 0;

	if ((rc = cw_cli_worker_args(argc, argv, usage_text, &cfg, &batch)) >= 0)
		return rc;
	ew.ex = cw_extractor_new(cfg, err, sizeof(err));
	if (!ew.ex) {
		cw_err("msg=\"cannot start the extractor: %s\"", err);
		rc = CW_EXIT_CONFIG;
		goto out;
	}
	struct cw_worker_spec spec = {
	    .stage = "extract",
	    .input_topic_keys = inputs,
	    .process = process,
	    .opaque = &ew,
	};
	rc = cw_worker_run(&spec, cfg, batch);
out:
	cw_extractor_free(ew.ex);
	free(ew.text);
	free(ew.mh);
	free(ew.packed);
	cw_config_free(cfg);
	return rc;
}
