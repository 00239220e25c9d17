"""Lattices of finite islands by periodic spectral solves (solver.island_lattice)."""
import math
import warnings

import numpy as np
import pytest
from scipy.integrate import quad

from solver import _ewald
from solver.island_lattice import island_lattice, supercell
from solver.sources import UnresolvedIslandWarning


def gaussian_lattice_reference(basis, r0, q, width):
    """Exact interaction tensor per site of a lattice of Gaussian islands (profile
    exp(-r²/2w²)), independent of the spectral solver: the smeared pair tensor has transform
    C̃(q) e^{-q²w²}, so J = (1/A_c) Σ_G C̃(Q+G) e^{-|Q+G|²w²} - C_smeared(0), with
    C_smeared(0) = δ ½ ∫_0^∞ q² r0/(1+q r0) e^{-q²w²} dq (adaptive quadrature). Z = 1."""
    rec = _ewald.reciprocal(basis)
    g = np.vstack([np.zeros((1, 2)), _ewald.lattice_points(rec, 9.0 / width + np.hypot(*q))])
    k = q[None, :] + g
    kn = np.hypot(k[:, 0], k[:, 1])
    k, kn = k[kn > 1e-12], kn[kn > 1e-12]
    vt = 2 * math.pi / kn**2 if math.isinf(r0) else 2 * math.pi * r0 / (kn * (1 + kn * r0))
    t = np.einsum("n,na,nb->ab", vt * np.exp(-(kn * width) ** 2), k, k) / _ewald.cell_area(basis)
    kern = (lambda x: x) if math.isinf(r0) else (lambda x: x * x * r0 / (1 + x * r0))
    s = 0.5 * quad(lambda x: kern(x) * math.exp(-(x * width) ** 2), 0, np.inf, epsabs=0,
                   epsrel=1e-13, limit=400)[0]
    return t - s * np.eye(2)


@pytest.mark.parametrize("lattice", ["square", "triangular"])
@pytest.mark.parametrize("state", ["ferro", "antiferro"])
@pytest.mark.parametrize("d_over_r0", [1 / 50, 2.0, 0.0])
def test_gaussian_islands_match_exact_smeared_lattice_sum(lattice, state, d_over_r0):
    """Periodic solve minus the open-boundary self energy = the exact smeared lattice sum.
    Sources: Gaussians of width 0.03 d on h = d/112 (w/h = 3.4: aliasing e^{-(πw/h)²/2} ~ 1e-25,
    wrap-around e^{-(d/2)²/2w²} ~ 0). Observed agreement 1e-12...3e-11 (the open-boundary
    self energy and quad limit it); tolerance 1e-9 relative."""
    w = 0.03
    res = island_lattice(lattice, d_over_r0, "gaussian", w, state, cells=112)
    r0 = math.inf if d_over_r0 == 0 else 1 / d_over_r0
    q = np.zeros(2) if state == "ferro" else _ewald.reciprocal(res.basis)[1] / 2
    ref = gaussian_lattice_reference(res.basis, r0, q, w)
    assert np.max(np.abs(res.tensor - ref)) < 1e-9 * np.max(np.abs(ref))


@pytest.mark.parametrize("lattice, state", [("square", "antiferro"), ("triangular", "ferro")])
def test_islands_converge_to_point_lattice(lattice, state):
    """As the islands shrink the energy tends to the point-lattice sum (Ewald, same basis) with an
    error ∝ ⟨ρ²⟩/d²: halving a Gaussian's width divides it by 4 (±5 %); a smooth-edged disk of
    radius 0.04 d is within 1e-4 relative."""
    e = {}
    for w in (0.04, 0.02):
        r = island_lattice(lattice, 1 / 50, "gaussian", w, state, cells=112)
        e[w] = r.energy - r.point_energy
    assert abs(e[0.04] / e[0.02] - 4) < 0.2
    assert abs(e[0.02]) < 2e-5 * abs(r.point_energy)
    with warnings.catch_warnings():  # radius 0.04 d = 4.5 cells at 112 cells per d: resolved
        warnings.simplefilter("error", UnresolvedIslandWarning)
        disk = island_lattice(lattice, 1 / 50, "disk", 0.04, state, cells=112, edge_width=0.01)
    assert abs(disk.energy / disk.point_energy - 1) < 1e-4


def test_supercell_geometry():
    """Sites sit on cell corners; the triangular cell is d × (n_y/n) d with n_y/n within 1e-4 of √3
    at n = 112; the layered AFM alternates between rows along d1."""
    grid, sites, signs, basis = supercell("triangular", "antiferro", 112)
    assert abs(grid.ny / grid.nx - math.sqrt(3)) < 1e-4
    assert np.allclose(sites[1] - sites[0], basis[1]) and list(signs) == [1.0, -1.0]
    assert np.allclose(np.mod(sites / grid.spacing + 1e-9, 1.0), 1e-9)
    grid, sites, signs, basis = supercell("square", "antiferro", 16)
    assert grid.shape == (32, 16) and np.allclose(sites[:, 1], [-0.5, 0.5])


@pytest.mark.parametrize("kwargs, name", [
    ({"lattice": "kagome"}, "lattice"),
    ({"state": "afm_diag"}, "state"),
    ({"cells": 63}, "cells"),
    ({"size": 0.3}, "size"),
    ({"d_over_r0": -1.0}, "d_over_r0"),
    ({"island": "blob"}, "island"),
])
def test_bad_input(kwargs, name):
    with pytest.raises(ValueError, match=name):
        island_lattice(**kwargs)
