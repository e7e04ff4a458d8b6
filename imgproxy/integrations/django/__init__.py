"""A tiny Django app with imgproxy template tags (`pip install 'imgproxy-py[django]'`).

INSTALLED_APPS = [..., "imgproxy.integrations.django"]
IMGPROXY_BASE_URL = "https://img.example.com"  # key and salt from IMGPROXY_KEY/IMGPROXY_SALT
# or IMGPROXY_URL_BUILDER = UrlBuilder("https://img.example.com", key=..., salt=...)

{% load imgproxy %}
<img src="{% imgproxy_url photo "rs:fill:300:200" format="webp" %}" alt="">
{% imgproxy_picture photo alt="A cat" widths="320,640,1280" size_from_info=True %}
"""
