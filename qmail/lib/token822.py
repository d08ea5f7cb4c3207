"""RFC 822 address lists, tokenized and rewritten the way qmail does (token822.c).

A header field or an address is turned into a list of tokens ``(kind, text)``;
``text`` is the unescaped content of atoms, quoted strings, domain literals and
comments, and ``b""`` for punctuation.  ``addrlist`` walks an address list from
right to left (that is how qmail parses it), hands every address to a callback
as a *reversed* token list, which the callback may rewrite in place, and
returns the whole field with the rewritten addresses; ``unparse`` turns tokens
back into text, folding long lists after commas.  The helpers at the bottom
implement qmail-inject's qualification rules on such reversed addresses.

Everything works on bytes: qmail is 8-bit clean and so is this module.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing costs 11 ms to import: annotations only
if TYPE_CHECKING:
    from typing import Callable

ATOM = 1
QUOTE = 2
LITERAL = 3
COMMENT = 4
LEFT = 5
RIGHT = 6
AT = 7
COMMA = 8
SEMI = 9
COLON = 10
DOT = 11

Token = tuple  # (kind: int, text: bytes)

_PUNCT = {0x2E: DOT, 0x2C: COMMA, 0x40: AT, 0x3C: LEFT, 0x3E: RIGHT,
          0x3A: COLON, 0x3B: SEMI}
_PUNCT_TEXT = {COMMA: b",", AT: b"@", DOT: b".", LEFT: b"<", RIGHT: b">",
               SEMI: b";", COLON: b":"}
_SPACE = frozenset(b" \t\r\n")
# Bytes that end an atom (a backslash escapes one of them into the atom).
_ATOM_END = frozenset(b" \t\r\n([\"<>;:@,.")
# Bytes that make an atom unprintable as an atom: it is written quoted instead.
_NOT_ATOMIC = frozenset(list(range(32)) + list(range(127, 256)) + list(b")]\\"))
# Bytes written with a backslash in front inside any token text.
_ESCAPE = frozenset(b'"[]()\\\r\n')
_WORDS = (ATOM, QUOTE, LITERAL, COMMENT)
_PHRASE = frozenset((COMMENT, ATOM, QUOTE, AT, DOT))

COMMA_TOKEN = (COMMA, b"")


def _enclosed(sa: bytes, i: int, close: int, nest: int) -> tuple[bytes, int] | None:
    """Content of a comment, quoted string or literal opening at ``sa[i]``.

    Returns (unescaped text, index after the closing byte), or None when the
    field ends first.  Only comments nest; their inner parentheses are dropped.
    """
    out = bytearray()
    n = len(sa)
    level = 1
    while True:
        i += 1
        if i >= n:
            return None
        c = sa[i]
        if c == close:
            level -= 1
            if not level:
                return bytes(out), i + 1
        elif c == nest:
            level += 1
        elif c == 0x5C:
            i += 1
            if i >= n:
                return None
            out.append(sa[i])
        else:
            out.append(c)


def _atom(sa: bytes, i: int) -> tuple[Token, int]:
    """The atom starting at ``sa[i]`` and the index after it."""
    n = len(sa)
    out = bytearray()
    while True:
        c = sa[i]
        if c == 0x5C:
            i += 1
            if i >= n:
                break
            c = sa[i]
        out.append(c)
        i += 1
        if i >= n or sa[i] in _ATOM_END:
            break
    text = bytes(out)
    for c in text:
        if c in _NOT_ATOMIC:
            return (QUOTE, text), i
    return (ATOM, text), i


def parse(sa: bytes) -> list[Token] | None:
    """Tokens of ``sa``; None on a syntax error (unbalanced ``()``, ``""`` or ``[]``)."""
    toks: list[Token] = []
    n = len(sa)
    i = 0
    while i < n:
        c = sa[i]
        kind = _PUNCT.get(c)
        if kind is not None:
            toks.append((kind, b""))
            i += 1
        elif c in _SPACE:
            i += 1
        elif c == 0x29 or c == 0x5D:  # ) ]
            return None
        elif c == 0x28:  # (
            got = _enclosed(sa, i, 0x29, 0x28)
            if got is None:
                return None
            toks.append((COMMENT, got[0]))
            i = got[1]
        elif c == 0x22:  # "
            got = _enclosed(sa, i, 0x22, -1)
            if got is None:
                return None
            toks.append((QUOTE, got[0]))
            i = got[1]
        elif c == 0x5B:  # [
            got = _enclosed(sa, i, 0x5D, -1)
            if got is None:
                return None
            toks.append((LITERAL, got[0]))
            i = got[1]
        else:
            tok, i = _atom(sa, i)
            toks.append(tok)
    return toks


def _needspace(t1: int, t2: int) -> bool:
    if not t1:
        return False
    if t1 == COLON or t1 == COMMA:
        return True
    if t2 == LEFT:
        return True
    return t1 in _WORDS and t2 in _WORDS


def _escaped(text: bytes) -> bytes:
    if not any(c in _ESCAPE for c in text):
        return text
    out = bytearray()
    for c in text:
        if c in _ESCAPE:
            out.append(0x5C)
        out.append(c)
    return bytes(out)


def unparse(toks: list[Token], linelen: int) -> bytes:
    """Text of ``toks`` followed by a newline.

    After every comma a line break is tentatively placed; it is kept only when
    joining it with the next piece would make the line longer than ``linelen``
    (0: never fold), exactly as qmail decides it.
    """
    buf = bytearray()
    lineb = 0          # start of the current output line
    linee = -1         # position of the last tentative "\n " (-1: none yet)
    lasttype = 0

    def fold() -> None:
        nonlocal lineb, linee
        s = len(buf)
        if linee >= 0 and (not linelen or s - lineb <= linelen):
            del buf[linee:linee + 2]
            buf.extend(b"\n ")
            linee = len(buf) - 2
        else:
            if linee >= 0:
                lineb = linee + 1
            linee = s
            buf.extend(b"\n ")

    for kind, text in toks:
        if _needspace(lasttype, kind):
            buf.append(0x20)
        lasttype = kind
        if kind == COMMA:
            buf.append(0x2C)
            fold()
        elif kind == ATOM:
            buf += _escaped(text)
        elif kind == QUOTE:
            buf += b'"' + _escaped(text) + b'"'
        elif kind == LITERAL:
            buf += b"[" + _escaped(text) + b"]"
        elif kind == COMMENT:
            buf += b"(" + _escaped(text) + b")"
        else:
            buf += _PUNCT_TEXT[kind]
    fold()
    del buf[-1]
    return bytes(buf)


def unquote(toks: list[Token]) -> bytes:
    """The address as the envelope carries it: no quoting, no comments."""
    out = bytearray()
    for kind, text in toks:
        if kind == ATOM or kind == QUOTE:
            out += text
        elif kind == LITERAL:
            out += b"[" + text + b"]"
        elif kind != COMMENT:
            out += _PUNCT_TEXT[kind]
    return bytes(out)


def addrlist(ta: list[Token], callback: Callable[[list[Token]], None]) -> list[Token] | None:
    """Rewrite every address of the header field ``ta`` with ``callback``.

    ``ta`` starts with the field name and its colon, which are copied as they
    are.  ``callback`` gets each address reversed (last token first), in
    right-to-left order, and edits the list in place.  Words with nothing
    between them are separate addresses and get a comma.  Returns the new
    field's tokens, or None for a group or route-addr syntax error.
    """
    out: list[Token] = []   # built reversed
    addr: list[Token] = []  # the address being collected, reversed

    def gotaddr() -> None:
        callback(addr)
        out.extend(addr)
        addr.clear()

    ingroup = False
    wordok = True
    beginning = 2
    t = len(ta) - 1
    while t >= beginning:
        tok = ta[t]
        kind = tok[0]
        if kind == SEMI:
            if addr:
                gotaddr()
                out.append(COMMA_TOKEN)
            if ingroup:
                return None
            ingroup = True
            wordok = True
            out.append(tok)
            t -= 1
        elif kind == COLON:
            if addr:
                gotaddr()
            if not ingroup:
                return None
            ingroup = False
            while t >= beginning and ta[t][0] != COMMA:
                out.append(ta[t])
                t -= 1
            if t >= beginning:
                out.append(ta[t])
                t -= 1
            wordok = True
        elif kind == RIGHT:
            if addr:
                gotaddr()
                out.append(COMMA_TOKEN)
            out.append(tok)
            t -= 1
            while t >= beginning and ta[t][0] != LEFT:
                addr.append(ta[t])
                t -= 1
            gotaddr()  # even when empty: <> is an address
            if t < beginning:
                return None
            out.append(ta[t])
            t -= 1
            while t >= beginning and ta[t][0] in _PHRASE:
                out.append(ta[t])
                t -= 1
            wordok = False
        elif kind == ATOM or kind == QUOTE or kind == LITERAL:
            if not wordok and addr:
                gotaddr()
                out.append(COMMA_TOKEN)
            wordok = False
            addr.append(tok)
            t -= 1
        elif kind == COMMENT:
            out.append(tok)
            t -= 1
        elif kind == COMMA:
            if addr:
                gotaddr()
            wordok = True
            out.append(tok)
            t -= 1
        else:
            wordok = True
            addr.append(tok)
            t -= 1
    if addr:
        gotaddr()
    t += 1
    while t > 0:
        t -= 1
        out.append(ta[t])
    out.reverse()
    return out


# --- qualification rules of qmail-inject, on reversed addresses -------------

def _has(addr: list[Token], kind: int) -> bool:
    for tok in addr:
        if tok[0] == kind:
            return True
    return False


def rw_route(addr: list[Token]) -> None:
    """Drop a source route: ``@a,@b:user@host`` becomes ``user@host``."""
    if addr[-1][0] == AT:
        while addr:
            if addr.pop()[0] == COLON:
                return


def rw_extra(addr: list[Token], kind: int) -> None:
    """Drop one trailing dot or at sign."""
    if addr[0][0] == kind:
        del addr[0]


def rw_noat(addr: list[Token], defaulthost: list[Token]) -> None:
    """A bare local part gets ``@defaulthost``."""
    if not _has(addr, AT):
        addr[0:0] = defaulthost[::-1]


def rw_plus(addr: list[Token], plusdomain: list[Token]) -> None:
    """``host+`` becomes ``host.plusdomain``."""
    kind, text = addr[0]
    if kind != ATOM or not text or text[-1] != 0x2B:
        return
    addr[0] = (ATOM, text[:-1])
    addr[0:0] = plusdomain[::-1]


def rw_nodot(addr: list[Token], defaultdomain: list[Token]) -> None:
    """A host without dots (and not a literal) gets ``.defaultdomain``."""
    for kind, _ in addr:
        if kind == DOT:
            return
        if kind == AT:
            break
    for kind, _ in addr:
        if kind == LITERAL:
            return
        if kind == AT:
            break
    addr[0:0] = defaultdomain[::-1]


def rw_generic(addr: list[Token], defaulthost: list[Token], plusdomain: list[Token],
               defaultdomain: list[Token]) -> None:
    """Qualify one reversed address; ``<>`` and ``<x@[]>`` stay as they are.

    ``defaulthost`` is the token list of ``@host``, the two domains those of
    ``.domain``.
    """
    if not addr:
        return
    if len(addr) >= 2 and addr[1][0] == AT and addr[0][0] == LITERAL and not addr[0][1]:
        return
    rw_route(addr)
    if not addr:
        return
    rw_extra(addr, DOT)
    if not addr:
        return
    rw_extra(addr, AT)
    if not addr:
        return
    rw_noat(addr, defaulthost)
    rw_plus(addr, plusdomain)
    rw_nodot(addr, defaultdomain)


def address_of(addr: list[Token]) -> bytes:
    """Envelope form of a reversed address."""
    return unquote(addr[::-1])
