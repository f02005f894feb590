"""Type aliases shared by the hotspot clustering modules: arrays, options, engine results."""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]
Engine = Literal["auto", "grid", "sklearn"]
Auto = Literal["auto"]

#: What an engine returns per location: is_core, core component id (-1 if not core) and
#: nearest core location (-1 if none).
EngineResult = tuple[BoolArray, IntArray, IntArray]
