"""Assemblies in a recurrent E/I network (plasticity.protocols.assemblies): triplet STDP with
normalisation forms them, inhibitory plasticity keeps the network asynchronous and irregular.

Bounds, from five seeds of the default protocol on brian2 (measured: within/between weight
ratio 3.8-20.9 after training, within/rest 4.2-5.0; recall/training ratio 0.989-1.002;
excitatory rate 2.1-2.6 Hz; CV of ISIs 0.91-0.94; mean spike-count correlation 0.003-0.019;
completion ratio 4.2-17.6): each bound sits at half the smallest value seen (ratios >= 1.9,
completion >= 2.1), persistence at 0.9, or at the usual limits of the asynchronous irregular
state (rate 0.5-10 Hz, CV 0.7-1.3, correlation below 0.05).  pynn.nest runs a short version
(2 groups, 5 s phases): the asynchronous irregular state and within > between, the sign the
rule predicts (stimulated groups fire above the rule's crossover rate, about 19 Hz)."""
import pytest

from plasticity.protocols import assemblies as asm
from plasticity.protocols.api import run_protocol


@pytest.fixture(scope="module")
def brian2_run():
    return run_protocol(asm.NAME, "stdp_triplet", "visual_all_to_all_minimal", {}, "brian2",
                        device="cpp_standalone")[1]["conditions"][0]


def test_assemblies_form_and_persist(brian2_run):
    c = brian2_run
    assert c["ratio_within_between_training"] >= 1.9
    assert c["ratio_within_rest_training"] >= 2.1
    assert c["ratio_within_between_recall"] >= 0.9 * c["ratio_within_between_training"]


def test_recall_is_asynchronous_and_irregular(brian2_run):
    c = brian2_run
    assert 0.5 < c["rate_e_recall_hz"] < 10.0
    assert 0.7 < c["cv_isi_recall"] < 1.3
    assert abs(c["mean_pairwise_correlation_recall"]) < 0.05
    assert c["cv_isi_neurons"] > 400 and c["correlation_pairs"] > 100


def test_part_of_an_assembly_recruits_the_rest(brian2_run):
    assert brian2_run["completion_ratio"] >= 2.1


def test_a_refused_model_or_size_reads_plainly():
    from plasticity.models.core import PlasticityError
    with pytest.raises(PlasticityError, match="applies to stdp_triplet"):
        run_protocol(asm.NAME, "stdp_pair", None, {}, "brian2")
    with pytest.raises(PlasticityError, match="assemblies must be 1 .. 10"):
        run_protocol(asm.NAME, "stdp_triplet", None, {"assemblies": "11"}, "brian2")
    with pytest.raises(PlasticityError, match="whole number of stim_s"):
        run_protocol(asm.NAME, "stdp_triplet", None, {"phase_s": "20", "stim_s": "0.3"},
                     "brian2")


def test_the_network_on_pynn_nest_with_two_threads():
    c = run_protocol(asm.NAME, "stdp_triplet", "visual_all_to_all_minimal",
                     {"assemblies": "2", "phase_s": "3", "repeats": "3"}, "pynn.nest",
                     threads=2)[1]["conditions"][0]
    assert 0.5 < c["rate_e_recall_hz"] < 10.0
    assert 0.7 < c["cv_isi_recall"] < 1.3
    assert abs(c["mean_pairwise_correlation_recall"]) < 0.05
    assert c["ratio_within_between_training"] > 1.0
