#!/usr/bin/env bats
# Our coordinator with Apache ZooKeeper's C client (Debian's
# libzookeeper-mt): tests/clients/zk_capi_client.c, sync and async API,
# watches, multi, auth, containers, TTL nodes, session expiry.

load test_helper

setup_file() {
  gcc -std=gnu11 -Wall -Wextra -Werror -O1 -o "$BATS_FILE_TMPDIR/zk_capi_client" \
    "$CLIENTS_DIR/zk_capi_client.c" -lzookeeper_mt -lpthread
  # tickTime 500: sessions may be as short as 1 s, so expiry is quick to test
  coord_start tickTime=500 extendedTypesEnabled=true znode.container.checkIntervalMs=200
}
teardown_file() { zk_stop; }
teardown() {
  if [[ -z ${BATS_TEST_COMPLETED:-} ]]; then coord_log_tail 30; fi
}

@test "C client: sync/async API, watches, multi, ACLs, containers, TTL, session expiry" {
  run timeout -k 5 120 "$BATS_FILE_TMPDIR/zk_capi_client" "$ZK_CONNECT" --ttl
  echo "$output"
  [[ $status -eq 0 ]]
  [[ $output == *"ok session expiry"* && $output == *"ok ephemeral removed on close"* ]]
}

@test "C client: a watch and the session survive a coordinator restart (SetWatches)" {
  local restart="BATS_FILE_TMPDIR='$BATS_FILE_TMPDIR' BUILD='$BUILD' bash -c 'source $BATS_TEST_DIRNAME/test_helper.bash && coord_restart' >/dev/null 2>&1"
  run timeout -k 5 120 "$BATS_FILE_TMPDIR/zk_capi_client" "$ZK_CONNECT" --restart "$restart"
  echo "$output"
  [[ $status -eq 0 && $output == *"ok watch and session across a server restart"* ]]
  grep -q "(reconnect)" "$ZK_DIR/zookeeper.out"
}

@test "an emptied container and an expired TTL node are removed; an unused container stays" {
  run timeout -k 5 60 "$PY" "$CLIENTS_DIR/zk_raw.py" "$ZK_CONNECT" containers
  [[ $status -eq 0 ]] || { echo "$output"; false; }
}

@test "C client: a TTL create is Unimplemented without extendedTypesEnabled" {
  zk_stop
  rm -rf "$ZK_DIR/data" # a fresh tree: the program creates /capi
  coord_start tickTime=500 extendedTypesEnabled=false
  run timeout -k 5 120 "$BATS_FILE_TMPDIR/zk_capi_client" "$ZK_CONNECT"
  echo "$output"
  [[ $status -eq 0 && $output == *"ok ttl"* ]]
}
