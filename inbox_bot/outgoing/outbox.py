"""The outbox: every mail inbox-bot sends is first a row here, then the sender job delivers it.

A reply is planned and rendered before the mail is recorded (`plan_reply`), then queued in the unit of work
that records the mail (`queue(tx, mail_id, planned)`): a crash leaves both or neither. Its
Message-ID is derived from the mail it answers, and unique, so it cannot be queued twice.

Delivery (`deliver_pending`) moves a row queued -> sending, committed BEFORE the SMTP transaction, then to
sent, back to queued with a later attempt (the server said "later", or the connection failed before the
message was handed over), or to failed (refused for good, or too many attempts). A row still in `sending`
when a process starts, or long after any SMTP timeout, was interrupted mid-transaction: it becomes `unknown`
and is never resent automatically; `status` and the digest show it, and a person settles it
(`settle_unknown`). So a crash at any point never sends a reply twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence, Set
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.parser import BytesHeaderParser
from email.policy import compat32
from pathlib import Path
from typing import Any

from inbox_bot.config.settings import Settings, SmtpSettings
from inbox_bot.core.errors import ConfigError
from inbox_bot.core.models import ParsedMail, RawMail, Rule, TriageResult
from inbox_bot.core.reasons import Action
from inbox_bot.core.states import OutboxState
from inbox_bot.outgoing import compose, replies
from inbox_bot.outgoing.mailer import DeliveryFailed, Mailer
from inbox_bot.storage import failures, mails, outbox_rows
from inbox_bot.storage.outbox_rows import ReplyRow
from inbox_bot.storage.rows import iso, utc_now
from inbox_bot.storage.store import Store, Transaction
from inbox_bot.triage.rawview import head
from inbox_bot.triage.threads import thread_ids

log = logging.getLogger(__name__)

REPLY_KINDS = ("receipt", "incomplete", "late")
MAX_BACKOFF = timedelta(hours=12)
HEADER_BYTES = 262_144
BACKLOG = {
    "first_contact": "already in the mailbox when inbox-bot first watched it: recorded, not answered",
    "max_age": "older than replies.max_age: recorded, not answered",
}


# ---------------------------------------------------------------- enqueueing replies


@dataclass(frozen=True)
class ReplyEvent:
    """No reply to queue, but an event to keep on the mail: skipped, withheld for review, or not written."""

    kind: str
    detail: dict[str, Any]


PlannedReply = ReplyRow | ReplyEvent


def plan_reply(
    store: Store,
    parsed: ParsedMail | None,
    result: TriageResult,
    rule: Rule | None,
    settings: Settings,
    authserv_ids: Set[str],
    *,
    raw: RawMail | None = None,
    rules: Iterable[Rule] = (),
    now: datetime | None = None,
    held_back: str | None = None,
) -> PlannedReply | None:
    """What to write with this mail about its reply, before the mail is recorded; None when nothing.

    Everything slow or fallible (policy, templates, reading the dossier) happens here, outside the unit of work:
    a template error or a reply that must not go becomes an event on the mail, never an exception, so triage is
    never held up. Then `queue(tx, mail_id, planned)` inside the mail's unit of work. `authserv_ids` are the ids
    of the mailbox's own server in Authentication-Results; `raw` lets the loop checks read every header;
    `rules` are all calls (their addresses are ours, never answered); `held_back` is why the mail is backlog
    (`replies.held_back`): a reply it would have had becomes a `reply_backlog` event, counted in status.
    """
    if settings.smtp is None or parsed is None:
        return None
    now = now or utc_now()
    own = replies.own_addresses(
        [*settings.replies.own_addresses, *(a for box in settings.mailboxes for a in box.addresses)],
        [*([rule] if rule else []), *rules],
        settings.smtp.from_address,
    )
    thread = _thread(store, parsed, result, rule, settings.smtp)
    plan = replies.plan_reply(result, rule, parsed, raw_headers(raw), own, authserv_ids, thread)
    if plan is None:
        return None
    if held_back is not None:  # before the review flag: a backlog of months must not flood the digest
        return ReplyEvent("reply_backlog", {"kind": plan.kind, "cause": held_back, "reason": BACKLOG[held_back]})
    if isinstance(plan, replies.Skip):
        event = "reply_withheld" if plan.review else "reply_skipped"
        return ReplyEvent(event, {"kind": plan.kind, "reason": plan.reason, "review": plan.review})
    assert rule is not None  # plan_reply answers only for a rule
    try:
        row = _reply_row(store, parsed, result, rule, plan, settings, now)
    except (ConfigError, ValueError) as exc:
        log.error("reply to %s for %s not written: %s", result.sender, rule.id, exc)
        return ReplyEvent("reply_failed", {"kind": plan.kind, "reason": str(exc)})
    return ReplyRow(row, settings.replies.window, now, once=thread.answers_ours)


def _thread(
    store: Store, parsed: ParsedMail, result: TriageResult, rule: Rule | None, smtp: SmtpSettings
) -> replies.Thread:
    """Does this mail answer one of ours (by the outbox, or by the shape of our Message-IDs), with new files?"""
    referenced = thread_ids(parsed)
    if not referenced:
        return replies.Thread()
    domain = smtp.from_address.rpartition("@")[2]
    ours = bool(outbox_rows.sent_message_ids(store, referenced)) or any(
        replies.looks_like_ours(message_id, domain) for message_id in referenced
    )
    if not ours or rule is None:
        return replies.Thread(answers_ours=ours)
    earlier = {f.sha256 for f in mails.earlier_files(store, rule.id, result.sender)}
    new = {d.sha256 for d in result.documents if d.problem is None and d.sha256 not in earlier}
    return replies.Thread(answers_ours=True, new_documents=len(new))


def queue(tx: Transaction, mail_id: int, planned: PlannedReply) -> None:
    """Write a planned reply (or its event) in the unit of work that records its mail."""
    if isinstance(planned, ReplyEvent):
        tx.add_event(mail_id, planned.kind, planned.detail)
    else:
        tx.queue_reply(mail_id, planned)


def raw_headers(raw: RawMail | None) -> list[tuple[str, str]]:
    if raw is None:
        return []
    try:
        message = BytesHeaderParser(policy=compat32).parsebytes(head(raw, HEADER_BYTES))
        return [(name, str(value)) for name, value in message.items()]
    except Exception:  # hostile headers: the parser's own signals still apply
        return []


def _reply_row(
    store: Store,
    parsed: ParsedMail,
    result: TriageResult,
    rule: Rule,
    plan: replies.Plan,
    settings: Settings,
    now: datetime,
) -> dict[str, Any]:
    assert settings.smtp is not None
    smtp = settings.smtp
    domain = smtp.from_address.rpartition("@")[2]
    context = reply_context(store, result, rule, plan.kind)
    template_dir = _template_dir(rule, settings.rules_dir)
    text = compose.render_reply(plan.kind, rule.replies.language, context, template_dir=template_dir, call=rule.id)
    message_id = replies.message_id(plan.kind, rule.id, result.message_id, plan.to, domain=domain)
    message = compose.build_message(
        sender=(smtp.from_name, smtp.from_address),
        to=[(plan.to_name, plan.to)],
        reply_to=rule.addresses[0],
        subject=text.subject,
        text=text.text,
        message_id=message_id,
        date=now,
        auto_submitted="auto-replied",
        in_reply_to=parsed.message_id,
        earlier_references=parsed.references,
    )
    return {
        "kind": plan.kind,
        "call": rule.id,
        "organisation": rule.organisation,
        "applicant": result.sender,
        "mail_from": "" if settings.replies.null_sender else smtp.from_address,
        "rcpt": [plan.to],
        "message_id": message_id,
        "subject": text.subject,
        "message": message,
    }


def _template_dir(rule: Rule, rules_dir: Path) -> Path | None:
    if rule.replies.template_dir is None:
        return None
    folder = Path(rule.replies.template_dir).expanduser()
    return folder if folder.is_absolute() else rules_dir / folder


def reply_context(store: Store, result: TriageResult, rule: Rule, kind: str) -> dict[str, Any]:
    """What a reply template may use: the pure context, with the dossier's earlier files and any extension."""
    files = [
        replies.FileReceived(f.filename, f.size, f.sha256, f.inside, f.received_at)
        for f in mails.earlier_files(store, rule.id, result.sender)
    ]
    override = store.deadline_override(rule.id, result.sender)
    return replies.reply_context(result, rule, kind, earlier=files, override=override)


