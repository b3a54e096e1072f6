/*
 * test_config.c — the configuration file, environment and -X overrides, and
 * the shared command-line handling (lib/config.c, lib/cli.c).
 *
 * Each test writes a small YAML file to a temporary path and checks values,
 * origins and the exact "PATH:LINE: ..." error messages users will see.
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cli.h"
#include "lib/common.h"
#include "lib/config.h"
#include "lib/log.h"

static const struct cw_config_key cfgtest_keys[] = {
    {"log.level", CW_CONF_STRING, "info", 0, 0, "log level"},
    {"match.threshold", CW_CONF_DOUBLE, "0.5", 0, 1, "check-worthiness cut"},
    {"match.thresholds.confirm", CW_CONF_DOUBLE, "0.8", 0, 1, "confirm above"},
    {"match.thresholds.review", CW_CONF_DOUBLE, "0.3", 0, 1, "review above"},
    {"match.top_k", CW_CONF_INT, "5", 1, 100, "candidates"},
    {"match.rerank", CW_CONF_BOOL, "true", 0, 0, "re-rank"},
    {"match.publishers", CW_CONF_LIST, "snopes,politifact", 0, 0, "trusted"},
    {"match.languages", CW_CONF_LIST, NULL, 0, 0, "languages"},
    {"match.offset", CW_CONF_INT, "0", 0, 0, "no range"},
    {"redis.host", CW_CONF_STRING, "127.0.0.1", 0, 0, "host"},
    {"redis.socket", CW_CONF_STRING, NULL, 0, 0, "socket"},
    {"redis.port", CW_CONF_INT, "6379", 1, 65535, "port"},
    {"redis.password", CW_CONF_STRING, NULL, 0, 0, "password"},
    {NULL, 0, NULL, 0, 0, NULL},
};
static const struct cw_config_key *const cfgtest_schemas[] = {cfgtest_keys, NULL};

static char cfgtest_err[1024];

/* Writes yaml to a fresh temporary file whose name goes to path[64]. */
static void write_yaml(char *path, const char *yaml)
{
	strcpy(path, "/tmp/cw-config-test-XXXXXX.yaml");
	int fd = mkstemps(path, 5);
	cr_assert(fd >= 0, "mkstemps");
	size_t n = strlen(yaml);
	cr_assert_eq(write(fd, yaml, n), (ssize_t)n);
	close(fd);
}

/* Loads yaml into cfg from a temporary file (named in path[64], removed
 * afterwards); returns cw_config_load_file's result. */
static int load_yaml(struct cw_config *cfg, char *path, const char *yaml)
{
	write_yaml(path, yaml);
	cfgtest_err[0] = '\0';
	int rc = cw_config_load_file(cfg, path, cfgtest_err, sizeof(cfgtest_err));
	unlink(path);
	return rc;
}

/* Loads yaml that must fail, and checks the message is exactly
 * "<path>:<where>: <msg>". */
static void expect_error(const char *yaml, const char *where, const char *msg)
{
	struct cw_config *cfg = cw_config_new(cfgtest_schemas);
	char path[64], want[512];

	int rc = load_yaml(cfg, path, yaml);
	cr_assert_eq(rc, CW_ERR_INVALID, "rc %d for:\n%s", rc, yaml);
	snprintf(want, sizeof(want), "%s:%s: %s", path, where, msg);
	cr_assert_str_eq(cfgtest_err, want);
	cw_config_free(cfg);
}

/* Applies environment variables vars (NULL-terminated) as cw_config_load_env
 * would take them from environ. */
static int load_env(struct cw_config *cfg, const char *const *vars)
{
	size_t n = 0;
	while (vars[n])
		n++;
	char **envp = calloc(n + 1, sizeof(*envp));
	for (size_t i = 0; i < n; i++)
		envp[i] = strdup(vars[i]);
	cfgtest_err[0] = '\0';
	int rc = cw_config_load_env(cfg, envp, cfgtest_err, sizeof(cfgtest_err));
	for (size_t i = 0; i < n; i++)
		free(envp[i]);
	free(envp);
	return rc;
}

