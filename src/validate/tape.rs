//! A body's JSON as a tape: one flat vector of small fixed-size entries in document order,
//! pointing into the body's text instead of copying it.
//!
//! A `serde_json::Value` costs one allocation per string and a hash index per object, about
//! three times the text, and building it was most of the validation CPU (issue 13). The tape is
//! built by the same `serde_json` parser (driven through a [`DeserializeSeed`], so syntax errors,
//! their positions and the recursion limit are `serde_json`'s own), but a string without escapes
//! is kept as its offset and length in the text; only escaped strings are unescaped, into one side
//! buffer. Containers know their member count and the index just past their last descendant, so
//! a sibling is one step away.
//!
//! The tape has `Value`'s meaning exactly, duplicate keys included: like `serde_json`'s
//! `preserve_order` map, the last value of a repeated key wins, at the first key's place.
//! [`TapeJson`] lets `jsonschema` validate it directly; [`TapeNode::to_value`] builds a `Value`
//! for the cold paths (error instances, messages).

use std::borrow::Cow;
use std::collections::hash_map::Entry as Slot;
use std::collections::HashMap;
use std::fmt;

use jsonschema::json::{Array, Json, Node, NodeIdentity, Object};
use jsonschema::JsonType;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// What one entry holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Null,
    False,
    True,
    /// A non-negative integer, as `serde_json` reads it (`u64`).
    PosInt,
    /// A negative integer (`i64`).
    NegInt,
    Float,
    Str,
    Array,
    Object,
}

/// Where a string's bytes are: a range of the text, or of the side buffer when it had escapes
/// ([`SIDE`] set in `len`). Containers and numbers use the two words for their own payload.
/// Two words, not three, so an entry takes 20 bytes: a body of tiny objects has about one entry
/// per 7 bytes of text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Span {
    start: u32,
    len: u32,
}

/// The bit of a string's `len` that says it is in the side buffer.
const SIDE: u32 = 1 << 31;

impl Span {
    fn side(self) -> bool {
        self.len & SIDE != 0
    }

    fn text_len(self) -> u32 {
        self.len & !SIDE
    }
}

/// One value of the document, with the key it stands under when it is an object member.
#[derive(Debug, Clone, Copy)]
struct Entry {
    kind: Kind,
    /// The member's key (empty for array items and the root).
    key: Span,
    /// Strings: where the bytes are. Numbers: the 64 bits, split in two. Containers: `start` is
    /// the member count and `len` the index just past the last descendant.
    payload: Span,
}

/// Texts longer than this are counted before their tape is read (see `Tape::read`).
const COUNT_PAST: usize = 1 << 20;

/// How many tape entries the first JSON value of `text` takes (one per value: containers,
/// members, items; keys live in their value's entry); `None` if it is not JSON (the read that
/// follows reports why).
fn count_values(text: &str) -> Option<usize> {
    let mut n = 0;
    Count(&mut n)
        .deserialize(&mut serde_json::Deserializer::from_str(text))
        .ok()?;
    Some(n)
}

/// Counts values as serde_json reads them, building nothing.
struct Count<'n>(&'n mut usize);

impl<'de> DeserializeSeed<'de> for Count<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Count<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        *self.0 += 1;
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        *self.0 += 1;
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        *self.0 += 1;
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        *self.0 += 1;
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        *self.0 += 1;
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        *self.0 += 1;
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        *self.0 += 1;
        while seq.next_element_seed(Count(&mut *self.0))?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        *self.0 += 1;
        while map.next_key::<de::IgnoredAny>()?.is_some() {
            map.next_value_seed(Count(&mut *self.0))?;
        }
        Ok(())
    }
}

/// A parsed JSON document over a text it does not own (see the module docs).
#[derive(Debug, Clone, Default)]
pub struct Tape {
    entries: Vec<Entry>,
    /// Unescaped strings and keys that had escapes.
    side: String,
    /// The entry of the document's root: 0, or a member of a parsed whole (see
    /// [`Tape::into_member`]).
    root: usize,
    /// Whether some object had a key twice (masking must then cover every string).
    duplicates: bool,
    /// Where in the text the parse began (see `from_text`).
    origin: usize,
    /// Whether the tape was read from the text at `origin`: reading it again gives these very
    /// entries (repeated keys are resolved the same way), so a big error instance is rebuilt
    /// from the text when it is read (see [`Tape::reparsed`]); not once keys were masked (see
    /// [`Tape::detach`]). Strings the reader masked in
    /// place read back masked there; messages show a big value from the tape itself (see
    /// `explain`), so only a message that prints a whole big value (`maxItems`) shows the mask.
    from_text: bool,
}

impl Tape {
    /// Parses `text` whole, as `serde_json::from_str` would (same errors, same value).
    pub fn parse(text: &str) -> Result<Tape, serde_json::Error> {
        Tape::parse_in(text, text)
    }

    /// Parses `slice`, a part of `text`, whole; offsets count from the start of `text`, so the
    /// tape reads over `text` (a body inside its NDJSON line). Errors are positioned in `slice`.
    pub fn parse_in<'t>(text: &'t str, slice: &'t str) -> Result<Tape, serde_json::Error> {
        if text.len() >= SIDE as usize {
            return Err(de::Error::custom("JSON text too large (2 GiB or more)"));
        }
        let origin = (slice.as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
        let mut de = serde_json::Deserializer::from_str(slice);
        let tape = Tape::read(&mut de, text, origin)?;
        de.end()?;
        Ok(tape)
    }

