"""Reasons are data, rendered in the reader's language: every code has its sentence in French, Arabic and English,
French readers never get the old English sentences, old rows still read, and a document has one state."""

from __future__ import annotations

import re
import string

import pytest

from inbox_bot.cli.views import VERDICT_STYLES
from inbox_bot.core import reasons
from inbox_bot.core.document_states import DocumentState, Held, document_states
from inbox_bot.core.reasons import Reason, ReasonCode, reason
from inbox_bot.core.states import Verdict
from inbox_bot.core.wording import LANGUAGES, SENTENCES, VERDICTS, render
from inbox_bot.operator import export_labels
from inbox_bot.outgoing.digest_data import VERDICT_FR
from inbox_bot.triage.commands import VERDICT_WORDS, fold

# Words of the sentences reasons were before they were data: none may reach a French reader.
ENGLISH = re.compile(
    r"\b(missing|received|deadline|check by hand|fetch|disguised|refused|password|inadmissible|held apart|"
    r"every required|could not|not addressed|subject|nothing tells|already|late|weak evidence|less likely|"
    r"says|mentions|neither|the call allows|machine-sent|program|corrupt|unreadable|named|but content is|"
    r"not a real|archive format|only zip|tie between|score \d+ against|kind taken from)\b",
)  # lower case: a header's name (Received, Date) is no sentence
PARAMS = {
    "file": "Offre.pdf", "real": "application/x-dosexec", "named": "pdf", "type": "application/x-dosexec",
    "format": "rar", "detail": "—", "url": "https://we.tl/t-abc", "kinds": "cv,financial_offer",
    "kind": "financial_offer", "received": "2026-05-10T17:30:05+00:00", "deadline": "2026-05-10T15:00:00+00:00",
    "server": "2026-04-30T09:00:00+00:00", "header": "2026-05-06T09:00:00+00:00", "extended": "1",
    "call": "omp-cabinet-2026", "calls": "omp-cabinet-2026, omp-charge-projet-2026", "addressed": "x@ngo.ma",
    "topic": "migration", "reference": "AMUSSU/2024/226", "words": "cabinet, omp", "message_id": "<m@x>",
    "pages": "14", "limit": "10", "signals": "Auto-Submitted: auto-replied", "error": "—", "text": "texte",
    "phrases": "'prix unitaire'", "more": "2", "score": "4", "needed": "3", "best": "14",
    "phrase": "demande de stage", "how": "attached", "by": "k.amrani@oxfam.org", "sender": "Sara <s@gmail.com>",
    "evidence": "le nom dit « CIN »", "ident": "A17", "verdict": "late", "until": "2026-05-12T11:00:00+00:00",
    "word": "compelt",
}  # fmt: skip


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_code_has_a_sentence_in_every_language(language: str) -> None:
    assert set(SENTENCES[language]) == set(ReasonCode)  # type: ignore[index]


@pytest.mark.parametrize("code", list(ReasonCode))
def test_every_code_renders_in_french_without_an_english_word(code: ReasonCode) -> None:
    needed = set().union(*(fields(SENTENCES[lang][code]) for lang in LANGUAGES)) - {"extended", "more"}
    assert needed <= set(PARAMS), f"give the test a value for {needed - set(PARAMS)}"
    given = Reason(code=code, params={k: PARAMS[k] for k in needed | {"extended", "more"} if k in PARAMS})
    for language in LANGUAGES:
        text = render(given, language)
        assert text and "?" not in text.replace("?usp", "") and "{" not in text, (language, text)
    french = render(given, "fr")
    assert not ENGLISH.search(french), f"{code}: {french}"


def test_instants_and_kinds_are_rendered_for_the_reader() -> None:
    late = reason(ReasonCode.LATE_REJECTED, received="2026-05-10T17:30:05+00:00",
                  deadline="2026-05-10T15:00:00+00:00", extended="")  # fmt: skip
    assert render(late, "fr") == (
        "reçu le 10/05/2026 à 18:30:05 (heure du Maroc), date limite 10/05/2026 à 16:00:00 (heure du Maroc) : "
        "irrecevable"
    )
    missing = reason(ReasonCode.MISSING, kinds="cover_letter,financial_offer")
    assert render(missing, "fr") == "manque : lettre de motivation, offre financière"
    assert render(missing, "ar") == "ناقص: رسالة التحفيز, العرض المالي"
    assert render(missing, "en") == "missing: cover letter, financial offer"


def test_a_reason_is_stored_as_a_code_with_its_parameters_and_old_sentences_still_read() -> None:
    link = reason(ReasonCode.CLOUD_LINK, url="https://we.tl/t-abc")
    stored = reasons.dump_all([link])
    assert stored == '[{"code": "cloud_link", "params": {"url": "https://we.tl/t-abc"}}]'
    assert reasons.load_all(stored) == [link]
    old = reasons.load_all('["CV.pdf: executable disguised as .pdf"]')
    assert old == [reason(ReasonCode.NOTE, text="CV.pdf: executable disguised as .pdf")]
    assert render(old[0], "fr") == "CV.pdf: executable disguised as .pdf"  # shown as it was written
    assert reasons.load('{"code": "password_protected", "params": {}}') == reason(ReasonCode.PASSWORD_PROTECTED)
    assert reasons.load("no longer a known shape") == reason(ReasonCode.NOTE, text="no longer a known shape")
    assert reasons.load_all(None) == [] and reasons.load_all("") == []


def test_a_password_protected_offer_is_unreadable_not_present_and_missing() -> None:
    documents = [Held("cv", True), Held("financial_offer", False)]
    states = document_states(documents, ["financial_offer"], [reason(ReasonCode.PASSWORD_PROTECTED, file="O.pdf")])
    assert states == {"cv": DocumentState.PRESENT, "financial_offer": DocumentState.UNREADABLE}


def test_a_dossier_sent_as_a_link_is_to_fetch_not_missing() -> None:
    link = reason(ReasonCode.CLOUD_LINK, url="https://drive.google.com/drive/folders/x")
    states = document_states([], ["cv", "financial_offer"], [link])
    assert states == {"cv": DocumentState.TO_FETCH, "financial_offer": DocumentState.TO_FETCH}
    assert document_states([], ["cv"], []) == {"cv": DocumentState.MISSING}


def test_every_verdict_has_its_words_wherever_a_person_reads_or_writes_one() -> None:
    everyone = {v.value for v in Verdict}
    for language in ("fr", "ar", "en"):
        assert set(VERDICTS[language]) == everyone, language
        assert set(export_labels.VERDICTS[language]) == set(Verdict), language
        # a coordinator may write back any label she reads
        assert all(VERDICT_WORDS[fold(label)].value == v for v, label in VERDICTS[language].items()), language
    assert everyone - {"ignored"} <= set(VERDICT_FR) and everyone <= set(VERDICT_STYLES)
    rejected = (VERDICTS["fr"]["rejected"], VERDICTS["ar"]["rejected"], VERDICTS["en"]["rejected"])
    assert rejected == ("rejeté", "مرفوض", "rejected")
