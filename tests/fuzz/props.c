/* props.c -- libFuzzer target: .properties parsing (broker/common/props.c)
 * and the two configuration loaders built on it: the broker's
 * server.properties (broker/kafka/config.c: every Kafka 2.5 key, types,
 * ranges, listeners) and the coordinator's zoo.cfg (broker/zookeeper/
 * config.c). A bad value must give an error message, never a crash, a
 * sanitizer report or a leak. */
#include "config.h"
#include "fuzz.h"
#include "logger.h"
#include "props.h"
#include "zk.h"

static char path[512];

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    snprintf(path, sizeof path, "%s/input.properties", fuzz_scratch("props"));
    log_open("/dev/null", 0, LOG_TRACE);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char err[1024];
    props *p = props_parse_err((const char *)data, size, err, sizeof err);
    if (p) {
        for (size_t i = 0; i < props_count(p); i++)
            if (props_get(p, props_key(p, i)) == NULL) {
                fprintf(stderr, "props: key %zu not found by props_get\n", i);
                abort();
            }
        props_free(p);
    }
    fuzz_write_file(path, data, size);
    broker_config c;
    memset(&c, 0, sizeof c);
    if (config_load(&c, path, 0, NULL, err, sizeof err) == 0)
        config_free(&c);
    zk_config zc;
    memset(&zc, 0, sizeof zc);
    zk_config_load(&zc, path, err, sizeof err);
    return 0;
}
