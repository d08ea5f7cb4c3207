"""Option parsing as qmail's sgetopt does it, without the cost of importing getopt.

Options are single letters; a letter followed by ``:`` takes an argument, either
glued (``-fbob``) or as the next word.  Parsing stops at the first word that is
not an option, at ``-`` alone (left as an argument) and after ``--``.
"""

from __future__ import annotations


class OptionError(Exception):
    """Unknown option letter or missing argument; ``letter`` names it."""

    def __init__(self, letter: str) -> None:
        super().__init__(letter)
        self.letter = letter


def sgetopt(args: list[str], spec: str) -> tuple[list[tuple[str, str | None]], list[str]]:
    """([(letter, argument or None), ...], remaining words) for ``args`` (no argv[0])."""
    found: list[tuple[str, str | None]] = []
    i = 0
    while i < len(args):
        word = args[i]
        if word == "--":
            return found, args[i + 1:]
        if not word.startswith("-") or word == "-":
            break
        pos = 1
        while pos < len(word):
            letter = word[pos]
            where = spec.find(letter)
            if letter == ":" or where == -1:
                raise OptionError(letter)
            if spec[where + 1:where + 2] == ":":
                if pos + 1 < len(word):
                    found.append((letter, word[pos + 1:]))
                elif i + 1 < len(args):
                    i += 1
                    found.append((letter, args[i]))
                else:
                    raise OptionError(letter)
                break
            found.append((letter, None))
            pos += 1
        i += 1
    return found, args[i:]
