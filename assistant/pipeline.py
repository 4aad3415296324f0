"""One entry point over the layers: ingest, pre-screen, assess, draft, review, export. The CLI and the UI call this;
nothing here knows about either. Constructing a Pipeline does no I/O: the index, the framework and the review store
are opened on first use. The shipped past letters (precedent for drafts) are indexed on the first draft, or ahead of
it in the background (`warm_up_in_background`, which the app calls once its page answers), so ingesting a report
never waits for them."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from functools import cached_property
from pathlib import Path

from .judging.assessment import Assessor
from .judging.drafting import (
    MODEL_NOT_ASKED,
    MODEL_TIMED_OUT,
    Drafter,
    ProgressCallback,
    choose_mode,
)
from .judging.llm import ChatClient, OnToken, make_chat_client
from .member_view import MemberView
from .models import (
    Chunk,
    DraftMode,
    Framework,
    Grade,
    Letter,
    LetterDraft,
    QuestionAssessment,
    QuestionDraft,
)
from .reading.corpus import load_framework, load_letters
from .reading.documents import content_hash
from .reading.pages import PageImage, RenderLimits, render_page
from .reading.safety import detector
from .reading.titles import is_generic, title_cues
from .review import export
from .review.agreement import agreement
from .review.prescreen import Prescreen, named, prescreen
from .review.reviews import (
    Decision,
    Disagreement,
    EarlierText,
    FinalLetter,
    GradeOf,
    MemberEdit,
    Review,
    ReviewError,
    appendix,
    open_disagreements,
    provenance,
)
from .review.store import ReviewStore
from .search.embeddings import get_embedder
from .search.index import Index, document_key
from .search.ingest import (
    IngestResult,
    Progress,
    delete_report_files,
    ingest_corpus,
    ingest_report,
    original_path,
    rename_record,
)
from .settings import Settings, disable_telemetry, get_settings

log = logging.getLogger(__name__)
OnDraft = Callable[[QuestionDraft], None]
ASSESSMENT_BACKEND = "assessment"  # what a review files the assessment's own drafts under


def backend_name(draft: QuestionDraft, client: ChatClient | None) -> str:
    """What a review files a suggestion under: the assessment, or the model and URL that wrote it."""
    if draft.mode == "assessment" or client is None:
        return ASSESSMENT_BACKEND
    return client.description or type(client).__name__


class Pipeline(MemberView):
    def __init__(self, settings: Settings | None = None, client: ChatClient | None = None):
        disable_telemetry()
        self.settings = settings or get_settings()
        self._client = client
        self._client_lock = threading.Lock()
        self._open_lock = threading.Lock()  # cached_property is not thread-safe; the UI serves several threads
        self._prescreens: dict[str, Prescreen] = {}  # by document key: a report's pre-screen never changes
        self._letters_lock = threading.Lock()
        self._letters_indexed = False

    @cached_property
    def _index(self) -> Index:
        return Index(self.settings)

    @property
    def index(self) -> Index:
        """The index, reports and past letters; the shipped letters may not be in it yet (see precedent_index)."""
        with self._open_lock:
            return self._index

    @property
    def precedent_index(self) -> Index:
        """The index with the shipped past letters in it: indexed once (a no-op where they already are), here or by
        the background thread, whichever comes first; a caller that comes second waits for it."""
        index = self.index
        with self._letters_lock:
            if not self._letters_indexed:
                ingest_corpus(index, self.settings)
                self._letters_indexed = True
        return index

    def warm_up_in_background(self) -> threading.Thread:
        """In a thread, what the first upload and the first draft would otherwise wait for: open the index (and
        import Chroma), load the embedding model, embed the injection detector's exemplars, index the shipped
        letters. Not a daemon: a process that exits meanwhile waits for it rather than stop it in the middle of a
        write. A failure is logged, and the first ingest or draft does that step again (and reports it)."""

        def work() -> None:
            try:
                detector(self.settings.corpus_dir, get_embedder(self.settings.models_dir,
                                                                self.settings.embedding_batch)).prepare()
                self.precedent_index  # noqa: B018
            except Exception as exc:
                log.warning("start-up work not done in the background", extra={"error": f"{type(exc).__name__}: {exc}"})

        thread = threading.Thread(target=work, name="warm-up")
        thread.start()
        return thread

    @cached_property
    def framework(self) -> Framework:
        return load_framework(self.settings.corpus_dir, self.settings.framework)

    @cached_property
    def letters(self) -> list[Letter]:
        return load_letters(self.settings.corpus_dir)

    @property
    def reviews(self) -> ReviewStore:
        with self._open_lock:
            return self._reviews

    @cached_property
    def _reviews(self) -> ReviewStore:
        return ReviewStore.for_settings(self.settings)

    @property
    def client(self) -> ChatClient:
        """Made on first use: the embedded model only starts when a model is asked for."""
        with self._client_lock:
            if self._client is None:
                self._client = make_chat_client(self.settings)
            return self._client

    def use_client(self, client: ChatClient) -> None:
        with self._client_lock:
            self._client = client

    def drafting_mode(self) -> DraftMode:
        """What drafting in the configured mode (PANEL_DRAFT_MODE) really does: 'assessment' (no LLM: auto with the
        embedded model), 'llm' (a model writes on top of the assessment) or 'llm-rewrite'."""
        return choose_mode(self.settings, self.settings.draft_mode)

    def drafting_backend(self, client: ChatClient | None = None) -> tuple[ChatClient | None, str]:
        """The client drafting uses in the configured mode (None: the assessment alone) and the name a review
        files its suggestions under. Never starts the embedded model for the assessment's own drafts."""
        if self.drafting_mode() == "assessment" and client is None:
            return None, ASSESSMENT_BACKEND
        client = client or self.client
        return client, client.description or type(client).__name__

    @cached_property
    def assessor(self) -> Assessor:
        """One per pipeline: it keeps the framework's point vectors and the typical report's scores."""
        embedder = get_embedder(self.settings.models_dir, self.settings.embedding_batch)
        return Assessor(self.framework, embedder.embed, self.settings.corpus_dir, self.settings.prompts_dir)

    @property
    def drafter(self) -> Drafter:
        return Drafter(self.settings, self.precedent_index, self.framework, self.assessor, self.letters)

    def ingest(self, path: Path, member: str = "", year: int | None = None, progress: Progress | None = None) -> IngestResult:
        return ingest_report(Path(path), self.index, self.framework, self.settings, member=member, year=year, progress=progress)

    def passage(self, chunk_id: str) -> Chunk | None:
        """One indexed passage, to show a quote in its context."""
        return self.index.chunk(chunk_id)

    def page_view(self, doc_id: str, page: int, quote: str) -> PageImage | None:
        """A PDF report's page with the quote highlighted (found=False: the page alone), or None where the report is
        not a PDF or its original was not kept. Raises PageViewError (PageOutOfRange) for a page it cannot show."""
        original = original_path(self.settings, doc_id)
        if original is None or original.suffix != ".pdf":
            return None
        limits = RenderLimits(**self.settings.model_dump(include=set(RenderLimits.model_fields)))
        return render_page(original, page, quote, self.settings.page_image_width, limits)

    def delete_report(self, doc_id: str) -> int:
        """Withdraw a report: its passages leave the index, its ingest record and kept original leave the data
        folder. Returns how many passages there were."""
        removed = self.index.delete_document(doc_id)
        delete_report_files(self.settings, doc_id)
        return removed

    def prescreen(self, doc_id: str, member: str | None = None, year: int | None = None) -> Prescreen:
        """The report's pre-screen under `member` and `year` (a review's name; None: the name it was indexed under),
        warning where the name or year is unknown."""
        if doc_id not in self._prescreens:
            self._prescreens[doc_id] = prescreen(self.settings, self.index, self.framework, doc_id,
                                                 assessments=self.assess(doc_id))
        return named(self._prescreens[doc_id], member, year)

    # Assessment and drafting

    def assess(self, doc_id: str, member: str = "", numbers: list[int] | None = None) -> list[QuestionAssessment]:
        """The deterministic assessment of a report's answers: no LLM, the same result every time."""
        chunks = self.index.chunks(doc_id=doc_id)
        if not chunks:
            raise KeyError(f"no report with id {doc_id} is indexed")
        return self.assessor.assess(chunks, member=member, numbers=numbers)

    def draft_question(self, number: int, doc_id: str, member: str = "", year: int | None = None, *,
                       mode: DraftMode | str = "auto", client: ChatClient | None = None, on_token: OnToken | None = None,
                       assessment: QuestionAssessment | None = None) -> QuestionDraft:
        """One question's draft: the assessment's own, or a model's on top of it (see assistant/judging/drafting.py).
        The model starts only when a mode needs it."""
        mode = choose_mode(self.settings, mode if mode != "auto" else self.settings.draft_mode)
        assessment = assessment or self.assess(doc_id, member, [number])[0]
        if mode != "assessment":
            client = client or self.client
        return self.drafter.draft_question(assessment, doc_id, member, year, client=client, mode=mode, on_token=on_token)

    # Reviews

    def review_for(self, report: IngestResult, review_round: str = "", user: str = "", lead_if_none: bool = False) -> Review:
        """The review of an ingested report in a round (made if new); `user` joins it (and leads it, with
        `lead_if_none`, where nobody does yet). A review that knew no name (or only a file name's 'Report') takes
        the one ingestion found; a name it has is changed only by a rename."""
        review = self.reviews.open(report.doc_id, self.framework.id, review_round, user=user, source=report.source,
                                   member=report.member, year=report.year, lead_if_none=lead_if_none)
        unnamed = is_generic(review.member, title_cues(self.settings.corpus_dir))
        if review.status == "open" and ((unnamed and report.member) or (review.year is None and report.year)):
            member = report.member if unnamed and report.member else review.member
            if member:
                review = self.reviews.rename(review.id, "", member, review.year or report.year)
        return review

    def rename_review(self, review: Review, member: str, year: int | None, user: str = "") -> Review:
        """Name the report's organisation and year in a review: its letter (title, greeting, subtitle), its export
        file names and its drafting follow, and the rename is in its audit log (ReviewError: a finalised letter, an
        empty name). The report's ingest record keeps the name for its next upload. The index is not touched: its
        passages keep the member they were indexed under, which only the command line's search filter reads; the
        letter never does, and nothing is re-read or re-embedded."""
        renamed = self.reviews.rename(review.id, user, member, year)
        rename_record(self.settings, review.doc_id, renamed.member, renamed.year)
        return renamed

    def draft(self, review: Review, numbers: list[int] | None = None, client: ChatClient | None = None, *,
              mode: DraftMode | str = "auto", user: str = "", regenerate_for: str | None = None,
              on_token: OnToken | None = None, on_draft: OnDraft | None = None) -> list[QuestionDraft]:
        """Draft questions of a review (all by default), saving each to the review with its provenance as it lands.
        The client is per call, so two backends can draft the same review side by side. `regenerate_for` names the
        member whose edits of these questions the new drafts displace (archived, not lost)."""
        assessments = self.assess(review.doc_id, review.member, numbers)
        drafts = []
        timed_out: int | None = None  # a backend that hung once would cost every later question its whole deadline
        for assessment in assessments:
            draft = self.draft_question(assessment.number, review.doc_id, review.member, review.year,
                                        mode=mode if timed_out is None else "assessment", client=client,
                                        on_token=on_token, assessment=assessment)
            if timed_out is not None:
                draft.flags.append(f"{MODEL_NOT_ASKED}: it did not answer in time on question {timed_out}; the "
                                   "assessment's own draft is shown. Regenerate to try the model again.")
            elif any(f.startswith(MODEL_TIMED_OUT) for f in draft.flags):
                timed_out = assessment.number
            writer = client or (self._client if draft.mode != "assessment" else None)
            backend = backend_name(draft, writer)
            prov = provenance(draft, self.settings, backend, model=getattr(writer, "model", "") if writer else "")
            self.reviews.save_suggestion(review.id, draft, prov, user=user, archive_edit_of=regenerate_for)
            drafts.append(draft)
            if on_draft:
                on_draft(draft)
        return drafts

    def draft_letter(self, doc_id: str, member: str = "", year: int | None = None, numbers: list[int] | None = None,
                     progress: ProgressCallback | None = None, *, mode: DraftMode | str = "auto",
                     client: ChatClient | None = None, review_round: str = "", user: str = "",
                     source: str = "") -> LetterDraft:
        """Draft a report's letter into its review (every question saved as it lands) and return it."""
        review = self.reviews.open(doc_id, self.framework.id, review_round, user=user, source=source, member=member,
                                   year=year)
        numbers = numbers if numbers is not None else [q.number for q in self.framework.questions]
        total = len(numbers) + 1

        def landed(draft: QuestionDraft) -> None:
            if progress:
                progress(numbers.index(draft.number) + 1, total, f"question {draft.number}")

        if progress:
            progress(0, total, f"question {numbers[0]}" if numbers else "overall remarks")
        drafts = self.draft(review, numbers, client, mode=mode, user=user, on_draft=landed)
        writer = client or (self._client if any(d.mode == "llm" for d in drafts) else None)
        letter = self.drafter.letter(drafts, member, year, doc_id, writer, source=review.source)
        letter.review_round = review.review_round  # the letter names its round, as the review's own letter does
        backend = backend_name(drafts[0], writer) if drafts else ASSESSMENT_BACKEND
        self.reviews.save_remarks(review.id, backend, letter.overall_remarks, user=user)
        if progress:
            progress(total, total, "done")
        return letter

    def framework_of(self, letter: LetterDraft) -> Framework:
        """The framework a letter was drafted under: its headings, grade labels and template shape the export."""
        if letter.framework_id in ("", self.framework.id):
            return self.framework
        return load_framework(self.settings.corpus_dir, letter.framework_id)

    def finalise(self, review: Review, user: str, backend: str | None = None) -> FinalLetter:
        """The lead's letter becomes the next read-only version. Where the lead's point statuses changed what the
        assistant's draft says and they kept it, that view is saved as their edit first: the version holds what
        they saw. Those edits are saved by the store with the version, after it checked `user` leads: a refused
        finalise saves nothing."""
        review = self.reviews.get(review.id)
        backend = backend or review.default_backend()
        derived: dict[int, tuple[str | None, Grade | None]] = {}
        seen = review.model_copy(deep=True)  # the letter as it will be, those edits made, before anything is saved
        for number in review.suggestions.get(backend or "", {}):
            edit = review.edit(user, number)
            if not (edit and edit.points):
                continue
            view = self.member_draft(review, number, user, backend)
            text = view.commentary if edit.commentary is None else None
            grade = view.suggested_grade if edit.grade is None else None
            if text is not None or grade is not None:
                derived[number] = (text, grade)
                seen.edits[user][number] = edit.model_copy(update={"commentary": edit.commentary if text is None else text,
                                                                   "grade": edit.grade if grade is None else grade})
        # The member's letter has every framework question, including those written by hand and never drafted.
        letter = self.member_letter(seen, user, backend, checked=True)
        # The lead's finalising is the check: the finalised letter carries no provisional mark.
        letter = letter.model_copy(update={"questions": [q.model_copy(update={"assessment": q.assessment.model_copy(
            update={"provisional": False})}) if q.assessment else q for q in letter.questions]})
        return self.reviews.finalise(review.id, user, backend, letter=letter, edits=derived, grade_of=self.grade_of(backend))

    # The panel's disagreements and the lead's decisions (assistant/review/decisions.py)

    def grade_of(self, backend: str | None = None) -> GradeOf:
        """A member's grade of a question as it goes in their letter: their own, else their view of the suggestion."""
        return lambda review, user, number: self.member_text(review, number, user, backend)[1]

    def disagreements(self, review: Review, backend: str | None = None) -> list[Disagreement]:
        """The questions the members grade differently that the lead has neither resolved nor accepted: finalising
        is refused while there are any."""
        return open_disagreements(review, self.grade_of(backend))

    def decide(self, review: Review, user: str, number: int, kind: str, member: str = "", text: str | None = None,
               grade=None) -> Decision:
        """The lead decides what goes into the letter for a question: `member`'s text and grade (as that member has
        them now), a merge (`text`, `grade`), or `accept` (their own stands). See ReviewStore.decide."""
        if kind == "member":
            text, grade = self.member_text(self.reviews.get(review.id), number, member)
        return self.reviews.decide(review.id, user, number, kind, member=member, commentary=text, grade=grade,
                                   grade_of=self.grade_of())

    # Earlier texts (assistant/review/history.py)

    def earlier_texts(self, review: Review, user: str, number: int | None = None) -> list[EarlierText]:
        """`user`'s archived texts and the assistant's suggestions, replaced or current, of one question or all."""
        return self.reviews.earlier_texts(review.id, user, number)

    def restore_text(self, review: Review, user: str, text_id: str, via: str = "") -> tuple[MemberEdit, EarlierText]:
        """An earlier text becomes `user`'s text of its question (their current one archived first)."""
        if user not in self.reviews.get(review.id).members:
            raise ReviewError(f"{user} is not a member of this review")
        return self.reviews.restore_earlier(review.id, user, text_id, via)

    def find_review(self, report: str, review_round: str | None = None) -> Review:
        """The review named by a review id, a report's document id, its file name, or the report file itself (no
        ingesting: its content names it); with `review_round`, that round's. Raises ReviewError where none or
        several match."""
        if report.isdigit():
            try:
                return self.reviews.get(int(report))
            except KeyError:
                raise ReviewError(f"no review {report}") from None
        path = Path(report)
        digest = content_hash(path.read_bytes()) if path.is_file() else None
        found = [r for r in self.reviews.list() if report in (r.doc_id, r.source) or path.name == r.source
                 or (digest and r.doc_id == document_key(digest, r.framework_id))]
        found = [r for r in found if review_round is None or r.review_round == review_round]
        if not found:
            raise ReviewError(f"no review of {report!r}: name a review id, a report file, its file name or document id")
        if len(found) > 1:
            raise ReviewError(f"{report!r} has {len(found)} reviews (" + ", ".join(
                f"{r.id}: round {r.review_round or 'none'}" for r in found) + "): name one by its id or --round")
        return found[0]

    def agreement(self) -> dict:
        """How far the assistant's suggestions agree with the panel's finalised reviews (review/agreement.py)."""
        return agreement(self.reviews.list())

    def export_review(self, letter: LetterDraft, path: Path, review: Review | None = None,
                      with_appendix: bool = False) -> Path:
        """A letter file; with the appendix (the assistant's suggestions against the finalised text) where asked."""
        path = self.export(letter, path)
        if with_appendix and review is not None and review.final is not None:
            export.add_appendix(path, appendix(review))
        return path

    def export(self, letter: LetterDraft, path: Path) -> Path:
        return export.write(letter, self.framework_of(letter), self.settings.prompts_dir, path)

    def markdown(self, letter: LetterDraft) -> str:
        return export.to_markdown(letter, self.framework_of(letter), self.settings.prompts_dir)