Test(config, defaults)
{
	struct cw_config *cfg = cw_config_new(cfgtest_schemas);

	cr_assert_float_eq(cw_config_double(cfg, "match.threshold"), 0.5, 1e-12);
	cr_assert_eq(cw_config_int(cfg, "match.top_k"), 5);
	cr_assert_float_eq(cw_config_double(cfg, "match.top_k"), 5.0, 1e-12);
	cr_assert_eq(cw_config_bool(cfg, "match.rerank"), 1);
	cr_assert_str_eq(cw_config_str(cfg, "redis.host"), "127.0.0.1");
	cr_assert_null(cw_config_str(cfg, "redis.socket"));
	cr_assert_eq(cw_config_list_count(cfg, "match.publishers"), 2);
	cr_assert_str_eq(cw_config_list_item(cfg, "match.publishers", 1), "politifact");
	cr_assert_eq(cw_config_list_count(cfg, "match.languages"), 0);
	cr_assert_str_eq(cw_config_origin(cfg, "redis.port"), "default");
	cr_assert_eq(cw_config_is_set(cfg, "redis.port"), 0);
	cr_assert(cw_config_is_declared(cfg, "redis.port"));
	cr_assert_not(cw_config_is_declared(cfg, "redis.prot"));
	cr_assert_null(cw_config_str(cfg, "kafka.bootstrap.servers"));
	cr_assert_eq(cw_config_is_set(cfg, "kafka.bootstrap.servers"), 0);
	cw_config_free(cfg);
}

Test(config, nested_maps_become_dotted_keys)
{
	struct cw_config *cfg = cw_config_new(cfgtest_schemas);
	char path[64], origin[80];

	cr_assert_eq(load_yaml(cfg, path,
	                       "# claimwire\n"
	                       "match:\n"
	                       "  thresholds:\n"
	                       "    confirm: 0.9\n"
	                       "  top_k: 12\n"
	                       "redis:\n"
	                       "  host: \"redis.newsroom\"\n"),
	             0, "%s", cfgtest_err);
	cr_assert_float_eq(cw_config_double(cfg, "match.thresholds.confirm"), 0.9, 1e-12);
	cr_assert_eq(cw_config_int(cfg, "match.top_k"), 12);
	cr_assert_str_eq(cw_config_str(cfg, "redis.host"), "redis.newsroom");
	snprintf(origin, sizeof(origin), "%s:4", path);
	cr_assert_str_eq(cw_config_origin(cfg, "match.thresholds.confirm"), origin);
	cr_assert(cw_config_is_set(cfg, "match.thresholds.confirm"));
	/* untouched siblings keep their defaults */
	cr_assert_float_eq(cw_config_double(cfg, "match.thresholds.review"), 0.3, 1e-12);
	cr_assert_not(cw_config_is_set(cfg, "match.thresholds.review"));
	cw_config_free(cfg);
}

Test(config, dotted_keys_in_the_file)
{
	struct cw_config *cfg = cw_config_new(cfgtest_schemas);
	char path[64];

	cr_assert_eq(load_yaml(cfg, path,
	                       "match:\n"
	                       "  thresholds.review: 0.25\n"
	                       "redis.port: 7000\n"),
	             0, "%s", cfgtest_err);
	cr_assert_float_eq(cw_config_double(cfg, "match.thresholds.review"), 0.25, 1e-12);
	cr_assert_eq(cw_config_int(cfg, "redis.port"), 7000);
	cw_config_free(cfg);
}

struct cfgtest_seen {
	char names[8][64], values[8][64], origins[8][96];
	int n;
};

static int collect(const char *name, const char *value, const char *origin, void *opaque)
{
	struct cfgtest_seen *s = opaque;

	cr_assert_lt(s->n, 8);
	snprintf(s->names[s->n], 64, "%s", name);
	snprintf(s->values[s->n], 64, "%s", value);
	snprintf(s->origins[s->n], 96, "%s", origin);
	s->n++;
	return 0;
}

static int stop_at_second(const char *name, const char *value, const char *origin, void *opaque)
{
	(void)name, (void)value, (void)origin;
	return ++*(int *)opaque == 2 ? 42 : 0;
}

