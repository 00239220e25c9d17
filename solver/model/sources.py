"""Sources of the effective gauge field: islands and point-like impurities.

An island i with in-plane total moment μ_i and shape function S_i (∫ S_i d²r = 1) contributes
a(r) = g (μ_i × ẑ) S_i(r), with μ × ẑ = (μ_y, −μ_x) and coupling g = Γ J0 (PHYSICS.md).

Rasterising (one rule for every edge width): a shaped island (disk, ellipse, rectangle, polygon)
is sampled at the cell centres with an edge profile across its boundary (d the signed
distance, negative inside). An ``edge_width`` σ ≥ s_min = ``RASTER_EDGE_CELLS`` · h (one cell)
is resolved and put on the grid as requested, ½ erfc(d/(√2 σ)); point sampling it is spectrally
accurate (~1e-6 in the energy). A narrower or sharp edge is put on the grid with the width s_min
and a fourth-order kernel (:meth:`Island.raster_edge`), which keeps the island's spectrum — area,
second moments, pair energies — to O((kh)⁴) and tends continuously to the requested erfc edge as
σ → s_min. What it removes from the *self* energy (the high-q, Porod part of the sharp edge,
≈ −h/R of a sharp disk of radius R) is returned by :func:`edge_energy_tensors` /
:func:`edge_energy`: exactly (1-D Hankel quadrature of the form factors) for disks, from the Porod
law of the edges (leading order in h/size) for ellipses, rectangles and polygons. The exchange
map itself is a plain array; callers that know the islands add the edge energy. The shape
function is normalised so that the discrete total moment is exact. Offsets are formed relative
to the grid centre, so a translated grid with translated islands gives the same map.
"""
from __future__ import annotations

import functools
import json
import math
import warnings
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Sequence

import numpy as np
from scipy.integrate import IntegrationWarning, quad
from scipy.special import erfc, j1

from . import checks, kernels
from .film import Film
from .grid import Grid

RASTER_EDGE_CELLS = 1.0
"""Width s_min of the rasterised edge, in cells: an edge narrower than s_min · h is put on the
grid with the width s = s_min · h (see :meth:`Island.raster_edge`), whose |transform|² is 2e-3
at the zone edge (corrected self energies of sharp disks to 1e-5…6e-5 from 5 cells; 1.3 cells
would give ~2e-6 but need 6.5 cells of open-grid margin instead of 5)."""

RASTER_SUPPORT = 5.0
"""The rasterised edge of a narrow (σ < s_min) edge is cut at ``RASTER_SUPPORT`` widths s, where
|p − step| < 4e-6 (see :meth:`Island.edge_reach`)."""

GAUSSIAN_SUPPORT = 8.6
"""A Gaussian island is treated as reaching ``GAUSSIAN_SUPPORT`` widths from its centre
(exp(-8.6²/2) ≈ 9e-17): that much of it must lie inside an open-boundary grid."""

MASK_SLACK = 0.05
"""Tolerance of :meth:`Island.mask` beyond [0, 1], for rasterised profiles (max overshoot of the
fourth-order edge: p(−√3 s) − 1 = 0.0357)."""

EDGE_SUPPORT = 6.0
"""A smoothed edge reaches ``EDGE_SUPPORT`` edge widths beyond the geometric boundary
(½ erfc(6/√2) = 1e-9)."""


