"""Command line: ``python -m solver {run,sweep,validate} ...`` (also the ``pearl-solver`` script).

``run [CONFIG.toml] [--out DIR]`` (the default command) solves the configured islands (built-in
default: two disk islands, see :data:`solver.config.DEFAULT_CONFIG`), prints their self and
pair energies and their effective couplings J⊥, J∥ next to the point-dipole (Keldysh) values,
and writes ``DIR/solution.nc`` (netCDF, :func:`solver.save`) and ``DIR/solution.png``.

``sweep CONFIG.toml [--out DIR] [--workers N | --scheduler ADDR]`` runs the ``[sweep]`` table of a
configuration (:func:`solver.sweep.sweep`) and writes ``DIR/sweep.nc`` and ``DIR/sweep.png``.

``validate [--fast] [--out DIR]`` runs the validation suite (``python -m validation``).

Exit codes: 0 success; 1 a failure while computing (or failed validation cases); 2 bad input —
a malformed configuration, a bad option or a request larger than the available memory, reported
as one line ``error: ...`` on stderr (no traceback). Warnings (e.g. an island under two cells)
are printed once each, as one line ``warning: ...``.

Outputs: ``--out`` is checked before the solve (refused, exit code 2, when it is a file, lies
below a file or cannot be written); the folder is created only when there is something to write
(a bad configuration or a failed solve leaves no folder behind), and every file (netCDF and
figures) is written to a temporary file in that folder and renamed when complete: a failure
never leaves a half-written file, and temporaries of killed earlier runs are removed.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import math
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .cli_files import UsageError
from .cli_files import check_out as _check_out
from .cli_files import figure as _figure
from .cli_files import make_out as _make_out
from .cli_files import sweep_figure as _sweep_figure
from .cli_parsers import run_parser as _run_parser
from .cli_parsers import sweep_parser as _sweep_parser
from .cli_parsers import top_parser as _top_parser
from .cli_parsers import validate_parser as _validate_parser

__all__ = ["COMMANDS", "main", "print_table", "run", "sweep_command", "UsageError", "validate"]

COMMANDS = ("run", "sweep", "validate")


# --- configuration ------------------------------------------------------------------------------
def _load(args: argparse.Namespace):
    from .config import DEFAULT_CONFIG, ConfigError, apply_overrides, load_config, parse_config

    overrides: dict[str, Any] = {}
    if args.pearl_length is not None:
        overrides["film.pearl_length"] = args.pearl_length
    if args.spacing is not None:
        overrides["grid.spacing"] = args.spacing
    if args.cells is not None:
        overrides["grid.cells"] = args.cells
    if args.boundary is not None:
        overrides["boundary"] = args.boundary
    if args.heights is not None:
        overrides["heights"] = list(args.heights)
    if args.config is None:
        raw = json.loads(json.dumps(DEFAULT_CONFIG))
        if args.separation is not None:
            overrides["separation"] = args.separation
        if args.radius is not None:
            for isl in raw["islands"]:
                isl["radius"] = args.radius
        where = "default configuration"
    else:
        if args.separation is not None or args.radius is not None:
            raise UsageError("--separation and --radius apply to the built-in default only; "
                             "edit the islands of the configuration instead")
        raw = load_config(args.config, check_islands=False, check_memory=False).raw  # errors name the file
        where = args.config
    try:
        return parse_config(apply_overrides(raw, overrides)), where
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _validated(where: str, load, *args):
    """``load(*args)`` (reading and validating the configuration ``where``), with a TypeError
    or OverflowError raised while values are checked turned into a one-line :class:`UsageError`
    (exit code 2). Errors of the solve itself are not touched: they are internal failures
    (exit code 1, with a traceback)."""
    try:
        return load(*args)
    except (TypeError, OverflowError) as exc:
        raise UsageError(f"{where}: invalid value ({type(exc).__name__}: {_one_line(exc)})") from None


def _tqdm(total: int, desc: str, progress: bool | None):
    """The run's progress bar (:func:`solver._common.progress.bar`; None: on a terminal only)."""
    from .._common.progress import bar

    return bar(total, desc, progress)


