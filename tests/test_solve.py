"""Physics of the spectral solver, each checked against something independent."""
import math

import numpy as np
import pytest

import solver
from solver import Island, kernels
import _reference as ref


def _rel(x, y):
    return np.max(np.abs(x - y)) / np.max(np.abs(y))


@pytest.fixture(scope="module")
def scene():
    g = solver.Grid((96, 128), 0.04)
    isl = [Island.gaussian((-0.9, 0.1), 0.1, (1.0, 0.4)), Island.disk((0.6, -0.3), 0.35, (0.2, -1.0)),
           Island.rectangle((0.8, 0.7), (0.6, 0.25), 0.5, (-0.5, 0.5), edge_width=0.04)]
    return g, isl


def test_energy_equals_fourier_form_periodic(scene):
    """−½∫j·a (real space) equals (s/2)∫K|a_t|² evaluated independently with numpy's FFT
    and an explicit transverse projector (K times the documented grid filter
    ``kernels.spectral_filter``). Tolerance 1e-12: two round-off-level evaluations."""
    g, isl = scene
    film = solver.Film(0.9, stiffness=1.7)
    a = ref.drop_nyquist(solver.exchange_map(isl, g, boundary="periodic"), g)
    sol = solver.solve(a, g, film, "periodic")
    F_real = -0.5 * np.sum(sol.current * a) * g.cell_area
    F_fourier = ref.periodic_fourier_energy(a, g, film.pearl_length, film.stiffness)
    assert abs(F_real / F_fourier - 1) < 1e-12
    assert abs(sol.energy / F_fourier - 1) < 1e-12
    assert sol.energy > 0


def test_current_is_minus_s_times_A_plus_a_t_periodic(scene):
    """j = −s (A + a_t) (Eq. 4), a_t from an independent numpy projector of the filtered source
    (``kernels.spectral_filter``, applied to every multiplier); checks A's kernel."""
    g, isl = scene
    film = solver.Film(0.6, stiffness=2.0)
    a = ref.drop_nyquist(solver.exchange_map(isl, g, boundary="periodic"), g)
    sol = solver.solve(a, g, film, "periodic")
    kx = 2 * np.pi * np.fft.fftfreq(g.nx, g.spacing)[None, :]
    ky = 2 * np.pi * np.fft.fftfreq(g.ny, g.spacing)[:, None]
    ah = np.fft.fft2(a) * kernels.spectral_filter(kx, ky, g.spacing)
    q2 = kx**2 + ky**2
    q2[0, 0] = 1.0
    dot = (kx * ah[0] + ky * ah[1]) / q2
    at = np.fft.ifft2(ah - np.array([kx * dot, ky * dot])).real
    at -= a.mean(axis=(1, 2), keepdims=True)  # the q = 0 mode carries no current
    assert _rel(sol.current, -film.stiffness * (sol.vector_potential + at)) < 1e-11


@pytest.mark.parametrize("boundary", ["periodic", "open"])
def test_gauge_invariance(scene, boundary):
    """a → a + ∇χ changes nothing (j, A, B_z, F to 1e-12 relative). χ: a smooth bump inside the
    grid with its spectral gradient; spectral accuracy makes the open-boundary leak ~1e-15."""
    g, isl = scene
    film = solver.Film(1.3)
    a = solver.exchange_map(isl, g, boundary=boundary)
    X, Y = g.meshgrid()
    chi = 0.7 * np.exp(-((X - 0.3) ** 2 + (Y + 0.1) ** 2) / (2 * 0.25**2))
    s1 = solver.solve(a, g, film, boundary)
    s2 = solver.solve(a + ref.periodic_spectral_gradient(chi, g), g, film, boundary)
    assert _rel(s2.current, s1.current) < 1e-12
    assert _rel(s2.vector_potential, s1.vector_potential) < 1e-12
    assert _rel(s2.field_z(0.07), s1.field_z(0.07)) < 1e-12
    assert abs(s2.energy / s1.energy - 1) < 1e-12


