/*
 * test_ingest.c — unit tests of ingest's parsing and cleaning: the pasted
 * "Please verify" article, JSON lines with a bad line, strict UTF-8, stable
 * ids, publication times, the page-furniture golden case, RSS and Atom feeds
 * (tests/data/ingest/), the counts ingest adds to Redis for /metrics, and the
 * state file of `ingest --follow`.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cw_redis_fixture.h"
#include "extract/fingerprint.h"
#include "extract/normalize.h"
#include "ingest/clean.h"
#include "ingest/follow.h"
#include "ingest/ingest.h"
#include "ingest/metrics.h"
#include "lib/common.h"
#include "lib/redis.h"

/* What a parse delivered: up to 8 articles and 8 rejects. */
struct ingest_got {
	struct cw_ingest_article a[8];
	size_t na;
	char err[8][512];
	char bytes[8][256];
	size_t nr;
};

static int got_article(struct cw_ingest_article *a, void *opaque)
{
	struct ingest_got *g = opaque;
	cr_assert_lt(g->na, 8);
	g->a[g->na++] = *a;
	memset(a, 0, sizeof(*a)); /* stolen */
	return 0;
}

static int got_reject(const char *bytes, size_t len, const char *error, void *opaque)
{
	struct ingest_got *g = opaque;
	cr_assert_lt(g->nr, 8);
	snprintf(g->err[g->nr], sizeof(g->err[0]), "%s", error);
	snprintf(g->bytes[g->nr], sizeof(g->bytes[0]), "%.*s", (int)CW_MIN(len, 255), bytes);
	g->nr++;
	return 0;
}

static void parse_into(struct ingest_got *g, const char *name, const char *buf, size_t len,
                       const struct cw_ingest_opts *o)
{
	struct cw_ingest_sink sink = {got_article, got_reject, g};
	memset(g, 0, sizeof(*g));
	cr_assert_eq(cw_ingest_parse(name, buf, len, CW_INGEST_AUTO, o, &sink), 0);
}

static void got_release(struct ingest_got *g)
{
	for (size_t i = 0; i < g->na; i++)
		cw_ingest_article_release(&g->a[i]);
}

static char *slurp(const char *rel, size_t *len)
{
	const char *top = getenv("CW_TOP");
	char path[1024], err[256];
	char *buf = NULL;

	snprintf(path, sizeof(path), "%s/%s", top ? top : ".", rel);
	cr_assert_eq(cw_read_file(path, 1 << 24, &buf, len, err, sizeof(err)), 0, "%s", err);
	return buf;
}

Test(ingest, seed_article_header_and_furniture)
{
	struct cw_ingest_opts o = {.default_outlet = "Unknown"};
	struct ingest_got g;
	size_t len;
	char *buf = slurp("examples/articles/please-verify-kremlin-kislyak.txt", &len);

	parse_into(&g, "please-verify-kremlin-kislyak.txt", buf, len, &o);
	cr_assert_eq(g.nr, 0, "rejected: %s", g.err[0]);
	cr_assert_eq(g.na, 1);
	struct cw_ingest_article *a = &g.a[0];
	cr_expect_str_eq(a->outlet, "Blaze Media");
	cr_expect_str_eq(a->title, "Kremlin: Russian ambassador met with Clinton campaign, too");
	cr_expect(a->requested);
	cr_expect_null(strstr(a->body, "Please verify"));
	cr_expect_null(strstr(a->body, "Watch LIVE"));
	cr_expect_null(strstr(a->body, "(Image source: YouTube)"));
	cr_expect_null(strstr(a->body, "Most recent"));
	cr_expect_null(strstr(a->body, "Newsom appoints"));
	cr_expect_null(strstr(a->body, "All Articles"));
	cr_expect_null(strstr(a->body, "Blaze Media"));
	cr_expect_null(strstr(a->body, "\xc2\xa0"), "no-break spaces are normalised");
	cr_expect(!strncmp(a->body, "During an interview on CNN, Kremlin spokesman", 45));
	/* The caption went, the sentence it hung on stayed. */
	cr_expect_not_null(strstr(a->body, "relations between the two countries.\n\nRussian"));
	cr_expect_not_null(strstr(a->body, "we've never heard something trustful (sic).\""));
	cr_expect_eq(a->body_len, strlen(a->body));
	cr_expect_eq(strlen(a->id), 16);
	cr_expect_str_eq(a->source, "please-verify-kremlin-kislyak.txt");
	cr_expect_str_eq(a->language, "en");
	got_release(&g);
	free(buf);
}

