"""The text of the Oxfam and HAKAMA documents, and of the other mail those addresses receive.

Same conventions as documents.py: each function returns lines, "# " marks a heading.
"""

from __future__ import annotations

from examples.documents import Person, price_table

# ---------------------------------------------------------------- Oxfam: migration consultancy


OXFAM_SECTIONS: list[tuple[str, list[str]]] = [
    (
        "Compréhension du mandat",
        [
            "Le projet « Protection – Résilience – Migrations » vise à renforcer la protection et la résilience "
            "des personnes migrantes et des populations hôtes au Maroc.",
            "La consultance couvre trois activités : un policy paper et un papier de positionnement issus de la "
            "Stratégie Nationale d'Influence (SNI) et des stratégies régionales de Casablanca et Rabat, des "
            "ateliers de renforcement de capacités des OSC, et la production du baromètre national.",
        ],
    ),
    (
        "Activité I – Policy paper et papier de positionnement",
        [
            "Participation à la rencontre nationale et aux deux ateliers thématiques de la SNI.",
            "Analyse des priorités d'influence des partenaires et des recommandations régionales.",
            "Rédaction du policy paper (15 pages) et du papier de positionnement (8 pages), relecture croisée.",
        ],
    ),
    (
        "Activité II – Ateliers de renforcement de capacités",
        [
            "Diagnostic des besoins des associations partenaires par questionnaire.",
            "Trois ateliers sur le plaidoyer, la documentation des violations et le dialogue avec les autorités.",
            "Évaluation pré et post formation et rapport d'ateliers.",
        ],
    ),
    (
        "Activité III – Baromètre national",
        [
            "Conception des indicateurs du baromètre avec les partenaires : accès à la santé, à l'éducation, "
            "à la justice et aux services sociaux pour les personnes migrantes.",
            "Compilation des données collectées par les partenaires, contrôle qualité et analyse.",
            "Rédaction et mise en forme du baromètre national, présentation publique.",
        ],
    ),
    (
        "Plan de travail et calendrier",
        [
            "Semaine 1-2 : cadrage avec Oxfam, revue documentaire, outils de collecte.",
            "Semaine 3-6 : rencontre nationale, rédaction du policy paper et du papier de positionnement.",
            "Semaine 7-10 : ateliers de renforcement de capacités.",
            "Semaine 11-14 : baromètre national et restitution.",
        ],
    ),
    (
        "Outils de collecte de données",
        [
            "Grilles d'entretien, questionnaires en ligne (KoboToolbox), fiches de suivi des cas, "
            "matrice d'analyse des politiques publiques.",
        ],
    ),
]

OXFAM_DETAIL = [
    "Les constats seront triangulés entre entretiens, données des partenaires et sources officielles.",
    "Une attention particulière sera portée aux femmes migrantes, aux mineurs non accompagnés et aux "
    "personnes en situation irrégulière.",
    "Chaque étape donnera lieu à une note d'étape partagée avec l'équipe du projet.",
    "Les risques (accès aux données, disponibilité des partenaires) et leurs mesures d'atténuation sont "
    "suivis dans un tableau de bord hebdomadaire.",
    "Les principes de protection des données personnelles et de consentement éclairé seront respectés.",
]


def oxfam_note(person: Person, *, long: bool = False) -> list[str]:
    """The French methodology note; `long` pads each section with detail, as an overlong note does."""
    lines = [
        "# Proposition méthodologique détaillée",
        "Consultance : policy paper, ateliers de renforcement de capacités et baromètre national – "
        "Projet « Protection – Résilience – Migrations », Oxfam Maroc",
        f"Présentée par : {person.name}",
        "",
    ]
    for number, (title, paragraphs) in enumerate(OXFAM_SECTIONS, start=1):
        lines.append(f"# {number}. {title}")
        lines += paragraphs
        if long:
            for index in range(1, 6):
                lines.append(f"{number}.{index} Précisions de mise en œuvre")
                lines += OXFAM_DETAIL
        lines.append("")
    return lines


