//! Media-type choice, in one place: which documented media type a client sends or decodes, and
//! which one a recorded `Content-Type` is read against. Codegen and the validator both ask here,
//! so what a generated client sends is what the validator checks it against.

use super::model::{essence_as_written, is_json_media, media_essence, MediaType};

/// How a chosen media type's body is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// JSON, under any JSON media type (`application/json`, `+json`).
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
    /// Anything else: bytes the caller encodes or reads.
    Raw,
}

/// The encoding of one media type.
pub fn encoding_of(media: &MediaType) -> Encoding {
    if is_json_media(&media.name) {
        Encoding::Json
    } else if media_essence(&media.name) == "application/x-www-form-urlencoded" {
        Encoding::Form
    } else {
        Encoding::Raw
    }
}

/// The media type a client sends a request body as: the first JSON one, else the first form,
/// else the first of all (as raw bytes). `None` when no media type is documented.
pub fn to_send(content: &[MediaType]) -> Option<(Encoding, &MediaType)> {
    [Encoding::Json, Encoding::Form]
        .into_iter()
        .find_map(|want| content.iter().find(|m| encoding_of(m) == want))
        .or_else(|| content.first())
        .map(|m| (encoding_of(m), m))
}

/// The media type a client decodes a response body as: the first JSON one, else the first of
/// all as raw bytes (a form response is not decoded). `None` for a response without a body.
pub fn to_decode(content: &[MediaType]) -> Option<(Encoding, &MediaType)> {
    match content.iter().find(|m| is_json_media(&m.name)) {
        Some(m) => Some((Encoding::Json, m)),
        None => content.first().map(|m| (Encoding::Raw, m)),
    }
}

/// The media type documented for a received `Content-Type` (parameters ignored,
/// case-insensitive): the same essence, else `type/*`, else `*/*`.
/// Every exchange asks this, so essences are compared without case rather than copied folded.
pub fn documented_for<'m>(content: &'m [MediaType], content_type: &str) -> Option<&'m MediaType> {
    let essence = essence_as_written(content_type);
    let top = essence.split('/').next().unwrap_or("");
    // `top/*`, compared without case.
    let wildcard = |name: &str| {
        let name = essence_as_written(name);
        name.len() == top.len() + 2
            && name.ends_with("/*")
            && name.as_bytes()[..top.len()].eq_ignore_ascii_case(top.as_bytes())
    };
    content
        .iter()
        .find(|m| {
            // Most are written alike: the byte comparison answers first.
            let name = essence_as_written(&m.name);
            name == essence || name.eq_ignore_ascii_case(essence)
        })
        .or_else(|| content.iter().find(|m| wildcard(&m.name)))
        .or_else(|| content.iter().find(|m| m.name.trim() == "*/*"))
}

/// The media type a received body is checked against: the documented one, else, for a JSON
/// body under an undocumented JSON type (`application/json` where `hal+json` is documented),
/// the first documented JSON type, so the body's own drift is not hidden behind its media type.
pub fn to_check<'m>(content: &'m [MediaType], content_type: &str) -> Option<&'m MediaType> {
    documented_for(content, content_type).or_else(|| {
        is_json_media(content_type)
            .then(|| content.iter().find(|m| is_json_media(&m.name)))
            .flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn media(names: &[&str]) -> Vec<MediaType> {
        names
            .iter()
            .map(|n| MediaType {
                name: n.to_string(),
                schema: None,
                pointer: String::new(),
            })
            .collect()
    }

    #[test]
    fn a_client_sends_json_then_form_then_the_first() {
        let c = media(&[
            "text/plain",
            "application/x-www-form-urlencoded",
            "application/hal+json",
        ]);
        assert_eq!(
            to_send(&c).map(|(e, m)| (e, m.name.as_str())),
            Some((Encoding::Json, "application/hal+json"))
        );
        let c = media(&["text/plain", "application/x-www-form-urlencoded"]);
        assert_eq!(to_send(&c).map(|(e, _)| e), Some(Encoding::Form));
        let c = media(&["multipart/form-data"]);
        assert_eq!(to_send(&c).map(|(e, _)| e), Some(Encoding::Raw));
        assert!(to_send(&[]).is_none());
        assert_eq!(
            to_decode(&media(&["application/x-www-form-urlencoded"])).map(|(e, _)| e),
            Some(Encoding::Raw)
        );
    }

    /// Compared without case, essences pick what comparing their folded copies picked; and JSON
    /// is told apart as from a folded copy.
    #[test]
    fn essences_compare_as_their_folded_copies() {
        let names = [
            "application/json",
            "Application/JSON; charset=utf-8",
            " image/* ",
            "IMAGE/*",
            "image/*x",
            "text/plain",
            "*/*",
            "application/vnd.github+JSON",
            "application/x-NDJSON",
            "json",
            "é/*",
        ];
        let folded = |content: &[MediaType], ct: &str| -> Option<String> {
            let essence = media_essence(ct);
            let top = essence.split('/').next().unwrap_or("").to_string();
            let wildcard = format!("{top}/*");
            content
                .iter()
                .find(|m| media_essence(&m.name) == essence)
                .or_else(|| content.iter().find(|m| media_essence(&m.name) == wildcard))
                .or_else(|| content.iter().find(|m| m.name.trim() == "*/*"))
                .map(|m| m.name.clone())
        };
        for (i, _) in names.iter().enumerate() {
            let content = media(&names[i..]);
            for ct in names.iter().chain(&["IMAGE/png", "é/x", "Text/Plain;q=1"]) {
                let got = documented_for(&content, ct).map(|m| m.name.clone());
                assert_eq!(got, folded(&content, ct), "{ct} in {:?}", &names[i..]);
            }
        }
        for ct in names {
            let essence = media_essence(ct);
            let sub = essence.split_once('/').map(|(_, s)| s).unwrap_or("");
            let json = sub == "json" || sub.ends_with("+json") || essence == "application/x-ndjson";
            assert_eq!(is_json_media(ct), json, "{ct}");
        }
    }

    /// The essence skips trimming only where nothing is there to trim: it is what splitting at
    /// `;` and trimming gives, for spaces, tabs and non-ASCII white space at either end.
    #[test]
    fn an_essence_is_the_trimmed_text_before_its_parameters() {
        let types = [
            "application/json",
            "application/json;charset=utf-8",
            " application/json ; q=1",
            "\tapplication/json",
            "application/json\u{a0}",
            "\u{2003}text/plain",
            "é/x",
            ";",
            " ",
            "",
            "a",
        ];
        for ct in types {
            let reference = ct.split(';').next().unwrap_or("").trim();
            assert_eq!(essence_as_written(ct), reference, "{ct:?}");
        }
    }

    #[test]
    fn a_received_type_is_read_against_the_closest_documented_one() {
        let c = media(&["application/hal+json", "image/*"]);
        assert_eq!(
            documented_for(&c, "Image/PNG").map(|m| m.name.as_str()),
            Some("image/*")
        );
        assert!(documented_for(&c, "application/json").is_none());
        assert_eq!(
            to_check(&c, "application/json; charset=utf-8").map(|m| m.name.as_str()),
            Some("application/hal+json")
        );
        assert!(to_check(&c, "text/html").is_none());
        let any = media(&["*/*"]);
        assert_eq!(
            documented_for(&any, "text/html").map(|m| m.name.as_str()),
            Some("*/*")
        );
    }
}
