"""Stochastic release: a presynaptic train repeated over many independent trials.

Schedule: ``n_spikes`` (default 10) spikes at ``freq_hz`` (default 20 Hz), the first at 100 ms;
``trials`` (default 1000) independent synapses see the same train (one trial each).  Per spike:
mean and variance of the released quanta over trials, their standard errors, and the
prediction: ``quantal_stp`` releases Binomial(n, u_k x_k) with u_k, x_k the deterministic
Tsodyks–Markram recursion (mean n u_k x_k, variance n u_k x_k (1 - u_k x_k)); ``bernoulli``
releases Bernoulli(p).  ``chi2_p`` is the p-value of a chi-square goodness-of-fit test of the
pooled counts at that spike against the predicted binomial (classes with expected count < 5
merged into their neighbour).

Backends: ``brian2`` and ``pynn.nest`` (NEST's own ``quantal_stp_synapse`` /
``bernoulli_synapse``: one parrot neuron repeats the train onto ``trials`` parrots through the
stochastic synapse, receptor 1; a weight_recorder records every transmitted event and its
efficacy = quanta x weight).  Their random numbers differ, so their agreement is statistical
(tests/test_stochastic.py: per spike, means within 3 combined standard errors; chi-square against
the binomial).  """
import time

import numpy as np
from brian2 import ms

from plasticity.models.brian2_api import set_parameters
from plasticity.models.core import PlasticityError, magnitude, to_pynn
from plasticity.models.pynn_types import (IMPOSED, PLASTIC, nest_parrot_cell_class,
                                          nest_synapse_class, pynn_kwargs)

from .base import Option, Protocol, Report, key_number
from .run.common import OFFSET_MS, RunResult, pynn_setup, synapse_order
from .run.pynn_nest import nest_spike_sources, nest_weight_scales
from .schedule import Condition, Schedule, DT_MS, check_size as schedule_size

FIRST_MS = 100.0


def build(model, values, options, schedule_file=None):
    n, freq = int(options["n_spikes"]), float(options["freq_hz"])
    schedule_size("stochastic_release", FIRST_MS + n * 1000.0 / freq, n)
    train = np.round((FIRST_MS + np.arange(n) * 1000.0 / freq) / DT_MS) * DT_MS
    schedule = Schedule("stochastic_release", float(train[-1] + 100.0),
                        [Condition("train", train, np.zeros(0),
                                   variables={"freq_hz": freq, "n_spikes": n})],
                        meta={"trials": int(options["trials"]), "seed": int(options["seed"])}
                        ).validate()
    check_size(schedule, int(options["trials"]), model)
    return schedule


def check_size(schedule, trials, model, protocol="stochastic_release", every_step=True):
    """Refuse, before anything is built, a run whose record would not fit (conditions x trials
    synapses).  ``every_step``: this protocol's own brian2 run records ``released`` at every
    step; else (spike_trains) the brian2 runner reads every synapse at the spike and sample
    steps only."""
    from .run import brian2 as b2_runner
    from .run.common import OFFSET_MS, record_dt_for
    off = int(round(OFFSET_MS / schedule.dt_ms))
    if every_step:
        steps = int(round((schedule.duration_ms + OFFSET_MS) / schedule.dt_ms)) + 1
        where, recorded = "steps", 1
    else:
        steps = len(b2_runner.needed_steps(schedule, off, record_dt_for(schedule)))
        where, recorded = "spike and sample steps", len(model.recorded)
    synapses = len(schedule.conditions) * trials
    size = 8.0 * synapses * steps * recorded
    if size > b2_runner.STEPPED_BYTES:
        raise PlasticityError(
            f"{protocol}: {len(schedule.conditions)} condition"
            f"{'' if len(schedule.conditions) == 1 else 's'} x {trials} trials = "
            f"{synapses} synapses read at {steps} {where} need "
            f"{size / 1e9:.3g} GB (limit {b2_runner.STEPPED_BYTES / 1e9:g} GB): fewer "
            "conditions or trials (--set trials=N)")


def predicted_probability(model, values, train_ms):
    """Per spike: release probability of one site (quantal_stp: u_k x_k of the Tsodyks–Markram
    recursion from a rested synapse) or p_transmit, and the number of sites."""
    if model.name == "bernoulli":
        return np.full(len(train_ms), float(values["p_transmit"])), 1
    U = float(values["U"])
    tr = magnitude(values["tau_rec"], ms)
    tf = magnitude(values["tau_facil"], ms)
    u, x, out = U, 1.0, [U]          # the first spike: a rested synapse
    for h in np.diff(np.asarray(train_ms, float)):
        x = 1 + (x - u * x - 1) * np.exp(-h / tr)      # with the previous spike's u
        u = U + u * (1 - U) * (np.exp(-h / tf) if tf > 1e-10 else 0.0)
        out.append(u * x)
    return np.asarray(out), int(round(float(values["n_sites"])))


