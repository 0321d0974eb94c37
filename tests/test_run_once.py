"""`run --once` records the sample inbox in SQLite; running it again records nothing twice."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from inbox_bot.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
EXPECTED = json.loads((ROOT / "examples" / "expected.json").read_text(encoding="utf-8"))


def write_config(tmp_path: Path) -> Path:
    config = tmp_path / "inbox-bot.toml"
    config.write_text(
        f'rules_dir = "{ROOT / "rules"}"\n'
        'database = "var/db.sqlite"\nstorage = "var/storage"\n'
        f'[[sources]]\nname = "sample"\npath = "{ROOT / "examples" / "inbox"}"\n',
        encoding="utf-8",
    )
    return config


def invoke(config: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["--config", str(config), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_run_once_records_everything_once(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    first = invoke(config, "run", "--once")
    assert f"recorded {len(EXPECTED)} mail(s), 0 already recorded" in first
    second = invoke(config, "run", "--once")
    assert f"recorded 0 mail(s), {len(EXPECTED)} already recorded" in second

    rows = [json.loads(line) for line in invoke(config, "list", "--json").splitlines()]
    assert len(rows) == len(EXPECTED)
    assert {Path(r["file"]).name: r["verdict"] for r in rows} == {n: e["verdict"] for n, e in EXPECTED.items()}
    assert all(
        {"id", "sender", "file", "message_id", "call", "missing", "documents", "received_at", "reasons"} <= set(r)
        for r in rows
    )

    with sqlite3.connect(tmp_path / "var" / "db.sqlite") as db:
        events = db.execute("select count(*) from events where kind = 'decision'").fetchone()[0]
        stored = db.execute("select count(distinct sha256), count(*) from documents").fetchone()
    assert events == len(EXPECTED)
    files = [p for p in (tmp_path / "var" / "storage" / "files").rglob("*") if p.is_file()]
    assert len(files) == stored[0], "each attachment is stored once, by content hash"
    assert all(p.stat().st_mode & 0o111 == 0 for p in files)
    raws = [p for p in (tmp_path / "var" / "storage" / "raw").rglob("*") if p.is_file()]
    assert len(raws) == len(EXPECTED)


def test_list_filters(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    invoke(config, "run", "--once")
    rows = [json.loads(line) for line in invoke(config, "list", "--verdict", "late", "--json").splitlines()]
    assert rows and all(r["verdict"] == "late" for r in rows)
    rows = [json.loads(line) for line in invoke(config, "list", "--call", "alci-guide-2024", "--json").splitlines()]
    assert rows and all(r["call"] == "alci-guide-2024" for r in rows)


def test_triage_dry_run_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    args = ["triage", str(ROOT / "examples" / "inbox"), "--rules", str(ROOT / "rules"), "--json"]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert list(tmp_path.iterdir()) == []
    assert result.exit_code == 0
    assert len(result.output.splitlines()) == len(EXPECTED)


def test_bad_rule_is_one_clear_line_and_exit_2(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "x-call.toml").write_text('id = "x-call"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["triage", str(ROOT / "examples" / "inbox"), "--rules", str(rules)])
    assert result.exit_code == 2
    assert "x-call.toml" in result.output and "fix:" in result.output


def test_a_password_variable_not_set_is_a_config_error_naming_each_mailbox_and_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write_config(tmp_path)
    for name, variable in (("ngo-jobs", "NGO_JOBS_IMAP_PASSWORD"), ("ngo-tenders", "NGO_TENDERS_IMAP_PASSWORD")):
        monkeypatch.delenv(variable, raising=False)
        with config.open("a", encoding="utf-8") as text:
            text.write(
                f'[[mailboxes]]\nname = "{name}"\nhost = "127.0.0.1"\nsecurity = "none"\n'
                f'username = "{name}@ngo.example"\npassword_env = "{variable}"\n'
            )
    result = CliRunner().invoke(main, ["--config", str(config), "run", "--once"])
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert lines[0] == f"inbox-bot: 2 problems in {config}, each with its fix:", lines
    for name, variable in (("ngo-jobs", "NGO_JOBS_IMAP_PASSWORD"), ("ngo-tenders", "NGO_TENDERS_IMAP_PASSWORD")):
        assert any(
            f"mailboxes[{name}].password_env: mailbox {name}: the environment variable {variable} is not set" in line
            and f"(fix: export {variable}=" in line
            for line in lines
        ), lines
    assert not (tmp_path / "var").exists(), "nothing is started before the config is right"


@pytest.mark.parametrize("blocked", ["its folder is a file", "it is a folder"])
def test_a_database_path_that_cannot_be_created_names_the_setting_the_file_and_the_fix(
    tmp_path: Path, blocked: str
) -> None:
    config = write_config(tmp_path)
    if blocked == "its folder is a file":  # the folder cannot be made
        (tmp_path / "var").write_text("a file where the database folder should be", encoding="utf-8")
    else:  # SQLite cannot open it
        (tmp_path / "var" / "db.sqlite").mkdir(parents=True)
    result = CliRunner().invoke(main, ["--config", str(config), "run", "--once"])
    assert result.exit_code == 2, result.output
    expected = f"inbox-bot: {config}: database: cannot create or open the database {tmp_path / 'var' / 'db.sqlite'}: "
    assert result.stderr.startswith(expected), result.stderr
    assert "Traceback" not in result.output and "(fix: set `database` to a file in a folder" in result.stderr


def test_an_operator_command_on_a_database_that_cannot_be_opened_names_the_config_file(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    (tmp_path / "var" / "db.sqlite").mkdir(parents=True)  # exists, so the command goes on to open it
    result = CliRunner().invoke(main, ["--config", str(config), "list"])
    assert result.exit_code == 2, result.output
    expected = f"inbox-bot: {config}: database: cannot create or open the database {tmp_path / 'var' / 'db.sqlite'}: "
    assert result.stderr.startswith(expected), result.stderr
    assert "Traceback" not in result.output
