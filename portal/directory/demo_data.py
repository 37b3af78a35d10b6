"""Realistic, invented resettlement services in the Open Referral HSDS 3.0 "fully nested service" shape.

    generate_services(count, seed)   streams `count` services, the same ones for the same seed
    generate_demo_directory()        the 2,200-service demo directory (every region, CPA and pathway)

Services are built from archetypes (supported housing, CSCS courses, debt advice, ...) run by invented
organisations that each deliver several services from reused offices. Only the places are real: postcode
districts and their centroids come from data/uk-outcodes.csv. Phone numbers use Ofcom's drama ranges,
web and email addresses are subdomains of the reserved example.org, and charity and company numbers are
drawn from ranges not yet issued.
"""
from __future__ import annotations

import csv
import random
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from portal.directory.vocabulary import (
    CONTRACT_PACKAGE_AREAS,
    CPA_REGION,
    REGIONS,
    TAXONOMIES,
    PostcodeArea,
    locate_outcode,
    taxonomy_term,
)

Service = dict[str, Any]

OUTCODES_CSV = Path(__file__).parent / "data" / "uk-outcodes.csv"  # copy of the shared list; see data/README.md
DEMO_DIRECTORY_SIZE = 2_200
DEMO_SEED = 1
REFERENCE_DATE = date(2026, 10, 1)  # "today" for assured and modified dates, so output never depends on the clock

# --- Service archetypes ---------------------------------------------------------------------------------
# Placeholders: {org} {org_s} (possessive) {town} {county} {place} (the service area, as in "in {place}")
# {cpa} (as in "across {cpa}") {cpa_name} (bare, for names) {street}.

_AUDIENCES = ("", "women", "young", "older", "faith", "bame", "veterans")  # "" = a general organisation
_NOT_WOMEN = tuple(a for a in _AUDIENCES if a != "women")
_ALL_STAGES = ("in-custody", "through-the-gate", "community")


@dataclass(frozen=True, slots=True)
class _Archetype:
    pathways: tuple[str, ...]  # the first always applies; each of the others often does
    names: tuple[str, ...]
    intros: tuple[str, ...]
    details: tuple[str, ...]
    stages: tuple[str, ...] = ("community",)  # the first always applies
    modes: tuple[str, ...] = ("in-person",)  # the first always applies
    hours: str = "office"
    access: tuple[str, ...] = ("professional-referral", "portal-referral", "self-referral")
    audiences: tuple[str, ...] = _AUDIENCES  # organisations that may run it
    cost: str = "free"
    accreditation: str = ""
    men_only: float = 0.0  # chance that the service is for men only
    weight: int = 2  # how common it is within its main pathway


