"""The one error family of scrm.

Every message is a sentence a user can act on: it names the file, row and
column where there is one, and says how to fix the problem. The CLI and the
app are the only places that turn these into output.
"""

from __future__ import annotations

from scrm.i18n.messages import Message, Value


class ScrmError(Exception):
    """Base class of every error scrm raises on purpose.

    Raised with a :class:`~scrm.i18n.messages.Message`, the error's ``str()`` is the
    English sentence (the CLI, logs, stored reasons) and :meth:`render` writes it in
    the reader's language, its figures in the reader's locale:

    >>> e = NotFound(Message("Customer {id} does not exist. Check the id on the Customer 360 page.", {"id": "C-9"}))
    >>> str(e)
    'Customer C-9 does not exist. Check the id on the Customer 360 page.'
    >>> e.render("es")
    'El cliente C-9 no existe. Comprueba el id en la página Cliente 360.'

    Raised with plain text it stays as it is in every language.
    """

    @property
    def message(self) -> Message:
        """The sentence as a message (plain text becomes a message without values)."""
        first = self.args[0] if self.args else type(self).__name__
        return first if isinstance(first, Message) else Message(str(first))  # no values: its braces stay as they are

    def render(self, lang: str) -> str:
        """The sentence in ``lang`` (English where a catalog has no translation)."""
        first = self.args[0] if self.args else None
        return first.render(lang) if isinstance(first, Message) else str(self)


def reason(error: BaseException) -> Value:
    """What an error said, to put inside another message: its message when it has one, else its text.

    >>> e = NotFound(Message("Customer {id} does not exist. Check the id on the Customer 360 page.", {"id": "C-9"}))
    >>> wrapped = Message("{file}: {why}", {"file": "a.csv", "why": reason(e)})
    >>> wrapped.render("es")
    'a.csv: El cliente C-9 no existe. Comprueba el id en la página Cliente 360.'
    """
    return error.message if isinstance(error, ScrmError) and error.args and isinstance(error.args[0], Message) else str(error)


class ConfigError(ScrmError):
    """A setting (path, environment variable, option) is unusable."""


class UsageError(ScrmError):
    """The command line itself is malformed (unknown option, missing argument)."""


class SchemaTooNew(ScrmError):
    """The database file was written by a newer scrm than this one."""


class ImportRejected(ScrmError):
    """A whole file was refused (unreadable, empty, not a table, missing columns)."""


class UnknownKind(ImportRejected):
    """The import kind is not one of customers, orders, mentions, surveys."""


class UnknownPreset(ImportRejected):
    """The mapping preset name is not known."""


class MappingError(ImportRejected):
    """An explicit column mapping is malformed or names absent headers."""


class MissingColumns(ImportRejected):
    """Required canonical columns could not be found in the file."""


class NotFound(ScrmError):
    """A requested record (customer, import, ...) does not exist."""


class CaseError(ScrmError):
    """A case action has a value the case cannot take (unknown status, priority, empty note)."""


class RuleError(ScrmError):
    """A workflow rule is not valid, or a decision cannot be made."""


class ReviewRefused(ScrmError):
    """A decision that cannot be made in the current state (already decided, blocked undo)."""


class PasswordRejected(ScrmError):
    """A new password is empty, mistyped the second time, or too short."""


class NotFittedError(ScrmError, ValueError):
    """A model was asked to predict before it was fitted."""


class NotEnoughData(ScrmError):
    """There are too few customers or repeat purchases to fit a CLV model."""


class NotEnoughCustomers(ScrmError):
    """There are too few customers with features to form segments."""


class SourceError(ScrmError):
    """A live source is set up wrong, or its platform refused or garbled an answer."""


class NotifyError(ScrmError):
    """A notification channel is set up wrong, or its server refused the message."""


class DatabaseFault(ScrmError):
    """The database file cannot be used as it is (busy, full disk, read-only, damaged)."""


class DatabaseBusy(DatabaseFault):
    """Another program held the database's write lock for longer than the busy timeout."""


class DiskFull(DatabaseFault):
    """The disk (or the quota) holding the database or its temporary files is full."""


class ReadOnlyDatabase(DatabaseFault):
    """The database file, its folder or its journal cannot be written (read-only, permissions)."""


class DatabaseDamaged(DatabaseFault):
    """The file is not an SQLite database, or its content is damaged."""


class FileTooLarge(ImportRejected):
    """A file exceeds a limit for files (size once unpacked, rows, columns, cell length, JSON nesting)."""
