"""desired + live -> Plan -> applied calls."""