_ARCHETYPES: tuple[_Archetype, ...] = (
    # Accommodation
    _Archetype(
        ("accommodation", "health", "finance-benefit-debt"),
        ("{town} Supported Housing", "{street} House Supported Accommodation", "{county} Supported Housing Project",
         "Shared Supported Housing – {town}"),
        ("{org} runs shared supported housing in {town} for people leaving prison or on probation who would "
         "otherwise be homeless.",
         "Our supported accommodation gives prison leavers in {town} a furnished room, a named key worker and help "
         "to get ready for a tenancy of their own."),
        ("Residents have at least two hours of one-to-one key work a week covering budgeting, benefits and "
         "move-on plans.",
         "Rooms are furnished and bills are included.",
         "Staff are on site during the day and there is an on-call service at night and at weekends.",
         "Most people stay between six and eighteen months before moving on to independent housing.",
         "We work closely with probation, local drug and alcohol services and the council's housing team."),
        stages=("community", "through-the-gate"), cost="service-charge", men_only=0.3, weight=4),
    _Archetype(
        ("accommodation", "drugs-alcohol", "health"),
        ("{town} Direct Access Hostel", "{street} Lodge Emergency Accommodation", "{town} Night Shelter",
         "Emergency Beds for Prison Leavers – {town}"),
        ("A direct-access hostel in {town} with emergency beds for people released from prison with nowhere to "
         "stay.",
         "{org} provides emergency accommodation in {town} for people who are homeless on the day of release."),
        ("We can usually take referrals on the day of release, including on Fridays.",
         "Breakfast and an evening meal are provided, and there is a laundry on site.",
         "Stays are usually up to 28 days while we work with you and the council to find somewhere longer term.",
         "Support workers can help you register with a GP and make a Universal Credit claim."),
        stages=("through-the-gate", "community"), hours="24h", cost="service-charge", men_only=0.5, weight=3),
    _Archetype(
        ("accommodation", "finance-benefit-debt", "health"),
        ("{town} Floating Support", "Tenancy Floating Support – {county}", "Resettlement Floating Support Service",
         "{county} Housing-Related Support"),
        ("Floating support for people on probation in {place} who have a tenancy, or are about to move into one, "
         "and need help to keep it.",
         "Our support workers visit you at home in {town} to help you settle into a new tenancy after prison."),
        ("We help with setting up gas, electricity and council tax, and with getting basic furniture.",
         "Support usually lasts up to six months and is shaped around what you need.",
         "We can help you apply for a Discretionary Housing Payment or local welfare assistance.",
         "Support workers can come with you to meetings with landlords, the council or the Jobcentre."),
        modes=("in-person", "phone"), weight=3),
    _Archetype(
        ("accommodation", "finance-benefit-debt"),
        ("{town} Rent Deposit Scheme", "{county} Bond Guarantee Scheme", "Private Rented Access Scheme – {town}",
         "Landlord Liaison Service"),
        ("We help people leaving prison find a home in the private rented sector by offering landlords a bond "
         "guarantee instead of a cash deposit.",
         "{org_s} rent deposit scheme helps prison leavers and people on probation in {place} into private rented "
         "homes."),
        ("We keep a list of local landlords who are happy to rent to people with convictions.",
         "Tenants complete a short pre-tenancy course covering rights, responsibilities and budgeting.",
         "A named officer supports both tenant and landlord for the first six months of the tenancy.",
         "We can sometimes help with the first month's rent in advance.")),
    _Archetype(
        ("accommodation", "finance-benefit-debt"),
        ("Tenancy Sustainment Service", "{town} Tenancy Rescue", "Keep Your Home – Short Sentence Support",
         "{county} Tenancy Support Team"),
        ("Help to keep your home if you receive a short prison sentence or are at risk of eviction while on "
         "probation.",
         "{org} works with tenants in {place} to prevent homelessness caused by a prison sentence, rent arrears "
         "or the breakdown of a tenancy."),
        ("We can contact your landlord and claim Housing Benefit for up to 13 weeks while you are in custody.",
         "We negotiate with landlords over rent arrears and help with possession proceedings.",
         "We can arrange for your belongings to be stored safely if your tenancy cannot be kept.",
         "Advice is free, confidential and independent."),
        stages=("in-custody", "community"), modes=("in-person", "phone")),
    _Archetype(
        ("accommodation",),
        ("Prison Housing Advice Service", "Through-the-Gate Housing Advice – {cpa_name}", "Housing Advice in Custody",
         "Release Accommodation Planning Service"),
        ("Housing advisers work inside the prisons serving {cpa} so that nobody is released without somewhere to "
         "stay.",
         "We start planning accommodation with people in prison up to twelve weeks before their release date."),
        ("Advisers make referrals to local councils under the Duty to Refer and follow them up.",
         "We help people keep, end or transfer an existing tenancy while they are in custody.",
         "If accommodation falls through, we work with probation on the day of release to find an emergency bed.",
         "We see people on reception, during their sentence and in the weeks before release."),
        stages=("in-custody", "through-the-gate"), weight=3),
    _Archetype(
        ("accommodation",),
        ("Transitional Accommodation Service – {cpa_name}", "Short-Term Accommodation for Prison Leavers",
         "Bridging Accommodation – {town}"),
        ("Temporary accommodation for up to 84 nights for people leaving prison who would otherwise be homeless, "
         "while longer-term housing is arranged.",
         "Short-term, furnished accommodation in {place} for prison leavers and people on probation at risk of "
         "homelessness."),
        ("Referrals are made by the probation practitioner before release.",
         "Each person has a support worker who helps them find settled accommodation before the placement ends.",
         "Properties are shared houses and self-contained flats across {place}.",
         "We can accept people released at short notice."),
        stages=("through-the-gate", "community"), access=("professional-referral", "portal-referral"),
        men_only=0.2),
    _Archetype(
        ("accommodation", "health", "drugs-alcohol"),
        ("Housing First {town}", "{county} Housing First", "Housing First for Prison Leavers"),
        ("Housing First offers people with long histories of homelessness and offending a settled home of their "
         "own with intensive, open-ended support.",
         "{org_s} Housing First service in {place} provides a tenancy first, with no need to prove you are ready "
         "for one."),
        ("Each worker supports no more than seven people, so help is there when it is needed.",
         "Support carries on for as long as it is needed, even if a tenancy ends.",
         "We work alongside mental health, drug and alcohol and probation services."),
        access=("professional-referral", "portal-referral"), weight=1),
    _Archetype(
        ("accommodation", "education-training-employment"),
        ("{town} Foyer", "Young Adults' Supported Housing – {town}", "{street} House Young People's Project"),
        ("Supported housing for young adults aged 18 to 25 that combines a safe place to live with help into "
         "education, training and work.",
         "{org} offers supported accommodation in {town} for young adults leaving custody or on probation."),
        ("Every resident agrees a personal plan covering learning, work and independent living skills.",
         "There is an on-site learning room and a weekly session with a careers adviser.",
         "Residents learn to cook, budget and look after a home before moving on."),
        stages=("community", "through-the-gate"), hours="24h", audiences=("young",), cost="service-charge"),
    _Archetype(
        ("accommodation", "women-abuse-violence"),
        ("{town} Women's Supported Housing", "Women's Safe Housing – {county}", "{street} House (women only)"),
        ("Safe, women-only supported housing for women leaving prison or on probation, including women who have "
         "experienced domestic abuse.",
         "{org} provides women-only accommodation in {town} with trauma-informed support from female staff."),
        ("Women can be supported to rebuild contact with their children and attend family court.",
         "The address is not published; we will arrange to meet you first.",
         "Staff are trained in trauma-informed practice and domestic abuse support."),
        stages=("community", "through-the-gate"), audiences=("women",), cost="service-charge"),
    # Education, training and employment
    _Archetype(
        ("education-training-employment",),
        ("{town} Jobs Club", "Employability Programme", "Ready for Work – {town}", "CV and Interview Workshops",
         "Employment Support for People with Convictions"),
        ("Practical help to get into work for people with convictions: CV writing, interview practice and job "
         "search.",
         "{org_s} employment advisers in {town} help people on probation find and keep a job."),
        ("We explain how the Rehabilitation of Offenders Act applies to you and help you write a disclosure "
         "statement.",
         "Weekly job clubs give you computers, printing and help with online applications.",
         "We work with local employers who are committed to recruiting people with convictions.",
         "Once you are in work, we stay in touch for six months to help you keep the job.",
         "We can help with interview clothes, work boots and travel costs for your first month."),
        modes=("in-person", "online", "phone"), hours="dropin", weight=4),
    _Archetype(
        ("education-training-employment",),
        ("CSCS Card Course", "Construction Skills Academy – {town}", "Green Card Construction Training",
         "{town} CSCS Training"),
        ("A five-day course leading to the Level 1 Award in Health and Safety in a Construction Environment and "
         "the CSCS Green Labourer card.",
         "{org} runs construction entry training in {town} for people on probation and prison leavers."),
        ("The course includes the CITB Health, Safety and Environment test, booked and paid for by us.",
         "Learners who complete the course are introduced to construction employers and labour agencies.",
         "We can provide safety boots, hi-vis and a hard hat for your first job.",
         "Classes are small and support is available for people with dyslexia or low literacy."),
        hours="course", cost="course", weight=3),
    _Archetype(
        ("education-training-employment",),
        ("Forklift Licence Training", "Counterbalance and Reach Truck Course",
         "Warehouse Skills and Forklift Training – {town}", "{town} Logistics Academy"),
        ("Accredited forklift training for people on probation and prison leavers, with introductions to local "
         "warehouse jobs.",
         "{org} offers counterbalance and reach truck courses in {town} for people with convictions who want to "
         "work in logistics."),
        ("Courses last three to five days depending on your experience.",
         "We also cover manual handling, warehouse safety and picking and packing.",
         "After the course we help you apply to local warehouses and distribution centres."),
        hours="course", cost="course",
        accreditation="Courses are accredited by a recognised lift truck training accrediting body."),
    _Archetype(
        ("education-training-employment",),
        ("Construction Skills Workshop", "{town} Building Skills Project", "Trades Training for Prison Leavers",
         "Painting and Decorating Course – {town}"),
        ("Hands-on training in painting and decorating, dry lining, plastering and basic joinery on real "
         "renovation projects.",
         "{org} teaches construction trades in a working workshop in {town}, for people on probation and prison "
         "leavers."),
        ("Learners can gain Level 1 and Level 2 qualifications.",
         "Work on community buildings gives you recent experience and a reference.",
         "Tools and protective clothing are provided.",
         "Travel costs to the workshop are paid."),
        hours="course", cost="course"),
    _Archetype(
        ("education-training-employment",),
        ("Functional Skills English and Maths", "Adult Learning for Prison Leavers", "{town} Learning Centre",
         "Digital Skills for Work"),
        ("Free English, maths and digital skills classes for adults with convictions, from entry level to "
         "Level 2.",
         "{org} helps adults on probation in {town} improve their reading, writing, maths and computer skills."),
        ("Classes are small and informal, and you can start at any time.",
         "Tutors can assess for dyslexia and arrange extra support.",
         "Learners can take nationally recognised qualifications when they are ready.",
         "We can lend you a laptop while you are studying."),
        modes=("in-person", "online"), hours="group"),
    _Archetype(
        ("education-training-employment",),
        ("Through-the-Gate Employment Support", "Release to Work – {cpa_name}", "Prison to Employment Service",
         "Job Ready on Release"),
        ("We meet people in prison before release to plan a route into work, and carry on the support in the "
         "community.",
         "{org} links people in the prisons serving {cpa} with employers who will interview them before "
         "release."),
        ("We can arrange interviews during release on temporary licence so that you can start work soon after "
         "release.",
         "Advisers help with bank accounts, ID and travel so that nothing stops you starting work.",
         "We run employer days inside prison where people can meet recruiters face to face."),
        stages=("in-custody", "through-the-gate")),
    _Archetype(
        ("education-training-employment",),
        ("Paid Work Placements", "Café Training Kitchen – {town}", "Bike Workshop Traineeships",
         "Social Enterprise Work Experience"),
        ("Paid six-month work placements in our social enterprises for people with convictions who are ready to "
         "work.",
         "{org} employs people on probation in its café, bike workshop and grounds maintenance teams in {town}."),
        ("Trainees are paid the Real Living Wage while they learn.",
         "Placements include a Level 2 Food Hygiene certificate or another relevant qualification.",
         "Each trainee has a job coach and help to apply for permanent jobs.",
         "Many trainees move into permanent work with our employer partners."),
        weight=1),
    _Archetype(
        ("education-training-employment", "finance-benefit-debt"),
        ("Start Your Own Business", "Self-Employment Support for People with Convictions",
         "Enterprise Programme – {town}"),
        ("Support for people with convictions who want to become self-employed, from first idea to first "
         "customer.",
         "{org_s} enterprise programme helps people on probation in {place} test and start a small business."),
        ("Workshops cover business planning, tax, insurance and marketing.",
         "Small start-up grants are available for tools and equipment.",
         "A volunteer business mentor stays with you for the first year of trading."),
        modes=("in-person", "online"), weight=1),
    _Archetype(
        ("education-training-employment", "attitudes-thinking-behaviour"),
        ("Volunteering Pathways", "Supported Volunteering – {town}", "Community Volunteering for Prison Leavers"),
        ("Supported volunteering placements that help people with convictions build confidence, recent "
         "experience and references.",
         "{org} matches people on probation in {place} with volunteering roles in charities and community "
         "groups."),
        ("A volunteer coordinator meets you to find a role that suits your interests.",
         "Travel and lunch expenses are paid.",
         "Many volunteers go on to paid work or training."),
        weight=1),
    # Health
    _Archetype(
        ("health",),
        ("Mental Health Drop-In", "{town} Wellbeing Café", "Wellbeing Hub – {town}", "Talking Space Drop-In"),
        ("A weekly drop-in for people on probation who are struggling with their mental health, anxiety or low "
         "mood.",
         "{org_s} wellbeing drop-in in {town} is a friendly place to talk to someone about how you are feeling."),
        ("No appointment is needed: come along for a cup of tea and talk to a mental health practitioner.",
         "We can help you get support from NHS Talking Therapies or your local community mental health team.",
         "Peer supporters with lived experience of prison and mental ill health run some sessions.",
         "We can also help with sleep, stress and managing anger."),
        hours="dropin", access=("self-referral", "professional-referral"), weight=3),
    _Archetype(
        ("health",),
        ("GP Registration and Health Access", "Health Navigator Service", "Health on Release – {town}",
         "Prison Leavers' Health Link"),
        ("We help people leaving prison register with a GP, sort out prescriptions and get to health "
         "appointments after release.",
         "{org_s} health navigators work with prison healthcare teams so that treatment carries on after "
         "release."),
        ("You do not need proof of address or ID to register with a GP, and we can come with you if it helps.",
         "We make sure your medication and health records follow you from prison to your new GP.",
         "We can help you find a dentist, optician or sexual health clinic.",
         "Navigators can meet people on the day of release."),
        stages=("through-the-gate", "community")),
    _Archetype(
        ("health",),
        ("Trauma-Informed Counselling", "Counselling for People with Convictions", "{town} Counselling Service",
         "Talking Therapy for Prison Leavers"),
        ("Free short-term counselling for adults with convictions, from qualified counsellors who understand the "
         "justice system.",
         "{org} offers up to twelve sessions of counselling in {town}, face to face, by phone or online."),
        ("Counselling can help with trauma, bereavement, anxiety and low mood.",
         "Sessions are confidential, and we explain the limits of confidentiality at the start.",
         "There is usually a short wait for an assessment."),
        modes=("in-person", "phone", "online"),
        accreditation="Our counsellors are registered members of a professional body accredited by the "
                      "Professional Standards Authority."),
    _Archetype(
        ("health", "attitudes-thinking-behaviour"),
        ("Neurodiversity Support Service", "ADHD and Autism Support for People on Probation",
         "Learning Disability Justice Support"),
        ("Support for people with ADHD, autism, dyslexia, learning disabilities or brain injury who are in "
         "contact with the justice system.",
         "{org} helps neurodivergent people on probation in {place} understand appointments, letters and licence "
         "conditions."),
        ("We can provide easy-read information and come with you to appointments.",
         "We help probation and housing staff make reasonable adjustments.",
         "We can help you get an assessment or diagnosis through the NHS."),
        modes=("in-person", "phone"), weight=1),
    _Archetype(
        ("health", "accommodation", "finance-benefit-debt"),
        ("Later Life Resettlement Support", "Support for Older Prison Leavers", "{county} Older Prisoners Project"),
        ("Specialist resettlement support for people aged 50 and over leaving prison, many after long sentences.",
         "{org} helps older people leaving prison in {place} with health, housing and loneliness."),
        ("We help people arrange social care assessments, aids and adaptations.",
         "Our befrienders keep in touch by phone and visit regularly.",
         "We can help with pensions and other benefits for older people."),
        stages=_ALL_STAGES, audiences=("older",), weight=1),
    # Drugs and alcohol
    _Archetype(
        ("drugs-alcohol", "health"),
        ("{town} Recovery Service", "Drug and Alcohol Recovery Hub", "{county} Drug and Alcohol Service",
         "Criminal Justice Drug and Alcohol Team"),
        ("Structured treatment for adults using drugs or alcohol, including key work, group work and harm "
         "reduction.",
         "{org} provides drug and alcohol treatment in {town} for people on probation, including those with drug "
         "rehabilitation or alcohol treatment requirements."),
        ("We offer needle exchange, naloxone kits and training, and blood-borne virus testing.",
         "Appointments can be booked for the day after release so that there is no gap in treatment.",
         "Recovery workers see people in prison before release to plan treatment in the community.",
         "Group programmes cover relapse prevention, managing cravings and building a life in recovery."),
        stages=("community", "through-the-gate"), weight=4),
    _Archetype(
        ("drugs-alcohol", "health"),
        ("Community Alcohol Detox", "Alcohol Detox and Aftercare", "{town} Alcohol Service"),
        ("Medically supervised alcohol detox at home or in the community, with aftercare to help you stay sober.",
         "{org} plans safe alcohol detoxes with people on probation in {place} who are dependent on alcohol."),
        ("Detox is planned with you and your GP and usually lasts seven to ten days.",
         "We see you every day during the detox, in person or by phone.",
         "Aftercare includes groups, one-to-one support and introductions to mutual aid."),
        modes=("in-person", "phone")),
    _Archetype(
        ("drugs-alcohol", "health"),
        ("Opiate Substitution Treatment on Release", "Prescribing Service for Prison Leavers",
         "{town} Opiate Treatment Service"),
        ("Continuity of opiate substitution treatment (methadone or buprenorphine) for people released from "
         "prison, with prescribing appointments in the same week.",
         "{org} makes sure people released from prison in {place} keep getting their opiate substitute "
         "prescription without a gap."),
        ("We arrange your first community appointment before you leave prison.",
         "Long-acting buprenorphine injections are available for suitable patients.",
         "Everyone released is offered naloxone and overdose awareness training."),
        stages=("through-the-gate", "community")),
    _Archetype(
        ("drugs-alcohol",),
        ("{town} Mutual Aid Recovery Group", "Peer-Led Recovery Meeting – {town}", "Recovery Café {town}",
         "Open Recovery Group"),
        ("A peer-led mutual aid group for anyone in recovery from drugs or alcohol, including people with "
         "convictions.",
         "A free, friendly recovery group in {town} run by people with lived experience of addiction and prison."),
        ("There is no need to book: just come along.",
         "Everyone is welcome to listen without speaking.",
         "Tea, coffee and a light snack are provided.",
         "Volunteers can introduce you to other recovery activities across {place}."),
        modes=("in-person", "online"), hours="evening", access=("self-referral",)),
    _Archetype(
        ("drugs-alcohol", "attitudes-thinking-behaviour"),
        ("Recovery Navigators", "Gate Pick-Up and Recovery Support",
         "Through-the-Gate Recovery Support – {cpa_name}"),
        ("Peer recovery navigators meet people at the prison gate on the day of release and take them to their "
         "first treatment appointment.",
         "{org_s} recovery navigators have lived experience of addiction and prison, and support people through "
         "the first weeks after release."),
        ("Navigators start working with you in prison up to six weeks before release.",
         "We help with the practical things on release day: travel, a phone, a Jobcentre appointment and "
         "somewhere to stay.",
         "Support continues in the community until you are settled in treatment."),
        stages=("through-the-gate", "in-custody", "community")),
    _Archetype(
        ("drugs-alcohol", "accommodation", "health"),
        ("Residential Rehab Placements", "{county} Residential Recovery Centre", "{street} House Rehab"),
        ("A twelve-week residential rehabilitation programme for people ready to stop using drugs or alcohol, "
         "including people coming straight from prison.",
         "{org} runs a residential recovery centre in {county} for adults with drug or alcohol dependency."),
        ("Residents take part in therapeutic groups, one-to-one counselling and daily living tasks.",
         "Funding is usually agreed by your local drug and alcohol service.",
         "Move-on support helps residents into dry housing, training and work."),
        stages=("community", "through-the-gate"), hours="24h", access=("professional-referral", "portal-referral"),
        cost="rehab", weight=1),
    # Finance, benefit and debt
    _Archetype(
        ("finance-benefit-debt",),
        ("Debt Advice Service", "{town} Money Advice", "Debt and Money Advice for Prison Leavers",
         "{county} Debt Advice Project"),
        ("Free, confidential debt advice for people in prison and on probation, including help with court fines, "
         "rent arrears and priority debts.",
         "{org_s} money advisers help people with convictions in {place} deal with debt and plan a realistic "
         "budget."),
        ("We can help with Debt Relief Orders, payment plans and Breathing Space.",
         "Advisers can contact creditors on your behalf and help stop court action where possible.",
         "We check that you are getting all the benefits you are entitled to.",
         "Appointments are available face to face, by phone or by video."),
        stages=("community", "in-custody"), modes=("in-person", "phone", "online"), weight=3,
        accreditation="We are authorised and regulated by the Financial Conduct Authority for debt counselling."),
    _Archetype(
        ("finance-benefit-debt",),
        ("Benefits on Release", "Universal Credit Support for Prison Leavers", "{town} Welfare Rights Service",
         "Benefits and Money on Release"),
        ("Help to make a Universal Credit claim before or on the day of release, including asking for an advance "
         "payment so that you are not left without money.",
         "{org} helps people leaving prison in {place} get their benefits sorted quickly."),
        ("We can book your first Jobcentre appointment and help you gather the evidence you need.",
         "We help with PIP, ESA and Housing Benefit claims, mandatory reconsiderations and appeals.",
         "While you wait for your first payment, we can help you apply for a local welfare grant or a food bank "
         "voucher.",
         "Advisers visit prisons to start claims in the weeks before release."),
        stages=("through-the-gate", "in-custody", "community"), weight=3),
    _Archetype(
        ("finance-benefit-debt",),
        ("Bank Accounts for Prison Leavers", "Basic Bank Account Support", "Banking on Release"),
        ("We help people in prison open a basic bank account before release, so that wages and benefits can be "
         "paid from day one.",
         "{org} works with the prisons serving {cpa} to help people open a bank account before they leave."),
        ("Most people can open an account using documents the prison provides.",
         "We explain how to manage an account, avoid charges and stay safe from scams.",
         "If you have been refused an account before, we can still help."),
        stages=("in-custody",)),
    _Archetype(
        ("finance-benefit-debt", "accommodation"),
        ("ID Documents Service", "Birth Certificate and ID Help", "Proof of Identity for Prison Leavers"),
        ("Help to get the identification you need after release, such as a birth certificate, provisional "
         "driving licence or proof of address.",
         "{org} helps people in prison and on probation in {place} replace lost or missing ID."),
        ("We can pay the fee for a replacement birth certificate.",
         "Having ID ready makes it easier to open a bank account, claim benefits and rent a home.",
         "We can help you apply while you are still in prison."),
        stages=("in-custody", "community"), modes=("in-person", "phone")),
    _Archetype(
        ("finance-benefit-debt",),
        ("Resettlement Grants", "Essentials on Release Fund", "{county} Prison Leavers' Hardship Fund"),
        ("Small grants for the essentials people need on release, such as clothes, work boots, tools, a mobile "
         "phone or a travel pass.",
         "{org} gives one-off grants to people leaving prison in {place} who have no other way to pay for "
         "essentials."),
        ("Applications are made by a support worker, probation practitioner or member of prison staff.",
         "Most decisions are made within five working days.",
         "Grants are paid directly to suppliers rather than in cash."),
        stages=("through-the-gate", "community"), modes=("online", "phone"),
        access=("professional-referral", "portal-referral"), weight=1),
    _Archetype(
        ("finance-benefit-debt", "health"),
        ("Gambling Harm Support", "Gambling Harms Service for People with Convictions", "{town} Gambling Support"),
        ("Free, confidential support for people whose gambling has led to debt, offending or problems at home.",
         "{org} offers one-to-one and group support in {place} for people on probation affected by gambling "
         "harm."),
        ("Support includes counselling, money advice and help to block gambling sites and apps.",
         "Family members affected by someone's gambling can also get support.",
         "Appointments are available in person, by phone or online."),
        modes=("phone", "in-person", "online"), access=("self-referral", "professional-referral"), weight=1),
    # Children and families
    _Archetype(
        ("children-families",),
        ("Family Visits Support", "Prison Visits Help for Families", "Visitors' Centre Family Support",
         "{town} Families of Prisoners Support"),
        ("Support for families and children visiting someone in prison, including help with travel costs and "
         "what to expect on a visit.",
         "{org} supports families in {place} who have a relative in prison."),
        ("We can help you apply to the Help with Prison Visits scheme for travel costs.",
         "Family days in prison let children spend longer, more relaxed time with their parent.",
         "We offer a listening ear and practical help for partners, parents and carers."),
        stages=("in-custody",), modes=("in-person", "phone"), access=("self-referral", "professional-referral"),
        weight=3),
    _Archetype(
        ("children-families", "attitudes-thinking-behaviour"),
        ("Parenting Course", "Positive Parenting Programme", "Parenting After Prison – {town}",
         "Being a Parent on Probation"),
        ("A ten-week parenting course for mothers and fathers in contact with the justice system.",
         "{org} runs parenting groups in {town} for parents on probation who want to rebuild their relationship "
         "with their children."),
        ("Sessions cover child development, communication, routines and managing behaviour.",
         "Parents who complete the course receive a certificate that can support family court applications.",
         "Childcare and travel costs can be covered."),
        hours="group", weight=3),
    _Archetype(
        ("children-families",),
        ("Family Reconnection Service", "Family Mediation for Prison Leavers", "Rebuilding Family Ties – {town}"),
        ("Helps people leaving prison rebuild relationships with partners, children and wider family, including "
         "mediation and supported contact.",
         "{org_s} family workers help families in {place} prepare for a relative coming home from prison."),
        ("We can arrange mediation when there has been conflict or a long time apart.",
         "We work with children's social care where contact needs to be supervised.",
         "Support is available before and after release."),
        stages=_ALL_STAGES, modes=("in-person", "phone")),
    # Attitudes, thinking and behaviour
    _Archetype(
        ("attitudes-thinking-behaviour", "accommodation", "education-training-employment"),
        ("Through-the-Gate Mentoring", "Peer Mentoring Project", "Lived Experience Mentors – {town}",
         "{county} Mentoring Service", "Gate to Community Mentoring"),
        ("Trained peer mentors, all with lived experience of the justice system, meet you before release and "
         "support you through the first weeks in the community.",
         "{org} matches people leaving prison in {place} with a volunteer mentor who has been through it "
         "themselves."),
        ("Mentors can meet you at the gate on release day and go with you to your first appointments.",
         "Mentoring usually lasts up to twelve months and is completely voluntary.",
         "Many of our mentors were once mentored by us.",
         "Mentors help with confidence, motivation and staying away from old networks."),
        stages=("through-the-gate", "in-custody", "community"), modes=("in-person", "phone"), weight=4),
    _Archetype(
        ("attitudes-thinking-behaviour",),
        ("Restorative Justice Service", "{county} Restorative Justice Hub", "Restorative Conferences and Letters"),
        ("Restorative justice brings together people harmed by crime and those responsible, so that they can "
         "talk about what happened and find a way forward.",
         "{org} delivers restorative justice across {cpa} for victims and for people who have committed "
         "offences."),
        ("Every meeting is prepared carefully by trained facilitators and only goes ahead if both sides agree.",
         "Where meeting face to face is not right, we can arrange letters or shuttle communication.",
         "Restorative justice can take place in prison or in the community."),
        stages=("community", "in-custody"), access=("professional-referral", "self-referral"),
        accreditation="Our facilitators are trained to nationally recognised restorative practice standards."),
    _Archetype(
        ("attitudes-thinking-behaviour",),
        ("Victim Awareness Course", "Understanding the Impact of Crime", "Victim Empathy Programme"),
        ("A group course that helps people understand the impact of their offending on victims, families and "
         "communities.",
         "{org} runs victim awareness groups in {town} for people on probation, often as part of a rehabilitation "
         "activity requirement."),
        ("Sessions use discussion, case studies and, where possible, talks from people affected by crime.",
         "The course runs for eight weekly sessions.",
         "With your agreement, we share a completion report with your probation practitioner."),
        hours="group", access=("professional-referral", "portal-referral"), weight=1),
    _Archetype(
        ("attitudes-thinking-behaviour", "health"),
        ("Anger Management Course", "Managing Emotions Group", "{town} Anger Management", "Calm Choices Programme"),
        ("A practical course to help people understand their anger, spot the warning signs and respond "
         "differently.",
         "{org_s} anger management groups in {town} help people on probation deal with conflict without "
         "violence."),
        ("The course runs for ten weekly sessions, with one-to-one catch-ups.",
         "Techniques include breathing, thinking skills and planning for difficult situations.",
         "Groups are small, with no more than ten people."),
        hours="group"),
    _Archetype(
        ("attitudes-thinking-behaviour", "children-families"),
        ("Domestic Abuse Perpetrator Programme", "Healthy Relationships Programme for Men",
         "{county} Domestic Abuse Change Programme"),
        ("A 26-week group programme for men who want to stop being abusive or controlling in their "
         "relationships.",
         "{org} runs a domestic abuse change programme in {place} for men who have used violence or control "
         "against a partner."),
        ("Partners and ex-partners are offered independent support throughout the programme.",
         "Each man has an assessment before joining a group.",
         "The programme is delivered to nationally recognised standards for domestic abuse perpetrator work."),
        hours="evening", access=("professional-referral", "portal-referral", "self-referral"),
        audiences=_NOT_WOMEN, men_only=1.0),
    _Archetype(
        ("attitudes-thinking-behaviour", "accommodation"),
        ("Community Chaplaincy Mentoring", "Faith-Based Through-the-Gate Support", "{town} Chaplaincy Mentoring"),
        ("Faith-based mentoring that starts in prison and continues through the gate, open to people of all "
         "faiths and none.",
         "{org_s} volunteers from local faith communities help people leaving prison in {place} to settle and "
         "belong."),
        ("Volunteers can meet you at the gate and help you settle into the community.",
         "We help people find a welcoming community, whatever their beliefs.",
         "Support is practical as well as pastoral: appointments, shopping and paperwork."),
        stages=("through-the-gate", "in-custody", "community"), audiences=("faith",)),
    _Archetype(
        ("attitudes-thinking-behaviour", "education-training-employment"),
        ("Black and Minority Ethnic Mentoring", "African Caribbean Mentoring Project",
         "{town} Culturally Specific Mentoring"),
        ("A mentoring service led by and for people from Black, Asian and minority ethnic communities who are in "
         "prison or on probation.",
         "{org} offers culturally informed mentoring in {place}, with mentors who share the backgrounds of the "
         "people they support."),
        ("Mentors help people deal with discrimination, rebuild confidence and reconnect with their community.",
         "We also run groups on identity, family and faith.",
         "Mentoring can start in prison and continue after release."),
        stages=("community", "in-custody", "through-the-gate"), audiences=("bame",)),
    _Archetype(
        ("attitudes-thinking-behaviour", "health", "accommodation"),
        ("Veterans in the Justice System", "Forces Resettlement Support", "{county} Veterans' Support Service",
         "Ex-Forces Through-the-Gate Support"),
        ("Specialist support for armed forces veterans in prison or on probation, from people who understand "
         "military life.",
         "{org} helps ex-service personnel in {place} with housing, mental health and benefits after prison."),
        ("We help veterans access service charities, military pensions and veterans' mental health services.",
         "Many of our staff and volunteers are veterans themselves.",
         "We can support the families of veterans in prison too."),
        stages=("community", "in-custody", "through-the-gate"), modes=("in-person", "phone"),
        audiences=("veterans",), weight=1),
    _Archetype(
        ("attitudes-thinking-behaviour", "education-training-employment"),
        ("Young Adults Mentoring (18-25)", "Young Adults Transition Support", "{town} Young Adults Project",
         "Moving On Mentoring for Young Adults"),
        ("One-to-one mentoring for young adults aged 18 to 25 on probation or leaving custody, recognising that "
         "maturity develops into the mid-twenties.",
         "{org} supports young adults in {place} to move away from offending and into education, training or "
         "work."),
        ("Mentors help with education, training, work and independent living.",
         "We can help young people leave gangs and exploitation safely.",
         "Activities include sport, music and outdoor challenges."),
        stages=("community", "through-the-gate"), audiences=("young",)),
    _Archetype(
        ("attitudes-thinking-behaviour", "health"),
        ("Sport for Change Programme", "Creative Arts Project", "{town} Boxing and Mentoring",
         "Music and Spoken Word Workshops"),
        ("Weekly sport and creative sessions that use teamwork, discipline and self-expression to help people "
         "move away from offending.",
         "{org} runs arts, music and sport activities in {town} for people on probation."),
        ("No experience is needed and equipment is provided.",
         "Participants can gain sports leadership or arts awards.",
         "Sessions are led by coaches and artists, some with lived experience of prison."),
        hours="group", access=("self-referral", "professional-referral"), weight=1),
    # Women's services
    _Archetype(
        ("women-abuse-violence", "health", "children-families", "accommodation"),
        ("{town} Women's Centre", "Women's Community Hub – {town}", "{county} Women's Justice Service",
         "Women's Centre Drop-In"),
        ("A women-only centre offering one-to-one key work, group activities and specialist support for women "
         "in contact with the justice system.",
         "{org} is a safe, welcoming space in {town} where women on probation can get help with whatever they "
         "are facing."),
        ("Support covers housing, mental health, debt, children and healthy relationships, all in one place.",
         "Women can attend probation appointments at the centre instead of a probation office.",
         "A crèche is available during most group sessions.",
         "All staff are women and are trained in trauma-informed practice."),
        stages=("community", "through-the-gate"), hours="dropin", audiences=("women",), weight=4),
    _Archetype(
        ("women-abuse-violence", "accommodation", "children-families"),
        ("Domestic Abuse Support for Women", "Women's Independent Advocacy Service",
         "{county} Women's Domestic Abuse Service"),
        ("Independent advocacy for women on probation or leaving prison who have experienced domestic abuse, "
         "coercive control or sexual violence.",
         "{org_s} specialist advocates support women in {place} to be safe, understood and in control of what "
         "happens next."),
        ("Advocates help with safety planning, protective orders and the criminal and family courts.",
         "We can help you find a refuge or other safe accommodation.",
         "Support is confidential, and we will never contact you in a way that puts you at risk."),
        stages=("community", "in-custody"), modes=("in-person", "phone"), audiences=("women",), weight=3),
    _Archetype(
        ("women-abuse-violence", "health"),
        ("Healthy Relationships Group for Women", "Recovery from Abuse Programme", "Women's Trauma Recovery Group"),
        ("A twelve-week group for women who have experienced abuse, to understand what happened and rebuild "
         "confidence.",
         "{org} runs trauma recovery groups in {town} for women who have experienced domestic or sexual abuse."),
        ("Groups are small, women-only and run by two trained facilitators.",
         "We can help with travel costs.",
         "One-to-one support is available between sessions."),
        hours="group", audiences=("women",)),
    _Archetype(
        ("women-sex-work", "health", "drugs-alcohol"),
        ("Outreach for Women Involved in Sex Work", "{town} Women's Street Outreach", "Women's Outreach Van – {town}",
         "Support for Women in Sex Work"),
        ("Non-judgemental outreach and drop-in support for women involved in on-street or off-street sex work.",
         "{org_s} outreach team supports women in {place} who sell or exchange sex, including women on "
         "probation."),
        ("We provide sexual health services, harm reduction supplies and safety information.",
         "Women can report dangerous individuals anonymously through our safety alert scheme.",
         "When a woman wants to leave sex work, we support her every step of the way.",
         "A daytime drop-in offers food, showers and a nurse-led clinic."),
        hours="evening", access=("self-referral", "professional-referral"), audiences=("women",), weight=3),
    _Archetype(
        ("women-sex-work", "women-abuse-violence", "accommodation"),
        ("Exiting Exploitation Support", "Women's Exit Programme", "Routes Out of Prostitution – {county}"),
        ("Long-term support for women who want to leave prostitution or sexual exploitation, including women "
         "with convictions for soliciting.",
         "{org} helps women in {place} who have been involved in prostitution to build a life on their own "
         "terms."),
        ("Caseworkers help with housing, benefits, debt and drug or alcohol treatment.",
         "We can explain how old convictions affect job applications and when they become spent.",
         "Support continues for as long as a woman needs it."),
        stages=("community", "through-the-gate"), modes=("in-person", "phone"), audiences=("women",)),
)

