"""Steps many builders share: connecting the communicator and running the provisioners."""
