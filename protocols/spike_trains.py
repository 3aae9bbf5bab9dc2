"""Any spike schedule from a JSON file (``--schedule FILE``)::

    {"duration_ms": D,
     "conditions": [{"label": "...", "pre": [ms, ...], "post": [ms, ...], "w_init": optional}]}

Times are at the synapse, on the 0.1 ms grid, within [0, D].  ``w_init`` is in the model's
weight unit (dimensionless for STDP, pA for Tsodyks–Markram) or a string with a unit.
"""
from plasticity.models.core import PlasticityError

from .base import Protocol
from .schedule import load_schedule_json
from .tsodyks_markram_1998 import measure as stp_measure


def build(model, values, options, schedule_file=None):
    if not schedule_file:
        raise PlasticityError("spike_trains needs --schedule FILE")
    return load_schedule_json(schedule_file)


def measure(result):
    if result.model.plastic:
        return [{} for _ in result.schedule.conditions]
    return stp_measure(result)


PROTOCOL = Protocol(
    name="spike_trains",
    title="Spike schedule from a JSON file",
    doc=__doc__,
    families=("stdp", "stp", "reward", "inhibitory", "stochastic", "homeostatic"),
    options=[],
    build=build,
    measure=measure,
    needs_schedule_file=True,
)
