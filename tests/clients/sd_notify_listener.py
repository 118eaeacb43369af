#!/usr/bin/env python3
"""sd_notify_listener.py SOCKET OUT -- stands in for systemd's notification
socket (sd_notify(3)): binds a unix datagram socket at SOCKET and appends
every message a daemon sends to OUT, one line each, its newlines shown as
" | " (e.g. "READY=1 | STATUS=Serving as broker 0 on port 9092"). Runs until
killed. Used by tests/integration/service_notify.bats."""
import os
import socket
import sys


def main():
    path, out = sys.argv[1], sys.argv[2]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    with open(out, "a", buffering=1) as f:
        f.write("listening\n")
        while True:
            data = sock.recv(65536)
            f.write(data.decode("utf-8", "replace").rstrip("\n").replace("\n", " | ") + "\n")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        os._exit(0)
