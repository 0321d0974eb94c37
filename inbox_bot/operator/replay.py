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
        # and one applicant's mails, and the mails of one Message-ID: a dossier per mail, not a pass over the call
        self.by_applicant: dict[tuple[str | None, str], set[int]] = defaultdict(set)
        self.by_message_id: dict[tuple[str | None, str], set[int]] = defaultdict(set)
        found, documents = mails.replay_rows(store)
        for r in found:
            state = MailState(
                int(r["id"]), r["call"], r["sender"] or "", r["verdict"], r["message_id"], (r["received_at"], r["id"])
            )
            self.states[state.id] = state
            self._index(state, add=True)
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
        """As the store's: with `message_id`, `message_ids` holds it alone when an earlier mail of the call has it."""
        mine = [s for i in self.by_applicant[(call, applicant)] if (s := self.states[i]).order < self.position]
        counted = [s for s in mine if s.verdict in DOSSIER_VERDICTS]
        if message_id is not None:
            same = (self.states[i] for i in self.by_message_id[(call, message_id)])
            message_ids = frozenset({message_id}) if any(s.order < self.position for s in same) else frozenset()
        else:
            of_call = (self.states[i] for i in self.by_call[call])
            message_ids = frozenset(s.message_id for s in of_call if s.order < self.position)
        return DossierSoFar(
            kinds=frozenset(kind for s in counted for kind, _, readable in s.documents if readable),
            document_hashes=frozenset(sha for s in mine for _, sha, _ in s.documents),
            message_ids=message_ids,
            mails=len(mine),
            deadline_override=extensions.deadline_override(self.store, call, applicant),
        )

    def update(self, state: MailState) -> None:
        self._index(self.states[state.id], add=False)
        self._index(state, add=True)
        self.states[state.id] = state

    def _index(self, state: MailState, *, add: bool) -> None:
        change = set.add if add else set.discard
        change(self.by_call[state.call], state.id)
        change(self.by_applicant[(state.call, state.sender)], state.id)
        change(self.by_message_id[(state.call, state.message_id)], state.id)
