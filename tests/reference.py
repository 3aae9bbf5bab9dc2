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


def _update_pot(wh, p, x):
    return min(1.0, wh + p["A_plus"] * (1.0 - wh) ** p["mu_plus"] * x)


def _update_dep(wh, p, y):
    return max(0.0, wh - p["A_minus"] * wh ** p["mu_minus"] * y)


def _last_before(times, t):
    earlier = [s for s in times if s < t]
    return max(earlier) if earlier else None


def stdp_nn_symm_reference(pre, post, w0, p):
    """Symmetric nearest neighbour (Morrison 2008 Fig. 7A): each post spike pairs with the
    nearest strictly earlier pre spike, each pre spike with the nearest strictly earlier post
    spike; at equal times potentiation first."""
    tp, tm, wh = p["tau_plus_ms"], p["tau_minus_ms"], w0 / p["w_max"]
    pre, post = list(map(float, pre)), list(map(float, post))
    for t in sorted(set(pre) | set(post)):
        if t in post:
            s = _last_before(pre, t)
            if s is not None:
                wh = _update_pot(wh, p, math.exp(-(t - s) / tp))
        if t in pre:
            s = _last_before(post, t)
            if s is not None:
                wh = _update_dep(wh, p, math.exp(-(t - s) / tm))
    return wh * p["w_max"]


def stdp_nn_pre_centered_reference(pre, post, w0, p):
    """Presynaptic-centred (Fig. 7B): each pre spike pairs with the nearest strictly earlier post
    spike and the nearest strictly later post spike; so a post spike pairs with the pre spikes
    s, t_prev_post <= s < t."""
    tp, tm, wh = p["tau_plus_ms"], p["tau_minus_ms"], w0 / p["w_max"]
    pre, post = list(map(float, pre)), list(map(float, post))
    for t in sorted(set(pre) | set(post)):
        if t in post:
            q = _last_before(post, t)
            x = sum(math.exp(-(t - s) / tp) for s in pre if s < t and (q is None or s >= q))
            wh = _update_pot(wh, p, x)
        if t in pre:
            s = _last_before(post, t)
            if s is not None:
                wh = _update_dep(wh, p, math.exp(-(t - s) / tm))
    return wh * p["w_max"]


def stdp_nn_restr_reference(pre, post, w0, p):
    """Restricted symmetric (Fig. 7C) with NEST's attribution of post spikes to the intervals
    (t_prev_pre, t_pre]: in each interval that holds post spikes, the first one potentiates with
    t_prev_pre (if any) and t_pre depresses with the nearest strictly earlier post spike; post
    spikes after the last pre spike: the first potentiates with it.  Events applied in time
    order (potentiation at the post time, depression at the pre time)."""
    tp, tm = p["tau_plus_ms"], p["tau_minus_ms"]
    pre, post = sorted(map(float, pre)), sorted(map(float, post))
    events = []                     # (time, order, kind, value): order 0 = pot before dep
    prev = None
    for t in pre + [math.inf]:
        inside = [q for q in post if (prev is None or q > prev) and q <= t]
        if inside:
            if prev is not None:
                events.append((inside[0], 0, "pot", math.exp(-(inside[0] - prev) / tp)))
            if t != math.inf:
                s = _last_before(post, t)
                if s is not None:
                    events.append((t, 1, "dep", math.exp(-(t - s) / tm)))
        prev = t
    wh = w0 / p["w_max"]
    for _, _, kind, v in sorted(events):
        wh = _update_pot(wh, p, v) if kind == "pot" else _update_dep(wh, p, v)
    return wh * p["w_max"]


def stdp_triplet_reference(pre, post, w0, p):
    """Pfister & Gerstner (2006) from sums over earlier spikes: all-to-all sums every strictly
    earlier spike, nearest takes only the latest one; the triplet term excludes the spike itself;
    at equal times potentiation first; additive, clipped to [0, w_max]."""
    nearest = p["interaction"] == "nearest"

    def trace(times, t, tau):
        earlier = [s for s in times if s < t]
        if not earlier:
            return 0.0
        if nearest:
            return math.exp(-(t - max(earlier)) / tau)
        return sum(math.exp(-(t - s) / tau) for s in earlier)

    w = w0
    pre, post = list(map(float, pre)), list(map(float, post))
    for t in sorted(set(pre) | set(post)):
        if t in post:
            r1, o2 = trace(pre, t, p["tau_plus_ms"]), trace(post, t, p["tau_y_ms"])
            w = min(p["w_max"], w + r1 * (p["A2_plus"] + p["A3_plus"] * o2))
        if t in pre:
            o1, r2 = trace(post, t, p["tau_minus_ms"]), trace(pre, t, p["tau_x_ms"])
            w = max(0.0, w - o1 * (p["A2_minus"] + p["A3_minus"] * r2))
    return w


