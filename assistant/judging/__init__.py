"""Judging: the assessment (passages, point statuses with quotes, the rubric grade) and drafting on top of it,
with the one chat interface to an LLM. Imports search, reading and the core modules."""
