"""Islands and point-like impurities: the sources of the effective gauge field.

An island i with in-plane total moment μ_i and shape function S_i (∫ S_i d²r = 1) contributes
a(r) = g (μ_i × ẑ) S_i(r), with μ × ẑ = (μ_y, −μ_x) and coupling g = Γ J0 (docs/physics.md).

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

import json
import math
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Sequence

import numpy as np

from .._common import checks
from .grid import Grid
from .profiles import EDGE_SUPPORT, RASTER_EDGE_CELLS, RASTER_SUPPORT, edge_profile, grid_offsets
from .shapes import SHAPES, Shape, polygon_self_intersection

__all__ = ["MASK_SLACK", "Island", "islands_from_json", "islands_to_json"]

MASK_SLACK = 0.05
"""Tolerance of :meth:`Island.mask` beyond [0, 1], for rasterised profiles (max overshoot of the
fourth-order edge: p(−√3 s) − 1 = 0.0357)."""


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
        crossing = polygon_self_intersection(v)
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
    def shape(self) -> Shape:
        """The geometry of this island's kind (:data:`solver.model.shapes.SHAPES`)."""
        return SHAPES[self.kind]

    @property
    def area(self) -> float:
        """Geometric area (the sharp-edged shape; ``nan`` for a Gaussian)."""
        return self.shape.area(self.params)

    @property
    def min_feature(self) -> float:
        """Smallest linear dimension (radius, semi-axis, half side, width): resolution check."""
        return self.shape.min_feature(self.params)

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
        if self.shape.sampled:
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
        if spacing is None or self.shape.sampled:
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
        return self.shape.box(self.params, self.center, self.edge_reach(spacing))

    def signed_distance(self, dx: np.ndarray, dy: np.ndarray) -> np.ndarray:
        """Signed distance to the boundary (negative inside) at offsets ``(dx, dy)`` from the centre.

        Exact for disks, rectangles and polygons; first-order accurate (exact on the boundary) for
        ellipses, which is all the anti-aliasing ramp needs.
        """
        return self.shape.signed_distance(self.params, dx, dy)

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
        if self.shape.sampled:  # Gaussian density, mask coverage: as they are
            return self.shape.sample(self.params, self.center, grid, periodic)
        rel_x = self.center[0] - grid.center[0]
        rel_y = self.center[1] - grid.center[1]
        dx = grid_offsets(grid.local_x, rel_x, grid.size[1], periodic)
        dy = grid_offsets(grid.local_y, rel_y, grid.size[0], periodic)
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
        if kind not in SHAPES:
            raise ValueError(f"island kind must be one of {sorted(SHAPES)}, got {kind!r}")
        missing = [k for k in ("center", "moment", "params") if k not in d]
        if missing:
            raise ValueError(f"{kind} island is missing the field(s) {missing}")
        params, keys = d["params"], SHAPES[kind].keys
        if not isinstance(params, dict) or set(params) != set(keys):
            got = sorted(params) if isinstance(params, dict) else type(params).__name__
            raise ValueError(f"{kind} island params must have exactly the keys {sorted(keys)}, got {got}")
        try:
            return SHAPES[kind].build(cls, d["center"], d["moment"], params, d.get("edge_width", 0.0))
        except (TypeError, KeyError, IndexError) as exc:
            raise ValueError(f"{kind} island has malformed fields: {exc}") from None


_PARAMS = {name: shape.keys for name, shape in SHAPES.items()}
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
