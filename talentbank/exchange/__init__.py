"""Exchange offers (交流職員の提供): a city offers a serving officer and says what it wants back."""
