"""Issue 13: the analytic theory and the many-body layer at the limits of the float format.

Each test reproduces one case of the issue (what used to come back as NaN, 0, inf or a traceback)
and compares the new result with an independent reference: an exact scaling law (moments, Z,
couplings and lengths only scale the answer), mpmath quadrature of the integral forms of the
Keldysh functions, a closed form (Eq. 10, asymptotic limits), or a second method. Where the true
value is not a finite float, a ValueError naming the parameter is required instead.
"""
from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest

from solver import _ewald, ensembles, ground_state, keldysh, lattice, materials, thermal

# Exact powers of ten are not exact floats and every evaluation rounds a few times: a few ulp
# of relative error per quantity (condition ~1 for these smooth, single-signed sums).
ULPS = 1e-14
POS = np.array([[0.0, 0.0], [1.0, 0.2], [0.3, 1.1], [1.4, 1.3], [-0.7, 0.6]])
MOM = np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0], [-0.8, 0.6], [0.28, -0.96]])
R0 = 1.5


# ------------------------------------------------------------------------------ references
def _mp_pq(x: float) -> tuple[float, float]:
    """p(x) = ∫ t e^{-t}/√(x²+t²) dt and q(x) = ∫ t² e^{-t}/√(x²+t²) dt by mpmath quadrature
    (the integral forms of -x f'(x), x² f''(x); independent of the package's series/tables)."""
    with mp.workdps(30):
        X = mp.mpf(x)
        pts = [0, min(X, 1), 1, mp.inf] if X < 1 else [0, 1, X, mp.inf]
        p = mp.quad(lambda t: t * mp.exp(-t) / mp.sqrt(X * X + t * t), pts)
        q = mp.quad(lambda t: t * t * mp.exp(-t) / mp.sqrt(X * X + t * t), pts)
        return p, q


def _times(arr: np.ndarray, factors: tuple[float, ...]) -> np.ndarray:
    """arr × Π factors with one rounding per element (mpmath), so the reference itself cannot
    over- or underflow in between."""
    out = [float(mp.fprod([mp.mpf(float(a))] + [mp.mpf(f) for f in factors])) for a in np.ravel(arr)]
    return np.array(out).reshape(np.shape(arr))


# ------------------------------------------------------------------------------ 1. huge moments, Z
@pytest.mark.parametrize("m, Z", [(1e200, 1e-200), (1e-200, 1e200), (1e160, 1e-300), (1e-160, 1e300)])
def test_pair_energy_huge_or_tiny_moments_and_Z_scale_out(m, Z):
    # F is bilinear in the moments and linear in Z: F(m a, m b; Z) = m² Z F(a, b; 1). Before:
    # NaN (m² overflowed) or 0 (m² underflowed) although m² Z = 1e±200 is representable.
    unit = keldysh.pair_energy((0, 0), (1.0, 0.5), (1, 0), (0.6, 0.8), R0)
    got = keldysh.pair_energy((0, 0), (1.0, 0.5), (m, 0), (0.6 * m, 0.8 * m), R0, Z=Z)
    assert got == pytest.approx(unit * (m * Z) * m, rel=ULPS)


def test_overflowing_energy_is_refused_naming_the_parameters():
    # m² Z / r² = 1e320 is not a float: a ValueError naming moments/Z, not NaN or inf
    with pytest.raises(ValueError, match="moments"):
        keldysh.pair_energy((0, 0), (1.0, 0.5), (1e160, 0), (1e160, 0), R0)
    with pytest.raises(ValueError, match="moments"):
        keldysh.interaction_energy(POS, 1e160 * MOM, R0)
    with pytest.raises(ValueError, match="coupling"):
        keldysh.current([[1.0, 0.5]], (1e200, 0), R0, coupling=1e200)
    with pytest.raises(ValueError, match="coupling"):
        keldysh.field_z([[1.0, 0.5]], (1e200, 0), R0, coupling=1e200)
    with pytest.raises(ValueError, match="Z"):
        keldysh.couplings(1e-170, R0)


