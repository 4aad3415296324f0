"""A load run against the real workspace on 127.0.0.1: concurrent clients, each its own browser-like session, upload a
report of their own, open it (the assessment and pre-screen), draft it, edit its questions and export the letter, in
a loop for a fixed time. Reports p50/p95 per action, errors, and lost edits: afterwards a fresh session per client
reopens its report, and every edit the app acknowledged must be what it shows.

    python tests/load_app.py --start-app --clients 8 --seconds 30     # starts `python app.py` itself
    python tests/load_app.py --url http://127.0.0.1:7860/ --clients 4 --seconds 20

The app's callbacks are driven by their API names (gradio_client), looked up by prefix and called with keyword
arguments by parameter name, so the script follows the UI as its callbacks move from one store to another. Drafting
runs in the assessment mode (no LLM) unless the app is told otherwise.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SAMPLE = (Path(__file__).resolve().parent.parent / "corpus" / "samples"
          / "example-relief-network_2023_accountability-report.md")
EDITS_PER_ROUND = 3


class Endpoints:
    """The app's API: endpoint names by prefix, and the parameters each takes."""

    def __init__(self, client):
        api = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
        self.parameters = {name: [p["parameter_name"] for p in info["parameters"]] for name, info in api.items()}

    def family(self, prefix: str) -> list[str]:
        """'/save_commentary', '/save_commentary_1', ... in the order the UI made them (one per question)."""
        names = [n for n in self.parameters
                 if n == prefix or (n.startswith(prefix + "_") and n[len(prefix) + 1:].isdigit())]
        return sorted(names, key=lambda n: int(n.rsplit("_", 1)[1]) if n != prefix else -1)

    def call(self, client, name: str, **values):
        wanted = self.parameters[name]
        return client.predict(**{k: v for k, v in values.items() if k in wanted}, api_name=name)


def report_for(client_number: int, folder: Path) -> Path:
    """The sample report with a line of its own, so every client ingests (and edits) a report of its own."""
    path = folder / f"example-relief-network_2023_load-client-{client_number}.md"
    path.write_text(SAMPLE.read_text(encoding="utf-8") + f"\n\nLoad client {client_number}.\n", encoding="utf-8")
    return path


def strings(value) -> list[str]:
    """Every string in a callback's output, through lists, tuples and update dicts."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in strings(v)]
    return []


def opened_report(result) -> int | None:
    """The review an ingest left open: the reports list's value, a review id (its choices name other reviews too)."""
    items = result if isinstance(result, (list, tuple)) else [result]
    for item in items[1:]:  # after the status line
        value = item.get("value") if isinstance(item, dict) else item
        if isinstance(value, bool):
            continue
        if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
            return int(value)
    return None


def _timed(out: list, op: str, function):
    start = time.perf_counter()
    try:
        result = function()
    except Exception as exc:  # a failed request is a result to report, not a crash of the script
        out.append((op, time.perf_counter() - start, repr(exc)[:300]))
        return None, False
    out.append((op, time.perf_counter() - start, None))
    return result, True


