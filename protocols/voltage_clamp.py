"""Voltage clamp: presynaptic stimulation while the postsynaptic membrane is held at a voltage.

The Artola–Bröcher–Singer (1990) observation in the form Clopath et al. (2010) reproduce: no
change below a first threshold, depression between the two thresholds, potentiation above the
second.  For the Clopath rule with the membrane held at V (so u_bar_minus = u_bar_plus = V)
every presynaptic spike changes the weight by exactly

    dw = A_LTP [V - theta_+]_+ [V - theta_-]_+ S  -  A_LTD [V - theta_-]_+,
    S = (dt/tau_x) e^{-dt/tau_x} / (1 - e^{-dt/tau_x})

(S is the per-step sum of the trace 1/tau_x e^{-t/tau_x} times dt, from the step after the
spike on; ~1 for dt << tau_x): zero below theta_-, LTD between theta_- and theta_+, LTP above
theta_+ + A_LTD / (A_LTP S) (-43.56 mV for the published set).  The protocol reports the model's
values; ``tests/test_clopath.py`` checks them against this expression.

Schedule: ``pulses`` presynaptic spikes (default 50) at ``freq_hz`` (default 10 Hz) from 100 ms;
one condition per holding potential from ``v_min`` to ``v_max`` (default -80 to -35 mV) in
``v_step`` (default 1 mV) steps, all in one simulation; 500 ms after the last pulse for the
trace to decay.  No postsynaptic spike.  Protocol variable: ``clamp_mV``.
"""
import numpy as np

from plasticity.models.core import PlasticityError

from .run import clopath as clopath_runner
from .base import Option, Protocol, Report
from .schedule import Condition, Schedule, DT_MS

FIRST_MS = 100.0


def build(model, values, options, schedule_file=None):
    lo, hi, step = float(options["v_min"]), float(options["v_max"]), float(options["v_step"])
    if not lo <= hi:
        raise PlasticityError("voltage_clamp: v_min must be <= v_max")
    n = int(np.floor((hi - lo) / step + 1e-9)) + 1
    if n > 1000:
        raise PlasticityError("voltage_clamp: more than 1000 holding potentials")
    pre = FIRST_MS + 1000.0 / float(options["freq_hz"]) * np.arange(int(options["pulses"]))
    pre = np.round(pre / DT_MS) * DT_MS
    if np.any(np.diff(pre) <= 0):
        raise PlasticityError("voltage_clamp: freq_hz is too high for the 0.1 ms grid")
    conds = []
    for v in np.round(lo + step * np.arange(n), 6):
        conds.append(Condition(f"V={v:g}mV", pre, np.zeros(0),
                               variables={"clamp_mV": float(v), "kind": "curve"}))
    return Schedule("voltage_clamp", float(pre[-1] + 500.0), conds,
                    meta={"pulses": int(options["pulses"]),
                          "freq_hz": float(options["freq_hz"])}).validate()



REPORT = Report(figure="clamp")

PROTOCOL = Protocol(
    report=REPORT,
    name="voltage_clamp",
    title="Presynaptic stimulation under voltage clamp (Artola-Bröcher-Singer shape)",
    doc=__doc__,
    families=("voltage",),
    options=[Option("pulses", 50, "presynaptic pulses", int, 1),
             Option("freq_hz", 10.0, "pulse frequency (Hz)", float, 1e-3),
             Option("v_min", -80.0, "lowest holding potential (mV)", float),
             Option("v_max", -35.0, "highest holding potential (mV)", float),
             Option("v_step", 1.0, "holding potential step (mV)", float, 0.01)],
    build=build,
    simulate=clopath_runner.simulate,
    standalone=True,
)
