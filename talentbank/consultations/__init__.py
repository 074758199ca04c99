"""Consultations (相談): short questions answered by specialists who accept advice work."""
