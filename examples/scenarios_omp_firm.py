"""Mail to omdp.direction.2@gmail.com for the OMP consultancy-firm call (deadline 2026-05-10 16:00 Morocco
time, UTC+01 then; late mail rejected).

The project-officer call uses the same address: only the subject tells them apart.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from examples.cast import firm
from examples.delivery import (
    OMP,
    OMP_BOX,
    Sample,
    deliver,
    ma,
    message_id,
)
from examples.documents import (
    Firm,
    Person,
    cv,
    omp_admin_file,
    omp_experts_cvs,
    omp_financial_offer,
    omp_references,
    omp_submission_letter,
    omp_technical_proposal,
    trainer_offer,
)
from inbox_bot.core.timezones import zone
from tests.mailbuilder import MessageBuilder, make_pdf, make_zip

FIRM_SUBJECT = "Candidature_ Consultation_Cabinet_Projet OMP"
ALL_FIRM_KINDS = ("administrative_file", "methodology_note", "financial_offer", "references", "cv")


def firm_files(f: Firm, created: datetime, kinds: tuple[str, ...] = ALL_FIRM_KINDS) -> list[tuple[str, bytes]]:
    words = [w for w in f.name.split() if w not in {"Cabinet", "Centre"}]
    short = words[0] if len(words[0]) > 3 else words[0] + words[1]  # "Ibn" alone says nothing
    makers = {
        "administrative_file": (f"Dossier_administratif_{short}.pdf", omp_admin_file(f), 1),
        "methodology_note": (f"Proposition_technique_{short}.pdf", omp_technical_proposal(f), 3),
        "financial_offer": (f"Proposition_financiere_{short}.pdf", omp_financial_offer(f), 1),
        "references": (f"References_missions_similaires_{short}.pdf", omp_references(f), 1),
        "cv": (f"CV_experts_{short}.pdf", omp_experts_cvs(f), 2),
    }
    files = []
    for kind in kinds:
        name, lines, pages = makers[kind]
        files.append((name, make_pdf(lines, pages=pages, title=name[:-4], author=f.manager, created=created)))
    return files


def firm_body(f: Firm, intro: str = "") -> str:
    intro = intro or (
        "Suite à votre appel à consultation pour le recrutement d'un cabinet de consultance dans le cadre "
        "du Programme DIALOGUE, nous avons le plaisir de vous transmettre notre dossier de candidature."
    )
    return (
        f"Bonjour,\n\n{intro}\n\n"
        "Vous trouverez en pièces jointes le dossier administratif du cabinet, notre proposition technique, "
        "notre proposition financière, nos références de missions similaires et les CV des expert.e.s "
        "proposé.e.s.\n\n"
        "Nous restons à votre entière disposition pour tout complément d'information.\n\n"
        f"Cordialement,\n\n{f.manager}\n{f.manager_title} – {f.name} {f.form}\n{f.phone}\n"
    )


def firm_mail(
    slug: str,
    f: Firm,
    at: datetime,
    subject: str,
    *,
    encoded: bool = False,
    sent: datetime | None = None,
    files: list[tuple[str, bytes]] | None = None,
    body: str = "",
) -> tuple[bytes, MessageBuilder]:
    builder = (
        MessageBuilder()
        .sender(f.manager, f.email)
        .to(OMP_BOX.address)
        .subject(subject, encoded=encoded)
        .message_id(message_id(slug, f.email.split("@")[1]))
        .body(body or firm_body(f))
    )
    for name, data in files if files is not None else firm_files(f, at - timedelta(days=2)):
        builder.attach(name, data)
    deliver(builder, OMP_BOX, at, f.email, sent=sent)
    return builder.build(), builder


def firm_samples() -> list[Sample]:
    samples: list[Sample] = []

    def add(
        slug: str,
        f: Firm,
        at: datetime,
        subject: str,
        verdict: str,
        note: str,
        *,
        encoded: bool = False,
        sent: datetime | None = None,
        files: list[tuple[str, bytes]] | None = None,
        body: str = "",
    ) -> None:
        raw, _ = firm_mail(slug, f, at, subject, encoded=encoded, sent=sent, files=files, body=body)
        samples.append(Sample(slug, raw, at, verdict, OMP, note=note))

    atlas = firm(
        "Atlas Conseil & Développement",
        "SARL",
        "Rabat",
        "Nadia Bennani",
        "n.bennani@atlas-conseil.example",
        0,
        female=True,
    )
    add(
        "omp-cabinet-exact-subject",
        atlas,
        ma(2026, 4, 22, 12, 5),
        FIRM_SUBJECT,
        "complete",
        "imposed subject typed exactly; optional submission letter too",
        files=[
            *firm_files(atlas, ma(2026, 4, 20, 17, 0)),
            (
                "Lettre_de_soumission.pdf",
                make_pdf(omp_submission_letter(atlas, "Rabat, le 21 avril 2026"), created=ma(2026, 4, 21, 9, 0)),
            ),
        ],
    )

    maghreb = firm(
        "Maghreb Performance Consulting",
        "SARL",
        "Casablanca",
        "Driss Benali",
        "contact@maghreb-performance.example",
        1,
        female=False,
    )
    add(
        "omp-cabinet-uppercase-spaces",
        maghreb,
        ma(2026, 5, 4, 9, 30),
        "CANDIDATURE CONSULTATION CABINET PROJET OMP",
        "complete",
        "subject in capitals, spaces instead of underscores",
    )

    sigma = firm("Sigma RH Conseil", "SARL", "Casablanca", "Karim Alaoui", "k.alaoui@sigma-rh.example", 2, female=False)
    raw, _ = firm_mail(
        "omp-cabinet-incomplete",
        sigma,
        ma(2026, 5, 7, 17, 33),
        FIRM_SUBJECT,
        files=firm_files(sigma, ma(2026, 5, 6, 10, 0), ("methodology_note", "financial_offer", "cv")),
        body=firm_body(sigma).replace(
            "le dossier administratif du cabinet, notre proposition technique, notre proposition "
            "financière, nos références de missions similaires et les CV",
            "notre proposition technique, notre proposition financière et les CV",
        ),
    )
    samples.append(
        Sample(
            "omp-cabinet-incomplete",
            raw,
            ma(2026, 5, 7, 17, 33),
            "incomplete",
            OMP,
            ("administrative_file", "references"),
            "firm sends technical + financial proposals and CVs only",
        )
    )

    capacites = firm(
        "Capacités & Territoires",
        "SARL",
        "Marrakech",
        "Zineb Sqalli",
        "z.sqalli@capacites-territoires.example",
        3,
        female=True,
    )
    # Sent from Paris: the Date header carries +0200 while our server still stamps Pacific time.
    add(
        "omp-cabinet-encoded-subject",
        capacites,
        ma(2026, 5, 5, 14, 20),
        FIRM_SUBJECT,
        "complete",
        "ASCII subject sent as RFC 2047 base64 encoded words; Date written in Paris time",
        encoded=True,
        sent=ma(2026, 5, 5, 14, 19, 52).astimezone(zone("Europe/Paris")),
    )

    ibn = firm(
        "Cabinet Ibn Khaldoun Études & Conseil",
        "SARL",
        "Tanger",
        "Asmaa Filali",
        "a.filali@ibnkhaldoun-conseil.example",
        4,
        female=True,
    )
    add(
        "omp-cabinet-typo-opm",
        ibn,
        ma(2026, 5, 9, 19, 45),
        "Candidature consultation cabinet projet OPM",
        "complete",
        "small typo: OPM for OMP, lower case, spaces",
    )

    horizon = firm(
        "Horizon Associatif Conseil", "SARL", "Agadir", "Kamal Ziani", "kamal.ziani@horizon-ac.example", 5, female=False
    )
    archive = make_zip(firm_files(horizon, ma(2026, 5, 8, 11, 0)), created=ma(2026, 5, 9, 22, 10))
    add(
        "omp-cabinet-zip-dossier",
        horizon,
        ma(2026, 5, 10, 11, 20),
        FIRM_SUBJECT,
        "complete",
        "whole dossier inside one ZIP archive",
        files=[("Dossier_Candidature_Horizon_Associatif_Conseil.zip", archive)],
    )

    sahel = firm(
        "Sahel Consulting",
        "SARL",
        "Casablanca",
        "Loubna Mernissi",
        "l.mernissi@sahel-consulting.example",
        6,
        female=True,
    )
    add(
        "omp-cabinet-drive-link",
        sahel,
        ma(2026, 5, 8, 12, 0),
        FIRM_SUBJECT,
        "needs_review",
        "dossier only as a Google Drive link, no attachment",
        files=[],
        body=firm_body(sahel).replace(
            "Vous trouverez en pièces jointes",
            "Compte tenu du volume des fichiers, vous trouverez sur le lien Google Drive ci-dessous\n"
            "https://drive.google.com/drive/folders/1qW7eRt5YuI9oPaS3dFgH2jKl8ZxCvBnM?usp=sharing\n\n"
            "Ce dossier contient",
        ),
    )

    rif = firm("Rif Stratégies", "SARL", "Tétouan", "Anouar Tahiri", "a.tahiri@rif-strategies.example", 7, female=False)
    add(
        "omp-cabinet-last-second",
        rif,
        ma(2026, 5, 10, 15, 59, 59),
        FIRM_SUBJECT,
        "complete",
        "received 15:59:59 Morocco time (07:59:59 PDT in the Received header): on time",
        sent=ma(2026, 5, 10, 15, 59, 51),
    )

    oasis = firm(
        "Oasis Management Conseil", "SARL", "Errachidia", "Houda Zniber", "h.zniber@oasis-mc.example", 8, female=True
    )
    add(
        "omp-cabinet-at-deadline",
        oasis,
        ma(2026, 5, 10, 16, 0, 0),
        FIRM_SUBJECT,
        "late",
        "received 16:00:00 Morocco time: 'avant 16h00' makes this the first late second",
        sent=ma(2026, 5, 10, 15, 59, 54),
    )

    amal = firm(
        "Amal Développement Conseil", "SARL", "Meknès", "Soukaina Belkadi", "s.belkadi@amal-dc.example", 9, female=True
    )
    add(
        "omp-cabinet-date-ontime-received-late",
        amal,
        ma(2026, 5, 10, 16, 20, 12),
        FIRM_SUBJECT,
        "late",
        "Date header says 15:58:40 but our server received it at 16:20:12: the Received time decides",
        sent=ma(2026, 5, 10, 15, 58, 40),
    )

    azur = firm("Azur Conseil", "SARL", "Kénitra", "Jamal Bekkali", "j.bekkali@azur-conseil.example", 10, female=False)
    builder = (
        MessageBuilder()
        .sender(azur.manager, azur.email)
        .to(OMP_BOX.address)
        .subject(FIRM_SUBJECT)
        .date(ma(2026, 5, 10, 18, 30, 5))
        .message_id(message_id("omp-cabinet-no-received", "azur-conseil.example"))
        .body(firm_body(azur))
    )
    for name, data in firm_files(azur, ma(2026, 5, 9, 16, 0)):
        builder.attach(name, data)
    samples.append(
        Sample(
            "omp-cabinet-no-received",
            builder.build(),
            ma(2026, 5, 10, 18, 30, 5),
            "needs_review",
            OMP,
            note="no Received header, Date after the deadline: the sender's clock alone must not reject",
        )
    )

    nour = firm(
        "Nour Gouvernance", "SARL AU", "Fès", "Mustapha Rifi", "m.rifi@nour-gouvernance.example", 11, female=False
    )
    forwarded = (
        "Bonjour,\n\nJe vous transfère ci-dessous la candidature de notre cabinet envoyée par M. Rifi, "
        "qui nous signale une erreur de destinataire.\n\nBien à vous,\nGhita Lamrani\nChargée de "
        "développement – Nour Gouvernance\n\n-------- Message transféré --------\n"
        f"De : {nour.manager} <{nour.email}>\nDate : mer. 6 mai 2026 à 09:12\nObjet : {FIRM_SUBJECT}\n"
        "À : omdp.direction2@gmail.com\n\n" + firm_body(nour)
    )
    builder = (
        MessageBuilder()
        .sender("Ghita Lamrani", "g.lamrani@nour-gouvernance.example")
        .to(OMP_BOX.address)
        .cc((nour.manager, nour.email))
        .subject(f"TR: {FIRM_SUBJECT}")
        .message_id(message_id("omp-cabinet-forwarded", "nour-gouvernance.example"))
        .header("X-Mailer", "Microsoft Outlook 16.0")
        .body(forwarded)
    )
    for name, data in firm_files(nour, ma(2026, 5, 5, 18, 0)):
        builder.attach(name, data)
    at = ma(2026, 5, 6, 10, 48)
    deliver(builder, OMP_BOX, at, "g.lamrani@nour-gouvernance.example")
    samples.append(
        Sample(
            "omp-cabinet-forwarded",
            builder.build(),
            at,
            "complete",
            OMP,
            note="'TR:' forward by a colleague of the firm, attachments kept",
        )
    )

    trainer = Person(
        name="Adil Bouhlal",
        title="Formateur en insertion socioprofessionnelle",
        city="Salé",
        email="adil.bouhlal@example.net",
        phone="+212 6 61 24 80 37",
        education=["2011 : Master en sciences de l'éducation, Université Mohammed V de Rabat"],
        experience=[
            "2016-2026 : Formateur indépendant – ingénierie de formation pour des associations",
            "2012-2016 : Conseiller en emploi, agence nationale de promotion de l'emploi",
        ],
        skills=["Ingénierie pédagogique", "Animation de sessions pour adultes", "Accompagnement à l'emploi"],
    )
    builder = (
        MessageBuilder()
        .sender(trainer.name, trainer.email)
        .to(OMP_BOX.address)
        .subject("Candidature_Consultation_Formateur_Projet OMP")
        .message_id(message_id("omp-formateur-near-miss", "example.net"))
        .body(
            "Bonjour,\n\nSuite à votre consultation pour le recrutement d'un formateur, je vous prie de "
            "trouver ci-joint mon CV et mon offre technique et financière.\n\nCordialement,\nAdil Bouhlal\n"
        )
        .attach("CV_Adil_Bouhlal.pdf", make_pdf(cv(trainer), created=ma(2026, 4, 27, 20, 0)))
        .attach("Offre_formateur_Bouhlal.pdf", make_pdf(trainer_offer(trainer), created=ma(2026, 4, 28, 9, 0)))
    )
    at = ma(2026, 4, 29, 11, 11)
    deliver(builder, OMP_BOX, at, trainer.email)
    samples.append(
        Sample(
            "omp-formateur-near-miss",
            builder.build(),
            at,
            "unmatched",
            None,
            note="another OMP consultation (trainer): must match neither OMP call",
        )
    )
    return samples


def samples() -> list[Sample]:
    return firm_samples()
