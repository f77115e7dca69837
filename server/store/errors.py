"""The errors a user query can meet; each maps onto one HTTP status."""

from __future__ import annotations

from ccdkg.formats import Kind, not_acceptable_text, of_kind


class QueryError(Exception):
    """A user query could not be answered; ``status`` is the HTTP status to answer with."""

    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class QuerySyntaxError(QueryError):
    status = 400  # message carries the parser's "error at LINE:COLUMN: …"


class Confined(QueryError):
    """The query tried to open a connection or a file; query workers cannot (sandbox.py)."""

    status = 403

    def __init__(self, detail: str) -> None:
        super().__init__(
            "this query needs a network connection or a file, which this endpoint never opens "
            f"for a query ({detail})"
        )


class BadDataset(QueryError):
    status = 400


class NotAcceptable(QueryError):
    status = 406

    def __init__(self, kind: Kind) -> None:
        # Worded as every other 406 (the endpoint's own, pages, metadata): one function says it.
        super().__init__(not_acceptable_text(of_kind(kind), "the result of this query"))


class ResultTooLarge(QueryError):
    # 503 is deliberate and documented: the server declines to produce it; no Retry-After,
    # since retrying the same query cannot help, and the message says what to change.
    status = 503

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"result larger than this server's cap of {limit} bytes; add LIMIT or narrow the query"
        )


class QueryTimeout(QueryError):
    status = 504


class Overloaded(QueryError):
    status = 503
    retry_after = 2


class StoreUnavailable(QueryError):
    status = 502


class StoreTimeout(QueryError):
    status = 504
