"""A PyNN user's script: imposed pre and post spikes, a plastic synapse with delay d, on
pyNN.nest or pyNN.brian2; prints the final weights.  Run by tests/test_user_scripts.py:
``python delay_pairing.py BACKEND DELAY_SEMANTICS DELAY_MS``.

The pre cell emits at t_pre and the post cell fires at t_post = t_pre + dt on both backends
(NEST: spike source -> parrot, 0.1 ms; Brian2: the source itself for pre, source -> relay cell,
2 steps, for post); three pairings per condition, then one pre spike long after (NEST applies
potentiation at the next pre spike).
"""
import importlib
import sys

import numpy as np

from plasticity.models import synapse_type
from plasticity.models.pynn_types import (IMPOSED, PLASTIC, brian2_relay_cell_class,
                                          nest_parrot_cell_class)

backend, semantics, delay = sys.argv[1], sys.argv[2], float(sys.argv[3])
sim = importlib.import_module("pyNN." + backend)
sim.setup(timestep=0.1, min_delay=0.1, max_delay=20.0)
DTS = [-15.0, -7.3, -2.0, 3.0, 6.6, 12.0]
n = len(DTS)
pre_t = [np.array([20.0 + 200.0 * k for k in range(3)] + [3000.0]) for _ in DTS]
post_t = [np.array([20.0 + 200.0 * k + dt for k in range(3)]) for dt in DTS]
one_to_one = sim.OneToOneConnector()
static = sim.StaticSynapse(weight=1.0, delay=0.1)
if backend == "nest":
    cell = nest_parrot_cell_class()
    pre_src = sim.Population(n, sim.SpikeSourceArray(spike_times=[t - 0.1 for t in pre_t]))
    post_src = sim.Population(n, sim.SpikeSourceArray(spike_times=[t - 0.1 for t in post_t]))
    pre, post = sim.Population(n, cell()), sim.Population(n, cell())
    sim.Projection(pre_src, pre, one_to_one, static, receptor_type=IMPOSED)
else:
    pre = sim.Population(n, sim.SpikeSourceArray(spike_times=pre_t))
    post_src = sim.Population(n, sim.SpikeSourceArray(spike_times=[t - 0.2 for t in post_t]))
    post = sim.Population(n, brian2_relay_cell_class()())
sim.Projection(post_src, post, one_to_one, static, receptor_type=IMPOSED)
# the line a user changes: the package's synapse type
syn = synapse_type("stdp_pair", sim, params="additive", weight=0.0075, delay=delay,
                   delay_semantics=semantics)
proj = sim.Projection(pre, post, one_to_one, syn, receptor_type=PLASTIC)
sim.run(3100.0)
w = proj.get("weight", format="array")
print(" ".join(f"{w[k, k]:.15g}" for k in range(n)))
sim.end()
