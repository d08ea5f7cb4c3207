"""qmail-qread, qmail-qstat and qmail-showctl: qmail's exact output, byte for byte.

qmail-send does not exist yet, so preprocessed messages (INTERNALS state S5) are
built here the way qmail-send's todo pass writes them: info/N holds
``F<sender>\\0``; local/N and remote/N hold one ``T<address>\\0`` per recipient,
and markdone() overwrites the ``T`` with ``D`` once a delivery is finished.
"""

from __future__ import annotations

import calendar
import os
import subprocess
from pathlib import Path

import pytest

from conftest import BASE_ENV, QmailHome

SEP_26_1995 = calendar.timegm((1995, 9, 26, 4, 46, 54))  # qmail-queue(8)'s example date
JAN_5_2024 = calendar.timegm((2024, 1, 5, 3, 4, 5))


def qfile(home: QmailHome, dirname: str, inode: int, split: bool = True) -> Path:
    """Path of a queue file, split directories as fmtqfn.c names them."""
    if split:
        return home.queue_dir(dirname, str(inode % home.split), str(inode))
    return home.queue_dir(dirname, str(inode))


def preprocessed(home: QmailHome, inode: int, sender: bytes, *, mtime: int,
                 local: list[bytes] | None = None, remote: list[bytes] | None = None,
                 message: bytes = b"Subject: x\n\nbody\n", bounce: bool = False) -> None:
    """A message as qmail-send leaves it after its todo pass.

    Recipients are given with their record letter: b"Tnot@done" or b"Ddone@already".
    """
    qfile(home, "mess", inode).write_bytes(message)
    info = qfile(home, "info", inode)
    info.write_bytes(b"F" + sender + b"\0")
    os.utime(info, (mtime, mtime))
    for dirname, records in (("local", local), ("remote", remote)):
        if records is not None:
            qfile(home, dirname, inode).write_bytes(b"".join(r + b"\0" for r in records))
    if bounce:
        qfile(home, "bounce", inode, split=False).write_bytes(b"")


def qmail_queue(home: QmailHome, message: bytes, sender: bytes, rcpts: list[bytes]) -> None:
    """Queue one message through bin/qmail-queue's real fd 0 and fd 1."""
    envelope = b"F" + sender + b"\0" + b"".join(b"T" + r + b"\0" for r in rcpts) + b"\0"
    rd, wr = os.pipe()
    os.write(wr, envelope)  # small: fits in the pipe buffer
    os.close(wr)
    try:
        proc = subprocess.run([str(home.path / "bin/qmail-queue")], input=message, stdout=rd,
                              env=BASE_ENV, timeout=30)
    finally:
        os.close(rd)
    assert proc.returncode == 0


# ---------------------------------------------------------------- qmail-qread

def test_qread_empty_queue(qhome: QmailHome) -> None:
    r = qhome.run("qmail-qread")
    assert (r.returncode, r.stdout, r.stderr) == (0, b"", b"")


def test_qread_lists_messages_and_recipients(qhome: QmailHome) -> None:
    split = qhome.split
    first, second = 1, split + 2  # subdirectories 1 and 2: listed in that order
    preprocessed(qhome, first, b"alice@example.com", mtime=SEP_26_1995,
                 message=b"x" * 1234,
                 local=[b"Tbob@mx.test.example.org", b"Dcarol@mx.test.example.org"],
                 remote=[b"Ddan@remote.example", b"Terin@remote.example"])
    preprocessed(qhome, second, b"", mtime=JAN_5_2024, message=b"",
                 remote=[b"Tfrank@remote.example"], bounce=True)
    r = qhome.run("qmail-qread")
    assert r.returncode == 0
    assert r.stderr == b""
    assert r.stdout == (
        b"26 Sep 1995 04:46:54 GMT  #1  1234  <alice@example.com> \n"
        b"\tlocal\tbob@mx.test.example.org\n"
        b"  done\tlocal\tcarol@mx.test.example.org\n"
        b"  done\tremote\tdan@remote.example\n"
        b"\tremote\terin@remote.example\n"
        b"5 Jan 2024 03:04:05 GMT  #%d  0  <>  bouncing\n"
        b"\tremote\tfrank@remote.example\n" % second)


