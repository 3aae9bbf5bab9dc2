"""Use a model from a plain Brian2 script: you get a ``brian2.Synapses``.

    from models.brian2_api import make_synapses
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
                  **overrides):
    import brian2 as b2
    model = get_model(model_name)
    if not model.brian2.model:
        raise PlasticityError(f"model '{model_name}' needs its own neuron: run it through its "
                              "protocols (protocols/clopath_runner.py builds the network)")
    values = model.resolve(params, overrides)
    eqs, on_pre, on_post = model.brian2.render(w="w", wunit=weight_unit_name(model),
                                               transmit=transmit)
    syn = b2.Synapses(source, target, model=eqs, on_pre=on_pre, on_post=on_post,
                      namespace={"w_init": values["w_init"]})
    if connect is not None:
        syn.connect(**connect) if isinstance(connect, dict) else syn.connect(connect)
        set_parameters(syn, model_name, values)
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
    if len(syn) == 0:
        raise PlasticityError("set_parameters: connect the synapses first")
    for name, value in model.numeric_values(values).items():
        if name != "w_init":
            setattr(syn, name, value)
    for k, v in model.brian2.initial.items():
        setattr(syn, k, v)
    syn.w = values["w_init"]
    model.brian2.finalize(syn)
