"""Reports over run folders: grouping and statistics (:mod:`~palsim.report.aggregate`),
text formats (:mod:`~palsim.report.formats`) and plots (:mod:`~palsim.report.plot`).
"""
