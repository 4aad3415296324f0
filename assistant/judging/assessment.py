"""Assessment first, prose second: per question, the passages that answer it, a status for each guidance point backed
by verbatim report sentences, the evidence features the panel looks for, a grade from a transparent rubric, and a
commentary in the panel's voice drafted from all of that. No LLM is involved: it is deterministic, offline and fast,
and a panel member can check and change every status.

How a point gets its status: every answer sentence is compared with the point (MiniLM cosine similarity to the point's
text and to its `ask`), plus a bonus where one of the point's cue phrases occurs. A point is addressed when some
sentence clears `addressed_similarity` and the support is specific (a figure or a name) or repeated; partly when some
sentence clears `partly_similarity`; missing otherwise. The report's own admissions ("we have not yet ...") are shown
to the panel but never count as support, so taking text out of a report can never raise a status or a grade.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from itertools import groupby
from pathlib import Path
from string import Template

import numpy as np

from ..models import (
    Chunk,
    Feature,
    Framework,
    Grade,
    PointAssessment,
    PointStatus,
    Question,
    QuestionAssessment,
    Rubric,
)
from ..reading.points import answer_sentences, prose
from .commentary import CommentaryWriter
from .confidence import grade_confidence, load_rules, point_signals, with_confidence
from .sentences import FEATURE_KINDS, Sentence, load_features, sentences_of

# A report whose own sections answer at least this share of the graded questions follows the framework: a question
# without its section is then unanswered, not looked for in other chapters (text elsewhere answers other questions).
FOLLOWS_FRAMEWORK_SHARE = 0.5
# What the sentences of a typical report look like, to tell what a thematic chapter is about.
REFERENCE_REPORT = "samples/example-relief-network_2023_accountability-report.md"
MIN_CHAPTER_SENTENCES = 3
SENTENCES_PER_POINT = 2  # a chapter covers a point with a few sentences; one may be near it by chance
# The heading says what its author filed the chapter under: it weighs a tenth of the body's mean, enough to settle a
# chapter whose sentences speak to two questions about equally ('Working with communities': staff or stakeholders).
HEADING_WEIGHT = 0.1
SENTENCE_VECTORS_KEPT = 20_000  # about 30 MB of MiniLM vectors
MAX_QUOTES_PER_POINT = 2
NEAREST_PER_POINT = 2  # sentences kept for a point with no quote, to check it by
OTHER_QUESTION_MARGIN = 0.05  # a thematic chapter's sentence may be a little closer to another question and count
DETAIL_BEFORE, DETAIL_AFTER = 2, 3  # sentences around a claim that count as its paragraph


# Data files


@lru_cache
def load_phrases(prompts_dir: Path) -> dict:
    return json.loads((Path(prompts_dir) / "commentary.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=512)
def _cue_patterns(cues: tuple[str, ...]) -> list[re.Pattern]:
    return [re.compile(cue, re.IGNORECASE) for cue in cues]


def _chapter(chunk: Chunk) -> str:
    """The chapter a passage is filed with; its own section in indexes made before chapters were kept."""
    return chunk.chapter or chunk.section


def _lent(sentences: list[Sentence], row: np.ndarray, close: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A signpost lends the point it names to the sentences it announces: 'Three lessons stand out.' makes the next
    few sentences of its section ('First, pre-positioned agreements ...') score for the lessons point as it does, and
    count as close to it. The signpost itself supports nothing. One point's scores and closeness, as lent."""
    row, lent = row.copy(), close.copy()
    for i, sentence in enumerate(sentences):
        if not (sentence.signpost and close[i]):
            continue
        for j in range(i + 1, min(len(sentences), i + 1 + DETAIL_AFTER)):
            if sentences[j].signpost or sentences[j].chunk.section != sentence.chunk.section:
                break
            row[j], lent[j] = max(row[j], row[i]), True
    return row, lent


# The rubric