@pytest.mark.parametrize("m, Z", [(1e160, 1e-300), (1e-160, 1e300), (1e200, 1e-250)])
def test_many_body_sums_with_huge_moments(m, Z):
    # E and h scale as m² Z and m Z (before: NaN from (m·m) overflow / 0 from underflow)
    e1 = keldysh.interaction_energy(POS, MOM, R0)
    h1 = keldysh.local_fields(POS, MOM, R0)
    assert keldysh.interaction_energy(POS, m * MOM, R0, Z=Z) == pytest.approx(e1 * (m * Z) * m, rel=ULPS)
    np.testing.assert_allclose(keldysh.local_fields(POS, m * MOM, R0, Z=Z), h1 * (m * Z), rtol=ULPS)


@pytest.mark.parametrize("g, s, m", [(1e300, 1e-100, 1e10), (1e200, 1e200, 1e-300), (1e-200, 1e-200, 1e300)])
def test_current_and_field_with_huge_couplings(g, s, m):
    # j ∝ s g m, B ∝ g m (linear): before, s·g or g·m overflowed to inf (far points: B ~ r0/r⁴
    # is small, so g m = 1e310 may overflow while B is a float)
    pts = np.array([[100.0, 50.0], [-200.0, 30.0]])
    gsm, gm = (g, s, m), (g, m)                        # reference: products rounded once
    j1 = keldysh.current(pts, (0.6, 0.8), R0)
    b1 = keldysh.field_z(pts, (0.6, 0.8), R0)
    bh = keldysh.field_z(pts, (0.6, 0.8), R0, height=0.4)
    np.testing.assert_allclose(keldysh.current(pts, (0.6 * m, 0.8 * m), R0, coupling=g, stiffness=s),
                               _times(j1, gsm), rtol=ULPS)
    np.testing.assert_allclose(keldysh.field_z(pts, (0.6 * m, 0.8 * m), R0, coupling=g), _times(b1, gm),
                               rtol=ULPS)
    np.testing.assert_allclose(keldysh.field_z(pts, (0.6 * m, 0.8 * m), R0, coupling=g, height=0.4),
                               _times(bh, gm), rtol=ULPS)
    jm = keldysh.current_many(pts, POS[:2] + 3.0, m * MOM[:2], R0, coupling=g, stiffness=s)
    np.testing.assert_allclose(jm, _times(keldysh.current_many(pts, POS[:2] + 3.0, MOM[:2], R0), gsm),
                               rtol=ULPS, atol=0)
    bm = keldysh.field_z_many(pts, POS[:2] + 3.0, m * MOM[:2], R0, coupling=g)
    np.testing.assert_allclose(bm, _times(keldysh.field_z_many(pts, POS[:2] + 3.0, MOM[:2], R0), gm),
                               rtol=ULPS)


@pytest.mark.parametrize("Z, m", [(2e307, 1.0), (1.0, 5e153), (1e300, 1e-160), (1e-300, 1e160)])
def test_minimize_impurities_with_huge_Z_or_moments_is_the_ground_state(Z, m):
    # The ground state does not depend on Z or |m|; the energy scales as Z m². Before, the
    # gradient overflowed and L-BFGS-B stopped at its start: a non-minimal state.
    ref = ground_state.minimize_impurities(POS, R0, seed=0, restarts=4)
    got = ground_state.minimize_impurities(POS, R0, moments=m, Z=Z, seed=0, restarts=4)
    # same energy per unit Z m² (the minimiser stops at gtol = 1e-9 relative: energy to ~1e-12)
    assert got.attrs["energy"] / (Z * m) / m == pytest.approx(ref.attrs["energy"], rel=1e-10)
    # a stationary point: every local field is parallel to its moment (torque m × h = 0)
    mx, my, hx, hy = (got[v].values / s for v, s in (("mx", m), ("my", m), ("hx", Z * m), ("hy", Z * m)))
    torque = np.abs(mx * hy - my * hx) / np.hypot(hx, hy)
    assert np.all(torque < 1e-7)       # gtol 1e-9 of the largest |m||h|: angles to ~1e-8


def test_minimize_impurities_overflow_is_refused():
    with pytest.raises(ValueError, match="Z, moments"):
        ground_state.minimize_impurities(POS, R0, moments=1e160, seed=0, restarts=1)


