"""What goes into and comes out of IMAP commands: strict checks on values, the mailbox settings, and the plain
results of a poll. No I/O here: inbox_bot.sources.imap (the only imapclient user) sends and receives."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from inbox_bot.config.settings import is_loopback
from inbox_bot.core.errors import MailboxError

Security = Literal["ssl", "starttls", "none"]

# RFC 6154 special-use attributes (\Flagged is also a message flag; as a folder attribute it is rare).
SPECIAL_USE = ("\\All", "\\Archive", "\\Drafts", "\\Flagged", "\\Junk", "\\Sent", "\\Trash")

MAX_VALUE_LENGTH = 998  # RFC 5322 line limit: no honest Message-ID comes close
MAX_FOLDER_LENGTH = 255
LOGOUT_TIMEOUT = 5.0  # seconds
META_BATCH = 500  # UIDs per FETCH/command line: keeps lines far below servers' limits (Dovecot: 64 KiB)

_SAFE_VALUE = re.compile(r"[ -~]+")  # printable ASCII and space: no CR, LF, NUL or other control
_ATOM = re.compile(r"[A-Za-z0-9@._+=!#$&'^`|~/-]+")  # what LOGIN may send unquoted (imaplib never quotes it)


# ---------------------------------------------------------------- values that go into commands


def imap_safe_value(value: str, *, what: str = "value", max_length: int = MAX_VALUE_LENGTH) -> bytes:
    """`value` as ASCII bytes fit for an IMAP command, or ValueError.

    imapclient sends search values as they are (it only adds quotes when there is a space), so a CR LF
    in a value taken from a mail would end our command and start the sender's: a Message-ID of
    "<x>\\r\\nA1 DELETE Victim\\r\\n" really deletes the folder. Only printable ASCII passes.
    """
    if not value:
        raise ValueError(f"{what} is empty")
    if len(value) > max_length:
        raise ValueError(f"{what} is longer than {max_length} characters: refused")
    if not _SAFE_VALUE.fullmatch(value):
        raise ValueError(f"{what} {value[:40]!r} has a control or non-ASCII character: refused")
    return value.encode("ascii")


def quoted(value: bytes) -> bytes:
    """An IMAP quoted string (RFC 3501 `quoted`) for a value that passed `imap_safe_value`.

    Always quoting (rather than imapclient's quote-if-needed) keeps a value such as "<a{5}" from being
    read as a literal announcement by the server.
    """
    return b'"' + value.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'


def check_folder_name(name: str) -> str:
    """A folder name fit for a command, or ValueError. Non-ASCII is fine (imapclient encodes UTF-7)."""
    if not name or len(name) > MAX_FOLDER_LENGTH:
        raise ValueError(f"folder name must have 1 to {MAX_FOLDER_LENGTH} characters")
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in name):
        raise ValueError(f"folder name {name[:40]!r} has a control character: refused")
    if "*" in name or "%" in name:
        # LIST treats them as wildcards: an existence check would match other folders.
        raise ValueError(f"folder name {name!r} has a wildcard (* or %): refused")
    return name


def check_uid(uid: int) -> int:
    if isinstance(uid, bool) or not isinstance(uid, int) or not 0 < uid < 2**32:
        raise ValueError(f"{uid!r} is not an IMAP UID (1 to 2^32-1)")
    return uid


# ---------------------------------------------------------------- settings and results


class ImapSettings(BaseModel):
    """One mailbox as the config names it. Secrets are SecretStr: they never show in a repr or a log."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
    host: Annotated[str, Field(min_length=1, max_length=253)]
    port: Annotated[int, Field(ge=1, le=65535)] | None = None
    security: Security = "ssl"
    username: Annotated[str, Field(min_length=1, max_length=320)]
    password: SecretStr | None = None
    oauth2_token: SecretStr | None = None
    folder: str = "INBOX"
    connect_timeout: Annotated[float, Field(gt=0, le=300)] = 15.0
    read_timeout: Annotated[float, Field(gt=0, le=3600)] = 120.0
    ca_file: Path | None = None  # a private CA for a self-hosted server; the system store otherwise

    @field_validator("username")
    @classmethod
    def _one_line_username(cls, value: str) -> str:
        # imaplib puts it in the LOGIN line as is: a line break would split the command.
        if any(char in value for char in "\r\n\0"):
            raise ValueError("must not contain a line break or NUL")
        return value

    @field_validator("password", "oauth2_token")
    @classmethod
    def _one_line_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and any(char in value.get_secret_value() for char in "\r\n\0"):
            raise ValueError("must not contain a line break or NUL")
        return value

    @field_validator("folder")
    @classmethod
    def _folder(cls, value: str) -> str:
        return check_folder_name(value)

    @model_validator(mode="after")
    def _credentials_and_transport(self) -> ImapSettings:
        if (self.password is None) == (self.oauth2_token is None):
            raise ValueError("give exactly one of `password` or `oauth2_token`")
        if self.security == "none" and not is_loopback(self.host):
            raise ValueError(
                f"security = 'none' sends the password in clear: only allowed for a loopback host "
                f"(127.0.0.0/8, ::1, localhost), not {self.host!r}; use 'ssl' (993) or 'starttls' (143)"
            )
        return self

    @property
    def effective_port(self) -> int:
        if self.port is not None:
            return self.port
        return 993 if self.security == "ssl" else 143


@dataclass(frozen=True, slots=True)
class FolderState:
    folder: str
    uidvalidity: int
    uidnext: int | None  # RFC 3501 requires it, a few old servers omit it
    exists: int
    selected: bool  # from SELECT (the folder is open) or from STATUS (it is not)


def _nothing_new(state: FolderState, known_max_uid: int | None) -> bool:
    if state.exists == 0:
        return True
    # UIDs only grow: UIDNEXT at or below known+1 means nothing arrived, whatever was moved away.
    return known_max_uid is not None and state.uidnext is not None and state.uidnext <= known_max_uid + 1


@dataclass(frozen=True, slots=True)
class MessageMeta:
    uid: int
    size: int  # RFC822.SIZE, bytes
    internaldate: datetime  # aware, UTC: when our server received the mail
    flags: frozenset[str]
    gm_msgid: int | None = None  # Gmail's stable id, only with X-GM-EXT-1


@dataclass
class ImapStats:
    """What this connection asked the server: lets tests (and metrics) see that an idle poll is cheap."""

    commands: Counter[str] = field(default_factory=Counter)
    body_bytes: int = 0


class UidValidityChanged(MailboxError):
    """The folder's UIDVALIDITY changed since status()/select(): every stored UID of it is meaningless now."""

    def __init__(self, message: str, *, old: int, new: int) -> None:
        super().__init__(message, fix="forget the stored UIDs of this folder and read it again")
        self.old = old
        self.new = new
