"""The house rules of the layout, read from the source: imports run down the floors
(models <- protocols <- analysis, the CLI on top), no import cycle, no private name used outside
its module, and the package imports under ``plasticity.*`` from a folder whose own ``models.py``
and ``analysis/`` would shadow bare top-level names."""
import ast
import os
import subprocess
import sys
import textwrap

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FLOORS = {"models": 0, "protocols": 1, "analysis": 2}


def _modules():
    """{dotted name: (path, is_package)} of every module of the three folders."""
    out = {}
    for top in FLOORS:
        for folder, _, files in os.walk(os.path.join(ROOT, top)):
            rel = os.path.relpath(folder, ROOT).split(os.sep)
            for f in files:
                if f.endswith(".py"):
                    parts = ["plasticity", *rel] + ([] if f == "__init__.py" else [f[:-3]])
                    out[".".join(parts)] = (os.path.join(folder, f), f == "__init__.py")
    return out


MODULES = _modules()


def _imports(name):
    """(imported module, names, line) of every in-project import of module ``name``, wherever
    it stands (module level or inside a function)."""
    path, is_pkg = MODULES[name]
    tree = ast.parse(open(path).read())
    package = name if is_pkg else name.rsplit(".", 1)[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if not mod.startswith("plasticity"):
                continue
            for alias in node.names:       # 'from pkg import submodule' imports the submodule
                sub = f"{mod}.{alias.name}"
                out.append((sub if sub in MODULES else mod, alias.name, node.lineno))
        elif isinstance(node, ast.Import):
            out += [(a.name, None, node.lineno) for a in node.names
                    if a.name.startswith("plasticity")]
    return out


def _floor(module):
    return FLOORS[module.split(".")[1]]


def test_every_module_is_found():
    assert "plasticity.protocols.run.brian2" in MODULES
    assert "plasticity.analysis.cli" in MODULES
    assert len(MODULES) > 40


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_run_down_the_floors(name):
    up = [(mod, line) for mod, _, line in _imports(name) if _floor(mod) > _floor(name)]
    assert not up, f"{name} imports a higher floor: {up}"


def test_no_import_cycle():
    graph = {name: {mod for mod, _, _ in _imports(name) if mod in MODULES and mod != name}
             for name in MODULES}
    # a package's __init__ may import its own submodules (it assembles the registry), and a
    # submodule may then use the package's names: the package-submodule edge is not a cycle
    for name in graph:
        graph[name] = {m for m in graph[name]
                       if not (MODULES[m][1] and name.startswith(m + "."))}
    state, stack = {}, []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for m in sorted(graph[n]):
            if state.get(m) == 1:
                raise AssertionError("import cycle: " + " -> ".join(stack[stack.index(m):] + [m]))
            if m not in state:
                visit(m)
        stack.pop()
        state[n] = 2

    for n in sorted(graph):
        if n not in state:
            visit(n)


def _private_uses(name):
    """Private names (``_x``, not dunder) of this project taken from another module: imported
    by name, or read as an attribute of an imported module."""
    path, _ = MODULES[name]
    tree = ast.parse(open(path).read())
    found = []
    aliases = {}
    for mod, imported, line in _imports(name):
        if imported and imported.startswith("_") and not imported.startswith("__"):
            found.append((f"{mod}.{imported}", line))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and \
                (node.level or node.module.startswith("plasticity")):
            for a in node.names:
                aliases[a.asname or a.name] = a.name
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("plasticity"):
                    aliases[a.asname or a.name.split(".")[0]] = a.name
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and \
                node.value.id in aliases and node.attr.startswith("_") and \
                not node.attr.startswith("__"):
            found.append((f"{node.value.id}.{node.attr}", node.lineno))
    return found


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_private_name_crosses_a_module(name):
    assert not _private_uses(name), f"{name}: {_private_uses(name)}"


def test_package_imports_beside_shadowing_folders(tmp_path):
    """A research folder with its own models.py, analysis/ and protocols.py: the user's script
    imports both its own modules and the package, and runs a protocol."""
    (tmp_path / "models.py").write_text("WHO = 'user models'\n")
    (tmp_path / "protocols.py").write_text("WHO = 'user protocols'\n")
    (tmp_path / "analysis").mkdir()
    (tmp_path / "analysis" / "__init__.py").write_text("WHO = 'user analysis'\n")
    script = textwrap.dedent("""
        import analysis, models, protocols
        from plasticity.models import get_model, make_synapses, synapse_type
        from plasticity.protocols.api import run_protocol
        from plasticity.analysis.metrics import window_curve
        result, summary = run_protocol("bi_poo_1998", "stdp_pair",
                                       overrides={"data": "0", "step_ms": "50", "pairs": "2"})
        from plasticity.protocols.bi_poo_1998 import window_dts
        print(models.WHO, analysis.WHO, protocols.WHO, get_model("stdp_pair").name,
              len(summary["conditions"]) == len(window_dts(step=50.0)))
    """)
    (tmp_path / "script.py").write_text(script)
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    r = subprocess.run([sys.executable, "script.py"], cwd=tmp_path, capture_output=True,
                       text=True, env=env, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.split()[-1] == "True"          # one condition per window point
    assert "user models user analysis user protocols stdp_pair" in r.stdout


def test_compare_and_reproduce_draw_the_same_figure_kind(tmp_path, monkeypatch):
    """``plasticity compare`` and ``reproduce``'s report both draw through the one registry: for
    Sjöström results (which once got a Δt window from compare and a frequency plot from
    reproduce) both ask for the protocol's declared kind."""
    from plasticity.analysis import figures, report
    from plasticity.protocols import PROTOCOLS
    from plasticity.protocols.api import run_protocol
    paths = {}
    for b in ("brian2", "pynn.brian2"):
        paths[b] = str(tmp_path / f"sj_{b}.nix")
        run_protocol("sjostrom_2001", "stdp_pair", "additive", {"pairs": "2"}, backend=b,
                     out=paths[b])
    drawn = []
    for kind in list(figures.FIGURES):
        monkeypatch.setitem(figures.FIGURES, kind,
                            lambda rs, out, title, p, _k=kind, **o: drawn.append((_k, p)) or [out])
    figures.compare_files(list(paths.values()), str(tmp_path / "cmp.png"))
    from_compare = list(drawn)
    drawn.clear()
    (tmp_path / "r" / "figures").mkdir(parents=True)
    report.write_report(str(tmp_path / "r"),
                        {("sjostrom_2001", "stdp_pair", "additive", b): p
                         for b, p in paths.items()}, workers=1)
    declared = PROTOCOLS["sjostrom_2001"].report.figure
    assert declared == "frequency"
    assert from_compare == [(declared, "sjostrom_2001")]
    assert (declared, "sjostrom_2001") in drawn           # the backends figure
    assert all(k != "window" for k, _ in drawn)