# --- run ----------------------------------------------------------------------------------------
def _describe(cfg, elapsed: float) -> str:
    grid, film = cfg.grid, cfg.film
    isl = cfg.islands
    where = "finite film" if film.finite else f"boundary {cfg.boundary}"
    tail = (f"Pearl length {film.pearl_length:g}, grid {grid.shape[0]}x{grid.shape[1]} spacing "
            f"{grid.spacing:g}, {where} ({elapsed:.2f} s)")
    if len(isl) == 2 and all(i.kind == "disk" for i in isl) and isl[0].params == isl[1].params:
        d = math.dist(isl[0].center, isl[1].center)
        return f"two disks: radius {isl[0].params['radius']:g}, separation {d:g}, {tail}"
    kinds = ", ".join(sorted({i.kind for i in isl}))
    return f"{len(isl)} islands ({kinds}): {tail}"


def _moments_note(a, b) -> str:
    def cross(u, v) -> float:
        return float(u[0] * v[1] - u[1] * v[0])

    r = np.subtract(a.center, b.center)
    ma, mb = np.asarray(a.moment, float), np.asarray(b.moment, float)
    along = all(abs(cross(r, m)) <= 1e-12 * np.hypot(*r) * np.hypot(*m) for m in (ma, mb))
    parallel = float(ma @ mb) > 0 and abs(cross(ma, mb)) <= 1e-12 * np.hypot(*ma) * np.hypot(*mb)
    return "(moments parallel along r)" if along and parallel else "(moments as configured)"


def print_table(cfg, ie, elapsed: float, file=None) -> None:
    """The summary table: self, pair and total energies; couplings next to point dipoles."""
    from .pairs import pair_couplings

    out = file or sys.stdout
    n = len(cfg.islands)
    print(_describe(cfg, elapsed), file=out)
    print("  self energies        " + "   ".join(f"F_{k + 1}{k + 1} = {ie.self_energies[k]:.10g}"
                                                  for k in range(n)), file=out)
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    for i, j in pairs:
        print(f"  pair energy          F_{i + 1}{j + 1} = {ie.pair_energies[i, j]:.10g}   "
              f"{_moments_note(cfg.islands[i], cfg.islands[j])}", file=out)
    print(f"  total energy         F    = {ie.total:.10g}", file=out)
    if pairs:
        ref = "inf.-film dipole" if cfg.film.finite else "point dipole"
        print(f"  {'coupling':10s} {'islands':>16s} {ref:>16s} {'rel. diff':>10s}", file=out)
        for row in pair_couplings(cfg, ie):
            if row.distance == 0:
                continue
            tag = "" if len(pairs) == 1 else f"({row.i + 1},{row.j + 1})"
            for name, isl, pt in (("J_perp" + tag, row.j_perp, row.dipole_perp),
                                  ("J_par" + tag, row.j_par, row.dipole_par)):
                rel = isl / pt - 1 if pt != 0 else math.nan
                print(f"  {name:10s} {isl:16.10g} {pt:16.10g} {rel:10.2e}", file=out)
    g = "" if cfg.coupling == 1 else f", g = {cfg.coupling:g}"
    s = "" if cfg.film.stiffness == 1 else f", s = {cfg.film.stiffness:g}"
    units = "s = g = |m| = 1" if not (g or s) else f"|m| = 1{s}{g}"
    note = ("; on a finite film the edges change the couplings with the islands' positions"
            if cfg.film.finite else "")
    print(f"  (units: {units}; Z = s g^2 / 2pi; finite size shifts the couplings by ~(R/d)^2"
          f"{note})", file=out)


