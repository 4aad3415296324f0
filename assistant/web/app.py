"""The Gradio review workspace. It calls the pipeline (and the review store and rounds it opens); nothing calls it
back.

Opening a report opens its review (assistant/reviews.py), shared by the panel: the assistant's suggestions are
everyone's, each member's text, grades, point statuses and comments are their own and saved as they are made, and
the lead finalises one letter. Callbacks live on `WorkspaceCallbacks` so tests can drive them directly with a fake
chat client; `build_ui` only lays out components and wires events.
"""

import html
import io
import logging
import queue
import shutil
import tempfile
import threading
from pathlib import Path
from urllib.parse import urlparse

import gradio as gr

from .documents import IngestError
from .drafting import model_failed
from .llm import LLMError, OpenAIChatClient, make_chat_client
from .local_model import EmbeddedModelUnavailable
from .models import Evidence, Grade, PointAssessment, QuestionDraft
from .pipeline import Pipeline
from .prescreen import Prescreen
from .reviews import REMARKS, MemberEdit, Review, ReviewError, ReviewFinalised, consensus
from .rounds import RoundError, Rounds
from .workspace import inside, safe_name, user_folder, utc_time

log = logging.getLogger(__name__)
GRADE_CHOICES = [(f"{g.value}: {meaning}", g.value) for g, meaning in zip(
    Grade, ["fully met", "partially met, minor improvements", "partially met, significant improvements", "not met"]
)]
STATUSES = ["addressed", "partly", "missing"]
LOCAL_USER = "local"
# Per question, in this order: the member's text, grade, leave-out box and "you changed" note; the assistant's
# suggestion; the checklist, its point picker and that point's status; the evidence, its quote picker; precedent;
# follow-ups.
QUESTION_FIELDS = 12
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
EMBEDDED = "embedded"
SERVER = "openai-compatible"
FINALISED = "Not saved: the letter is finalised and read-only; the lead can reopen it."

# System fonts only: Gradio's bundled webfont subsets mix typefaces in bold, and nothing may load from the internet.
THEME = gr.themes.Default(
    font=["system-ui", "-apple-system", "Segoe UI", "Roboto", "Noto Sans", "Helvetica Neue", "Arial", "sans-serif"],
    font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "Liberation Mono", "monospace"],
)
CSS = """
.member-panel { border-left: 4px solid #2f855a; background: #f0fff4; padding: 8px; border-radius: 6px; }
.suggestion-panel { border-left: 4px solid #3182ce; background: #ebf8ff; padding: 8px; border-radius: 6px; }
.evidence-panel { border-left: 4px solid #718096; background: #f7fafc; padding: 8px; border-radius: 6px; }
.panel-label { font-weight: 700; text-transform: uppercase; font-size: 0.8em; letter-spacing: 0.04em; }
.prose table th, .prose table td { word-break: normal; overflow-wrap: normal; hyphens: none; }
.prose table th { white-space: nowrap; }
.prescreen { overflow-x: auto; }
button.label-wrap, .label-wrap span { text-align: left; }
table.consensus { border-collapse: collapse; width: 100%; }
table.consensus th, table.consensus td { border: 1px solid #cbd5e0; padding: 4px 8px; text-align: left; }
table.consensus tr.disagree td { background: #fff5f5; }
table.consensus tr.disagree td:first-child { border-left: 4px solid #c53030; }
.round-progress progress { width: 60%; vertical-align: middle; }
"""


def user_of(request) -> str:
    """The logged-in user where auth is on; one shared local user otherwise."""
    return getattr(request, "username", None) or LOCAL_USER


def _update(**kwargs):
    return gr.update(**kwargs)


def saved_at() -> str:
    return f"Saved {utc_time()}"


def review_id_of(value) -> int | None:
    """The review a page holds (a number; the browser may hand it back as text)."""
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


# Rendering: pure functions of a member's view of a question


def render_suggestion(draft: QuestionDraft | None, edit: MemberEdit | None) -> str:
    if draft is None:
        return "_Not drafted yet. Write your own text, or draft the questions._"
    mode = {"assessment": "the assessment alone (no LLM)", "llm": f"{draft.model} on top of the assessment",
            "llm-rewrite": f"the assessment, rewritten by {draft.model}"}[draft.mode]
    lines = [f"_Drafted by {mode}._"]
    if draft.suggested_grade:
        rubric = f"; rubric: {draft.rubric_grade.value}" if draft.rubric_grade and draft.rubric_grade != draft.suggested_grade else ""
        lines.append(f"**Grade: {draft.suggested_grade.value}**{rubric}")
    if draft.grade_rationale:
        lines.append(draft.grade_rationale)
    if edit and edit.commentary is not None and draft.commentary:
        lines.append("**The assistant's text** (yours is above):")
        lines.append("> " + draft.commentary.replace("\n", "\n> "))
    lines += [f"Note: {flag}" for flag in dict.fromkeys(draft.flags)]  # the same note once
    if draft.summary:
        lines.append(f"**Report says:** {draft.summary}")
    if draft.questions_for_member:
        lines.append("**The Panel would ask for:** " + "; ".join(draft.questions_for_member))
    return "\n\n".join(lines)


def render_checklist(draft: QuestionDraft | None, assistant_grade: Grade | None = None) -> str:
    """Each guidance point with its status, core flag and the report sentences it rests on: what a panel member
    checks. `assistant_grade` is the rubric grade before the member's own statuses, shown where theirs differs."""
    if draft is None or draft.assessment is None:
        return "_No checklist yet: draft the question._"
    mark = {"addressed": "✔ addressed", "partly": "◐ partly", "missing": "✘ missing"}  # in every system font
    grade = draft.rubric_grade.value if draft.rubric_grade else "ungraded"
    before = (f" (the assistant's statuses give {assistant_grade.value})"
              if assistant_grade and draft.rubric_grade and assistant_grade != draft.rubric_grade else "")
    rows = [f"**Rubric grade: {grade}**{before}", "", "**Checklist** (core points marked ★):"]
    for point in draft.assessment.points:
        by = f" _(set by {point.edited_by})_" if point.edited_by else ""
        rows.append(f"- {mark[point.status]} {'★ ' if point.core else ''}{point.guidance}{by}")
        rows += [f"    - “{e.quote}” ({e.location})" for e in point.evidence]
    return "\n".join(rows)


def render_changed_note(draft: QuestionDraft | None, edit: MemberEdit | None) -> str:
    """Says, as the member types, that their text or grade now differs from the assistant's."""
    if not edit:
        return ""
    changed = [part for part, mine, theirs in (("text", edit.commentary, draft.commentary if draft else ""),
                                               ("grade", edit.grade, draft.suggested_grade if draft else None))
               if mine is not None and mine != theirs]
    if not changed:
        return ""
    kept = "; the assistant's version is kept in its panel below" if draft else ""
    return f"_You changed the {' and '.join(changed)}{kept}._"


def quotes(draft: QuestionDraft | None) -> list[Evidence]:
    """Every quote a question shows: the checklist's, then the draft's own, each once."""
    if draft is None:
        return []
    points = draft.assessment.points if draft.assessment else []
    found = [e for p in points for e in p.evidence] + list(draft.evidence)
    return list({(e.chunk_id, e.quote): e for e in found}.values())