def _rotate(dx: np.ndarray, dy: np.ndarray, angle: float) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates in a frame rotated by ``angle`` (radians, counter-clockwise)."""
    c, s = math.cos(angle), math.sin(angle)
    return c * dx + s * dy, -s * dx + c * dy


@dataclass(frozen=True)
class Island:
    """A ferromagnetic-insulator island (or an impurity) on the film.

    Build islands with the constructors :meth:`disk`, :meth:`ellipse`, :meth:`rectangle`,
    :meth:`polygon`, :meth:`mask` and :meth:`gaussian`; all lengths in the grid's unit.

    Attributes
    ----------
    kind : str
        Shape name.
    center : (float, float)
        Position of the island (centroid for polygons and masks).
    moment : (float, float)
        Total in-plane moment μ (any unit; a(r) scales with it).
    params : dict
        Shape parameters (JSON-serialisable).
    edge_width : float
        Edge smoothing width σ (0 = sharp edge, anti-aliased).
    """

    kind: str
    center: tuple[float, float]
    moment: tuple[float, float]
    params: dict = field(default_factory=dict, compare=False)
    edge_width: float = 0.0

    # --- constructors -------------------------------------------------------------------------
    @classmethod
    def _make(cls, kind: str, center: Any, moment: Any, params: dict, edge_width: float) -> "Island":
        c = checks.vector2("center", center)
        m = checks.vector2("moment", moment)
        ew = checks.nonnegative("edge_width", edge_width)
        return cls(kind, (float(c[0]), float(c[1])), (float(m[0]), float(m[1])), params, ew)

    @classmethod
    def disk(cls, center: Sequence[float], radius: float, moment: Sequence[float] = (1.0, 0.0),
             edge_width: float = 0.0) -> "Island":
        """A disk of ``radius`` centred at ``center``."""
        r = checks.positive_length("radius", radius)
        return cls._make("disk", center, moment, {"radius": r}, edge_width)

    @classmethod
    def ellipse(cls, center: Sequence[float], axes: Sequence[float], angle: float = 0.0,
                moment: Sequence[float] = (1.0, 0.0), edge_width: float = 0.0) -> "Island":
        """An ellipse with semi-axes ``axes = (a, b)``, ``a`` along the direction ``angle`` (rad)."""
        ax = checks.vector2("axes", axes)
        a = checks.positive_length("axes[0]", ax[0])
        b = checks.positive_length("axes[1]", ax[1])
        ang = checks.finite_real("angle", angle)
        return cls._make("ellipse", center, moment, {"axes": [a, b], "angle": ang}, edge_width)

    @classmethod
    def rectangle(cls, center: Sequence[float], size: Sequence[float], angle: float = 0.0,
                  moment: Sequence[float] = (1.0, 0.0), edge_width: float = 0.0) -> "Island":
        """A rectangle of side lengths ``size = (width, height)`` rotated by ``angle`` (rad)."""
        sz = checks.vector2("size", size)
        w = checks.positive_length("size[0]", sz[0])
        h = checks.positive_length("size[1]", sz[1])
        ang = checks.finite_real("angle", angle)
        return cls._make("rectangle", center, moment, {"size": [w, h], "angle": ang}, edge_width)

    @classmethod
    def polygon(cls, vertices: Sequence[Sequence[float]], moment: Sequence[float] = (1.0, 0.0),
                edge_width: float = 0.0) -> "Island":
        """A simple polygon with absolute ``vertices`` ``[(x0, y0), (x1, y1), ...]`` (>= 3).

        Raises
        ------
        ValueError
            Fewer than three finite (x, y) pairs, zero enclosed area, or edges that cross (a
            self-intersecting outline such as a star drawn through its tips: give its outline).
        """
        try:
            v = checks.finite_array("vertices", vertices)
        except ValueError as exc:
            raise ValueError(f"vertices must be a sequence of >= 3 finite (x, y) pairs: {exc}") from None
        if v.ndim != 2 or v.shape[1] != 2 or len(v) < 3:
            raise ValueError(f"vertices must be a sequence of >= 3 finite (x, y) pairs, got shape {v.shape}")
        given = v
        origin = v[0].copy()
        v = v - origin  # areas and centroid from offsets: exact far from the origin too
        x, y = v[:, 0], v[:, 1]
        xn, yn = np.roll(x, -1), np.roll(y, -1)
        cross = x * yn - xn * y
        area2 = cross.sum()
        if abs(area2) <= 1e-14 * (np.ptp(x) * np.ptp(y) + 1e-300):
            raise ValueError("vertices enclose zero area (degenerate polygon): they must describe a "
                             "simple polygon of non-zero area")
        crossing = _self_intersection(v)
        if crossing is not None:
            i, j = crossing
            a, b = v + origin, np.roll(v, -1, axis=0) + origin
            raise ValueError(f"vertices must describe a simple (non-self-intersecting) polygon: edge "
                             f"{i} ({a[i].tolist()} -> {b[i].tolist()}) crosses edge "
                             f"{j} ({a[j].tolist()} -> {b[j].tolist()})")
        cx = ((x + xn) * cross).sum() / (3 * area2)
        cy = ((y + yn) * cross).sum() / (3 * area2)
        center = (float(origin[0] + cx), float(origin[1] + cy))
        # the given vertices relative to the (rounded) centre: exact differences of nearby floats,
        # so the rasterised outline is where the caller put it, wherever the centroid rounds to
        rel = (given - center).tolist()
        return cls._make("polygon", center, moment, {"vertices": rel}, edge_width)

    @classmethod
    def mask(cls, mask: np.ndarray, grid: Grid, moment: Sequence[float] = (1.0, 0.0)) -> "Island":
        """An island given as a boolean mask or a coverage image on ``grid``.

        Values in [0, 1]; the profile of another island (:meth:`coverage`, whose fourth-order
        edge over- and undershoots by up to 3.6 % next to a sharp edge) is accepted within
        ``MASK_SLACK``. A mask is taken as it is: no edge energy is added for it.

        Raises
        ------
        ValueError
            ``mask`` complex, string, object, masked or non-finite, of another shape than the
            grid, outside [−MASK_SLACK, 1 + MASK_SLACK], or empty.
        """
        if not isinstance(grid, Grid):
            raise ValueError(f"grid must be a solver.Grid, got {type(grid).__name__}")
        if isinstance(mask, np.ma.MaskedArray):
            checks.finite_array("mask", mask)  # refuses it, naming mask
        raw = np.asarray(mask)
        if raw.dtype.kind not in "biuf":
            raise ValueError(f"mask must be a boolean or real array of shape {grid.shape} with values "
                             f"in [0, 1], got dtype {raw.dtype}")
        m = checks.finite_array("mask", raw.astype(float), grid.shape)
        if m.min() < -MASK_SLACK or m.max() > 1 + MASK_SLACK:
            raise ValueError(f"mask values must lie in [0, 1] (a rasterised island profile may reach "
                             f"[{-MASK_SLACK:g}, {1 + MASK_SLACK:g}]), got range [{m.min()}, {m.max()}]")
        total = m.sum()
        if total <= 0:
            raise ValueError("mask is empty: it must cover at least part of one cell")
        # centroid relative to the grid centre first (exact offsets, see Grid.local_x)
        c = (grid.center[0] + (m.sum(axis=0) @ grid.local_x) / total,
             grid.center[1] + (m.sum(axis=1) @ grid.local_y) / total)
        params = {"grid_shape": list(grid.shape), "spacing": grid.spacing,
                  "grid_center": list(grid.center), "coverage": m}
        return cls._make("mask", c, moment, params, 0.0)

    @classmethod
    def gaussian(cls, center: Sequence[float], width: float,
                 moment: Sequence[float] = (1.0, 0.0)) -> "Island":
        """A point-like island with profile exp(−|r − c|²/(2 width²))/(2π width²)."""
        w = checks.positive_length("width", width)
        return cls._make("gaussian", center, moment, {"width": w}, 0.0)

    # --- derived geometry -------------------------------------------------------------------
    def with_moment(self, moment: Sequence[float]) -> "Island":
        """A copy of this island with another moment."""
        m = checks.vector2("moment", moment)
        return replace(self, moment=(float(m[0]), float(m[1])))

    @property
    def area(self) -> float:
        """Geometric area (the sharp-edged shape; ``nan`` for a Gaussian)."""
        p = self.params
        if self.kind == "disk":
            return math.pi * p["radius"] ** 2
        if self.kind == "ellipse":
            return math.pi * p["axes"][0] * p["axes"][1]
        if self.kind == "rectangle":
            return p["size"][0] * p["size"][1]
        if self.kind == "polygon":
            v = np.asarray(p["vertices"])
            return 0.5 * abs(np.sum(v[:, 0] * np.roll(v[:, 1], -1) - np.roll(v[:, 0], -1) * v[:, 1]))
        if self.kind == "mask":
            return float(p["coverage"].sum() * p["spacing"] ** 2)
        return float("nan")

    @property
    def min_feature(self) -> float:
        """Smallest linear dimension (radius, semi-axis, half side, width): resolution check."""
        p = self.params
        if self.kind == "disk":
            return p["radius"]
        if self.kind == "ellipse":
            return min(p["axes"])
        if self.kind == "rectangle":
            return 0.5 * min(p["size"])
        if self.kind == "polygon":
            v = np.asarray(p["vertices"])
            return 0.5 * min(np.ptp(v[:, 0]), np.ptp(v[:, 1]))
        if self.kind == "gaussian":
            return p["width"]
        return math.sqrt(self.area / math.pi)

    def raster_edge(self, spacing: float) -> tuple[float, float]:
        """Edge put on a grid of ``spacing``: ``(s, τ²)`` with s = max(edge_width, s_min),
        s_min = ``RASTER_EDGE_CELLS`` · spacing, and τ² = s² − edge_width² (length, length²).

        The edge profile across the boundary (d the signed distance, z = d/s, φ the standard
        normal density) is p(d) = ½ erfc(z/√2) − (τ²/(2 s²)) z φ(z): the requested erfc edge
        of width σ = edge_width smoothed by the fourth-order kernel φ_τ(x)(3 − x²/τ²)/2. Its
        transform across the edge is e^{−k²s²/2}(1 + k²τ²/2) = e^{−k²σ²/2}(1 + O(k⁴τ⁴)): the
        rasterised island keeps the requested spectrum (area, moments, pair energies) to fourth
        order in h, is band-limited, and tends to the requested erfc edge as σ → s_min
        (τ → 0), so every result depends smoothly on ``edge_width``. ``(0, 0)`` for
        Gaussians and masks (sampled as they are).
        """
        if self.kind in ("gaussian", "mask"):
            return 0.0, 0.0
        sigma = self.edge_width
        s = max(sigma, RASTER_EDGE_CELLS * float(spacing))
        return s, max(0.0, (s - sigma) * (s + sigma))

    def raster_width(self, spacing: float) -> float:
        """Width s of the rasterised edge (length; see :meth:`raster_edge`)."""
        return self.raster_edge(spacing)[0]

    def edge_reach(self, spacing: float | None = None) -> float:
        """How far the island's profile reaches beyond its geometric boundary (length).

        ``EDGE_SUPPORT`` · edge_width for the continuum shape (``spacing`` None); on a grid,
        max(EDGE_SUPPORT · edge_width, RASTER_SUPPORT · s) with s = :meth:`raster_width`: 5
        cells for a sharp island, continuous in edge_width. The rasterised profile is exactly
        0 beyond it.
        """
        if spacing is None or self.kind in ("gaussian", "mask"):
            return EDGE_SUPPORT * self.edge_width
        return max(EDGE_SUPPORT * self.edge_width, RASTER_SUPPORT * self.raster_width(spacing))

    def reach(self, spacing: float | None = None) -> tuple[float, float, float, float]:
        """Bounding box ``(xmin, xmax, ymin, ymax)`` of where the shape function is non-zero.

        Parameters
        ----------
        spacing : float, optional
            Grid spacing: include the edge the rasteriser puts on that grid
            (:meth:`edge_reach`, 5 cells beyond the boundary of a sharp island). Without it,
            the margin is ``EDGE_SUPPORT`` · ``edge_width`` (the continuum shape).
        """
        p = self.params
        cx, cy = self.center
        margin = self.edge_reach(spacing)
        if self.kind == "gaussian":
            r = GAUSSIAN_SUPPORT * p["width"]
            return (cx - r, cx + r, cy - r, cy + r)
        if self.kind == "disk":
            rx = ry = p["radius"]
        elif self.kind == "ellipse":
            (a, b), t = p["axes"], p["angle"]
            rx = math.hypot(a * math.cos(t), b * math.sin(t))
            ry = math.hypot(a * math.sin(t), b * math.cos(t))
        elif self.kind == "rectangle":
            (w, h), t = p["size"], p["angle"]
            rx = 0.5 * (abs(w * math.cos(t)) + abs(h * math.sin(t)))
            ry = 0.5 * (abs(w * math.sin(t)) + abs(h * math.cos(t)))
        elif self.kind == "polygon":
            v = np.asarray(p["vertices"])
            return (cx + v[:, 0].min() - margin, cx + v[:, 0].max() + margin,
                    cy + v[:, 1].min() - margin, cy + v[:, 1].max() + margin)
        else:  # mask: wherever coverage is non-zero
            g = Grid(tuple(p["grid_shape"]), p["spacing"], tuple(p["grid_center"]))
            iy, ix = np.nonzero(p["coverage"])
            hh = g.spacing / 2
            return (g.x[ix.min()] - hh, g.x[ix.max()] + hh, g.y[iy.min()] - hh, g.y[iy.max()] + hh)
        return (cx - rx - margin, cx + rx + margin, cy - ry - margin, cy + ry + margin)

    def signed_distance(self, dx: np.ndarray, dy: np.ndarray) -> np.ndarray:
        """Signed distance to the boundary (negative inside) at offsets ``(dx, dy)`` from the centre.

        Exact for disks, rectangles and polygons; first-order accurate (exact on the boundary) for
        ellipses, which is all the anti-aliasing ramp needs.
        """
        p = self.params
        if self.kind == "disk":
            return np.hypot(dx, dy) - p["radius"]
        if self.kind == "ellipse":
            (a, b), t = p["axes"], p["angle"]
            u, v = _rotate(dx, dy, t)
            f = np.hypot(u / a, v / b)
            with np.errstate(divide="ignore", invalid="ignore"):
                grad = np.hypot(u / a**2, v / b**2) / f
                d = np.where(f > 0, (f - 1) / grad, -min(a, b))
            return d
        if self.kind == "rectangle":
            (w, h), t = p["size"], p["angle"]
            u, v = _rotate(dx, dy, t)
            qx, qy = np.abs(u) - w / 2, np.abs(v) - h / 2
            outside = np.hypot(np.maximum(qx, 0), np.maximum(qy, 0))
            return outside + np.minimum(np.maximum(qx, qy), 0)
        if self.kind == "polygon":
            return _polygon_sdf(np.asarray(p["vertices"]), dx, dy)
        raise ValueError(f"island kind {self.kind!r} has no signed distance")

    # --- rasterisation ---------------------------------------------------------------------
    def coverage(self, grid: Grid, periodic: bool = False) -> np.ndarray:
        """Un-normalised profile on ``grid``: the edge profile :func:`edge_profile` of
        :meth:`raster_edge` sampled at the cell centres (shaped islands), the mask's coverage, or
        the Gaussian density times its area scale.

        Its sum times the cell area is the area of the rasterised profile, A + (π + c) σ²/2 for a
        convex island of edge width σ (Steiner; c = π for a disk, Σ cot(α_i/2) over the interior
        angles of a polygon): the geometric area for sharp islands. Next to a sharp edge the
        profile over- and undershoots [0, 1] by up to 3.6 % (the fourth-order edge kernel). Use
        :meth:`shape_function` for the normalised S(r).

        Offsets from the island are formed relative to the grid centre (island centre − grid
        centre first, then the cell offsets), so translating grid and islands together leaves
        the map unchanged wherever the translated coordinates are exact.
        """
        if self.kind == "mask":
            p = self.params
            if tuple(p["grid_shape"]) != grid.shape or p["spacing"] != grid.spacing \
                    or tuple(p["grid_center"]) != grid.center:
                raise ValueError("a mask island can only be rasterised on the grid it was made on")
            return np.array(p["coverage"], dtype=float)
        rel_x = self.center[0] - grid.center[0]
        rel_y = self.center[1] - grid.center[1]
        dx = _offsets(grid.local_x, rel_x, grid.size[1], periodic)
        dy = _offsets(grid.local_y, rel_y, grid.size[0], periodic)
        if self.kind == "gaussian":
            w = self.params["width"]
            reach = GAUSSIAN_SUPPORT * w
            if periodic and (reach > grid.size[1] / 2 or reach > grid.size[0] / 2):
                # wider than half the cell: sum the periodic images (the profile is separable)
                gx = _periodic_gaussian(dx, w, grid.size[1])
                gy = _periodic_gaussian(dy, w, grid.size[0])
                return gy[:, None] * gx[None, :]
            DX, DY = np.meshgrid(dx, dy)
            return np.exp(-(DX**2 + DY**2) / (2 * w * w))
        DX, DY = np.meshgrid(dx, dy)
        s, tau2 = self.raster_edge(grid.spacing)
        cut = self.edge_reach(grid.spacing)
        prof = edge_profile(self.signed_distance(DX, DY), s, tau2, cut)
        if periodic:
            # the rasterised edge may reach beyond half the periodic cell (the island itself
            # does not, see check_island_on_grid): add the tails of the neighbouring images
            ly, lx = grid.size
            xmin, xmax, ymin, ymax = self.reach(grid.spacing)
            cx, cy = self.center
            kx = math.ceil(max(cx - xmin, xmax - cx) / lx + 0.5)
            ky = math.ceil(max(cy - ymin, ymax - cy) / ly + 0.5)
            for iy in range(-ky, ky + 1):
                for ix in range(-kx, kx + 1):
                    if ix or iy:
                        prof += edge_profile(self.signed_distance(DX + ix * lx, DY + iy * ly), s, tau2, cut)
        return prof

    def shape_function(self, grid: Grid, periodic: bool = False) -> np.ndarray:
        """Normalised shape function S(r) on ``grid`` (``h² Σ S = 1`` exactly), unit 1/length²."""
        prof = self.coverage(grid, periodic=periodic)
        total = prof.sum() * grid.cell_area
        if total <= 0:
            raise ValueError(f"{self.describe()} covers no cell of the grid: it lies outside the grid "
                             "or is far smaller than the spacing")
        return prof / total

    # --- bookkeeping -----------------------------------------------------------------------
    def describe(self) -> str:
        return f"{self.kind} island at ({self.center[0]:g}, {self.center[1]:g})"

    def to_dict(self) -> dict:
        """JSON-serialisable description (masks store their coverage as nested lists)."""
        params = dict(self.params)
        if "coverage" in params:
            params["coverage"] = np.asarray(params["coverage"]).tolist()
        return {"kind": self.kind, "center": list(self.center), "moment": list(self.moment),
                "edge_width": self.edge_width, "params": params}

    @classmethod
    def from_dict(cls, d: dict) -> "Island":
        """The island described by :meth:`to_dict` (validated as the constructors validate).

        Raises
        ------
        ValueError
            Not a dict, an unknown ``kind``, missing or extra fields, or parameters the
            constructor refuses (negative radius, NaN, ...), naming the field.
        """
        if not isinstance(d, dict):
            raise ValueError(f"an island must be a JSON object (dict), got {type(d).__name__}")
        kind = d.get("kind")
        if kind not in _PARAMS:
            raise ValueError(f"island kind must be one of {sorted(_PARAMS)}, got {kind!r}")
        missing = [k for k in ("center", "moment", "params") if k not in d]
        if missing:
            raise ValueError(f"{kind} island is missing the field(s) {missing}")
        params = d["params"]
        if not isinstance(params, dict) or set(params) != set(_PARAMS[kind]):
            got = sorted(params) if isinstance(params, dict) else type(params).__name__
            raise ValueError(f"{kind} island params must have exactly the keys {sorted(_PARAMS[kind])}, got {got}")
        ew = d.get("edge_width", 0.0)
        m, p = d["moment"], params
        try:
            if kind == "disk":
                isl = cls.disk(d["center"], p["radius"], m, ew)
            elif kind == "ellipse":
                isl = cls.ellipse(d["center"], p["axes"], p["angle"], m, ew)
            elif kind == "rectangle":
                isl = cls.rectangle(d["center"], p["size"], p["angle"], m, ew)
            elif kind == "gaussian":
                isl = cls.gaussian(d["center"], p["width"], m)
            elif kind == "polygon":
                c = checks.vector2("center", d["center"])
                v = checks.finite_array("params.vertices", p["vertices"])
                if v.ndim != 2 or v.shape[-1] != 2:
                    raise ValueError(f"params.vertices must be (x, y) pairs, got shape {v.shape}")
                isl = cls.polygon(v + c, m, ew)
                # keep the stored centre and relative vertices bit for bit
                isl = cls._make("polygon", c, m, {"vertices": v.tolist()}, ew)
            else:  # mask
                shape = tuple(p["grid_shape"]) if isinstance(p["grid_shape"], (list, tuple)) else p["grid_shape"]
                grid = Grid(shape, p["spacing"], tuple(p["grid_center"]))
                isl = cls.mask(np.asarray(p["coverage"]), grid, m)
        except (TypeError, KeyError, IndexError) as exc:
            raise ValueError(f"{kind} island has malformed fields: {exc}") from None
        return isl


_PARAMS = {"disk": ("radius",), "ellipse": ("axes", "angle"), "rectangle": ("size", "angle"),
           "polygon": ("vertices",), "gaussian": ("width",),
           "mask": ("grid_shape", "spacing", "grid_center", "coverage")}
"""The ``params`` keys of each island kind (what :meth:`Island.to_dict` writes)."""


def islands_to_json(islands: Iterable[Island]) -> str:
    """The island list as a JSON string (netCDF-safe attribute)."""
    return json.dumps([isl.to_dict() for isl in islands])


def islands_from_json(text: str) -> list[Island]:
    """The islands of :func:`islands_to_json`.

    Raises
    ------
    ValueError
        ``text`` is not a string of JSON (NaN and Infinity are refused), not a list of island
        objects, or an island is invalid (see :meth:`Island.from_dict`), naming the index.
    """
    if not isinstance(text, (str, bytes, bytearray)):
        raise ValueError(f"islands JSON must be a string, got {type(text).__name__}")

    def no_constant(name: str) -> None:
        raise ValueError(f"islands JSON contains {name}, which is not a number")

    try:
        data = json.loads(text, parse_constant=no_constant)
    except ValueError as exc:  # json.JSONDecodeError is a ValueError
        raise ValueError(f"islands JSON is not valid JSON: {exc}") from None
    if not isinstance(data, list):
        raise ValueError(f"islands JSON must be a list of island objects, got {type(data).__name__}")
    out = []
    for i, d in enumerate(data):
        try:
            out.append(Island.from_dict(d))
        except ValueError as exc:
            raise ValueError(f"islands[{i}]: {exc}") from None
    return out


def _offsets(coord: np.ndarray, c: float, length: float, periodic: bool) -> np.ndarray:
    d = coord - c
    if periodic:
        d = (d + length / 2) % length - length / 2
    return d


def _periodic_gaussian(d: np.ndarray, width: float, length: float) -> np.ndarray:
    """Σ_n exp(−(d + n L)²/(2 w²)) over every image n within ``GAUSSIAN_SUPPORT`` widths."""
    n = int(math.ceil(GAUSSIAN_SUPPORT * width / length)) + 1
    shifts = np.arange(-n, n + 1) * length
    return np.exp(-((d[:, None] + shifts[None, :]) ** 2) / (2 * width * width)).sum(axis=1)


def _self_intersection(v: np.ndarray) -> tuple[int, int] | None:
    """First pair of non-adjacent polygon edges (i, j) that intersect, or None (O(n²))."""
    n = len(v)
    a, b = v, np.roll(v, -1, axis=0)

    def orient(p: np.ndarray, q: np.ndarray, r: np.ndarray) -> float:
        return float((q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]))

    def on_segment(p: np.ndarray, q: np.ndarray, r: np.ndarray) -> bool:
        return (min(p[0], q[0]) <= r[0] <= max(p[0], q[0])
                and min(p[1], q[1]) <= r[1] <= max(p[1], q[1]))

    for i in range(n):
        for j in range(i + 1, n):
            if j == i + 1 or (i == 0 and j == n - 1):
                continue  # adjacent edges share a vertex
            p1, p2, q1, q2 = a[i], b[i], a[j], b[j]
            d1, d2 = orient(q1, q2, p1), orient(q1, q2, p2)
            d3, d4 = orient(p1, p2, q1), orient(p1, p2, q2)
            if ((d1 > 0) != (d2 > 0) and d1 != 0 and d2 != 0
                    and (d3 > 0) != (d4 > 0) and d3 != 0 and d4 != 0):
                return i, j
            for d, (p, q, r) in ((d1, (q1, q2, p1)), (d2, (q1, q2, p2)),
                                 (d3, (p1, p2, q1)), (d4, (p1, p2, q2))):
                if d == 0 and on_segment(p, q, r):
                    return i, j
    return None


def _polygon_sdf(v: np.ndarray, px: np.ndarray, py: np.ndarray) -> np.ndarray:
    """Exact signed distance to a simple polygon (even–odd rule for the sign)."""
    d2 = np.full(np.shape(px), np.inf)
    inside = np.zeros(np.shape(px), dtype=bool)
    n = len(v)
    for k in range(n):
        ax, ay = v[k]
        bx, by = v[(k + 1) % n]
        ex, ey = bx - ax, by - ay
        wx, wy = px - ax, py - ay
        t = np.clip((wx * ex + wy * ey) / (ex * ex + ey * ey), 0.0, 1.0)
        d2 = np.minimum(d2, (wx - t * ex) ** 2 + (wy - t * ey) ** 2)
        crosses = (ay > py) != (by > py)
        with np.errstate(divide="ignore", invalid="ignore"):
            xint = ax + (py - ay) * ex / np.where(ey == 0, np.inf, ey)
        inside ^= crosses & (px < xint)
    d = np.sqrt(d2)
    return np.where(inside, -d, d)


def exchange_map_bytes(grid: Grid) -> int:
    """Peak bytes of :func:`exchange_map` on ``grid``: the map (2 float64 fields) and the
    rasteriser's temporaries (offsets, distance, profile: ~6 fields)."""
    return 8 * grid.bytes_per_field()


