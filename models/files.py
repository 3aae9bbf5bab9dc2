"""Files that are complete or absent: hidden temporary names that name their writer, the
clean-up of what killed writers left, and integrity stamps for cached build products."""
from __future__ import annotations

import hashlib
import os
import shutil
import socket
import tempfile

HOST = socket.gethostname().replace("-", "_")


def temporary_name(folder: str, prefix: str, suffix: str = "", directory: bool = False) -> str:
    """A new hidden name in ``folder``, ``.<prefix>-<host>-<pid>-…``: :func:`remove_leftovers`
    can then tell a killed writer's file from a running one's.  ``directory``: create the folder
    (else the name is free, nothing is created)."""
    head = f".{prefix}-{HOST}-{os.getpid()}-"
    if directory:
        return tempfile.mkdtemp(prefix=head, suffix=suffix, dir=folder)
    fd, name = tempfile.mkstemp(prefix=head, suffix=suffix, dir=folder)
    os.close(fd)
    os.unlink(name)
    return name


def remove_leftovers(folder: str, prefix: str):
    """Delete what writers on this host that no longer run left in ``folder`` under
    :func:`temporary_name` names with ``prefix`` (files or folders)."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        parts = name.split("-")
        if not name.startswith(f".{prefix}-") or len(parts) < 4 or parts[1] != HOST:
            continue
        if not parts[2].isdigit() or alive(int(parts[2])):
            continue
        path = os.path.join(folder, name)
        try:
            if os.path.isdir(path):
                shutil.rmtree(path)
            else:
                os.unlink(path)
        except OSError:
            pass


def alive(pid: int) -> bool:
    """Whether process ``pid`` runs on this host."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def digest(path: str, algorithm: str = "sha256") -> str:
    """The hex digest of the file ``path`` (read in 1 MB blocks)."""
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def stamp(path: str):
    """Record ``path``'s SHA-256 beside it (``<path>.sha256``)."""
    with open(path + ".sha256", "w") as f:
        f.write(digest(path) + "\n")


def intact(path: str) -> str:
    """'' when ``path`` is as its stamp recorded, else why not (missing, no stamp, changed)."""
    if not os.path.isfile(path):
        return "the file is missing"
    try:
        with open(path + ".sha256") as f:
            expected = f.read().split()[0]
    except (OSError, IndexError):
        return "it has no integrity stamp"
    if digest(path) != expected:
        return "its contents changed since it was built (truncated or overwritten)"
    return ""
