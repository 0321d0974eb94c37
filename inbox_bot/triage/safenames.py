"""Storage names for files whose names come from strangers: one plain component, no control characters, no
reserved Windows name, bounded in length, and an extension only when it matches what the bytes are (never an
executable one). The name the sender gave is kept apart, as data only (Attachment.filename).
"""

from __future__ import annotations

import unicodedata

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
MAX_NAME_CHARS = 120
_MAX_NAME_BYTES = 240  # UTF-8 bytes; filesystems stop at 255


_CANONICAL_EXT = {
    "application/pdf": "pdf", DOCX: "docx", XLSX: "xlsx", ODT: "odt", "application/zip": "zip",
    "image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/tiff": "tif", "image/webp": "webp",
    "image/heic": "heic", "text/plain": "txt", "text/csv": "csv", "text/html": "html", "text/rtf": "rtf",
    "application/rtf": "rtf", "application/msword": "doc", "application/vnd.ms-excel": "xls",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
}
_ALSO_ACCEPTED_EXT = {
    "image/jpeg": {"jpeg", "jpe"}, "image/tiff": {"tiff"}, "text/plain": {"text", "md", "csv"},
    "text/html": {"htm"}, "application/x-ole-storage": {"doc", "xls"}, "text/csv": {"txt"},
}
_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{port}{n}" for port in ("COM", "LPT") for n in range(10)}
)


def safe_name(filename: str, mime: str, *, suffix: str = "") -> str:
    """A storage name for `filename`: one plain component, no control characters, no reserved Windows
    name, at most MAX_NAME_CHARS, never empty, and an extension only if it matches `mime` (never an
    executable one). `suffix` is appended to the stem (to tell apart files with the same name).
    """
    base = unicodedata.normalize("NFKC", filename).replace("\\", "/").rsplit("/", 1)[-1]
    stem, _, ext = base.rpartition(".") if "." in base.strip(".") else (base, "", "")
    ext = _clean(ext).lower()
    if ext != _CANONICAL_EXT.get(mime) and ext not in _ALSO_ACCEPTED_EXT.get(mime, set()):
        ext = _CANONICAL_EXT.get(mime, "bin")
    tail = f"_{_clean(suffix)}" if _clean(suffix) else ""
    stem = _fit((_clean(stem) or "attachment") + tail, MAX_NAME_CHARS - len(ext) - 1, _MAX_NAME_BYTES - len(ext) - 1)
    # Windows opens a device, not a file, for these names whatever the extension
    return f"file_{stem}.{ext}" if stem.upper() in _RESERVED else f"{stem}.{ext}"


def _clean(text: str) -> str:
    # letters, digits and marks of any script stay (Arabic names are names); everything else is a separator
    kept = "".join(
        char if char in "-_" or unicodedata.category(char)[0] in "LNM" else "_" for char in text
    )
    while "__" in kept:
        kept = kept.replace("__", "_")
    return kept.strip("_-")


def _fit(stem: str, max_chars: int, max_bytes: int) -> str:
    stem = stem[:max_chars]
    while len(stem.encode("utf-8")) > max_bytes:
        stem = stem[:-1]
    return stem.rstrip("_-") or "attachment"
