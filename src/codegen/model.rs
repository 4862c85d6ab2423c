//! The codegen model: a Rust-shaped view of one spec, with every name final.
//!
//! Built in three passes, like typify's `TypeSpace`:
//!
//! 1. every `components/schemas` entry gets a type id and a name before anything is converted, so
//!    forward and circular `$ref`s resolve to a name;
//! 2. schemas are converted (structs, string enums with an `Unknown` fallback, integer enums,
//!    tagged and untagged unions, aliases); inline schemas that need a type get `Parent` + `Field`
//!    names; operations become methods with arguments, a params struct and typed responses;
//! 3. recursion is broken by boxing exactly the back edges of a depth-first walk, and aliases
//!    that would expand to themselves become newtypes.
//!
//! The result is plain serialisable data: it *is* the template context. What the model cannot
//! express becomes `serde_json::Value` (or raw bytes) plus a located warning, never a panic.

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;
use serde_json::Value;

use crate::diagnostic::{Diagnostic, Kind};
use crate::source::{pointer_push, pointer_segments};
use crate::spec::model::{
    is_json_media, media_essence, Operation, ParamLocation, ParamStyle, SecurityKind, StatusKey,
};
use crate::spec::refs::ref_pointer;
use crate::spec::Spec;

use super::naming::{self, Scope};

/// One generated module: the template context of `module.rs.jinja`.
#[derive(Debug, Clone, Serialize)]
pub struct Module {
    /// The module's name in the crate (`kommo`).
    pub name: String,
    /// The spec path named in the header.
    pub source: String,
    /// `info.title`.
    pub title: String,
    /// `info.version`.
    pub version: String,
    /// `info.description`, doc-safe.
    pub description: Option<String>,
    /// Type definitions in deterministic order (components in document order, each followed by
    /// the inline types it gave rise to, then the operations' types).
    pub types: Vec<TypeDef>,
    /// The client: servers and authentication.
    pub client: ClientDef,
    /// Operations in document order.
    pub operations: Vec<OperationDef>,
}

/// One emitted type.
#[derive(Debug, Clone, Serialize)]
pub struct TypeDef {
    /// Type name.
    pub name: String,
    /// Doc text.
    pub doc: Option<String>,
    /// What it is.
    #[serde(flatten)]
    pub shape: Shape,
}

/// The kinds of emitted type.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Shape {
    /// A struct with named fields.
    Struct {
        /// Fields in schema order.
        fields: Vec<Field>,
        /// Type of the `additionalProperties` map, flattened into the struct.
        additional: Option<String>,
        /// Field name of that map.
        additional_name: String,
        /// Whether every field may be left out, so `Default` can be derived.
        default: bool,
    },
    /// A string enum with an `Unknown(String)` fallback.
    StringEnum {
        /// Known values.
        variants: Vec<EnumVariant>,
    },
    /// An integer enum: a newtype with one constant per documented value, so unknown values
    /// decode too.
    IntEnum {
        /// Constants.
        values: Vec<IntValue>,
    },
    /// `oneOf`/`anyOf`: untagged, or dispatched on a discriminator.
    Union {
        /// Variants in schema order.
        variants: Vec<UnionVariant>,
        /// The discriminator property, when the spec gives one that maps every variant.
        tag: Option<String>,
    },
    /// `type Name = ...;`
    Alias {
        /// The aliased type.
        ty: String,
    },
    /// `struct Name(pub ...);`, for aliases that would otherwise expand to themselves.
    Newtype {
        /// The wrapped type.
        ty: String,
    },
}

/// One struct field.
#[derive(Debug, Clone, Serialize)]
pub struct Field {
    /// Rust name.
    pub name: String,
    /// JSON key.
    pub wire: String,
    /// Whether a serde `rename` is needed.
    pub rename: bool,
    /// Full Rust type (with `Option`/`Box`).
    pub ty: String,
    /// `required`, `nullable` (required but may be null), `optional`, or `double` (optional and
    /// nullable where absent and `null` differ: `Option<Option<T>>`).
    pub presence: &'static str,
    /// Doc text.
    pub doc: Option<String>,
}

/// One string enum value.
#[derive(Debug, Clone, Serialize)]
pub struct EnumVariant {
    /// Variant name.
    pub name: String,
    /// Value on the wire.
    pub value: String,
}

/// One integer enum value.
#[derive(Debug, Clone, Serialize)]
pub struct IntValue {
    /// Constant name.
    pub name: String,
    /// The value.
    pub value: i64,
}

/// One union variant.
#[derive(Debug, Clone, Serialize)]
pub struct UnionVariant {
    /// Variant name.
    pub name: String,
    /// Its payload type.
    pub ty: String,
    /// Discriminator values that select it (tagged unions).
    pub tags: Vec<String>,
}

/// Client construction: servers and credentials.
#[derive(Debug, Clone, Serialize)]
pub struct ClientDef {
    /// One constructor per absolute server URL template.
    pub servers: Vec<ServerDef>,
    /// One setter per security scheme.
    pub auth: Vec<AuthDef>,
    /// One setter per security requirement that needs several credentials together (V4
    /// Marketing's `x-client-id` + `x-client-secret`).
    pub combined: Vec<CombinedAuth>,
}

/// A setter for credentials that are only valid together.
#[derive(Debug, Clone, Serialize)]
pub struct CombinedAuth {
    /// Setter name.
    pub fn_name: String,
    /// The single-credential setters it calls, with their argument names.
    pub parts: Vec<CombinedPart>,
}

/// One credential of a [`CombinedAuth`].
#[derive(Debug, Clone, Serialize)]
pub struct CombinedPart {
    /// Argument name.
    pub arg: String,
    /// The setter of that scheme.
    pub setter: String,
    /// Scheme key.
    pub scheme: String,
}

/// A server constructor.
#[derive(Debug, Clone, Serialize)]
pub struct ServerDef {
    /// Constructor name (`kommo_com`).
    pub fn_name: String,
    /// URL template.
    pub url: String,
    /// Description.
    pub doc: Option<String>,
    /// Variables as arguments.
    pub variables: Vec<ServerVar>,
}

/// A server variable argument.
#[derive(Debug, Clone, Serialize)]
pub struct ServerVar {
    /// Argument name.
    pub arg: String,
    /// `{name}` in the template.
    pub name: String,
    /// Default value.
    pub default: String,
    /// Description.
    pub doc: Option<String>,
}

/// A credential setter.
#[derive(Debug, Clone, Serialize)]
pub struct AuthDef {
    /// Setter name (`with_bearer_auth`).
    pub fn_name: String,
    /// Scheme key in the spec.
    pub scheme: String,
    /// `bearer`, `basic`, `header`, `query` or `cookie`.
    pub kind: &'static str,
    /// Header, query or cookie name for API keys.
    pub key: String,
    /// Description.
    pub doc: Option<String>,
}

/// One operation: one method on the client.
#[derive(Debug, Clone, Serialize)]
pub struct OperationDef {
    /// The spec's (or synthesised) operation id.
    pub id: String,
    /// Method name.
    pub method_name: String,
    /// HTTP method, upper case.
    pub http_method: String,
    /// Path template.
    pub path: String,
    /// Path split into literals and parameters.
    pub path_parts: Vec<PathPart>,
    /// Summary and description, doc-safe.
    pub doc: Option<String>,
    /// `deprecated`.
    pub deprecated: bool,
    /// Required parameters, as method arguments (path order first).
    pub args: Vec<Param>,
    /// Optional parameters, gathered in a params struct.
    pub params_struct: Option<String>,
    /// The params struct's fields.
    pub optional: Vec<Param>,
    /// The request body.
    pub body: Option<BodyDef>,
    /// Security schemes whose credentials are sent (any alternative).
    pub schemes: Vec<String>,
    /// The `Ok` type.
    pub success_ty: String,
    /// Enum of several success shapes, when there is more than one.
    pub success_enum: Option<StatusEnum>,
    /// The typed error body type (`Infallible` when none is documented).
    pub error_ty: String,
    /// Enum of the documented error statuses.
    pub error_enum: Option<StatusEnum>,
    /// Match arms, most specific first.
    pub arms: Vec<Arm>,
    /// Whether a catch-all arm exists (`default`).
    pub has_default: bool,
    /// An `_all` method that walks every page, when the shape makes it obvious.
    pub paging: Option<Paging>,
}

/// A piece of a path template.
#[derive(Debug, Clone, Serialize)]
pub struct PathPart {
    /// Literal text.
    pub literal: Option<String>,
    /// Argument name of a path parameter.
    pub param: Option<String>,
}