@pytest.mark.parametrize("boundary", ["periodic", "open"])
def test_linearity_and_reciprocity(scene, boundary):
    """F(a1 + a2) = F1 + F2 + F12 and F12 = F21 (bilinearity and symmetry of the kernel)."""
    g, isl = scene
    film = solver.Film(0.5)
    a1 = solver.exchange_map(isl[:1], g, boundary=boundary)
    a2 = solver.exchange_map(isl[1:], g, boundary=boundary)
    s1, s2 = solver.solve(a1, g, film, boundary), solver.solve(a2, g, film, boundary)
    s12 = solver.solve(a1 + a2, g, film, boundary)
    f12, f21 = s1.interaction_with(s2), s2.interaction_with(s1)
    assert abs(f12 - f21) < 1e-13 * abs(f12)
    assert abs(s12.energy - (s1.energy + s2.energy + f12)) < 1e-13 * s12.energy
    assert _rel(s12.current, s1.current + s2.current) < 1e-13
    # F12 = −∫ j1·a2 in real space
    assert abs(-np.sum(s1.current * a2) * g.cell_area / f12 - 1) < 1e-12


def test_translation_covariance_open():
    """Shifting the islands by whole cells shifts the open-boundary fields exactly."""
    g = solver.Grid((64, 64), 0.05)
    film = solver.Film(0.7)
    isl = [Island.disk((-0.3, 0.0), 0.25, (1, 0.5)), Island.gaussian((0.4, 0.2), 0.1, (0, 1))]
    shift = np.array([5, -3]) * g.spacing
    moved = [Island.disk(tuple(np.add((-0.3, 0.0), shift)), 0.25, (1, 0.5)),
             Island.gaussian(tuple(np.add((0.4, 0.2), shift)), 0.1, (0, 1))]
    s1 = solver.solve(solver.exchange_map(isl, g), g, film)
    s2 = solver.solve(solver.exchange_map(moved, g), g, film)
    assert abs(s2.energy / s1.energy - 1) < 1e-12
    j1 = np.roll(s1.current, (-3, 5), axis=(1, 2))[:, 10:-10, 10:-10]
    assert _rel(s2.current[:, 10:-10, 10:-10], j1) < 1e-11
    b1 = np.roll(s1.field_z(0.1), (-3, 5), axis=(0, 1))[10:-10, 10:-10]
    assert _rel(s2.field_z(0.1)[10:-10, 10:-10], b1) < 1e-11


def test_rotation_covariance_open():
    """Rotating the scene by 90° rotates j as a vector and B_z as a scalar; an arbitrary rotation of
    a Gaussian pair leaves the pair energy unchanged (continuum isotropy, grid-independent)."""
    g = solver.Grid((64, 64), 0.05)
    film = solver.Film(1.1)
    isl = [Island.ellipse((-0.4, 0.2), (0.3, 0.15), 0.3, (1.0, 0.2))]
    rot = [Island.ellipse((-0.2, -0.4), (0.3, 0.15), 0.3 + math.pi / 2, (-0.2, 1.0))]
    s1 = solver.solve(solver.exchange_map(isl, g), g, film)
    s2 = solver.solve(solver.exchange_map(rot, g), g, film)
    assert abs(s2.energy / s1.energy - 1) < 1e-12
    # new(r) = R old(R⁻¹ r); with y along the row index, np.rot90(k=-1) is the +90° rotation
    j1 = s1.current
    jr = np.array([-np.rot90(j1[1], k=-1), np.rot90(j1[0], k=-1)])
    assert _rel(s2.current, jr) < 1e-11
    assert _rel(s2.field_z(0.05), np.rot90(s1.field_z(0.05), k=-1)) < 1e-11
    # arbitrary angle, Gaussians (exact on any grid to spectral accuracy)
    g2 = solver.Grid((96, 96), 0.03)
    energies = []
    for ang in (0.0, 0.37, 1.1):
        c, s = math.cos(ang), math.sin(ang)
        pair = [Island.gaussian((-0.5 * c, -0.5 * s), 0.075, (c, s)),
                Island.gaussian((0.5 * c, 0.5 * s), 0.075, (-s, c))]
        ie = solver.interaction_energies(pair, g2, film)
        rot_back = np.array([[c, -s], [s, c]])
        energies.append(rot_back.T @ ie.tensors[0, 1] @ rot_back)  # tensor in the pair frame
    for t in energies[1:]:
        assert np.max(np.abs(t - energies[0])) < 1e-10 * np.max(np.abs(energies[0]))


