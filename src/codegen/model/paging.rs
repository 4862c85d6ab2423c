//! Paging detection: the one home of the rules that decide whether an operation gets a
//! `_stream` method, and by which shape it asks for the next page.
//!
//! A shape is detected only when it is obvious from names and types, because a wrong guess
//! walks pages that do not exist or repeats one forever. The operation must have exactly one
//! success response, decoded as JSON into one type, whose items are an array (the body itself,
//! or the first array field of an object). Then, first match wins:
//!
//! 1. `page`: an optional integer query parameter `page`, and a boolean `hasNextPage`,
//!    `has_next_page`, `hasMore` or `has_more` at the top level or in one nested object (V4
//!    Marketing's `meta`);
//! 2. `offset`: an optional integer query parameter `offset`, and an integer `total` (EspoCRM);
//! 3. `cursor`: an optional string query parameter `cursor`, `page_token` or `pageToken`, and a
//!    string `next_cursor`, `nextCursor`, `next_page_token` or `nextPageToken` at the top level
//!    or in one nested object (Google's `nextPageToken`, Slack's `response_metadata`);
//! 4. `after`: an optional string query parameter `after` or `starting_after`, a boolean
//!    `has_more` or `hasMore` at the top level, and items that are objects with a string `id`
//!    (Stripe, OpenAI): the last item's `id` asks for the next page;
//! 5. `link`: a `GET` whose success response documents a `Link` header (GitHub): the stream
//!    follows `rel="next"` while it stays on the client's origin.

use super::operations::{OpIr, RespIr};
use super::*;

/// Boolean fields that say another page follows.
const HAS_NEXT: &[&str] = &["hasNextPage", "has_next_page", "hasMore", "has_more"];

/// Query parameters that take a cursor.
const CURSOR_PARAMS: &[&str] = &["cursor", "page_token", "pageToken"];

/// Response fields that hold the next page's cursor.
const NEXT_CURSOR: &[&str] = &[
    "next_cursor",
    "nextCursor",
    "next_page_token",
    "nextPageToken",
];

/// Query parameters that take the id of the last item seen.
const AFTER_PARAMS: &[&str] = &["after", "starting_after"];

/// Boolean fields that say more items follow, for `after` paging.
const HAS_MORE: &[&str] = &["has_more", "hasMore"];

/// Where the items of a page are.
struct Items<'d> {
    /// The page object's fields; empty when the body is the array.
    fields: &'d [FieldIr],
    /// The field holding the array; `None` when the body is the array.
    field: Option<&'d FieldIr>,
    item: &'d Ty,
}

/// Whether a field's value may be missing or `null`, so the template unwraps it.
fn optional(f: &FieldIr) -> bool {
    !f.required || f.nullable
}

