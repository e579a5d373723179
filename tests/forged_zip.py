"""Zip archives that lie about a member's size, built byte by byte for the importer tests,
and a peak-memory probe that reads one in a fresh Python process.

The lying member is a real deflate stream: `prefix` followed by `megabytes` MB of spaces,
compressed once per megabyte with a full flush (so every megabyte compresses to the same
few bytes and a 1.1 GB member is written in a fraction of a second). The archive is first
written normally, with those bytes stored as they are, and then its local and central
headers are patched with struct: method deflate, the real CRC, and an uncompressed size of
only len(prefix), as a hostile file would claim.
"""
from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

MB = 1024 * 1024
ROOT = Path(__file__).resolve().parent.parent


def deflated_with_spaces(prefix: bytes, megabytes: int) -> tuple[bytes, int]:
    """A raw deflate stream of prefix + megabytes MB of spaces, and its CRC-32."""
    spaces = b" " * MB
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = compressor.compress(prefix) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(spaces) + compressor.flush(zlib.Z_FULL_FLUSH)
    tail = compressor.flush(zlib.Z_FINISH)
    crc = zlib.crc32(prefix)
    for _ in range(megabytes):
        crc = zlib.crc32(spaces, crc)
    return head + block * megabytes + tail, crc


def _headers(data: bytes, signature: bytes, name_at: int, name: str) -> list[int]:
    """Offsets of the headers with `signature` (local PK\\x03\\x04 or central PK\\x01\\x02)
    whose file name, `name_at` bytes in, is `name`."""
    found, wanted = [], name.encode()
    at = data.find(signature)
    while at >= 0:
        if data[at + name_at:at + name_at + len(wanted)] == wanted:
            found.append(at)
        at = data.find(signature, at + 4)
    return found


def understated_zip(members: dict[str, bytes], liar: str, prefix: bytes, megabytes: int) -> bytes:
    """A zip of `members` plus `liar`, whose headers say it unpacks to len(prefix) bytes
    while it really unpacks to len(prefix) + megabytes MB."""
    stream, crc = deflated_with_spaces(prefix, megabytes)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in members.items():
            archive.writestr(name, body)
        archive.writestr(zipfile.ZipInfo(liar, (1980, 1, 1, 0, 0, 0)), stream, compress_type=zipfile.ZIP_STORED)
    data = bytearray(out.getvalue())
    # local header: method at 8, CRC at 14, compressed size at 18, size at 22, name at 30
    for at in _headers(data, b"PK\x03\x04", 30, liar):
        struct.pack_into("<H", data, at + 8, zipfile.ZIP_DEFLATED)
        struct.pack_into("<III", data, at + 14, crc, len(stream), len(prefix))
    # central header: method at 10, CRC at 16, compressed size at 20, size at 24, name at 46
    for at in _headers(data, b"PK\x01\x02", 46, liar):
        struct.pack_into("<H", data, at + 10, zipfile.ZIP_DEFLATED)
        struct.pack_into("<III", data, at + 16, crc, len(stream), len(prefix))
    return bytes(data)


def peak_memory_of(code: str, path: Path) -> dict:
    """Run `code` in a fresh Python with `path` as sys.argv[1]; it sets RESULT, a dict.
    Returns RESULT with "peak_mb", the process's peak resident memory: VmHWM of
    /proc/self/status, which starts afresh at exec (ru_maxrss does not: Linux carries it
    over from the forking process, here the whole test run), else ru_maxrss."""
    probe = (f"{code}\nimport json, resource\n"
             "try:\n"
             "    peak = int(next(line.split()[1] for line in open('/proc/self/status') if line.startswith('VmHWM:')))\n"
             "except OSError:\n"
             "    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
             "print(json.dumps({**RESULT, 'peak_mb': peak // 1024}))")
    done = subprocess.run([sys.executable, "-c", probe, str(path)], capture_output=True, text=True, timeout=300,
                          cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])
