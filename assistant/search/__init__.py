"""Search: embeddings, the Chroma and BM25 index, and ingestion (read a report, then index it). Imports reading and
the core modules."""
