//! The runtime's parameter serialisation against the OpenAPI 3.0 style table (the `color`
//! examples of the specification's "Style Examples"), plus the cases OpenAPI leaves open.

use serde_json::json;
use specsmith_generated::runtime::{path_param, Core, Style};

fn array() -> serde_json::Value {
    json!(["blue", "black", "brown"])
}

fn object() -> serde_json::Value {
    json!({"R": 100, "G": 200, "B": 150})
}

fn query(value: &serde_json::Value, style: Style, explode: bool) -> String {
    let mut request = Core::new("http://localhost").request(reqwest::Method::GET, "/", &[]);
    request
        .query("color", value, style, explode, false)
        .expect("serialises");
    request.query_string().to_string()
}

fn path(value: &serde_json::Value, style: Style, explode: bool) -> String {
    path_param("color", value, style, explode).expect("serialises")
}

#[test]
fn path_styles_follow_the_table() {
    let blue = json!("blue");
    let cases = [
        (Style::Simple, false, &blue, "blue"),
        (Style::Simple, false, &array(), "blue,black,brown"),
        (Style::Simple, false, &object(), "R,100,G,200,B,150"),
        (Style::Simple, true, &object(), "R=100,G=200,B=150"),
        (Style::Label, false, &blue, ".blue"),
        (Style::Label, false, &array(), ".blue,black,brown"),
        (Style::Label, true, &array(), ".blue.black.brown"),
        (Style::Label, false, &object(), ".R,100,G,200,B,150"),
        (Style::Label, true, &object(), ".R=100.G=200.B=150"),
        (Style::Matrix, false, &blue, ";color=blue"),
        (Style::Matrix, false, &array(), ";color=blue,black,brown"),
        (
            Style::Matrix,
            true,
            &array(),
            ";color=blue;color=black;color=brown",
        ),
        (Style::Matrix, false, &object(), ";color=R,100,G,200,B,150"),
        (Style::Matrix, true, &object(), ";R=100;G=200;B=150"),
    ];
    for (style, explode, value, expected) in cases {
        assert_eq!(
            path(value, style, explode),
            expected,
            "{style:?} explode={explode} {value}"
        );
    }
}

#[test]
fn query_styles_follow_the_table() {
    let blue = json!("blue");
    let cases = [
        (Style::Form, true, &blue, "color=blue"),
        (Style::Form, false, &array(), "color=blue,black,brown"),
        (
            Style::Form,
            true,
            &array(),
            "color=blue&color=black&color=brown",
        ),
        (Style::Form, false, &object(), "color=R,100,G,200,B,150"),
        (Style::Form, true, &object(), "R=100&G=200&B=150"),
        (
            Style::SpaceDelimited,
            false,
            &array(),
            "color=blue%20black%20brown",
        ),
        (
            Style::PipeDelimited,
            false,
            &array(),
            "color=blue|black|brown",
        ),
        (
            Style::DeepObject,
            true,
            &object(),
            "color[R]=100&color[G]=200&color[B]=150",
        ),
    ];
    for (style, explode, value, expected) in cases {
        assert_eq!(
            query(value, style, explode),
            expected,
            "{style:?} explode={explode} {value}"
        );
    }
}

#[test]
fn values_are_encoded_and_never_json_quoted() {
    assert_eq!(
        query(&json!("a b&c=d,e"), Style::Form, true),
        "color=a%20b%26c%3Dd%2Ce"
    );
    // Separator commas stay literal; commas inside items are encoded.
    assert_eq!(
        query(&json!(["a,b", "c"]), Style::Form, false),
        "color=a%2Cb,c"
    );
    assert_eq!(query(&json!(true), Style::Form, true), "color=true");
    assert_eq!(query(&json!(1.5), Style::Form, true), "color=1.5");
    assert_eq!(query(&serde_json::Value::Null, Style::Form, true), "");
    // A content-typed parameter is the value's JSON text.
    assert_eq!(
        query(&json!({"a": 1}), Style::Json, true),
        "color=%7B%22a%22%3A1%7D"
    );
    assert_eq!(path(&json!("a/b c"), Style::Simple, false), "a%2Fb%20c");
    assert_eq!(
        path(&json!({"k/1": "v 1"}), Style::Label, true),
        ".k%2F1=v%201"
    );
}

#[test]
fn deep_object_arrays_go_php_style() {
    let filter = json!([
        {"type": "equals", "attribute": "name", "value": "Acme"},
        {"type": "in", "attribute": "id", "value": ["1", "2"]},
    ]);
    let mut request = Core::new("http://localhost").request(reqwest::Method::GET, "/", &[]);
    request
        .query("where", &filter, Style::DeepObject, true, false)
        .expect("serialises");
    assert_eq!(
        request.query_string(),
        "where[0][type]=equals&where[0][attribute]=name&where[0][value]=Acme\
         &where[1][type]=in&where[1][attribute]=id&where[1][value][0]=1&where[1][value][1]=2"
    );
}

fn form(value: &serde_json::Value, encodings: &[(&str, Style, bool)]) -> String {
    let mut request = Core::new("http://localhost").request(reqwest::Method::POST, "/", &[]);
    request
        .form_body("application/x-www-form-urlencoded", value, encodings)
        .expect("serialises");
    let (media, bytes) = request.body().expect("a body is set");
    assert_eq!(media, "application/x-www-form-urlencoded");
    String::from_utf8(bytes.to_vec()).expect("form bodies are ASCII")
}

/// A form body is a query string: each field by its `encoding`, else form style, exploded. An
/// object field's members become fields of their own (never `metadata=k&metadata=v`, which
/// loses which value belongs to which key), or `metadata[k]=v` as Stripe declares it.
#[test]
fn form_bodies_encode_fields_like_query_parameters() {
    let body = json!({
        "grant_type": "password",
        "scope": ["read", "write"],
        "metadata": {"order id": "A&B", "n": 2},
        "card": {"address": {"city": "Zürich"}, "tags": ["x"]},
        "absent": null,
    });
    assert_eq!(
        form(&body, &[]),
        "grant_type=password&scope=read&scope=write&order%20id=A%26B&n=2\
         &address=%7B%22city%22%3A%22Z%C3%BCrich%22%7D&tags=%5B%22x%22%5D"
    );
    let encodings = [
        ("metadata", Style::DeepObject, true),
        ("card", Style::DeepObject, true),
        ("scope", Style::Form, false),
    ];
    assert_eq!(
        form(&body, &encodings),
        "grant_type=password&scope=read,write&metadata[order%20id]=A%26B&metadata[n]=2\
         &card[address][city]=Z%C3%BCrich&card[tags][0]=x"
    );
}
