"""The Clopath rule (:mod:`plasticity.models.clopath`) with its neuron on brian2 and pynn.nest: a real AdEx neuron per condition, plastic synapse from
one presynaptic source, postsynaptic spikes forced at the scheduled times, or the membrane
clamped (condition variable ``clamp_mV``).

Timing (both backends): a scheduled pre spike at t is the step in which the synapse sees it
(LTD reads u_bar_minus at the end of that step; the trace x_bar it adds takes part in
potentiation from the next step on, as in NEST's clopath_synapse and the authors' VoTri.m); a
scheduled post spike at t is the step in which the neuron spikes (clamped to V_clamp from the
end of that step).

* ``brian2``: a forcing input sets a flag one step before; the threshold fires on the flag.
* ``pynn.nest``: ``aeif_psc_delta_clopath`` + ``clopath_synapse`` (native types through
  pyNN.nest); the forcing input is a spike generator whose 200 mV jump crosses V_peak; pre
  spikes come through a parrot neuron.  NEST stamps a spike at the end of its step and reads the
  neuron's history one dendritic delay before the pre spike, so sources are shifted to make the
  synapse see the same steps (see ``_run_nest``).  NEST applies potentiation lazily at the next
  pre spike: a flush pre spike 500 ms after the schedule makes the final weight complete (its
  own depression is A_LTD [u_bar_minus - theta_minus]_+ at rest, measured <= 1e-8; clamped
  neurons are released to rest at the end of the schedule, before it).
* Voltage clamp: Brian2 holds v (and starts u_bar_plus, u_bar_minus there); NEST has no clamp
  for this neuron, so the clamped neuron gets E_L = V_c, g_L = 1e6 nS (time constant 0.3 us),
  Delta_T = 0 with its threshold at V_peak, and its filters start at V_c.
"""
from __future__ import annotations

import time

import numpy as np

from plasticity.models.clopath import (NEST_NEURON, brian2_neuron, brian2_synapses,
                                      nest_cell_params, start_potentiation)
from plasticity.models.core import PlasticityError, magnitude

from .common import (OFFSET_MS, RunResult, padded, pynn_setup, record_dt_for, sample_times,
                     synapse_order)
from .pynn_nest import nest_spike_sources

FLUSH_MS = 500.0
FORCE_MV = 200.0
CLAMP_G_L_NS = 1e6


def simulate(model, set_name, values, schedule, backend, progress=False):
    model.check_backend(backend)
    if model.name != "clopath":
        raise PlasticityError(f"model '{model.name}' does not use the Clopath runner")
    schedule.validate()
    t0 = time.perf_counter()
    runner = {"brian2": _run_brian2, "pynn.nest": _run_nest}[backend]
    result = runner(model, values, schedule)
    result.set_name = set_name
    result.wall_time_s = time.perf_counter() - t0
    return result


def _clamps(schedule):
    return [c.variables.get("clamp_mV") for c in schedule.conditions]


def _run_brian2(model, values, schedule):
    import brian2 as b2
    from brian2 import mV, ms
    n = len(schedule.conditions)
    step = schedule.dt_ms * ms
    off = int(round(OFFSET_MS / schedule.dt_ms))
    neuron, _, delayed = brian2_neuron(values, n, step)
    for k, vc in enumerate(_clamps(schedule)):
        if vc is not None:
            neuron.vc_on[k] = 1
            for var in ["v", "u_plus", "u_minus", "u_bb"] + delayed:
                getattr(neuron, var)[k] = vc * mV

    def generator(times_per_cond, shift_steps):
        idx = np.concatenate([np.full(len(s), k) for k, s in enumerate(times_per_cond)] + [[]])
        t = np.concatenate(times_per_cond + [np.zeros(0, np.int64)]) + off + shift_steps
        return b2.SpikeGeneratorGroup(n, idx.astype(int), t * step, dt=step)

    pre = generator(schedule.steps("pre"), 0)
    forcer = generator(schedule.steps("post"), -1)      # flag one step before the spike
    force = b2.Synapses(forcer, neuron, on_pre="force_post = 1", dt=step)
    force.connect(j="i")
    syn = brian2_synapses(pre, neuron, step)
    syn.connect(i=np.arange(n), j=np.arange(n))
    # end of each step: potentiation (reads the delayed u_bar_plus), then the delay line shifts
    start_potentiation(syn)
    syn.w = float(values["w_init"])
    rec_dt = record_dt_for(schedule)
    mon = b2.StateMonitor(syn, "w", record=np.arange(n), dt=rec_dt * ms, when="end", order=1)
    spikes = b2.SpikeMonitor(neuron)
    net = b2.Network(neuron, pre, forcer, force, syn, mon, spikes)
    net.run((schedule.duration_ms + OFFSET_MS + schedule.dt_ms) * ms, namespace={})
    order = synapse_order(syn.i[:])
    w_final = np.asarray(syn.w[:])[order]
    sample_t = sample_times(schedule, rec_dt)
    idx = np.round((sample_t + OFFSET_MS) / rec_dt).astype(int)
    traces = np.asarray(mon.w).T[:, order][idx]
    post_counts = np.bincount(np.asarray(spikes.i[:]), minlength=n)
    w0 = np.full(n, float(values["w_init"]))
    return RunResult(model=model, values=values, backend="brian2", schedule=schedule,
                     w_initial=w0, w_final=w_final, signal_times_ms=sample_t,
                     signals={"w": traces}, signal_semantics="weight at each sample time",
                     simulator_versions={"brian2": b2.__version__},
                     extra={"post_spike_counts": post_counts})


