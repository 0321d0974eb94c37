"""The operator's commands through `inbox-bot` (click's CliRunner), on a store filled by hand."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from inbox_bot.core.models import ReceivedSource, Verdict
from tests.opkit import OMP_CHARGE, RULES_DIR, day, json_lines, open_store, record, run, write_config

KARIM = "karim@example.ma"
SALMA = "salma@example.ma"


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """Karim's dossier took two mails (then a resend), Salma's one; one mail is for no call."""
    config = write_config(tmp_path)
    store = open_store(config)
    record(store, KARIM, missing=["cover_letter", "references"], files={"CV.pdf": "cv"}, received=day(20))
    record(
        store,
        KARIM,
        verdict=Verdict.COMPLETE,
        received=day(22),
        files={"lettre.pdf": "cover_letter", "refs.pdf": "references"},
    )
    record(store, KARIM, verdict=Verdict.DUPLICATE, received=day(23), files={"refs.pdf": "references"})
    record(
        store,
        SALMA,
        name="Salma Bennani",
        missing=["references"],
        received=day(25),
        files={"cv_salma.pdf": "cv", "lettre.pdf": "cover_letter"},
    )
    record(store, "someone@example.org", call=None, verdict=Verdict.UNMATCHED, received=day(26), subject="Bonjour")
    store.close()
    return config


COMMANDS = [
    ["rules"],
    ["list"],
    ["applications"],
    ["show"],
    ["retriage"],
    ["override"],
    ["export"],
    ["unseal"],
    ["extend"],
    ["rules", "check"],
    ["purge"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help_with_an_example(config: Path, command: list[str]) -> None:
    result = run(config, *command, "--help")
    assert result.exit_code == 0, result.output
    assert "Example:" in result.output and "inbox-bot" in result.output


# ---------------------------------------------------------------- applications


def test_applications_newest_first_with_the_verdict_of_the_latest_deciding_mail(config: Path) -> None:
    rows = json_lines(run(config, "applications", "--json"))
    assert [(r["id"], r["sender"], r["verdict"]) for r in rows] == [
        ("A4", SALMA, "incomplete"),
        ("A1", KARIM, "complete"),  # the later resend (a duplicate) says nothing about the dossier
    ]
    assert rows[0]["missing"] == ["references"] and rows[0]["name"] == "Salma Bennani"
    assert rows[1]["mails"] == [1, 2, 3] and rows[1]["deciding_mail"] == 2


def test_applications_filters_and_table(config: Path) -> None:
    assert [r["id"] for r in json_lines(run(config, "applications", "--verdict", "complete", "--json"))] == ["A1"]
    assert json_lines(run(config, "applications", "--call", "omp-cabinet-2026", "--json")) == []
    table = run(config, "applications")
    assert table.exit_code == 0
    assert "2 application(s)" in table.stdout and "A4" in table.stdout and "2026-04-25 10:00" in table.stdout


def test_applications_of_a_call_whose_rule_file_is_gone_are_listed_with_all_or_by_their_call(config: Path) -> None:
    # GIVEN a store that also holds a call of two years ago, its rule file since removed from rules/
    store = open_store(config)
    old_call = "omp-charge-projet-2024"
    record(store, "nadia@example.ma", call=old_call, verdict=Verdict.COMPLETE, received=day(1) - timedelta(days=730))
    store.close()
    # WHEN the applications are listed without a call, THEN the calls in force only, and the title says more exist
    listed = run(config, "applications")
    assert listed.exit_code == 0
    assert "2 application(s) of the calls in force; 1 other call(s) recorded: --all or --call" in listed.stdout
    assert {r["call"] for r in json_lines(run(config, "applications", "--json"))} == {OMP_CHARGE}
    # AND --all and --call still reach the old call's application
    every = json_lines(run(config, "applications", "--all", "--json"))
    assert [(r["sender"], r["call"]) for r in every][-1] == ("nadia@example.ma", old_call) and len(every) == 3
    [old] = json_lines(run(config, "applications", "--call", old_call, "--json"))
    assert old["verdict"] == "complete"
    assert "other call(s)" not in run(config, "applications", "--all").stdout


def test_applications_rejects_an_unknown_verdict_in_one_line(config: Path) -> None:
    result = run(config, "applications", "--verdict", "great")
    assert result.exit_code == 2
    assert "Invalid value for '--verdict'" in result.stderr


def test_list_still_lists_mails(config: Path) -> None:
    rows = json_lines(run(config, "list", "--call", OMP_CHARGE, "--json"))
    assert [r["id"] for r in rows] == [1, 2, 3, 4]


# ---------------------------------------------------------------- show


def test_show_an_application_gives_every_mail_document_and_event(config: Path) -> None:
    [detail] = json_lines(run(config, "show", "A1", "--json"))
    assert detail["kind"] == "application" and detail["application"]["verdict"] == "complete"
    assert [m["id"] for m in detail["mails"]] == [1, 2, 3]
    [cv] = detail["mails"][0]["documents"]
    assert (cv["filename"], cv["kind"], cv["mime"], cv["reasons"]) == (
        "CV.pdf",
        "cv",
        "application/pdf",
        [{"code": "note", "params": {"text": "the text reads like a cv"}, "text": "the text reads like a cv"}],
    )
    assert [e["kind"] for e in detail["mails"][0]["events"]] == ["decision"]


def test_show_accepts_every_id_form(config: Path) -> None:
    by_pair = json_lines(run(config, "show", f"{OMP_CHARGE}:{KARIM.upper()}", "--json"))[0]
    assert [m["id"] for m in by_pair["mails"]] == [1, 2, 3]
    one = json_lines(run(config, "show", "2", "--json"))[0]
    assert one["kind"] == "mail" and [m["id"] for m in one["mails"]] == [2]
    assert one["application"]["id"] == "A1"  # a mail says which application it belongs to
    table = run(config, "show", "2")
    assert table.exit_code == 0 and "lettre.pdf" in table.stdout and "Application A1" in table.stdout


@pytest.mark.parametrize("ident", ["99", "A99", "A5", "nobody", "omp-cabinet-2026:karim@example.ma"])
def test_show_refuses_a_bad_id_in_one_line(config: Path, ident: str) -> None:
    result = run(config, "show", ident)
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith("inbox-bot: ")


def test_show_prints_an_applicants_markup_as_text(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    store = open_store(config)
    record(store, KARIM, subject="[/] [bold]candidature", files={"[red]cv[/].pdf": "cv"})
    store.close()
    result = run(config, "show", "1")
    assert result.exit_code == 0, result.output
    assert "[/] [bold]candidature" in result.stdout and "[red]cv[/].pdf" in result.stdout


# ---------------------------------------------------------------- override


def test_override_records_the_decision_and_corrected_kinds(config: Path) -> None:
    result = run(
        config,
        "override",
        "A4",
        "--verdict",
        "complete",
        "--kind",
        "lettre.pdf=references",
        "--note",
        "la lettre contient les références",
    )
    assert result.exit_code == 0, result.output
    store = open_store(config)
    try:
        mail = store.table("mails").get(4)
        assert (mail["verdict"], mail["missing"]) == ("complete", "[]")
        kinds = {d["filename"]: d["kind"] for d in store.documents(4)}
        assert kinds == {"cv_salma.pdf": "cv", "lettre.pdf": "references"}
        overrides = list(store.table("overrides").rows)
        assert [(o["field"], o["value"], o["note"]) for o in overrides] == [
            ("verdict", "complete", "la lettre contient les références"),
            ("kind", "references", "la lettre contient les références"),
        ]
        assert store.events(4)[-1]["kind"] == "override"
    finally:
        store.close()
    [row] = json_lines(run(config, "applications", "--call", OMP_CHARGE, "--verdict", "complete", "--json"))[:1]
    assert row["id"] == "A4" and row["overridden"] is True


def test_override_recomputes_what_is_missing_with_the_corrected_kinds(config: Path) -> None:
    result = run(
        config,
        "override",
        "4",
        "--verdict",
        "needs_review",
        "--kind",
        "lettre.pdf=other",
        "--note",
        "not a cover letter",
        "--json",
    )
    assert result.exit_code == 0, result.output
    [done] = json_lines(result)
    assert done["after"] == {"verdict": "needs_review", "missing": ["cover_letter", "references"]}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kind", "nothere.pdf=cv"], "no document named 'nothere.pdf'"),
        (["--kind", "lettre.pdf"], "write FILE=KIND"),
        (["--kind", "lettre.pdf=letter"], "write FILE=KIND"),
    ],
)
def test_override_refuses_bad_kinds(config: Path, args: list[str], message: str) -> None:
    result = run(config, "override", "4", "--verdict", "complete", "--note", "n", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert open_store(config).table("mails").get(4)["verdict"] == "incomplete"


def test_override_needs_a_note(config: Path) -> None:
    assert run(config, "override", "4", "--verdict", "complete").exit_code == 2
    result = run(config, "override", "4", "--verdict", "complete", "--note", "  ")
    assert result.exit_code == 2 and "--note" in result.stderr


# ---------------------------------------------------------------- extend


def test_extend_the_whole_call_and_one_applicant(config: Path) -> None:
    whole = run(config, "extend", "--call", OMP_CHARGE, "--until", "2026-05-06T16:00", "--note", "panne serveur")
    assert whole.exit_code == 0, whole.output
    own = run(
        config,
        "extend",
        "--call",
        OMP_CHARGE,
        "--until",
        "2026-05-05",
        "--applicant",
        SALMA.upper(),
        "--note",
        "certificat médical",
        "--json",
    )
    [row] = json_lines(own)
    # Morocco is UTC+1 in May 2026; a date alone is the end of that day.
    assert (row["applicant"], row["until"]) == (SALMA, "2026-05-05T23:00:00+00:00")
    store = open_store(config)
    try:
        assert store.deadline_override(OMP_CHARGE, KARIM) == datetime(2026, 5, 6, 15, 0, tzinfo=UTC)
        # Her own extension is earlier than the call's: the call-wide one still holds for her.
        assert store.deadline_override(OMP_CHARGE, SALMA) == datetime(2026, 5, 6, 15, 0, tzinfo=UTC)
        assert store.deadline_override("omp-cabinet-2026", KARIM) is None
        extensions = list(store.db.query("select kind, detail from events where mail_id is null"))
        assert [e["kind"] for e in extensions] == ["extension", "extension"]
    finally:
        store.close()
    listed = json_lines(run(config, "extend", "--call", OMP_CHARGE, "--json"))
    assert [r["note"] for r in listed] == ["panne serveur", "certificat médical"]


def test_a_later_own_extension_beats_the_call_wide_one(config: Path) -> None:
    run(config, "extend", "--call", OMP_CHARGE, "--until", "2026-05-06T16:00", "--note", "everyone")
    run(config, "extend", "--call", OMP_CHARGE, "--until", "2026-05-08T16:00", "--applicant", SALMA, "--note", "her")
    store = open_store(config)
    assert store.deadline_override(OMP_CHARGE, SALMA) == datetime(2026, 5, 8, 15, 0, tzinfo=UTC)
    assert store.deadline_override(OMP_CHARGE, KARIM) == datetime(2026, 5, 6, 15, 0, tzinfo=UTC)
    store.close()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--until", "2026-05-04T15:00", "--note", "n"], "is not after the call's deadline"),
        (["--until", "next week", "--note", "n"], "is not a date"),
        (["--until", "2026-05-06T16:00+01:00", "--note", "n"], "carries an offset"),
        (["--until", "2026-05-06T16:00"], "needs a --note"),
        (["--note", "n"], "go with --until"),
    ],
)
def test_extend_refuses_bad_arguments_in_one_line(config: Path, args: list[str], message: str) -> None:
    result = run(config, "extend", "--call", OMP_CHARGE, *args)
    assert result.exit_code == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_extend_unknown_call(config: Path) -> None:
    result = run(config, "extend", "--call", "nope", "--until", "2026-05-06", "--note", "n")
    assert result.exit_code == 2 and "no call 'nope'" in result.stderr


# ---------------------------------------------------------------- rules check


def test_rules_check_lists_every_call_with_both_times(config: Path) -> None:
    result = run(config, "rules", "check", "--json")
    assert result.exit_code == 0, result.output
    rows = {r["id"]: r for r in json_lines(result)}
    assert len(rows) == 5
    assert (rows[OMP_CHARGE]["local"], rows[OMP_CHARGE]["utc"]) == ("2026-05-04 16:00", "2026-05-04 15:00")
    assert rows["alci-guide-2024"]["local"] == "2024-01-06 24:00"  # "au plus tard le 6 janvier 2024"
    assert all(isinstance(r["days_left"], int) for r in rows.values())
    assert run(config, "rules", "check", str(RULES_DIR)).exit_code == 0


def test_rules_check_names_the_file_and_field_of_every_error(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    oxfam = rules / "oxfam-migration-2022.toml"
    oxfam.write_text(
        oxfam.read_text(encoding="utf-8").replace('late_policy = "hold"', 'late_policy = "maybe"'), encoding="utf-8"
    )
    alci = rules / "alci-guide-2024.toml"
    alci.write_text(alci.read_text(encoding="utf-8").replace('required = ["cv"', 'required = ["cvv"'), encoding="utf-8")
    result = run(write_config(tmp_path), "rules", "check", str(rules))
    assert result.exit_code == 2
    errors = result.stderr.strip().splitlines()
    assert any("oxfam-migration-2022.toml: deadline.late_policy" in e for e in errors)
    assert any("alci-guide-2024.toml: documents.required.0" in e for e in errors)
    assert "omp-cabinet-2026" in result.stdout  # the good ones are still shown


def test_rules_check_missing_folder(tmp_path: Path) -> None:
    result = run(write_config(tmp_path), "rules", "check", str(tmp_path / "none"))
    assert result.exit_code == 2 and "rules folder not found" in result.stderr


# ---------------------------------------------------------------- export (the files themselves: test_export)


def test_export_unknown_call_and_default_name(config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run(config, "export", "--call", "nope").exit_code == 2
    monkeypatch.chdir(tmp_path)
    result = run(config, "export", "--call", OMP_CHARGE)
    assert result.exit_code == 0, result.output
    assert (tmp_path / f"{OMP_CHARGE}.xlsx").is_file()
    assert "2 applicant(s) on time, 0 late" in result.stdout
    assert "one overall mark" in result.stdout  # the OMP call states no weighted criteria


# ---------------------------------------------------------------- purge


def _files(config: Path) -> set[str]:
    storage = config.parent / "var" / "storage"
    return {p.relative_to(storage).as_posix() for p in storage.rglob("*") if p.is_file()}


@pytest.fixture
def two_calls(tmp_path: Path) -> Path:
    """OMP charge de projet (closed 2026-05-04) and OMP cabinet; one file sent to both by the same firm.

    The retention is a century long, so refusing to purge does not depend on today's date."""
    config = write_config(tmp_path, days_after_deadline=36500)
    store = open_store(config)
    record(store, KARIM, files={"CV.pdf": "cv", "statuts.pdf": "administrative_file"}, salt="firm")
    record(store, SALMA, verdict=Verdict.LATE, received=day(5, 5), files={"cv.pdf": "cv"})
    record(
        store,
        KARIM,
        call="omp-cabinet-2026",
        subject="Candidature_ Consultation_Cabinet_Projet OMP",
        files={"statuts.pdf": "administrative_file"},
        salt="firm",
    )
    store.close()
    run(config, "extend", "--call", OMP_CHARGE, "--until", "2026-05-05", "--applicant", SALMA, "--note", "Salma")
    run(config, "override", "1", "--verdict", "complete", "--note", "Karim Alaoui phoned")
    return config


