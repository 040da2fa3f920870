"""Typed-family simulator: personas that read the assistant's questions and answer in free text."""
