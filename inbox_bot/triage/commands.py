"""A coordinator's command lines, read from her reply to the digest: one command a line, French or English. Pure.

    A17 complet            A17 incomplete         A17 à vérifier         A17 : ignoré.         A17 rejeté
    A17 prolonger 2026-05-12 12:00                A17 extend 12/05/2026 12h00
    annuler A17            cancel A17             prolonger omp-cabinet-2026 12/05/2026 12h00

Case, accents, bullets ("- ", "1. "), a colon or a dash after the ID, a full stop, and Arabic-Indic digits make
no difference; a comment after a comma is left aside ("A17 complet, CV reçu"). A line that names no ID and no
command word is her own words (greetings, a thank-you) and is left aside; a line that names an ID or a command
word but cannot be read is refused with the reason. Nothing here knows the store: whether A17 exists, and is hers,
is the operator's check (inbox_bot/operator/commands.py).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta

from inbox_bot.core.dates import parse_local
from inbox_bot.core.models import Command, CommandAction, CommandLine, Verdict
from inbox_bot.core.reasons import ReasonCode, reason
from inbox_bot.core.timezones import MOROCCO, zone
from inbox_bot.core.wording import VERDICTS
from inbox_bot.triage.reply_text import own_lines

MAX_LINES = 200  # a command mail is a few lines; the rest of a long one is not read
MAX_LINE_CHARS = 200
DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "0123456789" * 2)
BULLET = re.compile(r"^\s*(?:[-*•·–—]+|\d{1,2}[.)])\s+")
IDENT = re.compile(r"^a\s?(\d{1,9})$")
COPIED_ID = re.compile(r"^(a\s?\d{1,9})\s*/\s*\d{1,9}\b")  # "A17 / 17" as the digest shows it
IDENT_ANYWHERE = re.compile(r"(?<![\w@])a\d{1,9}\b")
CALL = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,63}$")
EXTEND_WORDS = frozenset({"prolonger", "prolonge", "prolongation", "prolongez", "extend", "extension"})
CANCEL_WORDS = frozenset({"annuler", "annule", "annulez", "annulation", "cancel", "undo"})
DATE_LEAD = re.compile(r"^(?:jusqu'?au|jusqu'a|au|le|until|to)\s+")
# Words a person writes for a verdict, beside each verdict's value and its labels in wording.VERDICTS.
SYNONYMS: dict[str, Verdict] = {
    "complete": Verdict.COMPLETE, "completes": Verdict.COMPLETE, "complets": Verdict.COMPLETE,
    "incomplete": Verdict.INCOMPLETE, "incompletes": Verdict.INCOMPLETE, "incomplets": Verdict.INCOMPLETE,
    "retard": Verdict.LATE, "hors delai": Verdict.LATE, "ignorer": Verdict.IGNORED,
    "verifier": Verdict.NEEDS_REVIEW, "a revoir": Verdict.NEEDS_REVIEW, "review": Verdict.NEEDS_REVIEW,
    "needs review": Verdict.NEEDS_REVIEW,
    "rejetee": Verdict.REJECTED, "rejetes": Verdict.REJECTED, "rejeter": Verdict.REJECTED, "reject": Verdict.REJECTED,
    "ecarte": Verdict.REJECTED, "ecartee": Verdict.REJECTED, "ecarter": Verdict.REJECTED,
}  # fmt: skip


def fold(text: str) -> str:
    """Lower case, no accents, ASCII digits, one space between words: how a line is compared."""
    decomposed = unicodedata.normalize("NFKD", text.translate(DIGITS).replace("’", "'"))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.lower().replace("_", " ").split())


def _verdict_words() -> dict[str, Verdict]:
    words = {fold(verdict.value): verdict for verdict in Verdict}
    for labels in VERDICTS.values():
        words |= {fold(label): Verdict(value) for value, label in labels.items()}
    return words | SYNONYMS


VERDICT_WORDS = _verdict_words()


def command_lines(body: str) -> list[CommandLine]:
    """Every line of her own text (not what she quoted) that reads as a command, understood or refused."""
    found = []
    for line in own_lines(body)[:MAX_LINES]:
        read = read_line(line)
        if read is not None:
            found.append(read)
    return found


def read_line(line: str) -> CommandLine | None:
    """One line: a command, a refusal with its reason, or None for her own words."""
    shown = " ".join("".join(ch if ch.isprintable() else " " for ch in line).split())[:MAX_LINE_CHARS]
    text = COPIED_ID.sub(r"\1", BULLET.sub("", fold(line))).rstrip(" .!;")
    if not text:
        return None
    words = text.split()
    # "A17: complet", "A17 - complet": the colon or dash after the ID, never the one of a time (12:00)
    words = [w for w in (*(w.rstrip(":") for w in words[:2]), *words[2:]) if w not in {"", ":", "-", "–", "="}]
    if not words:
        return None
    first = words[0]
    if IDENT.match(first) or (len(words) > 1 and IDENT.match(" ".join(words[:2]))):
        glued = 1 if IDENT.match(first) else 2
        return _about_ident(shown, _ident(" ".join(words[:glued])), words[glued:])
    if first in EXTEND_WORDS:
        return _extend_named(shown, words[1:])
    if first in CANCEL_WORDS:
        if len(words) >= 2 and IDENT.match(" ".join(words[1:])):
            return _line(shown, Command(action=CommandAction.CANCEL, ident=_ident(" ".join(words[1:]))))
        return _refused(shown, ReasonCode.COMMAND_NOT_UNDERSTOOD)
    if IDENT_ANYWHERE.search(text) or (first.isdigit() and _names_a_command(words[1:])):
        # "17 complet": the mail's number, not the application's ID: said, not guessed
        return _refused(shown, ReasonCode.COMMAND_NOT_UNDERSTOOD)
    return None


def _names_a_command(words: list[str]) -> bool:
    rest = " ".join(words)
    return bool(words) and (words[0] in EXTEND_WORDS | CANCEL_WORDS or rest.strip(" .!") in VERDICT_WORDS)


def _about_ident(shown: str, ident: str, rest: list[str]) -> CommandLine:
    """`A17 <verdict>`, `A17 prolonger <date>`, `A17 annuler`."""
    if not rest:
        return _refused(shown, ReasonCode.COMMAND_NOT_UNDERSTOOD)
    if rest[0] in EXTEND_WORDS:
        return _extension(shown, " ".join(rest[1:]), ident=ident)
    if rest[0] in CANCEL_WORDS and len(rest) == 1:
        return _line(shown, Command(action=CommandAction.CANCEL, ident=ident))
    word = re.split(r"[,;(]", " ".join(rest), maxsplit=1)[0].strip(" .!")
    verdict = VERDICT_WORDS.get(word)
    if verdict is None:
        return _refused(shown, ReasonCode.COMMAND_UNKNOWN_VERDICT, word=word[:60])
    return _line(shown, Command(action=CommandAction.VERDICT, ident=ident, verdict=verdict))


def _extend_named(shown: str, rest: list[str]) -> CommandLine:
    """`prolonger A17 <date>` or `prolonger <call> <date>`."""
    if not rest:
        return _refused(shown, ReasonCode.COMMAND_NOT_UNDERSTOOD)
    if IDENT.match(rest[0]):
        return _extension(shown, " ".join(rest[1:]), ident=_ident(rest[0]))
    if len(rest) > 1 and IDENT.match(" ".join(rest[:2])):
        return _extension(shown, " ".join(rest[2:]), ident=_ident(" ".join(rest[:2])))
    if CALL.match(rest[0]) and not rest[0][0].isdigit():
        return _extension(shown, " ".join(rest[1:]), call=rest[0])
    return _refused(shown, ReasonCode.COMMAND_NOT_UNDERSTOOD)


def _extension(shown: str, text: str, *, ident: str = "", call: str = "") -> CommandLine:
    written = DATE_LEAD.sub("", text.strip())
    try:
        until = as_deadline(parse_local(written))
    except ValueError:
        return _refused(shown, ReasonCode.COMMAND_BAD_DATE, text=written[:60])
    return _line(shown, Command(action=CommandAction.EXTEND, ident=ident, call=call, until=until))


def as_deadline(moment: date | datetime) -> datetime:
    """Morocco time; a date alone is the whole of that day, as a rule's deadline is."""
    if isinstance(moment, datetime):
        return moment.replace(tzinfo=zone(MOROCCO))
    return datetime.combine(moment + timedelta(days=1), time(), tzinfo=zone(MOROCCO))


def _ident(text: str) -> str:
    found = IDENT.match(text)
    assert found is not None  # matched by the caller
    return f"A{int(found.group(1))}"


def _line(shown: str, command: Command) -> CommandLine:
    return CommandLine(text=shown, command=command)


def _refused(shown: str, code: ReasonCode, **params: object) -> CommandLine:
    return CommandLine(text=shown, refusal=reason(code, **params))
