"""qmail-inject through its real descriptors: exact header bytes, envelopes, exit codes.

Expected outputs were produced by notqmail's C qmail-inject with the same control
files (me mx.test.example.org, defaultdomain test.example.org, plusdomain
example.org) and are asserted byte for byte.  Only the generated Date and
Message-ID values vary; they are checked against the clock and the process id,
then replaced by ``DATE`` and ``MSGID``.
"""

from __future__ import annotations

import calendar
import os
import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import BASE_ENV, QmailHome, install_home

MONTHS = b"Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
DATE_RE = re.compile(rb"^(Resent-)?Date: (\d{1,2}) (" + MONTHS + rb") (\d{4}) "
                     rb"(\d\d):(\d\d):(\d\d) -0000\n", re.M)
MSGID_RE = re.compile(rb"<(\d{14})\.(\d+)\.qmail@")
VERP_M_RE = re.compile(rb"-(\d{10})\.(\d+)")
RECEIVED_RE = re.compile(rb"Received: \(qmail (\d+) invoked ([a-z0-9 ]+)\); \d{1,2} (%s) \d{4} "
                         rb"\d\d:\d\d:\d\d -0000\n" % MONTHS)
HEAD = (b"Date: DATE\nMessage-ID: <MSGID.qmail@mx.test.example.org>\n"
        b"From: joe@mx.test.example.org\n")
RP = b"Return-Path: <joe@mx.test.example.org>\n"


@dataclass
class Result:
    """One run of qmail-inject and what it queued."""

    code: int
    stdout: bytes
    stderr: bytes
    pid: int
    before: float
    after: float
    queued: list = field(default_factory=list)
    invoker: bytes = b""  # how qmail-queue names our uid in its Received line

    @property
    def message(self) -> bytes:
        """The single queued message without qmail-queue's Received line, stamps fixed."""
        assert len(self.queued) == 1, self.queued
        mess = self.queued[0].message
        m = RECEIVED_RE.match(mess)
        assert m, mess[:200]
        assert m.group(2) == self.invoker
        return self.fix(mess[m.end():])

    @property
    def sender(self) -> bytes:
        assert len(self.queued) == 1
        return self.fix(self.queued[0].sender)

    @property
    def recipients(self) -> list[bytes]:
        assert len(self.queued) == 1
        return self.queued[0].recipients

    def fix(self, data: bytes) -> bytes:
        """Check the generated stamps (time of the run, our pid) and blank them."""
        seconds: list[int] = []

        def date(m: re.Match) -> bytes:
            mon = MONTHS.split(b"|").index(m.group(3)) + 1
            t = calendar.timegm((int(m.group(4)), mon, int(m.group(2)), int(m.group(5)),
                                 int(m.group(6)), int(m.group(7))))
            assert int(self.before) <= t <= self.after + 1
            seconds.append(t)
            return (m.group(1) or b"") + b"Date: DATE\n"

        def msgid(m: re.Match) -> bytes:
            assert int(m.group(2)) == self.pid
            t = calendar.timegm(time.strptime(m.group(1).decode(), "%Y%m%d%H%M%S"))
            assert int(self.before) <= t <= self.after + 1
            if seconds:
                assert t == seconds[0]  # both come from the same start time
            return b"<MSGID.qmail@"

        def verp(m: re.Match) -> bytes:
            assert int(m.group(2)) == self.pid
            assert int(self.before) <= int(m.group(1)) <= self.after + 1
            return b"-T.P"

        data = DATE_RE.sub(date, data)
        data = MSGID_RE.sub(msgid, data)
        return VERP_M_RE.sub(verp, data)

    @property
    def out(self) -> bytes:
        """stdout of -n with the stamps fixed."""
        return self.fix(self.stdout)


def take_queued(home: QmailHome) -> list:
    """The messages in the queue, removed so the next run starts empty."""
    found = home.queued()
    for q in found:
        for sub in ("todo", "intd", "info", "local", "remote"):
            for p in (home.queue_dir(sub, str(q.inode)),
                      home.queue_dir(sub, str(q.inode % home.split), str(q.inode))):
                if p.is_file():
                    p.unlink()
        home.queue_dir("mess", str(q.inode % home.split), str(q.inode)).unlink()
    return found


def inject(home: QmailHome, *args: str, input: bytes = b"", env: dict | None = None,
           user: str | None = "joe", stdin: int | None = None) -> Result:
    """Run bin/qmail-inject with PATH (and USER) plus ``env``; None values unset."""
    full = dict(BASE_ENV)
    if user is not None:
        full["USER"] = user
    for key, value in (env or {}).items():
        if value is None:
            full.pop(key, None)
        else:
            full[key] = value
    before = time.time()
    proc = subprocess.Popen([str(home.path / "bin/qmail-inject"), *args],
                            stdin=subprocess.PIPE if stdin is None else stdin,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=full)
    out, err = proc.communicate(input if stdin is None else None, timeout=60)
    after = time.time()
    return Result(proc.returncode, out, err, proc.pid, before, after, take_queued(home),
                  invoker(home))