    /// Reads one value from `de`, whose input is `text` from `origin` on.
    fn read<'t>(
        de: &mut serde_json::Deserializer<serde_json::de::StrRead<'t>>,
        text: &'t str,
        origin: usize,
    ) -> Result<Tape, serde_json::Error> {
        // About one entry per 16 bytes of a typical body: one allocation for most bodies. A
        // text past 1 MB is counted first (a syntax pass, far cheaper than the read) and its
        // tape allocated once: grown by doubling, a big tape would hold its old and its new copy
        // at once (255 MB of 20-byte objects: 1.57 GB peak against 1.0 GB counted).
        let rest = text.get(origin..).unwrap_or("");
        let capacity = match rest.len() {
            n if n > COUNT_PAST => count_values(rest).unwrap_or(1 << 16),
            n => n / 16,
        };
        let entries = Vec::with_capacity(capacity);
        let mut builder = Builder {
            text,
            tape: Tape {
                entries,
                origin,
                from_text: true,
                ..Tape::default()
            },
            members: Vec::new(),
            hashes: Vec::new(),
        };
        ValueSeed {
            builder: &mut builder,
            key: Span::default(),
        }
        .deserialize(de)?;
        Ok(builder.tape)
    }

    /// The value of entry `index` of the tape of the first JSON value of `text`: how a big
    /// error instance is built when it is read, from the text (see [`Tape::from_text`]).
    fn reparsed(text: &[u8], index: u32) -> Value {
        let Ok(text) = std::str::from_utf8(text) else {
            return Value::Null;
        };
        let mut de = serde_json::Deserializer::from_str(text);
        match Tape::read(&mut de, text, 0) {
            Ok(tape) if (index as usize) < tape.entries.len() => TapeNode {
                tape: &tape,
                text,
                index: index as usize,
            }
            .to_value(),
            _ => Value::Null,
        }
    }

    /// The same document as `value`, its strings held in the tape (it reads over any text): for
    /// values that have no text of their own (a form body, a request body kept as a `Value`).
    pub fn from_value(value: &Value) -> Tape {
        let mut tape = Tape::default();
        tape.push_value(value, Span::default());
        tape
    }

    fn push_value(&mut self, value: &Value, key: Span) {
        let (kind, payload) = match value {
            Value::Null => (Kind::Null, Span::default()),
            Value::Bool(false) => (Kind::False, Span::default()),
            Value::Bool(true) => (Kind::True, Span::default()),
            Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
                (Some(u), _, _) => (Kind::PosInt, bits(u)),
                (None, Some(i), _) => (Kind::NegInt, bits(i as u64)),
                (_, _, f) => (Kind::Float, bits(f.unwrap_or(0.0).to_bits())),
            },
            Value::String(s) => (Kind::Str, self.push_side(s).unwrap_or_default()),
            Value::Array(items) => {
                let at = self.open(Kind::Array, key);
                items
                    .iter()
                    .for_each(|v| self.push_value(v, Span::default()));
                return self.close_at(at, items.len());
            }
            Value::Object(map) => {
                let at = self.open(Kind::Object, key);
                for (k, v) in map {
                    let key = self.push_side(k).unwrap_or_default();
                    self.push_value(v, key);
                }
                return self.close_at(at, map.len());
            }
        };
        self.entries.push(Entry { kind, key, payload });
    }

    fn open(&mut self, kind: Kind, key: Span) -> usize {
        self.entries.push(Entry {
            kind,
            key,
            payload: Span::default(),
        });
        self.entries.len() - 1
    }

    fn close_at(&mut self, at: usize, count: usize) {
        self.entries[at].payload = Span {
            start: count as u32,
            len: self.entries.len() as u32,
        };
    }

    /// The tape of the member `key` of this object document (the last, if it is there twice),
    /// sharing its entries.
    pub fn into_member(mut self, text: &str, key: &str) -> Option<Tape> {
        self.root = self.root(text).get(key)?.index;
        Some(self)
    }

    /// Whether some object of the document has a key twice (the last value counts).
    pub fn duplicates(&self) -> bool {
        self.duplicates
    }

    /// The document's root, read over `text` (the text the tape was parsed from).
    pub fn root<'a>(&'a self, text: &'a str) -> TapeNode<'a> {
        TapeNode {
            tape: self,
            text,
            index: self.root,
        }
    }

    /// Copies into the tape the text of the strings (and keys, with `keys`) of the subtree at
    /// `pointer` that still point into `text`: the reader masks a line in place once it is
    /// parsed, and validation must still see the real values. Masking is rare (credential-named
    /// keys, repeated keys), so this copies little.
    pub fn detach(&mut self, text: &str, pointer: &str, keys: bool) {
        let Some(node) = self.root(text).pointer(pointer) else {
            return;
        };
        let (from, to) = (node.index, self.next(node.index));
        if keys {
            // Masked keys read back alike (`"id"` and `"nm"` both `"**"`), so the masked text no
            // longer parses into these entries: big error instances are built from the tape.
            self.from_text = false;
        }
        for i in from..to {
            let e = self.entries[i];
            if e.kind == Kind::Str && !e.payload.side() {
                let s = self.str_at(text, e.payload).to_string();
                self.entries[i].payload = self.push_side(&s).unwrap_or_default();
            }
            if keys && !e.key.side() && e.key.text_len() > 0 {
                let s = self.str_at(text, e.key).to_string();
                self.entries[i].key = self.push_side(&s).unwrap_or_default();
            }
        }
    }

    fn push_side(&mut self, s: &str) -> Option<Span> {
        let start = u32::try_from(self.side.len()).ok()?;
        let len = u32::try_from(s.len()).ok().filter(|l| l & SIDE == 0)?;
        start.checked_add(len)?;
        self.side.push_str(s);
        Some(Span {
            start,
            len: len | SIDE,
        })
    }

    fn str_at<'a>(&'a self, text: &'a str, span: Span) -> &'a str {
        let source = if span.side() { &self.side } else { text };
        let start = span.start as usize;
        source
            .get(start..start + span.text_len() as usize)
            .unwrap_or("")
    }

    /// The index just past entry `i` and its descendants.
    fn next(&self, i: usize) -> usize {
        let e = &self.entries[i];
        match e.kind {
            Kind::Array | Kind::Object => e.payload.len as usize,
            _ => i + 1,
        }
    }
}

