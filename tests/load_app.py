"""Load the running workspace from several concurrent clients on 127.0.0.1, for a bounded time and request count,
and report failures and latency. Each client is its own browser-like session: it ingests the sample report, then
saves edits and reopens the report in a loop.

    python tests/load_app.py --url http://127.0.0.1:7860/ --clients 4 --seconds 30
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

SAMPLE = Path(__file__).resolve().parent.parent / "corpus" / "samples" / "example-relief-network_2023_accountability-report.md"


def _client_loop(url: str, seconds: float, max_requests: int, index: int, out: list) -> None:
    from gradio_client import Client, handle_file

    try:
        client = Client(url, verbose=False)
        start = time.perf_counter()
        client.predict(handle_file(str(SAMPLE)), "", None, api_name="/ingest")
        out.append(("ingest", time.perf_counter() - start, None))
    except Exception as exc:  # a failure to connect is a result to report, not a crash of the script
        out.append(("ingest", 0.0, repr(exc)))
        return
    deadline = time.monotonic() + seconds
    for i in range(max_requests):
        if time.monotonic() > deadline:
            break
        for op, args in (("save_commentary", (3, f"client {index} edit {i}")), ("open_report", ())):
            start = time.perf_counter()
            try:
                client.predict(*args, api_name="/save_commentary_3" if op == "save_commentary" else f"/{op}")
                out.append((op, time.perf_counter() - start, None))
            except Exception as exc:
                out.append((op, time.perf_counter() - start, repr(exc)))


def run(url: str, clients: int = 4, seconds: float = 20.0, max_requests: int = 200) -> dict:
    if urlparse(url).hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("load tests only target this machine's loopback address")
    records: list = []
    threads = [threading.Thread(target=_client_loop, args=(url, seconds, max_requests, i, records)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    summary: dict = {"clients": clients, "seconds": seconds, "requests": len(records),
                     "failures": sum(1 for _, _, error in records if error),
                     "errors": sorted({error for _, _, error in records if error})[:5]}
    for op in sorted({op for op, _, _ in records}):
        times = sorted(t * 1000 for o, t, error in records if o == op and not error)
        if times:
            summary[op] = {"n": len(times), "p50_ms": round(statistics.median(times), 1),
                           "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1), "max_ms": round(times[-1], 1)}
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:7860/")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--max-requests", type=int, default=200, help="per client")
    args = parser.parse_args()
    summary = run(args.url, args.clients, args.seconds, args.max_requests)
    print(json.dumps(summary, indent=2))
    return 1 if summary["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
