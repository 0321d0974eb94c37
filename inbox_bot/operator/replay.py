"""Dossiers replayed from the store as they stood at one mail's place in order of receipt (re-triage, overrides)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from inbox_bot.core.models import DOSSIER_VERDICTS, DocumentKind, DossierSoFar
from inbox_bot.storage import extensions, mails
from inbox_bot.storage.store import Store
from inbox_bot.triage.extract import Extracted


@dataclass
class MailState:
    id: int
    call: str | None
    sender: str
    verdict: str
    message_id: str
    order: tuple[str, int]
    documents: list[tuple[DocumentKind, str, bool]] = field(default_factory=list)  # kind, sha256, readable


class ReplayHistory:
    """Dossiers as they stood at one mail's place in order of receipt: earlier mails only, each as last judged.

    Re-judging a mail must not see itself or later mails, or a dossier completed later would make an earlier
    mail complete, and the mail's own Message-ID would make it a duplicate of itself.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self.states: dict[int, MailState] = {}
        self.by_call: dict[str | None, set[int]] = defaultdict(set)  # so a dossier reads one call, not every mail
        found, documents = mails.replay_rows(store)
        for r in found:
            self.states[int(r["id"])] = MailState(
                int(r["id"]), r["call"], r["sender"] or "", r["verdict"], r["message_id"], (r["received_at"], r["id"])
            )
            self.by_call[r["call"]].add(int(r["id"]))
        for d in documents:
            document = (DocumentKind(d["kind"]), d["sha256"], d["problem"] is None)
            self.states[int(d["mail_id"])].documents.append(document)
        self.position: tuple[str, int] = ("", 0)

    def at(self, mail_id: int) -> None:
        self.position = self.states[mail_id].order

    def read_before(self, sha256: str) -> Extracted | None:
        """What OCR read of a file before: a re-triage never reads a scan again (the pipeline's Readings)."""
        return self.store.read_before(sha256)

    def dossier(self, call: str, applicant: str, message_id: str | None = None) -> DossierSoFar:
        of_call = (self.states[i] for i in self.by_call[call])
        earlier = [s for s in of_call if s.order < self.position]
        mine = [s for s in earlier if s.sender == applicant]
        counted = [s for s in mine if s.verdict in DOSSIER_VERDICTS]
        return DossierSoFar(
            kinds=frozenset(kind for s in counted for kind, _, readable in s.documents if readable),
            document_hashes=frozenset(sha for s in mine for _, sha, _ in s.documents),
            message_ids=frozenset(s.message_id for s in earlier),
            mails=len(mine),
            deadline_override=extensions.deadline_override(self.store, call, applicant),
        )

    def update(self, state: MailState) -> None:
        self.by_call[self.states[state.id].call].discard(state.id)
        self.by_call[state.call].add(state.id)
        self.states[state.id] = state
