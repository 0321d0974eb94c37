"""The IMAP adapter against a real Dovecot (tests/dovecot.py) and against servers that misbehave."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import SecretStr, ValidationError

from inbox_bot.config.secrets import Credential
from inbox_bot.config.settings import MailboxSettings
from inbox_bot.core.errors import MailboxError
from inbox_bot.sources.imap import ImapMailbox
from inbox_bot.sources.imap_values import UidValidityChanged, check_folder_name, imap_safe_value
from tests.dovecot import HOST, DovecotServer, MailUser, free_port
from tests.imapservers import ImapTestServer

imap = pytest.mark.imap


def mail(number: int, *, padding: int = 0, message_id: str | None = None) -> bytes:
    """A small CRLF mail; RFC822.SIZE of it is exactly len(mail)."""
    message_id = message_id or f"<mail-{number}@example.org>"
    head = (
        f"From: Applicant {number} <applicant{number}@example.org>\r\n"
        f"To: jobs@ngo.example\r\n"
        f"Subject: Application {number}\r\n"
        f"Message-ID: {message_id}\r\n"
        f"Date: Sun, 1 Mar 2026 10:00:00 +0000\r\n\r\n"
    )
    return head.encode() + b"Hello,\r\n" + b"x" * padding + b"\r\n"


def settings(server: ImapTestServer | None, user: MailUser | None, **overrides: object) -> MailboxSettings:
    values: dict[str, object] = {
        "name": "ngo-jobs",
        "host": HOST,
        "port": server.port if server else 1,
        "security": "none",
        "username": user.name if user else "nobody",
        "password_env": "NGO_JOBS_PASSWORD",  # where the daemon would read it; these tests hand it over
        "connect_timeout": 5,
        "read_timeout": 5,
    }
    values.update(overrides)
    return MailboxSettings.model_validate(values)


def imap_mailbox(
    server: ImapTestServer | None,
    user: MailUser | None,
    *,
    credential: Credential | None = None,
    allow_move: bool = True,
    **overrides: object,
) -> ImapMailbox:
    password = Credential(SecretStr(user.password if user else "unused-password"))
    return ImapMailbox(settings(server, user, **overrides), credential or password, allow_move=allow_move)


@pytest.fixture
def mailbox(dovecot: DovecotServer, mail_user: MailUser) -> Iterator[ImapMailbox]:
    with imap_mailbox(dovecot, mail_user) as opened:
        yield opened


@pytest.fixture
def any_mailbox(any_server: ImapTestServer, any_user: MailUser) -> Iterator[ImapMailbox]:
    """`mailbox` on each real server in turn (tests/imapservers.py)."""
    with imap_mailbox(any_server, any_user) as opened:
        yield opened


# ---------------------------------------------------------------- polling


@imap
def test_new_uids_sees_only_what_arrived_since_the_last_poll(
    any_server: ImapTestServer, any_user: MailUser, any_mailbox: ImapMailbox
) -> None:
    any_server.append_many(any_user, "INBOX", [mail(1), mail(2), mail(3)])

    state = any_mailbox.status()
    assert (state.exists, state.uidnext, state.selected) == (3, 4, False)
    assert any_mailbox.new_uids(None) == [1, 2, 3]
    assert any_mailbox.state is not None and any_mailbox.state.selected  # ready for fetch and move

    any_mailbox.status()
    assert any_mailbox.new_uids(3) == []

    any_server.append(any_user, "INBOX", mail(4))
    any_mailbox.status()
    assert any_mailbox.new_uids(3) == [4]
    any_mailbox.select()
    assert any_mailbox.new_uids(3, known={4}) == []

    # Without status()/select() in between, new_uids selects again: a stale UIDNEXT never hides mail.
    any_server.append(any_user, "INBOX", mail(5))
    assert any_mailbox.new_uids(4) == [5]


@imap
def test_status_sees_mails_dropped_straight_into_the_maildir(
    dovecot: DovecotServer, mail_user: MailUser, mailbox: ImapMailbox
) -> None:
    """Mail delivered by something other than Dovecot (say Postfix's own maildir delivery)."""
    assert mailbox.status().uidnext == 1
    dovecot.deliver_files(mail_user, [mail(1), mail(2)])
    assert mailbox.status().uidnext == 3
    assert mailbox.new_uids(0) == [1, 2]


@imap
def test_status_of_the_selected_folder_unselects_it_first(mailbox: ImapMailbox) -> None:
    mailbox.select()
    mailbox.status()
    assert mailbox.stats.commands == Counter({"SELECT": 1, "UNSELECT": 1, "STATUS": 1})
    with pytest.raises(RuntimeError, match="select"):
        mailbox.fetch_meta([1])  # nothing is selected any more


@imap
def test_new_uids_needs_a_status_or_select_first(mailbox: ImapMailbox) -> None:
    with pytest.raises(RuntimeError, match="select"):
        mailbox.new_uids(None)


@imap
def test_an_empty_folder_costs_one_status(mailbox: ImapMailbox) -> None:
    mailbox.status()
    assert mailbox.new_uids(None) == []
    assert mailbox.stats.commands == Counter({"STATUS": 1})


@imap
def test_uid_range_quirk_highest_uid_below_n_is_dropped(
    dovecot: DovecotServer, mail_user: MailUser, mailbox: ImapMailbox
) -> None:
    dovecot.append_many(mail_user, "INBOX", [mail(1), mail(2), mail(3)])
    fourth = dovecot.append(mail_user, "INBOX", mail(4))
    dovecot.expunge(mail_user, "INBOX", [fourth])  # UIDNEXT stays 5, the highest UID is now 3
    with dovecot.connect(mail_user) as raw:
        raw.select_folder("INBOX")
        assert raw.search(["UID", "4:*"]) == [3]  # RFC 3501 6.4.8: "*" is the highest UID, even below 4

    state = mailbox.select()
    assert state.uidnext == 5
    assert mailbox.new_uids(3) == []
    assert mailbox.stats.commands["SEARCH"] == 1  # it did ask, and filtered the server's answer


@imap
def test_idle_poll_downloads_nothing_and_costs_the_same_for_100_or_5000_mails(dovecot: DovecotServer) -> None:
    small, big = dovecot.new_user(), dovecot.new_user()
    dovecot.deliver_files(small, [mail(n) for n in range(100)])
    dovecot.deliver_files(big, [mail(n) for n in range(5000)])
    # Let Dovecot index the Maildirs first, as it would have long before a real idle poll.
    assert len(dovecot.uids(small, "INBOX")) == 100
    assert len(dovecot.uids(big, "INBOX")) == 5000

    for user in (small, big):
        with imap_mailbox(dovecot, user) as mailbox:
            state = mailbox.status()
            assert mailbox.new_uids(state.uidnext - 1 if state.uidnext else None) == []
            # One STATUS: Dovecot's SELECT would grow with the folder (~2 µs a mail), its STATUS does not.
            assert mailbox.stats.commands == Counter({"STATUS": 1})
            assert mailbox.stats.body_bytes == 0

    # Dovecot's own account of each session (new_user, uids, the poll): no body, no header was sent,
    # and the bytes out differ only by the digits of EXISTS/UIDNEXT.
    small_poll = dovecot.sessions(small, count=3)[-1]
    big_poll = dovecot.sessions(big, count=3)[-1]
    for poll in (small_poll, big_poll):
        assert poll["body_count"] == 0 and poll["hdr_count"] == 0
    assert abs(big_poll["out"] - small_poll["out"]) <= 16, (small_poll, big_poll)
    assert abs(big_poll["in"] - small_poll["in"]) <= 4, (small_poll, big_poll)


# ---------------------------------------------------------------- reading


@imap
def test_fetch_bodies_in_batches_peeks_without_setting_seen(
    dovecot: DovecotServer, mail_user: MailUser, mailbox: ImapMailbox
) -> None:
    raws = [mail(n, padding=n * 1000) for n in range(7)]
    uids = dovecot.append_many(mail_user, "INBOX", raws)
    mailbox.select()

    fetched = list(mailbox.fetch_bodies(uids, batch=3))

    assert fetched == list(zip(uids, raws, strict=True))  # exact bytes, UID order
    assert mailbox.stats.commands["FETCH"] == 3  # 3 + 3 + 1
    assert mailbox.stats.body_bytes == sum(map(len, raws))
    for uid in uids:
        assert b"\\Seen" not in dovecot.flags(mail_user, "INBOX", uid)


@imap
def test_fetch_bodies_skips_a_uid_that_vanished(
    dovecot: DovecotServer, mail_user: MailUser, mailbox: ImapMailbox
) -> None:
    uids = dovecot.append_many(mail_user, "INBOX", [mail(1), mail(2)])
    mailbox.select()
    assert [uid for uid, _raw in mailbox.fetch_bodies([*uids, 99])] == uids


@imap
def test_fetch_meta_gives_size_flags_and_an_aware_utc_internaldate(
    dovecot: DovecotServer, mail_user: MailUser, mailbox: ImapMailbox
) -> None:
    arrived = datetime(2026, 3, 1, 23, 59, 30, tzinfo=timezone(timedelta(hours=-5)))
    raw = mail(1, padding=500)
    uid = dovecot.append(mail_user, "INBOX", raw, flags=[b"\\Flagged"], internaldate=arrived)
    mailbox.select()

    meta = mailbox.fetch_meta([uid])[uid]

    assert meta.internaldate == arrived
    assert meta.internaldate.tzinfo is UTC
    assert meta.internaldate == datetime(2026, 3, 2, 4, 59, 30, tzinfo=UTC)
    assert meta.size == len(raw)
    assert "\\Flagged" in meta.flags and "\\Seen" not in meta.flags
    assert meta.gm_msgid is None  # Dovecot has no X-GM-EXT-1
    assert not mailbox.is_gmail and mailbox.has_move and mailbox.has_uidplus
    assert mailbox.stats.body_bytes == 0

    record = mailbox.raw_mail(uid, raw, meta)
    assert record.source == f"ngo-jobs/INBOX/{mailbox.select().uidvalidity}/{uid}"
    assert record.server_received_at == arrived


@imap
def test_debug_formatting_of_responses_is_off(
    dovecot: DovecotServer, mail_user: MailUser, mailbox: ImapMailbox, caplog: pytest.LogCaptureFixture
) -> None:
    uid = dovecot.append(mail_user, "INBOX", mail(1, padding=2_000_000))
    caplog.set_level(logging.DEBUG)
    mailbox.select()
    assert len(next(mailbox.fetch_bodies([uid]))[1]) > 2_000_000
    assert not [r for r in caplog.records if r.name == "imapclient.imaplib"]


# ---------------------------------------------------------------- filing


@imap
def test_ensure_folder_creates_parents_then_move_files_the_mail(
    any_server: ImapTestServer, any_user: MailUser, any_mailbox: ImapMailbox
) -> None:
    uid = any_server.append(any_user, "INBOX", mail(1, message_id="<filed@example.org>"))
    path = "Candidatures/2026/Reçues"  # non-ASCII: sent as modified UTF-7
    target = any_server.native(path)  # "INBOX.Candidatures.2026.Reçues" on Courier

    assert any_mailbox.ensure_folder(path) == target
    assert {any_server.native(p) for p in ("Candidatures", "Candidatures/2026", path)} <= set(
        any_server.folders(any_user)
    )
    creates = any_mailbox.stats.commands["CREATE"]
    any_mailbox.ensure_folder(path)
    assert any_mailbox.stats.commands["CREATE"] == creates  # known folders cost nothing

    any_mailbox.select()
    any_mailbox.move(uid, target)

    assert any_mailbox.stats.commands["MOVE" if any_mailbox.has_move else "COPY"] == 1
    assert any_server.uids(any_user, "INBOX") == []
    any_mailbox.select(target)
    assert len(any_mailbox.find_message_id("<filed@example.org>")) == 1


@imap
def test_move_without_move_capability_copies_then_expunges_only_that_uid(
    any_server: ImapTestServer, any_user: MailUser
) -> None:
    mine = any_server.append(any_user, "INBOX", mail(1, message_id="<mine@example.org>"))
    # Someone else's mail, marked \Deleted but not expunged: a plain EXPUNGE would erase it.
    theirs = any_server.append(any_user, "INBOX", mail(2), flags=[b"\\Deleted"])

    with imap_mailbox(any_server, any_user, allow_move=False) as mailbox:
        target = mailbox.ensure_folder("Complet")
        mailbox.select()
        mailbox.move(mine, target)
        assert mailbox.stats.commands["MOVE"] == 0
        assert mailbox.stats.commands["COPY"] == mailbox.stats.commands["EXPUNGE"] == 1

    assert any_server.uids(any_user, "INBOX") == [theirs]
    assert len(any_server.uids(any_user, any_server.native("Complet"))) == 1


@imap
def test_move_to_a_missing_folder_is_a_mailbox_error(
    any_server: ImapTestServer, any_user: MailUser, any_mailbox: ImapMailbox
) -> None:
    uid = any_server.append(any_user, "INBOX", mail(1))
    any_mailbox.select()
    with pytest.raises(MailboxError, match=r"ngo-jobs.*Nowhere"):
        any_mailbox.move(uid, "Nowhere")
    assert any_mailbox.connected and any_server.uids(any_user, "INBOX") == [uid]


@imap
def test_special_folders_are_found_by_attribute_not_by_name(mailbox: ImapMailbox) -> None:
    assert mailbox.special_folders() == {
        "\\Trash": "Papierkorb",
        "\\Junk": "Courrier indesirable",
        "\\Sent": "Envoyes",
    }


# ---------------------------------------------------------------- UIDVALIDITY and restarts


@imap
def test_uidvalidity_change_is_visible_on_the_next_select(
    dovecot: DovecotServer, mail_user: MailUser, mailbox: ImapMailbox
) -> None:
    dovecot.append(mail_user, "INBOX", mail(1))
    before = mailbox.select()
    old, new = dovecot.change_uidvalidity(mail_user)
    assert before.uidvalidity == old
    assert mailbox.select().uidvalidity == new


@imap
def test_new_uids_refuses_to_mix_uids_of_two_uidvalidities(
    dovecot: DovecotServer, mail_user: MailUser, mailbox: ImapMailbox
) -> None:
    dovecot.append(mail_user, "INBOX", mail(1))
    mailbox.select()
    assert mailbox.new_uids(None) == [1]
    old, new = dovecot.change_uidvalidity(mail_user)
    with pytest.raises(UidValidityChanged) as caught:
        mailbox.new_uids(1)  # no select() since: it selects again and notices
    assert (caught.value.old, caught.value.new) == (old, new)
    assert "ngo-jobs" in str(caught.value)


@imap
def test_new_uids_after_status_notices_a_uidvalidity_change_before_searching(
    dovecot: DovecotServer, mail_user: MailUser, mailbox: ImapMailbox
) -> None:
    dovecot.append_many(mail_user, "INBOX", [mail(1), mail(2)])
    checked = mailbox.status()  # UIDNEXT 3: something new above 1...
    dovecot.change_uidvalidity(mail_user)  # ...but UIDs are renumbered before new_uids opens the folder
    with pytest.raises(UidValidityChanged):
        mailbox.new_uids(1)
    assert mailbox.stats.commands["SEARCH"] == 0
    assert mailbox.status().uidvalidity != checked.uidvalidity


@imap
def test_after_a_server_restart_the_old_connection_fails_and_a_new_one_works(
    any_server: ImapTestServer, any_user: MailUser
) -> None:
    any_server.append(any_user, "INBOX", mail(1))
    mailbox = imap_mailbox(any_server, any_user).connect()
    try:
        mailbox.select()
        any_server.restart()
        with pytest.raises(MailboxError, match="ngo-jobs") as caught:
            mailbox.select()
        assert "connection lost" in str(caught.value)
        assert not mailbox.connected

        mailbox.connect()
        mailbox.select()
        assert mailbox.new_uids(None) == [1]
    finally:
        mailbox.close()


# ---------------------------------------------------------------- failures


@imap
def test_wrong_password_names_the_mailbox_never_the_password(
    dovecot: DovecotServer, mail_user: MailUser, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "Wr0ng-Pa55-xyzzy-42"
    mailbox = imap_mailbox(dovecot, mail_user, credential=Credential(SecretStr(wrong)))

    with pytest.raises(MailboxError) as caught:
        mailbox.connect()

    error = caught.value
    assert "ngo-jobs" in str(error) and "login refused" in str(error)
    assert error.exit_code == 3 and "\n" not in error.one_line()
    for text in (error.one_line(), repr(error), repr(error.__context__), caplog.text):
        assert wrong not in text
    assert not mailbox.connected


@imap
def test_oauth2_refused_by_the_server_does_not_leak_the_token(dovecot: DovecotServer, mail_user: MailUser) -> None:
    token = "ya29.secret-token-value"
    mailbox = imap_mailbox(dovecot, mail_user, credential=Credential(SecretStr(token), oauth2=True))
    with pytest.raises(MailboxError, match=r"ngo-jobs.*login") as caught:
        mailbox.connect()  # this Dovecot offers no XOAUTH2
    assert token not in caught.value.one_line()


@imap
def test_unknown_folder_is_a_mailbox_error_and_the_connection_survives(mailbox: ImapMailbox) -> None:
    with pytest.raises(MailboxError, match=r"ngo-jobs.*'Nope'"):
        mailbox.select("Nope")
    with pytest.raises(MailboxError, match=r"ngo-jobs.*'Nope'"):
        mailbox.status("Nope")
    assert mailbox.connected
    assert mailbox.select().folder == "INBOX"


@imap
def test_tls_against_a_clear_text_port_fails_cleanly(dovecot: DovecotServer, mail_user: MailUser) -> None:
    with pytest.raises(MailboxError, match=r"ngo-jobs.*TLS failed"):
        imap_mailbox(dovecot, mail_user, security="ssl").connect()


@imap
def test_starttls_never_falls_back_to_clear_text(dovecot: DovecotServer, mail_user: MailUser) -> None:
    with pytest.raises(MailboxError, match="does not offer STARTTLS"):
        imap_mailbox(dovecot, mail_user, security="starttls").connect()


def test_connection_refused() -> None:
    started = time.monotonic()
    with pytest.raises(MailboxError, match=r"ngo-jobs.*connection refused"):
        imap_mailbox(None, None, port=free_port()).connect()
    assert time.monotonic() - started < 2


@pytest.fixture
def silent_listener() -> Iterator[int]:
    """A port that accepts TCP connections (kernel backlog) and never says a word."""
    with socket.create_server((HOST, 0)) as listener:
        yield listener.getsockname()[1]


@pytest.fixture
def stalls_at_login() -> Iterator[int]:
    """A server that greets, answers CAPABILITY (imaplib asks at connect), then never answers again."""
    listener = socket.create_server((HOST, 0))
    listener.settimeout(0.05)
    stop = threading.Event()
    accepted: list[socket.socket] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _address = listener.accept()
            except TimeoutError:
                continue
            accepted.append(connection)
            connection.settimeout(5)
            connection.sendall(b"* OK stalling server ready\r\n")
            tag = connection.recv(1024).split(b" ", 1)[0]  # "<tag> CAPABILITY"
            connection.sendall(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n" + tag + b" OK done\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for connection in accepted:
            connection.close()
        listener.close()


def test_a_server_that_never_greets_fails_within_the_connect_timeout(silent_listener: int) -> None:
    started = time.monotonic()
    with pytest.raises(MailboxError, match=r"ngo-jobs.*no answer within 1 s"):
        imap_mailbox(None, None, port=silent_listener, connect_timeout=1, read_timeout=1).connect()
    assert time.monotonic() - started < 3


def test_a_server_that_stalls_after_greeting_fails_within_the_read_timeout(stalls_at_login: int) -> None:
    started = time.monotonic()
    mailbox = imap_mailbox(None, None, port=stalls_at_login, connect_timeout=1, read_timeout=1)
    with pytest.raises(MailboxError, match=r"ngo-jobs.*login: no answer within 1 s"):
        mailbox.connect()
    assert time.monotonic() - started < 3


# ---------------------------------------------------------------- injection

CRAFTED = "<x@example.org>\r\nA1 DELETE INBOX\r\nA2 DELETE Victim\r\n"


@imap
def test_the_threat_is_real_raw_imapclient_sends_a_crafted_message_id_as_is(
    dovecot: DovecotServer, mail_user: MailUser
) -> None:
    """Why the check exists: imapclient alone lets the second line run (Dovecot refuses DELETE INBOX)."""
    with dovecot.connect(mail_user) as raw:
        raw.create_folder("Victim")
        raw.select_folder("INBOX")
        with pytest.raises(Exception):  # noqa: B017 - the first line is a syntax error; the rest ran
            raw.search([b"HEADER", b"Message-ID", CRAFTED.encode()])
    assert "Victim" not in dovecot.folders(mail_user)


@imap
def test_a_crafted_message_id_never_reaches_the_server(
    dovecot: DovecotServer, mail_user: MailUser, mailbox: ImapMailbox
) -> None:
    with dovecot.connect(mail_user) as raw:
        raw.create_folder("Victim")
    mailbox.select()

    with pytest.raises(ValueError, match="Message-ID"):
        mailbox.find_message_id(CRAFTED)

    assert mailbox.stats.commands["SEARCH"] == 0  # refused before anything was sent
    assert {"INBOX", "Victim"} <= set(dovecot.folders(mail_user))
    assert mailbox.find_message_id("<x@example.org>") == []  # the connection is still in step


@imap
def test_message_ids_are_always_sent_quoted(dovecot: DovecotServer, mail_user: MailUser, mailbox: ImapMailbox) -> None:
    odd = '<a"b\\c{5}@example.org>'  # quote, backslash, and what looks like a literal announcement
    uid = dovecot.append(mail_user, "INBOX", mail(1, message_id=odd))
    mailbox.select()
    assert mailbox.find_message_id(odd) == [uid]
    assert mailbox.find_message_id("<a{5}") == []  # would make a server wait for 5 bytes if unquoted


@pytest.mark.parametrize(
    "value",
    ["<a@b>\r\nA1 LOGOUT", "<a@b>\nX", "<a@b>\rX", "<a\x00@b>", "<é@b>", "<a@b>\x7f", "", "<" + "a" * 999 + ">"],
)
def test_imap_safe_value_refuses(value: str) -> None:
    with pytest.raises(ValueError):
        imap_safe_value(value, what="Message-ID")


@pytest.mark.parametrize("name", ["A\r\nB", "A\x00", "*", "Applications/%", ""])
def test_folder_names_refused(name: str) -> None:
    with pytest.raises(ValueError):
        check_folder_name(name)


# ---------------------------------------------------------------- settings


@pytest.mark.parametrize("host", ["imap.example.org", "10.0.0.5", "::ffff:127.0.0.1", "localhost.example.org"])
def test_clear_text_is_refused_for_a_remote_host(host: str) -> None:
    with pytest.raises(ValidationError, match="loopback"):
        settings(None, None, host=host)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "::1", "localhost", "LOCALHOST"])
def test_clear_text_is_allowed_on_loopback(host: str) -> None:
    assert settings(None, None, host=host).security == "none"


def test_settings_need_exactly_one_secret_source_and_a_credential_hides_it() -> None:
    with pytest.raises(ValidationError, match="exactly one"):
        settings(None, None, password_env=None)
    with pytest.raises(ValidationError, match="exactly one"):
        settings(None, None, oauth2_token_command="get-token")
    with pytest.raises(ValidationError, match="line break"):
        settings(None, None, username="ngo\r\nA1 DELETE INBOX")
    credential = Credential(SecretStr("hunter2-secret"))
    assert "hunter2-secret" not in repr(credential) + str(credential)
    assert settings(None, None, security="ssl", port=None).effective_port == 993
    assert settings(None, None, security="starttls", port=None).effective_port == 143


@imap
def test_move_many_files_several_mails_in_one_command(any_server: ImapTestServer, any_user: MailUser) -> None:
    uids = any_server.append_many(any_user, "INBOX", [mail(n) for n in range(5)])
    with imap_mailbox(any_server, any_user) as mailbox:
        mailbox.select()
        target = mailbox.ensure_folder("inbox-bot/a/complete")
        command = "MOVE" if mailbox.has_move else "COPY"  # Courier: COPY + STORE + UID EXPUNGE
        before = mailbox.stats.commands[command]
        mailbox.move_many(uids[:4], target)
        assert mailbox.stats.commands[command] - before == 1
    assert any_server.uids(any_user, "INBOX") == uids[4:]
    assert len(any_server.uids(any_user, any_server.native("inbox-bot/a/complete"))) == 4
