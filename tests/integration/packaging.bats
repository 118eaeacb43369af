#!/usr/bin/env bats
# The packages of `make rpm` and `make deb` (packaging/): names and version,
# which package has what, owners, modes, configuration files, the install
# scripts, the units, rpmlint and lintian; then the RPMs installed, upgraded
# and erased with `rpm --root` in a scratch root (an overlay on the cached
# Debian 12 root of debian_rootfs.sh, which has the sh, useradd and
# systemctl the scriptlets call). The .debs in a booted container:
# packaging_container.bats. Needs root (overlay mount, rpm --root).

load test_helper
load packaging_helper

setup_file() {
  PKGS=$BATS_FILE_TMPDIR/pkgs
  build_packages "$PKGS" 1 rpm deb
  build_packages "$PKGS" 2 rpm # the next build, for the upgrade
  # the units as each format ships them
  mkdir -p "$BATS_FILE_TMPDIR/deb" "$BATS_FILE_TMPDIR/rpm"
  for p in kafka kafka-zookeeper; do
    dpkg-deb -x "$PKGS/$(deb_of $p 1)" "$BATS_FILE_TMPDIR/deb"
    (cd "$BATS_FILE_TMPDIR/rpm" && rpm2cpio "$PKGS/$(rpm_of $p 1)" | cpio -idm --quiet)
  done
  ROOT=$BATS_FILE_TMPDIR/root
  local lower
  lower=$(debian_rootfs)
  mkdir -p "$ROOT" "$BATS_FILE_TMPDIR/upper" "$BATS_FILE_TMPDIR/work"
  mount -t overlay overlay -o "lowerdir=$lower,upperdir=$BATS_FILE_TMPDIR/upper,workdir=$BATS_FILE_TMPDIR/work" "$ROOT"
  export PKGS ROOT
}

teardown_file() {
  if [[ -n ${ROOT:-} ]] && mountpoint -q "$ROOT"; then umount "$ROOT"; fi
}

# files of a package, one path a line, directories left out
rpm_files() { rpm -qp --qf '[%{FILEMODES:perms} %{FILENAMES}\n]' "$PKGS/$(rpm_of "$1" 1)" 2>/dev/null | grep -v '^d' | cut -d' ' -f2 | sort; }
deb_files() { dpkg-deb -c "$PKGS/$(deb_of "$1" 1)" | grep -v '^d' | awk '{print $6}' | sed 's|^\./|/|' | sort; }
# RPM file attributes: "perms user group flags path"
rpm_attrs() { rpm -qp --qf '[%{FILEMODES:perms} %{FILEUSERNAME} %{FILEGROUPNAME} %{FILEFLAGS:fflags} %{FILENAMES}\n]' "$PKGS/$(rpm_of "$1" "${2:-1}")" 2>/dev/null; }
deb_control() { dpkg-deb --ctrl-tarfile "$PKGS/$(deb_of "$1" 1)" | tar -xO "./$2" 2>/dev/null; }
# user and group names of a path in the scratch root, from its own passwd
root_owner() {
  local uid gid
  read -r uid gid < <(stat -c '%u %g' "$ROOT$1")
  echo "$(awk -F: -v u="$uid" '$3 == u {print $1}' "$ROOT/etc/passwd"):$(awk -F: -v g="$gid" '$3 == g {print $1}' "$ROOT/etc/group")"
}

