"""Scripts as users write them, with the public entry points only (``nest_synapse`` in plain
PyNEST, ``synapse_type`` in pyNN.nest, ``make_synapses`` in plain Brian2): every condition of a
schedule is one synapse between imposed pre and post spike trains.  Each returns the final
weights in the model's units, one per condition."""
from __future__ import annotations

import numpy as np

# the README's own rule, as a script's lines (run in a subprocess: a declaration registers the
# model in its process); tests that build it on pyNN.nest share this text, so they share the
# NESTML user module built from it
HEBB_SYMMETRIC = '''from plasticity.models import define_rule, rule_param
define_rule(
    "hebb_symmetric", "Symmetric Hebbian STDP window",
    params={"tau": rule_param("20 ms", "window time constant", "demonstration value"),
            "A": rule_param("0.005", "amplitude", "demonstration value", weight=True),
            "w_max": rule_param("1", "upper bound", "demonstration value", weight=True)},
    traces={"x": ("tau", "pre"), "y": ("tau", "post")},
    on_pre="w = clip(w + A * y, 0, w_max)",
    on_post="w = clip(w + A * x, 0, w_max)",
    w_init=rule_param("0.5", "initial weight", "demonstration value", weight=True))
'''

OFFSET_MS = 1.0         # the schedule starts here (NEST and PyNN need spikes after 0)
# pyNN.nest's SpikeSourceArray makes precise spike generators: NEST stamps a time by rounding
# up in tics (0.001 ms), so a float a hair above a grid point (90.8 - 0.1 = 90.70000000000000284)
# fires one step late; a quarter tic below the grid point is stamped on it (README, PyNN)
STAMP_EPS = 0.25e-3


def plain_nest(model_name, set_name, overrides, schedule, w0):
    """Plain PyNEST: parrots driven by spike generators (NEST's own STDP tests), the post
    parrot's receptor 1 (or the NESTML relay's 'plastic' port) takes the plastic synapse and
    does not repeat its spikes; a flush pre spike after the schedule where the spec says NEST's
    weight lags."""
    import nest
    from plasticity.models import get_model, nest_synapse, nestml
    dt = schedule.dt_ms
    spec = nest_synapse(model_name, set_name, **overrides)
    nest.ResetKernel()
    nest.set_verbosity("M_ERROR")
    nest.resolution = dt
    if spec.module:
        nestml.install(nest, spec.module)
    n = len(schedule.conditions)
    start = OFFSET_MS + np.round(spec.lead_in_ms / dt) * dt
    end = schedule.duration_ms
    flush = None
    if spec.flush_gap_ms is not None:
        flush = np.round((schedule.duration_ms + max(spec.flush_gap_ms, dt)) / dt) * dt
        end = flush
    target = spec.target_models[0] if spec.target_models else "parrot_neuron"
    pre = nest.Create("parrot_neuron", n)
    post = nest.Create(target, n)
    if spec.post_neuron:
        post.set(spec.post_neuron)
    d = dt                                  # the plastic synapse's delay (dendritic in NEST)
    imposed = nestml.RECEPTORS["imposed"] if spec.target_models else 0   # the repeating port
    for k, c in enumerate(schedule.conditions):
        # a parrot repeats a generator's spike one delay (dt) later; the synapse sees the pre
        # spike when the parrot emits it and the post spike one delay d after the post parrot
        times = {"pre": np.append(c.pre, [] if flush is None else [flush]) + start - dt,
                 "post": np.asarray(c.post) + start - dt - d}
        for role, cells, port in (("pre", pre, 0), ("post", post, imposed)):
            gen = nest.Create("spike_generator", params={
                "spike_times": [float(t) for t in times[role]], "allow_offgrid_times": True})
            nest.Connect(gen, cells[k], syn_spec={"delay": dt, "receptor_type": port})
        port = 2 if spec.target_models else 1        # relay: 'plastic' = 2; parrot: 1
        one = nest_synapse(model_name, set_name, weight=_weight(model_name, w0[k]),
                           delay=d, **overrides)
        one.connect(pre[k], post[k], "one_to_one", receptor_type=port)
    conns = nest.GetConnections(pre, post)
    if flush is not None and spec.flush_zero:
        nest.Simulate(flush + start - dt)
        conns.set({name: 0.0 for name in spec.flush_zero})
        nest.Simulate(end + start + 2 * dt - (flush + start - dt))
    else:
        nest.Simulate(end + start + 2 * dt)
    order = np.argsort(np.asarray(conns.get("source")))
    native = np.asarray(conns.get("weight"), float)[order]
    return _from_nest_weight(model_name, native)


def _weight(model_name, w):
    """A model weight as ``nest_synapse(weight=...)`` takes it (a unit string for a current)."""
    from plasticity.models import get_model
    unit = get_model(model_name).weight_unit
    return float(w) if unit is None else f"{float(w)!r} {unit}"


def _from_nest_weight(model_name, native):
    """NEST's weights back to the model's unit through the model's own NEST table."""
    from plasticity.models import get_model
    model = get_model(model_name)
    table = {t.name: t for t in model.nest.table}
    pynn = np.array([table["weight"].reverse({"weight": w}) for w in native])
    return pynn * (1000.0 if model.weight_unit is not None else 1.0)    # nA -> pA