Test(config, kafka_properties_pass_through_in_order)
{
	struct cw_config *cfg = cw_config_new(cfgtest_schemas);
	struct cfgtest_seen s = {0};
	char path[64], origin[80];
	const char *const env[] = {"CLAIMWIRE_KAFKA_SECURITY_PROTOCOL=ssl",
	                           "CLAIMWIRE_KAFKA_LINGER_MS=9", NULL};
	int calls = 0;

	cr_assert_eq(load_yaml(cfg, path,
	                       "kafka:\n"
	                       "  bootstrap.servers: \"k1:9092,k2:9092\"\n"
	                       "  linger.ms: 5\n"
	                       "  client.id: claimwire-test\n"
	                       "redis:\n"
	                       "  port: 6380\n"),
	             0, "%s", cfgtest_err);
	cr_assert_eq(load_env(cfg, env), 0, "%s", cfgtest_err);
	cr_assert_eq(
	    cw_config_set_arg(cfg, "kafka.acks=all", "-X", cfgtest_err, sizeof(cfgtest_err)), 0,
	    "%s", cfgtest_err);
	cr_assert_eq(cw_config_foreach(cfg, "kafka", collect, &s), 0);
	cr_assert_eq(s.n, 5);
	const char *names[] = {"bootstrap.servers", "linger.ms", "client.id", "security.protocol",
	                       "acks"};
	const char *values[] = {"k1:9092,k2:9092", "9", "claimwire-test", "ssl", "all"};
	for (int i = 0; i < 5; i++) {
		cr_assert_str_eq(s.names[i], names[i]);
		cr_assert_str_eq(s.values[i], values[i]);
	}
	snprintf(origin, sizeof(origin), "%s:2", path);
	cr_assert_str_eq(s.origins[0], origin);
	cr_assert_str_eq(s.origins[1], "environment CLAIMWIRE_KAFKA_LINGER_MS");
	cr_assert_str_eq(s.origins[4], "-X");
	cr_assert_str_eq(cw_config_str(cfg, "kafka.acks"), "all");
	cr_assert(cw_config_is_set(cfg, "kafka.linger.ms"));
	/* fn's non-zero value stops the walk and is returned */
	cr_assert_eq(cw_config_foreach(cfg, "kafka", stop_at_second, &calls), 42);
	cr_assert_eq(calls, 2);
	/* other prefixes: set keys only, without the prefix */
	memset(&s, 0, sizeof(s));
	cw_config_foreach(cfg, "redis", collect, &s);
	cr_assert_eq(s.n, 1);
	cr_assert_str_eq(s.names[0], "port");
	cw_config_free(cfg);
}

Test(config, kafka_values_must_be_scalars)
{
	expect_error("kafka:\n"
	             "  client.id: x\n"
	             "  sasl:\n"
	             "    mechanism: PLAIN\n",
	             "3",
	             "key 'kafka.sasl': expected a value, got a map (librdkafka properties are "
	             "written with their dots, as 'sasl.mechanism: PLAIN')");
	expect_error("kafka: localhost\n", "1", "key 'kafka': expected a map");
	expect_error("kafka:\n  linger.ms:\n", "2", "key 'kafka.linger.ms': expected a value");
	expect_error("kafka:\n  acks: 1\n  acks: all\n", "3",
	             "duplicate key 'kafka.acks' (first on line 2)");
}

Test(config, unknown_key_reports_its_line)
{
	expect_error("# comment\n"
	             "match:\n"
	             "  top_k: 3\n"
	             "  treshold: 0.4\n",
	             "4", "unknown key 'treshold' in 'match'");
	expect_error("match:\n"
	             "  thresholds:\n"
	             "\n"
	             "    confirm: 0.9\n"
	             "    confrim: 0.9\n",
	             "5", "unknown key 'confrim' in 'match.thresholds'");
	expect_error("redis:\n  port: 1\nmatch.treshold: 2\n", "3",
	             "unknown key 'treshold' in 'match'");
}

Test(config, unknown_section)
{
	expect_error("redis:\n  port: 1\nmach:\n  threshold: 0.5\n", "3", "unknown section 'mach'");
	expect_error("mach.threshold: 0.5\n", "1", "unknown section 'mach'");
}

Test(config, wrong_types)
{
	expect_error("match:\n  thresholds:\n    confirm: high\n", "3",
	             "key 'match.thresholds.confirm': expected a number, got 'high'");
	expect_error("match:\n  top_k: 12abc\n", "2",
	             "key 'match.top_k': expected an integer, got '12abc'");
	expect_error("match:\n  top_k: 2.5\n", "2",
	             "key 'match.top_k': expected an integer, got '2.5'");
	expect_error("match:\n  rerank: maybe\n", "2",
	             "key 'match.rerank': expected true or false, got 'maybe'");
	expect_error("match:\n  top_k:\n", "2",
	             "key 'match.top_k': expected an integer, got nothing");
	expect_error("redis:\n  host: [a, b]\n", "2",
	             "key 'redis.host': expected a string, got a list");
	expect_error("redis:\n  port:\n    number: 1\n", "2",
	             "key 'redis.port': expected an integer, got a map");
	expect_error("match:\n  threshold: .nan\n", "2",
	             "key 'match.threshold': expected a number, got '.nan'");
}

