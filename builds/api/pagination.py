"""Pages of the API's lists: `?page=N&page_size=M` (50 by default, at most 500) with the total count."""

from rest_framework.pagination import PageNumberPagination


class Pages(PageNumberPagination):
    """`{"count", "next", "previous", "results"}`; a page past the end answers 404."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    invalid_page_message = "There is no page {page_number} of this list: {message}"
