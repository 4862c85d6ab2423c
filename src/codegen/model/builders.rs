//! How a caller makes a value of a generated type: struct builders and union conversions.
//!
//! A struct with required fields gets `new(required…)`, so a missing field is a compile error
//! (progenitor's builders find it at run time, in a fallible `build`/`try_from`); an optional
//! field gets a chainable `with_*` setter, and a three-state one a `clear_*` that sends `null`,
//! so nobody writes `Some(Some(x))`. A union converts `From` each variant payload that is a
//! Rust type of its own, and its variant names drop the words they repeat from the union's.
//! Everything is decided here; `type.rs.jinja` only renders it.

use super::*;

/// Names a union's variants never take: the `Unknown` fallback of tagged unions, and `Self`.
pub(super) const UNION_RESERVED: &[&str] = &["Unknown", "Self"];

impl Builder<'_> {
    /// A struct's shape: its fields, each with how `new` or a setter fills it.
    pub(super) fn struct_shape(
        &self,
        fields: &[FieldIr],
        additional: Option<&Ty>,
        in_request: bool,
    ) -> Shape {
        let mut names = Scope::default();
        for f in fields {
            names.claim(&f.name);
        }
        // Methods live apart from fields; `new` is claimed first so no setter can take it.
        let mut methods = Scope::with_reserved(&["new"]);
        let mut params = Scope::default();
        let fields: Vec<Field> = fields
            .iter()
            .map(|f| {
                let presence = Presence::of(f.required, f.nullable, in_request);
                Field {
                    rename: naming::bare(&f.name) != f.wire,
                    name: f.name.clone(),
                    wire: f.wire.clone(),
                    ty: presence.wrap(self.render(&f.ty, f.boxed)),
                    presence,
                    doc: f.doc.clone(),
                    init: self.init(f, presence, &mut methods, &mut params),
                }
            })
            .collect();
        let required = |f: &&Field| !matches!(f.init, Init::Setter { .. });
        let construct = match fields.iter().filter(required).count() {
            0 => Construct::Default,
            _ if fields
                .iter()
                .filter(required)
                .all(|f| matches!(f.init, Init::Fixed { .. })) =>
            {
                Construct::Fixed
            }
            _ => Construct::New,
        };
        Shape::Struct {
            fields,
            additional: additional.map(|t| {
                format!(
                    "std::collections::BTreeMap<String, {}>",
                    self.render(t, false)
                )
            }),
            additional_name: names.claim("additional_properties"),
            construct,
        }
    }

    /// How a field is filled: a required one by `new` (fixed when the schema allows one value),
    /// an optional one by a `with_*` setter (and `clear_*` when `null` means "clear it").
    fn init(
        &self,
        f: &FieldIr,
        presence: Presence,
        methods: &mut Scope,
        params: &mut Scope,
    ) -> Init {
        let mut param = || {
            let stem = naming::field_stem(&f.name);
            if stem.chars().all(|c| c.is_ascii_digit() || c == '_') {
                params.claim(&format!("value_{stem}"))
            } else {
                params.claim(&f.name)
            }
        };
        match presence {
            Presence::Required => match self.fixed_value(&f.ty) {
                Some((enum_name, variant)) => Init::Fixed { enum_name, variant },
                None => Init::Argument {
                    param: param(),
                    arg: self.arg(&f.ty, f.boxed),
                },
            },
            // `null` is a value the caller chooses here, so `new` takes the `Option`.
            Presence::Nullable => Init::Argument {
                param: param(),
                arg: Arg {
                    ty: presence.wrap(self.render(&f.ty, f.boxed)),
                    into: false,
                },
            },
            Presence::Optional | Presence::Double => Init::Setter {
                setter: methods.claim(&naming::setter(&f.name)),
                arg: self.arg(&f.ty, f.boxed),
                clear: (presence == Presence::Double)
                    .then(|| methods.claim(&naming::clearer(&f.name))),
            },
        }
    }

    /// What a method takes for a value of `ty`; see [`Arg::into`] for when it is `impl Into`.
    fn arg(&self, ty: &Ty, boxed: bool) -> Arg {
        let (inner, alias_boxed) = self.unalias(ty);
        let into = boxed
            || alias_boxed
            || match inner {
                Ty::String => true,
                Ty::Named(id) => self.converts(*id),
                _ => false,
            };
        Arg {
            ty: self.render(ty, boxed),
            into,
        }
    }

    /// Whether a named type is a union that converts from at least one of its payloads.
    fn converts(&self, id: usize) -> bool {
        match &self.defs[id].body {
            Body::Union { variants, tag } => self
                .union_froms(id, variants, tag.is_some())
                .iter()
                .any(Option::is_some),
            _ => false,
        }
    }

    /// The enum and variant name of a field type that is a one-value string enum (through
    /// aliases): a required field of it has only one possible value, which `new` fills in.
    fn fixed_value(&self, ty: &Ty) -> Option<(String, String)> {
        let (Ty::Named(id), false) = self.unalias(ty) else {
            return None;
        };
        let Body::StringEnum(values) = &self.defs[*id].body else {
            return None;
        };
        let [variant] = <[EnumVariant; 1]>::try_from(string_enum_variants(values)).ok()?;
        Some((self.defs[*id].name.clone(), variant.name))
    }

    /// `ty` with plain aliases followed, and whether one of them boxes.
    fn unalias<'t>(&'t self, mut ty: &'t Ty) -> (&'t Ty, bool) {
        let mut boxed = false;
        for _ in 0..32 {
            let Ty::Named(id) = ty else { break };
            match &self.defs[*id].body {
                Body::Alias {
                    ty: inner,
                    boxed: b,
                    newtype: false,
                } => {
                    boxed |= *b;
                    ty = inner;
                }
                _ => break,
            }
        }
        (ty, boxed)
    }

    /// The Rust type `ty` is once aliases are expanded: payloads with the same text here are
    /// one type, and two `From` impls for it would conflict.
    fn canonical(&self, ty: &Ty, depth: usize) -> String {
        match ty {
            Ty::Named(id) if depth < 32 => match &self.defs[*id].body {
                Body::Alias {
                    ty: inner,
                    boxed,
                    newtype: false,
                } => {
                    let inner = self.canonical(inner, depth + 1);
                    if *boxed {
                        format!("Box<{inner}>")
                    } else {
                        inner
                    }
                }
                Body::Pending => "serde_json::Value".to_string(),
                _ => self.render(ty, false),
            },
            Ty::Array(t) => format!("Vec<{}>", self.canonical(t, depth + 1)),
            Ty::Map(t) => format!("Map<{}>", self.canonical(t, depth + 1)),
            _ => self.render(ty, false),
        }
    }

    /// Per variant of union `id`, the payload type `From` converts from; `None` where another
    /// variant's payload (or a tagged union's `Unknown(serde_json::Value)`) is the same Rust
    /// type, since a conversion would not know which variant to pick, or where the payload is
    /// the union itself (the standard library's `From<T> for T` covers it).
    pub(super) fn union_froms(
        &self,
        id: usize,
        variants: &[VariantIr],
        tagged: bool,
    ) -> Vec<Option<String>> {
        let keys: Vec<String> = variants.iter().map(|v| self.canonical(&v.ty, 0)).collect();
        let own = &self.defs[id].name;
        variants
            .iter()
            .zip(&keys)
            .map(|(v, key)| {
                let shared = keys.iter().filter(|k| *k == key).count() > 1
                    || (tagged && key == "serde_json::Value")
                    || key == own;
                (!shared).then(|| self.render(&v.ty, false))
            })
            .collect()
    }

    /// The variant that takes a `&str`: the one whose payload is `String`, when it converts.
    pub(super) fn str_variant(
        &self,
        variants: &[VariantIr],
        froms: &[Option<String>],
    ) -> Option<String> {
        variants
            .iter()
            .zip(froms)
            .find(|(v, from)| from.is_some() && self.canonical(&v.ty, 0) == "String")
            .map(|(v, _)| v.name.clone())
    }
}

