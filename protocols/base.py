"""Protocol registry: a protocol builds a spike schedule and names the data it is compared with."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from importlib import resources
from typing import Callable

import numpy as np

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
        except (TypeError, ValueError, OverflowError):
            raise PlasticityError(f"{protocol}: option '{self.name}' must be a finite "
                                  f"{'integer' if self.kind is int else self.kind.__name__}, "
                                  f"got '{text}'") from None
        if isinstance(value, float) and not math.isfinite(value):
            raise PlasticityError(f"{protocol}: option '{self.name}' must be a finite number, "
                                  f"got '{text}'")
        if self.kind is int and float(text) != int(float(text)):
            raise PlasticityError(f"{protocol}: option '{self.name}' must be an integer, got "
                                  f"'{text}'")
        if self.low is not None and value < self.low:
            raise PlasticityError(f"{protocol}: option '{self.name}' must be >= {self.low:g}, got "
                                  f"{value}")
        return value


# ----------------------------------------------------------------------------------------------
# what a protocol's report shows (read by plasticity.analysis; figures are named by kind, the
# registry plasticity.analysis.figures draws them)
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Comparison:
    """One comparison with published data: ``dataset`` (protocols/data/datasets.json), a
    description of the points used, and how a data point finds its model condition:
    ``point_label`` (point -> condition label, exact points) or None (the Δt window's data
    conditions, :func:`plasticity.analysis.metrics.compare_to_dataset`); ``select`` keeps some
    points; ``needs_kind``: compare only results that hold conditions of this kind."""
    dataset: str
    subset: str
    point_label: Callable | None = None
    select: Callable | None = None
    needs_kind: str | None = None


@dataclass(frozen=True)
class Overview:
    """A figure of several results of one protocol: ``figure`` (a kind), its ``title``, which
    results (``models``: a predicate on the model name; None: all), ``per_model``: one figure
    per model (every parameter set), ``name``: the file-name part, ``options`` for the figure."""
    figure: str
    title: str
    name: str
    models: Callable | None = None
    per_model: bool = False
    options: dict = field(default_factory=dict)


def family_overviews(figure) -> tuple:
    """Overview figures of a protocol by model family (triplet, pair-based, voltage- and
    calcium-based), every parameter set, with data."""
    parts = (("triplet", lambda m: m == "stdp_triplet"),
             ("pair_based", lambda m: m not in ("stdp_triplet", "clopath", "graupner_brunel")),
             ("voltage_calcium", lambda m: m in ("clopath", "graupner_brunel")))
    return tuple(Overview(figure, f"{{p}}: {part.replace('_', '-')} models, every parameter set, "
                                  "with data", f"{part}_models", models=sel)
                 for part, sel in parts)


@dataclass(frozen=True)
class Report:
    """What ``reproduce`` and ``compare`` show of a protocol's results.

    ``figure``: the kind drawn for one model and set across backends (and ideal vs SpiNNaker);
    ``group_figure`` / ``group_title``: instead, one figure of all the protocol's results (a
    network protocol); ``overviews``: figures across models and sets; ``literature``: the
    comparisons with data; ``key_numbers``: (model, set, {backend: summary}) -> rows made by
    :func:`key_number`; ``window_fit``: fit the Δt window (models without a population
    read-out); ``table``: (name, summary -> {quantity: number}) a protocol's own table;
    ``backend_difference``: compare backends condition by condition (not for statistics);
    ``comparison_tables``: tables of its own, row by row (numbers or text)."""
    figure: str | None = None
    figure_options: dict = field(default_factory=dict)
    group_figure: str | None = None
    group_title: str = ""
    overviews: tuple = ()
    literature: tuple = ()
    key_numbers: Callable | None = None
    window_fit: bool = False
    table: tuple | None = None
    backend_difference: bool = True
    # (model, set, {backend: summary}) -> [(title, header, rows)]: a protocol's own tables
    comparison_tables: Callable | None = None


def key_number(p, m, s, b, quantity, measured, expected=None, tolerance=None, note="") -> dict:
    """A row of a protocol's key numbers: what was measured, against what (a closed form, a
    target, a statistical bound) and whether it lies within the tolerance."""
    within = None if expected is None or tolerance is None else \
        bool(abs(measured - expected) <= tolerance)
    return {"protocol": p, "model": m, "set": s, "backend": b, "quantity": quantity,
            "measured": float(measured), "expected": expected, "tolerance": tolerance,
            "within": within, "note": note}


PREFERENCE = ("brian2", "pynn.nest", "pynn.brian2")


def preferred(per_backend: dict) -> tuple:
    """(backend, result) that a report shows for one model and set: brian2 where it ran."""
    for b in PREFERENCE:
        if b in per_backend:
            return b, per_backend[b]


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
    report: Report = field(default_factory=Report)      # what its report shows
    # the parameter set a model runs with when none is named (default: the model's own)
    default_sets: dict = field(default_factory=dict)

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
