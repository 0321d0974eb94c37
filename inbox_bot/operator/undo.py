"""Undoing a person's decisions: an override back to the automatic verdict, an extension revoked.

Both are recorded as events (what was undone, by whose note), so the history of a dossier stays whole even
though the decision itself is gone from the tables re-triage reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from inbox_bot.core.errors import UsageError
from inbox_bot.core.models import Rule
from inbox_bot.operator import retriage
from inbox_bot.operator.applications import resolve
from inbox_bot.storage import extensions, mails
from inbox_bot.storage import overrides as stored_overrides
from inbox_bot.storage.store import Store, utc_now


def clear_override(
    store: Store, triager: retriage.Triager, rules: Mapping[str, Rule], ident: str, note: str
) -> dict[str, Any]:
    """Remove the overrides on a mail (or on every mail of an application) and judge them again by the rules."""
    _needs(note, "clearing an override")
    target = resolve(store, ident)
    with store.transaction() as tx:
        removed = stored_overrides.clear(store, target.mail_ids)
        if not removed:
            raise UsageError(f"{ident} has no override to clear", fix=f"see `inbox-bot show {ident}`")
        for mail_id in sorted({int(r["mail_id"]) for r in removed}):
            mine = [_undone(r) for r in removed if r["mail_id"] == mail_id]
            tx.add_event(mail_id, "override_cleared", {"removed": mine, "note": note, "at": utc_now().isoformat()})
    changes = retriage.retriage(store, triager, rules, target.mail_ids, dry_run=False)
    return {"cleared": [_undone(r) for r in removed], "changes": [c.summary() for c in changes]}


def revoke_extension(store: Store, rule: Rule, applicant: str | None, note: str) -> dict[str, Any]:
    """Remove the extension of a call (or of one applicant of it); mails judged with it wait for a re-triage."""
    _needs(note, "revoking an extension")
    who = applicant.strip().lower() if applicant else None
    with store.transaction() as tx:
        removed = extensions.remove(store, rule.id, who)
        if not removed:
            scope = f"{who} in {rule.id}" if who else rule.id
            raise UsageError(f"no extension for {scope}", fix=f"see `inbox-bot extend --call {rule.id}`")
        detail = {"call": rule.id, "applicant": who, "removed": [r["until"] for r in removed], "note": note}
        tx.add_event(None, "extension_revoked", {**detail, "at": utc_now().isoformat()})
    return {**detail, "mails": len(mails.ids_in_order(store, call=rule.id))}


def _needs(note: str, what: str) -> None:
    if not note.strip():
        raise UsageError(f"{what} needs a --note saying why", fix='add --note "..."')


def _undone(row: Mapping[str, Any]) -> dict[str, Any]:
    return {key: row.get(key) for key in ("mail_id", "field", "filename", "value", "note")}
