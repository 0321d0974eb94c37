"""The committee's export read from the store: one row per applicant, sealed documents held back."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from inbox_bot.core.models import DocumentKind, Rule, Verdict
from inbox_bot.operator.applications import NOT_DECIDING, applications
from inbox_bot.operator.export_model import Document, Export, Mail, Row, Sealed, combined
from inbox_bot.outgoing.replies import KIND_LABELS
from inbox_bot.storage.export_rows import DocumentRow, call_documents, call_raw_mails
from inbox_bot.storage.seals import opening
from inbox_bot.storage.store import Store
from inbox_bot.triage.safenames import safe_name

Track = Callable[[list[dict[str, Any]]], Iterable[dict[str, Any]]]


def export_rows(
    store: Store,
    rule: Rule,
    track: Track = lambda a: a,
    *,
    reviewers: Iterable[str] = (),
    anonymous: bool = False,
) -> Export:
    """The call's applicants, first received first: those on time, and the late ones (held apart)."""
    found = sorted(applications(store, call=rule.id), key=lambda a: (a["first_received_at"], a["id"]))
    documents: dict[int, list[DocumentRow]] = defaultdict(list)
    for document in call_documents(store, rule.id):
        documents[document.mail_id].append(document)
    raws = {m.id: m.raw for m in call_raw_mails(store, rule.id)}
    opened = opening(store, rule.id)
    closed = frozenset(rule.sealed) if opened is None else frozenset()
    rows = [
        _row(application, documents, raws, closed)
        for application in track([a for a in found if a["verdict"] not in NOT_DECIDING])
    ]
    if anonymous:
        rows = [anonymised(row, rule) for row in rows]
    return Export(
        rule=rule,
        on_time=[r for r in rows if not r.late],
        late=[r for r in rows if r.late],
        opening=opened,
        reviewers=[name.strip() for name in reviewers if name.strip()],
        anonymous=anonymous,
    )


def _row(
    application: dict[str, Any],
    documents: dict[int, list[DocumentRow]],
    raws: dict[int, Path],
    closed: frozenset[DocumentKind],
) -> Row:
    kept: dict[str, Document] = {}  # one per stored file, however many mails carried it
    sealed: dict[str, Sealed] = {}
    for d in (d for mail_id in application["mails"] for d in documents[mail_id]):
        if d.stored is None or d.sha256 in kept or d.sha256 in sealed:
            continue
        kind = DocumentKind(d.kind)
        if kind in closed or (closed and combined(d.filename, kind, d.reasons, closed)):
            sealed[d.sha256] = Sealed(kind, d.received, flagged=kind not in closed)
            continue
        kept[d.sha256] = Document(d.filename, kind, d.mime, d.sha256, d.stored, d.received)
    return Row(
        id=application["id"],
        name=application["name"],
        address=application["sender"],
        received=datetime.fromisoformat(application["received_at"]),
        verdict=Verdict(application["verdict"]),
        missing=frozenset(DocumentKind(k) for k in application["missing"]),
        documents=list(kept.values()),
        mails=[Mail(i, raws[i]) for i in application["mails"] if i in raws],
        sealed=list(sealed.values()),
    )


def anonymised(row: Row, rule: Rule) -> Row:
    """The row with its ID in place of the name and address, and file names made of the ID and the kind.

    The key back to the person is the store itself (A17 is mail 17): it never leaves inbox-bot.
    """
    documents = [
        replace(d, filename=f"{row.id} {KIND_LABELS[rule.replies.language][d.kind]}.{_extension(d)}")
        for d in row.documents
    ]
    return replace(row, name=row.id, address=row.id, documents=documents, mails=[])


def _extension(document: Document) -> str:
    return safe_name(document.filename, document.mime).rsplit(".", 1)[-1]
