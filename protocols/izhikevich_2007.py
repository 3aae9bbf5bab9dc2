"""Izhikevich (2007): the distal reward problem — one pairing, then a reward after a delay.

Provenance: Izhikevich EM (2007) Solving the distal reward problem through linkage of STDP and
dopamine signaling. Cereb Cortex 17:2443.  The paper's Fig. 1 experiment is a network (see
``izhikevich_2007_network``); this protocol isolates the mechanism with imposed spikes.

Schedule: one pre spike and one post spike ``delta_ms`` later (default +10 ms), then one reward
``d`` seconds after the post spike, for d in ``DELAYS_S`` (0 ... 4 s; one condition each).  All
conditions share the reward at ``T_r``; condition d pairs at ``T_r - d``, which is the same
experiment shifted in time.  The run continues ``tail_s`` after the reward (default 2 s, more
than 10 tau_s, so the dopamine has decayed).

Expectation (b = 0; module ``plasticity.models.stdp_dopamine``): the weight change is
A+ exp(-delta/tau+) exp(-d/tau_c) tau_c/(tau_c + tau_n): it falls with the delay like the
eligibility trace, so dw(d)/dw(0) = exp(-d/tau_c) (``eligibility_prediction``).  With b != 0
(the ``izhikevich2007`` set's tonic dopamine) the change also contains the tonic term
-b c0 tau_c (1 - exp(-(d + tail)/tau_c)), a few per cent of the reward term that hardly depends
on d; ``closed_form_ratio`` is the exact dw(d)/dw(0) for any b (:func:`closed_form_ratio`).
"""
import numpy as np
from brian2 import hertz, second

from plasticity.models.core import magnitude

from .base import Option, Protocol, Report, key_number
from .schedule import Condition, Schedule, DT_MS

DELAYS_S = (0.0, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0)
LEAD_MS = 500.0


def build(model, values, options, schedule_file=None):
    delta = float(options["delta_ms"])
    t_r = LEAD_MS + abs(delta) + 1000.0 * max(DELAYS_S)
    conds = []
    for d in DELAYS_S:
        t_post = t_r - 1000.0 * d
        pre, post = np.array([t_post - delta]), np.array([t_post])
        conds.append(Condition(f"delay={d:g}s", np.round(pre / DT_MS) * DT_MS,
                               np.round(post / DT_MS) * DT_MS,
                               variables={"reward_delay_s": d, "dt_ms": delta}))
    duration = t_r + 1000.0 * float(options["tail_s"])
    return Schedule("izhikevich_2007", float(duration), conds, reward=np.array([t_r]),
                    meta={"reward_ms": t_r, "delta_ms": delta}).validate()


def closed_form_ratio(values, d_s, tail_s):
    """dw(d)/dw(0) from the rule (plasticity.models.stdp_dopamine) for one pairing whose post spike is d
    before the reward, the run ending tail_s after it, any tonic level b.  With c0 the
    eligibility after the pairing, R = (tau_s/tau_n)(1 - exp(-tail/tau_s)) the reward's
    integral of n exp(-s/tau_c):
    dw(d) = c0 [exp(-d/tau_c) R - b tau_c (1 - exp(-(d + tail)/tau_c))]."""
    tc, tn = (magnitude(values[k], second) for k in ("tau_c", "tau_n"))
    b = magnitude(values["b"], hertz)
    ts = tc * tn / (tc + tn)
    r = ts / tn * (1.0 - np.exp(-tail_s / ts))

    def dw(d):
        return np.exp(-d / tc) * r - b * tc * (1.0 - np.exp(-(d + tail_s) / tc))
    return dw(d_s) / dw(0.0)


def measure(result):
    tau_c_s = magnitude(result.values["tau_c"], second)
    tail_s = (result.schedule.duration_ms - result.schedule.meta["reward_ms"]) / 1000.0
    dw = result.w_final - result.w_initial
    d0 = dw[0]
    out = []
    for k, c in enumerate(result.schedule.conditions):
        d = c.variables["reward_delay_s"]
        out.append({"dw": float(dw[k]),
                    "dw_over_dw_at_0": float(dw[k] / d0) if d0 else float("nan"),
                    "eligibility_prediction": float(np.exp(-d / tau_c_s)),
                    "closed_form_ratio": float(closed_form_ratio(result.values, d, tail_s))})
    return out



NAME = "izhikevich_2007"


def key_numbers(m, s, per_backend):
    """Δw(d)/Δw(0) against the closed form, on every backend."""
    rows = []
    for b, r in per_backend.items():
        err = max(abs(float(c["dw_over_dw_at_0"]) - float(c["closed_form_ratio"]))
                  for c in r["conditions"])
        rows.append(key_number(NAME, m, s, b, "max |Δw(d)/Δw(0) − closed form| over d = 0 … 4 s",
                               err, 0.0, 1e-9, "exp(−d/τc) plus the tonic term −b·c·τc "
                               "(protocols/izhikevich_2007.closed_form_ratio)"))
    return rows



REPORT = Report(figure="reward_delay", key_numbers=key_numbers)

PROTOCOL = Protocol(
    report=REPORT,
    name=NAME,
    title="Izhikevich 2007: one pairing, reward after a delay of 0-4 s",
    doc=__doc__,
    families=("reward",),
    options=[Option("delta_ms", 10.0, "post minus pre spike time of the pairing (ms)", float),
             Option("tail_s", 2.0, "time simulated after the reward (s)", float, 0.0)],
    build=build,
    measure=measure,
)
