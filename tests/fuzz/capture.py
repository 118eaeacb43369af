#!/usr/bin/python3
"""A recording TCP proxy for the fuzzers' seed corpora (tests/fuzz/record-seeds).

  capture.py --listen PORT --upstream PORT --out DIR [--max-frame BYTES]
             [--max-frames N] [--answers]

Relays every connection on 127.0.0.1:PORT to 127.0.0.1:UPSTREAM and keeps
what the client sent, split into its length-prefixed frames (Kafka requests
and ZooKeeper requests are both int32-size framed), as one file per
connection in DIR: the frames without their size prefix, joined by the
separator of tests/fuzz/fuzz.h. Frames above --max-frame bytes are left out
and a file keeps at most --max-frames frames, so the seeds stay small. The
file name starts with the text of DIR/label at the time of the connection
(the recording script names the client there). With --answers, what the
server sent is kept too, split the same way, in a second file whose name
ends in "-answers". Stops on SIGTERM.
"""
import argparse
import hashlib
import os
import selectors
import signal
import socket
import struct
import sys

SEP = b"\xffFRM"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", type=int, required=True)
    ap.add_argument("--upstream", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--max-frame", type=int, default=16384)
    ap.add_argument("--max-frames", type=int, default=48)
    ap.add_argument("--answers", action="store_true")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    lsock = socket.socket()
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", a.listen))
    lsock.listen(64)
    lsock.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(lsock, selectors.EVENT_READ, None)
    conns = {}  # socket -> state dict shared by the pair

    def label():
        try:
            with open(os.path.join(a.out, "label")) as f:
                return f.read().strip() or "conn"
        except OSError:
            return "conn"

    def save(st):
        if not st["frames"]:
            return
        data = SEP.join(st["frames"])
        name = "%s-%s" % (st["label"], hashlib.sha1(data).hexdigest()[:12])
        with open(os.path.join(a.out, name), "wb") as f:
            f.write(data)
        if a.answers and st["answers"]:
            with open(os.path.join(a.out, name + "-answers"), "wb") as f:
                f.write(SEP.join(st["answers"]))

    def close(st):
        if st["closed"]:
            return
        st["closed"] = True
        for s in (st["client"], st["server"]):
            try:
                sel.unregister(s)
            except (KeyError, ValueError):
                pass
            conns.pop(s, None)
            s.close()
        save(st)

    def split_frames(buf, frames, data):
        buf += data
        while len(buf) >= 4:
            (size,) = struct.unpack(">i", buf[:4])
            if size < 0 or len(buf) < 4 + size:
                break
            if size <= a.max_frame and len(frames) < a.max_frames:
                frames.append(bytes(buf[4:4 + size]))
            del buf[:4 + size]

    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    while not stop:
        for key, _ in sel.select(timeout=0.5):
            s = key.fileobj
            if s is lsock:
                c, _addr = lsock.accept()
                c.setblocking(True)
                try:
                    u = socket.create_connection(("127.0.0.1", a.upstream))
                except OSError:  # the server is down: so is this connection
                    c.close()
                    continue
                st = {"client": c, "server": u, "buf": bytearray(), "frames": [],
                      "abuf": bytearray(), "answers": [], "label": label(), "closed": False}
                for x in (c, u):
                    conns[x] = st
                    sel.register(x, selectors.EVENT_READ, None)
                continue
            st = conns.get(s)
            if st is None:
                continue
            try:
                data = s.recv(65536)
            except OSError:
                data = b""
            if not data:
                close(st)
                continue
            peer = st["server"] if s is st["client"] else st["client"]
            if s is st["client"]:
                split_frames(st["buf"], st["frames"], data)
            elif a.answers:
                split_frames(st["abuf"], st["answers"], data)
            try:
                peer.sendall(data)
            except OSError:
                close(st)
    for st in list({id(v): v for v in conns.values()}.values()):
        close(st)


if __name__ == "__main__":
    sys.exit(main())
