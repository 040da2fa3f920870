"""One entity per span: DIET and the regex extractor may both find the same case number.

DIET reads "SH20261129-48273-5" as the pieces "SH20261129-" and "-" beside the regex's whole number;
two extractors reporting one entity made the end-to-end test read a case number three times and
Rasa's story writer fail on overlapping spans. Downstream code wants each fact once, whole.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES
from rasa.shared.nlu.training_data.message import Message


def without_duplicates(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The entities in order, without those whose span lies inside (or equals) an earlier-kept or
    longer span of the same entity type: the whole number beats its pieces, the first one a tie."""

    def inside(a: dict[str, Any], b: dict[str, Any]) -> bool:
        return a.get("entity") == b.get("entity") and b["start"] <= a["start"] and a["end"] <= b["end"]

    by_length = sorted(range(len(entities)), key=lambda i: (entities[i]["start"] - entities[i]["end"], i))
    kept: list[int] = []
    for i in by_length:
        if not any(inside(entities[i], entities[k]) for k in kept):
            kept.append(i)
    return [entities[i] for i in sorted(kept)]


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class DuplicateEntityFilter(GraphComponent):
    """After the extractors and the synonym mapper; no parameters, nothing to train."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> DuplicateEntityFilter:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            entities = message.get(ENTITIES) or []
            if entities:
                message.set(ENTITIES, without_duplicates(entities), add_to_output=True)
        return messages
