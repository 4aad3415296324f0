"""Reading: a report file (PDF, DOCX, Markdown, text) into checked pages, chunks and sentences, with hidden and
injected text kept out; also the shipped corpus (frameworks, past letters). Imports only the core modules
(models, settings, logs)."""
