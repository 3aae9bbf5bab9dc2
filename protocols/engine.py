"""Run a spike schedule on a backend: ``brian2``, ``pynn.brian2`` or ``pynn.nest``.

Timing semantics are the product's: a schedule's spike times are the times at which the synapse
sees the spikes.  Each runner places its sources so that this holds:

* ``brian2``: pre and post SpikeGeneratorGroups, synaptic delay 0.
* ``pynn.brian2`` (delays axonal): pre SpikeSourceArray -> plastic synapse (delay d) -> relay
  cell; the pre source fires at t - d.  Post: SpikeSourceArray -> static synapse -> relay
  (2 steps latency), the post source fires at t - 2 dt.
* ``pynn.nest`` (delays dendritic): SpikeSourceArray -> parrot (delay d_g) -> plastic synapse
  (delay d) -> parrot receptor 1.  Pre parrots fire at t; post parrots at t - d, so that the
  synapse sees the post spike at t.

Every simulator time is the schedule time plus ``OFFSET_MS`` (NEST generators need t > 0), plus
on NEST a model's ``lead_in`` (see :class:`models.core.NestMapping`).
All conditions run in one simulation as independent synapses.
"""
from __future__ import annotations

import os
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from plasticity.models.core import Model, PlasticityError, magnitude, to_pynn
from .schedule import Schedule

OFFSET_MS = 1.0
DEFAULT_SEED = 12345            # Brian2's random numbers (noise ``xi``); schedule.meta["seed"]
NEST_STAMP_EPS_MS = 0.25e-3
os.environ.setdefault("PYNEST_QUIET", "1")


@dataclass
class RunResult:
    model: Model
    set_name: str
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


def record_dt_for(schedule: Schedule, max_samples: int = 2000) -> float:
    """Sampling interval of the recorded signals: a multiple of dt giving <= max_samples."""
    steps = int(np.ceil(schedule.duration_ms / schedule.dt_ms / max_samples))
    return max(1, steps) * schedule.dt_ms


def sample_times(schedule: Schedule, rec_dt: float) -> np.ndarray:
    """Schedule times of the recorded samples: simulator times k * rec_dt, minus the offset,
    within [0, duration] (a Brian2 StateMonitor with dt = rec_dt samples exactly these)."""
    k0 = int(np.ceil(OFFSET_MS / rec_dt - 1e-9))
    k1 = int(np.floor((schedule.duration_ms + OFFSET_MS) / rec_dt + 1e-9))
    return np.round(np.arange(k0, k1 + 1) * rec_dt - OFFSET_MS, 9)


def run(model: Model, set_name: str, values: dict, schedule: Schedule, backend: str,
        threads: int = 1, progress: bool = False, device: str = "runtime") -> RunResult:
    model.check_backend(backend)
    schedule.validate()
    check_device(model, backend, device)
    if model.readout is not None:
        return run_sets(model, [(set_name, values)], schedule, backend, progress=progress,
                        device=device)[0]
    w0 = initial_weights(model, values, schedule)
    if backend == "pynn.nest" and model.nest.check:
        model.nest.check(to_pynn(values))       # before anything is built
    runner = {"brian2": _run_brian2, "pynn.brian2": _run_pynn_brian2,
              "pynn.nest": _run_pynn_nest}[backend]
    t0 = time.perf_counter()
    if backend == "brian2":
        result = runner(model, values, schedule, w0, progress=progress, device=device)
    else:
        result = runner(model, values, schedule, w0, threads=threads, progress=progress)
    result.wall_time_s = time.perf_counter() - t0
    result.set_name = set_name
    result.threads = threads
    return result


def check_device(model: Model, backend: str, device: str):
    """Refuse a Brian2 device that cannot run this model (one line, before anything runs)."""
    _check_device_name(device)
    if device == "runtime":
        return
    if backend != "brian2":
        raise PlasticityError(f"--device {device} applies to backend brian2 only")


