"""The domain model every layer speaks: frameworks, reports, chunks, letters, evidence and drafts."""

from __future__ import annotations

import re
from enum import Enum
from typing import Literal

from pydantic import BaseModel, Field, computed_field, field_validator, model_validator


class Grade(str, Enum):
    """The panel's grade scale, best first. The order matters: leniency and within-one metrics use it."""

    FM = "FM"
    PM = "PM"
    PS = "PS"
    NM = "NM"

    @property
    def rank(self) -> int:
        """0 for FM (best) to 3 for NM (worst)."""
        return list(Grade).index(self)

    @classmethod
    def codes(cls) -> list[str]:
        return [grade.value for grade in cls]


class GradeLevel(BaseModel):
    """What one grade of the scale is called in a framework's letters, and what it means in the grade key."""

    code: Grade
    meaning: str
    label: str = Field(default="", description="How the letter names the grade ('Fully met'); empty: the code")

    @property
    def name(self) -> str:
        return self.label or self.code.value


PointStatus = Literal["addressed", "partly", "missing"]


class GuidancePoint(BaseModel):
    """One thing the panel looks for in an answer. The panel tunes these in the framework file, not in code."""

    text: str
    core: bool = Field(default=False, description="Without it the answer cannot be more than partially met")
    cues: list[str] = Field(
        default_factory=list,
        description="Phrases or regular expressions that signal the point is addressed (case-insensitive)",
    )
    ask: str = Field(default="", description="How the panel asks for it when missing: 'the type of the complaints'")
    requires: list[str] = Field(
        default_factory=list,
        description="Words, one of which a sentence must use to support the point at all (case-insensitive regular "
                    "expressions; empty: any sentence may): the activity a point names ('monitor', 'evaluat' for "
                    "participatory monitoring and evaluation), so that a sentence near the question's topic but "
                    "silent on it backs nothing. A sentence that uses one speaks to the point whichever point it is "
                    "closest to",
    )

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: object) -> object:
        return {"text": value} if isinstance(value, str) else value

    @field_validator("cues", "requires")
    @classmethod
    def _patterns(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern, re.IGNORECASE)
            except re.error as error:
                raise ValueError(f"not a regular expression: {pattern!r} ({error})") from None
        return patterns


class Question(BaseModel):
    """One section of a reporting framework. Ungraded questions (an opening statement) get commentary only."""

    number: int
    title: str
    text: str
    guidance: list[GuidancePoint] = Field(default_factory=list, description="What the panel looks for in an answer")
    graded: bool = True

    @property
    def guidance_texts(self) -> list[str]:
        return [point.text for point in self.guidance]

    @property
    def defining(self) -> list[bool]:
        """Which points say what the question is about: its core points (all of them where none is core)."""
        core = [point.core for point in self.guidance]
        return core if any(core) else [True] * len(core)


class Rubric(BaseModel):
    """How sentences become point statuses and statuses become a grade. Data in the framework file, so the panel
    can tune it without touching code; docs/framework-format.md explains each field."""

    addressed_similarity: float = Field(0.5, description="Sentence-to-point score (similarity plus cue bonus) that "
                                        "makes the point strongly")
    partly_similarity: float = Field(0.38, description="Below this score a sentence says nothing about the point")
    cue_bonus: float = Field(0.25, description="Added to the similarity where one of the point's cues occurs")
    shared_support_margin: float = Field(0.1, description="In a question's own section, a sentence supports the "
                                         "point it scores highest for and any other within this margin of it")
    nm_missing_share: float = Field(0.65, description="Share of all points missing that makes an answer not met")
    ps_gaps: float = Field(3.0, description="Gaps that make an answer PS: a missing point counts 1, a partly one "
                           "partly_gap_weight")
    partly_gap_weight: float = 0.5
    fm_max_missing: int = Field(0, description="Further (non-core) points an FM answer may leave missing")
    fm_max_partly: int = Field(2, description="Further points an FM answer may address only partly")
    fm_min_specific: int = Field(2, description="Sentences with figures or names an FM answer needs; fewer is thin")
    min_answer_words: int = Field(30, description="An answer shorter than this is taken as not given")


