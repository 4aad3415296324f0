"""The data the app ships: reporting frameworks and past letters under corpus/."""

from __future__ import annotations

import json
from pathlib import Path

from ..models import Framework, Letter
from .documents import read_document
from .letters import parse_letter_text

LETTER_SUFFIXES = {".txt", ".md", ".pdf", ".docx"}


def load_framework(corpus_dir: Path, framework_id: str) -> Framework:
    path = corpus_dir / "frameworks" / f"{framework_id}.json"
    if not path.exists():
        available = sorted(p.stem for p in (corpus_dir / "frameworks").glob("*.json"))
        raise FileNotFoundError(f"no framework {framework_id!r} in {path.parent}; available: {', '.join(available)}")
    return Framework.model_validate_json(path.read_text(encoding="utf-8"))


def load_letter(path: Path) -> Letter:
    """Parse a letter file; a sidecar PATH.json (member, report_year, review_round) overrides what the text says."""
    document = read_document(path)
    letter = parse_letter_text(document.text, source=path.name)
    sidecar = path.with_suffix(".json")
    if sidecar.exists():
        metadata = json.loads(sidecar.read_text(encoding="utf-8"))
        letter = letter.model_copy(
            update={key: metadata[key] for key in ("member", "report_year", "review_round") if key in metadata}
        )
    return letter


def letter_paths(corpus_dir: Path) -> list[Path]:
    return sorted(p for p in (corpus_dir / "letters").iterdir() if p.suffix.lower() in LETTER_SUFFIXES)


def load_letters(corpus_dir: Path) -> list[Letter]:
    return [load_letter(path) for path in letter_paths(corpus_dir)]