def run_sets(model: Model, sets: list, schedule: Schedule, backend: str,
             progress: bool = False, device: str = "runtime") -> list:
    """Run one schedule for several parameter sets ``[(set_name, values), ...]``.

    On ``brian2`` all sets share one simulation (every set's synapses carry their own
    constants), which costs about one run: protocols whose length is set by slow conditions
    (Sjöström's 0.1 Hz pairings) gain the most.  Other backends run the sets one by one.
    Results are identical to separate runs (each synapse is independent).  ``wall_time_s`` of
    a shared run is the total, divided equally among the sets.

    A model with a population read-out (:class:`models.core.Readout`) runs every condition as
    ``replicas`` synapses per start state and reports the combined ratio per condition.
    """
    model.check_backend(backend)
    schedule.validate()
    check_device(model, backend, device)
    readout = model.readout is not None
    if backend != "brian2" or (len(sets) == 1 and not readout):
        out = []
        for name, values in sets:
            if readout:
                big, groups = _expand(model, values, schedule)
                w0 = initial_weights(model, values, big)
                t0 = time.perf_counter()
                if backend == "brian2":
                    whole = _run_brian2(model, values, big, w0, progress=progress, device=device)
                else:
                    whole = _run_pynn_brian2(model, values, big, w0, progress=progress)
                r = _collapse(model, name, values, schedule, whole, np.arange(len(w0)), groups)
                r.wall_time_s = time.perf_counter() - t0
                out.append(r)
            else:
                out.append(run(model, name, values, schedule, backend, progress=progress,
                               device=device))
        return out
    conds, w0, blocks, groups_of = [], [], [], []
    for k, (_, values) in enumerate(sets):
        if readout:
            sub, groups = _expand(model, values, schedule)
        else:
            sub, groups = schedule, None
        start = len(conds)
        conds += [type(c)(f"{k}|{c.label}", c.pre, c.post, c.w_init, c.variables)
                  for c in sub.conditions]
        w0.append(initial_weights(model, values, sub))
        blocks.append((np.arange(start, len(conds)), values))
        groups_of.append(groups)
    big = Schedule(schedule.protocol, schedule.duration_ms, conds, schedule.dt_ms, schedule.meta,
                   schedule.reward)
    w0 = np.concatenate(w0)
    t0 = time.perf_counter()
    whole = _run_brian2(model, sets[0][1], big, w0, progress=progress, blocks=blocks,
                        device=device)
    wall = time.perf_counter() - t0
    out = []
    for (name, values), (idx, _), groups in zip(sets, blocks, groups_of):
        if readout:
            r = _collapse(model, name, values, schedule, whole, idx, groups)
            r.wall_time_s = wall / len(sets)
        else:
            r = RunResult(model, name, values, backend, schedule, whole.w_initial[idx],
                          whole.w_final[idx], whole.signal_times_ms,
                          {k: v[:, idx] for k, v in whole.signals.items()},
                          {k: [v[i] for i in idx] for k, v in whole.spike_state.items()},
                          whole.signal_semantics, whole.simulator_versions, wall / len(sets), 1)
        out.append(r)
    return out


def _expand(model, values, schedule):
    """Replicate every condition: ``replicas`` synapses per start state.  Returns the big
    schedule and, per original condition, {start: indices into the big schedule}."""
    starts = model.readout.starts(values)
    reps = int(schedule.meta.get("synapses_per_state") or model.readout.replicas(values))
    conds, groups = [], []
    for c in schedule.conditions:
        g = {}
        for s in starts:
            g[s] = np.arange(len(conds), len(conds) + reps)
            conds += [type(c)(f"{c.label}#{s:g}:{r}", c.pre, c.post, s, c.variables)
                      for r in range(reps)]
        groups.append(g)
    return Schedule(schedule.protocol, schedule.duration_ms, conds, schedule.dt_ms,
                    schedule.meta, schedule.reward), groups