def test_purge_refuses_before_the_retention_ends(two_calls: Path) -> None:
    result = run(two_calls, "purge", "--call", OMP_CHARGE, "--yes")
    assert result.exit_code == 2
    # The latest extension (2026-05-05, end of day: 23:00 UTC) + 36500 days, when Morocco is at UTC+0.
    kept_until = (datetime(2026, 5, 5, 23, tzinfo=UTC) + timedelta(days=36500)).date().isoformat()
    assert f"kept until {kept_until}" in result.stderr and "--force" in result.stderr


def test_purge_deletes_the_calls_personal_data_and_keeps_counts(two_calls: Path) -> None:
    before = _files(two_calls)
    result = run(two_calls, "purge", "--call", OMP_CHARGE, "--keep-counts", "--force", "--yes")
    assert result.exit_code == 0, result.output
    store = open_store(two_calls)
    try:
        assert [m["call"] for m in store.mails()] == ["omp-cabinet-2026"]
        left = {r["mail_id"] for t in ("documents", "events", "overrides") for r in store.table(t).rows}
        assert left <= {3, None}
        assert list(store.table("extensions").rows) == []
        text = " ".join(str(r) for t in ("events", "purged_counts") for r in store.table(t).rows)
        assert KARIM not in text and SALMA not in text and "Karim" not in text
        counts = {(r["verdict"], r["mails"], r["applications"]) for r in store.table("purged_counts").rows}
        assert counts == {("complete", 1, 1), ("late", 1, 1)}
        shared = next(d["path"] for d in store.documents(3))
    finally:
        store.close()
    after = _files(two_calls)
    assert shared in after  # the cabinet's mail still uses the same file
    assert len(before - after) == 4  # two raw mails, Karim's CV, Salma's CV


