"""The review desk and operations pages, server-rendered and mounted in the API app."""