def test_ensembles_at_extreme_densities_and_sizes():
    # n × area = 3 π impurities for any (n, R) = (3/λ², λ): the count may not over/underflow
    for n, size, want in ((3e300, 1e-150, 9), (3e-300, 1e150, 9), (1e308, 1e-154, 3),
                          (1e300, 1e-170, 2), (1e-300, 1e170, 3e40)):
        if want > 1e6:                                      # refused by the memory check
            with pytest.raises(ValueError, match="density"):
                ensembles.random_positions(n, size)
            continue
        assert ensembles.random_positions(n, size).shape == (want, 2)
    with pytest.raises(ValueError, match="density"):
        ensembles.random_positions(1e308, 1e308)          # was OverflowError
    # a sweep at sizes 1e±150: energies are Z/length² ~ 1e∓300, magnetization in [0, 1]
    for lam in (1e-150, 1e150):
        ds = ensembles.magnetization_sweep([3.0 / lam / lam], [lam], [lam], samples=1, restarts=1)
        assert np.isfinite(ds.energy_per_site.values).all()
        assert 0.0 <= float(ds.magnetization.values.ravel()[0]) <= 1.0


# ------------------------------------------------------------------------------ 2. length scale law
@pytest.mark.parametrize("lam", [1e150, 1e-150])
def test_exact_scaling_law_of_every_function(lam):
    # f(λ r, λ r0) = λ^p f(r, r0): V (p = 0), V' (-1), V'', J, C, F_I, E, h, j (-2)
    r = np.array([0.3, 2.0, 40.0, 1e-3])
    for d, p in ((0, 0), (1, -1), (2, -2)):
        np.testing.assert_allclose(keldysh.potential(lam * r, lam * R0, d) / lam**p,
                                   keldysh.potential(r, R0, d), rtol=ULPS)
    for approx in (False, True):
        for a, b in zip(keldysh.couplings(lam * r, lam * R0, approximate=approx),
                        keldysh.couplings(r, R0, approximate=approx)):
            np.testing.assert_allclose(a * lam * lam, b, rtol=ULPS)
    np.testing.assert_allclose(keldysh.coupling_tensor(lam * POS[1:], lam * R0) * lam * lam,
                               keldysh.coupling_tensor(POS[1:], R0), rtol=ULPS, atol=1e-15)
    assert keldysh.pair_energy(lam * POS[0], lam * POS[1], MOM[0], MOM[1], lam * R0) * lam * lam == \
        pytest.approx(keldysh.pair_energy(POS[0], POS[1], MOM[0], MOM[1], R0), rel=ULPS)
    # before: inf / NaN (r⁴ over- or underflowed in the blocked sums)
    assert keldysh.interaction_energy(lam * POS, MOM, lam * R0) * lam * lam == \
        pytest.approx(keldysh.interaction_energy(POS, MOM, R0), rel=ULPS)
    np.testing.assert_allclose(keldysh.local_fields(lam * POS, MOM, lam * R0) * lam * lam,
                               keldysh.local_fields(POS, MOM, R0), rtol=ULPS)
    pts = np.array([[1.0, 0.5], [-2.0, 0.3]])
    np.testing.assert_allclose(keldysh.current(lam * pts, (0.6, 0.8), lam * R0) * lam * lam,
                               keldysh.current(pts, (0.6, 0.8), R0), rtol=ULPS)
    np.testing.assert_allclose(keldysh.current_many(lam * pts, lam * POS, MOM, lam * R0) * lam * lam,
                               keldysh.current_many(pts, POS, MOM, R0), rtol=ULPS)
    # B ~ g/length³: λ^-3 = 1e∓450 is no float, so the coupling carries λ² (g = λ²): B λ = B(1)
    for z in (0.0, 0.4):
        got = keldysh.field_z(lam * pts, (0.6, 0.8), lam * R0, coupling=lam * lam, height=lam * z)
        np.testing.assert_allclose(got * lam, keldysh.field_z(pts, (0.6, 0.8), R0, height=z), rtol=ULPS)
        got = keldysh.field_z_many(lam * pts, lam * POS, MOM, lam * R0, coupling=lam * lam, height=lam * z)
        np.testing.assert_allclose(got * lam, keldysh.field_z_many(pts, POS, MOM, R0, height=z), rtol=ULPS)


