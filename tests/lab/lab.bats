#!/usr/bin/env bats
# The seven foo.bar hosts of the lab (scripts/lab.sh, make lab): site.yml
# sets them up from peter-ansible01 and a second run changes nothing; the
# services run as the books check them; on peter-kafka01 the books' topic
# command works verbatim and a console producer/consumer round trip goes
# through the three-way replicated topic; the firewall lets through what the
# port table allows and drops the rest. `make lab-test` runs it on a fresh
# lab (about three minutes); it leaves the lab up for a look (make lab-down).
# Needs root, systemd-container and mmdebstrap; the .debs of `make deb` (or
# LAB_DEBS=DIR on a tree without it).

load ../integration/test_helper
load lab_helper

setup_file() { lab_up; }

# recap_ok LOG: every host of the PLAY RECAP has failed=0 unreachable=0,
# and all seven hosts are in it.
recap_ok() {
  [[ $(grep -cE '^peter-[a-z0-9]+\.foo\.bar +: ok=[0-9]+ +changed=[0-9]+ +unreachable=0 +failed=0' "$1") -eq 7 ]]
}

@test "site.yml converges on the seven hosts" {
  cat "$BATS_FILE_TMPDIR/up.log"
  recap_ok "$BATS_FILE_TMPDIR/up.log"
}

@test "a second site.yml run changes nothing" {
  local t0=$SECONDS
  "$LAB" run ansible-playbook -i inventory/foo.bar/hosts playbooks/site.yml >"$BATS_TEST_TMPDIR/again.log" 2>&1 || true
  note "second run: $((SECONDS - t0)) s"
  cat "$BATS_TEST_TMPDIR/again.log"
  recap_ok "$BATS_TEST_TMPDIR/again.log"
  [[ $(grep -cE '^peter-.* changed=0 ' "$BATS_TEST_TMPDIR/again.log") -eq 7 ]]
}

@test "the services run as the books check them" {
  run on peter-zk01 systemctl is-active zookeeper-server
  [[ $output == active ]]
  run on peter-kafka01 systemctl is-active kafka-server
  [[ $output == active ]]
  run on peter-kafka01 'systemctl is-enabled kafka-server; ps -o user= -C kafka-server; cat /etc/default/kafka-server'
  echo "$output"
  [[ $output == *enabled* ]]
  [[ $output == *$'\n'kafka$'\n'* ]]
  [[ $output == *'KAFKA_HEAP_OPTS="-Xmx400m -Xms400m"'* ]]
  run on peter-kafka01 'readlink /usr/local/kafka; grep -E "^(broker.id|advertised.listeners|default.replication.factor|min.insync.replicas)=" /etc/kafka/server.properties'
  echo "$output"
  [[ $output == *"/opt/kafka"* ]]
  [[ $output == *"broker.id=1"* ]]
  [[ $output == *"advertised.listeners=PLAINTEXT://peter-kafka01.foo.bar:9092"* ]]
  [[ $output == *"default.replication.factor=3"* ]]
  [[ $output == *"min.insync.replicas=2"* ]]
}

@test "the books' topic command works verbatim on peter-kafka01" {
  run on peter-kafka01 /usr/local/kafka/bin/kafka-topics.sh --bootstrap-server peter-kafka01.foo.bar:9092 \
    --create --topic peter-overview01 --partitions 1 --replication-factor 3
  echo "$output"
  [[ $status -eq 0 ]]
  [[ $output == *"Created topic peter-overview01."* ]]
}

@test "a console producer and consumer round trip on peter-kafka01" {
  run on peter-kafka01 'printf "First message\nSecond message\n" |
    /usr/local/kafka/bin/kafka-console-producer.sh --bootstrap-server peter-kafka01.foo.bar:9092 \
      --topic peter-overview01 --request-required-acks all'
  echo "$output"
  [[ $status -eq 0 ]]
  [[ $output != *"not delivered"* ]]
  run on peter-kafka01 /usr/local/kafka/bin/kafka-console-consumer.sh --bootstrap-server peter-kafka01.foo.bar:9092 \
    --topic peter-overview01 --from-beginning --max-messages 2 --timeout-ms 30000
  echo "$output"
  [[ $output == *"First message"*"Second message"* ]]
}

# reach FROM HOST PORT: true if FROM can open a TCP connection to HOST:PORT
# within 3 s (a dropped SYN times out; nothing here rejects).
reach() { on "$1" "timeout 3 bash -c 'exec 3<>/dev/tcp/$2/$3'"; }

@test "the firewall lets through what the port table allows and drops the rest" {
  reach peter-kafka02 peter-kafka01.foo.bar 9092    # brokers to brokers
  reach peter-kafka01 peter-zk01.foo.bar 2181       # brokers to ZooKeeper
  reach peter-zk02 peter-zk01.foo.bar 3888          # ensemble members among themselves
  reach peter-ansible01 peter-zk03.foo.bar 22       # the Ansible host to every host
  refute reach peter-zk01 peter-kafka01.foo.bar 9092     # ZooKeeper hosts are no clients
  refute reach peter-kafka01 peter-zk01.foo.bar 3888     # election port: ensemble only
  refute reach peter-kafka01 peter-zk02.foo.bar 22       # ssh: the Ansible host and admins only
}