/// One parameter.
#[derive(Debug, Clone, Serialize)]
pub struct Param {
    /// Argument or field name.
    pub name: String,
    /// Wire name.
    pub wire: String,
    /// `path`, `query`, `header`, `cookie`.
    pub location: &'static str,
    /// `form`, `simple`, `label`, `matrix`, `spaceDelimited`, `pipeDelimited`, `deepObject`, or
    /// `json` for content-based parameters.
    pub style: &'static str,
    /// `explode`.
    pub explode: bool,
    /// `allowReserved`.
    pub allow_reserved: bool,
    /// Owned type (params struct field).
    pub ty: String,
    /// Argument type (borrowed where that reads better: `&str`, `&[T]`).
    pub arg_ty: String,
    /// Whether the argument is a reference (`&str`, `&T`), for `Copy`-free cloning in paging.
    pub is_string: bool,
    /// Doc text.
    pub doc: Option<String>,
    /// Whether a deepObject array must go PHP-style (`where[0][type]=...`).
    pub php_array: bool,
}

/// A request body.
#[derive(Debug, Clone, Serialize)]
pub struct BodyDef {
    /// `json`, `form` or `bytes`.
    pub kind: &'static str,
    /// The media type sent.
    pub content_type: String,
    /// Body type.
    pub ty: String,
    /// Whether it must be given.
    pub required: bool,
    /// Doc text.
    pub doc: Option<String>,
}

/// An enum of responses by status.
#[derive(Debug, Clone, Serialize)]
pub struct StatusEnum {
    /// Type name.
    pub name: String,
    /// Variants.
    pub variants: Vec<StatusVariant>,
}

/// One status variant.
#[derive(Debug, Clone, Serialize)]
pub struct StatusVariant {
    /// Variant name (`Unauthorized`).
    pub name: String,
    /// Body type; `None` for no body.
    pub ty: Option<String>,
    /// Status key as the spec writes it.
    pub status: String,
    /// Doc text.
    pub doc: Option<String>,
}

/// One match arm of the response dispatch.
#[derive(Debug, Clone, Serialize)]
pub struct Arm {
    /// `code`, `range` or `default`.
    pub pattern: &'static str,
    /// The code, or the first of the range.
    pub low: u16,
    /// The last of the range.
    pub high: u16,
    /// Whether the arm produces `Ok`.
    pub ok: bool,
    /// Variant of the success or error enum, when there is one.
    pub variant: Option<String>,
    /// `json`, `empty` or `bytes`.
    pub decode: &'static str,
    /// The body type decoded.
    pub ty: String,
}

/// A paging helper.
#[derive(Debug, Clone, Serialize)]
pub struct Paging {
    /// `page` (page number and a has-next flag) or `offset` (offset and a total).
    pub kind: &'static str,
    /// Method name.
    pub method_name: String,
    /// Item type.
    pub item_ty: String,
    /// Field with the items.
    pub items_field: String,
    /// Whether that field is an `Option`.
    pub items_optional: bool,
    /// Params struct field of the page number or offset.
    pub param_field: String,
    /// Its integer type.
    pub param_ty: String,
    /// `page`: the object holding the flag (`meta`), if nested.
    pub meta_field: Option<String>,
    /// Whether that object is optional.
    pub meta_optional: bool,
    /// `page`: the has-next flag; `offset`: the total.
    pub flag_field: String,
    /// Whether it is optional.
    pub flag_optional: bool,
    /// `page`: the current page number beside the flag, if documented.
    pub current_field: Option<String>,
    /// Whether it is optional.
    pub current_optional: bool,
}

// ---------------------------------------------------------------------------------------------
// Intermediate representation.

#[derive(Debug, Clone, PartialEq)]
enum Ty {
    Named(usize),
    String,
    Int(&'static str),
    Float,
    Bool,
    Value,
    Object,
    Bytes,
    Array(Box<Ty>),
    Map(Box<Ty>),
}

#[derive(Debug, Clone)]
struct FieldIr {
    wire: String,
    name: String,
    ty: Ty,
    required: bool,
    nullable: bool,
    doc: Option<String>,
    boxed: bool,
}

#[derive(Debug, Clone)]
struct VariantIr {
    name: String,
    ty: Ty,
    boxed: bool,
    tags: Vec<String>,
}

#[derive(Debug, Clone)]
enum Body {
    Pending,
    Struct {
        fields: Vec<FieldIr>,
        additional: Option<Ty>,
    },
    StringEnum(Vec<String>),
    IntEnum(Vec<i64>),
    Union {
        variants: Vec<VariantIr>,
        tag: Option<String>,
    },
    Alias {
        ty: Ty,
        boxed: bool,
        newtype: bool,
    },
}

#[derive(Debug, Clone)]
struct Def {
    name: String,
    doc: Option<String>,
    group: usize,
    body: Body,
}

/// Names the module's own items take, so no type can shadow them.
const RESERVED_TYPES: &[&str] = &[
    "Client", "Option", "Result", "Vec", "String", "Box", "Some", "None", "Ok", "Err", "Self",
];

/// Client methods the operations must not take.
const RESERVED_METHODS: &[&str] = &[
    "new",
    "with_http_client",
    "base_url",
    "core",
    "clone",
    "fmt",
];

/// Local names in generated method bodies.
const RESERVED_ARGS: &[&str] = &[
    "self", "params", "body", "request", "response", "path", "value", "items", "page", "batch",
    "offset", "total", "meta", "current",
];

/// Params-struct setter names that would shadow derived trait methods.
const RESERVED_FIELDS: &[&str] = &["default", "clone", "fmt"];

const MAX_DEPTH: usize = 48;

struct Builder<'a> {
    spec: &'a Spec,
    defs: Vec<Def>,
    by_pointer: HashMap<String, usize>,
    names: Scope,
    warnings: Vec<Diagnostic>,
    group: usize,
    visiting: Vec<String>,
}

/// Builds the model of `spec`. `source` is the path the header names. Never fails: what cannot
/// be expressed is a warning in the second value.
pub fn build(spec: &Spec, module_name: &str, source: &str) -> (Module, Vec<Diagnostic>) {
    let mut b = Builder {
        spec,
        defs: Vec::new(),
        by_pointer: HashMap::new(),
        names: Scope::with_reserved(RESERVED_TYPES),
        warnings: Vec::new(),
        group: 0,
        visiting: Vec::new(),
    };
    // Pass 1: a name for every component schema, before any conversion.
    let components: Vec<(String, String)> = spec
        .document
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|m| {
            m.keys()
                .map(|k| (k.clone(), pointer_push("/components/schemas", k)))
                .collect()
        })
        .unwrap_or_default();
    for (i, (key, pointer)) in components.iter().enumerate() {
        b.group = i;
        let id = b.new_def(&naming::type_name(key), None);
        b.by_pointer.insert(pointer.clone(), id);
    }
    // Pass 2: convert them, then the operations.
    for (i, (_, pointer)) in components.iter().enumerate() {
        b.group = i;
        let id = b.by_pointer[pointer];
        let value = spec.at(pointer).cloned().unwrap_or(Value::Null);
        let name = b.defs[id].name.clone();
        b.defs[id].doc = doc_of(&value);
        let body = b.body_of(pointer, &value, &name, 0);
        b.defs[id].body = body;
    }
    let client = b.client();
    let mut methods = Scope::with_reserved(RESERVED_METHODS);
    for s in &client.servers {
        methods.claim(&s.fn_name);
    }
    for a in &client.auth {
        methods.claim(&a.fn_name);
    }
    for c in &client.combined {
        methods.claim(&c.fn_name);
    }
    let mut operations = Vec::new();
    for (i, op) in spec.operations.iter().enumerate() {
        b.group = components.len() + i;
        operations.push(b.operation(op, &mut methods));
    }
    // Pass 3: recursion.
    b.fix_alias_cycles();
    b.box_back_edges();
    let request_types = b.request_reachable(&operations);
    let mut order: Vec<usize> = (0..b.defs.len()).collect();
    order.sort_by_key(|&i| (b.defs[i].group, i));
    let types = order
        .into_iter()
        .map(|i| b.type_def(i, request_types.contains(&i)))
        .collect();
    let operations = operations.into_iter().map(|o| b.finish_op(o)).collect();
    let module = Module {
        name: module_name.to_string(),
        source: source.to_string(),
        title: spec.title.clone(),
        version: spec.version.clone(),
        description: spec.description.as_deref().map(naming::doc_text),
        types,
        client,
        operations,
    };
    let mut warnings = b.warnings;
    warnings.sort_by_key(|d| d.location.as_ref().map(|l| (l.line, l.column)));
    warnings.dedup();
    (module, warnings)
}

