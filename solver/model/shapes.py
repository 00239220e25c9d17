"""Island kinds and their plane geometry.

One :class:`Shape` per island kind (``disk``, ``ellipse``, ``rectangle``, ``polygon``,
``gaussian``, ``mask``), registered in :data:`SHAPES`: its JSON parameters, area, smallest
feature, bounding box, signed distance, boundary normal tensor and how it is rebuilt from JSON.
:class:`~solver.model.islands.Island` looks its kind up here instead of switching on the name.
Also the outline helpers: rotations, simple-polygon checks, exact polygon signed distances.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._common import checks
from .grid import Grid
from .profiles import GAUSSIAN_SUPPORT, grid_offsets, periodic_gaussian

__all__ = ["SHAPES", "Disk", "Ellipse", "Gaussian", "Mask", "Polygon", "Rectangle", "Shape",
           "polygon_self_intersection", "polygon_signed_distance", "register", "rotate"]

def _rotate(dx: np.ndarray, dy: np.ndarray, angle: float) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates in a frame rotated by ``angle`` (radians, counter-clockwise)."""
    c, s = math.cos(angle), math.sin(angle)
    return c * dx + s * dy, -s * dx + c * dy



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


rotate = _rotate
polygon_self_intersection = _self_intersection
polygon_signed_distance = _polygon_sdf


# ---------------------------------------------------------------------------------------------
# Island kinds: everything that depends on the shape of an island, one class per kind
# ---------------------------------------------------------------------------------------------
class Shape:
    """The geometry of one island kind (``Island.kind``), registered in :data:`SHAPES`.

    ``params`` is the island's ``params`` dict (what :meth:`Island.to_dict` writes under the
    keys :attr:`keys`), lengths in the grid's unit, offsets relative to the island's centre. A
    new kind is a subclass registered with :func:`register` plus a constructor on ``Island``.
    """

    name = ""
    keys: tuple[str, ...] = ()
    """The ``params`` keys of this kind (its JSON form)."""
    sampled = False
    """True: put on the grid as given (Gaussian density, mask coverage), with no edge profile,
    no rasterised edge and no sub-grid edge energy."""

    def area(self, params: dict) -> float:
        """Geometric area of the sharp-edged shape (``nan`` when it has none)."""
        return float("nan")

    def min_feature(self, params: dict) -> float:
        """Smallest linear dimension (resolution check): √(area/π) unless a kind knows better."""
        return math.sqrt(self.area(params) / math.pi)

    def half_extents(self, params: dict) -> tuple[float, float]:
        """Half widths ``(rx, ry)`` of the axis-aligned box of the sharp shape about its centre."""
        raise NotImplementedError(self.name)

    def box(self, params: dict, center: tuple[float, float], margin: float
            ) -> tuple[float, float, float, float]:
        """``(xmin, xmax, ymin, ymax)`` of the shape grown by ``margin`` (see ``Island.reach``)."""
        rx, ry = self.half_extents(params)
        cx, cy = center
        return (cx - rx - margin, cx + rx + margin, cy - ry - margin, cy + ry + margin)

    def signed_distance(self, params: dict, dx: np.ndarray, dy: np.ndarray) -> np.ndarray:
        """Signed distance to the boundary (negative inside) at offsets ``(dx, dy)``."""
        raise ValueError(f"island kind {self.name!r} has no signed distance")

    def normal_tensor(self, params: dict) -> np.ndarray:
        """∮ n nᵀ ds over the boundary (length), n the outward unit normal (0: no sharp edge)."""
        return np.zeros((2, 2))

    def made_on(self, params: dict) -> tuple | None:
        """``(shape, spacing, center)`` of the only grid the island can be used on, or None."""
        return None

    def sample(self, params: dict, center: tuple[float, float], grid: Grid, periodic: bool
               ) -> np.ndarray:
        """Un-normalised profile of a :attr:`sampled` kind on ``grid``."""
        raise NotImplementedError(self.name)

    def build(self, island_type: type, center: Any, moment: Any, params: dict, edge_width: Any):
        """The island of this kind described by JSON fields (validated as the constructor is)."""
        raise NotImplementedError(self.name)


SHAPES: dict[str, Shape] = {}
"""Island kind name -> its :class:`Shape`."""