@pytest.mark.parametrize("lam", [1e150, 1e-150])
def test_ground_state_scaling_law(lam):
    ref = ground_state.minimize_impurities(POS, R0, seed=0, restarts=3)
    got = ground_state.minimize_impurities(lam * POS, lam * R0, seed=0, restarts=3)
    # same state (angles to the minimiser's tolerance), energy ∝ 1/λ²
    assert got.attrs["energy"] * lam * lam == pytest.approx(ref.attrs["energy"], rel=1e-10)
    two = ground_state.two_impurities(lam, lam * R0)
    one = ground_state.two_impurities(1.0, R0)
    assert two.energy * lam * lam == pytest.approx(one.energy, rel=ULPS)


@pytest.mark.parametrize("lam", [2.0**-70, 1e-20, 1e20])
def test_mesh_energy_scaling_law(lam):
    # the particle-mesh split is chosen from the positions' extent; an absolute 1e-12 floor on
    # that extent changed the mesh (and the energy, by its 1e-4 accuracy) for small length units
    rng = np.random.default_rng(1)
    pos, th = rng.uniform(0, 10, (60, 2)), rng.uniform(-3, 3, 60)
    e1 = ground_state.impurity_problem(pos, 2.0, method="mesh").energy(th)
    e = ground_state.impurity_problem(lam * pos, lam * 2.0, method="mesh").energy(th)
    assert e * lam * lam == pytest.approx(e1, rel=1e-13)     # same mesh: a few ulp × N² terms


# ------------------------------------------------------------------------------ 3. r ~ 1e-170, 1e308
def test_potential_and_couplings_at_tiny_r_vs_mpmath():
    x = 1e-170
    with mp.workdps(30):        # V = ln(2/x) - γ_E + x + O(x² ln x)  (DLMF 11.2.1, 10.8.2)
        v = float(mp.log(2 / mp.mpf(x)) - mp.euler + mp.mpf(x))
    assert keldysh.potential(x, 1.0) == pytest.approx(v, rel=ULPS)
    p, q = _mp_pq(x)
    assert keldysh.potential(x, 1.0, 1) == pytest.approx(float(-p / mp.mpf(x)), rel=ULPS)
    # J = Z p / r² with Z = 1e-100: 1e240 is a float; r² = 1e-340 is not (was inf)
    jp, jq = keldysh.couplings(x, 1.0, Z=1e-100)
    assert jp == pytest.approx(float(mp.mpf(1e-100) * p / mp.mpf(x) ** 2), rel=ULPS)
    assert jq == pytest.approx(float(mp.mpf(1e-100) * q / mp.mpf(x) ** 2), rel=ULPS)
    with pytest.raises(ValueError, match="r"):          # V'' = 1e340: not a float
        keldysh.potential(x, 1.0, 2)


def test_potential_and_couplings_at_huge_r_vs_mpmath():
    # V(1e308) = 1/x - 1/x³ ...: 1e-308 (normal)
    assert keldysh.potential(1e308, 1.0) == pytest.approx(1e-308, rel=ULPS)
    # r = 1e160, r0 = 1e-100, Z = 1e300: r² = 1e320 overflowed (J was 0); J⊥ = Z p / r² = 1e-280
    r, r0, Z = 1e160, 1e-100, 1e300
    jp, jq = keldysh.couplings(np.array([r, 0.5 * r]), r0, Z=Z)
    for k, rr in enumerate((r, 0.5 * r)):
        with mp.workdps(30):    # p = 1/x - 3/x³, q = 2/x - 12/x³ (x = 1e260: next terms < 1e-500)
            X = mp.mpf(rr) / mp.mpf(r0)
            ref_p = mp.mpf(Z) * (1 / X - 3 / X**3) / mp.mpf(rr) ** 2
            ref_q = mp.mpf(Z) * (2 / X - 12 / X**3) / mp.mpf(rr) ** 2
        assert jp[k] == pytest.approx(float(ref_p), rel=ULPS)
        assert jq[k] == pytest.approx(float(ref_q), rel=ULPS)
    # moderate x at huge r (the split form has to reproduce the table): vs quadrature
    p, q = _mp_pq(3.7)
    jp, jq = keldysh.couplings(3.7e300, 1e300, Z=1e300)
    assert jp == pytest.approx(float(mp.mpf(1e300) * p / mp.mpf(3.7e300) ** 2), rel=ULPS)
    assert jq == pytest.approx(float(mp.mpf(1e300) * q / mp.mpf(3.7e300) ** 2), rel=ULPS)
    # true underflow rounds to zero (J ~ 1e-924), no error
    assert keldysh.couplings(1e308, 1.0) == (0.0, 0.0)


