"""GB/T 4754-2017 industry codes: the 门类/大类 catalogue in data/gbt4754_2017.yaml, and code checks. Pure Python
(gettext for the error messages).

Codes are stored as the 门类 letter followed by digits, as the policy engine reads them:
``C`` (门类), ``C34`` (大类), ``C348`` (中类) or ``C3484`` (小类). Only 门类 and 大类 are listed;
a 中类/小类 code is accepted when its first two digits are a 大类 of its 门类. Errors are gettext (Chinese source).
"""

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from django.utils.translation import gettext

from tidu.core.errors import TiduError

DATA_FILE = Path(__file__).resolve().parent / "data" / "gbt4754_2017.yaml"
_CODE = re.compile(r"^([A-Z])(\d{2,4})?$")


class IndustryCodeError(TiduError, ValueError):
    """Not a GB/T 4754-2017 code this platform accepts; ``message`` says why, in Chinese."""


@dataclass(frozen=True)
class Division:
    """大类: two-digit code within a 门类."""

    code: str
    name: str
    section: str

    @property
    def full_code(self) -> str:
        return f"{self.section}{self.code}"


@dataclass(frozen=True)
class Section:
    """门类: a letter A–T."""

    code: str
    name: str
    divisions: tuple[Division, ...]


@dataclass(frozen=True)
class Catalogue:
    standard: str
    source: dict
    sections: tuple[Section, ...]

    @property
    def section_map(self) -> dict[str, Section]:
        return {section.code: section for section in self.sections}

    @property
    def division_map(self) -> dict[str, Division]:
        return {division.code: division for section in self.sections for division in section.divisions}


def load_catalogue(path: Path = DATA_FILE) -> Catalogue:
    """Read and check the YAML file: section letters and division codes unique, divisions two digits."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    sections, seen_sections, seen_divisions = [], set(), set()
    for raw in document["sections"]:
        letter = str(raw["code"])
        if not re.fullmatch(r"[A-Z]", letter) or letter in seen_sections:
            raise ValueError(f"{path.name}: 门类代码 {letter!r} 无效或重复")
        seen_sections.add(letter)
        divisions = []
        for item in raw["divisions"]:
            code = str(item["code"])
            if not re.fullmatch(r"\d{2}", code) or code in seen_divisions:
                raise ValueError(f"{path.name}: 大类代码 {code!r} 无效或重复")
            seen_divisions.add(code)
            divisions.append(Division(code=code, name=str(item["name"]), section=letter))
        sections.append(Section(code=letter, name=str(raw["name"]), divisions=tuple(divisions)))
    return Catalogue(standard=str(document["standard"]), source=dict(document["source"]), sections=tuple(sections))


@cache
def catalogue() -> Catalogue:
    return load_catalogue()


def normalise(value: str) -> str:
    return re.sub(r"\s+", "", value or "").upper()


def validate(value: str) -> str:
    """Return the normalised code, or raise IndustryCodeError explaining what is wrong (in the active language)."""
    code = normalise(value)
    if not code:
        raise IndustryCodeError(gettext("请选择所属行业"))
    match = _CODE.match(code)
    if match is None:
        raise IndustryCodeError(gettext("行业代码 %(code)s 格式不正确：应为门类字母加2–4位数字，如 C34、C348、C3484")
                                % {"code": code})
    letter, digits = match.groups()
    data = catalogue()
    sections = data.section_map
    if letter not in sections:
        raise IndustryCodeError(gettext("行业代码 %(code)s 不存在：门类 %(letter)s 不存在（门类为 %(first)s–%(last)s）") % {
            "code": code, "letter": letter, "first": data.sections[0].code, "last": data.sections[-1].code})
    if digits is None:
        return code
    division = data.division_map.get(digits[:2])
    if division is None or division.section != letter:
        message = gettext("行业代码 %(code)s 不存在：大类 %(division)s 不属于门类 %(letter)s") % {
            "code": code, "division": digits[:2], "letter": letter}
        if division is not None:
            message += gettext("（大类 %(division)s %(name)s 属于门类 %(section)s）") % {
                "division": division.code, "name": division.name, "section": division.section}
        raise IndustryCodeError(message)
    return code


def is_valid(value: str) -> bool:
    try:
        validate(value)
    except IndustryCodeError:
        return False
    return True


def describe(code: str) -> str:
    """Human text for a stored code, e.g. 'C3484（制造业 › 34 通用设备制造业）'."""
    code = normalise(code)
    data = catalogue()
    section = data.section_map.get(code[:1])
    if section is None:
        return code
    division = data.division_map.get(code[1:3]) if len(code) >= 3 else None
    if division is None or division.section != section.code:
        return f"{code}（{section.name}）"
    return f"{code}（{section.name} › {division.code} {division.name}）"


def division_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """<select> choices: 大类 grouped by 门类, values like 'C34'."""
    return [(f"{section.code} {section.name}",
             [(division.full_code, f"{division.code} {division.name}") for division in section.divisions])
            for section in catalogue().sections]