fn doc_of(value: &Value) -> Option<String> {
    let title = value.get("title").and_then(Value::as_str);
    let desc = value.get("description").and_then(Value::as_str);
    let text = match (title, desc) {
        (Some(t), Some(d)) if !d.trim().starts_with(t.trim()) => format!("{t}\n\n{d}"),
        (_, Some(d)) => d.to_string(),
        (Some(t), None) => t.to_string(),
        (None, None) => return None,
    };
    let text = naming::doc_text(&text);
    (!text.is_empty()).then_some(text)
}

fn joined_doc(parts: &[Option<&str>]) -> Option<String> {
    let text: Vec<String> = parts
        .iter()
        .flatten()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    (!text.is_empty()).then(|| naming::doc_text(&text.join("\n\n")))
}

fn schema_type(value: &Value) -> Option<&str> {
    match value.get("type") {
        Some(Value::String(s)) => Some(s.as_str()),
        Some(Value::Array(types)) => {
            let non_null: Vec<&str> = types
                .iter()
                .filter_map(Value::as_str)
                .filter(|t| *t != "null")
                .collect();
            if non_null.len() == 1 {
                Some(non_null[0])
            } else {
                None
            }
        }
        _ => None,
    }
}

/// The reason-phrase name of a status, for enum variants.
fn status_name(key: &StatusKey) -> String {
    match key {
        StatusKey::Default => "Default".to_string(),
        StatusKey::Range(1) => "Informational".to_string(),
        StatusKey::Range(2) => "Success".to_string(),
        StatusKey::Range(3) => "Redirection".to_string(),
        StatusKey::Range(4) => "ClientError".to_string(),
        StatusKey::Range(5) => "ServerError".to_string(),
        StatusKey::Range(r) => format!("Status{r}xx"),
        StatusKey::Code(c) => match c {
            200 => "Ok",
            201 => "Created",
            202 => "Accepted",
            203 => "NonAuthoritative",
            204 => "NoContent",
            205 => "ResetContent",
            206 => "PartialContent",
            207 => "MultiStatus",
            301 => "MovedPermanently",
            302 => "Found",
            303 => "SeeOther",
            304 => "NotModified",
            307 => "TemporaryRedirect",
            308 => "PermanentRedirect",
            400 => "BadRequest",
            401 => "Unauthorized",
            402 => "PaymentRequired",
            403 => "Forbidden",
            404 => "NotFound",
            405 => "MethodNotAllowed",
            406 => "NotAcceptable",
            409 => "Conflict",
            410 => "Gone",
            412 => "PreconditionFailed",
            413 => "PayloadTooLarge",
            415 => "UnsupportedMediaType",
            422 => "UnprocessableEntity",
            423 => "Locked",
            428 => "PreconditionRequired",
            429 => "TooManyRequests",
            500 => "InternalServerError",
            501 => "NotImplemented",
            502 => "BadGateway",
            503 => "ServiceUnavailable",
            504 => "GatewayTimeout",
            _ => return format!("Status{c}"),
        }
        .to_string(),
    }
}

fn is_success(key: &StatusKey) -> bool {
    match key {
        StatusKey::Code(c) => (200..300).contains(c),
        StatusKey::Range(r) => *r == 2,
        StatusKey::Default => false,
    }
}

