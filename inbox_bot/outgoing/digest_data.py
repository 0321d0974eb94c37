"""What a digest says, built from the store: per call, counts and days left; what is new; what needs a person;
mailbox health. Sending it is inbox_bot.outgoing.digest's job."""

from __future__ import annotations

import email.utils
import logging
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.parser import BytesHeaderParser
from email.policy import compat32
from typing import Any

from inbox_bot.config.settings import Settings
from inbox_bot.core.models import LatePolicy, Rule
from inbox_bot.core.reasons import Action
from inbox_bot.core.timezones import morocco_time
from inbox_bot.core.wording import action_label, hint
from inbox_bot.outgoing import outbox, replies
from inbox_bot.outgoing.digest_lines import local, mail_line, short_id
from inbox_bot.storage import digest_rows, extensions, failures
from inbox_bot.storage.counts import taken_in_without_reply
from inbox_bot.storage.ledger import health
from inbox_bot.storage.store import Store

log = logging.getLogger(__name__)

OPERATOR = "Exploitation inbox-bot"
# verdict -> (one, several, bar colour); colours that stay apart for the colour-blind and in grey print
VERDICT_FR = {
    "complete": ("complet", "complets", "#2e7d32"), "incomplete": ("incomplet", "incomplets", "#f9a825"),
    "late": ("en retard", "en retard", "#c62828"), "duplicate": ("doublon", "doublons", "#9e9e9e"),
    "needs_review": ("à vérifier", "à vérifier", "#6a1b9a"), "unmatched": ("non attribué", "non attribués", "#78909c"),
    "rejected": ("rejeté", "rejetés", "#37474f"),
}  # fmt: skip
ADDRESS = re.compile(r"[^\s<>\"'(),;:]+@[^\s<>\"'(),;:]+")
LIST_LIMIT = 200  # a digest is read on a phone: past this, a count and "see `inbox-bot list`"


@dataclass(frozen=True)
class Audience:
    """Who receives one digest, and what they may see."""

    name: str
    to: list[str]
    calls: dict[str, Rule]
    addresses: frozenset[str]  # call-less mail sent to one of these is theirs
    operator: bool = False  # also gets call-less mail no organisation's address received


@dataclass
class Period:
    since_mail_id: int
    since_at: str  # when the last digest was made ("" before the first): what the digest shows
    since_recorded: str  # the same instant by the clock that stamps mails.recorded_at
    last_mail_id: int


def audiences(settings: Settings, rules: Mapping[str, Rule]) -> list[Audience]:
    names = sorted({rule.organisation for rule in rules.values()} | {o.name for o in settings.digest.organisations})
    found = []
    for name in names:
        calls = {rule.id: rule for rule in rules.values() if rule.organisation == name}
        addresses = frozenset(a for rule in calls.values() for a in rule.addresses)
        found.append(Audience(name, settings.digest.recipients(name), calls, addresses))
    if settings.digest.operator:
        found.append(Audience(OPERATOR, settings.digest.operator, {}, frozenset(), operator=True))
    return found


# ---------------------------------------------------------------- building


def build(
    store: Store, settings: Settings, audience: Audience, all_addresses: frozenset[str], now: datetime
) -> dict[str, Any]:
    """Everything the digest templates show for one audience (plain strings and numbers)."""
    period = _period(store, audience.name)  # read once: what this digest shows is exactly what it records
    new_rows = _new_mails(store, period)
    mine = [row for row in new_rows if row["call"] in audience.calls]
    callless = [row for row in new_rows if row["call"] is None and _reaches(store, row, audience, all_addresses)]
    withheld = _withheld(store, [row["id"] for row in mine])
    # A dossier she rejected is decided: not hers to look at again, whatever its reply waits for.
    review = [r for r in mine if r["verdict"] == "needs_review" or (r["id"] in withheld and r["verdict"] != "rejected")]
    review += [r for r in callless if r["verdict"] == "needs_review"]
    unmatched = [r for r in callless if r["verdict"] == "unmatched"]
    line = _liner(store, audience, withheld)
    others = Counter(r["verdict"] for r in mine if r["verdict"] in ("duplicate", "late"))
    data: dict[str, Any] = {
        "period": period,
        "organisation": audience.name,
        "operator": audience.operator,
        "today": morocco_time(now).strftime("%d/%m/%Y"),
        "since": local(period.since_at) if period.since_at else "",
        "review": [line(row) for row in review[:LIST_LIMIT]],
        "completed": [line(r) for r in _kept(mine, review, "complete")],
        "incomplete": [line(r) for r in _kept(mine, review, "incomplete")],
        "late_held": [line(row) for row in _late_held(store, audience)],
        "others": [f"{VERDICT_FR[v][1]} : {n}" for v, n in sorted(others.items())],
        "calls": [_call_summary(store, rule, now) for rule in audience.calls.values()],
        "unmatched_count": len(unmatched),
        "unmatched": [_unmatched(r) for r in unmatched[:LIST_LIMIT]],
        "mailboxes": mailbox_health(store, settings, now, audience),
        **_replies(store, audience, period.since_recorded),
    }
    data["nothing_new"] = not (mine or review or unmatched or data["replies_failed"] or data["replies_unknown"])
    data["nothing_new"] = data["nothing_new"] and not any(m["failing"] for m in data["mailboxes"])
    return data


