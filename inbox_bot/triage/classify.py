"""Tell what kind of document a file is, from its name and the first pages of its text (fr, ar, en).

Pure: no I/O, only inbox_bot.core.models. The model is a score per kind: a name that says the kind is worth
NAME_WEIGHT, and each distinct phrase the text holds adds its weight (3 for phrases only that kind of document
uses, 2 for strong hints, 1 for words other documents use too: a methodology note speaks of "budget", a cover
letter of "expérience"). The best kind wins if it reaches MIN_SCORE and is not tied; otherwise `other`, with
the reason. Names and text are folded first: case, accents, Arabic hamza/diacritics/tatweel, and every
punctuation mark or underscore becomes a word break, so `Offre_Financiere.pdf` reads "offre financiere".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from inbox_bot.core.models import Attachment, ClassifiedDocument, DocumentKind, KindFound
from inbox_bot.core.reasons import Reason, ReasonCode, reason
from inbox_bot.triage.pages import PAGE_MIN_SCORE, PageScore, kinds_by_page, page_span, split_pages

NAME_WEIGHT = 4
PAGE_NAME_WEIGHT = 2  # a page's text must still say something of the kind its file's name names
MIN_SCORE = 3
_SHOWN_PHRASES = 4

K = DocumentKind

# File-name words: one match says the kind (the name is a label its sender chose).
_NAME_SIGNALS: dict[DocumentKind, tuple[str, ...]] = {
    K.CV: ("cv", "cvs", "c v", "curriculum", "vitae", "resume", "résumé", "السيرة الذاتية", "سيرة ذاتية",
           "السيرة"),
    K.COVER_LETTER: ("lettre de motivation", "lettre motivation", "motivation", "lm", "cover letter",
                     "lettre de candidature", "lettre candidature", "motivation letter", "رسالة تحفيز",
                     "رسالة التحفيز", "طلب ترشيح", "طلب الترشيح"),
    K.REFERENCES: ("références", "référence", "references", "attestation de référence", "attestations de référence",
                   "attestation de bonne exécution", "bonne exécution", "recommandation", "recommendation",
                   "référents", "missions similaires", "المراجع", "refs", "recommandations", "recommendations"),
    K.METHODOLOGY_NOTE: ("note méthodologique", "méthodologie", "méthodologique", "methodology", "methodo",
                         "offre technique", "proposition technique", "technical proposal", "technical offer",
                         "note technique", "approche", "plan de travail", "work plan", "workplan",
                         "المنهجية", "مذكرة منهجية", "العرض التقني"),
    K.FINANCIAL_OFFER: ("offre financière", "proposition financière", "financière", "financier", "financial",
                        "offre de prix", "devis", "budget", "bordereau", "bpu", "prix", "cotation",
                        "العرض المالي", "المالي"),
    K.ADMINISTRATIVE_FILE: ("dossier administratif", "administratif", "administrative", "dossier admin", "statuts",
                            "statut",
                            "rc", "registre de commerce", "registre du commerce", "patente", "ice", "cnss",
                            "pv", "procès verbal", "récépissé", "modèle j", "rib", "certificat négatif",
                            "الملف الإداري", "السجل التجاري", "النظام الأساسي", "وصل الإيداع"),
    K.TAX_CERTIFICATE: ("attestation fiscale", "régularité fiscale", "fiscal", "fiscale", "if", "dgi", "impôts",
                        "tax", "شهادة جبائية", "الضرائب", "الضريبي"),
    K.CODE_OF_CONDUCT: ("code de conduite", "code conduite", "code of conduct", "non staff", "conduct",
                        "conduite", "مدونة السلوك"),
    K.SIGNED_TERMS: ("termes et conditions", "conditions générales", "conditions générales d'achat", "cga",
                     "terms and conditions", "terms conditions", "general terms", "الشروط العامة"),
    K.IDENTITY_DOCUMENT: ("cin", "cnie", "cni", "carte nationale", "carte d'identité", "carte identité",
                          "pièce d'identité", "passeport", "passport", "identity card", "id card",
                          "البطاقة الوطنية", "بطاقة التعريف", "جواز السفر"),
}

# Text phrases by weight: 3 only this kind of document says it, 2 a strong hint, 1 shared with others.
_TEXT_SIGNALS: dict[DocumentKind, dict[int, tuple[str, ...]]] = {
    K.CV: {
        3: ("curriculum vitae", "السيرة الذاتية", "سيرة ذاتية"),
        2: ("expérience professionnelle", "expériences professionnelles", "parcours professionnel",
            "formation académique", "date de naissance", "situation familiale", "centres d'intérêt",
            "work experience", "professional experience", "الخبرة المهنية", "الخبرات المهنية",
            "المسار المهني", "المؤهلات العلمية", "تاريخ الازدياد", "تاريخ الميلاد"),
        1: ("cv", "formation", "formations", "compétences", "langues", "diplômes", "loisirs", "education",
            "skills", "languages", "hobbies", "التكوين", "المهارات", "اللغات", "الشهادات"),
    },
    K.COVER_LETTER: {
        3: ("lettre de motivation", "je vous prie d'agréer", "veuillez agréer", "cover letter",
            "motivation letter", "dear sir or madam", "i am writing to apply", "رسالة تحفيز", "رسالة التحفيز",
            "طلب ترشيح", "طلب الترشيح"),
        2: ("madame, monsieur", "j'ai l'honneur", "salutations distinguées", "sentiments distingués",
            "objet : candidature", "yours sincerely", "yours faithfully", "تحية طيبة", "فائق التقدير"),
        1: ("motivation", "ma candidature", "monsieur le directeur", "dear", "sincerely", "السيد المدير"),
    },
    K.REFERENCES: {
        3: ("attestation de bonne exécution", "attestations de bonne exécution", "lettre de recommandation",
            "liste des références", "références professionnelles", "letter of recommendation",
            "attestation de référence"),
        2: ("missions similaires", "référents", "référent", "maître d'ouvrage", "intitulé de la mission",
            "année de réalisation", "période de réalisation", "recommandation", "referees", "المراجع"),
        1: ("références", "references", "client", "clients"),
    },
    K.METHODOLOGY_NOTE: {
        3: ("note méthodologique", "approche méthodologique", "démarche méthodologique", "proposition technique",
            "offre technique", "technical proposal", "المقاربة المنهجية", "مذكرة منهجية", "العرض التقني"),
        2: ("méthodologie", "plan de travail", "chronogramme", "compréhension de la mission",
            "compréhension des termes de référence", "organisation de la mission", "methodology", "work plan",
            "workplan", "gantt", "understanding of the assignment", "المنهجية", "خطة العمل"),
        1: ("approche", "démarche", "livrables", "calendrier", "termes de référence", "approach",
            "deliverables", "timeline", "الجدول الزمني"),
    },
    K.FINANCIAL_OFFER: {
        3: ("offre financière", "proposition financière", "prix unitaire", "total ttc", "bordereau des prix",
            "détail estimatif", "financial offer", "financial proposal", "العرض المالي"),
        2: ("prix total", "ttc", "tva", "honoraires", "devis", "coût total", "taux journalier", "à la somme de",
            "unit price", "daily rate", "total amount", "vat", "درهم"),
        1: ("montant", "ht", "dh", "mad", "dirhams", "budget", "jours homme", "hommes jours", "fees",
            "المبلغ", "الميزانية"),
    },
    K.ADMINISTRATIVE_FILE: {
        3: ("dossier administratif", "registre de commerce", "registre du commerce", "attestation cnss",
            "pv de l'assemblée", "récépissé de dépôt", "identifiant commun de l'entreprise", "الملف الإداري",
            "السجل التجاري", "وصل الإيداع"),
        2: ("statuts", "procès-verbal", "récépissé", "modèle j", "certificat négatif", "taxe professionnelle",
            "assemblée générale", "النظام الأساسي"),
        # letterheads of every Moroccan firm list RC, ICE, CNSS and patente: alone they prove little
        1: ("rc", "ice", "cnss", "patente"),
    },
    K.TAX_CERTIFICATE: {
        3: ("attestation fiscale", "attestation de régularité fiscale", "régularité fiscale",
            "direction générale des impôts", "tax certificate", "tax clearance", "شهادة جبائية",
            "المديرية العامة للضرائب"),
        2: ("identifiant fiscal", "numéro d'identification fiscale", "if n°", "dgi", "الضرائب", "التعريف الضريبي"),
        1: ("tax", "impôts"),
    },
    K.CODE_OF_CONDUCT: {
        3: ("code de conduite", "code of conduct", "مدونة السلوك", "مدونة قواعد السلوك"),
        2: ("non-staff", "exploitation et abus sexuels", "sexual exploitation", "code d'éthique"),
        1: ("safeguarding", "psea"),
    },
    K.SIGNED_TERMS: {
        3: ("termes et conditions", "conditions générales d'achat", "terms and conditions", "الشروط العامة",
            "الشروط والأحكام"),
        2: ("conditions générales", "general terms", "general conditions", "conditions of purchase"),
        1: ("lu et approuvé",),
    },
    # The Moroccan CIN (French and Arabic on its face) and passport data pages (French and English).
    K.IDENTITY_DOCUMENT: {
        3: ("carte nationale d'identité", "carte nationale d'identité électronique", "البطاقة الوطنية للتعريف",
            "البطاقة الوطنية للتعريف الإلكترونية", "passeport", "passport", "جواز السفر", "national identity card",
            "identity card"),
        2: ("valable jusqu'au", "date d'expiration", "date of expiry", "lieu de naissance", "place of birth",
            "date de délivrance", "date of issue", "صالحة إلى غاية", "مكان الازدياد", "given names"),
        1: ("royaume du maroc", "kingdom of morocco", "المملكة المغربية", "nationalité", "nationality", "sexe",
            "né le", "née le", "surname"),
    },
}

# Programs and scripts are never documents, whatever they are called (attachments.py refuses them too).
PROGRAM_MIMES = frozenset({
    "application/x-executable", "application/x-dosexec", "application/x-sharedlib", "application/x-msi",
    "application/x-pie-executable", "application/x-mach-binary", "application/x-msdownload",
    "application/vnd.microsoft.portable-executable", "application/java-archive", "application/x-elf",
    "text/x-shellscript", "text/x-python", "text/x-perl", "text/x-php", "text/x-msdos-batch",
    "application/javascript", "text/javascript", "application/x-bat", "application/x-sh",
    "application/x-shellscript", "text/x-ruby", "text/x-lua", "application/x-powershell", "text/x-awk",
    "text/x-tcl", "application/x-msdos-program", "application/hta",
})


def is_program(mime: str) -> bool:
    # newer libmagic names interpreted scripts text/x-script.<language>
    return mime in PROGRAM_MIMES or mime.startswith("text/x-script")

_ARABIC_FOLD = str.maketrans({"ة": "ه", "ى": "ي", "ـ": None})
# A price with its currency: what a price table looks like once its layout is gone.
_AMOUNT = re.compile(r" \d+(?: \d+)* (?:mad|dh|dhs|dirhams?|درهم) ")
_AMOUNT_WEIGHT = 2


def classify(attachment: Attachment) -> ClassifiedDocument:
    """The kind of one attachment, with short reasons a reviewer can check."""
    pages = [fold(page) for page in split_pages(attachment.text)]  # folded once, read whole and page by page
    kind, reasons = _decide(attachment, "".join(pages))
    found = _combined(attachment, kind, pages)
    if found:
        kind = _main_kind(kind, found)
        found.sort(key=lambda item: item.kind != kind.value)
        reasons = [*reasons, _holds(attachment.filename, found)]
    return ClassifiedDocument(
        filename=attachment.filename, kind=kind, mime=attachment.mime, size=attachment.size,
        sha256=attachment.sha256, pages=attachment.pages, problem=attachment.problem,
        inside=attachment.inside, reasons=reasons, kinds=found,
    )


def _combined(attachment: Attachment, kind: DocumentKind, pages: list[str]) -> list[KindFound]:
    """Every kind a combined file holds, read page by page; empty for a file of one kind."""
    if is_program(attachment.mime) or attachment.problem or sum(1 for page in pages if page.strip()) < 2:
        return []
    named = frozenset(_named_kinds(attachment.filename))
    candidates = _page_candidates("".join(pages), named)
    if len(candidates) < 2 and not (candidates and kind is not K.OTHER and kind not in candidates):
        found = []  # no two kinds can be told apart page by page: reading pages would find nothing more
    else:
        found = kinds_by_page(pages, lambda page: score_page(page, named, candidates))
    if not found:
        found = _named_and_said(attachment)
    elif kind is not K.OTHER and kind.value not in {item.kind for item in found}:
        found.insert(0, KindFound(kind=kind.value, evidence=["the file as a whole"]))
    return found if len(found) > 1 else []


def _named_and_said(attachment: Attachment) -> list[KindFound]:
    """A file named for several kinds ("Offre technique et financière") whose text bears each one out."""
    named = _named_kinds(attachment.filename)
    if len(named) < 2:
        return []
    text = fold(attachment.text)
    words = frozenset(text.split())
    said = [(kind, _evidence(kind, False, text, words=words)) for kind in named]
    return [KindFound(kind=kind.value, evidence=[f"name '{attachment.filename}'", *evidence.phrases[:2]])
            for kind, evidence in said if evidence.score >= MIN_SCORE]


def _main_kind(kind: DocumentKind, found: list[KindFound]) -> DocumentKind:
    """What the file mostly is: the kind of most pages (the first of equals, the one it opens with); for kinds
    told by name and text alone, the whole file's own kind."""
    if not any(item.pages for item in found):
        return kind if kind.value in {item.kind for item in found} else DocumentKind(found[0].kind)
    most = max(found, key=lambda item: len(item.pages))  # max keeps the first of equals
    return DocumentKind(most.kind)


