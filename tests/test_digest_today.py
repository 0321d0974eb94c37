"""The digest starts with today's work, in French, on the sample inbox: what needs her (with the reason and the
link or file name, and an ID to quote), then the calls' counts, then mailbox health; the HTML says what the text
says; no sentence of the old English reasons reaches her, in the digest or in `list`."""

from __future__ import annotations

import html as html_lib
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from inbox_bot.cli.main import main
from tests.test_wording import ENGLISH

REPO = Path(__file__).resolve().parents[1]
HAKAMA = "Collectif HAKAMA (AJJ)"


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample inbox recorded once, as `run --once` does."""
    folder = tmp_path_factory.mktemp("sample")
    config = folder / "config.toml"
    config.write_text(
        f'rules_dir = "{REPO / "rules"}"\ndatabase = "var/db.sqlite"\nstorage = "var/storage"\n'
        f'[[sources]]\nname = "sample"\npath = "{REPO / "examples" / "inbox"}"\n',
        encoding="utf-8",
    )
    ran = CliRunner().invoke(main, ["--config", str(config), "run", "--once"])
    assert ran.exit_code == 0, ran.output
    return config


def preview(config: Path, organisation: str | None = None) -> tuple[str, dict[str, str]]:
    """The text of every digest, and each organisation's HTML by file name."""
    out = config.parent / "digest.html"
    args = ["--config", str(config), "digest", "--preview", "--html", str(out)]
    shown = CliRunner().invoke(main, [*args, *(["--organisation", organisation] if organisation else [])])
    assert shown.exit_code == 0, shown.output
    pages = {p.name: p.read_text(encoding="utf-8") for p in config.parent.glob("digest*.html")}
    return shown.output, pages


def visible(page: str) -> str:
    """What a mail client shows of an HTML page: its text, tags gone, entities decoded."""
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", page))


def test_the_digest_starts_with_what_needs_her_with_the_reason_and_an_id(sample: Path) -> None:
    text, pages = preview(sample, HAKAMA)
    order = ["À VÉRIFIER", "DOSSIERS COMPLETS", "DOSSIERS ENCORE INCOMPLETS", "APPELS", "RÉPONSES AUX CANDIDATS"]
    places = [text.index(title) for title in order]
    assert places == sorted(places), "today's work first, then the calls, then the replies and mailboxes"
    review = text[text.index("À VÉRIFIER"):text.index("DOSSIERS COMPLETS")]
    assert "Pourquoi : dossier envoyé par lien, à récupérer : https://we.tl/t-Zk4Qp8XmR2" in review
    assert "Pourquoi : Proposition_financiere_Studio_Kalima_protegee.pdf : protégé par un mot de passe" in review
    assert "Proposition_financiere_Studio_Kalima_protegee.pdf (offre financière, illisible)" in review
    assert "À récupérer (envoyé par lien) : CV, offre financière" in review
    ids = re.findall(r"\[(A\d+ / \d+)\]", review)
    assert len(ids) == 2
    [page] = pages.values()
    shown = visible(page)
    for line in [*ids, "dossier envoyé par lien, à récupérer : https://we.tl/t-Zk4Qp8XmR2",
                 "Proposition_financiere_Studio_Kalima_protegee.pdf : protégé par un mot de passe"]:
        assert line in shown, f"the HTML digest drops {line!r}"


def test_text_and_html_say_the_same_things(sample: Path) -> None:
    text, pages = preview(sample, HAKAMA)
    [page] = pages.values()
    shown = " ".join(visible(page).split())
    for line in text.splitlines():
        for said in re.findall(r"(?:Pourquoi|Manque|À récupérer \(envoyé par lien\)) : (.+)", line):
            assert " ".join(said.split()) in shown, said
    assert not re.search(r"<script|<img|<link|<style|src=|url\(", page, re.IGNORECASE)


def test_a_dossier_completed_since_the_last_digest_is_not_also_listed_incomplete(sample: Path) -> None:
    text, _ = preview(sample, "Observatoire Marocain des Prisons (OMP)")
    incomplete = text[text.index("DOSSIERS ENCORE INCOMPLETS"):text.index("APPELS")]
    complete = text[text.index("DOSSIERS COMPLETS"):text.index("DOSSIERS ENCORE INCOMPLETS")]
    assert "salma.tazi@example.fr" in complete and "salma.tazi@example.fr" not in incomplete


def test_no_english_reason_reaches_a_french_reader(sample: Path) -> None:
    text, pages = preview(sample)
    said = [line for line in text.splitlines() if line.strip().startswith(("Pourquoi", "Manque", "Documents"))]
    said += [visible(page) for page in pages.values()]
    for chunk in said:
        found = ENGLISH.search(chunk.replace("inbox-bot list", ""))
        assert found is None, f"English {found.group(0)!r} in: {chunk[:200]}"
    listed = CliRunner().invoke(main, ["--config", str(sample), "list", "--json"])
    assert listed.exit_code == 0, listed.output
    rows = [json.loads(line) for line in listed.output.splitlines()]
    reasons = [r for row in rows for r in row["reasons"]]
    assert reasons and all({"code", "params", "text"} <= set(r) for r in reasons)
    for r in reasons:
        assert not ENGLISH.search(r["text"]), r


def test_list_shows_each_document_once_by_state(sample: Path) -> None:
    listed = CliRunner().invoke(main, ["--config", str(sample), "list", "--json"])
    rows = {row["sender"]: row for row in map(json.loads, listed.output.splitlines())}
    locked = rows["hind@studio-kalima.example"]["states"]
    assert locked["financial_offer"]["state"] == "unreadable"  # not present, and not missing too
    linked = rows["nabil.chafik@example.org"]["states"]
    assert {s["state"] for s in linked.values()} == {"to_fetch"}
    assert linked["cv"]["text"] == "à récupérer"
    table = CliRunner().invoke(main, ["--config", str(sample), "list"])
    assert table.exit_code == 0 and "à récupérer" in table.output and "illisible" in table.output
