"""On-disk cache for expensive, reusable tables: free-space kernels (and the FFTW wisdom file that
:mod:`solver.spectral.fft` keeps here).

Location: ``$SOLVER_CACHE_DIR``, else ``$XDG_CACHE_HOME/pearl-soc-solver``, else
``~/.cache/pearl-soc-solver``. Disable with ``SOLVER_CACHE=0`` (or :func:`set_enabled`).

Entries are keyed by everything they depend on (a SHA-256 of the key fields, the package,
numpy, scipy and FFTW versions, and the source code of the modules that build the tables),
written atomically (temporary file + ``os.replace``) under an exclusive ``fcntl`` lock. What is
loaded is checked (keys, shapes, dtypes, finiteness): a corrupt, truncated or mismatched entry
is treated as a miss and removed, so concurrent writers, interrupted runs and older builds never
leave a table that breaks a solve. A cache folder that cannot be used (below a file, not
creatable, not writable) never breaks a solve either: the package then runs without the cache
and says so once per process (:class:`CacheWarning`). Temporary files that killed writers left
behind are removed when the folder is first used (:func:`solver.atomic.clean_stale_temporaries`).
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import threading
import warnings
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Union

import numpy as np

from .._version import __version__
from .atomic import clean_stale_temporaries, write_atomically

try:
    import fcntl
except ImportError:  # pragma: no cover - non-POSIX
    fcntl = None

__all__ = ["cache_dir", "CacheWarning", "code_digest", "CODE_MODULES", "discard", "enabled",
           "Expect", "key_digest", "load_arrays", "locked", "save_arrays", "set_enabled",
           "usable_dir", "versioned_name", "warn_write_failed", "write_bytes"]

_ENABLED: bool | None = None

CODE_MODULES = ("_common/cache.py", "spectral/freespace.py", "model/grid.py", "spectral/kernels.py",
                "spectral/operators.py", "theory/_keldysh_table.py")
"""Source files (paths below ``solver/``) whose code builds or keys the cached tables: their
bytes are part of every key, so a changed build never reuses the entries of another one."""

Expect = Union[Mapping[str, tuple], Callable[[dict], Any], None]


class CacheWarning(UserWarning):
    """The disk cache cannot be used (folder unusable, write failed): solving without it."""


_WARNED = False
_CLEANED: set[str] = set()
_STATE_LOCK = threading.Lock()


def _warn_once(message: str) -> None:
    """Issue one :class:`CacheWarning` per process (later problems are silent)."""
    global _WARNED
    with _STATE_LOCK:
        if _WARNED:
            return
        _WARNED = True
    warnings.warn(f"{message}; continuing without the disk cache (set SOLVER_CACHE_DIR to a "
                  "writable folder, or SOLVER_CACHE=0 to disable it)", CacheWarning, stacklevel=3)


def enabled() -> bool:
    """True unless disabled by ``SOLVER_CACHE=0`` or :func:`set_enabled(False)`."""
    if _ENABLED is not None:
        return _ENABLED
    return os.environ.get("SOLVER_CACHE", "1").lower() not in ("0", "false", "no", "off")


def set_enabled(flag: bool | None) -> None:
    """Enable/disable the disk cache for this process (None: back to the environment)."""
    global _ENABLED
    _ENABLED = flag


def _location() -> Path:
    """Where the cache lives (see the module docstring); nothing is created."""
    root = os.environ.get("SOLVER_CACHE_DIR")
    if root:
        return Path(root)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "pearl-soc-solver"


def cache_dir() -> Path:
    """The cache directory (created on demand).

    Raises
    ------
    OSError
        The folder cannot be created or used (it lies below a file, is a file, or is not
        writable). The load/save functions of this module catch this and run without the cache.
    """
    path = _location()
    path.mkdir(parents=True, exist_ok=True)  # FileExistsError for a file, NotADirectoryError below one
    if not os.access(path, os.W_OK | os.X_OK):
        raise PermissionError(13, "Permission denied", str(path))
    return path


def _usable_dir() -> Path | None:
    """:func:`cache_dir`, or None (with one :class:`CacheWarning`) when it cannot be used.

    The first use of a folder in a process removes the temporary files that killed writers
    left there.
    """
    try:
        path = cache_dir()
    except (OSError, ValueError) as exc:  # ValueError: e.g. a NUL byte in SOLVER_CACHE_DIR
        try:
            where = str(_location())
        except (OSError, ValueError):  # pragma: no cover - e.g. no home folder
            where = "?"
        _warn_once(f"cache folder {where!r} cannot be used ({_reason(exc)})")
        return None
    key = str(path)
    if key not in _CLEANED:
        _CLEANED.add(key)
        clean_stale_temporaries(path)
    return path


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return " ".join(str(exc).split()) or type(exc).__name__


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """SHA-256 of the source of :data:`CODE_MODULES` (computed once per process).

    A file that cannot be read (e.g. a zipped install) contributes its name and ``"?"``, so the
    key still changes with the package version.
    """
    here = Path(__file__).resolve().parent.parent  # the solver/ folder
    sha = hashlib.sha256()
    for name in CODE_MODULES:
        sha.update(name.encode() + b"\0")
        try:
            sha.update((here / name).read_bytes())
        except OSError:
            sha.update(b"?")
    return sha.hexdigest()


def _digest(fields: Mapping[str, Any], code: bool) -> str:
    try:
        import pyfftw

        fftw = getattr(pyfftw, "__version__", "?")
    except ImportError:  # pragma: no cover
        fftw = "none"
    import scipy

    payload = dict(fields, _package=__version__, _numpy=np.__version__, _scipy=scipy.__version__,
                   _pyfftw=fftw)
    if code:
        payload["_code"] = code_digest()
    text = json.dumps(payload, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def key_digest(**fields: Any) -> str:
    """Stable digest of the key fields (JSON with sorted keys), the library versions and the
    source code that builds the tables (:func:`code_digest`)."""
    return _digest(fields, code=True)


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


def _mismatch(arrays: dict[str, np.ndarray], expect: Expect) -> str | None:
    """Why ``arrays`` is not a valid entry (None if it is).

    Every array must be numeric (bool, integer, real or complex) and finite; with ``expect`` a
    mapping ``key -> (shape, dtype)``, the keys must be exactly those and each array must have
    that shape and dtype (``dtype`` None: any numeric dtype); with ``expect`` a callable, it is
    called with the arrays and must not return False or raise ValueError/TypeError/KeyError.
    """
    for key, arr in arrays.items():
        if arr.dtype.kind not in "biufc":
            return f"{key}: dtype {arr.dtype}"
        if arr.dtype.kind in "fc" and not np.isfinite(arr).all():
            return f"{key}: not finite"
    if expect is None:
        return None
    if callable(expect):
        try:
            ok = expect(arrays)
        except (ValueError, TypeError, KeyError) as exc:
            return _reason(exc)
        return "rejected by the validator" if ok is False else None
    if set(arrays) != set(expect):
        return f"keys {sorted(arrays)}, expected {sorted(expect)}"
    for key, (shape, dtype) in expect.items():
        arr = arrays[key]
        if arr.shape != tuple(shape):
            return f"{key}: shape {arr.shape}, expected {tuple(shape)}"
        if dtype is not None and arr.dtype != np.dtype(dtype):
            return f"{key}: dtype {arr.dtype}, expected {np.dtype(dtype)}"
    return None


def load_arrays(kind: str, digest: str, expect: Expect = None) -> dict[str, np.ndarray] | None:
    """The cached arrays for ``(kind, digest)``, or None (miss, disabled, unusable or bad entry).

    Parameters
    ----------
    kind, digest : str
        The entry (``digest`` from :func:`key_digest`).
    expect : mapping or callable, optional
        What a valid entry holds: ``{key: (shape, dtype)}`` (dtype None: any numeric dtype), or
        a callable taking the dict of arrays that returns False or raises ``ValueError`` for a
        bad entry. Without it, any set of finite numeric arrays is accepted.

    Returns
    -------
    dict of ndarray or None
        Fresh arrays owned by the caller. An entry that cannot be read, holds non-numeric or
        non-finite values or does not match ``expect`` is removed and reported as a miss.
    """
    if not enabled():
        return None
    folder = _usable_dir()
    if folder is None:
        return None
    path = folder / f"{kind}-{digest}.npz"
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: np.ascontiguousarray(data[k]) for k in data.files}
    except Exception:  # corrupt/truncated/unreadable: drop it and recompute
        arrays = None
    if arrays is None or _mismatch(arrays, expect) is not None:
        with contextlib.suppress(OSError):
            path.unlink()
        return None
    return arrays


def save_arrays(kind: str, digest: str, arrays: dict[str, np.ndarray]) -> None:
    """Store arrays atomically (no-op when disabled; a failed write — full disk, unusable
    folder — leaves no file and gives one :class:`CacheWarning` per process)."""
    if not enabled():
        return
    folder = _usable_dir()
    if folder is None:
        return
    try:
        path = folder / f"{kind}-{digest}.npz"
        with _locked(path):
            _atomic_write(path, lambda fh: np.savez(fh, **arrays))
    except OSError as exc:
        _warn_once(f"cannot write to the cache folder {str(folder)!r} ({_reason(exc)})")


# --- versioned files (entries keyed by the library versions only, e.g. FFTW wisdom) -----------
def versioned_name(stem: str, suffix: str, **fields: Any) -> str:
    """``<stem>-<digest>.<suffix>``: the file name of an entry that depends on the library
    versions and ``fields`` but not on this package's code (e.g. FFTW wisdom)."""
    return f"{stem}-{_digest(fields, code=False)}.{suffix}"


def usable_dir() -> Path | None:
    """The cache folder, or None when the cache is disabled or the folder cannot be used (one
    :class:`CacheWarning`); the first use in a process removes stale temporary files."""
    if not enabled():
        return None
    return _usable_dir()


def locked(path: Path):
    """Context manager: hold the exclusive ``fcntl`` lock of the entry ``path``."""
    return _locked(path)


def write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to the entry ``path`` atomically (temporary file + ``os.replace``)."""
    _atomic_write(path, lambda fh: fh.write(data))


def discard(path: Path) -> None:
    """Remove a bad entry (missing already: nothing to do)."""
    with contextlib.suppress(OSError):
        path.unlink()


def warn_write_failed(path: Path, exc: OSError) -> None:
    """The one :class:`CacheWarning` of this process for a failed write of ``path``."""
    _warn_once(f"cannot write to the cache folder {str(path.parent)!r} ({_reason(exc)})")
