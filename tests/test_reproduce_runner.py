"""``make reproduce``'s job runner: jobs in parallel worker processes give the same NIX results
as a direct run, record their timings (cold/warm, device), and a failing job stops the run
with one line naming it."""
import json

import numpy as np
import pytest

import plasticity.analysis.reproduce as reproduce
from plasticity.analysis.load import load_result
from plasticity.models.core import PlasticityError
from plasticity.protocols.api import run_protocol

SMALL_PLAN = (
    ("tsodyks_markram_1998", "tsodyks_markram", ("depressing",), ("brian2", "pynn.nest")),
    ("tsodyks_markram_1998", "tsodyks_markram", ("facilitating",), ("brian2",)),
)


@pytest.fixture
def small_plan(monkeypatch):
    """The plan's one model; the report's SpiNNaker table maps that model's sets only (the
    whole table, every model and set on sPyNNaker's virtual board, is test_spinnaker's)."""
    from plasticity.models import MODELS
    from plasticity.protocols.run import spinnaker_map
    monkeypatch.setattr(reproduce, "PLAN", SMALL_PLAN)
    monkeypatch.setattr(reproduce, "run_rate_demos", lambda: None)
    monkeypatch.setattr(spinnaker_map, "MODELS", {"tsodyks_markram": MODELS["tsodyks_markram"]})


def _w_final(path):
    return np.array([c["w_final"] for c in load_result(str(path))["conditions"]])


def test_parallel_jobs_match_direct_runs_and_record_timings(small_plan, tmp_path):
    out = tmp_path / "results"
    reproduce.reproduce(str(out), device="runtime", workers=2)
    nix = out / "nix"
    names = sorted(p.name for p in nix.iterdir())
    stems = ["tsodyks_markram_1998__tsodyks_markram__depressing__brian2",
             "tsodyks_markram_1998__tsodyks_markram__depressing__pynn.nest",
             "tsodyks_markram_1998__tsodyks_markram__facilitating__brian2"]
    # each NIX file with its summary beside it (what the report reads)
    assert names == sorted([f"{s}.nix" for s in stems] + [f"{s}.summary.json" for s in stems])
    direct = tmp_path / "direct.nix"
    run_protocol("tsodyks_markram_1998", "tsodyks_markram", "facilitating", out=str(direct))
    np.testing.assert_array_equal(
        _w_final(nix / "tsodyks_markram_1998__tsodyks_markram__facilitating__brian2.nix"),
        _w_final(direct))
    assert (out / "index.html").exists()
    if reproduce.available():                  # the report's SpiNNaker table (small_plan)
        rows = json.loads((out / "spinnaker_mapping.json").read_text())
        assert {r["model"] for r in rows} == {"tsodyks_markram"}
    runs = json.loads((out / "timings.json").read_text())["runs"]
    assert len(runs) == 1 and runs[0]["workers"] == 2 and runs[0]["caches"] in ("cold", "warm")
    jobs = {(j["model"], tuple(j["sets"]), j["backend"]): j for j in runs[0]["jobs"]}
    assert set(jobs) == {("tsodyks_markram", ("depressing",), "brian2"),
                         ("tsodyks_markram", ("depressing",), "pynn.nest"),
                         ("tsodyks_markram", ("facilitating",), "brian2")}
    assert all(j["wall_s"] > 0 and j["device"] == "runtime" for j in jobs.values())
    # a second run of the same kind replaces the first (one cold and one warm run are kept)
    reproduce.reproduce(str(out), device="runtime", workers=1)
    runs2 = json.loads((out / "timings.json").read_text())["runs"]
    assert len(runs2) <= 2 and runs2[-1]["workers"] == 1


def test_job_device_falls_back_to_runtime_where_standalone_does_not_apply():
    assert reproduce.job_device(("song_2000", "stdp_pair", ("additive",), "brian2", {}),
                             "cpp_standalone") == "cpp_standalone"
    assert reproduce.job_device(("bi_poo_1998", "stdp_pair", ("additive",), "pynn.nest", {}),
                             "cpp_standalone") == "runtime"
    assert reproduce.job_device(("dudek_bear_1992", "rate_bcm", ("dudek_bear",), "brian2", {}),
                             "cpp_standalone") == "cpp_standalone"
    assert reproduce.job_device(("song_2000", "stdp_pair", ("additive",), "brian2", {}),
                             "runtime") == "runtime"


def test_failing_job_stops_the_run_with_one_line(monkeypatch, tmp_path):
    monkeypatch.setattr(reproduce, "PLAN", (
        ("tsodyks_markram_1998", "tsodyks_markram", ("no_such_set",), ("brian2",)),))
    monkeypatch.setattr(reproduce, "run_rate_demos", lambda: None)
    with pytest.raises(PlasticityError) as err:
        reproduce.reproduce(str(tmp_path / "r"), device="runtime", workers=2)
    msg = str(err.value)
    assert "\n" not in msg and "tsodyks_markram_1998" in msg and "no_such_set" in msg
    assert not (tmp_path / "r" / "timings.json").exists()
    assert list((tmp_path / "r" / "nix").iterdir()) == []


def test_runner_in_a_process_that_already_runs_nest(small_plan, tmp_path):
    """A caller that has started NEST must not fork (NEST hangs in the child): the runner then
    spawns fresh interpreters.  Same files as a direct run."""
    import nest  # noqa: F401
    run_protocol("tsodyks_markram_1998", "tsodyks_markram", "depressing", backend="pynn.nest")
    out = tmp_path / "results"
    reproduce.reproduce(str(out), device="runtime", workers=2)
    assert len(list((out / "nix").glob("*.nix"))) == 3
    assert len(list((out / "nix").glob("*.summary.json"))) == 3
    direct = tmp_path / "direct.nix"
    run_protocol("tsodyks_markram_1998", "tsodyks_markram", "depressing", backend="pynn.nest",
                 out=str(direct))
    np.testing.assert_array_equal(
        _w_final(out / "nix" / "tsodyks_markram_1998__tsodyks_markram__depressing__pynn.nest.nix"),
        _w_final(direct))
