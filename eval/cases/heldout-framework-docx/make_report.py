"""Generate the held-out framework-style DOCX evaluation case (fictional organisation).

Run: /work/main/.venv/bin/python eval/cases/heldout-framework-docx/make_report.py
Writes report.docx next to this script. The question headings follow the framework's order but are phrased in the
organisation's own words. Every Heading 1 section starts after an explicit page break; physical pages are
therefore: 1 title and opening statement, 2 question 1, 3 question 2, 4 question 3, 5 question 4, 6 question 5,
7 the year ahead (this assumes each section fits on one page; no renderer was available to confirm it).
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
ORG = "Kestrel Coast Conservation Trust"

SECTIONS = [
    ("A word from our Executive Director", [
        ("p", "For the reefs of the central Visayas and of Southeast Sulawesi, 2024 was the hottest year on record. "
              "The marine heatwave of April to June bleached coral on almost every reef we monitor, and for several "
              "weeks fishing families in our project villages brought home less than half of their usual catch while "
              "paying more for fuel. We responded by bringing forward our small livelihood grants, postponing all new "
              "fishing restrictions until the bleaching had passed, and asking every community management council what "
              "help it needed most."),
        ("p", "I have asked our Board to hold me personally to account for how we answer to fishing communities. From "
              "2025 my own annual objectives include two accountability targets that the Board will review with me in "
              "public at our annual meeting: the time we take to close a complaint, and the share of decisions on "
              "marine protected areas that are taken by community councils rather than by our staff. I also visit "
              "every council at least once a year without programme staff present, so that members can tell me what "
              "they would not tell the team."),
        ("p", "Internally, 2024 was a year of transition. On 1 July our Indonesian programme became an independent "
              "foundation, Yayasan Karang Lestari, with its own board. In 2025 our priorities are to complete that "
              "handover, to appoint our first full-time safeguarding lead, and to replace our paper monitoring forms "
              "with a shared data system that councils can also use."),
        ("p", "Maricel Dumaguete-Reyes, Executive Director"),
    ]),
    ("1. What changed for reefs and fishing families, and who confirmed it", [
        ("p", "Our strategy 'Living Reefs, Living Villages 2023-2027' has two goals: reefs that recover and stay "
              "healthy, and fishing households whose income is secure enough that they can afford to protect them."),
        ("h2", "Goal 1: Reefs that recover"),
        ("p", "In 2024 municipal councils in Cebu, Bohol and Southern Leyte passed ordinances declaring 14 new "
              "community-managed marine protected areas, bringing the network we support to 61 sites covering "
              "9,800 hectares. The marine laboratory of Silliman University carried out its independent biennial "
              "survey of 22 protected areas that are more than five years old: fish biomass inside them was on average "
              "2.3 times higher than at comparable unprotected sites, and in 17 of the 22 sites live coral cover had "
              "recovered to within five percentage points of its 2019 level despite the heatwave."),
        ("h2", "Goal 2: Secure livelihoods"),
        ("p", "1,150 households took part in our seaweed farming and fish drying cooperatives, and 430 women "
              "gleaners received small grants to start a second source of income. We do not yet have data on whether "
              "household incomes have risen; a baseline survey was carried out in October 2024, and "
              "the first follow-up is planned for late 2025."),
        ("h2", "Checking our results with the people who live with them"),
        ("p", "We do not consider a result real until the fishers themselves recognise it. In August and September we "
              "took the survey charts back to the 31 fisherfolk associations that co-manage the older sites, in "
              "village meetings facilitated by the associations' own officers. Most associations agreed that fish had "
              "returned, but the association in Bantayan disagreed: its members pointed out that the survey counted "
              "fish inside the no-take zone, while they fish outside it, where catches had not improved. They were "
              "right that our survey could not show this. We have since added six catch landing sites chosen by the "
              "fishers, and the associations' comments are printed alongside the survey results in our public report."),
        ("h2", "Credit where it is due"),
        ("p", "The ordinances of 2024 are the work of the municipal councils and the fisherfolk associations who "
              "drafted them and defended them in public hearings; our role was to provide maps and legal advice. The "
              "Silliman survey teams included 40 volunteer divers from the associations, and the Bohol Provincial "
              "Environment Office funded the patrol boats for five sites."),
        ("h2", "What we learned"),
        ("p", "Patrols alone do not stop illegal fishing: in the three sites with the most violations, the problem was "
              "that neighbouring villages had not been involved in drawing the boundaries. From 2025 every new site "
              "will be mapped together with the neighbouring villages."),
    ]),
    ("2. A year of changes, and what they meant for how we answer to people", [
        ("p", "2024 was a year of significant change for Kestrel, both internally and externally."),
        ("p", "Internally, the most important change was the transfer of our Indonesian programme to Yayasan Karang "
              "Lestari on 1 July 2024. The 38 staff of our Kendari office moved to the new foundation, which now "
              "manages its own funding, while Kestrel provides a grant and technical support until the end of 2026. "
              "Externally, the Philippines' National Privacy Commission issued new guidance on the processing of "
              "personal data by non-profit organisations, which applies to our beneficiary lists and complaint records."),
        ("p", "These changes have had an impact on our accountability processes. We have reviewed our accountability "
              "framework to ensure it remains fit for purpose in the new structure, and we have updated our data "
              "privacy policy, which all staff in the Philippines have signed. Staff in both countries were consulted "
              "during the transition through town hall meetings."),
        ("p", "We are committed to ensuring that our stakeholders continue to be at the heart of our accountability "
              "approach. An action plan for accountability in the new structure is being developed and will be shared "
              "with stakeholders in due course. We have not yet decided how we will measure progress against it."),
        ("p", "The transition has been demanding for our teams, and we thank them for their flexibility and commitment "
              "throughout the year. We also continued to strengthen our partnerships with local government units, "
              "and we remain confident that the new structure will make us more accountable to the communities we serve "
              "in both countries."),
    ]),
    ("3. Complaints, concerns and what they taught us", [
        ("p", "Community members can reach us in four ways: a free text line, locked suggestion boxes at 40 landing "
              "sites that are opened by two council members together with our staff, a focal person in every "
              "village, and email. In 2024 we received 64 complaints and concerns, compared with 29 in 2023; most of "
              "the increase came from the text line opened in March."),
        ("table", ["Type of complaint or concern", "Received", "Resolved", "Still open", "Referred"], [
            ["Conduct of community fish wardens (gear confiscation)", "21", "18", "3", "0"],
            ["Selection for livelihood grants", "17", "15", "2", "0"],
            ["Behaviour of Kestrel staff", "6", "5", "1", "0"],
            ["Suspected misuse of funds", "2", "1", "1", "0"],
            ["Safeguarding", "1", "0", "0", "1"],
            ["Other (boundaries, meeting times, requests)", "17", "13", "1", "3"],
            ["Total", "64", "52", "8", "4"],
        ]),
        ("h2", "What changed as a result"),
        ("p", "The complaints about fish wardens taught us the most. Fishers told us that gear was taken without "
              "explanation and sometimes not returned. Together with the associations we wrote a code of conduct for "
              "wardens, every confiscation now comes with a written receipt, and a fisher who disagrees can ask for a "
              "hearing before the village council within seven days. Complaints about wardens fell from nine in the "
              "first quarter to two in the last. The grant selection complaints led us to publish the list of "
              "selected households at the village hall before grants are paid, with two weeks for objections. One "
              "suspected misuse of funds, by a cooperative treasurer, was confirmed; the cooperative recovered the "
              "money and elected a new treasurer."),
        ("h2", "Safeguarding"),
        ("p", "The safeguarding concern involved a volunteer warden and a 15-year-old girl. It was reported to the "
              "municipal social welfare office and the police, the volunteer was stood down, and the girl and her "
              "family were supported by a social worker. Since the case, all 140 volunteer wardens have taken a "
              "half-day safeguarding session, in addition to the annual training completed by 92% of our staff."),
        ("h2", "Raising concerns safely"),
        ("p", "Anyone working with Kestrel can take a concern in confidence to an external ombudsperson, a retired "
              "regional trial court judge in Cebu who reports only to the chair of our Board. Four staff members used "
              "this route in 2024; none has faced any consequence for doing so, and the ombudsperson's annual note to "
              "the Board confirms this."),
        ("h2", "Where we still fall short"),
        ("p", "We do not yet ask people whose complaints we closed whether they felt they were treated fairly. We have "
              "shared our complaints procedure and forms with Yayasan Karang Lestari, but it will need to build its own "
              "system."),
    ]),
    ("4. Accountability inside the organisation", [
        ("p", "At Kestrel, we believe that accountability starts at home. Our people are the foundation of everything "
              "we do, and we are committed to a culture of openness, trust and continuous learning."),
        ("p", "We value staff feedback and have a range of mechanisms to gather it, both formal and informal. Staff are "
              "encouraged to share their views with their managers at any time, and management listens carefully to "
              "what staff say. Staff feedback has informed a number of improvements over the year."),
        ("p", "Staff well-being is a priority for us. We promote a healthy work-life balance and recognise the "
              "demands that field work places on our teams, particularly during a challenging year."),
        ("p", "We are committed to diversity, equity and inclusion in everything we do. Our DEI commitments are "
              "embedded in our policies and practices, and we strive to be an equal opportunity employer."),
        ("p", "We monitor our progress through key performance indicators, and we communicate regularly with staff "
              "about the actions we take. Throughout the year our leadership "
              "team remained close to staff and open to their ideas, and we are proud of the spirit of teamwork that "
              "carried us through the transition. We recognise that there is always more to do. We will continue to strengthen our internal accountability in the coming year."),
    ]),
    ("5. Answering to fishing communities and partners", [
        ("p", "The people we answer to first are the fishers, gleaners and their families who live from the reefs, and "
              "the fisherfolk associations and municipal governments with whom we work."),
        ("h2", "Councils that decide"),
        ("p", "Every protected area we support is run by a community management council, made up of fishers, women "
              "gleaners, a youth representative and the village captain. Until 2022 our staff designed the protected "
              "areas and asked communities to agree to them. We now work the other way round: the council draws the "
              "boundaries on a paper chart in the village hall, decides the closed seasons and the rules, and approves "
              "our work plan for its area each year. Our staff advise, but they do not vote. When the council of "
              "Madridejos rejected our proposal to extend its no-take zone, we withdrew it, and the council chose "
              "instead to close the area for three months in the spawning season."),
        ("h2", "Listening and answering back"),
        ("p", "On market days our field officers hold open listening sessions at the landing sites, and they return to "
              "the next session with a written answer to every point raised. Women gleaners told us in these sessions "
              "that the patrols had been designed for men's fishing and ignored the shallow flats where women collect "
              "shellfish. The councils responded by creating gleaning zones managed by women, and women now serve as "
              "wardens in most of our sites."),
        ("h2", "Voices that are easily missed"),
        ("p", "The Sama-Bajau sea nomads who move along the coast of Bohol were never present at village meetings. We "
              "now meet them separately, in their own language, through their own elders, and their boat mooring "
              "areas are marked on every council map. Young fishers, who rarely speak in meetings with their elders, "
              "have their own sessions and a seat on every council."),
        ("h2", "Communities judging the results"),
        ("p", "Fishers in each site keep their own catch logbooks, and at the end of each season the council gives the "
              "protected area a 'reef report card', scoring the state of the reef, the fairness of the rules and the "
              "work of Kestrel's staff. The councils discuss the cards with us before our annual plan is drafted, and "
              "two councils asked us to replace the field officer assigned to them, which we did."),
        ("h2", "What is still hard"),
        ("p", "Local elections can change a mayor's support for a protected area overnight, and council decisions are "
              "not always respected by commercial fishing boats from outside the municipality. We need the provincial "
              "governments to back councils' rules with enforcement, and donors to fund councils for longer than one "
              "project cycle."),
    ]),
    ("The year ahead", [
        ("p", "In 2025 we will complete the handover to Yayasan Karang Lestari, appoint a safeguarding lead, start "
              "asking complainants about their experience, and publish the first household income results. We will also run "
              "our first staff survey since 2021, review how wardens are recruited and trained, and agree with Yayasan "
              "Karang Lestari how the two organisations will report to each other and to communities once our grant "
              "ends in 2026."),
        ("p", "We thank the fisherfolk associations, the municipal and provincial governments, our donors and our staff "
              "for their trust. We welcome comments on this report, which can be sent to our text line or to "
              "accountability@kestrelcoast.example.org."),
        ("p", "Kestrel Coast Conservation Trust is a fictional organisation created for testing purposes."),
    ]),
]


def build():
    write_docx(OUT, ORG, "Accountability Report 2024", "Accountability Report 2024 - for Accountable Now", SECTIONS,
               datetime.datetime(2025, 6, 2, 9, 0, 0))


if __name__ == "__main__":
    build()
