/* service_notify.h -- what a daemon run as a systemd Type=notify service
 * tells systemd (sd_notify(3), through libsystemd): READY=1 once it serves,
 * STATUS= lines that `systemctl status` shows while it starts, recovers or
 * stops, EXTEND_TIMEOUT_USEC= while a long recovery is making progress, and
 * WATCHDOG=1 from a timer of the event loop when the unit sets WatchdogSec=,
 * so a loop that stops turning gets the daemon killed and restarted.
 *
 * Used by the broker and the coordinator. Every call is a no-op when the
 * daemon was not started by systemd (no $NOTIFY_SOCKET). */
#ifndef COMMON_SERVICE_NOTIFY_H
#define COMMON_SERVICE_NOTIFY_H

#include "ae.h"

/* STATUS=<text>. */
void service_notify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* STATUS=<text> and EXTEND_TIMEOUT_USEC: a start-up step (log recovery)
 * that is moving gets more time than the unit's TimeoutStartSec=. */
void service_notify_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* READY=1 with STATUS=<text>: the daemon serves clients. */
void service_notify_ready(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* STOPPING=1 with STATUS=<text>: a clean shutdown has begun. */
void service_notify_stopping(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* When the unit sets WatchdogSec=, arms a timer on el that sends WATCHDOG=1
 * every half of that interval. Returns the interval in ms, or 0 if none. */
long long service_notify_watchdog_start(aeEventLoop *el);

#endif
