#!/usr/bin/env bats
# Our coordinator (broker/zookeeper) driven by Apache ZooKeeper's own CLI,
# zkCli.sh from Debian's zookeeper 3.8 package: the commands operators use.

load test_helper

setup_file() { coord_start; }
teardown_file() { zk_stop; }
teardown() {
  if [[ -z ${BATS_TEST_COMPLETED:-} ]]; then coord_log_tail 40; fi
}

# zkcli_script LINES...: one zkCli session running the given commands.
zkcli_script() {
  printf '%s\n' "$@" quit |
    timeout -k 5 60 /usr/share/zookeeper/bin/zkCli.sh -server "$ZK_CONNECT" 2>&1 |
    grep -v -e '^SLF4J:' -e '^$' -e '^JLine support' -e '^Connecting to '
}

@test "a fresh server shows the /zookeeper subtree" {
  run zkcli ls /
  [[ $status -eq 0 ]]
  [[ $output == *"[zookeeper]"* ]]
  run zkcli ls /zookeeper
  [[ $output == *"[config, quota]"* ]]
  run zkcli stat /
  [[ $output == *"cZxid = 0x0"* && $output == *"cversion = -1"* && $output == *"numChildren = 1"* ]]
}

@test "create, get, set -v and delete keep ZooKeeper's versions and errors" {
  run zkcli create /cli data1
  [[ $output == *"Created /cli"* ]]
  run zkcli get /cli
  [[ ${lines[-1]} == data1 ]]
  run zkcli set -v 0 /cli data2
  [[ $status -eq 0 ]]
  run zkcli set -v 0 /cli data3
  [[ $status -ne 0 && $output == *"version No is not valid : /cli"* ]]
  run zkcli stat /cli
  [[ $output == *"dataVersion = 1"* && $output == *"dataLength = 5"* ]]
  run zkcli create /cli again
  [[ $status -ne 0 && $output == *"Node already exists: /cli"* ]]
  run zkcli create /cli/s- ""
  [[ $output == *"Created /cli/s-"* ]]
  run zkcli create -s /cli/q- x
  [[ $output == *"Created /cli/q-0000000001"* ]]
  run zkcli delete /cli
  [[ $status -ne 0 && $output == *"Node not empty: /cli"* ]]
  run zkcli ls -s /cli
  [[ $output == *"q-0000000001"* && $output == *"cversion = 2"* && $output == *"numChildren = 2"* ]]
  run zkcli deleteall /cli
  [[ $status -eq 0 ]]
  run zkcli stat /cli
  [[ $status -ne 0 && $output == *"Node does not exist: /cli"* ]]
}

@test "create with no data stores null, get prints null" {
  run zkcli create /nulldata
  run zkcli get /nulldata
  [[ ${lines[-1]} == null ]]
}

@test "an ephemeral node carries its session and goes away with it" {
  run zkcli_script "create -e /eph x" "stat /eph" "close" "connect $ZK_CONNECT" "stat /eph"
  [[ $output == *"Created /eph"* ]]
  [[ $output =~ ephemeralOwner\ =\ 0x[0-9a-f]*[1-9a-f] ]]
  [[ $output == *"Node does not exist: /eph"* ]]
}

@test "get -w delivers NodeDataChanged on a later set" {
  zkcli create /watched v0
  run zkcli_script "get -w /watched" "set /watched v1" "get /watched"
  [[ $output == *"type:NodeDataChanged path:/watched"* ]]
  # one-shot: the second set (no new watch) must not notify again
  run zkcli_script "get -w /watched" "set /watched v2" "set /watched v3"
  [[ $(grep -c 'NodeDataChanged' <<<"$output") -eq 1 ]]
}