class LetterLayout(BaseModel):
    """How a framework's feedback letter reads: the template file holding its greeting, frame and closing, and the
    wording of its headings. Data in the framework file (its `letter` block), so a panel's letter is not written in
    code. The texts take $placeholders (string.Template): $member, $year, $round; $number, $title, $text in
    `question_heading`; $grade in `grade_line`."""

    template: str = Field("letter_default", description="The letter's frame: prompts/TEMPLATE.md, with $addressee, "
                          "$remarks, $panel, $member and $year")
    panel: str = Field("the Review Panel", description="Who writes the letter, as the template names it")
    title: str = "$member: feedback from the Review Panel"
    subtitle: str = "Report $year"
    review_round: str = "Review round $round"
    addressee: str = Field("$member team", description="Who the letter greets")
    # Where the letter's $member and $year stand while the review does not know them: visible, bracketed, never a
    # guess such as the file name's 'Report'.
    missing_member: str = "[ORGANISATION]"
    missing_year: str = "[YEAR]"
    missing_remarks: str = "[Overall remarks to be written by the Panel.]"
    questions_heading: str = "Responses"
    question_heading: str = "$number $title"
    grade_line: str = "Grade: $grade"
    # Beside a grade the assistant suggested while a core point's status is still to be checked.
    provisional_mark: str = "(provisional: $note)"
    key_heading: str = "Key"
    key_columns: tuple[str, str] = ("Grade", "Explanation")


class Framework(BaseModel):
    id: str
    name: str
    version: str = ""
    questions: list[Question]
    grades: list[GradeLevel]
    rubric: Rubric = Field(default_factory=Rubric)
    letter: LetterLayout = Field(default_factory=LetterLayout)

    def grade_name(self, grade: Grade) -> str:
        """The grade as this framework's letters write it."""
        return next((level.name for level in self.grades if level.code == grade), grade.value)

    def question(self, number: int) -> Question:
        for question in self.questions:
            if question.number == number:
                return question
        raise KeyError(f"framework {self.id} has no question {number}")

    @property
    def graded_questions(self) -> list[Question]:
        return [question for question in self.questions if question.graded]

    @property
    def statement_question(self) -> Question | None:
        """The ungraded question (an opening statement), which the letter gives its own place before the rest."""
        return next((question for question in self.questions if not question.graded), None)


class Chunk(BaseModel):
    """A passage of a report or letter, with where it came from."""

    id: str
    doc_id: str = Field(description="Content hash of the source file: re-ingesting the same file is a no-op")
    text: str
    source: str = Field(description="File name the passage came from")
    kind: str = Field(default="report", description="'report' or 'letter'")
    page: int | None = Field(default=None, description="1-based page, where the format has pages")
    section: str = Field(default="", description="Nearest heading above the passage")
    chapter: str = Field(default="", description="The report's chapter the passage is in: its nearest heading at the "
                                                 "report's chapter level (empty in indexes made before it was kept)")
    question: int | None = Field(default=None, description="Framework question the passage answers, if detected")
    position: int = Field(default=0, description="Order of the passage within its document")
    member: str = ""
    year: int | None = None
    grade: Grade | None = Field(default=None, description="For letter passages: the panel's grade on that question")
    framework: str = Field(default="", description="Framework whose questions `question` refers to (reports)")

    @property
    def location(self) -> str:
        """A human citation: 'p. 4' where pages exist, else the section."""
        if self.page is not None:
            return f"p. {self.page}"
        return f"section '{self.section}'" if self.section else f"passage {self.position + 1}"


class Hit(BaseModel):
    """A retrieved chunk with its fused score and the ranks each signal gave it (None: not in that list)."""

    chunk: Chunk
    score: float
    dense_rank: int | None = None
    lexical_rank: int | None = None
    similarity: float | None = Field(default=None, description="Cosine similarity to the query, where dense found it")


class Page(BaseModel):
    number: int | None
    text: str


class SuspectText(BaseModel):
    """Text taken out of a report before indexing, shown to the secretariat: an instruction addressed to a reader or
    tool ('injection'), or text a human reader cannot see in the file ('hidden': white, tiny, off-page, covered)."""

    kind: Literal["injection", "hidden"]
    page: int | None = None
    text: str
    reason: str


class Document(BaseModel):
    """A file read into text, before chunking."""

    doc_id: str
    source: str
    pages: list[Page]
    warnings: list[str] = Field(default_factory=list)
    suspects: list[SuspectText] = Field(default_factory=list, description="Text removed: hidden or injected")

    @property
    def text(self) -> str:
        return "\n\n".join(page.text for page in self.pages)


class QuestionFeedback(BaseModel):
    """The panel's commentary and grade on one framework question, as parsed from a letter."""

    number: int
    title: str = ""
    commentary: str
    grade: Grade | None = None


