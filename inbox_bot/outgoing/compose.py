"""Renders replies, digests and alerts from Jinja2 templates and builds the MIME messages. The only jinja2 user.

Templates live in inbox_bot/templates/ (`reply_<kind>.<language>.txt`, `digest.txt`, `digest.html`,
`confirmation.<language>.txt` (the answer to a coordinator's commands by mail),
`alert.txt`); a call may override any of them from its own folder (`[replies] template_dir` in its rule), the
packaged ones filling the gaps. Each template sets its subject with `{% set subject = "..." %}`.

The environment is sandboxed and undefined names are errors, so a typo in an operator's template fails loudly,
naming the call and the template, instead of sending a reply with a blank where the deadline should be.
HTML is autoescaped: an applicant's name or subject is data in the digest, never markup.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from inbox_bot.core.errors import ConfigError
from inbox_bot.outgoing.replies import one_line

PACKAGED = Path(__file__).resolve().parent / "templates"
MESSAGE_ID = re.compile(r"<[^<>\s\"]{1,250}>")
MAX_REFERENCES = 12  # long threads would otherwise grow the header without bound
MAX_SUBJECT = 200


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str | None = None


@cache
def environment(template_dir: Path | None) -> SandboxedEnvironment:
    loaders: list[jinja2.BaseLoader] = [jinja2.FileSystemLoader(str(PACKAGED))]
    if template_dir is not None:
        loaders.insert(0, jinja2.FileSystemLoader(str(template_dir)))
    return SandboxedEnvironment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False, default=False),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(name: str, context: Mapping[str, Any], *, template_dir: Path | None = None, owner: str = "") -> Rendered:
    """One template: its subject (from `{% set subject %}`) and its text. Errors name the owner and template."""
    env = environment(template_dir)
    try:
        module = env.get_template(name).make_module(dict(context))
        subject = getattr(module, "subject", "")
        return Rendered(subject=one_line(str(subject), MAX_SUBJECT), text=str(module))
    except jinja2.TemplateSyntaxError as exc:
        where = f"{exc.filename or name}, line {exc.lineno}"
        raise _template_error(owner, name, where, exc.message or str(exc), template_dir) from exc
    except jinja2.TemplateNotFound as exc:
        raise _template_error(owner, name, "not found", str(exc), template_dir) from exc
    except (jinja2.TemplateError, TypeError, ValueError, ArithmeticError, LookupError, AttributeError) as exc:
        raise _template_error(owner, name, "while rendering", f"{type(exc).__name__}: {exc}", template_dir) from exc


def _template_error(owner: str, name: str, where: str, message: str, template_dir: Path | None) -> ConfigError:
    folder = f" (looked in {template_dir} then the packaged templates)" if template_dir else ""
    prefix = f"{owner}: " if owner else ""
    return ConfigError(
        f"{prefix}template {name} ({where}): {message}{folder}",
        fix="correct the template; the mail was triaged and recorded, only this reply was not written",
    )


def render_reply(
    kind: str, language: str, context: Mapping[str, Any], *, template_dir: Path | None, call: str
) -> Rendered:
    return render(f"reply_{kind}.{language}.txt", context, template_dir=template_dir, owner=f"call {call}")


def render_digest(context: Mapping[str, Any]) -> Rendered:
    text = render("digest.txt", context, owner="digest")
    html = render("digest.html", context, owner="digest")
    return Rendered(subject=text.subject, text=text.text, html=html.text)


# ---------------------------------------------------------------- messages


def references(in_reply_to: str, earlier: str) -> tuple[str | None, list[str]]:
    """In-Reply-To and References for an answer: the ids alone, never the rest of the sender's header."""
    parent = MESSAGE_ID.search(in_reply_to)
    chain = MESSAGE_ID.findall(earlier)[-(MAX_REFERENCES - 1) :]
    if parent is None:
        return None, chain
    return parent.group(0), [*[m for m in chain if m != parent.group(0)], parent.group(0)]


def build_message(
    *,
    sender: tuple[str, str],
    to: Sequence[tuple[str, str]],
    subject: str,
    text: str,
    message_id: str,
    date: datetime,
    auto_submitted: str,
    html: str | None = None,
    reply_to: str = "",
    in_reply_to: str = "",
    earlier_references: str = "",
) -> bytes:
    """A complete message as bytes (CRLF). Names and subjects go through one_line and the email package's
    own quoting, so nothing from an applicant's mail can add a header."""
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = _address(*sender)
    message["To"] = [_address(name, address) for name, address in to]
    if reply_to:  # answers to our reply go to the call's own address, not to the sending account
        message["Reply-To"] = _address("", reply_to)
    message["Subject"] = one_line(subject, MAX_SUBJECT)
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = auto_submitted  # RFC 3834: auto-replied / auto-generated
    message["X-Auto-Response-Suppress"] = "All"  # Exchange: no out-of-office answer to our answer
    parent, chain = references(in_reply_to, earlier_references)
    if parent is not None:
        message["In-Reply-To"] = parent
        message["References"] = " ".join(chain)
    message.set_content(text, cte="quoted-printable")
    if html is not None:
        message.add_alternative(html, subtype="html", cte="quoted-printable")
    return message.as_bytes()


# RFC 5322 specials: Python 3.11's folding can drop the quotes around a long display name, and a name holding
# these would then read as more addresses. A person's name needs none of them.
NAME_SPECIALS = str.maketrans({ch: " " for ch in '<>()[]:;@\\,"'})


def _address(name: str, address: str) -> Address:
    local, _, domain = address.rpartition("@")
    plain_name = " ".join(one_line(name, 120).translate(NAME_SPECIALS).split())
    return Address(display_name=plain_name, username=local, domain=domain)