def release_statistics(counts, p, n) -> dict:
    """Per presynaptic spike, over the trials (``counts``: trials x spikes): mean and variance
    of the released quanta with the standard error of the mean, and the binomial prediction
    for ``n`` sites releasing with probability ``p`` (:func:`predicted_probability`)."""
    trials = counts.shape[0]
    nan = np.full(counts.shape[1], np.nan)
    return {
        "trials": trials, "sites": n,
        "mean_released": [float(x) for x in counts.mean(axis=0)],
        "sem_mean": [float(x) for x in (counts.std(axis=0, ddof=1) / np.sqrt(trials)
                                        if trials > 1 else nan)],
        "var_released": [float(x) for x in (counts.var(axis=0, ddof=1) if trials > 1
                                            else nan)],
        "predicted_mean": [float(x) for x in n * p],
        "predicted_var": [float(x) for x in n * p * (1 - p)],
    }


def _chi2_p(counts, n, p):
    from scipy import stats
    k = np.arange(n + 1)
    expected = stats.binom.pmf(k, n, p) * len(counts)
    observed = np.bincount(counts.astype(int), minlength=n + 1)[:n + 1].astype(float)
    # merge classes with expected < 5 into the neighbour toward the mode
    obs, exp = list(observed), list(expected)
    merged_o, merged_e, acc_o, acc_e = [], [], 0.0, 0.0
    for o, e in zip(obs, exp):
        acc_o += o
        acc_e += e
        if acc_e >= 5:
            merged_o.append(acc_o)
            merged_e.append(acc_e)
            acc_o = acc_e = 0.0
    if acc_e > 0 and merged_e:
        merged_o[-1] += acc_o
        merged_e[-1] += acc_e
    if len(merged_e) < 2:
        return float("nan")
    return float(stats.chisquare(merged_o, merged_e).pvalue)


def simulate(model, set_name, values, schedule, backend, progress=False):
    trials = schedule.meta["trials"]
    seed = schedule.meta["seed"]
    train = schedule.conditions[0].pre
    t0 = time.perf_counter()
    if backend == "brian2":
        counts, versions = _run_brian2(model, values, schedule, train, trials, seed)
    elif backend == "pynn.nest":
        counts, versions = _run_nest(model, values, schedule, train, trials, seed)
    else:
        raise PlasticityError("stochastic_release runs on brian2 and pynn.nest")
    wall = time.perf_counter() - t0
    p, n = predicted_probability(model, values, train)
    extra = {"seed": seed, "spike_times_ms": [float(t) for t in train],
             **release_statistics(counts, p, n),
             # standard error of a sample variance: sqrt((m4 - (N-3)/(N-1) s^4) / N)
             "sem_var": [float(np.sqrt(max(0.0, (np.mean((c - c.mean()) ** 4)
                                                  - (trials - 3) / (trials - 1)
                                                  * c.var(ddof=1) ** 2) / trials)))
                         for c in counts.T],
             "chi2_p": [_chi2_p(counts[:, k], n, p[k]) for k in range(len(train))]}
    mean = np.asarray(extra["mean_released"])
    extra["per_trial_counts"] = counts.astype(int)      # not written to NIX (a 2-D table)
    return RunResult(model=model, set_name=set_name, values=values, backend=backend,
                     schedule=schedule, w_initial=np.array([1.0]), w_final=np.array([1.0]),
                     signal_times_ms=np.asarray(train), signals={"mean_released": mean[:, None]},
                     signal_semantics="mean released quanta over trials at each spike",
                     simulator_versions=versions, wall_time_s=wall, extra=extra)


def _run_brian2(model, values, schedule, train, trials, seed):
    import brian2 as b2
    b2.seed(seed)
    dt = schedule.dt_ms * b2.ms
    steps = np.round((train + OFFSET_MS) / schedule.dt_ms).astype(int)
    gen = b2.SpikeGeneratorGroup(1, np.zeros(len(train), int), steps * dt, dt=dt, name="train")
    target = b2.NeuronGroup(trials, "g : amp", dt=dt, name="targets")
    eqs, on_pre, _ = model.brian2.render(w="w", wunit="amp",
                                         transmit=f"g_post += {model.brian2.efficacy.format(w='w')}")
    syn = b2.Synapses(gen, target, model=eqs, on_pre=on_pre, dt=dt, name="stochastic")
    syn.connect(i=np.zeros(trials, int), j=np.arange(trials))
    set_parameters(syn, model.name, values)
    mon = b2.StateMonitor(syn, "released", record=np.arange(trials), dt=dt, when="end",
                          name="released")
    net = b2.Network(gen, target, syn, mon)
    net.run((schedule.duration_ms + OFFSET_MS + schedule.dt_ms) * b2.ms)
    order = synapse_order(syn.j[:])
    rec = np.asarray(mon.released)[order]          # (trials, steps)
    return rec[:, steps], {"brian2": b2.__version__}


