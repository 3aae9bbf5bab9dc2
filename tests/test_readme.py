"""The README's Python snippets run as written (so they cannot rot)."""
import os
import re
import subprocess
import sys

import pytest

README = os.path.join(os.path.dirname(__file__), "..", "README.md")
SNIPPETS = re.findall(r"```python\n(.*?)```", open(README).read(), re.S)


def test_readme_has_the_three_snippets():
    assert len(SNIPPETS) == 3


@pytest.mark.parametrize("code", SNIPPETS, ids=["brian2", "nest", "pynn"])
def test_readme_snippet_runs(code, tmp_path):
    env = dict(os.environ, PYTHONWARNINGS="ignore", PYNEST_QUIET="1", MPLBACKEND="Agg")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                       cwd=tmp_path, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    last = r.stdout.strip().splitlines()[-1]
    assert last in ("True True", "5 True", "25"), r.stdout
