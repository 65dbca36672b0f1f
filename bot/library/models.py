"""The content schema: what a card, a source and the subject's note may hold.

Pydantic models so the same definition validates YAML and prints a JSON Schema for
maintainers' editors. Every model forbids unknown keys: a typo must be reported, not
silently dropped.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
LOCATOR_PATTERN = r"^([SPp])(\d+)(?:\s*[-–]\s*([SPp])?(\d+))?$"
LOCATOR_RE = re.compile(LOCATOR_PATTERN)

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=64)]
Text = Annotated[str, StringConstraints(pattern=r"\S")]
Title = Annotated[str, StringConstraints(pattern=r"\S", max_length=256)]
Summary = Annotated[str, StringConstraints(pattern=r"\S", max_length=100)]
Locator = Annotated[str, StringConstraints(pattern=LOCATOR_PATTERN)]


class Kind(StrEnum):
    """The kinds of card members can look up."""

    APPROACH = "approach"
    EXPERT = "expert"
    MYTH = "myth"
    PROMPT = "prompt"

    @property
    def section(self) -> str:
        """Name of the YAML section holding cards of this kind."""
        return f"{self.value}es" if self is Kind.APPROACH else f"{self.value}s"


class EvidenceLevel(StrEnum):
    """How strong the source says the evidence is, in the source's own hedges."""

    NONE = "none"
    OPINION = "opinion"
    WEAK = "weak"
    UNCLEAR = "unclear"
    DISPUTED = "disputed"
    MODEST = "modest"
    MODERATE = "moderate"
    STRONG = "strong"
    NOT_APPLICABLE = "not-applicable"

    @property
    def label(self) -> str:
        """Human wording for cards."""
        return _EVIDENCE_LABELS[self]


_EVIDENCE_LABELS = {
    EvidenceLevel.NONE: "No evidence",
    EvidenceLevel.OPINION: "Expert opinion only",
    EvidenceLevel.WEAK: "Weak evidence",
    EvidenceLevel.UNCLEAR: "Unclear evidence",
    EvidenceLevel.DISPUTED: "Disputed",
    EvidenceLevel.MODEST: "Modest evidence",
    EvidenceLevel.MODERATE: "Moderate evidence",
    EvidenceLevel.STRONG: "Strong evidence",
    EvidenceLevel.NOT_APPLICABLE: "No claim of effect",
}

Audience = Literal["compulsive", "offenders"]


