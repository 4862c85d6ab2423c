//! The resolved view of a spec that the generator and the validator share.
//!
//! Operations are flattened here once: path-level parameters merged into each operation,
//! parameter/response/body `$ref`s followed, style and explode defaults applied, effective
//! security and servers chosen. Schemas stay where they are in the document and are named by JSON
//! pointer ([`SchemaRef`]), so each consumer converts them its own way (Rust types, JSON Schema)
//! and every finding can point back at the spec's line.
//!
//! The view is built from the JSON document, not from `openapiv3`'s types, so that OpenAPI 3.0
//! and 3.1 documents land in the same model; the loader checks each version's shape at its edge.
//! What differs between the versions downstream is the schema dialect ([`OpenApiVersion`]).

use serde::Serialize;
use serde_json::Value;

use crate::source::{pointer_push, SourceFile};

use super::path_template::PathTemplate;
use super::refs::deref;

/// A loaded, resolved spec.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The root file's text.
    pub source: SourceFile,
    /// Where each part of `document` came from: locate findings with [`Spec::pin`], which
    /// names the right file of a multi-file spec.
    pub parts: super::Parts,
    /// Relative-file `$ref`s that could not be followed (missing file, pointer to nothing, a
    /// cycle of path items): located errors that lint reports and that stop `generate`.
    pub ref_problems: Vec<crate::diagnostic::Diagnostic>,
    /// The relative-file `$ref`s in schema positions the loader could not bundle: a type
    /// `generate` can stand in for with `serde_json::Value`, so they do not stop it.
    pub schema_ref_problems: Vec<crate::diagnostic::Diagnostic>,
    /// The whole document as JSON (YAML keys stringified, merge keys applied).
    pub document: Value,
    /// Which OpenAPI line the document follows: decides how its schemas are read.
    pub openapi_version: OpenApiVersion,
    /// `jsonSchemaDialect` (3.1): the default `$schema` of the document's schemas, if declared.
    pub json_schema_dialect: Option<String>,
    /// `info.title`.
    pub title: String,
    /// `info.version`.
    pub version: String,
    /// `info.description`.
    pub description: Option<String>,
    /// Top-level servers.
    pub servers: Vec<Server>,
    /// `components.securitySchemes`, in document order.
    pub security_schemes: Vec<SecurityScheme>,
    /// Every operation, in document order (paths, then methods in the spec's order).
    pub operations: Vec<Operation>,
    /// Operations of `webhooks` (3.1): requests the API sends, not serves. Each one's `path` is
    /// the webhook's name, not a URL template, so they are kept apart from `operations`.
    pub webhooks: Vec<Operation>,
}

/// The OpenAPI line of a document. Closed: the loader rejects any other version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum OpenApiVersion {
    /// 3.0.x: schemas are OpenAPI's extended subset of JSON Schema draft 4 (`nullable`, boolean
    /// `exclusiveMinimum`), converted to 2020-12 before compiling.
    #[serde(rename = "3.0")]
    V3_0,
    /// 3.1.x: schemas are JSON Schema 2020-12 and compile as they are.
    #[serde(rename = "3.1")]
    V3_1,
}

impl OpenApiVersion {
    /// `3.0.3` → 3.0, `3.1.1` → 3.1; anything else is not a version specsmith reads.
    pub fn parse(version: &str) -> Option<Self> {
        let mut parts = version.split('.');
        match (parts.next(), parts.next()) {
            (Some("3"), Some("0")) => Some(OpenApiVersion::V3_0),
            (Some("3"), Some("1")) => Some(OpenApiVersion::V3_1),
            _ => None,
        }
    }
}

