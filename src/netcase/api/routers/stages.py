"""Networks, plans, cases and trends: the results of later stages, read through their functions."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
