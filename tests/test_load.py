"""A short, bounded load run against the real app: concurrent sessions must all succeed."""

from .load_app import run


def test_concurrent_clients_on_loopback(running_app, capsys):
    summary = run(running_app, clients=4, seconds=8, max_requests=25)
    with capsys.disabled():
        print(f"\nload: {summary}")
    assert summary["failures"] == 0, summary["errors"]
    assert summary["save_commentary"]["n"] >= 4 and summary["open_report"]["n"] >= 4
