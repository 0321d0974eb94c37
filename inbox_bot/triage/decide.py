"""What becomes of a mail: the verdict and its reasons. Pure: everything it needs is passed in."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

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
from inbox_bot.core.timezones import morocco_time

CLOCK_TOLERANCE = timedelta(hours=1)
UNTRUSTED_TIMES = frozenset({ReceivedSource.DATE_HEADER, ReceivedSource.FILE})
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


def local(instant: datetime) -> str:
    return morocco_time(instant).strftime("%Y-%m-%d %H:%M:%S %Z")


def decide(
    mail: ParsedMail,
    matched: MatchResult,
    documents: Sequence[ClassifiedDocument],
    rule: Rule | None,
    so_far: DossierSoFar,
) -> Decision:
    if mail.auto_signals:
        return Decision(verdict=Verdict.IGNORED, missing=[], reasons=["machine-sent: " + "; ".join(mail.auto_signals)])
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
        names = ", ".join(KIND_LABELS_FR[k] for k in missing)
        return Decision(verdict=Verdict.INCOMPLETE, missing=missing, reasons=[*reasons, f"missing: {names}"])
    return Decision(verdict=Verdict.COMPLETE, missing=[], reasons=[*reasons, "every required document is in"])


Check = tuple[Verdict | None, list[str]] | None


def missing_kinds(rule: Rule, so_far: DossierSoFar, documents: Sequence[ClassifiedDocument]) -> list[DocumentKind]:
    have = set(so_far.kinds) | {d.kind for d in documents if d.problem is None}
    return sorted((k for k in rule.documents.required if k not in have), key=lambda k: k.value)


def _duplicate(
    mail: ParsedMail,
    documents: Sequence[ClassifiedDocument],
    rule: Rule,
    so_far: DossierSoFar,
    missing: list[DocumentKind],
) -> Check:
    if mail.message_id in so_far.message_ids:
        return Verdict.DUPLICATE, [f"the same mail ({mail.message_id}) was already received for {rule.id}"]
    hashes = {d.sha256 for d in documents}
    if hashes and hashes <= so_far.document_hashes:
        return Verdict.DUPLICATE, ["every attached file was already received from this applicant"]
    return None


def _late(
    mail: ParsedMail,
    documents: Sequence[ClassifiedDocument],
    rule: Rule,
    so_far: DossierSoFar,
    missing: list[DocumentKind],
) -> Check:
    deadline = so_far.deadline_override or rule.deadline.closes_at()
    extended = " (extended)" if so_far.deadline_override else ""
    disagreement = _clocks_disagree(mail, deadline)
    if disagreement:
        return Verdict.NEEDS_REVIEW, [disagreement]
    if mail.received_at < deadline:
        return None
    when = f"received {local(mail.received_at)}, deadline{extended} {local(deadline)}"
    if mail.received_source in UNTRUSTED_TIMES:
        return Verdict.NEEDS_REVIEW, [f"{when}, but only the sender's Date header says so: check by hand"]
    policy = rule.deadline.late_policy
    if policy is LatePolicy.ACCEPT:
        return None, [f"{when}: late, but the call accepts late dossiers"]
    if policy is LatePolicy.HOLD:
        return Verdict.LATE, [f"{when}: held apart, considered only if on-time dossiers fail"]
    return Verdict.LATE, [f"{when}: inadmissible"]


def _clocks_disagree(mail: ParsedMail, deadline: datetime) -> str | None:
    """The server's date and our topmost Received header on opposite sides of the deadline.

    A mail copied between mailboxes or restored from a backup gets a new server date (INTERNALDATE): a person
    decides which one to believe, the bot never rejects on either alone.
    """
    header = mail.received_header_at
    if header is None or abs(header - mail.received_at) < CLOCK_TOLERANCE:
        return None
    if (header < deadline) == (mail.received_at < deadline):
        return None
    return (
        f"the server received it {local(mail.received_at)} but its Received header says {local(header)}: "
        f"on either side of the deadline {local(deadline)}, check by hand"
    )


def _unreadable(
    mail: ParsedMail,
    documents: Sequence[ClassifiedDocument],
    rule: Rule,
    so_far: DossierSoFar,
    missing: list[DocumentKind],
) -> Check:
    why = [f"{d.filename}: {d.problem}" for d in documents if d.problem]
    why.extend(mail.problems)
    if mail.links and missing:
        why.append("the dossier is a link to download (" + ", ".join(mail.links[:3]) + "): fetch it by hand")
    return (Verdict.NEEDS_REVIEW, why) if why else None


def _limits(
    mail: ParsedMail,
    documents: Sequence[ClassifiedDocument],
    rule: Rule,
    so_far: DossierSoFar,
    missing: list[DocumentKind],
) -> Check:
    why = [
        f"{d.filename}: {d.pages} pages, the call allows {limit} for a {d.kind.value}"
        for d in documents
        if (limit := rule.documents.max_pages.get(d.kind)) is not None and d.pages is not None and d.pages > limit
    ]
    return (Verdict.NEEDS_REVIEW, why) if why else None
