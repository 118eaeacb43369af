#!/usr/bin/python3
"""A TCP relay that gives every client connection a slow uplink: what a
client sends reaches the server at --rate bytes per second per connection
(answers go back at full speed, or at --down-rate), as if each client sat
behind its own slow link. Many producers behind it keep many large requests
half-arrived at the broker at once, which is what makes a broker's request
memory grow; consumers behind a slow downlink read their answers slowly,
which keeps the broker's answers queued.

  slow_link.py --listen PORT --to HOST:PORT --rate BYTES_PER_S
               [--down-rate BYTES_PER_S] [--ready FILE]

A rate of 0 is full speed.

Runs until killed; writes FILE once it listens.
"""
import argparse
import asyncio
import sys
import time

CHUNK = 32768


async def pump(reader, writer, rate):
    try:
        due = time.monotonic()  # when the link is free again (no saved-up credit)
        while True:
            data = await reader.read(CHUNK)
            if not data:
                break
            writer.write(data)
            await writer.drain()
            if rate:
                due = max(due, time.monotonic()) + len(data) / rate
                await asyncio.sleep(due - time.monotonic())
    except (ConnectionError, OSError):
        pass
    finally:
        try:
            writer.close()
        except Exception:
            pass


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", type=int, required=True)
    ap.add_argument("--to", required=True)
    ap.add_argument("--rate", type=float, required=True)
    ap.add_argument("--down-rate", type=float, default=0)
    ap.add_argument("--ready")
    args = ap.parse_args()
    host, port = args.to.rsplit(":", 1)

    async def handle(creader, cwriter):
        try:
            sreader, swriter = await asyncio.open_connection(host, int(port))
        except OSError:
            cwriter.close()
            return
        await asyncio.gather(pump(creader, swriter, args.rate), pump(sreader, cwriter, args.down_rate))

    server = await asyncio.start_server(handle, "127.0.0.1", args.listen)
    if args.ready:
        open(args.ready, "w").write("ready\n")
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
