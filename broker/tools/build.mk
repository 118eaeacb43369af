# broker/tools/build.mk -- the command-line tools (kafka-topics.sh & co).
#
# Each tool is one program, $(BUILD)/bin/kafka-<name>, built from
# broker/tools/kafka_<name>.c, installed into libexec/ and started by
# bin/kafka-<name>.sh. They share libtools.a: option parsing, the admin
# client, output helpers and the synchronous ZooKeeper helpers of the
# --zookeeper modes and zookeeper-shell (zk_sync.c, zk_admin.c); Kafka's
# error table is libcommon's (kafka_errors.c, the broker logs error names
# too). The console producer and consumer also link librdkafka.

TOOLS_LIB_SRC = broker/tools/opts.c broker/tools/admin.c broker/tools/tools_util.c \
	broker/tools/tools_offsets.c broker/tools/tools_inputs.c \
	broker/tools/rdk_log.c broker/tools/zk_sync.c broker/tools/zk_admin.c broker/tools/tools_election.c \
	broker/tools/tools_dups.c broker/tools/tools_args.c
TOOLS_LIB = $(BUILD)/libtools.a
TOOLS_PLAIN = kafka-topics kafka-configs kafka-broker-api-versions kafka-delete-records kafka-dump-log
TOOLS_PLAIN += kafka-consumer-groups
TOOLS_PLAIN += kafka-log-dirs zookeeper-shell kafka-leader-election kafka-reassign-partitions
TOOLS_PLAIN += kafka-preferred-replica-election
TOOLS_RDKAFKA = kafka-console-producer kafka-console-consumer kafka-verifiable-producer kafka-verifiable-consumer kafka-producer-perf-test kafka-consumer-perf-test
TOOLS_RDKAFKA += connect-standalone
# only tools whose source exists (lets the list run ahead of the code)
tools_src = broker/tools/$(subst -,_,$(1)).c
TOOLS_PLAIN := $(foreach t,$(TOOLS_PLAIN),$(if $(wildcard $(call tools_src,$(t))),$(t)))
TOOLS_RDKAFKA := $(foreach t,$(TOOLS_RDKAFKA),$(if $(wildcard $(call tools_src,$(t))),$(t)))

# the unit tests include the tools' headers too (zk_admin.h)
PROJECT_CFLAGS += -Ibroker/tools
BINS += $(addprefix $(BUILD)/bin/,$(TOOLS_PLAIN) $(TOOLS_RDKAFKA))
MODULE_LIBS += $(TOOLS_LIB)

$(TOOLS_LIB): $(TOOLS_LIB_SRC:%.c=$(BUILD)/%.o)
	ar rcs $@ $^

define tools_rule
$(BUILD)/bin/$(1): $(BUILD)/broker/tools/$(subst -,_,$(1)).o $(TOOLS_LIB) $(BUILD)/libcommon.a
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LIBS) $(2)
endef
$(foreach t,$(TOOLS_PLAIN),$(eval $(call tools_rule,$(t),)))
$(foreach t,$(TOOLS_RDKAFKA),$(eval $(call tools_rule,$(t),-lrdkafka)))

# the unit test of the tools' parsers (tests/unit/test_tools_args.c)
$(BUILD)/tests/unit/test_tools_args.o: PROJECT_CFLAGS += -Ibroker/tools
