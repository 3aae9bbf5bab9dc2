"""Independent pure-Python references, written from the rules' mathematics (not from the code
under test): all-to-all sums over earlier spikes instead of traces, events in time order."""
import math

import numpy as np


def stdp_pair_reference(pre, post, w0, p):
    """NEST stdp_synapse semantics: each spike pairs with strictly earlier partner spikes; at
    equal times potentiation (post) is applied before depression (pre)."""
    wmax = p["w_max"]
    tp, tm = p["tau_plus_ms"], p["tau_minus_ms"]
    wh = w0 / wmax
    pre, post = list(map(float, pre)), list(map(float, post))
    for t in sorted(set(pre) | set(post)):
        if t in post:
            x = sum(math.exp(-(t - ti) / tp) for ti in pre if ti < t)
            wh = min(1.0, wh + p["A_plus"] * (1.0 - wh) ** p["mu_plus"] * x)
        if t in pre:
            y = sum(math.exp(-(t - tj) / tm) for tj in post if tj < t)
            wh = max(0.0, wh - p["A_minus"] * wh ** p["mu_minus"] * y)
    return wh * wmax


def tsodyks_markram_reference(pre, w, U, tau_rec, tau_facil):
    """Efficacies w*u_n*x_n of Tsodyks, Pawelzik & Markram (1998) for spike times ``pre``."""
    out, u, x, last = [], U, 1.0, None
    for t in pre:
        if last is not None:
            h = t - last
            decay_u = math.exp(-h / tau_facil) if tau_facil > 0 else 0.0
            x = 1.0 + (x - u * x - 1.0) * math.exp(-h / tau_rec)
            u = U + u * (1.0 - U) * decay_u
        out.append(w * u * x)
        last = t
    return np.array(out)


def plain(values):
    """Resolved model values -> floats: times in ms (``<name>_ms``), currents in pA, else as is."""
    from brian2 import Quantity, get_dimensions, ms, pA
    out = {}
    for k, v in values.items():
        if isinstance(v, Quantity) and get_dimensions(v) is get_dimensions(ms):
            out[k + "_ms"] = float(v / ms)
        elif isinstance(v, Quantity) and get_dimensions(v) is get_dimensions(pA):
            out[k] = float(v / pA)
        else:
            out[k] = float(v)
    return out