def test_purge_asks_first(two_calls: Path) -> None:
    result = run(two_calls, "purge", "--call", OMP_CHARGE, "--force", input="n\n")
    assert result.exit_code == 2 and "nothing deleted" in result.stderr
    assert len(open_store(two_calls).mails(call=OMP_CHARGE)) == 2
    result = run(two_calls, "purge", "--call", OMP_CHARGE, "--force", input="y\n")
    assert result.exit_code == 0 and open_store(two_calls).mails(call=OMP_CHARGE) == []


def test_purge_after_the_retention_needs_no_force(tmp_path: Path) -> None:
    config = write_config(tmp_path, days_after_deadline=10)
    store = open_store(config)
    record(
        store,
        KARIM,
        call="alci-guide-2024",
        received=datetime(2024, 1, 2, tzinfo=UTC),
        received_source=ReceivedSource.SERVER,
    )
    store.close()
    result = run(config, "purge", "--call", "alci-guide-2024", "--yes")
    assert result.exit_code == 0, result.output
    assert open_store(config).mails() == []
    assert run(config, "purge", "--call", "nope", "--yes").exit_code == 2


def test_purge_keeps_the_imap_ledger_rows_unlinked_and_drops_the_replies(two_calls: Path) -> None:
    store = open_store(two_calls)
    store.table("ledger").insert(
        {
            "mailbox": "omp",
            "folder": "INBOX",
            "uidvalidity": 1,
            "uid": 7,
            "mail_id": 1,
            "message_id": "<karim@example.ma>",
            "sha256": "ab" * 32,
            "state": "filed",
        }
    )
    store.table("outbox").insert(
        {
            "mail_id": 1,
            "kind": "receipt",
            "applicant": KARIM,
            "rcpt": f'["{KARIM}"]',
            "message_id": "<r1@inbox-bot>",
            "message": b"Bonjour Karim",
            "state": "sent",
            "created_at": "2026-04-20T09:00:00+00:00",
        }
    )
    store.close()
    assert run(two_calls, "purge", "--call", OMP_CHARGE, "--force", "--yes").exit_code == 0
    store = open_store(two_calls)
    try:
        # The poll still knows UID 7 (or it would fetch the purged mail again), but not whose it was.
        [ledger] = store.table("ledger").rows
        assert (ledger["uid"], ledger["mail_id"], ledger["message_id"], ledger["sha256"]) == (7, None, None, None)
        assert list(store.table("outbox").rows) == []
    finally:
        store.close()


