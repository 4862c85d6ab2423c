//! Parameters: path, query, header and cookie values against their styles and schemas, and the
//! query keys and headers no parameter documents.

// One check in three files: the parent's types and imports are this step's too.
use super::*;

/// Headers every HTTP stack, browser, proxy or tracer adds, which no spec is expected to
/// document: never reported as undocumented. Names ending in `-` are prefixes.
pub const TRANSPORT_HEADERS: &[&str] = &[
    "accept",
    "accept-",
    "access-control-request-",
    "authorization",
    "b3",
    "baggage",
    "cache-control",
    "cdn-loop",
    "connection",
    "content-encoding",
    "content-length",
    "content-type",
    "cookie",
    "date",
    "dnt",
    "expect",
    "forwarded",
    "host",
    "if-",
    "keep-alive",
    "origin",
    "pragma",
    "priority",
    "proxy-authorization",
    "proxy-connection",
    "purpose",
    "range",
    "referer",
    "sec-",
    "sentry-trace",
    "te",
    "traceparent",
    "tracestate",
    "transfer-encoding",
    "upgrade",
    "upgrade-insecure-requests",
    "user-agent",
    "via",
    "x-amzn-trace-id",
    "x-b3-",
    "x-correlation-id",
    "x-forwarded-",
    "x-real-ip",
    "x-request-id",
    "x-requested-with",
    ":",
];

/// How many undocumented parameters of one kind a request reports one by one before the rest
/// are folded into one finding.
const FOLD: usize = 10;

/// Whether `name` is a transport header (see [`TRANSPORT_HEADERS`]).
pub fn is_transport_header(name: &str) -> bool {
    // Every request's headers are asked: most entries are told apart by their first byte.
    let first = name.as_bytes().first().map(u8::to_ascii_lowercase);
    TRANSPORT_HEADERS.iter().any(|t| {
        if t.as_bytes().first().copied() != first {
            false
        } else if t.ends_with('-') || *t == ":" {
            name.get(..t.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(t))
        } else {
            name.eq_ignore_ascii_case(t)
        }
    })
}

impl Run<'_, '_> {
    fn missing(&mut self, p: &Param, at: &str) {
        let wire = &p.wire;
        let location = self.request.locate(at);
        self.push(
            Kind::MissingParameter,
            Severity::Error,
            pointer_push(part(wire.location), &wire.name),
            location,
            format!(
                "missing required {} parameter {} of {}",
                wire.location.as_str(),
                wire.name,
                self.op.id
            ),
            Some(format!("send {} as the spec documents it", wire.name)),
        );
    }

    /// The undocumented query keys or headers of one request: the first [`FOLD`] each as a
    /// finding, the rest folded into one finding with their count, so a request with 10,000
    /// undocumented parameters gives a report of bounded size.
    fn undocumented_all(&mut self, location: ParamLocation, fields: &[&Field]) {
        for f in fields.iter().take(FOLD) {
            self.undocumented(location, f);
        }
        let rest = fields.get(FOLD..).unwrap_or_default();
        let Some(first) = rest.first() else {
            return;
        };
        let what = match location {
            ParamLocation::Header => "headers",
            _ => "query parameters",
        };
        let names: Vec<String> = rest
            .iter()
            .take(FOLD)
            .map(|f| shown_name(&f.name))
            .collect();
        let more = if rest.len() > FOLD { ", …" } else { "" };
        self.push(
            Kind::UndocumentedParameter,
            Severity::Warning,
            part(location).to_string(),
            self.request.locate_field(first),
            format!(
                "{} more {what} are not documented for {}: {}{more}",
                rest.len(),
                self.op.id,
                names.join(", ")
            ),
            Some(format!(
                "document them as {} parameters if the API reads them, or stop sending them",
                location.as_str()
            )),
        );
    }

    /// A query key or header the operation does not document, named (cut short), never valued.
    fn undocumented(&mut self, location: ParamLocation, field: &Field) {
        let shown = shown_name(&field.name);
        let what = match location {
            ParamLocation::Header => "header",
            _ => "query parameter",
        };
        self.push(
            Kind::UndocumentedParameter,
            Severity::Warning,
            pointer_push(part(location), &field.name),
            self.request.locate_field(field),
            format!("{what} {shown} is not documented for {}", self.op.id),
            Some(format!(
                "document {shown} as a {} parameter if the API reads it, or stop sending it",
                location.as_str()
            )),
        );
    }

