"""qmail-inject: preprocess a message's header and queue it (qmail-inject(8)).

The message is read from fd 0.  Address fields are parsed and qualified
(defaulthost, defaultdomain, plusdomain), Bcc/Resent-Bcc/Return-Path/
Content-Length are removed, missing Date, Message-ID, From (or their Resent-
forms) and a Cc or Mail-Followup-To are added, and the result goes to
qmail-queue (or to stdout with -n).  Recipients come from the arguments, from
the header, or both.  Texts, exit codes (100 permanent, 111 temporary) and the
order of every step follow qmail's qmail-inject.c, since callers depend on them.
"""

from __future__ import annotations

import os
import time

from qmail.lib import token822 as tk
from qmail.lib import header as hf
from qmail.lib.address import quote2, quote_need

LINELEN = 80


def _write_err(data: bytes) -> None:
    try:
        while data:
            data = data[os.write(2, data):]
    except OSError:
        pass


def die(code: int, text: bytes) -> None:
    """Print ``qmail-inject: fatal: TEXT`` and leave with ``code``."""
    _write_err(b"qmail-inject: fatal: " + text)
    os._exit(code)


def die_read() -> None:
    die(111, b"read error\n")


def die_parse(line: bytes) -> None:
    """doordie: a line that must parse did not (a sender field, a control value)."""
    die(100, b"unable to parse this line:\n" + line)


def cstr(s: bytes) -> bytes:
    """What a C string of ``s`` holds: everything before the first NUL."""
    nul = s.find(b"\0")
    return s if nul < 0 else s[:nul]


class Output:
    """Where the new message goes: qmail-queue, or stdout with -n."""

    def __init__(self) -> None:
        self.qq = None
        self.buf = bytearray()

    def open_queue(self, home: str) -> None:
        from qmail.lib.qq import QmailQueue
        try:
            self.qq = QmailQueue(home)
        except OSError:
            die(111, b"unable to run qmail-queue\n")

    def put(self, data: bytes) -> None:
        if self.qq is not None:
            self.qq.put(data)
            return
        self.buf += data
        if len(self.buf) >= 65536:
            self.flush()

    def flush(self) -> None:
        """stdout errors are ignored, as qmail-inject ignores them."""
        data = bytes(self.buf)
        self.buf.clear()
        try:
            while data:
                data = data[os.write(1, data):]
        except OSError:
            pass


