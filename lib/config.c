/*
 * config.c — claimwire's configuration: schema defaults, one YAML file,
 * CLAIMWIRE_* environment variables and -X overrides, each overriding the one
 * before.
 *
 * The file is read with libyaml's event API rather than its document API so
 * that every error names the line of the key at fault, and so that aliases
 * (which let a few bytes expand into a huge tree) are refused before anything
 * is built.  Nested maps become dotted keys; every key under `kafka:` is kept
 * verbatim for librdkafka, whose property names contain dots themselves.
 *
 * Values are validated once, when set, so the getters that workers call never
 * fail: they only abort when asked for a key no schema declares (a bug).
 */
#include "lib/config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "lib/common.h"

#define KAFKA_SECTION    "kafka"
#define KAFKA_PREFIX     "kafka."
#define KAFKA_PREFIX_LEN 6
#define ENV_PREFIX       "CLAIMWIRE_"
#define ENV_PREFIX_LEN   10

/* A configuration file is a few KiB; the caps keep hostile input cheap. */
#define MAX_FILE_BYTES  (4u << 20)
#define MAX_KAFKA_PROPS 1024 /* librdkafka has about 200 properties */
#define MAX_LIST_ITEMS  4096
#define MAX_DEPTH       32

/* A parsed value.  text is what a user wrote (a LIST's items joined by ","),
 * NULL when the key has no value. */
struct value {
	char *text;
	char **items; /* LIST only */
	size_t nitems;
	long long i;
	double d;
	int b;
};

struct entry {
	const struct cw_config_key *key; /* NULL for a kafka property */
	char *name;                      /* kafka properties: "kafka.<property>" (owned) */
	struct value v;
	char *origin;       /* owned; NULL means "default" */
	unsigned long seq;  /* order in which keys were first set; 0 = never set */
	unsigned load;      /* which cw_config_load_file() call set it last (0 = none) */
	unsigned long line; /* ... and on which line, for duplicate-key messages */
};

struct cw_config {
	struct entry *keys; /* declared keys, schema order */
	size_t nkeys;
	struct entry **sorted; /* the same, sorted by name for lookups */
	struct entry *kafka;   /* librdkafka properties in the order first set */
	size_t nkafka, kafka_cap;
	unsigned long seq;
	unsigned loads;
};

/* Environment variables that are not configuration keys. */
static const char *const env_not_config[] = {"CLAIMWIRE_CONFIG", "CLAIMWIRE_HOME", NULL};

