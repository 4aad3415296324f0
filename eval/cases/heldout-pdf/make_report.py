"""Generate the held-out PDF evaluation case (fictional organisation).

Run from anywhere:  /work/main/.venv/bin/python eval/cases/heldout-pdf/make_report.py
Writes report.pdf next to this script and prints the physical page range of every chapter (1-based; the cover is
page 1, the contents page 2). The output is deterministic (fixed creation date, no randomness).
"""

import datetime
import os
import sys

from fpdf import FPDF
from fpdf.fonts import FontFace

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "report.pdf")
ORG = "Cedar & Olive Relief"
TITLE = "Accountability Report 2024"
FONT_DIR = "/usr/share/fonts/truetype/dejavu"

# Block kinds: ("h2", text) ("p", text) ("bullets", [..]) ("box", text) ("table", headers, rows, widths)

OPENING = [
    ("p", "2024 was one of the most difficult years in the history of Cedar & Olive Relief. The war in Gaza cast its "
          "shadow over the whole region. In Lebanon, the escalation of hostilities between September and November "
          "displaced more than one million people in a matter of weeks, including many of our own colleagues, and "
          "forced us to close our offices in Nabatieh and Tyre. In Jordan, the refugees we have served for more than a "
          "decade faced further cuts to international assistance, and in Iraq the closure of displacement camps in "
          "Ninewa left thousands of families returning to damaged homes with little support."),
    ("p", "Our teams responded with extraordinary dedication. Within ten days of the escalation in Lebanon we were "
          "delivering emergency cash to displaced families in Beirut, Mount Lebanon and the north, working through "
          "partners who could reach places that we could not."),
    ("p", "Accountability to the people we serve is not an add-on for me. Since 2023 I have personally chaired our "
          "quarterly Accountability to Affected Populations review, where country directors present what people have "
          "told us and what we have changed as a result, and I have asked our Board to include accountability results "
          "in my annual appraisal."),
    ("p", "Internally, our priorities for 2025 are to channel at least a quarter of our programme funding through "
          "local partners by 2026, to complete the introduction of our new finance and grants management system, and "
          "to act on the results of our first global staff survey."),
    ("p", "Dr. Samir Haddad-Nasser, President and Chief Executive Officer"),
]

ABOUT = [
    ("p", "Cedar & Olive Relief is an independent humanitarian organisation founded in Amman in 2006 to respond to the "
          "needs of people displaced by conflict in the Middle East. We provide cash assistance, protection services "
          "and livelihood support to refugees, internally displaced people and vulnerable host communities."),
    ("p", "Our headquarters are in Amman, Jordan, and we operate country programmes in Jordan, Lebanon and Iraq. We "
          "are registered as a non-profit organisation in Jordan and have a supporter office in Geneva. We are a "
          "signatory of the Code of Conduct for the International Red Cross and Red Crescent Movement and NGOs in "
          "Disaster Relief and were certified against the Core Humanitarian Standard in 2022."),
    ("table", ["Country programme", "Since", "Offices", "Staff", "People reached in 2024"],
     [["Jordan", "2006", "Amman, Irbid, Mafraq", "214", "168,400"],
      ["Lebanon", "2012", "Beirut, Tripoli, Zahle (Nabatieh and Tyre closed)", "262", "231,900"],
      ["Iraq", "2016", "Erbil, Mosul, Dohuk", "131", "97,300"],
      ["Headquarters", "-", "Amman", "38", "-"],
      ["Total", "", "", "645", "497,600"]],
     [34, 16, 62, 18, 40]),
    ("h2", "Our mission and values"),
    ("p", "Our mission is to stand with people affected by conflict and displacement so that they can meet their basic "
          "needs, live in safety and rebuild their lives with dignity. Our values are humanity, impartiality, respect "
          "and integrity. We believe that the people we serve are the best judges of their own needs."),
    ("h2", "Our strategy"),
    ("p", "Our strategy 'Dignity First 2023-2026' sets out three pillars: meeting basic needs through cash, protecting "
          "people at risk, and helping families and small businesses recover their livelihoods. The strategy is "
          "supported by two enabling commitments: localisation, by working through and strengthening local partners, "
          "and accountability to affected populations."),
]

