"""Catalog-driven marker of service items and referral topics.

``ItemMarker`` reads ``assistant/generated/catalog.json`` (exported from knowledge/) and the cue rules
of ``item_cues.yml`` and finds, in a message, every item and referral topic it is about:

1. a spaCy ``PhraseMatcher`` over every official name, colloquial name and phrasing, on a blank
   ``zh`` pipeline whose jieba segmenter carries the generated user dictionary (so the match is
   token-aligned: 火化证 inside 火化证明 is one match, not two);
2. phrasings that the segmentation cut differently are still found as plain substrings;
3. cue rules (co-occurring word groups in a window, with exclusions) for what no list enumerates;
4. item scopes: an area word asked about in general (公积金网上提取要几天到账, 考驾照, 伤残人员抚恤金)
   is not a service after a death, so an item whose ``generic`` words occur is kept only when the
   message speaks of a death, an heir or a relative; ``exclude`` words drop it whatever the context;
   ``replace`` turns an item into the one its words mean for another scheme (丧葬费 of a farmer is the
   residents' funeral subsidy, not the employee survivor benefits).

Overlapping phrase matches are resolved with ``spacy.util.filter_spans`` (the longest wins).

``CatalogItemMarker`` is the Rasa graph component: it merges these marks with the DIET and regex
``item``/``topic`` entities (unknown values are dropped, one entity per key, the earliest kept),
drops weak item marks when the intent says the text is out of scope or a referral, and orders all
entities by their position in the text.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jieba
import spacy
import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from assistant.components.text_normalizer import to_simplified

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
DEFAULT_CUES = HERE / "item_cues.yml"
DEFAULT_CATALOG = Path("assistant/generated/catalog.json")
EXTRACTOR = "CatalogItemMarker"


@dataclass(frozen=True)
class Mark:
    entity: str  # "item" or "topic"
    value: str  # catalog key
    start: int
    end: int
    text: str
    confidence: float
    source: str  # "phrase", "substring" or "cue"


@dataclass(frozen=True)
class _Rule:
    entity: str
    value: str
    groups: tuple[tuple[str, ...], ...]
    none: tuple[str, ...]
    window: int
    confidence: float
    fallback: bool  # applies only when nothing else marked an item


def _words(spec: Any, groups: dict[str, list[str]]) -> tuple[str, ...]:
    """A group given inline (list) or by reference ("@name"), or a list mixing both."""
    if isinstance(spec, str):
        spec = [spec]
    out: list[str] = []
    for word in spec:
        word = str(word)
        if word.startswith("@"):
            out.extend(groups[word[1:]])
        else:
            out.append(word)
    return tuple(out)


@dataclass(frozen=True)
class Scopes:
    """When an item mark stands: ``context`` words show the message is about a deceased person;
    ``generic[key]`` words (an area asked about in general) drop the item unless a context word is
    present; ``exclude[key]`` words drop it always (another scheme: 工亡, 伤残)."""

    context: tuple[str, ...] = ()
    generic: dict[str, tuple[str, ...]] | None = None
    exclude: dict[str, tuple[str, ...]] | None = None
    held_words: tuple[str, ...] = ()  # 拿着 …: the document after it is held, not asked for
    held_items: frozenset[str] = frozenset()
    # (item, instead, when, unless): the item's words name ``instead`` for another scheme, when a
    # ``when`` word and no ``unless`` word is in the message (丧葬费 of a farmer → the funeral subsidy)
    replace: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = ()


def load_scopes(path: Path) -> Scopes:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    groups = data.get("groups") or {}
    scope = data.get("scopes") or {}
    return Scopes(
        context=_words(scope.get("context") or [], groups),
        generic={k: _words(v, groups) for k, v in (scope.get("generic") or {}).items()},
        exclude={k: _words(v, groups) for k, v in (scope.get("exclude") or {}).items()},
        held_words=_words((scope.get("held") or {}).get("words") or [], groups),
        held_items=frozenset((scope.get("held") or {}).get("items") or []),
        replace=tuple(
            (
                r["item"],
                r["instead"],
                _words(r.get("when") or [], groups),
                _words(r.get("unless") or [], groups),
            )
            for r in scope.get("replace") or []
        ),
    )


def load_rules(path: Path) -> tuple[list[_Rule], str]:
    """The cue rules and the particle characters allowed around one-character cues."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    groups = data.get("groups") or {}
    rules = []
    for r in data["rules"]:
        entity = "item" if "item" in r else "topic"
        raw_groups = [r["any"]] if "any" in r else r["all"]
        rules.append(
            _Rule(
                entity=entity,
                value=r[entity],
                groups=tuple(_words(g, groups) for g in raw_groups),
                none=_words(r.get("none") or [], groups),
                window=int(r.get("window", data.get("window", 24))),
                confidence=float(r.get("confidence", data.get("confidence", 0.85))),
                fallback=bool(r.get("fallback", False)),
            )
        )
    return rules, str(data.get("particles", ""))