def _collapse(model, name, values, schedule, whole, idx, groups):
    """Per original condition: w_initial = 1, w_final = the read-out ratio; its standard error
    and the extra measures go to ``extra['per_condition']``; the recorded state is averaged
    per start state (``w_from_<start>``)."""
    w_final, per = [], []
    signals = {}
    for k, g in enumerate(groups):
        finals = {s: whole.w_final[idx[i]] for s, i in g.items()}
        ratio, sem, extra = model.readout.combine(values, finals)
        w_final.append(ratio)
        per.append({"dw_sem_percent": 100.0 * sem, **extra})
        for s, i in g.items():
            for var, arr in whole.signals.items():
                signals.setdefault(f"{var}_from_{s:g}", []).append(arr[:, idx[i]].mean(axis=1))
    signals = {k: np.column_stack(v) for k, v in signals.items()}
    semantics = ("mean state of the synapses started in each state (w_from_<start>); "
                 "w_final / w_initial is the population read-out ratio (see the model)")
    return RunResult(model, name, values, whole.backend, schedule, np.ones(len(groups)),
                     np.asarray(w_final), whole.signal_times_ms, signals, {}, semantics,
                     whole.simulator_versions, 0.0, 1, {"per_condition": per})


# ----------------------------------------------------------------------------------------------
# helpers shared by the runners
# ----------------------------------------------------------------------------------------------
def _padded(n: int) -> int:
    """pyNN 0.13 connectors fail on 1-neuron populations under numpy 2: pad with a silent
    condition (no spikes) that is dropped from the results."""
    return max(n, 2)


def _spike_state_from_trace(model, schedule, trace_times_steps, traces, w):
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


def _hold(sample_times, event_times, event_values, initial):
    """Sample a step function: the value after the last event at or before each sample time."""
    values = np.concatenate([[initial], np.asarray(event_values, dtype=float)])
    idx = np.searchsorted(np.asarray(event_times, dtype=float), sample_times + 1e-9, side="right")
    return values[idx]


def _modulator(model, syn, schedule, off_steps, w="w", wunit="1"):
    """Brian2 objects that deliver the schedule's reward spikes (source 0) and one read-out tick
    at the schedule's end (source 1) to every synapse of ``syn`` (neuromodulated rules)."""
    import brian2 as b2
    code = model.brian2.render_modulator(w=w, wunit=wunit)
    if code is None:
        if len(schedule.reward):
            raise PlasticityError(f"model '{model.name}' has no reward input, but the schedule "
                                  "has reward spikes")
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


def network_result(model, set_name, values, schedule, w_initial, w_final, times_ms, w_trace,
                   semantics, wall, extra):
    """RunResult of a protocol that builds its own Brian2 network (one condition): a weight
    summary before/after, its trace ``w_trace`` at ``times_ms``, the protocol's measurements."""
    import brian2 as b2
    r = RunResult(model, set_name, values, "brian2", schedule, np.array([float(w_initial)]),
                  np.array([float(w_final)]), np.asarray(times_ms, dtype=float),
                  {"w": np.asarray(w_trace, dtype=float)[:, None]}, {}, semantics,
                  {"brian2": b2.__version__}, wall, 1)
    r.extra = extra
    return r


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
        _progress_run(lambda ms_: net.run(ms_ * b2.ms), duration_ms, progress)
    return time.perf_counter() - t0


def _progress_run(run_fn, total_ms, progress, chunk_ms=None, label="simulating"):
    """Advance a simulator in chunks with a progress bar (tqdm) when asked."""
    if not progress:
        run_fn(total_ms)
        return
    from tqdm import tqdm
    chunk_ms = chunk_ms or max(total_ms / 50.0, 1.0)
    done = 0.0
    with tqdm(total=round(total_ms), unit="ms", desc=label, leave=False) as bar:
        while done < total_ms - 1e-9:
            step = min(chunk_ms, total_ms - done)
            run_fn(step)
            done += step
            bar.update(round(done) - bar.n)


# ----------------------------------------------------------------------------------------------
# Brian2 devices
# ----------------------------------------------------------------------------------------------
DEVICES = ("runtime", "cpp_standalone")


def _check_device_name(device: str):
    if device not in DEVICES:
        raise PlasticityError(f"unknown device '{device}' (known: {', '.join(DEVICES)})")