impl Builder<'_> {
    fn new_def(&mut self, wanted: &str, doc: Option<String>) -> usize {
        let name = self.names.claim(wanted);
        self.defs.push(Def {
            name,
            doc,
            group: self.group,
            body: Body::Pending,
        });
        self.defs.len() - 1
    }

    fn warn(&mut self, pointer: &str, message: String) {
        let d = Diagnostic::warning(Kind::UnsupportedConstruct, message)
            .in_file(self.spec.source.path())
            .at(self.spec.source.locate(pointer))
            .with_pointer(pointer);
        self.warnings.push(d);
    }

    /// Follows `$ref`s; `None` (after a warning) when a reference cannot be followed.
    fn resolve(&mut self, pointer: &str, value: &Value) -> Option<(String, Value)> {
        let mut pointer = pointer.to_string();
        let mut value = value.clone();
        let mut hops = 0;
        while let Some(r) = value.get("$ref").and_then(Value::as_str) {
            hops += 1;
            let target = match ref_pointer(r) {
                Ok(p) => p,
                Err(e) => {
                    self.warn(
                        &pointer,
                        format!("{e}; the generated type is serde_json::Value"),
                    );
                    return None;
                }
            };
            let Some(next) = self.spec.at(&target) else {
                self.warn(
                    &pointer,
                    format!(
                        "$ref {r:?} points at nothing; the generated type is serde_json::Value"
                    ),
                );
                return None;
            };
            if hops > 32 || self.by_pointer.contains_key(&target) {
                return Some((target, next.clone()));
            }
            pointer = target;
            value = next.clone();
        }
        Some((pointer, value))
    }

    /// Whether a schema is nullable (`nullable`, `type: [.., "null"]`, `null` in its enum, or a
    /// `{type: null}` alternative), following references.
    fn nullable(&mut self, pointer: &str, value: &Value) -> bool {
        let Some((_, value)) = self.resolve(pointer, value) else {
            return false;
        };
        value.get("nullable").and_then(Value::as_bool) == Some(true)
            || matches!(value.get("type"), Some(Value::Array(t)) if t.iter().any(|x| x == "null"))
            || matches!(value.get("enum"), Some(Value::Array(e)) if e.iter().any(Value::is_null))
            || matches!(value.get("allOf"), Some(Value::Array(items))
                if items.iter().any(|i| i.get("nullable").and_then(Value::as_bool) == Some(true)))
            || ["oneOf", "anyOf"].iter().any(|k| {
                matches!(value.get(*k), Some(Value::Array(items))
                    if items.iter().any(|i| i.get("type").and_then(Value::as_str) == Some("null")))
            })
    }

    /// Converts the schema at `pointer` into a type expression, creating named types as needed.
    fn convert(&mut self, pointer: &str, value: &Value, hint: &str, depth: usize) -> Ty {
        if let Some(&id) = self.by_pointer.get(pointer) {
            return Ty::Named(id);
        }
        if value.get("$ref").is_some() {
            let Some((target, target_value)) = self.resolve(pointer, value) else {
                return Ty::Value;
            };
            if let Some(&id) = self.by_pointer.get(&target) {
                return Ty::Named(id);
            }
            let segments = pointer_segments(&target);
            let hint = segments
                .last()
                .map(|s| naming::type_name(s))
                .unwrap_or_else(|| hint.to_string());
            return self.convert(&target, &target_value, &hint, depth + 1);
        }
        if depth > MAX_DEPTH || self.visiting.iter().any(|p| p == pointer) {
            self.warn(
                pointer,
                "schema nests too deeply or refers to itself without a name; the generated type is serde_json::Value".to_string(),
            );
            return Ty::Value;
        }
        if self.needs_def(value) {
            let id = self.new_def(hint, doc_of(value));
            self.by_pointer.insert(pointer.to_string(), id);
            let name = self.defs[id].name.clone();
            let body = self.body_of(pointer, value, &name, depth + 1);
            self.defs[id].body = body;
            return Ty::Named(id);
        }
        self.visiting.push(pointer.to_string());
        let ty = self.plain(pointer, value, hint, depth);
        self.visiting.pop();
        ty
    }

    /// Whether a schema becomes a named type of its own (struct, enum, union).
    fn needs_def(&self, value: &Value) -> bool {
        let non_null = |k: &str| {
            value.get(k).and_then(Value::as_array).map_or(0, |items| {
                items
                    .iter()
                    .filter(|i| i.get("type").and_then(Value::as_str) != Some("null"))
                    .count()
            })
        };
        if non_null("oneOf") >= 2 || non_null("anyOf") >= 2 {
            return true;
        }
        if let Some(all) = value.get("allOf").and_then(Value::as_array) {
            let substantive = all.iter().filter(|m| substantive(m)).count();
            if substantive >= 2 || (substantive >= 1 && value.get("properties").is_some()) {
                return true;
            }
        }
        if self.enum_kind(value).is_some() {
            return true;
        }
        matches!(value.get("properties"), Some(Value::Object(p)) if !p.is_empty())
            && matches!(schema_type(value), None | Some("object"))
    }

    /// `Some(true)` for a string enum, `Some(false)` for an integer enum.
    fn enum_kind(&self, value: &Value) -> Option<bool> {
        let values: Vec<&Value> = value
            .get("enum")?
            .as_array()?
            .iter()
            .filter(|v| !v.is_null())
            .collect();
        if values.is_empty() {
            return None;
        }
        let ty = schema_type(value);
        if values.iter().all(|v| v.is_string()) && matches!(ty, None | Some("string")) {
            Some(true)
        } else if values.iter().all(|v| v.is_i64()) && matches!(ty, None | Some("integer")) {
            Some(false)
        } else {
            None
        }
    }

    /// The body of a named type.
    fn body_of(&mut self, pointer: &str, value: &Value, name: &str, depth: usize) -> Body {
        if value.get("$ref").is_some() || !self.needs_def(value) {
            self.visiting.push(pointer.to_string());
            let ty = if value.get("$ref").is_some() {
                match self.resolve(pointer, value) {
                    Some((target, v)) if target != pointer => {
                        self.convert(&target, &v, name, depth + 1)
                    }
                    Some(_) => {
                        self.warn(pointer, "schema is a reference to itself; the generated type is serde_json::Value".to_string());
                        Ty::Value
                    }
                    None => Ty::Value,
                }
            } else {
                self.plain(pointer, value, name, depth)
            };
            self.visiting.pop();
            return Body::Alias {
                ty,
                boxed: false,
                newtype: false,
            };
        }
        match self.enum_kind(value) {
            Some(true) => {
                let mut values: Vec<String> = Vec::new();
                for v in value["enum"].as_array().into_iter().flatten() {
                    if let Some(s) = v.as_str() {
                        if !values.iter().any(|x| x == s) {
                            values.push(s.to_string());
                        }
                    }
                }
                return Body::StringEnum(values);
            }
            Some(false) => {
                let mut values: Vec<i64> = Vec::new();
                for v in value["enum"].as_array().into_iter().flatten() {
                    if let Some(i) = v.as_i64() {
                        if !values.contains(&i) {
                            values.push(i);
                        }
                    }
                }
                return Body::IntEnum(values);
            }
            None => {}
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(items) = value.get(key).and_then(Value::as_array) {
                let items: Vec<(usize, &Value)> = items
                    .iter()
                    .enumerate()
                    .filter(|(_, i)| i.get("type").and_then(Value::as_str) != Some("null"))
                    .collect();
                if items.len() >= 2 {
                    return self.union(pointer, value, key, &items, name, depth);
                }
            }
        }
        self.object(pointer, value, name, depth)
    }

    fn union(
        &mut self,
        pointer: &str,
        value: &Value,
        key: &str,
        items: &[(usize, &Value)],
        name: &str,
        depth: usize,
    ) -> Body {
        let mut scope = Scope::with_reserved(&["Unknown"]);
        let mut variants = Vec::new();
        let mut targets = Vec::new();
        let base = pointer_push(pointer, key);
        for (i, item) in items {
            let item_pointer = format!("{base}/{i}");
            let target = item
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| ref_pointer(r).ok());
            let ty = self.convert(
                &item_pointer,
                item,
                &format!("{name}Variant{}", i + 1),
                depth + 1,
            );
            let wanted = match (&ty, &target) {
                (Ty::Named(id), _) => self.defs[*id].name.clone(),
                (_, Some(t)) => pointer_segments(t)
                    .last()
                    .map(|s| naming::type_name(s))
                    .unwrap_or_else(|| "Variant".to_string()),
                (Ty::String, _) => "String".to_string(),
                (Ty::Int(_), _) => "Integer".to_string(),
                (Ty::Float, _) => "Number".to_string(),
                (Ty::Bool, _) => "Boolean".to_string(),
                (Ty::Array(_), _) => "Array".to_string(),
                (Ty::Map(_) | Ty::Object, _) => "Object".to_string(),
                _ => format!("Variant{}", i + 1),
            };
            variants.push(VariantIr {
                name: scope.claim(&wanted),
                ty,
                boxed: false,
                tags: Vec::new(),
            });
            targets.push(target);
        }
        // Untagged decoding tries variants in order; identical payload types make later ones
        // unreachable but still compile, so they are kept as the spec lists them.
        let mut tag = None;
        if let Some(disc) = value.get("discriminator") {
            if let Some(prop) = disc.get("propertyName").and_then(Value::as_str) {
                let mapping: Vec<(String, String)> = disc
                    .get("mapping")
                    .and_then(Value::as_object)
                    .map(|m| {
                        m.iter()
                            .filter_map(|(k, v)| {
                                let v = v.as_str()?;
                                let p = if v.starts_with('#') {
                                    ref_pointer(v).ok()?
                                } else {
                                    pointer_push("/components/schemas", v)
                                };
                                Some((k.clone(), p))
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let mut complete = true;
                for (variant, target) in variants.iter_mut().zip(&targets) {
                    let Some(target) = target else {
                        complete = false;
                        continue;
                    };
                    variant.tags = mapping
                        .iter()
                        .filter(|(_, p)| p == target)
                        .map(|(k, _)| k.clone())
                        .collect();
                    if variant.tags.is_empty() {
                        if let Some(last) = pointer_segments(target).last() {
                            variant.tags.push(last.clone());
                        }
                    }
                }
                if complete {
                    tag = Some(prop.to_string());
                } else {
                    self.warn(
                        pointer,
                        "discriminator with inline alternatives cannot be mapped; the union is decoded untagged".to_string(),
                    );
                }
            }
        }
        Body::Union { variants, tag }
    }

    /// Collects the properties of an object schema, merging `allOf` members.
    fn collect_props(
        &mut self,
        pointer: &str,
        value: &Value,
        props: &mut Vec<(String, String, Value)>,
        required: &mut BTreeSet<String>,
        additional: &mut Option<(String, Value)>,
        depth: usize,
    ) -> bool {
        if depth > MAX_DEPTH {
            return false;
        }
        let mut ok = true;
        if let Some(all) = value.get("allOf").and_then(Value::as_array) {
            for (i, item) in all.iter().enumerate() {
                let item_pointer = format!("{}/{i}", pointer_push(pointer, "allOf"));
                let Some((p, v)) = self.resolve(&item_pointer, item) else {
                    ok = false;
                    continue;
                };
                if matches!(schema_type(&v), Some(t) if t != "object")
                    || v.get("oneOf").is_some()
                    || v.get("anyOf").is_some()
                {
                    ok = false;
                    continue;
                }
                ok &= self.collect_props(&p, &v, props, required, additional, depth + 1);
            }
        }
        if let Some(p) = value.get("properties").and_then(Value::as_object) {
            for (key, schema) in p {
                if !props.iter().any(|(k, _, _)| k == key) {
                    props.push((
                        key.clone(),
                        pointer_push(&pointer_push(pointer, "properties"), key),
                        schema.clone(),
                    ));
                }
            }
        }
        if let Some(r) = value.get("required").and_then(Value::as_array) {
            required.extend(r.iter().filter_map(Value::as_str).map(str::to_string));
        }
        match value.get("additionalProperties") {
            Some(Value::Bool(true)) => {
                additional.get_or_insert((String::new(), Value::Bool(true)));
            }
            Some(v @ Value::Object(_)) => {
                *additional = Some((pointer_push(pointer, "additionalProperties"), v.clone()));
            }
            _ => {}
        }
        ok
    }

    fn object(&mut self, pointer: &str, value: &Value, name: &str, depth: usize) -> Body {
        let mut props = Vec::new();
        let mut required = BTreeSet::new();
        let mut additional = None;
        let merged = self.collect_props(
            pointer,
            value,
            &mut props,
            &mut required,
            &mut additional,
            0,
        );
        if !merged {
            self.warn(
                pointer,
                "allOf member that is not an object schema cannot be merged; it is left out of the generated struct".to_string(),
            );
        }
        let mut scope = Scope::with_reserved(&[]);
        let mut fields = Vec::new();
        for (key, prop_pointer, schema) in props {
            let field_name = scope.claim(&naming::snake_name(&key));
            let hint = format!("{name}{}", naming::type_name(&key));
            let ty = self.convert(&prop_pointer, &schema, &hint, depth + 1);
            let nullable = self.nullable(&prop_pointer, &schema);
            let mut doc = doc_of(&schema);
            // String formats stay `String` everywhere (no date or UUID crate in the client's
            // dependencies); the doc says which format the value carries.
            if ty == Ty::String {
                let format = self
                    .resolve(&prop_pointer, &schema)
                    .and_then(|(_, v)| v.get("format").and_then(Value::as_str).map(str::to_string));
                if let Some(format) = format {
                    let note = format!("Format: `{format}` (kept as a string).");
                    doc = Some(match doc {
                        Some(d) => format!("{d}\n\n{note}"),
                        None => note,
                    });
                }
            }
            fields.push(FieldIr {
                wire: key.clone(),
                name: field_name,
                ty,
                required: required.contains(&key),
                nullable,
                doc,
                boxed: false,
            });
        }
        let additional = additional.map(|(p, v)| {
            if v == Value::Bool(true) {
                Ty::Value
            } else {
                self.convert(&p, &v, &format!("{name}Value"), depth + 1)
            }
        });
        Body::Struct { fields, additional }
    }

    /// A type that needs no definition of its own.
    fn plain(&mut self, pointer: &str, value: &Value, hint: &str, depth: usize) -> Ty {
        if value.get("not").is_some() {
            self.warn(
                pointer,
                "`not` cannot be expressed as a Rust type; the generated type is serde_json::Value"
                    .to_string(),
            );
            return Ty::Value;
        }
        // A single meaningful allOf/oneOf/anyOf member is that member.
        for key in ["allOf", "oneOf", "anyOf"] {
            if let Some(items) = value.get(key).and_then(Value::as_array) {
                let items: Vec<(usize, &Value)> = items
                    .iter()
                    .enumerate()
                    .filter(|(_, i)| i.get("type").and_then(Value::as_str) != Some("null"))
                    .filter(|(_, i)| key != "allOf" || substantive(i))
                    .collect();
                if let [(i, item)] = items.as_slice() {
                    let p = format!("{}/{i}", pointer_push(pointer, key));
                    return self.convert(&p, item, hint, depth + 1);
                }
                if items.is_empty() && !value.get(key).is_some_and(|v| v == &Value::Array(vec![])) {
                    return Ty::Value;
                }
            }
        }
        if value.get("enum").is_some()
            && value.get("type").is_none()
            && self.enum_kind(value).is_none()
        {
            self.warn(
                pointer,
                "an enum of mixed value types cannot be a Rust enum; the generated type is serde_json::Value".to_string(),
            );
            return Ty::Value;
        }
        if let Some(Value::Array(types)) = value.get("type") {
            let non_null = types.iter().filter(|t| *t != "null").count();
            if non_null > 1 {
                self.warn(
                    pointer,
                    "a schema with several types cannot be expressed as one Rust type; the generated type is serde_json::Value".to_string(),
                );
                return Ty::Value;
            }
        }
        match schema_type(value) {
            Some("string") => Ty::String,
            Some("integer") => match value.get("format").and_then(Value::as_str) {
                Some("int32") => Ty::Int("i32"),
                _ => Ty::Int("i64"),
            },
            Some("number") => Ty::Float,
            Some("boolean") => Ty::Bool,
            Some("array") => match value.get("items") {
                Some(items) => {
                    let p = pointer_push(pointer, "items");
                    let item_hint = format!("{hint}Item");
                    Ty::Array(Box::new(self.convert(&p, items, &item_hint, depth + 1)))
                }
                None => Ty::Array(Box::new(Ty::Value)),
            },
            Some("object") | None => {
                let has_props =
                    matches!(value.get("properties"), Some(Value::Object(p)) if !p.is_empty());
                match value.get("additionalProperties") {
                    Some(ap @ Value::Object(m)) if !m.is_empty() && !has_props => {
                        let p = pointer_push(pointer, "additionalProperties");
                        Ty::Map(Box::new(self.convert(
                            &p,
                            ap,
                            &format!("{hint}Value"),
                            depth + 1,
                        )))
                    }
                    _ if schema_type(value) == Some("object") || has_props => Ty::Object,
                    _ => Ty::Value,
                }
            }
            Some("null") => Ty::Value,
            Some(other) => {
                self.warn(
                    pointer,
                    format!(
                        "unknown schema type {other:?}; the generated type is serde_json::Value"
                    ),
                );
                Ty::Value
            }
        }
    }

    fn client(&mut self) -> ClientDef {
        let mut fns = Scope::with_reserved(RESERVED_METHODS);
        let mut servers = Vec::new();
        for server in &self.spec.servers {
            let absolute = server.url.contains("://") || server.url.starts_with('{');
            if !absolute {
                continue;
            }
            let mut literal = String::new();
            let mut in_var = false;
            for c in server.url.split("://").last().unwrap_or("").chars() {
                match c {
                    '{' => in_var = true,
                    '}' => in_var = false,
                    '/' if !in_var => break,
                    _ if !in_var => literal.push(c),
                    _ => {}
                }
            }
            let base = if literal.trim_matches('.').is_empty() {
                server
                    .variables
                    .iter()
                    .map(|v| v.name.as_str())
                    .collect::<Vec<_>>()
                    .join("_")
            } else {
                literal
            };
            let fn_name = fns.claim(&format!("for_{}", naming::bare(&naming::snake_name(&base))));
            let mut args = Scope::with_reserved(&["self"]);
            servers.push(ServerDef {
                fn_name,
                url: server.url.clone(),
                doc: server.description.as_deref().map(naming::doc_text),
                variables: server
                    .variables
                    .iter()
                    .map(|v| ServerVar {
                        arg: args.claim(&naming::snake_name(&v.name)),
                        name: v.name.clone(),
                        default: v.default.clone(),
                        doc: v.description.as_deref().map(naming::doc_text),
                    })
                    .collect(),
            });
        }
        let mut auth = Vec::new();
        for scheme in &self.spec.security_schemes {
            let (kind, key) = match &scheme.kind {
                SecurityKind::Http { scheme: s } if s == "basic" => ("basic", String::new()),
                SecurityKind::Http { scheme: s } if s == "bearer" => ("bearer", String::new()),
                SecurityKind::Http { scheme: s } => {
                    let pointer = pointer_push("/components/securitySchemes", &scheme.name);
                    self.warn(
                        &pointer,
                        format!("HTTP authentication scheme {s:?} is not supported; its credentials are not sent"),
                    );
                    continue;
                }
                SecurityKind::OAuth2 | SecurityKind::OpenIdConnect => ("bearer", String::new()),
                SecurityKind::ApiKey { name, location } => (
                    match location {
                        ParamLocation::Header => "header",
                        ParamLocation::Query => "query",
                        ParamLocation::Cookie => "cookie",
                        ParamLocation::Path => continue,
                    },
                    name.clone(),
                ),
            };
            auth.push(AuthDef {
                fn_name: fns.claim(&format!(
                    "with_{}",
                    naming::bare(&naming::snake_name(&scheme.name))
                )),
                scheme: scheme.name.clone(),
                kind,
                key,
                doc: scheme.description.as_deref().map(naming::doc_text),
            });
        }
        let mut combined: Vec<CombinedAuth> = Vec::new();
        let mut requirements: Vec<&Vec<String>> = Vec::new();
        let global = self.spec.document.get("security").and_then(Value::as_array);
        let mut listed: Vec<Vec<String>> = global
            .into_iter()
            .flatten()
            .filter_map(Value::as_object)
            .map(|r| r.keys().cloned().collect())
            .collect();
        for op in &self.spec.operations {
            listed.extend(op.security.iter().cloned());
        }
        for req in &listed {
            if req.len() >= 2 && !requirements.contains(&req) {
                requirements.push(req);
            }
        }
        for req in requirements {
            let parts: Option<Vec<CombinedPart>> = req
                .iter()
                .map(|scheme| {
                    let a = auth
                        .iter()
                        .find(|a| &a.scheme == scheme && a.kind != "basic")?;
                    Some(CombinedPart {
                        arg: naming::snake_name(
                            naming::bare(&a.fn_name).trim_start_matches("with_"),
                        ),
                        setter: a.fn_name.clone(),
                        scheme: scheme.clone(),
                    })
                })
                .collect();
            let Some(parts) = parts else { continue };
            let joined: Vec<&str> = parts.iter().map(|p| naming::bare(&p.arg)).collect();
            combined.push(CombinedAuth {
                fn_name: fns.claim(&format!("with_{}", joined.join("_and_"))),
                parts,
            });
        }
        ClientDef {
            servers,
            auth,
            combined,
        }
    }

    fn operation(&mut self, op: &Operation, methods: &mut Scope) -> OpIr {
        let method_name = methods.claim(&naming::snake_name(&op.id));
        let base = naming::type_name(&op.id);
        let mut arg_scope = Scope::with_reserved(RESERVED_ARGS);
        let mut field_scope = Scope::with_reserved(RESERVED_FIELDS);
        let mut path_params = Vec::new();
        let mut required = Vec::new();
        let mut optional = Vec::new();
        for p in &op.parameters {
            let hint = format!("{base}{}", naming::type_name(&p.name));
            let (ty, style) = match (&p.schema, &p.content_type) {
                (Some(s), None) => {
                    let value = self.spec.at(&s.pointer).cloned().unwrap_or(Value::Null);
                    (
                        self.convert(&s.pointer, &value, &hint, 0),
                        style_name(p.style),
                    )
                }
                (Some(s), Some(media)) => {
                    let value = self.spec.at(&s.pointer).cloned().unwrap_or(Value::Null);
                    if !is_json_media(media) {
                        self.warn(
                            &p.pointer,
                            format!("parameter content {media:?} is sent as JSON text"),
                        );
                    }
                    (self.convert(&s.pointer, &value, &hint, 0), "json")
                }
                (None, _) => (Ty::Value, "json"),
            };
            let php_array = p.style == ParamStyle::DeepObject && matches!(ty, Ty::Array(_));
            let scope = if p.required {
                &mut arg_scope
            } else {
                &mut field_scope
            };
            let name = scope.claim(&naming::snake_name(&p.name));
            let param = ParamIr {
                name,
                wire: p.name.clone(),
                location: p.location.as_str(),
                style,
                explode: p.explode,
                allow_reserved: p.allow_reserved,
                ty,
                doc: joined_doc(&[p.description.as_deref()]),
                php_array,
            };
            if p.location == ParamLocation::Path {
                path_params.push(param);
            } else if p.required {
                required.push(param);
            } else {
                optional.push(param);
            }
        }
        // Path parameters first, in the order the path names them.
        let mut path_parts = Vec::new();
        let mut rest = op.path.as_str();
        let mut ordered_path = Vec::new();
        while let Some(start) = rest.find('{') {
            let Some(len) = rest[start..].find('}') else {
                break;
            };
            let var = &rest[start + 1..start + len];
            if start > 0 {
                path_parts.push(PathPart {
                    literal: Some(rest[..start].to_string()),
                    param: None,
                });
            }
            match path_params.iter().position(|p| p.wire == var) {
                Some(i) => {
                    let p = path_params.remove(i);
                    path_parts.push(PathPart {
                        literal: None,
                        param: Some(p.name.clone()),
                    });
                    ordered_path.push(p);
                }
                None => {
                    self.warn(
                        &op.pointer,
                        format!("path parameter {{{var}}} is not declared; it is sent literally"),
                    );
                    path_parts.push(PathPart {
                        literal: Some(rest[start..start + len + 1].to_string()),
                        param: None,
                    });
                }
            }
            rest = &rest[start + len + 1..];
        }
        if !rest.is_empty() {
            path_parts.push(PathPart {
                literal: Some(rest.to_string()),
                param: None,
            });
        }
        // Declared path parameters the template does not name are still required arguments.
        ordered_path.append(&mut path_params);
        ordered_path.extend(required);
        let body = op.request_body.as_ref().and_then(|rb| {
            let json = rb.content.iter().find(|m| is_json_media(&m.name));
            let form = rb
                .content
                .iter()
                .find(|m| media_essence(&m.name) == "application/x-www-form-urlencoded");
            let (kind, media) = match (json, form, rb.content.first()) {
                (Some(m), _, _) => ("json", m),
                (None, Some(m), _) => ("form", m),
                (None, None, Some(m)) => ("bytes", m),
                (None, None, None) => return None,
            };
            let ty = if kind == "bytes" {
                if media_essence(&media.name).starts_with("multipart/") {
                    self.warn(
                        &media.pointer,
                        format!(
                            "{} bodies are sent as raw bytes the caller encodes",
                            media.name
                        ),
                    );
                }
                Ty::Bytes
            } else {
                match &media.schema {
                    Some(s) => {
                        let value = self.spec.at(&s.pointer).cloned().unwrap_or(Value::Null);
                        self.convert(&s.pointer, &value, &format!("{base}Body"), 0)
                    }
                    None => Ty::Value,
                }
            };
            let content_type = if media.name.contains('*') {
                "application/octet-stream".to_string()
            } else {
                media.name.clone()
            };
            Some((
                kind,
                content_type,
                ty,
                rb.required,
                joined_doc(&[rb.description.as_deref()]),
            ))
        });
        // Responses.
        let any_success = op.responses.iter().any(|r| is_success(&r.status));
        let mut responses = Vec::new();
        for r in &op.responses {
            let json = r.content.iter().find(|m| is_json_media(&m.name));
            let (decode, ty) = match (json, r.content.first()) {
                (Some(m), _) => (
                    "json",
                    match &m.schema {
                        Some(s) => {
                            let value = self.spec.at(&s.pointer).cloned().unwrap_or(Value::Null);
                            let hint = format!("{base}{}Body", status_name(&r.status));
                            self.convert(&s.pointer, &value, &hint, 0)
                        }
                        None => Ty::Value,
                    },
                ),
                (None, Some(_)) => ("bytes", Ty::Bytes),
                (None, None) => ("empty", Ty::Value),
            };
            responses.push(RespIr {
                status: r.status,
                decode,
                ty,
                doc: joined_doc(&[r.description.as_deref()]),
                success: is_success(&r.status) || (r.status == StatusKey::Default && !any_success),
                error: !is_success(&r.status),
            });
        }
        let mut schemes = Vec::new();
        for alt in &op.security {
            for s in alt {
                if !schemes.contains(s) {
                    schemes.push(s.clone());
                }
            }
        }
        let paging_name = methods.claim(&format!("{}_all", naming::bare(&method_name)));
        OpIr {
            id: op.id.clone(),
            method_name,
            base,
            http_method: op.method.to_ascii_uppercase(),
            path: op.path.clone(),
            path_parts,
            doc: joined_doc(&[op.summary.as_deref(), op.description.as_deref()]),
            deprecated: op.deprecated,
            args: ordered_path,
            optional,
            body,
            schemes,
            responses,
            paging_name,
        }
    }

    fn finish_op(&mut self, op: OpIr) -> OperationDef {
        let params_struct =
            (!op.optional.is_empty()).then(|| self.names.claim(&format!("{}Params", op.base)));
        let arg = |b: &Self, p: &ParamIr| Param {
            name: p.name.clone(),
            wire: p.wire.clone(),
            location: p.location,
            style: p.style,
            explode: p.explode,
            allow_reserved: p.allow_reserved,
            ty: b.render(&p.ty, false),
            arg_ty: match &p.ty {
                Ty::String => "&str".to_string(),
                Ty::Array(inner) => format!("&[{}]", b.render(inner, false)),
                Ty::Int(_) | Ty::Float | Ty::Bool => b.render(&p.ty, false),
                other => format!("&{}", b.render(other, false)),
            },
            is_string: p.ty == Ty::String,
            doc: p.doc.clone(),
            php_array: p.php_array,
        };
        let args: Vec<Param> = op.args.iter().map(|p| arg(self, p)).collect();
        let optional: Vec<Param> = op.optional.iter().map(|p| arg(self, p)).collect();
        let body = op
            .body
            .as_ref()
            .map(|(kind, ct, ty, required, doc)| BodyDef {
                kind,
                content_type: ct.clone(),
                ty: self.render(ty, false),
                required: *required,
                doc: doc.clone(),
            });
        let body_ty = |b: &Self, r: &RespIr| match r.decode {
            "json" => b.render(&r.ty, false),
            "bytes" => "bytes::Bytes".to_string(),
            _ => "()".to_string(),
        };
        // Success side.
        let successes: Vec<&RespIr> = op.responses.iter().filter(|r| r.success).collect();
        let mut distinct: Vec<String> = successes.iter().map(|r| body_ty(self, r)).collect();
        distinct.dedup();
        let success_enum = if distinct.len() > 1 {
            let mut scope = Scope::default();
            Some(StatusEnum {
                name: self.names.claim(&format!("{}Success", op.base)),
                variants: successes
                    .iter()
                    .map(|r| StatusVariant {
                        name: scope.claim(&status_name(&r.status)),
                        ty: (r.decode != "empty").then(|| body_ty(self, r)),
                        status: r.status.as_string(),
                        doc: r.doc.clone(),
                    })
                    .collect(),
            })
        } else {
            None
        };
        let success_ty = match (&success_enum, distinct.first()) {
            (Some(e), _) => e.name.clone(),
            (None, Some(t)) => t.clone(),
            (None, None) => "()".to_string(),
        };
        let errors: Vec<&RespIr> = op.responses.iter().filter(|r| r.error).collect();
        let error_enum = if errors.is_empty() {
            None
        } else {
            let mut scope = Scope::default();
            Some(StatusEnum {
                name: self.names.claim(&format!("{}Error", op.base)),
                variants: errors
                    .iter()
                    .map(|r| StatusVariant {
                        name: scope.claim(&status_name(&r.status)),
                        ty: (r.decode != "empty").then(|| body_ty(self, r)),
                        status: r.status.as_string(),
                        doc: r.doc.clone(),
                    })
                    .collect(),
            })
        };
        let error_ty = error_enum
            .as_ref()
            .map_or("std::convert::Infallible".to_string(), |e| e.name.clone());
        // Arms: exact codes, then ranges, then default; each response once per side.
        let mut arms = Vec::new();
        let variant_of = |e: &Option<StatusEnum>, r: &RespIr| {
            e.as_ref().and_then(|e| {
                e.variants
                    .iter()
                    .find(|v| v.status == r.status.as_string())
                    .map(|v| v.name.clone())
            })
        };
        let mut sorted: Vec<&RespIr> = op.responses.iter().collect();
        sorted.sort_by_key(|r| match r.status {
            StatusKey::Code(c) => (0, c),
            StatusKey::Range(r) => (1, r),
            StatusKey::Default => (2, 0),
        });
        let mut has_default = false;
        for r in sorted {
            let (pattern, low, high) = match r.status {
                StatusKey::Code(c) => ("code", c, c),
                StatusKey::Range(d) => ("range", d * 100, d * 100 + 99),
                StatusKey::Default => ("default", 0, 0),
            };
            let ty = body_ty(self, r);
            if r.status == StatusKey::Default && r.success {
                arms.push(Arm {
                    pattern: "range",
                    low: 200,
                    high: 299,
                    ok: true,
                    variant: variant_of(&success_enum, r),
                    decode: r.decode,
                    ty: ty.clone(),
                });
            }
            if r.status == StatusKey::Default {
                has_default = true;
                arms.push(Arm {
                    pattern,
                    low,
                    high,
                    ok: false,
                    variant: variant_of(&error_enum, r),
                    decode: r.decode,
                    ty,
                });
                continue;
            }
            arms.push(Arm {
                pattern,
                low,
                high,
                ok: r.success,
                variant: if r.success {
                    variant_of(&success_enum, r)
                } else {
                    variant_of(&error_enum, r)
                },
                decode: r.decode,
                ty,
            });
        }
        let paging = self.paging(&op, &optional, &successes, &success_enum);
        OperationDef {
            id: op.id,
            method_name: op.method_name,
            http_method: op.http_method,
            path: op.path,
            path_parts: op.path_parts,
            doc: op.doc,
            deprecated: op.deprecated,
            args,
            params_struct,
            optional,
            body,
            schemes: op.schemes,
            success_ty,
            success_enum,
            error_ty,
            error_enum,
            arms,
            has_default,
            paging,
        }
    }

    /// The page-walking helper, when the operation's shape makes it obvious: an optional integer
    /// `page` parameter and a `hasNextPage`-style flag (V4 Marketing), or an optional integer
    /// `offset` parameter and a `total` (EspoCRM); either with one array field of items.
    fn paging(
        &self,
        op: &OpIr,
        optional: &[Param],
        successes: &[&RespIr],
        success_enum: &Option<StatusEnum>,
    ) -> Option<Paging> {
        if success_enum.is_some() || successes.len() != 1 || successes[0].decode != "json" {
            return None;
        }
        let Ty::Named(id) = successes[0].ty else {
            return None;
        };
        let Body::Struct { fields, .. } = &self.defs[id].body else {
            return None;
        };
        let items = fields.iter().find(|f| matches!(f.ty, Ty::Array(_)))?;
        let Ty::Array(item) = &items.ty else {
            return None;
        };
        let int_param = |wire: &str| {
            op.optional
                .iter()
                .zip(optional)
                .find(|(p, _)| {
                    p.wire == wire && p.location == "query" && matches!(p.ty, Ty::Int(_))
                })
                .map(|(_, p)| p)
        };
        let field_opt = |f: &FieldIr| !f.required || f.nullable;
        let base = |kind, param: &Param| Paging {
            kind,
            method_name: op.paging_name.clone(),
            item_ty: self.render(item, false),
            items_field: items.name.clone(),
            items_optional: field_opt(items),
            param_field: param.name.clone(),
            param_ty: param.ty.clone(),
            meta_field: None,
            meta_optional: false,
            flag_field: String::new(),
            flag_optional: false,
            current_field: None,
            current_optional: false,
        };
        const HAS_NEXT: &[&str] = &["hasNextPage", "has_next_page", "hasMore", "has_more"];
        if let Some(param) = int_param("page") {
            let is_flag = |f: &&FieldIr| HAS_NEXT.contains(&f.wire.as_str()) && f.ty == Ty::Bool;
            let mut paging = base("page", param);
            if let Some(flag) = fields.iter().find(is_flag) {
                paging.flag_field = flag.name.clone();
                paging.flag_optional = field_opt(flag);
                return Some(paging);
            }
            for meta in fields {
                let Ty::Named(mid) = meta.ty else { continue };
                let Body::Struct { fields: mf, .. } = &self.defs[mid].body else {
                    continue;
                };
                if let Some(flag) = mf.iter().find(is_flag) {
                    paging.meta_field = Some(meta.name.clone());
                    paging.meta_optional = field_opt(meta);
                    paging.flag_field = flag.name.clone();
                    paging.flag_optional = field_opt(flag);
                    if let Some(cur) = mf
                        .iter()
                        .find(|f| f.wire == "page" && matches!(f.ty, Ty::Int(_)))
                    {
                        paging.current_field = Some(cur.name.clone());
                        paging.current_optional = field_opt(cur);
                    }
                    return Some(paging);
                }
            }
        }
        if let Some(param) = int_param("offset") {
            let total = fields
                .iter()
                .find(|f| f.wire == "total" && matches!(f.ty, Ty::Int(_)))?;
            let mut paging = base("offset", param);
            paging.flag_field = total.name.clone();
            paging.flag_optional = field_opt(total);
            return Some(paging);
        }
        None
    }

    /// Every named type a definition mentions, and whether the mention is inline (no `Vec` or
    /// map in between, so it needs a `Box` in a cycle).
    fn edges(&self, id: usize) -> Vec<(usize, bool)> {
        fn walk(ty: &Ty, inline: bool, out: &mut Vec<(usize, bool)>) {
            match ty {
                Ty::Named(n) => out.push((*n, inline)),
                Ty::Array(t) | Ty::Map(t) => walk(t, false, out),
                _ => {}
            }
        }
        let mut out = Vec::new();
        match &self.defs[id].body {
            Body::Struct { fields, additional } => {
                for f in fields {
                    walk(&f.ty, true, &mut out);
                }
                if let Some(a) = additional {
                    walk(a, false, &mut out);
                }
            }
            Body::Union { variants, .. } => {
                for v in variants {
                    walk(&v.ty, true, &mut out);
                }
            }
            Body::Alias { ty, .. } => walk(ty, true, &mut out),
            _ => {}
        }
        out
    }

    /// An alias that expands to itself through other aliases (`type A = Vec<A>`) is illegal;
    /// such aliases become newtypes.
    fn fix_alias_cycles(&mut self) {
        let is_alias =
            |b: &Self, i: usize| matches!(b.defs[i].body, Body::Alias { newtype: false, .. });
        for start in 0..self.defs.len() {
            if !is_alias(self, start) {
                continue;
            }
            let mut stack = vec![start];
            let mut seen = BTreeSet::new();
            let mut cyclic = false;
            while let Some(n) = stack.pop() {
                for (next, _) in self.edges(n) {
                    if next == start {
                        cyclic = true;
                    } else if is_alias(self, next) && seen.insert(next) {
                        stack.push(next);
                    }
                }
            }
            if cyclic {
                if let Body::Alias { newtype, .. } = &mut self.defs[start].body {
                    *newtype = true;
                }
            }
        }
    }

    /// Boxes the inline back edges of a depth-first walk in definition order: exactly the edges
    /// that close a cycle of by-value containment.
    fn box_back_edges(&mut self) {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            New,
            Active,
            Done,
        }
        let n = self.defs.len();
        let mut mark = vec![Mark::New; n];
        let mut to_box: Vec<(usize, usize)> = Vec::new();
        for root in 0..n {
            if mark[root] != Mark::New {
                continue;
            }
            // Iterative DFS: (node, edges, next edge index).
            let mut stack: Vec<Frame> = vec![(root, self.edges(root), 0)];
            mark[root] = Mark::Active;
            while let Some((node, edges, i)) = stack.last_mut() {
                if *i >= edges.len() {
                    mark[*node] = Mark::Done;
                    stack.pop();
                    continue;
                }
                let (next, inline) = edges[*i];
                let edge_index = *i;
                *i += 1;
                let node = *node;
                if !inline {
                    continue;
                }
                match mark[next] {
                    Mark::Active => to_box.push((node, edge_index)),
                    Mark::New => {
                        mark[next] = Mark::Active;
                        let e = self.edges(next);
                        stack.push((next, e, 0));
                    }
                    Mark::Done => {}
                }
            }
        }
        for (node, edge_index) in to_box {
            // Edge indices follow `edges`' order: fields (then additional), variants, alias.
            match &mut self.defs[node].body {
                Body::Struct { fields, .. } => {
                    let mut k = 0;
                    for f in fields.iter_mut() {
                        if named_at_top(&f.ty) {
                            if k == edge_index {
                                f.boxed = true;
                            }
                            k += 1;
                        } else if mentions_named(&f.ty) {
                            k += count_named(&f.ty);
                        }
                    }
                }
                Body::Union { variants, .. } => {
                    let mut k = 0;
                    for v in variants.iter_mut() {
                        if named_at_top(&v.ty) {
                            if k == edge_index {
                                v.boxed = true;
                            }
                            k += 1;
                        } else {
                            k += count_named(&v.ty);
                        }
                    }
                }
                Body::Alias { boxed, .. } => *boxed = true,
                _ => {}
            }
        }
    }

    /// Definitions reachable from request bodies: where absent and `null` differ for optional
    /// nullable fields (a PATCH that clears a value vs one that leaves it alone).
    fn request_reachable(&self, ops: &[OpIr]) -> BTreeSet<usize> {
        let mut stack: Vec<usize> = Vec::new();
        for op in ops {
            if let Some((_, _, ty, _, _)) = &op.body {
                collect_named(ty, &mut stack);
            }
        }
        let mut seen = BTreeSet::new();
        while let Some(n) = stack.pop() {
            if seen.insert(n) {
                stack.extend(self.edges(n).into_iter().map(|(m, _)| m));
            }
        }
        seen
    }

    /// Renders a type expression.
    fn render(&self, ty: &Ty, boxed: bool) -> String {
        let inner = match ty {
            Ty::Named(id) => self.defs[*id].name.clone(),
            Ty::String => "String".to_string(),
            Ty::Int(t) => (*t).to_string(),
            Ty::Float => "f64".to_string(),
            Ty::Bool => "bool".to_string(),
            Ty::Value => "serde_json::Value".to_string(),
            Ty::Object => "serde_json::Map<String, serde_json::Value>".to_string(),
            Ty::Bytes => "bytes::Bytes".to_string(),
            Ty::Array(t) => format!("Vec<{}>", self.render(t, false)),
            Ty::Map(t) => format!(
                "std::collections::BTreeMap<String, {}>",
                self.render(t, false)
            ),
        };
        if boxed {
            format!("Box<{inner}>")
        } else {
            inner
        }
    }

    fn type_def(&self, id: usize, in_request: bool) -> TypeDef {
        let def = &self.defs[id];
        let shape = match &def.body {
            Body::Pending => Shape::Alias {
                ty: "serde_json::Value".to_string(),
            },
            Body::Struct { fields, additional } => {
                let mut scope = Scope::default();
                for f in fields {
                    scope.claim(&f.name);
                }
                let default = fields.iter().all(|f| !f.required);
                Shape::Struct {
                    default,
                    fields: fields
                        .iter()
                        .map(|f| {
                            let ty = self.render(&f.ty, f.boxed);
                            let presence = match (f.required, f.nullable) {
                                (true, false) => "required",
                                (true, true) => "nullable",
                                (false, true) if in_request => "double",
                                _ => "optional",
                            };
                            let ty = match presence {
                                "required" => ty,
                                "double" => format!("Option<Option<{ty}>>"),
                                _ => format!("Option<{ty}>"),
                            };
                            Field {
                                rename: naming::bare(&f.name) != f.wire,
                                name: f.name.clone(),
                                wire: f.wire.clone(),
                                ty,
                                presence,
                                doc: f.doc.clone(),
                            }
                        })
                        .collect(),
                    additional: additional.as_ref().map(|t| {
                        format!(
                            "std::collections::BTreeMap<String, {}>",
                            self.render(t, false)
                        )
                    }),
                    additional_name: scope.claim("additional_properties"),
                }
            }
            Body::StringEnum(values) => {
                let mut scope = Scope::with_reserved(&["Unknown"]);
                Shape::StringEnum {
                    variants: values
                        .iter()
                        .map(|v| EnumVariant {
                            name: scope.claim(&if v.is_empty() {
                                "Empty".to_string()
                            } else {
                                naming::type_name(v)
                            }),
                            value: v.clone(),
                        })
                        .collect(),
                }
            }
            Body::IntEnum(values) => {
                let mut scope = Scope::default();
                Shape::IntEnum {
                    values: values
                        .iter()
                        .map(|v| IntValue {
                            name: scope.claim(&naming::const_name(&if *v < 0 {
                                format!("minus {}", v.unsigned_abs())
                            } else {
                                format!("value {v}")
                            })),
                            value: *v,
                        })
                        .collect(),
                }
            }
            Body::Union { variants, tag } => Shape::Union {
                variants: variants
                    .iter()
                    .map(|v| UnionVariant {
                        name: v.name.clone(),
                        ty: self.render(&v.ty, v.boxed),
                        tags: v.tags.clone(),
                    })
                    .collect(),
                tag: tag.clone(),
            },
            Body::Alias { ty, boxed, newtype } => {
                let ty = self.render(ty, *boxed);
                if *newtype {
                    Shape::Newtype { ty }
                } else {
                    Shape::Alias { ty }
                }
            }
        };
        TypeDef {
            name: def.name.clone(),
            doc: def.doc.clone(),
            shape,
        }
    }
}

/// Whether an `allOf` member constrains the shape (rather than only adding a description,
/// `nullable` or an example).
fn substantive(member: &Value) -> bool {
    const SHAPE: &[&str] = &[
        "$ref",
        "type",
        "properties",
        "allOf",
        "oneOf",
        "anyOf",
        "enum",
        "items",
        "additionalProperties",
    ];
    SHAPE.iter().any(|k| member.get(*k).is_some())
}

/// A depth-first walk's frame: node, its edges, the next edge to follow.
type Frame = (usize, Vec<(usize, bool)>, usize);

fn named_at_top(ty: &Ty) -> bool {
    matches!(ty, Ty::Named(_))
}

fn mentions_named(ty: &Ty) -> bool {
    count_named(ty) > 0
}

fn count_named(ty: &Ty) -> usize {
    match ty {
        Ty::Named(_) => 1,
        Ty::Array(t) | Ty::Map(t) => count_named(t),
        _ => 0,
    }
}

fn collect_named(ty: &Ty, out: &mut Vec<usize>) {
    match ty {
        Ty::Named(n) => out.push(*n),
        Ty::Array(t) | Ty::Map(t) => collect_named(t, out),
        _ => {}
    }
}

fn style_name(style: ParamStyle) -> &'static str {
    match style {
        ParamStyle::Matrix => "matrix",
        ParamStyle::Label => "label",
        ParamStyle::Form => "form",
        ParamStyle::Simple => "simple",
        ParamStyle::SpaceDelimited => "spaceDelimited",
        ParamStyle::PipeDelimited => "pipeDelimited",
        ParamStyle::DeepObject => "deepObject",
    }
}

#[derive(Debug, Clone)]
struct ParamIr {
    name: String,
    wire: String,
    location: &'static str,
    style: &'static str,
    explode: bool,
    allow_reserved: bool,
    ty: Ty,
    doc: Option<String>,
    php_array: bool,
}

#[derive(Debug, Clone)]
struct RespIr {
    status: StatusKey,
    decode: &'static str,
    ty: Ty,
    doc: Option<String>,
    success: bool,
    error: bool,
}

type BodyIr = (&'static str, String, Ty, bool, Option<String>);

#[derive(Debug, Clone)]
struct OpIr {
    id: String,
    method_name: String,
    base: String,
    http_method: String,
    path: String,
    path_parts: Vec<PathPart>,
    doc: Option<String>,
    deprecated: bool,
    args: Vec<ParamIr>,
    optional: Vec<ParamIr>,
    body: Option<BodyIr>,
    schemes: Vec<String>,
    responses: Vec<RespIr>,
    paging_name: String,
}
