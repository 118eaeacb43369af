# tests/bench/build.mk -- the programs `make bench` runs (tests/bench/run):
# kbench, a librdkafka load generator, mock_cluster, librdkafka's
# in-memory mock broker as the reference peer, and group_bench (consumer
# groups), zk_bench (the coordinator) and write_floor (what receiving and
# keeping bytes costs with no protocol at all).  Included by the Makefile;
# not part of `all` or `test`.
BENCH_BINS = $(BUILD)/bench/kbench $(BUILD)/bench/mock_cluster $(BUILD)/bench/group_bench $(BUILD)/bench/zk_bench \
	$(BUILD)/bench/write_floor
$(BUILD)/bench/zk_bench: LDFLAGS += -Wl,--no-as-needed -lzookeeper_mt

$(BUILD)/bench/%: tests/bench/%.c tests/bench/bench_clock.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/bench $(LDFLAGS) -o $@ $< -lrdkafka -lpthread