/// A number's 64 bits as an entry's payload.
fn bits(n: u64) -> Span {
    Span {
        start: n as u32,
        len: (n >> 32) as u32,
    }
}

/// Builds a tape while `serde_json` parses.
struct Builder<'t> {
    text: &'t str,
    tape: Tape,
    /// Scratch for [`Builder::dedup`]: an object's member entries and their keys' hashes.
    members: Vec<usize>,
    hashes: Vec<u64>,
}

impl Builder<'_> {
    /// Where `s`, borrowed from the text, stands in it.
    fn borrowed(&mut self, s: &str) -> Option<Span> {
        let offset = (s.as_ptr() as usize).checked_sub(self.text.as_ptr() as usize)?;
        (offset + s.len() <= self.text.len()).then_some(Span {
            start: offset as u32,
            len: s.len() as u32,
        })
    }

    fn string(&mut self, s: &str, borrowed: bool) -> Result<Span, String> {
        let span = if borrowed { self.borrowed(s) } else { None };
        span.or_else(|| self.tape.push_side(s))
            .ok_or_else(|| "strings too large (2 GiB or more)".to_string())
    }

    fn push(&mut self, kind: Kind, key: Span, payload: Span) {
        self.tape.entries.push(Entry { kind, key, payload });
    }

    fn number(&mut self, kind: Kind, key: Span, n: u64) {
        self.push(kind, key, bits(n));
    }

    /// Closes the container at `at` with `count` members; objects lose repeated keys here.
    fn close(&mut self, at: usize, count: u32) {
        let end = self.tape.entries.len() as u32;
        self.tape.entries[at].payload = Span {
            start: count,
            len: end,
        };
        if self.tape.entries[at].kind == Kind::Object && count > 1 {
            self.dedup(at);
        }
    }

    /// Keeps the last value of each repeated key at the first key's place, as `serde_json`'s
    /// insertion-ordered map does. Finding none is the common case, and costs one comparison of
    /// each pair of keys in a small object, or sorting their hashes in a big one, in buffers
    /// reused from object to object.
    fn dedup(&mut self, at: usize) {
        let (tape, text) = (&self.tape, self.text);
        let key = |i: usize| tape.str_at(text, tape.entries[i].key);
        let members = &mut self.members;
        members.clear();
        members.extend(tape.root(text).at(at).member_indices());
        let maybe = if members.len() <= 8 {
            members
                .iter()
                .enumerate()
                .any(|(n, &a)| members[..n].iter().any(|&b| key(a) == key(b)))
        } else {
            let hashes = &mut self.hashes;
            hashes.clear();
            hashes.extend(members.iter().map(|&m| crate::hash::fnv1a(&[key(m)])));
            hashes.sort_unstable();
            hashes.windows(2).any(|w| w[0] == w[1])
        };
        if !maybe {
            return;
        }
        // (first key's entry, last value's entry), in first-key order.
        let mut kept: Vec<(usize, usize)> = Vec::new();
        let mut slot_of: HashMap<&str, usize> = HashMap::with_capacity(members.len());
        for &m in members.iter() {
            match slot_of.entry(key(m)) {
                Slot::Occupied(slot) => kept[*slot.get()].1 = m,
                Slot::Vacant(slot) => {
                    slot.insert(kept.len());
                    kept.push((m, m));
                }
            }
        }
        if kept.len() == members.len() {
            return; // hashes met, keys did not
        }
        self.tape.duplicates = true;
        let old: Vec<Entry> = self.tape.entries.split_off(at + 1);
        for (first, last) in &kept {
            let key = self.tape.entries.len() as isize;
            let from = last - (at + 1);
            let to = self.tape.next_in(&old, from, at + 1);
            let shift = key - *last as isize;
            for (n, e) in old[from..to].iter().enumerate() {
                let mut e = *e;
                if matches!(e.kind, Kind::Array | Kind::Object) {
                    e.payload.len = (e.payload.len as isize + shift) as u32;
                }
                if n == 0 {
                    e.key = old[first - (at + 1)].key;
                }
                self.tape.entries.push(e);
            }
        }
        let end = self.tape.entries.len() as u32;
        self.tape.entries[at].payload = Span {
            start: kept.len() as u32,
            len: end,
        };
    }
}

impl Tape {
    /// [`Tape::next`] for entries moved out to `old`, which began at index `base`.
    fn next_in(&self, old: &[Entry], i: usize, base: usize) -> usize {
        match old[i].kind {
            Kind::Array | Kind::Object => old[i].payload.len as usize - base,
            _ => i + 1,
        }
    }
}