def test_field_above_the_film_at_huge_pearl_length_is_not_zero():
    # for r0 ≫ ρ, B_z ∝ g/r0 (not a small correction to something finite): r0 must not be
    # rounded to inf by the length rescaling. g/r0 = 1e-10 in both calls.
    a = keldysh.field_z([[1.0, 0.5]], (1, 0), 1e280, coupling=1e270, height=0.3)
    b = keldysh.field_z([[1.0, 0.5]], (1, 0), 1e10, height=0.3)
    assert a[0] == pytest.approx(b[0], rel=1e-9)      # O(ρ/r0) = 1e-10 differs between the two


# ------------------------------------------------------------------------------ 4. Ewald, tiny d/r0
@pytest.mark.parametrize("x", [1e-150, 1e-155, 1e-200, 1e-300, 5e-324])
def test_ewald_sums_at_tiny_d_over_r0(x):
    # E(d/r0) → E_limit + O(d/r0): equal to rounding below 1e-20. Before: the Ewald method gave NaN
    # from d/r0 ~ 1e-155 on ((q r0)² overflowed in the long-range transform).
    limit = lattice.energy_per_site(lattice.TRIANGULAR, 0.0, method="ewald", unscreened="limit")
    for method in lattice.METHODS:
        for state in ("ferro", "antiferro"):
            ref = lattice.energy_per_site(lattice.SQUARE, 0.0, state, method=method, unscreened="limit")
            # both methods agree to ~1e-14 (module docstring)
            assert lattice.energy_per_site(lattice.SQUARE, x, state, method=method) == \
                pytest.approx(ref, rel=1e-13)
        got = lattice.energy_per_site(lattice.TRIANGULAR, x, method=method)
        assert got == pytest.approx(limit, rel=1e-13)
    # the private engine itself (used by phase_diagram and island_lattice): no NaN
    b = lattice.basis(lattice.SQUARE)
    assert np.isfinite(_ewald.ewald_sum(b, 1.0 / x, np.zeros((1, 2)), "limit")).all()


@pytest.mark.parametrize("x", [1e10, 1e100, 1e307, 1.7e308])
def test_lattice_sums_at_huge_d_over_r0_are_linear_in_r0(x):
    # beyond r0: C = r0 × f(R) + O(r0³), so E (d/r0) is constant; the window method was 4 % off
    # at d/r0 = 1e307 (subnormals), the two methods must agree to ~1e-13
    ref = {m: lattice.energy_per_site(lattice.TRIANGULAR, 1e9, method=m) * 1e9 for m in lattice.METHODS}
    for m in lattice.METHODS:
        got = lattice.energy_per_site(lattice.TRIANGULAR, x, method=m)
        assert got * x == pytest.approx(ref[m], rel=1e-13)
    assert ref["ewald"] == pytest.approx(ref["window"], rel=1e-13)


# ------------------------------------------------------------------------------ 5. denormal r0
@pytest.mark.parametrize("r0", [5e-324, 1e-310, 2.5e-320])
@pytest.mark.parametrize("approximate", [True, False])
def test_denormal_pearl_length_couplings(r0, approximate):
    # Eq. 10: J⊥ = Z r0/(r²(r + r0)), J∥ = Z r0 (2r + r0)/(r²(r + r0)²); exact: p = 1/x - 3/x³.
    # Before: NaN (inf/inf) and 0 (x = r/r0 overflowed) for representable results.
    r = np.array([1.0, 1e-30, 1e-80, 1e100])
    Z = 1e300
    jp, jq = keldysh.couplings(r, r0, Z=Z, approximate=approximate)
    with mp.workdps(40):
        R0_, Zm = mp.mpf(r0), mp.mpf(Z)
        for k, rr in enumerate(r):
            R = mp.mpf(rr)
            if approximate:
                rp, rq = Zm * R0_ / (R * R * (R + R0_)), Zm * R0_ * (2 * R + R0_) / (R * R * (R + R0_) ** 2)
            else:
                X = R / R0_
                rp, rq = Zm * (1 / X - 3 / X**3) / R**2, Zm * (2 / X - 12 / X**3) / R**2
            for got, want in ((jp[k], rp), (jq[k], rq)):
                if abs(want) >= 2.2250738585072014e-308:
                    assert got == pytest.approx(float(want), rel=ULPS)
                else:                    # subnormal result: correctly rounded to the subnormal grid
                    assert abs(got - float(want)) <= 5e-324


