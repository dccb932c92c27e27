"""Search that reads Russian as people type it: case-insensitive for every alphabet, `ё` the same as `е`,
on SQLite and PostgreSQL alike.

SQLite's LIKE and LOWER fold ASCII letters only (`хорошо` never finds `Хорошо`), so on SQLite the folding is a
Python function registered on every new connection; PostgreSQL folds with LOWER (UTF-8 ctype) and TRANSLATE.
Use the `unicontains` lookup wherever people search by words: `Customer.objects.filter(name__unicontains=q)`,
and in the admin's `search_fields` ("name__unicontains")."""

from django.db.backends.signals import connection_created
from django.db.models import CharField, Lookup, TextField

FOLD_FUNCTION = "cx_fold"


def fold(text: str) -> str:
    """The form both sides of a search are compared in: lower case, `ё` as `е`."""
    return text.lower().replace("ё", "е")


def _fold_or_none(text):
    return None if text is None else fold(str(text))


def register_sqlite_fold(sender, connection, **kwargs) -> None:
    """Give each new SQLite connection the fold function (database plumbing, not domain logic)."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(FOLD_FUNCTION, 1, _fold_or_none, deterministic=True)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class UnicodeContains(Lookup):
    """`field__unicontains=words`: the folded field contains the folded words."""

    lookup_name = "unicontains"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return "%s", [f"%{_escape_like(fold(str(value)))}%"]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        if connection.vendor == "postgresql":
            folded = f"TRANSLATE(LOWER(({lhs})::text), 'ё', 'е')"
        else:
            folded = f"{FOLD_FUNCTION}({lhs})"
        return f"{folded} LIKE {rhs} ESCAPE '\\'", [*lhs_params, *rhs_params]


def install() -> None:
    """Register the lookup on text fields and the SQLite function (called once from the app's ready())."""
    CharField.register_lookup(UnicodeContains)
    TextField.register_lookup(UnicodeContains)
    connection_created.connect(register_sqlite_fold, dispatch_uid="cxprogram.search.fold")
