"""IMAP failures in one line each: what went wrong, whether the connection can still be trusted, and the fix.

Pure: inbox_bot.sources.imap catches the exceptions (imapclient, imaplib, socket, TLS) and asks here what they mean.
"""

from __future__ import annotations

import imaplib
import re
import socket
import ssl
from dataclasses import dataclass

from inbox_bot.core.reasons import Cause


@dataclass(frozen=True, slots=True)
class Failure:
    reason: str
    fix: str | None
    broken: bool  # the connection cannot be trusted any more: drop it, the next poll reconnects
    cause: Cause = Cause.OTHER


# RFC 5530 codes meaning "not you, me": Dovecot answers [SERVERBUG] on every SELECT of a session
# whose indexes were pulled from under it, so the session has to go.
_TRY_LATER = ("[SERVERBUG]", "[UNAVAILABLE]")
NET = Cause.NETWORK
_UNTRUSTED_FIX = "check `host`; for a server with a private CA, set `ca_file` to that CA's PEM file"
_DOVECOT_TIMING = re.compile(r"\s*\(\d+\.\d+(?: \+ \d+\.\d+)* secs\)\.?$")


def classify(exc: BaseException, timeout: float, *, login_refused: bool = False) -> Failure:
    """What went wrong, in the operator's words; `login_refused`: imapclient's LoginError (only sources.imap
    imports imapclient)."""
    text = _server_words(str(exc))
    if isinstance(exc, TimeoutError) or text.endswith("timed out"):
        return Failure(
            f"no answer within {timeout:g} s", "the server is down or overloaded; the next poll retries", True, NET
        )
    if isinstance(exc, ConnectionRefusedError):
        return Failure("connection refused", "check host and port, and that the server is running", True, NET)
    if isinstance(exc, socket.gaierror):
        return Failure(f"host name not found ({exc.strerror})", "check `host`", True, NET)
    if isinstance(exc, ssl.SSLCertVerificationError):
        return Failure(f"TLS certificate not trusted: {exc.verify_message}", _UNTRUSTED_FIX, True, NET)
    if isinstance(exc, ssl.SSLError):
        fix = "check `security`: 'ssl' usually on port 993, 'starttls' on 143"
        return Failure(f"TLS failed: {exc.reason or text}", fix, True, NET)
    if isinstance(exc, OSError):
        return Failure(exc.strerror or text or type(exc).__name__, "check the network and the server", True, NET)
    if isinstance(exc, imaplib.IMAP4.abort):
        return Failure(f"connection lost ({text})", "the next poll reconnects", True, NET)
    if login_refused:
        return Failure(f"login refused: {text}", "check `username` and the password or token", False, Cause.AUTH)
    if any(code in text.upper() for code in _TRY_LATER):
        fix = "a problem on the server side; the next poll reconnects"
        return Failure(f"the server failed: {text}", fix, True, Cause.SERVER)
    return Failure(f"the server said: {text}", None, False, cause_of(text))



def _server_words(text: str) -> str:
    """The server's own words out of imapclient/imaplib's wrapping."""
    text = re.sub(r"^\w+ failed: ", "", one_line(text))  # imapclient: "select failed: ..."
    if len(text) >= 3 and text[:2] in ("b'", 'b"') and text[-1] == text[1]:
        text = text[2:-1]  # imaplib raises with the response's bytes: str() shows their repr
    return _DOVECOT_TIMING.sub("", text)


# The server's answer, read in this order: the RFC 5530 response code first, then the words servers use
# (Dovecot, Cyrus, Courier, Exchange, Gmail). "nonexistent namespace" is a namespace, not a missing folder.
_CAUSES: tuple[tuple[Cause, re.Pattern[str]], ...] = tuple(
    (cause, re.compile(pattern, re.IGNORECASE))
    for cause, pattern in (
        (Cause.AUTH, r"\[(AUTHENTICATIONFAILED|AUTHORIZATIONFAILED|EXPIRED|PRIVACYREQUIRED)\]|login refused|"
                     r"invalid credentials|LOGINDISABLED"),
        (Cause.SERVER, r"\[(SERVERBUG|UNAVAILABLE|INUSE)\]"),
        (Cause.QUOTA, r"\[(OVERQUOTA|LIMIT)\]|quota|mailbox is full|too many"),
        (Cause.NAMESPACE, r"namespace|prefix"),
        (Cause.PERMISSION, r"\[NOPERM\]|permission|not allowed|denied|\bACL\b|may not create|read-only|readonly"),
        (Cause.MISSING, r"\[(NONEXISTENT|TRYCREATE)\]|no such (mailbox|folder)|does ?n[o']t exist|unknown mailbox|"
                        r"mailbox not found|folder not found"),
        (Cause.NAME, r"\[(CANNOT|ALREADYEXISTS)\]|invalid mailbox name|invalid (folder )?name|mailbox name|"
                     r"illegal|hierarchy"),
        (Cause.CAPABILITY, r"unknown command|unrecognized command|command unrecognized|not supported|"
                           r"not implemented|unsupported"),
        (Cause.NETWORK, r"timed out|connection (refused|lost|reset|closed)|broken pipe|socket error|\bEOF\b"),
    )
)  # fmt: skip


def cause_of(said: str) -> Cause:
    """What the server's answer (its own words, a response code) says is wrong; `other` when it does not say."""
    for cause, pattern in _CAUSES:
        if pattern.search(said):
            return cause
    return Cause.OTHER


_CREATE_FIXES = {
    Cause.NAMESPACE: (
        "the server keeps personal folders under another prefix than the one used: set folder_prefix for this "
        "mailbox to the one the server names (often 'INBOX.'), or remove it to use what NAMESPACE says"
    ),
    Cause.PERMISSION: (
        "this account may not create folders: create {path!r} by hand (or give the account that right), "
        "or point file_into at folders that exist; the mails stay in the inbox meanwhile"
    ),
    Cause.QUOTA: "the account is over its quota or a server limit: free some space, or ask the host for more",
}
_NAME_FIX = (
    "the server refuses this folder name: check folder_delimiter and folder_prefix for this mailbox "
    "(detected from LIST and NAMESPACE unless set), or change file_into"
)


def create_fix(path: str, cause: Cause) -> str:
    """The fix when CREATE is refused, for the cause `create_cause` read."""
    return _CREATE_FIXES.get(cause, _NAME_FIX).format(path=path)


def create_cause(said: str, *, outside_namespace: bool = False) -> Cause:
    """Why CREATE was refused: a refusal naming no other cause refuses the name, unless the name lies outside
    the personal namespace the server announces (Courier says only "Invalid mailbox name." then)."""
    cause = cause_of(said)
    if cause in _CREATE_FIXES:
        return cause
    return Cause.NAMESPACE if outside_namespace else Cause.NAME


def one_line(text: str) -> str:
    return " ".join(text.split())
