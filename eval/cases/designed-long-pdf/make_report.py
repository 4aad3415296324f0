"""Generate the designed long PDF evaluation case (fictional organisation).

Run from anywhere:  /work/main/.venv/bin/python eval/cases/designed-long-pdf/make_report.py
Writes report.pdf next to this script and prints the physical page range of every chapter.
The output is deterministic (fixed creation date, no randomness).
"""

import datetime
import os
import sys

from fpdf import FPDF
from fpdf.fonts import FontFace

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "report.pdf")
ORG = "Lanternfield Education Alliance"
TITLE = "Accountability Report 2024"
FONT_DIR = "/usr/share/fonts/truetype/dejavu"

# ---------------------------------------------------------------------------
# Content. Each chapter: (title, in_toc, blocks). Block kinds:
#   ("h2", text) ("p", text) ("bullets", [..]) ("photo", caption, height_mm)
#   ("box", text) ("quote", text, who) ("table", headers, rows, widths) ("twocol", [paras_left], [paras_right])
#   ("newpage",)
# ---------------------------------------------------------------------------

OPENING = [
    ("p", "Dear readers,"),
    ("p", "2024 tested every part of Lanternfield. In Sierra Leone and Malawi, fuel and food prices pushed families to take "
          "children out of school to work; in Guatemala, a new government opened the door to a national curriculum reform "
          "we have campaigned for since 2019; and in Nepal, floods in September damaged 61 of the schools we support. At "
          "the same time, we completed our merger with Bright Slate Learning, a Nairobi-based organisation whose community "
          "reading clubs now form part of our programme in Kenya and Uganda."),
    ("p", "I became Chief Executive in 2021 with a promise to make Lanternfield answerable first to the children, parents "
          "and teachers we work with. I chair our Accountability Steering Group myself, and in 2024 I spent eleven weeks "
          "in our country programmes, including two 'open days' in each country where anyone could come and question the "
          "leadership team. Some of what I heard was uncomfortable, and you will read about it in this report."),
    ("p", "Our priorities for 2025 are to finish integrating Bright Slate's teams and systems, to roll out our new "
          "accountability dashboard to all eight countries, and to act on what our staff told us about workload. We will "
          "also review how we work with community partners, which this report shows is an area where we have fallen "
          "behind our own ambitions."),
    ("p", "Thank you to everyone who learned, taught and worked with us this year."),
    ("p", "Dr. Helena Okafor-Lindqvist, Chief Executive Officer"),
]

ABOUT = [
    ("p", "Lanternfield Education Alliance is an international non-governmental organisation working to ensure that every "
          "child can read, write and count by the age of ten. We were founded in 1998 in Edinburgh by a group of teachers "
          "and are today registered in Scotland, with our international secretariat in Nairobi since 2020."),
    ("p", "We work in eight countries: Sierra Leone, Malawi, Kenya, Uganda, Nepal, Bangladesh, Guatemala and Honduras. "
          "In each country we work with ministries of education, district education offices, teacher training colleges "
          "and local community organisations. We do not run our own schools; we support public schools to teach better."),
    ("photo", "Photo: A Grade 2 reading lesson at Kabala Primary School, Koinadugu district, Sierra Leone.", 70),
    ("table", ["Country", "Since", "Schools supported", "Children reached", "Staff"],
     [["Sierra Leone", "2004", "412", "96,300", "58"],
      ["Malawi", "2007", "386", "118,900", "61"],
      ["Kenya", "2012", "240", "71,400", "44"],
      ["Uganda", "2015", "198", "52,800", "37"],
      ["Nepal", "2009", "305", "64,100", "49"],
      ["Bangladesh", "2017", "210", "58,700", "32"],
      ["Guatemala", "2011", "264", "49,600", "41"],
      ["Honduras", "2019", "122", "21,900", "19"],
      ["Total", "", "2,137", "533,700", "341"]],
     [40, 22, 38, 40, 30]),
    ("p", "In addition to our 341 country staff, 46 people work in our international secretariat in Nairobi and our small "
          "supporter office in Edinburgh. In 2024 our total income was GBP 31.4 million."),
]

STRATEGY = [
    ("p", "Our strategy 'Learning Without Limits 2023-2027' sets out three strategic priorities:"),
    ("bullets", ["Priority A - Foundational learning: every child in the schools we support reads with comprehension and "
                 "masters basic numeracy by the end of Grade 3.",
                 "Priority B - Inclusive schools: girls, children with disabilities and children from linguistic "
                 "minorities learn as well as their peers.",
                 "Priority C - Lasting systems: governments adopt and fund the approaches that work, so that results "
                 "last after we leave."]),
    ("p", "The strategy was developed in 2022 after consultations with 1,900 parents, teachers and pupils, and with "
          "ministry officials in all eight countries. It is accompanied by a results framework with 14 indicators, which "
          "we report on publicly every year in our Results Report."),
    ("photo", "Illustration: the Learning Without Limits theory of change.", 80),
    ("p", "2024 was the second year of the strategy. A mid-term review is planned for 2025."),
]

