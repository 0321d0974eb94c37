"""A rule's own kinds of document (issue #12): declared with their labels and words in French, Arabic and
English, required like the built-in ones; page limits checked and said in French."""

from __future__ import annotations

import hashlib
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from inbox_bot.cli.rows import reader, triage_row
from inbox_bot.core.models import RawMail, Rule, TriageResult, Verdict
from inbox_bot.core.reasons import ReasonCode, reason
from inbox_bot.core.wording import render
from inbox_bot.outgoing.digest_lines import why
from inbox_bot.outgoing.replies import labels
from inbox_bot.triage.pipeline import MemoryHistory, Pipeline
from tests.corpus import texts as t
from tests.mailbuilder import MessageBuilder, make_docx, make_pdf_pages
from tests.values import RULES

ROOT = Path(__file__).resolve().parents[1]
BASE = tomllib.loads((ROOT / "rules" / "omp-charge-projet-2026.toml").read_text(encoding="utf-8"))
OWN = {
    "cin": {"label": {"fr": "copie de la CIN", "ar": "نسخة من البطاقة الوطنية", "en": "copy of the ID card"},
            "words": {"fr": ["cin", "carte nationale", "carte d'identité"], "ar": ["البطاقة الوطنية"],
                      "en": ["identity card", "national id"]}},
    "diplomas": {"label": {"fr": "copies des diplômes"},
                 "words": {"fr": ["diplôme", "diplômes", "attestation de réussite"], "en": ["diploma", "degree"]}},
    "criminal_record": {"label": {"fr": "extrait du casier judiciaire"},
                        "words": {"fr": ["casier judiciaire", "fiche anthropométrique"], "ar": ["السجل العدلي"]}},
}
PERSON = t.person(5)


def rule(**changes: object) -> Rule:
    data = {**BASE, "kinds": OWN, "documents": {"required": ["cv", "cin", "diplomas", "criminal_record"],
                                                "max_pages": {"cv": 2}}}
    return Rule.model_validate({**data, **changes})


def triage(the_rule: Rule, *files: tuple[str, bytes], when: datetime = datetime(2026, 4, 20, 9, tzinfo=UTC)
           ) -> TriageResult:
    builder = (MessageBuilder().sender(PERSON.name, PERSON.address).to(the_rule.addresses[0])
               .subject(the_rule.subject or "").message_id(f"{len(files)}@own.test")
               .received(when).body("Bonjour, ci-joint mon dossier."))
    for name, data in files:
        builder.attach(name, data)
    raw = builder.build()
    mail = RawMail(source="own.eml", raw=raw, sha256=hashlib.sha256(raw).hexdigest())
    return Pipeline({the_rule.id: the_rule}).triage(mail, MemoryHistory()).result


CV = make_pdf_pages(t.cv_fr(PERSON, "Chargé de projet"))
DIPLOMA = make_pdf_pages([["Université Mohammed V", "Attestation de réussite", "Master en sciences politiques"]])
RECORD = make_docx(["المملكة المغربية", "بطاقة السجل العدلي", "لا شيء"], rtl=True)


def test_own_kinds_are_found_by_name_or_text_and_satisfy_the_rule() -> None:
    scan = make_pdf_pages([[""]])  # a photo of the card: no text, its name tells it
    result = triage(rule(), ("CV.pdf", CV), ("CIN_recto_verso.pdf", scan), ("scan002.pdf", DIPLOMA),
                    ("وثيقة.docx", RECORD))
    kinds = {d.filename: d.all_kinds() for d in result.documents}
    # the built-in identity_document and the call's own cin both hold: a rule may name either
    assert kinds == {"CV.pdf": ["cv"], "CIN_recto_verso.pdf": ["identity_document", "cin"], "scan002.pdf": ["diplomas"],
                     "وثيقة.docx": ["criminal_record"]}
    assert result.verdict is Verdict.COMPLETE, result.reasons


