"""Webhooks: URLs that receive signed JSON notices of builds, versions, channels and images, with a delivery log."""
