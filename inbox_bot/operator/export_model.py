"""The committee's export as plain values: what the workbook, the CSV and the folders are rendered from.

Sealed documents are left out here, not at rendering: a writer cannot show what it was never given.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from inbox_bot.core.models import Criterion, DocumentKind, Rule, Verdict
from inbox_bot.core.reasons import ReasonCode, load
from inbox_bot.outgoing.replies import KIND_LABELS, Language
from inbox_bot.storage.seals import Opening

# A call stating no weighted criteria: the committee then gives one overall mark.
OVERALL_WEIGHT = 100.0
FINANCIAL_WORDS = ("financ", "prix", "price", "cout", "budget", "مالي")
TECHNICAL = frozenset({DocumentKind.METHODOLOGY_NOTE})  # the kinds a combined technical and financial offer takes
COMBINED_NOTE = (
    "pli fermé pour le comité : offre technique et financière dans un même fichier, "
    "à ne transmettre qu'après l'ouverture des plis (inbox-bot unseal)"
)


@dataclass(frozen=True)
class Document:
    """One stored file of a dossier, as the applicant named it."""

    filename: str
    kind: DocumentKind
    mime: str
    sha256: str
    stored: Path  # the stored copy (named by hash)
    received: datetime  # aware


@dataclass(frozen=True)
class Mail:
    id: int
    raw: Path  # the original mail as received


@dataclass(frozen=True)
class Sealed:
    """A sealed document, known only by its kind and when it came."""

    kind: DocumentKind
    received: datetime
    flagged: bool = False  # a technical offer that holds the sealed one too: for the coordinator


@dataclass(frozen=True)
class Row:
    """One applicant of one call."""

    id: str
    name: str
    address: str
    received: datetime  # aware
    verdict: Verdict
    missing: frozenset[DocumentKind]
    documents: list[Document] = field(default_factory=list)
    mails: list[Mail] = field(default_factory=list)
    sealed: list[Sealed] = field(default_factory=list)

    @property
    def late(self) -> bool:
        return self.verdict is Verdict.LATE

    @property
    def rejected(self) -> bool:
        return self.verdict is Verdict.REJECTED


@dataclass(frozen=True)
class Export:
    rule: Rule
    on_time: list[Row]
    late: list[Row]
    opening: Opening | None = None
    reviewers: list[str] = field(default_factory=list)
    anonymous: bool = False

    @property
    def language(self) -> Language:
        return self.rule.replies.language

    @property
    def closed(self) -> bool:
        """Sealed envelopes still closed: the rule seals some kinds and nobody has opened them."""
        return bool(self.rule.sealed) and self.opening is None

    @property
    def rows(self) -> list[Row]:
        return [*self.on_time, *self.late]

    @property
    def scored(self) -> list[Row]:
        """The applicants the committee marks: on time and not put out of the selection by a person.

        A rejected applicant stays in the applicants' list with the verdict, as the late ones stay in theirs.
        """
        return [row for row in self.on_time if not row.rejected]

    def criteria(self) -> list[Criterion]:
        """The criteria marked now: a sealed kind's criterion waits for the opening."""
        found = [c for c in self.rule.criteria if not (self.closed and sealed_criterion(c, self.rule.sealed))]
        return found or [Criterion(name="", weight=OVERALL_WEIGHT)]


def sealed_criterion(criterion: Criterion, sealed: list[DocumentKind]) -> bool:
    """Whether a criterion marks a sealed kind: as the rule says, else named after the kind or about the price."""
    if criterion.sealed is not None:
        return criterion.sealed and bool(sealed)
    name = plain(criterion.name)
    for kind in sealed:
        if any(plain(KIND_LABELS[language][kind]) in name for language in KIND_LABELS):
            return True
        if kind is DocumentKind.FINANCIAL_OFFER and any(word in name for word in FINANCIAL_WORDS):
            return True
    return False


def combined(filename: str, kind: DocumentKind, reasons: Sequence[object], closed: frozenset[DocumentKind]) -> bool:
    """A technical offer that reads like a sealed kind too: held back for the coordinator, not opened.

    The classifier names its runner-up kind in the reasons (`less_likely{kind}`, `tie{kinds}`...; in rows
    older than reason codes, "less likely financial_offer ..."); a file named both technical and financial
    says the same.
    """
    if kind not in TECHNICAL or not closed:
        return False
    values = {k.value for k in closed}
    if any(_kinds_named(reason) & values for reason in reasons):
        return True
    name = plain(filename)
    return DocumentKind.FINANCIAL_OFFER in closed and "financ" in name and "techni" in name


def _kinds_named(stored: object) -> set[str]:
    """The kinds a stored reason names: its parameters, or the words of an old sentence."""
    found = load(stored)
    if found.code is ReasonCode.NOTE:
        return {k.value for k in DocumentKind if k.value in found.params.get("text", "")}
    return {*found.params.get("kind", "").split(","), *found.params.get("kinds", "").split(",")} - {""}


def plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return re.sub(r"\s+", " ", "".join(c for c in decomposed if not unicodedata.combining(c))).strip()


@dataclass(frozen=True)
class Placement:
    """Where one applicant's files sit beside the workbook (paths relative to it, with / separators)."""

    folder: str
    files: dict[str, str]  # sha256 -> path
    mails: dict[int, str]  # mail id -> path of its .eml


Layout = dict[str, Placement]  # application id -> its placement
