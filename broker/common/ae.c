/* ae.c -- a single-threaded event loop on epoll with millisecond timers.
 *
 * File events are indexed by descriptor (fd < setsize). Timers live in a
 * small unsorted array: the daemons keep only a handful (periodic work goes
 * through one cron timer), so a linear scan beats a heap here. */
#include "ae.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

typedef struct aeFileEvent {
    int mask;
    aeFileProc *rproc, *wproc;
    void *clientData;
} aeFileEvent;

typedef struct aeTimeEvent {
    long long id;
    int64_t when; /* monotonic ms */
    aeTimeProc *proc;
    void *clientData;
    int deleted;
} aeTimeEvent;

struct aeEventLoop {
    int epfd;
    int setsize;
    int stop;
    aeFileEvent *events;
    struct epoll_event *fired;
    aeTimeEvent *timers;
    int ntimers, captimers;
    long long next_timer_id;
    aeBeforeSleepProc *beforesleep;
};

int64_t ae_mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t ae_wall_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

aeEventLoop *aeCreateEventLoop(int setsize) {
    aeEventLoop *el = calloc(1, sizeof(*el));
    if (!el)
        return NULL;
    el->setsize = setsize;
    el->events = calloc((size_t)setsize, sizeof(aeFileEvent));
    el->fired = calloc((size_t)setsize, sizeof(struct epoll_event));
    el->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (!el->events || !el->fired || el->epfd < 0) {
        aeDeleteEventLoop(el);
        return NULL;
    }
    return el;
}

void aeDeleteEventLoop(aeEventLoop *el) {
    if (!el)
        return;
    if (el->epfd >= 0)
        close(el->epfd);
    free(el->events);
    free(el->fired);
    free(el->timers);
    free(el);
}

int aeGetSetSize(aeEventLoop *el) { return el->setsize; }

static int apply_mask(aeEventLoop *el, int fd, int oldmask, int newmask) {
    struct epoll_event ee = {0};
    ee.data.fd = fd;
    if (newmask & AE_READABLE)
        ee.events |= EPOLLIN;
    if (newmask & AE_WRITABLE)
        ee.events |= EPOLLOUT;
    int op = oldmask == AE_NONE ? EPOLL_CTL_ADD : newmask == AE_NONE ? EPOLL_CTL_DEL : EPOLL_CTL_MOD;
    return epoll_ctl(el->epfd, op, fd, &ee);
}

int aeCreateFileEvent(aeEventLoop *el, int fd, int mask, aeFileProc *proc, void *clientData) {
    if (fd < 0 || fd >= el->setsize) {
        errno = ERANGE;
        return AE_ERR;
    }
    aeFileEvent *fe = &el->events[fd];
    int newmask = fe->mask | mask;
    if (newmask != fe->mask && apply_mask(el, fd, fe->mask, newmask) == -1)
        return AE_ERR;
    fe->mask = newmask;
    if (mask & AE_READABLE)
        fe->rproc = proc;
    if (mask & AE_WRITABLE)
        fe->wproc = proc;
    fe->clientData = clientData;
    return AE_OK;
}

void aeDeleteFileEvent(aeEventLoop *el, int fd, int mask) {
    if (fd < 0 || fd >= el->setsize)
        return;
    aeFileEvent *fe = &el->events[fd];
    if (fe->mask == AE_NONE)
        return;
    int newmask = fe->mask & ~mask;
    if (newmask != fe->mask)
        apply_mask(el, fd, fe->mask, newmask);
    fe->mask = newmask;
}

int aeGetFileEvents(aeEventLoop *el, int fd) {
    if (fd < 0 || fd >= el->setsize)
        return 0;
    return el->events[fd].mask;
}

long long aeCreateTimeEvent(aeEventLoop *el, long long ms, aeTimeProc *proc, void *clientData) {
    if (el->ntimers == el->captimers) {
        int ncap = el->captimers ? el->captimers * 2 : 8;
        aeTimeEvent *n = realloc(el->timers, (size_t)ncap * sizeof(*n));
        if (!n)
            return AE_ERR;
        el->timers = n;
        el->captimers = ncap;
    }
    aeTimeEvent *te = &el->timers[el->ntimers++];
    te->id = ++el->next_timer_id;
    te->when = ae_mono_ms() + ms;
    te->proc = proc;
    te->clientData = clientData;
    te->deleted = 0;
    return te->id;
}

int aeDeleteTimeEvent(aeEventLoop *el, long long id) {
    for (int i = 0; i < el->ntimers; i++) {
        if (el->timers[i].id == id && !el->timers[i].deleted) {
            el->timers[i].deleted = 1;
            return AE_OK;
        }
    }
    return AE_ERR;
}

static void compact_timers(aeEventLoop *el) {
    int j = 0;
    for (int i = 0; i < el->ntimers; i++)
        if (!el->timers[i].deleted)
            el->timers[j++] = el->timers[i];
    el->ntimers = j;
}

static void process_timers(aeEventLoop *el) {
    int64_t now = ae_mono_ms();
    /* Only timers that existed before this pass run; new ones wait. */
    int n = el->ntimers;
    for (int i = 0; i < n; i++) {
        aeTimeEvent *te = &el->timers[i];
        if (te->deleted || te->when > now)
            continue;
        long long id = te->id;
        aeTimeProc *proc = te->proc;
        void *cd = te->clientData;
        int ret = proc(el, id, cd);
        te = &el->timers[i]; /* the array may have moved */
        if (te->deleted)
            continue;
        if (ret == AE_NOMORE)
            te->deleted = 1;
        else
            te->when = ae_mono_ms() + ret;
    }
    compact_timers(el);
}

int aeProcessEvents(aeEventLoop *el, int timeout_ms) {
    int64_t now = ae_mono_ms();
    int64_t wait = -1;
    for (int i = 0; i < el->ntimers; i++) {
        if (el->timers[i].deleted)
            continue;
        int64_t d = el->timers[i].when - now;
        if (d < 0)
            d = 0;
        if (wait < 0 || d < wait)
            wait = d;
    }
    if (timeout_ms >= 0 && (wait < 0 || timeout_ms < wait))
        wait = timeout_ms;
    int n = epoll_wait(el->epfd, el->fired, el->setsize, (int)wait);
    for (int j = 0; j < n; j++) {
        int fd = el->fired[j].data.fd;
        uint32_t ev = el->fired[j].events;
        aeFileEvent *fe = &el->events[fd];
        int rfired = 0;
        if (fe->mask & AE_READABLE && ev & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
            rfired = 1;
            fe->rproc(el, fd, fe->clientData, AE_READABLE);
        }
        fe = &el->events[fd];
        if (fe->mask & AE_WRITABLE && ev & (EPOLLOUT | EPOLLERR | EPOLLHUP)) {
            if (!rfired || fe->wproc != fe->rproc)
                fe->wproc(el, fd, fe->clientData, AE_WRITABLE);
        }
    }
    process_timers(el);
    return n > 0 ? n : 0;
}

void aeMain(aeEventLoop *el) {
    el->stop = 0;
    while (!el->stop) {
        if (el->beforesleep)
            el->beforesleep(el);
        aeProcessEvents(el, -1);
    }
}

void aeStop(aeEventLoop *el) { el->stop = 1; }

void aeSetBeforeSleepProc(aeEventLoop *el, aeBeforeSleepProc *proc) { el->beforesleep = proc; }