impl Builder<'_> {
    /// The paging stream of `op`, when its shape is obvious (see the module docs).
    pub(super) fn paging(
        &self,
        op: &OpIr,
        optional_params: &[Param],
        successes: &[&RespIr],
        success_enum: &Option<StatusEnum>,
    ) -> Option<Paging> {
        if success_enum.is_some() || successes.len() != 1 || successes[0].decode != Decode::Json {
            return None;
        }
        let items = self.items(&successes[0].ty)?;
        let param = |wires: &[&str], int: bool| {
            op.optional
                .iter()
                .zip(optional_params)
                .find(|(p, _)| {
                    wires.contains(&p.wire.as_str())
                        && p.location == ParamLocation::Query
                        && if int {
                            matches!(p.ty, Ty::Int(_))
                        } else {
                            p.ty == Ty::String
                        }
                })
                .map(|(_, p)| p)
        };
        let base = self.paging_base(op, &items);
        // First match wins, in the order of the module docs.
        param(&["page"], true)
            .and_then(|p| self.page(base.clone(), p, &items))
            .or_else(|| param(&["offset"], true).and_then(|p| offset(base.clone(), p, &items)))
            .or_else(|| {
                param(CURSOR_PARAMS, false).and_then(|p| self.cursor(base.clone(), p, &items))
            })
            .or_else(|| {
                param(AFTER_PARAMS, false).and_then(|p| self.after(base.clone(), p, &items))
            })
            .or_else(|| {
                let decode_fn = op.decode_name.clone().filter(|_| successes[0].link)?;
                Some(Paging {
                    kind: PagingKind::Link,
                    decode_fn: Some(decode_fn),
                    ..base.clone()
                })
            })
    }

    /// The items of a page of type `ty`: the array itself (or an alias of one), or the first
    /// array field of an object.
    fn items<'d>(&'d self, ty: &'d Ty) -> Option<Items<'d>> {
        let ty = match ty {
            Ty::Named(id) => match &self.defs[*id].body {
                Body::Alias {
                    ty, newtype: false, ..
                } => ty,
                _ => ty,
            },
            _ => ty,
        };
        match ty {
            Ty::Array(item) => Some(Items {
                fields: &[],
                field: None,
                item,
            }),
            Ty::Named(id) => {
                let fields = self.struct_fields(*id)?;
                let field = fields.iter().find(|f| matches!(f.ty, Ty::Array(_)))?;
                let Ty::Array(item) = &field.ty else {
                    return None;
                };
                Some(Items {
                    fields,
                    field: Some(field),
                    item,
                })
            }
            _ => None,
        }
    }

    fn struct_fields(&self, id: usize) -> Option<&[FieldIr]> {
        match &self.defs[id].body {
            Body::Struct { fields, .. } => Some(fields),
            _ => None,
        }
    }

    /// What every shape shares: the method, the items; the rest is filled per shape.
    fn paging_base(&self, op: &OpIr, items: &Items<'_>) -> Paging {
        Paging {
            kind: PagingKind::Link,
            method_name: op.paging_name.clone(),
            item_ty: self.render(items.item, false),
            items_field: items.field.map(|f| f.name.clone()),
            items_optional: items.field.is_some_and(optional),
            param_field: String::new(),
            param_ty: String::new(),
            meta_field: None,
            meta_optional: false,
            flag_field: String::new(),
            flag_optional: false,
            current_field: None,
            current_optional: false,
            id_field: None,
            id_optional: false,
            decode_fn: None,
        }
    }

    /// A field matching `is_wanted` at the top level of the page, or in one nested object
    /// (which is then the paging's `meta`).
    fn top_or_nested<'d>(
        &'d self,
        paging: &mut Paging,
        fields: &'d [FieldIr],
        is_wanted: &dyn Fn(&FieldIr) -> bool,
    ) -> Option<(&'d FieldIr, &'d [FieldIr])> {
        if let Some(found) = fields.iter().find(|f| is_wanted(f)) {
            return Some((found, fields));
        }
        for meta in fields {
            let Ty::Named(id) = meta.ty else { continue };
            let Some(inner) = self.struct_fields(id) else {
                continue;
            };
            if let Some(found) = inner.iter().find(|f| is_wanted(f)) {
                paging.meta_field = Some(meta.name.clone());
                paging.meta_optional = optional(meta);
                return Some((found, inner));
            }
        }
        None
    }

    /// `page`: a page number and a has-next flag, with the current page number beside a nested
    /// flag when documented.
    fn page(&self, paging: Paging, param: &Param, items: &Items<'_>) -> Option<Paging> {
        let mut paging = asking(paging, PagingKind::Page, param);
        let is_flag = |f: &FieldIr| HAS_NEXT.contains(&f.wire.as_str()) && f.ty == Ty::Bool;
        let (flag, beside) = self.top_or_nested(&mut paging, items.fields, &is_flag)?;
        paging.flag_field = flag.name.clone();
        paging.flag_optional = optional(flag);
        if paging.meta_field.is_some() {
            if let Some(cur) = beside
                .iter()
                .find(|f| f.wire == "page" && matches!(f.ty, Ty::Int(_)))
            {
                paging.current_field = Some(cur.name.clone());
                paging.current_optional = optional(cur);
            }
        }
        Some(paging)
    }

    /// `cursor`: a next-cursor string fed back as the cursor parameter.
    fn cursor(&self, paging: Paging, param: &Param, items: &Items<'_>) -> Option<Paging> {
        let mut paging = asking(paging, PagingKind::Cursor, param);
        let is_next = |f: &FieldIr| NEXT_CURSOR.contains(&f.wire.as_str()) && f.ty == Ty::String;
        let (next, _) = self.top_or_nested(&mut paging, items.fields, &is_next)?;
        paging.flag_field = next.name.clone();
        paging.flag_optional = optional(next);
        Some(paging)
    }

    /// `after`: a has-more flag, and items with a string `id`.
    fn after(&self, paging: Paging, param: &Param, items: &Items<'_>) -> Option<Paging> {
        let flag = items
            .fields
            .iter()
            .find(|f| HAS_MORE.contains(&f.wire.as_str()) && f.ty == Ty::Bool)?;
        let Ty::Named(item) = items.item else {
            return None;
        };
        let id = self
            .struct_fields(*item)?
            .iter()
            .find(|f| f.wire == "id" && f.ty == Ty::String)?;
        let mut paging = asking(paging, PagingKind::After, param);
        paging.flag_field = flag.name.clone();
        paging.flag_optional = optional(flag);
        paging.id_field = Some(id.name.clone());
        paging.id_optional = optional(id);
        Some(paging)
    }
}

/// `paging` of shape `kind`, asking for the next page through the params field of `param`.
fn asking(paging: Paging, kind: PagingKind, param: &Param) -> Paging {
    Paging {
        kind,
        param_field: param.name.clone(),
        param_ty: param.ty.clone(),
        ..paging
    }
}

/// `offset`: an offset advanced by the items received, up to a total.
fn offset(paging: Paging, param: &Param, items: &Items<'_>) -> Option<Paging> {
    let total = items
        .fields
        .iter()
        .find(|f| f.wire == "total" && matches!(f.ty, Ty::Int(_)))?;
    let mut paging = asking(paging, PagingKind::Offset, param);
    paging.flag_field = total.name.clone();
    paging.flag_optional = optional(total);
    Some(paging)
}
