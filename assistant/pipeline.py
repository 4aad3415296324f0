"""One entry point over the layers: ingest, pre-screen, draft, review, export. The CLI and the UI call this; nothing
here knows about either. Constructing a Pipeline does no I/O: the index (and the past letters it holds), the
framework and the review store are opened on first use."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import cached_property
from pathlib import Path

from . import export
from .corpus import load_framework, load_letters
from .drafting import Drafter, ProgressCallback
from .index import Index
from .ingest import IngestResult, Progress, ingest_corpus, ingest_report
from .llm import ChatClient, OnToken, make_chat_client
from .models import Framework, Letter, LetterDraft, QuestionDraft
from .prescreen import Prescreen, prescreen
from .reviews import Review, ReviewStore, provenance
from .settings import Settings, disable_telemetry, get_settings

OnDraft = Callable[[QuestionDraft], None]


def backend_name(client: ChatClient) -> str:
    """What a review files a client's suggestions under: its model and URL, or its kind."""
    return client.description or type(client).__name__


class Pipeline:
    def __init__(self, settings: Settings | None = None, client: ChatClient | None = None):
        disable_telemetry()
        self.settings = settings or get_settings()
        self._client = client
        self._client_lock = threading.Lock()
        self._open_lock = threading.Lock()  # cached_property is not thread-safe; the UI serves several threads
        self._prescreens: dict[str, Prescreen] = {}  # by content hash: a report's pre-screen never changes

    @cached_property
    def _index(self) -> Index:
        index = Index(self.settings)
        ingest_corpus(index, self.settings)  # the past letters, for precedent; a no-op once indexed
        return index

    @property
    def index(self) -> Index:
        with self._open_lock:
            return self._index

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
        """Made on first use: the embedded model only starts when something is drafted."""
        with self._client_lock:
            if self._client is None:
                self._client = make_chat_client(self.settings)
            return self._client

    def use_client(self, client: ChatClient) -> None:
        with self._client_lock:
            self._client = client

    def drafter_for(self, client: ChatClient | None = None) -> Drafter:
        return Drafter(self.settings, self.index, self.framework, client or self.client, self.letters)

    @property
    def drafter(self) -> Drafter:
        return self.drafter_for()

    def ingest(self, path: Path, member: str = "", year: int | None = None, progress: Progress | None = None) -> IngestResult:
        return ingest_report(Path(path), self.index, self.framework, self.settings, member=member, year=year, progress=progress)

    def prescreen(self, doc_id: str) -> Prescreen:
        if doc_id not in self._prescreens:
            self._prescreens[doc_id] = prescreen(self.settings, self.index, self.framework, doc_id)
        return self._prescreens[doc_id]

    # Reviews

    def review_for(self, report: IngestResult, review_round: str = "", user: str = "") -> Review:
        """The review of an ingested report in a round (made if new)."""
        return self.reviews.open(report.doc_id, self.framework.id, review_round, user=user, source=report.source,
                                 member=report.member, year=report.year)

    def draft(self, review: Review, numbers: list[int] | None = None, client: ChatClient | None = None, *,
              user: str = "", regenerate_for: str | None = None, on_token: OnToken | None = None,
              on_draft: OnDraft | None = None) -> list[QuestionDraft]:
        """Draft questions of a review (all by default) with `client` (the pipeline's own if none), saving each to
        the review with its provenance as it lands. `regenerate_for` names the member whose edits of these questions
        the new drafts displace (archived, not lost)."""
        client = client or self.client
        backend = backend_name(client)
        numbers = numbers if numbers is not None else [q.number for q in self.framework.questions]
        drafts = []
        for number in numbers:
            draft = self._draft_one(number, review.doc_id, review.member, review.year, client, on_token)
            prov = provenance(draft, self.settings, backend, model=getattr(client, "model", ""))
            self.reviews.save_suggestion(review.id, draft, prov, user=user, archive_edit_of=regenerate_for)
            drafts.append(draft)
            if on_draft:
                on_draft(draft)
        return drafts

    def draft_remarks(self, review: Review, client: ChatClient | None = None, user: str = "") -> str:
        """The letter's overall remarks from one backend's graded drafts of the review."""
        client = client or self.client
        backend = backend_name(client)
        review = self.reviews.get(review.id)
        graded = [s.draft for n, s in sorted(review.suggestions.get(backend, {}).items())
                  if self.framework.question(n).graded]
        remarks = self.drafter_for(client).overall_remarks(review.member, review.year, graded)
        self.reviews.save_remarks(review.id, backend, remarks, user=user)
        return remarks

    def draft_question(self, number: int, doc_id: str, member: str = "", year: int | None = None,
                       on_token: OnToken | None = None) -> QuestionDraft:
        """One question, outside any review (the UI's path until it moves to reviews)."""
        return self._draft_one(number, doc_id, member, year, self.client, on_token)

    def _draft_one(self, number: int, doc_id: str, member: str, year: int | None, client: ChatClient,
                   on_token: OnToken | None) -> QuestionDraft:
        """The one place that drafts a question."""
        return self.drafter_for(client).draft_question(number, doc_id, member, year, on_token=on_token)

    def draft_letter(self, doc_id: str, member: str = "", year: int | None = None, numbers: list[int] | None = None,
                     progress: ProgressCallback | None = None, *, review_round: str = "", user: str = "",
                     source: str = "") -> LetterDraft:
        """Draft a report's letter into its review (every question saved as it lands) and return the assistant's
        letter."""
        review = self.reviews.open(doc_id, self.framework.id, review_round, user=user, source=source, member=member,
                                   year=year)
        numbers = numbers if numbers is not None else [q.number for q in self.framework.questions]
        total = len(numbers) + 1

        def landed(draft: QuestionDraft) -> None:
            if progress:
                progress(numbers.index(draft.number) + 1, total, f"question {draft.number}")

        if progress:
            progress(0, total, f"question {numbers[0]}" if numbers else "overall remarks")
        self.draft(review, numbers, user=user, on_draft=landed)
        self.draft_remarks(review, user=user)
        if progress:
            progress(total, total, "done")
        return self.reviews.get(review.id).letter(backend=backend_name(self.client))

    def export(self, letter: LetterDraft, path: Path) -> Path:
        return export.write(letter, self.framework, self.settings.prompts_dir, path)

    def markdown(self, letter: LetterDraft) -> str:
        return export.to_markdown(letter, self.framework, self.settings.prompts_dir)
