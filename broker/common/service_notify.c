/* service_notify.c -- sd_notify messages of a Type=notify daemon (see
 * service_notify.h). */
#include "service_notify.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <systemd/sd-daemon.h>

/* How much more start-up time a progress line buys: a recovery that still
 * moves is never cut short by TimeoutStartSec=, a stuck one is after this. */
#define PROGRESS_EXTEND_USEC (300ULL * 1000 * 1000)

static void notify(const char *head, const char *fmt, va_list ap) {
    char status[512];
    vsnprintf(status, sizeof(status), fmt, ap);
    /* the status text is one line */
    for (char *p = status; *p; p++)
        if (*p == '\n')
            *p = ' ';
    sd_notifyf(0, "%sSTATUS=%s", head, status);
}

void service_notify_status(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    notify("", fmt, ap);
    va_end(ap);
}

void service_notify_progress(const char *fmt, ...) {
    char head[64];
    snprintf(head, sizeof(head), "EXTEND_TIMEOUT_USEC=%llu\n", PROGRESS_EXTEND_USEC);
    va_list ap;
    va_start(ap, fmt);
    notify(head, fmt, ap);
    va_end(ap);
}

void service_notify_ready(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    notify("READY=1\n", fmt, ap);
    va_end(ap);
}

void service_notify_stopping(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    notify("STOPPING=1\n", fmt, ap);
    va_end(ap);
}

static int watchdog_tick(aeEventLoop *el, long long id, void *arg) {
    (void)el;
    (void)id;
    sd_notify(0, "WATCHDOG=1");
    return (int)(intptr_t)arg;
}

long long service_notify_watchdog_start(aeEventLoop *el) {
    uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0)
        return 0;
    long long every_ms = (long long)(usec / 2000);
    if (every_ms < 1)
        every_ms = 1;
    sd_notify(0, "WATCHDOG=1");
    aeCreateTimeEvent(el, every_ms, watchdog_tick, (void *)(intptr_t)every_ms);
    return (long long)(usec / 1000);
}