    /// A value that its style could not read, or that its schema rejects.
    fn invalid(&mut self, p: &Param, pointer: &str, location: Location, what: Invalid) {
        let wire = &p.wire;
        let subject = format!("{} parameter {}", wire.location.as_str(), wire.name);
        let (message, suggestion, severity) = match what {
            Invalid::Parse(_) | Invalid::Schema(_) if p.secret => (
                format!(
                    "{subject} is not valid (its value carries a credential, so it is not shown)"
                ),
                None,
                Severity::Error,
            ),
            Invalid::Parse(e) => (
                format!(
                    "{subject}: {} (read as style {}, explode {})",
                    e.message,
                    wire.style.as_str(),
                    wire.explode
                ),
                None,
                Severity::Error,
            ),
            Invalid::Schema(f) => (
                format!("{subject}: {}", f.message),
                f.suggestion,
                f.severity,
            ),
        };
        self.push(
            Kind::InvalidParameter,
            severity,
            format!("{}{pointer}", pointer_push(part(wire.location), &wire.name)),
            location,
            message,
            suggestion,
        );
    }

    /// Checks a parsed value against the parameter's schema.
    fn schema_check(&mut self, p: &Param, value: &Value, locate: &dyn Fn(&str) -> Location) {
        let Some(pointer) = &p.schema else { return };
        let tape = Tape::from_value(value);
        for f in self.explain(pointer, tape.root("")) {
            let at = match &f.target {
                Target::Key(t) | Target::Value(t) => t.clone(),
            };
            let location = locate(&at);
            let pointer = f.pointer.clone();
            self.invalid(p, &pointer, location, Invalid::Schema(f));
        }
    }

    pub(super) fn explain(&self, schema: &str, value: TapeNode<'_>) -> Vec<Finding> {
        match self.checks.cache.get(self.specs, self.s, schema) {
            Some(compiled) => explain::check(compiled, value, self.checks.policy),
            None => Vec::new(),
        }
    }

    pub(super) fn path(&mut self, values: &[PathValue]) {
        let url_at = self.request.url_at;
        for p in params_at(self.plan, ParamLocation::Path) {
            let Some(v) = values.iter().find(|v| v.name == p.wire.name) else {
                continue; // the template lacks it: lint's undeclared/unused path parameter
            };
            // Located only for a finding: most values are valid, and locating scans the line.
            let request = self.request;
            let locate = |_: &str| request.locate_in(url_at, v.span);
            match style::parse_text(&p.wire, &v.text) {
                Ok(value) => self.schema_check(p, &value, &locate),
                Err(e) => self.invalid(p, "", locate(""), Invalid::Parse(e)),
            }
        }
    }

    pub(super) fn query(&mut self) {
        let request = self.request;
        let url_at = request.url_at;
        let params = params_at(self.plan, ParamLocation::Query);
        // The pairs, borrowed, for the parameters to read, when there are some.
        let pairs: Vec<(&str, &str)> = match params.clone().next() {
            Some(_) => request
                .query
                .iter()
                .map(|f| (f.name.as_str(), f.value.as_str()))
                .collect(),
            None => Vec::new(),
        };
        for p in params.clone() {
            let own: Vec<&Field> = request.query.iter().filter(|f| owns(p, &f.name)).collect();
            match style::parse_pairs(&p.wire, &pairs) {
                Ok(None) if p.required => self.missing(p, url_at),
                Ok(None) => {}
                Ok(Some(value)) => {
                    let exploded = p.wire.explode && p.wire.style == ParamStyle::Form;
                    let locate = |at: &str| -> Location {
                        // Item i of a form+explode array is the i-th pair; else the first pair.
                        let item = at
                            .strip_prefix('/')
                            .and_then(|s| s.split('/').next())
                            .and_then(|s| s.parse::<usize>().ok());
                        let field = match item {
                            Some(i) if exploded => own.get(i).or(own.first()),
                            _ => own.first(),
                        };
                        field.map_or_else(|| request.locate(url_at), |f| request.locate_field(f))
                    };
                    self.schema_check(p, &value, &locate);
                }
                Err(e) => {
                    let location = own
                        .first()
                        .map_or_else(|| request.locate(url_at), |f| request.locate_field(f));
                    self.invalid(p, "", location, Invalid::Parse(e));
                }
            }
        }
        // Undocumented keys: reported once per name, at their first occurrence.
        let mut seen: HashSet<&str> = HashSet::new();
        let undocumented: Vec<&Field> = request
            .query
            .iter()
            .filter(|f| {
                let documented = params.clone().any(|p| owns(p, &f.name))
                    || self
                        .plan
                        .credential_names
                        .iter()
                        .any(|(l, n)| *l == ParamLocation::Query && *n == f.name);
                !documented && seen.insert(f.name.as_str())
            })
            .collect();
        self.undocumented_all(ParamLocation::Query, &undocumented);
    }