def test_qread_masks_unprintable_bytes_and_skips_odd_records(qhome: QmailHome) -> None:
    preprocessed(qhome, 7, b"we\x01ird\xff@example.com", mtime=JAN_5_2024,
                 local=[b"Tctl\x02\x80@mx.test.example.org", b"Xunknown", b"T"])
    # a record cut short by a crash (no NUL yet) is not shown
    with open(qfile(qhome, "local", 7), "ab") as f:
        f.write(b"Tpartial@mx.test.example.org")
    r = qhome.run("qmail-qread")
    assert (r.returncode, r.stdout) == (0, (
        b"5 Jan 2024 03:04:05 GMT  #7  17  <we_ird_@example.com> \n"
        b"\tlocal\tctl__@mx.test.example.org\n"
        b"\tlocal\t\n"))


def test_qread_reports_trouble_and_goes_on(qhome: QmailHome) -> None:
    split = qhome.split
    # mess/ missing
    qfile(qhome, "info", 3).write_bytes(b"Fghost@example.com\0")
    # info/ unreadable (a dangling symbolic link: root cannot read it either)
    qfile(qhome, "mess", split + 4).write_bytes(b"m")
    qfile(qhome, "info", split + 4).symlink_to("/nonexistent/info")
    # local/ unreadable for another reason than absence: a symbolic link loop
    preprocessed(qhome, 5, b"loop@example.com", mtime=SEP_26_1995,
                 local=[], remote=[b"Tr@remote.example"])
    loop = qfile(qhome, "local", 5)
    loop.unlink()
    loop.symlink_to(loop)
    # names that are not message numbers are not qmail's: ignored
    qfile(qhome, "info", 6).parent.joinpath("junk").write_bytes(b"Fjunk\0")
    r = qhome.run("qmail-qread")
    assert r.returncode == 0
    assert r.stdout == (
        b"warning: trouble with #3: file does not exist\n"
        b"warning: trouble with #%d: file does not exist\n"
        b"26 Sep 1995 04:46:54 GMT  #5  17  <loop@example.com> \n"
        b"warning: trouble with #5: symbolic link loop\n"
        b"\tremote\tr@remote.example\n" % (split + 4))


def test_qread_dies_when_a_subdirectory_is_missing(qhome: QmailHome) -> None:
    preprocessed(qhome, 2, b"a@example.com", mtime=JAN_5_2024, remote=[b"Tb@remote.example"])
    preprocessed(qhome, 9, b"c@example.com", mtime=JAN_5_2024, remote=[b"Td@remote.example"])
    qhome.queue_dir("info", "5").rmdir()
    r = qhome.run("qmail-qread")
    assert r.returncode == 111
    assert r.stdout == (b"5 Jan 2024 03:04:05 GMT  #2  17  <a@example.com> \n"
                        b"\tremote\tb@remote.example\n"
                        b"fatal: unable to opendir info/5: file does not exist\n")


def test_qread_ignores_messages_not_yet_preprocessed(qhome: QmailHome) -> None:
    qmail_queue(qhome, b"Subject: hi\n\nhi\n", b"a@example.com", [b"b@example.com"])
    assert len(qhome.queued()) == 1
    r = qhome.run("qmail-qread")
    assert (r.returncode, r.stdout) == (0, b"")


def test_qread_fatal_without_queue(qhome: QmailHome) -> None:
    qhome.queue_dir().rename(qhome.path / "queue.away")
    r = qhome.run("qmail-qread")
    assert (r.returncode, r.stdout) == (111, b"fatal: unable to chdir: file does not exist\n")


# ---------------------------------------------------------------- qmail-qstat

def qstat_text(total: int, todo: int) -> bytes:
    return (b"messages in queue: %d\n"
            b"messages in queue but not yet preprocessed: %d\n" % (total, todo))