Standalone = dict[str, list[tuple[int, int]]]  # character → offsets where it stands as a word


class ItemMarker:
    """Finds catalog items and referral topics in Chinese text. Pure: no Rasa needed."""

    def __init__(
        self,
        catalog: dict[str, Any],
        rules: list[_Rule],
        userdict: Path | None = None,
        particles: str = "",
        scopes: Scopes | None = None,
    ) -> None:
        self.particles = set(particles)
        self.scopes = scopes or Scopes()
        if userdict is not None and userdict.exists():
            # the same dictionary the JiebaTokenizer loads: identical segmentation for both
            jieba.load_userdict(str(userdict))
        self.nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
        self.matcher = PhraseMatcher(self.nlp.vocab)
        self.phrases: dict[str, tuple[str, str]] = {}  # phrase → (entity, key)
        for entity, entries in (("item", catalog["items"]), ("topic", catalog["referrals"])):
            for entry in entries:
                names = [entry.get("name"), entry.get("colloquial_name"), *entry.get("phrasings", [])]
                for phrase in names:
                    if phrase:
                        self.phrases.setdefault(to_simplified(phrase), (entity, entry["key"]))
        for phrase, (entity, key) in self.phrases.items():
            self.matcher.add(f"{entity}:{key}", [self.nlp.make_doc(phrase)])
        # entities that answer a situation question (death_place, pension_status, ...)
        self.answer_entities = frozenset(f["key"] for f in catalog.get("situation", []))
        self.keys = {
            "item": {i["key"] for i in catalog["items"]},
            "topic": {r["key"] for r in catalog["referrals"]},
        }
        self.rules = [r for r in rules if r.value in self.keys[r.entity]]
        unknown = [r.value for r in rules if r.value not in self.keys[r.entity]]
        if unknown:
            logger.warning("cue rules name keys that are not in the catalog: %s", unknown)

    @classmethod
    def from_files(cls, catalog_path: Path, cues_path: Path = DEFAULT_CUES) -> ItemMarker:
        catalog = json.loads(Path(catalog_path).read_text(encoding="utf-8"))
        userdict = Path(catalog_path).parent / "jieba" / "userdict.txt"
        rules, particles = load_rules(Path(cues_path))
        return cls(catalog, rules, userdict, particles, load_scopes(Path(cues_path)))

    def in_scope(self, text: str, key: str) -> bool:
        """False when the item is asked about in general (its ``generic`` words, no death or
        relative in the message) or belongs to another scheme (its ``exclude`` words)."""
        text = to_simplified(text)
        if any(w in text for w in (self.scopes.exclude or {}).get(key, ())):
            return False
        generic = (self.scopes.generic or {}).get(key, ())
        if generic and any(w in text for w in generic):
            return self.speaks_of_death(text)
        return True

    def speaks_of_death(self, text: str) -> bool:
        """The message names a death, an heir or a relative (the scopes' ``context`` words)."""
        text = to_simplified(text)
        return any(w in text for w in self.scopes.context)

    def replaced(self, text: str, key: str) -> str:
        """The item meant by ``key``'s words in this message: ``instead`` of a ``replace`` scope when
        its ``when`` words and none of its ``unless`` words occur, else ``key`` itself."""
        text = to_simplified(text)
        for item, instead, when, unless in self.scopes.replace:
            if key == item and any(w in text for w in when) and not any(w in text for w in unless):
                return instead
        return key

    def canonical(self, entity: str, value: Any) -> str | None:
        """The catalog key for an entity value (a key or one of its phrasings), else None."""
        if not isinstance(value, str):
            return None
        if value in self.keys.get(entity, ()):
            return value
        hit = self.phrases.get(to_simplified(value))
        return hit[1] if hit and hit[0] == entity else None

    # ------------------------------------------------------------------ matching
    def _phrase_spans(self, doc: Doc) -> list[Span]:
        spans = [Span(doc, s, e, label=self.nlp.vocab.strings[m]) for m, s, e in self.matcher(doc)]
        covered = {(s.start_char, s.end_char) for s in spans}
        text = doc.text
        for phrase, (entity, key) in self.phrases.items():
            pos = text.find(phrase)
            while pos >= 0:
                if (pos, pos + len(phrase)) not in covered:
                    label = f"{entity}:{key}"
                    span = doc.char_span(pos, pos + len(phrase), label=label, alignment_mode="expand")
                    if span is not None:
                        spans.append(span)
                pos = text.find(phrase, pos + 1)
        return filter_spans(spans)

    def _standalone_chars(self, doc: Doc) -> Standalone:
        """Each character that stands as a token by itself or with particles only (要销, 停掉) → its
        offsets. Built once per message: the cue rules look their one-character words up here."""
        index: Standalone = {}
        for token in doc:
            text, idx = token.text, token.idx
            for i, ch in enumerate(text):
                if all(c in self.particles for c in text[:i] + text[i + 1 :]):
                    index.setdefault(ch, []).append((idx + i, idx + i + 1))
        return index

    @staticmethod
    def _hits(text: str, standalone: Standalone, words: tuple[str, ...]) -> list[tuple[int, int]]:
        """(start, end) character offsets of each word; a one-character word only where it stands
        alone (see _standalone_chars), never inside a content word (退 in 退休金)."""
        hits: list[tuple[int, int]] = []
        for word in words:
            if len(word) < 2:
                hits.extend(standalone.get(word, ()))
                continue
            pos = text.find(word)
            while pos >= 0:
                hits.append((pos, pos + len(word)))
                pos = text.find(word, pos + 1)
        return sorted(set(hits), key=lambda h: (h[0], -h[1]))  # the longest word first at each position

    def _apply_rule(self, text: str, standalone: Standalone, rule: _Rule) -> Mark | None:
        group_hits = [self._hits(text, standalone, g) for g in rule.groups]
        if not all(group_hits):
            return None
        none_hits = self._hits(text, standalone, rule.none) if rule.none else []
        for anchor in group_hits[0]:
            chosen = [anchor]
            for hits in group_hits[1:]:
                near = [h for h in hits if abs(h[0] - anchor[0]) <= rule.window]
                if not near:
                    break
                chosen.append(min(near, key=lambda h: (abs(h[0] - anchor[0]), -h[1])))
            else:
                start, end = min(h[0] for h in chosen), max(h[1] for h in chosen)
                if any(abs(n[0] - anchor[0]) <= rule.window for n in none_hits):
                    continue
                return Mark(rule.entity, rule.value, start, end, text[start:end], rule.confidence, "cue")
        return None

    def find(self, text: str) -> list[Mark]:
        """Every item and topic the text is about, one mark per key, ordered by position."""
        if not text or not text.strip():
            return []
        doc = self.nlp.make_doc(to_simplified(text))
        marks: dict[tuple[str, str], Mark] = {}
        for span in self._phrase_spans(doc):
            entity, key = span.label_.split(":", 1)
            exact = self.phrases.get(span.text) == (entity, key)
            confidence = 1.0 if exact else 0.95
            mark = Mark(entity, key, span.start_char, span.end_char, span.text, confidence, "phrase")
            if (entity, key) not in marks or mark.start < marks[(entity, key)].start:
                marks[(entity, key)] = mark
        standalone = self._standalone_chars(doc)
        for fallback in (False, True):
            if fallback and any(entity == "item" for entity, _ in marks):
                break
            for rule in self.rules:
                if rule.fallback != fallback or (rule.entity, rule.value) in marks:
                    continue
                mark = self._apply_rule(doc.text, standalone, rule)
                if mark is not None:
                    marks[(rule.entity, rule.value)] = mark
            marks = {
                k: m
                for k, m in marks.items()
                if m.entity != "item"
                or (self.in_scope(doc.text, m.value) and not self.held(doc.text, m.start, m.value))
            }
        for (entity, key), mark in list(marks.items()):
            instead = self.replaced(doc.text, key) if entity == "item" else key
            if instead != key:
                del marks[(entity, key)]
                if (entity, instead) not in marks:
                    marks[(entity, instead)] = Mark(
                        entity, instead, mark.start, mark.end, mark.text, mark.confidence, mark.source
                    )
        return sorted(marks.values(), key=lambda m: (m.start, m.end))

    def held(self, text: str, start: int, key: str) -> bool:
        """An item named at ``start`` is a document the family already holds (拿着火化证)."""
        if key not in self.scopes.held_items:
            return False
        before = to_simplified(text[max(0, start - 4) : start])
        return any(before.endswith(w) for w in self.scopes.held_words)

    def items(self, text: str) -> list[str]:
        """The item keys in order of appearance (the shape the evaluation compares)."""
        return [m.value for m in self.find(text) if m.entity == "item"]


