"""Notifications outside the app: the outbox, each person's choices, chat channels, delivery and schedules."""
