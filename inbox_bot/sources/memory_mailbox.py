"""A session with the in-memory IMAP twin (sources/memory.py): the `Mailbox` protocol, as `ImapMailbox` is a
session with a real server. Same answers, same commands sent: tests/test_mailbox_contract.py compares them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from collections.abc import Set as AbstractSet
from email.parser import BytesHeaderParser
from typing import Self

from inbox_bot.core.errors import MailboxError
from inbox_bot.core.models import RawMail
from inbox_bot.sources.imap_values import (
    FETCH_PART,
    FolderState,
    ImapStats,
    MessageMeta,
    UidValidityChanged,
    check_folder_name,
    check_uid,
    folder_to_search,
    imap_safe_value,
)
from inbox_bot.sources.mailbox import Sink
from inbox_bot.sources.memory import DELIMITER, ConnectionDropped, Folder, MemoryServer, StoredMail


class MemoryMailbox:
    """One session with a MemoryServer, as ImapMailbox is one with a real one. Not thread-safe."""

    def __init__(self, server: MemoryServer, name: str, folder: str = "INBOX", *, allow_move: bool = True) -> None:
        self.server = server
        self.name = name
        self.folder = check_folder_name(folder)
        self.allow_move = allow_move  # False forces COPY + \Deleted + UID EXPUNGE, as in ImapMailbox
        self.stats = ImapStats()
        self.connected = False
        self._selected: FolderState | None = None
        self._seen_changes = 0  # the selected folder's change count the session last heard of
        self._checked: FolderState | None = None
        self._fresh = False

    # -------------------------------------------------------- connection

    def connect(self) -> Self:
        if not self.connected:
            self._send("LOGIN", self.name)
            self.connected = True
            self._selected = self._checked = None
        return self

    def close(self) -> None:
        self.connected = False
        self._selected = self._checked = None

    # -------------------------------------------------------- reading

    def quiet(self) -> bool:
        if self._selected is None:
            return False
        self._send("NOOP")
        changes = self._folder(self._selected.folder).changes
        heard, self._seen_changes = self._seen_changes, changes
        return changes == heard

    def status(self, folder: str | None = None) -> FolderState:
        name = check_folder_name(folder or self.folder)
        if self._selected is not None and self._selected.folder == name:
            self._send("UNSELECT")
            self._selected = None
        self._checked = None
        self._send("STATUS", name)
        state = self._state(name, selected=False)
        self._checked, self._fresh = state, True
        return state

    def select(self, folder: str | None = None) -> FolderState:
        name = check_folder_name(folder or self.folder)
        self._selected = self._checked = None
        self._send("SELECT", name)
        state = self._state(name, selected=True)
        self._selected = self._checked = state
        self._seen_changes = self._folder(name).changes
        self._fresh = True
        return state

    def new_uids(self, known_max_uid: int | None, known: AbstractSet[int] | None = None) -> list[int]:
        state = folder_to_search(self._checked, self._fresh, known_max_uid, self._reselect)
        self._fresh = False
        if state is None:
            return []
        self._send("SEARCH", "ALL" if known_max_uid is None else f"UID {known_max_uid + 1}:*")
        skip = known or frozenset()
        floor = known_max_uid or 0
        return [uid for uid in sorted(self._mails()) if uid > floor and uid not in skip]

    def find_message_id(self, message_id: str) -> list[int]:
        value = imap_safe_value(message_id, what="Message-ID").decode("ascii").lower()
        self._send("SEARCH", f"HEADER Message-ID {value}")
        parser = BytesHeaderParser()
        return [
            uid
            for uid, mail in sorted(self._mails().items())
            if value in str(parser.parsebytes(mail.raw).get("Message-ID", "")).lower()
        ]

    def fetch_meta(self, uids: Iterable[int]) -> dict[int, MessageMeta]:
        wanted = _checked_uids(uids)
        if not wanted:
            return {}
        self._send("FETCH", f"{_uid_set(wanted)} (RFC822.SIZE INTERNALDATE FLAGS)")
        mails, gmail = self._mails(), "X-GM-EXT-1" in self.server.capabilities
        return {
            uid: MessageMeta(
                uid=uid,
                size=len(mail.raw),
                internaldate=mail.internaldate,
                flags=frozenset(mail.flags),
                gm_msgid=mail.gm_msgid if gmail else None,
            )
            for uid in wanted
            if (mail := mails.get(uid)) is not None
        }

    def fetch_bodies(self, uids: Iterable[int], batch: int = 10) -> Iterator[tuple[int, bytes]]:
        if batch < 1:
            raise ValueError("batch must be at least 1")
        wanted = _checked_uids(uids)
        for start in range(0, len(wanted), batch):
            chunk = wanted[start : start + batch]
            self._send("FETCH", f"{_uid_set(chunk)} (BODY.PEEK[])")
            mails = self._mails()
            for uid in chunk:
                if uid in mails:
                    self.stats.body_bytes += len(mails[uid].raw)
                    yield uid, mails[uid].raw

    def fetch_into(self, uid: int, sink: Sink, part: int = FETCH_PART) -> int | None:
        if part < 1:
            raise ValueError("part must be at least 1")
        uid, offset = check_uid(uid), 0
        while True:
            self._send("FETCH", f"{uid} (BODY.PEEK[]<{offset}.{part}>)")
            mail = self._mails().get(uid)
            if mail is None:
                return None if offset == 0 else offset
            piece = mail.raw[offset : offset + part]
            sink.write(piece)
            offset += len(piece)
            self.stats.body_bytes += len(piece)
            if len(piece) < part:
                return offset

    def raw_mail(self, uid: int, raw: bytes, meta: MessageMeta | None = None) -> RawMail:
        state = self._need_selection()
        return RawMail(
            source=f"{self.name}/{state.folder}/{state.uidvalidity}/{uid}",
            raw=raw,
            sha256=hashlib.sha256(raw).hexdigest(),
            server_received_at=meta.internaldate if meta else None,
        )

    # -------------------------------------------------------- writing

    def move_many(self, uids: Iterable[int], folder: str) -> None:
        wanted, target = _checked_uids(uids), check_folder_name(folder)
        self._need_selection()
        if not wanted:
            return
        if target not in self.server.folders:
            self._send("MOVE" if self._moves else "COPY", target)
            raise MailboxError(f"move to {target!r}: the server said: NO [TRYCREATE] no such folder")
        if self._moves:
            self._send("MOVE", f"{_uid_set(wanted)} {target}")
            self._copy(wanted, target)
            self._expunge(wanted, only_deleted=False)
            return
        self._send("COPY", f"{_uid_set(wanted)} {target}")
        self._copy(wanted, target)
        self._send("STORE", f"{_uid_set(wanted)} +FLAGS.SILENT (\\Deleted)")
        for mail in self._present(wanted):
            mail.flags.add("\\Deleted")
        if "UIDPLUS" in self.server.capabilities:
            self._send("EXPUNGE", _uid_set(wanted))
            self._expunge(wanted, only_deleted=True)
        # Without UIDPLUS, as the IMAP adapter: a plain EXPUNGE would erase others' \Deleted mail too, so the
        # originals stay flagged for the mail client to expunge.

    def ensure_folder(self, name: str) -> str:
        target = check_folder_name(name)
        if target.upper() == "INBOX":
            return "INBOX"
        parts = target.split(DELIMITER)
        if any(not part for part in parts):
            raise ValueError(f"folder name {target!r} has an empty level")
        for depth in range(1, len(parts) + 1):
            path = DELIMITER.join(parts[:depth])
            self._send("LIST", path)
            if path not in self.server.folders:
                self._create(path)
        return target

    # -------------------------------------------------------- inside

    @property
    def _moves(self) -> bool:
        return self.allow_move and "MOVE" in self.server.capabilities

    def _create(self, path: str) -> None:
        self._send("CREATE", path)
        if path in self.server.refuse_create:
            raise MailboxError(f"create folder {path!r}: the server said: NO [NOPERM] permission denied")
        self.server.create_folder(path)

    def _copy(self, uids: list[int], target: str) -> None:
        destination = self.server.folders[target]
        for mail in self._present(uids):
            destination.add(StoredMail(mail.raw, mail.internaldate, set(mail.flags), mail.gm_msgid))

    def _expunge(self, uids: list[int], *, only_deleted: bool) -> None:
        """Remove these UIDs (UID EXPUNGE: only those marked \\Deleted), never another client's."""
        folder = self._folder(self._need_selection().folder)
        for uid in uids:
            mail = folder.mails.get(uid)
            if mail is not None and (not only_deleted or "\\Deleted" in mail.flags):
                del folder.mails[uid]
        folder.changes += 1
        self._seen_changes = folder.changes  # our own EXPUNGE responses were read with the command

    def _present(self, uids: list[int]) -> list[StoredMail]:
        mails = self._mails()
        return [mails[uid] for uid in uids if uid in mails]

    def _reselect(self, checked: FolderState) -> FolderState:
        state = self.select(checked.folder)
        self._fresh = False
        if state.uidvalidity != checked.uidvalidity:
            raise UidValidityChanged(
                f"folder {checked.folder!r}: UIDVALIDITY changed from {checked.uidvalidity} to {state.uidvalidity}",
                old=checked.uidvalidity,
                new=state.uidvalidity,
            )
        return state

    def _state(self, name: str, *, selected: bool) -> FolderState:
        folder = self._folder(name)
        return FolderState(name, folder.uidvalidity, folder.uidnext, len(folder.mails), selected)

    def _folder(self, name: str) -> Folder:
        folder = self.server.folders.get(name)
        if folder is None:
            raise MailboxError(self._message(f"folder {name!r}", "NO [NONEXISTENT] mailbox does not exist"))
        return folder

    def _mails(self) -> dict[int, StoredMail]:
        return self._folder(self._need_selection().folder).mails

    def _need_selection(self) -> FolderState:
        if self._selected is None:
            raise RuntimeError("no folder selected: call select() first")
        return self._selected

    def _send(self, name: str, argument: str = "") -> None:
        if not self.connected and name != "LOGIN":
            raise MailboxError(self._message("use", "not connected (the connection was closed or lost)"))
        self.stats.commands[name] += 1
        try:
            self.server.command(name, argument)
            if self._selected is not None and self._renumbered(self._selected):
                # Dovecot ends a session whose selected folder got a new UIDVALIDITY: its UIDs mean nothing now.
                raise ConnectionDropped("connection lost (BYE: the selected folder's UIDVALIDITY changed)")
        except ConnectionDropped as exc:
            self.close()
            raise MailboxError(self._message(name.lower(), str(exc))) from None
        except MailboxError as exc:
            raise MailboxError(self._message(name.lower(), str(exc))) from None

    def _renumbered(self, state: FolderState) -> bool:
        folder = self.server.folders.get(state.folder)
        return folder is None or folder.uidvalidity != state.uidvalidity

    def _message(self, action: str, reason: str) -> str:
        return f"memory mailbox {self.name!r}: {action}: {reason}"


def _checked_uids(uids: Iterable[int]) -> list[int]:
    return sorted({check_uid(uid) for uid in uids})


def _uid_set(uids: list[int]) -> str:
    return ",".join(str(uid) for uid in uids)
