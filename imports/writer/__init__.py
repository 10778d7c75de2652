"""Writing checked rows through the other apps' services (DESIGN: imports writes only
through them), as the importing user, so history names them and every rule of those
services holds (consent for referrals, 住所秘匿, the lead's grants, …).

Each row is written once: the keys it makes are stored in SourceKey, and a row whose
key is there already is left alone (a second import of the same file changes nothing).
"""

from imports.writer.casework import CaseworkWrites
from imports.writer.households import HouseholdWrites
from imports.writer.keys import MODELS, RowFailed, _message

__all__ = ["MODELS", "RowFailed", "Writer", "_message"]


class Writer(HouseholdWrites, CaseworkWrites):
    """Writes the checked rows of one batch as the importing user, each through the
    owning app's service."""
