"""Month and weekday names in French, English and Arabic (Maghreb and Levant): for the deadlines a rule file
types (core/dates.py) and those a call writes (rules/draft/dates.py). No I/O."""

from __future__ import annotations

import re
import unicodedata

_MONTHS = {
    1: "janvier january jan يناير كانون_الثاني جانفي",
    2: "fevrier february feb فبراير شباط فيفري",
    3: "mars march مارس آذار",
    4: "avril april apr أبريل ابريل نيسان افريل",
    5: "mai may ماي مايو أيار",
    6: "juin june يونيو يونيوز حزيران جوان",
    7: "juillet july يوليوز يوليو تموز جويلية",
    8: "aout august aug غشت أغسطس آب اوت",
    9: "septembre september sept sep شتنبر سبتمبر أيلول",
    10: "octobre october oct أكتوبر تشرين_الأول",
    11: "novembre november nov نونبر نوفمبر تشرين_الثاني",
    12: "decembre december dec دجنبر ديسمبر كانون_الأول",
}
_WEEKDAYS = {
    0: "lundi monday الاثنين الإثنين",
    1: "mardi tuesday الثلاثاء",
    2: "mercredi wednesday الأربعاء",
    3: "jeudi thursday الخميس",
    4: "vendredi friday الجمعة",
    5: "samedi saturday السبت",
    6: "dimanche sunday الأحد",
}


def fold_name(text: str) -> str:
    """Lower case without Latin accents ("Février" is "fevrier"); Arabic hamza and marks stay as typed."""
    text = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(c for c in text if not "\u0300" <= c <= "\u036f")).lower()


def _table(names: dict[int, str]) -> dict[str, int]:
    return {fold_name(name.replace("_", " ")): number for number, words in names.items() for name in words.split()}


MONTHS = _table(_MONTHS)
WEEKDAYS = _table(_WEEKDAYS)


def alternation(table: dict[str, int]) -> str:
    # Longest first, so "sept" does not stop "septembre" short.
    return "|".join(re.escape(name) for name in sorted(table, key=len, reverse=True))
