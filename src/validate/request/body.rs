//! Request bodies: the media type chosen, JSON and form bodies checked against their schema.

// One check in three files: the parent's types and imports are this step's too.
use super::*;

use std::borrow::Cow;

use super::super::body_check;
use super::super::capture::Body;

impl Run<'_, '_> {
    /// A `request_body_mismatch` about the body as a whole, located where the body stands.
    fn body_error(&mut self, message: String, suggestion: String) {
        let location = self.request.locate(self.request.body_at);
        self.push(
            Kind::RequestBodyMismatch,
            Severity::Error,
            "/body".to_string(),
            location,
            message,
            Some(suggestion),
        );
    }

    pub(super) fn body(&mut self) {
        let Some(rb) = self.op.request_body.as_ref() else {
            return;
        };
        let request = self.request;
        let documented: Vec<&str> = rb.content.iter().map(|m| m.name.as_str()).collect();
        let Some(body) = request.body.as_ref().filter(|b| !b.text.trim().is_empty()) else {
            if rb.required && request.body_known {
                let message = format!(
                    "missing required request body of {} ({})",
                    self.op.id,
                    documented.join(", ")
                );
                self.body_error(message, "send the body the spec documents".to_string());
            }
            return;
        };
        let content_type = request
            .content_type
            .as_deref()
            .filter(|c| !c.trim().is_empty());
        let media = match content_type {
            None => rb.content.first(),
            Some(ct) => crate::spec::media::to_check(&rb.content, ct),
        };
        let Some(media) = media else {
            let essence = content_type.map(media_essence).unwrap_or_default();
            let message = format!(
                "request media type {essence} is not documented for {} (documented: {})",
                self.op.id,
                documented.join(", ")
            );
            self.body_error(message, format!("send {}", documented.join(" or ")));
            return;
        };
        let Some(schema) = media.schema.as_ref() else {
            return;
        };
        let essence = media_essence(content_type.unwrap_or(&media.name));
        self.check_value(body, &essence, &schema.pointer);
    }

    /// Checks a body of media type `essence` against the schema at `schema`: JSON and forms
    /// through the shared body check, findings re-pointed under `/body`; other media are not
    /// checked.
    fn check_value(&mut self, body: &Body, essence: &str, schema: &str) {
        let request = self.request;
        let form = essence == "application/x-www-form-urlencoded";
        let tape = if is_json_media(essence) {
            match body_check::json_value(body) {
                Ok(v) => v,
                Err(e) => {
                    let location = body_check::parse_error_location(body, &e)
                        .unwrap_or_else(|| request.locate(request.body_at));
                    let message = format!(
                        "the request body is not valid JSON: {}",
                        super::super::capture::serde_message(&e)
                    );
                    let kind = Kind::RequestBodyMismatch;
                    self.push(
                        kind,
                        Severity::Error,
                        "/body".into(),
                        location,
                        message,
                        None,
                    );
                    return;
                }
            }
        } else if form {
            let document = &self.specs[self.s].document;
            let value = form_value(&body.text, &Shape::of_schema(document, schema));
            Cow::Owned(Tape::from_value(&value))
        } else {
            return; // multipart, binary: not checked
        };
        let findings = self.explain(schema, tape.root(&body.text));
        let spans = body_check::Spans::new(body, findings.len());
        let located = body_check::locate(body, findings, |f| match (form, &f.target) {
            (true, Target::Key(p) | Target::Value(p)) => form_span(&body.text, p),
            (false, target) => spans.of_target(target),
        });
        for body_check::Located {
            finding: f,
            location,
        } in located
        {
            let location = location.unwrap_or_else(|| request.locate(request.body_at));
            let mut d = Diagnostic::new(
                Kind::RequestBodyMismatch,
                f.severity,
                format!("request body: {}", f.message),
            )
            .in_file(self.ex.file.as_path())
            .with_pointer(format!("/body{}", f.pointer))
            .at(Some(location));
            d.suggestion = f.suggestion;
            d.notes = f.notes;
            d.exchange = Some(self.exref.clone());
            self.out.push(d);
        }
    }
}

/// A form body as an object: documented properties coerced to their schema's scalar types
/// (through `spec::style`, as a `form` + `explode` object), other keys kept as strings so the
/// schema walk reports them; a key given twice becomes an array of its values.
fn form_value(text: &str, shape: &Shape) -> Value {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(text.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let fields = match shape {
        Shape::Object(fields) => fields.clone(),
        _ => Vec::new(),
    };
    let mut map = serde_json::Map::new();
    for (k, v) in &pairs {
        let scalar = fields
            .iter()
            .find(|(f, _)| f == k)
            .map_or(Scalar::String, |(_, s)| *s);
        let wire = Wire {
            name: k.clone(),
            location: ParamLocation::Query,
            style: ParamStyle::Form,
            explode: true,
            shape: Shape::Scalar(scalar),
        };
        // A value that does not coerce stays a string, so the schema reports its type.
        let value = style::parse_pairs(&wire, &[(k.as_str(), v.as_str())])
            .ok()
            .flatten()
            .unwrap_or_else(|| Value::String(v.clone()));
        match map.get_mut(k) {
            Some(Value::Array(items)) => items.push(value),
            Some(first) => {
                let first = first.take();
                map.insert(k.clone(), Value::Array(vec![first, value]));
            }
            None => {
                map.insert(k.clone(), value);
            }
        }
    }
    Value::Object(map)
}

/// Where the pair of the first key of `pointer` stands in a form body (`/name` → `name=...`).
fn form_span(text: &str, pointer: &str) -> Option<ByteSpan> {
    let key = crate::source::pointer_segments(pointer)
        .into_iter()
        .next()?;
    let mut start = 0;
    for pair in text.split('&') {
        let name = pair.split('=').next().unwrap_or("");
        let decoded: String = url::form_urlencoded::parse(name.as_bytes())
            .map(|(k, _)| k.into_owned())
            .next()
            .unwrap_or_default();
        if decoded == key {
            return Some(ByteSpan {
                start,
                end: start + pair.len().max(1),
            });
        }
        start += pair.len() + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_bodies_coerce_documented_properties() {
        let shape = Shape::Object(vec![
            ("n".to_string(), Scalar::Integer),
            ("ok".to_string(), Scalar::Boolean),
        ]);
        let value = form_value("n=5&ok=true&x=a+b&x=c&n2=%20", &shape);
        assert_eq!(
            value,
            serde_json::json!({"n": 5, "ok": true, "x": ["a b", "c"], "n2": " "})
        );
        let bad = form_value("n=five", &shape);
        assert_eq!(bad, serde_json::json!({"n": "five"}));
        assert_eq!(
            form_span("a=1&n=five", "/n"),
            Some(ByteSpan { start: 4, end: 10 })
        );
    }
}
