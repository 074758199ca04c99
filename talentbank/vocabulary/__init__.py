"""Controlled vocabularies the coordinating city keeps: professions, licences, fields of experience."""
