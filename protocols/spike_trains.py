"""Any spike schedule from a JSON file (``--schedule FILE``)::

    {"duration_ms": D,
     "conditions": [{"label": "...", "pre": [ms, ...], "post": [ms, ...], "w_init": optional}]}

Times are at the synapse, on the 0.1 ms grid, within [0, D].  ``w_init`` is in the model's
weight unit (dimensionless for STDP, pA for Tsodyks–Markram) or a string with a unit.

Stochastic models (``quantal_stp``, ``bernoulli``) run every condition as ``trials``
independent synapses (option ``trials``, default 1000; ``seed``) and report, per presynaptic
spike, the mean and variance of the released quanta with their standard errors, next to the
prediction for a synapse that is rested at the condition's first spike (the Tsodyks–Markram
recursion of the per-site release probability, binomial over the sites; the z-score of the
mean against it).  A train that starts from a non-rested synapse is written as the whole train:
the conditioning spikes, then the test spikes.
"""
import time

import numpy as np

from plasticity.models.core import PlasticityError

from . import run as runners
from .base import Option, Protocol
from .schedule import Schedule, load_schedule_json
from .stochastic_release import check_size, predicted_probability, release_statistics
from .tsodyks_markram_1998 import measure as stp_measure

DEFAULT_TRIALS = 1000


def build(model, values, options, schedule_file=None):
    if not schedule_file:
        raise PlasticityError("spike_trains needs --schedule FILE")
    stochastic = model.family == "stochastic"
    for name in ("trials", "seed"):
        if options[name] is not None and not stochastic:
            raise PlasticityError(f"spike_trains: option '{name}' applies to stochastic models "
                                  f"(quantal_stp, bernoulli), not to '{model.name}'")
    schedule = load_schedule_json(schedule_file)
    if stochastic:
        schedule.meta["trials"] = int(options["trials"] or DEFAULT_TRIALS)
        if options["seed"] is not None:
            schedule.meta["seed"] = int(options["seed"])
    return schedule


def simulate(model, set_name, values, schedule, backend, progress=False):
    """Stochastic models: each condition as ``trials`` synapses in one simulation (the
    package's runner on ``backend``); per condition and presynaptic spike the statistics of the
    released quanta (``extra['per_condition']``), and the mean state over the trials as the
    recorded signal."""
    trials = int(schedule.meta["trials"])
    if backend == "brian2":
        check_size(schedule, trials, model, "spike_trains", every_step=False)
    conds = [type(c)(f"{c.label}#{r}", c.pre, c.post, c.w_init, c.variables)
             for c in schedule.conditions for r in range(trials)]
    big = Schedule(schedule.protocol, schedule.duration_ms, conds, schedule.dt_ms,
                   schedule.meta, schedule.reward)
    t0 = time.perf_counter()
    whole = runners.run(model, set_name, values, big, backend, progress=progress)
    per, signals = [], {}
    for k, c in enumerate(schedule.conditions):
        idx = np.arange(k * trials, (k + 1) * trials)
        counts = np.array([whole.spike_state["released"][i] for i in idx], float)
        per.append(_statistics(model, values, c.pre, counts))
        for name, arr in whole.signals.items():
            signals.setdefault(name, []).append(arr[:, idx].mean(axis=1))
    first = np.arange(0, len(conds), trials)
    return runners.RunResult(
        model=model, set_name=set_name, values=values, backend=backend, schedule=schedule,
        w_initial=whole.w_initial[first], w_final=whole.w_final[first],
        signal_times_ms=whole.signal_times_ms,
        signals={name: np.column_stack(cols) for name, cols in signals.items()},
        signal_semantics=f"mean over {trials} trials of the state stored at the most recent "
                         "presynaptic spike",
        simulator_versions=whole.simulator_versions, wall_time_s=time.perf_counter() - t0,
        extra={"per_condition": per})


def _statistics(model, values, train_ms, counts) -> dict:
    """The release statistics of one condition (:func:`stochastic_release.release_statistics`)
    with the z-score of each spike's mean against the prediction for a rested synapse."""
    p, n = predicted_probability(model, values, train_ms)
    out = release_statistics(counts, p, n)
    sem = np.maximum(np.asarray(out["sem_mean"]), 1e-300)
    out["z_vs_prediction"] = ((np.asarray(out["mean_released"]) - n * p) / sem).tolist()
    return out


def measure(result):
    if result.model.plastic or result.model.family == "stochastic":
        # (stochastic: the release statistics come with the result, extra['per_condition'])
        return [{} for _ in result.schedule.conditions]
    return stp_measure(result)


PROTOCOL = Protocol(
    name="spike_trains",
    title="Spike schedule from a JSON file",
    doc=__doc__,
    families=("stdp", "stp", "reward", "inhibitory", "stochastic", "homeostatic", "user"),
    options=[Option("trials", None, f"stochastic models: independent synapses per condition "
                                     f"(default {DEFAULT_TRIALS})", int, 1),
             Option("seed", None, "stochastic models: random seed of the backend", int, 1)],
    build=build,
    measure=measure,
    needs_schedule_file=True,
    simulate=simulate,
    simulate_for=("stochastic",),
)
