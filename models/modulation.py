"""The reward (dopamine) pathway of a neuromodulated rule onto a ``brian2.Synapses``: shared by
the plain Brian2 recipe (``brian2_api.connect_reward``) and pyNN.brian2 (``pynn_types``)."""
from __future__ import annotations

import logging
import re

import brian2 as b2
import numpy as np

from .core import PlasticityError


class _OrderIndependentModulator:
    """Brian2 warns ("an abstract code block that may not be well-defined") about the reward
    pathway's code at every run: it writes synapse variables from a pathway whose two sources
    (reward, read-out tick) could hit one synapse in the same step.  The code first brings the
    state to ``t`` (a second advance to the same ``t`` changes nothing) and the reward then
    adds to ``n``: either order gives the same state (with pyNN.brian2's read-out ticks at the
    end of a step, Brian2 runs a step's spikes in the order of the pathway's synapses: the
    reward's first), so this one warning is dropped (only for code that starts with the rule's
    advance, ``h_upd := ... - t_upd_post``)."""

    def filter(self, record):
        message = record.getMessage()
        return not ("may not be well-defined" in message and "h_upd :=" in message and
                    "t_upd_post" in message)


_FILTER = _OrderIndependentModulator()
logging.getLogger("brian2.codegen.generators.base").addFilter(_FILTER)


def reward_pathway(syn, model, reward_times, readout_times=(), name=None, w="w", wunit="1",
                   ticks_at_run_end=False, shift=0.0):
    """The reward pathway of :func:`connect_reward` onto any ``brian2.Synapses`` running
    ``model`` with weight variable ``w`` (PyNN's is ``weight``).  ``ticks_at_run_end``: a
    read-out time T runs in the last step of a run up to T (the step that starts at T - dt)
    and brings the state to T, so that the weight read after ``run(T)`` is exact at T (the
    PyNN convention, where NEST's volume transmitter does the same).  ``shift`` (s): the
    synapses see every event that much later (pyNN.brian2's dendritic delays: pre + d, post +
    2 d): the reward arrives ``shift`` later too and a tick brings the state to T + shift."""
    code = model.brian2.render_modulator(w=w, wunit=wunit)
    if code is None:
        raise PlasticityError(f"connect_reward: model '{model.name}' has no reward input")
    if ticks_at_run_end:            # source 1 (ticks) advances to the end of its step
        code = re.sub(r"\bt\b", f"(t + int(i == 1) * (dt + {shift!r}*second))", code)
    reward = np.atleast_1d(np.asarray(b2.Quantity(reward_times) / b2.second, float))
    ticks = np.atleast_1d(np.asarray(b2.Quantity(readout_times) / b2.second, float))
    dt = float(syn.clock.dt / b2.second)
    idx = np.concatenate([np.zeros(len(reward), int), np.ones(len(ticks), int)])
    steps = np.round(np.concatenate([reward, ticks]) / dt)
    if ticks_at_run_end:
        steps[len(reward):] -= 1
    name = name or f"{syn.name}_reward"
    gen = b2.SpikeGeneratorGroup(2, idx, steps * dt * b2.second, dt=syn.clock.dt,
                                 name=f"{name}_spikes")
    pathway = b2.Synapses(gen, syn, on_pre=code, dt=syn.clock.dt, name=name)
    pathway.connect()
    if shift:
        pathway.delay["i == 0"] = shift * b2.second
    pathway.contained_objects.append(gen)
    return pathway
