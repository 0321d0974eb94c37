"""Put mails straight into a Dovecot Maildir, with the receipt time the corpus says.

Like tests/dovecot.py's deliver_files (thousands a second, no IMAP), plus the file's mtime, which Dovecot reports
as INTERNALDATE: the corpus was received in April 2026, before the calls closed, so the verdicts are those of
mail that came on time, not a heap of `late`.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path


def _name(tag: str, number: int, size: int) -> str:
    return f"{number:07d}.B{tag}.inbox-bot-bench,S={size}"


def _publish(maildir: Path, staged: Path, owner: tuple[int, int], received: datetime) -> None:
    os.chown(staged, *owner)
    stamp = received.timestamp()
    os.utime(staged, (stamp, stamp))
    staged.rename(maildir / "cur" / f"{staged.name}:2,")  # the Maildir way: a whole file appears at once


def deliver(maildir: Path, mails: Sequence[tuple[bytes, datetime]], owner: tuple[int, int], tag: str) -> None:
    """Write each (raw, received) into cur/; `tag` keeps names unique between deliveries to one Maildir."""
    for number, (raw, received) in enumerate(mails):
        staged = maildir / "tmp" / _name(tag, number, len(raw))
        staged.write_bytes(raw)
        _publish(maildir, staged, owner, received)


def deliver_file(maildir: Path, source: Path, owner: tuple[int, int], received: datetime, tag: str) -> None:
    """Copy one mail file into cur/ without reading it into memory (a memory measure may be running)."""
    staged = maildir / "tmp" / _name(tag, 0, source.stat().st_size)
    shutil.copyfile(source, staged)
    _publish(maildir, staged, owner, received)


def copy_maildir(source: Path, maildir: Path, owner: tuple[int, int]) -> None:
    """Copy the mails of one Maildir's cur/ into another's, receipt times (mtimes) kept."""
    for mail in sorted((source / "cur").iterdir()):
        staged = maildir / "tmp" / mail.name
        shutil.copy2(mail, staged)
        os.chown(staged, *owner)
        staged.rename(maildir / "cur" / mail.name)