def rubric_grade(points: Sequence[PointAssessment], answered: bool, specific: int, rubric: Rubric,
                 phrases: dict) -> tuple[Grade, str]:
    """The grade the statuses imply, and a rationale naming the points. Monotone: a worse status, or fewer specific
    sentences, never gives a better grade."""
    why = phrases["why"]
    core = [p for p in points if p.core]
    further = [p for p in points if not p.core]
    missing = [p for p in points if p.status == "missing"]
    partly = [p for p in points if p.status == "partly"]
    gaps = len(missing) + rubric.partly_gap_weight * len(partly)

    def names(items: Sequence[PointAssessment]) -> str:
        return "; ".join(f"‘{p.guidance}’" for p in items)

    def say(grade: Grade, reason: str = "", **values) -> tuple[Grade, str]:
        return grade, Template(phrases["rationale_grade"][grade.value]).substitute(why=reason, **values)

    def because(key: str, **values) -> str:
        return Template(why[key]).substitute(**values)

    if not answered:
        return say(Grade.NM, why["not_answered"])
    if core and all(p.status == "missing" for p in core):
        return say(Grade.NM, because("no_core", points=names(core)))
    if points and len(missing) / len(points) >= rubric.nm_missing_share:
        return say(Grade.NM, because("too_many_missing", count=len(missing), total=len(points)))
    if core and specific == 0 and not any(p.status == "addressed" for p in core):
        return say(Grade.NM, because("nothing_specific", points=names(core)))
    if core_missing := [p for p in core if p.status == "missing"]:
        return say(Grade.PS, because("core_missing", points=names(core_missing)))
    if gaps >= rubric.ps_gaps:
        return say(Grade.PS, because("gaps", points=names(missing + partly)))
    if core_partly := [p for p in core if p.status == "partly"]:
        return say(Grade.PM, because("core_partly", points=names(core_partly)))
    further_missing = [p for p in further if p.status == "missing"]
    further_partly = [p for p in further if p.status == "partly"]
    if len(further_missing) > rubric.fm_max_missing or len(further_partly) > rubric.fm_max_partly:
        return say(Grade.PM, because("gaps", points=names(further_missing + further_partly)))
    if specific < rubric.fm_min_specific:
        return say(Grade.PM, why["thin"])
    extra = f"; the Panel may still ask about {names(further_partly)}" if further_partly else ""
    return say(Grade.FM, extra=extra)


# The assessor


