"""The pages of the documents applicants send, in French, English and Arabic, as they write them.

Each maker returns pages (lists of lines; "# " a heading) for one person or firm, varied by an index so that
no two dossiers read alike. Nothing here knows how inbox-bot classifies: the texts follow what real CVs,
letters, offers and certificates say.
"""

from __future__ import annotations

from dataclasses import dataclass

Page = list[str]

FIRST = ["Sara", "Youssef", "Imane", "Hamza", "Khadija", "Omar", "Salma", "Mehdi", "Nadia", "Rachid", "Houda",
         "Anas", "Meryem", "Karim", "Fatima Zahra", "Ayoub", "Loubna", "Said", "Hind", "Adil"]
LAST = ["Bennani", "El Idrissi", "Nejjar", "Alaoui", "Tazi", "Berrada", "Chraibi", "Ouazzani", "Lahlou",
        "Amrani", "Fassi", "Kettani", "Bouzid", "Rahmouni", "Skalli", "Zniber", "Hajji", "Mansouri"]
CITIES = ["Rabat", "Casablanca", "Fès", "Marrakech", "Tanger", "Agadir", "Oujda", "Meknès", "Tétouan"]
FIRMS = ["Cabinet Horizon Conseil", "Atlas Études & Stratégies", "Bureau d'études Tafilalet", "Nour Consulting",
         "Maghreb Impact Partners", "Cabinet Argane Développement", "Sigma Social Research", "Oasis Advisory"]
ORGS = ["Association Tawaza", "Fondation Amal", "ONG Bayti", "Association Jood", "Réseau Anaruz", "AMDH Rabat"]


@dataclass(frozen=True)
class Person:
    first: str
    last: str
    city: str
    index: int

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"

    @property
    def address(self) -> str:
        local = f"{self.first.split()[0]}.{self.last.replace(' ', '')}".lower()
        local = local.replace("é", "e").replace("è", "e")
        domains = ["gmail.com", "yahoo.fr", "hotmail.com", "outlook.fr", "gmail.com"]
        return f"{local}{self.index % 7 or ''}@{domains[self.index % len(domains)]}"


def person(index: int) -> Person:
    return Person(FIRST[index % len(FIRST)], LAST[(index * 7) % len(LAST)], CITIES[index % len(CITIES)], index)


def firm(index: int) -> str:
    return FIRMS[index % len(FIRMS)]


# ---------------------------------------------------------------- CV


def cv_fr(p: Person, role: str) -> list[Page]:
    org = ORGS[p.index % len(ORGS)]
    first = [f"# {p.name}", f"{p.city} - Tél. : 06 {p.index:02d} 45 78 12 - {p.address}",
             "Curriculum Vitae" if p.index % 3 else "CV",
             "# Expérience professionnelle",
             f"2021 - aujourd'hui : {role}, {org}, {p.city}",
             "Gestion de projets financés par l'Union européenne, suivi-évaluation, rédaction de rapports",
             f"2018 - 2021 : Assistant(e) de programme, {ORGS[(p.index + 2) % len(ORGS)]}",
             "Organisation d'ateliers, mobilisation des partenaires locaux"]
    second = ["# Formation",
              f"2017 : Master en sciences politiques, Université Mohammed V, {p.city}",
              "2015 : Licence en droit public",
              "# Compétences",
              "Gestion du cycle de projet, plaidoyer, MS Office, Kobo Toolbox",
              "# Langues",
              "Arabe (maternelle), français (courant), anglais (bon niveau)",
              "# Centres d'intérêt", "Lecture, randonnée, bénévolat"]
    return [first, second] if p.index % 2 else [first + second]


def cv_en(p: Person, role: str) -> list[Page]:
    return [[f"# {p.name}", f"{p.city}, Morocco | {p.address}", "Resume",
             "# Professional experience",
             f"2020 - present: {role}, {ORGS[p.index % len(ORGS)]}",
             "Managed donor-funded projects, monitoring and evaluation, reporting",
             "# Education", "2016: MA in Development Studies, Hassan II University",
             "# Skills", "Project cycle management, advocacy, data analysis",
             "# Languages", "Arabic, French, English"]]


