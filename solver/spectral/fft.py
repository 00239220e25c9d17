"""One FFT backend for the whole package: planned pyfftw transforms, scipy.fft fallback.

All transforms are real-to-complex over the last two axes of a stack ``(n, ny, nx)`` with the
numpy normalisation (forward unnormalised, inverse divided by ``ny * nx``). The solver works
on :class:`TransformPair` objects: aligned work arrays planned once and reused for every source,
so a solve costs its FFTs plus one fused pass per output.

Select the backend with ``FFTBackend(name="pyfftw" | "scipy" | "auto")`` or the environment
variable ``SOLVER_FFT_BACKEND``; threads with ``threads=`` or ``SOLVER_FFT_THREADS``.
"""
from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field

import numpy as np
import scipy.fft

from .._common import cache

try:  # pragma: no cover - exercised through both code paths in the tests
    import pyfftw

    HAVE_PYFFTW = True
except ImportError:  # pragma: no cover
    pyfftw = None
    HAVE_PYFFTW = False

__all__ = ["default_backend", "destroy_plans", "FFTBackend", "load_fftw_wisdom", "PLANNER_LOCK", "REAL_DTYPES",
           "save_fftw_wisdom", "set_default_backend", "TransformPair"]

_PLANNERS = {"estimate": "FFTW_ESTIMATE", "measure": "FFTW_MEASURE", "patient": "FFTW_PATIENT"}

PLANNER_LOCK = threading.RLock()
"""Process-wide lock around every call into FFTW's planner: plan creation, plan destruction and
wisdom import/export (FFTW's planner is not thread-safe, and pyfftw does not lock wisdom calls).
Executing a plan needs no lock."""
REAL_DTYPES = {"float64": "complex128", "float32": "complex64"}
"""Supported real dtypes of the transforms and the dtype of their spectra."""


def _default_threads() -> int:
    env = os.environ.get("SOLVER_FFT_THREADS")
    if env:
        try:
            n = int(env)
        except ValueError:
            raise ValueError(f"SOLVER_FFT_THREADS must be a positive integer, got {env!r}") from None
        if n < 1:
            raise ValueError(f"SOLVER_FFT_THREADS must be a positive integer, got {env!r}")
        return n
    return max(1, os.cpu_count() or 1)


def destroy_plans(plans: list | None) -> None:
    """Destroy the FFTW plans held (only) by the list ``plans`` under :data:`PLANNER_LOCK`, not
    in whichever thread happens to drop the last reference (plan destruction is a planner
    call). Safe at interpreter shutdown."""
    if not plans:
        return
    try:
        with PLANNER_LOCK:
            plans.clear()
    except TypeError:  # pragma: no cover - interpreter shutdown (module globals gone)
        plans.clear()


def _run_detached(plan, x: np.ndarray, out: np.ndarray, own_in: np.ndarray, own_out: np.ndarray,
                  preserves_input: bool, **kwargs) -> None:
    """Execute the pyfftw ``plan`` from ``x`` into ``out`` and point it back at the pair's own
    work arrays ``own_in``/``own_out`` afterwards.

    ``FFTW.__call__`` adopts a conforming (aligned, C-contiguous) ``x`` and ``out`` as its
    internal arrays and copies a later non-conforming input into whatever it adopted last: into
    a previous caller's array, or a read-only one ("assignment destination is read-only"). A
    non-conforming ``x`` is therefore copied into ``own_in`` here, and so is a read-only one
    unless the plan ``preserves_input`` (the forward plans do; the inverse destroys its input);
    a conforming one is used in place (no copy). After every execution the plan holds only the
    pair's arrays again: the package never writes into, or keeps, memory it does not own.
    """
    try:
        usable = _conforms(x, own_in) and (preserves_input or x.flags.writeable)
        if x is not own_in and not usable:
            own_in[...] = x
            x = own_in
        plan(x, out, **kwargs)
    finally:
        plan.update_arrays(own_in, own_out)


def _conforms(x: np.ndarray, like: np.ndarray) -> bool:
    """True when pyfftw would run on ``x`` in place of ``like`` (same dtype, shape and strides,
    SIMD-aligned)."""
    return (x.dtype == like.dtype and x.shape == like.shape and x.strides == like.strides
            and pyfftw.is_byte_aligned(x, pyfftw.simd_alignment))


