"""Files: the network JSON format, its schema and atomic saving."""
from .network_json import dumps, load_network, loads, network_from_dict, network_to_dict, save_network
from .schema import network_schema, schema_text

__all__ = ["dumps", "load_network", "loads", "network_from_dict", "network_schema", "network_to_dict",
           "save_network", "schema_text"]
