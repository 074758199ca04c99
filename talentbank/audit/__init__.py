"""The audit log: who did what, when, from what to what, and why."""