@dataclass(eq=False)
class TransformPair:
    """Aligned work arrays with a planned forward and inverse real 2-D transform.

    Attributes
    ----------
    real : ndarray, float64, shape ``(n, ny, nx)``
    spectrum : ndarray, complex128, shape ``(n, ny, nx//2 + 1)``
    lock : threading.Lock
        Held by a caller while it uses the work arrays (solves from several threads are safe).
    """

    real: np.ndarray
    spectrum: np.ndarray
    _forward: object = field(repr=False)
    _inverse: object = field(repr=False)
    _forward_into: object = field(repr=False)
    _inverse_into: object = field(repr=False)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _plans: list = field(default_factory=list, repr=False)

    def __del__(self) -> None:
        destroy_plans(getattr(self, "_plans", None))

    def forward(self) -> np.ndarray:
        """``spectrum <- rfft2(real)``; returns ``spectrum``."""
        self._forward()
        return self.spectrum

    def inverse(self) -> np.ndarray:
        """``real <- irfft2(spectrum)`` (normalised); ``spectrum`` is destroyed. Returns ``real``."""
        self._inverse()
        return self.real

    def forward_into(self, real: np.ndarray, spectrum: np.ndarray) -> np.ndarray:
        """``spectrum <- rfft2(real)`` on caller arrays (shapes of this pair; aligned arrays from
        :meth:`FFTBackend.empty` avoid a copy, any other ``real`` is copied into the pair's work
        array). ``real`` is preserved, and the pair keeps no reference to either array.
        Thread-safe."""
        with self.lock:
            self._forward_into(real, spectrum)
        return spectrum

    def inverse_into(self, spectrum: np.ndarray, real: np.ndarray) -> np.ndarray:
        """``real <- N · irfft2(spectrum)`` (UNnormalised: fold 1/N into the multiplier);
        ``spectrum`` is destroyed (a read-only or non-conforming one is first copied into the
        pair's work array); the pair keeps no reference to either array. Thread-safe."""
        with self.lock:
            self._inverse_into(spectrum, real)
        return real