def invoker(home: QmailHome) -> bytes:
    """qmail-queue's words for the uid running the tests (qmail-queue(8))."""
    auto = home.auto()
    uid = os.getuid()
    for name, words in (("UIDA", b"by alias"), ("UIDD", b"from network"),
                        ("UIDS", b"for bounce")):
        if auto[name] == uid:
            return words
    return b"by uid %d" % uid


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> QmailHome:
    """One installation shared by the tests that leave the control files alone."""
    return install_home(tmp_path_factory.mktemp("inject") / "qmail")


# --- address rewriting: (To field in, field out, envelope recipients) ----------

REWRITES = [
    (b"To: bob", b"To: bob@mx.test.example.org\n", [b"bob@mx.test.example.org"]),
    (b"To: bob@host", b"To: bob@host.test.example.org\n", [b"bob@host.test.example.org"]),
    (b"To: bob@host.dom", b"To: bob@host.dom\n", [b"bob@host.dom"]),
    (b"To: bob@host+", b"To: bob@host.example.org\n", [b"bob@host.example.org"]),
    (b"To: bob@mail.cs+", b"To: bob@mail.cs.example.org\n", [b"bob@mail.cs.example.org"]),
    (b"To: Bob Smith <bob>", b"To: Bob Smith <bob@mx.test.example.org>\n",
     [b"bob@mx.test.example.org"]),
    (b'To: "Bob Smith" <bob@x.y>', b'To: "Bob Smith" <bob@x.y>\n', [b"bob@x.y"]),
    (b"To: bob (Bob Smith)", b"To: bob@mx.test.example.org (Bob Smith)\n",
     [b"bob@mx.test.example.org"]),
    # a comment before an address ends up after it
    (b"To: (c) bob", b"To: bob@mx.test.example.org (c)\n", [b"bob@mx.test.example.org"]),
    (b"To: friends: a, b@c;, d",
     b"To: friends: a@mx.test.example.org, b@c.test.example.org;,\n  d@mx.test.example.org\n",
     [b"d@mx.test.example.org", b"b@c.test.example.org", b"a@mx.test.example.org"]),
    (b"To: empty:;", b"To: empty: ;\n", []),
    (b'To: "joe q"@x.y', b'To: "joe q"@x.y\n', [b"joe q@x.y"]),
    (b'To: "joe"@x.y', b'To: "joe"@x.y\n', [b"joe@x.y"]),
    (b'To: "a\\"b"@c.d', b'To: "a\\"b"@c.d\n', [b'a"b@c.d']),
    (b"To: a\\@b@c.d", b"To: a@b@c.d\n", [b"a@b@c.d"]),
    (b"To: <@r1,@r2:e@f.g>", b"To: <e@f.g>\n", [b"e@f.g"]),
    (b"To: u@[1.2.3.4]", b"To: u@[1.2.3.4]\n", [b"u@[1.2.3.4]"]),
    (b"To: u@[]", b"To: u@[]\n", [b"u@[]"]),
    (b"To: u@host.", b"To: u@host.test.example.org\n", [b"u@host.test.example.org"]),
    (b"To: u@", b"To: u@mx.test.example.org\n", [b"u@mx.test.example.org"]),
    (b"To: a.b.c", b"To: a.b.c@mx.test.example.org\n", [b"a.b.c@mx.test.example.org"]),
    (b"To: .a@b", b"To: .a@b.test.example.org\n", [b".a@b.test.example.org"]),
    # two words without a comma are two addresses
    (b"To: a b", b"To: a@mx.test.example.org, b@mx.test.example.org\n",
     [b"b@mx.test.example.org", b"a@mx.test.example.org"]),
    (b"To: <>", b"To: <>\n", [b""]),
    (b"To: u@h\n  , v@w.x", b"To: u@h.test.example.org, v@w.x\n",
     [b"v@w.x", b"u@h.test.example.org"]),
    # a recipient field that does not parse is kept and gives no recipients
    (b"To: a, (bad", b"To: a, (bad\n", []),
    (b"CC: lower", b"CC: lower@mx.test.example.org\n", [b"lower@mx.test.example.org"]),
    (b"to  : spaced", b"to: spaced@mx.test.example.org\n", [b"spaced@mx.test.example.org"]),
    (b"Apparently-To: app",
     b"Cc: recipient list not shown: ;\nApparently-To: app@mx.test.example.org\n",
     [b"app@mx.test.example.org"]),
    (b"To: " + b", ".join(b"user%d@host%d.example" % (i, i) for i in range(12)),
     b"To: user0@host0.example, user1@host1.example, user2@host2.example,\n"
     b"  user3@host3.example, user4@host4.example, user5@host5.example,\n"
     b"  user6@host6.example, user7@host7.example, user8@host8.example,\n"
     b"  user9@host9.example, user10@host10.example, user11@host11.example\n",
     [b"user%d@host%d.example" % (i, i) for i in reversed(range(12))]),
]


@pytest.mark.parametrize("field_in, field_out, rcpts", REWRITES,
                         ids=[r[0][:40].decode("latin-1") for r in REWRITES])
def test_rewrite_recipient_field(home, field_in, field_out, rcpts) -> None:
    r = inject(home, input=field_in + b"\n\nbody\n")
    assert (r.code, r.stderr) == (0, b"")
    assert r.message == HEAD + field_out + b"\nbody\n"
    assert r.sender == b"joe@mx.test.example.org"
    assert r.recipients == rcpts


