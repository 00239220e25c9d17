"""Uniform cell-centred grids on the film and their Fourier wavevectors."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from . import checks


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

    Notes
    -----
    Coordinates are cell centres: ``x[i] = center_x + (i - (nx - 1)/2) h``; the grid covers
    ``[center_x - nx h / 2, center_x + nx h / 2]`` and likewise in y.
    Wavevectors follow the FFT convention ``f(q) = ∫ d²r e^{-iq·r} f(r)``:
    ``qx = 2π rfftfreq(nx, h)``, ``qy = 2π fftfreq(ny, h)``.
    """

    shape: tuple[int, int]
    spacing: float
    center: tuple[float, float] = (0.0, 0.0)

    def __post_init__(self) -> None:
        try:
            shape = tuple(int(n) for n in self.shape)
            ok = len(shape) == 2 and all(int(n) == n for n in self.shape)
        except (TypeError, ValueError):
            ok = False
        if not ok or min(shape) < 2:
            raise ValueError(f"shape must be two integers (ny, nx), each >= 2, got {self.shape!r}")
        object.__setattr__(self, "shape", shape)
        object.__setattr__(self, "spacing", checks.positive_length("spacing", self.spacing))
        object.__setattr__(self, "center", tuple(checks.vector2("center", self.center)))

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
    def x(self) -> np.ndarray:
        """Cell-centre x coordinates, shape ``(nx,)``."""
        return self.center[0] + (np.arange(self.nx) - (self.nx - 1) / 2) * self.spacing

    @cached_property
    def y(self) -> np.ndarray:
        """Cell-centre y coordinates, shape ``(ny,)``."""
        return self.center[1] + (np.arange(self.ny) - (self.ny - 1) / 2) * self.spacing

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
