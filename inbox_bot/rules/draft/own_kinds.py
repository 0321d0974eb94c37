"""A document the call asks for that no built-in kind names, drafted as a kind of the rule's own.

"Extrait du casier judiciaire", "Copie des diplômes", "نسخة من السجل العدلي": each becomes `[kinds.<id>]`
(see triage/own_kinds.py, which then finds it in a file's name or text), its id slugged from the call's words,
its label the call's words as written, its words the thing named, without "copie de" or "datant de...". Only
a piece of a list that starts with a noun of a document ("copie", "extrait", "attestation", "diplôme"...)
becomes one: "en format PDF" or "précisant vos disponibilités" are no documents.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace

from inbox_bot.core.models import DocumentKind
from inbox_bot.rules.draft.text import fold

_ARTICLES = (
    r"(?:(?:un|une|le|la|les|des|de|du|a|an|the|your|their|votre|vos|ses|leur|leurs|two|deux|trois|three"
    r"|\d{1,2}|\(\d{1,2}\))\s+|(?:l'|d')\s*)*"
)
# Nouns that open the name of a document, folded (Arabic as typed).
_DOCUMENT = re.compile(
    _ARTICLES + r"(?:copies?|photocopies?|scans?|extraits?|attestations?|certificats?|certificates?|diplomes?"
    r"|diplomas?|fiches?|justificatifs?|preuves?|proofs?|cartes?|photos?|photographs?|permis|licen[cs]es?|actes?"
    r"|releves?|bulletins?|casier|records?|transcripts?|declarations?|formulaires?|forms?|lettres?|letters?"
    r"|engagements?|portfolios?|echantillons?|samples?|copy|plans?|cahiers?|registres?|recepisses?|contrats?"
    r"|contracts?|نسخة|صورة|شهادة|شهادات|السجل|بطاقة|رخصة|استمارة|تصريح|عقد|وصل|التزام|رسالة)\b"
)
# "copie certifiée conforme de la", "a copy of your": what is sent, not what it is.
_COPY_OF = re.compile(
    _ARTICLES + r"(?:(?:photo)?copies?|scans?|copy|نسخة|صورة)\s+(?:(?:certifiees?|legalisees?|lisibles?|recentes?"
    r"|conformes?|scannees?|certified|legible|recent|scanned|مصادق عليها|مطابقة للأصل)\s+)*"
    r"(?:de la|de l'|des|du|de|d'|of the|of your|of|من)?\s*"
)
# What is said of the thing before its name: "a valid driving licence", "le dernier bulletin".
_BEFORE_NAME = re.compile(
    _ARTICLES + r"(?:(?:valid|valide|valable|recent|recente|updated|legible|lisible|scanned|signed|signee?"
    r"|official|officiel|originale?|original|certified|dernier|derniere|last|latest)\s+)*"
)
# An English name ends with its noun: "category B driving licence" is also told by "driving licence".
_ENGLISH_NAME = re.compile(
    _ARTICLES + r"(?:[a-z-]+\s){0,4}(?:licen[cs]es?|certificates?|cards?|records?|letters?|transcripts?|permits?"
    r"|diplomas?|degrees?|statements?)\b"
)
_HEAD_NOUN = re.compile(
    r"\s(\S+\s(?:licen[cs]e|certificate|card|record|letter|form|transcript|permit|report|statement|diploma"
    r"|degree|registration))$"
)
# Where the name of the thing ends and what is said about it begins.
_QUALIFIER = re.compile(
    r"\s(?:datant|de moins|dating|dated|not older|less than|no older|issued|delivree?|valid|valable|en cours"
    r"|recent|legalis|certifiee?s?\b|certified|signe|signed|dument|conforme|pour les|pour la|pour le|for the"
    r"|if |si |le cas|en format|au format|in pdf|lisible|legible|mentionnant|precisant|indiquant|stating|showing"
    r"|صالحة|مصادق|المحصل|المتوفر|لا يتعدى|لا تتجاوز)|\s?[(:]"
)
# The container a name opens with: "extrait du casier judiciaire" is also told by "casier judiciaire".
_CONTAINER = re.compile(
    r"^(?:extraits?|attestations?|certificats?|certificates?|fiches?|justificatifs?|preuves?|proofs?|شهادة)"
    r"\s+(?:de la|de l'|des|du|de|d'|of the|of)?\s*"
)
_SMALL = frozenset({"de", "du", "des", "la", "le", "les", "l", "d", "a", "of", "the", "and", "et", "en", "pour",
                    "au", "aux", "un", "une", "an", "to", "in", "من", "في", "و"})
_ACRONYM = re.compile(r"\b[A-Z]{3,6}\b")
_ARABIC = re.compile(r"[\u0600-\u06ff]")
# One Latin spelling per Arabic letter: an id is ASCII, and the call's own words are its best name.
_LATIN = str.maketrans({
    "ا": "a", "أ": "a", "إ": "i", "آ": "a", "ب": "b", "ت": "t", "ث": "th", "ج": "j", "ح": "h", "خ": "kh",
    "د": "d", "ذ": "dh", "ر": "r", "ز": "z", "س": "s", "ش": "sh", "ص": "s", "ض": "d", "ط": "t", "ظ": "z",
    "ع": "a", "غ": "gh", "ف": "f", "ق": "q", "ك": "k", "ل": "l", "م": "m", "ن": "n", "ه": "h", "ة": "a",
    "و": "w", "ي": "y", "ى": "a", "ئ": "y", "ؤ": "w", "ء": "",
})
_PIECES = re.compile(r"\s*(?:[;,،؛+]|\bet\b|\band\b|\bainsi que\b|\bas well as\b)\s*")
_BULLET = re.compile(r"^\s*(?:[-*•·▪➢►◦o]|\d{1,2}\s*[.)-](?!\d)|[a-z]\))\s+")
_MAX_WORDS = 6
_MIN_WORD = 5
MAX_ID = 40


@dataclass(frozen=True)
class DraftedKind:
    id: str
    label: str  # the call's words for it, as written
    words: list[str]  # what tells it in a file's name or text
    arabic: bool  # written in Arabic: its label and words are the call's Arabic
    evidence: str  # the line of the call


def pieces(written: str) -> list[str]:
    """The documents one item of a list names: "CV, lettre de motivation et extrait du casier judiciaire"."""
    return [piece for piece in _PIECES.split(_BULLET.sub("", written)) if piece.strip(" .;:-")]


def drafted_kind(piece: str, evidence: str) -> DraftedKind | None:
    """A kind of the rule's own for one piece that names no built-in kind, or None if it names no document.

    "Extrait du casier judiciaire / Police clearance certificate": a bilingual call's two names of one
    document are one kind, named by the first, told by the words of both."""
    found = [kind for name in re.split(r"\s+/\s+", piece) if (kind := _one_kind(name, evidence))]
    if not found:
        return None
    words = list(dict.fromkeys(word for kind in found for word in kind.words))
    return replace(found[0], words=words)


def _one_kind(piece: str, evidence: str) -> DraftedKind | None:
    written = piece.strip(" .;:-–—*•\"'«»")
    folded = fold(written)
    if not _DOCUMENT.match(folded) and not _ENGLISH_NAME.match(folded):
        return None
    thing = _thing(written)
    if not thing:
        return None
    kind_id = slug(thing)
    if len(kind_id) < 2:
        return None
    label = written.split("(")[0].strip() or written  # "(le cas échéant)" is said of it, not its name
    label = label[:1].upper() + label[1:]
    return DraftedKind(kind_id, label[:100], _words(thing), bool(_ARABIC.search(written)), evidence)


def _thing(written: str) -> str:
    """"Copie certifiée conforme du diplôme le plus élevé (Bac+5)" -> "diplôme le plus élevé"."""
    folded = fold(written)
    if len(folded) != len(written):  # a character that folds to two: keep the text whole
        return written
    start = copy.end() if (copy := _COPY_OF.match(folded)) else 0
    if before := _BEFORE_NAME.match(folded, start):  # always matches, maybe nothing
        start = before.end()
    end = cut.start() if (cut := _QUALIFIER.search(folded, start + 1)) else len(folded)
    words = written[start:end].split()[:_MAX_WORDS]
    return " ".join(words).strip(" .,;:-")


def _words(thing: str) -> list[str]:
    lower = thing.lower()
    words = [lower, _singular(lower)]
    folded = fold(lower)
    if (container := _CONTAINER.match(folded)) and len(folded) == len(lower) and len(folded) - container.end() >= 5:
        words.append(lower[container.end():])
    if (head := _HEAD_NOUN.search(lower)) and len(lower.split()) > 2:
        words.append(head.group(1))
    words += [acronym.lower() for acronym in _ACRONYM.findall(thing)]
    return list(dict.fromkeys(word for word in words if word))


def _singular(phrase: str) -> str:
    # "diplômes" and "diplôme": a file is named either way; a single word then counts twice in a text, as
    # own_kinds.py asks of one word. A phrase is enough on its own ("permis de conduire" is no plural).
    plural = " " not in phrase and len(phrase) > _MIN_WORD and phrase.endswith("s")
    return phrase[:-1] if plural else phrase


_BUILTIN = frozenset(kind.value for kind in DocumentKind)


def slug(text: str) -> str:
    """An id for `[kinds.<id>]`: ASCII, lower case, underscores, never a built-in kind's."""
    # Arabic words lose their article: "السجل العدلي" is sjl_adly.
    text = re.sub(r"(?<![\u0600-\u06ff])ال(?=[\u0600-\u06ff]{2})", "", text)
    plain = unicodedata.normalize("NFKD", text.translate(_LATIN)).encode("ascii", "ignore").decode().lower()
    parts = [part for part in re.split(r"[^a-z0-9]+", plain) if part and part not in _SMALL]
    out = ""
    for part in parts:
        if len(out) + len(part) + 1 > MAX_ID:
            break
        out = f"{out}_{part}" if out else part
    if out and not out[0].isalpha():
        out = f"doc_{out}"[:MAX_ID]
    return f"{out[: MAX_ID - 4]}_own" if out in _BUILTIN else out
