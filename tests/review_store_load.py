"""Load figures for the review store (not collected by pytest): concurrent clients, each a process, saving edits to
one review and opening it again, for a fixed time; then every client's last acknowledged edit is checked against
what the store holds. The same against the JSON WorkspaceStore of earlier versions, for comparison.

    python tests/review_store_load.py [--clients 8] [--seconds 30]

Two clients share each member (a member with two browser tabs, or the UI and the CLI), and each client owns three of
the six questions, so nobody overwrites anybody else's edit: a stored value other than the client's last acknowledged
one is a lost edit.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.models import Evidence, Grade, QuestionDraft  # noqa: E402
from assistant.review.reviews import Provenance  # noqa: E402
from assistant.review.store import ReviewStore  # noqa: E402
from assistant.review.workspace import WorkspaceStore  # noqa: E402

DOC, FRAMEWORK = "doc-load", "accountable-now-2022"


def sample_drafts() -> list[QuestionDraft]:
    """Drafts the size of real ones: a commentary of some 250 words and four quotes each."""
    return [
        QuestionDraft(number=n, title=f"Question {n}", commentary=" ".join(["The report explains its practice."] * 50),
                      suggested_grade=Grade.PM, evidence=[Evidence(quote="A quoted sentence " * 8, chunk_id=f"c{n}{i}") for i in range(4)])
        for n in range(6)
    ]


def user_of(client: int) -> str:
    return f"member{client // 2}"


def owned(client: int) -> list[int]:
    return [0, 1, 2] if client % 2 == 0 else [3, 4, 5]


def setup(kind: str, root: Path, clients: int) -> object:
    if kind == "sqlite":
        store = ReviewStore(root / "reviews.sqlite3")
        review = store.open(DOC, FRAMEWORK, "load")
        for draft in sample_drafts():
            store.save_suggestion(review.id, draft, Provenance(backend="load"))
        return review.id
    store = WorkspaceStore(root / "workspaces")
    for user in {user_of(c) for c in range(clients)}:
        for draft in sample_drafts():
            store.save_suggestion(user, DOC, draft)
    return None


def client(kind: str, root: Path, review_id, number: int, start: float, stop: float, results) -> None:
    user, numbers = user_of(number), owned(number)
    if kind == "sqlite":
        store = ReviewStore(root / "reviews.sqlite3")
        save = lambda n, text: store.save_edit(review_id, user, n, commentary=text)  # noqa: E731
        load = lambda: store.get(review_id)  # noqa: E731
    else:
        store = WorkspaceStore(root / "workspaces")
        save = lambda n, text: store.save_edit(user, DOC, n, commentary=text)  # noqa: E731
        load = lambda: store.load(user, DOC)  # noqa: E731
    saves, opens, acknowledged, errors = [], [], {}, 0
    while time.time() < start:
        time.sleep(0.001)
    k = 0
    while time.time() < stop:
        n, text = numbers[k % len(numbers)], f"client{number} edit {k}"
        t0 = time.perf_counter()
        try:
            save(n, text)
            t1 = time.perf_counter()
            acknowledged[n] = text
            load()
            t2 = time.perf_counter()
            saves.append(t1 - t0)
            opens.append(t2 - t1)
        except Exception:  # the old store under several processes: a failed write is not acknowledged
            errors += 1
        k += 1
    results.put((number, saves, opens, acknowledged, errors))


def run(kind: str, clients: int, seconds: float) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        review_id = setup(kind, root, clients)
        results = mp.Queue()
        start = time.time() + 2.0  # every process has started and opened its store
        processes = [mp.Process(target=client, args=(kind, root, review_id, c, start, start + seconds, results))
                     for c in range(clients)]
        for p in processes:
            p.start()
        collected = [results.get(timeout=seconds + 120) for _ in processes]
        for p in processes:
            p.join()
        corrupt = 0
        if kind == "sqlite":
            review = ReviewStore(root / "reviews.sqlite3").get(review_id)
            stored = lambda c, n: (review.edit(user_of(c), n).commentary if review.edit(user_of(c), n) else None)  # noqa: E731
        else:
            spaces = {u: readable(root, u) for u in {user_of(c) for c in range(clients)}}
            corrupt = sum(1 for space in spaces.values() if space is None)
            stored = lambda c, n: (spaces[user_of(c)].edits[n].commentary  # noqa: E731
                                   if spaces[user_of(c)] and n in spaces[user_of(c)].edits else None)
        lost = sum(1 for c, _, _, acked, _ in collected for n, text in acked.items() if stored(c, n) != text)
    saves = [s for _, s, _, _, _ in collected for s in s]
    opens = [o for _, _, o, _, _ in collected for o in o]
    return {
        "store": kind, "clients": clients, "seconds": seconds, "saves": len(saves),
        "save_p50_ms": percentile(saves, 50), "save_p95_ms": percentile(saves, 95),
        "open_p50_ms": percentile(opens, 50), "open_p95_ms": percentile(opens, 95),
        "errors": sum(e for *_, e in collected), "lost_edits": lost, "unreadable_files": corrupt,
    }


def readable(root: Path, user: str):
    """A member's workspace, or None where concurrent writers left the file unreadable (every edit in it lost)."""
    try:
        return WorkspaceStore(root / "workspaces").load(user, DOC)
    except ValueError:
        return None


def percentile(values: list[float], p: int) -> float:
    if len(values) < 2:
        return round(values[0] * 1000, 2) if values else float("nan")
    return round(statistics.quantiles(values, n=100)[p - 1] * 1000, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--stores", nargs="+", default=["sqlite", "json"], choices=["sqlite", "json"])
    args = parser.parse_args()
    print(f"{'store':<7} {'saves':>6} {'save p50':>9} {'save p95':>9} {'open p50':>9} {'open p95':>9} {'errors':>7} {'lost':>5} {'unreadable':>10}")
    for kind in args.stores:
        r = run(kind, args.clients, args.seconds)
        print(f"{r['store']:<7} {r['saves']:>6} {r['save_p50_ms']:>7}ms {r['save_p95_ms']:>7}ms "
              f"{r['open_p50_ms']:>7}ms {r['open_p95_ms']:>7}ms {r['errors']:>7} {r['lost_edits']:>5} {r['unreadable_files']:>10}")


if __name__ == "__main__":
    main()
