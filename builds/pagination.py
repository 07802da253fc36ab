"""Pagination that finds a page's rows by their keys first, so a page deep in a long list stays cheap."""

from collections.abc import Callable

from django.core.paginator import Paginator


class KeysFirstPaginator(Paginator):
    """Django's Paginator, but a page's rows are read by the keys of that page, found in a query of their own.

    Django reads a page with OFFSET on the whole query: the database reads
    every row before the page with all its columns and joins. Here the
    offset runs on the primary keys alone (the list's sort index holds
    them), and only the page's rows are read in full, in the same order.
    The object list must be a queryset with a total order. `count`, when
    given, is taken as the number of objects instead of counting them.

    `read(keys)`, when given, returns the objects of a page's keys in the
    list's order (with a query compiled once, say: imagehub.compiled_query);
    the keys are then read first, in a query of their own. With `all_keys`
    as well, a page from the `deep`-th object on takes its keys from
    `all_keys()`, every key of the list in order (kept by the caller, say):
    the database's offset walks every key before the page, and deep pages
    are the costly ones; the first pages' keys are read as before, cheaply.
    """

    def __init__(self, object_list, per_page, orphans=0, allow_empty_first_page=True, *, count: int | None = None,
                 read: Callable[[list], list] | None = None, all_keys: Callable[[], list] | None = None,
                 deep: int = 250):
        super().__init__(object_list, per_page, orphans, allow_empty_first_page)
        if count is not None:
            self.__dict__["count"] = count  # Paginator.count is a cached property
        self.read = read
        self.all_keys = all_keys if read is not None else None
        self.deep = deep

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        if self.read is not None:
            if self.all_keys is not None and bottom >= self.deep:
                keys = list(self.all_keys()[bottom:top])
            else:
                keys = list(self.object_list.values_list("pk", flat=True)[bottom:top])
            return self._get_page(self.read(keys), number, self)
        keys = self.object_list.values("pk")[bottom:top]
        return self._get_page(self.object_list.filter(pk__in=keys), number, self)
