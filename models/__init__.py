"""Synaptic plasticity models: one module per rule family, registered here by name."""
from .core import BACKENDS, Model, PlasticityError
from . import (clopath, graupner_brunel, rate, stdp_dopamine, stdp_nn, stdp_pair, stdp_power_law,
               stdp_triplet, stochastic, synaptic_scaling, tsodyks_markram, vogels_sprekeler)

MODELS: dict[str, Model] = {m.name: m for m in (
    stdp_pair.MODEL, *stdp_nn.MODELS, stdp_triplet.MODEL, stdp_power_law.MODEL,
    tsodyks_markram.MODEL, clopath.MODEL, graupner_brunel.MODEL, *rate.MODELS,
    stdp_dopamine.MODEL, vogels_sprekeler.MODEL, *stochastic.MODELS,
    *synaptic_scaling.MODELS)}

def _version() -> str:
    """The installed distribution's version: pyproject.toml holds the one version string."""
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("plasticity-models")
    except PackageNotFoundError:          # a source tree that was not installed
        return "unknown"


__version__ = _version()


def get_model(name: str) -> Model:
    if name not in MODELS:
        raise PlasticityError(unknown_name_message("model", name, MODELS) +
                              " (an event-driven rule of your own: define_rule)")
    return MODELS[name]


def unknown_name_message(kind: str, name, known) -> str:
    """"unknown model 'stdp_pari': not in this collection; closest: stdp_pair (known: ...)"."""
    from .core import closest
    near = closest(name, known)
    return f"unknown {kind} '{name}': not in this collection{near} (known: {', '.join(known)})"


__all__ = ["BACKENDS", "MODELS", "Model", "PlasticityError", "get_model"]


# the ways in for a user's own Brian2, NEST or PyNN script (after get_model, which they use)
from .brian2_api import connect_reward, current_value, make_neuron, make_synapses  # noqa: E402
from .nest_api import nest_synapse  # noqa: E402
from .pynn_types import cell_type, synapse_type  # noqa: E402
from .user_rule import define_rule, rule_param  # noqa: E402

__all__ += ["connect_reward", "current_value", "make_neuron", "make_synapses", "nest_synapse", "synapse_type",
            "cell_type", "define_rule", "rule_param"]
