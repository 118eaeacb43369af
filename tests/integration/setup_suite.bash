# shellcheck shell=bash
# tests/integration/setup_suite.bash -- the leak check of every bats run of
# this directory (`make integration`, `bats tests/integration/FILE.bats`):
# bats runs teardown_suite once, after the last file's teardown_file.
#
# Every server, client or helper process a test starts must be stopped by
# the test or by its file's teardown/teardown_file (stop_all, ensemble_stop,
# ...), whatever happened in the test. teardown_suite fails the run (a
# "not ok ... teardown_suite" line, bats exits 1) if one of this run's
# processes still runs, listing each with its bats file and command line,
# then stops those it listed, so a leak is loud but leaves nothing behind.
#
# A process is this run's when its command line or working directory names
# $BATS_RUN_TMPDIR (bats-run-XXXXXX, made for this run): the servers get
# their config files and directories from there. Other engineers' brokers
# and coordinators on the same machine never match.

setup_suite() {
  :
}

# _bats_ancestors: the PIDs of this shell and its ancestors (bats itself),
# one a line.
_bats_ancestors() {
  local pid=$BASHPID stat
  while [[ -n $pid && $pid != 0 ]]; do
    echo "$pid"
    stat=$(<"/proc/$pid/stat") || return 0
    stat=${stat##*) }
    read -r _ pid _ <<<"$stat"
  done
}

# _leaked_processes: "PID<TAB>FILE<TAB>COMMAND LINE" of each process of
# this run still running (zombies have no command line: not listed).
_leaked_processes() {
  local run=$BATS_RUN_TMPDIR p pid cmd cwd where file
  local -a argv
  local -A mine=()
  for pid in $(_bats_ancestors); do mine[$pid]=1; done
  for p in /proc/[0-9]*; do
    pid=${p#/proc/}
    [[ -z ${mine[$pid]:-} ]] || continue
    argv=()
    mapfile -d '' argv 2>/dev/null <"$p/cmdline" || continue
    ((${#argv[@]} > 0)) || continue
    cmd="${argv[*]}"
    [[ $cmd != *"/bats-core/bats"* ]] || continue # bats's own (test list file)
    cwd=$(readlink "$p/cwd" 2>/dev/null) || cwd=
    if [[ $cmd == *"$run/"* ]]; then
      where=${cmd#*"$run/"}
    elif [[ $cwd == "$run" || $cwd == "$run/"* ]]; then
      where=${cwd#"$run"/}
    else
      continue
    fi
    # $BATS_RUN_TMPDIR/file/N is the BATS_FILE_TMPDIR of one file, where
    # test_helper.bash notes the file's name
    file=unknown
    if [[ $where =~ ^file/([0-9]+) ]]; then
      file=$(cat "$run/file/${BASH_REMATCH[1]}/.bats-file" 2>/dev/null) || file=unknown
    fi
    printf '%s\t%s\t%s\n' "$pid" "$file" "$cmd"
  done
}

teardown_suite() {
  local leaks pid file cmd i
  leaks=$(_leaked_processes)
  # a process stopped just before (SIGTERM sent, exit under way) may need a moment
  for ((i = 0; i < 50 && ${#leaks} > 0; i++)); do
    sleep 0.1
    leaks=$(_leaked_processes)
  done
  [[ -n $leaks ]] || return 0
  echo "LEAK: processes started by this bats run are still running after every teardown_file:" >&2
  while IFS=$'\t' read -r pid file cmd; do
    echo "  pid $pid ($file): $cmd" >&2
  done <<<"$leaks"
  echo "(a test or teardown_file must stop them; stopping them now)" >&2
  while IFS=$'\t' read -r pid _ _; do kill -CONT "$pid" 2>/dev/null || true; kill -TERM "$pid" 2>/dev/null || true; done <<<"$leaks"
  for ((i = 0; i < 100; i++)); do
    [[ -n $(_leaked_processes) ]] || break
    sleep 0.1
  done
  while IFS=$'\t' read -r pid _ _; do kill -KILL "$pid" 2>/dev/null || true; done < <(_leaked_processes)
  return 1
}
