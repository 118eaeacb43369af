# Makefile -- builds the broker daemon, its shared library and the tests.
#
#   make                      build everything into build/
#   make test                 unit tests, then integration tests (bats)
#   make unit                 unit tests only
#   SANITIZE=address,undefined make test
#   make install DESTDIR=/tmp/stage PREFIX=/usr/local/kafka
#   make bench                benchmarks (numbers, not pass/fail)
#   make bench-replication    only the three-broker replication section of it
#   make fuzz [FUZZ_SECONDS=N]  libFuzzer targets: replay the corpora, fuzz N s each

CC ?= gcc
PREFIX ?= /usr/local/kafka
BUILD ?= build
OPT ?= -O2
WARN = -Wall -Wextra -Wno-missing-field-initializers
PROJECT_CFLAGS = -std=gnu11 $(OPT) -g $(WARN) -D_GNU_SOURCE -Ibroker/common -Ibroker/kafka
LIBS = -lz -llz4 -lzstd -lsnappy -lm
MALLOC_LIBS = -ljemalloc

ifneq ($(SANITIZE),)
PROJECT_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SANITIZE)
MALLOC_LIBS =
override BUILD := $(BUILD)/san
endif
ifeq ($(WERROR),1)
PROJECT_CFLAGS += -Werror
endif

ALL_CFLAGS = $(PROJECT_CFLAGS) $(CFLAGS)

COMMON_SRC = $(wildcard broker/common/*.c)
KAFKA_SRC = $(filter-out broker/kafka/main.c,$(wildcard broker/kafka/*.c))
UNIT_SRC = $(wildcard tests/unit/test_*.c)

COMMON_OBJ = $(COMMON_SRC:%.c=$(BUILD)/%.o)
KAFKA_OBJ = $(KAFKA_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

SERVER = $(BUILD)/bin/kafka-server

# Each further program lives in its own folder broker/<name>/ with a build.mk
# that adds its binaries to BINS (installed into libexec/) and, when unit
# tests link against it, its library to MODULE_LIBS (listed before
# libkafka.a/libcommon.a, which it may use).
BINS = $(SERVER)
MODULE_LIBS =
.DEFAULT_GOAL := all
include $(sort $(wildcard broker/*/build.mk))
include tests/bench/build.mk
include tests/fuzz/build.mk

all: $(BINS) $(UNIT_BIN)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libcommon.a: $(COMMON_OBJ)
	ar rcs $@ $^

$(BUILD)/libkafka.a: $(KAFKA_OBJ)
	ar rcs $@ $^

$(SERVER): $(BUILD)/broker/kafka/main.o $(BUILD)/libkafka.a $(BUILD)/libcommon.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) $(MALLOC_LIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(MODULE_LIBS) $(BUILD)/libkafka.a $(BUILD)/libcommon.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

integration: $(BINS)
	BUILD=$(BUILD) bats tests/integration

test: unit integration

check: test

bench: $(BINS) $(BENCH_BINS)
	BUILD=$(BUILD) tests/bench/run

bench-replication: $(BINS) $(BENCH_BINS)
	BUILD=$(BUILD) tests/bench/replication

install: $(BINS)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/libexec $(DESTDIR)$(PREFIX)/config $(DESTDIR)$(PREFIX)/logs
	install -m 0755 $(BINS) $(DESTDIR)$(PREFIX)/libexec/
	install -m 0755 bin/*.sh $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 config/* $(DESTDIR)$(PREFIX)/config/

clean:
	rm -rf build

.PHONY: all unit integration test check bench bench-replication install clean
.SECONDARY:

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
