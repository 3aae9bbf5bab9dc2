"""Vogels et al. (2011): inhibitory plasticity balances a single neuron's input.

Provenance: Vogels TP, Sprekeler H, Zenke F, Clopath C & Gerstner W (2011) Science 334:1569,
Fig. 1/2 single-cell simulation; every number below is from the authors' code (ModelDB 143751,
``inhib_plasticity.m``; reference ``vogels2011_single_cell_modeldb``).

One conductance-based integrate-and-fire neuron (tau_m 20 ms, V_rest -60 mV = reset, V_th -50 mV,
refractory 5 ms, E_exc 0 mV, E_inh -80 mV, conductances in units of the leak g_L = 10 nS with
tau_exc 5 ms, tau_inh 10 ms; the membrane is integrated exactly for the step's conductances,
as in the code) receives 800 excitatory and 200 inhibitory spike trains in 8 signal groups.
Each group's rate is 5 Hz + max(0, 500 Hz * s(t)) / 0.03, s a 50 ms low-pass of uniform white
noise; every train has a 5 ms dead time.  Excitatory weights are tuned to the group
(0.3 + 1.1 / (1 + (group - 5)^4) + 0.1 rand) with scale gBarEx = 0.014; inhibitory weights start
at 0.1 with scale gBarIn = 0.035 and follow ``vogels_sprekeler`` (the plastic synapses under test).
Differences from the code: the output spike is registered one 0.1 ms step after the membrane
crosses threshold (Brian2's update order).

Output: the output rate per 1.5 s block (the authors' run length) against the target
rho0 = alpha / (2 tau), the mean excitatory and inhibitory synaptic currents per block (nA; the
inhibitory one including the leak, as the authors plot), and the mean inhibitory weight per
signal group at the end beside the excitatory tuning (co-tuning = detailed balance).
"""
import numpy as np

from plasticity.models.core import PlasticityError, magnitude

from .run.brian2 import network_result, run_network
from .base import Option, Protocol, Report, key_number, preferred
from .schedule import Condition, Schedule
from plasticity.models.brian2_api import set_parameters

REF = "vogels2011_single_cell_modeldb (ModelDB 143751 inhib_plasticity.m)"
CELL = dict(N=1000, exc_frac=0.8, n_sigs=8, tau_m_ms=20.0, V_rest_mV=-60.0, V_th_mV=-50.0,
            E_exc_mV=0.0, E_inh_mV=-80.0, tau_exc_ms=5.0, tau_inh_ms=10.0, t_ref_ms=5.0,
            g_bar_exc=0.014, g_bar_inh=0.035, g_leak_nS=10.0, noise_tau_ms=50.0,
            background_hz=5.0, max_hz=500.0, normalizing=0.03, block_s=1.5)


def build(model, values, options, schedule_file=None):
    if model.name != "vogels_sprekeler":
        raise PlasticityError("vogels_2011 applies to vogels_sprekeler")
    duration = float(options["duration_s"]) * 1000.0
    return Schedule("vogels_2011", duration,
                    [Condition("single_cell", np.zeros(0), np.zeros(0))],
                    meta={"seed": int(options["seed"]), **CELL}).validate()


