import json
from datetime import date

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder

from metrics.selectors import REDUCTION_LABELS, REDUCTIONS
from metrics.simulation import Proposal, replay


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"日期格式应为 YYYY-MM-DD：{value}") from None


def _limit(value: str) -> tuple[str, int]:
    node, _sep, days = value.partition("=")
    if not days.isdigit():
        raise CommandError(f"--limit 应为 环节=工作日，例如 review=20：{value}")
    return node, int(days)


class Command(BaseCommand):
    help = ("Replay the applications that ended in a period under a drafted rule set: the five reductions now "
            "and proposed, per type and track, and the self-check (replaying under the rules that applied must "
            "reproduce the recorded figures).")

    def add_arguments(self, parser):
        parser.add_argument("--rule-set", required=True, help="the rule set the draft starts from (its code)")
        parser.add_argument("--since", type=_date, default=None)
        parser.add_argument("--until", type=_date, default=None)
        parser.add_argument("--limit", type=_limit, action="append", default=[], help="step=working days, e.g. review=20")
        parser.add_argument("--drop-step", action="append", default=[], help="review, decide or issue")
        parser.add_argument("--drop-document", action="append", default=[], help="a catalogue code no longer asked")
        parser.add_argument("--share-document", action="append", default=[], help="a code obtained by data sharing")
        parser.add_argument("--fee", default=None, help="fee in yuan")
        parser.add_argument("--commitment-type", action="append", default=[], help="open the commitment track to a type")
        parser.add_argument("--assumption", default="as_recorded", choices=["as_recorded", "scales"])
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args, **o):
        try:
            proposal = Proposal.from_json({
                "rule_set": o["rule_set"], "limits": dict(o["limit"]), "drop_steps": o["drop_step"],
                "drop_documents": o["drop_document"], "shared_documents": o["share_document"], "fee_yuan": o["fee"],
                "commitment_types": o["commitment_type"], "assumption": o["assumption"],
            })
        except ValidationError as error:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())) from None
        result = {**replay(proposal, since=o["since"], until=o["until"]).as_json(),
                  "proposal": proposal.as_json(), "assumptions": proposal.describe()}
        if o["json"]:
            self.stdout.write(json.dumps(result, cls=DjangoJSONEncoder, ensure_ascii=False))
            return
        for line in result["assumptions"]:
            self.stdout.write(line)
        self.stdout.write(f"applications: {result['applications']}")
        for key in REDUCTIONS:
            now, then = result["current"]["reductions"][key], result["proposed"]["reductions"][key]
            self.stdout.write(f"{REDUCTION_LABELS[key]}: {now['actual']} → {then['actual']} "
                              f"(reduction {now['reduction_pct']}% → {then['reduction_pct']}%)")
        check = result["self_check"]
        style = self.style.SUCCESS if check["reproduces_recorded_figures"] else self.style.ERROR
        self.stdout.write(style(f"self-check: replaying under the rules that applied reproduces the recorded "
                                f"figures: {'yes' if check['reproduces_recorded_figures'] else 'NO'} "
                                f"({check['mismatched']} of {check['applications']} differ)"))
