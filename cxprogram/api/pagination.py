"""Pagination of list endpoints: page numbers with a capped page size; cursors for the largest lists."""

from django.conf import settings
from rest_framework.pagination import CursorPagination, PageNumberPagination


class PagePagination(PageNumberPagination):
    """`?page=N&page_size=M`; a larger page size than API_MAX_PAGE_SIZE is cut to it."""

    page_size_query_param = "page_size"

    def get_page_size(self, request):
        self.page_size = settings.API_PAGE_SIZE
        self.max_page_size = settings.API_MAX_PAGE_SIZE
        return super().get_page_size(request)


class SubmittedCursorPagination(CursorPagination):
    """Newest first by submission time, without counting millions of rows: follow `next` and `previous`."""

    ordering = ("-submitted_at", "-id")
    page_size_query_param = "page_size"

    def get_page_size(self, request):
        self.page_size = settings.API_PAGE_SIZE
        self.max_page_size = settings.API_MAX_PAGE_SIZE
        return super().get_page_size(request)


class CreatedCursorPagination(SubmittedCursorPagination):
    ordering = ("-created_at", "-id")
