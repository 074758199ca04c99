"""Terms of each agreed dispatch (legal form, who bears each cost, rates), their defaults, and the ledger.

Sits above ``dispatches`` and ``exchange`` (it reads their dispatches) and below ``reports``.
"""
