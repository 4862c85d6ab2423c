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

use crate::diagnostic::{Diagnostic, Kind, Severity};
use crate::source::{pointer_push, pointer_segments};
use crate::spec::media;
use crate::spec::model::{
    is_json_media, media_essence, Operation, ParamLocation, ParamStyle, Parameter, SecurityKind,
    StatusKey,
};
use crate::spec::refs::{deref, ref_pointer};
use crate::spec::Spec;

use super::naming::{self, Scope};

mod builders;
mod operations;
mod paging;
mod types;

use builders::{short_variant_names, UNION_RESERVED};
use operations::OpIr;
use types::{string_enum_variants, InlineEnum};

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
        /// How a value is made from scratch: `Default`, or `new` with the required fields.
        construct: Construct,
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
        /// Untagged only: whether pinned values or several object variants decide the choice,
        /// so decoding goes through the selection rule rather than serde's first match.
        select: bool,
        /// The variant a `&str` converts into (`From<&str>`): the `String` one, when its
        /// `From<String>` is emitted, so a text-or-parts field takes a literal.
        from_str: Option<String>,
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
    /// Whether the key must be present and whether it may be `null`.
    pub presence: Presence,
    /// Doc text.
    pub doc: Option<String>,
    /// How `new` and the setters fill the field.
    #[serde(flatten)]
    pub init: Init,
}

/// How a struct comes into being: the rule is "a missing required field is a compile error",
/// so only a struct without required fields derives `Default`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Construct {
    /// No required field: `Default` is derived, and the setters start from it.
    Default,
    /// `new` takes every required field the schema does not fix.
    New,
    /// Every required field is fixed (a one-value enum): `new()` takes nothing, and `Default`
    /// is implemented by it, as clippy's `new_without_default` asks.
    Fixed,
}

/// How one struct field is filled by the builder methods.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "init", rename_all = "snake_case")]
pub enum Init {
    /// A required field: an argument of `new`.
    Argument {
        /// The argument's name: the field's, except where clippy's
        /// `just_underscores_and_digits` objects (GitHub's `+1` field is `_1`; its argument
        /// `value_1`).
        param: String,
        /// What the argument takes.
        arg: Arg,
    },
    /// A required field whose schema allows one value (OpenAI's `role: enum [user]`): `new`
    /// sets it to `EnumName::Variant`.
    Fixed {
        /// The one-value string enum.
        enum_name: String,
        /// Its one variant.
        variant: String,
    },
    /// An optional field: `new` and `Default` leave it out; a chainable setter sets it.
    Setter {
        /// `with_<field>`.
        setter: String,
        /// What the setter takes (the value inside the `Option`s).
        arg: Arg,
        /// `clear_<field>`, which sends `null`: only for a three-state field
        /// ([`Presence::Double`]).
        clear: Option<String>,
    },
}

/// The type a constructor argument or setter takes.
#[derive(Debug, Clone, Serialize)]
pub struct Arg {
    /// The type stored.
    pub ty: String,
    /// Whether the method takes `impl Into<ty>`: where a caller has something else at hand
    /// (`&str` for `String`, `T` for `Box<T>`, a variant for a union with `From` impls) and
    /// inference cannot go wrong. Numbers, vectors and plain structs take `ty` itself, so
    /// literals and `Default::default()` keep inferring.
    pub into: bool,
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
    /// Untagged unions: properties the variant pins to one value (a one-value `enum` or a
    /// `const`); an object holding another value there is not this variant.
    pub pins: Vec<Pin>,
    /// Untagged unions: the JSON keys the variant documents; of the variants that decode, the
    /// one that knows most of an object's keys is chosen, so no field is dropped.
    pub keys: Vec<String>,
    /// The payload type `From` converts from (unboxed), when no other variant's payload is the
    /// same Rust type and it is not the union itself.
    pub from: Option<String>,
    /// Whether the payload is boxed, so `From` boxes it.
    pub boxed: bool,
}

/// A property an untagged union's variant pins to one string value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pin {
    /// The JSON key.
    pub key: String,
    /// The only value the variant accepts there.
    pub value: String,
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
    /// How the credential is sent.
    pub kind: AuthKind,
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
    /// The `Accept` header a declared `Accept` parameter fixes (its default or only value).
    pub accept: Option<String>,
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
    /// Where it travels.
    pub location: ParamLocation,
    /// How its value is written.
    pub style: WireStyle,
    /// `explode`.
    pub explode: bool,
    /// `allowReserved`.
    pub allow_reserved: bool,
    /// Owned type (params struct field).
    pub ty: String,
    /// Argument type (borrowed where that reads better: `&str`, `&[T]`).
    pub arg_ty: String,
    /// Whether the type is `String`, so the params-struct setter takes `impl Into<String>`.
    pub is_string: bool,
    /// Doc text.
    pub doc: Option<String>,
    /// Whether a deepObject array must go PHP-style (`where[0][type]=...`).
    pub php_array: bool,
    /// The params struct's setter (`with_*`); `None` for a method argument, which has none.
    pub setter: Option<String>,
}

