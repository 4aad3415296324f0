"""One entry point over the layers: ingest, pre-screen, draft, export. The CLI and the UI call this; nothing here
knows about either."""

from __future__ import annotations

import threading
from pathlib import Path

from . import export
from .assessment import Assessor
from .corpus import load_framework, load_letters
from .drafting import Drafter, ProgressCallback, choose_mode
from .index import Index
from .ingest import IngestResult, Progress, ingest_corpus, ingest_report
from .llm import ChatClient, OnToken, make_chat_client
from .embeddings import get_embedder
from .models import Chunk, DraftMode, LetterDraft, QuestionAssessment, QuestionDraft
from .prescreen import Prescreen, prescreen
from .settings import Settings, disable_telemetry, get_settings


class Pipeline:
    def __init__(self, settings: Settings | None = None, client: ChatClient | None = None):
        disable_telemetry()
        self.settings = settings or get_settings()
        self.index = Index(self.settings)
        self.framework = load_framework(self.settings.corpus_dir, self.settings.framework)
        self.letters = load_letters(self.settings.corpus_dir)
        ingest_corpus(self.index, self.settings)
        self._client = client
        self._client_lock = threading.Lock()
        self._prescreens: dict[str, Prescreen] = {}  # by content hash: a report's pre-screen never changes

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

    @property
    def drafter(self) -> Drafter:
        return Drafter(self.settings, self.index, self.framework, self.assessor, self.letters)

    def ingest(self, path: Path, member: str = "", year: int | None = None, progress: Progress | None = None) -> IngestResult:
        return ingest_report(Path(path), self.index, self.framework, self.settings, member=member, year=year, progress=progress)

    def prescreen(self, doc_id: str) -> Prescreen:
        if doc_id not in self._prescreens:
            self._prescreens[doc_id] = prescreen(self.settings, self.index, self.framework, doc_id)
        return self._prescreens[doc_id]

    @property
    def assessor(self) -> Assessor:
        embedder = get_embedder(self.settings.models_dir, self.settings.embedding_batch)
        return Assessor(self.framework, embedder.embed, self.settings.corpus_dir, self.settings.prompts_dir)

    def assess(self, doc_id: str, member: str = "", numbers: list[int] | None = None) -> list[QuestionAssessment]:
        """The deterministic assessment of a report's answers: no LLM, the same result every time."""
        chunks = self.index.chunks(doc_id=doc_id)
        if not chunks:
            raise KeyError(f"no report with id {doc_id} is indexed")

        def search(query: str, k: int) -> list[Chunk]:
            return [hit.chunk for hit in self.index.search(query, doc_id=doc_id, k=k)]

        return self.assessor.assess(chunks, member=member, numbers=numbers, search=search)

    def draft_question(self, number: int, doc_id: str, member: str = "", year: int | None = None, *,
                       mode: DraftMode | str = "auto", client: ChatClient | None = None, on_token: OnToken | None = None,
                       assessment: QuestionAssessment | None = None) -> QuestionDraft:
        """One question's draft: the assessment's own, or a model's on top of it (see assistant/drafting.py).
        The model starts only when a mode needs it."""
        mode = choose_mode(self.settings, mode if mode != "auto" else self.settings.draft_mode)
        assessment = assessment or self.assess(doc_id, member, [number])[0]
        if mode != "assessment":
            client = client or self.client
        return self.drafter.draft_question(assessment, doc_id, member, year, client=client, mode=mode, on_token=on_token)

    def draft_letter(self, doc_id: str, member: str = "", year: int | None = None, numbers: list[int] | None = None,
                     progress: ProgressCallback | None = None, *, mode: DraftMode | str = "auto",
                     client: ChatClient | None = None) -> LetterDraft:
        assessments = self.assess(doc_id, member, numbers)
        total = len(assessments) + 1
        drafts = []
        for done, assessment in enumerate(assessments):
            if progress:
                progress(done, total, f"question {assessment.number}")
            drafts.append(self.draft_question(assessment.number, doc_id, member, year, mode=mode, client=client,
                                              assessment=assessment))
        if progress:
            progress(len(assessments), total, "overall remarks")
        writer = client or (self._client if any(d.mode == "llm" for d in drafts) else None)
        letter = self.drafter.letter(drafts, member, year, doc_id, writer)
        if progress:
            progress(total, total, "done")
        return letter

    def export(self, letter: LetterDraft, path: Path) -> Path:
        return export.write(letter, self.framework, self.settings.prompts_dir, path)

    def markdown(self, letter: LetterDraft) -> str:
        return export.to_markdown(letter, self.framework, self.settings.prompts_dir)
