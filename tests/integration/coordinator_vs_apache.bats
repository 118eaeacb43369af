#!/usr/bin/env bats
# Differential test: the same operations against Apache ZooKeeper 3.8
# (Debian) and against our coordinator must give the same results, errors
# and tree, Stat fields included (tests/clients/zk_differential.py), and the
# four-letter words the same keys; the diagnostic words (dump, wchc, wchp,
# gtmk, stmk, hash) pass the same checks (tests/clients/zk_fourlw.py).

load test_helper

ours_dir() { echo "$BATS_FILE_TMPDIR/ours"; }

setup_file() {
  ZK_IMPL=apache zk_start
  mkdir -p "$(ours_dir)"
  (BATS_FILE_TMPDIR=$(ours_dir) && coord_start)
}

teardown_file() {
  zk_stop
  (BATS_FILE_TMPDIR=$(ours_dir) && zk_stop)
}

ours() { echo "127.0.0.1:$(cat "$(ours_dir)/zk/port")"; }

# four WORD PORT: a four-letter word's answer
four() { ZK_PORT=$2 zk_4lw "$1"; }

# first: hash reads every node, before the differential test leaves nodes
# that only their digest user may read
@test "dump, wchc, wchp, gtmk, stmk and hash: the same checks pass on Apache ZooKeeper and on ours" {
  run timeout -k 5 120 "$PY" "$CLIENTS_DIR/zk_fourlw.py" "$ZK_CONNECT"
  echo "apache: $output"
  [[ $status -eq 0 && $output == ok ]]
  run timeout -k 5 120 "$PY" "$CLIENTS_DIR/zk_fourlw.py" "$(ours)"
  echo "ours: $output"
  [[ $status -eq 0 && $output == ok ]]
}

@test "same operations, same results, errors and Stat fields as Apache ZooKeeper" {
  timeout -k 5 120 "$PY" "$CLIENTS_DIR/zk_differential.py" "$ZK_CONNECT" >"$BATS_TEST_TMPDIR/apache"
  timeout -k 5 120 "$PY" "$CLIENTS_DIR/zk_differential.py" "$(ours)" >"$BATS_TEST_TMPDIR/ours"
  [[ $(wc -l <"$BATS_TEST_TMPDIR/apache") -gt 50 ]]
  diff -u "$BATS_TEST_TMPDIR/apache" "$BATS_TEST_TMPDIR/ours"
}

@test "srvr and conf print the same keys; mntr keys are a subset of Apache's" {
  local ap=${ZK_PORT} us
  us=$(cat "$(ours_dir)/zk/port")
  diff <(four srvr "$ap" | cut -d: -f1) <(four srvr "$us" | cut -d: -f1)
  diff <(four conf "$ap" | cut -d= -f1) <(four conf "$us" | cut -d= -f1)
  run comm -13 <(four mntr "$ap" | cut -f1 | sort) <(four mntr "$us" | cut -f1 | sort)
  [[ -z $output ]]
  [[ $(four ruok "$us") == "$(four ruok "$ap")" && $(four isro "$us") == "$(four isro "$ap")" ]]
}
