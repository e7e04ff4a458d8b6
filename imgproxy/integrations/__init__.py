"""Thin template adapters over `imgproxy.html`: Jinja2 (`imgproxy.integrations.jinja2`) and
Django (`imgproxy.integrations.django`). Each imports its framework only when used."""
