"""`make run`'s supervisor restarts a crashed service with backoff and says so; stopping stops every one."""

import sys
import time

from aftercare_platform.cli.supervisor import Backoff, Supervised, Supervisor

# crashes on its first two starts (counted in a file), then stays up like a healthy service
CRASHY = """
import pathlib, sys, time
counter = pathlib.Path(sys.argv[1])
starts = int(counter.read_text() or 0) + 1 if counter.exists() else 1
counter.write_text(str(starts))
if starts <= 2:
    sys.exit(3)
time.sleep(600)
"""


def test_backoff_doubles_to_its_cap_and_resets_after_a_stable_run():
    backoff = Backoff(first=1, cap=8)
    assert [backoff.next_wait(ran_seconds=1) for _ in range(5)] == [1, 2, 4, 8, 8]
    assert backoff.next_wait(ran_seconds=3600) == 1


def test_a_crashed_service_is_restarted_with_backoff_and_reported(tmp_path):
    said: list[str] = []
    counter = tmp_path / "starts"
    crashy = Supervised("crashy", [sys.executable, "-c", CRASHY, str(counter)], {}, tmp_path / "crashy.log",
                        backoff=Backoff(first=0.1, cap=0.2))
    steady = Supervised("steady", [sys.executable, "-c", "import time; time.sleep(600)"], {},
                        tmp_path / "steady.log")
    supervisor = Supervisor([crashy, steady], say=said.append)
    supervisor.start_all()
    first_steady = steady.process
    deadline = time.monotonic() + 30
    while crashy.restarts < 2 or not counter.exists() or counter.read_text() != "3":
        assert time.monotonic() < deadline, said
        supervisor.watch_once()
        time.sleep(0.05)
    assert crashy.process.poll() is None  # up after its third start
    assert [line for line in said if "exited with 3" in line] == [
        f"crashy exited with 3; restarting in 0.1 s (see {tmp_path / 'crashy.log'})",
        f"crashy exited with 3; restarting in 0.2 s (see {tmp_path / 'crashy.log'})",
    ]
    assert "restarting crashy (restart #2)" in said
    assert steady.process is first_steady  # the others run on, untouched
    assert supervisor.stop_all(grace_seconds=10) == 0
    assert crashy.process.poll() is not None and steady.process.poll() is not None
