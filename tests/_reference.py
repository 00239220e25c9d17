"""Independent reference evaluations (scipy quadrature of 1-D Hankel integrals).

These re-derive the continuum answers for Gaussian sources directly from the Fourier-space
formulas of docs/physics.md, without any code from the package: a Gaussian island of width w has the
form factor e^{-q² w²/2}, so every quantity is a 1-D radial integral.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
from scipy.integrate import IntegrationWarning
from scipy.integrate import quad as _quad
from scipy.special import jv


def quad(*args, **kwargs):
    """scipy quad with IntegrationWarning silenced on purpose: we ask for ~1e-13 relative, at
    the round-off floor of an oscillatory integrand, where quad's round-off detector fires even
    though the result is fine; each test's tolerance (≥ 1e-9 where quad is the reference)
    accounts for quad's achievable accuracy."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IntegrationWarning)
        return _quad(*args, **kwargs)


def _W(q: float, r0: float) -> float:
    return 1.0 / (q * q) if math.isinf(r0) else r0 / (q * (1.0 + q * r0))


def gaussian_pair_tensor(d: float, w1: float, w2: float, r0: float, stiffness: float = 1.0,
                         coupling: float = 1.0) -> tuple[float, float]:
    """(C_par, C_perp) of two Gaussians at distance d (frame with ∥ along the separation).

    C_ab = s g² ∫ d²q/(2π)² W(q) q_a q_b e^{-q²(w1²+w2²)/2} cos(q·d); the angular integrals
    are π(J0 ∓ J2) for the parallel/perpendicular components.
    """
    out = []
    for sign in (-1.0, +1.0):
        def f(q: float) -> float:
            return q**3 * _W(q, r0) * math.exp(-q * q * (w1**2 + w2**2) / 2) * (jv(0, q * d) + sign * jv(2, q * d))
        val = quad(f, 0, np.inf, limit=4000, epsabs=0, epsrel=1e-13)[0]
        out.append(stiffness * coupling**2 / (4 * math.pi) * val)
    return out[0], out[1]


def gaussian_self_energy(w: float, r0: float, moment: float = 1.0, stiffness: float = 1.0,
                         coupling: float = 1.0) -> float:
    """F = (s/2) ∫ d²q/(2π)² W |c|², |c|² = g² (q·μ)² e^{-q²w²}; angular average of (q·μ)² is q²μ²/2."""
    def f(q: float) -> float:
        return q * (q * q * moment**2 / 2) * _W(q, r0) * math.exp(-q * q * w * w)
    return 0.5 * stiffness * coupling**2 / (2 * math.pi) * quad(f, 0, np.inf, limit=2000, epsrel=1e-13)[0]


def gaussian_field_z(r: float, cos_angle: float, w: float, r0: float, height: float,
                     moment: float = 1.0, coupling: float = 1.0) -> float:
    """B_z(r, z) of a Gaussian island: −(g/2π)(μ·r̂) ∫ q² J1(qr) e^{−qz − q²w²/2}/(1 + q r0) dq."""
    def f(q: float) -> float:
        return q * q * jv(1, q * r) * math.exp(-q * height - q * q * w * w / 2) / (1 + q * r0)
    val = quad(f, 0, np.inf, limit=4000, epsabs=0, epsrel=1e-12)[0]
    return -(coupling / (2 * math.pi)) * moment * cos_angle * val


