r"""``--hardware spinnaker``: a rule run on Brian2 with the arithmetic of sPyNNaker 7.4.1.

The emulated synapse is one Brian2 ``Synapses`` driven by the protocol's imposed pre and post
spike trains (as in :mod:`plasticity.protocols.run.brian2`).  Its code follows sPyNNaker's event processing,
each constraint switchable (:class:`Constraints`); the source file of each is named below
(paths under ``neural_modelling/src/neuron/plasticity/stdp/`` for C, under
``spynnaker/pyNN/models/neuron/`` for Python; number formats in :mod:`plasticity.models.spinnaker`).

``timestep``
    1 ms steps; spike times become ``ceil(floor(t * 1000) / 1000)`` ms
    (``spike_source/spike_source_array_vertex.py``).  Two spikes of one train that land in the
    same step become one.
``lut``
    trace decays read from sPyNNaker's tables, ``floor(exp(-k/tau) 2048) / 2048`` for k whole
    steps since the trace's last spike, zero beyond the table (``plasticity/stdp/common.py``
    ``get_exp_lut_array``; ``maths.h`` ``maths_lut_exponential_decay``).  The triplet rule's
    tau_x and tau_y tables have 4 ms entries, indexed by ``steps >> 2``
    (``timing_dependence_pfister_spike_triplet.py``).
``fixed_point``
    traces in 11-bit fixed point, decayed with ``STDP_FIXED_MUL_16X16`` (product shifted right
    by 11, i.e. truncated; ``maths.h``, ``stdp_typedefs.h``); the weight is loaded from its
    16-bit stored form into an S16.15 accumulator (``weight << r``), updated with
    ``mul_accum_fixed`` (additive: ``a2 * (trace << 4)``; ``weight_additive_one_term_impl.h``)
    or ``(scale * trace) >> 11`` with ``scale = (w - w_min) * a2_minus`` / ``(w_max - w) *
    a2_plus`` (multiplicative; ``weight_multiplicative_impl.h``, not clipped), or two such
    additive terms, ``a2 r1 + a3 (r1 o2 >> 11)`` (triplet; ``timing_pfister_triplet_impl.h``,
    ``weight_additive_two_term_impl.h``, amplitudes written times w_max by
    ``weight_dependence_additive_triplet.py``), clipped once per update (additive rules),
    and written back truncated, ``acc >> r``, after every presynaptic spike
    (``weight_get_final``).  Constants are S16.15 (:func:`plasticity.models.spinnaker.s1615`); initial
    weights ``rint(w * 2**(15 - r)) / 2**(15 - r)`` with sPyNNaker's ring-buffer shift r of the
    mapped network.  Assumption, stated because no hardware is here to check it: an ``accum``
    product truncates (GCC's ARM fixed-point multiply shifts the 64-bit product right by 15).
``same_step``
    sPyNNaker pairs a spike only with a partner at least one step earlier
    (``time_since_last_post > 0`` / ``time_since_last_pre > 0`` in ``timing_pair_impl.h``,
    ``timing_nearest_pair_impl.h`` and ``timing_pfister_triplet_impl.h``): a pre spike in the
    same step as a post spike gets no depression at all (the package's rule: depression by the
    strictly earlier post spikes).
    The nearest-pair rule pairs with the last partner time, which starts at step 0 (a phantom
    spike at t = 0, as in NEST's ``stdp_nn_symm_synapse``); the all-to-all rule's traces start at
    0 (no phantom).

Weights are written back only at presynaptic spikes (sPyNNaker, like NEST, defers the
potentiation of post spikes to the next pre spike).  The reported final weight is the stored
weight after one more pre spike beyond the look-up tables (its depression is exactly zero
there): ``acc >> r``.  Not emulated: the synaptic delay's placement (sPyNNaker splits it into
axonal and dendritic parts; pairing here uses the spike times at the synapse, as every other
backend), spikes lost to a full input buffer, and the neuron model (post spikes are imposed).

With every constraint off (:data:`IDEAL`) the same code runs in floating point with exact
exponentials at the schedule's own timestep and the package's coincidence rule: it reproduces
the ideal ``brian2`` result (tested).
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import numpy as np

from plasticity.models import spinnaker as spin
from plasticity.models.core import PlasticityError

from ..schedule import Schedule
from .brian2 import spike_generators
from .common import (OFFSET_MS, RunResult, initial_weights, progress_run, record_dt_for,
                     sampled_result, synapse_order)
from .spinnaker_map import EMULATED, chip_schedule, weight_format


@dataclass(frozen=True)
class Constraints:
    timestep: bool = True
    lut: bool = True
    fixed_point: bool = True
    same_step: bool = True

    def describe(self) -> str:
        on = [k for k, v in asdict(self).items() if v]
        return ", ".join(on) if on else "none (ideal arithmetic)"


SPINNAKER = Constraints()
IDEAL = Constraints(False, False, False, False)
HARDWARE = {spin.FAMILY: SPINNAKER, f"{spin.FAMILY}-ideal": IDEAL}
# look-up-table time shift per trace (timing_dependence_pfister_spike_triplet.py: tau_x and
# tau_y tables have shift 2, i.e. 4 ms entries indexed by dt >> 2)
_LUT_SHIFT = {"plus": 0, "minus": 0, "x": 2, "y": 2}


def check_hardware(name: str, backend: str):
    if name not in HARDWARE:
        raise PlasticityError(f"unknown --hardware '{name}' (known: {', '.join(HARDWARE)})")
    if backend != "brian2":
        raise PlasticityError(f"--hardware {name} runs on backend brian2 only (got {backend})")


def emulation_rule(model, values):
    """The SpiNNaker rule of ``model`` if the emulation covers it, else a one-line error."""
    rule = spin.rule_for(model, values)
    if rule.emulation not in EMULATED:
        raise PlasticityError(
            f"--hardware spinnaker: {model.name} maps to SpiNNaker ({rule.timing} + "
            f"{rule.weight}) but its arithmetic is not emulated; emulated: stdp_pair and "
            "stdp_nn_symm (additive or multiplicative), stdp_triplet (all_to_all)")
    return rule


# Brian2 code.  Every quantity is a float; with fixed_point the traces hold integers (one spike
# = ONE_T = 2048) and ``acc`` holds S16.15 bits; without, the traces are real (ONE_T = 1) and
# ``acc`` is the weight.  FIX = 1 / 0 selects the truncations.
_MODEL = """
acc : 1
w : 1
xr : 1
yo : 1
tpre : second
tpost : second
tpost_prev : second
"""
# decay of a trace since its last spike: LUT (a TimedArray over whole steps, zero appended) or exp
_DECAY = {True: "lut_{side}(t - {last})", False: "exp(-(t - {last}) / tau_{side})"}
# trace (value stored at its last spike) decayed to now, truncated in fixed point
_DECAYED = "({trace} * {decay} - FIX * ({trace} * {decay} - floor({trace} * {decay})))"


def _code(kind: str, c: Constraints):
    nearest = kind.startswith("nearest")
    mult = kind.endswith("multiplicative")
    triplet = kind == "triplet_additive"
    dp = _DECAY[c.lut].format(side="plus", last="tpre")
    dm = _DECAY[c.lut].format(side="minus", last="tpost")
    if nearest:
        r_now = f"ONE_T * {dp}"            # one spike, decayed (LUT value itself)
        o_now = f"ONE_T * {dm}"
    else:
        r_now = _DECAYED.format(trace="xr", decay=dp)
        o_now = _DECAYED.format(trace="yo", decay=dm)
    # the depression's post trace when the post spike of this step already ran (post first)
    if c.same_step:
        o_coinc = "0"
    elif nearest:
        o_coinc = "ONE_T * " + _DECAY[c.lut].format(side="minus", last="tpost_prev")
    else:
        o_coinc = "(yo - ONE_T)"
    # products of an S16.15 constant with an 11-bit trace (mul_accum_fixed), truncated
    prod = "{a} * {tr} / ONE_T - FIX * ({a} * {tr} / ONE_T - floor({a} * {tr} / ONE_T))"
    if mult:
        pot = ("scale = (w_max_q - acc) * a_plus_q / ACC_ONE\n"
               "scale = scale - FIX * (scale - floor(scale))\n"
               f"dw = {prod.format(a='scale', tr='r_tr')}\n")
        dep = ("scale = (acc - w_min_q) * a_minus_q / ACC_ONE\n"
               "scale = scale - FIX * (scale - floor(scale))\n"
               f"dw = {prod.format(a='scale', tr='o_tr')}\n")
    elif triplet:
        # Pfister triplet (timing_pfister_triplet_impl.h, weight_additive_two_term_impl.h):
        # the triplet trace sampled before the spike's own jump, r1 o2 / o1 r2 in 11-bit fixed
        # point, two truncated terms, one clip
        dy = _DECAY[c.lut].format(side="y", last="tpost")
        dx = _DECAY[c.lut].format(side="x", last="tpre")
        pot = (f"o2_tr = {_DECAYED.format(trace='(yo2 + ONE_T)', decay=dy)}\n"
               f"r1o2 = {_DECAYED.format(trace='r_tr', decay='o2_tr / ONE_T')}\n"
               f"dw = {prod.format(a='a_plus_q', tr='r_tr')} + "
               f"{prod.format(a='a3_plus_q', tr='r1o2')}\n")
        dep = (f"r2_tr = {_DECAYED.format(trace='(xr2 + ONE_T)', decay=dx)}\n"
               f"o1r2 = {_DECAYED.format(trace='o_tr', decay='r2_tr / ONE_T')}\n"
               f"dw = {prod.format(a='a_minus_q', tr='o_tr')} + "
               f"{prod.format(a='a3_minus_q', tr='o1r2')}\n")
    else:
        pot = f"dw = {prod.format(a='a_plus_q', tr='r_tr')}\n"
        dep = f"dw = {prod.format(a='a_minus_q', tr='o_tr')}\n"
    # the multiplicative rule is not clipped on the chip (weight_multiplicative_impl.h):
    # CLIP_M = 1 - FIX; the additive rules are clipped at every update (both)
    clip = "CLIP_M" if mult else "1"
    on_post = (f"r_tr = int(tpre < t) * {r_now}\n" + pot +
               "acc = acc + dw\n"
               f"acc = {clip} * (acc * int(acc < w_max_q) + w_max_q * int(acc >= w_max_q))"
               f" + (1 - {clip}) * acc\n")
    if triplet:
        on_post += "yo2 = o2_tr\n"
    if not nearest:
        on_post += f"yo = {_DECAYED.format(trace='yo', decay=dm)} + ONE_T\n"
    on_post += "tpost_prev = tpost\ntpost = t\n"
    on_pre = (f"o_tr = int(tpost < t) * {o_now} + int(tpost >= t) * {o_coinc}\n" + dep +
              "acc = acc - dw\n"
              f"acc = {clip} * (acc * int(acc > w_min_q) + w_min_q * int(acc <= w_min_q))"
              f" + (1 - {clip}) * acc\n"
              # write back: truncated to the stored 16-bit weight (fixed point)
              "acc = FIX * floor(acc / STORE) * STORE + (1 - FIX) * acc\n"
              "w = acc / W_UNIT\n")
    if triplet:
        on_pre += "xr2 = r2_tr\n"
    if not nearest:
        on_pre += f"xr = {_DECAYED.format(trace='xr', decay=dp)} + ONE_T\n"
    on_pre += "tpre = t\n"
    model = _MODEL + ("xr2 : 1\nyo2 : 1\n" if triplet else "")
    return model, on_pre, on_post


def run_emulated(model, set_name, values, schedule: Schedule, constraints: Constraints,
                 progress=False, label=None) -> RunResult:
    """Run ``model`` on Brian2 (runtime) with ``constraints``; returns an RunResult whose
    ``extra['hardware']`` holds the chip facts (weight format, merged spikes, constraints).
    ``label``: the name recorded for the constraints (a key of :data:`HARDWARE`)."""
    import brian2 as b2

    rule = emulation_rule(model, values)
    schedule.validate()
    w0_ideal = initial_weights(model, values, schedule)
    sched, merged = chip_schedule(schedule) if constraints.timestep else (schedule, 0)
    t0 = time.perf_counter()
    fmt = None
    if constraints.fixed_point:
        fmt = weight_format(rule, sched, w0_ideal)
        scale = fmt["weight_scales"][fmt["synapse_type"]]
        shift = fmt["ring_buffer_shifts"][fmt["synapse_type"]]
        w0 = spin.quantise_weights(w0_ideal, scale)
    else:
        scale, shift, w0 = None, None, w0_ideal
    fix = constraints.fixed_point
    tp, wp = rule.timing_params, rule.weight_params
    if fix:
        q = spin.s1615
        consts = {"a3_plus_q": 0, "a3_minus_q": 0, **rule.amplitudes_s1615(),
                  "w_max_q": q(wp["w_max"]), "w_min_q": q(wp["w_min"]),
                  "ONE_T": float(spin.STDP_ONE), "ACC_ONE": float(spin.S1615_ONE),
                  "STORE": float(2 ** shift), "W_UNIT": float(spin.S1615_ONE), "FIX": 1.0,
                  "CLIP_M": 0.0}
        acc0 = np.rint(w0 * scale) * 2 ** shift
    else:
        k = wp["w_max"] if rule.amplitudes_times_w_max else 1.0
        consts = {"a_plus_q": tp["A_plus"] * k, "a_minus_q": tp["A_minus"] * k,
                  "a3_plus_q": wp.get("A3_plus", 0.0) * k,
                  "a3_minus_q": wp.get("A3_minus", 0.0) * k,
                  "w_max_q": wp["w_max"], "w_min_q": wp["w_min"], "ONE_T": 1.0,
                  "ACC_ONE": 1.0, "STORE": 1.0, "W_UNIT": 1.0, "FIX": 0.0, "CLIP_M": 1.0}
        acc0 = w0.copy()
    ns = {k: float(v) for k, v in consts.items()}
    sides = [k for k in _LUT_SHIFT if f"tau_{k}" in tp]
    for side in sides:
        ns[f"tau_{side}"] = tp[f"tau_{side}"] * b2.ms
    if constraints.lut:
        for side in sides:
            lut_shift = _LUT_SHIFT[side]
            table = np.append(spin.exp_lut(tp[f"tau_{side}"], shift=lut_shift), 0.0) \
                / spin.STDP_ONE
            ns[f"lut_{side}"] = b2.TimedArray(table, dt=spin.TIMESTEP_MS * 2 ** lut_shift * b2.ms)

    eqs, on_pre, on_post = _code(rule.emulation, constraints)
    dt = sched.dt_ms * b2.ms
    n = len(sched.conditions)
    off = int(round(OFFSET_MS / sched.dt_ms))
    b2.start_scope()

    pre, post = spike_generators(sched, off)
    syn = b2.Synapses(pre, post, model=eqs, on_pre=on_pre, on_post=on_post, namespace=ns, dt=dt)
    syn.connect(j="i")
    syn.pre.order = 1           # post pathway first: sPyNNaker processes a step's post spikes
    syn.post.order = -1         # before the pre spike's depression (window up to its time)
    order = synapse_order(syn.i[:])
    acc_syn = np.empty(n)
    acc_syn[order] = acc0
    syn.acc = acc_syn
    syn.w = acc_syn / consts["W_UNIT"]
    syn.xr = 0.0
    syn.yo = 0.0
    if rule.emulation == "triplet_additive":
        syn.xr2 = 0.0
        syn.yo2 = 0.0
    never = 0.0 * b2.second if (constraints.same_step and rule.emulation.startswith("nearest")) \
        else -1e5 * b2.second      # long before: every decay is 0 (and fits an int index)
    syn.tpre = never
    syn.tpost = never
    syn.tpost_prev = never
    rec_dt = record_dt_for(sched)
    mon = b2.StateMonitor(syn, ["w"], record=np.arange(n), dt=rec_dt * b2.ms, when="end")
    net = b2.Network(pre, post, syn, mon)
    total_ms = sched.duration_ms + OFFSET_MS + sched.dt_ms
    progress_run(lambda ms_: net.run(ms_ * b2.ms), total_ms, progress, sched.dt_ms)
    acc_end = np.asarray(syn.acc[:], dtype=float)[order]
    if fix:   # the flush: one more pre spike beyond the tables stores acc >> r
        w_final = np.floor(acc_end / 2 ** shift) / scale
    else:
        w_final = acc_end
    traces = {"w": np.asarray(mon.w).T[:, order]}
    result = sampled_result(model, values, sched, w0, w_final, traces, rec_dt, "brian2",
                            {"brian2": b2.__version__}, first_step_offset=off)
    result.wall_time_s = time.perf_counter() - t0
    result.set_name = set_name
    if label is None:
        label = next((k for k, v in HARDWARE.items() if v == constraints), "custom")
    hw = {"hardware": label,
          "constraints": asdict(constraints), "sPyNNaker_rule": f"{rule.timing} + {rule.weight}",
          "binary": rule.binary_hint, "spikes_merged": int(merged),
          "w_initial_ideal": [float(x) for x in w0_ideal]}
    if fmt is not None:
        hw.update({"ring_buffer_shift": int(shift), "weight_scale": float(scale),
                   "weight_lsb": 1.0 / float(scale),
                   "weights_read_back": fmt["weights"],
                   "sPyNNaker": fmt["versions"].get("sPyNNaker", "?"),
                   "constants_s1615": {k: int(consts[k]) for k in
                                       ("a_plus_q", "a_minus_q", "a3_plus_q", "a3_minus_q",
                                        "w_max_q", "w_min_q")}})
    result.extra["hardware"] = hw
    result.simulator_versions = {**result.simulator_versions,
                                 "hardware_emulation": f"spinnaker ({constraints.describe()})"}
    if fmt is not None:
        result.simulator_versions["sPyNNaker"] = hw["sPyNNaker"]
    return result
