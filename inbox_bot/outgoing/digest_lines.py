"""One mail as a digest line: its short ID, who, when, the documents by state and why it needs a person, in
French (the digest's language). Plain strings: the text and HTML templates show the same things."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from inbox_bot.core.document_states import DocumentState, document_states, held
from inbox_bot.core.models import Rule
from inbox_bot.core.reasons import Reason, ReasonCode, load_all
from inbox_bot.core.timezones import morocco_time
from inbox_bot.core.wording import Language, render, verdict_label
from inbox_bot.outgoing import replies
from inbox_bot.storage import mails, seals
from inbox_bot.storage.store import Store

LANGUAGE: Language = "fr"  # the digest's templates are French: so are its reasons
# Why the mail went to that call: true, but not why it needs her today.
MATCH_CODES = frozenset({
    ReasonCode.SUBJECT_IMPOSED, ReasonCode.SUBJECT_VARIANT, ReasonCode.SUBJECT_TOPIC, ReasonCode.TEXT_TOPIC,
    ReasonCode.BODY_CITES, ReasonCode.CARRIES_DOCUMENTS, ReasonCode.ALL_DOCUMENTS_IN, ReasonCode.MISSING,
})  # fmt: skip
REASONS_SHOWN = 5


def short_id(row: Mapping[str, Any], first: int | None) -> str:
    """What she quotes back: the application's ID (A17: its first mail's) and the mail's (17); a mail with no
    call, its own."""
    return f"A{first} / {row['id']}" if first is not None and row["call"] else str(row["id"])


def mail_line(
    store: Store, row: Mapping[str, Any], rule: Rule | None, ident: str, withheld: bool
) -> dict[str, Any]:
    stored = mails.documents(store, row["id"])
    closed = {kind.value for kind in seals.closed_kinds(store, rule)}
    found = load_all(row["reasons"])
    states = document_states(held(mails.each_kind(stored)), row["missing"] or [], found)
    return {
        "id": ident,
        "applicant": replies.one_line(row["sender_name"] or "", 80),
        "address": row["sender"] or "",
        "received_at": local(row["received_at"]),
        "subject": replies.one_line(row["subject"] or "", 120),
        "call": rule.title if rule else "",
        "verdict": verdict_label(row["verdict"], LANGUAGE),
        "documents": [_document(d, row["received_at"], closed, rule) for d in stored],
        "missing": _kinds(states, DocumentState.MISSING, rule),
        "to_fetch": _kinds(states, DocumentState.TO_FETCH, rule),
        "withheld": withheld,
        "reasons": why(found, rule),
    }


def why(found: list[Reason], rule: Rule | None = None) -> list[str]:
    """The reasons a person acts on (a link to fetch, a file that cannot be read...), not how the call was found."""
    shown = [r for r in found if r.code not in MATCH_CODES]
    own = rule.own_labels(LANGUAGE) if rule else None
    return [replies.one_line(render(r, LANGUAGE, own), 300) for r in shown[:REASONS_SHOWN]]


def local(iso: str) -> str:
    return morocco_time(datetime.fromisoformat(iso)).strftime("%d/%m/%Y %H:%M")


def _document(document: dict[str, Any], received_at: str, closed: set[str], rule: Rule | None) -> str:
    kinds = dict.fromkeys(mails.all_kinds(document))  # every kind it holds, each once, the main one first
    label = " + ".join(replies.label(kind, LANGUAGE, rule) for kind in kinds)
    if document["kind"] in closed:  # a sealed offer: not even its name until the call is opened
        return f"pli fermé, reçu le {local(received_at)} ({label})"
    name = replies.one_line(document["filename"], 80)
    if document.get("problem"):
        return f"{name} ({label}, illisible)"
    return f"{name} ({label})"


def _kinds(states: Mapping[str, DocumentState], wanted: DocumentState, rule: Rule | None) -> list[str]:
    return [replies.label(kind, LANGUAGE, rule) for kind, state in states.items() if state is wanted]