def render_evidence(draft: QuestionDraft | None) -> str:
    if not draft or not draft.evidence:
        return "_No verified quotes._"
    return "\n".join(f"- “{e.quote}” ({f'p. {e.page}' if e.page else e.section[:60] or 'report'})" for e in draft.evidence)


def render_precedent(draft: QuestionDraft | None) -> str:
    if not draft or not draft.precedents:
        return "_No past-letter precedent for this question._"
    return "\n\n".join(
        f"**{p.member} {p.year or ''}** {f'(graded {p.grade.value})' if p.grade else ''}: {p.text[:700]}" for p in draft.precedents
    )


def render_follow_ups(draft: QuestionDraft | None) -> str:
    if not draft or not draft.follow_ups:
        return "_No earlier letter to this member in the corpus, or no asks on this question._"
    mark = {"yes": "[addressed]", "partly": "[partly]", "no": "[not addressed]"}
    return "\n".join(
        f"- {mark.get(f.addressed, '')} {f.ask}" + (f" — “{f.evidence[0].quote[:200]}”" if f.evidence else "")
        for f in draft.follow_ups
    )


def render_prescreen(result: Prescreen) -> str:
    rows = ["| Q | Status | Where | Passages | Words | Figures | Possibly missing |", "|---|---|---|---|---|---|---|"]
    for q in result.questions:
        where = ", ".join(f"p. {p}" for p in q.pages) or (q.sections[0][:40] if q.sections else "—")
        missing = "<br>".join(q.missing_guidance) or "—"
        rows.append(f"| {q.number} | {q.status} | {where} | {q.passages} | {q.words} | {q.figures} | {missing} |")
    return "\n".join(rows)


def point_choices(points: list[PointAssessment]) -> list[tuple[str, str]]:
    return [(f"{i}. {'★ ' if p.core else ''}{p.guidance[:90]}", p.guidance) for i, p in enumerate(points, 1)]


class YearError(ValueError):
    pass


def parse_year(text: str | float | None) -> int | None:
    """Blank means: from the file name."""
    text = str(text if text is not None else "").strip()
    if not text:
        return None
    if not text.isdigit() or not 1900 <= int(text) <= 2200:
        raise YearError(f"the year must be a year like 2023, not {text!r}")
    return int(text)


def parse_list(spec: str) -> list[str]:
    return [item.strip() for item in spec.split(",") if item.strip()]