Test(config, ranges)
{
	expect_error("match:\n  threshold: 2.5\n", "2",
	             "key 'match.threshold': 2.5 is out of range [0, 1]");
	expect_error("redis:\n  port: 70000\n", "2",
	             "key 'redis.port': 70000 is out of range [1, 65535]");
	expect_error("redis:\n  port: 0\n", "2", "key 'redis.port': 0 is out of range [1, 65535]");
	expect_error("redis:\n  port: 99999999999999999999\n", "2",
	             "key 'redis.port': 99999999999999999999 is out of range [1, 65535]");

	/* the bounds themselves are in range; min == max means no range */
	struct cw_config *cfg = cw_config_new(cfgtest_schemas);
	char path[64];
	cr_assert_eq(load_yaml(cfg, path,
	                       "match:\n  threshold: 1\n  offset: -123456789012\nredis:\n"
	                       "  port: 65535\n"),
	             0, "%s", cfgtest_err);
	cr_assert_float_eq(cw_config_double(cfg, "match.threshold"), 1.0, 1e-12);
	cr_assert_eq(cw_config_int(cfg, "match.offset"), -123456789012LL);
	cr_assert_eq(cw_config_int(cfg, "redis.port"), 65535);
	cw_config_free(cfg);
}

Test(config, sections_must_be_maps)
{
	expect_error("match: 5\n", "1", "key 'match': expected a map");
	expect_error("match:\n  thresholds: 0.8\n", "2", "key 'match.thresholds': expected a map");
	expect_error("- redis\n- match\n", "1", "expected a map of sections");
}

Test(config, commented_out_section_is_empty)
{
	struct cw_config *cfg = cw_config_new(cfgtest_schemas);
	char path[64];

	cr_assert_eq(load_yaml(cfg, path,
	                       "match:\n"
	                       "  # thresholds:\n"
	                       "  #   confirm: 0.9\n"
	                       "kafka:\n"
	                       "redis:\n"
	                       "  port: 6390\n"),
	             0, "%s", cfgtest_err);
	cr_assert_eq(cw_config_int(cfg, "redis.port"), 6390);
	cr_assert_float_eq(cw_config_double(cfg, "match.thresholds.confirm"), 0.8, 1e-12);
	cw_config_free(cfg);

	/* an empty file means defaults only */
	cfg = cw_config_new(cfgtest_schemas);
	cr_assert_eq(load_yaml(cfg, path, "# nothing yet\n"), 0, "%s", cfgtest_err);
	cr_assert_eq(cw_config_int(cfg, "redis.port"), 6379);
	cw_config_free(cfg);
}

Test(config, yaml_syntax_errors_give_line_and_column)
{
	expect_error("redis:\n  port: 80\n  host: a: b\n", "3:10",
	             "mapping values are not allowed in this context");
	expect_error("redis:\n  port: 80\n host: x\n", "3:2",
	             "did not find expected key (while parsing a block mapping on line 1)");
	expect_error("redis:\n  host: \"x\n", "3:1",
	             "found unexpected end of stream (while scanning a quoted scalar on line 2)");
	expect_error("redis:\n  host: \xff\n", "2:9", "invalid leading UTF-8 octet");
}

Test(config, duplicate_keys)
{
	expect_error("redis:\n  port: 1\n  host: h\n  port: 2\n", "4",
	             "duplicate key 'redis.port' (first on line 2)");
	expect_error("redis:\n  port: 1\nmatch:\n  top_k: 2\nredis:\n  host: h\n", "5",
	             "duplicate key 'redis' (first on line 1)");
	expect_error("redis:\n  port: 1\nredis.port: 2\n", "3",
	             "duplicate key 'redis.port' (first on line 2)");
}

Test(config, aliases_are_refused)
{
	expect_error("redis:\n  host: &h example\n  password: *h\n", "3",
	             "aliases are not supported ('*h')");
}

Test(config, unreadable_file)
{
	struct cw_config *cfg = cw_config_new(cfgtest_schemas);

	cr_assert_eq(cw_config_load_file(cfg, "/nonexistent/claimwire.yaml", cfgtest_err,
	                                 sizeof(cfgtest_err)),
	             CW_ERR_IO);
	cr_assert(strstr(cfgtest_err, "'/nonexistent/claimwire.yaml'"), "%s", cfgtest_err);
	cw_config_free(cfg);
}

