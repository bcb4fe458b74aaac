"""Keeps one process per service running, for `ddrr run`.

A service that exits is started again after a pause that doubles with each restart in a
row (1 s, 2 s, 4 s … at most MAX_PAUSE_SECONDS) and falls back to 1 s once the service has
run for STEADY_SECONDS; each restart is said in one line on stderr. Stopping sends SIGTERM
once to each process and SIGKILL to what is still running after the grace period.
"""
import subprocess
import sys
import time
from dataclasses import dataclass

MAX_PAUSE_SECONDS = 30
STEADY_SECONDS = 60


@dataclass
class Child:
    name: str
    command: list[str]
    process: subprocess.Popen
    started: float
    pause: float = 0.0
    restart_at: float | None = None


class Supervisor:
    def __init__(self, commands: dict[str, list[str]]):
        self.children = [Child(name, command, subprocess.Popen(command), time.monotonic())
                         for name, command in commands.items()]

    def tend(self) -> None:
        """Restart what exited, once its pause is over; call it every fraction of a second."""
        now = time.monotonic()
        for child in self.children:
            if child.restart_at is not None:
                if now >= child.restart_at:
                    child.process, child.started, child.restart_at = subprocess.Popen(child.command), now, None
                continue
            code = child.process.poll()
            if code is None:
                continue
            steady = now - child.started >= STEADY_SECONDS
            child.pause = 1.0 if steady or not child.pause else min(MAX_PAUSE_SECONDS, child.pause * 2)
            child.restart_at = now + child.pause
            print(f"ddrr: {child.name} exited (code {code}); restarting it in {child.pause:.0f} s",
                  file=sys.stderr, flush=True)

    def stop(self, grace: float) -> None:
        running = [child.process for child in self.children if child.process.poll() is None]
        for process in running:
            process.terminate()
        deadline = time.monotonic() + grace
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
