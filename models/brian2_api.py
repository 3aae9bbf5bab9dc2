"""Use a model from a plain Brian2 script: you get a ``brian2.Synapses``.

    from plasticity.models import make_synapses
    S = make_synapses("stdp_pair", pre, post, params="multiplicative",
                      transmit="ge_post += w*nS", tau_plus="10ms")
    S.connect(p=0.1)        # the new synapses get the parameters, initial state, w = w_init
    S.w = "w_init * rand()" # or any value in [0, w_max]

Every ``connect`` call sets the model's parameters (per-synapse constants), its initial state and
``w = w_init`` on the synapses it creates (Brian2 creates them with every variable 0);
``w_init`` is also a namespace value for initialising ``w``.
"""
from __future__ import annotations

import re

import brian2 as b2
import numpy as np
from brian2.devices.device import RuntimeDevice, get_device

from .core import PlasticityError
from .modulation import reward_pathway
from . import get_model


class PlasticSynapses(b2.Synapses):
    """The ``brian2.Synapses`` that :func:`make_synapses` returns: each :meth:`connect` also
    initialises the synapses it creates (:func:`initialise`), so connecting later (or several
    times) never leaves parameters at 0."""

    def connect(self, *args, **kwargs):
        start = len(self) if isinstance(get_device(), RuntimeDevice) else None
        out = super().connect(*args, **kwargs)
        initialise(self, self._plasticity_model, self._plasticity_values, start)
        return out


TRANSMIT_ORDERS = ("after_update", "before_update")


def make_synapses(model_name, source, target, params=None, transmit="", connect=None,
                  shared=False, transmit_order="after_update", **overrides):
    """A ``brian2.Synapses`` running ``model_name`` with parameter set ``params`` and
    ``overrides``.  ``shared=True``: the parameters are namespace constants, the same for every
    synapse (as in Brian2's own STDP example): less memory per synapse and faster updates in
    large networks (``make bench``), but no per-synapse values (``S.namespace['tau_plus']``
    instead of ``S.tau_plus``).  Default: per-synapse constants.

    ``transmit`` (e.g. ``"ge_post += w*nS"``) runs at each pre spike, by default *after* the
    rule's update at that spike (``transmit_order="after_update"``): the target receives the
    weight with that spike's depression applied, which is NEST's order (and the package's
    other engines').  Brian2's own STDP examples deliver first, the weight before the update
    (``transmit_order="before_update"``, for a rule whose efficacy is its weight ``w``; a
    short-term rule's efficacy is what its update computes)."""
    model = get_model(model_name)
    if transmit_order not in TRANSMIT_ORDERS:
        raise PlasticityError(f"{model_name}: transmit_order must be one of "
                              f"{', '.join(TRANSMIT_ORDERS)}, got {transmit_order!r}")
    if transmit_order == "before_update" and transmit:
        if model.brian2.efficacy != "{w}" or model.needs_neuron:
            raise PlasticityError(f"{model_name}: transmit_order='before_update' needs a rule "
                                  "that transmits its weight w; this rule's efficacy is "
                                  "computed by its update at the spike")
    overrides = model.connection_overrides(overrides)
    if model.needs_neuron:
        return _onto_own_neuron(model, source, target, params, transmit, connect, overrides)
    check_group_variables(model, source, target)
    values = model.resolve(params, overrides)
    numeric = {k: v for k, v in model.numeric_values(values).items() if k != "w_init"}
    undeclared = _place_undeclared(model, numeric, target)
    constants = dict(numeric) if shared else (undeclared or None)
    syn = plastic_synapses(model, source, target, transmit=transmit, shared=constants,
                           namespace={"w_init": values["w_init"]}, synapses_class=PlasticSynapses,
                           transmit_first=transmit_order == "before_update")
    syn._plasticity_model = model
    syn._plasticity_values = values
    if connect is not None:        # (PlasticSynapses.connect initialises the new synapses)
        syn.connect(**connect) if isinstance(connect, dict) else syn.connect(connect)
    return syn


def check_group_variables(model, source, target):
    """The neuron variables the rule reads (``x_pre``, ``y_post``: a rate rule's rates) exist
    in the groups it connects: else one line naming them (Brian2 would fail at the first run
    with an unresolved identifier)."""
    text = "\n".join(part or "" for part in (model.brian2.model, model.brian2.on_pre,
                                             model.brian2.on_post))
    missing = []
    for name, side in sorted(set(re.findall(r"\b([A-Za-z_]\w*?)_(pre|post)\b", text))):
        group = source if side == "pre" else target
        if name not in ("lastspike", "i", "j", "N") and name not in group.variables:
            missing.append(f"'{name}' in the {'source' if side == 'pre' else 'target'} group "
                           f"'{group.name}'")
    if missing:
        raise PlasticityError(f"{model.name}: the rule reads neuron variables that the groups do "
                              f"not have: {', '.join(missing)}"
                              + (" (a rate rule connects rate groups: make_neuron or the rate "
                                 "network of protocols/rate_demos.py)" if model.family == "rate"
                                 else ""))


