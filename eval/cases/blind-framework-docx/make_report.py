"""Generate the blind framework-order DOCX evaluation case (fictional organisation).

Run: /work/main/.venv/bin/python eval/cases/blind-framework-docx/make_report.py
Writes report.docx next to this script. The report follows the framework's order (an opening statement, then one
Heading 1 section per question 1-5, numbered, with the organisation's own phrasing), followed by a short closing
section. Every Heading 1 section starts after an explicit page break; physical pages are therefore: 1 title and
opening statement, 2 question 1, 3 question 2, 4 question 3, 5 question 4, 6 question 5, 7 closing section (this
assumes each section fits on one page; no renderer was available to confirm it). The zip container is rewritten with
fixed timestamps so the output is byte-for-byte reproducible (eval/cases/docx_case.py).
"""

import datetime
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from docx_case import write_docx  # noqa: E402  (eval/cases/docx_case.py, beside the case folders)

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "report.docx")
ORG = "Colectivo Andino de Vida Independiente (CAVI)"

SECTIONS = [
    ("Message from our President", [
        ("p", "2024 was a year of change for CAVI and for disabled people in Peru. In March our founder, Rosa Huaman "
              "Quispe, retired after fifteen years as Executive Director, and the Board appointed Julio Ccahuana, who "
              "had led our Cusco office since 2017. In May the Regional Government of Lima ended its co-funding of our "
              "personal assistance service, and from August we could continue the service for only 38 of the 61 "
              "people who used it. Rising food and transport prices hit our members hard: most of them live on "
              "irregular incomes, and many depend on a disability pension that has not risen in years."),
        ("p", "We responded by launching an emergency appeal among our members and supporters, which raised PEN "
              "96,000 and allowed us to keep the personal assistance service going for 38 people, and by helping the "
              "others to apply for support from their district municipalities."),
        ("p", "As President, I am fully committed to transparency and accountability to our members, our partners "
              "and the people we serve. Accountability is part of who we are as an organisation run by disabled "
              "people: nothing about us without us."),
        ("p", "Our priorities for 2025 are to secure stable funding for personal assistance, to complete the "
              "leadership transition, and to hold our first Members' Congress outside Lima, in Cusco, in October."),
        ("p", "Maria Elena Sulca Paredes, President of the Board (elected by the Members' Assembly)"),
    ]),
    ("1. Our achievements and impact in 2024", [
        ("p", "Our strategy 'Nothing About Us Without Us 2023-2027' has three goals: living independently, learning "
              "together, and claiming our rights. In 2024 our impact grew in all three."),
        ("h2", "Our impact in figures"),
        ("table", ["Indicator", "2023", "2024"], [
            ["People trained in their rights", "870", "1,260"],
            ["Rights workshops held", "61", "94"],
            ["Teachers trained", "288", "412"],
            ["State schools reached", "24", "38"],
            ["Rights guides distributed", "3,100", "5,800"],
            ["Municipal officials sensitised", "40", "73"],
            ["Disability certificate applications", "310", "486"],
            ["Hours of personal assistance", "19,400", "22,100"],
            ["Personal assistance users (year end)", "61", "38"],
        ]),
        ("h2", "Living independently"),
        ("p", "Our personal assistants provided 22,100 hours of support in Lima and Cusco, more than ever before. "
              "Every hour of assistance is an hour in which a disabled person lives on their own terms. This is the "
              "impact of personal assistance."),
        ("h2", "Learning together"),
        ("p", "We trained 412 teachers in 38 state schools in inclusive education. This means that more than 9,000 "
              "pupils now learn in schools with trained teachers. The training was designed and delivered with the "
              "Asociacion de Sordos del Cusco, whose deaf trainers led 22 of the 38 school sessions and taught the "
              "basics of Peruvian Sign Language, and with the parents' association of each school, which organised "
              "the sessions and brought parents of disabled children to them."),
        ("h2", "Claiming our rights"),
        ("p", "We helped 486 people to apply for their disability certificate, which opens the door to services and "
              "to the disability pension, and sensitised 73 officials in six district municipalities. In October the "
              "municipal council of Villa El Salvador approved an ordinance requiring all new bus stops to be "
              "accessible, following our advocacy."),
        ("h2", "What participants say"),
        ("p", "94% of workshop participants who completed our satisfaction form were satisfied or very satisfied, "
              "and 87% of the teachers trained said that they felt more confident teaching disabled pupils. These "
              "results show that our work is valued by the people we serve."),
        ("h2", "Resources and next steps"),
        ("p", "We invested PEN 2.35 million in our programmes in 2024: PEN 1.12 million in personal assistance, PEN "
              "0.61 million in inclusive education and PEN 0.62 million in rights and advocacy. The demand for our "
              "work keeps growing, and we have learned that we need to reach even more people in 2025. An external "
              "evaluation of the personal assistance service is planned for 2025."),
    ]),
    ("2. Changes in 2024 and our accountability", [
        ("p", "2024 brought significant changes for CAVI, both internal and external."),
        ("h2", "A new Executive Director"),
        ("p", "Our founder Rosa Huaman Quispe retired in March after fifteen years as Executive Director. Julio "
              "Ccahuana, previously coordinator of our Cusco office, took over in April. Two of our five managers "
              "were also new in 2024."),
        ("h2", "The end of regional co-funding"),
        ("p", "In May the Regional Government of Lima informed us that it would not renew its agreement to co-fund "
              "our personal assistance service, worth PEN 410,000 a year. With the emergency appeal we were able to "
              "continue the service for 38 people; for the other 23, the service ended on 31 July. This was one of "
              "the most difficult decisions in our history."),
        ("h2", "A new office"),
        ("p", "In September our Lima team moved from a rented second-floor office to a fully accessible ground-floor "
              "building in San Juan de Lurigancho, lent to us for ten years by a religious congregation."),
        ("h2", "Strengthening our accountability"),
        ("p", "In response to these changes, we reviewed and updated our Accountability Policy, our Code of Ethics "
              "and our Data Protection Policy, which were approved by the Board in November. We also created an "
              "Accountability Committee of the Board, which met for the first time in December. The updated "
              "policies reaffirm our commitment to transparency, participation and continuous learning, and will be "
              "shared with our members and partners in 2025."),
        ("p", "We have not yet defined indicators to measure our progress against the new Accountability Policy; "
              "this will be one of the first tasks of the Accountability Committee."),
        ("p", "The transition has been demanding for our team, and the loss of regional funding has stretched our "
              "resources. We are confident that the changes of 2024 have laid strong foundations for the future."),
    ]),
    ("3. Complaints, grievances and learning", [
        ("p", "CAVI is committed to a culture of accountability in which all complaints and grievances are welcomed "
              "as opportunities for learning and improvement."),
        ("h2", "Our complaints and grievance mechanism"),
        ("p", "We maintain an accessible, confidential and safe complaints and grievance mechanism, available to "
              "members, programme participants, partners, staff and the public through multiple channels and in "
              "accessible formats. All complaints and grievances are received, registered and resolved in a timely, "
              "fair and transparent manner, in line with our policies and procedures."),
        ("h2", "Learning from complaints"),
        ("p", "Complaints and grievances received during the year were analysed, and the lessons learned have been "
              "integrated into our practice, contributing to the continuous improvement of our programmes and "
              "services. We strive to ensure that complainants are satisfied with the way their complaints are "
              "handled, and we continuously seek to improve our performance in this area."),
        ("h2", "Safeguarding"),
        ("p", "Safeguarding is embedded across our organisation. We have zero tolerance for abuse, exploitation and "
              "harassment, and all staff receive safeguarding training. Particular attention is paid to the "
              "protection of disabled children and adults at risk, in line with a rights-based approach."),
        ("h2", "A safe environment to speak up"),
        ("p", "We promote a safe and open environment in which staff, members and others can raise concerns without "
              "fear of retaliation. Concerns about fraud, corruption and other integrity issues are dealt with "
              "promptly and confidentially, in accordance with our whistleblowing procedures."),
        ("h2", "Supporting our partners"),
        ("p", "We support our partner organisations and our local member groups to strengthen their own complaints "
              "and safeguarding mechanisms, in line with good practice and with our shared values."),
    ]),
    ("4. How we work together", [
        ("p", "Thirty-four people work at CAVI. This is how we find out what is going wrong among us, and what we do "
              "about it."),
        ("h2", "Asking each other"),
        ("p", "Every three months, everyone answers three questions on one sheet: What is making your work harder? "
              "What should we stop? What should we start? Answers can be written, in large print or Braille, or sent "
              "as a voice note or sign language video to a colleague from another team, who passes them on without "
              "the name; between 29 and 32 of the 34 answered each round. In October, a longer set of twenty "
              "questions without names was collected by a retired teacher from outside CAVI, and 29 people "
              "answered. 62% said they can tell their manager what they think without fear. Only 41% said they hear "
              "about decisions at the same time as everyone else: many meetings had no sign language interpreter."),
        ("h2", "What we changed"),
        ("p", "Since July every meeting has an interpreter booked, and decisions are written up in easy read the "
              "same day (PEN 38,000 a year). The Cusco team no longer works weekends except on campaign days, which "
              "are given back. The new Executive Director meets each team once a month without its manager. CAVI now "
              "pays the personal assistant hours of the three colleagues who need an assistant at work, which they "
              "used to pay themselves. In July two coordinators had to tell 23 people that their personal assistance "
              "would end; both were given two paid days off and four sessions with a psychologist. Anyone can take "
              "one quiet day a quarter without explaining why."),
        ("h2", "Who works here"),
        ("p", "19 of the 34 are disabled people, among them five deaf, three blind and two with an intellectual "
              "disability; nine speak Quechua as their first language, and 21 are women. Three of our six managers "
              "are disabled and four are women. The pay scale is on the noticeboard: the highest salary is four "
              "times the lowest. Nobody with an intellectual disability is yet a manager, and we want that to change."),
        ("h2", "What we want to reach, and telling everyone"),
        ("p", "By December 2025: 75% saying they can speak without fear (62% now), 80% hearing about decisions at the "
              "same time as others (41% now), and nobody working more than 45 hours a week for more than two weeks in "
              "a row (seven people did in 2024, according to the timesheets). Within a month of each round, the "
              "Executive Director records a ten-minute message, captioned and in sign language, saying what was "
              "raised, what we will do, what we will not do, and why. In October we said no to a four-day week, "
              "because our funders pay for five days of service, and explained this in person in both offices. The "
              "answers and our reply stay on the noticeboard in large print and Braille."),
    ]),
    ("5. Answering to our members, families and partners", [
        ("h2", "Members set our direction"),
        ("p", "CAVI is a membership organisation of 1,940 disabled people organised in 11 local groups in Lima and "
              "Cusco. The Members' Assembly elects the Board, six of whose seven members are disabled. Each January "
              "every local group sends its priorities to our planning meeting: in 2024 the Lima groups asked for "
              "accessible public transport to become a campaign, which led to our work with the municipality of "
              "Villa El Salvador."),
        ("h2", "Consultation and shared decisions"),
        ("p", "How much say people have differs between our programmes. In the personal assistance service, users "
              "choose and train their own assistants and agree their weekly schedule with them; our coordinators "
              "only check the hours. In the school programme, by contrast, parents of disabled children were "
              "consulted through a questionnaire at the start of the year, but the programme was designed by our "
              "staff and the schools. We have not yet found a way for families to take part in those decisions."),
        ("h2", "What we heard and what we did"),
        ("p", "Members and participants reach us through their local groups, at the Members' Assembly, and through "
              "our WhatsApp line, which accepts voice and sign language video messages; the line received 212 "
              "messages in 2024. Deaf members told us that our 'Know Your Rights' guide was of little use to them, "
              "because many deaf people read written Spanish with difficulty, so we produced it as 14 sign language "
              "videos. Quechua-speaking members in rural Cusco asked for an audio version in Quechua, which was "
              "recorded in September. Members with intellectual disabilities asked for Assembly papers in easy read, "
              "sent a week in advance; this was done for the November Assembly."),
        ("h2", "Reaching everyone"),
        ("p", "Women with disabilities in Cusco have formed their own group within CAVI, which meets separately and "
              "has a seat on our planning meeting. We have not yet reached people with psychosocial disabilities: "
              "none of our local groups includes them, and we plan to approach the family associations in Lima in "
              "2025."),
        ("h2", "Checking our work"),
        ("p", "Our annual report is presented at the Members' Assembly, where members can question the Board and "
              "management. Members do not yet have a role in evaluating our programmes; the external evaluation of "
              "personal assistance planned for 2025 will include interviews with users."),
        ("h2", "What makes this hard"),
        ("p", "Taking part costs members money and effort: transport, an assistant or an interpreter. Three of our "
              "11 local groups, all in rural Cusco, could not send delegates to the 2024 Assembly. We would like "
              "donors to fund members' travel and support, which today we pay from our own small reserves."),
    ]),
    ("Thank you", [
        ("p", "We thank our members, our team, the schools and municipalities we work with, the Asociacion de Sordos "
              "del Cusco and our donors for their trust in 2024. Comments on this report are welcome through our "
              "WhatsApp line or by e-mail to rendicion@cavi.example.org."),
        ("p", "Colectivo Andino de Vida Independiente is a fictional organisation created for testing purposes. All "
              "people, partners and figures in this report are invented."),
    ]),
]


def build():
    write_docx(OUT, ORG, "Accountability Report 2024",
               "Accountability Report 2024 - 1 January to 31 December 2024 - submitted to Accountable Now", SECTIONS,
               datetime.datetime(2025, 5, 28, 10, 0, 0))


if __name__ == "__main__":
    build()
