"""A superconducting ring with a trapped fluxoid and a magnetic island next to the hole.

A ring (inner radius 4, outer 10, r0 = 50: Λ ≫ the ring, the kinetic-inductance regime) traps a
fluxoid Φ; its circulating current I = Φ/L passes under an island in the ring. Through the
spin–orbit gauge field a the current couples to the island's in-plane moment, linearly:
E(μ) = −∫ j_Φ·a[μ] = −μ·h_Φ, an effective exchange field h_Φ ∝ Φ that points across the
current (a = g(μ×ẑ)S). The trapped flux therefore orients the island's moment — and reversing
Φ reverses the preferred direction.

Left: the sheet current of the ring with Φ trapped and the island magnetised along x.
Right: the island's energy vs its moment angle for Φ = −1, 0, +1 (units of ∮A·dl), from one
solve per Φ and the island's unit-moment sources (the Φ-independent self energy included).

Run:  python examples/ring_fluxoid.py [OUTDIR]      (default ./out: PNG + netCDF)
"""
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import xarray as xr

import solver
from solver import film_geometry, plotting

out = Path(sys.argv[1] if len(sys.argv) > 1 else "out")
out.mkdir(parents=True, exist_ok=True)

grid = solver.Grid((128, 128), 0.18)                         # 23 (length unit) box
outline, hole = film_geometry.ring((0, 0), 4.0, 10.0)
film = solver.Film(50.0, outline=outline, holes=[hole])
island = solver.Island.gaussian((0.0, 6.0), 0.6, moment=(1.0, 0.0))

# the ring alone with Φ = 1, and the island's two unit-moment sources
ring_current = solver.solve(None, grid, film, fluxoids=[1.0])
units = [solver.solve(solver.exchange_map([island.with_moment(m)], grid), grid, film)
         for m in ((1.0, 0.0), (0.0, 1.0))]
h = np.array([-ring_current.interaction_with(u) for u in units])   # E = −μ·h per unit Φ
ie = solver.interaction_energies([island], grid, film)
C = ie.tensors[0, 0]                                                # self energy ½ μ·C·μ

theta = np.linspace(0, 2 * np.pi, 181)
mu = np.stack([np.cos(theta), np.sin(theta)])
energy = {phi: 0.5 * np.einsum("at,ab,bt->t", mu, C, mu) - phi * (h @ mu) for phi in (-1, 0, 1)}

both = solver.solve(solver.exchange_map([island], grid), grid, film, fluxoids=[1.0],
                    islands=[island])
fig, (ax_j, ax_e) = plt.subplots(1, 2, figsize=(11, 4.6), layout="constrained")
plotting.current_streamlines(both, ax=ax_j)
ax_j.set_title(f"Φ = 1 trapped, island along x (I = {both.hole_currents[0]:.3g})")
for phi, e in energy.items():
    ax_e.plot(np.degrees(theta), e, label=f"Φ = {phi:+d}")
ax_e.set(xlabel="island moment angle θ (deg)", ylabel="energy (s g² μ² units)",
         title=f"island energy vs moment angle (|h_Φ| = {np.hypot(*h):.3g} per unit Φ)")
ax_e.legend()
fig.savefig(out / "ring_fluxoid.png", dpi=120)
ds = both.to_dataset()
ds["energy_vs_angle"] = (("fluxoid", "theta"), np.stack([energy[p] for p in (-1, 0, 1)]))
ds = ds.assign_coords(fluxoid=[-1.0, 0.0, 1.0], theta=theta)
solver.save(ds, out / "ring_fluxoid.nc")
best = {p: np.degrees(theta[np.argmin(e)]) for p, e in energy.items() if p}
print(f"wrote {out / 'ring_fluxoid.png'} and {out / 'ring_fluxoid.nc'}; hole current per unit "
      f"fluxoid {ring_current.hole_currents[0]:.4g}; preferred angle Φ=+1: {best[1]:.0f}°, "
      f"Φ=−1: {best[-1]:.0f}°")
