"""`ddrr run`'s supervisor: a service that keeps exiting is started again after a pause that
doubles (1 s, 2 s, 4 s … at most 30 s), back to 1 s after a steady run, each restart said in one
line. The supervisor's clock is the test's, so no test waits for a pause."""
import sys
from types import SimpleNamespace

from shared import supervisor
from shared.supervisor import MAX_PAUSE_SECONDS, STEADY_SECONDS, Supervisor

FAILING = [sys.executable, "-c", "raise SystemExit(3)"]


def test_the_pause_doubles_with_each_exit_in_a_row_and_falls_back_after_a_steady_run(monkeypatch, capsys):
    clock = SimpleNamespace(now=1000.0)
    monkeypatch.setattr(supervisor, "time", SimpleNamespace(monotonic=lambda: clock.now))
    running = Supervisor({"flaky": FAILING})
    (child,) = running.children
    pauses = []
    try:
        for _ in range(7):
            child.process.wait()
            running.tend()  # sees the exit: the restart waits for its pause
            pauses.append(child.pause)
            clock.now = child.restart_at - 0.01
            first = child.process
            running.tend()
            assert child.process is first, "restarted before its pause was over"
            clock.now = child.restart_at
            running.tend()
            assert child.process is not first
        assert pauses == [1, 2, 4, 8, 16, MAX_PAUSE_SECONDS, MAX_PAUSE_SECONDS]
        child.process.wait()
        clock.now += STEADY_SECONDS  # it ran a minute before it exited
        running.tend()
        assert child.pause == 1
    finally:
        running.stop(grace=5)
    said = capsys.readouterr().err.splitlines()
    assert said[:3] == [f"ddrr: flaky exited (code 3); restarting it in {n} s" for n in (1, 2, 4)]
    assert len(said) == 8