Q1 = [
    ("p", "This chapter describes our most significant achievements in 2024 under the three pillars of our strategy, "
          "the evidence behind them, how they were checked with the people and partners concerned, what they cost, "
          "and what we learned."),
    ("h2", "Pillar 1: Meeting basic needs"),
    ("p", "We provided multipurpose cash assistance to 41,200 households in Jordan and Lebanon, including 14,600 "
          "households displaced by the escalation in Lebanon. Our post-distribution monitoring, carried out by phone "
          "with a random sample of 3,900 households, found that 87% of recipients were able to meet their most "
          "important needs, and the share of households with an acceptable food consumption score rose from 52% "
          "before assistance to 78% three months after the first payment. In Lebanon, the emergency response was "
          "assessed by the Beirut Institute for Social Research in an independent real-time review published in "
          "December 2024, which found the speed and targeting of assistance appropriate but the transfer value too "
          "low for households paying rent."),
    ("h2", "Pillar 2: Protecting people at risk"),
    ("p", "Our case managers supported 6,300 women, girls and children at risk of violence, exploitation or child "
          "labour. Of the 2,140 cases closed in 2024, 81% were closed because the agreed goals had been met, as "
          "judged together by the case worker and the person supported; 9% were closed because the family moved. "
          "In Jordan, our specialised services for adolescent girls were reviewed by an external gender adviser, who "
          "found that girls valued the safe spaces above all other services."),
    ("h2", "Pillar 3: Rebuilding livelihoods"),
    ("p", "In Mosul and the Ninewa Plains, 1,480 small businesses received grants of up to USD 2,500 and business "
          "coaching. Twelve months after the grant, an independent third-party monitoring firm visited every business "
          "funded in 2023: 71% were still operating, and 44% had hired at least one worker. Businesses run by women "
          "were as likely to survive as those run by men, but earned on average 30% less."),
    ("box", "Key figures 2024: 497,600 people reached | 41,200 households received cash | 87% met their priority "
            "needs | 6,300 people supported through case management | 71% of businesses still operating after 12 months"),
    ("h2", "How results were validated"),
    ("p", "We do not want to report results that the people we serve do not recognise. In October and November 2024 "
          "we held community validation workshops in 12 locations in Jordan and Lebanon, in which cash recipients, "
          "community committee members and partner staff discussed the monitoring results. Participants generally "
          "confirmed the findings, but in Tripoli and Zahle they challenged our conclusion that assistance covered "
          "basic needs, explaining that rents had risen sharply after displaced families arrived from the south. "
          "Together with the independent review, this led us to raise the transfer value for renting households by "
          "USD 40 a month from January 2025. In Mosul, a panel of twelve business owners, half of them women, "
          "reviewed the third-party monitoring results and asked that future surveys also measure whether owners can "
          "repay debts, which we have added. In Iraq we have not yet held validation sessions for our protection work."),
    ("h2", "Our partners' contribution"),
    ("p", "Most of what we achieved in Lebanon after September would have been impossible without our local partners. "
          "Nour Al-Hayat Association delivered cash in the south when our own staff could not travel, and the Akkar "
          "Women's Network identified displaced families staying with relatives who were missed by official lists. "
          "In Iraq, the Tigris Women's Union provided the business coaching for women entrepreneurs. In total, 38% of "
          "our programme expenditure in 2024 was implemented by eleven local partners."),
    ("h2", "What it cost"),
    ("p", "Our cost-transfer ratio for multipurpose cash was 0.14: for every dollar that reached a family, it cost 14 "
          "cents to identify, verify, pay and monitor. The full cost of a business grant, including coaching and "
          "monitoring, was USD 3,420. Case management cost on average USD 310 per person supported."),
    ("h2", "What we learned"),
    ("p", "Three lessons stand out. First, pre-positioned agreements with partners, signed in 2023, allowed us to "
          "respond in Lebanon within ten days; without them it would have taken at least a month. Second, a single "
          "transfer value for all households does not work when rents rise: from 2025 the value will differ for "
          "renting and hosted households. Third, women's businesses survive but stay small; we will add access to "
          "childcare and larger second grants. We do not yet know whether the businesses that survive the first year "
          "will still be operating in three years, and we have included a three-year follow-up in the next phase of "
          "the programme."),
]

