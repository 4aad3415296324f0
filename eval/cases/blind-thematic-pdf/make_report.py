"""Generate the blind thematic PDF evaluation case (fictional organisation).

Run from anywhere:  /work/main/.venv/bin/python eval/cases/blind-thematic-pdf/make_report.py
Writes report.pdf next to this script and prints the physical page range of every chapter (1-based; the cover is
page 1, the contents page 2). The report is written in thematic chapters with the organisation's own titles (no
question numbers or texts). The output is deterministic (fixed creation date, no randomness).
"""

import datetime
import os
import sys

from fpdf import FPDF
from fpdf.fonts import FontFace

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "report.pdf")
ORG = "Mwezi Housing Rights Trust"
TITLE = "Accountability Report 2024"
PERIOD = "Reporting period: 1 January - 31 December 2024"
ADDRESS = "Plot 4418, Kafue Road, Kanyama, P.O. Box 31077, Lusaka, Zambia"
FONT_DIR = "/usr/share/fonts/truetype/dejavu"
COLOUR = (24, 78, 96)

# Block kinds: ("h2", text) ("p", text) ("bullets", [..]) ("box", text) ("table", headers, rows, widths)

MESSAGE = [
    ("p", "2024 tested the people of Zambia's informal settlements, and it tested us. The drought that was declared a "
          "national disaster in February ruined the harvests that many families in the compounds rely on from "
          "relatives in the villages. Maize meal prices rose month after month, and from August power cuts lasted up "
          "to seventeen hours a day, closing the small businesses - tailoring, welding, hair salons, cold drinks - "
          "from which many residents pay their rent. Families who were already behind on rent fell further behind, "
          "and landlords evicted tenants at a rate our lawyers had not seen before."),
    ("p", "Between April and August, the city's campaign to clear structures from road reserves and drainage channels "
          "before the rains reached five of the Lusaka settlements where we work. Homes that families had lived in "
          "for twenty years were marked with a red cross and demolished, sometimes with less than a week's notice. "
          "Our lawyers and paralegals spent much of the year in the settlements, on the phone and in court."),
    ("p", "At the same time we lost our largest source of funding. Stichting Dakvast, the Dutch foundation that had "
          "covered more than a third of our costs since 2015, closed its Africa programme in June. We had to close "
          "our Ndola office and say goodbye to nine colleagues. I want to thank them here for everything they gave "
          "to the Trust. We chose to protect legal help above everything else: we stopped our radio programmes, sold "
          "two vehicles and moved our Ndola casework to a fortnightly clinic run together with the Ndola Residents' "
          "Forum."),
    ("p", "Every November the housing committees of the settlements meet in what residents call the Big Meeting. In "
          "2024 I stood before 31 committee members and answered their questions about the Ndola closure for most "
          "of a day. Several of them were angry, and they were right to be: they heard about the loss of our funding "
          "from us four months after we knew. I promised them that no decision of that size will again reach them "
          "after it has been taken, and that I will report to the Big Meeting in person, and take every question, "
          "for as long as I lead the Trust."),
    ("p", "Our priorities for 2025 are to replace the lost income without accepting money that would tie our hands, "
          "to introduce a new case management system that lets every client follow their case by SMS, and to hold "
          "the Trust's first staff questionnaire."),
    ("p", "Chanda Mwila-Banda, Executive Director"),
]

WHO = [
    ("p", "Mwezi Housing Rights Trust is a Zambian non-profit organisation that helps people who live in informal "
          "settlements keep their homes and secure the land they live on. We were founded in 2004 by a group of "
          "women from Kanyama and two young lawyers, and we are registered under the Non-Governmental Organisations "
          "Act. 'Mwezi' means moon: the first meetings of the founders were held at night, after work, by moonlight."),
    ("p", "We give free legal advice and representation to families facing eviction, help households apply for "
          "occupancy licences in settlements that have been declared improvement areas, support tenants in disputes "
          "with landlords, and press local and national government for fair rules on land and housing. We do not "
          "charge for any of our services."),
    ("h2", "Where we work"),
    ("table", ["City", "Settlements", "Since", "Committee members", "Volunteer paralegals"],
     [["Lusaka", "Kanyama, Misisi, Chawama, George, Kalingalinga, Mtendere, Chibolya, Garden", "2004", "76", "30"],
      ["Kitwe", "Chimwemwe, Kamatipa, Ipusukilo", "2011", "28", "12"],
      ["Ndola", "Chipulukusu, Kabushi, Kaloko", "2016", "27", "10"],
      ["Total", "14 settlements", "", "131", "52"]],
     [22, 78, 16, 27, 27]),
    ("p", "Around 70% of the people of Lusaka live in settlements that were never formally planned. Most families "
          "have built their own homes over many years, and many have lived on the same plot for two or three "
          "generations, but few have any paper to prove their right to be there. Renting is growing fast: in the "
          "settlements where we work, about half of all households rent one or two rooms from a landlord who lives "
          "nearby, usually without a written agreement."),
    ("h2", "Our team"),
    ("p", "We began 2024 with 41 staff and ended it with 32, after the closure of our Ndola office. At the end of the "
          "year the team comprised 9 lawyers, 11 paralegal coordinators, an Accountability Officer, and 11 "
          "colleagues in finance, administration, communications and management. Our 52 volunteer community "
          "paralegals live in the settlements they serve and receive a monthly transport allowance."),
    ("h2", "Our mission and values"),
    ("p", "Our mission is that no family in Zambia loses its home without due process, and that every family living "
          "in an informal settlement can secure the land it lives on. Our values are dignity, independence, "
          "solidarity and honesty. We are independent of all political parties, and we do not accept funding from "
          "property developers or from government bodies against which we may have to go to court."),
    ("h2", "Our strategy"),
    ("p", "Our strategy 'Secure Homes 2022-2026' has three objectives: (1) no eviction without due process, (2) "
          "secure tenure for households in informal settlements, and (3) fair renting. The strategy was adopted at "
          "the Big Meeting of November 2021 and will be reviewed there at mid-term, in November 2025."),
]

