"""Report sentences as the assessment reads them: answer sentences of a run of passages, once each, with the evidence
features (corpus/assessment/features.json) each one shows."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..models import Chunk, Evidence, FeatureKind
from ..reading.points import answer_sentences, one_line

FEATURE_KINDS: tuple[FeatureKind, ...] = ("figure", "stakeholder", "validation", "learning", "admission", "vague", "plan")
# Kinds read from the features file that are no Feature of an answer: they change how a sentence counts.
SENTENCE_KINDS = ("rule", "signpost", "output", "outcome")
# The text splitter repeats up to its chunk_overlap (150 characters) at the start of the next passage; a shorter
# match at a page break is chance, unless it is whole lines (a short heading the splitter repeated).
MIN_OVERLAP, MAX_OVERLAP = 20, 400


@lru_cache
def load_features(corpus_dir: Path) -> dict[str, list[re.Pattern]]:
    data = json.loads((Path(corpus_dir) / "assessment" / "features.json").read_text(encoding="utf-8"))
    return {kind: [re.compile(p, re.IGNORECASE) for p in data[kind]] for kind in (*FEATURE_KINDS, *SENTENCE_KINDS)}


@dataclass
class Sentence:
    text: str
    chunk: Chunk
    features: frozenset[str]

    @property
    def admission(self) -> bool:
        return "admission" in self.features

    @property
    def plan(self) -> bool:
        return "plan" in self.features

    @property
    def rule(self) -> bool:
        """States a policy or a requirement ('PSEA training is mandatory for all staff'), not what was done: the
        panel reads a list of policies as a partial answer."""
        return "rule" in self.features

    @property
    def signpost(self) -> bool:
        """Says what the chapter will say ('This chapter describes our most significant achievements', 'Three lessons
        stand out.'), not what was done: no evidence, no detail and no quote, whatever figure it names."""
        return "signpost" in self.features

    @property
    def label(self) -> bool:
        """Set wholly in bold, as a run-in heading is ('**How we validated these results.** We do not ...'): it may
        name a point, but it is no practice to quote or commend."""
        return f"**{self.text}**" in self.chunk.text or f"__{self.text}__" in self.chunk.text

    @property
    def specific(self) -> bool:
        """Gives a figure, or names an organisation, programme or place without hedging in commitment language:
        the concrete kind of support the panel asks for."""
        if self.signpost:
            return False
        return "figure" in self.features or ("stakeholder" in self.features and "vague" not in self.features)

    def evidence(self) -> Evidence:
        return Evidence.from_chunk(self.chunk, quote=self.text)


def _normal(text: str) -> str:
    return re.sub(r"\W+", " ", text).strip().lower()


def sentences_of(chunks: Sequence[Chunk], features: dict[str, list[re.Pattern]]) -> list[Sentence]:
    """Answer sentences in document order, once each. Consecutive passages of one section are read as one text: a
    sentence cut by a page break or a passage boundary is one sentence, not two fragments that each read differently
    (and whose second half lost the "we have not yet" that made it an admission)."""
    seen: set[str] = set()
    out = []
    for run in _runs(chunks):
        plain = [one_line(c.text) for c in run]
        for text in answer_sentences(_joined([c.text for c in run])):
            key = _normal(text)
            if key in seen:
                continue
            seen.add(key)
            head = one_line(text)[:40]  # the passage the sentence starts in: its page
            chunk = next((c for c, p in zip(run, plain) if head in p), run[0])
            found = frozenset(kind for kind, patterns in features.items() if any(p.search(text) for p in patterns))
            out.append(Sentence(text=text, chunk=chunk, features=found))
    return out


def _runs(chunks: Sequence[Chunk]) -> list[list[Chunk]]:
    """Chunks in document order, grouped into runs of neighbours in the same section."""
    runs: list[list[Chunk]] = []
    for chunk in sorted(chunks, key=lambda c: c.position):
        last = runs[-1][-1] if runs else None
        if last and chunk.position == last.position + 1 and (chunk.section, chunk.question) == (last.section, last.question):
            runs[-1].append(chunk)
        else:
            runs.append([chunk])
    return runs


def _joined(texts: list[str]) -> str:
    """Neighbouring passages as one text, without the overlap the splitter repeats at the start of the next one."""
    out = texts[0]
    for text in texts[1:]:
        tail = out.rstrip()
        overlap = next((k for k in range(min(len(tail), len(text), MAX_OVERLAP), 0, -1)
                        if tail.endswith(text[:k]) and (k >= MIN_OVERLAP or _whole_lines(tail, text, k))), 0)
        out = tail + ("\n" if not overlap else "") + text[overlap:]
    return out


def _whole_lines(tail: str, text: str, k: int) -> bool:
    """Whether the text's first k characters are whole lines that also end the tail ("**What we learned**")."""
    return text[k:k + 1] in ("", "\n") and (len(tail) == k or tail[-k - 1] == "\n")
