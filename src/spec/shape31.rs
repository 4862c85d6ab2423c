//! The shape check for OpenAPI 3.1 documents, at the loader's edge.
//!
//! 3.0 documents are checked by deserialising them into `openapiv3`'s types. 3.1 has no such
//! crate we want to depend on for this alone (`oas3` models it, but the resolved model is built
//! from the JSON document, so its types would be parsed and thrown away, at a cost that would make
//! 3.1 loading dearer than 3.0's). Instead this module checks what the rest of specsmith relies on
//! — the containers the model walks and the closed sets it parses — and leaves schemas, which are
//! JSON Schema 2020-12 in 3.1, to the JSON Schema compiler and lint. The first problem is
//! returned as a JSON pointer and a message; `load` locates it in the file.

use serde_json::{Map, Value};

use crate::source::pointer_push;

use super::load::describe;

/// A place in the document and what is wrong there.
pub(crate) type ShapeError = (String, String);

type Check = Result<(), ShapeError>;

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Checks the document's shape; the first problem found wins.
pub(crate) fn check(document: &Value) -> Check {
    let root = object_at(document, "")?;
    // `info.title` and `info.version` are required by the standard, but nothing downstream
    // needs them, and published specs leave them out (marimo's has no version): not fatal.
    let info = object_at(require(root, "", "info")?, "/info")?;
    for key in ["title", "version"] {
        if let Some(value) = info.get(key) {
            string_at(value, &pointer_push("/info", key))?;
        }
    }
    if !["paths", "webhooks", "components"]
        .iter()
        .any(|k| root.contains_key(*k))
    {
        return Err((
            String::new(),
            "an OpenAPI 3.1 document needs at least one of `paths`, `webhooks` or `components`"
                .to_string(),
        ));
    }
    if let Some(servers) = root.get("servers") {
        check_servers(servers, "/servers")?;
    }
    for container in ["paths", "webhooks"] {
        let Some(items) = root.get(container) else {
            continue;
        };
        let base = format!("/{container}");
        for (name, item) in entries(object_at(items, &base)?) {
            check_path_item(item, &pointer_push(&base, name))?;
        }
    }
    if let Some(components) = root.get("components") {
        check_components(components)?;
    }
    Ok(())
}

fn check_components(components: &Value) -> Check {
    let components = object_at(components, "/components")?;
    for (section, section_entries) in entries(components) {
        let base = pointer_push("/components", section);
        for (name, entry) in entries(object_at(section_entries, &base)?) {
            let at = pointer_push(&base, name);
            match section.as_str() {
                "schemas" => check_schema(entry, &at)?,
                "parameters" => check_parameter(entry, &at)?,
                "pathItems" => check_path_item(entry, &at)?,
                "responses" => check_response(entry, &at)?,
                "requestBodies" => check_request_body(entry, &at)?,
                _ => {
                    object_at(entry, &at)?;
                }
            }
        }
    }
    Ok(())
}

fn check_servers(servers: &Value, at: &str) -> Check {
    let Value::Array(list) = servers else {
        return Err((at.to_string(), "`servers` must be an array".to_string()));
    };
    for (i, server) in list.iter().enumerate() {
        let at = format!("{at}/{i}");
        let server = object_at(server, &at)?;
        string_at(require(server, &at, "url")?, &pointer_push(&at, "url"))?;
    }
    Ok(())
}

fn check_path_item(item: &Value, at: &str) -> Check {
    let item = object_at(item, at)?;
    if is_ref(item) {
        return Ok(());
    }
    if let Some(servers) = item.get("servers") {
        check_servers(servers, &pointer_push(at, "servers"))?;
    }
    if let Some(params) = item.get("parameters") {
        check_parameters(params, &pointer_push(at, "parameters"))?;
    }
    for method in METHODS {
        if let Some(op) = item.get(method) {
            check_operation(op, &pointer_push(at, method))?;
        }
    }
    Ok(())
}

fn check_operation(op: &Value, at: &str) -> Check {
    let op = object_at(op, at)?;
    if let Some(id) = op.get("operationId") {
        string_at(id, &pointer_push(at, "operationId"))?;
    }
    if let Some(params) = op.get("parameters") {
        check_parameters(params, &pointer_push(at, "parameters"))?;
    }
    if let Some(body) = op.get("requestBody") {
        check_request_body(body, &pointer_push(at, "requestBody"))?;
    }
    if let Some(servers) = op.get("servers") {
        check_servers(servers, &pointer_push(at, "servers"))?;
    }
    // Unlike 3.0, `responses` may be left out in 3.1.
    if let Some(responses) = op.get("responses") {
        let base = pointer_push(at, "responses");
        for (status, response) in entries(object_at(responses, &base)?) {
            check_response(response, &pointer_push(&base, status))?;
        }
    }
    Ok(())
}