static void bug(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void bug(const char *fmt, ...)
{
	va_list ap;

	fputs("claimwire: bug: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

static const char *entry_name(const struct entry *e)
{
	return e->key ? e->key->name : e->name;
}

static int is_kafka_name(const char *name)
{
	return !strncmp(name, KAFKA_PREFIX, KAFKA_PREFIX_LEN) && name[KAFKA_PREFIX_LEN] != '\0';
}

static const char *type_wanted(enum cw_conf_type t)
{
	switch (t) {
	case CW_CONF_STRING:
		return "a string";
	case CW_CONF_INT:
		return "an integer";
	case CW_CONF_DOUBLE:
		return "a number";
	case CW_CONF_BOOL:
		return "true or false";
	case CW_CONF_LIST:
		return "a list";
	}
	return "a value";
}

static void value_release(struct value *v)
{
	free(v->text);
	for (size_t i = 0; i < v->nitems; i++)
		free(v->items[i]);
	free(v->items);
	memset(v, 0, sizeof(*v));
}

/* Formats a range bound: integers without exponent, others with %g. */
static void fmt_bound(char *buf, size_t size, double x)
{
	if (x == floor(x) && fabs(x) < 1e15)
		snprintf(buf, size, "%.0f", x);
	else
		snprintf(buf, size, "%g", x);
}

static int out_of_range(const struct cw_config_key *k, const char *text, char *msg, size_t msize)
{
	char lo[32], hi[32];

	fmt_bound(lo, sizeof(lo), k->min);
	fmt_bound(hi, sizeof(hi), k->max);
	snprintf(msg, msize, "key '%s': %s is out of range [%s, %s]", k->name, text, lo, hi);
	return CW_ERR_INVALID;
}

static int has_range(const struct cw_config_key *k)
{
	return k->min != k->max;
}

static int parse_bool(const char *s, int *out)
{
	static const char *const yes[] = {"true", "yes", "on", "1", NULL};
	static const char *const no[] = {"false", "no", "off", "0", NULL};

	for (size_t i = 0; yes[i]; i++) {
		if (!strcasecmp(s, yes[i])) {
			*out = 1;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

static void list_push(struct value *v, const char *s, size_t n)
{
	v->items = cw_xrealloc(v->items, (v->nitems + 1) * sizeof(*v->items));
	v->items[v->nitems++] = cw_xstrndup(s, n);
}

/* Joins a LIST's items into its text form, "a,b,c". */
static void list_join(struct value *v)
{
	size_t len = 0, at = 0;

	for (size_t i = 0; i < v->nitems; i++)
		len += strlen(v->items[i]) + 1;
	free(v->text);
	v->text = cw_xmalloc(len + 1);
	for (size_t i = 0; i < v->nitems; i++) {
		size_t n = strlen(v->items[i]);
		if (i)
			v->text[at++] = ',';
		memcpy(v->text + at, v->items[i], n);
		at += n;
	}
	v->text[at] = '\0';
}

/* Splits comma-separated text (env, -X, a scalar in the file) into items,
 * trimming blanks around each and dropping empty ones. */
static int list_split(const struct cw_config_key *k, const char *s, struct value *v, char *msg,
                      size_t msize)
{
	while (*s) {
		const char *end = strchr(s, ',');
		const char *stop = end ? end : s + strlen(s);
		const char *a = s, *b = stop;

		while (a < b && isspace((unsigned char)*a))
			a++;
		while (b > a && isspace((unsigned char)b[-1]))
			b--;
		if (b > a) {
			if (v->nitems >= MAX_LIST_ITEMS) {
				snprintf(msg, msize, "key '%s': more than %d items", k->name,
				         MAX_LIST_ITEMS);
				return CW_ERR_INVALID;
			}
			list_push(v, a, (size_t)(b - a));
		}
		s = end ? end + 1 : stop;
	}
	list_join(v);
	return 0;
}

/*
 * Parses text for key k into *v (zeroed by the caller).  text NULL means "no
 * value" (YAML null; empty text from the environment or -X): STRING and LIST
 * keys become unset, other types are an error.  On error writes
 * "key 'x': ..." into msg.
 */
static int parse_text(const struct cw_config_key *k, const char *text, struct value *v, char *msg,
                      size_t msize)
{
	char *end;

	if (!text) {
		if (k->type == CW_CONF_STRING || k->type == CW_CONF_LIST)
			return 0;
		snprintf(msg, msize, "key '%s': expected %s, got nothing", k->name,
		         type_wanted(k->type));
		return CW_ERR_INVALID;
	}
	switch (k->type) {
	case CW_CONF_STRING:
		break;
	case CW_CONF_INT:
		errno = 0;
		v->i = strtoll(text, &end, 10);
		if (end == text || *end != '\0' || isspace((unsigned char)*text))
			goto wrong_type;
		if (errno == ERANGE)
			return out_of_range(k, text, msg, msize);
		if (has_range(k) && ((double)v->i < k->min || (double)v->i > k->max))
			return out_of_range(k, text, msg, msize);
		v->d = (double)v->i;
		break;
	case CW_CONF_DOUBLE:
		errno = 0;
		v->d = strtod(text, &end);
		if (end == text || *end != '\0' || isspace((unsigned char)*text) || !isfinite(v->d))
			goto wrong_type;
		if (has_range(k) && (v->d < k->min || v->d > k->max))
			return out_of_range(k, text, msg, msize);
		break;
	case CW_CONF_BOOL:
		if (parse_bool(text, &v->b))
			goto wrong_type;
		break;
	case CW_CONF_LIST:
		return list_split(k, text, v, msg, msize);
	}
	v->text = cw_xstrdup(text);
	return 0;

wrong_type:
	snprintf(msg, msize, "key '%s': expected %s, got '%s'", k->name, type_wanted(k->type),
	         text);
	return CW_ERR_INVALID;
}

/* Replaces e's value (taking v's memory) and origin (taking origin). */
static void entry_set(struct cw_config *cfg, struct entry *e, struct value *v, char *origin)
{
	value_release(&e->v);
	e->v = *v;
	memset(v, 0, sizeof(*v));
	free(e->origin);
	e->origin = origin;
	if (!e->seq)
		e->seq = ++cfg->seq;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *const *x = a, *const *y = b;
	return strcmp((*x)->key->name, (*y)->key->name);
}

static struct entry *find(const struct cw_config *cfg, const char *name)
{
	size_t lo = 0, hi = cfg->nkeys;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(name, cfg->sorted[mid]->key->name);
		if (!c)
			return cfg->sorted[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static struct entry *find_kafka(const struct cw_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->nkafka; i++)
		if (!strcmp(cfg->kafka[i].name, name))
			return &cfg->kafka[i];
	return NULL;
}

/* Whether some declared key lies under name ("match" for "match.x"): then
 * name is a section, written in YAML as a map. */
static int is_prefix(const struct cw_config *cfg, const char *name, size_t len)
{
	for (size_t i = 0; i < cfg->nkeys; i++) {
		const char *k = cfg->keys[i].key->name;
		if (!strncmp(k, name, len) && k[len] == '.')
			return 1;
	}
	return 0;
}

/* Whether env (after "CLAIMWIRE_") names key: upper-cased, dots as underscores. */
static int env_matches(const char *key, const char *env, size_t envlen)
{
	size_t i;

	for (i = 0; i < envlen && key[i]; i++) {
		char c = key[i] == '.' ? '_' : (char)toupper((unsigned char)key[i]);
		if (c != env[i])
			return 0;
	}
	return i == envlen && key[i] == '\0';
}

/* Checks the schemas once; every failure here is a programming bug. */
static void check_schema(const struct cw_config *cfg)
{
	for (size_t i = 0; i < cfg->nkeys; i++) {
		const char *name = cfg->sorted[i]->key->name;
		if (i && !strcmp(name, cfg->sorted[i - 1]->key->name))
			bug("configuration key '%s' is declared twice", name);
		if (!strcmp(name, KAFKA_SECTION) || is_kafka_name(name))
			bug("configuration key '%s': keys under 'kafka.' are librdkafka properties "
			    "and cannot be declared",
			    name);
		if (is_prefix(cfg, name, strlen(name)))
			bug("configuration key '%s' is also a section of other keys", name);
	}
	for (size_t i = 0; i < cfg->nkeys; i++) {
		const char *a = cfg->keys[i].key->name;
		for (size_t j = i + 1; j < cfg->nkeys; j++) {
			const char *b = cfg->keys[j].key->name;
			size_t n = strlen(b);
			char *env = cw_xmalloc(n + 1);
			for (size_t c = 0; c <= n; c++)
				env[c] = b[c] == '.' ? '_' : (char)toupper((unsigned char)b[c]);
			int same = env_matches(a, env, n);
			free(env);
			if (same)
				bug("configuration keys '%s' and '%s' share one environment "
				    "variable",
				    a, b);
		}
	}
}

struct cw_config *cw_config_new(const struct cw_config_key *const *schemas)
{
	struct cw_config *cfg = cw_xcalloc(1, sizeof(*cfg));
	size_t n = 0;

	for (size_t s = 0; schemas && schemas[s]; s++)
		for (const struct cw_config_key *k = schemas[s]; k->name; k++)
			n++;
	cfg->keys = cw_xcalloc(n, sizeof(*cfg->keys));
	cfg->sorted = cw_xcalloc(n, sizeof(*cfg->sorted));
	for (size_t s = 0; schemas && schemas[s]; s++) {
		for (const struct cw_config_key *k = schemas[s]; k->name; k++) {
			struct entry *e = &cfg->keys[cfg->nkeys];
			char msg[256];

			e->key = k;
			if (k->def && parse_text(k, k->def, &e->v, msg, sizeof(msg)))
				bug("default of configuration %s", msg);
			cfg->sorted[cfg->nkeys++] = e;
		}
	}
	cw_qsort(cfg->sorted, cfg->nkeys, sizeof(*cfg->sorted), cmp_entry);
	check_schema(cfg);
	return cfg;
}

void cw_config_free(struct cw_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->nkeys; i++) {
		value_release(&cfg->keys[i].v);
		free(cfg->keys[i].origin);
	}
	for (size_t i = 0; i < cfg->nkafka; i++) {
		value_release(&cfg->kafka[i].v);
		free(cfg->kafka[i].origin);
		free(cfg->kafka[i].name);
	}
	free(cfg->keys);
	free(cfg->sorted);
	free(cfg->kafka);
	free(cfg);
}

/*
 * Sets librdkafka property name ("kafka.x").  load/line are nonzero when it
 * comes from a file, to refuse a property written twice there.  Takes origin.
 */
static int set_kafka(struct cw_config *cfg, const char *name, const char *text, char *origin,
                     unsigned load, unsigned long line, char *msg, size_t msize)
{
	int rc = CW_ERR_INVALID;
	struct entry *e = find_kafka(cfg, name);
	struct value v = {0};

	if (!text || !*text) {
		snprintf(msg, msize, "key '%s': expected a value", name);
		goto out;
	}
	if (e && load && e->load == load) {
		snprintf(msg, msize, "duplicate key '%s' (first on line %lu)", name, e->line);
		goto out;
	}
	if (!e) {
		if (cfg->nkafka >= MAX_KAFKA_PROPS) {
			snprintf(msg, msize, "more than %d kafka properties", MAX_KAFKA_PROPS);
			goto out;
		}
		if (cfg->nkafka == cfg->kafka_cap) {
			cfg->kafka_cap = cfg->kafka_cap ? cfg->kafka_cap * 2 : 16;
			cfg->kafka = cw_xrealloc(cfg->kafka, cfg->kafka_cap * sizeof(*cfg->kafka));
		}
		e = &cfg->kafka[cfg->nkafka++];
		memset(e, 0, sizeof(*e));
		e->name = cw_xstrdup(name);
	}
	v.text = cw_xstrdup(text);
	entry_set(cfg, e, &v, origin);
	origin = NULL;
	e->load = load;
	e->line = line;
	rc = 0;
out:
	free(origin);
	return rc;
}

/* ---- the YAML file ---- */

struct reader {
	struct cw_config *cfg;
	yaml_parser_t parser;
	yaml_event_t ev; /* the current event, valid when have_ev */
	int have_ev;
	const char *path;
	const char *buf; /* the whole file, for positions of encoding errors */
	size_t len;
	unsigned load;
	char *err;
	size_t errsize;
};

static unsigned long ev_line(const yaml_event_t *ev)
{
	return (unsigned long)ev->start_mark.line + 1;
}

static int fail(struct reader *r, unsigned long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(struct reader *r, unsigned long line, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(r->err, r->errsize, "%s:%lu: ", r->path, line);

	if (n >= 0 && (size_t)n < r->errsize) {
		va_start(ap, fmt);
		vsnprintf(r->err + n, r->errsize - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return CW_ERR_INVALID;
}

static int syntax_error(struct reader *r)
{
	const yaml_parser_t *p = &r->parser;

	if (p->error == YAML_READER_ERROR) {
		/* Encoding errors carry a byte offset, not a mark: count lines. */
		unsigned long line = 1, col = 1;
		for (size_t i = 0; i < p->problem_offset && i < r->len; i++) {
			if (r->buf[i] == '\n') {
				line++;
				col = 1;
			} else {
				col++;
			}
		}
		snprintf(r->err, r->errsize, "%s:%lu:%lu: %s", r->path, line, col,
		         p->problem ? p->problem : "cannot read the file");
	} else if (p->problem && p->context) {
		snprintf(r->err, r->errsize, "%s:%lu:%lu: %s (%s on line %lu)", r->path,
		         (unsigned long)p->problem_mark.line + 1,
		         (unsigned long)p->problem_mark.column + 1, p->problem, p->context,
		         (unsigned long)p->context_mark.line + 1);
	} else if (p->problem) {
		snprintf(r->err, r->errsize, "%s:%lu:%lu: %s", r->path,
		         (unsigned long)p->problem_mark.line + 1,
		         (unsigned long)p->problem_mark.column + 1, p->problem);
	} else {
		snprintf(r->err, r->errsize, "%s: cannot parse the YAML", r->path);
	}
	return CW_ERR_INVALID;
}

static int next(struct reader *r)
{
	if (r->have_ev) {
		yaml_event_delete(&r->ev);
		r->have_ev = 0;
	}
	if (!yaml_parser_parse(&r->parser, &r->ev))
		return syntax_error(r);
	r->have_ev = 1;
	if (r->ev.type == YAML_ALIAS_EVENT)
		return fail(r, ev_line(&r->ev), "aliases are not supported ('*%s')",
		            (const char *)r->ev.data.alias.anchor);
	return 0;
}

/* The current scalar as a C string, or NULL for YAML null (a plain empty, ~
 * or null).  Fails on NUL bytes, which C strings cannot carry. */
static int scalar(struct reader *r, char **out)
{
	const yaml_event_t *ev = &r->ev;
	const char *s = (const char *)ev->data.scalar.value;
	size_t n = ev->data.scalar.length;

	*out = NULL;
	if (memchr(s, '\0', n))
		return fail(r, ev_line(ev), "NUL byte in a value");
	if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    (n == 0 || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
	     !strcmp(s, "NULL")))
		return 0;
	*out = cw_xstrndup(s, n);
	return 0;
}

static char *origin_at(const struct reader *r, unsigned long line)
{
	char buf[32];
	size_t n = strlen(r->path);
	int m = snprintf(buf, sizeof(buf), ":%lu", line);
	char *o = cw_xmalloc(n + (size_t)m + 1);

	memcpy(o, r->path, n);
	memcpy(o + n, buf, (size_t)m + 1);
	return o;
}

/* Reads a YAML sequence (current event SEQUENCE_START) into LIST v. */
static int read_list(struct reader *r, const struct cw_config_key *k, struct value *v)
{
	int rc;
	char *item = NULL;

	for (;;) {
		if ((rc = next(r)))
			goto out;
		if (r->ev.type == YAML_SEQUENCE_END_EVENT)
			break;
		if (r->ev.type != YAML_SCALAR_EVENT) {
			rc = fail(r, ev_line(&r->ev), "key '%s': expected a list of scalars",
			          k->name);
			goto out;
		}
		if ((rc = scalar(r, &item)))
			goto out;
		if (!item) {
			rc = fail(r, ev_line(&r->ev), "key '%s': empty list item", k->name);
			goto out;
		}
		if (v->nitems >= MAX_LIST_ITEMS) {
			rc = fail(r, ev_line(&r->ev), "key '%s': more than %d items", k->name,
			          MAX_LIST_ITEMS);
			goto out;
		}
		list_push(v, item, strlen(item));
		free(item);
		item = NULL;
	}
	list_join(v);
	rc = 0;
out:
	free(item);
	return rc;
}

/* The current event is the value of declared key e, whose name is on line. */
static int read_declared(struct reader *r, struct entry *e, unsigned long line)
{
	const struct cw_config_key *k = e->key;
	struct value v = {0};
	char *text = NULL;
	char msg[512];
	int rc;

	if (e->load == r->load) {
		rc = fail(r, line, "duplicate key '%s' (first on line %lu)", k->name, e->line);
		goto out;
	}
	switch (r->ev.type) {
	case YAML_SCALAR_EVENT:
		if ((rc = scalar(r, &text)))
			goto out;
		if ((rc = parse_text(k, text, &v, msg, sizeof(msg)))) {
			rc = fail(r, line, "%s", msg);
			goto out;
		}
		break;
	case YAML_SEQUENCE_START_EVENT:
		if (k->type != CW_CONF_LIST) {
			rc = fail(r, line, "key '%s': expected %s, got a list", k->name,
			          type_wanted(k->type));
			goto out;
		}
		if ((rc = read_list(r, k, &v)))
			goto out;
		break;
	default:
		rc = fail(r, line, "key '%s': expected %s, got a map", k->name,
		          type_wanted(k->type));
		goto out;
	}
	entry_set(r->cfg, e, &v, origin_at(r, line));
	e->load = r->load;
	e->line = line;
	rc = 0;
out:
	free(text);
	value_release(&v);
	return rc;
}

static int read_map(struct reader *r, const char *prefix, int depth);

/* The current event is the value of a section (a map of keys) named on
 * line: a map, or null when every key in it is commented out. */
static int read_section(struct reader *r, const char *name, unsigned long line, int depth)
{
	char *text = NULL;
	int rc = 0;

	if (depth >= MAX_DEPTH)
		return fail(r, line, "maps nested too deeply");
	if (r->ev.type == YAML_MAPPING_START_EVENT)
		return read_map(r, name, depth + 1);
	if (r->ev.type == YAML_SCALAR_EVENT)
		rc = scalar(r, &text);
	if (!rc && (text || r->ev.type != YAML_SCALAR_EVENT))
		rc = fail(r, line, "key '%s': expected a map", name);
	free(text);
	return rc;
}

/* The current event is the value of librdkafka property full ("kafka.x"). */
static int read_kafka(struct reader *r, const char *full, unsigned long line)
{
	char *text = NULL;
	char msg[512];
	int rc;

	if (r->ev.type != YAML_SCALAR_EVENT)
		return fail(r, line,
		            "key '%s': expected a value, got a %s (librdkafka properties are "
		            "written with their dots, as 'sasl.mechanism: PLAIN')",
		            full, r->ev.type == YAML_SEQUENCE_START_EVENT ? "list" : "map");
	if ((rc = scalar(r, &text)))
		goto out;
	rc = set_kafka(r->cfg, full, text, origin_at(r, line), r->load, line, msg, sizeof(msg));
	if (rc)
		rc = fail(r, line, "%s", msg);
out:
	free(text);
	return rc;
}

/* The current event is the value of key (as written, on line) in the map at
 * parent ("" at the top); full is the dotted name. */
static int read_value(struct reader *r, const char *parent, const char *key, const char *full,
                      unsigned long line, int depth)
{
	struct entry *e;

	if (!strcmp(full, KAFKA_SECTION))
		return read_section(r, KAFKA_SECTION, line, depth);
	if (is_kafka_name(full))
		return read_kafka(r, full, line);
	if ((e = find(r->cfg, full)))
		return read_declared(r, e, line);
	if (is_prefix(r->cfg, full, strlen(full)))
		return read_section(r, full, line, depth);
	if (!*parent) {
		/* At the top: name the section when even that is unknown. */
		const char *dot = strchr(key, '.');
		int seclen = dot ? (int)(dot - key) : (int)strlen(key);
		if (!dot || !is_prefix(r->cfg, key, (size_t)seclen))
			return fail(r, line, "unknown section '%.*s'", seclen, key);
		return fail(r, line, "unknown key '%s' in '%.*s'", dot + 1, seclen, key);
	}
	return fail(r, line, "unknown key '%s' in '%s'", key, parent);
}

/* Reads the map whose MAPPING_START is the current event; prefix is its
 * dotted name ("" at the top). */
static int read_map(struct reader *r, const char *prefix, int depth)
{
	int kafka = !strcmp(prefix, KAFKA_SECTION);
	struct seen {
		char *key;
		unsigned long line;
	} *seen = NULL;
	size_t nseen = 0;
	char *key = NULL, *full = NULL;
	int rc;

	for (;;) {
		unsigned long line;

		if ((rc = next(r)))
			goto out;
		if (r->ev.type == YAML_MAPPING_END_EVENT)
			break;
		line = ev_line(&r->ev);
		if (r->ev.type != YAML_SCALAR_EVENT) {
			rc = *prefix ? fail(r, line, "expected a key name in '%s'", prefix)
			             : fail(r, line, "expected a section name");
			goto out;
		}
		if ((rc = scalar(r, &key)))
			goto out;
		if (!key || !*key) {
			rc = *prefix ? fail(r, line, "empty key in '%s'", prefix)
			             : fail(r, line, "empty section name");
			goto out;
		}
		/* Kafka properties are checked one by one in set_kafka(); the
		 * keys of other maps are bounded by the schema. */
		for (size_t i = 0; !kafka && i < nseen; i++) {
			if (!strcmp(seen[i].key, key)) {
				rc = fail(r, line, "duplicate key '%s%s%s' (first on line %lu)",
				          prefix, *prefix ? "." : "", key, seen[i].line);
				goto out;
			}
		}
		if (*prefix) {
			size_t a = strlen(prefix), b = strlen(key);
			full = cw_xmalloc(a + b + 2);
			memcpy(full, prefix, a);
			full[a] = '.';
			memcpy(full + a + 1, key, b + 1);
		} else {
			full = cw_xstrdup(key);
		}
		if ((rc = next(r)))
			goto out;
		if ((rc = read_value(r, prefix, key, full, line, depth)))
			goto out;
		free(full);
		full = NULL;
		if (kafka) {
			free(key);
		} else {
			seen = cw_xrealloc(seen, (nseen + 1) * sizeof(*seen));
			seen[nseen].key = key;
			seen[nseen++].line = line;
		}
		key = NULL;
	}
	rc = 0;
out:
	free(key);
	free(full);
	for (size_t i = 0; i < nseen; i++)
		free(seen[i].key);
	free(seen);
	return rc;
}

static int read_stream(struct reader *r)
{
	int rc;
	char *text = NULL;

	if ((rc = next(r))) /* STREAM-START */
		return rc;
	if ((rc = next(r)))
		return rc;
	if (r->ev.type == YAML_STREAM_END_EVENT)
		return 0;   /* an empty file: defaults only */
	if ((rc = next(r))) /* past DOCUMENT-START */
		return rc;
	if (r->ev.type == YAML_MAPPING_START_EVENT) {
		if ((rc = read_map(r, "", 0)))
			return rc;
	} else if (r->ev.type != YAML_SCALAR_EVENT || (rc = scalar(r, &text)) || text) {
		free(text);
		return rc ? rc : fail(r, ev_line(&r->ev), "expected a map of sections");
	}
	if ((rc = next(r))) /* DOCUMENT-END */
		return rc;
	if ((rc = next(r)))
		return rc;
	if (r->ev.type != YAML_STREAM_END_EVENT)
		return fail(r, ev_line(&r->ev), "expected one YAML document, found another");
	return 0;
}

int cw_config_load_file(struct cw_config *cfg, const char *path, char *errstr, size_t errsize)
{
	struct reader r = {.cfg = cfg, .path = path, .err = errstr, .errsize = errsize};
	char *buf = NULL;
	size_t len = 0;
	int rc;

	rc = cw_read_file(path, MAX_FILE_BYTES, &buf, &len, errstr, errsize);
	if (rc == CW_ERR_TOO_BIG)
		rc = CW_ERR_INVALID;
	if (rc)
		return rc;
	r.buf = buf;
	r.len = len;
	r.load = ++cfg->loads;
	if (!yaml_parser_initialize(&r.parser)) {
		fprintf(stderr, "claimwire: out of memory starting the YAML parser\n");
		abort();
	}
	yaml_parser_set_input_string(&r.parser, (const unsigned char *)buf, len);
	rc = read_stream(&r);
	if (r.have_ev)
		yaml_event_delete(&r.ev);
	yaml_parser_delete(&r.parser);
	free(buf);
	return rc;
}

/* ---- environment and command line ---- */

/* Sets name (declared, or "kafka.x") from text; origin is taken. */
static int set_text(struct cw_config *cfg, const char *name, const char *text, char *origin,
                    char *msg, size_t msize)
{
	struct value v = {0};
	struct entry *e;
	int rc;

	if (is_kafka_name(name))
		return set_kafka(cfg, name, text, origin, 0, 0, msg, msize);
	e = find(cfg, name);
	if (!e) {
		snprintf(msg, msize, "unknown key '%s'", name);
		rc = CW_ERR_INVALID;
		goto out;
	}
	if ((rc = parse_text(e->key, *text ? text : NULL, &v, msg, msize)))
		goto out;
	entry_set(cfg, e, &v, origin);
	origin = NULL;
out:
	free(origin);
	return rc;
}

int cw_config_load_env(struct cw_config *cfg, char *const *envp, char *errstr, size_t errsize)
{
	int rc = 0;
	char *name = NULL;
	char msg[512];

	for (size_t i = 0; envp && envp[i]; i++) {
		const char *var = envp[i], *eq = strchr(var, '='), *value;
		const char *suffix = var + ENV_PREFIX_LEN;
		size_t varlen, sufflen;
		int ignored = 0;

		if (!eq || strncmp(var, ENV_PREFIX, ENV_PREFIX_LEN))
			continue;
		varlen = (size_t)(eq - var);
		value = eq + 1;
		for (size_t j = 0; env_not_config[j]; j++)
			if (strlen(env_not_config[j]) == varlen &&
			    !strncmp(var, env_not_config[j], varlen))
				ignored = 1;
		if (ignored || varlen == ENV_PREFIX_LEN)
			continue;
		sufflen = varlen - ENV_PREFIX_LEN;
		if (sufflen > 6 && !strncmp(suffix, "KAFKA_", 6)) {
			/* CLAIMWIRE_KAFKA_LINGER_MS → kafka.linger.ms */
			name = cw_xstrndup(suffix, sufflen);
			for (char *c = name; *c; c++)
				*c = *c == '_' ? '.' : (char)tolower((unsigned char)*c);
		} else {
			for (size_t k = 0; k < cfg->nkeys && !name; k++)
				if (env_matches(cfg->keys[k].key->name, suffix, sufflen))
					name = cw_xstrdup(cfg->keys[k].key->name);
			if (!name) {
				snprintf(errstr, errsize,
				         "environment %.*s: no configuration key of that name",
				         (int)varlen, var);
				rc = CW_ERR_INVALID;
				goto out;
			}
		}
		{
			size_t olen = sizeof("environment ") - 1 + varlen;
			char *origin = cw_xmalloc(olen + 1);
			snprintf(origin, olen + 1, "environment %.*s", (int)varlen, var);
			if ((rc = set_text(cfg, name, value, origin, msg, sizeof(msg)))) {
				snprintf(errstr, errsize, "environment %.*s: %s", (int)varlen, var,
				         msg);
				goto out;
			}
		}
		free(name);
		name = NULL;
	}
out:
	free(name);
	return rc;
}

int cw_config_set_arg(struct cw_config *cfg, const char *arg, const char *origin, char *errstr,
                      size_t errsize)
{
	const char *eq = strchr(arg, '=');
	char msg[512];
	char *name;
	int rc;

	if (!origin)
		origin = "-X";
	if (!eq || eq == arg) {
		snprintf(errstr, errsize, "%s: expected key=value, got '%s'", origin, arg);
		return CW_ERR_INVALID;
	}
	name = cw_xstrndup(arg, (size_t)(eq - arg));
	rc = set_text(cfg, name, eq + 1, cw_xstrdup(origin), msg, sizeof(msg));
	if (rc)
		snprintf(errstr, errsize, "%s: %s", origin, msg);
	free(name);
	return rc;
}

/* ---- getters ---- */

static const struct entry *declared(const struct cw_config *cfg, const char *key,
                                    const char *getter)
{
	const struct entry *e = find(cfg, key);

	if (!e)
		bug("%s(\"%s\"): no schema declares this configuration key", getter, key);
	return e;
}

static const struct entry *typed(const struct cw_config *cfg, const char *key,
                                 enum cw_conf_type type, const char *getter)
{
	const struct entry *e = declared(cfg, key, getter);

	if (e->key->type != type && !(type == CW_CONF_DOUBLE && e->key->type == CW_CONF_INT))
		bug("%s(\"%s\"): the key holds %s", getter, key, type_wanted(e->key->type));
	return e;
}

const char *cw_config_str(const struct cw_config *cfg, const char *key)
{
	if (is_kafka_name(key)) {
		const struct entry *e = find_kafka(cfg, key);
		return e ? e->v.text : NULL;
	}
	return declared(cfg, key, "cw_config_str")->v.text;
}

long long cw_config_int(const struct cw_config *cfg, const char *key)
{
	return typed(cfg, key, CW_CONF_INT, "cw_config_int")->v.i;
}

double cw_config_double(const struct cw_config *cfg, const char *key)
{
	return typed(cfg, key, CW_CONF_DOUBLE, "cw_config_double")->v.d;
}

int cw_config_bool(const struct cw_config *cfg, const char *key)
{
	return typed(cfg, key, CW_CONF_BOOL, "cw_config_bool")->v.b;
}

size_t cw_config_list_count(const struct cw_config *cfg, const char *key)
{
	return typed(cfg, key, CW_CONF_LIST, "cw_config_list_count")->v.nitems;
}

const char *cw_config_list_item(const struct cw_config *cfg, const char *key, size_t i)
{
	const struct entry *e = typed(cfg, key, CW_CONF_LIST, "cw_config_list_item");

	if (i >= e->v.nitems)
		bug("cw_config_list_item(\"%s\", %zu): the list has %zu items", key, i,
		    e->v.nitems);
	return e->v.items[i];
}

int cw_config_is_declared(const struct cw_config *cfg, const char *key)
{
	return find(cfg, key) != NULL;
}

int cw_config_is_set(const struct cw_config *cfg, const char *key)
{
	if (is_kafka_name(key))
		return find_kafka(cfg, key) != NULL;
	return declared(cfg, key, "cw_config_is_set")->seq != 0;
}

const char *cw_config_origin(const struct cw_config *cfg, const char *key)
{
	const struct entry *e;

	if (is_kafka_name(key))
		e = find_kafka(cfg, key);
	else
		e = declared(cfg, key, "cw_config_origin");
	return e && e->origin ? e->origin : "default";
}

static int cmp_seq(const void *a, const void *b)
{
	const struct entry *const *x = a, *const *y = b;
	return ((*x)->seq > (*y)->seq) - ((*x)->seq < (*y)->seq);
}

int cw_config_foreach(const struct cw_config *cfg, const char *prefix,
                      int (*fn)(const char *name, const char *value, const char *origin,
                                void *opaque),
                      void *opaque)
{
	size_t plen = prefix ? strlen(prefix) : 0;
	const struct entry **set = cw_xcalloc(cfg->nkeys + cfg->nkafka, sizeof(*set));
	size_t n = 0;
	int rc = 0;

	for (size_t i = 0; i < cfg->nkeys; i++)
		if (cfg->keys[i].seq)
			set[n++] = &cfg->keys[i];
	for (size_t i = 0; i < cfg->nkafka; i++)
		set[n++] = &cfg->kafka[i];
	cw_qsort(set, n, sizeof(*set), cmp_seq);
	for (size_t i = 0; i < n && !rc; i++) {
		const char *name = entry_name(set[i]);
		if (plen && (strncmp(name, prefix, plen) || name[plen] != '.'))
			continue;
		if (!set[i]->v.text)
			continue; /* set to nothing (YAML null): nothing to pass on */
		rc = fn(plen ? name + plen + 1 : name, set[i]->v.text, set[i]->origin, opaque);
	}
	free(set);
	return rc;
}

/* Whether a value should be hidden when printed: passwords and secrets. */
static int is_secret(const char *name)
{
	return strstr(name, "password") || strstr(name, "secret") ||
	       strstr(name, "sasl.jaas.config") || strstr(name, "key.pem");
}

static void dump_one(FILE *out, const struct entry *e)
{
	const char *name = entry_name(e);
	const char *value = e->v.text;

	if (!value)
		value = "(unset)";
	else if (is_secret(name))
		value = "(hidden)";
	fprintf(out, "%s = %s  # %s\n", name, value, e->origin ? e->origin : "default");
}

void cw_config_dump(const struct cw_config *cfg, FILE *out)
{
	for (size_t i = 0; i < cfg->nkeys; i++)
		dump_one(out, &cfg->keys[i]);
	for (size_t i = 0; i < cfg->nkafka; i++)
		dump_one(out, &cfg->kafka[i]);
}
