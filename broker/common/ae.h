/* ae.h -- the single-threaded event loop (epoll) shared by every daemon.
 *
 * One loop per process: file events (readable/writable callbacks on
 * non-blocking descriptors) and timers (one-shot, re-armed by returning a
 * new delay). Nothing here blocks except epoll_wait.
 */
#ifndef COMMON_AE_H
#define COMMON_AE_H

#include <stdint.h>

#define AE_NONE 0
#define AE_READABLE 1
#define AE_WRITABLE 2

#define AE_OK 0
#define AE_ERR -1
#define AE_NOMORE -1 /* timer callback return: do not re-arm */

typedef struct aeEventLoop aeEventLoop;
typedef void aeFileProc(aeEventLoop *el, int fd, void *clientData, int mask);
/* Returns the delay in ms until the next run, or AE_NOMORE. */
typedef int aeTimeProc(aeEventLoop *el, long long id, void *clientData);
typedef void aeBeforeSleepProc(aeEventLoop *el);

aeEventLoop *aeCreateEventLoop(int setsize);
void aeDeleteEventLoop(aeEventLoop *el);
int aeCreateFileEvent(aeEventLoop *el, int fd, int mask, aeFileProc *proc, void *clientData);
void aeDeleteFileEvent(aeEventLoop *el, int fd, int mask);
int aeGetFileEvents(aeEventLoop *el, int fd);
long long aeCreateTimeEvent(aeEventLoop *el, long long ms, aeTimeProc *proc, void *clientData);
int aeDeleteTimeEvent(aeEventLoop *el, long long id);
/* Runs one iteration: waits at most until the nearest timer (or timeout_ms
 * if >= 0 and sooner), dispatches ready events and due timers. */
int aeProcessEvents(aeEventLoop *el, int timeout_ms);
void aeMain(aeEventLoop *el); /* loops until aeStop */
void aeStop(aeEventLoop *el);
void aeSetBeforeSleepProc(aeEventLoop *el, aeBeforeSleepProc *proc);
int aeGetSetSize(aeEventLoop *el);

/* Monotonic and wall clocks in milliseconds. */
int64_t ae_mono_ms(void);
int64_t ae_wall_ms(void);

#endif
