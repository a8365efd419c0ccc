"""The call editor's rules (no database): what the bureau may edit in a call pack, how an edit is applied with its
source and grade, and a field-by-field diff between two pack documents.

Editable: the window dates (and its wording), the township deadline (and its wording), the look-back years, the
规上 revenue threshold, every scalar leaf under a condition's ``rule.params`` and under each of its ``also`` rules'
params (packs that declare their clauses, 2026.4 on) except the keys that name what a rule reads (``REFERENCES``:
changing those is a change of the clause, not of a parameter), and each deliverable's formats. A changed rule
parameter takes its basis on that rule's own ``source``/``grade``. Every sourced node whose value changes must name its
basis: a source of the pack (its grade comes with it) or 主管局设定 (grade D) with the bureau's 文号 or reason —
a new value never silently keeps the old source.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from tidu.core.dates import date_zh

BUREAU = "bureau"  # the basis choice "主管局设定" (grade D, with a 文号 or reason)
DELIVERABLE_FORMATS = ("docx", "pdf", "xlsx")


def next_version(version: str) -> str:
    """2026.3 → 2026.4 (the last part counts up)."""
    parts = version.split(".")
    parts[-1] = str(int(parts[-1]) + 1)
    return ".".join(parts)


# --- rule parameters --------------------------------------------------------------------------------------

# Parameter keys that name a section field, a figure or a list the rule reads (tidu/eligibility/rules.py): they
# say what the clause is about and go with its ``reads``, so the editor shows them in the diff but does not edit them.
REFERENCES = frozenset({"field", "figure", "declared", "of", "list", "lists", "flag", "declaration"})


@dataclass(frozen=True)
class Param:
    """One editable scalar under ``content.conditions[index].rule.params`` or ``….also[n].params``."""

    index: int          # the condition's position
    clause: str         # 申报条件3
    path: tuple         # keys/indices below params, e.g. ("min",) or ("platforms", 0)
    value: Any
    rule: tuple = ("rule",)  # where the rule sits in the condition: ("rule",) or ("also", n)
    kind_name: str = ""      # the rule's kind (threshold, …)

    @property
    def group_key(self) -> str:
        return f"condition-{self.index}" if self.rule == ("rule",) else f"condition-{self.index}-also-{self.rule[1]}"

    @property
    def label(self) -> str:
        path = " · ".join(str(part) if not isinstance(part, int) else f"[{part + 1}]" for part in self.path)
        if self.rule == ("rule",):
            return path
        return _("附加规则%(n)s（%(kind)s） · %(path)s") % {"n": self.rule[1] + 1, "kind": self.kind_name, "path": path}

    @property
    def kind(self) -> str:
        if isinstance(self.value, bool):
            return "bool"
        if isinstance(self.value, int):
            return "int"
        if isinstance(self.value, float):
            return "number"
        return "text"


def _leaves(node: Any, path: tuple):
    if isinstance(node, dict):
        for key, child in node.items():
            yield from _leaves(child, (*path, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from _leaves(child, (*path, index))
    elif node is None or isinstance(node, str | int | float | bool):
        yield path, node


def _rules(condition: dict):
    """(where, rule) for the condition's ``rule`` and each of its ``also`` rules."""
    rule = condition.get("rule")
    if isinstance(rule, dict):
        yield ("rule",), rule
        for number, extra in enumerate(condition.get("also") or []):
            if isinstance(extra, dict):
                yield ("also", number), extra


def rule_at(condition: dict, where: tuple) -> dict:
    return condition["rule"] if where == ("rule",) else condition["also"][where[1]]


def rule_params(document: dict) -> list[Param]:
    """Every editable scalar leaf under each condition's ``rule.params`` and ``also[n].params`` (none for packs
    without declared rules)."""
    params = []
    for index, condition in enumerate(document["content"]["conditions"]):
        for where, rule in _rules(condition):
            if isinstance(rule.get("params"), dict):
                params += [Param(index, condition["clause"], path, value, where, str(rule.get("kind", "")))
                           for path, value in _leaves(rule["params"], ())
                           if value is not None and path[0] not in REFERENCES]
    return params


def _set_at(node: Any, path: tuple, value: Any) -> None:
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value


# --- sourced groups: what changed must name its basis ------------------------------------------------------

@dataclass(frozen=True)
class Group:
    key: str        # "window", "township_deadline", "above_designated_size", "condition-3"
    label: str
    node_path: tuple  # where the sourced node sits under content


def sourced_groups(document: dict) -> list[Group]:
    groups = [Group("window", _("申报时间"), ("window",)),
              Group("township_deadline", _("乡镇推荐截止日"), ("township_deadline",)),
              Group("above_designated_size", _("规模以上工业企业营业收入门槛"), ("above_designated_size",))]
    conditions = document["content"]["conditions"]
    seen = {}
    for param in rule_params(document):
        seen.setdefault(param.group_key, param)
    for key, param in seen.items():
        clause = conditions[param.index]["clause"]
        if param.rule == ("rule",):
            label = _("%(clause)s 的规则参数") % {"clause": clause}
            path = ("conditions", param.index, "rule")
        else:
            label = _("%(clause)s 附加规则%(n)s（%(kind)s）的参数") % {"clause": clause, "n": param.rule[1] + 1,
                                                                  "kind": param.kind_name}
            path = ("conditions", param.index, "also", param.rule[1])
        groups.append(Group(key, label, path))
    return groups