def test_qstat_empty_queue(qhome: QmailHome) -> None:
    r = qhome.run("qmail-qstat")
    assert (r.returncode, r.stdout, r.stderr) == (0, qstat_text(0, 0), b"")


def test_qstat_counts_messages_queued_by_qmail_queue(qhome: QmailHome) -> None:
    for n in range(3):
        qmail_queue(qhome, b"Subject: %d\n\nbody\n" % n, b"a@example.com", [b"b@example.com"])
    r = qhome.run("qmail-qstat")
    assert (r.returncode, r.stdout, r.stderr) == (0, qstat_text(3, 3), b"")


def test_qstat_counts_preprocessed_and_waiting_apart(qhome: QmailHome) -> None:
    qmail_queue(qhome, b"Subject: new\n\nbody\n", b"a@example.com", [b"b@example.com"])
    preprocessed(qhome, 11, b"c@example.com", mtime=JAN_5_2024, remote=[b"Td@remote.example"])
    preprocessed(qhome, 12, b"e@example.com", mtime=JAN_5_2024, local=[b"Tf@example.com"])
    # find -type f: symbolic links are neither followed nor counted
    qfile(qhome, "mess", 13).symlink_to(qfile(qhome, "mess", 11))
    r = qhome.run("qmail-qstat")
    assert (r.returncode, r.stdout, r.stderr) == (0, qstat_text(3, 1), b"")


def test_qstat_reports_unreadable_places_like_find(qhome: QmailHome) -> None:
    for sub in qhome.queue_dir("mess").iterdir():
        sub.rmdir()
    qhome.queue_dir("todo").rmdir()
    r = qhome.run("qmail-qstat")
    queue = qhome.queue_dir()
    assert (r.returncode, r.stdout) == (0, qstat_text(0, 0))
    assert r.stderr == (f"find: '{queue}/mess/*': No such file or directory\n"
                        f"find: '{queue}/todo': No such file or directory\n").encode()


# ---------------------------------------------------------------- qmail-showctl

def showctl_head(home: QmailHome) -> str:
    a = home.auto()
    uids = ", ".join(str(a[f"UID{r}"]) for r in "ADLOPQRS")
    return (f"qmail home directory: {home.path}.\n"
            f"user-ext delimiter: {a['BREAK']}.\n"
            f"paternalism (in decimal): {a['PATRN']}.\n"
            f"silent concurrency limit: {a['SPAWN']}.\n"
            f"subdirectory split: {a['SPLIT']}.\n"
            f"user ids: {uids}.\n"
            f"group ids: {a['GIDN']}, {a['GIDQ']}.\n")


def paragraphs(out: bytes) -> dict[str, str]:
    """Control file name -> the text after "name: " (one paragraph each)."""
    result = {}
    for para in out.decode("latin-1").split("\n\n")[1:]:
        name, _, text = para.partition(": ")
        result[name] = text
    return result


def test_showctl_fresh_install(qhome: QmailHome) -> None:
    fqdn = qhome.fqdn
    r = qhome.run("qmail-showctl")
    assert (r.returncode, r.stderr) == (0, b"")
    assert r.stdout.decode() == showctl_head(qhome) + f"""
badmailfrom: (Default.) Any MAIL FROM is allowed.

bouncefrom: (Default.) Bounce user name is MAILER-DAEMON.

bouncehost: (Default.) Bounce host name is {fqdn}.

concurrencylocal: (Default.) Local concurrency is 10.

concurrencyremote: (Default.) Remote concurrency is 20.

databytes: (Default.) SMTP DATA limit is 0 bytes.

defaultdomain: Default domain name is test.example.org.

defaulthost: (Default.) Default host name is {fqdn}.

doublebouncehost: (Default.) 2B recipient host: {fqdn}.

doublebounceto: (Default.) 2B recipient user: postmaster.

envnoathost: (Default.) Presumed domain name is {fqdn}.

helohost: (Default.) SMTP client HELO host name is {fqdn}.

idhost: (Default.) Message-ID host name is {fqdn}.

localiphost: (Default.) Local IP address becomes {fqdn}.

locals: 
Messages for {fqdn} are delivered locally.

me: My name is {fqdn}.

percenthack: (Default.) The percent hack is not allowed.

plusdomain: Plus domain name is example.org.

qmqpservers: (Default.) No QMQP servers.

queuelifetime: (Default.) Message lifetime in the queue is 604800 seconds.

rcpthosts: 
SMTP clients may send messages to recipients at {fqdn}.

morercpthosts: (Default.) No effect.

morercpthosts.cdb: (Default.) No effect.

smtpgreeting: (Default.) SMTP greeting: 220 {fqdn}.

smtproutes: (Default.) No artificial SMTP routes.

timeoutconnect: (Default.) SMTP client connection timeout is 60 seconds.

timeoutremote: (Default.) SMTP client data timeout is 1200 seconds.

timeoutsmtpd: (Default.) SMTP server data timeout is 1200 seconds.

virtualdomains: (Default.) No virtual domains.
"""


