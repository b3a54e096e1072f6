/*
 * files.c — writes the report's output files and prints the summary from the
 * Redis aggregate (see report.h).
 */
#include "report/report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/common.h"
#include "report/output.h"
#include "report/rbuf.h"

#define DEFAULT_MAX_ARTICLES 100000
#define HTML_MAX_ROWS        1000 /* repeated claims, review queue rows in report.html */

static int mkdirs(const char *dir, char *errstr, size_t errsize)
{
	char path[4096];
	size_t n = strlen(dir);
	if (n == 0 || n >= sizeof path) {
		snprintf(errstr, errsize, "bad output directory '%s'", dir);
		return CW_ERR_INVALID;
	}
	memcpy(path, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		char c = path[i];
		path[i] = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST) {
			snprintf(errstr, errsize, "cannot create '%s': %s", path, strerror(errno));
			return CW_ERR_IO;
		}
		path[i] = c;
	}
	return 0;
}

/* Writes b to dir/name through dir/.name.tmp and rename(), so a reader never
 * sees half a file. */
static int write_atomic(const char *dir, const char *name, const struct cw_rbuf *b, char *errstr,
                        size_t errsize)
{
	char tmp[4200], final[4200];
	snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, name);
	snprintf(final, sizeof final, "%s/%s", dir, name);
	FILE *f = fopen(tmp, "wb");
	if (!f) {
		snprintf(errstr, errsize, "cannot write '%s': %s", tmp, strerror(errno));
		return CW_ERR_IO;
	}
	size_t ok = b->len ? fwrite(b->p, 1, b->len, f) : 0;
	int bad = ok != b->len;
	bad |= fclose(f) != 0;
	if (bad || rename(tmp, final) < 0) {
		snprintf(errstr, errsize, "cannot write '%s': %s", final, strerror(errno));
		remove(tmp);
		return CW_ERR_IO;
	}
	return 0;
}

int cw_report_write_files(struct cw_store *s, const char *dir, size_t max_articles, char *errstr,
                          size_t errsize)
{
	int rc;
	struct cw_report_filter f;
	struct cw_report_articles a = {0}, newest = {0};
	struct cw_report_claims rep = {0}, rev = {0};
	struct cw_report_dead_letters dl = {0};
	struct cw_report_stats st = {0};
	struct cw_rbuf b = CW_RBUF_INIT;
	cw_report_filter_init(&f);
	f.limit = max_articles ? max_articles : DEFAULT_MAX_ARTICLES;
	if ((rc = mkdirs(dir, errstr, errsize)) < 0)
		goto out;
	if ((rc = cw_store_articles(s, &f, 1, &a, errstr, errsize)) < 0)
		goto out;
	for (size_t i = 0; i < a.n; i++)
		for (size_t j = 0; j < a.v[i].nverdicts; j++) {
			cw_output_verdict_json(&b, a.v[i].verdicts[j]);
			cw_rbuf_addc(&b, '\n');
		}
	if ((rc = write_atomic(dir, "verdicts.jsonl", &b, errstr, errsize)) < 0)
		goto out;
	cw_rbuf_reset(&b);
	cw_output_csv_header(&b);
	for (size_t i = 0; i < a.n; i++)
		for (size_t j = 0; j < a.v[i].nverdicts; j++)
			cw_output_verdict_csv(&b, a.v[i].verdicts[j]);
	if ((rc = write_atomic(dir, "verdicts.csv", &b, errstr, errsize)) < 0)
		goto out;

	f.limit = HTML_MAX_ROWS;
	struct cw_report_filter all;
	cw_report_filter_init(&all);
	if ((rc = cw_store_repeated(s, &f, &rep, errstr, errsize)) < 0 ||
	    (rc = cw_store_review(s, &f, &rev, errstr, errsize)) < 0 ||
	    (rc = cw_store_dead_letters(s, &f, &dl, errstr, errsize)) < 0 ||
	    (rc = cw_store_stats(s, &all, &st, errstr, errsize)) < 0)
		goto out;
	/* The HTML shows the newest article first: a reversed view of a. */
	newest.n = a.n;
	newest.v = cw_xcalloc(a.n ? a.n : 1, sizeof *newest.v);
	for (size_t i = 0; i < a.n; i++)
		newest.v[i] = a.v[a.n - 1 - i];
	struct cw_output_page pg = {
	    .live = 0,
	    .generated_ms = cw_now_ms(),
	    .stats = &st,
	    .articles = &newest,
	    .repeated = &rep,
	    .review = &rev,
	    .dead_letters = &dl,
	};
	cw_rbuf_reset(&b);
	cw_output_html(&b, &pg);
	rc = write_atomic(dir, "report.html", &b, errstr, errsize);
out:
	free(newest.v); /* shallow: the articles belong to a */
	cw_report_articles_release(&a);
	cw_report_claims_release(&rep);
	cw_report_claims_release(&rev);
	cw_report_dead_letters_release(&dl);
	cw_report_stats_release(&st);
	cw_rbuf_release(&b);
	return rc;
}

int cw_report_print_summary(struct cw_store *s, FILE *out, size_t max_articles, const char *out_dir,
                            char *errstr, size_t errsize)
{
	char where[4200];
	if (out_dir && *out_dir) {
		size_t n = strlen(out_dir);
		snprintf(where, sizeof where, "%.*s/report.html",
		         (int)(n > 1 && out_dir[n - 1] == '/' ? n - 1 : n), out_dir);
	}
	struct cw_report_filter f;
	struct cw_report_articles a = {0};
	struct cw_rbuf b = CW_RBUF_INIT;
	cw_report_filter_init(&f);
	f.limit = max_articles ? max_articles : DEFAULT_MAX_ARTICLES;
	int rc = cw_store_articles(s, &f, 1, &a, errstr, errsize);
	if (rc == 0) {
		cw_output_summary(&b, &a, out_dir && *out_dir ? where : NULL);
		fwrite(b.p, 1, b.len, out);
		fflush(out);
	}
	cw_report_articles_release(&a);
	cw_rbuf_release(&b);
	return rc;
}