def oxfam_note_en(person: Person) -> list[str]:
    return [
        "# Technical proposal and methodology",
        "Consultancy: policy paper, capacity-building workshops and national barometer – "
        '"Protection – Resilience – Migrations" project, Oxfam in Morocco',
        f"Submitted by: {person.name}",
        "",
        "# 1. Understanding of the assignment",
        "Morocco has become a country of settlement for migrants and refugees. The assignment supports the "
        "National Influence Strategy (SNI) and its regional versions for Casablanca and Rabat, and produces "
        "evidence on the situation of migrants through a national barometer.",
        "",
        "# 2. Methodology",
        "Activity I: facilitation of the two thematic workshops of the national meeting, analysis of the "
        "partners' advocacy priorities, drafting of the policy paper and of the position paper.",
        "Activity II: training needs assessment, three capacity-building workshops for civil society "
        "organisations, pre- and post-training evaluation.",
        "Activity III: design of barometer indicators with partners (health, education, justice, social "
        "services), data compilation and quality control, drafting and launch of the national barometer.",
        "",
        "# 3. Work plan and timeline",
        "Weeks 1-2: inception meeting with Oxfam, desk review, data collection tools.",
        "Weeks 3-6: national meeting, policy paper and position paper.",
        "Weeks 7-10: workshops. Weeks 11-14: barometer and dissemination.",
        "",
        "# 4. Data collection tools",
        "Semi-structured interview guides, KoboToolbox questionnaires, case tracking sheets, policy matrix.",
        "",
        "# 5. Ethics",
        "Informed consent, anonymisation of personal data and do-no-harm principles throughout.",
    ]


def oxfam_offer(person: Person, rate: int) -> list[str]:
    rows: list[tuple[str, float, str, float]] = [
        ("Activité I – Policy paper et papier de positionnement", 12, "jour", rate),
        ("Activité II – Ateliers de renforcement de capacités (3 ateliers)", 9, "jour", rate),
        ("Activité III – Baromètre national", 14, "jour", rate),
        ("Déplacements Casablanca / Rabat", 6, "aller-retour", 450),
    ]
    return [
        "# Offre financière détaillée (par activité)",
        "Consultance migration – Projet « Protection – Résilience – Migrations » – Oxfam Maroc",
        f"Consultant(e) : {person.name}",
        "",
        *price_table(rows),
        "",
        "Prix fermes, toutes taxes comprises.",
    ]


def tax_certificate(person: Person, if_number: str, place_date: str) -> list[str]:
    return [
        "ROYAUME DU MAROC",
        "Ministère de l'Économie et des Finances – Direction Générale des Impôts",
        f"Direction Régionale des Impôts de {person.city}",
        "",
        "# ATTESTATION D'IDENTIFICATION FISCALE",
        "Le Directeur Régional des Impôts atteste que :",
        f"Nom et prénom : {person.name}",
        "Activité : Consultant – études et conseil",
        f"Identifiant fiscal (IF) : {if_number}",
        "est inscrit(e) au rôle de l'impôt sur le revenu (revenus professionnels).",
        "",
        f"{place_date}",
        "La présente attestation est délivrée à l'intéressé(e) sur sa demande pour servir et valoir ce que de droit.",
    ]


def oxfam_code_of_conduct(person: Person, place_date: str) -> list[str]:
    return [
        "# Code de conduite d'Oxfam pour le personnel non salarié (non-staff)",
        "En tant que consultant(e), partenaire ou prestataire travaillant avec Oxfam, je m'engage à :",
        "1. Respecter les droits de toutes les personnes, sans discrimination.",
        "2. Ne jamais commettre d'exploitation, d'abus ou de harcèlement sexuels.",
        "3. Protéger les enfants et les adultes vulnérables de toute forme d'abus.",
        "4. Ne pas recevoir ni offrir de pots-de-vin ou d'avantages indus ; signaler tout conflit d'intérêts.",
        "5. Signaler toute préoccupation par les canaux prévus par Oxfam.",
        "",
        f"Je soussigné(e) {person.name} déclare avoir lu et accepté le présent code de conduite.",
        place_date,
        f"Signature : {person.name} (lu et approuvé)",
    ]


def oxfam_terms(person: Person, place_date: str) -> list[str]:
    return [
        "# Termes et conditions générales d'achat d'Oxfam",
        "1. Définitions – 2. Commande et acceptation – 3. Prix et paiement – 4. Qualité et conformité – "
        "5. Confidentialité – 6. Lutte contre la corruption – 7. Sauvegarde – 8. Résiliation – "
        "9. Droit applicable.",
        "Le prestataire exécute les services conformément aux termes de référence et aux normes éthiques "
        "d'Oxfam. Les factures sont payées à 30 jours après acceptation des livrables.",
        "",
        f"Lu et approuvé par le prestataire : {person.name}",
        place_date,
        "Signé et cacheté.",
    ]


# ---------------------------------------------------------------- HAKAMA: communication strategy


