"""Izhikevich (2007) Fig. 1: a network learns which synapse is rewarded, with the reward 1-3 s late.

Provenance: Izhikevich EM (2007) Cereb Cortex 17:2443, Fig. 1; the author's ``daspnet.m``
(reference ``izhikevich2007_daspnet``).  Network as in daspnet.m: 800 excitatory (regular
spiking: a = 0.02, d = 8) and 200 inhibitory (fast spiking: a = 0.1, d = 2) Izhikevich neurons
(b = 0.2, c = -65 mV, v' = 0.04 v^2 + 5 v + 140 - u + I, two 0.5 ms Euler half-steps per 1 ms
step), 100 outgoing synapses per neuron to random targets (inhibitory ones onto excitatory
neurons only), 1 ms delay (delivered in the step the spike occurs, as in daspnet.m), synaptic
input as a current jump I += s, random thalamic input I = 13 (rand - 0.5) every ms.
Excitatory synapses are this package's ``stdp_dopamine`` (weights start at 1, bounds [0, 4]
with the ``izhikevich2007`` set); inhibitory ones are fixed at -1.

The rewarded synapse: the first synapse of neuron 0 (its weight starts at 0).  Whenever its
postsynaptic neuron fires 1-19 ms after neuron 0 (0 < t_post - t_pre < 20 ms, daspnet.m), a reward
is scheduled 1000 + ceil(2000 rand) ms later (1-3 s); each reward is one dopamine spike to every
excitatory synapse.  The detection runs every 10 ms (a Brian2 network_operation): rewards are
1-3 s late anyway; two rewards due within the same 10 ms would be delivered up to 10 ms apart.

Differences from daspnet.m: the plasticity is the continuous rule of ``models.stdp_dopamine``
(exact between events, all-to-all traces) instead of 10 ms weight updates with reset traces.

Output: the rewarded synapse's weight and eligibility over time, the mean of the other
excitatory weights, reward times, the final weight histogram, firing rate.  Expected (paper):
the rewarded synapse grows to the maximum while the others stay low.  ``duration_s`` default 3600
(the paper's hour).
"""
import numpy as np

from models.core import PlasticityError, magnitude

from .base import Option, Protocol
from .schedule import Condition, Schedule

NE, NI, M = 800, 200, 100
INTERVAL_MS = 20.0


def build(model, values, options, schedule_file=None):
    if model.name != "stdp_dopamine":
        raise PlasticityError("izhikevich_2007_network applies to stdp_dopamine")
    duration = float(options["duration_s"]) * 1000.0
    return Schedule("izhikevich_2007_network", duration,
                    [Condition("rewarded_synapse", np.zeros(0), np.zeros(0))], dt_ms=1.0,
                    meta={"seed": int(options["seed"]), "N_exc": NE, "N_inh": NI,
                          "synapses_per_neuron": M}).validate()


