"""The import profile: how a library system's MARC holdings and codes map to
the region (``mana import --profile import.toml``; every key is documented
in ``import.toml`` at the top of the repository).

Without a profile the defaults hold: holdings from 952 (Koha) when a record
has one, else from 852; a library code that equals a library's id and a
location code that equals one of its collections' codes map to them; Koha's
status subfields mean what Koha means by them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from services.models import CopyStatus, MaterialType
from services.toml_file import TomlFileError, problems, read_toml

ANY = "*"
"""In a list of status values: any value but empty and ``0`` (Koha's "no")."""

ITEM_STATES = {status.value for status in CopyStatus} | {"withdrawn"}


class ProfileError(ValueError):
    """The profile could not be read; the message names the file and the key."""


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HoldingsProfile(_Table):
    """``[holdings]``: where a record's copies are."""

    field: Literal["auto", "952", "852"] = "auto"
    """``auto``: 952 when the record has one, else 852 (with 876)."""

    control_number: str = Field(default="001", pattern=r"^(001|\d{3}\$[a-z0-9])$")
    """Where a record's identity is: ``001`` (with 003), or a subfield such
    as ``999$c`` (Koha's biblionumber) for files without 001."""

    koha_location: Literal["c", "8"] = "c"
    """The 952 subfield whose code maps to a collection: ``c`` (shelving
    location) or ``8`` (collection code); the other one is used when it is empty."""

    default_library: str = ""
    """The library id of a holding without a library code; empty: such a copy
    is reported and skipped."""

    default_collection: str = ""
    """The collection code of a holding without a location code, or with one
    that maps to no collection of its library; empty: reported and skipped."""


class StatusProfile(_Table):
    """``[status]``: which values of the holdings fields mean which state."""

    not_for_loan: list[str] = [ANY]
    """Values of 952 $7 meaning not for loan."""

    processing: list[str] = ["-1"]
    """Values of 952 $7 meaning on order or being processed (before ``not_for_loan``)."""

    lost: list[str] = [ANY]
    """Values of 952 $1 meaning lost."""

    damaged: list[str] = [ANY]
    """Values of 952 $4 meaning damaged (shown as in repair)."""

    withdrawn: list[str] = [ANY]
    """Values of 952 $0 meaning withdrawn: such a copy is not imported."""

    item_status: dict[str, str] = {
        "lost": "lost", "missing": "lost", "damaged": "in_repair",
        "in repair": "in_repair", "not for loan": "not_for_loan",
        "reference": "not_for_loan", "on order": "processing",
        "in process": "processing", "withdrawn": "withdrawn",
    }
    """876 $j (item status) values, compared without case, and the state
    each means (a Mana copy status, or ``withdrawn``); others: available."""

    @field_validator("item_status")
    @classmethod
    def _known_states(cls, value: dict[str, str]) -> dict[str, str]:
        for key, state in value.items():
            if state not in ITEM_STATES:
                raise ValueError(f"{key!r} = {state!r}: the state should be one of "
                                 f"{', '.join(sorted(ITEM_STATES))}")
        return {key.casefold(): state for key, state in value.items()}


class ImportProfile(_Table):
    """A whole profile (``import.toml``)."""

    holdings: HoldingsProfile = HoldingsProfile()
    libraries: dict[str, str] = {}
    """``[libraries]``: a library code of the file → a library id of the region."""
    collections: dict[str, str] = {}
    """``[collections]``: a location code of the file → a collection code."""
    item_types: dict[str, MaterialType] = {}
    """``[item_types]``: a 952 $y item type → the record's material type."""
    status: StatusProfile = StatusProfile()

    def library(self, code: str) -> str:
        """The library id a holding's code names (itself when unmapped)."""
        return self.libraries.get(code, code) if code else self.holdings.default_library

    def collection(self, code: str) -> str:
        return self.collections.get(code, code)


DEFAULT_PROFILE = ImportProfile()


def read_profile(path: Path) -> ImportProfile:
    """The profile in the TOML file ``path``. Raises ``ProfileError``."""
    try:
        data = read_toml(path)
    except TomlFileError as e:
        raise ProfileError(str(e)) from None
    return profile_from(data, str(path))


def profile_from(data: dict[str, Any], source: str = "profile") -> ImportProfile:
    """``data`` as a profile; errors read ``source: table.key: problem``."""
    try:
        return ImportProfile.model_validate(data)
    except ValidationError as e:
        raise ProfileError(problems(e, source, unknown="unknown key")) from None
