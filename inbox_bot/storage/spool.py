"""Files of large mails being fetched: the store's `spool` folder, one folder per mailbox.

A source writes a large mail into a `SpoolFile` as it comes (sources/imap.py `fetch_into`: partial FETCHes),
so the mail is never held whole; its hash is taken on the way. Recording links the file into the store's
`raw` area under that hash (`Store.put_spooled`), and the poller removes the spool file once its mail is
recorded. A crash leaves at worst a spool file nobody needs: a mailbox's folder is emptied when its poll
starts (polls of one mailbox never overlap).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType


@dataclass(frozen=True)
class Spooled:
    """A mail written whole to its spool file."""

    path: Path
    sha256: str
    size: int


class SpoolFile:
    """A writable file (`write` is all a source needs) that hashes what it is given; removed on an error."""

    def __init__(self, folder: Path) -> None:
        handle, name = tempfile.mkstemp(dir=folder, prefix="mail-")
        self.path = Path(name)
        self._file = os.fdopen(handle, "wb")
        self._hash = hashlib.sha256()
        self._size = 0

    def write(self, data: bytes) -> int:
        self._hash.update(data)
        self._size += len(data)
        return self._file.write(data)

    def done(self) -> Spooled:
        """Close the file: the mail is whole."""
        self._file.close()
        return Spooled(self.path, self._hash.hexdigest(), self._size)

    def __enter__(self) -> SpoolFile:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._file.close()
        if error is not None:
            self.path.unlink(missing_ok=True)


class Spool:
    """One mailbox's spool folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def clear(self) -> None:
        """Remove what an interrupted poll left."""
        shutil.rmtree(self.folder, ignore_errors=True)

    def open(self) -> SpoolFile:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        return SpoolFile(self.folder)

    def remove(self, path: Path | None) -> None:
        """A mail's spool file, once its mail is recorded (the store holds its own link to it)."""
        if path is not None and path.parent == self.folder:
            path.unlink(missing_ok=True)