def _holds(filename: str, found: list[KindFound]) -> Reason:
    """`kinds` for the reader (labels in their language); `detail`, each kind's pages and evidence, for scripts
    and a reviewer who wants to check."""
    detail = "; ".join(_shown(item) for item in found)
    return reason(ReasonCode.HOLDS_KINDS, file=filename, kinds=",".join(item.kind for item in found), detail=detail)


def _shown(item: KindFound) -> str:
    where = f" ({page_span(item.pages)})" if item.pages else ""
    said = f": {', '.join(item.evidence)}" if item.evidence else ""
    return f"{item.kind}{where}{said}"


def _page_candidates(whole: str, named: frozenset[DocumentKind]) -> dict[DocumentKind, tuple[_Signal, ...]]:
    """The kinds a page could be given, with the phrases the whole file holds: a page says no more than the
    file, so a kind whose phrases in the whole file fall short of PAGE_MIN_SCORE can be no page's kind (and,
    short of it, cannot tie with one that is)."""
    candidates, words = {}, frozenset(whole.split())
    for kind, signals in _TEXT.items():
        present = tuple(_present(signals, whole, words))
        amounts = _AMOUNT_WEIGHT if kind is K.FINANCIAL_OFFER else 0
        bound = sum(s.weight for s in present) + (PAGE_NAME_WEIGHT if kind in named else 0) + amounts
        if present and bound >= PAGE_MIN_SCORE:
            candidates[kind] = present
    return candidates


