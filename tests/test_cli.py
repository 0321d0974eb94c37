"""The command line's contract: one line per error, an exit code that says what to do, --traceback for more.

Each exit status is reached through click's CliRunner and once more through a real `python -m inbox_bot`.
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from inbox_bot.cli.common import DEFAULT_CONFIGS, find_config
from inbox_bot.cli.main import InboxBotGroup, main
from inbox_bot.core.errors import (
    ConfigError,
    DeliveryError,
    ExitStatus,
    InboxBotError,
    MailboxError,
    UsageError,
)
from tests.dovecot import free_port
from tests.opkit import open_store, write_config

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def no_ambient_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Neither the caller's INBOX_BOT_CONFIG nor a config.toml in the working folder may leak in.
    monkeypatch.delenv("INBOX_BOT_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def error_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]


def cli(*args: str, cwd: Path, **popen: object) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != "INBOX_BOT_CONFIG"}
    return subprocess.Popen(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-m", "inbox_bot", *args],
        cwd=cwd,
        env={**env, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


def finished(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=60)
    return process.returncode, out, err


def recorded_config(tmp_path: Path) -> Path:
    config = write_config(tmp_path, days_after_deadline=0)
    open_store(config).close()  # an empty database, as `run --once` leaves it before the first mail
    return config


def corrupt_database(tmp_path: Path) -> Path:
    config = write_config(tmp_path)
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "db.sqlite").write_bytes(b"this is not an SQLite database, " * 100)
    return config


def unreachable_mailbox(tmp_path: Path) -> Path:
    config = write_config(tmp_path)
    with config.open("a", encoding="utf-8") as out:
        out.write(
            f'[[mailboxes]]\nname = "down"\nhost = "127.0.0.1"\nport = {free_port()}\nsecurity = "none"\n'
            'username = "ngo"\npassword_env = "INBOX_BOT_TEST_CLI_PASSWORD"\nconnect_timeout = "2s"\n'
        )
    os.environ["INBOX_BOT_TEST_CLI_PASSWORD"] = "secret-never-shown"
    return config


# ---------------------------------------------------------------- each exit status, through CliRunner


def test_done_exits_0_and_version_comes_from_the_package() -> None:
    result = invoke("--version")
    assert result.exit_code == ExitStatus.DONE
    assert result.output.strip() == f"inbox-bot {version('inbox-bot')}"


def test_unexpected_error_is_one_line_exit_1_without_a_traceback(tmp_path: Path) -> None:
    result = invoke("--config", str(corrupt_database(tmp_path)), "list")
    assert result.exit_code == ExitStatus.UNEXPECTED
    (line,) = error_lines(result)
    assert line.startswith("inbox-bot: unexpected error: DatabaseError: file is not a database")
    assert line.endswith("(run again with --traceback and report it)")


def test_traceback_shows_the_unexpected_error_in_full(tmp_path: Path) -> None:
    result = invoke("--config", str(corrupt_database(tmp_path)), "--traceback", "list")
    assert result.exit_code == ExitStatus.UNEXPECTED
    assert result.stderr.startswith("Traceback (most recent call last):")
    assert "sqlite3.DatabaseError: file is not a database" in result.stderr
    assert error_lines(result)[-1].startswith("inbox-bot: unexpected error: DatabaseError")


def test_config_error_is_one_line_with_its_fix_exit_2(tmp_path: Path) -> None:
    result = invoke("--config", str(tmp_path / "missing.toml"), "list")
    assert result.exit_code == ExitStatus.FIX_CONFIG
    assert error_lines(result) == [
        f"inbox-bot: {tmp_path / 'missing.toml'}: config file not found (fix: copy config.example.toml and edit it)"
    ]


def test_traceback_shows_a_config_error_in_full_and_keeps_its_exit_code(tmp_path: Path) -> None:
    result = invoke("--traceback", "--config", str(tmp_path / "missing.toml"), "list")
    assert result.exit_code == ExitStatus.FIX_CONFIG
    assert "Traceback (most recent call last):" in result.stderr and "FileNotFoundError" in result.stderr
    assert error_lines(result)[-1].endswith("config file not found (fix: copy config.example.toml and edit it)")


def test_a_server_that_fails_exits_3(tmp_path: Path) -> None:
    result = invoke("--config", str(unreachable_mailbox(tmp_path)), "run", "--once")
    assert result.exit_code == ExitStatus.SERVICE_FAILED
    assert any(line.startswith("inbox-bot: mailbox down:") for line in error_lines(result))
    assert "secret-never-shown" not in result.output


def test_ctrl_c_at_a_prompt_exits_130_with_one_line(tmp_path: Path) -> None:
    config = recorded_config(tmp_path)
    # CliRunner's stdin ends here: the prompt is left unanswered, as when the operator presses Ctrl-C or Ctrl-D.
    result = CliRunner().invoke(main, ["--config", str(config), "purge", "--call", "alci-guide-2024"], input="")
    assert result.exit_code == ExitStatus.INTERRUPTED
    assert error_lines(result) == ["inbox-bot: interrupted"]


class Boom(Exception):
    pass


@pytest.mark.parametrize(
    ("error", "status", "line"),
    [
        (ConfigError("bad", file="c.toml", field="x", fix="fix x"), 2, "inbox-bot: c.toml: x: bad (fix: fix x)"),
        (UsageError("wrong", fix="do it right"), 2, "inbox-bot: wrong (fix: do it right)"),
        (MailboxError("imap down", fix="later"), 3, "inbox-bot: imap down (fix: later)"),
        (DeliveryError("smtp down"), 3, "inbox-bot: smtp down"),
        (InboxBotError("ours, unclassified"), 1, "inbox-bot: ours, unclassified"),
        (Boom("no"), 1, "inbox-bot: unexpected error: Boom: no (run again with --traceback and report it)"),
        (KeyboardInterrupt(), 130, "inbox-bot: interrupted"),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, BaseException) else str(value),
)
def test_the_handler_maps_each_kind_of_error(error: BaseException, status: int, line: str) -> None:
    group = InboxBotGroup(params=[click.Option(["--traceback"], is_flag=True)])

    @group.command()
    def fail() -> None:
        raise error

    result = CliRunner().invoke(group, ["fail"])
    assert (result.exit_code, error_lines(result)) == (status, [line])
    shown = CliRunner().invoke(group, ["--traceback", "fail"])
    assert shown.exit_code == status and "Traceback (most recent call last):" in shown.stderr


def test_a_config_error_of_several_lines_is_printed_whole() -> None:
    group = InboxBotGroup(params=[click.Option(["--traceback"], is_flag=True)])

    @group.command()
    def fail() -> None:
        raise ConfigError("2 problems:\n  a: missing\n  b: unknown key", file="c.toml")

    result = CliRunner().invoke(group, ["fail"])
    assert result.exit_code == 2
    assert error_lines(result) == ["inbox-bot: c.toml: 2 problems:", "  a: missing", "  b: unknown key"]


# ---------------------------------------------------------------- the same statuses, through a real process


def test_real_process_exit_statuses(tmp_path: Path) -> None:
    (tmp_path / "ok").mkdir()
    code, out, _ = finished(cli("--version", cwd=tmp_path / "ok"))
    assert (code, out.strip()) == (0, f"inbox-bot {version('inbox-bot')}")

    (tmp_path / "corrupt").mkdir()
    code, _, err = finished(cli("--config", str(corrupt_database(tmp_path / "corrupt")), "list", cwd=tmp_path))
    assert code == 1 and err.startswith("inbox-bot: unexpected error: DatabaseError") and "Traceback" not in err

    (tmp_path / "empty").mkdir()
    code, _, err = finished(cli("list", cwd=tmp_path / "empty"))
    assert code == 2 and err.count("\n") == 1 and "pass --config FILE, set INBOX_BOT_CONFIG=FILE" in err
    assert not (tmp_path / "empty" / "var").exists()

    (tmp_path / "down").mkdir()
    code, _, err = finished(cli("--config", str(unreachable_mailbox(tmp_path / "down")), "run", "--once", cwd=tmp_path))
    assert code == 3 and "inbox-bot: mailbox down:" in err


def test_real_ctrl_c_exits_130_with_one_line(tmp_path: Path) -> None:
    config = recorded_config(tmp_path)
    process = cli("--config", str(config), "purge", "--call", "alci-guide-2024", cwd=tmp_path, stdin=subprocess.PIPE)
    assert process.stdout is not None
    seen = ""
    deadline = time.monotonic() + 30
    while "Delete them for good?" not in seen and time.monotonic() < deadline:
        seen += os.read(process.stdout.fileno(), 1024).decode()
    process.send_signal(signal.SIGINT)
    code, _, err = finished(process)
    assert (code, err.strip()) == (130, "inbox-bot: interrupted")


# ---------------------------------------------------------------- where the config comes from


def test_no_config_and_no_database_is_refused_without_creating_anything(tmp_path: Path) -> None:
    for command in (["list"], ["status"], ["applications"], ["show", "1"], ["outbox"], ["digest", "--preview"]):
        result = invoke(*command)
        assert result.exit_code == ExitStatus.FIX_CONFIG, (command, result.output)
        (line,) = error_lines(result)
        assert "no config found" in line and "run `inbox-bot run --once` first" in line
    assert list(tmp_path.iterdir()) == []


def test_a_config_whose_database_does_not_exist_yet_is_refused_with_the_command_that_creates_it(
    tmp_path: Path,
) -> None:
    config = write_config(tmp_path)
    result = invoke("--config", str(config), "list")
    assert result.exit_code == ExitStatus.FIX_CONFIG
    assert error_lines(result) == [
        f"inbox-bot: {config}: database: no database at {tmp_path / 'var' / 'db.sqlite'} yet "
        f"(fix: run `inbox-bot --config {config} run --once` first, or correct `database`)"
    ]
    assert not (tmp_path / "var").exists()


def test_config_comes_from_the_variable_then_config_toml_then_etc(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert (Path("config.toml"), Path("/etc/inbox-bot/config.toml")) == DEFAULT_CONFIGS
    assert find_config(None, (tmp_path / "config.toml",)) is None
    config = recorded_config(tmp_path)
    monkeypatch.setenv("INBOX_BOT_CONFIG", str(config))
    assert invoke("list").exit_code == 0
    monkeypatch.delenv("INBOX_BOT_CONFIG")
    config.rename(tmp_path / "config.toml")
    assert find_config(None) == Path("config.toml")
    assert invoke("list").exit_code == 0
    help_text = invoke("--help").output
    assert "INBOX_BOT_CONFIG" in help_text and "/etc/inbox-bot/config.toml" in help_text


# ---------------------------------------------------------------- output options, list, status


def test_json_and_csv_are_the_same_rows(tmp_path: Path) -> None:
    rules = ROOT / "rules"
    as_json = [json.loads(line) for line in invoke("rules", "check", str(rules), "--json").stdout.splitlines()]
    as_csv = list(csv.DictReader(io.StringIO(invoke("rules", "check", str(rules), "--csv").stdout)))
    assert [row["id"] for row in as_json] == [row["id"] for row in as_csv] and len(as_csv) == 5
    both = invoke("rules", "check", str(rules), "--json", "--csv")
    assert both.exit_code == 2 and error_lines(both)[0].startswith("inbox-bot: --json and --csv")


def test_list_shows_the_id_every_other_command_takes(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'rules_dir = "{(ROOT / "rules").as_posix()}"\ndatabase = "var/db.sqlite"\nstorage = "var/storage"\n'
        f'[[sources]]\nname = "sample"\npath = "{(ROOT / "examples" / "inbox").as_posix()}"\n',
        encoding="utf-8",
    )
    assert invoke("run", "--once").exit_code == 0
    table = invoke("list", "--verdict", "complete").stdout
    header = next(line for line in table.splitlines() if "received (Morocco)" in line)
    assert header.split()[1] == "id"
    rows = list(csv.DictReader(io.StringIO(invoke("list", "--verdict", "complete", "--csv").stdout)))
    first = rows[0]["id"]
    assert invoke("show", first).exit_code == 0
    assert any(line.split()[1] == first for line in table.splitlines() if len(line.split()) > 2)


def test_status_shows_sources_and_rules_in_force_never_a_secret(tmp_path: Path) -> None:
    config = unreachable_mailbox(tmp_path)
    with config.open("a", encoding="utf-8") as out:
        out.write(f'[[sources]]\nname = "saved"\npath = "{tmp_path.as_posix()}/saved"\n')
    open_store(config).close()
    report = json.loads(invoke("--config", str(config), "status", "--json").stdout)
    assert report["sources"] == [
        {"kind": "imap", "name": "down", "where": "127.0.0.1", "folder": "INBOX",
         "file_into": "inbox-bot/{call}/{verdict}", "auth": "password_env"},
        {"kind": "folder", "name": "saved", "where": f"{tmp_path}/saved", "folder": None, "file_into": None,
         "auth": None},
    ]  # fmt: skip
    calls = {call["id"]: call for call in report["calls"]}
    assert calls["oxfam-migration-2022"] == {
        "id": "oxfam-migration-2022",
        "organisation": "Oxfam Maroc",
        "deadline": "2022-01-21 24:00",
        "days_left": None,
        "late_policy": "hold",
    }
    assert report["rule_errors"] == []
    shown = CliRunner().invoke(main, ["--config", str(config), "status"], env={"COLUMNS": "200"}).stdout
    assert "Rules in force" in shown and "Oxfam Maroc" in shown and "2022-01-21 24:00" in shown
    assert "Sources" in shown and "password_env" in shown
    assert "secret-never-shown" not in shown + json.dumps(report)


def test_status_of_a_config_without_mailboxes_says_so_instead_of_an_empty_table(tmp_path: Path) -> None:
    # The README's first command reads the sample inbox, a folder: no IMAP mailbox is ever polled
    config = write_config(tmp_path)
    with config.open("a", encoding="utf-8") as out:
        out.write(f'[[sources]]\nname = "saved"\npath = "{tmp_path.as_posix()}/saved"\n')
    open_store(config).close()
    shown = CliRunner().invoke(main, ["--config", str(config), "status"], env={"COLUMNS": "200"}).stdout
    assert "Mailboxes: none in the config; mail comes from the folders under Sources" in shown
    assert "mails seen" not in shown  # the mailboxes table's header
    assert "saved" in shown
    (tmp_path / "imap").mkdir()
    never_polled = unreachable_mailbox(tmp_path / "imap")
    open_store(never_polled).close()
    shown = CliRunner().invoke(main, ["--config", str(never_polled), "status"], env={"COLUMNS": "200"}).stdout
    assert "Mailboxes: not polled yet" in shown


def test_a_command_imports_only_its_own_layers(tmp_path: Path) -> None:
    # `rules new` and `--help` of one command must not pay for the daemon, SQLite or the PDF readers.
    script = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from inbox_bot.cli.main import main\n"
        f"result = CliRunner().invoke(main, ['rules', 'new', 'demo-2027', '--dir', {str(tmp_path)!r}])\n"
        "assert result.exit_code == 0, result.output\n"
        "heavy = ('inbox_bot.daemon', 'inbox_bot.storage', 'inbox_bot.triage', 'sqlite_utils', 'pypdf', 'openpyxl')\n"
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout
    assert (tmp_path / "demo-2027.toml").is_file()


def test_every_command_named_in_main_loads() -> None:
    from inbox_bot.cli.lazy import LazyGroup

    groups = [main, main.get_command(click.Context(main), "rules")]
    for group in groups:
        assert isinstance(group, LazyGroup)
        assert set(group.in_order()) >= set(group.lazy)
