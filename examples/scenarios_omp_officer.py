"""Mail to omdp.direction.2@gmail.com for the OMP project-officer call (deadline 2026-05-04 16:00 Morocco
time; late mail rejected).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from examples.cast import digits, project_officer, referees
from examples.delivery import (
    OMP_BOX,
    OMP_OFFICER,
    Sample,
    deliver,
    ma,
    message_id,
)
from examples.documents import (
    Person,
    cv,
    omp_officer_letter,
    references,
)
from tests.mailbuilder import MessageBuilder, auto_reply, make_docx, make_pdf

OFFICER_SUBJECT = "Candidature_chargé(e) de projet_OMP"
OFFICER_SCOPE = "gestion de projets associatifs"

# A fake Windows executable: the DOS header and stub text, then padding. Inert, but any type sniffer
# sees "MZ" and must not trust the ".pdf" name.
DOS_STUB = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8" + b"\x00" * 47 + b"\x80\x00\x00\x00"
    b"\x0e\x1f\xba\x0e\x00\xb4\x09\xcd\x21\xb8\x01\x4c\xcd\x21This program cannot be run in DOS mode.\r\r\n$"
)
FAKE_EXE = DOS_STUB + bytes(4000)


def officer_files(
    p: Person, created: datetime, kinds: tuple[str, ...], motive: str, place_date: str
) -> list[tuple[str, bytes]]:
    first, *rest = p.name.split()
    last = "_".join(rest)
    files = []
    if "cv" in kinds:
        files.append((f"CV_{first}_{last}.pdf", make_pdf(cv(p), title=f"CV {p.name}", author=p.name, created=created)))
    if "cover_letter" in kinds:
        letter = omp_officer_letter(p, place_date, motive)
        files.append(("Lettre_de_motivation.pdf", make_pdf(letter, author=p.name, created=created)))
    if "references" in kinds:
        lines = references(p, referees(int(digits(p.name, 2))), scope=OFFICER_SCOPE)
        files.append(("References.pdf", make_pdf(lines, author=p.name, created=created)))
    return files


def officer_body(p: Person, what: str) -> str:
    return (
        "Bonjour Madame, Monsieur,\n\n"
        "Je me permets de vous adresser ma candidature au poste de chargé(e) de projet « Agir en faveur des "
        "détenu.e.s vulnérables » (Programme DIALOGUE).\n\n"
        f"{what}\n\nJe reste à votre disposition pour un entretien.\n\nBien cordialement,\n{p.name}\n{p.phone}\n"
    )


def officer_mail(
    slug: str, p: Person, at: datetime, subject: str, files: list[tuple[str, bytes]], body: str
) -> MessageBuilder:
    builder = (
        MessageBuilder()
        .sender(p.name, p.email)
        .to(OMP_BOX.address)
        .subject(subject)
        .message_id(message_id(slug, p.email.split("@")[1]))
        .body(body)
    )
    for name, data in files:
        builder.attach(name, data)
    return deliver(builder, OMP_BOX, at, p.email)


MOTIVES = [
    "Titulaire d'un master, avec plus de trois années de coordination de projets associatifs dans le "
    "domaine de l'accès aux droits, j'ai piloté des projets financés par l'Union européenne.",
    "Mon parcours au sein d'associations d'assistance juridique m'a permis de connaître de près le milieu "
    "carcéral et les besoins des personnes détenues en situation de vulnérabilité.",
    "J'ai coordonné une coalition d'OSC engagées dans le plaidoyer pour les droits des femmes et des mineurs, "
    "ce qui rejoint directement les objectifs du projet.",
]
ALL_OFFICER = ("cv", "cover_letter", "references")


def officer_samples() -> list[Sample]:
    samples: list[Sample] = []

    def simple(
        slug: str,
        p: Person,
        at: datetime,
        subject: str,
        kinds: tuple[str, ...],
        what: str,
        verdict: str,
        missing: tuple[str, ...],
        note: str,
        k: int,
    ) -> None:
        place_date = f"{p.city}, le {at.day} {'avril' if at.month == 4 else 'mai'} 2026"
        files = officer_files(p, at - timedelta(hours=20), kinds, MOTIVES[k % 3], place_date)
        raw = officer_mail(slug, p, at, subject, files, officer_body(p, what)).build()
        samples.append(Sample(slug, raw, at, verdict, OMP_OFFICER, missing, note))

    everything = "Vous trouverez ci-joint mon CV détaillé, ma lettre de motivation et mes trois références."
    fz = project_officer("Fatima Zahra Idrissi", "Rabat", "fz.idrissi@example.ma", 0, female=True)
    simple(
        "omp-officer-exact-subject",
        fz,
        ma(2026, 4, 20, 10, 14),
        OFFICER_SUBJECT,
        ALL_OFFICER,
        everything,
        "complete",
        (),
        "imposed subject typed exactly (RFC 2047 encoded because of the é)",
        0,
    )

    reda = project_officer("Reda Guessous", "Casablanca", "reda.guessous@example.com", 1, female=False)
    simple(
        "omp-officer-no-accents-lowercase",
        reda,
        ma(2026, 4, 30, 16, 40),
        "candidature_charge(e) de projet_omp",
        ALL_OFFICER,
        everything,
        "complete",
        (),
        "accents dropped and all lower case",
        1,
    )

    ayoub = project_officer("Ayoub Naciri", "Settat", "ayoub.naciri@example.net", 2, female=False)
    simple(
        "omp-officer-cv-only",
        ayoub,
        ma(2026, 4, 23, 8, 50),
        OFFICER_SUBJECT,
        ("cv",),
        "Vous trouverez ci-joint mon CV.",
        "incomplete",
        ("cover_letter", "references"),
        "CV only",
        2,
    )

    hajar = project_officer("Hajar Ennaji", "Mohammedia", "hajar.ennaji@example.org", 3, female=True)
    simple(
        "omp-officer-no-references",
        hajar,
        ma(2026, 5, 2, 20, 15),
        OFFICER_SUBJECT,
        ("cv", "cover_letter"),
        "Vous trouverez ci-joint mon CV et ma lettre de motivation ; mes références sont disponibles sur demande.",
        "incomplete",
        ("references",),
        "references 'available on request'",
        3,
    )

    # Two mails from the same sender complete one dossier.
    salma = project_officer("Salma Tazi", "Rabat", "salma.tazi@example.fr", 4, female=True)
    first_at = ma(2026, 4, 24, 22, 31)
    first_id = message_id("omp-officer-two-mails-1", "example.fr")
    files = officer_files(salma, first_at - timedelta(hours=3), ("cv",), MOTIVES[1], "Rabat, le 24 avril 2026")
    first = officer_mail(
        "omp-officer-two-mails-1",
        salma,
        first_at,
        OFFICER_SUBJECT,
        files,
        officer_body(
            salma,
            "Je vous transmets dès à présent mon CV ; ma lettre de motivation et "
            "mes références suivront très prochainement.",
        ),
    )
    samples.append(
        Sample(
            "omp-officer-two-mails-1",
            first.build(),
            first_at,
            "incomplete",
            OMP_OFFICER,
            ("cover_letter", "references"),
            "first of two mails: CV only",
        )
    )
    second_at = ma(2026, 4, 28, 18, 2)
    files = officer_files(
        salma, second_at - timedelta(hours=5), ("cover_letter", "references"), MOTIVES[1], "Rabat, le 28 avril 2026"
    )
    second = officer_mail(
        "omp-officer-two-mails-2",
        salma,
        second_at,
        f"RE: {OFFICER_SUBJECT}",
        files,
        "Bonjour,\n\nSuite à mon envoi du 24 avril, veuillez trouver ci-joint ma lettre de motivation et mes "
        f"trois références, qui complètent mon dossier.\n\nBien cordialement,\n{salma.name}\n\n"
        f"> De : {salma.name} <{salma.email}>\n> Objet : {OFFICER_SUBJECT}\n> Je vous transmets dès à présent "
        "mon CV ; ma lettre de motivation et mes références suivront très prochainement.\n",
    )
    second.header("In-Reply-To", first_id).header("References", first_id).header("X-Mailer", "Microsoft Outlook 16.0")
    samples.append(
        Sample(
            "omp-officer-two-mails-2",
            second.build(),
            second_at,
            "complete",
            OMP_OFFICER,
            note="'RE:' to her own first mail: cover letter + references complete the dossier",
        )
    )

    nawal = project_officer("Nawal Bensouda", "El Jadida", "nawal.bensouda@example.ma", 5, female=True)
    at = ma(2026, 4, 27, 13, 20)
    files = officer_files(
        nawal, at - timedelta(days=1), ("cover_letter", "references"), MOTIVES[0], "El Jadida, le 27 avril 2026"
    )
    files.insert(
        0,
        (
            "السيرة_الذاتية_نوال_بنسودة.docx",
            make_docx(
                ARABIC_CV, rtl=True, title="السيرة الذاتية", author="نوال بنسودة", created=at - timedelta(days=2)
            ),
        ),
    )
    raw = officer_mail(
        "omp-officer-arabic-cv",
        nawal,
        at,
        OFFICER_SUBJECT,
        files,
        officer_body(
            nawal,
            "تجدون رفقته سيرتي الذاتية باللغة العربية، ورسالة التحفيز ومراجعي المهنية.\n"
            "Vous trouverez ci-joint mon CV en arabe, ma lettre de motivation et mes "
            "références.",
        ),
    ).build()
    samples.append(
        Sample(
            "omp-officer-arabic-cv",
            raw,
            at,
            "complete",
            OMP_OFFICER,
            note="CV in Arabic (DOCX, Arabic file name in RFC 2231)",
        )
    )

    yassine = project_officer("Yassine Sbai", "Ben Slimane", "yassine.sbai@example.com", 6, female=False)
    at = ma(2026, 5, 3, 23, 5)
    files = [
        ("CV.pdf", FAKE_EXE),
        *officer_files(
            yassine, at - timedelta(hours=4), ("cover_letter", "references"), MOTIVES[2], "Ben Slimane, le 3 mai 2026"
        ),
    ]
    raw = officer_mail(
        "omp-officer-exe-as-pdf", yassine, at, OFFICER_SUBJECT, files, officer_body(yassine, everything)
    ).build()
    samples.append(
        Sample(
            "omp-officer-exe-as-pdf",
            raw,
            at,
            "needs_review",
            OMP_OFFICER,
            note="CV.pdf is a Windows executable (starts with MZ): never trusted as a CV",
        )
    )

    ack_id = message_id("omp-ack-lahlou", "gmail.com")
    ooo = auto_reply(
        ("Hamza Lahlou", "hamza.lahlou@example.com"),
        OMP_BOX.address,
        f"Accusé de réception – {OFFICER_SUBJECT}",
        "Bonjour,\n\nJe suis absent du bureau jusqu'au 4 mai 2026 avec un accès limité à ma messagerie. "
        "Je vous répondrai dès mon retour.\n\nCordialement,\nHamza Lahlou\n",
        in_reply_to=ack_id,
    ).message_id(message_id("omp-officer-out-of-office", "example.com"))
    at = ma(2026, 4, 28, 9, 0, 4)
    deliver(ooo, OMP_BOX, at, "hamza.lahlou@example.com", sent=at - timedelta(seconds=3))
    samples.append(
        Sample(
            "omp-officer-out-of-office",
            ooo.build(),
            at,
            "ignored",
            None,
            note="out-of-office reply (Auto-Submitted: auto-replied) quoting the imposed subject",
        )
    )
    return samples


ARABIC_CV = [
    "# السيرة الذاتية",
    "نوال بنسودة",
    "الجديدة – الهاتف: 0661223344 – nawal.bensouda@example.ma",
    "# المؤهلات العلمية",
    "2016: ماستر في حقوق الإنسان والحريات العامة، جامعة شعيب الدكالي، الجديدة",
    "2013: إجازة في القانون العام، جامعة الحسن الثاني، الدار البيضاء",
    "# الخبرات المهنية",
    "2021-2025: منسقة مشروع بجمعية التمكين لإعادة الإدماج – مشروع الولوج إلى الحقوق لفائدة السجناء، "
    "بتمويل من الاتحاد الأوروبي",
    "2018-2021: مكلفة بالتتبع والتقييم بمؤسسة أمل الشباب – إعداد الإطار المنطقي والمؤشرات",
    "2016-2018: مساعدة مشروع بشبكة نخيل للتنمية المحلية",
    "# المهارات",
    "تدبير دورة المشروع والتتبع المالي",
    "التنسيق بين الفاعلين وتنشيط لجان القيادة",
    "تحرير التقارير السردية ومذكرات الترافع",
    "# اللغات",
    "العربية: اللغة الأم – الفرنسية: ممتاز – الإنجليزية: جيد",
]


def samples() -> list[Sample]:
    return officer_samples()