Q2 = [
    ("p", "Two changes shaped our accountability work in 2024: the escalation of hostilities in Lebanon from September, "
          "and a 22% cut in our largest institutional grant, which funds our work in Jordan."),
    ("h2", "The escalation in Lebanon"),
    ("p", "Before September, most feedback from people we serve in Lebanon came through face-to-face help desks at "
          "distribution sites and through 46 community committees. Within days, the help desks in the south had "
          "closed, committee members had fled, and our own staff were among the displaced. Our accountability "
          "processes had to change quickly:"),
    ("bullets", ["The hotline moved from five to seven days a week, and the number of operators rose from 6 to 15 by "
                 "redeploying staff from suspended programmes.",
                 "We set up feedback desks inside 34 collective shelters, run jointly with shelter management "
                 "committees, and re-formed community committees among displaced people in the shelters.",
                 "We introduced a WhatsApp channel that accepts voice messages."]),
    ("p", "The choice of channels was not ours alone. In October we asked 1,150 displaced people in a rapid phone "
          "survey how they preferred to contact us. Older people and people who cannot read asked for voice "
          "messages rather than text, which is why the WhatsApp channel accepts them. In December, the inter-agency "
          "working group on accountability to affected populations reviewed the response of all its members, and "
          "its recommendation that agencies share referral lists led us to publish ours in Arabic and English."),
    ("h2", "Keeping our promises in a crisis"),
    ("p", "Our Feedback and Complaints Policy commits us to acknowledge every complaint within 72 hours and to give a "
          "response within 14 days. Between September and December, 89% of complaints in Lebanon were acknowledged "
          "within 72 hours, against 94% earlier in the year; responses within 14 days fell from 81% to 63%, mainly "
          "because referrals to other agencies took longer."),
    ("h2", "Measuring progress"),
    ("p", "We measure response times and the number of people using each channel. We do not yet measure whether the "
          "feedback we receive changes our decisions, and we plan to develop such an indicator in 2025."),
    ("h2", "The funding cut in Jordan"),
    ("p", "The reduction of our largest grant in Jordan led us to reduce the number of households receiving monthly "
          "cash from 18,000 to 14,000. Its effects on our accountability work are still being assessed."),
]

FINANCE = [
    ("p", "Our total income in 2024 was USD 48.6 million, an increase of 9% on 2023, mainly due to emergency funding "
          "for Lebanon in the last quarter. Institutional donors provided 86% of our income; the remainder came from "
          "foundations, private donors and the Geneva supporter office."),
    ("table", ["Income (USD million)", "2023", "2024"],
     [["Governments and multilateral agencies", "38.1", "41.8"],
      ["Foundations and trusts", "3.2", "3.9"],
      ["Individual and corporate donors", "2.5", "2.9"],
      ["Total income", "43.8", "48.6"]],
     [90, 40, 40]),
    ("table", ["Expenditure (USD million)", "2023", "2024"],
     [["Basic needs (cash assistance)", "24.6", "27.9"],
      ["Protection", "7.4", "8.1"],
      ["Livelihoods", "6.2", "6.6"],
      ["Programme support and management", "3.9", "4.1"],
      ["Fundraising", "0.6", "0.7"],
      ["Total expenditure", "42.7", "47.4"]],
     [90, 40, 40]),
    ("p", "Programme expenditure represented 90% of total expenditure. Our unrestricted reserves at year end stood at "
          "USD 3.1 million, equivalent to 2.4 months of core operating costs, within the range of two to three months "
          "set by our Board."),
    ("p", "Our financial statements for 2024 were audited by an international audit firm and received an unqualified "
          "opinion. They are available on our website."),
]

