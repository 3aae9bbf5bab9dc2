"""Helpers of test_every_value_arrives: perturbed parameter values, connections built through
each public entry point, and what the engine then holds (read back from the engine itself)."""
from __future__ import annotations

import numpy as np

from plasticity.models import MODELS, get_model
from plasticity.models.core import PlasticityError, to_pynn

RTOL = 1e-9      # PyNN's nA -> NEST's pA (x 1000) and back loses a few ulp


def _candidates(p, x):
    """Values other than ``x`` for parameter ``p``, most natural first."""
    if p.choices is not None:
        return [c for c in p.choices if c != x]
    number = float(x if p.unit is None else x / p.unit)
    if "integer" in p.doc:
        nums = [number + 1, number - 1]
    elif number != 0:
        nums = [number * 1.25, number * 0.8, number * 1.01, number * 0.99, -number]
    else:
        nums = [v for v in (0.1, (p.high or 1.0) * 0.5, 1.0, -0.5) if v != 0]
    return [n if p.unit is None else n * p.unit for n in nums]


def perturbed(model, set_name, names=None, accept=None) -> dict:
    """{name: value} with a value other than the set's for every parameter in ``names``
    (default all) that has one the model accepts together with the others chosen so far;
    ``accept(overrides)`` may refuse a combination further (e.g. NEST cannot represent it)."""
    base = model.resolve(set_name)
    chosen = {}
    readout_only = model.readout.params if model.readout is not None else ()
    for p in model.params:
        if names is not None and p.name not in names or p.name in readout_only:
            continue
        for cand in _candidates(p, base[p.name]):
            trial = {**chosen, p.name: cand}
            try:
                model.resolve(set_name, trial)
                if accept is not None:
                    accept(trial)
            except PlasticityError:
                continue
            chosen = trial
            break
    return chosen


def close(a, b, rtol=RTOL) -> bool:
    a, b = float(a), float(b)
    return a == b or abs(a - b) <= rtol * max(abs(a), abs(b))


# ----------------------------------------------------------------------------------------------
# Brian2 (make_synapses, make_neuron) and pyNN.brian2: variables of the engine's objects
# ----------------------------------------------------------------------------------------------
def brian2_expected(model, values) -> dict:
    """{Brian2 name: SI float} the engine must hold: every numeric parameter and the numeric
    constants the options derive."""
    out = {}
    for name, v in model.numeric_values(values).items():
        out[name] = float(v)          # a Brian2 quantity's float is its SI value
    return out


def brian2_held(syn, namespace=None) -> dict:
    """{name: SI float} of ``syn``'s per-synapse and shared variables (every synapse equal)
    and of numbers in ``namespace``."""
    held = {}
    for name, var in syn.variables.items():
        if name.startswith("_") or not hasattr(var, "get_value"):
            continue
        try:
            value = np.asarray(var.get_value(), dtype=float)
        except (TypeError, ValueError, NotImplementedError):
            continue
        if value.size and np.all(value == value.flat[0]):
            held[name] = float(value.flat[0])
    for name, value in (namespace or {}).items():
        if np.size(value) == 1 and not callable(value) and not isinstance(value, str):
            try:
                held.setdefault(name, float(value))
            except (TypeError, ValueError):
                pass
    return held