impl Spec {
    /// The file stem (`kommo` for `spec/kommo.yaml`): the generated module's name.
    pub fn stem(&self) -> String {
        self.source
            .path()
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "api".to_string())
    }

    /// Drops `components.examples` from the document: validating never reads them (schemas
    /// and parameters are what it checks against), and in a big description they are a large
    /// part of the tree: GitHub's hold 3.5 MB of its 24 MB. Lint, `generate` and `patch`, which
    /// read examples, keep them; the source text, which locates findings, is not touched.
    pub fn drop_examples(&mut self) {
        if let Some(components) = self
            .document
            .get_mut("components")
            .and_then(Value::as_object_mut)
        {
            components.shift_remove("examples");
        }
    }

    /// Sets `diagnostic`'s file, line:column and pointer from a pointer into `document`: in the
    /// file that part of a multi-file spec came from.
    pub fn pin(
        &self,
        diagnostic: crate::diagnostic::Diagnostic,
        pointer: &str,
    ) -> crate::diagnostic::Diagnostic {
        self.parts.pin(diagnostic, pointer)
    }

    /// The value at a JSON pointer of the document.
    pub fn at(&self, pointer: &str) -> Option<&Value> {
        crate::pointer::lookup(&self.document, pointer)
    }

    /// Finds an operation by id.
    pub fn operation(&self, id: &str) -> Option<&Operation> {
        self.operations.iter().find(|o| o.id == id)
    }
}

/// HTTP methods OpenAPI 3.0 path items can hold, in the order the spec lists them.
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// One operation, with everything it inherits resolved.
#[derive(Debug, Clone, Serialize)]
pub struct Operation {
    /// `operationId`, or one made from method and path when the spec gives none.
    pub id: String,
    /// Whether `id` came from the spec.
    pub explicit_id: bool,
    /// Lower-case method (`get`).
    pub method: String,
    /// The path template (`/api/v4/account`).
    pub path: String,
    /// `path` parsed, its variables marked from their parameters: what lint, the router and
    /// the generator read.
    #[serde(skip)]
    pub template: PathTemplate,
    /// Pointer to the operation object.
    pub pointer: String,
    /// `summary`.
    pub summary: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// `tags`.
    pub tags: Vec<String>,
    /// `deprecated`.
    pub deprecated: bool,
    /// Path-level and operation-level parameters (the operation's win), refs resolved.
    pub parameters: Vec<Parameter>,
    /// The request body, refs resolved.
    pub request_body: Option<RequestBody>,
    /// Responses in document order.
    pub responses: Vec<Response>,
    /// Effective security: alternatives, each a set of scheme names that must all be present.
    /// Empty means no authentication.
    pub security: Vec<Vec<String>>,
    /// Effective servers (operation, path item, then document level).
    pub servers: Vec<Server>,
}

impl Operation {
    /// The response documented for `status`: an exact code, then a range (`2XX`), then `default`.
    pub fn response_for(&self, status: u16) -> Option<&Response> {
        self.responses
            .iter()
            .find(|r| r.status == StatusKey::Code(status))
            .or_else(|| {
                self.responses
                    .iter()
                    .find(|r| r.status == StatusKey::Range(status / 100))
            })
            .or_else(|| {
                self.responses
                    .iter()
                    .find(|r| r.status == StatusKey::Default)
            })
    }
}

/// Where a parameter is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ParamLocation {
    /// A path segment.
    Path,
    /// The query string.
    Query,
    /// A request header.
    Header,
    /// A cookie.
    Cookie,
}

impl ParamLocation {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "path" => ParamLocation::Path,
            "query" => ParamLocation::Query,
            "header" => ParamLocation::Header,
            "cookie" => ParamLocation::Cookie,
            _ => return None,
        })
    }

    /// The spec's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ParamLocation::Path => "path",
            ParamLocation::Query => "query",
            ParamLocation::Header => "header",
            ParamLocation::Cookie => "cookie",
        }
    }
}

/// OpenAPI 3.0 parameter styles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ParamStyle {
    /// `;name=value` path style.
    Matrix,
    /// `.value` path style.
    Label,
    /// `name=value` (query, cookie default).
    Form,
    /// Comma-separated (path, header default).
    Simple,
    /// Space-separated array in a query.
    SpaceDelimited,
    /// Pipe-separated array in a query.
    PipeDelimited,
    /// `name[key]=value` objects in a query.
    DeepObject,
}

