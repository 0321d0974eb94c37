"""A person's decisions on a mail (its verdict, a document's kind), kept across re-triages."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from inbox_bot.core.models import DocumentKind, Verdict

if TYPE_CHECKING:
    from inbox_bot.storage.store import Store


def pinned_verdicts(store: Store, among: Sequence[int] | None = None) -> set[int]:
    """The mails whose verdict a person gave (among these ids, when given)."""
    pinned = {int(r["mail_id"]) for r in store.db.query("select mail_id from overrides where field = 'verdict'")}
    return pinned if among is None else pinned & set(among)


def of_mail(store: Store, mail_id: int) -> list[dict[str, Any]]:
    return [dict(r) for r in store.db.query("select * from overrides where mail_id = ? order by id", [mail_id])]


def pins_of(store: Store, mail_id: int) -> tuple[Verdict | None, dict[str, DocumentKind]]:
    """The pinned verdict, and the pinned kinds by document hash; the latest word wins."""
    verdict: Verdict | None = None
    kinds: dict[str, DocumentKind] = {}
    for r in store.db.query("select field, document, value from overrides where mail_id = ? order by id", [mail_id]):
        if r["field"] == "verdict":
            verdict = Verdict(r["value"])
        else:
            kinds[r["document"]] = DocumentKind(r["value"])
    return verdict, kinds


def add_verdict(store: Store, mail_id: int, verdict: Verdict, common: dict[str, Any]) -> None:
    store.db.table("overrides").insert({"mail_id": mail_id, "field": "verdict", "value": verdict.value, **common})


def add_kind(store: Store, document: dict[str, Any], kind: DocumentKind, common: dict[str, Any]) -> None:
    """Pin a document's kind, and give the document that kind now."""
    store.db.table("overrides").insert(
        {
            "mail_id": document["mail_id"],
            "field": "kind",
            "document": document["sha256"],
            "filename": document["filename"],
            "value": kind.value,
            **common,
        }
    )
    store.db.table("documents").update(document["id"], {"kind": kind.value})


def set_verdict(store: Store, mail_id: int, verdict: Verdict, missing: list[str]) -> None:
    store.db.table("mails").update(mail_id, {"verdict": verdict.value, "missing": json.dumps(missing)})


def clear(store: Store, mail_ids: Sequence[int]) -> list[dict[str, Any]]:
    """Remove a person's decisions on these mails; return them (the event keeps what was undone)."""
    removed = [row for mail_id in mail_ids for row in of_mail(store, mail_id)]
    for row in removed:
        store.db.table("overrides").delete(row["id"])
    return removed