# ---------------------------------------------------------------- the table


def enqueue(store: Store, row: dict[str, Any], now: datetime | None = None) -> int | None:
    """Queue one message; None when a message with the same Message-ID is already there (it is not queued again)."""
    return outbox_rows.enqueue(store, row, now)


def recover_interrupted(store: Store, *, older_than: timedelta = timedelta(0), now: datetime | None = None) -> int:
    """Rows left in `sending` (claimed more than `older_than` ago) become `unknown`. Call it at start-up."""
    stale = outbox_rows.claimed_before(store, (now or utc_now()) - older_than)
    for outbox_id in stale:
        error = "interrupted during the SMTP transaction: may have gone"
        outbox_rows.set_values(store, outbox_id, state=OutboxState.UNKNOWN.value, last_error=error)
        log.warning("outbox %s: interrupted while sending; it may have been delivered: not resent", outbox_id)
    return len(stale)


def settle_unknown(store: Store, outbox_id: int, *, resend: bool) -> None:
    """A person's decision on an `unknown` row: queue it again, or take it as sent (the recipient confirmed)."""
    if outbox_rows.state_of(store, outbox_id) is not OutboxState.UNKNOWN:
        raise ConfigError(f"outbox row {outbox_id} is not in state unknown", fix="see the outbox status")
    now = utc_now().isoformat()
    if resend:
        outbox_rows.set_values(store, outbox_id, state=OutboxState.QUEUED.value, next_attempt_at=now)
    else:
        outbox_rows.set_values(store, outbox_id, state=OutboxState.SENT.value, sent_at=now)