def simulate(model, set_name, values, schedule, backend, progress=False):
    if backend != "brian2":
        raise PlasticityError("vogels_2011 runs on backend brian2 only (its neuron and input "
                              "generators are built in Brian2; the rule's NEST parity is tested "
                              "on imposed spike trains)")
    import brian2 as b2

    p = schedule.meta
    b2.seed(p["seed"])
    rng = np.random.default_rng(p["seed"])
    dt = schedule.dt_ms * b2.ms
    n_exc = int(p["N"] * p["exc_frac"])
    n_inh = p["N"] - n_exc
    sigs = b2.NeuronGroup(p["n_sigs"], "s : 1\nrate : Hz", dt=dt, name="signals")
    sigs.run_regularly(f"""
re = rand() - 0.5
s = re - (re - s) * exp(-dt / ({p['noise_tau_ms']}*ms))
rate = {p['background_hz']}*Hz + clip({p['max_hz']}*Hz * s, 0*Hz, 1e9*Hz) / {p['normalizing']}
""", when="start", name="signal_update")
    group = np.r_[np.repeat(np.arange(p["n_sigs"]), n_exc // p["n_sigs"]),
                  np.repeat(np.arange(p["n_sigs"])[::-1], n_inh // p["n_sigs"])]
    inputs = b2.NeuronGroup(p["N"], "rate : Hz", threshold="rand() < rate * dt",
                            refractory=p["t_ref_ms"] * b2.ms, dt=dt, name="inputs")
    feed = b2.Synapses(sigs, inputs, "rate_post = rate_pre : Hz (summed)", dt=dt, name="feed")
    feed.connect(i=group, j=np.arange(p["N"]))
    feed.summed_updaters["rate_post"].when = "start"
    feed.summed_updaters["rate_post"].order = 1
    cell = b2.NeuronGroup(1, """
v : volt
g_exc : 1
g_inh : 1
t_last : second
""", threshold="v > V_th", reset="v = V_rest\nt_last = t", dt=dt, name="cell",
                          namespace=dict(V_th=p["V_th_mV"] * b2.mV,
                                         V_rest=p["V_rest_mV"] * b2.mV))
    cell.v = p["V_rest_mV"] * b2.mV
    cell.t_last = -1e9 * b2.second
    ns = dict(V_rest=p["V_rest_mV"] * b2.mV, E_exc=p["E_exc_mV"] * b2.mV,
              E_inh=p["E_inh_mV"] * b2.mV, tau_m=p["tau_m_ms"] * b2.ms,
              tau_exc=p["tau_exc_ms"] * b2.ms, tau_inh=p["tau_inh_ms"] * b2.ms,
              t_ref=p["t_ref_ms"] * b2.ms)
    cell.run_regularly("""
g_exc *= exp(-dt / tau_exc)
g_inh *= exp(-dt / tau_inh)
""", when="start", name="conductance_decay")
    cell.namespace.update(ns)
    cell.run_regularly("""
g_tot = 1 + g_exc + g_inh
v_inf = (V_rest + g_exc * E_exc + g_inh * E_inh) / g_tot
not_ref = int(t - t_last >= t_ref)
v = not_ref * (v_inf + (v - v_inf) * exp(-dt * g_tot / tau_m)) + (1 - not_ref) * V_rest
""", when="after_synapses", name="membrane")
    w_exc = np.array([0.3 + 1.1 / (1.0 + (g + 1 - 5) ** 4) + rng.random() * 0.1
                      for g in group[:n_exc]])
    exc = b2.Synapses(inputs[:n_exc], cell, "w : 1", on_pre=f"g_exc_post += {p['g_bar_exc']}*w",
                      dt=dt, name="excitatory")
    exc.connect()
    exc.w = w_exc
    eqs, on_pre, on_post = model.brian2.render(w="w", wunit="1",
                                               transmit=f"g_inh_post += {p['g_bar_inh']}*w")
    inh = b2.Synapses(inputs[n_exc:], cell, model=eqs, on_pre=on_pre, on_post=on_post, dt=dt,
                      name="plastic")
    inh.connect(i=np.arange(n_inh), j=np.zeros(n_inh, int))
    set_parameters(inh, model.name, values)
    curr = b2.StateMonitor(cell, ["v", "g_exc", "g_inh"], record=0, dt=1 * b2.ms,
                           name="currents")
    spikes = b2.SpikeMonitor(cell, name="output_spikes")
    block = p["block_s"] * 1000.0
    n_blocks = max(1, int(round(schedule.duration_ms / block)))
    # every inhibitory weight at the start of each block (read after the run: cpp_standalone)
    sampled = b2.StateMonitor(inh, "w", record=np.arange(n_inh), dt=block * b2.ms, when="start",
                              name="sampled_w")
    net = b2.Network(sigs, feed, inputs, cell, exc, inh, curr, spikes, sampled)
    wall = run_network(net, n_blocks * block, progress)
    w_final = np.asarray(inh.w[:])
    w_inh_t = [float(x) for x in np.asarray(sampled.t / b2.second)] + [n_blocks * block / 1000.0]
    mean_w_inh = [float(x) for x in np.mean(np.asarray(sampled.w), axis=0)]
    mean_w_inh.append(float(np.mean(w_final)))
    v = np.asarray(curr.v[0] / b2.mV)
    gl = p["g_leak_nS"]
    # currents in nA: g (units of g_L = 10 nS) * (V - E) mV -> 10 nS * mV = 0.01 nA
    i_exc = -np.asarray(curr.g_exc[0]) * (v - p["E_exc_mV"]) * gl * 1e-3
    i_inh = (np.asarray(curr.g_inh[0]) * (v - p["E_inh_mV"]) + (v - p["V_rest_mV"])) * gl * 1e-3
    t_ms = np.asarray(curr.t / b2.ms)
    t_spk = np.asarray(spikes.t / b2.ms)
    edges = np.arange(n_blocks + 1) * block
    rate = np.histogram(t_spk, bins=edges)[0] / (block / 1000.0)
    blk = np.minimum((t_ms // block).astype(int), n_blocks - 1)
    exc_blocks = np.bincount(blk, weights=i_exc, minlength=n_blocks) / np.bincount(
        blk, minlength=n_blocks)
    inh_blocks = np.bincount(blk, weights=i_inh, minlength=n_blocks) / np.bincount(
        blk, minlength=n_blocks)
    inh_group = group[n_exc:]
    tau_s = magnitude(values["tau"], b2.second)
    rho0 = float(values["alpha"]) / (2.0 * tau_s)
    last = max(1, n_blocks // 5)
    extra = {
        "target_rate_hz": rho0,
        "block_times_s": [float(x) for x in edges[1:] / 1000.0],
        "output_rate_hz": [float(x) for x in rate],
        "rate_last_20pct_hz": float(np.mean(rate[-last:])),
        "exc_current_nA": [float(x) for x in exc_blocks],
        "inh_current_nA": [float(x) for x in inh_blocks],
        "net_current_last_20pct_nA": float(np.mean(exc_blocks[-last:] - inh_blocks[-last:])),
        "exc_weight_per_group": [float(np.mean(w_exc[group[:n_exc] == g]))
                                 for g in range(p["n_sigs"])],
        "inh_weight_per_group": [float(np.mean(w_final[inh_group == g]))
                                 for g in range(p["n_sigs"])],
        "inh_weight_per_group_initial": [float(np.mean(values["w_init"]))] * p["n_sigs"],
        "mean_inh_weight_t_s": w_inh_t,
        "mean_inh_weight": mean_w_inh,
    }
    extra["exc_inh_tuning_correlation"] = float(np.corrcoef(extra["exc_weight_per_group"],
                                                            extra["inh_weight_per_group"])[0, 1])
    return network_result(model, set_name, values, schedule, mean_w_inh[0], mean_w_inh[-1],
                          np.asarray(w_inh_t) * 1000.0, mean_w_inh,
                          "mean inhibitory weight, sampled every 1.5 s block", wall, extra)



NAME = "vogels_2011"


def key_numbers(m, s, per_backend):
    b, r = preferred(per_backend)
    c = r["conditions"][0]
    rate, target = float(c["rate_last_20pct_hz"]), float(c["target_rate_hz"])
    blocks = np.atleast_1d(np.asarray(c["block_times_s"], float))
    window = max(1, len(blocks) // 5) * (blocks[0] if blocks.size else 1.5)
    return [
        key_number(NAME, m, s, b, "output rate, last 20 % of the run (Hz)", rate, target,
                   3 * np.sqrt(target / window), "target ρ0 = α/(2τ); tolerance 3 sqrt(ρ0 / "
                   "window) (counting noise)"),
        key_number(NAME, m, s, b, "E/I tuning correlation (8 signal groups)",
                   float(c["exc_inh_tuning_correlation"]), note="co-tuning: close to 1"),
        key_number(NAME, m, s, b, "net current exc − (inh + leak), last 20 % (nA)",
                   float(c["net_current_last_20pct_nA"]), note="balance: small against either"),
    ]



REPORT = Report(group_figure="vogels",
                group_title="Vogels et al. 2011: inhibitory plasticity balances a single cell "
                            "(brian2)",
                key_numbers=key_numbers)

PROTOCOL = Protocol(
    report=REPORT,
    name=NAME,
    title="Vogels et al. 2011: inhibitory plasticity balances a single cell",
    doc=__doc__,
    families=("inhibitory",),
    options=[Option("duration_s", 150.0, "simulated time (s; the authors' 100 runs of 1.5 s)",
                    float, 1.5),
             Option("seed", 1, "random seed (inputs, excitatory weight noise)", int, 0)],
    build=build,
    measure=lambda result: [result.extra],
    simulate=simulate,
    standalone=True,
)