def _period(store: Store, name: str) -> Period:
    last = digest_rows.last_digest(store, name)
    top = digest_rows.top_mail_id(store)
    if last is None:
        return Period(since_mail_id=0, since_at="", since_recorded="", last_mail_id=top)
    return Period(
        since_mail_id=last.last_mail_id, since_at=last.created_at, since_recorded=last.recorded_at, last_mail_id=top
    )


def _new_mails(store: Store, period: Period) -> list[dict[str, Any]]:
    return digest_rows.new_mails(store, period.since_mail_id, period.since_recorded, period.last_mail_id)


def _reaches(store: Store, row: dict[str, Any], audience: Audience, all_addresses: frozenset[str]) -> bool:
    """Whether call-less mail is this audience's: sent to its addresses, or to nobody's for the operator."""
    recipients = mail_recipients(store, row)
    if audience.operator:
        return not (recipients & all_addresses)
    return bool(recipients & audience.addresses)


def mail_recipients(store: Store, row: dict[str, Any]) -> set[str]:
    try:
        headers = BytesHeaderParser(policy=compat32).parsebytes(store.read_file(row["raw_path"])[:262_144])
    except Exception:  # a raw file that cannot be read: the mail reaches nobody's digest but the operator's
        log.warning("mail %s: cannot read its recipients", row["id"])
        return set()
    names = ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To")
    values = [str(v) for name in names for v in headers.get_all(name) or []]
    return {address.strip().lower() for _, address in email.utils.getaddresses(values) if "@" in address}


def _withheld(store: Store, mail_ids: list[int]) -> set[int]:
    return digest_rows.withheld(store, mail_ids)


def _late_held(store: Store, audience: Audience) -> list[dict[str, Any]]:
    held = [rule.id for rule in audience.calls.values() if rule.deadline.late_policy is LatePolicy.HOLD]
    return digest_rows.late_of(store, held, LIST_LIMIT)


def _call_summary(store: Store, rule: Rule, now: datetime) -> dict[str, Any]:
    counts = Counter(digest_rows.verdict_counts(store, rule.id))
    total = sum(n for verdict, n in counts.items() if verdict != "ignored")
    extended = extensions.deadline_override(store, rule.id, "")  # an extension for the whole call, not one applicant
    bars = [
        {"verdict": v, "label": VERDICT_FR[v][1], "count": counts[v], "colour": VERDICT_FR[v][2],
         "percent": round(100 * counts[v] / total) if total else 0}
        for v in ("complete", "incomplete", "late", "duplicate", "needs_review", "rejected") if counts[v]
    ]  # fmt: skip
    return {
        "id": rule.id,
        "title": rule.title,
        "reference": rule.reference,
        "deadline": replies.deadline_text(rule.deadline, "fr", extended),
        "days_left": days_left_text(extended or rule.deadline.closes_at(), now),
        "total": total,
        "bars": bars,
    }


def days_left_text(closes_at: datetime, now: datetime) -> str:
    last_day = morocco_time(closes_at - timedelta(microseconds=1)).date()
    days = (last_day - morocco_time(now).date()).days
    if now >= closes_at:
        return f"clôturé depuis {-days} jour{'s' if -days > 1 else ''}" if days < 0 else "clôturé aujourd'hui"
    if days == 0:
        return "dernier jour"
    return f"{days} jour{'s' if days > 1 else ''} restant{'s' if days > 1 else ''}"