Test(ingest, furniture_golden)
{
	struct cw_ingest_opts o = {0};
	struct ingest_got g;
	size_t len, elen, hlen;
	char *buf = slurp("tests/data/ingest/furniture.txt", &len);
	char *want = slurp("tests/data/ingest/furniture.expected", &elen);
	char *hdr = slurp("tests/data/ingest/furniture.header", &hlen);
	char *nl = strchr(hdr, '\n');

	cr_assert_not_null(nl);
	*nl = '\0';
	nl[strcspn(nl + 1, "\n") + 1] = '\0';
	parse_into(&g, "furniture.txt", buf, len, &o);
	cr_assert_eq(g.na, 1, "rejected: %s", g.err[0]);
	cr_expect_str_eq(g.a[0].body, want);
	cr_expect_str_eq(g.a[0].outlet, hdr);
	cr_expect_str_eq(g.a[0].title, nl + 1);
	cr_expect_eq(g.a[0].published, 1614729600); /* March 3, 2021 00:00 UTC */
	got_release(&g);
	free(buf);
	free(want);
	free(hdr);
}

Test(ingest, furniture_patterns)
{
	cr_expect(cw_ingest_is_furniture("Watch LIVE", 10));
	cr_expect(cw_ingest_is_furniture("Advertisement", 13));
	cr_expect(cw_ingest_is_furniture("Share this article:", 19));
	cr_expect(cw_ingest_is_furniture("Photo by Jane Doe/Getty Images", 30));
	cr_expect(!cw_ingest_is_furniture("Live coverage of the vote continues today.", 42));
	cr_expect(!cw_ingest_is_furniture("Photographers were kept outside.", 32));
}

Test(ingest, jsonl_with_bad_line)
{
	static const char in[] =
	    "{\"id\":\"wire-1\",\"outlet\":\"AP\",\"url\":\"https://example.org/"
	    "a\",\"title\":\"A\","
	    "\"published\":\"2017-03-26T14:05:00Z\",\"body\":\"First  line.\\nsecond line.\"}\n"
	    "\n"
	    "{\"outlet\":\"AP\",\"title\":\"broken\",\"body\":\"x\"\n"
	    "{\"outlet\":\"Reuters\",\"title\":\"B\",\"published\":1490537100,"
	    "\"body\":\"Advertisement\\n\\nThe ambassador met advisers.\"}\n"
	    "{\"outlet\":\"Reuters\",\"title\":7,\"body\":\"x\"}\n"
	    "{\"outlet\":\"Reuters\",\"title\":\"C\"}\n";
	struct cw_ingest_opts o = {0};
	struct ingest_got g;

	parse_into(&g, "wire.jsonl", in, sizeof(in) - 1, &o);
	cr_assert_eq(g.na, 2);
	cr_assert_eq(g.nr, 3);
	cr_expect_str_eq(g.a[0].id, "wire-1");
	cr_expect_str_eq(g.a[0].body, "First line. second line.");
	cr_expect_eq(g.a[0].published, 1490537100);
	cr_expect_str_eq(g.a[0].source, "wire.jsonl:1");
	cr_expect_str_eq(g.a[1].outlet, "Reuters");
	cr_expect_str_eq(g.a[1].body, "The ambassador met advisers.");
	cr_expect_eq(g.a[1].published, 1490537100);
	cr_expect_str_eq(g.a[1].source, "wire.jsonl:4");
	cr_expect(!strncmp(g.err[0], "wire.jsonl:3: invalid JSON", 26), "%s", g.err[0]);
	cr_expect_str_eq(g.bytes[0], "{\"outlet\":\"AP\",\"title\":\"broken\",\"body\":\"x\"");
	cr_expect_not_null(strstr(g.err[1], "wire.jsonl:5: field 'title' must be a string"), "%s",
	                   g.err[1]);
	cr_expect_not_null(strstr(g.err[2], "wire.jsonl:6: missing 'body'"), "%s", g.err[2]);
	got_release(&g);
}