def run(args: argparse.Namespace) -> int:
    """``python -m solver run``: see the module docstring."""
    import solver

    cfg, where = _validated(args.config or "default configuration", _load, args)
    if args.dry_run:
        print(f"{where}: ok ({len(cfg.islands)} islands, grid {cfg.grid.shape[0]}x{cfg.grid.shape[1]}, "
              f"boundary {cfg.boundary})")
        return 0
    write = not args.no_files and (cfg.dataset or cfg.figure)
    out = Path(args.out)
    if write:
        # checked before the solve; the folder is created only once there is something to write
        _check_out(out, [n for n in (cfg.dataset, cfg.figure) if n])
    fft = cfg.fft()
    # the energies and couplings come from interaction_energies; the field solve is needed only
    # for what is written (fields, figure) or printed (a finite film's moment and hole currents)
    need_solution = bool(write) or cfg.film.finite
    steps = (2 + need_solution + (len(cfg.heights) + 1 if cfg.dataset and write else 0)
             + (1 if cfg.figure and write else 0))
    bar = _tqdm(steps, "run", args.progress)
    try:
        bar.set_description("sources")
        a = solver.exchange_map(cfg.islands, cfg.grid, coupling=cfg.coupling, boundary=cfg.boundary)
        bar.update()
        bar.set_description("operator + couplings")
        t0 = time.perf_counter()
        ie = solver.interaction_energies(cfg.islands, cfg.grid, cfg.film, boundary=cfg.boundary,
                                         coupling=cfg.coupling, fft=fft)
        elapsed = time.perf_counter() - t0
        bar.update()
        sol = None
        if need_solution:
            bar.set_description("solve")
            extra = ({"applied_field": cfg.applied_field, "fluxoids": cfg.fluxoids}
                     if cfg.film.finite else {})
            sol = solver.solve(a, cfg.grid, cfg.film, cfg.boundary, fft=fft, islands=cfg.islands,
                               coupling=cfg.coupling, **extra)
            bar.update()
        written = []
        ds = None
        if write and cfg.dataset:
            bar.set_description("fields")
            _ = sol.current, sol.vector_potential
            for h in cfg.heights:  # cached on the solution; to_dataset reuses them
                bar.set_description(f"B_z at height {h:g}")
                sol.field_z(h)
                bar.update()
            ds = sol.to_dataset(cfg.heights, length_unit=cfg.length_unit)
            ds.attrs["run_config"] = json.dumps(cfg.raw)
            bar.set_description("write netCDF")
            _make_out(out)
            written.append(solver.io.save(ds, out / cfg.dataset))
            bar.update()
        if write and cfg.figure:
            bar.set_description("figure")
            _make_out(out)
            written.append(_figure(ds if ds is not None else sol, out / cfg.figure, cfg.heights[0]))
            bar.update()
    finally:
        bar.close()
    print_table(cfg, ie, elapsed)
    if cfg.film.finite:
        extra = f"  film: magnetic moment m_z = {sol.magnetic_moment:.10g}"
        if sol.geometry.n_holes:
            extra += ("; hole currents " + ", ".join(f"{v:.6g}" for v in sol.hole_currents)
                      + "; fluxoids " + ", ".join(f"{v:.6g}" for v in sol.fluxoids))
        print(extra + f" ({sol.info['iterations']} CG iterations)")
    for path in written:
        print(f"  wrote {path}")
    return 0


