"""izhikevich_2007_network's reward machinery (Brian2 code, so that the protocol also runs in
cpp_standalone): triggers, exact reward delays, the two-slot delay line and its loss count,
checked against a plain-Python queue on imposed spike trains."""
import brian2 as b2
import numpy as np
import pytest

from plasticity.protocols.run.brian2 import brian2_device
from plasticity.protocols.izhikevich_2007_network import reward_machinery


def _run(pre_ms, post_ms, duration_ms, device="runtime"):
    with brian2_device(device, "test_reward_machinery"):
        return _run_on_device(pre_ms, post_ms, duration_ms)


def _run_on_device(pre_ms, post_ms, duration_ms):
    b2.start_scope()
    b2.seed(3)
    dt = 1 * b2.ms
    idx = np.r_[np.zeros(len(pre_ms), int), np.ones(len(post_ms), int)]
    src = b2.SpikeGeneratorGroup(2, idx, np.r_[pre_ms, post_ms] * b2.ms, dt=dt)
    parts = reward_machinery(src, 0, 1, dt)
    det, dopa = parts["detector"], parts["dopamine"]
    trig = b2.SpikeMonitor(det)
    drawn = b2.StateMonitor(det, "r", record=0, when="end")       # r after each reset
    rew = b2.SpikeMonitor(dopa)
    net = b2.Network(src, *parts.values(), trig, drawn, rew)
    net.run(duration_ms * b2.ms)
    t_trig = np.round(np.asarray(trig.t / b2.ms)).astype(int)      # detector step
    r = np.asarray(drawn.r[0])[t_trig]
    return t_trig, r, np.round(np.asarray(rew.t / b2.ms)).astype(int), int(det.lost[0])


def _reference(post_steps, r, end):
    """Plain-Python queue: reward at post + 1000 + r; delay-line synapse r keeps the two most
    recent pending rewards; rewards in one step give one dopamine spike."""
    pending = {}                                  # k -> reward steps still pending
    delivered, lost = set(), 0
    for t_post, k in zip(post_steps, r):
        now = t_post + 2                          # the arm pathway runs two steps later
        queue = [x for x in pending.get(k, []) if x >= now]
        if len(queue) == 2:
            lost += 1
            queue = queue[1:]
        pending[k] = queue + [t_post + 1000 + k]
    for queue in pending.values():
        delivered.update(queue)
    return sorted(x for x in delivered if x < end), lost


def test_trigger_window_and_exact_reward_delay():
    # pre 100, post 100 (same step: no), 119 (19 ms: yes), 120 (20 ms: no); pre 500, post 501;
    # pre and post 900 (no)
    t_trig, r, rewards, lost = _run([100.0, 500.0, 900.0], [100.0, 119.0, 120.0, 501.0, 900.0],
                                    4000.0)
    assert list(t_trig) == [120, 502]                 # one step after the post spike
    assert np.all((r >= 1) & (r <= 2000))
    np.testing.assert_array_equal(rewards, np.sort(t_trig - 1 + 1000 + r))
    assert lost == 0


@pytest.mark.parametrize("device", ["runtime", "cpp_standalone"])
def test_many_triggers_match_a_python_queue(device, tmp_path, monkeypatch):
    # a pre spike every 2 ms, a post spike 1 ms after each: 500 triggers in 1 s, so that some
    # delay-line synapses are armed three times while pending (lost rewards)
    monkeypatch.setenv("PLASTICITY_CACHE_DIR", str(tmp_path))
    pre = np.arange(0.0, 1000.0, 2.0)
    t_trig, r, rewards, lost = _run(pre, pre + 1.0, 4100.0, device)
    assert len(t_trig) == 500
    # r is drawn uniformly on 1..2000: mean 1000.5, sd 577 / sqrt(500) = 26
    assert abs(r.mean() - 1000.5) < 4 * 577.4 / np.sqrt(500)
    expected, expected_lost = _reference(t_trig - 1, r, 4100)
    assert lost == expected_lost
    np.testing.assert_array_equal(rewards, expected)
    assert len(rewards) < 500                          # same-step rewards merged, some lost


def test_same_neuron_never_triggers():
    b2.start_scope()
    src = b2.SpikeGeneratorGroup(1, [0, 0, 0], [10, 15, 30] * b2.ms, dt=b2.ms)
    parts = reward_machinery(src, 0, 0, b2.ms)
    trig = b2.SpikeMonitor(parts["detector"])
    b2.Network(src, *parts.values(), trig).run(100 * b2.ms)
    # pre and post are the same spike train: every post spike sees its own pre spike first
    assert trig.num_spikes == 0
