"""What goes into and comes out of IMAP commands: strict checks on values and the plain results of a poll.
No I/O here: inbox_bot.sources.imap (the only imapclient user) sends and receives."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from inbox_bot.core.errors import MailboxError

# RFC 6154 special-use attributes (\Flagged is also a message flag; as a folder attribute it is rare).
SPECIAL_USE = ("\\All", "\\Archive", "\\Drafts", "\\Flagged", "\\Junk", "\\Sent", "\\Trash")

MAX_VALUE_LENGTH = 998  # RFC 5322 line limit: no honest Message-ID comes close
MAX_FOLDER_LENGTH = 255
LOGOUT_TIMEOUT = 5.0  # seconds
META_BATCH = 500  # UIDs per FETCH/command line: keeps lines far below servers' limits (Dovecot: 64 KiB)
FETCH_PART = 1024 * 1024  # bytes per partial FETCH of a large mail (BODY.PEEK[]<offset.length>)

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


# ---------------------------------------------------------------- folder names

# What a level of a folder path may not carry as is: the wildcards LIST would expand, and control characters.
_UNSAFE_IN_LEVEL = re.compile(r"[*%\x00-\x1f\x7f]")
_SAFE_PUNCTUATION = "-_()&',+=@"  # accepted by Dovecot (both layouts), Cyrus and Courier, leading or not
FLAT_JOIN = "-"  # levels of a path on a server without hierarchy (LIST "" "" answers NIL)
MAX_PREFIX_LENGTH = 100


def check_delimiter(value: str) -> str:
    """A hierarchy delimiter: one printable ASCII character that is no wildcard or space, or ValueError."""
    if len(value) != 1 or not " " < value < "\x7f" or value in "*%":
        raise ValueError(f"{value[:20]!r} is not a folder delimiter (one printable character, not * % or space)")
    return value


def check_prefix(value: str, delimiter: str) -> str:
    """A personal namespace prefix ("" or e.g. "INBOX."), ending with the delimiter once one is known."""
    if len(value) > MAX_PREFIX_LENGTH or _UNSAFE_IN_LEVEL.search(value):
        raise ValueError(f"{value[:40]!r} is not a folder prefix (control characters, wildcards or too long)")
    if value and delimiter and not value.endswith(delimiter):
        value += delimiter  # "INBOX" in the config means the INBOX. namespace
    return value


def safe_level(level: str, delimiter: str) -> str:
    """One level of a folder path, fit for any server: letters (any script), digits, spaces and `_SAFE_PUNCTUATION`
    stay; anything else becomes "-" ("_" where "-" is the delimiter). Servers refuse different characters:
    Dovecot with Maildir++ a "." anywhere and a leading "~", Cyrus " \\ { } ! ; ^ | < > and the backquote,
    every server its own delimiter and the LIST wildcards. Never empty."""
    substitute = "_" if delimiter == "-" else "-"
    kept = "".join(
        char if (char.isalnum() or char == " " or char in _SAFE_PUNCTUATION) and char != delimiter else substitute
        for char in level
    )
    return kept.strip() or substitute


@dataclass(frozen=True, slots=True)
class FolderLayout:
    """How a server names folders: hierarchy delimiter (LIST "" "") under a personal prefix (NAMESPACE).

    Paths in the config (`file_into`) always use "/" between levels; `name` turns one into the server's
    name: "inbox-bot/appel/complete" is "INBOX.inbox-bot.appel.complete" on Courier. Non-ASCII stays as
    it is here: imapclient sends it in modified UTF-7 (RFC 3501 5.1.3).
    """

    delimiter: str  # "" on a flat server
    prefix: str

    def levels(self, path: str) -> list[str]:
        """The server names of `path` and of each of its parents, outermost first (the prefix excluded)."""
        parts = path.split("/")
        if any(not part.strip() for part in parts):
            raise ValueError(f"folder path {path!r} has an empty level")
        if self.prefix and parts[0].upper() == self.prefix.rstrip(self.delimiter).upper() and len(parts) > 1:
            parts = parts[1:]  # "INBOX/x" written for an INBOX. server: already under the prefix
        safe = [safe_level(part, self.delimiter) for part in parts]
        if not self.delimiter:
            return [check_folder_name(self.prefix + FLAT_JOIN.join(safe))]
        return [check_folder_name(self.prefix + self.delimiter.join(safe[:depth])) for depth in range(1, len(safe) + 1)]

    def name(self, path: str) -> str:
        if path.upper() == "INBOX":
            return "INBOX"
        return self.levels(path)[-1]


# ---------------------------------------------------------------- capabilities

FilingMethod = Literal["move", "copy-expunge", "copy-flag"]


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What the server announced after login, and every decision that depends on it, in one place.

    Filing a mail (moving it out of the polled folder), from best to safest:
    - MOVE (RFC 6851): one atomic command.
    - COPY, STORE \\Deleted, UID EXPUNGE of those UIDs only: needs UIDPLUS (RFC 4315).
    - neither: COPY, then STORE \\Deleted on the original, and no expunge at all. A plain EXPUNGE would
      also erase every mail another client had marked \\Deleted; the original waits, marked, for the
      mail client's own expunge.
    """

    names: frozenset[str]

    @classmethod
    def of(cls, names: Iterable[str]) -> Capabilities:
        return cls(frozenset(name.upper() for name in names))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.upper() in self.names

    def filing(self, *, allow_move: bool = True) -> FilingMethod:
        if allow_move and "MOVE" in self:
            return "move"
        return "copy-expunge" if "UIDPLUS" in self else "copy-flag"

    @property
    def gmail(self) -> bool:
        return "X-GM-EXT-1" in self


# ---------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class FolderState:
    folder: str
    uidvalidity: int
    uidnext: int | None  # RFC 3501 requires it, a few old servers omit it
    exists: int
    selected: bool  # from SELECT (the folder is open) or from STATUS (it is not)


def folder_to_search(
    checked: FolderState | None,
    fresh: bool,
    known_max_uid: int | None,
    reselect: Callable[[FolderState], FolderState],
) -> FolderState | None:
    """The state of the folder to search for UIDs above `known_max_uid`, or None when nothing can be new.

    Shared by the IMAP adapter and its in-memory twin, so the twin cannot drift from it. After status(), an idle
    poll is answered from its UIDNEXT alone; a second call without status()/select() selects again (`reselect`),
    so a stale UIDNEXT never hides new mail.
    """
    if known_max_uid is not None and (isinstance(known_max_uid, bool) or known_max_uid < 0):
        raise ValueError(f"known_max_uid must be a UID or 0, not {known_max_uid!r}")
    if checked is None:
        raise RuntimeError("call status() or select() first: it tells which UIDVALIDITY the UIDs belong to")
    if fresh and _nothing_new(checked, known_max_uid):
        return None
    state = checked if fresh and checked.selected else reselect(checked)
    return None if _nothing_new(state, known_max_uid) else state


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