_BY_PATHWAY: dict[str, tuple[_Archetype, ...]] = {
    pathway: tuple(a for a in _ARCHETYPES if a.pathways[0] == pathway)
    for pathway in TAXONOMIES["resettlement-pathway"].terms}

# How often each main pathway and CPA comes up: dealt from a shuffled deck, so each turns up at least once
# in every 29 (pathways) or 119 (CPAs) services.
_PATHWAY_WEIGHTS = {
    "accommodation": 6, "education-training-employment": 5, "health": 3, "drugs-alcohol": 4,
    "finance-benefit-debt": 3, "children-families": 2, "attitudes-thinking-behaviour": 4,
    "women-abuse-violence": 1, "women-sex-work": 1,
}
_CPA_WEIGHTS = {  # roughly twice the population in millions
    "northumbria": 3, "durham-tees-valley": 2, "cumbria-lancashire": 4, "merseyside": 3,
    "cheshire-greater-manchester": 8, "humberside-lincolnshire-north-yorkshire": 5, "south-yorkshire": 3,
    "west-yorkshire": 5, "derbyshire-leicestershire-nottinghamshire-rutland": 7, "staffordshire-west-midlands": 8,
    "warwickshire-west-mercia": 4, "hampshire-isle-of-wight": 4, "kent-surrey-sussex": 9, "thames-valley": 5,
    "bristol-gloucestershire-somerset-wiltshire": 6, "dorset-devon-cornwall": 5, "essex": 4, "norfolk-suffolk": 3,
    "bedfordshire-northamptonshire-cambridgeshire-hertfordshire": 7, "london": 18, "wales": 6,
}