def gaussian_vector_field(dx: float, dy: float, moment, w: float, r0: float, kind: str,
                          stiffness: float = 1.0, coupling: float = 1.0) -> np.ndarray:
    """j (kind='current') or A (kind='vector_potential') of a Gaussian island at offset (dx, dy).

    X_α(q) = pref · (ẑ×q)_α (q·μ) f(q) e^{-q²w²/2} with f = W, pref = s g (current) or f = U,
    pref = g (vector potential). IFT of q_γ q_β f(q) is
    (1/4π) ∫ q³ f [J0 δ_γβ − J2 (2 r̂_γ r̂_β − δ_γβ)] dq.
    """
    r = math.hypot(dx, dy)
    rhat = np.array([dx, dy]) / r
    if kind == "current":
        f, pref = (lambda q: _W(q, r0)), stiffness * coupling
    else:
        f, pref = (lambda q: 0.0 if math.isinf(r0) else 1.0 / (q * q * (1 + q * r0))), coupling

    def integral(order: int) -> float:
        g = lambda q: q**3 * f(q) * math.exp(-q * q * w * w / 2) * jv(order, q * r)  # noqa: E731
        return quad(g, 0, np.inf, limit=4000, epsabs=0, epsrel=1e-12)[0] / (4 * math.pi)

    i0, i2 = integral(0), integral(2)
    T = i0 * np.eye(2) - i2 * (2 * np.outer(rhat, rhat) - np.eye(2))
    eps = np.array([[0.0, -1.0], [1.0, 0.0]])  # (ẑ×q)_α = ε_αγ q_γ
    return pref * eps @ T @ np.asarray(moment, dtype=float)


def periodic_spectral_gradient(chi: np.ndarray, grid) -> np.ndarray:
    """Spectral ∇χ (numpy FFTs) of a periodic χ on ``grid``, the Nyquist row/column of the
    derivative zeroed (the same discrete wavevectors the periodic operator uses): a pure gauge
    that the transverse projector must remove to round-off."""
    k = np.fft.fft2(chi)
    kx = 2 * np.pi * np.fft.fftfreq(grid.nx, grid.spacing)[None, :]
    ky = 2 * np.pi * np.fft.fftfreq(grid.ny, grid.spacing)[:, None]
    if grid.nx % 2 == 0:
        kx[:, grid.nx // 2] = 0
    if grid.ny % 2 == 0:
        ky[grid.ny // 2, :] = 0
    return np.array([np.fft.ifft2(1j * kx * k).real, np.fft.ifft2(1j * ky * k).real])


def drop_nyquist(a: np.ndarray, grid) -> np.ndarray:
    """The source without its Nyquist row/column modes. The sign of an odd multiplier is undefined
    there, so solvers differ in what they do with those modes; comparing on a source without
    them makes a check independent of that convention."""
    ah = np.fft.fft2(a)
    if grid.nx % 2 == 0:
        ah[..., grid.nx // 2] = 0
    if grid.ny % 2 == 0:
        ah[..., grid.ny // 2, :] = 0
    return np.fft.ifft2(ah).real


def periodic_fourier_energy(a: np.ndarray, grid, pearl_length: float, stiffness: float) -> float:
    """F = (s/2) ∫ K(q) |a_t(q)|² d²q/(2π)² on the periodic cell, evaluated with numpy's FFT and
    an explicit transverse projector a_t = a − q (q·a)/q², K = q r0/(1 + q r0) (1 for r0 = ∞)
    times the package's documented grid filter ``solver.kernels.spectral_filter`` (a stated
    discretisation choice, the only package code used here)."""
    from solver.kernels import spectral_filter

    ah = np.fft.fft2(a) * grid.cell_area  # continuum transform
    kx = 2 * np.pi * np.fft.fftfreq(grid.nx, grid.spacing)[None, :]
    ky = 2 * np.pi * np.fft.fftfreq(grid.ny, grid.spacing)[:, None]
    q2 = kx**2 + ky**2
    q2[0, 0] = 1.0
    q = np.sqrt(q2)
    dot = (kx * ah[0] + ky * ah[1]) / q2
    at = ah - np.array([kx * dot, ky * dot])
    K = np.ones_like(q) if math.isinf(pearl_length) else q * pearl_length / (1 + q * pearl_length)
    K = K * spectral_filter(kx, ky, grid.spacing)
    K[0, 0] = 0.0
    area = grid.size[0] * grid.size[1]
    return float(stiffness / 2 * np.sum(K * (np.abs(at[0]) ** 2 + np.abs(at[1]) ** 2)) / area)
