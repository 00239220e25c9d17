"""Atomic file writes: a destination is either left as it was or replaced by a complete file.

Temporary files are named ``.NAME.PID-HOST.UUID.tmp`` in the destination's folder, where PID is
the writing process and HOST a short tag of the machine and process namespace it runs in. A
process killed while writing (SIGKILL, power loss) cannot remove its temporary file;
:func:`clean_stale_temporaries` removes such leftovers later without ever touching a file that
a live process may still be writing.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
import socket
import time
import uuid
from pathlib import Path
from typing import Any, Callable

__all__ = ["ALIVE_STALE_SECONDS", "clean_stale_temporaries", "host_tag", "STALE_SECONDS",
           "temporary_name", "write_atomically"]

STALE_SECONDS = 600.0
"""A temporary file whose owner cannot be checked (written on another machine, or by an older
version without the machine tag) is removed once it has not been modified for this many
seconds (10 minutes): writers append continuously, so a file idle that long is abandoned."""

ALIVE_STALE_SECONDS = 86400.0
"""A temporary file of a process of this machine that is still alive is kept for a day since
its last modification (the pid may have been reused by an unrelated process after that)."""

_TEMPORARY = re.compile(r"^\..+\.(?P<pid>\d+)(?:-(?P<host>[0-9a-f]{12}))?\.[0-9a-f]{32}\.tmp$")


@functools.lru_cache(maxsize=1)
def host_tag() -> str:
    """12 hex digits identifying this machine, boot and process-id namespace.

    Two processes with the same tag share one table of process ids, so a process id found in a
    temporary file name can be checked for liveness with ``os.kill(pid, 0)``.
    """
    parts = [socket.gethostname()]
    for source in ("/proc/sys/kernel/random/boot_id", "/proc/self/ns/pid"):
        with contextlib.suppress(OSError):
            parts.append(Path(source).read_text().strip() if "boot_id" in source
                         else str(os.stat(source).st_ino))
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:12]


def temporary_name(path: str | os.PathLike) -> str:
    """A fresh temporary file name in ``path``'s folder (see the module docstring)."""
    path = Path(path)
    return os.path.join(path.parent, f".{path.name}.{os.getpid()}-{host_tag()}.{uuid.uuid4().hex}.tmp")


def _pid_alive(pid: int) -> bool:
    """True if process ``pid`` of this machine exists (also when owned by another user)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        return True
    except OverflowError:  # not a valid process id
        return False
    return True


def _is_stale(name: str, mtime: float, now: float, max_age: float) -> bool:
    match = _TEMPORARY.match(name)
    if match is None:
        return False
    age = now - mtime
    if match["host"] == host_tag():
        if _pid_alive(int(match["pid"])):
            return age > ALIVE_STALE_SECONDS
        return True  # its writer is dead: nobody can still be writing it
    return age > max_age


def clean_stale_temporaries(folder: str | os.PathLike, max_age: float = STALE_SECONDS) -> list[Path]:
    """Remove the temporary files that interrupted :func:`write_atomically` calls left in ``folder``.

    Parameters
    ----------
    folder : str or path-like
        The folder to clean (not recursive). A missing or unreadable folder is ignored.
    max_age : float
        Seconds without modification after which a temporary file whose writer cannot be
        checked (another machine, an older naming) is abandoned (default 600 s).

    Returns
    -------
    list of pathlib.Path
        The files removed. Only names of the form ``.NAME.PID[-HOST].UUID.tmp`` are considered;
        a file of a live process of this machine is kept (up to :data:`ALIVE_STALE_SECONDS`),
        one of a dead process is removed at once. Errors (a file removed concurrently,
        permissions) are ignored.
    """
    removed = []
    now = time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.endswith(".tmp") or _TEMPORARY.match(entry.name) is None:
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            if _is_stale(entry.name, entry.stat(follow_symlinks=False).st_mtime, now, max_age):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue
    return removed


def write_atomically(path: str | os.PathLike, write: Callable[[str], Any], *,
                     durable: bool = True) -> Path:
    """Call ``write(tmp)`` on a temporary file in ``path``'s folder, then move it onto ``path``.

    Parameters
    ----------
    path : str or path-like
        Destination; its folder must exist.
    write : callable
        Writes the whole content to the file name it is given (e.g. ``ds.to_netcdf``,
        ``fig.savefig``).
    durable : bool
        Flush the temporary file to disk (``fsync``) before the rename.

    Returns
    -------
    pathlib.Path
        ``path``. On any failure the temporary file is removed, ``path`` is untouched and the
        exception propagates. The new file gets the permissions a plain ``open`` would give
        (0o666 & ~umask). If the process is killed meanwhile, the temporary file stays until
        :func:`clean_stale_temporaries` removes it.
    """
    path = Path(path)
    # created with mode 0o666 so the kernel applies the umask (reading the umask would need
    # os.umask, which changes it process-wide for a moment: a race with other threads' files)
    tmp = temporary_name(path)
    os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
    try:
        write(tmp)
        if durable:
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path