Test(ingest, json_array_document)
{
	static const char in[] = "[{\"outlet\":\"AP\",\"title\":\"A\",\"body\":\"One.\"},\n"
	                         " {\"outlet\":\"AP\",\"title\":\"B\",\"body\":\"\"}]";
	struct cw_ingest_opts o = {0};
	struct ingest_got g;

	parse_into(&g, "list.json", in, sizeof(in) - 1, &o);
	cr_assert_eq(g.na, 1);
	cr_assert_eq(g.nr, 1);
	cr_expect_str_eq(g.a[0].source, "list.json[0]");
	cr_expect_not_null(strstr(g.err[0], "list.json[1]: empty body"), "%s", g.err[0]);
	got_release(&g);
}

Test(ingest, utf8_strict_with_offset)
{
	static const char ok[] = "caf\xc3\xa9 \xe2\x80\x94 ok \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf";
	size_t bad = 0;

	cr_expect_eq(cw_ingest_utf8_check(ok, sizeof(ok) - 1, &bad), 0);
	cr_expect_eq(cw_ingest_utf8_check("abc\xff", 4, &bad), CW_ERR_INVALID);
	cr_expect_eq(bad, 3);
	cr_expect_eq(cw_ingest_utf8_check("ab\xc0\xaf", 4, &bad), CW_ERR_INVALID); /* overlong */
	cr_expect_eq(bad, 2);
	cr_expect_eq(cw_ingest_utf8_check("a\xed\xa0\x80", 4, &bad),
	             CW_ERR_INVALID); /* surrogate */
	cr_expect_eq(bad, 1);
	cr_expect_eq(cw_ingest_utf8_check("abcd\xe2\x80", 6, &bad), CW_ERR_INVALID); /* cut */
	cr_expect_eq(bad, 4);
	cr_expect_eq(cw_ingest_utf8_check("ab\0c", 4, &bad), CW_ERR_INVALID);
	cr_expect_eq(bad, 2);
}

Test(ingest, invalid_utf8_is_dead_lettered_not_fixed)
{
	static const char text[] =
	    "Outlet\n\nA headline of some words\n\nBody is fine\nbut \xfe here.";
	static const char lines[] = "{\"title\":\"ok\",\"body\":\"fine\"}\n"
	                            "{\"title\":\"bad\",\"body\":\"caf\xe9\"}\n";
	struct cw_ingest_opts o = {0};
	struct ingest_got g;

	parse_into(&g, "paste.txt", text, sizeof(text) - 1, &o);
	cr_expect_eq(g.na, 0);
	cr_assert_eq(g.nr, 1);
	cr_expect_str_eq(g.err[0], "paste.txt:6: invalid UTF-8 at byte 51");
	cr_expect_eq((unsigned char)g.bytes[0][51], 0xfe, "original bytes kept");

	parse_into(&g, "feed.jsonl", lines, sizeof(lines) - 1, &o);
	cr_expect_eq(g.na, 1);
	cr_assert_eq(g.nr, 1);
	cr_expect_str_eq(g.err[0], "feed.jsonl:2: invalid UTF-8 at byte 55 (column 27)");
	got_release(&g);
}

Test(ingest, nfc_and_whitespace)
{
	/* "Cafe" with a combining acute accent, tabs, no-break and thin spaces,
	 * CR LF line ends, a zero-width space. */
	static const char in[] =
	    "Cafe\xcc\x81\tand\xc2\xa0\xc2\xa0wine\r\ncontinued\xe2\x80\x89here"
	    "\xe2\x80\x8b.\r\n\r\n\r\nNext   paragraph.  ";
	size_t len;
	char *out = cw_ingest_clean_body(in, sizeof(in) - 1, &len);

	cr_assert_not_null(out);
	cr_expect_str_eq(out, "Caf\xc3\xa9 and wine continued here.\n\nNext paragraph.");
	cr_expect_eq(len, strlen(out));
	free(out);
	out = cw_ingest_clean_line("  Blaze \n Media ", 16);
	cr_expect_str_eq(out, "Blaze Media");
	free(out);
}

Test(ingest, speaker_turns_stay_paragraphs)
{
	static const char in[] = "HOLT: Good evening.\nTRUMP: Thank you, Lester.\nCLINTON: Thanks.";
	size_t len;
	char *out = cw_ingest_clean_body(in, sizeof(in) - 1, &len);

	cr_expect_str_eq(out,
	                 "HOLT: Good evening.\n\nTRUMP: Thank you, Lester.\n\nCLINTON: Thanks.");
	free(out);
}

