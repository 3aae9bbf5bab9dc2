"""PyNN synapse types built from the model definitions (ours, not PyNN's built-in STDP classes).

* ``pyNN.brian2``: the synapse type carries the model's own Brian2 ``model`` / ``on_pre`` /
  ``on_post`` strings (rendered with PyNN's ``weight`` variable and ``%(syn_var)s`` target), so the
  very same equations run under PyNN as in plain Brian2.
* ``pyNN.nest``: the synapse type maps to the native NEST model named in the model's
  :class:`~plasticity.models.core.NestMapping`, through its translation table.

Parameters are given in PyNN units (ms, nA or uS, dimensionless), e.g.::

    import pyNN.nest as sim
    from plasticity.models.pynn_types import synapse_type
    syn = synapse_type("stdp_pair", sim, params="multiplicative", w_init=0.005)
    sim.Projection(pre, post, sim.AllToAllConnector(), syn, receptor_type="excitatory")

Also here: the imposed-spike cell types used by the protocols (a NEST ``parrot_neuron`` whose
receptor 1 does not repeat spikes, and its pyNN.brian2 equivalent), so a protocol measures the
rule, not a neuron.
"""
from __future__ import annotations

import functools

import numpy as np

from .core import Param, PlasticityError, parse_quantity, to_pynn
from . import get_model

IMPOSED, PLASTIC = "imposed", "plastic"


def _backend_name(sim) -> str:
    name = getattr(sim, "__name__", str(sim))
    if name.endswith(".nest"):
        return "pynn.nest"
    if name.endswith(".brian2"):
        return "pynn.brian2"
    raise PlasticityError(f"unsupported PyNN backend module '{name}' (supported: pyNN.nest, "
                          "pyNN.brian2)")


DELAY_SEMANTICS = ("dendritic", "axonal")
# a shared (scalar) constant that marks the Synapses of a dendritic-delay synapse type
_DENDRITIC_MARK = "plasticity_dendritic_delays"


