"""config-fast: the first control files, derived from this host's fully qualified name.

Unlike qmail's script, which appends, a file that already exists is left as it is:
the installer runs on every upgrade and must never change a control file.
"""

from __future__ import annotations

import os
from pathlib import Path


def default_domain(fqdn: str) -> str:
    """Drop the first label when at least three remain (config-fast's first sed)."""
    labels = fqdn.split(".")
    return ".".join(labels[1:]) if len(labels) >= 3 else fqdn


def plus_domain(fqdn: str) -> str:
    """The last two labels when there are at least three (config-fast's second sed)."""
    labels = fqdn.split(".")
    return ".".join(labels[-2:]) if len(labels) >= 3 else fqdn


def default_fqdn() -> str:
    import socket
    return socket.getfqdn()


def config_fast(home: str, fqdn: str, uid: int | None, gid: int | None) -> list[str]:
    """Write me, defaultdomain, plusdomain, locals, rcpthosts where missing; return those written."""
    fqdn = fqdn.strip().lower()
    if not fqdn or "\n" in fqdn or "/" in fqdn:
        raise ValueError(f"not a host name: {fqdn!r}")
    wanted = {"me": fqdn, "defaultdomain": default_domain(fqdn),
              "plusdomain": plus_domain(fqdn), "locals": fqdn, "rcpthosts": fqdn}
    written = []
    for name, value in wanted.items():
        path = Path(home) / "control" / name
        if path.exists():
            continue
        path.write_text(value + "\n")
        os.chmod(path, 0o644)
        if uid is not None and gid is not None:
            os.chown(path, uid, gid)
        print(f"Putting {value} into control/{name}...")
        written.append(name)
    if "rcpthosts" in written:
        print(f"Now qmail will refuse to accept SMTP messages except to {fqdn}.")
        print("Make sure to change rcpthosts if you add hosts to locals or virtualdomains!")
    return written