def test_sender_fields_rewritten_and_resent(home) -> None:
    msg = (b"Reply-To: r\nSender: s\nErrors-To: e\nReturn-Receipt-To: rr\n"
           b"Resent-Reply-To: rrt\nResent-Sender: rs\nX-Other: u\n\nb\n")
    r = inject(home, "-n", input=msg)
    assert r.code == 0
    assert r.out == (
        RP + b"Resent-Date: DATE\nResent-Message-ID: <MSGID.qmail@mx.test.example.org>\n"
        b"Resent-From: joe@mx.test.example.org\nResent-Cc: recipient list not shown: ;\n"
        b"Reply-To: r@mx.test.example.org\nSender: s@mx.test.example.org\n"
        b"Errors-To: e@mx.test.example.org\nReturn-Receipt-To: rr@mx.test.example.org\n"
        b"Resent-Reply-To: rrt@mx.test.example.org\nResent-Sender: rs@mx.test.example.org\n"
        b"X-Other: u\n\nb\n")


def test_long_recipient_list_folds_at_80(home) -> None:
    addrs = [b"someone%d@example.com" % i for i in range(500)]
    r = inject(home, input=b"To: " + b",".join(addrs) + b"\n\n")
    assert r.code == 0
    to = r.message.split(b"From: joe@mx.test.example.org\n", 1)[1]
    assert to.endswith(b"\n\n")
    lines = to[:-2].split(b"\n")
    assert all(len(line) <= 80 for line in lines)
    assert all(line.endswith(b",") for line in lines[:-1])
    assert b"".join(lines).replace(b",  ", b", ") == b"To: " + b", ".join(addrs)
    assert r.recipients == addrs[::-1]


# --- recipient selection ---------------------------------------------------------

PLAIN = b"To: a\nCc: b\nBcc: c\nApparently-To: d\nSubject: s\n\nbody\n"
PLAIN_OUT = (HEAD + b"To: a@mx.test.example.org\nCc: b@mx.test.example.org\n"
             b"Apparently-To: d@mx.test.example.org\nSubject: s\n\nbody\n")
HDR = [b"a@mx.test.example.org", b"b@mx.test.example.org", b"c@mx.test.example.org",
       b"d@mx.test.example.org"]
ARGS = [b"x@mx.test.example.org", b"y@z.example.org"]


@pytest.mark.parametrize("args, rcpts", [
    ([], HDR),
    (["x", "y@z+"], ARGS),
    (["-A", "x", "y@z+"], ARGS),
    (["-A"], HDR),
    (["-a", "x", "y@z+"], ARGS),
    (["-a"], []),
    (["-h", "x", "y@z+"], HDR),
    (["-H", "x", "y@z+"], ARGS + HDR),
    (["-H"], HDR),
    (["-h", "-a", "x"], [b"x@mx.test.example.org"]),  # the last option wins
    (["-a", "-h", "x"], HDR),
    (["-N", "x"], [b"x@mx.test.example.org"]),
    (["-n", "-N", "x"], [b"x@mx.test.example.org"]),
])
def test_recipient_strategy(home, args, rcpts) -> None:
    r = inject(home, *args, input=PLAIN)
    assert (r.code, r.stderr, r.stdout) == (0, b"", b"")
    assert r.message == PLAIN_OUT  # Bcc is gone in every case
    assert r.recipients == rcpts


def test_resent_recipients_and_fields(home) -> None:
    msg = b"Resent-To: r\nResent-Cc: s\nResent-Bcc: t\nBcc: b\nTo: a\n\nb\n"
    r = inject(home, input=msg)
    assert r.code == 0
    assert r.message == (
        b"Resent-Date: DATE\nResent-Message-ID: <MSGID.qmail@mx.test.example.org>\n"
        b"Resent-From: joe@mx.test.example.org\nResent-To: r@mx.test.example.org\n"
        b"Resent-Cc: s@mx.test.example.org\nTo: a@mx.test.example.org\n\nb\n")
    assert r.recipients == [b"r@mx.test.example.org", b"s@mx.test.example.org",
                            b"t@mx.test.example.org"]
    r = inject(home, "-H", "x", input=msg)
    assert r.recipients[0] == b"x@mx.test.example.org"
    assert r.recipients[1:] == [b"r@mx.test.example.org", b"s@mx.test.example.org",
                                b"t@mx.test.example.org"]


def test_resent_bcc_only_gets_resent_cc(home) -> None:
    r = inject(home, input=b"Resent-Bcc: t\nTo: a\n\nb\n")
    assert r.message == (
        b"Resent-Date: DATE\nResent-Message-ID: <MSGID.qmail@mx.test.example.org>\n"
        b"Resent-From: joe@mx.test.example.org\nResent-Cc: recipient list not shown: ;\n"
        b"To: a@mx.test.example.org\n\nb\n")
    assert r.recipients == [b"t@mx.test.example.org"]


def test_resent_fields_present_are_kept(home) -> None:
    r = inject(home, "-n", input=b"Resent-Date: x\nResent-Message-ID: <y>\n"
                                 b"Resent-From: f@g.h\nResent-To: r\n\nb\n")
    assert r.stdout == (RP + b"Resent-Date: x\nResent-Message-ID: <y>\nResent-From: f@g.h\n"
                        b"Resent-To: r@mx.test.example.org\n\nb\n")