class Assessor(CommentaryWriter):
    """Assesses a report's answers against one framework. `embed` maps texts to unit vectors (MiniLM)."""

    def __init__(self, framework: Framework, embed: Callable[[list[str]], np.ndarray], corpus_dir: Path,
                 prompts_dir: Path):
        self.framework = framework
        self.rubric = framework.rubric
        self.embed = embed
        self.features = load_features(Path(corpus_dir))
        self._corpus_dir = Path(corpus_dir)
        self._reference: np.ndarray | None = None  # the typical report's sentences, embedded
        self._typical_closeness: dict[int, np.ndarray] = {}  # question number -> _typical
        self.phrases = load_phrases(Path(prompts_dir))
        self.confidence_rules = load_rules(Path(corpus_dir))
        self._point_vectors: dict[int, np.ndarray] = {}  # question number -> its points' text and ask vectors
        self._sentences: dict[str, np.ndarray] = {}  # sentence -> vector: see _sentence_vectors

    # Where the answer is

    def follows_framework(self, chunks: Sequence[Chunk]) -> bool:
        graded = {q.number for q in self.framework.graded_questions}
        found = {c.question for c in chunks if c.question in graded}
        return bool(graded) and len(found) / len(graded) >= FOLLOWS_FRAMEWORK_SHARE

    def sections(self, chunks: Sequence[Chunk]) -> dict[int, list[Chunk]]:
        """Each question's own section: the passages tagged with it, where they hold a body under the heading (a
        sentence of prose; a short one is a short answer, graded as such). One stray tagged line (a cover's date or
        address read as a numbered heading, over the rest of the cover) is no section: it must not make a question
        'found by section' and keep it from the chapters that answer it."""
        tagged = sorted((c for c in chunks if c.question is not None), key=lambda c: (c.question, c.position))
        out: dict[int, list[Chunk]] = {}
        for number, group in groupby(tagged, key=lambda c: c.question):
            passages = list(group)
            if any(prose(s.text) for s in sentences_of(passages, {})):  # the words alone: no features needed
                out[number] = passages
        return out

    def passages_for(self, question: Question, chunks: Sequence[Chunk], follows: bool,
                     chapters: dict[int, list[Chunk]] | None = None,
                     sections: dict[int, list[Chunk]] | None = None) -> tuple[list[Chunk], str]:
        """`sections` and `chapters`, where given, are those of these chunks (`assess` reads them once a report)."""
        sections = self.sections(chunks) if sections is None else sections
        own = sections.get(question.number, [])
        if own or follows:
            return own, "section" if own else "none"
        # A thematic report: the chapters that are about this question.
        chapters = self.chapters(chunks, sections) if chapters is None else chapters
        found = chapters.get(question.number, [])
        return found, "search" if found else "none"

    def chapters(self, chunks: Sequence[Chunk],
                 sections: dict[int, list[Chunk]] | None = None) -> dict[int, list[Chunk]]:
        """In a thematic report, the passages of each chapter (a run of passages under one chapter heading, its
        subsections with it) filed under the question the chapter is most about: the one whose core points it covers
        best. A chapter covers a point as closely as its `SENTENCES_PER_POINT` sentences nearest the point, less what
        a typical report's sentences score (`_typical`); a question, by the mean over its core points.

        - Core points only: further points such as cost or partners' contribution come up in any chapter, and a
          finance chapter's spending ratios made it 'about' Q1's cost point.
        - Each core point, not the best of them per sentence: a report on municipalities' social accountability
          speaks of accountability processes in every chapter, which is one of Q2's two core points; a chapter on
          Q2 also speaks of the changes.
        - Meaning only, not the points' cue words, which decide statuses: 'now publish' or 'accountability' occur in
          any chapter of such a report.
        - Without the typical report's baseline, questions whose points are near almost any sentence ('feedback',
          'actions taken') took every chapter.
        - Filed one by one, a chapter's subsections went their own ways: a subsection on checking results with
          municipalities, in a chapter on listening and learning, was filed under complaints.

        Only questions without a section of their own take part, and only sentences that could support a point vote
        (praise a report gives itself, its admissions and its plans do not). A chapter's question depends on its own
        sentences alone: removing, moving or padding another chapter, or another report in the index, cannot move
        it."""
        sectioned = set(self.sections(chunks) if sections is None else sections)
        free = sorted((c for c in chunks if c.question not in sectioned), key=lambda c: c.position)
        runs = [list(run) for _, run in groupby(free, key=_chapter)]
        takers = [q for q in self.framework.questions if q.guidance and q.number not in sectioned]
        voters = [[s.text for s in sentences_of(run, self.features)
                   if not s.admission and not s.plan and not s.signpost and "vague" not in s.features] for run in runs]
        if not takers or not any(voters):
            return {}
        headings = [_chapter(run[0]) for run in runs]
        flat = [text for texts in voters for text in texts] + headings
        vectors = self._sentence_vectors(flat)
        # (core points x sentences, then headings) for each question
        closeness = [self._similarity(q, vectors)[q.defining] - self._typical(q)[:, None] for q in takers]
        out: dict[int, list[Chunk]] = {}
        start = 0
        for i, (run, texts) in enumerate(zip(runs, voters)):
            span = slice(start, start + len(texts))
            start += len(texts)
            # A heading and a line are too little to tell what it is about; a cover's lines (a title, the reporting
            # period, an address) are no body.
            if len(texts) < MIN_CHAPTER_SENTENCES or not any(prose(t) for t in texts):
                continue
            about = [np.sort(points[:, span], axis=1)[:, -SENTENCES_PER_POINT:].mean(axis=1).mean()
                     + HEADING_WEIGHT * points[:, len(flat) - len(headings) + i].max() for points in closeness]
            out.setdefault(takers[int(np.argmax(about))].number, []).extend(run)
        return out

    def _typical(self, question: Question) -> np.ndarray:
        """How close a sentence of a typical accountability report is to each of the question's core points (the
        median)."""
        if question.number not in self._typical_closeness:
            if self._reference is None:
                self._reference = self.embed(
                    answer_sentences((self._corpus_dir / REFERENCE_REPORT).read_text(encoding="utf-8")))
            similarity = self._similarity(question, self._reference)[question.defining]
            self._typical_closeness[question.number] = np.median(similarity, axis=1)
        return self._typical_closeness[question.number]

    def _sentence_vectors(self, texts: list[str]) -> np.ndarray:
        """The sentences' vectors, each embedded once: a thematic report's chapter sentences are embedded to file the
        chapters, then read again for the questions they answer. Safe across the UI's threads: a lookup never
        depends on another thread's entries staying."""
        known = {t: v for t in texts if (v := self._sentences.get(t)) is not None}
        new = [t for t in dict.fromkeys(texts) if t not in known]
        if new:
            known.update(zip(new, self.embed(new)))
            if len(self._sentences) + len(new) > SENTENCE_VECTORS_KEPT:
                self._sentences.clear()
            self._sentences.update((t, known[t]) for t in new)
        return np.array([known[t] for t in texts])

    # Points

    def _point_scores(self, question: Question, texts: Sequence[str], vectors: np.ndarray) -> np.ndarray:
        """Score of each sentence (columns) for each point (rows): best similarity to the point's text or ask, plus
        the cue bonus."""
        if not len(texts) or not question.guidance:
            return np.zeros((len(question.guidance), len(texts)))
        similarity = self._similarity(question, vectors)
        cues = np.array([[self._cued(point.cues, text) for text in texts] for point in question.guidance], dtype=float)
        return similarity + self.rubric.cue_bonus * cues

    def _similarity(self, question: Question, vectors: np.ndarray) -> np.ndarray:
        if question.number not in self._point_vectors:  # the framework's points never change: embed them once
            self._point_vectors[question.number] = self.embed(
                [p.text for p in question.guidance] + [p.ask or p.text for p in question.guidance])
        points, n = self._point_vectors[question.number], len(question.guidance)
        return np.maximum(points[:n] @ vectors.T, points[n:] @ vectors.T)

    def _on_this_question(self, question: Question, vectors: np.ndarray) -> np.ndarray:
        """Which sentences of a thematic chapter are closer to this question's points than to any other question's:
        a chapter about changes may also report the staff survey, and that sentence must not count for changes."""
        others = [q for q in self.framework.graded_questions if q.number != question.number and q.guidance]
        if not len(vectors) or not question.guidance or not others:
            return np.ones(len(vectors), dtype=bool)
        own = self._similarity(question, vectors).max(axis=0)
        elsewhere = np.max([self._similarity(q, vectors).max(axis=0) for q in others], axis=0)
        return own >= elsewhere - OTHER_QUESTION_MARGIN

    def _point(self, question: Question, index: int, scores: np.ndarray, closest: np.ndarray,
               sentences: list[Sentence]) -> PointAssessment:
        """One point's status from the sentences that speak to it. A sentence supports only the points it is most
        similar to (`closest`: the point it scores highest for, and in the question's own section any within
        `shared_support_margin` of it): a sentence on complaint numbers is near every complaints point, and counting
        it for all of them made every point look addressed, while "Two changes shaped our accountability work in
        2024: the funding reduction and restructuring" speaks to both the changes and the accountability processes.
        Addressed needs a strong sentence with concrete detail (a figure or a name) in its paragraph: reports put the
        claim in one sentence and the figures in the next. A sentence that only states a policy or a requirement
        makes a point partly at most, and is no detail for another. A point that `requires` words (the activity it
        names) is supported only by sentences that use one: 'We sign memoranda of understanding with the ministries'
        is near participatory monitoring and evaluation by topic (partners, working closely), never by what it says,
        while 'advisory groups meet our staff every quarter to review progress' speaks to it though it is closer to
        the planning point."""
        point = question.guidance[index]
        row, close = _lent(sentences, scores[index], closest[index])
        if point.requires:  # the activity named: the sentence speaks to it, whichever point it is closest to
            close = close | np.array([self._cued(point.requires, s.text) for s in sentences], dtype=bool)
        order = [i for i in np.argsort(-row) if not sentences[i].admission]
        # Commitment language ("we are proud of our strong accountability culture") supports nothing: praise a report
        # gives itself must not move a status. A plan ("we will publish the survey results") is not what was done: it
        # supports only a point that asks for plans, one whose own cues it matches (a target, a timeline).
        support = [i for i in order if close[i] and row[i] >= self.rubric.partly_similarity
                   and "vague" not in sentences[i].features and not sentences[i].signpost
                   and (not sentences[i].plan or self._cued(point.cues, sentences[i].text))
                   and (not point.requires or self._cued(point.requires, sentences[i].text))]
        strong = [i for i in support if row[i] >= self.rubric.addressed_similarity and not sentences[i].rule]
        detail = {i: self._detail_near(sentences, i) for i in strong}
        status: PointStatus
        if any(j is not None for j in detail.values()):
            status = "addressed"
        elif support:
            status = "partly"
        else:
            status = "missing"
        # The strongest sentence, then the concrete detail beside it: what a panel member wants to check. A label
        # only where nothing else supports the point.
        shown: list[int] = []
        for i in strong + [i for i in support if i not in detail]:
            shown += [j for j in dict.fromkeys((i, detail.get(i))) if j is not None and j not in shown]
        shown = sorted(shown, key=lambda i: sentences[i].label)[:MAX_QUOTES_PER_POINT]
        cues = sorted({c for i in shown for c in point.cues if self._cued((c,), sentences[i].text)})
        signals = point_signals(
            status, row, [i for i in order if close[i]], support, strong, detail,
            [sentences[i].text for i in range(len(sentences))], [sentences[i].specific for i in range(len(sentences))],
            admitted=[i for i in np.argsort(-row) if sentences[i].admission and close[i]],
            cued=lambda i: self._cued(point.cues, sentences[i].text), rubric=self.rubric, patterns=self.features)
        return PointAssessment(
            guidance=point.text, core=point.core, status=status,
            evidence=[sentences[i].evidence() for i in shown],
            nearest=[] if shown else [sentences[i].evidence() for i in order[:NEAREST_PER_POINT]],
            score=round(float(row[order[0]]), 3) if order else 0.0, cues=cues, signals=signals,
        )

    @staticmethod
    def _detail_near(sentences: list[Sentence], i: int) -> int | None:
        """The sentence itself if it is specific, else the nearest specific sentence of its paragraph (a few
        sentences either side, same section), never an admission or a rule."""
        near = sorted(range(max(0, i - DETAIL_BEFORE), min(len(sentences), i + DETAIL_AFTER + 1)), key=lambda j: abs(j - i))
        return next((j for j in near if sentences[j].specific and not sentences[j].admission
                     and not sentences[j].rule
                     and sentences[j].chunk.section == sentences[i].chunk.section), None)

    # Questions

    def assess_question(self, question: Question, chunks: Sequence[Chunk], *, member: str = "",
                        follows: bool | None = None, chapters: dict[int, list[Chunk]] | None = None,
                        sections: dict[int, list[Chunk]] | None = None) -> QuestionAssessment:
        follows = self.follows_framework(chunks) if follows is None else follows
        passages, located_by = self.passages_for(question, chunks, follows, chapters, sections)
        sentences = sentences_of(passages, self.features)
        vectors = self._sentence_vectors([s.text for s in sentences]) if sentences else np.zeros((0, 0))
        if located_by == "search":
            keep = self._on_this_question(question, vectors)
            sentences, vectors = [s for s, kept in zip(sentences, keep) if kept], vectors[keep]
        words = sum(len(s.text.split()) for s in sentences)
        answered = words >= self.rubric.min_answer_words
        scores = self._point_scores(question, [s.text for s in sentences], vectors)
        # A thematic chapter is filed under a question by a guess: there a sentence counts only for its closest point,
        # so a chapter filed under the wrong question cannot make several points at once.
        margin = self.rubric.shared_support_margin if located_by == "section" else 0.0
        closest = scores >= scores.max(axis=0, initial=-np.inf) - margin
        points = [self._point(question, i, scores, closest, sentences) for i in range(len(question.guidance))]
        if not answered:  # a line or two is no answer: nothing in it can count as addressing a point
            points = [p.model_copy(update={"status": "missing"}) for p in points]
        features = [Feature(kind=kind, evidence=s.evidence()) for s in sentences if not (s.label or s.signpost)
                    for kind in FEATURE_KINDS if kind in s.features]
        assessment = QuestionAssessment(
            number=question.number, title=question.title, doc_id=chunks[0].doc_id if chunks else "",
            graded=question.graded, answered=answered,
            located_by=located_by, passages=[c.id for c in passages], points=points,
            features=features, specific=sum(s.specific for s in sentences if not s.admission),
        )
        return self.finish(question, assessment, member=member)

    def assess(self, chunks: Sequence[Chunk], *, member: str = "",
               numbers: Sequence[int] | None = None) -> list[QuestionAssessment]:
        follows, sections = self.follows_framework(chunks), self.sections(chunks)
        chapters = None if follows else self.chapters(chunks, sections)
        questions = [q for q in self.framework.questions if numbers is None or q.number in numbers]
        return [self.assess_question(q, chunks, member=member, follows=follows, chapters=chapters, sections=sections)
                for q in questions]

    def finish(self, question: Question, assessment: QuestionAssessment, *, member: str = "") -> QuestionAssessment:
        """Grade, asks and commentary from the statuses as they stand: after assessing, and again whenever a panel
        member (or a model's verified argument) changes a status."""
        points = [with_confidence(p, assessment.located_by, self.confidence_rules) for p in assessment.points]
        assessment = assessment.model_copy(update={"points": points})
        grade, rationale = (None, "")
        update: dict = {}
        if question.graded:
            grade, rationale = self._grade(assessment, points)
            update = grade_confidence(points, grade, lambda ps: self._grade(assessment, ps)[0],
                                      assessment.located_by, self.confidence_rules, self.phrases["provisional"])
        asks = self.asks(question, points)
        assessment = assessment.model_copy(update={**update, "grade": grade, "rationale": rationale, "asks": asks})
        return assessment.model_copy(update={"commentary": self.commentary(question, assessment, member)})

    def _grade(self, assessment: QuestionAssessment, points: Sequence[PointAssessment]) -> tuple[Grade, str]:
        return rubric_grade(points, assessment.answered, assessment.specific, self.rubric, self.phrases)

    def with_status(self, question: Question, assessment: QuestionAssessment, guidance: str, status: PointStatus,
                    user: str = "") -> QuestionAssessment:
        """A panel member's change of one point's status: the grade, asks and commentary follow."""
        if all(p.guidance != guidance for p in assessment.points):
            raise KeyError(f"question {question.number} has no guidance point {guidance!r}")
        points = [p.model_copy(update={"status": status, "edited_by": user}) if p.guidance == guidance else p
                  for p in assessment.points]
        return self.finish(question, assessment.model_copy(update={"points": points}))

    @staticmethod
    def _cued(cues: Sequence[str], text: str) -> bool:
        return any(p.search(text) for p in _cue_patterns(tuple(cues)))
