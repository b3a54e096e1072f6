/*
 * cw_debates.h — the check-worthiness evaluation data: CLEF CheckThat! debate
 * transcripts (`line<TAB>speaker<TAB>text<TAB>label`, one sentence a line),
 * loading them and ranking measures over them (MAP over debates, P@k), shared
 * by `claimwire train checkworthiness` and `claimwire eval checkworthiness`.
 */
#ifndef CW_DEBATES_H
#define CW_DEBATES_H

#include <stddef.h>

#include "extract/checkworthiness.h"

/* One debate.  Strings in ex point into buf. */
struct cw_cw_debate {
	char *name; /* file name without directory, e.g. "20160926_1pres.tsv" */
	char *buf;
	struct cw_cw_example *ex;
	size_t n;
};

/* The debates held out for development by default: every fifth file of the
 * 50 sorted by name (the 5th, 10th, ... 50th), fixed here so that adding a
 * file does not change the split. */
extern const char *const cw_cw_default_dev[];
extern const size_t cw_cw_default_dev_count;

/* Reads one debate file.  0, or CW_ERR_IO / CW_ERR_INVALID with errstr
 * "PATH:LINE: message".  Release with cw_cw_debate_release(). */
int cw_cw_debate_load(const char *path, struct cw_cw_debate *d, char *errstr, size_t errsize);
void cw_cw_debate_release(struct cw_cw_debate *d);

/* The *.tsv file names in dir, sorted (strcmp).  The caller frees each name
 * and the array.  0 or CW_ERR_IO with errstr. */
int cw_cw_debate_list(const char *dir, char ***names, size_t *n, char *errstr, size_t errsize);

/* Whether name is in the comma-separated list (entries with or without
 * ".tsv"). */
int cw_cw_name_in_list(const char *name, const char *list);

struct cw_cw_eval {
	double map; /* mean over debates of average precision */
	double p10; /* mean over debates of precision at 10 */
	double p20;
	size_t ndebates;
	size_t nsentences;
	size_t npositives;
};

/* Scores every sentence of every debate with cw_cw_score_example() (its
 * neighbouring lines as context) and ranks each
 * debate on its own. */
void cw_cw_evaluate(const struct cw_cw_model *m, const struct cw_cw_debate *d, size_t n,
                    struct cw_cw_eval *out);

#endif
