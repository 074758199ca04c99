"""Training across cities (研修): sessions, registration with a waiting list, attendance, each person's record."""