NUMBERS = [
    ("p", "2024 was the busiest year in our history. Despite the loss of our largest donor, our impact grew in every "
          "area of our strategy, and more residents than ever before benefited from our work."),
    ("box", "Our impact in 2024: 3,412 residents trained on their housing rights | 148 legal clinics held | 1,036 new "
            "cases opened | 21,400 leaflets and guides distributed in Nyanja, Bemba and English | 44 radio programmes "
            "broadcast | ZMW 11.9 million invested in the settlements"),
    ("h2", "Objective 1: No eviction without due process"),
    ("p", "Our lawyers and paralegals opened 612 eviction cases in 2024, up from 431 in 2023. We held 61 emergency "
          "community meetings in settlements facing demolition and trained 1,240 residents in what the law requires "
          "before a home can be demolished: written notice, a chance to be heard and, where the government evicts, "
          "somewhere to go. Every household reached by these trainings is a household that knows its rights and can "
          "defend them. This is the impact of our work."),
    ("h2", "Objective 2: Secure tenure"),
    ("p", "We held 42 tenure clinics and trained 1,120 residents on the occupancy licence process. We helped 388 "
          "households in Kanyama, Chawama and George to prepare and submit their applications, almost twice as many "
          "as in 2023, and we distributed 9,000 copies of our illustrated guide 'Your plot, your licence'."),
    ("h2", "Objective 3: Fair renting"),
    ("p", "Our Fair Renting programme, launched in 2023, reached 1,052 tenants through 45 rental clinics. We mediated "
          "231 disputes between tenants and landlords and produced a model tenancy agreement in Nyanja and Bemba, of "
          "which 6,400 copies were distributed. Tenants who know their rights are tenants who cannot be thrown out "
          "overnight."),
    ("table", ["Our results", "2023", "2024"],
     [["Eviction cases opened", "431", "612"],
      ["Emergency community meetings held", "38", "61"],
      ["Residents trained (all topics)", "2,610", "3,412"],
      ["Legal clinics held (eviction, tenure and rental)", "121", "148"],
      ["Occupancy licence applications submitted", "214", "388"],
      ["Tenant-landlord disputes mediated", "140", "231"],
      ["Leaflets, guides and tenancy agreements distributed", "15,200", "21,400"],
      ["Radio programmes broadcast (January to June)", "88", "44"]],
     [110, 30, 30]),
    ("h2", "Investing in impact"),
    ("p", "In 2024 we invested ZMW 11.9 million in our programmes: ZMW 5.6 million in eviction response, ZMW 3.5 "
          "million in secure tenure and ZMW 2.8 million in fair renting. This represents an investment of ZMW 3,490 "
          "for every resident trained, and of ZMW 11,500 for every case opened."),
    ("h2", "What participants say"),
    ("p", "We ask everyone who attends a training or a clinic to complete a short evaluation form, which paralegals "
          "read aloud for those who cannot read. In 2024, 2,870 forms were returned: 92% of participants rated the "
          "training as good or very good, and 88% said that they now know more about their rights. These results "
          "confirm the value of our work to the communities we serve."),
]