def test_bcc_only_gets_cc_line(home) -> None:
    r = inject(home, input=b"Bcc: b\n\nb\n")
    assert r.message == HEAD + b"Cc: recipient list not shown: ;\n\nb\n"
    assert r.recipients == [b"b@mx.test.example.org"]


def test_no_recipients_is_queued_anyway(home) -> None:
    """qmail-inject does not check for recipients: qmail-queue takes an empty list."""
    r = inject(home, input=b"Subject: none\n\nb\n")
    assert (r.code, r.stderr) == (0, b"")
    assert r.message == HEAD + b"Cc: recipient list not shown: ;\nSubject: none\n\nb\n"
    assert r.recipients == []
    assert r.queued[0].envelope.endswith(b"Fjoe@mx.test.example.org\0")


def test_dash_n_prints_instead_of_queueing(home) -> None:
    r = inject(home, "-n", input=b"To: bob\n\nbody\n")
    assert (r.code, r.stderr, r.queued) == (0, b"", [])
    assert r.out == RP + HEAD + b"To: bob@mx.test.example.org\n\nbody\n"


# --- envelope sender ----------------------------------------------------------------

@pytest.mark.parametrize("args, env, msg, return_path", [
    (["-f", "sender"], {"QMAILINJECT": "r", "QMAILSUSER": "x"},
     b"To: bob\nReturn-Path: <rp@x.y>\n\nb\n", b"sender@mx.test.example.org"),
    (["-f", ""], {}, b"To: bob\n\nb\n", b""),
    (["-fs@h+"], {}, b"To: bob\n\nb\n", b"s@h.example.org"),
    (["-f", "a", "-f", "b@c.d"], {}, b"To: bob\n\nb\n", b"b@c.d"),
    ([], {}, b"To: bob\nReturn-Path: <rp@x.y>\n\nb\n", b"rp@x.y"),
    ([], {}, b"To: bob\nReturn-Path: <>\n\nb\n", b""),
    ([], {}, b"To: bob\nReturn-Path: a@b.c, d@e.f\n\nb\n", b"d@e.f"),
    ([], {}, b"To: bob\nReturn-Path: <one@x.y>\nReturn-Path: <two@x.y>\n\nb\n", b"one@x.y"),
    ([], {"QMAILINJECT": "s"}, b"To: bob\nReturn-Path: <rp@x.y>\n\nb\n",
     b"joe@mx.test.example.org"),
    ([], {"QMAILINJECT": "r"}, b"To: bob\n\nb\n", b"joe-@mx.test.example.org-@[]"),
    ([], {"QMAILINJECT": "r"}, b"To: bob\nReturn-Path: <rp@x.y>\n\nb\n", b"rp@x.y-@[]"),
    ([], {"QMAILINJECT": "m"}, b"To: bob\n\nb\n", b"joe-T.P@mx.test.example.org"),
    ([], {"QMAILINJECT": "mr", "QMAILSUSER": "list"}, b"To: bob\n\nb\n",
     b"list-T.P-@mx.test.example.org-@[]"),
    ([], {"QMAILSUSER": "bounces", "QMAILSHOST": "bh.example.net"}, b"To: bob\n\nb\n",
     b"bounces@bh.example.net"),
    ([], {"QMAILSHOST": "bh"}, b"To: bob\n\nb\n", b"joe@bh.test.example.org"),
    ([], {"QMAILSUSER": "a b"}, b"To: bob\n\nb\n", b"a b@mx.test.example.org"),
])
def test_envelope_sender(home, args, env, msg, return_path) -> None:
    r = inject(home, *args, input=msg, env=env)
    assert (r.code, r.stderr) == (0, b"")
    assert r.sender == return_path
    assert r.recipients == [b"bob@mx.test.example.org"]
    assert b"Return-Path" not in r.message


def test_return_path_in_dash_n_is_quoted(home) -> None:
    r = inject(home, "-n", input=b"To: bob\n\nbody\n", env={"QMAILINJECT": "r"})
    assert r.out.startswith(b'Return-Path: <"joe-@mx.test.example.org-"@[]>\nDate: DATE\n')


# --- From and the other generated fields ---------------------------------------

