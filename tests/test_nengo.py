"""The package's rate_oja and rate_bcm against Nengo's own rules on the same inputs
(plasticity.protocols.nengo_crosscheck: the parameter mapping and the derived tolerance are in
its documentation)."""
import numpy as np
import pytest

pytest.importorskip("nengo")

from plasticity.protocols import nengo_crosscheck as nc
from plasticity.protocols.api import run_protocol


@pytest.mark.parametrize("model,set_name", [("rate_oja", "demo"), ("rate_bcm", "selectivity")])
def test_package_follows_nengo_to_rounding(model, set_name, tmp_path):
    summary = run_protocol(nc.NAME, model, set_name, {}, "brian2",
                           out=str(tmp_path / "n.nix"))[1]
    c = summary["conditions"][0]
    assert c["steps"] * nc.ROUNDING_PER_STEP == c["tolerance"]
    assert c["max_abs_difference"] <= c["tolerance"]
    # the weights moved far beyond the tolerance: the agreement is not that of a still rule
    w_pkg = np.array([c[f"w_package_{k}"] for k in range(c["n_weights"])])
    assert np.abs(w_pkg[:, -1] - w_pkg[:, 0]).max() > 1e6 * c["tolerance"]


def test_a_wrong_mapping_is_seen():
    """Nengo's Oja with beta = 0.5 (forgetting halved) leaves the package's trajectory at once."""
    x, w0 = nc.inputs_for("rate_oja", 1)
    x = x[:2000]
    a = nc.nengo_weights("rate_oja", x, w0, 1.0, 1e-3)
    b = nc.nengo_weights("rate_oja", x, w0, 1.0, 1e-3, beta=0.5)
    assert np.abs(a - b).max() > 1e3 * nc.ROUNDING_PER_STEP * len(x)
