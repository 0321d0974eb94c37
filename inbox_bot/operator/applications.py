"""What the operator reads and records: applications, one in detail, extensions, export rows, the rules.

IDs: a mail is its number (`17`). An application is one sender's dossier for one call, however many mails it
took; it is `A` + the number of its first recorded mail (`A17`), or `call:sender`
(`omp-cabinet-2026:karim@example.ma`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from inbox_bot.core.errors import ConfigError, UsageError
from inbox_bot.core.models import DocumentKind, Rule, Verdict
from inbox_bot.core.timezones import MOROCCO, morocco_time, zone
from inbox_bot.operator.export_model import COMBINED_NOTE, combined
from inbox_bot.rules.loader import load_rule
from inbox_bot.storage import counts, mails, overrides
from inbox_bot.storage import extensions as stored_extensions
from inbox_bot.storage.seals import closed_kinds
from inbox_bot.storage.store import Store, utc_now

# A resent copy or an out-of-office says nothing about the dossier: the verdict comes from the other mails.
NOT_DECIDING = frozenset({Verdict.DUPLICATE.value, Verdict.IGNORED.value})
ID_HELP = "ID: a mail number (17), or an application: A17 (A + its first mail's number) or call:sender."


# ---------------------------------------------------------------- ids


@dataclass(frozen=True)
class Target:
    """What an ID names: one mail, or every mail of one application (in order of receipt)."""

    mail_ids: list[int]
    call: str | None
    applicant: str | None
    is_application: bool


def resolve(store: Store, ident: str) -> Target:
    text = ident.strip()
    if text.isdigit():
        row = _mail_row(store, int(text))
        return Target([int(row["id"])], row["call"], row["sender"], is_application=False)
    if (found := re.fullmatch(r"[Aa](\d+)", text)) is not None:
        row = _mail_row(store, int(found.group(1)))
        if row["call"] is None:
            raise UsageError(f"mail {row['id']} is for no call, so it is no application", fix=f"use {row['id']}")
        return _application_target(store, row["call"], row["sender"], ident)
    call, sep, sender = text.partition(":")
    if sep and "@" in sender:
        return _application_target(store, call, sender.lower(), ident)
    raise UsageError(f"{ident!r} is not an ID", fix=ID_HELP)


def _mail_row(store: Store, mail_id: int) -> dict[str, Any]:
    found = mails.brief(store, mail_id)
    if found is None:
        raise UsageError(f"no mail {mail_id}", fix="see `inbox-bot list` for the mail numbers")
    return {"id": found.id, "call": found.call, "sender": found.sender}


def _application_target(store: Store, call: str, sender: str, ident: str) -> Target:
    ids = mails.application_mail_ids(store, call, sender)
    if not ids:
        raise UsageError(f"no application {ident!r}", fix="see `inbox-bot applications`")
    return Target(ids, call, sender, is_application=True)


# ---------------------------------------------------------------- applications


def applications(
    store: Store, *, call: str | None = None, verdict: str | None = None, calls: Collection[str] | None = None
) -> list[dict[str, Any]]:
    """One row per (call, sender), newest first; the verdict is its latest deciding mail's (overrides included).

    Of one call, of some calls (`calls`: the rules in force, so that years of closed calls are not read at
    every listing), or of every call recorded."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in mails.mails(store, call=call, calls=calls):
        if row["call"] is not None:
            groups[(row["call"], row["sender"])].append(row)
    pinned = overrides.pinned_verdicts(store)
    found = [summarise(mails, pinned) for mails in groups.values()]
    found = [a for a in found if verdict is None or a["verdict"] == verdict]
    return sorted(found, key=lambda a: (a["received_at"], a["mails"][-1]), reverse=True)


def calls_left_out(store: Store, calls: Collection[str]) -> list[str]:
    """The calls with mails that a listing of `calls` leaves out (closed calls whose rule file is gone)."""
    return sorted(counts.calls_recorded(store) - set(calls))


def summarise(mails: Sequence[dict[str, Any]], pinned: set[int]) -> dict[str, Any]:
    """The application made of `mails` (one call, one sender, in order of receipt)."""
    deciding = [m for m in mails if m["verdict"] not in NOT_DECIDING] or list(mails)
    latest = deciding[-1]
    names = [m["sender_name"] for m in mails if m["sender_name"]]
    return {
        "id": f"A{min(int(m['id']) for m in mails)}",
        "call": latest["call"],
        "sender": latest["sender"],
        "name": names[-1] if names else "",
        "verdict": latest["verdict"],
        "missing": list(latest["missing"] or []),
        "received_at": latest["received_at"],
        "first_received_at": mails[0]["received_at"],
        "mails": [int(m["id"]) for m in mails],
        "deciding_mail": int(latest["id"]),
        "overridden": int(latest["id"]) in pinned,
    }


# ---------------------------------------------------------------- show


def show(store: Store, ident: str, rules: Mapping[str, Rule] | None = None) -> dict[str, Any]:
    """Everything about a mail or an application; the documents of a call's still-sealed kinds stay closed."""
    target = resolve(store, ident)
    details = [_mail_detail(store, mail_id) for mail_id in target.mail_ids]
    for mail in details:
        closed = closed_kinds(store, (rules or {}).get(mail["call"] or ""))
        mail["documents"] = [_sealed_view(d, mail["received_at"], closed) for d in mail["documents"]]
    application = None
    if target.call is not None and target.applicant is not None:
        whole = resolve(store, f"{target.call}:{target.applicant}") if not target.is_application else target
        rows = [r for r in mails.mails(store, call=target.call) if int(r["id"]) in set(whole.mail_ids)]
        application = summarise(rows, overrides.pinned_verdicts(store, whole.mail_ids))
    others = mails.call_events(store, target.call, target.applicant) if target.call else []
    return {
        "kind": "application" if target.is_application else "mail",
        "application": application,
        "mails": details,
        "call_events": others,
    }


