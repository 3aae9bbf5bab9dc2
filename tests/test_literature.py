"""Layer 3: published data at the tolerances stated in the issue, with the published Pfister &
Gerstner (2006) parameters and 60 pairings / motifs.

* Wang et al. 2005, the ten pair and triplet points: NMSE < 3.5 for every hippocampal set
  (all four share one brian2 simulation).
* Sjöström et al. 2001, the ten ±10 ms points, both digitizations: NMSE < 0.5 for the visual
  all-to-all sets (run on pynn.nest: 600 s of simulated time each; the nearest-spike visual sets
  run on brian2 only and are checked by ``make reproduce``, see results/index.html).
The NMSE is mean(((model - data)/sem)^2) with the data's SEM.
"""
import pytest

import plasticity.protocols.sjostrom_2001 as sj
import plasticity.protocols.wang_2005 as wg
from plasticity.analysis.metrics import compare_points
from plasticity.models import get_model
from plasticity.protocols.api import run_protocol, run_protocol_sets
from plasticity.protocols.base import load_datasets

DATA = load_datasets()
TRIPLET = get_model("stdp_triplet")
HIPPO = [s for s in TRIPLET.parameter_sets if s.startswith("hippocampal")]


def test_wang_2005_hippocampal_sets_nmse_below_3_5():
    summaries = run_protocol_sets("wang_2005", "stdp_triplet", HIPPO, "brian2")
    for s, summary in zip(HIPPO, summaries):
        r = compare_points(summary, DATA[wg.DATASETS[0]], wg.point_label,
                           lambda q: q["condition"]["protocol"] != "quadruplet")
        assert r["n"] == 10
        assert r["nmse"] < 3.5, (s, r["nmse"])


@pytest.mark.parametrize("set_name", ["visual_all_to_all_full", "visual_all_to_all_minimal"])
def test_sjostrom_2001_visual_sets_nmse_below_0_5(set_name):
    _, summary = run_protocol("sjostrom_2001", "stdp_triplet", set_name, {}, "pynn.nest")
    assert summary["options"]["pairs"] == 60
    for name in sj.DATASETS:
        r = compare_points(summary, DATA[name], sj.point_label,
                           lambda q: abs(q["condition"]["dt_ms"]) == 10)
        assert r["n"] == 10
        assert r["nmse"] < 0.5, (set_name, name, r["nmse"])


def test_pair_rule_does_not_fit_sjostrom_frequency_dependence():
    """The literature check can fail: a pair rule (Song's amplitudes) misses the frequency
    dependence (depression at -10 ms stays depression at 40-50 Hz)."""
    _, summary = run_protocol("sjostrom_2001", "stdp_pair", "additive", {}, "pynn.nest")
    r = compare_points(summary, DATA[sj.DATASETS[0]], sj.point_label,
                       lambda q: abs(q["condition"]["dt_ms"]) == 10)
    assert r["nmse"] > 2.0