def make_synapses_held(model_name, set_name, overrides, shared=False) -> dict:
    import brian2 as b2
    from plasticity.models import make_neuron, make_synapses
    b2.start_scope()
    model = get_model(model_name)
    pre = b2.SpikeGeneratorGroup(2, [0], [1] * b2.ms)
    if model.needs_neuron:
        post = make_neuron(model_name, 2, params=set_name, **overrides)
        syn = make_synapses(model_name, pre, post, connect=True)
        held = {**brian2_held(syn, syn.namespace), **brian2_held_neuron(post)}
        held["w_init"] = held["w"]
        # the filters' delay is a delay line of steps (ubp_1 ... ubp_k) of the neuron
        steps = sum(1 for k in post.variables if k.startswith("ubp_"))
        held["delay_u_bars"] = steps * float(post.clock.dt)
        return held
    if model.family == "rate":          # rate neurons: the variables the rules read
        from plasticity.models.rate import POST_EQS
        pre = b2.NeuronGroup(2, "x : 1")
        post = b2.NeuronGroup(2, "y : 1\ntarget : 1\n" + POST_EQS.get(model_name, ""))
    else:
        post = b2.NeuronGroup(2, "v : 1", threshold="False")
    syn = make_synapses(model_name, pre, post, params=set_name, connect=True, shared=shared,
                        **overrides)
    held = {**brian2_held(post, {}), **brian2_held(syn, syn.namespace)}
    held["w_init"] = held["w"]
    if shared:      # constants the model writes into the code as numbers (render_shared)
        code = " ".join(str(o.abstract_code) for o in syn.contained_objects
                        if hasattr(o, "abstract_code"))
        code += str(syn.equations)
        values = model.resolve(set_name, overrides)
        for name in model.brian2.literal:
            v = float(model.numeric_values(values)[name])
            text = repr(int(v)) if v.is_integer() else repr(v)
            if f"({text})" in code or v in (0.0, 1.0):      # x**0 and x**1 are simplified
                held[name] = v
    if "theta" in post.variables:
        held["theta_init"] = held["theta"]
    return held


def brian2_held_neuron(neuron) -> dict:
    return brian2_held(neuron, neuron.namespace)


def pynn_brian2_held(model_name, set_name, overrides) -> dict:
    import pyNN.brian2 as sim
    from plasticity.models import synapse_type
    from plasticity.models.pynn_types import brian2_synapses
    sim.setup(timestep=0.1, min_delay=0.1)
    pre = sim.Population(2, sim.SpikeSourceArray(spike_times=[1.0]))
    post = sim.Population(2, sim.IF_curr_exp())
    proj = sim.Projection(pre, post, sim.AllToAllConnector(),
                          synapse_type(model_name, sim, params=set_name, **overrides),
                          receptor_type="excitatory")
    (syn,) = brian2_synapses(proj)
    held = brian2_held(syn, syn.namespace)
    held["w_init"] = held["weight"]
    # a weight is PyNN's number in nA on a current-based cell (Brian2 holds amperes): back
    # to the model's number
    model = get_model(model_name)
    weights = {p.name for p in model.params if p.weight} | set(model.derived_weight) | \
        {"w_init"}
    import brian2 as b2
    for name in weights:
        if name in held and syn.variables[name if name != "w_init" else "weight"].dim is \
                b2.amp.dim and model.weight_unit is None:
            held[name] = held[name] / 1e-9
    sim.end()
    return held


# ----------------------------------------------------------------------------------------------
# NEST (nest_synapse in plain PyNEST, synapse_type and cell_type on pyNN.nest)
# ----------------------------------------------------------------------------------------------
def _target_model(model, values):
    mapping = model.for_nest(values).nest
    if mapping.nestml is not None and mapping.nestml.on_post:
        return mapping.nestml.relay_model, mapping
    return (mapping.neuron or "parrot_neuron"), mapping


def nest_held(model_name, set_name, overrides) -> dict:
    """Plain PyNEST through nest_synapse: {'conn': connection status, 'defaults': the synapse
    model's defaults, 'neuron': the post neuron's status, 'spec': the NestSynapse}."""
    import nest
    from plasticity.models import nest_synapse, nestml
    model = get_model(model_name)
    spec = nest_synapse(model_name, set_name, **overrides)
    values = model.resolve(set_name, overrides)
    target, mapping = _target_model(model, values)
    nest.ResetKernel()
    nest.set_verbosity("M_ERROR")
    if mapping.nestml is not None:
        nestml.install(nest, mapping.nestml.module)
    pre = nest.Create("parrot_neuron")
    post = nest.Create(target)
    if spec.post_neuron:
        post.set(spec.post_neuron)
    syn = spec.copy_model()
    if mapping.volume_transmitter:
        nest.SetDefaults(syn["synapse_model"], {"volume_transmitter":
                                                nest.Create("volume_transmitter")})
    receptor = {}
    if not mapping.neuron:
        receptor = {"receptor_type": nestml.RECEPTORS["plastic"] if target != "parrot_neuron"
                    else 1}
    spec.connect(pre, post, syn_spec={**syn, **receptor})
    conn = nest.GetConnections(pre, post).get()
    return {"conn": conn, "defaults": nest.GetDefaults(conn["synapse_model"]),
            "neuron": post.get(), "spec": spec}


