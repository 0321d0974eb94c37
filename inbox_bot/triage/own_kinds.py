"""The kinds a call declares itself (`[kinds.cin]`, `[kinds.diplomas]`...): which files hold one. Pure.

Run once the call is known, on what classify.py already found. A name that says the kind is enough ("CIN.pdf",
a scan with no text); the text alone tells it only for a file the built-in kinds do not claim, and only with
two of its words (or one phrase of several words), so that a CV listing its "diplômes" is no diploma.
"""

from __future__ import annotations

from collections.abc import Sequence

from inbox_bot.core.models import Attachment, ClassifiedDocument, DocumentKind, KindFound, OwnKind, Rule
from inbox_bot.core.reasons import ReasonCode, reason
from inbox_bot.triage.classify import fold, fold_name, is_program

_SHOWN = 3


def with_own_kinds(
    documents: Sequence[ClassifiedDocument], attachments: Sequence[Attachment], rule: Rule | None
) -> list[ClassifiedDocument]:
    """`documents` (classified from `attachments`, in the same order) with the rule's own kinds added."""
    if rule is None or not rule.kinds:
        return list(documents)
    return [_add(document, attachment, rule) for document, attachment in zip(documents, attachments, strict=True)]


def named_own_kinds(filename: str, rule: Rule) -> list[str]:
    """The rule's own kinds a file's name says ("Diplôme master.jpg" for `[kinds.diplomas]`)."""
    name = fold_name(filename)
    return [kind_id for kind_id, kind in rule.kinds.items() if _found(kind_id, kind, name, "") is not None]


def _add(document: ClassifiedDocument, attachment: Attachment, rule: Rule) -> ClassifiedDocument:
    if is_program(attachment.mime):
        return document
    name = fold_name(attachment.filename)
    text = fold(attachment.text) if document.kind is DocumentKind.OTHER and not attachment.problem else ""
    found = [item for kind_id, kind in rule.kinds.items() if (item := _found(kind_id, kind, name, text))]
    if not found:
        return document
    builtin = [] if document.kind is DocumentKind.OTHER else document.kinds or [KindFound(kind=document.kind.value)]
    reasons = [
        *document.reasons,
        *(reason(ReasonCode.OWN_KIND, file=document.filename, kind=item.kind, evidence=", ".join(item.evidence))
          for item in found),
    ]
    return document.model_copy(update={"kinds": [*builtin, *found], "reasons": reasons})


def _found(kind_id: str, kind: OwnKind, name: str, text: str) -> KindFound | None:
    words = [(word, fold(word)) for words in kind.words.values() for word in words if word.strip()]
    in_name = [word for word, key in words if key in name]
    if in_name:
        return KindFound(kind=kind_id, evidence=[f"name says '{in_name[0]}'"])
    in_text = [(word, key) for word, key in words if text and key in text]
    if len(in_text) >= 2 or any(len(key.split()) > 1 for _, key in in_text):
        return KindFound(kind=kind_id, evidence=[f"text mentions '{word}'" for word, _ in in_text[:_SHOWN]])
    return None
