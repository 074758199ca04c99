"""The talent registry: specialists, their licences, experience, availability and consent."""
