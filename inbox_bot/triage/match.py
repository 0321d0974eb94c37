"""Which call a mail belongs to, from its recipients and what it says. Pure: no I/O, no clock.

Applicants do not type the imposed subject exactly, so subjects are compared after normalisation (accents,
case, punctuation, reply prefixes) and word by word with a small tolerance for typos. Two calls may share an
address: only the words that tell them apart decide between them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from inbox_bot.core.models import GENERIC_KINDS, ClassifiedDocument, MatchResult, ParsedMail, Rule
from inbox_bot.core.reasons import Reason, ReasonCode, reason
from inbox_bot.triage.classify import without_marks

REPLY_PREFIX = re.compile(
    r"^\s*(?:(?:re|tr|fw|fwd|aw|wg|rv|sv|vs|ref|réf|رد|إعادة توجيه)\s*(?:\[\d+\]|\(\d+\))?\s*[:：]\s*)+",
    re.IGNORECASE,
)
# Words that say nothing about which call a mail is for.
STOPWORDS = frozenset(
    [
        "a",
        "au",
        "aux",
        "de",
        "des",
        "du",
        "d",
        "e",
        "el",
        "en",
        "et",
        "l",
        "la",
        "le",
        "les",
        "un",
        "une",
        "pour",
        "par",
        "sur",
        "the",
        "of",
        "for",
        "and",
        "to",
        "in",
        "objet",
        "subject",
        "candidature",
        "candidatures",
        "application",
        "dossier",
        "re",
        "tr",
        "fwd",
    ]
)
# Words that show a subject is about some call for tenders or applications, so not a stray mail.
TENDER_WORDS = frozenset(
    [
        "appel",
        "offre",
        "offres",
        "ao",
        "consultation",
        "tender",
        "rfq",
        "rfp",
        "avis",
        "marche",
        "devis",
        "soumission",
        "bid",
    ]
)
# Words an applicant uses to describe their own dossier: they do not point to another tender.
APPLICATION_WORDS = frozenset(
    [
        "technique",
        "financiere",
        "financier",
        "methodologique",
        "methodologie",
        "note",
        "cv",
        "proposition",
        "propositions",
        "consultant",
        "consultante",
        "consultance",
        "expert",
        "experte",
        "cabinet",
        "bureau",
        "etude",
        "mission",
        "envoi",
        "reponse",
        "depot",
    ]
)
_SPONTANEOUS = ReasonCode.SPONTANEOUS_APPLICATION
_INTERNSHIP = ReasonCode.INTERNSHIP_REQUEST
_INVITATION = ReasonCode.INVITATION
# Mail about other business than a call, as its subject says it in so many words (whatever else it says)...
OTHER_BUSINESS: dict[ReasonCode, tuple[str, ...]] = {
    _SPONTANEOUS: ("candidature spontanee", "candidature libre", "spontaneous application",
                                  "unsolicited application", "ترشيح تلقائي"),
    _INTERNSHIP: ("demande de stage", "internship request", "request for internship", "طلب تدريب"),
    _INVITATION: ("invitation", "دعوة"),
}
# ...or in a word, which a subject that is the call's own imposed subject outweighs...
OTHER_BUSINESS_WORDS: dict[ReasonCode, tuple[str, ...]] = {
    _INTERNSHIP: ("stage", "stagiaire", "internship", "intern", "تدريب"),
    _INVITATION: ("invite", "you are invited"),
}
# ...or as its body says it, when only the body or the files tied it to the call
OTHER_BUSINESS_BODY: dict[ReasonCode, tuple[str, ...]] = {
    _SPONTANEOUS: ("candidature spontanee", "spontaneous application", "ترشيح تلقائي"),
    _INTERNSHIP: ("je sollicite un stage", "stage de fin d etudes", "looking for an internship",
                              "internship with", "إجراء تدريب"),
    _INVITATION: ("avons le plaisir de vous inviter", "you are invited to", "بدعوتكم لحضور"),
}
IMPOSED_SUBJECT = 4  # the strength of a subject that is the call's own
BODY_EVIDENCE = 2  # the strength of a topic found only in the body or the files
TYPO_TOLERANCE = 80  # rapidfuzz ratio for one word: "chargee"~"charge", "cabinett"~"cabinet", not "omp"~"opm"
BODY_TOLERANCE = 90


_ALNUM_RUN = re.compile(r"[^\W_]+")


def normalise(text: str) -> str:
    """Lower case, accents and Arabic diacritics dropped, punctuation and underscores as spaces."""
    kept = without_marks(unicodedata.normalize("NFKD", text))
    return " ".join(_ALNUM_RUN.findall(kept.casefold()))  # [^\W_] is str.isalnum(): the rest are spaces


def normalise_subject(subject: str) -> str:
    return normalise(REPLY_PREFIX.sub("", subject))


def words(text: str) -> list[str]:
    return [w for w in normalise(text).split() if w not in STOPWORDS and len(w) > 1]


@dataclass(frozen=True)
class Evidence:
    call: str
    strength: int
    reason: Reason


def match(
    mail: ParsedMail, documents: Sequence[ClassifiedDocument], document_texts: Sequence[str], rules: Iterable[Rule]
) -> MatchResult:
    candidates = [rule for rule in rules if set(rule.addresses) & set(mail.recipients)]
    if not candidates:
        return MatchResult(call=None, reasons=[reason(ReasonCode.NOT_ADDRESSED)])
    subject = normalise_subject(mail.subject)
    body = normalise(mail.body)
    texts = normalise(" ".join([*document_texts, *(d.filename for d in documents)]))
    evidence = [
        e for rule in candidates if (e := _evidence(rule, candidates, subject, body, texts, documents)) is not None
    ]
    if not evidence:
        addressed = ", ".join(sorted({a for r in candidates for a in r.addresses} & set(mail.recipients)))
        about = reason(ReasonCode.NOT_ABOUT_CALL, addressed=addressed, calls=_names(candidates))
        return MatchResult(call=None, reasons=[about])
    best = max(e.strength for e in evidence)
    winners = [e for e in evidence if e.strength == best]
    if len(winners) > 1:
        return MatchResult(
            call=None,
            reasons=[reason(ReasonCode.AMBIGUOUS_CALL, calls=_names_of(winners))],
            ambiguous=sorted(e.call for e in winners),
        )
    other = _other_business(subject, body, best)
    if other is not None:
        what, phrase = other
        return MatchResult(call=None, reasons=[reason(what, phrase=phrase, call=winners[0].call)])
    return MatchResult(call=winners[0].call, reasons=[winners[0].reason])


def _other_business(subject: str, body: str, strength: int) -> tuple[ReasonCode, str] | None:
    """What else a mail is (a spontaneous application, an internship request, an invitation), and the words
    that say so; None for an application. `strength` is how strongly the mail is tied to the call."""
    tables = [(subject, OTHER_BUSINESS)]
    if strength < IMPOSED_SUBJECT:
        tables.append((subject, OTHER_BUSINESS_WORDS))
    if strength <= BODY_EVIDENCE:
        tables.append((body, OTHER_BUSINESS_BODY))
    for text, table in tables:
        padded = f" {text} "
        for what, phrases in table.items():
            phrase = next((p for p in phrases if f" {normalise(p)} " in padded), None)
            if phrase is not None:
                return what, phrase
    return None


def _evidence(
    rule: Rule, candidates: list[Rule], subject: str, body: str, texts: str, documents: Sequence[ClassifiedDocument]
) -> Evidence | None:
    if rule.subject is not None:
        found = _imposed_subject_evidence(rule, candidates, subject, body)
        if found is not None:
            return found
    topic = _first_topic(rule.topics, subject)
    if topic:
        return Evidence(rule.id, 3, reason(ReasonCode.SUBJECT_TOPIC, topic=topic, call=rule.id))
    topic = _first_topic(rule.topics, body) or _first_topic(rule.topics, texts)
    if topic:
        return Evidence(rule.id, 2, reason(ReasonCode.TEXT_TOPIC, topic=topic, call=rule.id))
    if subject_names_other_tender(subject, rule):
        return None
    specific = {k for d in documents for k in d.all_kinds()} & set(rule.documents.required) - GENERIC_KINDS
    if len(specific) >= 2 and len(candidates) == 1:
        kinds = ",".join(sorted(specific))
        return Evidence(rule.id, 1, reason(ReasonCode.CARRIES_DOCUMENTS, call=rule.id, kinds=kinds))
    return None


def _imposed_subject_evidence(rule: Rule, candidates: list[Rule], subject: str, body: str) -> Evidence | None:
    assert rule.subject is not None
    needed = distinctive_words(rule, candidates)
    if needed and all(_has_word(subject, w) for w in needed):
        if normalise_subject(rule.subject) == subject:
            return Evidence(rule.id, 4, reason(ReasonCode.SUBJECT_IMPOSED, call=rule.id))
        return Evidence(rule.id, 4, reason(ReasonCode.SUBJECT_VARIANT, call=rule.id, words=", ".join(needed)))
    imposed = normalise(rule.subject)
    references = [imposed, *(normalise(rule.reference).split("  ") if rule.reference else [])]
    for reference in references:
        if len(reference) >= 8 and fuzz.partial_ratio(reference, body) >= BODY_TOLERANCE:
            return Evidence(rule.id, 3, reason(ReasonCode.BODY_CITES, reference=reference, call=rule.id))
    return None


def distinctive_words(rule: Rule, candidates: list[Rule]) -> list[str]:
    """The words of the imposed subject that no other call at the same address uses."""
    own = words(rule.subject or "")
    others = {w for other in candidates if other.id != rule.id for w in words(other.subject or "")}
    distinct = [w for w in own if w not in others]
    return distinct or own


def _has_word(text: str, wanted: str) -> bool:
    if f" {wanted} " in f" {text} ":
        return True
    if len(wanted) < 5:  # short words (acronyms) must be exact: "omp" is not "opm"
        return False
    return any(fuzz.ratio(wanted, word) >= TYPO_TOLERANCE for word in text.split() if len(word) >= 4)


def _first_topic(topics: Sequence[str], text: str) -> str | None:
    padded = f" {text} "
    for topic in topics:
        if f" {normalise(topic)} " in padded:
            return topic
    return None


def subject_names_other_tender(subject: str, rule: Rule) -> bool:
    """A subject about some call for tenders that is not this one ("Appel d'offres kits d'hygiène")."""
    subject_words = set(subject.split())
    if not subject_words & TENDER_WORDS or _first_topic(rule.topics, subject) is not None:
        return False
    return bool(subject_words - STOPWORDS - TENDER_WORDS - APPLICATION_WORDS)


def _names(rules: Iterable[Rule]) -> str:
    return ", ".join(rule.id for rule in rules)


def _names_of(evidence: Iterable[Evidence]) -> str:
    return ", ".join(e.call for e in evidence)
