"""Hostile input for the tests of issue #6: mails and files built to crash, stall, exhaust or escape.

Everything is raw bytes written by hand (not by the email package, which refuses to write most of these), and
cheap to build: a bomb that inflates to a gigabyte is made by repeating one compressed block, never by
compressing a gigabyte.
"""

from __future__ import annotations

import base64
import struct
import zlib
from dataclasses import dataclass

# An application to ALCI's call (subject imposed, deadline 6 January 2024) received in time: what a hostile
# attachment makes of a mail that would otherwise be judged.
CALL_ADDRESS = b"mouvementalci@gmail.com"
RECEIVED = b"Received: from mail.example.ma by mx.google.com with ESMTPS id x1; Tue, 2 Jan 2024 10:00:00 +0000"


def head(*, sender: bytes = b"Karim Alaoui <karim.alaoui@example.ma>", subject: bytes = b"Guide des bonnes pratiques",
         message_id: bytes = b"<hostile@example.ma>", extra: bytes = b"") -> bytes:
    return (
        RECEIVED + b"\r\nFrom: " + sender + b"\r\nTo: " + CALL_ADDRESS + b"\r\nSubject: " + subject
        + b"\r\nMessage-ID: " + message_id + b"\r\nDate: Tue, 2 Jan 2024 09:59:00 +0000\r\nMIME-Version: 1.0\r\n"
        + extra
    )


def part(data: bytes, *, disposition: bytes = b'attachment; filename="file.bin"',
         content_type: bytes = b"application/octet-stream") -> bytes:
    """One base64 attachment part, headers given raw so that any parameter trick can be written."""
    body = base64.encodebytes(data).replace(b"\n", b"\r\n")
    return (b"Content-Type: " + content_type + b"\r\nContent-Disposition: " + disposition
            + b"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + body)


def text_part(text: bytes = b"Bonjour, veuillez trouver ci-joint mon dossier.") -> bytes:
    return b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + text + b"\r\n"


def multipart(parts: list[bytes], boundary: bytes = b"==hostile==") -> bytes:
    """Content-Type header line, blank line, then the parts (the caller puts the mail headers first)."""
    body = b"".join(b"--" + boundary + b"\r\n" + p + b"\r\n" for p in parts)
    return b'Content-Type: multipart/mixed; boundary="' + boundary + b'"\r\n\r\n' + body + b"--" + boundary + b"--\r\n"


def application(*attachments: tuple[bytes, bytes], **head_args: bytes) -> bytes:
    """A mail to the call with a text part and (filename parameter value, bytes) attachments."""
    files = [part(data, disposition=b'attachment; filename="' + name + b'"') for name, data in attachments]
    return head(**head_args) + multipart([text_part(), *files])


def nested_multipart(depth: int) -> bytes:
    opening = b"".join(b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i) for i in range(depth))
    closing = b"".join(b"\r\n--b%d--" % i for i in reversed(range(depth)))
    return head() + opening + text_part() + closing + b"\r\n"


def tiny_parts(count: int) -> bytes:
    return head() + multipart([b"\r\nx"] * count)


