"""Reports over run folders: reading them (:mod:`~palsim.report.runs`), grouping by the whole
configuration and statistics (:mod:`~palsim.report.aggregate`), paired comparisons with a
baseline (:mod:`~palsim.report.paired`), text formats (:mod:`~palsim.report.formats`,
:mod:`~palsim.report.per_run`, :mod:`~palsim.report.table`) and plots
(:mod:`~palsim.report.plot`). Standard library only at import time.
"""

from palsim.report.aggregate import report
from palsim.report.paired import compare

__all__ = ["compare", "report"]