Q1 = [
    ("p", "This section describes our most significant achievements in 2024 against the three priorities of our strategy, "
          "the evidence behind them, how we checked them with the people concerned, and what they cost."),
    ("h2", "Priority A: Foundational learning"),
    ("p", "Our flagship programme, Read Early, reached 311,000 children in Grades 1 to 3 in 2024. We measure reading with "
          "the Early Grade Reading Assessment (EGRA), administered by trained assessors from the national examinations "
          "councils in a random sample of schools. In Malawi, the share of Grade 3 pupils reading with comprehension in "
          "Read Early schools rose from 23% in the 2022 baseline to 41% in 2024, against 26% in comparison schools. In "
          "Sierra Leone the figures were 18% to 33% (comparison 20%). In Nepal and Bangladesh, where we started later, "
          "gains were smaller: 29% to 35% and 31% to 36% respectively."),
    ("p", "An independent evaluation by the Centre for Education Research at the University of Cape Coast, published in "
          "June 2024, confirmed that the Malawi and Sierra Leone results are attributable to the programme, and found "
          "that the most important ingredient was weekly coaching visits to teachers rather than the reading materials."),
    ("box", "Key figures 2024: 311,000 children in Read Early | 9,840 teachers coached | 41% of Grade 3 pupils reading "
            "with comprehension in Malawi (baseline 23%) | cost per child GBP 14.20 per year"),
    ("h2", "Priority B: Inclusive schools"),
    ("p", "Girls now perform as well as boys in reading in all eight countries, but children with disabilities do not: "
          "in our 2024 assessments, children with a functional difficulty scored on average 11 points lower than their "
          "classmates. In 2024 we screened 48,200 children using the Washington Group/UNICEF module and provided "
          "reading glasses, hearing checks or classroom adaptations to 3,960 of them. In Guatemala and Honduras our "
          "bilingual materials in K'iche', Q'eqchi' and Garifuna reached 38,000 children."),
    ("photo", "Photo: Teachers in Totonicapan, Guatemala, reviewing bilingual reading books in K'iche'.", 65),
    ("h2", "Priority C: Lasting systems"),
    ("p", "Our most important achievement this year is one we share with many others. In August 2024, the Government of "
          "Malawi adopted the structured pedagogy approach of Read Early as national policy for all 6,000 public primary "
          "schools, and allocated MWK 4.1 billion in its 2024/25 budget for teacher coaching. This follows six years of "
          "joint work with the Malawi Ministry of Education, the Teachers Union of Malawi and the Civil Society Education "
          "Coalition. In Guatemala, the new Ministry of Education included mother-tongue reading in its curriculum reform."),
    ("h2", "How we validated these results"),
    ("p", "The EGRA results are collected by national examination councils, not by our staff, and the evaluation was "
          "independent. In Malawi and Sierra Leone, we presented the results to district education offices and to school "
          "management committees in 40 schools, who discussed them and added their own explanations: several committees "
          "pointed out that results were better where the head teacher stayed in post for the whole period. We did not "
          "hold similar validation meetings in our other six countries in 2024, and pupils and parents have so far only "
          "been informed of results, not asked to interpret them."),
    ("h2", "Cost of our impact"),
    ("p", "Read Early cost GBP 4.42 million in 2024, or GBP 14.20 per child per year, including teacher coaching (52%), "
          "materials (27%), assessments (9%) and management (12%). The Cape Coast evaluation estimated that the cost per "
          "additional child reading with comprehension in Malawi was GBP 78, which compares favourably with similar "
          "programmes. We publish these figures so that governments can plan to finance the approach themselves."),
    ("h2", "Lessons learned"),
    ("p", "First, coaching is what makes the difference, and it is also what governments find hardest to fund; our "
          "advocacy must focus on coaching budgets. Second, results fall when head teachers move, which we had not "
          "anticipated. Third, we still know little about whether gains last: we will follow a cohort of 2,400 Malawian "
          "pupils through to Grade 6 to find out."),
]

STORY_SL = [
    ("p", "Mariatu Kamara has taught Grade 2 at Kabala Primary School for fourteen years. Until 2022 she taught reading the "
          "way she had been taught: the teacher reads, the class repeats. 'The children could recite the whole book,' she "
          "says, 'but if you pointed at one word, they did not know it.'"),
    ("photo", "Photo: Mariatu Kamara with her Grade 2 class.", 75),
    ("p", "Her coach, Ibrahim, visits every Tuesday. He sits at the back of the class, and afterwards they talk for twenty "
          "minutes about one thing that went well and one thing to try. 'At first I was afraid he was inspecting me,' "
          "Mariatu laughs. 'Now I wait for Tuesday.' In the 2024 assessment, 22 of her 48 pupils read a short story and "
          "answered questions about it correctly. Two years earlier, it was 5."),
    ("p", "Kabala is one of 412 schools we support in Sierra Leone. The country programme works with the Ministry of Basic "
          "and Senior Secondary Education, the Teaching Service Commission and 14 district councils. In 2024 the programme "
          "trained 1,320 teachers and 96 coaches, and distributed 212,000 reading books printed in Freetown."),
    ("p", "The challenges are real. Twelve of the schools in Koinadugu district lost their head teachers to transfers in "
          "2024, and teacher salaries arrived late for four months. Our team is working with the district council to "
          "reduce mid-year transfers of head teachers in Read Early schools."),
]

STORY_NP = [
    ("p", "On 27 September 2024, three days of monsoon rain caused floods and landslides across central Nepal. Sixty-one "
          "of the 305 schools we support in Kavrepalanchok, Sindhupalchok and Lalitpur were damaged, and eleven were "
          "closed for more than a month."),
    ("photo", "Photo: A temporary learning centre in Panauti municipality, October 2024.", 75),
    ("p", "Within two weeks, our team and the municipal education units had set up 23 temporary learning centres in "
          "tents and community halls, using reading kits prepositioned after the 2015 earthquake. Teachers were given "
          "guidance on psychosocial first aid, and 4,100 children received replacement school supplies."),
    ("p", "The floods also showed gaps. Our emergency plan assumed that schools would be used as shelters, but in 2024 "
          "most families moved to relatives' homes instead, and children dropped out of contact. We are revising the plan "
          "with the municipalities and the Nepal Red Cross Society."),
    ("p", "Nepal is also where our mother-tongue reading approach began. Since 2009 we have developed reading materials in "
          "Tamang, Newar and Maithili with community writers. In 2024 the Curriculum Development Centre approved three of "
          "our Tamang titles for national use."),
]