@pytest.mark.parametrize("env, from_, return_path", [
    ({}, b"joe@mx.test.example.org", b"joe@mx.test.example.org"),
    ({"USER": None, "LOGNAME": "lg"}, b"lg@mx.test.example.org", b"lg@mx.test.example.org"),
    ({"USER": None}, b"anonymous@mx.test.example.org", b"anonymous@mx.test.example.org"),
    ({"MAILUSER": "mu", "LOGNAME": "lg"}, b"mu@mx.test.example.org", b"mu@mx.test.example.org"),
    ({"QMAILUSER": "qu", "MAILUSER": "mu"}, b"qu@mx.test.example.org",
     b"qu@mx.test.example.org"),
    ({"QMAILUSER": "Joe Q. User"}, b'"Joe Q. User"@mx.test.example.org',
     b'"Joe Q. User"@mx.test.example.org'),
    ({"NAME": "Joe Q. User"}, b'"Joe Q. User" <joe@mx.test.example.org>',
     b"joe@mx.test.example.org"),
    ({"NAME": "n", "MAILNAME": "Mail Name"}, b'"Mail Name" <joe@mx.test.example.org>',
     b"joe@mx.test.example.org"),
    ({"NAME": "n", "MAILNAME": "m", "QMAILNAME": 'Q "Name" (x)'},
     b'"Q \\"Name\\" \\(x\\)" <joe@mx.test.example.org>', b"joe@mx.test.example.org"),
    ({"NAME": "Joe Q. User", "QMAILINJECT": "c"}, b"joe@mx.test.example.org (Joe Q. User)",
     b"joe@mx.test.example.org"),
    ({"MAILHOST": "mh.example.net"}, b"joe@mh.example.net", b"joe@mh.example.net"),
    ({"MAILHOST": "mh", "QMAILHOST": "qh+"}, b"joe@qh.example.org", b"joe@qh.example.org"),
    ({"QMAILHOST": "qh"}, b"joe@qh.test.example.org", b"joe@qh.test.example.org"),
    ({"QMAILSUSER": "b", "QMAILSHOST": "bh.example.net"}, b"joe@mx.test.example.org",
     b"b@bh.example.net"),
])
def test_generated_from(home, env, from_, return_path) -> None:
    r = inject(home, "-n", input=b"To: bob\n\nbody\n", env=env)
    assert (r.code, r.stderr) == (0, b"")
    assert r.out == (b"Return-Path: <" + return_path + b">\nDate: DATE\n"
                     b"Message-ID: <MSGID.qmail@mx.test.example.org>\nFrom: " + from_ +
                     b"\nTo: bob@mx.test.example.org\n\nbody\n")


@pytest.mark.parametrize("env, to, from_, msgid_host", [
    ({"QMAILDEFAULTHOST": "dh"}, b"bob@dh.test.example.org", b"joe@dh.test.example.org",
     b"mx.test.example.org"),
    ({"QMAILDEFAULTHOST": "dh+", "QMAILPLUSDOMAIN": "plus.example"}, b"bob@dh.plus.example",
     b"joe@dh.plus.example", b"mx.test.example.org"),
    ({"QMAILDEFAULTDOMAIN": "dd.example", "QMAILDEFAULTHOST": "dh"}, b"bob@dh.dd.example",
     b"joe@dh.dd.example", b"mx.test.example.org"),
    ({"QMAILIDHOST": "id.example"}, b"bob@mx.test.example.org", b"joe@mx.test.example.org",
     b"id.example"),
    ({"QMAILDEFAULTHOST": "a)"}, b'bob@"a\\)".test.example.org',
     b'joe@"a\\)".test.example.org', b"mx.test.example.org"),
])
def test_environment_overrides_controls(home, env, to, from_, msgid_host) -> None:
    r = inject(home, input=b"To: bob\n\nbody\n", env=env)
    assert (r.code, r.stderr) == (0, b"")
    assert r.message == (b"Date: DATE\nMessage-ID: <MSGID.qmail@" + msgid_host + b">\nFrom: "
                         + from_ + b"\nTo: " + to + b"\n\nbody\n")


def test_stamps_match_clock_and_pid(home) -> None:
    r = inject(home, input=b"To: bob\n\n")
    raw = r.queued[0].message
    date = DATE_RE.search(raw)
    msgid = re.search(rb"^Message-ID: <(\d{14})\.(\d+)\.qmail@mx\.test\.example\.org>\n",
                      raw, re.M)
    assert date and msgid
    assert int(msgid.group(2)) == r.pid
    assert r.message == HEAD + b"To: bob@mx.test.example.org\n\n"


def test_existing_from_and_message_id_are_kept(home) -> None:
    msg = b"To: bob\nFrom: me@x.y\nMessage-ID: <id@x>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n\nb\n"
    r = inject(home, input=msg)
    assert r.message == (b"To: bob@mx.test.example.org\nFrom: me@x.y\nMessage-ID: <id@x>\n"
                         b"Date: Mon, 1 Jan 2024 00:00:00 +0000\n\nb\n")


def test_qmailinject_f_and_i_replace_from_and_message_id(home) -> None:
    msg = b"To: bob\nFrom: me@x.y\nMessage-ID: <id@x>\n\nb\n"
    r = inject(home, input=msg, env={"QMAILINJECT": "fi"})
    assert r.message == HEAD + b"To: bob@mx.test.example.org\n\nb\n"
    r = inject(home, input=msg, env={"QMAILINJECT": "f"})
    assert r.message == (b"Date: DATE\nFrom: joe@mx.test.example.org\n"
                         b"To: bob@mx.test.example.org\nMessage-ID: <id@x>\n\nb\n")


def test_unknown_qmailinject_letters_are_ignored(home) -> None:
    r = inject(home, "-n", input=b"To: bob\n\n", env={"QMAILINJECT": "xyz"})
    assert r.out == RP + HEAD + b"To: bob@mx.test.example.org\n\n"


# --- Mail-Followup-To --------------------------------------------------------------

@pytest.fixture
def mftfile(tmp_path) -> Path:
    path = tmp_path / "lists"
    path.write_bytes(b"# mailing lists\n\nlist@x.y   \n")
    return path


def test_mft_added_when_a_list_is_addressed(home, mftfile) -> None:
    msg = b"To: bob, List@X.Y\nCc: carol, dave\n\nb\n"
    r = inject(home, input=msg, env={"QMAILMFTFILE": str(mftfile)})
    assert r.message == (
        HEAD + b"Mail-Followup-To: carol@mx.test.example.org,\n  dave@mx.test.example.org,\n"
        b"  bob@mx.test.example.org,\n  List@X.Y\n"
        b"To: bob@mx.test.example.org, List@X.Y\n"
        b"Cc: carol@mx.test.example.org, dave@mx.test.example.org\n\nb\n")