def _client_loop(url: str, number: int, report: Path, seconds: float, max_rounds: int, auth, out: list,
                 acknowledged: dict, numbers: list[int], halt: threading.Event) -> None:
    from gradio_client import Client, handle_file

    try:
        client = Client(url, auth=auth, verbose=False)
        api = Endpoints(client)
    except Exception as exc:
        out.append(("connect", 0.0, repr(exc)[:300]))
        return
    saves = api.family("/save_commentary")
    grades = api.family("/save_grade")
    deadline = time.monotonic() + seconds
    doc_id, edits = None, acknowledged.setdefault(number, {})
    for round_number in range(max_rounds):
        if round_number and time.monotonic() > deadline or halt.is_set():
            break
        # Upload: the first is a new report, later ones find it indexed already (the content hash).
        op = "ingest (new report)" if doc_id is None else "ingest (already indexed)"
        result, ok = _timed(out, op, lambda: api.call(client, "/ingest", file_path=handle_file(str(report)),
                                                       member="", year=""))
        if not ok:
            continue
        doc_id = opened_report(result) or doc_id
        # Open it: the page with the assessment's pre-screen.
        _timed(out, "open (pre-screen)", lambda: api.call(client, "/open_if_ingested"))
        _timed(out, "draft all (assessment)", lambda: api.call(client, "/draft_all"))
        for k in range(EDITS_PER_ROUND):
            index = (round_number * EDITS_PER_ROUND + k) % len(saves)
            text = f"client {number} round {round_number} edit {k}: the Panel notes the complaints figures."
            result, ok = _timed(out, "save commentary",
                                lambda: api.call(client, saves[index], number=numbers[index], text=text))
            if ok and str((result or [""])[0]).startswith("Saved"):  # acknowledged: the app said it saved it
                edits[numbers[index]] = text
        if grades:
            _timed(out, "save grade", lambda: api.call(client, grades[round_number % len(grades)],
                                                     number=numbers[round_number % len(grades)], grade="PM"))
        _timed(out, "open report", lambda: api.call(client, "/open_report"))
        _timed(out, "export", lambda: api.call(client, "/export"))
    acknowledged[(number, "doc")] = doc_id


def lost_edits(url: str, acknowledged: dict, auth_for) -> tuple[int, int]:
    """(edits acknowledged, edits a fresh session does not show): each client's last edit of each question."""
    from gradio_client import Client

    total = lost = 0
    for number, edits in [(k, v) for k, v in acknowledged.items() if isinstance(k, int)]:
        client = Client(url, auth=auth_for(number), verbose=False)
        shown = set(strings(client.predict(acknowledged.get((number, "doc")), api_name="/restore")))
        total += len(edits)
        lost += sum(1 for text in edits.values() if text not in shown)
    return total, lost


def percentile(values: list[float], p: int) -> float:
    if len(values) < 2:
        return round(values[0] * 1000, 1) if values else float("nan")
    return round(statistics.quantiles(values, n=100, method="inclusive")[p - 1] * 1000, 1)


