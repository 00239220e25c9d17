"""The quarter-grid (DCT-I/DST-I) construction of the free-space multipliers against the plain
full-grid complex-FFT construction (a second method written here with numpy.fft only)."""
from functools import partial

import numpy as np
import pytest

import solver
from solver import freespace, kernels
from solver.fft import FFTBackend


def _full_grid_multipliers(grid, real, closed, even, taper):
    """VGF on the full precompute grid: irfft2 of the truncated spectrum, restrict to offsets
    |i| < n, embed on the 2× grid, rfft2 (complex transforms of every point)."""
    ny, nx = grid.shape
    my, mx = freespace.precompute_shape(grid, taper)
    h = grid.spacing
    qx = 2 * np.pi * np.fft.rfftfreq(mx, h)
    qy = 2 * np.pi * np.fft.fftfreq(my, h)
    f_hat = kernels.truncated_transform(np.hypot(qy[:, None], qx[None, :]), real, closed, taper)
    f_hat *= kernels.spectral_filter(qx[None, :], qy[:, None], h)
    f_hat[my // 2, :] = 0.0
    f_hat[:, -1] = 0.0
    comps = ({"xx": qx[None, :] ** 2, "xy": qy[:, None] * qx[None, :], "yy": qy[:, None] ** 2}
             if even else {"x": 1j * qx[None, :], "y": 1j * qy[:, None]})
    out = {}
    for name, factor in comps.items():
        full = np.fft.irfft2(factor * f_hat, (my, mx))
        emb = np.zeros((2 * ny, 2 * nx))
        sy = np.r_[0:ny, my - (ny - 1):my]
        dy = np.r_[0:ny, 2 * ny - (ny - 1):2 * ny]
        sx = np.r_[0:nx, mx - (nx - 1):mx]
        dx = np.r_[0:nx, 2 * nx - (nx - 1):2 * nx]
        emb[np.ix_(dy, dx)] = full[np.ix_(sy, sx)]
        spec = np.fft.rfft2(emb)
        out[name] = spec.real if even else spec.imag
    return out


@pytest.mark.parametrize("shape", [(24, 24), (20, 30), (33, 17)])
@pytest.mark.parametrize("kind", ["W", "U", "G"])
def test_quarter_grid_equals_full_grid(shape, kind):
    """Same multipliers to round-off. Tolerance: ε × (number of precompute-grid points) of the
    largest entry — the two routes sum the same P_y P_x terms in different orders, and for U the
    terms are O(1) everywhere while the real-space kernel is nearly a delta (strong cancellation),
    so the error grows like the number of terms (observed: 1e-15…2e-12, bound ~3e-12), plus the
    interpolation accuracy of the shared low-q quadrature (below)."""
    grid = solver.Grid(shape, 0.07)
    r0 = 0.4
    real, closed = {"W": (kernels.current_kernel_real, kernels.current_kernel),
                    "U": (kernels.vector_potential_kernel_real, kernels.vector_potential_kernel),
                    "G": (kernels.field_kernel_real, kernels.field_kernel)}[kind]
    real, closed = partial(real, pearl_length=r0), partial(closed, pearl_length=r0)
    even = kind != "G"
    taper = freespace.domain_taper(grid)
    quarter = freespace.aperiodic_multipliers(grid, real, closed, FFTBackend("scipy", threads=1),
                                              even=even, taper=taper)
    assert quarter.shape == (3 if even else 2, shape[0] + 1, shape[1] + 1)
    # the quarter tables unfolded by their parity in q_y: the full padded half spectra
    new = {name: freespace.unfold_rows(t, odd) for name, t, odd in
           zip(freespace.COMPONENTS[even], quarter, freespace.ODD_IN_Y[even])}
    ref = _full_grid_multipliers(grid, real, closed, even, taper)
    # + 1e-11: each route evaluates the low-q Chebyshev interpolant of the quadrature at its
    # own set of |q| (kernel-table accuracy ~1e-12 relative, measured against Hankel integrals)
    eps = np.finfo(float).eps * np.prod(freespace.precompute_shape(grid, taper)) + 1e-11
    assert new.keys() == ref.keys()
    for name in ref:
        assert new[name].shape == (2 * shape[0], shape[1] + 1)
        scale = np.abs(ref[name]).max()
        assert np.abs(new[name] - ref[name]).max() <= eps * scale, name


def _build(grid, kind, threads, r0=0.4):
    real, closed = {"W": (kernels.current_kernel_real, kernels.current_kernel),
                    "U": (kernels.vector_potential_kernel_real, kernels.vector_potential_kernel),
                    "G": (kernels.field_kernel_real, kernels.field_kernel)}[kind]
    return freespace.aperiodic_multipliers(grid, partial(real, pearl_length=r0),
                                           partial(closed, pearl_length=r0),
                                           FFTBackend("scipy", threads=threads), even=kind != "G")


@pytest.mark.parametrize("shape", [(40, 40), (36, 50)])
@pytest.mark.parametrize("kind", ["W", "G"])
def test_blocks_and_threads(shape, kind, monkeypatch):
    """The blocked passes: the bits do not depend on the thread count (the blocks are fixed by
    the shapes), and blocks of a few rows (first pass, quadrature, transposes) give the tables
    of one block to round-off; on a square grid yy / y are the transposes of xx / x. The result
    is the transposed view of a C-contiguous (m, nx + 1, ny + 1) array."""
    grid = solver.Grid(shape, 0.07)
    one = _build(grid, kind, 1)
    assert one.transpose(0, 2, 1).flags.c_contiguous
    assert np.array_equal(one, _build(grid, kind, 2))
    monkeypatch.setattr(freespace, "_BLOCK_POINTS", 1500)
    monkeypatch.setattr(freespace, "_TRANSPOSE_BLOCK", 7)
    monkeypatch.setattr(kernels, "_QUADRATURE_BLOCK", 50_000)
    small = _build(grid, kind, 1)
    assert np.array_equal(small, _build(grid, kind, 3))
    assert np.abs(small - one).max() <= 1e-13 * np.abs(one).max()
    if shape[0] == shape[1]:
        assert np.array_equal(one[-1], one[0].T)