def _place_undeclared(model, numeric: dict, target) -> dict:
    """Constants the synapse equations do not declare per synapse (a rate rule's ``eta``):
    those the synapse code reads go to its namespace (returned); those of the postsynaptic
    group (BCM's ``y0``, ``tau_theta``; ``theta_init`` -> ``theta``) are set on ``target``
    where it has them, and refused in one line where it does not (they would do nothing)."""
    model_text, on_pre, on_post = model.brian2.render(w="w", wunit="1", transmit="")
    declared = {ln.split(":")[0].strip().split("/")[0].lstrip("d") if "/dt" in ln else
                ln.split(":")[0].strip() for ln in model_text.splitlines() if ":" in ln}
    code = " ".join(str(c) for c in (model_text, on_pre, on_post) if c)
    namespace, missing = {}, []
    for name, value in numeric.items():
        if name in declared:
            continue
        post_name = name[:-len("_init")] if name.endswith("_init") else name
        if re.search(rf"\b{name}\b", code):
            namespace[name] = value
        elif post_name in getattr(target, "variables", {}):
            setattr(target, post_name, value)
        else:
            missing.append(post_name)
    if missing:
        raise PlasticityError(f"{model.name}: the target group has no {', '.join(missing)}: "
                              "the rule keeps them on the postsynaptic group (give it their "
                              "equations, as the model's documentation shows)")
    return namespace


def make_neuron(model_name, n, params=None, dt=None, **overrides):
    """The neuron a rule with its own neuron needs (``clopath``: the AdEx neuron with its
    u_bar filters, spike clamp and delay line), ``n`` cells at rest, a ``brian2.NeuronGroup``
    whose namespace holds the parameter set ``params`` with ``overrides``; ``dt``: the
    group's time step (default Brian2's ``defaultclock.dt``).  Connect inputs to it (e.g.
    ``on_pre="v_post += 2*mV"``) and the rule with :func:`make_synapses`.

    ``clopath`` here is not Brian2's own Clopath example (``Clopath_et_al_2010_*.py``), and a
    script ported from it must change more than the synapse line:

    * the neuron is NEST's ``aeif_psc_delta_clopath``: AdEx with a spike clamp (``V_clamp`` for
      ``t_clamp``), after-depolarisation ``z`` and an adaptive threshold ``V_T``; Brian2's
      example has none of these;
    * state names: ``v`` (membrane), ``u_plus`` / ``u_minus`` (the filters ū+, ū−), ``u_bb``
      (ū̄, homeostasis), ``w_ad`` (adaptation); the synapses' ``w`` is a jump of ``w`` mV;
    * to make a cell spike at a chosen time set ``force = 1`` (e.g. ``on_pre="force_post = 1"``
      from a SpikeGeneratorGroup): it fires in that step and the clamp follows.  Raising ``v``
      by a large jump, as Brian2's example does, also works but passes through the integrator;
    * the rule reads ū+ and ū− ``delay_u_bars`` (3 ms) late, as NEST and the authors' code do:
      a spike forced from rest is seen by the LTP term with ū+ still near rest, so a single
      pairing gives almost no LTP; Brian2's example reads the filters without delay.
    """
    model = get_model(model_name)
    if model.brian2_neuron is None:
        raise PlasticityError(f"model '{model_name}' needs no neuron of its own: its synapses "
                              "(make_synapses) go onto any NeuronGroup")
    values = model.resolve(params, overrides)
    neuron, _, _ = model.brian2_neuron(values, n, dt if dt is not None else b2.defaultclock.dt)
    neuron._plasticity_values = values
    return neuron


def _onto_own_neuron(model, source, target, params, transmit, connect, overrides):
    """make_synapses for a rule that reads its neuron's state: ``target`` from make_neuron,
    whose parameters the synapses share."""
    if getattr(target, "_plasticity_values", None) is None or \
            getattr(target, "_plasticity_delayed", None) is None:
        raise PlasticityError(f"model '{model.name}' needs its own neuron, {model.needs_neuron}: "
                              f"make the target with make_neuron('{model.name}', n)")
    if params is not None or overrides or transmit:
        raise PlasticityError(f"{model.name}: the synapses share their neuron's parameters and "
                              "deliver w (mV) to it: give params and overrides to make_neuron, "
                              "and no transmit")
    syn = model.brian2_synapses(source, target, target.clock.dt,
                                synapses_class=PlasticSynapses)
    syn._plasticity_model = model
    syn._plasticity_values = target._plasticity_values
    if connect is not None:
        syn.connect(**connect) if isinstance(connect, dict) else syn.connect(connect)
    return syn