STORIES = [
    ("p", "Behind every number in this report is a family. These are some of the stories of 2024."),
    ("h2", "Misisi: standing with 240 families"),
    ("p", "In March, 240 families living along the Misisi drainage channel received notices giving them seven days to "
          "leave. Within 48 hours our lawyers were in the settlement. We held four community meetings, attended by "
          "more than 600 residents, and filed an application in the High Court on behalf of 112 households. The "
          "court granted an interim injunction in April, and the families remain in their homes while the case "
          "continues. Our presence gave the families hope and showed the authorities that the residents of Misisi "
          "are not alone."),
    ("h2", "Kanyama and Chawama: papers at last"),
    ("p", "Many families in Kanyama and Chawama have lived on their plots for thirty years without any document. Our "
          "tenure clinics walked 388 households through the occupancy licence application, from measuring the plot "
          "with the council's surveyors to paying the fee. By the end of the year the council had issued 41 "
          "licences; the other applications are still being processed."),
    ("h2", "Voices from the settlements"),
    ("p", "'Before the training I thought the council could remove us any time. Now I know they must give us notice "
          "and listen to us first,' says Esther Phiri, a market trader in George who attended one of our rights "
          "trainings in June."),
    ("p", "'The paralegal came with me to the landlord and we agreed that I would pay the arrears in three parts. I "
          "still have my room,' says Joseph Mulenga, a tenant in Chimwemwe, Kitwe."),
    ("p", "'We had never seen a lawyer in Chipulukusu before. Now we see one every second Saturday,' says Agnes "
          "Tembo, chair of the Chipulukusu housing committee."),
    ("h2", "With thanks to our partners"),
    ("p", "None of this would be possible without our partners and donors. We thank Stichting Dakvast, the Nordic "
          "Tenure Fund, the Open Cities Foundation, the Lusaka Urban Poor Network, the Ndola Residents' Forum, the "
          "pro bono committee of the Law Association, and all our individual supporters for their generous support "
          "and commitment to the right to housing."),
    ("h2", "Looking back"),
    ("p", "2024 showed once again that knowledge is power. When residents know their rights, they can stand up for "
          "them, and when they stand up together, they can keep their homes. We will continue to expand our "
          "trainings and clinics in 2025 so that our impact reaches even more families."),
]

ADAPTING = [
    ("p", "Three changes in 2024 affected the way we answer to the residents we serve: the demolitions before the "
          "rains, the power cuts, and the loss of our largest donor."),
    ("h2", "Demolitions before the rains"),
    ("p", "Between April and August, the campaign to clear road reserves and drainage channels reached five of our "
          "Lusaka settlements. Alerts came faster than our office hours allowed. In 2023 we received 19 eviction "
          "alerts in the whole year; in May 2024 alone we received 11, several of them at night or at the weekend, "
          "when our landline was not answered. In June we replaced the office landline with an eviction alert "
          "number that is answered 24 hours a day by one of our lawyers on a weekly rota, and gave each committee "
          "chair the number and airtime to call it."),
    ("h2", "Power cuts"),
    ("p", "With power cuts of up to seventeen hours a day from August, volunteer paralegals could not keep their "
          "phones charged and residents' calls went unanswered. We bought solar power banks for all 52 volunteer "
          "paralegals and the 14 committee chairs, and at the committees' request moved their weekly case meetings "
          "from the evening to daylight hours."),
    ("h2", "Losing our largest donor"),
    ("p", "Stichting Dakvast told us in March that its grant, 36% of our income, would end in June. We should have "
          "told the housing committees at once; we told them in July, when the Board had already given notice on "
          "the lease of the Ndola office. We then took three options to all 14 committees: close the Ndola office, "
          "reduce the number of lawyers in all three cities, or stop community trainings for a year. Twelve of the "
          "fourteen committees preferred to keep lawyers and trainings and close the office, on condition that "
          "Ndola residents did not lose access to legal help."),
    ("p", "The three Ndola committees asked for two things: a regular clinic in the settlements, and for their case "
          "files to stay in Ndola rather than be moved to Lusaka. We agreed to both. Since October, a lawyer holds "
          "a clinic every second Saturday at the offices of the Ndola Residents' Forum in Chipulukusu, where the "
          "files are now kept in a locked cabinet under a data-sharing agreement with the Forum. Nine staff posts "
          "ended at the end of September, and we stopped our radio programmes."),
    ("h2", "Keeping our word"),
    ("p", "Our Eviction Response Protocol, adopted in 2023, commits us to have a lawyer or paralegal on site within "
          "48 hours of any alert about a demolition, and to tell the housing committee in writing what we will do "
          "and what we will not. We kept to the first part more often than to the second: during the busiest "
          "months, the written note to the committee was often replaced by a phone call, and some committees told "
          "us at the Big Meeting that they had not always known what we had decided."),
    ("h2", "How we know whether we are doing better"),
    ("p", "The main measure we use is the share of eviction alerts to which a lawyer or paralegal was on site within "
          "48 hours. In 2024 we received 33 alerts and were on site in time for 27 of them (82%); our target is "
          "90%. The six we missed were all in Kitwe, where we have had only one lawyer and no vehicle since July."),
    ("p", "We do not yet know whether Ndola residents are as well served by the fortnightly clinic as they were by "
          "the office. New Ndola cases fell from an average of 21 a month before October to 9 a month after it, and "
          "we cannot yet tell whether fewer people need help or whether they can no longer reach us. We will ask "
          "the Ndola committees to look into this with us in the first half of 2025."),
    ("h2", "What it costs"),
    ("p", "We have not replaced the lost income. Our 2025 budget is ZMW 4.6 million lower than our 2024 spending, "
          "and keeping a lawyer on the alert rota every night is paid for by reducing the number of lawyer days in "
          "the settlements. A second vehicle for Kitwe would cost around ZMW 450,000, which we do not have."),
]

