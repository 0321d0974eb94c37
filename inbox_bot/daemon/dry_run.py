"""`run --once --dry-run`: every configured mailbox read and triaged as `run --once` would, nothing changed.

What a real run would read (the UIDs above the ledger's, or the whole folder on first contact) is fetched
with BODY.PEEK (no \\Seen flag set), triaged against the dossiers the database already holds and those earlier
mails of the same dry run build up, and described: the verdict, and the reply a real run would queue, or why
none. Nothing is recorded (the database is only read; a missing one is stood in for by an empty one in a
temporary folder), nothing is filed or moved, nothing is queued or sent.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from inbox_bot.config.secrets import read_credential
from inbox_bot.config.settings import MailboxSettings, Settings
from inbox_bot.core.errors import InboxBotError
from inbox_bot.core.models import DossierSoFar, Rule, TriageResult
from inbox_bot.daemon.pipeline_setup import build_pipeline
from inbox_bot.outgoing import outbox, replies
from inbox_bot.sources.imap import ImapMailbox
from inbox_bot.sources.mailbox import Mailbox, MailboxFactory
from inbox_bot.storage.ledger import Ledger
from inbox_bot.storage.rows import utc_now
from inbox_bot.storage.store import Store
from inbox_bot.triage.pipeline import MemoryHistory, Pipeline


@dataclass(frozen=True)
class DryVerdict:
    mailbox: str
    uid: int
    result: TriageResult
    reply: str  # the kind a real run would queue, `none` (then `no_reply` says why), or `-` (none due)
    no_reply: str


@dataclass
class DryRunReport:
    verdicts: list[DryVerdict] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)  # per mailbox: mails a real run would not read again
    failed: dict[str, str] = field(default_factory=dict)


class RunHistory:
    """The dossiers the database holds, plus what earlier mails of this dry run brought."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.memory = MemoryHistory()

    def dossier(self, call: str, applicant: str, message_id: str | None = None) -> DossierSoFar:
        stored = self.store.dossier(call, applicant, message_id)
        seen = self.memory.dossier(call, applicant, message_id)
        return stored.model_copy(
            update={
                "kinds": stored.kinds | seen.kinds,
                "document_hashes": stored.document_hashes | seen.document_hashes,
                "message_ids": stored.message_ids | seen.message_ids,
            }
        )

    def call_of_thread(self, message_ids: Sequence[str]) -> str | None:
        return self.store.call_of_thread(message_ids)


def dry_run_mailboxes(
    settings: Settings, rules: Mapping[str, Rule], *, mailboxes: MailboxFactory | None = None
) -> DryRunReport:
    """Triage what every mailbox holds for a real run; a mailbox that fails is reported, the others go on."""
    report = DryRunReport()
    with tempfile.TemporaryDirectory(prefix="inbox-bot-dry-run-") as scratch:
        store = _read_only_store(settings, Path(scratch))
        try:
            history, pipeline = RunHistory(store), build_pipeline(settings, dict(rules))
            for box in settings.mailboxes:
                try:
                    _one_mailbox(box, store, history, pipeline, settings, report, mailboxes)
                except InboxBotError as exc:
                    report.failed[box.name] = exc.one_line()
        finally:
            store.close()
    return report


def _read_only_store(settings: Settings, scratch: Path) -> Store:
    if settings.database.exists():
        return Store(settings.database, settings.storage)
    return Store(scratch / "empty.sqlite", scratch / "storage")  # no database yet: an empty one, thrown away


def _one_mailbox(
    box: MailboxSettings,
    store: Store,
    history: RunHistory,
    pipeline: Pipeline,
    settings: Settings,
    report: DryRunReport,
    mailboxes: MailboxFactory | None,
) -> None:
    imap: Mailbox = mailboxes(box) if mailboxes else ImapMailbox(box, read_credential(box))
    try:
        imap.connect()
        state = imap.status()
        ledger = Ledger(store, box.name, box.folder)
        stored = ledger.stored_uidvalidity()
        known_max = ledger.max_uid(state.uidvalidity)
        known = ledger.known_uids(state.uidvalidity) if known_max is None and stored is not None else None
        uids = imap.new_uids(known_max, known)
        metas = imap.fetch_meta(uids)
        limit = int(settings.limits.max_mail_mb * 1_048_576)
        readable = [uid for uid in uids if uid in metas and metas[uid].size <= limit]
        for uid, raw in imap.fetch_bodies(readable, batch=min(10, len(readable) or 1)):
            mail = imap.raw_mail(uid, raw, metas[uid])
            if store.mail_id_by_hash(mail.sha256) is not None:
                report.skipped[box.name] = report.skipped.get(box.name, 0) + 1
                continue
            triaged = pipeline.triage(mail, history, threads=history)
            history.memory.remember(triaged.result)
            arrived = mail.server_received_at or triaged.result.received_at
            held = replies.held_back(arrived, utc_now(), settings.replies.max_age, first_contact=stored is None)
            rule = pipeline.rules.get(triaged.result.call or "")
            planned = outbox.plan_reply(
                store, triaged.parsed, triaged.result, rule, settings, set(box.authserv_ids),
                raw=mail, rules=pipeline.rules.values(), held_back=held,
            )  # fmt: skip
            report.verdicts.append(DryVerdict(box.name, uid, triaged.result, *describe(planned)))
    finally:
        imap.close()


def describe(planned: outbox.PlannedReply | None) -> tuple[str, str]:
    """The reply a real run would queue (its kind) or `none` and why; `-` when no reply is due at all."""
    if planned is None:
        return "-", ""
    if isinstance(planned, outbox.ReplyEvent):
        return "none", str(planned.detail.get("reason", planned.kind))
    return str(planned.row["kind"]), ""
