"""On-disk cache for expensive, reusable tables: FFTW wisdom and free-space kernels.

Location: ``$SOLVER_CACHE_DIR``, else ``$XDG_CACHE_HOME/pearl-soc-solver``, else
``~/.cache/pearl-soc-solver``. Disable with ``SOLVER_CACHE=0`` (or :func:`set_enabled`).

Entries are keyed by everything they depend on (a SHA-256 of the key fields plus the package,
numpy and FFTW versions), written atomically (temporary file + ``os.replace``) under an
exclusive ``fcntl`` lock, and a corrupt or truncated entry is treated as a miss and removed —
so concurrent writers and interrupted runs never leave a bad table behind.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from .atomic import write_atomically

try:
    import fcntl
except ImportError:  # pragma: no cover - non-POSIX
    fcntl = None

_ENABLED: bool | None = None


def enabled() -> bool:
    """True unless disabled by ``SOLVER_CACHE=0`` or :func:`set_enabled(False)`."""
    if _ENABLED is not None:
        return _ENABLED
    return os.environ.get("SOLVER_CACHE", "1").lower() not in ("0", "false", "no", "off")


def set_enabled(flag: bool | None) -> None:
    """Enable/disable the disk cache for this process (None: back to the environment)."""
    global _ENABLED
    _ENABLED = flag


def cache_dir() -> Path:
    """The cache directory (created on demand)."""
    root = os.environ.get("SOLVER_CACHE_DIR")
    if root:
        path = Path(root)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        path = Path(base) / "pearl-soc-solver"
    path.mkdir(parents=True, exist_ok=True)
    return path


def key_digest(**fields: Any) -> str:
    """Stable digest of the key fields (JSON with sorted keys) and the library versions."""
    from . import __version__

    try:
        import pyfftw

        fftw = getattr(pyfftw, "__version__", "?")
    except ImportError:  # pragma: no cover
        fftw = "none"
    payload = dict(fields, _package=__version__, _numpy=np.__version__, _pyfftw=fftw)
    text = json.dumps(payload, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    lock = path.with_suffix(path.suffix + ".lock")
    with open(lock, "a") as fh:
        if fcntl is not None:
            fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            if fcntl is not None:
                fcntl.flock(fh, fcntl.LOCK_UN)


def _atomic_write(path: Path, write) -> None:
    """Atomically write ``path`` with ``write(file_handle)`` (binary)."""
    def to_file(tmp: str) -> None:
        with open(tmp, "wb") as fh:
            write(fh)

    write_atomically(path, to_file)


def load_arrays(kind: str, digest: str) -> dict[str, np.ndarray] | None:
    """The cached arrays for ``(kind, digest)``, or None (miss, disabled, or corrupt entry)."""
    if not enabled():
        return None
    path = cache_dir() / f"{kind}-{digest}.npz"
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: np.ascontiguousarray(data[k]) for k in data.files}
    except Exception:  # corrupt/truncated: drop it and recompute
        with contextlib.suppress(OSError):
            path.unlink()
        return None


def save_arrays(kind: str, digest: str, arrays: dict[str, np.ndarray]) -> None:
    """Store arrays atomically (no-op when disabled; errors on a full disk are ignored)."""
    if not enabled():
        return
    try:
        path = cache_dir() / f"{kind}-{digest}.npz"
        with _locked(path):
            _atomic_write(path, lambda fh: np.savez(fh, **arrays))
    except OSError:
        pass


def load_fftw_wisdom() -> None:
    """Import the saved FFTW wisdom, if any (silently ignores a corrupt file)."""
    if not enabled():
        return
    try:
        import pyfftw
    except ImportError:  # pragma: no cover
        return
    path = cache_dir() / f"fftw-wisdom-{key_digest(kind='wisdom')}.json"
    if not path.exists():
        return
    from .fft import PLANNER_LOCK

    try:
        entries = json.loads(path.read_text())
        with PLANNER_LOCK:
            pyfftw.import_wisdom(tuple(bytes.fromhex(e) for e in entries))
    except Exception:
        with contextlib.suppress(OSError):
            path.unlink()


def save_fftw_wisdom() -> None:
    """Export FFTW's accumulated wisdom to the cache (merged with what is on disk)."""
    if not enabled():
        return
    try:
        import pyfftw
    except ImportError:  # pragma: no cover
        return
    try:
        path = cache_dir() / f"fftw-wisdom-{key_digest(kind='wisdom')}.json"
        with _locked(path):
            load_fftw_wisdom()  # merge with other processes' plans
            from .fft import PLANNER_LOCK

            with PLANNER_LOCK:
                entries = [w.hex() for w in pyfftw.export_wisdom()]
            _atomic_write(path, lambda fh: fh.write(json.dumps(entries).encode()))
    except OSError:
        pass
