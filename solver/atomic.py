"""Atomic file writes: a destination is either left as it was or replaced by a complete file."""
from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path
from typing import Any, Callable


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
        (0o666 & ~umask).
    """
    path = Path(path)
    # created with mode 0o666 so the kernel applies the umask (reading the umask would need
    # os.umask, which changes it process-wide for a moment: a race with other threads' files)
    tmp = os.path.join(path.parent, f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")
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
