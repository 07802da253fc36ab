"""The ``amazon-parameterstore`` data source: reads one SSM Parameter Store value."""
