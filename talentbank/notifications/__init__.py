"""Telling people what concerns them: the in-app inbox and e-mail through an outbox."""
