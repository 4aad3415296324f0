"""Eval cases as data, the proxy report, and point coverage. Cases live in eval/cases/<id>/case.json: drop in a new
folder (a letter, gold grades, optionally the submitted report) and the suite picks it up."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from assistant.models import Grade, Letter
from assistant.reading.points import Point, points, sentences
from assistant.settings import PROJECT_ROOT

CASES_DIR = Path(__file__).parent / "cases"
# Two sentences count as the same point at this cosine similarity (MiniLM). Paraphrases of one ask score about
# 0.6-0.8; sentences on the same topic that say different things about 0.4-0.55.
MATCH_SIMILARITY = 0.6
# What a draft says that nothing in the report comes near (MiniLM cosine to the closest report sentence).
SUPPORT_SIMILARITY = 0.5
# The trivial baseline: commentary any report could get. A useful draft must cover more of the panel's points.
BOILERPLATE = (
    "The report describes the organisation's approach to this question and gives some examples. "
    "The Panel appreciates the information shared. "
    "It would be helpful to know more about how stakeholders were involved and what was learned. "
    "The Panel would like to see more evidence of impact and of how feedback led to change. "
    "The Panel looks forward to reading about progress in the next report."
)


class GoldQuestion(BaseModel):
    grade: Grade | None = None
    starts_with: str = ""
    ends_with: str = ""


class Case(BaseModel):
    id: str
    letter: str
    report: str | None = None
    member: str
    report_year: int | None = None
    framework: str
    note: str = ""
    gold: dict[int, GoldQuestion]

    @property
    def letter_path(self) -> Path:
        return PROJECT_ROOT / self.letter

    @property
    def report_path(self) -> Path | None:
        return PROJECT_ROOT / self.report if self.report else None


def load_cases() -> list[Case]:
    """The cases built on real published letters."""
    return [Case.model_validate(data) for data in _case_files() if data.get("kind") != "designed"]


# Designed cases: synthetic reports whose grades and point statuses were set by construction, written by a hand that
# never saw the rubric or the cues (eval/cases/DESIGNED.md gives every reason).

# The cases the rubric, cues, thresholds and section rules were tuned on: all seven written up to November 2026 (the
# first three from the start, the other four since the second round of tuning). The held-out cases (eval/cases/
# HELDOUT.md) were written blind after that tuning, and the assessment was first run on them to measure, not to tune.
TUNED_ON = {"sample-relief-network", "designed-framework-md", "designed-thematic-md", "designed-docx",
            "designed-framework-weak-md", "designed-long-pdf", "designed-thematic-txt"}


class GoldPoint(BaseModel):
    guidance: str
    status: str
    reason: str = ""


class DesignedQuestion(BaseModel):
    grade: Grade | None = None
    reason: str = ""
    sections: list[str] = []
    pages: list[int] = []
    points: list[GoldPoint] = []


class DesignedCase(BaseModel):
    id: str
    report: str
    member: str
    report_year: int | None = None
    framework: str
    layout: str = ""
    note: str = ""
    questions: dict[int, DesignedQuestion]

    @property
    def report_path(self) -> Path:
        return PROJECT_ROOT / self.report

    @property
    def tuned_on(self) -> bool:
        return self.id in TUNED_ON

    def second_labels(self) -> dict[int, DesignedQuestion] | None:
        """A second reader's blind grades and statuses (second_labels.json beside case.json), where there are any."""
        path = CASES_DIR / self.id / "second_labels.json"
        if not path.exists():
            return None
        questions = json.loads(path.read_text(encoding="utf-8"))["questions"]
        return {int(n): DesignedQuestion.model_validate(q) for n, q in questions.items()}


def load_designed_cases() -> list[DesignedCase]:
    return [DesignedCase.model_validate(data) for data in _case_files() if data.get("kind") == "designed"]


def _case_files() -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(CASES_DIR.glob("*/case.json"))]


def proxy_report(letter: Letter) -> str:
    """A stand-in report from what the letter says the report contains: its observation sentences per question.
    A weaker proxy than the real report (it holds only what the panel chose to mention), and reported as such."""
    parts = [f"# {letter.member} accountability report {letter.report_year or ''} (proxy built from the panel's letter)"]
    for feedback in letter.questions:
        observed = [p.text for p in points(feedback.commentary) if p.kind in ("observation", "strength")]
        parts.append(f"## Question {feedback.number}\n\n" + " ".join(observed))
    return "\n\n".join(parts) + "\n"


def coverage(gold_commentary: str, draft_commentary: str, report_text: str, embedder) -> dict:
    """How many of the panel's points the draft makes, how many draft points match none of them, and how many draft
    points nothing in the report supports."""
    gold: list[Point] = [p for p in points(gold_commentary) if p.kind != "observation"]
    draft = sentences(draft_commentary)
    report = sentences(report_text)
    if not gold or not draft:
        return {"gold_points": len(gold), "draft_points": len(draft), "covered": 0.0, "matched": 0.0, "unsupported": 1.0 if draft else 0.0}
    g, d = embedder.embed([p.text for p in gold]), embedder.embed(draft)
    similarity = g @ d.T
    supported = (embedder.embed(report) @ d.T).max(axis=0) >= SUPPORT_SIMILARITY if report else [False] * len(draft)
    return {
        "gold_points": len(gold),
        "draft_points": len(draft),
        "covered": float((similarity.max(axis=1) >= MATCH_SIMILARITY).mean()),
        "matched": float((similarity.max(axis=0) >= MATCH_SIMILARITY).mean()),
        "unsupported": float(1 - sum(bool(s) for s in supported) / len(draft)),
    }
