"""The Amazon data sources (github.com/hashicorp/amazon)."""
