"""Tsodyks, Pawelzik & Markram (1998): a 20 Hz presynaptic train and a late recovery spike.

Provenance: Tsodyks M, Pawelzik K & Markram H (1998) Neural Comput 10:821, Fig. 1 (20 Hz
stimulation of depressing and facilitating synapses).  The spike count (``n_spikes``, default
10) and the recovery delays after the last train spike (100, 250, 500, 1000, 2000 ms; one
condition each) are this protocol's choices, not the paper's.

Measurements per condition: the efficacy of every spike (w·u·x, pA), the PSC amplitude ratios
efficacy_n / efficacy_1 (equal to PSC amplitude ratios when PSCs do not overlap), and u, x at
each spike.  No post spikes: the rule has no postsynaptic term.
"""
import numpy as np

from .base import Option, Overview, Protocol, Report
from .schedule import Condition, Schedule, DT_MS

RECOVERY_MS = (100.0, 250.0, 500.0, 1000.0, 2000.0)
FIRST_MS = 100.0


def build(model, values, options, schedule_file=None):
    n, freq = int(options["n_spikes"]), float(options["freq_hz"])
    train = FIRST_MS + np.arange(n) * 1000.0 / freq
    conds = []
    for rec in RECOVERY_MS:
        pre = np.round(np.append(train, train[-1] + rec) / DT_MS) * DT_MS
        conds.append(Condition(f"recovery={rec:g}ms", pre, np.zeros(0),
                               variables={"recovery_ms": rec, "freq_hz": freq, "n_train": n}))
    duration = train[-1] + max(RECOVERY_MS) + 100.0
    return Schedule("tsodyks_markram_1998", float(duration), conds,
                    meta={"freq_hz": freq, "n_spikes": n}).validate()


def measure(result):
    out = []
    for k, c in enumerate(result.schedule.conditions):
        eff = np.asarray(result.spike_state["efficacy"][k], dtype=float)
        out.append({
            "efficacies_pA": eff.tolist(),
            "amplitude_ratios": (eff / eff[0]).tolist() if eff.size and eff[0] else [],
            "u": np.asarray(result.spike_state["u"][k], dtype=float).tolist(),
            "x": np.asarray(result.spike_state["x"][k], dtype=float).tolist(),
        })
    return out



REPORT = Report(
    figure="stp",
    overviews=(Overview("stp", "{p}: {m}, all parameter sets", "{m}__sets", per_model=True),))

PROTOCOL = Protocol(
    report=REPORT,
    name="tsodyks_markram_1998",
    title="Tsodyks, Pawelzik & Markram 1998: 20 Hz train + recovery spike",
    doc=__doc__,
    families=("stp",),
    options=[Option("n_spikes", 10, "spikes in the train", int, 1),
             Option("freq_hz", 20.0, "train frequency (Hz)", float, 1e-3)],
    build=build,
    measure=measure,
)
