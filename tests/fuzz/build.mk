# tests/fuzz/build.mk -- the libFuzzer targets (tests/fuzz/*.c), built with
# clang and -fsanitize=fuzzer,address,undefined into $(BUILD)/fuzz/ with
# their own copy of the project's objects. Included by the Makefile; not part
# of `all` or `test`.
#
#   make fuzz                    build every target, replay tests/fuzz/corpus/,
#                                then fuzz each target FUZZ_SECONDS (default 60)
#   make fuzz FUZZ_SECONDS=0     build and replay only
#   make fuzz FUZZ_TARGETS=records FUZZ_SECONDS=600
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_BUILD = $(BUILD)/fuzz
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS = -std=gnu11 -O1 -g $(WARN) -D_GNU_SOURCE -Ibroker/common -Ibroker/kafka \
	-Ibroker/zookeeper -Ibroker/tools -Itests/fuzz $(FUZZ_SAN)
FUZZ_LIB_OBJ = $(patsubst %.c,$(FUZZ_BUILD)/%.o,$(COMMON_SRC) $(KAFKA_SRC) $(ZK_SRC) $(TOOLS_LIB_SRC))
FUZZ_ALL = $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/*.c))
FUZZ_TARGETS ?= $(FUZZ_ALL)
FUZZ_BINS = $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/bin/%)

$(FUZZ_BUILD)/broker/%.o: broker/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(FUZZ_BUILD)/libfuzzproj.a: $(FUZZ_LIB_OBJ)
	ar rcs $@ $^

$(FUZZ_BUILD)/bin/%: tests/fuzz/%.c tests/fuzz/fuzz.h tests/fuzz/fuzz_broker.h $(FUZZ_BUILD)/libfuzzproj.a
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_BUILD)/libfuzzproj.a $(LIBS) $(SYSTEMD_LIBS)

fuzz-build: $(FUZZ_BINS)

fuzz: $(FUZZ_BINS)
	tests/fuzz/run $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

.PHONY: fuzz fuzz-build
