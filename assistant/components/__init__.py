"""Custom Rasa graph components: traditional → simplified normaliser and the catalog item marker.

Importing this package (Rasa does when it loads our model) also installs the compiled validator of
action server answers, the project's one patch of Rasa internals: see
assistant/action_response_schema.py (why, the Rasa method it replaces, and the test that fails when
Rasa changes it).
"""

from assistant import action_response_schema

action_response_schema.install()