Q3 = [
    ("p", "Cedar & Olive Relief is committed to the highest standards of accountability and integrity. Our Complaints "
          "and Feedback Mechanism (CFM) is designed in line with Commitment 5 of the Core Humanitarian Standard, and "
          "enables community members, partners and staff to raise concerns safely and confidentially through "
          "multiple channels, including the hotline, help desks, WhatsApp, suggestion boxes and email."),
    ("p", "In 2024 we received 13,466 pieces of feedback and complaints across our three country programmes. The table "
          "below shows the cases received by category and their status at 31 December 2024."),
    ("table", ["Category", "Received", "Closed", "Open"],
     [["Requests for information", "4,210", "4,210", "0"],
      ["Requests for assistance", "6,880", "6,702", "178"],
      ["Complaints about targeting or eligibility", "1,930", "1,811", "119"],
      ["Complaints about staff or partner conduct", "42", "37", "5"],
      ["Allegations of fraud or corruption", "11", "8", "3"],
      ["Allegations of sexual exploitation and abuse", "3", "2", "1"],
      ["Other feedback (including thanks)", "390", "390", "0"],
      ["Total", "13,466", "13,160", "306"]],
     [86, 28, 28, 28]),
    ("p", "All complaints were handled in accordance with our procedures. Sensitive complaints, including allegations "
          "of fraud, corruption and sexual exploitation and abuse, were referred to our Integrity Unit and "
          "investigated in line with our policies."),
    ("h2", "Learning from complaints"),
    ("p", "We take all feedback and complaints seriously and use them to continuously improve our programmes. Lessons "
          "learned are shared with relevant teams and inform programme design and decision making. Feedback data are "
          "analysed regularly and presented to management."),
    ("h2", "Safeguarding"),
    ("p", "Cedar & Olive Relief has zero tolerance for sexual exploitation, abuse and harassment. Our safeguarding "
          "framework includes a Safeguarding Policy, a Protection from Sexual Exploitation and Abuse (PSEA) Policy and "
          "a Code of Conduct, which all staff and partners are required to sign. PSEA training is mandatory for all "
          "staff."),
    ("h2", "Speaking up"),
    ("p", "Our Whistleblowing Policy is available to all staff and protects those who raise concerns in good faith "
          "from retaliation."),
    ("h2", "Partners"),
    ("p", "As part of our due diligence process, all partners are required to have a complaints mechanism in place "
          "and to report serious incidents to us within 24 hours."),
]

Q4 = [
    ("p", "Our people are at the heart of our work, and in 2024 many of them carried an exceptional burden. More than "
          "a third of our Lebanon staff were themselves displaced during the escalation."),
    ("h2", "Listening to staff"),
    ("p", "In June 2024 we carried out our first global staff survey, with a response rate of 61%. The results were "
          "presented to the senior management team and at an all-staff webinar in September, and an action plan is "
          "being developed."),
    ("h2", "Our people policies"),
    ("p", "Our HR framework includes an Anti-Harassment Policy, a Flexible Working Policy, a Gender Equality and "
          "Inclusion Policy and a Staff Care Policy, all of which were reviewed in 2024. 54% of our staff are women, "
          "and women hold 41% of management positions. 93% of our staff are nationals of the countries where they work."),
    ("h2", "Staff care during the escalation"),
    ("p", "During the escalation, staff in Lebanon received five additional days of rest and recuperation leave, a "
          "one-off relocation allowance of USD 600 for those who had to leave their homes, and access to individual "
          "and group psychosocial support through an external provider; 112 staff used this service."),
]

Q5 = [
    ("p", "Cedar & Olive Relief maintains strong and transparent relationships with its external stakeholders, "
          "including donors, governments, partners, the humanitarian coordination system and the communities we serve."),
    ("p", "We provide regular narrative and financial reports to our 23 institutional donors; all reports due in 2024 "
          "were submitted on time. Our accounts are audited annually, and several donors conducted their own "
          "verification missions during the year, all with satisfactory results."),
    ("p", "We are active members of the humanitarian coordination system in all three countries, including the cash "
          "working groups and the protection sectors, and we co-chair the Jordan Cash Working Group. We work closely "
          "with the relevant ministries and local authorities, with whom we sign memoranda of understanding for all "
          "our projects."),
    ("p", "We hold an annual partners' meeting in each country, where we present our strategy and plans for the year "
          "ahead. Beneficiaries are informed about their entitlements and distribution dates through SMS and at "
          "distribution sites."),
    ("p", "We will continue to strengthen our relationships with all our stakeholders in 2025."),
]