class Letter(BaseModel):
    """A panel feedback letter, parsed into its parts."""

    member: str = ""
    report_year: int | None = None
    review_round: str = ""
    source: str = ""
    overall_remarks: str = Field(default="", description="Greeting and overall remarks, up to the signature")
    opening_statement: str = Field(default="", description="Commentary on the head of organisation's statement")
    questions: list[QuestionFeedback] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)

    def feedback(self, number: int) -> QuestionFeedback | None:
        return next((q for q in self.questions if q.number == number), None)


class Evidence(BaseModel):
    """A quote from the report that supports a claim, with where it stands."""

    quote: str
    page: int | None = None
    section: str = ""
    chunk_id: str = ""
    verified: bool = Field(default=False, description="True once the quote was found in the report text")

    @classmethod
    def from_chunk(cls, chunk: Chunk, quote: str | None = None, verified: bool = True) -> Evidence:
        """A quote (the whole passage if none is given) located where its chunk stands."""
        return cls(quote=chunk.text if quote is None else quote, page=chunk.page, section=chunk.section,
                   chunk_id=chunk.id, verified=verified)

    @property
    def location(self) -> str:
        if self.page is not None:
            return f"p. {self.page}"
        return f"section '{self.section}'" if self.section else "the report"


FeatureKind = Literal["figure", "stakeholder", "validation", "learning", "admission", "vague", "plan"]


class Feature(BaseModel):
    """Evidence the panel looks for whatever the question: figures and targets, named stakeholders, validation,
    learning and change, and the report's own admissions ("we have not yet ...")."""

    kind: FeatureKind
    evidence: Evidence


class PointAssessment(BaseModel):
    """One guidance point of a question, checked against the report."""

    guidance: str
    core: bool = False
    status: PointStatus
    evidence: list[Evidence] = Field(default_factory=list, description="The best report sentences for this point")
    nearest: list[Evidence] = Field(default_factory=list, description="Where no sentence is quoted: the sentences "
                                    "nearest the point, which did not count for it (what to read first to check it)")
    score: float = Field(default=0.0, description="Strength of the match: embedding similarity, raised by cues")
    cues: list[str] = Field(default_factory=list, description="Cue phrases found in the evidence")
    edited_by: str = Field(default="", description="Who set this status by hand; empty for the assistant's own")
    confidence: Literal["sure", "check"] = Field(default="check", description="'check': a panel member should "
                                                 "look at this status before trusting it (judging/confidence.py)")
    confidence_reason: str = Field(default="", description="Why the status is to be checked, or who set it")
    signals: dict[str, float] = Field(default_factory=dict, description="What the status rests on, for its confidence "
                                      "(judging/confidence.py): distance from the thresholds, cue-decided, specifics")


class QuestionAssessment(BaseModel):
    """The deterministic assessment of one question: where the answer is, each guidance point's status with
    evidence, the features found, the rubric grade and a commentary drafted from all of it. No LLM is involved."""

    number: int
    title: str = ""
    doc_id: str = ""
    graded: bool = True
    answered: bool = False
    # "search": a thematic report's chapters about the question (the name predates them; saved reviews hold it).
    located_by: Literal["section", "search", "none"] = "none"
    passages: list[str] = Field(default_factory=list, description="IDs of the report chunks read for this question")
    points: list[PointAssessment] = Field(default_factory=list)
    features: list[Feature] = Field(default_factory=list)
    specific: int = Field(default=0, description="Answer sentences giving a figure or a name (admissions aside): "
                          "the rubric's measure of thin evidence")
    grade: Grade | None = None
    rationale: str = ""
    commentary: str = ""
    asks: list[str] = Field(default_factory=list, description="What the panel asks for: the `ask` of each gap")
    provisional: bool = Field(default=False, description="A core point's status is still to be checked")
    grade_range: list[Grade] = Field(default_factory=list, description="The best and the worst grade the rubric gives "
                                     "over the statuses still to be checked")
    grade_note: str = Field(default="", description="The range in words: 'PM (PS if ... is missing)'")
    to_check: list[str] = Field(default_factory=list, description="The points to check, in the order to check "
                                "them: those whose flip alone moves the grade first, then core points, least certain first")
    grade_moving: list[str] = Field(default_factory=list, description="Of those, the ones whose flip alone moves the grade")


GapSeverity = Literal["major", "moderate", "minor"]


