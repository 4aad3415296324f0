"""The Round tab: the secretariat's whole review round, start to end. An admin creates a round, adds its reports
(uploaded, or picked from those already ingested) and sets each one's member and year; anyone on the round
pre-screens it and downloads the sheet (XLSX and CSV); an admin drafts it in the background. The table shows each
question's grade and its points checked; the bars, how far drafting is. Rounds are assistant/rounds.py's."""

import hashlib
import html
import re
import shutil
import tempfile
from pathlib import Path

import gradio as gr

from ..pipeline import Pipeline
from ..review.text_safety import md_line, md_text
from ..review.workspace import inside, safe_name, user_folder, utc_time
from ..rounds import RoundError
from .report_tab import YearError, parse_year
from .round_worker import RoundWorker
from .state import Tab, user_of

ROUND_NAME = re.compile(r"[\w][\w .-]{0,59}")
CHECKED = ("Points checked: of the guidance points the assessment asks a member to check, those a member has set a "
           "status for on the Draft tab (any member's). Grades: the assistant's draft once there is one, else the "
           "pre-screen's; '?' marks a provisional grade (a core point is still to be checked).")


def report_key(path: str) -> str:
    """A report's key in the pickers: the server's paths stay on the server."""
    return hashlib.sha256(path.encode()).hexdigest()[:16]