Test(config, environment_overrides_the_file)
{
	struct cw_config *cfg = cw_config_new(cfgtest_schemas);
	char path[64];
	const char *const env[] = {"PATH=/usr/bin",
	                           "CLAIMWIRE_MATCH_THRESHOLDS_CONFIRM=0.75",
	                           "CLAIMWIRE_CONFIG=/etc/claimwire.yaml",
	                           "CLAIMWIRE_HOME=/var/lib/claimwire",
	                           "CLAIMWIRE_REDIS_SOCKET=/run/redis.sock",
	                           "CLAIMWIRE_MATCH_TOP_K=7",
	                           NULL};

	cr_assert_eq(load_yaml(cfg, path,
	                       "match:\n  thresholds:\n    confirm: 0.7\n  top_k: 3\n"
	                       "redis:\n  socket: /tmp/file.sock\n"),
	             0, "%s", cfgtest_err);
	cr_assert_eq(load_env(cfg, env), 0, "%s", cfgtest_err);
	cr_assert_float_eq(cw_config_double(cfg, "match.thresholds.confirm"), 0.75, 1e-12);
	cr_assert_str_eq(cw_config_origin(cfg, "match.thresholds.confirm"),
	                 "environment CLAIMWIRE_MATCH_THRESHOLDS_CONFIRM");
	cr_assert_eq(cw_config_int(cfg, "match.top_k"), 7);
	cr_assert_str_eq(cw_config_str(cfg, "redis.socket"), "/run/redis.sock");

	/* an empty value unsets a string */
	const char *const unset[] = {"CLAIMWIRE_REDIS_SOCKET=", NULL};
	cr_assert_eq(load_env(cfg, unset), 0);
	cr_assert_null(cw_config_str(cfg, "redis.socket"));
	cw_config_free(cfg);
}

Test(config, environment_errors_name_the_variable)
{
	struct cw_config *cfg = cw_config_new(cfgtest_schemas);
	const char *const unknown[] = {"CLAIMWIRE_MATCH_TRESHOLD=0.4", NULL};
	const char *const bad[] = {"CLAIMWIRE_REDIS_PORT=abc", NULL};
	const char *const range[] = {"CLAIMWIRE_MATCH_THRESHOLD=3", NULL};

	cr_assert_eq(load_env(cfg, unknown), CW_ERR_INVALID);
	cr_assert_str_eq(cfgtest_err,
	                 "environment CLAIMWIRE_MATCH_TRESHOLD: no configuration key of that name");
	cr_assert_eq(load_env(cfg, bad), CW_ERR_INVALID);
	cr_assert_str_eq(cfgtest_err, "environment CLAIMWIRE_REDIS_PORT: key 'redis.port': "
	                              "expected an integer, got 'abc'");
	cr_assert_eq(load_env(cfg, range), CW_ERR_INVALID);
	cr_assert_str_eq(cfgtest_err, "environment CLAIMWIRE_MATCH_THRESHOLD: key "
	                              "'match.threshold': 3 is out of range [0, 1]");
	cr_assert_eq(cw_config_int(cfg, "redis.port"), 6379);
	cw_config_free(cfg);
}

Test(config, x_overrides_environment_and_file)
{
	struct cw_config *cfg = cw_config_new(cfgtest_schemas);
	char path[64];
	const char *const env[] = {"CLAIMWIRE_REDIS_PORT=6400", "CLAIMWIRE_REDIS_HOST=envhost",
	                           NULL};

	cr_assert_eq(load_yaml(cfg, path, "redis:\n  port: 6390\n  host: filehost\n"), 0);
	cr_assert_eq(load_env(cfg, env), 0);
	cr_assert_eq(
	    cw_config_set_arg(cfg, "redis.port=6500", "-X", cfgtest_err, sizeof(cfgtest_err)), 0,
	    "%s", cfgtest_err);
	cr_assert_eq(cw_config_int(cfg, "redis.port"), 6500);
	cr_assert_str_eq(cw_config_origin(cfg, "redis.port"), "-X");
	cr_assert_str_eq(cw_config_str(cfg, "redis.host"), "envhost");
	cr_assert_str_eq(cw_config_origin(cfg, "redis.host"), "environment CLAIMWIRE_REDIS_HOST");
	/* the last -X wins; a value may itself contain '=' */
	cr_assert_eq(
	    cw_config_set_arg(cfg, "redis.port=6501", "-X", cfgtest_err, sizeof(cfgtest_err)), 0);
	cr_assert_eq(cw_config_int(cfg, "redis.port"), 6501);
	cr_assert_eq(
	    cw_config_set_arg(cfg, "redis.password=a=b", "-X", cfgtest_err, sizeof(cfgtest_err)),
	    0);
	cr_assert_str_eq(cw_config_str(cfg, "redis.password"), "a=b");
	cw_config_free(cfg);
}

