"""The README's Python scripts run as written (so they cannot rot): the plain Brian2, NEST and
PyNN sections, one script per rule family.  Each script's last line prints only checks of
what it shows (all must read True); a PyNN script marked ``# or pyNN.brian2`` runs on both
backends.  Brian2 runs with the numpy code-generation target here (a ``brian_preferences``
file in the script's folder, read by Brian2 at import): each script is a new process, and the
numbers do not depend on the target; a user's default (Cython) compiles once and caches."""
import os
import re
import subprocess
import sys

import pytest

README = os.path.join(os.path.dirname(__file__), "..", "README.md")
TEXT = open(README).read()
FAMILIES = ("STDP", "Triplet STDP", "Short-term plasticity", "Voltage", "Calcium", "Reward",
            "Inhibitory", "Stochastic", "Scaling")


def _section(title):
    start = TEXT.index(f"## {title}\n")
    end = TEXT.find("\n## ", start + 1)
    return TEXT[start:end if end > 0 else None]


def _scripts(title):
    """[(family, code)] of a section: each script follows its bold family label."""
    return re.findall(r"^\*\*([^*]+)\*\*[^\n]*(?:\n[^\n`]+)*\n\n```python\n(.*?)```",
                      _section(title), re.S | re.M)


CASES = [(f"brian2-{fam}", code) for fam, code in _scripts("Using a model from plain Brian2")]
CASES += [("nest", re.findall(r"```python\n(.*?)```", _section("Using a model from plain NEST"),
                              re.S)[0])]
CASES += [(f"nestml-{k}", code) for k, code in enumerate(re.findall(
    r"```python\n(.*?)```", _section("Rules NEST does not ship: NESTML built here, and your own "
                                      "rule"), re.S))]
for fam, code in _scripts("Using a model from plain PyNN"):
    backend = re.search(r"^import pyNN\.(\w+) as sim(.*)$", code, re.M)
    CASES.append((f"pynn.{backend.group(1)}-{fam}", code))
    if "or pyNN.brian2" in backend.group(2):
        CASES.append((f"pynn.brian2-{fam}", code.replace(backend.group(0),
                                                        "import pyNN.brian2 as sim")))


@pytest.mark.parametrize("section", ["Using a model from plain Brian2",
                                     "Using a model from plain PyNN"])
def test_one_script_per_rule_family(section):
    assert [fam for fam, _ in _scripts(section)] == list(FAMILIES)


@pytest.mark.parametrize("code", [c for _, c in CASES], ids=[i for i, _ in CASES])
def test_readme_script_runs(code, tmp_path):
    (tmp_path / "brian_preferences").write_text("codegen.target = 'numpy'\n")
    env = dict(os.environ, PYTHONWARNINGS="ignore", PYNEST_QUIET="1", MPLBACKEND="Agg")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                       cwd=tmp_path, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    last = r.stdout.strip().splitlines()[-1].split()
    assert last and all(word == "True" for word in last), r.stdout[-2000:]
