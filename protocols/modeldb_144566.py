"""The authors' own code for Clopath, Büsing, Vasilaki & Gerstner (2010), ported to numpy.

Source: ModelDB 144566, ``VoTriCode/VoTri.m`` (the plasticity rule and the Sjöström protocol),
``VoTriCode/aEIF.m`` (the neuron) and ``VoTriCode/FrequencyDependence.m`` (Fig. 2b), read in
the public snapshot github.com/ModelDBRepository/144566 (commit 8f336a6).  This module is
written from that Matlab source line by line and imports nothing from this package: it is the
independent reference that ``tests/test_clopath_reference.py`` and the report hold the
package's ``clopath`` model against.

What the Matlab code does (``h`` = its step, 1 ms), and where it differs from the paper or from
NEST:

* Forward Euler for everything: ``u += h*udot``, the filters ``u_md``, ``u_mp`` and the
  presynaptic trace ``r`` are updated as ``y(t+1) = y(t) + h/tau (in(t) - y(t))``; the trace jumps
  by ``1/tau_r`` the step after a pre spike.
* The rule reads the filtered potentials three steps late, ``u_md(t-3)``, ``u_mp(t-3)``; LTD is
  ``A_m x(t) [u_md(t-3) - theta_-]_+`` per pre spike, LTP ``A_p [u(t) - theta_+]_+ r(t)
  [u_mp(t-3) - theta_-]_+`` per step (no bounds on w).
* The spike: when u > 20 mV, u is set to 29.4 mV for that step and to 32.862 mV for the next
  (values the author computed once from a finely integrated upswing: "resolution trick"), the
  adaptation is frozen in the second step, and at the start of the third step u = E_L + 21.0984
  mV, ``w += b``, ``w_tail = 400``, ``V_T = V_T_rest + 20``.
* ``b = 0.0805`` is added to an adaptation current that the rest of the equation holds in pA
  (``a (u - E_L)`` with a = 4 nS); the comment says nA.  So the code's spike-triggered
  adaptation is 0.0805 pA, 1000 times smaller than the paper's Table (0.0805 nA = 80.5 pA).
* The presynaptic spikes do not reach the neuron: its only input is the current that forces
  the postsynaptic spikes (1e6 pA for one step).
* Protocol (``VoTri``): 5 pairings at rho with ``x(|Dt|+1:f:end-1)`` and ``y(|Dt|+1+Dt:f:end)``
  (f = 1000/rho, train length ``n f + |Dt| + 1``), the train repeated 15 times every 10 s (10
  times at 0.1 Hz, whose train is already 50 s long).  For Dt < 0 the post train has a sixth
  spike at the end of the train (15 ms after the last pre spike at 40 Hz); the main loop starts
  at t = 4, so the first repetition's first post spike (at index 1) is never seen.

Generalising the step (``h`` other than 1 ms), which the code does not do: every time constant
and delay is kept in ms (the delay is ``round(3/h)`` steps), the clamp lasts 1 ms at 29.4 and 1
ms at 32.862 mV (``round(1/h)`` steps each), potentiation is multiplied by ``h``, and the forcing
current stays 1e6 pA for one step.  At ``h = 1`` every line is the Matlab code's.

The options (``b_pA``, ``clamp_mV``, ``epsp``, ``delay_ms``, ``post_extra``) switch single
differences between the code and the package's ``clopath`` model on and off, one at a time: the
decomposition in the report.
"""
from __future__ import annotations

import math

import numpy as np

# aEIF.m
TH = 20.0           # mV spike detection
C = 281.0           # pF
G_L = 30.0          # nS
E_L = -70.6         # mV
VT_REST = -50.4     # mV
DELTA_T = 2.0       # mV
TAU_W = 144.0       # ms
A_AD = 4.0          # nS
B_CODE = 0.0805     # as written (added to a current held in pA)
W_JUMP = 400.0      # pA after-depolarisation
TAU_WTAIL = 40.0    # ms
TAU_VT = 50.0       # ms
VT_JUMP = 20.0      # mV
V_RESET = E_L + 15 + 6.0984
CLAMP_CODE = (29.4, 29.4 + 3.462)
# VoTri.m / FrequencyDependence.m
PAR = (0.00014, 0.00008, 7.0, 15.0, 10.0)     # A_m, A_p, tau_p, tau_r, tau_d
TETAM = -70.6
TETAP = -45.3
W0 = 0.5
I_FORCE = 1e6       # pA for one step


def spike_trains(rho, dt_pair):
    """``VoTri.m``'s x and y (0/1 per 1 ms index) for pairing frequency ``rho`` (Hz) and lag
    ``dt_pair`` (ms): the whole protocol, repetitions included."""
    n = 5
    f = int(round(1000 / rho))
    length = n * f + abs(dt_pair) + 1
    x = np.zeros(length)
    x[abs(dt_pair):length - 1:f] = 1                     # x(abs(Dt)+1:f:end-1)
    y = np.zeros(length)
    y[abs(dt_pair) + dt_pair:length:f] = 1               # y(abs(Dt)+1+Dt:f:end)
    n_rep = 10 if rho == 0.1 else 15
    pad = max(0, int(1000 / 0.1) - length)
    x = np.tile(np.concatenate([x, np.zeros(pad)]), n_rep)
    y = np.tile(np.concatenate([y, np.zeros(pad)]), n_rep)
    return x, y