def plastic_synapses(model, source, target, transmit="", shared=None, namespace=None,
                     synapses_class=None, transmit_first=False, **synapses_kwargs):
    """The ``brian2.Synapses`` of ``model`` as this package creates them: with the model's
    post-pathway-first code where it has one (``Brian2Equations.post_first``; ``finalize``, run by
    :func:`set_parameters`, sets that order).  ``shared``: {name: value} constants that become
    namespace constants (``Brian2Equations.render_shared``) instead of per-synapse arrays."""
    wunit = weight_unit_name(model)
    first, transmit = (transmit, "") if transmit_first else ("", transmit)
    if shared is not None:
        eqs, on_pre, on_post, ns = model.brian2.render_shared(
            shared, w="w", wunit=wunit, transmit=transmit, post_first=True)
        namespace = {**(namespace or {}), **ns}
    else:
        eqs, on_pre, on_post = model.brian2.render(w="w", wunit=wunit, transmit=transmit,
                                                   post_first=True)
    if first:           # before the rule's update at the pre spike (Brian2's examples)
        on_pre = {**on_pre, "pre": first + "\n" + on_pre["pre"]} if isinstance(on_pre, dict) \
            else first + "\n" + on_pre
    syn = (synapses_class or b2.Synapses)(source, target, model=eqs, on_pre=on_pre,
                                          on_post=on_post, namespace=namespace,
                                          **synapses_kwargs)
    syn._plasticity_shared = shared is not None
    syn._plasticity_post_first = True
    return syn


def connect_reward(syn, reward_times, readout_times=(), name=None):
    """A neuromodulated rule (``stdp_dopamine``) from a plain Brian2 script (or a PyNN script:
    pass the Projection, see ``pynn_types.connect_reward_pynn``): reward (dopamine)
    spikes at ``reward_times`` reach every synapse of ``syn`` (made by :func:`make_synapses`
    and connected).  The rule stores w, c and n only at events; ``readout_times`` add ticks
    that bring them up to that time, so a ``StateMonitor(syn, "w", when="end")`` is exact at
    those steps (and w at the end of the run is exact if the last tick is there).  Returns the
    reward pathway (a ``brian2.Synapses`` that contains its spike source): keep it in a
    variable (Brian2's ``run`` collects it) or add it to your Network.

        S = make_synapses("stdp_dopamine", pre, post, connect=True)
        reward = connect_reward(S, [1.0] * second, readout_times=[5.0] * second)
    """
    if hasattr(syn, "synapse_type") and hasattr(syn, "_simulator"):      # a PyNN Projection
        from .pynn_types import connect_reward_pynn
        return connect_reward_pynn(syn, reward_times, readout_times)
    model = getattr(syn, "_plasticity_model", None)
    if model is None:
        raise PlasticityError("connect_reward: the synapses must come from make_synapses "
                              "(or be a PyNN Projection of synapse_type)")
    return reward_pathway(syn, model, reward_times, readout_times, name=name,
                          wunit=weight_unit_name(model))


