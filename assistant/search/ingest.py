"""Ingestion: read a file, chunk it, index it. Idempotent: a file already indexed (same content hash) is skipped."""

from __future__ import annotations

import logging
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, Field

from ..models import Document, Framework, SuspectText
from ..reading.chunking import chunk_document, chunk_letter
from ..reading.corpus import letter_paths, load_letter
from ..reading.documents import (
    SUPPORTED_SUFFIXES,
    FileTooLarge,
    ReadLimits,
    content_hash,
    read_document,
)
from ..reading.safety import InjectionDetector, detector, remove_instructions
from ..reading.titles import is_generic, name_and_year, name_from_file, title_cues
from ..settings import Settings, bundled
from .embeddings import get_embedder
from .index import LETTERS, REPORTS, Index, document_key

Progress = Callable[[int, int], None]  # (done, total)
log = logging.getLogger(__name__)


class IngestResult(BaseModel):
    doc_id: str
    source: str
    member: str = ""
    year: int | None = None
    # Where the name and year came from: 'given' (typed, a manifest), 'file name', 'report' (its cover or title),
    # 'record' (what an earlier ingestion or a rename kept), '' (unknown).
    member_from: str = ""
    year_from: str = ""
    chunks: int = 0
    pages: int = 0
    already_indexed: bool = False
    questions_found: list[int] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    suspects: list[SuspectText] = Field(default_factory=list, description="Hidden or injected text kept out")


def guess_member_and_year(path: Path, corpus_dir: Path | None = None) -> tuple[str, int | None]:
    """From names like 'amnesty-international_2022_report.pdf': ('Amnesty International', 2022); a name that says
    nothing of who wrote the report ('report.pdf', 'final-draft.pdf') gives no member."""
    return name_from_file(Path(path), title_cues(corpus_dir or bundled("corpus")))


def _first(*candidates: tuple[object, str]) -> tuple[object, str]:
    """The first (value, where it came from) with a value; (None, '') without one."""
    return next(((value, source) for value, source in candidates if value), (None, ""))


def ingest_report(
    path: Path,
    index: Index,
    framework: Framework,
    settings: Settings,
    *,
    member: str = "",
    year: int | None = None,
    progress: Progress | None = None,
) -> IngestResult:
    path = Path(path)
    cues = title_cues(settings.corpus_dir)
    guessed_member, guessed_year = name_from_file(path, cues)
    # Hash first: a report indexed already under this framework is not parsed again (read_document gives the
    # clear errors for a missing or oversized file).
    if path.is_file() and not path.is_symlink() and path.stat().st_size <= settings.max_file_mb * 1e6:
        doc_id = document_key(content_hash(path.read_bytes()), framework.id)
        if index.has_document(doc_id):
            existing = index.chunks(doc_id=doc_id)
            record = load_ingest_record(settings, doc_id)
            _keep_original(settings, doc_id, path)  # a report ingested before originals were kept gets its copy now
            # Nothing is read again: the name is the one given, else the one kept for this report (read from it the
            # first time, or set by a rename), else the file name's.
            kept_member = record.member if record and not is_generic(record.member, cues) else ""
            named, member_from = _first((member, "given"), (kept_member, "record"), (guessed_member, "file name"))
            dated, year_from = _first((year, "given"), (record.year if record else None, "record"), (guessed_year, "file name"))
            return IngestResult(
                doc_id=doc_id, source=path.name, member=named or "", year=dated, member_from=member_from,
                year_from=year_from, already_indexed=True,
                chunks=len(existing), pages=max((c.page or 0 for c in existing), default=0),
                questions_found=sorted({c.question for c in existing if c.question is not None}),
                suspects=record.suspects if record else [], warnings=record.warnings if record else [],
            )
    document = read_document(path, read_limits(settings), ocr_progress=progress)
    document = document.model_copy(update={"doc_id": document_key(document.doc_id, framework.id)})
    judge = detector(settings.corpus_dir, get_embedder(settings.models_dir, settings.embedding_batch))
    document, removed = _without_instructions(document, judge)
    # The report's own cover and title where neither the user nor the file name say who wrote it (hidden and
    # injected text already out: neither can name the member).
    read_member, read_year = name_and_year(document, cues) if not (member or guessed_member) or not (year or guessed_year) \
        else ("", None)
    named, member_from = _first((member, "given"), (guessed_member, "file name"), (read_member, "report"))
    dated, year_from = _first((year, "given"), (guessed_year, "file name"), (read_year, "report"))
    member, year = named or "", dated
    result = IngestResult(
        doc_id=document.doc_id, source=document.source, member=member, year=year, member_from=member_from,
        year_from=year_from, pages=len(document.pages), warnings=document.warnings,
    )
    chunks = chunk_document(
        document, framework, chunk_size=settings.chunk_size, chunk_overlap=settings.chunk_overlap,
        member=member, year=year,
    )
    if len(chunks) > settings.max_chunks:
        raise FileTooLarge(
            f"{document.source}: {len(chunks):,} passages to index, over the {settings.max_chunks:,} limit "
            "(PANEL_MAX_CHUNKS). Split the report, or raise the limit."
        )
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, len(chunks))

    index.add(chunks, REPORTS, progress=advance)
    found = sorted({c.question for c in chunks if c.question is not None})
    missing = [q.number for q in framework.graded_questions if q.number not in found]
    warnings = list(document.warnings) + removed
    if missing:
        warnings.append(
            f"{document.source}: no section heading found for question(s) {', '.join(map(str, missing))}; "
            "in a report written in thematic chapters each is read from the chapters most about it, otherwise it is "
            "not answered."
        )
    result = result.model_copy(update={
        "chunks": len(chunks), "questions_found": found, "warnings": warnings, "suspects": document.suspects,
    })
    _save_ingest_record(settings, result)
    _keep_original(settings, result.doc_id, path)
    return result


