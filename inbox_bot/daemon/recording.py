"""Recording one triaged mail: one unit of work for the mail, its decision, its ledger row and its reply.

Recording comes before anything else is done to a mail, and a mail already recorded (same bytes) is skipped,
so running twice records nothing twice and a run interrupted at any point is safe to start again. Every mail
recorded, from an IMAP poll or a folder source, gets one INFO line of key=value pairs journald can filter:

    mail recorded mailbox=ngo@x folder=INBOX id=17 call=omp-cabinet-2026 verdict=complete
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from inbox_bot.core.models import RawMail
from inbox_bot.outgoing import outbox
from inbox_bot.storage.ledger import Place, SeenUid
from inbox_bot.storage.parsings import Parsing
from inbox_bot.storage.store import Store, Transaction
from inbox_bot.triage.pipeline import Pipeline, Triaged

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Origin:
    """Where a mail was read: a mailbox and its folder, or a folder source and its path."""

    mailbox: str
    folder: str


@dataclass(frozen=True)
class LedgerEntry:
    """The ledger row to write with a mail read from an IMAP folder."""

    place: Place
    seen: SeenUid


def triage_counted(pipeline: Pipeline, store: Store, raw: RawMail) -> Triaged:
    """Triage a mail, counting the try first (committed) so that a mail that kills the process is not retried
    forever: after `max_attempts` tries that did not end recorded, it is quarantined without being read."""
    failed = store.attempts(raw.sha256)
    if failed >= pipeline.limits.max_attempts:
        return pipeline.quarantined(raw, f"quarantined after {failed} failed attempts")
    store.begin_attempt(raw.sha256, raw.source)
    return pipeline.triage(raw, store, threads=store)


def record_triaged(
    store: Store,
    triaged: Triaged,
    origin: Origin,
    *,
    ledger: LedgerEntry | None = None,
    reply: outbox.PlannedReply | None = None,
    then: Callable[[Transaction, int], None] | None = None,
) -> int:
    """Record a triaged mail with its ledger row and its reply, all in one unit of work; return its id.

    `then` writes more in the same unit of work, given the mail's id (a command mail's row)."""
    with store.transaction() as tx:
        mail_id = tx.record_mail(triaged.raw, triaged.result, triaged.attachments)
        if triaged.reader is not None and triaged.parsed is not None:
            parsing = Parsing(triaged.parsed, triaged.attachments, triaged.classified)
            tx.keep_parsing(mail_id, triaged.reader, parsing)
        if ledger is not None:
            message_id = triaged.result.message_id
            tx.ledger_recorded(ledger.place, ledger.seen, mail_id, sha256=triaged.raw.sha256, message_id=message_id)
        if reply is not None:
            outbox.queue(tx, mail_id, reply)
        if then is not None:
            then(tx, mail_id)
    log_recorded(origin, mail_id, triaged)
    return mail_id


def record_mail(pipeline: Pipeline, store: Store, raw: RawMail, origin: Origin | None = None) -> Triaged | None:
    """Triage and record one mail unless its bytes are already recorded; None when it was."""
    if store.mail_id_by_hash(raw.sha256) is not None:
        return None
    triaged = triage_counted(pipeline, store, raw)
    record_triaged(store, triaged, origin or Origin("-", raw.source))
    return triaged


def log_recorded(origin: Origin, mail_id: int, triaged: Triaged) -> None:
    result = triaged.result
    fields = {
        "mailbox": origin.mailbox,
        "folder": origin.folder,
        "id": str(mail_id),
        "call": result.call or "-",
        "verdict": result.verdict.value,
    }
    log.info("mail recorded %s", " ".join(f"{key}={_value(text)}" for key, text in fields.items()))


def _value(text: str) -> str:
    """A value journald and grep read as one token: quoted when it holds a space, a quote or an equals sign."""
    if text and not any(ch.isspace() or ch in '"=' for ch in text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
