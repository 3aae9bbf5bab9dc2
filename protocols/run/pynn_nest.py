"""Backend ``pynn.nest``: NEST spike sources and the schedule runner (delays dendritic).

Placement: ``SpikeSourceArray`` -> parrot (delay d_g) -> plastic synapse (delay d) -> parrot
receptor 1 (which does not repeat the spikes arriving through the plastic synapse).  Pre parrots
fire at t; post parrots at t - d, so that the synapse sees the post spike at t.  Simulator times
add a model's ``lead_in`` (:class:`plasticity.models.core.NestMapping`) to
:data:`~plasticity.protocols.run.common.OFFSET_MS`.
"""
from __future__ import annotations

import os

import numpy as np

from plasticity.models.core import PlasticityError, to_pynn
from plasticity.models.pynn_types import (IMPOSED, PLASTIC, nest_parrot_cell_class,
                                          nest_synapse_class, nestml_relay_cell_class,
                                          pynn_kwargs)

from .common import (DEFAULT_SEED, OFFSET_MS, RunResult, hold, no_reward_input, padded,
                     progress_run, pynn_setup, record_dt_for, sample_times, synapse_order)

NEST_STAMP_EPS_MS = 0.25e-3
LARGE_N = 20_000
os.environ.setdefault("PYNEST_QUIET", "1")


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


def nest_weight_scales(model) -> tuple[float, float]:
    """(NEST units per PyNN unit, PyNN units per model weight unit) of a model's weight, from its
    translation table: a model weight ``w`` is ``w * to_pynn * w_scale`` in NEST."""
    table = {t.name: t for t in model.nest.table}
    w_scale = table["weight"].forward({"weight": 1.0})     # PyNN unit -> NEST unit
    to_pynn_w = to_pynn({"w": (1.0 if model.weight_unit is None
                               else 1.0 * model.weight_unit)})["w"]
    return w_scale, to_pynn_w


def _runner(sim):
    """``sim.run`` for the first call (PyNN connects its recorders and simulates one min_delay
    past the time), then ``nest.Simulate`` directly, which is what pyNN.nest's later runs do
    apart from its bookkeeping: each of those reads NEST's kernel status several times (30 ms a
    read in NEST 3.10), which made a progress bar's 50 chunks cost minutes (measured: Sjöström
    on pynn.nest 3 min 38 s with the bar, 16.6 s without)."""
    import nest
    started = [sim.state.running]

    def run(ms):
        if not started[0]:
            sim.run(ms)
            started[0] = True
        else:
            nest.Simulate(ms)
    return run


def mpi_allgather(*arrays):
    """Under MPI (NEST built with MPI, ``mpirun -np N``, mpi4py installed): every process's
    local arrays concatenated in rank order, on every process."""
    try:
        from mpi4py import MPI
    except ImportError:
        raise PlasticityError("pynn.nest under MPI needs mpi4py (make nest-mpi installs it)") \
            from None
    comm = MPI.COMM_WORLD
    return [np.concatenate(comm.allgather(np.asarray(a))) for a in arrays]


