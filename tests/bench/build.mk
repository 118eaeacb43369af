# tests/bench/build.mk -- the programs `make bench` runs (tests/bench/run):
# kbench, a librdkafka load generator, mock_cluster, librdkafka's
# in-memory mock broker as the reference peer, and group_bench (consumer
# groups), zk_bench (the coordinator), write_floor (what receiving and
# keeping bytes costs with no protocol at all) and repl_floor (the same for
# three replicas: receive, CRC-32C, write, sendfile to two followers that
# receive, CRC-32C and write).  Included by the Makefile; not part of `all`
# or `test`.
BENCH_BINS = $(BUILD)/bench/kbench $(BUILD)/bench/mock_cluster $(BUILD)/bench/group_bench $(BUILD)/bench/zk_bench \
	$(BUILD)/bench/write_floor $(BUILD)/bench/repl_floor
$(BUILD)/bench/zk_bench: LDFLAGS += -Wl,--no-as-needed -lzookeeper_mt

$(BUILD)/bench/%: tests/bench/%.c tests/bench/bench_clock.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/bench $(LDFLAGS) -o $@ $< -lrdkafka -lpthread

# repl_floor checksums with the broker's own CRC-32C (libcommon.a)
$(BUILD)/bench/repl_floor: tests/bench/repl_floor.c tests/bench/bench_clock.h $(BUILD)/libcommon.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/bench $(LDFLAGS) -o $@ $< $(BUILD)/libcommon.a
