"""Mail for the ALCI guide: two Gmail boxes, one imposed reference, a deadline at the end of 6 January 2024.

The call asks applicants to write to both addresses, so the same dossier arrives twice: the second copy is a
duplicate.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from examples.cast import consultant
from examples.delivery import (
    ALCI,
    ALCI_BOX,
    ALCI_BOX_2,
    Files,
    Sample,
    deliver,
    ma,
    mail,
    message_id,
    pdf,
    signature,
)
from examples.documents import (
    Person,
    alci_note,
    alci_offer,
    cv,
)
from tests.mailbuilder import MessageBuilder


def alci_files(p: Person, created: datetime, *, cv_name: str = "", rate: int = 3500) -> Files:
    last = p.name.split()[-1]
    return [
        (cv_name or f"CV_{last}.pdf", pdf(cv(p), created, p.name)),
        (f"Note_methodologique_{last}.pdf", pdf(alci_note(p), created, p.name, pages=2)),
        (f"Offre_financiere_{last}.pdf", pdf(alci_offer(p, rate), created, p.name)),
    ]


def alci_body(p: Person, extra: str = "") -> str:
    return (
        "Bonjour,\n\nEn réponse à votre appel d'offres pour le recrutement d'un(e) consultant(e) chargé(e) de "
        "l'élaboration d'un guide sur les bonnes pratiques en matière de participation citoyenne, je vous "
        "prie de trouver ci-joint mon CV, ma note méthodologique et mon offre financière.\n\n"
        f"{extra}{signature(p)}"
    )


def alci_samples() -> list[Sample]:
    out: list[Sample] = []

    amrani = consultant("Abdelilah Amrani", "Rabat", "abdelilah.amrani@example.ma", 0, "participation", female=False)
    at = ma(2023, 12, 22, 10, 30)
    m = mail(
        "alci-reference-in-body",
        (amrani.name, amrani.email),
        ALCI_BOX,
        at,
        "Candidature consultant",
        alci_body(amrani, "Réf. AMUSSU/2024/226 – « Guide des bonnes pratiques ».\n\n"),
        alci_files(amrani, at - timedelta(days=1), rate=3200),
    )
    out.append(
        Sample(
            "alci-reference-in-body",
            m.build(),
            at,
            "complete",
            ALCI,
            note="subject says only 'Candidature consultant': the reference is in the body",
        )
    )

    # One mail To both addresses: Gmail delivers a copy to each box, same Message-ID, own Delivered-To.
    meryem = consultant("Meryem Chraibi", "Casablanca", "meryem.chraibi@example.com", 1, "participation", female=True)
    at = ma(2023, 12, 27, 15, 12, 8)
    files = alci_files(meryem, at - timedelta(days=2), rate=3800)
    for slug, box, delay in (
        ("alci-both-addresses-copy-1", ALCI_BOX, 0),
        ("alci-both-addresses-copy-2", ALCI_BOX_2, 1),
    ):
        builder = (
            MessageBuilder()
            .sender(meryem.name, meryem.email)
            .to(ALCI_BOX.address, ALCI_BOX_2.address)
            .subject("Guide des bonnes pratiques")
            .message_id(message_id("alci-both-addresses", "example.com"))
            .body(alci_body(meryem))
        )
        for filename, data in files:
            builder.attach(filename, data)
        deliver(builder, box, at + timedelta(seconds=delay), meryem.email, sent=at - timedelta(seconds=5))
        first = delay == 0
        out.append(
            Sample(
                slug,
                builder.build(),
                at + timedelta(seconds=delay),
                "complete" if first else "duplicate",
                ALCI,
                note="one mail To both ALCI addresses: "
                + ("the copy delivered first" if first else "same Message-ID, other Delivered-To"),
            )
        )

    othmane = consultant("Othmane Benjelloun", "Fès", "o.benjelloun@example.org", 2, "participation", female=False)
    at = ma(2024, 1, 3, 21, 40)
    files = alci_files(othmane, at - timedelta(days=1), cv_name="Document1.pdf", rate=3500)
    files = [
        (
            name.replace("Note_methodologique", "Note méthodologique").replace("Offre_financiere", "Offre financière"),
            data,
        )
        for name, data in files
    ]
    body = (
        "Bonjour,\n\nJe vous transfère ma candidature, envoyée par erreur depuis ma messagerie professionnelle.\n\n"
        f"{signature(othmane)}\n---------- Forwarded message ---------\n"
        f"De : {othmane.name} <othmane.benjelloun@example.net>\nDate : mer. 3 janv. 2024 à 18:02\n"
        "Subject: Guide des bonnes pratiques\nTo: <o.benjelloun@example.org>\n\n" + alci_body(othmane)
    )
    m = mail(
        "alci-forwarded-document1",
        (othmane.name, othmane.email),
        ALCI_BOX,
        at,
        "Fwd: Guide des bonnes pratiques",
        body,
        files,
    )
    out.append(
        Sample(
            "alci-forwarded-document1",
            m.build(),
            at,
            "complete",
            ALCI,
            note="'Fwd:' prefix; the CV is called Document1.pdf, its text says CV",
        )
    )

    # The same dossier sent twice, once per address, as two separate mails.
    imane = consultant("Imane El Fassi", "Marrakech", "imane.elfassi@example.ma", 3, "participation", female=True)
    at = ma(2024, 1, 5, 11, 2)
    files = alci_files(imane, at - timedelta(days=1), rate=3000)
    subject = "GUIDE DES BONNES PRATIQUES - Candidature Imane El Fassi"
    m = mail("alci-separate-sends-1", (imane.name, imane.email), ALCI_BOX, at, subject, alci_body(imane), files)
    out.append(
        Sample(
            "alci-separate-sends-1",
            m.build(),
            at,
            "complete",
            ALCI,
            note="upper-case reference; first of two separate sends",
        )
    )
    at2 = at + timedelta(minutes=7)
    m = mail("alci-separate-sends-2", (imane.name, imane.email), ALCI_BOX_2, at2, subject, alci_body(imane), files)
    out.append(
        Sample(
            "alci-separate-sends-2",
            m.build(),
            at2,
            "duplicate",
            ALCI,
            note="same files sent again to the second address, new Message-ID",
        )
    )

    mehdi = consultant("Mehdi Kettani", "Tanger", "mehdi.kettani@example.net", 4, "participation", female=False)
    at = ma(2024, 1, 7, 9, 14)
    m = mail(
        "alci-late",
        (mehdi.name, mehdi.email),
        ALCI_BOX_2,
        at,
        "Guide des bonnes pratiques – candidature",
        alci_body(mehdi),
        alci_files(mehdi, at - timedelta(hours=12), rate=4000),
    )
    out.append(
        Sample(
            "alci-late",
            m.build(),
            at,
            "late",
            ALCI,
            note="received 7 January 2024 09:14: the call closed at the end of 6 January",
        )
    )
    return out


def samples() -> list[Sample]:
    return alci_samples()
