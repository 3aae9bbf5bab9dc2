"""Population read-out (:class:`plasticity.models.core.Readout`): every condition runs as
``replicas`` synapses per start state, and the combined ratio is reported per condition."""
from __future__ import annotations

import numpy as np

from ..schedule import Schedule
from .common import RunResult


def expand(model, values, schedule):
    """Replicate every condition: ``replicas`` synapses per start state.  Returns the big
    schedule and, per original condition, {start: indices into the big schedule}."""
    starts = model.readout.starts(values)
    reps = int(schedule.meta.get("synapses_per_state") or model.readout.replicas(values))
    conds, groups = [], []
    for c in schedule.conditions:
        g = {}
        for s in starts:
            g[s] = np.arange(len(conds), len(conds) + reps)
            conds += [type(c)(f"{c.label}#{s:g}:{r}", c.pre, c.post, s, c.variables)
                      for r in range(reps)]
        groups.append(g)
    return Schedule(schedule.protocol, schedule.duration_ms, conds, schedule.dt_ms,
                    schedule.meta, schedule.reward), groups


def collapse(model, name, values, schedule, whole, idx, groups):
    """Per original condition: w_initial = 1, w_final = the read-out ratio; its standard error
    and the extra measures go to ``extra['per_condition']``; the recorded state is averaged
    per start state (``w_from_<start>``)."""
    w_final, per = [], []
    signals = {}
    for k, g in enumerate(groups):
        finals = {s: whole.w_final[idx[i]] for s, i in g.items()}
        ratio, sem, extra = model.readout.combine(values, finals)
        w_final.append(ratio)
        per.append({"dw_sem_percent": 100.0 * sem, **extra})
        if model.readout.analytic is not None:
            c = schedule.conditions[k]
            a_ratio, a_extra = model.readout.analytic(values, c.pre, c.post,
                                                      schedule.duration_ms, schedule.dt_ms)
            per[-1].update(dw_analytic_percent=100.0 * (a_ratio - 1.0), **a_extra)
        for s, i in g.items():
            for var, arr in whole.signals.items():
                signals.setdefault(f"{var}_from_{s:g}", []).append(arr[:, idx[i]].mean(axis=1))
    signals = {k: np.column_stack(v) for k, v in signals.items()}
    semantics = ("mean state of the synapses started in each state (w_from_<start>); "
                 "w_final / w_initial is the population read-out ratio (see the model)")
    return RunResult(model=model, set_name=name, values=values, backend=whole.backend,
                     schedule=schedule, w_initial=np.ones(len(groups)),
                     w_final=np.asarray(w_final), signal_times_ms=whole.signal_times_ms,
                     signals=signals, signal_semantics=semantics,
                     simulator_versions=whole.simulator_versions,
                     extra={"per_condition": per})