class RoundWorker:
    """Drafts review rounds in the background of the server, one round at a time (rounds.py's worker, in a
    thread, so it drafts with the backend the workspace uses). A restart resumes unfinished rounds."""

    def __init__(self, pipeline: Pipeline):
        self.rounds = Rounds(pipeline)
        self.waiting: queue.Queue[str] = queue.Queue()
        self.current = ""
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self, name: str) -> int:
        """Queue the round's questions for the drafting backend; returns how many wait."""
        waiting = self.rounds.enqueue(name, self.rounds.pipeline.drafting_backend()[1])
        self._submit([name])
        return waiting

    def resume(self) -> list[str]:
        """Start drafting every round that has questions waiting (or left running by a server that died)."""
        unfinished = [name for name in self.rounds.names()
                      if (counts := self.rounds.progress(name))["pending"] or counts["running"]]
        self._submit(unfinished)
        return unfinished

    def join(self, timeout: float | None = None) -> None:
        """Wait until the rounds queued so far are drafted (or `timeout` passes)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _submit(self, names: list[str]) -> None:
        with self._lock:
            for name in names:
                self.waiting.put(name)
            if names and self._thread is None:
                self._thread = threading.Thread(target=self._run, name="round-drafting", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            with self._lock:  # checked under the lock that _submit holds: no round is queued after the last look
                if self.waiting.empty():
                    self._thread = None
                    return
                name = self.waiting.get_nowait()
            self.current = name
            try:
                self.rounds.work(name)
            except Exception:  # the round stays queued in the store; the next start or restart goes on with it
                log.exception("drafting round %s stopped", name)
            finally:
                self.current = ""


class WorkspaceCallbacks:
    def __init__(self, pipeline: Pipeline):
        self.pipeline = pipeline
        self.numbers = [q.number for q in pipeline.framework.questions]
        settings = pipeline.settings
        self.auth_on = parse_auth(settings.auth) is not None
        self.admins = set(parse_list(settings.admins))
        self.round_worker = RoundWorker(pipeline)
        # The backend drafting really uses; changed only by apply_backend, shown by the banner.
        self.backend = {"backend": EMBEDDED if settings.uses_embedded_model else SERVER, "url": settings.llm_base_url,
                        "model": settings.llm_model, "mode": settings.structured_output}

    @property
    def store(self):
        return self.pipeline.reviews

    def _review(self, review_id) -> Review | None:
        review_id = review_id_of(review_id)
        if review_id is None:
            return None
        try:
            return self.store.get(review_id)
        except KeyError:
            return None

    # Views

    def question_view(self, review: Review | None, number: int, user: str) -> list:
        if review is None:
            return [_update(value="", interactive=True), _update(value=None, interactive=True),
                    _update(value=False, interactive=True), "", "_Upload or open a report._", "",
                    _update(choices=[], value=None), _update(value=None), "", _update(choices=[], value=None), "", ""]
        editable = review.status != "final"
        draft = self.pipeline.member_draft(review, number, user)
        edit = review.edit(user, number)
        text, grade = self.pipeline.member_text(review, number, user)
        original = review.suggestion(number)
        points = draft.assessment.points if draft and draft.assessment else []
        first = points[0] if points else None
        return [
            _update(value=text, interactive=editable),
            _update(value=grade.value if grade else None, interactive=editable),
            _update(value=bool(edit and edit.leave_out), interactive=editable),
            render_changed_note(draft, edit),
            render_suggestion(draft, edit),
            render_checklist(draft, original.draft.rubric_grade if original else None),
            _update(choices=point_choices(points), value=first.guidance if first else None),
            _update(value=first.status if first else None, interactive=editable and first is not None),
            render_evidence(draft),
            _update(choices=[(f"{e.quote[:80]} ({e.location})", str(i)) for i, e in enumerate(quotes(draft))], value=None),
            render_precedent(draft),
            render_follow_ups(draft),
        ]

    def all_views(self, review: Review | None, user: str, only: int | None = None) -> list:
        """Every question's view; with `only`, that question's and no-op updates elsewhere, so a member typing in
        one question while another drafts keeps every keystroke. The member's own text and grade are never
        re-sent while drafting (`only`): the box already shows them."""
        views = []
        for number in self.numbers:
            if only is None:
                views += self.question_view(review, number, user)
            elif number != only:
                views += [_update()] * QUESTION_FIELDS
            else:
                view = self.question_view(review, number, user)
                edit = review.edit(user, number) if review else None
                if edit and edit.commentary is not None:
                    view[0] = _update()
                if edit and edit.grade is not None:
                    view[1] = _update()
                views += view
        return views

    def header(self, review: Review | None) -> str:
        if review is None:
            return "No report open."
        saved = utc_time(review.updated_at, with_date=True) if review.updated_at else "never"
        parts = [f"**{review.member or 'Unknown member'}** — report {review.year or '?'} — `{review.source or review.doc_id}`"]
        if review.review_round:
            parts.append(f"round {review.review_round}")
        parts.append(f"lead: {review.lead}" if review.lead else "no lead yet")
        if review.status == "final":
            parts.append(f"**finalised (version {review.final.version}), read-only**" if review.final else "**finalised**")
        return " — ".join(parts) + f" (last saved {saved})"

    def report_choices(self, user: str) -> list[tuple[str, int]]:
        """Every review of the panel: the user's own first, then the others they may join."""
        mine = self.store.list(user)
        ids = {r.id for r in mine}
        others = [r for r in self.store.list() if r.id not in ids]

        def label(review: Review) -> str:
            where = f", round {review.review_round}" if review.review_round else ""
            final = ", final" if review.status == "final" else ""
            return f"{review.member or review.source} {review.year or ''} ({review.source}{where}{final})"

        return [(label(r), r.id) for r in mine + others]

    def open_report(self, review_id, request: gr.Request = None) -> list:
        """Everything the page shows for a review: header, pre-screen (filled in by `prescreen_view` next: a new
        report's takes seconds, and the page must not wait for it), overall remarks, every question. Opening a
        review makes the user one of its members."""
        user = user_of(request)
        review = self._review(review_id)
        if review is not None and user not in review.members:
            review = self.store.add_member(review.id, user)
        remarks = self.remarks(review, user) if review is not None else ""
        prescreen = "_Pre-screening the report…_" if review is not None else ""
        return [self.header(review), prescreen, remarks] + self.all_views(review, user)

    def prescreen_view(self, review_id) -> str:
        review = self._review(review_id)
        if review is None:
            return ""
        try:
            return render_prescreen(self.pipeline.prescreen(review.doc_id))
        except KeyError:
            return "_This report is no longer in the index: ingest it again to pre-screen it._"

    @staticmethod
    def remarks(review: Review, user: str) -> str:
        edit = review.edit(user, REMARKS)
        if edit and edit.commentary is not None:
            return edit.commentary
        return review.remarks.get(review.default_backend() or "", "")

    def open_if_ingested(self, ingested: bool, review_id, request: gr.Request = None) -> list:
        """After an upload: show the new report; after a failed one, change nothing on the page."""
        if not ingested:
            return [_update()] * (3 + QUESTION_FIELDS * len(self.numbers))
        return self.open_report(review_id, request)

    def restore(self, last_review, request: gr.Request = None) -> list:
        """On page load: reopen the review this browser had open, else the user's latest."""
        user = user_of(request)
        choices = self.report_choices(user)
        ids = [value for _, value in choices]
        last = review_id_of(last_review)
        mine = self.store.list(user)
        review_id = last if last in ids else (mine[0].id if mine else None)
        return [review_id, _update(choices=choices, value=review_id)] + self.open_report(review_id, request)

    # Actions

    def ingest(self, file_path: str | None, member: str, year: str | None, current=None,
               request: gr.Request = None, progress=gr.Progress()) -> list:
        """Returns [status, review id, reports dropdown, ingested]. A failed upload keeps the open report open."""
        user = user_of(request)
        kept = [current, _update(), False]
        if not file_path:
            return ["No file to ingest: choose a PDF, DOCX, Markdown or text file above."] + kept

        def report_progress(done: int, total: int) -> None:
            if progress:
                progress(done / max(total, 1), desc=f"indexing {done}/{total} passages")

        try:
            result = self.pipeline.ingest(Path(file_path), member=(member or "").strip(), year=parse_year(year),
                                          progress=report_progress)
        except (IngestError, YearError) as exc:
            still = " The report you had open stays open." if current else ""
            return [f"Error: {str(exc).rstrip('.')}.{still}"] + kept
        review = self.pipeline.review_for(result, user=user)
        state = "already indexed" if result.already_indexed else "indexed"
        lines = [f"Done: {result.source}: {state}, {result.chunks} passages; questions found: {result.questions_found or 'none'}"]
        if review.suggestions:
            others = ", ".join(m for m in review.members if m != user) or "no other member yet"
            lines.append(f"The panel's review of this report is open ({others}), the assistant's drafts already there.")
        lines += [f"Note: {w}" for w in result.warnings]
        return ["\n\n".join(lines), review.id, _update(choices=self.report_choices(user), value=review.id), True]

    def draft_all(self, review_id, request: gr.Request = None, progress=gr.Progress()):
        """Draft every question into the shared review (Pipeline.draft_letter), showing each as it lands; edits
        already made stay on screen."""
        user = user_of(request)
        review = self._review(review_id)
        if review is None:
            yield ["Open a report first."] + self.all_views(None, user) + [_update()]
            return
        if review.status == "final":
            yield ["The letter is finalised and read-only; the lead can reopen it."] + self.all_views(review, user, only=-1) + [_update()]
            return
        landed: queue.Queue = queue.Queue()
        outcome: dict = {}

        def work() -> None:
            try:
                self.pipeline.draft_letter(review.doc_id, review.member, review.year, self.numbers,
                                           lambda done, total, desc: landed.put(done), review_round=review.review_round,
                                           user=user, source=review.source)
            except (LLMError, EmbeddedModelUnavailable, ReviewError, KeyError) as exc:
                outcome["error"] = str(exc).strip("'\"")
            finally:
                landed.put(None)

        threading.Thread(target=work, daemon=True).start()
        total = len(self.numbers) + 1
        while (done := landed.get()) is not None:
            if progress:
                progress(done / total, desc="overall remarks" if done >= len(self.numbers) else f"question {self.numbers[done]}")
            if 1 <= done <= len(self.numbers):
                number = self.numbers[done - 1]
                review = self.store.get(review.id)
                yield [f"Drafted question {number}."] + self.all_views(review, user, only=number) + [_update()]
        review = self.store.get(review.id)
        if "error" in outcome:
            yield [f"Error: {outcome['error']}"] + self.all_views(review, user, only=-1) + [_update()]
            return
        failed = [n for n in self.numbers if not (s := review.suggestion(n)) or not s.draft.commentary or model_failed(s.draft)]
        remarks = _update() if review.edit(user, REMARKS) else self.remarks(review, user)
        status = ("Done: all questions drafted." if not failed else
                  f"Drafted, except question{'s' * (len(failed) > 1)} {', '.join(map(str, failed))}: the assistant "
                  "could not draft {}; write {} by hand.".format(*(("them", "them") if len(failed) > 1 else ("it", "it"))))
        yield [status] + self.all_views(review, user, only=-1) + [remarks]

    def regenerate(self, review_id, number: int, confirmed: bool = True, request: gr.Request = None):
        """Redraft one question (Pipeline.draft), streaming the model's output. Once the new draft stands, this
        member's earlier text and grade for it go to the archive; their leave-out choice and point statuses stay,
        and the other members' edits are untouched. Yields [raw model output, status] + that question's view."""
        user, number = user_of(request), int(number)
        review = self._review(review_id)
        if review is None:
            yield ["", "Open a report first."] + self.question_view(None, number, user)
            return
        if not confirmed:
            yield [_update(), "Not regenerated: your text is as it was."] + [_update()] * QUESTION_FIELDS
            return
        tokens: queue.Queue = queue.Queue()
        outcome: dict = {}

        def work() -> None:
            try:
                outcome["draft"] = self.pipeline.draft(review, [number], user=user, on_token=tokens.put)[0]
            except (LLMError, EmbeddedModelUnavailable, ReviewError) as exc:
                outcome["error"] = str(exc)
            finally:
                tokens.put(None)

        threading.Thread(target=work, daemon=True).start()
        live = ""
        while (piece := tokens.get()) is not None:
            live += piece
            yield [live, f"Regenerating question {number}…"] + [_update()] * QUESTION_FIELDS
        if "error" in outcome:
            yield [live, f"Error: {outcome['error']}. Your text is kept."] + self.question_view(self.store.get(review.id), number, user)
            return
        draft = outcome["draft"]
        if not draft.commentary or model_failed(draft):  # flagged, not raised: never call that done
            why = model_failed(draft) or "no text came back"
            yield [live, f"Error: question {number} was not regenerated ({why}). Your text is kept."] + \
                self.question_view(self.store.get(review.id), number, user)
            return
        edit = self.store.get(review.id).edit(user, number)
        if edit and (edit.commentary is not None or edit.grade is not None):
            self.store.archive_edit(review.id, user, number, "regenerated")
            if edit.leave_out or edit.points:  # choices about the question, not about the old text
                self.store.save_edit(review.id, user, number, points=edit.points, leave_out=edit.leave_out or None)
        yield [live, f"Regenerated question {number} at {utc_time()}."] + self.question_view(self.store.get(review.id), number, user)

    def _save(self, review_id, number: int, request, **change) -> list:
        """[saved status, "you changed" note, suggestion panel] after one edit, so the notes follow the typing."""
        review = self._review(review_id)
        if review is None:
            return ["Not saved: open or ingest a report first.", _update(), _update()]
        user, number = user_of(request), int(number)
        try:
            self.store.save_edit(review.id, user, number, **change)
        except ReviewFinalised:
            return [FINALISED, _update(), _update()]
        review = self.store.get(review.id)
        draft, edit = self.pipeline.member_draft(review, number, user), review.edit(user, number)
        return [saved_at(), render_changed_note(draft, edit), render_suggestion(draft, edit)]

    def save_commentary(self, review_id, number: int, text: str, request: gr.Request = None) -> list:
        return self._save(review_id, number, request, commentary=text)

    def save_grade(self, review_id, number: int, grade: str | None, request: gr.Request = None) -> list:
        if not grade:
            return [_update()] * 3
        return self._save(review_id, number, request, grade=Grade(grade))

    def save_omit(self, review_id, number: int, omit: bool, request: gr.Request = None) -> list:
        return self._save(review_id, number, request, leave_out=bool(omit))

    def save_opening(self, review_id, text: str, request: gr.Request = None) -> str:
        review = self._review(review_id)
        if review is None:
            return "Not saved: open or ingest a report first."
        try:
            self.store.save_edit(review.id, user_of(request), REMARKS, commentary=text)
        except ReviewFinalised:
            return FINALISED
        return saved_at()

    def point_status(self, review_id, number: int, guidance: str | None, request: gr.Request = None):
        """The status the member sees for the point they picked."""
        review = self._review(review_id)
        draft = self.pipeline.member_draft(review, int(number), user_of(request)) if review else None
        points = draft.assessment.points if draft and draft.assessment else []
        return next((p.status for p in points if p.guidance == guidance), None)

    def save_status(self, review_id, number: int, guidance: str | None, status: str | None,
                    request: gr.Request = None) -> list:
        """A member flips a point's status: it is saved as theirs, and the rubric grade, the asks and (where they
        have not set their own) the grade and the assistant's text follow. Text they typed is never touched.
        Returns [saved status, checklist, suggestion, "you changed" note, text box, grade]."""
        unchanged = [_update()] * 5
        review = self._review(review_id)
        if review is None or not guidance or status not in STATUSES:
            return ["Not saved: pick a guidance point and its status." if review else "Not saved: open a report first."] + unchanged
        user, number = user_of(request), int(number)
        try:
            self.store.save_edit(review.id, user, number, points={guidance: status})
        except ReviewFinalised:
            return [FINALISED] + unchanged
        review = self.store.get(review.id)
        draft, edit = self.pipeline.member_draft(review, number, user), review.edit(user, number)
        text, grade = self.pipeline.member_text(review, number, user)
        original = review.suggestion(number)
        return [
            saved_at(), render_checklist(draft, original.draft.rubric_grade if original else None),
            render_suggestion(draft, edit), render_changed_note(draft, edit),
            _update(value=text) if edit.commentary is None else _update(),
            _update(value=grade.value if grade else None) if edit.grade is None else _update(),
        ]

    def show_context(self, review_id, number: int, pick: str | None, request: gr.Request = None) -> list:
        """The passage around a quote, so a panel member can check it in context; for a PDF also the page itself
        with the quote marked. Returns [context text, page image]."""
        no_image = _update(value=None, visible=False)
        review = self._review(review_id)
        if review is None or pick in (None, ""):
            return ["", no_image]
        found = quotes(self.pipeline.member_draft(review, int(number), user_of(request)))
        index = int(pick)
        if not 0 <= index < len(found):
            return ["", no_image]
        evidence = found[index]
        chunk = self.pipeline.passage(evidence.chunk_id) if evidence.chunk_id else None
        context = f"[{chunk.source}, {chunk.location}]\n\n{chunk.text}" if chunk else f"“{evidence.quote}” ({evidence.location})"
        return [context, self.page_image(review.doc_id, evidence)]

    def page_image(self, doc_id: str, evidence: Evidence):
        """The PDF page with the quote marked, where the pipeline can render it (assistant/pages.py)."""
        page_view = getattr(self.pipeline, "page_view", None)
        if page_view is None or evidence.page is None:
            return _update(value=None, visible=False)
        try:
            image = page_view(doc_id, evidence.page, evidence.quote)
        except (ValueError, OSError) as exc:  # pages.PageViewError is a ValueError: a page it cannot show
            log.warning("no page image for %s p. %s: %s", doc_id, evidence.page, exc)
            image = None
        if image is None:
            return _update(value=None, visible=False)
        from PIL import Image

        found = getattr(image, "found", True)
        label = f"Page {evidence.page}" + ("" if found else " (the quote could not be marked on the page)")
        return _update(value=Image.open(io.BytesIO(image.png)), label=label, visible=True)

    def export(self, review_id, request: gr.Request = None, with_appendix: bool = False) -> list:
        """Write the letter as DOCX and Markdown into the user's own export folder: the finalised version where
        there is one, else the user's letter as it stands. Returns [status, docx button, markdown button]. The
        buttons get a private copy: Gradio moves it into its cache under a content hash, so the download URL cannot
        be guessed from member or user names."""
        user = user_of(request)
        review = self._review(review_id)
        if review is None:
            return ["Open a report first.", _update(), _update()]
        folder = self.pipeline.settings.data_dir / "exports" / user_folder(user)
        final = review.final if review.status == "final" else None
        letter = final.letter if final else self.pipeline.member_letter(review, user)
        stem = (f"{safe_name((review.member or 'letter').replace(' ', '-').lower())}_{review.year or ''}_panel-feedback"
                + (f"_v{final.version}" if final else "-draft"))
        handout = Path(tempfile.mkdtemp(prefix="panel-export-"))
        buttons = []
        for suffix in (".docx", ".md"):
            path = self.pipeline.export_review(letter, inside(folder, stem + suffix), review, with_appendix and final is not None)
            buttons.append(_update(value=str(shutil.copy2(path, handout / path.name)), interactive=True))
        what = f"Finalised letter, version {final.version}" if final else "Letter built"
        left_out = [str(n) for n in self.numbers if getattr(review.edit(user, n), "leave_out", False)]
        note = f" Left out as you chose: question {', '.join(left_out)}." if left_out and not final else ""
        if with_appendix:
            note += (" With the appendix of the assistant's suggestions against the final text." if final else
                     " The appendix comes with a finalised letter: the lead finalises it on the Panel tab.")
        return [f"{what} at {utc_time()}: {len(letter.questions)} questions.{note}"] + buttons

    # The panel: consensus, comments, the lead, finalised versions

    def consensus_html(self, review: Review | None) -> str:
        """Per question, each member's grade beside the assistant's and the rubric's; disagreements marked. A
        member's grade is the one they set (✎), else the one their view of the suggestion gives."""
        if review is None:
            return "<p>No report open.</p>"
        rows = {c.number: c for c in consensus(review)}
        if not rows:
            return "<p>Nothing drafted or graded yet.</p>"
        backend = review.default_backend()
        members = review.members
        head = "".join(f"<th>{html.escape(m)}{' (lead)' if m == review.lead else ''}</th>" for m in members)
        body = []
        for question in self.pipeline.framework.questions:
            view = rows.get(question.number)
            if view is None or not question.graded:
                continue
            cells, grades = [], set()
            for member in members:
                _, grade = self.pipeline.member_text(review, question.number, member, backend)
                edit = review.edit(member, question.number)
                grades.add(grade)
                mark = " ✎" if edit and edit.grade is not None else ""
                statuses = " (own statuses)" if edit and edit.points else ""
                cells.append(f"<td>{grade.value if grade else '—'}{mark}{statuses}</td>")
            assistant = view.assistant.get(backend) if backend else None
            differs = len(grades) > 1 or (assistant is not None and grades - {assistant, None})
            disagree = bool(view.disagreement or differs)
            comments = len(view.comments)
            body.append(
                f"<tr class='{'disagree' if disagree else 'agree'}' data-question='{question.number}'>"
                f"<td>{question.number}. {html.escape(question.title)}{' ⚠ disagreement' if disagree else ''}</td>"
                + "".join(cells)
                + f"<td>{assistant.value if assistant else '—'}</td><td>{view.rubric.value if view.rubric else '—'}</td>"
                f"<td>{comments or ''}</td></tr>"
            )
        table = (f"<table class='consensus'><thead><tr><th>Question</th>{head}<th>Assistant ({html.escape(backend or '—')})"
                 f"</th><th>Rubric</th><th>Comments</th></tr></thead><tbody>{''.join(body)}</tbody></table>")
        notes = [f"<li><b>Q{c.number}</b> {html.escape(c.user)} ({utc_time(c.created_at)}): {html.escape(c.text)}</li>"
                 for c in review.comments]
        return table + (f"<h4>Comments</h4><ul>{''.join(notes)}</ul>" if notes else "")

    def lead_md(self, review: Review | None, user: str) -> str:
        if review is None:
            return ""
        lines = [f"**Lead:** {review.lead or 'nobody yet'}. **Members:** {', '.join(review.members) or '—'}. "
                 f"**Letter:** {'finalised, read-only' if review.status == 'final' else 'open'}."]
        if review.letters:
            lines.append("**Versions:** " + "; ".join(
                f"v{f.version} by {f.finalised_by} at {utc_time(f.finalised_at, with_date=True)}" for f in review.letters))
        if review.lead == user:
            lines.append("_You lead this review: you finalise (and reopen) the letter._")
        return "\n\n".join(lines)

    def panel_view(self, review_id, request: gr.Request = None) -> list:
        """[consensus table, lead and versions]."""
        review = self._review(review_id)
        return [self.consensus_html(review), self.lead_md(review, user_of(request))]

    def add_comment(self, review_id, number, text: str, request: gr.Request = None) -> list:
        """Returns [status, comment box, consensus table, lead]."""
        review = self._review(review_id)
        if review is None or number in (None, "") or not (text or "").strip():
            return ["Pick a question and write a comment first.", _update()] + self.panel_view(review_id, request)
        self.store.comment(review.id, user_of(request), int(number), text.strip())
        return [f"Comment added at {utc_time()}.", ""] + self.panel_view(review_id, request)

    def _lead_action(self, review_id, request, action) -> list:
        """Returns [status, consensus table, lead]."""
        review = self._review(review_id)
        if review is None:
            return ["Open a report first."] + self.panel_view(review_id, request)
        try:
            status = action(review, user_of(request))
        except ReviewError as exc:
            status = f"Error: {exc}."
        return [status] + self.panel_view(review_id, request)

    def take_lead(self, review_id, request: gr.Request = None) -> list:
        def take(review: Review, user: str) -> str:
            if review.lead and review.lead != user:
                raise ReviewError(f"{review.lead} leads this review")
            self.store.set_lead(review.id, user)
            return f"You lead this review ({utc_time()})."

        return self._lead_action(review_id, request, take)

    def finalise(self, review_id, request: gr.Request = None) -> list:
        def finalise(review: Review, user: str) -> str:
            final = self.pipeline.finalise(review, user)
            return f"Finalised: version {final.version} at {utc_time()}. The letter is read-only now."

        return self._lead_action(review_id, request, finalise)

    def reopen(self, review_id, request: gr.Request = None) -> list:
        def reopen(review: Review, user: str) -> str:
            self.store.reopen(review.id, user)
            return f"Reopened at {utc_time()}: the letter can be edited again; the finalised versions stay."

        return self._lead_action(review_id, request, reopen)

    # Review rounds (the secretariat)

    def round_choices(self) -> dict:
        return _update(choices=self.round_worker.rounds.names())

    def round_view(self, name: str | None) -> list:
        """[pre-screen table per report and question, drafting progress]."""
        if not name:
            return ["_Pick a round. Rounds are made with `panel-assistant round create NAME` and `round add`._", ""]
        rounds = self.round_worker.rounds
        try:
            rows = rounds.prescreen_rows(name)
            round_ = rounds.get(name)
        except RoundError as exc:
            return [f"Error: {exc}", ""]
        table = ["| File | Member | Q | Status | Pages | Points missing | Injection warnings | Error |",
                 "|---|---|---|---|---|---|---|---|"]
        for row in rows:
            cells = [row["file"], row["member"], row["question"], row["status"], row["pages"], row["missing points"],
                     row["injection warnings"], row["error"]]
            table.append("| " + " | ".join(str(c).replace("\n", "<br>").replace("|", "\\|") for c in cells) + " |")
        return ["\n".join(table), self.round_progress(name, round_)]

    def round_progress(self, name: str, round_=None) -> str:
        rounds = self.round_worker.rounds
        round_ = round_ or rounds.get(name)
        counts = rounds.progress(name)
        total = sum(counts.values())
        backend = self.pipeline.drafting_backend()[1] if total else ""
        lines = []
        for report in round_.reports:
            title = html.escape(f"{report.member or Path(report.path).name} {report.year or ''}")
            if report.error or report.review_id is None:
                lines.append(f"<div>{title}: not readable ({html.escape(report.error)})</div>")
                continue
            drafted = len(self.store.get(report.review_id).suggestions.get(backend, {})) if backend else 0
            lines.append(f"<div>{title}: <progress max='{len(self.numbers)}' value='{drafted}'></progress> "
                         f"{drafted}/{len(self.numbers)} questions</div>")
        working = " — drafting now" if self.round_worker.current == name else ""
        summary = (f"<p><b>Drafting:</b> {counts['done']} of {total} questions done, {counts['failed']} failed, "
                   f"{counts['pending'] + counts['running']} waiting{working}.</p>" if total else
                   "<p>Not drafted yet.</p>")
        failures = "".join(f"<li>{html.escape(f)}</li>" for f in rounds.failures(name))
        return (f"<div class='round-progress'>{summary}{''.join(lines)}"
                + (f"<p>Failed (drafting the round again retries them):</p><ul>{failures}</ul>" if failures else "") + "</div>")

    def start_round(self, name: str | None) -> list:
        """Returns [status, progress]."""
        if not name:
            return ["Pick a round first.", ""]
        try:
            waiting = self.round_worker.start(name)
        except RoundError as exc:
            return [f"Error: {exc}", ""]
        return [f"Drafting {waiting} questions of round {name} in the background ({utc_time()}); a restart of the "
                "server resumes where it stopped.", self.round_progress(name)]

    # Settings

    def is_admin(self, request) -> bool:
        """Without login the workspace is one person's, on loopback; with login only PANEL_ADMINS are."""
        return not self.auth_on or user_of(request) in self.admins

    def url_allowed(self, url: str) -> bool:
        """With login on, a backend URL must be on PANEL_BACKEND_ALLOWLIST (default: loopback) or be the configured one."""
        if not self.auth_on:
            return True
        target = urlparse(url.strip())
        if target.scheme not in ("http", "https") or not target.hostname:
            return False
        entries = parse_list(self.pipeline.settings.backend_allowlist) or list(LOOPBACK_HOSTS)
        entries += [self.pipeline.settings.llm_base_url] if self.pipeline.settings.llm_base_url else []
        for entry in entries:
            if "://" not in entry:
                if target.hostname == entry.strip("[]").lower():
                    return True
                continue
            allowed = urlparse(entry)
            if ((target.scheme, target.hostname, target.port) == (allowed.scheme, allowed.hostname, allowed.port)
                    and (target.path.rstrip("/") + "/").startswith(allowed.path.rstrip("/") + "/")):
                return True
        return False

    def _refusal(self, backend: str, url: str, request) -> str | None:
        if not self.is_admin(request):
            return "Error: only panel admins (PANEL_ADMINS) may test or change the backend."
        if backend != EMBEDDED and not self.url_allowed(url):
            return f"Error: {url!r} is not on this server's backend allowlist (PANEL_BACKEND_ALLOWLIST)."
        return None

    def banner(self, request: gr.Request = None) -> str:
        """What drafting really uses now, and who a change affects."""
        now = ("the embedded local model (on this machine)" if self.backend["backend"] == EMBEDDED
               else f"{self.backend['model']} at {self.backend['url']}")
        if not self.auth_on:
            scope = ("No login is configured: this workspace is for one person on this machine, and a change here "
                     "applies to this server process until it restarts.")
        elif self.is_admin(request):
            scope = "You are a panel admin: a change here applies to every user of this server until it restarts."
        else:
            scope = "Only panel admins (PANEL_ADMINS) can change the backend."
        return f"Now drafting with: **{now}**.\n\n{scope}"

    def settings_form(self, request: gr.Request = None) -> list:
        """On page load: [banner, backend, URL, model, structured output, test button, apply button] as they really are."""
        admin = self.is_admin(request)
        return [self.banner(request), _update(value=self.backend["backend"], interactive=admin),
                _update(value=self.backend["url"], interactive=admin), _update(value=self.backend["model"], interactive=admin),
                _update(value=self.backend["mode"], interactive=admin), _update(interactive=admin), _update(interactive=admin)]

    def _client_for(self, backend: str, url: str, model: str, key: str, mode: str):
        if backend == EMBEDDED:
            return make_chat_client(self.pipeline.settings.model_copy(update={"llm_base_url": ""}))
        if not url or not model:
            raise LLMError("Give the server URL and the model name")
        return OpenAIChatClient(url, model, api_key=key, structured_output=mode,
                                temperature=self.pipeline.settings.temperature, max_tokens=self.pipeline.settings.max_tokens,
                                timeout_s=self.pipeline.settings.llm_timeout_s, retries=self.pipeline.settings.llm_retries)

    def test_connection(self, backend: str, url: str, model: str, key: str, mode: str, request: gr.Request = None) -> str:
        if refusal := self._refusal(backend, url, request):
            return refusal
        try:
            client = self._client_for(backend, url, model, key, mode)
            return "Connection works: " + client.check() if isinstance(client, OpenAIChatClient) and backend != EMBEDDED \
                else "Connection works: the embedded model is ready."
        except (LLMError, EmbeddedModelUnavailable) as exc:
            return f"Error: {exc}"

    def apply_backend(self, backend: str, url: str, model: str, key: str, mode: str, confirmed: bool = False,
                      request: gr.Request = None) -> list:
        """Returns [status, banner, 'use it anyway' button]. A server that fails its connection test is used only
        once the user confirms."""
        hide = _update(visible=False)
        if refusal := self._refusal(backend, url, request):
            return [refusal, self.banner(request), hide]
        try:
            client = self._client_for(backend, url, model, key, mode)
            if backend != EMBEDDED and not confirmed:
                client.check()
        except (LLMError, EmbeddedModelUnavailable) as exc:
            if backend == EMBEDDED or "Give the server URL" in str(exc):
                return [f"Error: {exc}. Nothing changed.", self.banner(request), hide]
            return [f"Not applied: the connection test failed ({exc}). Drafting still uses the backend named above. "
                    "Press “Use it anyway” if that server will be up before the next draft.",
                    self.banner(request), _update(visible=True)]
        self.pipeline.use_client(client)
        self.backend = {"backend": backend, "url": url if backend != EMBEDDED else "", "model": model if backend != EMBEDDED else "",
                        "mode": mode}
        return [f"Applied at {utc_time()}: drafting now uses {client.description}.", self.banner(request), hide]