def pynn_nest_held(model_name, set_name, overrides, cell_overrides=None) -> dict:
    """pyNN.nest through synapse_type (and cell_type for a rule with its own neuron)."""
    import nest
    import pyNN.nest as sim
    from plasticity.models import cell_type, nestml, synapse_type
    from plasticity.models.pynn_types import (PLASTIC, nest_parrot_cell_class,
                                              nestml_relay_cell_class)
    model = get_model(model_name)
    values = model.resolve(set_name, overrides)
    target, mapping = _target_model(model, values)
    sim.setup(timestep=0.1, min_delay=0.1)
    nest.set_verbosity("M_ERROR")
    if mapping.nestml is not None:
        nestml.install(nest, mapping.nestml.module)
    pre = sim.Population(2, nest_parrot_cell_class()())
    receptor = PLASTIC
    if model.needs_neuron:
        post = sim.Population(2, cell_type(model_name, sim, params=set_name,
                                           **(cell_overrides or {})))
        receptor = "excitatory"
        # its w is a jump in mV: a plain number would be PyNN's mV / 1000 (pynn_types)
        syn = synapse_type(model_name, sim, **{
            k: f"{float(v)!r} mV" if model.param(k).weight or k == "w_init" else v
            for k, v in overrides.items()})
    else:
        cell = nestml_relay_cell_class(model.for_nest(values)) if target != "parrot_neuron" \
            else nest_parrot_cell_class()
        post = sim.Population(2, cell())
        syn = synapse_type(model_name, sim, params=set_name, **overrides)
    sim.Projection(pre, post, sim.AllToAllConnector(), syn, receptor_type=receptor)
    conns = nest.GetConnections(pre.node_collection, post.node_collection)
    conn = {k: v[0] for k, v in conns.get().items()}
    out = {"conn": conn, "defaults": nest.GetDefaults(conn["synapse_model"]),
           "neuron": {k: v[0] if isinstance(v, (list, tuple)) else v
                      for k, v in post.node_collection.get().items()}}
    sim.end()
    return out


def nest_expected(model, values) -> dict:
    """{our name: PyNN-unit number} that the NEST side must give back through the mapping's
    reverse translations (the weight as w_init)."""
    mapping = model.for_nest(values).nest
    names = {t.name for t in mapping.table} | {a for a, _ in mapping.post_cell_items()} | \
        {"w_init"} | set(mapping.integer_state.values())
    pynn = to_pynn({k: v for k, v in values.items() if k in names})
    if model.derived is not None:
        pynn.update({k: v for k, v in to_pynn(model.derived(values)).items() if k not in pynn})
    pynn["weight"] = pynn["w_init"]
    return pynn, mapping


def nest_read_back(model, values, held) -> tuple[dict, dict]:
    """({our name: (got, expected)}, names covered): every table entry reversed from the
    connection (and the model's common properties), every parameter NEST keeps on the neuron,
    the integer state."""
    pynn, mapping = nest_expected(model, values)
    native = {**held["defaults"], **held["conn"]}
    out = {}
    for t in mapping.table:
        if t.native in native:
            out[t.name] = (t.reverse(native), pynn[t.name])
    for name, nat in mapping.post_cell_items():
        out[name] = (held["neuron"][nat], pynn[name])
    for nat, ours in mapping.integer_state.items():
        out[f"{ours}->{nat}"] = (native[nat], round(pynn[ours]))
    return out


def snapshot(held) -> dict:
    """Everything NEST holds for the connection and its neuron, numbers only (ids and times of
    creation left out), for comparing two builds."""
    skip = {"source", "target", "port", "target_thread", "synapse_id", "global_id",
            "node_uses_wfr", "local_id", "thread", "vp", "t_spike", "recordables",
            "sizeof", "synapse_modelid", "volume_transmitter", "weight_recorder"}
    out = {}
    for part in ("conn", "defaults", "neuron"):
        for k, v in held[part].items():
            if k in skip:
                continue
            if isinstance(v, (int, float, bool, str)):
                out[f"{part}.{k}"] = v
    return out


def nest_models():
    return [m for m in MODELS if MODELS[m].nest is not None]