/// Reads one value into the builder, under `key`.
struct ValueSeed<'b, 't> {
    builder: &'b mut Builder<'t>,
    key: Span,
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_, 'de> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.builder.push(Kind::Null, self.key, Span::default());
        Ok(())
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<(), E> {
        let kind = if b { Kind::True } else { Kind::False };
        self.builder.push(kind, self.key, Span::default());
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<(), E> {
        self.builder.number(Kind::PosInt, self.key, n);
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<(), E> {
        if n >= 0 {
            self.builder.number(Kind::PosInt, self.key, n as u64);
        } else {
            self.builder.number(Kind::NegInt, self.key, n as u64);
        }
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, n: f64) -> Result<(), E> {
        // As `Value`: a float JSON cannot hold (never produced by the parser) is null.
        if n.is_finite() {
            self.builder.number(Kind::Float, self.key, n.to_bits());
        } else {
            self.builder.push(Kind::Null, self.key, Span::default());
        }
        Ok(())
    }

    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<(), E> {
        let span = self.builder.string(s, true).map_err(E::custom)?;
        self.builder.push(Kind::Str, self.key, span);
        Ok(())
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<(), E> {
        let span = self.builder.string(s, false).map_err(E::custom)?;
        self.builder.push(Kind::Str, self.key, span);
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let at = self.builder.tape.entries.len();
        self.builder.push(Kind::Array, self.key, Span::default());
        let mut count = 0u32;
        while seq
            .next_element_seed(ValueSeed {
                builder: &mut *self.builder,
                key: Span::default(),
            })?
            .is_some()
        {
            count += 1;
        }
        self.builder.close(at, count);
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let at = self.builder.tape.entries.len();
        self.builder.push(Kind::Object, self.key, Span::default());
        let mut count = 0u32;
        while let Some(key) = map.next_key_seed(KeySeed {
            builder: &mut *self.builder,
        })? {
            map.next_value_seed(ValueSeed {
                builder: &mut *self.builder,
                key,
            })?;
            count += 1;
        }
        self.builder.close(at, count);
        Ok(())
    }
}

/// Reads one object key into the builder's text or side buffer.
struct KeySeed<'b, 't> {
    builder: &'b mut Builder<'t>,
}

impl<'de> DeserializeSeed<'de> for KeySeed<'_, 'de> {
    type Value = Span;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Span, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_, 'de> {
    type Value = Span;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string key")
    }

    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Span, E> {
        self.builder.string(s, true).map_err(E::custom)
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Span, E> {
        self.builder.string(s, false).map_err(E::custom)
    }
}

/// A handle on one value of a tape: cheap to copy.
#[derive(Clone, Copy)]
pub struct TapeNode<'a> {
    tape: &'a Tape,
    text: &'a str,
    index: usize,
}

impl fmt::Debug for TapeNode<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.to_value(), f)
    }
}

impl<'a> TapeNode<'a> {
    fn at(self, index: usize) -> TapeNode<'a> {
        TapeNode { index, ..self }
    }

    fn entry(&self) -> &'a Entry {
        &self.tape.entries[self.index]
    }

    /// Whether this is an object.
    pub fn is_object(&self) -> bool {
        self.entry().kind == Kind::Object
    }

    /// Whether this is an array.
    pub fn is_array(&self) -> bool {
        self.entry().kind == Kind::Array
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&'a str> {
        let e = self.entry();
        (e.kind == Kind::Str).then(|| self.tape.str_at(self.text, e.payload))
    }

    /// The number, if this is one, as `serde_json` holds it.
    pub fn number(&self) -> Option<Number> {
        let e = self.entry();
        let bits = u64::from(e.payload.start) | (u64::from(e.payload.len) << 32);
        match e.kind {
            Kind::PosInt => Some(Number::from(bits)),
            Kind::NegInt => Some(Number::from(bits as i64)),
            Kind::Float => Number::from_f64(f64::from_bits(bits)),
            _ => None,
        }
    }

    /// How many members or items a container has (0 for scalars).
    pub fn len(&self) -> usize {
        match self.entry().kind {
            Kind::Array | Kind::Object => self.entry().payload.start as usize,
            _ => 0,
        }
    }

    /// Whether a container has no members or items (or this is a scalar).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The index of the first member and the index past the last, when this is a container.
    fn range(&self) -> (usize, usize) {
        match self.entry().kind {
            Kind::Array | Kind::Object => (self.index + 1, self.entry().payload.len as usize),
            _ => (0, 0),
        }
    }

    fn member_indices(&self) -> Children<'a> {
        let (next, end) = self.range();
        Children {
            tape: self.tape,
            next,
            end,
        }
    }

    /// An object's members in document order (nothing for other values).
    pub fn members(&self) -> Members<'a> {
        let mut children = self.member_indices();
        if !self.is_object() {
            children.end = 0;
        }
        Members {
            text: self.text,
            children,
        }
    }

    /// An array's items in order (nothing for other values).
    pub fn items(&self) -> Items<'a> {
        let mut children = self.member_indices();
        if !self.is_array() {
            children.end = 0;
        }
        Items {
            text: self.text,
            children,
        }
    }

    /// The member `key` of an object.
    pub fn get(&self, key: &str) -> Option<TapeNode<'a>> {
        self.members().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// The value at the JSON pointer `pointer` below this one (`""`: this one).
    pub fn pointer(&self, pointer: &str) -> Option<TapeNode<'a>> {
        let mut node = *self;
        for token in crate::source::pointer_segments(pointer) {
            node = match node.entry().kind {
                Kind::Object => node.get(&token)?,
                Kind::Array => {
                    let index: usize = token.parse().ok()?;
                    node.items().nth(index)?
                }
                _ => return None,
            };
        }
        Some(node)
    }

    /// Whether the node holds so many entries that copying it whole is worth avoiding.
    pub fn is_big(&self) -> bool {
        self.tape.next(self.index) - self.index >= DEFERRED_ENTRIES
    }

    /// The start of this value as a `Value`, enough for a message that shows its first `chars`
    /// characters of JSON text (credential-named members masked) exactly as [`Self::to_value`]
    /// would: members, items and string characters are taken until that many characters of
    /// text stand before the cut. The whole value when it is shorter.
    pub fn preview(self, chars: usize) -> Value {
        let shown = |v: &Value| crate::secrecy::masked_value(v).to_string().chars().count();
        let mut left = chars;
        match self.entry().kind {
            Kind::Str => {
                let s = self.as_str().unwrap_or_default();
                Value::String(s.chars().take(chars + 1).collect())
            }
            Kind::Array => {
                let mut out = Vec::new();
                for item in self.items() {
                    if left == 0 {
                        break;
                    }
                    let v = item.preview(left);
                    left = left.saturating_sub(shown(&v) + 1);
                    out.push(v);
                }
                Value::Array(out)
            }
            Kind::Object => {
                let mut out = Map::new();
                for (k, v) in self.members() {
                    if left == 0 {
                        break;
                    }
                    let v = v.preview(left);
                    // A credential's value is masked: it counts for nothing.
                    if !crate::secrecy::is_credential_name(k) {
                        left = left.saturating_sub(shown(&v) + k.chars().count() + 4);
                    }
                    out.insert(k.to_string(), v);
                }
                Value::Object(out)
            }
            _ => self.to_value(),
        }
    }

    /// The same value as a `serde_json::Value` (for cold paths: it copies everything).
    pub fn to_value(self) -> Value {
        match self.entry().kind {
            Kind::Null => Value::Null,
            Kind::False => Value::Bool(false),
            Kind::True => Value::Bool(true),
            Kind::PosInt | Kind::NegInt | Kind::Float => {
                self.number().map_or(Value::Null, Value::Number)
            }
            Kind::Str => Value::String(self.as_str().unwrap_or_default().to_string()),
            Kind::Array => Value::Array(self.items().map(|v| v.to_value()).collect()),
            Kind::Object => {
                let mut map = Map::with_capacity(self.len());
                for (k, v) in self.members() {
                    map.insert(k.to_string(), v.to_value());
                }
                Value::Object(map)
            }
        }
    }

    fn json_type(&self) -> JsonType {
        match self.entry().kind {
            Kind::Null => JsonType::Null,
            Kind::False | Kind::True => JsonType::Boolean,
            Kind::PosInt | Kind::NegInt | Kind::Float => JsonType::Number,
            Kind::Str => JsonType::String,
            Kind::Array => JsonType::Array,
            Kind::Object => JsonType::Object,
        }
    }
}