def test_showctl_explains_written_files(qhome: QmailHome) -> None:
    qhome.control("me", "host.example.net \t\n")
    qhome.control("concurrencyremote", "40\n")
    qhome.control("concurrencylocal", "7 local deliveries\n")
    qhome.control("databytes", "4294967295\n")       # an int in C: -1, shown as 0
    qhome.control("queuelifetime", "none\n")          # not a number: the default
    qhome.control("timeoutsmtpd", "")                 # empty: the default too
    qhome.control("locals", "# local domains\nlocalhost\n\nexample.net  \n")
    qhome.control("badmailfrom", "@spam.example\nbad@example.com\n")
    qhome.control("percenthack", "old.example\n")
    qhome.control("qmqpservers", "192.0.2.1\n")
    qhome.control("smtproutes", ":relay.example.net\n")
    qhome.control("virtualdomains", "virt.example:alice\n")
    (qhome.path / "control/bouncefrom").write_bytes(b"bounce\x01\xe9\n")
    qhome.control("smtpgreeting", "mail.example.net ESMTP\nsecond line\n")
    qhome.control("helohost", "")
    r = qhome.run("qmail-showctl")
    assert (r.returncode, r.stderr) == (0, b"")
    p = paragraphs(r.stdout)
    assert p["me"] == "My name is host.example.net."
    assert p["bouncehost"] == "(Default.) Bounce host name is host.example.net."
    assert p["smtpgreeting"] == "SMTP greeting: 220 mail.example.net ESMTP."
    assert p["helohost"] == "SMTP client HELO host name is ."
    assert p["bouncefrom"] == "Bounce user name is bounce??."
    assert p["concurrencyremote"] == "Remote concurrency is 40."
    assert p["concurrencylocal"] == "Local concurrency is 7."
    assert p["databytes"] == "SMTP DATA limit is 0 bytes."
    assert p["queuelifetime"] == "(Default.) Message lifetime in the queue is 604800 seconds."
    assert p["timeoutsmtpd"] == "(Default.) SMTP server data timeout is 1200 seconds."
    assert p["locals"] == ("\nMessages for localhost are delivered locally."
                           "\nMessages for example.net are delivered locally.")
    assert p["badmailfrom"] == ("\n@spam.example not accepted in MAIL FROM."
                                "\nbad@example.com not accepted in MAIL FROM.")
    assert p["percenthack"] == "\nThe percent hack is allowed for user%host@old.example."
    assert p["qmqpservers"] == "\nQMQP server: 192.0.2.1."
    assert p["smtproutes"] == "\nSMTP route: :relay.example.net"
    assert p["virtualdomains"] == "\nVirtual domain: virt.example:alice\n"


