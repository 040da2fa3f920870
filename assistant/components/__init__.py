"""Custom Rasa graph components: traditional → simplified normaliser and the catalog item marker.

Importing this package (Rasa does when it loads our model) also installs the compiled validator of
action server answers: see assistant/action_response_schema.py.
"""

from assistant import action_response_schema

action_response_schema.install()