class Injector:
    """The state of one run: settings, collected recipients, delayed header fields."""

    def __init__(self, env: dict) -> None:
        self.env = env
        self.starttime = int(time.time())
        flags = env.get(b"QMAILINJECT", b"")
        self.namecomment = b"c" in flags
        self.deletesender = b"s" in flags
        self.deletefrom = b"f" in flags
        self.deletemessid = b"i" in flags
        self.hackrecip = b"r" in flags
        self.hackmess = b"m" in flags
        self.mailhost = self.getenv(b"QMAILHOST", b"MAILHOST")
        self.mailrhost = self.getenv(b"QMAILSHOST")
        if self.mailrhost is None:
            self.mailrhost = self.mailhost
        user = self.getenv(b"QMAILUSER", b"MAILUSER", b"USER", b"LOGNAME")
        self.mailuser = b"anonymous" if user is None else user
        self.mailusertype = tk.QUOTE if quote_need(self.mailuser) else tk.ATOM
        ruser = self.getenv(b"QMAILSUSER")
        self.mailruser = self.mailuser if ruser is None else ruser

        self.sender: bytes | None = None
        self.out = Output()
        self.seen = [False] * hf.H_NUM
        self.savedh: list[bytes] = []
        self.hrlist: list[bytes] = []
        self.tocclist: list[bytes] = []
        self.hrrlist: list[bytes] = []
        self.reciplist: list[bytes] = []
        self.flagresent = False
        self.flagrh = True
        self.flagqueue = True
        self.mft: set[bytes] | None = None
        self.home = ""

    def getenv(self, *names: bytes) -> bytes | None:
        """First of ``names`` present in the environment (an empty value counts)."""
        for name in names:
            value = self.env.get(name)
            if value is not None:
                return value
        return None

    # --- control files ---------------------------------------------------

    def mft_init(self) -> None:
        """QMAILMFTFILE, read relative to the caller's directory before chdir."""
        fn = self.env.get(b"QMAILMFTFILE")
        if fn is None:
            return
        from qmail.lib import control
        try:
            lines = control.readfile(os.fsdecode(fn))
        except OSError:
            die_read()
        if lines is None:
            return
        self.mft = {line.encode("latin-1").lower() for line in lines}

    def getcontrols(self) -> None:
        from qmail import auto
        from qmail.lib import control
        self.mft_init()
        self.home = auto.QMAIL
        try:
            os.chdir(auto.QMAIL)
        except OSError:
            die(111, b"internal bug\n")
        try:
            control.init()
            dd = self.control(control, "defaultdomain", b"QMAILDEFAULTDOMAIN")
            self.defaultdomain = self.parse_control(b"." + dd)
            dh = self.control(control, "defaulthost", b"QMAILDEFAULTHOST")
            self.defaulthost = self.parse_control(b"@" + dh)
            pd = self.control(control, "plusdomain", b"QMAILPLUSDOMAIN")
            self.plusdomain = self.parse_control(b"." + pd)
            self.idhost = self.control(control, "idhost", b"QMAILIDHOST")
        except OSError:
            die_read()

    def control(self, control, name: str, envname: bytes) -> bytes:
        """control/NAME (default: me, else the literal NAME), overridden by $ENVNAME."""
        value = control.rldef("control/" + name, True, name).encode("latin-1")
        x = self.env.get(envname)
        return value if x is None else x

    @staticmethod
    def parse_control(text: bytes) -> list:
        toks = tk.parse(text)
        if toks is None:
            die_parse(text)
        return toks

    # --- rewriting ---------------------------------------------------------

    def rwgeneric(self, addr: list) -> None:
        tk.rw_generic(addr, self.defaulthost, self.plusdomain, self.defaultdomain)

    def setreturn(self, addr: list) -> None:
        if self.sender is None:
            self.sender = tk.address_of(addr)
            if self.hackrecip:
                self.sender += b"-@[]"

    def rwreturn(self, addr: list) -> None:
        self.rwgeneric(addr)
        self.setreturn(addr)

    def rwhrr(self, addr: list) -> None:
        self.rwgeneric(addr)
        self.hrrlist.append(tk.address_of(addr))

    def rwhr(self, addr: list) -> None:
        self.rwgeneric(addr)
        self.hrlist.append(tk.address_of(addr))

    def rwtocc(self, addr: list) -> None:
        self.rwgeneric(addr)
        a = tk.address_of(addr)
        self.hrlist.append(a)
        self.tocclist.append(a)

    def rewrite(self, line: bytes, rw, mayfail: bool) -> bytes:
        """The field with its addresses rewritten by ``rw``.

        Recipient fields that do not parse are kept as they are; any other
        field that does not parse is fatal.
        """
        toks = tk.parse(line)
        if toks is not None:
            toks = tk.addrlist(toks, rw)
        if toks is None:
            if mayfail:
                return line
            die_parse(line)
        return tk.unparse(toks, LINELEN)

    def doheaderfield(self, h: bytes) -> None:
        htype = hf.known(h)
        if htype == hf.H_FROM and self.deletefrom:
            return
        if htype == hf.H_MESSAGEID and self.deletemessid:
            return
        if htype == hf.H_RETURNPATH and self.deletesender:
            return
        if htype:
            self.seen[htype] = True
        elif not hf.valid(h):
            die(100, b"invalid header field: " + h)
        rw = self.REWRITERS.get(htype)
        if rw is not None:
            h = self.rewrite(h, getattr(self, rw[0]), rw[1])
        if htype in (hf.H_BCC, hf.H_R_BCC, hf.H_RETURNPATH, hf.H_CONTENTLENGTH):
            return
        self.savedh.append(h)

    # field code -> (rewriting method, whether a parse failure is tolerated)
    REWRITERS = {
        hf.H_TO: ("rwtocc", True), hf.H_CC: ("rwtocc", True),
        hf.H_BCC: ("rwhr", True), hf.H_APPARENTLYTO: ("rwhr", True),
        hf.H_R_TO: ("rwhrr", True), hf.H_R_CC: ("rwhrr", True),
        hf.H_R_BCC: ("rwhrr", True),
        hf.H_RETURNPATH: ("rwreturn", False),
        hf.H_SENDER: ("rwgeneric", False), hf.H_FROM: ("rwgeneric", False),
        hf.H_REPLYTO: ("rwgeneric", False), hf.H_RETURNRECEIPTTO: ("rwgeneric", False),
        hf.H_ERRORSTO: ("rwgeneric", False), hf.H_R_SENDER: ("rwgeneric", False),
        hf.H_R_FROM: ("rwgeneric", False), hf.H_R_REPLYTO: ("rwgeneric", False),
    }

    def dorecip(self, arg: bytes) -> None:
        """A recipient from the command line, qualified like a header address."""
        toks = tk.parse(quote2(arg))
        if toks is None:
            die(100, b"unable to parse address: " + arg + b"\n")
        toks.reverse()
        self.rwgeneric(toks)
        self.reciplist.append(tk.address_of(toks))

    def setsender(self, arg: bytes) -> None:
        """-f: the envelope sender, qualified, overriding everything else."""
        quoted = quote2(arg)
        toks = tk.parse(quoted)
        if toks is None:
            die_parse(quoted)
        toks.reverse()
        self.rwgeneric(toks)
        self.sender = tk.address_of(toks)

    # --- generated fields ---------------------------------------------------

    def field_via_rewrite(self, toks: list, rw) -> bytes:
        """Unparse ``toks``, then parse and rewrite the text as a header field."""
        text = tk.unparse(toks, LINELEN)
        parsed = tk.parse(text)
        if parsed is None:
            die_parse(text)
        parsed = tk.addrlist(parsed, rw)
        if parsed is None:
            die_parse(text)
        return tk.unparse(parsed, LINELEN)

    def defaultfrom(self) -> bytes:
        fullname = self.getenv(b"QMAILNAME", b"MAILNAME", b"NAME")
        toks = [(tk.ATOM, b"From"), (tk.COLON, b"")]
        if fullname is not None and not self.namecomment:
            toks += [(tk.QUOTE, fullname), (tk.LEFT, b"")]
        toks.append((self.mailusertype, self.mailuser))
        if self.mailhost is not None:
            toks += [(tk.AT, b""), (tk.ATOM, self.mailhost)]
        if fullname is not None:
            if self.namecomment:
                toks.append((tk.COMMENT, fullname))
            else:
                toks.append((tk.RIGHT, b""))
        return self.field_via_rewrite(toks, self.rwgeneric)

    def defaultreturnpath(self) -> None:
        user = self.mailruser
        if self.hackmess:
            user += b"-%d.%d" % (self.starttime, os.getpid())
        if self.hackrecip:
            user += b"-"
        toks = [(tk.ATOM, b"Return-Path"), (tk.COLON, b""), (tk.QUOTE, user)]
        if self.mailrhost is not None:
            toks += [(tk.AT, b""), (tk.ATOM, self.mailrhost)]
        self.field_via_rewrite(toks, self.rwreturn)

    def datefield(self) -> bytes:
        from qmail.lib.date822 import date822fmt
        return b"Date: " + date822fmt(self.starttime).encode() + b"\n"

    def msgidfield(self) -> bytes:
        tm = time.gmtime(self.starttime)
        stamp = b"%d%02d%02d%02d%02d%02d" % (tm.tm_year, tm.tm_mon, tm.tm_mday,
                                             tm.tm_hour, tm.tm_min, tm.tm_sec)
        return (b"Message-ID: <" + stamp + b".%d.qmail@" % os.getpid()
                + self.idhost + b">\n")

    def mftfield(self) -> bytes:
        """Mail-Followup-To naming To+Cc when one of them is a listed mailing list."""
        if self.mft is None or self.seen[hf.H_MAILFOLLOWUPTO]:
            return b""
        for addr in self.tocclist:
            if addr.lower() in self.mft:
                break
        else:
            return b""
        return (b"Mail-Followup-To: "
                + b",\n  ".join(quote2(cstr(a)) for a in reversed(self.tocclist))
                + b"\n")

    def finishheader(self) -> None:
        seen = self.seen
        self.flagresent = any(seen[h] for h in (
            hf.H_R_SENDER, hf.H_R_FROM, hf.H_R_REPLYTO, hf.H_R_TO, hf.H_R_CC,
            hf.H_R_BCC, hf.H_R_DATE, hf.H_R_MESSAGEID))
        if self.sender is None:
            self.defaultreturnpath()
        put = self.out.put
        if self.flagqueue:
            self.out.open_queue(self.home)
        else:
            put(b"Return-Path: <" + quote2(cstr(self.sender)) + b">\n")
        if self.flagresent:
            if not seen[hf.H_R_DATE]:
                put(b"Resent-" + self.datefield())
            if not seen[hf.H_R_MESSAGEID]:
                put(b"Resent-" + self.msgidfield())
            if not seen[hf.H_R_FROM]:
                put(b"Resent-" + self.defaultfrom())
            if not seen[hf.H_R_TO] and not seen[hf.H_R_CC]:
                put(b"Resent-Cc: recipient list not shown: ;\n")
        else:
            if not seen[hf.H_DATE]:
                put(self.datefield())
            if not seen[hf.H_MESSAGEID]:
                put(self.msgidfield())
            if not seen[hf.H_FROM]:
                put(self.defaultfrom())
            if not seen[hf.H_TO] and not seen[hf.H_CC]:
                put(b"Cc: recipient list not shown: ;\n")
            put(self.mftfield())
        put(b"".join(self.savedh))

    # --- the end -------------------------------------------------------------

    def exitnicely(self) -> None:
        if not self.flagqueue:
            self.out.flush()
            os._exit(0)
        qq = self.out.qq
        qq.from_(cstr(self.sender))
        for rcpt in self.reciplist:
            qq.to(cstr(rcpt))
        if self.flagrh:
            for rcpt in (self.hrrlist if self.flagresent else self.hrlist):
                qq.to(cstr(rcpt))
        status = qq.close()
        if status:
            text = cstr(status.encode("latin-1"))
            die(100 if text[:1] == b"D" else 111, text[1:] + b"\n")
        os._exit(0)


