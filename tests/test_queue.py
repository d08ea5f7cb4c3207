"""qmail-queue through its real descriptors: exact queue bytes, exit codes, cleanup."""

from __future__ import annotations

import os
import pwd
import re
import resource
import signal
import subprocess
import threading
import time

import pytest

from conftest import BASE_ENV, QmailHome

RECEIVED = re.compile(rb"Received: \(qmail (\d+) invoked (by alias|from network|for bounce|by uid \d+)\); "
                      rb"(\d{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) "
                      rb"(\d\d):(\d\d):(\d\d) -0000\n")


def feed(fd: int, data: bytes) -> threading.Thread:
    """Write ``data`` to ``fd`` in the background, then close it."""
    def writer() -> None:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        except OSError:
            pass
        finally:
            os.close(fd)
    t = threading.Thread(target=writer, daemon=True)
    t.start()
    return t


def run_queue(home: QmailHome, message: bytes, envelope: bytes, stdin: int | None = None,
              preexec=None, timeout: float = 30) -> int:
    """Run bin/qmail-queue with ``message`` on fd 0 and ``envelope`` on fd 1; exit code."""
    env_r, env_w = os.pipe()
    threads = [feed(env_w, envelope)]
    if stdin is None:
        mess_r, mess_w = os.pipe()
        threads.append(feed(mess_w, message))
        stdin = mess_r
    try:
        proc = subprocess.run([str(home.path / "bin/qmail-queue")], stdin=stdin, stdout=env_r,
                              env=BASE_ENV, timeout=timeout, preexec_fn=preexec)
    finally:
        os.close(env_r)
        if stdin is not None and message is not None:
            try:
                os.close(stdin)
            except OSError:
                pass
    for t in threads:
        t.join(5)
    return proc.returncode


def assert_queue_empty(home: QmailHome) -> None:
    assert home.queue_files() == []


def test_queues_message_with_received_line_and_envelope(qhome: QmailHome) -> None:
    before = time.time()
    message = b"Subject: test\n\nHello.\n"
    assert run_queue(qhome, message, b"Fjoe@a.example\0Tbob@b.example\0Tsue@c.example\0\0") == 0
    [q] = qhome.queued()
    m = RECEIVED.match(q.message)
    assert m, q.message
    assert q.message[m.end():] == message
    pid = int(m.group(1))
    assert m.group(2) == b"by alias"  # single-user: the caller's uid is the alias uid
    assert q.envelope == b"u%d\0p%d\0Fjoe@a.example\0Tbob@b.example\0Tsue@c.example\0" % (
        os.getuid(), pid)
    intd = qhome.queue_dir("intd", str(q.inode)).read_bytes()
    assert intd == q.envelope
    stamp = time.strptime(b" ".join(m.groups()[2:5]).decode() + " " +
                          b":".join(m.groups()[5:8]).decode(), "%d %b %Y %H:%M:%S")
    assert abs(time.mktime(stamp) - time.timezone - before) < 5  # UTC, now
    # The message is named after the inode of its file and lives in its split directory.
    mess = qhome.queue_dir("mess", str(q.inode % qhome.split), str(q.inode))
    assert os.stat(mess).st_ino == q.inode
    assert os.listdir(qhome.queue_dir("pid")) == []


def test_files_are_mode_0644_under_umask_033(qhome: QmailHome) -> None:
    os.umask(0o077)
    try:
        assert run_queue(qhome, b"x\n", b"Fa@b\0Tc@d\0\0") == 0
    finally:
        os.umask(0o022)
    [q] = qhome.queued()
    for path in (qhome.queue_dir("mess", str(q.inode % qhome.split), str(q.inode)),
                 qhome.queue_dir("intd", str(q.inode)), qhome.queue_dir("todo", str(q.inode))):
        assert os.stat(path).st_mode & 0o7777 == 0o644


