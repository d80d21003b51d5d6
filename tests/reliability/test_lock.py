"""One writer per run folder: the flock, its probe, and two `palsim run` of one name at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from palsim.events import LOCK_FILE, writer_active
from palsim.run_lock import RunLock, RunLocked
from tests.conftest import requires_fashion_mnist, tiny_study_args


def test_a_second_writer_is_refused_and_told_who_holds_the_folder(tmp_path: Path) -> None:
    held = f"is being written by pid {os.getpid()} on "
    with RunLock.acquire(tmp_path / "run"), pytest.raises(RunLocked, match=held):
        RunLock.acquire(tmp_path / "run", retry_seconds=0.1)
    with RunLock.acquire(tmp_path / "run"):  # released: free again
        pass


def test_a_folder_that_cannot_be_made_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(RunLocked, match=r"^cannot create run folder .*/file/run: Not a directory"):
        RunLock.acquire(tmp_path / "file" / "run")


def test_the_probe_tells_held_free_and_unknown(tmp_path: Path) -> None:
    assert writer_active(tmp_path) is None  # no lock file: an older run, nothing known
    lock = RunLock.acquire(tmp_path)
    assert writer_active(tmp_path) is True
    lock.release()
    assert writer_active(tmp_path) is False
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / LOCK_FILE).unlink()
    (tmp_path / LOCK_FILE).symlink_to(tmp_path / "fifo")
    assert writer_active(tmp_path) is None  # a planted FIFO neither blocks nor counts


def test_probing_readers_never_keep_a_writer_out(tmp_path: Path) -> None:
    stop = threading.Event()

    def probe() -> None:
        while not stop.is_set():
            writer_active(tmp_path)

    RunLock.acquire(tmp_path).release()  # the lock file exists, so the probes lock it
    readers = [threading.Thread(target=probe) for _ in range(2)]
    for reader in readers:
        reader.start()
    try:
        for _ in range(20):
            RunLock.acquire(tmp_path).release()
    finally:
        stop.set()
        for reader in readers:
            reader.join()


def test_the_lock_dies_with_its_process(tmp_path: Path) -> None:
    code = (
        "import sys, time; from pathlib import Path; from palsim.run_lock import RunLock; "
        "RunLock.acquire(Path(sys.argv[1])); print('locked', flush=True); time.sleep(60)"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
    assert writer_active(tmp_path) is True
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    assert writer_active(tmp_path) is False


@requires_fashion_mnist
def test_two_runs_of_one_name_started_together_one_runs(tmp_path: Path) -> None:
    args = tiny_study_args(
        tmp_path,
        "same",
        pool_size=300,
        initial=40,
        budget=40,
        cycles=2,
        epochs=1,
        strategy="random",
        test_size=200,
    )
    command = [sys.executable, "-m", "palsim", "run", *args, "--quiet"]
    runs = [subprocess.Popen(command, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outcomes = sorted((run.wait(timeout=300), run.communicate()[1]) for run in runs)
    assert [code for code, _ in outcomes] == [0, 2], outcomes
    refused = outcomes[1][1]
    assert refused.count("\n") == 1 and refused.startswith("error: ")
    assert "is being written by pid" in refused or "already exists" in refused
    summary = (tmp_path / "same" / "summary.json").read_text()
    assert '"status": "finished"' in summary