def node_at(document: dict, path: tuple) -> dict:
    node = document["content"]
    for part in path:
        node = node[part]
    return node


@dataclass(frozen=True)
class Basis:
    """The basis of a changed value: a pack source id, or BUREAU with the bureau's 文号/reason."""

    choice: str
    note: str = ""


@dataclass
class Edit:
    """The values of the edit form, already validated field by field (see ``forms.DraftEditForm``)."""

    title: str
    window_opens: dt.date
    window_closes: dt.date
    window_text: str
    township_deadline: dt.date
    township_text: str
    lookback_years: int
    revenue_min: float | int
    params: dict[int, Any]             # position in ``rule_params`` → new value
    formats: dict[int, list[str]]      # deliverable position → formats
    bases: dict[str, Basis]            # group key → basis (only groups the bureau filled in)


def window_text(opens: dt.date, closes: dt.date) -> str:
    """The wording of a window as the seed writes it: 2026年1月22日-3月15日 (the year once when both share it)."""
    end = f"{closes.month}月{closes.day}日" if closes.year == opens.year else date_zh(closes)
    return f"{date_zh(opens)}-{end}"


def changed_groups(document: dict, edit: Edit) -> list[Group]:
    """The sourced groups whose values the edit changes (each must name its basis)."""
    content = document["content"]
    changed = set()
    if (edit.window_opens.isoformat(), edit.window_closes.isoformat()) != (content["window"]["opens"],
                                                                          content["window"]["closes"]):
        changed.add("window")
    if edit.township_deadline.isoformat() != content["township_deadline"]["date"]:
        changed.add("township_deadline")
    if float(edit.revenue_min) != float(content["above_designated_size"]["revenue_min_10k_yuan"]):
        changed.add("above_designated_size")
    for position, param in enumerate(rule_params(document)):
        if position in edit.params and edit.params[position] != param.value:
            changed.add(param.group_key)
    return [group for group in sourced_groups(document) if group.key in changed]


def basis_problems(document: dict, edit: Edit) -> dict[str, str]:
    """group key → the Chinese error when a changed value names no basis (or 主管局设定 without 文号/理由)."""
    problems = {}
    sources = {source["id"] for source in document["pack"]["sources"]}
    for group in changed_groups(document, edit):
        basis = edit.bases.get(group.key)
        if basis is None or not basis.choice:
            problems[group.key] = _("已修改“%(what)s”，请注明新值的依据：选择一项来源，或选择“主管局设定”并填写文号或理由。") % {
                "what": group.label}
        elif basis.choice == BUREAU and not basis.note.strip():
            problems[group.key] = _("“%(what)s”选择了“主管局设定”，请填写主管局的文号或设定理由。") % {"what": group.label}
        elif basis.choice != BUREAU and basis.choice not in sources:
            problems[group.key] = _("“%(what)s”的依据 %(source)s 不是本策略包的来源。") % {
                "what": group.label, "source": basis.choice}
    return problems


def apply_edit(document: dict, edit: Edit, *, issuer: str | None = None) -> dict:
    """A new document with the edit applied; every changed sourced node gets the named basis as its source and
    grade (a 主管局设定 basis becomes a new grade-D source of the pack). The caller has checked ``basis_problems``."""
    new = copy.deepcopy(document)
    header, content = new["pack"], new["content"]
    groups = changed_groups(document, edit)
    header["title"] = edit.title
    content["title"] = edit.title
    window = content["window"]
    dates_changed = (edit.window_opens.isoformat(), edit.window_closes.isoformat()) != (window["opens"],
                                                                                      window["closes"])
    window["opens"], window["closes"] = edit.window_opens.isoformat(), edit.window_closes.isoformat()
    text = edit.window_text.strip()
    window["text"] = window_text(edit.window_opens, edit.window_closes) if dates_changed and text == (
        document["content"]["window"]["text"]) else text
    content["township_deadline"]["date"] = edit.township_deadline.isoformat()
    content["township_deadline"]["text"] = edit.township_text.strip()
    content["lookback_years"] = edit.lookback_years
    content["above_designated_size"]["revenue_min_10k_yuan"] = edit.revenue_min
    for position, param in enumerate(rule_params(document)):
        if position in edit.params:
            _set_at(rule_at(content["conditions"][param.index], param.rule)["params"], param.path,
                    edit.params[position])
    for position, formats in edit.formats.items():
        content["deliverables"][position]["formats"] = list(formats)
    issuer = issuer or content.get("issuer", "")
    for group in groups:
        basis = edit.bases[group.key]
        node = node_at(new, group.node_path)
        if basis.choice == BUREAU:
            source_id = _new_source_id(header["sources"])
            header["sources"].append({"id": source_id, "grade": "D",
                                      "title": _("%(issuer)s设定：%(note)s") % {"issuer": issuer,
                                                                                "note": basis.note.strip()}})
            node["source"], node["grade"] = [source_id], "D"
        else:
            grade = next(s["grade"] for s in header["sources"] if s["id"] == basis.choice)
            node["source"], node["grade"] = [basis.choice], grade
        if basis.note.strip():
            old = node.get("note", "")
            node["note"] = _("%(version)s 修改依据：%(note)s") % {"version": header["version"], "note": basis.note.strip()} \
                + (f"｜{old}" if old else "")
    return new


