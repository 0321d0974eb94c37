"""A cheap first look at a mail's raw bytes, before any parser: how deep its MIME tree goes, how many parts it
has, how large its header blocks are, and where its large base64 bodies lie.

Why: the standard library parser under mail-parser recurses once per nesting level, holds every line of the
mail as a string (about eight times the mail's size in memory) and decodes some headers in quadratic time.
A hostile structure must be refused before it gets there. This scan reads header lines one at a time and
jumps over bodies with regular expressions, so its own cost stays within the limits it enforces.

It reads the structure the way email.feedparser does (same header and delimiter rules, same end-of-part
stack), so the large base64 bodies it finds can be cut out: the parser then sees a small skeleton and the
bodies are decoded straight from the raw bytes (parse.py checks that each cut comes back where expected, and
parses the whole mail when one does not).
"""

from __future__ import annotations

import base64
import re
import secrets
from dataclasses import dataclass, field
from email.message import Message

from inbox_bot.core.limits import DEFAULT_LIMITS, KB, MB, Limits
from inbox_bot.triage.rawview import Bytes

# A Content-Type or Content-Disposition this long is an attack on the parameter parser, which is quadratic;
# real ones are under a kilobyte.
MAX_MIME_FIELD = 16 * KB

_EOL = re.compile(rb"\r\n|\r|\n")
_HEADER_LINE = re.compile(rb"From |[\041-\071\073-\176]*:|[\t ]")  # email.feedparser.headerRE
# A run of header lines, each with its line end, none starting with "--" (which may be a delimiter: checked apart)
_HEADER_RUN = re.compile(rb"(?:(?!--)(?:From |[\041-\071\073-\176]*:|[\t ])[^\r\n]*(?:\r\n|\r|\n))*")
# The MIME fields of a header block, with their continuation lines, as email.feedparser stores them
_MIME_FIELD = re.compile(
    rb"(?<![^\r\n])(content-(?:type|transfer-encoding|disposition|id)):([^\r\n]*(?:(?:\r\n|\r|\n)[\t ][^\r\n]*)*)",
    re.IGNORECASE,
)
# What may follow "--" and the boundary on a delimiter line: the close mark, blanks, the line's end
_DELIMITER_END = re.compile(rb"(--)?[ \t]*(?=[\r\n]|\Z)")
_MISSES_BEFORE_SLOW_SEARCH = 1000  # delimiter look-alikes in mid-line: past this many, let the regex skip them

CUT_BODIES_FROM = 4 * KB  # base64 bodies this large skip the parser


@dataclass(frozen=True)
class Cut:
    """A base64 body [start, end) of the raw mail, replaced in the skeleton by the base64 of `marker`."""

    start: int
    end: int
    marker: bytes


@dataclass
class Scan:
    refusal: str | None = None  # why the mail must not be parsed; None when it may
    parts: int = 0
    depth: int = 0
    cuts: list[Cut] = field(default_factory=list)


def scan_mail(raw: Bytes, limits: Limits = DEFAULT_LIMITS, *, cut_bodies_from: int = CUT_BODIES_FROM) -> Scan:
    """The structure of `raw` as far as limits go; `refusal` says which limit it broke. Never raises."""
    if len(raw) > limits.max_mail_bytes:
        return Scan(refusal=too_big(len(raw), limits))
    scanner = _Scanner(raw, limits, cut_bodies_from)
    try:
        scanner.entity(0, depth=1, default="text/plain", cuttable=False)
    except _Refused as refused:
        return Scan(refusal=f"{refused}: not parsed", parts=scanner.scan.parts, depth=scanner.scan.depth)
    except (RecursionError, MemoryError) as error:  # cannot happen within max_depth; a verdict if it does
        return Scan(refusal=f"mail structure could not be scanned ({type(error).__name__}): not parsed")
    return scanner.scan


def too_big(size: int, limits: Limits) -> str:
    return f"mail of {size / MB:.1f} MB over the {limits.max_mail_bytes / MB:g} MB limit: not parsed"


def skeleton(raw: Bytes, cuts: list[Cut]) -> bytes:
    """`raw` with each cut body replaced by its marker (one base64 line, ending as the body's last line did)."""
    pieces, last = [], 0
    for cut in cuts:
        eol = b"\r\n" if raw[cut.end - 2:cut.end] == b"\r\n" else raw[cut.end - 1:cut.end]
        pieces += [raw[last:cut.start], base64.b64encode(cut.marker), eol]
        last = cut.end
    pieces.append(raw[last:])
    return b"".join(pieces)


class _Refused(Exception):
    pass


