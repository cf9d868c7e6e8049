use crate::helpers::spawn_app;

const EVERYWHERE: [(&str, &str); 7] = [
    (
        "content-security-policy",
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ),
    ("referrer-policy", "no-referrer"),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("cross-origin-opener-policy", "same-origin"),
    ("cross-origin-resource-policy", "same-origin"),
    (
        "permissions-policy",
        "accelerometer=(), ambient-light-sensor=(), autoplay=(), browsing-topics=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()",
    ),
];

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;
    let cases = [
        ("GET", "/", 200),
        ("GET", "/healthz", 200),
        ("GET", "/api/v1/reference", 200),
        ("GET", "/api/v1/openapi.json", 200),
        ("GET", "/static/jubao.css", 200),
        ("GET", "/lang/en?next=/", 303),
        ("GET", "/no-such-page", 404),
        ("GET", "/api/v1/no-such-route", 404),
        ("POST", "/api/v1/reference", 405),
        ("DELETE", "/", 405),
    ];
    for (method, path, status) in cases {
        let response = app.client.request(method.parse().unwrap(), app.url(path)).send().await.unwrap();
        assert_eq!(response.status().as_u16(), status, "{method} {path}");
        for (name, value) in EVERYWHERE {
            assert_eq!(
                response.headers().get(name).map(|v| v.to_str().unwrap()),
                Some(value),
                "{method} {path}: {name}"
            );
        }
        let cache = response.headers().get("cache-control").unwrap().to_str().unwrap();
        if path.starts_with("/static/") {
            assert!(cache.starts_with("public"), "{path}: {cache}");
        } else {
            assert_eq!(cache, "no-store", "{method} {path}");
        }
        assert!(response.headers().get("strict-transport-security").is_none(), "no HSTS over plain http");
        assert!(response.headers().get("server").is_none(), "no server banner");
    }
}

#[tokio::test]
async fn pages_load_nothing_from_elsewhere_and_run_no_script() {
    let app = spawn_app().await;
    for path in ["/", "/no-such-page"] {
        let html = app.get(path).await.text().await.unwrap();
        assert!(!html.contains("<script"), "{path}");
        assert!(!html.contains("http://") && !html.contains("https://"), "{path} names another origin");
        assert!(!html.contains(" style="), "{path} has inline style");
    }
}
