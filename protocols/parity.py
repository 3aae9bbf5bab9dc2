"""Backend parity on identical spike trains: the check the package runs for its own rules, for a
user's rule too (``define_rule``).

    from plasticity.protocols.parity import compare_backends, random_schedule
    r = compare_backends("stdp_triplet", "visual_nearest_full", random_schedule(seed=1))
    print(r.max_relative_difference)        # between brian2 and pynn.nest weights

Each condition of the schedule is one synapse driven by imposed pre and post spike times (the
runners of :mod:`plasticity.protocols.run`), so every backend sees the same trains.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from plasticity.models import get_model

from . import run as runners
from .schedule import Condition, Schedule


def random_schedule(seed=2024, synapses=6, duration_ms=3000.0, rate_hz=15.0, coincidences=3,
                    dt_ms=0.1) -> Schedule:
    """``synapses`` conditions of independent Poisson pre and post trains on the ``dt_ms`` grid,
    each with ``coincidences`` post spikes at exactly a pre spike's time (the case where
    simulators' update orders differ, so it is always tested)."""
    rng = np.random.default_rng(seed)

    def train():
        n = rng.poisson(rate_hz * duration_ms / 1000.0)
        return np.unique(np.round(rng.uniform(1.0, duration_ms - 5.0, n) / dt_ms) * dt_ms)

    conds = []
    for k in range(synapses):
        pre, post = train(), train()
        if coincidences and len(pre):
            post = np.unique(np.r_[post, rng.choice(pre, min(coincidences, len(pre)),
                                                    replace=False)])
        conds.append(Condition(f"random{k}", pre, post))
    return Schedule("parity", duration_ms, conds, dt_ms).validate()


@dataclass
class Parity:
    model: str
    set_name: str
    w_final: dict                   # backend -> final weights (model units), one per condition
    w_initial: np.ndarray

    @property
    def max_relative_difference(self) -> float:
        """max over conditions and backends of |w_b - w_ref| / |w_ref|, the first backend the
        reference (relative to the weight change where the weight did not move: exact)."""
        ws = list(self.w_final.values())
        ref = ws[0]
        scale = np.where(np.abs(ref) > 0, np.abs(ref), 1.0)
        return float(max(np.max(np.abs(w - ref) / scale) for w in ws[1:]))


def compare_backends(model_name, set_name=None, schedule=None,
                     backends=("brian2", "pynn.nest"), overrides=None) -> Parity:
    """Run ``model_name`` (parameter set ``set_name`` with ``overrides``) on every backend in
    ``backends`` with the same ``schedule`` (default :func:`random_schedule`): the raw final
    weights of every synapse (no population read-out)."""
    model = get_model(model_name)
    set_name = set_name or model.default_set
    values = model.resolve(set_name, overrides or {})
    schedule = schedule or random_schedule()
    w0 = runners.initial_weights(model, values, schedule)
    out = {}
    for backend in backends:
        model.check_backend(backend)
        out[backend] = np.asarray(runners.run_synapses(model, values, schedule, w0, backend).w_final)
    return Parity(model_name, set_name, out, w0)