def simulate(model, set_name, values, schedule, backend, progress=False):
    if backend != "brian2":
        raise PlasticityError("izhikevich_2007_network runs on backend brian2 only (its neurons "
                              "and reward logic are built in Brian2)")
    import brian2 as b2
    from models.brian2_api import set_parameters
    from .engine import network_result, run_sampled

    seed = schedule.meta["seed"]
    b2.seed(seed)
    rng = np.random.default_rng(seed)
    dt = 1.0 * b2.ms
    N = NE + NI
    neurons = b2.NeuronGroup(N, "v : 1\nu : 1\nI : 1\na : 1 (constant)\nd : 1 (constant)",
                             threshold="v >= 30", reset="v = -65\nu += d", dt=dt,
                             name="izhikevich_neurons")
    neurons.a = np.r_[np.full(NE, 0.02), np.full(NI, 0.1)]
    neurons.d = np.r_[np.full(NE, 8.0), np.full(NI, 2.0)]
    neurons.v = -65.0
    neurons.u = 0.2 * -65.0
    neurons.I = "13 * (rand() - 0.5)"
    neurons.run_regularly("""
v += 0.5 * ((0.04 * v + 5) * v + 140 - u + I)
v += 0.5 * ((0.04 * v + 5) * v + 140 - u + I)
u += a * (0.2 * v - u)
I = 13 * (rand() - 0.5)
""", when="after_resets", name="izhikevich_update")
    eqs, on_pre, on_post = model.brian2.render(w="w", wunit="1", transmit="I_post += w")
    exc = b2.Synapses(neurons, neurons, model=eqs, on_pre=on_pre, on_post=on_post, dt=dt,
                      name="plastic")
    targets = rng.integers(0, N, size=(NE, M))
    exc.connect(i=np.repeat(np.arange(NE), M), j=targets.ravel())
    set_parameters(exc, model.name, values)
    exc.w = 1.0
    # synapse index of (neuron 0, its first synapse): connect() keeps the given order
    k_rew = 0
    exc.w[k_rew] = 0.0
    j_rew = int(targets[0, 0])
    inh = b2.Synapses(neurons, neurons, on_pre="I_post -= 1", dt=dt, name="inhibitory")
    inh.connect(i=np.repeat(np.arange(NE, N), M), j=rng.integers(0, NE, size=NI * M))
    dopa = b2.NeuronGroup(1, "t_next : second", threshold="t >= t_next",
                          reset="t_next = 1e9 * second", dt=dt, name="dopamine")
    dopa.t_next = 1e9 * b2.second
    mod = b2.Synapses(dopa, exc, on_pre=model.brian2.render_modulator(), dt=dt,
                      name="reward_pathway")
    mod.connect()
    watch = b2.SpikeMonitor(neurons, record=[0, j_rew] if j_rew != 0 else [0],
                            name="watched_spikes")
    rate_mon = b2.PopulationRateMonitor(neurons, name="rate")
    state = {"seen": 0, "last_pre": -1e9, "pending": [], "rewards": [], "triggers": 0}

    @b2.network_operation(dt=10 * b2.ms, when="end")
    def reward_logic(t):
        n = watch.num_spikes
        if n > state["seen"]:
            idx = np.asarray(watch.i[state["seen"]:n])
            tt = np.asarray(watch.t[state["seen"]:n] / b2.ms)
            state["seen"] = n
            for i_sp, t_sp in sorted(zip(idx, tt), key=lambda p: (p[1], p[0] != 0)):
                if i_sp == 0:
                    state["last_pre"] = t_sp
                if i_sp == j_rew and 0 < t_sp - state["last_pre"] < INTERVAL_MS:
                    state["pending"].append(t_sp + 1000.0 + np.ceil(2000.0 * rng.random()))
                    state["triggers"] += 1
        now = float(t / b2.ms)
        due = [p for p in state["pending"] if p > now]
        state["rewards"] += [p for p in state["pending"] if p <= now]
        state["pending"] = sorted(due)
        if float(dopa.t_next[0] / b2.ms) > 1e8 and state["pending"]:
            dopa.t_next = state["pending"][0] * b2.ms

    w_mon = b2.StateMonitor(exc, ["w", "c"], record=[k_rew], dt=100 * b2.ms, name="rewarded")
    net = b2.Network(neurons, exc, inh, dopa, mod, watch, rate_mon, reward_logic, w_mon)
    samples_t, mean_other = [0.0], [1.0]
    n_chunks = max(1, int(round(schedule.duration_ms / 10000.0)))
    chunk = schedule.duration_ms / n_chunks

    def sample(k):
        w = np.asarray(exc.w[:])
        mean_other.append(float((w.sum() - w[k_rew]) / (len(w) - 1)))
        samples_t.append((k + 1) * chunk)

    wall = run_sampled(net, chunk, n_chunks, sample, progress)
    w_final = np.asarray(exc.w[:])
    w_max = magnitude(values["w_max"], None)
    hist, edges = np.histogram(w_final, bins=40, range=(0.0, w_max))
    dopa_times = np.asarray(sorted(state["rewards"]))
    rate = float(rate_mon.rate[:].mean() / b2.Hz)
    others = np.delete(w_final, k_rew)
    extra = {
        "rewarded_w_final": float(w_final[k_rew]),
        "rewarded_rank_percentile": float(100.0 * np.mean(others < w_final[k_rew])),
        "others_mean_final": float(others.mean()),
        "others_fraction_above_rewarded": float(np.mean(others >= w_final[k_rew])),
        "others_fraction_at_max": float(np.mean(others >= 0.99 * w_max)),
        "n_rewards_delivered": int(len(dopa_times)),
        "n_rewards_triggered": int(state["triggers"]),
        "reward_times_s": [float(x) / 1000.0 for x in dopa_times],
        "rewarded_w_t_s": [float(x) for x in np.asarray(w_mon.t / b2.second)],
        "rewarded_w": [float(x) for x in w_mon.w[0]],
        "rewarded_c": [float(x) for x in w_mon.c[0]],
        "others_mean_t_s": [x / 1000.0 for x in samples_t],
        "others_mean": mean_other,
        "histogram_counts": [float(x) for x in hist],
        "histogram_edges": [float(x) for x in edges],
        "mean_rate_hz": rate,
        "post_neuron": j_rew,
    }
    w_t = np.asarray(w_mon.t / b2.ms)
    return network_result(model, set_name, values, schedule, 0.0, w_final[k_rew], w_t,
                          w_mon.w[0], "stored weight of the rewarded synapse, every 100 ms",
                          wall, extra)


PROTOCOL = Protocol(
    name="izhikevich_2007_network",
    title="Izhikevich 2007 Fig. 1: a rewarded synapse in an 800 + 200 neuron network",
    doc=__doc__,
    families=("reward",),
    options=[Option("duration_s", 3600.0, "simulated time (s)", float, 1.0),
             Option("seed", 1, "random seed (connectivity, input, reward delays)", int, 0)],
    build=build,
    measure=lambda result: [result.extra],
    simulate=simulate,
)
