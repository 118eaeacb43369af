/* dirsync.c -- fsync of a directory (see dirsync.h), for the broker's logs
 * and checkpoints and the coordinator's snapshots and transaction logs. */
#include "dirsync.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int dir_fsync(const char *dir) {
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

int dir_fsync_of(const char *path) {
    char d[PATH_MAX];
    if ((size_t)snprintf(d, sizeof d, "%s", path) >= sizeof d) {
        errno = ENAMETOOLONG;
        return -1;
    }
    char *slash = strrchr(d, '/');
    if (slash == d)
        slash[1] = '\0';
    else if (slash)
        *slash = '\0';
    else
        strcpy(d, ".");
    return dir_fsync(d);
}
