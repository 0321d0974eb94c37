"""The committee's folder: one folder per applicant with the files under the names they gave them, the original
mails, and the workbook beside them linking to each file; as a folder or as one ZIP file.

Every name here comes from a stranger (the sender's display name, the file names), so each becomes one plain
path component (no separator, no `..`, no control character, bounded length) before anything is written, and
every path is checked to stay inside the target again at writing time.
"""

from __future__ import annotations

import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from inbox_bot.core.errors import UsageError
from inbox_bot.operator import export_labels as labels
from inbox_bot.operator.export_model import Export, Layout, Placement, Row
from inbox_bot.triage.safenames import safe_name

MAX_FOLDER_CHARS = 80
NOT_IN_NAMES = set('/\\:*?"<>|')
RenderWorkbook = Callable[[Layout], bytes]


@dataclass(frozen=True)
class Entry:
    """One file to write: its path relative to the target, and where its bytes are."""

    path: str
    source: Path | None = None
    content: bytes = b""

    def read(self) -> bytes:
        return self.source.read_bytes() if self.source is not None else self.content


def plan(export: Export) -> tuple[Layout, list[Entry]]:
    """Where every file of the export goes; late dossiers in a folder of their own."""
    late = component(labels.words(export.language).late, "late")
    layout: Layout = {}
    entries: list[Entry] = []
    folders: set[str] = set()
    for row in export.rows:
        folder = _unique(component(_folder_name(export, row), row.id), folders)
        base = f"{late}/{folder}" if row.late else folder
        placement, files = _place(export, row, base)
        layout[row.id] = placement
        entries.extend(files)
    return layout, entries


def workbook_name(export: Export) -> str:
    return f"{export.rule.id}.xlsx"


def write_folder(target: Path, export: Export, render: RenderWorkbook) -> int:
    """Write the folder; refuse a target that already holds files, so two exports never mix. Returns files written."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise UsageError(f"{target} already exists and is not an empty folder", fix="give a new or empty --files DIR")
    layout, entries = plan(export)
    entries.append(Entry(workbook_name(export), content=render(layout)))
    root = target.resolve()
    for entry in entries:
        path = _inside(root, entry.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(entry.read())
    return len(entries)


def write_zip(target: Path, export: Export, render: RenderWorkbook) -> int:
    """The same tree in one ZIP file, under a top folder named after the call."""
    layout, entries = plan(export)
    entries.append(Entry(workbook_name(export), content=render(layout)))
    top = export.rule.id
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for entry in entries:
            name = PurePosixPath(top, entry.path)
            if ".." in name.parts or name.is_absolute():
                raise AssertionError(f"unsafe path in the export plan: {entry.path!r}")
            archive.writestr(str(name), entry.read())
    return len(entries)


def component(name: str, fallback: str) -> str:
    """One path component for a folder: spaces kept, separators and control characters gone, bounded."""
    normal = unicodedata.normalize("NFKC", name)
    kept = "".join(" " if c in NOT_IN_NAMES or unicodedata.category(c)[0] in "CZ" else c for c in normal)
    cleaned = " ".join(kept.split())[:MAX_FOLDER_CHARS].strip(" .")
    return cleaned if cleaned and set(cleaned) != {"."} else fallback


def _folder_name(export: Export, row: Row) -> str:
    return row.id if export.anonymous or not row.name.strip() else f"{row.id} - {row.name}"


def _place(export: Export, row: Row, base: str) -> tuple[Placement, list[Entry]]:
    used: set[str] = set()
    files: dict[str, str] = {}
    mails: dict[int, str] = {}
    entries: list[Entry] = []
    if not export.anonymous:  # the original mail names the sender: an anonymous export leaves it out
        for mail in row.mails:
            name = f"courriel-{mail.id}.eml"  # our name: a stored document never gets .eml (safe_name)
            used.add(name)
            path = mails[mail.id] = f"{base}/{name}"
            entries.append(Entry(path, source=mail.raw))
    for document in row.documents:
        path = f"{base}/{_unique_file(document.filename, document.mime, used)}"
        files[document.sha256] = path
        entries.append(Entry(path, source=document.stored))
    return Placement(folder=base, files=files, mails=mails), entries


def _unique_file(filename: str, mime: str, used: set[str]) -> str:
    """A safe name not yet used in this folder (compared without case, as Windows and macOS do)."""
    name = safe_name(filename, mime)
    number = 1
    while name.casefold() in used:
        number += 1
        name = safe_name(filename, mime, suffix=str(number))
    used.add(name.casefold())
    return name


def _unique(name: str, used: set[str]) -> str:
    found, number = name, 1
    while found.casefold() in used:
        number += 1
        found = f"{name} ({number})"
    used.add(found.casefold())
    return found


def _inside(root: Path, relative: str) -> Path:
    path = (root / relative).resolve()
    if not path.is_relative_to(root):
        raise AssertionError(f"unsafe path in the export plan: {relative!r}")
    return path
