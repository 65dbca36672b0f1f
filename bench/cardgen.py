"""Generate a large, valid content folder (the format of content/README.md), reproducibly.

Cards look like the shipped ones: a title, an alias on half of them, a one-line summary,
a ~600-character body citing sentence locators, evidence, two-way related links (each
card to its neighbour of the same kind, and approach ``n`` to myth ``n``), and the
fields of its kind. Names come from word lists per kind, so members' typing finds real
prefixes, words and near misses. ``check_content`` must accept the result: the content
benchmark asserts it.
"""

from __future__ import annotations

import itertools
import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

KINDS = ("approaches", "experts", "myths", "prompts")
CARDS_PER_FILE = 500
SOURCES = (("cohort-report", 400), ("field-survey", 300), ("review-article", 600))

_APPROACH_WORDS = (
    (
        "cognitive",
        "structured",
        "brief",
        "intensive",
        "guided",
        "peer-led",
        "family",
        "community",
        "residential",
        "online",
        "restorative",
        "motivational",
        "mindful",
        "trauma-informed",
        "supervised",
        "integrated",
    ),
    (
        "reframing",
        "counselling",
        "coaching",
        "accountability",
        "supervision",
        "relapse prevention",
        "empathy training",
        "impulse control",
        "group work",
        "skills training",
        "case management",
        "risk assessment",
        "psychoeducation",
        "aftercare",
        "mentoring",
        "journaling",
    ),
    (
        "for first offenders",
        "in groups",
        "after release",
        "at work",
        "on campus",
        "with partners",
        "by phone",
        "for young adults",
        "in prison",
        "over twelve weeks",
        "with booster sessions",
        "in the community",
    ),
)
_EXPERT_WORDS = (
    (
        "Dana",
        "Ravi",
        "Mira",
        "Tomas",
        "Ines",
        "Kofi",
        "Lena",
        "Omar",
        "Priya",
        "Jonas",
        "Aiko",
        "Bruno",
        "Chloe",
        "Diego",
        "Elif",
        "Farah",
        "Gustav",
        "Hana",
        "Ivan",
        "Julia",
        "Kenji",
        "Lucia",
        "Marek",
        "Nadia",
        "Oskar",
        "Paula",
        "Quentin",
        "Rosa",
        "Sami",
        "Tara",
        "Ulla",
        "Viktor",
        "Wen",
        "Xenia",
        "Yusuf",
        "Zora",
        "Amara",
        "Bence",
        "Carmen",
        "Dmitri",
        "Esther",
        "Felix",
        "Greta",
        "Hugo",
        "Ilse",
        "Joao",
        "Kira",
        "Lior",
        "Maeve",
        "Nils",
    ),
    (
        "Whitfield",
        "Okafor",
        "Lindqvist",
        "Moreau",
        "Castellano",
        "Brandt",
        "Nakamura",
        "Haddad",
        "Kowalski",
        "Ferreira",
        "Osei",
        "Van Dijk",
        "Petrov",
        "Gallagher",
        "Mendes",
        "Rahman",
        "Schultz",
        "Tanaka",
        "Varga",
        "Yilmaz",
        "Adeyemi",
        "Bergstrom",
        "Cohen",
        "Dubois",
        "Eriksen",
        "Fontaine",
        "Grieve",
        "Holm",
        "Iqbal",
        "Jansen",
        "Keller",
        "Lopez",
        "Marsh",
        "Novak",
        "Ortega",
        "Pike",
        "Quinn",
        "Rossi",
        "Sato",
        "Thorne",
        "Ueda",
        "Voss",
        "Ward",
        "Xu",
        "Young",
        "Zimmer",
        "Abbott",
        "Blake",
        "Crane",
        "Dahl",
    ),
    ("",),
)
_MYTH_WORDS = (
    (
        "Therapy",
        "Medication",
        "An apology",
        "Prison",
        "Counselling",
        "A diagnosis",
        "Treatment",
        "Remorse",
        "Training",
        "A pledge",
        "Supervision",
        "Age",
        "Marriage",
        "Rehab",
        "Religion",
    ),
    (
        "always",
        "never",
        "quickly",
        "reliably",
        "usually",
        "completely",
        "permanently",
        "easily",
        "rarely",
        "fully",
    ),
    (
        "ends offending",
        "changes attitudes",
        "prevents relapse",
        "proves remorse",
        "cures compulsion",
        "restores trust",
        "removes risk",
        "fixes empathy",
        "stops harassment",
        "works for everyone",
        "predicts behaviour",
        "reduces harm",
        "replaces accountability",
        "ends denial",
        "settles the matter",
        "needs no follow-up",
        "works without consent",
        "works in a week",
    ),
)
_PROMPT_WORDS = (
    (
        "Weighing",
        "Judging",
        "Explaining",
        "Questioning",
        "Comparing",
        "Defending",
        "Challenging",
        "Reporting",
        "Trusting",
        "Doubting",
        "Measuring",
        "Framing",
        "Balancing",
        "Deciding",
        "Reviewing",
    ),
    (
        "evidence",
        "remorse",
        "risk",
        "treatment claims",
        "expert opinion",
        "a pledge",
        "recidivism data",
        "a diagnosis",
        "an apology",
        "a referral",
        "a complaint",
        "a relapse",
        "a programme",
        "an outcome",
        "a label",
        "a recommendation",
    ),
    (
        "as a clinician",
        "as an investigator",
        "as a student",
        "in a workplace",
        "in a court",
        "on campus",
        "in the press",
        "with the survivor",
        "with a manager",
        "under time pressure",
        "without records",
        "in week one",
    ),
)
WORDS = {
    "approaches": _APPROACH_WORDS,
    "experts": _EXPERT_WORDS,
    "myths": _MYTH_WORDS,
    "prompts": _PROMPT_WORDS,
}
_FILLER = (
    "The report describes how {topic} is used and what the people running it hope for",
    "It notes that few studies follow people for long enough to see whether {topic} lasts",
    "Practitioners quoted in the report disagree about who {topic} suits best",
    "The evidence it cites is small, and most of it comes from one group of clinics",
    "It adds that {topic} is rarely offered on its own, which makes its effect hard to isolate",
    "Critics quoted in the report say the claims made for {topic} outrun the data",
    "Supporters answer that waiting for perfect evidence leaves people with nothing",
    "The report closes the point by asking who decides when {topic} has worked",
)
EVIDENCE_LEVELS = ("none", "opinion", "weak", "unclear", "disputed", "modest", "moderate")


