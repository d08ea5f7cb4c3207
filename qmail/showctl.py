"""qmail-showctl: explain the installed configuration (qmail-showctl(8)).

First the values fixed at install time (qmail's compiled-in conf-* files),
then every control file in a fixed order, each as a paragraph saying what
its current contents mean or, when it is missing, what the default is, and
last one line for each file in control/ that nothing here knows about.

Every control file is one entry of the CONTROLS table; a new one (the Helios
files, say) needs only a new entry, which also keeps it off the unknown list.
"""

from __future__ import annotations

import _signal
import os

from qmail.lib import control
from qmail.lib.outbuf import Output

NS = 1_000_000_000
TROUBLE = "Oops! Trouble reading this file.\n"

# Control values are shown only as printable ASCII; anything else becomes '?'.
_SAFE = "".join(chr(c) if 32 <= c <= 126 else "?" for c in range(256))

out = Output(1)


def safe(text: str) -> str:
    """Mask what a terminal should not be sent (text is latin-1: one char per byte)."""
    return text.translate(_SAFE)


def as_c_int(number: int) -> int:
    """The value qmail gets by storing an unsigned long from scan_ulong in an int."""
    low = number % (1 << 64) & 0xFFFFFFFF
    return low - (1 << 32) if low >= 1 << 31 else low


class Shown:
    """What the control files shown so far tell later entries.

    ``me`` is control/me (the default of many host names) or None;
    ``results`` maps a list file's name to 1 (read), 0 (missing), -1 (trouble).
    """

    def __init__(self, me: str | None) -> None:
        self.me = me
        self.results: dict[str, int] = {}


class Control:
    """One control file: ``show`` prints its paragraph after the "\\nname: " heading."""

    def __init__(self, name: str) -> None:
        self.name = name

    def show(self, shown: Shown) -> None:
        out.puts(f"\n{self.name}: ")
        self.describe(shown)

    def describe(self, shown: Shown) -> None:
        raise NotImplementedError


class Number(Control):
    """A decimal number; a missing or non-numeric file means the default."""

    def __init__(self, name: str, default: str, pre: str, post: str = "") -> None:
        super().__init__(name)
        self.default, self.pre, self.post = default, pre, post

    def describe(self, shown: Shown) -> None:
        try:
            value = control.readint(self.name, -1)
        except OSError:
            out.puts(TROUBLE)
            return
        if value < 0:
            out.puts(f"(Default.) {self.pre}{self.default}{self.post}.\n")
            return
        out.puts(f"{self.pre}{max(as_c_int(value), 0)}{self.post}.\n")


class Line(Control):
    """A one-line value; when missing, control/me (if ``flagme``) or a fixed text."""

    def __init__(self, name: str, flagme: bool, default: str, pre: str) -> None:
        super().__init__(name)
        self.flagme, self.default, self.pre = flagme, default, pre

    def describe(self, shown: Shown) -> None:
        try:
            value = control.readline(self.name)
        except OSError:
            out.puts(TROUBLE)
            return
        if value is None:
            out.puts("(Default.) ")
            value = shown.me if self.flagme and shown.me is not None else self.default
        out.puts(f"{self.pre}{safe(value)}.\n")


class List(Control):
    """One entry per line (comments and blank lines skipped), each line explained."""

    def __init__(self, name: str, default: str, pre: str, post: str) -> None:
        super().__init__(name)
        self.default, self.pre, self.post = default, pre, post

    def describe(self, shown: Shown) -> None:
        shown.results[self.name] = self.explain(self.default, self.pre, self.post)

    def explain(self, default: str, pre: str, post: str) -> int:
        """Print the paragraph; 1 if the file was read, 0 if missing, -1 on trouble."""
        try:
            lines = control.readfile(self.name)
        except OSError:
            out.puts(TROUBLE)
            return -1
        if lines is None:
            out.puts(f"(Default.) {default}\n")
            return 0
        out.puts("\n")
        for line in lines:
            if line.startswith("\0"):
                continue  # qmail sees an empty line there
            for piece in line.split("\0"):  # and NUL-separated entries within one
                out.puts(f"{pre}{safe(piece)}{post}\n")
        return 1


class Dependent(List):
    """A list whose meaning depends on whether another list file exists.

    morercpthosts only extends rcpthosts: without rcpthosts it changes nothing.
    """

    def __init__(self, name: str, master: str,
                 with_master: tuple[str, str, str], without: tuple[str, str, str]) -> None:
        super().__init__(name, *with_master)
        self.master, self.without = master, without

    def describe(self, shown: Shown) -> None:
        texts = (self.default, self.pre, self.post)
        if not shown.results.get(self.master):
            texts = self.without
        shown.results[self.name] = self.explain(*texts)


class Compiled(Control):
    """A cdb made from a source file: is it there, and newer than its source?"""

    def __init__(self, name: str, source: str) -> None:
        super().__init__(name)
        self.source = source

    def describe(self, shown: Shown) -> None:
        src = _mtime(self.source)
        cdb = _mtime(self.name)
        if src is None and cdb is None:
            out.puts("(Default.) No effect.\n")
        elif src is None:
            out.puts(f"Oops! {self.name} exists but {self.source} doesn't.\n")
        elif cdb is None:
            out.puts(f"Oops! {self.source} exists but {self.name} doesn't.\n")
        elif src > cdb:
            out.puts(f"Oops! {self.name} is older than {self.source}.\n")
        else:
            out.puts("Modified recently enough; hopefully up to date.\n")


