"""The demo's people, generated from compact tables with a fixed seed (pure; no I/O).

Four organisations, each with a mix of tracks (software, data, ML, sales, finance,
leadership, design). A learner wants what their goal names, at a low level, and has a
few skills of their track; a mentor is strong (4-5) in their track and has capacity; an
expert is at 5 and open to people of partner organisations. Same seed, same people.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field

SEED = 20270101


def _words(text: str) -> list[str]:
    return text.split()


FIRST = _words(
    "Amara Ben Chloé Daniel Elif Farah Gabriel Hana Ines Jonas Kofi Lena Mateo Nadia Omar Priya Quentin "
    "Rosa Sven Tariq Uma Viktor Wen Xavier Yara Zoe Aiko Bruno Carmen Dmitri Esther Felix Greta Hugo "
    "Isla Jamal Keiko Luca Maren Nikhil Olga Pablo Rania Sofia Tomás Ursula Valentina Wilhelm Ximena Yusuf"
)
LAST = _words(
    "Okafor Schmidt Dubois Rossi Yilmaz Haddad Silva Tanaka Novak Berg Mensah Kowalski García Rahman "
    "Costa Iyer Laurent Andersson Khan Petrova Nguyen Müller Moreau Fischer Ahmed O'Brien Jensen Santos "
    "Takahashi Horvat Lindqvist Mbeki Fernández Chen Weber Russo Kaya Nowak Pereira Sato"
)

# track -> (skills of the track, [(wanted skills, goal sentence)])
TRACKS: dict[str, tuple[list[str], list[tuple[list[str], str]]]] = {
    "software": (
        [
            "Python",
            "TypeScript",
            "Go",
            "React",
            "PostgreSQL",
            "Docker",
            "Kubernetes",
            "Testing",
            "System design",
        ],
        [
            (["Kubernetes", "Docker"], "Run our services on Kubernetes without fear"),
            (["System design"], "Design systems that survive ten times the load"),
            (["Rust"], "Write my first production service in Rust"),
            (["React", "TypeScript"], "Build a polished front end in React and TypeScript"),
            (["Machine learning"], "Add a recommendation feature backed by machine learning"),
        ],
    ),
    "data": (
        [
            "SQL",
            "Python",
            "pandas",
            "dbt",
            "Airflow",
            "Data visualisation",
            "Statistics",
            "Power BI",
            "Spark",
        ],
        [
            (["Machine learning", "Statistics"], "Build my first production machine learning model"),
            (["dbt", "Airflow"], "Own a reliable data pipeline end to end"),
            (["Spark"], "Process our event logs at scale with Spark"),
            (["Data visualisation", "Power BI"], "Tell clearer stories with dashboards"),
        ],
    ),
    "ml": (
        [
            "Machine learning",
            "Deep learning",
            "PyTorch",
            "NLP",
            "MLOps",
            "Statistics",
            "Python",
            "Computer vision",
        ],
        [
            (["MLOps"], "Take models from notebooks to monitored production"),
            (["NLP", "LLM fine-tuning"], "Fine-tune a language model for our support tickets"),
            (["Deep learning", "PyTorch"], "Move from classic ML to deep learning"),
            (["Computer vision"], "Ship an image classifier for quality control"),
        ],
    ),
    "sales": (
        [
            "Negotiation",
            "Salesforce",
            "Account management",
            "Prospecting",
            "Pricing strategy",
            "Public speaking",
        ],
        [
            (["Negotiation"], "Close larger deals without giving away margin"),
            (["Pricing strategy"], "Design pricing for our new enterprise tier"),
            (["Public speaking"], "Present confidently at industry events"),
            (["Data visualisation"], "Use data to forecast my pipeline"),
        ],
    ),
    "finance": (
        ["Financial modelling", "Excel", "Accounting", "FP&A", "Budgeting", "Risk management", "Valuation"],
        [
            (["Financial modelling", "Valuation"], "Build a three-statement model for an acquisition"),
            (["Python", "pandas"], "Automate our monthly reporting with Python"),
            (["Risk management"], "Set up a risk framework for the treasury team"),
            (["Power BI"], "Replace spreadsheets with live finance dashboards"),
        ],
    ),
    "leadership": (
        ["People management", "Coaching", "Feedback", "Strategy", "Hiring", "Conflict resolution", "OKRs"],
        [
            (["People management", "Feedback"], "Grow into my first team lead role"),
            (["Coaching"], "Coach my team instead of solving everything myself"),
            (["Strategy", "OKRs"], "Set a strategy my team understands and follows"),
            (["Hiring"], "Run a fair and fast hiring process"),
        ],
    ),
    "design": (
        ["UX research", "Figma", "Interaction design", "Accessibility", "Prototyping", "Design systems"],
        [
            (["Accessibility"], "Make our product usable for everyone"),
            (["Design systems"], "Build a design system engineers love to use"),
            (["UX research"], "Run user interviews that change the roadmap"),
            (["React"], "Prototype my designs in code"),
        ],
    ),
}

TRACK_TITLES = {
    "software": "Software engineer", "data": "Data analyst", "ml": "Machine learning engineer",
    "sales": "Account executive", "finance": "Finance analyst", "leadership": "Team lead",
    "design": "Product designer",
}  # fmt: skip


@dataclass(frozen=True)
class DemoOrg:
    key: str
    name: str
    kind: str
    domain: str
    size: int
    tracks: dict[str, int]  # track -> weight
    timezones: tuple[str, ...]


ORGS = (
    DemoOrg("northwind", "Northwind Analytics", "partner", "northwind.example", 40,
            {"data": 4, "ml": 3, "leadership": 2, "design": 1}, ("Europe/London", "Europe/Berlin")),
    DemoOrg("bluepeak", "Bluepeak Software", "partner", "bluepeak.example", 40,
            {"software": 5, "ml": 2, "design": 2, "leadership": 1}, ("America/New_York", "America/Chicago")),
    DemoOrg("meridian", "Meridian Finance Group", "partner", "meridian.example", 35,
            {"finance": 4, "sales": 4, "data": 1, "leadership": 1}, ("Europe/Paris", "Asia/Singapore")),
    DemoOrg("circle", "Open Learning Circle", "community", "circle.example", 35,
            {t: 1 for t in TRACKS},
            ("America/Sao_Paulo", "Africa/Lagos", "Asia/Kolkata", "Australia/Sydney")),
)  # fmt: skip

# Two cross-org cohorts: (name, topic, owner org key, invited org keys, tracks of the members)
COHORTS = (
    ("Data & ML Guild", "From SQL to production machine learning", "northwind", ("bluepeak", "circle"),
     {"data", "ml"}),
    ("Commercial Leadership Circle", "Selling, pricing and leading commercial teams", "meridian",
     ("northwind",), {"sales", "finance", "leadership"}),
)  # fmt: skip


@dataclass
class DemoPerson:
    org_key: str
    track: str
    display_name: str
    email: str
    roles: list[str]
    timezone: str
    weekly_hours: float
    goal: str
    bio: str
    mentor_capacity: int
    open_to_external: bool
    have: list[tuple[str, int]] = field(default_factory=list)
    want: list[tuple[str, int]] = field(default_factory=list)

    def skills(self) -> list[dict[str, object]]:
        return [{"name": n, "level": lvl, "wants": False} for n, lvl in self.have] + [
            {"name": n, "level": lvl, "wants": True} for n, lvl in self.want
        ]


def build_people(seed: int = SEED) -> list[DemoPerson]:
    """Every demo person, the first of each org its admin; deterministic for a seed."""
    rng = random.Random(seed)
    people: list[DemoPerson] = []
    used_names: set[str] = set()
    for org in ORGS:
        tracks = [t for t, weight in org.tracks.items() for _ in range(weight)]
        for i in range(org.size):
            name = _unique_name(rng, used_names)
            kind = "admin" if i == 0 else rng.choices(["learner", "mentor", "expert"], weights=[13, 5, 2])[0]
            track = "leadership" if kind == "admin" else rng.choice(tracks)
            people.append(_person(rng, org, name, kind, track))
    return people


def _unique_name(rng: random.Random, used: set[str]) -> str:
    while True:
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        if name not in used:
            used.add(name)
            return name


def _person(rng: random.Random, org: DemoOrg, name: str, kind: str, track: str) -> DemoPerson:
    pool, goals = TRACKS[track]
    wanted, goal = rng.choice(goals)
    have_names = [s for s in rng.sample(pool, k=rng.randint(3, 5)) if s not in wanted]
    if kind == "learner":
        have = [(s, rng.randint(2, 4)) for s in have_names]
        want = [(s, rng.randint(1, 2)) for s in wanted]
    else:  # mentors, experts and admins are strong in their track and learn something new
        have = [(s, rng.randint(4, 5) if kind != "expert" else 5) for s in have_names]
        other = rng.choice([t for t in TRACKS if t != track])
        want_name = rng.choice(TRACKS[other][0])
        want = [] if want_name in have_names else [(want_name, rng.randint(1, 2))]
        goal = {
            "mentor": f"Help colleagues grow in {have_names[0]} while I learn {want_name}",
            "expert": f"Share what I know about {have_names[0]} with partner teams",
            "admin": f"Build a learning culture at {org.name}",
        }[kind]
    roles = {"learner": ["learner"], "mentor": ["learner", "mentor"], "expert": ["expert", "mentor"],
             "admin": ["org_admin", "learner"]}[kind]  # fmt: skip
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    email_name = ascii_name.lower().replace(" ", ".").replace("'", "")
    return DemoPerson(
        org_key=org.key,
        track=track,
        display_name=name,
        email=f"{email_name}@{org.domain}",
        roles=roles,
        timezone=rng.choice(org.timezones),
        weekly_hours=float(rng.choice([1, 2, 2, 3, 4, 5])),
        goal=goal,
        bio=f"{TRACK_TITLES[track]} at {org.name}.",
        mentor_capacity=rng.randint(1, 3) if kind in ("mentor", "expert") else 0,
        open_to_external=kind == "expert" or (kind == "mentor" and rng.random() < 0.3),
        have=have,
        want=want,
    )


def roster_csv(people: list[DemoPerson]) -> str:
    """The people as the CSV the import endpoint reads (with the optional columns)."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["display_name", "email", "roles", "timezone", "weekly_hours", "skills_have",
                     "skills_want", "goal", "bio", "mentor_capacity", "open_to_external"])  # fmt: skip
    for p in people:
        writer.writerow([
            p.display_name, p.email, ";".join(p.roles), p.timezone, p.weekly_hours,
            ";".join(f"{n}:{lvl}" for n, lvl in p.have), ";".join(f"{n}:{lvl}" for n, lvl in p.want),
            p.goal, p.bio, p.mentor_capacity, "true" if p.open_to_external else "false",
        ])  # fmt: skip
    return out.getvalue()
