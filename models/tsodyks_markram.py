r"""Tsodyks–Markram short-term plasticity (Tsodyks, Pawelzik & Markram 1998; NEST ``tsodyks2_synapse``).

The rule
--------
Between spikes the fraction of available resources :math:`x` recovers to 1 with time constant
:math:`\tau_{rec}` and the utilisation :math:`u` decays to 0 with :math:`\tau_{facil}`.  At the
n-th presynaptic spike, :math:`\Delta_n` after the previous one,

.. math::

    u_n = U + u_{n-1}(1-U)\, e^{-\Delta_n/\tau_{facil}}, \qquad
    x_n = 1 + (x_{n-1} - u_{n-1}x_{n-1} - 1)\, e^{-\Delta_n/\tau_{rec}},

and the synapse transmits the efficacy :math:`w\, u_n x_n`.  Before the first spike
:math:`u_0 = 0, x_0 = 1`, so :math:`u_1 = U, x_1 = 1` (a rested synapse).  With
:math:`\tau_{facil} = 0` facilitation is off (:math:`u_n = U`, NEST treats
:math:`\tau_{facil} < 10^{-10}` ms as 0).

Symbols: :math:`U` utilisation increment (release probability of a rested synapse),
:math:`\tau_{rec}` recovery (depression) time constant, :math:`\tau_{facil}` facilitation time
constant, :math:`w` absolute efficacy :math:`A_{SE}` (here ``w_init``, in pA).  The weight does
not change: this is short-term plasticity; ``u`` and ``x`` are recorded instead, as the values
at the most recent spike (the state NEST stores).

Backends: Brian2 stores the state at the last spike (``u``, ``x``, ``t_last``) and applies the
recursion above in ``on_pre``; NEST's ``tsodyks2_synapse`` implements the same recursion (its
initial state is given as ``u = U, x = 1``, which NEST uses for the first spike directly).
No division by tau_facil happens when tau_facil = 0 (pyNN.brian2's own TsodyksMarkramSynapse
crashes there, and its amplitudes differ from the closed form).

Coincident spikes: the rule has no postsynaptic term.
"""
from brian2 import ms, pA

from .core import (Brian2Equations, Model, NestMapping, Param, ParameterSet, Value,
                   time_constant, translations)
from .nestml import NestmlParam, NestmlRule
from .spinnaker import refuse, NO_STP

TPM = "Tsodyks, Pawelzik & Markram (1998) Neural Comput 10:821"
REF_D = ("tsodyks_pawelzik_markram1998_depressing (Fig. 1A; NEST pynest/examples/"
         "iaf_tum_2000_short_term_depression.py; Brian2 examples/frompapers/"
         "Tsodyks_Pawelzik_Markram_1998.py)")
REF_F = ("tsodyks_pawelzik_markram1998_facilitating (Fig. 1B/C; NEST pynest/examples/"
         "iaf_tum_2000_short_term_facilitation.py; Brian2 example, same values)")

PARAMETER_SETS = {
    "depressing": ParameterSet(
        "depressing", f"{TPM}, Fig. 1A",
        {
            "U": Value(0.5, f"{REF_D}: U = 0.5 per the paper (Brian2's example uses 0.6 and says "
                            "0.5 'does not match plot')"),
            "tau_rec": Value(800.0 * ms, f"{REF_D}: tau_rec = 800 ms"),
            "tau_facil": Value(0.0 * ms, f"{REF_D}: tau_fac = 0 (no facilitation)"),
            "w_init": Value(250.0 * pA, f"{REF_D}: A_SE = 250 pA"),
        },
        verification="verified_multi_source"),
    "facilitating": ParameterSet(
        "facilitating", f"{TPM}, Fig. 1B/C",
        {
            "U": Value(0.03, f"{REF_F}: U = 0.03"),
            "tau_rec": Value(130.0 * ms, f"{REF_F}: tau_rec = 130 ms"),
            "tau_facil": Value(530.0 * ms, f"{REF_F}: tau_fac = 530 ms"),
            "w_init": Value(1540.0 * pA, f"{REF_F}: A_SE = 1540 pA"),
        },
        verification="verified_multi_source"),
}

