"""Runners, one module per backend, and the dispatch that runs a schedule on any of them.

* :mod:`.common` the result record (:class:`RunResult`, built by keyword), the time base, sampling,
  progress, PyNN set-up, synapse order: what every runner shares;
* :mod:`.brian2` Brian2 devices, spike generators, the reward modulator, network helpers and the
  schedule runner; :mod:`.pynn_brian2`, :mod:`.pynn_nest` the PyNN backends;
* :mod:`.clopath` the Clopath rule with its AdEx neuron (brian2, pynn.nest);
* :mod:`.rate` the rate-neuron runner; :mod:`.readout` the population read-out;
* :mod:`.spinnaker_emulation` (``--hardware spinnaker``) and :mod:`.spinnaker_map` (backend
  ``pynn.spinnaker``): the SpiNNaker family.

:func:`run` and :func:`run_sets` are the entry points for schedule-driven protocols.
"""
from __future__ import annotations

import time

import numpy as np

from plasticity.models.core import Model, PlasticityError, to_pynn

from ..schedule import Schedule
from . import brian2 as brian2_runner
from . import pynn_brian2, pynn_nest
from .common import DEFAULT_SEED, OFFSET_MS, RunResult, initial_weights
from .readout import collapse, expand

__all__ = ["DEFAULT_SEED", "OFFSET_MS", "RunResult", "check_device", "initial_weights", "run",
           "run_sets", "run_synapses"]


def check_device(model: Model, backend: str, device: str):
    """Refuse a Brian2 device that cannot run this model (one line, before anything runs)."""
    brian2_runner.check_device_name(device)
    if device != "runtime" and backend != "brian2":
        raise PlasticityError(f"--device {device} applies to backend brian2 only")


def run_synapses(model, values, schedule, w0, backend, threads=1, progress=False,
                 device="runtime"):
    """Every condition of ``schedule`` as one synapse starting at ``w0`` on ``backend``: the raw
    final weights (no population read-out, no parameter-set bookkeeping)."""
    if backend == "brian2":
        return brian2_runner.run_schedule(model, values, schedule, w0, progress=progress,
                                          device=device)
    if backend == "pynn.brian2":
        return pynn_brian2.run_schedule(model, values, schedule, w0, progress=progress)
    return pynn_nest.run_schedule(model, values, schedule, w0, threads=threads,
                                  progress=progress)


def run(model: Model, set_name: str, values: dict, schedule: Schedule, backend: str,
        threads: int = 1, progress: bool = False, device: str = "runtime") -> RunResult:
    """One parameter set of ``model`` on ``schedule`` on ``backend``."""
    model.check_backend(backend)
    schedule.validate()
    check_device(model, backend, device)
    if model.readout is not None:
        return run_sets(model, [(set_name, values)], schedule, backend, progress=progress,
                        device=device)[0]
    w0 = initial_weights(model, values, schedule)
    if backend == "pynn.nest" and model.for_nest(values).nest.check:
        model.for_nest(values).nest.check(to_pynn(values))     # before anything is built
    t0 = time.perf_counter()
    result = run_synapses(model, values, schedule, w0, backend, threads, progress, device)
    result.wall_time_s = time.perf_counter() - t0
    result.set_name = set_name
    result.threads = threads
    return result


def run_sets(model: Model, sets: list, schedule: Schedule, backend: str,
             progress: bool = False, device: str = "runtime") -> list:
    """Run one schedule for several parameter sets ``[(set_name, values), ...]``.

    On ``brian2`` and ``pynn.brian2`` all sets share one simulation (every set's synapses carry
    their own constants; on pynn.brian2 as per-synapse parameters of one projection), which
    costs about one run: protocols whose length is set by slow conditions (Sjöström's 0.1 Hz
    pairings) gain the most.  pynn.nest runs the sets one by one (NEST's synapse models keep
    most of their constants per model, not per connection).
    Results are identical to separate runs (each synapse is independent).  ``wall_time_s`` of
    a shared run is the total, divided equally among the sets.

    A model with a population read-out (:class:`plasticity.models.core.Readout`) runs every
    condition as ``replicas`` synapses per start state and reports the combined ratio per
    condition (:mod:`.readout`).
    """
    model.check_backend(backend)
    schedule.validate()
    check_device(model, backend, device)
    readout = model.readout is not None
    if backend not in ("brian2", "pynn.brian2") or (len(sets) == 1 and not readout):
        out = []
        for name, values in sets:
            if readout:
                big, groups = expand(model, values, schedule)
                w0 = initial_weights(model, values, big)
                t0 = time.perf_counter()
                whole = run_synapses(model, values, big, w0, backend, progress=progress,
                                 device=device)
                r = collapse(model, name, values, schedule, whole, np.arange(len(w0)), groups)
                r.wall_time_s = time.perf_counter() - t0
                out.append(r)
            else:
                out.append(run(model, name, values, schedule, backend, progress=progress,
                               device=device))
        return out
    conds, w0, blocks, groups_of = [], [], [], []
    for k, (_, values) in enumerate(sets):
        if readout:
            sub, groups = expand(model, values, schedule)
        else:
            sub, groups = schedule, None
        start = len(conds)
        conds += [type(c)(f"{k}|{c.label}", c.pre, c.post, c.w_init, c.variables)
                  for c in sub.conditions]
        w0.append(initial_weights(model, values, sub))
        blocks.append((np.arange(start, len(conds)), values))
        groups_of.append(groups)
    big = Schedule(schedule.protocol, schedule.duration_ms, conds, schedule.dt_ms, schedule.meta,
                   schedule.reward)
    w0 = np.concatenate(w0)
    t0 = time.perf_counter()
    if backend == "brian2":
        whole = brian2_runner.run_schedule(model, sets[0][1], big, w0, progress=progress,
                                           blocks=blocks, device=device)
    else:
        whole = pynn_brian2.run_schedule(model, sets[0][1], big, w0, progress=progress,
                                         blocks=blocks)
    wall = time.perf_counter() - t0
    out = []
    for (name, values), (idx, _), groups in zip(sets, blocks, groups_of):
        if readout:
            r = collapse(model, name, values, schedule, whole, idx, groups)
            r.wall_time_s = wall / len(sets)
        else:
            r = RunResult(model=model, set_name=name, values=values, backend=backend,
                          schedule=schedule, w_initial=whole.w_initial[idx],
                          w_final=whole.w_final[idx], signal_times_ms=whole.signal_times_ms,
                          signals={k: v[:, idx] for k, v in whole.signals.items()},
                          spike_state={k: [v[i] for i in idx]
                                       for k, v in whole.spike_state.items()},
                          signal_semantics=whole.signal_semantics,
                          simulator_versions=whole.simulator_versions,
                          wall_time_s=wall / len(sets))
        out.append(r)
    return out
