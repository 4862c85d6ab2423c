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
        if let Some(r) = value.get("$ref").filter(|r| !r.is_string()) {
            let message =
                format!("`$ref` is {r}, not a string; the generated type is serde_json::Value");
            self.warn(&pointer_push(pointer, "$ref"), message);
            return Ty::Value;
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
        if self.refused(pointer, value) {
            return Ty::Value;
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
            if let Some(key) = &enum_key {
                if let Some(id) = self.share_enum(key, pointer) {
                    self.by_pointer.insert(pointer.to_string(), id);
                    return Ty::Named(id);
                }
            }
            let hint = container_hint(pointer).unwrap_or_else(|| hint.to_string());
            let id = self.new_def(&hint, doc_of(value));
            if let Some(key) = enum_key {
                let first = pointer.to_string();
                self.inline_enums.insert(
                    key,
                    InlineEnum {
                        id,
                        first,
                        renamed: false,
                    },
                );
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

    /// Whether the schema uses a construct no Rust type expresses ([`unsupported`]); if so, a
    /// warning at that keyword says the type is `serde_json::Value`.
    fn refused(&mut self, pointer: &str, value: &Value) -> bool {
        let Some((keyword, what)) = unsupported(value) else {
            return false;
        };
        let message = format!(
            "{what} cannot be expressed as a Rust type; the generated type is serde_json::Value"
        );
        self.warn(&pointer_push(pointer, keyword), message);
        true
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
        if is_int_or_string(value) || self.allof_primitive(value).is_some() {
            return false;
        }
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
        let values: Vec<&Value> = listed_values(value)?
            .into_iter()
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
        if self.refused(pointer, value) {
            return Body::Alias {
                ty: Ty::Value,
                boxed: false,
                newtype: false,
            };
        }
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
                for v in listed_values(value).into_iter().flatten() {
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
                for v in listed_values(value).into_iter().flatten() {
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

    /// `oneOf`/`anyOf` with at least two non-null alternatives. Every variant records the
    /// properties it pins to one value; a `discriminator` makes the union tagged when every
    /// variant has a tag (see [`Builder::discriminate`]).
    pub(super) fn union(
        &mut self,
        pointer: &str,
        value: &'a Value,
        key: &str,
        items: &[(usize, &'a Value)],
        name: &str,
        depth: usize,
    ) -> Body {
        let mut scope = Scope::with_reserved(UNION_RESERVED);
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
            let pins = self
                .tag_values(item, 0)
                .into_iter()
                .filter_map(|(key, values)| match <[String; 1]>::try_from(values) {
                    Ok([value]) => Some(Pin { key, value }),
                    Err(_) => None,
                })
                .collect();
            variants.push(VariantIr {
                name: wanted,
                ty,
                boxed: false,
                tags: Vec::new(),
                pins,
            });
            targets.push(target);
        }
        let wanted: Vec<String> = variants.iter().map(|v| v.name.clone()).collect();
        for (variant, short) in variants.iter_mut().zip(short_variant_names(name, &wanted)) {
            variant.name = scope.claim(&short);
        }
        let property = value
            .get("discriminator")
            .and_then(|d| d.get("propertyName"))
            .and_then(Value::as_str);
        let tag = match property {
            Some(property) => {
                self.discriminate(pointer, value, property, items, &mut variants, &targets)
            }
            None => None,
        };
        Body::Union { variants, tag }
    }

    /// Gives every variant of a discriminated union its tag values, in this order: the keys the
    /// `mapping` gives its `$ref`; else the values its schema allows for the property (a
    /// one-value `enum` or `const`, as OpenAI's `OutputItem` variants pin `type`); else, for a
    /// `$ref` that pins nothing, its component name (OpenAPI's implicit mapping). A tag value is
    /// kept by the first variant that claims it. Returns the property when every variant has a
    /// tag; otherwise the union is decoded untagged, with a warning.
    fn discriminate(
        &mut self,
        pointer: &str,
        value: &'a Value,
        property: &str,
        items: &[(usize, &'a Value)],
        variants: &mut [VariantIr],
        targets: &[Option<String>],
    ) -> Option<String> {
        let mapping = mapping_of(value);
        let mut claimed: BTreeSet<String> = BTreeSet::new();
        let mut renamed = Vec::new();
        let mut untagged = Vec::new();
        for ((variant, target), (_, item)) in variants.iter_mut().zip(targets).zip(items) {
            let mapped: Vec<String> = mapping
                .iter()
                .filter(|(_, p)| Some(p) == target.as_ref())
                .map(|(k, _)| k.clone())
                .collect();
            let allowed = self
                .tag_values(item, 0)
                .into_iter()
                .find(|(k, _)| k == property)
                .map(|(_, v)| v)
                .unwrap_or_default();
            let implicit = target
                .as_ref()
                .and_then(|t| pointer_segments(t).last().cloned());
            let tags = match (mapped.is_empty(), allowed.is_empty(), implicit) {
                (false, _, _) => mapped,
                (true, false, Some(name)) if !allowed.contains(&name) => {
                    renamed.push(format!("{} (`{}`)", variant.name, allowed.join("`, `")));
                    allowed
                }
                (true, false, _) => allowed,
                (true, true, Some(name)) => vec![name],
                (true, true, None) => Vec::new(),
            };
            variant.tags = tags
                .into_iter()
                .filter(|t| claimed.insert(t.clone()))
                .collect();
            if variant.tags.is_empty() {
                untagged.push(variant.name.clone());
            }
        }
        if !renamed.is_empty() {
            self.warn(
                pointer,
                format!("discriminator `{property}` has no mapping for variants whose schemas do not allow their component names as `{property}`; they are selected by the values they allow instead: {}", renamed.join(", ")),
            );
        }
        if untagged.is_empty() {
            return Some(property.to_string());
        }
        self.warn(
            pointer,
            format!("discriminator `{property}` leaves {} without a tag of its own (none is given, or an earlier variant takes the same value); the union is decoded untagged, by pinned values and known keys", untagged.join(", ")),
        );
        None
    }

    /// The string values an object schema allows for each of its properties that has a `const`
    /// or a string `enum`, through `$ref`s and `allOf` members, first declaration first.
    fn tag_values(&self, schema: &'a Value, depth: usize) -> Vec<(String, Vec<String>)> {
        let schema = self.peek(schema);
        let mut out: Vec<(String, Vec<String>)> = Vec::new();
        if depth > 8 {
            return out;
        }
        for member in schema
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            for (key, values) in self.tag_values(member, depth + 1) {
                if !out.iter().any(|(k, _)| *k == key) {
                    out.push((key, values));
                }
            }
        }
        let props = schema.get("properties").and_then(Value::as_object);
        for (key, prop) in props.into_iter().flatten() {
            let values = self.allowed_strings(prop);
            if !values.is_empty() && !out.iter().any(|(k, _)| k == key) {
                out.push((key.clone(), values));
            }
        }
        out
    }

    /// The strings a property schema allows when it lists them: `const`, or an `enum` of
    /// strings (`null` aside), through `$ref`s and a one-member `allOf`.
    fn allowed_strings(&self, schema: &'a Value) -> Vec<String> {
        let mut schema = self.peek(schema);
        if let Some([member]) = schema
            .get("allOf")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
        {
            schema = self.peek(member);
        }
        if let Some(c) = schema.get("const") {
            return c.as_str().map(str::to_string).into_iter().collect();
        }
        let values: Vec<&Value> = schema
            .get("enum")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|v| !v.is_null())
            .collect();
        if values.iter().all(|v| v.is_string()) {
            values
                .iter()
                .filter_map(|v| v.as_str())
                .map(str::to_string)
                .collect()
        } else {
            Vec::new()
        }
    }

    /// Follows `$ref`s without warnings (conversion warns about broken ones where it meets
    /// them); a broken reference reads as the schema that holds it.
    fn peek(&self, mut value: &'a Value) -> &'a Value {
        for _ in 0..32 {
            let Some(r) = value.get("$ref").and_then(Value::as_str) else {
                break;
            };
            match ref_pointer(r).ok().and_then(|p| self.spec.at(&p)) {
                Some(next) => value = next,
                None => break,
            }
        }
        value
    }

    /// The index of the `allOf` member that stands for the whole when every member that
    /// constrains the shape is one primitive type (or an enum of it): a `$ref` if there is one,
    /// else the first. `None` for anything else, objects included.
    pub(super) fn allof_primitive(&self, value: &'a Value) -> Option<usize> {
        if value.get("properties").is_some() {
            return None;
        }
        let members: Vec<(usize, &Value)> = value
            .get("allOf")?
            .as_array()?
            .iter()
            .enumerate()
            .filter(|(_, m)| substantive(m))
            .collect();
        if members.len() < 2 {
            return None;
        }
        let kinds = members
            .iter()
            .map(|(_, m)| primitive_type(self.peek(m)))
            .collect::<Option<Vec<&str>>>()?;
        if kinds.iter().any(|k| *k != kinds[0]) {
            return None;
        }
        let by_ref = members.iter().find(|(_, m)| m.get("$ref").is_some());
        by_ref.or(members.first()).map(|(i, _)| *i)
    }

    /// The module's one `IntOrString` union (Kubernetes `int-or-string`), made on first use.
    fn int_or_string(&mut self) -> Ty {
        if let Some(id) = self.int_or_string {
            return Ty::Named(id);
        }
        let doc = "An integer or a string (`int-or-string`), as Kubernetes writes counts and percentages.";
        let id = self.new_def("IntOrString", Some(doc.to_string()));
        let variant = |name: &str, ty: Ty| VariantIr {
            name: name.to_string(),
            ty,
            boxed: false,
            tags: Vec::new(),
            pins: Vec::new(),
        };
        self.defs[id].body = Body::Union {
            variants: vec![
                variant("Integer", Ty::Int("i64")),
                variant("String", Ty::String),
            ],
            tag: None,
        };
        self.int_or_string = Some(id);
        Ty::Named(id)
    }

    /// The type of an inline enum already met with the same text, if any. When it is met a
    /// second time under the same property name, the type is renamed after that property
    /// alone (`Order`, not `ListAssistantsOrder` for `ListFilesParams.order`) if that name is
    /// free, so a shared type does not carry one operation's name.
    fn share_enum(&mut self, key: &str, pointer: &str) -> Option<usize> {
        let shared = self.inline_enums.get(key)?;
        let id = shared.id;
        if shared.renamed {
            return Some(id);
        }
        let first = property_name(self.spec, &shared.first);
        let here = property_name(self.spec, pointer);
        if let (Some(first), Some(here)) = (first, here) {
            let wanted = naming::type_name(&here);
            if first == here && !self.names.contains(&wanted) && self.defs[id].name != wanted {
                self.defs[id].name = self.names.claim(&wanted);
            }
        }
        if let Some(shared) = self.inline_enums.get_mut(key) {
            shared.renamed = true;
        }
        Some(id)
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
            let mut doc = wrapped_doc(schema);
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

    /// A type that needs no definition of its own: what Rust cannot express, then wrappers of
    /// one member, then the JSON type.
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
        if is_int_or_string(value) {
            return self.int_or_string();
        }
        if let Some(ty) = self.one_member(pointer, value, hint, depth) {
            return ty;
        }
        if let Some(ty) = const_type(value) {
            return ty;
        }
        if let Some(ty) = self.mixed_types(pointer, value) {
            return ty;
        }
        match schema_type(value) {
            Some("string") => Ty::String,
            Some("integer") => match value.get("format").and_then(Value::as_str) {
                Some("int32") => Ty::Int("i32"),
                _ => Ty::Int("i64"),
            },
            Some("number") => Ty::Float,
            Some("boolean") => Ty::Bool,
            Some("array") => self.array(pointer, value, hint, depth),
            Some("object") | None => self.map_or_object(pointer, value, hint, depth),
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

    /// A composition that stands for one member: `allOf` of one primitive (a `$ref` plus a
    /// description, Plaid's `user_id`; the `$ref` member is preferred, so a named enum stays
    /// named), or a single meaningful `allOf`/`oneOf`/`anyOf` member. `Value` for a composition
    /// whose members all drop out (only `null`s, or only descriptions).
    fn one_member(
        &mut self,
        pointer: &str,
        value: &'a Value,
        hint: &str,
        depth: usize,
    ) -> Option<Ty> {
        if let Some(i) = self.allof_primitive(value) {
            let p = format!("{}/{i}", pointer_push(pointer, "allOf"));
            return Some(self.convert(&p, &value["allOf"][i], hint, depth + 1));
        }
        for key in ["allOf", "oneOf", "anyOf"] {
            let Some(all) = value.get(key).and_then(Value::as_array) else {
                continue;
            };
            let items: Vec<(usize, &Value)> = all
                .iter()
                .enumerate()
                .filter(|(_, i)| i.get("type").and_then(Value::as_str) != Some("null"))
                .filter(|(_, i)| key != "allOf" || substantive(i))
                .collect();
            if let [(i, item)] = items.as_slice() {
                let p = format!("{}/{i}", pointer_push(pointer, key));
                return Some(self.convert(&p, item, hint, depth + 1));
            }
            if items.is_empty() && !all.is_empty() {
                return Some(Ty::Value);
            }
        }
        None
    }

    /// `Value`, with a warning, for an enum of mixed value types or a schema with several
    /// non-null types: no one Rust type holds them.
    fn mixed_types(&mut self, pointer: &str, value: &Value) -> Option<Ty> {
        if value.get("enum").is_some()
            && value.get("type").is_none()
            && self.enum_kind(value).is_none()
        {
            self.warn(
                pointer,
                "an enum of mixed value types cannot be a Rust enum; the generated type is serde_json::Value".to_string(),
            );
            return Some(Ty::Value);
        }
        if let Some(Value::Array(types)) = value.get("type") {
            let non_null = types.iter().filter(|t| *t != "null").count();
            if non_null > 1 {
                self.warn(
                    pointer,
                    "a schema with several types cannot be expressed as one Rust type; the generated type is serde_json::Value".to_string(),
                );
                return Some(Ty::Value);
            }
        }
        None
    }

    /// `Vec` of the `items` type, or of the one type uniform `prefixItems` share (mixed ones are
    /// refused by [`unsupported`]).
    fn array(&mut self, pointer: &str, value: &'a Value, hint: &str, depth: usize) -> Ty {
        let item_hint = format!("{hint}Item");
        let (p, items) = match (
            value.get("items"),
            value.get("prefixItems").and_then(|p| p.get(0)),
        ) {
            (Some(items), _) => (pointer_push(pointer, "items"), items),
            (None, Some(first)) => (
                pointer_push(&pointer_push(pointer, "prefixItems"), "0"),
                first,
            ),
            (None, None) => return Ty::Array(Box::new(Ty::Value)),
        };
        Ty::Array(Box::new(self.convert(&p, items, &item_hint, depth + 1)))
    }

    /// An object schema without a struct of its own: a map of its `additionalProperties` type,
    /// a free-form object, or (no type at all) any value.
    fn map_or_object(&mut self, pointer: &str, value: &'a Value, hint: &str, depth: usize) -> Ty {
        let has_props = matches!(value.get("properties"), Some(Value::Object(p)) if !p.is_empty());
        match value.get("additionalProperties") {
            Some(ap @ Value::Object(m)) if !m.is_empty() && !has_props => {
                let p = pointer_push(pointer, "additionalProperties");
                let ty = self.convert(&p, ap, &format!("{hint}Value"), depth + 1);
                Ty::Map(Box::new(ty))
            }
            _ if schema_type(value) == Some("object") || has_props => Ty::Object,
            _ => Ty::Value,
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

    /// An untagged union decodes by the selection rule (pins, then most known keys, then
    /// order) when pins or two object variants can change the outcome; otherwise serde's first
    /// match gives the same answer. Keys are listed only where two object variants compete.
    fn union_shape(&self, id: usize, variants: &[VariantIr], tag: &Option<String>) -> Shape {
        let keys: Vec<Vec<String>> = variants
            .iter()
            .map(|v| self.documented_keys(&v.ty))
            .collect();
        let objects = keys.iter().filter(|k| !k.is_empty()).count();
        let pinned = variants.iter().any(|v| !v.pins.is_empty());
        let froms = self.union_froms(id, variants, tag.is_some());
        Shape::Union {
            from_str: self.str_variant(variants, &froms),
            variants: variants
                .iter()
                .zip(keys)
                .zip(froms)
                .map(|((v, keys), from)| UnionVariant {
                    name: v.name.clone(),
                    ty: self.render(&v.ty, v.boxed),
                    tags: v.tags.clone(),
                    pins: v.pins.clone(),
                    keys: if objects >= 2 { keys } else { Vec::new() },
                    from,
                    boxed: v.boxed,
                })
                .collect(),
            tag: tag.clone(),
            select: tag.is_none() && (pinned || objects >= 2),
        }
    }

    /// The JSON keys of the struct a type names (through aliases); empty for anything else.
    fn documented_keys(&self, ty: &Ty) -> Vec<String> {
        let mut ty = ty;
        for _ in 0..32 {
            let Ty::Named(id) = ty else { break };
            match &self.defs[*id].body {
                Body::Struct { fields, .. } => {
                    return fields.iter().map(|f| f.wire.clone()).collect()
                }
                Body::Alias { ty: inner, .. } => ty = inner,
                _ => break,
            }
        }
        Vec::new()
    }

    pub(super) fn type_def(&self, id: usize, in_request: bool) -> TypeDef {
        let def = &self.defs[id];
        let shape = match &def.body {
            Body::Pending => Shape::Alias {
                ty: "serde_json::Value".to_string(),
            },
            Body::Struct { fields, additional } => {
                self.struct_shape(fields, additional.as_ref(), in_request)
            }
            Body::StringEnum(values) => Shape::StringEnum {
                variants: string_enum_variants(values),
            },
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
            Body::Union { variants, tag } => self.union_shape(id, variants, tag),
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

/// A string enum's variants: one per value, in the spec's order, `Unknown` kept for values the
/// spec does not list. `new` names a fixed field's value with the same function.
pub(super) fn string_enum_variants(values: &[String]) -> Vec<EnumVariant> {
    let mut scope = Scope::with_reserved(&["Unknown"]);
    values
        .iter()
        .map(|v| EnumVariant {
            name: scope.claim(&if v.is_empty() {
                "Empty".to_string()
            } else {
                naming::type_name(v)
            }),
            value: v.clone(),
        })
        .collect()
}

/// An inline enum's type, where it was first met, and whether its name was settled by a second
/// use (see [`Builder::share_enum`]).
pub(super) struct InlineEnum {
    pub(super) id: usize,
    pub(super) first: String,
    pub(super) renamed: bool,
}

/// `format: int-or-string` or `x-kubernetes-int-or-string: true`.
fn is_int_or_string(value: &Value) -> bool {
    value.get("format").and_then(Value::as_str) == Some("int-or-string")
        || value
            .get("x-kubernetes-int-or-string")
            .and_then(Value::as_bool)
            == Some(true)
}

/// The JSON type of a schema that is a primitive (a string, integer, number or boolean, or an
/// enum of strings or integers without a `type`), `None` for anything else.
fn primitive_type(schema: &Value) -> Option<&str> {
    let composed = ["allOf", "oneOf", "anyOf", "properties", "items"];
    if composed.iter().any(|k| schema.get(*k).is_some()) {
        return None;
    }
    match schema_type(schema) {
        Some(t @ ("string" | "integer" | "number" | "boolean")) => Some(t),
        Some(_) => None,
        None => {
            let values = schema.get("enum")?.as_array()?;
            let values: Vec<&Value> = values.iter().filter(|v| !v.is_null()).collect();
            if !values.is_empty() && values.iter().all(|v| v.is_string()) {
                Some("string")
            } else if !values.is_empty() && values.iter().all(|v| v.is_i64()) {
                Some("integer")
            } else {
                None
            }
        }
    }
}

/// A field's doc: the schema's own, or that of an `allOf` member that is not a `$ref` (the
/// common `allOf: [{$ref}, {description}]` wrapper).
fn wrapped_doc(schema: &Value) -> Option<String> {
    doc_of(schema).or_else(|| {
        let members = schema.get("allOf").and_then(Value::as_array)?;
        members
            .iter()
            .filter(|m| m.get("$ref").is_none())
            .find_map(doc_of)
    })
}

/// The name a schema reached through `components/responses/X` or `components/requestBodies/X`
/// takes: `XBody` (PagerDuty's error body, shared by every `409`, is `ConflictBody`).
fn container_hint(pointer: &str) -> Option<String> {
    let segments = pointer_segments(pointer);
    match segments.as_slice() {
        [components, kind, name, content, _, schema]
            if components == "components"
                && (kind == "responses" || kind == "requestBodies")
                && content == "content"
                && schema == "schema" =>
        {
            let name = naming::type_name(name);
            Some(if name.ends_with("Body") {
                name
            } else {
                format!("{name}Body")
            })
        }
        _ => None,
    }
}

/// The property or parameter a schema belongs to: `order` for `.../properties/order`,
/// `.../properties/order/items`, and for the schema of a parameter named `order`.
fn property_name(spec: &Spec, pointer: &str) -> Option<String> {
    let mut segments = pointer_segments(pointer);
    if segments.last().is_some_and(|s| s == "items") {
        segments.pop();
    }
    match segments.as_slice() {
        [.., properties, name] if properties == "properties" => Some(name.clone()),
        [.., last] if last == "schema" => {
            let parent = &pointer[..pointer.rfind("/schema")?];
            let param = spec.at(parent)?;
            param.get("in")?;
            param.get("name")?.as_str().map(str::to_string)
        }
        _ => None,
    }
}

/// A discriminator's `mapping`: tag value → JSON pointer of the schema it selects.
fn mapping_of(value: &Value) -> Vec<(String, String)> {
    let Some(mapping) = value
        .get("discriminator")
        .and_then(|d| d.get("mapping"))
        .and_then(Value::as_object)
    else {
        return Vec::new();
    };
    mapping
        .iter()
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
}

/// The values a schema lists: its `enum`, or its `const` (3.1) as a one-value enum.
fn listed_values(value: &Value) -> Option<Vec<&Value>> {
    if let Some(c) = value.get("const") {
        return Some(vec![c]);
    }
    value.get("enum")?.as_array().map(|a| a.iter().collect())
}

/// The type of a `const` that is not a string or an integer (those are one-value enums):
/// `true`/`false` and numbers keep their JSON type, anything else is a `Value`.
fn const_type(value: &Value) -> Option<Ty> {
    match value.get("const")? {
        Value::Bool(_) => Some(Ty::Bool),
        Value::Number(n) if !n.is_i64() => Some(Ty::Float),
        Value::String(_) | Value::Number(_) => None,
        _ => Some(Ty::Value),
    }
}

/// JSON Schema 2020-12 constructs (OpenAPI 3.1) no Rust type expresses: the keyword to point
/// at and what it is. `prefixItems` is refused only when its members differ (a tuple of one
/// type is a `Vec`).
fn unsupported(value: &Value) -> Option<(&'static str, &'static str)> {
    if value.get("if").is_some() {
        return Some(("if", "`if`/`then`/`else`"));
    }
    if value.get("$dynamicRef").is_some() {
        return Some(("$dynamicRef", "`$dynamicRef`"));
    }
    if value.get("dependentSchemas").is_some() {
        return Some(("dependentSchemas", "`dependentSchemas`"));
    }
    let prefix = value.get("prefixItems").and_then(Value::as_array)?;
    let first = prefix.first()?;
    let same = |v: &Value| v == first;
    let uniform = prefix.iter().all(same)
        && value
            .get("items")
            .is_none_or(|i| same(i) || *i == Value::Bool(false));
    (!uniform).then_some(("prefixItems", "`prefixItems` of different types (a tuple)"))
}
