"""Forms for finding services and keeping lists of them.

The search form is a GET form (results are linkable) and forgiving: options it does not know are dropped,
not refused, and only the age and postcode can be wrong in a way worth telling the person about.
"""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, SelectMultipleField, StringField, ValidationError
from wtforms.validators import Length

from portal.directory import finding
from portal.directory.finding import DEFAULT_MILES, DISTANCES_MILES, FACETS, MAX_PAGE, SORTS, Criteria, Place
from portal.directory.postcodes import locate
from portal.errors import DomainError
from portal.forms import NoControlCharacters, Required, choices, email_validators

NEW_LIST = "new"
MAX_AGE = 120


class FilterField(SelectMultipleField):
    """Checkbox options from a vocabulary. Values it does not know are ignored (old links, hand-made URLs)."""

    def process_formdata(self, valuelist):
        known = {choice.value for choice in self.choices}
        self.data = [value for value in dict.fromkeys(valuelist) if value in known]

    def pre_validate(self, form):
        pass


class ForgivingSelectField(SelectField):
    """A select whose unknown values fall back to the default instead of failing the form."""

    def process_formdata(self, valuelist):
        if valuelist and valuelist[0] in {choice.value for choice in self.choices}:
            self.data = valuelist[0]

    def pre_validate(self, form):
        pass


class SearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form: nothing changes, and results must be linkable

    q = StringField("Search", filters=[lambda value: finding.clean_text(value or "")[0]])
    age = StringField("Age of the person", filters=[lambda value: (value or "").strip()])
    postcode = StringField("Postcode", filters=[lambda value: " ".join((value or "").upper().split())])
    distance = ForgivingSelectField("Distance", default=str(DEFAULT_MILES),
                                    choices=choices((str(miles), f"Within {miles} miles") for miles in DISTANCES_MILES))
    sort = ForgivingSelectField("Sort by", default="relevance", choices=choices(SORTS.items()))

    place: Place | None = None

    def validate_age(self, field):
        if not field.data:
            return
        if not field.data.isdigit():
            raise ValidationError("Age must be a whole number, like 25")
        if int(field.data) > MAX_AGE:
            raise ValidationError(f"Age must be {MAX_AGE} or less")

    def validate_postcode(self, field):
        if not field.data:
            return
        try:
            outcode, latitude, longitude = locate(field.data[:20])
        except DomainError as exc:
            raise ValidationError(exc.message) from None
        self.place = Place(outcode, latitude, longitude)

    @property
    def text_was_cut(self) -> bool:
        return finding.clean_text((self.q.raw_data or [""])[0])[1]

    @property
    def filters(self) -> dict[str, list[str]]:
        return {name: self[name].data for name in FACETS if self[name].data}

    def criteria(self, page: str | None = None) -> Criteria:
        """What to search for, once validated: a wrong age or postcode is left out, not guessed at."""
        place = self.place if not self.postcode.errors else None
        sort = self.sort.data if self.sort.data != "distance" or place else "relevance"
        return Criteria(
            text=self.q.data or "",
            filters=self.filters,
            age=int(self.age.data) if self.age.data and not self.age.errors else None,
            place=place,
            miles=int(self.distance.data),
            sort=sort,
            page=min(int(page), MAX_PAGE) if page and page.isdigit() and int(page) > 0 else 1,
        )


for _name, (_legend, _options) in FACETS.items():
    setattr(SearchForm, _name, FilterField(_legend, choices=choices(_options.items())))


class SaveServiceForm(FlaskForm):
    saved_list = RadioField("Which list do you want to save it to?", choices=[],
                            invalid_choice_message="Select a list, or choose to start a new one",
                            validators=[Required("Select a list, or choose to start a new one")])
    new_list_name = StringField("Name of the new list", validators=[
        Length(max=finding.LIST_NAME_MAX,
               message=f"List name must be {finding.LIST_NAME_MAX} characters or fewer"),
        NoControlCharacters()])

    def __init__(self, lists, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.saved_list.choices = choices([(item.uuid, item.name) for item in lists] + [(NEW_LIST, "A new list")])
        if not lists:  # the only choice: a new list
            self.saved_list.data = NEW_LIST
            self.saved_list.validators = []

    def validate_new_list_name(self, field):
        if self.saved_list.data == NEW_LIST and not (field.data or "").strip():
            raise ValidationError("Enter a name for the new list")

    @property
    def chosen_list_uuid(self) -> str | None:
        return None if self.saved_list.data == NEW_LIST else self.saved_list.data


class EmailListForm(FlaskForm):
    email = StringField("Email address", validators=email_validators("Enter the email address to send the list to"))


class ConfirmForm(FlaskForm):
    """Nothing but the CSRF token, for one-button actions (remove, delete)."""