COMPLAINTS = [
    ("p", "Residents can complain about us in person to any paralegal or committee chair, by calling or sending a "
          "WhatsApp message to our complaints number, or in writing to the Director. The complaints number is "
          "answered by our Accountability Officer, who does not work on any case. Complaints about the Director go "
          "to the Chair of the Board. Our Complaints Policy promises an acknowledgement within three working days "
          "and an answer within ten."),
    ("p", "In 2024 we received 68 complaints and grievances, against 41 in 2023. We think much of the increase "
          "reflects the larger number of cases, but complaints about delays more than doubled, and we take that as "
          "a sign that our service got worse under pressure."),
    ("table", ["Category", "Received", "Resolved", "Open at 31 Dec"],
     [["Delays and not being kept informed about a case", "27", "24", "3"],
      ["Refusal to take a case", "13", "13", "0"],
      ["Rude or unhelpful behaviour by staff or volunteers", "9", "8", "1"],
      ["Volunteers asking residents for money", "4", "4", "0"],
      ["Confidentiality (a landlord learning who complained)", "3", "2", "1"],
      ["Sexual harassment by a volunteer paralegal", "1", "1", "0"],
      ["Staff grievances about the restructuring", "3", "2", "1"],
      ["Other", "8", "6", "2"],
      ["Total", "68", "60", "8"]],
     [98, 24, 24, 24]),
    ("p", "Of the 60 complaints resolved, 49 (82%) were answered within ten working days. The eight open at the end "
          "of the year were all received in December, except one delay complaint that depends on a court date."),
    ("h2", "What we changed"),
    ("bullets", [
        "Delays. Most complaints about delays were not about the delay itself, which often lies with the courts, but "
        "about hearing nothing from us. Since July every client receives an SMS in Nyanja, Bemba or English whenever "
        "something happens in their case, and at least every 14 days. Complaints about delays fell from nine in the "
        "second quarter to four in the fourth.",
        "Money. In four cases volunteers asked residents for 'transport money' of between ZMW 50 and ZMW 200. Two "
        "volunteers were removed, and the Trust repaid the residents ZMW 550 in total. The volunteers said that their "
        "own allowances were two months late, which was true. Allowances are now paid by mobile money on the 25th of "
        "each month, and 'Our help is free' is printed in three languages on every paralegal's badge and every "
        "clinic poster.",
        "Confidentiality. In three cases our letters to landlords named the tenant who had come to us, and in one "
        "case the tenant was then evicted. Since April no letter names a tenant without the tenant's signed "
        "consent, and all paralegals were retrained on confidentiality.",
        "Refusals. Residents whose cases cannot be taken, usually because the dispute is within a family or between "
        "two neighbours, now receive the reason in writing and the name of another place to go, such as the Legal "
        "Aid Board or the ward development committee."]),
    ("h2", "Safeguarding"),
    ("p", "In August a woman client reported that a volunteer paralegal in Kitwe had sent her sexual messages and "
          "offered to 'speed up' her case. The Accountability Officer interviewed her within two days, with a woman "
          "committee member of her choosing present. The volunteer was removed the same week, the messages were "
          "reported to the police with her consent, and her case was moved to a woman lawyer. After this case, "
          "every volunteer paralegal and every member of staff was asked to attend a half-day safeguarding session "
          "in their language between September and November; 48 of the 52 volunteers and all 32 staff attended, "
          "and the remaining four will attend in February. Every housing committee now has a named woman member "
          "whom clients can approach instead of the paralegal."),
    ("h2", "Speaking up inside the Trust"),
    ("p", "Staff and volunteers who want to report wrongdoing without going through their managers can call the "
          "Vice-Chair of our Board, a retired magistrate, directly. In 2024 she received two reports: one about "
          "inflated fuel claims in Kitwe, which was investigated and led to repayment and a written warning, and "
          "one about the fairness of the selection for redundancy, which she found had followed the procedure "
          "agreed with staff. Three colleagues whose posts ended lodged grievances; one was upheld and the "
          "colleague was redeployed to Kitwe, one was not upheld, and one is still open."),
    ("h2", "What we have not yet done"),
    ("p", "We do not yet ask people whose complaints we have closed whether they felt they were treated fairly, and "
          "apart from the ten-day answer we have set ourselves no targets. The Ndola Residents' Forum now receives "
          "complaints about the Saturday clinic, but we have not yet trained its volunteers in handling them or "
          "agreed how such complaints reach our Accountability Officer."),
]