Test(ingest, stable_ids)
{
	char a[17], b[17], c[17], d[17], e[17];
	struct cw_ingest_opts o = {0};
	struct ingest_got g1, g2;
	static const char in[] =
	    "{\"outlet\":\"AP\",\"url\":\"u\",\"title\":\"T\",\"body\":\"b\"}\n";

	cw_ingest_article_id("AP", "https://example.org/x", "Title", "body", 4, a);
	cw_ingest_article_id("AP", "https://example.org/x", "Title", "other body", 10, b);
	cw_ingest_article_id("AP", "https://example.org/x", "Title 2", "body", 4, c);
	cw_ingest_article_id("A", "Phttps://example.org/x", "Title", "body", 4, d);
	cw_ingest_article_id("AP", "", "Title", "other body", 10, e);
	cr_expect_eq(strlen(a), 16);
	cr_expect_eq(strspn(a, "0123456789abcdef"), 16);
	cr_expect_str_eq(a, b, "with a url the body does not count");
	cr_expect_str_neq(a, c);
	cr_expect_str_neq(a, d, "field boundaries count");
	cr_expect_str_neq(b, e);

	parse_into(&g1, "x.jsonl", in, sizeof(in) - 1, &o);
	parse_into(&g2, "y.jsonl", in, sizeof(in) - 1, &o);
	cr_assert_eq(g1.na, 1);
	cr_assert_eq(g2.na, 1);
	cr_expect_str_eq(g1.a[0].id, g2.a[0].id, "the same article fed twice");
	cw_ingest_article_id("AP", "u", "T", "b", 1, a);
	cr_expect_str_eq(g1.a[0].id, a);
	got_release(&g1);
	got_release(&g2);
}

Test(ingest, wire_copies_share_fingerprints)
{
	static const char in[] =
	    "{\"outlet\":\"AP\",\"title\":\"T\",\"body\":\"Russian Ambassador Sergey Kislyak "
	    "met with Hillary Clinton advisers before the election, the Kremlin said.\"}\n"
	    "{\"outlet\":\"Wire\",\"title\":\"T2\",\"body\":\"Russian  ambassador Sergey "
	    "Kislyak met with Hillary Clinton advisers before the election, the Kremlin "
	    "said.\\n\\nAdvertisement\"}\n"
	    "{\"outlet\":\"Other\",\"title\":\"T3\",\"body\":\"The Senate passed a water "
	    "bill on Tuesday by a wide margin after a long debate.\"}\n";
	char err[128];
	struct cw_norm *nz = cw_norm_new("english", err, sizeof(err));
	struct cw_ingest_opts o = {.nz = nz};
	struct ingest_got g;

	cr_assert_not_null(nz, "%s", err);
	parse_into(&g, "w.jsonl", in, sizeof(in) - 1, &o);
	cr_assert_eq(g.na, 3);
	cr_expect_neq(g.a[0].body_fingerprint, 0);
	cr_expect_eq(g.a[0].body_fingerprint, g.a[1].body_fingerprint);
	cr_expect_neq(g.a[0].body_fingerprint, g.a[2].body_fingerprint);
	cr_expect_str_neq(g.a[0].id, g.a[1].id);
	cr_expect_gt(cw_fp_hamming(g.a[0].body_simhash, g.a[2].body_simhash),
	             cw_fp_hamming(g.a[0].body_simhash, g.a[1].body_simhash));
	got_release(&g);
	cw_norm_free(nz);
}

Test(ingest, size_cap)
{
	struct cw_ingest_opts o = {.max_article_bytes = 1024};
	struct ingest_got g;
	char *big = malloc(3000);

	memset(big, 'a', 3000);
	for (size_t i = 10; i < 3000; i += 10)
		big[i] = ' ';
	parse_into(&g, "big.txt", big, 3000, &o);
	cr_expect_eq(g.na, 0);
	cr_assert_eq(g.nr, 1);
	cr_expect_str_eq(g.err[0], "big.txt: article is 3000 bytes, over the limit of 1024");
	free(big);
}

