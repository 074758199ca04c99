"""Talentbank: a shared specialist bank for cooperating municipalities.

Nothing here imports Flask, so ``talentbank.solver`` can be used alone.
"""
