/* dirsync.h -- making a directory's entries durable: after a file is
 * created, renamed or deleted in a directory, fsync of the directory
 * itself is what makes that change survive a crash. */
#ifndef COMMON_DIRSYNC_H
#define COMMON_DIRSYNC_H

/* fsync(2) of directory dir: 0, or -1 with errno set. */
int dir_fsync(const char *dir);

/* dir_fsync of the directory holding path ("." for a bare name, "/" for a
 * file in the root). */
int dir_fsync_of(const char *path);

#endif