@pytest.mark.parametrize("who,mapping", [
    ("from network", ["--user", "alias=nobody", "--user", "qmaild={me}"]),
    ("for bounce", ["--user", "alias=nobody", "--user", "qmaild=daemon", "--user", "qmails={me}"]),
    ("by uid {uid}", ["--user", "alias=nobody", "--user", "qmaild=daemon", "--user", "qmails=bin"]),
])
def test_received_line_names_the_caller(qhome_factory, who: str, mapping: list[str]) -> None:
    me = pwd.getpwuid(os.getuid()).pw_name
    home = qhome_factory(*[m.format(me=me) for m in mapping])
    assert run_queue(home, b"x\n", b"F\0Tc@d\0\0") == 0
    [q] = home.queued()
    m = RECEIVED.match(q.message)
    assert m and m.group(2).decode() == who.format(uid=os.getuid())


def test_empty_sender_and_no_recipients_are_accepted(qhome: QmailHome) -> None:
    assert run_queue(qhome, b"", b"F\0\0") == 0
    [q] = qhome.queued()
    assert q.sender == b"" and q.recipients == []
    assert RECEIVED.fullmatch(q.message)


def test_binary_message_is_stored_byte_for_byte(qhome: QmailHome) -> None:
    message = bytes(range(256)) * 4096 + b"\0\r\n\x80 no final newline"
    assert run_queue(qhome, message, b"Fa@b\0Tc@d\0\0") == 0
    [q] = qhome.queued()
    assert q.message[RECEIVED.match(q.message).end():] == message


def test_many_recipients(qhome: QmailHome) -> None:
    rcpts = [b"user%d@example.com" % i for i in range(5000)]
    assert run_queue(qhome, b"x\n", b"Fa@b\0" + b"".join(b"T" + r + b"\0" for r in rcpts) + b"\0") == 0
    [q] = qhome.queued()
    assert q.recipients == rcpts


@pytest.mark.parametrize("envelope,code", [
    (b"Xa@b\0Tc@d\0\0", 91),            # no F
    (b"Fa@b\0Xc@d\0\0", 91),            # recipient without T
    (b"Fa@b\0Tc@d\0", 54),              # end of file before the extra 0 byte
    (b"Fa@b", 54),                      # end of file inside the sender
    (b"", 54),                          # nothing at all
    (b"F" + b"a" * 1003 + b"\0\0", 11),  # sender too long
    (b"Fa@b\0T" + b"r" * 1003 + b"\0\0", 11),  # recipient too long
    (b"F" + b"a" * 5000, 11),           # too long even before its end arrives
])
def test_bad_envelope_exit_codes_leave_queue_clean(qhome: QmailHome, envelope: bytes,
                                                   code: int) -> None:
    assert run_queue(qhome, b"Subject: x\n\nbody\n", envelope) == code
    assert_queue_empty(qhome)


def test_longest_address_accepted(qhome: QmailHome) -> None:
    sender, rcpt = b"s" * 1002, b"r" * 1002
    assert run_queue(qhome, b"x\n", b"F" + sender + b"\0T" + rcpt + b"\0\0") == 0
    [q] = qhome.queued()
    assert q.sender == sender and q.recipients == [rcpt]


def test_unreadable_message_exits_54(qhome: QmailHome) -> None:
    r, w = os.pipe()  # fd 0 is the write end of a pipe: read() fails with EBADF
    try:
        assert run_queue(qhome, None, b"Fa@b\0Tc@d\0\0", stdin=w) == 54
    finally:
        os.close(r)
    assert_queue_empty(qhome)


def test_disk_full_exits_53_and_removes_partial_message(qhome: QmailHome) -> None:
    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
    assert run_queue(qhome, b"x" * 100000, b"Fa@b\0Tc@d\0\0", preexec=small_files) == 53
    assert_queue_empty(qhome)


@pytest.mark.parametrize("missing,code", [
    ("queue", 62), ("queue/pid", 63), ("queue/mess/{split}", 64),
    ("queue/intd", 65), ("queue/todo", 66)])