def _sealed_view(document: dict[str, Any], received_at: str, closed: frozenset[DocumentKind]) -> dict[str, Any]:
    """A document as `show` gives it while the call's envelopes are closed: a sealed one named only by its kind
    and date; a technical offer that holds the price too shown to the coordinator, with a warning."""
    if document["kind"] in closed:
        return _closed(document, received_at)
    kind = DocumentKind(document["kind"])
    if combined(document["filename"] or "", kind, document["reasons"] or [], closed):
        return {**document, "reasons": [*(document["reasons"] or []), COMBINED_NOTE]}
    return document


def _closed(document: dict[str, Any], received_at: str) -> dict[str, Any]:
    """A sealed document as `show` names it: its kind and when it came, nothing of its name or text."""
    when = morocco_time(datetime.fromisoformat(received_at)).strftime("%d/%m/%Y %H:%M")
    return {
        "filename": f"pli fermé, reçu le {when}",
        "kind": document["kind"],
        "sealed": True,
        **dict.fromkeys(("mime", "size", "pages", "problem", "inside", "sha256", "path", "safe_name"), None),
        "reasons": [],
    }


def _mail_detail(store: Store, mail_id: int) -> dict[str, Any]:
    detail = mails.mail(store, mail_id)
    assert detail is not None  # resolved from the store a moment ago
    detail["documents"] = mails.documents(store, mail_id)
    detail["events"] = mails.events(store, mail_id)
    detail["overrides"] = overrides.of_mail(store, mail_id)
    return detail


# ---------------------------------------------------------------- extensions


def parse_local(text: str) -> datetime:
    """A Morocco-time date or date-time; a date alone means the end of that day, as in the rules."""
    try:
        if len(text.strip()) == 10:
            day = date.fromisoformat(text.strip())
            return datetime.combine(day + timedelta(days=1), time(), tzinfo=zone(MOROCCO))
        moment = datetime.fromisoformat(text.strip().replace(" ", "T"))
    except ValueError as exc:
        raise UsageError(f"{text!r} is not a date", fix="write 2026-05-20 or 2026-05-20T16:00 (Morocco time)") from exc
    if moment.tzinfo is not None:
        raise UsageError(f"{text!r} carries an offset", fix="write the Morocco local time without an offset")
    return moment.replace(tzinfo=zone(MOROCCO))


def extend(store: Store, rule: Rule, until: datetime, applicant: str | None, note: str) -> dict[str, Any]:
    """A later deadline for a call, or for one applicant of it; the next triage and re-triage use it."""
    if not note.strip():
        raise UsageError("an extension needs a --note saying why", fix='add --note "..."')
    if until <= rule.deadline.closes_at():
        raise UsageError(
            f"{until.isoformat()} is not after the call's deadline {rule.deadline.closes_at().isoformat()}",
            fix="give a later --until",
        )
    who = applicant.strip().lower() if applicant else None
    row = {
        "call": rule.id,
        "applicant": who,
        "until": until.astimezone(UTC).isoformat(),
        "note": note,
        "at": utc_now().isoformat(),
    }
    with store.transaction() as tx:
        stored_extensions.add(store, row)
        tx.add_event(None, "extension", row)
    return {**row, "late_mails": mails.late_count(store, rule.id, who)}


def extensions(store: Store, call: str) -> list[dict[str, Any]]:
    return stored_extensions.of_call(store, call)


# ---------------------------------------------------------------- rules


def deadline_text(moment: datetime) -> str:
    """Morocco time; a deadline at midnight reads as 24:00 of the day before, as the calls write it."""
    local = morocco_time(moment)
    if (local.hour, local.minute, local.second) == (0, 0, 0):
        return (local.date() - timedelta(days=1)).strftime("%Y-%m-%d 24:00")
    return local.strftime("%Y-%m-%d %H:%M")


def rules_overview(directory: Path, now: datetime) -> tuple[list[dict[str, Any]], list[ConfigError]]:
    """Every rule file of a folder, checked on its own, so one bad file does not hide the others' errors."""
    if not directory.is_dir():
        raise ConfigError("rules folder not found", file=str(directory), fix="give the folder of rule files")
    paths = sorted(directory.glob("*.toml"))
    if not paths:
        raise ConfigError("no rule files (*.toml) in this folder", file=str(directory), fix="add one file per call")
    rows, errors = [], []
    for path in paths:
        try:
            rows.append(_rule_row(load_rule(path), path, now))
        except ConfigError as exc:
            errors.append(exc)
    return rows, errors


def _rule_row(rule: Rule, path: Path, now: datetime) -> dict[str, Any]:
    closes = rule.deadline.closes_at()
    weights = sum(c.weight for c in rule.criteria)
    return {
        "id": rule.id,
        "file": str(path),
        "organisation": rule.organisation,
        "local": deadline_text(closes),
        "utc": closes.astimezone(UTC).strftime("%Y-%m-%d %H:%M"),
        "days_left": (closes - now).days,
        "open": closes > now,
        "late_policy": rule.deadline.late_policy.value,
        "criteria": len(rule.criteria),
        "warning": f"criteria weights add up to {weights:g}, not 100" if rule.criteria and weights != 100 else "",
    }
