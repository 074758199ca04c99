"""The city registry: municipalities, their indicators and travel times."""