def test_showctl_morercpthosts(qhome: QmailHome) -> None:
    control = qhome.path / "control"
    qhome.control("morercpthosts", "more.example\n")
    p = paragraphs(qhome.run("qmail-showctl").stdout)
    assert p["morercpthosts"] == "\nSMTP clients may send messages to recipients at more.example."
    assert p["morercpthosts.cdb"] == "Oops! morercpthosts exists but morercpthosts.cdb doesn't."

    (control / "morercpthosts.cdb").write_bytes(b"")
    os.utime(control / "morercpthosts", (JAN_5_2024, JAN_5_2024))
    os.utime(control / "morercpthosts.cdb", (SEP_26_1995, SEP_26_1995))
    p = paragraphs(qhome.run("qmail-showctl").stdout)
    assert p["morercpthosts.cdb"] == "Oops! morercpthosts.cdb is older than morercpthosts."

    os.utime(control / "morercpthosts.cdb", (JAN_5_2024, JAN_5_2024))
    p = paragraphs(qhome.run("qmail-showctl").stdout)
    assert p["morercpthosts.cdb"] == "Modified recently enough; hopefully up to date."

    (control / "rcpthosts").unlink()
    p = paragraphs(qhome.run("qmail-showctl").stdout)
    assert p["rcpthosts"] == "(Default.) SMTP clients may send messages to any recipient."
    assert p["morercpthosts"] == ("\nNo rcpthosts; doesn't matter that morercpthosts has "
                                  "more.example.")

    (control / "morercpthosts").unlink()
    p = paragraphs(qhome.run("qmail-showctl").stdout)
    assert p["morercpthosts"] == "(Default.) No rcpthosts; morercpthosts is irrelevant."
    assert p["morercpthosts.cdb"] == "Oops! morercpthosts.cdb exists but morercpthosts doesn't."


def test_showctl_without_me_and_with_trouble(qhome: QmailHome) -> None:
    control = qhome.path / "control"
    (control / "me").unlink()
    (control / "defaultdomain").unlink()
    (control / "databytes").mkdir()   # cannot be read as a file
    (control / "locals").unlink()
    (control / "locals").mkdir()
    r = qhome.run("qmail-showctl")
    assert r.returncode == 0
    p = paragraphs(r.stdout)
    assert p["me"] == "(Default.) My name is undefined! Uh-oh."
    assert p["bouncehost"] == "(Default.) Bounce host name is bouncehost."
    assert p["defaultdomain"] == "(Default.) Default domain name is defaultdomain."
    assert p["databytes"] == "Oops! Trouble reading this file."
    assert p["locals"] == "Oops! Trouble reading this file."


def test_showctl_lists_unknown_files_last(qhome: QmailHome) -> None:
    qhome.control("smtpplugins", "[connection]\n")
    qhome.control(".hidden", "x\n")
    r = qhome.run("qmail-showctl")
    assert r.returncode == 0
    text = r.stdout.decode()
    last = "virtualdomains: (Default.) No virtual domains.\n"
    rest = text[text.index(last) + len(last):]
    hidden = "\n.hidden: I have no idea what this file does.\n"
    plugins = "\nsmtpplugins: I have no idea what this file does.\n"
    assert rest in (hidden + plugins, plugins + hidden)  # directory order
    assert "me: I have no idea" not in text
    assert "locals: I have no idea" not in text


def test_showctl_unreadable_me_is_fatal(qhome: QmailHome) -> None:
    me = qhome.path / "control" / "me"
    me.unlink()
    me.mkdir()
    r = qhome.run("qmail-showctl")
    assert r.returncode == 111
    assert r.stdout.decode() == showctl_head(qhome) + "Oops! Trouble reading control/me."


def test_showctl_without_control_directory(qhome: QmailHome) -> None:
    (qhome.path / "control").rename(qhome.path / "control.away")
    r = qhome.run("qmail-showctl")
    assert r.returncode == 111
    assert r.stdout.decode() == showctl_head(qhome) + "Oops! Unable to chdir to control.\n"


@pytest.mark.parametrize("name", ["concurrencylocal", "timeoutconnect"])
def test_showctl_number_wraps_like_a_c_int(qhome: QmailHome, name: str) -> None:
    qhome.control(name, "4294967297\n")  # 2**32 + 1 stored in a 32-bit int is 1
    p = paragraphs(qhome.run("qmail-showctl").stdout)
    unit = "" if name == "concurrencylocal" else " seconds"
    assert p[name].endswith(f" is 1{unit}.")
