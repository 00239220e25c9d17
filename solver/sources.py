"""Sources of the effective gauge field: islands and point-like impurities.

An island i with in-plane total moment μ_i and shape function S_i (∫ S_i d²r = 1) contributes
a(r) = g (μ_i × ẑ) S_i(r), with μ × ẑ = (μ_y, −μ_x) and coupling g = Γ J0 (PHYSICS.md).

Sharp-edged shapes are rasterised without staircase bias: cells cut by the boundary are
supersampled (``SUPERSAMPLE``² sub-points with a one-sub-cell linear ramp across the edge), so the
raw covered area matches the analytic area to ~1e-4 already for radius 4 cells; the shape
function is then normalised so the discrete total moment equals the requested one exactly.
An optional ``edge_width`` σ smooths the edge with the profile ½ erfc(d/(√2 σ)), d the signed
distance to the boundary (negative inside).
"""
from __future__ import annotations

import json
import math
import warnings
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Sequence

import numpy as np
from scipy.special import erfc

from . import checks
from .grid import Grid

SUPERSAMPLE = 16
"""Sub-points per cell side used on cells cut by a sharp island edge."""

GAUSSIAN_SUPPORT = 8.6
"""A Gaussian island is treated as reaching ``GAUSSIAN_SUPPORT`` widths from its centre
(exp(-8.6²/2) ≈ 9e-17): that much of it must lie inside an open-boundary grid."""

EDGE_SUPPORT = 6.0
"""A smoothed edge reaches ``EDGE_SUPPORT`` edge widths beyond the geometric boundary."""


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
            raise ValueError(f"vertices must describe a simple (non-self-intersecting) polygon: edge "
                             f"{i} ({v[i].tolist()} -> {v[(i + 1) % len(v)].tolist()}) crosses edge "
                             f"{j} ({v[j].tolist()} -> {v[(j + 1) % len(v)].tolist()})")
        cx = ((x + xn) * cross).sum() / (3 * area2)
        cy = ((y + yn) * cross).sum() / (3 * area2)
        rel = (v - [cx, cy]).tolist()
        return cls._make("polygon", (cx, cy), moment, {"vertices": rel}, edge_width)

    @classmethod
    def mask(cls, mask: np.ndarray, grid: Grid, moment: Sequence[float] = (1.0, 0.0)) -> "Island":
        """An island given as a boolean mask or a coverage image (values in [0, 1]) on ``grid``."""
        m = checks.finite_array("mask", np.asarray(mask, dtype=float), grid.shape)
        if m.min() < 0 or m.max() > 1:
            raise ValueError(f"mask values must lie in [0, 1], got range [{m.min()}, {m.max()}]")
        total = m.sum()
        if total <= 0:
            raise ValueError("mask is empty: it must cover at least part of one cell")
        X, Y = grid.meshgrid()
        c = ((X * m).sum() / total, (Y * m).sum() / total)
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

    def reach(self) -> tuple[float, float, float, float]:
        """Bounding box ``(xmin, xmax, ymin, ymax)`` of where the shape function is non-zero."""
        p = self.params
        cx, cy = self.center
        margin = EDGE_SUPPORT * self.edge_width
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
        """Un-normalised profile on ``grid``: covered area fraction of each cell (sharp shapes),
        the smoothed profile (``edge_width > 0``), or the Gaussian density times its area scale.

        Its sum times the cell area approximates :attr:`area` (test of the rasteriser); use
        :meth:`shape_function` for the normalised S(r).
        """
        if self.kind == "mask":
            p = self.params
            if tuple(p["grid_shape"]) != grid.shape or p["spacing"] != grid.spacing \
                    or tuple(p["grid_center"]) != grid.center:
                raise ValueError("a mask island can only be rasterised on the grid it was made on")
            return np.array(p["coverage"], dtype=float)
        dx = _offsets(grid.x, self.center[0], grid.size[1], periodic)
        dy = _offsets(grid.y, self.center[1], grid.size[0], periodic)
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
        h = grid.spacing
        sigma = self.edge_width
        d = self.signed_distance(DX, DY)
        if sigma >= h:  # smooth and resolved: sample at cell centres
            return 0.5 * erfc(d / (math.sqrt(2) * sigma))
        prof = (d < 0).astype(float) if sigma == 0 else 0.5 * erfc(d / (math.sqrt(2) * sigma))
        band = np.abs(d) < (0.75 * h + EDGE_SUPPORT * sigma)
        iy, ix = np.nonzero(band)
        if iy.size:
            s = SUPERSAMPLE
            sub = (np.arange(s) + 0.5) / s - 0.5
            ox, oy = np.meshgrid(sub * h, sub * h)
            bx = DX[iy, ix][:, None] + ox.ravel()[None, :]
            by = DY[iy, ix][:, None] + oy.ravel()[None, :]
            ds = self.signed_distance(bx, by)
            if sigma == 0:
                vals = np.clip(0.5 - ds * (s / h), 0.0, 1.0)
            else:
                vals = 0.5 * erfc(ds / (math.sqrt(2) * sigma))
            prof[iy, ix] = vals.mean(axis=1)
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
        params = dict(d["params"])
        if "coverage" in params:
            params["coverage"] = np.asarray(params["coverage"], dtype=float)
        return cls._make(d["kind"], d["center"], d["moment"], params, d.get("edge_width", 0.0))


def islands_to_json(islands: Iterable[Island]) -> str:
    """The island list as a JSON string (netCDF-safe attribute)."""
    return json.dumps([isl.to_dict() for isl in islands])


def islands_from_json(text: str) -> list[Island]:
    return [Island.from_dict(d) for d in json.loads(text)]


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
        xmin, xmax, ymin, ymax = island.reach()
        cx, cy = island.center
        ly, lx = grid.size
        if max(cx - xmin, xmax - cx) > lx / 2 or max(cy - ymin, ymax - cy) > ly / 2:
            raise ValueError(
                f"islands[{index}] ({island.describe()}) reaches [{xmin:g}, {xmax:g}] x [{ymin:g}, {ymax:g}], "
                f"more than half the periodic cell ({lx:g} x {ly:g}) from its centre: it would overlap its "
                "own periodic images; enlarge the grid (shape or spacing) or shrink the island")
    if not periodic:
        xmin, xmax, ymin, ymax = island.reach()
        if not grid.contains(xmin, xmax, ymin, ymax):
            bx0, bx1, by0, by1 = grid.bounds
            raise ValueError(
                f"islands[{index}] ({island.describe()}) reaches [{xmin:g}, {xmax:g}] x [{ymin:g}, {ymax:g}], "
                f"outside the open grid [{bx0:g}, {bx1:g}] x [{by0:g}, {by1:g}]; enlarge the grid "
                "(shape or spacing) or move the island")
    if island.min_feature < 2 * grid.spacing:
        warnings.warn(
            f"islands[{index}] ({island.describe()}) has its smallest dimension "
            f"{island.min_feature:g} < 2 cells (spacing {grid.spacing:g}): it is unresolved; "
            "refine the grid", UnresolvedIslandWarning, stacklevel=3)


class UnresolvedIslandWarning(UserWarning):
    """An island is smaller than about two grid cells."""
