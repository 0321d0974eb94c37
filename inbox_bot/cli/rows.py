"""One mail as `list` and `triage` print it: the same row for a dry run and a recorded mail, reasons rendered in
the call's language (French when the mail has no call), with their codes kept for scripts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from inbox_bot.core import reasons as reason_data
from inbox_bot.core.document_states import Held, document_states, held
from inbox_bot.core.models import Rule, TriageResult
from inbox_bot.core.wording import Language, for_json, kind_label, language_of, state_label
from inbox_bot.storage.mails import each_kind


@dataclass(frozen=True)
class Reader:
    """Who reads a row: the call's language, and the labels of the call's own kinds (`cin` is « copie de la CIN »)."""

    language: Language = "fr"
    own: Mapping[str, str] = field(default_factory=dict)


def reader(rules: Mapping[str, Rule], call: str | None) -> Reader:
    rule = rules.get(call or "")
    if rule is None:
        return Reader()
    lang = language_of(rule.replies.language)
    return Reader(lang, rule.own_labels(lang))


def triage_row(result: TriageResult, lang: Reader) -> dict[str, Any]:
    documents = [{"filename": d.filename, "kind": d.kind.value, "mime": d.mime} for d in result.documents]
    holding = [Held(kind, d.problem is None) for d in result.documents for kind in dict.fromkeys(d.all_kinds())]
    row = {**result.summary(), "documents": documents}
    return _with_words(row, holding, result.reasons, lang)


def stored_row(row: Mapping[str, Any], documents: Sequence[dict[str, Any]], lang: Reader) -> dict[str, Any]:
    shown = {
        "id": row["id"],
        "file": row["file"],
        "message_id": row["message_id"],
        "sender": row["sender"],
        "subject": row["subject"],
        "call": row["call"],
        "verdict": row["verdict"],
        "missing": row["missing"],
        "documents": [{"filename": d["filename"], "kind": d["kind"], "mime": d["mime"]} for d in documents],
        "received_at": row["received_at"],
    }
    return _with_words(shown, held(each_kind(list(documents))), reason_data.load_all(row["reasons"]), lang)


def _with_words(
    row: dict[str, Any], holding: list[Held], reasons: list[reason_data.Reason], lang: Reader
) -> dict[str, Any]:
    states = document_states(holding, row["missing"] or [], reasons)
    words = lang.language
    return {
        **row,
        "states": {
            kind: {"state": state.value, "text": state_label(state, words), "label": kind_label(kind, words, lang.own)}
            for kind, state in states.items()
        },
        "reasons": for_json(reasons, words, lang.own),
        "language": words,
    }


def show_words(detail: dict[str, Any], rules: Mapping[str, Rule]) -> dict[str, Any]:
    """`show`'s record with every reason rendered beside its code, and each document's state."""
    mails = []
    for mail in detail["mails"]:
        lang = reader(rules, mail["call"])
        found = reason_data.load_all(mail["reasons"])
        states = document_states(held(each_kind(mail["documents"])), mail["missing"] or [], found)
        documents = [_document_words(d, lang) for d in mail["documents"]]
        mails.append({**mail, "reasons": for_json(found, lang.language, lang.own), "documents": documents,
                      "states": {kind: state_label(state, lang.language) for kind, state in states.items()}})
    return {**detail, "mails": mails}


def _document_words(document: dict[str, Any], lang: Reader) -> dict[str, Any]:
    problem = reason_data.load(document["problem"]).with_file(document["filename"]) if document["problem"] else None
    return {
        **document,
        "reasons": for_json(reason_data.load_all(document["reasons"]), lang.language, lang.own),
        "problem": for_json([problem], lang.language, lang.own)[0] if problem else None,
    }
