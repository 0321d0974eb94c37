"""What kind of document a file is, from its name and its text, in French, Arabic and English."""

from __future__ import annotations

import ast
import hashlib
from pathlib import Path

import pytest

from inbox_bot.core.models import Attachment, DocumentKind
from inbox_bot.core.reasons import Reason, reason
from inbox_bot.core.reasons import ReasonCode as C
from inbox_bot.triage.attachments import read_attachments
from inbox_bot.triage.classify import classify, fold
from tests.docmakers import make_docx, make_pdf, make_png, make_zip
from tests.values import codes, english

K = DocumentKind


def attachment(filename: str, text: str = "", *, mime: str = "application/pdf", problem: Reason | None = None,
               inside: str | None = None, pages: int | None = None) -> Attachment:
    return Attachment(
        filename=filename, safe_name="x.pdf", mime=mime, size=1234, content=b"",
        sha256=hashlib.sha256(filename.encode()).hexdigest(), text=text, pages=pages, problem=problem,
        inside=inside,
    )


def kind_of(filename: str, text: str = "", **kwargs: str) -> DocumentKind:
    return classify(attachment(filename, text, **kwargs)).kind


def read(filename: str, data: bytes) -> Attachment:
    (found,) = read_attachments([(filename, data)])
    assert found.problem is None, found.problem
    return found


CV_FR = ["Karim Alaoui", "Curriculum vitae", "Expérience professionnelle", "2019-2024 : chargé de projet, Rabat",
         "Formation", "Master en sciences politiques", "Compétences", "Langues : arabe, français, anglais"]
PRICE_TABLE = ["Désignation    Quantité    Prix unitaire    Montant",
               "Atelier régional    3    15 000,00 DH    45 000,00", "Total HT    45 000,00",
               "TVA 20 %    9 000,00", "Total TTC    54 000,00 MAD"]
METHODOLOGY_EN = ["Technical proposal", "1. Understanding of the assignment", "2. Methodology and approach",
                  "3. Work plan and timeline", "The budget and the calendar are set out in the annex.",
                  "4. Deliverables"]


# ---------------------------------------------------------------- by name


@pytest.mark.parametrize(("filename", "kind"), [
    ("CV.pdf", K.CV), ("cv-karim.docx", K.CV), ("Resume_John.pdf", K.CV), ("CV_Ahmed.pdf", K.CV),
    ("cvs_equipe.pdf", K.CV), ("CurriculumVitae.pdf", K.CV), ("CV2024.pdf", K.CV), ("C.V. Sara.pdf", K.CV),
    ("السيرة_الذاتية.pdf", K.CV),
    ("lettre_motivation.pdf", K.COVER_LETTER), ("LM_Sara.pdf", K.COVER_LETTER),
    ("Cover Letter.docx", K.COVER_LETTER), ("رسالة تحفيز.pdf", K.COVER_LETTER),
    ("Offre_Financiere_Cabinet.pdf", K.FINANCIAL_OFFER), ("OFFRE FINANCIÈRE.pdf", K.FINANCIAL_OFFER),
    ("Budget_detaille.xlsx", K.FINANCIAL_OFFER), ("العرض_المالي.pdf", K.FINANCIAL_OFFER),
    ("Note_methodologique.docx", K.METHODOLOGY_NOTE), ("Proposition-Technique.pdf", K.METHODOLOGY_NOTE),
    ("References_missions.pdf", K.REFERENCES), ("Attestations_de_bonne_execution.pdf", K.REFERENCES),
    ("Dossier_administratif.pdf", K.ADMINISTRATIVE_FILE), ("RC.pdf", K.ADMINISTRATIVE_FILE),
    ("Statuts association.pdf", K.ADMINISTRATIVE_FILE), ("Attestation CNSS.pdf", K.ADMINISTRATIVE_FILE),
    ("Attestation_fiscale.pdf", K.TAX_CERTIFICATE), ("Attestation IF.pdf", K.TAX_CERTIFICATE),
    ("Code_de_conduite_signé.pdf", K.CODE_OF_CONDUCT), ("Oxfam non-staff code of conduct.pdf", K.CODE_OF_CONDUCT),
    ("Conditions_generales_achat_signees.pdf", K.SIGNED_TERMS), ("Terms and Conditions.pdf", K.SIGNED_TERMS),
])
def test_kind_from_the_name_when_there_is_no_text(filename: str, kind: DocumentKind) -> None:
    document = classify(attachment(filename, mime="image/jpeg"))
    assert document.kind is kind
    assert reason(C.NAMED_AS, file=filename, kind=kind.value) in document.reasons
    assert codes(document.reasons) == [C.NO_TEXT, C.NAMED_AS, C.KIND_FROM_NAME]