def register(shape_type: type) -> type:
    """Class decorator: register an instance of a :class:`Shape` subclass under its name."""
    SHAPES[shape_type.name] = shape_type()
    return shape_type


def _polygon_normal_tensor(v: np.ndarray) -> np.ndarray:
    e = np.roll(v, -1, axis=0) - v
    length = np.hypot(e[:, 0], e[:, 1])
    n = np.stack([e[:, 1], -e[:, 0]], axis=1) / length[:, None]  # sign irrelevant in n nᵀ
    return np.einsum("e,ea,eb->ab", length, n, n)


@register
class Disk(Shape):
    name, keys = "disk", ("radius",)

    def area(self, params):
        return math.pi * params["radius"] ** 2

    def min_feature(self, params):
        return params["radius"]

    def half_extents(self, params):
        return params["radius"], params["radius"]

    def signed_distance(self, params, dx, dy):
        return np.hypot(dx, dy) - params["radius"]

    def normal_tensor(self, params):
        return math.pi * params["radius"] * np.eye(2)

    def build(self, island_type, center, moment, params, edge_width):
        return island_type.disk(center, params["radius"], moment, edge_width)


@register
class Ellipse(Shape):
    name, keys = "ellipse", ("axes", "angle")

    def area(self, params):
        return math.pi * params["axes"][0] * params["axes"][1]

    def min_feature(self, params):
        return min(params["axes"])

    def half_extents(self, params):
        (a, b), t = params["axes"], params["angle"]
        return math.hypot(a * math.cos(t), b * math.sin(t)), math.hypot(a * math.sin(t), b * math.cos(t))

    def signed_distance(self, params, dx, dy):
        # first-order accurate (exact on the boundary): all the edge profile needs
        (a, b), t = params["axes"], params["angle"]
        u, v = _rotate(dx, dy, t)
        f = np.hypot(u / a, v / b)
        with np.errstate(divide="ignore", invalid="ignore"):
            grad = np.hypot(u / a**2, v / b**2) / f
            d = np.where(f > 0, (f - 1) / grad, -min(a, b))
        return d

    def normal_tensor(self, params):
        (a, b), t = params["axes"], params["angle"]
        th = (np.arange(256) + 0.5) * (2 * math.pi / 256)  # periodic trapezoid: spectral
        nu, nv = b * np.cos(th), a * np.sin(th)            # normal × |tangent|
        speed = np.hypot(a * np.sin(th), b * np.cos(th))
        local = np.array([[np.sum(nu * nu / speed), np.sum(nu * nv / speed)],
                          [np.sum(nu * nv / speed), np.sum(nv * nv / speed)]]) * (2 * math.pi / 256)
        c, s = math.cos(t), math.sin(t)
        rot = np.array([[c, -s], [s, c]])
        return rot @ local @ rot.T

    def build(self, island_type, center, moment, params, edge_width):
        return island_type.ellipse(center, params["axes"], params["angle"], moment, edge_width)


@register
class Rectangle(Shape):
    name, keys = "rectangle", ("size", "angle")

    def area(self, params):
        return params["size"][0] * params["size"][1]

    def min_feature(self, params):
        return 0.5 * min(params["size"])

    def half_extents(self, params):
        (w, h), t = params["size"], params["angle"]
        return (0.5 * (abs(w * math.cos(t)) + abs(h * math.sin(t))),
                0.5 * (abs(w * math.sin(t)) + abs(h * math.cos(t))))

    def signed_distance(self, params, dx, dy):
        (w, h), t = params["size"], params["angle"]
        u, v = _rotate(dx, dy, t)
        qx, qy = np.abs(u) - w / 2, np.abs(v) - h / 2
        outside = np.hypot(np.maximum(qx, 0), np.maximum(qy, 0))
        return outside + np.minimum(np.maximum(qx, qy), 0)

    def normal_tensor(self, params):
        (w, h), t = params["size"], params["angle"]
        corners = np.array([[-w / 2, -h / 2], [w / 2, -h / 2], [w / 2, h / 2], [-w / 2, h / 2]])
        c, s = math.cos(t), math.sin(t)
        return _polygon_normal_tensor(corners @ np.array([[c, s], [-s, c]]))

    def build(self, island_type, center, moment, params, edge_width):
        return island_type.rectangle(center, params["size"], params["angle"], moment, edge_width)


