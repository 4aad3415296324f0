"""Rendering: pure functions of a member's view of a question, as Markdown for the draft view. Every string from a
report, a model or a member goes through md_text/md_line (review/text_safety.py): shown as text, never as markup."""

import re

from ..models import Evidence, Grade, PointAssessment, QuestionDraft
from ..review.prescreen import Prescreen
from ..review.reviews import MemberEdit
from ..review.text_safety import md_line, md_text

_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+|[ \t]+#+[ \t]*$", re.MULTILINE)


def render_suggestion(draft: QuestionDraft | None, edit: MemberEdit | None) -> str:
    if draft is None:
        return "_Not drafted yet. Write your own text, or draft the questions._"
    mode = {"assessment": "the assessment alone (no LLM)", "llm": f"{md_line(draft.model)} on top of the assessment",
            "llm-rewrite": f"the assessment, rewritten by {md_line(draft.model)}"}[draft.mode]
    lines = [f"_Drafted by {mode}._"]
    if draft.suggested_grade:
        rubric = f"; rubric: {draft.rubric_grade.value}" if draft.rubric_grade and draft.rubric_grade != draft.suggested_grade else ""
        lines.append(f"**Grade: {draft.suggested_grade.value}**{rubric}")
    if draft.grade_rationale:
        lines.append(md_text(draft.grade_rationale))
    if edit and edit.commentary is not None and draft.commentary:
        lines.append("**The assistant's text** (yours is above):")
        lines.append("> " + md_text(draft.commentary).replace("\n", "\n> "))
    lines += [f"Note: {md_text(flag)}" for flag in dict.fromkeys(draft.flags)]  # the same note once
    if draft.summary:
        lines.append(f"**Report says:** {md_text(draft.summary)}")
    if draft.questions_for_member:
        lines.append("**The Panel would ask for:** " + "; ".join(map(md_text, draft.questions_for_member)))
    return "\n\n".join(lines)


def render_checklist(draft: QuestionDraft | None, assistant_grade: Grade | None = None) -> str:
    """Each guidance point with its status, core flag and the report sentences it rests on: what a panel member
    checks. `assistant_grade` is the rubric grade before the member's own statuses, shown where theirs differs."""
    if draft is None or draft.assessment is None:
        return "_No checklist yet: draft the question._"
    mark = {"addressed": "✔ addressed", "partly": "◐ partly", "missing": "✘ missing"}  # in every system font
    grade = draft.rubric_grade.value if draft.rubric_grade else "ungraded"
    before = (f" (the assistant's statuses give {assistant_grade.value})"
              if assistant_grade and draft.rubric_grade and assistant_grade != draft.rubric_grade else "")
    a = draft.assessment
    provisional = (f" — _provisional: {a.grade_note or 'a core point is still to be checked'}_"
                   if a.provisional and draft.rubric_grade else "")
    rows = [f"**Rubric grade: {grade}**{before}{provisional}", "", "**Checklist** (core points marked ★; ? to check, "
            "✓ checked by a member):"]
    for point in draft.assessment.points:
        by = f" _(set by {md_line(point.edited_by)})_" if point.edited_by else ""
        check = " ✓" if point.edited_by else f" ? _{point.confidence_reason}_" if point.confidence == "check" else ""
        rows.append(f"- {mark[point.status]} {'★ ' if point.core else ''}{md_line(point.guidance)}{by}{check}")
        rows += [f"    - “{md_line(e.quote)}” ({md_line(e.location)})" for e in point.evidence]
    return "\n".join(rows)


def render_changed_note(draft: QuestionDraft | None, edit: MemberEdit | None) -> str:
    """Says, as the member types, that their text or grade now differs from the assistant's."""
    if not edit:
        return ""
    changed = [part for part, mine, theirs in (("text", edit.commentary, draft.commentary if draft else ""),
                                               ("grade", edit.grade, draft.suggested_grade if draft else None))
               if mine is not None and mine != theirs]
    if not changed:
        return ""
    kept = "; the assistant's version is kept in its panel below" if draft else ""
    return f"_You changed the {' and '.join(changed)}{kept}._"


def quotes(draft: QuestionDraft | None) -> list[Evidence]:
    """Every quote a question shows: the checklist's, then the draft's own, each once."""
    if draft is None:
        return []
    points = draft.assessment.points if draft.assessment else []
    found = [e for p in points for e in p.evidence] + list(draft.evidence)
    return list({(e.chunk_id, e.quote): e for e in found}.values())


def render_evidence(draft: QuestionDraft | None) -> str:
    """The draft's verified quotes that the checklist does not already show under a point: each quote once."""
    if not draft or not draft.evidence:
        return "_No verified quotes._"
    shown = {(e.chunk_id, e.quote) for p in (draft.assessment.points if draft.assessment else []) for e in p.evidence}
    others = [e for e in draft.evidence if (e.chunk_id, e.quote) not in shown]
    if not others:
        return "_Every quote the draft rests on is under its point in the checklist below; pick one to read it in context._"
    lead = "Also quoted by the draft:\n\n" if len(others) < len(draft.evidence) else ""
    return lead + "\n".join(f"- “{md_line(e.quote)}” ({f'p. {e.page}' if e.page else md_line(clip(e.section, 60)) or 'report'})" for e in others)


def render_precedent(draft: QuestionDraft | None) -> str:
    if not draft or not draft.precedents:
        return "_No past-letter precedent for this question._"
    return "\n\n".join(
        f"**{md_line(p.member)} {p.year or ''}** {f'(graded {p.grade.value})' if p.grade else ''}: {md_text(p.text[:700])}"
        for p in draft.precedents
    )


def render_follow_ups(draft: QuestionDraft | None) -> str:
    if not draft or not draft.follow_ups:
        return "_No earlier letter to this member in the corpus, or no asks on this question._"
    mark = {"yes": "[addressed]", "partly": "[partly]", "no": "[not addressed]"}
    return "\n".join(
        f"- {mark.get(f.addressed, '')} {md_line(f.ask)}" + (f" — “{md_line(f.evidence[0].quote[:200])}”" if f.evidence else "")
        for f in draft.follow_ups
    )


def render_prescreen(result: Prescreen) -> str:
    rows = ["| Q | Status | Where | Passages | Words | Figures | Possibly missing |", "|---|---|---|---|---|---|---|"]
    for q in result.questions:
        where = ", ".join(f"p. {p}" for p in q.pages) or (md_line(clip(q.sections[0], 60)) if q.sections else "—")
        missing = "<br>".join(map(md_line, q.missing_guidance)) or "—"
        rows.append(f"| {q.number} | {q.status} | {where} | {q.passages} | {q.words} | {q.figures} | {missing} |")
    return "\n".join(rows)


def clip(text: str, limit: int) -> str:
    """At most `limit` characters, cut between words (marked '…'), never inside one."""
    if len(text) <= limit:
        return text
    head = text[:limit + 1].rsplit(None, 1)[0] if " " in text[:limit + 1] else text[:limit]
    return head[:limit].rstrip(" ,;:-–") + "…"


def plain_text(text: str) -> str:
    """A passage as plain text for a text box: Markdown heading marks ('#### Pillar 1') taken off."""
    return _HEADING.sub("", text)


def point_choices(points: list[PointAssessment]) -> list[tuple[str, str]]:
    return [(f"{i}. {'★ ' if p.core else ''}{p.guidance[:90]}", p.guidance) for i, p in enumerate(points, 1)]
