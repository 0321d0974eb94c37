"""The text of the sample inbox's attachments: CVs, cover letters, references, methodology notes, offers.

Each function returns the lines of one document ("# " marks a heading), to be drawn by make_pdf/make_docx.
Applicants, firms and figures are invented; the calls they answer are the five real ones in rules/.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Person:
    name: str
    title: str
    city: str
    email: str
    phone: str
    education: Sequence[str]
    experience: Sequence[str]
    skills: Sequence[str]
    languages: str = "Arabe (langue maternelle), français (courant), anglais (bon niveau)"
    links: Sequence[str] = ()


@dataclass(frozen=True)
class Firm:
    name: str
    form: str  # legal form: SARL, SARL AU...
    city: str
    address: str
    manager: str
    manager_title: str
    email: str
    phone: str
    rc: str
    if_number: str
    ice: str
    cnss: str
    experts: Sequence[Person]
    missions: Sequence[tuple[str, str, str, str]]  # year, client, mission, amount
    daily_rate: int
    extra: Sequence[str] = field(default=())


def mad(amount: float) -> str:
    """French-style amount: 125 400,00 MAD."""
    whole, cents = f"{amount:.2f}".split(".")
    groups: list[str] = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return f"{' '.join(groups)},{cents} MAD"


def price_table(
    rows: Sequence[tuple[str, float, str, float]], *, vat: bool = True, vat_label: str = "TVA (20 %)"
) -> list[str]:
    """Rows of (item, quantity, unit, unit price) and the HT / TVA / TTC totals."""
    lines = ["N° | Désignation | Quantité | Unité | Prix unitaire HT | Montant HT"]
    total = 0.0
    for number, (item, quantity, unit, price) in enumerate(rows, start=1):
        amount = quantity * price
        total += amount
        qty = f"{quantity:g}".replace(".", ",")
        lines.append(f"{number} | {item} | {qty} | {unit} | {mad(price)} | {mad(amount)}")
    tax = round(total * 0.20, 2) if vat else 0.0
    lines += ["", f"Total HT : {mad(total)}"]
    lines.append(f"{vat_label} : {mad(tax)}" if vat else "TVA : non applicable (auto-entrepreneur)")
    lines.append(f"Total TTC : {mad(total + tax)}")
    return lines


# ---------------------------------------------------------------- personal documents


def cv(person: Person, *, heading: str = "CURRICULUM VITAE") -> list[str]:
    lines = [
        f"# {heading}",
        person.name,
        person.title,
        f"{person.city} – Tél. : {person.phone} – {person.email}",
        "",
        "# Formation",
        *[f"- {item}" for item in person.education],
        "",
        "# Expérience professionnelle",
        *[f"- {item}" for item in person.experience],
        "",
        "# Compétences",
        *[f"- {item}" for item in person.skills],
        "",
        "# Langues",
        person.languages,
    ]
    if person.links:
        lines += ["", "# Publications et interventions (liens)", *[f"- {link}" for link in person.links]]
    return lines


def cover_letter(
    person: Person, *, place_date: str, recipient: Sequence[str], object_line: str, paragraphs: Sequence[str]
) -> list[str]:
    return [
        person.name,
        person.city,
        f"{person.phone} – {person.email}",
        "",
        *recipient,
        "",
        place_date,
        "",
        f"Objet : {object_line}",
        "",
        "Madame, Monsieur,",
        "",
        *[p for paragraph in paragraphs for p in (paragraph, "")],
        "Je vous prie d'agréer, Madame, Monsieur, l'expression de mes salutations distinguées.",
        "",
        person.name,
    ]


def references(person: Person, referees: Sequence[tuple[str, str, str, str]], *, scope: str) -> list[str]:
    """Referees as (name, function and organisation, phone, email)."""
    lines = [f"# Références professionnelles – {person.name}", f"Domaine : {scope}", ""]
    for number, (name, role, phone, email) in enumerate(referees, start=1):
        lines += [
            f"Référence {number} : {name}",
            f"Fonction : {role}",
            f"Téléphone : {phone} – Courriel : {email}",
            "",
        ]
    lines.append("Ces personnes ont accepté d'être contactées au sujet de ma candidature.")
    return lines


# ---------------------------------------------------------------- OMP: consultancy firm


OMP_ACTIVITIES = [
    ("Révision et mise à jour du manuel des procédures administratives et financières", 12),
    ("Élaboration d'une politique de gestion des ressources humaines", 8),
    ("Atelier de formation en gestion administrative, financière et budgétaire", 4),
    ("Élaboration d'un guide de montage et gestion des projets", 7),
    ("Développement d'une stratégie de gestion des risques", 6),
    ("Mise en place d'un dispositif de suivi-évaluation", 8),
    ("Stratégie de communication et conception de la charte graphique", 9),
    ("Stratégie de partenariat et de mobilisation des ressources", 7),
    ("Atelier de formation sur les techniques de mobilisation des ressources", 3),
    ("Rapport final de mission", 3),
]


def omp_admin_file(firm: Firm) -> list[str]:
    return [
        f"# Dossier administratif – {firm.name} {firm.form}",
        f"Siège social : {firm.address}, {firm.city}",
        f"Gérant(e) : {firm.manager}, {firm.manager_title}",
        "",
        "# Pièces administratives",
        f"- Statuts de la société {firm.name} {firm.form} (copie certifiée conforme)",
        f"- Certificat d'immatriculation au registre de commerce de {firm.city} : RC n° {firm.rc}",
        f"- Identifiant fiscal (IF) : {firm.if_number} – Identifiant commun de l'entreprise (ICE) : {firm.ice}",
        f"- Attestation d'affiliation à la CNSS n° {firm.cnss}",
        "- Attestation de régularité fiscale délivrée par la Direction Générale des Impôts (moins de 6 mois)",
        "- Attestation de la CNSS justifiant la régularité de la situation (moins de 6 mois)",
        "- Relevé d'identité bancaire (RIB)",
        "- Modèle J du registre de commerce et procès-verbal de nomination du gérant",
        "",
        "Les originaux sont tenus à la disposition de l'Observatoire Marocain des Prisons sur simple demande.",
        f"Fait à {firm.city}, pour servir et valoir ce que de droit.",
        f"{firm.manager}, {firm.manager_title}",
    ]


def omp_technical_proposal(firm: Firm) -> list[str]:
    lines = [
        "# Proposition technique",
        "Appel à consultation – Recrutement d'un cabinet de consultance",
        "Projet « Renforcement des capacités organisationnelles de l'OMP pour une justice pénale équitable "
        "et des conditions de détention améliorées » – Programme DIALOGUE",
        f"Soumissionnaire : {firm.name} {firm.form}, {firm.city}",
        "",
        "# 1. Compréhension de la mission",
        "L'Observatoire Marocain des Prisons (OMP) a bénéficié en 2025 d'un premier plan d'action de "
        "renforcement organisationnel. La présente mission consolide ces acquis sur huit mois : procédures "
        "administratives et financières, ressources humaines, suivi-évaluation, communication institutionnelle "
        "et mobilisation des ressources.",
        "Nous retenons trois enjeux : l'appropriation des outils par l'équipe de l'OMP, la cohérence avec le "
        "programme DIALOGUE et la prise en compte des spécificités du milieu pénitentiaire.",
        "",
        "# 2. Approche méthodologique",
        "Notre démarche est participative : chaque livrable est co-construit avec la direction et l'équipe "
        "lors d'ateliers courts, puis validé en comité de pilotage avec la consultante du projet DIALOGUE.",
        "Phase 1 – Cadrage : réunion de démarrage, revue documentaire (manuel 2025, statuts, rapports), "
        "entretiens individuels avec le bureau exécutif et l'équipe salariée.",
        "Phase 2 – Production : rédaction des outils par lots, tests sur des cas réels de l'OMP, ajustements.",
        "Phase 3 – Formation et transfert : deux ateliers de formation, accompagnement à la prise en main.",
        "Phase 4 – Capitalisation : rapport final et recommandations pour la gouvernance.",
        "",
        "# 3. Activités et livrables",
    ]
    lines += [f"{n}. {label} – {days} jours" for n, (label, days) in enumerate(OMP_ACTIVITIES, start=1)]
    lines += [
        "",
        "# 4. Chronogramme (8 mois, mai à décembre 2026)",
        "Mois 1 : cadrage, manuel des procédures (version provisoire), politique RH (diagnostic).",
        "Mois 2-3 : manuel validé, politique RH, atelier de formation en gestion administrative et financière.",
        "Mois 4-5 : guide de gestion des projets, stratégie de gestion des risques, dispositif de suivi-évaluation.",
        "Mois 6-7 : stratégie de communication, charte graphique, stratégie de partenariat et atelier de "
        "mobilisation des ressources.",
        "Mois 8 : rapport final de mission et restitution.",
        "",
        "# 5. Équipe proposée",
    ]
    lines += [f"- {expert.name} : {expert.title}" for expert in firm.experts]
    lines += ["", *firm.extra]
    return lines


def omp_financial_offer(firm: Firm) -> list[str]:
    rows: list[tuple[str, float, str, float]] = [
        (label, days, "jour", firm.daily_rate) for label, days in OMP_ACTIVITIES
    ]
    rows.append(("Frais logistiques des deux ateliers (supports, pauses)", 2, "forfait", 6500))
    return [
        "# Proposition financière détaillée",
        f"{firm.name} {firm.form} – {firm.address}, {firm.city} – ICE {firm.ice}",
        "Objet : Renforcement des capacités organisationnelles de l'OMP – Programme DIALOGUE",
        "",
        *price_table(rows),
        "",
        "Modalités de paiement : 30 % à la signature, 40 % à mi-parcours, 30 % à la validation du rapport final.",
        "Validité de l'offre : 90 jours.",
        f"{firm.manager}, {firm.manager_title}",
    ]


def omp_references(firm: Firm) -> list[str]:
    lines = [
        f"# Références de missions similaires – {firm.name}",
        "Année | Client | Mission | Montant",
    ]
    lines += [" | ".join(mission) for mission in firm.missions]
    lines += ["", "Attestations de bonne exécution disponibles sur demande."]
    return lines


def omp_experts_cvs(firm: Firm) -> list[str]:
    lines = [f"# CV des expert.e.s proposé.e.s – {firm.name}", ""]
    for expert in firm.experts:
        lines += [*cv(expert, heading=f"Curriculum vitae – {expert.name}")[1:], ""]
    return lines


def omp_submission_letter(firm: Firm, place_date: str) -> list[str]:
    return [
        f"{firm.name} {firm.form}",
        f"{firm.address}, {firm.city}",
        "",
        "À Monsieur le Président de l'Observatoire Marocain des Prisons",
        place_date,
        "",
        "Objet : Lettre de soumission – Candidature_ Consultation_Cabinet_Projet OMP",
        "",
        "Monsieur le Président,",
        f"Nous avons l'honneur de soumettre l'offre de {firm.name} pour l'accompagnement de l'OMP dans le "
        "renforcement de ses capacités organisationnelles. Notre dossier comprend le dossier administratif, "
        "la proposition technique, la proposition financière, nos références et les CV de l'équipe.",
        "Veuillez agréer, Monsieur le Président, l'expression de notre haute considération.",
        f"{firm.manager}, {firm.manager_title}",
    ]


# ---------------------------------------------------------------- OMP: project officer


OMP_RECIPIENT = (
    "À l'attention de Monsieur le Président",
    "Observatoire Marocain des Prisons (OMP)",
    "Rabat",
)


def omp_officer_letter(person: Person, place_date: str, motive: str) -> list[str]:
    return cover_letter(
        person,
        place_date=place_date,
        recipient=OMP_RECIPIENT,
        object_line="Candidature au poste de chargé(e) de projet (CDD 8 mois) – Programme DIALOGUE",
        paragraphs=[
            "C'est avec un grand intérêt que je vous adresse ma candidature au poste de chargé(e) de projet "
            "« Agir en faveur des détenu.e.s vulnérables, pour l'accès aux droits et l'amélioration des "
            "conditions de détention ».",
            motive,
            "Je maîtrise le suivi budgétaire, la rédaction de rapports narratifs et l'animation de comités "
            "de pilotage. Je rédige avec aisance en arabe et en français.",
            "Je me tiens à votre disposition pour vous exposer plus en détail ma motivation lors d'un entretien.",
        ],
    )


# ---------------------------------------------------------------- ALCI: guide of good practices


def alci_note(person: Person) -> list[str]:
    return [
        "# Note méthodologique",
        "Élaboration d'un guide des bonnes pratiques en matière de promotion de la participation citoyenne "
        "dans la gestion de la chose publique – Projet « Open Ma3louma » (ALCI / COSPE)",
        "Réf. AMUSSU/2024/226 – Appel d'offres ALCI/AMUSSU 03/2024",
        f"Consultant(e) : {person.name}",
        "",
        "# 1. Compréhension de la mission",
        "Le guide doit traduire les solutions partagées issues de l'atelier de réflexion en actions concrètes "
        "pour les collectivités territoriales et les OSC : objectifs, étapes de mise en œuvre, indicateurs.",
        "",
        "# 2. Approche",
        "Démarche participative et collaborative : revue documentaire (rapports de l'atelier, lois organiques "
        "111-14, 112-14 et 113-14, mécanismes de pétition et instances de l'équité et de l'égalité), "
        "entretiens avec des élus et des associations de jeunes et de femmes, atelier de validation.",
        "Le guide sera structuré par solution : fiche-objectif, étapes, acteurs, obstacles possibles, "
        "indicateurs de performance et mécanisme de mise à jour continue.",
        "",
        "# 3. Planning de travail (10 jours ouvrables)",
        "Jours 1-2 : cadrage avec ALCI, revue documentaire, planning et chronogramme.",
        "Jours 3-5 : entretiens et rédaction de la première version (draft) du guide.",
        "Jours 6-7 : relecture par les parties prenantes, rapport de processus.",
        "Jours 8-10 : version finale, mise en page, remise papier et numérique (CD).",
        "",
        "# 4. Outils de collecte",
        "Grille d'entretien semi-directif, fiche d'analyse des solutions partagées, questionnaire en ligne "
        "pour les OSC partenaires.",
    ]


def alci_offer(person: Person, rate: int) -> list[str]:
    rows: list[tuple[str, float, str, float]] = [
        ("Planning de travail et chronogramme", 1, "jour", rate),
        ("Rapport de processus d'élaboration du guide", 2, "jour", rate),
        ("Première version (draft) du guide", 4, "jour", rate),
        ("Version finale du guide", 3, "jour", rate),
        ("Impression du guide (100 exemplaires) et CD", 1, "forfait", 4800),
    ]
    return [
        "# Offre financière",
        "Guide des bonnes pratiques – participation citoyenne – Réf. AMUSSU/2024/226",
        f"Consultant(e) : {person.name}, {person.city}",
        "",
        "Répartition des coûts par livrable :",
        *price_table(rows),
        "",
        "Montants exprimés en dirhams marocains, toutes taxes comprises.",
    ]


def trainer_offer(person: Person) -> list[str]:
    return [
        "# Offre technique et financière – Formateur",
        "Consultation : formation des formateurs de l'OMP sur l'accompagnement à la réinsertion "
        "socioprofessionnelle des personnes libérées",
        f"Formateur : {person.name}",
        "",
        "# Démarche pédagogique",
        "Trois modules de deux jours : cadre juridique de la réinsertion, techniques d'entretien et "
        "d'orientation, montage de parcours avec les partenaires locaux. Pédagogie active, études de cas.",
        "",
        *price_table(
            [("Conception des modules", 3, "jour", 3000), ("Animation des sessions", 6, "jour", 3500)],
            vat=False,
        ),
    ]
