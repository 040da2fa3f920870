"""A trained model is self-contained: the catalog item marker carries its catalog in the model.

``CatalogItemMarker.train`` copies the catalog JSON (and its jieba dictionary) from ``catalog_path``
into Rasa's model storage and ``load`` reads them from there, so the model runs from any working
directory, with no assistant/generated/ beside it. Checked twice: through the component with Rasa's
own local model storage, and by training a tiny NLU model and loading its archive elsewhere.

Needs assistant/generated/ (``make generate``); runs with the bot interpreter.
"""

from __future__ import annotations

import asyncio
import shutil
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GENERATED = ROOT / "assistant" / "generated"

pytestmark = pytest.mark.skipif(not (GENERATED / "catalog.json").exists(), reason="run `make generate` first")

TEXT = "我父亲去世了，想注销户口"


def _copy_generated(target: Path) -> None:
    (target / "jieba").mkdir(parents=True)
    shutil.copyfile(GENERATED / "catalog.json", target / "catalog.json")
    shutil.copyfile(GENERATED / "jieba" / "userdict.txt", target / "jieba" / "userdict.txt")


def _items(message) -> list[str]:
    return [e["value"] for e in message.get("entities") or [] if e["entity"] == "item"]


def test_persist_and_load_through_the_model_storage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    from assistant.components.item_marker import CatalogItemMarker

    train_dir, run_dir = tmp_path / "train", tmp_path / "elsewhere"
    _copy_generated(train_dir / "generated")
    run_dir.mkdir()
    config = {**CatalogItemMarker.get_default_config(), "catalog_path": "generated/catalog.json"}
    (tmp_path / "storage").mkdir()
    storage = LocalModelStorage(tmp_path / "storage")
    resource = Resource("train_CatalogItemMarker")
    context = ExecutionContext(GraphSchema({}), "test")

    monkeypatch.chdir(train_dir)
    trained = CatalogItemMarker.create(config, storage, resource, context)
    assert trained.train(TrainingData()) == resource
    with storage.read_from(resource) as directory:
        assert (Path(directory) / "catalog.json").read_bytes() == (GENERATED / "catalog.json").read_bytes()
        assert (Path(directory) / "jieba" / "userdict.txt").exists()

    # the catalog the model was trained with is gone, and the relative catalog_path leads nowhere
    shutil.rmtree(train_dir)
    monkeypatch.chdir(run_dir)
    loaded = CatalogItemMarker.load(config, storage, resource, context)
    [message] = loaded.process([Message(data={"text": TEXT})])
    assert _items(message) == ["hukou_cancel"]


def test_catalog_content_is_part_of_the_training_fingerprint(tmp_path: Path) -> None:
    from assistant.components.item_marker import CatalogItemMarker

    _copy_generated(tmp_path)
    config = {**CatalogItemMarker.get_default_config(), "catalog_path": str(tmp_path / "catalog.json")}
    before = CatalogItemMarker.fingerprint_addon(config)
    assert before == CatalogItemMarker.fingerprint_addon(config)
    with (tmp_path / "jieba" / "userdict.txt").open("a", encoding="utf-8") as f:
        f.write("新词语 2000 n\n")
    assert CatalogItemMarker.fingerprint_addon(config) != before


def test_tiny_trained_model_runs_from_another_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import UserMessage
    from rasa.model_training import train_nlu

    train_dir, run_dir = tmp_path / "train", tmp_path / "elsewhere"
    _copy_generated(train_dir / "generated")
    run_dir.mkdir()
    (train_dir / "config.yml").write_text(
        textwrap.dedent(
            """\
            recipe: default.v1
            assistant_id: archive-test
            language: zh
            pipeline:
              - name: JiebaTokenizer
              - name: KeywordIntentClassifier
              - name: assistant.components.item_marker.CatalogItemMarker
                catalog_path: generated/catalog.json
            policies: []
            """
        ),
        encoding="utf-8",
    )
    (train_dir / "nlu.yml").write_text(
        textwrap.dedent(
            """\
            version: "3.1"
            nlu:
            - intent: report_death
              examples: |
                - 我父亲去世了
                - 老人走了
            - intent: greet
              examples: |
                - 你好
                - 您好
            """
        ),
        encoding="utf-8",
    )
    monkeypatch.chdir(train_dir)
    result = train_nlu("config.yml", "nlu.yml", str(tmp_path / "models"), fixed_model_name="tiny")
    model = Path(getattr(result, "model", result) or "")
    assert model.is_file(), f"training produced no model: {result}"

    shutil.rmtree(train_dir)
    monkeypatch.chdir(run_dir)
    agent = Agent.load(str(model))
    # every property of the message: in this pipeline no other extractor puts `entities` in the output
    parsed = asyncio.run(agent.processor.parse_message(UserMessage(TEXT), only_output_properties=False))
    items = [e["value"] for e in parsed["entities"] if e["entity"] == "item"]
    assert items == ["hukou_cancel"]
    assert any(e.get("extractor") == "CatalogItemMarker" for e in parsed["entities"])