def _new_source_id(sources: list[dict]) -> str:
    taken = {source["id"] for source in sources}
    number = 1
    while f"BUREAU-{number}" in taken:
        number += 1
    return f"BUREAU-{number}"


# --- the diff ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    path: str
    label: str
    old: str
    new: str


_LABELS = {
    "pack.title": N_("策略包名称"), "pack.version": N_("版本"), "pack.id": N_("策略包编号"),
    "content.title": N_("批次名称"), "content.code": N_("批次编号"), "content.year": N_("年度"),
    "content.window.opens": N_("申报开始日期"), "content.window.closes": N_("申报截止日期"), "content.window.text": N_("申报时间（原文）"),
    "content.window.source": N_("申报时间的来源"), "content.window.grade": N_("申报时间的来源等级"),
    "content.window.note": N_("申报时间的说明"),
    "content.township_deadline.date": N_("乡镇推荐截止日"), "content.township_deadline.text": N_("乡镇推荐截止（原文）"),
    "content.township_deadline.source": N_("乡镇推荐截止日的来源"), "content.township_deadline.grade": N_("乡镇推荐截止日的来源等级"),
    "content.township_deadline.note": N_("乡镇推荐截止日的说明"),
    "content.lookback_years": N_("“近三年”回溯年数"),
    "content.above_designated_size.revenue_min_10k_yuan": N_("规上营业收入门槛（万元）"),
    "content.above_designated_size.source": N_("规上门槛的来源"),
    "content.above_designated_size.grade": N_("规上门槛的来源等级"),
    "content.above_designated_size.note": N_("规上门槛的说明"),
    "pack.sources": N_("来源"),
}
_KEY_WORDS = {"rule": N_("规则"), "params": N_("参数"), "formats": N_("文件格式"), "source": N_("来源"), "grade": N_("来源等级"),
              "note": N_("说明"), "text": N_("原文"), "deliverables": N_("报送材料"), "conditions": N_("申报条件"), "sources": N_("来源"),
              "title": N_("名称"), "reference": N_("出处"), "evidence": N_("佐证材料"), "items": N_("栏目"), "required": N_("必需")}
_ITEM_KEYS = ("clause", "annex", "topic", "id", "code")


def _item_key(item: Any) -> str | None:
    if isinstance(item, dict):
        for key in _ITEM_KEYS:
            if isinstance(item.get(key), str):
                return item[key]
    return None


def display(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, list):
        return "、".join(display(item) for item in value) if all(not isinstance(i, dict | list) for i in value) \
            else "；".join(display(item) for item in value)
    if isinstance(value, dict):
        return "；".join(f"{key}：{display(item)}" for key, item in value.items())
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return date_zh(dt.date.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


def _label(path: str, words: list[str]) -> str:
    if path in _LABELS:
        return _(_LABELS[path])
    return " › ".join(_(_KEY_WORDS[w]) if w in _KEY_WORDS else w for w in words)


def diff(old: dict, new: dict) -> list[Change]:
    """Field by field, old → new, in document order; list items matched by their clause/annex/topic/id."""
    changes: list[Change] = []

    def walk(a: Any, b: Any, path: str, words: list[str]) -> None:
        if a == b:
            return
        if isinstance(a, dict) and isinstance(b, dict):
            for key in [*a, *[k for k in b if k not in a]]:
                walk(a.get(key), b.get(key), f"{path}.{key}" if path else key,
                     [*words, key] if path not in ("", "pack", "content") else [key])
            return
        if isinstance(a, list) and isinstance(b, list) and (a or b) and all(
                _item_key(item) is not None for item in a + b):
            old_items, new_items = {_item_key(i): i for i in a}, {_item_key(i): i for i in b}
            for key in [*old_items, *[k for k in new_items if k not in old_items]]:
                walk(old_items.get(key), new_items.get(key), f"{path}[{key}]", [*words, key])
            return
        if isinstance(a, list) and isinstance(b, list) and len(a) == len(b) and any(
                isinstance(item, dict | list) for item in a + b):
            for index, (x, y) in enumerate(zip(a, b, strict=True)):
                walk(x, y, f"{path}[{index}]", [*words, str(index + 1)])
            return
        changes.append(Change(path, _label(path, words), display(a), display(b)))

    walk(old, new, "", [])
    return changes