def status(store: Store) -> dict[str, int]:
    """How many outbox rows are in each state (queued, sending, sent, failed, unknown)."""
    return {state.value: n for state, n in outbox_rows.counts(store).items()}


def rows(store: Store, *states: str) -> list[dict[str, Any]]:
    """Outbox rows in these states, oldest first, without the message bytes."""
    return outbox_rows.listing(store, states)


def summary(store: Store, kinds: Sequence[str], calls: Sequence[str] | None, since_at: str) -> dict[str, Any]:
    """For the digest: sent and failed since a time, unknown and still waiting whenever queued."""
    found = outbox_rows.for_digest(store, kinds, calls, since_at)

    def line(row: dict[str, Any]) -> dict[str, str]:
        to = ", ".join(row["rcpt"])
        return {"kind": row["kind"], "to": to, "call": row.get("call") or "", "error": row["last_error"] or ""}

    return {
        "sent": len(found["sent"]),
        "failed": [line(r) for r in found["failed"]],
        "unknown": [line(r) for r in found["unknown"]],
        "waiting": len(found["waiting"]),
    }


def queue_notice(
    store: Store,
    smtp: SmtpSettings,
    kind: str,
    identity: Sequence[str],
    to: list[str],
    rendered: compose.Rendered,
    now: datetime,
    *,
    organisation: str | None = None,
) -> int | None:
    """Queue a digest or an alert to our own people; None when one with the same identity is already queued."""
    message_id = replies.message_id(kind, *identity, domain=smtp.from_address.rpartition("@")[2])
    message = compose.build_message(
        sender=(smtp.from_name, smtp.from_address),
        to=[("", address) for address in to],
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        message_id=message_id,
        date=now,
        auto_submitted="auto-generated",  # so our own intake ignores it if it ever comes back in
    )
    row = {"kind": kind, "organisation": organisation, "mail_from": smtp.from_address, "rcpt": to}
    return enqueue(store, {**row, "message_id": message_id, "subject": rendered.subject, "message": message}, now)


def _set(store: Store, outbox_id: int, **values: Any) -> None:
    outbox_rows.set_values(store, outbox_id, **values)


# ---------------------------------------------------------------- delivering


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    unknown: int = 0
    error: str | None = None  # the server could not be reached: nothing was attempted