def hakama_note(author: str) -> list[str]:
    return [
        "# Note méthodologique",
        "Élaboration et développement de la stratégie de communication & branding digital du Collectif "
        "HAKAMA pour un budget ouvert – Projet AMUSSU",
        f"Présentée par : {author}",
        "",
        "# 1. Compréhension de la mission",
        "Le Collectif HAKAMA réunit plus de vingt organisations engagées pour le budget ouvert, la "
        "redevabilité publique et la gouvernance participative. Sa communication doit accompagner son plan "
        "stratégique 2026-2030 et sa transition vers une structure formelle.",
        "",
        "# 2. Démarche",
        "Diagnostic des outils et pratiques de communication actuels ; cartographie des publics cibles "
        "(partenaires, bénéficiaires, grand public) ; entretiens avec les associations membres.",
        "Définition des messages clés et de l'axe de communication ; plan de communication et relations "
        "publiques ; charte graphique, templates visuels, modèles de communiqués et guide médias.",
        "Atelier participatif de conception de la stratégie (1 jour de préparation, 2 jours d'animation, "
        "1 jour de rapport) ; formation des membres à la communication stratégique et digitale.",
        "Développement du site web du collectif et de ses espaces sur les réseaux sociaux.",
        "",
        "# 3. Planning d'exécution",
        "J+2 après signature : note méthodologique mise à jour et planning.",
        "Semaines 1-2 : diagnostic et analyse de l'environnement externe.",
        "Semaines 3-4 : stratégie et plan de communication, atelier participatif.",
        "Semaines 5-7 : site web et réseaux sociaux (9 jours d'expert).",
    ]


def hakama_offer(author: str, rate: int) -> list[str]:
    rows: list[tuple[str, float, str, float]] = [
        ("Note méthodologique et planning d'exécution", 1, "jour", rate),
        ("Diagnostic et stratégie de communication & branding digital", 7, "jour", rate),
        ("Atelier participatif (préparation, animation, rapport)", 4, "jour", rate),
        ("Charte graphique et templates visuels", 3, "jour", rate),
        ("Développement du site web et des réseaux sociaux", 9, "jour", rate),
        ("Hébergement et nom de domaine (12 mois)", 1, "forfait", 2400),
    ]
    return [
        "# Proposition financière détaillée",
        "Stratégie de communication & branding digital – Collectif HAKAMA",
        f"Soumissionnaire : {author}",
        "",
        *price_table(rows),
        "",
        "Offre valable 60 jours. Paiement : 40 % à la signature, 60 % à la livraison.",
    ]


# ---------------------------------------------------------------- other mail at the same addresses


def furniture_quote() -> list[str]:
    return [
        "# DEVIS N° DV-2022-0113",
        "Bureau Mobilier Pro SARL – Zone industrielle Sidi Maârouf, Casablanca – ICE 002215487000063",
        "Client : Oxfam Maroc – Service achats",
        "Date : 10/01/2022 – Validité : 30 jours",
        "",
        *price_table(
            [
                ("Bureau de direction 180 x 90 cm, plateau mélaminé", 4, "unité", 3900),
                ("Fauteuil ergonomique dossier résille", 12, "unité", 1450),
                ("Armoire métallique haute 2 portes", 6, "unité", 2350),
                ("Table de réunion 10 personnes", 1, "unité", 7800),
                ("Livraison et montage", 1, "forfait", 1500),
            ]
        ),
        "",
        "Conditions : 50 % à la commande, solde à la livraison. Délai : 3 semaines.",
    ]


def hygiene_kits_bid() -> list[str]:
    return [
        "# Offre technique et financière",
        "Appel d'offres : fourniture de kits d'hygiène – Oxfam Maroc",
        "Soumissionnaire : Hygiène Plus Distribution SARL, Oujda – ICE 001987654000021",
        "",
        "# Composition d'un kit",
        "Savon (4), shampoing 250 ml (2), dentifrice (2), brosses à dents (4), serviettes hygiéniques "
        "(2 paquets), lessive 1 kg (1), seau de 10 L avec couvercle (1).",
        "",
        "# Offre financière",
        *price_table(
            [
                ("Kit d'hygiène familial", 1500, "kit", 186),
                ("Transport et livraison à Oujda et Nador", 1, "forfait", 9000),
            ]
        ),
        "",
        "Délai de livraison : 15 jours après le bon de commande. Validité de l'offre : 60 jours.",
    ]


def workshop_invitation() -> list[str]:
    return [
        "# Invitation",
        "Le Réseau Jeunesse et Emploi Local a le plaisir de vous inviter à l'atelier régional",
        "« Insertion économique des jeunes : quel rôle pour les associations ? »",
        "Jeudi 7 mai 2026, de 9h30 à 16h00 – Hôtel Mercure, Rabat",
        "",
        "# Programme",
        "9h30 : accueil des participant.e.s",
        "10h00 : panel – dispositifs publics d'emploi des jeunes",
        "11h30 : travaux en groupes – accompagnement vers l'auto-emploi",
        "14h00 : restitution et recommandations",
        "",
        "Merci de confirmer votre participation avant le 30 avril 2026.",
    ]
