"""A person's decisions on recorded mail: a verdict, the real kind of a document. Re-triage keeps them.

An override is recorded on one mail (for an application ID: its deciding mail), in the `overrides` table and
as an `override` event; the mail's verdict and the documents' kinds are updated at once, so the mailbox filing
and the dossiers of later mails follow.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from inbox_bot.core.errors import UsageError
from inbox_bot.core.models import ClassifiedDocument, DocumentKind, Rule, Verdict
from inbox_bot.operator.applications import Target, resolve, summarise
from inbox_bot.operator.replay import ReplayHistory
from inbox_bot.storage import mails
from inbox_bot.storage import overrides as stored_overrides
from inbox_bot.storage.store import Store, utc_now
from inbox_bot.triage.decide import missing_kinds


@dataclass(frozen=True)
class Pins:
    """What a person decided for one mail; the pipeline never changes it."""

    verdict: Verdict | None
    kinds: dict[str, DocumentKind]  # document sha256 -> kind


def pins(store: Store, mail_id: int) -> Pins:
    verdict, kinds = stored_overrides.pins_of(store, mail_id)
    return Pins(verdict, kinds)


def override(
    store: Store,
    rules: Mapping[str, Rule],
    ident: str,
    verdict: Verdict,
    kinds: Sequence[tuple[str, DocumentKind]],
    note: str,
) -> dict[str, Any]:
    """Record a person's verdict (and document kinds) on a mail, or on an application's deciding mail."""
    if not note.strip():
        raise UsageError("an override needs a --note saying why", fix='add --note "..."')
    target = resolve(store, ident)
    mail_id = _deciding_mail(store, target)
    documents = _documents_named(store, target.mail_ids, kinds)
    row = mails.mail(store, mail_id)
    assert row is not None  # resolved from the store a moment ago
    before = {"verdict": row["verdict"], "missing": row["missing"]}
    with store.transaction() as tx:
        _record_overrides(store, row, verdict, documents, note)
        # Read after the kinds are written, so the dossier so far sees the corrected kinds of earlier mails too.
        missing = _missing_after(store, rules, row, verdict)
        stored_overrides.set_verdict(store, mail_id, verdict, missing)
        detail = {
            "before": before,
            "after": {"verdict": verdict.value, "missing": missing},
            "note": note,
            "kinds": {d["filename"]: k.value for d, k in documents},
        }
        tx.add_event(mail_id, "override", detail)
    return {"mail": mail_id, **detail}


def _deciding_mail(store: Store, target: Target) -> int:
    if not target.is_application:
        return target.mail_ids[0]
    rows = [r for r in mails.mails(store, call=target.call) if int(r["id"]) in set(target.mail_ids)]
    return int(summarise(rows, set())["deciding_mail"])


def _documents_named(
    store: Store, mail_ids: Sequence[int], kinds: Sequence[tuple[str, DocumentKind]]
) -> list[tuple[dict[str, Any], DocumentKind]]:
    documents = [d for mail_id in mail_ids for d in mails.documents(store, mail_id)]
    found: list[tuple[dict[str, Any], DocumentKind]] = []
    for name, kind in kinds:
        named = [d for d in documents if name in (d["filename"], d["safe_name"])]
        if not named:
            known = ", ".join(sorted({d["filename"] for d in documents})) or "none"
            raise UsageError(f"no document named {name!r} here", fix=f"use one of: {known}")
        found.extend((d, kind) for d in named)
    return found


def _missing_after(store: Store, rules: Mapping[str, Rule], row: dict[str, Any], verdict: Verdict) -> list[str]:
    """What the dossier still lacks once a person's kinds are in; nothing when they call it complete."""
    rule = rules.get(row["call"]) if row["call"] else None
    if verdict is Verdict.COMPLETE or rule is None:
        return [] if verdict is Verdict.COMPLETE else list(row["missing"] or [])
    history = ReplayHistory(store)
    history.at(int(row["id"]))
    documents = [as_document(d) for d in mails.documents(store, int(row["id"]))]
    return [str(k) for k in missing_kinds(rule, history.dossier(rule.id, row["sender"]), documents)]


def as_document(row: dict[str, Any]) -> ClassifiedDocument:
    return ClassifiedDocument(
        filename=row["filename"],
        kind=DocumentKind(row["kind"]),
        mime=row["mime"] or "",
        size=row["size"] or 0,
        sha256=row["sha256"],
        problem=row["problem"],
    )


def _record_overrides(
    store: Store,
    row: dict[str, Any],
    verdict: Verdict,
    documents: list[tuple[dict[str, Any], DocumentKind]],
    note: str,
) -> None:
    at = utc_now().isoformat()
    common = {"call": row["call"], "applicant": row["sender"], "note": note, "at": at}
    stored_overrides.add_verdict(store, row["id"], verdict, common)
    for document, kind in documents:
        stored_overrides.add_kind(store, document, kind, common)