GOVERNANCE = [
    ("p", "Cedar & Olive Relief is governed by a Board of Trustees of nine members, who serve for terms of three years, "
          "renewable once. In 2024 the Board met four times. Five trustees are women, and trustees come from Jordan, "
          "Lebanon, Iraq, Switzerland and the United Kingdom. Trustees receive no remuneration."),
    ("p", "The Board has three committees: Finance and Audit, Programmes and Quality, and Nominations and "
          "Remuneration. The President and Chief Executive Officer is appointed by the Board and leads a senior "
          "management team of seven, including the three country directors."),
    ("h2", "Risk management"),
    ("p", "Our risk register is reviewed by the senior management team every quarter and by the Finance and Audit "
          "Committee twice a year. The principal risks identified in 2024 were the security of staff in Lebanon, "
          "the concentration of our income among a small number of donors, and the risk of aid diversion in areas "
          "where we rely on partners to deliver assistance."),
    ("h2", "Environmental commitments"),
    ("p", "In 2024 we measured our carbon footprint for the first time: 1,940 tonnes of CO2 equivalent, 61% of it from "
          "vehicles and generators. We have installed solar panels in our Irbid and Mafraq offices and will set a "
          "reduction target in 2025."),
]

GLOSSARY = [
    ("bullets", ["AAP: Accountability to Affected Populations.",
                 "CFM: Complaints and Feedback Mechanism.",
                 "CHS: Core Humanitarian Standard on Quality and Accountability.",
                 "Cost-transfer ratio: the cost of delivering cash assistance divided by the value transferred.",
                 "PDM: post-distribution monitoring, a survey of people who received assistance.",
                 "PSEA: Protection from Sexual Exploitation and Abuse.",
                 "Third-party monitoring: monitoring carried out by an independent organisation contracted for the "
                 "purpose."]),
    ("p", "All figures in this report cover the calendar year 2024 unless stated otherwise. People reached are counted "
          "once per country programme even if they received several services."),
    ("p", "Cedar & Olive Relief is a fictional organisation created for testing purposes. All people, partners and "
          "figures in this report are invented."),
]

Q1_TITLE = "1. Achievements, impact and validation"
Q2_TITLE = "2. Changes and our accountability"
Q3_TITLE = "3. Learning from complaints and incidents"
Q4_TITLE = "4. Accountability within our organisation"
Q5_TITLE = "5. Accountability to our external stakeholders"

CHAPTERS = [
    ("Message from the President and CEO", OPENING),
    ("About Cedar & Olive Relief", ABOUT),
    (Q1_TITLE, Q1),
    (Q2_TITLE, Q2),
    ("Financial overview", FINANCE),
    (Q3_TITLE, Q3),
    (Q4_TITLE, Q4),
    (Q5_TITLE, Q5),
    ("Governance and management", GOVERNANCE),
    ("Glossary and notes", GLOSSARY),
]


class Report(FPDF):
    def header(self):
        if self.page_no() == 1:
            return
        self.set_font("dv", "I", 8)
        self.set_text_color(110, 110, 110)
        self.set_xy(15, 8)
        self.cell(90, 5, ORG, align="L")
        self.cell(90, 5, TITLE, align="R")
        self.set_draw_color(180, 180, 180)
        self.line(15, 14, 195, 14)
        self.set_text_color(0, 0, 0)
        self.set_y(22)

    def footer(self):
        if self.page_no() == 1:
            return
        self.set_y(-14)
        self.set_draw_color(180, 180, 180)
        self.line(15, self.get_y() - 1, 195, self.get_y() - 1)
        self.set_font("dv", "", 8)
        self.set_text_color(110, 110, 110)
        self.cell(90, 6, "cedarolive.example.org | Amman, Jordan", align="L")
        self.cell(90, 6, f"{self.page_no()} / {{nb}}", align="R")
        self.set_text_color(0, 0, 0)


