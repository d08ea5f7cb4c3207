"""make bench: performance figures of a private installation (DESIGN.md section 7).

Installs a single-user copy into a temporary directory (and, as root, a
privilege-separated one, whose qmail-queue goes through the set-user-id wrapper)
and prints what later issues compare against.  Figures are wall-clock times on
this machine; every run also prints the bare interpreter start for scale.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from conftest import BASE_ENV, install_home  # noqa: E402

MESSAGE = (b"From: bench@example.org\nTo: rcpt@example.org\nSubject: bench\n\n"
           + b"x" * 60 + b"\n") * 1
INJECT_COUNT = 500
QUEUE_COUNT = 200


def timed(argv: list[str], stdin: bytes, stdout: int | None = None) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, input=stdin, stdout=stdout if stdout is not None else subprocess.DEVNULL,
                          stderr=subprocess.PIPE, env=BASE_ENV)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{argv[0]} failed ({proc.returncode}): {proc.stderr.decode()}")
    return elapsed


def queue_run(home: Path) -> float:
    r, w = os.pipe()
    os.write(w, b"Fbench@example.org\0Trcpt@example.org\0\0")
    os.close(w)
    try:
        return timed([str(home / "bin/qmail-queue")], MESSAGE, stdout=r)
    finally:
        os.close(r)


def empty_queue(home: Path) -> None:
    for d in ("mess", "intd", "todo"):
        for dirpath, _, files in os.walk(home / "queue" / d):
            for f in files:
                os.unlink(os.path.join(dirpath, f))


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def bench_home(label: str, home: Path) -> None:
    queue_times = [queue_run(home) for _ in range(QUEUE_COUNT)]
    print(f"{label}: qmail-queue median {ms(statistics.median(queue_times))} "
          f"(p90 {ms(sorted(queue_times)[int(QUEUE_COUNT * 0.9)])}, {QUEUE_COUNT} runs)")
    empty_queue(home)
    inject = [str(home / "bin/qmail-inject"), "rcpt@example.org"]
    pair = []
    start = time.perf_counter()
    for _ in range(INJECT_COUNT):
        pair.append(timed(inject, MESSAGE))
    total = time.perf_counter() - start
    print(f"{label}: qmail-inject {INJECT_COUNT / total:.0f} messages/s sequential "
          f"({INJECT_COUNT} messages); qmail-inject + qmail-queue median {ms(statistics.median(pair))}")
    empty_queue(home)


def interpreter_start() -> float:
    python = sys.prefix + "/bin/python3"
    runs = [timed([python, "-I", "-S", "-c", "pass"], b"") for _ in range(50)]
    return statistics.median(runs)


def main() -> None:
    print(f"bare interpreter start (python3 -I -S -c pass): median {ms(interpreter_start())}")
    base = Path(tempfile.mkdtemp(prefix="qmail-bench-", dir="/tmp"))
    os.chmod(base, 0o755)
    try:
        single = install_home(base / "single")
        bench_home("single-user", single.path)
        if os.geteuid() == 0:
            from test_install import privileged_home
            (base / "priv").mkdir()
            os.chmod(base / "priv", 0o755)
            priv = privileged_home(base / "priv")
            bench_home("privileged (set-user-id wrapper)", priv.path)
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
