r"""Stochastic synaptic transmission: quantal release with short-term plasticity (Fuhrmann et al.
2002; NEST ``quantal_stp_synapse``) and Bernoulli transmission (NEST ``bernoulli_synapse``).

``quantal_stp``
---------------
A synapse has :math:`n` release sites; :math:`a` of them hold a vesicle.  At a presynaptic spike,
:math:`h` after the previous one (NEST 3.10's order; nothing of steps 1-2 at the first spike):

1. utilisation :math:`u \leftarrow U + u(1-U)e^{-h/\tau_{facil}}` (:math:`\tau_{facil} = 0`:
   :math:`u = U`);
2. every empty site refills with probability :math:`1 - e^{-h/\tau_{rec}}`;
3. every full site releases with probability :math:`u`; the synapse transmits
   :math:`w \times` (number released) and those sites become empty.

Start: all sites full and :math:`u = U` (a rested synapse).

Sites are independent, so the number released at the k-th spike is binomial
:math:`B(n, u_k x_k)` where :math:`u_k, x_k` follow the deterministic Tsodyks–Markram recursion
(``tsodyks_markram``): mean :math:`n u_k x_k`, variance :math:`n u_k x_k (1 - u_k x_k)`.
Brian2 draws the binomials as sums of at most
``MAX_SITES`` = 16 Bernoulli terms (``n`` is limited to that).

``bernoulli``
-------------
Each spike is transmitted (efficacy :math:`w`) with probability :math:`p_{transmit}`,
independently; released quanta per spike are Bernoulli(:math:`p`).

Random numbers differ between backends (Brian2's and NEST's generators), so cross-backend
agreement is statistical (``protocols/stochastic_release.py``); a fixed seed reproduces a run bit
for bit on one backend.
"""
from brian2 import ms, pA

from .core import (Alias, Brian2Equations, Model, NestMapping, Param, ParameterSet, PlasticityError,
                   Value, time_constant, translations)
from .spinnaker import refuse, NO_STP

MAX_SITES = 16
NQ = "NEST models/quantal_stp_synapse.h defaults (nest.GetDefaults('quantal_stp_synapse'), NEST 3.10)"
NB = "NEST models/bernoulli_synapse.h defaults (nest.GetDefaults('bernoulli_synapse'), NEST 3.10)"


def _add_bernoulli(target, count, prob):
    """Lines adding a Binomial(count, prob) draw to ``target`` (count <= MAX_SITES; Brian2
    allows one rand() per statement)."""
    return "\n".join(f"{target} += int({k} < {count}) * int(rand() < {prob})"
                     for k in range(MAX_SITES))


QUANTAL_BRIAN2 = Brian2Equations(
    model="""
{w} : {wunit}
U : 1 (constant)
tau_rec : second (constant)
tau_facil : second (constant)
n_sites : 1 (constant)
u : 1
a : 1
released : 1
t_last : second
""",
    on_pre=f"""
later = int(t_last >= 0*second)
h_isi = t - t_last
facil_on = int(tau_facil >= 1e-13*second)
u = (1 - later) * u + later * (U + u * (1 - U) * facil_on * exp(-h_isi / (tau_facil + (1 - facil_on)*second)))
q_rec = later * (1 - exp(-h_isi / tau_rec))
n_empty = n_sites - a
{_add_bernoulli("a", "n_empty", "q_rec")}
n_full = a
released = 0
{_add_bernoulli("released", "n_full", "u")}
a -= released
t_last = t
{{transmit}}
""",
    on_post=None,
    initial={"u": "U", "a": "n_sites", "released": 0.0, "t_last": -1.0 * ms},
    efficacy="{w}*released",
    # u as in tsodyks_markram (0 at rest: the first spike's u is U); a, the sites with a
    # vesicle, recovers stochastically and is drawn at the next spike
    current="""
later = int(t_last >= 0*second)
facil_on = int(tau_facil >= 1e-13*second)
u = later * u * facil_on * exp(-(t - t_last) / (tau_facil + (1 - facil_on)*second))
""",
    not_current=("a",),
)

def _integer_sites(values, name):
    if float(values["n_sites"]) != int(values["n_sites"]):
        raise PlasticityError(f"{name}: parameter 'n_sites' must be an integer, got "
                              f"{values['n_sites']!r}")


