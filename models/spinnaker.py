r"""SpiNNaker through sPyNNaker 7.4.1: which rules map, and the chip's number formats.

What a rule becomes on SpiNNaker
--------------------------------
sPyNNaker 7.4.1 (PyPI ``sPyNNaker==1!7.4.1``) exports these plasticity components
(``spynnaker/pyNN/__init__.py`` and ``spynnaker/pyNN/extra_models/__init__.py``; a rule runs
only where a compiled binary exists in ``spynnaker/pyNN/model_binaries``, e.g.
``IF_curr_exp_stdp_mad_pair_additive.aplx``):

* timing: ``SpikePairRule`` (all-to-all pairs), ``SpikeNearestPairRule``,
  ``PfisterSpikeTriplet``, ``Vogels2011Rule``, ``RecurrentRule``;
* weight: ``AdditiveWeightDependence``, ``MultiplicativeWeightDependence``,
  ``WeightDependenceAdditiveTriplet``;
* ``Neuromodulation`` (Izhikevich 2007 dopamine, with a ``reward`` receptor).

Each model file holds its own entry beside its NEST table (``Model.spinnaker``: values -> a
:class:`SpinnakerRule`, or a one-line refusal naming the nearest supported rule, made with
:func:`refuse`); :func:`rule_for` asks it.  Parameter translations (our convention -> sPyNNaker's):

* ``stdp_pair`` / ``stdp_nn_symm`` additive (mu = 0, 0): our A_+/A_- are fractions of w_max,
  sPyNNaker's additive amplitudes are weights (written as ``A_plus * global_weight_scale``,
  ``weight_dependence_additive.py``): A = A_ours * w_max.
* multiplicative (mu = 1, 1): sPyNNaker's ``w += A_+ (w_max - w) r`` and ``w -= A_- (w - w_min) o``
  (``weight_multiplicative_impl.h``) are ours with the same A.
* ``stdp_nn_symm`` is sPyNNaker's ``SpikeNearestPairRule``: each spike pairs with the nearest
  earlier partner, whether or not that partner was paired before (NEST ``stdp_nn_symm``).

Number formats (each from the sPyNNaker 7.4.1 source named)
-----------------------------------------------------------
* time: the timestep (1 ms here); a SpikeSourceArray time t becomes step
  ``ceil(floor(t * 1000) / timestep_us)`` (``spike_source_array_vertex.py``).
* stored weight: unsigned 16 bit, ``rint(|w| * scale)`` (``synapse_dynamics_stdp.py``,
  ``get_plastic_synaptic_data``) with ``scale = 2**(15 - r)`` for the post population's
  ring-buffer left shift r (``population_vertex.py``, ``get_ring_buffer_shifts`` and
  ``get_weight_scales``), chosen from the incoming projections' maximum weights and rates.
* rule constants (w_min, w_max, amplitudes): S16.15 ``accum``, ``round(Decimal(str(v)) * 2**15)``
  (``spinn_front_end_common/interface/ds/data_type.py``, ``DataType.S1615``).
* traces: 16 bit with 11 fractional bits (``STDP_FIXED_POINT_ONE = 1 << 11``,
  ``plasticity/stdp/common.py`` and ``stdp_typedefs.h``); decays come from look-up tables
  ``floor(exp(-k dt / tau) * 2048)`` for k = 0 .. ceil(ln(2048) tau / dt) rounded up to even,
  zero beyond (``get_exp_lut_array``; ``maths_lut_exponential_decay`` in ``maths.h``).

The arithmetic that uses them is emulated on Brian2 by
:mod:`plasticity.protocols.run.spinnaker_emulation`; the mapping on a virtual board is
:mod:`plasticity.protocols.run.spinnaker_map`.

One family, one name: ``spinnaker``.  Its two modes are the backend ``pynn.spinnaker``
(:data:`MAPPING_BACKEND`: map a protocol's network, simulate nothing) and the emulation
``--hardware spinnaker`` (or ``spinnaker-ideal``, every constraint off), which is also the
name of ``reproduce``'s emulation jobs and of the NIX ``hardware`` annotation.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from brian2 import ms

from .core import PlasticityError

SPYNNAKER_REQUIREMENT = "sPyNNaker==1!7.4.1"
FAMILY = "spinnaker"                       # --hardware spinnaker, reproduce's emulation jobs
MAPPING_BACKEND = "pynn.spinnaker"         # plasticity run --backend pynn.spinnaker
TIMESTEP_MS = 1.0
STDP_FIXED_POINT = 11
STDP_ONE = 1 << STDP_FIXED_POINT          # 2048: trace value of one spike
S1615_ONE = 1 << 15                        # accum: 16 integer . 15 fraction bits
DELAY_MS = 1.0                             # one timestep: the smallest delay sPyNNaker accepts


@dataclass
class SpinnakerRule:
    """One model with its parameters as sPyNNaker components."""
    timing: str                      # class name in pyNN.spiNNaker or its extra_models
    timing_params: dict
    weight: str
    weight_params: dict
    receptor: str = "excitatory"
    emulation: str | None = None     # kind of Brian2 emulation (run.spinnaker_emulation), or None
    neuromodulation: dict | None = None
    notes: list = field(default_factory=list)
    # the weight dependence writes its amplitudes times w_max (weight_dependence_additive_triplet
    # .py) instead of as given (weight_dependence_additive.py)
    amplitudes_times_w_max: bool = False
    cell: str = "IF_curr_exp"        # the post population's PyNN cell type on SpiNNaker

    def amplitudes_s1615(self) -> dict:
        """The S16.15 bits of the amplitudes as sPyNNaker writes them."""
        k = self.weight_params["w_max"] if self.amplitudes_times_w_max else None
        a = lambda v: s1615(v * k * 1.0 if k is not None else v * 1.0)
        out = {"a_plus_q": a(self.timing_params["A_plus"]),
               "a_minus_q": a(self.timing_params["A_minus"])}
        for name in ("A3_plus", "A3_minus"):
            if name in self.weight_params:
                out[f"a3_{name[3:]}_q"] = a(self.weight_params[name])
        return out

    def scaled(self, k: float, why: str) -> "SpinnakerRule":
        """The rule with its weight-valued parameters times ``k`` (a unit translation, e.g.
        a conductance in units of the leak conductance to uS)."""
        import dataclasses
        tp, wp = dict(self.timing_params), dict(self.weight_params)
        wp["w_min"] *= k
        wp["w_max"] *= k
        if self.weight == "AdditiveWeightDependence":      # its amplitudes are weights
            tp["A_plus"] *= k
            tp["A_minus"] *= k
        return dataclasses.replace(self, timing_params=tp, weight_params=wp,
                                   notes=self.notes + [f"weights times {k:g}: {why}"])

    @property
    def binary_hint(self) -> str:
        t = {"SpikePairRule": "pair", "SpikeNearestPairRule": "nearest_pair",
             "PfisterSpikeTriplet": "pfister_triplet", "Vogels2011Rule": "vogels_2011"}
        w = {"AdditiveWeightDependence": "additive",
             "MultiplicativeWeightDependence": "multiplicative",
             "WeightDependenceAdditiveTriplet": "additive"}
        kind = "izhikevich_neuromodulation" if self.neuromodulation else "mad"
        return f"{self.cell}_stdp_{kind}_{t[self.timing]}_{w[self.weight]}.aplx"


def ms_of(values, name):
    return float(values[name] / ms)


def pair_like(model, values, timing):
    """A pair-based rule (stdp_pair, stdp_nn_symm) with additive (mu = 0, 0) or multiplicative
    (mu = 1, 1) weight dependence as sPyNNaker components; others are refused."""
    mu = (float(values["mu_plus"]), float(values["mu_minus"]))
    w_max = float(values["w_max"])
    taus = {"tau_plus": ms_of(values, "tau_plus"), "tau_minus": ms_of(values, "tau_minus")}
    if mu == (0.0, 0.0):
        return SpinnakerRule(
            timing, {**taus, "A_plus": float(values["A_plus"]) * w_max,
                     "A_minus": float(values["A_minus"]) * w_max},
            "AdditiveWeightDependence", {"w_min": 0.0, "w_max": w_max},
            emulation="pair_additive" if timing == "SpikePairRule" else "nearest_additive")
    if mu == (1.0, 1.0):
        return SpinnakerRule(
            timing, {**taus, "A_plus": float(values["A_plus"]),
                     "A_minus": float(values["A_minus"])},
            "MultiplicativeWeightDependence", {"w_min": 0.0, "w_max": w_max},
            emulation="pair_multiplicative" if timing == "SpikePairRule"
            else "nearest_multiplicative")
    raise PlasticityError(
        f"{model}: mu_plus = {mu[0]:g}, mu_minus = {mu[1]:g} cannot run on SpiNNaker: "
        f"sPyNNaker 7.4.1 has additive and multiplicative weight dependences only; nearest "
        f"supported rule: {model} with parameter set 'multiplicative' (mu = 1, 1) or "
        f"'additive' (mu = 0, 0)")


def refuse(reason, nearest):
    """A model's SpiNNaker entry for a rule sPyNNaker 7.4.1 cannot run: one line naming the
    nearest supported rule."""
    def entry(values):
        raise PlasticityError(f"{reason}; nearest supported rule: {nearest}")
    return entry


NO_STP = "sPyNNaker 7.4.1 has no short-term plasticity synapse"


# measured here (sPyNNaker 7.4.1, numpy 2.3): components that sPyNNaker exports but cannot map
KNOWN_FAILURES = {
    "stdp_dopamine": "sPyNNaker 7.4.1 fails to generate the Neuromodulation synapses under "
                     "numpy 2 (synapse_dynamics_neuromodulation.py: 'Python integer 3221225472 "
                     "out of bounds for uint8'); the report says so, nothing here works around it",
}


def rule_for(model, values) -> SpinnakerRule:
    """The sPyNNaker components for ``model`` with resolved ``values``, or a PlasticityError
    naming the nearest supported rule."""
    if model.spinnaker is None:
        raise PlasticityError(f"{model.name}: no SpiNNaker mapping is defined")
    return model.spinnaker(values)


def support_cell(model) -> str:
    """The ``plasticity list`` entry: the components of the default set, or 'no'."""
    try:
        rule = rule_for(model, model.resolve(model.default_set, {}))
    except PlasticityError:
        return "no"
    return f"{rule.timing}+{rule.weight.replace('WeightDependence', '')}" + \
        ("+Neuromodulation" if rule.neuromodulation else "") + \
        (" (mapping fails: sPyNNaker bug under numpy 2)" if model.name in KNOWN_FAILURES else "")


# ----------------------------------------------------------------------------------------------
# number formats
# ----------------------------------------------------------------------------------------------
def s1615(value: float) -> int:
    """S16.15 bits of a rule constant, as sPyNNaker writes it (DataType.S1615)."""
    return int(round(Decimal(str(float(value))) * S1615_ONE))


def spike_steps(times_ms, timestep_ms: float = TIMESTEP_MS) -> np.ndarray:
    """Timesteps of SpikeSourceArray times: ceil(floor(t * 1000) / timestep_us)."""
    t = np.asarray(times_ms, dtype=float)
    return np.ceil(np.floor(t * 1000.0) / (timestep_ms * 1000.0)).astype(np.int64)


def exp_lut(tau_ms: float, timestep_ms: float = TIMESTEP_MS, shift: int = 0) -> np.ndarray:
    """sPyNNaker's decay table: entry k = floor(exp(-(k << shift) dt / tau) * 2048), looked up
    with index dt_steps >> shift, zero beyond the table (get_exp_lut_array)."""
    lam = timestep_ms / float(tau_ms)
    size, extra = divmod(math.log(STDP_ONE) / lam / (1 << shift), 2)
    size = (int(size) + (extra > 0)) * 2
    return np.floor(np.exp((np.arange(size) << shift) * -lam) * STDP_ONE)


def quantise_weights(w, weight_scale: float) -> np.ndarray:
    """Weights as the chip stores them: rint(|w| * scale) / scale."""
    return np.rint(np.abs(np.asarray(w, dtype=float)) * weight_scale) / weight_scale
