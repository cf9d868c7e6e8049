use crate::helpers::spawn_app;

#[tokio::test]
async fn the_openapi_document_is_openapi_3_and_lists_the_routes() {
    let app = spawn_app().await;
    let spec = app.get_json("/api/v1/openapi.json").await;
    assert!(spec["openapi"].as_str().unwrap().starts_with('3'));
    for path in ["/healthz", "/api/v1/reference"] {
        assert!(spec["paths"][path]["get"].is_object(), "{path} missing");
    }
    assert!(spec["components"]["schemas"]["ReferenceBody"].is_object());
}
