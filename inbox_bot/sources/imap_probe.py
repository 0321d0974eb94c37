"""What `inbox-bot check` asks an IMAP server, changing nothing: NAMESPACE (RFC 2342), the hierarchy delimiter
(LIST "" ""), the folders that exist, MYRIGHTS (RFC 4314) where the server has ACL, and how many mails wait.

The folder is opened with EXAMINE (read-only): not even \\Recent flags change. Commands go through the
adapter's own connection, LIST and error guard (its underscored parts, on purpose: a probe is part of the
adapter, kept beside it so the adapter stays small), so a refusal reads as every other IMAP failure does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from inbox_bot.sources.imap import ImapMailbox
from inbox_bot.sources.imap_values import FolderState

CREATE_RIGHTS = frozenset("kc")  # RFC 4314 `k` (create mailboxes); RFC 2086 servers still say `c`


@dataclass(frozen=True)
class Probe:
    capabilities: list[str]
    delimiter: str  # "" for a flat server; as filing uses it (the config's folder_delimiter, else detected)
    prefix: str  # where our folders go (the config's folder_prefix, else the personal namespace)
    personal_namespaces: list[tuple[str, str]]  # (prefix, delimiter) as NAMESPACE says; [] without it
    can_create: str  # "yes" | "no" | "unknown", then why
    folders: set[str] = field(default_factory=set)  # every folder the server lists


def probe(mailbox: ImapMailbox) -> Probe:
    """Ask the connected server what it is like; nothing is created, selected for writing or flagged."""
    capabilities = sorted(mailbox.capabilities.names)
    layout = mailbox.folder_layout()
    folders = {name for _, _, name in mailbox._list("", "*")}
    personal = _namespaces(mailbox) if "NAMESPACE" in mailbox.capabilities else []
    return Probe(capabilities, layout.delimiter, layout.prefix, personal, _can_create(mailbox), folders)


def waiting(mailbox: ImapMailbox, state: FolderState, above_uid: int | None) -> int:
    """How many mails a poll would read: every one on first contact, else those above the ledger's last UID."""
    if above_uid is None:
        return state.exists
    client = mailbox._conn()
    with mailbox._guard(f"examine folder {state.folder!r}"):
        client.select_folder(state.folder, readonly=True)
        found = client.search(["UID", f"{above_uid + 1}:*"])
        if "UNSELECT" in mailbox.capabilities:
            client.unselect_folder()
        else:
            client.close_folder()  # CLOSE on a folder opened read-only expunges nothing (RFC 3501 6.4.2)
    # `n:*` always matches the last mail, even below n (RFC 3501 6.4.4): count only those truly above.
    return len([uid for uid in found if int(uid) > above_uid])


def _namespaces(mailbox: ImapMailbox) -> list[tuple[str, str]]:
    client = mailbox._conn()
    with mailbox._guard("read the namespaces"):
        found: Any = client.namespace()
    return [(_text(prefix), _text(delimiter or "")) for prefix, delimiter in (found.personal or ())]


def _can_create(mailbox: ImapMailbox) -> str:
    if "ACL" not in mailbox.capabilities:
        return "unknown (the server has no ACL extension: tried at the first filing)"
    client = mailbox._conn()
    folder = mailbox.settings.folder
    with mailbox._guard(f"read my rights on {folder!r}"):
        response = client._command_and_check("myrights", client._normalise_folder(folder))
    rights = _text(response[0]).rsplit(" ", 1)[-1] if response else ""
    verdict = "yes" if CREATE_RIGHTS & set(rights) else "no"
    return f"{verdict} (MYRIGHTS on {folder}: {rights or 'none'})"


def _text(value: object) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