# --- sweep --------------------------------------------------------------------------------------
def sweep_command(args: argparse.Namespace) -> int:
    """``python -m solver sweep``: see the module docstring."""
    from .. import io
    from .config import MAX_PARALLEL, ConfigError, load_config
    from .sweep import SweepPointError, sweep

    cfg = _validated(args.config, load_config, args.config)
    if cfg.sweep is None:
        raise UsageError(f"{args.config}: sweep: missing (a [sweep] table with axes is needed)")
    spec = cfg.sweep
    workers = spec.workers if args.workers is None else args.workers
    if not 0 <= workers <= MAX_PARALLEL:
        raise UsageError(f"--workers: expected an integer in [0, {MAX_PARALLEL}], got {workers}")
    if args.threads is not None and not 1 <= args.threads <= MAX_PARALLEL:
        raise UsageError(f"--threads: expected an integer in [1, {MAX_PARALLEL}], got {args.threads}")
    scheduler = args.scheduler or spec.scheduler or None
    out = Path(args.out)
    if spec.dataset or spec.figure:
        # checked before the sweep; the folder is created only once there is something to write
        _check_out(out, [n for n in (spec.dataset, spec.figure) if n])
    progress = True if args.progress is None else args.progress
    t0 = time.perf_counter()
    try:
        if scheduler:
            ds = sweep(cfg, spec.axes, client=scheduler, threads=args.threads, progress=progress)
        elif workers > 0:
            from dask.distributed import Client, LocalCluster

            with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                              dashboard_address=None) as cluster, Client(cluster) as client:
                ds = sweep(cfg, spec.axes, client=client, threads=args.threads, progress=progress)
        else:
            ds = sweep(cfg, spec.axes, threads=args.threads, progress=progress)
    except ConfigError as exc:
        raise ConfigError(f"{args.config}: {exc}") from None
    except SweepPointError as exc:
        if isinstance(exc.__cause__, ValueError):  # bad input found while solving (e.g. memory)
            raise UsageError(f"{args.config}: {exc}") from None
        raise
    elapsed = time.perf_counter() - t0
    ds.attrs["run_config"] = json.dumps(cfg.raw)
    names = list(spec.axes)
    print(f"sweep over {' x '.join(f'{n} ({len(spec.axes[n])})' for n in names)}: "
          f"{int(np.prod([len(v) for v in spec.axes.values()]))} points in {elapsed:.2f} s")
    if ds.sizes.get("pair", 0) == 1:
        flat = ds.isel(pair=0).stack(point=names)
        head = "  ".join(f"{n:>14s}" for n in names)
        print(f"  {head}  {'J_perp':>12s} {'dipole':>12s}  {'J_par':>12s} {'dipole':>12s}")
        for k in range(flat.sizes["point"]):
            p = flat.isel(point=k)
            vals = "  ".join(f"{_fmt(p[n].item()):>14s}" for n in names)
            print(f"  {vals}  {float(p.J_perp):12.6g} {float(p.J_perp_dipole):12.6g}  "
                  f"{float(p.J_par):12.6g} {float(p.J_par_dipole):12.6g}")
    if spec.dataset:
        _make_out(out)
        print(f"  wrote {io.save(ds, out / spec.dataset)}")
    if spec.figure and "separation" in names and len(names) <= 2 and ds.sizes.get("pair", 0) == 1:
        _make_out(out)
        print(f"  wrote {_sweep_figure(ds, out / spec.figure, names)}")
    return 0


def _fmt(v: Any) -> str:
    return f"{v:.6g}" if isinstance(v, (int, float, np.number)) else str(v)


# --- validate -----------------------------------------------------------------------------------
def validate(args: argparse.Namespace) -> int:
    """``python -m solver validate``: run ``python -m validation`` in a subprocess."""
    if importlib.util.find_spec("validation") is None or \
            importlib.util.find_spec("validation.__main__") is None:
        raise UsageError("the validation suite is not installed (no module validation.__main__)")
    cmd = [sys.executable, "-m", "validation"]
    if args.fast:
        cmd.append("--fast")
    if args.out:
        cmd += ["--out", args.out]
    extra = [a for a in (args.extra or []) if a != "--"]
    return subprocess.call(cmd + extra)


# --- entry point --------------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 failure, 2 bad input)."""
    from .config import ConfigError

    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ("-h", "--help"):
        _top_parser().print_help()
        return 0
    command = argv.pop(0) if argv and argv[0] in COMMANDS else "run"
    parser = {"run": _run_parser, "sweep": _sweep_parser, "validate": _validate_parser}[command]()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return int(exc.code or 0)
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _one_line_warnings()
            if command == "run":
                return run(args)
            if command == "sweep":
                return sweep_command(args)
            return validate(args)
    except (ConfigError, UsageError) as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except MemoryError as exc:
        print(f"error: out of memory ({_one_line(exc) or 'MemoryError'}); use a smaller grid "
              "(grid.cells / grid.shape)", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130


def _one_line_warnings():
    """A ``warnings.showwarning`` replacement printing each distinct warning once, as one line
    ``warning: ...`` on stderr (no source line, no file name)."""
    seen: set[str] = set()

    def show(message, category, filename, lineno, file=None, line=None) -> None:
        text = f"warning: {_one_line(message)}"
        if text not in seen:
            seen.add(text)
            print(text, file=sys.stderr if file is None else file)

    return show


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())