class FFTBackend:
    """Real 2-D FFTs of component stacks with plans built once and reused.

    Parameters
    ----------
    name : {"auto", "pyfftw", "scipy"}
        ``auto`` uses pyfftw when importable, else scipy.fft.
    threads : int, optional
        Threads per transform (default: ``SOLVER_FFT_THREADS`` or the number of cores).
    planner : {"estimate", "measure", "patient"}, optional
        FFTW planner effort (ignored by scipy); default ``SOLVER_FFT_PLANNER`` or ``estimate``.
        ``measure`` plans take seconds at 4096² but run 1.3–2× faster; their wisdom is saved in
        the disk cache (``solver.cache``) and reused by later ``measure``/``patient`` backends.
        ``estimate`` backends do not import it, so default solves are bitwise reproducible
        whatever the cache holds (wisdom is process-global in FFTW: once a ``measure`` backend
        has loaded it, every backend in that process may use it).
    """

    def __init__(self, name: str | None = None, threads: int | None = None,
                 planner: str | None = None) -> None:
        name = name or os.environ.get("SOLVER_FFT_BACKEND", "auto")
        if name not in ("auto", "pyfftw", "scipy"):
            raise ValueError(f"FFT backend name must be 'auto', 'pyfftw' or 'scipy', got {name!r}")
        if name == "pyfftw" and not HAVE_PYFFTW:
            raise ValueError("FFT backend 'pyfftw' requested but pyfftw is not installed")
        self.name = "pyfftw" if (name == "auto" and HAVE_PYFFTW) else ("scipy" if name == "auto" else name)
        if threads is None:
            threads = _default_threads()
        if int(threads) != threads or threads < 1:
            raise ValueError(f"threads must be a positive integer, got {threads!r}")
        self.threads = int(threads)
        planner = planner or os.environ.get("SOLVER_FFT_PLANNER", "estimate")
        if planner not in _PLANNERS:
            raise ValueError(f"planner must be one of {sorted(_PLANNERS)}, got {planner!r}")
        self.planner = planner
        if self.name == "pyfftw" and self.planner != "estimate":
            # estimate plans are deterministic; imported wisdom would make the bits of a default
            # solve depend on the cache's history (measured plans replace estimated ones)
            load_fftw_wisdom()
        self._pairs: dict[tuple, TransformPair] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"FFTBackend(name={self.name!r}, threads={self.threads}, planner={self.planner!r})"

    # --- planned work arrays ---------------------------------------------------------------
    def empty(self, shape: tuple[int, ...], dtype: str = "float64") -> np.ndarray:
        """An uninitialised array aligned for this backend's transforms."""
        if self.name == "pyfftw":
            return pyfftw.empty_aligned(shape, dtype=dtype)
        return np.empty(shape, dtype=dtype)

    def pair(self, n: int, shape: tuple[int, int], dtype: str = "float64") -> TransformPair:
        """The cached :class:`TransformPair` for ``n`` fields of ``shape = (ny, nx)``.

        ``dtype``: ``"float64"`` (spectra complex128) or ``"float32"`` (single precision,
        spectra complex64).
        """
        dtype = np.dtype(dtype).name
        if dtype not in REAL_DTYPES:
            raise ValueError(f"dtype must be 'float64' or 'float32', got {dtype!r}")
        key = (int(n), int(shape[0]), int(shape[1]), dtype)
        with self._lock:
            tp = self._pairs.get(key)
            if tp is None:
                tp = self._make_pair(*key)
                self._pairs[key] = tp
        return tp

    def _make_pair(self, n: int, ny: int, nx: int, dtype: str = "float64") -> TransformPair:
        rshape, cshape = (n, ny, nx), (n, ny, nx // 2 + 1)
        cdtype = REAL_DTYPES[dtype]
        if self.name == "pyfftw":
            real = pyfftw.empty_aligned(rshape, dtype=dtype)
            spec = pyfftw.empty_aligned(cshape, dtype=cdtype)
            flags = (_PLANNERS[self.planner],)
            with PLANNER_LOCK:
                fwd = pyfftw.FFTW(real, spec, axes=(-2, -1), direction="FFTW_FORWARD",
                                  flags=flags, threads=self.threads)
                inv = pyfftw.FFTW(spec, real, axes=(-2, -1), direction="FFTW_BACKWARD",
                                  flags=flags + ("FFTW_DESTROY_INPUT",), threads=self.threads)
            real[...] = 0.0
            spec[...] = 0.0
            if self.planner != "estimate":
                save_fftw_wisdom()

            plans = [fwd, inv]  # owned by the pair, which destroys them under PLANNER_LOCK
            del fwd, inv

            # always name the arrays: an FFTW object keeps the last arrays it ran on
            def fwd_own() -> None:
                plans[0](real, spec)

            def inv_own() -> None:
                plans[1](spec, real)

            def fwd_into(x, out) -> None:
                _run_detached(plans[0], x, out, real, spec, preserves_input=True)

            def inv_into(x, out) -> None:
                _run_detached(plans[1], x, out, spec, real, preserves_input=False,
                              normalise_idft=False)

            return TransformPair(real, spec, fwd_own, inv_own, fwd_into, inv_into, _plans=plans)
        real = np.zeros(rshape, dtype=dtype)
        spec = np.zeros(cshape, dtype=cdtype)
        workers = self.threads

        def fwd() -> None:
            spec[...] = scipy.fft.rfft2(real, workers=workers)

        def inv() -> None:
            real[...] = scipy.fft.irfft2(spec, s=(ny, nx), workers=workers)

        def fwd_into(x, out) -> None:
            out[...] = scipy.fft.rfft2(x, workers=workers)

        def inv_into(x, out) -> None:
            out[...] = scipy.fft.irfft2(x, s=(ny, nx), workers=workers, norm="forward")

        return TransformPair(real, spec, fwd, inv, fwd_into, inv_into)

    # --- convenience (allocating) transforms -------------------------------------------------
    def rfft2(self, x: np.ndarray, cache: bool = True) -> np.ndarray:
        """Forward real transform over the last two axes; returns a new array.

        ``cache=False`` plans a one-off transform whose work arrays are freed afterwards
        (for large transient transforms such as the free-space kernel build).
        """
        x = np.asarray(x, dtype=float)
        if self.name == "scipy":
            return scipy.fft.rfft2(x, workers=self.threads)
        if not cache:
            with PLANNER_LOCK:
                plan = pyfftw.builders.rfft2(x, threads=self.threads, planner_effort="FFTW_ESTIMATE")
            try:
                return plan()
            finally:
                with PLANNER_LOCK:
                    del plan
        lead = x.shape[:-2]
        tp = self.pair(int(np.prod(lead, dtype=int)), x.shape[-2:])
        with tp.lock:
            tp.real[...] = x.reshape(tp.real.shape)
            return tp.forward().reshape(lead + tp.spectrum.shape[-2:]).copy()

    def irfft2(self, spectrum: np.ndarray, shape: tuple[int, int], cache: bool = True) -> np.ndarray:
        """Inverse real transform over the last two axes to ``shape``; returns a new array
        (``cache=False``: one-off plan, see :meth:`rfft2`). The input is never modified."""
        spectrum = np.asarray(spectrum, dtype=complex)
        if self.name == "scipy":
            return scipy.fft.irfft2(spectrum, s=tuple(shape), workers=self.threads)
        if not cache:
            # the complex-to-real plan destroys its input: run it on a private aligned copy
            # (pyfftw's builder may otherwise adopt an aligned caller array as that input)
            work = pyfftw.empty_aligned(spectrum.shape, dtype=spectrum.dtype)
            work[...] = spectrum
            with PLANNER_LOCK:
                plan = pyfftw.builders.irfft2(work, s=tuple(shape), threads=self.threads,
                                              planner_effort="FFTW_ESTIMATE", avoid_copy=True)
            try:
                return plan()
            finally:
                with PLANNER_LOCK:
                    del plan
        lead = spectrum.shape[:-2]
        tp = self.pair(int(np.prod(lead, dtype=int)), tuple(shape))
        with tp.lock:
            tp.spectrum[...] = spectrum.reshape(tp.spectrum.shape)
            return tp.inverse().reshape(lead + tuple(shape)).copy()

    def clear(self) -> None:
        """Forget all cached plans and work arrays (frees their memory)."""
        with self._lock, PLANNER_LOCK:  # the plans are destroyed here (planner calls)
            self._pairs.clear()


# --- FFTW wisdom in the disk cache ---------------------------------------------------------
def _wisdom_path(folder):
    # wisdom depends on FFTW and the machine, not on this package's code
    return folder / cache.versioned_name("fftw-wisdom", "json", kind="wisdom")


def load_fftw_wisdom() -> None:
    """Import the FFTW wisdom saved in the disk cache (:mod:`solver._common.cache`), if any (a
    corrupt file is removed, an unusable folder skipped with one ``CacheWarning``)."""
    if not HAVE_PYFFTW:  # pragma: no cover
        return
    folder = cache.usable_dir()
    if folder is None:
        return
    path = _wisdom_path(folder)
    if not path.exists():
        return
    try:
        entries = json.loads(path.read_text())
        if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
            raise ValueError("not a list of hex strings")
        wisdom = tuple(bytes.fromhex(e) for e in entries)
        with PLANNER_LOCK:
            ok = pyfftw.import_wisdom(wisdom)  # FFTW keeps its wisdom unchanged on failure
        if not all(ok):
            raise ValueError("FFTW refused the wisdom")
    except Exception:
        cache.discard(path)


def save_fftw_wisdom() -> None:
    """Export FFTW's accumulated wisdom to the disk cache (merged with what is there)."""
    if not HAVE_PYFFTW:  # pragma: no cover
        return
    folder = cache.usable_dir()
    if folder is None:
        return
    try:
        path = _wisdom_path(folder)
        with cache.locked(path):
            load_fftw_wisdom()  # merge with other processes' plans
            with PLANNER_LOCK:
                entries = [w.hex() for w in pyfftw.export_wisdom()]
            cache.write_bytes(path, json.dumps(entries).encode())
    except OSError as exc:
        cache.warn_write_failed(path, exc)


_DEFAULT: FFTBackend | None = None


def default_backend(create: bool = True) -> FFTBackend | None:
    """The process-wide backend used when a caller passes none (created on first use; with
    ``create=False``, None when there is none yet)."""
    global _DEFAULT
    if _DEFAULT is None and create:
        _DEFAULT = FFTBackend()
    return _DEFAULT


def set_default_backend(backend: FFTBackend | None) -> FFTBackend | None:
    """Make ``backend`` the process-wide default (None: a fresh one on next use); return the
    previous default (None if there was none)."""
    global _DEFAULT
    if backend is not None and not isinstance(backend, FFTBackend):
        raise ValueError(f"backend must be an FFTBackend or None, got {type(backend).__name__}")
    previous, _DEFAULT = _DEFAULT, backend
    return previous