Q2 = [
    ("p", "Two significant changes affected our accountability processes in 2024: our merger with Bright Slate Learning, "
          "and the new Child Protection (Education Settings) Regulations in Kenya, which introduced new obligations for "
          "organisations working in schools."),
    ("h2", "The merger with Bright Slate Learning"),
    ("p", "Bright Slate Learning, founded in Nairobi in 2011, ran community reading clubs for 27,000 children in Kenya and "
          "Uganda. The two boards agreed to merge in January 2024, and the legal merger was completed on 1 July. Bright "
          "Slate brought 64 staff, 410 volunteer club facilitators and a strong tradition of community ownership: its "
          "clubs were run by parents' committees who decided on their own activities."),
    ("p", "Merging two organisations with different accountability systems was not simple. Bright Slate had no formal "
          "complaints mechanism; complaints went to the club committees or directly to its director. Lanternfield's "
          "mechanism, on the other hand, was designed for schools and did not reach the clubs, which meet in churches, "
          "markets and homes."),
    ("h2", "What we changed"),
    ("p", "Before the merger we commissioned an independent accountability review by the Kenyan consultancy Tatu "
          "Associates. It interviewed 58 staff, 30 volunteers and 12 club committees, and made 14 recommendations. We "
          "accepted 12 and published the review and our response on our website in April 2024. The two we did not "
          "accept concerned the governance of the clubs, which the club committees themselves asked us not to change."),
    ("bullets", ["Our complaints mechanism was extended to all 212 reading clubs by October 2024: each club now has a "
                 "trained complaints focal point and the free SMS line is printed on every club register.",
                 "Bright Slate's practice of parents' committees deciding on club activities was kept, and is now being "
                 "piloted in 30 Lanternfield schools in Uganda as 'school reading committees'.",
                 "All 410 volunteer facilitators were vetted and trained in safeguarding before the merger date; 17 did "
                 "not complete vetting and no longer work with children.",
                 "Bright Slate's staff were included in the November staff survey and in staff representation."]),
    ("h2", "Stakeholder input"),
    ("p", "Club committees were involved throughout. Three committee representatives sat on the merger working group with "
          "voting rights on the integration plan, and it was at their request that club activities remain under local "
          "control. We also held listening sessions with 240 parents in Kisumu, Kakamega and Gulu; their main concern was "
          "that Lanternfield would turn the clubs into 'extra school'. The integration plan commits us not to do so."),
    ("photo", "Photo: Reading club committee meeting in Kakamega, Kenya.", 60),
    ("h2", "New child protection regulations in Kenya"),
    ("p", "The regulations, in force from March 2024, require any organisation working in schools to register a "
          "designated child protection officer with the county and to report all concerns within 24 hours. We updated "
          "our Kenya Safeguarding Procedure in February, registered officers in all 9 counties where we work, and trained "
          "all 44 Kenya staff. In practice, this meant that the two concerns raised in Kenyan schools in 2024 were "
          "reported to the county within 24 hours (see section 3)."),
    ("h2", "How we measure progress"),
    ("p", "In 2024 we introduced an Accountability Dashboard with six indicators, reviewed quarterly by the Accountability "
          "Steering Group and annually by the Board: (1) share of programme sites with a working feedback channel "
          "(target 100%; end 2024: 94%); (2) share of complaints closed within 30 days (target 85%; 2024: 79%); (3) "
          "share of complainants satisfied with handling (not yet measured - see section 3); (4) staff who feel safe to "
          "raise concerns (target 80%; 2024: 71%); (5) safeguarding training coverage (target 100%; 2024: 97%); and (6) "
          "number of programme decisions made with community representatives (baseline being set in 2025)."),
    ("h2", "Challenges and resources"),
    ("p", "The integration cost GBP 380,000, of which GBP 95,000 was spent on accountability and safeguarding (vetting, "
          "training, the SMS line and the review). The largest challenge was cultural: former Bright Slate staff felt "
          "that Lanternfield's procedures were slow and bureaucratic, and Lanternfield staff sometimes found the clubs' "
          "informality risky. We have not resolved this tension, and we will revisit it in the 2025 staff survey."),
]

GOVERNANCE = [
    ("p", "Lanternfield is governed by a Board of Trustees of eleven members, who serve for terms of three years, renewable "
          "once. Following the merger, two former Bright Slate trustees joined our Board in July 2024."),
    ("table", ["Trustee", "Role", "Based in", "Since"],
     [["Prof. Abena Mensah-Clarke", "Chair", "Accra", "2019"],
      ["Rohan Iyer", "Treasurer", "London", "2020"],
      ["Grace Wanjiru Mwangi", "Vice-Chair (ex Bright Slate)", "Nairobi", "2024"],
      ["Lucia Xoc Tzul", "Trustee", "Quetzaltenango", "2021"],
      ["Dr. Samuel Banda", "Trustee", "Lilongwe", "2018"],
      ["Anjali Shrestha", "Trustee", "Kathmandu", "2022"],
      ["Fatmata Sesay", "Trustee", "Freetown", "2023"],
      ["Okello James Opio", "Trustee (ex Bright Slate)", "Gulu", "2024"],
      ["Margaret Dunlop", "Trustee", "Edinburgh", "2017"],
      ["Tahmina Akter", "Trustee", "Dhaka", "2022"],
      ["Carlos Mejia Funes", "Trustee", "Tegucigalpa", "2023"]],
     [60, 55, 40, 20]),
    ("p", "The Board has three committees: Finance and Audit; Programmes and Safeguarding; and People and Remuneration. "
          "The Board met five times in 2024, with an average attendance of 91%. Eight of eleven trustees live in the "
          "countries where we work."),
    ("p", "The Board reviews its own effectiveness every two years. The 2024 review, facilitated by an external adviser, "
          "recommended more time on the Board agenda for programme quality and less on routine reporting."),
]

