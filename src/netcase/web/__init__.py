"""The web pages for people: server-rendered Jinja2 templates with htmx, served by the API app."""