PEOPLE = [
    ("p", "At Mwezi, we believe that we cannot be accountable to the communities we serve unless we are first "
          "accountable to one another. Our people are our greatest asset, and we are committed to a dynamic approach "
          "to internal accountability that places staff voice at the centre of everything we do."),
    ("h2", "Listening to our staff"),
    ("p", "We have robust staff feedback mechanisms in place, which provide regular opportunities for staff at all "
          "levels to share their views, raise concerns and contribute to decision making. Feedback from staff is "
          "valued and taken seriously, and it informs our ways of working and our organisational priorities."),
    ("h2", "Acting on what we hear"),
    ("p", "Management is responsive to staff feedback and has taken a range of actions during the year to "
          "strengthen our organisational culture. We close the feedback loop by communicating back to staff on the "
          "actions taken, fostering a culture of openness, transparency and mutual trust."),
    ("h2", "Diversity, equity and inclusion"),
    ("p", "We are committed to diversity, equity and inclusion in all aspects of our work. Our DEI commitments are "
          "embedded in our policies and practices, and we continue to make good progress towards a workforce that "
          "reflects the communities we serve."),
    ("h2", "Staff well-being"),
    ("p", "Staff well-being remains a top priority for the Trust. We promote a healthy work-life balance and a "
          "supportive and caring working environment, and we ensure that staff receive the support they need, "
          "particularly in challenging times."),
    ("h2", "Measuring our progress"),
    ("p", "Progress on internal accountability is tracked through a set of key performance indicators with clear "
          "timelines, which are reviewed regularly by management and by the Board. We will continue to strengthen "
          "our internal accountability practices in the year ahead, in line with our values and with the "
          "commitments we have made as a member of Accountable Now."),
]

WHO_DECIDES = [
    ("p", "We do not decide on our own where we work or which cases we take. The people who live in the settlements "
          "do."),
    ("h2", "The housing committees"),
    ("p", "In each of the 14 settlements where we work, residents elect a housing committee at an open meeting every "
          "two years. Anyone who lives in the settlement can stand and vote, whether they own their plot or rent a "
          "room. Committees have between seven and eleven members; under their own rules at least half are women "
          "and at least one seat is kept for a tenant. In 2024, 131 people served on the committees, 74 of them "
          "women."),
    ("p", "The committee meets every week. When a family comes to one of our paralegals with a problem, the "
          "paralegal brings it to the committee's next meeting, and the committee decides whether we take the case "
          "on, whether it should go first to the ward development committee or a local leader, or whether it is not "
          "one for us at all. In 2024 the committees sent us 1,036 new cases and turned down 287 requests. The "
          "committee can also stop a case we have started. In May the Chawama committee asked us to drop a court "
          "case we had opened for a man who, his neighbours showed, had sold the same plot to two families. We "
          "withdrew it the following week."),
    ("h2", "Who sets our plans"),
    ("p", "Every November each committee sends two members to a two-day meeting in Lusaka that residents call the "
          "Big Meeting. Committee members and our staff go through the year together and agree the plan for the "
          "next one. On the questions that matter most to residents, such as which settlements get a lawyer's day "
          "each week, the committees vote and our staff do not. In November 2024 the committees moved one of "
          "Kalingalinga's two lawyer days to Misisi, where the demolitions are not over. In July they had already "
          "chosen to stop our radio programmes rather than cut community trainings, and we did as they decided."),
    ("p", "Money is part of this. Before we sign any funding agreement that pays for work in a settlement, the "
          "committee chairs receive a two-page summary, in Nyanja or Bemba, of what the money is for and what it "
          "asks of us. In August the chairs advised us to turn down ZMW 1.2 million from a fund linked to a property "
          "developer, which wanted us to 'counsel' families in Misisi to accept relocation. We turned it down, in "
          "the same year that we lost our largest donor."),
    ("h2", "Hearing those who speak least"),
    ("p", "Committee meetings are not a place where everyone speaks freely. Tenants hesitate to speak in front of "
          "landlords, and young women in front of elders. Since 2023 the tenants of every settlement have met on "
          "their own once a month, without landlords present, with a paralegal who rents her own room. Widows in "
          "Kanyama and George, who are the people most often pushed off their plots by their late husbands' "
          "relatives, have their own group, and our model tenancy agreement was rewritten twice after its members "
          "had read it. Anyone who cannot read has every letter we send read aloud to them by a paralegal, and our "
          "clinics are held in ground-floor rooms so that people who cannot climb stairs can come."),
    ("h2", "How residents mark our work"),
    ("p", "Every six months each committee scores us in its own notebook, from one to five, on three questions it "
          "chose itself: Did Mwezi come when we called? Did Mwezi keep us informed? Did Mwezi do what it promised? "
          "The scores and the reasons are read out at the Big Meeting, in front of our staff and the other "
          "committees. In June, Kanyama, George and Misisi gave us two out of five for keeping them informed, which "
          "is the main reason why every client now receives SMS updates on their case. Twice in 2024 a committee "
          "asked for its lawyer to be replaced, and both times we replaced the lawyer."),
    ("h2", "What is hard"),
    ("p", "Committee members are volunteers who also have to earn a living, and many were worn out by a year of "
          "demolitions. In George, three committee members were threatened by land dealers after the committee "
          "stopped the sale of a plot that belonged to a widow, and one of them resigned. We pay each chair ZMW 150 "
          "a month for airtime and cover transport to the Big Meeting, but the committees have asked for more: "
          "something for members who lose a day's earnings, and a lawyer they can call when they themselves are "
          "threatened. We cannot pay for this from our current funds, and we are looking for a donor who will."),
]

