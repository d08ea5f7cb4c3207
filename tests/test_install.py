"""The installer: qmail's tree, owners and modes, config-fast, instcheck, idempotence,
and (as root) the privilege-separated system with real distinct users."""

from __future__ import annotations

import grp
import os
import pwd
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import BASE_ENV, REPO, QmailHome, install_home
from test_queue import RECEIVED, run_queue

IS_ROOT = os.geteuid() == 0
# Test ids, created by the installer itself (INSTALL.ids) when missing.
TEST_USERS = {"alias": "qtalias", "qmaild": "qtmaild", "qmaill": "qtmaill", "qmailp": "qtmailp",
              "qmailq": "qtmailq", "qmailr": "qtmailr", "qmails": "qtmails"}
TEST_GROUPS = {"qmail": "qtqmail", "nofiles": "qtnofile"}

needs_root = pytest.mark.skipif(not IS_ROOT and os.environ.get("CI") != "true",
                                reason="needs root: real distinct qmail users")


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def installer(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qmail.install", *args], cwd=REPO,
                          capture_output=True, text=True)


def test_tree_has_hier_modes(qhome: QmailHome) -> None:
    q = qhome.path
    assert mode(q) == 0o755
    assert mode(q / "alias") == 0o2755
    assert mode(q / "queue") == 0o750
    for d, m in (("pid", 0o700), ("intd", 0o700), ("todo", 0o750), ("bounce", 0o700),
                 ("lock", 0o750)):
        assert mode(q / "queue" / d) == m, d
    for d, m in (("mess", 0o750), ("info", 0o700), ("local", 0o700), ("remote", 0o700)):
        assert mode(q / "queue" / d) == m
        assert sorted(os.listdir(q / "queue" / d), key=int) == [str(i) for i in range(23)]
        assert all(mode(q / "queue" / d / str(i)) == m for i in range(23))
    trigger = q / "queue/lock/trigger"
    assert stat.S_ISFIFO(os.lstat(trigger).st_mode) and mode(trigger) == 0o622
    assert (q / "queue/lock/tcpto").read_bytes() == b"\0" * 1024
    assert mode(q / "queue/lock/tcpto") == 0o644
    assert (q / "queue/lock/sendmutex").read_bytes() == b"" and mode(q / "queue/lock/sendmutex") == 0o600
    for d in ("control", "users", "bin", "boot", "doc", "man", "man/man8"):
        assert mode(q / d) == 0o755
    assert mode(q / "bin/qmail-inject") == 0o755
    assert (q / "man/man8/qmail-queue.8").exists()


def test_config_fast_control_files(qhome: QmailHome) -> None:
    c = qhome.path / "control"
    assert (c / "me").read_text() == "mx.test.example.org\n"
    assert (c / "defaultdomain").read_text() == "test.example.org\n"
    assert (c / "plusdomain").read_text() == "example.org\n"
    assert (c / "locals").read_text() == "mx.test.example.org\n"
    assert (c / "rcpthosts").read_text() == "mx.test.example.org\n"
    assert all(mode(c / f) == 0o644 for f in os.listdir(c))


@pytest.mark.parametrize("fqdn,ddom,pdom", [
    ("host.example", "host.example", "host.example"),
    ("a.b.c.d", "b.c.d", "c.d"),
    ("single", "single", "single"),
])
def test_config_fast_domains(qhome_factory, fqdn: str, ddom: str, pdom: str) -> None:
    home = qhome_factory(fqdn=fqdn)
    c = home.path / "control"
    assert (c / "defaultdomain").read_text() == ddom + "\n"
    assert (c / "plusdomain").read_text() == pdom + "\n"