def _run_nest(model, values, schedule, train, trials, seed):
    import nest
    import pyNN
    import pyNN.nest as sim
    dt = schedule.dt_ms
    pynn_setup(sim, dt, spike_precision="on_grid", rng_seed=seed)
    nest.set_verbosity("M_ERROR")
    src = nest_spike_sources(sim, [train + OFFSET_MS - dt], 2, dt)   # parrot fires at the train
    parrot = nest_parrot_cell_class()
    pre = sim.Population(2, parrot())
    post = sim.Population(trials, parrot())
    sim.Projection(src, pre, sim.OneToOneConnector(), sim.StaticSynapse(weight=1.0, delay=dt),
                   receptor_type=IMPOSED)
    kwargs = pynn_kwargs(model, values, "pynn.nest")
    kwargs["delay"] = dt
    syn_type = nest_synapse_class(model.name)(**kwargs)
    recorder = nest.Create("weight_recorder")
    syn_type.weight_recorder = recorder
    sim.Projection(pre, post, sim.FromListConnector([(0, j) for j in range(trials)]), syn_type,
                   receptor_type=PLASTIC)
    if model.nest.integer_state:      # integer NEST state: pyNN would pass a float
        nest.GetConnections(target=post.node_collection).set(
            **{k: int(round(float(values[p]))) for k, p in model.nest.integer_state.items()})
    sim.run(schedule.duration_ms + OFFSET_MS + 2 * dt)
    ev = recorder.get("events")
    w_nest = to_pynn({"w": values["w_init"]})["w"] * nest_weight_scales(model)[0]
    tgt = np.asarray(ev["targets"]) - post.first_id
    t_ev = np.asarray(ev["times"], float) - OFFSET_MS
    k = np.searchsorted(train, t_ev - 1e-6)
    counts = np.zeros((trials, len(train)))
    np.add.at(counts, (tgt, k), np.round(np.asarray(ev["weights"], float) / w_nest))
    versions = {"pyNN": pyNN.__version__, "nest": nest.__version__}
    sim.end()
    return counts, versions



NAME = "stochastic_release"


def agreement(results: list) -> dict:
    """Stochastic release on several backends: per spike of the train, the difference of the
    mean released quanta in units of the combined standard error (largest over spikes and
    backend pairs), and per result the largest |mean - prediction| / SE and the smallest
    chi-square p-value."""
    out = {"max_z_between_backends": 0.0, "per_backend": {}}
    cs = [(r["meta"]["backend"], r["conditions"][0]) for r in results]
    for b, c in cs:
        z = np.abs(np.asarray(c["mean_released"]) - np.asarray(c["predicted_mean"])) / \
            np.maximum(np.asarray(c["sem_mean"]), 1e-300)
        out["per_backend"][b] = {"max_z_vs_prediction": float(np.max(z)),
                                 "min_chi2_p": float(np.min(c["chi2_p"])),
                                 "trials": int(c["trials"])}
    for i in range(len(cs)):
        for j in range(i + 1, len(cs)):
            a, b = cs[i][1], cs[j][1]
            se = np.sqrt(np.asarray(a["sem_mean"]) ** 2 + np.asarray(b["sem_mean"]) ** 2)
            z = np.abs(np.asarray(a["mean_released"]) - np.asarray(b["mean_released"])) / \
                np.maximum(se, 1e-300)
            out["max_z_between_backends"] = max(out["max_z_between_backends"], float(np.max(z)))
    return out


def key_numbers(m, s, per_backend):
    a = agreement(list(per_backend.values()))
    rows = []
    for b, q in a["per_backend"].items():
        rows.append(key_number(NAME, m, s, b, "max |mean − TM prediction| / SE over the spikes",
                               q["max_z_vs_prediction"], 0.0, 3.0,
                               f"{q['trials']} trials; min chi-square p {q['min_chi2_p']:.3g}"))
    if len(per_backend) > 1:
        rows.append(key_number(NAME, m, s, ", ".join(per_backend),
                               "max |mean difference| / combined SE, between backends",
                               a["max_z_between_backends"], 0.0, 3.0, "statistical parity"))
    return rows



REPORT = Report(group_figure="stochastic",
                group_title="Stochastic release, 20 Hz train: mean and variance per spike, "
                            "brian2 vs pynn.nest",
                key_numbers=key_numbers, backend_difference=False)

PROTOCOL = Protocol(
    report=REPORT,
    name=NAME,
    title="Stochastic release: a 20 Hz train over many trials",
    doc=__doc__,
    families=("stochastic",),
    options=[Option("trials", 1000, "independent trials (synapses)", int, 2),
             Option("n_spikes", 10, "spikes in the train", int, 1),
             Option("freq_hz", 20.0, "train frequency (Hz)", float, 1e-3),
             Option("seed", 1, "random seed of the backend", int, 0)],
    build=build,
    measure=lambda result: [{k: v for k, v in result.extra.items() if k != "per_trial_counts"}],
    simulate=simulate,
    standalone=True,
)
