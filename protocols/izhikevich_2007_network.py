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
excitatory synapse, delivered at exactly that time step (rewards due in the same step give one
spike, as daspnet.m's ``any(rew == t)``).  The detection and the pending rewards are Brian2 code
(a detector neuron and a 2000-synapse delay line, see ``simulate``), so the protocol runs in
runtime mode and in cpp_standalone with the same numbers.  A delay-line synapse holds two
pending rewards; a third one on the same synapse within 3 s would be lost and is counted
(``n_rewards_lost``, 0 in every run so far).

Differences from daspnet.m: the plasticity is the continuous rule of ``plasticity.models.stdp_dopamine``
(exact between events, all-to-all traces) instead of 10 ms weight updates with reset traces.

Output: the rewarded synapse's weight and eligibility over time, the mean of the other
excitatory weights, reward times, the final weight histogram, firing rate.  Expected (paper):
the rewarded synapse grows to the maximum while the others stay low.  ``duration_s`` default 3600
(the paper's hour).
"""
import numpy as np

from plasticity.models.core import PlasticityError, magnitude

from .run.brian2 import network_result, run_network
from .base import Option, Protocol, Report, key_number, preferred
from .schedule import Condition, Schedule
from plasticity.models.brian2_api import set_parameters

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


def reward_machinery(source, pre_index, post_index, dt, interval_ms=INTERVAL_MS, lines=2000):
    """Brian2 objects that turn spikes of ``source[post_index]`` 1 .. interval-1 ms after a
    spike of ``source[pre_index]`` into a dopamine spike 1000 + ceil(lines rand) steps (ms at
    the protocol's 1 ms step) after that postsynaptic spike (runs on either Brian2 device).
    Returns {name: object}; ``dopamine`` is the neuron that spikes at each reward, ``detector``
    spikes one step after each trigger (variables ``r``: the last drawn delay index, ``lost``:
    rewards dropped, see below).

    A pre spike stamps ``t_pre0``; a post spike 1-19 ms later sets ``fire``, and the detector
    spikes one step later: a trigger.  Its reset draws r = ceil(lines rand), and one step later
    the ``arm`` pathway stamps synapse r of the delay line with the trigger's step.  Delay-line
    synapse k (k = 1..lines) re-delivers every trigger (998 + k) steps later and passes it on
    only if that trigger armed it, so the dopamine neuron spikes exactly 1000 + r steps after
    the postsynaptic spike.  A synapse holds two pending rewards; arming it a third time while
    both are pending drops the older one (counted in ``lost``)."""
    import brian2 as b2
    det = b2.NeuronGroup(1, """
t_pre0 : second
fire : 1
r : integer
lost : integer
""", threshold="fire > 0.5", reset=f"fire = 0\nr = int(clip(ceil({lines} * rand()), 1, {lines}))",
                         dt=dt, name="reward_detector")
    det.t_pre0 = -1e9 * b2.second
    pre_seen = b2.Synapses(source, det, on_pre="t_pre0_post = t", dt=dt, name="pre_seen")
    pre_seen.connect(i=[pre_index], j=[0])
    post_seen = b2.Synapses(source, det, dt=dt, name="post_seen", on_pre=(
        f"fire_post = int(t - t_pre0_post > 0.5 * dt and t - t_pre0_post < {interval_ms}*ms)"))
    post_seen.connect(i=[post_index], j=[0])
    # a same-step pre spike is seen first (and then does not count: 0 < t_post - t_pre)
    pre_seen.pre.order, post_seen.pre.order = -2, -1
    # spikes in the step after a delivery: deliveries are counted (a pure increment), the count
    # is read at the start of each step, and a spike marks the deliveries up to then as seen
    # (a delivery in the spike's own step is counted in the next step's snapshot)
    dopa = b2.NeuronGroup(1, "delivered : integer\nsnapshot : integer\nseen : integer",
                          threshold="snapshot > seen", reset="seen = snapshot", dt=dt,
                          name="dopamine")
    dopa.run_regularly("snapshot = delivered", when="start", name="dopamine_snapshot")
    line = b2.Synapses(det, dopa, """
k : integer (constant)
armed1 : integer
armed2 : integer
""", on_pre={
        "arm": """
hit = int(k == r_pre)
lost_pre += hit * int(armed2 + 998 + k >= timestep(t, dt))
armed2 = armed2 + hit * (armed1 - armed2)
armed1 = armed1 + hit * (timestep(t, dt) - 1 - armed1)
""",
        "deliver": """
origin = timestep(t, dt) - 998 - k
delivered_post += int(origin == armed1 or origin == armed2)
"""}, dt=dt, name="delay_line")
    line.connect(i=np.zeros(lines, int), j=np.zeros(lines, int))
    line.k = np.arange(1, lines + 1)
    line.armed1 = -10 ** 9
    line.armed2 = -10 ** 9
    line.arm.delay = dt
    line.deliver.delay = (998 + np.arange(1, lines + 1)) * dt
    return {"detector": det, "pre_seen": pre_seen, "post_seen": post_seen, "dopamine": dopa,
            "delay_line": line}


def simulate(model, set_name, values, schedule, backend, progress=False):
    if backend != "brian2":
        raise PlasticityError("izhikevich_2007_network runs on backend brian2 only (its neurons "
                              "and reward logic are built in Brian2)")
    import brian2 as b2

    seed = schedule.meta["seed"]
    b2.seed(seed)
    rng = np.random.default_rng(seed)
    dt = 1.0 * b2.ms
    N = NE + NI
    neurons = b2.NeuronGroup(N, "v : 1\nu : 1\nI : 1\na : 1 (constant)\nd : 1 (constant)\n"
                             "w_in : 1",
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
    machinery = reward_machinery(neurons, 0, j_rew, dt)
    det, dopa = machinery["detector"], machinery["dopamine"]
    mod = b2.Synapses(dopa, exc, on_pre=model.brian2.render_modulator(), dt=dt,
                      name="reward_pathway")
    mod.connect()
    triggers = b2.SpikeMonitor(det, name="triggers")
    rewards = b2.SpikeMonitor(dopa, name="rewards")
    rate_mon = b2.PopulationRateMonitor(neurons, name="rate")
    w_mon = b2.StateMonitor(exc, ["w", "c"], record=[k_rew], dt=100 * b2.ms, name="rewarded")
    # the mean of the other weights every 10 s: each neuron sums its incoming excitatory
    # weights (only every 10 s), and the sums are recorded (not 80 000 weights)
    sample_dt = 10 * b2.second
    neurons.run_regularly("w_in = 0", dt=sample_dt, when="start", order=0,
                          name="w_in_reset")
    exc.run_regularly("w_in_post += w", dt=sample_dt, when="start", order=1, name="w_in_sum")
    w_in_mon = b2.StateMonitor(neurons, "w_in", record=np.arange(N), dt=sample_dt,
                               when="start", order=2, name="summed_weights")
    w_rew_mon = b2.StateMonitor(exc, "w", record=[k_rew], dt=sample_dt, when="start", order=2,
                                name="rewarded_sampled")
    net = b2.Network(neurons, exc, inh, *machinery.values(), mod, triggers, rewards, rate_mon,
                     w_mon, w_in_mon, w_rew_mon)
    wall = run_network(net, schedule.duration_ms, progress)
    w_final = np.asarray(exc.w[:])
    n_syn = len(w_final)
    samples_t = [float(x) for x in np.asarray(w_in_mon.t / b2.ms)] + [schedule.duration_ms]
    mean_other = [float(x) for x in (np.asarray(w_in_mon.w_in).sum(axis=0)
                                     - np.asarray(w_rew_mon.w[0])) / (n_syn - 1)]
    mean_other.append(float((w_final.sum() - w_final[k_rew]) / (n_syn - 1)))
    w_max = magnitude(values["w_max"], None)
    hist, edges = np.histogram(w_final, bins=40, range=(0.0, w_max))
    dopa_times = np.asarray(rewards.t / b2.ms)
    rate = float(rate_mon.rate[:].mean() / b2.Hz)
    others = np.delete(w_final, k_rew)
    extra = {
        "rewarded_w_final": float(w_final[k_rew]),
        "rewarded_rank_percentile": float(100.0 * np.mean(others < w_final[k_rew])),
        "others_mean_final": float(others.mean()),
        "others_fraction_above_rewarded": float(np.mean(others >= w_final[k_rew])),
        "others_fraction_at_max": float(np.mean(others >= 0.99 * w_max)),
        "n_rewards_delivered": int(len(dopa_times)),
        "n_rewards_triggered": int(triggers.num_spikes),
        # the postsynaptic spikes that triggered them (the detector spikes one step later)
        "trigger_times_s": [float(x) / 1000.0 - 0.001 for x in np.asarray(triggers.t / b2.ms)],
        "n_rewards_lost": int(det.lost[0]),
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



NAME = "izhikevich_2007_network"


def key_numbers(m, s, per_backend):
    b, r = preferred(per_backend)
    c = r["conditions"][0]
    return [
        key_number(NAME, m, s, b, "rewarded synapse: percentile among the other synapses",
                   float(c["rewarded_rank_percentile"]), note="paper: grows to the maximum"),
        key_number(NAME, m, s, b, "rewarded synapse final weight", float(c["rewarded_w_final"]),
                   note=f"w_max = {float(c['histogram_edges'][-1]):g}"),
        key_number(NAME, m, s, b, "mean of the other synapses, final",
                   float(c["others_mean_final"]), note="start 1"),
        key_number(NAME, m, s, b, "rewards delivered", float(c["n_rewards_delivered"])),
    ]



REPORT = Report(group_figure="reward_network",
                group_title="Izhikevich 2007 network: one rewarded synapse among 80 000 (brian2)",
                key_numbers=key_numbers)

PROTOCOL = Protocol(
    report=REPORT,
    name=NAME,
    title="Izhikevich 2007 Fig. 1: a rewarded synapse in an 800 + 200 neuron network",
    doc=__doc__,
    families=("reward",),
    options=[Option("duration_s", 3600.0, "simulated time (s)", float, 1.0),
             Option("seed", 1, "random seed (connectivity, input, reward delays)", int, 0)],
    build=build,
    measure=lambda result: [result.extra],
    simulate=simulate,
    standalone=True,
)