def build_ui(pipeline: Pipeline, calls: WorkspaceCallbacks | None = None) -> gr.Blocks:
    calls = calls or WorkspaceCallbacks(pipeline)
    settings = pipeline.settings
    with gr.Blocks(title="Panel Assistant", analytics_enabled=False) as demo:
        review_state = gr.State(None)
        ingested = gr.State(False)
        last_review = gr.BrowserState(None, storage_key="panel-assistant-last-review")
        gr.Markdown("# Panel Assistant\nDraft the Independent Review Panel's feedback letter on an accountability report.")
        with gr.Row():
            reports = gr.Dropdown(label="Open a report (the panel's reviews)", choices=[], interactive=True, scale=3,
                                  elem_id="reports")
            header = gr.Markdown("No report open.", elem_id="report-header")

        with gr.Tab("Report"):
            with gr.Row():
                # No file_types filter: the server names an unsupported type itself, once, instead of a pop-up
                # followed by a misleading "choose a file". Oversized files are refused by max_file_size.
                upload = gr.File(label=f"Accountability report (PDF, DOCX, Markdown, text; at most {settings.max_file_mb:g} MB)",
                                 type="filepath")
                with gr.Column():
                    member = gr.Textbox(label="Member organisation (blank: from the file name)")
                    year = gr.Textbox(label="Report year (blank: from the file name)", placeholder="e.g. 2023", max_lines=1)
                    ingest_button = gr.Button("Ingest report", variant="primary")
            ingest_status = gr.Markdown()

        with gr.Tab("Pre-screen"):
            gr.Markdown("For the secretariat: is every question answered, where, and with what evidence. No LLM involved.")
            prescreen_md = gr.Markdown(elem_classes="prescreen")

        with gr.Tab("Draft"):
            gr.Markdown("Per question: **your text** (green, goes in the letter, saved as you type), the "
                        "**assistant's suggestion** (blue; shared by the panel: drafted once for everyone), the "
                        "**checklist** of guidance points (change a status and the rubric grade follows) and the "
                        "**evidence** quoted from the report (grey).")
            with gr.Row():
                draft_button = gr.Button("Draft all questions", variant="primary")
                draft_status = gr.Markdown(elem_id="draft-status")
            opening = gr.Textbox(label="Overall remarks (opening of the letter)", lines=5, interactive=True, elem_id="remarks")
            opening_saved = gr.Markdown()
            question_components = []
            for question in pipeline.framework.questions:
                n = question.number
                with gr.Accordion(f"{n}. {question.text}", open=n == 1):
                    with gr.Row():
                        with gr.Column(scale=3, elem_classes="member-panel"):
                            gr.Markdown("Your text — goes in the letter", elem_classes="panel-label")
                            changed = gr.Markdown(elem_id=f"changed-{n}")
                            commentary = gr.Textbox(show_label=False, lines=8, interactive=True, elem_id=f"commentary-{n}",
                                                    placeholder="Write the Panel's commentary on this question.")
                        with gr.Column(scale=1, min_width=220):
                            grade = gr.Dropdown(label="Grade", choices=GRADE_CHOICES, interactive=True,
                                                visible=question.graded, elem_id=f"grade-{n}")
                            omit = gr.Checkbox(label="Leave this question out of the letter", elem_id=f"omit-{n}")
                            saved = gr.Markdown(elem_id=f"saved-{n}")
                            regenerate = gr.Button("Regenerate this question", size="sm", elem_id=f"regenerate-{n}")
                            regen_status = gr.Markdown(elem_id=f"regen-status-{n}")
                    with gr.Row():
                        with gr.Column(elem_classes="suggestion-panel"):
                            gr.Markdown("Assistant's suggestion", elem_classes="panel-label")
                            suggestion = gr.Markdown(elem_id=f"suggestion-{n}")
                        with gr.Column(elem_classes="evidence-panel"):
                            gr.Markdown("Checklist and evidence", elem_classes="panel-label")
                            checklist = gr.Markdown(elem_id=f"checklist-{n}")
                            with gr.Row():
                                point = gr.Dropdown(label="Guidance point", choices=[], interactive=True, scale=3,
                                                    elem_id=f"point-{n}")
                                status = gr.Radio(STATUSES, label="Its status (yours)", interactive=True, scale=2,
                                                  elem_id=f"status-{n}")
                            evidence = gr.Markdown(elem_id=f"evidence-{n}")
                            evidence_pick = gr.Dropdown(label="See a quote in context", choices=[], interactive=True,
                                                        elem_id=f"quote-{n}")
                            context = gr.Textbox(label="Surrounding text", lines=6, interactive=False, elem_id=f"context-{n}")
                            page_image = gr.Image(label="Page", type="pil", visible=False, interactive=False,
                                                  elem_id=f"page-{n}")
                    with gr.Accordion("Show model output", open=False):
                        live = gr.Textbox(show_label=False, lines=4, interactive=False, elem_id=f"live-{n}")
                    with gr.Accordion("Past-letter precedent", open=False):
                        precedent = gr.Markdown()
                    with gr.Accordion("Follow-up of the previous letter", open=False):
                        follow_ups = gr.Markdown()
                fields = [commentary, grade, omit, changed, suggestion, checklist, point, status, evidence,
                          evidence_pick, precedent, follow_ups]
                question_components += fields
                number = gr.Number(n, visible=False)
                confirm = gr.Checkbox(visible=False)
                notes = [saved, changed, suggestion]
                commentary.input(calls.save_commentary, [review_state, number, commentary], notes,
                                 trigger_mode="always_last", concurrency_limit=None, show_progress="hidden")
                grade.input(calls.save_grade, [review_state, number, grade], notes, concurrency_limit=None)
                omit.input(calls.save_omit, [review_state, number, omit], notes, concurrency_limit=None)
                point.input(calls.point_status, [review_state, number, point], status, concurrency_limit=None)
                status.input(calls.save_status, [review_state, number, point, status],
                             [saved, checklist, suggestion, changed, commentary, grade], concurrency_limit=None)
                evidence_pick.input(calls.show_context, [review_state, number, evidence_pick], [context, page_image],
                                    concurrency_limit=None)
                regenerate.click(
                    calls.regenerate, [review_state, number, confirm], [live, regen_status] + fields,
                    concurrency_id="draft", concurrency_limit=2,
                    js=f"(d, n, c) => [d, n, confirm('Regenerate question {n}? Your text for it is set aside (kept in "
                       "the archive) and replaced by a new draft.')]",
                )

        with gr.Tab("Panel") as panel_tab:
            gr.Markdown("Each member's grade beside the assistant's and the rubric's; rows where the panel disagrees are "
                        "marked. ✎: set by hand; otherwise the grade the member's view of the suggestion gives.")
            consensus_view = gr.HTML(elem_id="consensus")
            refresh_panel = gr.Button("Refresh", size="sm")
            with gr.Row():
                comment_on = gr.Dropdown([(f"{q.number}. {q.title}", q.number) for q in pipeline.framework.questions],
                                         label="Comment on question", scale=1, elem_id="comment-question")
                comment_text = gr.Textbox(label="Comment", scale=3, elem_id="comment-text")
                comment_button = gr.Button("Add comment", scale=1)
            lead_view = gr.Markdown(elem_id="lead")
            with gr.Row():
                lead_button = gr.Button("Take the lead")
                finalise_button = gr.Button("Finalise the letter (lead)", variant="primary")
                reopen_button = gr.Button("Reopen (lead)")
            panel_status = gr.Markdown(elem_id="panel-status")

        with gr.Tab("Round") as round_tab:
            gr.Markdown("For the secretariat: a whole review round. Make rounds with `panel-assistant round create` and "
                        "`round add`; here you see their pre-screen and draft them in the background.")
            with gr.Row():
                round_pick = gr.Dropdown(label="Review round", choices=[], interactive=True, elem_id="round")
                round_draft = gr.Button("Draft the round in the background", variant="primary")
            round_status = gr.Markdown(elem_id="round-status")
            round_progress = gr.HTML(elem_id="round-progress")
            round_table = gr.Markdown(elem_classes="prescreen", elem_id="round-table")
            round_timer = gr.Timer(3, active=False)

        with gr.Tab("Export"):
            gr.Markdown("Every question goes in the letter: your text, else the assistant's, else a marked "
                        "placeholder; only questions you chose to leave out are missing. Once the lead has finalised "
                        "the letter, the finalised version is exported.")
            with_appendix = gr.Checkbox(label="Add an appendix: the assistant's suggestions against the final text "
                                              "(finalised letters)", elem_id="appendix")
            appendix_state = gr.State(False)
            export_button = gr.Button("Build the letter", variant="primary")
            export_status = gr.Markdown()
            with gr.Row():
                docx_button = gr.DownloadButton("Download DOCX", elem_id="download-docx", interactive=False)
                md_button = gr.DownloadButton("Download Markdown", elem_id="download-md", interactive=False)

        with gr.Tab("Settings"):
            backend_banner = gr.Markdown(calls.banner(), elem_id="backend-banner")
            backend = gr.Radio([EMBEDDED, SERVER], label="Backend", value=calls.backend["backend"])
            base_url = gr.Textbox(label="Base URL (OpenAI, Azure, vLLM, Ollama, llama.cpp server)", value=calls.backend["url"])
            model_name = gr.Textbox(label="Model", value=calls.backend["model"])
            api_key = gr.Textbox(label="API key", type="password")
            mode = gr.Dropdown(["json_schema", "json_object_schema", "json_object"], value=calls.backend["mode"],
                               label="Structured output")
            with gr.Row():
                test_button = gr.Button("Test connection")
                apply_button = gr.Button("Use this backend", variant="primary")
                anyway_button = gr.Button("Use it anyway", variant="stop", visible=False)
            settings_status = gr.Markdown(elem_id="settings-status")

        page = [header, prescreen_md, opening] + question_components
        panel = [consensus_view, lead_view]
        downloads_off = [_update(value=None, interactive=False)] * 2
        ingest_button.click(
            calls.ingest, [upload, member, year, review_state], [ingest_status, review_state, reports, ingested],
            concurrency_id="ingest", concurrency_limit=1,
        ).then(calls.open_if_ingested, [ingested, review_state], page, show_progress="hidden").then(
            lambda d: d, review_state, last_review).then(calls.prescreen_view, review_state, prescreen_md)
        reports.input(lambda d: d, reports, review_state).then(calls.open_report, review_state, page).then(
            lambda d: d, review_state, last_review).then(lambda: downloads_off, None, [docx_button, md_button]).then(
            calls.panel_view, review_state, panel).then(calls.prescreen_view, review_state, prescreen_md)
        draft_button.click(calls.draft_all, review_state, [draft_status] + question_components + [opening],
                           concurrency_id="draft", concurrency_limit=2)
        opening.input(calls.save_opening, [review_state, opening], opening_saved, trigger_mode="always_last",
                      concurrency_limit=None, show_progress="hidden")

        panel_tab.select(calls.panel_view, review_state, panel)
        refresh_panel.click(calls.panel_view, review_state, panel)
        comment_button.click(calls.add_comment, [review_state, comment_on, comment_text],
                             [panel_status, comment_text] + panel)
        lead_button.click(calls.take_lead, review_state, [panel_status] + panel).then(calls.open_report, review_state, page)
        finalise_button.click(calls.finalise, review_state, [panel_status] + panel).then(calls.open_report, review_state, page)
        reopen_button.click(calls.reopen, review_state, [panel_status] + panel).then(calls.open_report, review_state, page)

        round_tab.select(calls.round_choices, None, round_pick)
        round_pick.input(calls.round_view, round_pick, [round_table, round_progress])
        round_draft.click(calls.start_round, round_pick, [round_status, round_progress]).then(
            lambda: gr.Timer(active=True), None, round_timer)
        round_timer.tick(calls.round_progress, round_pick, round_progress, show_progress="hidden")

        with_appendix.change(lambda x: bool(x), with_appendix, appendix_state)
        export_button.click(calls.export, [review_state, appendix_state], [export_status, docx_button, md_button])
        settings_inputs = [backend, base_url, model_name, api_key, mode]
        settings_outputs = [settings_status, backend_banner, anyway_button]
        test_button.click(calls.test_connection, settings_inputs, settings_status)
        apply_button.click(calls.apply_backend, settings_inputs + [gr.State(False)], settings_outputs)
        anyway_button.click(calls.apply_backend, settings_inputs + [gr.State(True)], settings_outputs)
        demo.load(calls.restore, last_review, [review_state, reports] + page).then(calls.panel_view, review_state, panel).then(
            calls.prescreen_view, review_state, prescreen_md)
        demo.load(calls.settings_form, None, [backend_banner, backend, base_url, model_name, mode, test_button, apply_button])
    return demo