Q3 = [
    ("p", "We received 214 complaints and reports in 2024 through our four channels: the free SMS and phone line (118), "
          "complaints boxes in schools and clubs (52), in person to staff (31) and our confidential online reporting "
          "portal (13). This is an increase from 137 in 2023, which we attribute mainly to the extension of the mechanism "
          "to the reading clubs."),
    ("table", ["Category", "Received", "Closed", "Open at 31 Dec", "Substantiated"],
     [["Programme quality (materials, coaching visits)", "87", "84", "3", "n/a"],
      ["Teacher or school conduct (non-staff)", "41", "36", "5", "n/a"],
      ["Staff or volunteer conduct", "29", "25", "4", "11"],
      ["Safeguarding concerns", "19", "15", "4", "6"],
      ["Fraud and corruption", "12", "9", "3", "4"],
      ["Staff grievances (HR)", "18", "16", "2", "7"],
      ["Data protection", "8", "8", "0", "2"],
      ["Total", "214", "193", "21", ""]],
     [62, 22, 20, 30, 36]),
    ("p", "169 complaints (79%) were closed within 30 days. All 21 cases open at the end of the year were under "
          "investigation; the four open safeguarding cases are being handled with the relevant authorities."),
    ("h2", "What we learned"),
    ("p", "The largest group of complaints concerned programme quality, and most of these came from teachers who said "
          "their coach had not visited for several weeks. Analysis showed that missed visits were concentrated in "
          "districts where coaches had more than 30 schools each. We reduced the maximum coaching load to 24 schools and "
          "hired 38 additional coaches in Malawi and Sierra Leone."),
    ("p", "Of the 12 fraud reports, four were substantiated, three of them involving the resale of reading books by "
          "school staff. We introduced stamping of all books as 'Not for sale - property of the school' and now publish "
          "delivery lists on school notice boards so that parents can check what was delivered."),
    ("p", "Six safeguarding concerns were substantiated: four involved teachers in supported schools (not our staff) and "
          "were referred to the authorities; two involved volunteer club facilitators, who were removed. The cases "
          "involving facilitators were both in reading clubs inherited from Bright Slate before vetting was completed, "
          "which reinforced our decision to vet all volunteers before the merger date."),
    ("h2", "Safeguarding"),
    ("p", "97% of staff and all active volunteers completed safeguarding training in 2024. Every school and club we work "
          "with has received a child-friendly poster explaining, in local languages and pictures, what children can do "
          "if an adult makes them feel unsafe. Our Safeguarding Lead reports directly to the Programmes and Safeguarding "
          "Committee of the Board."),
    ("h2", "Speaking up"),
    ("p", "Our Speak Up Policy protects anyone who raises a concern in good faith. The confidential online portal is run "
          "by an external provider. We are aware that the number of reports through the portal remains low."),
    ("h2", "Supporting partners"),
    ("p", "We work with 42 local partners, mostly community organisations and teacher associations. In 2024 we gave each "
          "of them a small grant (GBP 1,500 to 3,000) to set up or improve their own complaints mechanism, and held "
          "regional workshops in Lilongwe, Kathmandu and Guatemala City attended by 71 partner staff. 35 partners now "
          "have a documented mechanism, up from 19 in 2023."),
    ("p", "We have not yet asked complainants whether they felt their complaint was handled fairly. This is the third "
          "indicator in our new dashboard (section 2) and we plan to start measuring it in the second half of 2025."),
]

STORY_GT = [
    ("p", "In the highlands of Totonicapan, most children grow up speaking K'iche'. Until recently they learned to read "
          "in Spanish, a language many of them barely understood when they started school."),
    ("photo", "Photo: Grade 1 pupils in San Francisco El Alto reading in K'iche'.", 80),
    ("p", "Since 2011, Lanternfield Guatemala has worked with the Academia de Lenguas Mayas and the Ministry of Education's "
          "Directorate of Bilingual Intercultural Education to produce reading books written by Maya authors. In 2024, 38 "
          "new titles were published, and 264 schools used them."),
    ("p", "Dona Ixchel Tzoc, a grandmother in the village of Chiyax, wrote one of the books. 'I told the story my mother "
          "told me, about the rabbit and the coyote,' she says. 'Now the children read it at school. My granddaughter "
          "read it to me.'"),
    ("p", "In October 2024 the new curriculum framework recognised mother-tongue literacy in the first three grades. Our "
          "team is now supporting the ministry to plan the training of 6,000 bilingual teachers."),
]

