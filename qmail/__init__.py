"""qmail re-implemented in Python: one module per qmail program, shared code in qmail.lib.

Programs import ``qmail.auto`` (written by the installer, like qmail's compiled-in
``auto_*`` values) to learn the home directory, user ids and queue split.  Nothing is
taken from the environment for those.
"""
