"""What becomes of a mail: the verdict and its reasons. Pure: everything it needs is passed in."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from inbox_bot.core.models import (
    ClassifiedDocument,
    Decision,
    DocumentKind,
    DossierSoFar,
    LatePolicy,
    MatchResult,
    ParsedMail,
    ReceivedSource,
    Rule,
    Verdict,
)
from inbox_bot.core.reasons import Reason, ReasonCode, reason

CLOCK_TOLERANCE = timedelta(hours=1)
UNTRUSTED_TIMES = frozenset({ReceivedSource.DATE_HEADER, ReceivedSource.FILE})
MAX_LINKS = 3  # a body pasting twenty links says no more than three of them
# Short labels for the committee export's column headers (inbox_bot.core.wording has the long ones, per language)
KIND_LABELS_FR = {
    DocumentKind.CV: "CV",
    DocumentKind.COVER_LETTER: "lettre de motivation",
    DocumentKind.REFERENCES: "références",
    DocumentKind.METHODOLOGY_NOTE: "note méthodologique / proposition technique",
    DocumentKind.FINANCIAL_OFFER: "offre financière",
    DocumentKind.ADMINISTRATIVE_FILE: "dossier administratif",
    DocumentKind.TAX_CERTIFICATE: "attestation fiscale",
    DocumentKind.CODE_OF_CONDUCT: "code de conduite signé",
    DocumentKind.SIGNED_TERMS: "termes et conditions signés",
    DocumentKind.IDENTITY_DOCUMENT: "pièce d'identité (CIN ou passeport)",
    DocumentKind.OTHER: "autre document",
}


def instant(value: datetime) -> str:
    """An instant as a reason's parameter: ISO 8601 in UTC, rendered in Morocco time by the reader's wording."""
    return value.astimezone(UTC).isoformat()


def decide(
    mail: ParsedMail,
    matched: MatchResult,
    documents: Sequence[ClassifiedDocument],
    rule: Rule | None,
    so_far: DossierSoFar,
) -> Decision:
    if mail.auto_signals:
        signals = "; ".join(mail.auto_signals)
        return Decision(verdict=Verdict.IGNORED, missing=[], reasons=[reason(ReasonCode.MACHINE_SENT, signals=signals)])
    if mail.problems and not mail.sender:
        return Decision(verdict=Verdict.NEEDS_REVIEW, missing=[], reasons=list(mail.problems))
    if rule is None or matched.call is None:
        verdict = Verdict.NEEDS_REVIEW if matched.ambiguous or mail.problems else Verdict.UNMATCHED
        return Decision(verdict=verdict, missing=[], reasons=[*matched.reasons, *mail.problems])
    missing = missing_kinds(rule, so_far, documents)
    reasons = list(matched.reasons)
    for verdict_check in (_duplicate, _late, _unreadable, _limits):
        found = verdict_check(mail, documents, rule, so_far, missing)
        if found is not None:
            settled, why = found
            if settled is not None:
                return Decision(verdict=settled, missing=missing, reasons=[*reasons, *why])
            reasons.extend(why)
    if missing:
        lacking = reason(ReasonCode.MISSING, kinds=",".join(missing))
        return Decision(verdict=Verdict.INCOMPLETE, missing=missing, reasons=[*reasons, lacking])
    return Decision(verdict=Verdict.COMPLETE, missing=[], reasons=[*reasons, reason(ReasonCode.ALL_DOCUMENTS_IN)])


Check = tuple[Verdict | None, list[Reason]] | None


def missing_kinds(rule: Rule, so_far: DossierSoFar, documents: Sequence[ClassifiedDocument]) -> list[str]:
    # a combined file satisfies every kind it holds
    have = set(so_far.kinds) | {kind for d in documents if d.problem is None for kind in d.all_kinds()}
    return sorted(str(k) for k in rule.documents.required if k not in have)


def _duplicate(
    mail: ParsedMail,
    documents: Sequence[ClassifiedDocument],
    rule: Rule,
    so_far: DossierSoFar,
    missing: list[str],
) -> Check:
    if mail.message_id in so_far.message_ids:
        return Verdict.DUPLICATE, [reason(ReasonCode.DUPLICATE_MAIL, message_id=mail.message_id, call=rule.id)]
    hashes = {d.sha256 for d in documents}
    if hashes and hashes <= so_far.document_hashes:
        return Verdict.DUPLICATE, [reason(ReasonCode.DUPLICATE_FILES)]
    return None


def _late(
    mail: ParsedMail,
    documents: Sequence[ClassifiedDocument],
    rule: Rule,
    so_far: DossierSoFar,
    missing: list[str],
) -> Check:
    deadline = so_far.deadline_override or rule.deadline.closes_at()
    disagreement = _clocks_disagree(mail, deadline)
    if disagreement:
        return Verdict.NEEDS_REVIEW, [disagreement]
    if mail.received_at < deadline:
        return None
    when = {
        "received": instant(mail.received_at),
        "deadline": instant(deadline),
        "extended": "1" if so_far.deadline_override else "",
    }
    if mail.received_source in UNTRUSTED_TIMES:
        return Verdict.NEEDS_REVIEW, [reason(ReasonCode.DATE_HEADER_ONLY, **when)]
    policy = rule.deadline.late_policy
    if policy is LatePolicy.ACCEPT:
        return None, [reason(ReasonCode.LATE_ACCEPTED, **when)]
    if policy is LatePolicy.HOLD:
        return Verdict.LATE, [reason(ReasonCode.LATE_HELD, **when)]
    return Verdict.LATE, [reason(ReasonCode.LATE_REJECTED, **when)]


def _clocks_disagree(mail: ParsedMail, deadline: datetime) -> Reason | None:
    """The server's date and our topmost Received header on opposite sides of the deadline.

    A mail copied between mailboxes or restored from a backup gets a new server date (INTERNALDATE): a person
    decides which one to believe, the bot never rejects on either alone.
    """
    header = mail.received_header_at
    if header is None or abs(header - mail.received_at) < CLOCK_TOLERANCE:
        return None
    if (header < deadline) == (mail.received_at < deadline):
        return None
    return reason(
        ReasonCode.CLOCKS_DISAGREE, server=instant(mail.received_at), header=instant(header), deadline=instant(deadline)
    )


def _unreadable(
    mail: ParsedMail,
    documents: Sequence[ClassifiedDocument],
    rule: Rule,
    so_far: DossierSoFar,
    missing: list[str],
) -> Check:
    why = [d.problem.with_file(d.filename) for d in documents if d.problem]
    why.extend(mail.problems)
    if mail.links and missing:
        why.extend(reason(ReasonCode.CLOUD_LINK, url=link) for link in mail.links[:MAX_LINKS])
    return (Verdict.NEEDS_REVIEW, why) if why else None


def _limits(
    mail: ParsedMail,
    documents: Sequence[ClassifiedDocument],
    rule: Rule,
    so_far: DossierSoFar,
    missing: list[str],
) -> Check:
    why = [
        reason(ReasonCode.PAGES_OVER_LIMIT, file=d.filename, pages=pages, limit=limit, kind=kind)
        for d in documents
        for kind, pages in _pages_by_kind(d).items()
        if (limit := rule.documents.max_pages.get(kind)) is not None and pages > limit
    ]
    return (Verdict.NEEDS_REVIEW, why) if why else None


def _pages_by_kind(document: ClassifiedDocument) -> dict[str, int]:
    """How many pages each kind a file holds runs to, as far as they are known."""
    if not document.kinds:
        return {document.kind.value: document.pages} if document.pages is not None else {}
    return {found.kind: len(found.pages) for found in document.kinds if found.pages}
