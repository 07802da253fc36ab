"""Pagination that finds a page's rows by their keys first, so a page deep in a long list stays cheap."""

from django.core.paginator import Paginator


class KeysFirstPaginator(Paginator):
    """Django's Paginator, but a page's rows are read by the keys of that page, found in a query of their own.

    Django reads a page with OFFSET on the whole query: the database reads
    every row before the page with all its columns and joins. Here the
    offset runs on the primary keys alone (the list's sort index holds
    them), and only the page's rows are read in full, in the same order.
    The object list must be a queryset with a total order. `count`, when
    given, is taken as the number of objects instead of counting them.
    """

    def __init__(self, object_list, per_page, orphans=0, allow_empty_first_page=True, *, count: int | None = None):
        super().__init__(object_list, per_page, orphans, allow_empty_first_page)
        if count is not None:
            self.__dict__["count"] = count  # Paginator.count is a cached property

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        keys = self.object_list.values("pk")[bottom:top]
        return self._get_page(self.object_list.filter(pk__in=keys), number, self)