/// A request body.
#[derive(Debug, Clone, Serialize)]
pub struct BodyDef {
    /// How the body is encoded.
    pub kind: BodyKind,
    /// The media type sent.
    pub content_type: String,
    /// Body type.
    pub ty: String,
    /// Whether it must be given.
    pub required: bool,
    /// Doc text.
    pub doc: Option<String>,
    /// Form-body properties whose `encoding` is not the default (`form`, exploded), in
    /// document order: Stripe sends every nested object as `deepObject` (`metadata[key]=v`).
    pub encodings: Vec<FormEncoding>,
}

/// How one property of an `application/x-www-form-urlencoded` body is serialised: the same
/// styles as a query parameter, because a form body is a query string.
#[derive(Debug, Clone, Serialize)]
pub struct FormEncoding {
    /// The property's name on the wire.
    pub wire: String,
    /// `Form`, `SpaceDelimited`, `PipeDelimited` or `DeepObject`.
    pub style: WireStyle,
    /// Whether arrays and objects are exploded.
    pub explode: bool,
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
    /// What statuses the arm matches.
    pub pattern: ArmPattern,
    /// The code, or the first of the range.
    pub low: u16,
    /// The last of the range.
    pub high: u16,
    /// Whether the arm produces `Ok`.
    pub ok: bool,
    /// Variant of the success or error enum, when there is one.
    pub variant: Option<String>,
    /// How the body is read.
    pub decode: Decode,
    /// The body type decoded.
    pub ty: String,
}

/// A paging stream: which shape the operation pages by, and where each piece of that shape
/// lives. The detection rules live in `model/paging.rs`.
#[derive(Debug, Clone, Serialize)]
pub struct Paging {
    /// How the next page is asked for.
    pub kind: PagingKind,
    /// Method name (`list_users_stream`).
    pub method_name: String,
    /// Item type.
    pub item_ty: String,
    /// Field with the items; `None` when the body is the array itself.
    pub items_field: Option<String>,
    /// Whether that field is an `Option`.
    pub items_optional: bool,
    /// Params struct field the next page's page number, offset or cursor goes into (empty for
    /// `link`, which follows a URL).
    pub param_field: String,
    /// Its type (the integer type of a page number or offset; `String` for a cursor).
    pub param_ty: String,
    /// The object holding the flag or cursor (`meta`), if nested.
    pub meta_field: Option<String>,
    /// Whether that object is optional.
    pub meta_optional: bool,
    /// `page`: the has-next flag; `offset`: the total; `cursor`: the next cursor; `after`: the
    /// has-more flag.
    pub flag_field: String,
    /// Whether it is optional.
    pub flag_optional: bool,
    /// `page`: the current page number beside the flag, if documented.
    pub current_field: Option<String>,
    /// Whether it is optional.
    pub current_optional: bool,
    /// `after`: the items' `id` field, whose last value asks for the next page.
    pub id_field: Option<String>,
    /// Whether it is optional.
    pub id_optional: bool,
    /// `link`: the private function that decodes a response of the operation, for the pages
    /// after the first.
    pub decode_fn: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Closed sets of the template context. Each is an enum so the Rust that builds the model matches
// exhaustively; serde writes the spelling the templates read, so a template compares against
// strings that can only be one of these (and `WireStyle` pastes its value as a Rust path).

/// Whether a struct field's key must be present and whether it may be `null`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    /// Present and never `null`: `T`.
    Required,
    /// Present but may be `null`: `Option<T>`.
    Nullable,
    /// May be absent: `Option<T>`, left out when `None`.
    Optional,
    /// Optional and nullable in a request body, where absent and `null` differ:
    /// `Option<Option<T>>`.
    Double,
}

impl Presence {
    /// The presence of a field; `Double` only where a request can say "clear this".
    pub fn of(required: bool, nullable: bool, in_request: bool) -> Presence {
        match (required, nullable) {
            (true, false) => Presence::Required,
            (true, true) => Presence::Nullable,
            (false, true) if in_request => Presence::Double,
            _ => Presence::Optional,
        }
    }

    /// The field's full type around the value type `ty`.
    pub fn wrap(self, ty: String) -> String {
        match self {
            Presence::Required => ty,
            Presence::Double => format!("Option<Option<{ty}>>"),
            Presence::Nullable | Presence::Optional => format!("Option<{ty}>"),
        }
    }
}

/// How a parameter value (or form field) is written: OpenAPI's styles plus `Json` for
/// content-typed parameters. Serialised as the generated runtime's `Style` variant name, which
/// the template pastes after `crate::runtime::Style::`, so no template maps strings back (a typo
/// there was once silently JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum WireStyle {
    /// `form`.
    Form,
    /// `simple`.
    Simple,
    /// `label`.
    Label,
    /// `matrix`.
    Matrix,
    /// `spaceDelimited`.
    SpaceDelimited,
    /// `pipeDelimited`.
    PipeDelimited,
    /// `deepObject`.
    DeepObject,
    /// A `content` parameter: the value's JSON text.
    Json,
}

