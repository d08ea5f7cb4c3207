"""sendmail, predate, datemail and mailsubj, run as installed programs.

Where the behaviour under test is "exec this program with these arguments" the
program is replaced by a small shell script that records what it was given
(argv, cwd, pid, environment, stdin); the end-to-end tests then check what the
real qmail-inject put into the queue.
"""

from __future__ import annotations

import email.utils
import os
import re
import shutil
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

USAGE = b"sendmail: usage: sendmail [ -t ] [ -fsender ] [ -Fname ] [ -bp ] [ -bs ] [ arg ... ]\n"
DATE_RE = re.compile(rb"^Date: ([1-9]\d?) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                     rb"(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)\n")
RECORD_ENV = ("QMAILUSER", "QMAILHOST", "QMAILNAME", "MAILNAME", "NAME", "MAILHOST",
              "MAILUSER", "PROTO", "RELAYCLIENT", "DATABYTES", "TCPLOCALIP",
              "TCPLOCALHOST", "TCPREMOTEIP", "TCPREMOTEHOST", "TCPREMOTEINFO")


class Recorder:
    """A stand-in for bin/<program> that writes down how it was run."""

    def __init__(self, home, program: str, out: Path, code: int = 0) -> None:
        self.out = out
        out.mkdir(parents=True, exist_ok=True)
        names = " ".join(RECORD_ENV)
        script = (
            "#!/bin/sh\n"
            f"out='{out}'\n"
            "for a in \"$0\" \"$@\"; do printf '[%s]\\n' \"$a\"; done > \"$out/argv\"\n"
            "pwd > \"$out/cwd\"\n"
            "echo $$ > \"$out/pid\"\n"
            f"for v in {names}; do\n"
            "  eval \"test \\${$v+set} && printf '%s=%s\\n' $v \\\"\\$$v\\\"\"\n"
            "done > \"$out/env\"\n"
            "cat > \"$out/stdin\"\n"
            f"exit {code}\n"
        )
        path = home.path / "bin" / program
        path.unlink(missing_ok=True)
        path.write_text(script)
        path.chmod(0o755)

    @property
    def argv(self) -> list[bytes]:
        return re.findall(rb"\[(.*?)\]\n", (self.out / "argv").read_bytes(), re.S)

    @property
    def cwd(self) -> str:
        return (self.out / "cwd").read_text().strip()

    @property
    def pid(self) -> int:
        return int((self.out / "pid").read_text())

    @property
    def env(self) -> dict[str, str]:
        lines = (self.out / "env").read_text().splitlines()
        return dict(line.split("=", 1) for line in lines)

    @property
    def stdin(self) -> bytes:
        return (self.out / "stdin").read_bytes()


def header_fields(message: bytes) -> list[bytes]:
    """Header lines (continuations joined) of a message."""
    head = message.split(b"\n\n", 1)[0]
    fields: list[bytes] = []
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1] += b"\n" + line
        else:
            fields.append(line)
    return fields


def field(message: bytes, name: bytes) -> list[bytes]:
    """Values of header field ``name`` (case-insensitive), without the name."""
    prefix = name.lower() + b":"
    return [f[len(prefix):].strip() for f in header_fields(message) if f.lower().startswith(prefix)]


def body(message: bytes) -> bytes:
    return message.split(b"\n\n", 1)[1]


