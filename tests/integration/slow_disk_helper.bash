# shellcheck shell=bash
# tests/integration/slow_disk_helper.bash -- a slow disk for a broker: an
# ext4 file system on a loop device, and a blkio cgroup (cgroup v1) whose
# writes to that device the kernel throttles to a set rate
# (blkio.throttle.write_bps_device). A process in the cgroup that writes to
# the file system and fsyncs waits for the device at that rate, as on a slow
# disk. (Cgroup v1 throttles only the writes a process of the cgroup issues
# itself: direct I/O and the writeback its fsync starts; the kernel's
# flusher threads write back unthrottled. So the broker on it runs with
# flush.messages=1: every append is fsynced, by the broker, through the
# throttle; slow_disk_written says how many bytes went that way.)
#
#   slow_disk_start RATE_BPS    makes it (image and mount point under
#                               $BATS_TEST_TMPDIR/slowdisk); sets SLOW_DISK_MNT
#   slow_disk_join PID          moves PID (all its threads) into the cgroup
#   slow_disk_written           bytes the cgroup's processes wrote to the device
#   slow_disk_stop              for teardown: unmounts, frees the loop device,
#                               removes the cgroup (its processes stopped first)
#
# Needs root, loop devices and the cgroup v1 blkio hierarchy at
# /sys/fs/cgroup/blkio (as on the project's machines and CI).

SLOW_DISK_BLKIO=/sys/fs/cgroup/blkio

_slow_disk_dir() { echo "$BATS_TEST_TMPDIR/slowdisk"; }

slow_disk_start() {
  local rate=$1 dir cg dev majmin
  dir=$(_slow_disk_dir)
  if [[ ! -w $SLOW_DISK_BLKIO/blkio.throttle.write_bps_device ]]; then
    echo "slow_disk_start: no cgroup v1 blkio hierarchy at $SLOW_DISK_BLKIO (needs root)" >&2
    return 1
  fi
  mkdir -p "$dir/mnt"
  truncate -s 512M "$dir/image"
  mkfs.ext4 -q -F "$dir/image" || return 1
  dev=$(losetup --find --show "$dir/image") || return 1
  echo "$dev" >"$dir/dev"
  mount -t ext4 "$dev" "$dir/mnt" || return 1
  echo "$dir/mnt" >"$dir/mounted"
  majmin=$(<"/sys/class/block/${dev#/dev/}/dev")
  cg="$SLOW_DISK_BLKIO/bats-slowdisk-$$-$RANDOM"
  mkdir "$cg" || return 1
  echo "$cg" >"$dir/cgroup"
  echo "$majmin" >"$dir/majmin"
  echo "$majmin $rate" >"$cg/blkio.throttle.write_bps_device" || return 1
  SLOW_DISK_MNT="$dir/mnt"
  export SLOW_DISK_MNT
}

slow_disk_join() {
  echo "$1" >"$(<"$(_slow_disk_dir)/cgroup")/cgroup.procs"
}

slow_disk_written() {
  local dir
  dir=$(_slow_disk_dir)
  awk -v d="$(<"$dir/majmin")" '$1 == d && $2 == "Write" {print $3}' \
    "$(<"$dir/cgroup")/blkio.throttle.io_service_bytes"
}

slow_disk_stop() {
  local dir cg pid
  dir=$(_slow_disk_dir)
  if [[ -s $dir/mounted ]]; then
    umount "$(<"$dir/mounted")" 2>/dev/null || umount -l "$(<"$dir/mounted")" || true
    rm -f "$dir/mounted"
  fi
  if [[ -s $dir/dev ]]; then
    losetup -d "$(<"$dir/dev")" || true
    rm -f "$dir/dev"
  fi
  if [[ -s $dir/cgroup ]]; then
    cg=$(<"$dir/cgroup")
    # anything still in it goes back to the root group, then the group goes
    while read -r pid; do
      echo "$pid" >"$SLOW_DISK_BLKIO/cgroup.procs" 2>/dev/null || true
    done <"$cg/cgroup.procs" 2>/dev/null
    rmdir "$cg" 2>/dev/null || true
    rm -f "$dir/cgroup"
  fi
  rm -f "$dir/image"
}
