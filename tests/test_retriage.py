"""`retriage`: stored raw mails judged again with today's rules, in order of receipt, overrides kept.

Most tests run the real pipeline on mails whose verdict needs no attachment (the subject and the dates
decide). The dossier tests replace only the attachment reader and the classifier inside the pipeline, so
parsing, matching and deciding stay real while the kinds are known in advance.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from hashlib import sha256
from pathlib import Path
from typing import Any

import pytest

import inbox_bot.triage.pipeline
from inbox_bot.config.settings import load_settings
from inbox_bot.core.models import Attachment, ClassifiedDocument, DocumentKind, ReceivedSource, Verdict
from inbox_bot.core.reasons import load_all
from inbox_bot.daemon import folder_sources, pipeline_setup
from inbox_bot.daemon.recording import record_mail
from inbox_bot.operator.replay import ReplayHistory
from inbox_bot.rules.loader import load_rules
from inbox_bot.sources.files import raw_mail, read_paths
from inbox_bot.storage import purging
from inbox_bot.storage.store import Store
from tests.docmakers import make_pdf
from tests.opkit import OMP_CHARGE, attachment, day, eml, json_lines, open_store, record, run, write_config

KARIM = "karim@example.ma"
SALMA = "salma@example.ma"
ALCI = "alci-guide-2024"


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return write_config(tmp_path)


@pytest.fixture
def store(config: Path) -> Iterator[Store]:
    opened = open_store(config)
    yield opened
    opened.close()


def _kind(filename: str) -> DocumentKind:
    for word, kind in (
        ("cv", DocumentKind.CV),
        ("lettre", DocumentKind.COVER_LETTER),
        ("refs", DocumentKind.REFERENCES),
    ):
        if word in filename.lower():
            return kind
    return DocumentKind.OTHER


@pytest.fixture
def known_kinds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Attachments read as they are and classified by their file name."""

    def read(self: object, parts: list[tuple[str, bytes]]) -> list[Attachment]:
        return [attachment(name, content) for name, content in parts]

    def read_by_ocr(self: object, attachments: list[Attachment], which: set[int]) -> list[Attachment]:
        return attachments

    def classify(a: Attachment) -> ClassifiedDocument:
        return ClassifiedDocument(
            filename=a.filename, kind=_kind(a.filename), mime=a.mime, size=a.size, sha256=a.sha256, reasons=["named so"]
        )

    monkeypatch.setattr(inbox_bot.triage.pipeline.MailFiles, "read", read)
    monkeypatch.setattr(inbox_bot.triage.pipeline.MailFiles, "read_by_ocr", read_by_ocr)
    monkeypatch.setattr(inbox_bot.triage.pipeline, "classify", classify)


def _mail(store: Store, mail_id: int) -> dict[str, object]:
    return dict(store.table("mails").get(mail_id))


# ---------------------------------------------------------------- the real pipeline


def test_a_fixed_rule_claims_the_mails_no_call_claimed(config: Path, store: Store) -> None:
    record(store, KARIM, call=None, verdict=Verdict.UNMATCHED)
    record(store, SALMA, call="omp-cabinet-2026", verdict=Verdict.COMPLETE)
    result = run(config, "retriage", "--call", OMP_CHARGE)
    assert result.exit_code == 0, result.output
    assert "unmatched -> incomplete" in result.stdout and "1 changed" in result.stdout
    mail = _mail(store, 1)
    assert (mail["call"], mail["verdict"]) == (OMP_CHARGE, "incomplete")
    assert mail["missing"] == '["cover_letter", "cv", "references"]'
    [event] = [e for e in store.events(1) if e["kind"] == "retriage"]
    assert event["detail"]["before"]["verdict"] == "unmatched" and event["detail"]["after"]["call"] == OMP_CHARGE
    assert _mail(store, 2)["verdict"] == "complete"  # another call's mail is not in the selection
    assert [e["kind"] for e in store.events(2)] == ["decision"]


def test_dry_run_shows_and_writes_nothing(config: Path, store: Store) -> None:
    record(store, KARIM, call=None, verdict=Verdict.UNMATCHED)
    result = run(config, "retriage", "1", "--dry-run", "--json")
    assert result.exit_code == 0, result.output
    [change] = json_lines(result)
    assert change["changed"] == ["call", "verdict", "missing"]
    assert _mail(store, 1)["verdict"] == "unmatched"
    assert [e["kind"] for e in store.events(1)] == ["decision"]


