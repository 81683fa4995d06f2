"""The leadership brief (HTML and PDF) and the server-side SVG charts it uses."""
