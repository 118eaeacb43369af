/* main.c -- the kafka-server daemon: reads server.properties, recovers the
 * logs, joins the cluster through ZooKeeper, serves clients on one event
 * loop, and shuts down cleanly on SIGTERM/SIGINT. SIGHUP reopens the logs.
 * KAFKA_HEAP_OPTS -Xmx is the ceiling of its own memory (memlimit.h).
 *
 *   kafka-server [--daemon] server.properties [--override key=value]... */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api.h"
#include "broker.h"
#include "cluster.h"
#include "controlled_shutdown.h"
#include "group.h"
#include "daemon.h"
#include "fetcher.h"
#include "isr_change.h"
#include "log_dir_failure.h"
#include "logger.h"
#include "memlimit.h"
#include "replica.h"
#include "service_notify.h"

#define LOGGER "kafka.server.KafkaServer"
#define MIN_HEAP ((size_t)16 << 20)
#define CRON_MS 100

static void on_signal(int sig) {
    (void)sig;
    B.stop_requested = 1;
}

static void usage(void) {
    fprintf(stderr, "USAGE: kafka-server [--daemon] server.properties [--override property=value]*\n");
    exit(1);
}

/* On SIGTERM: first a controlled shutdown (the loop keeps serving while
 * the controller moves this broker's leaderships), then stop the loop. */
static void maybe_stop(aeEventLoop *el) {
    static int handing_over;
    if (!B.stop_requested)
        return;
    if (!handing_over && B.cfg.controlled_shutdown_enable && B.registered) {
        handing_over = 1;
        controlled_shutdown_start();
    }
    if (!handing_over || controlled_shutdown_done())
        aeStop(el);
}

static int cron(aeEventLoop *el, long long id, void *arg) {
    (void)id;
    (void)arg;
    maybe_stop(el);
    log_tick();
    topics_periodic(ae_mono_ms());
    replica_periodic(ae_mono_ms());
    controller_periodic(ae_mono_ms());
    isr_change_periodic(ae_mono_ms());
    logdir_failure_periodic();
    group_periodic(ae_mono_ms());
    cluster_periodic(ae_mono_ms());
    return CRON_MS;
}

static void before_sleep(aeEventLoop *el) {
    group_flush_answers();
    fetch_before_sleep();
    replica_before_sleep();
    network_before_sleep();
    maybe_stop(el);
}