class RoundTab(Tab):
    def __init__(self, pipeline: Pipeline):
        super().__init__(pipeline)
        self.round_worker = RoundWorker(pipeline)

    @property
    def rounds(self):
        return self.round_worker.rounds

    def build(self, ui) -> None:
        with gr.Tab("Round") as ui.round_tab:
            gr.Markdown("For the secretariat: a whole review round. Admins create it, add its reports and draft it in "
                        "the background; everyone on the round sees its pre-screen and downloads the sheet.")
            with gr.Row(equal_height=True):
                ui.round_pick = gr.Dropdown(label="Review round", choices=[], interactive=True, elem_id="round",
                                            scale=3, min_width=260)
                ui.round_new = gr.Textbox(label="New round's name (admins)", max_lines=1, elem_id="round-new", scale=2,
                                          min_width=220)
                ui.round_create = gr.Button("Create the round", elem_id="round-create", scale=1, min_width=160)
            with gr.Accordion("Add reports (admins)", open=True):
                with gr.Row():
                    ui.round_files = gr.File(label="Upload reports (several at once; PDF, DOCX, Markdown, text)",
                                             file_count="multiple", type="filepath", elem_id="round-files", min_width=320)
                    with gr.Column(min_width=320):
                        ui.round_ingested = gr.Dropdown(label="Or pick reports already ingested", choices=[],
                                                        multiselect=True, interactive=True, elem_id="round-ingested")
                        ui.round_add = gr.Button("Add the reports", variant="primary", elem_id="round-add")
                with gr.Row(equal_height=True):
                    ui.round_report = gr.Dropdown(label="Report of the round", choices=[], interactive=True,
                                                  elem_id="round-report", scale=3, min_width=280)
                    ui.round_report_member = gr.Textbox(label="Member organisation", max_lines=1, scale=2,
                                                        min_width=200, elem_id="round-report-member")
                    ui.round_report_year = gr.Textbox(label="Year", max_lines=1, scale=1, min_width=100,
                                                      elem_id="round-report-year")
                    ui.round_report_save = gr.Button("Set member and year", scale=1, min_width=160,
                                                     elem_id="round-report-save")
            with gr.Row(equal_height=True):
                ui.round_prescreen = gr.Button("Pre-screen the round", elem_id="round-prescreen", min_width=180)
                ui.round_xlsx = gr.DownloadButton("Download XLSX", elem_id="round-xlsx", interactive=False, min_width=160)
                ui.round_csv = gr.DownloadButton("Download CSV", elem_id="round-csv", interactive=False, min_width=160)
                ui.round_draft = gr.Button("Draft the round in the background (admins)", variant="primary",
                                           elem_id="round-draft", min_width=260)
            with gr.Row(equal_height=True):
                ui.round_member = gr.Textbox(label="Put a user on the round (admins): they see its reviews", scale=3,
                                             elem_id="round-member", min_width=260)
                ui.round_member_button = gr.Button("Put on the round", scale=1, min_width=160, elem_id="round-member-add")
                ui.round_page = gr.Number(1, label="Page", precision=0, minimum=1, interactive=True, elem_id="round-page",
                                          scale=1, min_width=100)
            ui.round_status = gr.Markdown(elem_id="round-status")
            ui.round_progress = gr.HTML(elem_id="round-progress")
            gr.Markdown(CHECKED, elem_classes="round-legend")
            ui.round_table = gr.Markdown(elem_classes="prescreen", elem_id="round-table")
            ui.round_timer = gr.Timer(3, active=False)

    def wire(self, ui) -> None:
        view = ([ui.round_pick, ui.round_page], [ui.round_table, ui.round_progress])
        pickers = [ui.round_report, ui.round_ingested]
        downloads_off = [gr.update(value=None, interactive=False)] * 2
        ui.round_tab.select(self.round_choices, None, ui.round_pick).then(self.pickers, ui.round_pick, pickers)
        ui.round_pick.input(lambda: [1] + downloads_off, None, [ui.round_page, ui.round_xlsx, ui.round_csv]).then(
            self.round_view, *view).then(self.pickers, ui.round_pick, pickers)
        ui.round_page.input(self.round_view, *view)
        ui.round_create.click(self.create_round, ui.round_new, [ui.round_status, ui.round_pick, ui.round_new]).then(
            self.round_view, *view).then(self.pickers, ui.round_pick, pickers)
        ui.round_add.click(self.add_reports, [ui.round_pick, ui.round_files, ui.round_ingested],
                           [ui.round_status, ui.round_files], concurrency_id="ingest", concurrency_limit=1,
                           show_progress_on=ui.round_status).then(
            self.round_view, *view).then(self.pickers, ui.round_pick, pickers)
        ui.round_report.input(self.report_details, [ui.round_pick, ui.round_report],
                              [ui.round_report_member, ui.round_report_year])
        ui.round_report_save.click(self.set_report, [ui.round_pick, ui.round_report, ui.round_report_member,
                                                     ui.round_report_year], ui.round_status).then(
            self.round_view, *view).then(self.pickers, ui.round_pick, pickers)
        ui.round_prescreen.click(self.prescreen_round, ui.round_pick, [ui.round_status, ui.round_xlsx, ui.round_csv],
                                 show_progress_on=ui.round_status).then(self.round_view, *view)
        ui.round_draft.click(self.start_round, ui.round_pick, [ui.round_status, ui.round_progress]).then(
            lambda: gr.update(active=True), None, ui.round_timer)
        ui.round_member_button.click(self.add_round_member, [ui.round_pick, ui.round_member],
                                     [ui.round_status, ui.round_member])
        ui.round_timer.tick(self.round_refresh, [ui.round_pick, ui.round_page],
                            [ui.round_table, ui.round_progress, ui.round_timer], show_progress="hidden")

    # Which rounds and reports

    def round_choices(self, request: gr.Request = None) -> dict:
        """Every round for admins (and without login); with login, the rounds the user is on."""
        user = user_of(request)
        return gr.update(choices=self.rounds.names(None if self.sees_all(user) else user))

    def may_see_round(self, name: str, request) -> bool:
        user = user_of(request)
        return self.sees_all(user) or user in self.rounds.get(name).members

    def ingested(self, user: str) -> dict[str, tuple[str, str, int | None]]:
        """The reports already ingested that the user may open: doc id -> (source, member, year)."""
        found: dict[str, tuple[str, str, int | None]] = {}
        for review in self.store.list(visible_to=None if self.sees_all(user) else user):
            found.setdefault(review.doc_id, (review.source, review.member, review.year))
        return found

    def pickers(self, name: str | None, request: gr.Request = None) -> list:
        """[the round's reports (to set member and year), the ingested reports not in it yet]."""
        user = user_of(request)
        try:
            reports = self.rounds.get(name).reports if name and self.may_see_round(name, request) else []
        except RoundError:
            reports = []
        there = {r.doc_id for r in reports}
        mine = [(f"{self._source(r)} — {r.member or '?'} {r.year or ''}".rstrip(), report_key(r.path)) for r in reports]
        others = [(f"{member or '?'} {year or ''} ({source})", doc_id)
                  for doc_id, (source, member, year) in self.ingested(user).items() if doc_id not in there]
        return [gr.update(choices=mine, value=None), gr.update(choices=others, value=[])]

    # Making the round

    def create_round(self, name: str, request: gr.Request = None) -> list:
        """Only admins create rounds (with login). Returns [status, round picker, name box]."""
        name = (name or "").strip()
        if not self.is_admin(request):
            return ["Not created: only panel admins create rounds.", gr.update(), gr.update()]
        if not ROUND_NAME.fullmatch(name):
            return ["Not created: name the round with up to 60 letters, digits, spaces, '-', '_' or '.', e.g. "
                    "june-2025.", gr.update(), gr.update()]
        try:
            self.rounds.create(name)
        except RoundError as exc:
            return [f"Not created: {md_text(exc)}.", gr.update(), gr.update()]
        user = user_of(request)
        choices = self.rounds.names(None if self.sees_all(user) else user)
        return [f"Round {name} created ({utc_time()}): add its reports below.", gr.update(choices=choices, value=name), ""]

    def add_reports(self, name: str | None, files, picks, request: gr.Request = None, progress=gr.Progress()) -> list:
        """An admin adds reports: uploaded files (each read and indexed; one that cannot be read stays in the round
        with why) and reports already ingested. Too many for the round, or a manifest, and nothing is added.
        Returns [status, upload box]."""
        files = [files] if isinstance(files, str) else list(files or [])
        picks = [picks] if isinstance(picks, str) else list(picks or [])
        kept = gr.update()
        if not self.is_admin(request):
            return ["Not added: only panel admins add reports to a round.", kept]
        if not name:
            return ["Pick or create a round first.", kept]
        if not files and not picks:
            return ["Nothing to add: upload report files, or pick reports already ingested.", kept]
        if manifests := [Path(f).name for f in files if Path(f).suffix.lower() == ".csv"]:
            return [f"Nothing added: {', '.join(manifests)} is a manifest, for the command line (`panel-assistant "
                    "round add`). Upload the reports themselves and set each one's member and year below.", kept]
        known = self.ingested(user_of(request))
        if unknown := [p for p in picks if p not in known]:
            return [f"Nothing added: {len(unknown)} of the picked reports are not among those you may open.", kept]
        try:
            there = {r.doc_id for r in self.rounds.get(name).reports}
            new = len(files) + len({p for p in picks if p not in there})
            if new > (room := self.rounds.room(name)):
                return [f"Nothing added: round {name} has room for {room} more reports (PANEL_MAX_ROUND_REPORTS), "
                        f"not {new}. Split the round, or raise the limit.", kept]
            added = self.rounds.add_ingested(name, [(p, *known[p]) for p in picks])
            for i, file in enumerate(files):
                if progress:
                    progress(i / len(files), desc=f"reading {Path(file).name} ({i + 1} of {len(files)})")
                added += self.rounds.add(name, [Path(file)])
        except RoundError as exc:
            return [f"Nothing added: {md_text(exc)}", kept]
        readable = [r for r in added if not r.error]
        lines = [f"Added to round {name} ({utc_time()}): {len(readable)} report{'s' * (len(readable) != 1)}: "
                 + "; ".join(f"{self._source(r)} ({r.member or '?'}, {r.year or '?'})" for r in readable)
                 + ". Check each one's member and year below." if readable else f"Nothing new added to round {name}."]
        lines += [f"Not readable, kept in the round with why: {Path(r.path).name}: {r.error}" for r in added if r.error]
        if skipped := len(picks) - len([r for r in added if r.doc_id in picks]):
            lines.append(f"{skipped} of the picked reports were in the round already.")
        return ["\n\n".join(lines), None]

    def _source(self, report) -> str:
        """The report's file name: its review's (an upload's temporary name, a pick's first one)."""
        return (self.store.get(report.review_id).source if report.review_id is not None else "") or Path(report.path).name

    def _report(self, name: str, key: str | None):
        return next((r for r in self.rounds.get(name).reports if report_key(r.path) == key), None)

    def report_details(self, name: str | None, key: str | None, request: gr.Request = None) -> list:
        """[member box, year box] of the report picked (as they are when none is: an option list closed unpicked)."""
        if not key:
            return [gr.update(), gr.update()]
        try:
            report = self._report(name, key) if name and self.may_see_round(name, request) else None
        except RoundError:
            report = None
        if report is None:
            return ["", ""]
        return [report.member, str(report.year or "")]

    def set_report(self, name: str | None, key: str | None, member: str, year, request: gr.Request = None) -> str:
        """An admin says whose report of which year one report of the round is (its review's, for the letter)."""
        if not self.is_admin(request):
            return "Not changed: only panel admins change a round's reports."
        if not name:
            return "Pick a round first."
        try:
            report = self._report(name, key)
            if report is None:
                return "Not changed: pick a report of the round first."
            changed = self.rounds.set_report(name, report.path, member, parse_year(year), user_of(request))
        except (RoundError, YearError) as exc:
            return f"Not changed: {md_text(exc)}."
        return f"{self._source(report)}: {changed.member}, {changed.year or 'year unknown'} ({utc_time()})."

    # Pre-screen and drafting

    def prescreen_round(self, name: str | None, request: gr.Request = None) -> list:
        """The round's pre-screen as XLSX and CSV, written into the user's own export folder. Returns [status, XLSX
        button, CSV button]; the buttons get a private copy (as the Export tab's letters)."""
        off = gr.update(value=None, interactive=False)
        if not name:
            return ["Pick a round first.", off, off]
        try:
            if not self.may_see_round(name, request):
                return ["Error: you are not on this round; an admin can put you on it.", off, off]
            folder = self.pipeline.settings.data_dir / "exports" / user_folder(user_of(request))
            handout = Path(tempfile.mkdtemp(prefix="panel-prescreen-"))
            buttons = []
            for suffix in (".xlsx", ".csv"):
                path = self.rounds.write_prescreen(name, inside(folder, f"{safe_name(name)}_prescreen{suffix}"))
                buttons.append(gr.update(value=str(shutil.copy2(path, handout / path.name)), interactive=True))
            reports = self.rounds.get(name).reports
        except RoundError as exc:
            return [f"Error: {md_text(exc)}", off, off]
        unreadable = sum(bool(r.error) for r in reports)
        return [f"Pre-screened round {name} at {utc_time()}: {len(reports)} reports"
                + (f", {unreadable} not readable" if unreadable else "") + ". Download the sheet below."] + buttons

    def page_of(self, round_, page) -> tuple[slice, str]:
        """The reports of one page of the round's table (about PANEL_ROUND_PAGE_ROWS rows: a row per question of
        each report) and a line that says which."""
        size = max(1, self.pipeline.settings.round_page_rows // max(1, len(self.numbers)))
        pages = max(1, -(-len(round_.reports) // size))
        try:
            page = min(max(int(page or 1), 1), pages)
        except (TypeError, ValueError):
            page = 1
        first = (page - 1) * size
        shown = f"reports {first + 1}–{min(first + size, len(round_.reports))} of {len(round_.reports)}"
        return slice(first, first + size), f"Page {page} of {pages} ({shown if round_.reports else 'no reports yet'})."

    def round_view(self, name: str | None, page=1, request: gr.Request = None) -> list:
        """[pre-screen table per report and question, one page of it, and drafting progress]."""
        if not name:
            return ["_Pick a round, or create one (admins)._", ""]
        try:
            if not self.may_see_round(name, request):
                return ["Error: you are not on this round; an admin can put you on it.", ""]
            round_ = self.rounds.get(name)
            reports, where = self.page_of(round_, page)
            rows = self.rounds.prescreen_rows(name, reports)
        except RoundError as exc:
            return [f"Error: {md_text(exc)}", ""]
        table = [where, "", "| File | Member | Year | Q | Status | Grade | Drafted | Points checked | Pages | Points missing "
                 "| Injection warnings | Error |", "|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for row in rows:
            grade = f"{row['grade']}{'?' if row['provisional'] else ''}" or "—"
            checked = f"{row['points checked']} of {row['points to check']}" if row["points to check"] else "—"
            cells = [row["file"], row["member"], row["year"] or "", row["question"], row["status"], grade,
                     row["drafted grade"] or "—", checked if row["question"] != "" else "", row["pages"],
                     row["points missing"], row["injection warnings"], row["error"]]
            table.append("| " + " | ".join(md_text(c).replace("\n", "<br>") for c in cells) + " |")
        return ["\n".join(table), self.round_progress(name, round_, reports)]

    def round_refresh(self, name: str | None, page=1, request: gr.Request = None) -> list:
        """The timer's refresh while the round drafts: [table, progress, timer]; the timer stops once nothing waits."""
        table, progress = self.round_view(name, page, request)
        try:
            counts = self.rounds.progress(name) if name else {}
        except RoundError:
            counts = {}
        waiting = counts.get("pending", 0) + counts.get("running", 0) or self.round_worker.current == name
        return [table, progress, gr.update(active=bool(waiting))]

    def round_progress_page(self, name: str | None, page=1, request: gr.Request = None) -> str:
        """The progress of the page shown."""
        try:
            if not name or not self.may_see_round(name, request):
                return ""
            round_ = self.rounds.get(name)
        except RoundError as exc:
            return html.escape(f"Error: {exc}")
        return self.round_progress(name, round_, self.page_of(round_, page)[0])

    def round_progress(self, name: str, round_=None, reports: slice | None = None) -> str:
        """The round's drafting: how many questions are done; per report (of one page) a bar of its questions
        drafted (every bar in one column, from 0), its grades and its points checked."""
        rounds = self.rounds
        round_ = round_ or rounds.get(name)
        counts = rounds.progress(name)
        total = sum(counts.values())
        backend = self.pipeline.drafting_backend()[1] if total else ""
        rows = []
        for report in round_.reports[reports or slice(None)]:
            title = html.escape(f"{report.member or Path(report.path).name} {report.year or ''}".strip())
            try:
                state = rounds.summary(report, backend) if not report.error and report.review_id is not None else None
            except KeyError:  # no longer in the index
                state = None
            if state is None:
                why = report.error or "no longer in the index: add it again"
                rows.append(f"<tr><td class='who'>{title}</td><td colspan='4'>not readable ({html.escape(why)})</td></tr>")
                continue
            drafted, n = state["drafted"], len(self.numbers)
            grades = " · ".join(f"{q} {g}{'?' if p else ''}" for q, g, p in state["grades"]) or "—"
            checked = f"{state['checked']} of {state['to check']}" if state["to check"] else "—"
            rows.append(f"<tr><td class='who'>{title}</td><td class='bar'><progress max='{n}' value='{drafted}'>"
                        f"</progress></td><td class='count'>{drafted}/{n} questions</td><td>{html.escape(grades)}</td>"
                        f"<td class='count'>{checked}</td></tr>")
        working = " — drafting now" if self.round_worker.current == name else ""
        summary = (f"<p><b>Drafting:</b> {counts['done']} of {total} questions done, {counts['failed']} failed, "
                   f"{counts['pending'] + counts['running']} waiting{working}.</p>" if total else
                   "<p>Not drafted yet.</p>")
        head = ("<table class='round-bars'><thead><tr><th class='who'>Report</th><th class='bar'>Drafted</th>"
                "<th class='count'></th><th>Grades</th><th class='count'>Points checked</th></tr></thead><tbody>")
        bars = head + "".join(rows) + "</tbody></table>" if rows else ""
        failures = "".join(f"<li>{html.escape(f)}</li>" for f in rounds.failures(name))
        return (f"<div class='round-progress'>{summary}{bars}"
                + (f"<p>Failed (drafting the round again retries them):</p><ul>{failures}</ul>" if failures else "") + "</div>")

    def start_round(self, name: str | None, request: gr.Request = None) -> list:
        """Only an admin drafts a whole round (the command line's `round draft` is the secretariat's own). Returns
        [status, progress]."""
        if not name:
            return ["Pick a round first.", ""]
        if not self.is_admin(request):
            return ["Not drafted: only panel admins draft a whole round; draft a report's questions on its Draft tab.", ""]
        try:
            waiting = self.round_worker.start(name)
        except RoundError as exc:
            return [f"Error: {md_text(exc)}", ""]
        return [f"Drafting {waiting} questions of round {md_line(name)} in the background ({utc_time()}); a restart of the "
                "server resumes where it stopped.", self.round_progress_page(name, 1, request)]

    def add_round_member(self, name: str | None, user: str, request: gr.Request = None) -> list:
        """An admin puts a user on the round: they see its reviews. Returns [status, name box]."""
        user = (user or "").strip()
        if not name:
            return ["Pick a round first.", gr.update()]
        if not self.is_admin(request):
            return ["Not added: only panel admins put users on a round.", gr.update()]
        if why := self.unknown_user(user):
            return [why, gr.update()]
        try:
            members = self.rounds.add_member(name, user, by=user_of(request)).members
        except RoundError as exc:
            return [f"Error: {md_text(exc)}", gr.update()]
        return [f"On round {md_line(name)} now: {', '.join(md_line(m) for m in members)} ({utc_time()}).", ""]
