"""Shared pieces every qmail program uses, each implemented once."""
