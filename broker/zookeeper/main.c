/* main.c -- the zookeeper-server daemon: a ZooKeeper-compatible coordinator
 * (standalone, or one server of an ensemble: see ENSEMBLE.md). Reads zoo.cfg / zookeeper.properties, recovers the tree,
 * sessions and zxid from dataDir, serves clients on one event loop, and on
 * SIGTERM/SIGINT syncs the log and exits (sessions stay; their clients
 * reconnect after a restart). SIGHUP reopens zookeeper.log. KAFKA_HEAP_OPTS
 * -Xmx is read and watched (heap.c).
 *
 *   zookeeper-server [--daemon] zookeeper.properties
 *
 * Logs (log4j layout) go to $LOG_DIR/zookeeper.log (LOG_DIR defaults to
 * "logs") and to stdout; with --daemon, stdout and stderr go to
 * $LOG_DIR/zookeeper.out as with Kafka's zookeeper-server-start.sh -daemon. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon.h"
#include "logger.h"
#include "service_notify.h"
#include "zk.h"

#define LOGGER "org.apache.zookeeper.server.ZooKeeperServerMain"

static volatile sig_atomic_t stop_sender;

static void on_signal(int sig, siginfo_t *si, void *ctx) {
    (void)sig;
    (void)ctx;
    stop_sender = si ? si->si_pid : 0;
    Z.stop_requested = 1;
}

static void usage(void) {
    fprintf(stderr, "USAGE: zookeeper-server [--daemon] zookeeper.properties\n");
    exit(2);
}

int main(int argc, char **argv) {
    int as_daemon = 0;
    const char *cfg_path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--daemon") || !strcmp(argv[i], "-daemon"))
            as_daemon = 1;
        else if (!cfg_path && argv[i][0] != '-')
            cfg_path = argv[i];
        else
            usage();
    }
    if (!cfg_path)
        usage();
    const char *log_dir = getenv("LOG_DIR");
    if (!log_dir || !*log_dir)
        log_dir = "logs";
    mkdir(log_dir, 0755);
    /* Check the configuration before detaching, so a bad file fails the
     * start script with the message on the terminal. */
    char err[1024];
    log_open(NULL, 0, LOG_ERROR); /* warnings are logged by the second load */
    if (zk_config_load(&Z.cfg, cfg_path, err, sizeof err) != 0) {
        fprintf(stderr, "Invalid config, exiting abnormally: %s\n", err);
        return 2;
    }
    char log_path[4096];
    snprintf(log_path, sizeof log_path, "%s/zookeeper.log", log_dir);
    if (zk_heap_init(err, sizeof err) != 0) {
        log_open(log_path, 0, LOG_INFO);
        log_error(LOGGER, "Cannot start: %s", err);
        fprintf(stderr, "Cannot start: %s\n", err);
        return 2;
    }
    if (as_daemon) {
        char out_path[4096];
        snprintf(out_path, sizeof(out_path), "%s/zookeeper.out", log_dir);
        daemonize(out_path);
    }
    if (log_open(log_path, 1, LOG_INFO) != 0)
        fprintf(stderr, "Cannot open %s: %s\n", log_path, strerror(errno));
    log_reopen_on_sighup();
    /* Log the warnings of the config (unknown keys) too. */
    zk_config_load(&Z.cfg, cfg_path, err, sizeof err);
    log_info(LOGGER, "Starting server (%s)", ZK_VERSION_STRING);
    zk_heap_init(err, sizeof err); /* checked above: now the figure goes to the log */

    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    Z.min_lat = -1;
    Z.el = aeCreateEventLoop(65536);
    if (Z.el) {
        long long watchdog_ms = service_notify_watchdog_start(Z.el);
        if (watchdog_ms)
            log_info(LOGGER, "systemd watchdog: %lld ms, notified every %lld ms", watchdog_ms,
                     watchdog_ms / 2);
    }
    if (!Z.el || zk_server_init() != 0) {
        log_error(LOGGER, "Unable to start the server; exiting");
        return 1;
    }
    log_info(LOGGER, "Started, serving clients on port %d", Z.cfg.client_port);
    /* in an ensemble, ready once a quorum serves (quorum.c) */
    if (Z.role == ZK_ROLE_STANDALONE)
        service_notify_ready("Serving clients on port %d (standalone)", Z.cfg.client_port);
    else if (!Z.serving)
        service_notify_status("Looking for a quorum of %d servers", Z.cfg.npeers / 2 + 1);
    zk_server_run();
    if (stop_sender > 0) { /* who asked: helps when a stray script stops servers */
        char path[64], cmd[256] = "";
        snprintf(path, sizeof path, "/proc/%d/cmdline", (int)stop_sender);
        FILE *f = fopen(path, "r");
        if (f) {
            size_t n = fread(cmd, 1, sizeof cmd - 1, f);
            for (size_t i = 0; i < n; i++)
                cmd[i] = cmd[i] ? cmd[i] : ' ';
            cmd[n] = '\0';
            fclose(f);
        }
        log_info(LOGGER, "Shutting down (signal from pid %d: %s)", (int)stop_sender, cmd);
    } else {
        log_info(LOGGER, "Shutting down");
    }
    service_notify_stopping("Shutting down");
    zk_server_shutdown();
    log_info(LOGGER, "Shutdown complete");
    log_close();
    return 0;
}
