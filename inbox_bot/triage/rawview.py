"""A mail's raw bytes as triage reads them: in memory, or mapped from the file a large mail was spooled to.

A spooled mail (`RawMail.spool`) is never read into memory whole. It is mapped (mmap), and the scan and the
parser's skeleton read it like bytes; but a mapped page read stays resident, and counts, until it is given
back: `release` gives back what was read (the kernel keeps it in its page cache, nothing is lost). A large
attached file is decoded by `decode_base64` a window at a time, read from the file rather than the map, into
a buffer of its final size: so triaging a mail holds its decoded files, not its raw bytes as well.

Base64 is decoded by pybase64 where it gives what the standard library gives (`_decode`): it is several times
faster and lets go of Python's interpreter lock while it works, so decoding a mail's files in a reading thread
no longer holds up the daemon's thread, which records mails meanwhile (docs/benchmarks.md, "Both cores").
"""

from __future__ import annotations

import binascii
import io
import mmap
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pybase64

from inbox_bot.core.models import RawMail

Bytes = bytes | mmap.mmap


class Mapped(mmap.mmap):
    """A spool file mapped, which knows its file: `decode_base64` reads the file rather than the map (pread):
    pages read through a map are mapped in ahead of the reader, more than `release` can keep up with."""

    fd = -1

WINDOW = 256 * 1024  # base64 decoded at a time from a mapped mail: its temporaries stay small
_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
_NOT_BASE64 = bytes(sorted(set(range(256)) - set(_ALPHABET)))  # what a2b_base64 skips, deleted up front
_LETTER = re.compile(rb"[A-Za-z0-9+/]")


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
        with Mapped(file.fileno(), 0, access=mmap.ACCESS_READ) as view:
            view.fd = file.fileno()
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
    is decoded whole again, to fail with the same error.

    A mail in memory is decoded whole: its bytes are held already, and windows would only add copies."""
    if not isinstance(data, mmap.mmap):
        body = data[start:end]
        if not body.isascii():
            raise ValueError("string argument should contain only ASCII characters")
        return _decode(body)
    out, carry, pos = _output((end - start) * 3 // 4), b"", start
    while pos < end:
        stop = min(end, pos + WINDOW)
        window = _read(data, pos, stop)
        if not window.isascii():
            raise ValueError("string argument should contain only ASCII characters")
        if not carry and (lines := _whole_lines(window, last=stop == end)) is not None:
            decoded, read = lines
            out.write(decoded)
            release(data, pos, pos + read)
            pos += read
            continue
        clean = carry + window.translate(None, _NOT_BASE64)
        if b"=" in clean:
            _check_ascii(data, stop, end)
            try:
                out.write(binascii.a2b_base64(clean + _read(data, stop, end)))
            except binascii.Error:
                return _whole(data, start, end)
            release(data, start, end)
            return _value(out)
        even = len(clean) - len(clean) % 4
        out.write(_decode(clean[:even]))
        carry = clean[even:]
        release(data, pos, stop)
        pos = stop
    if carry:
        return _whole(data, start, end)
    return _value(out)


def _decode(body: bytes) -> bytes:
    """`binascii.a2b_base64(body)`, by pybase64 wherever the two give the same bytes or the same error: as long as
    no letter of the alphabet follows a padding character ("=" ends the data for the standard library, where
    pybase64 decodes on). Where pybase64 refuses, the standard library says why, in its own words."""
    padding = body.find(b"=")
    if padding < 0 or _LETTER.search(body, padding) is None:
        try:
            return pybase64.b64decode(body, validate=False)
        except ValueError:  # binascii.Error included
            pass
    return binascii.a2b_base64(body)


def _whole_lines(window: bytes, *, last: bool) -> tuple[bytes, int] | None:
    """The window's whole lines decoded (the whole window, if it ends the body) and how many bytes they took,
    when they hold whole groups of four characters and no padding, as the lines of a well-formed body do; None
    otherwise (decoded the slow way, which carries characters over from one window to the next)."""
    cut = len(window) if last else window.rfind(b"\n") + 1
    if cut == 0 or b"=" in window:
        return None
    try:
        return pybase64.b64decode(window[:cut], validate=False), cut
    except ValueError:  # characters left over: not on a boundary of four
        return None


def _output(most: int) -> io.BytesIO:
    """A buffer the size the decoded file may reach, at once: grown by steps, it would be copied at each step
    (realloc), and the allocator would keep the old copy beside the new one."""
    out = io.BytesIO()
    if most > 0:
        out.seek(most - 1)
        out.write(b"\0")
        out.seek(0)
    return out


def _value(out: io.BytesIO) -> bytes:
    """What was written: the buffer shrunk in place and handed over (BytesIO shares it), never copied."""
    out.truncate(out.tell())
    return out.getvalue()


def _whole(data: Bytes, start: int, end: int) -> bytes:
    """What decoding the whole gives: a body that does not decode fails with the whole's error, word for word."""
    with memoryview(data) as view:
        return binascii.a2b_base64(view[start:end])


def _read(data: Bytes, start: int, end: int) -> bytes:
    if isinstance(data, Mapped) and data.fd >= 0:
        return os.pread(data.fd, end - start, start)
    return data[start:end]


def _check_ascii(data: Bytes, start: int, end: int) -> None:
    for pos in range(start, end, WINDOW):
        if not _read(data, pos, min(end, pos + WINDOW)).isascii():
            raise ValueError("string argument should contain only ASCII characters")