Test(config, x_errors)
{
	struct cw_config *cfg = cw_config_new(cfgtest_schemas);

	cr_assert_eq(cw_config_set_arg(cfg, "redis.port", "-X", cfgtest_err, sizeof(cfgtest_err)),
	             CW_ERR_INVALID);
	cr_assert_str_eq(cfgtest_err, "-X: expected key=value, got 'redis.port'");
	cr_assert_eq(cw_config_set_arg(cfg, "redis.prot=1", "-X", cfgtest_err, sizeof(cfgtest_err)),
	             CW_ERR_INVALID);
	cr_assert_str_eq(cfgtest_err, "-X: unknown key 'redis.prot'");
	cr_assert_eq(
	    cw_config_set_arg(cfg, "match.top_k=1000", "-X", cfgtest_err, sizeof(cfgtest_err)),
	    CW_ERR_INVALID);
	cr_assert_str_eq(cfgtest_err, "-X: key 'match.top_k': 1000 is out of range [1, 100]");
	cr_assert_eq(
	    cw_config_set_arg(cfg, "kafka.linger.ms=", "-X", cfgtest_err, sizeof(cfgtest_err)),
	    CW_ERR_INVALID);
	cr_assert_str_eq(cfgtest_err, "-X: key 'kafka.linger.ms': expected a value");
	cr_assert_eq(cw_config_int(cfg, "match.top_k"), 5);
	cw_config_free(cfg);
}

Test(config, lists)
{
	struct cw_config *cfg = cw_config_new(cfgtest_schemas);
	char path[64];

	cr_assert_eq(load_yaml(cfg, path,
	                       "match:\n"
	                       "  publishers:\n"
	                       "    - AFP Fact Check\n"
	                       "    - \"Full Fact\"\n"
	                       "    - PolitiFact\n"
	                       "  languages: [en, fr]\n"),
	             0, "%s", cfgtest_err);
	cr_assert_eq(cw_config_list_count(cfg, "match.publishers"), 3);
	cr_assert_str_eq(cw_config_list_item(cfg, "match.publishers", 0), "AFP Fact Check");
	cr_assert_str_eq(cw_config_list_item(cfg, "match.publishers", 2), "PolitiFact");
	cr_assert_str_eq(cw_config_str(cfg, "match.publishers"),
	                 "AFP Fact Check,Full Fact,PolitiFact");
	cr_assert_eq(cw_config_list_count(cfg, "match.languages"), 2);

	const char *const env[] = {"CLAIMWIRE_MATCH_LANGUAGES= de , es,,it ", NULL};
	cr_assert_eq(load_env(cfg, env), 0);
	cr_assert_eq(cw_config_list_count(cfg, "match.languages"), 3);
	cr_assert_str_eq(cw_config_list_item(cfg, "match.languages", 0), "de");
	cr_assert_str_eq(cw_config_list_item(cfg, "match.languages", 2), "it");

	cr_assert_eq(cw_config_set_arg(cfg, "match.publishers=Snopes", "-X", cfgtest_err,
	                               sizeof(cfgtest_err)),
	             0);
	cr_assert_eq(cw_config_list_count(cfg, "match.publishers"), 1);
	cr_assert_eq(
	    cw_config_set_arg(cfg, "match.publishers=", "-X", cfgtest_err, sizeof(cfgtest_err)), 0);
	cr_assert_eq(cw_config_list_count(cfg, "match.publishers"), 0);
	cw_config_free(cfg);

	expect_error("match:\n  publishers:\n    - a\n    - {name: b}\n", "4",
	             "key 'match.publishers': expected a list of scalars");
	expect_error("match:\n  publishers:\n    - a\n    -\n", "4",
	             "key 'match.publishers': empty list item");
}

Test(config, booleans)
{
	const char *yes[] = {"true", "yes", "on", "1", "True", "YES"};
	const char *no[] = {"false", "no", "off", "0", "False", "OFF"};
	struct cw_config *cfg = cw_config_new(cfgtest_schemas);
	char arg[64];

	for (size_t i = 0; i < CW_ARRAY_SIZE(yes); i++) {
		snprintf(arg, sizeof(arg), "match.rerank=%s", no[i]);
		cr_assert_eq(cw_config_set_arg(cfg, arg, "-X", cfgtest_err, sizeof(cfgtest_err)),
		             0);
		cr_assert_eq(cw_config_bool(cfg, "match.rerank"), 0, "%s", no[i]);
		snprintf(arg, sizeof(arg), "match.rerank=%s", yes[i]);
		cr_assert_eq(cw_config_set_arg(cfg, arg, "-X", cfgtest_err, sizeof(cfgtest_err)),
		             0);
		cr_assert_eq(cw_config_bool(cfg, "match.rerank"), 1, "%s", yes[i]);
	}
	cw_config_free(cfg);
}

Test(config, null_unsets_a_string)
{
	struct cw_config *cfg = cw_config_new(cfgtest_schemas);
	char path[64];

	cr_assert_eq(
	    load_yaml(cfg, path, "redis:\n  host: ~\n  socket: \"\"\n  password: 'null'\n"), 0,
	    "%s", cfgtest_err);
	cr_assert_null(cw_config_str(cfg, "redis.host"));
	cr_assert(cw_config_is_set(cfg, "redis.host"));
	cr_assert_str_eq(cw_config_str(cfg, "redis.socket"), ""); /* quoted: a real value */
	cr_assert_str_eq(cw_config_str(cfg, "redis.password"), "null");
	cw_config_free(cfg);
}

