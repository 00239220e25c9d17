"""What the command line writes: the ``--out`` folder (checked before any solve, created when
the first file is written) and the figures (written atomically)."""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Sequence

__all__ = ["UsageError", "check_out", "figure", "make_out", "savefig", "sweep_figure"]


class UsageError(ValueError):
    """Bad input on the command line or in a configuration (exit code 2)."""


def _check_out(out: Path, names: Sequence[str] = ()) -> None:
    """Raise :class:`UsageError` unless the files ``names`` can be written in the folder ``--out``.

    Nothing is created: ``out`` must be a writable folder, or not exist yet below a writable
    folder (it is created when the first file is written, after the solve). Refused: ``out``
    is an existing file or lies below one, the folder that would hold it is not writable, or
    one of the output names is an existing folder inside ``out``.
    """
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out: {str(out)!r} exists and is not a folder; expected a folder name")
    existing = out
    while not existing.exists():  # the nearest existing ancestor (the current folder at worst)
        if existing.parent == existing:
            break
        existing = existing.parent
    if existing != out and existing.exists() and not existing.is_dir():
        raise UsageError(f"--out: {str(out)!r} lies below the file {str(existing)!r}; expected a "
                         "folder name")
    if existing.is_dir() and not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"--out: cannot write to {str(out)!r}: the folder {str(existing)!r} is "
                         "not writable")
    for name in names:
        if (out / name).is_dir():
            raise UsageError(f"--out: {str(out / name)!r} is a folder; cannot write the output "
                             f"file {name!r} there")


def _make_out(out: Path) -> None:
    """Create the output folder ``--out`` (and its parents) if needed; remove the temporary
    files that killed earlier runs left there (:func:`solver.atomic.clean_stale_temporaries`)."""
    from .._common.atomic import clean_stale_temporaries

    _check_out(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--out: cannot create the folder {str(out)!r} ({exc.strerror or exc})") from None
    clean_stale_temporaries(out)


def _savefig(fig, path: Path, dpi: int = 120) -> Path:
    """Write a figure atomically (:func:`solver.atomic.write_atomically`): a failure never
    leaves a half-written image at ``path``."""
    from .._common.atomic import write_atomically

    fmt = path.suffix.lstrip(".").lower() or "png"
    return write_atomically(path, lambda tmp: fig.savefig(tmp, dpi=dpi, format=fmt))


def _figure(data, path: Path, height: float) -> Path:
    import matplotlib

    if "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..io import plotting

    fig, _ = plotting.overview(data, height=height)
    try:
        _savefig(fig, path)
    finally:
        plt.close(fig)
    return path


def _sweep_figure(ds, path: Path, names: list[str]) -> Path:
    import matplotlib

    if "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..io import plotting

    hue = next((n for n in names if n != "separation"), None)
    sub = ds.isel(pair=0)
    if hue is not None and hue.split(".")[-1] == "pearl_length":
        sub = sub.rename({hue: "pearl_length"})
        hue = "pearl_length"
    fig, ax = plotting.coupling_vs_distance(sub, x="separation", hue=hue)
    try:
        _savefig(fig, path)
    finally:
        plt.close(fig)
    return path


check_out, make_out, savefig = _check_out, _make_out, _savefig
figure, sweep_figure = _figure, _sweep_figure