def pynn_nest(model_name, set_name, overrides, schedule, w0, flush=True, current=False):
    """pyNN.nest: SpikeSourceArrays, the package's imposed-spike post cell (a parrot whose
    'plastic' receptor does not repeat, or the NESTML relay), ``synapse_type``.  ``flush``:
    a flush pre spike after the schedule; ``current``: the weights read with
    ``current_value(projection, "weight")`` (pre and post spikes recorded), else NEST's."""
    import nest
    import pyNN.nest as sim
    from plasticity.models import get_model, nest_synapse, nestml, synapse_type
    from plasticity.models.pynn_types import (IMPOSED, PLASTIC, nest_parrot_cell_class,
                                              nestml_relay_cell_class)
    dt = schedule.dt_ms
    flush_spike = flush
    spec = nest_synapse(model_name, set_name, **overrides)
    model = get_model(model_name)
    sim.setup(timestep=dt, min_delay=dt, spike_precision="on_grid")
    nest.set_verbosity("M_ERROR")
    if spec.module:
        nestml.install(nest, spec.module)
    n = len(schedule.conditions)
    start = OFFSET_MS + np.round(spec.lead_in_ms / dt) * dt
    flush = None
    end = schedule.duration_ms
    if spec.flush_gap_ms is not None and flush_spike:
        flush = np.round((schedule.duration_ms + max(spec.flush_gap_ms, dt)) / dt) * dt
        end = flush
    n_pad = max(n, 2)           # (connectors on one-neuron populations fail under numpy 2)
    pre_trains = [np.append(c.pre, [] if flush is None else [flush]) + start
                  for c in schedule.conditions] + [np.zeros(0)] * (n_pad - n)
    post_trains = [np.asarray(c.post) + start - 2 * dt for c in schedule.conditions] + \
        [np.zeros(0)] * (n_pad - n)
    from pyNN.parameters import Sequence
    pre = sim.Population(n_pad, sim.SpikeSourceArray(
        spike_times=[Sequence(np.round(t / dt) * dt - STAMP_EPS) for t in pre_trains]))
    kick = sim.Population(n_pad, sim.SpikeSourceArray(
        spike_times=[Sequence(np.round(t / dt) * dt - STAMP_EPS) for t in post_trains]))
    cell = nestml_relay_cell_class(model.for_nest(model.resolve(set_name, overrides))) \
        if spec.target_models else nest_parrot_cell_class()
    post = sim.Population(n_pad, cell())
    sim.Projection(kick, post, sim.OneToOneConnector(), sim.StaticSynapse(weight=1.0, delay=dt),
                   receptor_type=IMPOSED)
    w_pad = np.append(w0, [w0[0]] * (n_pad - n))
    syn = synapse_type(model_name, sim, params=set_name, delay=dt, **overrides)
    proj = sim.Projection(pre, post, sim.OneToOneConnector(), syn, receptor_type=PLASTIC)
    proj.set(weight=np.array([_pynn_weight(model, w) for w in w_pad]))
    if current:
        pre.record("spikes")
        post.record("spikes")
    if flush is not None and spec.flush_zero:
        sim.run(flush + start - dt)
        nest.GetConnections(pre.node_collection, post.node_collection).set(
            {name: 0.0 for name in spec.flush_zero})
        sim.run(end - flush + 3 * dt)
    else:
        sim.run(end + start + 2 * dt)
    if current:
        from plasticity.models import current_value
        w = np.diag(current_value(proj, "weight"))[:n] * 1000.0     # PyNN's: NEST's / 1000
        w = _from_nest_weight(model_name, w)
    else:
        conns = nest.GetConnections(pre.node_collection, post.node_collection)
        order = np.argsort(np.asarray(conns.get("source")))
        w = _from_nest_weight(model_name, np.asarray(conns.get("weight"), float)[order])[:n]
    sim.end()
    return w


def _pynn_weight(model, w):
    return float(w) / (1000.0 if model.weight_unit is not None else 1.0)  # pA -> nA


def plain_brian2(model_name, set_name, overrides, schedule, w0):
    """Plain Brian2: spike generators at the schedule's times, ``make_synapses`` one-to-one,
    run to one step after the schedule."""
    import brian2 as b2
    from plasticity.models import get_model, make_synapses
    b2.start_scope()
    dt = schedule.dt_ms * b2.ms
    b2.defaultclock.dt = dt
    n = len(schedule.conditions)
    model = get_model(model_name)

    def generator(role):
        idx = np.concatenate([np.full(len(getattr(c, role)), k)
                              for k, c in enumerate(schedule.conditions)]).astype(int)
        t = np.concatenate([getattr(c, role) for c in schedule.conditions]) + OFFSET_MS
        return b2.SpikeGeneratorGroup(n, idx, np.round(t / schedule.dt_ms) * dt, dt=dt)

    pre, post = generator("pre"), generator("post")
    syn = make_synapses(model_name, pre, post, params=set_name, **overrides)
    syn.connect(j="i")
    syn.w = w0 if model.weight_unit is None else w0 * model.weight_unit
    net = b2.Network(pre, post, syn)
    net.run((schedule.duration_ms + OFFSET_MS + schedule.dt_ms) * b2.ms)
    return np.asarray(syn.w[:] / (model.weight_unit or 1), float)