def votri(rho, dt_pair, h=1.0, b_pA=B_CODE, clamp_mV=CLAMP_CODE, epsp=False, delay_ms=3.0,
          post_extra=True, jumps_at_onset=False, par=PAR, x=None, y=None, trace=False):
    """Final weight of ``VoTri(rho, Dt, par)`` (initial 0.5), at step ``h`` ms.

    ``b_pA``: the adaptation jump in pA (code: 0.0805; paper: 80.5).  ``clamp_mV``: the spike's
    two 1 ms values (code: 29.4, 32.862).  ``epsp``: the pre spike raises u by w mV (the
    package's synapse; the code has none).  ``post_extra``: keep the code's sixth post spike
    of each train for Dt < 0.  ``x``, ``y``: other spike trains (0/1 per 1 ms index).
    ``trace``: also return u per step."""
    if x is None:
        x, y = spike_trains(rho, int(dt_pair))
        if not post_extra and dt_pair < 0:
            y = paired_posts_only(x, y, int(dt_pair))
    a_m, a_p, tau_p, tau_r, tau_d = par
    per_ms = int(round(1.0 / h))
    if abs(per_ms * h - 1.0) > 1e-12:
        raise ValueError("h must divide 1 ms")
    steps = len(x) * per_ms
    xs = np.zeros(steps)
    ys = np.zeros(steps)
    xs[np.flatnonzero(x) * per_ms] = 1
    ys[np.flatnonzero(y) * per_ms] = 1
    lag = int(round(delay_ms / h))
    # ring of past u_md, u_mp (index t holds the value at step t)
    ring = lag + 2
    u_md = [E_L] * ring
    u_mp = [E_L] * ring
    u, wad, wtail, vt = E_L, 0.0, 0.0, VT_REST
    r = 0.0
    w = W0
    counter = 0                 # steps spent in the clamp (0: not spiking)
    clamp_steps = 2 * per_ms
    exp = math.exp
    us = np.empty(steps) if trace else None
    xs_l = xs.tolist()
    ys_l = ys.tolist()
    start = 3 * per_ms          # Matlab 'for t = 4:l'
    for t in range(start, steps):
        i_tot = ys_l[t] * I_FORCE
        # aEIF.m
        if counter == clamp_steps:
            u = V_RESET
            counter = 0
            if not jumps_at_onset:
                wad += b_pA
                wtail = W_JUMP
                vt = VT_JUMP + VT_REST
        udot = (-G_L * (u - E_L) + G_L * DELTA_T * exp(min((u - vt) / DELTA_T, 700.0))
                - wad + wtail + i_tot) / C
        wdot = (A_AD * (u - E_L) - wad) / TAU_W
        u = u + h * udot
        wad = wad + h * wdot
        wtail = wtail - h * wtail / TAU_WTAIL
        vt = vt + h * (VT_REST - vt) / TAU_VT
        if counter >= 1:
            counter += 1
            u = clamp_mV[0] if counter <= per_ms else clamp_mV[1]
            wad = wad - h * wdot
        if u > TH and counter == 0:
            u = clamp_mV[0]
            counter = 1
            if jumps_at_onset:
                wad += b_pA
                wtail = W_JUMP
                vt = VT_JUMP + VT_REST
        if epsp and xs_l[t]:
            if counter == 0:
                u += w
        if trace:
            us[t] = u
        # VoTri.m (the filters' next values; r(t) before its update is used below)
        md_now = u_md[t % ring]
        mp_now = u_mp[t % ring]
        u_md[(t + 1) % ring] = md_now + h * (u - md_now) / tau_d
        u_mp[(t + 1) % ring] = mp_now + h * (u - mp_now) / tau_p
        r_now = r
        r = r - h * r / tau_r + xs_l[t] / tau_r
        u_sig = u - TETAP if u > TETAP else 0.0
        md = u_md[(t - lag) % ring] - TETAM
        mp = u_mp[(t - lag) % ring] - TETAM
        md_sig = md if md > 0 else 0.0
        mp_sig = mp if mp > 0 else 0.0
        w = w - a_m * xs_l[t] * md_sig + h * a_p * u_sig * r_now * mp_sig
    return (w, us) if trace else w


def paired_posts_only(x, y, dt_pair):
    """The post train without the code's extra spikes: keep a post spike only when a pre spike
    lies ``dt_pair`` ms before it (for Dt < 0 this drops each train's sixth spike)."""
    post = np.flatnonzero(y)
    pre_of = post - dt_pair
    keep = (pre_of >= 0) & (pre_of < len(x))
    keep[keep] = x[pre_of[keep]] > 0
    out = np.zeros_like(y)
    out[post[keep]] = 1
    return out


def change_percent(w):
    """FrequencyDependence.m's read-out: (w - 0.5)/0.5 in %."""
    return 100.0 * (w - W0) / W0
