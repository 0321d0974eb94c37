"""A coordinator's commands by mail, applied at once through the functions the CLI's `override` and `extend` use.

Each line is checked against her organisation first: an ID (A17) of another organisation's call is refused as
an unknown ID, so a command mail can neither touch nor reveal anyone else's applicants. Each line applied is
also a `command` event naming its author and the mail it came in; whatever goes wrong with one line is that
line's refusal, never an exception out of here (one bad line costs one line).

`annuler A17` takes the application back to the rules: her verdict cleared and its extension revoked, then
its mails judged again. An extension for one applicant judges that applicant's mails again at once; one for a
whole call, the call's late mails: so a dossier the extension puts on time is no longer shown late.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from inbox_bot.core.errors import UsageError
from inbox_bot.core.models import Command, CommandAction, CommandLine, CommandOutcome, Rule, Verdict
from inbox_bot.core.reasons import Reason, ReasonCode, reason
from inbox_bot.operator import retriage, undo
from inbox_bot.operator.applications import Target, extend, resolve
from inbox_bot.operator.overrides import override
from inbox_bot.storage import extensions, mails
from inbox_bot.storage import overrides as stored_overrides
from inbox_bot.storage.store import Store

log = logging.getLogger(__name__)

# A person corrects a dossier's verdict; "unmatched" would take it out of its call, which is not a verdict.
NOT_BY_MAIL = frozenset({Verdict.UNMATCHED})


@dataclass(frozen=True)
class Author:
    """Who sent the commands, and in which mail: kept with every change they make."""

    organisation: str
    address: str
    mail_id: int
    message_id: str

    def note(self) -> str:
        return f"par courriel de {self.address} (courriel {self.mail_id}, {self.message_id})"

    def event(self, line: str) -> dict[str, Any]:
        return {"author": self.address, "mail": self.mail_id, "message_id": self.message_id, "line": line}


def apply_lines(
    store: Store,
    triager: retriage.Triager,
    rules: Mapping[str, Rule],
    author: Author,
    lines: Sequence[CommandLine],
) -> list[CommandOutcome]:
    """Apply each understood line in order; what each did, or why it was refused."""
    outcomes = []
    for line in lines:
        if line.command is None:
            outcomes.append(_refused(line, line.refusal or reason(ReasonCode.COMMAND_NOT_UNDERSTOOD)))
            continue
        try:
            done = _apply(store, triager, rules, author, line.command)
        except Exception:  # one line's failure is that line's refusal; the mail and the other lines go on
            log.exception("command %r from %s (mail %s) failed", line.text, author.address, author.mail_id)
            done = reason(ReasonCode.COMMAND_FAILED, ident=line.command.ident or line.command.call)
        applied = done.code in DONE
        outcomes.append(CommandOutcome(text=line.text, applied=applied, reason=done))
        if applied:
            _record(store, author, line, done)
    return outcomes


DONE = frozenset({
    ReasonCode.COMMAND_VERDICT_SET, ReasonCode.COMMAND_EXTENDED, ReasonCode.COMMAND_CALL_EXTENDED,
    ReasonCode.COMMAND_CANCELLED,
})  # fmt: skip


def _refused(line: CommandLine, why: Reason) -> CommandOutcome:
    return CommandOutcome(text=line.text, applied=False, reason=why)


def _apply(
    store: Store, triager: retriage.Triager, rules: Mapping[str, Rule], author: Author, command: Command
) -> Reason:
    if command.action is CommandAction.EXTEND and command.call:
        return _extend_call(store, triager, rules, author, command)
    target = owned(store, rules, author.organisation, command.ident)
    if target is None:
        return reason(ReasonCode.COMMAND_UNKNOWN_ID, ident=command.ident)
    if command.action is CommandAction.VERDICT:
        assert command.verdict is not None  # the parser gives a verdict with this action
        if command.verdict in NOT_BY_MAIL:
            return reason(ReasonCode.COMMAND_NOT_ALLOWED, ident=command.ident, verdict=command.verdict.value)
        override(store, rules, command.ident, command.verdict, [], author.note())
        return reason(ReasonCode.COMMAND_VERDICT_SET, ident=command.ident, verdict=command.verdict.value)
    rule = rules[str(target.call)]
    if command.action is CommandAction.EXTEND:
        return _extend_one(store, triager, rules, rule, target, author, command)
    return _cancel(store, triager, rules, rule, target, author, command.ident)


def owned(store: Store, rules: Mapping[str, Rule], organisation: str, ident: str) -> Target | None:
    """The application an ID names, when it is one of this organisation's calls; None otherwise, alike."""
    try:
        target = resolve(store, ident)
    except UsageError:
        return None
    rule = rules.get(target.call or "")
    if not target.is_application or rule is None or rule.organisation != organisation:
        return None
    return target