int main(int argc, char **argv) {
    int as_daemon = 0;
    const char *props_path = NULL;
    char **overrides = calloc((size_t)argc + 1, sizeof(char *));
    int noverrides = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--daemon") || !strcmp(argv[i], "-daemon"))
            as_daemon = 1;
        else if (!strcmp(argv[i], "--override")) {
            if (++i >= argc)
                usage();
            overrides[noverrides++] = argv[i];
        } else if (!props_path && argv[i][0] != '-')
            props_path = argv[i];
        else
            usage();
    }
    if (!props_path)
        usage();

    const char *log_dir = getenv("LOG_DIR");
    if (!log_dir || !*log_dir)
        log_dir = "logs";
    mkdir(log_dir, 0755);
    char log_path[4096];
    snprintf(log_path, sizeof(log_path), "%s/server.log", log_dir);

    /* KAFKA_HEAP_OPTS is checked before detaching, so that a bad value
     * fails the start script with the message on the terminal. */
    heap_opts heap;
    size_t heap_limit;
    char heap_source[512], err[512];
    if (memlimit_from_env("kafka-server-start.sh", "-Xmx1G -Xms1G", MIN_HEAP, &heap, &heap_limit,
                          heap_source, sizeof(heap_source), err, sizeof(err)) != 0) {
        log_open(log_path, 0, LOG_INFO);
        log_error("kafka.Kafka$", "Cannot start: %s", err);
        fprintf(stderr, "Cannot start: %s\n", err);
        return 1;
    }
    memlimit_set(heap_limit);

    if (as_daemon) {
        char out_path[4096];
        snprintf(out_path, sizeof(out_path), "%s/kafkaServer.out", log_dir);
        daemonize(out_path);
    }
    if (log_open(log_path, !as_daemon, LOG_INFO) != 0)
        fprintf(stderr, "Cannot open %s: %s\n", log_path, strerror(errno));
    /* Kafka's config/log4j.properties: the controller and the state-change
     * logger have files of their own, at TRACE. */
    log_route("kafka.controller", "controller.log", LOG_TRACE);
    log_route("state.change.logger", "state-change.log", LOG_TRACE);
    log_reopen_on_sighup();

    if (config_load(&B.cfg, props_path, noverrides, overrides, err, sizeof(err)) != 0) {
        log_error("kafka.Kafka$", "%s", err);
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    free(overrides);
    B.id = B.cfg.broker_id;
    if (B.id < 0) {
        log_error(LOGGER, "broker.id must be set (automatic broker id generation is not supported)");
        return 1;
    }
    log_info(LOGGER, "[KafkaServer id=%d] starting", B.id);
    config_log_values(&B.cfg);
    {
        char l[32], a[32], x[32];
        log_info(LOGGER,
                 "Memory ceiling %s (%zu bytes) from %s: requests are read while the broker's "
                 "buffers stay under %s; the page cache is not counted",
                 memlimit_human(heap_limit, l, sizeof(l)), heap_limit, heap_source,
                 memlimit_human(memlimit_admission(), a, sizeof(a)));
        if (heap.xms)
            log_info(LOGGER, "Initial heap size %s accepted (memory is taken as it is needed)",
                     memlimit_human(heap.xms, x, sizeof(x)));
        if ((size_t)B.cfg.socket_request_max_bytes + 4 > memlimit_admission())
            log_warn(LOGGER,
                     "socket.request.max.bytes=%d is more than the memory ceiling admits for "
                     "one request (%s): larger requests close their connection",
                     B.cfg.socket_request_max_bytes, a);
    }

    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    B.el = aeCreateEventLoop(65536);
    if (!B.el) {
        log_error(LOGGER, "Cannot create the event loop");
        return 1;
    }
    long long watchdog_ms = service_notify_watchdog_start(B.el);
    if (watchdog_ms)
        log_info(LOGGER, "systemd watchdog: %lld ms, notified every %lld ms", watchdog_ms,
                 watchdog_ms / 2);
    logdirs_create_and_validate();
    if (topics_load_checkpoints() != 0)
        return 1;
    if (cluster_start() != 0) {
        cluster_stop();
        topics_close_all();
        return 1;
    }
    if (network_listen() != 0) {
        cluster_stop();
        topics_close_all();
        return 1;
    }
    aeCreateTimeEvent(B.el, CRON_MS, cron, NULL);
    aeSetBeforeSleepProc(B.el, before_sleep);
    log_info(LOGGER, "[KafkaServer id=%d] started", B.id);
    /* logs recovered, registered in ZooKeeper, listeners bound */
    service_notify_ready("Serving as broker %d on port %d", B.id,
                         B.cfg.nlisteners ? B.cfg.listeners[0].port : -1);
    aeMain(B.el);

    /* Graceful stop: no new connections, answer what is in flight, flush,
     * checkpoint, leave the cluster. */
    log_info(LOGGER, "[KafkaServer id=%d] shutting down", B.id);
    service_notify_stopping("Shutting down broker %d", B.id);
    B.shutting_down = 1;
    network_stop_accepting();
    fetcher_shutdown();
    replica_abort_waiters();
    fetch_abort_all();
    group_shutdown();
    network_close_all();
    cluster_stop();
    topics_close_all();
    {
        char pk[32], l[32];
        log_info(LOGGER, "Peak memory held for clients: %s of the %s ceiling",
                 memlimit_human(memlimit_peak(), pk, sizeof(pk)),
                 memlimit_human(memlimit_limit(), l, sizeof(l)));
    }
    log_info(LOGGER, "[KafkaServer id=%d] shut down completed", B.id);
    log_close();
    return 0;
}
