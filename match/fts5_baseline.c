/*
 * fts5_baseline.c — the SQLite FTS5 baseline (see fts5_baseline.h).
 */
#include "match/fts5_baseline.h"

#include <ctype.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/common.h"

struct cw_fts5 {
	sqlite3 *db;
	sqlite3_stmt *q;
	char *buf; /* the MATCH expression */
	size_t cap;
};

void cw_fts5_free(struct cw_fts5 *fb)
{
	if (!fb)
		return;
	sqlite3_finalize(fb->q);
	sqlite3_close(fb->db);
	free(fb->buf);
	free(fb);
}

struct cw_fts5 *cw_fts5_new(const struct cw_evalset *es, char *errstr, size_t errsize)
{
	struct cw_fts5 *fb = cw_xcalloc(1, sizeof(*fb));
	sqlite3_stmt *ins = NULL;
	int ok = 0;
	if (sqlite3_open(":memory:", &fb->db) != SQLITE_OK)
		goto out;
	if (sqlite3_exec(fb->db,
	                 "CREATE VIRTUAL TABLE fc USING fts5(vclaim, title, "
	                 "tokenize='porter');"
	                 "BEGIN;",
	                 NULL, NULL, NULL) != SQLITE_OK)
		goto out;
	if (sqlite3_prepare_v2(fb->db, "INSERT INTO fc(rowid, vclaim, title) VALUES(?,?,?)", -1,
	                       &ins, NULL) != SQLITE_OK)
		goto out;
	for (size_t i = 0; i < es->ndocs; i++) {
		sqlite3_bind_int64(ins, 1, (sqlite3_int64)i + 1);
		sqlite3_bind_text(ins, 2, es->docs[i].claim, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 3, es->docs[i].title, -1, SQLITE_STATIC);
		if (sqlite3_step(ins) != SQLITE_DONE)
			goto out;
		sqlite3_reset(ins);
	}
	if (sqlite3_exec(fb->db, "COMMIT;", NULL, NULL, NULL) != SQLITE_OK)
		goto out;
	if (sqlite3_prepare_v2(fb->db,
	                       "SELECT rowid FROM fc WHERE fc MATCH ? ORDER BY bm25(fc) LIMIT ?",
	                       -1, &fb->q, NULL) != SQLITE_OK)
		goto out;
	ok = 1;
out:
	if (!ok) {
		snprintf(errstr, errsize, "sqlite fts5: %s",
		         fb->db ? sqlite3_errmsg(fb->db) : "cannot open");
		sqlite3_finalize(ins);
		cw_fts5_free(fb);
		return NULL;
	}
	sqlite3_finalize(ins);
	return fb;
}

size_t cw_fts5_search(struct cw_fts5 *fb, const char *text, size_t *docs, size_t k)
{
	size_t len = strlen(text), need = len * 7 + 16;
	if (need > fb->cap) {
		fb->buf = cw_xrealloc(fb->buf, need);
		fb->cap = need;
	}
	/* "w1" OR "w2" ...: lower-cased [a-z0-9]+ words */
	size_t o = 0;
	for (size_t i = 0; i < len;) {
		if (!isalnum((unsigned char)text[i])) {
			i++;
			continue;
		}
		if (o)
			o += (size_t)sprintf(fb->buf + o, " OR ");
		fb->buf[o++] = '"';
		while (i < len && isalnum((unsigned char)text[i]))
			fb->buf[o++] = (char)tolower((unsigned char)text[i++]);
		fb->buf[o++] = '"';
	}
	fb->buf[o] = '\0';
	if (!o)
		return 0;
	size_t n = 0;
	sqlite3_bind_text(fb->q, 1, fb->buf, (int)o, SQLITE_STATIC);
	sqlite3_bind_int64(fb->q, 2, (sqlite3_int64)k);
	while (n < k && sqlite3_step(fb->q) == SQLITE_ROW)
		docs[n++] = (size_t)(sqlite3_column_int64(fb->q, 0) - 1);
	sqlite3_reset(fb->q);
	return n;
}
