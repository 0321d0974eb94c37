"""The `inbox-bot` command. Commands stay thin: parse options, call one function, print."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from traceback import print_exc
from typing import Any, NoReturn

import click

from inbox_bot.cli.common import CONFIG_ENV, Context, default_config_help
from inbox_bot.cli.lazy import LazyGroup
from inbox_bot.core.errors import ExitStatus, InboxBotError

TRACEBACK_ADVICE = "run again with --traceback and report it"


class InboxBotGroup(LazyGroup):
    """The one place where an error becomes one line on stderr and an exit code that says what to do next."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit):
            raise  # click's own: usage errors (exit 2) and --help, already one clear message
        except InboxBotError as exc:
            _fail(ctx, exc.exit_code, exc.one_line())
        except (KeyboardInterrupt, click.Abort):  # click turns Ctrl-C (or Ctrl-D) at a prompt into Abort
            _fail(ctx, ExitStatus.INTERRUPTED, "interrupted")
        except Exception as exc:
            advice = "report it with the traceback above" if _wants_traceback(ctx) else TRACEBACK_ADVICE
            _fail(ctx, ExitStatus.UNEXPECTED, f"unexpected error: {type(exc).__name__}: {exc} ({advice})")


def _wants_traceback(ctx: click.Context) -> bool:
    return bool(ctx.params.get("traceback"))


def _fail(ctx: click.Context, status: ExitStatus, line: str) -> NoReturn:
    if _wants_traceback(ctx):
        print_exc(file=sys.stderr)
    click.echo(f"inbox-bot: {line}", err=True)
    ctx.exit(status)


OPERATOR = "inbox_bot.cli.operator_commands"
MAIL = "inbox_bot.cli.mail_commands"
# Each command's module, imported only when it runs; in the README's order.
COMMANDS = {
    "triage": f"{MAIL}:triage",
    "run": f"{MAIL}:run",
    "check": f"{MAIL}:check",
    "status": f"{MAIL}:status",
    "list": f"{MAIL}:list_",
    "applications": f"{OPERATOR}:applications",
    "show": f"{OPERATOR}:show",
    "retriage": f"{OPERATOR}:retriage_",
    "override": f"{OPERATOR}:override",
    "export": f"{OPERATOR}:export_",
    "unseal": f"{OPERATOR}:unseal_",
    "extend": f"{OPERATOR}:extend",
    "rules": "inbox_bot.cli.main:rules",
    "purge": f"{OPERATOR}:purge_",
    "digest": "inbox_bot.cli.digest_commands:digest_command",
    "outbox": "inbox_bot.cli.digest_commands:outbox_command",
}
RULES_COMMANDS = {
    "check": f"{OPERATOR}:rules_check",
    "draft": "inbox_bot.cli.rules_commands:rules_draft",
    "new": "inbox_bot.cli.rule_template:rules_new",
}


@click.group(
    cls=InboxBotGroup,
    lazy=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110},
    epilog=(
        "\b\nExit codes: 0 done, 1 unexpected (a bug: run again with --traceback and report it), "
        "2 fix the config,\nthe rules or the command line, 3 a server or the network failed (try again later), "
        "130 interrupted."
    ),
)
@click.option(
    "--config",
    "config",
    type=click.Path(path_type=Path, dir_okay=False),
    envvar=CONFIG_ENV,
    show_envvar=True,
    help=default_config_help(),
)
@click.option("-v", "--verbose", count=True, help="More log lines on stderr (-vv for debug).")
@click.option("--traceback", is_flag=True, help="Show the full Python traceback of an error.")
@click.version_option(package_name="inbox-bot", prog_name="inbox-bot", message="%(prog)s %(version)s")
@click.pass_context
def main(ctx: click.Context, config: Path | None, verbose: int, traceback: bool) -> None:
    """inbox-bot: sorts the applications that NGOs receive by email.

    \b
    Example:
      inbox-bot --config config.example.toml run --once
      inbox-bot triage examples/inbox --rules rules
    """
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    ctx.obj = Context(config)  # --traceback is read by InboxBotGroup.invoke, which outlives this callback


@click.group(name="rules", cls=LazyGroup, lazy=RULES_COMMANDS)
def rules() -> None:
    """The rule files: one call for applications each.

    \b
    Example:
      inbox-bot rules check rules/
    """
