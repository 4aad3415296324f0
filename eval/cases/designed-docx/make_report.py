"""Generate the designed DOCX evaluation case (fictional organisation).

Run: /work/main/.venv/bin/python eval/cases/designed-docx/make_report.py
Writes report.docx next to this script. Every Heading 1 section starts on a new page (explicit page break), and
each section is short enough to fit on one page, so physical page numbers are: 1 title and opening statement,
2 question 1, 3 question 2, 4 question 3, 5 question 4, 6 question 5, 7 looking ahead.
The zip container is rewritten with fixed timestamps so the output is byte-for-byte reproducible
(eval/cases/docx_case.py).
"""

import datetime
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from docx_case import write_docx  # noqa: E402  (eval/cases/docx_case.py, beside the case folders)

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "report.docx")
ORG = "Threshold Disability Rights International"

SECTIONS = [
    ("Opening statement from our Executive Director", [
        ("p", "2024 was a year of contrasts for the disability rights movement. In several of the countries where we work, "
              "governments passed new disability laws, yet cuts to aid budgets in Europe meant that many organisations of "
              "persons with disabilities (OPDs) lost funding they had relied on for years. Threshold itself lost 14% of "
              "its income, and we decided to protect our grants to OPDs by reducing our own programme staff in London."),
        ("p", "I believe that an organisation that speaks about 'nothing about us without us' must itself be accountable "
              "to disabled people first. That is why accountability is a standing item at every Board meeting."),
        ("p", "Our internal priorities for 2025 are to complete our shift to funding OPDs directly, to make all our "
              "systems fully accessible, and to bring more disabled people into our senior leadership."),
        ("p", "Dr. Priya Ramaswamy-Ochieng, Executive Director"),
    ]),
    ("1. What have been your most significant achievements and impacts this year and how has this been validated with your stakeholders?", [
        ("p", "2024 was a very successful year for Threshold. We are proud of everything we achieved together with our "
              "partners, and we are grateful to all of them for their dedication."),
        ("h2", "Highlights of the year"),
        ("bullets", ["We organised 46 training workshops on the UN Convention on the Rights of Persons with Disabilities "
                     "(CRPD), attended by 1,380 participants.",
                     "We held three regional conferences, in Kampala, Dhaka and Lima, with more than 600 delegates.",
                     "We published 9 reports and policy briefs, including 'Counted Out', on disability data in national "
                     "censuses.",
                     "Our social media campaign #AccessIsARight reached 2.4 million people.",
                     "We supported the submission of 5 shadow reports to the CRPD Committee."]),
        ("p", "These activities have raised awareness of disability rights among governments, donors and the wider public. "
              "We believe they have contributed to the new disability laws adopted in Uganda and Peru, although it is "
              "difficult to measure our exact contribution."),
        ("h2", "Feedback from participants"),
        ("p", "Feedback from workshop participants was overwhelmingly positive: 94% rated the workshops as good or "
              "excellent in our end-of-event forms. Conference delegates particularly appreciated the sign language "
              "interpretation and the accessible venue."),
        ("p", "We plan to commission an external evaluation of our advocacy work in 2025."),
    ]),
    ("2. If applicable - How have your organisation's accountability processes been impacted by significant internal or external changes over the reporting period?", [
        ("p", "The most significant change in 2024 was our decision to move from implementing projects ourselves to "
              "funding OPDs directly. This was accelerated by the funding cut described in the opening statement. By "
              "December, 61% of our programme budget went directly to OPDs, compared with 34% in 2022."),
        ("h2", "How our accountability processes changed"),
        ("p", "When we implemented projects ourselves, our accountability processes were designed around project "
              "participants. As a funder of OPDs, we are now accountable above all to our OPD partners. In 2024 we "
              "therefore: created an OPD Advisory Board of nine members (see section 5); replaced our project reporting "
              "templates with a single annual conversation, in accessible formats, between each OPD and its Threshold "
              "contact; and launched an anonymous annual partner survey, run by an independent consultant."),
        ("h2", "Listening to partners"),
        ("p", "The shift was designed with our partners. In early 2024 we held consultations with 37 OPDs, including "
              "online sessions with captioning and sign language in five languages. Partners asked for longer grants and "
              "less reporting; as a result, our standard grant is now three years instead of one."),
        ("p", "The first partner survey (28 of 37 OPDs responded) showed that 75% found the new reporting easier. However, "
              "partners also said that our payments were often late, and we have not yet solved this."),
        ("h2", "Measuring progress"),
        ("p", "We track the share of our programme budget going directly to OPDs (target 75% by 2026). We have not yet "
              "developed other indicators for how well we are accountable to partners, beyond the survey."),
        ("h2", "Challenges"),
        ("p", "The reduction of our London programme team from 12 to 7 posts means that each grant manager now supports "
              "more partners. Partners in Francophone Africa told us that they have less contact with us than before."),
    ]),
    ("3. How has your organisation learned from reported incidents, complaints and grievances received in the past year? (These may include safeguarding, fraud, corruption, whistleblowing, integrity violations, etc.)", [
        ("p", "We did not receive any formal complaints in 2024. A few informal concerns were raised with programme staff "
              "during the year and were resolved directly."),
        ("p", "We believe this reflects the strong relationships of trust that we have built with our partners over many "
              "years. Our Complaints Policy is available on our website, and all staff sign our Code of Conduct when they "
              "join Threshold."),
        ("p", "We remain committed to the highest standards of integrity and will continue to keep our policies under "
              "review."),
    ]),
    ("4. Internally, how has your organisation practised a more dynamic approach to accountability?", [
        ("p", "Threshold employs 54 staff in London, Nairobi, Dhaka and Lima. 21 of them (39%) identify as disabled, "
              "including two of our five directors."),
        ("h2", "Staff survey"),
        ("p", "We run a staff survey every two years; the last one, in November 2023, had a response rate of 87%. Staff "
              "rated their commitment to our mission highly (93% agreed) but were critical of internal communication "
              "(41% agreed that 'I am kept informed about decisions that affect me') and of the accessibility of our "
              "IT systems, which 57% of disabled staff found difficult to use."),
        ("h2", "What we did"),
        ("p", "In response, in 2024 we replaced our intranet with a fully accessible platform tested by disabled staff, "
              "provided screen-reader compatible versions of all finance and HR forms, and started a monthly all-staff "
              "call with live captions and sign language interpretation. The staff forum, elected in 2024, discussed the "
              "restructuring before decisions were taken, and its proposal for voluntary reductions in hours was adopted "
              "and avoided two redundancies."),
        ("h2", "Inclusion and well-being"),
        ("p", "Our Workplace Adjustments Fund paid for adjustments for 17 staff in 2024, including assistive technology, "
              "support workers and flexible hours. Our goal is that at least half of our directors will be disabled "
              "people by 2027. Staff also have access to an employee assistance programme."),
        ("p", "We have shared the actions taken with staff through the monthly call, and we will repeat the survey in "
              "2025."),
    ]),
    ("5. How has your organisation worked towards being dynamically accountable to your external stakeholders (i.e partners, communities, programme participants, etc)?", [
        ("p", "Our external stakeholders are first of all the OPDs we fund and the disabled people they represent."),
        ("h2", "Shared decision making: the OPD Advisory Board"),
        ("p", "Since March 2024, our OPD Advisory Board of nine members, elected by our partner OPDs, has taken binding "
              "decisions on our grant-making. It decides on the selection criteria, reviews all applications above "
              "GBP 20,000 and approves the annual grants plan. Threshold staff prepare the papers but do not vote."),
        ("table", ["Decision by the OPD Advisory Board (2024)", "What changed"], [
            ["Grant criteria", "Priority for OPDs led by women with disabilities and by underrepresented groups"],
            ["Grants plan 2024/25", "GBP 1.9 million to 41 OPDs; 12 first-time grantees"],
            ["Rejected staff proposal", "A regional conference in Europe was replaced by funding for four national events"],
            ["Accessibility budget", "Every grant now includes a ring-fenced 7% for reasonable accommodation"],
        ]),
        ("h2", "Diverse voices"),
        ("p", "The Board includes at least one member each who is deaf, who is blind, who has an intellectual disability "
              "and who has a psychosocial disability, and five of nine members are women. Papers are produced in easy "
              "read, braille and audio. Our 2024 grant data show that 44% of funded OPDs are led by women with "
              "disabilities, up from 29% in 2022, but groups of persons with deafblindness remain underfunded."),
        ("h2", "Feedback and participatory evaluation"),
        ("p", "Partners give feedback through the annual survey and the annual conversations. In response to feedback that "
              "applications were inaccessible, we now accept applications by video and in sign language. Our mid-term "
              "review of the 'Rights in Practice' programme was carried out by a team of six evaluators from OPDs, who "
              "chose the evaluation questions themselves."),
        ("h2", "Challenges"),
        ("p", "Shared decision making takes time: the grants cycle became two months longer. We also need donors who "
              "accept that an independent OPD board, and not Threshold staff, decides on grants; two donors have not yet "
              "agreed to this, and we would welcome support from peers in making this case."),
    ]),
    ("Looking ahead", [
        ("p", "In 2025 we will commission the external evaluation of our advocacy, repeat the staff survey, introduce a "
              "target date for timely payments to partners, and review our complaints policy."),
        ("p", "Threshold Disability Rights International is a fictional organisation created for testing purposes."),
    ]),
]


def build():
    write_docx(OUT, ORG, "Accountability Report 2024", "Accountability Report 2024 - submitted to Accountable Now", SECTIONS,
               datetime.datetime(2025, 5, 30, 12, 0, 0))


if __name__ == "__main__":
    build()