@pytest.mark.parametrize("r0", [0.3, 2.0, math.inf])
def test_open_gaussian_pair_matches_hankel_quadrature(r0):
    """Open boundary, two Gaussian islands: pair tensor and self energy equal the 1-D Hankel
    integrals of the same continuum problem (tests/_reference.py) to <= 1e-8 relative (we see
    ~1e-13: the free-space kernel is exact to quadrature accuracy)."""
    h, w, d = 0.02, 0.05, 1.0
    g = solver.Grid((128, 160), h)
    film = solver.Film(r0, stiffness=1.3)
    pair = [Island.gaussian((-d / 2, 0.1), w, (1, 0)), Island.gaussian((d / 2, 0.1), w, (1, 0))]
    ie = solver.interaction_energies(pair, g, film, coupling=0.8)
    c_par, c_perp = ref.gaussian_pair_tensor(d, w, w, r0, stiffness=1.3, coupling=0.8)
    T = ie.tensors[0, 1]
    assert abs(T[0, 0] / c_par - 1) < 1e-8
    assert abs(T[1, 1] / c_perp - 1) < 1e-8
    assert abs(T[0, 1]) < 1e-10 * abs(c_par)
    f_self = ref.gaussian_self_energy(w, r0, stiffness=1.3, coupling=0.8)
    assert abs(ie.self_energies[0] / f_self - 1) < 1e-8


def test_open_gaussian_fields_match_hankel_quadrature():
    """j, A and B_z (z = 0 and above) of one Gaussian island equal their Hankel integrals
    (1e-9 of the field maximum: quad's own accuracy is ~1e-12 relative)."""
    h, w, r0 = 0.02, 0.06, 0.7
    g = solver.Grid((128, 128), h)
    film = solver.Film(r0)
    mu = np.array([0.6, 0.8])
    c = np.array([0.1, -0.05])
    sol = solver.solve(solver.exchange_map(Island.gaussian(c, w, mu), g), g, film)
    X, Y = g.meshgrid()
    points = [(64, 90), (40, 70), (110, 20), (64, 66), (8, 120)]
    for z in (0.0, 0.05, 0.3):
        B = sol.field_z(z)
        for iy, ix in points:
            dx, dy = X[iy, ix] - c[0], Y[iy, ix] - c[1]
            r = math.hypot(dx, dy)
            expect = ref.gaussian_field_z(r, (mu[0] * dx + mu[1] * dy) / r / np.linalg.norm(mu), w, r0, z,
                                          moment=np.linalg.norm(mu))
            assert abs(B[iy, ix] - expect) < 1e-9 * np.abs(B).max()
    for kind, field in (("current", sol.current), ("vector_potential", sol.vector_potential)):
        for iy, ix in points:
            dx, dy = X[iy, ix] - c[0], Y[iy, ix] - c[1]
            expect = ref.gaussian_vector_field(dx, dy, mu, w, r0, kind)
            assert np.max(np.abs(field[:, iy, ix] - expect)) < 1e-9 * np.abs(field).max()


def test_field_of_small_island_matches_point_impurity_far_away():
    """B_z(r, z) far from a small Gaussian island equals the analytic point-impurity field
    (solver.keldysh.field_z, docs/physics.md) up to the finite-size correction O((w/r)²)."""
    from solver import keldysh

    h, w, r0 = 0.02, 0.04, 0.5
    g = solver.Grid((160, 160), h)
    sol = solver.solve(solver.exchange_map(Island.gaussian((0, 0), w, (1, 0)), g), g, solver.Film(r0))
    X, Y = g.meshgrid()
    for z in (0.0, 0.2):
        B = sol.field_z(z)
        for iy, ix in [(80, 150), (20, 130), (140, 100)]:
            r = math.hypot(X[iy, ix], Y[iy, ix])
            point = keldysh.field_z(np.array([X[iy, ix], Y[iy, ix]]), (1.0, 0.0), r0, height=z)
            assert abs(B[iy, ix] / point - 1) < 10 * (w / r) ** 2


