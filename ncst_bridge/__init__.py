"""NCST Bridge: match a clip to a reference still with named, editable grading parameters.

Data flows one way: inputs -> keyframes -> solver -> GradeParams -> exports.
"""

__version__ = "0.1.0"

import warnings as _warnings

# colour-science warns at import that matplotlib (plotting only) is absent; nothing here plots.
_warnings.filterwarnings("ignore", message=r'.*"Matplotlib" related API features are not available.*')
