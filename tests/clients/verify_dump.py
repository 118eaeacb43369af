#!/usr/bin/python3
"""Verify messages dumped by another tool (kcat) with the same checks as the
client programs (kclient_common.Verifier).

    kcat -C -b B -t T -o beginning -e -f '%p %o %T %k %s\\n' \\
      | verify_dump.py --count N [--pad B] [--no-keys] [--first-offset O]

Input lines: "partition offset timestamp key value" (key may be empty when
--no-keys).  Exit 0 when all N messages are there, intact, in order, with
contiguous offsets and no duplicates; 1 otherwise.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kclient_common as kc  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--pad", type=int, default=0)
    ap.add_argument("--start", type=int, default=0, help="index of the first message")
    ap.add_argument("--no-keys", action="store_true")
    ap.add_argument("--first-offset", type=int, default=0, help="-1: don't check")
    ap.add_argument("--partitions", type=int, default=0,
                    help="expect messages in exactly this many partitions (0: don't check)")
    ap.add_argument("--input", default="-")
    a = ap.parse_args()
    v = kc.Verifier(a.count, pad=a.pad, keyed=not a.no_keys, start_index=a.start,
                    first_offset=None if a.first_offset < 0 else a.first_offset,
                    ts_window=(kc.now_ms() - 3600 * 1000, kc.now_ms() + 60 * 1000))
    f = sys.stdin if a.input == "-" else open(a.input)
    bad = 0
    for line in f:
        parts = line.rstrip("\n").split(" ", 4)
        if len(parts) != 5:
            bad += 1
            v.error("malformed line %r" % line[:80])
            continue
        p, o, ts, k, val = parts
        v.add(int(p), int(o), None if (a.no_keys and k == "") else k, val,
              timestamp=int(ts) if ts.lstrip("-").isdigit() else None)
    try:
        v.finish("kcat consume")
        if a.partitions and len(v.per_partition) != a.partitions:
            raise kc.TestFailure("messages in %d partitions, expected %d: %s"
                                 % (len(v.per_partition), a.partitions, v.summary()))
    except kc.TestFailure as e:
        print("FAIL: %s" % e, file=sys.stderr)
        return 1
    print("verified %s" % v.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
