"""Izhikevich (2007): the distal reward problem — one pairing, then a reward after a delay.

Provenance: Izhikevich EM (2007) Solving the distal reward problem through linkage of STDP and
dopamine signaling. Cereb Cortex 17:2443.  The paper's Fig. 1 experiment is a network (see
``izhikevich_2007_network``); this protocol isolates the mechanism with imposed spikes.

Schedule: one pre spike and one post spike ``delta_ms`` later (default +10 ms), then one reward
``d`` seconds after the post spike, for d in ``DELAYS_S`` (0 ... 4 s; one condition each).  All
conditions share the reward at ``T_r``; condition d pairs at ``T_r - d``, which is the same
experiment shifted in time.  The run continues ``tail_s`` after the reward (default 2 s, more
than 10 tau_s, so the dopamine has decayed).

Expectation (b = 0; module ``models.stdp_dopamine``): the weight change is
A+ exp(-delta/tau+) exp(-d/tau_c) tau_c/(tau_c + tau_n): it falls with the delay like the
eligibility trace, so dw(d)/dw(0) = exp(-d/tau_c).  The measurements include that ratio and the
prediction; with b != 0 (the ``izhikevich2007`` set's tonic dopamine) the change also contains
the tonic term, a few per cent of the reward term.
"""
import numpy as np
from brian2 import second

from models.core import magnitude

from .base import Option, Protocol
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


def measure(result):
    tau_c_s = magnitude(result.values["tau_c"], second)
    dw = result.w_final - result.w_initial
    d0 = dw[0]
    out = []
    for k, c in enumerate(result.schedule.conditions):
        d = c.variables["reward_delay_s"]
        out.append({"dw": float(dw[k]),
                    "dw_over_dw_at_0": float(dw[k] / d0) if d0 else float("nan"),
                    "eligibility_prediction": float(np.exp(-d / tau_c_s))})
    return out


PROTOCOL = Protocol(
    name="izhikevich_2007",
    title="Izhikevich 2007: one pairing, reward after a delay of 0-4 s",
    doc=__doc__,
    families=("reward",),
    options=[Option("delta_ms", 10.0, "post minus pre spike time of the pairing (ms)", float),
             Option("tail_s", 2.0, "time simulated after the reward (s)", float, 0.0)],
    build=build,
    measure=measure,
)