Test(config, dump_prints_every_key_and_hides_secrets)
{
	struct cw_config *cfg = cw_config_new(cfgtest_schemas);
	char path[64], *buf = NULL, line[200];
	size_t len = 0;

	cr_assert_eq(load_yaml(cfg, path,
	                       "redis:\n  password: s3cret-value\nkafka:\n  sasl.password: pw\n"
	                       "  client.id: me\n"),
	             0);
	FILE *out = open_memstream(&buf, &len);
	cw_config_dump(cfg, out);
	fclose(out);
	for (const struct cw_config_key *k = cfgtest_keys; k->name; k++) {
		snprintf(line, sizeof(line), "\n%s = ", k->name);
		cr_assert(strstr(buf, line) || !strncmp(buf, line + 1, strlen(line + 1)),
		          "'%s' missing from:\n%s", k->name, buf);
	}
	cr_assert(strstr(buf, "match.top_k = 5  # default\n"), "%s", buf);
	snprintf(line, sizeof(line), "redis.password = (hidden)  # %s:2\n", path);
	cr_assert(strstr(buf, line), "%s", buf);
	cr_assert(strstr(buf, "kafka.client.id = me  # "), "%s", buf);
	cr_assert(strstr(buf, "redis.socket = (unset)  # default\n"), "%s", buf);
	cr_assert_null(strstr(buf, "s3cret"));
	cr_assert_null(strstr(buf, "= pw"));
	free(buf);
	cw_config_free(cfg);
}

/* Held in a static so that memory checkers see it reachable after abort(). */
static struct cw_config *volatile cfgtest_aborting;

Test(config, getter_on_undeclared_key_aborts, .signal = SIGABRT)
{
	cfgtest_aborting = cw_config_new(cfgtest_schemas);
	cw_config_int(cfgtest_aborting, "match.treshold");
}

Test(config, getter_of_wrong_type_aborts, .signal = SIGABRT)
{
	cfgtest_aborting = cw_config_new(cfgtest_schemas);
	cw_config_bool(cfgtest_aborting, "redis.port");
}

static const struct cw_config_key cfgtest_dup_keys[] = {
    {"redis.port", CW_CONF_INT, "1", 0, 0, ""},
    {"redis.port", CW_CONF_INT, "2", 0, 0, ""},
    {NULL, 0, NULL, 0, 0, NULL},
};
static const struct cw_config_key *const cfgtest_dup_schemas[] = {cfgtest_dup_keys, NULL};

Test(config, schema_declaring_a_key_twice_aborts, .signal = SIGABRT)
{
	cw_config_new(cfgtest_dup_schemas);
}

/* ---- lib/cli.c ---- */

Test(config, cli_options)
{
	struct cw_cli_opts o = {0};
	char xa[] = "redis.port=1";

	cr_assert_eq(cw_cli_opt(&o, 'c', "x.yaml"), 1);
	cr_assert_str_eq(o.config_path, "x.yaml");
	cr_assert_eq(cw_cli_opt(&o, 'X', xa), 1);
	cr_assert_eq(o.nx, 1);
	cr_assert_eq(o.xargs[0], xa);
	cr_assert_eq(cw_cli_opt(&o, 'v', NULL), 1);
	cr_assert_eq(cw_cli_opt(&o, 'v', NULL), 1);
	cr_assert_eq(cw_cli_opt(&o, 'q', NULL), 1);
	cr_assert_eq(o.verbosity, 1);
	cr_assert_eq(cw_cli_opt(&o, CW_OPT_CHECK_CONFIG, NULL), 1);
	cr_assert(o.check_config);
	cr_assert_eq(cw_cli_opt(&o, CW_OPT_FIRST_OWN, "x"), 0);
	cr_assert_eq(cw_cli_opt(&o, '?', NULL), -1);
}

Test(config, cli_too_many_x, .init = cr_redirect_stderr)
{
	struct cw_cli_opts o = {0};
	char xa[] = "redis.port=1";

	for (int i = 0; i < CW_CLI_MAX_X; i++)
		cr_assert_eq(cw_cli_opt(&o, 'X', xa), 1);
	cr_assert_eq(cw_cli_opt(&o, 'X', xa), -1);
	cr_assert_eq(o.nx, CW_CLI_MAX_X);
	cr_assert_eq(cw_cli_opt(&o, 'X', "novalue"), -1);
}

