"""All benchmarks in one run: solver scaling 256²…8192² (periodic, open; double and single
precision) against the bare FFTs (unpruned, pruned, estimate planner), operator builds, the
first solve in a fresh process, peak RSS, batched sources, 10⁶ couplings, θ_c and phase
diagrams. Each solver case runs in its own subprocesses (see ``bench_solve.py``).

    python benchmarks/run.py [--quick] [--json benchmarks/results.json] [--readme benchmarks/README.md]

Writes the JSON and regenerates the Markdown between the ``<!-- generated -->`` markers of the
README (the prose around them is kept). ``--quick`` (sizes 256…1024, 2 repeats) is a smoke run.
Options of ``bench_solve.py`` (``--sizes``, ``--repeats``, ``--threads``, ...) are accepted too.
"""
from __future__ import annotations

import json
import math
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_couplings  # noqa: E402
import bench_lattice  # noqa: E402
import bench_solve  # noqa: E402

BEGIN, END = "<!-- generated: begin -->", "<!-- generated: end -->"


def markdown(res: dict) -> str:
    """The generated README section: machine line and all tables."""
    m = res["machine"]
    c, lat = res["couplings"], res["lattice"]
    crit = lat["critical_angle"]
    lines = [
        f"Machine: {m['machine']}, {m['system']}, {m['cores']} cores, {m['memory_GiB']} GiB "
        f"available; python {m['python']}, numpy {m['numpy']}, scipy {m['scipy']}, pyfftw "
        f"{m['pyfftw']}, solver {m['solver']}. FFT backend **{m['backend']}**, "
        f"**{m['threads']} threads**, planner {m['planner']}. Medians of {res['repeats']} "
        "repeats.", "",
        "### Solve vs bare FFTs", "",
        bench_solve.table_solve(res["solve"]), "",
        "### Builds, first solve in a fresh process, memory", "",
        bench_solve.table_builds(res["solve"]), "",
        "### Many sources in one call (open pair coupling tensors)", "",
        bench_solve.table_batched(res["batched"]), "",
        "### Analytic parts", "",
        "| quantity | time |", "|---|---|",
    ]
    for rng, t in c["exact_s"].items():
        lines.append(f"| 10⁶ exact couplings J⊥, J∥, r/r0 ∈ {rng} | {t * 1e3:.1f} ms |")
    lines.append(f"| 10⁶ approximate (paper Eq. 10) | {c['approximate_eq10_s'] * 1e3:.1f} ms |")
    lines.append(f"| 10⁶ naive scipy Struve/Y0 (inaccurate; for comparison) | "
                 f"{c['naive_scipy_s'] * 1e3:.0f} ms |")
    lines.append(f"| lattice: four ordered-state energies (Ewald) | "
                 f"{lat['state_energies_ewald_s'] * 1e3:.2f} ms |")
    for x, v in crit.items():
        lines.append(f"| θ_c to 1e-10 rad, d/r0 = {x} (Ewald; window method differs by "
                     f"{v['methods_diff_rad']:.0e} rad): {v['theta_c_deg']:.6f}° | "
                     f"{v['ewald_s'] * 1e3:.1f} ms |")
    lines.append(f"| 50×50 (θ, T) phase diagram, thermodynamic limit | "
                 f"{lat['phase_diagram_50x50_thermodynamic_s']:.2f} s |")
    return "\n".join(lines)


def update_readme(path: Path, section: str) -> None:
    text = path.read_text() if path.exists() else f"# Benchmarks\n\n{BEGIN}\n{END}\n"
    if BEGIN not in text or END not in text:
        text = text.rstrip() + f"\n\n{BEGIN}\n{END}\n"
    pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.S)
    text = pattern.sub(lambda _: f"{BEGIN}\n{section}\n{END}", text)
    path.write_text(text)


def main() -> None:
    p = bench_solve.parser()
    p.description = __doc__
    p.add_argument("--quick", action="store_true", help="sizes 256…1024, 2 repeats (smoke run)")
    p.add_argument("--readme", default=str(HERE / "README.md"))
    p.set_defaults(json=str(HERE / "results.json"))
    args = p.parse_args()
    if args.quick:
        args.sizes, args.single_sizes, args.repeats = [256, 512, 1024], [1024], 2
        args.batched = [512, 8]
    res = bench_solve.run(args)
    res["repeats"] = args.repeats
    res["couplings"] = bench_couplings.measure(10**6, max(3, args.repeats))
    res["lattice"] = bench_lattice.measure(max(3, args.repeats))
    section = markdown(res)
    print(section)
    Path(args.json).write_text(json.dumps(_strict_json(res), indent=1, default=float, allow_nan=False))
    update_readme(Path(args.readme), section)
    print(f"wrote {args.json} and the generated section of {args.readme}")


def _strict_json(value):
    """NaN/inf (not measured, e.g. kernel columns of periodic rows) as null: strict JSON."""
    if isinstance(value, dict):
        return {k: _strict_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_strict_json(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


if __name__ == "__main__":
    main()
