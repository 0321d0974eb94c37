"""The policy behind 'never answer ourselves' and 'never answer the backlog', as plain values, then through the
store: which Message-IDs a mail answers, which of them are ours, which call a thread is about, what is held back.
The same rules on a real Dovecot and SMTP server: tests/test_conversation.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from inbox_bot.config.settings import MailboxSettings, Settings
from inbox_bot.core.models import MatchResult
from inbox_bot.daemon.pipeline_setup import build_pipeline
from inbox_bot.daemon.poller import MailboxPoller
from inbox_bot.outgoing import outbox, replies
from inbox_bot.sources.memory import MemoryServer
from inbox_bot.sources.memory_mailbox import MemoryMailbox
from inbox_bot.storage import outbox_rows
from inbox_bot.storage.store import Store
from inbox_bot.triage.pipeline import Triaged
from inbox_bot.triage.threads import MAX_REFERENCES, follow_thread, thread_ids
from tests.pollkit import application, mailbox_settings
from tests.smtpd import APPLICANT, document, parsed_mail, record, smtp_settings, triage_result
from tests.values import RULES

CHARGE = RULES["omp-charge-projet-2026"]
OWN = replies.own_addresses(["bot@ngo.example"], RULES.values())
OURS = replies.message_id("incomplete", CHARGE.id, "<cand-1@example.ma>", APPLICANT, domain="ngo.example")
NOW = datetime(2026, 4, 20, 12, tzinfo=UTC)


class OneCall:
    def __init__(self, call: str | None) -> None:
        self.call = call

    def call_of_thread(self, message_ids: list[str]) -> str | None:
        return self.call


def test_thread_ids_in_reply_to_first_each_once_garbage_ignored() -> None:
    parsed = parsed_mail(in_reply_to="<b@x.ma> (comment)", references="<a@x.ma>\t<b@x.ma> junk <c@x.ma>")
    assert thread_ids(parsed) == ["<b@x.ma>", "<a@x.ma>", "<c@x.ma>"]
    hostile = " ".join(f"<r{i}@x.ma>" for i in range(5 * MAX_REFERENCES))
    found = thread_ids(parsed_mail(references=hostile))
    assert len(found) == MAX_REFERENCES and found[-1] == f"<r{5 * MAX_REFERENCES - 1}@x.ma>"


def test_our_message_ids_are_known_by_their_shape_for_our_domain_only() -> None:
    assert replies.looks_like_ours(OURS, "ngo.example")
    assert replies.looks_like_ours(OURS, "NGO.example")
    assert not replies.looks_like_ours(OURS, "other.example")
    assert not replies.looks_like_ours("<CAF=abc123@mail.gmail.com>", "ngo.example")
    assert not replies.looks_like_ours("<receipt.notahexdigestnotahexdigest0000@ngo.example>", "ngo.example")


@pytest.mark.parametrize(
    ("arrived", "first_contact", "held"),
    [
        (NOW - timedelta(minutes=5), True, "first_contact"),
        (NOW - timedelta(days=3), False, "max_age"),
        (NOW - timedelta(days=2) + timedelta(seconds=1), False, None),
        (NOW + timedelta(hours=1), False, None),  # a server clock ahead of ours is not old mail
    ],
)
def test_held_back_for_first_contact_or_age(arrived: datetime, first_contact: bool, held: str | None) -> None:
    assert replies.held_back(arrived, NOW, timedelta(days=2), first_contact=first_contact) == held


@pytest.mark.parametrize(
    ("verdict", "new", "answered"),
    [("incomplete", 1, False), ("late", 2, False), ("complete", 0, False), ("complete", 2, True)],
)
def test_an_answer_to_our_mail_gets_only_the_receipt_of_the_dossier_it_completes(
    verdict: str, new: int, answered: bool
) -> None:
    parsed = parsed_mail(in_reply_to=OURS)
    result = triage_result(parsed, CHARGE.id, verdict)
    thread = replies.Thread(answers_ours=True, new_documents=new)
    planned = replies.plan_reply(result, CHARGE, parsed, [], OWN, {"mx.ngo.example"}, thread)
    assert isinstance(planned, replies.Plan) is answered
    if not answered:
        assert isinstance(planned, replies.Skip) and "answers one of our own messages" in planned.reason


def test_the_thread_names_the_call_only_when_the_mail_itself_names_none() -> None:
    parsed = parsed_mail(in_reply_to=OURS)
    unmatched = MatchResult(call=None, reasons=["nothing"])
    assert follow_thread(unmatched, parsed, OneCall(CHARGE.id), RULES).call == CHARGE.id
    both = MatchResult(call=None, reasons=["could be"], ambiguous=sorted(RULES)[:2])
    assert follow_thread(both, parsed, OneCall(both.ambiguous[0]), RULES).call == both.ambiguous[0]
    other = MatchResult(call="oxfam-migration-2022", reasons=["subject"])
    assert follow_thread(other, parsed, OneCall(CHARGE.id), RULES) is other
    assert follow_thread(unmatched, parsed, OneCall("no-such-call"), RULES) is unmatched
    machine = parsed_mail(in_reply_to=OURS, auto_signals=["Auto-Submitted: auto-replied"])
    assert follow_thread(unmatched, machine, OneCall(CHARGE.id), RULES) is unmatched


def test_the_store_knows_our_message_ids_and_the_call_of_a_thread(tmp_path: Path, store: Store) -> None:
    settings = smtp_settings(None, tmp_path)
    parsed = parsed_mail(references="")
    cv = document("cv", "CV.pdf", b"%PDF cv")
    record(store, settings, CHARGE, parsed, triage_result(parsed, CHARGE.id, "incomplete", ["cover_letter"], [cv]))
    [sent] = outbox.rows(store, "queued")
    assert outbox_rows.sent_message_ids(store, [sent["message_id"], "<x@y.ma>"]) == {sent["message_id"]}
    assert store.call_of_thread([sent["message_id"]]) == CHARGE.id
    assert store.call_of_thread(["<cand-1@example.ma>", "<unknown@x.ma>"]) == CHARGE.id
    assert store.call_of_thread(["<unknown@x.ma>"]) is None

    # The answer brings the letter: the dossier is complete, a receipt goes, once; the next answer gets none.
    letter = document("cover_letter", "Lettre.pdf", b"%PDF letter")
    answer = parsed_mail(message_id="<ans-1@example.ma>", in_reply_to=sent["message_id"], references="")
    record(store, settings, CHARGE, answer, triage_result(answer, CHARGE.id, "complete", [], [letter]))
    again = parsed_mail(message_id="<ans-2@example.ma>", in_reply_to=sent["message_id"], references="")
    late_window = settings.replies.window * 3
    other = document("references", "Refs.pdf", b"%PDF refs")
    mail_id = record(
        store, settings, CHARGE, again, triage_result(again, CHARGE.id, "complete", [], [other]),
        now=datetime.now(UTC) + late_window,
    )  # fmt: skip
    assert [row["kind"] for row in outbox.rows(store, "queued")] == ["incomplete", "receipt"]
    assert store.events(mail_id)[-1]["kind"] == "reply_skipped"


# ---------------------------------------------------------------- first contact, on the in-memory twin


def test_the_first_poll_holds_back_everything_later_polls_only_old_mail(
    memory_server: MemoryServer, store: Store
) -> None:
    # GIVEN a mailbox with two mails, one received months ago, that inbox-bot never watched
    now = datetime.now(UTC)
    memory_server.append("INBOX", application(1), internaldate=now - timedelta(days=200))
    memory_server.append("INBOX", application(2), internaldate=now - timedelta(minutes=5))
    asked: list[str | None] = []

    def plan(triaged: Triaged, box: MailboxSettings, store: Store, held_back: str | None) -> None:
        asked.append(held_back)

    pipeline = build_pipeline(Settings(), RULES)
    polled = MailboxPoller(
        mailbox_settings(), store, lambda: pipeline, max_mail_bytes=40_000_000, plan_reply=plan,
        mailboxes=lambda box: MemoryMailbox(memory_server, box.name, box.folder),
        reply_max_age=timedelta(days=2),
    )  # fmt: skip
    # WHEN it is polled for the first time, THEN nothing it reads may be answered
    polled.poll()
    assert asked == ["first_contact", "first_contact"]
    # WHEN more mail comes, THEN only what our server received over max_age ago is held back
    memory_server.append("INBOX", application(3), internaldate=now - timedelta(days=3))
    memory_server.append("INBOX", application(4), internaldate=now)
    polled.poll()
    assert asked[2:] == ["max_age", None]
