"""Traditional → simplified Chinese before tokenization: 戶口/養老金 get the features of 户口/养老金.

OpenCC's t2s conversion is applied to training and incoming messages alike. The text is replaced only
when the conversion keeps its length, so entity offsets (regexes, annotations) stay valid.
"""

from __future__ import annotations

from typing import Any

import opencc
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

_CONVERTER = opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Simplified form of ``text``; unchanged when the conversion would change its length."""
    if not text:
        return text
    converted = _CONVERTER.convert(text)
    return converted if len(converted) == len(text) else text


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER], is_trainable=False)
class ChineseTextNormalizer(GraphComponent):
    """Runs first in the pipeline; has no parameters and nothing to train."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ChineseTextNormalizer:
        return cls()

    def _normalize(self, message: Message) -> None:
        text = message.get(TEXT)
        if isinstance(text, str):
            message.set(TEXT, to_simplified(text))

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for message in training_data.training_examples:
            self._normalize(message)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._normalize(message)
        return messages
