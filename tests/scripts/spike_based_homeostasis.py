"""Brian2's ``examples/advanced/spike_based_homeostasis.py`` (brian-team/brian2, commit
f4c85cd8) with its plastic synapse written by hand (``hand``) or declared once with
``define_rule`` and made with ``make_synapses`` (``rule``; ``shared``: its constants in the
namespace, as the hand-written synapse has them).  Prints the variant, the wall time of the
simulation (the code compiled before, by a 1 ms run) and the final plastic weight::

    python spike_based_homeostasis.py hand|rule|shared [SECONDS]

Brian2's code-generation target: its default (Cython), or PLASTICITY_BRIAN2_TARGET.
"""
import os
import sys
import time

import brian2 as b2
from brian2 import Hz, NeuronGroup, PoissonGroup, Synapses, TimedArray, ms, second

variant = sys.argv[1]
duration = float(sys.argv[2]) if len(sys.argv) > 2 else 40.0
if os.environ.get("PLASTICITY_BRIAN2_TARGET"):
    b2.prefs.codegen.target = os.environ["PLASTICITY_BRIAN2_TARGET"]
b2.seed(1)
b2.defaultclock.dt = 0.1 * ms
params = {"tau": 10 * ms, "dw_plus": 0.05, "dw_minus": 0.05, "w_max": 2}
steady = TimedArray([50] * Hz, dt=40 * second)
varying = TimedArray([25 * Hz, 50 * Hz, 0 * Hz, 35 * Hz, 0 * Hz], dt=10 * second)
steady_poisson = PoissonGroup(1, rates="steady(t)")
varying_poisson = PoissonGroup(1, rates="varying(t)")
neuron = NeuronGroup(1, "dv/dt = (0 - v)/tau : 1 (unless refractory)", threshold="v > 1",
                     reset="v = -1", method="euler", refractory=1 * ms, namespace=params)
if variant == "hand":
    plastic = Synapses(steady_poisson, neuron, "w : 1",
                       on_pre="v_post += w\nw = clip(w + dw_plus, 0, w_max)",
                       on_post="w = clip(w - dw_minus, 0, w_max)", namespace=params)
    plastic.connect()
    plastic.w = 0
else:
    from plasticity.models import define_rule, make_synapses, rule_param
    src = "Brian2 examples/advanced/spike_based_homeostasis.py"
    define_rule("spike_homeostasis", "spike-based homeostasis (Breitwieser)",
                params={"dw_plus": rule_param("0.05", "increment at a pre spike", src,
                                              weight=True),
                        "dw_minus": rule_param("0.05", "decrement at a post spike", src,
                                               weight=True),
                        "w_max": rule_param("2", "upper bound", src, weight=True)},
                traces={}, on_pre="w = clip(w + dw_plus, 0, w_max)",
                on_post="w = clip(w - dw_minus, 0, w_max)",
                w_init=rule_param("0", "initial weight", src, weight=True))
    # the example delivers before the update: transmit_order="before_update"
    plastic = make_synapses("spike_homeostasis", steady_poisson, neuron,
                            transmit="v_post += w", transmit_order="before_update",
                            connect=True, shared=variant == "shared")
static = Synapses(varying_poisson, neuron, "w : 1", on_pre="v_post += w")
static.connect()
static.w = 2
monitor = b2.StateMonitor(plastic, "w", record=True)
net = b2.Network(steady_poisson, varying_poisson, neuron, plastic, static, monitor)
net.run(1 * ms)
start = time.perf_counter()
net.run(duration * second)
print(variant, f"{time.perf_counter() - start:.2f}", repr(float(plastic.w[0])))
