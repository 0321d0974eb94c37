"""A mail's raw bytes as triage reads them: in memory, or mapped from the file a large mail was spooled to.

A spooled mail (`RawMail.spool`) is never read into memory whole. It is mapped (mmap), and the scan and the
parser's skeleton read it like bytes; but a mapped page read stays resident, and counts, until it is given
back: `release` gives back what was read (the kernel keeps it in its page cache, nothing is lost), and
`decode_base64` decodes a large attached file a window at a time, giving back each window's pages as it goes.
So triaging a mail holds its decoded files, not its raw bytes as well.
"""

from __future__ import annotations

import binascii
import io
import mmap
from collections.abc import Iterator
from contextlib import contextmanager

from inbox_bot.core.models import RawMail

Bytes = bytes | mmap.mmap

WINDOW = 1024 * 1024  # base64 decoded at a time from a mapped mail
_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
_NOT_BASE64 = bytes(sorted(set(range(256)) - set(_ALPHABET)))  # what a2b_base64 skips, deleted up front


@contextmanager
def opened(raw: RawMail) -> Iterator[Bytes]:
    """The mail's bytes: `raw.raw`, or its spool file mapped read-only (closed on the way out)."""
    if raw.spool is None:
        yield raw.raw
        return
    with raw.spool.open("rb") as file:
        if raw.spool_size == 0:  # an empty file cannot be mapped
            yield b""
            return
        with mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as view:
            yield view


def head(raw: RawMail, size: int) -> bytes:
    """The first `size` bytes (the header block, for a parser that reads headers only)."""
    if raw.spool is None:
        return raw.raw[:size]
    with raw.spool.open("rb") as file:
        return file.read(size)


def release(data: Bytes, start: int, end: int) -> None:
    """Give back the resident pages of [start, end) of a mapped mail; bytes in memory stay as they are."""
    if not isinstance(data, mmap.mmap):
        return
    first = start - start % mmap.PAGESIZE
    end = min(end, len(data))
    if end > first:
        data.madvise(mmap.MADV_DONTNEED, first, end - first)


def decode_base64(data: Bytes, start: int, end: int) -> bytes:
    """`binascii.a2b_base64(data[start:end])`, refusing non-ASCII as `base64.b64decode(str)` does, decoded a
    window at a time and each window given back (`release`).

    Equal to decoding the whole: a2b_base64 skips every byte outside its alphabet, and splitting the rest on a
    multiple of four characters splits the output on a byte boundary. From the first padding character on,
    the rest is decoded as one piece (it ends the data: normally the last line); a body that does not decode
    is decoded whole again, to fail with the same error."""
    out, carry, pos = io.BytesIO(), b"", start
    while pos < end:
        stop = min(end, pos + WINDOW)
        window = data[pos:stop]
        if not window.isascii():
            raise ValueError("string argument should contain only ASCII characters")
        clean = carry + window.translate(None, _NOT_BASE64)
        if b"=" in clean:
            _check_ascii(data, stop, end)
            try:
                out.write(binascii.a2b_base64(clean + data[stop:end]))
            except binascii.Error:
                return _whole(data, start, end)
            release(data, start, end)
            return out.getvalue()
        even = len(clean) - len(clean) % 4
        out.write(binascii.a2b_base64(clean[:even]))
        carry = clean[even:]
        release(data, pos, stop)
        pos = stop
    if carry:
        return _whole(data, start, end)
    return out.getvalue()  # BytesIO hands over its buffer: no copy of the file


def _whole(data: Bytes, start: int, end: int) -> bytes:
    """What decoding the whole gives: a body that does not decode fails with the whole's error, word for word."""
    with memoryview(data) as view:
        return binascii.a2b_base64(view[start:end])


def _check_ascii(data: Bytes, start: int, end: int) -> None:
    for pos in range(start, end, WINDOW):
        if not data[pos : min(end, pos + WINDOW)].isascii():
            raise ValueError("string argument should contain only ASCII characters")