/// Variant names without the words they repeat from the union's name: the longest run of
/// leading words they share, then of trailing words
/// (`ChatCompletionRequestMessage::ChatCompletionRequestUserMessage` → `User`). A name stays
/// whole when nothing would be left, when the rest is reserved (`Unknown`, `Self`), or when the
/// rest equals another variant's name; [`Scope::claim`] then numbers what still collides, as
/// for every other name.
pub(super) fn short_variant_names(union: &str, wanted: &[String]) -> Vec<String> {
    let union_words = camel_words(union);
    let short: Vec<Option<String>> = wanted
        .iter()
        .map(|w| without_shared_words(&union_words, &camel_words(w)))
        .collect();
    let taken =
        |i: usize, name: &str| {
            wanted.iter().zip(&short).enumerate().any(|(j, (w, s))| {
                j != i && (s.as_deref() == Some(name) || (s.is_none() && w == name))
            })
        };
    wanted
        .iter()
        .zip(&short)
        .enumerate()
        .map(|(i, (whole, short))| match short {
            Some(s) if !taken(i, s) => s.clone(),
            _ => whole.clone(),
        })
        .collect()
}

/// The words of `variant` left after those it repeats from `union`: a shared lead, then either
/// the union's remaining tail at the start (`ChatCompletionRequest|MessageContentPart|Text` in
/// `ChatCompletionRequestUserMessageContentPart`; an inline union is named after its field, so
/// `ResponseFormat|JsonSchema` in `CreateChatCompletionRequestResponseFormat`) or a shared tail
/// (`ChatCompletionRequest|User|Message`). `None` when that is all of it, none of it, or a name
/// variants cannot take.
fn without_shared_words(union: &[&str], variant: &[&str]) -> Option<String> {
    let lead = union
        .iter()
        .zip(variant)
        .take_while(|(a, b)| a == b)
        .count();
    let (union, rest) = (&union[lead..], &variant[lead..]);
    let overlap = (1..=union.len().min(rest.len()))
        .rev()
        .find(|&k| union[union.len() - k..] == rest[..k]);
    let rest = match overlap {
        Some(k) => &rest[k..],
        None => {
            let tail = union
                .iter()
                .rev()
                .zip(rest.iter().rev())
                .take_while(|(a, b)| a == b)
                .count();
            &rest[..rest.len() - tail]
        }
    };
    let name = rest.concat();
    let changed = rest.len() < variant.len();
    let valid = name.starts_with(|c: char| c.is_ascii_uppercase())
        && !UNION_RESERVED.contains(&name.as_str());
    (changed && valid).then_some(name)
}