def _extend_one(
    store: Store,
    triager: retriage.Triager,
    rules: Mapping[str, Rule],
    rule: Rule,
    target: Target,
    author: Author,
    command: Command,
) -> Reason:
    assert command.until is not None  # the parser gives a date with this action
    if command.until <= rule.deadline.closes_at():
        return _too_early(rule, command)
    extend(store, rule, command.until, target.applicant, author.note())
    retriage.retriage(store, triager, rules, target.mail_ids, dry_run=False)
    return reason(ReasonCode.COMMAND_EXTENDED, ident=command.ident, until=command.until.astimezone(UTC).isoformat())


def _extend_call(
    store: Store, triager: retriage.Triager, rules: Mapping[str, Rule], author: Author, command: Command
) -> Reason:
    assert command.until is not None  # the parser gives a date with this action
    rule = next((r for r in rules.values() if r.id.lower() == command.call), None)
    if rule is None or rule.organisation != author.organisation:
        return reason(ReasonCode.COMMAND_UNKNOWN_CALL, call=command.call)
    if command.until <= rule.deadline.closes_at():
        return _too_early(rule, command)
    extend(store, rule, command.until, None, author.note())
    late = sorted({int(r["id"]) for r in mails.mails(store, call=rule.id, verdict=Verdict.LATE.value)})
    if late:
        retriage.retriage(store, triager, rules, mails.ids_in_order(store, among=late), dry_run=False)
    return reason(ReasonCode.COMMAND_CALL_EXTENDED, call=rule.id, until=command.until.astimezone(UTC).isoformat())


def _too_early(rule: Rule, command: Command) -> Reason:
    assert command.until is not None
    until, deadline = command.until.astimezone(UTC).isoformat(), rule.deadline.closes_at().astimezone(UTC).isoformat()
    return reason(ReasonCode.COMMAND_NOT_AFTER_DEADLINE, until=until, deadline=deadline)


def _cancel(
    store: Store,
    triager: retriage.Triager,
    rules: Mapping[str, Rule],
    rule: Rule,
    target: Target,
    author: Author,
    ident: str,
) -> Reason:
    """Back to the rules: the override cleared and the applicant's extension revoked, whichever there are."""
    pinned = any(stored_overrides.of_mail(store, mail_id) for mail_id in target.mail_ids)
    extended = any(e["applicant"] == target.applicant for e in extensions.of_call(store, rule.id))
    if not pinned and not extended:
        return reason(ReasonCode.COMMAND_NOTHING_TO_CANCEL, ident=ident)
    if extended:
        undo.revoke_extension(store, rule, target.applicant, author.note())
    if pinned:
        undo.clear_override(store, triager, rules, ident, author.note())  # judges the mails again itself
    else:
        retriage.retriage(store, triager, rules, target.mail_ids, dry_run=False)
    return reason(ReasonCode.COMMAND_CANCELLED, ident=ident)


def _record(store: Store, author: Author, line: CommandLine, done: Reason) -> None:
    """The `command` event: on the application's first mail, or on no mail for a whole call's extension."""
    command = line.command
    assert command is not None  # only applied lines are recorded
    mail_id = resolve(store, command.ident).mail_ids[0] if command.ident else None
    detail = {**author.event(line.text), **command.model_dump(mode="json"), "done": done.as_dict()}
    with store.transaction() as tx:
        tx.add_event(mail_id, "command", detail)
