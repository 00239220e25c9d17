"""Islands on an Fe(Te,Se) flake: r0 = 1.2 cm ≫ a 20 µm flake, so the edges set the couplings.

The Pearl length of the paper's Fe(Te,Se) estimate (``solver.materials.fe_te_se()``) is 1.2 cm;
on a flake of radius R = 10 µm the electromagnetic screening is a 1e-3 correction and the current
of an island is fixed by the no-current-through-the-edge condition instead. The stream function
then solves a Dirichlet problem in the disk, whose Green's function is the free one plus a Kelvin
image: an island's self energy drops towards the edge as −(s g²μ²/4π) R²/(R² − r²)², and a pair's
coupling depends on where the pair sits, not only on its separation.

Left: the self-energy shift of a probe island across the flake (one solve per position), with the
Kelvin-image formula along the x axis. Right: J∥ of a pair centred in the flake vs separation,
flake vs infinite film. Energies in meV for islands carrying the moment of one impurity of the
paper's estimate (|m| = 5); an island of N such impurities scales them by N².

Run:  python examples/flake_islands.py [OUTDIR]      (default ./out: PNG + netCDF)
"""
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import xarray as xr

import solver
from solver import film_geometry, keldysh, materials

out = Path(sys.argv[1] if len(sys.argv) > 1 else "out")
out.mkdir(parents=True, exist_ok=True)

fts = materials.fe_te_se()
r0 = fts.to_film(length_unit_m=1e-6).pearl_length          # µm (≈ 1.2e4)
meV = fts.energy_unit_meV(length_unit_m=1e-6)               # core energy unit in meV
R, w = 10.0, 0.4                                             # flake radius, island width (µm)
grid = solver.Grid((144, 144), 0.17)                         # 24.5 µm box
flake = solver.Film(r0, outline=film_geometry.disk((0, 0), R, 1024))
infinite = solver.Film(r0)


def self_energy(x, y, film):
    a = solver.exchange_map([solver.Island.gaussian((x, y), w, moment=(fts.moment, 0))], grid)
    return solver.solve(a, grid, film).energy


# self-energy shift of a probe island on a polar set of positions
F_inf = self_energy(0.0, 0.0, infinite)                      # translation invariant
rad = np.linspace(0.0, 0.8 * R, 7)
ang = np.linspace(0, 2 * np.pi, 9)[:-1]
pts = [(0.0, 0.0)] + [(r * np.cos(t), r * np.sin(t)) for r in rad[1:] for t in ang]
shift = np.array([self_energy(x, y, flake) - F_inf for x, y in pts]) * meV
kelvin = -(fts.moment**2 / (4 * np.pi)) * R**2 / (R**2 - rad**2) ** 2 * meV

# J∥ of a pair centred in the flake (moments along the pair axis)
seps = np.array([1.5, 2.5, 4.0, 6.0, 8.0])
j_flake, j_inf = [], []
for d in seps:
    isl = [solver.Island.gaussian((-d / 2, 0), w), solver.Island.gaussian((d / 2, 0), w)]
    j_flake.append(solver.interaction_energies(isl, grid, flake).couplings(0, 1)[1] * meV)
    j_inf.append(solver.interaction_energies(isl, grid, infinite).couplings(0, 1)[1] * meV)
j_flake, j_inf = np.array(j_flake) * fts.moment**2, np.array(j_inf) * fts.moment**2
j_point = keldysh.couplings(seps, r0, Z=infinite.dipole_constant())[1] * meV * fts.moment**2

fig, (ax_m, ax_j) = plt.subplots(1, 2, figsize=(11, 4.4), layout="constrained")
xs, ys = np.array(pts).T
sc = ax_m.scatter(xs, ys, c=shift, s=120, cmap="viridis")
ax_m.plot(*np.vstack([flake.outline, flake.outline[:1]]).T, "k-", lw=1)
ax_m.set(aspect="equal", xlabel="x (µm)", ylabel="y (µm)",
         title=f"self-energy shift of a probe island (r0 = {r0 / 1e4:.1f} cm)")
fig.colorbar(sc, ax=ax_m, label="F_flake − F_infinite (meV)")
inset = ax_m.inset_axes([0.62, 0.06, 0.36, 0.3])
inset.plot(rad, shift[[0] + list(range(1, len(pts), len(ang)))], "o", ms=3, label="solver")
inset.plot(rad, kelvin, "-", lw=1, label="Kelvin image")
inset.tick_params(labelsize=6)
inset.legend(fontsize=6)
ax_j.plot(seps, j_flake, "o-", label="flake (R = 10 µm)")
ax_j.plot(seps, j_inf, "s--", label="infinite film")
ax_j.plot(seps, j_point, ":", label="point dipoles (Keldysh)")
ax_j.set(xlabel="separation d (µm)", ylabel="J∥ (meV)", yscale="log",
         title="pair coupling, pair centred in the flake")
ax_j.legend()
fig.savefig(out / "flake_islands.png", dpi=120)

ds = xr.Dataset({"self_energy_shift_meV": ("position", shift), "x": ("position", xs),
                 "y": ("position", ys), "J_par_flake_meV": ("separation", j_flake),
                 "J_par_infinite_meV": ("separation", j_inf)},
                coords={"separation": seps}, attrs={"pearl_length_um": r0, "flake_radius_um": R})
solver.save(ds, out / "flake_islands.nc")
print(f"wrote {out / 'flake_islands.png'} and {out / 'flake_islands.nc'}; "
      f"self-energy shift at 0.8 R: {shift[-1]:.3g} meV (Kelvin image {kelvin[-1]:.3g} meV)")
