"""Reward learning with dopamine-modulated STDP: instrumental conditioning of a choice between two
groups, and its reversal.

Provenance: the instrumental-conditioning experiment of Izhikevich (2007) Cereb Cortex 17:2443
(section "Instrumental conditioning": the network is rewarded when one group of neurons is more
active than another after a stimulus; the groups are then swapped), with this package's
``stdp_dopamine`` (NEST ``stdp_dopamine_synapse``).  **Scaled down and simplified**: a
feed-forward circuit instead of the 1000-neuron recurrent network, so that it runs in seconds
and identically on both backends: a stimulus group S of ``n_stim`` = 50 sources projects with
plastic synapses onto two output groups A and B of ``n_out`` = 50 neurons each.

Each trial (every ``period_ms`` = 500 ms): every S source fires once at a random time in the
first 2 ms (a volley that precedes the responses: with 10 ms of spread the responses fell
inside the volley, post-before-pre pairs made the eligibility negative, and an unrewarded
trial then potentiated through the baseline; measured); the outputs also get private Poisson background input (``noise_hz`` = 100 Hz per
neuron, ``noise_pA`` per spike) so that the choice varies from trial to trial; A and B inhibit
each other (every A neuron onto every B neuron and back, ``inh_pA``).  The choice is the group
with more spikes in the first ``window_ms`` = 30 ms (a tie: no choice).  If the choice is the
rewarded group, one dopamine spike reaches every plastic synapse ``reward_ms`` = 200 ms after
the trial start (the eligibility trace bridges the delay, tau_c = 1 s).  Group A is rewarded
for the first half of the trials, group B for the second half (reversal).

Neurons: NEST's ``iaf_psc_exp`` with its defaults (C_m = 250 pF, tau_m = 10 ms, tau_syn = 2 ms,
threshold 15 mV above rest, reset to rest, refractory 2 ms), the same equations in Brian2 (exact
integration).  Plastic synapses: ``stdp_dopamine`` set ``nest_defaults`` (A_+ = 1, A_- = 1.5,
tau_c = 1 s, tau_n = 200 ms; weights in pA, ``w_init_pA`` = 60, bounds [0, ``w_max_pA``]) with
the dopamine baseline b = ``b_hz`` = 0.6 Hz (a protocol choice, replacing the set's b = 0): with
w' = c (n - b), a trial without reward turns its eligibility into depression (b tau_c = 0.6 of
it) and a rewarded one into potentiation (one reward: tau_c / (tau_c + tau_n) = 0.83 of it,
less 0.6).  With b = 0 an action that stops being rewarded keeps its weights and the reversal
cannot be learned (option ``b_hz=0`` shows it).  w_max = 100 pA (NEST's default is 200) bounds
how far the first action's weights grow, so the reversal completes within 200 trials (measured
with 200 pA: the weights onto A reach 200 pA and fall by about 0.3 pA per unrewarded trial).

Baseline in the same run: the same circuit with the same input and plasticity off (static
synapses at the initial weight), whose choices show the initial bias.  Every input spike train is drawn once with numpy
(seeded), the same on both backends.  brian2: the choice and the reward are Brian2 code (one
simulation, runtime or cpp_standalone); pynn.nest: the trial loop is Python (simulate to the end
of the window, count, set the dopamine spike).  Timing: one step (0.1 ms) delay on every
connection; NEST's spike times are one step later than Brian2's (end of step) and are shifted
back.

Measured: the fraction of trials that chose the rewarded group per block of 20 trials (the
learning curve), before and after the reversal; the mean stored weight onto A and onto B at
the end of every block (stored: NEST updates a weight at pre spikes and dopamine deliveries,
Brian2 also at post spikes, so the two differ between events even where the dynamics agree).
"""
from __future__ import annotations

import time

import numpy as np

from plasticity.models.core import PlasticityError

from .base import Option, Protocol, Report, key_number
from .run.common import RunResult
from .schedule import Condition, Schedule

NAME = "reward_learning"
DT_MS = 0.1
CELL = dict(C_pF=250.0, tau_m_ms=10.0, tau_syn_ms=2.0, theta_mV=15.0, t_ref_ms=2.0)
CELL_SRC = "NEST iaf_psc_exp defaults (nest.GetDefaults('iaf_psc_exp'), NEST 3.10)"
STIM_SPREAD_MS = 2.0
BLOCK = 20


