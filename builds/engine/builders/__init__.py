"""Builders: the plugins that create a machine, provision it and turn it into an artifact."""
