"""Generate the fresh thematic DOCX evaluation case (fictional organisation).

Run: .venv/bin/python eval/cases/fresh-thematic-docx/make_report.py
Writes report.docx next to this script. The report is written in thematic chapters with no question numbers or
question texts. Every Heading 1 chapter after the first starts after an explicit page break, so physical pages are:
1 title and Executive Director's note, 2 'Our work in 2024', 3 'Listening and learning', 4 'Changes around us',
5 'If something goes wrong', 6 'Our team', 7 'Ten years of open accounts', 8 'The road ahead' (this assumes each
chapter fits on one page; chapters were kept short for this, but no renderer was available to confirm it).
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
ORG = "Khulla Hisab Nepal"

SECTIONS = [
    ("A note from our Executive Director", [
        ("p", "Namaste. This is my first report as Executive Director of Khulla Hisab Nepal. I took over in March 2024 "
              "from our founder, Ramesh Adhikari, who led the organisation for ten years and now chairs our advisory "
              "council."),
        ("p", "2024 tested Nepal's local governments. The floods and landslides of late September killed more than "
              "200 people, and several of the municipalities where we work in Lalitpur and Kavrepalanchok spent the "
              "rest of the year repairing roads and bridges with money that had been budgeted for other things. Two "
              "of our partners lost equipment and records, and we postponed the social audits planned for October "
              "and November in Bagmati Province to the new year, so that ward offices and citizens could concentrate "
              "on recovery. At national level, a new coalition government took office in July, and the Social Welfare "
              "Council issued a directive requiring NGOs to obtain a recommendation letter from each municipality "
              "before starting a project there."),
        ("p", "Transparency is at the heart of everything we do. We ask municipalities to open their accounts to "
              "citizens, and we hold ourselves to the same standard. As the new Executive Director, I am fully "
              "committed to continuing this proud tradition."),
        ("p", "My priorities for 2025 are to complete the leadership transition, including the recruitment of a new "
              "finance director, to prepare our next strategy together with our partners, and to move our citizen "
              "monitoring tools from paper to a mobile application that monitors and partners can use themselves."),
        ("p", "Sushila Tamang, Executive Director"),
    ]),
    ("Our work in 2024", [
        ("p", "Our strategy Every Rupee Counts (2022-2026) has three goals: that citizens shape how their municipality "
              "spends its budget, that citizens check how the money is spent, and that municipalities publish what "
              "they spend. In 2024 we worked in 48 municipalities in five provinces, with 11 local partner "
              "organisations and 1,940 volunteer citizen monitors."),
        ("h2", "Citizens shaping budgets"),
        ("p", "In the budgets for fiscal year 2081/82, adopted in June and July 2024, 31 of the 48 municipalities "
              "funded at least one priority put forward by the ward-level citizens' assemblies that our partners "
              "facilitate. Together these allocations came to NPR 390 million, mostly for irrigation canals, repairs "
              "to health posts and footbridges. In Gaur, the assembly of ward 6 won the first all-weather footbridge "
              "to the market after three years of asking."),
        ("h2", "Citizens checking the spending"),
        ("p", "Citizen monitors carried out 212 social audits of municipal projects. In 14 cases the audit found that "
              "a road or building had not been built to specification; after public hearings, the contractors "
              "repaired the work at their own cost, work valued by municipal engineers at NPR 38 million."),
        ("h2", "Municipalities opening their books"),
        ("p", "27 of the 48 municipalities now publish their spending every quarter on ward notice boards and on "
              "their websites, compared with 9 when the strategy began in 2022."),
        ("h2", "What the evidence says"),
        ("p", "An independent mid-term evaluation by Sambodhan Research compared 20 municipalities where we work with "
              "20 similar municipalities where we do not. In our municipalities, 71% of the infrastructure projects "
              "sampled had been completed to specification, against 52% in the comparison group, and 38% of the "
              "residents surveyed could name a project in their ward's budget, against 11%. The evaluators found no "
              "difference, however, in the share of the budget that reaches the poorest wards."),
        ("h2", "Credit where it is due"),
        ("p", "The budget decisions were taken by elected municipal councils, and the audits were carried out by "
              "citizen monitors recruited and trained by our partners, among them Dalit Sewa Sangh in Saptari, the "
              "Tharu Mahila Samuha in Kailali and Janajagaran Kendra in Dhanusha, who also organised every public "
              "hearing. Our role was to train, to provide the audit tools and to analyse the budgets."),
    ]),
    ("Listening and learning", [
        ("h2", "Checking our results with the people who produced them"),
        ("p", "Before we publish a result, we take it back to the municipality it comes from. Between November 2024 and "
              "January 2025 partners held result-sharing meetings in 40 of the 48 municipalities, with monitors, "
              "ward chairs and residents, and went through our claims one by one. In Birendranagar, monitors pointed "
              "out that NPR 22 million for a health post, which we had counted as a citizens' priority, had been "
              "promised by the mayor in 2023, before any assembly took place; we removed it from our figures. In three "
              "municipalities ward chairs disputed that audits had led to repairs; the monitors took them to the sites, "
              "and the claims stood."),
        ("h2", "What we learned"),
        ("p", "Audits alone change little. In the 9 municipalities where no public hearing followed an audit, none of "
              "the problems found was corrected. From 2025 we will not start an audit unless the municipality has "
              "agreed a date for the hearing. The evaluation's finding on the poorest wards showed us that assemblies "
              "are dominated by the best-organised wards. We also went back to the six municipalities we left in "
              "2021: four still publish their spending every quarter, but two stopped after the 2022 elections."),
        ("h2", "What monitors told us, and what we did"),
        ("table", ["What we heard in 2024", "What we did"], [
            ["Training only in Nepali left many monitors in Madhesh behind",
             "Training sessions and materials in Maithili and Bhojpuri from May"],
            ["Women monitors could not attend day-long trainings far from home",
             "Trainings split into half-days held in the ward, with a childcare allowance"],
            ["Transport allowances arrived months after the audit",
             "Allowances paid by mobile wallet within two weeks of each audit"],
            ["Monitors never heard what happened after their audit",
             "Partners send every monitor a result note within a month of each hearing"],
        ]),
        ("p", "We hear from monitors through a monthly SMS poll and the partners' quarterly meetings with them."),
        ("h2", "Whose voices count"),
        ("p", "Women are 54% of our monitors and Dalit citizens 19%; our target is 25% Dalit monitors by 2026. In "
              "Saptari and Siraha, Dalit women now meet separately before each ward assembly to agree their "
              "priorities, because they rarely spoke in mixed meetings. Monitors choose which projects they audit "
              "from the municipality's project list."),
    ]),
    ("Changes around us", [
        ("p", "2024 brought significant changes for Khulla Hisab, both inside and outside the organisation."),
        ("p", "Inside, our founder stepped down after ten years and a new Executive Director took office in March; "
              "three of our five senior managers are new in post. Outside, the Social Welfare Council directive of "
              "July 2024 requires NGOs to obtain a recommendation letter from each municipality before a project can "
              "start there, and the September floods disrupted our work in Bagmati Province."),
        ("p", "These changes have had implications for our accountability. The directive in particular means that the "
              "municipalities whose spending we monitor now also decide whether we may work in them. To protect our "
              "independence, the Board decided that recommendation letters will be requested by the Board chair "
              "rather than by field staff, and that no one involved in an audit may negotiate a letter."),
        ("p", "In response to these changes, we reviewed and updated our Governance Manual, our Conflict of Interest "
              "Policy and our Financial Management Guidelines, and in October the Board approved a new Accountability "
              "Framework setting out our commitments to transparency, participation, learning and responsiveness. The "
              "framework will be rolled out to all staff and partners in 2025."),
        ("p", "We continue to publish our audited financial statements and our annual report on our website, and we "
              "remain committed to the highest standards of transparency and good governance. Transitions are never "
              "easy, and we thank our staff, partners and donors for their patience and support throughout the year."),
    ]),
    ("If something goes wrong", [
        ("p", "Khulla Hisab has zero tolerance for fraud, corruption, sexual exploitation, abuse and harassment, and for "
              "any misuse of the trust that citizens place in us."),
        ("p", "Our Complaints and Response Policy (2021) explains how anyone - a citizen, a monitor, a partner, a "
              "municipal official or a member of staff - can raise a concern: through the complaint boxes in our "
              "partners' offices, by email, or by telephone to our Kathmandu office. All complaints are treated in "
              "strict confidence and are resolved within 30 days. Our partners are required to display the complaint "
              "box and our telephone number in their offices."),
        ("p", "Our Safeguarding Policy and Code of Conduct apply to all staff, partners and volunteer monitors, and are "
              "signed by every staff member on joining. We are committed to the prevention of sexual exploitation, "
              "abuse and harassment in all our work."),
        ("p", "In 2024 we did not receive any formal complaints. We believe this reflects the strong relationships of "
              "trust that we have built with communities and partners over ten years, as well as the open culture of "
              "our organisation. We will continue to review our complaints mechanism to ensure that it remains "
              "accessible and effective."),
    ]),
    ("Our team", [
        ("h2", "Asking the team"),
        ("p", "Khulla Hisab employs 71 people, 47 of them in our five province offices. After the change of "
              "leadership, in June, we ran our first all-staff survey, Team Voice. It was anonymous and in Nepali, and 88% of staff took part."),
        ("table", ["Team Voice, June 2024", "% agreeing"], [
            ["I know where Khulla Hisab is heading now", "46%"],
            ["I can speak openly to my manager", "68%"],
            ["My workload is manageable", "52%"],
            ["Province offices count as much as Kathmandu", "31%"],
        ]),
        ("h2", "What we did"),
        ("p", "In response, the Executive Director spent a day in each province office in July and August, two "
              "province coordinators now join the monthly management meeting in turn, and province offices approve their own travel and purchases up to NPR 50,000. To "
              "explain where we are going, she holds an open online 'chiya guff' (tea talk) with all staff every "
              "month. We have not yet shared the full Team Voice results with staff; a summary will be presented at "
              "the staff assembly in March 2025."),
        ("h2", "Fairness and inclusion"),
        ("p", "Women are 48% of our staff but only 2 of our 9 managers. Dalit colleagues are 7% of staff and Madhesi "
              "colleagues 18%. Our Inclusion Plan sets two targets for 2026: at least four women managers and 15% "
              "Dalit staff; we have set no targets for the other Team Voice results. Since April, every vacancy in a "
              "province office is advertised in the local language and through Dalit and Madhesi networks."),
        ("h2", "Looking after each other"),
        ("p", "Seven colleagues lost their homes or belongings in the September floods; each received five days' "
              "paid leave and a grant of NPR 25,000. Field staff no longer travel alone after dark, and anyone who feels unsafe during an audit can call the "
              "province coordinator's 24-hour number."),
        ("h2", "Speaking up"),
        ("p", "Our Whistleblowing Policy protects staff who report wrongdoing in good faith. No whistleblowing reports "
              "were received in 2024."),
    ]),
    ("Ten years of open accounts", [
        ("p", "Khulla Hisab began in 2014 as a group of five young accountants and journalists in Janakpur who wanted "
              "to know why a school building paid for twice had never been finished. They copied the contract by hand "
              "at the district office, read it aloud at a tea shop, and the building was completed the next year."),
        ("p", "After the 2015 earthquake we trained volunteers to follow reconstruction grants in Sindhupalchok and "
              "Dolakha. When the constitution of 2015 created 753 local governments and the first local elections "
              "were held in 2017, we moved our work to the new municipalities, which for the first time had budgets "
              "of their own. In 2019 we published Nepal's first citizens' budget guide in Maithili, and in 2021 our "
              "monitors in Kailali received a national award for good governance."),
        ("p", "Over ten years more than 6,000 citizens have served as monitors. Many of them are now ward members, "
              "teachers, journalists and mayors. Some of our early monitors still meet every year in Janakpur, at the "
              "same tea shop, to read a budget aloud together."),
        ("p", "We are grateful to everyone who has walked this road with us: the monitors, our partners, the officials "
              "who opened their books, and the donors who believed that citizens have a right to know."),
    ]),
    ("The road ahead", [
        ("h2", "Planning with our partners"),
        ("p", "Each February our 11 partners meet for two days in the Partners' Assembly, which sets the priorities for "
              "the next year's plan. In February 2024 the Assembly chose to add the monitoring of municipal "
              "procurement and to drop our radio campaigns, and both decisions are in the 2024/25 plan. Management "
              "then prepares the budget; partners see it before the Board approves it, but they do not vote on it. "
              "Partners asked again this year for part of their grants to be unrestricted core funding; we have not "
              "yet been able to agree this with our donors."),
        ("h2", "What is still hard"),
        ("p", "Checking how those in power spend public money carries risks. In 2024 two citizen monitors in Dhanusha "
              "were threatened by a contractor's men after their audit found that a road had been built with half the "
              "gravel paid for, and a ward official visited a partner office in Mahottari to demand the names of "
              "monitors. The new recommendation-letter rule also gives municipalities a way to keep us out. We need "
              "donors to fund protection and legal support for monitors, and multi-year, flexible funding for our "
              "partners."),
        ("h2", "Our plans for 2025"),
        ("p", "In 2025 we will prepare our next strategy with the Partners' Assembly, launch the mobile monitoring "
              "application in ten municipalities, start no audit without an agreed hearing date, and repeat Team "
              "Voice in June."),
        ("p", "We welcome comments on this report at hisab@khullahisab.example.org or by telephone to our Kathmandu "
              "office."),
        ("p", "Khulla Hisab Nepal is a fictional organisation created for testing purposes."),
    ]),
]


def build():
    write_docx(OUT, ORG, "Annual Report 2024", "Annual Report 2024 - Every Rupee Counts", SECTIONS,
               datetime.datetime(2025, 5, 12, 9, 0, 0))


if __name__ == "__main__":
    build()
