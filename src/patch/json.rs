//! Insertions into JSON text: new members after an object's last member (a comma added after
//! it), new items after an array's last item, printed with the file's own indentation.

use serde_json::Value;

use crate::source::{json_pointer_span, pointer_push};

use super::yaml::{line_start, Insertion, Style};

/// Leading whitespace of the line holding `offset`, and whether `offset` is the first thing on it.
fn line_indent(text: &str, offset: usize) -> (&str, bool) {
    let start = line_start(text, offset);
    let line = &text[start..offset];
    let trimmed = line.trim_start_matches([' ', '\t']);
    (&line[..line.len() - trimmed.len()], trimmed.is_empty())
}

/// The insertion that adds `add`'s members (an object) or items (an array) to the container at
/// `pointer` of `document` (the parsed `text`).
pub fn insert(
    text: &str,
    document: &Value,
    style: &Style,
    pointer: &str,
    add: &Value,
) -> Result<Insertion, String> {
    let container = document
        .pointer(pointer)
        .ok_or_else(|| format!("nothing at {pointer}"))?;
    let last = match (container, add) {
        (Value::Object(map), Value::Object(_)) => {
            map.keys().next_back().map(|k| pointer_push(pointer, k))
        }
        (Value::Array(items), Value::Array(_)) => {
            (!items.is_empty()).then(|| format!("{pointer}/{}", items.len() - 1))
        }
        _ => return Err(format!("{pointer} is not the kind of container expected")),
    };
    let Some(last) = last else {
        return Err(format!("{pointer} is empty, so its indentation is unknown"));
    };
    let span =
        json_pointer_span(text, &last).ok_or_else(|| format!("{last} not found in the text"))?;
    let start = span.key.map_or(span.value.start, |k| k.start);
    let (indent, own_line) = line_indent(text, start);
    let entries: Vec<(Option<&String>, &Value)> = match add {
        Value::Object(m) => m.iter().map(|(k, v)| (Some(k), v)).collect(),
        Value::Array(a) => a.iter().map(|v| (None, v)).collect(),
        _ => Vec::new(),
    };
    let mut out = String::new();
    for (key, value) in entries {
        let key_text = match key {
            Some(k) => format!("{}: ", Value::String(k.clone())),
            None => String::new(),
        };
        if own_line {
            let printed = pretty(value, &indent_unit(text, style))?;
            let shifted = printed.replace('\n', &format!("{}{indent}", style.newline));
            out.push_str(&format!(",{}{indent}{key_text}{shifted}", style.newline));
        } else {
            let compact = serde_json::to_string(value).map_err(|e| e.to_string())?;
            out.push_str(&format!(", {key_text}{compact}"));
        }
    }
    Ok(Insertion {
        offset: span.value.end,
        text: out,
    })
}

/// One level of the file's indentation: a tab if it indents with tabs, else its step in spaces.
fn indent_unit(text: &str, style: &Style) -> String {
    if text.lines().any(|l| l.starts_with('\t')) {
        "\t".to_string()
    } else {
        " ".repeat(style.step)
    }
}

fn pretty(value: &Value, unit: &str) -> Result<String, String> {
    use serde::Serialize;
    let mut buf = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(unit.as_bytes());
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, formatter);
    value.serialize(&mut ser).map_err(|e| e.to_string())?;
    String::from_utf8(buf).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn apply(text: &str, pointer: &str, add: Value) -> String {
        let doc: Value = serde_json::from_str(text).expect("json");
        let ins = insert(text, &doc, &Style::of(text), pointer, &add).expect("insertion");
        let mut out = text.to_string();
        out.insert_str(ins.offset, &ins.text);
        let _: Value = serde_json::from_str(&out).expect("still JSON");
        out
    }

    #[test]
    fn members_follow_the_last_one_with_a_comma_and_the_file_indentation() {
        let text = "{\n    \"a\": {\n        \"b\": 1\n    }\n}";
        assert_eq!(
            apply(text, "/a", json!({"c": {"type": "string"}})),
            "{\n    \"a\": {\n        \"b\": 1,\n        \"c\": {\n            \"type\": \"string\"\n        }\n    }\n}"
        );
    }

    #[test]
    fn one_line_containers_grow_on_their_line() {
        assert_eq!(
            apply("{\"a\": [1, 2]}", "/a", json!([3])),
            "{\"a\": [1, 2, 3]}"
        );
    }
}