    pub(super) fn headers(&mut self) {
        let request = self.request;
        let Some(headers) = request.headers.as_ref() else {
            return;
        };
        let headers_at = request.headers_at;
        let params = params_at(self.plan, ParamLocation::Header);
        for p in params.clone() {
            let own: Vec<&Field> = headers
                .iter()
                .filter(|h| h.name.eq_ignore_ascii_case(&p.wire.name))
                .collect();
            let Some(first) = own.first() else {
                if p.required {
                    self.missing(p, headers_at);
                }
                continue;
            };
            // Repeated headers are one comma-separated list (RFC 9110 §5.3).
            let text = own
                .iter()
                .map(|h| h.value.trim())
                .collect::<Vec<_>>()
                .join(",");
            let location = request.locate_field(first);
            match style::parse_text(&p.wire, &text) {
                Ok(value) => self.schema_check(p, &value, &|_| location.clone()),
                Err(e) => self.invalid(p, "", location, Invalid::Parse(e)),
            }
        }
        let mut seen: HashSet<String> = HashSet::new();
        let undocumented: Vec<&Field> = headers
            .iter()
            .filter(|h| {
                let documented = params
                    .clone()
                    .any(|p| p.wire.name.eq_ignore_ascii_case(&h.name))
                    || self.plan.credential_names.iter().any(|(l, n)| {
                        *l == ParamLocation::Header && n.eq_ignore_ascii_case(&h.name)
                    });
                !documented
                    && !is_transport_header(&h.name)
                    && seen.insert(h.name.to_ascii_lowercase())
            })
            .collect();
        self.undocumented_all(ParamLocation::Header, &undocumented);
    }

    pub(super) fn cookies(&mut self) {
        let request = self.request;
        let Some(cookies) = request.cookies.as_ref() else {
            return;
        };
        let pairs: Vec<(String, String)> = cookies
            .iter()
            .map(|c| (c.name.clone(), style::cookie_value(&c.value)))
            .collect();
        let cookies_at = request.cookies_at;
        for p in params_at(self.plan, ParamLocation::Cookie) {
            let first = cookies.iter().find(|c| c.name == p.wire.name);
            let location =
                first.map_or_else(|| request.locate(cookies_at), |c| request.locate_field(c));
            match style::parse_pairs(&p.wire, &pairs) {
                Ok(None) if p.required => self.missing(p, cookies_at),
                Ok(None) => {}
                Ok(Some(value)) => self.schema_check(p, &value, &|_| location.clone()),
                Err(e) => self.invalid(p, "", location, Invalid::Parse(e)),
            }
        }
    }
}

enum Invalid {
    Parse(style::ParseError),
    Schema(Finding),
}

/// The parameters of a plan sent in `location`.
fn params_at(
    plan: &OperationPlan,
    location: ParamLocation,
) -> impl Iterator<Item = &Param> + Clone {
    plan.params
        .iter()
        .filter(move |p| p.wire.location == location)
}

/// Whether a query key belongs to parameter `p` (its name, `name[...]` for deepObject, a
/// documented property for form+explode objects).
fn owns(p: &Param, key: &str) -> bool {
    let name = p.wire.name.as_str();
    if key == name {
        return true;
    }
    match (&p.wire.shape, p.wire.style) {
        (Shape::Object(_) | Shape::ArrayOfObjects(_), ParamStyle::DeepObject) => key
            .strip_prefix(name)
            .is_some_and(|rest| rest.starts_with('[')),
        (Shape::Object(fields), ParamStyle::Form) if p.wire.explode => {
            fields.iter().any(|(f, _)| f == key)
        }
        _ => false,
    }
}

/// A name for a message, cut short (a recorder may log a whole token as a key).
fn shown_name(name: &str) -> String {
    if name.chars().count() <= 64 {
        name.to_string()
    } else {
        format!("{}…", name.chars().take(63).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transport_headers_are_recognised_by_name_and_prefix() {
        for h in [
            "Host",
            "user-agent",
            "Sec-Fetch-Mode",
            "X-Forwarded-For",
            ":authority",
            "If-None-Match",
        ] {
            assert!(is_transport_header(h), "{h}");
        }
        for h in ["X-Api-Key", "x-client-id", "Espo-Authorization", "te-x"] {
            assert!(!is_transport_header(h), "{h}");
        }
    }
}
