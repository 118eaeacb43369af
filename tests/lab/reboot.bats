#!/usr/bin/env bats
# A reboot of a lab host (`systemctl reboot` inside its container;
# scripts/lab.sh boots a container again when it reboots) brings its service
# back by itself: a ZooKeeper host's zookeeper-server is active and the
# ensemble has one leader that the others follow; a broker host's
# kafka-server is active, the broker registered and back in the ISR of
# every partition. The seconds from the reboot command to the service
# active are printed. `make lab-test` runs it; it uses a lab that is up,
# else brings one up.

load ../integration/test_helper
load lab_helper

setup_file() { lab_up_or_use; }

# pid1_start HOST: when the container's init started (changes with a boot).
pid1_start() { on "$1" ps -o lstart= -p 1; }

# reboot_and_time HOST UNIT: reboots HOST, waits for UNIT to be active on it
# (it starts by itself: nothing here starts it) and prints the seconds taken.
reboot_and_time() {
  local before t0=$SECONDS
  before=$(pid1_start "$1")
  "$LAB" reboot "$1" >&2
  [[ $(pid1_start "$1") != "$before" ]] # it did boot again
  wait_for 120 active "$1" "$2"
  echo $((SECONDS - t0))
}

@test "a rebooted ZooKeeper host comes back by itself: zookeeper-server active, the ensemble whole" {
  local h=peter-zk02 secs old
  wait_for 60 ensemble_whole
  old=$(main_pid "$h" zookeeper-server)
  secs=$(reboot_and_time "$h" zookeeper-server)
  note "$h: reboot to zookeeper-server active: $secs s"
  [[ $(main_pid "$h" zookeeper-server) != "$old" ]]
  wait_for 60 ensemble_whole
  [[ $(zk_mode "$h") == leader || $(zk_mode "$h") == follower ]]
}

@test "a rebooted broker host comes back by itself: kafka-server active, registered, back in the ISR" {
  local h=peter-kafka02 secs old
  wait_for 180 no_urp
  on peter-kafka01 /usr/local/kafka/bin/kafka-topics.sh --bootstrap-server "$BOOTSTRAP" \
    --create --if-not-exists --topic reboot-check --partitions 3 --replication-factor 3
  old=$(main_pid "$h" kafka-server)
  secs=$(reboot_and_time "$h" kafka-server)
  note "$h: reboot to kafka-server active (registered: Type=notify): $secs s"
  [[ $(main_pid "$h" kafka-server) != "$old" ]]
  [[ $(registered_brokers) == "[1, 2, 3]" ]]
  local t0=$SECONDS
  wait_for 120 no_urp
  note "$h: back in the ISR of every partition $((SECONDS - t0)) s after that"
  # it leads and follows again: its partitions list it in their ISR
  on peter-kafka01 /usr/local/kafka/bin/kafka-topics.sh --bootstrap-server "$BOOTSTRAP" --describe --topic reboot-check |
    grep -c 'Isr: [0-9,]*2' | grep -qx 3
}
