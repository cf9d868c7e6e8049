//! Headers on every response: no scripts, frames, referrers or third-party sources; nothing
//! personal cached. Static assets set their own `Cache-Control`, which is kept.

use actix_web::middleware::DefaultHeaders;

/// No script may run (the public pages work without one), nothing loads from elsewhere,
/// forms post only to us, and no other site may frame a page.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

pub const PERMISSIONS_POLICY: &str = "accelerometer=(), ambient-light-sensor=(), autoplay=(), browsing-topics=(), \
     camera=(), display-capture=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), \
     payment=(), usb=()";

pub fn middleware(https: bool) -> DefaultHeaders {
    let headers = DefaultHeaders::new()
        .add(("Content-Security-Policy", CONTENT_SECURITY_POLICY))
        .add(("Referrer-Policy", "no-referrer"))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Permissions-Policy", PERMISSIONS_POLICY))
        .add(("Cross-Origin-Opener-Policy", "same-origin"))
        .add(("Cross-Origin-Resource-Policy", "same-origin"))
        .add(("Cache-Control", "no-store"));
    if https { headers.add(("Strict-Transport-Security", "max-age=63072000; includeSubDomains")) } else { headers }
}
