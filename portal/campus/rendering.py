"""Turning stored words into what people see: lesson Markdown into safe HTML that links only inside the campus,
uploaded pictures checked and kept under the instance folder, and a CV as a tidy PDF."""
from __future__ import annotations

import re
import unicodedata

import markdown
import nh3
from flask import url_for
from markupsafe import Markup

from portal import uploads

ALLOWED_TAGS = {"p", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "blockquote", "a", "img", "br", "hr",
                "table", "thead", "tbody", "tr", "th", "td", "code", "pre"}
IMAGE_REF = re.compile(r"^image:([A-Za-z0-9_-]{8,24})$")
IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg"}
MAX_IMAGE_BYTES = 2 * 1024 * 1024
MAX_IMAGE_PIXELS = 4000 * 4000


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    """Links only to campus pages; pictures only those uploaded here (written as `image:<id>` in Markdown).
    nh3 keeps the value when the filter raises, so nothing here may raise."""
    try:
        return _filter(tag, attribute, value)
    except Exception:  # noqa: BLE001
        return None


def _filter(tag: str, attribute: str, value: str) -> str | None:
    if tag == "a" and attribute == "href":
        return value if value.startswith("/campus/") and not value.startswith("//") else None
    if tag == "img" and attribute == "src":
        match = IMAGE_REF.match(value)
        return url_for("campus.image", public_id=match.group(1)) if match else None
    return value


def render_markdown(text: str) -> Markup:
    html = markdown.markdown(text or "", extensions=["tables", "sane_lists"], output_format="html")
    # Headings in lessons start at level 2: the page has its own h1.
    html = re.sub(r"<(/?)h1>", r"<\1h2>", html)
    clean = nh3.clean(html, tags=ALLOWED_TAGS, attributes={"a": {"href"}, "img": {"src", "alt"}},
                      attribute_filter=_attribute_filter, url_schemes={"image"}, link_rel=None,
                      strip_comments=True)
    clean = re.sub(r"<img(?![^>]*\bsrc=)[^>]*>", "", clean)  # a picture from elsewhere is dropped entirely
    clean = re.sub(r"<a>(.*?)</a>", r"\1", clean, flags=re.DOTALL)  # a link out of the campus is left as words
    return Markup(_govuk_classes(clean))  # noqa: S704 - sanitised by nh3 above


def _govuk_classes(html: str) -> str:
    for tag, css in (("p", "govuk-body"), ("h2", "govuk-heading-m"), ("h3", "govuk-heading-s"),
                     ("h4", "govuk-heading-s"), ("ul", "govuk-list govuk-list--bullet"),
                     ("ol", "govuk-list govuk-list--number"), ("a", "govuk-link"), ("table", "govuk-table"),
                     ("img", "app-campus-image")):
        html = re.sub(rf"<{tag}(?=[\s>])", f'<{tag} class="{css}"', html)
    return html


# --- Pictures ---

IMAGE_AREA = "campus_images"  # pictures are kept by the storage module under campus_images/<public id>


def image_key(public_id: str) -> str:
    return f"{IMAGE_AREA}/{public_id}"


def check_image(data: bytes) -> str:
    """The media type of an uploaded picture (PNG or JPEG), after checking it really is one and not too big
    (through the portal's one checked upload path, `portal.uploads`)."""
    checked = uploads.check_bytes("", data, kinds=("png", "jpeg"), max_bytes=MAX_IMAGE_BYTES, field="image",
                                  max_pixels=MAX_IMAGE_PIXELS, messages={
                                      "missing": "Select a picture to upload",
                                      "too_big": "The picture must be smaller than 2MB",
                                      "wrong_type": "The picture must be a PNG or JPG",
                                      "too_many_pixels": "The picture must be at most 4,000 by 4,000 pixels"})
    return checked.content_type


# --- The CV as a PDF ---

_REPLACEMENTS = {"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "...", "•": "-", "\u00a0": " "}


def _latin1(text: str) -> str:
    """The PDF's built-in font covers Latin-1: keep accents where it can, replace or drop anything else."""
    text = "".join(_REPLACEMENTS.get(ch, ch) for ch in text or "")
    out = []
    for ch in text:
        try:
            ch.encode("latin-1")
            out.append(ch)
        except UnicodeEncodeError:
            out.append(unicodedata.normalize("NFKD", ch).encode("latin-1", "ignore").decode("latin-1"))
    return "".join(out)


SECTION_TITLES = (("work", "Work history"), ("prison_work", "Work in prison"),
                  ("training", "Training and volunteering"), ("qualification", "Qualifications"))


def cv_pdf(snapshot: dict) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_title(_latin1(f"CV - {snapshot['name']}"))
    pdf.set_creator("Resettlement Partnership Portal")
    pdf.set_lang("en-GB")
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def heading(text: str) -> None:
        pdf.ln(4)
        pdf.set_font("Helvetica", "B", 13)
        pdf.cell(width, 8, _latin1(text), new_x="LMARGIN", new_y="NEXT")
        pdf.set_draw_color(180, 180, 180)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + width, pdf.get_y())
        pdf.ln(2)

    def paragraph(text: str, style: str = "", size: int = 11) -> None:
        pdf.set_font("Helvetica", style, size)
        pdf.multi_cell(width, 5.5, _latin1(text), new_x="LMARGIN", new_y="NEXT")

    pdf.set_font("Helvetica", "B", 20)
    pdf.cell(width, 12, _latin1(snapshot["name"]), new_x="LMARGIN", new_y="NEXT")
    if snapshot.get("personal_statement"):
        heading("Personal statement")
        paragraph(snapshot["personal_statement"])
    if snapshot.get("skills"):
        heading("Skills")
        for skill in snapshot["skills"]:
            paragraph(f"-  {skill}")
    for kind, title in SECTION_TITLES:
        entries = snapshot["sections"].get(kind) or []
        if not entries:
            continue
        heading(title)
        for entry in entries:
            line = entry["title"] + (f", {entry['place']}" if entry["place"] else "")
            paragraph(line, "B")
            if entry["dates"]:
                paragraph(entry["dates"], "I", 10)
            if entry["description"]:
                paragraph(entry["description"])
            pdf.ln(2)
    if snapshot.get("disclosure"):
        heading("About my conviction")
        paragraph(snapshot["disclosure"])
    heading("References")
    paragraph(snapshot.get("references") or "Available on request.")
    return bytes(pdf.output())
