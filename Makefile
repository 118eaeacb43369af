# Makefile -- builds the broker daemon, its shared library and the tests.
#
#   make                      build everything into build/
#   make programs             only the daemons and the tools (what install needs)
#   make test                 unit tests, then integration tests (bats)
#   make unit                 unit tests only
#   make test-coordinator     the broker's integration tests on our coordinator
#   SANITIZE=address,undefined make test
#   make install DESTDIR=/tmp/stage PREFIX=/usr/local/kafka
#   make rpm, make deb        packages (packaging/), into $(BUILD)/packages/
#   make bench                benchmarks (numbers, not pass/fail)
#   make bench-replication    only the three-broker replication section of it
#   make bench-reassign       only the four-broker partition-reassignment section of it
#   make fuzz [FUZZ_SECONDS=N]  libFuzzer targets: replay the corpora, fuzz N s each
#   make lab                  the seven foo.bar hosts in containers, set up by
#                             playbooks/site.yml (scripts/lab.sh); make lab-down
#   make lab-test             a fresh lab, then all its tests (tests/lab/),
#                             each with its time; make lab-ci (CI's lab
#                             stage) is the same

CC ?= gcc
PREFIX ?= /usr/local/kafka
BUILD ?= build
OPT ?= -O2
WARN = -Wall -Wextra -Wno-missing-field-initializers
PROJECT_CFLAGS = -std=gnu11 $(OPT) -g $(WARN) -D_GNU_SOURCE -Ibroker/common -Ibroker/kafka
LIBS = -lz -llz4 -lzstd -lsnappy -lm
MALLOC_LIBS = -ljemalloc
# the daemons' sd_notify (broker/common/service_notify.c)
SYSTEMD_LIBS = $(shell pkg-config --libs libsystemd 2>/dev/null || echo -lsystemd)

ifneq ($(SANITIZE),)
PROJECT_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SANITIZE)
MALLOC_LIBS =
override BUILD := $(BUILD)/san
endif
ifeq ($(WERROR),1)
PROJECT_CFLAGS += -Werror
endif

ALL_CFLAGS = $(PROJECT_CFLAGS) $(CPPFLAGS) $(CFLAGS)

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

programs: $(BINS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libcommon.a: $(COMMON_OBJ)
	ar rcs $@ $^

$(BUILD)/libkafka.a: $(KAFKA_OBJ)
	ar rcs $@ $^

$(SERVER): $(BUILD)/broker/kafka/main.o $(BUILD)/libkafka.a $(BUILD)/libcommon.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) $(SYSTEMD_LIBS) $(MALLOC_LIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(MODULE_LIBS) $(BUILD)/libkafka.a $(BUILD)/libcommon.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) $(SYSTEMD_LIBS)

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

integration: $(BINS)
	BUILD=$(BUILD) bats tests/integration

test: unit integration

# the broker's integration tests on our coordinator, every file (CI runs
# the lean form: tests/on-coordinator.sh --lean)
test-coordinator: $(BINS)
	BUILD=$(BUILD) tests/on-coordinator.sh

check: test

bench: $(BINS) $(BENCH_BINS)
	BUILD=$(BUILD) tests/bench/run

bench-replication: $(BINS) $(BENCH_BINS)
	BUILD=$(BUILD) tests/bench/replication

bench-reassign: $(BINS) $(BENCH_BINS)
	BUILD=$(BUILD) tests/bench/reassign

lab:
	scripts/lab.sh up

lab-down:
	scripts/lab.sh down

