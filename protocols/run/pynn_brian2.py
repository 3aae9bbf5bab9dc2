"""Backend ``pynn.brian2``: the schedule runner on PyNN's Brian2 backend (delays axonal).

Placement: pre ``SpikeSourceArray`` -> plastic synapse (delay d) -> relay cell; the pre source
fires at t - d, so that the synapse sees it at t.  Post: ``SpikeSourceArray`` -> static synapse
-> relay (:data:`RELAY_LATENCY_STEPS` steps latency); the post source fires that much earlier.
"""
from __future__ import annotations

import numpy as np

from plasticity.models.core import to_pynn
from plasticity.models.pynn_types import (IMPOSED, PLASTIC, brian2_relay_cell_class,
                                          brian2_synapse_class, brian2_synapses, pynn_kwargs)

from .brian2 import modulator
from .common import (DEFAULT_SEED, OFFSET_MS, padded, progress_run, pynn_setup, record_dt_for,
                     sampled_result, synapse_order)


RELAY_LATENCY_STEPS = 2


def _per_synapse(model, values, blocks, npad):
    """The synapse type's keyword arguments with several parameter sets in one projection
    (``blocks``: ``[(condition indices, values), ...]``, as the brian2 runner takes them): a
    parameter that differs between the sets becomes a (pre, post) matrix whose diagonal holds
    each condition's value (the projection is one-to-one), which PyNN sets per synapse."""
    kwargs = pynn_kwargs(model, values, "pynn.brian2")
    if not blocks:
        return kwargs
    per_block = [(idx, pynn_kwargs(model, v, "pynn.brian2")) for idx, v in blocks]
    for name, first in kwargs.items():
        if name == "weight":
            continue               # set on the synapses after connecting
        if all(np.array_equal(np.asarray(kw[name]), np.asarray(first)) for _, kw in per_block):
            continue
        diag = np.full(npad, float(first))
        for idx, kw in per_block:
            diag[np.asarray(idx)] = float(kw[name])
        matrix = np.zeros((npad, npad))
        matrix[np.arange(npad), np.arange(npad)] = diag
        kwargs[name] = matrix
    return kwargs


def run_schedule(model, values, schedule, w0, progress=False, blocks=None):
    """Every condition of ``schedule`` as one synapse; ``blocks`` (several parameter sets in one
    simulation): ``[(condition indices, values), ...]``, each block's synapses with their set's
    constants (as :func:`plasticity.protocols.run.brian2.run_schedule`)."""
    import brian2 as b2
    import pyNN
    import pyNN.brian2 as sim
    from pyNN.parameters import Sequence

    dt_ms = schedule.dt_ms
    n = len(schedule.conditions)
    npad = padded(n)
    pynn_setup(sim, dt_ms)
    b2.seed(int(schedule.meta.get("seed", DEFAULT_SEED)))
    d_syn = dt_ms

    def source(role, shift_ms):
        trains = [Sequence(np.round((c_t + OFFSET_MS - shift_ms) / dt_ms) * dt_ms)
                  for c_t in (getattr(c, role) for c in schedule.conditions)]
        trains += [Sequence([])] * (npad - n)
        return sim.Population(npad, sim.SpikeSourceArray(spike_times=trains))

    pre_src = source("pre", d_syn)
    post_src = source("post", RELAY_LATENCY_STEPS * dt_ms)
    relay = sim.Population(npad, brian2_relay_cell_class()())
    sim.Projection(post_src, relay, sim.OneToOneConnector(),
                   sim.StaticSynapse(weight=1.0, delay=dt_ms), receptor_type=IMPOSED)
    kwargs = _per_synapse(model, values, blocks, npad)
    syn_type = brian2_synapse_class(model.name)(**kwargs)
    proj = sim.Projection(pre_src, relay, sim.OneToOneConnector(), syn_type,
                          receptor_type=PLASTIC)
    syn = brian2_synapses(proj)[0]
    # the relay is current-based: PyNN weights in nA; w0 is in the model's weight unit
    weight_unit = b2.nA * to_pynn({"w": 1.0 if model.weight_unit is None
                                   else 1.0 * model.weight_unit})["w"]
    w_first = np.concatenate([w0, np.full(npad - n, w0[0])])
    order = synapse_order(syn.i[:])
    syn.weight[order] = w_first * weight_unit
    model.brian2.finalize(syn, w="weight")
    for obj in modulator(model, syn, schedule, int(round(OFFSET_MS / dt_ms)), w="weight",
                          wunit=repr(b2.get_unit(weight_unit.dim))):
        sim.simulator.state.network.add(obj)
    rec_dt = record_dt_for(schedule)
    names = [("weight" if v == "w" else v) for v in model.recorded]
    mon = b2.StateMonitor(syn, names, record=True,
                          dt=(rec_dt if model.plastic else dt_ms) * b2.ms, when="end")
    sim.simulator.state.network.add(mon)
    total_ms = schedule.duration_ms + OFFSET_MS + dt_ms
    progress_run(lambda ms_: sim.run(ms_), total_ms, progress, dt_ms)
    w_final = (np.asarray(syn.weight[:] / weight_unit, dtype=float))[order][:n]
    traces = {}
    for name, bname in zip(model.recorded, names):
        q = getattr(mon, bname)
        arr = np.asarray(q).T[:, order][:, :n]
        in_weight_unit = b2.get_dimensions(q) is b2.get_dimensions(weight_unit)
        traces[name] = arr / float(weight_unit) if name == "w" or in_weight_unit else arr
    sim.end()
    return sampled_result(model, values, schedule, w0, w_final, traces, rec_dt, "pynn.brian2",
                          {"pyNN": pyNN.__version__, "brian2": b2.__version__},
                          first_step_offset=int(round(OFFSET_MS / dt_ms)))
