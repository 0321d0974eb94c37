"""A real SMTP server (aiosmtpd) on 127.0.0.1 at a free port, keeping what it receives.

    from tests.smtpd import SmtpServer  # the fixture `smtp_server` is registered once, in conftest.py

    def test_x(smtp_server: SmtpServer) -> None:
        ... send to smtp_server.port ...
        [message] = smtp_server.messages()       # email.message.EmailMessage, parsed back

`smtp_server.refuse_rcpt` / `smtp_server.data_reply` make it refuse a recipient or answer DATA with a code;
`smtp_server.reply_delay` keeps a message and waits that many seconds before answering, longer than a
client's timeout: the sender cannot tell whether it was delivered.
"""

from __future__ import annotations

import asyncio
import hashlib
import socket
import threading
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from inbox_bot.config.settings import Settings
from inbox_bot.core.models import (
    ClassifiedDocument,
    DocumentKind,
    ParsedMail,
    RawMail,
    ReceivedSource,
    Rule,
    TriageResult,
    Verdict,
)
from inbox_bot.outgoing import outbox
from inbox_bot.outgoing.replies import one_line
from inbox_bot.sources.files import raw_mail
from inbox_bot.storage.store import Store


@dataclass
class Received:
    mail_from: str
    rcpt: list[str]
    data: bytes

    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.data, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class SmtpServer:
    host: str = "127.0.0.1"
    port: int = 0
    received: list[Received] = field(default_factory=list)
    refuse_rcpt: set[str] = field(default_factory=set)
    data_reply: str | None = None  # e.g. "451 4.3.0 try again later" instead of accepting
    reply_delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def messages(self) -> list[EmailMessage]:
        with self.lock:
            return [r.message() for r in self.received]


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(self, smtp: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address.lower() in self.server.refuse_rcpt:
            return "550 5.1.1 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp: Any, session: Any, envelope: Any) -> str:
        if self.server.data_reply is not None:
            return self.server.data_reply
        with self.server.lock:
            self.server.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content)))
        if self.server.reply_delay:
            await asyncio.sleep(self.server.reply_delay)  # the message is taken; its "250" comes too late
        return "250 2.0.0 queued"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(name="smtp_server")
def smtp_server_fixture() -> Iterator[SmtpServer]:
    # aiosmtpd's own imports and loop set-up may warn (deprecations in its dependencies): not our code, and
    # the suite turns warnings into errors, so they are silenced here only.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from aiosmtpd.controller import Controller

        server = SmtpServer()
        controller = Controller(_Handler(server), hostname="127.0.0.1", port=free_port())
        controller.start()
    server.port = controller.port
    try:
        yield server
    finally:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            controller.stop()


# ---------------------------------------------------------------- values for the reply, outbox and digest tests

AUTHSERV = "mx.ngo.example"
APPLICANT = "karim.alaoui@example.ma"
PASSING = f"{AUTHSERV}; spf=pass smtp.mailfrom={APPLICANT}; dkim=pass header.d=example.ma header.s=s1"


def smtp_settings(server: SmtpServer | None, tmp_path: Path, **more: Any) -> Settings:
    """Settings whose [smtp] points at the test server (or at a port where nothing listens)."""
    port = server.port if server is not None else free_port()
    smtp = {"host": "127.0.0.1", "port": port, "security": "none", "from": "bot@ngo.example", "timeout": "5s"}
    smtp |= more.pop("smtp", {})
    paths = {"rules_dir": tmp_path / "rules", "database": tmp_path / "db.sqlite", "storage": tmp_path / "storage"}
    return Settings(**(paths | more), smtp=smtp)


def parsed_mail(**fields: Any) -> ParsedMail:
    values: dict[str, Any] = {
        "message_id": "<cand-1@example.ma>",
        "subject": "Candidature_chargé(e) de projet_OMP",
        "sender": APPLICANT,
        "sender_name": "Karim Alaoui",
        "recipients": ["omdp.direction.2@gmail.com"],
        "received_at": datetime(2026, 4, 20, 9, 14, tzinfo=UTC),
        "received_source": ReceivedSource.RECEIVED_HEADER,
        "body": "Veuillez trouver ci-joint mon dossier.",
        "return_path": APPLICANT,
        "authentication_results": [PASSING],
        "references": "<earlier-0@example.ma>",
    }
    return ParsedMail(**(values | fields))


def document(kind: str, filename: str, content: bytes) -> ClassifiedDocument:
    return ClassifiedDocument(
        filename=filename, kind=DocumentKind(kind), mime="application/pdf", size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )  # fmt: skip


def triage_result(
    parsed: ParsedMail, call: str | None, verdict: str, missing: Iterable[str] = (), documents: Iterable[Any] = ()
) -> TriageResult:
    return TriageResult(
        file=f"test:{parsed.message_id}", message_id=parsed.message_id, sender=parsed.sender,
        sender_name=parsed.sender_name, subject=parsed.subject, call=call, verdict=Verdict(verdict),
        missing=[DocumentKind(k) for k in missing], documents=list(documents), received_at=parsed.received_at,
        received_source=parsed.received_source, reasons=["test"],
    )  # fmt: skip


def raw_for(parsed: ParsedMail, *extra: tuple[str, str]) -> RawMail:
    """The raw bytes of a mail that would parse as `parsed` (headers that matter), plus extra headers."""
    message = EmailMessage()
    if parsed.return_path is not None:
        message["Return-Path"] = f"<{parsed.return_path}>"
    for value in parsed.authentication_results:
        message["Authentication-Results"] = value
    message["From"] = f"{one_line(parsed.sender_name)} <{parsed.sender}>"  # the raw side of a test: kept valid
    message["To"] = ", ".join(parsed.recipients)
    message["Subject"] = one_line(parsed.subject)
    message["Message-ID"] = parsed.message_id
    for name, value in extra:
        message[name] = value
    message.set_content(parsed.body)
    return raw_mail(f"test:{parsed.message_id}", message.as_bytes())


def record(
    store: Store, settings: Settings, rule: Rule | None, parsed: ParsedMail, result: TriageResult,
    *extra: tuple[str, str], **kw: Any,
) -> int:
    """Record a triaged mail the way the poller does, with its reply in the same unit of work."""
    raw = raw_for(parsed, *extra)
    planned = outbox.plan_reply(store, parsed, result, rule, settings, {AUTHSERV}, raw=raw, **kw)
    with store.transaction() as tx:
        mail_id = tx.record_mail(raw, result, [])
        if planned is not None:
            outbox.queue(tx, mail_id, planned)
    return mail_id
