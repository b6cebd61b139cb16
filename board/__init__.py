"""Frontline Board: staff feedback and process improvement for customer-service organisations."""