def test_mft_file_is_relative_to_the_callers_directory(home, mftfile) -> None:
    full = dict(BASE_ENV, USER="joe", QMAILMFTFILE=mftfile.name)
    proc = subprocess.run([str(home.path / "bin/qmail-inject"), "-n"], input=b"To: list@x.y\n\n",
                          env=full, capture_output=True, cwd=mftfile.parent)
    assert b"\nMail-Followup-To: list@x.y\n" in proc.stdout


@pytest.mark.parametrize("msg", [
    b"To: bob\nCc: carol\n\nb\n",                        # no list among To+Cc
    b"To: list@x.y\nMail-Followup-To: me@x.y\n\nb\n",    # already there
    b"Bcc: list@x.y\nTo: a\n\nb\n",                      # Bcc does not count
])
def test_mft_not_added(home, mftfile, msg) -> None:
    r = inject(home, "-n", input=msg, env={"QMAILMFTFILE": str(mftfile)})
    assert r.code == 0
    assert b"Mail-Followup-To: " not in r.stdout.replace(b"Mail-Followup-To: me@x.y", b"")


def test_mft_file_missing_or_unreadable(home, tmp_path) -> None:
    r = inject(home, "-n", input=b"To: list@x.y\n\n",
               env={"QMAILMFTFILE": str(tmp_path / "none")})
    assert r.code == 0 and b"Mail-Followup-To" not in r.stdout
    r = inject(home, "-n", input=b"To: list@x.y\n\n", env={"QMAILMFTFILE": str(tmp_path)})
    assert (r.code, r.stdout, r.stderr) == (111, b"", b"qmail-inject: fatal: read error\n")


# --- header and body handling -------------------------------------------------------

@pytest.mark.parametrize("msg, out", [
    (b"From x@y Mon\nTo: a\nX-Foo: bar\nnot a header\nmore\n",
     b"MBOX-Line: From x@y Mon\nTo: a@mx.test.example.org\nX-Foo: bar\n\nnot a header\nmore\n"),
    (b"To: a\nSubject: no body", b"To: a@mx.test.example.org\nSubject: no body\n"),
    (b"To: a\nSubject: x\n\nno newline", b"To: a@mx.test.example.org\nSubject: x\n\nno newline\n"),
    (b"To: a\r\nSubject: x\r\n\r\nbody\r\n",
     b"To: a@mx.test.example.org\nSubject: x\r\n\n\r\nbody\r\n"),
    (b"To: a\nContent-Length: 99\nBcc: hidden\n\nb\n", b"To: a@mx.test.example.org\n\nb\n"),
    (b"To: a\nX-Folded: one\n\ttwo\n  three\n\nb\n",
     b"To: a@mx.test.example.org\nX-Folded: one\n\ttwo\n  three\n\nb\n"),
    (b"To: a\n\n\n\nFrom: not header\n", b"To: a@mx.test.example.org\n\n\n\nFrom: not header\n"),
    (b"To: a\nbad name: x\n", b"To: a@mx.test.example.org\n\nbad name: x\n"),
    (b"To: a\n: empty name\n", b"To: a@mx.test.example.org\n\n: empty name\n"),
    (b"To: a\nX-\xe9: 8bit name\n", b"To: a@mx.test.example.org\n\nX-\xe9: 8bit name\n"),
    (b"To: a\nX-Eight: value \xe9\xff\n\n",
     b"To: a@mx.test.example.org\nX-Eight: value \xe9\xff\n\n"),
    (b"", b"Cc: recipient list not shown: ;\n"),
    (b"\n", b"Cc: recipient list not shown: ;\n\n"),
    (b"body only, no header\n", b"Cc: recipient list not shown: ;\n\nbody only, no header\n"),
    (b"To: a\x00b@c.d\n\nbody\x00\xff\n", b'To: "a\x00b"@c.d\n\nbody\x00\xff\n'),
])
def test_header_and_body(home, msg, out) -> None:
    r = inject(home, "-n", input=msg)
    assert (r.code, r.stderr) == (0, b"")
    assert r.out == RP + HEAD + out


def test_nul_in_header_address_truncates_envelope_recipient(home) -> None:
    r = inject(home, input=b"To: a\x00b@c.d\n\nbody\x00\xff\n")
    assert r.message == HEAD + b'To: "a\x00b"@c.d\n\nbody\x00\xff\n'
    assert r.recipients == [b"a"]


def test_binary_body_passes_unchanged(home) -> None:
    body = bytes(range(256)) * 2000 + b"\r\n\0\n" + bytes(range(256))
    r = inject(home, input=b"To: a\n\n" + body)
    assert r.message == HEAD + b"To: a@mx.test.example.org\n\n" + body + b"\n"


def test_very_long_header_line(home) -> None:
    long_field = b"X-Long: " + b"q" * 300000 + b"\n"
    r = inject(home, input=b"To: a\n" + long_field + b"Subject: s\n\nbody\n")
    assert r.code == 0
    assert r.message == HEAD + b"To: a@mx.test.example.org\n" + long_field + b"Subject: s\n\nbody\n"