def _mtime(fn: str) -> int | None:
    """Modification time in whole seconds, None if it cannot be stat'ed."""
    try:
        return os.stat(fn).st_mtime_ns // NS
    except OSError:
        return None


CONTROLS: tuple[Control, ...] = (
    List("badmailfrom", "Any MAIL FROM is allowed.", "", " not accepted in MAIL FROM."),
    Line("bouncefrom", False, "MAILER-DAEMON", "Bounce user name is "),
    Line("bouncehost", True, "bouncehost", "Bounce host name is "),
    Number("concurrencylocal", "10", "Local concurrency is "),
    Number("concurrencyremote", "20", "Remote concurrency is "),
    Number("databytes", "0", "SMTP DATA limit is ", " bytes"),
    Line("defaultdomain", True, "defaultdomain", "Default domain name is "),
    Line("defaulthost", True, "defaulthost", "Default host name is "),
    Line("doublebouncehost", True, "doublebouncehost", "2B recipient host: "),
    Line("doublebounceto", False, "postmaster", "2B recipient user: "),
    Line("envnoathost", True, "envnoathost", "Presumed domain name is "),
    Line("helohost", True, "helohost", "SMTP client HELO host name is "),
    Line("idhost", True, "idhost", "Message-ID host name is "),
    Line("localiphost", True, "localiphost", "Local IP address becomes "),
    List("locals", "Messages for me are delivered locally.",
         "Messages for ", " are delivered locally."),
    Line("me", False, "undefined! Uh-oh", "My name is "),
    List("percenthack", "The percent hack is not allowed.",
         "The percent hack is allowed for user%host@", "."),
    Line("plusdomain", True, "plusdomain", "Plus domain name is "),
    List("qmqpservers", "No QMQP servers.", "QMQP server: ", "."),
    Number("queuelifetime", "604800", "Message lifetime in the queue is ", " seconds"),
    List("rcpthosts", "SMTP clients may send messages to any recipient.",
         "SMTP clients may send messages to recipients at ", "."),
    Dependent("morercpthosts", "rcpthosts",
              ("No effect.", "SMTP clients may send messages to recipients at ", "."),
              ("No rcpthosts; morercpthosts is irrelevant.",
               "No rcpthosts; doesn't matter that morercpthosts has ", ".")),
    Compiled("morercpthosts.cdb", "morercpthosts"),
    Line("smtpgreeting", True, "smtpgreeting", "SMTP greeting: 220 "),
    List("smtproutes", "No artificial SMTP routes.", "SMTP route: ", ""),
    Number("timeoutconnect", "60", "SMTP client connection timeout is ", " seconds"),
    Number("timeoutremote", "1200", "SMTP client data timeout is ", " seconds"),
    Number("timeoutsmtpd", "1200", "SMTP server data timeout is ", " seconds"),
    List("virtualdomains", "No virtual domains.", "Virtual domain: ", ""),
)


def oops(text: str) -> None:
    """Give up: the configuration cannot be examined at all."""
    out.puts(text)
    out.flush()
    os._exit(111)


def show_install() -> None:
    """The install-time values: home, delimiter, paternalism, limits, ids."""
    from qmail import auto

    patrn = auto.PATRN if isinstance(auto.PATRN, int) else int(str(auto.PATRN), 8)
    uids = (auto.UIDA, auto.UIDD, auto.UIDL, auto.UIDO,
            auto.UIDP, auto.UIDQ, auto.UIDR, auto.UIDS)
    out.puts(f"qmail home directory: {auto.QMAIL}.\n"
             f"user-ext delimiter: {auto.BREAK}.\n"
             f"paternalism (in decimal): {patrn}.\n"
             f"silent concurrency limit: {auto.SPAWN}.\n"
             f"subdirectory split: {auto.SPLIT}.\n"
             f"user ids: {', '.join(str(u) for u in uids)}.\n"
             f"group ids: {auto.GIDN}, {auto.GIDQ}.\n")


def unknown_files(names: list[bytes]) -> None:
    """A paragraph for each file in control/ that no table entry describes."""
    known = {c.name.encode() for c in CONTROLS}
    for name in names:
        if name not in known:
            out.put(b"\n" + name + b": I have no idea what this file does.\n")


def main() -> None:
    from qmail import auto

    _signal.signal(_signal.SIGPIPE, _signal.SIG_DFL)  # die quietly in `| less`, as C does
    show_install()
    try:
        os.chdir(auto.QMAIL)
    except OSError:
        oops(f"Oops! Unable to chdir to {auto.QMAIL}.\n")
    try:
        os.chdir("control")
    except OSError:
        oops("Oops! Unable to chdir to control.\n")
    try:
        names = os.listdir(b".")
    except OSError:
        oops("Oops! Unable to open current directory.\n")
    try:
        me = control.readline("me")
    except OSError:
        oops("Oops! Trouble reading control/me.")
    shown = Shown(me)
    for entry in CONTROLS:
        entry.show(shown)
    unknown_files(names)
    out.flush()
    os._exit(0)