OPTIONS = "aAhHnNf:"


def senders_before(args: list[str]) -> list[str]:
    """The -f arguments that precede the first bad option word.

    qmail handles each option as it reads it, so a -f that does not parse is
    reported even when a later option is illegal.
    """
    found = []
    i = 0
    while i < len(args):
        word = args[i]
        if word == "--" or word == "-" or not word.startswith("-"):
            break
        for pos in range(1, len(word)):
            letter = word[pos]
            if letter == "f":
                if pos + 1 < len(word):
                    found.append(word[pos + 1:])
                elif i + 1 < len(args):
                    i += 1
                    found.append(args[i])
                break
            if letter not in "aAhHnN":
                return found
        i += 1
    return found


def option_error(inj: Injector, argv: list[str], letter: str) -> None:
    """sgetopt's complaint (after any earlier -f has had its say); exit 100."""
    for arg in senders_before(argv[1:]):
        inj.setsender(os.fsencode(arg))
    prog = os.fsencode(argv[0] if argv else "").rsplit(b"/", 1)[-1]
    if letter != ":" and OPTIONS.find(letter + ":") >= 0:
        why = b": option requires an argument -- "
    else:
        why = b": illegal option -- "
    _write_err(prog + why + os.fsencode(letter)[:1] + b"\n")
    os._exit(100)


