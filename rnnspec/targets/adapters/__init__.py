"""Adapters: targets for implementations that are not torch drop-ins. Each module is one
framework, importable only where that framework is installed (an optional extra)."""
