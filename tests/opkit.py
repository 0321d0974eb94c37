"""Stored mails for the operator commands' tests: real raw mails (standard library), decisions given by hand.

The decisions are written through Store.record, as the pipeline would, so these tests do not depend on how
attachments are read or classified; re-triage tests use mails whose verdict needs no attachment reading.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from inbox_bot.cli.main import main
from inbox_bot.config.settings import load_settings
from inbox_bot.core.models import (
    Attachment,
    ClassifiedDocument,
    DocumentKind,
    ReceivedSource,
    TriageResult,
    Verdict,
)
from inbox_bot.sources.files import raw_mail
from inbox_bot.storage.store import Store

RULES_DIR = Path(__file__).resolve().parents[1] / "rules"
OMP_CHARGE = "omp-charge-projet-2026"
OMP_SUBJECT = "Candidature_chargé(e) de projet_OMP"
OMP_ADDRESS = "omdp.direction.2@gmail.com"


def day(d: int, month: int = 4, hour: int = 9) -> datetime:
    """A day of 2026, 09:00 UTC unless told."""
    return datetime(2026, month, d, hour, 0, tzinfo=UTC)


def write_config(tmp_path: Path, *, days_after_deadline: int = 365) -> Path:
    config = tmp_path / "inbox-bot.toml"
    config.write_text(
        f'rules_dir = "{RULES_DIR.as_posix()}"\ndatabase = "var/db.sqlite"\nstorage = "var/storage"\n'
        f"[retention]\ndays_after_deadline = {days_after_deadline}\n",
        encoding="utf-8",
    )
    return config


def open_store(config: Path) -> Store:
    settings = load_settings(config)
    return Store(settings.database, settings.storage)


def run(config: Path, *args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(main, ["--config", str(config), *args], input=input)


def json_lines(result: Result) -> list[dict[str, Any]]:
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def eml(
    sender: str,
    *,
    to: str = OMP_ADDRESS,
    subject: str = OMP_SUBJECT,
    received: datetime,
    message_id: str,
    name: str = "Karim Alaoui",
    files: Sequence[tuple[str, bytes]] = (),
) -> bytes:
    message = EmailMessage()
    # Our own server's stamp: the time the pipeline trusts.
    message["Received"] = f"from mail.example.ma by mx.google.com; {format_datetime(received)}"
    message["From"] = f"{name} <{sender}>"
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(received)
    message["Message-ID"] = message_id
    message.set_content("Bonjour, veuillez trouver ci-joint ma candidature.")
    for filename, content in files:
        message.add_attachment(content, maintype="application", subtype="pdf", filename=filename)
    return message.as_bytes()


def record(
    store: Store,
    sender: str,
    *,
    call: str | None = OMP_CHARGE,
    verdict: Verdict = Verdict.INCOMPLETE,
    missing: Sequence[str] = (),
    files: dict[str, str] | None = None,
    received: datetime = datetime(2026, 4, 20, 9, 0, tzinfo=UTC),
    name: str = "Karim Alaoui",
    subject: str = OMP_SUBJECT,
    to: str = OMP_ADDRESS,
    message_id: str | None = None,
    received_source: ReceivedSource = ReceivedSource.RECEIVED_HEADER,
    salt: str | None = None,
    header_received: datetime | None = None,
) -> int:
    """Record a mail as if the pipeline had decided `verdict`; `files` maps file names to kinds.

    A file's bytes depend on its name and `salt` (the sender by default): the same salt gives the same file."""
    message_id = message_id or f"<{hashlib.sha256(f'{sender}{received}'.encode()).hexdigest()[:12]}@example.ma>"
    contents = [(filename, f"%PDF-1.4 {salt or sender} {filename}".encode()) for filename in files or {}]
    stamp = header_received or received  # differs when the server's own time was recorded
    raw = eml(sender, to=to, subject=subject, received=stamp, message_id=message_id, name=name, files=contents)
    attachments = [attachment(filename, content) for filename, content in contents]
    documents = [
        ClassifiedDocument(
            filename=a.filename,
            kind=DocumentKind((files or {})[a.filename]),
            mime=a.mime,
            size=a.size,
            sha256=a.sha256,
            pages=1,
            reasons=[f"the text reads like a {(files or {})[a.filename]}"],
        )
        for a in attachments
    ]
    result = TriageResult(
        file="test.eml",
        message_id=message_id,
        sender=sender,
        sender_name=name,
        subject=subject,
        call=call,
        verdict=verdict,
        missing=[DocumentKind(k) for k in missing],
        documents=documents,
        received_at=received,
        received_source=received_source,
        reasons=["recorded by a test"],
    )
    return store.record(raw_mail(f"test-{message_id}", raw), result, attachments)


def attachment(filename: str, content: bytes) -> Attachment:
    return Attachment(
        filename=filename,
        safe_name=filename,
        mime="application/pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
    )
