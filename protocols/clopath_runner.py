"""Run a schedule on the Clopath model: a real AdEx neuron per condition, plastic synapse from
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

from plasticity.models.core import PlasticityError, magnitude

from .engine import (OFFSET_MS, RunResult, _padded, nest_spike_sources, record_dt_for,
                     sample_times)

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


NEURON_EQS = """
dv/dt = (1 - clamped) * (1 - vc_on) * (-g_L * (v - E_L) + g_L * Delta_T * exp((v - V_T) / Delta_T) - w_ad + z) / C_m : volt
dw_ad/dt = (1 - clamped) * (a * (v - E_L) - w_ad) / tau_w : amp
dz/dt = -z / tau_z : amp
dV_T/dt = -(V_T - V_T_rest) / tau_V_T : volt
du_plus/dt = (v - u_plus) / tau_plus : volt
du_minus/dt = (v - u_minus) / tau_minus : volt
du_bb/dt = (u_minus - u_bb) / tau_u_bar_bar : volt
clamped : 1
t_spike : second
force : 1
vc_on : 1
"""

SYN_EQS = """
w : 1
x_bar : 1 / second
x_new : 1 / second
"""
SYN_PRE = """
v_post += w * mV * (1 - vc_on_post)
ltd_amp = A_LTD * (1 + homeostatic * (u_bb_post ** 2 / u_ref_squared - 1))
w = clip(w - ltd_amp * clip({um}_post - theta_minus, 0 * mV, 1e9 * mV), w_min, w_max)
x_new += 1 / tau_x
"""
SYN_STEP = """
w = clip(w + A_LTP * x_bar * dt * clip(v_post - theta_plus, 0 * mV, 1e9 * mV) * clip({up}_post - theta_minus, 0 * mV, 1e9 * mV), w_min, w_max)
x_bar = (x_bar + x_new) * exp(-dt / tau_x)
x_new = 0 / second
"""


def delay_line(steps):
    """Neuron variables and per-step shift code delaying u_bar_plus / u_bar_minus by ``steps``
    steps, as NEST's ring buffer does: read before the shift, ``ubp_<steps>`` holds the value
    written ``steps`` steps ago.  Returns (equations, shift code, names of the delayed
    u_bar_plus and u_bar_minus)."""
    if steps == 0:
        return "", "", "u_plus", "u_minus"
    eqs = "".join(f"ubp_{j} : volt\nubm_{j} : volt\n" for j in range(1, steps + 1))
    code = "".join(f"ubp_{j} = ubp_{j - 1}\nubm_{j} = ubm_{j - 1}\n"
                   for j in range(steps, 1, -1))
    code += "ubp_1 = u_plus\nubm_1 = u_minus\n"
    return eqs, code, f"ubp_{steps}", f"ubm_{steps}"


def _run_brian2(model, values, schedule):
    import brian2 as b2
    from brian2 import mV, ms
    n = len(schedule.conditions)
    step = schedule.dt_ms * ms
    off = int(round(OFFSET_MS / schedule.dt_ms))
    ns = {k: values[k] for k in ("C_m", "g_L", "E_L", "V_T_rest", "V_T_max", "Delta_T", "tau_w",
                                  "a", "b", "I_sp", "tau_z", "tau_V_T", "V_peak", "V_reset",
                                  "V_clamp", "t_clamp", "tau_minus", "tau_plus", "tau_u_bar_bar",
                                  "A_LTD", "A_LTP", "theta_minus", "theta_plus", "tau_x",
                                  "u_ref_squared", "w_min", "w_max")}
    ns["homeostatic"] = model.derived(values)["homeostatic"]
    ns["mV"] = mV
    steps = int(round(float(values["delay_u_bars"] / ms) / schedule.dt_ms))
    delay_eqs, shift, up, um = delay_line(steps)
    neuron = b2.NeuronGroup(
        n, NEURON_EQS + delay_eqs, method="rk4", dt=step, namespace=ns,
        threshold="(v >= V_peak and clamped < 0.5) or force > 0.5",
        reset="v = V_clamp; clamped = 1; t_spike = t; w_ad += b; z = I_sp; V_T = V_T_max; "
              "force = 0",
        events={"unclamp": "clamped > 0.5 and t >= t_spike + t_clamp - 0.5 * dt"})
    neuron.run_on_event("unclamp", "v = V_reset; clamped = 0")
    E_L = values["E_L"]
    neuron.v = E_L
    neuron.u_plus = E_L
    neuron.u_minus = E_L
    neuron.u_bb = E_L
    neuron.V_T = values["V_T_rest"]
    delayed = [f"ub{s}_{j}" for j in range(1, steps + 1) for s in "pm"]
    for var in delayed:
        setattr(neuron, var, E_L)
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
    syn = b2.Synapses(pre, neuron, SYN_EQS, on_pre=SYN_PRE.format(um=um), dt=step, namespace=ns)
    syn.connect(i=np.arange(n), j=np.arange(n))
    # end of each step: potentiation (reads the delayed u_bar_plus), then the delay line shifts
    syn.run_regularly(SYN_STEP.format(up=up), when="end", order=-2)
    if shift:
        neuron.run_regularly(shift, when="end", order=-1)
    syn.w = float(values["w_init"])
    rec_dt = record_dt_for(schedule)
    mon = b2.StateMonitor(syn, "w", record=np.arange(n), dt=rec_dt * ms, when="end", order=1)
    spikes = b2.SpikeMonitor(neuron)
    net = b2.Network(neuron, pre, forcer, force, syn, mon, spikes)
    net.run((schedule.duration_ms + OFFSET_MS + schedule.dt_ms) * ms, namespace={})
    order = np.argsort(np.asarray(syn.i[:]))
    w_final = np.asarray(syn.w[:])[order]
    sample_t = sample_times(schedule, rec_dt)
    idx = np.round((sample_t + OFFSET_MS) / rec_dt).astype(int)
    traces = np.asarray(mon.w).T[:, order][idx]
    post_counts = np.bincount(np.asarray(spikes.i[:]), minlength=n)
    w0 = np.full(n, float(values["w_init"]))
    return RunResult(model, "", values, "brian2", schedule, w0, w_final, sample_t,
                     {"w": traces}, {}, "weight at each sample time",
                     {"brian2": b2.__version__}, extra={"post_spike_counts": post_counts})


def _nest_cell_params(values):
    from brian2 import mV, ms, nS, pA, pF
    p = lambda name, unit: magnitude(values[name], unit)
    return dict(
        C_m=p("C_m", pF), g_L=p("g_L", nS), E_L=p("E_L", mV), V_th_rest=p("V_T_rest", mV),
        V_th_max=p("V_T_max", mV), Delta_T=p("Delta_T", mV), tau_w=p("tau_w", ms),
        a=p("a", nS), b=p("b", pA), I_sp=p("I_sp", pA), tau_z=p("tau_z", ms),
        tau_V_th=p("tau_V_T", ms), V_peak=p("V_peak", mV), V_reset=p("V_reset", mV),
        V_clamp=p("V_clamp", mV), t_clamp=p("t_clamp", ms),
        tau_u_bar_plus=p("tau_plus", ms), tau_u_bar_minus=p("tau_minus", ms),
        tau_u_bar_bar=p("tau_u_bar_bar", ms), A_LTD=float(values["A_LTD"] * mV),
        A_LTP=float(values["A_LTP"] * mV ** 2), theta_plus=p("theta_plus", mV),
        theta_minus=p("theta_minus", mV), u_ref_squared=float(values["u_ref_squared"] / mV ** 2),
        delay_u_bars=p("delay_u_bars", ms), t_ref=0.0)


def _run_nest(model, values, schedule):
    import nest
    from brian2 import ms
    import pyNN
    import pyNN.nest as sim
    nest.set_verbosity("M_ERROR")
    h = schedule.dt_ms
    n = len(schedule.conditions)
    npad = _padded(n)
    sim.setup(timestep=h, min_delay=h, max_delay=10 * h, spike_precision="on_grid")
    nest.set_verbosity("M_ERROR")
    params = _nest_cell_params(values)
    cells = sim.Population(npad, sim.native_cell_type("aeif_psc_delta_clopath")(**params))
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
    syn = sim.native_synapse_type("clopath_synapse")(
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
    w = np.asarray(conns.get("weight"), float)[np.argsort(src)][:n]     # NEST's mV
    trains = cells.get_data("spikes").segments[0].spiketrains
    counts = np.array([len(trains[k]) for k in range(n)])
    sample_t = sample_times(schedule, record_dt_for(schedule))
    w0 = np.full(n, float(values["w_init"]))
    sim.end()
    return RunResult(model, "", values, "pynn.nest", schedule, w0, w, sample_t, {}, {},
                     "final weights only (NEST applies potentiation at pre spikes)",
                     {"pyNN": pyNN.__version__, "nest": nest.__version__},
                     extra={"post_spike_counts": counts})
