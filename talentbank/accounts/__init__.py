"""Accounts: log-in, roles, invitations and lock-out."""
