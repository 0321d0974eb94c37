"""Mails saved on disk: .eml files, folders of them, Maildirs and mbox files."""

from __future__ import annotations

import hashlib
import mailbox
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from inbox_bot.core.errors import UsageError
from inbox_bot.core.models import RawMail

MAIL_SUFFIXES = {".eml", ".msg", ".txt", ""}


def raw_mail(
    source: str, raw: bytes, *, mtime: float | None = None, server_received_at: datetime | None = None
) -> RawMail:
    return RawMail(
        source=source,
        raw=raw,
        sha256=hashlib.sha256(raw).hexdigest(),
        file_mtime=datetime.fromtimestamp(mtime, UTC) if mtime is not None else None,
        server_received_at=server_received_at,
    )


def is_maildir(path: Path) -> bool:
    return path.is_dir() and (path / "cur").is_dir() and (path / "new").is_dir()


def is_mbox(path: Path) -> bool:
    if path.suffix.lower() == ".eml" or not path.is_file():
        return False
    with path.open("rb") as handle:
        return handle.read(5) == b"From "


def read_paths(paths: Iterable[Path]) -> Iterator[RawMail]:
    """Every mail under the given paths, in a stable order; a path that does not exist is an error."""
    for path in paths:
        if not path.exists():
            raise UsageError(f"{path}: no such file or folder", fix="give .eml files, folders, Maildirs or mbox files")
        yield from _read_path(path)


def _read_path(path: Path) -> Iterator[RawMail]:
    if is_maildir(path):
        yield from _read_maildir(path)
    elif path.is_dir():
        for child in sorted(path.iterdir()):
            if child.name.startswith(".") or (child.is_file() and child.suffix.lower() not in MAIL_SUFFIXES):
                continue
            yield from _read_path(child)
    elif is_mbox(path):
        yield from _read_mbox(path)
    elif path.is_file():
        yield raw_mail(str(path), path.read_bytes(), mtime=path.stat().st_mtime)


def _read_maildir(path: Path) -> Iterator[RawMail]:
    # new/ then cur/: a file moves from one to the other when a reader sees it; its hash is its identity.
    for sub in ("new", "cur"):
        for file in sorted((path / sub).iterdir()):
            if file.is_file() and not file.name.startswith("."):
                yield raw_mail(str(file), file.read_bytes(), mtime=file.stat().st_mtime)


def _read_mbox(path: Path) -> Iterator[RawMail]:
    box = mailbox.mbox(path, create=False)
    try:
        for index, key in enumerate(box.keys()):
            yield raw_mail(f"{path}#{index + 1}", box.get_bytes(key))
    finally:
        box.close()