fn check_parameters(params: &Value, at: &str) -> Check {
    let Value::Array(list) = params else {
        return Err((at.to_string(), "`parameters` must be an array".to_string()));
    };
    for (i, param) in list.iter().enumerate() {
        check_parameter(param, &format!("{at}/{i}"))?;
    }
    Ok(())
}

fn check_parameter(param: &Value, at: &str) -> Check {
    let param = object_at(param, at)?;
    if is_ref(param) {
        return Ok(());
    }
    string_at(require(param, at, "name")?, &pointer_push(at, "name"))?;
    let location_at = pointer_push(at, "in");
    let location = string_at(require(param, at, "in")?, &location_at)?;
    if !matches!(location, "path" | "query" | "header" | "cookie") {
        return Err((
            location_at,
            format!("unknown parameter location `{location}`, expected one of `path`, `query`, `header`, `cookie`"),
        ));
    }
    if let Some(style) = param.get("style") {
        let style_at = pointer_push(at, "style");
        let style = string_at(style, &style_at)?;
        const STYLES: [&str; 7] = [
            "matrix",
            "label",
            "form",
            "simple",
            "spaceDelimited",
            "pipeDelimited",
            "deepObject",
        ];
        if !STYLES.contains(&style) {
            return Err((style_at, format!("unknown parameter style `{style}`")));
        }
    }
    if let Some(schema) = param.get("schema") {
        check_schema(schema, &pointer_push(at, "schema"))?;
    }
    if let Some(content) = param.get("content") {
        check_content(content, &pointer_push(at, "content"))?;
    }
    Ok(())
}

fn check_request_body(body: &Value, at: &str) -> Check {
    let body = object_at(body, at)?;
    if is_ref(body) {
        return Ok(());
    }
    let content = require(body, at, "content")?;
    check_content(content, &pointer_push(at, "content"))
}

fn check_response(response: &Value, at: &str) -> Check {
    let response = object_at(response, at)?;
    if is_ref(response) {
        return Ok(());
    }
    if let Some(content) = response.get("content") {
        check_content(content, &pointer_push(at, "content"))?;
    }
    if let Some(headers) = response.get("headers") {
        object_at(headers, &pointer_push(at, "headers"))?;
    }
    Ok(())
}

fn check_content(content: &Value, at: &str) -> Check {
    for (media, media_type) in object_at(content, at)? {
        let media_at = pointer_push(at, media);
        let media_type = object_at(media_type, &media_at)?;
        if let Some(schema) = media_type.get("schema") {
            check_schema(schema, &pointer_push(&media_at, "schema"))?;
        }
    }
    Ok(())
}

/// A 3.1 schema is a JSON Schema: an object or a boolean. What is inside is the compiler's to
/// judge.
fn check_schema(schema: &Value, at: &str) -> Check {
    match schema {
        Value::Object(_) | Value::Bool(_) => Ok(()),
        other => Err((
            at.to_string(),
            format!(
                "a schema must be an object or a boolean, found {}",
                describe(other)
            ),
        )),
    }
}

/// A map's entries without its `x-` extensions, whose values can be anything.
fn entries(object: &Map<String, Value>) -> impl Iterator<Item = (&String, &Value)> {
    object.iter().filter(|(key, _)| !key.starts_with("x-"))
}

fn is_ref(object: &Map<String, Value>) -> bool {
    object.get("$ref").is_some_and(Value::is_string)
}

fn require<'a>(
    object: &'a Map<String, Value>,
    at: &str,
    key: &str,
) -> Result<&'a Value, ShapeError> {
    object
        .get(key)
        .ok_or_else(|| (at.to_string(), format!("missing field `{key}`")))
}

fn object_at<'a>(value: &'a Value, at: &str) -> Result<&'a Map<String, Value>, ShapeError> {
    value.as_object().ok_or_else(|| {
        (
            at.to_string(),
            format!("expected an object, found {}", describe(value)),
        )
    })
}

fn string_at<'a>(value: &'a Value, at: &str) -> Result<&'a str, ShapeError> {
    value.as_str().ok_or_else(|| {
        (
            at.to_string(),
            format!("expected a string, found {}", describe(value)),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn accepts_minimal_and_rejects_located() {
        let ok = json!({"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
            "webhooks": {"hook": {"post": {"requestBody": {"content": {"application/json":
                {"schema": {"type": ["string", "null"]}}}}}}}});
        assert_eq!(check(&ok), Ok(()));
        let bad = json!({"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
            "paths": {"/a": {"get": {"parameters": [{"name": "q", "in": "body"}]}}}});
        let (at, message) = check(&bad).expect_err("bad location");
        assert_eq!(at, "/paths/~1a/get/parameters/0/in");
        assert!(message.contains("`body`"), "{message}");
        let empty = json!({"openapi": "3.1.0", "info": {"title": "t", "version": "1"}});
        assert!(check(&empty).is_err());
    }
}