def exchange_map(islands: Island | Sequence[Island], grid: Grid, coupling: float = 1.0,
                 boundary: str = "open") -> np.ndarray:
    """Effective gauge field a(r) = g Σ_i (μ_i × ẑ) S_i(r) of ``islands`` on ``grid``.

    Parameters
    ----------
    islands : Island or sequence of Island
    grid : Grid
    coupling : float
        g = Γ J0 (default 1), any real number.
    boundary : {"open", "periodic"}
        ``open``: every island must lie inside the grid (its reach, see :meth:`Island.reach`);
        ``periodic``: islands wrap around the periodic box; a sharp-edged island must fit in
        one periodic cell (it would otherwise overlap its own images), a Gaussian wider than
        the cell is summed over its periodic images.

    Returns
    -------
    ndarray, shape ``(2, ny, nx)``
        ``(a_x, a_y)`` in units of coupling × moment / length².

    Raises
    ------
    ValueError
        No islands, a non-Island entry, ``grid`` not a :class:`Grid`, a non-finite coupling, an
        island outside an open grid or larger than a periodic cell, or a grid too large for
        the available memory.

    Notes
    -----
    Islands may overlap: their sources simply add. The gauge field is linear in the moments,
    a = g Σ_i (μ_i × ẑ) S_i, so overlapping islands are the superposition of their sources
    (e.g. a composite island built from two shapes, or a disk with a differently magnetised
    core); this is the documented physics, not an ambiguity, and no check is made. Islands
    that are physically one ferromagnet should be given as one island (``polygon`` or
    ``mask``) with one moment.
    """
    if isinstance(islands, Island):
        islands = [islands]
    islands = list(islands)
    if not islands:
        raise ValueError("islands must contain at least one Island")
    for i, isl in enumerate(islands):
        if not isinstance(isl, Island):
            raise ValueError(f"islands[{i}] must be an Island, got {type(isl).__name__}")
    if not isinstance(grid, Grid):
        raise ValueError(f"grid must be a solver.Grid, got {type(grid).__name__}")
    g = checks.finite_real("coupling", coupling)
    if boundary not in ("open", "periodic"):
        raise ValueError(f"boundary must be 'open' or 'periodic', got {boundary!r}")
    periodic = boundary == "periodic"
    checks.memory_fits(f"the exchange map on a {grid.shape} grid", exchange_map_bytes(grid))
    a = np.zeros((2,) + grid.shape)
    for i, isl in enumerate(islands):
        check_island_on_grid(isl, grid, periodic, index=i)
        S = isl.shape_function(grid, periodic=periodic)
        mx, my = isl.moment
        a[0] += (g * my) * S
        a[1] -= (g * mx) * S
    return a