Test(ingest, publication_times)
{
	int64_t t = 0;

	cr_expect_eq(cw_ingest_parse_time("2017-03-26", 10, &t), 0);
	cr_expect_eq(t, 1490486400);
	cr_expect_eq(cw_ingest_parse_time("2017-03-26T14:05:00Z", 20, &t), 0);
	cr_expect_eq(t, 1490537100);
	cr_expect_eq(cw_ingest_parse_time("2017-03-26T16:05:00.250+02:00", 29, &t), 0);
	cr_expect_eq(t, 1490537100);
	cr_expect_eq(cw_ingest_parse_time("Sun, 26 Mar 2017 14:05:00 GMT", 29, &t), 0);
	cr_expect_eq(t, 1490537100);
	cr_expect_eq(cw_ingest_parse_time("Sun, 26 Mar 2017 10:05:00 -0400", 31, &t), 0);
	cr_expect_eq(t, 1490537100);
	cr_expect_eq(cw_ingest_parse_time("March 26, 2017", 14, &t), 0);
	cr_expect_eq(t, 1490486400);
	cr_expect_eq(cw_ingest_parse_time("26 March 2017", 13, &t), 0);
	cr_expect_eq(t, 1490486400);
	cr_expect_eq(cw_ingest_parse_time("1490537100", 10, &t), 0);
	cr_expect_eq(t, 1490537100);
	cr_expect_eq(cw_ingest_parse_time("yesterday", 9, &t), CW_ERR_INVALID);
	cr_expect_eq(cw_ingest_parse_time("2017-13-01", 10, &t), CW_ERR_INVALID);
	cr_expect_eq(cw_ingest_parse_time("Please verify", 13, &t), CW_ERR_INVALID);
}

Test(ingest, format_detection)
{
	cr_expect_eq(cw_ingest_detect_format("a/b.jsonl", "x", 1), CW_INGEST_JSON);
	cr_expect_eq(cw_ingest_detect_format("a/b.txt", "{", 1), CW_INGEST_TEXT);
	cr_expect_eq(cw_ingest_detect_format("stdin", "  {\"a\":1}", 9), CW_INGEST_JSON);
	cr_expect_eq(cw_ingest_detect_format("stdin", "<rss>", 5), CW_INGEST_FEED);
	cr_expect_eq(cw_ingest_detect_format("stdin", "Please verify", 13), CW_INGEST_TEXT);
	cr_expect(cw_ingest_wanted_name("x/y.md"));
	cr_expect(!cw_ingest_wanted_name("x.d/y"));
	cr_expect(!cw_ingest_wanted_name("y.pdf"));
}

/* ---- RSS and Atom feeds (ingest/feed.c) ---- */

Test(ingest, feed_rss2_cdata_and_entities)
{
	struct cw_ingest_opts o = {.default_outlet = "Unknown"};
	struct ingest_got g;
	size_t len;
	char *buf = slurp("tests/data/ingest/feed-rss2.rss", &len);

	parse_into(&g, "feed-rss2.rss", buf, len, &o);
	cr_assert_eq(g.nr, 0, "rejected: %s", g.err[0]);
	cr_assert_eq(g.na, 2);
	struct cw_ingest_article *a = &g.a[0];
	cr_expect_str_eq(a->title, "Council says bridge repairs will cost \xc2\xa3"
	                           "4.2m \xe2\x80\x94 \"twice the estimate\"");
	cr_expect_str_eq(a->url, "https://courier.example.com/2023/03/06/bridge-repairs/");
	cr_expect_str_eq(a->id, "https://courier.example.com/?p=48213");
	cr_expect_str_eq(a->outlet, "The Riverside Courier & Gazette");
	cr_expect_str_eq(a->language, "en-GB");
	cr_expect_eq(a->published, 1678091400); /* Mon, 06 Mar 2023 08:30:00 +0000 */
	cr_expect_str_eq(a->source, "feed-rss2.rss:14");
	/* content:encoded wins over the description; tags go, paragraphs stay,
	 * the script's text is dropped, HTML entities are decoded. */
	cr_expect_str_eq(
	    a->body, "The council said on Monday that repairs to the Old Mill bridge will cost "
	             "\xc2\xa3"
	             "4.2m, twice the estimate published in 2021.\n\n"
	             "Councillor Jane Okafor said: \xe2\x80\x9cUnemployment in the district has "
	             "fallen to 3.1%, the lowest since 1974.\xe2\x80\x9d\n\n"
	             "Work is due to start in May & last a year.");
	cr_expect_eq(a->body_len, strlen(a->body));

	a = &g.a[1];
	cr_expect_str_eq(a->title, "School meals: what the figures show");
	cr_expect_str_eq(a->id, "https://courier.example.com/2023/03/05/school-meals/");
	cr_expect_eq(a->published, 1678035900);
	cr_expect_str_eq(a->body,
	                 "More than 40% of pupils in the county now receive free school meals, "
	                 "according to figures released on Sunday.\n\nThe head of the education "
	                 "committee said it was \"a rise of a third in five years\".");
	got_release(&g);
	free(buf);
}