impl ParamStyle {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "matrix" => ParamStyle::Matrix,
            "label" => ParamStyle::Label,
            "form" => ParamStyle::Form,
            "simple" => ParamStyle::Simple,
            "spaceDelimited" => ParamStyle::SpaceDelimited,
            "pipeDelimited" => ParamStyle::PipeDelimited,
            "deepObject" => ParamStyle::DeepObject,
            _ => return None,
        })
    }

    /// The spec's spelling (`spaceDelimited`), for messages about values read in this style.
    pub fn as_str(self) -> &'static str {
        match self {
            ParamStyle::Matrix => "matrix",
            ParamStyle::Label => "label",
            ParamStyle::Form => "form",
            ParamStyle::Simple => "simple",
            ParamStyle::SpaceDelimited => "spaceDelimited",
            ParamStyle::PipeDelimited => "pipeDelimited",
            ParamStyle::DeepObject => "deepObject",
        }
    }

    /// The default style for a location, per OpenAPI 3.0.
    pub fn default_for(location: ParamLocation) -> Self {
        match location {
            ParamLocation::Query | ParamLocation::Cookie => ParamStyle::Form,
            ParamLocation::Path | ParamLocation::Header => ParamStyle::Simple,
        }
    }
}

/// A schema named by where it stands in the document (which may itself be a `$ref` object).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct SchemaRef {
    /// JSON pointer to the schema object.
    pub pointer: String,
}

/// One parameter.
#[derive(Debug, Clone, Serialize)]
pub struct Parameter {
    /// Name on the wire.
    pub name: String,
    /// Where it is sent.
    pub location: ParamLocation,
    /// `required` (always true for path parameters).
    pub required: bool,
    /// Serialisation style (defaulted by location).
    pub style: ParamStyle,
    /// `explode` (defaults to true for form, else false).
    pub explode: bool,
    /// `allowReserved`.
    pub allow_reserved: bool,
    /// The schema, for schema-based parameters.
    pub schema: Option<SchemaRef>,
    /// The media type, for content-based parameters.
    pub content_type: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// `deprecated`.
    pub deprecated: bool,
    /// Pointer to the (resolved) parameter object.
    pub pointer: String,
}

/// A request body.
#[derive(Debug, Clone, Serialize)]
pub struct RequestBody {
    /// `required`.
    pub required: bool,
    /// `description`.
    pub description: Option<String>,
    /// Media types in document order.
    pub content: Vec<MediaType>,
    /// Pointer to the (resolved) request body object.
    pub pointer: String,
}

/// The status key of a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum StatusKey {
    /// An exact code.
    Code(u16),
    /// `1XX` … `5XX`: the leading digit.
    Range(u16),
    /// `default`.
    Default,
}

impl StatusKey {
    fn parse(key: &str) -> Option<Self> {
        if key == "default" {
            return Some(StatusKey::Default);
        }
        if key.len() == 3 && key[1..].eq_ignore_ascii_case("xx") {
            return key[..1].parse().ok().map(StatusKey::Range);
        }
        key.parse()
            .ok()
            .filter(|c| (100..600).contains(c))
            .map(StatusKey::Code)
    }

    /// The spec's spelling (`200`, `4XX`, `default`).
    pub fn as_string(&self) -> String {
        match self {
            StatusKey::Code(c) => c.to_string(),
            StatusKey::Range(r) => format!("{r}XX"),
            StatusKey::Default => "default".to_string(),
        }
    }

    /// Whether `status` falls under this key.
    pub fn matches(&self, status: u16) -> bool {
        match self {
            StatusKey::Code(c) => *c == status,
            StatusKey::Range(r) => status / 100 == *r,
            StatusKey::Default => true,
        }
    }
}

