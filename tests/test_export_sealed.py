"""Two envelopes (`sealed = ["financial_offer"]`): the financial offers stay out of every export, the digest and
`show` until `unseal` records who opened them and when; then they come in, for good, and every export says so."""

from __future__ import annotations

import csv
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from inbox_bot.core.models import DocumentKind
from inbox_bot.operator.export_model import combined
from inbox_bot.outgoing import digest
from inbox_bot.rules.loader import load_rules
from inbox_bot.storage.export_rows import DocumentRow
from tests.exportkit import (
    OXFAM,
    OXFAM_MAIL,
    SEALED,
    config_with_rules,
    every_text,
    files_under,
    oxfam_applicants,
    rows,
    workbook,
)
from tests.opkit import json_lines, open_store, record, run
from tests.smtpd import smtp_settings

FINANCIAL_NAMES = ("offre.pdf",)


@pytest.fixture
def sealed(tmp_path: Path) -> Path:
    config = config_with_rules(tmp_path, **{OXFAM: SEALED})
    oxfam_applicants(config)
    return config


def _export(config: Path, tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    out = tmp_path / f"{name}.csv"
    result = run(config, "export", "--call", OXFAM, "--files", str(target), "--out", str(out), "--reviewers", "A,B")
    assert result.exit_code == 0, result.output
    return target


def test_before_unsealing_no_export_holds_a_financial_offer(sealed: Path, tmp_path: Path) -> None:
    zipped, target = tmp_path / "c.zip", tmp_path / "c"
    result = run(sealed, "export", "--call", OXFAM, "--zip", str(zipped), "--files", str(target), "--reviewers", "A,B")
    assert "left out until `inbox-bot unseal`" in result.stdout
    assert not any(p.endswith("offre.pdf") for p in files_under(target))
    with zipfile.ZipFile(tmp_path / "c.zip") as archive:
        assert not any(n.endswith("offre.pdf") for n in archive.namelist())
    book = workbook(target / f"{OXFAM}.xlsx")
    shown = every_text(book)
    assert "offre.pdf" not in shown and "Offre financière" not in shown  # neither the file nor its criterion
    header, karim, _ = rows(book["Candidatures"])
    assert karim[header.index("offre financière")] == "pli fermé"
    assert "offre financière : pli fermé, reçu le 10/01/2022 10:00" in str(karim[header.index("Fichiers")])
    for title in ("Notation - A", "Notation - B"):
        assert rows(book[title])[0][3:7] == [
            "Offre technique (sur 30)",
            "Expérience justifiée (sur 40)",
            "Total (sur 70)",
            "Rang",
        ]
        assert book[title]["F2"].value == '=IF(COUNT(D2:E2)<2,"",SUM(D2:E2))'
        assert sorted(v.formula2 for v in book[title].data_validations.dataValidation) == ["30", "40"]
    assert rows(book["Synthèse"])[0][2] == "Moyenne (sur 70)"
    assert ["Plis financiers fermés (évaluation technique)"] in rows(book["À propos"])


def test_unsealing_opens_them_for_good_and_every_later_export_says_so(sealed: Path, tmp_path: Path) -> None:
    _export(sealed, tmp_path, "before")
    result = run(sealed, "unseal", "--call", OXFAM, "--note", "notes techniques arrêtées", "--by", "Amal Idrissi")
    assert result.exit_code == 0, result.output
    assert "opened on" in result.stdout and "by Amal Idrissi" in result.stdout
    target = _export(sealed, tmp_path, "after")
    assert "A1 - Karim Alaoui/offre.pdf" in files_under(target)
    assert "Hors délai/A3 - Nadia Late/offre.pdf" in files_under(target)
    book = workbook(target / f"{OXFAM}.xlsx")
    assert rows(book["Notation - A"])[0][3:7] == [
        "Offre technique (sur 30)",
        "Offre financière (sur 30)",
        "Expérience justifiée (sur 40)",
        "Total (sur 100)",
    ]
    [status] = [r[0] for r in rows(book["À propos"]) if "Plis" in str(r[0])]
    assert str(status).startswith("Plis financiers ouverts le ") and "par Amal Idrissi : notes techniques" in str(
        status
    )
    with (tmp_path / "after.csv").open(encoding="utf-8-sig", newline="") as handle:
        header, *lines = list(csv.reader(handle, delimiter=";"))
    assert header[-1] == "Plis" and all(line[-1] == status for line in lines)
    # A second unseal changes nothing: the first record stands.
    again = run(sealed, "unseal", "--call", OXFAM, "--note", "autre", "--by", "Youssef")
    assert again.exit_code == 0 and "already opened" in again.stdout and "by Amal Idrissi" in again.stdout
    store = open_store(sealed)
    events = list(store.db.query("select detail from events where kind = 'unseal'"))
    store.close()
    assert [json.loads(e["detail"]) for e in events] == [
        {"call": OXFAM, "by": "Amal Idrissi", "note": "notes techniques arrêtées"}
    ]


def test_unseal_wants_a_note_and_a_sealed_call(sealed: Path) -> None:
    blank = run(sealed, "unseal", "--call", OXFAM, "--note", "  ")
    assert blank.exit_code == 2 and "--note" in blank.stderr
    other = run(sealed, "unseal", "--call", "omp-charge-projet-2026", "--note", "x")
    assert other.exit_code == 2 and "seals no documents" in other.stderr
    by_default = run(sealed, "unseal", "--call", OXFAM, "--note", "fin de l'évaluation technique")
    assert by_default.exit_code == 0 and " by " in by_default.stdout  # the OS user


def test_a_rule_cannot_seal_a_kind_it_does_not_ask_for(tmp_path: Path) -> None:
    config = config_with_rules(
        tmp_path, **{"omp-charge-projet-2026": ("[deadline]", 'sealed = ["financial_offer"]\n\n[deadline]')}
    )
    result = run(config, "rules", "check")
    assert result.exit_code == 2 and "sealed kinds ['financial_offer'] are not in documents" in result.stderr


def test_a_combined_technical_and_financial_file_is_held_for_the_coordinator(tmp_path: Path) -> None:
    config = config_with_rules(tmp_path, **{OXFAM: SEALED})
    store = open_store(config)
    record(
        store,
        "nour@example.ma",
        name="Nour",
        files={"Offre technique et financière.pdf": "methodology_note"},
        **OXFAM_MAIL,
    )
    store.close()
    target = _export(config, tmp_path, "c")
    assert files_under(target) == ["A1 - Nour/courriel-1.eml", f"{OXFAM}.xlsx"]
    files = str(rows(workbook(target / f"{OXFAM}.xlsx")["Candidatures"])[1][-2])
    assert "pli fermé" in files and "offre technique et financière dans un même fichier" in files
    assert "Offre technique et financière.pdf" not in files
    # The coordinator sees it in `show`, with the warning; the committee does not.
    [detail] = json_lines(run(config, "show", "A1", "--json"))
    [document] = detail["mails"][0]["documents"]
    assert document["filename"] == "Offre technique et financière.pdf"
    assert "offre technique et financière dans un même fichier" in document["reasons"][-1]["text"]


def test_show_names_a_sealed_document_only_by_its_kind_and_date(sealed: Path) -> None:
    [detail] = json_lines(run(sealed, "show", "A1", "--json"))
    documents = detail["mails"][0]["documents"]
    closed = [d for d in documents if d["kind"] == "financial_offer"]
    assert closed == [
        {
            "filename": "pli fermé, reçu le 10/01/2022 10:00",
            "kind": "financial_offer",
            "sealed": True,
            "mime": None,
            "size": None,
            "pages": None,
            "problem": None,
            "inside": None,
            "sha256": None,
            "path": None,
            "safe_name": None,
            "reasons": [],
        }
    ]
    assert "CV.pdf" in {d["filename"] for d in documents}
    assert "offre.pdf" not in run(sealed, "show", "A1").stdout
    run(sealed, "unseal", "--call", OXFAM, "--note", "fin")
    [after] = json_lines(run(sealed, "show", "A1", "--json"))
    assert "offre.pdf" in {d["filename"] for d in after["mails"][0]["documents"]}


def test_the_digest_names_a_sealed_document_only_by_its_kind_and_date(sealed: Path, tmp_path: Path) -> None:
    var = sealed.parent / "var"
    settings = smtp_settings(
        None,
        tmp_path,
        rules_dir=tmp_path / "rules",
        database=var / "db.sqlite",
        storage=var / "storage",
        digest={"organisations": [{"name": "Oxfam Maroc", "to": ["team@ngo.example"]}]},
    )
    rules = load_rules(tmp_path / "rules")
    store = open_store(sealed)
    try:
        [(_, before)] = digest.preview(store, settings, rules, "Oxfam Maroc", now=datetime(2022, 1, 25, tzinfo=UTC))
        assert "offre.pdf" not in before.text and "pli fermé, reçu le 10/01/2022 10:00" in before.text
        assert before.html is not None and "offre.pdf" not in before.html
    finally:
        store.close()
    run(sealed, "unseal", "--call", OXFAM, "--note", "fin")
    store = open_store(sealed)
    try:
        [(_, after)] = digest.preview(store, settings, rules, "Oxfam Maroc", now=datetime(2022, 1, 25, tzinfo=UTC))
        assert "offre.pdf" in after.text
    finally:
        store.close()


def _document(filename: str, kind: str, reasons: list[str]) -> DocumentRow:
    when = datetime(2022, 1, 10, 9, tzinfo=UTC)
    return DocumentRow(1, filename, kind, "application/pdf", "0" * 64, Path("x"), when, reasons)


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (_document("proposition.pdf", "methodology_note", ["less likely financial_offer (score 3 against 5)"]), True),
        (_document("Offre technique et financière.pdf", "methodology_note", []), True),
        (_document("proposition.pdf", "methodology_note", ["text mentions méthodologie (methodology_note)"]), False),
        (_document("CV technique financier.pdf", "cv", []), False),  # only a technical offer can hold a price
    ],
)
def test_what_counts_as_a_combined_offer(document: DocumentRow, expected: bool) -> None:
    closed = frozenset({DocumentKind.FINANCIAL_OFFER})
    assert combined(document.filename, DocumentKind(document.kind), document.reasons, closed) is expected
    assert combined(document.filename, DocumentKind(document.kind), document.reasons, frozenset()) is False


def test_a_financial_offer_sent_twice_is_one_sealed_envelope(tmp_path: Path) -> None:
    config = config_with_rules(tmp_path, **{OXFAM: SEALED})
    store = open_store(config)
    for day in (10, 11):
        received = datetime(2022, 1, day, 9, tzinfo=UTC)
        record(
            store,
            "nour@example.ma",
            files={"offre.pdf": "financial_offer"},
            salt="same",
            received=received,
            **OXFAM_MAIL,
        )
    store.close()
    target = _export(config, tmp_path, "c")
    files = str(rows(workbook(target / f"{OXFAM}.xlsx")["Candidatures"])[1][-2])
    assert files == "offre financière : pli fermé, reçu le 10/01/2022 10:00"