Test(ingest, feed_atom_entries)
{
	struct cw_ingest_opts o = {0};
	struct ingest_got g;
	size_t len;
	char *buf = slurp("tests/data/ingest/feed-atom.atom", &len);

	parse_into(&g, "wire.atom", buf, len, &o);
	cr_assert_eq(g.nr, 0, "rejected: %s", g.err[0]);
	cr_assert_eq(g.na, 2);
	struct cw_ingest_article *a = &g.a[0];
	cr_expect_str_eq(a->title, "Minister: inflation will halve this year");
	/* rel="alternate", not the rel="edit" link before it */
	cr_expect_str_eq(a->url, "https://wire.example.org/2023/03/07/inflation-halve");
	cr_expect_str_eq(a->id, "tag:wire.example.org,2023:entry-1001");
	cr_expect_str_eq(a->outlet, "Wire Desk");
	cr_expect_str_eq(a->language, "en");
	cr_expect_eq(a->published, 1678180500); /* published, not updated */
	cr_expect_str_eq(a->body, "The finance minister said on Tuesday that inflation would halve "
	                          "by the end of the year.\n\n\"We have already cut it from 11.1% "
	                          "to 8.8%,\" she told reporters.");
	a = &g.a[1];
	cr_expect_str_eq(a->title, "Harbour traffic at record high");
	cr_expect_str_eq(a->url, "https://wire.example.org/2023/03/06/harbour");
	cr_expect_eq(a->published, 1678128300); /* only updated */
	cr_expect_str_eq(a->body, "The port authority said 1.2 million containers passed through "
	                          "the harbour in 2022, a record.\n\nShipping lines blamed delays "
	                          "elsewhere & strong demand.");
	got_release(&g);
	free(buf);
}

Test(ingest, feed_malformed_is_dead_lettered_whole)
{
	struct cw_ingest_opts o = {0};
	struct ingest_got g;
	size_t len;
	char *buf = slurp("tests/data/ingest/feed-malformed.rss", &len);

	parse_into(&g, "broken.xml", buf, len, &o);
	cr_expect_eq(g.na, 0, "no item of a malformed feed goes out");
	cr_assert_eq(g.nr, 1);
	cr_expect_str_eq(g.err[0],
	                 "broken.xml:11: '&' not followed by an entity reference (write &amp;)");
	cr_expect(!strncmp(g.bytes[0], "<?xml", 5), "the whole feed is kept");
	free(buf);
}

Test(ingest, feed_xml_errors_name_the_line)
{
	static const struct {
		const char *xml, *err;
	} cases[] = {
	    {"<rss><channel>\n<item><title>x</item></channel></rss>",
	     "f.rss:2: end tag </item> does not match <title> of line 2"},
	    {"<rss>\n<channel>\n<item>",
	     "f.rss:3: unexpected end of input: <item> of line 3 not closed"},
	    {"<rss><channel><item><title>&nbsp;</title></item></channel></rss>",
	     "f.rss:1: undefined entity '&nbsp;'"},
	    {"<rss><channel><item><title>&#0;</title></item></channel></rss>",
	     "f.rss:1: invalid character reference '&#0;'"},
	    {"<rss><channel><item><title>&#xD800;</title></item></channel></rss>",
	     "f.rss:1: invalid character reference '&#xD800;'"},
	    {"<rss a=b></rss>", "f.rss:1: attribute value not quoted"},
	    {"<html><body>hi</body></html>",
	     "f.rss:1: root element <html> is not rss, rdf:RDF or an Atom feed"},
	    {"<rss></rss>\n<rss></rss>", "f.rss:2: a second root element <rss>"},
	    {"<rss><![CDATA[x</rss>", "f.rss:1: unterminated CDATA section"},
	    {"<?xml version=\"1.0\" encoding=\"Shift_JIS\"?><rss/>",
	     "f.rss:1: unsupported encoding 'Shift_JIS'"},
	    {"<rss>\n\xff</rss>", "f.rss:2: invalid UTF-8 at byte 6"},
	};
	struct cw_ingest_opts o = {0};
	struct ingest_got g;

	for (size_t i = 0; i < CW_ARRAY_SIZE(cases); i++) {
		parse_into(&g, "f.rss", cases[i].xml, strlen(cases[i].xml), &o);
		cr_expect_eq(g.na, 0, "case %zu", i);
		cr_expect_eq(g.nr, 1, "case %zu", i);
		cr_expect_str_eq(g.err[0], cases[i].err, "case %zu", i);
	}
}