/// The entries of a container's members, each one step past the last's descendants.
#[derive(Clone)]
struct Children<'a> {
    tape: &'a Tape,
    next: usize,
    end: usize,
}

impl Iterator for Children<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        (self.next < self.end).then(|| {
            let at = self.next;
            self.next = self.tape.next(at);
            at
        })
    }
}

/// An object's members: see [`TapeNode::members`].
#[derive(Clone)]
pub struct Members<'a> {
    text: &'a str,
    children: Children<'a>,
}

impl<'a> Iterator for Members<'a> {
    type Item = (&'a str, TapeNode<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        let i = self.children.next()?;
        let tape = self.children.tape;
        let node = TapeNode {
            tape,
            text: self.text,
            index: i,
        };
        Some((tape.str_at(self.text, tape.entries[i].key), node))
    }
}

/// An array's items: see [`TapeNode::items`].
#[derive(Clone)]
pub struct Items<'a> {
    text: &'a str,
    children: Children<'a>,
}

impl<'a> Iterator for Items<'a> {
    type Item = TapeNode<'a>;

    fn next(&mut self) -> Option<TapeNode<'a>> {
        let index = self.children.next()?;
        Some(TapeNode {
            tape: self.children.tape,
            text: self.text,
            index,
        })
    }
}

/// Entries from which an error instance is made only when it is read (see
/// [`TapeNode::lazy_value`]); smaller ones are copied at once, which is cheaper than parsing
/// the text again.
const DEFERRED_ENTRIES: usize = 1024;

/// The tape as a `jsonschema` instance representation.
pub struct TapeJson;

impl Json for TapeJson {
    type Node<'a> = TapeNode<'a>;
    type PreparedKey = Box<str>;
    type StringBuffer = Tape;

    /// A lookup is a scan of the members already, so one members pass never costs more.
    const KEYS_PER_LOOKUP: usize = 1 << 16;
    /// A tape is a tree: no entry is its own descendant.
    const ACYCLIC: bool = true;

    fn prepare_key(key: &str) -> Box<str> {
        key.into()
    }

    fn with_string_node<T>(
        buffer: &mut Tape,
        string: &str,
        f: impl FnOnce(TapeNode<'_>) -> T,
    ) -> T {
        buffer.entries.clear();
        buffer.side.clear();
        let payload = buffer.push_side(string).unwrap_or_default();
        buffer.entries.push(Entry {
            kind: Kind::Str,
            key: Span::default(),
            payload,
        });
        f(buffer.root(""))
    }
}

impl<'a> Node<'a, TapeJson> for TapeNode<'a> {
    type Object = TapeNode<'a>;
    type Array = TapeNode<'a>;
    type Number = Number;