def cache_dir() -> str:
    """Folder for generated code (``PLASTICITY_CACHE_DIR``, else ``$XDG_CACHE_HOME`` or
    ``~/.cache``, then ``plasticity_models``): never the working directory."""
    given = os.environ.get("PLASTICITY_CACHE_DIR")
    if given:
        return given
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "plasticity_models")


@contextmanager
def brian2_device(device: str, key: str):
    """Run the enclosed Brian2 code on ``device``.  ``cpp_standalone``: the project is built in
    ``cache_dir()/cpp_standalone/<key>`` (kept, so that a later run of the same model only
    recompiles what changed; a lock serialises concurrent runs of one key); afterwards Brian2 is
    back in runtime mode."""
    _check_device_name(device)
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
        try:
            yield
        finally:
            b2.device.reinit()
            b2.device.activate()
            b2.set_device("runtime")


# ----------------------------------------------------------------------------------------------
# brian2 (native, runtime mode)
# ----------------------------------------------------------------------------------------------
def _run_brian2(model, values, schedule, w0, threads=1, progress=False, blocks=None,
                device="runtime"):
    with brian2_device(device, project_key(schedule.protocol, model.name)):
        return _run_brian2_on_device(model, values, schedule, w0, progress, blocks,
                                     device != "runtime")


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


def project_key(protocol_name: str, model_name: str) -> str:
    """The cpp_standalone project of a protocol and model (:func:`brian2_device`): one per pair,
    so that jobs of one model in different protocols neither recompile each other's project
    nor wait for its lock."""
    return re.sub(r"[^A-Za-z0-9_]", "_", f"{protocol_name}__{model_name}")


def _run_brian2_on_device(model, values, schedule, w0, progress, blocks, standalone):
    import brian2 as b2
    from plasticity.models.brian2_api import plastic_synapses, set_parameters

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
    order = np.arange(n) if standalone else np.argsort(np.asarray(syn.i[:]))
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
    modulator = _modulator(model, syn, schedule, off)
    rec_dt = record_dt_for(schedule)
    if model.plastic:
        mon = b2.StateMonitor(syn, list(model.recorded), record=np.arange(n),
                              dt=rec_dt * b2.ms, when="end", name="state")
    else:   # per-step trace: per-spike state is read at the spike steps
        mon = b2.StateMonitor(syn, list(model.recorded), record=np.arange(n), dt=dt,
                              when="end", name="state")
    net = b2.Network(pre, post, syn, mon, *modulator)
    total_ms = schedule.duration_ms + OFFSET_MS + schedule.dt_ms
    # standalone: one run (built and executed at its end), no progress bar
    _progress_run(lambda ms_: net.run(ms_ * b2.ms), total_ms, progress and not standalone)
    w_final = np.asarray(syn.w[:] / (model.weight_unit or 1), dtype=float)[order]
    mon_t = np.asarray(mon.t / b2.ms)
    traces = {name: np.asarray(getattr(mon, name)).T[:, order] for name in model.recorded}
    if "w" in traces and model.weight_unit is not None:
        traces["w"] = traces["w"] / float(model.weight_unit)
    return _finish_brian2_like(model, values, schedule, w0, w_final, mon_t, traces, rec_dt,
                               "brian2", {"brian2": b2.__version__},
                               first_step_offset=off)


def _finish_brian2_like(model, values, schedule, w0, w_final, mon_t, traces, rec_dt, backend,
                        versions, first_step_offset):
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
        spike_state = _spike_state_from_trace(model, schedule, first_step_offset, traces, w0)
        semantics = "state stored at the most recent presynaptic spike (step function)"
    return RunResult(model, "", values, backend, schedule, w0, w_final, sample_t, signals,
                     spike_state, semantics, versions)


# ----------------------------------------------------------------------------------------------
# pynn.brian2
# ----------------------------------------------------------------------------------------------
RELAY_LATENCY_STEPS = 2