/// One documented response.
#[derive(Debug, Clone, Serialize)]
pub struct Response {
    /// The status it documents.
    pub status: StatusKey,
    /// `description`.
    pub description: Option<String>,
    /// Media types in document order.
    pub content: Vec<MediaType>,
    /// Header names documented for the response.
    pub headers: Vec<String>,
    /// Pointer to the (resolved) response object.
    pub pointer: String,
}

impl Response {
    /// The media type documented for a `Content-Type` (parameters ignored, case-insensitive),
    /// falling back to wildcards (`application/*`, `*/*`).
    pub fn media_type_for(&self, content_type: &str) -> Option<&MediaType> {
        super::media::documented_for(&self.content, content_type)
    }
}

/// `application/hal+json; charset=utf-8` → `application/hal+json`.
pub fn media_essence(content_type: &str) -> String {
    essence_as_written(content_type).to_ascii_lowercase()
}

/// [`media_essence`] before its case is folded: what the checks of every exchange compare
/// without case, so they need not copy it.
pub fn essence_as_written(content_type: &str) -> &str {
    let end = content_type.bytes().position(|b| b == b';');
    let essence = &content_type[..end.unwrap_or(content_type.len())];
    // Most are written without spaces around them: trimming only looks when an end may be one.
    match (essence.as_bytes().first(), essence.as_bytes().last()) {
        (Some(a), Some(z)) if a.is_ascii_graphic() && z.is_ascii_graphic() => essence,
        _ => essence.trim(),
    }
}

/// Whether a media type carries JSON (`application/json`, any `+json`, `*/*json*`).
pub fn is_json_media(content_type: &str) -> bool {
    let essence = essence_as_written(content_type);
    let sub = essence
        .split_once('/')
        .map(|(_, s)| s)
        .unwrap_or("")
        .as_bytes();
    let plus_json = sub.len() >= 5 && sub[sub.len() - 5..].eq_ignore_ascii_case(b"+json");
    sub.eq_ignore_ascii_case(b"json")
        || plus_json
        || essence.eq_ignore_ascii_case("application/x-ndjson")
}

/// One media type of a body.
#[derive(Debug, Clone, Serialize)]
pub struct MediaType {
    /// The media type as written (`application/hal+json`).
    pub name: String,
    /// Its schema.
    pub schema: Option<SchemaRef>,
    /// Pointer to the media type object.
    pub pointer: String,
}

/// A server URL template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Server {
    /// The URL template (`https://{subdomain}.kommo.com`).
    pub url: String,
    /// `description`.
    pub description: Option<String>,
    /// Its variables, in document order.
    pub variables: Vec<ServerVariable>,
}

/// A server variable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServerVariable {
    /// Name in the template.
    pub name: String,
    /// `default`.
    pub default: String,
    /// `enum`, if listed.
    pub values: Vec<String>,
    /// `description`.
    pub description: Option<String>,
}

/// How a security scheme sends credentials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum SecurityKind {
    /// `type: http` (`scheme: bearer`, `basic`, ...).
    Http {
        /// `scheme`, lower case.
        scheme: String,
    },
    /// `type: apiKey`.
    ApiKey {
        /// The header, query key or cookie name.
        name: String,
        /// Where it is sent.
        location: ParamLocation,
    },
    /// `type: oauth2` (sent as a bearer token).
    OAuth2,
    /// `type: openIdConnect` (sent as a bearer token).
    OpenIdConnect,
}

/// A named security scheme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecurityScheme {
    /// The key under `components.securitySchemes`.
    pub name: String,
    /// How credentials travel.
    pub kind: SecurityKind,
    /// `description`.
    pub description: Option<String>,
}

fn string_at(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_string)
}

