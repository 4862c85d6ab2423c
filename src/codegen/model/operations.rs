//! Operations → client methods: servers, credentials, parameters, bodies, responses by
//! status, and the paging helpers.

use super::*;
use crate::spec::path_template::Piece;

impl<'a> Builder<'a> {
    pub(super) fn client(&mut self) -> ClientDef {
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

    pub(super) fn operation(&mut self, op: &Operation, methods: &mut Scope) -> OpIr {
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
                    let value = self.spec.at(&s.pointer).unwrap_or(&NULL);
                    (self.convert(&s.pointer, value, &hint, 0), p.style.as_str())
                }
                (Some(s), Some(media)) => {
                    let value = self.spec.at(&s.pointer).unwrap_or(&NULL);
                    if !is_json_media(media) {
                        self.warn(
                            &p.pointer,
                            format!("parameter content {media:?} is sent as JSON text"),
                        );
                    }
                    (self.convert(&s.pointer, value, &hint, 0), "json")
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
        let mut ordered_path = Vec::new();
        for piece in op.template.pieces() {
            let var = match piece {
                Piece::Literal(text) => {
                    path_parts.push(PathPart {
                        literal: Some(text.clone()),
                        param: None,
                    });
                    continue;
                }
                Piece::Var(var) => var.name.as_str(),
            };
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
                        literal: Some(format!("{{{var}}}")),
                        param: None,
                    });
                }
            }
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
                        let value = self.spec.at(&s.pointer).unwrap_or(&NULL);
                        self.convert(&s.pointer, value, &format!("{base}Body"), 0)
                    }
                    None => Ty::Value,
                }
            };
            let content_type = if media.name.contains('*') {
                "application/octet-stream".to_string()
            } else {
                media.name.clone()
            };
            let encodings = if kind == "form" {
                self.form_encodings(&media.pointer)
            } else {
                Vec::new()
            };
            Some((
                kind,
                content_type,
                ty,
                rb.required,
                joined_doc(&[rb.description.as_deref()]),
                encodings,
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
                            let value = self.spec.at(&s.pointer).unwrap_or(&NULL);
                            let hint = format!("{base}{}Body", status_name(&r.status));
                            self.convert(&s.pointer, value, &hint, 0)
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

    pub(super) fn finish_op(&mut self, op: OpIr) -> OperationDef {
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
            .map(|(kind, ct, ty, required, doc, encodings)| BodyDef {
                kind,
                content_type: ct.clone(),
                ty: self.render(ty, false),
                required: *required,
                doc: doc.clone(),
                encodings: encodings.clone(),
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
            let ty = self.body_ty(r);
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

    /// An enum with one variant per response, named by status (`Ok`, `Unauthorized`).
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
                Some("spaceDelimited") => "spaceDelimited",
                Some("pipeDelimited") => "pipeDelimited",
                Some("deepObject") => "deepObject",
                _ => "form",
            };
            let explode = encoding
                .get("explode")
                .and_then(Value::as_bool)
                .unwrap_or(style == "form");
            if style != "form" || !explode {
                out.push(FormEncoding {
                    wire: wire.clone(),
                    style,
                    explode,
                });
            }
        }
        out
    }

    fn status_enum(&mut self, wanted: &str, responses: &[&RespIr]) -> StatusEnum {
        let mut scope = Scope::default();
        StatusEnum {
            name: self.names.claim(wanted),
            variants: responses
                .iter()
                .map(|r| StatusVariant {
                    name: scope.claim(&status_name(&r.status)),
                    ty: (r.decode != "empty").then(|| self.body_ty(r)),
                    status: r.status.as_string(),
                    doc: r.doc.clone(),
                })
                .collect(),
        }
    }

    /// The Rust type a response body decodes to.
    fn body_ty(&self, r: &RespIr) -> String {
        match r.decode {
            "json" => self.render(&r.ty, false),
            "bytes" => "bytes::Bytes".to_string(),
            _ => "()".to_string(),
        }
    }

    /// The page-walking helper, when the operation's shape makes it obvious: an optional integer
    /// `page` parameter and a `hasNextPage`-style flag (V4 Marketing), or an optional integer
    /// `offset` parameter and a `total` (EspoCRM); either with one array field of items.
    pub(super) fn paging(
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
}

#[derive(Debug, Clone)]
pub(super) struct ParamIr {
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
pub(super) struct RespIr {
    status: StatusKey,
    decode: &'static str,
    ty: Ty,
    doc: Option<String>,
    success: bool,
    error: bool,
}

/// Kind, media type, type, required, doc and form encodings of a request body.
pub(super) type BodyIr = (
    &'static str,
    String,
    Ty,
    bool,
    Option<String>,
    Vec<FormEncoding>,
);

#[derive(Debug, Clone)]
pub(super) struct OpIr {
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
    pub(super) body: Option<BodyIr>,
    schemes: Vec<String>,
    responses: Vec<RespIr>,
    paging_name: String,
}