def check_island_on_grid(island: Island, grid: Grid, periodic: bool, index: int = 0) -> None:
    """Raise if an island reaches outside an open grid or does not fit in a periodic cell; warn
    (:class:`UnresolvedIslandWarning`) if the grid cannot resolve it.

    Parameters
    ----------
    island : Island
    grid : Grid
    periodic : bool
        Periodic boundary: the island must lie within half a cell of its centre along each
        axis (Gaussians excepted: they are summed over their periodic images; masks are
        defined cell by cell on the grid).
    index : int
        Position of the island in the caller's list (for the message).

    Raises
    ------
    ValueError
        Naming ``islands[index]``, its extent and the grid's.
    """
    if island.kind == "mask":
        p = island.params
        made_on = (tuple(p["grid_shape"]), float(p["spacing"]), tuple(float(c) for c in p["grid_center"]))
        here = (grid.shape, grid.spacing, tuple(float(c) for c in grid.center))
        if made_on != here:
            raise ValueError(
                f"islands[{index}] ({island.describe()}) is a mask made on the grid shape={made_on[0]}, "
                f"spacing={made_on[1]:g}, center={made_on[2]}; it can only be used on that grid, got "
                f"shape={here[0]}, spacing={here[1]:g}, center={here[2]}")
    if periodic and island.kind not in ("gaussian", "mask"):
        # the island (with its requested edge) must fit; the grid-scale tail of its rasterised
        # edge may reach further: the images' tails are added (Island.coverage)
        xmin, xmax, ymin, ymax = island.reach()
        cx, cy = island.center
        ly, lx = grid.size
        if max(cx - xmin, xmax - cx) > lx / 2 or max(cy - ymin, ymax - cy) > ly / 2:
            raise ValueError(
                f"islands[{index}] ({island.describe()}) reaches [{xmin:g}, {xmax:g}] x [{ymin:g}, {ymax:g}], "
                f"more than half the periodic cell ({lx:g} x {ly:g}) from its centre: it would overlap its "
                "own periodic images; enlarge the grid (shape or spacing) or shrink the island")
    if not periodic:
        bx0, bx1, by0, by1 = grid.bounds
        xmin, xmax, ymin, ymax = island.reach()
        if not grid.contains(xmin, xmax, ymin, ymax):
            raise ValueError(
                f"islands[{index}] ({island.describe()}) reaches [{xmin:g}, {xmax:g}] x [{ymin:g}, {ymax:g}], "
                f"outside the open grid [{bx0:g}, {bx1:g}] x [{by0:g}, {by1:g}]; enlarge the grid "
                "(shape or spacing) or move the island")
        xmin, xmax, ymin, ymax = island.reach(grid.spacing)
        if not grid.contains(xmin, xmax, ymin, ymax):
            raise ValueError(
                f"islands[{index}] ({island.describe()}) with its rasterised edge "
                f"({island.edge_reach(grid.spacing):g} beyond its boundary: a sharp or narrow edge is put "
                f"on the grid {RASTER_EDGE_CELLS:g} cell wide and needs {RASTER_SUPPORT:g} cells of margin) "
                f"reaches [{xmin:g}, {xmax:g}] x [{ymin:g}, {ymax:g}], outside the open grid "
                f"[{bx0:g}, {bx1:g}] x [{by0:g}, {by1:g}]; enlarge the grid (shape or spacing) or move "
                "the island")
    if island.min_feature < 2 * grid.spacing:
        warnings.warn(
            f"islands[{index}] ({island.describe()}) has its smallest dimension "
            f"{island.min_feature:g} < 2 cells (spacing {grid.spacing:g}): it is unresolved; "
            "refine the grid", UnresolvedIslandWarning, stacklevel=3)