def test_missing_queue_parts_give_their_exit_codes(qhome: QmailHome, missing: str,
                                                   code: int) -> None:
    envelope = b"Fa@b\0Tc@d\0\0"
    if "{split}" in missing:
        # Find where the next message will go: the inode of a file made now is a guess,
        # so remove every mess subdirectory instead.
        for i in range(qhome.split):
            os.rmdir(qhome.queue_dir("mess", str(i)))
    else:
        os.rename(qhome.path / missing, qhome.path / (missing + ".gone"))
    assert run_queue(qhome, b"x\n", envelope) == code
    if missing != "queue":
        files = [f for f in qhome.queue_files() if not f.startswith(("todo.gone", "intd.gone"))]
        assert files == []


def test_missing_or_unread_trigger_is_not_an_error(qhome: QmailHome) -> None:
    # Nobody reads the FIFO: the non-blocking open fails; the message is still queued.
    assert run_queue(qhome, b"x\n", b"Fa@b\0Tc@d\0\0") == 0
    os.unlink(qhome.queue_dir("lock", "trigger"))
    assert run_queue(qhome, b"y\n", b"Fa@b\0Tc@d\0\0") == 0
    assert len(qhome.queued()) == 2


def test_trigger_is_pulled(qhome: QmailHome) -> None:
    fifo = os.open(qhome.queue_dir("lock", "trigger"), os.O_RDONLY | os.O_NONBLOCK)
    try:
        assert run_queue(qhome, b"x\n", b"Fa@b\0Tc@d\0\0") == 0
        assert os.read(fifo, 16) == b"\0"
    finally:
        os.close(fifo)


def test_alarm_exits_52(qhome: QmailHome) -> None:
    """The 24-hour suicide timer: SIGALRM while waiting for the envelope ends with 52."""
    env_r, env_w = os.pipe()
    proc = subprocess.Popen([str(qhome.path / "bin/qmail-queue")], stdin=subprocess.DEVNULL,
                            stdout=env_r, env=BASE_ENV)
    os.close(env_r)
    try:
        deadline = time.time() + 10
        while time.time() < deadline and not os.listdir(qhome.queue_dir("intd")):
            time.sleep(0.02)
        assert os.listdir(qhome.queue_dir("intd")), "qmail-queue never reached the envelope"
        proc.send_signal(signal.SIGALRM)
        assert proc.wait(10) == 52
    finally:
        os.close(env_w)
        if proc.poll() is None:
            proc.kill()
    # Like qmail, no cleanup in the alarm handler; nothing reached todo/.
    assert qhome.queued() == []


def test_concurrent_injections_get_distinct_messages(qhome: QmailHome) -> None:
    procs = []
    for i in range(20):
        env_r, env_w = os.pipe()
        os.write(env_w, b"Fa@b\0Tr%d@d\0\0" % i)
        os.close(env_w)
        p = subprocess.Popen([str(qhome.path / "bin/qmail-queue")], stdin=subprocess.PIPE,
                             stdout=env_r, env=BASE_ENV)
        os.close(env_r)
        p.stdin.write(b"message %d\n" % i)
        p.stdin.close()
        procs.append(p)
    assert [p.wait(30) for p in procs] == [0] * 20
    queued = qhome.queued()
    assert sorted(q.recipients[0] for q in queued) == sorted(b"r%d@d" % i for i in range(20))
    for q in queued:
        n = int(q.recipients[0][1:].split(b"@")[0])
        assert q.message.endswith(b"message %d\n" % n)


def test_large_message_is_streamed_intact(qhome: QmailHome) -> None:
    message = b"Subject: big\n\n" + b"".join(b"line %08d " % i + b"y" * 90 + b"\n"
                                              for i in range(200000))  # about 20 MB
    assert run_queue(qhome, message, b"Fa@b\0Tc@d\0\0", timeout=120) == 0
    [q] = qhome.queued()
    assert len(q.message) == RECEIVED.match(q.message).end() + len(message)
    assert q.message.endswith(message[-1000:])
