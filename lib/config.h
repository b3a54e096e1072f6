/*
 * config.h — claimwire's one configuration file (YAML, read with libyaml).
 *
 *   kafka:                  # passed to librdkafka unchanged (any property)
 *     bootstrap.servers: "broker1:9092"
 *   redis:
 *     host: 127.0.0.1
 *     port: 6379
 *   extract:
 *     threshold: 0.5
 *   match:
 *     thresholds:
 *       confirm: 0.8        # nested maps become dotted keys: match.thresholds.confirm
 *
 * Every key but those under `kafka:` must be declared in a schema (struct
 * cw_config_key); an unknown key, a value of the wrong type or out of range
 * stops startup with "FILE:LINE: unknown key 'treshold' in 'match'".
 *
 * Later sources override earlier ones: schema defaults, the file, environment
 * variables (CLAIMWIRE_<KEY> with dots as underscores, upper-case:
 * CLAIMWIRE_MATCH_THRESHOLDS_CONFIRM=0.9; CLAIMWIRE_KAFKA_BOOTSTRAP_SERVERS sets
 * kafka.bootstrap.servers), then -X key=value on the command line
 * (-X match.thresholds.confirm=0.9, -X kafka.linger.ms=5).
 */
#ifndef CW_CONFIG_H
#define CW_CONFIG_H

#include <stddef.h>
#include <stdio.h>

enum cw_conf_type {
	CW_CONF_STRING,
	CW_CONF_INT,    /* long long, within [min, max] */
	CW_CONF_DOUBLE, /* within [min, max] */
	CW_CONF_BOOL,   /* true/false, yes/no, on/off, 1/0 */
	CW_CONF_LIST,   /* YAML sequence of scalars, or comma-separated in env/-X */
};

/* One declared key.  Arrays of these end with an entry whose name is NULL. */
struct cw_config_key {
	const char *name; /* full dotted name: "match.thresholds.confirm" */
	enum cw_conf_type type;
	const char *def;  /* default as text, NULL for none (unset) */
	double min, max;  /* range for INT and DOUBLE; ignored when min == max */
	const char *help; /* one line, shown by `claimwire config --list` */
};

struct cw_config;

/* Creates a configuration holding the defaults of every key in schemas, a
 * NULL-terminated array of key arrays.  The schemas must outlive the config.
 * Free with cw_config_free(). */
struct cw_config *cw_config_new(const struct cw_config_key *const *schemas);
void cw_config_free(struct cw_config *cfg);

/* Reads a YAML file.  On error fills errstr with "PATH:LINE: message" naming
 * the key, and returns CW_ERR_INVALID (or CW_ERR_IO when unreadable). */
int cw_config_load_file(struct cw_config *cfg, const char *path, char *errstr, size_t errsize);

/* Applies CLAIMWIRE_* variables from envp (NULL-terminated, like environ).
 * Errors name the variable: "environment CLAIMWIRE_X: ...".  A CLAIMWIRE_
 * variable that names no declared key is an error, except these two, which
 * are not configuration keys: CLAIMWIRE_CONFIG (the configuration file when
 * no --config is given, see cli.h) and CLAIMWIRE_HOME.  In CLAIMWIRE_KAFKA_*
 * names every '_' becomes '.' (CLAIMWIRE_KAFKA_LINGER_MS → kafka.linger.ms).
 * LIST values are comma-separated; an empty value unsets a STRING or LIST key
 * (CLAIMWIRE_REDIS_SOCKET= goes back to host and port). */
int cw_config_load_env(struct cw_config *cfg, char *const *envp, char *errstr, size_t errsize);

/* Sets one key from "key=value" text (a -X argument); origin names where it
 * came from in messages ("-X").  Keys under "kafka." are always accepted. */
int cw_config_set_arg(struct cw_config *cfg, const char *arg, const char *origin, char *errstr,
                      size_t errsize);

/* Getters.  key must be declared in the schema (a bug otherwise: aborts with a
 * message); an unset key without default gives NULL / 0 / false.
 * cw_config_str also reads any key (a LIST as "a,b,c") and "kafka.*"
 * properties (NULL when not set); cw_config_double also reads INT keys.
 * In YAML, a null value (`socket:` or `socket: ~`) unsets a STRING or LIST
 * key; a map whose keys are all commented out (`match:`) is accepted. */
const char *cw_config_str(const struct cw_config *cfg, const char *key);
long long cw_config_int(const struct cw_config *cfg, const char *key);
double cw_config_double(const struct cw_config *cfg, const char *key);
int cw_config_bool(const struct cw_config *cfg, const char *key);
/* LIST: number of items and item i (borrowed). */
size_t cw_config_list_count(const struct cw_config *cfg, const char *key);
const char *cw_config_list_item(const struct cw_config *cfg, const char *key, size_t i);

/* Whether some schema declares key (getters abort on undeclared keys). */
int cw_config_is_declared(const struct cw_config *cfg, const char *key);

/* Whether a key was set by file, environment or -X (not just defaulted). */
int cw_config_is_set(const struct cw_config *cfg, const char *key);

/* Where a key's value came from: "deploy/claimwire.yaml:12", "-X",
 * "environment CLAIMWIRE_X", or "default".  Borrowed. */
const char *cw_config_origin(const struct cw_config *cfg, const char *key);

/* Calls fn for every key set under prefix (for "kafka": every librdkafka
 * property, name without the "kafka." prefix), in file order.  Stops and
 * returns fn's value when it is non-zero.  The order is that in which keys
 * were first set: the file, then the environment, then -X.  Keys set to
 * nothing are skipped; prefix NULL or "" visits every set key by full name. */
int cw_config_foreach(const struct cw_config *cfg, const char *prefix,
                      int (*fn)(const char *name, const char *value, const char *origin,
                                void *opaque),
                      void *opaque);

/* Writes every key with its value and origin, one "key = value  # origin" a
 * line, for `--check-config -v` and debugging: declared keys in schema order,
 * then kafka properties.  Unset values print as "(unset)"; passwords and
 * secrets as "(hidden)". */
void cw_config_dump(const struct cw_config *cfg, FILE *out);

#endif