def test_very_long_address_is_refused_by_qmail_queue(home) -> None:
    r = inject(home, input=b"To: a@" + b"x" * 1100 + b".org\n\n")
    assert (r.code, r.queued) == (100, [])
    assert r.stderr == b"qmail-inject: fatal: envelope address too long for qq (#5.1.3)\n"


# --- errors ---------------------------------------------------------------------------

@pytest.mark.parametrize("args, env, msg, code, err", [
    (["-x"], {}, b"To: a\n\n", 100, b"qmail-inject: illegal option -- x\n"),
    (["-f"], {}, b"To: a\n\n", 100, b"qmail-inject: option requires an argument -- f\n"),
    (["-n", "-f", "a@(x"], {}, b"To: a\n\n", 100,
     b"qmail-inject: fatal: unable to parse this line:\na@(x"),
    (["-n", "a@(x"], {}, b"To: a\n\n", 100,
     b"qmail-inject: fatal: unable to parse address: a@(x\n"),
    (["-n"], {}, b"From: (x\nTo: bob\n\n", 100,
     b"qmail-inject: fatal: unable to parse this line:\nFrom: (x\n"),
    (["-n"], {}, b"To: bob\nSender: a>\n\n", 100,
     b"qmail-inject: fatal: unable to parse this line:\nSender: a>\n"),
    (["-n"], {}, b"To: bob\nReply-To: g: a;;\n\n", 100,
     b"qmail-inject: fatal: unable to parse this line:\nReply-To: g: a;;\n"),
    (["-n"], {}, b"To: bob\nReturn-Path: x>\n\n", 100,
     b"qmail-inject: fatal: unable to parse this line:\nReturn-Path: x>\n"),
    (["-n"], {"QMAILINJECT": "s"}, b"To: bob\nReturn-Path: x>\n\n", 0, None),
    (["-n"], {"QMAILDEFAULTDOMAIN": "(x"}, b"To: a\n\n", 100,
     b"qmail-inject: fatal: unable to parse this line:\n.(x"),
    (["-n"], {"QMAILPLUSDOMAIN": "]x"}, b"To: a\n\n", 100,
     b"qmail-inject: fatal: unable to parse this line:\n.]x"),
    (["-n"], {"QMAILDEFAULTHOST": "(x"}, b"To: a\n\n", 100,
     b"qmail-inject: fatal: unable to parse this line:\n@(x"),
    (["-n"], {"QMAILHOST": "a>"}, b"To: a\n\n", 100,
     b'qmail-inject: fatal: unable to parse this line:\nReturn-Path: "joe"@a>\n'),
    (["-n", "-f", "s"], {"QMAILHOST": "a>"}, b"To: a\n\n", 100,
     b"qmail-inject: fatal: unable to parse this line:\nFrom: joe@a>\n"),
    ([], {"QMAILQUEUE": "/nonexistent/qq"}, b"To: a\n\n", 111,
     b"qmail-inject: fatal: unable to exec qq (#4.3.0)\n"),
])
def test_errors(home, args, env, msg, code, err) -> None:
    r = inject(home, *args, input=msg, env=env)
    if err is None:  # the case right before, made harmless by the environment
        assert (r.code, r.stderr) == (0, b"")
        return
    assert (r.code, r.stdout, r.stderr, r.queued) == (code, b"", err, [])


def test_unparsable_argument_is_reported_before_reading_input(home) -> None:
    r = inject(home, "(x", "y@(z", stdin=subprocess.DEVNULL)
    assert (r.code, r.stderr) == (100, b"qmail-inject: fatal: unable to parse address: y@(z\n")


def test_read_error(home, tmp_path) -> None:
    """stdin open for writing only: read() fails.  (A directory on stdin cannot be
    tested: the Python interpreter refuses to start with one.)"""
    fd = os.open(tmp_path / "out", os.O_WRONLY | os.O_CREAT)
    try:
        r = inject(home, stdin=fd)
    finally:
        os.close(fd)
    assert (r.code, r.stdout, r.stderr, r.queued) == (
        111, b"", b"qmail-inject: fatal: read error\n", [])


# --- QMAILQUEUE ------------------------------------------------------------------------

@pytest.fixture
def fake_queue(tmp_path) -> Path:
    """A qmail-queue stand-in: keeps message, envelope and cwd, answers as told."""
    script = tmp_path / "fake-qq"
    script.write_text(
        "#!/bin/sh\n"
        "cat > \"$QQDIR/message\"\n"
        "cat <&1 > \"$QQDIR/envelope\"\n"
        "pwd > \"$QQDIR/cwd\"\n"
        "if [ -n \"$QQTEXT\" ]; then printf '%s' \"$QQTEXT\" >&6; fi\n"
        "if [ -n \"$QQSIG\" ]; then kill -$QQSIG $$; fi\n"
        "exit ${QQEXIT:-0}\n")
    script.chmod(0o755)
    return script


def test_qmailqueue_is_used(home, fake_queue, tmp_path) -> None:
    r = inject(home, "x", input=b"To: a\n\nbody\n",
               env={"QMAILQUEUE": str(fake_queue), "QQDIR": str(tmp_path)})
    assert (r.code, r.stderr, r.queued) == (0, b"", [])
    assert r.fix((tmp_path / "message").read_bytes()) == (
        HEAD + b"To: a@mx.test.example.org\n\nbody\n")
    assert (tmp_path / "envelope").read_bytes() == (
        b"Fjoe@mx.test.example.org\0Tx@mx.test.example.org\0\0")
    assert (tmp_path / "cwd").read_text().strip() == str(home.path)