def options(inj: Injector, argv: list[str]) -> list[str]:
    """Apply the options; the recipient arguments that remain, if they are used."""
    from qmail.lib.sgetopt import sgetopt, OptionError
    try:
        opts, args = sgetopt(argv[1:], OPTIONS)
    except OptionError as e:
        option_error(inj, argv, e.letter)
    strategy = "default"
    for letter, arg in opts:
        if letter == "a":
            strategy = "args"
        elif letter == "A":
            strategy = "default"
        elif letter == "h":
            strategy = "header"
        elif letter == "H":
            strategy = "both"
        elif letter == "n":
            inj.flagqueue = False
        elif letter == "N":
            inj.flagqueue = True
        elif letter == "f":
            inj.setsender(os.fsencode(arg))
    if strategy == "default":
        strategy = "args" if args else "header"
    inj.flagrh = strategy != "args"
    return [] if strategy == "header" else args


def main() -> None:
    import sys
    inj = Injector(os.environb)
    inj.getcontrols()
    for arg in options(inj, sys.argv):
        inj.dorecip(os.fsencode(arg))
    reader = hf.LineReader(0)
    try:
        hf.headerbody(reader, inj.doheaderfield, inj.finishheader, inj.out.put)
    except OSError:
        die_read()
    inj.exitnicely()


if __name__ == "__main__":
    main()
