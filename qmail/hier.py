"""The installed tree: every directory and file with its owner, group and mode (hier.c).

The installer creates it and instcheck verifies it from this one description.
Owners and groups are roles (``o`` the owner of binaries, usually root; ``q``
qmailq; ``s`` qmails; ``r`` qmailr; ``a`` alias), resolved through the settings.
"""

from __future__ import annotations

from dataclasses import dataclass

# hier.c's owner and mode for programs in bin/ that are not 0755 root.  hier.c's 0711
# becomes 0755 here: the interpreter must read a script to run it, and our programs
# hold no secret.  The setuid qmail-queue is the compiled wrapper (DESIGN.md 3).
PROGRAM_MODES: dict[str, tuple[str, int]] = {
    "qmail-lspawn": ("o", 0o700),
    "qmail-start": ("o", 0o700),
    "qmail-newu": ("o", 0o700),
    "qmail-newmrh": ("o", 0o700),
}
SETUID_WRAPPER = ("qmail-queue", "q", 0o4711)

QUEUE_SPLIT_DIRS = (("mess", "q", 0o750), ("info", "s", 0o700),
                    ("local", "s", 0o700), ("remote", "s", 0o700))


@dataclass(frozen=True)
class Entry:
    """One path of the tree: kind is d (directory), z (zero-filled file), p (FIFO), f (file)."""

    kind: str
    path: str
    owner: str
    mode: int
    size: int = 0


def queue_entries(split: int) -> list[Entry]:
    """hier_queue(): the queue with its split directories and lock files."""
    entries = [Entry("d", "queue", "q", 0o750),
               Entry("d", "queue/pid", "q", 0o700),
               Entry("d", "queue/intd", "q", 0o700),
               Entry("d", "queue/todo", "q", 0o750),
               Entry("d", "queue/bounce", "s", 0o700)]
    for name, owner, mode in QUEUE_SPLIT_DIRS:
        entries.append(Entry("d", f"queue/{name}", owner, mode))
        entries += [Entry("d", f"queue/{name}/{i}", owner, mode) for i in range(split)]
    entries += [Entry("d", "queue/lock", "q", 0o750),
                Entry("z", "queue/lock/tcpto", "r", 0o644, 1024),
                Entry("z", "queue/lock/sendmutex", "s", 0o600, 0),
                Entry("p", "queue/lock/trigger", "s", 0o622)]
    return entries


def tree_entries(split: int) -> list[Entry]:
    """hier(): the home and its directories (programs and man pages are added by the installer)."""
    entries = [Entry("d", "", "o", 0o755)]
    for d in ("control", "users", "bin", "boot", "doc", "man",
              "man/man1", "man/man5", "man/man7", "man/man8", "lib"):
        entries.append(Entry("d", d, "o", 0o755))
    entries.append(Entry("d", "alias", "a", 0o2755))
    return entries + queue_entries(split)


def program_entry(name: str, wrapped: bool) -> Entry:
    """bin/NAME; ``wrapped`` when qmail-queue is the setuid C wrapper (root installs)."""
    if wrapped and name == SETUID_WRAPPER[0]:
        return Entry("f", f"bin/{name}", SETUID_WRAPPER[1], SETUID_WRAPPER[2])
    owner, mode = PROGRAM_MODES.get(name, ("o", 0o755))
    return Entry("f", f"bin/{name}", owner, mode)