def build(model, values, options, schedule_file=None):
    if model.name != "stdp_dopamine":
        raise PlasticityError(f"{NAME} applies to stdp_dopamine")
    m = {k: (int(v) if isinstance(v, int) else float(v)) for k, v in options.items()}
    if not STIM_SPREAD_MS < m["window_ms"] <= m["reward_ms"] < m["period_ms"]:
        raise PlasticityError(f"{NAME}: need {STIM_SPREAD_MS:g} < window_ms <= reward_ms < "
                              f"period_ms, got {m['window_ms']:g}, {m['reward_ms']:g}, "
                              f"{m['period_ms']:g}")
    if m["w_init_pA"] > m["w_max_pA"]:
        raise PlasticityError(f"{NAME}: w_init_pA must be <= w_max_pA")
    for k in ("period_ms", "window_ms", "reward_ms"):
        if abs(m[k] / DT_MS - round(m[k] / DT_MS)) > 1e-9:
            raise PlasticityError(f"{NAME}: {k} must be a multiple of {DT_MS} ms")
    return Schedule(NAME, m["trials"] * m["period_ms"],
                    [Condition("circuit", np.zeros(0), np.zeros(0))], dt_ms=DT_MS,
                    meta=m).validate()


def inputs(m):
    """(stim_i, stim_t, noise_i, noise_t) in ms on the step grid: the stimulus volleys and the
    private background of each of the 2 n_out output neurons."""
    rng = np.random.default_rng(m["seed"])
    k = np.repeat(np.arange(m["trials"]), m["n_stim"])
    stim_i = np.tile(np.arange(m["n_stim"]), m["trials"])
    steps = rng.integers(0, int(STIM_SPREAD_MS / DT_MS), size=len(k))
    stim_t = k * m["period_ms"] + steps * DT_MS
    n = 2 * m["n_out"]
    T = m["trials"] * m["period_ms"]
    n_steps = int(round(T / DT_MS))
    counts = rng.poisson(m["noise_hz"] * T / 1000.0, size=n)
    noise_i = np.repeat(np.arange(n), counts)
    # at most one spike per source and step (a Poisson process on the step grid)
    key = np.unique(noise_i.astype(np.int64) * n_steps + rng.integers(0, n_steps,
                                                                      size=counts.sum()))
    noise_i, noise_steps = key // n_steps, key % n_steps
    order = np.argsort(noise_steps, kind="stable")
    return stim_i, stim_t, noise_i[order], noise_steps[order] * DT_MS


def plastic_values(values, m):
    v = dict(values)
    from brian2 import Hz
    v["b"] = m["b_hz"] * Hz
    v["w_init"] = m["w_init_pA"]
    v["w_max"] = m["w_max_pA"]
    v["w_min"] = 0.0
    return v


def trial_choices(spike_i, spike_t, m):
    """Per trial: spikes of A and B in the window and the choice (0: A, 1: B, -1: tie)."""
    P, W, n = m["period_ms"], m["window_ms"], m["n_out"]
    steps = np.round(np.asarray(spike_t, float) / DT_MS).astype(np.int64)
    k = steps // int(round(P / DT_MS))
    in_win = (steps % int(round(P / DT_MS))) < int(round(W / DT_MS))
    grp = (np.asarray(spike_i) >= n).astype(int)
    nA = np.bincount(k[in_win & (grp == 0)], minlength=m["trials"])[:m["trials"]]
    nB = np.bincount(k[in_win & (grp == 1)], minlength=m["trials"])[:m["trials"]]
    choice = np.where(nA > nB, 0, np.where(nB > nA, 1, -1))
    return nA, nB, choice