@test "packaging: make rpm / make deb build kafka and kafka-zookeeper with the VERSION file's version" {
  for p in kafka kafka-zookeeper; do
    [[ $(rpm -qp --qf '%{NAME} %{VERSION}-%{RELEASE}' "$PKGS/$(rpm_of $p 1)" 2>/dev/null) == "$p $PKG_VERSION-1" ]]
    [[ $(dpkg-deb -f "$PKGS/$(deb_of $p 1)" Package Version | tr '\n' ' ') == "Package: $p Version: $PKG_VERSION-1 " ]]
  done
  # rpmbuild -ta works on the tarball: its spec carries the version
  tar -xzOf "$PKGS/kafka-$PKG_VERSION.tar.gz" "kafka-$PKG_VERSION/kafka.spec" | grep -qx "Version: *$PKG_VERSION"
  [[ -f $PKGS/kafka-$PKG_VERSION-1.src.rpm ]]
  # both formats take their files from one install rule: the same programs
  # and scripts (units, docs and environment files aside)
  for p in kafka kafka-zookeeper; do
    diff <(rpm_files $p | grep '^/opt/') <(deb_files $p | grep '^/opt/')
    diff <(rpm_files $p | grep '^/etc/kafka/') <(deb_files $p | grep '^/etc/kafka/')
  done
}

