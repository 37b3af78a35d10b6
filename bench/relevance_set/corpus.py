"""The relevance benchmark's directory: 100 realistic services, most delivered in several towns, as search
documents. Written before the queries (queries.py) and not changed to suit them.

Descriptions are in the voice of provider listings (what the service does, for whom, how to refer), with the
words providers use rather than the words practitioners search with. National charities run the same service
in many towns under one name (the near-duplicates); local organisations run one. Places are real towns,
placed within a few kilometres of their centre (deterministically, so every run is the same).
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

# town -> (latitude, longitude, region slug)
TOWNS: dict[str, tuple[float, float, str]] = {
    "Leeds": (53.7997, -1.5492, "yorkshire-humber"),
    "Bradford": (53.7960, -1.7594, "yorkshire-humber"),
    "Sheffield": (53.3811, -1.4701, "yorkshire-humber"),
    "Hull": (53.7457, -0.3367, "yorkshire-humber"),
    "York": (53.9590, -1.0815, "yorkshire-humber"),
    "Wakefield": (53.6833, -1.4977, "yorkshire-humber"),
    "Doncaster": (53.5228, -1.1285, "yorkshire-humber"),
    "Manchester": (53.4808, -2.2426, "north-west"),
    "Liverpool": (53.4084, -2.9916, "north-west"),
    "Preston": (53.7632, -2.7031, "north-west"),
    "Blackpool": (53.8175, -3.0357, "north-west"),
    "Bolton": (53.5769, -2.4282, "north-west"),
    "Salford": (53.4875, -2.2901, "north-west"),
    "Carlisle": (54.8925, -2.9329, "north-west"),
    "Newcastle": (54.9783, -1.6178, "north-east"),
    "Sunderland": (54.9069, -1.3838, "north-east"),
    "Middlesbrough": (54.5742, -1.2350, "north-east"),
    "Durham": (54.7761, -1.5733, "north-east"),
    "Birmingham": (52.4862, -1.8904, "west-midlands"),
    "Coventry": (52.4068, -1.5197, "west-midlands"),
    "Wolverhampton": (52.5870, -2.1288, "west-midlands"),
    "Stoke-on-Trent": (53.0027, -2.1794, "west-midlands"),
    "Nottingham": (52.9548, -1.1581, "east-midlands"),
    "Leicester": (52.6369, -1.1398, "east-midlands"),
    "Derby": (52.9225, -1.4746, "east-midlands"),
    "Lincoln": (53.2307, -0.5406, "east-midlands"),
    "Northampton": (52.2405, -0.9027, "east-midlands"),
    "Norwich": (52.6309, 1.2974, "east"),
    "Ipswich": (52.0567, 1.1482, "east"),
    "Peterborough": (52.5695, -0.2405, "east"),
    "Luton": (51.8787, -0.4200, "east"),
    "Chelmsford": (51.7356, 0.4685, "east"),
    "London": (51.5072, -0.1276, "london"),
    "Brixton": (51.4613, -0.1156, "london"),
    "Hackney": (51.5450, -0.0553, "london"),
    "Croydon": (51.3762, -0.0982, "london"),
    "Brighton": (50.8225, -0.1372, "south-east"),
    "Maidstone": (51.2704, 0.5227, "south-east"),
    "Reading": (51.4543, -0.9781, "south-east"),
    "Oxford": (51.7520, -1.2577, "south-east"),
    "Southampton": (50.9097, -1.4044, "south-east"),
    "Portsmouth": (50.8198, -1.0880, "south-east"),
    "Bristol": (51.4545, -2.5879, "south-west"),
    "Plymouth": (50.3755, -4.1427, "south-west"),
    "Exeter": (50.7184, -3.5339, "south-west"),
    "Gloucester": (51.8642, -2.2382, "south-west"),
    "Swindon": (51.5558, -1.7797, "south-west"),
    "Bournemouth": (50.7192, -1.8808, "south-west"),
    "Cardiff": (51.4816, -3.1791, "wales"),
    "Swansea": (51.6214, -3.9436, "wales"),
    "Newport": (51.5842, -2.9977, "wales"),
    "Wrexham": (53.0462, -2.9930, "wales"),
}

ACC, ETE, HEALTH, DRUGS = "accommodation", "education-training-employment", "health", "drugs-alcohol"
MONEY, FAMILY, ATB = "finance-benefit-debt", "children-families", "attitudes-thinking-behaviour"
WOMEN_ABUSE, SEX_WORK = "women-abuse-violence", "women-sex-work"

# (organisation, service name, towns ("*" = national, no location), pathways, description)
SERVICES: list[tuple[str, str, str, tuple[str, ...], str]] = [
    # --- Accommodation ---
    (
        "Shelter",
        "Housing Advice Service",
        "Leeds Manchester Birmingham Bristol London Sheffield Newcastle Norwich",
        (ACC,),
        "Free, independent advice on finding somewhere to live, homelessness applications to the council, "
        "rights as a tenant and challenging decisions. We take referrals from probation and prisons.",
    ),
    (
        "St Mungo's",
        "Street Outreach Team",
        "London Brixton Bristol Brighton Oxford",
        (ACC, HEALTH),
        "Outreach workers go out early mornings to find people sleeping rough, connect them to "
        "emergency beds and stay with them until they have a place to live.",
    ),
    (
        "YMCA",
        "Young People's Supported Housing",
        "Leeds Coventry Derby Norwich Exeter Bournemouth Swansea",
        (ACC,),
        "Rooms with 24-hour staff for people aged 16 to 25, with a keyworker, life skills sessions and help "
        "to move on to a tenancy of their own.",
    ),
    (
        "Nacro",
        "Nacro Housing Support",
        "Sheffield Doncaster Wakefield Lincoln Hull",
        (ACC,),
        "Supported flats for men and women leaving custody, with floating support for up to two years and "
        "help to keep a tenancy.",
    ),
    (
        "Salvation Army",
        "Lifehouse",
        "Leeds Liverpool Middlesbrough Cardiff Plymouth Portsmouth Reading",
        (ACC, HEALTH),
        "Hostel accommodation with meals, a keyworker and activities for single adults with nowhere "
        "to stay. Direct access beds some nights; call first.",
    ),
    (
        "Depaul UK",
        "Nightstop",
        "Manchester Newcastle Sunderland Durham",
        (ACC,),
        "A safe bed for the night in a trained volunteer's spare room for young people aged 16 to 25 who "
        "would otherwise have nowhere to sleep tonight.",
    ),
    (
        "Stonham Homes",
        "Approved Premises Move-On Service",
        "Birmingham Wolverhampton Coventry Stoke-on-Trent",
        (ACC,),
        "Works with residents of approved premises in their last weeks there to find and set up a home, "
        "including deposits, furniture and registering with local services.",
    ),
    (
        "Commissioned Accommodation Service",
        "CAS3 Temporary Accommodation",
        "Manchester Liverpool Preston Bolton Salford",
        (ACC,),
        "Up to 84 nights of temporary accommodation for people leaving prison who would otherwise be "
        "homeless, arranged by the community probation practitioner, with support to find settled housing.",
    ),
    (
        "Crisis",
        "Crisis Skylight",
        "Newcastle Birmingham London Brixton Oxford Swansea",
        (ACC, ETE),
        "Courses, one-to-one coaching and housing help for people who are or have been homeless, "
        "from a drop-in centre open weekdays.",
    ),
    (
        "Leeds Housing Concern",
        "Tenancy Sustainment Project",
        "Leeds",
        (ACC, MONEY),
        "Visits people in their first year in a new home to sort out bills, benefits, repairs and "
        "neighbour problems so that the tenancy does not fail.",
    ),
    (
        "Hull Homes Trust",
        "Private Rented Access Scheme",
        "Hull",
        (ACC, MONEY),
        "Finds landlords willing to let to people with a conviction and pays the rent deposit and "
        "first month in advance as a bond.",
    ),
    (
        "Emmaus",
        "Emmaus Community",
        "Bristol Brighton Coventry Preston Carlisle",
        (ACC, ETE),
        "A home, work in our social enterprise shops and a community to belong to, for people who "
        "have been homeless. Companions stay as long as they need.",
    ),
    (
        "Julian House",
        "Bail and Probation Accommodation",
        "Bristol Gloucester Swindon",
        (ACC,),
        "Shared houses for people on bail or on licence, with a support worker and help with "
        "appointments and licence conditions.",
    ),
    (
        "Threshold",
        "Women's Housing First",
        "Manchester Salford Bolton",
        (ACC, WOMEN_ABUSE),
        "A permanent tenancy and intensive support with no conditions attached for women "
        "with complex needs who have been in and out of prison.",
    ),
    (
        "Furniture Now",
        "Furniture Bank",
        "Leicester Nottingham Derby",
        (ACC, MONEY),
        "Free beds, sofas, cookers and fridges for people setting up home after prison or "
        "homelessness. Referral by a support worker.",
    ),
    (
        "Cardiff Council",
        "Housing Options Centre",
        "Cardiff",
        (ACC,),
        "The council's service for anyone homeless or at risk of losing their home, including the "
        "prison leavers' pathway under the Housing (Wales) Act.",
    ),
    (
        "Swansea Council",
        "Prison Resettlement Housing Team",
        "Swansea",
        (ACC,),
        "Housing officers who meet people before release from HMP Swansea and HMP Parc to plan where they will live.",
    ),
    (
        "Kent Reliance Trust",
        "Night Shelter",
        "Maidstone",
        (ACC,),
        "Twelve emergency beds, an evening meal and breakfast, open 8pm to 8am all year. Walk in or be referred.",
    ),
    # --- Education, training and employment ---
    (
        "Nacro",
        "Nacro Education and Training",
        "Birmingham Liverpool Sheffield Bristol London Norwich",
        (ETE,),
        "Courses leading to qualifications in English, maths, construction and customer service for adults "
        "with a criminal record.",
    ),
    (
        "Bounce Back",
        "Construction Skills Academy",
        "London Brixton Croydon",
        (ETE,),
        "Training in painting and decorating and dry lining, the CSCS card and a route into paid work on "
        "building sites with our partner employers.",
    ),
    (
        "The Clink Charity",
        "Clink Kitchens",
        "Cardiff London Manchester",
        (ETE,),
        "Training and City & Guilds qualifications in professional cookery and front of house, with "
        "support into jobs in restaurants and hotels after release.",
    ),
    (
        "Working Chance",
        "Women's Employment Service",
        "London Hackney Manchester",
        (ETE,),
        "Recruitment and career coaching for women with convictions, including how to talk about a "
        "criminal record with employers.",
    ),
    (
        "Tempus Novo",
        "Employment Through the Gate",
        "Leeds Bradford Wakefield Sheffield",
        (ETE,),
        "Meets people in prison before release and matches them with employers; mentors them through "
        "their first weeks of work.",
    ),
    (
        "Prisoners' Education Trust",
        "Distance Learning Courses",
        "*",
        (ETE,),
        "Funds and supports distance learning courses for people in prison, from level 1 to Open University degrees.",
    ),
    (
        "Learning Works",
        "Functional Skills English and Maths",
        "Nottingham Leicester Derby Northampton",
        (ETE,),
        "Small classes in reading, writing and number at entry level to level 2, for adults who left "
        "school without qualifications.",
    ),
    (
        "Digital Inclusion Partnership",
        "Get Online Sessions",
        "Sunderland Middlesbrough Durham",
        (ETE,),
        "Free sessions on using a smartphone and computer: email, online forms, Universal Credit "
        "journal and job applications. Laptops to borrow.",
    ),
    (
        "Forklift Futures",
        "Warehouse and Forklift Training",
        "Doncaster Peterborough Northampton Coventry",
        (ETE,),
        "Five-day counterbalance forklift licence course and warehouse safety training with a "
        "guaranteed interview with a logistics employer.",
    ),
    (
        "Apprenticeships Connect",
        "Apprenticeship Support Programme",
        "Birmingham Wolverhampton",
        (ETE,),
        "Finds apprenticeships with employers who welcome applicants with convictions and supports "
        "apprentices to complete them.",
    ),
    (
        "Recycling Lives",
        "Recycling Lives Academy",
        "Preston Liverpool Blackpool",
        (ETE,),
        "Paid work in recycling and logistics for people leaving prison, with supported housing "
        "available for those who need it.",
    ),
    (
        "Timpson Foundation",
        "Timpson Recruitment",
        "*",
        (ETE,),
        "Recruits people in prison and on release into jobs in Timpson shops: key cutting, shoe repair "
        "and watch repairs, with training given.",
    ),
    (
        "Lancashire Volunteer Centre",
        "Volunteering Opportunities",
        "Preston Blackpool",
        (ETE,),
        "Matches people with volunteer roles in charities and community groups to build experience, "
        "references and confidence.",
    ),
    (
        "Ready for Work",
        "Job Club",
        "Leicester Northampton Peterborough",
        (ETE,),
        "Weekly drop-in to write a CV, search and apply for jobs, and practise interviews, with "
        "computers and a printer.",
    ),
    (
        "Hull Fresh Start",
        "Employability Course",
        "Hull",
        (ETE,),
        "Four weeks on confidence, CV writing, interview skills and disclosing convictions, ending with "
        "employer visits.",
    ),
    (
        "The Prince's Trust",
        "Enterprise Programme",
        "London Manchester Cardiff",
        (ETE,),
        "Support for 18 to 30 year olds to explore starting a business: workshops, a business mentor "
        "and start-up funding.",
    ),
    (
        "Swansea College",
        "ESOL Classes",
        "Swansea Cardiff Newport",
        (ETE,),
        "English for speakers of other languages, from beginner to advanced, free for adults on a low income.",
    ),
    # --- Finance, benefit and debt ---
    (
        "Citizens Advice",
        "Money Advice Service",
        "Leeds Plymouth Coventry Derby Norwich Swindon Wrexham",
        (MONEY,),
        "Free debt advice: we work out what you owe, deal with creditors and bailiffs and help with "
        "budgeting, debt relief orders and bankruptcy.",
    ),
    (
        "StepChange",
        "Debt Helpline",
        "*",
        (MONEY,),
        "Free debt advice by phone and online, including debt management plans and breathing space.",
    ),
    (
        "Salford Community Law",
        "Welfare Rights Service",
        "Salford",
        (MONEY,),
        "Help to claim Universal Credit, PIP and Employment and Support Allowance, and to challenge "
        "benefit decisions at mandatory reconsideration and tribunal.",
    ),
    (
        "Jobcentre Plus",
        "Prison Work Coaches",
        "Manchester Leeds Birmingham Liverpool Nottingham Bristol",
        (MONEY, ETE),
        "Work coaches in prisons who start a Universal Credit claim before release and book the "
        "first jobcentre appointment.",
    ),
    (
        "Unlock",
        "Bank Account Access",
        "*",
        (MONEY,),
        "Helps people with convictions open a basic bank account, working with banks who accept "
        "prison ID and probation letters.",
    ),
    (
        "Bradford Credit Union",
        "Affordable Loans",
        "Bradford Leeds",
        (MONEY,),
        "Small loans at a fair rate and savings accounts, as an alternative to doorstep lenders and payday loans.",
    ),
    (
        "Trussell Trust",
        "Foodbank",
        "Leeds Bradford Sheffield Bolton Stoke-on-Trent Lincoln Ipswich Exeter Newport",
        (MONEY,),
        "Three days of emergency food for people referred by a support worker, with signposting "
        "to help with the cause of the crisis.",
    ),
    (
        "Turn2us",
        "Grants Search",
        "*",
        (MONEY,),
        "Finds charitable grants for essentials such as clothes, furniture and white goods, and checks "
        "entitlement to benefits.",
    ),
    (
        "Birmingham Settlement",
        "Fuel and Energy Advice",
        "Birmingham",
        (MONEY,),
        "Help with gas and electricity debts, prepayment meters, energy grants and the Warm Home Discount.",
    ),
    # --- Drugs and alcohol ---
    (
        "Change Grow Live",
        "Drug and Alcohol Service",
        "Liverpool Blackpool Wolverhampton Brighton Exeter Portsmouth Gloucester",
        (DRUGS, HEALTH),
        "Free, confidential treatment for anyone worried about their drug "
        "or alcohol use: assessment, prescribing, detox, groups and one-to-one key work.",
    ),
    (
        "Turning Point",
        "Substance Misuse Service",
        "Wakefield Leicester Peterborough Luton Bolton",
        (DRUGS, HEALTH),
        "Community treatment for drug and alcohol dependency, including opioid substitution "
        "therapy, needle exchange and recovery groups.",
    ),
    (
        "Phoenix Futures",
        "Residential Rehabilitation",
        "Sheffield Glasgow",
        (DRUGS,),
        "A 12 to 24 week residential programme for people with drug and alcohol problems, funded "
        "through community care assessments.",
    ),
    (
        "Forward Trust",
        "Through the Gate Substance Misuse",
        "Nottingham Lincoln Derby Leicester",
        (DRUGS,),
        "Recovery workers in prison who continue the work after release, meeting people at the gate "
        "and linking them to community treatment.",
    ),
    (
        "Release",
        "Naloxone Training",
        "London Hackney",
        (DRUGS, HEALTH),
        "Training in recognising an opioid overdose and giving naloxone, with a take-home kit.",
    ),
    (
        "Recovery Connections",
        "Recovery Community Hub",
        "Middlesbrough Durham Sunderland",
        (DRUGS,),
        "Peer-led recovery community run by people in recovery from addiction: groups, activities, "
        "volunteering and a recovery cafe.",
    ),
    (
        "Alcoholics Anonymous",
        "AA Meetings",
        "*",
        (DRUGS,),
        "Free mutual help meetings for anyone who wants to stop drinking. Find a meeting online or by phone.",
    ),
    (
        "Forward Leeds",
        "Alcohol Service",
        "Leeds",
        (DRUGS, HEALTH),
        "Help for adults to cut down or stop drinking, including community detox and aftercare.",
    ),
    (
        "Humankind",
        "Young Persons Substance Misuse",
        "Durham Newcastle Hull York",
        (DRUGS,),
        "Support for young people up to 25 affected by their own or someone else's substance use.",
    ),
    (
        "GamCare",
        "Gambling Support",
        "*",
        (MONEY, HEALTH),
        "Free support for anyone harmed by gambling: a helpline, online chat and counselling.",
    ),
    # --- Health ---
    (
        "Mind",
        "Wellbeing Service",
        "Brighton Cardiff Leeds Bristol Norwich Bolton York",
        (HEALTH,),
        "Talking therapies, peer support groups and courses on managing anxiety, depression and "
        "stress, for adults in the community.",
    ),
    (
        "NHS England",
        "RECONNECT Care After Custody",
        "Manchester Leeds Birmingham Bristol London Newcastle Nottingham Southampton",
        (HEALTH,),
        "Works with people with health needs leaving prison to connect them "
        "with community health services, from before release for up to six months.",
    ),
    (
        "Healthwatch Southampton",
        "GP Registration Help",
        "Southampton Portsmouth",
        (HEALTH,),
        "Helps anyone register with a doctor's surgery, including people without proof of address or identification.",
    ),
    (
        "Samaritans",
        "Listening Service",
        "*",
        (HEALTH,),
        "Round-the-clock listening for anyone struggling to cope or having thoughts of suicide.",
    ),
    (
        "Headway",
        "Brain Injury Support",
        "Sheffield Leicester Bristol",
        (HEALTH,),
        "Information, groups and one-to-one help for people living with an acquired brain injury and their families.",
    ),
    (
        "Oxford Health NHS",
        "Liaison and Diversion",
        "Oxford Reading Swindon",
        (HEALTH,),
        "Clinicians at police stations and courts who identify mental health, learning disability "
        "and substance misuse needs and refer people to treatment.",
    ),
    (
        "Men's Space",
        "Counselling for Men",
        "Maidstone Brighton",
        (HEALTH,),
        "Free counselling for men dealing with trauma, loss, anger or low mood, face to face or online.",
    ),
    (
        "Hepatitis C Trust",
        "Hep C Testing and Treatment",
        "*",
        (HEALTH, DRUGS),
        "Peer workers offering finger-prick testing for hepatitis C and support through "
        "treatment, in prisons and in the community.",
    ),
    (
        "Dental Outreach",
        "Community Dental Service",
        "Liverpool Manchester",
        (HEALTH,),
        "Emergency and routine dental treatment for people who are homeless or cannot register with a dentist.",
    ),
    (
        "Autism Partnership",
        "Neurodiversity Support",
        "Birmingham Coventry",
        (HEALTH, ATB),
        "One-to-one support for autistic adults and adults with ADHD in contact with the criminal justice system.",
    ),
    # --- Children and families ---
    (
        "Pact",
        "Family Support at Visits",
        "London Birmingham Bristol Leeds Manchester Liverpool Cardiff Norwich",
        (FAMILY,),
        "Staff in prison visitors' centres who support families visiting, and help keep families "
        "together during a sentence.",
    ),
    (
        "Families Outside",
        "Parenting After Prison",
        "Nottingham Derby Leicester",
        (FAMILY,),
        "A course for mums and dads returning home after a sentence, on rebuilding relationships with their children.",
    ),
    (
        "Relate",
        "Relationship Counselling",
        "Leicester Coventry Exeter Ipswich",
        (FAMILY, HEALTH),
        "Counselling for couples and families, and family mediation when parents separate.",
    ),
    (
        "Safe Families",
        "Young Dads Project",
        "Newcastle Sunderland",
        (FAMILY,),
        "Mentoring and a weekly group for young fathers aged 16 to 25 who have been in custody.",
    ),
    (
        "Children Heard and Seen",
        "Support for Children of Prisoners",
        "Oxford Reading Swindon",
        (FAMILY,),
        "One-to-one and group support for children who have a parent in prison.",
    ),
    (
        "Barnardo's",
        "Family Contact Service",
        "Cardiff Swansea Newport",
        (FAMILY,),
        "Arranges safe contact between children and a parent in or leaving custody, and supports "
        "the family through it.",
    ),
    # --- Attitudes, thinking and behaviour; mentoring ---
    (
        "St Giles Trust",
        "Peer Advisers",
        "London Croydon Brixton Hackney Southampton Brighton",
        (ATB, ACC),
        "Trained peer advisers with lived experience of prison meet people at the gate and help with "
        "housing, benefits and appointments in the first weeks after release.",
    ),
    (
        "Catch22",
        "Young Adults Mentoring",
        "Birmingham Coventry Nottingham Leicester Peterborough",
        (ATB,),
        "Mentors for 18 to 25 year olds on probation, working on goals such as work, housing and staying "
        "away from offending.",
    ),
    (
        "Why Me",
        "Restorative Justice Service",
        "*",
        (ATB,),
        "Arranges communication between people harmed by crime and those responsible, when both want it.",
    ),
    (
        "Calm Minds",
        "Anger Management Course",
        "Coventry Wolverhampton Stoke-on-Trent",
        (ATB, HEALTH),
        "An eight-week course on understanding anger and managing conflict without violence.",
    ),
    (
        "Circles UK",
        "Circles of Support and Accountability",
        "Leeds Bristol Manchester Birmingham",
        (ATB,),
        "Groups of trained volunteers who meet regularly with a person convicted of sexual offences "
        "after release, to reduce isolation and help prevent reoffending.",
    ),
    (
        "Probation Service",
        "Building Better Relationships",
        "Sheffield Leeds Hull",
        (ATB, WOMEN_ABUSE),
        "An accredited programme for men who have been abusive to a partner, run as group "
        "sessions as part of a community order or licence.",
    ),
    (
        "Gateway Trust",
        "Gateway Peer Mentors",
        "Bradford Leeds Wakefield",
        (ATB,),
        "Mentors who have been through the justice system themselves, meeting people weekly for up to a year.",
    ),
    (
        "Exit",
        "Exit Gangs Programme",
        "London Hackney Croydon Birmingham Manchester",
        (ATB,),
        "Helps young people involved in gangs and county lines to leave safely, with relocation support.",
    ),
    (
        "Faith in Action",
        "Chaplaincy Community Links",
        "Bolton Preston Blackpool",
        (ATB,),
        "Connects people leaving prison with a faith community near their new home, and volunteers who "
        "meet them on release.",
    ),
    (
        "Forces Recovery Network",
        "Veterans in Custody Support",
        "Plymouth Portsmouth Carlisle",
        (ATB, HEALTH),
        "Support for ex-service personnel in prison and on release: housing, mental health, "
        "benefits and service charities.",
    ),
    (
        "RECOOP",
        "Older Prisoners Resettlement",
        "Birmingham Leeds Norwich",
        (ATB, HEALTH),
        "Resettlement support for people over 50 leaving prison, including care needs and isolation.",
    ),
    (
        "Spark Inside",
        "Life Coaching",
        "London Brixton",
        (ATB,),
        "Life coaching for young adults in custody and on release, to build confidence and direction.",
    ),
    # --- Women ---
    (
        "Women's Support Network",
        "Women's Centre",
        "Leeds Bradford Sheffield Doncaster",
        (WOMEN_ABUSE, ACC),
        "A women-only centre offering support with housing, benefits, domestic abuse, "
        "children and probation appointments, with a creche.",
    ),
    (
        "Safer Wales",
        "Women's Pathfinder",
        "Cardiff Newport Swansea",
        (WOMEN_ABUSE,),
        "Women's centre and diversion service for women in contact with the justice system in Wales.",
    ),
    (
        "Advance",
        "Minerva Women's Service",
        "London Hackney Croydon",
        (WOMEN_ABUSE,),
        "Support for women in the justice system who have experienced domestic abuse, with "
        "independent domestic violence advisers.",
    ),
    (
        "Refuge",
        "National Domestic Abuse Helpline",
        "*",
        (WOMEN_ABUSE,),
        "Free, confidential 24-hour helpline for women experiencing domestic abuse, and referrals to refuges.",
    ),
    (
        "Basis Yorkshire",
        "Exiting Sex Work Support",
        "Leeds Bradford",
        (SEX_WORK,),
        "Non-judgemental support for women who sell or exchange sex, including outreach, "
        "sexual health and help to exit.",
    ),
    (
        "Rape Crisis",
        "Sexual Violence Support",
        "Manchester Bristol Newcastle Brighton",
        (WOMEN_ABUSE, HEALTH),
        "Specialist support and counselling for women and girls who have experienced "
        "rape or sexual abuse, at any time in their life.",
    ),
    (
        "Birth Companions",
        "Pregnancy and Early Motherhood Support",
        "London",
        (WOMEN_ABUSE, FAMILY),
        "Support for women who are pregnant or have a baby while in prison or on release.",
    ),
    (
        "Anawim",
        "Women's Centre Birmingham",
        "Birmingham",
        (WOMEN_ABUSE, SEX_WORK),
        "A centre for women in Birmingham offering support around abuse, sex work, housing and probation.",
    ),
    # --- Identity, practical and other ---
    (
        "Nacro",
        "ID and Documents Service",
        "Sheffield Lincoln Doncaster",
        (MONEY,),
        "Helps people get a birth certificate, provisional driving licence or passport before release, "
        "so that they can open a bank account and claim benefits.",
    ),
    (
        "Liberty Law Centre",
        "Immigration Advice",
        "London Birmingham Manchester",
        (ACC,),
        "Free legal advice for foreign nationals in prison and on release, including deportation and status.",
    ),
    (
        "LGBT Foundation",
        "LGBT Support Service",
        "Manchester Salford",
        (HEALTH,),
        "Support for lesbian, gay, bisexual and trans people, including those in contact with the "
        "criminal justice system.",
    ),
    (
        "Travellers' Times",
        "Gypsy Roma Traveller Support",
        "Bristol Exeter",
        (ACC,),
        "Support for Gypsy, Roma and Traveller people in prison and on release, including site accommodation.",
    ),
    (
        "Probation Service",
        "Community Payback",
        "Leeds Bradford Sheffield Hull York Wakefield Doncaster",
        (ATB,),
        "Unpaid work placements for people on a community order, in charity shops, parks and community projects.",
    ),
    (
        "Wheels to Work",
        "Moped Loan Scheme",
        "Lincoln Carlisle",
        (ETE,),
        "Mopeds loaned at low cost so that people can get to work or training where buses do not run.",
    ),
    (
        "Bike Works",
        "Bike Workshop",
        "Hackney London",
        (ETE,),
        "Learn bike maintenance and mechanics in our workshop, with a refurbished bike to keep.",
    ),
    (
        "Green Futures",
        "Horticulture Project",
        "Exeter Plymouth Gloucester",
        (ETE, HEALTH),
        "Gardening and horticulture training at a community garden, with an RHS qualification.",
    ),
    (
        "Hull Clothing Bank",
        "Clothing Bank",
        "Hull",
        (MONEY,),
        "Free clothes, shoes and coats, including interview clothes for people starting work.",
    ),
    (
        "Swansea Day Centre",
        "Day Centre",
        "Swansea",
        (ACC, HEALTH),
        "Drop-in with showers, laundry, hot meals and a nurse clinic, weekdays 9am to 2pm.",
    ),
]


def _jitter(key: str, km: float = 3.0) -> tuple[float, float]:
    digest = hashlib.sha256(key.encode()).digest()
    angle = digest[0] / 255 * 2 * math.pi
    distance = digest[1] / 255 * km
    return distance / 111 * math.sin(angle), distance / 70 * math.cos(angle)


def service_id(organisation: str, name: str, town: str) -> str:
    return hashlib.sha256(f"{organisation}|{name}|{town}".encode()).hexdigest()[:16]


def documents() -> list[dict[str, Any]]:
    """The corpus as search documents (the shape portal/directory/indexing.py gives the index)."""
    docs = []
    for organisation, name, towns, pathways, description in SERVICES:
        for town in towns.split() if towns != "*" else ["*"]:
            if town not in TOWNS and town != "*":  # a town outside England and Wales: not listed
                continue
            lat = lon = None
            regions: list[str] = []
            if town != "*":
                base_lat, base_lon, region = TOWNS[town]
                dlat, dlon = _jitter(f"{organisation}{name}{town}")
                lat, lon, regions = round(base_lat + dlat, 5), round(base_lon + dlon, 5), [region]
            docs.append(
                {
                    "id": service_id(organisation, name, town),
                    "name": name,
                    "organisation_name": organisation,
                    "description": description,
                    "keywords": [p.replace("-", " ") for p in pathways] + ([] if town == "*" else [town]),
                    "pathways": list(pathways),
                    "regions": regions,
                    "cpas": [],
                    "stages": ["community"],
                    "eligibility": [],
                    "delivery_modes": ["in-person"] if town != "*" else ["phone", "online"],
                    "access_routes": ["professional-referral"],
                    "sector": "voluntary-community",
                    "capacity": "accepting",
                    "min_age": None,
                    "max_age": None,
                    "lat": lat,
                    "lon": lon,
                    "postcode": None,
                    "last_checked": "2026-10-01",
                    "verified": True,
                }
            )
    return docs