def test_an_unchanged_mail_leaves_no_event(config: Path, store: Store) -> None:
    record(store, KARIM, missing=["cover_letter", "cv", "references"])
    first = json_lines(run(config, "retriage", "--all", "--json"))
    assert first[0]["changed"] == []
    assert [e["kind"] for e in store.events(1)] == ["decision"]


def test_the_copy_sent_to_the_second_address_is_a_duplicate(config: Path, store: Store) -> None:
    common = {"call": ALCI, "subject": "Guide des bonnes pratiques", "message_id": "<one@example.ma>"}
    record(store, KARIM, to="mouvementalci@gmail.com", received=datetime(2024, 1, 2, 9, tzinfo=UTC), **common)
    record(store, KARIM, to="recrut.formation2024@gmail.com", received=datetime(2024, 1, 2, 9, 1, tzinfo=UTC), **common)
    run(config, "retriage", "--call", ALCI)
    assert [_mail(store, i)["verdict"] for i in (1, 2)] == ["incomplete", "duplicate"]
    # Alone, the first copy still sees neither itself nor the later one.
    [change] = json_lines(run(config, "retriage", "1", "--json"))
    assert change["after"]["verdict"] == "incomplete"


def test_an_extension_makes_a_late_mail_on_time_for_whom_it_names(config: Path, store: Store) -> None:
    late = day(5, month=5)  # the call closed 2026-05-04 16:00 Morocco
    record(store, KARIM, verdict=Verdict.LATE, received=late)
    record(store, SALMA, verdict=Verdict.LATE, received=late)
    extended = run(
        config,
        "extend",
        "--call",
        OMP_CHARGE,
        "--until",
        "2026-05-06",
        "--applicant",
        KARIM,
        "--note",
        "the server refused his mail",
    )
    assert "2 mail(s) were judged late" not in extended.stdout and "1 mail(s) were judged late" in extended.stdout
    run(config, "retriage", "--call", OMP_CHARGE)
    assert [_mail(store, i)["verdict"] for i in (1, 2)] == ["incomplete", "late"]
    run(config, "extend", "--call", OMP_CHARGE, "--until", "2026-05-06", "--note", "everyone")
    run(config, "retriage", "--call", OMP_CHARGE)
    assert _mail(store, 2)["verdict"] == "incomplete"


def test_the_servers_receipt_time_is_kept(config: Path, store: Store) -> None:
    # The server took it before the deadline; the Received header written later says after.
    record(
        store,
        KARIM,
        received=day(30),
        header_received=day(6, month=5),
        received_source=ReceivedSource.SERVER,
        missing=["cover_letter", "cv", "references"],
    )
    [change] = json_lines(run(config, "retriage", "--all", "--json"))
    # Read from the header alone it would be late; with the server's time restored, the two clocks disagree
    # across the deadline, and a person decides.
    assert change["after"]["verdict"] == "needs_review"
    assert "clocks_disagree" in [r.code for r in load_all(_mail(store, 1)["reasons"])]


def test_a_mail_whose_raw_copy_is_gone_or_damaged_is_skipped(config: Path, store: Store) -> None:
    record(store, KARIM, call=None, verdict=Verdict.UNMATCHED)
    record(store, SALMA, call=None, verdict=Verdict.UNMATCHED)
    (store.storage / _mail(store, 1)["raw_path"]).unlink()  # type: ignore[operator]
    (store.storage / _mail(store, 2)["raw_path"]).write_bytes(b"tampered")  # type: ignore[operator]
    result = run(config, "retriage", "--all")
    assert result.exit_code == 0, result.output
    assert "no longer stored" in result.stdout and "damaged" in result.stdout and "2 skipped" in result.stdout
    assert _mail(store, 1)["verdict"] == _mail(store, 2)["verdict"] == "unmatched"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "say which mails"),
        (["1", "--all"], "say which mails"),
        (["--call", OMP_CHARGE, "--all"], "say which mails"),
        (["--call", "nope"], "no call 'nope'"),
        (["A99"], "no mail 99"),
    ],
)
def test_retriage_refuses_bad_selections_in_one_line(config: Path, store: Store, args: list[str], message: str) -> None:
    record(store, KARIM)
    result = run(config, "retriage", *args)
    assert result.exit_code == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


