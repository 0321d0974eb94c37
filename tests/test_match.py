"""Which call a mail belongs to: recipients and subject, as applicants really type them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inbox_bot.triage.match import match, normalise, normalise_subject
from tests.values import RULES, doc, english, mail

OMP = "omdp.direction.2@gmail.com"


def call_of(subject: str, *, to: str = OMP, body: str = "", documents=(), texts=()) -> str | None:  # type: ignore[no-untyped-def]
    return match(mail(subject, to=to, body=body), list(documents), list(texts), RULES.values()).call


@pytest.mark.parametrize(
    "subject",
    [
        "Candidature_ Consultation_Cabinet_Projet OMP",
        "candidature consultation cabinet projet omp",
        "CANDIDATURE_CONSULTATION_CABINET_PROJET_OMP",
        "RE: Candidature_ Consultation_Cabinet_Projet OMP",
        "TR: Fwd: Candidature - Consultation - Cabinet - Projet OMP",
        "Candidature Consultation Cabinett Projet OMP",  # a typo
        "Candidature consultation cabinet projet OPM",  # the acronym mistyped: the distinctive words decide
        "Candidature_Consultation Cabinet",
    ],
)
def test_omp_cabinet_subject_variants(subject: str) -> None:
    assert call_of(subject) == "omp-cabinet-2026"


@pytest.mark.parametrize(
    "subject",
    [
        "Candidature_chargé(e) de projet_OMP",
        "Candidature chargee de projet OMP",
        "candidature_charge(e) de projet_omp",
        "Re: Candidature - Chargé de projet - OMP",
        "Candidature au poste de chargée de projet",
    ],
)
def test_omp_project_officer_subject_variants(subject: str) -> None:
    assert call_of(subject) == "omp-charge-projet-2026"


@pytest.mark.parametrize(
    "subject",
    [
        "Candidature_Consultation_Formateur_Projet OMP",  # another OMP consultation
        "Demande de stage",
        "Invitation : journée d'étude",
        "",
    ],
)
def test_near_miss_and_other_subjects_at_the_omp_address_are_unmatched(subject: str) -> None:
    assert call_of(subject) is None


def test_shared_address_with_nothing_to_tell_calls_apart_is_ambiguous() -> None:
    result = match(mail("Candidature", body="Veuillez trouver ci-joint mon dossier."), [], [], RULES.values())
    assert result.call is None


def test_encoded_and_accented_alci_reference() -> None:
    assert call_of("Guide des Bonnes Pratiques", to="mouvementalci@gmail.com") == "alci-guide-2024"
    assert call_of("TR: guide bonnes pratiques", to="recrut.formation2024@gmail.com") == "alci-guide-2024"


def test_alci_reference_given_only_in_the_body() -> None:
    body = "Bonjour,\nSuite à votre appel (référence « Guide des bonnes pratiques »), voici mon dossier."
    assert call_of("Candidature", to="mouvementalci@gmail.com", body=body) == "alci-guide-2024"


def test_right_subject_to_the_wrong_address_is_unmatched() -> None:
    assert call_of("Candidature_ Consultation_Cabinet_Projet OMP", to="contact@example.org") is None


OXFAM = "procurement.maroc@oxfam.org"
HAKAMA = "activites@ajj.org.ma"


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        ("Candidature consultance migration", ""),
        ("Soumission : policy paper et baromètre national", ""),
        ("Candidature", "Je vous soumets mon offre pour la consultation sur la situation des personnes migrantes."),
    ],
)
def test_oxfam_mail_about_the_call(subject: str, body: str) -> None:
    assert call_of(subject, to=OXFAM, body=body) == "oxfam-migration-2022"


def test_oxfam_application_documents_alone_tie_a_mail_with_a_bare_subject() -> None:
    documents = [doc("methodology_note"), doc("financial_offer"), doc("cv")]
    assert call_of("Candidature", to=OXFAM, documents=documents) == "oxfam-migration-2022"


@pytest.mark.parametrize(
    ("subject", "documents"),
    [
        ("Offre de mobilier de bureau", [doc("financial_offer")]),
        ("Invitation à l'atelier régional sur la gouvernance", []),
        ("Candidature spontanée", [doc("cv"), doc("cover_letter")]),
        ("Appel d'offres fourniture de kits d'hygiène", [doc("methodology_note"), doc("financial_offer")]),
    ],
)
def test_oxfam_address_noise_is_unmatched(subject: str, documents) -> None:  # type: ignore[no-untyped-def]
    assert call_of(subject, to=OXFAM, documents=documents) is None


def test_hakama_by_topic_in_attachment_text() -> None:
    texts = ["Note méthodologique pour l'élaboration de la stratégie de communication et du branding digital"]
    assert call_of("Candidature", to=HAKAMA, documents=[doc("methodology_note")], texts=texts) == (
        "hakama-communication-2026"
    )


def test_every_match_says_why() -> None:
    result = match(mail("RE: candidature consultation cabinet projet OMP"), [], [], RULES.values())
    assert result.reasons and "omp-cabinet-2026" in english(result.reasons)[0]


def test_normalisation() -> None:
    assert normalise("Chargé(e)_de  Projet—OMP") == "charge e de projet omp"
    assert normalise_subject("RE : TR: Fwd:Candidature") == "candidature"
    assert normalise("السِّيرة الذاتية") == normalise("السيرة الذاتية")


@given(st.text(max_size=300), st.text(max_size=300))
def test_matcher_never_raises_on_any_text(subject: str, body: str) -> None:
    result = match(mail(subject, body=body), [], [body], RULES.values())
    assert result.call is None or result.call in RULES
    assert result.reasons
