# broker/zookeeper/build.mk -- the ZooKeeper-compatible coordinator.
#   $(BUILD)/bin/zookeeper-server   the daemon (installed into libexec/)
#   $(BUILD)/libzk.a                everything but main.o, for the unit tests
ZK_SRC = $(filter-out broker/zookeeper/main.c,$(wildcard broker/zookeeper/*.c))
ZK_OBJ = $(ZK_SRC:%.c=$(BUILD)/%.o)
ZK_SERVER = $(BUILD)/bin/zookeeper-server

.DEFAULT_GOAL := all
PROJECT_CFLAGS += -Ibroker/zookeeper
BINS += $(ZK_SERVER)
MODULE_LIBS += $(BUILD)/libzk.a

$(BUILD)/libzk.a: $(ZK_OBJ)
	ar rcs $@ $^

$(ZK_SERVER): $(BUILD)/broker/zookeeper/main.o $(BUILD)/libzk.a $(BUILD)/libcommon.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) $(SYSTEMD_LIBS) $(MALLOC_LIBS)
