"""Drafting review rounds in the background of the server."""

import logging
import queue
import threading

from ..pipeline import Pipeline
from ..rounds import Rounds

log = logging.getLogger(__name__)


class RoundWorker:
    """Drafts review rounds in the background of the server, one round at a time (rounds.py's worker, in a
    thread, so it drafts with the backend the workspace uses). A restart resumes unfinished rounds."""

    def __init__(self, pipeline: Pipeline):
        self.rounds = Rounds(pipeline)
        self.waiting: queue.Queue[str] = queue.Queue()
        self.current = ""
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self, name: str) -> int:
        """Queue the round's questions for the drafting backend; returns how many wait."""
        waiting = self.rounds.enqueue(name, self.rounds.pipeline.drafting_backend()[1])
        self._submit([name])
        return waiting

    def resume(self) -> list[str]:
        """Start drafting every round that has questions waiting (or left running by a server that died)."""
        unfinished = [name for name in self.rounds.names()
                      if (counts := self.rounds.progress(name))["pending"] or counts["running"]]
        self._submit(unfinished)
        return unfinished

    def join(self, timeout: float | None = None) -> None:
        """Wait until the rounds queued so far are drafted (or `timeout` passes)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _submit(self, names: list[str]) -> None:
        with self._lock:
            for name in names:
                self.waiting.put(name)
            if names and self._thread is None:
                self._thread = threading.Thread(target=self._run, name="round-drafting", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            with self._lock:  # checked under the lock that _submit holds: no round is queued after the last look
                if self.waiting.empty():
                    self._thread = None
                    return
                name = self.waiting.get_nowait()
            self.current = name
            try:
                self.rounds.work(name)
            except Exception:  # the round stays queued in the store; the next start or restart goes on with it
                log.exception("drafting round %s stopped", name)
            finally:
                self.current = ""
