"""`export --anonymous`: the technical workbook and folders carry the applicant's ID, never a name, an address or
a file name the applicant chose; the key back to the person stays in inbox-bot's database."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.exportkit import OXFAM, every_text, files_under, links, oxfam_applicants, rows, workbook
from tests.opkit import run, write_config

WHO = ("Karim", "Alaoui", "karim@", "evil@", "HYPERLINK", "Nadia", "late@", "example.")
CHOSEN_NAMES = ("offre.pdf", "note.pdf", "@SUM(1+1)")


@pytest.fixture
def exported(tmp_path: Path) -> Path:
    config = write_config(tmp_path)
    oxfam_applicants(config)
    target = tmp_path / "anonyme"
    args = ["--files", str(target), "--out", str(tmp_path / "anonyme.csv"), "--reviewers", "A,B", "--anonymous"]
    result = run(config, "export", "--call", OXFAM, *args)
    assert result.exit_code == 0, result.output
    return target


def test_no_name_address_or_chosen_file_name_leaves(exported: Path) -> None:
    book = workbook(exported / f"{OXFAM}.xlsx")
    shown = every_text(book) + (exported.parent / "anonyme.csv").read_text(encoding="utf-8-sig")
    shown += "\n".join(files_under(exported)) + "\n".join(links(book).values())
    assert [w for w in (*WHO, *CHOSEN_NAMES) if w in shown] == []
    _header, *applicants = rows(book["Candidatures"])
    assert [r[:3] for r in applicants] == [["A1", "A1", "A1"], ["A2", "A2", "A2"]]
    documents = rows(book["Documents"])[1:]
    assert documents and all(str(r[3]).startswith(f"{r[0]} ") for r in documents)  # "A1 CV.pdf"
    assert "Export anonyme : la correspondance des références est gardée par inbox-bot" in shown


def test_the_folders_are_named_by_id_without_the_original_mails(exported: Path) -> None:
    assert files_under(exported) == [
        "A1/A1_CV.pdf",
        "A1/A1_note_méthodologique_proposition_technique.pdf",
        "A1/A1_offre_financière.pdf",
        "A2/A2_CV.pdf",
        "A2/A2_note_méthodologique_proposition_technique.pdf",
        "Hors délai/A3/A3_offre_financière.pdf",
        f"{OXFAM}.xlsx",
    ]
    for relative in links(workbook(exported / f"{OXFAM}.xlsx")).values():
        assert (exported / relative).exists()
