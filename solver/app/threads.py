"""Thread counts of this process: FFT threads (the process-wide default backend and
``SOLVER_FFT_THREADS``) and OpenBLAS threads (found by ``ctypes`` among the loaded libraries),
so that sweep workers × threads never oversubscribe the cores of a host."""
from __future__ import annotations

import os
from typing import Any

__all__ = ["fft_threads_for", "restore_blas", "restore_fft", "set_blas_threads", "set_fft_threads",
           "usable_cores"]


def set_fft_threads(threads: int):
    """Make the process-wide default FFT backend use ``threads`` threads; return the previous one."""
    from ..spectral import fft as _fft

    prev = _fft.default_backend(create=False)
    os.environ["SOLVER_FFT_THREADS"] = str(int(threads))
    if prev is None or prev.threads != int(threads):
        _fft.set_default_backend(_fft.FFTBackend(name=prev.name if prev is not None else None,
                                                 threads=int(threads)))
    return prev


def _restore_fft(prev, env: str | None) -> None:
    from ..spectral import fft as _fft

    _fft.set_default_backend(prev)
    if env is None:
        os.environ.pop("SOLVER_FFT_THREADS", None)
    else:
        os.environ["SOLVER_FFT_THREADS"] = env


_BLAS_SETTERS = ("openblas_set_num_threads", "openblas_set_num_threads64_",
                 "scipy_openblas_set_num_threads", "scipy_openblas_set_num_threads64_")


def _openblas_handles() -> list:
    """(set, get) ctypes functions of every OpenBLAS loaded in this process (Linux; else [])."""
    import ctypes

    handles = []
    try:
        with open("/proc/self/maps") as fh:
            paths = {ln.split()[-1] for ln in fh if "openblas" in ln.rsplit("/", 1)[-1].lower()}
    except OSError:
        return handles
    for path in sorted(paths):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for name in _BLAS_SETTERS:
            getter = name.replace("_set_", "_get_")
            if hasattr(lib, name) and hasattr(lib, getter):
                handles.append((getattr(lib, name), getattr(lib, getter)))
                break
    return handles


def set_blas_threads(threads: int) -> list:
    """Best effort: make the loaded OpenBLAS libraries use ``threads`` threads.

    BLAS reductions (e.g. the radial quadrature of the open-boundary kernels) sum in an order
    that depends on the thread count, so equal counts give bit-identical results. Dask workers
    start with one BLAS thread. Returns ``[(setter, previous count), ...]`` for
    :func:`_restore_blas`; an empty list where no OpenBLAS is found.
    """
    previous = []
    for setter, getter in _openblas_handles():
        try:
            previous.append((setter, int(getter())))
            setter(int(threads))
        except Exception:  # pragma: no cover - exotic builds
            continue
    return previous


def _restore_blas(previous: list) -> None:
    for setter, n in previous:
        setter(n)


def fft_threads_for(client: Any) -> int:
    """FFT threads per worker so that workers × threads stay within each host's cores."""
    info = client.scheduler_info(n_workers=-1) if _accepts_n_workers(client) else client.scheduler_info()
    workers = info.get("workers", {})
    if not workers:
        return 1
    cores = client.run(usable_cores)
    per_host: dict[str, int] = {}
    host_cores: dict[str, int] = {}
    for addr, w in workers.items():
        host = w.get("host", addr)
        per_host[host] = per_host.get(host, 0) + int(w.get("nthreads", 1))
        host_cores[host] = int(cores.get(addr) or 1)
    return max(1, min(host_cores[h] // per_host[h] for h in per_host))


def usable_cores() -> int:
    """Cores this process may run on (CPU affinity where the OS tells it, else cpu_count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _accepts_n_workers(client: Any) -> bool:
    import inspect

    try:
        return "n_workers" in inspect.signature(client.scheduler_info).parameters
    except (TypeError, ValueError):  # pragma: no cover
        return False


restore_fft, restore_blas = _restore_fft, _restore_blas