def read_limits(settings: Settings) -> ReadLimits:
    return ReadLimits(**settings.model_dump(include=set(ReadLimits.model_fields)))


def _without_instructions(document: Document, judge: InjectionDetector) -> tuple[Document, list[str]]:
    """Take out sentences that try to steer the assessment; with the hidden text already taken out of PDFs, they
    become the document's suspects, and a warning each."""
    pages, suspects = [], list(document.suspects)
    for page in document.pages:
        text, found = remove_instructions(page.text, judge, page.number)
        pages.append(page.model_copy(update={"text": text}))
        suspects += found
    warnings = []
    for suspect in suspects:
        where = f"p. {suspect.page}" if suspect.page is not None else "the text"
        what = "removed text addressed to an AI system" if suspect.kind == "injection" else "removed hidden text"
        warnings.append(f"{document.source}: {what} ({where}; {suspect.reason}): \"{suspect.text[:120]}\"")
    return document.model_copy(update={"pages": pages, "suspects": suspects}), warnings


def _record_path(settings: Settings, doc_id: str) -> Path:
    return settings.data_dir / "reports" / f"{doc_id}.json"


def _save_ingest_record(settings: Settings, result: IngestResult) -> None:
    path = _record_path(settings, result.doc_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(result.model_dump_json(indent=1), encoding="utf-8")


def load_ingest_record(settings: Settings, doc_id: str) -> IngestResult | None:
    """What ingestion found in a report (suspect text with pages, warnings), or None for one ingested before
    records were kept."""
    path = _record_path(settings, doc_id)
    return IngestResult.model_validate_json(path.read_text(encoding="utf-8")) if path.exists() else None


def rename_record(settings: Settings, doc_id: str, member: str, year: int | None) -> None:
    """Keep a corrected name and year with the report, so that uploading it again with the fields blank gives them
    (the index is not touched: its passages keep the name they were indexed under)."""
    record = load_ingest_record(settings, doc_id) if _SAFE_DOC_ID.fullmatch(doc_id) else None
    if record is not None:
        _save_ingest_record(settings, record.model_copy(update={"member": member, "year": year, "member_from": "given",
                                                                "year_from": "given" if year else ""}))


# The original file beside the record, so the workspace can show a quote on its page: uploads are temporary
# files. It is as confidential as everything else in the data folder, and leaves with the report.
_SAFE_DOC_ID = re.compile(r"[A-Za-z0-9][\w.-]*")


def _original_target(settings: Settings, doc_id: str, suffix: str) -> Path:
    return settings.data_dir / "reports" / f"{doc_id}{suffix.lower()}"


def _keep_original(settings: Settings, doc_id: str, path: Path) -> None:
    target = _original_target(settings, doc_id, path.suffix)
    if not settings.keep_originals or target.exists():
        return
    partial = target.with_name(target.name + ".partial")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, partial)
        os.replace(partial, target)  # whole or not at all: a half-copied PDF would render as damaged
    except OSError as exc:  # the report is indexed; only its page view is lost
        partial.unlink(missing_ok=True)
        log.warning("original not kept", extra={"doc_id": doc_id, "error": str(exc)})


def original_path(settings: Settings, doc_id: str) -> Path | None:
    """The copy of a report's original file kept at ingestion, or None (not kept, or ingested before copies were)."""
    if not _SAFE_DOC_ID.fullmatch(doc_id):
        return None
    return next((p for s in sorted(SUPPORTED_SUFFIXES) if (p := _original_target(settings, doc_id, s)).is_file()), None)


def delete_report_files(settings: Settings, doc_id: str) -> list[Path]:
    """Remove what ingestion kept of a report outside the index (its record and original); returns what it removed."""
    if not _SAFE_DOC_ID.fullmatch(doc_id):  # an id from the command line must not reach outside the folder
        return []
    kept = [_record_path(settings, doc_id)] + [_original_target(settings, doc_id, s) for s in SUPPORTED_SUFFIXES]
    removed = [path for path in kept if path.is_file()]
    for path in removed:
        path.unlink()
    return removed


def ingest_letter(path: Path, index: Index, settings: Settings) -> IngestResult:
    path = Path(path)
    doc_id = content_hash(path.read_bytes())
    if index.has_document(doc_id, LETTERS):
        return IngestResult(doc_id=doc_id, source=path.name, already_indexed=True)
    letter = load_letter(path)
    result = IngestResult(doc_id=doc_id, source=path.name, member=letter.member, year=letter.report_year,
                          warnings=letter.warnings)
    chunks = chunk_letter(letter, doc_id, chunk_size=settings.chunk_size, chunk_overlap=settings.chunk_overlap)
    index.add(chunks, LETTERS)
    return result.model_copy(update={"chunks": len(chunks), "questions_found": [q.number for q in letter.questions]})


def ingest_corpus(index: Index, settings: Settings) -> list[IngestResult]:
    """Index the past letters the app ships (a no-op once done)."""
    return [ingest_letter(path, index, settings) for path in letter_paths(settings.corpus_dir)]