@pytest.mark.parametrize("exitcode, text, sig, code, err", [
    (82, "Dsorry, no (#5.7.1)", None, 100, b"sorry, no (#5.7.1)"),
    (82, "Ztry again later (#4.3.0)", None, 111, b"try again later (#4.3.0)"),
    (82, "", None, 111, b"qq temporary problem (#4.3.0)"),
    (11, "", None, 100, b"envelope address too long for qq (#5.1.3)"),
    (31, "", None, 100, b"mail server permanently rejected message (#5.3.0)"),
    (20, "", None, 100, b"qq permanent problem (#5.3.0)"),
    (53, "", None, 111, b"qq write error or disk full (#4.3.0)"),
    (54, "", None, 111, b"qq read error (#4.3.0)"),
    (71, "", None, 111, b"mail server temporarily rejected message (#4.3.0)"),
    (99, "", None, 111, b"qq temporary problem (#4.3.0)"),
    (0, "", "KILL", 111, b"qq crashed (#4.3.0)"),
])
def test_qmailqueue_failures(home, fake_queue, tmp_path, exitcode, text, sig, code,
                             err) -> None:
    env = {"QMAILQUEUE": str(fake_queue), "QQDIR": str(tmp_path), "QQEXIT": str(exitcode),
           "QQTEXT": text}
    if sig:
        env["QQSIG"] = sig
    r = inject(home, input=b"To: a\n\nbody\n", env=env)
    assert (r.code, r.stdout, r.stderr) == (code, b"", b"qmail-inject: fatal: " + err + b"\n")


# --- control files -----------------------------------------------------------------------

def test_control_files(qhome) -> None:
    qhome.control("defaulthost", "dh\n")
    qhome.control("defaultdomain", "dom.example\n")
    qhome.control("plusdomain", "plus.example\n")
    qhome.control("idhost", "id.example\n")
    r = inject(qhome, input=b"To: a, b@c, d@e+\n\n")
    assert r.message == (b"Date: DATE\nMessage-ID: <MSGID.qmail@id.example>\n"
                         b"From: joe@dh.dom.example\n"
                         b"To: a@dh.dom.example, b@c.dom.example, d@e.plus.example\n\n")
    assert r.sender == b"joe@dh.dom.example"
    assert r.recipients == [b"d@e.plus.example", b"b@c.dom.example", b"a@dh.dom.example"]


def test_controls_default_to_me_then_to_literals(qhome) -> None:
    control = qhome.path / "control"
    for name in ("defaulthost", "defaultdomain", "plusdomain", "idhost"):
        (control / name).unlink(missing_ok=True)
    r = inject(qhome, "-n", input=b"To: a, b@c, d@e+\n\n")
    assert r.out == (RP + HEAD + b"To: a@mx.test.example.org, b@c.mx.test.example.org, "
                     b"d@e.mx.test.example.org\n\n")
    (control / "me").unlink()
    r = inject(qhome, "-n", input=b"To: a, b@c, d@e+\n\n")
    assert r.out == (b"Return-Path: <joe@defaulthost.defaultdomain>\nDate: DATE\n"
                     b"Message-ID: <MSGID.qmail@idhost>\nFrom: joe@defaulthost.defaultdomain\n"
                     b"To: a@defaulthost.defaultdomain, b@c.defaultdomain, d@e.plusdomain\n\n")


@pytest.mark.parametrize("name", ["me", "defaulthost", "idhost"])
def test_unreadable_control_file(qhome, name) -> None:
    path = qhome.path / "control" / name
    path.unlink(missing_ok=True)
    path.mkdir()
    r = inject(qhome, "-n", input=b"To: a\n\n")
    assert (r.code, r.stdout, r.stderr) == (111, b"", b"qmail-inject: fatal: read error\n")


# --- cost --------------------------------------------------------------------------------

FORBIDDEN = {"re", "email", "getopt", "argparse", "signal", "subprocess", "socket", "typing",
             "datetime", "locale", "hashlib", "configparser", "enum"}


def test_import_graph_is_small(home) -> None:
    launcher = home.path / "bin/qmail-inject"
    interpreter = launcher.read_text().split("\n", 1)[0][2:].split()[0]
    proc = subprocess.run([interpreter, "-I", "-S", "-X", "importtime", str(launcher), "-n"],
                          input=b"To: a\n\n", env=dict(BASE_ENV, USER="joe"),
                          capture_output=True)
    assert proc.returncode == 0
    names = {line.rsplit(b"|", 1)[1].strip().decode() for line in proc.stderr.splitlines()
             if line.startswith(b"import time:") and b"|" in line}
    assert "qmail.inject" in names
    assert not names & FORBIDDEN, names & FORBIDDEN


def test_inject_and_queue_are_fast(home) -> None:
    """Generous bound (the budget is 20 ms on an idle machine): catches regressions only."""
    times = []
    for _ in range(10):
        r = inject(home, input=b"To: a\nSubject: s\n\nbody\n")
        assert r.code == 0
        times.append(r.after - r.before)
    assert sorted(times)[len(times) // 2] < 0.1, times
