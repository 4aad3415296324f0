"""The review store's SQLite schema as its history: one script per version; a database at version N runs scripts
N+1.. in order, each in one transaction (store.py)."""

MIGRATIONS = [
    """
    CREATE TABLE reviews (
        id INTEGER PRIMARY KEY, doc_id TEXT NOT NULL, framework_id TEXT NOT NULL, review_round TEXT NOT NULL DEFAULT '',
        source TEXT NOT NULL DEFAULT '', member TEXT NOT NULL DEFAULT '', year INTEGER, lead TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL DEFAULT 'open', created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
        UNIQUE (doc_id, framework_id, review_round)
    );
    CREATE TABLE members (review_id INTEGER NOT NULL REFERENCES reviews(id), user TEXT NOT NULL, joined_at TEXT NOT NULL,
        PRIMARY KEY (review_id, user));
    CREATE TABLE suggestions (
        review_id INTEGER NOT NULL REFERENCES reviews(id), backend TEXT NOT NULL, number INTEGER NOT NULL,
        draft TEXT NOT NULL, provenance TEXT NOT NULL, created_at TEXT NOT NULL,
        PRIMARY KEY (review_id, backend, number)
    );
    CREATE TABLE remarks (review_id INTEGER NOT NULL REFERENCES reviews(id), backend TEXT NOT NULL, text TEXT NOT NULL,
        PRIMARY KEY (review_id, backend));
    CREATE TABLE edits (
        review_id INTEGER NOT NULL REFERENCES reviews(id), user TEXT NOT NULL, number INTEGER NOT NULL,
        commentary TEXT, grade TEXT, points TEXT NOT NULL DEFAULT '{}', leave_out INTEGER NOT NULL DEFAULT 0,
        updated_at TEXT NOT NULL, PRIMARY KEY (review_id, user, number)
    );
    CREATE TABLE archived_edits (id INTEGER PRIMARY KEY, review_id INTEGER NOT NULL REFERENCES reviews(id),
        edit TEXT NOT NULL, reason TEXT NOT NULL, archived_at TEXT NOT NULL);
    CREATE TABLE comments (id INTEGER PRIMARY KEY, review_id INTEGER NOT NULL REFERENCES reviews(id), user TEXT NOT NULL,
        number INTEGER NOT NULL, text TEXT NOT NULL, created_at TEXT NOT NULL);
    CREATE TABLE letters (review_id INTEGER NOT NULL REFERENCES reviews(id), version INTEGER NOT NULL,
        letter TEXT NOT NULL, backend TEXT NOT NULL, finalised_by TEXT NOT NULL, finalised_at TEXT NOT NULL,
        PRIMARY KEY (review_id, version));
    CREATE TABLE audit (id INTEGER PRIMARY KEY, review_id INTEGER NOT NULL REFERENCES reviews(id), user TEXT NOT NULL,
        action TEXT NOT NULL, number INTEGER, detail TEXT NOT NULL, at TEXT NOT NULL);
    CREATE INDEX audit_by_review ON audit (review_id, id);
    CREATE TABLE imported_workspaces (path TEXT PRIMARY KEY, review_id INTEGER NOT NULL, imported_at TEXT NOT NULL);
    """,
    # Review rounds for the secretariat (assistant/rounds.py): the reports in a round and the drafting job queue,
    # one job per question of one report.
    """
    CREATE TABLE rounds (name TEXT PRIMARY KEY, framework_id TEXT NOT NULL, created_at TEXT NOT NULL);
    CREATE TABLE round_reports (
        round TEXT NOT NULL REFERENCES rounds(name), path TEXT NOT NULL, member TEXT NOT NULL DEFAULT '', year INTEGER,
        doc_id TEXT, review_id INTEGER REFERENCES reviews(id), pages INTEGER, warnings TEXT NOT NULL DEFAULT '[]',
        error TEXT NOT NULL DEFAULT '', added_at TEXT NOT NULL, PRIMARY KEY (round, path)
    );
    CREATE TABLE jobs (
        id INTEGER PRIMARY KEY, round TEXT NOT NULL REFERENCES rounds(name), review_id INTEGER NOT NULL REFERENCES reviews(id),
        number INTEGER NOT NULL, backend TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'pending',
        worker TEXT NOT NULL DEFAULT '', attempts INTEGER NOT NULL DEFAULT 0, error TEXT NOT NULL DEFAULT '',
        updated_at TEXT NOT NULL, UNIQUE (review_id, number, backend)
    );
    CREATE INDEX jobs_by_round ON jobs (round, status, id);
    """,
    # Who is on a round (admins add them): they see its reviews, which they are not members of until they work on them.
    """
    CREATE TABLE round_members (round TEXT NOT NULL REFERENCES rounds(name), user TEXT NOT NULL,
        added_by TEXT NOT NULL DEFAULT '', added_at TEXT NOT NULL, PRIMARY KEY (round, user));
    """,
    # A member's verify mode: per guidance point, the report sentences they attached as evidence and the quotes they
    # rejected, as {guidance: {"attached": [...], "rejected": [...]}}.
    """
    ALTER TABLE edits ADD COLUMN evidence TEXT NOT NULL DEFAULT '{}';
    """,
    # The lead's decisions on disagreements (decisions.py), and every suggestion ever made, not just each backend's
    # latest (history.py), those already made included.
    """
    CREATE TABLE decisions (review_id INTEGER NOT NULL REFERENCES reviews(id), number INTEGER NOT NULL, kind TEXT NOT NULL,
        member TEXT NOT NULL DEFAULT '', commentary TEXT, grade TEXT, grades TEXT NOT NULL DEFAULT '{}',
        decided_by TEXT NOT NULL, decided_at TEXT NOT NULL, PRIMARY KEY (review_id, number));
    CREATE TABLE suggestion_history (id INTEGER PRIMARY KEY, review_id INTEGER NOT NULL REFERENCES reviews(id),
        backend TEXT NOT NULL, number INTEGER NOT NULL, commentary TEXT NOT NULL, grade TEXT, provenance TEXT NOT NULL,
        created_at TEXT NOT NULL);
    CREATE INDEX suggestion_history_by_question ON suggestion_history (review_id, number, id);
    INSERT INTO suggestion_history (review_id, backend, number, commentary, grade, provenance, created_at)
        SELECT review_id, backend, number, COALESCE(json_extract(draft, '$.commentary'), ''),
        json_extract(draft, '$.suggested_grade'), provenance, created_at FROM suggestions ORDER BY created_at;
    """,
]
