/*
 * attribution.h — separate who says from what is said in one sentence:
 *
 *   Peskov said that Kislyak met with Clinton advisers.
 *     → speaker "Peskov", claim "Kislyak met with Clinton advisers"
 *   During an interview on CNN, Kremlin spokesman Dmitry Peskov said that ...
 *     → speaker "Dmitry Peskov", claim "..."
 *   "It is his job," Peskov said.          "It is his job," said Peskov.
 *   According to the ministry, 40 people died.   40 people died, according to X.
 *   Peskov told CNN that ...   X claimed / asserted / argued / stated / insisted /
 *   denied / noted / added that ...   Peskov said, "We don't know ..."
 *   McCaskill wrote on Twitter: "I've been ..."   X repeated the claim that ...
 *
 * The speaker is the name that ends the subject, without the titles and
 * descriptions in front of it ("Kremlin spokesman Dmitry Peskov" → "Dmitry
 * Peskov", "Russian Ambassador Sergey Kislyak" → "Sergey Kislyak"): a name
 * is what a reader and a fact-check's claimant field use.  When the subject
 * has no name ("Putin's spokesman", "officials") the whole subject is kept,
 * without a leading article.  A pronoun subject ("he said") is reported as
 * such, so that the caller can resolve it to the last named speaker.
 *
 * Results are byte ranges of the sentence: no copying, no allocation,
 * thread-safe.  Sentences longer than CW_ATTR_MAX_TOKENS words are looked at
 * only in their first CW_ATTR_MAX_TOKENS words.
 */
#ifndef CW_ATTRIBUTION_H
#define CW_ATTRIBUTION_H

#include <stddef.h>

#define CW_ATTR_MAX_TOKENS 256

enum cw_attr_kind {
	CW_ATTR_NONE = 0,  /* the article's own voice: claim is the whole sentence */
	CW_ATTR_VERB,      /* "X said (that) ..." */
	CW_ATTR_TAIL,      /* "..., X said." / '"...," said X.' */
	CW_ATTR_ACCORDING, /* "according to X" */
};

struct cw_attribution {
	enum cw_attr_kind kind;
	/* Speaker: bytes [speaker_off, speaker_off + speaker_len) of the
	 * sentence; speaker_len 0 when none. */
	size_t speaker_off, speaker_len;
	/* Claim: bytes of the sentence, without the attribution, enclosing
	 * quotes and final punctuation.  The whole trimmed sentence when kind
	 * is CW_ATTR_NONE. */
	size_t claim_off, claim_len;
	/* The speaker is a pronoun (he, she, they): resolve it from context. */
	int pronoun;
};

/* Finds the attribution of one sentence (len bytes of UTF-8).  Always fills
 * *a (kind CW_ATTR_NONE and the whole sentence as claim when there is none)
 * and returns a->kind. */
enum cw_attr_kind cw_attribution_find(const char *sentence, size_t len, struct cw_attribution *a);

/* cw_attribution_find() for a sentence the caller has seen a word of
 * cw_attribution_each_trigger() in (or one like it): the same result,
 * without a first look for such a word that would find one. */
enum cw_attr_kind cw_attribution_read(const char *sentence, size_t len, struct cw_attribution *a);

/* Fills *a for a sentence whose speaker is known otherwise (a transcript's
 * speaker label): kind CW_ATTR_NONE, no speaker, and the whole sentence,
 * trimmed as cw_attribution_find() trims a claim, as the claim.  A reported
 * "X said that ..." inside it stays in the claim: it is what the labelled
 * speaker said. */
void cw_attribution_none(const char *sentence, size_t len, struct cw_attribution *a);

/* Calls fn once for each word that an attribution needs one of (verbs of
 * saying, "according") or that can shorten a claim (rebuttal nouns):
 * lower-case ASCII letters, matched case-blind against words of ASCII
 * letters.  A sentence with none of them is the article's own voice. */
void cw_attribution_each_trigger(void (*fn)(const char *word, void *opaque), void *opaque);

/* Fills *a as both cw_attribution_find() and cw_attribution_none() do for a
 * sentence the caller knows holds none of those words as a word of its own
 * (a run of bytes between spaces and punctuation, a final . ! ? or -
 * aside): the claim is the whole sentence, its bounds worked out from its
 * two ends without reading the words between.  Returns 1; 0, leaving *a
 * alone, when its ends are not plain enough to tell (then call those). */
int cw_attribution_plain(const char *sentence, size_t len, struct cw_attribution *a);

#endif