def score_page(text: str, named: frozenset[DocumentKind] = frozenset(),
               signals: dict[DocumentKind, tuple[_Signal, ...]] | None = None) -> list[PageScore]:
    """Every kind's score for one folded page, best first; a kind the file's name names gets PAGE_NAME_WEIGHT
    ("CV et lettre.docx": its first page is the CV even when it does not say "curriculum vitae")."""
    table, words = _TEXT if signals is None else signals, frozenset(text.split())
    scored = [_evidence(kind, False, text, PAGE_NAME_WEIGHT if kind in named else 0, table[kind], words=words)
              for kind in table]
    ranked = sorted((e for e in scored if e.score), key=lambda e: e.score, reverse=True)
    return [PageScore(e.kind.value, e.score, e.phrases) for e in ranked]


def without_marks(decomposed: str) -> str:
    """The text without its combining characters (accents, Arabic diacritics once decomposed). One regular
    expression over the marks the text holds: a loop over every character costs twice as much, and this runs
    on every document's text, again at each re-triage."""
    marks = "".join(char for char in set(decomposed) if unicodedata.combining(char))
    return re.sub(f"[{re.escape(marks)}]+", "", decomposed) if marks else decomposed


def fold(text: str) -> str:
    """Lower case, no accents or Arabic diacritics, words separated by single spaces, padded with one space
    at each end so that `f" {word} " in fold(text)` matches whole words only."""
    bare = without_marks(unicodedata.normalize("NFKD", text))
    words = re.findall(r"[^\W_]+", bare.casefold().translate(_ARABIC_FOLD))
    return f" {' '.join(words)} "