# ---------------------------------------------------------------- dossiers, with known kinds


@pytest.fixture
def karim_in_two_mails(store: Store) -> Store:
    """Karim's CV, then his letter and references: recorded with verdicts that are wrong on purpose."""
    record(store, KARIM, verdict=Verdict.NEEDS_REVIEW, files={"CV.pdf": "other"}, received=day(20))
    record(
        store, KARIM, verdict=Verdict.NEEDS_REVIEW, files={"lettre.pdf": "other", "refs.pdf": "other"}, received=day(22)
    )
    return store


@pytest.mark.usefixtures("known_kinds")
def test_mails_are_replayed_in_order_of_receipt(config: Path, karim_in_two_mails: Store) -> None:
    store = karim_in_two_mails
    result = run(config, "retriage", f"{OMP_CHARGE}:{KARIM}")
    assert result.exit_code == 0, result.output
    assert (_mail(store, 1)["verdict"], _mail(store, 1)["missing"]) == ("incomplete", '["cover_letter", "references"]')
    assert (_mail(store, 2)["verdict"], _mail(store, 2)["missing"]) == ("complete", "[]")
    assert {d["filename"]: d["kind"] for d in store.documents(2)} == {
        "lettre.pdf": "cover_letter",
        "refs.pdf": "references",
    }
    assert "CV.pdf: other -> CV.pdf: cv" in result.stdout


@pytest.mark.usefixtures("known_kinds")
def test_one_mail_alone_sees_the_stored_earlier_mails_only(config: Path, karim_in_two_mails: Store) -> None:
    store = karim_in_two_mails
    run(config, "retriage", "1")
    # Mail 1 alone: mail 2's documents came later and do not count.
    assert _mail(store, 1)["verdict"] == "incomplete"
    run(config, "retriage", "2")
    assert _mail(store, 2)["verdict"] == "complete"  # the CV of mail 1, as re-judged and stored, counts


@pytest.mark.usefixtures("known_kinds")
def test_an_overridden_verdict_and_kind_are_kept(config: Path, karim_in_two_mails: Store) -> None:
    store = karim_in_two_mails
    done = run(config, "override", "1", "--verdict", "complete", "--kind", "CV.pdf=references", "--note", "checked")
    assert done.exit_code == 0, done.output
    result = run(config, "retriage", "--all")
    assert result.exit_code == 0, result.output
    assert "kept (override" in result.stdout
    assert _mail(store, 1)["verdict"] == "complete"
    assert [d["kind"] for d in store.documents(1)] == ["references"]
    [change] = [c for c in json_lines(run(config, "retriage", "1", "--json", "--dry-run"))]
    assert change["kept"] == {"kind CV.pdf": "cv", "verdict": "incomplete"} and change["changed"] == []
    # Mail 2 is judged with the person's kind for mail 1's file: references, not a CV.
    assert (_mail(store, 2)["verdict"], _mail(store, 2)["missing"]) == ("incomplete", '["cv"]')


@pytest.mark.usefixtures("known_kinds")
def test_a_rejection_is_kept_and_its_files_still_count_for_the_later_mail(
    config: Path, karim_in_two_mails: Store
) -> None:
    store = karim_in_two_mails
    done = run(config, "override", "1", "--verdict", "rejected", "--note", "hors du champ de l'appel")
    assert done.exit_code == 0, done.output
    result = run(config, "retriage", "--all")
    assert result.exit_code == 0, result.output
    assert _mail(store, 1)["verdict"] == "rejected"
    [change] = json_lines(run(config, "retriage", "1", "--json", "--dry-run"))
    assert change["kept"] == {"verdict": "incomplete"} and change["changed"] == []
    # Put out of the selection, not unsent: mail 2 still counts mail 1's CV.
    assert (_mail(store, 2)["verdict"], _mail(store, 2)["missing"]) == ("complete", "[]")
    cleared = run(config, "override", "1", "--clear", "--note", "erreur")
    assert cleared.exit_code == 0, cleared.output
    assert _mail(store, 1)["verdict"] == "incomplete"


