"""A large mail is never held whole (issue #16 item 3): fetched in partial FETCHes into a spool file of the
store, read from that file mapped, linked into the store. The bytes stored are the server's, byte for byte, on
each real server; the verdict and the documents are those of the in-memory path; a poll cut short leaves no
spool file behind, and the mail is read again."""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import mmap
import random
from pathlib import Path

import pytest

from inbox_bot.config.settings import Settings
from inbox_bot.core.errors import MailboxError
from inbox_bot.core.limits import Limits
from inbox_bot.core.models import RawMail
from inbox_bot.daemon.pipeline_setup import build_pipeline
from inbox_bot.daemon.poller import MailboxPoller
from inbox_bot.sources.memory import MemoryServer
from inbox_bot.sources.memory_mailbox import MemoryMailbox
from inbox_bot.storage.store import Store
from inbox_bot.triage import rawview
from tests.imapservers import ImapTestServer, MailUser
from tests.mailbuilder import MessageBuilder, make_pdf
from tests.pollkit import APRIL, CHARGE, ledger_states, mailbox_settings
from tests.test_daemon import daemon_for, db_rows, write_config
from tests.test_imap_source import imap_mailbox
from tests.values import RULES

MB = 1024 * 1024


def large_application(megabytes: float = 2.5) -> bytes:
    """An application with a CV and a photo of a diploma large enough to be spooled (2 MB by default)."""
    photo = random.Random(7).randbytes(int(megabytes * MB * 3 / 4))
    return (
        MessageBuilder()
        .sender("Candidate Grande", "grande@example.ma")
        .to(CHARGE)
        .subject("Candidature_chargé(e) de projet_OMP")
        .message_id("<large@example.ma>")
        .date(APRIL)
        .received(APRIL, by="mx.google.com")
        .body("Bonjour, veuillez trouver ci-joint mon dossier.")
        .attach("CV_grande.pdf", make_pdf(["Curriculum vitae", "Expérience professionnelle", "Formation"]))
        .attach("diplome.bin", photo)
        .build()
    )


class Collected(io.BytesIO):
    """A sink that counts the writes it was given."""

    writes = 0

    def write(self, data: bytes, /) -> int:  # type: ignore[override]
        self.writes += 1
        return super().write(data)


def twin_poller(store: Store, server: MemoryServer, spool_from_mb: float) -> MailboxPoller:
    pipeline = build_pipeline(Settings(limits=Limits(spool_from_mb=spool_from_mb)), RULES)
    return MailboxPoller(
        mailbox_settings(), store, lambda: pipeline, max_mail_bytes=40_000_000,
        mailboxes=lambda box: MemoryMailbox(server, box.name, box.folder),
    )


def stored_raw(store: Store) -> bytes:
    row = next(iter(store.db.query("select raw_path from mails")))
    return store.read_file(row["raw_path"])


def documents(store: Store) -> list[tuple[str, str, str]]:
    rows = store.db.query("select d.sha256, d.kind, m.verdict from documents d join mails m on m.id = d.mail_id "
                          "order by d.sha256")
    return [(row["sha256"], row["kind"], row["verdict"]) for row in rows]


# ---------------------------------------------------------------- real servers


@pytest.mark.imap
def test_a_large_mail_is_fetched_in_parts_and_stored_byte_for_byte(
    tmp_path: Path, any_server: ImapTestServer, any_user: MailUser
) -> None:
    raw = large_application()
    uid = any_server.append(any_user, "INBOX", raw, internaldate=APRIL)
    with imap_mailbox(any_server, any_user) as mailbox:
        mailbox.select()
        sink = Collected()
        assert mailbox.fetch_into(uid, sink, part=300_000) == len(raw)
        assert sink.getvalue() == raw
        assert sink.writes == len(raw) // 300_000 + 1, "one write per partial FETCH"
        assert mailbox.fetch_into(uid + 100, Collected()) is None, "a UID that is not there"
    assert b"\\Seen" not in any_server.flags(any_user, "INBOX", uid), "BODY.PEEK never marks a mail read"

    daemon = daemon_for(write_config(tmp_path, any_server, {"ngo": any_user}))
    try:
        report = daemon.poll_mailbox("ngo")
    finally:
        daemon.close()
    assert report is not None and report.recorded == 1
    (raw_path, size), = db_rows(tmp_path, "select raw_path, size from mails")
    assert (tmp_path / "var" / "storage" / str(raw_path)).read_bytes() == raw
    assert size == len(raw)
    assert db_rows(tmp_path, "select count(*) from documents") == [(2,)]
    assert not any((tmp_path / "var" / "storage" / "spool").rglob("mail-*")), "the spool file went once recorded"


# ---------------------------------------------------------------- the twin


