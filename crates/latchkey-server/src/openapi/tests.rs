use super::*;

fn schemes(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| (*s).to_owned()).collect()
}

/// `(path, "METHOD path", operation)` for every operation.
fn each_operation(doc: &Value) -> Vec<(&str, String, &Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, operation) in item.as_object().into_iter().flatten() {
            out.push((path.as_str(), format!("{} {path}", method.to_uppercase()), operation));
        }
    }
    out
}

#[test]
fn an_openapi_3_1_document_of_every_endpoint() {
    let doc = document(&schemes(&["jwt", "token"]));
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["title"], "Latchkey");
    let paths: Vec<&str> = doc["paths"].as_object().expect("paths").keys().map(String::as_str).collect();
    for path in
        routes::CREDENTIAL_PATHS.iter().chain(routes::PROBE_PATHS.iter()).chain(routes::TOKEN_VIEWS.as_flattened())
    {
        assert!(paths.contains(path), "{path} is not documented");
    }
    for path in ["/", "/api/profile/", "/api/sessions/{id}/", "/products/", "/products/{id}/"] {
        assert!(paths.contains(&path), "{path} is not documented");
    }
    let ids: Vec<&Value> = each_operation(&doc).into_iter().map(|(_, _, op)| &op["operationId"]).collect();
    let unique: std::collections::HashSet<String> = ids.iter().map(|id| id.to_string()).collect();
    assert_eq!(unique.len(), ids.len(), "operation ids are unique");
}

#[test]
fn every_view_states_what_drf_adds() {
    let doc = document(&schemes(&["jwt", "token"]));
    for (path, name, operation) in each_operation(&doc) {
        let responses = operation["responses"].as_object().expect("responses");
        if !routes::PROBE_PATHS.contains(&path) {
            for status in ["429", "503"] {
                assert!(responses.contains_key(status), "{name} lacks {status}");
            }
        }
        if let Some(body) = operation.get("requestBody") {
            let types: Vec<&String> = body["content"].as_object().expect("content").keys().collect();
            assert_eq!(types, PARSED, "{name}");
            for status in ["400", "408", "413", "415"] {
                assert!(responses.contains_key(status), "{name} lacks {status}");
            }
        }
        if operation.get("security").is_some() {
            assert!(responses.contains_key("401"), "{name} lacks 401");
        }
    }
    for name in ["BadRequest", "Unauthorized", "Throttled", "Unavailable", "MethodNotAllowed"] {
        assert!(doc["components"]["responses"][name].is_object(), "{name}");
    }
}

#[test]
fn the_aliases_are_the_same_operations() {
    let doc = document(&schemes(&["jwt", "token"]));
    let [primary, alias] = routes::TOKEN_VIEWS;
    for (from, to) in primary.into_iter().zip(alias) {
        let (a, b) = (&doc["paths"][from]["post"], &doc["paths"][to]["post"]);
        assert_eq!(a["requestBody"], b["requestBody"], "{to}");
        assert_eq!(a["responses"], b["responses"], "{to}");
        assert_ne!(a["operationId"], b["operationId"], "{to}");
    }
}

#[test]
fn only_the_running_schemes_are_offered() {
    let both = document(&schemes(&["jwt", "token"]));
    assert_eq!(both["paths"]["/api/profile/"]["get"]["security"], serde_json::json!([{"Bearer": []}, {"Token": []}]));
    assert_eq!(both["paths"]["/"]["get"]["security"], serde_json::json!([{}, {"Bearer": []}, {"Token": []}]));
    assert!(both["paths"]["/api/token/"]["post"].get("security").is_none(), "simplejwt's views authenticate nobody");

    let jwt = document(&schemes(&["jwt"]));
    let offered: Vec<&String> = jwt["components"]["securitySchemes"].as_object().expect("schemes").keys().collect();
    assert_eq!(offered, [BEARER]);
    assert!(!jwt.to_string().contains(r#""Token":[]"#));
    assert_eq!(jwt["paths"]["/products/"]["get"]["security"], serde_json::json!([{"Bearer": []}]));
}