Q4 = [
    ("p", "Our people are central to our mission. In 2024, the merger and the growth of our country teams meant that "
          "listening to staff mattered more than ever."),
    ("h2", "Staff survey 2024"),
    ("p", "Our annual staff survey, run by an external provider in November 2024, was completed by 318 of 387 staff "
          "(82%), including former Bright Slate staff for the first time."),
    ("table", ["Survey statement", "2023", "2024", "Sector benchmark"],
     [["I am proud to work for Lanternfield", "88%", "86%", "81%"],
      ["I feel safe to raise concerns", "67%", "71%", "74%"],
      ["My workload is manageable", "52%", "44%", "58%"],
      ["I understand how decisions affecting me are made", "49%", "53%", "60%"],
      ["Lanternfield values diversity", "79%", "81%", "76%"],
      ["My manager supports my well-being", "70%", "72%", "69%"],
      ["I intend to be working here in two years", "71%", "63%", "66%"]],
     [85, 25, 25, 40]),
    ("p", "The results show that workload has become our most serious internal issue, and fewer staff intend to stay. "
          "Country teams discussed the results in December and each prepared a short action plan. We will share progress "
          "on these in 2025."),
    ("h2", "What we did in 2024"),
    ("p", "In response to the 2023 survey, which showed that staff did not understand how decisions were made, we began "
          "publishing a summary of every Senior Leadership Team meeting on our intranet. We also created a Staff Council "
          "of twelve elected members, one per country and four from the secretariat, which meets the CEO every quarter."),
    ("h2", "Diversity, equity and inclusion"),
    ("p", "Our Equity Plan 2023-2026 commits us to three goals: at least 60% of senior roles held by people from the "
          "countries where we work (2024: 54%, up from 41% in 2022); a single global salary framework without "
          "distinctions between 'national' and 'international' staff, which took effect in January 2024; and reasonable "
          "accommodations for all staff with disabilities, for which we have trained all managers. Women hold 58% of "
          "all posts and 50% of senior roles."),
    ("photo", "Photo: Staff Council meeting, Nairobi, September 2024.", 60),
    ("h2", "Well-being"),
    ("p", "All staff have access to a confidential employee assistance programme in eleven languages, and used it 212 "
          "times in 2024. We introduced a 'no meetings Friday' for the secretariat and a minimum of two weeks of "
          "consecutive leave per year for all staff. After the Nepal floods, affected staff received up to ten days of "
          "special leave and financial support."),
    ("p", "We know that these measures do not address the main cause of stress, which is workload. We have not yet set "
          "targets for reducing workload, and we will discuss with the Staff Council how to do so."),
]

FUNDRAISING = [
    ("p", "Our income in 2024 came from 14 institutional donors, 38 trusts and foundations, 9 companies and 21,400 "
          "individual supporters, mostly in the United Kingdom."),
    ("p", "We follow the Code of Fundraising Practice of the Fundraising Regulator, and we are registered with the "
          "Scottish Fundraising Adjudication Panel. In 2024 we received 23 complaints from supporters, mostly about the "
          "frequency of our mailings; all were resolved and we have reduced our appeals from six to four per year."),
    ("photo", "Photo: Supporters at the Edinburgh Readathon, March 2024.", 70),
    ("p", "We do not use images of children without the informed consent of their parents and, from the age of seven, "
          "of the children themselves. Our Ethical Content Guidelines were reviewed in 2024 by a panel of six parents "
          "from Malawi and Nepal."),
    ("p", "The 2024 Edinburgh Readathon raised GBP 212,000 from 1,800 participants. Our legacy income grew to "
          "GBP 1.1 million."),
]

Q5_A = [
    ("p", "Lanternfield is committed to being accountable to the children, parents, teachers, communities and partners "
          "we work with. We believe that the best results come when communities are at the heart of our work, and we "
          "strive to listen to their voices in everything we do."),
    ("h2", "Our approach"),
    ("p", "In all our countries we consult with communities, district education offices and partners before starting a "
          "new programme. In 2024 we held consultation meetings in 26 districts, which informed the design of our new "
          "programmes in Bangladesh and Honduras. School management committees are informed of the programme plans at "
          "the start of each school year."),
    ("p", "We also carried out our second partner survey, run by an external consultant. 31 of our 42 partners responded; "
          "82% said they were satisfied or very satisfied with their relationship with Lanternfield, and 64% said they "
          "felt able to influence our decisions. Partners told us that our reporting requirements were burdensome and "
          "that grants arrived late. We are looking at how to address these points."),
    ("p", "We value diversity and aim to include the voices of girls, children with disabilities and linguistic "
          "minorities in our programmes, in line with Priority B of our strategy."),
    ("photo", "Photo: Community consultation meeting in Sylhet, Bangladesh.", 60),
]

Q5_LEFT = [
    "VOICES FROM OUR PARTNERS",
    "\"Lanternfield is a very good partner. They listen to us and they respect our knowledge of the community. We are "
    "happy with the support.\" - Chikondi Phiri, Director, Lilongwe Literacy Trust, Malawi",
    "\"Working with Lanternfield has strengthened our organisation. We have learned a lot about monitoring and "
    "reporting, and our staff have gained many skills.\" - Sunita Rai, Coordinator, Sahayatri Education Network, Nepal",
    "\"The team is always available when we call. The reading materials are of excellent quality and the teachers love "
    "them.\" - Abdul Karim, Programme Manager, Alo Shikkha Foundation, Bangladesh",
    "\"We appreciate the partnership very much and hope it will continue for many years.\" - Marta Choc, Asociacion "
    "Raxnaquil, Guatemala",
]
Q5_RIGHT = [
    "WHAT WE HEARD FROM COMMUNITIES",
    "In 2024 our teams made 1,140 visits to communities and schools. Parents often told us how much their children "
    "enjoy the reading books, and teachers appreciated the coaching. Some parents in Uganda and Kenya asked for more "
    "books to take home, and some teachers in Honduras asked for materials for older children.",
    "Children also have their say. In several schools, pupils drew pictures of what they like about reading club, and "
    "these drawings were displayed at our staff conference in Nairobi.",
    "Community feedback is gathered through our monitoring visits and through the complaints mechanism described in "
    "section 3. We are proud of the trust communities place in us.",
]

Q5_B = [
    ("h2", "Challenges"),
    ("p", "Working in eight countries with different languages and contexts means that our practice varies. Some country "
          "teams have more experience than others in community engagement. In 2025 we will review how we work with "
          "community partners and develop a common approach."),
]