Test(config, cli_load_sets_values_and_log_level)
{
	struct cw_cli_opts o = {0};
	struct cw_config *cfg = NULL;
	char path[64], x1[] = "log.level=warning", x2[] = "match.top_k=9";

	unsetenv("CLAIMWIRE_CONFIG");
	write_yaml(path, "match:\n  top_k: 4\nlog:\n  level: debug\n");
	cw_cli_set_schemas(cfgtest_schemas);
	cr_assert_eq(cw_cli_schemas(), cfgtest_schemas);
	cw_cli_opt(&o, 'c', path);
	cw_cli_opt(&o, 'X', x1);
	cw_cli_opt(&o, 'X', x2);
	cw_cli_opt(&o, 'v', NULL);
	cr_assert_eq(cw_cli_load_config(&o, &cfg, cfgtest_err, sizeof(cfgtest_err)), 0, "%s",
	             cfgtest_err);
	unlink(path);
	cr_assert_eq(cw_config_int(cfg, "match.top_k"), 9);
	cr_assert_eq(cw_log_level(), CW_LOG_NOTICE); /* warning, one -v more */
	cw_config_free(cfg);
}

Test(config, cli_bad_log_level)
{
	struct cw_cli_opts o = {0};
	struct cw_config *cfg = NULL;
	char x[] = "log.level=chatty";

	cw_cli_set_schemas(cfgtest_schemas);
	cw_cli_opt(&o, 'X', x);
	cr_assert_eq(cw_cli_load_config(&o, &cfg, cfgtest_err, sizeof(cfgtest_err)),
	             CW_ERR_INVALID);
	cr_assert_str_eq(cfgtest_err,
	                 "-X: key 'log.level': expected emerg..debug or 0-7, got 'chatty'");
	cr_assert_null(cfg);
}

Test(config, cli_finish_check_config, .init = cr_redirect_stdout)
{
	struct cw_cli_opts o = {0};
	struct cw_config *cfg = NULL;
	char path[64];

	unsetenv("CLAIMWIRE_CONFIG");
	write_yaml(path, "redis:\n  port: 6390\n");
	cw_cli_set_schemas(cfgtest_schemas);
	cw_cli_opt(&o, 'c', path);
	cw_cli_opt(&o, CW_OPT_CHECK_CONFIG, NULL);
	cr_assert_eq(cw_cli_finish(&o, "usage\n", &cfg), CW_EXIT_OK);
	unlink(path);
	cr_assert_null(cfg);
	fflush(stdout);
	cr_assert_stdout_eq_str("configuration ok\n");
}

Test(config, cli_finish_bad_config, .init = cr_redirect_stderr)
{
	struct cw_cli_opts o = {0};
	struct cw_config *cfg = NULL;
	char path[64], want[256];

	write_yaml(path, "redis:\n  prot: 6390\n");
	cw_cli_set_schemas(cfgtest_schemas);
	cw_cli_opt(&o, 'c', path);
	cr_assert_eq(cw_cli_finish(&o, "usage\n", &cfg), CW_EXIT_CONFIG);
	unlink(path);
	cr_assert_null(cfg);
	fflush(stderr);
	snprintf(want, sizeof(want), "claimwire: %s:2: unknown key 'prot' in 'redis'\n", path);
	cr_assert_stderr_eq_str(want);
}

Test(config, cli_finish_goes_on_with_the_config)
{
	struct cw_cli_opts o = {0};
	struct cw_config *cfg = NULL;
	char x[] = "redis.host=10.0.0.5";

	unsetenv("CLAIMWIRE_CONFIG");
	cw_cli_set_schemas(cfgtest_schemas);
	cw_cli_opt(&o, 'X', x);
	cr_assert_eq(cw_cli_finish(&o, "usage\n", &cfg), -1);
	cr_assert_not_null(cfg);
	cr_assert_str_eq(cw_config_str(cfg, "redis.host"), "10.0.0.5");
	cw_config_free(cfg);
}

Test(config, cli_finish_help_and_version, .init = cr_redirect_stdout)
{
	struct cw_cli_opts o = {0};
	struct cw_config *cfg = NULL;

	o.help = 1;
	cr_assert_eq(cw_cli_finish(&o, "usage: claimwire extract [OPTION]...\n", &cfg), 0);
	o.help = 0;
	o.version = 1;
	cr_assert_eq(cw_cli_finish(&o, "usage\n", &cfg), 0);
	cr_assert_null(cfg);
	fflush(stdout);
	cr_assert_stdout_eq_str("usage: claimwire extract [OPTION]...\nclaimwire " CW_VERSION "\n");
}
