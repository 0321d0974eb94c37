"""`export --files DIR` and `--zip FILE`: the folders opened back, the workbook's links followed to the files,
hostile names kept inside the target."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

import pytest

from inbox_bot.core.models import Verdict
from tests.exportkit import OXFAM, OXFAM_MAIL, files_under, links, oxfam_applicants, rows, stored_files, workbook
from tests.opkit import open_store, record, run, write_config

HOSTILE_FILE = "../../etc/pass\x07wd\x1b[31m.pdf"
LONG_FILE = "offre " + "x" * 300 + ".pdf"
# The sender's display name as a folder: separators and quotes become spaces; a leading = is harmless there.
EVIL_FOLDER = "A2 - =HYPERLINK( http evil.example x= &A1, CV )"


@pytest.fixture
def oxfam(tmp_path: Path) -> Path:
    config = write_config(tmp_path)
    oxfam_applicants(config)
    return config


def _files(config: Path, target: Path, *args: str) -> Path:
    result = run(config, "export", "--call", OXFAM, "--files", str(target), *args)
    assert result.exit_code == 0, result.output
    return target


def test_a_folder_per_applicant_with_the_files_under_their_names(oxfam: Path, tmp_path: Path) -> None:
    target = _files(oxfam, tmp_path / "comite")
    assert files_under(target) == [
        "A1 - Karim Alaoui/CV.pdf",
        "A1 - Karim Alaoui/courriel-1.eml",
        "A1 - Karim Alaoui/note.pdf",
        "A1 - Karim Alaoui/offre.pdf",
        f"{EVIL_FOLDER}/CV.pdf",
        f"{EVIL_FOLDER}/SUM_1_1.pdf",
        f"{EVIL_FOLDER}/courriel-2.eml",
        "Hors délai/A3 - Nadia Late/courriel-3.eml",
        "Hors délai/A3 - Nadia Late/offre.pdf",
        "oxfam-migration-2022.xlsx",
    ]
    stored = stored_files(oxfam)
    # Two applicants' CV.pdf are two different files, each in its own folder, each a stored copy.
    karim, evil = (target / "A1 - Karim Alaoui/CV.pdf").read_bytes(), next(target.glob("A2 */CV.pdf")).read_bytes()
    assert karim != evil and {karim, evil} <= set(stored.values())
    assert b"karim@example.ma" in (target / "A1 - Karim Alaoui/courriel-1.eml").read_bytes()


def test_the_workbook_links_each_file_by_a_relative_path(oxfam: Path, tmp_path: Path) -> None:
    target = _files(oxfam, tmp_path / "comite")
    book = workbook(target / "oxfam-migration-2022.xlsx")
    found = links(book)
    assert found["Candidatures!M2"] == "A1 - Karim Alaoui"
    assert found["Hors délai!M2"] == "Hors délai/A3 - Nadia Late"
    documents = {v for k, v in found.items() if k.startswith("Documents!")}
    expected = {p for p in files_under(target) if not p.endswith(".xlsx")}
    assert documents == expected  # every file, and its mail, linked once
    for relative in found.values():
        assert not PurePosixPath(relative).is_absolute() and ".." not in PurePosixPath(relative).parts
        assert (target / relative).exists(), relative
    shown = {row[3] for row in rows(book["Documents"])[1:]}
    assert {"CV.pdf", "offre.pdf", "courriel-1.eml"} <= shown


def test_the_zip_holds_the_same_tree_under_the_calls_folder(oxfam: Path, tmp_path: Path) -> None:
    out = tmp_path / "comite.zip"
    result = run(oxfam, "export", "--call", OXFAM, "--zip", str(out), "--files", str(tmp_path / "comite"))
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as archive:
        names = sorted(archive.namelist())
        assert names == [f"{OXFAM}/{p}" for p in files_under(tmp_path / "comite")]
        assert (
            archive.read(f"{OXFAM}/A1 - Karim Alaoui/CV.pdf")
            == (tmp_path / "comite/A1 - Karim Alaoui/CV.pdf").read_bytes()
        )
        book_path = tmp_path / "from-zip.xlsx"
        book_path.write_bytes(archive.read(f"{OXFAM}/{OXFAM}.xlsx"))
    for relative in links(workbook(book_path)).values():
        assert f"{OXFAM}/{relative}" in names or any(n.startswith(f"{OXFAM}/{relative}/") for n in names)


def test_hostile_names_stay_inside_the_target_and_every_file_is_there_once(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    store = open_store(config)
    files = {HOSTILE_FILE: "cv", LONG_FILE: "financial_offer", "CV.PDF": "methodology_note", "cv.pdf": "references"}
    first = datetime(2022, 1, 10, 9, tzinfo=UTC)
    record(store, "nour@example.ma", name="Nour Gouvernance", files=files, received=first, **OXFAM_MAIL)
    hostile = '"../../Nour/Gouvernance"'  # the latest name is the one shown
    record(
        store,
        "nour@example.ma",
        name=hostile,
        files={"cv.pdf": "cv"},
        salt="second",
        **OXFAM_MAIL,
        received=datetime(2022, 1, 11, 9, tzinfo=UTC),
    )
    record(store, "vide@example.ma", name="", received=datetime(2022, 1, 12, 9, tzinfo=UTC), **OXFAM_MAIL)
    store.close()
    before = set(files_under(tmp_path))
    target = _files(config, tmp_path / "out" / "comite")
    after = set(files_under(tmp_path))
    written = files_under(target)
    assert {f"out/comite/{p}" for p in written} == after - before, written  # nothing anywhere else
    folder = "A1 - .. .. Nour Gouvernance"  # no separator left: one plain folder
    names = [p.removeprefix(folder + "/") for p in written if p.startswith(folder + "/")]
    assert sorted(n.casefold() for n in names) == sorted({n.casefold() for n in names})  # no two alike
    assert len([n for n in names if not n.endswith(".eml")]) == 5, written
    assert len([n for n in names if n.endswith(".eml")]) == 2
    assert "pass_wd_31m.pdf" in names and {"CV.pdf", "cv_2.pdf", "cv_3.pdf"} <= set(names)
    assert all(len(n) <= 120 and n.isprintable() for n in written for n in n.split("/"))
    assert "A3/courriel-3.eml" in written  # no name, no documents: still a folder, with its mail
    for relative in links(workbook(target / "oxfam-migration-2022.xlsx")).values():
        assert (target / relative).resolve().is_relative_to(target.resolve()) and (target / relative).exists()


def test_only_the_calls_documents(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    store = open_store(config)
    record(store, "karim@example.ma", files={"CV.pdf": "cv"}, **OXFAM_MAIL)
    record(store, "karim@example.ma", files={"autre-appel.pdf": "cv"})  # the OMP call, same sender
    store.close()
    written = files_under(_files(config, tmp_path / "comite"))
    assert written == ["A1 - Karim Alaoui/CV.pdf", "A1 - Karim Alaoui/courriel-1.eml", "oxfam-migration-2022.xlsx"]


def test_a_folder_that_holds_files_is_refused(oxfam: Path, tmp_path: Path) -> None:
    target = tmp_path / "comite"
    target.mkdir()
    (target / "notes.txt").write_text("à garder", encoding="utf-8")
    result = run(oxfam, "export", "--call", OXFAM, "--files", str(target))
    assert result.exit_code == 2 and "not an empty folder" in result.stderr
    assert files_under(target) == ["notes.txt"]


def test_late_dossiers_have_their_own_folder(oxfam: Path, tmp_path: Path) -> None:
    target = _files(oxfam, tmp_path / "comite")
    assert [p.name for p in (target / "Hors délai").iterdir()] == ["A3 - Nadia Late"]
    assert Verdict.LATE.value not in {p.name for p in target.iterdir()}
