"""Custom Rasa graph components: traditional → simplified normaliser and the catalog item marker."""
