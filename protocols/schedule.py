"""Spike schedules: per condition, exact pre and post spike times at the synapse (ms).

A protocol is a :class:`Schedule`.  All its conditions run in one simulation as independent
synapses (one pre and one post neuron each).  Times are on the simulation grid (0.1 ms).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np

from plasticity.models.core import PlasticityError

DT_MS = 0.1
# the longest run accepted: beyond it a typo (duration_ms = 1e12) would start a simulation of
# days; STEPS_PER_S is measured here (Bi & Poo 1998, stdp_pair, brian2 runtime, 116 synapses,
# 602 010 steps in 7.1-7.3 s, 2 cores), to tell the user what the refused run would cost
MAX_STEPS = 1e9
STEPS_PER_S = 83_000
# the most spike times a schedule may hold (all conditions, pre and post together; 8 bytes
# each): a protocol checks it with the run's length before it allocates a single train
MAX_SPIKES = 5e7


def long_run_note(schedule) -> str:
    """A one-line note when a schedule will take long (over 10 minutes at the measured rate), to
    print before it starts; '' otherwise."""
    seconds = schedule.duration_ms / schedule.dt_ms / STEPS_PER_S
    if seconds < 600:
        return ""
    return (f"{schedule.protocol}: {schedule.duration_ms / 1000:g} s of simulated time, about "
            f"{_duration_text(seconds)} at the {STEPS_PER_S:,} steps/s measured for Bi & Poo's "
            "116 synapses on 2 cores (Ctrl-C ends it)")


def check_size(protocol: str, duration_ms: float, spikes: float = 0.0, dt_ms: float = DT_MS):
    """Refuse a schedule that is too long or holds too many spikes, from its length and spike
    count alone (a protocol calls it before building the trains)."""
    if not (math.isfinite(duration_ms) and duration_ms > 0):
        raise PlasticityError(f"{protocol}: duration_ms must be a positive number, got "
                              f"{duration_ms!r}")
    steps = duration_ms / dt_ms
    if steps > MAX_STEPS:
        raise PlasticityError(
            f"{protocol}: duration_ms = {duration_ms:g} is {steps:.3g} steps of "
            f"{dt_ms:g} ms, beyond the {MAX_STEPS:.0e} steps a run may take (at the "
            f"{STEPS_PER_S:,} steps/s measured for Bi & Poo's 116 synapses on 2 cores it "
            f"would take about {_duration_text(steps / STEPS_PER_S)})")
    if spikes > MAX_SPIKES:
        raise PlasticityError(f"{protocol}: the schedule would hold {spikes:.3g} spike times, "
                              f"beyond the {MAX_SPIKES:.0e} a run may hold: fewer repetitions "
                              "or conditions")


def _duration_text(seconds: float) -> str:
    for unit, size in (("days", 86400.0), ("hours", 3600.0), ("minutes", 60.0)):
        if seconds >= size:
            return f"{seconds / size:.3g} {unit}"
    return f"{seconds:.3g} s"


@dataclass
class Condition:
    label: str
    pre: np.ndarray                   # ms, sorted
    post: np.ndarray                  # ms, sorted
    w_init: object = None             # optional per-condition initial weight (model unit)
    variables: dict = field(default_factory=dict)   # protocol variables, e.g. {"dt_ms": 10.0}


@dataclass
class Schedule:
    protocol: str
    duration_ms: float
    conditions: list[Condition]
    dt_ms: float = DT_MS
    meta: dict = field(default_factory=dict)        # protocol-level facts for the output
    # reward (dopamine) spike times, ms, shared by every condition (neuromodulated rules)
    reward: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def validate(self) -> "Schedule":
        if not self.conditions:
            raise PlasticityError(f"{self.protocol}: the schedule has no conditions")
        if not (isinstance(self.duration_ms, (int, float)) and math.isfinite(self.duration_ms)
                and self.duration_ms > 0):
            raise PlasticityError(f"{self.protocol}: duration_ms must be a positive number, got "
                                  f"{self.duration_ms!r}")
        check_size(self.protocol, self.duration_ms,
                   sum(len(c.pre) + len(c.post) for c in self.conditions), self.dt_ms)
        self.reward = self._check_times(np.asarray(self.reward, dtype=float), "schedule",
                                        "reward")
        seen = set()
        for c in self.conditions:
            if not isinstance(c.label, str) or not c.label:
                raise PlasticityError(f"{self.protocol}: every condition needs a non-empty label")
            if c.label in seen:
                raise PlasticityError(f"{self.protocol}: duplicate condition label '{c.label}'")
            seen.add(c.label)
            for role in ("pre", "post"):
                setattr(c, role, self._check_times(getattr(c, role), f"condition '{c.label}'",
                                                   role))
        return self

    def _check_times(self, given, where, role):
        """Spike times on the grid, inside [0, duration], no two in one step: sorted array."""
        times = np.asarray(given, dtype=float)
        if times.ndim != 1:
            raise PlasticityError(f"{self.protocol}: {where}: {role} must be a list of times in ms")
        if not np.all(np.isfinite(times)):
            raise PlasticityError(f"{self.protocol}: {where}: {role} spike times must be finite "
                                  "numbers")
        bad = times[(times < 0) | (times > self.duration_ms)]
        if bad.size:
            raise PlasticityError(f"{self.protocol}: {where}: {role} spike at {bad[0]:g} ms is "
                                  f"outside [0, duration = {self.duration_ms:g} ms]")
        steps = np.round(times / self.dt_ms)
        off = np.abs(steps * self.dt_ms - times)
        if off.size and off.max() > 1e-6:
            t = times[np.argmax(off)]
            raise PlasticityError(f"{self.protocol}: {where}: {role} spike at {float(t):.10g} ms "
                                  f"is not on the {self.dt_ms:g} ms simulation grid")
        steps = np.sort(steps.astype(np.int64))
        if np.any(np.diff(steps) == 0):
            dup = steps[np.flatnonzero(np.diff(steps) == 0)[0]] * self.dt_ms
            raise PlasticityError(f"{self.protocol}: {where}: two {role} spikes at {dup:g} ms")
        return steps * self.dt_ms

    def steps(self, role: str) -> list[np.ndarray]:
        """Spike times of each condition as integer time steps."""
        return [np.round(getattr(c, role) / self.dt_ms).astype(np.int64) for c in self.conditions]

    @property
    def labels(self):
        return [c.label for c in self.conditions]


def load_schedule_json(path: str) -> Schedule:
    """Read ``{"duration_ms": D, "conditions": [{"label", "pre", "post", "w_init"?}, ...]}``."""
    try:
        with open(path) as fh:
            data = json.load(fh)
    except FileNotFoundError:
        raise PlasticityError(f"schedule file '{path}' does not exist") from None
    except (OSError, UnicodeDecodeError) as err:
        raise PlasticityError(f"cannot read schedule file '{path}': {err}") from None
    except json.JSONDecodeError as err:
        raise PlasticityError(f"schedule file '{path}' is not valid JSON: {err.msg} (line "
                              f"{err.lineno})") from None
    return schedule_from_dict(data, source=path)


def schedule_from_dict(data, source: str = "schedule") -> Schedule:
    if not isinstance(data, dict):
        raise PlasticityError(f"{source}: expected a JSON object with 'duration_ms' and "
                              "'conditions'")
    unknown = set(data) - {"duration_ms", "conditions", "description", "reward"}
    if unknown:
        raise PlasticityError(f"{source}: unknown key(s) {', '.join(sorted(unknown))} (allowed: "
                              "duration_ms, conditions, reward, description)")
    if "duration_ms" not in data or "conditions" not in data:
        raise PlasticityError(f"{source}: needs 'duration_ms' and 'conditions'")
    duration = data["duration_ms"]
    if isinstance(duration, bool) or not isinstance(duration, (int, float)):
        raise PlasticityError(f"{source}: duration_ms must be a number of milliseconds")
    conds = data["conditions"]
    if not isinstance(conds, list):
        raise PlasticityError(f"{source}: 'conditions' must be a list")
    out = []
    for k, c in enumerate(conds):
        if not isinstance(c, dict):
            raise PlasticityError(f"{source}: condition #{k} must be an object")
        extra = set(c) - {"label", "pre", "post", "w_init"}
        if extra:
            raise PlasticityError(f"{source}: condition #{k}: unknown key(s) "
                                  f"{', '.join(sorted(extra))} (allowed: label, pre, post, w_init)")
        label = c.get("label", f"c{k}")
        times = {}
        for role in ("pre", "post"):
            v = c.get(role, [])
            if not isinstance(v, list) or any(isinstance(t, bool) or not isinstance(t, (int, float))
                                               for t in v):
                raise PlasticityError(f"{source}: condition '{label}': '{role}' must be a list "
                                      "of spike times in ms")
            times[role] = np.asarray(v, dtype=float)
        out.append(Condition(str(label), times["pre"], times["post"], c.get("w_init")))
    reward = data.get("reward", [])
    if not isinstance(reward, list) or any(isinstance(t, bool) or not isinstance(t, (int, float))
                                           for t in reward):
        raise PlasticityError(f"{source}: 'reward' must be a list of spike times in ms")
    return Schedule("spike_trains", float(duration), out,
                    reward=np.asarray(reward, dtype=float)).validate()