# ------------------------------------------------------------------------------ 6. section 3
@pytest.mark.parametrize("theta", [1e-9, math.pi - 1e-9, 1e-3, 0.0099])
def test_lattice_angles_near_0_or_pi_are_refused_quickly(theta):
    # was: gigabytes of lattice points (killed); now a ValueError naming theta and the range
    for call in (lambda: lattice.energy_per_site(theta, 0.5),
                 lambda: lattice.coupling_fourier(theta, 0.5, [0.1, 0.2]),
                 lambda: lattice.disc_energy(theta, 0.5, 10.0),
                 lambda: lattice.luttinger_tisza(theta, 0.5, n=4)):
        with pytest.raises(ValueError, match=r"theta must lie in the range \[0.01"):
            call()
    with pytest.raises(ValueError, match=r"bracket\[0\]"):
        lattice.critical_angle(0.5, bracket=(theta if theta < 1 else 1e-9, 1.5))


def test_smallest_allowed_angle_agrees_between_methods():
    # the justification of THETA_MIN: at θ = 0.01 both engines still agree to ~1e-13
    th = lattice.THETA_MIN
    e = [lattice.energy_per_site(th, 0.5, method=m) for m in lattice.METHODS]
    assert e[0] == pytest.approx(e[1], rel=1e-12)


def test_coupling_fourier_reduces_huge_wavevectors_to_the_zone():
    b = lattice.reciprocal_basis(lattice.TRIANGULAR)
    k = np.array([0.3, -0.7])
    G = 1000 * b[0] - 7 * b[1]
    # J(k + G) = J(k) (periodic); the float k + G carries |k + G| eps ~ 1e-12 of absolute error
    np.testing.assert_allclose(lattice.coupling_fourier(lattice.TRIANGULAR, 0.5, k + G),
                               lattice.coupling_fourier(lattice.TRIANGULAR, 0.5, k), rtol=0, atol=1e-10)
    for big in (1e15, 1e300):
        with pytest.raises(ValueError, match="k must satisfy"):
            lattice.coupling_fourier(lattice.TRIANGULAR, 0.5, [big, 0.0])


@pytest.mark.parametrize("r, r0", [(1e300, 1.0), (1e300, 1e-300), (1e300, 1e300), (1e170, 5e-324),
                                   (1.0, 1e-300), (1.0, 1e300), (1e-170, 1e-300)])
def test_two_impurities_at_extreme_distances(r, r0):
    st = ground_state.two_impurities(r, r0)
    P, Q = _mp_pq(r / r0) if 1e-30 < r / r0 < 1e30 else ((1, 1) if r / r0 <= 1e-30 else (1, 2))
    a = float(mp.mpf(P) / mp.mpf(Q))                      # J⊥/J∥ = p/q (scale free)
    degenerate = 1 - a <= 8 * np.finfo(float).eps * (1 + a)
    assert st.degenerate == degenerate
    if not degenerate:   # unique FM minimum along r (paper Fig. 2b): θ1 = θ2 = 0
        assert abs(st.angles[0]) < 1e-7 and abs(st.angles[1]) < 1e-7
    jp, jq = keldysh.couplings(r, r0)
    assert (st.J_perp, st.J_par) == (float(jp), float(jq))
    assert st.energy == pytest.approx(-jq, rel=1e-12, abs=0) if not degenerate else True


def test_two_impurities_overflow_is_refused():
    with pytest.raises(ValueError, match="r and Z"):        # J = 1e600: no float
        ground_state.two_impurities(1e-300, 1.0)