def fold_name(filename: str) -> str:
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    stem, dot, ext = base.rpartition(".")
    if dot and stem and re.fullmatch(r"[A-Za-z0-9]{1,5}", ext):
        base = stem
    # a name is often glued together: CurriculumVitae, CVAhmed, CV2024
    base = re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])",
                  " ", base)
    return fold(base)


@dataclass(frozen=True)
class _Signal:
    shown: str  # as a reader would write it, for the reasons
    key: str  # folded, padded: matched as whole words
    weight: int
    words: frozenset[str]  # the key's words


def _signals(phrases: tuple[str, ...], weight: int) -> tuple[_Signal, ...]:
    keyed = [(phrase, fold(phrase)) for phrase in phrases]
    return tuple(_Signal(phrase, key, weight, frozenset(key.split())) for phrase, key in keyed)


def _present(signals: tuple[_Signal, ...], folded: str, words: frozenset[str]) -> list[_Signal]:
    """The signals a folded text (whose words are `words`) holds. A phrase is there only if each of its words
    is: looking its words up rules out most phrases before the text is searched for them (those searches were
    most of classify's time, on the daemon's thread, for every document)."""
    return [signal for signal in signals if signal.words <= words and signal.key in folded]


_NAME = {kind: _signals(phrases, NAME_WEIGHT) for kind, phrases in _NAME_SIGNALS.items()}
_TEXT = {
    kind: tuple(signal for weight, phrases in table.items() for signal in _signals(phrases, weight))
    for kind, table in _TEXT_SIGNALS.items()
}


