"""Dudek & Bear (1992): 900 presynaptic pulses at one frequency; LTD at low, LTP at high rates.

Provenance: Dudek SM & Bear MF (1992) PNAS 89:4363 (CA1; 900 pulses at 0.5-50 Hz).  The
protocol (900 pulses at 1, 3, 5, 10 and 50 Hz) is copied from the reference collection
(``dudek_bear_1992_frequency_response``); the measured percentages were not found there
(marked unverified), so this protocol draws model curves without data points.

Schedule: for every frequency in ``freqs_hz`` (default 0.5, 1, 2, 3, 5, 10, 20, 50, 100 Hz: the
paper's frequencies extended for the curve), ``pulses`` presynaptic spikes (default 900) and no
imposed postsynaptic spike: the postsynaptic side is the model's own (Graupner–Brunel: the
presynaptic calcium transients alone; rate rules: a rate neuron driven by the input).
The first pulse is at 100 ms; every condition runs in the same simulation, whose length is set
by the lowest frequency (1800 s at 0.5 Hz).  ``kind = curve`` for all conditions;
``freq_hz`` is the protocol variable.

Devices: every model runs on either Brian2 device (the rate rules through
``plasticity.protocols.run.rate.simulate_rates``: numpy code objects in runtime mode, 10 ms Euler steps).
"""
import numpy as np

from plasticity.models.core import PlasticityError

from .base import Option, Overview, Protocol, Report, parse_hz_list
from .schedule import Condition, Schedule, DT_MS
from .run.rate import run_frequency_protocol

FIRST_MS = 100.0
DEFAULT_FREQS = "0.5,1,2,3,5,10,20,50,100"
PAPER_FREQS = (1.0, 3.0, 5.0, 10.0, 50.0)


def parse_freqs(text):
    return sorted(set(parse_hz_list(text, "dudek_bear_1992", "freqs_hz", "frequencies",
                                    1000.0 / (2 * DT_MS))))


def pulse_times(freq_hz, pulses):
    t = FIRST_MS + (1000.0 / freq_hz) * np.arange(pulses)
    t = np.round(t / DT_MS) * DT_MS
    if np.any(np.diff(t) <= 0):
        raise PlasticityError(f"dudek_bear_1992: {freq_hz:g} Hz is too fast for the "
                              f"{DT_MS:g} ms grid")
    return t


def build(model, values, options, schedule_file=None):
    pulses = int(options["pulses"])
    conds, end = [], 0.0
    for f in parse_freqs(options["freqs_hz"]):
        pre = pulse_times(f, pulses)
        end = max(end, pre[-1])
        conds.append(Condition(f"f={f:g}Hz", pre, np.zeros(0),
                               variables={"freq_hz": f, "kind": "curve"}))
    return Schedule("dudek_bear_1992", float(np.ceil(end + 500.0)), conds,
                    meta={"pulses": pulses}).validate()


def simulate(model, set_name, values, schedule, backend, progress=False):
    """Rate rules run their own rate network (spiking rules use the imposed-spike engine)."""
    return run_frequency_protocol(model, set_name, values, schedule, backend)



REPORT = Report(overviews=(Overview(
    "curves_with_sem", "Dudek & Bear 1992 protocol: 900 pulses (model curves; the measured "
    "values were not found, so no data points)", "models",
    options={"xvar": "freq_hz", "xlabel": "stimulation frequency (Hz)", "logx": True}),))

PROTOCOL = Protocol(
    report=REPORT,
    name="dudek_bear_1992",
    title="Dudek & Bear 1992 frequency response (900 pulses)",
    doc=__doc__,
    families=("calcium", "rate"),
    options=[Option("pulses", 900, "presynaptic pulses per condition", int, 1),
             Option("freqs_hz", DEFAULT_FREQS, "comma-separated stimulation frequencies (Hz)",
                    str)],
    build=build,
    simulate=simulate,
    simulate_for=("rate",),
    standalone=True,
)
