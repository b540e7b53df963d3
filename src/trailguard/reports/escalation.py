"""The console's `report` decision as a CyberTipline submission: the escalation step `trailguard serve` runs.

A reviewer's final `report` decision on a job linked to an approved evidence case submits that case through
the documented flow (reports.submission), before the decision is recorded (review.work.decide_logged): when
the submission fails, the reviewer sees why, nothing is recorded and the job stays claimed in its queue. A
`report` on a job without a case is refused the same way: a report to the authorities needs the evidence
trail. Configured by the NCMEC settings (`TRAILGUARD_NCMEC_USERNAME` and the rest); a server without them has
no step, and a `report` decision is then a decision only, as before (docs/reports.md).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from sqlalchemy import Engine

from trailguard.evidence.location import evidence_dir
from trailguard.review.work import Escalation, EscalationHook
from trailguard.settings import Settings


def ncmec_configured(environ: Mapping[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    return bool(env.get("TRAILGUARD_NCMEC_USERNAME"))


def escalation_hook(engine: Engine, settings: Settings) -> EscalationHook | None:
    """The step for `create_app(on_escalate=...)`, or None when this server does not report to NCMEC. Every
    setting (client, reporter, schema) is read now, so a misconfigured server fails at start, not on the
    first report."""
    if not ncmec_configured():
        return None
    from trailguard.reports import cybertipline, ncmec_client, reporter, submission

    client_settings = ncmec_client.ClientSettings.from_env()
    who = reporter.from_env()
    who.require("first_name", "last_name", "email")
    schema = cybertipline.load_schema(cybertipline.schema_path())
    root = evidence_dir(settings)

    def submit(step: Escalation) -> None:
        if step.action != "report":
            return  # an escalation goes to a senior reviewer inside the console: no external step
        if step.case_id is None:
            raise submission.SubmissionError(
                f"job {step.job_id} has no evidence case: link it to an approved case before reporting"
            )
        with ncmec_client.Client(client_settings) as client:
            submission.submit_case(
                engine,
                step.case_id,
                evidence_root=root,
                client=client,
                reporter=who,
                operator=step.by,
                schema=schema,
            )

    return submit