def parse_auth(spec: str) -> list[tuple[str, str]] | None:
    """PANEL_AUTH="alice:secret,bob:other" turns on login; empty leaves the workspace open (loopback only)."""
    pairs = [item.split(":", 1) for item in spec.split(",") if ":" in item]
    return [(user.strip(), password) for user, password in pairs] or None


def serve(settings=None, prevent_thread_lock: bool = False):
    from .settings import get_settings

    settings = settings or get_settings()
    auth = parse_auth(settings.auth)
    for user, _ in auth or []:
        user_folder(user)  # refuse '.', '..' and empty names at start-up, not at the first save
    pipeline = Pipeline(settings)
    pipeline.reviews  # opened now: the JSON workspaces of earlier versions are imported on start, not on a first click
    calls = WorkspaceCallbacks(pipeline)
    demo = build_ui(pipeline, calls)
    calls.round_worker.resume()  # a round whose drafting a stop interrupted goes on where it stopped
    # Drafting or ingesting one report must not block another user's work: saves run unlimited, ingestion and
    # drafting in their own concurrency groups.
    demo.queue(default_concurrency_limit=4)
    return demo.launch(
        server_name=settings.host, server_port=settings.port, root_path=settings.root_path or None, auth=auth,
        ssr_mode=False, show_error=True, run_history=False, prevent_thread_lock=prevent_thread_lock, theme=THEME, css=CSS,
        # Refused in the browser (and by the upload route) before a large file is sent or read.
        max_file_size=int(settings.max_file_mb * 1024 * 1024),
    )