@pytest.mark.parametrize("filename", ["acvx.pdf", "recv.pdf", "Document1.pdf", "scan001.pdf", "IMG_2024.jpg",
                                      "justice.pdf", "motif.pdf"])
def test_words_inside_other_words_say_nothing(filename: str) -> None:
    document = classify(attachment(filename, mime="image/jpeg"))
    assert document.kind is K.OTHER
    assert document.reasons == [reason(C.NO_TEXT, file=filename), reason(C.NAME_SAYS_NOTHING, file=filename)]


def test_a_name_that_says_two_kinds_and_no_text_is_other() -> None:
    document = classify(attachment("CV_et_lettre_de_motivation.pdf"))
    assert document.kind is K.OTHER
    name = "CV_et_lettre_de_motivation.pdf"
    assert document.reasons[1] == reason(C.NAME_AMBIGUOUS, file=name, kinds="cv,cover_letter")


# ---------------------------------------------------------------- by content (real files)


def test_document1_pdf_holding_a_cv_is_a_cv() -> None:
    document = classify(read("Document1.pdf", make_pdf(CV_FR)))
    assert document.kind is K.CV
    assert english(document.reasons) == [
        "text mentions 'curriculum vitae', 'expérience professionnelle', 'formation', 'compétences' "
        "and 1 more (CV)"
    ]


def test_scan001_pdf_holding_a_price_table_is_a_financial_offer() -> None:
    document = classify(read("scan001.pdf", make_pdf(PRICE_TABLE)))
    assert document.kind is K.FINANCIAL_OFFER
    assert english(document.reasons)[0].startswith("text mentions 'prix unitaire', 'total ttc'")
    assert document.reasons[0].params["kind"] == "financial_offer"


def test_arabic_cv_in_a_word_file() -> None:
    data = make_docx(["كريم العلوي", "السيرة الذاتية", "الخبرة المهنية", "2019 - 2024 مكلف بمشروع، الرباط",
                      "التكوين", "ماستر في العلوم السياسية", "اللغات: العربية، الفرنسية"])
    document = classify(read("ملف.docx", data))
    assert document.kind is K.CV
    assert "'السيرة الذاتية'" in document.reasons[0].params["phrases"]


def test_arabic_with_hamza_and_diacritics_still_matches() -> None:
    # "الملف الإداري" written with a hamza, harakat and a tatweel, as word processors and PDFs produce
    text = "الْمَلَفُّ الإداري\nالسجـل التجاري\nوصل الإيداع"
    assert kind_of("وثيقة.pdf", text) is K.ADMINISTRATIVE_FILE


def test_english_methodology_note_that_mentions_budget_and_calendar() -> None:
    document = classify(read("proposal.pdf", make_pdf(METHODOLOGY_EN)))
    assert document.kind is K.METHODOLOGY_NOTE
    assert "'technical proposal'" in document.reasons[0].params["phrases"]


def test_french_methodology_note_that_speaks_of_experience_and_training() -> None:
    text = ("Note méthodologique. Notre approche méthodologique s'appuie sur l'expérience professionnelle de "
            "l'équipe et des ateliers de formation. Chronogramme, budget et calendrier en annexe.")
    assert kind_of("Document2.pdf", text) is K.METHODOLOGY_NOTE


def test_cover_letter_that_speaks_of_experience_and_training() -> None:
    data = make_pdf(["Madame, Monsieur,", "J'ai l'honneur de vous soumettre ma candidature.",
                     "Mon expérience professionnelle et ma formation en gestion de projets ...",
                     "Je vous prie d'agréer, Madame, Monsieur, mes salutations distinguées."])
    assert classify(read("Document3.pdf", data)).kind is K.COVER_LETTER


@pytest.mark.parametrize(("text", "kind"), [
    ("ATTESTATION DE RÉGULARITÉ FISCALE\nDirection Générale des Impôts\nIdentifiant fiscal : 1234567",
     K.TAX_CERTIFICATE),
    ("Liste des références\nIntitulé de la mission | Maître d'ouvrage | Année de réalisation\nMissions similaires",
     K.REFERENCES),
    ("OXFAM NON-STAFF CODE OF CONDUCT\nI agree not to engage in sexual exploitation", K.CODE_OF_CONDUCT),
    ("Conditions générales d'achat d'Oxfam\nLu et approuvé", K.SIGNED_TERMS),
    ("Statuts de l'association\nPV de l'assemblée générale\nRécépissé de dépôt", K.ADMINISTRATIVE_FILE),
    ("Dear Sir or Madam,\nI am writing to apply for the position.\nYours faithfully", K.COVER_LETTER),
])
def test_kind_from_content(text: str, kind: DocumentKind) -> None:
    assert kind_of("Document1.pdf", text) is kind


