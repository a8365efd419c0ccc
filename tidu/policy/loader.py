"""Reading and validating policy packs (plain Python, no Django).

A pack is one YAML file at ``<packs dir>/<pack id>/<version>.yaml``. Packs are immutable once
published: a change means a new version file, so an application judged under one version can always
be re-explained with exactly the rules it was judged by.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from tidu.core.errors import TiduError
from tidu.core.hashing import sha256_of_json
from tidu.core.schema_errors import describe

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
DEFAULT_PACKS_DIR = Path(__file__).resolve().parent / "packs"
PACK_KINDS = ("taxonomy", "tiers", "kpis", "maturity", "call")


class PackError(TiduError):
    """A pack file that cannot be used; the message names the file, the key and the problem."""

    def __init__(self, path: Path | str, key: str, problem: str):
        self.path = str(path)
        self.key = key or "（文件顶层）"
        self.problem = problem
        super().__init__(f"策略包 {self.path} 的 {self.key}：{problem}")


@dataclass(frozen=True)
class Pack:
    id: str
    kind: str
    version: str
    title: str
    sources: tuple[dict[str, Any], ...]
    content: dict[str, Any]
    sha256: str
    path: str = field(default="", compare=False)
    description: str = ""

    @cached_property
    def ref(self) -> str:  # read for every finding the engine writes; a pack never changes once loaded
        return f"{self.id}@{self.version}"

    def source(self, source_id: str) -> dict[str, Any] | None:
        return next((s for s in self.sources if s["id"] == source_id), None)

    def as_document(self) -> dict[str, Any]:
        header = {"id": self.id, "kind": self.kind, "version": self.version, "title": self.title,
                  "sources": list(self.sources)}
        if self.description:
            header["description"] = self.description
        return {"pack": header, "content": self.content}


@cache
def _validators() -> dict[str, Draft202012Validator]:
    schemas = {}
    for schema_path in SCHEMA_DIR.glob("*.schema.json"):
        schema = json.loads(schema_path.read_text(encoding="utf-8"))
        schemas[schema["$id"]] = schema
    registry = Registry().with_resources((key, Resource.from_contents(value)) for key, value in schemas.items())
    return {kind: Draft202012Validator(schemas[f"tidu:{kind}"], registry=registry,
                                       format_checker=Draft202012Validator.FORMAT_CHECKER)
            for kind in PACK_KINDS}


def content_hash(document: dict[str, Any]) -> str:
    return sha256_of_json(document)


def parse_pack(document: Any, path: Path | str = "<内存>") -> Pack:
    """Validate one pack document (already parsed from YAML) and return it as a Pack."""
    if not isinstance(document, dict) or not isinstance(document.get("pack"), dict):
        raise PackError(path, "pack", "缺少 pack 头部（id、kind、version、title、sources）")
    kind = document["pack"].get("kind")
    if kind not in PACK_KINDS:
        raise PackError(path, "pack.kind", f"未知的策略包类型 {kind!r}，应为 {'、'.join(PACK_KINDS)} 之一")
    errors = sorted(_validators()[kind].iter_errors(document), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        first = errors[0]
        key, problem = describe(first)
        raise PackError(path, key, problem)
    _check_references(document, path)
    header = document["pack"]
    return Pack(
        id=header["id"],
        kind=kind,
        version=str(header["version"]),
        title=header["title"],
        sources=tuple(header["sources"]),
        content=document["content"],
        sha256=content_hash(document),
        path=str(path),
        description=header.get("description", ""),
    )


def load_pack_file(path: Path) -> Pack:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PackError(path, "", f"无法读取文件（{exc}）") from exc
    try:
        # Dates stay strings: the schemas check their format and timezone handling happens later.
        document = yaml.load(text, Loader=_StringDateLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        raise PackError(path, "", f"YAML 语法错误：{exc}") from exc
    pack = parse_pack(document, path)
    if path.parent.name != pack.id or path.stem != pack.version:
        raise PackError(path, "pack.id/pack.version",
                        f"文件应位于 {pack.id}/{pack.version}.yaml，与头部的 id 与 version 一致")
    return pack


class _StringDateLoader(yaml.SafeLoader):
    pass


# Keep ISO dates as plain strings so validation and hashing see exactly what the file says.
_StringDateLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _walk_sourced(node: Any, key: str):
    if isinstance(node, dict):
        if "source" in node and "grade" in node:
            yield key, node
        for child_key, child in node.items():
            yield from _walk_sourced(child, f"{key}.{child_key}" if key else child_key)
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from _walk_sourced(child, f"{key}[{index}]")


def _ids(items: list[dict[str, Any]], key: str = "id") -> set[str]:
    return {item[key] for item in items}


def _require_unique(path, items: list[dict[str, Any]], list_key: str, key: str = "id") -> None:
    seen: set[str] = set()
    for index, item in enumerate(items):
        if item[key] in seen:
            raise PackError(path, f"content.{list_key}[{index}].{key}", f"重复的标识 {item[key]!r}")
        seen.add(item[key])


def _require_known(path, value: str, known: set[str], key: str, what: str) -> None:
    if value not in known:
        raise PackError(path, key, f"引用了不存在的{what} {value!r}（可用：{'、'.join(sorted(known))}）")


def _check_references(document: dict[str, Any], path) -> None:
    """Cross-references JSON Schema cannot express: source ids and ids between lists."""
    source_ids = {s["id"] for s in document["pack"]["sources"]}
    for key, node in _walk_sourced(document["content"], "content"):
        for source_id in node["source"]:
            _require_known(path, source_id, source_ids, f"{key}.source", "来源")

    content = document["content"]
    kind = document["pack"]["kind"]
    if kind == "taxonomy":
        for list_key in ("domains", "links", "guide_links", "scenarios"):
            _require_unique(path, content[list_key], list_key)
        domains, links = _ids(content["domains"]), _ids(content["links"])
        guide_links, scenarios = _ids(content["guide_links"]), _ids(content["scenarios"])
        for i, link in enumerate(content["links"]):
            _require_known(path, link["domain"], domains, f"content.links[{i}].domain", "建设领域")
        for i, scenario in enumerate(content["scenarios"]):
            _require_known(path, scenario["link"], links, f"content.scenarios[{i}].link", "环节")
            _require_known(path, scenario["guide_link"], guide_links, f"content.scenarios[{i}].guide_link",
                           "指引环节")
        for i, scenario_id in enumerate(content["mode_innovation"].get("related_scenarios", [])):
            _require_known(path, scenario_id, scenarios, f"content.mode_innovation.related_scenarios[{i}]",
                           "场景")
    elif kind == "tiers":
        _require_unique(path, content["tiers"], "tiers")
        _require_unique(path, content["basic_requirements"], "basic_requirements", key="clause")
    elif kind == "kpis":
        _require_unique(path, content["categories"], "categories")
        _require_unique(path, content["kpis"], "kpis")
        categories = _ids(content["categories"])
        for i, kpi in enumerate(content["kpis"]):
            _require_known(path, kpi["category"], categories, f"content.kpis[{i}].category", "指标类别")
            expected = FORMULA_INPUTS[kpi["formula"]]
            keys = tuple(item["key"] for item in kpi["inputs"])
            if sorted(keys) != sorted(expected):
                raise PackError(path, f"content.kpis[{i}].inputs",
                                f"公式 {kpi['formula']} 需要输入项 {'、'.join(expected)}，实际为 {'、'.join(keys)}")
    elif kind == "maturity":
        elements, domains = _ids(content["elements"]), _ids(content["domains"])
        for i, domain in enumerate(content["domains"]):
            _require_known(path, domain["element"], elements, f"content.domains[{i}].element", "能力要素")
        for i, subdomain in enumerate(content["subdomains"]):
            _require_known(path, subdomain["domain"], domains, f"content.subdomains[{i}].domain", "能力域")
        levels = [level["level"] for level in content["levels"]]
        if levels != sorted(levels) or len(set(levels)) != len(levels):
            raise PackError(path, "content.levels", "等级须按 1 至 5 依次排列且不重复")
    elif kind == "call":
        _require_unique(path, content["conditions"], "conditions", key="clause")
        if dt.date.fromisoformat(content["window"]["opens"]) > dt.date.fromisoformat(content["window"]["closes"]):
            raise PackError(path, "content.window", "申报开始日期晚于截止日期")


# Input keys each KPI formula kind needs; the calculator in tidu.eligibility.kpi implements them.
FORMULA_INPUTS: dict[str, tuple[str, ...]] = {
    "ratio": ("part", "whole"),
    "increase": ("before", "after"),
    "decrease": ("before", "after"),
    "count": ("value",),
    "reuse_ratio": ("reused", "fresh"),
}


class PackLibrary:
    """All pack versions found under one directory, addressable by (id, version)."""

    def __init__(self, packs: Iterable[Pack]):
        self._packs: dict[tuple[str, str], Pack] = {}
        for pack in packs:
            key = (pack.id, pack.version)
            if key in self._packs:
                raise PackError(pack.path, "pack", f"策略包 {pack.ref} 重复出现（另见 {self._packs[key].path}）")
            self._packs[key] = pack

    @classmethod
    def from_directory(cls, directory: Path | str = DEFAULT_PACKS_DIR) -> PackLibrary:
        directory = Path(directory)
        if not directory.is_dir():
            raise PackError(directory, "", "策略包目录不存在")
        return cls(load_pack_file(path) for path in sorted(directory.glob("*/*.yaml")))

    def __iter__(self):
        return iter(sorted(self._packs.values(), key=lambda p: (p.kind, p.id, version_key(p.version))))

    def get(self, pack_id: str, version: str) -> Pack:
        try:
            return self._packs[(pack_id, version)]
        except KeyError:
            raise PackError(pack_id, "", f"找不到策略包 {pack_id}@{version}") from None

    def latest(self, pack_id: str) -> Pack:
        versions = [pack for (pid, _), pack in self._packs.items() if pid == pack_id]
        if not versions:
            raise PackError(pack_id, "", f"找不到策略包 {pack_id}")
        return max(versions, key=lambda p: version_key(p.version))

    def calls(self) -> list[Pack]:
        return [pack for pack in self if pack.kind == "call"]


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))