def current_value(syn, name, t=None):
    """The value of state variable ``name`` of every synapse of ``syn`` (from
    :func:`make_synapses`) at time ``t`` (default: now, the synapses' clock), as a Brian2
    quantity in the variable's unit; the synapses are not changed.

    Many rules keep their state only at events: Brian2's event-driven traces (``x_tr``,
    ``r1`` ...) hold their value at the synapse's last spike, Tsodyks–Markram's ``u`` and ``x``
    theirs at the last presynaptic spike, and ``stdp_dopamine``'s ``w``, ``c`` and ``n`` theirs
    at the last spike or dopamine event.  A ``StateMonitor`` of such a variable shows a stale
    value between events; this brings it to ``t`` with the rule's exact solution (the same
    expressions the next event uses).  Variables that are always current (a clock-driven ``w``,
    a parameter) are returned as they are.  ``t`` must not precede any synapse's last event."""
    if hasattr(syn, "synapse_type") and hasattr(syn, "_simulator"):      # a PyNN Projection
        return _projection_current_value(syn, name, t)
    model = getattr(syn, "_plasticity_model", None)
    if model is None:
        raise PlasticityError("current_value: the synapses must come from make_synapses")
    if name not in syn.variables or name.startswith("_"):
        raise PlasticityError(f"current_value: '{name}' is not a variable of these synapses")
    if name in model.brian2.not_current:
        raise PlasticityError(f"current_value: {model.name}'s '{name}' changes at random "
                              "between events: its value is drawn at the next spike")
    now = float(syn.t / b2.second) if t is None else float(b2.Quantity(t) / b2.second)
    state = {k: np.array(v, dtype=float) for k, v in syn.get_states(units=False).items()
             if np.ndim(v) == 1 and len(v) == len(syn)}
    env = {**{k: float(np.asarray(v)) for k, v in syn.namespace.items()
              if isinstance(v, (int, float, b2.Quantity)) and np.size(v) == 1},
           **state, "second": 1.0, "ms": 1e-3, "exp": np.exp, "expm1": np.expm1,
           "clip": np.clip, "sqrt": np.sqrt, "int": lambda a: np.asarray(a, dtype=float)}
    last = [state[k] for k in ("lastupdate", "t_last", "t_upd") if k in state]
    if any(np.any(now < v - 1e-12) for v in last):
        raise PlasticityError(f"current_value: t = {now:g} s precedes a synapse's last event")
    env["t"] = now
    code = model.brian2.current.replace("{w}", "w").replace("{s}", "") \
        if model.brian2.current else ""
    if syn.event_driven is not None and "lastupdate" in state:
        from brian2.stateupdaters.base import StateUpdateMethod
        driven = StateUpdateMethod.apply_stateupdater(syn.event_driven, syn.variables, "exact",
                                                      group_name=syn.name)
        code += "\n" + re.sub(r"\bdt\b", "(t - lastupdate)", driven)
    for line in code.splitlines():
        if line.strip():
            target, expr = (s.strip() for s in line.split("=", 1))
            env[target] = np.broadcast_to(eval(expr, {"__builtins__": {}}, env), (len(syn),))
    return b2.Quantity(np.array(env[name] if name in env else state[name]),
                       dim=syn.variables[name].dim)


def _projection_current_value(projection, name, t):
    """current_value of a PyNN Projection: its weights now, as ``projection.get("weight",
    format="array")`` gives them (PyNN's units), with what NEST applies only at the next pre
    spike applied (``models/nest_readout.py``)."""
    if name != "weight" or t is not None:
        raise PlasticityError("current_value of a PyNN Projection: 'weight', now (no t=)")
    if projection.__class__.__module__.startswith("pyNN.nest"):
        from .nest_readout import current_weights
        return current_weights(projection)
    model = getattr(projection.synapse_type, "plasticity_model", None)
    if model is not None and model.brian2.on_modulator is not None:
        raise PlasticityError("current_value on pyNN.brian2: a reward-modulated weight is "
                              "current at the read-out ticks of connect_reward(..., "
                              "readout_times=...)")
    return np.asarray(projection.get("weight", format="array"), float)


def weight_unit_name(model) -> str:
    """Brian2 equation unit of the weight: '1' or the SI base unit (e.g. 'amp' for pA)."""
    if model.weight_unit is None:
        return "1"
    return repr(b2.get_unit(model.weight_unit.dim))


def initialise(syn, model, values, start=None):
    """The model's parameters (unless shared), initial state and ``w = w_init`` on the synapses
    from index ``start`` on (those a ``connect`` call just created); ``start`` None (standalone,
    where the number of synapses is known only when the project runs): on every synapse."""
    if start is None:
        set_parameters(syn, model.name, values)
        return
    if len(syn) == start:
        return
    new = slice(start, None)
    if not getattr(syn, "_plasticity_shared", False):
        for name, value in model.numeric_values(values).items():
            if name != "w_init" and name in syn.variables:
                getattr(syn, name)[new] = value
    for k, v in model.brian2.initial.items():
        getattr(syn, k)[new] = v
    syn.w[new] = values["w_init"]
    _after_connect(syn, model)


def _after_connect(syn, model):
    """What a model does once its synapses exist (pathway delays, order, per-step code)."""
    hook = getattr(syn, "_plasticity_after_connect", None)
    if hook is not None:
        hook(syn)
    else:
        model.brian2.finalize(syn)


def set_parameters(syn, model_name, values):
    """Set the model parameters, the initial state and w = w_init on connected synapses."""
    model = get_model(model_name)
    if isinstance(get_device(), RuntimeDevice) and len(syn) == 0:   # standalone: known later
        raise PlasticityError("set_parameters: connect the synapses first")
    if not getattr(syn, "_plasticity_shared", False):
        for name, value in model.numeric_values(values).items():
            if name != "w_init" and name in syn.variables:
                setattr(syn, name, value)
    for k, v in model.brian2.initial.items():
        setattr(syn, k, v)
    syn.w = values["w_init"]
    _after_connect(syn, model)