# ---------------------------------------------------------------------- the Rasa component
# What the marker reads besides its cue rules, as laid out by `python -m api.catalog.export`; the
# same layout inside the model storage (see CatalogItemMarker.train / load).
CATALOG_FILE = "catalog.json"
USERDICT_FILE = Path("jieba") / "userdict.txt"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=True)
class CatalogItemMarker(GraphComponent):
    """Marks `item` and `topic` entities from the catalog and merges them with the other extractors.

    The catalog is part of the trained model: ``train`` copies the catalog JSON read from
    ``catalog_path`` and its jieba dictionary (``jieba/userdict.txt`` beside it) into Rasa's model
    storage, and ``load`` reads them from there, so a model archive runs from any working directory
    without assistant/generated/. A changed catalog retrains this node (``fingerprint_addon``) even
    when config.yml and the training data did not change. The cue rules are code, read from
    ``cues_path`` (item_cues.yml beside this module).
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "catalog_path": str(DEFAULT_CATALOG),
            "cues_path": str(DEFAULT_CUES),
            # items below this confidence are dropped when the intent is one of drop_intents and the
            # message speaks of no death and no relative: on real questions DIET reads many article
            # titles and long stories about a death as out of scope (the train part of
            # bench/real_questions.jsonl lost 3 marked items that way and kept no rejection by it)
            "drop_intents": ["out_of_scope", "ask_referral"],
            "drop_below": 0.9,
            "drop_min_intent_confidence": 0.5,
            # DIET guesses below this are dropped for every entity type (digits taken for an ID...)
            "min_diet_confidence": 0.6,
            # a DIET item the catalog marker did not mark is kept only above this confidence
            # (measured on the train part of bench/real_questions.jsonl, the dev and held-out sets:
            # below it DIET's own items only added wrong ones)
            "diet_item_min_confidence": 0.95,
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage | None = None,
        resource: Resource | None = None,
        catalog_path: Path | None = None,
    ) -> None:
        """The marker over the catalog at ``catalog_path`` (default: the config's ``catalog_path``)."""
        self.config = config
        self._model_storage = model_storage
        self._resource = resource
        catalog = catalog_path or Path(config["catalog_path"])
        self.marker = ItemMarker.from_files(catalog, Path(config["cues_path"]))

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> CatalogItemMarker:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Persists the catalog JSON and its jieba dictionary into the model storage."""
        if self._model_storage is None or self._resource is None:
            raise ValueError("CatalogItemMarker.train needs the model storage given to create()")
        catalog = Path(self.config["catalog_path"])
        with self._model_storage.write_to(self._resource) as directory:
            shutil.copyfile(catalog, directory / CATALOG_FILE)
            userdict = catalog.parent / USERDICT_FILE
            if userdict.exists():
                (directory / USERDICT_FILE).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(userdict, directory / USERDICT_FILE)
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> CatalogItemMarker:
        """The marker over the catalog persisted in the model (``catalog_path`` is not read)."""
        with model_storage.read_from(resource) as directory:
            return cls(config, model_storage, resource, catalog_path=Path(directory) / CATALOG_FILE)

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """The content of the catalog and its dictionary: Rasa's training cache keys on it."""
        catalog = Path(config.get("catalog_path") or DEFAULT_CATALOG)
        digest = hashlib.sha256()
        for path in (catalog, catalog.parent / USERDICT_FILE):
            digest.update(path.read_bytes() if path.exists() else b"<missing>")
            digest.update(b"\0")
        return digest.hexdigest()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._annotate(message)
        return messages

    def _annotate(self, message: Message) -> None:
        text = message.get(TEXT) or ""
        entities = list(message.get(ENTITIES) or [])
        min_diet = float(self.config["min_diet_confidence"])
        entities = [
            e
            for e in entities
            if e.get("extractor") != "DIETClassifier" or float(e.get("confidence_entity") or 0.0) >= min_diet
        ]
        kept = [e for e in entities if e.get("entity") not in ("item", "topic")]
        # the same value found by the regexes and by DIET over the same span: keep one
        seen: set[tuple[Any, Any, Any]] = set()
        kept = [
            e
            for e in kept
            if (k := (e.get("entity"), e.get("start"), e.get("end"))) not in seen and not seen.add(k)
        ]
        best: dict[tuple[str, str], dict[str, Any]] = {}

        def offer(entity: dict[str, Any]) -> None:
            key = (entity["entity"], entity["value"])
            old = best.get(key)
            if old is None or entity["start"] < old["start"]:
                best[key] = entity

        marks = self.marker.find(text)
        marked = {(m.entity, m.value) for m in marks}
        min_unconfirmed = float(self.config["diet_item_min_confidence"])
        for e in entities:
            if e.get("entity") in ("item", "topic"):
                value = self.marker.canonical(e["entity"], e.get("value"))
                if value is None:
                    continue
                if e["entity"] == "item":
                    value = self.marker.replaced(text, value)
                # DIET alone on a bare area word (户口, 驾驶证, 证明) guesses more items than it finds
                unconfirmed = e.get("extractor") == "DIETClassifier" and (e["entity"], value) not in marked
                weak = float(e.get("confidence_entity") or 0.0) < min_unconfirmed
                if e["entity"] == "item" and unconfirmed and weak:
                    continue
                offer({**e, "value": value})
        for m in marks:
            offer(
                {
                    "entity": m.entity,
                    "start": m.start,
                    "end": m.end,
                    "value": m.value,
                    "text": m.text,
                    "confidence_entity": m.confidence,
                    "extractor": EXTRACTOR,
                }
            )

        intent = message.get(INTENT) or {}
        name = intent.get("name")
        # a referral intent only counts when a referral topic was actually marked
        has_topic = any(entity == "topic" for entity, _ in best)
        weak_intent = (
            name in self.config["drop_intents"]
            and not self.marker.speaks_of_death(text)
            and (name != "ask_referral" or has_topic)
            and (intent.get("confidence") or 0.0) >= float(self.config["drop_min_intent_confidence"])
        )
        # "已经在领养老金" answering a situation question: the 养老金 inside it does not ask for an item
        answers = [
            (e["start"], e["end"])
            for e in kept
            if name == "inform" and e.get("entity") in self.marker.answer_entities
        ]
        merged = []
        for e in best.values():
            confidence = e.get("confidence_entity")
            confidence = 1.0 if confidence is None else float(confidence)
            if e["entity"] == "item" and weak_intent and confidence < float(self.config["drop_below"]):
                continue
            if e["entity"] == "item" and any(a <= e["start"] and e["end"] <= b for a, b in answers):
                continue
            if e["entity"] == "item" and not self.marker.in_scope(text, e["value"]):
                continue  # DIET's guesses too: an area asked about in general is not an item
            if e["entity"] == "item" and self.marker.held(text, int(e.get("start") or 0), e["value"]):
                continue  # 拿着火化证: a document the family holds, not one it asks for
            merged.append(e)
        message.set(ENTITIES, sorted(kept + merged, key=lambda e: (e.get("start", 0), e.get("end", 0))))