# lab.bats first: it brings the lab up and checks site.yml; the others use
# the lab it leaves up (one lab for every test: none converges it again).
# lab-ci, CI's lab stage, runs every lab test too: the previous build's
# .debs of the upgrade test are built once per tree (build/previous-debs/,
# where make test's packaging_container.bats leaves them in CI).
LAB_TESTS = tests/lab/lab.bats $(filter-out tests/lab/lab.bats,$(sort $(wildcard tests/lab/*.bats)))

lab-test lab-ci:
	scripts/lab.sh down
	BUILD=$(BUILD) bats --timing $(LAB_TESTS)

# --- install ----------------------------------------------------------------
# make install DESTDIR=d [PREFIX=p]: a self-contained tree in Kafka's layout,
#   p/bin/*.sh, p/libexec/<programs>, p/config/*.properties, p/logs/.
# make install LAYOUT=package DESTDIR=d [ENVDIR=...] [UNITDIR=...]: what the
#   packages ship (make rpm and make deb take their files from here):
#   /opt/kafka/{bin,libexec}; configs in /etc/kafka, each also reachable as
#   /opt/kafka/config/<file>, with log.dirs=/var/lib/kafka and
#   dataDir=/var/lib/zookeeper; logs in /var/log/kafka (the broker's; also
#   /opt/kafka/logs) and /var/log/zookeeper (the coordinator's), each its
#   service user's, the start scripts' LOG_DIR default (PACKAGE_LOG_DIR) as
#   well as the units'; the systemd
#   units, their environment files in ENVDIR (/etc/default on Debian,
#   /etc/sysconfig on RPM systems) and the sysusers.d entries of the kafka
#   and zookeeper users (README.md, "Packages and services").
# Either way the bin/*.sh scripts are installed with bin/tool-env.sh inlined:
# each stands alone, so the broker's and the coordinator's packages share no
# file.
VERSION := $(shell cat VERSION)
RELEASE ?= 1
ifeq ($(LAYOUT),package)
PREFIX = /opt/kafka
CONFDIR = /etc/kafka
ENVDIR ?= /etc/default
UNITDIR ?= /usr/lib/systemd/system
SYSUSERSDIR ?= /usr/lib/sysusers.d
endif
INLINE_TOOL_ENV = sed -e '\|^\. "$$(dirname "$$0")/tool-env.sh"$$|{' -e 'r bin/tool-env.sh' -e 'd' -e '}'
UNIT_SUBST = sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@CONFDIR@|$(CONFDIR)|g' -e 's|@ENVDIR@|$(ENVDIR)|g'

install: $(BINS)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/libexec
	install -m 0755 $(BINS) $(DESTDIR)$(PREFIX)/libexec/
	set -e; for s in $(filter-out bin/tool-env.sh,$(wildcard bin/*.sh)); do \
	  $(INLINE_TOOL_ENV) $$s > $(DESTDIR)$(PREFIX)/$$s; chmod 0755 $(DESTDIR)$(PREFIX)/$$s; done
ifeq ($(LAYOUT),package)
	install -d $(DESTDIR)$(CONFDIR) $(DESTDIR)$(PREFIX)/config $(DESTDIR)$(ENVDIR) \
	  $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) \
	  $(DESTDIR)/var/lib/kafka $(DESTDIR)/var/lib/zookeeper \
	  $(DESTDIR)/var/log/kafka $(DESTDIR)/var/log/zookeeper
	set -e; for c in $(notdir $(wildcard config/*)); do \
	  install -m 0644 config/$$c $(DESTDIR)$(CONFDIR)/$$c; \
	  ln -sfn $(CONFDIR)/$$c $(DESTDIR)$(PREFIX)/config/$$c; done
	sed -i 's|^log\.dirs=.*|log.dirs=/var/lib/kafka|' $(DESTDIR)$(CONFDIR)/server.properties
	sed -i 's|^dataDir=.*|dataDir=/var/lib/zookeeper|' $(DESTDIR)$(CONFDIR)/zookeeper.properties
	ln -sfn /var/log/kafka $(DESTDIR)$(PREFIX)/logs
	sed -i 's|^PACKAGE_LOG_DIR=$$|PACKAGE_LOG_DIR=/var/log/kafka|' $(DESTDIR)$(PREFIX)/bin/kafka-server-start.sh
	sed -i 's|^PACKAGE_LOG_DIR=$$|PACKAGE_LOG_DIR=/var/log/zookeeper|' $(DESTDIR)$(PREFIX)/bin/zookeeper-server-start.sh
	set -e; for u in kafka-server zookeeper-server; do \
	  $(UNIT_SUBST) packaging/systemd/$$u.service.in > $(DESTDIR)$(UNITDIR)/$$u.service; \
	  chmod 0644 $(DESTDIR)$(UNITDIR)/$$u.service; \
	  install -m 0644 packaging/systemd/$$u.env $(DESTDIR)$(ENVDIR)/$$u; done
	install -m 0644 packaging/systemd/kafka.sysusers $(DESTDIR)$(SYSUSERSDIR)/kafka.conf
	install -m 0644 packaging/systemd/kafka-zookeeper.sysusers $(DESTDIR)$(SYSUSERSDIR)/kafka-zookeeper.conf
else
	install -d $(DESTDIR)$(PREFIX)/config $(DESTDIR)$(PREFIX)/logs
	install -m 0644 config/* $(DESTDIR)$(PREFIX)/config/
endif

# --- packages ---------------------------------------------------------------
# make dist: the source tarball kafka-$(VERSION).tar.gz with the RPM spec at
# its top (rpmbuild -ta builds it anywhere). make rpm / make deb: binary
# packages from it, version $(VERSION) (the VERSION file) and release
# $(RELEASE), into $(PKG_DIR) ($(BUILD)/packages/ unless given).
PKG_DIR = $(abspath $(BUILD))/packages
DIST = $(PKG_DIR)/kafka-$(VERSION).tar.gz

dist:
	packaging/make-dist.sh "$(VERSION)" "$(RELEASE)" "$(DIST)"

rpm: dist
	packaging/rpm/build.sh "$(DIST)" "$(PKG_DIR)"

deb: dist
	packaging/deb/build.sh "$(DIST)" "$(VERSION)" "$(RELEASE)" "$(PKG_DIR)"

clean:
	rm -rf build

.PHONY: all programs unit integration test test-coordinator check bench bench-replication bench-reassign lab lab-down lab-test lab-ci install dist rpm deb clean
.SECONDARY:

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