def cv_ar(p: Person, role: str) -> list[str]:
    return ["# السيرة الذاتية", f"الاسم: {p.name}", f"المدينة: {p.city}", "# الخبرة المهنية",
            f"2019 - الآن: {role}، جمعية محلية", "تنسيق المشاريع وتتبع الأنشطة", "# المؤهلات العلمية",
            "ماستر في علم الاجتماع", "# اللغات", "العربية، الفرنسية، الإنجليزية"]


def team_cvs(firm_name: str, index: int) -> list[Page]:
    """A firm's team: one short CV per expert."""
    pages = []
    for k in range(2):
        p = person(index * 3 + k)
        pages.append([f"# CV - {p.name}", f"Expert(e) associé(e), {firm_name}", "# Expérience professionnelle",
                      "12 ans d'expérience en évaluation et en renforcement des capacités des OSC",
                      "# Formation", "Doctorat en sociologie", "# Langues", "Arabe, français, anglais"])
    return pages


# ---------------------------------------------------------------- cover letter


def letter_fr(p: Person, post: str) -> list[Page]:
    return [[f"{p.name}", f"{p.city}, le 20 avril 2026", "Madame, Monsieur,",
             f"Objet : candidature au poste de {post}",
             f"J'ai l'honneur de vous soumettre ma candidature au poste de {post}. Fort(e) de cinq années "
             "d'expérience dans la gestion de projets associatifs, je souhaite mettre mes compétences au service "
             "de votre organisation.",
             "Je me tiens à votre disposition pour un entretien.",
             "Veuillez agréer, Madame, Monsieur, l'expression de mes salutations distinguées.", p.name]]


def letter_en(p: Person, post: str) -> list[Page]:
    return [["Dear Sir or Madam,", f"I am writing to apply for the position of {post}.",
             "For five years I have coordinated community projects and I would welcome the chance to bring this "
             "experience to your team.", "Thank you for considering my application.", "Yours sincerely,",
             p.name]]


def letter_ar(p: Person, post: str) -> list[str]:
    return ["تحية طيبة وبعد،", f"الموضوع: طلب ترشيح لمنصب {post}",
            "يشرفني أن أتقدم إليكم بطلب ترشيحي لهذا المنصب، راجيا أن ينال اهتمامكم.",
            "وتقبلوا فائق التقدير والاحترام.", p.name]


# ---------------------------------------------------------------- firms: offers and papers


def methodology(firm_name: str, subject: str, pages: int = 2) -> list[Page]:
    body = [[f"# {firm_name}", "# Note méthodologique", f"Mission : {subject}",
             "1. Compréhension de la mission et des termes de référence",
             "2. Approche méthodologique : démarche participative, entretiens et focus groups"],
            ["3. Organisation de la mission et plan de travail", "Chronogramme prévisionnel sur 12 semaines",
             "4. Livrables : rapport de démarrage, rapport provisoire, rapport final"]]
    extra = [["Annexe : calendrier détaillé des ateliers", "Semaine 1 à 4 : collecte des données",
              "Semaine 5 à 8 : ateliers régionaux", "Semaine 9 à 12 : restitution"]]
    return (body + extra * max(0, pages - 2))[:max(pages, 1)]


def methodology_en(firm_name: str, subject: str) -> list[Page]:
    return [[f"# {firm_name}", "# Technical proposal", f"Assignment: {subject}",
             "1. Understanding of the assignment", "2. Methodology and approach: participatory, mixed methods",
             "3. Work plan and timeline", "4. Deliverables: inception report, draft and final report"]]


