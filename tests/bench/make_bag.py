#!/usr/bin/env python3
"""Generates a BagIt 1.0 directory bag of N files with log-uniform sizes for benchmarks.

usage: make_bag.py OUT_DIR N_FILES MIN_BYTES MAX_BYTES [SEED]
"""
import hashlib
import math
import os
import random
import sys

out, n, lo, hi = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rng = random.Random(int(sys.argv[5]) if len(sys.argv) > 5 else 42)
lines = []
total = 0
block = rng.randbytes(1 << 20)
for i in range(n):
    size = int(math.exp(rng.uniform(math.log(lo), math.log(hi))))
    rel = f"data/d{i % 40:02d}/tệp-{i:05d}.bin"
    path = os.path.join(out, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    h = hashlib.sha256()
    with open(path, "wb") as f:
        left = size
        salt = i.to_bytes(8, "little")
        while left > 0:
            chunk = (salt + block)[: min(left, len(block) + 8)]
            f.write(chunk)
            h.update(chunk)
            left -= len(chunk)
    lines.append(f"{h.hexdigest()}  {rel}\n")
    total += size
with open(os.path.join(out, "bagit.txt"), "w") as f:
    f.write("BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
with open(os.path.join(out, "manifest-sha256.txt"), "w", encoding="utf-8") as f:
    f.writelines(lines)
with open(os.path.join(out, "bag-info.txt"), "w", encoding="utf-8") as f:
    f.write(f"Payload-Oxum: {total}.{n}\nTitle: Benchmark bag\n")
tm = []
for name in ("bagit.txt", "manifest-sha256.txt", "bag-info.txt"):
    with open(os.path.join(out, name), "rb") as f:
        tm.append(f"{hashlib.sha256(f.read()).hexdigest()}  {name}\n")
with open(os.path.join(out, "tagmanifest-sha256.txt"), "w") as f:
    f.writelines(tm)
print(f"{n} files, {total} bytes")
