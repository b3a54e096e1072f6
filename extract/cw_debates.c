/*
 * cw_debates.c — loading CLEF CheckThat! debate transcripts and measuring a
 * check-worthiness ranking on them (see cw_debates.h).
 */
#include "extract/cw_debates.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/common.h"

#define MAX_DEBATE_FILE (64u << 20) /* bytes */

const char *const cw_cw_default_dev[] = {
    "20151110_GOP_milwuakee.tsv",
    "20160211_democrats_milwuakee.tsv",
    "20160331_Cruz_Miluakee.tsv",
    "20160424_meet_the_press.tsv",
    "20160901_Trump_immigration_Phoenix.tsv",
    "20170111_Trump_press_conference.tsv",
    "20170218_Trump_Florida.tsv",
    "20170424_Trump_AP_interview.tsv",
    "20170822_Trump_phoenix.tsv",
    "20181112_trump_pelosi.tsv",
};
const size_t cw_cw_default_dev_count = CW_ARRAY_SIZE(cw_cw_default_dev);

int cw_cw_debate_load(const char *path, struct cw_cw_debate *d, char *errstr, size_t errsize)
{
	int rc;
	size_t len, cap = 0, lineno = 0;
	char *line, *next;
	const char *slash = strrchr(path, '/');

	memset(d, 0, sizeof(*d));
	rc = cw_read_file(path, MAX_DEBATE_FILE, &d->buf, &len, errstr, errsize);
	if (rc != 0)
		goto out;
	d->name = cw_xstrdup(slash ? slash + 1 : path);
	for (line = d->buf; line < d->buf + len; line = next) {
		char *f[4], *p = line;
		size_t nf = 0;
		next = memchr(line, '\n', (size_t)(d->buf + len - line));
		if (next)
			*next++ = '\0';
		else
			next = d->buf + len;
		lineno++;
		size_t ll = strlen(line);
		if (ll > 0 && line[ll - 1] == '\r')
			line[--ll] = '\0';
		if (ll == 0)
			continue;
		while (nf < 4) {
			f[nf++] = p;
			p = strchr(p, '\t');
			if (!p)
				break;
			*p++ = '\0';
		}
		if (nf != 4 || p || (strcmp(f[3], "0") != 0 && strcmp(f[3], "1") != 0)) {
			snprintf(errstr, errsize,
			         "%s:%zu: expected 'line<TAB>speaker<TAB>text<TAB>0|1'", path,
			         lineno);
			rc = CW_ERR_INVALID;
			goto out;
		}
		if (d->n == cap) {
			cap = cap ? cap * 2 : 1024;
			d->ex = cw_xrealloc(d->ex, cap * sizeof(*d->ex));
		}
		d->ex[d->n++] = (struct cw_cw_example){.text = f[2],
		                                       .len = strlen(f[2]),
		                                       .speaker = f[1],
		                                       .speaker_len = strlen(f[1]),
		                                       .label = f[3][0] == '1'};
	}
	/* Neighbours: the lines before and after in the transcript, whoever
	 * speaks them. */
	for (size_t i = 0; i < d->n; i++) {
		if (i > 0) {
			d->ex[i].prev = d->ex[i - 1].text;
			d->ex[i].prev_len = d->ex[i - 1].len;
		}
		if (i + 1 < d->n) {
			d->ex[i].next = d->ex[i + 1].text;
			d->ex[i].next_len = d->ex[i + 1].len;
		}
	}
out:
	if (rc != 0)
		cw_cw_debate_release(d);
	return rc;
}

void cw_cw_debate_release(struct cw_cw_debate *d)
{
	free(d->name);
	free(d->buf);
	free(d->ex);
	memset(d, 0, sizeof(*d));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int cw_cw_debate_list(const char *dir, char ***names, size_t *n, char *errstr, size_t errsize)
{
	int rc = 0;
	size_t cap = 0;
	struct dirent *de;
	DIR *dp = opendir(dir);

	*names = NULL;
	*n = 0;
	if (!dp) {
		snprintf(errstr, errsize, "%s: %s", dir, strerror(errno));
		rc = CW_ERR_IO;
		goto out;
	}
	while ((de = readdir(dp)) != NULL) {
		size_t l = strlen(de->d_name);
		if (l <= 4 || strcmp(de->d_name + l - 4, ".tsv") != 0)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			*names = cw_xrealloc(*names, cap * sizeof(**names));
		}
		(*names)[(*n)++] = cw_xstrdup(de->d_name);
	}
	closedir(dp);
	if (*n)
		cw_qsort(*names, *n, sizeof(**names), cmp_str);
out:
	return rc;
}

int cw_cw_name_in_list(const char *name, const char *list)
{
	size_t nl = strlen(name);
	if (nl > 4 && strcmp(name + nl - 4, ".tsv") == 0)
		nl -= 4;
	for (const char *p = list; p && *p;) {
		const char *e = strchr(p, ',');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		size_t el = l;
		if (el > 4 && memcmp(p + el - 4, ".tsv", 4) == 0)
			el -= 4;
		if (el == nl && memcmp(p, name, nl) == 0)
			return 1;
		p = e ? e + 1 : p + l;
	}
	return 0;
}

void cw_cw_evaluate(const struct cw_cw_model *m, const struct cw_cw_debate *d, size_t n,
                    struct cw_cw_eval *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		float *scores = cw_xmalloc((d[i].n ? d[i].n : 1) * sizeof(*scores));
		int *labels = cw_xmalloc((d[i].n ? d[i].n : 1) * sizeof(*labels));
		for (size_t k = 0; k < d[i].n; k++) {
			const struct cw_cw_example *e = &d[i].ex[k];
			scores[k] = cw_cw_score_example(m, e);
			labels[k] = e->label;
			out->npositives += e->label != 0;
		}
		out->map += cw_cw_average_precision(scores, labels, d[i].n);
		out->p10 += cw_cw_precision_at(scores, labels, d[i].n, 10);
		out->p20 += cw_cw_precision_at(scores, labels, d[i].n, 20);
		out->nsentences += d[i].n;
		free(scores);
		free(labels);
	}
	out->ndebates = n;
	if (n) {
		out->map /= (double)n;
		out->p10 /= (double)n;
		out->p20 /= (double)n;
	}
}