def deliver_pending(store: Store, mailer: Mailer, *, now: datetime | None = None, limit: int = 100) -> DeliveryReport:
    """The sender job: deliver what is due, one SMTP connection for the batch. Safe to run at any time.

    Run it every minute or so from the scheduler, and after `digest --send`. A server that cannot be reached
    leaves every row queued, untouched: the next run tries again, nothing is lost.
    """
    now = now or utc_now()
    report = DeliveryReport()
    # Anything claimed long before any SMTP timeout could expire was interrupted (another process died).
    recover_interrupted(store, older_than=max(timedelta(minutes=10), 6 * mailer.settings.timeout), now=now)
    due = outbox_rows.due(store, now, limit)
    if not due:
        return report
    try:
        mailer.connect()
    except DeliveryFailed as exc:
        log.warning("outbox: %s; %d message(s) wait for the next run", exc.one_line(), len(due))
        report.error = exc.one_line()
        for mailbox in sorted(filter(None, {failures.mailbox_of_mail(store, row["mail_id"]) for row in due})):
            failures.failed(store, mailbox, Action.SENDING, cause=exc.cause, error=report.error)
        return report
    with mailer:
        for row in due:
            if outbox_rows.claim(store, row["id"], now) and not _deliver(store, mailer, row, now, report):
                break
    return report


def _deliver(store: Store, mailer: Mailer, row: dict[str, Any], now: datetime, report: DeliveryReport) -> bool:
    """Send one claimed row; False when the connection is gone and the batch should stop."""
    try:
        mailer.send(row["mail_from"], row["rcpt"], bytes(row["message"]))
    except DeliveryFailed as exc:
        _after_failure(store, row, exc, now, report, mailer.settings)
        _sending_health(store, row, exc)
        return not exc.connection
    sent = {
        "state": OutboxState.SENT.value,
        "sent_at": utc_now().isoformat(),
        "attempts": row["attempts"] + 1,
        "last_error": None,
    }
    if row["kind"] == "digest":  # it names applicants of every call: once sent, no copy stays behind
        sent["message"] = b""
    _set(store, row["id"], **sent)
    _mail_event(store, row, "reply_sent", {"to": row["rcpt"]})
    _sending_health(store, row, None)
    report.sent += 1
    return True


def _sending_health(store: Store, row: dict[str, Any], exc: DeliveryFailed | None) -> None:
    """A reply to a mail of an IMAP mailbox: that mailbox is `degraded` while its replies fail (storage.failures)."""
    mailbox = failures.mailbox_of_mail(store, row["mail_id"])
    if mailbox is None:
        return
    if exc is None:
        failures.cleared(store, mailbox, Action.SENDING)
    else:
        failures.failed(store, mailbox, Action.SENDING, cause=exc.cause, error=exc.one_line()[:500])


def _after_failure(
    store: Store, row: dict[str, Any], exc: DeliveryFailed, now: datetime, report: DeliveryReport, smtp: SmtpSettings
) -> None:
    error = exc.one_line()[:500]
    attempts = row["attempts"] + (0 if exc.connection else 1)
    if exc.outcome == "unknown":
        _set(store, row["id"], state=OutboxState.UNKNOWN.value, attempts=attempts, last_error=error)
        _mail_event(store, row, "reply_unknown", {"error": error})
        report.unknown += 1
    elif exc.outcome == "refused" or attempts >= smtp.max_attempts:
        _set(store, row["id"], state=OutboxState.FAILED.value, attempts=attempts, last_error=error)
        _mail_event(store, row, "reply_failed", {"error": error, "attempts": attempts})
        report.failed += 1
    else:
        wait = min(MAX_BACKOFF, smtp.retry_after * 2 ** max(attempts - 1, 0))
        retry_at = iso(now + wait)
        _set(
            store,
            row["id"],
            state=OutboxState.QUEUED.value,
            attempts=attempts,
            last_error=error,
            next_attempt_at=retry_at,
        )
        report.retrying += 1
    log.warning("outbox %s (%s to %s): %s", row["id"], row["kind"], row["rcpt"], error)


def _mail_event(store: Store, row: dict[str, Any], kind: str, detail: dict[str, Any]) -> None:
    if row["mail_id"] is not None:
        store.add_event(row["mail_id"], kind, {"kind": row["kind"], "outbox_id": row["id"], **detail})