@test "setAcl and getAcl with world and digest, enforced for others" {
  zkcli create /acl x
  run zkcli setAcl /acl world:anyone:r
  [[ $status -eq 0 ]]
  run zkcli getAcl /acl
  [[ $output == *"'world,'anyone"* && $output == *": r"* ]]
  run zkcli set /acl y
  [[ $status -ne 0 && $output == *"Insufficient permission : /acl"* ]]
  run zkcli_script "addauth digest u:p" "create /sec s auth::cdrwa" "getAcl /sec" "get /sec" "whoami"
  # sha1("u:p") in base64, computed independently
  [[ $output == *"'digest,'u:Jq7wMyA/w2Vd5WIDAKdu4OIIFEQ="* ]]
  [[ $output == *"digest: u"* ]]
  run zkcli get /sec
  [[ $status -ne 0 && $output == *"Insufficient permission : /sec"* ]]
  run zkcli_script "addauth digest u:wrong" "get /sec"
  [[ $output == *"Insufficient permission : /sec"* ]]
  # getAcl without ADMIN hides digest hashes, as ZooKeeper does
  zkcli create /acl2 x
  run zkcli setAcl /acl2 world:anyone:r,digest:u:Jq7wMyA/w2Vd5WIDAKdu4OIIFEQ=:cdrwa
  [[ $status -eq 0 ]]
  run zkcli getAcl /acl2
  [[ $output == *"'digest,'u:x"* && $output != *Jq7w* ]]
  run zkcli_script "addauth digest u:p" "getAcl /acl2"
  [[ $output == *"'digest,'u:Jq7wMyA/w2Vd5WIDAKdu4OIIFEQ="* ]]
  run zkcli create /badacl x auth::cdrwa
  [[ $status -ne 0 && $output == *"Acl is not valid"* ]]
}

@test "ip ACLs are enforced by client address (exact and CIDR)" {
  zkcli create /ipacl x
  run zkcli setAcl /ipacl ip:127.0.0.1:r,ip:10.0.0.0/8:cdrwa
  [[ $status -eq 0 ]]
  run zkcli get /ipacl
  [[ $status -eq 0 && ${lines[-1]} == x ]]
  run zkcli set /ipacl y
  [[ $status -ne 0 && $output == *"Insufficient permission : /ipacl"* ]]
  zkcli create /ipacl2 x
  run zkcli setAcl /ipacl2 ip:127.0.0.0/8:cdrwa
  run zkcli set /ipacl2 y
  [[ $status -eq 0 ]]
  run zkcli setAcl /ipacl2 ip:not-an-address:r
  [[ $status -ne 0 ]]
}

@test "getEphemerals, getAllChildrenNumber, sync and container/TTL refusal" {
  run zkcli_script "create /n x" "create /n/a x" "create /n/a/b x" "getAllChildrenNumber /n" \
    "create -e /n/e1 x" "getEphemerals /n" "sync /n"
  grep -qx 2 <<<"$output" # /n/a and /n/a/b
  [[ $output == *"[/n/e1]"* ]]
  [[ $output == *"Sync is OK"* ]]
  run zkcli create -t 1000 /ttl x
  [[ $output == *"Unimplemented"* || $output == *"extendedTypesEnabled"* ]]
  run zkcli create -c /box x
  [[ $output == *"Created /box"* ]]
}

@test "addWatch (persistent recursive) keeps firing for the subtree" {
  zkcli create /pw x
  run zkcli_script "addWatch -m PERSISTENT_RECURSIVE /pw" "create /pw/c1 1" "set /pw/c1 2" "delete /pw/c1"
  [[ $output == *"type:NodeCreated path:/pw/c1"* ]]
  [[ $output == *"type:NodeDataChanged path:/pw/c1"* ]]
  [[ $output == *"type:NodeDeleted path:/pw/c1"* ]]
  run zkcli_script "addWatch -m PERSISTENT /pw" "create /pw/c2 1" "removewatches /pw -a" "create /pw/c3 1"
  [[ $output == *"type:NodeChildrenChanged path:/pw"* ]]
  [[ $output != *"path:/pw/c3"* ]]
}

@test "reconfig is refused as by a ZooKeeper with reconfigEnabled=false" {
  run zkcli reconfig -add server.5=127.0.0.1:2888:3888
  [[ $output == *"Reconfig is disabled"* || $output == *"ReconfigDisabled"* || $output == *"No quorum"* ]]
  run zkcli config
  [[ $status -eq 0 ]]
}
