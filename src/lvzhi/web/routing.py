"""The app's route table, flattened through routers added with include_router (FastAPI keeps them nested)."""
from __future__ import annotations

from typing import Iterator

from fastapi.routing import APIRoute


def every_route(routes) -> Iterator:
    """Every route of the app (APIRoute, mounts, plain routes), through included routers."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from every_route(included.routes)
        else:
            yield route


def api_routes(routes) -> Iterator[APIRoute]:
    return (route for route in every_route(routes) if isinstance(route, APIRoute))


def allowed_methods(routes, path: str) -> list[str]:
    """The methods some route serves at `path`, for the Allow header of a 405."""
    methods: set[str] = set()
    for route in api_routes(routes):
        if route.path_regex.match(path):
            methods |= route.methods or set()
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)