def run(url: str, clients: int = 4, seconds: float = 20.0, max_rounds: int = 200,
        users: list[tuple[str, str]] | None = None, numbers: list[int] | None = None,
        kill: tuple[float, object] | None = None) -> dict:
    """The load run and its summary. `kill`: (after how many seconds, a function that kills the app and returns the
    URL of the app started again on the same data); edits are then checked on the restarted app."""
    if urlparse(url).hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("load tests only target this machine's loopback address")
    numbers = numbers or list(range(6))
    auth_for = (lambda c: users[c % len(users)]) if users else (lambda c: None)
    records: list = []
    acknowledged: dict = {}
    halt = threading.Event()
    folder = Path(tempfile.mkdtemp(prefix="panel-load-"))
    reports = [report_for(c, folder) for c in range(clients)]
    threads = [threading.Thread(target=_client_loop, args=(url, c, reports[c], seconds, max_rounds, auth_for(c),
                                                           records, acknowledged, numbers, halt))
               for c in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    if kill:
        time.sleep(kill[0])
        halt.set()  # requests in flight fail with the app; no client starts another round
        url = kill[1]()
    for thread in threads:
        thread.join(timeout=seconds + 600)
    wall = time.monotonic() - started
    shutil.rmtree(folder, ignore_errors=True)
    acked, lost = lost_edits(url, acknowledged, auth_for)
    summary: dict = {"clients": clients, "seconds": seconds, "wall_s": round(wall, 1), "requests": len(records),
                     "failures": sum(1 for _, _, error in records if error),
                     "errors": sorted({error for _, _, error in records if error})[:5],
                     "edits_acknowledged": acked, "lost_edits": lost, "killed_at_s": kill[0] if kill else None,
                     "actions": {}}
    for op in dict.fromkeys(op for op, _, _ in records):
        times = [t for o, t, error in records if o == op and not error]
        if times:
            summary["actions"][op] = {"n": len(times), "p50_ms": percentile(times, 50), "p95_ms": percentile(times, 95),
                                      "max_ms": round(max(times) * 1000, 1)}
    return summary


def table(summary: dict) -> str:
    lines = ["| action | n | p50 | p95 | max |", "| --- | ---: | ---: | ---: | ---: |"]
    for op, s in summary["actions"].items():
        lines.append(f"| {op} | {s['n']} | {s['p50_ms']:.0f} ms | {s['p95_ms']:.0f} ms | {s['max_ms']:.0f} ms |")
    lines.append(f"\n{summary['clients']} clients, {summary['seconds']:g} s of rounds ({summary['wall_s']} s wall), "
                 f"{summary['requests']} requests, {summary['failures']} errors, {summary['edits_acknowledged']} edits "
                 f"acknowledged (last per question and client), {summary['lost_edits']} lost")
    if summary["killed_at_s"] is not None:
        lines.append(f"the app was killed (SIGKILL) {summary['killed_at_s']:g} s in, requests in flight failed with "
                     "it, and the edits were checked on the app started again on the same data")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:7860/")
    parser.add_argument("--start-app", action="store_true", help="start `python app.py` on a free loopback port")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--max-rounds", type=int, default=200, help="per client")
    parser.add_argument("--kill-at", type=float, help="with --start-app: SIGKILL the app this many seconds in, start "
                        "it again on the same data, and check the edits there")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.start_app:
        summary, peak = run_against_started_app(args.clients, args.seconds, args.max_rounds, args.kill_at)
    else:
        summary, peak = run(args.url, args.clients, args.seconds, args.max_rounds), None
    print(json.dumps(summary, indent=2) if args.json else table(summary))
    if peak:
        print(f"app process peak RSS: {peak:.0f} MB")
    killed = summary["killed_at_s"] is not None
    return 1 if summary["lost_edits"] or (summary["failures"] and not killed) else 0


def warm_up(url: str, auth) -> None:
    """One ingest and draft before the clock starts: the embedder, the index and the past letters load once."""
    from gradio_client import Client, handle_file

    client = Client(url, auth=auth, verbose=False)
    client.predict(handle_file(str(SAMPLE)), "", "", api_name="/ingest")
    client.predict(api_name="/draft_all")


def run_against_started_app(clients: int, seconds: float, max_rounds: int,
                            kill_at: float | None = None) -> tuple[dict, float]:
    """The real app (`python app.py`, a data folder of its own, one login per client), and its peak RSS."""
    import signal
    from contextlib import ExitStack

    import psutil

    from assistant.settings import Settings
    from tests.conftest import app_process

    root = Path(tempfile.mkdtemp(prefix="panel-load-app-"))
    (root / "data").mkdir()
    # The ONNX embedding graph is built once per machine, not in the timed run.
    models = Path(tempfile.gettempdir()) / "panel-load-models"
    models.mkdir(exist_ok=True)
    (root / "data" / "models").symlink_to(models)
    settings = Settings(data_dir=root / "data", preset="embedded")
    users = [(f"member{c}", f"secret{c}") for c in range(clients)]
    auth = ",".join(f"{u}:{p}" for u, p in users)
    env = {"PANEL_DRAFT_MODE": "assessment", "PANEL_AUTH": auth}
    with ExitStack() as restarted, app_process(settings, root / "app.log", **env) as url:
        app = psutil.Process().children()[-1]

        def kill_and_restart() -> str:
            app.send_signal(signal.SIGKILL)
            app.wait(10)
            return restarted.enter_context(app_process(settings, root / "app-restarted.log", **env))

        peak, stop = [0.0], threading.Event()

        def sample() -> None:
            while not stop.wait(0.25):
                try:
                    peak[0] = max(peak[0], app.memory_info().rss / 2**20)
                except psutil.Error:
                    return

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        warm_up(url, users[0])
        try:
            kill = (kill_at, kill_and_restart) if kill_at is not None else None
            summary = run(url, clients, seconds, max_rounds, users=users, kill=kill)
        finally:
            stop.set()
    print(f"app log: {root / 'app.log'}", file=sys.stderr)
    return summary, peak[0]


if __name__ == "__main__":
    sys.exit(main())