# --- Audiences, organisations and people ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Audience:
    org_names: tuple[str, ...]  # name templates for organisations serving this audience
    name_suffix: str = ""  # added to the name of a general service they run
    sentence: str = ""  # added to the description of a general service they run
    eligibility: tuple[str, ...] = ()
    min_age: int = 18
    max_age: int | None = None
    new_org_weight: int = 0  # how often a new organisation running a general service serves this audience


_AUDIENCE = {
    "": _Audience((), new_org_weight=80),
    "women": _Audience(
        ("{place} Women's Centre", "{place} Women's {noun} Project", "{brand} Women's Network",
         "Women's {noun} {place}"),
        " for Women", "We work only with women, and all our staff are women.", ("women-only",), new_org_weight=3),
    "young": _Audience(
        ("{place} Young Futures", "{place} Young Adults {noun} Project", "{brand} Youth Trust"),
        " for Young Adults", "We work with young adults aged 18 to 25.", ("young-adults",), max_age=25,
        new_org_weight=4),
    "older": _Audience(
        ("{place} Later Life Project", "{brand} Later Life Trust"),
        " (50+)", "We work with people aged 50 and over.", min_age=50, new_org_weight=1),
    "faith": _Audience(
        ("St {saint}'s {noun} {suffix}", "{place} Churches Resettlement Network", "{place} Muslim Welfare Trust",
         "{place} Interfaith Resettlement Network", "{place} Community Chaplaincy", "{place} Sikh Seva Project"),
        sentence="We are a faith-based charity and welcome people of all faiths and none.", new_org_weight=6),
    "bame": _Audience(
        ("{place} African Caribbean {noun} Project", "{place} Asian Community {noun} Trust",
         "{place} Black Mentoring Collective", "{place} Gypsy, Roma and Traveller Justice Project"),
        sentence="We are led by and for people from Black, Asian and minority ethnic communities.",
        new_org_weight=4),
    "veterans": _Audience(
        ("{place} Veterans' {noun} Trust", "{brand} Veterans' Project", "Forces in Transition {place}"),
        " for Veterans", "We specialise in supporting armed forces veterans.", new_org_weight=1),
}