class _Scanner:
    """Walks the MIME tree as email.feedparser would, counting and measuring as it goes."""

    def __init__(self, raw: Bytes, limits: Limits, cut_bodies_from: int) -> None:
        self.raw = raw
        self.limits = limits
        self.cut_bodies_from = cut_bodies_from
        self.scan = Scan()
        self.boundaries: list[bytes] = []  # of the enclosing multiparts, innermost last: each ends a part
        self.nonce = secrets.token_hex(16).encode()  # a sender cannot forge a marker he cannot guess
        self._patterns: dict[tuple[bytes, ...], re.Pattern[bytes]] = {}

    # ------------------------------------------------------------ lines

    def next_line(self, pos: int) -> int:
        found = _EOL.search(self.raw, pos)
        return found.end() if found else len(self.raw)

    def _pattern(self, boundaries: tuple[bytes, ...], *, line_start: bool = False) -> re.Pattern[bytes]:
        """A delimiter line of any of `boundaries` (group 1 is set on a close delimiter): for the rare mail whose
        delimiter look-alikes defeat the plain search (`find`)."""
        key = (*boundaries, b"\n" if line_start else b"")
        if key not in self._patterns:
            line = b"--(?:" + b"|".join(re.escape(b) for b in boundaries) + rb")(--)?[ \t]*(?=[\r\n]|\Z)"
            self._patterns[key] = re.compile(rb"[\r\n]" + line if line_start else line)
        return self._patterns[key]

    def delimiter(self, boundaries: tuple[bytes, ...], pos: int, end: int | None = None) -> bool | None:
        """Whether a delimiter line of one of `boundaries` (the first that fits) starts at `pos` and ends by
        `end`: None if none does, else whether it is a close delimiter. What a regular expression of the
        boundaries would match (see `_pattern`), without compiling one for each mail's boundaries."""
        end = len(self.raw) if end is None else end
        for boundary in boundaries:
            after = pos + 2 + len(boundary)
            if after <= end and self.raw[pos:after] == b"--" + boundary:
                tail = _DELIMITER_END.match(self.raw, after, end)
                if tail is not None:
                    return tail.group(1) is not None
        return None

    def find(self, boundaries: tuple[bytes, ...], pos: int, end: int) -> tuple[int, bool] | None:
        """The first delimiter line of `boundaries` starting in [pos, end): (its start, whether it closes)."""
        # "--" and a boundary are found by a plain search, fast; most hits are then delimiter lines
        for _ in range(_MISSES_BEFORE_SLOW_SEARCH):
            at = self._dashes(boundaries, pos, end)
            if at is None:
                return None
            closes = self.delimiter(boundaries, at, end)
            if closes is not None and (at == 0 or self.raw[at - 1] in b"\r\n"):
                return at, closes
            pos = at + 1
        slow = self._pattern(boundaries, line_start=True).search(self.raw, pos - 1, end)
        return (slow.start() + 1, slow.group(1) is not None) if slow else None

    def _dashes(self, boundaries: tuple[bytes, ...], pos: int, end: int) -> int | None:
        """Where "--" and one of `boundaries` first appear in [pos, end); each later boundary is looked for only
        up to where an earlier one was found."""
        first = -1
        for boundary in boundaries:
            needle = b"--" + boundary
            found = self.raw.find(needle, pos, end if first < 0 else min(end, first + len(needle)))
            if found >= 0 and (first < 0 or found < first):
                first = found
        return first if first >= 0 else None

    def at_end(self, pos: int) -> bool:
        """Whether the line at `pos` ends the current part (a delimiter of an enclosing multipart)."""
        return bool(self.boundaries) and self.delimiter(tuple(self.boundaries), pos) is not None

    def part_end(self, pos: int) -> int:
        """Start of the first line from `pos` on that ends the current part, or the end of the mail."""
        found = self.find(tuple(self.boundaries), pos, len(self.raw)) if self.boundaries else None
        return found[0] if found else len(self.raw)

    # ------------------------------------------------------------ entities

    def count_part(self) -> None:
        self.scan.parts += 1
        if self.scan.parts > self.limits.max_mime_parts:
            raise _Refused(f"more than {self.limits.max_mime_parts} MIME parts")

    def entity(self, pos: int, depth: int, default: str, cuttable: bool) -> int:
        """Read one entity (headers, then body) from `pos`; return the start of the line that ended it."""
        self.count_part()
        if depth > self.limits.max_mime_depth:
            raise _Refused(f"MIME structure nested deeper than {self.limits.max_mime_depth} levels")
        self.scan.depth = max(self.scan.depth, depth)
        headers, pos = self.headers(pos)
        if default == "message/rfc822":
            headers.set_default_type(default)
        maintype = headers.get_content_maintype()
        if headers.get_content_type() == "message/delivery-status":
            return self.part_end(pos)  # blocks of headers, no deeper nesting
        if maintype == "message":  # an enclosed mail: mail-parser flattens it, so nothing inside is cut
            return self.entity(pos, depth + 1, "text/plain", cuttable=False)
        boundary = headers.get_boundary() if maintype == "multipart" else None
        if boundary is None:
            return self.leaf(pos, headers, cuttable)
        if not boundary.isascii():  # 8-bit bytes come back as U+FFFD: like the parser's, it matches no line
            return self.part_end(pos)
        opaque = headers.get_content_disposition() not in (None, "inline") or bool(headers.get_filename())
        digest = headers.get_content_type() == "multipart/digest"
        return self.multipart(pos, boundary.encode("ascii"), depth, "message/rfc822" if digest else "text/plain",
                              not opaque and (cuttable or depth == 1))

    def headers(self, pos: int) -> tuple[Message, int]:
        """The MIME fields of the header block at `pos`, and where its body starts."""
        start, end = pos, self.header_end(pos)
        fields = Message()
        for found in _MIME_FIELD.finditer(self.raw, start, end):
            value = found.group(2).decode("ascii", "surrogateescape").lstrip(" \t")
            if len(value) > MAX_MIME_FIELD:
                raise _Refused(f"a {found.group(1).decode().lower()} header of over {MAX_MIME_FIELD // KB} KB")
            fields.set_raw(found.group(1).decode("ascii"), value)
        return fields, end

    def header_end(self, pos: int) -> int:
        """Where the header block at `pos` ends: after its blank separator line, or at its first body line."""
        limit = pos + self.limits.max_header_bytes
        while True:
            found = _HEADER_RUN.match(self.raw, pos, min(limit + 1, len(self.raw)))
            pos = found.end() if found else pos
            if pos >= len(self.raw) or self.at_end(pos):
                return pos
            if not _HEADER_LINE.match(self.raw, pos):
                blank = _EOL.match(self.raw, pos)  # the separator line is consumed, any other line is body
                return blank.end() if blank else pos
            pos = self.next_line(pos)  # a header line starting with "--", or one the size limit cut short
            if pos > limit:
                raise _Refused(f"a header block of over {self.limits.max_header_bytes // KB} KB")

    def multipart(self, pos: int, boundary: bytes, depth: int, default: str, cuttable: bool) -> int:
        own = (boundary,)
        first = self.find(own, pos, self.part_end(pos))
        if first is None or first[1]:  # no start boundary: the body is one text payload to the part's end
            return self.part_end(first[0] if first else pos)
        pos = first[0]
        while True:
            pos = self.next_line(pos)
            while pos < len(self.raw) and not self.at_end(pos) and self.delimiter(own, pos) is not None:
                self.count_part()  # repeated delimiter lines are skipped: count them so a flood of them is refused
                pos = self.next_line(pos)
            self.boundaries.append(boundary)
            pos = self.entity(pos, depth + 1, default, cuttable)
            self.boundaries.pop()
            closes = self.delimiter(own, pos) if pos < len(self.raw) and not self.at_end(pos) else None
            if closes is None:  # the mail or an enclosing part ended first: no close delimiter
                return pos
            if closes:  # the close delimiter: the epilogue runs to the end of the part
                return self.part_end(self.next_line(pos))

    def leaf(self, pos: int, headers: Message, cuttable: bool) -> int:
        end = self.part_end(pos)
        if cuttable and end < len(self.raw) and end - pos >= max(self.cut_bodies_from, 1) \
                and _is_attached_base64_file(headers):
            marker = b"inbox-bot cut %d %s" % (len(self.scan.cuts), self.nonce)
            self.scan.cuts.append(Cut(pos, end, marker))
        return end


def _is_attached_base64_file(headers: Message) -> bool:
    # Only what mail-parser lists as an attachment is cut: text parts are read as the body, enclosed mails are
    # flattened, and a part with neither name nor disposition is kept as body text.
    encoding = str(headers.get("content-transfer-encoding", "")).strip().lower()
    try:
        named = bool(headers.get_filename())
    except (ValueError, LookupError):  # a name the standard library cannot decode (a NUL in its charset): not cut
        return False
    attached = named or bool(headers.get("content-id")) or headers.get_content_disposition() == "attachment"
    return encoding == "base64" and attached and headers.get_content_maintype() not in ("text", "multipart", "message")
