"""Layer 7, running: the properties run on a target. ``probing`` (which options a drop-in supports,
tried once before the properties), ``verifier`` (every applicable property to a ``Verdict``) and
``verdicts`` (verdicts as data, the exit code).
"""