def run_schedule(model, values, schedule, w0, threads=1, progress=False):
    import nest
    import pyNN
    import pyNN.nest as sim

    nest.set_verbosity("M_ERROR")
    model = model.for_nest(values)
    dt_ms = schedule.dt_ms
    n = len(schedule.conditions)
    npad = padded(n)
    pynn_setup(sim, dt_ms, threads, spike_precision="on_grid",
               rng_seed=int(schedule.meta.get("seed", DEFAULT_SEED)))
    nest.set_verbosity("M_ERROR")
    if model.nest.nestml is not None:           # before any node exists
        from plasticity.models import nestml
        nestml.install(nest, model.nest.nestml.module)
    d_gen, d_syn = dt_ms, dt_ms
    offset = OFFSET_MS
    if model.nest.lead_in is not None:
        offset += np.round(model.nest.lead_in(values) / dt_ms) * dt_ms
    flush_ms = None
    if model.nest.flush_gap is not None:
        # at least one step after the schedule: the end of the brian2 run (a rule that changes
        # between events, e.g. scaling, is read there)
        gap = max(model.nest.flush_gap(values), dt_ms)
        flush_ms = np.round((schedule.duration_ms + gap) / dt_ms) * dt_ms

    def trains_of(role, shift_ms, extra=None):
        return [(getattr(c, role) if extra is None else np.append(getattr(c, role), extra))
                + offset - shift_ms for c in schedule.conditions]

    def source(role, shift_ms, extra=None):
        return nest_spike_sources(sim, trains_of(role, shift_ms, extra), npad, dt_ms)

    parrot = nest_parrot_cell_class()
    mpi = nest.NumProcesses() > 1
    # beyond this many synapses PyNN's SpikeSourceArray and OneToOneConnector take minutes
    # per 10^5 cells (lazy per-column evaluation): plain NEST generators and one nest.Connect
    large = npad > LARGE_N
    if not mpi and not large:
        pre_src = source("pre", d_gen, extra=flush_ms)
        post_src = source("post", d_gen + d_syn)
    pre = sim.Population(npad, parrot())
    # a NESTML rule sees post spikes through the NESTML relay neuron generated with it
    relay = nestml_relay_cell_class(model) if model.nest.nestml is not None else parrot
    post = sim.Population(npad, relay())
    static = sim.StaticSynapse(weight=1.0, delay=d_gen)
    if not mpi and not large:
        sim.Projection(pre_src, pre, sim.OneToOneConnector(), static, receptor_type=IMPOSED)
        sim.Projection(post_src, post, sim.OneToOneConnector(), static, receptor_type=IMPOSED)
    else:
        # under MPI, PyNN's SpikeSourceArray (a generator and a parrot of its own per source)
        # delivered some imposed spikes twice (measured: the parrots of every other condition
        # fired twice per spike under mpirun -np 2); plain NEST generators, which NEST
        # replicates on every process, connected to the parrots' repeating port, do not; and
        # they are what a large run uses (PyNN's sources take minutes per 10^5 cells)
        for role, cells, shift, extra in (("pre", pre, d_gen, flush_ms),
                                          ("post", post, d_gen + d_syn, None)):
            # one generator per distinct train (a NEST device costs tens of kB: 600 000 of
            # them, one per trial of a stochastic run, filled 20 GB), sent to every cell
            # that has that train
            groups = {}
            for k, t in enumerate(trains_of(role, shift, extra)):
                times = np.round(np.asarray(t, float) / dt_ms) * dt_ms - NEST_STAMP_EPS_MS
                if len(times):
                    groups.setdefault(times.tobytes(), (times, []))[1].append(k)
            port = cells.celltype.get_receptor_type(IMPOSED)
            for times, members in groups.values():
                gen = nest.Create("spike_generator", params={"spike_times": list(times)})
                nest.Connect(gen, cells.node_collection[members], "all_to_all",
                             syn_spec={"weight": 1.0, "delay": d_gen, "receptor_type": port})
    kwargs = pynn_kwargs(model, values, "pynn.nest")
    kwargs["delay"] = d_syn
    syn_type = nest_synapse_class(model.name, values)(**kwargs)
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
    else:
        no_reward_input(model, schedule)
    if large and not model.nest.volume_transmitter:
        # what the Projection does: the synapse type's NEST model with its defaults (and the
        # recorder), the post cells' parameters, one connection per condition
        name = syn_type._get_nest_synapse_model()
        syn_type._set_tau_minus(post.node_collection)
        port = post.celltype.get_receptor_type(PLASTIC)
        nest.Connect(pre.node_collection, post.node_collection, "one_to_one",
                     syn_spec={"synapse_model": name, "delay": d_syn, "receptor_type": port})
    else:
        sim.Projection(pre, post, sim.OneToOneConnector(), syn_type, receptor_type=PLASTIC)
    w_scale, to_pynn_w = nest_weight_scales(model)
    # (the pre parrots connect only onto the post cells: a target filter of 300 000 nodes took
    # minutes in NEST 3.10)
    conns = nest.GetConnections(source=pre.node_collection)
    src_index = np.atleast_1d(np.asarray(conns.get("source"))) - pre.first_id
    nest_w0 = np.concatenate([w0, np.full(npad - n, w0[0])]) * to_pynn_w * w_scale
    # one synapse per condition, its source index = the condition (under MPI each process
    # holds the synapses of its own targets only: the same rule, on its subset)
    # (a list of dicts: PyNEST refuses a list of values under MPI)
    conns.set([{"weight": float(w)} for w in nest_w0[src_index]])
    if mpi and not model.plastic:
        sim.end()
        raise PlasticityError(f"{model.name} on pynn.nest under MPI: the state at every "
                              "presynaptic spike is read per process; run short-term "
                              "plasticity in one process (threads)")
    order = None if mpi else synapse_order(src_index)
    if model.nest.integer_state:
        conns.set(**{k: int(round(float(values[p]))) for k, p in
                     model.nest.integer_state.items()})
    end_ms = max(schedule.duration_ms, flush_ms or 0.0) + offset + 2 * dt_ms

    spike_state = {}
    if model.plastic and flush_ms is not None and model.nest.flush_zero:
        before = flush_ms + offset - dt_ms       # the flush pre parrot fires at flush_ms + offset
        progress_run(_runner(sim), before, progress, dt_ms)
        conns.set({name: 0.0 for name in model.nest.flush_zero})
        sim.run(end_ms - before)
    elif model.plastic:
        progress_run(_runner(sim), end_ms, progress, dt_ms)
    else:
        stored = [v for v in model.recorded if v != model.nest.event_state]
        if stored:
            spike_state = _read_state_at_spikes(nest, sim, conns, schedule, stored, order,
                                                npad, offset, end_ms)
        else:
            progress_run(_runner(sim), end_ms, progress, dt_ms)
    final = np.atleast_1d(np.asarray(conns.get("weight"), dtype=float))
    rule = model.nest.nestml
    lost = np.atleast_1d(np.asarray(conns.get(rule.overflow))) if rule is not None and \
        rule.overflow else np.zeros(0)
    ev = recorder.get("events")
    ev_src = np.asarray(ev["senders"]) - pre.first_id
    ev_t = np.asarray(ev["times"], dtype=float)
    ev_w = np.asarray(ev["weights"], dtype=float)
    if mpi:           # every process gets every synapse's numbers (rank order, then sorted)
        src_index, final, lost, ev_src, ev_t, ev_w = mpi_allgather(
            src_index, final, lost, ev_src, ev_t, ev_w)
        by_time = np.lexsort((ev_src, ev_t))
        ev_src, ev_t, ev_w = ev_src[by_time], ev_t[by_time], ev_w[by_time]
        order = synapse_order(src_index)
    if np.any(lost > 0):
        sim.end()
        raise PlasticityError(f"{model.name} on pynn.nest: presynaptic spikes came faster than "
                              f"the NESTML rule's queue holds ({rule.why}); use brian2")
    w_final = (final[order] / w_scale / to_pynn_w)[:n]
    ev_t = ev_t - offset
    ev_w = ev_w / w_scale / to_pynn_w
    rec_dt = record_dt_for(schedule)
    sample_t = sample_times(schedule, rec_dt)
    signals = {}
    # the recorder's events grouped by condition once (a mask per condition is quadratic: 300 000
    # synapses x 12.6 million events never ended)
    by_src = np.argsort(ev_src, kind="stable")
    ev_src, ev_t, ev_w = ev_src[by_src], ev_t[by_src], ev_w[by_src]
    bounds = np.searchsorted(ev_src, np.arange(n + 1))
    of = [slice(bounds[k], bounds[k + 1]) for k in range(n)]
    if model.plastic:
        cols = []
        for k in range(n):
            t, w = ev_t[of[k]], ev_w[of[k]]
            sel = t <= schedule.duration_ms + 1e-9
            cols.append(hold(sample_t, t[sel], w[sel], w0[k]))
        signals["w"] = np.column_stack(cols)
        semantics = ("NEST's stored weight, sampled: it changes only at presynaptic spikes (NEST "
                     "applies post-spike potentiation lazily at the next pre spike); w_final "
                     "includes every event (flush spike)")
    else:
        # the weight NEST transmitted at each presynaptic spike (events are stamped with the
        # spike's time at the synapse); 0 where none was transmitted (stochastic release)
        spike_state["efficacy"] = []
        for k, steps in enumerate(schedule.steps("pre")):
            idx = np.searchsorted(steps * dt_ms, ev_t[of[k]] - 1e-6)
            eff = np.zeros(len(steps))
            np.add.at(eff, idx, ev_w[of[k]])
            spike_state["efficacy"].append(eff)
        if model.nest.event_state:
            spike_state[model.nest.event_state] = [
                e / w0[k] for k, e in enumerate(spike_state["efficacy"])]
        for name in model.recorded:
            cols = []
            for k, steps in enumerate(schedule.steps("pre")):
                init = model.brian2.initial.get(name)      # before the first spike
                init = float(init) if isinstance(init, (int, float)) else np.nan
                cols.append(hold(sample_t, steps * dt_ms, spike_state[name][k], init))
            signals[name] = np.column_stack(cols)
        semantics = "state stored at the most recent presynaptic spike (step function)"
    versions = {"pyNN": pyNN.__version__, "nest": nest.__version__}
    sim.end()
    return RunResult(model=model, values=values, backend="pynn.nest", schedule=schedule,
                     w_initial=w0, w_final=w_final, signal_times_ms=sample_t, signals=signals,
                     spike_state=spike_state, signal_semantics=semantics,
                     simulator_versions=versions)


