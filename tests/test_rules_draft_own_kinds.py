"""`rules draft` (#15) maps a document no built-in kind names to a kind of the rule's own (#12): drafted from
the call's words, written as `[kinds.<id>]`, loaded by `rules check`, and then found in a real mail by the
pipeline. The national ID card and the passport are the built-in `identity_document`."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from inbox_bot.cli.main import main
from inbox_bot.core.models import RawMail, Rule, TriageResult, Verdict
from inbox_bot.outgoing.replies import labels
from inbox_bot.rules.draft.build import draft_call
from inbox_bot.rules.draft.own_kinds import drafted_kind, pieces, slug
from inbox_bot.rules.draft.render import as_json, as_toml
from inbox_bot.rules.loader import load_rule
from inbox_bot.triage.pipeline import MemoryHistory, Pipeline
from tests.corpus import texts as t
from tests.mailbuilder import MessageBuilder, make_docx, make_pdf_pages

CALLS = Path(__file__).resolve().parent / "data" / "calls"
PERSON = t.person(7)


def drafted_rule(tmp_path: Path, call: str, rule_id: str) -> Rule:
    """The rule `rules draft` writes for a call, read back as `rules check` reads it."""
    draft = draft_call((CALLS / call).read_text(encoding="utf-8"), rule_id)
    path = tmp_path / f"{rule_id}.toml"
    path.write_text(as_toml(draft, call), encoding="utf-8")
    return load_rule(path)


def triage(rule: Rule, *files: tuple[str, bytes], when: datetime) -> TriageResult:
    builder = (MessageBuilder().sender(PERSON.name, PERSON.address).to(rule.addresses[0])
               .subject(rule.subject or "").message_id(f"{len(files)}@drafted.test")
               .received(when).body("Bonjour, veuillez trouver ci-joint mon dossier de candidature."))
    for name, data in files:
        builder.attach(name, data)
    raw = builder.build()
    mail = RawMail(source="drafted.eml", raw=raw, sha256=hashlib.sha256(raw).hexdigest())
    return Pipeline({rule.id: rule}).triage(mail, MemoryHistory()).result


CV = make_pdf_pages(t.cv_fr(PERSON, "Éducateur spécialisé"))
LETTER = make_pdf_pages(t.letter_fr(PERSON, "éducateur spécialisé"))
CARD = make_pdf_pages([[""]])  # a photo of the card: no text, its name tells it
RECORD = make_pdf_pages([["ROYAUME DU MAROC", "Ministère de la Justice", "Extrait du casier judiciaire",
                          f"Nom : {PERSON.name}", "Bulletin n° 3 : Néant"]])


def test_a_drafted_rule_with_own_kinds_classifies_a_mail_that_carries_them(tmp_path: Path) -> None:
    rule = drafted_rule(tmp_path, "23_educateur_casier.txt", "aaesd-educateur-2026")
    assert set(rule.kinds) == {"extrait_casier_judiciaire", "attestation_inscription_cnss"}
    assert rule.documents.required == ["cover_letter", "cv", "extrait_casier_judiciaire", "identity_document"]
    assert rule.documents.optional == ["attestation_inscription_cnss"]
    record = rule.kinds["extrait_casier_judiciaire"]
    assert record.label == {"fr": "Extrait du casier judiciaire datant de moins de trois mois"}
    assert "casier judiciaire" in record.words["fr"]

    before = datetime(2026, 2, 2, 9, tzinfo=UTC)
    # scan014.pdf is told by its text alone: a name that says nothing, a page that says "casier judiciaire"
    result = triage(rule, ("CV.pdf", CV), ("Lettre de motivation.pdf", LETTER), ("CIN.pdf", CARD),
                    ("scan014.pdf", RECORD), when=before)
    kinds = {document.filename: document.all_kinds() for document in result.documents}
    assert kinds["scan014.pdf"] == ["extrait_casier_judiciaire"], kinds
    assert "identity_document" in kinds["CIN.pdf"]
    assert result.verdict is Verdict.COMPLETE, result.reasons

    missing = triage(rule, ("CV.pdf", CV), ("Lettre de motivation.pdf", LETTER), ("CIN.pdf", CARD), when=before)
    assert missing.missing == ["extrait_casier_judiciaire"]
    assert labels(missing.missing, "fr", rule) == ["Extrait du casier judiciaire datant de moins de trois mois"]


def test_an_arabic_call_gives_arabic_own_kinds_found_in_an_arabic_document(tmp_path: Path) -> None:
    rule = drafted_rule(tmp_path, "24_ar_animateur_sijil.txt", "annakhil-animateur-2026")
    record = rule.kinds["sjl_adly"]
    assert record.label["ar"] == "نسخة من السجل العدلي"
    assert record.label["fr"]  # the model needs a French label: the draft gives the call's words, to translate
    assert record.words == {"ar": ["السجل العدلي"]}
    document = make_docx(["المملكة المغربية", "وزارة العدل", "بطاقة السجل العدلي", "لا شيء"], rtl=True)
    result = triage(rule, ("السيرة الذاتية.pdf", CV), ("وثيقة.docx", document),
                    when=datetime(2026, 3, 1, 9, tzinfo=UTC))
    assert {d.filename: d.all_kinds() for d in result.documents}["وثيقة.docx"] == ["sjl_adly"]
    assert "sjl_adly" not in result.missing
    assert labels(["sjl_adly"], "ar", rule) == ["نسخة من السجل العدلي"]


def test_the_cli_lists_own_kinds_in_the_json_and_writes_a_rule_that_passes_rules_check(tmp_path: Path) -> None:
    call = CALLS / "25_driver_logistics_en.txt"
    result = CliRunner().invoke(main, ["rules", "draft", str(call), "--json"])
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)
    assert got["required"] == ["category_b_driving_licence", "cover_letter", "cv", "identity_document",
                               "police_clearance_certificate"]
    assert "required" in got["review"]
    assert "kinds of this call's own" in result.stderr

    out = tmp_path / "rules" / "trdn-driver-2026.toml"
    out.parent.mkdir()
    assert CliRunner().invoke(main, ["rules", "draft", str(call), "--out", str(out)]).exit_code == 0
    text = out.read_text(encoding="utf-8")
    block = text.split("[kinds.police_clearance_certificate]\n", 1)[1]
    assert block.startswith("# TO REVIEW: a kind of this call's own")
    assert "# from the call: - a police clearance certificate issued less than three months ago." in block
    check = CliRunner().invoke(main, ["rules", "check", str(out.parent)])
    assert check.exit_code == 0, check.output
    rule = load_rule(out)
    # an English call: its label in English, and the French one the model needs, to translate
    assert rule.kinds["category_b_driving_licence"].label["en"] == "A copy of a valid category B driving licence"
    assert "driving licence" in rule.kinds["category_b_driving_licence"].words["en"]


@pytest.mark.parametrize(
    ("text", "required"),
    [
        ("Le dossier doit comprendre : un CV, une lettre de motivation et un extrait du casier judiciaire.",
         ["cover_letter", "cv", "extrait_casier_judiciaire"]),
        ("Dossier de candidature :\n- CV ;\n- Copie de la CIN ou du passeport.", ["cv", "identity_document"]),
        ("الملف المطلوب:\n- السيرة الذاتية؛\n- نسخة من البطاقة الوطنية للتعريف.", ["cv", "identity_document"]),
        ("Required documents:\n- CV\n- Copy of your national ID card", ["cv", "identity_document"]),
        ("Dossier de candidature :\n- CV ;\n- Copie certifiée conforme des diplômes.", ["cv", "diplomes"]),
    ],
)
def test_documents_in_a_list_or_inline_map_to_built_in_or_own_kinds(text: str, required: list[str]) -> None:
    assert as_json(draft_call(text, "a-call"))["required"] == required


def test_what_is_no_document_stays_a_line_to_review_and_never_a_kind() -> None:
    draft = draft_call("Dossier de candidature :\n- CV ;\n- Le tout en format PDF, dans un seul envoi.", "a-call")
    assert draft.kinds == {}
    assert as_json(draft)["required"] == ["cv"]
    assert "documents that name none of our kinds" in draft.review()["required"]
    assert "# asked for, no kind of ours: - Le tout en format PDF, dans un seul envoi." in as_toml(draft, "x")


def test_an_own_kind_is_named_after_the_thing_asked_for() -> None:
    assert pieces("- CV, lettre de motivation et copie du permis de conduire ;") == [
        "CV", "lettre de motivation", "copie du permis de conduire"]
    permit = drafted_kind("copie du permis de conduire", "line")
    assert permit is not None
    assert (permit.id, permit.label, permit.words) == ("permis_conduire", "Copie du permis de conduire",
                                                       ["permis de conduire"])
    assert drafted_kind("précisant vos disponibilités", "line") is None
    assert drafted_kind("avec photo", "line") is None
    assert slug("السجل العدلي") == "sjl_adly"
    assert slug("Références") == "references_own"  # never a built-in kind's id
    assert slug("3 photos d'identité") == "doc_3_photos_identite"


def test_the_templates_own_kind_example_loads_once_uncommented(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["rules", "new", "ong-appel-2027", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    path = tmp_path / "ong-appel-2027.toml"
    text = path.read_text(encoding="utf-8")
    assert "identity_document" in text
    uncommented = "\n".join(
        line[2:] if line.startswith(("# [kinds.", "# label =", "# words =")) else line for line in text.splitlines()
    ).replace('required = ["cv", "cover_letter"]', 'required = ["cv", "cover_letter", "casier_judiciaire"]')
    path.write_text(uncommented, encoding="utf-8")
    rule = load_rule(path)
    assert rule.kinds["casier_judiciaire"].label["fr"] == "extrait du casier judiciaire"
    assert "casier_judiciaire" in rule.documents.required


def test_a_bilingual_item_is_one_own_kind_told_by_both_names() -> None:
    text = ("Dossier de candidature / Application file :\n- CV\n"
            "- Extrait du casier judiciaire / Police clearance certificate")
    draft = draft_call(text, "a-call")
    assert list(draft.kinds) == ["extrait_casier_judiciaire"]
    assert draft.kinds["extrait_casier_judiciaire"].words == [
        "extrait du casier judiciaire", "casier judiciaire", "police clearance certificate", "clearance certificate"]
    assert as_json(draft)["required"] == ["cv", "extrait_casier_judiciaire"]


_WORDS = st.sampled_from([
    "copie", "extrait", "attestation", "du", "de la", "des", "casier", "judiciaire", "diplômes", "CNSS", "a", "of",
    "police", "certificate", "licence", "نسخة", "من", "السجل", "العدلي", "2", "(", ")", "/", "datant", "Réf.",
    "références", "cv", "lettre", "x" * 45, "l'", "ÉÀ", "«", "»", '"', "\\", "=", "[", "]",
])


@settings(max_examples=80, deadline=None)
@given(st.lists(st.lists(_WORDS, min_size=1, max_size=8).map(" ".join), min_size=1, max_size=5))
def test_any_list_of_documents_drafts_a_rule_that_loads(tmp_path_factory: pytest.TempPathFactory,
                                                         items: list[str]) -> None:
    listed = "\n".join(f"- {item} ;" for item in items)
    text = f"Dossier de candidature :\n{listed}\n\nEnvoyer à a@ong.ma au plus tard le 10/05/2026 à 16h00.\n"
    draft = draft_call(text, "fuzzed-call")
    path = tmp_path_factory.mktemp("rules") / "fuzzed-call.toml"
    path.write_text(as_toml(draft, "fuzzed.txt"), encoding="utf-8")
    rule = load_rule(path)
    assert set(rule.kinds) == set(draft.kinds)
    assert set(rule.documents.required) == set(draft.required.value)


def test_what_a_built_in_kind_covers_is_never_an_own_kind() -> None:
    # the names triage/classify.py gives these kinds: a separate own kind would ask for a second file
    text = ("Dossier de candidature :\n- Un plan de travail et un chronogramme ;\n- Le bordereau des prix ;\n"
            "- Copie du registre du commerce et certificat négatif ;\n- Attestation de régularité fiscale.")
    draft = draft_call(text, "a-call")
    assert draft.kinds == {}
    assert as_json(draft)["required"] == [
        "administrative_file", "financial_offer", "methodology_note", "tax_certificate"]