_SECTOR_WEIGHTS = {"voluntary-community": 60, "social-enterprise": 15, "private": 12, "public": 13}
_SECTOR_ORG_NAMES = {
    "voluntary-community": ("{place} {noun} {suffix}", "{brand} {noun} {suffix}", "{brand} {suffix}",
                            "The {brand} Project"),
    "social-enterprise": ("{brand} {noun} CIC", "{place} {noun} CIC", "{brand} CIC",
                          "{brand} Community Interest Company"),
    "private": ("{brand} {noun} Ltd", "{place} {noun} Ltd", "{brand} Group Ltd"),
    "public": ("{place} {public}",),  # one council or NHS team per place and purpose
}
_CHARITY_SUFFIXES = ("Trust", "Project", "Partnership", "Network", "Association", "Foundation")
_ORG_NOUNS = {
    "accommodation": ("Housing", "Homes", "Supported Housing", "Housing Support", "Move-On Housing"),
    "education-training-employment": ("Employment", "Skills", "Training", "Works", "Employability", "Jobs"),
    "health": ("Wellbeing", "Health", "Mental Health", "Health and Wellbeing"),
    "drugs-alcohol": ("Recovery", "Recovery Community", "Addiction Services", "Substance Misuse"),
    "finance-benefit-debt": ("Money Advice", "Advice", "Welfare Rights", "Debt Advice"),
    "children-families": ("Families", "Family Support", "Parenting", "Family Links"),
    "attitudes-thinking-behaviour": ("Mentoring", "Resettlement", "Restorative Justice", "Rehabilitation"),
    "women-abuse-violence": ("Support", "Safety", "Advocacy"),
    "women-sex-work": ("Outreach", "Support"),
}
_PUBLIC_SERVICES = {
    "accommodation": "Housing Options Team", "education-training-employment": "Adult Learning Service",
    "health": "Community Health Partnership", "drugs-alcohol": "Drug and Alcohol Service",
    "finance-benefit-debt": "Welfare Rights Unit", "children-families": "Family Support Service",
    "attitudes-thinking-behaviour": "Integrated Offender Management Partnership",
}
_PATHWAY_PROSE = {
    "accommodation": "housing", "education-training-employment": "learning and work",
    "health": "health and wellbeing", "drugs-alcohol": "drug and alcohol recovery",
    "finance-benefit-debt": "money, benefits and debt", "children-families": "family relationships",
    "attitudes-thinking-behaviour": "mentoring and behaviour change", "women-abuse-violence": "support after abuse",
    "women-sex-work": "support for women involved in sex work",
}
_BRANDS = ("Open Gate", "Common Ground", "Next Chapter", "Fresh Start", "Firm Footing", "New Horizons", "Open Door",
           "Safe Haven", "Stepping Stones", "New Roots", "Clear Horizons", "Bright Futures", "Steady Ground",
           "Onward Road", "Upward Steps", "Waymark", "Keystone", "Lantern", "Harbour Light", "True North",
           "Willow Bank", "Oak Tree", "Kindred", "Second Wind", "Open Road", "Level Ground", "New Dawn",
           "Solid Ground", "Blue Door", "Red Kite", "Kestrel", "Skylark", "Beacon", "Bridgeway", "Homeward",
           "Way Forward", "Milestone", "North Star", "Fresh Ground", "Hand in Hand", "Better Days", "Brighter Paths",
           "Riverside", "Hillside", "Greenway", "Wayfinder", "Anchor Point", "Moving On", "Step Forward",
           "Clear Path", "Good Ground", "Open Arms", "Holding Hands", "Lodestar", "Guiding Light")
_SAINTS = ("Aidan", "Anne", "Barnabas", "Bede", "Brigid", "Chad", "Columba", "Cuthbert", "Dunstan", "Helena",
           "Hilda", "Jude", "Luke", "Oswald", "Petroc", "Wilfrid")
_WOMENS_FIRST_NAMES = ("Aisha", "Bethan", "Chloe", "Claire", "Emma", "Fatima", "Grace", "Hannah", "Jade",
                       "Jasmine", "Joanne", "Kemi", "Lauren", "Leanne", "Michelle", "Natalia", "Nadia", "Priya",
                       "Rachel", "Rosa", "Sarah", "Sophie", "Yasmin", "Zofia")
_MENS_FIRST_NAMES = ("Amir", "Andrew", "Chidi", "Daniel", "Darren", "Dylan", "Gareth", "Imran", "James", "Kieran",
                     "Marcus", "Mark", "Mohammed", "Owen", "Paul", "Rhys", "Ryan", "Simon", "Tariq", "Tom", "Wayne")
_SURNAMES = ("Ahmed", "Ali", "Begum", "Bennett", "Campbell", "Clarke", "Davies", "Edwards", "Evans", "Green",
             "Hall", "Hughes", "Hussain", "Jackson", "Johnson", "Jones", "Khan", "Kowalski", "Lewis", "Lloyd",
             "Mensah", "Morgan", "Murphy", "Nowak", "O'Brien", "Okafor", "Patel", "Price", "Roberts", "Robinson",
             "Singh", "Smith", "Taylor", "Thomas", "Thompson", "Walker", "Ward", "White", "Williams", "Wilson",
             "Wood", "Wright")
_JOB_TITLES = {
    "accommodation": ("Housing Support Worker", "Accommodation Officer", "Tenancy Support Officer"),
    "education-training-employment": ("Employment Adviser", "Tutor", "Employer Engagement Lead"),
    "health": ("Health Navigator", "Wellbeing Practitioner", "Mental Health Nurse"),
    "drugs-alcohol": ("Recovery Worker", "Criminal Justice Keyworker", "Peer Recovery Coordinator"),
    "finance-benefit-debt": ("Money Adviser", "Welfare Rights Adviser", "Debt Caseworker"),
    "children-families": ("Family Support Worker", "Family Engagement Worker", "Parenting Practitioner"),
    "attitudes-thinking-behaviour": ("Mentor Coordinator", "Peer Mentor", "Programme Facilitator"),
    "women-abuse-violence": ("Women's Key Worker", "Independent Domestic Violence Adviser", "Women's Support Worker"),
    "women-sex-work": ("Outreach Worker", "Women's Caseworker", "Specialist Support Worker"),
}
_MANAGER_TITLES = ("Referrals Coordinator", "Service Manager", "Team Leader", "Project Coordinator")


class _LegalForm(NamedTuple):
    status: str
    phrase: str  # as used in a sentence
    identifier_schemes: tuple[str, ...]


_LEGAL_FORMS = {
    "voluntary-community": (
        _LegalForm("Registered charity", "registered charity", ("GB-CHC",)),
        _LegalForm("Charitable incorporated organisation", "charitable incorporated organisation", ("GB-CHC",)),
        _LegalForm("Charitable company limited by guarantee", "charitable company", ("GB-CHC", "GB-COH"))),
    "social-enterprise": (_LegalForm("Community interest company", "community interest company", ("GB-COH",)),),
    "private": (_LegalForm("Private company limited by shares", "independent company", ("GB-COH",)),),
    "public": (_LegalForm("Public body", "public service", ()),),
}
# org-id.guide scheme -> (identifier type, digits). Numbers start at 19..., above any issued so far.
_IDENTIFIER_SCHEMES = {"GB-CHC": ("Charity number", 7), "GB-COH": ("Company number", 8)}
_FOUNDED = {"voluntary-community": (1972, 2022), "social-enterprise": (2006, 2023), "private": (1988, 2022)}
_ORG_DESCRIPTIONS = {
    "voluntary-community": "{name} is a {legal} founded in {year} that supports people in {area} who are in "
                           "prison, on probation or recently released, with {focus}.",
    "social-enterprise": "{name} is a {legal} set up in {year}; it reinvests its profits in {focus} for people "
                         "with convictions in {area}.",
    "private": "{name} is an {legal} that has provided {focus} for people on probation and prison leavers in "
               "{area} since {year}.",
    "public": "{name} is a {legal} for residents of {area}, including people leaving prison and on probation, "
              "offering {focus}.",
}
_FUNDING = {
    "voluntary-community": (
        "Funded by the local Police and Crime Commissioner, charitable trusts and individual donations.",
        "Funded through a Commissioned Rehabilitative Services contract with HM Prison and Probation Service.",
        "Funded by lottery and charitable trust grants, with support from local businesses.",
        "Funded by the local authority and supported by volunteers and donations."),
    "social-enterprise": (
        "Funded by trading income from our social enterprises, with grants from charitable trusts.",
        "Funded through contracts with the local authority and HM Prison and Probation Service."),
    "private": (
        "Delivered under contract to HM Prison and Probation Service.",
        "Funded through adult skills funding and employer contributions."),
    "public": ("Funded by the local authority.", "Funded by the NHS through health and justice commissioning."),
}

# --- Places, times, phones and prices ---------------------------------------------------------------------

_STREET_NAMES = ("Station", "Church", "Victoria", "Mill", "Market", "Chapel", "Albert", "Park", "Queen", "King",
                 "Bridge", "Castle", "Manor", "Grange", "Union", "Wellington", "Nelson", "Albion", "Clarence",
                 "Portland", "Water", "Brook", "Foundry", "Tannery", "Priory", "Abbey", "Cavendish", "Regent",
                 "Trinity", "Stanley", "Hope", "Carlton", "Gladstone", "Waterloo", "Canal", "Forge", "Orchard",
                 "Meadow", "Cromwell", "Dale")
_STREET_TYPES = ("Street", "Road", "Lane", "Terrace", "Avenue", "Way", "Place", "Row", "Walk", "Parade", "Square",
                 "Gardens")
_BUILDINGS = ("{street} House", "Unit {n}, {street} Business Centre", "{street} Court", "The {street} Centre",
              "Suite {n}, {street} Chambers", "{street} Works")
_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # letters used in the second half of a postcode
_TRANSPORT = ("A short walk from {town} bus station.", "About ten minutes' walk from {town} railway station.",
              "On several bus routes; ask us for directions.", "Pay and display parking nearby.")
_ACCESSIBILITY = ("Step-free access and an accessible toilet.",
                  "Level access to all rooms, and a hearing loop at reception.",
                  "Our rooms are upstairs with no lift; we can arrange to meet you somewhere accessible.")
_LANGUAGES = (("Polish", "pl"), ("Urdu", "ur"), ("Punjabi", "pa"), ("Romanian", "ro"), ("Arabic", "ar"),
              ("Bengali", "bn"), ("Somali", "so"), ("Gujarati", "gu"), ("Portuguese", "pt"), ("Lithuanian", "lt"),
              ("Albanian", "sq"), ("Tigrinya", "ti"), ("Kurdish", "ku"), ("British Sign Language", "bfi"))