def test_settings_recorded_for_programs(qhome_factory) -> None:
    home = qhome_factory("--split", "7", "--break", "+", "--patrn", "022")
    auto = home.auto()
    assert (auto["QMAIL"], auto["SPLIT"], auto["BREAK"], auto["PATRN"]) == (
        str(home.path), 7, "+", 0o022)
    assert sorted(os.listdir(home.path / "queue/mess"), key=int) == [str(i) for i in range(7)]
    # The launcher names the private interpreter in isolated mode and finds its library.
    first = (home.path / "bin/qmail-queue").read_text().splitlines()[:2]
    assert first[0] == f"#!{auto['PYTHON']} -IS"
    assert repr(str(home.path / "lib/python")) in first[1]
    assert run_queue(home, b"x\n", b"Fa@b\0Tc@d\0\0") == 0
    [q] = home.queued()
    assert q.inode % 7 == int(next(p for p in os.listdir(home.path / "queue/mess")
                                   if os.listdir(home.path / "queue/mess" / p)))


def test_environment_cannot_redirect_programs(qhome: QmailHome, tmp_path: Path) -> None:
    """PYTHONPATH, PYTHONHOME and friends must not steer an installed program."""
    evil = tmp_path / "evil" / "qmail"
    evil.mkdir(parents=True)
    marker = tmp_path / "marker"
    (evil / "__init__.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    (evil / "auto.py").write_text("QMAIL = '/nonexistent'\n")
    env = dict(BASE_ENV, PYTHONPATH=str(tmp_path / "evil"), PYTHONSTARTUP=str(marker),
               PYTHONINSPECT="1", PYTHONHOME="/nonexistent")
    r_env, w_env = os.pipe()
    os.write(w_env, b"Fa@b\0Tc@d\0\0")
    os.close(w_env)
    proc = subprocess.run([str(qhome.path / "bin/qmail-queue")], input=b"x\n", stdout=r_env,
                          env=env, timeout=30)
    os.close(r_env)
    assert proc.returncode == 0
    assert not marker.exists()
    assert len(qhome.queued()) == 1


def test_rerun_keeps_control_files_queue_and_settings(qhome: QmailHome) -> None:
    (qhome.path / "control/me").write_text("changed.example\n")
    (qhome.path / "control/locals").unlink()
    assert run_queue(qhome, b"keep me\n", b"Fa@b\0Tc@d\0\0") == 0
    before = qhome.queued()
    launcher = qhome.path / "bin/qmail-inject"
    launcher.write_text("stale\n")
    r = installer("--home", str(qhome.path), "--no-packages", "--no-create-users",
                  "--fqdn", "other.example.net")
    assert r.returncode == 0, r.stderr
    assert (qhome.path / "control/me").read_text() == "changed.example\n"
    # A missing control file is written again from the name given now.
    assert (qhome.path / "control/locals").read_text() == "other.example.net\n"
    assert [(q.inode, q.message, q.envelope) for q in qhome.queued()] == [
        (q.inode, q.message, q.envelope) for q in before]
    assert launcher.read_text().startswith("#!")  # programs are upgraded
    assert qhome.auto()["ROOT_MODE"] is False  # the recorded mode is kept


def test_instcheck_reports_wrong_modes(qhome: QmailHome) -> None:
    os.chmod(qhome.path / "queue", 0o777)
    os.unlink(qhome.path / "queue/lock/trigger")
    r = installer("--home", str(qhome.path), "--check")
    assert r.returncode == 111
    lines = r.stderr.splitlines()
    assert f"instcheck: warning: {qhome.path}/queue has wrong permissions" in lines
    assert f"instcheck: warning: {qhome.path}/queue/lock/trigger does not exist" in lines
    # Running the installer again repairs both.
    r = installer("--home", str(qhome.path), "--no-packages", "--no-create-users")
    assert r.returncode == 0, r.stderr
    assert installer("--home", str(qhome.path), "--check").returncode == 0


def test_bad_user_mapping_is_refused(tmp_path: Path) -> None:
    r = installer("--home", str(tmp_path / "q"), "--single-user", "--no-packages",
                  "--user", "nosuchrole=x", "--fqdn", "a.b.c")
    assert r.returncode == 111
    assert "qmail-install: fatal: unknown role 'nosuchrole'" in r.stderr
    r = installer("--home", str(tmp_path / "q"), "--single-user", "--no-packages",
                  "--no-create-users", "--user", "qmailq=no-such-user-here", "--fqdn", "a.b.c")
    assert r.returncode == 111
    assert "user no-such-user-here does not exist" in r.stderr


# ---------------------------------------------------------------- as root


def privileged_home(base: Path) -> QmailHome:
    mapping = [f"--user={role}={name}" for role, name in TEST_USERS.items()]
    mapping += [f"--group={role}={name}" for role, name in TEST_GROUPS.items()]
    return install_home(base / "qmail", "--create-users", *mapping, privileged=True)


def as_user(name: str):
    pw = pwd.getpwnam(name)

    def drop() -> None:
        os.setgroups([])
        os.setgid(pw.pw_gid)
        os.setuid(pw.pw_uid)
    return drop


@needs_root
def test_privileged_install_owners_and_modes(world_dir: Path) -> None:
    home = privileged_home(world_dir)
    q = home.path
    uid = {role: pwd.getpwnam(name).pw_uid for role, name in TEST_USERS.items()}
    gid_qmail = grp.getgrnam(TEST_GROUPS["qmail"]).gr_gid

    def owned(path: str, role: str | None, m: int) -> None:
        st = os.lstat(q / path)
        assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (
            uid[role] if role else 0, gid_qmail, m), path

    owned("", None, 0o755)
    owned("alias", "alias", 0o2755)
    owned("queue", "qmailq", 0o750)
    owned("queue/mess/0", "qmailq", 0o750)
    owned("queue/info/22", "qmails", 0o700)
    owned("queue/bounce", "qmails", 0o700)
    owned("queue/lock/tcpto", "qmailr", 0o644)
    owned("queue/lock/sendmutex", "qmails", 0o600)
    owned("queue/lock/trigger", "qmails", 0o622)
    owned("bin/qmail-queue", "qmailq", 0o4711)
    owned("control/me", None, 0o644)
    assert installer("--home", str(q), "--check").returncode == 0


@needs_root
def test_missing_users_and_groups_are_created_as_install_ids_says(world_dir: Path) -> None:
    tag = os.urandom(3).hex()
    users = {role: f"qc{tag}{suffix}" for role, suffix in zip(TEST_USERS, "adlpqrs")}
    groups = {"qmail": f"qc{tag}q", "nofiles": f"qc{tag}n"}
    home = world_dir / "qmail"
    try:
        mapping = [f"--user={r}={n}" for r, n in users.items()]
        mapping += [f"--group={r}={n}" for r, n in groups.items()]
        install_home(home, "--create-users", *mapping, privileged=True)
        for role, name in users.items():
            pw = pwd.getpwnam(name)
            group = groups["qmail"] if role in ("qmailq", "qmailr", "qmails") else groups["nofiles"]
            assert grp.getgrgid(pw.pw_gid).gr_name == group, role
            assert pw.pw_dir == str(home / "alias" if role == "alias" else home)
            assert pw.pw_shell == "/usr/sbin/nologin"
        # A second run finds them and creates nothing.
        r = installer("--home", str(home), "--no-packages")
        assert r.returncode == 0 and "creating" not in r.stdout
    finally:
        for name in users.values():
            subprocess.run(["userdel", name], capture_output=True)
        for name in groups.values():
            subprocess.run(["groupdel", name], capture_output=True)


@needs_root
def test_ordinary_user_queues_through_setuid_wrapper(world_dir: Path) -> None:
    home = privileged_home(world_dir)
    nobody = pwd.getpwnam("nobody")
    code = run_queue(home, b"Subject: from nobody\n\nhi\n", b"Fnobody@x\0Troot@y\0\0",
                     preexec=as_user("nobody"))
    assert code == 0
    [q] = home.queued()
    m = RECEIVED.match(q.message)
    assert m and m.group(2) == f"by uid {nobody.pw_uid}".encode()
    assert q.envelope.startswith(b"u%d\0" % nobody.pw_uid)
    mess = home.queue_dir("mess", str(q.inode % home.split), str(q.inode))
    assert os.stat(mess).st_uid == pwd.getpwnam(TEST_USERS["qmailq"]).pw_uid
    # The queue stays closed to the user who wrote into it.
    peek = subprocess.run(["cat", str(mess)], preexec_fn=as_user("nobody"), capture_output=True)
    assert peek.returncode != 0 and b"Permission denied" in peek.stderr
    peek = subprocess.run(["ls", str(home.queue_dir("todo"))], preexec_fn=as_user("nobody"),
                          capture_output=True)
    assert peek.returncode != 0


@needs_root
def test_network_and_bounce_callers_named(world_dir: Path) -> None:
    home = privileged_home(world_dir)
    for user, who in ((TEST_USERS["qmaild"], b"from network"), (TEST_USERS["alias"], b"by alias"),
                      (TEST_USERS["qmails"], b"for bounce")):
        assert run_queue(home, b"x\n", b"F\0Tc@d\0\0", preexec=as_user(user)) == 0
    received = sorted(RECEIVED.match(q.message).group(2) for q in home.queued())
    assert received == sorted([b"from network", b"by alias", b"for bounce"])


@needs_root
def test_wrapper_ignores_callers_environment(world_dir: Path, tmp_path: Path) -> None:
    home = privileged_home(world_dir)
    evil = world_dir / "evil" / "qmail"
    evil.mkdir(parents=True)
    os.chmod(world_dir / "evil", 0o777)
    marker = world_dir / "evil" / "marker"
    (evil / "__init__.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    env_r, env_w = os.pipe()
    os.write(env_w, b"Fa@b\0Tc@d\0\0")
    os.close(env_w)
    proc = subprocess.run([str(home.path / "bin/qmail-queue")], input=b"x\n", stdout=env_r,
                          env={"PYTHONPATH": str(world_dir / "evil"), "LD_PRELOAD": "/nonexistent.so",
                               "PYTHONHOME": "/nonexistent"},
                          preexec_fn=as_user("nobody"), timeout=30)
    os.close(env_r)
    assert proc.returncode == 0
    assert not marker.exists()


@needs_root
def test_full_disk_exits_53_and_keeps_queue_consistent(world_dir: Path) -> None:
    home = privileged_home(world_dir)
    queue = home.path / "queue"
    os.rename(queue, home.path / "queue.big")
    queue.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(queue)], check=True)
    try:
        r = installer("--home", str(home.path), "--no-packages", "--no-create-users")
        assert r.returncode == 0, r.stderr
        assert run_queue(home, b"small\n", b"Fa@b\0Tc@d\0\0") == 0
        assert run_queue(home, b"x" * (1024 * 1024), b"Fa@b\0Tc@d\0\0",
                         preexec=as_user("nobody")) == 53
        [q] = home.queued()  # only the first message; nothing left of the second
        assert q.message.endswith(b"small\n")
        assert sorted(home.queue_files()) == sorted(
            [f"mess/{q.inode % home.split}/{q.inode}", f"intd/{q.inode}", f"todo/{q.inode}"])
    finally:
        subprocess.run(["umount", str(queue)], check=False)


@needs_root
def test_queue_closed_to_qmailq_exits_62(world_dir: Path) -> None:
    home = privileged_home(world_dir)
    queue = home.path / "queue"
    os.chown(queue, 0, 0)
    os.chmod(queue, 0o700)
    code = run_queue(home, b"x\n", b"Fa@b\0Tc@d\0\0", preexec=as_user("nobody"))
    assert code == 62
