"""Issue 13, section 2: a broken cache never breaks a solve.

Reproductions: a *valid* .npz with the wrong arrays at the exact key of a free-space kernel
table; an unusable ``SOLVER_CACHE_DIR`` (below a file, a file itself, permission denied); the
temporary files of killed writers. Every solve is compared with the same solve without any
cache: the kernels are deterministic, so the numbers must be identical (bit for bit), not close.
"""
from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
import warnings
from pathlib import Path

import numpy as np
import pytest

import solver
from solver import atomic, cache


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    """A fresh, enabled cache in ``tmp_path/cache``; the one-warning flag and the set of
    cleaned folders are reset, and no in-memory operator survives from another test."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("SOLVER_CACHE_DIR", str(folder))
    monkeypatch.setattr(cache, "_WARNED", False)
    monkeypatch.setattr(cache, "_CLEANED", set())
    cache.set_enabled(True)
    solver.clear_cache()
    yield folder
    cache.set_enabled(None)
    solver.clear_cache()


def _solve() -> dict[str, np.ndarray]:
    """A small open solve using all three cached tables: W (energy, current), U (vector
    potential) and G (B_z at a height)."""
    g = solver.Grid((32, 28), 0.05)  # non-square: the tables' two axes differ
    a = solver.exchange_map([solver.Island.disk((0.02, -0.01), 0.2, (1.0, 0.4))], g)
    s = solver.solve(a, g, solver.Film(0.7))
    return {"energy": np.array(s.energy), "current": s.current, "A": s.vector_potential,
            "Bz": s.field_z(0.1)}


@pytest.fixture
def reference(cache_dir):
    """The solve with the disk cache disabled (nothing read, nothing written)."""
    cache.set_enabled(False)
    solver.clear_cache()
    try:
        ref = _solve()
    finally:
        cache.set_enabled(True)
        solver.clear_cache()
    assert not cache_dir.exists() or not list(cache_dir.glob("vgf-*.npz"))
    return ref


def _same(a: dict, b: dict) -> None:
    for key in a:  # deterministic kernels: a cache hit, a miss and no cache agree bit for bit
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)


def _entries(folder: Path) -> dict[Path, dict[str, np.ndarray]]:
    out = {}
    for path in sorted(folder.glob("vgf-*.npz")):
        with np.load(path) as data:
            out[path] = {k: data[k] for k in data.files}
    return out


BREAK = {
    "transposed shape": lambda arrs: {k: np.ascontiguousarray(v.T) for k, v in arrs.items()},
    "one row short": lambda arrs: {k: v[:-1] for k, v in arrs.items()},
    "missing key": lambda arrs: dict(list(arrs.items())[:-1]),
    "extra key": lambda arrs: {**arrs, "zz": np.zeros_like(next(iter(arrs.values())))},
    "renamed keys": lambda arrs: {k.upper(): v for k, v in arrs.items()},
    "nan": lambda arrs: {k: np.where(np.arange(v.size).reshape(v.shape) == 3, np.nan, v)
                         for k, v in arrs.items()},
    "inf": lambda arrs: {k: np.full_like(v, np.inf) for k, v in arrs.items()},
    "float32": lambda arrs: {k: v.astype(np.float32) for k, v in arrs.items()},
    "integers": lambda arrs: {k: v.astype(np.int64) for k, v in arrs.items()},
    "complex": lambda arrs: {k: v.astype(np.complex128) for k, v in arrs.items()},
    "strings": lambda arrs: {k: np.array(["x"] * 3) for k in arrs},
    "empty archive": lambda arrs: {},
}


@pytest.mark.parametrize("case", sorted(BREAK))
def test_valid_npz_with_wrong_arrays_is_a_miss_and_dropped(cache_dir, reference, case):
    """The entry at the exact key of each table is replaced by a readable .npz with the wrong
    content (what an older build with the same version number could leave): the next solve
    recomputes (identical numbers to the uncached solve) and the bad entry is replaced."""
    _same(_solve(), reference)  # cold: builds and stores W, U and G
    good = _entries(cache_dir)
    assert len(good) == 3
    for path, arrays in good.items():
        with open(path, "wb") as fh:
            np.savez(fh, **BREAK[case](arrays))
    solver.clear_cache()
    with warnings.catch_warnings():
        warnings.simplefilter("error", cache.CacheWarning)  # a bad entry is a plain miss
        _same(_solve(), reference)
    after = _entries(cache_dir)
    assert set(after) == set(good)  # recomputed tables stored again under the same keys
    for path, arrays in good.items():
        assert set(after[path]) == set(arrays)
        for key in arrays:
            np.testing.assert_array_equal(after[path][key], arrays[key])


def test_load_arrays_checks_what_it_returns(cache_dir):
    """``expect`` as {key: (shape, dtype)} or as a validator; finiteness always."""
    arrays = {"x": np.arange(6.0).reshape(2, 3), "y": np.ones((2, 3))}
    expect = {"x": ((2, 3), np.float64), "y": ((2, 3), np.float64)}
    digest = cache.key_digest(kind="test")
    path = cache_dir / f"vgf-{digest}.npz"

    cache.save_arrays("vgf", digest, arrays)
    back = cache.load_arrays("vgf", digest, expect=expect)
    assert back is not None and all(np.array_equal(back[k], arrays[k]) for k in arrays)
    assert cache.load_arrays("vgf", digest, expect={"x": ((2, 3), None), "y": ((2, 3), None)})
    assert cache.load_arrays("vgf", digest) is not None  # backward compatible call

    bad_expectations = [
        {"x": ((3, 2), np.float64), "y": ((2, 3), np.float64)},   # shape
        {"x": ((2, 3), np.float32), "y": ((2, 3), np.float64)},   # dtype
        {"x": ((2, 3), np.float64)},                              # extra key on disk
        {**expect, "z": ((2, 3), np.float64)},                    # missing key on disk
        lambda arrs: False,                                       # validator says no
        lambda arrs: arrs["missing"],                             # validator raises KeyError
    ]
    for bad in bad_expectations:
        cache.save_arrays("vgf", digest, arrays)
        assert cache.load_arrays("vgf", digest, expect=bad) is None
        assert not path.exists()

    cache.save_arrays("vgf", digest, {"x": np.array([1.0, np.nan])})
    assert cache.load_arrays("vgf", digest) is None and not path.exists()


def test_key_includes_a_hash_of_the_code_that_builds_the_tables(cache_dir, monkeypatch):
    """Entries of another build (same version number, other kernel code) are never reused."""
    for name in ("kernels.py", "freespace.py", "operators.py", "cache.py"):
        assert any(Path(path).name == name for path in cache.CODE_MODULES)  # paths below solver/
    here = Path(solver.__file__).parent
    sha = hashlib.sha256()
    for name in cache.CODE_MODULES:
        sha.update(name.encode() + b"\0" + (here / name).read_bytes())
    assert cache.code_digest() == sha.hexdigest()  # independent recomputation
    before = cache.key_digest(kind="W", shape=(8, 8))
    monkeypatch.setattr(cache, "code_digest", lambda: "another build")
    assert cache.key_digest(kind="W", shape=(8, 8)) != before


# ------------------------------------------------------------------ unusable cache folders
def _unusable(kind: str, tmp_path: Path, monkeypatch) -> None:
    if kind == "below a file":
        (tmp_path / "file").write_text("x")
        monkeypatch.setenv("SOLVER_CACHE_DIR", str(tmp_path / "file" / "cache"))
    elif kind == "is a file":
        (tmp_path / "file").write_text("x")
        monkeypatch.setenv("SOLVER_CACHE_DIR", str(tmp_path / "file"))
    elif kind == "mkdir denied":  # tests run as root: chmod would not stop us, so simulate it
        target = tmp_path / "denied"
        monkeypatch.setenv("SOLVER_CACHE_DIR", str(target))
        real = Path.mkdir

        def mkdir(self, *args, **kwargs):
            if self == target:
                raise PermissionError(13, "Permission denied", str(self))
            return real(self, *args, **kwargs)

        monkeypatch.setattr(Path, "mkdir", mkdir)
    elif kind == "not writable":
        target = tmp_path / "ro"
        target.mkdir()
        monkeypatch.setenv("SOLVER_CACHE_DIR", str(target))
        real = os.access
        monkeypatch.setattr(cache.os, "access",
                            lambda p, mode, **kw: False if Path(p) == target else real(p, mode, **kw))


@pytest.mark.parametrize("kind", ["below a file", "is a file", "mkdir denied", "not writable"])
def test_unusable_cache_folder_solves_without_cache_and_warns_once(cache_dir, reference, tmp_path,
                                                                   monkeypatch, kind):
    _unusable(kind, tmp_path, monkeypatch)
    with pytest.warns(cache.CacheWarning) as record:
        _same(_solve(), reference)
        solver.clear_cache()
        _same(_solve(), reference)  # load and save paths again
        cache.save_arrays("vgf", "x", {"a": np.zeros(2)})
        assert cache.load_arrays("vgf", "x") is None
        cache.load_fftw_wisdom()
        cache.save_fftw_wisdom()
        if kind != "not writable":
            with pytest.raises(OSError):
                cache.cache_dir()
    caught = [w for w in record if issubclass(w.category, cache.CacheWarning)]
    assert len(caught) == 1, [str(w.message) for w in caught]
    assert "without the disk cache" in str(caught[0].message)
    assert "SOLVER_CACHE_DIR" in str(caught[0].message)


def test_measured_fft_plans_with_an_unusable_cache_folder(cache_dir, tmp_path, monkeypatch):
    """The wisdom paths (load on a measure backend, save after planning) never raise."""
    pytest.importorskip("pyfftw")
    _unusable("below a file", tmp_path, monkeypatch)
    with pytest.warns(cache.CacheWarning):
        backend = solver.FFTBackend("pyfftw", threads=1, planner="measure")
        x = np.random.default_rng(0).standard_normal((16, 20))
        np.testing.assert_allclose(backend.irfft2(backend.rfft2(x), x.shape), x,
                                   atol=1e-13)  # round trip: only round-off of a 320-point FFT


def test_failed_cache_write_warns_once_and_leaves_nothing(cache_dir, reference, monkeypatch):
    """A full disk while storing a table: the solve is unaffected, no file or temporary left."""
    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cache.np, "savez", full)
    with pytest.warns(cache.CacheWarning, match="No space left on device") as record:
        _same(_solve(), reference)
    assert len([w for w in record if issubclass(w.category, cache.CacheWarning)]) == 1
    assert not list(cache_dir.glob("*.npz")) and not list(cache_dir.glob("*.tmp"))


def test_corrupt_wisdom_is_dropped(cache_dir):
    pytest.importorskip("pyfftw")
    cache_dir.mkdir()
    path = cache._wisdom_path(cache_dir)
    for content in ("not json", json.dumps({"a": 1}), json.dumps([1, 2]), json.dumps(["zz"]),
                    json.dumps([b"(fftw-3.3 garbage)".hex()] * 3)):
        path.write_text(content)
        cache.load_fftw_wisdom()  # never raises
        assert not path.exists(), content


# ------------------------------------------------------------------ stale temporaries
def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _temporaries(folder: Path) -> dict[str, Path]:
    """One temporary of each kind (names as write_atomically makes them)."""
    hour_ago = time.time() - 3600
    tag, me, dead = atomic.host_tag(), os.getpid(), _dead_pid()
    made = {
        "old, other machine": (f".a.npz.{me}-{'0' * 12}.{uuid.uuid4().hex}.tmp", hour_ago),
        "fresh, other machine": (f".b.npz.{me}-{'0' * 12}.{uuid.uuid4().hex}.tmp", None),
        "old, no machine tag": (f".c.nc.{me}.{uuid.uuid4().hex}.tmp", hour_ago),
        "fresh, no machine tag": (f".d.nc.{me}.{uuid.uuid4().hex}.tmp", None),
        "fresh, dead writer": (f".e.nc.{dead}-{tag}.{uuid.uuid4().hex}.tmp", None),
        "old, live writer": (f".f.nc.{me}-{tag}.{uuid.uuid4().hex}.tmp", hour_ago),
        "old, not ours": ("notes.tmp", hour_ago),
        "old, not ours either": (".g.nc.tmp", hour_ago),
    }
    paths = {}
    for what, (name, mtime) in made.items():
        path = folder / name
        path.write_bytes(b"half written")
        if mtime is not None:
            os.utime(path, (mtime, mtime))
        paths[what] = path
    return paths


STALE = {"old, other machine", "old, no machine tag", "fresh, dead writer"}


def _check_cleaned(paths: dict[str, Path]) -> None:
    for what, path in paths.items():
        assert path.exists() == (what not in STALE), what


def test_opening_the_cache_removes_stale_temporaries(cache_dir):
    cache_dir.mkdir()
    paths = _temporaries(cache_dir)
    assert cache.load_arrays("vgf", "nothing") is None  # first use of the folder
    _check_cleaned(paths)


def test_save_removes_stale_temporaries(tmp_path):
    ds = solver.solve(np.zeros((2, 8, 8)), solver.Grid((8, 8), 0.1), solver.Film(1.0)).to_dataset()
    paths = _temporaries(tmp_path)
    solver.save(ds, tmp_path / "run.nc")
    _check_cleaned(paths)
    assert (tmp_path / "run.nc").is_file()


def test_temporary_of_a_killed_writer(tmp_path):
    """A process killed (SIGKILL) inside write_atomically leaves its temporary; it is kept while
    the writer lives and removed once it is dead."""
    target = tmp_path / "big.nc"
    code = textwrap.dedent(f"""
        import time
        from solver.atomic import write_atomically
        def slow(tmp):
            open(tmp, "w").write("part")
            print("writing", flush=True)
            time.sleep(600)
        write_atomically({str(target)!r}, slow)
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                            cwd=Path(solver.__file__).parent.parent)
    try:
        assert proc.stdout.readline().strip() == "writing"
        leftovers = list(tmp_path.glob(".big.nc.*.tmp"))
        assert len(leftovers) == 1
        assert atomic.clean_stale_temporaries(tmp_path, max_age=0.0) == []  # live writer: kept
        assert leftovers[0].exists()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert leftovers[0].exists() and not target.exists()
    assert atomic.clean_stale_temporaries(tmp_path) == leftovers
    assert list(tmp_path.iterdir()) == []


def test_keldysh_table_is_cached_and_identical(cache_dir):
    """The Keldysh-function table (built in long double, ~0.3 s) is stored once and read back
    bit for bit; a corrupt entry is a miss and rebuilt with the same bits."""
    from solver.theory import _keldysh_table as kt

    built = kt._build_table()
    kt._table.cache_clear()
    try:
        first = kt._table()  # miss: built and stored
        files = list(cache_dir.glob("keldysh-*.npz"))
        assert len(files) == 1
        kt._table.cache_clear()
        second = kt._table()  # hit
        np.testing.assert_array_equal(first, built)
        np.testing.assert_array_equal(second, built)
        files[0].write_bytes(b"not an npz archive")
        kt._table.cache_clear()
        np.testing.assert_array_equal(kt._table(), built)
    finally:
        kt._table.cache_clear()
