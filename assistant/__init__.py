"""What Rasa loads from this project besides the YAML: custom graph components (assistant.components)."""