def _run_pynn_brian2(model, values, schedule, w0, threads=1, progress=False):
    import brian2 as b2
    import pyNN
    import pyNN.brian2 as sim
    from pyNN.parameters import Sequence
    from plasticity.models.pynn_types import (IMPOSED, PLASTIC, brian2_relay_cell_class,
                                   brian2_synapse_class, pynn_kwargs)

    dt_ms = schedule.dt_ms
    n = len(schedule.conditions)
    npad = _padded(n)
    sim.setup(timestep=dt_ms, min_delay=dt_ms, max_delay=10 * dt_ms)
    b2.seed(int(schedule.meta.get("seed", DEFAULT_SEED)))
    d_syn = dt_ms

    def source(role, shift_ms):
        trains = [Sequence(np.round((c_t + OFFSET_MS - shift_ms) / dt_ms) * dt_ms)
                  for c_t in (getattr(c, role) for c in schedule.conditions)]
        trains += [Sequence([])] * (npad - n)
        return sim.Population(npad, sim.SpikeSourceArray(spike_times=trains))

    pre_src = source("pre", d_syn)
    post_src = source("post", RELAY_LATENCY_STEPS * dt_ms)
    relay = sim.Population(npad, brian2_relay_cell_class()())
    sim.Projection(post_src, relay, sim.OneToOneConnector(),
                   sim.StaticSynapse(weight=1.0, delay=dt_ms), receptor_type=IMPOSED)
    kwargs = pynn_kwargs(model, values, "pynn.brian2")
    syn_type = brian2_synapse_class(model.name)(**kwargs)
    proj = sim.Projection(pre_src, relay, sim.OneToOneConnector(), syn_type,
                          receptor_type=PLASTIC)
    syn = proj._brian2_synapses[0][0]
    # the relay is current-based: PyNN weights in nA; w0 is in the model's weight unit
    weight_unit = b2.nA * to_pynn({"w": 1.0 if model.weight_unit is None
                                   else 1.0 * model.weight_unit})["w"]
    w_first = np.concatenate([w0, np.full(npad - n, w0[0])])
    order = np.argsort(np.asarray(syn.i[:]))
    syn.weight[order] = w_first * weight_unit
    model.brian2.finalize(syn, w="weight")
    for obj in _modulator(model, syn, schedule, int(round(OFFSET_MS / dt_ms)), w="weight",
                          wunit=repr(b2.get_unit(weight_unit.dim))):
        sim.simulator.state.network.add(obj)
    rec_dt = record_dt_for(schedule)
    names = [("weight" if v == "w" else v) for v in model.recorded]
    mon = b2.StateMonitor(syn, names, record=True,
                          dt=(rec_dt if model.plastic else dt_ms) * b2.ms, when="end")
    sim.simulator.state.network.add(mon)
    total_ms = schedule.duration_ms + OFFSET_MS + dt_ms
    _progress_run(lambda ms_: sim.run(ms_), total_ms, progress)
    w_final = (np.asarray(syn.weight[:] / weight_unit, dtype=float))[order][:n]
    mon_t = np.asarray(mon.t / b2.ms)
    traces = {}
    for name, bname in zip(model.recorded, names):
        q = getattr(mon, bname)
        arr = np.asarray(q).T[:, order][:, :n]
        in_weight_unit = b2.get_dimensions(q) is b2.get_dimensions(weight_unit)
        traces[name] = arr / float(weight_unit) if name == "w" or in_weight_unit else arr
    sim.end()
    return _finish_brian2_like(model, values, schedule, w0, w_final, mon_t, traces, rec_dt,
                               "pynn.brian2", {"pyNN": pyNN.__version__, "brian2": b2.__version__},
                               first_step_offset=int(round(OFFSET_MS / dt_ms)))