PARAMS = [
    Param("U", None, "utilisation increment (release probability of a rested synapse)",
          low=0.0, high=1.0),
    time_constant("tau_rec", "recovery time constant of the resources x"),
    Param("tau_facil", ms, "facilitation time constant of u (0: no facilitation)", low=0.0),
    Param("w_init", pA, "absolute synaptic efficacy A_SE", low=0.0, weight=True),
]

BRIAN2 = Brian2Equations(
    model="""
{w} : {wunit}
U : 1 (constant)
tau_rec : second (constant)
tau_facil : second (constant)
u : 1
x : 1
t_last : second
""",
    on_pre="""
h_isi = t - t_last
facil_on = int(tau_facil >= 1e-13*second)
x = 1 + (x - x*u - 1) * exp(-h_isi / tau_rec)
u = U + u * (1 - U) * facil_on * exp(-h_isi / (tau_facil + (1 - facil_on)*second))
t_last = t
{transmit}
""",
    on_post=None,
    initial={"u": 0.0, "x": 1.0, "t_last": -1e9 * ms},
    efficacy="{w}*u*x",
    # between spikes: x recovers from x(1-u) toward 1; u (the facilitation the next spike's
    # jump U + u(1-U) starts from) decays toward 0
    current="""
h_isi = t - t_last
facil_on = int(tau_facil >= 1e-13*second)
x = 1 + (x - x*u - 1) * exp(-h_isi / tau_rec)
u = u * facil_on * exp(-h_isi / (tau_facil + (1 - facil_on)*second))
""",
)

# NESTML (models/nestml.py): NEST's tsodyks2_synapse as its documentation states it (u and x of
# spike n+1 from those of spike n; the first spike uses the stored u and x, as NEST's does), built by the
# package and checked against tsodyks2_synapse on the same trains (tests/test_nestml.py); not
# used for runs.
NESTML = NestmlRule(
    name="tsodyks_markram_nestml_synapse",
    params=[NestmlParam("U", "U", guard=">= 0"),
            NestmlParam("tau_rec", "tau_rec", "ms", guard="> 0 ms"),
            NestmlParam("tau_fac", "tau_facil", "ms", guard=">= 0 ms")],
    state="""w real = 1.
u real = 0.5
x real = 1.
t_last ms = -1 ms""",
    on_pre="""if t_last >= 0 ms:
    h ms = t - t_last
    u_decay real = 0.
    if tau_fac > 0 ms:
        u_decay = exp(-h / tau_fac)
    x = 1 + (x - x * u - 1) * exp(-h / tau_rec)
    u = U + u * (1 - U) * u_decay
t_last = t
emit_spike(w * u * x)""",
    update="")

NEST_NESTML = NestMapping(
    synapse_model=NESTML.synapse_model,
    table=translations(
        ("weight", "weight", 1000.0),
        ("U", "U"),
        ("tau_rec", "tau_rec"),
        ("tau_facil", "tau_fac"),
    ),
    initial={"u": lambda p: p["U"], "x": lambda p: 1.0},
    note="NESTML",
    nestml=NESTML,
)

NEST = NestMapping(
    synapse_model="tsodyks2_synapse",
    table=translations(
        ("weight", "weight", 1000.0),            # PyNN nA -> NEST pA
        ("U", "U"),
        ("tau_rec", "tau_rec"),
        ("tau_facil", "tau_fac"),
    ),
    # NEST's tsodyks2_synapse uses its stored (u, x) for the first spike: a rested synapse
    initial={"u": lambda p: p["U"], "x": lambda p: 1.0},
    variant=NEST_NESTML,                # (checks only: runs use tsodyks2_synapse)
    use_variant=lambda values: False,
)

MODEL = Model(
    spinnaker=refuse(f"tsodyks_markram cannot run on SpiNNaker: {NO_STP}", "none (a static synapse)"),
    name="tsodyks_markram",
    family="stp",
    title="Tsodyks-Markram short-term depression / facilitation (NEST tsodyks2_synapse)",
    doc=__doc__,
    params=PARAMS,
    parameter_sets=PARAMETER_SETS,
    default_set="depressing",
    weight_unit=pA,
    plastic=False,
    brian2=BRIAN2,
    nest=NEST,
    recorded=("u", "x"),
    coincidence_rule="no postsynaptic term: post spikes do not affect the synapse",
)
