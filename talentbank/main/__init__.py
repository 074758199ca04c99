"""The home page of each role and small shared pages."""