def test_override_clear_goes_back_to_the_automatic_verdict_and_keeps_the_history(config: Path) -> None:
    note = ["--note", "la lettre contient les références"]
    pinned = run(config, "override", "A4", "--verdict", "complete", "--kind", "lettre.pdf=references", *note)
    assert pinned.exit_code == 0
    refused = run(config, "override", "A4", "--clear", "--verdict", "complete", "--note", "x")
    assert refused.exit_code == 2 and "takes no --verdict" in refused.output
    [done] = json_lines(run(config, "override", "A4", "--clear", "--note", "erreur de ma part", "--json"))
    assert {(c["field"], c["value"]) for c in done["cleared"]} == {("verdict", "complete"), ("kind", "references")}
    store = open_store(config)
    try:
        assert list(store.table("overrides").rows) == []
        kinds = [e["kind"] for e in store.events(4)]
        assert kinds[kinds.index("override"):][:2] == ["override", "override_cleared"]
        assert store.events(4)[kinds.index("override_cleared")]["detail"]["note"] == "erreur de ma part"
        assert store.table("mails").get(4)["verdict"] != "complete"  # the rules' verdict again
    finally:
        store.close()
    rows = {r["id"]: r for r in json_lines(run(config, "applications", "--call", OMP_CHARGE, "--json"))}
    assert rows["A4"]["overridden"] is False
    again = run(config, "override", "A4", "--clear", "--note", "encore")
    assert again.exit_code == 2 and "no override to clear" in again.output