@dataclass(frozen=True)
class Generated:
    """What was written: the folder, its files and how many cards of each kind."""

    folder: Path
    files: list[Path]
    counts: dict[str, int]

    @property
    def cards(self) -> int:
        return sum(self.counts.values())


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:64].strip("-")


def _titles(kind: str, count: int, rng: random.Random) -> list[str]:
    first, second, third = WORDS[kind]
    combos = list(itertools.product(first, second, third))
    if count > len(combos):
        raise ValueError(f"only {len(combos)} distinct {kind} names; asked for {count}")
    picked = rng.sample(combos, count)
    if kind == "approaches":
        return [f"{a.capitalize()} {b} {c}" for a, b, c in picked]
    if kind == "experts":
        return [f"{a} {b}" for a, b, _ in picked]
    return [f"{a} {b} {c}" for a, b, c in picked]


def _locator(rng: random.Random, length: int) -> str:
    start = rng.randint(1, length - 6)
    return f"S{start}" if rng.random() < 0.4 else f"S{start}-S{start + rng.randint(1, 5)}"


def _body(topic: str, rng: random.Random, length: int) -> str:
    sentences = rng.sample(_FILLER, 5)
    parts = [f"{s.format(topic=topic.lower())} ({_locator(rng, length)})." for s in sentences]
    return " ".join(parts[:3]) + "\n\n" + " ".join(parts[3:])