@dataclass(frozen=True)
class _Evidence:
    kind: DocumentKind
    named: bool
    phrases: tuple[str, ...]  # strongest first
    score: int


def _decide(attachment: Attachment, text: str) -> tuple[DocumentKind, list[Reason]]:
    name = attachment.filename
    if is_program(attachment.mime):
        return K.OTHER, [reason(ReasonCode.PROGRAM_NOT_DOCUMENT, file=name, type=attachment.mime)]
    named = _named_kinds(name)
    if attachment.problem:
        return _by_name_only(name, named, attachment.problem.with_file(name))
    if not attachment.text.strip():
        # `detail` keeps what OCR said when it was tried and found nothing (its note, as the readings keep it)
        no_text = reason(ReasonCode.NO_TEXT, file=name, **({"detail": attachment.ocr} if attachment.ocr else {}))
        return _by_name_only(name, named, no_text)
    kind, reasons = _by_score(name, named, text)
    if attachment.ocr:  # the text came from OCR: it may hold mistakes
        return kind, [*reasons, reason(ReasonCode.READ_BY_OCR, file=name, detail=attachment.ocr)]
    return kind, reasons


def kind_from_name(filename: str) -> DocumentKind | None:
    """The kind a file's name alone says, when it says exactly one."""
    named = _named_kinds(filename)
    return named[0] if len(named) == 1 else None


