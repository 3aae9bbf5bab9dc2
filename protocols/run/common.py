"""What every runner shares: the result record, the time base, sampling, progress, padding.

Timing semantics are the product's: a schedule's spike times are the times at which the synapse
sees the spikes.  Every simulator time is the schedule time plus :data:`OFFSET_MS` (NEST
generators need t > 0), plus on NEST a model's ``lead_in``
(:class:`plasticity.models.core.NestMapping`).  Each backend module places its sources so that
this holds (see its docstring).
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from plasticity.models.core import Model, PlasticityError, magnitude

from ..schedule import Schedule

OFFSET_MS = 1.0
DEFAULT_SEED = 12345            # Brian2's random numbers (noise ``xi``); schedule.meta["seed"]


@dataclass(kw_only=True)
class RunResult:
    """One parameter set's run of a schedule, in the model's units.  Built by keyword."""
    model: Model
    set_name: str = ""
    values: dict                      # resolved parameters (Brian2 quantities)
    backend: str
    schedule: Schedule
    w_initial: np.ndarray             # per condition, in the model's weight unit
    w_final: np.ndarray
    signal_times_ms: np.ndarray       # regular sampling of the recorded state
    signals: dict                     # variable -> array (n_samples, n_conditions)
    spike_state: dict = field(default_factory=dict)   # variable -> list (per condition) of
    #                                                   per-pre-spike values (STP: u, x, efficacy)
    signal_semantics: str = ""
    simulator_versions: dict = field(default_factory=dict)
    wall_time_s: float = 0.0
    threads: int = 1
    extra: dict = field(default_factory=dict)     # protocol-specific measurements (song_2000)


def initial_weights(model: Model, values: dict, schedule: Schedule) -> np.ndarray:
    """Per-condition initial weight (model weight unit), validated against the model bounds.
    A schedule's number is in the model's weight unit; a string may carry a unit."""
    w_param = model.param("w_init")
    out = []
    for c in schedule.conditions:
        w = values["w_init"]
        if c.w_init is not None:
            given = c.w_init
            if isinstance(given, (int, float)) and not isinstance(given, bool) \
                    and model.weight_unit is not None:
                given = given * model.weight_unit
            w = w_param.coerce(given, f"{model.name}: condition '{c.label}'")
            if "w_max" in values and w > values["w_max"]:
                raise PlasticityError(f"condition '{c.label}': w_init {c.w_init} is outside "
                                      f"[0, w_max = {values['w_max']}]")
        out.append(magnitude(w, model.weight_unit))
    return np.asarray(out, dtype=float)


MAX_SAMPLES = 250


def record_dt_for(schedule: Schedule, max_samples: int = MAX_SAMPLES) -> float:
    """Sampling interval of the recorded signals: the interval the protocol declares
    (``schedule.meta['record_ms']``, rounded to a multiple of dt), else the smallest multiple
    of dt giving at most ``max_samples`` samples per condition.  (The weight at the end of the
    run is ``w_final`` whatever the sampling; the NIX file states the sampling.)"""
    declared = schedule.meta.get("record_ms")
    if declared:
        return max(1, int(round(float(declared) / schedule.dt_ms))) * schedule.dt_ms
    steps = int(np.ceil(schedule.duration_ms / schedule.dt_ms / max_samples))
    return max(1, steps) * schedule.dt_ms


def sample_times(schedule: Schedule, rec_dt: float) -> np.ndarray:
    """Schedule times of the recorded samples: simulator times k * rec_dt, minus the offset,
    within [0, duration] (a Brian2 StateMonitor with dt = rec_dt samples exactly these)."""
    k0 = int(np.ceil(OFFSET_MS / rec_dt - 1e-9))
    k1 = int(np.floor((schedule.duration_ms + OFFSET_MS) / rec_dt + 1e-9))
    return np.round(np.arange(k0, k1 + 1) * rec_dt - OFFSET_MS, 9)


def padded(n: int) -> int:
    """pyNN 0.13 connectors fail on 1-neuron populations under numpy 2: pad with a silent
    condition (no spikes) that is dropped from the results."""
    return max(n, 2)


def pynn_setup(sim, dt_ms, threads=1, **extra):
    """``sim.setup`` as every PyNN runner of this package calls it: timestep ``dt_ms``, the
    smallest delay one step, room for 10 steps of delay; ``threads`` (pyNN.nest) and
    ``extra`` (e.g. NEST's ``spike_precision``) passed on."""
    if threads != 1:
        extra["threads"] = threads
    sim.setup(timestep=dt_ms, min_delay=dt_ms, max_delay=10 * dt_ms, **extra)


def synapse_order(indices) -> np.ndarray:
    """Condition k -> its synapse: ``order[k]`` is the position of the synapse whose source (or
    source index) is k, from the simulator's read-back of the sources (any order)."""
    return np.argsort(np.asarray(indices))


def hold(sample_times_ms, event_times, event_values, initial):
    """Sample a step function: the value after the last event at or before each sample time."""
    values = np.concatenate([[initial], np.asarray(event_values, dtype=float)])
    idx = np.searchsorted(np.asarray(event_times, dtype=float), sample_times_ms + 1e-9,
                          side="right")
    return values[idx]


@contextmanager
def interrupts_end_the_run():
    """Ctrl-C (SIGINT) raises ``KeyboardInterrupt`` inside the block, on every engine.  Brian2
    turns the first SIGINT of a ``run`` into "stop this run early" and returns normally: a
    protocol would then measure a truncated simulation as if it were complete.  Brian2's
    preference is restored on the way out (a user's own runs keep Brian2's behaviour), and a
    stop that reached Brian2 anyway (its handler was installed again) is raised here."""
    from brian2 import Network, prefs
    before = prefs.core.stop_on_keyboard_interrupt
    prefs.core.stop_on_keyboard_interrupt = False
    try:
        yield
        if Network._globally_stopped:
            raise KeyboardInterrupt
    finally:
        prefs.core.stop_on_keyboard_interrupt = before
        Network._globally_stopped = False


def progress_run(run_fn, total_ms, progress, dt_ms, label="simulating"):
    """Advance a simulator by ``total_ms`` with a progress bar (tqdm) when asked: in about 50
    chunks, each a whole number of steps of ``dt_ms`` (NEST refuses a simulation time that is
    not a multiple of its resolution; Brian2 rounds each run to its steps)."""
    if not progress:
        run_fn(total_ms)
        return
    from tqdm import tqdm
    n_steps = int(round(total_ms / dt_ms))
    chunk = max(1, n_steps // 50)
    done = 0
    with tqdm(total=round(total_ms), unit="ms", desc=label, leave=False) as bar:
        while done < n_steps:
            k = min(chunk, n_steps - done)
            # the last chunk ends exactly at total_ms (a float sum of chunks might not)
            run_fn(total_ms - done * dt_ms if done + k == n_steps else k * dt_ms)
            done += k
            bar.update(round(done * dt_ms) - bar.n)


def spike_state_from_trace(model, schedule, trace_times_steps, traces, w):
    """Per-pre-spike STP state read from a per-step trace (value at the end of the spike step)."""
    out = {name: [] for name in model.recorded}
    out["efficacy"] = []
    for k, steps in enumerate(schedule.steps("pre")):
        idx = steps + trace_times_steps
        vals = {name: traces[name][idx, k] for name in model.recorded}
        for name in model.recorded:
            out[name].append(vals[name])
        out["efficacy"].append(w[k] * np.prod([vals[n] for n in model.recorded], axis=0))
    return out


def sampled_result(model, values, schedule, w0, w_final, traces, rec_dt, backend, versions,
                   first_step_offset) -> RunResult:
    """RunResult of a runner that recorded ``traces`` (variable -> (steps, conditions)) with a
    monitor: every ``rec_dt`` of simulator time for a plastic model, else every step (the
    per-spike state of short-term plasticity is read at the spike steps)."""
    sample_t = sample_times(schedule, rec_dt)
    if model.plastic:
        # monitor sampled every rec_dt of simulator time: keep the samples in [0, duration]
        idx = np.round((sample_t + OFFSET_MS) / rec_dt).astype(int)
        signals = {k: v[idx] for k, v in traces.items()}
        spike_state = {}
        semantics = "weight at each sample time, including every event up to that time"
    else:
        # per-step traces: index = simulator step
        step_idx = np.round((sample_t + OFFSET_MS) / schedule.dt_ms).astype(int)
        signals = {k: v[step_idx] for k, v in traces.items()}
        spike_state = spike_state_from_trace(model, schedule, first_step_offset, traces, w0)
        semantics = "state stored at the most recent presynaptic spike (step function)"
    return RunResult(model=model, values=values, backend=backend, schedule=schedule,
                     w_initial=w0, w_final=w_final, signal_times_ms=sample_t, signals=signals,
                     spike_state=spike_state, signal_semantics=semantics,
                     simulator_versions=versions)


def no_reward_input(model, schedule):
    """Refuse a schedule with reward spikes for a model that has no reward input."""
    if len(schedule.reward):
        raise PlasticityError(f"model '{model.name}' has no reward input, but the schedule "
                              "has reward spikes")
