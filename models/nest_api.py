"""Use a model from a plain NEST script: the NEST synapse model and its parameters, translated.

    import nest
    from plasticity.models import nest_synapse
    spec = nest_synapse("stdp_pair", params="multiplicative", tau_plus="16.8 ms")
    post.set(spec.post_neuron)                       # e.g. tau_minus: NEST keeps it there
    nest.Connect(pre, post, syn_spec={**spec.syn_spec, "delay": 1.0})

A synapse model whose parameters NEST holds per model (``stdp_pl_synapse_hom``,
``stdp_dopamine_synapse``) has them in ``spec.model_defaults``: ``spec.copy_model()`` makes a
copy of the NEST model with them and returns the ``syn_spec`` that names it.

Values are written as a NEST user writes them: plain numbers in NEST's units (ms, pA, nS, mV,
pF, Hz; a dimensionless parameter as it is), unit strings (``tau_plus="16.8 ms"``,
``A_LTP="8e-6/mV**2"``) or Brian2 quantities; ``weight`` is the initial weight (the set's
``w_init``, in the model's weight unit: pA for a current, the bare number of a dimensionless
weight) and ``delay`` the connection's delay (ms).  They go through the model's own validation
and its NEST translation table (the same one the PyNN wrapper uses).

A NESTML rule that reads postsynaptic spikes connects only onto the neuron generated with it
(``spec.needs`` names it); :meth:`NestSynapse.connect` checks the target nodes before
connecting and refuses others in one line (the package's module raises NEST's
IllegalConnection instead of ending the process, should a plain ``nest.Connect`` get there).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .core import PlasticityError, forward_translate, to_pynn
from . import get_model


@dataclass(frozen=True)
class NestSynapse:
    """``synapse_model`` and ``syn_spec`` (for ``nest.Connect``; it names the synapse model and
    holds every translated parameter, the initial state and ``weight``), ``post_neuron``
    (parameters NEST keeps on the postsynaptic neuron, to ``set`` there; for a rule with its
    own neuron, e.g. clopath, that neuron's parameters), ``needs`` (what else the model needs
    in NEST, e.g. a volume_transmitter) and ``model_defaults`` (see :meth:`copy_model`)."""
    synapse_model: str
    syn_spec: dict
    post_neuron: dict = field(default_factory=dict)
    needs: tuple = ()
    model_defaults: dict = field(default_factory=dict)
    model_name: str = ""
    target_models: tuple = ()       # the only node models it connects onto (NESTML pairs)
    module: str = ""                # the package's NESTML module to install first, if any
    # NEST applies part of the rule at the next presynaptic spike (e.g. the potentiation of
    # post spikes since the last pre spike): a connection's weight lags until then.  A pre
    # spike ``flush_gap_ms`` after the last event brings it up to date (its own update is
    # below exp(-50) relative), with ``flush_zero`` set to 0 just before it (a rule whose pre
    # spike changes the weight by a constant); None: the weight is always current.
    flush_gap_ms: float | None = None
    flush_zero: tuple = ()
    # quiet time before the first event, for NEST models that pair post spikes before the first
    # pre spike with a phantom pre spike at time 0 (stdp_nn_*): below exp(-50) after it
    lead_in_ms: float = 0.0

    def copy_model(self, name: str | None = None, **common) -> dict:
        """Copy the NEST synapse model with ``model_defaults`` and ``common`` (properties
        common to its connections, e.g. ``weight_recorder=wr``) as ``name`` (default a fresh
        name), and return the ``syn_spec`` for ``nest.Connect`` that uses the copy."""
        import nest
        if name is None:
            k = 0
            while f"{self.synapse_model}_plasticity_{k}" in nest.synapse_models:
                k += 1
            name = f"{self.synapse_model}_plasticity_{k}"
        nest.CopyModel(self.synapse_model, name, {**self.model_defaults, **common})
        return {**self.syn_spec, "synapse_model": name}

    def check_targets(self, post) -> None:
        """Refuse, in one line, target nodes this synapse cannot connect onto (a NESTML rule
        that reads postsynaptic spikes: only its relay neuron)."""
        import nest
        if not self.target_models or len(post) == 0:
            return
        from .pynn_types import check_nestml_target_models, node_models
        from . import get_model
        rule = get_model(self.model_name).nest_rule(self.synapse_model)
        check_nestml_target_models(self.model_name, rule, node_models(post))

    def connect(self, pre, post, conn_spec="all_to_all", syn_spec=None, **extra):
        """``nest.Connect(pre, post, conn_spec, {**self.syn_spec, **extra})`` after
        :meth:`check_targets`; ``syn_spec`` (e.g. from :meth:`copy_model`) replaces
        ``self.syn_spec``.  Returns the new connections."""
        import nest
        self.check_targets(post)
        spec = {**(self.syn_spec if syn_spec is None else syn_spec), **extra}
        nest.Connect(pre, post, conn_spec, spec)
        return nest.GetConnections(pre, post, synapse_model=spec["synapse_model"])


def nest_synapse(model_name: str, params: str | None = None, **overrides) -> NestSynapse:
    """The NEST side of ``model_name`` with parameter set ``params`` and ``overrides`` (units
    allowed: ``tau_plus="10ms"``).  Raises a one-line PlasticityError for a model without a
    NEST model or values NEST cannot represent."""
    model = get_model(model_name)
    mapping = model.nest
    if mapping is None:
        raise PlasticityError(f"model '{model_name}' has no NEST synapse model"
                              + (f": {model.no_nest_reason}" if model.no_nest_reason else ""))
    overrides = model.connection_overrides(overrides)
    overrides, delay = model.weight_and_delay(overrides)
    values = model.resolve(params, {k: _from_nest(model, k, v) for k, v in overrides.items()})
    model = model.for_nest(values)          # (a NESTML rule for some parameter sets)
    mapping = model.nest
    # the parameters the NEST synapse and its post neuron take (a rule with its own neuron
    # keeps others, in units PyNN has none for: see the model's NEST section)
    names = {t.name for t in mapping.table} | {a for a, _ in mapping.post_cell_items()} | \
        {"w_init"} | {p.name for p in model.params if p.choices is not None}
    pynn = to_pynn({k: v for k, v in values.items() if k in names})
    if model.derived is not None:           # numeric flags of options (e.g. nearest)
        pynn.update({k: v for k, v in to_pynn(model.derived(values)).items() if k not in pynn})
    if mapping.check:
        mapping.check(pynn)
    pynn["weight"] = pynn.pop("w_init")
    syn = {"synapse_model": mapping.synapse_model,
           **forward_translate(mapping.table, pynn)}
    syn.update({name: f(pynn) for name, f in mapping.initial.items()})
    syn.update({k: int(round(float(values[p]))) for k, p in mapping.integer_state.items()})
    post = {native: pynn[name] for name, native in mapping.post_cell_items()}
    if mapping.neuron_params is not None:
        post.update(mapping.neuron_params(values))
    for name, native in mapping.post_cell_items():
        syn.pop(native, None)           # NEST refuses them on the synapse
    defaults = {k: syn.pop(k) for k in mapping.common if k in syn}
    needs = ()
    if mapping.volume_transmitter:
        needs = ("a volume_transmitter: nest.SetDefaults(synapse_model, {'volume_transmitter': "
                 "vt}) with the reward spikes connected to vt",)
    if mapping.neuron:
        needs += (f"post neurons of NEST model {mapping.neuron} with post_neuron",)
    if mapping.nestml is not None:
        rule = mapping.nestml
        needs += (f"the package's NESTML module: plasticity.models.nestml.install(nest, "
                  f"'{rule.module}') after nest.ResetKernel(), before creating nodes",)
        if rule.on_post:
            needs += (f"post neurons of NEST model {rule.relay_model} (a relay: receptor 1 "
                      "repeats imposed spikes, receptor 2 takes this synapse; NESTML delivers "
                      "post spikes to the synapse only through the neuron built with it)",)
    if delay is not None:
        from .pynn_types import delay_ms
        syn["delay"] = delay_ms(model_name, delay)
        if isinstance(syn["delay"], str):
            raise PlasticityError(f"{model_name}: a NEST delay is a number of ms, got "
                                  f"{delay!r}")
    targets = (mapping.nestml.relay_model,) if mapping.nestml is not None and \
        mapping.nestml.on_post else ()
    return NestSynapse(
        mapping.synapse_model, syn, post, needs, defaults, model_name, targets,
        module=mapping.nestml.module if mapping.nestml is not None else "",
        flush_gap_ms=None if mapping.flush_gap is None else float(mapping.flush_gap(values)),
        flush_zero=tuple(mapping.flush_zero),
        lead_in_ms=0.0 if mapping.lead_in is None else float(mapping.lead_in(values)))


# NEST's units of the dimensions the models' parameters have (a plain number is in these)
def _nest_units():
    import brian2
    mV = brian2.mV
    return (brian2.ms, brian2.pA, brian2.nS, mV, brian2.pF, brian2.Hz, mV ** 2, 1 / mV,
            1 / mV ** 2)


def _from_nest(model, name, value):
    """A plain number as a NEST user writes it -> a quantity in NEST's unit of the parameter's
    dimension (a weight: the model's weight unit); anything else unchanged."""
    import brian2
    if name not in model.param_names or isinstance(value, bool) or \
            not isinstance(value, (int, float)):
        return value
    p = model.param(name)
    unit = model.weight_unit if p.weight else p.unit
    if p.choices is not None or unit is None or \
            brian2.get_dimensions(unit) is brian2.get_dimensions(1):
        return value
    for u in _nest_units():
        if brian2.get_dimensions(u) is brian2.get_dimensions(unit):
            return value * u
    raise PlasticityError(f"{model.name}: give '{name}' with its unit (e.g. '{value} "
                          f"{unit}'): NEST has no unit of its dimension")
