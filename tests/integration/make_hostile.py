#!/usr/bin/env python3
"""Writes hostile packages for the ingest tests into OUT_DIR (argv[1]).

Each is otherwise a valid BagIt bag, so the only reason to reject it is the hostile part.
Archive members are crafted with tarfile/zipfile headers directly; nothing here is extracted.
"""
import hashlib
import io
import os
import sys
import tarfile
import unicodedata
import zipfile

out = sys.argv[1]
marker = sys.argv[2]  # a unique name the tests search for outside staging
os.makedirs(out, exist_ok=True)


def bag_files(payload):
    """Returns {path: bytes} of a complete bag with the given payload {"data/..": bytes}."""
    files = {"bagit.txt": b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"}
    man = "".join(f"{hashlib.sha256(v).hexdigest()}  {k}\n" for k, v in payload.items())
    files["manifest-sha256.txt"] = man.encode()
    size = sum(len(v) for v in payload.values())
    files["bag-info.txt"] = f"Payload-Oxum: {size}.{len(payload)}\n".encode()
    files.update(payload)
    return files


def tar_with(name, extra_members, payload=None):
    payload = payload or {"data/ok.txt": b"ok\n"}
    with tarfile.open(os.path.join(out, name), "w:gz") as t:
        for path, data in bag_files(payload).items():
            ti = tarfile.TarInfo("bag/" + path)
            ti.size = len(data)
            t.addfile(ti, io.BytesIO(data))
        for ti, data in extra_members:
            t.addfile(ti, io.BytesIO(data) if data is not None else None)


def member(name, data=b"evil\n", type_=tarfile.REGTYPE, linkname=""):
    ti = tarfile.TarInfo(name)
    ti.type = type_
    ti.linkname = linkname
    if type_ == tarfile.REGTYPE:
        ti.size = len(data)
        return ti, data
    return ti, None


tar_with("parent-ref.tar.gz", [member(f"bag/data/../../../../{marker}-parent.txt")])
tar_with("absolute.tar.gz", [member(f"/tmp/{marker}-absolute.txt")])
tar_with("symlink.tar.gz", [member("bag/data/link", type_=tarfile.SYMTYPE, linkname="/etc/passwd")])
tar_with("hardlink.tar.gz", [member("bag/data/hard", type_=tarfile.LNKTYPE, linkname="/etc/passwd")])
tar_with("device.tar.gz", [member("bag/data/dev", type_=tarfile.CHRTYPE)])

# Invalid UTF-8 file name in the payload (listed in the manifest as raw bytes too).
with tarfile.open(os.path.join(out, "bad-utf8.tar"), "w", encoding="utf-8",
                  errors="surrogateescape") as t:
    payload = {"data/ok.txt": b"ok\n"}
    for path, data in bag_files(payload).items():
        ti = tarfile.TarInfo("bag/" + path)
        ti.size = len(data)
        t.addfile(ti, io.BytesIO(data))
    ti = tarfile.TarInfo("bag/data/bad\udcff.txt")
    ti.size = 3
    t.addfile(ti, io.BytesIO(b"x\n\n"[:3]))

# Zip bomb: 256 MiB of zeros deflates to ~250 KiB (ratio ~1000:1).
with zipfile.ZipFile(os.path.join(out, "bomb.zip"), "w", zipfile.ZIP_DEFLATED) as z:
    for path, data in bag_files({"data/ok.txt": b"ok\n"}).items():
        z.writestr("bag/" + path, data)
    with z.open("bag/data/zeros.bin", "w", force_zip64=True) as f:
        chunk = b"\0" * (1 << 20)
        for _ in range(256):
            f.write(chunk)


def bag_dir(name, payload, tweak=None):
    root = os.path.join(out, name)
    for path, data in bag_files(payload).items():
        p = os.path.join(root, path)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)
    if tweak:
        tweak(root)


# Endless manifest line: 8 MiB without a newline.
def endless(root):
    with open(os.path.join(root, "manifest-sha256.txt"), "ab") as f:
        f.write(b"a" * (8 << 20))


bag_dir("endless-line", {"data/ok.txt": b"ok\n"}, endless)

# NFC/NFD collision: two distinct files whose names normalise to the same NFC name.
nfc = unicodedata.normalize("NFC", "data/Quyết định.txt")
nfd = unicodedata.normalize("NFD", "data/Quyết định.txt")
bag_dir("nfc-collision", {nfc: b"one\n", nfd: b"two\n"})


# Payload manifest naming a path outside data/.
def outside(root):
    with open(os.path.join(root, "manifest-sha256.txt"), "a") as f:
        f.write(hashlib.sha256(b"").hexdigest() + "  ../../etc/passwd\n")


bag_dir("manifest-outside-data", {"data/ok.txt": b"ok\n"}, outside)