def expected_zone(tz: str) -> bytes:
    """The numeric zone predate should print for ``tz`` right now, worked out independently."""
    from zoneinfo import ZoneInfo

    offset = datetime.now(ZoneInfo(tz)).utcoffset()
    assert offset is not None
    minutes = int(offset.total_seconds()) // 60
    sign = b"-" if minutes < 0 else b"+"
    minutes = abs(minutes)
    return sign + b"%02d%02d" % (minutes // 60, minutes % 60)


def check_date_line(line: bytes, zone: bytes, before: float, after: float) -> None:
    """``line`` is predate's Date: with ``zone`` and a time between before and after."""
    match = DATE_RE.match(line)
    assert match, line
    assert match.group(7) + match.group(8) + match.group(9) == zone
    when = email.utils.parsedate_to_datetime(line[6:].decode().strip()).timestamp()
    assert int(before) - 1 <= when <= after + 1


# ---------------------------------------------------------------- sendmail: usage


@pytest.mark.parametrize("args, message", [
    (["-q"], b"sendmail: illegal option -- q\n" + USAGE),
    (["-q15m"], b"sendmail: illegal option -- q\n" + USAGE),
    (["-r", "bob@example.org"], b"sendmail: illegal option -- r\n" + USAGE),
    (["-N", "never"], b"sendmail: illegal option -- N\n" + USAGE),
    (["-tq"], b"sendmail: illegal option -- q\n" + USAGE),
    (["-f"], b"sendmail: option requires an argument -- f\n" + USAGE),
    (["-t", "-F"], b"sendmail: option requires an argument -- F\n" + USAGE),
    (["-b"], b"sendmail: option requires an argument -- b\n" + USAGE),
    (["-bd"], USAGE),
    (["-bi"], USAGE),
    (["-b", ""], USAGE),
])
def test_sendmail_bad_usage(qhome, tmp_path, args, message) -> None:
    rec = Recorder(qhome, "qmail-inject", tmp_path / "rec")
    proc = qhome.run("sendmail", *args, input=b"x\n")
    assert (proc.returncode, proc.stdout, proc.stderr) == (100, b"", message)
    assert not (rec.out / "argv").exists()


def test_newaliases_by_name(qhome, tmp_path) -> None:
    link = tmp_path / "newaliases"
    link.symlink_to(qhome.path / "bin" / "sendmail")
    proc = subprocess.run([str(link)], capture_output=True, env={"PATH": "/usr/bin:/bin"})
    assert proc.returncode == 100
    assert proc.stderr == b"sendmail: fatal: please use fastforward/newaliases instead\n"


def test_missing_home_is_fatal(qhome, tmp_path) -> None:
    """The programs are kept (copied out), but the home they were built for is gone."""
    pkg = tmp_path / "pkg"
    shutil.copytree(qhome.path / "lib" / "python", pkg)
    launcher = tmp_path / "sendmail"
    text = (qhome.path / "bin" / "sendmail").read_text()
    launcher.write_text(text.replace(str(qhome.path / "lib" / "python"), str(pkg)))
    launcher.chmod(0o755)
    qhome.path.rename(tmp_path / "moved")
    proc = subprocess.run([str(launcher), "x@example.org"], capture_output=True,
                          env={"PATH": "/usr/bin:/bin"})
    assert proc.returncode == 111
    assert proc.stderr == b"sendmail: fatal: unable to switch to qmail home directory\n"


# ---------------------------------------------------------------- sendmail -> qmail-inject


@pytest.mark.parametrize("args, inject_args", [
    ([], [b"-a", b"--"]),
    (["alice@example.org"], [b"-a", b"--", b"alice@example.org"]),
    (["-t"], [b"-H", b"--"]),
    (["-t", "cc@example.org"], [b"-H", b"--", b"cc@example.org"]),
    (["-f", "bob@example.org", "a@example.org"],
     [b"-a", b"-f", b"bob@example.org", b"--", b"a@example.org"]),
    (["-fbob", "-t"], [b"-H", b"-f", b"bob", b"--"]),
    (["-f", "", "a@example.org"], [b"-a", b"-f", b"", b"--", b"a@example.org"]),
    (["-f", "a", "-f", "b"], [b"-a", b"-f", b"b", b"--"]),
    # every option qmail accepts only to ignore it
    (["-oi", "-om", "-oem", "-odb", "-oQ/var/spool", "-v", "-i", "-x", "-m", "-em",
      "-B", "8BITMIME", "-B7BIT", "-p", "esmtp:host", "-bm", "-e", "p", "a@example.org"],
     [b"-a", b"--", b"a@example.org"]),
    (["-vimx", "-tiv", "a@example.org"], [b"-H", b"--", b"a@example.org"]),
    # -E and -J swallow the rest of their word, whatever it holds
    (["-Eqrz", "-J", "-Jq!", "a@example.org"], [b"-a", b"--", b"a@example.org"]),
    (["-tEq", "a@example.org"], [b"-H", b"--", b"a@example.org"]),
    # option scanning stops at the first argument, at "-" and after "--"
    (["a@example.org", "-t", "-q"], [b"-a", b"--", b"a@example.org", b"-t", b"-q"]),
    (["-t", "-", "-q"], [b"-H", b"--", b"-", b"-q"]),
    (["-t", "--", "-q"], [b"-H", b"--", b"-q"]),
    (["--foo", "x"], [b"-a", b"--", b"x"]),
])
def test_sendmail_builds_inject_argv(qhome, tmp_path, args, inject_args) -> None:
    rec = Recorder(qhome, "qmail-inject", tmp_path / "rec")
    proc = qhome.run("sendmail", *args, input=b"Subject: x\n\nbody\n")
    assert (proc.returncode, proc.stderr) == (0, b"")
    assert rec.argv == [b"bin/qmail-inject", *inject_args]
    assert rec.cwd == str(qhome.path)
    assert rec.stdin == b"Subject: x\n\nbody\n"


def test_sendmail_execs_inject(qhome, tmp_path) -> None:
    """Not a child: qmail-inject runs in sendmail's own process and its exit code is sendmail's."""
    rec = Recorder(qhome, "qmail-inject", tmp_path / "rec", code=42)
    child = subprocess.Popen([str(qhome.path / "bin" / "sendmail"), "-t"], stdin=subprocess.PIPE,
                             stderr=subprocess.PIPE, env={"PATH": "/usr/bin:/bin"})
    _, err = child.communicate(b"To: x@example.org\n\n")
    assert (child.returncode, err) == (42, b"")
    assert rec.pid == child.pid


def test_sendmail_without_inject(qhome) -> None:
    (qhome.path / "bin" / "qmail-inject").unlink()
    proc = qhome.run("sendmail", "a@example.org", input=b"\n")
    assert (proc.returncode, proc.stderr) == (111, b"sendmail: fatal: unable to run qmail-inject\n")


@pytest.mark.parametrize("args, env, expected", [
    (["-F", "Joe Bloggs", "x"], {"NAME": "n"}, {"MAILNAME": "Joe Bloggs", "NAME": "n"}),
    (["-FA", "-FB", "x"], {}, {"MAILNAME": "B"}),
    (["-f", "joe@host.example.org"],
     {"QMAILNAME": "q", "MAILNAME": "m", "NAME": "n", "QMAILHOST": "h", "MAILHOST": "mh",
      "MAILUSER": "mu"},
     {"QMAILUSER": "joe", "QMAILHOST": "host.example.org", "MAILUSER": "mu"}),
    (["-f", "joe"], {"QMAILHOST": "h", "MAILHOST": "mh"}, {"QMAILUSER": "joe"}),
    (["-f", "a@b@c"], {}, {"QMAILUSER": "a@b", "QMAILHOST": "c"}),
    (["-f", "joe@"], {}, {"QMAILUSER": "joe", "QMAILHOST": ""}),
    (["-f", ""], {}, {"QMAILUSER": ""}),
    # the sender's names win over -F: do_sender runs after the options
    (["-F", "Joe", "-f", "joe@example.org"], {}, {"QMAILUSER": "joe", "QMAILHOST": "example.org"}),
    (["x"], {"QMAILNAME": "q", "MAILHOST": "mh"}, {"QMAILNAME": "q", "MAILHOST": "mh"}),
])
def test_sendmail_environment_for_inject(qhome, tmp_path, args, env, expected) -> None:
    rec = Recorder(qhome, "qmail-inject", tmp_path / "rec")
    proc = qhome.run("sendmail", *args, env=env)
    assert proc.returncode == 0, proc.stderr
    assert rec.env == expected


# ---------------------------------------------------------------- sendmail: -bp, mailq, -bs


def test_bp_execs_qread(qhome, tmp_path) -> None:
    rec = Recorder(qhome, "qmail-qread", tmp_path / "rec", code=7)
    proc = qhome.run("sendmail", "-bp", "-q", "ignored@example.org")
    assert (proc.returncode, proc.stderr) == (7, b"")
    assert rec.argv == [b"bin/qmail-qread"]
    assert rec.cwd == str(qhome.path)


def test_mailq_by_name(qhome, tmp_path) -> None:
    rec = Recorder(qhome, "qmail-qread", tmp_path / "rec", code=3)
    link = tmp_path / "mailq"
    link.symlink_to(qhome.path / "bin" / "sendmail")
    proc = subprocess.run([str(link), "-v"], capture_output=True, env={"PATH": "/usr/bin:/bin"})
    assert (proc.returncode, proc.stderr) == (3, b"")
    assert rec.argv == [b"bin/qmail-qread"]
    proc = subprocess.run([str(link), "-q"], capture_output=True, env={"PATH": "/usr/bin:/bin"})
    assert proc.returncode == 100
    assert proc.stderr == b"mailq: illegal option -- q\n" + USAGE


def test_bp_without_qread(qhome) -> None:
    (qhome.path / "bin" / "qmail-qread").unlink()
    proc = qhome.run("sendmail", "-bp")
    assert (proc.returncode, proc.stderr) == (111, b"sendmail: fatal: unable to run qmail-qread\n")


def preprocessed(qhome, sender: bytes, local: list[bytes]) -> int:
    """Put a message into the queue in the state qmail-send leaves it (info/ and local/)."""
    split = qhome.split
    tmp = qhome.queue_dir("mess", "0", "tmp")
    tmp.write_bytes(b"Subject: queued\n\nhello\n")
    inode = tmp.stat().st_ino
    tmp.rename(qhome.queue_dir("mess", str(inode % split), str(inode)))
    qhome.queue_dir("info", str(inode % split), str(inode)).write_bytes(b"F" + sender + b"\0")
    qhome.queue_dir("local", str(inode % split), str(inode)).write_bytes(
        b"".join(b"T" + r + b"\0" for r in local))
    return inode


def test_bp_lists_queue_through_qread(qhome) -> None:
    if not (qhome.path / "lib/python/qmail/qread.py").exists():
        pytest.fail("qmail-qread is not installed")
    inode = preprocessed(qhome, b"bob@example.org", [b"alice@mx.test.example.org"])
    direct = qhome.run("qmail-qread")
    proc = qhome.run("sendmail", "-bp")
    assert (proc.returncode, proc.stderr) == (0, b"")
    assert proc.stdout == direct.stdout
    assert b"  #%d  23  <bob@example.org> \n" % inode in proc.stdout
    assert proc.stdout.endswith(b"\n\tlocal\talice@mx.test.example.org\n")


def test_bs_without_smtpd(qhome) -> None:
    (qhome.path / "bin" / "qmail-smtpd").unlink(missing_ok=True)
    proc = qhome.run("sendmail", "-bs", input=b"QUIT\r\n")
    assert (proc.returncode, proc.stdout) == (111, b"")
    assert proc.stderr == b"sendmail: fatal: unable to run qmail-smtpd\n"


def test_bs_environment(qhome, tmp_path) -> None:
    rec = Recorder(qhome, "qmail-smtpd", tmp_path / "rec")
    proc = qhome.run("sendmail", "-bs", input=b"QUIT\r\n", env={"DATABYTES": "5"})
    assert (proc.returncode, proc.stderr) == (0, b"")
    assert rec.argv == [b"bin/qmail-smtpd"]
    assert rec.cwd == str(qhome.path)
    assert rec.stdin == b"QUIT\r\n"
    assert rec.env == {
        "RELAYCLIENT": "", "DATABYTES": "0", "PROTO": "TCP", "TCPLOCALIP": "127.0.0.1",
        "TCPLOCALHOST": "localhost", "TCPREMOTEIP": "127.0.0.1",
        "TCPREMOTEHOST": "localhost", "TCPREMOTEINFO": "sendmail-bs"}


def test_bs_keeps_tcp_environment(qhome, tmp_path) -> None:
    rec = Recorder(qhome, "qmail-smtpd", tmp_path / "rec")
    proc = qhome.run("sendmail", "-F", "Me", "-bs", env={"PROTO": "TCP", "TCPREMOTEIP": "10.1.2.3"})
    assert proc.returncode == 0
    assert rec.env == {"PROTO": "TCP", "TCPREMOTEIP": "10.1.2.3", "MAILNAME": "Me"}


# ---------------------------------------------------------------- sendmail: into the queue

MESSAGE = (b"To: Alice <alice@example.org>, bob@example.net\n"
           b"Cc: carol@example.com\n"
           b"Bcc: dave@example.org\n"
           b"Subject: test message\n"
           b"\n"
           b"line one\n"
           b"line two\n")


def only_message(qhome):
    queued = qhome.queued()
    assert len(queued) == 1
    return queued[0]


def test_queue_t_takes_header_recipients(qhome) -> None:
    proc = qhome.run("sendmail", "-t", "-oi", "-oem", input=MESSAGE, env={"USER": "joe"})
    assert (proc.returncode, proc.stderr) == (0, b"")
    msg = only_message(qhome)
    assert msg.sender == b"joe@mx.test.example.org"
    # qmail-inject reads each address list from right to left
    assert msg.recipients == [b"bob@example.net", b"alice@example.org",
                              b"carol@example.com", b"dave@example.org"]
    assert field(msg.message, b"Bcc") == []
    assert field(msg.message, b"To") == [b"Alice <alice@example.org>, bob@example.net"]
    assert field(msg.message, b"From") == [b"joe@mx.test.example.org"]
    assert field(msg.message, b"Subject") == [b"test message"]
    assert body(msg.message) == b"line one\nline two\n"


def test_queue_t_adds_argument_recipients(qhome) -> None:
    proc = qhome.run("sendmail", "-t", "extra@example.org", input=MESSAGE, env={"USER": "joe"})
    assert proc.returncode == 0, proc.stderr
    assert only_message(qhome).recipients == [
        b"extra@example.org", b"bob@example.net", b"alice@example.org", b"carol@example.com",
        b"dave@example.org"]


def test_queue_arguments_only(qhome) -> None:
    """Without -t the header recipients are not used, only the arguments."""
    proc = qhome.run("sendmail", "-i", "-om", "zed@example.org", "yan@example.org",
                     input=MESSAGE, env={"USER": "joe"})
    assert proc.returncode == 0, proc.stderr
    msg = only_message(qhome)
    assert msg.recipients == [b"zed@example.org", b"yan@example.org"]
    assert field(msg.message, b"To") == [b"Alice <alice@example.org>, bob@example.net"]


def test_queue_sender_from_f(qhome) -> None:
    proc = qhome.run("sendmail", "-f", "list-owner@lists.example.org", "a@example.org",
                     input=b"Subject: hi\n\nx\n", env={"USER": "joe", "NAME": "Joe Q"})
    assert proc.returncode == 0, proc.stderr
    msg = only_message(qhome)
    assert msg.sender == b"list-owner@lists.example.org"
    assert msg.recipients == [b"a@example.org"]
    assert field(msg.message, b"From") == [b"list-owner@lists.example.org"]


def test_queue_full_name_from_F(qhome) -> None:
    proc = qhome.run("sendmail", "-F", "Joe Bloggs", "a@example.org",
                     input=b"Subject: hi\n\nx\n", env={"USER": "joe"})
    assert proc.returncode == 0, proc.stderr
    msg = only_message(qhome)
    assert msg.sender == b"joe@mx.test.example.org"
    assert field(msg.message, b"From") == [b'"Joe Bloggs" <joe@mx.test.example.org>']


def test_queue_nothing_on_bad_usage(qhome) -> None:
    proc = qhome.run("sendmail", "-q", "a@example.org", input=MESSAGE)
    assert proc.returncode == 100
    assert qhome.queued() == []


# ---------------------------------------------------------------- predate


def test_predate_usage(qhome) -> None:
    proc = qhome.run("predate")
    assert (proc.returncode, proc.stdout) == (100, b"")
    assert proc.stderr == b"predate: usage: predate child\n"


@pytest.mark.parametrize("tz, zone", [
    ("UTC", b"+0000"),
    ("EST5", b"-0500"),
    ("NST3:30", b"-0330"),
    ("IST-5:30", b"+0530"),
    ("NPT-5:45", b"+0545"),
    ("XXX-0:00:29", b"+0000"),  # seconds of offset round to the nearest minute
    ("XXX-0:00:30", b"+0001"),
    ("XXX0:00:45", b"-0001"),
    ("XXX0:00:29", b"-0000"),  # local behind UTC, by less than half a minute
])
def test_predate_zone(qhome, tz, zone) -> None:
    before = time.time()
    proc = qhome.run("predate", "cat", input=b"body\n", env={"TZ": tz})
    after = time.time()
    assert (proc.returncode, proc.stderr) == (0, b"")
    line, rest = proc.stdout.split(b"\n", 1)
    assert rest == b"body\n"
    if ":00:" not in tz:
        check_date_line(line + b"\n", zone, before, after)
    else:
        assert DATE_RE.match(line + b"\n") and line.endswith(b" " + zone)


@pytest.mark.parametrize("tz", ["America/New_York", "Australia/Adelaide", "Europe/Berlin"])
def test_predate_named_zone(qhome, tz) -> None:
    before = time.time()
    proc = qhome.run("predate", "cat", env={"TZ": tz})
    after = time.time()
    assert proc.returncode == 0
    check_date_line(proc.stdout, expected_zone(tz), before, after)
    assert proc.stdout.count(b"\n") == 1


def test_predate_fields_match_local_clock(qhome) -> None:
    """Day without padding, month name, year, zero-padded clock, all in the local zone."""
    proc = qhome.run("predate", "cat", env={"TZ": "EST5"})
    match = DATE_RE.match(proc.stdout)
    assert match
    day, mon, year, hh, mm, ss = (g.decode() for g in match.groups()[:6])
    stamp = datetime.strptime(f"{day} {mon} {year} {hh}:{mm}:{ss}", "%d %b %Y %H:%M:%S")
    utc = stamp.replace(tzinfo=timezone.utc).timestamp() + 5 * 3600
    assert abs(utc - time.time()) < 5


def test_predate_passes_everything_and_exit_code(qhome) -> None:
    data = bytes(range(256)) * 5000 + b"no newline at end"
    proc = qhome.run("predate", "sh", "-c", "cat; echo err >&2; exit 9", input=data,
                     env={"TZ": "UTC"})
    assert (proc.returncode, proc.stderr) == (9, b"err\n")
    line, rest = proc.stdout.split(b"\n", 1)
    assert line.startswith(b"Date: ") and line.endswith(b" +0000")
    assert rest == data


def test_predate_child_not_reading(qhome) -> None:
    proc = qhome.run("predate", "sh", "-c", "exit 3", input=b"x" * 2_000_000)
    assert (proc.returncode, proc.stdout, proc.stderr) == (3, b"", b"")


def test_predate_child_crashed(qhome) -> None:
    proc = qhome.run("predate", "sh", "-c", "kill -9 $$")
    assert (proc.returncode, proc.stderr) == (111, b"predate: fatal: child crashed\n")


def test_predate_cannot_run(qhome, tmp_path) -> None:
    proc = qhome.run("predate", "no-such-program-here", "arg")
    assert proc.returncode == 111
    assert proc.stderr == (b"predate: fatal: unable to run no-such-program-here: "
                           b"file does not exist\n")
    plain = tmp_path / "plain"
    plain.write_text("not a program\n")
    plain.chmod(0o644)
    proc = qhome.run("predate", str(plain))
    assert proc.returncode == 111
    assert proc.stderr == f"predate: fatal: unable to run {plain}: access denied\n".encode()


def test_predate_arguments_reach_child(qhome, tmp_path) -> None:
    rec = Recorder(qhome, "recorder", tmp_path / "rec")
    prog = str(qhome.path / "bin" / "recorder")
    proc = qhome.run("predate", prog, "-t", "", "two words", input=b"m\n", env={"TZ": "UTC"})
    assert proc.returncode == 0
    assert rec.argv == [prog.encode(), b"-t", b"", b"two words"]
    assert DATE_RE.match(rec.stdin)
    assert rec.stdin.split(b"\n", 1)[1] == b"m\n"


# ---------------------------------------------------------------- datemail


def test_datemail_runs_predate_sendmail(qhome, tmp_path) -> None:
    rec = Recorder(qhome, "sendmail", tmp_path / "rec", code=5)
    proc = qhome.run("datemail", "-t", "-f", "a@b", input=b"Subject: x\n\ny\n", env={"TZ": "EST5"})
    assert (proc.returncode, proc.stderr) == (5, b"")
    assert rec.argv == [str(qhome.path / "bin" / "sendmail").encode(), b"-t", b"-f", b"a@b"]
    line, rest = rec.stdin.split(b"\n", 1)
    assert line.endswith(b" -0500") and rest == b"Subject: x\n\ny\n"


def test_datemail_end_to_end(qhome) -> None:
    before = time.time()
    proc = qhome.run("datemail", "-t", "-F", "Pat", input=b"To: x@example.org\nSubject: s\n\nb\n",
                     env={"TZ": "NST3:30", "USER": "pat"})
    after = time.time()
    assert (proc.returncode, proc.stderr) == (0, b"")
    msg = only_message(qhome)
    assert msg.sender == b"pat@mx.test.example.org"
    assert msg.recipients == [b"x@example.org"]
    dates = field(msg.message, b"Date")
    assert len(dates) == 1
    check_date_line(b"Date: " + dates[0] + b"\n", b"-0330", before, after)
    assert field(msg.message, b"From") == [b'"Pat" <pat@mx.test.example.org>']
    assert body(msg.message) == b"b\n"


def test_datemail_without_predate(qhome) -> None:
    (qhome.path / "bin" / "predate").unlink()
    proc = qhome.run("datemail", "a@example.org")
    prog = qhome.path / "bin" / "datemail"
    assert proc.returncode == 127
    assert proc.stderr == f"{prog}: 3: exec: {qhome.path}/bin/predate: not found\n".encode()


# ---------------------------------------------------------------- mailsubj


def test_mailsubj_feeds_inject(qhome, tmp_path) -> None:
    rec = Recorder(qhome, "qmail-inject", tmp_path / "rec", code=33)
    proc = qhome.run("mailsubj", "Weekly report", "a@example.org", "B <b@example.org>",
                     input=b"all fine\n")
    assert (proc.returncode, proc.stderr) == (33, b"")
    assert rec.argv == [str(qhome.path / "bin" / "qmail-inject").encode()]
    assert rec.stdin == (b"Subject: Weekly report\nTo: a@example.org B <b@example.org>\n\n"
                         b"all fine\n")


@pytest.mark.parametrize("args, head", [
    (["only subject"], b"Subject: only subject\nTo:\n\n"),
    ([""], b"Subject: \nTo:\n\n"),
    (["s", ""], b"Subject: s\nTo: \n\n"),
    (["-n", "-e", "x"], b"Subject: -n\nTo: -e x\n\n"),
])
def test_mailsubj_header_like_echo(qhome, tmp_path, args, head) -> None:
    rec = Recorder(qhome, "qmail-inject", tmp_path / "rec")
    proc = qhome.run("mailsubj", *args, input=b"")
    assert proc.returncode == 0
    assert rec.stdin == head


def test_mailsubj_end_to_end(qhome) -> None:
    proc = qhome.run("mailsubj", "Hello there", "alice@example.org,", "bob@example.net",
                     input=b"first\nsecond\n", env={"USER": "sam"})
    assert (proc.returncode, proc.stderr) == (0, b"")
    msg = only_message(qhome)
    assert msg.sender == b"sam@mx.test.example.org"
    assert msg.recipients == [b"bob@example.net", b"alice@example.org"]
    assert field(msg.message, b"Subject") == [b"Hello there"]
    assert field(msg.message, b"To") == [b"alice@example.org, bob@example.net"]
    assert body(msg.message) == b"first\nsecond\n"


def test_mailsubj_usage(qhome) -> None:
    proc = qhome.run("mailsubj", input=b"x")
    prog = qhome.path / "bin" / "mailsubj"
    assert (proc.returncode, proc.stdout) == (2, b"")
    assert proc.stderr == f"{prog}: 4: shift: can't shift that many\n".encode()
    assert qhome.queued() == []


def test_mailsubj_without_inject(qhome) -> None:
    (qhome.path / "bin" / "qmail-inject").unlink()
    proc = qhome.run("mailsubj", "s", "a@example.org", input=b"body\n")
    prog = qhome.path / "bin" / "mailsubj"
    assert proc.returncode == 127
    assert proc.stderr == f"{prog}: 9: {qhome.path}/bin/qmail-inject: not found\n".encode()