def test_periodic_boxes_converge_to_open():
    """Growing periodic boxes approach the open-boundary pair energy; images fall as 1/L³ for
    L ≫ r0, so each doubling cuts the error by ~8 (we require > 4)."""
    h, w, d, r0 = 0.05, 0.12, 1.0, 0.4
    pair = [Island.gaussian((-d / 2, 0), w, (1, 0)), Island.gaussian((d / 2, 0), w, (1, 0))]
    film = solver.Film(r0)
    exact = solver.interaction_energies(pair, solver.Grid((64, 64), h), film).pair_energies[0, 1]
    errors = []
    for n in (64, 128, 256):
        ie = solver.interaction_energies(pair, solver.Grid((n, n), h), film, boundary="periodic")
        errors.append(abs(ie.pair_energies[0, 1] / exact - 1))
    assert errors[0] > 4 * errors[1] > 16 * errors[2]
    assert errors[2] < 2e-3


@pytest.mark.parametrize("boundary", ["open", "periodic"])
def test_batched_coupling_tensors_match_real_space_solves(boundary):
    """The batched (multi-field FFT + matrix-product) tensors of interaction_energies equal
    C_ij[α, β] = −∫ j[i, e_α]·a[j, e_β] d²r from separate unit-moment solves and real-space
    cell sums (a second route: inverse transforms instead of Parseval). Tolerance 1e-11 of the
    largest entry: both are exact discrete identities, differing by round-off of ~10⁴-term sums."""
    g = solver.Grid((64, 72), 0.04)
    film = solver.Film(0.6, stiffness=1.4)
    isl = [Island.disk((-0.6, -0.3), 0.25), Island.ellipse((0.5, 0.4), (0.3, 0.15), angle=0.4),
           Island.gaussian((0.1, -0.5), 0.09)]
    ie = solver.interaction_energies(isl, g, film, boundary=boundary, coupling=0.7)
    unit = [(1.0, 0.0), (0.0, 1.0)]
    maps = [[solver.exchange_map([isl[i].with_moment(m)], g, coupling=0.7, boundary=boundary)
             for m in unit] for i in range(3)]
    ref = np.empty((3, 3, 2, 2))
    for i in range(3):
        for al in range(2):
            j = solver.solve(maps[i][al], g, film, boundary).current
            for k in range(3):
                for be in range(2):
                    ref[i, k, al, be] = -np.sum(j * maps[k][be]) * g.cell_area
    # interaction_energies adds the sub-grid edge self energy ΔC_i (sources.edge_energy_tensors)
    # to C_ii; the real-space sums see the grid map only
    grid_part = np.array(ie.tensors)
    grid_part[range(3), range(3)] -= solver.sources.edge_energy_tensors(isl, g, film, 0.7)
    assert np.abs(grid_part - ref).max() <= 1e-11 * np.abs(ref).max()


@pytest.mark.parametrize("boundary", ["open", "periodic"])
def test_single_precision_accuracy(boundary):
    """precision='single' (float32 transforms and multipliers) against the double solve.
    Bounds: fields 2e-6 of their maximum and energy 1e-6 relative, i.e. ~30 ε₃₂ — the float32
    round-off of a forward and an inverse FFT (error ~ ε₃₂ · log₂ N ≈ 1e-6 at 128²) plus one
    multiplier pass. Measured values are in the README (float32 section)."""
    g = solver.Grid((64, 64), 0.04)
    film = solver.Film(0.5)
    a = solver.exchange_map([Island.disk((-0.3, 0.1), 0.3, (1, 0.5)),
                             Island.gaussian((0.5, -0.4), 0.08, (0, 1))], g)
    d = solver.solve(a, g, film, boundary)
    s = solver.solve(a, g, film, boundary, precision="single")
    assert s.current.dtype == np.float32 and s.field_z(0.1).dtype == np.float32
    for name in ("current", "vector_potential"):
        ref = getattr(d, name)
        assert np.abs(getattr(s, name) - ref).max() <= 2e-6 * np.abs(ref).max(), name
    ref = d.field_z(0.1)
    assert np.abs(s.field_z(0.1) - ref).max() <= 2e-6 * np.abs(ref).max()
    assert abs(s.energy / d.energy - 1) <= 1e-6