_DIRAC = dict(E_F_eV=4.5e-3, hbar_vF_eVm=2.16e-11, Delta_eV=1.5e-3, exchange_eV=0.05,
              impurity_area_m2=1.6e-19, moment=5.0, spacing_m=2e-9)
_RASHBA = dict(v_F=3e5, alpha_eVm=1e-11, E_F_eV=0.1, Tc_K=5.0, exchange_eV=0.05,
               impurity_area_m2=1.6e-19, moment=1.0)


@pytest.mark.parametrize("cls, base, name", [(materials.DiracFilm, _DIRAC, n) for n in _DIRAC]
                         + [(materials.RashbaFilm, _RASHBA, n) for n in _RASHBA])
@pytest.mark.parametrize("value", [-1.0, math.nan, math.inf, True, "1", 1e300, 1e-300, 5e-324])
def test_material_parameters_refused_at_the_constructor(cls, base, name, value):
    # before: accepted, then a ZeroDivisionError / OverflowError / "pearl_length_zero must be > 0"
    # from pearl_length(), dipole_constant(), couplings_meV() ...
    if name == "exchange_eV" and value == -1.0:       # the sign of the exchange is physical
        assert cls(**{**base, name: value}).exchange < 0
        return
    with pytest.raises(ValueError, match=name):
        cls(**{**base, name: value})


@pytest.mark.parametrize("name", ["E_F_eV", "hbar_vF_eVm", "Delta_eV", "impurity_area_m2", "spacing_m"])
def test_material_zero_refused(name):
    with pytest.raises(ValueError, match=name):
        materials.DiracFilm(**{**_DIRAC, name: 0.0})


def test_materials_at_the_range_corners_give_finite_numbers():
    # every combination of range ends: all derived quantities finite and normal
    lo = {k: v[0] for k, v in materials.RANGES.items()}
    hi = {k: v[1] * (1 - 1e-12) for k, v in materials.RANGES.items()}
    for ends in (lo, hi):
        for other in (lo, hi):
            f = materials.DiracFilm(E_F_eV=ends["E_F_eV"], v_F=other["v_F"], Delta_eV=ends["Delta_eV"],
                                    exchange_eV=other["exchange_eV"], impurity_area_m2=ends["impurity_area_m2"],
                                    moment=other["moment"], spacing_m=ends["spacing_m"])
            vals = [f.pearl_length(), f.pearl_length(0.5), f.dipole_constant(), *f.couplings_meV(),
                    f.energy_unit_meV(), f.to_film().pearl_length]
            assert all(math.isfinite(v) and abs(v) >= np.finfo(float).tiny for v in vals)


def test_thermal_inputs_and_overflow():
    for t in (-0.1, 1.1, math.nan, [0.5, math.nan], True, "0.5"):
        with pytest.raises(ValueError, match="t"):
            thermal.superfluid_weight_ratio(t)
    # r0(T) = r0(0) D(0)/D(T) = 1e308 / 2e-15 is no float: was a RuntimeWarning and inf ("unscreened")
    with pytest.raises(ValueError, match="pearl_length_zero"):
        thermal.pearl_length_at(1 - 1e-15, 1e308)
    with pytest.raises(ValueError, match="pearl_length_zero"):
        thermal.couplings_vs_temperature(1.0, 1e308, 0.99999)
    assert thermal.pearl_length_at(1.0, 1e308) == math.inf          # t = 1: the normal state
    with pytest.raises(ValueError, match="Tc"):
        thermal.gap(0.0, 1.7e308)                                     # Δ(0) = 1.764 Tc = inf


def test_other_crashes_are_value_errors():
    with pytest.raises(ValueError, match="n must be"):               # was OverflowError
        lattice.luttinger_tisza(lattice.SQUARE, 0.5, n=1e308)
    with pytest.raises(ValueError, match="size"):                    # was OverflowError
        ensembles.random_positions(3.0, 1e308)
    # the printed (wrong) Eq. 13 at a huge Pearl length: a number, not an overflow warning
    assert np.isfinite(keldysh.paper_eq13_field([[1.0, 0.0]], (1, 0), 1e308)).all()
    with pytest.raises(ValueError, match="r1 - r2"):                 # positions ±1e308: d = inf
        keldysh.pair_energy((-1e308, 0), (1e308, 0), (1, 0), (1, 0), 1.0)