def _run_nest(model, values, schedule):
    import nest
    from brian2 import ms
    import pyNN
    import pyNN.nest as sim
    nest.set_verbosity("M_ERROR")
    h = schedule.dt_ms
    n = len(schedule.conditions)
    npad = padded(n)
    pynn_setup(sim, h, spike_precision="on_grid")
    nest.set_verbosity("M_ERROR")
    params = nest_cell_params(values)
    cells = sim.Population(npad, sim.native_cell_type(NEST_NEURON)(**params))
    E_L = params["E_L"]
    init = {"V_m": E_L, "u_bar_plus": E_L, "u_bar_minus": E_L, "u_bar_bar": E_L}
    cells.node_collection.set(A_LTD_const=values["homeostasis"] == "off", **init)
    for k, vc in enumerate(_clamps(schedule)):
        if vc is not None:
            vth = params["V_peak"]
            # V_th (state) cannot be set: a 10 us time constant moves it to V_peak at once
            cells.node_collection[k].set(E_L=vc, g_L=CLAMP_G_L_NS, Delta_T=0.0, V_th_rest=vth,
                                         V_th_max=vth, tau_V_th=0.01, V_m=vc, u_bar_plus=vc,
                                         u_bar_minus=vc, u_bar_bar=vc)
    off = OFFSET_MS
    flush = np.round((schedule.duration_ms + FLUSH_MS) / h) * h

    source = lambda trains: nest_spike_sources(sim, trains, npad, h)

    # pre: the parrot fires (stamp) at t + 2h, so the synapse reads the neuron's history entry
    # of the end of the step of t (t_spike - d = t + h); the source fires one delay earlier
    pre_src = source([np.append(c.pre, flush) + off + h for c in schedule.conditions])
    # post: the neuron spikes in the step of t (stamp t + h): the forcing spike is stamped t
    post_src = source([c.post + off for c in schedule.conditions])
    parrots = sim.Population(npad, sim.native_cell_type("parrot_neuron")())
    one = sim.OneToOneConnector()
    sim.Projection(pre_src, parrots, one, sim.StaticSynapse(weight=1.0, delay=h))
    # PyNN scales static weights onto native cells by 1000 (nA -> pA): FORCE_MV mV in NEST
    sim.Projection(post_src, cells, one, sim.StaticSynapse(weight=FORCE_MV / 1000.0, delay=h))
    syn = sim.native_synapse_type(model.nest.synapse_model)(
        weight=float(values["w_init"]), delay=h, tau_x=magnitude(values["tau_x"], ms),
        Wmin=float(values["w_min"]), Wmax=float(values["w_max"]))
    sim.Projection(parrots, cells, one, syn)
    cells.record("spikes")
    clamped = [k for k, vc in enumerate(_clamps(schedule)) if vc is not None]
    if clamped:
        # release the clamp after the schedule (the flush spike must not depress at V_c)
        sim.run(schedule.duration_ms + off + h)
        rest = {"E_L": E_L, "g_L": params["g_L"], "V_m": E_L, "u_bar_plus": E_L,
                "u_bar_minus": E_L, "u_bar_bar": E_L}
        for k in clamped:
            cells.node_collection[k].set(**rest)
    sim.run(flush + off + 5 * h)
    conns = nest.GetConnections(source=parrots.node_collection, target=cells.node_collection)
    src = np.asarray(conns.get("source")) - parrots.first_id
    w = np.asarray(conns.get("weight"), float)[synapse_order(src)][:n]     # NEST's mV
    trains = cells.get_data("spikes").segments[0].spiketrains
    counts = np.array([len(trains[k]) for k in range(n)])
    sample_t = sample_times(schedule, record_dt_for(schedule))
    w0 = np.full(n, float(values["w_init"]))
    sim.end()
    return RunResult(model=model, values=values, backend="pynn.nest", schedule=schedule,
                     w_initial=w0, w_final=w, signal_times_ms=sample_t, signals={},
                     signal_semantics="final weights only (NEST applies potentiation at pre "
                                      "spikes)",
                     simulator_versions={"pyNN": pyNN.__version__, "nest": nest.__version__},
                     extra={"post_spike_counts": counts})