def synapse_type(model_name: str, sim, params: str | None = None,
                 delay_semantics: str = "dendritic", **overrides):
    """An instance of this package's PyNN synapse type for ``model_name`` on backend ``sim``.

    ``params`` names a parameter set; ``overrides`` are written as a PyNN user writes them:
    plain numbers in PyNN's units (ms, nA or µS, mV, Hz), unit strings (``tau_plus="10ms"``)
    or Brian2 quantities; ``weight`` is the initial weight (``w_init``) and ``delay`` the
    synaptic delay (ms), as in every PyNN synapse type.  A weight in µS (a conductance-based
    cell) is accepted for a model whose weight is a current: PyNN passes the number, and the
    cell reads it as µS.  Values are validated by the model before anything is built.

    ``delay_semantics``: where the synaptic delay d lies, the same on both backends.
    ``dendritic`` (default; PyNN's own default, NEST's only kind): the rule pairs a pre spike
    at its emission time with post spikes d later than they happen (Δt = t_post + d - t_pre),
    and transmission arrives at t_pre + d.  pyNN.nest does this natively; on pyNN.brian2 the
    rule's post pathway is delayed by 2 d (its pre pathway, and transmission, by d), which is
    the same pairing and the same arrival.  ``axonal`` (pyNN.brian2 only; NEST has no axonal
    delay for these rules): the rule sees the pre spike d after its emission and the post
    spike when it happens (Δt = t_post - t_pre - d).
    """
    model = get_model(model_name)
    backend = _backend_name(sim)
    model.check_backend(backend)
    if model.nest is None and backend == "pynn.nest":
        raise PlasticityError(f"model '{model_name}' has no PyNN synapse type on pyNN.nest: "
                              f"{model.no_nest_reason or 'no NEST model'}")
    if model.needs_neuron and backend != "pynn.nest":
        raise PlasticityError(f"model '{model_name}' needs {model.needs_neuron}: under PyNN it "
                              "runs on pyNN.nest (cell_type and synapse_type); in plain Brian2 "
                              "use make_neuron and make_synapses")
    overrides = model.connection_overrides(overrides)
    if model.needs_neuron:
        on_neuron = sorted(set(overrides) - {t.name for t in model.nest.table} - {"delay"}
                           - {"weight", "w_init"})
        if on_neuron or params is not None:
            raise PlasticityError(f"{model_name}: {', '.join(on_neuron) or 'params'} belong to "
                                  f"the neuron: give them to cell_type('{model_name}', sim, "
                                  "...); the synapse takes weight, delay, "
                                  f"{', '.join(t.name for t in model.nest.table[1:])}")
    overrides, delay = model.weight_and_delay(overrides)
    if delay_semantics not in DELAY_SEMANTICS:
        raise PlasticityError(f"{model_name}: delay_semantics must be one of "
                              f"{', '.join(DELAY_SEMANTICS)}, got {delay_semantics!r}")
    if backend == "pynn.nest" and delay_semantics == "axonal":
        raise PlasticityError(f"{model_name}: NEST's delays are dendritic; delay_semantics="
                              "'axonal' exists on pyNN.brian2 only (use 'dendritic', the "
                              "default, for the same pairing on both backends)")
    if model.needs_neuron:
        overrides = {k: _delta_weight(model, k, v) for k, v in overrides.items()}
    values = model.resolve(params, {k: _from_pynn(model, k, v) for k, v in overrides.items()})
    cls = brian2_synapse_class(model_name) if backend == "pynn.brian2" else \
        nest_synapse_class(model_name, values)
    if backend == "pynn.nest":
        model = model.for_nest(values)
    kwargs = pynn_kwargs(model, values, backend)
    if delay is not None:
        kwargs["delay"] = delay_ms(model_name, delay)
    syn = cls(**kwargs)
    if backend == "pynn.nest" and model.nest.integer_state:
        # integer NEST state (quantal_stp's n, a): PyNN would pass a float, which NEST refuses;
        # set on the model's defaults before each Projection connects (_get_nest_synapse_model)
        syn.integer_state = {k: int(round(float(values[p])))
                             for k, p in model.nest.integer_state.items()}
    b = model.brian2
    if backend == "pynn.brian2":            # marks read before each sim.run (_before_each_run)
        if delay_semantics == "dendritic" and syn.post:
            syn.eqs = syn.eqs + f"\n{_DENDRITIC_MARK} : 1 (constant, shared)\n"
        if b.pathways or b.per_step or b.update_after_synapses or b.post_pathway_first:
            syn.eqs = syn.eqs + f"\n{_FINALIZE_MARK}{model_name} : 1 (constant, shared)\n"
        _before_each_run(sim)
    return syn


# a shared constant that names the model of a Synapses whose Brian2 code needs ``finalize``
_FINALIZE_MARK = "plasticity_finalize_"


def _before_each_run(sim):
    """pyNN.brian2: before each ``sim.run``, give every marked Synapses what PyNN cannot express.

    * dendritic delays (``synapse_type``'s ``delay_semantics``): the post pathway gets twice
      the pre pathway's delay;
    * a model with extra pathways, per-step code, a late state update or post-first order:
      ``Brian2Equations.finalize`` (pathway delays, update order, per-step code), as
      :func:`finalize_projection` does.

    It must happen before Brian2 collects the network's objects (finalize may add per-step
    code), hence around the network's ``run``; installed once per PyNN network."""
    import brian2
    from brian2.synapses.synapses import SynapticPathway
    network = sim.simulator.state.network
    if getattr(network, "_plasticity_before_run", False):
        return
    original = network.run

    def run(*args, **kwargs):
        for obj in list(network.objects):
            if not isinstance(obj, brian2.Synapses) or not len(obj):
                continue
            if _DENDRITIC_MARK in obj.variables:
                paths = {p.objname: p for p in obj.contained_objects
                         if isinstance(p, SynapticPathway)}
                if "post" in paths:
                    paths["post"].delay = 2 * paths["pre"].delay[:]
            marks = [v for v in obj.variables if v.startswith(_FINALIZE_MARK)]
            if marks:
                get_model(marks[0][len(_FINALIZE_MARK):]).brian2.finalize(obj, w="weight")
        return original(*args, **kwargs)

    network.run = run
    network._plasticity_before_run = True


