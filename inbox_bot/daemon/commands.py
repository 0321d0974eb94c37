"""A coordinator's reply to her digest, as it comes in from a watched mailbox: a command mail, not an application.

It is recorded like any mail (raw bytes, ledger row: never lost), but as `ignored` for no call with the reason
`operator_command`, so it is never judged as an application, never answered with a receipt, never in the
digest's new mail, and filed as other mail for no call is. Its row in `commands` (same unit of work) keeps its
Message-ID: a command mail delivered twice, or sent again with the same Message-ID, is applied once. Then its
lines are applied (inbox_bot/operator/commands.py) and the confirmation queued (inbox_bot/outgoing/command_mail.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from inbox_bot.config.settings import MailboxSettings, Settings
from inbox_bot.core.models import CommandOutcome, Rule, Verdict
from inbox_bot.core.reasons import ReasonCode, reason
from inbox_bot.daemon.recording import LedgerEntry, Origin, record_triaged
from inbox_bot.operator.commands import Author, apply_lines
from inbox_bot.outgoing import command_mail
from inbox_bot.outgoing.command_mail import CommandMail
from inbox_bot.storage import commands
from inbox_bot.storage.rows import utc_now
from inbox_bot.storage.store import Store, Transaction
from inbox_bot.triage.pipeline import Pipeline, Triaged

log = logging.getLogger(__name__)

# A stranger who learnt a digest's Message-ID could make us write to the organisation at every mail he sends:
# the refusals it is told of are capped per day; the others are recorded (an event each) and logged only.
REFUSALS_TOLD_A_DAY = 5

# Given a freshly triaged mail of a watched mailbox: True when it was a command mail, recorded and dealt with.
CommandHandler = Callable[[Triaged, MailboxSettings, Store, Origin, LedgerEntry], bool]


class CommandRouter:
    def __init__(
        self, settings: Settings, rules: Callable[[], Mapping[str, Rule]], pipeline: Callable[[], Pipeline]
    ) -> None:
        self.settings = settings
        self.rules = rules
        self.pipeline = pipeline

    def handle(self, triaged: Triaged, box: MailboxSettings, store: Store, origin: Origin, ledger: LedgerEntry) -> bool:
        rules = self.rules()
        mail = command_mail.recognise(store, triaged.parsed, triaged.raw, self.settings, set(box.authserv_ids), rules)
        if mail is None:
            return False
        again = commands.known(store, mail.message_id)
        mail_id = record_triaged(store, as_command_mail(triaged, mail.author), origin, ledger=ledger,
                                 then=lambda tx, mail_id: _keep(store, tx, mail, mail_id, again=again))  # fmt: skip
        if again:
            log.info("command mail %s (mail %s) came before: not applied again", mail.message_id, mail_id)
            return True
        try:
            self._apply(store, rules, mail, mail_id)
        except Exception:  # recorded already: a fault here must cost this mail's confirmation, not the poll
            log.exception("command mail %s (mail %s): not applied", mail.message_id, mail_id)
        return True

    def _apply(self, store: Store, rules: Mapping[str, Rule], mail: CommandMail, mail_id: int) -> None:
        if mail.refusal is not None:
            outcomes = [CommandOutcome(text=line.text, applied=False, reason=mail.refusal) for line in mail.lines]
            log.warning("command mail from %s refused: %s", mail.author, mail.refusal.code.value)
        else:
            author = Author(mail.organisation, mail.author, mail_id, mail.message_id)
            outcomes = apply_lines(store, self.pipeline(), rules, author, mail.lines)
        state = "refused" if mail.refusal is not None else "applied"
        now = utc_now()
        with store.transaction() as tx:
            commands.finish(store, mail.message_id, state, [o.model_dump(mode="json") for o in outcomes])
            tx.add_event(mail_id, "command_mail", {"state": state, "lines": len(outcomes),
                                                   "applied": sum(o.applied for o in outcomes)})  # fmt: skip
            # A stranger's reply with no command in it is no attempt on anything: recorded, nobody told.
            if mail.refusal is None or (outcomes and not _too_many_refusals(store, tx, mail, mail_id, now)):
                command_mail.queue_confirmation(store, self.settings, mail, outcomes, rules, now)


def _too_many_refusals(store: Store, tx: Transaction, mail: CommandMail, mail_id: int, now: datetime) -> bool:
    refused = commands.refused_since(store, mail.organisation, (now - timedelta(days=1)).isoformat())
    if refused <= REFUSALS_TOLD_A_DAY:
        return False
    log.warning(
        "command mail %s from %s refused, not told: %d refusals for %s in a day (at most %d are told)",
        mail.message_id, mail.author, refused, mail.organisation, REFUSALS_TOLD_A_DAY,
    )  # fmt: skip
    tx.add_event(mail_id, "command_refusal_not_told", {"refused_in_a_day": refused})
    return True


def as_command_mail(triaged: Triaged, author: str) -> Triaged:
    """The mail as recorded: for no call, `ignored`, with the reason that it is a command to us."""
    update = {
        "call": None,
        "verdict": Verdict.IGNORED,
        "missing": [],
        "sender": author,
        "forwarded_by": "",
        "reasons": [reason(ReasonCode.OPERATOR_COMMAND, by=author)],
    }
    return Triaged(triaged.raw, triaged.result.model_copy(update=update), triaged.attachments, triaged.parsed)


def _keep(store: Store, tx: Transaction, mail: CommandMail, mail_id: int, *, again: bool) -> None:
    detail = {"message_id": mail.message_id, "author": mail.author, "organisation": mail.organisation}
    if again:
        tx.add_event(mail_id, "command_again", detail)
        return
    row = {**detail, "mail_id": mail_id, "state": "received", "outcomes": [], "at": utc_now().isoformat()}
    if mail.refusal is not None:
        row["state"] = "refused"
    commands.add(store, row)
