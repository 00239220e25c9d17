"""Atomic file writes: a destination is either left as it was or replaced by a complete file."""
from __future__ import annotations

import contextlib
import os
import tempfile
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
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        if durable:
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path
