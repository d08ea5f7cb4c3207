"""The installer behind ``make setup``: qmail's INSTALL.ids, ``make setup``, config-fast
and instcheck in one run, safe to repeat.

Run from the source tree as root with the system interpreter::

    /usr/bin/python3 -m qmail.install [--home /var/qmail] [--fqdn NAME] ...

It records the chosen settings in ``<home>/lib/python/qmail/auto.py``, the one place
programs learn their home and ids from (qmail compiles them in; the environment
is never consulted).  A second run reads those settings back, replaces programs
and leaves control files, users, aliases and the queue alone.
"""

from __future__ import annotations

import argparse
import grp
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from qmail import hier, instcheck

SOURCE = Path(__file__).resolve().parent.parent
# Roles of conf-users and conf-groups, in qmail's order, with qmail's default names.
USER_ROLES = (("a", "alias"), ("d", "qmaild"), ("l", "qmaill"), ("o", "root"),
              ("p", "qmailp"), ("q", "qmailq"), ("r", "qmailr"), ("s", "qmails"))
GROUP_ROLES = (("q", "qmail"), ("n", "nofiles"))
USER_GROUP = {"a": "n", "d": "n", "l": "n", "p": "n", "q": "q", "r": "q", "s": "q"}
DEBIAN_PACKAGES = {"svscan": "daemontools", "tcpserver": "ucspi-tcp", "cc": "gcc"}


class InstallError(Exception):
    """Something the administrator must fix; the message says what."""


@dataclass
class Settings:
    """What qmail fixes at compile time (conf-*), chosen here at install time."""

    home: str = "/var/qmail"
    users: dict[str, str] = field(default_factory=lambda: dict(USER_ROLES))
    groups: dict[str, str] = field(default_factory=lambda: dict(GROUP_ROLES))
    split: int = 23
    spawn: int = 120
    patrn: int = 0o002
    brk: str = "-"
    root_mode: bool = True
    venv: str = ""

    def uid(self, role: str) -> int:
        return pwd.getpwnam(self.users[role]).pw_uid

    def gid(self, role: str) -> int:
        return grp.getgrnam(self.groups[role]).gr_gid

    @property
    def libdir(self) -> Path:
        return Path(self.home) / "lib" / "python"

    @property
    def python(self) -> str:
        return str(Path(self.venv) / "bin" / "python3")


def auto_source(s: Settings, site: str) -> str:
    """The text of qmail/auto.py: the settings as Python constants."""
    lines = ['"""Written by the installer (qmail.install): the settings qmail compiles in."""',
             f"QMAIL = {s.home!r}", f"SPLIT = {s.split}", f"SPAWN = {s.spawn}",
             f"PATRN = 0o{s.patrn:03o}", f"BREAK = {s.brk!r}",
             f"ROOT_MODE = {s.root_mode}", f"PYTHON = {s.python!r}",
             f"VENV = {s.venv!r}", f"SITE = {site!r}"]
    for role, _ in USER_ROLES:
        lines.append(f"USER{role.upper()} = {s.users[role]!r}")
        lines.append(f"UID{role.upper()} = {s.uid(role)}")
    for role, _ in GROUP_ROLES:
        lines.append(f"GROUP{role.upper()} = {s.groups[role]!r}")
        lines.append(f"GID{role.upper()} = {s.gid(role)}")
    return "\n".join(lines) + "\n"