@register
class Polygon(Shape):
    name, keys = "polygon", ("vertices",)

    def area(self, params):
        v = np.asarray(params["vertices"])
        return 0.5 * abs(np.sum(v[:, 0] * np.roll(v[:, 1], -1) - np.roll(v[:, 0], -1) * v[:, 1]))

    def min_feature(self, params):
        v = np.asarray(params["vertices"])
        return 0.5 * min(np.ptp(v[:, 0]), np.ptp(v[:, 1]))

    def box(self, params, center, margin):
        v = np.asarray(params["vertices"])
        cx, cy = center
        return (cx + v[:, 0].min() - margin, cx + v[:, 0].max() + margin,
                cy + v[:, 1].min() - margin, cy + v[:, 1].max() + margin)

    def signed_distance(self, params, dx, dy):
        return _polygon_sdf(np.asarray(params["vertices"]), dx, dy)

    def normal_tensor(self, params):
        return _polygon_normal_tensor(np.asarray(params["vertices"], dtype=float))

    def build(self, island_type, center, moment, params, edge_width):
        c = checks.vector2("center", center)
        v = checks.finite_array("params.vertices", params["vertices"])
        if v.ndim != 2 or v.shape[-1] != 2:
            raise ValueError(f"params.vertices must be (x, y) pairs, got shape {v.shape}")
        island_type.polygon(v + c, moment, edge_width)  # validates the outline
        # keep the stored centre and relative vertices bit for bit
        return island_type._make("polygon", c, moment, {"vertices": v.tolist()}, edge_width)


@register
class Gaussian(Shape):
    name, keys, sampled = "gaussian", ("width",), True

    def min_feature(self, params):
        return params["width"]

    def box(self, params, center, margin):
        r = GAUSSIAN_SUPPORT * params["width"]
        cx, cy = center
        return (cx - r, cx + r, cy - r, cy + r)

    def sample(self, params, center, grid, periodic):
        dx = grid_offsets(grid.local_x, center[0] - grid.center[0], grid.size[1], periodic)
        dy = grid_offsets(grid.local_y, center[1] - grid.center[1], grid.size[0], periodic)
        w = params["width"]
        reach = GAUSSIAN_SUPPORT * w
        if periodic and (reach > grid.size[1] / 2 or reach > grid.size[0] / 2):
            # wider than half the cell: sum the periodic images (the profile is separable)
            gx = periodic_gaussian(dx, w, grid.size[1])
            gy = periodic_gaussian(dy, w, grid.size[0])
            return gy[:, None] * gx[None, :]
        DX, DY = np.meshgrid(dx, dy)
        return np.exp(-(DX**2 + DY**2) / (2 * w * w))

    def build(self, island_type, center, moment, params, edge_width):
        return island_type.gaussian(center, params["width"], moment)


@register
class Mask(Shape):
    name, keys, sampled = "mask", ("grid_shape", "spacing", "grid_center", "coverage"), True

    def area(self, params):
        return float(params["coverage"].sum() * params["spacing"] ** 2)

    def box(self, params, center, margin):
        # wherever the coverage is non-zero
        g = Grid(tuple(params["grid_shape"]), params["spacing"], tuple(params["grid_center"]))
        iy, ix = np.nonzero(params["coverage"])
        hh = g.spacing / 2
        return (g.x[ix.min()] - hh, g.x[ix.max()] + hh, g.y[iy.min()] - hh, g.y[iy.max()] + hh)

    def made_on(self, params):
        return (tuple(params["grid_shape"]), float(params["spacing"]),
                tuple(float(c) for c in params["grid_center"]))

    def sample(self, params, center, grid, periodic):
        if tuple(params["grid_shape"]) != grid.shape or params["spacing"] != grid.spacing \
                or tuple(params["grid_center"]) != grid.center:
            raise ValueError("a mask island can only be rasterised on the grid it was made on")
        return np.array(params["coverage"], dtype=float)

    def build(self, island_type, center, moment, params, edge_width):
        p = params
        shape = tuple(p["grid_shape"]) if isinstance(p["grid_shape"], (list, tuple)) else p["grid_shape"]
        grid = Grid(shape, p["spacing"], tuple(p["grid_center"]))
        return island_type.mask(np.asarray(p["coverage"]), grid, moment)
