"""Mail at AJJ's activities address: the HAKAMA communication strategy (deadline end of 31 May 2026) and
the rest of an association's mail.

No subject is imposed: "HAKAMA", "branding", "stratégie de communication" in the mail or its files decide.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from examples.cast import consultant
from examples.delivery import (
    AJJ_BOX,
    HAKAMA,
    Files,
    Sample,
    ma,
    mail,
    message_id,
    pdf,
    signature,
)
from examples.documents import (
    Person,
    cover_letter,
    cv,
    references,
)
from examples.documents_oxfam_hakama import (
    hakama_note,
    hakama_offer,
    workshop_invitation,
)
from tests.mailbuilder import bounce, make_pdf


def hakama_files(
    p: Person,
    author: str,
    created: datetime,
    *,
    offer_name: str = "",
    rate: int = 3500,
    kinds: tuple[str, ...] = ("cv", "methodology_note", "financial_offer"),
    password: str | None = None,
) -> Files:
    last = p.name.split()[-1]
    files = []
    if "cv" in kinds:
        files.append((f"CV_{p.name.replace(' ', '_')}.pdf", pdf(cv(p), created, p.name)))
    if "methodology_note" in kinds:
        files.append(("Note_methodologique_HAKAMA.pdf", pdf(hakama_note(author), created, p.name, pages=2)))
    if "financial_offer" in kinds:
        data = make_pdf(hakama_offer(author, rate), author=p.name, created=created, user_password=password)
        files.append((offer_name or f"Proposition_financiere_{last}.pdf", data))
    return files


def hakama_body(p: Person, what: str) -> str:
    return (
        "Bonjour,\n\nSuite à votre appel à candidature pour l'élaboration de la stratégie de communication et "
        f"du branding digital du Collectif HAKAMA, {what}\n\n{signature(p)}"
    )


def hakama_samples() -> list[Sample]:
    out: list[Sample] = []

    sender = ("Sanaa Belhaj", "s.belhaj@reseau-jeunesse-emploi.example")
    at = ma(2026, 4, 15, 9, 40)
    m = mail(
        "ajj-workshop-invitation",
        sender,
        AJJ_BOX,
        at,
        "Invitation – Atelier régional sur l'insertion économique des jeunes (7 mai, Rabat)",
        "Chères et chers partenaires,\n\nNous avons le plaisir de vous inviter à notre atelier régional du "
        "jeudi 7 mai 2026 à Rabat. Vous trouverez le programme en pièce jointe.\n\nBien cordialement,\n"
        "Sanaa Belhaj\nRéseau Jeunesse et Emploi Local\n",
        [("Invitation_atelier_7_mai.pdf", pdf(workshop_invitation(), at - timedelta(days=1)))],
    )
    out.append(
        Sample(
            "ajj-workshop-invitation",
            m.build(),
            at,
            "unmatched",
            None,
            note="invitation to a workshop at AJJ's activities address",
        )
    )

    ilyas = consultant(
        "Ilyas Benmoussa", "Casablanca", "ilyas@tawasol-digital.example", 0, "communication", female=False
    )
    at = ma(2026, 5, 6, 16, 5)
    files = hakama_files(ilyas, "Agence Tawasol Digital (Ilyas Benmoussa)", at - timedelta(days=1), rate=4500)
    refs = references(
        ilyas,
        [
            (
                "Mme Amina Soussi",
                "Directrice, Fédération des associations de jeunes",
                "+212 5 22 31 40 18",
                "a.soussi@faj.example",
            ),
            (
                "M. Karim Belhaj",
                "Coordinateur, Réseau des radios associatives",
                "+212 6 70 55 12 09",
                "k.belhaj@radios-asso.example",
            ),
        ],
        scope="stratégies de communication pour des coalitions d'associations",
    )
    files.append(("References_Tawasol.pdf", pdf(refs, at - timedelta(days=1), ilyas.name)))
    m = mail(
        "hakama-complete",
        (ilyas.name, ilyas.email),
        AJJ_BOX,
        at,
        "Candidature – Stratégie de communication & Branding digital du Collectif HAKAMA",
        hakama_body(
            ilyas,
            "l'Agence Tawasol Digital vous soumet son CV, sa note méthodologique, sa "
            "proposition financière et ses références.",
        ),
        files,
    )
    out.append(
        Sample(
            "hakama-complete",
            m.build(),
            at,
            "complete",
            HAKAMA,
            note="three required documents plus optional references",
        )
    )

    chaimae = Person(
        name="Chaimae Ait Lahcen",
        title="Juriste",
        city="Rabat",
        email="chaimae.aitlahcen@example.ma",
        phone="+212 6 63 71 28 40",
        education=["2023 : Master en droit des affaires, Université Mohammed V de Rabat"],
        experience=[
            "2023-2025 : Juriste stagiaire, cabinet d'avocats, Rabat",
            "2022 : Stage, service juridique d'une mutuelle",
        ],
        skills=["Rédaction de contrats et d'actes", "Veille juridique", "Droit associatif"],
    )
    at = ma(2026, 5, 12, 10, 10)
    letter = cover_letter(
        chaimae,
        place_date="Rabat, le 11 mai 2026",
        recipient=("Monsieur le Président",),
        object_line="Candidature spontanée – poste de juriste",
        paragraphs=[
            "Juriste de formation, je souhaite mettre mes compétences au service de "
            "votre association et vous propose ma candidature pour tout poste juridique "
            "ou administratif."
        ],
    )
    m = mail(
        "ajj-spontaneous-application",
        (chaimae.name, chaimae.email),
        AJJ_BOX,
        at,
        "Candidature spontanée – juriste",
        "Bonjour,\n\nJe vous adresse ma candidature spontanée. Vous trouverez ci-joint mon CV et ma lettre "
        "de motivation.\n\nCordialement,\nChaimae Ait Lahcen\n",
        [
            ("CV_Chaimae_Ait_Lahcen.pdf", pdf(cv(chaimae), at - timedelta(days=1), chaimae.name)),
            ("Lettre_de_motivation.pdf", pdf(letter, at - timedelta(days=1), chaimae.name)),
        ],
    )
    out.append(
        Sample(
            "ajj-spontaneous-application",
            m.build(),
            at,
            "unmatched",
            None,
            note="spontaneous application (CV + cover letter) with no mention of the call",
        )
    )

    amine = consultant("Amine Tounsi", "Fès", "amine.tounsi@example.com", 1, "communication", female=False)
    at = ma(2026, 5, 18, 21, 0)
    m = mail(
        "hakama-no-financial-offer",
        (amine.name, amine.email),
        AJJ_BOX,
        at,
        "Candidature expert communication – Collectif Hakama",
        hakama_body(amine, "je vous transmets mon CV et ma note méthodologique."),
        hakama_files(amine, amine.name, at - timedelta(days=1), kinds=("cv", "methodology_note")),
    )
    out.append(
        Sample(
            "hakama-no-financial-offer",
            m.build(),
            at,
            "incomplete",
            HAKAMA,
            ("financial_offer",),
            "CV and methodology note, no financial proposal",
        )
    )

    wissal = consultant("Wissal El Khatib", "Rabat", "wissal.elkhatib@example.net", 2, "communication", female=True)
    at = ma(2026, 5, 22, 15, 35)
    files = hakama_files(wissal, wissal.name, at - timedelta(days=1), offer_name="scan001.pdf", rate=3000)
    m = mail(
        "hakama-subject-candidature-scan001",
        (wissal.name, wissal.email),
        AJJ_BOX,
        at,
        "Candidature",
        "Bonjour,\n\nVeuillez trouver ci-joint ma candidature (note méthodologique, proposition financière et "
        "CV).\n\nCordialement,\nWissal El Khatib\n",
        [files[1], files[2], files[0]],
    )
    out.append(
        Sample(
            "hakama-subject-candidature-scan001",
            m.build(),
            at,
            "complete",
            HAKAMA,
            note="subject 'Candidature' only; the financial offer is named scan001.pdf",
        )
    )

    at = ma(2026, 5, 25, 8, 1)
    headers = (
        "Return-Path: <activites@ajj.org.ma>\r\nFrom: AJJ <activites@ajj.org.ma>\r\n"
        "To: badr.ouali@gmial.example\r\n"
        "Subject: =?utf-8?q?Accus=C3=A9_de_r=C3=A9ception_=E2=80=93_Strat=C3=A9gie_de_communication_HAKAMA?=\r\n"
        "Date: Mon, 25 May 2026 08:00:52 +0100\r\n"
        f"Message-ID: {message_id('ajj-ack-ouali', 'ajj.org.ma')}\r\n"
    )
    nd = bounce(
        AJJ_BOX.address,
        reporting_mta="mail.ajj.org.ma",
        failed_recipient="badr.ouali@gmial.example",
        diagnostic="Host or domain name not found. Name service error for name=gmial.example type=MX: Host not found",
        original_headers=headers,
        arrival=at - timedelta(seconds=9),
    )
    nd.message_id(message_id("ajj-bounce", "mail.ajj.org.ma")).date(at)
    nd.received(
        at,
        by="mail.ajj.org.ma (Postfix)",
        from_host="localhost",
        from_ip="127.0.0.1",
        with_="ESMTP",
        recipient=AJJ_BOX.address,
    )
    out.append(
        Sample(
            "ajj-bounce",
            nd.build(),
            at,
            "ignored",
            None,
            note="MAILER-DAEMON report for an acknowledgement sent to a mistyped address",
        )
    )

    hind = consultant("Hind Benchekroun", "Casablanca", "hind@studio-kalima.example", 3, "communication", female=True)
    at = ma(2026, 5, 27, 12, 44)
    files = hakama_files(
        hind,
        "Studio Kalima (Hind Benchekroun)",
        at - timedelta(days=1),
        password="Kalima2026",  # noqa: S106 - the sample file's own lock, not a secret
        offer_name="Proposition_financiere_Studio_Kalima_protegee.pdf",
        rate=4000,
    )
    m = mail(
        "hakama-password-protected-offer",
        (hind.name, hind.email),
        AJJ_BOX,
        at,
        "Candidature Studio Kalima – stratégie de communication HAKAMA",
        hakama_body(
            hind,
            "Studio Kalima vous soumet sa candidature. La proposition financière est protégée "
            "par un mot de passe que nous vous communiquerons par téléphone.",
        ),
        files,
    )
    out.append(
        Sample(
            "hakama-password-protected-offer",
            m.build(),
            at,
            "needs_review",
            HAKAMA,
            note="financial offer is a password-protected PDF: nobody can read it without a call",
        )
    )

    nabil = consultant("Nabil Chafik", "Tanger", "nabil.chafik@example.org", 4, "communication", female=False)
    at = ma(2026, 5, 30, 23, 10)
    m = mail(
        "hakama-wetransfer-link",
        (nabil.name, nabil.email),
        AJJ_BOX,
        at,
        "Candidature consultant – branding digital Collectif HAKAMA",
        hakama_body(
            nabil,
            "mon dossier (CV, note méthodologique, proposition financière) est trop lourd "
            "pour être joint : vous pouvez le télécharger ici, le lien est valable 7 jours :\n"
            "https://we.tl/t-Zk4Qp8XmR2",
        ),
    )
    out.append(
        Sample(
            "hakama-wetransfer-link",
            m.build(),
            at,
            "needs_review",
            HAKAMA,
            note="dossier only as a WeTransfer link, no attachment",
        )
    )
    return out


def samples() -> list[Sample]:
    return hakama_samples()