TOLD_US = [
    ("p", "Residents tell us what they think at committee meetings, at the tenants' and widows' meetings, through "
          "our paralegals and at the Big Meeting. We write down what we hear, and each November we go back to the "
          "Big Meeting with what we did about it. These were the points raised most often in 2024."),
    ("table", ["What we heard", "Where", "What we did"],
     [["'Clinics on weekdays cost us a day's pay.'", "All settlements",
       "Saturday clinics in six settlements since March; evening clinics in Kitwe."],
      ["'We cannot read letters in English.'", "Kanyama, Chipulukusu",
       "All letters to clients and all summaries of court papers also in Nyanja or Bemba."],
      ["'We hear nothing about our case for months.'", "Kanyama, George, Misisi",
       "SMS update whenever something happens, and at least every 14 days, since July."],
      ["'Do not put our names in letters to landlords.'", "Tenants' meetings",
       "No letter names a tenant without signed consent, since April."],
      ["'Volunteers are asking for transport money.'", "Kitwe, Misisi",
       "Allowances paid on time by mobile money; 'Our help is free' on every badge and poster."],
      ["'Tell us before you close an office, not after.'", "Ndola committees, Big Meeting",
       "The Director's promise at the Big Meeting; Saturday clinic in Chipulukusu; files kept in Ndola."],
      ["'Pay the rent arrears of families being evicted.'", "Kanyama",
       "We said no (see below) and referred 64 families to the social welfare office."]],
     [58, 38, 74]),
    ("p", "Not everything residents asked for was possible. When the Kanyama committee asked us to pay the rent "
          "arrears of families facing eviction, we said no: we do not have the money, and a Trust that pays rent on "
          "behalf of tenants could not then stand in court as their independent adviser. We explained this at the "
          "committee's next meeting rather than in a letter, and we found that several members agreed once they "
          "had heard the reason. Sixty-four families were referred to the social welfare office, and 23 of them "
          "received help with rent."),
    ("p", "Some points are still open. The widows' group in George has asked for a woman lawyer in every clinic, "
          "which we cannot yet offer with three women among our nine lawyers; and tenants in Kitwe want rental "
          "clinics in the evening every week, not every month. Both are on the agenda of the next Big Meeting."),
]

HISTORY = [
    ("p", "Mwezi began in a church hall in Kanyama in 2004, a few months after the demolitions of 2003 had left "
          "hundreds of families without homes. A group of women who had lost their houses met every week after "
          "work, by the light of the moon because the hall had no electricity, with two young lawyers who had "
          "offered to help. Their first case, on behalf of 46 families, was settled when the landowner agreed to "
          "sell them the plots at a fair price."),
    ("table", ["Year", "Milestone"],
     [["2004", "Founded in Kanyama by residents and two volunteer lawyers; registered as a trust."],
      ["2006", "First paid staff: one lawyer and one coordinator."],
      ["2008", "First High Court injunction against a demolition without notice, in Misisi."],
      ["2011", "Office opened in Kitwe."],
      ["2014", "First 20 volunteer community paralegals trained."],
      ["2016", "Office opened in Ndola."],
      ["2019", "Housing committees in every settlement given written terms of reference."],
      ["2021", "Research on renting in six settlements; 'Secure Homes 2022-2026' adopted."],
      ["2023", "Fair Renting programme launched; Eviction Response Protocol adopted."],
      ["2024", "Twentieth anniversary; Ndola office closed, Saturday clinic opened in Chipulukusu."]],
     [20, 150]),
    ("p", "Over twenty years, more than 9,000 families have come to Mwezi for help. Some of the children of the "
          "founding members now sit on the housing committees, and two of our current lawyers grew up in the "
          "settlements where they now work."),
    ("p", "The twentieth anniversary was marked in October with a day of music and speeches in Kanyama, where the "
          "founders planted a mango tree next to the old church hall. Former clients, committee members from all "
          "three cities, the two founding lawyers and several magistrates who had heard our first cases came "
          "together to remember the people we have lost along the way."),
]

