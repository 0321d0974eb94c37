"""Mail about something else at an address a call shares: spontaneous applications, internship requests and
invitations, in French, Arabic and English. None of them is an application to the call, whatever it carries."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from tests.corpus import scenarios as s
from tests.corpus import texts as t

ADDRESSES = [(s.OMP, datetime(2026, 4, 15, 10, tzinfo=UTC)), (s.OXFAM, datetime(2022, 1, 8, 10, tzinfo=UTC)),
             (s.AJJ, datetime(2026, 5, 12, 10, tzinfo=UTC)), (s.ALCI[0], datetime(2023, 12, 22, 10, tzinfo=UTC))]
# What each organisation's invitation is about: its own field of work, so its words are the call's words too.
TOPICS = {s.OMP: ("la situation des détenus et la réforme pénale", "prison reform", "إصلاح السجون"),
          s.OXFAM: ("la migration et la protection des personnes migrantes", "migration and mobility", "الهجرة"),
          s.AJJ: ("la communication des associations et le plan de communication", "NGO communication", "التواصل"),
          s.ALCI[0]: ("la participation citoyenne", "citizen participation", "المشاركة المواطنة")}


def _spontaneous(p: t.Person, language: str) -> tuple[str, str, list[s.File]]:
    if language == "fr":
        return ("Candidature spontanée", "Bonjour,\n\nJe me permets de vous adresser ma candidature spontanée pour "
                "tout poste dans le domaine de la gestion de projets.\n\nCordialement,\n" + p.name,
                [s.pdf(f"CV_{p.last}.pdf", [(t.cv_fr(p, "Chargé(e) de projet"), "cv")]),
                 s.pdf("Lettre de motivation.pdf", [(t.letter_fr(p, "chargé(e) de programme"), "cover_letter")])])
    if language == "en":
        return ("Spontaneous application - programme assistant",
                "Dear team,\n\nI would like to offer my services should any position open in your programmes. "
                "My resume is attached.\n\nBest,\n" + p.name,
                [s.pdf("Resume.pdf", [(t.cv_en(p, "Programme assistant"), "cv")])])
    return ("ترشيح تلقائي", "السلام عليكم،\nأتقدم إليكم بطلب ترشيح تلقائي للعمل في جمعيتكم في حال توفر منصب شاغر.\n"
            + p.name, [s.arabic_docx("السيرة الذاتية.docx", [(t.cv_ar(p, "منسق مشاريع"), "cv")])])


def _internship(p: t.Person, language: str) -> tuple[str, str, list[s.File]]:
    if language == "fr":
        return ("Demande de stage", "Madame, Monsieur,\n\nÉtudiant(e) en Master de sociologie, je sollicite un stage "
                "de fin d'études de trois mois au sein de votre organisation.\nCi-joint mon CV et ma lettre.\n\n"
                + p.name,
                [s.pdf("CV.pdf", [(t.cv_fr(p, "Stagiaire"), "cv")]),
                 s.pdf("Lettre_stage.pdf", [(t.letter_fr(p, "stagiaire"), "cover_letter")])])
    if language == "en":
        return ("Internship request", "Hello,\n\nI am a master's student and I am looking for a three-month "
                "internship with your organisation. Please find my CV attached.\n\nRegards,\n" + p.name,
                [s.pdf("CV_internship.pdf", [(t.cv_en(p, "Intern"), "cv")])])
    return ("طلب تدريب", "السلام عليكم،\nأنا طالب في سلك الماستر وأرغب في إجراء تدريب لمدة ثلاثة أشهر داخل جمعيتكم.\n"
            + p.name, [s.arabic_docx("سيرة ذاتية.docx", [(t.cv_ar(p, "متدرب"), "cv")])])


def _invitation(address: str, language: str, i: int) -> tuple[str, str, list[s.File]]:
    fr, en, ar = TOPICS[address]
    programme = [["# Programme", "09h00 : accueil des participants", "09h30 : ouverture", "10h00 : panel",
                  "12h30 : déjeuner"]]
    if language == "fr":
        return (f"Invitation : table ronde sur {fr}", f"Madame, Monsieur,\n\nNous avons le plaisir de vous inviter "
                f"à la table ronde consacrée à {fr}, le 28 du mois à Rabat.\nMerci de confirmer votre présence.\n",
                [s.pdf("Programme.pdf", [(programme, "other")])])
    if language == "en":
        return (f"Invitation: roundtable on {en}", f"Dear colleagues,\n\nYou are invited to a roundtable on {en} "
                "next month in Rabat. Please RSVP by return mail.\n", [s.pdf("Agenda.pdf", [(programme, "other")])])
    return (f"دعوة لحضور ندوة حول {ar}", f"تتشرف جمعيتنا بدعوتكم لحضور ندوة حول {ar} يوم السبت المقبل بالرباط.\n", [])


def shared_address_noise() -> Iterator[s.Case]:
    kinds = [_spontaneous, _internship]
    for i in range(36):
        address, start = ADDRESSES[i % len(ADDRESSES)]
        language = ["fr", "ar", "en"][(i // 4) % 3]
        p = t.person(700 + i)
        what = i % 3
        if what == 2:
            subject, text, files = _invitation(address, language, i)
            sender = (f"{t.ORGS[i % len(t.ORGS)]}", f"contact{i}@association-{i}.example.org")
        else:
            subject, text, files = kinds[what](p, language)
            sender = (p.name, p.address)
        yield s.case(f"noise-{['spontaneous', 'internship', 'invitation'][what]}-{language}-{i:02d}", sender, address,
                     subject, text, files, start + timedelta(hours=7 * i), call=None, tags=["noise", language])
