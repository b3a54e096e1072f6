/*
 * time.c — publication times as sources write them, into unix seconds.
 *
 * Feeds disagree: JSON lines carry ISO 8601 or unix seconds, RSS carries RFC
 * 822 ("Sun, 26 Mar 2017 14:05:00 GMT"), pasted articles carry "March 26,
 * 2017".  The calendar arithmetic is done here (proleptic Gregorian, UTC), not
 * with timegm() and the process time zone, so that results do not depend on
 * the machine.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "ingest/ingest.h"
#include "lib/common.h"

/* Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

struct cursor {
	const char *s, *end;
};

static void skip(struct cursor *c, const char *chars)
{
	while (c->s < c->end && strchr(chars, *c->s))
		c->s++;
}

/* Reads 1..maxd digits; -1 when there is none. */
static long num(struct cursor *c, int maxd)
{
	long v = 0;
	int n = 0;
	while (c->s < c->end && n < maxd && isdigit((unsigned char)*c->s)) {
		v = v * 10 + (*c->s++ - '0');
		n++;
	}
	return n ? v : -1;
}

static int month_name(struct cursor *c)
{
	static const char *const names[] = {"jan", "feb", "mar", "apr", "may", "jun",
	                                    "jul", "aug", "sep", "oct", "nov", "dec"};
	if (c->end - c->s < 3)
		return -1;
	for (int i = 0; i < 12; i++) {
		if (!strncasecmp(c->s, names[i], 3)) {
			c->s += 3;
			while (c->s < c->end && isalpha((unsigned char)*c->s))
				c->s++; /* "March", "Sept" */
			skip(c, ".");
			return i + 1;
		}
	}
	return -1;
}

/* Time of day "HH:MM[:SS[.frac]]" into seconds; 0 when absent. */
static int time_of_day(struct cursor *c, long *secs)
{
	long h, m, s = 0;
	*secs = 0;
	if (c->s >= c->end || !isdigit((unsigned char)*c->s))
		return 0;
	h = num(c, 2);
	if (c->s >= c->end || *c->s != ':')
		return -1;
	c->s++;
	m = num(c, 2);
	if (m < 0)
		return -1;
	if (c->s < c->end && *c->s == ':') {
		c->s++;
		s = num(c, 2);
		if (s < 0)
			return -1;
		if (c->s < c->end && (*c->s == '.' || *c->s == ',')) {
			c->s++;
			if (num(c, 9) < 0)
				return -1;
		}
	}
	if (h > 23 || m > 59 || s > 60)
		return -1;
	*secs = h * 3600 + m * 60 + s;
	return 0;
}

/* Zone: "Z", "UTC", "GMT", "UT", US zones, "+02:00", "+0200"; seconds east. */
static int zone(struct cursor *c, long *east)
{
	static const struct {
		const char *name;
		int hours;
	} zones[] = {{"UTC", 0},  {"GMT", 0},  {"UT", 0},   {"Z", 0},    {"EST", -5}, {"EDT", -4},
	             {"CST", -6}, {"CDT", -5}, {"MST", -7}, {"MDT", -6}, {"PST", -8}, {"PDT", -7}};
	*east = 0;
	skip(c, " ");
	if (c->s >= c->end)
		return 0;
	if (*c->s == '+' || *c->s == '-') {
		int sign = *c->s == '-' ? -1 : 1;
		long h, m = 0;
		c->s++;
		h = num(c, 2);
		if (h < 0)
			return -1;
		if (c->s < c->end && *c->s == ':')
			c->s++;
		if (c->s < c->end && isdigit((unsigned char)*c->s))
			m = num(c, 2);
		if (h > 14 || m > 59)
			return -1;
		*east = sign * (h * 3600 + m * 60);
		return 0;
	}
	for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
		size_t l = strlen(zones[i].name);
		if ((size_t)(c->end - c->s) >= l && !strncasecmp(c->s, zones[i].name, l)) {
			c->s += l;
			*east = zones[i].hours * 3600L;
			return 0;
		}
	}
	return -1;
}

int cw_ingest_parse_time(const char *str, size_t len, int64_t *out)
{
	struct cursor c = {str, str + len};
	long y = -1, mo = -1, d = -1, tod = 0, east = 0;

	skip(&c, " ");
	while (c.end > c.s && c.end[-1] == ' ')
		c.end--;
	if (c.s == c.end)
		return CW_ERR_INVALID;

	/* Unix seconds. */
	{
		const char *p = c.s;
		while (p < c.end && isdigit((unsigned char)*p))
			p++;
		if (p == c.end && c.end - c.s <= 12) {
			struct cursor n = c;
			*out = num(&n, 12);
			return CW_OK;
		}
	}

	if (isdigit((unsigned char)*c.s) && c.end - c.s >= 10 && c.s[4] == '-') {
		/* ISO 8601 */
		y = num(&c, 4);
		skip(&c, "-");
		mo = num(&c, 2);
		if (c.s >= c.end || *c.s != '-')
			return CW_ERR_INVALID;
		c.s++;
		d = num(&c, 2);
		if (c.s < c.end && (*c.s == 'T' || *c.s == 't' || *c.s == ' ')) {
			c.s++;
			if (time_of_day(&c, &tod) < 0)
				return CW_ERR_INVALID;
			if (zone(&c, &east) < 0)
				return CW_ERR_INVALID;
		}
	} else {
		/* "Sun, 26 Mar 2017 14:05:00 GMT", "26 March 2017", "March 26, 2017" */
		int m0 = -1;
		if (isalpha((unsigned char)*c.s)) {
			m0 = month_name(&c);
			if (m0 < 0) {
				while (c.s < c.end && isalpha((unsigned char)*c.s))
					c.s++; /* weekday */
				skip(&c, ", ");
				m0 = month_name(&c);
			}
		}
		skip(&c, " ");
		if (m0 > 0) {
			mo = m0;
			d = num(&c, 2);
			skip(&c, "stndrh"); /* 1st 2nd 3rd 4th */
		} else {
			d = num(&c, 2);
			skip(&c, " -");
			mo = month_name(&c);
		}
		skip(&c, ", -");
		y = num(&c, 4);
		skip(&c, " ,");
		if (c.s < c.end) {
			if (time_of_day(&c, &tod) < 0)
				return CW_ERR_INVALID;
			if (zone(&c, &east) < 0)
				return CW_ERR_INVALID;
		}
	}
	skip(&c, " ");
	if (c.s != c.end || y < 1000 || mo < 1 || mo > 12 || d < 1 || d > 31)
		return CW_ERR_INVALID;
	*out = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + tod - east;
	return CW_OK;
}