def _delta_weight(model, name, value):
    """pyNN.nest, a rule on its own delta-synapse neuron (clopath: w is a jump in mV): a plain
    number for a weight is in PyNN's units, which pyNN.nest scales by 1000 into NEST's unit
    whatever the cell (a StaticSynapse's 0.001 onto this neuron is a 1 mV jump, and
    ``Projection.get("weight")`` reads NEST's mV / 1000): the same convention here, so weights
    written and read in one script agree.  A unit string ("0.5 mV") is taken as it is."""
    import brian2
    if name in model.param_names and model.param(name).weight or name in ("weight", "w_init"):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return value * 1000.0                       # the model's w is in mV
        q = value
        if isinstance(value, str):
            try:
                q = brian2.Quantity(parse_quantity(value, f"parameter '{name}'"))
            except PlasticityError:
                return value
        if isinstance(q, brian2.Quantity) and \
                brian2.get_dimensions(q) is brian2.get_dimensions(brian2.mV):
            return float(q / brian2.mV)
    return value


def _from_pynn(model, name, value):
    """A value as PyNN users write it -> what the model's validation takes: a plain number in
    PyNN's unit of the parameter's dimension; a conductance for a current weight -> the same
    PyNN number (µS read as nA); anything else unchanged."""
    import brian2
    if name not in model.param_names:
        return value                    # (resolve names the unknown parameter)
    p = model.param(name)
    unit = model.weight_unit if p.weight else p.unit
    if p.choices is not None or unit is None:
        return value
    if isinstance(value, str):
        try:
            value = brian2.Quantity(parse_quantity(value, f"parameter '{name}'"))
        except PlasticityError:
            return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value * _pynn_unit(unit)
    if p.weight and isinstance(value, brian2.Quantity) and \
            brian2.get_dimensions(value) is brian2.get_dimensions(brian2.uS) and \
            brian2.get_dimensions(unit) is brian2.get_dimensions(brian2.nA):
        return float(value / brian2.uS) * brian2.nA
    return value


def delay_ms(model_name, delay) -> float | str:
    """A delay in ms, or PyNN's expression of the distance ``d`` (``"0.1+0.001*d"``, as
    PyNN's StaticSynapse takes it: PyNN evaluates it per connection)."""
    import brian2
    if isinstance(delay, str):
        try:
            q = parse_quantity(delay, "delay")
        except PlasticityError:
            return _distance_expression(model_name, delay)
    else:
        q = delay
    if isinstance(q, (int, float)) and not isinstance(q, bool):
        ms = float(q)
    elif isinstance(q, brian2.Quantity) and brian2.get_dimensions(q) is \
            brian2.get_dimensions(brian2.ms):
        ms = float(q / brian2.ms)
    else:
        raise PlasticityError(f"{model_name}: delay must be a time (ms), got {delay!r}")
    if not ms >= 0 or ms != ms or ms == float("inf"):
        raise PlasticityError(f"{model_name}: delay must be >= 0 ms, got {delay!r}")
    return ms


