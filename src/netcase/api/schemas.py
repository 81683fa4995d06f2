"""Response models of the JSON API (documented in the OpenAPI schema)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class LoginRequest(BaseModel):
    """A log-on: user name, password and the current six-digit code of the second factor."""

    username: str = Field(min_length=1, max_length=120)
    password: str = Field(min_length=1, max_length=1024)
    totp: str = Field(pattern=r"^[0-9]{6}$", description="Six-digit TOTP code (RFC 6238).")


class Me(BaseModel):
    """Who the caller is."""

    user: str
    agency: str
    country: str
    roles: list[str]
    compartments: list[str]


class StatementOut(BaseModel):
    """One fact with its provenance and marking."""

    id: str
    entity_id: str
    schema_: str = Field(alias="schema")
    prop: str
    prop_type: str
    value: str
    original_value: str | None = None
    dataset: str
    source_file: str
    source_record: str
    agency: str
    observed: str | None = None
    marking: str
    compartment: str | None = None
    reliability: str
    validity: str
    review_by: str | None = None

    model_config = {"populate_by_name": True}


class EntitySummary(BaseModel):
    """An entity as a list item."""

    id: str
    schema_: str = Field(alias="schema")
    caption: str
    protected: bool = False

    model_config = {"populate_by_name": True}


class EntityOut(EntitySummary):
    """One canonical entity: its properties and every statement behind them."""

    properties: dict[str, list[str]]
    members: list[str]
    statements: list[StatementOut]


class LinkOut(BaseModel):
    """One relation of an entity."""

    via_id: str
    via_schema: str
    via_caption: str
    role: str
    other_id: str | None
    other_caption: str | None
    other_schema: str | None
    date: str | None


class SearchHitOut(BaseModel):
    """One search hit with what matched."""

    id: str
    schema_: str = Field(alias="schema")
    caption: str
    score: float
    matched: list[str]
    protected: bool

    model_config = {"populate_by_name": True}


class Page(BaseModel):
    """One page of a list."""

    total: int
    limit: int
    offset: int
    items: list[Any]


class EntityPage(Page):
    items: list[EntitySummary]  # type: ignore[assignment]


class SearchPage(Page):
    items: list[SearchHitOut]  # type: ignore[assignment]
    query: str


class RecordPage(Page):
    """A page of case records (investigations, court cases, …) as the owning stage returns them."""

    items: list[dict[str, Any]]  # type: ignore[assignment]
