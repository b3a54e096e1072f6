/*
 * evalset.h — the claim-retrieval evaluation data claimwire trains and
 * measures its matcher on (CLEF CheckThat! Task 2 layout): a collection of
 * fact-checks as JSON lines, queries as "id<TAB>text" lines and gold pairs as
 * "qid<TAB>0<TAB>vclaim_id<TAB>1" lines; plus the ranking measures.
 *
 * Collection fields read: vclaim_id, vclaim, title, subtitle (Snopes) and
 * speaker (PolitiFact).  Only queries with at least one gold pair are kept.
 */
#ifndef CW_MATCH_EVALSET_H
#define CW_MATCH_EVALSET_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "match/index.h"

struct cw_evalset_doc {
	char *id, *claim, *title, *extra, *speaker; /* never NULL ("" when absent) */
};

struct cw_evalset_query {
	char *id, *text;
	char *speaker; /* NULL unknown; see cw_evalset_load_speakers */
	char **rel;    /* gold vclaim ids */
	size_t nrel;
};

struct cw_evalset {
	struct cw_evalset_doc *docs;
	size_t ndocs;
	struct cw_evalset_query *queries;
	size_t nqueries;
	struct cw_evalset_query *negs; /* claims with no fact-check here (nrel 0) */
	size_t nnegs;
};

/* Loads a collection / queries and qrels into es (zeroed by the caller).
 * CW_ERR_IO or CW_ERR_INVALID with "PATH:LINE: ..." in errstr. */
int cw_evalset_load_collection(struct cw_evalset *es, const char *path, char *errstr,
                               size_t errsize);
int cw_evalset_load_queries(struct cw_evalset *es, const char *queries_path, const char *qrels_path,
                            char *errstr, size_t errsize);
/* Names each query's speaker from debate transcripts: a query id
 * "<debate>_<line>" is looked up in dir/<debate>.tsv, whose lines are
 * "line<TAB>speaker<TAB>text<TAB>label" (the CheckThat! debates).  Queries not
 * found keep no speaker.  Returns the number of queries given a speaker. */
size_t cw_evalset_load_speakers(struct cw_evalset *es, const char *dir);
void cw_evalset_release(struct cw_evalset *es);

/*
 * Negatives: claims that have no fact-check in the collection, to measure and
 * train "has this claim been fact-checked at all?".  Texts shorter than
 * CW_EVALSET_NEG_MIN_WORDS words are left out (greetings and interjections
 * say nothing about the matcher).
 *
 * From debates: every sentence of the transcripts dir/<debate>.tsv named by
 * es->queries' "<debate>_<line>" ids that is not itself a query and whose
 * label is not 1 (a sentence some outlet fact-checked may well be in the
 * collection), with its speaker.  Returns the number added.
 *
 * From a file or a directory of files: a .tsv transcript as above (all
 * lines not labelled 1), a .jsonl file's "text" values, or any other file's
 * lines.  CW_ERR_IO with errstr when path cannot be read.
 */
#define CW_EVALSET_NEG_MIN_WORDS 6
size_t cw_evalset_load_debate_negatives(struct cw_evalset *es, const char *dir);
int cw_evalset_load_negatives(struct cw_evalset *es, const char *path, char *errstr,
                              size_t errsize);
/* Keeps at most max negatives, a sample drawn with a fixed seed (the same
 * files give the same sample on every machine). */
void cw_evalset_sample_negatives(struct cw_evalset *es, size_t max, uint64_t seed);

/* Puts every document into ix; a doc's user value is its position in es->docs.
 */
void cw_evalset_index(const struct cw_evalset *es, struct cw_index *ix);

/* Whether id is one of q's gold ids. */
int cw_evalset_is_rel(const struct cw_evalset_query *q, const char *id);

/* Ranking measures over queries.  rel[i] is 1 when the hit at rank i (0-based)
 * is relevant; nrel is the number of relevant items of the query. */
struct cw_eval_metrics {
	double map1, map3, map5, mrr, r5; /* sums until cw_eval_finish, then means */
	size_t n;
};

/* trec-style average precision cut at k: the sum of precision at each
 * relevant rank within the top k, divided by nrel. */
double cw_eval_ap_at_k(const int *rel, size_t n, size_t nrel, size_t k);
void cw_eval_add(struct cw_eval_metrics *m, const int *rel, size_t n, size_t nrel);
void cw_eval_finish(struct cw_eval_metrics *m);
void cw_eval_print(const struct cw_eval_metrics *m, const char *prefix, FILE *out);

/* Where `claimwire train matcher` writes, and eval and the worker look, by
 * default. */
#define CW_MATCHER_WEIGHTS "match/matcher.weights"

/* Ranking options shared by `eval retrieval` and `train matcher`. */
enum { CW_RO_K1 = 0x2100, CW_RO_B, CW_RO_FIELDS, CW_RO_CANDIDATES };
#define CW_RETRIEVAL_LONGOPTS                                                                      \
	{"k1", required_argument, NULL, CW_RO_K1}, {"b", required_argument, NULL, CW_RO_B},        \
	    {"field-weights", required_argument, NULL, CW_RO_FIELDS},                              \
	{                                                                                          \
		"candidates", required_argument, NULL, CW_RO_CANDIDATES                            \
	}
#define CW_RETRIEVAL_OPTS_HELP                                                                     \
	"  --k1 X              BM25 saturation (default 1.2)\n"                                    \
	"  --b X[,X,X]         BM25 length normalisation per field: claim, title, "                \
	"extra\n"                                                                                  \
	"  --field-weights W,W,W  BM25F weights of claim, title, extra\n"                          \
	"  --candidates N      BM25F candidates to re-rank (default: from the "                    \
	"weights)\n"

/* Applies one of those options to p / *candidates; 0 when c was one and its
 * value is valid, -1 otherwise (message printed). */
int cw_retrieval_opt(int c, const char *arg, struct cw_index_params *p, unsigned *candidates);

#endif