Test(ingest, feed_deep_nesting_is_refused)
{
	struct cw_ingest_opts o = {0};
	struct ingest_got g;
	size_t n = 300, len = 0;
	char *buf = cw_xmalloc(n * 7 + 16);

	len += (size_t)sprintf(buf, "<rss>");
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(buf + len, "<a>");
	parse_into(&g, "deep.rss", buf, len, &o);
	cr_expect_eq(g.na, 0);
	cr_assert_eq(g.nr, 1);
	cr_expect_str_eq(g.err[0], "deep.rss:1: elements nested deeper than 256");
	free(buf);
}

Test(ingest, feed_outlet_override_and_item_rejects)
{
	static const char xml[] =
	    "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n"
	    "<rss version=\"2.0\"><channel><title>Channel Name</title>\n"
	    "<item><title>Caf\xe9 prices up 30%</title><link>https://x.example/cafe</link>"
	    "<description>Prices at caf\xe9s rose by 30% in a year, the survey found.</description>"
	    "</item>\n"
	    "<item><title>No body at all</title><link>https://x.example/empty</link></item>\n"
	    "<item><title>Too big</title><description>" /* 80 bytes of body, cap 64 */
	    "0123456789012345678901234567890123456789012345678901234567890123456789012345678"
	    "9</description></item>\n"
	    "</channel></rss>\n";
	struct cw_ingest_opts o = {.outlet = "Desk Override", .max_article_bytes = 64};
	struct ingest_got g;

	parse_into(&g, "stdin", xml, sizeof(xml) - 1, &o);
	cr_assert_eq(g.na, 1);
	cr_expect_str_eq(g.a[0].outlet, "Desk Override");
	cr_expect_str_eq(g.a[0].title, "Caf\xc3\xa9 prices up 30%"); /* Latin-1 read as such */
	cr_expect_str_eq(g.a[0].source, "stdin:3");
	cr_expect_eq(g.a[0].published, 0);
	cr_assert_eq(g.nr, 2);
	cr_expect_str_eq(g.err[0], "stdin:4: empty body after cleaning");
	cr_expect(!strncmp(g.bytes[0], "<item><title>No body", 20), "the item's own bytes");
	cr_expect_str_eq(g.err[1], "stdin:5: item is over the limit of 64 bytes");
	got_release(&g);
}

Test(ingest, feed_detection_by_content_and_name)
{
	static const char atom[] =
	    "<?xml version=\"1.0\"?>\n<!-- x -->\n"
	    "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>t</title></feed>";
	cr_expect_eq(cw_ingest_detect_format("notes.txt", atom, sizeof(atom) - 1), CW_INGEST_FEED);
	cr_expect_eq(cw_ingest_detect_format("stdin", "\xef\xbb\xbf<rss version=\"2.0\">", 21),
	             CW_INGEST_FEED);
	cr_expect_eq(cw_ingest_detect_format("notes.txt", "<feed>not atom</feed>", 21),
	             CW_INGEST_TEXT);
	cr_expect_eq(cw_ingest_detect_format("notes.txt", "<rssfeed/>", 10), CW_INGEST_TEXT);
	cr_expect_eq(cw_ingest_detect_format("a/b.atom", "x", 1), CW_INGEST_FEED);
	cr_expect_eq(cw_ingest_detect_format("a/b.rss", "x", 1), CW_INGEST_FEED);
	cr_expect_eq(cw_ingest_detect_format("a/b.XML", "x", 1), CW_INGEST_FEED);
	cr_expect(cw_ingest_wanted_name("x/feed.atom"));
}

/* ---- counts for /metrics ---- */

