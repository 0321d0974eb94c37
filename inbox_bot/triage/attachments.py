"""Turn the files a mail carries into Attachments: real type, safe name, first pages of text, problems.

This is the I/O adapter for untrusted files: the only module that asks libmagic, opens archives and hands
documents to parsers (via inbox_bot.triage.extract). Nothing here trusts a single witness: the sender's extension,
libmagic's guess and a structural check of the bytes must agree before a file counts as a document.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import itertools
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import magic

from inbox_bot.core.limits import DEFAULT_LIMITS, MB, ArchiveLimits, ExtractionLimits
from inbox_bot.core.models import Attachment
from inbox_bot.core.reasons import Reason, ReasonCode, reason
from inbox_bot.triage.classify import is_program, kind_from_name
from inbox_bot.triage.extract import EXTRACTOR, NO_PAGE_IMAGE, OCR_DONE, Extracted, usable
from inbox_bot.triage.safenames import DOCX as DOCX
from inbox_bot.triage.safenames import MAX_NAME_CHARS as MAX_NAME_CHARS
from inbox_bot.triage.safenames import ODT as ODT
from inbox_bot.triage.safenames import XLSX as XLSX
from inbox_bot.triage.safenames import safe_name as safe_name
from inbox_bot.triage.sandbox import Keep, MailReader

MAX_EXTRACT_BYTES = 30 * MB  # bigger files keep their name and hash but are not parsed
_RATIO_FLOOR = 1 * MB  # small parts of a real file (an XML of spaces...) can compress very well
_CHUNK = 256 * 1024
_MAX_DIRECTORY_BYTES = 2 * MB  # some 45,000 entries at most: far beyond any dossier, cheap to read

# what zipfile raises on damaged, truncated or exotic archives (RuntimeError: a member needs a password)
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, ValueError, EOFError, NotImplementedError, RuntimeError, OSError)


# What was read of a file before (by SHA-256), so a file is read once: the store's memory, a dry run's
Known = Callable[[str], Extracted | None]


def read_attachments(
    parts: list[tuple[str, bytes]],
    limits: ArchiveLimits = DEFAULT_LIMITS.archives,
    extraction: ExtractionLimits = DEFAULT_LIMITS.extraction,
    known: Known | None = None,
) -> list[Attachment]:
    """Read each (name the sender gave, decoded bytes) into Attachments, unpacking zip archives.

    A zip that unpacks within `limits` is replaced by its members (`inside` names the archive chain, e.g.
    "dossier.zip > annexes.zip"; `filename` is the member's base name). A zip that is refused for any reason
    (bomb, too many files, too deep, encrypted, corrupt, empty) is returned alone, whole, with its `problem`
    set and none of its members: a half-unpacked archive would pass for a complete one. Never raises on bad
    input: what cannot be read says why in `problem`. Safe names are unique within the returned list. Text
    is extracted in a sandboxed worker process (inbox_bot.triage.sandbox) bounded by `extraction`; images and
    scanned PDFs whose name does not say their kind are read there by OCR, unless `known` has the reading of
    the same bytes already. (The pipeline reads in two steps instead, through MailFiles.)
    """
    files = MailFiles(limits, extraction, known)
    found = files.read(parts)
    return files.read_by_ocr(found, {i for i, a in enumerate(found) if waits_for_ocr(a) and not _named(a)})


class MailFiles:
    """One mail's files, read in two steps that share the mail's time budget: `read` gives every file's text
    layer (and any reading kept from before, OCR included); `read_by_ocr` then reads the scans chosen once the
    call and the dossier are known (inbox_bot.triage.ocr_wanted), so OCR runs only where it can tell something."""

    def __init__(self, limits: ArchiveLimits = DEFAULT_LIMITS.archives,
                 extraction: ExtractionLimits = DEFAULT_LIMITS.extraction, known: Known | None = None,
                 keep: Keep | None = None) -> None:
        self.limits = limits
        self.reader = MailReader(extraction)
        self.reader.known = known
        self.reader.keep = keep

    def read(self, parts: list[tuple[str, bytes]]) -> list[Attachment]:
        found: list[Attachment] = []
        for filename, data in parts:
            found.extend(_read_part(filename, data, self.limits, self.reader))
        return _unique_safe_names(found)

    def read_by_ocr(self, attachments: list[Attachment], which: set[int]) -> list[Attachment]:
        """`attachments` with those at the indexes `which` that wait for OCR read by it (text layer first)."""
        return [_read_by_ocr(a, self.limits, self.reader) if i in which and waits_for_ocr(a) else a
                for i, a in enumerate(attachments)]


def waits_for_ocr(attachment: Attachment) -> bool:
    """An image or PDF without a usable text layer that OCR has not read yet (nor tried and failed on)."""
    return (_ocr_family(attachment.mime) is not None and attachment.problem is None and attachment.ocr is None
            and not usable(attachment.text) and attachment.size <= MAX_EXTRACT_BYTES)


def _ocr_family(mime: str) -> str | None:
    """The family OCR reads a file of this (detected) type as, if any."""
    if mime == "application/pdf":
        return "pdf"
    if mime in _HEIC:
        return "heic"
    return "image" if mime.startswith("image/") and mime != "image/svg+xml" else None


def _named(attachment: Attachment) -> bool:
    return kind_from_name(attachment.filename) is not None


def _read_by_ocr(attachment: Attachment, limits: ArchiveLimits, reader: MailReader) -> Attachment:
    family = _ocr_family(attachment.mime) or "image"
    extracted = _extract(attachment.filename, attachment.sha256, family, attachment.content, limits, reader,
                         ocr=True)
    return attachment.model_copy(update={
        "text": extracted.text, "pages": extracted.pages, "problem": extracted.problem, "ocr": extracted.ocr,
        "reading": EXTRACTOR if _worth_keeping(extracted) else None,
    })


# ---------------------------------------------------------------- what a file really is

_EXECUTABLE_EXTS = frozenset({
    "exe", "com", "bat", "cmd", "scr", "pif", "msi", "dll", "cpl", "js", "jse", "vbs", "vbe", "wsf", "wsh",
    "ps1", "psm1", "sh", "bash", "jar", "lnk", "hta", "app", "apk", "py", "pl", "php", "reg", "iso", "elf",
})
_OTHER_ARCHIVES = {"application/x-rar": "rar", "application/vnd.rar": "rar", "application/x-7z-compressed": "7z",
                   "application/gzip": "gzip", "application/x-gzip": "gzip", "application/x-tar": "tar",
                   "application/x-bzip2": "bzip2", "application/x-xz": "xz"}
_IMAGES = frozenset({"image", "heic"})  # heic: what Pillow does not decode, Debian's libheif does (ocr.py)
_EXT_FAMILIES: dict[str, frozenset[str]] = {
    "pdf": frozenset({"pdf"}), "docx": frozenset({"docx"}), "odt": frozenset({"odt"}),
    "xlsx": frozenset({"xlsx"}), "zip": frozenset({"zip"}),
    # Word and Excel open all of these under the old extension, so senders never notice the difference
    "doc": frozenset({"ole", "docx", "text"}), "xls": frozenset({"ole", "xlsx", "text"}),
    # a phone's "jpg" may be an HEIC photo, and the other way round: both are photos
    **{ext: _IMAGES for ext in ("jpg", "jpeg", "jpe", "png", "gif", "tif", "tiff", "webp", "heic", "heif")},
    **{ext: frozenset({"text"}) for ext in ("txt", "text", "csv", "md", "rtf", "html", "htm")},
    **{ext: frozenset({"archive"}) for ext in ("rar", "7z", "gz", "tgz", "tar", "bz2", "xz")},
}
_HEIC = frozenset({"image/heic", "image/heif", "image/heic-sequence", "image/heif-sequence"})
_LEGACY = {"docx": "Word", "xlsx": "Excel"}  # an old binary file, or an encrypted one: both are OLE inside


@dataclass(frozen=True)
class _Identity:
    mime: str
    family: str  # pdf docx odt xlsx zip office ole image text archive executable unknown
    problem: Reason | None = None


def _identify(filename: str, data: bytes) -> _Identity:
    """What the bytes are, and whether the sender's extension, libmagic and the structure agree."""
    ext = _extension(filename)
    mime = _magic(data)
    fake_pdf = mime == "application/pdf" and not data.startswith(b"%PDF-")
    if fake_pdf:
        # libmagic accepts "%PDF-" anywhere in the first kilobyte; ask again without it to learn the real type
        mime = _magic(data[:8192].replace(b"%PDF-", b"%pdf_"))
    family, mime = _structure(data, mime)
    return _Identity(mime, family, _disagreement(ext, family, mime, fake_pdf))


def _magic(data: bytes) -> str:
    if not data:
        return "application/x-empty"
    try:
        return str(magic.from_buffer(data[:8192], mime=True))
    except Exception:  # libmagic failing on odd bytes must not stop the mail: the structure checks remain
        return "application/octet-stream"


def _extension(filename: str) -> str:
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[1].strip().lower() if "." in base.strip(".") else ""


def _structure(data: bytes, mime: str) -> tuple[str, str]:
    if data.startswith((b"\x7fELF", b"#!", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe")) or _is_pe(data) \
            or is_program(mime):
        return "executable", mime if is_program(mime) else _executable_mime(data)
    if data.startswith(b"%PDF-"):
        return "pdf", "application/pdf"
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_structure(data, mime)
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole", mime
    if mime in _OTHER_ARCHIVES:
        return "archive", mime
    if mime in _HEIC:
        return "heic", mime
    if mime.startswith("image/") and mime != "image/svg+xml":  # an SVG is a script-capable XML file
        return "image", mime
    if mime.startswith("text/") or mime in ("application/json", "application/xml", "application/x-empty"):
        return "text", mime
    return "unknown", mime


def _is_pe(data: bytes) -> bool:
    # "MZ" alone also starts plain text (a surname in capitals): require the PE header it points to
    offset = int.from_bytes(data[0x3C:0x40], "little") if data.startswith(b"MZ") and len(data) >= 0x40 else -1
    return 0 <= offset < len(data) and data[offset:offset + 4] == b"PE\x00\x00"


def _executable_mime(data: bytes) -> str:
    if data.startswith(b"MZ"):
        return "application/x-dosexec"
    return "text/x-shellscript" if data.startswith(b"#!") else "application/x-executable"


def _zip_structure(data: bytes, mime: str) -> tuple[str, str]:
    try:
        with _open_zip(data) as archive:
            infos = archive.infolist()
            names = {info.filename for info in infos}
            odf = b""
            if infos and infos[0].filename == "mimetype":  # ODF puts it first so `file` can tell the type
                with archive.open(infos[0]) as member:
                    odf = member.read(100)
    except (_Refused, *_ZIP_ERRORS):
        return "zip", "application/zip"  # opening it as an archive will say what is wrong
    if "word/document.xml" in names:
        return "docx", DOCX
    if "xl/workbook.xml" in names:
        return "xlsx", XLSX
    if odf.startswith(ODT.encode()):
        return "odt", ODT
    if odf.startswith(b"application/vnd.oasis.opendocument") or "ppt/presentation.xml" in names:
        return "office", odf.decode("ascii", "replace").strip() or mime
    return "zip", "application/zip"


def _disagreement(ext: str, family: str, mime: str, fake_pdf: bool) -> Reason | None:
    if family == "executable":
        if ext and ext not in _EXECUTABLE_EXTS:
            return reason(ReasonCode.DISGUISED_TYPE, real=f"executable ({mime})", named=ext)
        return reason(ReasonCode.EXECUTABLE_REFUSED, type=mime)
    if ext in _EXECUTABLE_EXTS:
        return reason(ReasonCode.EXECUTABLE_REFUSED, type=f".{ext}")
    if family == "archive":
        return reason(ReasonCode.ARCHIVE_UNSUPPORTED, format=_OTHER_ARCHIVES.get(mime, mime))
    expected = _EXT_FAMILIES.get(ext)
    if ext == "pdf" and fake_pdf:
        return reason(ReasonCode.DISGUISED_TYPE, real=mime, named=ext)
    if expected is not None and family not in expected:
        if family == "ole" and ext in _LEGACY:
            return reason(ReasonCode.PROTECTED_OR_OLD, format=_LEGACY[ext])
        return reason(ReasonCode.DISGUISED_TYPE, real=mime, named=ext)
    if family == "unknown":
        return reason(ReasonCode.UNREADABLE_FILE, detail=mime)
    return None


# ---------------------------------------------------------------- one file


def _read_part(filename: str, data: bytes, limits: ArchiveLimits, reader: MailReader,
               inside: str | None = None) -> list[Attachment]:
    ident = _identify(filename, data)
    if ident.family == "zip" and ident.problem is None:
        return _read_archive(filename, data, limits, reader, inside)
    return [_attachment(filename, data, ident, limits, reader, inside)]


def _attachment(filename: str, data: bytes, ident: _Identity, limits: ArchiveLimits, reader: MailReader,
                inside: str | None) -> Attachment:
    extracted, read = Extracted(problem=ident.problem), False
    sha256 = hashlib.sha256(data).hexdigest()
    if ident.problem is None and len(data) <= MAX_EXTRACT_BYTES:
        extracted, read = _extract(filename, sha256, ident.family, data, limits, reader), True
    return Attachment(
        filename=filename, safe_name=safe_name(filename, ident.mime), mime=ident.mime, size=len(data),
        sha256=sha256, content=data, text=extracted.text, pages=extracted.pages,
        problem=extracted.problem, inside=inside, ocr=extracted.ocr,
        reading=EXTRACTOR if read and _worth_keeping(extracted) else None,
    )


def _worth_keeping(extracted: Extracted) -> bool:
    """A reading that ran to the end: a timeout, a spent budget or a cut OCR says nothing about the file. A PDF
    found to hold no page image is kept too: a re-triage would otherwise send it to OCR every time."""
    return extracted.problem is None and (extracted.ocr is None or extracted.ocr.startswith((OCR_DONE, NO_PAGE_IMAGE)))


def _extract(filename: str, sha256: str, family: str, data: bytes, limits: ArchiveLimits,
             reader: MailReader, *, ocr: bool = False) -> Extracted:
    if family in ("docx", "odt", "xlsx"):
        # office files are zips too: the parsers inflate whatever the headers declare, so bound that first
        try:
            with _open_zip(data) as archive:
                _check_layout(archive.infolist())
                _check_declared(archive.infolist(), limits, _Budget())
        except _Refused as refused:
            return Extracted(problem=refused.problem("document"))
        except _ZIP_ERRORS as error:
            return Extracted(problem=reason(ReasonCode.UNREADABLE_FILE, detail=str(error)[:120]))
    if reader.known is not None and (before := reader.known(sha256)) is not None and _stands_for(before, ocr):
        return before  # read before: never again
    if family in _IMAGES and not ocr:
        return Extracted()  # an image has no text but what OCR reads: no need to ask the worker
    # a PDF whose name says no single kind may hold several documents: read beyond its first pages
    combined = family == "pdf" and kind_from_name(filename) is None
    return reader.extract("pdf_combined" if combined else family, data, ocr=ocr, sha256=sha256)


def _stands_for(before: Extracted, ocr: bool) -> bool:
    """Whether a kept reading is what reading the file now would give: one made without OCR (the file came
    first under a name that said its kind) does not stand for OCR of a scan."""
    return not ocr or before.ocr is not None or usable(before.text)


# ---------------------------------------------------------------- archives


class _Refused(Exception):
    """An archive (or a zip-based document) is over a limit or cannot be opened safely."""

    def __init__(self, reason: str, *, over_limit: bool = True) -> None:
        super().__init__(reason)
        self.over_limit = over_limit

    def problem(self, what: str) -> Reason:
        code = ReasonCode.ARCHIVE_REFUSED if what == "archive" else ReasonCode.UNREADABLE_FILE
        return reason(code, detail=str(self), over_limit="1" if self.over_limit else "")


@dataclass
class _Budget:
    """What one top-level archive has cost so far, nested archives included."""

    members: int = 0
    total: int = 0


def _read_archive(filename: str, data: bytes, limits: ArchiveLimits, reader: MailReader,
                  inside: str | None) -> list[Attachment]:
    chain = f"{inside} > {filename}" if inside else filename
    try:
        members = list(_walk_zip(data, chain, limits, _Budget(), depth=1))
        if not members:
            raise _Refused("archive holds no files", over_limit=False)
    except _Refused as refused:
        ident = _Identity("application/zip", "zip", refused.problem("archive"))
        return [_attachment(filename, data, ident, limits, reader, inside)]
    return [_attachment(name, content, ident, limits, reader, where) for name, content, ident, where in members]


def _walk_zip(data: bytes, chain: str, limits: ArchiveLimits, budget: _Budget,
              depth: int) -> Iterator[tuple[str, bytes, _Identity, str]]:
    if depth > limits.max_depth:
        raise _Refused(f"archives nested {depth} deep, limit {limits.max_depth}")
    try:
        with _open_zip(data) as archive:
            _check_layout(archive.infolist())
            infos = [info for info in archive.infolist() if not info.is_dir() and not _is_junk(info.filename)]
            _check_declared(infos, limits, budget)
            for info in infos:
                name = _member_name(info)
                content = _read_member(archive, info, limits, budget)
                ident = _identify(name, content)
                if ident.family == "zip" and ident.problem is None:
                    yield from _walk_zip(content, f"{chain} > {name}", limits, budget, depth + 1)
                else:
                    yield name, content, ident, chain
    except _ZIP_ERRORS as error:
        raise _Refused(f"corrupt or unsupported archive: {error}"[:160], over_limit=False) from error


def _open_zip(data: bytes) -> zipfile.ZipFile:
    # zipfile builds an object per central directory entry before we can count them: bound the directory first
    size = _directory_size(data)
    if size > _MAX_DIRECTORY_BYTES:
        raise _Refused(f"archive directory of {size // 1024} KB over limit {_MAX_DIRECTORY_BYTES // 1024} KB")
    return zipfile.ZipFile(io.BytesIO(data))


def _directory_size(data: bytes) -> int:
    """The central directory size its end record declares (zip64 too), found as zipfile finds it."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or len(data) < end + 22:
        return 0  # no end record: zipfile will call it corrupt
    size = int.from_bytes(data[end + 12:end + 16], "little")
    zip64 = end - 20 - 56  # zipfile reads the zip64 record right before its locator, itself right before
    if data[end - 20:end - 16] == b"PK\x06\x07" and zip64 >= 0 and data[zip64:zip64 + 4] == b"PK\x06\x06":
        size = int.from_bytes(data[zip64 + 40:zip64 + 48], "little")
    return size


def _check_layout(infos: list[zipfile.ZipInfo]) -> None:
    """Refuse entries whose data overlap: the trick of the overlapping zip bomb (one compressed stream read
    as many files). Python 3.11 refuses these only from 3.11.8 on; we run on 3.11.7 and check ourselves."""
    entries = sorted(infos, key=lambda info: info.header_offset)
    for current, following in itertools.pairwise(entries):
        # 30 bytes of local header at least, then the data: the next entry must start after both
        if following.header_offset < current.header_offset + 30 + current.compress_size:
            raise _Refused("overlapping entries (a zip bomb trick)")


def _check_declared(infos: list[zipfile.ZipInfo], limits: ArchiveLimits, budget: _Budget) -> None:
    """Refuse on what the headers declare, before inflating a byte; _read_member re-checks real bytes."""
    budget.members += len(infos)
    if budget.members > limits.max_members:
        raise _Refused(f"{budget.members} files over limit {limits.max_members}")
    if any(info.flag_bits & 0x1 for info in infos):
        raise _Refused("encrypted archive", over_limit=False)
    for info in infos:
        _check_size(info.file_size, info, limits)
    declared = budget.total + sum(info.file_size for info in infos)
    if declared > limits.max_total_uncompressed:
        raise _Refused(f"{declared // MB} MB uncompressed over limit "
                       f"{limits.max_total_uncompressed // MB} MB")


def _check_size(size: int, info: zipfile.ZipInfo, limits: ArchiveLimits) -> None:
    ratio = size / max(info.compress_size, 1)
    if size > _RATIO_FLOOR and ratio > limits.max_ratio:  # the tell-tale of a bomb: say it first
        raise _Refused(f"compression ratio {ratio:.0f}:1 over limit {limits.max_ratio:g}")
    if size > limits.max_member_size:
        raise _Refused(f"{info.filename[:60]!r} unpacks to over "
                       f"{limits.max_member_size // MB} MB")


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: ArchiveLimits,
                 budget: _Budget) -> bytes:
    # Inflate in chunks and count real bytes: headers are written by the sender and may lie.
    chunks: list[bytes] = []
    size = 0
    with archive.open(info) as member:
        while chunk := member.read(_CHUNK):
            size += len(chunk)
            budget.total += len(chunk)
            _check_size(size, info, limits)
            if budget.total > limits.max_total_uncompressed:
                raise _Refused(f"over {limits.max_total_uncompressed // MB} MB uncompressed")
            chunks.append(chunk)
    return b"".join(chunks)


def _is_junk(path: str) -> bool:
    # what macOS and Windows add to archives behind the sender's back
    base = path.rsplit("/", 1)[-1]
    return path.startswith("__MACOSX/") or base.startswith("._") or base in (".DS_Store", "Thumbs.db", "desktop.ini")


def _member_name(info: zipfile.ZipInfo) -> str:
    name = info.filename
    if not info.flag_bits & 0x800:
        # Without the UTF-8 flag zipfile decodes cp437, but many zip tools write UTF-8 without setting it
        with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
            name = name.encode("cp437").decode("utf-8")
    parts = [part for part in name.replace("\\", "/").split("/") if part]
    return parts[-1] if parts else ""


# ---------------------------------------------------------------- unique names


def _unique_safe_names(found: list[Attachment]) -> list[Attachment]:
    seen: set[str] = set()
    unique: list[Attachment] = []
    for attachment in found:
        name, n = attachment.safe_name, 1
        while name.casefold() in seen:  # case-insensitive filesystems would merge "CV.pdf" and "cv.pdf"
            n += 1
            name = safe_name(attachment.filename, attachment.mime, suffix=f"_{n}")
        seen.add(name.casefold())
        unique.append(attachment if name == attachment.safe_name else attachment.model_copy(update={"safe_name": name}))
    return unique
