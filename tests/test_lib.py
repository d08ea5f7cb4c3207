"""Unit tests of the shared library: control files, queue names, envelopes, quoting,
dates, Received lines, option parsing, and the qmail-queue client (qmail.c)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from qmail.lib import address, control, envelope, qfn, received, sgetopt
from qmail.lib.date822 import date822fmt
from qmail.lib.qq import QmailQueue, status_text


@pytest.fixture
def ctl(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "control").mkdir()
    monkeypatch.chdir(tmp_path)
    control._me = None
    yield tmp_path / "control"
    control._me = None


def test_readline_strips_trailing_space_tab_newline_only(ctl: Path) -> None:
    (ctl / "x").write_bytes(b"  value \t \nsecond\n")
    assert control.readline("control/x") == "  value"
    assert control.readline("control/missing") is None


def test_rldef_falls_back_to_me_then_default(ctl: Path) -> None:
    assert control.rldef("control/helohost", True, "dflt") == "dflt"
    (ctl / "me").write_text("me.example\n")
    assert control.init() == "me.example"
    assert control.rldef("control/helohost", True, "dflt") == "me.example"
    assert control.rldef("control/helohost", False, "dflt") == "dflt"
    (ctl / "helohost").write_text("helo.example\n")
    assert control.rldef("control/helohost", True, "dflt") == "helo.example"


def test_readint_uses_leading_digits_else_default(ctl: Path) -> None:
    assert control.readint("control/n", 20) == 20
    (ctl / "n").write_text("35 connections\n")
    assert control.readint("control/n", 20) == 35
    (ctl / "n").write_text("many\n")
    assert control.readint("control/n", 20) == 20


def test_readfile_skips_comments_and_blank_lines(ctl: Path) -> None:
    (ctl / "locals").write_bytes(b"# comment\na.example  \n\n\tb.example\n#x\nc.example")
    assert control.readfile("control/locals") == ["a.example", "\tb.example", "c.example"]
    assert control.readfile("control/none") is None
    (ctl / "me").write_text("me.example\n")
    control.init()
    assert control.readfile("control/none", flagme=True) == ["me.example"]


def test_control_keeps_8bit_bytes(ctl: Path) -> None:
    (ctl / "x").write_bytes(b"caf\xe9\n")
    assert control.readline("control/x").encode("latin-1") == b"caf\xe9"


def test_unreadable_control_file_is_an_error_not_a_default(ctl: Path) -> None:
    (ctl / "x").mkdir()
    with pytest.raises(OSError):
        control.readline("control/x")


def test_queue_names() -> None:
    assert qfn.fmtqfn("mess", 457, 23) == "mess/20/457"
    assert qfn.fmtqfn("todo", 457, 0) == "todo/457"
    assert qfn.qfn("info", 46, 23) == "info/0/46"
    assert qfn.qfn("intd", 46, 23) == "intd/46"


def test_envelope_round_trip_and_errors() -> None:
    data = envelope.encode(b"a@b", [b"c@d", b""])
    assert data == b"Fa@b\0Tc@d\0T\0\0"
    assert envelope.decode(data) == (b"a@b", [b"c@d", b""])
    with pytest.raises(envelope.EnvelopeError):
        envelope.decode(b"Xa\0\0")
    with pytest.raises(envelope.EnvelopeError):
        envelope.decode(b"Fa\0Xb\0\0")
    with pytest.raises(EOFError):
        envelope.decode(b"Fa\0Tb\0")
    with pytest.raises(envelope.AddressTooLong):
        envelope.decode(b"F" + b"x" * 1003 + b"\0\0")
    assert envelope.decode(b"F" + b"x" * 1002 + b"\0\0")[0] == b"x" * 1002
    assert envelope.parse_fields(b"u0\0p12\0Fa\0Tb\0Dc\0Tpart") == [
        b"u0", b"p12", b"Fa", b"Tb", b"Dc"]


@pytest.mark.parametrize("raw,quoted", [
    (b"joe", b"joe"), (b"joe.bloggs", b"joe.bloggs"), (b"", b'""'),
    (b"joe bloggs", b'"joe bloggs"'), (b".joe", b'".joe"'), (b"joe.", b'"joe."'),
    (b"a..b", b'"a..b"'), (b'say"hi', b'"say\\"hi"'), (b"back\\slash", b'"back\\\\slash"'),
    (b"caf\xe9", b'"caf\xe9"'), (b"a@b", b'"a@b"'), (b"a+b=c/d", b"a+b=c/d"),
])
def test_quote(raw: bytes, quoted: bytes) -> None:
    assert address.quote(raw) == quoted


def test_quote2_quotes_local_part_only() -> None:
    assert address.quote2(b"joe bloggs@example.com") == b'"joe bloggs"@example.com'
    assert address.quote2(b"a@b@example.com") == b'"a@b"@example.com'
    assert address.quote2(b"") == b""
    assert address.quote2(b"x y") == b'"x y"'


def test_date822fmt_is_utc() -> None:
    assert date822fmt(811485414) == "19 Sep 1995 04:36:54 -0000"
    assert date822fmt(0) == "1 Jan 1970 00:00:00 -0000"


def test_queue_received_names_caller() -> None:
    line = received.queue_received(4242, 7, 7, 8, 9, 0)
    assert line == b"Received: (qmail 4242 invoked by alias); 1 Jan 1970 00:00:00 -0000\n"
    assert b"invoked from network" in received.queue_received(1, 8, 7, 8, 9, 0)
    assert b"invoked for bounce" in received.queue_received(1, 9, 7, 8, 9, 0)
    assert b"invoked by uid 1000" in received.queue_received(1, 1000, 7, 8, 9, 0)


def test_smtp_received_replaces_unsafe_bytes() -> None:
    line = received.smtp_received("SMTP", b"mx.example", b"192.0.2.1", b"host.example",
                                  b"ident", b"evil\r\nX-Injected: yes", 0)
    assert line == (b"Received: from host.example (HELO evil??X-Injected:?yes) "
                    b"(ident@192.0.2.1)\n  by mx.example with SMTP; 1 Jan 1970 00:00:00 -0000\n")
    assert received.smtp_received("SMTP", b"l", b"1.2.3.4", b"unknown", None, None, 0) == (
        b"Received: from unknown (1.2.3.4)\n  by l with SMTP; 1 Jan 1970 00:00:00 -0000\n")


def test_sgetopt() -> None:
    assert sgetopt.sgetopt(["-ab", "-fsender", "-F", "Full Name", "rcpt", "-x"], "abf:F:") == (
        [("a", None), ("b", None), ("f", "sender"), ("F", "Full Name")], ["rcpt", "-x"])
    assert sgetopt.sgetopt(["-a", "--", "-b"], "ab") == ([("a", None)], ["-b"])
    assert sgetopt.sgetopt(["-", "x"], "a") == ([], ["-", "x"])
    with pytest.raises(sgetopt.OptionError) as e:
        sgetopt.sgetopt(["-z"], "ab")
    assert e.value.letter == "z"
    with pytest.raises(sgetopt.OptionError):
        sgetopt.sgetopt(["-f"], "f:")


# ---------------------------------------------------------------- qmail.c


def fake_queue(tmp_path: Path, script: str) -> str:
    path = tmp_path / "fakeqq"
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(0o755)
    return str(path)


def test_qq_client_passes_message_and_envelope(tmp_path: Path) -> None:
    out = tmp_path / "out"
    qq = QmailQueue(str(tmp_path), fake_queue(
        tmp_path, f"cat > {out}.m; cat <&1 > {out}.e; pwd > {out}.d; exit 0\n"))
    qq.put(b"Subject: x\n\n")
    qq.put(b"body\n" * 30000)
    qq.from_(b"a@b")
    qq.to(b"c@d")
    qq.to(b"e@f")
    assert qq.close() == ""
    assert Path(f"{out}.m").read_bytes() == b"Subject: x\n\n" + b"body\n" * 30000
    assert Path(f"{out}.e").read_bytes() == b"Fa@b\0Tc@d\0Te@f\0\0"
    assert Path(f"{out}.d").read_text().strip() == str(tmp_path)  # run in the qmail home


@pytest.mark.parametrize("script,result", [
    ("echo -n 'Dsorry, no spam here (#5.7.1)' >&6; exit 82", "Dsorry, no spam here (#5.7.1)"),
    ("echo -n 'Zcome back later (#4.3.0)' >&6; exit 82", "Zcome back later (#4.3.0)"),
    ("exit 82", "Zqq temporary problem (#4.3.0)"),
    ("exit 11", "Denvelope address too long for qq (#5.1.3)"),
    ("exit 31", "Dmail server permanently rejected message (#5.3.0)"),
    ("exit 35", "Dqq permanent problem (#5.3.0)"),
    ("exit 53", "Zqq write error or disk full (#4.3.0)"),
    ("exit 91", "Zqq internal bug (#4.3.0)"),
    ("exit 99", "Zqq temporary problem (#4.3.0)"),
    ("kill -9 $$", "Zqq crashed (#4.3.0)"),
])
def test_qq_client_status_texts(tmp_path: Path, script: str, result: str) -> None:
    qq = QmailQueue(str(tmp_path), fake_queue(tmp_path, "cat >/dev/null; " + script + "\n"))
    qq.put(b"x\n")
    qq.from_(b"")
    qq.to(b"a@b")
    assert qq.close() == result


def test_qq_client_honours_qmailqueue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QMAILQUEUE", fake_queue(tmp_path, "cat >/dev/null; exit 31\n"))
    qq = QmailQueue(str(tmp_path))
    qq.from_(b"")
    assert qq.close() == "Dmail server permanently rejected message (#5.3.0)"


def test_qq_client_unexecutable_and_early_exit(tmp_path: Path) -> None:
    qq = QmailQueue(str(tmp_path), str(tmp_path / "nonexistent"))
    qq.put(b"x" * 200000)
    qq.from_(b"")
    assert qq.close() == "Zunable to exec qq (#4.3.0)"
    # A queue program that exits 0 without reading everything: qmail.c calls it a read error.
    qq = QmailQueue(str(tmp_path), fake_queue(tmp_path, "exit 0\n"))
    qq.put(b"x" * 500000)
    qq.from_(b"")
    assert qq.close() == "Zqq read error (#4.3.0)"


def test_status_text_table() -> None:
    assert status_text(0, b"", False) == ""
    assert status_text(82, b"Dx", False) == "Zqq temporary problem (#4.3.0)"  # too short
    assert status_text(120, b"", False) == "Zunable to exec qq (#4.3.0)"