def _distance_expression(model_name, text: str) -> str:
    """PyNN's delay expression of the distance d (numbers, d, + - * / **, np.<function>,
    abs, min, max), checked here so that a typo is one line now, not an error at connect."""
    import ast
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        tree = None
    names = set() if tree is None else {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    allowed = {"d", "np", "abs", "min", "max"}
    if tree is None or not names <= allowed or "d" not in names or any(
            isinstance(n, ast.Attribute) and not (isinstance(n.value, ast.Name) and
                                                  n.value.id == "np") for n in ast.walk(tree)):
        raise PlasticityError(f"{model_name}: cannot parse delay {text!r} (a time, e.g. 1.5 or "
                              "'1.5 ms', or PyNN's expression of the distance d in µm, e.g. "
                              "'0.1+0.001*d')")
    return text


def pynn_kwargs(model, values: dict, backend: str) -> dict:
    """Resolved values -> the keyword arguments of our PyNN synapse type on ``backend``
    (PyNN units; ``w_init`` -> ``weight``).  On pynn.brian2 options become their numeric Brian2
    constants; on pynn.nest the model's check runs first (raises if not representable)."""
    if backend == "pynn.nest":
        derived = {} if model.derived is None else model.derived(values)  # e.g. nearest: 0/1
        if model.needs_neuron:      # the rest lives on the neuron (cell_type)
            values = {k: v for k, v in values.items()
                      if k == "w_init" or k in {t.name for t in model.nest.table}}
        pynn_params = to_pynn(values)
        pynn_params.update({k: v for k, v in to_pynn(derived).items() if k not in pynn_params})
        if model.nest.check:
            model.nest.check(pynn_params)
        keep = {t.name for t in model.nest.table} | {a for a, _ in model.nest.post_cell_items()}
        out = {k: v for k, v in pynn_params.items() if k in keep or k == "w_init"}
    else:
        out = to_pynn(model.numeric_values(values))
    out["weight"] = out.pop("w_init")
    return out


# ----------------------------------------------------------------------------------------------
# pyNN.brian2
# ----------------------------------------------------------------------------------------------
class _Pathways(dict):
    """Presynaptic code of several Brian2 pathways; PyNN fills it with ``%`` like a string."""
    def __mod__(self, context):
        return {k: v % context for k, v in self.items()}


def brian2_synapses(projection) -> list:
    """pyNN.brian2: the ``brian2.Synapses`` objects a Projection created (PyNN 0.13 keeps them
    in a private attribute and has no public accessor: this is the one place that reads it)."""
    return [syn for group in projection._brian2_synapses.values() for syn in group.values()]


def finalize_projection(projection, model_name: str):
    """pyNN.brian2: apply what PyNN cannot express, after the Projection is built: the delays of
    extra pathways (Graupner–Brunel's presynaptic calcium delay D) and the update order.
    Call it once per Projection of a model whose Brian2 code has ``pathways``."""
    model = get_model(model_name)
    for syn in brian2_synapses(projection):
        model.brian2.finalize(syn, w="weight")


def _pynn_unit(unit):
    """The Brian2 unit in which PyNN gives a value of ``unit``'s dimension (see to_pynn_value)."""
    import brian2
    for u in (brian2.ms, brian2.nA, brian2.uS, brian2.mV, brian2.Hz):
        if brian2.get_dimensions(u) is brian2.get_dimensions(unit):
            return u
    raise PlasticityError(f"no PyNN unit for a parameter in {unit}")


@functools.lru_cache(maxsize=None)
def brian2_synapse_class(model_name: str):
    from brian2 import ms
    from pyNN.standardmodels import StandardSynapseType, build_translations
    from pyNN.brian2.simulator import state

    model = get_model(model_name)
    efficacy = model.brian2.efficacy.format(w="weight")
    eqs, pre, post = model.brian2.render(w="weight", wunit="%(weight_units)s",
                                         transmit=f"%(syn_var)s += {efficacy}")
    defaults = {"weight": 0.0, "delay": None}
    items = [("weight", "weight"), ("delay", "delay", ms)]
    weight_params = ["weight"]
    derived = [n for n in model.numeric_params() if n not in model.param_names]
    for p in [q for q in model.params if q.choices is None] + [Param(n, None, "", weight=n in model.derived_weight) for n in derived]:
        if p.name == "w_init":
            continue
        defaults[p.name] = 0.0
        if p.weight:
            items.append((p.name, p.name))
            weight_params.append(p.name)
        elif p.unit is not None:     # PyNN ms / Hz / mV -> Brian2 SI (the unit of to_pynn)
            items.append((p.name, p.name, _pynn_unit(p.unit)))
        else:
            items.append((p.name, p.name))

    def _get_minimum_delay(self):
        d = state.min_delay
        return state.dt if d == "auto" else d

    def _set_target_type(self, weight_units):
        for name in weight_params:
            self.translations[name]["forward_transform"] = \
                lambda n=name, **P: P[n] * weight_units
            self.translations[name]["reverse_transform"] = \
                lambda n=name, **P: P[n] / weight_units

    def __init__(self, **parameters):
        StandardSynapseType.__init__(self, **parameters)
        self.translations = build_translations(*items)   # per instance: weight units vary

    if isinstance(pre, dict):       # several presynaptic pathways (e.g. delayed calcium)
        pre = _Pathways(pre)
    return type(f"{model_name}_brian2", (StandardSynapseType,), {
        "__doc__": model.doc,
        "default_parameters": defaults,
        "translations": build_translations(*items),
        "eqs": eqs, "pre": pre, "post": post,
        "plasticity_model": model,
        "initial_conditions": dict(model.brian2.initial),
        "__init__": __init__,
        "_get_minimum_delay": _get_minimum_delay,
        "_set_target_type": _set_target_type,
    })


@functools.lru_cache(maxsize=None)
def brian2_relay_cell_class():
    """pyNN.brian2 cell that fires when its 'imposed' input arrives and ignores 'plastic' input.

    A spike from a SpikeSourceArray through a static synapse (delay one time step) adds 1 nA to
    ``v_relay``; the threshold fires one step later and the reset subtracts it again: two steps
    of latency, which the runner compensates.  The plastic synapse writes into ``g_plastic``,
    which has no effect, like receptor 1 of NEST's parrot_neuron.
    """
    from pyNN.standardmodels import StandardCellType
    from pyNN.brian2.cells import BaseNeuronGroup

    class RelayGroup(BaseNeuronGroup):
        def __init__(self, n, equations, **parameters):
            # subtract, not clear: the static synapse of a spike in the next step has already
            # added its 1 nA when the reset runs (Brian2 order: thresholds, synapses, resets)
            BaseNeuronGroup.__init__(self, n, equations, threshold="v_relay > 0.5*nA",
                                     reset="v_relay -= 1*nA", **parameters)

    return type("ImposedSpikeRelay", (StandardCellType,), {
        "__doc__": brian2_relay_cell_class.__doc__,
        "default_parameters": {},
        "default_initial_values": {},
        "translations": {},
        "state_variable_translations": {},
        "eqs": "v_relay : amp\ng_plastic : amp\n",
        "post_synaptic_variables": {IMPOSED: "v_relay", PLASTIC: "g_plastic"},
        "receptor_types": (IMPOSED, PLASTIC),
        "conductance_based": False,
        "brian2_model": RelayGroup,
        "recordable": ["spikes"],
        "injectable": False,
    })


# ----------------------------------------------------------------------------------------------
# pyNN.nest
# ----------------------------------------------------------------------------------------------
def nest_synapse_class(model_name: str, values: dict | None = None):
    """Our pyNN.nest synapse type class of ``model_name`` for parameter values ``values`` (the
    mapping's variant where it applies, e.g. a NESTML rule for some sets)."""
    model = get_model(model_name)
    variant = values is not None and model.for_nest(values).nest is not model.nest
    return _nest_synapse_class(model_name, variant)


@functools.lru_cache(maxsize=None)
def _nest_synapse_class(model_name: str, variant: bool):
    import nest
    from pyNN.standardmodels import StandardSynapseType, build_translations
    from pyNN.nest.synapses import NESTSynapseMixin

    model = get_model(model_name)
    mapping = model.nest.variant if variant else model.nest
    if mapping is None:
        raise PlasticityError(f"model '{model_name}' has no NEST mapping")
    items = [("delay", "delay")]
    native_names = {t.native for t in mapping.table}
    for t in mapping.table:
        items.append((t.name, t.native, lambda t=t, **P: t.forward(P),
                      lambda t=t, **P: t.reverse(P)))
    post_items = mapping.post_cell_items()
    table_names = {t.name for t in mapping.table}
    for name, native in post_items:
        if name not in table_names:     # a synapse parameter NEST also needs on the neuron
            items.append((name, native))
    defaults = {"delay": None}
    for t in mapping.table:
        defaults[t.name] = 0.0
    for name, _ in post_items:
        defaults[name] = 0.0

    def translate(self, parameters, copy=True):
        native = StandardSynapseType.translate(self, parameters, copy)
        for name, f in mapping.initial.items():
            native.update(**{name: f(parameters)})
        for _, nat in post_items:       # neuron parameters: set by _set_tau_minus, not on synapses
            if nat in native.keys():
                native.pop(nat)
        return native

    def _set_tau_minus(self, cells):
        """Set every parameter NEST keeps on the postsynaptic neuron (pyNN.nest only knows
        tau_minus; the triplet rule also needs tau_minus_triplet)."""
        if len(cells) == 0:
            return
        for name, nat in post_items:
            value = self.parameter_space[name]
            if not value.is_homogeneous:
                raise PlasticityError(f"{model_name} on pynn.nest: '{name}' lives on the "
                                      "postsynaptic neuron and must be the same for all synapses")
            value.shape = (1,)
            cells.set({nat: float(value.evaluate(simplify=True))})

    def _get_nest_synapse_model(self):
        if mapping.nestml is not None:
            from . import nestml
            _check_nestml_targets(model_name, mapping.nestml, _calling_projection())
            nestml.install(nest, mapping.nestml.module)
        name = NESTSynapseMixin._get_nest_synapse_model(self)
        if "Wmax" in native_names and "stdp" not in name:
            # pyNN.nest makes an inhibitory weight onto a conductance-based cell negative and
            # flips the sign of Wmax only for models named "stdp" (NEST wants both signs the
            # same): a copy whose name says so gets the same treatment
            k = sum(m.startswith(f"{mapping.synapse_model}_stdp_signed")
                    for m in nest.synapse_models)
            signed = f"{mapping.synapse_model}_stdp_signed{k}"
            nest.CopyModel(name, signed)           # (with the defaults just set on name)
            name = signed
        if self.integer_state:
            nest.SetDefaults(name, self.integer_state)
        if "tau_minus" in native_names and not post_items:
            # a synapse parameter named tau_minus (a NESTML rule's): pyNN.nest drops it from
            # the model defaults and from every connection (it takes it for the neuron's), so
            # it reaches the connections as the model's default
            value = self.native_parameters["tau_minus"]
            if not value.is_homogeneous:
                raise PlasticityError(f"{model_name} on pyNN.nest: 'tau_minus' must be the same "
                                      "for all synapses of a projection")
            value.shape = (1,)
            nest.SetDefaults(name, {"tau_minus": float(np.ravel(value.evaluate(simplify=True))[0])})
        if getattr(self, "weight_recorder", None) is not None:
            nest.SetDefaults(name, {"weight_recorder": self.weight_recorder})
        if mapping.volume_transmitter and getattr(self, "volume_transmitter", None) is None:
            # a user's script: one volume transmitter per synapse type, fed by connect_reward
            self.volume_transmitter = nest.Create("volume_transmitter")
        if getattr(self, "volume_transmitter", None) is not None:
            nest.SetDefaults(name, {"volume_transmitter": self.volume_transmitter})
        return name

    return type(f"{model_name}_nest", (StandardSynapseType, NESTSynapseMixin), {
        "__doc__": model.doc,
        "nest_name": mapping.synapse_model,
        "default_parameters": defaults,
        "translations": build_translations(*items),
        "translate": translate,
        "_set_tau_minus": _set_tau_minus,
        "_get_nest_synapse_model": _get_nest_synapse_model,
        "weight_recorder": None,
        "integer_state": None,
        "plasticity_model": model,
        "volume_transmitter": None,     # neuromodulated synapses: a NEST volume_transmitter
    })


def _calling_projection():
    """The pyNN.nest Projection being built (its ``__init__`` asks the synapse type for the NEST
    model before connecting, and passes nothing else): found on the call stack, None if the
    call came from elsewhere."""
    import inspect
    from pyNN.nest.projections import Projection
    frame = inspect.currentframe()
    try:
        while frame is not None:
            candidate = frame.f_locals.get("self")
            if isinstance(candidate, Projection):
                return candidate
            frame = frame.f_back
        return None
    finally:
        del frame


def check_nestml_target_models(model_name: str, rule, node_models) -> None:
    """Refuse, in one line, NEST node models a NESTML rule cannot connect onto: a rule that reads
    postsynaptic spikes runs only onto the neuron generated with it (NEST would end the process
    at the first connection: the module's check is made safe, but nothing should get there)."""
    wrong = sorted(set(node_models) - {rule.relay_model})
    if rule.on_post and wrong:
        raise PlasticityError(
            f"{model_name} on NEST is a NESTML synapse that connects only onto its relay neuron "
            f"{rule.relay_model} (PyNN: nestml_relay_cell_class), not onto {', '.join(wrong)}: "
            "a network of standard cells with this rule runs on pyNN.brian2 or plain Brian2")


def node_models(nodes) -> set:
    """The NEST model names of ``nodes`` (a NodeCollection)."""
    models = nodes.get("model")
    return {str(models)} if isinstance(models, str) else {str(m) for m in models}


def _check_nestml_targets(model_name, rule, projection):
    if projection is None or not rule.on_post:
        return
    import nest
    cells = sorted({int(c) for c in projection.post.local_cells})
    if cells:
        check_nestml_target_models(model_name, rule, node_models(nest.NodeCollection(cells)))


@functools.lru_cache(maxsize=None)
def nest_parrot_cell_class():
    """NEST parrot_neuron as a PyNN cell type with two receptors: 'imposed' (port 0) repeats
    every spike it receives; 'plastic' (port 1) does not (the synapse under test connects there,
    as in NEST's own STDP tests)."""
    from pyNN.nest.cells import native_cell_type
    base = native_cell_type("parrot_neuron")

    def get_receptor_type(self, name):
        return {IMPOSED: 0, PLASTIC: 1}[name]

    return type("ImposedSpikeParrot", (base,), {
        "receptor_types": [IMPOSED, PLASTIC],
        "standard_receptor_type": False,
        "get_receptor_type": get_receptor_type,
    })


def cell_type(model_name: str, sim, params: str | None = None, **overrides):
    """The neuron a rule with its own neuron needs, as a PyNN cell type on pyNN.nest
    (``clopath``: NEST's ``aeif_psc_delta_clopath`` with the model's AdEx, filter and rule
    parameters, starting at rest, u_bar filters at E_L).  ``overrides`` as in the model
    (units as strings, or plain numbers in PyNN's units)::

        cells = sim.Population(10, cell_type("clopath", sim, A_LTP="1.4e-4/mV**2"))
        syn = synapse_type("clopath", sim, weight=0.5)     # mV of PSP jump, as in NEST
    """
    model = get_model(model_name)
    backend = _backend_name(sim)
    if not model.needs_neuron:
        raise PlasticityError(f"model '{model_name}' needs no neuron of its own: its synapse "
                              "type goes onto any PyNN cell")
    if backend != "pynn.nest":
        raise PlasticityError(f"model '{model_name}': its neuron exists on pyNN.nest only "
                              "(plain Brian2: make_neuron)")
    values = model.resolve(params, {k: _from_pynn(model, k, v) for k, v in overrides.items()})
    native = model.nest.neuron_params(values)
    e_l = native["E_L"]
    base = sim.native_cell_type(model.nest.neuron)
    initial = dict(base.default_initial_values,
                   **{k: e_l for k in ("V_m", "u_bar_plus", "u_bar_minus", "u_bar_bar")})
    cls = type(f"{model_name}_cell", (base,), {"default_initial_values": initial})
    return cls(**native)


def connect_reward_pynn(projection, reward_times, readout_times=()):
    """A neuromodulated rule (``stdp_dopamine``) in a PyNN script: reward (dopamine) spikes at
    ``reward_times`` (ms, or a Brian2 quantity) reach every synapse of ``projection``, on
    pyNN.nest through the volume transmitter its synapse type carries, on pyNN.brian2 through a
    reward pathway onto the synapses (the same rule and numbers).  The rule stores w, c and n at
    events; ``readout_times``: ticks that bring them up to that time on pyNN.brian2 (on NEST
    the volume transmitter does it every time step), so that ``projection.get("weight")``
    after ``sim.run(T)`` with a tick at T is exact at T on both.  Call it after the
    Projection, before ``sim.run``."""
    import brian2 as b2
    syn_type = projection.synapse_type
    model = getattr(syn_type, "plasticity_model", None)
    if model is None or model.brian2.on_modulator is None:
        raise PlasticityError("connect_reward: the projection's synapse type must be "
                              "synapse_type('stdp_dopamine', sim, ...) (a reward-modulated rule)")
    as_ms = lambda v: np.atleast_1d(np.asarray(
        b2.Quantity(v) / b2.ms if isinstance(v, b2.Quantity) else v, float))
    reward, ticks = as_ms(reward_times), as_ms(readout_times)
    sim = projection._simulator
    dt = float(sim.state.dt)
    if np.any(reward < 2 * dt) or np.any(~np.isfinite(reward)):
        raise PlasticityError(f"connect_reward: reward times must be >= {2 * dt:g} ms")
    if projection.__class__.__module__.startswith("pyNN.nest"):
        import math
        import nest
        if len(ticks):
            # the transmitter brings every synapse up to date every deliver_interval min_delays;
            # pyNN.nest simulates one min_delay past the requested time, so an interval of one
            # would read the weight at T + min_delay: ticks set the interval to their gcd
            md = float(sim.state.min_delay)
            k = np.round(ticks / md)
            if np.any(np.abs(k * md - ticks) > 1e-9) or np.any(k < 2):
                raise PlasticityError(f"connect_reward on pyNN.nest: read-out times must be "
                                      f"multiples of min_delay = {md:g} ms, >= {2 * md:g} ms")
            interval = math.gcd(*(int(x) for x in k))
            if interval < 2:
                raise PlasticityError("connect_reward on pyNN.nest: read-out times must be at "
                                      "least 2 min_delay apart (gcd of their steps)")
            nest.SetStatus(syn_type.volume_transmitter, {"deliver_interval": interval})
        # a device cannot feed a volume transmitter: generator -> parrot -> transmitter
        gen = nest.Create("spike_generator",
                          params={"spike_times": np.round(reward / dt) * dt - 2 * dt})
        parrot = nest.Create("parrot_neuron")
        nest.Connect(gen, parrot, syn_spec={"delay": dt})
        nest.Connect(parrot, syn_type.volume_transmitter, syn_spec={"delay": dt})
        projection._plasticity_reward = (gen, parrot)
        return parrot
    from .modulation import reward_pathway
    pathways = []
    for syn in brian2_synapses(projection):
        wunit = repr(b2.get_unit(syn.variables["weight"].dim))
        shift = 0.0
        if _DENDRITIC_MARK in syn.variables:    # events seen d later than NEST sees them
            delays = np.unique(np.asarray(syn.pre.delay[:] / b2.second))
            if len(delays) > 1:
                raise PlasticityError("connect_reward on pyNN.brian2: the projection's delays "
                                      "must be equal (dendritic delays with a reward input)")
            shift = float(delays[0]) if len(delays) else 0.0
        pathway = reward_pathway(syn, model, reward * b2.ms, ticks * b2.ms, w="weight",
                                 wunit=wunit, ticks_at_run_end=True, shift=shift)
        sim.state.network.add(pathway, *pathway.contained_objects)
        pathways.append(pathway)
    return pathways


def nestml_relay_cell_class(model):
    """pyNN.nest: the NESTML relay neuron paired with ``model``'s NESTML rule (models/nestml.py),
    with the same two receptors as :func:`nest_parrot_cell_class` ('imposed' repeats, 'plastic'
    does not).  Loads the module (call after ``sim.setup``)."""
    import nest
    from pyNN.nest.cells import native_cell_type
    from . import nestml
    rule = model.nest.nestml
    nestml.install(nest, rule.module)
    base = native_cell_type(rule.relay_model)

    def get_receptor_type(self, name):
        return {IMPOSED: nestml.RECEPTORS["imposed"], PLASTIC: nestml.RECEPTORS["plastic"]}[name]

    return type("ImposedSpikeRelay", (base,), {
        "receptor_types": [IMPOSED, PLASTIC],
        "standard_receptor_type": False,
        "get_receptor_type": get_receptor_type,
    })


def poisson_inputs(sim, n: int, rate_hz: float, label: str | None = None):
    """A population of ``n`` independent Poisson spike sources at ``rate_hz`` for a PyNN
    network, usable as the presynaptic side of plastic projections and recordable ("spikes").

    On pyNN.nest this is one NEST ``poisson_generator`` driving ``n`` ``parrot_neuron``s (the
    generator sends an independent train to each parrot), which is what a PyNEST script does.
    PyNN's own ``SpikeSourcePoisson`` creates one generator per source: measured here, 1000
    generators make a 10 s, 10^4-synapse network 3x slower (9.6 s against 3.3 s, NEST 3.10),
    because every generator is updated at every step.  Rates are fixed after creation.
    On pyNN.brian2 it is PyNN's ``SpikeSourcePoisson`` (one Brian2 group already)."""
    backend = _backend_name(sim)
    if n < 1 or not rate_hz >= 0:
        raise PlasticityError(f"poisson_inputs: need n >= 1 and rate >= 0, got {n}, {rate_hz}")
    if backend == "pynn.brian2":
        return sim.Population(n, sim.SpikeSourcePoisson(rate=rate_hz), label=label)
    import nest
    parrots = sim.Population(n, nest_parrot_cell_class()(), label=label)
    generator = nest.Create("poisson_generator", params={"rate": float(rate_hz)})
    nest.Connect(generator, parrots.node_collection, "all_to_all",
                 syn_spec={"delay": sim.state.dt})
    parrots._poisson_generator = generator          # keep it with the population
    return parrots
