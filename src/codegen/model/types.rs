//! Schemas → Rust types: conversion, recursion breaking, and the emitted type definitions.
//!
//! Every component schema already has an id and a name (see [`super::build`]); conversion
//! follows `$ref`s to those names, creates `Parent` + `Field` types for inline schemas that need
//! one, and falls back to `serde_json::Value` with a located warning for what Rust cannot express.

use super::*;

impl<'a> Builder<'a> {
    /// Follows `$ref`s; `None` (after a warning) when a reference cannot be followed.
    pub(super) fn resolve(
        &mut self,
        pointer: &str,
        value: &'a Value,
    ) -> Option<(String, &'a Value)> {
        let mut pointer = pointer.to_string();
        let mut value = value;
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
                return Some((target, next));
            }
            pointer = target;
            value = next;
        }
        Some((pointer, value))
    }

    /// Whether a schema is nullable (`nullable`, `type: [.., "null"]`, `null` in its enum, or a
    /// `{type: null}` alternative), following references.
    pub(super) fn nullable(&mut self, pointer: &str, value: &'a Value) -> bool {
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
    pub(super) fn convert(
        &mut self,
        pointer: &str,
        value: &'a Value,
        hint: &str,
        depth: usize,
    ) -> Ty {
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
            return self.convert(&target, target_value, &hint, depth + 1);
        }
        if depth > MAX_DEPTH || self.visiting.iter().any(|p| p == pointer) {
            self.warn(
                pointer,
                "schema nests too deeply or refers to itself without a name; the generated type is serde_json::Value".to_string(),
            );
            return Ty::Value;
        }
        if self.needs_def(value) {
            // Identical inline enums share one type. An enum refers to nothing, so the same
            // text always means the same type.
            let enum_key = self.enum_kind(value).map(|_| value.to_string());
            if let Some(&id) = enum_key.as_ref().and_then(|k| self.inline_enums.get(k)) {
                self.by_pointer.insert(pointer.to_string(), id);
                return Ty::Named(id);
            }
            let id = self.new_def(hint, doc_of(value));
            if let Some(key) = enum_key {
                self.inline_enums.insert(key, id);
            }
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
    pub(super) fn needs_def(&self, value: &Value) -> bool {
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
    pub(super) fn enum_kind(&self, value: &Value) -> Option<bool> {
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
    pub(super) fn body_of(
        &mut self,
        pointer: &str,
        value: &'a Value,
        name: &str,
        depth: usize,
    ) -> Body {
        if value.get("$ref").is_some() || !self.needs_def(value) {
            self.visiting.push(pointer.to_string());
            let ty = if value.get("$ref").is_some() {
                match self.resolve(pointer, value) {
                    Some((target, v)) if target != pointer => {
                        self.convert(&target, v, name, depth + 1)
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

    pub(super) fn union(
        &mut self,
        pointer: &str,
        value: &'a Value,
        key: &str,
        items: &[(usize, &'a Value)],
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
    pub(super) fn collect_props(
        &mut self,
        pointer: &str,
        value: &'a Value,
        props: &mut Vec<(String, String, &'a Value)>,
        required: &mut BTreeSet<String>,
        additional: &mut Option<(String, &'a Value)>,
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
                if matches!(schema_type(v), Some(t) if t != "object")
                    || v.get("oneOf").is_some()
                    || v.get("anyOf").is_some()
                {
                    ok = false;
                    continue;
                }
                ok &= self.collect_props(&p, v, props, required, additional, depth + 1);
            }
        }
        if let Some(p) = value.get("properties").and_then(Value::as_object) {
            for (key, schema) in p {
                let prop_pointer = pointer_push(&pointer_push(pointer, "properties"), key);
                let Some(i) = props.iter().position(|(k, _, _)| k == key) else {
                    props.push((key.clone(), prop_pointer, schema));
                    continue;
                };
                // A later declaration that only refines the first (a description, an enum)
                // keeps the first; one whose type differs makes the field a loose value.
                let (_, first_pointer, first) = props[i].clone();
                if std::ptr::eq(first, &TRUE) {
                    continue;
                }
                if let Some((a, b)) = self.conflict(&first_pointer, first, &prop_pointer, schema) {
                    self.warn(
                        &prop_pointer,
                        format!("property `{key}` is declared as {a} and, here, as {b} (allOf members conflict); no value is both, so the field is serde_json::Value"),
                    );
                    props[i] = (key.clone(), prop_pointer, &TRUE);
                }
            }
        }
        if let Some(r) = value.get("required").and_then(Value::as_array) {
            required.extend(r.iter().filter_map(Value::as_str).map(str::to_string));
        }
        match value.get("additionalProperties") {
            Some(Value::Bool(true)) => {
                additional.get_or_insert((String::new(), &TRUE));
            }
            Some(v @ Value::Object(_)) => {
                *additional = Some((pointer_push(pointer, "additionalProperties"), v));
            }
            _ => {}
        }
        ok
    }

    /// The two descriptions when property schemas `a` and `b` cannot both hold: different
    /// JSON types (`string` and `integer`, an object and an array). `None` when one refines the
    /// other or says nothing about the type. Two object schemas never conflict: a value can
    /// satisfy both, and a derived schema naming a richer object than its base (PeerTube's
    /// `VideoDetails.account`) is inheritance, not a contradiction; the first is kept.
    fn conflict(
        &mut self,
        a_pointer: &str,
        a: &'a Value,
        b_pointer: &str,
        b: &'a Value,
    ) -> Option<(String, String)> {
        let a = self.shape_of(a_pointer, a)?;
        let b = self.shape_of(b_pointer, b)?;
        let object = |s: &str| s == "object" || s.starts_with("a $ref to ");
        let numbers = |s: &str| s == "integer" || s == "number";
        if a == b || (numbers(&a) && numbers(&b)) || (object(&a) && object(&b)) {
            return None;
        }
        Some((a, b))
    }

    /// How a property schema is described in a conflict: its JSON type, or the named schema
    /// its `$ref` points at when that is an object.
    fn shape_of(&mut self, pointer: &str, value: &'a Value) -> Option<String> {
        if value.get("$ref").is_some() {
            let (target, resolved) = self.resolve(pointer, value)?;
            return match schema_type(resolved) {
                Some(t) if t != "object" => Some(t.to_string()),
                _ => Some(format!("a $ref to {target}")),
            };
        }
        schema_type(value).map(str::to_string)
    }

    pub(super) fn object(
        &mut self,
        pointer: &str,
        value: &'a Value,
        name: &str,
        depth: usize,
    ) -> Body {
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
            let ty = if std::ptr::eq(schema, &TRUE) {
                Ty::Value
            } else {
                self.convert(&prop_pointer, schema, &hint, depth + 1)
            };
            let nullable = self.nullable(&prop_pointer, schema);
            let mut doc = doc_of(schema);
            // String formats stay `String` everywhere (no date or UUID crate in the client's
            // dependencies); the doc says which format the value carries.
            if ty == Ty::String {
                let format = self
                    .resolve(&prop_pointer, schema)
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
            if *v == Value::Bool(true) {
                Ty::Value
            } else {
                self.convert(&p, v, &format!("{name}Value"), depth + 1)
            }
        });
        Body::Struct { fields, additional }
    }

    /// A type that needs no definition of its own.
    pub(super) fn plain(
        &mut self,
        pointer: &str,
        value: &'a Value,
        hint: &str,
        depth: usize,
    ) -> Ty {
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

    /// serde tries untagged variants in order and takes the first that decodes, so a struct
    /// with few required fields listed first would swallow every object. Variants are ordered
    /// most constrained first: structs by descending number of required fields, then other
    /// types, then the catch-alls (`Value`, free-form objects); ties keep the spec's order.
    pub(super) fn order_untagged_variants(&mut self) {
        for id in 0..self.defs.len() {
            let Body::Union {
                variants,
                tag: None,
            } = &self.defs[id].body
            else {
                continue;
            };
            let rank = |ty: &Ty| -> (u8, i64) {
                match ty {
                    Ty::Named(n) => match &self.defs[*n].body {
                        Body::Struct { fields, .. } => {
                            let required = fields.iter().filter(|f| f.required).count();
                            (0, -(required as i64))
                        }
                        Body::Alias {
                            ty: Ty::Value | Ty::Object,
                            ..
                        } => (2, 0),
                        _ => (1, 0),
                    },
                    Ty::Value | Ty::Object => (2, 0),
                    _ => (1, 0),
                }
            };
            let mut ranked: Vec<((u8, i64), VariantIr)> =
                variants.iter().map(|v| (rank(&v.ty), v.clone())).collect();
            ranked.sort_by_key(|(r, _)| *r);
            if let Body::Union { variants, .. } = &mut self.defs[id].body {
                *variants = ranked.into_iter().map(|(_, v)| v).collect();
            }
        }
    }

    /// Every named type a definition mentions, and whether the mention is inline (no `Vec` or
    /// map in between, so it needs a `Box` in a cycle).
    pub(super) fn edges(&self, id: usize) -> Vec<(usize, bool)> {
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
    pub(super) fn fix_alias_cycles(&mut self) {
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
    pub(super) fn box_back_edges(&mut self) {
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
                    mark_boxed(fields.iter_mut().map(|f| (&f.ty, &mut f.boxed)), edge_index)
                }
                Body::Union { variants, .. } => mark_boxed(
                    variants.iter_mut().map(|v| (&v.ty, &mut v.boxed)),
                    edge_index,
                ),
                Body::Alias { boxed, .. } => *boxed = true,
                _ => {}
            }
        }
    }

    /// Definitions reachable from request bodies: where absent and `null` differ for optional
    /// nullable fields (a PATCH that clears a value vs one that leaves it alone).
    pub(super) fn request_reachable(&self, ops: &[OpIr]) -> BTreeSet<usize> {
        let mut stack: Vec<usize> = Vec::new();
        for op in ops {
            if let Some(body) = &op.body {
                collect_named(&body.ty, &mut stack);
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
    pub(super) fn render(&self, ty: &Ty, boxed: bool) -> String {
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

    pub(super) fn type_def(&self, id: usize, in_request: bool) -> TypeDef {
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
                            let presence = Presence::of(f.required, f.nullable, in_request);
                            let ty = presence.wrap(ty);
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
pub(super) fn substantive(member: &Value) -> bool {
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
pub(super) type Frame = (usize, Vec<(usize, bool)>, usize);

/// Boxes the member whose by-value mention of a named type is edge `edge_index` in
/// [`Builder::edges`] order (each member contributes one edge per named type it mentions).
fn mark_boxed<'t>(members: impl Iterator<Item = (&'t Ty, &'t mut bool)>, edge_index: usize) {
    let mut k = 0;
    for (ty, boxed) in members {
        if named_at_top(ty) && k == edge_index {
            *boxed = true;
        }
        k += count_named(ty);
    }
}

pub(super) fn named_at_top(ty: &Ty) -> bool {
    matches!(ty, Ty::Named(_))
}

pub(super) fn count_named(ty: &Ty) -> usize {
    match ty {
        Ty::Named(_) => 1,
        Ty::Array(t) | Ty::Map(t) => count_named(t),
        _ => 0,
    }
}

pub(super) fn collect_named(ty: &Ty, out: &mut Vec<usize>) {
    match ty {
        Ty::Named(n) => out.push(*n),
        Ty::Array(t) | Ty::Map(t) => collect_named(t, out),
        _ => {}
    }
}