FINANCE = [
    ("p", "Total income in 2024 was GBP 31.4 million (2023: GBP 28.9 million), including GBP 1.9 million brought in by "
          "the merger with Bright Slate Learning. Total expenditure was GBP 30.6 million."),
    ("table", ["Income", "2024 (GBP m)", "2023 (GBP m)"],
     [["Institutional donors", "17.9", "16.8"],
      ["Trusts and foundations", "7.2", "6.5"],
      ["Individual supporters and legacies", "4.1", "3.9"],
      ["Corporate partners", "0.9", "0.8"],
      ["Merger (Bright Slate funds transferred)", "1.9", "-"],
      ["Other", "0.4", "0.9"],
      ["Total", "31.4", "28.9"]],
     [90, 40, 40]),
    ("table", ["Expenditure", "2024 (GBP m)", "2023 (GBP m)"],
     [["Foundational learning (Read Early)", "13.6", "12.4"],
      ["Inclusive schools", "6.1", "5.5"],
      ["Lasting systems and advocacy", "3.8", "3.6"],
      ["Emergency education (Nepal floods)", "0.7", "-"],
      ["Fundraising", "3.3", "3.1"],
      ["Support and governance", "3.1", "3.0"],
      ["Total", "30.6", "27.6"]],
     [90, 40, 40]),
    ("p", "Our reserves at the end of the year were GBP 5.2 million, equivalent to 2.0 months of expenditure, within our "
          "reserves policy range of 1.5 to 3 months. Our accounts were audited by Braeburn Lyle LLP, who gave an "
          "unqualified opinion."),
    ("p", "Support costs are allocated to programmes based on staff time. Our fundraising return on investment was "
          "GBP 4.20 raised for every GBP 1 spent."),
]

ENVIRONMENT = [
    ("p", "In 2024 our carbon footprint was 1,420 tonnes of CO2 equivalent, of which 61% came from air travel, 24% from "
          "vehicle use in our country programmes and 15% from our offices. This is 8% lower than in 2023, despite the "
          "merger."),
    ("p", "We aim to halve our footprint by 2030 compared with 2019. We now require approval from a director for any "
          "long-haul flight, and we have replaced 14 programme vehicles with hybrid models. All reading books are printed "
          "in the countries where they are used, on paper from certified sources."),
    ("photo", "Chart: Lanternfield carbon footprint 2019-2024 (tonnes CO2e).", 70),
    ("p", "We are also working with the ministries of education in Malawi and Bangladesh to integrate climate resilience "
          "into school infrastructure planning, building on our experience after the Nepal floods."),
]

LOOKING_AHEAD = [
    ("p", "2025 will be the mid-point of our strategy. We will conduct a mid-term review with our partners, ministries, "
          "teachers and parents; complete the integration of Bright Slate; roll out the Accountability Dashboard to all "
          "country programmes; begin measuring complainant satisfaction; and agree workload targets with our Staff "
          "Council."),
    ("p", "We will also review how we work with community partners, with the aim of giving them a greater role in our "
          "decisions."),
    ("p", "We welcome the Independent Review Panel's feedback on this report and will publish our response."),
]

PARTNER_NAMES = [
    ("Lilongwe Literacy Trust", "Malawi", "Community reading"), ("Teachers Union of Malawi", "Malawi", "Advocacy"),
    ("Civil Society Education Coalition", "Malawi", "Advocacy"), ("Mzuzu Parents Forum", "Malawi", "Community"),
    ("Kabala Women's Development Association", "Sierra Leone", "Community"),
    ("Sierra Leone Teachers Union", "Sierra Leone", "Advocacy"), ("Freetown Reading Circle", "Sierra Leone", "Community reading"),
    ("Koinadugu Disability Forum", "Sierra Leone", "Inclusion"), ("Kisumu Reading Clubs Network", "Kenya", "Community reading"),
    ("Kakamega Parents Association", "Kenya", "Community"), ("Elimu Yetu Coalition", "Kenya", "Advocacy"),
    ("Gulu Youth Readers", "Uganda", "Community reading"), ("Acholi Teachers Association", "Uganda", "Teachers"),
    ("Sahayatri Education Network", "Nepal", "Community"), ("Tamang Language Committee", "Nepal", "Language"),
    ("Panauti Municipality Education Unit", "Nepal", "Government"), ("Nepal Red Cross Society (Kavre)", "Nepal", "Emergency"),
    ("Alo Shikkha Foundation", "Bangladesh", "Community"), ("Sylhet Disability Rights Forum", "Bangladesh", "Inclusion"),
    ("Campaign for Popular Education", "Bangladesh", "Advocacy"), ("Asociacion Raxnaquil", "Guatemala", "Language"),
    ("Academia de Lenguas Mayas (Totonicapan)", "Guatemala", "Language"), ("Colectivo Maestras Mayas", "Guatemala", "Teachers"),
    ("Fundacion Garifuna Lee", "Honduras", "Language"), ("Red de Padres de Colon", "Honduras", "Community"),
]

GLOSSARY = [
    ("p", "CHW - community health worker. EGRA - Early Grade Reading Assessment. EGMA - Early Grade Mathematics "
          "Assessment. MEAL - monitoring, evaluation, accountability and learning. SLT - Senior Leadership Team. "
          "SMC - school management committee. Read Early - Lanternfield's structured pedagogy programme for Grades 1-3. "
          "Bright Slate - Bright Slate Learning, merged into Lanternfield on 1 July 2024."),
    ("p", "This report was prepared by the Lanternfield MEAL team with contributions from all country programmes. It "
          "covers the period 1 January to 31 December 2024 and follows the Accountable Now reporting framework. Figures "
          "for children reached are unique counts. Questions about this report can be sent to our Accountability "
          "Steering Group at the secretariat in Nairobi."),
]


CHAIR = [
    ("p", "On behalf of the Board of Trustees, I am pleased to introduce Lanternfield's accountability report for 2024."),
    ("p", "The Board approved the merger with Bright Slate Learning in January after careful consideration of the risks "
          "and the opportunities. We were persuaded above all by the strength of Bright Slate's community reading clubs, "
          "and by the shared belief of both organisations that reading is a right and not a privilege."),
    ("photo", "Photo: Prof. Abena Mensah-Clarke, Chair of the Board of Trustees.", 70),
    ("p", "The Board also gave particular attention this year to the safety of the children we work with, receiving a "
          "safeguarding report at every meeting, and to the financial sustainability of our work in a difficult funding "
          "environment. We are grateful to our donors, partners and staff for their commitment."),
    ("p", "Prof. Abena Mensah-Clarke, Chair"),
]