# ----------------------------------------------------------------------------------------------
# pynn.nest
# ----------------------------------------------------------------------------------------------
def nest_spike_sources(sim, trains_ms, npad, dt_ms):
    """pyNN.nest SpikeSourceArray population of ``npad`` sources, one per train (simulator times
    in ms, put on the ``dt_ms`` grid), padded with silent sources.

    NEST stamps a spike time by rounding *up* in tics (0.001 ms): a float a hair above the grid
    point (e.g. 90.8 - 0.1 = 90.70000000000000284) lands one step late.  A quarter tic below the
    grid point is stamped exactly on it."""
    from pyNN.parameters import Sequence
    trains = [Sequence(np.round(np.asarray(t, float) / dt_ms) * dt_ms - NEST_STAMP_EPS_MS)
              for t in trains_ms]
    trains += [Sequence([])] * (npad - len(trains_ms))
    return sim.Population(npad, sim.SpikeSourceArray(spike_times=trains))


def _run_pynn_nest(model, values, schedule, w0, threads=1, progress=False):
    import nest
    import pyNN
    import pyNN.nest as sim
    from plasticity.models.pynn_types import IMPOSED, PLASTIC, nest_parrot_cell_class, nest_synapse_class, \
        pynn_kwargs

    nest.set_verbosity("M_ERROR")
    dt_ms = schedule.dt_ms
    n = len(schedule.conditions)
    npad = _padded(n)
    sim.setup(timestep=dt_ms, min_delay=dt_ms, max_delay=10 * dt_ms, threads=threads,
              spike_precision="on_grid", rng_seed=12345)
    nest.set_verbosity("M_ERROR")
    d_gen, d_syn = dt_ms, dt_ms
    offset = OFFSET_MS
    if model.nest.lead_in is not None:
        offset += np.round(model.nest.lead_in(values) / dt_ms) * dt_ms
    flush_ms = None
    if model.nest.flush_gap is not None:
        flush_ms = np.round((schedule.duration_ms + model.nest.flush_gap(values)) / dt_ms) * dt_ms

    def source(role, shift_ms, extra=None):
        trains = [(getattr(c, role) if extra is None else np.append(getattr(c, role), extra))
                  + offset - shift_ms for c in schedule.conditions]
        return nest_spike_sources(sim, trains, npad, dt_ms)

    parrot = nest_parrot_cell_class()
    pre_src = source("pre", d_gen, extra=flush_ms)
    post_src = source("post", d_gen + d_syn)
    pre = sim.Population(npad, parrot())
    post = sim.Population(npad, parrot())
    static = sim.StaticSynapse(weight=1.0, delay=d_gen)
    sim.Projection(pre_src, pre, sim.OneToOneConnector(), static, receptor_type=IMPOSED)
    sim.Projection(post_src, post, sim.OneToOneConnector(), static, receptor_type=IMPOSED)
    kwargs = pynn_kwargs(model, values, "pynn.nest")
    kwargs["delay"] = d_syn
    syn_type = nest_synapse_class(model.name)(**kwargs)
    recorder = nest.Create("weight_recorder")
    syn_type.weight_recorder = recorder
    if model.nest.volume_transmitter:
        # one update of every synapse at the schedule's end (w_final = w at that time); the
        # reward spikes reach the volume transmitter at their schedule times
        end_steps = int(round((schedule.duration_ms + offset) / dt_ms))
        vt = nest.Create("volume_transmitter", params={"deliver_interval": end_steps})
        syn_type.volume_transmitter = vt
        reward_src = nest_spike_sources(sim, [schedule.reward + offset - d_gen], 2, dt_ms)
        nest.Connect(reward_src.node_collection[0:1], vt, syn_spec={"delay": d_gen})
    elif len(schedule.reward):
        raise PlasticityError(f"model '{model.name}' has no reward input, but the schedule has "
                              "reward spikes")
    sim.Projection(pre, post, sim.OneToOneConnector(), syn_type, receptor_type=PLASTIC)
    table = {t.name: t for t in model.nest.table}
    w_scale = table["weight"].forward({"weight": 1.0})     # PyNN unit -> NEST unit
    to_pynn_w = to_pynn({"w": (1.0 if model.weight_unit is None else 1.0 * model.weight_unit)})["w"]
    conns = nest.GetConnections(source=pre.node_collection, target=post.node_collection)
    src_index = np.asarray(conns.get("source")) - pre.first_id
    nest_w0 = np.concatenate([w0, np.full(npad - n, w0[0])]) * to_pynn_w * w_scale
    order = np.argsort(src_index)
    weights = np.empty(len(src_index))
    weights[order] = nest_w0
    conns.set(weight=list(weights))
    end_ms = max(schedule.duration_ms, flush_ms or 0.0) + offset + 2 * dt_ms

    spike_state = {}
    if model.plastic and flush_ms is not None and model.nest.flush_zero:
        before = flush_ms + offset - dt_ms       # the flush pre parrot fires at flush_ms + offset
        _progress_run(sim.run, before, progress)
        conns.set({name: 0.0 for name in model.nest.flush_zero})
        sim.run(end_ms - before)
    elif model.plastic:
        _progress_run(sim.run, end_ms, progress)
    else:
        # read NEST's stored (u, x) right after every presynaptic spike (chunked simulation)
        pre_steps = schedule.steps("pre")
        all_steps = np.unique(np.concatenate(pre_steps + [np.zeros(0, np.int64)]))
        states = {name: np.full((len(all_steps), npad), np.nan) for name in model.recorded}
        # nest.Run between reads (one Prepare/Cleanup): PyNN's run_until per chunk is ~100x slower
        off_steps = int(round(offset / dt_ms))
        sim.run_until(dt_ms)          # let PyNN finish its own set-up (first call)
        done = 1
        nest.Prepare()
        for k, st in enumerate(all_steps):
            target = st + off_steps + 1           # just after the spike step
            if target > done:
                nest.Run((target - done) * dt_ms)
                done = target
            got = conns.get(list(model.recorded))
            for name in model.recorded:
                states[name][k, :] = np.asarray(got[name])[order]
        end_steps = int(round(end_ms / dt_ms))
        if end_steps > done:
            nest.Run((end_steps - done) * dt_ms)
        nest.Cleanup()
        for name in model.recorded:
            spike_state[name] = [states[name][np.searchsorted(all_steps, s), k]
                                 for k, s in enumerate(pre_steps)]
    final = conns.get("weight")
    w_final = (np.asarray(final, dtype=float)[order] / w_scale / to_pynn_w)[:n]
    ev = recorder.get("events")
    ev_src = np.asarray(ev["senders"]) - pre.first_id
    ev_t = np.asarray(ev["times"], dtype=float) - offset
    ev_w = np.asarray(ev["weights"], dtype=float) / w_scale / to_pynn_w
    rec_dt = record_dt_for(schedule)
    sample_t = sample_times(schedule, rec_dt)
    signals = {}
    if model.plastic:
        cols = []
        for k in range(n):
            sel = (ev_src == k) & (ev_t <= schedule.duration_ms + 1e-9)
            cols.append(_hold(sample_t, ev_t[sel], ev_w[sel], w0[k]))
        signals["w"] = np.column_stack(cols)
        semantics = ("NEST's stored weight, sampled: it changes only at presynaptic spikes (NEST "
                     "applies post-spike potentiation lazily at the next pre spike); w_final "
                     "includes every event (flush spike)")
    else:
        for name in model.recorded:
            cols = []
            for k, steps in enumerate(schedule.steps("pre")):
                init = {"u": 0.0, "x": 1.0}.get(name, np.nan)
                cols.append(_hold(sample_t, steps * dt_ms, spike_state[name][k], init))
            signals[name] = np.column_stack(cols)
        spike_state["efficacy"] = []
        for k in range(n):
            sel = ev_src == k
            spike_state["efficacy"].append(ev_w[sel][np.argsort(ev_t[sel], kind="stable")])
        semantics = "state stored at the most recent presynaptic spike (step function)"
    versions = {"pyNN": pyNN.__version__, "nest": nest.__version__}
    sim.end()
    return RunResult(model, "", values, "pynn.nest", schedule, w0, w_final, sample_t, signals,
                     spike_state, semantics, versions)
