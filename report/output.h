/*
 * output.h — what editors read: verdicts as JSON lines and CSV, a
 * self-contained HTML report (also the dashboard's pages), and a plain-text
 * summary for the terminal.
 *
 * Article text is hostile.  Every string from a record goes through one of
 * the escapers below: HTML text and attributes (& < > " ' escaped), JSON
 * strings (also < > & ' as \u escapes, so JSON is safe inside HTML), CSV
 * fields (RFC 4180) and terminal text.  All of them replace invalid UTF-8 and
 * control characters (other than tab and newline) with U+FFFD, so an
 * article cannot smuggle markup, terminal escapes or broken encodings into a
 * report.  Links are made only for http(s) URLs.
 */
#ifndef CW_REPORT_OUTPUT_H
#define CW_REPORT_OUTPUT_H

#include <stdint.h>
#include <stdio.h>

#include "report/rbuf.h"
#include "report/store.h"

/* Escapers.  n is in bytes; s need not be NUL-terminated. */
void cw_output_html_escape(struct cw_rbuf *b, const char *s, size_t n);
/* A JSON string literal, quotes included. */
void cw_output_json_string(struct cw_rbuf *b, const char *s, size_t n);
/* One CSV field: quoted when it holds , " CR LF or edge spaces; quotes
 * doubled.  A text field starting with = + - @ gets a leading ' so that a
 * spreadsheet does not run it as a formula. */
void cw_output_csv_field(struct cw_rbuf *b, const char *s, size_t n);
/* Text for a terminal: controls (ESC included) and invalid UTF-8 replaced;
 * newlines become spaces. */
void cw_output_text(struct cw_rbuf *b, const char *s, size_t n);
/* 1 when s is an absolute http:// or https:// URL with a host and no
 * whitespace or control characters. */
int cw_output_url_is_safe(const char *s, size_t n);
/* A link when url is safe (rel="noopener noreferrer"), else the escaped text
 * (label or url). */
void cw_output_html_link(struct cw_rbuf *b, const char *url, const char *label);

/* Words for the enums, as used in JSON, CSV, filters and CSS classes (stable,
 * lower case):
 * rating: true mostly-true mixed mostly-false false unproven other unrated
 * (the publisher gave no rating: RATING_UNSPECIFIED) none (no fact-check);
 * status: confirmed suggested unverified unspecified;
 * method: exact near-duplicate retrieval unspecified. */
const char *cw_output_rating_word(int rating);
const char *cw_output_status_word(int status);
const char *cw_output_method_word(int method);
/* The rating as people read it in the summary and on pages: cw_rating_name()
 * ("mostly true", "unrated"), "no fact-check" for CW_RATING_NONE.  Always
 * lower case; a publisher's own words are shown beside it, as published. */
const char *cw_output_rating_label(int rating);
/* Parses a word back; -1 when unknown.  "none" gives CW_RATING_NONE;
 * "unspecified" (older reports) is read as "unrated". */
int cw_output_rating_parse(const char *s);
int cw_output_status_parse(const char *s);
int cw_output_method_parse(const char *s);
/* The verdict's normalised rating, CW_RATING_NONE when no fact-check. */
int cw_output_verdict_rating(const Claimwire__Verdict *v);

/* Formats unix ms as "2026-11-26 12:00Z" (UTC) into out; "" for 0. */
void cw_output_time(int64_t ms, char out[32]);

/* One verdict as a JSON object (no newline).  The object is what
 * cw_backfill_verdict() reads back. */
void cw_output_verdict_json(struct cw_rbuf *b, const Claimwire__Verdict *v);
/* The CSV header line and one row per verdict (CRLF-terminated). */
void cw_output_csv_header(struct cw_rbuf *b);
void cw_output_verdict_csv(struct cw_rbuf *b, const Claimwire__Verdict *v);

/* JSON for the API: each appends one object. */
void cw_output_articles_json(struct cw_rbuf *b, const struct cw_report_articles *a);
void cw_output_claims_json(struct cw_rbuf *b, const char *name, const struct cw_report_claims *c);
void cw_output_dead_letters_json(struct cw_rbuf *b, const struct cw_report_dead_letters *d);
void cw_output_stats_json(struct cw_rbuf *b, const struct cw_report_stats *s);

