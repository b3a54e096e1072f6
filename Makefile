# claimwire — one non-recursive Makefile.
#
#   make            build build/claimwire
#   make test       install missing packages, build, run unit + integration tests
#   make run        install missing packages, build, run the pipeline on examples/
#   make bench      benchmarks (extract, retrieval, match), each beside a baseline
#   make fuzz       libFuzzer targets under ASan/UBSan (needs clang)
#   make asan | ubsan | valgrind | format | install | clean
#
# BUILD=dir puts every output under dir (default build/).  WERROR=1 adds -Werror.

BUILD   ?= build
PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
VERSION := 0.1.0

PKGS     := rdkafka hiredis libprotobuf-c yaml-0.1 libutf8proc libxxhash libmicrohttpd sqlite3 jansson
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wpointer-arith -Wcast-qual -Wwrite-strings -Wvla -Wformat=2 -fno-common
OPT     ?= -O2 -g
CFLAGS  ?=
CFLAGS  += -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) $(if $(WERROR),-Werror) \
           -DCW_VERSION='"$(VERSION)"' -DCW_DATADIR='"$(PREFIX)/share/claimwire"' -I. -I$(BUILD) $(PKG_CFLAGS) $(SAN)
LDFLAGS += $(SAN)
LDLIBS  += $(PKG_LIBS) -lstemmer -lm -lpthread

PROTO_C := $(BUILD)/proto/claimwire.pb-c.c
PROTO_H := $(BUILD)/proto/claimwire.pb-c.h

LIB_SRC   := $(wildcard lib/*.c)
STAGE_SRC := $(wildcard ingest/*.c extract/*.c match/*.c report/*.c)
CLI_SRC   := $(wildcard cli/*.c)
UNIT_SRC  := $(wildcard tests/unit/*.c)
BENCH_SRC := $(wildcard tests/bench/*.c)
FUZZ_SRC  := $(wildcard tests/fuzz/*.c)

LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/%.o) $(PROTO_C:.c=.o)
STAGE_OBJ := $(STAGE_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ   := $(CLI_SRC:%.c=$(BUILD)/%.o)
UNIT_OBJ  := $(UNIT_SRC:%.c=$(BUILD)/%.o)

LIBCW   := $(BUILD)/libclaimwire.a
STAGES  := $(BUILD)/libstages.a
BIN     := $(BUILD)/claimwire
UNIT    := $(BUILD)/test-unit
BENCHES := $(BENCH_SRC:tests/bench/%.c=$(BUILD)/bench-%)

.PHONY: all deps test unit it run bench fuzz asan ubsan valgrind format install clean
all: $(BIN)

deps:
	@sh deploy/deps.sh

$(PROTO_C) $(PROTO_H): proto/claimwire.proto
	@mkdir -p $(BUILD)
	protoc-c --c_out=$(BUILD) $<

# Every object may include the generated header.
$(LIB_OBJ) $(STAGE_OBJ) $(CLI_OBJ) $(UNIT_OBJ): | $(PROTO_H)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/proto/%.o: $(BUILD)/proto/%.c
	$(CC) $(filter-out -W%,$(CFLAGS)) -c -o $@ $<

$(LIBCW): $(LIB_OBJ)
	$(AR) rcs $@ $^

$(STAGES): $(STAGE_OBJ)
	$(AR) rcs $@ $^

$(BIN): $(CLI_OBJ) $(STAGES) $(LIBCW)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(STAGES) $(LIBCW) $(LDLIBS)

$(UNIT): $(UNIT_OBJ) $(STAGES) $(LIBCW)
	$(CC) $(LDFLAGS) -o $@ $(UNIT_OBJ) $(STAGES) $(LIBCW) $(LDLIBS) -lcriterion

$(BUILD)/bench-%: tests/bench/%.c $(STAGES) $(LIBCW) | $(PROTO_H)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(STAGES) $(LIBCW) $(LDLIBS)

# The tests: unit tests (Criterion), then the integration tests in tests/it
# against a real redis-server and the embedded broker.  tests/run prints the
# summary line last.
test: deps
	@$(MAKE) --no-print-directory all $(UNIT)
	@sh tests/run $(BUILD)

unit: $(UNIT)
	$(UNIT)

it: $(BIN)
	@sh tests/run $(BUILD) it

run: deps
	@$(MAKE) --no-print-directory all
	$(BIN) run --config deploy/claimwire.yaml --kb examples/kb/factchecks.jsonl examples/articles

bench: all $(BENCHES)
	@sh tests/bench/run $(BUILD)

FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -O1 -g -I. -I$(BUILD)/fuzz $(PKG_CFLAGS) \
               -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
fuzz:
	@sh tests/fuzz/run

asan:
	$(MAKE) BUILD=build/asan SAN='-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer' OPT='-O1 -g' test

ubsan:
	$(MAKE) BUILD=build/ubsan SAN='-fsanitize=undefined -fno-sanitize-recover=all' OPT='-O1 -g' test

valgrind: $(UNIT)
	CRITERION_NO_EARLY_EXIT=1 valgrind --error-exitcode=1 --leak-check=full --trace-children=yes $(UNIT) --jobs=1

format:
	clang-format -i $(LIB_SRC) $(STAGE_SRC) $(CLI_SRC) $(UNIT_SRC) $(BENCH_SRC) $(FUZZ_SRC) \
		$(wildcard lib/*.h ingest/*.h extract/*.h match/*.h report/*.h cli/*.h tests/*/*.h)

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/claimwire/examples
	install -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/claimwire
	install -m 0644 extract/checkworthiness.weights match/matcher.weights $(DESTDIR)$(PREFIX)/share/claimwire/
	install -m 0644 examples/kb/factchecks.jsonl deploy/claimwire.yaml $(DESTDIR)$(PREFIX)/share/claimwire/examples/

clean:
	rm -rf $(BUILD) out

-include $(wildcard $(BUILD)/*/*.d $(BUILD)/*/*/*.d)
