/* fuzz_broker.h -- the in-process broker's first steps, shared by the
 * targets that run one (kafka_request, replica_fetcher): its
 * server.properties written and loaded, its data directory, the -Xmx1G
 * ceiling of kafka-server-start.sh, its event loop. Aborts, naming the
 * target, if the configuration does not load. */
#ifndef FUZZ_BROKER_H
#define FUZZ_BROKER_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "broker.h"
#include "fuzz.h"
#include "memlimit.h"

static inline void fuzz_broker_configure(const char *target, const char *dir,
                                         const char *properties, size_t len) {
    char path[512], err[512];
    snprintf(path, sizeof path, "%s/server.properties", dir);
    fuzz_write_file(path, properties, len);
    char data[512];
    snprintf(data, sizeof data, "%s/data", dir);
    mkdir(data, 0755);
    if (config_load(&B.cfg, path, 0, NULL, err, sizeof err) != 0) {
        fprintf(stderr, "%s: %s\n", target, err);
        abort();
    }
    B.id = B.cfg.broker_id;
    memlimit_set((size_t)1 << 30); /* kafka-server-start.sh's -Xmx1G */
    B.el = aeCreateEventLoop(1024);
    if (!B.el)
        abort();
}

#endif