class UnresolvedIslandWarning(UserWarning):
    """An island is smaller than about two grid cells."""


# ---------------------------------------------------------------------------------------------
# The self energy of the edge below the grid scale
# ---------------------------------------------------------------------------------------------

_GL16 = np.polynomial.legendre.leggauss(16)


def _gauss_legendre(edges: np.ndarray, order: tuple[np.ndarray, np.ndarray] = _GL16
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of composite Gauss–Legendre on the panels ``edges``."""
    x, w = order
    a, b = edges[:-1, None], edges[1:, None]
    return (0.5 * (b - a) * x + 0.5 * (a + b)).ravel(), (0.5 * (b - a) * w).ravel()


def edge_profile(d: np.ndarray, s: float, tau2: float, cut: float = math.inf) -> np.ndarray:
    """Edge profile p(d) = ½ erfc(z/√2) − (τ²/(2 s²)) z φ(z), z = d/s (see
    :meth:`Island.raster_edge`); d the signed distance (negative inside), dimensionless; exactly
    0 for d ≥ ``cut`` and 1 for d ≤ −``cut`` (:meth:`Island.edge_reach`: |p − step| < 4e-6 there)."""
    d = np.asarray(d, dtype=float)
    z = d / s
    p = 0.5 * erfc(z / math.sqrt(2))
    if tau2 > 0:
        p -= (tau2 / (2 * s * s)) * z * np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
    p[d >= cut] = 0.0
    p[d <= -cut] = 1.0
    return p


def _edge_density(x: np.ndarray, s: float, tau2: float) -> np.ndarray:
    """−dp/dd = φ_s(x) [1 + (τ²/(2 s²))(1 − x²/s²)] (1/length), unit integral."""
    z = x / s
    return np.exp(-0.5 * z * z) / (math.sqrt(2 * math.pi) * s) * (1 + tau2 / (2 * s * s) * (1 - z * z))


def _edge_power(k: np.ndarray, s: float, tau2: float) -> np.ndarray:
    """|b(k)|² = e^{−k²s²}(1 + k²τ²/2)²: the edge's transform across the boundary, squared."""
    k2 = np.asarray(k, dtype=float) ** 2
    return np.exp(-k2 * s * s) * (1 + 0.5 * k2 * tau2) ** 2


@functools.lru_cache(maxsize=256)
def edge_spectrum_integral(sigma: float, s: float, tau2: float, pearl_length: float) -> float:
    """I = ∫_0^∞ K(k) [e^{−k²σ²} − |b_r(k)|²]/k² dk (length), b_r the rasterised edge (s, τ²).

    The self energy a requested edge of width σ has beyond the rasterised one, per unit
    Porod weight (see :func:`edge_energy_tensors`); K the Pearl kernel. The bracket is O(k⁴)
    at small k, so the integrand is regular; with k = t/s the quadrature is scale-free, and
    beyond t = 40 only e^{−k²σ²} K/k² is left (integrated to infinity).
    """
    def K(k: float) -> float:
        return float(kernels.pearl_kernel(k, pearl_length))

    def f(t: float) -> float:
        if t == 0:
            return 0.0
        k = t / s
        return K(k) * (math.exp(-(k * sigma) ** 2) - float(_edge_power(k, s, tau2))) / (k * k) / s

    edges = [0.0, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 40.0]
    if not math.isinf(pearl_length) and 0 < s / pearl_length < 40.0:
        edges = sorted(set(edges + [s / pearl_length]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IntegrationWarning)  # near-round-off panels only
        head = sum(quad(f, a, b, epsabs=0.0, epsrel=1e-12, limit=200)[0]
                   for a, b in zip(edges[:-1], edges[1:]))
        k_top = 40.0 / s
        if sigma == 0:  # ∫_{k_top}^∞ K/k² dk = r0 ln(1 + 1/(k_top r0))
            r0 = pearl_length
            tail = 1.0 / k_top if math.isinf(r0) else r0 * math.log1p(1.0 / (k_top * r0))
        else:
            tail = quad(lambda k: K(k) * math.exp(-(k * sigma) ** 2) / (k * k), k_top, math.inf,
                        epsabs=0.0, epsrel=1e-12, limit=200)[0]
    return head + tail


def _disk_spectrum(k: np.ndarray, radius: float, s: float, tau2: float) -> np.ndarray:
    """Normalised transform S(k) of the disk with the edge profile (s, τ²) (S(0) = 1).

    s = 0: 2 J1(kR)/(kR). Otherwise S N = (2π/k) ∫ r J1(k r) ψ(r − R) dr, N = π ∫ r² ψ(r − R) dr
    (integration by parts; ψ = :func:`_edge_density`), by Gauss–Legendre over R ± 10 s with
    panels of half a period of J1(k_max r).
    """
    k = np.asarray(k, dtype=float)
    if s == 0:
        x = k * radius
        safe = np.where(x > 0, x, 1.0)
        return np.where(x > 0, 2.0 * j1(safe) / safe, 1.0)
    lo, hi = max(0.0, radius - 10.0 * s), radius + 10.0 * s
    n_osc = int(k.max() * (hi - lo) / math.pi) + 1 if k.size else 1
    r, w = _gauss_legendre(np.linspace(lo, hi, max(4, n_osc) + 1))
    weight = w * r * _edge_density(r - radius, s, tau2)
    norm = math.pi * float(np.sum(weight * r))
    out = np.empty_like(k)
    step = max(1, 2_000_000 // r.size)
    for s0 in range(0, k.size, step):
        kk = k[s0:s0 + step]
        safe = np.where(kk > 0, kk, 1.0)
        val = 2 * math.pi * (j1(np.outer(safe, r)) @ weight) / safe
        out[s0:s0 + step] = np.where(kk > 0, val / norm, 1.0)
    return out


@functools.lru_cache(maxsize=256)
def disk_edge_energy(radius: float, sigma: float, s: float, tau2: float, pearl_length: float) -> float:
    """D = ∫_0^∞ q K(q) (|S_σ(q)|² − |S_r(q)|²) dq (1/length²): exact, for a disk of ``radius``.

    S_σ is the requested disk (erfc edge of width σ, sharp for σ = 0), S_r the rasterised one
    (edge (s, τ²), :meth:`Island.raster_edge`). The self energy of a disk (moment μ, coupling
    g, stiffness s) is s g² μ²/(8π) ∫ q K |S|² dq, so the grid misses s g² μ² D/(8π).
    Composite Gauss–Legendre on panels of π/R up to Q = max(14/s, 400/R), where |S_r|² <
    e^{−190}; above Q the Porod law |S_σ|² = 4πR e^{−q²σ²}/(q³N²), N = π(R² + σ²), averaged
    over its oscillation (relative error ~ 1/(QR)² of a tail that is itself ≲ s/R).
    """
    R = radius
    q_top = max(14.0 / s, 400.0 / R)
    n_pan = int(math.ceil(q_top * R / math.pi))
    q, w = _gauss_legendre(np.linspace(0.0, q_top, n_pan + 1))
    K = kernels.pearl_kernel(q, pearl_length)
    # each spectrum only where it is above e^{−98} in |S|²: below 14/width (whole range if sharp)
    wanted = np.zeros_like(q)
    for width, t2, sign in ((sigma, 0.0, 1.0), (s, tau2, -1.0)):
        live = q < (14.0 / width if width > 0 else np.inf)
        wanted[live] += sign * _disk_spectrum(q[live], R, width, t2) ** 2
    body = float(np.sum(w * q * K * wanted))
    norm = math.pi * (R * R + sigma * sigma)
    r0 = pearl_length
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IntegrationWarning)  # near-round-off panels only
        if sigma == 0:  # ∫_Q^∞ K/q² dq = r0 ln(1 + 1/(Q r0))
            tail = 1.0 / q_top if math.isinf(r0) else r0 * math.log1p(1.0 / (q_top * r0))
        else:
            tail = quad(lambda k: float(kernels.pearl_kernel(k, r0)) * math.exp(-(k * sigma) ** 2) / (k * k),
                        q_top, math.inf, epsabs=0.0, epsrel=1e-12, limit=200)[0]
    return body + 4 * math.pi * R / norm**2 * tail


def _normal_tensor(island: "Island") -> np.ndarray:
    """∮ n nᵀ ds over the island's boundary (length), n the outward unit normal."""
    p = island.params
    if island.kind == "disk":
        return math.pi * p["radius"] * np.eye(2)
    if island.kind in ("rectangle", "polygon"):
        if island.kind == "rectangle":
            (w, h), t = p["size"], p["angle"]
            corners = np.array([[-w / 2, -h / 2], [w / 2, -h / 2], [w / 2, h / 2], [-w / 2, h / 2]])
            c, s = math.cos(t), math.sin(t)
            v = corners @ np.array([[c, s], [-s, c]])
        else:
            v = np.asarray(p["vertices"], dtype=float)
        e = np.roll(v, -1, axis=0) - v
        length = np.hypot(e[:, 0], e[:, 1])
        n = np.stack([e[:, 1], -e[:, 0]], axis=1) / length[:, None]  # sign irrelevant in n nᵀ
        return np.einsum("e,ea,eb->ab", length, n, n)
    if island.kind == "ellipse":
        (a, b), t = p["axes"], p["angle"]
        th = (np.arange(256) + 0.5) * (2 * math.pi / 256)  # periodic trapezoid: spectral
        nu, nv = b * np.cos(th), a * np.sin(th)            # normal × |tangent|
        speed = np.hypot(a * np.sin(th), b * np.cos(th))
        local = np.array([[np.sum(nu * nu / speed), np.sum(nu * nv / speed)],
                          [np.sum(nu * nv / speed), np.sum(nv * nv / speed)]]) * (2 * math.pi / 256)
        c, s = math.cos(t), math.sin(t)
        rot = np.array([[c, -s], [s, c]])
        return rot @ local @ rot.T
    return np.zeros((2, 2))


def edge_energy_tensors(islands: Island | Sequence[Island], grid: Grid, film: Film,
                        coupling: float = 1.0) -> np.ndarray:
    """Self-energy tensors ΔC_i of the edges the grid cannot hold (add to C_ii).

    An island of edge width σ < s_min = ``RASTER_EDGE_CELLS`` · h is put on the grid with the
    edge (s, τ²) of :meth:`Island.raster_edge`, whose transform across the boundary is
    b_r(k) = e^{−k²s²/2}(1 + k²τ²/2) instead of e^{−k²σ²/2}. The grid's self energy of the
    island then lacks ΔF_i = ½ μ_i · ΔC_i · μ_i, the part of ∫ K (q̂·μ)² |S_i|² between the two
    edges (it is where the grid cannot reach: q ≳ 1/h). Pair energies need none: b_r = e^{−k²σ²/2}
    (1 + O(k⁴τ⁴)) at the wavevectors that couple two islands (errors O((h/R)⁴), measured in
    tests/test_rasterise.py). Gaussians, masks (taken as given) and islands with
    edge_width ≥ s_min get 0.

    * disk: ΔC = s g² D/(4π) 𝟙 with the exact D of :func:`disk_edge_energy`;
    * other shapes, from the Porod law of the edges: an edge element with outward normal n
      contributes to |S(q)|² only along q ∥ ±n, |S(q)|² ≈ (2π/(A² q³)) Σ_{n ∥ ±q̂} |ds/dθ| |b(q)|²,
      which gives ΔC = (s g²/(π A²)) ∮ n nᵀ ds · I, I = ∫ K (e^{−k²σ²} − |b_r|²)/k² dk
      (:func:`edge_spectrum_integral`). Leading order in h/size: corners and curvature leave
      O((h/size)²) (measured ≤ 5e-4 at 5 cells, order 1.7 for rectangles, 2.7 for ellipses).

    Parameters
    ----------
    islands : Island or sequence of Island
    grid : Grid
    film : Film
        Its Pearl length and stiffness s.
    coupling : float
        g (the tensors scale as g²).

    Returns
    -------
    ndarray, shape ``(N, 2, 2)``
        In stiffness × g² units (like ``InteractionEnergies.tensors``).
    """
    if isinstance(islands, Island):
        islands = [islands]
    islands = list(islands)
    if not isinstance(grid, Grid):
        raise ValueError(f"grid must be a solver.Grid, got {type(grid).__name__}")
    if not isinstance(film, Film):
        raise ValueError(f"film must be a solver.Film, got {type(film).__name__}")
    g = checks.finite_real("coupling", coupling)
    r0, stiff = film.pearl_length, film.stiffness
    out = np.zeros((len(islands), 2, 2))
    for i, isl in enumerate(islands):
        if not isinstance(isl, Island):
            raise ValueError(f"islands[{i}] must be an Island, got {type(isl).__name__}")
        if isl.kind in ("gaussian", "mask"):
            continue
        s, tau2 = isl.raster_edge(grid.spacing)
        if tau2 == 0:
            continue
        sigma = isl.edge_width
        # both integrals are evaluated in units of the raster edge s (scale-free: lengths of
        # 1e±150 neither overflow nor underflow) and scaled back: D ∝ 1/length², I ∝ length
        if isl.kind == "disk":
            d = disk_edge_energy(isl.params["radius"] / s, sigma / s, 1.0, tau2 / (s * s),
                                 r0 / s) / s
            out[i] = (stiff * g) * (g * d / s) / (4 * math.pi) * np.eye(2)
        else:
            gap = edge_spectrum_integral(sigma / s, 1.0, tau2 / (s * s), r0 / s) * s
            area = isl.area
            out[i] = (stiff * g) * (g / area) * (gap / area) / math.pi * _normal_tensor(isl)
    return out


def edge_energy(islands: Island | Sequence[Island], grid: Grid, film: Film,
                coupling: float = 1.0) -> float:
    """Σ_i ½ μ_i · ΔC_i · μ_i: the self energy of the sub-grid edges (add to the grid energy of
    ``exchange_map(islands, grid, coupling)``; see :func:`edge_energy_tensors`)."""
    if isinstance(islands, Island):
        islands = [islands]
    islands = list(islands)
    dc = edge_energy_tensors(islands, grid, film, coupling)
    mu = np.array([isl.moment for isl in islands], dtype=float).reshape(-1, 2)
    return float(0.5 * np.einsum("ia,iab,ib->", mu, dc, mu))