def settings_from_args(args: argparse.Namespace) -> Settings:
    home = os.path.abspath(args.home)
    prev = instcheck.load_auto(home)
    s = Settings(home=home, root_mode=os.geteuid() == 0 and not args.single_user)
    if prev:
        s.users = {r: str(prev[f"USER{r.upper()}"]) for r, _ in USER_ROLES}
        s.groups = {r: str(prev[f"GROUP{r.upper()}"]) for r, _ in GROUP_ROLES}
        s.split, s.spawn = int(prev["SPLIT"]), int(prev["SPAWN"])  # type: ignore[arg-type]
        s.patrn, s.brk = int(prev["PATRN"]), str(prev["BREAK"])  # type: ignore[arg-type]
        s.root_mode = bool(prev["ROOT_MODE"])
    elif not s.root_mode:
        me, mygroup = pwd.getpwuid(os.getuid()).pw_name, grp.getgrgid(os.getgid()).gr_name
        s.users = {r: me for r, _ in USER_ROLES}
        s.groups = {r: mygroup for r, _ in GROUP_ROLES}
    for spec in args.user:
        role, name = parse_mapping(spec, dict(USER_ROLES))
        s.users[role] = name
    for spec in args.group:
        role, name = parse_mapping(spec, dict(GROUP_ROLES))
        s.groups[role] = name
    if args.split is not None:
        s.split = args.split
    if args.spawn is not None:
        s.spawn = args.spawn
    if args.patrn is not None:
        s.patrn = int(args.patrn, 8)
    if args.brk is not None:
        s.brk = args.brk
    if args.venv:
        s.venv = os.path.abspath(args.venv)
    elif prev:
        s.venv = str(prev["VENV"])
    else:
        s.venv = os.path.join(home, "venv")
    validate(s)
    return s


def parse_mapping(spec: str, roles: dict[str, str]) -> tuple[str, str]:
    """``qmailq=mailq`` (by default name) or ``q=mailq`` (by role letter)."""
    key, sep, name = spec.partition("=")
    if not sep or not name:
        raise InstallError(f"bad mapping {spec!r}: expected ROLE=NAME")
    by_default = {v: k for k, v in roles.items()}
    role = key if key in roles else by_default.get(key)
    if role is None:
        raise InstallError(f"unknown role {key!r}: one of {', '.join(roles.values())}")
    return role, name


def validate(s: Settings) -> None:
    if not 1 <= s.split <= 1000:
        raise InstallError("split must be between 1 and 1000")
    if not 1 <= s.spawn <= 255:
        raise InstallError("spawn must be between 1 and 255 (qmail's silent concurrency limit)")
    if len(s.brk) != 1:
        raise InstallError("the user-ext delimiter must be one character")


# ---------------------------------------------------------------- system set-up