QUANTAL = Model(
    aliases={"n": Alias("n_sites", why="PyNN and NEST name the release sites n")},
    spinnaker=refuse(f"quantal_stp cannot run on SpiNNaker: {NO_STP}", "none (a static synapse)"),
    name="quantal_stp",
    family="stochastic",
    title="Quantal release with short-term plasticity, Fuhrmann 2002 (NEST quantal_stp_synapse)",
    doc=__doc__,
    params=[
        Param("U", None, "utilisation increment (release probability of a rested site)",
              low=0.0, high=1.0),
        time_constant("tau_rec", "recovery time constant of an empty site"),
        Param("tau_facil", ms, "facilitation time constant of u (0: no facilitation)", low=0.0),
        Param("n_sites", None, f"number of release sites (integer, 1 ... {MAX_SITES})", low=1.0,
              high=float(MAX_SITES)),
        Param("w_init", pA, "efficacy of one released quantum", low=0.0, weight=True),
    ],
    parameter_sets={
        "nest_defaults": ParameterSet(
            "nest_defaults", "Fuhrmann et al. (2002) J Neurophysiol 87:140 (NEST defaults)",
            {"U": Value(0.5, f"{NQ}: U = 0.5"),
             "tau_rec": Value(800.0 * ms, f"{NQ}: tau_rec = 800 ms"),
             "tau_facil": Value(0.0 * ms, f"{NQ}: tau_fac = 0"),
             "n_sites": Value(1.0, f"{NQ}: n = 1"),
             "w_init": Value(1.0 * pA, f"{NQ}: weight = 1.0 (pA for a current synapse)")},
            verification="verified_single_source"),
        "depressing_5_sites": ParameterSet(
            "depressing_5_sites", "Tsodyks, Pawelzik & Markram (1998) depressing set, 5 sites",
            {"U": Value(0.5, "tsodyks_pawelzik_markram1998_depressing: U = 0.5"),
             "tau_rec": Value(800.0 * ms, "tsodyks_pawelzik_markram1998_depressing: tau_rec = "
                                          "800 ms"),
             "tau_facil": Value(0.0 * ms, "tsodyks_pawelzik_markram1998_depressing: tau_fac = 0"),
             "n_sites": Value(5.0, "a demonstration value, not published: 5 sites make the "
                                   "binomial visibly different from Bernoulli"),
             "w_init": Value(1.0 * pA, "one quantum = 1 pA (unit efficacy: counts quanta)")},
            notes="the deterministic TM depressing set with n = 5 stochastic sites"),
    },
    default_set="depressing_5_sites",
    weight_unit=pA,
    plastic=False,
    brian2=QUANTAL_BRIAN2,
    nest=NestMapping(
        synapse_model="quantal_stp_synapse",
        table=translations(("weight", "weight", 1000.0), ("U", "U"), ("tau_rec", "tau_rec"),
                           ("tau_facil", "tau_fac")),
        initial={"u": lambda p: p["U"]},
        # n_sites is an integer NEST state that pyNN 0.13 passes as a float (NEST refuses it):
        # the runners set it after connecting, nest.GetConnections(...).set(n=N, a=N)
        integer_state={"n": "n_sites", "a": "n_sites"},
        event_state="released",
    ),
    recorded=("released",),
    coincidence_rule="no postsynaptic term: post spikes do not affect the synapse",
    cross_check=_integer_sites,
)


BERNOULLI = Model(
    aliases={"p": Alias("p_transmit", why="PyNN names the transmission probability p")},
    spinnaker=refuse("bernoulli cannot run on SpiNNaker: sPyNNaker 7.4.1 has no stochastic "
                     "synapse", "none (a static synapse)"),
    name="bernoulli",
    family="stochastic",
    title="Bernoulli transmission (NEST bernoulli_synapse)",
    doc=__doc__,
    params=[Param("p_transmit", None, "transmission probability per spike", low=0.0, high=1.0),
            Param("w_init", pA, "efficacy of a transmitted spike", low=0.0, weight=True)],
    parameter_sets={
        "nest_defaults": ParameterSet(
            "nest_defaults", "NEST bernoulli_synapse defaults",
            {"p_transmit": Value(1.0, f"{NB}: p_transmit = 1.0"),
             "w_init": Value(1.0 * pA, f"{NB}: weight = 1.0")},
            verification="verified_single_source"),
        "half": ParameterSet(
            "half", "Bernoulli transmission at p = 0.5",
            {"p_transmit": Value(0.5, "a demonstration value, not published: the largest "
                                      "variance p(1-p)"),
             "w_init": Value(1.0 * pA, "one quantum = 1 pA (unit efficacy: counts "
                                       "transmissions)")}),
    },
    default_set="half",
    weight_unit=pA,
    plastic=False,
    brian2=Brian2Equations(
        model="""
{w} : {wunit}
p_transmit : 1 (constant)
released : 1
""",
        on_pre="""
released = int(rand() < p_transmit)
{transmit}
""",
        on_post=None,
        initial={"released": 0.0},
        efficacy="{w}*released"),
    nest=NestMapping(synapse_model="bernoulli_synapse",
                     table=translations(("weight", "weight", 1000.0),
                                        ("p_transmit", "p_transmit")),
                     event_state="released"),
    recorded=("released",),
    coincidence_rule="no postsynaptic term: post spikes do not affect the synapse",
)

MODELS = (QUANTAL, BERNOULLI)