def test_extend_revoke_removes_the_extension_and_records_it(config: Path) -> None:
    assert run(config, "extend", "--call", OMP_CHARGE, "--until", "2026-05-06T16:00", "--note", "panne").exit_code == 0
    own = ["--applicant", SALMA, "--note", "certificat"]
    assert run(config, "extend", "--call", OMP_CHARGE, "--until", "2026-05-08", *own).exit_code == 0
    revoked = run(config, "extend", "--call", OMP_CHARGE, "--revoke", "--applicant", SALMA, "--note", "erreur")
    assert revoked.exit_code == 0, revoked.output
    assert f"inbox-bot retriage --call {OMP_CHARGE}" in revoked.output
    store = open_store(config)
    try:
        assert store.deadline_override(OMP_CHARGE, SALMA) == datetime(2026, 5, 6, 15, 0, tzinfo=UTC)  # the call's
        events = [e["kind"] for e in store.db.query("select kind from events where mail_id is null order by id")]
        assert events == ["extension", "extension", "extension_revoked"]
    finally:
        store.close()
    no_note = run(config, "extend", "--call", OMP_CHARGE, "--revoke")
    assert no_note.exit_code == 2 and "--note" in no_note.output
    nothing = run(config, "extend", "--call", OMP_CHARGE, "--revoke", "--applicant", SALMA, "--note", "x")
    assert nothing.exit_code == 2 and "no extension" in nothing.output


