"""The documents a call asks for, mapped to our kinds; page limits; a financial offer in its own file."""

from __future__ import annotations

import re
from dataclasses import dataclass

from inbox_bot.core.models import DocumentKind
from inbox_bot.rules.draft.found import Found
from inbox_bot.rules.draft.own_kinds import DraftedKind, drafted_kind, pieces
from inbox_bot.rules.draft.text import Line, fold

K = DocumentKind
# Folded phrases (lower case, no accents) that name each kind, in French, English and Arabic.
_PHRASES: dict[DocumentKind, tuple[str, ...]] = {
    K.CV: (r"\bcvs?\b", "curriculum", r"\bresume\b", "السيرة الذاتية"),
    K.COVER_LETTER: (
        "lettre de (motivation|candidature)", "cover letter", "motivation letter", "letter of (motivation|interest)",
        "رسالة (التحفيز|الدافع|الترشيح)",
    ),
    K.REFERENCES: (
        r"references?\b", "attestations? de (bonne execution|reference)", "recommandation", "recommendation",
        "missions similaires", "similar (assignments|missions)", "مراجع", "شهادات حسن",
    ),
    K.METHODOLOGY_NOTE: (
        "methodolog", "proposition technique", "offre technique", "technical (proposal|offer)",
        "note (d'intention|conceptuelle|technique)", "plan de travail", r"\bwork ?plan\b", "chronogramme",
        "المنهجية", "العرض التقني",
    ),
    K.FINANCIAL_OFFER: (
        "offre financiere", "proposition financiere", "financial (offer|proposal)", r"\bdevis\b", "budget detaill",
        "detailed budget", "price (offer|proposal)", "offre de prix", "bordereau des prix", r"\bbpu\b",
        "العرض المالي",
    ),
    K.ADMINISTRATIVE_FILE: (
        "dossier administratif", "pieces administratives", "documents administratifs",
        "administrative (file|documents)",
        "statuts", "registre d[eu] commerce", r"\bpatente\b", "attestation cnss", "company registration",
        "certificat negatif", r"\brib\b", r"\bice\b", "modele j", "recepisse",
        "الملف الإداري", "الملف الاداري", "الوثائق الإدارية",
    ),
    K.TAX_CERTIFICATE: ("fiscal", "tax (certificate|identification|registration)", "attestation de regularite",
                        r"\bimpots\b", r"\bdgi\b",
                        "الضريبي", "الجبائي"),
    K.CODE_OF_CONDUCT: ("code de conduite", "code of conduct", "مدونة السلوك"),
    K.SIGNED_TERMS: ("conditions generales", "termes et conditions", "terms and conditions",
                     "conditions of (purchase|contract)", "الشروط العامة"),
    # The words triage/classify.py tells the kind by: the national ID card (CIN, CNIE) or a passport.
    K.IDENTITY_DOCUMENT: (
        r"\bcin\b", r"\bcnie?\b", "carte nationale", "carte d'identite", "piece d'identite", "passeport",
        "passport", r"\bnational id\b", "identity (card|document)", r"\bid card\b", "البطاقة الوطنية",
        "بطاقة التعريف", "جواز السفر",
    ),
}
_KINDS = [(kind, re.compile("|".join(phrases))) for kind, phrases in _PHRASES.items()]
# A line that opens the list of documents; the words after it may list them inline.
_INTRO = re.compile(
    r"dossier (de candidature|de soumission)?\s*(doit|devra|comprend|compren|contien|contenir|compose|:|$)"
    r"|(dossier|documents?|pieces) (suivants|suivantes|requis|a fournir|a joindre)|a signer et|\ba signer\b"
    r"|(should|must) (submit|send|include)|to apply,? (send|submit)"
    r"|(applications|candidatures),? (including|comprenant)"
    r"|envoyer leur (offre|dossier)|الوثائق المطلوبة|\bsend (a|an|your)\b|\benvoyer (un|une|votre)\b"
    r"|^\|? ?(dossier|documents?|pieces)\b"
    r"|(soumettre|joindre|envoyer|fournir) (un dossier|les (documents|pieces))|invites a soumettre"
    r"|application (package|should|must)|(submit|include|provide) the following|required documents|documents required"
    r"|الملف المطلوب|يتضمن الملف|الوثائق التالية"
)
_OPTIONAL_LIST = re.compile(
    r"(documents|pieces) (optionnel|facultati|complementaire)|optional documents|^(optionnel|facultatif)"
)
_OPTIONAL = re.compile(
    r"optionnel|facultati|le cas echeant|si disponible|souhaitable|atout|est un plus|optional|if available|if any"
    r"|a plus\b|an asset|an advantage|un avantage|would be a plus|اختياري"
)
_PAGES = re.compile(
    r"(?:maximum|max\.?|pas plus de|ne (?:devra|doit) pas (?:depasser|exceder)|ne depassant pas|n'excedant pas"
    r"|not exceeding|no more than|up to|at most|limited to|limitee? a|في حدود|لا تتجاوز)"
    r"\s*(\d{1,3})\s*(?:pages|p\.|صفحات)"
    r"|(\d{1,3})\s*(?:pages|صفحات)\s*(?:maximum|max|au maximum|at most)"
)
_SEPARATE = re.compile(
    r"(offre|proposition) financiere.{0,80}(separe|distinct|a part|independan)"
    r"|(separe|distinct).{0,40}(offre|proposition) financiere"
    r"|financial (offer|proposal).{0,80}(separate|distinct)|separate.{0,40}financial"
    r"|deux (fichiers|documents|plis) (separes|distincts)"
    r"|two separate (files|documents|emails)|العرض المالي.{0,40}(منفصل|مستقل)"
)


