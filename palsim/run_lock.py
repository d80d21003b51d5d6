"""One writer per run folder: an exclusive ``flock`` on ``run.lock``, held while the run lives.

Two ``palsim run`` (or two resumes) of one folder would interleave their events and undo
each other's checkpoints. The lock is taken before anything else is written to the folder,
and the kernel releases it when the process exits or is killed, so a crashed run never
leaves a stale lock behind. The file itself stays; it names the last holder (pid, host,
start time) so that a refused writer can say who is in the way. Readers probe the lock
with :func:`palsim.events.writer_active`, which holds a shared lock for an instant: the
writer therefore retries for ``RETRY_SECONDS`` before it gives up.
"""

from __future__ import annotations

import fcntl
import os
import socket
import time
from pathlib import Path
from types import TracebackType

from palsim.events import LOCK_FILE, open_regular, plain

#: How long a writer keeps trying; a reader's probe holds the lock for microseconds.
RETRY_SECONDS = 2.0
RETRY_INTERVAL = 0.05


class RunLocked(Exception):
    """The folder cannot be taken: another process writes it (the message says which) or
    it cannot be created."""


class RunLock:
    """The writer lock of one run folder; use as a context manager or call :meth:`release`."""

    def __init__(self, directory: Path, descriptor: int) -> None:
        self.directory = directory
        self.descriptor: int | None = descriptor

    @classmethod
    def acquire(cls, directory: Path, retry_seconds: float = RETRY_SECONDS) -> RunLock:
        """Create the folder if needed and take its lock, or raise :class:`RunLocked`."""
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:  # --out is a file, read-only, or the name is too long
            raise RunLocked(f"cannot create run folder {directory}: {error.strerror}") from None
        path = directory / LOCK_FILE
        flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
        try:
            descriptor = os.open(path, flags, 0o644)
        except OSError as error:
            raise RunLocked(f"cannot open the lock file {path}: {error.strerror}") from None
        deadline = time.monotonic() + retry_seconds
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(descriptor)
                    raise RunLocked(
                        f"run folder {directory} is being written by {holder(directory)}; "
                        "wait for that run to end or stop it first"
                    ) from None
                time.sleep(RETRY_INTERVAL)
        lock = cls(directory, descriptor)
        lock._write_holder()
        return lock

    def _write_holder(self) -> None:
        assert self.descriptor is not None
        since = time.strftime("%Y-%m-%d %H:%M:%S %Z")
        line = f"pid {os.getpid()} on {socket.gethostname()} since {since}\n"
        os.ftruncate(self.descriptor, 0)
        os.pwrite(self.descriptor, line.encode(), 0)

    def release(self) -> None:
        """Give the folder up (closing the descriptor drops the lock)."""
        if self.descriptor is not None:
            os.close(self.descriptor)
            self.descriptor = None

    def __enter__(self) -> RunLock:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()


def holder(directory: Path) -> str:
    """Who the lock file says holds the lock, as plain text (it is read from the folder)."""
    try:
        with open_regular(directory / LOCK_FILE) as handle:
            text = handle.read(200).decode("utf-8", errors="replace").strip()
    except OSError:
        text = ""
    return plain(text) if text else "another process"