@test "packaging: the broker's package has the broker and the tools, the coordinator's the coordinator and the shell, no file in both" {
  for list in rpm_files deb_files; do
    $list kafka >"$BATS_TEST_TMPDIR/k"
    $list kafka-zookeeper >"$BATS_TEST_TMPDIR/z"
    for f in /opt/kafka/libexec/kafka-server /opt/kafka/libexec/kafka-topics \
      /opt/kafka/libexec/kafka-console-producer /opt/kafka/bin/kafka-server-start.sh \
      /opt/kafka/bin/kafka-topics.sh /etc/kafka/server.properties /opt/kafka/logs; do
      grep -qx "$f" "$BATS_TEST_TMPDIR/k"
    done
    for f in /opt/kafka/libexec/zookeeper-server /opt/kafka/libexec/zookeeper-shell \
      /opt/kafka/bin/zookeeper-server-start.sh /opt/kafka/bin/zookeeper-shell.sh /etc/kafka/zookeeper.properties; do
      grep -qx "$f" "$BATS_TEST_TMPDIR/z"
    done
    refute grep -q zookeeper-server "$BATS_TEST_TMPDIR/k"
    refute grep -q 'kafka-server\|kafka-topics' "$BATS_TEST_TMPDIR/z"
    [[ -z $(comm -12 "$BATS_TEST_TMPDIR/k" "$BATS_TEST_TMPDIR/z") ]]
  done
  # each script stands alone (tool-env.sh is inlined, not shipped)
  refute grep -q tool-env.sh "$BATS_TEST_TMPDIR/k" "$BATS_TEST_TMPDIR/z"
  refute grep -l '^\. .*tool-env.sh' "$BATS_FILE_TMPDIR"/deb/opt/kafka/bin/*.sh
}

@test "packaging: RPM owners and modes: programs root 0755, configs root 0644, data and logs owned by the service users" {
  rpm_attrs kafka >"$BATS_TEST_TMPDIR/k"
  rpm_attrs kafka-zookeeper >"$BATS_TEST_TMPDIR/z"
  grep -qx 'drwxr-x--- kafka kafka  /var/lib/kafka' "$BATS_TEST_TMPDIR/k"
  grep -qx 'drwxr-xr-x kafka kafka  /var/log/kafka' "$BATS_TEST_TMPDIR/k"
  grep -qx 'drwxr-x--- zookeeper zookeeper  /var/lib/zookeeper' "$BATS_TEST_TMPDIR/z"
  grep -qx 'drwxr-xr-x zookeeper zookeeper  /var/log/zookeeper' "$BATS_TEST_TMPDIR/z"
  grep -qx -- '-rwxr-xr-x root root  /opt/kafka/libexec/kafka-server' "$BATS_TEST_TMPDIR/k"
  grep -qx -- '-rwxr-xr-x root root  /opt/kafka/bin/kafka-topics.sh' "$BATS_TEST_TMPDIR/k"
  grep -qx -- '-rwxr-xr-x root root  /opt/kafka/libexec/zookeeper-server' "$BATS_TEST_TMPDIR/z"
  grep -qx -- '-rw-r--r-- root root  /usr/lib/systemd/system/kafka-server.service' "$BATS_TEST_TMPDIR/k"
  grep -qx 'lrwxrwxrwx root root  /opt/kafka/logs' "$BATS_TEST_TMPDIR/k"
  # only the data and log directories belong to the service users
  [[ $(grep -cv ' root root ' "$BATS_TEST_TMPDIR/k") -eq 2 ]]
  [[ $(grep -cv ' root root ' "$BATS_TEST_TMPDIR/z") -eq 2 ]]
  # the .debs ship everything as root (Rules-Requires-Root: no); postinst
  # hands the data and log directories over with dpkg-statoverride
  refute bash -c "dpkg-deb -c '$PKGS/$(deb_of kafka 1)' | grep -v ' root/root '"
  deb_control kafka postinst | grep -q 'for spec in /var/lib/kafka:0750 /var/log/kafka:0755'
  deb_control kafka postinst | grep -q 'dpkg-statoverride --update --add kafka kafka'
  deb_control kafka-zookeeper postinst | grep -q 'for spec in /var/lib/zookeeper:0750 /var/log/zookeeper:0755'
}

@test "packaging: configuration files are %config(noreplace) and conffiles: /etc/kafka and the units' environment files" {
  want_k=$'/etc/default/kafka-server\n/etc/kafka/connect-file-sink.properties\n/etc/kafka/connect-file-source.properties\n/etc/kafka/connect-standalone.properties\n/etc/kafka/server.properties'
  want_z=$'/etc/default/zookeeper-server\n/etc/kafka/zookeeper.properties'
  [[ $(deb_control kafka conffiles | sort) == "$want_k" ]]
  [[ $(deb_control kafka-zookeeper conffiles | sort) == "$want_z" ]]
  # rpm: "cn" = %config(noreplace); nothing else is configuration
  [[ $(rpm_attrs kafka | awk 'NF == 5 && $4 ~ /c/ {print $4, $5}' | sort) == "$(sed -e 's|^|cn |' -e 's|/etc/default/|/etc/sysconfig/|' <<<"$want_k" | sort)" ]]
  [[ $(rpm_attrs kafka-zookeeper | awk 'NF == 5 && $4 ~ /c/ {print $4, $5}' | sort) == "$(sed -e 's|^|cn |' -e 's|/etc/default/|/etc/sysconfig/|' <<<"$want_z" | sort)" ]]
  # the packaged configs keep their data under /var/lib
  grep -qx 'log.dirs=/var/lib/kafka' "$BATS_FILE_TMPDIR/deb/etc/kafka/server.properties"
  grep -qx 'dataDir=/var/lib/zookeeper' "$BATS_FILE_TMPDIR/rpm/etc/kafka/zookeeper.properties"
}

@test "packaging: scripts create the users with no login shell, enable only by preset, never start or restart" {
  for p in kafka kafka-zookeeper; do
    scripts=$(rpm -qp --scripts "$PKGS/$(rpm_of $p 1)" 2>/dev/null)
    grep -q 'useradd -r .* -s /sbin/nologin' <<<"$scripts"
    grep -q 'systemctl --no-reload preset' <<<"$scripts"
    refute grep -Eq 'restart|systemctl (--no-reload )?start' <<<"$scripts"
    deb=$(for s in preinst postinst prerm postrm; do deb_control $p $s; done)
    grep -q 'adduser --quiet --system --group' <<<"$deb"
    grep -q -- '--shell /usr/sbin/nologin' <<<"$deb"
    grep -q 'systemd-sysusers' <<<"$deb"
    grep -q "deb-systemd-helper enable" <<<"$deb"
    refute grep -Eq 'deb-systemd-invoke (start|restart|try-restart)|systemctl.* (start|restart|try-restart)' <<<"$deb"
    # the service is stopped when the package is removed, and only then
    [[ $(deb_control $p prerm | grep -c 'deb-systemd-invoke stop') -eq 1 ]]
    deb_control $p prerm | grep -q '"$1" = remove'
    refute deb_control $p preinst
  done
  # the sysusers.d entries the scripts mirror
  grep -qx 'u kafka - "Kafka-compatible broker" /var/lib/kafka /usr/sbin/nologin' "$BATS_FILE_TMPDIR/deb/usr/lib/sysusers.d/kafka.conf"
  grep -qx 'u zookeeper - .* /var/lib/zookeeper /usr/sbin/nologin' "$BATS_FILE_TMPDIR/rpm/usr/lib/sysusers.d/kafka-zookeeper.conf"
}

@test "packaging: the units: notify, watchdog, restart on failure, limits, users, ordering, hardening, one environment file per format, log directories" {
  for fmt in deb:/lib/systemd/system:/etc/default rpm:/usr/lib/systemd/system:/etc/sysconfig; do
    IFS=: read -r dir unitdir envdir <<<"$fmt"
    for u in kafka-server:kafka:server zookeeper-server:zookeeper:zookeeper; do
      IFS=: read -r unit user config <<<"$u"
      f=$BATS_FILE_TMPDIR/$dir$unitdir/$unit.service
      for line in Type=notify WatchdogSec=30s Restart=on-failure LimitNOFILE=100000 \
        "User=$user" "Group=$user" Wants=network-online.target \
        NoNewPrivileges=yes ProtectSystem=strict PrivateTmp=yes "StateDirectory=$user" \
        "LogsDirectory=$user" "EnvironmentFile=-$envdir/$unit" WantedBy=multi-user.target; do
        grep -qx -- "$line" "$f" || { echo "$f: no $line" >&2; return 1; }
      done
      grep -q "^After=.*network-online.target" "$f"
      grep -qx "ExecReload=/bin/sh -c 'kill -HUP \$MAINPID'" "$f" # reopens the logs
      # the stop timeout leaves room for a controlled shutdown
      grep -Eqx 'TimeoutStopSec=(6[0-9]|[7-9][0-9]|[1-9][0-9]{2,})s' "$f"
      grep -qx "ExecStart=/opt/kafka/bin/$unit-start.sh /etc/kafka/$config.properties" "$f"
      [[ -f $BATS_FILE_TMPDIR/$dir$envdir/$unit ]]
      # its logs go to its user's directory, under the unit and when the
      # start script is run by hand (the script's default)
      grep -qx "Environment=LOG_DIR=/var/log/$user" "$f"
      grep -qx "PACKAGE_LOG_DIR=/var/log/$user" "$BATS_FILE_TMPDIR/$dir/opt/kafka/bin/$unit-start.sh"
    done
  done
  # the broker starts after a coordinator on the same host
  grep -qx 'After=network-online.target zookeeper-server.service' "$BATS_FILE_TMPDIR/deb/lib/systemd/system/kafka-server.service"
}

@test "packaging: rpmlint passes (what packaging/rpm/kafka.rpmlintrc filters is listed there with why)" {
  run rpmlint -r "$REPO_ROOT/packaging/rpm/kafka.rpmlintrc" "$PKGS/$(rpm_of kafka 1)" \
    "$PKGS/$(rpm_of kafka-zookeeper 1)" "$PKGS/kafka-$PKG_VERSION-1.src.rpm"
  echo "$output"
  [[ $status -eq 0 ]]
  [[ $output == *"0 errors, 0 warnings"* ]]
}

@test "packaging: lintian passes, info and pedantic tags too (the overrides in packaging/deb/*.lintian-overrides say why)" {
  run lintian --info --pedantic --fail-on error,warning,info,pedantic \
    "$PKGS/$(deb_of kafka 1)" "$PKGS/$(deb_of kafka-zookeeper 1)"
  echo "$output"
  [[ $status -eq 0 ]]
  refute grep -q '^[EWIP]:' <<<"$output"
}

@test "packaging: the RPMs in a scratch root: users, owners, enabled only as the preset policy says, units verify" {
  # this root's policy: the coordinator stays disabled, the rest as Debian's default (enable)
  mkdir -p "$ROOT/etc/systemd/system-preset"
  echo 'disable zookeeper-server.service' >"$ROOT/etc/systemd/system-preset/10-test.preset"
  rpm --root "$ROOT" -i --nodeps "$PKGS/$(rpm_of kafka-zookeeper 1)" "$PKGS/$(rpm_of kafka 1)"
  grep -qx 'kafka:x:[0-9]*:[0-9]*:Kafka-compatible broker:/var/lib/kafka:/sbin/nologin' "$ROOT/etc/passwd"
  grep -qx 'zookeeper:x:[0-9]*:[0-9]*:ZooKeeper-compatible coordinator:/var/lib/zookeeper:/sbin/nologin' "$ROOT/etc/passwd"
  [[ $(root_owner /var/lib/kafka) == kafka:kafka && $(stat -c %a "$ROOT/var/lib/kafka") == 750 ]]
  [[ $(root_owner /var/log/kafka) == kafka:kafka ]]
  [[ $(root_owner /var/lib/zookeeper) == zookeeper:zookeeper ]]
  [[ $(root_owner /opt/kafka/libexec/kafka-server) == root:root ]]
  [[ $(readlink "$ROOT/opt/kafka/logs") == /var/log/kafka ]]
  [[ -L $ROOT/etc/systemd/system/multi-user.target.wants/kafka-server.service ]]
  [[ ! -e $ROOT/etc/systemd/system/multi-user.target.wants/zookeeper-server.service ]]
  systemd-analyze verify --root="$ROOT" kafka-server.service zookeeper-server.service
  rpm --root "$ROOT" -V --nodeps kafka kafka-zookeeper
}

@test "packaging: RPM upgrade keeps an edited server.properties and the operator's enablement" {
  echo 'zookeeper.session.timeout.ms=6000' >>"$ROOT/etc/kafka/server.properties"
  # the operator disabled the broker; an upgrade must not enable it again
  rm "$ROOT/etc/systemd/system/multi-user.target.wants/kafka-server.service"
  rpm --root "$ROOT" -U --nodeps "$PKGS/$(rpm_of kafka-zookeeper 2)" "$PKGS/$(rpm_of kafka 2)"
  [[ $(rpm --root "$ROOT" -q kafka 2>/dev/null) == kafka-$PKG_VERSION-2.$PKG_ARCH_RPM ]]
  grep -qx 'zookeeper.session.timeout.ms=6000' "$ROOT/etc/kafka/server.properties"
  [[ ! -e $ROOT/etc/kafka/server.properties.rpmnew ]]
  [[ ! -e $ROOT/etc/systemd/system/multi-user.target.wants/kafka-server.service ]]
}

@test "packaging: RPM erase keeps the data and the users, saves the edited config" {
  mkdir -p "$ROOT/var/lib/kafka/t-0" "$ROOT/var/lib/zookeeper/version-2"
  echo data >"$ROOT/var/lib/kafka/t-0/00000000000000000000.log"
  echo data >"$ROOT/var/lib/zookeeper/version-2/log.1"
  rpm --root "$ROOT" -e kafka kafka-zookeeper
  [[ ! -e $ROOT/opt/kafka/libexec/kafka-server && ! -e $ROOT/opt/kafka/libexec/zookeeper-server ]]
  [[ ! -e $ROOT/usr/lib/systemd/system/kafka-server.service ]]
  [[ $(cat "$ROOT/var/lib/kafka/t-0/00000000000000000000.log") == data ]]
  [[ $(cat "$ROOT/var/lib/zookeeper/version-2/log.1") == data ]]
  grep -q '^kafka:' "$ROOT/etc/passwd"
  grep -q '^zookeeper:' "$ROOT/etc/passwd"
  grep -qx 'zookeeper.session.timeout.ms=6000' "$ROOT/etc/kafka/server.properties.rpmsave"
}