/// Builds the resolved view. Never fails: what cannot be resolved is left out here and reported
/// by lint.
pub(crate) fn build(source: SourceFile, document: Value, openapi_version: OpenApiVersion) -> Spec {
    let info = document.get("info").cloned().unwrap_or(Value::Null);
    let inherited = Inherited {
        servers: servers_of(document.get("servers")),
        security: security_of(document.get("security")).unwrap_or_default(),
    };
    let operations = operations_under(&document, "/paths", &inherited);
    let webhooks = operations_under(&document, "/webhooks", &inherited);
    Spec {
        title: string_at(&info, "title").unwrap_or_default(),
        version: string_at(&info, "version").unwrap_or_default(),
        description: string_at(&info, "description"),
        parts: super::Parts::single(source.clone()),
        ref_problems: Vec::new(),
        schema_ref_problems: Vec::new(),
        openapi_version,
        json_schema_dialect: string_at(&document, "jsonSchemaDialect"),
        security_schemes: security_schemes_of(&document),
        servers: inherited.servers,
        source,
        document,
        operations,
        webhooks,
    }
}

/// What operations take from the document level when they say nothing themselves.
struct Inherited {
    servers: Vec<Server>,
    security: Vec<Vec<String>>,
}

/// The operations of every path item under `container` (`/paths` or `/webhooks`), following
/// `$ref`s to path items (3.1's `components/pathItems`).
fn operations_under(document: &Value, container: &str, inherited: &Inherited) -> Vec<Operation> {
    let Some(items) = crate::pointer::lookup(document, container).and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut operations = Vec::new();
    for (path, item) in items {
        let item_pointer = pointer_push(container, path);
        let Ok((item, item_pointer)) = deref(document, item, &item_pointer) else {
            continue;
        };
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let pointer = pointer_push(&item_pointer, method);
            operations.push(operation_of(
                document,
                (path, item, &item_pointer),
                (method, op, pointer),
                inherited,
            ));
        }
    }
    operations
}

