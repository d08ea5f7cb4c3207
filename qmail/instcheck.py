"""instcheck: verify an installed tree against hier, in instcheck's words.

Returns the warnings instead of only printing them so the installer can refuse
to call a broken install done.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from qmail import hier

WARNING = "instcheck: warning: "
KIND_BITS = {"d": stat.S_IFDIR, "z": stat.S_IFREG, "f": stat.S_IFREG, "p": stat.S_IFIFO}


def perm(label: str, path: Path, kind: str, uid: int | None, gid: int | None,
         mode: int) -> list[str]:
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return [f"{WARNING}{label} does not exist"]
    except OSError as e:
        return [f"{WARNING}unable to stat .../{label}: {e.strerror}"]
    out = []
    if uid is not None and st.st_uid != uid:
        out.append(f"{WARNING}{label} has wrong owner")
    if gid is not None and st.st_gid != gid:
        out.append(f"{WARNING}{label} has wrong group")
    if stat.S_IMODE(st.st_mode) != mode:
        out.append(f"{WARNING}{label} has wrong permissions")
    if stat.S_IFMT(st.st_mode) != KIND_BITS[kind]:
        out.append(f"{WARNING}{label} has wrong type")
    return out


def load_auto(home: str) -> dict[str, object] | None:
    """The settings an earlier install recorded in auto.py (our own, root-owned file)."""
    path = Path(home) / "lib" / "python" / "qmail" / "auto.py"
    if not path.exists():
        return None
    values: dict[str, object] = {}
    exec(compile(path.read_text(), str(path), "exec"), values)
    return values


def check(home: str) -> list[str]:
    auto = load_auto(home)
    if auto is None:
        return [f"{WARNING}{home}/lib/python/qmail/auto.py does not exist: not installed here"]
    root = bool(auto["ROOT_MODE"])

    def ids(role: str) -> tuple[int | None, int | None]:
        if not root:
            return None, None
        return int(auto[f"UID{role.upper()}"]), int(auto["GIDQ"])  # type: ignore[arg-type]

    problems: list[str] = []
    for e in hier.tree_entries(int(auto["SPLIT"])):  # type: ignore[arg-type]
        label = f"{home}/{e.path}" if e.path else home
        problems += perm(label, Path(home) / e.path, e.kind, *ids(e.owner), e.mode)
    for launcher in sorted((Path(home) / "bin").iterdir()):
        e = hier.program_entry(launcher.name, wrapped=root)
        problems += perm(f".../{e.path}", Path(home) / e.path, e.kind, *ids(e.owner), e.mode)
    python = str(auto["PYTHON"])
    if not os.access(python, os.X_OK):
        problems.append(f"{WARNING}{python} is not an executable interpreter")
    if not (Path(home) / "control" / "me").exists():
        problems.append(f"{WARNING}{home}/control/me does not exist")
    return problems
