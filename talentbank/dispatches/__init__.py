"""Offers to specialists, dispatches (派遣), extensions, evaluations and exchange-ring confirmation."""
