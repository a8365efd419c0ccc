"""`tidu evaluate FILE.json`: judge one application file and print the verdict.

Exit status: 0 when eligible and the tier is met, 1 when not, 2 when the file cannot be read or judged.
"""

import json
import sys

from django.conf import settings
from django.core.management.base import BaseCommand

from tidu.eligibility.engine import evaluate
from tidu.eligibility.interchange import InterchangeError, read_document
from tidu.eligibility.report import verdict_text
from tidu.policy.call_policy import CallPolicy
from tidu.policy.loader import PackError, PackLibrary


class Command(BaseCommand):
    help = "按申报批次的策略包判定一份申报数据（tidu.application/1 JSON），列出每一条款的结论。"
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", help="申报数据 JSON 文件")
        parser.add_argument("--tier", help="按此等级判定（基础级、先进级……），默认取文件或批次的等级")
        parser.add_argument("--format", choices=["json", "text"], default="text", help="输出格式")
        parser.add_argument("--call", help="申报批次策略包编号，默认取文件中的 call，或策略包目录中唯一的申报批次")

    def handle(self, *args, **options):
        try:
            document = read_document(options["file"])
            library = PackLibrary.from_directory(settings.TIDU_POLICY_DIR)
            call_id = options["call"] or _call_pack_id(document) or _only_call(library)
            version = document.get("call_version") if isinstance(document, dict) else None
            policy = CallPolicy.resolve(library, call_id, version)
            verdict = evaluate(policy, document, tier=options["tier"])
        except InterchangeError as exc:
            self._fail(options, [{"field": field, "message": message} for field, message in exc.problems])
        except PackError as exc:
            self._fail(options, [{"field": exc.key, "message": str(exc)}], heading="无法判定：策略包有误")
        if options["format"] == "json":
            self.stdout.write(json.dumps(verdict.as_dict(), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(verdict_text(verdict))
        sys.exit(0 if verdict.eligible and verdict.tier_met else 1)

    def _fail(self, options, problems, heading="无法判定：申报数据有误"):
        if options["format"] == "json":
            self.stdout.write(json.dumps({"error": "invalid_input", "problems": problems}, ensure_ascii=False, indent=2))
        else:
            self.stderr.write(heading)
            for problem in problems:
                self.stderr.write(f"  {problem['field']}：{problem['message']}")
        sys.exit(2)


def _only_call(library: PackLibrary) -> str:
    """The call pack when the policy directory holds only one call (the default packs do); else ask for --call."""
    ids = sorted({pack.id for pack in library.calls()})
    if len(ids) != 1:
        raise PackError("--call", "call", "请用 --call 指定申报批次策略包编号（策略包目录中有 "
                        + ("、".join(ids) or "0 个申报批次") + "）")
    return ids[0]


def _call_pack_id(document) -> str | None:
    """Files name the call by its code (``code`` in the call pack); its pack lives under call-<code>."""
    if isinstance(document, dict) and isinstance(document.get("call"), str):
        return "call-" + document["call"]
    return None
