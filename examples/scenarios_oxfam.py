"""Mail at Oxfam's procurement address: the migration consultancy (deadline 21 January 2022, late mail held)
and everything else a procurement address receives.

No subject is imposed: the documents and words about migration tie a mail to the call; quotes, other tenders
and newsletters must stay out.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from examples.cast import consultant, digits
from examples.delivery import (
    OXFAM,
    OXFAM_BOX,
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
    cover_letter,
    cv,
)
from examples.documents_oxfam_hakama import (
    furniture_quote,
    hygiene_kits_bid,
    oxfam_code_of_conduct,
    oxfam_note,
    oxfam_note_en,
    oxfam_offer,
    oxfam_terms,
    tax_certificate,
)
from tests.mailbuilder import MessageBuilder

OXFAM_ALL = ("cv", "methodology_note", "financial_offer", "tax_certificate", "code_of_conduct", "signed_terms")


def oxfam_files(
    p: Person,
    created: datetime,
    *,
    note: list[str] | None = None,
    note_pages: int = 3,
    kinds: tuple[str, ...] = OXFAM_ALL,
    rate: int = 3000,
) -> Files:
    last = p.name.split()[-1]
    place_date = f"{p.city}, le {created.day:02d}/{created.month:02d}/{created.year}"
    makers = {
        "cv": (f"CV_{last}.pdf", cv(p), 1),
        "methodology_note": (f"Note_methodologique_{last}.pdf", note or oxfam_note(p), note_pages),
        "financial_offer": (f"Offre_financiere_{last}.pdf", oxfam_offer(p, rate), 1),
        "tax_certificate": (
            "Attestation_identification_fiscale.pdf",
            tax_certificate(p, digits(p.name + "IF", 8), place_date),
            1,
        ),
        "code_of_conduct": ("Code_de_conduite_non_staff_signe.pdf", oxfam_code_of_conduct(p, place_date), 1),
        "signed_terms": ("Termes_et_conditions_generales_achat_Oxfam_signes.pdf", oxfam_terms(p, place_date), 1),
    }
    return [(makers[k][0], pdf(makers[k][1], created, p.name, makers[k][2])) for k in kinds]


def oxfam_body(p: Person) -> str:
    return (
        "Madame, Monsieur,\n\nJ'ai l'honneur de vous soumettre ma candidature pour la consultance relative au "
        "policy paper, aux ateliers de renforcement de capacités et au baromètre national du projet "
        "« Protection – Résilience – Migrations ».\n\nVous trouverez ci-joint mon CV, ma proposition "
        "méthodologique, mon offre financière, mon attestation d'identification fiscale ainsi que le code de "
        f"conduite non-staff et les termes et conditions générales d'achat signés.\n\n{signature(p)}"
    )


def oxfam_samples() -> list[Sample]:
    out: list[Sample] = []
    sender: tuple[str, str]

    sender = ("Observatoire Hijra & Droits", "infolettre@hijra-droits.example")
    at = ma(2022, 1, 4, 10, 2)
    text = (
        "Infolettre n°37 – janvier 2022\n\nMigrations au Maroc : ce qu'il faut retenir de 2021.\n"
        "- Régularisation : bilan de la Stratégie nationale d'immigration et d'asile\n"
        "- Accès aux soins des personnes migrantes pendant la pandémie\n\n"
        "Se désinscrire : https://hijra-droits.example/desinscription?u=8f2a41\n"
    )
    builder = (
        MessageBuilder()
        .sender(*sender)
        .to(OXFAM_BOX.address)
        .subject("Infolettre n°37 – Migrations au Maroc : ce qu'il faut retenir de 2021")
        .message_id(message_id("oxfam-newsletter", "hijra-droits.example"))
        .header("Precedence", "bulk")
        .header("List-Id", "Infolettre Hijra & Droits <infolettre.hijra-droits.example>")
        .header(
            "List-Unsubscribe",
            "<mailto:desinscription@hijra-droits.example?subject=unsubscribe>, "
            "<https://hijra-droits.example/desinscription?u=8f2a41>",
        )
        .header("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
        .body(
            text,
            html="<html><body><h1>Infolettre n°37</h1><p>Migrations au Maroc : ce qu'il faut retenir "
            'de 2021.</p><p><a href="https://hijra-droits.example/desinscription?u=8f2a41">Se désinscrire'
            "</a></p></body></html>",
        )
    )
    deliver(builder, OXFAM_BOX, at, sender[1])
    out.append(
        Sample(
            "oxfam-newsletter",
            builder.build(),
            at,
            "ignored",
            None,
            note="bulk newsletter (Precedence: bulk, List-Unsubscribe) full of migration words",
        )
    )

    berrada = consultant("Hicham Berrada", "Rabat", "hicham.berrada@example.ma", 0, "migration", female=False)
    at = ma(2022, 1, 10, 11, 23)
    files = oxfam_files(berrada, at - timedelta(days=2), rate=3500)
    letter = cover_letter(
        berrada,
        place_date="Rabat, le 8 janvier 2022",
        recipient=("Oxfam Maroc", "Rabat"),
        object_line="Candidature – consultance migration",
        paragraphs=[
            "Fort d'une dizaine d'années de travail sur la situation des personnes "
            "migrantes au Maroc, je souhaite contribuer au projet « Protection – "
            "Résilience – Migrations »."
        ],
    )
    files.append(("Lettre_de_motivation.pdf", pdf(letter, at - timedelta(days=2), berrada.name)))
    m = mail(
        "oxfam-complete",
        (berrada.name, berrada.email),
        OXFAM_BOX,
        at,
        "Candidature consultance migration – Policy paper et baromètre national",
        oxfam_body(berrada),
        files,
    )
    out.append(
        Sample(
            "oxfam-complete",
            m.build(),
            at,
            "complete",
            OXFAM,
            note="all six required documents plus an optional cover letter",
        )
    )

    sender = ("Anas Benkirane – Bureau Mobilier Pro", "commercial@bureau-mobilier-pro.example")
    at = ma(2022, 1, 11, 9, 15)
    m = mail(
        "oxfam-furniture-quote",
        sender,
        OXFAM_BOX,
        at,
        "Devis mobilier de bureau – Oxfam Maroc",
        "Bonjour,\n\nSuite à votre demande, veuillez trouver ci-joint notre devis pour le mobilier de vos "
        "nouveaux bureaux.\n\nCordialement,\nAnas Benkirane\nService commercial – Bureau Mobilier Pro SARL\n",
        [("Devis_DV-2022-0113.pdf", pdf(furniture_quote(), at - timedelta(hours=2)))],
    )
    out.append(
        Sample(
            "oxfam-furniture-quote",
            m.build(),
            at,
            "unmatched",
            None,
            note="commercial quote with a Total TTC table: not an application",
        )
    )

    youssef = consultant("Youssef El Amrani", "Tanger", "y.elamrani@example.com", 1, "migration", female=False)
    at = ma(2022, 1, 14, 17, 48)
    files = oxfam_files(youssef, at - timedelta(days=1), note=oxfam_note_en(youssef), note_pages=2, rate=3200)
    files[1] = ("Methodology_note_Youssef_El_Amrani.pdf", files[1][1])
    m = mail(
        "oxfam-english-methodology",
        (youssef.name, youssef.email),
        OXFAM_BOX,
        at,
        "Application – Migration consultancy (policy paper, workshops, barometer)",
        "Dear Sir or Madam,\n\nPlease find attached my application for the migration consultancy: CV, "
        "methodology note (in English), financial offer, tax registration certificate, and the signed "
        "non-staff code of conduct and general terms and conditions of purchase.\n\nBest regards,\n"
        "Youssef El Amrani\n",
        files,
    )
    out.append(
        Sample(
            "oxfam-english-methodology", m.build(), at, "complete", OXFAM, note="methodology note written in English"
        )
    )

    samira = consultant("Samira Haddaoui", "Casablanca", "samira.haddaoui@example.fr", 2, "migration", female=True)
    at = ma(2022, 1, 17, 22, 10)
    files = oxfam_files(samira, at - timedelta(hours=6), kinds=("methodology_note", "financial_offer", "cv"))
    files = [("Methodologie.pdf", files[0][1]), ("Offre financiere.pdf", files[1][1]), ("CV.pdf", files[2][1])]
    m = mail(
        "oxfam-subject-candidature-only",
        (samira.name, samira.email),
        OXFAM_BOX,
        at,
        "Candidature",
        "Bonjour,\n\nVeuillez trouver ci-joint ma candidature.\n\nBien à vous,\nSamira Haddaoui\n",
        files,
    )
    out.append(
        Sample(
            "oxfam-subject-candidature-only",
            m.build(),
            at,
            "incomplete",
            OXFAM,
            ("code_of_conduct", "signed_terms", "tax_certificate"),
            "subject 'Candidature' only: the documents tie it to the call; Oxfam's forms are missing",
        )
    )

    sender = ("Rachid Ouazzani", "r.ouazzani@hygieneplus.example")
    at = ma(2022, 1, 18, 14, 30)
    m = mail(
        "oxfam-other-tender",
        sender,
        OXFAM_BOX,
        at,
        "Appel d'offres fourniture de kits d'hygiène – soumission Hygiène Plus Distribution",
        "Bonjour,\n\nNous vous prions de trouver ci-joint notre offre technique et financière pour l'appel "
        "d'offres relatif à la fourniture de kits d'hygiène.\n\nCordialement,\nRachid Ouazzani\n"
        "Gérant – Hygiène Plus Distribution SARL\n",
        [("Offre_kits_hygiene.pdf", pdf(hygiene_kits_bid(), at - timedelta(days=1)))],
    )
    out.append(
        Sample(
            "oxfam-other-tender",
            m.build(),
            at,
            "unmatched",
            None,
            note="a bid for another Oxfam tender at the same procurement address",
        )
    )

    omar = consultant("Omar Cherkaoui", "Rabat", "o.cherkaoui@centre-tafkir.example", 3, "migration", female=False)
    at = ma(2022, 1, 20, 19, 5)
    files = oxfam_files(omar, at - timedelta(days=1), note=oxfam_note(omar, long=True), note_pages=14, rate=4200)
    m = mail(
        "oxfam-note-14-pages",
        (omar.name, omar.email),
        OXFAM_BOX,
        at,
        "Soumission – Consultance policy paper & baromètre national (migration) – Centre Tafkir",
        oxfam_body(omar),
        files,
    )
    out.append(
        Sample(
            "oxfam-note-14-pages",
            m.build(),
            at,
            "needs_review",
            OXFAM,
            note="complete, but the methodology note runs 14 pages where the call allows 10",
        )
    )

    khadija = consultant("Khadija Bouzidi", "Agadir", "khadija.bouzidi@example.ma", 4, "migration", female=True)
    at = ma(2022, 1, 22, 8, 41)
    m = mail(
        "oxfam-late",
        (khadija.name, khadija.email),
        OXFAM_BOX,
        at,
        "Candidature consultance migration – Khadija Bouzidi",
        oxfam_body(khadija).replace(
            "Madame, Monsieur,\n\n",
            "Madame, Monsieur,\n\nJe vous prie d'excuser ce léger retard dû à un problème de connexion.\n\n",
        ),
        oxfam_files(khadija, at - timedelta(days=1), rate=2800),
    )
    out.append(
        Sample(
            "oxfam-late",
            m.build(),
            at,
            "late",
            OXFAM,
            note="received 22 January 08:41: late, and Oxfam's policy holds it rather than rejects",
        )
    )
    return out


def samples() -> list[Sample]:
    return oxfam_samples()