@dataclass(frozen=True)
class Documents:
    required: Found[list[str]]  # built-in kinds' values and the ids of `own`
    optional: Found[list[str]]
    max_pages: Found[dict[DocumentKind, int]]
    separate_financial_offer: Found[bool]
    own: dict[str, DraftedKind]  # documents no built-in kind names, as kinds of the rule's own, by id
    unmapped: list[str]  # items that name no kind and no document: for a person to read


def kinds_in(folded: str) -> list[DocumentKind]:
    """The kinds a piece of text names, in the order it names them."""
    places = [(match.start(), kind) for kind, pattern in _KINDS if (match := pattern.search(folded))]
    return [kind for _, kind in sorted(places)]


def find_documents(lines: list[Line]) -> Documents:
    required: dict[str, Line] = {}
    optional: dict[str, Line] = {}
    own: dict[str, DraftedKind] = {}
    unmapped: list[str] = []
    for intro, items in _lists(lines):
        list_optional = bool(_OPTIONAL_LIST.search(intro.folded))
        for line, text in items:
            target = optional if list_optional or _OPTIONAL.search(text) else required
            kinds: list[str] = [kind.value for kind in kinds_in(text)]
            for drafted in _own_kinds(line, text):
                own.setdefault(drafted.id, drafted)
                kinds.append(drafted.id)
            for kind in kinds:
                target.setdefault(kind, line)
            if not kinds and line is not intro:
                unmapped.append(line.evidence())
    for kind in required:
        optional.pop(kind, None)
    return Documents(
        required=_listed(required, "no list of documents found: write the required kinds by hand"),
        optional=_listed(optional, None),
        max_pages=_max_pages(lines),
        separate_financial_offer=_separate(lines),
        own={kind_id: kind for kind_id, kind in own.items() if kind_id in required or kind_id in optional},
        unmapped=unmapped,
    )


def _own_kinds(line: Line, folded: str) -> list[DraftedKind]:
    """The documents an item names that no built-in kind does: "Copie des diplômes", "السجل العدلي"."""
    # `folded` is the end of the line's folded text; folding keeps the length of almost every text.
    written = line.text[len(line.text) - len(folded):] if len(line.text) == len(line.folded) else folded
    if not folded.strip():
        return []
    return [
        drafted
        for piece in pieces(written)
        if not kinds_in(fold(piece)) and (drafted := drafted_kind(piece, line.evidence())) is not None
    ]


def _lists(lines: list[Line]) -> list[tuple[Line, list[tuple[Line, str]]]]:
    """Each list of documents: its opening line and its items (an item: a line, and the words that count)."""
    found = []
    index = 0
    while index < len(lines):
        intro = _INTRO.search(lines[index].folded)
        if intro is None:
            index += 1
            continue
        items = [(lines[index], _inline(intro.group(0), lines[index].folded[intro.end():]))]
        index += 1
        while index < len(lines) and _belongs(lines[index]):
            items.append((lines[index], lines[index].folded))
            index += 1
        found.append((items[0][0], items))
    return found


def _inline(intro: str, rest: str) -> str:
    """The documents an opening line lists itself: after its colon or its verb of containing."""
    listing = r"(send|submit|including|comprenant|comprend|contien|contenir|\ba|\ban|your|un|une|votre|dossier)$"
    if re.search(listing, intro):
        return rest
    listed = re.search(r"(?::|comprenant|comprendre|contenir|contient|compose de|including|include)\s*(.*)$", rest)
    return listed.group(1) if listed else ""


def _belongs(line: Line) -> bool:
    if _INTRO.search(line.folded) or (line.is_heading and not kinds_in(line.folded)):
        return False
    if line.is_item:
        return True
    return bool(kinds_in(line.folded)) and len(line.text) < 160 and not line.is_heading


def _listed(found: dict[str, Line], missing: str | None) -> Found[list[str]]:
    if not found:
        return Found([], review=missing)
    evidence = " | ".join(dict.fromkeys(line.evidence() for line in found.values()))
    return Found(sorted(found), evidence)


def _max_pages(lines: list[Line]) -> Found[dict[DocumentKind, int]]:
    limits: dict[DocumentKind, int] = {}
    evidence = []
    for line in lines:
        for match in _PAGES.finditer(line.folded):
            pages = int(match.group(1) or match.group(2))
            kinds = kinds_in(line.folded[: match.end() + 40]) or kinds_in(line.folded)
            for kind in kinds[:1]:  # the kind named nearest the start of the item
                limits.setdefault(kind, pages)
                evidence.append(line.evidence())
    return Found(limits, " | ".join(dict.fromkeys(evidence)))


def _separate(lines: list[Line]) -> Found[bool]:
    for line in lines:
        if _SEPARATE.search(line.folded):
            return Found(True, line.evidence())
    return Found(False)