def test_firm_letterhead_alone_does_not_make_an_administrative_file() -> None:
    text = "Note méthodologique\nPlan de travail\nCabinet X - RC 1234 - ICE 0012 - CNSS 55 - Patente 88"
    assert kind_of("Doc.pdf", text) is K.METHODOLOGY_NOTE


def test_name_and_text_add_up() -> None:
    document = classify(attachment("CV_Ahmed.pdf", "Expérience professionnelle\nLangues"))
    assert document.kind is K.CV
    assert english(document.reasons) == ["name 'CV_Ahmed.pdf' says CV",
                                         "text mentions 'expérience professionnelle', 'langues' (CV)"]


def test_strong_text_outweighs_a_misleading_name() -> None:
    document = classify(attachment("CV.pdf", "\n".join(PRICE_TABLE)))
    assert document.kind is K.FINANCIAL_OFFER
    assert document.reasons[-1] == reason(C.LESS_LIKELY, kind="cv", score=4, best=14)


def test_text_that_says_nothing_is_other() -> None:
    document = classify(attachment("Document1.pdf", "Lorem ipsum dolor sit amet, consectetur."))
    assert document.kind is K.OTHER
    assert document.reasons == [reason(C.NAME_SAYS_NOTHING, file="Document1.pdf")]


def test_weak_evidence_is_other() -> None:
    document = classify(attachment("Document1.pdf", "Le budget sera discuté."))
    assert document.kind is K.OTHER
    assert english(document.reasons) == ["weak evidence: best guess financial offer scores 1, 3 needed",
                                         "text mentions 'budget' (financial offer)"]


def test_a_tie_is_other() -> None:
    document = classify(attachment("Document1.pdf", "Curriculum vitae\nLettre de motivation"))
    assert document.kind is K.OTHER
    assert document.reasons[0] == reason(C.TIE, kinds="cv,cover_letter", score=3)


# ---------------------------------------------------------------- files that could not be read


def test_unreadable_file_keeps_a_clear_name() -> None:
    document = classify(attachment("CV.pdf", problem=reason(C.PASSWORD_PROTECTED)))
    assert document.kind is K.CV
    assert english(document.reasons) == ["CV.pdf: password-protected", "name 'CV.pdf' says CV",
                                         "CV.pdf: could not be read, kind taken from its name"]


def test_unreadable_file_with_an_unclear_name_is_other() -> None:
    document = classify(attachment("Document1.pdf", problem=reason(C.UNREADABLE_FILE, detail="PDF: EOF")))
    assert document.kind is K.OTHER
    assert english(document.reasons)[0] == "Document1.pdf: corrupt or unreadable PDF: EOF"


def test_a_program_is_never_a_document() -> None:
    disguised = reason(C.DISGUISED_TYPE, real="executable", named="pdf")
    document = classify(attachment("CV.pdf", mime="application/x-dosexec", problem=disguised))
    assert document.kind is K.OTHER
    assert document.reasons == [reason(C.PROGRAM_NOT_DOCUMENT, file="CV.pdf", type="application/x-dosexec")]


def test_scanned_image_by_name_through_the_reader() -> None:
    document = classify(read("Attestation fiscale.png", make_png()))
    assert document.kind is K.TAX_CERTIFICATE


# ---------------------------------------------------------------- what is copied, and purity


def test_fields_are_copied() -> None:
    source = attachment("CV.pdf", "Curriculum vitae", inside="dossier.zip", pages=2, problem=None)
    document = classify(source)
    assert (document.filename, document.mime, document.size, document.sha256, document.pages,
            document.problem, document.inside) == (
        "CV.pdf", "application/pdf", 1234, source.sha256, 2, None, "dossier.zip")


def test_members_of_a_zip_keep_their_archive() -> None:
    archive = make_zip({"a/CV.pdf": make_pdf(CV_FR)})
    (document,) = [classify(found) for found in read_attachments([("dossier.zip", archive)])]
    assert (document.filename, document.kind, document.inside) == ("CV.pdf", K.CV, "dossier.zip")


def test_fold() -> None:
    assert fold("Offre_Financière-Cabinet.PDF") == " offre financiere cabinet pdf "
    assert fold("Je vous prie d'agréer") == " je vous prie d agreer "
    assert fold("الإداريـة") == fold("الاداريه")


@pytest.mark.parametrize("module", ["classify.py", "pages.py", "own_kinds.py"])
def test_classify_is_pure(module: str) -> None:
    source = Path(__file__).resolve().parents[1] / "inbox_bot" / "triage" / module
    imported = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
    assert imported <= {"__future__", "re", "unicodedata", "dataclasses", "collections.abc",
                        "inbox_bot.core.models", "inbox_bot.core.reasons", "inbox_bot.triage.pages",
                        "inbox_bot.triage.classify"}
