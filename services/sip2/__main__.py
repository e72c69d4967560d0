"""``python -m services.sip2 hash``: the argon2 hash of a terminal's SIP
password, for ``password_hash`` in ``[[server.sip2.terminals]]``. The
password is read without echo (or from standard input when not a terminal)."""

from __future__ import annotations

import getpass
import sys


def main(argv: list[str]) -> int:
    if argv != ["hash"]:
        print("usage: python -m services.sip2 hash", file=sys.stderr)
        return 2
    from argon2 import PasswordHasher

    password = getpass.getpass("SIP password: ") if sys.stdin.isatty() else sys.stdin.readline()
    password = password.rstrip("\r\n")
    if not password:
        print("an empty password cannot be used", file=sys.stderr)
        return 2
    print(PasswordHasher().hash(password))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
