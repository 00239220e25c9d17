"""Two magnetic impurities: ground-state energy and moment angles vs r/r0 (cf. paper Fig. 2b).

With the electromagnetic field (finite Pearl length r0) the moments align parallel to the
line joining them (θ1 = θ2 = 0, energy -J_par). Without it (r0 → ∞) J_perp = J_par = Z/r² and
any θ1 = -θ2 is a ground state (energy -Z/r²): the degeneracy the B² term lifts.

Run:  python examples/two_impurities.py [OUTDIR]      (default ./out: PNG + netCDF)

Writes OUTDIR/two_impurities.png and .nc (energies and angles vs r/r0, with and without EM field).
"""
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import xarray as xr

import solver
from solver import ground_state

out = Path(sys.argv[1] if len(sys.argv) > 1 else "out")
out.mkdir(parents=True, exist_ok=True)

r0, Z = 1.0, 1.0                                    # lengths in units of r0, energies in Z/r0²
x = np.geomspace(1e-2, 1e2, 61)                     # r / r0
with_em = [ground_state.two_impurities(xi * r0, r0, Z=Z) for xi in x]
without = [ground_state.two_impurities(xi * r0, np.inf, Z=Z, seed=k) for k, xi in enumerate(x)]

fig, (ax_e, ax_a) = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
ax_e.loglog(x, [-s.energy * (xi * r0) ** 2 / Z for s, xi in zip(with_em, x)], label="with EM field ($-J_\\parallel r^2/Z$)")
ax_e.loglog(x, [-s.energy * (xi * r0) ** 2 / Z for s, xi in zip(without, x)], "--", label="without ($r_0\\to\\infty$)")
ax_e.set(xlabel="$r/r_0$", ylabel="$-F_{\\min}\\, r^2/Z$", title="ground-state energy")
ax_e.legend()

deg = np.degrees
ax_a.fill_between(x, -90, 90, color="C1", alpha=0.15, label="without: any $\\theta_1=-\\theta_2$")
ax_a.plot(x, deg([s.angles[0] for s in without]), "C1o", ms=3, label="without: member found ($\\theta_1$)")
ax_a.plot(x, deg([s.angles[1] for s in without]), "C1x", ms=3, label="without: $\\theta_2$")
ax_a.plot(x, deg([s.angles[0] for s in with_em]), "C0-", lw=2, label="with EM: $\\theta_1=\\theta_2=0$")
ax_a.set(xscale="log", xlabel="$r/r_0$", ylabel="angle from $\\hat r$ (deg)", ylim=(-95, 95),
         title="moment directions")
ax_a.legend(fontsize=8, loc="lower left")

fig.savefig(out / "two_impurities.png", dpi=120)
runs = (with_em, without)                           # the "em" coordinate: EM field on / off
ds = xr.Dataset({"energy": (("em", "r"), [[s.energy for s in run] for run in runs], {"units": "Z/r0^2"}),
                 "theta1": (("em", "r"), [[s.angles[0] for s in run] for run in runs], {"units": "rad"}),
                 "theta2": (("em", "r"), [[s.angles[1] for s in run] for run in runs], {"units": "rad"})},
                coords={"em": ["with", "without"], "r": ("r", x * r0, {"units": "r0"})},
                attrs={"title": "two point impurities: ground state vs distance (cf. paper Fig. 2b)"})
solver.save(ds, out / "two_impurities.nc")
print(f"wrote {out / 'two_impurities.png'} and .nc; degenerate without EM: "
      f"{all(s.degenerate for s in without)}, with EM: {any(s.degenerate for s in with_em)}")