FINANCES = [
    ("p", "Our total income in 2024 was ZMW 16.4 million, 16% less than in 2023, because the grant from Stichting "
          "Dakvast ended in June. Expenditure was ZMW 16.3 million, including ZMW 1.1 million in one-off costs for "
          "the closure of the Ndola office and the end of nine posts."),
    ("table", ["Income (ZMW million)", "2023", "2024"],
     [["Stichting Dakvast", "7.1", "3.6"],
      ["Nordic Tenure Fund", "4.8", "5.2"],
      ["Open Cities Foundation", "2.9", "3.1"],
      ["Other foundations and embassies", "3.8", "2.9"],
      ["Pro bono legal services (in kind)", "0.6", "0.9"],
      ["Individual donors and local fundraising", "0.4", "0.6"],
      ["Other income", "-", "0.1"],
      ["Total income", "19.6", "16.4"]],
     [90, 40, 40]),
    ("table", ["Expenditure (ZMW million)", "2023", "2024"],
     [["Eviction response", "5.9", "5.6"],
      ["Secure tenure", "3.7", "3.5"],
      ["Fair renting", "2.2", "2.8"],
      ["Support costs (finance, administration, management)", "3.4", "2.9"],
      ["Closure of the Ndola office and end of posts", "-", "1.1"],
      ["Fundraising", "0.4", "0.4"],
      ["Total expenditure", "15.6", "16.3"]],
     [90, 40, 40]),
    ("p", "Our unrestricted reserves at the end of 2024 were ZMW 2.2 million, enough for about two months of core "
          "costs; the Board's policy is to hold between three and six months. Our accounts for 2024 were audited by "
          "an independent Lusaka audit firm, which gave an unqualified opinion, and are available on request from "
          "our office and on our website."),
    ("p", "At an average rate of ZMW 26.1 to the US dollar in 2024, our expenditure was equivalent to about "
          "USD 625,000."),
]

GOVERNANCE = [
    ("p", "Mwezi Housing Rights Trust is governed by a Board of seven trustees, who serve for terms of three years, "
          "renewable once. The Board met five times in 2024, including two extraordinary meetings on the loss of "
          "funding and the closure of the Ndola office. Four trustees are women. The trustees include two lawyers, "
          "an accountant, an urban planner, a retired magistrate and two former residents' leaders, one from "
          "Lusaka and one from Kitwe. Trustees receive no payment."),
    ("p", "The Board has two committees: Finance and Audit, and Programmes. The Executive Director is appointed by "
          "the Board and leads a management team of four: the Head of Legal Services, the Head of Programmes, the "
          "Finance Manager and the Kitwe Office Coordinator."),
    ("h2", "Risks"),
    ("p", "The Board reviews our risk register twice a year. The main risks identified in 2024 were our dependence "
          "on a small number of donors, threats to staff and volunteers from land dealers and political cadres in "
          "some settlements, and the risk that our independence is questioned if we accept funding from bodies "
          "that are party to land disputes. Our policy on the acceptance of funding was revised in 2024 to require "
          "the Board's approval of any grant from a company or government body."),
    ("h2", "Memberships"),
    ("p", "We are a member of a national network of civil society organisations working on land rights, of the "
          "Lusaka Urban Poor Network, and of Accountable Now. This is our second accountability report to "
          "Accountable Now."),
]

AHEAD = [
    ("p", "2025 will be a year of rebuilding. We will present the mid-term review of 'Secure Homes 2022-2026' to the "
          "Big Meeting in November, and ask the committees whether its three objectives are still the right ones."),
    ("bullets", [
        "Funding: raise at least ZMW 3 million in new funding by the end of 2025, without accepting any grant that "
        "the committee chairs have advised us against.",
        "Cases: introduce a new case management system from April, so that clients can follow their case by SMS and "
        "committees can see how the cases they sent us are progressing.",
        "Staff: hold our first anonymous staff questionnaire in the second quarter, and share its results with all "
        "staff.",
        "Complaints: from March, call back a sample of people whose complaints were closed and ask whether they felt "
        "fairly treated; train the Ndola Residents' Forum's volunteers in handling complaints.",
        "Kitwe: find the funds for a second lawyer and a vehicle, so that no eviction alert in Kitwe goes without a "
        "visit within 48 hours.",
        "Committees: look for a donor willing to cover committee members' lost earnings and legal protection."]),
    ("p", "We thank the housing committees, our volunteer paralegals, our staff, our trustees and our donors for "
          "standing with the people of the settlements in a very hard year. Comments on this report are welcome by "
          "WhatsApp on our complaints number or by e-mail to accountability@mwezihousing.example.org."),
]

