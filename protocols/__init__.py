"""Protocols: spike schedules of classic plasticity experiments, the engine that runs them on
every backend in one simulation, and their Neo output."""
from plasticity.models.core import PlasticityError, closest

from . import (assemblies, conv_stdp, digits_wta, bi_poo_1998, clopath_2010_connectivity, clopath_2010_fig2b, dudek_bear_1992, homeostatic_scaling, izhikevich_2007,
               izhikevich_2007_network, nengo_crosscheck, reservoir_prediction, reward_learning, sjostrom_2001, song_2000, spike_trains, stochastic_release,
               tsodyks_markram_1998, vogels_2011, voltage_clamp, wang_2005)
from .base import Protocol

PROTOCOLS: dict[str, Protocol] = {p.name: p for p in (
    bi_poo_1998.PROTOCOL, sjostrom_2001.PROTOCOL, wang_2005.PROTOCOL, song_2000.PROTOCOL,
    tsodyks_markram_1998.PROTOCOL, dudek_bear_1992.PROTOCOL, voltage_clamp.PROTOCOL,
    izhikevich_2007.PROTOCOL, izhikevich_2007_network.PROTOCOL, vogels_2011.PROTOCOL,
    clopath_2010_fig2b.PROTOCOL, clopath_2010_connectivity.PROTOCOL, nengo_crosscheck.PROTOCOL,
    assemblies.PROTOCOL, digits_wta.PROTOCOL, digits_wta.PROTOCOL_400,
    digits_wta.CLUSTERING, reservoir_prediction.PROTOCOL,
    reward_learning.PROTOCOL, conv_stdp.PROTOCOL,
    stochastic_release.PROTOCOL, homeostatic_scaling.PROTOCOL,
    spike_trains.PROTOCOL)}


def get_protocol(name: str) -> Protocol:
    if name not in PROTOCOLS:
        raise PlasticityError(f"unknown protocol '{name}'{closest(name, PROTOCOLS)} (known: "
                              f"{', '.join(PROTOCOLS)})")
    return PROTOCOLS[name]