/// One operation: `at` is (path, path item, its pointer), `op` is (method, operation, its pointer).
fn operation_of(
    document: &Value,
    (path, item, item_pointer): (&str, &Value, &str),
    (method, op, pointer): (&str, &Value, String),
    inherited: &Inherited,
) -> Operation {
    let explicit = string_at(op, "operationId");
    let servers = match op.get("servers").or(item.get("servers")) {
        Some(s) => servers_of(Some(s)),
        None => inherited.servers.clone(),
    };
    let parameters = parameters_of(
        document,
        item.get("parameters"),
        &pointer_push(item_pointer, "parameters"),
        op.get("parameters"),
        &pointer_push(&pointer, "parameters"),
    );
    let template = PathTemplate::parse(path).with_parameters(&parameters, document);
    Operation {
        id: explicit
            .clone()
            .unwrap_or_else(|| synthesize_operation_id(method, path)),
        explicit_id: explicit.is_some(),
        method: method.to_string(),
        path: path.to_string(),
        template,
        summary: string_at(op, "summary"),
        description: string_at(op, "description"),
        tags: op
            .get("tags")
            .and_then(Value::as_array)
            .map(|t| {
                t.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
        deprecated: op
            .get("deprecated")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        parameters,
        request_body: op
            .get("requestBody")
            .and_then(|b| request_body_of(document, b, &pointer_push(&pointer, "requestBody"))),
        responses: responses_of(document, op, &pointer),
        security: security_of(op.get("security")).unwrap_or_else(|| inherited.security.clone()),
        servers,
        pointer,
    }
}

/// `get /users/{id}/keys` → `get_users_id_keys`: stable and readable when a spec has no
/// `operationId`.
pub fn synthesize_operation_id(method: &str, path: &str) -> String {
    let mut id = method.to_string();
    for part in path.split(|c: char| !c.is_ascii_alphanumeric()) {
        if !part.is_empty() {
            id.push('_');
            id.push_str(part);
        }
    }
    id
}

fn servers_of(servers: Option<&Value>) -> Vec<Server> {
    let list = servers
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut out: Vec<Server> = list
        .iter()
        .filter_map(|s| {
            let url = string_at(s, "url")?;
            let variables = s
                .get("variables")
                .and_then(Value::as_object)
                .map(|vars| {
                    vars.iter()
                        .map(|(name, v)| ServerVariable {
                            name: name.clone(),
                            default: match v.get("default") {
                                Some(Value::String(s)) => s.clone(),
                                Some(other) => other.to_string(),
                                None => String::new(),
                            },
                            values: v
                                .get("enum")
                                .and_then(Value::as_array)
                                .map(|e| {
                                    e.iter()
                                        .map(|x| {
                                            x.as_str().map_or_else(|| x.to_string(), str::to_string)
                                        })
                                        .collect()
                                })
                                .unwrap_or_default(),
                            description: string_at(v, "description"),
                        })
                        .collect()
                })
                .unwrap_or_default();
            Some(Server {
                url,
                description: string_at(s, "description"),
                variables,
            })
        })
        .collect();
    if out.is_empty() {
        // OpenAPI: with no servers, the default is a server at "/".
        out.push(Server {
            url: "/".to_string(),
            description: None,
            variables: Vec::new(),
        });
    }
    out
}

fn security_schemes_of(document: &Value) -> Vec<SecurityScheme> {
    let Some(schemes) = document
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
    else {
        return Vec::new();
    };
    schemes
        .iter()
        .filter_map(|(name, scheme)| {
            let pointer = pointer_push("/components/securitySchemes", name);
            let (scheme, _) = deref(document, scheme, &pointer).ok()?;
            let kind = match scheme.get("type").and_then(Value::as_str)? {
                "http" => SecurityKind::Http {
                    scheme: string_at(scheme, "scheme")?.to_ascii_lowercase(),
                },
                "apiKey" => SecurityKind::ApiKey {
                    name: string_at(scheme, "name")?,
                    location: ParamLocation::parse(scheme.get("in")?.as_str()?)?,
                },
                "oauth2" => SecurityKind::OAuth2,
                "openIdConnect" => SecurityKind::OpenIdConnect,
                _ => return None,
            };
            Some(SecurityScheme {
                name: name.clone(),
                kind,
                description: string_at(scheme, "description"),
            })
        })
        .collect()
}

fn security_of(security: Option<&Value>) -> Option<Vec<Vec<String>>> {
    let list = security?.as_array()?;
    Some(
        list.iter()
            .filter_map(Value::as_object)
            .map(|req| req.keys().cloned().collect())
            .collect(),
    )
}

fn parameters_of(
    document: &Value,
    item_params: Option<&Value>,
    item_pointer: &str,
    op_params: Option<&Value>,
    op_pointer: &str,
) -> Vec<Parameter> {
    let mut out: Vec<Parameter> = Vec::new();
    for (list, base) in [(item_params, item_pointer), (op_params, op_pointer)] {
        let Some(list) = list.and_then(Value::as_array) else {
            continue;
        };
        for (i, param) in list.iter().enumerate() {
            let pointer = format!("{base}/{i}");
            let Some(p) = parameter_of(document, param, &pointer) else {
                continue;
            };
            // An operation-level parameter overrides the path-level one of the same name and place.
            out.retain(|q| !(q.name == p.name && q.location == p.location));
            out.push(p);
        }
    }
    out
}

fn parameter_of(document: &Value, param: &Value, pointer: &str) -> Option<Parameter> {
    let (param, pointer) = deref(document, param, pointer).ok()?;
    let name = string_at(param, "name")?;
    let location = ParamLocation::parse(param.get("in")?.as_str()?)?;
    let style = param
        .get("style")
        .and_then(Value::as_str)
        .and_then(ParamStyle::parse)
        .unwrap_or(ParamStyle::default_for(location));
    let explode = param
        .get("explode")
        .and_then(Value::as_bool)
        .unwrap_or(style == ParamStyle::Form);
    let (schema, content_type) = match (param.get("schema"), param.get("content")) {
        (Some(_), _) => (
            Some(SchemaRef {
                pointer: pointer_push(&pointer, "schema"),
            }),
            None,
        ),
        (None, Some(Value::Object(content))) => match content.iter().next() {
            Some((media, m)) => (
                m.get("schema").map(|_| SchemaRef {
                    pointer: pointer_push(
                        &pointer_push(&pointer_push(&pointer, "content"), media),
                        "schema",
                    ),
                }),
                Some(media.clone()),
            ),
            None => (None, None),
        },
        _ => (None, None),
    };
    Some(Parameter {
        name,
        location,
        required: location == ParamLocation::Path
            || param
                .get("required")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        style,
        explode,
        allow_reserved: param
            .get("allowReserved")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        schema,
        content_type,
        description: string_at(param, "description"),
        deprecated: param
            .get("deprecated")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        pointer,
    })
}

fn content_of(content: Option<&Value>, pointer: &str) -> Vec<MediaType> {
    let Some(content) = content.and_then(Value::as_object) else {
        return Vec::new();
    };
    let base = pointer_push(pointer, "content");
    content
        .iter()
        .map(|(name, media)| {
            let pointer = pointer_push(&base, name);
            MediaType {
                name: name.clone(),
                schema: media.get("schema").map(|_| SchemaRef {
                    pointer: pointer_push(&pointer, "schema"),
                }),
                pointer,
            }
        })
        .collect()
}

fn request_body_of(document: &Value, body: &Value, pointer: &str) -> Option<RequestBody> {
    let (body, pointer) = deref(document, body, pointer).ok()?;
    Some(RequestBody {
        required: body
            .get("required")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        description: string_at(body, "description"),
        content: content_of(body.get("content"), &pointer),
        pointer,
    })
}

fn responses_of(document: &Value, op: &Value, op_pointer: &str) -> Vec<Response> {
    let Some(responses) = op.get("responses").and_then(Value::as_object) else {
        return Vec::new();
    };
    let base = pointer_push(op_pointer, "responses");
    responses
        .iter()
        .filter_map(|(key, response)| {
            let status = StatusKey::parse(key)?;
            let (response, pointer) = deref(document, response, &pointer_push(&base, key)).ok()?;
            Some(Response {
                status,
                description: string_at(response, "description"),
                content: content_of(response.get("content"), &pointer),
                headers: response
                    .get("headers")
                    .and_then(Value::as_object)
                    .map(|h| h.keys().cloned().collect())
                    .unwrap_or_default(),
                pointer,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_keys_parse_and_match() {
        assert_eq!(StatusKey::parse("200"), Some(StatusKey::Code(200)));
        assert_eq!(StatusKey::parse("4XX"), Some(StatusKey::Range(4)));
        assert_eq!(StatusKey::parse("default"), Some(StatusKey::Default));
        assert_eq!(StatusKey::parse("abc"), None);
        assert!(StatusKey::Range(4).matches(404));
    }

    #[test]
    fn json_media_types() {
        assert!(is_json_media("application/hal+json"));
        assert!(is_json_media("application/problem+json; charset=utf-8"));
        assert!(is_json_media("Application/JSON"));
        assert!(!is_json_media("text/html"));
    }

    #[test]
    fn versions_parse() {
        assert_eq!(OpenApiVersion::parse("3.0.3"), Some(OpenApiVersion::V3_0));
        assert_eq!(OpenApiVersion::parse("3.1.1"), Some(OpenApiVersion::V3_1));
        assert_eq!(OpenApiVersion::parse("3.10.0"), None);
        assert_eq!(OpenApiVersion::parse("4.0"), None);
    }

    #[test]
    fn synthesized_ids_are_readable() {
        assert_eq!(
            synthesize_operation_id("get", "/users/{id}/keys"),
            "get_users_id_keys"
        );
    }
}