# Opening patterns: each is one or more (days, opens, closes) rows.
_HOURS: dict[str, tuple[tuple[tuple[str, str, str], ...], ...]] = {
    "office": ((("MO,TU,WE,TH,FR", "09:00", "17:00"),),
               (("MO,TU,WE,TH", "09:00", "17:00"), ("FR", "09:00", "16:30")),
               (("MO,TU,WE,TH,FR", "08:30", "16:30"),),
               (("MO,TU,WE,TH,FR", "10:00", "16:00"),)),
    "24h": ((("MO,TU,WE,TH,FR,SA,SU", "00:00", "23:59"),),),
    "dropin": ((("TU,TH", "10:00", "13:00"),), (("MO", "13:00", "16:00"), ("WE", "10:00", "12:30")),
               (("WE", "10:00", "14:00"),), (("MO,WE,FR", "10:00", "15:00"),)),
    "evening": ((("WE", "18:30", "20:00"),), (("MO", "19:00", "20:30"),), (("TH", "18:00", "19:30"),),
                (("TU,FR", "18:00", "21:00"),)),
    "group": ((("TU", "10:00", "12:00"),), (("TH", "13:30", "15:30"),), (("MO,WE", "10:30", "12:30"),)),
    "course": ((("MO,TU,WE,TH,FR", "09:30", "15:30"),), (("TU,WE,TH", "09:30", "15:00"),)),
}
_HOURS_NOTES = {
    "office": "Closed on bank holidays.", "24h": "Staff are on site 24 hours a day.",
    "dropin": "No appointment is needed during drop-in hours.", "evening": "Runs every week, including most bank "
    "holidays.", "group": "Groups run in blocks; ask us when the next one starts.",
    "course": "Courses start every few weeks; ask us for the next start date.",
}
_DAYS = {"MO": "Monday", "TU": "Tuesday", "WE": "Wednesday", "TH": "Thursday", "FR": "Friday", "SA": "Saturday",
         "SU": "Sunday"}

# Ofcom numbers reserved for drama (never allocated), by CPA; elsewhere the "no area" range 01632 960xxx.
_DRAMA_PHONE_PREFIXES = {
    "northumbria": "0191 498 0", "durham-tees-valley": "0191 498 0", "merseyside": "0151 496 0",
    "cheshire-greater-manchester": "0161 496 0", "south-yorkshire": "0114 496 0", "west-yorkshire": "0113 496 0",
    "derbyshire-leicestershire-nottinghamshire-rutland": "0115 496 0", "staffordshire-west-midlands": "0121 496 0",
    "thames-valley": "0118 496 0", "bristol-gloucestershire-somerset-wiltshire": "0117 496 0",
    "london": "020 7946 0", "wales": "029 2018 0",
}
_DRAMA_DEFAULT, _DRAMA_MOBILE, _DRAMA_FREEPHONE = "01632 960", "07700 900", "0808 157 0"


class _Price(NamedTuple):
    option: str
    lowest: float
    highest: float
    step: float
    amount_description: str


class _Cost(NamedTuple):
    prices: tuple[_Price, ...]
    fees_description: str  # {amount}: the last price


_COSTS = {
    "free": _Cost((_Price("Free of charge", 0, 0, 1, "No charge to the person using the service"),),
                  "This service is free."),
    "service-charge": _Cost(
        (_Price("Personal service charge", 8, 25, 0.5, "per week, towards food, heating and bills"),),
        "Rent is usually covered by Housing Benefit or the housing element of Universal Credit. Residents pay "
        "a personal service charge of {amount} a week."),
    "course": _Cost(
        (_Price("People on probation or leaving prison", 0, 0, 1, "Fully funded place"),
         _Price("Self-funded place", 150, 450, 5, "per course")),
        "Places are fully funded for people on probation and prison leavers; self-funded places cost {amount}."),
    "rehab": _Cost(
        (_Price("Funded placement", 0, 0, 1, "Agreed by your local drug and alcohol service"),
         _Price("Self-funded placement", 700, 1200, 50, "per week")),
        "Most placements are funded by local drug and alcohol services; self-funded places cost {amount} a week."),
}

_CLOSINGS = ("All support is free and confidential.",
             "Many of our staff and volunteers have lived experience of the justice system.",
             "We work closely with probation practitioners across {cpa}.",
             "We are happy to talk things through before you decide whether to take part.")
# Descriptions that invite people to turn up: the service then takes self-referrals and needs no referral
_WALK_IN = re.compile(r"no appointment is needed|no need to book|just come along|drop in|drop-in", re.IGNORECASE)
_CAPACITY_WEIGHTS = {"accepting": 78, "waiting-list": 16, "full": 6}
_HOUSING_CAPACITY_WEIGHTS = {"accepting": 60, "waiting-list": 25, "full": 15}
_SCOPE_WEIGHTS = {"local": 50, "cpa": 35, "region": 15}


# --- Generator state ---------------------------------------------------------------------------------------


class _Place(NamedTuple):
    outcode: str
    latitude: float
    longitude: float
    area: PostcodeArea


class _PlaceIndex(NamedTuple):
    by_cpa: dict[str, tuple[_Place, ...]]
    by_town: dict[tuple[str, str], tuple[_Place, ...]]  # (cpa, town)


@lru_cache(maxsize=1)
def _places() -> _PlaceIndex:
    """Postcode districts in England and Wales from the outcode list (the rest are skipped)."""
    by_cpa: dict[str, list[_Place]] = defaultdict(list)
    by_town: dict[tuple[str, str], list[_Place]] = defaultdict(list)
    with OUTCODES_CSV.open(newline="") as rows:
        for row in csv.DictReader(rows):
            area = locate_outcode(row["outcode"])
            if area is None:
                continue
            place = _Place(row["outcode"], float(row["latitude"]), float(row["longitude"]), area)
            by_cpa[area.cpa].append(place)
            by_town[area.cpa, area.town].append(place)
    return _PlaceIndex({k: tuple(v) for k, v in by_cpa.items()}, {k: tuple(v) for k, v in by_town.items()})


class _Deck:
    """Deals keys in proportion to their weights from a shuffled deck, refilled when empty."""

    def __init__(self, rng: random.Random, weights: dict[str, int]) -> None:
        self._rng = rng
        self._cards = [key for key, weight in weights.items() for _ in range(weight)]
        self._hand: list[str] = []

    def deal(self) -> str:
        if not self._hand:
            self._hand = self._cards.copy()
            self._rng.shuffle(self._hand)
        return self._hand.pop()


@dataclass(slots=True)
class _Location:
    id: str
    address_id: str
    accessibility_id: str
    name: str
    street: str  # the street's first word, which some service names reuse ("Albion House")
    address_1: str
    postal_code: str
    latitude: float
    longitude: float
    place: _Place
    transportation: str
    accessibility: str


@dataclass(slots=True)
class _Organisation:
    id: str
    name: str
    sector: str
    audience: str
    home: _Place | None  # None: a national organisation
    legal_status: str
    description: str
    domain: str
    year: int | None
    identifiers: list[dict[str, str]]
    sector_attribute_id: str
    funding: str
    locations: dict[str, list[_Location]] = field(default_factory=dict)  # by CPA
    pools: set[tuple[str | None, str, str]] = field(default_factory=set)  # keys of _DirectoryBuilder.orgs


@lru_cache(maxsize=8192)
def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower().replace("&", "and").replace("'", "")).strip("-")


def _possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def _clock(hhmm: str) -> str:
    """'09:00' -> '9am', '18:30' -> '6:30pm'."""
    hours, minutes = int(hhmm[:2]), int(hhmm[3:])
    if (hours, minutes) == (12, 0):
        return "midday"
    return f"{hours % 12 or 12}{f':{minutes:02d}' if minutes else ''}{'am' if hours < 12 else 'pm'}"


@lru_cache(maxsize=8192)
def _day_range(byday: str) -> str:
    """'MO,TU,WE,TH,FR' -> 'Monday to Friday'; 'TU,TH' -> 'Tuesdays and Thursdays'."""
    codes = byday.split(",")
    if len(codes) == 7:
        return "Every day"
    positions = [list(_DAYS).index(code) for code in codes]
    if len(codes) >= 3 and positions == list(range(positions[0], positions[0] + len(codes))):
        return f"{_DAYS[codes[0]]} to {_DAYS[codes[-1]]}"
    plural = [f"{_DAYS[code]}s" for code in codes]
    return plural[0] if len(plural) == 1 else f"{', '.join(plural[:-1])} and {plural[-1]}"


def _money(amount: float) -> str:
    return f"£{amount:,.0f}" if amount == int(amount) else f"£{amount:,.2f}"


_WITH_THE = {"north-east", "north-west", "east-midlands", "west-midlands", "east-of-england", "south-east",
             "south-west", "thames-valley"}  # regions and CPAs that read "in the ..."


def _in_phrase(slug: str, names: dict[str, str]) -> str:
    return f"the {names[slug]}" if slug in _WITH_THE else names[slug]


_UUID_CLEAR = ~(0xF << 76 | 0x3 << 62)  # version and variant bits
_UUID_SET = 0x4 << 76 | 0x2 << 62  # version 4, RFC 4122 variant

_TERMS: dict[tuple[str, str], dict[str, str]] = {
    (taxonomy, code): taxonomy_term(taxonomy, code) for taxonomy, spec in TAXONOMIES.items() for code in spec.terms}