def install_packages() -> None:
    """Debian packages the system needs, installed only if their command is missing."""
    missing = sorted({pkg for cmd, pkg in DEBIAN_PACKAGES.items() if not shutil.which(cmd)})
    if not missing:
        return
    print(f"installing Debian packages: {' '.join(missing)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True, env=env)


def ensure_ids(s: Settings) -> None:
    """INSTALL.ids: create the qmail groups and users that do not exist yet."""
    for role, name in s.groups.items():
        try:
            grp.getgrnam(name)
        except KeyError:
            print(f"creating group {name}")
            subprocess.run(["groupadd", "--system", name], check=True)
    for role, name in s.users.items():
        try:
            pwd.getpwnam(name)
        except KeyError:
            home = os.path.join(s.home, "alias") if role == "a" else s.home
            print(f"creating user {name}")
            subprocess.run(["useradd", "--system", "-g", s.groups[USER_GROUP[role]],
                            "-d", home, "-M", "-s", "/usr/sbin/nologin", name], check=True)


def check_ids(s: Settings) -> None:
    for role, name in s.users.items():
        try:
            pwd.getpwnam(name)
        except KeyError:
            raise InstallError(f"user {name} does not exist (use --create-users or --user)")
    for role, name in s.groups.items():
        try:
            grp.getgrnam(name)
        except KeyError:
            raise InstallError(f"group {name} does not exist (use --create-users or --group)")


# ---------------------------------------------------------------- the tree


def set_owner_mode(path: Path, e: hier.Entry, s: Settings) -> None:
    if s.root_mode:
        os.lchown(path, s.uid(e.owner), s.gid("q"))
    os.chmod(path, e.mode)


def make_entry(e: hier.Entry, s: Settings) -> None:
    """Create one path of hier if missing; fix owner and mode of directories and locks."""
    path = Path(s.home) / e.path
    if e.kind == "d":
        path.mkdir(exist_ok=True)
    elif e.kind == "p":
        if not path.exists():
            os.mkfifo(path)
    elif e.kind == "z":
        if not path.exists():
            path.write_bytes(b"\0" * e.size)
    set_owner_mode(path, e, s)


def write_atomic(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Replace ``path`` in one rename so a running program never sees half a file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".inst.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def copy_tree(src: Path, dst: Path, suffixes: tuple[str, ...]) -> set[Path]:
    """Copy files of ``src`` with the given suffixes into ``dst``; return what was written."""
    written = set()
    for root, dirs, files in os.walk(src):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        rel = Path(root).relative_to(src)
        (dst / rel).mkdir(parents=True, exist_ok=True)
        os.chmod(dst / rel, 0o755)
        for name in files:
            if name.endswith(suffixes) and name != "auto.py":
                target = dst / rel / name
                write_atomic(target, (Path(root) / name).read_bytes())
                written.add(target)
    return written


def remove_stale(dst: Path, keep: set[Path]) -> None:
    """Drop modules an earlier version installed that this one no longer has."""
    for root, dirs, files in os.walk(dst):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in files:
            path = Path(root) / name
            if name.endswith(".py") and path not in keep and name != "auto.py":
                path.unlink()


def ensure_venv(s: Settings, base_python: str) -> str:
    """The private environment with the pinned dependencies; returns its site-packages."""
    pins = read_pins()
    stamp = Path(s.venv) / "qmail-pins.txt"
    if not Path(s.python).exists():
        print(f"creating the Python environment {s.venv}")
        subprocess.run([base_python, "-m", "venv", s.venv], check=True)
    if not stamp.exists() or stamp.read_text() != "\n".join(pins) + "\n":
        print("installing pinned dependencies: " + " ".join(pins))
        subprocess.run([s.python, "-m", "pip", "install", "-q", "--disable-pip-version-check",
                        *pins], check=True)
        stamp.write_text("\n".join(pins) + "\n")
    out = subprocess.run([s.python, "-I", "-c",
                          "import sysconfig; print(sysconfig.get_path('purelib'))"],
                         check=True, capture_output=True, text=True)
    return out.stdout.strip()


def read_pins() -> list[str]:
    """install_requires of setup.cfg: the single list of pinned dependencies."""
    import configparser
    cfg = configparser.ConfigParser()
    cfg.read(SOURCE / "setup.cfg")
    return [line.strip() for line in cfg["options"]["install_requires"].splitlines()
            if line.strip()]


def launcher_text(template: str, s: Settings, site: str) -> str:
    """A bin/ launcher for this home: its interpreter and library paths filled in."""
    lines = template.splitlines(keepends=True)
    lines[0] = f"#!{s.python} -IS\n"
    lines[1] = f"import sys; sys.path[:0] = [{str(s.libdir)!r}, {site!r}]\n"
    return "".join(lines)


def build_wrapper(s: Settings, script: Path, target: Path) -> None:
    """Compile the set-user-id front for qmail-queue (the project's only C)."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if not cc:
        raise InstallError("no C compiler: install gcc (make setup does it as root)")
    tmp = target.with_name(".qmail-queue.new")
    subprocess.run([cc, "-O2", "-o", str(tmp), f'-DPYTHON="{s.python}"',
                    f'-DSCRIPT="{script}"', str(SOURCE / "qmail" / "qmail-queue-wrapper.c")],
                   check=True)
    entry = hier.program_entry("qmail-queue", wrapped=True)
    set_owner_mode(tmp, entry, s)
    os.replace(tmp, target)


def install_programs(s: Settings, site: str) -> list[str]:
    """The package, auto.py, launchers, wrapper and man pages; returns program names."""
    pkg = s.libdir / "qmail"
    s.libdir.mkdir(parents=True, exist_ok=True)
    os.chmod(s.libdir, 0o755)
    written = copy_tree(SOURCE / "qmail", pkg, (".py", ".c"))
    write_atomic(pkg / "auto.py", auto_source(s, site).encode())
    written.add(pkg / "auto.py")
    remove_stale(pkg, written)
    subprocess.run([s.python, "-I", "-m", "compileall", "-q", str(pkg)], check=True)
    programs = sorted(p.name for p in (SOURCE / "bin").iterdir() if p.is_file())
    for name in programs:
        text = launcher_text((SOURCE / "bin" / name).read_text(), s, site)
        target = Path(s.home) / "bin" / name
        if name == "qmail-queue" and s.root_mode:
            script = Path(s.home) / "lib" / "qmail-queue"
            write_atomic(script, text.encode(), 0o644)
            build_wrapper(s, script, target)
            continue
        entry = hier.program_entry(name, wrapped=False)
        write_atomic(target, text.encode(), entry.mode)
        set_owner_mode(target, entry, s)
    install_man(s)
    return programs


def install_man(s: Settings) -> None:
    for page in sorted((SOURCE / "docs").glob("*.[1578]")):
        section = page.suffix[1:]
        write_atomic(Path(s.home) / "man" / f"man{section}" / page.name, page.read_bytes())


# ---------------------------------------------------------------- main


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="qmail-install", description=__doc__.split("\n")[0])
    p.add_argument("--home", default="/var/qmail", help="install home (conf-qmail)")
    p.add_argument("--fqdn", help="this host's fully qualified name for config-fast")
    p.add_argument("--user", action="append", default=[], metavar="ROLE=NAME",
                   help="map a qmail user (alias qmaild qmaill root qmailp qmailq qmailr qmails)")
    p.add_argument("--group", action="append", default=[], metavar="ROLE=NAME",
                   help="map a qmail group (qmail nofiles)")
    p.add_argument("--single-user", action="store_true",
                   help="non-root mode: no chown, no set-user-id; every program runs as the caller")
    p.add_argument("--create-users", action=argparse.BooleanOptionalAction, default=None,
                   help="create missing users and groups (default: when root)")
    p.add_argument("--packages", action=argparse.BooleanOptionalAction, default=None,
                   help="apt-get the Debian packages needed (default: when root)")
    p.add_argument("--venv", help="use this existing Python environment instead of <home>/venv")
    p.add_argument("--python", default="/usr/bin/python3" if os.path.exists("/usr/bin/python3")
                   else sys.executable, help="interpreter the environment is built from")
    p.add_argument("--split", type=int, help="conf-split (23)")
    p.add_argument("--spawn", type=int, help="conf-spawn (120)")
    p.add_argument("--patrn", help="conf-patrn in octal (002)")
    p.add_argument("--break", dest="brk", help="conf-break, the user-ext delimiter (-)")
    p.add_argument("--check", action="store_true", help="only verify the tree (instcheck)")
    return p.parse_args(argv)


def install(args: argparse.Namespace) -> Settings:
    from qmail import configfast
    os.umask(0o022)
    s = settings_from_args(args)
    is_root = os.geteuid() == 0
    if args.packages if args.packages is not None else is_root:
        install_packages()
    if args.create_users if args.create_users is not None else is_root:
        ensure_ids(s)
    check_ids(s)
    for e in hier.tree_entries(s.split):
        make_entry(e, s)
    site = ensure_venv(s, args.python)
    install_programs(s, site)
    configfast.config_fast(s.home, args.fqdn or configfast.default_fqdn(),
                           s.uid("o") if s.root_mode else None,
                           s.gid("q") if s.root_mode else None)
    problems = instcheck.check(s.home)
    if problems:
        raise InstallError("instcheck found problems:\n" + "\n".join(problems))
    return s


def main(argv: list[str] | None = None) -> None:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        if args.check:
            problems = instcheck.check(os.path.abspath(args.home))
            for line in problems:
                print(line, file=sys.stderr)
            sys.exit(111 if problems else 0)
        s = install(args)
    except InstallError as e:
        print(f"qmail-install: fatal: {e}", file=sys.stderr)
        sys.exit(111)
    except subprocess.CalledProcessError as e:
        print(f"qmail-install: fatal: {' '.join(map(str, e.cmd))} failed with exit {e.returncode}",
              file=sys.stderr)
        sys.exit(111)
    print(f"qmail installed in {s.home} ({'privilege-separated' if s.root_mode else 'single-user'})")


if __name__ == "__main__":
    main()
