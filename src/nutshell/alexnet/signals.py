"""SIGINT and SIGTERM as a request to stop: the loop finishes its step, saves, and exits 128 + n."""

from __future__ import annotations

import signal
import threading

from nutshell.alexnet.distributed import Runtime, shared_max


class StopRequest:
    """Within ``with StopRequest() as stop:``, SIGINT and SIGTERM set ``stop.signum`` instead of
    interrupting; the loop asks :meth:`agree` after every step. A second Ctrl-C stops at once, without
    saving. Handlers are installed from the main thread only (Python allows no other)."""

    def __init__(self):
        self.signum: int | None = None
        self.previous = {}

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self.previous[sig] = signal.signal(sig, self.handle)
        return self

    def handle(self, signum, frame):
        if self.signum is not None and signum == signal.SIGINT:
            raise KeyboardInterrupt  # a second Ctrl-C: stop now, without saving
        self.signum = signum

    def __exit__(self, *exc):
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)
        return False

    def request(self, signum: int) -> None:
        """Behave as if ``signum`` had arrived (unless a signal already did)."""
        self.signum = self.signum or signum

    def agree(self, rt: Runtime) -> int:
        """The signal any process received (0: none), so that every process stops at the same step."""
        shared = shared_max(rt, int(self.signum or 0))
        if shared:
            self.signum = shared
        return shared

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name if self.signum else "stop"
