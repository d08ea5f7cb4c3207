"""Fixtures: private qmail installations made by the real installer.

``qhome`` installs a complete single-user copy (non-root mode: every program runs
as the test's own uid) into a fresh directory, reusing the test environment's
interpreter as its private environment so no test downloads anything.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from qmail import install as installer  # noqa: E402
from qmail.lib.envelope import parse_fields  # noqa: E402

FQDN = "mx.test.example.org"
BASE_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin"}


@dataclass
class Queued:
    """One message as qmail-queue left it: mess/ file and todo/ envelope."""

    inode: int
    message: bytes
    envelope: bytes

    @property
    def fields(self) -> list[bytes]:
        return parse_fields(self.envelope)

    @property
    def sender(self) -> bytes:
        return next(f[1:] for f in self.fields if f[:1] == b"F")

    @property
    def recipients(self) -> list[bytes]:
        return [f[1:] for f in self.fields if f[:1] == b"T"]


class QmailHome:
    """An installed qmail home and ways to drive its programs."""

    def __init__(self, path: Path, fqdn: str = FQDN) -> None:
        self.path = path
        self.fqdn = fqdn

    def run(self, program: str, *args: str, input: bytes = b"",
            env: dict[str, str] | None = None, timeout: float = 60,
            **kw: object) -> subprocess.CompletedProcess:
        """Run bin/PROGRAM with a minimal environment (PATH) plus ``env``."""
        full_env = dict(BASE_ENV, **(env or {}))
        return subprocess.run([str(self.path / "bin" / program), *args], input=input,
                              env=full_env, capture_output=True, timeout=timeout, **kw)

    def control(self, name: str, text: str) -> None:
        (self.path / "control" / name).write_text(text)

    def queue_dir(self, *parts: str) -> Path:
        return self.path.joinpath("queue", *parts)

    def queued(self) -> list[Queued]:
        """Messages waiting in todo/ (not yet seen by qmail-send), oldest inode first."""
        split = self.split
        out = []
        for todo in sorted(self.queue_dir("todo").iterdir(), key=lambda p: int(p.name)):
            inode = int(todo.name)
            mess = self.queue_dir("mess", str(inode % split), str(inode))
            out.append(Queued(inode, mess.read_bytes(), todo.read_bytes()))
        return out

    @property
    def split(self) -> int:
        return int(self.auto()["SPLIT"])

    def auto(self) -> dict[str, object]:
        values: dict[str, object] = {}
        exec((self.path / "lib/python/qmail/auto.py").read_text(), values)
        return values

    def queue_files(self) -> list[str]:
        """Every file under queue/ except the lock files, relative to queue/."""
        root = self.queue_dir()
        found = []
        for dirpath, _, files in os.walk(root):
            for name in files:
                rel = os.path.relpath(os.path.join(dirpath, name), root)
                if not rel.startswith("lock/"):
                    found.append(rel)
        return sorted(found)


def install_home(path: Path, *extra: str, fqdn: str = FQDN,
                 privileged: bool = False) -> QmailHome:
    """Run the real installer for a private home; raises if it fails.

    ``privileged`` installs the privilege-separated system (root only): give the
    user mapping in ``extra`` (``--user``/``--group``, ``--create-users``).
    """
    args = ["--home", str(path), "--venv", sys.prefix, "--fqdn", fqdn, "--no-packages"]
    if not privileged:
        args += ["--single-user", "--no-create-users"]
    proc = subprocess.run([sys.executable, "-m", "qmail.install", *args, *extra], cwd=REPO,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"installer failed: {proc.stdout}{proc.stderr}")
    return QmailHome(path, fqdn)


@pytest.fixture
def qhome(tmp_path: Path) -> QmailHome:
    return install_home(tmp_path / "qmail")


@pytest.fixture
def qhome_factory(tmp_path: Path) -> Callable[..., QmailHome]:
    """install_home with extra installer arguments, e.g. ``qhome_factory("--split", "7")``."""
    count = iter(range(1000))

    def make(*extra: str, fqdn: str = FQDN) -> QmailHome:
        return install_home(tmp_path / f"qmail{next(count)}", *extra, fqdn=fqdn)
    return make


@pytest.fixture
def world_dir() -> Iterator[Path]:
    """A directory other users can traverse (tmp_path is private to root)."""
    path = Path(tempfile.mkdtemp(prefix="qmail-test-", dir="/tmp"))
    os.chmod(path, 0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)