    fn as_object(&self) -> Option<TapeNode<'a>> {
        self.is_object().then_some(*self)
    }

    fn as_array(&self) -> Option<TapeNode<'a>> {
        self.is_array().then_some(*self)
    }

    fn as_string(&self) -> Option<Cow<'a, str>> {
        TapeNode::as_str(self).map(Cow::Borrowed)
    }

    fn as_number(&self) -> Option<Number> {
        self.number()
    }

    fn as_boolean(&self) -> Option<bool> {
        match self.entry().kind {
            Kind::True => Some(true),
            Kind::False => Some(false),
            _ => None,
        }
    }

    fn is_null(&self) -> bool {
        self.entry().kind == Kind::Null
    }

    fn is_number(&self) -> bool {
        matches!(self.entry().kind, Kind::PosInt | Kind::NegInt | Kind::Float)
    }

    fn json_type(&self) -> JsonType {
        TapeNode::json_type(self)
    }

    fn equals_value(&self, expected: &Value) -> bool {
        // The scalars without building a `Value` (`enum` of strings is common on the hot path).
        match (self.entry().kind, expected) {
            (Kind::Str, Value::String(s)) => TapeNode::as_str(self) == Some(s.as_str()),
            (Kind::Str, _) => false,
            (Kind::Null, e) => e.is_null(),
            (Kind::True | Kind::False, e) => e.as_bool() == self.as_boolean(),
            (Kind::PosInt | Kind::NegInt | Kind::Float, Value::Number(n)) => self
                .number()
                .is_some_and(|m| jsonschema::json::cmp::equal_numbers(&m, n)),
            (Kind::PosInt | Kind::NegInt | Kind::Float, _) => false,
            _ => jsonschema::json::cmp::equal(&self.to_value(), expected),
        }
    }

    fn to_value(&self) -> Cow<'a, Value> {
        Cow::Owned(TapeNode::to_value(*self))
    }

    /// `jsonschema` makes an error's instance when it makes the error, and a `required` error
    /// at the root of a 255 MB body would copy all of it, once per missing key. A big node's
    /// copy is made only when the error's instance is read, by parsing the text again.
    fn lazy_value(&self) -> jsonschema_value::LazyInstance<'a> {
        let tape = self.tape;
        let size = tape.next(self.index) - self.index;
        let tag = u32::try_from(self.index).ok();
        match (tape.from_text && size >= DEFERRED_ENTRIES, tag) {
            (true, Some(tag)) => jsonschema_value::LazyInstance::Deferred {
                bytes: self.text.as_bytes().get(tape.origin..).unwrap_or_default(),
                tag,
                make: Tape::reparsed,
                cell: std::sync::OnceLock::new(),
            },
            _ => jsonschema_value::LazyInstance::Ready(Cow::Owned(TapeNode::to_value(*self))),
        }
    }

    fn identity(&self) -> Option<NodeIdentity> {
        let index = u32::try_from(self.index).ok()?;
        Some(NodeIdentity::tagged(
            std::ptr::from_ref(self.tape) as usize,
            index,
        ))
    }
}

impl<'a> Object<'a, TapeJson> for TapeNode<'a> {
    type Node = TapeNode<'a>;
    type MemberName = &'a str;
    type MembersIter = Members<'a>;

    fn len(&self) -> usize {
        TapeNode::len(self)
    }

    fn get(&self, key: &Box<str>) -> Option<TapeNode<'a>> {
        TapeNode::get(self, key)
    }

    fn members(&self) -> Self::MembersIter {
        TapeNode::members(self)
    }
}