/// `UpperCamelCase` split before each capital: `ChatCompletionRequest` → `Chat`, `Completion`,
/// `Request`. Digits stay with the word before them (`V2Beta` → `V2`, `Beta`).
fn camel_words(name: &str) -> Vec<&str> {
    let mut words = Vec::new();
    let mut start = 0;
    for (i, c) in name.char_indices().skip(1) {
        if c.is_ascii_uppercase() {
            words.push(&name[start..i]);
            start = i;
        }
    }
    if !name.is_empty() {
        words.push(&name[start..]);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    fn short(union: &str, wanted: &[&str]) -> Vec<String> {
        let wanted: Vec<String> = wanted.iter().map(|s| s.to_string()).collect();
        short_variant_names(union, &wanted)
    }

    #[test]
    fn variant_names_drop_the_words_of_the_union() {
        assert_eq!(
            short(
                "ChatCompletionRequestMessage",
                &[
                    "ChatCompletionRequestUserMessage",
                    "ChatCompletionRequestToolMessage",
                    "ChatCompletionRequestFunctionMessage"
                ]
            ),
            ["User", "Tool", "Function"]
        );
        assert_eq!(
            short(
                "ResponseFormat",
                &["ResponseFormatText", "ResponseFormatJsonSchema"]
            ),
            ["Text", "JsonSchema"]
        );
        assert_eq!(
            short("OutputItem", &["OutputMessage", "FunctionToolCall"]),
            ["Message", "FunctionToolCall"]
        );
        assert_eq!(
            short(
                "CreateChatCompletionRequestResponseFormat",
                &["ResponseFormatJsonSchema", "ResponseFormatText"]
            ),
            ["JsonSchema", "Text"]
        );
        assert_eq!(
            short(
                "ChatCompletionRequestUserMessageContentPart",
                &[
                    "ChatCompletionRequestMessageContentPartText",
                    "ChatCompletionRequestMessageContentPartImage"
                ]
            ),
            ["Text", "Image"]
        );
    }

    #[test]
    fn variant_names_stay_whole_when_shortening_would_break_them() {
        // Nothing would be left of `Service`; `ServiceReference` starts with the union's tail.
        assert_eq!(
            short("IncidentService", &["ServiceReference", "Service"]),
            ["Reference", "Service"]
        );
        // Two would become `User`; a third would become the other's whole name.
        assert_eq!(
            short(
                "Message",
                &["UserMessage", "UserMessage2", "Text", "MessageText"]
            ),
            ["User", "UserMessage2", "Text", "MessageText"]
        );
        assert_eq!(
            short("Pet", &["PetUnknown", "PetSelf"]),
            ["PetUnknown", "PetSelf"]
        );
        assert_eq!(
            short("IntOrString", &["Integer", "String"]),
            ["Integer", "String"]
        );
        assert_eq!(camel_words("V2Beta"), ["V2", "Beta"]);
    }
}
