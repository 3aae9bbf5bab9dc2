"""Bi & Poo (1998): the STDP window in cultured hippocampal neurons.

Provenance: Bi G-Q & Poo M-M (1998) J Neurosci 18:10464, Fig. 7 (digitized points in
``protocols/data/datasets.json``, two independent digitizations, no error bars).

Schedule: for each Δt = t_post − t_pre, ``pairs`` pairings (default 60) at ``freq_hz`` (default
1 Hz); the first pre spike at 200 ms.  Conditions: the window from −100 to +100 ms in
``step_ms`` steps (default 5 ms: 41 values), plus (``data = 1``, default) one condition at each
digitized data point's Δt rounded to the 0.1 ms grid (label ``data:<dt>``), so model and data
are compared at the same Δt without interpolation.
"60 pairings at 1 Hz" is the commonly quoted protocol; the reference data mark it unverified.
All conditions run in one simulation as independent synapses.
"""
import numpy as np

from plasticity.models.core import PlasticityError

from .base import Comparison, Option, Overview, Protocol, Report, key_number, load_datasets
from .schedule import Condition, Schedule, DT_MS, check_size

FIRST_PRE_MS = 200.0
DATASETS = ("bipoo1998_stdp_window_digitized_A", "bipoo1998_stdp_window_digitized_B")


def window_dts(dt_max=100.0, step=5.0):
    n = int(round(2 * dt_max / step))
    return np.round(np.linspace(-dt_max, dt_max, n + 1), 6)


def data_dts():
    ds = load_datasets()
    vals = set()
    for name in DATASETS:
        for p in ds[name]["points"]:
            vals.add(round(round(p["condition"]["dt_ms"] / DT_MS) * DT_MS, 6))
    return sorted(vals)


def pairing(dt, pairs, freq_hz, first=FIRST_PRE_MS):
    period = 1000.0 / freq_hz
    pre = first + period * np.arange(pairs)
    post = pre + dt
    return np.round(pre / DT_MS) * DT_MS, np.round(post / DT_MS) * DT_MS


def build(model, values, options, schedule_file=None):
    pairs, freq = int(options["pairs"]), float(options["freq_hz"])
    n_steps = 200.0 / float(options["step_ms"])
    if abs(n_steps - round(n_steps)) > 1e-9 or abs(float(options["step_ms"]) * 10
                                                    - round(float(options["step_ms"]) * 10)) > 1e-9:
        raise PlasticityError(f"bi_poo_1998: option 'step_ms' must divide 100 ms on the 0.1 ms "
                              f"grid, got {options['step_ms']}")
    conds = []
    grid = window_dts(step=float(options["step_ms"]))
    check_size("bi_poo_1998", FIRST_PRE_MS + pairs * 1000.0 / freq,
               2.0 * pairs * (len(grid) + (len(data_dts()) if int(options["data"]) else 0)))
    for dt in grid:
        pre, post = pairing(dt, pairs, freq)
        conds.append(Condition(f"dt={dt:+g}", pre, post, variables={"dt_ms": float(dt),
                                                                      "kind": "window"}))
    for dt in (data_dts() if int(options["data"]) else []):
        if np.any(np.isclose(grid, dt)):
            continue
        pre, post = pairing(dt, pairs, freq)
        conds.append(Condition(f"data:{dt:+g}", pre, post, variables={"dt_ms": float(dt),
                                                                        "kind": "data"}))
    duration = FIRST_PRE_MS + pairs * 1000.0 / freq
    return Schedule("bi_poo_1998", duration, conds,
                    # the weight traces: one sample per pairing period
                    meta={"pairs": pairs, "freq_hz": freq, "record_ms": 1000.0 / freq,
                          "record_note": f"once per pairing period ({1000.0 / freq:g} ms)"}
                    ).validate()



def key_numbers(m, s, per_backend):
    """A population read-out with an analytical one (Graupner-Brunel): the simulated Δw against
    the authors' Gaussian approximation, z = (simulated - analytical) / SEM, where the SEM is
    the binomial one of a population of the run's size if the analytical probabilities were
    true (the population's own SEM is 0 wherever no synapse of 20 switched, and underestimated
    near 0 and 1): chi-square over the conditions (expected: their number, within its 99.9 %
    point) and the largest |z| (within the 0.1 % point corrected for the number of
    conditions).  Conditions where both the analytical read-out and the population give no
    change at all (no calcium crosses a threshold) are counted, not tested."""
    from scipy.stats import chi2, norm
    from plasticity.models.graupner_brunel import strength_ratio
    rows = []
    for b, r in per_backend.items():
        cs = [c for c in r["conditions"] if c.get("dw_analytic_percent") is not None]
        if not cs:
            continue
        beta, big_b = (float(str(r["parameters"][k]).split()[0]) for k in ("beta", "b"))
        z, exact = [], 0
        for c in cs:
            n = int(c.get("synapses_per_state") or 0)
            _, sem0, _ = strength_ratio(beta, big_b, c["p_up_to_down_analytic"],
                                        c["p_down_to_up_analytic"], n, n)
            diff = c["dw_percent"] - c["dw_analytic_percent"]
            if sem0 > 0:
                z.append(diff / (100.0 * sem0))
            elif abs(diff) < 1e-9:
                exact += 1
            else:
                z.append(float("inf"))     # the analytical read-out allows no spread here
        if not z:
            continue
        z = np.asarray(z)
        n = len(z)
        note = (f"z = (simulated - analytical) / binomial SEM under the analytical "
                f"probabilities, {n} conditions"
                + (f"; {exact} with no change in either, not tested" if exact else ""))
        rows.append(key_number("bi_poo_1998", m, s, b, "analytical vs population: chi-square",
                               float(np.sum(z ** 2)), float(n), float(chi2.ppf(0.999, n) - n),
                               note))
        # largest |z| of n: within the two-sided 0.1 % point, Bonferroni-corrected for n
        rows.append(key_number("bi_poo_1998", m, s, b, "analytical vs population: largest |z|",
                               float(np.max(np.abs(z))), 0.0, float(norm.ppf(1 - 0.0005 / n)),
                               note))
    return rows


REPORT = Report(
    figure="window",
    overviews=(
        Overview("curves_with_sem", "Graupner & Brunel 2012: STDP curves of the six curve-type "
                 "sets (60 pairs at 1 Hz; mean ± SEM of the population read-out)",
                 "graupner_brunel__curves", models=lambda m: m == "graupner_brunel",
                 options={"xvar": "dt_ms", "xlabel": "Δt = t_post − t_pre (ms)"}),
        Overview("window", "{p}: {m}, all parameter sets", "{m}__sets",
                 models=lambda m: m != "graupner_brunel", per_model=True)),
    # the window's data conditions (option data = 1) hold the model at every data point
    literature=tuple(Comparison(name, "all points (no SEM)", needs_kind="data")
                     for name in DATASETS),
    window_fit=True, key_numbers=key_numbers)

PROTOCOL = Protocol(
    report=REPORT,
    name="bi_poo_1998",
    title="Bi & Poo 1998 STDP window",
    doc=__doc__,
    families=("stdp", "calcium"),
    options=[Option("pairs", 60, "pairings per condition", int, 1),
             Option("freq_hz", 1.0, "pairing frequency (Hz)", float, 1e-3),
             Option("step_ms", 5.0, "spacing of the window's Δt grid (ms, divides 100)", float,
                    0.1),
             Option("data", 1, "1: add a condition at every data point's Δt; 0: window only",
                    int, 0)],
    build=build,
    datasets=DATASETS,
)