class Strict(BaseModel):
    """Base for every content model: unknown keys are errors, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


class Evidence(Strict):
    level: EvidenceLevel = Field(description="How strong the source says the evidence is.")
    note: Text = Field(description="One line: why this level, in the source's words.")


class Citation(Strict):
    source: Slug = Field(description="Id of an entry in `sources`.")
    at: Locator = Field(description="Where in the source: S12, S12-S14, P3 or p7.")


class Position(Strict):
    text: Text = Field(description="A position the source attributes to the expert, in our words.")
    at: Locator = Field(description="Where in the card's first source it stands.")


class Card(Strict):
    """Fields every card has."""

    kind: ClassVar[Kind]

    id: Slug = Field(description="Stable slug; never change it once a cohort uses it.")
    title: Title
    aliases: list[Text] = Field(default_factory=list, description="Other names members type.")
    replaces: list[Slug] = Field(default_factory=list, description="Former ids of this card.")
    summary: Summary = Field(description="One line shown in menus and autocomplete.")
    text: Text = Field(description="The body in Markdown, in our own words.")
    sources: list[Citation] = Field(min_length=1)
    related: list[Slug] = Field(default_factory=list, description="Ids of related cards.")

    def names(self) -> list[str]:
        """Every name that finds this card."""
        return [self.id, self.title, *self.aliases, *self.replaces]


MIN_OPTIONS, MAX_OPTIONS = 2, 4
CheckId = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=24)]
Option = Annotated[str, StringConstraints(pattern=r"\S", max_length=80)]


class Check(Strict):
    """An application question on an approach: a situation, options, the best one and why.

    Members meet it in /practice; ``id`` is kept with their answers, so never reuse one.
    """

    id: CheckId = Field(description="Slug, unique on this card (at most 24 characters).")
    situation: Text = Field(description="A short situation, in our own words.")
    options: list[Option] = Field(description="2 to 4 answers, each at most 80 characters.")
    answer: int = Field(description="The number of the best option, counting from 1.")
    why: Text = Field(description="Why it is the best answer, in the source's hedges.")
    at: Locator = Field(description="Where in the card's first source the answer stands.")

    @model_validator(mode="after")
    def _answer_is_an_option(self) -> Check:
        count = len(self.options)
        if not MIN_OPTIONS <= count <= MAX_OPTIONS:
            raise ValueError(f"a check needs {MIN_OPTIONS} to {MAX_OPTIONS} options; found {count}")
        if not 1 <= self.answer <= count:
            raise ValueError(f"answer is {self.answer}, but the options are numbered 1 to {count}")
        return self


class Approach(Card):
    kind: ClassVar[Kind] = Kind.APPROACH
    evidence: Evidence
    audience: list[Audience] = Field(
        min_length=1, description="compulsive and/or offenders: the source's two groups."
    )
    checks: list[Check] = Field(
        default_factory=list, description="Optional application questions for /practice."
    )


class Expert(Card):
    kind: ClassVar[Kind] = Kind.EXPERT
    evidence: Evidence
    name: Title
    role: Text
    affiliation: Text
    positions: list[Position] = Field(min_length=1)


class Myth(Card):
    kind: ClassVar[Kind] = Kind.MYTH
    evidence: Evidence
    claim: Text = Field(description="The belief, as people say it.")
    reality: Text = Field(description="What the source says instead.")


class Prompt(Card):
    kind: ClassVar[Kind] = Kind.PROMPT
    evidence: Evidence | None = None
    question: Text = Field(description="What the cohort discusses: judgement, not recall.")
    draws_on: list[Slug] = Field(default_factory=list, description="Card ids it builds on.")
    week: Annotated[int, Field(ge=1, le=52)] | None = None


class Source(Strict):
    id: Slug
    title: Title
    kind: Text = Field(description="e.g. news report")
    year: Annotated[int, Field(ge=1800, le=2100)]
    subject: Text
    locator: Literal["sentence", "paragraph", "page"]
    length: Annotated[int, Field(ge=1)] = Field(description="Sentences/paragraphs/pages in all.")
    note: Text | None = None

    @property
    def locator_letter(self) -> str:
        """The letter a locator in this source's scheme starts with."""
        return {"sentence": "S", "paragraph": "P", "page": "p"}[self.locator]


class About(Strict):
    name: Title
    description: Annotated[str, StringConstraints(pattern=r"\S", max_length=4096)]
    content_note: Annotated[str, StringConstraints(pattern=r"\S", max_length=1024)]


CARD_MODELS: dict[str, type[Card]] = {
    kind.section: model
    for kind, model in (
        (Kind.APPROACH, Approach),
        (Kind.EXPERT, Expert),
        (Kind.MYTH, Myth),
        (Kind.PROMPT, Prompt),
    )
}
SECTIONS: tuple[str, ...] = ("about", "sources", *CARD_MODELS)


class ContentFile(Strict):
    """One YAML file under content/: any of the sections, each optional."""

    about: About | None = None
    sources: list[Source] | None = None
    approaches: list[Approach] | None = None
    experts: list[Expert] | None = None
    myths: list[Myth] | None = None
    prompts: list[Prompt] | None = None


def json_schema() -> dict[str, Any]:
    """JSON Schema of a content file, for editors' YAML plugins."""
    schema = ContentFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "cohort-bot content file"
    return schema