def build(toc_pages):
    pdf = Report(format="A4")
    pdf.set_creation_date(datetime.datetime(2025, 6, 15, 10, 0, 0, tzinfo=datetime.timezone.utc))
    pdf.set_title(f"{ORG} - {TITLE}")
    pdf.set_author(ORG)
    pdf.add_font("dv", "", os.path.join(FONT_DIR, "DejaVuSans.ttf"))
    pdf.add_font("dv", "B", os.path.join(FONT_DIR, "DejaVuSans-Bold.ttf"))
    pdf.add_font("dv", "I", os.path.join(FONT_DIR, "DejaVuSans-Oblique.ttf"))
    pdf.set_margins(20, 22, 20)
    pdf.set_auto_page_break(True, margin=22)

    # Cover
    pdf.add_page()
    pdf.set_fill_color(92, 58, 33)
    pdf.rect(0, 70, 210, 95, style="F")
    pdf.set_text_color(255, 255, 255)
    pdf.set_xy(20, 88)
    pdf.set_font("dv", "B", 30)
    pdf.multi_cell(170, 14, ORG)
    pdf.set_x(20)
    pdf.set_font("dv", "", 20)
    pdf.multi_cell(170, 11, TITLE)
    pdf.set_x(20)
    pdf.set_font("dv", "I", 12)
    pdf.multi_cell(170, 7, "January - December 2024\nSubmitted to Accountable Now")
    pdf.set_text_color(0, 0, 0)
    pdf.set_xy(20, 210)
    pdf.set_font("dv", "", 11)
    pdf.multi_cell(170, 6, "Jordan | Lebanon | Iraq")

    # Table of contents
    pdf.add_page()
    pdf.set_font("dv", "B", 20)
    pdf.cell(0, 12, "Contents", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("dv", "", 11)
    for title, _ in CHAPTERS:
        pdf.cell(150, 8, title)
        pdf.cell(20, 8, str(toc_pages.get(title, 0)), align="R", new_x="LMARGIN", new_y="NEXT")

    starts = {}
    for title, blocks in CHAPTERS:
        pdf.add_page()
        starts[title] = pdf.page_no()
        pdf.set_font("dv", "B", 17)
        pdf.set_text_color(92, 58, 33)
        pdf.multi_cell(0, 9, title, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
        pdf.ln(3)
        for block in blocks:
            render(pdf, block)
    titles = [t for t, _ in CHAPTERS]
    ends = {t: (starts[titles[i + 1]] - 1) if i + 1 < len(titles) else pdf.page_no() for i, t in enumerate(titles)}
    return pdf, starts, ends


def render(pdf, block):
    kind = block[0]
    if kind == "p":
        pdf.set_font("dv", "", 10.5)
        pdf.multi_cell(0, 6.2, block[1], new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2.5)
    elif kind == "h2":
        if pdf.get_y() > 240:
            pdf.add_page()
        pdf.ln(1)
        pdf.set_font("dv", "B", 12.5)
        pdf.multi_cell(0, 7, block[1], align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    elif kind == "bullets":
        pdf.set_font("dv", "", 10.5)
        for item in block[1]:
            pdf.set_x(24)
            pdf.multi_cell(0, 6.2, "- " + item, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        pdf.ln(1.5)
    elif kind == "box":
        pdf.set_fill_color(240, 233, 222)
        pdf.set_font("dv", "B", 10)
        pdf.multi_cell(0, 6.5, block[1], fill=True, padding=3, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    elif kind == "table":
        headers, rows, widths = block[1], block[2], block[3]
        if sum(widths) > 170:
            widths = [w * 170 / sum(widths) for w in widths]
        if pdf.get_y() > 215:
            pdf.add_page()
        pdf.set_font("dv", "", 9.5)
        with pdf.table(col_widths=widths, width=sum(widths), text_align="LEFT", line_height=6.5,
                       headings_style=FontFace(emphasis="BOLD", fill_color=(236, 228, 216))) as table:
            hrow = table.row()
            for h in headers:
                hrow.cell(h)
            for r in rows:
                row = table.row()
                for c in r:
                    row.cell(c)
        pdf.ln(4)
    else:
        raise ValueError(kind)


def main():
    _, starts, _ = build({})
    pdf, starts2, ends = build(starts)
    assert starts == starts2, "table of contents changed the pagination"
    pdf.output(OUT)
    for title, _ in CHAPTERS:
        print(f"{starts2[title]:>3}-{ends[title]:<3} {title}")
    print("pages:", pdf.page_no(), "bytes:", os.path.getsize(OUT))


if __name__ == "__main__":
    sys.exit(main())