def test_a_cv_that_lists_its_diplomas_is_no_diploma_and_the_missing_own_kinds_are_said_in_french() -> None:
    result = triage(rule(), ("CV.pdf", make_pdf_pages([[*t.cv_fr(PERSON, "x")[0], "Diplômes : Master, licence"]])))
    assert result.missing == ["cin", "criminal_record", "diplomas"]
    assert reason(ReasonCode.MISSING, kinds="cin,criminal_record,diplomas") in result.reasons
    assert labels(result.missing, "fr", rule()) == ["copie de la CIN", "extrait du casier judiciaire",
                                                   "copies des diplômes"]
    assert labels(result.missing, "ar", rule())[0] == "نسخة من البطاقة الوطنية"
    assert labels(result.missing, "en", rule())[2] == "copies des diplômes"  # no English label: the French one


def test_a_reason_names_the_calls_own_kinds_by_their_labels_wherever_it_is_read() -> None:
    result = triage(rule(), ("CV.pdf", CV))
    missing = next(r for r in result.reasons if r.code is ReasonCode.MISSING)
    assert render(missing, "fr", rule().own_labels("fr")) == (
        "manque : copie de la CIN, extrait du casier judiciaire, copies des diplômes"
    )
    assert "البطاقة الوطنية" in render(missing, "ar", rule().own_labels("ar"))
    over = reason(ReasonCode.PAGES_OVER_LIMIT, file="CIN.pdf", pages=3, limit=1, kind="cin")
    assert why([missing, over], rule()) == ["CIN.pdf : 3 pages, l'appel en permet 1 pour : copie de la CIN"]
    row = triage_row(result, reader({"omp-charge-projet-2026": rule()}, result.call))
    said = [r["text"] for r in row["reasons"] if r["code"] == "missing"]
    assert said == ["manque : copie de la CIN, extrait du casier judiciaire, copies des diplômes"]
    assert row["states"]["cin"]["label"] == "copie de la CIN"
    assert render(missing, "fr") == "manque : cin, criminal_record, diplomas"  # no rule at hand: the ids

def test_a_page_limit_is_checked_and_said_in_french() -> None:
    long_cv = make_pdf_pages([*t.cv_fr(PERSON, "x"), ["Suite du parcours"], ["Publications"]])
    result = triage(rule(documents={"required": ["cv"], "max_pages": {"cv": 2}}), ("CV.pdf", long_cv))
    assert result.verdict is Verdict.NEEDS_REVIEW
    over = reason(ReasonCode.PAGES_OVER_LIMIT, file="CV.pdf", pages=4, limit=2, kind="cv")
    assert over in result.reasons, result.reasons
    assert render(over) == "CV.pdf : 4 pages, l'appel en permet 2 pour : CV"


def test_the_oxfam_method_of_a_combined_offer_counts_its_own_pages_against_the_limit() -> None:
    method = t.methodology("Cabinet", "migration", pages=11)
    offer = make_pdf_pages([*method, *t.financial("Cabinet", 2)])
    result = triage(RULES["oxfam-migration-2022"], ("Offre technique et financière.pdf", offer),
                    when=datetime(2022, 1, 10, 9, tzinfo=UTC))
    assert any(r.code is ReasonCode.PAGES_OVER_LIMIT and r.params["kind"] == "methodology_note"
               for r in result.reasons), result.reasons


@pytest.mark.parametrize(("documents", "kinds", "where"), [
    ({"required": ["cv", "cinn"]}, OWN, ("documents", "required", 1)),
    ({"required": ["cv"], "max_pages": {"diploma": 3}}, OWN, ("documents", "max_pages", "diploma")),
    ({"required": ["cv"]}, {"cv": OWN["cin"]}, ()),
    ({"required": ["cv"]}, {"cin": {"label": {"en": "ID"}, "words": {"fr": ["cin"]}}}, ("kinds", "cin")),
])
def test_a_kind_neither_built_in_nor_declared_is_refused_where_it_is_written(
    documents: dict[str, object], kinds: dict[str, object], where: tuple[object, ...]
) -> None:
    with pytest.raises(ValidationError) as caught:
        rule(documents=documents, kinds=kinds)
    assert caught.value.errors()[0]["loc"] == where
