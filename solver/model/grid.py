"""Uniform cell-centred grids on the film and their Fourier wavevectors."""
from __future__ import annotations

from dataclasses import dataclass
import math
from functools import cached_property

import numpy as np

from .._common import checks

__all__ = ["Grid"]


@dataclass(frozen=True)
class Grid:
    """A uniform grid of square cells on the film plane.

    Parameters
    ----------
    shape : (int, int)
        Number of cells ``(ny, nx)``; arrays on the grid are ``(..., y, x)`` with ``x`` fast.
    spacing : float
        Cell side h (user length unit), > 0.
    center : (float, float), optional
        Centre ``(x, y)`` of the grid. Default the origin.

    Raises
    ------
    ValueError
        ``shape`` not two integers in [2, 2**40] with at most 2**40 cells (non-finite, fractional,
        astronomically large); ``spacing`` outside [1e-150, 1e150]; ``center`` non-finite or so far
        from the origin that float64 cannot resolve positions near it to 1e-3 cell
        (|center| · 2.2e-16 > 1e-3 spacing).

    Notes
    -----
    Coordinates are cell centres: ``x[i] = center_x + (i - (nx - 1)/2) h``; the grid covers
    ``[center_x - nx h / 2, center_x + nx h / 2]`` and likewise in y.
    Wavevectors follow the FFT convention ``f(q) = ∫ d²r e^{-iq·r} f(r)``:
    ``qx = 2π rfftfreq(nx, h)``, ``qy = 2π fftfreq(ny, h)``.

    Examples
    --------
    >>> from solver import Grid
    >>> grid = Grid(shape=(64, 64), spacing=0.1)
    >>> grid.bounds
    (-3.2, 3.2, -3.2, 3.2)
    >>> [round(float(x), 2) for x in grid.x[:2]]
    [-3.15, -3.05]
    """

    shape: tuple[int, int]
    spacing: float
    center: tuple[float, float] = (0.0, 0.0)

    MAX_CELLS = 2**40
    """Largest accepted number of cells ``ny * nx`` (far beyond any memory; larger shapes are
    refused before anything is computed)."""

    MIN_SPACING = 1e-150
    MAX_SPACING = 1e150
    """Accepted spacings: products of lengths (h², q h, n h, 2π/(n h)) stay finite and normal."""

    CENTER_RESOLUTION = 1e-3
    """A centre must be resolved at the spacing: ``|center| · eps <= CENTER_RESOLUTION · spacing``
    (float64 eps), i.e. the floats near it step by at most 1e-3 cell."""

    def __post_init__(self) -> None:
        shape = self._checked_shape(self.shape)
        object.__setattr__(self, "shape", shape)
        h = checks.positive_length("spacing", self.spacing)
        if not self.MIN_SPACING <= h <= self.MAX_SPACING:
            raise ValueError(f"spacing must lie in [{self.MIN_SPACING:g}, {self.MAX_SPACING:g}] "
                             f"(lengths, areas and wavevectors of the grid must stay finite), got {h!r}")
        object.__setattr__(self, "spacing", h)
        center = tuple(float(c) for c in checks.vector2("center", self.center))
        eps = float(np.finfo(float).eps)
        if max(abs(c) for c in center) * eps > self.CENTER_RESOLUTION * h:
            raise ValueError(
                f"center {center} is too far from the origin for the spacing {h:g}: float64 "
                f"resolves positions near it only to {max(abs(c) for c in center) * eps:.3g}, more "
                f"than {self.CENTER_RESOLUTION:g} cell; allowed |center| <= "
                f"{self.CENTER_RESOLUTION * h / eps:.3g} (shift the coordinates towards the origin)")
        object.__setattr__(self, "center", center)

    @classmethod
    def _checked_shape(cls, shape: object) -> tuple[int, int]:
        """``shape`` as two Python ints in [2, MAX_CELLS] with ``ny * nx <= MAX_CELLS``."""
        expected = (f"shape must be two integers (ny, nx), each >= 2, with ny * nx <= "
                    f"{cls.MAX_CELLS} (2**40)")
        try:
            items = list(shape)  # type: ignore[call-overload]
        except TypeError:
            raise ValueError(f"{expected}, got {shape!r}") from None
        out = []
        for n in items:
            bad = isinstance(n, (bool, np.bool_, str, bytes)) or (
                isinstance(n, (float, np.floating)) and not (math.isfinite(n) and float(n).is_integer()))
            try:
                k = None if bad else int(n)
            except (TypeError, ValueError, OverflowError):
                k = None
            if k is None or k != n:
                raise ValueError(f"{expected}, got {shape!r}")
            out.append(k)
        if len(out) != 2 or min(out) < 2 or out[0] * out[1] > cls.MAX_CELLS:
            raise ValueError(f"{expected}, got {shape!r}")
        return (out[0], out[1])

    # --- real space -------------------------------------------------------------------------
    @property
    def ny(self) -> int:
        return self.shape[0]

    @property
    def nx(self) -> int:
        return self.shape[1]

    @property
    def size(self) -> tuple[float, float]:
        """Physical size ``(Ly, Lx)`` of the grid."""
        return (self.ny * self.spacing, self.nx * self.spacing)

    @property
    def cell_area(self) -> float:
        return self.spacing**2

    @cached_property
    def local_x(self) -> np.ndarray:
        """Cell-centre x offsets from the grid centre, ``(i − (nx − 1)/2) h``, shape ``(nx,)``.

        Rasterise relative to these (after subtracting the grid centre from a position once):
        they are exact multiples of h/2, whatever the centre.
        """
        return (np.arange(self.nx) - (self.nx - 1) / 2) * self.spacing

    @cached_property
    def local_y(self) -> np.ndarray:
        """Cell-centre y offsets from the grid centre, shape ``(ny,)``."""
        return (np.arange(self.ny) - (self.ny - 1) / 2) * self.spacing

    @cached_property
    def x(self) -> np.ndarray:
        """Cell-centre x coordinates, shape ``(nx,)``."""
        return self.center[0] + self.local_x

    @cached_property
    def y(self) -> np.ndarray:
        """Cell-centre y coordinates, shape ``(ny,)``."""
        return self.center[1] + self.local_y

    def meshgrid(self) -> tuple[np.ndarray, np.ndarray]:
        """``(X, Y)`` cell-centre coordinate arrays of shape ``(ny, nx)``."""
        return np.meshgrid(self.x, self.y)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """``(xmin, xmax, ymin, ymax)`` of the covered region (cell edges)."""
        hx, hy = self.nx * self.spacing / 2, self.ny * self.spacing / 2
        return (self.center[0] - hx, self.center[0] + hx, self.center[1] - hy, self.center[1] + hy)

    # --- Fourier space ----------------------------------------------------------------------
    @cached_property
    def qx(self) -> np.ndarray:
        """rfft wavevectors along x, shape ``(nx//2 + 1,)``."""
        return 2 * np.pi * np.fft.rfftfreq(self.nx, self.spacing)

    @cached_property
    def qy(self) -> np.ndarray:
        """fft wavevectors along y, shape ``(ny,)``."""
        return 2 * np.pi * np.fft.fftfreq(self.ny, self.spacing)

    @property
    def spectral_shape(self) -> tuple[int, int]:
        """Shape of a real-to-complex transform of one field on this grid."""
        return (self.ny, self.nx // 2 + 1)

    def nyquist_mask(self) -> np.ndarray:
        """Boolean ``spectral_shape`` mask, True on the Nyquist row/column (even sizes).

        Multipliers odd in q must vanish there: the Nyquist mode of a real field has no sign.
        """
        mask = np.zeros(self.spectral_shape, dtype=bool)
        if self.ny % 2 == 0:
            mask[self.ny // 2, :] = True
        if self.nx % 2 == 0:
            mask[:, -1] = True
        return mask

    def odd_wavevectors(self) -> tuple[np.ndarray, np.ndarray]:
        """``(qx, qy)`` with the Nyquist entries (even sizes) set to 0, shapes ``(nx//2 + 1,)``
        and ``(ny,)``: the wavevectors of odd multipliers such as i q_a (see
        :meth:`nyquist_mask`). New arrays."""
        qx = self.qx.copy()
        qy = self.qy.copy()
        if self.nx % 2 == 0:
            qx[-1] = 0.0
        if self.ny % 2 == 0:
            qy[self.ny // 2] = 0.0
        return qx, qy

    # --- helpers ----------------------------------------------------------------------------
    def padded(self, factor: int = 2) -> "Grid":
        """The zero-padded grid with ``factor`` times as many cells along each axis.

        The original grid occupies the index block ``[:ny, :nx]`` of the padded arrays.
        """
        f = int(factor)
        return Grid((f * self.ny, f * self.nx), self.spacing, self.center)

    def contains(self, xmin: float, xmax: float, ymin: float, ymax: float) -> bool:
        """True if the box ``[xmin, xmax] x [ymin, ymax]`` lies inside the grid."""
        bx0, bx1, by0, by1 = self.bounds
        return xmin >= bx0 and xmax <= bx1 and ymin >= by0 and ymax <= by1

    def bytes_per_field(self, itemsize: int = 8) -> int:
        return self.ny * self.nx * itemsize
