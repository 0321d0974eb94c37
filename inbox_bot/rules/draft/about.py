"""Who publishes the call, in which language, under which title and reference."""

from __future__ import annotations

import re
from collections import Counter

from inbox_bot.rules.draft.found import Found
from inbox_bot.rules.draft.text import Line

_LABEL = re.compile(
    r"^(?:organisation|organization|structure|commanditaire|maitre d'ouvrage|lance par|publie par"
    r"|issued by|employer|employeur|الجهة|الجمعية)\s*:\s*(.*)$"
)
# A name and its acronym on one line: "Observatoire Marocain des Prisons (OMP)".
_SMALL = r"de|des|du|d’\w+|d'\w+|la|le|les|l’\w+|l'\w+|pour|et|en|au|aux|for|of|the|and"
_ACRONYM = re.compile(
    rf"((?:[A-ZÀ-ÖØ-Þ][\w’'-]*|{_SMALL})(?: (?:[A-ZÀ-ÖØ-Þ][\w’'-]*|{_SMALL})){{1,9}}) ?\(([A-Z][A-Za-z&]{{1,9}})\)"
)
_KIND = re.compile(
    r"\b((?:Association|Fondation|Foundation|Mouvement|Collectif|Observatoire|Réseau|Network|Centre|Center|Fédération"
    r"|Union|Institut|Coalition|Forum|Espace|Comité|Ligue|Organisation|Organization)\b[^,.;:()\n]{3,70})"
    r"|((?:جمعية|مؤسسة|منظمة|شبكة|مرصد|فيدرالية|اتحاد|ائتلاف|منتدى|مركز)\s[^,.;:()\n،؛]{3,70})"
)
# Where an Arabic name ends and the sentence goes on: "تعلن جمعية ... عن فتح باب الترشيح".
_AR_CUT = re.compile(r"\s(?:عن|في|من أجل|إلى|الى|لشغل|بمدينة|ب?إقليم|تعلن)\s")
_FRENCH = re.compile(r"\b(le|la|les|des|du|et|pour|une|est|dans|avec|sur)\b")
_ENGLISH = re.compile(r"\b(the|and|for|with|of|is|are|will|this|to)\b")
_ARABIC_LETTER = re.compile(r"[\u0600-\u06ff]")
_REFERENCE = re.compile(
    r"^(?:r[ée]f(?:[ée]rence)?\.?|reference|n°|numéro de l[’']appel[^:]*)\s*:?\s*(.{3,60})$", re.IGNORECASE
)


_CUT = re.compile(r"\s(?:dans le cadre|en partenariat|in partnership|within|avec|with)\b|[,;]")


def find_organisation(lines: list[Line], contact: str = "") -> Found[str]:
    """`contact`: the lines that give the addresses and subject, where the organisation names itself."""
    for index, line in enumerate(lines[:60]):
        if match := _LABEL.match(line.folded):
            value = line.text[match.start(1):].strip(" :") or (lines[index + 1].text if index + 1 < len(lines) else "")
            value = _CUT.split(value)[0].strip(" .")
            if 2 < len(value) < 120:
                return Found(_expanded(value, lines), line.evidence())
    return (
        _by_acronym(lines, contact, in_contact=True)
        or _by_domain(lines, contact)
        or _by_acronym(lines, contact, in_contact=False)
        or _by_kind(lines)
    )


_WEBMAIL = {"gmail", "yahoo", "hotmail", "outlook", "live", "menara", "icloud", "aol", "gmx", "protonmail"}


def _by_domain(lines: list[Line], contact: str) -> Found[str] | None:
    """"procurement.maroc@oxfam.org": the organisation's own domain, when the call writes its name."""
    for label in re.findall(r"@([a-z0-9-]{3,})\.", contact.lower()):
        if label in _WEBMAIL:
            continue
        for line in lines:
            named = rf"(?<![@.\w-])({re.escape(label)}(?:\s+Maroc|\s+Morocco|\s+International)?)\b(?![.@-])"
            if match := re.search(named, line.text, re.IGNORECASE):
                return Found(match.group(1), line.evidence())
    return None


def _expanded(value: str, lines: list[Line]) -> str:
    """An acronym alone ("ALCI") with the name the call gives it elsewhere ("Mouvement ... - ALCI")."""
    if not re.fullmatch(r"[A-Z&]{2,10}", value):
        return value
    for line in lines:
        for match in _KIND.finditer(line.text):
            if re.match(rf"\s*[-–(]\s*{value}\b", line.text[match.end():]):
                return f"{match.group(0).strip()} ({value})"
    return value


def _by_acronym(lines: list[Line], contact: str, in_contact: bool) -> Found[str] | None:
    text = "\n".join(line.text for line in lines)
    named = {match.group(2): (match.group(1), match.group(0)) for match in reversed(list(_ACRONYM.finditer(text)))}
    if not named:
        return None
    # The organisation is the one its contact lines name (its subject, its address), then the one most named.
    counts = Counter({
        acronym: len(re.findall(rf"\b{re.escape(acronym)}\b", text))
        for acronym in named
        if not in_contact or re.search(rf"\b{re.escape(acronym)}\b", contact, re.IGNORECASE)
    })
    if not counts or counts.most_common(1)[0][1] < (1 if in_contact else 2):
        return None
    acronym = counts.most_common(1)[0][0]
    name, written = named[acronym]
    if kind := _KIND.search(name):
        name = name[kind.start():]
    name = re.sub(r"^(?:[Ll][’']|[Ll]es?\s|[Ll]a\s)", "", name).strip()
    line = next((line for line in lines if written in line.text), lines[0])
    return Found(f"{name} ({acronym})", line.evidence())


def _by_kind(lines: list[Line]) -> Found[str]:
    counts: Counter[str] = Counter()
    first: dict[str, Line] = {}
    for line in lines:
        for match in _KIND.finditer(line.text):
            name = _AR_CUT.split(match.group(0))[0].strip()
            counts[name] += 1
            first.setdefault(name, line)
    if not counts:
        return Found("", review="no organisation found: write its name")
    name = counts.most_common(1)[0][0]
    return Found(name, first[name].evidence(), "organisation guessed from the names the call repeats: check it")


def find_language(lines: list[Line]) -> Found[str]:
    text = " ".join(line.folded for line in lines)
    arabic = len(_ARABIC_LETTER.findall(text))
    latin = sum(c.isascii() and c.isalpha() for c in text)
    french, english = len(_FRENCH.findall(text)), len(_ENGLISH.findall(text))
    if arabic > latin and french < 30:
        return Found("ar")
    if not french and not english:
        return Found("fr", review="no text to tell the language from")
    # French first: a bilingual call answered in French unless it is mostly English.
    return Found("en" if english > 2 * french else "fr")


# "Rabat, le 2 mars 2026": where and when the call was signed, not its title.
_PLACE_AND_DATE = re.compile(r"^[A-ZÀ-Ý][\w’' -]{1,30},\s*(?:le\s+|on\s+)?\d{1,2}\b")


def find_title(lines: list[Line]) -> str:
    for line in lines[:15]:
        text = line.text.strip("#* ").strip()
        if len(text) >= 15 and not _REFERENCE.match(text) and not _PLACE_AND_DATE.match(text):
            return text[:150]
    return "Appel à candidatures"


def find_reference(lines: list[Line]) -> str:
    for line in lines[:15]:
        if match := _REFERENCE.match(line.text):
            return match.group(1).strip()
    return ""