@pytest.mark.usefixtures("known_kinds")
def test_a_corrected_kind_alone_redecides_complete_or_incomplete(config: Path, store: Store) -> None:
    record(
        store,
        KARIM,
        files={"CV.pdf": "cv", "lettre.pdf": "cover_letter", "annexe.pdf": "other"},
        verdict=Verdict.INCOMPLETE,
        missing=["references"],
    )
    run(config, "override", "1", "--verdict", "incomplete", "--kind", "annexe.pdf=references", "--note", "n")
    store.table("overrides").delete_where("field = 'verdict'")  # leave only the kind: the verdict follows it
    run(config, "retriage", "1")
    assert (_mail(store, 1)["verdict"], _mail(store, 1)["missing"]) == ("complete", "[]")


@pytest.mark.usefixtures("known_kinds")
def test_documents_a_better_reader_finds_are_added(config: Path, store: Store) -> None:
    record(store, KARIM, files={"CV.pdf": "cv", "lettre.pdf": "cover_letter"}, missing=["references"])
    kept = next(d for d in store.documents(1) if d["filename"] == "CV.pdf")
    store.table("documents").delete_where("filename = 'lettre.pdf'")  # what an older reader missed
    run(config, "retriage", "1")
    documents = {d["filename"]: d for d in store.documents(1)}
    assert set(documents) == {"CV.pdf", "lettre.pdf"}
    assert documents["CV.pdf"]["id"] == kept["id"]  # updated in place
    assert (store.storage / documents["lettre.pdf"]["path"]).read_bytes().startswith(b"%PDF")


def test_replay_history_excludes_the_mail_itself_and_later_mails(store: Store) -> None:
    for when in (day(20), day(21), day(22)):
        record(store, KARIM, files={f"cv-{when.day}.pdf": "cv"}, received=when, message_id=f"<{when.day}@x>")
    history = ReplayHistory(store)
    history.at(2)
    dossier = history.dossier(OMP_CHARGE, KARIM)
    assert (dossier.mails, dossier.message_ids) == (1, frozenset({"<20@x>"}))
    assert dossier.kinds == {DocumentKind.CV}


# ---------------------------------------------------------------- the sample inbox, end to end


def test_the_sample_inbox_rejudged_with_the_same_rules_changes_nothing(config: Path, tmp_path: Path) -> None:
    """Replaying the stored mails gives what live triage gave, dossier by dossier; a rule change shows."""
    settings = load_settings(config)
    store = open_store(config)
    report = folder_sources.RunReport()
    inbox = Path(__file__).resolve().parents[1] / "examples" / "inbox"
    folder_sources.record_all(
        pipeline_setup.build_pipeline(settings, load_rules(settings.rules_dir)), store, read_paths([inbox]), report
    )
    store.close()
    mails = len(list(inbox.glob("*.eml")))
    assert len(report.recorded) == mails and not report.failures
    changes = json_lines(run(config, "retriage", "--all", "--json"))
    assert len(changes) == mails
    assert [c for c in changes if c["changed"] or c["skipped"]] == []
    # The same store under a rule that now accepts late dossiers: only Oxfam's late one changes.
    rules = tmp_path / "rules"
    shutil.copytree(settings.rules_dir, rules)
    oxfam = rules / "oxfam-migration-2022.toml"
    oxfam.write_text(oxfam.read_text(encoding="utf-8").replace('"hold"', '"accept"'), encoding="utf-8")
    config.write_text(config.read_text(encoding="utf-8").replace(settings.rules_dir.as_posix(), rules.as_posix()))
    changed = [
        c for c in json_lines(run(config, "retriage", "--call", "oxfam-migration-2022", "--json")) if c["changed"]
    ]
    assert [(c["before"]["verdict"], c["changed"]) for c in changed] == [("late", ["verdict"])]


# ---------------------------------------------------------------- judged again from what was read (issue #16)


def _record_through_the_pipeline(config: Path, store: Store, sender: str, files: list[tuple[str, bytes]]) -> int:
    settings = load_settings(config)
    pipeline = pipeline_setup.build_pipeline(settings, load_rules(settings.rules_dir))
    raw = eml(sender, received=day(20), message_id=f"<{sender}>", files=files)
    triaged = record_mail(pipeline, store, raw_mail(f"{sender}.eml", raw))
    assert triaged is not None and triaged.reader == pipeline.reader
    return int(next(iter(store.db.query("select max(id) as id from mails")))["id"])


