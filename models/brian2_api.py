"""Use a model from a plain Brian2 script: you get a ``brian2.Synapses``.

    from plasticity.models.brian2_api import make_synapses
    S = make_synapses("stdp_pair", pre, post, params="multiplicative",
                      transmit="ge_post += w*nS", tau_plus="10ms")
    S.connect(p=0.1)
    S.w = "w_init"          # or any value in [0, w_max]

Parameters become per-synapse constants (set after ``connect``); ``w_init`` is available as a
namespace value for initialising ``w``.
"""
from __future__ import annotations

from .core import PlasticityError
from . import get_model


def make_synapses(model_name, source, target, params=None, transmit="", connect=None,
                  shared=False, **overrides):
    """A ``brian2.Synapses`` running ``model_name`` with parameter set ``params`` and
    ``overrides``.  ``shared=True``: the parameters are namespace constants, the same for every
    synapse (as in Brian2's own STDP example): less memory per synapse and faster updates in
    large networks (``make bench``), but no per-synapse values (``S.namespace['tau_plus']``
    instead of ``S.tau_plus``).  Default: per-synapse constants."""
    model = get_model(model_name)
    if model.needs_neuron:
        raise PlasticityError(f"model '{model_name}' needs its own neuron, {model.needs_neuron}: "
                              "run it through its protocols (plasticity.protocols.run.clopath "
                              "builds the network)")
    values = model.resolve(params, overrides)
    constants = None
    if shared:
        constants = {k: v for k, v in model.numeric_values(values).items() if k != "w_init"}
    syn = plastic_synapses(model, source, target, transmit=transmit, shared=constants,
                           namespace={"w_init": values["w_init"]})
    if connect is not None:
        syn.connect(**connect) if isinstance(connect, dict) else syn.connect(connect)
        set_parameters(syn, model_name, values)
    return syn


def plastic_synapses(model, source, target, transmit="", shared=None, namespace=None,
                     **synapses_kwargs):
    """The ``brian2.Synapses`` of ``model`` as this package creates them: with the model's
    post-pathway-first code where it has one (``Brian2Equations.post_first``; ``finalize``, run by
    :func:`set_parameters`, sets that order).  ``shared``: {name: value} constants that become
    namespace constants (``Brian2Equations.render_shared``) instead of per-synapse arrays."""
    import brian2 as b2
    wunit = weight_unit_name(model)
    if shared is not None:
        eqs, on_pre, on_post, ns = model.brian2.render_shared(
            shared, w="w", wunit=wunit, transmit=transmit, post_first=True)
        namespace = {**(namespace or {}), **ns}
    else:
        eqs, on_pre, on_post = model.brian2.render(w="w", wunit=wunit, transmit=transmit,
                                                   post_first=True)
    syn = b2.Synapses(source, target, model=eqs, on_pre=on_pre, on_post=on_post,
                      namespace=namespace, **synapses_kwargs)
    syn._plasticity_shared = shared is not None
    syn._plasticity_post_first = True
    return syn


def weight_unit_name(model) -> str:
    """Brian2 equation unit of the weight: '1' or the SI base unit (e.g. 'amp' for pA)."""
    if model.weight_unit is None:
        return "1"
    from brian2 import get_unit
    return repr(get_unit(model.weight_unit.dim))


def set_parameters(syn, model_name, values):
    """Set the model parameters, the initial state and w = w_init on connected synapses."""
    model = get_model(model_name)
    from brian2.devices.device import RuntimeDevice, get_device
    if isinstance(get_device(), RuntimeDevice) and len(syn) == 0:   # standalone: known later
        raise PlasticityError("set_parameters: connect the synapses first")
    if not getattr(syn, "_plasticity_shared", False):
        for name, value in model.numeric_values(values).items():
            if name != "w_init":
                setattr(syn, name, value)
    for k, v in model.brian2.initial.items():
        setattr(syn, k, v)
    syn.w = values["w_init"]
    model.brian2.finalize(syn)