class _DirectoryBuilder:
    """Builds services one at a time; organisations and their offices accumulate and are reused."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not a secret
        self.places = _places()
        self.pathways = _Deck(self.rng, _PATHWAY_WEIGHTS)
        self.cpas = _Deck(self.rng, _CPA_WEIGHTS)
        # Organisations by (CPA, or None if national; pathway; audience), so picking one never scans a list
        self.orgs: dict[tuple[str | None, str, str], list[_Organisation]] = defaultdict(list)
        self.org_names: dict[str, _Organisation] = {}
        self.service_names: set[tuple[str, str]] = set()  # (organisation id, service name): never twice

    # Random helpers ---------------------------------------------------------------------------------------

    def uuid(self) -> str:
        """A random (version 4) UUID from the seeded generator; str(uuid.UUID(int=n, version=4)), only faster."""
        h = "%032x" % (self.rng.getrandbits(128) & _UUID_CLEAR | _UUID_SET)
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def weighted(self, weights: dict[str, int]) -> str:
        return self.rng.choices(list(weights), list(weights.values()))[0]

    def some(self, options: Sequence[str], chance: float = 0.5, limit: int = 3) -> list[str]:
        """The first option, plus each of the others with the given chance, up to `limit`."""
        chosen = [options[0]] + [option for option in options[1:] if self.rng.random() < chance]
        return chosen[:limit]

    def phone(self, prefix: str) -> str:
        return f"{prefix}{self.rng.randrange(1000):03d}"

    # Organisations and locations ----------------------------------------------------------------------------

    def organisation(self, archetype: _Archetype, cpa: str, place: _Place) -> _Organisation:
        """Mostly an existing organisation working on this pathway here (or nationally), else a new one."""
        rng = self.rng
        if rng.random() < 0.08 and (org := self.existing(None, archetype)):
            return org
        if rng.random() < 0.75 and (org := self.existing(cpa, archetype)):
            return org
        return self.new_organisation(archetype, cpa, place)

    def existing(self, cpa: str | None, archetype: _Archetype) -> _Organisation | None:
        """A uniformly random organisation that could run this archetype in `cpa`, if there is one."""
        pools = [self.orgs.get((cpa, archetype.pathways[0], audience), ()) for audience in archetype.audiences]
        index = self.rng.randrange(sum(map(len, pools)) or 1)
        for pool in pools:
            if index < len(pool):
                return pool[index]
            index -= len(pool)
        return None

    def new_organisation(self, archetype: _Archetype, cpa: str, place: _Place) -> _Organisation:
        rng = self.rng
        audience = self.weighted({a: _AUDIENCE[a].new_org_weight for a in archetype.audiences}) \
            if len(archetype.audiences) > 1 else archetype.audiences[0]
        sector = self.weighted(_SECTOR_WEIGHTS) if audience == "" else "voluntary-community"
        is_national = sector != "public" and rng.random() < 0.05
        focus = [archetype.pathways[0]] + [p for p in archetype.pathways[1:] if rng.random() < 0.3]
        name = self.organisation_name(audience, sector, focus[0], None if is_national else place)
        if (namesake := self.org_names.get(name)) is not None:  # same name, same organisation
            self.register(namesake, None if namesake.home is None else cpa, focus)
            return namesake
        legal = rng.choice(_LEGAL_FORMS[sector])
        year = rng.randint(*_FOUNDED[sector]) if sector in _FOUNDED else None
        area = "England and Wales" if is_national else rng.choice((place.area.town, place.area.county))
        focus_prose = " and ".join(_PATHWAY_PROSE[p] for p in focus[:2])
        description = _ORG_DESCRIPTIONS[sector].format(name=name, legal=legal.phrase, year=year, area=area,
                                                       focus=focus_prose)
        if _AUDIENCE[audience].sentence:
            description += " " + _AUDIENCE[audience].sentence
        org_id = self.uuid()
        identifiers = [self.identifier(org_id, scheme) for scheme in legal.identifier_schemes]
        org = _Organisation(
            id=org_id, name=name, sector=sector, audience=audience, home=None if is_national else place,
            legal_status=legal.status, description=description, year=year,
            domain=f"{_slug(name)[:63].rstrip('-')}.example.org",  # a DNS label is at most 63 characters
            identifiers=identifiers, sector_attribute_id=self.uuid(), funding=rng.choice(_FUNDING[sector]))
        self.register(org, None if is_national else cpa, focus)
        self.org_names[name] = org
        return org

    def register(self, org: _Organisation, cpa: str | None, pathways: list[str]) -> None:
        """Make `org` a candidate for services on these pathways in `cpa` (None: anywhere)."""
        for pathway in pathways:
            key = (cpa, pathway, org.audience)
            if key not in org.pools:
                org.pools.add(key)
                self.orgs[key].append(org)

    def identifier(self, org_id: str, scheme: str) -> dict[str, str]:
        kind, digits = _IDENTIFIER_SCHEMES[scheme]
        number = f"19{self.rng.randrange(10 ** (digits - 2)):0{digits - 2}d}"
        return {"id": self.uuid(), "organization_id": org_id, "identifier_scheme": scheme, "identifier_type": kind,
                "identifier": number}

    def organisation_name(self, audience: str, sector: str, pathway: str, place: _Place | None) -> str:
        """A name in the style of the audience or sector; a national organisation's is built on a brand."""
        rng = self.rng
        brand = rng.choice(_BRANDS)
        return rng.choice(_AUDIENCE[audience].org_names or _SECTOR_ORG_NAMES[sector]).format(
            place=brand if place is None else rng.choice((place.area.town, place.area.county)), brand=brand,
            noun=rng.choice(_ORG_NOUNS[pathway]), suffix=rng.choice(_CHARITY_SUFFIXES), saint=rng.choice(_SAINTS),
            public=_PUBLIC_SERVICES.get(pathway, ""))

    def location(self, org: _Organisation, cpa: str) -> _Location:
        rng, offices = self.rng, org.locations.setdefault(cpa, [])
        if offices and rng.random() < 0.7:
            return rng.choice(offices)
        home = org.home if org.home is not None and org.home.area.cpa == cpa and rng.random() < 0.5 else None
        place = rng.choice(self.places.by_town[cpa, home.area.town] if home else self.places.by_cpa[cpa])
        street_word = rng.choice(_STREET_NAMES)
        street = "High Street" if rng.random() < 0.08 else f"{street_word} {rng.choice(_STREET_TYPES)}"
        number_and_street = f"{rng.randint(1, 240)} {street}"
        building = rng.choice(_BUILDINGS).format(street=street_word, n=rng.randint(1, 24)) \
            if rng.random() < 0.45 else ""
        office = _Location(
            id=self.uuid(), address_id=self.uuid(), accessibility_id=self.uuid(),
            name=building or f"{org.name}, {place.area.town}", street=street_word,
            address_1=f"{building}, {number_and_street}" if building else number_and_street,
            postal_code=f"{place.outcode} {rng.randint(1, 9)}{rng.choice(_INWARD_LETTERS)}"
                        f"{rng.choice(_INWARD_LETTERS)}",
            latitude=round(place.latitude + rng.uniform(-0.008, 0.008), 6),
            longitude=round(place.longitude + rng.uniform(-0.012, 0.012), 6),
            place=place, transportation=rng.choice(_TRANSPORT).format(town=place.area.town),
            accessibility=rng.choice(_ACCESSIBILITY))
        offices.append(office)
        return office

    # Services --------------------------------------------------------------------------------------------

    def service(self) -> Service:
        rng = self.rng
        pathway = self.pathways.deal()
        archetype = rng.choices(_BY_PATHWAY[pathway], [a.weight for a in _BY_PATHWAY[pathway]])[0]
        cpa = self.cpas.deal()
        region = CPA_REGION[cpa]
        org = self.organisation(archetype, cpa, rng.choice(self.places.by_cpa[cpa]))
        audience = _AUDIENCE[org.audience]
        offices = [self.location(org, cpa)]
        if rng.random() < 0.12:
            second = self.location(org, cpa)
            offices += [second] if second is not offices[0] else []
        office = offices[0]
        service_id = self.uuid()

        # Facets
        pathways = self.some(archetype.pathways, 0.5)
        if org.audience == "women" and "women-abuse-violence" not in pathways and rng.random() < 0.4:
            pathways = pathways[:2] + ["women-abuse-violence"]
        stages = self.some(archetype.stages)
        modes = self.some(archetype.modes + tuple(m for m in ("phone", "online") if m not in archetype.modes),
                          0.3)
        access = [r for r in archetype.access if rng.random() < 0.6] or [archetype.access[0]]
        capacity = self.weighted(_HOUSING_CAPACITY_WEIGHTS if pathway == "accommodation" else _CAPACITY_WEIGHTS)
        eligibility = list(audience.eligibility)
        if org.audience != "women" and rng.random() < archetype.men_only:
            eligibility.append("men-only")
        housing = "accommodation" in pathways
        if rng.random() < (0.2 if housing else 0.55):
            eligibility.append("accepts-arson")
        if rng.random() < (0.15 if housing else 0.5):
            eligibility.append("accepts-sexual-offences")
        if "self-referral" in access and (archetype.hours in {"dropin", "evening"} or rng.random() < 0.15):
            eligibility.append("no-referral-needed")

        # Where it is offered
        remote = modes[0] != "in-person" or (len(modes) > 1 and archetype.hours in {"office", "course"})
        scope = "national" if org.home is None and remote and rng.random() < 0.5 else self.weighted(_SCOPE_WEIGHTS)
        town, cpa_phrase = office.place.area.town, _in_phrase(cpa, CONTRACT_PACKAGE_AREAS)
        area_name, place_phrase = {
            "local": (town, town), "cpa": (CONTRACT_PACKAGE_AREAS[cpa], cpa_phrase),
            "region": (REGIONS[region], _in_phrase(region, REGIONS)),
            "national": ("England and Wales", "England and Wales")}[scope]

        # Words
        context = {"org": org.name, "org_s": _possessive(org.name), "town": town,
                   "county": office.place.area.county, "place": place_phrase, "cpa": cpa_phrase,
                   "cpa_name": CONTRACT_PACKAGE_AREAS[cpa], "street": office.street}
        general = len(archetype.audiences) > 1  # not written for one audience, so say whom this one serves
        template = rng.choice(archetype.names)
        name = template.format_map(context) + (audience.name_suffix if general else "")
        if "{" not in template and rng.random() < 0.4:  # a generic name: directories often add the town
            name += f" – {town}"
        sentences = [rng.choice(archetype.intros)] + rng.sample(archetype.details, rng.randint(1, 2))
        if general and audience.sentence:
            sentences.append(audience.sentence)
        if len(sentences) < 4 and rng.random() < 0.3:
            closings = _CLOSINGS if archetype.cost == "free" else _CLOSINGS[1:]  # "free" only when it is
            sentences.append(rng.choice(closings))
        description = " ".join(sentences).format_map(context)
        if _WALK_IN.search(f"{name} {description}"):  # "no appointment is needed", "just come along": so it is
            access = access if "self-referral" in access else access + ["self-referral"]
            if "no-referral-needed" not in eligibility:
                eligibility.append("no-referral-needed")
        name = self.unique_name(org, name, office, town, office.place.area.county)
        website = f"https://{org.domain}/"
        email = f"{rng.choice(('referrals', 'enquiries', 'hello', _slug(town)))}@{org.domain}"
        main_phone = self.phone(_DRAMA_PHONE_PREFIXES.get(cpa, _DRAMA_DEFAULT))

        assured = REFERENCE_DATE - timedelta(days=self.days_since_checked())
        modified = datetime.combine(assured, time(8)) + timedelta(
            days=rng.randint(0, min(90, (REFERENCE_DATE - assured).days)), seconds=rng.randrange(36_000),
            milliseconds=rng.randrange(1000))
        cost_options, fees_description = self.costs(archetype.cost, service_id, assured)
        service: Service = {
            "id": service_id,
            "organization_id": org.id,
            "name": name,
            "description": description,
            "url": f"{website}services/{_slug(name)}",
            "email": email,
            "status": "active",
            "application_process": self.application_process(access, eligibility, capacity, email, main_phone,
                                                             archetype.hours),
            "fees_description": fees_description,
            "eligibility_description": self.eligibility_description(org.audience, eligibility, stages,
                                                                    place_phrase, housing),
            "minimum_age": audience.min_age,
            "assured_date": assured.isoformat(),
            "last_modified": modified.isoformat(timespec="milliseconds") + "Z",
        }
        if audience.max_age:
            service["maximum_age"] = audience.max_age
        if archetype.accreditation:
            service["accreditations"] = archetype.accreditation
        if capacity == "full":
            reopens = REFERENCE_DATE + timedelta(days=rng.randint(30, 120))
            service["alert"] = (f"This service is full. We expect to take new referrals again from "
                                f"{reopens:%B %Y}.")
        service["cost_options"] = cost_options
        service["phones"] = self.phones(service_id, main_phone, modes)
        service["schedules"] = self.schedules(service_id, archetype.hours, assured, modes, town)
        service["service_areas"] = [{
            "id": self.uuid(), "service_id": service_id, "name": area_name,
            "description": f"Open to people living in, or being released to, "
                           f"{place_phrase}{' and the surrounding area' if scope == 'local' else ''}."}]
        service["service_at_locations"] = [self.service_at_location(service_id, o, region) for o in offices]
        service["languages"], interpretation = self.languages(service_id, region)
        if interpretation:
            service["interpretation_services"] = interpretation
        service["organization"] = self.organisation_record(org)
        service["funding"] = [{"id": self.uuid(), "organization_id": org.id, "service_id": service_id,
                               "source": org.funding}]
        service["contacts"] = self.contacts(service_id, org, pathways[0])
        facets = [("resettlement-pathway", pathways), ("resettlement-stage", stages), ("eligibility", eligibility),
                  ("access-route", access), ("capacity-status", [capacity]), ("delivery-mode", modes),
                  ("sector", [org.sector]), ("region", [region]), ("contract-package-area", [cpa])]
        service["attributes"] = [self.attribute(taxonomy, code, service_id, "service")
                                 for taxonomy, codes in facets for code in codes]
        return service

    def unique_name(self, org: _Organisation, name: str, office: _Location, town: str, county: str) -> str:
        """A name its organisation has not used for another service: like a real directory, add the town, the
        county or the street to tell two of an organisation's services apart."""
        street = office.address_1.split(", ")[-1].lstrip("0123456789 ")
        candidates = [name] + [f"{name} – {where}" for where in (town, county) if where not in name] + \
            [f"{name} ({street})"] + [f"{name} ({street}) {n}" for n in range(2, 100)]
        chosen = next(c for c in candidates if (org.id, c) not in self.service_names)
        self.service_names.add((org.id, chosen))
        return chosen

    def days_since_checked(self) -> int:
        """How long before REFERENCE_DATE the provider last confirmed the listing: most within 5 months, some
        due for review (5 to 12 months), some unverified (over 12 months: ranks lower) and a few hidden (over
        15 months: out of search until reviewed), so the demo shows every freshness rule."""
        roll = self.rng.random()
        if roll < 0.02:
            return self.rng.randint(470, 540)  # hidden
        if roll < 0.07:
            return self.rng.randint(372, 450)  # unverified
        if roll < 0.22:
            return self.rng.randint(158, 358)  # due for review
        return self.rng.randrange(148)  # fresh

    def attribute(self, taxonomy: str, code: str, link_id: str, entity: str, id_: str | None = None) -> dict:
        term = _TERMS[taxonomy, code]
        return {"id": id_ or self.uuid(), "link_id": link_id, "link_type": taxonomy, "link_entity": entity,
                "taxonomy_term_id": term["id"], "taxonomy_term": dict(term)}

    def organisation_record(self, org: _Organisation) -> dict:
        record = {"id": org.id, "name": org.name, "description": org.description,
                  "website": f"https://{org.domain}/", "email": f"info@{org.domain}",
                  "legal_status": org.legal_status}
        if org.year:
            record["year_incorporated"] = org.year
        record["organization_identifiers"] = [dict(identifier) for identifier in org.identifiers]
        record["attributes"] = [self.attribute("sector", org.sector, org.id, "organization",
                                               org.sector_attribute_id)]
        return record

    def service_at_location(self, service_id: str, office: _Location, region: str) -> dict:
        nation = "Wales" if region == "wales" else "England"
        return {
            "id": self.uuid(), "service_id": service_id, "location_id": office.id,
            "location": {
                "id": office.id, "location_type": "physical", "name": office.name,
                "transportation": office.transportation,
                "latitude": office.latitude, "longitude": office.longitude,
                "addresses": [{
                    "id": office.address_id, "location_id": office.id, "address_1": office.address_1,
                    "city": office.place.area.town, "region": REGIONS[region], "state_province": nation,
                    "postal_code": office.postal_code, "country": "GB", "address_type": "physical"}],
                "accessibility": [{"id": office.accessibility_id, "location_id": office.id,
                                   "description": office.accessibility}],
            },
        }

    def application_process(self, access: list[str], eligibility: list[str], capacity: str, email: str,
                            phone: str, hours: str) -> str:
        steps = []
        if "no-referral-needed" in eligibility:
            steps.append("You do not need a referral: just come along.")
        if "portal-referral" in access:
            steps.append("Probation practitioners and prison staff can refer through the Resettlement "
                         "Partnership Portal.")
        if "professional-referral" in access:
            steps.append(f"Professionals can refer by sending our referral form to {email}.")
        if "self-referral" in access:
            steps.append(f"You can refer yourself by calling {phone}"
                         f"{' or dropping in' if hours == 'dropin' else ''}.")
        if capacity == "waiting-list":
            steps.append(f"There is currently a waiting list of about {self.rng.randint(2, 12)} weeks.")
        elif capacity == "full":
            steps.append("We are not taking new referrals at the moment.")
        return " ".join(steps)

    def eligibility_description(self, audience: str, eligibility: list[str], stages: list[str], place: str,
                                housing: bool) -> str:
        men = "men-only" in eligibility
        who = {"women": "Women", "young": "Young men" if men else "Young adults"}.get(audience) or (
            "Men" if men else "Adults")
        ages = {"young": "aged 18 to 25", "older": "aged 50 and over"}.get(audience, "aged 18 and over")
        situation = "in prison or recently released" if stages == ["in-custody"] else self.rng.choice((
            "on probation, on licence or recently released from prison",
            "who are on probation or have left prison in the last 12 months",
            "leaving prison or under probation supervision"))
        arson, sexual = "accepts-arson" in eligibility, "accepts-sexual-offences" in eligibility
        if arson and sexual:
            offences = "We can accept people with arson or sexual offence convictions after a risk assessment."
        elif arson or sexual:
            accepted, refused = ("arson", "sexual offence") if arson else ("sexual offence", "arson")
            offences = (f"We can consider people with {accepted} convictions, but cannot accept people with "
                        f"{refused} convictions.")
        elif housing:
            offences = "We are unable to accept people with arson or sexual offence convictions."
        else:
            offences = "Please talk to us about any offence-related restrictions."
        return f"{who} {ages} {situation} in {place}. {offences}"

    def costs(self, kind: str, service_id: str, assured: date) -> tuple[list[dict], str]:
        cost, options = _COSTS[kind], []
        amount = 0.0
        for price in cost.prices:
            steps = int((price.highest - price.lowest) / price.step)
            amount = price.lowest + price.step * self.rng.randint(0, steps)
            amount = int(amount) if amount == int(amount) else amount
            options.append({"id": self.uuid(), "service_id": service_id, "valid_from": assured.isoformat(),
                            "option": price.option, "currency": "GBP", "amount": amount,
                            "amount_description": price.amount_description})
        return options, cost.fees_description.format(amount=_money(amount))

    def phones(self, service_id: str, main: str, modes: list[str]) -> list[dict]:
        phones = [{"id": self.uuid(), "service_id": service_id, "number": main, "type": "voice",
                   "description": "Referrals and enquiries"}]
        if "phone" in modes and self.rng.random() < 0.3:
            phones.append({"id": self.uuid(), "service_id": service_id, "number": self.phone(_DRAMA_FREEPHONE),
                           "type": "voice", "description": "Freephone support line"})
        elif self.rng.random() < 0.15:
            phones.append({"id": self.uuid(), "service_id": service_id, "number": self.phone(_DRAMA_MOBILE),
                           "type": "text", "description": "Text us and we will call you back"})
        return phones

    def schedules(self, service_id: str, hours: str, valid_from: date, modes: list[str], town: str) -> list[dict]:
        attending = {"in-person": f"in person in {town}", "phone": "by phone", "online": "online"}
        how = [attending[mode] for mode in modes]
        attending_type = "You can use this service " + (
            how[0] if len(how) == 1 else f"{', '.join(how[:-1])} or {how[-1]}") + "."
        schedules = []
        for byday, opens, closes in self.rng.choice(_HOURS[hours]):
            description = "Open 24 hours a day, 7 days a week" if hours == "24h" else \
                f"{_day_range(byday)}, {_clock(opens)} to {_clock(closes)}"
            schedules.append({
                "id": self.uuid(), "service_id": service_id, "valid_from": valid_from.isoformat(),
                "freq": "WEEKLY", "wkst": "MO", "byday": byday, "opens_at": opens, "closes_at": closes,
                "description": description, "attending_type": attending_type, "notes": _HOURS_NOTES[hours]})
        return schedules

    def languages(self, service_id: str, region: str) -> tuple[list[dict], str]:
        rng = self.rng
        spoken = [("English", "en")]
        if region == "wales" and rng.random() < 0.75:
            spoken.append(("Welsh", "cy"))
        spoken += rng.sample(_LANGUAGES, rng.choice((0, 0, 0, 1, 2)))
        records = [{"id": self.uuid(), "service_id": service_id, "name": name, "code": code} for name, code in spoken]
        for record in records[1:]:
            record["note"] = "Spoken by members of our team"
        interpretation = "Telephone interpreting is available in most languages on request." \
            if rng.random() < 0.5 else ""
        return records, interpretation

    def contacts(self, service_id: str, org: _Organisation, pathway: str) -> list[dict]:
        rng, contacts = self.rng, []
        titles = [rng.choice(_MANAGER_TITLES), rng.choice(_JOB_TITLES[pathway])]
        for title in titles[:rng.choice((1, 1, 2))]:
            female = org.audience == "women" or rng.random() < 0.5  # women's services have female staff
            first = rng.choice(_WOMENS_FIRST_NAMES if female else _MENS_FIRST_NAMES)
            last = rng.choice(_SURNAMES)
            contact_id = self.uuid()
            contacts.append({
                "id": contact_id, "organization_id": org.id, "service_id": service_id,
                "name": f"{first} {last}", "title": title,
                "email": f"{_slug(first)}.{_slug(last)}@{org.domain}",
                "phones": [{"id": self.uuid(), "contact_id": contact_id, "number": self.phone(_DRAMA_MOBILE),
                            "type": "cell"}]})
        return contacts


def generate_services(count: int, seed: int = 1) -> Iterator[Service]:
    """Stream `count` invented services in the HSDS 3.0 nested service shape.

    The same seed always gives the same services, and a shorter run is a prefix of a longer one.
    """
    if count < 0:
        raise ValueError("count must not be negative")
    builder = _DirectoryBuilder(seed)
    return (builder.service() for _ in range(count))


def generate_demo_directory(size: int | None = None) -> list[Service]:
    """The demo directory: 2,200 services (or the first `size` of them) covering every region, contract package
    area and pathway."""
    return list(generate_services(DEMO_DIRECTORY_SIZE if size is None else size, DEMO_SEED))