def stdp_power_law_reference(pre, post, w0, p):
    """Morrison et al. (2007) power law, w in pA (w0 = 1 pA): all-to-all sums, potentiation first
    at equal times."""
    w = w0
    pre, post = list(map(float, pre)), list(map(float, post))
    for t in sorted(set(pre) | set(post)):
        if t in post:
            x = sum(math.exp(-(t - s) / p["tau_plus_ms"]) for s in pre if s < t)
            w = w + p["lam"] * w ** p["mu"] * x
        if t in pre:
            y = sum(math.exp(-(t - s) / p["tau_minus_ms"]) for s in post if s < t)
            w = max(0.0, w - p["lam"] * p["alpha"] * w * y)
    return w


REFERENCES = {"stdp_pair": None, "stdp_nn_symm": stdp_nn_symm_reference,
              "stdp_nn_pre_centered": stdp_nn_pre_centered_reference,
              "stdp_nn_restr": stdp_nn_restr_reference, "stdp_triplet": stdp_triplet_reference,
              "stdp_power_law": stdp_power_law_reference}


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
        elif isinstance(v, str):
            out[k] = v
        else:
            out[k] = float(v)
    return out


REFERENCES["stdp_pair"] = stdp_pair_reference


# ---------------------------------------------------------------------------------------------
# Graupner & Brunel 2012: exact calcium, rho by an adaptive ODE solver between threshold
# crossings (written from the paper's equations; sigma = 0)
# ---------------------------------------------------------------------------------------------
def gb_calcium(t, pre, post, p):
    """c(t) as the sum of exponentials (pre transients delayed by D); t, spikes and D in ms."""
    t = np.asarray(t, float)[:, None]
    c = np.zeros(t.shape[0])
    for times, amp, delay in ((pre, p["Cpre"], p["D_ms"]), (post, p["Cpost"], 0.0)):
        s = np.asarray(times, float)[None, :] + delay
        if s.size:
            c += (amp * np.exp(-(t - s) / p["tau_Ca_ms"]) * (t >= s)).sum(axis=1)
    return c


def gb_rho_reference(pre, post, rho0, t_end, p):
    """rho(t_end) for sigma = 0: between calcium events c decays monotonically, so the times at
    which it crosses theta_d and theta_p are solved exactly (t_k + tau_Ca ln(c_k / theta));
    rho is integrated piecewise with scipy's solve_ivp (rtol 1e-11) on intervals where the
    threshold indicators are constant.  Thresholds strict (c > theta).  Returns (rho, number of
    downward threshold crossings); upward crossings happen at events, which lie on the grid."""
    from scipy.integrate import solve_ivp
    tau_ca = p["tau_Ca_ms"]
    events = sorted([(t + p["D_ms"], p["Cpre"]) for t in pre] + [(t, p["Cpost"]) for t in post])
    tau = p["tau_ms"]

    def f(_, r, hd, hp):
        r = r[0]
        return [(-r * (1 - r) * (p["rho_star"] - r) + p["gamma_p"] * (1 - r) * hp
                 - p["gamma_d"] * r * hd) / tau]

    # breakpoints: events and threshold crossings
    points, c, t_last, n_cross = [], 0.0, 0.0, 0
    for k, (te, amp) in enumerate(events + [(t_end, 0.0)]):
        for theta in (p["theta_d"], p["theta_p"]):
            if c > theta:
                tc = t_last + tau_ca * math.log(c / theta)
                if tc < te:
                    points.append(tc)
                    n_cross += 1
        c = c * math.exp(-(te - t_last) / tau_ca) + amp
        t_last = te
        points.append(te)
    points = sorted(set(q for q in points if 0.0 <= q <= t_end))
    rho, t0 = rho0, 0.0
    for t1 in points:
        if t1 <= t0:
            continue
        mid = gb_calcium([0.5 * (t0 + t1)], pre, post, p)[0]
        hd, hp = float(mid > p["theta_d"]), float(mid > p["theta_p"])
        sol = solve_ivp(f, (t0, t1), [rho], args=(hd, hp), rtol=1e-11, atol=1e-13)
        rho, t0 = sol.y[0, -1], t1
    return rho, n_cross