def rewarded_group(m):
    return (np.arange(m["trials"]) >= m["trials"] // 2).astype(int)


# ----------------------------------------------------------------------------------------------
# Brian2: the choice and the reward are Brian2 code (either device)
# ----------------------------------------------------------------------------------------------
def _run_brian2(model, values, m, stim, noise):
    import brian2 as b2
    from brian2 import ms, pF, mV
    from plasticity.models.brian2_api import set_parameters
    from .run.brian2 import run_network
    dt = DT_MS * ms
    n = m["n_out"]
    P, W, D = (int(round(m[k] / DT_MS)) for k in ("period_ms", "window_ms", "reward_ms"))
    R = (m["trials"] // 2) * P
    ns = dict(C=CELL["C_pF"] * pF, tau_m=CELL["tau_m_ms"] * ms, tau_syn=CELL["tau_syn_ms"] * ms,
              theta=CELL["theta_mV"] * mV)
    objs, out = [], {}
    S = b2.SpikeGeneratorGroup(m["n_stim"], stim[0], (stim[1] + DT_MS) * ms, dt=dt,
                               name="stimulus")
    N = b2.SpikeGeneratorGroup(2 * n, noise[0], noise[1] * ms, dt=dt, name="noise")
    objs += [S, N]
    v = plastic_values(values, m)
    for copy, dopamine in (("learning", True), ("static", False)):
        AB = b2.NeuronGroup(2 * n, """
dv/dt = -v / tau_m + (i_ex + i_in) / C : volt (unless refractory)
di_ex/dt = -i_ex / tau_syn : amp
di_in/dt = -i_in / tau_syn : amp
""", threshold="v >= theta", reset="v = 0*mV", refractory=(CELL["t_ref_ms"] + DT_MS) * ms,
                           method="exact", namespace=ns, dt=dt, name=f"outputs_{copy}")
        if dopamine:
            eqs, on_pre, on_post = model.brian2.render(w="w", wunit="1",
                                                       transmit="i_ex_post += w * pA")
            syn = b2.Synapses(S, AB, model=eqs, on_pre=on_pre, on_post=on_post, dt=dt,
                              name=f"plastic_{copy}")
            syn.connect()
            set_parameters(syn, model.name, v)
        else:                    # the baseline: plasticity off, the initial weights stay
            syn = b2.Synapses(S, AB, "w : 1", on_pre="i_ex_post += w * pA", dt=dt,
                              name=f"static_{copy}")
            syn.connect()
        syn.w = m["w_init_pA"]
        syn.pre.delay = dt
        if dopamine:
            # NEST's delay is dendritic for its plastic synapses: the synapse sees a pre spike
            # at its arrival and a post spike d later, so the post pathway is 2 d late here
            # (as in the package's pyNN.brian2 runner)
            syn.post.delay = 2 * dt
        noise_syn = b2.Synapses(N, AB, on_pre=f"i_ex_post += {m['noise_pA']!r} * pA", dt=dt,
                                delay=dt, name=f"noise_{copy}")
        noise_syn.connect(j="i")
        inh = b2.Synapses(AB, AB, on_pre=f"i_in_post -= {m['inh_pA']!r} * pA", dt=dt, delay=dt,
                          name=f"inhibition_{copy}")
        inh.connect(condition=f"(i < {n}) != (j < {n})")
        spikes = b2.SpikeMonitor(AB, name=f"spikes_{copy}")
        objs += [AB, syn, noise_syn, inh, spikes]
        out[copy] = {"syn": syn, "spikes": spikes}
        if dopamine:
            # the decision: counts of A and B spikes in the window, compared at its end; a
            # dopamine spike at step D of the trial if the choice was the rewarded group
            dec = b2.NeuronGroup(1, """
count_A : 1
count_B : 1
pending : 1
""", threshold=f"pending > 0.5 and timestep(t, dt) % {P} == {D}", reset="pending = 0",
                                 dt=dt, name="decision")
            dec.run_regularly(f"""
at_end = int(timestep(t, dt) % {P} == {W})
rew_B = int(timestep(t, dt) >= {R})
ok = (1 - rew_B) * int(count_A > count_B) + rew_B * int(count_B > count_A)
pending = pending + at_end * ok
count_A = count_A * (1 - at_end)
count_B = count_B * (1 - at_end)
""", when="end", name="decide")
            count = b2.Synapses(AB, dec, on_pre=f"""
in_win = int(timestep(t, dt) % {P} < {W})
count_A_post += in_win * int(i < {n})
count_B_post += in_win * int(i >= {n})
""", dt=dt, name="count")
            count.connect()
            mod = b2.Synapses(dec, syn, on_pre=model.brian2.render_modulator(), dt=dt,
                              name="reward_pathway")
            mod.connect()
            rewards = b2.SpikeMonitor(dec, name="rewards")
            objs += [dec, count, mod, rewards]
            out[copy]["rewards"] = rewards
        # mean stored weight onto A and onto B at the end of every block of trials (the
        # 'start' slot of the block's first step: the state after the previous one; the last
        # block's is read after the run)
        wmon = b2.StateMonitor(syn, "w", record=np.arange(2 * n * m["n_stim"]),
                               dt=BLOCK * m["period_ms"] * ms, when="start",
                               name=f"weights_{copy}")
        objs.append(wmon)
        out[copy]["wmon"] = wmon
    net = b2.Network(*objs)
    wall = run_network(net, m["trials"] * m["period_ms"])
    res = {}
    for copy, o in out.items():
        j = np.asarray(o["syn"].j[:])
        W_t = np.column_stack([np.asarray(o["wmon"].w)[:, 1:], np.asarray(o["syn"].w[:])])
        W_t = W_t[:, :m["trials"] // BLOCK]
        res[copy] = {"spike_i": np.asarray(o["spikes"].i[:]),
                     "spike_t": np.asarray(o["spikes"].t / ms),
                     "wA_t": W_t[j < n].mean(axis=0), "wB_t": W_t[j >= n].mean(axis=0),
                     "reward_t": np.asarray(o["rewards"].t / ms) if "rewards" in o else
                     np.zeros(0)}
    return res, wall, {"brian2": b2.__version__}


# ----------------------------------------------------------------------------------------------
# NEST through pyNN.nest: the trial loop in Python
# ----------------------------------------------------------------------------------------------
def _run_nest(model, values, m, stim, noise):
    import nest
    import pyNN
    import pyNN.nest as sim
    from brian2 import ms
    from .run.common import pynn_setup
    t0 = time.perf_counter()
    n = m["n_out"]
    h = DT_MS
    pynn_setup(sim, h, int(m.get("threads", 1)), spike_precision="on_grid")
    nest.set_verbosity("M_ERROR")
    v = plastic_values(values, m)

    def generators(idx, times, count):
        # grid times (pyNN.nest makes generators precise: a float time such as
        # 1.6000000000000001 then falls into the next step; measured: one spike in 600 moved)
        g = nest.Create("spike_generator", count, params={"precise_times": False})
        for k in range(count):
            g[k].set(spike_times=[float(x) for x in times[idx == k] + h])
        return g

    s_gen = generators(stim[0], stim[1], m["n_stim"])
    S = nest.Create("parrot_neuron", m["n_stim"])
    nest.Connect(s_gen, S, "one_to_one", {"delay": h})
    n_gen = generators(noise[0], noise[1], 2 * n)
    copies = {}
    for copy, dopamine in (("learning", True), ("static", False)):
        AB = sim.Population(2 * n, sim.native_cell_type("iaf_psc_exp")(
            C_m=CELL["C_pF"], tau_m=CELL["tau_m_ms"], tau_syn_ex=CELL["tau_syn_ms"],
            tau_syn_in=CELL["tau_syn_ms"], t_ref=CELL["t_ref_ms"], E_L=0.0, V_reset=0.0,
            V_th=CELL["theta_mV"], I_e=0.0)).node_collection
        AB.set(V_m=0.0, tau_minus=float(v["tau_minus"] / ms))
        # the volume transmitter hands its dopamine spikes to the synapses once per trial
        # (every step, the default, updates all synapses every 0.1 ms: measured 3 s per
        # simulated second); a synapse's weight is exact at each of its events either way
        vt = nest.Create("volume_transmitter", params={
            "deliver_interval": int(round(m["period_ms"] / h))})
        name = f"dopa_{copy}"
        nest.CopyModel("stdp_dopamine_synapse", name, {
            "volume_transmitter": vt, "A_plus": float(v["A_plus"]),
            "A_minus": float(v["A_minus"]), "tau_plus": float(v["tau_plus"] / ms),
            "tau_c": float(v["tau_c"] / ms), "tau_n": float(v["tau_n"] / ms),
            "b": float(v["b"] * ms),
            "Wmin": 0.0, "Wmax": float(v["w_max"])})
        nest.Connect(S, AB, "all_to_all", {"synapse_model": name if dopamine else
                                           "static_synapse", "weight": m["w_init_pA"],
                                           "delay": h})
        nest.Connect(n_gen, AB, "one_to_one", {"weight": m["noise_pA"], "delay": h})
        A, B = AB[:n], AB[n:]
        for x, y in ((A, B), (B, A)):
            nest.Connect(x, y, "all_to_all", {"weight": -m["inh_pA"], "delay": h})
        rec = nest.Create("spike_recorder")
        nest.Connect(AB, rec)
        d_gen = nest.Create("spike_generator", params={"precise_times": False}) \
            if dopamine else None
        if dopamine:            # a device cannot reach the volume transmitter: via a parrot
            relay = nest.Create("parrot_neuron")
            nest.Connect(d_gen, relay, syn_spec={"delay": h})
            nest.Connect(relay, vt, syn_spec={"delay": h})
        copies[copy] = dict(AB=AB, rec=rec, d_gen=d_gen, first=AB[0].get("global_id"),
                            rewards=[], wA=[], wB=[])
    P, W, D = m["period_ms"], m["window_ms"], m["reward_ms"]
    rew = rewarded_group(m)
    # PyNN's first run prepares the kernel; then NEST's Prepare / Run / Cleanup (Simulate
    # would re-prepare every call: the generators re-scan their spike lists, measured 2.5x
    # slower over 400 trials)
    sim.run(W - h)                  # (pyNN.nest's first run simulates one step more)
    # the connections are read after the first run: NEST sorts them by source when it
    # prepares, and a SynapseCollection taken before then points at other synapses
    for c in copies.values():
        c["conns"] = nest.GetConnections(source=S, target=c["AB"])
        c["tgt"] = np.asarray(c["conns"].get("target")) - c["first"]
    nest.Prepare()
    for k in range(m["trials"]):
        t_trial = k * P
        if k > 0:
            nest.Run(W)
        for copy, c in copies.items():
            if c["d_gen"] is None:
                continue
            ev = c["rec"].get("events")
            t_b = np.asarray(ev["times"], float) - h
            i_b = np.asarray(ev["senders"]) - c["first"]
            sel = (t_b >= t_trial) & (t_b < t_trial + W)
            nA = int(np.sum(i_b[sel] < n))
            nB = int(np.sum(i_b[sel] >= n))
            ok = (nA > nB) if rew[k] == 0 else (nB > nA)
            if ok:
                c["d_gen"].set(spike_times=[t_trial + D - 2 * h], origin=0.0)
                c["rewards"].append(t_trial + D)
        nest.Run(P - W)
        if (k + 1) % BLOCK:
            continue
        # the mean weights every block (reading NEST's synapses costs ~35 ms per call)
        for copy, c in copies.items():
            w = np.asarray(c["conns"].get("weight"), float)
            c["wA"].append(float(w[c["tgt"] < n].mean()))
            c["wB"].append(float(w[c["tgt"] >= n].mean()))
    nest.Cleanup()
    res = {}
    for copy, c in copies.items():
        ev = c["rec"].get("events")
        res[copy] = {"spike_i": np.asarray(ev["senders"]) - c["first"],
                     "spike_t": np.asarray(ev["times"], float) - h,
                     "wA_t": np.asarray(c["wA"]), "wB_t": np.asarray(c["wB"]),
                     "reward_t": np.asarray(c["rewards"])}
    sim.end()
    return res, time.perf_counter() - t0, {"pyNN": pyNN.__version__, "nest": nest.__version__}


def simulate(model, set_name, values, schedule, backend, progress=False):
    m = dict(schedule.meta)
    runner = {"brian2": _run_brian2, "pynn.nest": _run_nest}.get(backend)
    if runner is None:
        raise PlasticityError(f"{NAME} runs on brian2 and pynn.nest")
    t0 = time.perf_counter()
    stim_i, stim_t, noise_i, noise_t = inputs(m)
    res, wall, versions = runner(model, values, m, (stim_i, stim_t), (noise_i, noise_t))
    rew = rewarded_group(m)
    half = m["trials"] // 2
    last = min(m["last_trials"], half)
    stats = {"rewarded_group": [int(x) for x in rew]}
    for copy, r in res.items():
        nA, nB, choice = trial_choices(r["spike_i"], r["spike_t"], m)
        correct = (choice == rew).astype(float)
        blocks = [float(correct[s:s + BLOCK].mean()) for s in range(0, m["trials"], BLOCK)]
        stats[f"{copy}_choice"] = [int(x) for x in choice]
        stats[f"{copy}_block_correct"] = blocks
        stats[f"{copy}_correct_before_reversal"] = float(correct[half - last:half].mean())
        stats[f"{copy}_correct_after_reversal"] = float(correct[-last:].mean())
        stats[f"{copy}_chose_A_before"] = float(np.mean(choice[half - last:half] == 0))
        stats[f"{copy}_chose_B_after"] = float(np.mean(choice[-last:] == 1))
        stats[f"{copy}_ties"] = float(np.mean(choice == -1))
        stats[f"{copy}_wA_t"] = [float(x) for x in r["wA_t"]]
        stats[f"{copy}_wB_t"] = [float(x) for x in r["wB_t"]]
        stats[f"{copy}_rewards"] = int(len(r["reward_t"]))
        stats[f"{copy}_spikes_per_window"] = float((nA + nB).mean())
    stats["block_trials"] = BLOCK
    stats["last_trials"] = last
    return RunResult(model=model, set_name=set_name, values=plastic_values(values, m),
                     backend=backend, schedule=schedule,
                     w_initial=np.array([m["w_init_pA"]]),
                     w_final=np.array([stats["learning_wA_t"][-1]]),
                     signal_times_ms=(np.arange(len(res["learning"]["wA_t"])) + 1.0) * BLOCK
                     * m["period_ms"],
                     signals={"w": np.asarray(res["learning"]["wA_t"], float)[:, None]},
                     signal_semantics="mean weight onto group A, every block of 20 trials",
                     simulator_versions=versions, wall_time_s=time.perf_counter() - t0,
                     extra={"per_condition": [stats]})


def key_numbers(mn, s, per_backend):
    rows = []
    for b, r in per_backend.items():
        c = r["conditions"][0]
        L = c["last_trials"]
        rows += [
            key_number(NAME, mn, s, b, f"rewarded choices, last {L} trials before reversal (A)",
                       c["learning_correct_before_reversal"],
                       note=f"plasticity off: {c['static_correct_before_reversal']:.2f}"),
            key_number(NAME, mn, s, b, f"rewarded choices, last {L} trials after reversal (B)",
                       c["learning_correct_after_reversal"],
                       note=f"plasticity off: {c['static_correct_after_reversal']:.2f}"),
            key_number(NAME, mn, s, b, "rewards delivered", float(c["learning_rewards"])),
        ]
    return rows


def tables(mn, s, per_backend):
    rows = []
    for b, r in per_backend.items():
        c = r["conditions"][0]
        rows.append([b, f"{c['learning_correct_before_reversal']:.2f}",
                     f"{c['learning_correct_after_reversal']:.2f}",
                     f"{c['static_correct_before_reversal']:.2f}",
                     f"{c['static_correct_after_reversal']:.2f}",
                     c["learning_rewards"]])
    return [("Rewarded choices (fraction of the last trials of each phase)",
             ["backend", "dopamine STDP: A rewarded", "then B rewarded", "plasticity off: A",
              "plasticity off: B", "rewards"], rows)]


PROTOCOL = Protocol(
    report=Report(group_figure="reward_learning", group_title="Instrumental conditioning and "
                  "reversal with dopamine-modulated STDP", key_numbers=key_numbers,
                  backend_difference=False, comparison_tables=tables),
    name=NAME,
    title="Izhikevich 2007 instrumental conditioning: reward learning and reversal",
    doc=__doc__, families=("reward",),
    options=[Option("trials", 400, "trials (group A rewarded in the first half, B after)", int,
                    2),
             Option("period_ms", 500.0, "trial period (ms)", float, 20.0),
             Option("window_ms", 30.0, "response window after the stimulus (ms)", float, 1.0),
             Option("reward_ms", 200.0, "dopamine spike after the trial start (ms)", float, 1.0),
             Option("n_stim", 50, "stimulus sources", int, 1),
             Option("n_out", 50, "neurons per output group", int, 1),
             Option("w_init_pA", 60.0, "initial plastic weight (pA; a protocol choice)", float,
                    0.0),
             Option("w_max_pA", 100.0, "upper weight bound (pA; a protocol choice, see the "
                    "docstring)", float, 0.0),
             Option("b_hz", 0.6, "dopamine baseline b (Hz; see the docstring)", float),
             Option("noise_hz", 100.0, "background Poisson rate per output neuron (Hz)", float,
                    0.0),
             Option("noise_pA", 300.0, "background PSC amplitude (pA)", float, 0.0),
             Option("inh_pA", 100.0, "mutual inhibition A <-> B per spike (pA)", float, 0.0),
             Option("last_trials", 60, "trials at the end of each phase that are scored", int,
                    1),
             Option("seed", 1, "random seed (stimulus times, background)", int, 0)],
    build=build, simulate=simulate, standalone=True,
    default_sets={"stdp_dopamine": "nest_defaults"})
