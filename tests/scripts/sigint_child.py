"""Fault injection for tests/test_faults.py: run the command line (the arguments after the first
two) and deliver one SIGINT to this process ``delay`` seconds after the engine (``brian2``:
the first ``Network.run``; ``nest``: the first ``Simulate`` of pyNN.nest) starts simulating:
what a Ctrl-C in a terminal does, at a known point of the run.

    python sigint_child.py brian2|nest DELAY_S run PROTOCOL ...
"""
import os
import signal
import sys
import threading

from plasticity.analysis.console import route_logs  # noqa: E402

engine, delay, argv = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
route_logs()        # (as main() does first: the simulators' import-time warnings go to the log)
fired = []


def fire():
    if not fired:
        fired.append(1)
        threading.Timer(delay, lambda: os.kill(os.getpid(), signal.SIGINT)).start()


if engine == "brian2":
    import brian2
    original = brian2.Network.run

    def run(self, *args, **kwargs):
        fire()
        return original(self, *args, **kwargs)
    brian2.Network.run = run
else:
    import nest
    import pyNN.nest.simulator as pynn_nest_simulator

    class Proxy:        # (the nest module refuses new attributes; pyNN.nest gets a proxy)
        def __getattr__(self, name):
            value = getattr(nest, name)
            if name != "Simulate":
                return value

            def simulate(*args, **kwargs):
                fire()
                return value(*args, **kwargs)
            return simulate
    pynn_nest_simulator.nest = Proxy()

from plasticity.analysis.cli import main  # noqa: E402

sys.exit(main(argv))
