"""A short, bounded load run against the real app: concurrent sessions must all succeed and lose no edit."""

from .load_app import run


def test_concurrent_clients_on_loopback(running_app, capsys):
    summary = run(running_app, clients=4, seconds=8, max_rounds=3)
    with capsys.disabled():
        print(f"\nload: {summary}")
    assert summary["failures"] == 0, summary["errors"]
    assert summary["edits_acknowledged"] >= 4 * 3 and summary["lost_edits"] == 0
    assert summary["actions"]["open report"]["n"] >= 4 and summary["actions"]["export"]["n"] >= 4
