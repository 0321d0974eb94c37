"""The words of the committee's export, in the rule's language (French first), rendered from structured values.

Every verdict, document state and header a committee reads goes through here, so no English code value
("complete", "late") ever reaches a cell.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from inbox_bot.core.models import Rule, Verdict
from inbox_bot.outgoing import replies
from inbox_bot.outgoing.replies import Language

State = Literal["present", "missing", "sealed"]

VERDICTS: dict[Language, dict[Verdict, str]] = {
    "fr": {
        Verdict.COMPLETE: "complet",
        Verdict.INCOMPLETE: "incomplet",
        Verdict.LATE: "hors délai",
        Verdict.DUPLICATE: "doublon",
        Verdict.UNMATCHED: "non rattaché",
        Verdict.IGNORED: "ignoré",
        Verdict.NEEDS_REVIEW: "à vérifier",
        Verdict.REJECTED: "rejeté",
    },
    "ar": {
        Verdict.COMPLETE: "كامل",
        Verdict.INCOMPLETE: "ناقص",
        Verdict.LATE: "خارج الأجل",
        Verdict.DUPLICATE: "مكرر",
        Verdict.UNMATCHED: "غير مرتبط",
        Verdict.IGNORED: "مهمل",
        Verdict.NEEDS_REVIEW: "للمراجعة",
        Verdict.REJECTED: "مرفوض",
    },
    "en": {
        Verdict.COMPLETE: "complete",
        Verdict.INCOMPLETE: "incomplete",
        Verdict.LATE: "late",
        Verdict.DUPLICATE: "duplicate",
        Verdict.UNMATCHED: "unmatched",
        Verdict.IGNORED: "ignored",
        Verdict.NEEDS_REVIEW: "needs review",
        Verdict.REJECTED: "rejected",
    },
}

STATES: dict[Language, dict[State, str]] = {
    "fr": {"present": "présent", "missing": "manquant", "sealed": "pli fermé"},
    "ar": {"present": "موجود", "missing": "ناقص", "sealed": "ظرف مغلق"},
    "en": {"present": "present", "missing": "missing", "sealed": "sealed envelope"},
}


@dataclass(frozen=True)
class Words:
    """Headers, sheet names and notes of one language."""

    ref: str
    name: str
    address: str
    received: str
    verdict: str
    files: str
    folder: str
    kind: str
    file: str
    applications: str
    documents: str
    scoring: str
    summary: str
    late: str
    about: str
    scale: str  # "{name} (sur {weight})"
    total: str  # "Total (sur {weight})"
    rank: str
    average: str
    done: str  # complete scorings out of the members
    overall: str
    sealed_note: str  # "pli fermé, reçu le {date}"
    flagged: str  # a combined technical and financial file in a sealed call
    opened: str  # "plis ouverts le {date} par {who} : {note}"
    closed: str
    anonymous: str
    envelopes: str
    mail: str


WORDS: dict[Language, Words] = {
    "fr": Words(
        "Réf.", "Nom", "Adresse", "Reçu le (heure du Maroc)", "Verdict", "Fichiers", "Dossier", "Type",
        "Fichier", "Candidatures", "Documents", "Notation", "Synthèse", "Hors délai", "À propos",
        "{name} (sur {weight:g})", "Total (sur {weight:g})", "Rang", "Moyenne (sur {weight:g})",
        "Notations complètes", "Évaluation globale", "pli fermé, reçu le {date}",
        "à examiner par le coordinateur : offre technique et financière dans un même fichier",
        "Plis financiers ouverts le {date} par {who} : {note}", "Plis financiers fermés (évaluation technique)",
        "Export anonyme : la correspondance des références est gardée par inbox-bot",
        "Plis",
        "courriel d'origine",
    ),
    "ar": Words(
        "المرجع", "الاسم", "العنوان", "تاريخ التوصل (توقيت المغرب)", "القرار", "الملفات", "المجلد", "النوع",
        "الملف", "الترشيحات", "الوثائق", "التنقيط", "الخلاصة", "خارج الأجل", "معلومات",
        "{name} (من {weight:g})", "المجموع (من {weight:g})", "الرتبة", "المعدل (من {weight:g})",
        "تنقيطات مكتملة", "تقييم شامل", "ظرف مغلق، توصل به في {date}",
        "للمنسق: العرض التقني والمالي في ملف واحد",
        "فتحت الأظرفة المالية في {date} من طرف {who}: {note}", "الأظرفة المالية مغلقة (التقييم التقني)",
        "تصدير مجهول الهوية: جدول المراجع يحتفظ به inbox-bot",
        "الأظرفة",
        "الرسالة الأصلية",
    ),
    "en": Words(
        "Ref.", "Name", "Address", "Received (Morocco time)", "Verdict", "Files", "Folder", "Kind",
        "File", "Applications", "Documents", "Scoring", "Summary", "Late", "About",
        "{name} (out of {weight:g})", "Total (out of {weight:g})", "Rank", "Average (out of {weight:g})",
        "Complete scorings", "Overall assessment", "sealed envelope, received on {date}",
        "for the coordinator: technical and financial offer in one file",
        "Financial envelopes opened on {date} by {who}: {note}", "Financial envelopes sealed (technical evaluation)",
        "Anonymous export: inbox-bot keeps the key to the references",
        "Envelopes",
        "original mail",
    ),
}


def verdict(language: Language, value: Verdict) -> str:
    return VERDICTS[language][value]


def state(language: Language, value: State) -> str:
    return STATES[language][value]


def kind(language: Language, value: str, rule: Rule | None = None) -> str:
    """A kind's label; a call's own kind (declared in its rule) by the rule's label."""
    return replies.label(value, language, rule)


def words(language: Language) -> Words:
    return WORDS[language]