Test(ingest, metrics_add_to_redis)
{
	struct cw_test_redis tr;
	struct cw_ingest_counts c1 = {5, 2, 3}, c2 = {1, 0, 1};
	struct cw_redis *r;
	redisReply *rep;
	char err[256];

	CW_TEST_NEED_REDIS(cw_test_redis_start(&tr) == 0);
	r = cw_test_redis_connect(&tr, "cwi:", 0, 0);
	cr_assert_not_null(r);
	cr_expect_eq(cw_ingest_metrics_add(r, &c1, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(cw_ingest_metrics_add(r, &c2, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(cw_redis_command(r, &rep, err, sizeof(err),
	                              "HMGET cwi:metrics:ingest produced dead_letters inputs"),
	             0, "%s", err);
	cr_assert_eq(rep->type, REDIS_REPLY_ARRAY);
	cr_assert_eq(rep->elements, 3);
	cr_expect_eq(cw_redis_reply_int(rep->element[0]), 6);
	cr_expect_eq(cw_redis_reply_int(rep->element[1]), 2);
	cr_expect_eq(cw_redis_reply_int(rep->element[2]), 4);

	/* A key of the wrong type is reported, not ignored. */
	cr_assert_eq(cw_redis_command(r, NULL, err, sizeof(err), "SET cwi:metrics:ingest x"), 0);
	cr_expect_eq(cw_ingest_metrics_add(r, &c1, err, sizeof(err)), CW_ERR);
	cr_expect_not_null(strstr(err, "WRONGTYPE"), "%s", err);
	cw_redis_free(r);
	cw_test_redis_stop(&tr);
}

Test(ingest, metrics_redis_down_is_a_retry_not_a_crash)
{
	struct cw_redis_params p = {.socket = "/nonexistent/claimwire-ingest-test.sock"};
	struct cw_ingest_counts c = {1, 1, 1};
	struct cw_redis *r;
	char err[256] = "";

	r = cw_redis_new_params(&p, err, sizeof(err));
	cr_assert_not_null(r);
	cr_expect_eq(cw_ingest_metrics_add(r, &c, err, sizeof(err)), CW_ERR_RETRY);
	cr_expect_neq(err[0], '\0');
	cw_redis_free(r);
}

/* ---- the state of --follow ---- */

Test(ingest, follow_state_survives_a_restart)
{
	char dir[] = "/tmp/cw-ingest-follow-XXXXXX", path[128], err[256];
	struct cw_ingest_seen *s;
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/state", dir);
	s = cw_ingest_seen_open(path, err, sizeof(err));
	cr_assert_not_null(s, "%s", err);
	cr_expect_eq(cw_ingest_seen_count(s), 0);
	cr_expect_eq(
	    cw_ingest_seen_add(s, "b/feed one.rss", 120, 1700000000123456789LL, err, sizeof(err)),
	    0, "%s", err);
	cr_expect_eq(cw_ingest_seen_add(s, "a.txt", 10, 5, err, sizeof(err)), 0);
	cr_expect_eq(cw_ingest_seen_add(s, "a.txt", 11, 6, err, sizeof(err)), 0); /* changed */
	cr_expect_eq(cw_ingest_seen_add(s, "bad\nname", 1, 1, err, sizeof(err)), CW_ERR_INVALID);
	cr_expect(cw_ingest_seen_has(s, "a.txt", 11, 6));
	cr_expect(!cw_ingest_seen_has(s, "a.txt", 10, 5));
	cw_ingest_seen_free(s);

	/* A torn last line (a crash mid-write) is skipped, not fatal. */
	f = fopen(path, "a");
	cr_assert_not_null(f);
	fputs("12 garbage", f);
	fclose(f);
	s = cw_ingest_seen_open(path, err, sizeof(err));
	cr_assert_not_null(s, "%s", err);
	cr_expect_eq(cw_ingest_seen_count(s), 2);
	cr_expect(cw_ingest_seen_has(s, "b/feed one.rss", 120, 1700000000123456789LL));
	cr_expect(cw_ingest_seen_has(s, "a.txt", 11, 6), "the last line for a path wins");
	cr_expect(!cw_ingest_seen_has(s, "a.txt", 10, 5));
	cr_expect(!cw_ingest_seen_has(s, "c.txt", 11, 6));
	cw_ingest_seen_free(s);
	unlink(path);
	rmdir(dir);
}

Test(ingest, follow_state_unwritable_is_an_error)
{
	char err[256] = "";
	cr_expect_null(cw_ingest_seen_open("/nonexistent/dir/state", err, sizeof(err)));
	cr_expect_not_null(strstr(err, "/nonexistent/dir/state"), "%s", err);
}