def _read_state_at_spikes(nest, sim, conns, schedule, names, order, npad, offset, end_ms):
    """NEST's stored connection state ``names`` (e.g. u, x) right after every presynaptic spike:
    the simulation advances from spike step to spike step (one Prepare/Cleanup; PyNN's
    run_until per chunk is ~100x slower) to ``end_ms``.  Returns {name: per condition, the
    values at its spikes}."""
    dt_ms = schedule.dt_ms
    pre_steps = schedule.steps("pre")
    all_steps = np.unique(np.concatenate(pre_steps + [np.zeros(0, np.int64)]))
    states = {name: np.full((len(all_steps), npad), np.nan) for name in names}
    off_steps = int(round(offset / dt_ms))
    sim.run_until(dt_ms)          # let PyNN finish its own set-up (first call)
    done = 1
    nest.Prepare()
    for k, st in enumerate(all_steps):
        target = st + off_steps + 1           # just after the spike step
        if target > done:
            nest.Run((target - done) * dt_ms)
            done = target
        got = conns.get(list(names))
        for name in names:
            states[name][k, :] = np.asarray(got[name])[order]
    end_steps = int(round(end_ms / dt_ms))
    if end_steps > done:
        nest.Run((end_steps - done) * dt_ms)
    nest.Cleanup()
    return {name: [states[name][np.searchsorted(all_steps, s), k]
                   for k, s in enumerate(pre_steps)] for name in names}
