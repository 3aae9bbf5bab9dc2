"""Build one protocol network in sPyNNaker against a virtual board and report what the chip holds.

Run by :func:`plasticity.protocols.run.spinnaker_map.map_network` as a separate process whose working directory,
``HOME`` and ``XDG_CONFIG_HOME`` are a temporary folder holding the ``.spynnaker.cfg`` written by
that function: sPyNNaker's configuration and report folders never touch the user's home or cwd.
This file imports nothing from the package (it runs by path, quickly, in its own interpreter).

Input (argv[1], JSON): timestep_ms, duration_ms, delay_ms, receptor, timing {class, params},
weight {class, params}, the plastic sources: pre_times [per source, ms] (SpikeSourceArray) or
pre_poisson {n, rate}, post {cell, n, params}, connections [[i, j, w], ...] (the plastic
synapses), extra_inputs (optional: [{n, rate, receptor, weight}], static Poisson, all-to-all),
neuromodulation (optional: {params, reward_times, weight}).
Output (argv[2], JSON): mapped, reason, cores, sdram_bytes, vertices, ring_buffer_shifts,
weight_scales, weights (read back), versions.
"""
import json
import sys
import traceback


def _cls(sim, name):
    obj = getattr(sim, name, None)
    if obj is None:
        obj = getattr(sim.extra_models, name)
    return obj


def build_and_map(spec):
    import pyNN.spiNNaker as sim
    from spynnaker.pyNN.data import SpynnakerDataView
    import spynnaker

    out = {"mapped": False, "reason": "", "versions": {
        "sPyNNaker": getattr(spynnaker, "__version__", "?")}}
    d = spec["delay_ms"]
    conns = [(int(i), int(j), float(w), d) for i, j, w in spec["connections"]]
    post_spec = spec["post"]
    sim.setup(timestep=spec["timestep_ms"])
    try:
        if "pre_times" in spec:
            pre = sim.Population(len(spec["pre_times"]), sim.SpikeSourceArray(
                spike_times=spec["pre_times"]), label="pre")
        else:
            pre = sim.Population(spec["pre_poisson"]["n"], sim.SpikeSourcePoisson(
                rate=spec["pre_poisson"]["rate"]), label="pre")
        post = sim.Population(post_spec["n"], getattr(sim, post_spec["cell"])(
            **post_spec["params"]), label="post")
        timing = _cls(sim, spec["timing"]["class"])(**spec["timing"]["params"])
        weight = _cls(sim, spec["weight"]["class"])(**spec["weight"]["params"])
        stdp = sim.STDPMechanism(timing_dependence=timing, weight_dependence=weight,
                                 weight=conns[0][2], delay=d)
        proj = sim.Projection(pre, post, sim.FromListConnector(conns), synapse_type=stdp,
                              receptor_type=spec["receptor"], label="plastic")
        for k, extra in enumerate(spec.get("extra_inputs", [])):
            src = sim.Population(extra["n"], sim.SpikeSourcePoisson(rate=extra["rate"]),
                                 label=f"input{k}")
            sim.Projection(src, post, sim.AllToAllConnector(),
                           synapse_type=sim.StaticSynapse(weight=extra["weight"], delay=d),
                           receptor_type=extra["receptor"], label=f"static{k}")
        nm = spec.get("neuromodulation")
        if nm:
            reward = sim.Population(1, sim.SpikeSourceArray(spike_times=nm["reward_times"]),
                                    label="reward")
            sim.Projection(reward, post, sim.AllToAllConnector(),
                           synapse_type=sim.extra_models.Neuromodulation(
                               weight=nm["weight"], **nm["params"]),
                           receptor_type="reward", label="dopamine")
        sim.run(spec["duration_ms"])
        got = {(int(i), int(j)): float(v) for i, j, v in proj.get(["weight"], format="list")}
        out["weights"] = [got.get((i, j)) for i, j, _w, _d in conns]
        steps = int(round(spec["duration_ms"] / spec["timestep_ms"]))
        vertices, sdram = [], 0
        for p in SpynnakerDataView.iterate_placemements():
            label = p.vertex.label or type(p.vertex).__name__
            if label.startswith("SYSTEM"):
                continue
            s = int(p.vertex.sdram_required.get_total_sdram(steps))
            sdram += s
            binary = ""
            try:
                binary = p.vertex.get_binary_file_name()
            except Exception:          # noqa: BLE001 (a vertex without a binary)
                pass
            vertices.append({"label": label, "chip": [p.x, p.y], "core": p.p,
                             "sdram_bytes": s, "binary": binary})
        out["vertices"] = vertices
        out["cores"] = len(vertices)
        out["system_cores"] = SpynnakerDataView.get_n_placements() - len(vertices)
        out["sdram_bytes"] = sdram
        shifts = post._vertex.get_ring_buffer_shifts()
        out["ring_buffer_shifts"] = [int(s) for s in shifts]
        out["weight_scales"] = [float(s) for s in post._vertex.get_weight_scales(shifts)]
        out["synapse_type"] = int(proj._synapse_information.synapse_type)
        out["mapped"] = True
    except Exception as e:        # noqa: BLE001 (sPyNNaker's reason goes into the report)
        lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
        out["reason"] = f"{type(e).__name__}: {lines[0] if lines else ''}"[:400]
        out["traceback"] = traceback.format_exc()[-3000:]
    finally:
        try:
            sim.end()
        except Exception:          # noqa: BLE001
            pass
    return out


def main():
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    out = build_and_map(spec)
    with open(sys.argv[2] + ".part", "w") as f:
        json.dump(out, f)
    import os
    os.replace(sys.argv[2] + ".part", sys.argv[2])


if __name__ == "__main__":
    main()