def big_mail(megabytes: float, *, files: int = 1) -> bytes:
    """A mail of about `megabytes` on the wire: base64 files of random-looking (incompressible) bytes."""
    per_file = int(megabytes * 1024 * 1024 * 3 / 4 / files)
    data = (bytes(range(256)) * (per_file // 256 + 1))[:per_file]
    return application(*[(b"annexe_%d.bin" % i, data) for i in range(files)])


# ---------------------------------------------------------------- zip archives, written by hand


def deflate_repeated(chunk: bytes, times: int, *, wrapper: bool = False, prefix: bytes = b"",
                     suffix: bytes = b"") -> bytes:
    """Raw deflate (or zlib, with `wrapper`) of prefix + chunk * times + suffix, in O(len(output)) time.

    After a full flush the compressor forgets what came before, so the block it writes for `chunk` is the same
    each time: writing it `times` times is the stream of `times` chunks.
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, 15 if wrapper else -15)
    start = compressor.compress(prefix) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    end = compressor.compress(suffix) + compressor.flush()
    if not wrapper:
        return start + block * times + end
    adler = zlib.adler32(prefix)
    for _ in range(times):
        adler = zlib.adler32(chunk, adler)
    return start + block * times + end[:-4] + struct.pack(">I", zlib.adler32(suffix, adler))


@dataclass(frozen=True)
class Entry:
    name: bytes
    data: bytes  # as stored: deflated for method 8
    size: int  # uncompressed
    crc: int
    method: int = 8


def raw_zip(entries: list[Entry], *, offsets: list[int] | None = None) -> bytes:
    """A zip of `entries`; `offsets` makes central directory entries point at other entries' local headers."""
    out, locals_at = bytearray(), []
    for entry in entries:
        locals_at.append(len(out))
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, entry.method, 0, 0, entry.crc, len(entry.data),
                           entry.size, len(entry.name), 0) + entry.name + entry.data
    directory = len(out)
    for index, entry in enumerate(entries):
        at = offsets[index] if offsets else locals_at[index]
        out += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, entry.method, 0, 0, entry.crc,
                           len(entry.data), entry.size, len(entry.name), 0, 0, 0, 0, 0, at) + entry.name
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(out) - directory, directory, 0)
    return bytes(out)


def zeros_entry(name: bytes, size: int) -> Entry:
    mb = 1024 * 1024
    crc = 0
    zero = bytes(mb)
    for _ in range(size // mb):
        crc = zlib.crc32(zero, crc)
    return Entry(name, deflate_repeated(zero, size // mb), size // mb * mb, crc)


def stored_entry(name: bytes, data: bytes) -> Entry:
    return Entry(name, data, len(data), zlib.crc32(data), method=0)


def deflated_entry(name: bytes, data: bytes) -> Entry:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return Entry(name, compressor.compress(data) + compressor.flush(), len(data), zlib.crc32(data))


def nested_bomb(leaf: bytes, *, levels: int, width: int = 16) -> bytes:
    """42.zip's shape: `width` copies of the level below, `levels` times over, `leaf` at the bottom."""
    archive = leaf
    for level in range(levels):
        archive = raw_zip([deflated_entry(b"lib%d_%d.zip" % (level, i), archive) for i in range(width)])
    return archive


def overlapping_zip(data: bytes, copies: int) -> bytes:
    """`copies` central directory entries that all point at one stored member: N files read from one stream
    (zipfile checks that a local header's name matches its directory entry, so they share the name)."""
    entry = stored_entry(b"part.bin", data)
    single = raw_zip([entry])
    local_end = single.index(b"PK\x01\x02")
    members, directory = single[:local_end], bytearray()
    for _ in range(copies):
        directory += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 0, 0, 0, entry.crc, len(data),
                                 len(data), len(entry.name), 0, 0, 0, 0, 0, 0) + entry.name
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, copies, copies, len(directory), len(members), 0)
    return members + bytes(directory) + end


# ---------------------------------------------------------------- PDFs, written by hand


def pdf_with_content(stream: bytes, *, deflated: bool = True) -> bytes:
    """A one-page PDF whose page content is `stream` (already zlib-compressed when `deflated`)."""
    flate = b"/Filter /FlateDecode " if deflated else b""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d %s>>\nstream\n" % (len(stream), flate) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.7\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def pdf_decompression_bomb(megabytes: int = 1024) -> bytes:
    """A page whose content stream inflates to `megabytes` of zeros (about 1 KB of PDF per MB)."""
    return pdf_with_content(deflate_repeated(bytes(1024 * 1024), megabytes, wrapper=True))


def pdf_slow_to_read(thousands: int = 100) -> bytes:
    """A 15 KB page of 100,000 text operators: seconds of parsing for a few kilobytes of file."""
    return pdf_with_content(deflate_repeated(b"BT /F1 12 Tf 72 712 Td (x) Tj ET\n" * 1000, thousands, wrapper=True))


def pdf_memory_bomb(megabytes: int = 70) -> bytes:
    """A 70 KB page holding one text string of `megabytes`: under pypdf's own limits, over a small memory cap."""
    stream = deflate_repeated(b"x" * 1024 * 1024, megabytes, wrapper=True, prefix=b"BT /F1 12 Tf (", suffix=b") Tj ET")
    return pdf_with_content(stream)