def financial(firm_name: str, index: int) -> list[Page]:
    days = 20 + index % 15
    rate = 3000 + 500 * (index % 5)
    total = days * rate
    return [[f"# {firm_name}", "# Offre financière", "Désignation | Nombre de jours | Prix unitaire (DH HT) | Montant",
             f"Honoraires consultant principal | {days} | {rate:,} | {total:,} DH".replace(",", " "),
             f"Total HT : {total:,} DH".replace(",", " "),
             f"TVA 20 % : {total // 5:,} DH".replace(",", " "),
             f"Total TTC : {total * 6 // 5:,} MAD".replace(",", " "),
             "Arrêtée la présente offre à la somme indiquée toutes taxes comprises."]]


def financial_en(firm_name: str, index: int) -> list[Page]:
    return [[f"# {firm_name}", "# Financial proposal", "Item | Days | Daily rate (MAD) | Amount",
             f"Lead consultant fees | {20 + index % 9} | 3500 | {3500 * (20 + index % 9)} MAD",
             "VAT 20%", f"Total amount: {4200 * (20 + index % 9)} MAD"]]


def references(firm_name: str) -> list[Page]:
    return [[f"# {firm_name}", "# Liste des références", "Missions similaires réalisées",
             "Intitulé de la mission | Maître d'ouvrage | Année de réalisation",
             "Évaluation d'un programme d'accès au droit | UNICEF | 2023",
             "Renforcement des capacités des associations | Fondation Drosos | 2022"]]


def attestation_bonne_execution(firm_name: str) -> list[Page]:
    return [["# Attestation de bonne exécution", f"Nous attestons que {firm_name} a réalisé pour notre compte",
             "la mission d'appui organisationnel à la satisfaction du maître d'ouvrage.",
             "Fait pour servir et valoir ce que de droit."]]


def administrative(firm_name: str, index: int) -> list[Page]:
    return [[f"# {firm_name}", "# Dossier administratif",
             f"Registre de commerce n° {40000 + index} - Casablanca",
             f"Identifiant commun de l'entreprise (ICE) : 00{index:06d}000059",
             "Attestation CNSS en cours de validité", "Statuts de la société et PV de l'assemblée générale"]]


def tax(firm_name: str, index: int) -> list[Page]:
    return [["Royaume du Maroc", "Direction Générale des Impôts", "# Attestation de régularité fiscale",
             f"Identifiant fiscal : {3300000 + index}",
             f"Le contribuable {firm_name} est en situation fiscale régulière."]]


def code_of_conduct(name: str) -> list[Page]:
    return [["# Oxfam - Code de conduite pour les non-staff",
             "Je m'engage à prévenir toute forme d'exploitation et abus sexuels.",
             "Safeguarding : tolérance zéro.", f"Nom : {name}", "Lu et approuvé, signature"]]


def terms(name: str) -> list[Page]:
    return [["# Oxfam - Conditions générales d'achat",
             "Les présentes conditions générales s'appliquent à toute commande.",
             "Paiement à 30 jours après réception de la facture.", f"Fournisseur : {name}", "Lu et approuvé"]]


def tdr_copy(subject: str) -> list[Page]:
    """The call's own terms of reference, which applicants often send back with their dossier."""
    return [["# Termes de référence", subject, "Contexte et justification",
             "Les candidatures doivent être envoyées par courriel avant la date limite."]]


def referees(p: Person) -> list[Page]:
    """An individual's references: people who can speak for them."""
    return [[f"# Références - {p.name}", "Référents professionnels :",
             f"M. Ahmed Kabbaj, directeur, {ORGS[(p.index + 1) % len(ORGS)]}, 06 61 22 33 44",
             f"Mme Leila Sqalli, coordinatrice, {ORGS[(p.index + 3) % len(ORGS)]}, leila.sqalli@example.org",
             "Lettre de recommandation disponible sur demande."]]


def referees_en(p: Person) -> list[Page]:
    return [[f"# References - {p.name}", "Referees:",
             f"Mr Ahmed Kabbaj, Director, {ORGS[(p.index + 1) % len(ORGS)]}",
             f"Ms Leila Sqalli, Programme Coordinator, {ORGS[(p.index + 3) % len(ORGS)]}"]]
