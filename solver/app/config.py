"""TOML run configurations: parsing, validation, defaults and dotted-key overrides.

A configuration file describes one solve (``python -m solver run CONFIG.toml``) and, optionally,
a parameter sweep over it (``python -m solver sweep CONFIG.toml``). Every key is checked; unknown
keys are rejected, and every error is a :class:`ConfigError` whose one-line message names the
key and what was expected, e.g. ``film.pearl_length: expected a number > 0 or inf, got -1.0``.

Schema (lengths in the one unit of ``length_unit``; angles in radians)::

    length_unit = "um"          # recorded in the outputs only (pint/UDUNITS string, or "1")
    boundary = "open"           # or "periodic"
    coupling = 1.0              # g = Gamma J0
    heights = [0.0, 0.1]        # B_z heights z >= 0 written to the dataset

    [film]
    pearl_length = 2.0          # r0 > 0; inf = no screening
    stiffness = 1.0             # s > 0
    # a finite film (optional): outline = { kind = "disk", center = [0, 0], radius = 1.0 }
    # (kinds disk | rectangle (size, angle) | polygon (vertices) | ring (inner_radius,
    # outer_radius: an outline with one hole)); holes = [{ kind = "disk", ... }];
    # applied_field = 0.0 (uniform B_z); fluxoids = [0.0, ...] (one per hole)

    [grid]
    cells = 512                 # square grid, or shape = [ny, nx]
    spacing = 0.01
    center = [0.0, 0.0]

    [[islands]]                 # one table per island
    kind = "disk"               # disk | ellipse | rectangle | polygon | gaussian
    center = [-1.0, 0.0]
    radius = 0.2                # disk: radius; ellipse: axes, angle; rectangle: size, angle;
    moment = [1.0, 0.0]         # polygon: vertices (absolute); gaussian: width
    edge_width = 0.0            # optional erfc edge (not for gaussian)

    [outputs]
    dataset = "solution.nc"     # file names inside --out; false = do not write
    figure = "solution.png"

    [fft]
    backend = "auto"            # auto | pyfftw | scipy
    threads = 2

    [sweep]                     # only read by `python -m solver sweep`
    axes = { separation = [1.0, 2.0, 4.0], "film.pearl_length" = [0.5, 2.0] }
    workers = 0                 # 0: serial; n: a local Dask cluster of n processes
    scheduler = ""              # or the address of a running Dask scheduler
    dataset = "sweep.nc"
    figure = "sweep.png"

Limits (each refused with one line naming the key): ``grid.spacing`` in [1e-150, 1e150] with a
finite grid extent; a grid whose exchange map alone exceeds the available memory is refused
before anything of its size is built (exact integer arithmetic: astronomically large ``cells``
cannot overflow); the energy scale stiffness x (coupling x |moment|)² / spacing² of every island
in [1e-280, 1e280] (energies and couplings would otherwise overflow to inf or underflow to 0);
``fft.threads`` and ``sweep.workers`` at most 1024. A UTF-8 byte order mark at the start of a
file is ignored.

Axis names of a sweep are dotted keys of this schema (``film.pearl_length``, ``grid.spacing``,
``islands.1.center``, ``coupling`` …) or ``separation``: the distance between islands 0 and 1,
moved symmetrically about their midpoint along the line that joins them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

try:
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - python < 3.11
    import tomli as tomllib

from ..model.film import Film
from ..model.grid import Grid
from .config_limits import ENERGY_SCALE_RANGE, SPACING_RANGE
from .config_limits import check_energy_scale as _check_energy_scale
from .config_limits import check_memory as _check_memory
from .config_limits import check_spacing as _check_spacing
from .config_tables import FILM_SHAPES, ISLAND_KINDS
from .config_tables import parse_finite_film as _finite_film
from .config_tables import parse_island as _island
from .config_values import ConfigError
from .config_values import fail as _fail
from .config_values import integer as _integer
from .config_values import is_number as _is_number
from .config_values import number as _number
from .config_values import output_name as _output
from .config_values import pair as _pair
from .config_values import string as _string
from .config_values import table as _table
from .overrides import apply_overrides, get_path, set_path, set_separation

__all__ = ["apply_overrides", "ConfigError", "DEFAULT_CONFIG", "ENERGY_SCALE_RANGE",
           "FILM_SHAPES", "get_path", "ISLAND_KINDS", "load_config", "MAX_PARALLEL",
           "parse_config", "RunConfig", "set_path", "set_separation", "SPACING_RANGE",
           "SweepSpec"]

DEFAULT_CONFIG: dict[str, Any] = {
    "length_unit": "um",
    "boundary": "open",
    "coupling": 1.0,
    "heights": [0.0],
    "film": {"pearl_length": 2.0, "stiffness": 1.0},
    "grid": {"cells": 512, "spacing": 0.01, "center": [0.0, 0.0]},
    "islands": [
        {"kind": "disk", "center": [-1.0, 0.0], "radius": 0.2, "moment": [1.0, 0.0]},
        {"kind": "disk", "center": [1.0, 0.0], "radius": 0.2, "moment": [1.0, 0.0]},
    ],
    "outputs": {"dataset": "solution.nc", "figure": "solution.png"},
}
"""The built-in run: two disk islands (radius 0.2, 2 apart, moments along their axis), r0 = 2,
512 x 512 cells of 0.01, open boundary (the defaults of the original ``python -m solver run``)."""

_TOP = {"length_unit", "boundary", "coupling", "heights", "film", "grid", "islands", "outputs",
        "fft", "sweep"}


MAX_PARALLEL = 1024
"""Largest ``fft.threads`` and ``sweep.workers`` accepted (each worker is a process: an
absurd count would exhaust the machine before any error could be reported)."""


@dataclass(frozen=True)
class SweepSpec:
    """The ``[sweep]`` table: axes (name -> values) and how/where to run."""

    axes: dict[str, list]
    workers: int = 0
    scheduler: str = ""
    dataset: str | None = "sweep.nc"
    figure: str | None = "sweep.png"


@dataclass(frozen=True)
class RunConfig:
    """A validated run configuration.

    Attributes
    ----------
    film, grid : Film, Grid
    islands : list of Island
    boundary : str
    coupling : float
    heights : tuple of float
    length_unit : str
    dataset, figure : str or None
        Output file names (relative to the output folder), None = not written.
    fft_backend : str or None
    fft_threads : int or None
    sweep : SweepSpec or None
    raw : dict
        The validated dictionary (defaults filled in), the base for :func:`apply_overrides`.
    """

    film: Film
    grid: Grid
    islands: list
    boundary: str = "open"
    coupling: float = 1.0
    heights: tuple = (0.0,)
    length_unit: str = "um"
    dataset: str | None = "solution.nc"
    figure: str | None = "solution.png"
    fft_backend: str | None = None
    fft_threads: int | None = None
    sweep: SweepSpec | None = None
    raw: dict = field(default_factory=dict, repr=False, compare=False)
    applied_field: float | None = None
    fluxoids: list | None = None

    def fft(self):
        """The :class:`~solver.fft.FFTBackend` requested by ``[fft]`` (None: the default one)."""
        if self.fft_backend is None and self.fft_threads is None:
            return None
        from ..spectral.fft import FFTBackend

        return FFTBackend(name=self.fft_backend, threads=self.fft_threads)

    def operator_key(self) -> tuple:
        """``(grid, film, boundary)``: points with equal keys share one cached operator."""
        return (self.grid, self.film if self.film.finite else self.film.pearl_length,
                self.boundary)


def parse_config(data: Mapping[str, Any], *, check_islands: bool = True,
                 check_memory: bool = True) -> RunConfig:
    """Validate a configuration dictionary (as read from TOML) and build the run objects.

    Every missing top-level key (``film``, ``grid``, ``islands`` …) takes its value from
    :data:`DEFAULT_CONFIG`, so ``{}`` is the built-in run; inside a table, ``film.pearl_length``,
    ``grid.spacing`` and ``grid.cells``/``grid.shape`` are required.

    Parameters
    ----------
    data : mapping
    check_islands : bool
        Check that every island lies inside an open grid (or fits in a periodic cell).
    check_memory : bool
        Check that a solve on the grid fits in the available memory (key ``grid``).

    Raises
    ------
    ConfigError
        One line, naming the offending key and what was expected.
    """
    if not isinstance(data, Mapping):
        raise _fail("config", "a table", data)
    _table("", dict(data), _TOP)
    raw: dict[str, Any] = {}
    raw["length_unit"] = _string("length_unit", data.get("length_unit", DEFAULT_CONFIG["length_unit"]))
    from ..io.dataset import check_length_unit

    try:
        check_length_unit(raw["length_unit"])
    except ValueError as exc:
        raise ConfigError(f"length_unit: {exc}") from None
    raw["boundary"] = _string("boundary", data.get("boundary", "open"), ("open", "periodic"))
    raw["coupling"] = _number("coupling", data.get("coupling", 1.0))
    heights = data.get("heights", [0.0])
    if _is_number(heights):
        heights = [heights]
    if not isinstance(heights, list) or not heights:
        raise _fail("heights", "a non-empty list of numbers >= 0", heights)
    raw["heights"] = [_number(f"heights[{i}]", h, nonneg=True) for i, h in enumerate(heights)]
    if len(set(raw["heights"])) != len(raw["heights"]):
        raise _fail("heights", "distinct heights", heights)

    f = _table("film", data.get("film", DEFAULT_CONFIG["film"]),
               {"pearl_length", "stiffness", "outline", "holes", "applied_field", "fluxoids"})
    if "pearl_length" not in f:
        raise ConfigError("film.pearl_length: missing (expected a number > 0 or inf)")
    raw["film"] = {"pearl_length": _number("film.pearl_length", f["pearl_length"], positive=True,
                                           allow_inf=True),
                   "stiffness": _number("film.stiffness", f.get("stiffness", 1.0), positive=True)}
    film, applied_field, fluxoids = _finite_film(f, raw)

    g = _table("grid", data.get("grid", DEFAULT_CONFIG["grid"]), {"cells", "shape", "spacing", "center"})
    if ("cells" in g) == ("shape" in g):
        raise ConfigError("grid: expected exactly one of cells (an integer) or shape ([ny, nx])")
    if "cells" in g:
        n = _integer("grid.cells", g["cells"], 2)
        shape = [n, n]
        raw["grid"] = {"cells": n}
    else:
        s = g["shape"]
        if not isinstance(s, list) or len(s) != 2:
            raise _fail("grid.shape", "two integers [ny, nx] >= 2", s)
        shape = [_integer(f"grid.shape[{i}]", v, 2) for i, v in enumerate(s)]
        raw["grid"] = {"shape": shape}
    if "spacing" not in g:
        raise ConfigError("grid.spacing: missing (expected a number > 0)")
    raw["grid"]["spacing"] = _number("grid.spacing", g["spacing"], positive=True)
    _check_spacing(shape, raw["grid"]["spacing"])
    raw["grid"]["center"] = _pair("grid.center", g.get("center", [0.0, 0.0]))
    if check_memory:
        _check_memory(shape, None, raw["boundary"])  # before building anything of that size
    try:
        grid = Grid(tuple(shape), raw["grid"]["spacing"], tuple(raw["grid"]["center"]))
    except (ValueError, TypeError, OverflowError) as exc:
        raise ConfigError(f"grid: {' '.join(str(exc).split())}") from None
    if check_memory:
        _check_memory(shape, grid, raw["boundary"])

    isl_data = data.get("islands", DEFAULT_CONFIG["islands"])
    if not isinstance(isl_data, list) or not isl_data:
        raise _fail("islands", "a non-empty array of tables ([[islands]])", isl_data)
    parsed = [_island(k, d) for k, d in enumerate(isl_data)]
    raw["islands"] = [p[0] for p in parsed]
    islands = [p[1] for p in parsed]
    _check_energy_scale(raw)
    if check_islands:
        import warnings

        from ..model.sources import check_island_on_grid

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for k, isl in enumerate(islands):
                try:
                    check_island_on_grid(isl, grid, raw["boundary"] == "periodic", index=k)
                except ValueError as exc:
                    raise ConfigError(str(exc)) from None

    o = _table("outputs", data.get("outputs", DEFAULT_CONFIG["outputs"]), {"dataset", "figure"})
    raw["outputs"] = {"dataset": _output("outputs.dataset", o.get("dataset", "solution.nc")),
                      "figure": _output("outputs.figure", o.get("figure", "solution.png"))}
    raw["outputs"] = {k: (v if v is not None else False) for k, v in raw["outputs"].items()}

    backend = threads = None
    if "fft" in data:
        ff = _table("fft", data["fft"], {"backend", "threads"})
        raw["fft"] = {}
        if "backend" in ff:
            backend = raw["fft"]["backend"] = _string("fft.backend", ff["backend"], ("auto", "pyfftw", "scipy"))
        if "threads" in ff:
            threads = raw["fft"]["threads"] = _integer("fft.threads", ff["threads"], 1, MAX_PARALLEL)

    sweep = None
    if "sweep" in data:
        sweep = _sweep(data["sweep"], raw)
        raw["sweep"] = {"axes": sweep.axes, "workers": sweep.workers, "scheduler": sweep.scheduler,
                        "dataset": sweep.dataset or False, "figure": sweep.figure or False}

    return RunConfig(film=film, grid=grid, islands=islands, boundary=raw["boundary"],
                     coupling=raw["coupling"], heights=tuple(raw["heights"]),
                     length_unit=raw["length_unit"], dataset=raw["outputs"]["dataset"] or None,
                     figure=raw["outputs"]["figure"] or None, fft_backend=backend,
                     fft_threads=threads, sweep=sweep, raw=raw, applied_field=applied_field,
                     fluxoids=fluxoids)


def _sweep(v: Any, raw: dict) -> SweepSpec:
    s = _table("sweep", v, {"axes", "workers", "scheduler", "dataset", "figure"})
    axes = s.get("axes")
    if not isinstance(axes, dict) or not axes:
        raise _fail("sweep.axes", "a table of axis name = [values, ...] (at least one axis)", s.get("axes"))
    clean: dict[str, list] = {}
    for name, values in axes.items():
        key = f"sweep.axes.{name}"
        if not isinstance(values, list) or not values:
            raise _fail(key, "a non-empty list of values", values)
        if name != "separation":
            try:
                get_path(raw, name)
            except KeyError:
                raise ConfigError(f"{key}: not a key of this configuration (use dotted keys such as "
                                  "film.pearl_length, grid.spacing, islands.0.center, or separation)") from None
        clean[name] = list(values)
    return SweepSpec(axes=clean,
                     workers=_integer("sweep.workers", s.get("workers", 0), 0, MAX_PARALLEL),
                     scheduler=_string("sweep.scheduler", s.get("scheduler", "")),
                     dataset=_output("sweep.dataset", s.get("dataset", "sweep.nc")),
                     figure=_output("sweep.figure", s.get("figure", "sweep.png")))


def load_config(path: str | Path, *, check_islands: bool = True,
                check_memory: bool = True) -> RunConfig:
    """Read and validate a TOML configuration file (see the module docstring for the schema).

    Parameters
    ----------
    path : str or path-like
    check_islands, check_memory : bool
        As in :func:`parse_config`.

    Raises
    ------
    ConfigError
        On a missing or unreadable file, a file that is not UTF-8 text, invalid TOML (with line
        and column) or any invalid key; the message starts with the file name. A UTF-8 byte
        order mark at the start (written by some Windows editors) is accepted and ignored.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")  # a leading UTF-8 BOM is dropped
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not a UTF-8 text file (a TOML configuration must be UTF-8; "
                          f"byte {exc.start} is {exc.object[exc.start:exc.start + 1]!r})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {' '.join(str(exc).split())}") from None
    try:
        return parse_config(data, check_islands=check_islands, check_memory=check_memory)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None


