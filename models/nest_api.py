"""Use a model from a plain NEST script: the NEST synapse model and its parameters, translated.

    import nest
    from plasticity.models import nest_synapse
    spec = nest_synapse("stdp_pair", params="multiplicative", tau_plus="16.8 ms")
    post.set(spec.post_neuron)                       # e.g. tau_minus: NEST keeps it there
    nest.Connect(pre, post, syn_spec={**spec.syn_spec, "delay": 1.0})

A synapse model whose parameters NEST holds per model (``stdp_pl_synapse_hom``,
``stdp_dopamine_synapse``) has them in ``spec.model_defaults``: ``spec.copy_model()`` makes a
copy of the NEST model with them and returns the ``syn_spec`` that names it.

Values go through the model's own validation and its NEST translation table (the same one the
PyNN wrapper uses), in NEST's units (ms, pA or nS, mV); ``weight`` is the set's ``w_init``.
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

    def copy_model(self, name: str | None = None) -> dict:
        """Copy the NEST synapse model with ``model_defaults`` (as ``name``, default a fresh
        name) and return the ``syn_spec`` for ``nest.Connect`` that uses the copy."""
        import nest
        if not self.model_defaults:
            return dict(self.syn_spec)
        if name is None:
            k = 0
            while f"{self.synapse_model}_plasticity_{k}" in nest.synapse_models:
                k += 1
            name = f"{self.synapse_model}_plasticity_{k}"
        nest.CopyModel(self.synapse_model, name, self.model_defaults)
        return {**self.syn_spec, "synapse_model": name}


def nest_synapse(model_name: str, params: str | None = None, **overrides) -> NestSynapse:
    """The NEST side of ``model_name`` with parameter set ``params`` and ``overrides`` (units
    allowed: ``tau_plus="10ms"``).  Raises a one-line PlasticityError for a model without a
    NEST model or values NEST cannot represent."""
    model = get_model(model_name)
    mapping = model.nest
    if mapping is None:
        raise PlasticityError(f"model '{model_name}' has no NEST synapse model"
                              + (f": {model.no_nest_reason}" if model.no_nest_reason else ""))
    values = model.resolve(params, overrides)
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
    return NestSynapse(mapping.synapse_model, syn, post, needs, defaults)