def _liner(store: Store, audience: Audience, withheld: set[int]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    firsts: dict[tuple[str, str | None], int | None] = {}

    def first(row: dict[str, Any]) -> int | None:
        if not row["call"]:
            return None
        key = (row["call"], row["sender"])
        if key not in firsts:
            firsts[key] = digest_rows.application_id(store, *key)
        return firsts[key]

    def line(row: dict[str, Any]) -> dict[str, Any]:
        rule = audience.calls.get(row["call"] or "")
        return mail_line(store, row, rule, short_id(row, first(row)), row["id"] in withheld)

    return line


def _kept(rows: list[dict[str, Any]], review: list[dict[str, Any]], verdict: str) -> list[dict[str, Any]]:
    """Applications whose latest new mail has this verdict (a dossier completed today is not also incomplete),
    those already listed for review apart."""
    listed = {r["id"] for r in review}
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        if row["verdict"] in ("complete", "incomplete", "rejected"):  # a rejection ends the dossier's work
            latest[(row["call"], row["sender"])] = row  # rows come in id order: the last one wins
    kept = [r for r in latest.values() if r["verdict"] == verdict and r["id"] not in listed]
    return sorted(kept, key=lambda r: r["id"])[:LIST_LIMIT]


def _unmatched(row: dict[str, Any]) -> dict[str, str]:
    return {
        "id": str(row["id"]),
        "subject": replies.one_line(row["subject"] or "(sans objet)", 120),
        "from": replies.one_line(row["sender"] or "?", 120),
        "received_at": local(row["received_at"]),
    }


def _replies(store: Store, audience: Audience, since_at: str) -> dict[str, Any]:
    if not audience.calls and not audience.operator:
        return {"replies_sent": 0, "replies_failed": [], "replies_unknown": [], "replies_waiting": 0}
    kinds = ("receipt", "incomplete", "late", "digest", "alert") if audience.operator else outbox.REPLY_KINDS
    calls = None if audience.operator else list(audience.calls)
    found = outbox.summary(store, kinds, calls, since_at)
    if audience.operator:  # the operator runs the machine, not the calls: no applicant of any organisation shown
        found = {key: [_anonymous(line) for line in value] if isinstance(value, list) else value
                 for key, value in found.items()}  # fmt: skip
    return {f"replies_{key}": value for key, value in found.items()}


def _anonymous(line: dict[str, str]) -> dict[str, str]:
    """A reply to an applicant, as the operator sees it: its kind and call, not who it was for."""
    if line["kind"] not in outbox.REPLY_KINDS:
        return line  # a digest or an alert: our own people's addresses, from the config
    return {**line, "to": f"un candidat de {line['call'] or '?'}", "error": ADDRESS.sub("[adresse]", line["error"])}


# ---------------------------------------------------------------- mailbox health


def mailbox_health(
    store: Store, settings: Settings, now: datetime, audience: Audience | None = None
) -> list[dict[str, Any]]:
    """The IMAP side's `mailbox_health` rows ([] without the table), those of this audience's addresses only.

    A mailbox is matched to organisations by its `[[mailboxes]] addresses`; one with none is shown to all.
    """
    addresses = {box.name: frozenset(a.lower() for a in box.addresses) for box in settings.mailboxes}
    unanswered = taken_in_without_reply(store)
    problems = failures.problems(store)
    found = []
    for row in health(store):
        own = addresses.get(str(row["mailbox"]), frozenset())
        if audience is not None and own and not audience.operator and not own & audience.addresses:
            continue
        since = failing_since(row)
        current = problems.get(str(row["mailbox"]), [])
        found.append(
            {
                "mailbox": str(row["mailbox"]),
                "addresses": sorted(own),
                "last_success": local(row["last_ok_at"]) if row.get("last_ok_at") else "jamais",
                "failing": since is not None,
                "since": local(since.isoformat()) if since else "",
                "since_at": since,
                "for": _duration(now - since) if since else "",
                "error": replies.one_line(str(row.get("last_error") or ""), 300),
                "hint": hint(row.get("cause")) if since else "",
                "unanswered": unanswered.get(str(row["mailbox"]), 0),
                "state": failures.state_of(current),
                "problems": [_problem(p, now) for p in current if p.action is not Action.POLL],
            }
        )
    return found


def _problem(problem: failures.Problem, now: datetime) -> dict[str, Any]:
    """A filing or sending failure in the words of the digest and the alert (French)."""
    return {
        "action": problem.action.value,
        "what": action_label(problem.action),
        "folder": problem.folder or "",
        "since": local(problem.since.isoformat()),
        "since_at": problem.since,
        "for": _duration(now - problem.since),
        "error": replies.one_line(problem.error, 300),
        "hint": hint(problem.cause),
        "failures": problem.failures,
    }


def failing_since(row: Mapping[str, Any]) -> datetime | None:
    """When the current failure episode began (the IMAP side clears it at the first good poll); None when well."""
    value = row.get("failing_since")
    return datetime.fromisoformat(str(value)) if value else None


def _duration(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    if minutes >= 48 * 60:
        return f"{minutes // 1440} jours"
    return f"{minutes // 60} h {minutes % 60:02d}" if minutes >= 60 else f"{minutes} min"
