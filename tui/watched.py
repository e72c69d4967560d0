"""The app's service, watched: the one place that knows whether the library
service can be reached (the offline banner).

``WatchedService(service, answered, unreachable)`` forwards every attribute
to ``service``. Each call of the ``LibraryService`` contract is watched on
its way back: a result, or one of the package's errors other than
``ServiceUnavailable`` (a refusal is an answer too), calls ``answered()``;
``ServiceUnavailable`` calls ``unreachable(error)``. A call cancelled before
its answer, or an unexpected exception, says nothing either way. Screens
therefore never report that the service answered: every call they make goes
through here, and a cached answer (no call) proves nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from services.errors import ManaError, ServiceUnavailable

if TYPE_CHECKING:
    from services.protocol import LibraryService


@functools.cache
def contract_calls() -> frozenset[str]:
    """The names of the contract's calls (asked when the service is there:
    the contract brings the domain models, which the first frame does without)."""
    from services.protocol import LibraryService

    return frozenset(LibraryService.__abstractmethods__)


class WatchedService:
    """``service`` with every contract call watched (see the module)."""

    def __init__(
        self,
        service: LibraryService,
        answered: Callable[[], None],
        unreachable: Callable[[ServiceUnavailable], None],
    ) -> None:
        self.watched = service
        """The adapter itself."""
        self._answered = answered
        self._unreachable = unreachable
        self._calls = contract_calls()

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.watched, name)
        if name not in self._calls:
            return attribute

        @functools.wraps(attribute)
        async def call(*args: Any, **kwargs: Any) -> Any:
            try:
                result = await attribute(*args, **kwargs)
            except ServiceUnavailable as error:
                self._unreachable(error)
                raise
            except ManaError:
                self._answered()
                raise
            self._answered()
            return result

        return call

    def __repr__(self) -> str:
        return f"WatchedService({self.watched!r})"
