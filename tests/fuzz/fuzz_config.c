/*
 * fuzz_config.c — libFuzzer target for the configuration file reader
 * (lib/config.c): any bytes written as a YAML file must load or fail with a
 * message, never crash, leak or read out of bounds.  The schema has one key of
 * every type under nested sections so that the fuzzer reaches values, lists,
 * ranges and the kafka pass-through, not just the YAML scanner.
 *
 *   clang -fsanitize=fuzzer,address,undefined -I. $(pkg-config --cflags --libs yaml-0.1) \
 *         tests/fuzz/fuzz_config.c lib/config.c lib/common.c lib/log.c
 *   ./a.out -max_total_time=60 tests/fuzz/seeds/config
 *
 * fuzz-sources: lib/config.c lib/common.c lib/log.c
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create */
#endif
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lib/config.h"

static const struct cw_config_key fuzz_keys[] = {
    {"log.level", CW_CONF_STRING, "info", 0, 0, "level"},
    {"match.thresholds.confirm", CW_CONF_DOUBLE, "0.8", 0, 1, "confirm"},
    {"match.top_k", CW_CONF_INT, "5", 1, 100, "candidates"},
    {"match.rerank", CW_CONF_BOOL, "true", 0, 0, "re-rank"},
    {"match.publishers", CW_CONF_LIST, "a,b", 0, 0, "publishers"},
    {"redis.socket", CW_CONF_STRING, NULL, 0, 0, "socket"},
    {"redis.port", CW_CONF_INT, "6379", 1, 65535, "port"},
    {NULL, 0, NULL, 0, 0, NULL},
};
static const struct cw_config_key *const fuzz_schemas[] = {fuzz_keys, NULL};

static int count_property(const char *name, const char *value, const char *origin, void *opaque)
{
	/* touch every byte so that ASan sees a bad string */
	*(size_t *)opaque += strlen(name) + strlen(value) + strlen(origin);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64], err[512];
	size_t total = 0;
	int fd = memfd_create("claimwire-config", 0);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	struct cw_config *cfg = cw_config_new(fuzz_schemas);
	if (cw_config_load_file(cfg, path, err, sizeof(err)) == 0) {
		(void)cw_config_str(cfg, "log.level");
		(void)cw_config_double(cfg, "match.thresholds.confirm");
		(void)cw_config_int(cfg, "match.top_k");
		(void)cw_config_bool(cfg, "match.rerank");
		for (size_t i = 0; i < cw_config_list_count(cfg, "match.publishers"); i++)
			total += strlen(cw_config_list_item(cfg, "match.publishers", i));
		cw_config_foreach(cfg, "kafka", count_property, &total);
		cw_config_foreach(cfg, NULL, count_property, &total);
		(void)cw_config_origin(cfg, "redis.port");
	} else {
		total += strlen(err);
	}
	cw_config_free(cfg);
	close(fd);
	return total == (size_t)-1; /* keeps total from being optimised away */
}
