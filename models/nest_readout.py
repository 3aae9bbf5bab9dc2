"""The current weights of a pyNN.nest projection: what NEST applies only at the next pre spike.

NEST's STDP synapses add the potentiation by the postsynaptic spikes that came after a synapse's
last presynaptic spike when the *next* presynaptic spike arrives, so a weight read from NEST
after a run lags (``GetConnections(...).weight``, ``projection.get("weight")``).  The package's
runners add a flush pre spike; a user's network cannot.  :func:`current_weights` applies the
pending potentiation instead, exactly as NEST will: for every connection, each post spike
``t_j`` with ``t_last - d < t_j <= T - d`` (``t_last`` the last pre spike NEST has delivered,
``d`` the connection's delay, ``T`` NEST's time) potentiates with the pre trace
``Kplus * exp((t_last - t_j - d) / tau_plus)`` that NEST stores at ``t_last``, through the rule's
own weight dependence (the model's documentation gives each rule).  It needs the spike times of
the projection's pre and post cells (``population.record("spikes")`` before ``sim.run``).

Rules with this closed form: ``stdp_pair`` (NEST ``stdp_synapse``), ``stdp_power_law``
(``stdp_pl_synapse_hom``), ``vogels_sprekeler`` and the all-to-all ``stdp_triplet``
(``stdp_triplet_synapse``: the post triplet trace before each post spike from the post
spikes).  Others are refused in one line with the way that works for them (a flush spike,
``nest_synapse(...).flush_gap_ms``).
"""
from __future__ import annotations

import numpy as np

from .core import PlasticityError

EPS_MS = 1e-6


def _facilitation(model_name):
    """(NEST synapse model -> potentiation of one post spike) in NEST's own parameters:
    w (NEST units), k = the pre trace at the post spike, ky = the post triplet trace before it,
    p = the connection's (and the model's common) parameters."""
    def pair(w, k, ky, p):                  # stdp_pair: w/Wmax + lambda (1 - w/Wmax)^mu+ K
        n = w / p["Wmax"] + p["lambda"] * (1.0 - w / p["Wmax"]) ** p["mu_plus"] * k
        return min(n, 1.0) * p["Wmax"]

    def power_law(w, k, ky, p):             # stdp_power_law: w + lambda w^mu K
        return w + p["lambda"] * w ** p["mu"] * k

    def vogels(w, k, ky, p):                # vogels_sprekeler: |w| + eta K, below |Wmax|
        return float(np.copysign(min(abs(w) + p["eta"] * k, abs(p["Wmax"])), p["Wmax"]))

    def triplet(w, k, ky, p):               # stdp_triplet: |w| + K (A2+ + A3+ o2)
        new = abs(w) + k * (p["Aplus"] + p["Aplus_triplet"] * ky)
        return float(np.copysign(min(new, abs(p["Wmax"])), p["Wmax"]))

    return {"stdp_synapse": (pair, "tau_plus"), "stdp_pl_synapse_hom": (power_law, "tau_plus"),
            "vogels_sprekeler_synapse": (vogels, "tau"),
            "stdp_triplet_synapse": (triplet, "tau_plus")}


def _spike_times(population, what):
    """{node id: sorted spike times (ms)} recorded by ``population``."""
    recorded = set()
    for variable, ids in population.recorder.recorded.items():
        if getattr(variable, "name", variable) == "spikes":
            recorded |= set(ids)
    if len(recorded) < population.size:
        raise PlasticityError(f"current_value on pyNN.nest: record the {what} cells' spikes "
                              f"({what}.record('spikes') before sim.run): the pending "
                              "potentiation is computed from them")
    segment = population.get_data("spikes", clear=False).segments[-1]
    cells = population.all_cells
    out = {}
    for train in segment.spiketrains:
        node = int(cells[int(train.annotations["source_index"])])
        out[node] = np.sort(np.asarray(train.rescale("ms").magnitude, float))
    return out


def current_weights(projection) -> np.ndarray:
    """The weights of a pyNN.nest ``projection`` (of ``synapse_type``) as NEST will hold them
    once the pending potentiation is applied, as ``projection.get("weight", format="array")``
    gives them (pre x post, PyNN's units, NaN where not connected)."""
    import nest
    model = getattr(projection.synapse_type, "plasticity_model", None)
    if model is None:
        raise PlasticityError("current_value: the projection's synapse type must come from "
                              "plasticity.models.synapse_type")
    raw = np.asarray(projection.get("weight", format="array"), float)
    nest_model = projection.synapse_type.nest_name
    if model.nest.flush_gap is None:
        return raw                               # NEST's weight is always current
    rules = _facilitation(model.name)
    if nest_model not in rules:
        raise PlasticityError(
            f"current_value on pyNN.nest: {model.name} (NEST {nest_model}) has no closed form "
            f"of its pending update here; add a pre spike "
            f"nest_synapse('{model.name}', ...).flush_gap_ms after the last event and read "
            "the weight after it")
    facilitate, tau_name = rules[nest_model]
    pre_spikes = _spike_times(projection.pre, "pre")
    post_spikes = _spike_times(projection.post, "post")
    conns = projection.nest_connections
    status = conns.get()
    common = nest.GetDefaults(conns.get("synapse_model") if len(conns) == 1
                              else conns.get("synapse_model")[0])
    now = float(nest.biological_time)
    tau_triplet = None
    if nest_model == "stdp_triplet_synapse":
        targets = sorted(set(np.atleast_1d(status["target"])))
        tau_triplet = dict(zip(targets, np.atleast_1d(
            nest.NodeCollection(targets).get("tau_minus_triplet"))))
    out = raw.copy()
    for k in range(len(conns)):
        p = {**common, **{name: np.atleast_1d(v)[k] for name, v in status.items()
                          if not isinstance(v, str)}}
        source, target, d = int(p["source"]), int(p["target"]), float(p["delay"])
        pre = pre_spikes.get(source, np.zeros(0))
        pre = pre[pre <= now - d + EPS_MS]
        if not len(pre):
            continue                              # no pre spike delivered: Kplus is 0
        t_last = pre[-1]
        post = post_spikes.get(target, np.zeros(0))
        pending = post[(post > t_last - d + EPS_MS) & (post <= now - d + EPS_MS)]
        w = float(p["weight"])
        for t in pending:
            ky = 0.0
            if tau_triplet is not None:
                earlier = post[post < t - EPS_MS]
                ky = float(np.sum(np.exp(-(t - earlier) / tau_triplet[target])))
            w = facilitate(w, p["Kplus"] * np.exp((t_last - (t + d)) / p[tau_name]), ky, p)
        i = projection.pre.id_to_index(source)
        j = projection.post.id_to_index(target)
        out[i, j] = w * _pynn_scale(projection)
    return out


def _pynn_scale(projection) -> float:
    """pyNN.nest reads a NEST weight as PyNN's (NEST's / 1000, negative for inhibitory
    conductances)."""
    scale = 0.001
    if projection.receptor_type == "inhibitory" and projection.post.conductance_based:
        scale = -scale
    return scale
