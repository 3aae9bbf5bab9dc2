"""spike_trains with a stochastic model at a realistic size (issue 36): NEST's own test of
quantal_stp_synapse drives independent synapses with bursts; 300 conditions x 1000 trials of 42
spikes over 4.5 s once ended in an internal error (a per-step record of every synapse: 108 GB).
The brian2 runner now reads the state at the spike and sample steps only where the per-step
record would not fit (``MONITOR_BYTES``), and refuses, before building anything, a run whose
states at those steps alone would not fit (``STEPPED_BYTES``).  Here a scaled-down scenario takes
that path (the threshold lowered), and equals the per-step record."""
import json

import numpy as np
import pytest

from plasticity.models.core import PlasticityError
from plasticity.protocols.api import run_protocol
from plasticity.protocols.run import brian2 as b2_runner

# NEST's testsuite/pytests/synapses/test_quantal_stp_synapse.py: the burst and its parameters
BURST = [30.0, 60.0, 90.0, 120.0, 150.0, 180.0, 210.0, 240.0, 270.0, 300.0, 330.0, 360.0,
         390.0, 900.0]
NEST_TEST = {"U": 0.03, "tau_rec": "200 ms", "tau_facil": "500 ms", "n_sites": 12,
             "w_init": "1 pA"}


def _schedule(path, conditions, repeats=3):
    pre = [round(r * 1500.0 + t, 1) for r in range(repeats) for t in BURST]
    path.write_text(json.dumps({"duration_ms": 1500.0 * repeats, "conditions": [
        {"label": f"c{k}", "pre": pre, "post": []} for k in range(conditions)]}))
    return str(path)


def _run(schedule, trials, monkeypatch, monitor_bytes):
    monkeypatch.setattr(b2_runner, "MONITOR_BYTES", monitor_bytes)
    _, summary = run_protocol("spike_trains", "quantal_stp", "nest_defaults",
                              {**NEST_TEST, "trials": trials, "seed": 3}, "brian2",
                              schedule_file=schedule)
    return summary["conditions"]


def test_a_run_too_large_to_record_per_step_reads_the_spike_steps(tmp_path, monkeypatch):
    schedule = _schedule(tmp_path / "s.json", conditions=10, repeats=1)
    stepped = _run(schedule, 60, monkeypatch, monitor_bytes=1e5)      # 600 synapses
    recorded = _run(schedule, 60, monkeypatch, monitor_bytes=1e12)
    for a, b in zip(stepped, recorded):
        assert a["mean_released"] == b["mean_released"]               # the same numbers
    z = np.array([c["z_vs_prediction"] for c in stepped])
    assert z.shape == (10, 14)
    # each spike's mean over 60 trials against the binomial prediction n u_k x_k
    assert np.all(np.abs(z) < 4.5), np.abs(z).max()
    mean = np.array([c["mean_released"] for c in stepped]).mean(axis=0)
    assert mean[12] > 2 * mean[0]               # facilitation within the burst (U = 0.03)


def test_a_run_that_cannot_fit_is_refused_before_building(tmp_path, monkeypatch):
    schedule = _schedule(tmp_path / "s.json", conditions=300)
    monkeypatch.setattr(b2_runner, "STEPPED_BYTES", 1e8)
    with pytest.raises(PlasticityError, match=r"300 conditions x 1000 trials = 300000 synapses"
                                              r" read at \d+ spike and sample steps need") as err:
        run_protocol("spike_trains", "quantal_stp", "nest_defaults", NEST_TEST, "brian2",
                     schedule_file=schedule)
    assert "\n" not in str(err.value)
