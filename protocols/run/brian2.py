"""Backend ``brian2``: Brian2 devices, spike generators, the reward modulator, the helpers of the
protocols that build their own Brian2 network, and the schedule runner.

Placement: pre and post ``SpikeGeneratorGroup``\ s fire at the schedule's times (plus
:data:`~plasticity.protocols.run.common.OFFSET_MS`); the plastic synapse has delay 0, so it sees
the spikes at those times.  All conditions run in one simulation as independent synapses.
"""
from __future__ import annotations

import os
import re
import time
from contextlib import contextmanager

import numpy as np

from plasticity.models.brian2_api import plastic_synapses, set_parameters
from plasticity.models.core import PlasticityError, cache_dir

from .common import (DEFAULT_SEED, OFFSET_MS, RunResult, no_reward_input, progress_run,
                     record_dt_for, sampled_result, synapse_order)

# ----------------------------------------------------------------------------------------------
# devices
# ----------------------------------------------------------------------------------------------
DEVICES = ("runtime", "cpp_standalone")


def check_device_name(device: str):
    if device not in DEVICES:
        raise PlasticityError(f"unknown device '{device}' (known: {', '.join(DEVICES)})")


@contextmanager
def brian2_device(device: str, key: str):
    """Run the enclosed Brian2 code on ``device``.  ``cpp_standalone``: the project is built in
    ``cache_dir()/cpp_standalone/<key>`` (kept, so that a later run of the same model only
    recompiles what changed; a lock serialises concurrent runs of one key); afterwards Brian2 is
    back in runtime mode."""
    check_device_name(device)
    if device == "runtime":
        yield
        return
    import fcntl
    import brian2 as b2
    directory = os.path.join(cache_dir(), "cpp_standalone", key)
    os.makedirs(directory, exist_ok=True)
    with open(directory + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        b2.set_device("cpp_standalone", directory=directory, build_on_run=True,
                      with_output=False)
        # OpenMP threads of the binary (plasticity run --threads N --device cpp_standalone);
        # 0 = Brian2's code without OpenMP
        b2.prefs.devices.cpp_standalone.openmp_threads = _OPENMP[0] if _OPENMP[0] > 1 else 0
        try:
            yield
        finally:
            b2.prefs.devices.cpp_standalone.openmp_threads = 0
            b2.device.reinit()
            b2.device.activate()
            b2.set_device("runtime")


_OPENMP = [1]


@contextmanager
def openmp_threads(n: int):
    """OpenMP threads of the cpp_standalone binaries built inside (:func:`brian2_device`).
    Deterministic protocols give the same numbers on any number of threads; Brian2 draws random
    numbers per thread, so a Poisson-driven network's do not."""
    old = _OPENMP[0]
    _OPENMP[0] = int(n)
    try:
        yield
    finally:
        _OPENMP[0] = old


def project_key(protocol_name: str, model_name: str) -> str:
    """The cpp_standalone project of a protocol and model (:func:`brian2_device`): one per pair,
    so that jobs of one model in different protocols neither recompile each other's project
    nor wait for its lock."""
    return re.sub(r"[^A-Za-z0-9_]", "_", f"{protocol_name}__{model_name}")



def standalone_active() -> bool:
    """True inside ``brian2_device("cpp_standalone", ...)``."""
    import brian2 as b2
    from brian2.devices.device import RuntimeDevice
    return not isinstance(b2.get_device(), RuntimeDevice)


def run_network(net, duration_ms, progress=False):
    """Run a protocol's own Brian2 network for ``duration_ms`` on the active device.  Network
    protocols record with monitors and read their state only after this call, so the same code
    runs in runtime mode and in cpp_standalone (where the call generates, compiles and runs the
    project).  Returns the wall time in seconds (standalone: including the build)."""
    import brian2 as b2
    t0 = time.perf_counter()
    if standalone_active():
        net.run(duration_ms * b2.ms)
    else:
        progress_run(lambda ms_: net.run(ms_ * b2.ms), duration_ms, progress,
                     min(float(obj.clock.dt / b2.ms) for obj in net.objects))
    return time.perf_counter() - t0


def network_result(model, set_name, values, schedule, w_initial, w_final, times_ms, w_trace,
                   semantics, wall, extra):
    """RunResult of a protocol that builds its own Brian2 network (one condition): a weight
    summary before/after, its trace ``w_trace`` at ``times_ms``, the protocol's measurements."""
    import brian2 as b2
    return RunResult(model=model, set_name=set_name, values=values, backend="brian2",
                     schedule=schedule, w_initial=np.array([float(w_initial)]),
                     w_final=np.array([float(w_final)]),
                     signal_times_ms=np.asarray(times_ms, dtype=float),
                     signals={"w": np.asarray(w_trace, dtype=float)[:, None]},
                     signal_semantics=semantics, simulator_versions={"brian2": b2.__version__},
                     wall_time_s=wall, extra=extra)



def spike_generators(schedule, off):
    """Brian2 SpikeGeneratorGroups ``pre_spikes``, ``post_spikes`` of a schedule: neuron k fires
    condition k's train, shifted by ``off`` steps of the schedule's dt."""
    import brian2 as b2
    dt = schedule.dt_ms * b2.ms
    n = len(schedule.conditions)

    def generator(role):
        steps = schedule.steps(role)
        idx = np.concatenate([np.full(len(s), k) for k, s in enumerate(steps)] + [[]]).astype(int)
        t = np.concatenate(steps + [np.zeros(0, np.int64)]) + off
        return b2.SpikeGeneratorGroup(n, idx, t * dt, dt=dt, name=f"{role}_spikes")

    return generator("pre"), generator("post")



def modulator(model, syn, schedule, off_steps, w="w", wunit="1"):
    """Brian2 objects that deliver the schedule's reward spikes (source 0) and one read-out tick
    at the schedule's end (source 1) to every synapse of ``syn`` (neuromodulated rules)."""
    import brian2 as b2
    code = model.brian2.render_modulator(w=w, wunit=wunit)
    if code is None:
        no_reward_input(model, schedule)
        return []
    dt = schedule.dt_ms * b2.ms
    reward = np.round(schedule.reward / schedule.dt_ms).astype(np.int64)
    end = int(round(schedule.duration_ms / schedule.dt_ms))
    idx = np.concatenate([np.zeros(len(reward), int), [1]])
    steps = np.concatenate([reward, [end]]) + off_steps
    gen = b2.SpikeGeneratorGroup(2, idx, steps * dt, dt=dt, name=f"{syn.name}_modulator_spikes")
    mod = b2.Synapses(gen, syn, on_pre=code, dt=dt, name=f"{syn.name}_modulator")
    mod.connect()
    return [gen, mod]




# ----------------------------------------------------------------------------------------------
# the schedule runner
# ----------------------------------------------------------------------------------------------
def run_schedule(model, values, schedule, w0, progress=False, blocks=None, device="runtime"):
    """Every condition of ``schedule`` as one synapse between two spike generators.  ``blocks``
    (several parameter sets in one run): ``[(condition indices, values), ...]``, each block's
    synapses carry their set's constants."""
    with brian2_device(device, project_key(schedule.protocol, model.name)):
        return _run_on_device(model, values, schedule, w0, progress, blocks,
                              device != "runtime")


def _run_on_device(model, values, schedule, w0, progress, blocks, standalone):
    import brian2 as b2

    dt = schedule.dt_ms * b2.ms
    n = len(schedule.conditions)
    off = int(round(OFFSET_MS / schedule.dt_ms))
    b2.seed(int(schedule.meta.get("seed", DEFAULT_SEED)))

    pre, post = spike_generators(schedule, off)
    syn = plastic_synapses(model, pre, post, dt=dt, name="plastic")
    syn.connect(j="i")
    set_parameters(syn, model.name, values)
    # condition k -> its synapse index order[k] (connect(j="i") creates them in order of i:
    # standalone cannot read them back before the run)
    order = np.arange(n) if standalone else synapse_order(syn.i[:])
    per_set = {}
    for idx, block_values in blocks or []:       # run_sets: per-set constants
        for name, value in model.numeric_values(block_values).items():
            if name != "w_init":
                per_set.setdefault(name, [None] * n)
                for k in order[idx]:
                    per_set[name][k] = value
    for name, column in per_set.items():         # whole arrays: standalone sets no index arrays
        setattr(syn, name, b2.Quantity(column) if isinstance(column[0], b2.Quantity)
                else np.asarray(column, dtype=float))
    w_syn = np.empty(n)
    w_syn[order] = w0
    syn.w = w_syn if model.weight_unit is None else w_syn * model.weight_unit
    model.brian2.finalize(syn)
    mod_objects = modulator(model, syn, schedule, off)
    rec_dt = record_dt_for(schedule)
    total_ms = schedule.duration_ms + OFFSET_MS + schedule.dt_ms
    if not model.plastic and not standalone and \
            monitor_bytes(model, n, total_ms / schedule.dt_ms) > MONITOR_BYTES:
        # a per-step record of every synapse does not fit: read the state at the steps used
        net = b2.Network(pre, post, syn, *mod_objects)
        traces = state_at_steps(net, syn, model, schedule, off, rec_dt, order)
        w_final = np.asarray(syn.w[:] / (model.weight_unit or 1), dtype=float)[order]
        return sampled_result(model, values, schedule, w0, w_final, traces, rec_dt, "brian2",
                              {"brian2": b2.__version__}, first_step_offset=off)
    if model.plastic:
        mon = b2.StateMonitor(syn, list(model.recorded), record=np.arange(n),
                              dt=rec_dt * b2.ms, when="end", name="state")
    else:   # per-step trace: per-spike state is read at the spike steps
        mon = b2.StateMonitor(syn, list(model.recorded), record=np.arange(n), dt=dt,
                              when="end", name="state")
    net = b2.Network(pre, post, syn, mon, *mod_objects)
    # standalone: one run (built and executed at its end), no progress bar
    progress_run(lambda ms_: net.run(ms_ * b2.ms), total_ms, progress and not standalone,
                 schedule.dt_ms)
    w_final = np.asarray(syn.w[:] / (model.weight_unit or 1), dtype=float)[order]
    traces = {name: np.asarray(getattr(mon, name)).T[:, order] for name in model.recorded}
    if "w" in traces and model.weight_unit is not None:
        traces["w"] = traces["w"] / float(model.weight_unit)
    return sampled_result(model, values, schedule, w0, w_final, traces, rec_dt, "brian2",
                          {"brian2": b2.__version__}, first_step_offset=off)


# A short-term rule's state is read at every presynaptic spike from a per-step record of every
# synapse (StateMonitor).  Beyond this many bytes of record (e.g. 300 conditions x 1000 trials
# x 45 000 steps: 108 GB) the runner advances from one step it needs (a spike step or a sample
# step) to the next and reads the state there instead.
MONITOR_BYTES = 1e9
# and it refuses a run whose states at the needed steps alone exceed this
STEPPED_BYTES = 4e9


def monitor_bytes(model, synapses: int, steps: float) -> float:
    """Bytes of a per-step record of ``model``'s recorded state for ``synapses`` synapses."""
    return 8.0 * synapses * steps * len(model.recorded)


def needed_steps(schedule, off, rec_dt) -> np.ndarray:
    """Simulator steps whose end-of-step state a short-term result reads: every presynaptic
    spike step and every sample step (``sampled_result``)."""
    return np.unique(np.concatenate([_spike_steps(schedule, off),
                                     _sample_steps(schedule, rec_dt)]))


def _spike_steps(schedule, off):
    return np.unique(np.concatenate(schedule.steps("pre") + [np.zeros(0, np.int64)]) + off)


def _sample_steps(schedule, rec_dt):
    from .common import sample_times
    return np.round((sample_times(schedule, rec_dt) + OFFSET_MS) /
                    schedule.dt_ms).astype(np.int64)


class StepRows:
    """The per-step record's interface (``rows[steps]``, ``rows[steps, column]``) over the
    steps actually recorded (``needed_steps``)."""

    def __init__(self, steps, rows):
        self.steps, self.rows = np.asarray(steps), rows

    def _index(self, steps):
        idx = np.searchsorted(self.steps, steps)
        if np.any(self.steps[np.minimum(idx, len(self.steps) - 1)] != steps):
            raise IndexError("a step that was not recorded")
        return idx

    def __getitem__(self, key):
        if isinstance(key, tuple):
            return self.rows[self._index(key[0]), key[1]]
        return self.rows[self._index(key)]


def state_at_steps(net, syn, model, schedule, off, rec_dt, order) -> dict:
    """Run ``net`` to the end of the schedule, reading ``model.recorded`` of every synapse at
    the end of each needed step (what a ``when="end"`` monitor records there): the sample
    steps by a monitor every ``rec_dt``, the spike steps by running from one to the next and
    reading the synapses.  Returns {variable: StepRows (steps x conditions)}."""
    import brian2 as b2
    steps = needed_steps(schedule, off, rec_dt)
    n = len(schedule.conditions)
    size = 8.0 * len(steps) * n * len(model.recorded)
    if size > STEPPED_BYTES:
        raise PlasticityError(
            f"{schedule.protocol}: {n} synapses read at {len(steps)} spike and sample steps "
            f"need {size / 1e9:.3g} GB (limit {STEPPED_BYTES / 1e9:g} GB): fewer conditions or "
            "trials")
    mon = b2.StateMonitor(syn, list(model.recorded), record=np.arange(n), dt=rec_dt * b2.ms,
                          when="end", name="state_samples")
    net.add(mon)
    spikes = _spike_steps(schedule, off)
    rows = {name: np.empty((len(spikes), n)) for name in model.recorded}
    dt = schedule.dt_ms * b2.ms
    done = 0
    for k, step in enumerate(spikes):
        if step + 1 > done:
            net.run((step + 1 - done) * dt)
            done = step + 1
        for name in model.recorded:
            rows[name][k] = np.asarray(getattr(syn, name)[:], dtype=float)[order]
    end = int(round((schedule.duration_ms + OFFSET_MS + schedule.dt_ms) / schedule.dt_ms))
    if end > done:
        net.run((end - done) * dt)
    sampled = np.round(np.asarray(mon.t / b2.ms) / schedule.dt_ms).astype(np.int64)
    out = {}
    for name in model.recorded:
        values = np.asarray(getattr(mon, name)).T[:, order]
        merged = np.full((len(steps), n), np.nan)
        merged[np.searchsorted(steps, sampled[np.isin(sampled, steps)])] = \
            values[np.isin(sampled, steps)]
        merged[np.searchsorted(steps, spikes)] = rows[name]
        if np.isnan(merged).any():
            raise RuntimeError("state_at_steps: a needed step was not read")
        out[name] = StepRows(steps, merged)
    return out
