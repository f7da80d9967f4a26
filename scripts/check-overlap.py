#!/usr/bin/env python3
"""Report lines of project files that also occur in ../shared reference data.

dyad's dictionaries, tests and docs are written by the team; this check (the same
normalisation the before-stop hook uses) catches accidental copies.
Usage: scripts/check-overlap.py FILE... ; exit 1 when a file is over the limit.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(HERE, "..", "..", "shared")


def norm(line):
    s = " ".join(line.strip().split()).upper()
    return s if len(s) >= 14 and not s.startswith(("#", "//", ";")) else None


ref = set()
for sub in ("dictionaries", "reference", "cameo"):
    for root, _, files in os.walk(os.path.join(SHARED, sub)):
        for f in files:
            with open(os.path.join(root, f), encoding="utf-8", errors="replace") as fh:
                for line in fh:
                    n = norm(line)
                    if n:
                        ref.add(n)
bad = 0
for path in sys.argv[1:]:
    with open(path, encoding="utf-8", errors="replace") as fh:
        lines = [norm(l) for l in fh]
    lines = [l for l in lines if l]
    hits = [l for l in lines if l in ref]
    over = len(hits) >= 15 and len(hits) >= 0.05 * max(1, len(lines))
    print(f"{path}: {len(hits)} of {len(lines)} lines also in ../shared{' (OVER LIMIT)' if over else ''}")
    for h in hits[:20]:
        print(f"    {h}")
    bad |= over
sys.exit(1 if bad else 0)
