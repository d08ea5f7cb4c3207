"""datemail: sendmail with a local-time Date: line (predate wrapped around sendmail).

For user agents that leave the Date: field to the mail system but whose users
prefer to see their own time zone rather than qmail-inject's UTC.  Like qmail's
shell script it simply execs predate, so exit codes and messages are theirs.
"""

from __future__ import annotations

import os
import sys

from qmail.lib.fd import restore_exec_signals
from qmail.lib.shell import complain, exec_failure

LINE = 3  # where qmail's generated script runs its exec


def main() -> None:
    from qmail import auto

    home = os.fsencode(auto.QMAIL)
    predate = home + b"/bin/predate"
    args = [predate, home + b"/bin/sendmail"] + [os.fsencode(a) for a in sys.argv[1:]]
    restore_exec_signals()
    try:
        os.execv(predate, args)
    except OSError as err:
        text, code = exec_failure(err)
        complain(LINE, b"exec: " + predate + b": " + text)
        os._exit(code)