class Gap(BaseModel):
    """A guidance point an answer leaves missing or makes only partly. Kept structured, not flattened into text, so
    the draft, the pre-screen and the exports can sort and show how serious each gap is."""

    guidance: str
    status: Literal["partly", "missing"]
    core: bool = False
    ask: str = Field(default="", description="How the panel asks for the point")

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: object) -> object:
        """Drafts stored before gaps were structured hold 'point (missing, core)'."""
        if isinstance(value, str):
            match = re.fullmatch(r"(.*) \((partly|missing)(, core)?\)", value, re.S)
            return ({"guidance": match.group(1), "status": match.group(2), "core": bool(match.group(3))} if match
                    else {"guidance": value, "status": "missing"})
        return value

    @computed_field
    @property
    def severity(self) -> GapSeverity:
        """As the rubric weighs it: a missing core point caps the grade at PS (major); a partly core point or a
        missing further one at PM (moderate); a partly further point only counts towards the gaps (minor)."""
        if self.core:
            return "major" if self.status == "missing" else "moderate"
        return "moderate" if self.status == "missing" else "minor"

    def __str__(self) -> str:
        return f"{self.guidance} ({self.status}{', core' if self.core else ''})"


def gaps_of(points: list[PointAssessment], asks: dict[str, str] | None = None) -> list[Gap]:
    """The points not addressed, most serious first."""
    order = {"major": 0, "moderate": 1, "minor": 2}
    gaps = [Gap(guidance=p.guidance, status=p.status, core=p.core, ask=(asks or {}).get(p.guidance, ""))
            for p in points if p.status != "addressed"]
    return sorted(gaps, key=lambda gap: order[gap.severity])


class Precedent(BaseModel):
    """A passage of a past letter retrieved as precedent for a question."""

    member: str
    year: int | None
    question: int | None
    text: str
    grade: Grade | None = None


class FollowUp(BaseModel):
    """An ask from an earlier letter, and whether the new report answers it."""

    ask: str
    addressed: str = Field(description="'yes', 'partly' or 'no'")
    explanation: str = ""
    evidence: list[Evidence] = Field(default_factory=list)


DraftMode = Literal["assessment", "llm", "llm-rewrite"]


class QuestionDraft(BaseModel):
    """The assistant's draft for one framework question. Panel members edit these."""

    number: int
    title: str = ""
    graded: bool = Field(default=True, description="False for a question that gets commentary only (an opening "
                         "statement): the letter gives it its own place and no grade")
    mode: DraftMode = Field(
        default="assessment",
        description="What wrote the commentary: the assessment's own template (no LLM), an LLM on top of the "
        "assessment, or an LLM rewrite of the assessment's text",
    )
    model: str = Field(default="", description="The backend and model that wrote the prose; empty without an LLM")
    assessment: QuestionAssessment | None = None
    rubric_grade: Grade | None = Field(default=None, description="The grade the rubric gives the point statuses")
    summary: str = Field(default="", description="What the report says, briefly")
    strengths: list[str] = Field(default_factory=list)
    gaps: list[Gap] = Field(default_factory=list, description="Points not addressed, most serious first")
    questions_for_member: list[str] = Field(default_factory=list, description="What the panel would like to know next")
    good_practice: list[str] = Field(default_factory=list)
    commentary: str = Field(default="", description="The letter text for this question")
    suggested_grade: Grade | None = None
    grade_rationale: str = ""
    confidence: float = Field(default=0.0, ge=0.0, le=1.0)
    evidence: list[Evidence] = Field(default_factory=list)
    precedents: list[Precedent] = Field(default_factory=list)
    follow_ups: list[FollowUp] = Field(default_factory=list)
    flags: list[str] = Field(default_factory=list, description="Why a human must look: dropped quotes, invalid output")

    @model_validator(mode="before")
    @classmethod
    def _graded_from_assessment(cls, value: object) -> object:
        """Drafts stored before `graded` existed: their assessment knows."""
        if isinstance(value, dict) and "graded" not in value and isinstance(value.get("assessment"), dict):
            return {**value, "graded": value["assessment"].get("graded", True)}
        return value


class LetterDraft(BaseModel):
    member: str
    report_year: int | None = None
    review_round: str = ""
    framework_id: str
    doc_id: str = Field(default="", description="The report's document key")
    source: str = Field(default="", description="File name of the report the letter answers")
    overall_remarks: str = ""
    opening_statement: str = ""
    questions: list[QuestionDraft] = Field(default_factory=list)