/*
 * Prometheus text exposition of s (redis_up: 1 when Redis answered).  Which
 * counter is which: claimwire_articles_reported_total, claimwire_claims_total
 * and claimwire_verdicts_total{status} come from the report's own aggregate
 * (each claim once, however often redelivered); claimwire_stage_<field>_total
 * {stage} are the workers' counters (P "metrics:<stage>"), which count every
 * record handled, so match's produced counter holds verdicts and review
 * records.  In a run without redeliveries: ingest's produced = articles
 * reported (when every article has a claim), extract's produced = claims +
 * match's dead letters (tests/it/0008-metrics.sh).
 */
void cw_output_metrics(struct cw_rbuf *b, const struct cw_report_stats *s, int redis_up);

/*
 * Whether a verdict's fact-check is put in front of an editor: CONFIRMED or
 * SUGGESTED with a fact-check.  An UNVERIFIED verdict's best candidate is only
 * the nearest miss, shown at most as a quiet "nearest fact-check: <score>".
 */
int cw_output_verdict_shown(const Claimwire__Verdict *v);
/* Not shown and check-worthy: the claim waits in the review queue for a
 * fact-checker ("needs a fact-checker"). */
int cw_output_verdict_needs_checker(const Claimwire__Verdict *v);

/* Claim lines per article in the terminal summary. */
#define CW_OUTPUT_SUMMARY_CLAIMS 12

/*
 * The plain-text summary, short enough for an editor to scan.
 *
 * Articles are ordered by most confirmed claims, then most suggested, then
 * most claims that need a fact-checker; ties keep the listing's order (the
 * report passes oldest first).  Each article has a heading (title, outlet,
 * published time, URL) and a count line ("N claims: c confirmed, s suggested,
 * u unverified (k need a fact-checker)").  Then one entry per claim worth
 * acting on, in the article's claim order:
 *   - confirmed / suggested: the rating in lower case (cw_output_rating_label),
 *     the publisher's own words in quotes, publisher, date, the claim, the
 *     speaker, check-worthiness, match score and the fact-check's URL;
 *   - check-worthy unverified: "needs a fact-checker (in the review queue)",
 *     the claim and speaker, and at most "nearest fact-check: <score>".
 *   - other unverified claims: "unverified (not check-worthy enough for the
 *     review queue)", the claim and speaker.
 * An article of at most CW_OUTPUT_SUMMARY_CLAIMS claims lists them all.  Of a
 * longer one (a transcript) only the claims worth acting on are listed, at
 * most CW_OUTPUT_SUMMARY_CLAIMS (confirmed first, then suggested by score,
 * then check-worthy by check-worthiness); the rest are counted in a closing
 * "+N more claims in <more_where>" line (more_where: e.g. "out/report.html";
 * NULL says "the HTML report").
 */
void cw_output_summary(struct cw_rbuf *b, const struct cw_report_articles *a,
                       const char *more_where);

enum cw_output_view {
	CW_VIEW_ARTICLES,
	CW_VIEW_REPEATED,
	CW_VIEW_REVIEW,
	CW_VIEW_DEAD_LETTERS,
	CW_VIEW_STATS,
	CW_VIEW_COUNT
};

/* Path of each view in the dashboard ("/", "/claims/repeated", ...) and its
 * API twin ("/api/articles", ...). */
const char *cw_output_view_path(enum cw_output_view v);
const char *cw_output_view_api(enum cw_output_view v);

/* One HTML document.  Each non-NULL listing is rendered as a section. */
struct cw_output_page {
	int live;      /* dashboard: navigation between pages, filter form */
	int refresh_s; /* > 0: <meta http-equiv="refresh"> */
	enum cw_output_view active;
	const struct cw_report_filter *filter; /* shown in the form; may be NULL */
	const char *since;                     /* the since= value as asked ("24h"), may be NULL */
	int64_t generated_ms;
	const struct cw_report_stats *stats;
	const struct cw_report_articles *articles;
	const struct cw_report_claims *repeated;
	const struct cw_report_claims *review;
	const struct cw_report_dead_letters *dead_letters;
	const char *notice; /* e.g. "Redis unreachable", shown as a banner */
};

/* The Content-Security-Policy every page carries (also as a <meta>). */
#define CW_OUTPUT_CSP                                                                              \
	"default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; base-uri 'none'; "         \
	"form-action 'self'; frame-ancestors 'none'"

void cw_output_html(struct cw_rbuf *b, const struct cw_output_page *pg);

#endif
