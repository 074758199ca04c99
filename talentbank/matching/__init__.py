"""Matching rounds: rule sets, the solver run, proposals and their review by the coordinating city."""