# ---------------------------------------------------------------- a person's rejection


def test_a_rejection_is_a_persons_verdict_listed_counted_and_undone(config: Path) -> None:
    done = run(config, "override", "A4", "--verdict", "rejected", "--note", "hors du champ de l'appel")
    assert done.exit_code == 0, done.output
    assert "incomplete -> rejected (override)" in done.stdout
    [app] = json_lines(run(config, "applications", "--verdict", "rejected", "--json"))
    assert (app["id"], app["verdict"], app["overridden"]) == ("A4", "rejected", True)
    assert [r["id"] for r in json_lines(run(config, "list", "--verdict", "rejected", "--json"))] == [4]
    assert "rejected" in run(config, "applications").stdout
    store = open_store(config)
    try:
        status = run(config, "status", "--json")
        counts = {(c["call"], c["verdict"]): c["n"] for c in json_lines(status)[0]["counts"]}
        # the tallies follow the change: Salma's mail left "incomplete" (Karim's first mail is still there)
        assert (counts[(OMP_CHARGE, "rejected")], counts[(OMP_CHARGE, "incomplete")]) == (1, 1)
        assert list(store.table("outbox").rows) == []  # no notice to the applicant for a rejection
    finally:
        store.close()
    cleared = run(config, "override", "A4", "--clear", "--note", "erreur de dossier")
    assert cleared.exit_code == 0, cleared.output
    assert json_lines(run(config, "applications", "--verdict", "rejected", "--json")) == []
    back = {r["id"]: r for r in json_lines(run(config, "applications", "--json"))}["A4"]
    assert back["verdict"] != "rejected" and back["overridden"] is False  # the rules' verdict again
    store = open_store(config)
    try:
        assert list(store.table("outbox").rows) == []
    finally:
        store.close()