def _cards(kind: str, count: int, rng: random.Random, offset: int) -> list[dict[str, Any]]:
    titles = _titles(kind, count, rng)
    cards: list[dict[str, Any]] = []
    for index, title in enumerate(titles):
        source, length = SOURCES[(offset + index) % len(SOURCES)]
        card: dict[str, Any] = {"id": _slug(title), "title": title}
        if kind == "experts":
            card["aliases"] = [f"Dr. {title}"]
        elif index % 2 == 0:
            initials = "".join(word[0] for word in title.split() if word[0].isalnum())
            card["aliases"] = [f"{initials.upper()} {offset + index}"]
        card["summary"] = f"What the report says about {title.lower()}"[:100]
        card["text"] = _body(title, rng, length)
        card["sources"] = [
            {"source": source, "at": _locator(rng, length)} for _ in range(rng.randint(1, 3))
        ]
        level = rng.choice(EVIDENCE_LEVELS)
        evidence = {"level": level, "note": f"The report calls the evidence {level} here."}
        if kind == "approaches":
            card["audience"] = rng.choice(
                [["compulsive"], ["offenders"], ["compulsive", "offenders"]]
            )
            card["evidence"] = evidence
        elif kind == "experts":
            card["name"] = title
            card["role"] = rng.choice(
                ("professor of psychology", "clinical director", "researcher")
            )
            card["affiliation"] = rng.choice(("a university clinic", "a national association"))
            card["positions"] = [
                {
                    "text": f"{title} argues that {rng.choice(_FILLER).format(topic='treatment')}.",
                    "at": _locator(rng, length),
                }
                for _ in range(rng.randint(1, 3))
            ]
            card["evidence"] = {"level": "not-applicable", "note": "Biographical."}
        elif kind == "myths":
            card["claim"] = f"{title}."
            card["reality"] = f"The report finds no support for the idea that {title.lower()}."
            card["evidence"] = evidence
        else:
            card["question"] = (
                f"How would you go about {title.lower()}, and what would change your mind?"
            )
            card["week"] = index % 52 + 1
        cards.append(card)
    return cards


def _link(cards: dict[str, list[dict[str, Any]]]) -> None:
    """Two-way related links: neighbours of a kind, and approach n with myth n."""
    for kind in ("approaches", "experts", "myths"):
        group = cards[kind]
        for first, second in zip(group[::2], group[1::2], strict=False):
            first.setdefault("related", []).append(second["id"])
            second.setdefault("related", []).append(first["id"])
    for approach, myth in zip(cards["approaches"], cards["myths"], strict=False):
        approach.setdefault("related", []).append(myth["id"])
        myth.setdefault("related", []).append(approach["id"])
    pool = [card["id"] for kind in ("approaches", "myths") for card in cards[kind]]
    for number, prompt in enumerate(cards["prompts"]):
        prompt["draws_on"] = [pool[(number * 7) % len(pool)], pool[(number * 13 + 1) % len(pool)]]


def _dump(path: Path, data: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=88))
    return path


def generate(folder: Path, total: int, seed: int = 2026) -> Generated:
    """Write ``total`` cards (split evenly over the four kinds) plus about and sources."""
    rng = random.Random(seed)
    per_kind = {kind: total // len(KINDS) for kind in KINDS}
    per_kind[KINDS[0]] += total - sum(per_kind.values())
    cards = {
        kind: _cards(kind, count, rng, offset=number * 100_000)
        for number, (kind, count) in enumerate(per_kind.items())
    }
    _link(cards)
    files = [
        _dump(
            folder / "about.yaml",
            {
                "about": {
                    "name": "Benchmark curriculum",
                    "description": "Generated cards for measuring cohort-bot at scale.",
                    "content_note": "Generated text; no real content.",
                }
            },
        ),
        _dump(
            folder / "sources.yaml",
            {
                "sources": [
                    {
                        "id": source,
                        "title": source.replace("-", " ").title(),
                        "kind": "report",
                        "year": 2020,
                        "subject": "Generated for benchmarks.",
                        "locator": "sentence",
                        "length": length,
                    }
                    for source, length in SOURCES
                ]
            },
        ),
    ]
    for kind, group in cards.items():
        for start in range(0, len(group), CARDS_PER_FILE):
            chunk = group[start : start + CARDS_PER_FILE]
            name = f"{kind}-{start // CARDS_PER_FILE + 1:03d}.yaml"
            files.append(_dump(folder / kind / name, {kind: chunk}))
    return Generated(folder, files, {kind: len(group) for kind, group in cards.items()})
