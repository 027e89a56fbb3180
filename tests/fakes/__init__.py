"""Fakes of the services outside the project, spoken to over real HTTP."""