AT_A_GLANCE = [
    ("table", ["Indicator", "2023", "2024"],
     [["Children reached (unique)", "471,200", "533,700"],
      ["Schools supported", "1,904", "2,137"],
      ["Reading clubs (ex Bright Slate)", "-", "212"],
      ["Teachers coached", "8,610", "9,840"],
      ["Children screened for functional difficulties", "31,500", "48,200"],
      ["Reading books distributed", "1.21 million", "1.46 million"],
      ["Local partners", "39", "42"],
      ["Staff (country and secretariat)", "331", "387"],
      ["Income (GBP million)", "28.9", "31.4"]],
     [100, 35, 35]),
    ("photo", "Map: Lanternfield programme countries in 2024.", 90),
]

STORY_BD = [
    ("p", "In Sylhet division, many families work on tea estates, and their children speak Sadri or other languages at "
          "home. Our Bangladesh programme, launched in 2017, works with 210 government primary schools and with the "
          "Alo Shikkha Foundation, which runs pre-primary classes on the estates."),
    ("photo", "Photo: Pre-primary class on a tea estate near Srimangal.", 80),
    ("p", "In 2024, 2,900 children attended bridging classes that introduce Bangla gradually through songs and stories in "
          "their home language. Teachers report that children who attended the classes are more confident when they "
          "start Grade 1, although we do not yet have assessment data to confirm this."),
    ("p", "The Bangladesh team also trained 420 teachers in inclusive classroom practices and worked with the Sylhet "
          "Disability Rights Forum to screen 6,100 children. Flooding in June closed 34 schools for up to three weeks."),
]

STORY_MW = [
    ("p", "When the Government of Malawi announced in August 2024 that structured pedagogy would become national policy, "
          "it was the result of a long journey that began with a pilot in 36 schools in Mzuzu in 2016."),
    ("photo", "Photo: Launch of the national foundational learning policy in Lilongwe, August 2024.", 75),
    ("p", "Over eight years, the Ministry of Education, the Teachers Union of Malawi and the Civil Society Education "
          "Coalition worked alongside our team to test, cost and refine the approach. Ministry officials co-led every "
          "evaluation. 'We were not told what works, we saw it ourselves,' says Director of Basic Education Dr. Tiyamike "
          "Nkhoma."),
    ("p", "The next challenge is implementation at scale: training 42,000 teachers and 1,200 government coaches by 2027. "
          "Lanternfield will provide technical support, but the programme will be run and financed by the government."),
]

RESULTS_ANNEX = [
    ("p", "The table below shows selected indicators from our results framework. Full data are available in our Results "
          "Report 2024."),
    ("table", ["Indicator", "Baseline", "2024", "Target 2027"],
     [["A1 Grade 3 reading with comprehension (Malawi)", "23%", "41%", "55%"],
      ["A1 Grade 3 reading with comprehension (Sierra Leone)", "18%", "33%", "50%"],
      ["A1 Grade 3 reading with comprehension (Nepal)", "29%", "35%", "50%"],
      ["A2 Grade 3 basic numeracy (all countries)", "34%", "42%", "60%"],
      ["B1 Gap girls/boys in reading (points)", "4", "0", "0"],
      ["B2 Gap children with/without disabilities (points)", "14", "11", "5"],
      ["B3 Children taught in mother tongue", "61,000", "98,400", "150,000"],
      ["C1 Governments funding coaching", "0", "1", "4"],
      ["C2 National policies adopting approach", "1", "3", "5"]],
     [95, 25, 25, 25]),
]

Q1_TITLE = "1. Our most significant achievements and how they were validated"
Q2_TITLE = "2. How significant changes affected our accountability processes"
Q3_TITLE = "3. Learning from incidents, complaints and grievances"
Q4_TITLE = "4. Internal accountability: our staff"
Q5_TITLE = "5. Accountability to our external stakeholders"

CHAPTERS = [
    ("Foreword from the Chair of the Board", CHAIR),
    ("Opening statement from the Chief Executive", OPENING),
    ("2024 at a glance", AT_A_GLANCE),
    ("About Lanternfield", ABOUT),
    ("Our strategy: Learning Without Limits 2023-2027", STRATEGY),
    (Q1_TITLE, Q1),
    ("Country story: Sierra Leone - Tuesdays with the coach", STORY_SL),
    ("Country story: Nepal - Learning after the floods", STORY_NP),
    (Q2_TITLE, Q2),
    ("Governance", GOVERNANCE),
    ("Country story: Malawi - From pilot to national policy", STORY_MW),
    (Q3_TITLE, Q3),
    ("Country story: Guatemala - Reading in K'iche'", STORY_GT),
    ("Country story: Bangladesh - Bridging languages on the tea estates", STORY_BD),
    (Q4_TITLE, Q4),
    ("Fundraising and our supporters", FUNDRAISING),
    (Q5_TITLE, Q5_A + [("newpage",), ("twocol", Q5_LEFT, Q5_RIGHT), ("newpage",)] + Q5_B),
    ("Financial review", FINANCE),
    ("Our environmental footprint", ENVIRONMENT),
    ("Looking ahead to 2025", LOOKING_AHEAD),
    ("Annex A: Our partners", [("table", ["Partner", "Country", "Type"], [list(p) for p in PARTNER_NAMES], [85, 40, 45])]),
    ("Annex B: Results framework - selected indicators", RESULTS_ANNEX),
    ("Annex C: Glossary and notes on this report", GLOSSARY),
]


