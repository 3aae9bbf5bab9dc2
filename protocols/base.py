"""Protocol registry: a protocol builds a spike schedule and names the data it is compared with."""
from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Callable

from plasticity.models.core import Model, PlasticityError


@dataclass(frozen=True)
class Option:
    name: str
    default: object
    doc: str
    kind: type = float
    low: float | None = None

    def coerce(self, text, protocol):
        try:
            value = self.kind(float(text)) if self.kind is int else self.kind(text)
        except (TypeError, ValueError):
            raise PlasticityError(f"{protocol}: option '{self.name}' must be a "
                                  f"{self.kind.__name__}, got '{text}'") from None
        if self.kind is int and float(text) != int(float(text)):
            raise PlasticityError(f"{protocol}: option '{self.name}' must be an integer, got "
                                  f"'{text}'")
        if self.low is not None and value < self.low:
            raise PlasticityError(f"{protocol}: option '{self.name}' must be >= {self.low:g}, got "
                                  f"{value}")
        return value


@dataclass
class Protocol:
    name: str
    title: str
    doc: str
    families: tuple                     # model families it applies to
    options: list[Option]
    build: Callable                     # (model, values, options, schedule_file) -> Schedule
    measure: Callable | None = None     # (RunResult) -> list of per-condition dicts
    datasets: tuple = ()                # dataset names in protocols/data/datasets.json
    needs_schedule_file: bool = False
    # a protocol with its own network (song_2000): (model, set, values, schedule, backend,
    # progress) -> RunResult, instead of the imposed-spike engine
    simulate: Callable | None = None
    simulate_for: tuple | None = None    # families that use ``simulate`` (None: all)
    # ``simulate`` runs its Brian2 network on either device (it records with monitors and
    # reads state only after the run): ``--device cpp_standalone`` applies
    standalone: bool = False
    # backend pynn.spinnaker for a protocol with its own network: (rule, model, values,
    # schedule) -> (rule as mapped, worker network dict, initial weights); see song_2000
    spinnaker_network: Callable | None = None

    def uses_simulate(self, model: Model) -> bool:
        return self.simulate is not None and (self.simulate_for is None
                                              or model.family in self.simulate_for)

    def applies_to(self, model: Model) -> bool:
        return model.family in self.families

    def check_model(self, model: Model):
        if not self.applies_to(model):
            raise PlasticityError(f"protocol '{self.name}' does not apply to model '{model.name}' "
                                  f"(it applies to {', '.join(self.families)} models)")

    def resolve_options(self, given: dict) -> dict:
        known = {o.name: o for o in self.options}
        out = {o.name: o.default for o in self.options}
        for k, v in given.items():
            if k not in known:
                raise PlasticityError(f"{self.name}: unknown option '{k}'")
            out[k] = known[k].coerce(v, self.name)
        return out


def parse_hz_list(text, protocol: str, option: str, what: str, high: float) -> list:
    """A comma-separated option of rates or frequencies in (0, high] Hz, in the given order."""
    import numpy as np
    try:
        values = [float(x) for x in str(text).split(",") if x.strip()]
    except ValueError:
        raise PlasticityError(f"{protocol}: option '{option}' must be comma-separated numbers, "
                              f"got '{text}'") from None
    if not values or any(not np.isfinite(v) or v <= 0 or v > high for v in values):
        raise PlasticityError(f"{protocol}: {what} must be in (0, {high:g}] Hz, got '{text}'")
    return values


def load_datasets() -> dict:
    with resources.files(__package__).joinpath("data/datasets.json").open() as fh:
        return json.load(fh)["datasets"]
