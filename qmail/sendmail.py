"""sendmail: the compatibility front end that old mail user agents call.

It understands sendmail's command line just well enough to hand the message to
qmail-inject (or, for -bp and -bs, to qmail-qread and qmail-smtpd); options that
make no sense under qmail are accepted and ignored, so existing scripts keep
working.  Everything is done by exec, never by a child process: the caller
sees qmail-inject's own exit code and messages.

Option parsing is done here rather than with qmail.lib.sgetopt because -E and
-J must skip the rest of the word they appear in, which needs the parser's
position inside a word.
"""

from __future__ import annotations

import os
import sys
TYPE_CHECKING = False  # importing typing costs about 7 ms: annotations only
if TYPE_CHECKING:
    from typing import NoReturn

from qmail.lib.fd import restore_exec_signals

OPTIONS = b"vimte:f:p:o:B:F:EJxb:"
USAGE = b"sendmail: usage: sendmail [ -t ] [ -fsender ] [ -Fname ] [ -bp ] [ -bs ] [ arg ... ]\n"

# What qmail-smtpd would get from tcpserver, for a "connection" from the local user.
SMTPD_ENV = (
    (b"RELAYCLIENT", b""),
    (b"DATABYTES", b"0"),
    (b"PROTO", b"TCP"),
    (b"TCPLOCALIP", b"127.0.0.1"),
    (b"TCPLOCALHOST", b"localhost"),
    (b"TCPREMOTEIP", b"127.0.0.1"),
    (b"TCPREMOTEHOST", b"localhost"),
    (b"TCPREMOTEINFO", b"sendmail-bs"),
)

# do_sender() forgets every name/host the caller's environment chose, so that
# qmail-inject's From: agrees with the envelope sender given by -f.
SENDER_UNSET = (b"QMAILNAME", b"MAILNAME", b"NAME", b"QMAILHOST", b"MAILHOST")


def die(message: bytes, code: int) -> NoReturn:
    """Print ``message`` on stderr and leave with ``code``."""
    try:
        os.write(2, message)
    except OSError:
        pass
    os._exit(code)


def die_usage() -> NoReturn:
    die(USAGE, 100)


class Options:
    """A word-and-position option scanner behaving like qmail's subgetopt."""

    def __init__(self, argv: list[bytes]) -> None:
        self.argv = argv
        self.ind = 1  # word being scanned
        self.pos = 0  # position inside it; 0: not yet inside a word
        self.arg: bytes | None = None
        self.problem = 0

    def next(self, spec: bytes) -> int | None:
        """The next option letter, ord('?') on a problem, None when options end."""
        argv = self.argv
        self.arg = None
        if self.ind >= len(argv):
            return None
        if self.pos and self.pos >= len(argv[self.ind]):
            self.ind += 1
            self.pos = 0
            if self.ind >= len(argv):
                return None
        if not self.pos:
            word = argv[self.ind]
            if word[:1] != b"-":
                return None
            if len(word) == 1 or word[1:2] == b"-":
                if len(word) > 1:
                    self.ind += 1  # "--..." ends the options and is consumed
                return None
            self.pos = 1
        word = argv[self.ind]
        letter = word[self.pos]
        self.pos += 1
        where = spec.find(bytes((letter,)))
        if where == -1 or letter == ord(":"):
            self.problem = letter
            return ord("?")
        if spec[where + 1:where + 2] == b":":
            self.arg = word[self.pos:]
            self.ind += 1
            self.pos = 0
            if not self.arg:
                if self.ind >= len(argv):
                    self.problem = letter
                    return ord("?")
                self.arg = argv[self.ind]
                self.ind += 1
        return letter

    def skip_word(self) -> None:
        """Ignore the rest of the current word (the optional argument of -E/-J)."""
        self.pos = len(self.argv[self.ind])

    def complain(self, progname: bytes) -> None:
        """sgetopt's diagnostic for the problem just found."""
        if self.ind < len(self.argv):
            what = b": illegal option -- "
        else:
            what = b": option requires an argument -- "
        try:
            os.write(2, progname + what + bytes((self.problem,)) + b"\n")
        except OSError:
            pass


def progname_of(argv: list[bytes]) -> bytes:
    """Base name of argv[0]: the program behaves as mailq or newaliases by name."""
    name = argv[0] if argv else b""
    return name.rsplit(b"/", 1)[-1]


def run(path: bytes, env: dict[bytes, bytes], what: bytes,
        args: list[bytes] | None = None) -> NoReturn:
    """exec ``path`` (relative to the qmail home) or die as sendmail does."""
    restore_exec_signals()
    try:
        os.execve(path, args or [path], env)
    except OSError:
        pass
    die(b"sendmail: fatal: unable to run " + what + b"\n", 111)


def mailq(env: dict[bytes, bytes]) -> NoReturn:
    run(b"bin/qmail-qread", env, b"qmail-qread")


def smtpd(env: dict[bytes, bytes]) -> NoReturn:
    """Talk SMTP on stdin/stdout as if the local user had connected over TCP."""
    if b"PROTO" not in env:
        for name, value in SMTPD_ENV:
            env[name] = value
    run(b"bin/qmail-smtpd", env, b"qmail-smtpd")


def do_sender(env: dict[bytes, bytes], sender: bytes) -> None:
    """Make qmail-inject's From: user and host those of the -f address."""
    for name in SENDER_UNSET:
        env.pop(name, None)
    at = sender.rfind(b"@")
    if at == -1:
        env[b"QMAILUSER"] = sender
        return
    env[b"QMAILHOST"] = sender[at + 1:]
    env[b"QMAILUSER"] = sender[:at]


def main() -> None:
    from qmail import auto

    try:
        os.chdir(auto.QMAIL)
    except OSError:
        die(b"sendmail: fatal: unable to switch to qmail home directory\n", 111)

    argv = [os.fsencode(a) for a in sys.argv]
    env = dict(os.environb)
    progname = progname_of(argv)
    flagh = False
    sender: bytes | None = None
    opts = Options(argv)
    while True:
        letter = opts.next(OPTIONS)
        if letter is None:
            break
        value = opts.arg or b""
        if letter == ord("t"):
            flagh = True
        elif letter == ord("f"):
            sender = value
        elif letter == ord("F"):
            env[b"MAILNAME"] = value
        elif letter in b"EJ":  # Sony NEWS-OS: an optional argument glued on
            opts.skip_word()
        elif letter == ord("b"):
            mode = value[:1]
            if mode == b"p":
                mailq(env)
            if mode == b"s":
                smtpd(env)
            if mode != b"m":
                die_usage()
        elif letter == ord("?"):
            opts.complain(progname)
            die_usage()
        # B p v i x m e o: meaningless under qmail, accepted and ignored

    if progname == b"mailq":
        mailq(env)
    if progname == b"newaliases":
        die(b"sendmail: fatal: please use fastforward/newaliases instead\n", 100)

    args = [b"bin/qmail-inject", b"-H" if flagh else b"-a"]
    if sender is not None:
        args += [b"-f", sender]
        do_sender(env, sender)
    args.append(b"--")
    args += argv[opts.ind:]
    run(args[0], env, b"qmail-inject", args)
