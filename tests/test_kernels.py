"""The response kernels and the free-space truncation, against independent evaluations."""
import math

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.special import j0

from solver import kernels



@pytest.mark.parametrize("r0", [0.05, 1.0, 30.0])
def test_height_integral_at_zero_height_is_keldysh_potential(r0):
    """I(r, 0) = V(r)/r0: the trapezoid-in-ln t route and solver.keldysh are independent
    evaluations of the Keldysh potential; agreement to 1e-13 relative."""
    from solver.keldysh import potential

    r = np.geomspace(1e-6, 1e4, 41) * r0
    assert np.allclose(kernels.height_integral(r, r0, 0.0) * r0, potential(r, r0), rtol=1e-13, atol=0)


@pytest.mark.parametrize("z", [0.05, 0.5])
def test_field_kernel_real_matches_hankel_quadrature(z):
    """G_z(r) = (1/2π) ∫ J0(qr) e^{-qz} q/(1+q r0) dq, the defining Hankel integral, by mpmath's
    oscillatory quadrature at 20 digits; agreement to 1e-13 relative."""
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 20
    r0 = 0.7
    for r in (0.1, 0.5, 2.0):
        f = lambda q: mpmath.besselj(0, q * r) * mpmath.exp(-q * z) * q / (1 + q * r0)  # noqa: E731
        expect = float(mpmath.quadosc(f, [0, mpmath.inf], omega=r)) / (2 * math.pi)
        got = kernels.field_kernel_real(np.array([r]), r0, z)[0]
        assert abs(got / expect - 1) < 1e-13


@pytest.mark.parametrize("name", ["current", "vector_potential", "field"])
def test_truncated_transform_is_continuous_at_the_cut(name):
    """Above q_cut the tapered transform must equal the closed form (the taper's tail is
    negligible there). Force the quadrature above the cut and compare. The quadrature of an
    oscillatory integrand loses digits to cancellation: its round-off is ~1e-16 × the L1 norm
    2π ∫ |f| w r dr, so the tolerance is 1e-13 × that norm (U(q) ~ 1/q³ is tiny at the cut)."""
    r0 = 0.4
    real = {"current": kernels.current_kernel_real, "vector_potential": kernels.vector_potential_kernel_real,
            "field": kernels.field_kernel_real}[name]
    closed = {"current": kernels.current_kernel, "vector_potential": kernels.vector_potential_kernel,
              "field": kernels.field_kernel}[name]
    taper = kernels.Taper(inner=3.0, outer=6.0)
    q = np.linspace(1.0, 1.6, 7) * taper.q_cut
    quad_vals = kernels.truncated_transform(q, lambda r: real(r, r0), lambda k: closed(k, r0), taper,
                                            q_split=np.inf)
    l1 = 2 * math.pi * quad(lambda r: abs(real(np.array([r]), r0)[0]) * r * taper(r), 0, taper.outer,
                            points=[r0, taper.inner], limit=500)[0]
    assert np.max(np.abs(quad_vals - closed(q, r0))) < 1e-13 * l1


def test_kernel_limits():
    q = np.array([0.0, 0.1, 1.0, 10.0])
    assert np.allclose(kernels.pearl_kernel(q, np.inf), [0, 1, 1, 1])
    # W = K/q², U = W/(q r0) ... independent algebra: W - U = 1/q² - 2U(1+q r0)/(...) -> check U = 1/q² - W
    qq = q[1:]
    assert np.allclose(kernels.vector_potential_kernel(qq, 0.3), 1 / qq**2 - kernels.current_kernel(qq, 0.3))
    assert np.all(kernels.field_kernel(q, np.inf) == 0)
    assert kernels.current_kernel(q, 1.0)[0] == 0