def _named_kinds(filename: str) -> list[DocumentKind]:
    name = fold_name(filename)
    return [kind for kind, signals in _NAME.items() if any(signal.key in name for signal in signals)]


def _by_name_only(filename: str, named: list[DocumentKind], why: Reason) -> tuple[DocumentKind, list[Reason]]:
    if len(named) == 1:
        return named[0], [why, reason(ReasonCode.NAMED_AS, file=filename, kind=named[0].value),
                          reason(ReasonCode.KIND_FROM_NAME, file=filename)]
    if named:
        return K.OTHER, [why, reason(ReasonCode.NAME_AMBIGUOUS, file=filename, kinds=",".join(named))]
    return K.OTHER, [why, reason(ReasonCode.NAME_SAYS_NOTHING, file=filename)]


def _by_score(filename: str, named: list[DocumentKind], text: str) -> tuple[DocumentKind, list[Reason]]:
    words = frozenset(text.split())
    ranked = sorted((_evidence(kind, kind in named, text, words=words) for kind in _TEXT),
                    key=lambda evidence: evidence.score, reverse=True)
    best, second = ranked[0], ranked[1]
    if best.score == 0:
        return K.OTHER, [reason(ReasonCode.NAME_SAYS_NOTHING, file=filename)]
    if best.score < MIN_SCORE:
        weak = reason(ReasonCode.WEAK_EVIDENCE, kind=best.kind.value, score=best.score, needed=MIN_SCORE)
        return K.OTHER, [weak, *_explain(best, filename)]
    if second.score == best.score:
        tie = reason(ReasonCode.TIE, kinds=f"{best.kind.value},{second.kind.value}", score=best.score)
        return K.OTHER, [tie, *_explain(best, filename), *_explain(second, filename)]
    reasons = _explain(best, filename)
    if second.score >= MIN_SCORE:
        reasons.append(reason(ReasonCode.LESS_LIKELY, kind=second.kind.value, score=second.score, best=best.score))
    return best.kind, reasons


def _evidence(kind: DocumentKind, named: bool, text: str, bonus: int = 0,
              signals: tuple[_Signal, ...] | None = None, *, words: frozenset[str]) -> _Evidence:
    """`words`: the folded text's words, split once by the caller, which weighs every kind against the text."""
    matched = _present(_TEXT[kind] if signals is None else signals, text, words)
    # "régularité fiscale" inside "attestation de régularité fiscale" is the same evidence, not more of it
    found = sorted((signal for signal in matched
                    if not any(signal.key != other.key and signal.key in other.key for other in matched)),
                   key=lambda signal: -signal.weight)
    score = sum(signal.weight for signal in found) + (NAME_WEIGHT if named else 0) + (bonus if found else 0)
    phrases = tuple(signal.shown for signal in found)
    if kind is K.FINANCIAL_OFFER and _AMOUNT.search(text):
        score += _AMOUNT_WEIGHT
        phrases = (*phrases, "montants en dirhams")
    return _Evidence(kind, named, phrases, score)


def _explain(evidence: _Evidence, filename: str) -> list[Reason]:
    reasons = [reason(ReasonCode.NAMED_AS, file=filename, kind=evidence.kind.value)] if evidence.named else []
    if evidence.phrases:
        shown = ", ".join(f"'{phrase}'" for phrase in evidence.phrases[:_SHOWN_PHRASES])
        more = max(0, len(evidence.phrases) - _SHOWN_PHRASES)
        reasons.append(reason(ReasonCode.TEXT_MENTIONS, phrases=shown, more=more, kind=evidence.kind.value))
    return reasons