def test_the_spooled_path_gives_what_the_in_memory_path_gives(tmp_path: Path) -> None:
    results = []
    for spool_from_mb in (2.0, 40.0):  # 2.5 MB: spooled, then held
        server, store = MemoryServer(), Store(tmp_path / f"{spool_from_mb}.sqlite", tmp_path / f"s{spool_from_mb}")
        server.append("INBOX", large_application(), internaldate=APRIL)
        poller = twin_poller(store, server, spool_from_mb)
        report = poller.poll()
        assert report.recorded == 1
        assert stored_raw(store) == large_application()
        results.append(documents(store))
        partial = [c for c in server.commands("FETCH") if "BODY.PEEK[]<" in c]
        assert len(partial) == (3 if spool_from_mb == 2.0 else 0), "2.5 MB in parts of 1 MB"
        assert list(store.spool("ngo").folder.glob("*")) == [], "the spool file went once recorded"
        store.close()
    assert results[0] == results[1]
    assert len(results[0]) == 2


def test_a_fetch_cut_short_leaves_no_spool_file_and_is_read_again(store: Store) -> None:
    server = MemoryServer()
    server.append("INBOX", large_application(), internaldate=APRIL)
    poller = twin_poller(store, server, 2.0)
    server.drop_at(3, "FETCH")  # the sizes, the first part; the connection drops at the second part
    with pytest.raises(MailboxError):
        poller.poll()
    assert list(store.spool("ngo").folder.glob("*")) == [], "the half-written file is removed"
    assert ledger_states(store) == []
    # a file a crash left behind (no cleanup ran) is swept when the next poll starts
    store.spool("ngo").folder.mkdir(parents=True, exist_ok=True)
    (store.spool("ngo").folder / "mail-left-by-a-crash").write_bytes(b"half a mail")
    report = poller.poll()
    assert report.recorded == 1
    assert stored_raw(store) == large_application()
    assert list(store.spool("ngo").folder.glob("*")) == []


# ---------------------------------------------------------------- decoding a window at a time


def _whole(body: bytes) -> tuple[str, bytes | str]:
    try:
        if not body.isascii():
            raise ValueError("string argument should contain only ASCII characters")
        return "ok", binascii.a2b_base64(body)
    except (ValueError, binascii.Error) as error:
        return type(error).__name__, str(error)


def _windowed(body: bytes, path: Path) -> tuple[str, bytes | str]:
    """Decoded from a mapped spool file, the only data decoded a window at a time."""
    path.write_bytes(b"<<" + body + b">>")
    with rawview.opened(_spooled(path)) as mapped:
        assert isinstance(mapped, mmap.mmap)
        try:
            return "ok", rawview.decode_base64(mapped, 2, 2 + len(body))
        except (ValueError, binascii.Error) as error:
            return type(error).__name__, str(error)


def _in_memory(body: bytes) -> tuple[str, bytes | str]:
    try:
        return "ok", rawview.decode_base64(b"<<" + body + b">>", 2, 2 + len(body))
    except (ValueError, binascii.Error) as error:
        return type(error).__name__, str(error)


# 64: many windows, and every way a quantum can straddle two; 240: windows of whole lines (the fast decoder)
@pytest.mark.parametrize("window", [64, 240])
def test_base64_decoded_a_window_at_a_time_is_the_whole_decoded(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, window: int
) -> None:
    monkeypatch.setattr(rawview, "WINDOW", window)
    rng = random.Random(16)
    for _ in range(2000):
        body = bytearray(base64.encodebytes(rng.randbytes(rng.randint(0, 400))))
        for _ in range(rng.randint(0, 4)):  # padding in mid-body, stray bytes, lost characters, non-ASCII
            if not body:
                break
            at = rng.randrange(len(body))
            if rng.random() < 0.5:
                body[at:at] = rng.choice([b"=", b"==", b"!", b" ", b"\n", b"A", b"\xc3\xa9"])
            else:
                del body[at]
        assert _windowed(bytes(body), tmp_path / "mail") == _whole(bytes(body)), bytes(body)
        assert _in_memory(bytes(body)) == _whole(bytes(body)), bytes(body)


def test_a_mapped_mail_decodes_as_bytes_do(tmp_path: Path) -> None:
    data = random.Random(3).randbytes(3 * MB)
    path = tmp_path / "mail"
    path.write_bytes(b"head\r\n" + base64.encodebytes(data) + b"tail")
    raw = _spooled(path)
    with rawview.opened(raw) as mapped:
        assert not isinstance(mapped, bytes)
        assert rawview.decode_base64(mapped, 6, len(mapped) - 4) == data
    assert rawview.head(raw, 4) == b"head"


def _spooled(path: Path) -> RawMail:
    content = path.read_bytes()
    return RawMail(source="test", raw=b"", sha256=hashlib.sha256(content).hexdigest(), spool=path,
                   spool_size=len(content))
