"""Review: the SQLite review store (each member's edits, the archive, consensus, finalised letters), the
pre-screen and the export of letters. Imports judging, search, reading and the core modules."""
