//! Operations → client methods: servers, credentials, parameters, bodies, responses by
//! status, and the paging helpers.

use super::*;
use crate::spec::path_template::{PathTemplate, Piece};

impl<'a> Builder<'a> {
    /// The client's constructors and credential setters, named in one scope of methods.
    pub(super) fn client(&mut self) -> ClientDef {
        let mut fns = Scope::with_reserved(RESERVED_METHODS);
        let servers = self.servers(&mut fns);
        let auth = self.auth(&mut fns);
        let combined = self.combined(&auth, &mut fns);
        ClientDef {
            servers,
            auth,
            combined,
        }
    }

    /// One constructor per absolute server URL, named after its host (`for_api_example_com`).
    fn servers(&self, fns: &mut Scope) -> Vec<ServerDef> {
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
        servers
    }

    /// One setter per security scheme whose credentials the runtime can send.
    fn auth(&mut self, fns: &mut Scope) -> Vec<AuthDef> {
        let mut auth = Vec::new();
        for scheme in &self.spec.security_schemes {
            let (kind, key) = match &scheme.kind {
                SecurityKind::Http { scheme: s } if s == "basic" => {
                    (AuthKind::Basic, String::new())
                }
                SecurityKind::Http { scheme: s } if s == "bearer" => {
                    (AuthKind::Bearer, String::new())
                }
                SecurityKind::Http { scheme: s } => {
                    let pointer = pointer_push("/components/securitySchemes", &scheme.name);
                    self.warn(
                        &pointer,
                        format!("HTTP authentication scheme {s:?} is not supported; its credentials are not sent"),
                    );
                    continue;
                }
                SecurityKind::OAuth2 | SecurityKind::OpenIdConnect => {
                    (AuthKind::Bearer, String::new())
                }
                SecurityKind::ApiKey { name, location } => (
                    match location {
                        ParamLocation::Header => AuthKind::Header,
                        ParamLocation::Query => AuthKind::Query,
                        ParamLocation::Cookie => AuthKind::Cookie,
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
        auth
    }

    /// One setter per security requirement that needs several credentials together.
    fn combined(&self, auth: &[AuthDef], fns: &mut Scope) -> Vec<CombinedAuth> {
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
                        .find(|a| &a.scheme == scheme && a.kind != AuthKind::Basic)?;
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
        combined
    }

    /// One operation: its parameters, path, body and responses, each named and typed.
    pub(super) fn operation(&mut self, op: &Operation, methods: &mut Scope) -> OpIr {
        let method_name = methods.claim(&naming::snake_name(&op.id));
        let base = naming::type_name(&op.id);
        let mut arg_scope = Scope::with_reserved(RESERVED_ARGS);
        let params = self.params(op, &base, &mut arg_scope);
        let (path_parts, mut args) = self.path(op, params.path, &mut arg_scope);
        args.extend(params.required);
        let body = self.request_body(op, &base);
        let responses = self.responses(op, &base);
        let mut schemes = Vec::new();
        for s in op.security.iter().flatten() {
            if !schemes.contains(s) {
                schemes.push(s.clone());
            }
        }
        OpIr {
            id: op.id.clone(),
            method_name,
            base,
            http_method: op.method.to_ascii_uppercase(),
            path: op.path.clone(),
            path_parts,
            doc: joined_doc(&[op.summary.as_deref(), op.description.as_deref()]),
            deprecated: op.deprecated,
            args,
            optional: params.optional,
            accept: params.accept,
            body,
            schemes,
            responses,
            paging_name: String::new(),
            decode_name: None,
            documents_link: op.method.eq_ignore_ascii_case("get")
                && op.responses.iter().any(|r| {
                    is_success(&r.status)
                        && r.headers.iter().any(|h| h.eq_ignore_ascii_case("link"))
                }),
        }
    }

    /// The operation's parameters by role. Header parameters named `Accept`, `Content-Type`
    /// or `Authorization` are not parameters: OpenAPI says they SHALL be ignored, because the
    /// body's media type and the security schemes set those headers (PagerDuty declares them on
    /// 423 operations). A fixed `Accept` (a `default` or a one-value enum) is still sent.
    fn params(&mut self, op: &Operation, base: &str, args: &mut Scope) -> ParamsIr {
        let mut fields = Scope::with_reserved(RESERVED_FIELDS);
        let mut out = ParamsIr::default();
        for p in &op.parameters {
            if p.location == ParamLocation::Header && is_ignored_header(&p.name) {
                if p.name.eq_ignore_ascii_case("accept") {
                    out.accept = self.fixed_text(p);
                }
                continue;
            }
            let in_args = p.required || p.location == ParamLocation::Path;
            let param = self.param(p, base, if in_args { &mut *args } else { &mut fields });
            if p.location == ParamLocation::Path {
                out.path.push(param);
            } else if p.required {
                out.required.push(param);
            } else {
                out.optional.push(param);
            }
        }
        out
    }

    /// One parameter: its type, how it is written, and a name claimed in `scope`.
    fn param(&mut self, p: &Parameter, base: &str, scope: &mut Scope) -> ParamIr {
        let hint = format!("{base}{}", naming::type_name(&p.name));
        let (ty, style) = match (&p.schema, &p.content_type) {
            (Some(s), None) => {
                let value = self.spec.at(&s.pointer).unwrap_or(&NULL);
                (self.convert(&s.pointer, value, &hint, 0), p.style.into())
            }
            (Some(s), Some(media)) => {
                let value = self.spec.at(&s.pointer).unwrap_or(&NULL);
                if !is_json_media(media) {
                    self.warn(
                        &p.pointer,
                        format!("parameter content {media:?} is sent as JSON text"),
                    );
                }
                (self.convert(&s.pointer, value, &hint, 0), WireStyle::Json)
            }
            (None, _) => (Ty::Value, WireStyle::Json),
        };
        ParamIr {
            name: scope.claim(&naming::snake_name(&p.name)),
            wire: p.name.clone(),
            location: p.location,
            style,
            explode: p.explode,
            allow_reserved: p.allow_reserved,
            php_array: p.style == ParamStyle::DeepObject && matches!(ty, Ty::Array(_)),
            ty,
            doc: joined_doc(&[p.description.as_deref()]),
        }
    }

    /// The text a parameter's schema fixes: its `default`, or the value of a one-value enum.
    fn fixed_text(&self, p: &Parameter) -> Option<String> {
        let s = p.schema.as_ref()?;
        let schema = self.spec.at(&s.pointer)?;
        let (schema, _) = deref(&self.spec.document, schema, &s.pointer).ok()?;
        let one = schema
            .get("enum")
            .and_then(Value::as_array)
            .filter(|values| values.len() == 1)
            .and_then(|values| values.first());
        schema.get("default").or(one)?.as_str().map(str::to_string)
    }

    /// The path split into literals and parameters, and the path parameters as arguments in the
    /// order the path names them. A template variable and a declared parameter that match
    /// nothing are bound to each other when each is the only one left (OpenAI's
    /// `{certificate_id}` declared as `cert_id`), with a warning; otherwise each is a located
    /// error, an undeclared variable becomes a string argument and an unused parameter is left
    /// out, so the client never requests a literal `{name}` nor takes an argument it ignores.
    fn path(
        &mut self,
        op: &Operation,
        declared: Vec<ParamIr>,
        args: &mut Scope,
    ) -> (Vec<PathPart>, Vec<ParamIr>) {
        let segments = template_segments(&op.template);
        let bound = self.bind_path_names(op, &segments, &declared);
        let mut parts = Vec::new();
        let mut ordered: Vec<ParamIr> = Vec::new();
        for segment in segments {
            let var = match segment {
                Segment::Literal(text) => {
                    parts.push(PathPart {
                        literal: Some(text.to_string()),
                        param: None,
                    });
                    continue;
                }
                Segment::Var(var) => var,
            };
            // `/a/{id}/{id}`: one argument fills both places.
            if let Some(seen) = ordered.iter().find(|o| o.wire == var) {
                parts.push(PathPart {
                    literal: None,
                    param: Some(seen.name.clone()),
                });
                continue;
            }
            let found = match bound {
                Some((b, i)) if b == var => Some(i),
                _ => declared.iter().position(|p| p.wire == var),
            };
            let param = match found {
                Some(i) => ParamIr {
                    wire: var.to_string(),
                    ..declared[i].clone()
                },
                None => undeclared_path_param(var, args),
            };
            parts.push(PathPart {
                literal: None,
                param: Some(param.name.clone()),
            });
            ordered.push(param);
        }
        (parts, ordered)
    }

    /// Matches template variables and declared path parameters that do not match by name:
    /// one of each are bound (returned as the variable and the parameter's index), with a
    /// warning; anything else left over is a located error.
    fn bind_path_names<'p>(
        &mut self,
        op: &Operation,
        segments: &[Segment<'p>],
        declared: &[ParamIr],
    ) -> Option<(&'p str, usize)> {
        let mut unmatched: Vec<&str> = Vec::new();
        for s in segments {
            if let Segment::Var(v) = *s {
                if !declared.iter().any(|p| p.wire == v) && !unmatched.contains(&v) {
                    unmatched.push(v);
                }
            }
        }
        let unused: Vec<&ParamIr> = declared
            .iter()
            .filter(|p| !segments.contains(&Segment::Var(&p.wire)))
            .collect();
        if let ([var], [p]) = (unmatched.as_slice(), unused.as_slice()) {
            self.warn_kind(
                &self.param_pointer(op, &p.wire),
                Kind::UnusedPathParameter,
                Severity::Warning,
                format!(
                    "path parameter {:?} is not in the template {}; it is bound to {{{var}}}, the one undeclared variable",
                    p.wire, op.path
                ),
            );
            let index = declared.iter().position(|d| d.wire == p.wire)?;
            return Some((var, index));
        }
        for p in unused {
            self.warn_kind(
                &self.param_pointer(op, &p.wire),
                Kind::UnusedPathParameter,
                Severity::Error,
                format!(
                    "path parameter {:?} is not in the template {}; the method does not take it",
                    p.wire, op.path
                ),
            );
        }
        for var in unmatched {
            self.warn_kind(
                &op.pointer,
                Kind::UndeclaredPathParameter,
                Severity::Error,
                format!("path variable {{{var}}} is not declared; the method takes it as a string"),
            );
        }
        None
    }

    /// Where parameter `wire` of `op` is declared, for locating a finding.
    fn param_pointer(&self, op: &Operation, wire: &str) -> String {
        op.parameters
            .iter()
            .find(|p| p.location == ParamLocation::Path && p.name == wire)
            .map_or_else(|| op.pointer.clone(), |p| p.pointer.clone())
    }

    /// The body to send: JSON when the spec offers it, else a form, else raw bytes of the first
    /// media type (see [`crate::spec::media::to_send`]).
    fn request_body(&mut self, op: &Operation, base: &str) -> Option<BodyIr> {
        let rb = op.request_body.as_ref()?;
        let (encoding, media) = media::to_send(&rb.content)?;
        let kind = match encoding {
            media::Encoding::Json => BodyKind::Json,
            media::Encoding::Form => BodyKind::Form,
            media::Encoding::Raw => BodyKind::Bytes,
        };
        let ty = match (kind, &media.schema) {
            (BodyKind::Bytes, _) => {
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
            }
            (_, Some(s)) => {
                let value = self.spec.at(&s.pointer).unwrap_or(&NULL);
                self.convert(&s.pointer, value, &format!("{base}Body"), 0)
            }
            (_, None) => Ty::Value,
        };
        let content_type = if media.name.contains('*') {
            "application/octet-stream".to_string()
        } else {
            media.name.clone()
        };
        let encodings = if kind == BodyKind::Form {
            self.form_encodings(&media.pointer)
        } else {
            Vec::new()
        };
        Some(BodyIr {
            kind,
            content_type,
            ty,
            required: rb.required,
            doc: joined_doc(&[rb.description.as_deref()]),
            encodings,
        })
    }

    /// Every documented response: how its body is read and which side it falls on. `default`
    /// is a success only when nothing else is.
    fn responses(&mut self, op: &Operation, base: &str) -> Vec<RespIr> {
        let any_success = op.responses.iter().any(|r| is_success(&r.status));
        let mut out = Vec::new();
        for r in &op.responses {
            let (decode, ty) = match media::to_decode(&r.content) {
                Some((media::Encoding::Json, m)) => (
                    Decode::Json,
                    match &m.schema {
                        Some(s) => {
                            let value = self.spec.at(&s.pointer).unwrap_or(&NULL);
                            let hint = format!("{base}{}Body", status_name(&r.status));
                            self.convert(&s.pointer, value, &hint, 0)
                        }
                        None => Ty::Value,
                    },
                ),
                Some(_) => (Decode::Bytes, Ty::Bytes),
                None => (Decode::Empty, Ty::Value),
            };
            out.push(RespIr {
                status: r.status,
                decode,
                ty,
                doc: joined_doc(&[r.description.as_deref()]),
                success: is_success(&r.status) || (r.status == StatusKey::Default && !any_success),
                error: !is_success(&r.status),
                link: r.headers.iter().any(|h| h.eq_ignore_ascii_case("link")),
            });
        }
        out
    }

    pub(super) fn finish_op(&mut self, op: OpIr) -> OperationDef {
        let params_struct =
            (!op.optional.is_empty()).then(|| self.names.claim(&format!("{}Params", op.base)));
        let args: Vec<Param> = op.args.iter().map(|p| self.param_def(p)).collect();
        // Params structs are built like every other struct: `Default` then `with_*` setters.
        let mut setters = naming::Scope::default();
        let optional: Vec<Param> = op
            .optional
            .iter()
            .map(|p| Param {
                setter: Some(setters.claim(&naming::setter(&p.name))),
                ..self.param_def(p)
            })
            .collect();
        let body = op.body.as_ref().map(|b| BodyDef {
            kind: b.kind,
            content_type: b.content_type.clone(),
            ty: self.render(&b.ty, false),
            required: b.required,
            doc: b.doc.clone(),
            encodings: b.encodings.clone(),
        });
        // Success side.
        let successes: Vec<&RespIr> = op.responses.iter().filter(|r| r.success).collect();
        let mut distinct: Vec<String> = successes.iter().map(|r| self.body_ty(r)).collect();
        distinct.dedup();
        let success_enum = if distinct.len() > 1 {
            Some(self.status_enum(&format!("{}Success", op.base), &successes))
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
            Some(self.status_enum(&format!("{}Error", op.base), &errors))
        };
        let error_ty = error_enum
            .as_ref()
            .map_or("std::convert::Infallible".to_string(), |e| e.name.clone());
        let (arms, has_default) = self.arms(&op.responses, &success_enum, &error_enum);
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
            accept: op.accept,
            paging,
        }
    }

    /// A parameter as the templates see it: its owned type and the argument type it is taken
    /// as (borrowed where that reads better: `&str`, `&[T]`).
    fn param_def(&self, p: &ParamIr) -> Param {
        Param {
            name: p.name.clone(),
            wire: p.wire.clone(),
            location: p.location,
            style: p.style,
            explode: p.explode,
            allow_reserved: p.allow_reserved,
            ty: self.render(&p.ty, false),
            arg_ty: match &p.ty {
                Ty::String => "&str".to_string(),
                Ty::Array(inner) => format!("&[{}]", self.render(inner, false)),
                Ty::Int(_) | Ty::Float | Ty::Bool => self.render(&p.ty, false),
                other => format!("&{}", self.render(other, false)),
            },
            is_string: p.ty == Ty::String,
            doc: p.doc.clone(),
            php_array: p.php_array,
            setter: None,
        }
    }

    /// The response dispatch: exact codes, then ranges, then `default`, each response once per
    /// side; and whether a `default` arm catches the rest.
    fn arms(
        &self,
        responses: &[RespIr],
        success_enum: &Option<StatusEnum>,
        error_enum: &Option<StatusEnum>,
    ) -> (Vec<Arm>, bool) {
        let mut arms = Vec::new();
        let variant_of = |e: &Option<StatusEnum>, r: &RespIr| {
            e.as_ref().and_then(|e| {
                e.variants
                    .iter()
                    .find(|v| v.status == r.status.as_string())
                    .map(|v| v.name.clone())
            })
        };
        let mut sorted: Vec<&RespIr> = responses.iter().collect();
        sorted.sort_by_key(|r| match r.status {
            StatusKey::Code(c) => (0, c),
            StatusKey::Range(r) => (1, r),
            StatusKey::Default => (2, 0),
        });
        let mut has_default = false;
        for r in sorted {
            let (pattern, low, high) = match r.status {
                StatusKey::Code(c) => (ArmPattern::Code, c, c),
                StatusKey::Range(d) => (ArmPattern::Range, d * 100, d * 100 + 99),
                StatusKey::Default => (ArmPattern::Default, 0, 0),
            };
            let ty = self.body_ty(r);
            if r.status == StatusKey::Default && r.success {
                arms.push(Arm {
                    pattern: ArmPattern::Range,
                    low: 200,
                    high: 299,
                    ok: true,
                    variant: variant_of(success_enum, r),
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
                    variant: variant_of(error_enum, r),
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
                    variant_of(success_enum, r)
                } else {
                    variant_of(error_enum, r)
                },
                decode: r.decode,
                ty,
            });
        }
        (arms, has_default)
    }

    /// The non-default `encoding` entries of a form media type at `media_pointer`.
    fn form_encodings(&self, media_pointer: &str) -> Vec<FormEncoding> {
        let pointer = pointer_push(media_pointer, "encoding");
        let Some(entries) = self.spec.at(&pointer).and_then(Value::as_object) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (wire, encoding) in entries {
            // The loader (`openapiv3`) admits exactly these four styles for an encoding.
            let style = match encoding.get("style").and_then(Value::as_str) {
                Some("spaceDelimited") => WireStyle::SpaceDelimited,
                Some("pipeDelimited") => WireStyle::PipeDelimited,
                Some("deepObject") => WireStyle::DeepObject,
                _ => WireStyle::Form,
            };
            let explode = encoding
                .get("explode")
                .and_then(Value::as_bool)
                .unwrap_or(style == WireStyle::Form);
            if style != WireStyle::Form || !explode {
                out.push(FormEncoding {
                    wire: wire.clone(),
                    style,
                    explode,
                });
            }
        }
        out
    }

    /// An enum with one variant per response, named by status (`Ok`, `Unauthorized`).
    fn status_enum(&mut self, wanted: &str, responses: &[&RespIr]) -> StatusEnum {
        let mut scope = Scope::default();
        StatusEnum {
            name: self.names.claim(wanted),
            variants: responses
                .iter()
                .map(|r| StatusVariant {
                    name: scope.claim(&status_name(&r.status)),
                    ty: (r.decode != Decode::Empty).then(|| self.body_ty(r)),
                    status: r.status.as_string(),
                    doc: r.doc.clone(),
                })
                .collect(),
        }
    }

    /// The Rust type a response body decodes to.
    fn body_ty(&self, r: &RespIr) -> String {
        match r.decode {
            Decode::Json => self.render(&r.ty, false),
            Decode::Bytes => "bytes::Bytes".to_string(),
            Decode::Empty => "()".to_string(),
        }
    }
}

#[derive(Debug, Clone)]
pub(super) struct ParamIr {
    name: String,
    pub(super) wire: String,
    pub(super) location: ParamLocation,
    style: WireStyle,
    explode: bool,
    allow_reserved: bool,
    pub(super) ty: Ty,
    doc: Option<String>,
    php_array: bool,
}

/// An operation's parameters by role, after the ignored headers are taken out.
#[derive(Debug, Default)]
struct ParamsIr {
    path: Vec<ParamIr>,
    required: Vec<ParamIr>,
    optional: Vec<ParamIr>,
    /// The `Accept` value a declared `Accept` header fixes.
    accept: Option<String>,
}

#[derive(Debug, Clone)]
pub(super) struct RespIr {
    status: StatusKey,
    pub(super) decode: Decode,
    pub(super) ty: Ty,
    doc: Option<String>,
    success: bool,
    error: bool,
    /// Whether the response documents a `Link` header (paging by `rel="next"`).
    pub(super) link: bool,
}

/// A request body before its type is rendered.
#[derive(Debug, Clone)]
pub(super) struct BodyIr {
    kind: BodyKind,
    content_type: String,
    pub(super) ty: Ty,
    required: bool,
    doc: Option<String>,
    encodings: Vec<FormEncoding>,
}

#[derive(Debug, Clone)]
pub(super) struct OpIr {
    id: String,
    method_name: String,
    base: String,
    path: String,
    path_parts: Vec<PathPart>,
    doc: Option<String>,
    deprecated: bool,
    args: Vec<ParamIr>,
    accept: Option<String>,
    pub(super) body: Option<BodyIr>,
    schemes: Vec<String>,
    responses: Vec<RespIr>,
    pub(super) http_method: String,
    pub(super) optional: Vec<ParamIr>,
    pub(super) paging_name: String,
    /// The private response decoder a `Link`-paged stream reuses for the pages after the
    /// first; claimed only for `GET`s whose success response documents `Link`.
    pub(super) decode_name: Option<String>,
    documents_link: bool,
}

impl OpIr {
    /// Claims the names of the paging stream and of the `Link` decoder, after every operation
    /// has its own name, so a stream never takes the name of an operation (EspoCRM has both
    /// `getAccount` and `getAccountStream`).
    pub(super) fn claim_paging_names(&mut self, methods: &mut Scope) {
        let base = naming::bare(&self.method_name).to_string();
        self.paging_name = methods.claim(&format!("{base}_stream"));
        if self.documents_link {
            self.decode_name = Some(methods.claim(&format!("{base}_response")));
        }
    }
}

/// Request headers OpenAPI reserves: parameters with these names SHALL be ignored.
fn is_ignored_header(name: &str) -> bool {
    ["accept", "content-type", "authorization"]
        .iter()
        .any(|h| name.eq_ignore_ascii_case(h))
}

/// A piece of a path template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Segment<'a> {
    Literal(&'a str),
    Var(&'a str),
}

/// `/files/{name}.{ext}` as literals and variables, read from the template the spec model
/// parsed once (an unclosed `{` is literal text there).
fn template_segments(template: &PathTemplate) -> Vec<Segment<'_>> {
    template
        .pieces()
        .iter()
        .map(|p| match p {
            Piece::Literal(text) => Segment::Literal(text),
            Piece::Var(v) => Segment::Var(&v.name),
        })
        .collect()
}

/// A string argument for a template variable no parameter declares.
fn undeclared_path_param(var: &str, args: &mut Scope) -> ParamIr {
    ParamIr {
        name: args.claim(&naming::snake_name(var)),
        wire: var.to_string(),
        location: ParamLocation::Path,
        style: WireStyle::Simple,
        explode: false,
        allow_reserved: false,
        ty: Ty::String,
        doc: None,
        php_array: false,
    }
}
