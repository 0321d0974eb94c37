"""The labelled corpus of issue #12: dossiers as applicants really assemble them, for the five shipped calls.

Combined files (a CV then its letter, a technical then a financial offer, a whole dossier scanned into one
PDF), forwards in each client's style (by the organisation's own staff, or by the applicant), and mail about
something else sent to an address a call shares (spontaneous applications, internship requests, invitations,
in French, Arabic and English). Each mail carries its label: the call, the verdict, the missing kinds, the
kinds of each file, and the applicant.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from tests.corpus import texts as t
from tests.mailbuilder import MessageBuilder, make_docx, make_pdf_pages

OMP = "omdp.direction.2@gmail.com"
OXFAM = "procurement.maroc@oxfam.org"
AJJ = "activites@ajj.org.ma"
ALCI = ("mouvementalci@gmail.com", "recrut.formation2024@gmail.com")


@dataclass(frozen=True)
class File:
    name: str
    data: bytes
    kinds: tuple[str, ...]


@dataclass
class Case:
    name: str
    raw: bytes
    call: str | None
    verdict: str
    missing: list[str]
    kinds: dict[str, list[str]]
    applicant: str
    tags: list[str] = field(default_factory=list)


def pdf(name: str, parts: list[tuple[list[t.Page], str]]) -> File:
    """A PDF made of documents (pages, kind) one after the other."""
    pages = [page for doc, _ in parts for page in doc]
    return File(name, make_pdf_pages(pages), tuple(dict.fromkeys(kind for _, kind in parts)))


def docx(name: str, parts: list[tuple[list[t.Page], str]], *, rtl: bool = False) -> File:
    """A Word file of documents, each after a page break typed by hand."""
    paragraphs: list[str] = []
    for doc, _ in parts:
        for page in doc:
            paragraphs += (["\f"] if paragraphs else []) + page
    return File(name, make_docx(paragraphs, rtl=rtl), tuple(dict.fromkeys(kind for _, kind in parts)))


def arabic_docx(name: str, paragraphs_by_kind: list[tuple[list[str], str]]) -> File:
    paragraphs: list[str] = []
    for lines, _ in paragraphs_by_kind:
        paragraphs += (["\f"] if paragraphs else []) + lines
    return File(name, make_docx(paragraphs, rtl=True), tuple(dict.fromkeys(k for _, k in paragraphs_by_kind)))


def build_mail(name: str, sender: tuple[str, str], to: str, subject: str, body: str, files: list[File],
               when: datetime, *, attached: bytes | None = None) -> bytes:
    builder = (MessageBuilder().sender(*sender).to(to).subject(subject).date(when - timedelta(minutes=1))
               .message_id(f"{name}@corpus.example").received(when, by="mx.corpus.example").body(body))
    for file in files:
        builder.attach(file.name, file.data)
    if attached is not None:
        builder.attach_message(attached, None)
    return builder.build()


def case(name: str, sender: tuple[str, str], to: str, subject: str, body: str, files: list[File], when: datetime,
         *, call: str | None, required: tuple[str, ...] = (), applicant: str | None = None,
         attached: bytes | None = None, inner_files: list[File] | None = None, tags: list[str] | None = None) -> Case:
    everything = [*files, *(inner_files or [])]
    held = {kind for file in everything for kind in file.kinds}
    missing = sorted(set(required) - held) if call else []
    verdict = "unmatched" if call is None else ("incomplete" if missing else "complete")
    return Case(name, build_mail(name, sender, to, subject, body, files, when, attached=attached), call, verdict,
                missing, {f.name: sorted(f.kinds) for f in everything}, applicant or sender[1], tags or [])


# ---------------------------------------------------------------- bodies, as applicants write them

BODIES_FR = [
    "Bonjour,\n\nVeuillez trouver ci-joint mon dossier de candidature.\n\nCordialement,\n{name}",
    "Madame, Monsieur,\n\nSuite à votre annonce, je vous prie de trouver en pièce jointe ma candidature.\n"
    "Je reste à votre disposition.\n\nBien à vous,\n{name}\n{phone}",
    "Bonsoir,\nci-joint les documents demandés.\nMerci\n{name}",
    "Bonjour Madame, Monsieur,\n\nJe me permets de vous adresser ma candidature. Vous trouverez en PJ "
    "l'ensemble des pièces.\n\nSincères salutations\n{name}",
]
BODIES_EN = ["Dear Sir or Madam,\n\nPlease find attached my application.\n\nBest regards,\n{name}",
             "Hello,\n\nAttached are the documents requested in the call.\n\nKind regards,\n{name}"]
BODY_AR = "السلام عليكم،\n\nتجدون رفقته ملف ترشيحي.\n\nمع خالص التحيات،\n{name}"


def body(index: int, name: str, language: str = "fr") -> str:
    pool = {"fr": BODIES_FR, "en": BODIES_EN, "ar": [BODY_AR]}[language]
    return pool[index % len(pool)].format(name=name, phone=f"06 {index:02d} 12 34 56")


# ---------------------------------------------------------------- OMP: project officer

OFFICER = "omp-charge-projet-2026"
OFFICER_REQUIRED = ("cover_letter", "cv", "references")
OFFICER_SUBJECTS = ["Candidature_chargé(e) de projet_OMP", "Candidature chargée de projet OMP",
                    "candidature_charge de projet_OMP", "Candidature_chargé de projet_OMP",
                    "CANDIDATURE_CHARGE(E) DE PROJET_OMP"]


def officer_files(i: int, p: t.Person) -> list[File]:
    role, post = "Chargé(e) de projet", "chargé(e) de projet"
    cv, letter, refs = t.cv_fr(p, role), t.letter_fr(p, post), t.referees(p)
    layouts: list[Callable[[], list[File]]] = [
        lambda: [pdf(f"CV_{p.last}.pdf", [(cv, "cv")]), pdf("Lettre_motivation.pdf", [(letter, "cover_letter")]),
                 pdf("Références.pdf", [(refs, "references")])],
        lambda: [pdf("Candidature_complete.pdf", [(cv, "cv"), (letter, "cover_letter")]),
                 docx(f"refs_{p.last.lower().replace(' ', '')}.docx", [(refs, "references")])],
        lambda: [pdf("doc.pdf", [(cv, "cv"), (letter, "cover_letter")])],
        lambda: [pdf(f"CV {p.name}.pdf", [(cv, "cv")]), docx("LM.docx", [(t.letter_en(p, post), "cover_letter")])],
        lambda: [pdf(f"Dossier_{p.last}.pdf", [(cv, "cv"), (letter, "cover_letter"), (refs, "references")])],
        lambda: [docx("CV_et_lettre.docx", [(cv, "cv"), (letter, "cover_letter")]),
                 pdf("Recommandations.pdf", [(refs, "references")])],
    ]
    return layouts[i % len(layouts)]()


def officers() -> Iterator[Case]:
    for i in range(30):
        p = t.person(i)
        when = datetime(2026, 4, 14, 8, tzinfo=UTC) + timedelta(hours=7 * i)
        yield case(f"officer-{i:02d}", (p.name, p.address), OMP, OFFICER_SUBJECTS[i % len(OFFICER_SUBJECTS)],
                   body(i, p.name), officer_files(i, p), when, call=OFFICER, required=OFFICER_REQUIRED)


# ---------------------------------------------------------------- OMP: consultancy firm

CABINET = "omp-cabinet-2026"
CABINET_REQUIRED = ("administrative_file", "cv", "financial_offer", "methodology_note", "references")
CABINET_SUBJECTS = ["Candidature_ Consultation_Cabinet_Projet OMP", "Candidature Consultation Cabinet Projet OMP",
                    "Candidature_Consultation_Cabinet_Projet OMP - offre",
                    "candidature consultation cabinet projet omp"]


def cabinet_files(i: int, name: str) -> list[File]:
    method, price = t.methodology(name, "renforcement des capacités organisationnelles de l'OMP"), t.financial(name, i)
    admin, refs, cvs = t.administrative(name, i), t.references(name), t.team_cvs(name, i)
    layouts: list[Callable[[], list[File]]] = [
        lambda: [pdf("Offre technique et financière.pdf", [(method, "methodology_note"), (price, "financial_offer")]),
                 pdf("Dossier_administratif.pdf", [(admin, "administrative_file")]),
                 pdf("References.pdf", [(refs, "references")]), pdf("CV_equipe.pdf", [(cvs, "cv")])],
        lambda: [pdf("Offre_technique.pdf", [(method, "methodology_note")]),
                 pdf("Offre_financiere.pdf", [(price, "financial_offer")]),
                 pdf("Dossier administratif.pdf", [(admin, "administrative_file")]),
                 pdf("Références.pdf", [(refs, "references")]), pdf("CVs.pdf", [(cvs, "cv")])],
        lambda: [pdf("Offre technique et financière.pdf", [(method, "methodology_note"), (price, "financial_offer")]),
                 pdf("CV_experts.pdf", [(cvs, "cv")])],
        lambda: [pdf("Dossier complet.pdf", [(admin, "administrative_file"), (method, "methodology_note"),
                                             (price, "financial_offer"), (refs, "references"), (cvs, "cv")])],
        lambda: [pdf("Proposition.pdf", [(method, "methodology_note"), (price, "financial_offer")]),
                 pdf("Administratif.pdf", [(admin, "administrative_file")]),
                 pdf("Attestation de bonne exécution.pdf", [(t.attestation_bonne_execution(name), "references")]),
                 pdf("CV.pdf", [(cvs, "cv")])],
    ]
    return layouts[i % len(layouts)]()


def cabinets() -> Iterator[Case]:
    for i in range(20):
        name, p = t.firm(i), t.person(100 + i)
        when = datetime(2026, 4, 25, 9, tzinfo=UTC) + timedelta(hours=9 * i)
        sender = (f"{p.name} - {name}", p.address)
        yield case(f"cabinet-{i:02d}", sender, OMP, CABINET_SUBJECTS[i % len(CABINET_SUBJECTS)], body(i, p.name),
                   cabinet_files(i, name), when, call=CABINET, required=CABINET_REQUIRED)


# ---------------------------------------------------------------- Oxfam: migration consultancy

OXFAM_CALL = "oxfam-migration-2022"
OXFAM_REQUIRED = ("code_of_conduct", "cv", "financial_offer", "methodology_note", "signed_terms", "tax_certificate")
OXFAM_SUBJECTS = ["Consultance migration - policy paper", "Soumission : consultance baromètre national migration",
                  "Offre pour la consultance Protection - Résilience - Migrations",
                  "Candidature consultance migration (policy paper et ateliers)",
                  "Proposal - migration consultancy"]


def oxfam_files(i: int, name: str) -> list[File]:
    subject = "policy paper et baromètre national sur la migration"
    method, price = t.methodology(name, subject), t.financial(name, i)
    cv, taxes = t.team_cvs(name, i)[:1], t.tax(name, i)
    code, cga = t.code_of_conduct(name), t.terms(name)
    layouts: list[Callable[[], list[File]]] = [
        lambda: [pdf(f"Dossier_{name.split()[-1]}.pdf", [(cv, "cv"), (method, "methodology_note"),
                                                         (price, "financial_offer"), (taxes, "tax_certificate"),
                                                         (code, "code_of_conduct"), (cga, "signed_terms")])],
        lambda: [pdf("CV.pdf", [(cv, "cv")]), pdf("Note_methodologique.pdf", [(method, "methodology_note")]),
                 pdf("Offre_financiere.pdf", [(price, "financial_offer")]),
                 pdf("Attestation_fiscale.pdf", [(taxes, "tax_certificate")]),
                 pdf("Code_de_conduite_signe.pdf", [(code, "code_of_conduct")]),
                 pdf("CGA_signees.pdf", [(cga, "signed_terms")])],
        lambda: [pdf("Offre technique et financière.pdf", [(method, "methodology_note"), (price, "financial_offer")]),
                 pdf("CV consultant.pdf", [(cv, "cv")]), pdf("Attestation fiscale.pdf", [(taxes, "tax_certificate")]),
                 pdf("Code conduite.pdf", [(code, "code_of_conduct")]),
                 pdf("Conditions generales.pdf", [(cga, "signed_terms")])],
        lambda: [pdf("Offre technique et financière.pdf", [(method, "methodology_note"), (price, "financial_offer")]),
                 pdf("CV.pdf", [(cv, "cv")]), pdf("IF.pdf", [(taxes, "tax_certificate")])],
        lambda: [pdf("Documents signés.pdf", [(code, "code_of_conduct"), (cga, "signed_terms")]),
                 pdf("Offre technique.pdf", [(method, "methodology_note")]),
                 pdf("Offre financière.pdf", [(price, "financial_offer")]),
                 pdf("CV_chef_de_mission.pdf", [(cv, "cv")]),
                 pdf("Attestation_regularite_fiscale.pdf", [(taxes, "tax_certificate")])],
    ]
    return layouts[i % len(layouts)]()


def oxfams() -> Iterator[Case]:
    for i in range(25):
        name, p = t.firm(i + 3), t.person(200 + i)
        when = datetime(2022, 1, 5, 10, tzinfo=UTC) + timedelta(hours=11 * i)
        yield case(f"oxfam-{i:02d}", (p.name, p.address), OXFAM, OXFAM_SUBJECTS[i % len(OXFAM_SUBJECTS)],
                   body(i, p.name, "en" if i % 5 == 4 else "fr"), oxfam_files(i, name), when, call=OXFAM_CALL,
                   required=OXFAM_REQUIRED)


# ---------------------------------------------------------------- HAKAMA: communication strategy

HAKAMA = "hakama-communication-2026"
HAKAMA_REQUIRED = ("cv", "financial_offer", "methodology_note")
HAKAMA_SUBJECTS = ["Candidature - stratégie de communication HAKAMA",
                   "Offre pour le plan de communication du collectif Hakama", "ترشيح لإعداد الاستراتيجية التواصلية",
                   "Proposition branding digital - Hakama"]
ARABIC_METHOD = ["# العرض التقني", "المقاربة المنهجية", "خطة العمل والجدول الزمني", "المنهجية التشاركية"]
ARABIC_PRICE = ["# العرض المالي", "المبلغ الإجمالي: 60000 درهم", "الأتعاب اليومية 3000 درهم"]


def hakama_files(i: int, name: str, p: t.Person) -> list[File]:
    method, price = t.methodology(name, "stratégie de communication du collectif HAKAMA"), t.financial(name, i)
    layouts: list[Callable[[], list[File]]] = [
        lambda: [pdf("Offre technique et financière.pdf", [(method, "methodology_note"), (price, "financial_offer")]),
                 pdf(f"CV_{p.last}.pdf", [(t.cv_fr(p, "Consultant(e) en communication"), "cv")])],
        lambda: [arabic_docx("العرض التقني والمالي.docx", [(ARABIC_METHOD, "methodology_note"),
                                                            (ARABIC_PRICE, "financial_offer")]),
                 arabic_docx("السيرة الذاتية.docx", [(t.cv_ar(p, "مستشار في التواصل"), "cv")])],
        lambda: [pdf("Offre_technique.pdf", [(method, "methodology_note")]),
                 pdf("CV.pdf", [(t.cv_en(p, "Communication consultant"), "cv")])],
    ]
    return layouts[i % len(layouts)]()


def hakamas() -> Iterator[Case]:
    for i in range(15):
        name, p = t.firm(i + 5), t.person(300 + i)
        when = datetime(2026, 5, 10, 9, tzinfo=UTC) + timedelta(hours=13 * i)
        language = "ar" if i % 3 == 1 else "fr"
        yield case(f"hakama-{i:02d}", (p.name, p.address), AJJ, HAKAMA_SUBJECTS[i % len(HAKAMA_SUBJECTS)],
                   body(i, p.name, language), hakama_files(i, name, p), when, call=HAKAMA, required=HAKAMA_REQUIRED)


# ---------------------------------------------------------------- ALCI: good-practice guide

ALCI_CALL = "alci-guide-2024"
ALCI_REQUIRED = ("cv", "financial_offer", "methodology_note")
ALCI_SUBJECTS = ["Guide des bonnes pratiques", "Candidature - Guide des bonnes pratiques",
                 "Offre : guide des bonnes pratiques (AMUSSU)"]


def alci_files(i: int, name: str, p: t.Person) -> list[File]:
    method = t.methodology(name, "guide des bonnes pratiques de participation citoyenne")
    price, cv = t.financial(name, i), t.cv_fr(p, "Consultant(e) indépendant(e)")
    if i % 2:
        return [pdf("Candidature.pdf", [(cv, "cv"), (method, "methodology_note"), (price, "financial_offer")])]
    offer = pdf("Offre technique et financière - Guide.pdf", [(method, "methodology_note"), (price, "financial_offer")])
    return [offer, pdf("CV.pdf", [(cv, "cv")])]


def alcis() -> Iterator[Case]:
    for i in range(10):
        name, p = t.firm(i + 1), t.person(400 + i)
        when = datetime(2023, 12, 20, 9, tzinfo=UTC) + timedelta(hours=10 * i)
        yield case(f"alci-{i:02d}", (p.name, p.address), ALCI[i % 2], ALCI_SUBJECTS[i % len(ALCI_SUBJECTS)],
                   body(i, p.name), alci_files(i, name, p), when, call=ALCI_CALL, required=ALCI_REQUIRED)
