# Varnish in front of imgproxy-py: the CDN tier, or a stand-in for one.
#
#   varnishd -a :80 -f config/varnish.vcl -s malloc,1g
#
# What it relies on from the proxy: Cache-Control (max-age, stale-while-revalidate), strong
# ETags, `Vary: Accept` on URLs without an explicit format, and `Surrogate-Key` naming the
# source, so one ban empties every variant of an original.
vcl 4.1;

backend imgproxy {
    .host = "127.0.0.1";
    .port = "8080";
    .connect_timeout = 2s;
    .first_byte_timeout = 15s;
}

acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "BAN" || req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(405, "Not allowed"));
        }
        if (req.http.Surrogate-Key) {
            ban("obj.http.Surrogate-Key ~ (^|\s)" + req.http.Surrogate-Key + "($|\s)");
            return (synth(200, "Banned"));
        }
        return (purge);
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # The proxy only reads which of JPEG XL, AVIF and WebP Accept lists; folding Accept to
    # that set keeps one cached variant per set instead of one per browser's spelling of it.
    set req.http.X-Accept-Set = "";
    if (req.http.Accept ~ "image/jxl") {
        set req.http.X-Accept-Set = "image/jxl,";
    }
    if (req.http.Accept ~ "image/avif") {
        set req.http.X-Accept-Set = req.http.X-Accept-Set + "image/avif,";
    }
    if (req.http.Accept ~ "image/webp") {
        set req.http.X-Accept-Set = req.http.X-Accept-Set + "image/webp,";
    }
    set req.http.Accept = req.http.X-Accept-Set + "*/*";
    unset req.http.X-Accept-Set;
    unset req.http.Cookie;
    return (hash);
}

sub vcl_backend_response {
    # Keep expired objects a day so they can be revalidated with If-None-Match (a 304 from the
    # proxy refreshes them without a body); grace comes from stale-while-revalidate.
    set beresp.keep = 1d;
    if (beresp.status >= 500) {
        set beresp.uncacheable = true;
        return (deliver);
    }
}

sub vcl_deliver {
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
}
