"""IMAP failures in one line each: what went wrong, whether the connection can still be trusted, and the fix.

Pure: inbox_bot.sources.imap catches the exceptions (imapclient, imaplib, socket, TLS) and asks here what they mean.
"""

from __future__ import annotations

import imaplib
import re
import socket
import ssl
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Failure:
    reason: str
    fix: str | None
    broken: bool  # the connection cannot be trusted any more: drop it, the next poll reconnects


# RFC 5530 codes meaning "not you, me": Dovecot answers [SERVERBUG] on every SELECT of a session
# whose indexes were pulled from under it, so the session has to go.
_TRY_LATER = ("[SERVERBUG]", "[UNAVAILABLE]")
_UNTRUSTED_FIX = "check `host`; for a server with a private CA, set `ca_file` to that CA's PEM file"
_DOVECOT_TIMING = re.compile(r"\s*\(\d+\.\d+(?: \+ \d+\.\d+)* secs\)\.?$")


def classify(exc: BaseException, timeout: float, *, login_refused: bool = False) -> Failure:
    """What went wrong, in the operator's words; `login_refused`: imapclient's LoginError (only sources.imap
    imports imapclient)."""
    text = _server_words(str(exc))
    if isinstance(exc, TimeoutError) or text.endswith("timed out"):
        return Failure(
            f"no answer within {timeout:g} s", "the server is down or overloaded; the next poll retries", True
        )
    if isinstance(exc, ConnectionRefusedError):
        return Failure("connection refused", "check host and port, and that the server is running", True)
    if isinstance(exc, socket.gaierror):
        return Failure(f"host name not found ({exc.strerror})", "check `host`", True)
    if isinstance(exc, ssl.SSLCertVerificationError):
        return Failure(f"TLS certificate not trusted: {exc.verify_message}", _UNTRUSTED_FIX, True)
    if isinstance(exc, ssl.SSLError):
        fix = "check `security`: 'ssl' usually on port 993, 'starttls' on 143"
        return Failure(f"TLS failed: {exc.reason or text}", fix, True)
    if isinstance(exc, OSError):
        return Failure(exc.strerror or text or type(exc).__name__, "check the network and the server", True)
    if isinstance(exc, imaplib.IMAP4.abort):
        return Failure(f"connection lost ({text})", "the next poll reconnects", True)
    if login_refused:
        return Failure(f"login refused: {text}", "check `username` and the password or token", False)
    if any(code in text.upper() for code in _TRY_LATER):
        return Failure(f"the server failed: {text}", "a problem on the server side; the next poll reconnects", True)
    return Failure(f"the server said: {text}", None, False)


def _server_words(text: str) -> str:
    """The server's own words out of imapclient/imaplib's wrapping."""
    text = re.sub(r"^\w+ failed: ", "", one_line(text))  # imapclient: "select failed: ..."
    if len(text) >= 3 and text[:2] in ("b'", 'b"') and text[-1] == text[1]:
        text = text[2:-1]  # imaplib raises with the response's bytes: str() shows their repr
    return _DOVECOT_TIMING.sub("", text)


# RFC 5530 codes and the words servers use when an account may not create a folder.
_NO_RIGHT = re.compile(r"NOPERM|permission|not allowed|denied|ACL", re.IGNORECASE)


_NAMESPACE = re.compile(r"namespace|prefix", re.IGNORECASE)


def create_fix(path: str, said: str) -> str:
    if _NAMESPACE.search(said):
        return (
            "the server keeps personal folders under another prefix than the one used: set folder_prefix for this "
            "mailbox to the one the server names (often 'INBOX.'), or remove it to use what NAMESPACE says"
        )
    if _NO_RIGHT.search(said):
        return (
            f"this account may not create folders: create {path!r} by hand (or give the account that right), "
            "or point file_into at folders that exist; the mails stay in the inbox meanwhile"
        )
    return (
        "the server refuses this folder name: check folder_delimiter and folder_prefix for this mailbox "
        "(detected from LIST and NAMESPACE unless set), or change file_into"
    )


def one_line(text: str) -> str:
    return " ".join(text.split())