impl<'a> Array<'a, TapeJson> for TapeNode<'a> {
    type Node = TapeNode<'a>;
    type ElementsIter = Items<'a>;

    fn len(&self) -> usize {
        TapeNode::len(self)
    }

    fn elements(&self) -> Self::ElementsIter {
        self.items()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A big text's tape is allocated at its counted size: the count is the tape's entries,
    /// whatever the shape (a repeated key's earlier value is dropped, so it counts one more).
    #[test]
    fn counted_values_are_the_tape_entries() {
        let texts = [
            r#"{"a": [1, -2, 3.5, "x\n", true, null, {}, []], "b": {"c": {"d": "é"}}}"#,
            r#"[{"id":1,"name":"ab"},{"id":2,"name":"cd"}]"#,
            r#""just a string""#,
            r#"[[[]], [{}], {"k": [null]}]"#,
        ];
        for text in texts {
            let tape = Tape::parse(text).expect("parses");
            assert_eq!(count_values(text), Some(tape.entries.len()), "{text}");
        }
        let twice = r#"{"a": 1, "a": [2, 3]}"#;
        let tape = Tape::parse(twice).expect("parses");
        assert_eq!(count_values(twice), Some(tape.entries.len() + 1));
        assert_eq!(count_values("[1, "), None);
    }
    use crate::spec::json_schema::{compile_for, to_json_schema, ConvertOptions, Direction};
    use jsonschema::json::SerdeJson;
    use std::path::{Path, PathBuf};

    /// The tape of `text` means what `serde_json::from_str` reads: the same value, or the same
    /// error at the same place.
    fn assert_same(text: &str) {
        let value: Result<Value, _> = serde_json::from_str(text);
        let tape = Tape::parse(text);
        match (value, tape) {
            (Ok(v), Ok(t)) => assert_eq!(t.root(text).to_value(), v, "{text:.200}"),
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{text:.200}"),
            (a, b) => panic!("{text:.200}: serde_json {:?}, tape {:?}", a.err(), b.err()),
        }
    }

    #[test]
    fn an_entry_takes_twenty_bytes() {
        assert_eq!(std::mem::size_of::<Entry>(), 20);
    }

    #[test]
    fn edge_cases_read_as_serde_json_reads_them() {
        let deep_ok = format!("{}{}", "[".repeat(127), "]".repeat(127));
        let deep_bad = format!("{}{}", "[".repeat(129), "]".repeat(129));
        let deep_objects = format!("{}1{}", "{\"a\":".repeat(130), "}".repeat(130));
        let big: String = format!(
            "{{{}}}",
            (0..40)
                .map(|i| format!("\"k{}\": {i}", i % 17))
                .collect::<Vec<_>>()
                .join(",")
        );
        let cases = [
            "null",
            "true",
            "false",
            "0",
            "-0",
            "-1",
            "1.5",
            "-2.5e-3",
            "1e308",
            "1e400",
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775808",
            "-9223372036854775809",
            "123456789012345678901234567890",
            "\"\"",
            "\"plain\"",
            r#""esc\"aped\\ \n \u00e9 \ud83e\udd80""#,
            "\"é 🦀 raw unicode\"",
            "[]",
            "{}",
            "[[], {}, [{}]]",
            r#"{"a": 1, "b": [1, 2, {"c": null}], "d": {}}"#,
            r#"{"a": 1, "a": 2}"#,
            r#"{"a": 1, "b": 2, "a": {"x": [1, {"y": 2}]}, "c": 3}"#,
            r#"{"a": {"k": 1, "k": 2}, "b": 0, "a": [3, {"k": 4, "k": 5}]}"#,
            r#"{"\u0061": 1, "a": 2, "\n": 3, "\n": [4]}"#,
            r#"{"x": {"a": 1, "a": 2}, "x": 5}"#,
            r#"[{"id": 1, "name": "ab"}, {"id": 2, "name": "c\td"}]"#,
            "  {\"sp\" : [ 1 , 2 ] }  ",
            "",
            " ",
            "[1,]",
            "{\"a\" 1}",
            "{\"a\": 1,}",
            "[1] x",
            "tru",
            "\"unterminated",
            "\"bad \\x escape\"",
            "{1: 2}",
            "[1, 2",
            "01",
            "\"\u{1}\"",
            "nul",
            "-",
            "1.",
            "[1e]",
            &deep_ok,
            &deep_bad,
            &deep_objects,
            &big,
        ];
        for text in cases {
            assert_same(text);
        }
    }

    /// Every JSON text and every NDJSON line (and its `body`) of the fixtures and captures.
    fn bodies() -> Vec<String> {
        let mut out = Vec::new();
        let mut stack: Vec<PathBuf> = vec!["tests/fixtures".into(), "captures".into()];
        while let Some(dir) = stack.pop() {
            let Ok(read) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in read.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let Ok(text) = std::fs::read_to_string(&path) else {
                    continue;
                };
                match path.extension().and_then(|e| e.to_str()) {
                    Some("json" | "har") => out.push(text),
                    Some("ndjson" | "jsonl") => {
                        for line in text.lines() {
                            out.push(line.to_string());
                            if let Ok(Value::Object(m)) = serde_json::from_str::<Value>(line) {
                                if let Some(body) = m.get("body") {
                                    out.push(body.to_string());
                                    if let Value::String(s) = body {
                                        out.push(s.clone());
                                    }
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        out
    }

    #[test]
    fn fixture_bodies_read_as_serde_json_reads_them() {
        let bodies = bodies();
        assert!(bodies.len() > 100, "fixtures found: {}", bodies.len());
        for text in &bodies {
            assert_same(text);
        }
    }

    fn collect_examples(value: &Value, out: &mut Vec<Value>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    if k == "example" {
                        out.push(v.clone());
                    } else if k == "examples" {
                        if let Value::Object(named) = v {
                            out.extend(named.values().filter_map(|e| e.get("value")).cloned());
                        }
                    }
                    collect_examples(v, out);
                }
            }
            Value::Array(items) => items.iter().for_each(|v| collect_examples(v, out)),
            _ => {}
        }
    }

    /// Both representations give the same verdict and the same errors, in order.
    fn assert_validators_agree(spec_path: &Path, extra: &[Value], limit: usize) -> usize {
        let spec = crate::spec::load(spec_path).expect("spec loads");
        let mut instances = Vec::new();
        collect_examples(&spec.document, &mut instances);
        instances.extend_from_slice(extra);
        instances.truncate(limit);
        let texts: Vec<String> = instances.iter().map(Value::to_string).collect();
        let tapes: Vec<Tape> = texts
            .iter()
            .map(|t| Tape::parse(t).expect("parses"))
            .collect();
        let options = ConvertOptions::new(spec.openapi_version, Direction::Response);
        let mut checked = 0;
        for op in &spec.operations {
            for media in op.responses.iter().flat_map(|r| r.content.iter()) {
                let Some(schema) = &media.schema else {
                    continue;
                };
                let Some(converted) = to_json_schema(&spec.document, &schema.pointer, options)
                else {
                    continue;
                };
                let (a, b) = (
                    compile_for::<SerdeJson>(&converted),
                    compile_for::<TapeJson>(&converted),
                );
                assert_eq!(a.is_ok(), b.is_ok(), "{}: one compiles", schema.pointer);
                let (Ok(a), Ok(b)) = (a, b) else {
                    continue;
                };
                for ((value, text), tape) in instances.iter().zip(&texts).zip(&tapes) {
                    let node = tape.root(text);
                    assert_eq!(a.is_valid(value), b.is_valid(node), "{}", schema.pointer);
                    let errors = |e: jsonschema::ValidationError<'_>| {
                        (e.to_string(), e.instance_path().as_str().to_string())
                    };
                    let left: Vec<_> = a.iter_errors(value).map(errors).collect();
                    let right: Vec<_> = b.iter_errors(node).map(errors).collect();
                    assert_eq!(left, right, "{} on {text:.200}", schema.pointer);
                    checked += 1;
                }
            }
        }
        checked
    }

    /// A big instance is made from the text when it is read, and is the same value; inside an
    /// NDJSON line too (the tape starts at the body), and after a repeated key moved values.
    #[test]
    fn big_error_instances_are_read_back_from_the_text() {
        let schema = serde_json::json!({"type": "object", "required": ["missing"],
            "properties": {"items": {"type": "array", "maxItems": 1, "items": {"type": "object"}}}});
        let items: Vec<String> = (0..1500)
            .map(|i| format!(r#"{{"id": {i}, "n": "é\n"}}"#))
            .collect();
        let body = format!(r#"{{"items": [{}], "x": 1}}"#, items.join(","));
        let line = format!(r#"{{"a": 1, "body": {body}, "z": [2]}}"#);
        let twice = format!(r#"{{"items": 1, "items": [{}], "x": 1}}"#, items.join(","));
        let a = compile_for::<SerdeJson>(&schema).expect("compiles");
        let b = compile_for::<TapeJson>(&schema).expect("compiles");
        let start = line.find("{\"items").expect("body");
        for (text, slice) in [
            (&body, &body[..]),
            (&line, &line[start..start + body.len()]),
            (&twice, &twice[..]),
        ] {
            let tape = Tape::parse_in(text, slice).expect("parses");
            let value: Value = serde_json::from_str(slice).expect("parses");
            let left: Vec<(String, Value)> = a
                .iter_errors(&value)
                .map(|e| (e.to_string(), e.instance().clone().into_owned()))
                .collect();
            let right: Vec<(String, Value)> = b
                .iter_errors(tape.root(text))
                .map(|e| (e.to_string(), e.instance().clone().into_owned()))
                .collect();
            assert_eq!(left.len(), 2);
            assert!(left == right, "{}", &slice[..40]);
        }
        assert!(Tape::parse(&twice).expect("parses").from_text);
        assert!(!Tape::from_value(&serde_json::json!([])).from_text);
    }

    /// Once the reader masked the keys of a line in place (a line with a key twice), keys of one
    /// length read back alike: a big error instance is then built from the tape, which kept the
    /// real keys, not read again from the masked text.
    #[test]
    fn big_error_instances_of_a_line_with_masked_keys_are_the_real_values() {
        let schema = serde_json::json!({"properties": {"items": {"maxItems": 1}}});
        let items: Vec<String> = (0..1500)
            .map(|i| format!(r#"{{"id": {i}, "nm": "x"}}"#))
            .collect();
        let text = format!(r#"{{"items": 1, "items": [{}]}}"#, items.join(","));
        let value: Value = serde_json::from_str(&text).expect("parses");
        let mut tape = Tape::parse(&text).expect("parses");
        tape.detach(&text, "", true);
        let masked = text
            .replace("\"items\"", "\"*****\"")
            .replace("\"id\"", "\"**\"")
            .replace("\"nm\"", "\"**\"")
            .replace("\"x\"", "\"*\"");
        let b = compile_for::<TapeJson>(&schema).expect("compiles");
        let instances: Vec<Value> = b
            .iter_errors(tape.root(&masked))
            .map(|e| e.instance().clone().into_owned())
            .collect();
        assert_eq!(instances, vec![value["items"].clone()]);
    }

    /// A message shows the same start of a big value from its preview as from the whole.
    #[test]
    fn previews_show_what_the_whole_value_shows() {
        let shorten = crate::validate::explain::shorten;
        let cases = [
            r#"[{"id": 1, "name": "ab"}, {"id": 2, "name": "cd"}, {"id": 3, "name": "ef"}, {"id": 4}, 5, 6, 7, 8, 9, 10]"#,
            r#"{"api_key": "sk_live_0123456789012345678901234567890123456789012345678901234567890123", "b": 1, "c": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]}"#,
            r#"[{"token": "0123456789012345678901234567890123456789012345678901234567890123456789"}, {"x": "é🦀\n\"", "y": "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"}]"#,
            r#"["é🦀é🦀é🦀é🦀é🦀é🦀é🦀é🦀é🦀é🦀é🦀é🦀é🦀é🦀é🦀é🦀é🦀é🦀é🦀é🦀é🦀é🦀é🦀é🦀é🦀é🦀é🦀é🦀é🦀é🦀é🦀é🦀é🦀é🦀é🦀é🦀é🦀é🦀"]"#,
            r#"{"a": {"b": {"c": {"d": [[[[["deep", "deeper", "deepest", "and", "more", "words", "here", "to", "pass", "sixty"]]]]]}}}}"#,
            r#"[1, 2]"#,
            r#"{}"#,
        ];
        for text in cases {
            let tape = Tape::parse(text).expect("parses");
            let root = tape.root(text);
            for chars in [60, 64, 100] {
                assert_eq!(
                    shorten(&root.preview(chars)),
                    shorten(&root.to_value()),
                    "{text}"
                );
            }
        }
    }

    #[test]
    fn validators_agree_on_the_bundled_specs() {
        let extra: Vec<Value> = bodies()
            .iter()
            .filter_map(|t| serde_json::from_str(t).ok())
            .collect();
        for spec in [
            "spec/kommo.yaml",
            "spec/v4marketing.yaml",
            "spec/espocrm.yaml",
        ] {
            let checked = assert_validators_agree(Path::new(spec), &extra, 150);
            eprintln!("{spec}: {checked} validations compared");
            assert!(checked > 0, "{spec}: nothing checked");
        }
    }

    #[test]
    fn validators_agree_on_corpus_specs() {
        let dir = Path::new("../shared/corpus/openapi31");
        let dir = if dir.exists() {
            dir.to_path_buf()
        } else {
            PathBuf::from("/work/shared/corpus/openapi31")
        };
        if !dir.exists() {
            eprintln!("SKIPPED: the specs corpus is absent ({})", dir.display());
            return;
        }
        let mut specs = Vec::new();
        let mut stack = vec![dir];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let path = entry.path();
                let ext = path.extension().and_then(|e| e.to_str());
                if path.is_dir() {
                    stack.push(path);
                } else if matches!(ext, Some("yaml" | "yml" | "json")) {
                    specs.push(path);
                }
            }
        }
        specs.sort();
        let extra: Vec<Value> = bodies()
            .iter()
            .filter_map(|t| serde_json::from_str(t).ok())
            .collect();
        let mut total = 0;
        for spec in specs.iter().take(8) {
            if crate::spec::load(spec).is_ok() {
                let checked = assert_validators_agree(spec, &extra, 40);
                eprintln!("{}: {checked} validations compared", spec.display());
                total += checked;
            }
        }
        assert!(total > 0, "no validation compared in {} specs", specs.len());
    }
}
