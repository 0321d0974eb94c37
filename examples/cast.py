"""The invented applicants and firms of the sample inbox.

Profiles are drawn from small pools by index, so that each CV differs without any randomness. Every
address uses a reserved example domain (RFC 2606 / 6761) so a reply sent by mistake reaches nobody.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from examples.documents import Firm, Person


def digits(seed: str, count: int) -> str:
    """`count` stable digits derived from `seed` (registration numbers, phone numbers)."""
    number = int(hashlib.sha256(seed.encode("utf-8")).hexdigest(), 16)
    return str(number)[-count:].rjust(count, "1")


def phone(seed: str) -> str:
    d = digits(seed, 8)
    return f"+212 6 {d[0:2]} {d[2:4]} {d[4:6]} {d[6:8]}"


def _pick(pool: Sequence[str], k: int, count: int) -> list[str]:
    return [pool[(k * count + i) % len(pool)] for i in range(count)]


_PAIRS = re.compile(r"\b(Coordinatrice/coordinateur|Formateur/formatrice|Directeur/directrice)\b")


def _pair(match: re.Match[str], female: bool) -> str:
    first, second = match.group(1).split("/")
    feminine, masculine = (first, second) if first.endswith("trice") else (second, first)
    return (feminine if female else masculine).capitalize()


def gendered(text: str, female: bool) -> str:
    """Resolve "Chargé(e)", "Formateur/formatrice"...: a real CV speaks of its own author."""
    text = _PAIRS.sub(lambda match: _pair(match, female), text)
    return re.sub(r"(\w)\(e\)", r"\1e" if female else r"\1", text)


UNIVERSITIES = [
    "Université Mohammed V de Rabat",
    "Université Hassan II de Casablanca",
    "Université Cadi Ayyad de Marrakech",
    "Université Sidi Mohamed Ben Abdellah de Fès",
    "Université Abdelmalek Essaâdi de Tétouan",
    "Université Ibn Tofail de Kénitra",
    "Université Ibn Zohr d'Agadir",
]

# ---------------------------------------------------------------- project officers (OMP)

OFFICER_DEGREES = [
    "Master en gestion de projets de développement",
    "Master en sociologie du développement",
    "Master en droits de l'Homme et libertés publiques",
    "Master en ingénierie de projets sociaux",
    "Master en sciences politiques et action publique",
]
OFFICER_JOBS = [
    "2022-2025 : Coordinatrice/coordinateur de projet, Association Tamkine pour la réinsertion – suivi d'un "
    "projet d'accès aux droits des personnes détenues (financement UE), reporting mensuel",
    "2020-2022 : Chargé(e) de suivi-évaluation, Fondation Amal Jeunesse – cadre logique, indicateurs, "
    "collecte de données auprès de 12 associations partenaires",
    "2019-2020 : Assistant(e) de projet, Réseau Nakhil pour le développement local – logistique des "
    "ateliers, comptes-rendus, suivi budgétaire",
    "2021-2024 : Responsable de programme, Association Insaf pour l'égalité – plaidoyer pour les droits "
    "des femmes détenues, coordination d'une coalition de 5 OSC",
    "2018-2021 : Chargé(e) de mission, Centre Ithar d'assistance juridique – permanences juridiques en "
    "milieu carcéral, traitement des doléances",
    "2023-2025 : Gestionnaire de subventions, Collectif Tadamon – suivi financier, rapports aux bailleurs",
]
OFFICER_SKILLS = [
    "Gestion du cycle de projet, cadre logique, suivi budgétaire",
    "Coordination multi-acteurs et animation de comités de pilotage",
    "Rédaction de rapports narratifs et de notes de plaidoyer",
    "Connaissance du système pénitentiaire et de la justice pénale",
    "Outils : Excel avancé, KoboToolbox, Trello",
]


def project_officer(name: str, city: str, email: str, k: int, *, female: bool) -> Person:
    return Person(
        name=name,
        title=gendered("Chargé(e) de projet – gestion de projets associatifs", female),
        city=city,
        email=email,
        phone=phone(name),
        education=[
            f"{2014 + k % 5} : {OFFICER_DEGREES[k % len(OFFICER_DEGREES)]}, {UNIVERSITIES[k % len(UNIVERSITIES)]}",
            f"{2012 + k % 5} : Licence en sciences juridiques, {UNIVERSITIES[(k + 2) % len(UNIVERSITIES)]}",
        ],
        experience=[gendered(job, female) for job in _pick(OFFICER_JOBS, k, 3)],
        skills=_pick(OFFICER_SKILLS, k, 4),
    )


# ---------------------------------------------------------------- consultants (ALCI, Oxfam, HAKAMA)

PARTICIPATION_JOBS = [
    "2021-2023 : Rédaction du guide « Pétitions et motions citoyennes » pour un réseau d'associations "
    "de la région Rabat-Salé-Kénitra",
    "2019-2022 : Formateur/formatrice en démocratie participative auprès de 40 communes "
    "(instances de l'équité, de l'égalité et de l'approche genre)",
    "2018-2020 : Consultant(e) pour l'élaboration des plans d'action communaux participatifs (PAC)",
    "2022-2023 : Évaluation d'un programme de budgétisation participative, région de l'Oriental",
    "2016-2019 : Chargé(e) d'études, observatoire de la gouvernance locale",
]
MIGRATION_JOBS = [
    "2019-2021 : Étude sur l'accès aux soins des personnes migrantes à Casablanca et Rabat",
    "2018-2020 : Formateur/formatrice en plaidoyer pour des associations d'appui aux migrants",
    "2020-2021 : Rédaction d'un policy paper sur la Stratégie Nationale d'Immigration et d'Asile (SNIA)",
    "2017-2019 : Coordination d'une enquête nationale sur l'insertion professionnelle des réfugiés",
    "2021 : Animation d'ateliers régionaux sur la protection des mineurs non accompagnés",
]
COMMUNICATION_JOBS = [
    "2020-2025 : Directeur/directrice conseil, agence de communication – stratégies de communication "
    "institutionnelle pour des ONG et des collectivités",
    "2019-2024 : Conception de chartes graphiques et de sites web pour des associations et coalitions",
    "2018-2021 : Responsable communication digitale d'un réseau national d'associations de jeunes",
    "2022-2025 : Formateur/formatrice en relations médias et communication de crise",
    "2016-2018 : Journaliste, rubrique société, quotidien national",
]


def consultant(name: str, city: str, email: str, k: int, field: str, *, female: bool) -> Person:
    """A senior consultant; `field` is "participation", "migration" or "communication"."""
    jobs, degree, title = {
        "participation": (
            PARTICIPATION_JOBS,
            "Doctorat en droit public – démocratie participative",
            "Consultant(e) en gouvernance locale et participation citoyenne",
        ),
        "migration": (
            MIGRATION_JOBS,
            "Master en migrations internationales et droits humains",
            "Consultant(e) – migrations, protection et plaidoyer",
        ),
        "communication": (
            COMMUNICATION_JOBS,
            "Master en communication des organisations, ISIC Rabat",
            "Consultant(e) en communication stratégique et digitale",
        ),
    }[field]
    return Person(
        name=name,
        title=gendered(title, female),
        city=city,
        email=email,
        phone=phone(name),
        education=[
            f"{2010 + k % 6} : {degree}, {UNIVERSITIES[k % len(UNIVERSITIES)]}",
            f"{2007 + k % 6} : Licence, {UNIVERSITIES[(k + 3) % len(UNIVERSITIES)]}",
        ],
        experience=[gendered(job, female) for job in _pick(jobs, k, 4)],
        skills=[
            "Conduite d'études qualitatives et quantitatives",
            "Animation d'ateliers participatifs",
            "Rédaction de guides, rapports et notes de synthèse",
        ],
        links=[f"https://www.researchgate.example/profile/{name.replace(' ', '-')}"] if k % 2 else [],
    )


# ---------------------------------------------------------------- consultancy firms (OMP)

EXPERTS = [
    (
        "Said Ouali",
        "Expert en gestion administrative et financière des OSC",
        ["Manuels de procédures pour 14 associations nationales", "Audit interne de projets financés par l'UE"],
    ),
    (
        "Laila Benabdellah",
        "Experte en ressources humaines et développement organisationnel",
        ["Politiques RH et fiches de poste pour des réseaux associatifs", "Coaching de directions exécutives"],
    ),
    (
        "Nabil Zeroual",
        "Expert en suivi-évaluation et gestion axée sur les résultats",
        ["Dispositifs de suivi-évaluation de programmes multi-bailleurs", "Formations GAR pour 60 OSC"],
    ),
    (
        "Siham El Ouazzani",
        "Experte en communication institutionnelle et identité visuelle",
        ["Stratégies de communication de fondations et d'ONG", "Chartes graphiques et sites institutionnels"],
    ),
    (
        "Tarik Bennis",
        "Expert en mobilisation des ressources et partenariats",
        ["Stratégies de mobilisation des ressources de 9 OSC", "Montage de dossiers UE, AFD et agences onusiennes"],
    ),
    (
        "Najat Cherradi",
        "Experte en droits humains et milieu pénitentiaire",
        ["Études sur les conditions de détention", "Formations du personnel associatif intervenant en prison"],
    ),
    (
        "Youness Alami",
        "Expert en gestion des risques et contrôle interne",
        ["Cartographies des risques d'associations et de coopératives", "Contrôle interne et conformité bailleurs"],
    ),
]
MISSIONS = [
    ("2025", "Association marocaine de lutte contre la violence", "Manuel des procédures", "280 000 MAD"),
    ("2024", "Réseau national des associations de protection de l'enfance", "Politique RH", "165 000 MAD"),
    ("2024", "Fondation pour l'accès à la justice", "Dispositif de suivi-évaluation", "210 000 MAD"),
    ("2023", "Coalition des OSC du Souss", "Stratégie de mobilisation des ressources", "190 000 MAD"),
    ("2023", "Association des droits des personnes handicapées", "Plan stratégique", "240 000 MAD"),
    ("2022", "Programme d'appui à la société civile", "Diagnostic organisationnel de 8 OSC", "320 000 MAD"),
    ("2025", "Association d'aide aux familles de détenus", "Stratégie de communication", "150 000 MAD"),
]


def firm(name: str, form: str, city: str, manager: str, email: str, k: int, *, female: bool) -> Firm:
    experts = [
        Person(
            name=expert,
            title=role,
            city=city,
            email=f"{expert.split()[0].lower()}@{email.split('@')[1]}",
            phone=phone(expert + name),
            education=[f"Master, {UNIVERSITIES[(k + i) % len(UNIVERSITIES)]}"],
            experience=[f"Depuis {2008 + (k + i) % 8} : {item}" for item in done],
            skills=[role],
        )
        for i, (expert, role, done) in enumerate(EXPERTS[(k + j) % len(EXPERTS)] for j in range(3))
    ]
    return Firm(
        name=name,
        form=form,
        city=city,
        address=f"{10 + int(digits(name, 2))}, avenue Hassan II",
        manager=manager,
        manager_title=gendered("Gérant(e)", female),
        email=email,
        phone=phone(name),
        rc=digits(name + "rc", 6),
        if_number=digits(name + "if", 8),
        ice=digits(name + "ice", 15),
        cnss=digits(name + "cnss", 7),
        experts=experts,
        missions=[MISSIONS[(k + j) % len(MISSIONS)] for j in range(4)],
        daily_rate=4000 + 250 * (k % 5),
    )


REFEREES = [
    ("Mme Latifa Berrada", "Présidente, Association Tamkine pour la réinsertion", "presidence@tamkine.example"),
    ("M. Abdellah Jaziri", "Coordinateur national, Collectif Tadamon", "a.jaziri@tadamon.example"),
    ("Mme Rkia Mouline", "Responsable des programmes, Fondation Amal Jeunesse", "r.mouline@amal-jeunesse.example"),
    ("M. Hassan Ait Ouarab", "Directeur exécutif, Centre Ithar d'assistance juridique", "direction@ithar.example"),
    ("Mme Souad Lazrak", "Chargée de partenariats, Réseau Nakhil", "s.lazrak@nakhil.example"),
    ("M. Jaouad Serghini", "Trésorier, Association Insaf pour l'égalité", "j.serghini@insaf.example"),
]


def referees(k: int) -> list[tuple[str, str, str, str]]:
    """Three referees (name, role, phone, email) picked by index."""
    return [(n, r, phone(n), e) for n, r, e in (REFEREES[(k + i) % len(REFEREES)] for i in range(3))]