impl From<ParamStyle> for WireStyle {
    fn from(style: ParamStyle) -> Self {
        match style {
            ParamStyle::Form => WireStyle::Form,
            ParamStyle::Simple => WireStyle::Simple,
            ParamStyle::Label => WireStyle::Label,
            ParamStyle::Matrix => WireStyle::Matrix,
            ParamStyle::SpaceDelimited => WireStyle::SpaceDelimited,
            ParamStyle::PipeDelimited => WireStyle::PipeDelimited,
            ParamStyle::DeepObject => WireStyle::DeepObject,
        }
    }
}

/// How a credential is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthKind {
    /// `Authorization: Bearer <token>`.
    Bearer,
    /// `Authorization: Basic <user:password>`.
    Basic,
    /// An API key header.
    Header,
    /// An API key query parameter.
    Query,
    /// An API key cookie.
    Cookie,
}

/// How a request body is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BodyKind {
    /// JSON (any JSON media type).
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
    /// Raw bytes the caller encodes.
    Bytes,
}

/// How a response body is read; the names are the runtime's `RawResponse` methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decode {
    /// JSON into the documented type.
    Json,
    /// No body documented.
    Empty,
    /// A non-JSON body, as bytes.
    Bytes,
}

/// The statuses one response arm matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ArmPattern {
    /// One status code.
    Code,
    /// A range (`2XX`).
    Range,
    /// Everything else.
    Default,
}

/// How a paging stream asks for the next page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PagingKind {
    /// A page number and a has-next flag.
    Page,
    /// An offset and a total.
    Offset,
    /// A next-cursor field fed back as a cursor query parameter (`nextPageToken` →
    /// `pageToken`).
    Cursor,
    /// A has-more flag, and the last item's `id` sent as `after` (`starting_after`).
    After,
    /// The `Link: rel="next"` response header (RFC 8288).
    Link,
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
    pins: Vec<Pin>,
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

/// Client methods the operations must not take (`templates/client.rs.jinja` defines them).
const RESERVED_METHODS: &[&str] = &[
    "new",
    "with_http_client",
    "base_url",
    "with_timeout",
    "with_retry",
    "with_hook",
    "with_recorder",
    "with_recording",
    "recorder",
    "core",
    "clone",
    "fmt",
];

/// Local names in generated method bodies.
const RESERVED_ARGS: &[&str] = &[
    "self", "params", "body", "request", "response", "path", "value", "items", "page", "batch",
    "offset", "total", "meta", "current", "cursor", "next", "more",
];

/// Params-struct setter names that would shadow derived trait methods.
const RESERVED_FIELDS: &[&str] = &["default", "clone", "fmt"];

const MAX_DEPTH: usize = 48;

/// What a missing schema reads as; schemas are borrowed from the document, never cloned.
static NULL: Value = Value::Null;

/// `additionalProperties: true`.
static TRUE: Value = Value::Bool(true);

struct Builder<'a> {
    spec: &'a Spec,
    defs: Vec<Def>,
    by_pointer: HashMap<String, usize>,
    names: Scope,
    warnings: Vec<Diagnostic>,
    group: usize,
    visiting: Vec<String>,
    /// Inline enums by their schema's JSON text: a schema written out identically in several
    /// places (Stripe repeats a 295-value `category` enum 19 times) becomes one type, named
    /// where it first appears.
    inline_enums: HashMap<String, InlineEnum>,
    /// The shared `IntOrString` union (Kubernetes `int-or-string`), made on first use.
    int_or_string: Option<usize>,
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
        inline_enums: HashMap::new(),
        int_or_string: None,
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
        let value = spec.at(pointer).unwrap_or(&NULL);
        let name = b.defs[id].name.clone();
        b.defs[id].doc = doc_of(value);
        let body = b.body_of(pointer, value, &name, 0);
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
    for op in &mut operations {
        op.claim_paging_names(&mut methods);
    }
    let webhooks = spec.document.get("webhooks").and_then(Value::as_object);
    if let Some(count) = webhooks.map(|w| w.len()).filter(|n| *n > 0) {
        b.warn(
            "/webhooks",
            format!("{count} webhook(s) are not generated: the client sends requests, and a webhook is a request it would receive"),
        );
    }
    // Pass 3: recursion.
    b.order_untagged_variants();
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
        self.warn_kind(
            pointer,
            Kind::UnsupportedConstruct,
            Severity::Warning,
            message,
        );
    }

    /// A finding of any kind and severity, located at `pointer` in the spec.
    fn warn_kind(&mut self, pointer: &str, kind: Kind, severity: Severity, message: String) {
        let d = self
            .spec
            .pin(Diagnostic::new(kind, severity, message), pointer);
        self.warnings.push(d);
    }
}
