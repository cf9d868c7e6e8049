use std::collections::HashSet;

use serde_json::Value;

use crate::helpers::spawn_app;

const CONTRACT_DEPARTMENTS: [&str; 15] = [
    "ndrc-energy",
    "economy",
    "police",
    "transport",
    "housing",
    "emergency",
    "culture-tourism",
    "urban",
    "fire",
    "market",
    "sasac",
    "water",
    "natural-resources",
    "forestry",
    "safety-office",
];

fn codes(list: &Value) -> Vec<String> {
    list.as_array().unwrap().iter().map(|v| v["code"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn reference_lists_the_seeded_data() {
    let app = spawn_app().await;
    let body = app.get_json("/api/v1/reference").await;

    let departments = codes(&body["departments"]);
    assert_eq!(departments.len(), 15);
    for code in CONTRACT_DEPARTMENTS {
        assert!(departments.contains(&code.to_owned()), "{code}");
    }

    let kinds = codes(&body["kinds"]);
    assert_eq!(kinds, ["major_hazard", "violation", "concealed_accident", "other"]);

    let categories = body["categories"].as_array().unwrap();
    assert!(categories.len() >= 15);
    let served: HashSet<&str> = categories.iter().map(|c| c["department"].as_str().unwrap()).collect();
    for code in CONTRACT_DEPARTMENTS {
        assert!(served.contains(code), "no category for {code}");
    }
    assert!(served.iter().all(|d| departments.contains(&(*d).to_owned())));

    let districts = body["districts"].as_array().unwrap();
    let gb_coded = districts.iter().filter(|d| matches!(d["kind"].as_str(), Some("district" | "county"))).count();
    assert_eq!(gb_coded, 38);
    assert_eq!(districts.iter().filter(|d| d["kind"] == "zone").count(), 4);
    let yuzhong = districts.iter().find(|d| d["code"] == "500103").unwrap();
    assert_eq!(yuzhong["name_zh"], "渝中区");
    assert_eq!(yuzhong["name_en"], "Yuzhong District");

    for item in categories.iter().chain(districts).chain(body["departments"].as_array().unwrap()) {
        assert!(!item["name_zh"].as_str().unwrap().is_empty());
        assert!(!item["name_en"].as_str().unwrap().is_empty());
    }
}
