"""What each document of a mail is, as the coordinator reads it: present, missing, unreadable, or to fetch.

One state per kind, so a password-protected financial offer is "unreadable", never both "present" (a file of
that kind came) and "missing" (no readable one did); and a dossier sent as a Drive or WeTransfer link has its
documents "to fetch", not "missing".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from inbox_bot.core.reasons import Reason, ReasonCode


class DocumentState(StrEnum):
    PRESENT = "present"
    MISSING = "missing"
    UNREADABLE = "unreadable"
    TO_FETCH = "to_fetch"


@dataclass(frozen=True)
class Held:
    """One file of the mail, as far as its state goes."""

    kind: str
    readable: bool


def document_states(
    documents: Iterable[Held], missing: Iterable[str], reasons: Iterable[Reason]
) -> dict[str, DocumentState]:
    """Kind -> state: the kinds the mail carries, then the required ones it lacks, in that order."""
    states: dict[str, DocumentState] = {}
    for held in documents:
        if held.readable:
            states[held.kind] = DocumentState.PRESENT
        else:
            states.setdefault(held.kind, DocumentState.UNREADABLE)
    linked = any(r.code is ReasonCode.CLOUD_LINK for r in reasons)
    for kind in missing:
        if states.get(kind) is not DocumentState.UNREADABLE:
            states[kind] = DocumentState.TO_FETCH if linked else DocumentState.MISSING
    return states


def held(rows: Iterable[dict[str, object]]) -> list[Held]:
    """Stored document rows (kind, problem) as Held."""
    return [Held(kind=str(row["kind"]), readable=not row.get("problem")) for row in rows]
