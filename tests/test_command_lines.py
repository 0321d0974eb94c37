"""The coordinator's command lines, read from her reply to the digest (pure: no store, no server).

GIVEN the lines she types under "Re: inbox-bot – ... – digest du ...", in French or English, with accents or
not, bullets, Arabic-Indic digits, the digest quoted below in the ways mail clients quote, THEN each command line
is understood or refused with its reason, her own words are left aside, and nothing she quoted is read.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from inbox_bot.core.models import Command, CommandAction, Verdict
from inbox_bot.core.reasons import ReasonCode
from inbox_bot.core.timezones import MOROCCO, zone
from inbox_bot.triage.commands import command_lines, read_line
from inbox_bot.triage.parse import html_text
from inbox_bot.triage.reply_text import own_lines

NOON = datetime(2026, 5, 12, 12, 0, tzinfo=zone(MOROCCO))
END_OF_DAY = datetime(2026, 5, 13, 0, 0, tzinfo=zone(MOROCCO))


def command(line: str) -> Command:
    read = read_line(line)
    assert read is not None and read.command is not None, (line, read)
    return read.command


def refusal(line: str) -> ReasonCode:
    read = read_line(line)
    assert read is not None and read.command is None and read.refusal is not None, (line, read)
    return read.refusal.code


@pytest.mark.parametrize(
    ("line", "verdict"),
    [
        ("A17 complet", Verdict.COMPLETE), ("a17 Complète.", Verdict.COMPLETE), ("A17 complete", Verdict.COMPLETE),
        ("A17 incomplet", Verdict.INCOMPLETE), ("A17 INCOMPLÈTE", Verdict.INCOMPLETE),
        ("A17 ignoré", Verdict.IGNORED), ("A17 ignore", Verdict.IGNORED), ("A17 ignored", Verdict.IGNORED),
        ("A17 à vérifier", Verdict.NEEDS_REVIEW), ("A17 a verifier", Verdict.NEEDS_REVIEW),
        ("A17 needs_review", Verdict.NEEDS_REVIEW), ("A17 en retard", Verdict.LATE), ("A17 late", Verdict.LATE),
        ("A17 doublon", Verdict.DUPLICATE), ("- A17 : complet", Verdict.COMPLETE),
        ("1. A 17 – incomplet", Verdict.INCOMPLETE),
        ("A17 / 17 complet, CV reçu par ailleurs", Verdict.COMPLETE), ("* A17: complet !", Verdict.COMPLETE),
        ("A17 rejeté", Verdict.REJECTED), ("A17 rejete", Verdict.REJECTED), ("A17 rejected", Verdict.REJECTED),
        ("A17 écarté", Verdict.REJECTED), ("A17 REJETÉE.", Verdict.REJECTED), ("A17 مرفوض", Verdict.REJECTED),
        ("A17 : rejeté, hors sujet", Verdict.REJECTED),
    ],
)  # fmt: skip
def test_a_verdict_in_french_or_english_whatever_the_case_accents_and_bullets(line: str, verdict: Verdict) -> None:
    assert command(line) == Command(action=CommandAction.VERDICT, ident="A17", verdict=verdict)


@pytest.mark.parametrize(
    ("line", "until"),
    [
        ("A17 prolonger 2026-05-12 12:00", NOON), ("A17 extend 12/05/2026 12h00", NOON),
        ("prolonger A17 12/05/2026 à 12h00", NOON), ("A17 prolonger 12/05/2026", END_OF_DAY),
        ("A١٧ prolonger ١٢/٠٥/٢٠٢٦ ١٢h٠٠", NOON), ("A۱۷ extend ۲۰۲۶-۰۵-۱۲ ۱۲:۰۰", NOON),
        ("Prolonger A17 jusqu'au 12/05/2026 12h00", NOON),
    ],
)  # fmt: skip
def test_an_extension_for_one_applicant_reads_dates_as_people_type_them(line: str, until: datetime) -> None:
    assert command(line) == Command(action=CommandAction.EXTEND, ident="A17", until=until)


def test_a_whole_call_extension_and_a_cancel() -> None:
    assert command("prolonger omp-cabinet-2026 2026-05-12 12:00") == Command(
        action=CommandAction.EXTEND, call="omp-cabinet-2026", until=NOON
    )
    assert command("extend OMP-Cabinet-2026 12/05/2026 12h00").call == "omp-cabinet-2026"
    for line in ("annuler A17", "Annuler a17", "cancel A17", "A17 annuler", "- annulez A 17"):
        assert command(line) == Command(action=CommandAction.CANCEL, ident="A17"), line


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("A17 compelt", ReasonCode.COMMAND_UNKNOWN_VERDICT), ("A17 accepté", ReasonCode.COMMAND_UNKNOWN_VERDICT),
        ("A17 prolonger 31/02/2026", ReasonCode.COMMAND_BAD_DATE),
        ("A17 prolonger demain", ReasonCode.COMMAND_BAD_DATE), ("A17 prolonger", ReasonCode.COMMAND_BAD_DATE),
        ("A17", ReasonCode.COMMAND_NOT_UNDERSTOOD), ("anuler A17", ReasonCode.COMMAND_NOT_UNDERSTOOD),
        ("annuler tout", ReasonCode.COMMAND_NOT_UNDERSTOOD), ("prolonger", ReasonCode.COMMAND_NOT_UNDERSTOOD),
        ("Pour A17 je ne sais pas", ReasonCode.COMMAND_NOT_UNDERSTOOD),
        ("17 complet", ReasonCode.COMMAND_NOT_UNDERSTOOD),
        ("17 prolonger 12/05/2026", ReasonCode.COMMAND_NOT_UNDERSTOOD),
    ],
)  # fmt: skip
def test_a_line_naming_an_id_or_a_command_that_cannot_be_read_is_refused_with_why(line: str, code: ReasonCode) -> None:
    assert refusal(line) == code


def test_the_unknown_word_is_named_in_the_refusal() -> None:
    read = read_line("A17 compelt")
    assert read is not None and read.refusal is not None and read.refusal.params == {"word": "compelt"}


@pytest.mark.parametrize(
    "line", ["Bonjour,", "Merci pour le digest.", "", "   ", "Cordialement", "Salam 3alikom", "12 dossiers vus"]
)
def test_her_own_words_are_no_command(line: str) -> None:
    assert read_line(line) is None


DIGEST = "[A17 / 17] Karim – complet\n  A18 incomplet\nprolonger omp-cabinet-2026 2030-01-01"


@pytest.mark.parametrize(
    "reply",
    [
        # Thunderbird / Gmail text: an attribution line, then the digest quoted with "> "
        "A17 complet\n\nLe 04/12/2026 à 08:00, inbox-bot a écrit :\n" + "\n".join(f"> {x}" for x in DIGEST.split("\n")),
        # Gmail wraps a long attribution over two lines, then quotes
        "A17 complet\n\nLe ven. 4 déc. 2026 à 08:00, inbox-bot <\nbot@ngo.example> a écrit :\n\n" + DIGEST,
        "A17 complet\n\nOn Fri, Dec 4, 2026 at 8:00 AM inbox-bot <bot@ngo.example> wrote:\n" + DIGEST,
        # Outlook: a header block, the digest unquoted under it
        "A17 complet\n\nDe : inbox-bot <bot@ngo.example>\nEnvoyé : vendredi 4 décembre 2026 08:00\nÀ : coord\n"
        "Objet : inbox-bot – digest\n\n" + DIGEST,
        "A17 complet\n________________________________\nFrom: inbox-bot\nSent: Friday\n" + DIGEST,
        "A17 complet\n-----Original Message-----\n" + DIGEST,
        # a forward: her lines above the forwarded digest
        "A17 complet\n\n---------- Forwarded message ---------\nFrom: inbox-bot <bot@ngo.example>\n" + DIGEST,
        "A17 complet\n\n-------- Message transféré --------\nSujet : digest\n" + DIGEST,
        # a signature after "-- "
        "A17 complet\n-- \nFatima Zahra\nA18 est à voir\n" + DIGEST,
    ],
)
def test_what_she_quoted_or_signed_is_never_read(reply: str) -> None:
    lines = command_lines(reply)
    complete = Command(action=CommandAction.VERDICT, ident="A17", verdict=Verdict.COMPLETE)
    assert [line.command for line in lines] == [complete]


def test_quoted_lines_in_the_middle_are_left_aside_and_her_lines_kept_in_order() -> None:
    body = "Bonjour,\n> A18 complet\nA17 incomplet\n\nannuler A19\nMerci\n"
    assert own_lines(body) == ["Bonjour,", "A17 incomplet", "", "annuler A19", "Merci", ""]
    assert [line.command.ident for line in command_lines(body) if line.command] == ["A17", "A19"]


def test_an_html_only_reply_keeps_one_command_a_line() -> None:
    markup = (
        "<html><head><style>div{color:red}</style></head><body><div dir=ltr>A17 compl&egrave;te</div>"
        "<div>A18 incomplet<br>annuler&nbsp;A19</div><div class=gmail_quote><div class=gmail_attr>Le ven. 4 d&eacute;c."
        " 2026, inbox-bot &lt;bot@ngo.example&gt; a &eacute;crit&nbsp;:</div><blockquote>A20 complet</blockquote>"
        "</div></body></html>"
    )
    found = [line.command for line in command_lines(html_text(markup))]
    assert [(c.ident, c.action) for c in found if c] == [
        ("A17", CommandAction.VERDICT), ("A18", CommandAction.VERDICT), ("A19", CommandAction.CANCEL),
    ]  # fmt: skip


def test_a_hostile_body_is_read_in_bounded_time_and_lines() -> None:
    assert html_text("<style" * 50_000) == ""
    assert len(command_lines("A1 complet\n" * 5_000)) == 200
    assert len(read_line("A17 " + "x" * 10_000).text) <= 200  # type: ignore[union-attr]
