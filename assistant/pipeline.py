"""One entry point over the layers: ingest, pre-screen, draft, export. The CLI and the UI call this; nothing here
knows about either."""

from __future__ import annotations

import threading
from pathlib import Path

from . import export
from .corpus import load_framework, load_letters
from .drafting import Drafter, ProgressCallback
from .index import Index
from .ingest import IngestResult, Progress, ingest_corpus, ingest_report
from .llm import ChatClient, OnToken, make_chat_client
from .models import LetterDraft, QuestionDraft
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
        return Drafter(self.settings, self.index, self.framework, self.client, self.letters)

    def ingest(self, path: Path, member: str = "", year: int | None = None, progress: Progress | None = None) -> IngestResult:
        return ingest_report(Path(path), self.index, self.framework, self.settings, member=member, year=year, progress=progress)

    def prescreen(self, doc_id: str) -> Prescreen:
        if doc_id not in self._prescreens:
            self._prescreens[doc_id] = prescreen(self.settings, self.index, self.framework, doc_id)
        return self._prescreens[doc_id]

    def draft_question(self, number: int, doc_id: str, member: str = "", year: int | None = None,
                       on_token: OnToken | None = None) -> QuestionDraft:
        return self.drafter.draft_question(number, doc_id, member, year, on_token=on_token)

    def draft_letter(self, doc_id: str, member: str = "", year: int | None = None, numbers: list[int] | None = None,
                     progress: ProgressCallback | None = None) -> LetterDraft:
        return self.drafter.draft_letter(doc_id, member, year, numbers, progress)

    def export(self, letter: LetterDraft, path: Path) -> Path:
        return export.write(letter, self.framework, self.settings.prompts_dir, path)

    def markdown(self, letter: LetterDraft) -> str:
        return export.to_markdown(letter, self.framework, self.settings.prompts_dir)
