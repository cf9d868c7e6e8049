use crate::helpers::spawn_app;

#[tokio::test]
async fn healthz_answers_ok_when_the_database_does() {
    let app = spawn_app().await;
    let body = app.get_json("/healthz").await;
    assert_eq!(body, serde_json::json!({"status": "ok", "uploads": "accepted"}));
}