WORDS = [
    ("bullets", [
        "Big Meeting: the annual two-day meeting of two members of every housing committee with the Trust's staff, "
        "held each November in Lusaka.",
        "Cadres: party activists who in some settlements allocate or sell land without any legal right to do so.",
        "Compound: the everyday word in Zambia for an informal settlement.",
        "Housing committee: a committee of 7 to 11 residents elected every two years in each settlement where the "
        "Trust works.",
        "Improvement area: a settlement declared under the law as one that will be upgraded rather than removed, in "
        "which residents can apply for occupancy licences.",
        "Occupancy licence: a document issued by the council that gives a household the right to occupy its plot "
        "in an improvement area for thirty years.",
        "Volunteer community paralegal: a resident trained by the Trust to give first advice and to accompany "
        "clients, who receives a monthly transport allowance.",
        "ZMW: Zambian kwacha."]),
    ("p", "All figures in this report cover the calendar year 2024 unless stated otherwise."),
    ("p", "Mwezi Housing Rights Trust is a fictional organisation created for testing purposes. All people, "
          "partners, donors and figures in this report are invented."),
]

CHAPTERS = [
    ("A message from our Director", MESSAGE),
    ("Who we are", WHO),
    ("2024 in numbers", NUMBERS),
    ("Stopping evictions, securing homes", STORIES),
    ("Adapting to a hard year", ADAPTING),
    ("When residents are unhappy with us", COMPLAINTS),
    ("Our people", PEOPLE),
    ("Who decides in the settlements", WHO_DECIDES),
    ("What residents told us", TOLD_US),
    ("Twenty years in the compounds", HISTORY),
    ("Our finances", FINANCES),
    ("How we are governed", GOVERNANCE),
    ("Looking ahead to 2025", AHEAD),
    ("Words we use", WORDS),
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
        self.cell(120, 6, "mwezihousing.example.org | Kanyama, Lusaka, Zambia", align="L")
        self.cell(60, 6, f"{self.page_no()} / {{nb}}", align="R")
        self.set_text_color(0, 0, 0)


def build(toc_pages):
    pdf = Report(format="A4")
    pdf.set_creation_date(datetime.datetime(2025, 5, 20, 9, 30, 0, tzinfo=datetime.timezone.utc))
    pdf.set_title(f"{ORG} - {TITLE}")
    pdf.set_author(ORG)
    pdf.add_font("dv", "", os.path.join(FONT_DIR, "DejaVuSans.ttf"))
    pdf.add_font("dv", "B", os.path.join(FONT_DIR, "DejaVuSans-Bold.ttf"))
    pdf.add_font("dv", "I", os.path.join(FONT_DIR, "DejaVuSans-Oblique.ttf"))
    pdf.set_margins(20, 22, 20)
    pdf.set_auto_page_break(True, margin=22)

    # Cover
    pdf.add_page()
    pdf.set_fill_color(*COLOUR)
    pdf.rect(0, 60, 210, 105, style="F")
    pdf.set_text_color(255, 255, 255)
    pdf.set_xy(20, 78)
    pdf.set_font("dv", "B", 30)
    pdf.multi_cell(170, 14, ORG)
    pdf.set_x(20)
    pdf.set_font("dv", "", 20)
    pdf.multi_cell(170, 11, TITLE)
    pdf.set_x(20)
    pdf.set_font("dv", "I", 12)
    pdf.multi_cell(170, 7, PERIOD + "\nSubmitted to Accountable Now")
    pdf.set_text_color(0, 0, 0)
    pdf.set_xy(20, 205)
    pdf.set_font("dv", "", 11)
    pdf.multi_cell(170, 6, "Lusaka | Kitwe | Ndola")
    pdf.set_xy(20, 255)
    pdf.set_font("dv", "", 9)
    pdf.set_text_color(90, 90, 90)
    pdf.multi_cell(170, 5, ADDRESS + "\nwww.mwezihousing.example.org")
    pdf.set_text_color(0, 0, 0)

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
        pdf.set_text_color(*COLOUR)
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
        pdf.set_fill_color(222, 236, 240)
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
                       headings_style=FontFace(emphasis="BOLD", fill_color=(214, 230, 235))) as table:
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
