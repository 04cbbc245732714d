"""The one error family of scrm.

Every message is a sentence a user can act on: it names the file, row and
column where there is one, and says how to fix the problem. The CLI and the
app are the only places that turn these into output.
"""

from __future__ import annotations


class ScrmError(Exception):
    """Base class of every error scrm raises on purpose."""


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