def test_a_retriage_judges_from_what_was_read_and_classified_when_the_mail_was_recorded(
    config: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    cv = make_pdf(["Curriculum vitae", "Expérience professionnelle", "Formation", "Compétences", "Langues"])
    mail_id = _record_through_the_pipeline(config, store, KARIM, [("CV.pdf", cv)])
    before = _mail(store, mail_id)
    assert before["verdict"] == "incomplete"

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("a re-triage parsed, read or classified the mail again")

    for stage in ("parse", "classify"):
        monkeypatch.setattr(inbox_bot.triage.pipeline, stage, never)
    for step in ("read", "read_by_ocr"):  # the text layers, and OCR at the judge step
        monkeypatch.setattr(inbox_bot.triage.pipeline.MailFiles, step, never)
    [change] = json_lines(run(config, "retriage", "--call", OMP_CHARGE, "--json"))
    assert change["changed"] == [] and change["after"]["kinds"] == ["CV.pdf: cv"]
    after = _mail(store, mail_id)
    assert (after["verdict"], after["missing"]) == (before["verdict"], before["missing"])
    assert [d["path"] for d in store.documents(mail_id)] == [store.path_of("files", hashlib.sha256(cv).hexdigest())]


def test_what_another_reader_read_is_read_again_and_kept_anew(
    config: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    cv = make_pdf(["Curriculum vitae", "Expérience professionnelle", "Formation", "Compétences", "Langues"])
    mail_id = _record_through_the_pipeline(config, store, KARIM, [("CV.pdf", cv)])
    monkeypatch.setattr(inbox_bot.triage.pipeline, "READER", "read-0-test")
    calls = {"parse": 0}
    parse = inbox_bot.triage.pipeline.parse

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls["parse"] += 1
        return parse(*args, **kwargs)

    monkeypatch.setattr(inbox_bot.triage.pipeline, "parse", counted)
    for _ in range(2):
        [change] = json_lines(run(config, "retriage", "--call", OMP_CHARGE, "--json"))
        assert change["after"]["kinds"] == ["CV.pdf: cv"]
    assert calls["parse"] == 1, "read again once, then judged from what that reading kept"
    [reader] = [row["reader"] for row in store.db.query("select reader from parsings where mail_id = ?", [mail_id])]
    assert reader.startswith("read-0-test+")


def test_a_purge_deletes_what_was_read_with_the_mail(config: Path, store: Store) -> None:
    _record_through_the_pipeline(config, store, KARIM, [("CV.pdf", make_pdf(["Curriculum vitae"]))])
    assert store.db.execute("select count(*) from parsings").fetchone()[0] == 1
    purging.delete_rows(store, OMP_CHARGE, [1])
    assert store.db.execute("select count(*) from parsings").fetchone()[0] == 0


def test_a_purge_deletes_the_text_read_of_a_file_no_remaining_mail_carries(config: Path, store: Store) -> None:
    cv = make_pdf(["Curriculum vitae", "Expérience professionnelle", "Formation", "Compétences", "Langues"])
    letter = make_pdf([
        "Lettre de motivation", "Madame, Monsieur,",
        "Je souhaite présenter ma candidature au poste de chargé de projet au sein de votre association.",
    ])
    karim = _record_through_the_pipeline(config, store, KARIM, [("CV.pdf", cv), ("Lettre.pdf", letter)])
    _record_through_the_pipeline(config, store, SALMA, [("cv salma.pdf", cv)])  # the same bytes, another mail

    def read() -> set[str]:
        return {str(row["sha256"]) for row in store.db.query("select sha256 from readings")}

    assert read() == {sha256(cv).hexdigest(), sha256(letter).hexdigest()}
    purging.delete_rows(store, OMP_CHARGE, [karim])
    assert read() == {sha256(cv).hexdigest()}, "the letter's text goes with Karim's mail; Salma's CV keeps its reading"


def test_a_mail_judged_from_what_was_kept_still_needs_its_raw_copy(config: Path, store: Store) -> None:
    mail_id = _record_through_the_pipeline(config, store, KARIM, [("CV.pdf", make_pdf(["Curriculum vitae"]))])
    (load_settings(config).storage / str(_mail(store, mail_id)["raw_path"])).unlink()
    result = run(config, "retriage", "--call", OMP_CHARGE)
    assert "no longer stored" in result.stdout and "1 skipped" in result.stdout
