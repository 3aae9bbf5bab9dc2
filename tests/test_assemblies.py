"""Assemblies in a recurrent E/I network (plasticity.protocols.assemblies): triplet STDP with
normalisation forms them, inhibitory plasticity keeps the network asynchronous and irregular.

Bounds, from five seeds of the default protocol on brian2 (measured: within/between weight
ratio 7.7-24.5 after training; recall/training ratio >= 0.98; excitatory rate 2.2-2.8 Hz; CV of
ISIs 0.89-0.95; mean spike-count correlation 0.011-0.024; completion ratio 9.5-16.3): each bound
sits at half the smallest value seen (ratio >= 3, completion >= 2), or at the usual limits of the
asynchronous irregular state (rate 0.5-10 Hz, CV 0.7-1.3, correlation below 0.05)."""
import pytest

from plasticity.protocols import assemblies as asm
from plasticity.protocols.api import run_protocol


@pytest.fixture(scope="module")
def brian2_run():
    return run_protocol(asm.NAME, "stdp_triplet", "visual_all_to_all_minimal", {}, "brian2",
                        device="cpp_standalone")[1]["conditions"][0]


def test_assemblies_form_and_persist(brian2_run):
    c = brian2_run
    assert c["ratio_within_between_training"] >= 3.0
    assert c["ratio_within_rest_training"] >= 3.0
    assert c["ratio_within_between_recall"] >= 0.9 * c["ratio_within_between_training"]


def test_recall_is_asynchronous_and_irregular(brian2_run):
    c = brian2_run
    assert 0.5 < c["rate_e_recall_hz"] < 10.0
    assert 0.7 < c["cv_isi_recall"] < 1.3
    assert abs(c["mean_pairwise_correlation_recall"]) < 0.05
    assert c["cv_isi_neurons"] > 400 and c["correlation_pairs"] > 100


def test_part_of_an_assembly_recruits_the_rest(brian2_run):
    assert brian2_run["completion_ratio"] >= 2.0


def test_a_refused_model_or_size_reads_plainly():
    from plasticity.models.core import PlasticityError
    with pytest.raises(PlasticityError, match="applies to stdp_triplet"):
        run_protocol(asm.NAME, "stdp_pair", None, {}, "brian2")
    with pytest.raises(PlasticityError, match="assemblies must be 1 .. 10"):
        run_protocol(asm.NAME, "stdp_triplet", None, {"assemblies": "11"}, "brian2")