class Report(FPDF):
    def header(self):
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
        self.set_y(-14)
        self.set_draw_color(180, 180, 180)
        self.line(15, self.get_y() - 1, 195, self.get_y() - 1)
        self.set_font("dv", "", 8)
        self.set_text_color(110, 110, 110)
        self.cell(90, 6, "lanternfield.example.org | Registered charity SC0000000 (fictional)", align="L")
        self.cell(90, 6, f"Page {self.page_no()} of {{nb}}", align="R")
        self.set_text_color(0, 0, 0)


def build(toc_pages):
    pdf = Report(format="A4")
    pdf.set_creation_date(datetime.datetime(2025, 5, 30, 12, 0, 0, tzinfo=datetime.timezone.utc))
    pdf.set_title(f"{ORG} - {TITLE}")
    pdf.set_author(ORG)
    pdf.add_font("dv", "", os.path.join(FONT_DIR, "DejaVuSans.ttf"))
    pdf.add_font("dv", "B", os.path.join(FONT_DIR, "DejaVuSans-Bold.ttf"))
    pdf.add_font("dv", "I", os.path.join(FONT_DIR, "DejaVuSans-Oblique.ttf"))
    pdf.set_margins(20, 22, 20)
    pdf.set_auto_page_break(True, margin=22)

    # Cover
    pdf.add_page()
    pdf.set_fill_color(24, 62, 96)
    pdf.rect(0, 60, 210, 110, style="F")
    pdf.set_text_color(255, 255, 255)
    pdf.set_xy(20, 80)
    pdf.set_font("dv", "B", 28)
    pdf.multi_cell(170, 13, ORG)
    pdf.set_x(20)
    pdf.set_font("dv", "", 20)
    pdf.multi_cell(170, 11, TITLE)
    pdf.set_x(20)
    pdf.set_font("dv", "I", 12)
    pdf.multi_cell(170, 7, "Reporting period 1 January - 31 December 2024\nSubmitted to Accountable Now")
    pdf.set_text_color(0, 0, 0)
    pdf.set_xy(20, 200)
    pdf.set_font("dv", "", 11)
    pdf.multi_cell(170, 6, "Every child reading by ten.\nSierra Leone | Malawi | Kenya | Uganda | Nepal | Bangladesh | "
                           "Guatemala | Honduras")

    # Table of contents
    pdf.add_page()
    pdf.set_font("dv", "B", 20)
    pdf.cell(0, 12, "Contents", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("dv", "", 11)
    for title, _ in CHAPTERS:
        page = toc_pages.get(title, 0)
        pdf.cell(150, 8, title)
        pdf.cell(20, 8, str(page), align="R", new_x="LMARGIN", new_y="NEXT")

    starts = {}
    for title, blocks in CHAPTERS:
        pdf.add_page()
        starts[title] = pdf.page_no()
        pdf.set_font("dv", "B", 17)
        pdf.set_text_color(24, 62, 96)
        pdf.multi_cell(0, 9, title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
        pdf.ln(3)
        for block in blocks:
            render(pdf, block)
    ends = {}
    titles = [t for t, _ in CHAPTERS]
    for i, t in enumerate(titles):
        ends[t] = (starts[titles[i + 1]] - 1) if i + 1 < len(titles) else pdf.page_no()
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
        pdf.multi_cell(0, 7, block[1], new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    elif kind == "bullets":
        pdf.set_font("dv", "", 10.5)
        for item in block[1]:
            pdf.set_x(24)
            pdf.multi_cell(0, 6.2, "- " + item, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        pdf.ln(1.5)
    elif kind == "photo":
        h = block[2]
        if pdf.get_y() + h + 12 > 275:
            pdf.add_page()
        y = pdf.get_y()
        pdf.set_fill_color(215, 221, 228)
        pdf.rect(20, y, 170, h, style="F")
        pdf.set_xy(20, y + h + 1)
        pdf.set_font("dv", "I", 8.5)
        pdf.multi_cell(0, 5, block[1], new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    elif kind == "box":
        pdf.set_fill_color(236, 242, 232)
        pdf.set_font("dv", "B", 10)
        pdf.multi_cell(0, 6.5, block[1], fill=True, padding=3, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    elif kind == "table":
        headers, rows, widths = block[1], block[2], block[3]
        if sum(widths) > 170:
            widths = [w * 170 / sum(widths) for w in widths]
        if pdf.get_y() > 225:
            pdf.add_page()
        pdf.set_font("dv", "", 9.5)
        with pdf.table(col_widths=widths, width=sum(widths), text_align="LEFT", line_height=6.5,
                       headings_style=FontFace(emphasis="BOLD", fill_color=(228, 232, 238))) as table:
            hrow = table.row()
            for h in headers:
                hrow.cell(h)
            for r in rows:
                row = table.row()
                for c in r:
                    row.cell(c)
        pdf.ln(4)
    elif kind == "newpage":
        pdf.add_page()
    elif kind == "twocol":
        left, right = block[1], block[2]
        top = pdf.get_y()
        colw = 82
        for x, paras in ((20, left), (108, right)):
            pdf.set_xy(x, top)
            for i, para in enumerate(paras):
                pdf.set_x(x)
                if i == 0:
                    pdf.set_font("dv", "B", 11)
                    pdf.multi_cell(colw, 6.5, para, align="L", new_x="LEFT", new_y="NEXT")
                    pdf.ln(2)
                else:
                    pdf.set_font("dv", "", 10)
                    pdf.multi_cell(colw, 5.8, para, new_x="LEFT", new_y="NEXT")
                    pdf.ln(3)
        pdf.set_draw_color(180, 180, 180)
        pdf.line(105, top, 105, 265)
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
