"""A coordinator's reply to her digest: is a mail one (and whose, and may its sender command), and its confirmation.

A command mail answers a digest we sent: its In-Reply-To/References name a digest's Message-ID (the outbox keeps
every one), or, when a mail client lost them, its subject is a digest's subject behind "Re:"/"TR:". The digest
says whose calls the commands may touch: the organisation it was made for. Its sender may command when the
address is listed for that organisation (`[[digest.organisations]] to`) AND our own server authenticated it
(the Authentication-Results rule replies use: `replies.is_authenticated`). Machine mail is never a command
mail (an out-of-office answering the digest is just recorded), nor is anything sent from our own address.

The confirmation goes through the outbox (sent once: its Message-ID is made of the command mail's), marked
Auto-Submitted and In-Reply-To the command mail. A refused sender gets nothing: the refusal goes to the
organisation's own listed addresses, and says who tried and why, nothing of any applicant.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from inbox_bot.config.settings import Settings
from inbox_bot.core.models import CommandLine, CommandOutcome, ParsedMail, RawMail, Rule
from inbox_bot.core.reasons import Reason, ReasonCode, reason
from inbox_bot.core.wording import Language, language_of, moment, render
from inbox_bot.outgoing import compose, replies
from inbox_bot.outgoing.digest_data import OPERATOR
from inbox_bot.outgoing.outbox import enqueue, raw_headers
from inbox_bot.storage import commands
from inbox_bot.storage.store import Store
from inbox_bot.triage.commands import command_lines
from inbox_bot.triage.threads import thread_ids

REPLY_PREFIX = re.compile(r"^\s*((re|ré|réf|ref|aw|sv|tr|fw|fwd|wg)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)


@dataclass(frozen=True)
class CommandMail:
    """A reply to one of our digests: whose, from whom, whether the sender may command, and its lines."""

    organisation: str
    author: str
    message_id: str
    subject: str
    received_at: datetime
    lines: list[CommandLine]
    refusal: Reason | None  # why the sender may not command (not listed, not authenticated); None: they may
    listed: list[str]  # the organisation's listed addresses (where a refusal goes)
    language: Language


def recognise(
    store: Store,
    parsed: ParsedMail | None,
    raw: RawMail,
    settings: Settings,
    authserv_ids: Set[str],
    rules: Mapping[str, Rule],
) -> CommandMail | None:
    """The command mail this is, or None when it answers no digest of ours (then it is triaged as any mail)."""
    if parsed is None or settings.smtp is None:
        return None
    organisation = _digest_of(store, parsed)  # one indexed look-up: most mail stops here
    if organisation is None:
        return None
    if replies.loop_reasons(parsed, raw_headers(raw)) or parsed.sender == settings.smtp.from_address:
        return None
    listed = recipients(settings, organisation)
    refusal = None
    if parsed.sender not in listed:
        refusal = reason(ReasonCode.COMMAND_FOREIGN_SENDER, sender=parsed.sender or "?")
    elif not replies.is_authenticated(parsed.sender, parsed.authentication_results, authserv_ids):
        refusal = reason(ReasonCode.COMMAND_NOT_AUTHENTICATED, sender=parsed.sender)
    return CommandMail(
        organisation=organisation,
        author=parsed.sender,
        message_id=parsed.message_id,
        subject=parsed.subject,
        received_at=parsed.received_at,
        lines=command_lines(parsed.body),
        refusal=refusal,
        listed=listed,
        language=organisation_language(rules, organisation),
    )


def _digest_of(store: Store, parsed: ParsedMail) -> str | None:
    ids = thread_ids(parsed)
    found = commands.digest_organisation(store, ids) if ids else None
    if found is None:
        bare = REPLY_PREFIX.sub("", parsed.subject).strip()
        found = commands.digest_organisation_by_subject(store, bare) if bare != parsed.subject.strip() else None
    return found


def recipients(settings: Settings, organisation: str) -> list[str]:
    """Who receives the organisation's digest: the only addresses that may answer it with commands."""
    if organisation == OPERATOR:
        return list(settings.digest.operator)
    return list(settings.digest.recipients(organisation))


def organisation_language(rules: Mapping[str, Rule], organisation: str) -> Language:
    """The language her calls answer in (the most common), French when she has none."""
    spoken = Counter(language_of(r.replies.language) for r in rules.values() if r.organisation == organisation)
    return spoken.most_common(1)[0][0] if spoken else "fr"


# ---------------------------------------------------------------- the confirmation


def queue_confirmation(
    store: Store,
    settings: Settings,
    mail: CommandMail,
    outcomes: Sequence[CommandOutcome],
    rules: Mapping[str, Rule],
    now: datetime,
) -> int | None:
    """Queue the short answer listing what was done and refused; None when it was queued before (or nowhere to go)."""
    assert settings.smtp is not None
    smtp = settings.smtp
    to = [mail.author] if mail.refusal is None else mail.listed
    to = [address for address in to if replies.is_address(address)]
    if not to:
        return None
    context = _context(mail, outcomes, rules)
    rendered = compose.render(f"confirmation.{mail.language}.txt", context, owner="confirmation")
    message_id = replies.message_id("confirmation", mail.message_id, domain=smtp.from_address.rpartition("@")[2])
    message = compose.build_message(
        sender=(smtp.from_name, smtp.from_address),
        to=[("", address) for address in to],
        subject=rendered.subject,
        text=rendered.text,
        message_id=message_id,
        date=now,
        auto_submitted="auto-replied",
        in_reply_to=mail.message_id if mail.refusal is None else "",
    )
    row = {"kind": "confirmation", "organisation": mail.organisation, "mail_from": smtp.from_address, "rcpt": to}
    return enqueue(store, {**row, "message_id": message_id, "subject": rendered.subject, "message": message}, now)


def _context(mail: CommandMail, outcomes: Sequence[CommandOutcome], rules: Mapping[str, Rule]) -> dict[str, Any]:
    language = mail.language

    def line(outcome: CommandOutcome) -> dict[str, str]:
        return {"text": replies.one_line(outcome.text, 200), "outcome": render(outcome.reason, language)}

    mine = sorted(r.id for r in rules.values() if r.organisation == mail.organisation)
    return {
        "organisation": mail.organisation,
        "sender": mail.author,
        "received_at": moment(mail.received_at, language),
        "refused_sender": render(mail.refusal, language) if mail.refusal is not None else "",
        "applied": [line(o) for o in outcomes if o.applied],
        "refused": [line(o) for o in outcomes if not o.applied],
        "example_call": mine[0] if mine else "omp-cabinet-2026",
    }
