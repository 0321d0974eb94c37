"""The store's files on disk: raw mails and attachments, each kept once under its SHA-256.

Apart from the database so that a process with no connection to it (a worker reading whole mails,
inbox_bot.daemon.mailworkers) writes a mail's files where recording the mail will find them.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable
from pathlib import Path


class Files:
    def __init__(self, storage: Path) -> None:
        self.storage = storage

    def path_of(self, area: str, sha256: str) -> str:
        """Where `put_file` keeps these bytes, relative to storage."""
        return (Path(area) / sha256[:2] / sha256).as_posix()

    def put_file(self, area: str, sha256: str, content: bytes) -> str:
        """Store bytes under their hash (no extension, no exec bit); return the path relative to storage."""

        def write(temporary: Path) -> None:
            with temporary.open("xb") as out:
                out.write(content)

        return self._place(area, sha256, write)

    def put_spooled(self, area: str, sha256: str, spooled: Path) -> str:
        """Store a spooled file under its hash, as `put_file` stores bytes: a hard link (the spool folder is
        in the store), or a copy where links are refused; the bytes are never read into memory."""

        def link(temporary: Path) -> None:
            try:
                os.link(spooled, temporary)
            except OSError:
                shutil.copyfile(spooled, temporary)

        return self._place(area, sha256, link)

    def _place(self, area: str, sha256: str, fill: Callable[[Path], None]) -> str:
        """The file under its hash, unless it is there already: `fill` makes a temporary file beside it, which
        takes the file's name at once (never half a file under a hash)."""
        relative = Path(self.path_of(area, sha256))
        target = self.storage / relative
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.parent / f".incoming-{secrets.token_hex(8)}"
            try:
                fill(temporary)
                os.chmod(temporary, 0o600)
                os.replace(temporary, target)
            except BaseException:
                temporary.unlink(missing_ok=True)
                raise
        return relative.as_posix()
