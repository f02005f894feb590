"""Run by Debian's system Python (``/usr/bin/python3`` with ``python3-qgis``), not the venv:
add OGC API - Features layers with QGIS's own OAPIF provider and print, as JSON on the last
line, per collection whether the layer is valid, its feature count, the features read, its CRS
(``EPSG:4326``), each field's QGIS type (``Integer``, ``Real``, ``String`` ...), the layer's
abstract (the collection's description) and, by feature ``id``, every number and yes/no value
as QGIS holds it (NULL as ``null``), to be compared with the app's own answers.

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 tests/qgis_oapif.py ROOT NAME TOKEN ID [ID ...]

The token goes in a QGIS authentication configuration of method "Basic" (user name = account,
password = token), as docs/ogc.md tells a user to make, in a throwaway authentication database.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["QGIS_AUTH_DB_DIR_PATH"] = tempfile.mkdtemp(prefix="qgis-auth-")

from qgis.core import (
    QgsApplication,
    QgsAuthMethodConfig,
    QgsDataSourceUri,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QVariant


def main(root: str, name: str, token: str, collections: list[str]) -> dict[str, object]:
    app = QgsApplication([], False)
    app.setPrefixPath("/usr", True)
    app.initQgis()
    manager = QgsApplication.authManager()
    manager.setMasterPassword("throwaway-master-password", True)
    config = QgsAuthMethodConfig()
    config.setName("hotspots")
    config.setMethod("Basic")
    config.setConfig("username", name)
    config.setConfig("password", token)
    manager.storeAuthenticationConfig(config)
    out: dict[str, object] = {}
    for collection in collections:
        uri = QgsDataSourceUri()
        uri.setParam("url", root)
        uri.setParam("typename", collection)
        uri.setAuthConfigId(config.id())
        layer = QgsVectorLayer(uri.uri(False), collection, "OAPIF")
        valid = layer.isValid()
        features = list(layer.getFeatures()) if valid else []
        names = [f.name() for f in layer.fields()] if valid else []
        out[collection] = {
            "valid": valid,
            "count": layer.featureCount() if valid else None,
            "read": len(features) if valid else None,
            "fields": names,
            "types": {f.name(): f.typeName() for f in layer.fields()} if valid else {},
            "crs": layer.crs().authid() if valid else None,
            "abstract": layer.metadata().abstract() if valid else None,
            "values": {
                str(feature[_KEYS.get(collection, "event_id")]): {
                    name: _plain(value)
                    for name, value in zip(names, feature.attributes(), strict=True)
                    if _plain(value) is not _OTHER
                }
                for feature in features
            },
        }
    return out


_OTHER = object()
#: Each collection's feature ``id`` property (the events': ``event_id``).
_KEYS = {"hotspots": "hotspot_id", "wards": "ward_code"}


def _plain(value: object) -> object:
    """A number, yes/no or NULL as JSON (None); anything else (text, dates): ``_OTHER``."""
    if value is None or (isinstance(value, QVariant) and value.isNull()):
        return None
    if isinstance(value, bool | int | float):
        return value
    return _OTHER


if __name__ == "__main__":
    result = main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:])
    print(json.dumps(result), flush=True)
    # QGIS 3.22's teardown (exitQgis) can crash after a provider has run its download threads;
    # this throwaway process has nothing to save, so it ends here.
    os._exit(0)
