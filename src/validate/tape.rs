//! A body's JSON as a tape: one flat vector of 8-byte entries in document order, pointing into
//! the body's text instead of copying it.
//!
//! A `serde_json::Value` costs one allocation per string and a hash index per object, about
//! three times the text, and building it was most of the validation CPU (issue 13). The tape is
//! built by the same `serde_json` parser (driven through a [`DeserializeSeed`], so syntax errors,
//! their positions and the recursion limit are `serde_json`'s own), but a string without escapes
//! is kept as its place in the text; only escaped strings are unescaped, into one side buffer.
//! A container knows the index just past its last descendant, so a sibling is one step away.
//!
//! An entry is two 32-bit words, because issue 12 bounds a huge entry's memory at about twice
//! its size and a dense body (`[{"id":1,"name":"ab"}, ...]`) has one value per 7 bytes of text:
//! at 8 bytes a value, a 255 MB line of them takes 291 MB of tape (20-byte entries took 730 MB).
//! So nothing is stored twice: `serde_json` gives the place of strings and keys only, so a
//! member keeps where its key ends, and its string value is found after it (`:` and whitespace,
//! then the value's `"`); an unescaped key starts after the `"` before its end. An integer that
//! needs more than 20 bits (60 for an array item or the root, whose first word holds no key), a
//! float, and a string or key with escapes go to side tables the entry indexes.
//! Member counts are not stored: counting walks the children, one step each. A body of more
//! than 268 million entries is an error.
//!
//! An entry a value is still four times the text of `[1,1,...]` (2 bytes an item), so
//! consecutive items of one array that are small scalars (integers from -134,217,725 to
//! 268,435,449, floats that are short decimals like `0.5`, null, booleans, `[]`, `{}`) share
//! one entry of up to 14 slots (see [`Packed`]), and consecutive short strings one entry of up
//! to 16 (see [`RUN_SHIFT`]): a node is then an entry and a slot.
//!
//! The tape has `Value`'s meaning exactly, duplicate keys included: like `serde_json`'s
//! `preserve_order` map, the last value of a repeated key wins, at the first key's place.
//! [`TapeJson`] lets `jsonschema` validate it directly; [`TapeNode::to_value`] builds a `Value`
//! for the cold paths (error instances, messages).

use std::borrow::Cow;
use std::collections::hash_map::Entry as Slot;
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use jsonschema::json::{Array, Json, Node, NodeIdentity, Object};
use jsonschema::JsonType;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// What one entry holds: the top 4 bits of its second word. The other 28 are its payload.
/// In this order: the kinds of one item, then those of several (`StrAt`, `Packed`), then the
/// containers, so that a walk tells the first from the others in one comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Kind {
    /// With `False`, `True`, the small numbers and the text strings, the payload has room for
    /// the member's key's length (see [`VALUE`]).
    Null,
    False,
    True,
    /// A non-negative integer below 2^20: the payload's value.
    SmallPos,
    /// A negative integer above -2^20: the payload's value is its magnitude.
    SmallNeg,
    /// A non-negative integer as `serde_json` reads it (`u64`): the payload indexes the numbers.
    BigPos,
    /// A negative integer (`i64`), as `BigPos`.
    BigNeg,
    /// A float, its bits in the numbers, as `BigPos`.
    Float,
    /// A member's string of the text without escapes: it starts after its key (see
    /// [`value_start`]); the payload's value is its length (see [`LONG`]).
    StrAfterKey,
    /// A string in the side buffer: the payload indexes the side strings.
    StrSide,
    /// A non-negative integer below 2^60 that is an array item or the root: such an entry has
    /// no key, so its first word holds the low 32 bits and the payload the rest (an array of
    /// IDs then costs one entry per item, not an entry and a number).
    WidePos,
    /// A negative integer above -2^60, an item or the root: its magnitude, as `WidePos`.
    WideNeg,
    /// A string of the text without escapes that starts at the entry's first word (an array
    /// item or the root): the payload's value is its length (see [`LONG`]). An array's
    /// consecutive short strings share one (see [`RUN_SHIFT`]): a node is then an entry and a
    /// slot, as in a [`Kind::Packed`] entry.
    StrAt,
    /// Several consecutive items of one array that are small scalars or short decimals, in the
    /// slots of the entry's 60 bits (see [`Packed`]): `[1,1,...]` has 2 bytes of text per item, and an entry
    /// each would be 4 times the text. Never a node's own kind: a node inside it reads as the
    /// entry its slot stands for (see [`Small::entry`]).
    Packed,
    /// The payload is the index just past the last descendant.
    Array,
    /// As `Array`.
    Object,
}

// The order the walks rely on (`Entry::is_container`, `Entry::holds`, `Children::next`): the
// kinds of several items, then the containers, last.
const _: () = assert!(
    Kind::StrAt as u32 + 1 == Kind::Packed as u32
        && Kind::Packed as u32 + 1 == Kind::Array as u32
        && Kind::Array as u32 + 1 == Kind::Object as u32
        && Kind::Object as u32 == 15
);

/// The payload bits of an entry's second word.
const PAYLOAD: u32 = (1 << 28) - 1;

/// The low 20 bits of a payload that also holds the length of its member's key, up to
/// [`KEY_LEN_MAX`], above them (0: not known, found by looking back for the key's `"`): a
/// members pass (`required`, `additionalProperties`, the unknown-keys walk) reads every key, and
/// most members are such scalars.
const VALUE: u32 = (1 << 20) - 1;
const KEY_LEN_SHIFT: u32 = 20;
const KEY_LEN_MAX: u32 = PAYLOAD >> KEY_LEN_SHIFT;

/// A text string's length meaning "this long or longer": its end is its closing `"` (a string
/// without escapes holds none), found when it is read.
const LONG: u32 = VALUE;

/// Where a [`Kind::StrAt`] entry's payload says how many strings follow its first in the text
/// (up to [`RUN_MORE`]): `["a","a",...]` has 4 bytes of text an item, and an entry each would
/// be twice that. String `k` is found from the first by scanning past `k` closing quotes,
/// commas and whitespace, so a run holds only strings of up to [`RUN_STR_MAX`] bytes that
/// are written as they are (nothing JSON escapes), each at most [`RUN_GAP_MAX`] bytes past
/// the one before: reading one costs a few hundred bytes at worst.
const RUN_SHIFT: u32 = 20;
/// The most strings after a run's first: a node's slot is below 16 (see `identity`).
const RUN_MORE: u32 = 15;
const RUN_STR_MAX: usize = 32;
/// From a run string's closing quote to the next one's start: `","` and whitespace.
const RUN_GAP_MAX: u32 = 64;
/// The bit of a [`Kind::StrAt`] payload that says its first word is a place in the side
/// buffer, not in the text: the run's text copied there (see [`Tape::detach_run`]) or written
/// there (see [`Tape::from_value`]), each string with its closing quote.
const RUN_IN_SIDE: u32 = 1 << 27;

/// Integers of an item or the root below this magnitude are held in their entry (see
/// [`Kind::WidePos`]).
const WIDE_LIMIT: u64 = 1 << 60;

/// The most entries, side strings or numbers a tape holds: a container's payload must index
/// past its last entry.
const MAX_VALUES: usize = PAYLOAD as usize;

/// The bit of a member's first word that says its key is a side string (its index below).
const SIDE_KEY: u32 = 1 << 31;

/// One value of the document, in two words (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    /// An object member: where its key ends in the text (its closing `"`), or [`SIDE_KEY`] and
    /// the key's side index. An array item or the root: where its string starts, if it is a [`Kind::StrAt`].
    at: u32,
    /// The kind in the top 4 bits, the payload below.
    word: u32,
}

impl Entry {
    fn new(kind: Kind, at: u32, payload: u32) -> Entry {
        Entry {
            at,
            word: (kind as u32) << 28 | (payload & PAYLOAD),
        }
    }

    fn kind(self) -> Kind {
        // Each code to the kind of that discriminant: compiled to no lookup at all.
        match self.word >> 28 {
            1 => Kind::False,
            2 => Kind::True,
            3 => Kind::SmallPos,
            4 => Kind::SmallNeg,
            5 => Kind::BigPos,
            6 => Kind::BigNeg,
            7 => Kind::Float,
            8 => Kind::StrAfterKey,
            9 => Kind::StrSide,
            10 => Kind::WidePos,
            11 => Kind::WideNeg,
            12 => Kind::StrAt,
            13 => Kind::Packed,
            14 => Kind::Array,
            15 => Kind::Object,
            _ => Kind::Null,
        }
    }

    fn payload(self) -> u32 {
        self.word & PAYLOAD
    }

    fn with_payload(self, payload: u32) -> Entry {
        Entry::new(self.kind(), self.at, payload)
    }

    fn is_container(self) -> bool {
        // The last two kinds: one comparison on the walks' hot path.
        self.word >> 28 >= Kind::Array as u32
    }

    /// How many strings follow the first of a [`Kind::StrAt`] run.
    fn run_more(self) -> usize {
        (self.payload() >> RUN_SHIFT & RUN_MORE) as usize
    }

    /// Whether a [`Kind::StrAt`] run is in the side buffer (see [`RUN_IN_SIDE`]).
    fn in_side(self) -> bool {
        self.payload() & RUN_IN_SIDE != 0
    }

    /// Whether slot `k` of this entry holds an item: the first of every entry; more in a packed
    /// entry and a string run.
    #[inline]
    fn holds(self, k: usize) -> bool {
        // Two comparisons for the other kinds, on the walks' hot path.
        let kind = self.word >> 28;
        if k == 0 {
            true
        } else if kind == Kind::StrAt as u32 {
            k <= self.run_more()
        } else {
            kind == Kind::Packed as u32 && self.packed_holds(k)
        }
    }

    /// How many values of the document this entry stands for: the items of a packed entry or
    /// of a run of strings, else one.
    fn values(self) -> usize {
        match self.kind() {
            Kind::StrAt => 1 + self.run_more(),
            Kind::Packed => Packed(self.wide()).len(),
            _ => 1,
        }
    }

    /// [`Entry::holds`] of a packed entry, out of line: inlined, it kept the member walks
    /// from inlining their step (Kommo +4.6 % instructions).
    #[inline(never)]
    fn packed_holds(self, k: usize) -> bool {
        Packed(self.wide()).code(k).is_some()
    }

    /// A wide integer's magnitude: the first word and the payload above it.
    fn wide(self) -> u64 {
        u64::from(self.at) | u64::from(self.payload()) << 32
    }

    /// The payload's value, for the kinds that keep their key's length beside it.
    fn value(self) -> u32 {
        self.word & VALUE
    }

    /// The length of the member's key, when the entry keeps it.
    fn key_len(self) -> Option<usize> {
        let keeps = matches!(
            self.kind(),
            Kind::Null
                | Kind::False
                | Kind::True
                | Kind::SmallPos
                | Kind::SmallNeg
                | Kind::StrAfterKey
        );
        let len = self.payload() >> KEY_LEN_SHIFT;
        (keeps && len > 0).then_some(len as usize)
    }
}

/// Why a tape cannot hold a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TooBig {
    /// More entries, side strings or numbers than [`MAX_VALUES`] (or a test's smaller limit).
    Values,
    /// Side strings of 4 GiB or more.
    Strings,
}

impl fmt::Display for TooBig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TooBig::Values => "body has more than 268 million values",
            TooBig::Strings => "strings too large (4 GiB or more)",
        })
    }
}

/// A number as `serde_json` reads it.
#[derive(Debug, Clone, Copy)]
enum Num {
    Pos(u64),
    Neg(i64),
    Float(f64),
}

/// Where the string value of a member whose unescaped key ends at `close` (its closing `"`)
/// begins: past that quote, whitespace, `:`, whitespace and the value's opening `"`.
fn value_start(text: &[u8], close: usize) -> Option<usize> {
    let start = crate::source::member_value_start(text, close + 1)?;
    (text.get(start) == Some(&b'"')).then_some(start + 1)
}

/// Texts longer than this are counted before their tape is read (see `Tape::read`).
const COUNT_PAST: usize = 1 << 20;

/// An array item that a packed entry can hold: a small scalar (see [`Kind::Packed`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Small {
    /// A non-negative integer; whether it fits depends on the slot (see [`Small::code`]).
    Int(u32),
    /// A negative integer's magnitude, as `Int`; an entry with one is signed (see [`SIGNED`]).
    Neg(u32),
    /// A non-negative float that is a short decimal: its mantissa above [`FRACTION_BITS`] bits
    /// of fraction digits (see [`Small::of_float`]); an entry with one is decimal (see
    /// [`DECIMAL`]).
    Dec(u32),
    /// A negative float's magnitude, as `Dec`: the entry is decimal and signed.
    NegDec(u32),
    Null,
    False,
    True,
    EmptyArray,
    EmptyObject,
}

/// The codes just below a slot's empty code, in [`Small::code`]'s order.
const SPECIALS: [Small; 5] = [
    Small::Null,
    Small::False,
    Small::True,
    Small::EmptyArray,
    Small::EmptyObject,
];

/// A packed entry's slot layouts, narrowest first: (bits of a slot, slots). Four, chosen by
/// the two top bits of the entry's 60; the slots fill the 56 lowest bits from the lowest up.
/// Four bits hold the digits, so `[1,1,...]` is 14 items an entry (0.6 byte each).
const WIDTHS: [(u32, usize); 4] = [(4, 14), (9, 6), (14, 4), (28, 2)];

/// Where the layout's selector starts in a packed entry's bits.
const SELECTOR: u32 = 58;

/// The bit of a packed entry that says its integers are signed, the bit below the selector and
/// above every layout's slots: then integer `n` is code `2n`, and `-n` is `2n - 1` (`[-1,1,...]`
/// and `[-1,-1,...]` pack as densely as `[1,1,...]`). An entry of non-negative integers is not
/// signed, so its slots hold integers twice as big.
const SIGNED: u32 = 57;

/// The bit of a packed entry that says its integers are decimals ([`Small::Dec`]), below
/// [`SIGNED`]: `[0.5,0.5,...]` has 4 bytes of text an item, and a lone float costs an entry and
/// a number (16 bytes). An entry is decimal or not, so an integer item reads as the integer it
/// was and a float as the float (`1` and `1.0` differ).
const DECIMAL: u32 = 56;

/// The low bits of a decimal's integer: how many fraction digits it has.
const FRACTION_BITS: u32 = 3;

/// Powers of ten by fraction digits: exact in `f64`, so `m / 10^f` is rounded once.
const POW10: [f64; 1 << FRACTION_BITS] = [1.0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7];

impl Small {
    /// The number item `n`, if it may be packed.
    fn of_num(n: Num) -> Option<Small> {
        match n {
            Num::Pos(u) => u32::try_from(u).ok().map(Small::Int),
            Num::Neg(i) => u32::try_from(i.unsigned_abs()).ok().map(Small::Neg),
            Num::Float(x) => Small::of_float(x),
        }
    }

    /// The float `x` as a decimal, `m / 10^f` with the fewest fraction digits `f` that read
    /// back as exactly `x` (the same bits: a packed float is the very `Number` a lone one is,
    /// whatever text it came from), if there is one with a mantissa below 2^29.
    fn of_float(x: f64) -> Option<Small> {
        let magnitude = x.abs();
        for (f, pow) in POW10.iter().enumerate() {
            let scaled = magnitude * pow;
            if scaled >= f64::from((1u32 << (32 - FRACTION_BITS)) - 1) {
                return None;
            }
            // Not negative and below 2^29 - 1: rounded to the nearest, and it fits with `f`.
            let m = (scaled + 0.5) as u32;
            // A decimal of `f` digits times 10^f is within a few ulps of its mantissa (below
            // 2^29 · 2^-50): the other `f` are passed over without the division below.
            if (scaled - f64::from(m)).abs() > 1e-6 {
                continue;
            }
            let code = m << FRACTION_BITS | f as u32;
            let item = if x.is_sign_negative() {
                Small::NegDec(code)
            } else {
                Small::Dec(code)
            };
            if item.float().map(f64::to_bits) == Some(x.to_bits()) {
                return Some(item);
            }
        }
        None
    }

    /// A decimal's value: the one reading of [`Small::Dec`], for packing and for reading.
    fn float(self) -> Option<f64> {
        let (code, sign) = match self {
            Small::Dec(code) => (code, 1.0),
            Small::NegDec(code) => (code, -1.0),
            _ => return None,
        };
        let pow = POW10[(code & ((1 << FRACTION_BITS) - 1)) as usize];
        Some(sign * f64::from(code >> FRACTION_BITS) / pow)
    }

    /// The number this item is, if it is one, as `serde_json` holds it.
    fn number(self) -> Option<Number> {
        match self {
            Small::Int(n) => Some(Number::from(n)),
            Small::Neg(n) => Some(Number::from(-i64::from(n))),
            Small::Dec(_) | Small::NegDec(_) => self.float().and_then(Number::from_f64),
            _ => None,
        }
    }

    /// The item that `value` is, if it may be packed.
    fn of_value(value: &Value) -> Option<Small> {
        match value {
            Value::Null => Some(Small::Null),
            Value::Bool(b) => Some(Small::of_bool(*b)),
            Value::Number(n) => Small::of_num(number_of(n)),
            Value::Array(items) if items.is_empty() => Some(Small::EmptyArray),
            Value::Object(map) if map.is_empty() => Some(Small::EmptyObject),
            _ => None,
        }
    }

    fn of_bool(b: bool) -> Small {
        if b {
            Small::True
        } else {
            Small::False
        }
    }

    /// Whether this is a decimal, which only a [`DECIMAL`] entry holds.
    fn is_decimal(self) -> bool {
        matches!(self, Small::Dec(_) | Small::NegDec(_))
    }

    /// Whether this is a negative number, which only a [`SIGNED`] entry holds.
    fn is_negative(self) -> bool {
        matches!(self, Small::Neg(_) | Small::NegDec(_))
    }

    /// The code of this item in a slot of `bits` of an entry of the `form`, if it fits there:
    /// the one rule of what packs where. A slot's all-ones code is "empty"; the five
    /// [`SPECIALS`] stand just below it, and the integers below them (0..=9 in four bits, up to
    /// 268,435,449 in 28; see [`SIGNED`]), which are decimals in a decimal entry.
    fn code(self, bits: u32, form: Form) -> Option<u64> {
        let ints = (1u64 << bits) - 1 - SPECIALS.len() as u64;
        let n = match self {
            Small::Int(n) | Small::Neg(n) | Small::Dec(n) | Small::NegDec(n) => u64::from(n),
            special => {
                let at = SPECIALS.iter().position(|&s| s == special)?;
                return Some(ints + at as u64);
            }
        };
        if self.is_decimal() != form.decimal || self.is_negative() && !form.signed {
            return None;
        }
        let int = match (form.signed, self.is_negative()) {
            (true, true) => (n * 2).checked_sub(1)?,
            (true, false) => n * 2,
            (false, _) => n,
        };
        (int < ints).then_some(int)
    }

    /// The item of a non-empty `code` in a slot of `bits` of an entry of the `form`.
    fn decode(code: u64, bits: u32, form: Form) -> Small {
        let ints = (1u64 << bits) - 1 - SPECIALS.len() as u64;
        // Codes are below 2^28.
        let (n, negative) = match code.checked_sub(ints) {
            Some(at) => return SPECIALS.get(at as usize).copied().unwrap_or(Small::Null),
            None if form.signed && code % 2 == 1 => (code.div_ceil(2) as u32, true),
            None if form.signed => ((code / 2) as u32, false),
            None => (code as u32, false),
        };
        match (form.decimal, negative) {
            (false, false) => Small::Int(n),
            (false, true) => Small::Neg(n),
            (true, false) => Small::Dec(n),
            (true, true) => Small::NegDec(n),
        }
    }

    /// The entry that a lone item would have: what a node in a packed entry reads.
    fn entry(self) -> Entry {
        match self {
            Small::Int(n) => Entry::new(Kind::WidePos, n, 0),
            Small::Neg(n) => Entry::new(Kind::WideNeg, n, 0),
            // A float's bits would be in the numbers: a decimal has the kind alone, with no
            // number's index (see `TapeNode::number`, which reads it from its slot).
            Small::Dec(_) | Small::NegDec(_) => Entry::new(Kind::Float, 0, PAYLOAD),
            Small::Null => Entry::new(Kind::Null, 0, 0),
            Small::False => Entry::new(Kind::False, 0, 0),
            Small::True => Entry::new(Kind::True, 0, 0),
            // A container whose end is 0 has no children, wherever it stands.
            Small::EmptyArray => Entry::new(Kind::Array, 0, 0),
            Small::EmptyObject => Entry::new(Kind::Object, 0, 0),
        }
    }
}

/// What a packed entry's integers are: signed (see [`SIGNED`]), decimals (see [`DECIMAL`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Form {
    signed: bool,
    decimal: bool,
}

/// The bits of a [`Kind::Packed`] entry: its first word and its payload, as a wide integer's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Packed(u64);

impl Packed {
    fn of(e: Entry) -> Option<Packed> {
        (e.kind() == Kind::Packed).then(|| Packed(e.wide()))
    }

    fn entry(self) -> Entry {
        Entry::new(Kind::Packed, self.0 as u32, (self.0 >> 32) as u32)
    }

    /// The slot layout: bits of a slot, slots.
    fn layout(self) -> (u32, usize) {
        WIDTHS[(self.0 >> SELECTOR) as usize & 3]
    }

    /// The code in slot `k`, unless it is empty or past the last.
    fn code(self, k: usize) -> Option<u64> {
        let (bits, slots) = self.layout();
        if k >= slots {
            return None;
        }
        let empty = (1u64 << bits) - 1;
        let code = (self.0 >> (k as u32 * bits)) & empty;
        (code != empty).then_some(code)
    }

    /// The item in slot `k`, unless it is empty or past the last.
    fn get(self, k: usize) -> Option<Small> {
        let (bits, _) = self.layout();
        self.code(k)
            .map(|code| Small::decode(code, bits, self.form()))
    }

    fn form(self) -> Form {
        Form {
            signed: self.0 >> SIGNED & 1 == 1,
            decimal: self.0 >> DECIMAL & 1 == 1,
        }
    }

    /// How many slots hold items: they fill from the first on.
    fn len(self) -> usize {
        (0..self.layout().1)
            .take_while(|&k| self.code(k).is_some())
            .count()
    }

    /// The narrowest layout holding `items` in order, if one does.
    fn with(items: &[Small]) -> Option<Packed> {
        let form = Form {
            signed: items.iter().any(|item| item.is_negative()),
            decimal: items.iter().any(|item| item.is_decimal()),
        };
        let layout = |(selector, &(bits, slots)): (usize, &(u32, usize))| {
            if items.len() > slots {
                return None;
            }
            let empty = (1u64 << bits) - 1;
            let all_empty = (1u64 << (bits * slots as u32)) - 1;
            let mut word = (selector as u64) << SELECTOR
                | u64::from(form.signed) << SIGNED
                | u64::from(form.decimal) << DECIMAL
                | all_empty;
            for (k, item) in items.iter().enumerate() {
                let shift = k as u32 * bits;
                word = word & !(empty << shift) | item.code(bits, form)? << shift;
            }
            Some(Packed(word))
        };
        WIDTHS.iter().enumerate().find_map(layout)
    }

    /// These items and `item` after them, if one entry holds them: in a free slot of this
    /// layout, or in a wider one that holds them all (so `0, 1, ..., 1000` stay dense).
    fn push(self, item: Small) -> Option<Packed> {
        let (bits, slots) = self.layout();
        let n = self.len();
        let code = item.code(bits, self.form()).filter(|_| n < slots);
        if let Some(code) = code {
            let shift = n as u32 * bits;
            return Some(Packed(
                self.0 & !(((1u64 << bits) - 1) << shift) | code << shift,
            ));
        }
        let mut items = [Small::Null; 15];
        for (k, slot) in items.iter_mut().enumerate().take(n) {
            *slot = self.get(k)?;
        }
        items[n] = item;
        Packed::with(&items[..=n])
    }
}

/// The entry the last array item went into, while nothing came after it: a packed entry or a
/// string run (see [`Tape::pack`], [`Tape::push_run_str`]). One word, the entry's index in the
/// low half and where a run's last string ends (its closing quote, in the text or the side
/// buffer) in the high half, so that a result holding it is returned in registers: a struct of
/// two fields went through memory, and the parser's item path stalled on it (`[1,1,...]` took
/// 28 % more time).
#[derive(Debug, Clone, Copy)]
struct Run(u64);

impl Run {
    fn new(entry: usize, end: u32) -> Run {
        // An entry's index is below 2^28.
        Run(entry as u64 | u64::from(end) << 32)
    }

    fn entry(self) -> usize {
        self.0 as u32 as usize
    }

    fn end(self) -> u32 {
        (self.0 >> 32) as u32
    }
}

/// Whether a string item may be in a run (see [`RUN_SHIFT`]): short, and (`written_plainly`:
/// unless the text is known to hold it without escapes) what `serde_json` writes as it is, so
/// the text of a tape from a `Value` reads back into the same runs.
fn runs(s: &str, written_plainly: bool) -> bool {
    s.len() <= RUN_STR_MAX
        && (written_plainly || !s.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20))
}

/// String `k` of the [`Kind::StrAt`] run `e` in `text` (the text, or the side buffer when the
/// run is there): the first at `e.at`, each next one past the one before's closing quote, its
/// comma and whitespace.
fn run_str(text: &str, e: Entry, k: usize) -> Option<&str> {
    let bytes = text.as_bytes();
    let (mut start, mut len) = (e.at as usize, e.value());
    for _ in 0..k {
        let close = match len {
            LONG => start + memchr::memchr(b'"', bytes.get(start..)?)?,
            n => start + n as usize,
        };
        let comma = crate::source::skip_json_space(bytes, close + 1);
        let open = crate::source::skip_json_space(bytes, comma + 1);
        if bytes.get(comma) != Some(&b',') || bytes.get(open) != Some(&b'"') {
            return None;
        }
        (start, len) = (open + 1, LONG);
    }
    text_str(text, start, len)
}

impl Kind {
    fn json_type(self) -> JsonType {
        match self {
            Kind::Null => JsonType::Null,
            Kind::False | Kind::True => JsonType::Boolean,
            Kind::SmallPos
            | Kind::SmallNeg
            | Kind::BigPos
            | Kind::BigNeg
            | Kind::WidePos
            | Kind::WideNeg
            | Kind::Float => JsonType::Number,
            Kind::StrAt | Kind::StrAfterKey | Kind::StrSide => JsonType::String,
            Kind::Array => JsonType::Array,
            Kind::Object => JsonType::Object,
            // Never a node's kind (see `TapeNode::entry`).
            Kind::Packed => JsonType::Null,
        }
    }
}
/// How many values the first JSON value of `text` holds (containers, members, items; keys live
/// in their value's entry): the most entries its tape takes (packed items share one; the
/// capacity left over is never touched, so it is not resident); `None` if it is not JSON (the
/// read that follows reports why).
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
    /// Unescaped strings and keys that had escapes, and strings copied out of the text.
    side: String,
    /// Where each side string is in `side`: (start, length).
    sides: Vec<(u32, u32)>,
    /// The numbers that do not fit an entry's payload, as 64 bits.
    numbers: Vec<u64>,
    /// The entry of the document's root: 0, or a member of a parsed whole (see
    /// [`Tape::into_member`]).
    root: usize,
    /// Whether some object had a key twice, in the document or in the capture line it stands in
    /// (see [`Tape::note_duplicates`]): masking then covers every string value, and spans are
    /// found by scanning.
    duplicates: bool,
    /// Where in the text the parse began: the offset of the parsed slice (see `from_text`).
    origin: usize,
    /// Whether the tape was read from the text at `origin`: reading it again gives the same
    /// values in the same order (repeated keys are resolved the same way), so a big error
    /// instance is rebuilt from the text when it is read, found by its [`Tape::ordinal`] (see
    /// [`Tape::reparsed`]); not for a tape made from a `Value`, which has no text, nor for one
    /// that skipped members. Strings the reader masked in place read back masked there (keys
    /// are never masked); messages show a big value from the tape itself (see `explain`), so
    /// only a message that prints a whole big value (`maxItems`) shows the mask.
    from_text: bool,
    /// Whether strings were copied out of the text before masking (see [`Tape::detach`]): the
    /// text then reads back other values than the tape's.
    detached: bool,
    /// The document as JSON text, for a tape not `from_text` or a root whose text was masked
    /// (see `lazy_value`): written when it is first needed, it reads back into the same values
    /// from the root on, found by their ordinal.
    written: std::sync::OnceLock<String>,
    /// The container [`TapeNode::len`] counted last, and its count.
    last_len: Memo,
    /// The object [`TapeNode::get`] found a member of last, and the entry just past that
    /// member: where its next lookup starts.
    last_get: Memo,
    /// The members of the last object a lookup had to scan far in, by key hash.
    key_index: KeyIndex,
    /// The members of the last object a [`TapeKey`] was looked up in.
    listed: Listed,
}

/// How many members a lookup scans before the object gets a [`KeyIndex`].
const INDEX_PAST: usize = 8;

/// Something kept about one object's members (its entry, then the memo), for the lookups that
/// come next in the same object: `jsonschema` looks a `required` list up in one go, so one
/// object at a time. Behind a lock because a tape is shared, never waited on: a busy memo means
/// a scan. Boxed: a tape stays small where it is held by value (a capture line's body). A
/// clone starts empty.
#[derive(Debug)]
struct OneObject<T>(std::sync::Mutex<Option<Box<(usize, T)>>>);

impl<T> Default for OneObject<T> {
    fn default() -> Self {
        OneObject(std::sync::Mutex::new(None))
    }
}

impl<T> Clone for OneObject<T> {
    fn clone(&self) -> Self {
        OneObject::default()
    }
}

impl<T> OneObject<T> {
    fn clear(&mut self) {
        if let Ok(slot) = self.0.get_mut() {
            *slot = None;
        }
    }
}

/// The members of one object sorted by the hash of their keys, for [`TapeNode::get`]: GitHub's
/// `required` lists are alphabetical and its bodies are not, so a lookup that resumes where the
/// last one stopped scans half the object each time (40 names in `repository`'s 80 members).
type KeyIndex = OneObject<Vec<(u64, u32)>>;

impl KeyIndex {
    /// The member of `object` whose key `is_key` accepts, if `object` is the indexed one:
    /// `Some(None)` when it has no such member; `None` when it is not indexed.
    fn find(
        &self,
        object: usize,
        key: &str,
        is_key: impl Fn(usize) -> bool,
    ) -> Option<Option<usize>> {
        let guard = self.0.try_lock().ok()?;
        let (indexed, members) = guard.as_deref()?;
        if *indexed != object {
            return None;
        }
        let hash = crate::hash::key_hash(key);
        let from = members.partition_point(|&(h, _)| h < hash);
        let found = members[from..]
            .iter()
            .take_while(|&&(h, _)| h == hash)
            .map(|&(_, i)| i as usize)
            .find(|&i| is_key(i));
        Some(found)
    }

    /// Indexes `members` (entry, key) of `object`, in place of the object indexed before.
    fn build<'k>(&self, object: usize, members: impl Iterator<Item = (usize, &'k str)>) {
        let Ok(mut guard) = self.0.try_lock() else {
            return;
        };
        let slot = guard.get_or_insert_with(|| Box::new((object, Vec::new())));
        slot.0 = object;
        slot.1.clear();
        slot.1
            .extend(members.map(|(i, key)| (crate::hash::key_hash(key), i as u32)));
        slot.1.sort_unstable();
    }
}

/// A member name `jsonschema` prepared when the schema compiled (a `required` list's), with
/// where among an object's members it was found last. GitHub's `required` lists are
/// alphabetical and its bodies are not, but the objects one schema meets have their members in
/// one order, or a few (one component's examples in several places), so the name is most often
/// found at once where it was last or the time before; a member added or missing shifts the
/// rest by one, so the search then goes outward from there. A hint only says where to look
/// first and what is found there is checked, so a wrong one (another order, another thread)
/// costs a scan, never another answer.
#[derive(Debug)]
pub struct TapeKey {
    name: Box<str>,
    /// Whether the name has no `"` (see [`Tape::key_is`]).
    quote_free: bool,
    /// The member's position among the object's members (0: the first) when it was found last,
    /// in the low half, and the different one before, in the high half.
    hints: AtomicU64,
}

impl TapeKey {
    /// The entry among `members` whose key `is_key` accepts: where the hints point, else
    /// outward from the last one.
    fn find(&self, members: &[u32], is_key: impl Fn(usize) -> bool) -> Option<usize> {
        let hints = self.hints.load(Relaxed);
        let (last, before) = (
            (hints & u64::from(u32::MAX)) as usize,
            (hints >> 32) as usize,
        );
        let is_at = |p: usize| members.get(p).is_some_and(|&e| is_key(e as usize));
        let found = if is_at(last) {
            return Some(members[last] as usize);
        } else if is_at(before) {
            Some(before)
        } else {
            TapeKey::outward(members.len(), last.min(members.len()), is_at)
        }?;
        // Positions are below 2^28, as every entry's index.
        self.hints
            .store((last as u64) << 32 | found as u64, Relaxed);
        Some(members[found] as usize)
    }

    /// The position below `len` that `is_at` accepts, looked for from `from` outward.
    fn outward(len: usize, from: usize, is_at: impl Fn(usize) -> bool) -> Option<usize> {
        let (mut after, mut before) = (from..len, (0..from).rev());
        loop {
            let (a, b) = (after.next(), before.next());
            if a.is_none() && b.is_none() {
                return None;
            }
            if let Some(p) = a.into_iter().chain(b).find(|&p| is_at(p)) {
                return Some(p);
            }
        }
    }
}

/// The member entries of the object a [`TapeKey`] was looked up in last, in order: what its
/// hint indexes.
type Listed = OneObject<Vec<u32>>;

/// One answer about one entry, kept for the keyword that asks about the same entry next
/// (`jsonschema` runs an object's keywords one after the other). The entry (plus one: 0 is
/// none) in the high half of one word, the answer in the low half: both are below 2^28, and
/// the word is read whole by any thread.
#[derive(Debug, Default)]
struct Memo(AtomicU64);

impl Memo {
    fn get(&self, entry: usize) -> Option<usize> {
        let word = self.0.load(Relaxed);
        (word >> 32 == entry as u64 + 1).then_some((word & u64::from(u32::MAX)) as usize)
    }

    fn set(&self, entry: usize, answer: usize) {
        self.0
            .store((entry as u64 + 1) << 32 | answer as u64, Relaxed);
    }

    fn clear(&mut self) {
        *self.0.get_mut() = 0;
    }
}

impl Clone for Memo {
    fn clone(&self) -> Memo {
        Memo(AtomicU64::new(self.0.load(Relaxed)))
    }
}

impl Tape {
    /// Parses `text` whole, as `serde_json::from_str` would (same errors, same value).
    pub fn parse(text: &str) -> Result<Tape, serde_json::Error> {
        Tape::parse_in(text, text)
    }

    /// Parses `slice`, a part of `text`, whole; offsets count from the start of `text`, so the
    /// tape reads over `text` (a body inside its NDJSON line). Errors are positioned in `slice`.
    pub fn parse_in<'t>(text: &'t str, slice: &'t str) -> Result<Tape, serde_json::Error> {
        Tape::parse_limited(text, slice, MAX_VALUES)
    }

    /// [`Tape::parse_in`] holding at most `limit` values (tests use a small one).
    fn parse_limited<'t>(
        text: &'t str,
        slice: &'t str,
        limit: usize,
    ) -> Result<Tape, serde_json::Error> {
        if text.len() >= SIDE_KEY as usize {
            return Err(de::Error::custom("JSON text too large (2 GiB or more)"));
        }
        // A slice from elsewhere has no place in `text`: read as if at its start.
        let origin = crate::source::slice_span(text, slice).map_or(0, |span| span.start);
        let mut de = serde_json::Deserializer::from_str(slice);
        let tape = Tape::read(&mut de, text, origin, limit)?;
        de.end()?;
        Ok(tape)
    }

    /// Parses `text` whole, as [`Tape::parse`] does, except the members of the root object named
    /// `key`: each is skipped the way `serde_json` skips a value (its syntax checked, nothing
    /// built) and handed back as its slice of `text`, in order. A capture line's body is read
    /// apart this way when it is huge (a string body is then unescaped once, into its own
    /// buffer) or nested to the parser's limit (a body read apart has the whole limit).
    pub fn parse_skipping<'t>(
        text: &'t str,
        key: &'static str,
    ) -> Result<(Tape, Vec<&'t str>), serde_json::Error> {
        let mut de = serde_json::Deserializer::from_str(text);
        let read = Tape::read_skipping(&mut de, text, 0, MAX_VALUES, Some(key))?;
        de.end()?;
        Ok(read)
    }

    /// Reads one value from `de`, whose input is `text` from `origin` on.
    fn read<'t>(
        de: &mut serde_json::Deserializer<serde_json::de::StrRead<'t>>,
        text: &'t str,
        origin: usize,
        limit: usize,
    ) -> Result<Tape, serde_json::Error> {
        Tape::read_skipping(de, text, origin, limit, None).map(|(tape, _)| tape)
    }

    /// [`Tape::read`], the root object's members named `skip` left out (see
    /// [`Tape::parse_skipping`]).
    fn read_skipping<'t>(
        de: &mut serde_json::Deserializer<serde_json::de::StrRead<'t>>,
        text: &'t str,
        origin: usize,
        limit: usize,
        skip: Option<&'static str>,
    ) -> Result<(Tape, Vec<&'t str>), serde_json::Error> {
        // About one entry per 16 bytes of a typical body: one allocation for most bodies. A
        // text past 1 MB is counted first (a syntax pass, far cheaper than the read) and its
        // tape allocated once: grown by doubling, a big tape would hold its old and its new copy
        // at once (255 MB of 20-byte objects: 1.57 GB peak against 1.0 GB counted, when an
        // entry took 20 bytes). What is skipped is mostly the text: it is not counted.
        let rest = text.get(origin..).unwrap_or("");
        let capacity = match rest.len() {
            _ if skip.is_some() => 64,
            n if n > COUNT_PAST => count_values(rest).unwrap_or(1 << 16),
            n => n / 16,
        };
        let entries = Vec::with_capacity(capacity.min(limit));
        let mut builder = Builder {
            text,
            tape: Tape {
                entries,
                origin,
                // Read again, the text would not skip those members: entries would shift.
                from_text: skip.is_none(),
                ..Tape::default()
            },
            limit,
            keys: Vec::new(),
            members: Vec::new(),
            hashes: Vec::new(),
            skip,
            skipped: Vec::new(),
            run: None,
        };
        ValueSeed {
            builder: &mut builder,
            place: Place::Root,
        }
        .deserialize(de)?;
        Ok((builder.tape, builder.skipped))
    }

    /// The value that `ordinal` values precede (see [`Tape::ordinal`]) in the first JSON value
    /// of `text`: how a big error instance is built when it is read, from the text (see
    /// `from_text`) or from the tape's own copy (see [`Tape::written`]).
    fn reparsed(text: &[u8], ordinal: u32) -> Value {
        let Ok(text) = std::str::from_utf8(text) else {
            return Value::Null;
        };
        let mut de = serde_json::Deserializer::from_str(text);
        let Ok(tape) = Tape::read(&mut de, text, 0, MAX_VALUES) else {
            return Value::Null;
        };
        match tape.at_ordinal(ordinal as usize) {
            Some(index) => TapeNode {
                tape: &tape,
                text,
                index: index as u32,
                slot: 0,
            }
            .to_value(),
            None => Value::Null,
        }
    }

    /// How many values stand before entry `index` in document order, counted from entry
    /// `from`: where a node is, whichever entries share items. The text read again after
    /// masking, or the tape written out, holds the same values but not always in the same
    /// entries (a masked `"\u0062"` reads as plain bytes and joins the run of strings before
    /// it), so [`Tape::reparsed`] finds a node by this count, not by its index.
    fn ordinal(&self, from: usize, index: usize) -> usize {
        self.entries
            .get(from..index)
            .map_or(0, |entries| entries.iter().map(|e| e.values()).sum())
    }

    /// The entry that begins with the value `ordinal` values into the document, if one does.
    fn at_ordinal(&self, ordinal: usize) -> Option<usize> {
        let mut count = 0;
        for (i, e) in self.entries.iter().enumerate() {
            if count >= ordinal {
                return (count == ordinal).then_some(i);
            }
            count += e.values();
        }
        None
    }

    /// The same document as `value`, its strings held in the tape (it reads over any text): for
    /// values that have no text of their own (a form body, a request body kept as a `Value`).
    /// A `Value` past the tape's 268 million values (some 9 GB of them) reads as null.
    pub fn from_value(value: &Value) -> Tape {
        let mut tape = Tape::default();
        if tape.push_value(value, None).is_err() {
            tape = Tape::default();
            tape.entries.push(Entry::new(Kind::Null, 0, 0));
        }
        tape
    }

    fn push_value(&mut self, value: &Value, key: Option<u32>) -> Result<(), TooBig> {
        let at = key.unwrap_or(0);
        let (kind, payload) = match value {
            Value::Null => (Kind::Null, 0),
            Value::Bool(false) => (Kind::False, 0),
            Value::Bool(true) => (Kind::True, 0),
            Value::Number(n) => self.push_number(number_of(n), MAX_VALUES)?,
            Value::String(s) => (Kind::StrSide, self.push_side(s, MAX_VALUES)?),
            Value::Array(items) => {
                let open = self.push(Kind::Array, at, 0, MAX_VALUES)?;
                let mut run = None;
                for v in items {
                    run = match (v, Small::of_value(v)) {
                        (_, Some(item)) => self.pack(run, item, MAX_VALUES)?,
                        (Value::String(s), _) => self.push_run_str(run, s, None, MAX_VALUES)?,
                        _ => None,
                    };
                    if run.is_none() {
                        self.push_value(v, None)?;
                    }
                }
                self.close_at(open);
                return Ok(());
            }
            Value::Object(map) => {
                let open = self.push(Kind::Object, at, 0, MAX_VALUES)?;
                for (k, v) in map {
                    let key = self.push_side(k, MAX_VALUES)? | SIDE_KEY;
                    self.push_value(v, Some(key))?;
                }
                self.close_at(open);
                return Ok(());
            }
        };
        self.push(kind, at, payload, MAX_VALUES).map(drop)
    }

    /// Appends an entry, returning its index; not past `limit` entries.
    fn push(&mut self, kind: Kind, at: u32, payload: u32, limit: usize) -> Result<usize, TooBig> {
        self.push_entry(Entry::new(kind, at, payload), limit)
    }

    fn push_entry(&mut self, entry: Entry, limit: usize) -> Result<usize, TooBig> {
        let index = self.entries.len();
        if index >= limit.min(MAX_VALUES) {
            return Err(TooBig::Values);
        }
        self.entries.push(entry);
        Ok(index)
    }

    /// Adds the array item `item` after the packed entry `run` (the array's last entry, if it
    /// is packed) when that entry holds it too, else in a new packed entry; that entry's index,
    /// or `None` if no packed entry holds `item` (an integer too big), which is then not added.
    /// Parsing and [`Tape::from_value`] both pack here, so a document's entries are the same
    /// whichever way it was read.
    fn pack(&mut self, run: Option<Run>, item: Small, limit: usize) -> Result<Option<Run>, TooBig> {
        let last = run.and_then(|r| {
            let i = r.entry();
            Some((i, Packed::of(*self.entries.get(i)?)?))
        });
        if let Some((i, packed)) = last.filter(|&(i, _)| i + 1 == self.entries.len()) {
            if let Some(packed) = packed.push(item) {
                self.entries[i] = packed.entry();
                return Ok(run);
            }
        }
        match Packed::with(&[item]) {
            Some(packed) => {
                let entry = self.push_entry(packed.entry(), limit)?;
                Ok(Some(Run::new(entry, 0)))
            }
            None => Ok(None),
        }
    }

    /// Adds the array item `s`, which starts at `start` in the text (`None`: a `Value`'s, written
    /// into the side buffer), to the string run `run` (the array's last entry) when that run
    /// holds it too (see [`RUN_SHIFT`]), else as a new run; the run, or `None` if `s` may not be
    /// in one, which is then not added. Parsing and [`Tape::from_value`] both add here (see
    /// [`Tape::pack`]).
    fn push_run_str(
        &mut self,
        run: Option<Run>,
        s: &str,
        start: Option<u32>,
        limit: usize,
    ) -> Result<Option<Run>, TooBig> {
        // A string borrowed from the text has no escapes, and JSON holds no raw control
        // characters: only its length is in question.
        if !runs(s, start.is_some()) {
            return Ok(None);
        }
        // At most 32 bytes.
        let len = s.len() as u32;
        let last = run
            .filter(|r| r.entry() + 1 == self.entries.len())
            .map(|r| (r, self.entries[r.entry()]));
        let joins = last.filter(|&(r, e)| {
            let near = start.is_none_or(|start| start.saturating_sub(r.end()) <= RUN_GAP_MAX);
            e.kind() == Kind::StrAt
                && e.run_more() < RUN_MORE as usize
                && e.in_side() == start.is_none()
                && near
        });
        if let Some((r, e)) = joins {
            let end = match start {
                Some(start) => start + len,
                None => self.push_side_text(&[",\"", s, "\""])? - 1,
            };
            self.entries[r.entry()] = e.with_payload(e.payload() + (1 << RUN_SHIFT));
            return Ok(Some(Run::new(r.entry(), end)));
        }
        let (at, end, side) = match start {
            Some(start) => (start, start + len, 0),
            None => {
                let end = self.push_side_text(&[s, "\""])? - 1;
                (end - len, end, RUN_IN_SIDE)
            }
        };
        let entry = self.push(Kind::StrAt, at, len | side, limit)?;
        Ok(Some(Run::new(entry, end)))
    }

    /// Ends the container at `open` at the last entry.
    fn close_at(&mut self, open: usize) {
        // `push` kept the length within the payload.
        let end = self.entries.len() as u32;
        self.entries[open] = self.entries[open].with_payload(end);
    }

    /// The kind and payload of `n`: itself when it fits, else its index in the numbers.
    fn push_number(&mut self, n: Num, limit: usize) -> Result<(Kind, u32), TooBig> {
        let (kind, bits) = match n {
            Num::Pos(u) if u <= u64::from(VALUE) => return Ok((Kind::SmallPos, u as u32)),
            Num::Neg(i) if i >= -i64::from(VALUE) => {
                return Ok((Kind::SmallNeg, i.unsigned_abs() as u32))
            }
            Num::Pos(u) => (Kind::BigPos, u),
            Num::Neg(i) => (Kind::BigNeg, i as u64),
            Num::Float(f) => (Kind::Float, f.to_bits()),
        };
        let index = self.numbers.len();
        if index >= limit.min(MAX_VALUES) {
            return Err(TooBig::Values);
        }
        self.numbers.push(bits);
        Ok((kind, index as u32))
    }

    /// Adds a side string, returning its index.
    fn push_side(&mut self, s: &str, limit: usize) -> Result<u32, TooBig> {
        let index = self.sides.len();
        if index >= limit.min(MAX_VALUES) {
            return Err(TooBig::Values);
        }
        let end = self.push_side_text(&[s])?;
        // `end` is within 32 bits, and so is the length.
        self.sides.push((end - s.len() as u32, s.len() as u32));
        Ok(index as u32)
    }

    /// Appends `parts` to the side buffer, returning where they end: a place in it is 32 bits.
    fn push_side_text(&mut self, parts: &[&str]) -> Result<u32, TooBig> {
        let len: usize = parts.iter().map(|p| p.len()).sum();
        let end = u32::try_from(self.side.len() + len).map_err(|_| TooBig::Strings)?;
        for part in parts {
            self.side.push_str(part);
        }
        Ok(end)
    }

    fn side_str(&self, index: u32) -> &str {
        let (start, len) = self.sides.get(index as usize).copied().unwrap_or_default();
        let start = start as usize;
        self.side.get(start..start + len as usize).unwrap_or("")
    }

    /// The document as JSON text (see [`Tape::written`]).
    fn written(&self, text: &str) -> &str {
        self.written
            .get_or_init(|| serde_json::to_string(&self.root(text)).unwrap_or_default())
    }

    /// The tape of the member `key` of this object document (the last, if it is there twice),
    /// sharing its entries.
    pub fn into_member(mut self, text: &str, key: &str) -> Option<Tape> {
        self.root = self.root(text).get(key)?.index();
        Some(self)
    }

    /// Where the root value starts in `text`, the text the tape was read from: past the parse's
    /// start, or, for a member's tape (see [`Tape::into_member`]), past its key and colon; and
    /// whitespace. Where a finding about the whole body points, found without scanning the line
    /// up to it. `None` for a tape without text or a member whose key has escapes.
    pub fn root_start(&self, text: &str) -> Option<usize> {
        if !self.from_text {
            return None;
        }
        let bytes = text.as_bytes();
        let start = match self.root {
            0 => crate::source::skip_json_space(bytes, self.origin),
            member => {
                let key_end = self.entries.get(member)?.at;
                if key_end & SIDE_KEY != 0 {
                    return None;
                }
                crate::source::member_value_start(bytes, key_end as usize + 1)?
            }
        };
        (start < bytes.len()).then_some(start)
    }

    /// Notes that the document this tape was read from has a key twice elsewhere (a capture
    /// line with two bodies, this one read apart): spans are then found by scanning, as for a
    /// tape with a key twice of its own.
    pub fn note_duplicates(&mut self) {
        self.duplicates = true;
    }

    /// Whether some object of the document, or of the line it stands in, has a key twice (the
    /// last value counts).
    pub fn duplicates(&self) -> bool {
        self.duplicates
    }

    /// The document's root, read over `text` (the text the tape was parsed from).
    pub fn root<'a>(&'a self, text: &'a str) -> TapeNode<'a> {
        TapeNode {
            tape: self,
            text,
            // Below 2^28, as every entry's index.
            index: self.root as u32,
            slot: 0,
        }
    }

    /// The root of the whole document the tape was read from, also once [`Tape::into_member`]
    /// narrowed the tape to a member: an NDJSON line's, from its body's tape (masking walks the
    /// whole line only when a report shows it, long after the line's own tape became the body's).
    pub fn document_root<'a>(&'a self, text: &'a str) -> TapeNode<'a> {
        TapeNode {
            tape: self,
            text,
            index: 0,
            slot: 0,
        }
    }

    /// Copies into the tape the text of the strings of the subtree at `pointer` that still point
    /// into `text`: the reader masks a line's string values in place once it is parsed (never its
    /// keys), and validation must still see the real values. Masking is rare (credential-named
    /// keys, repeated keys), so this copies little.
    pub fn detach(&mut self, text: &str, pointer: &str) {
        if let Some(place) = self.root(text).pointer(pointer).map(|node| node.index()) {
            self.detach_place(text, place);
        }
    }

    /// [`Tape::detach`] for the subtree at a node's [`TapeNode::place`], found already.
    pub fn detach_place(&mut self, text: &str, place: usize) {
        if place >= self.entries.len() {
            return;
        }
        self.detached = true;
        for i in place..self.next(place) {
            let e = self.entries[i];
            match e.kind() {
                Kind::StrAt if !e.in_side() => self.detach_run(text, i),
                Kind::StrAfterKey => {
                    let s = self.str_of(text, i, 0).unwrap_or_default().to_string();
                    if let Ok(index) = self.push_side(&s, MAX_VALUES) {
                        self.entries[i] = Entry::new(Kind::StrSide, e.at, index);
                    }
                }
                _ => {}
            }
        }
    }

    /// Copies the text of the string run at entry `i`, from its first string to its last's
    /// closing quote, into the side buffer, where it is read the same way (see [`RUN_IN_SIDE`]).
    fn detach_run(&mut self, text: &str, i: usize) {
        let e = self.entries[i];
        let Some(last) = run_str(text, e, e.run_more()) else {
            return;
        };
        let Some(last) = crate::source::slice_span(text, last) else {
            return;
        };
        let run = text.get(e.at as usize..=last.end).unwrap_or_default();
        if let Ok(end) = self.push_side_text(&[run]) {
            // A run's text is below 2 GiB, the text's bound.
            let at = end - run.len() as u32;
            self.entries[i] = Entry::new(Kind::StrAt, at, e.payload() | RUN_IN_SIDE);
        }
    }

    /// The string of entry `i`, slot `slot`, if it is one (`""` where its place is not in
    /// `text`).
    fn str_of<'a>(&'a self, text: &'a str, i: usize, slot: u8) -> Option<&'a str> {
        let e = self.entries[i];
        let start = match e.kind() {
            Kind::StrSide => return Some(self.side_str(e.payload())),
            Kind::StrAt => {
                let text = if e.in_side() { &self.side } else { text };
                return Some(run_str(text, e, usize::from(slot)).unwrap_or(""));
            }
            Kind::StrAfterKey => value_start(text.as_bytes(), e.at as usize),
            _ => return None,
        };
        Some(
            start
                .and_then(|s| text_str(text, s, e.value()))
                .unwrap_or(""),
        )
    }

    /// The key of member entry `i`: the members that keep their key's length are read here,
    /// the others out of line, so this common path saves few registers. Never inlined: in
    /// [`Members`]'s step, it kept the step from being inlined in the members passes
    /// (+6 M instructions in each of them on the GitHub load).
    #[inline(never)]
    fn key_of<'a>(&'a self, text: &'a str, i: usize) -> &'a str {
        let e = self.entries[i];
        // A side key's `at` has `SIDE_KEY` set, and its entry keeps no length (see
        // `Builder::with_key_len`): both are read out of line.
        match e.key_len() {
            Some(len) if e.at & SIDE_KEY == 0 => {
                let end = e.at as usize;
                end.checked_sub(len)
                    .and_then(|start| text.get(start..end))
                    .unwrap_or("")
            }
            _ => self.key_looked_back(text, e.at),
        }
    }

    /// [`Tape::key_of`] of a member whose key ends at `end` (or is the side key `end` names)
    /// and whose entry keeps no length: a container, a long key, a number or string kept
    /// aside. The key starts after the `"` before its end (a key in the text has none inside).
    #[inline(never)]
    fn key_looked_back<'a>(&'a self, text: &'a str, end: u32) -> &'a str {
        if end & SIDE_KEY != 0 {
            return self.side_str(end & !SIDE_KEY);
        }
        let end = end as usize;
        text.as_bytes()
            .get(..end)
            .and_then(|bytes| memchr::memrchr(b'"', bytes))
            .and_then(|q| text.get(q + 1..end))
            .unwrap_or("")
    }

    /// Whether member entry `i`'s key is `key`, without looking for the key's start.
    fn key_is(&self, text: &str, i: usize, key: &str) -> bool {
        self.key_is_quote_free(text, i, key, || !key.bytes().any(|b| b == b'"'))
    }

    /// [`Tape::key_is`], asking `quote_free` whether `key` has no `"` only when the text's key
    /// may not be all of it (a prepared name knows it already).
    fn key_is_quote_free(
        &self,
        text: &str,
        i: usize,
        key: &str,
        quote_free: impl FnOnce() -> bool,
    ) -> bool {
        let e = self.entries[i];
        if e.at & SIDE_KEY != 0 {
            return self.side_str(e.at & !SIDE_KEY) == key;
        }
        let (bytes, end) = (text.as_bytes(), e.at as usize);
        let Some(start) = end.checked_sub(key.len()).filter(|&s| s > 0) else {
            return false;
        };
        match e.key_len() {
            // Most members keep their key's length: other lengths are ruled out without reading
            // the text, and an equal text is the whole key, which holds no `"`.
            Some(len) => {
                len == key.len()
                    && bytes
                        .get(start..end)
                        .is_some_and(|k| same_key(k, key.as_bytes()))
            }
            // A key in the text has no `"` inside: it is `key` when a `"` and `key` precede its
            // end (the quote first: it rules out most other keys without comparing them),
            // unless `key` has a quote (it then spans the opening one).
            None => {
                bytes.get(start - 1) == Some(&b'"')
                    && bytes
                        .get(start..end)
                        .is_some_and(|k| same_key(k, key.as_bytes()))
                    && quote_free()
            }
        }
    }

    /// The index just past entry `i` and its descendants.
    fn next(&self, i: usize) -> usize {
        let e = self.entries[i];
        if e.is_container() {
            e.payload() as usize
        } else {
            i + 1
        }
    }
}

/// The unescaped string of the text at `start`, `len` bytes long, or up to its closing `"`
/// when `len` is [`LONG`].
/// Whether `a` and `b` are the same bytes, compared in place when they are 4 to 16 bytes long,
/// as most keys are: a lookup by name compares one key at least, and `memcmp` costs a call and
/// ~19 instructions where two overlapping words cost a few.
#[inline]
pub fn same_key(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    // The words at the start and at the end cover every byte, overlapping when shorter than
    // two words; each read is in bounds by the arm's lengths.
    let word8 = |s: &[u8], at: usize| {
        s.get(at..at + 8)
            .and_then(|w| <[u8; 8]>::try_from(w).ok())
            .map(u64::from_le_bytes)
    };
    let word4 = |s: &[u8], at: usize| {
        s.get(at..at + 4)
            .and_then(|w| <[u8; 4]>::try_from(w).ok())
            .map(u32::from_le_bytes)
    };
    match n {
        8..=16 => word8(a, 0) == word8(b, 0) && word8(a, n - 8) == word8(b, n - 8),
        4..=7 => word4(a, 0) == word4(b, 0) && word4(a, n - 4) == word4(b, n - 4),
        _ => a == b,
    }
}

fn text_str(text: &str, start: usize, len: u32) -> Option<&str> {
    let len = match len {
        LONG => memchr::memchr(b'"', text.as_bytes().get(start..)?)?,
        n => n as usize,
    };
    text.get(start..start + len)
}

/// Whether two of `keys` hash alike: the cheap test for a repeated key in a big object, which
/// almost never has one. An open-addressed table in `table` (reused between objects) costs one
/// probe or two per key, where sorting the hashes cost a comparison sort per object and FNV a
/// multiply per byte (2026-11-30: 167 M instructions on the GitHub load, BENCHMARKS.md).
fn any_hash_twice<'k>(table: &mut Vec<u64>, keys: impl ExactSizeIterator<Item = &'k str>) -> bool {
    let size = (keys.len() * 2).next_power_of_two();
    table.clear();
    table.resize(size, 0);
    for key in keys {
        // 0 marks a free slot, so a hash of 0 is stored as 1 (a false alarm costs the exact
        // test, never a missed repeat).
        let hash = crate::hash::key_hash(key).max(1);
        let mut slot = (hash as usize) & (size - 1);
        loop {
            match table[slot] {
                0 => {
                    table[slot] = hash;
                    break;
                }
                h if h == hash => return true,
                _ => slot = (slot + 1) & (size - 1),
            }
        }
    }
    false
}

/// A `serde_json` number as the parser gave it.
fn number_of(n: &Number) -> Num {
    match (n.as_u64(), n.as_i64(), n.as_f64()) {
        (Some(u), _, _) => Num::Pos(u),
        (None, Some(i), _) => Num::Neg(i),
        (_, _, f) => Num::Float(f.unwrap_or(0.0)),
    }
}

/// Builds a tape while `serde_json` parses.
struct Builder<'t> {
    text: &'t str,
    tape: Tape,
    /// The most entries, side strings or numbers ([`MAX_VALUES`] but in tests).
    limit: usize,
    /// The keys of the objects being read, innermost last, each as its entry's first word and
    /// its length: [`Builder::dedup`] compares them without looking for their ends.
    keys: Vec<(u32, u32)>,
    /// Scratch for [`Builder::dedup`]: an object's member entries, and a table of its keys' hashes.
    members: Vec<usize>,
    hashes: Vec<u64>,
    /// The root object's members of this name are skipped (see [`Tape::parse_skipping`]).
    skip: Option<&'static str>,
    /// The text of each member skipped.
    skipped: Vec<&'t str>,
    /// The packed entry or string run the last item went into, while nothing came after it
    /// (see [`Run`]).
    run: Option<Run>,
}

impl Builder<'_> {
    /// Whether the member whose key was just read is one to skip: a member of the root object
    /// (entry 0, still open) named as [`Builder::skip`] says. Its key is then forgotten.
    fn skips(&mut self, object: usize) -> bool {
        let (Some(skip), Some(&key)) = (self.skip, self.keys.last()) else {
            return false;
        };
        let skips = object == 0 && Builder::key_str(&self.tape, self.text, key) == skip;
        if skips {
            self.keys.pop();
        }
        skips
    }

    /// Where `s`, borrowed from the text, starts in it.
    fn borrowed(&self, s: &str) -> Option<u32> {
        // `parse_limited` refused texts of 2 GiB or more: an offset fits below `SIDE_KEY`.
        crate::source::slice_span(self.text, s).map(|span| span.start as u32)
    }

    fn push(&mut self, kind: Kind, at: u32, payload: u32) -> Result<usize, TooBig> {
        self.run = None;
        self.tape.push(kind, at, payload, self.limit)
    }

    /// Packs `item` if it stands at `place` in an array (see [`Tape::pack`]); whether it did.
    fn small(&mut self, place: Place, item: Small) -> Result<bool, TooBig> {
        if place != Place::Item {
            return Ok(false);
        }
        self.run = self.tape.pack(self.run, item, self.limit)?;
        Ok(self.run.is_some())
    }

    /// A member's key: where it ends in the text (its closing quote), or its index among the
    /// side strings.
    fn key(&mut self, s: &str, borrowed: bool) -> Result<u32, TooBig> {
        let at = match self.borrowed(s).filter(|_| borrowed) {
            // Below 2 GiB, the text's bound.
            Some(start) => start + s.len() as u32,
            None => self.tape.push_side(s, self.limit)? | SIDE_KEY,
        };
        // Below 2 GiB: the text's bound, and a side string is a copy of a part of it.
        self.keys.push((at, s.len() as u32));
        Ok(at)
    }

    /// A key of [`Builder::keys`].
    fn key_str<'a>(tape: &'a Tape, text: &'a str, (at, len): (u32, u32)) -> &'a str {
        if at & SIDE_KEY != 0 {
            return tape.side_str(at & !SIDE_KEY);
        }
        let end = at as usize;
        text.get(end.saturating_sub(len as usize)..end)
            .unwrap_or("")
    }

    /// A string value at `place`.
    fn string(&mut self, place: Place, s: &str, borrowed: bool) -> Result<(), TooBig> {
        let at = self.borrowed(s).filter(|_| borrowed);
        if let (Place::Item, Some(start)) = (place, at) {
            self.run = self
                .tape
                .push_run_str(self.run, s, Some(start), self.limit)?;
            if self.run.is_some() {
                return Ok(());
            }
        }
        let key = place.key();
        let len = u32::try_from(s.len()).map_or(LONG, |n| n.min(LONG));
        let (kind, at, payload) = match (key, at) {
            (None, Some(at)) => (Kind::StrAt, at, len),
            // Found again from the key, which must then be in the text too.
            (Some(key), Some(_)) if key & SIDE_KEY == 0 => {
                (Kind::StrAfterKey, key, self.with_key_len(Some(key), len))
            }
            (key, _) => {
                let index = self.tape.push_side(s, self.limit)?;
                (Kind::StrSide, key.unwrap_or(0), index)
            }
        };
        self.push(kind, at, payload).map(drop)
    }

    fn number(&mut self, place: Place, n: Num) -> Result<(), TooBig> {
        if let Some(item) = Small::of_num(n) {
            if self.small(place, item)? {
                return Ok(());
            }
        }
        let key = place.key();
        if key.is_none() {
            let wide = match n {
                Num::Pos(u) if u > u64::from(VALUE) => Some((Kind::WidePos, u)),
                Num::Neg(i) if i < -i64::from(VALUE) => Some((Kind::WideNeg, i.unsigned_abs())),
                _ => None,
            };
            if let Some((kind, m)) = wide.filter(|&(_, m)| m < WIDE_LIMIT) {
                return self.push(kind, m as u32, (m >> 32) as u32).map(drop);
            }
        }
        let (kind, mut payload) = self.tape.push_number(n, self.limit)?;
        if matches!(kind, Kind::SmallPos | Kind::SmallNeg) {
            payload = self.with_key_len(key, payload);
        }
        self.push(kind, key.unwrap_or(0), payload).map(drop)
    }

    /// `value` with the length of the member's key beside it (see [`VALUE`]), when `key` is
    /// the key just read, in the text and short enough.
    fn with_key_len(&self, key: Option<u32>, value: u32) -> u32 {
        let len = match (key, self.keys.last()) {
            (Some(at), Some(&(top, len))) if at == top && at & SIDE_KEY == 0 => len,
            _ => 0,
        };
        let len = if len <= KEY_LEN_MAX { len } else { 0 };
        len << KEY_LEN_SHIFT | value
    }

    /// Closes the container at `open`, or, when it is an empty array item, takes its entry back
    /// and packs it as `empty` after the array's packed entry `run` (the one before it opened).
    fn close_or_pack(
        &mut self,
        place: Place,
        open: usize,
        count: u32,
        run: Option<Run>,
        empty: Small,
    ) -> Result<(), TooBig> {
        if count == 0 && place == Place::Item && self.tape.entries.len() == open + 1 {
            let entry = self.tape.entries.pop();
            self.run = run;
            if self.small(place, empty)? {
                return Ok(());
            }
            // Every layout holds an empty container: not reached.
            self.tape.entries.extend(entry);
        }
        self.close(open, count);
        self.run = None;
        Ok(())
    }

    /// Closes the container at `at` with `count` members; objects lose repeated keys here.
    fn close(&mut self, at: usize, count: u32) {
        self.tape.close_at(at);
        if self.tape.entries[at].kind() == Kind::Object {
            let first = self.keys.len().saturating_sub(count as usize);
            if count > 1 {
                self.dedup(at, first);
            }
            self.keys.truncate(first);
        }
    }

    /// Keeps the last value of each repeated key at the first key's place, as `serde_json`'s
    /// insertion-ordered map does. Finding none is the common case, and costs one comparison of
    /// each pair of keys in a small object, or a table of their hashes in a big one, in buffers
    /// reused from object to object.
    /// The object's keys are `keys[first..]`, one for each member in order.
    fn dedup(&mut self, at: usize, first: usize) {
        let (tape, text) = (&self.tape, self.text);
        let keys = self.keys.get(first..).unwrap_or_default();
        let key = |n: usize| Builder::key_str(tape, text, keys[n]);
        let maybe = if keys.len() <= 8 {
            (0..keys.len()).any(|a| (0..a).any(|b| key(a) == key(b)))
        } else {
            any_hash_twice(&mut self.hashes, (0..keys.len()).map(key))
        };
        if !maybe {
            return;
        }
        let members = &mut self.members;
        members.clear();
        members.extend(tape.root(text).at(at).member_indices().map(|(i, _)| i));
        // (first key's entry, last value's entry), in first-key order.
        let mut kept: Vec<(usize, usize)> = Vec::new();
        let mut slot_of: HashMap<&str, usize> = HashMap::with_capacity(members.len());
        for (n, &m) in members.iter().enumerate() {
            match slot_of.entry(key(n)) {
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
        self.keep(at, &kept);
    }

    /// Rewrites the members of the object at `at` as `kept`'s last values, in order. A value
    /// keeps its own key: it reads as the first one (they are equal once unescaped), and a
    /// string value is still found after it.
    fn keep(&mut self, at: usize, kept: &[(usize, usize)]) {
        let old: Vec<Entry> = self.tape.entries.split_off(at + 1);
        for &(_, last) in kept {
            let place = self.tape.entries.len() as isize;
            let from = last - (at + 1);
            let to = Tape::next_in(&old, from, at + 1);
            let shift = place - last as isize;
            for e in &old[from..to] {
                let moved = if e.is_container() {
                    e.with_payload((e.payload() as isize + shift) as u32)
                } else {
                    *e
                };
                self.tape.entries.push(moved);
            }
        }
        self.tape.close_at(at);
    }
}

impl Tape {
    /// [`Tape::next`] for entries moved out to `old`, which began at index `base`.
    fn next_in(old: &[Entry], i: usize, base: usize) -> usize {
        if old[i].is_container() {
            old[i].payload() as usize - base
        } else {
            i + 1
        }
    }
}

/// Where a value stands: the root, an array's item, or a member under its key (see
/// [`Builder::key`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Root,
    Item,
    Member(u32),
}

impl Place {
    fn key(self) -> Option<u32> {
        match self {
            Place::Member(key) => Some(key),
            Place::Root | Place::Item => None,
        }
    }
}

/// Reads one value into the builder, at `place`.
struct ValueSeed<'b, 't> {
    builder: &'b mut Builder<'t>,
    place: Place,
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
        if self
            .builder
            .small(self.place, Small::Null)
            .map_err(E::custom)?
        {
            return Ok(());
        }
        let key = self.place.key();
        let (at, payload) = (key.unwrap_or(0), self.builder.with_key_len(key, 0));
        self.builder
            .push(Kind::Null, at, payload)
            .map_err(E::custom)?;
        Ok(())
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<(), E> {
        if self
            .builder
            .small(self.place, Small::of_bool(b))
            .map_err(E::custom)?
        {
            return Ok(());
        }
        let kind = if b { Kind::True } else { Kind::False };
        let key = self.place.key();
        let (at, payload) = (key.unwrap_or(0), self.builder.with_key_len(key, 0));
        self.builder.push(kind, at, payload).map_err(E::custom)?;
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<(), E> {
        self.builder
            .number(self.place, Num::Pos(n))
            .map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<(), E> {
        let n = u64::try_from(n).map_or(Num::Neg(n), Num::Pos);
        self.builder.number(self.place, n).map_err(E::custom)
    }

    fn visit_f64<E: de::Error>(self, n: f64) -> Result<(), E> {
        // As `Value`: a float JSON cannot hold (never produced by the parser) is null.
        if n.is_finite() {
            self.builder
                .number(self.place, Num::Float(n))
                .map_err(E::custom)
        } else {
            self.visit_unit()
        }
    }

    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<(), E> {
        self.builder.string(self.place, s, true).map_err(E::custom)
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<(), E> {
        self.builder.string(self.place, s, false).map_err(E::custom)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let run = self.builder.run;
        let at = self.place.key().unwrap_or(0);
        let open = self
            .builder
            .push(Kind::Array, at, 0)
            .map_err(de::Error::custom)?;
        let mut count = 0u32;
        while seq
            .next_element_seed(ValueSeed {
                builder: &mut *self.builder,
                place: Place::Item,
            })?
            .is_some()
        {
            count = count.saturating_add(1);
        }
        self.builder
            .close_or_pack(self.place, open, count, run, Small::EmptyArray)
            .map_err(de::Error::custom)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let run = self.builder.run;
        let at = self.place.key().unwrap_or(0);
        let open = self
            .builder
            .push(Kind::Object, at, 0)
            .map_err(de::Error::custom)?;
        let mut count = 0u32;
        while let Some(key) = map.next_key_seed(KeySeed {
            builder: &mut *self.builder,
        })? {
            if self.builder.skips(open) {
                let raw: &'de serde_json::value::RawValue = map.next_value()?;
                self.builder.skipped.push(raw.get());
                continue;
            }
            map.next_value_seed(ValueSeed {
                builder: &mut *self.builder,
                place: Place::Member(key),
            })?;
            count = count.saturating_add(1);
        }
        self.builder
            .close_or_pack(self.place, open, count, run, Small::EmptyObject)
            .map_err(de::Error::custom)
    }
}

/// Reads one object key into the builder: its place in the text, or a side string.
struct KeySeed<'b, 't> {
    builder: &'b mut Builder<'t>,
}

impl<'de> DeserializeSeed<'de> for KeySeed<'_, 'de> {
    type Value = u32;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<u32, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_, 'de> {
    type Value = u32;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string key")
    }

    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<u32, E> {
        self.builder.key(s, true).map_err(E::custom)
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<u32, E> {
        self.builder.key(s, false).map_err(E::custom)
    }
}

/// A handle on one value of a tape: cheap to copy.
#[derive(Clone, Copy)]
pub struct TapeNode<'a> {
    tape: &'a Tape,
    text: &'a str,
    /// The entry: below 2^28 (see [`MAX_VALUES`]), so 32 bits, and a node with its slot is no
    /// bigger than it was without (`jsonschema` passes nodes by value).
    index: u32,
    /// The item's slot when the entry is [`Kind::Packed`] (0 otherwise).
    slot: u8,
}

impl fmt::Debug for TapeNode<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.to_value(), f)
    }
}

impl<'a> TapeNode<'a> {
    fn at(self, index: usize) -> TapeNode<'a> {
        TapeNode {
            index: index as u32,
            slot: 0,
            ..self
        }
    }

    fn index(&self) -> usize {
        self.index as usize
    }

    /// The node's entry: for an item in a packed entry, the entry it would have alone.
    #[inline]
    fn entry(&self) -> Entry {
        let e = self.tape.entries[self.index()];
        if e.kind() == Kind::Packed {
            self.packed_entry(e)
        } else {
            e
        }
    }

    /// [`TapeNode::entry`] of an item in the packed entry `e`: off the path of every other node.
    #[cold]
    fn packed_entry(&self, e: Entry) -> Entry {
        self.small(e)
            .map_or(Entry::new(Kind::Null, 0, 0), Small::entry)
    }

    /// The item of this node's slot in the packed entry `e`.
    fn small(&self, e: Entry) -> Option<Small> {
        Packed::of(e)?.get(usize::from(self.slot))
    }

    fn kind(&self) -> Kind {
        self.entry().kind()
    }

    /// Where the node stands in its tape: what [`Tape::detach_place`] takes (a packed item's
    /// entry holds no string to detach; a string run's is detached whole).
    pub fn place(&self) -> usize {
        self.index()
    }

    /// Whether this is an object.
    pub fn is_object(&self) -> bool {
        self.kind() == Kind::Object
    }

    /// Whether this is an array.
    pub fn is_array(&self) -> bool {
        self.kind() == Kind::Array
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&'a str> {
        self.tape.str_of(self.text, self.index(), self.slot)
    }

    /// The number, if this is one, as `serde_json` holds it.
    pub fn number(&self) -> Option<Number> {
        let e = self.tape.entries[self.index()];
        if e.kind() == Kind::Packed {
            // A packed decimal has no entry of its own (see `Small::entry`).
            return self.small(e).and_then(Small::number);
        }
        let payload = e.payload();
        let bits = || self.tape.numbers.get(payload as usize).copied();
        match e.kind() {
            Kind::SmallPos => Some(Number::from(e.value())),
            Kind::SmallNeg => Some(Number::from(-i64::from(e.value()))),
            Kind::BigPos => bits().map(Number::from),
            Kind::BigNeg => bits().map(|b| Number::from(b as i64)),
            Kind::WidePos => Some(Number::from(e.wide())),
            Kind::WideNeg => Some(Number::from(-(e.wide() as i64))),
            Kind::Float => bits().and_then(|b| Number::from_f64(f64::from_bits(b))),
            _ => None,
        }
    }

    /// How many members or items a container has (0 for scalars): a walk over them, one step
    /// each (the count is not stored, to keep entries small).
    /// `jsonschema` asks an object's length once per keyword (`properties`, `required`), one
    /// after the other, so the last count is kept.
    pub fn len(&self) -> usize {
        if let Some(count) = self.tape.last_len.get(self.index()) {
            return count;
        }
        let count = self.member_indices().count();
        self.tape.last_len.set(self.index(), count);
        count
    }

    /// Whether a container has no members or items (or this is a scalar).
    pub fn is_empty(&self) -> bool {
        let (first, end) = self.range();
        first >= end
    }

    /// The index of the first member and the index past the last, when this is a container.
    fn range(&self) -> (usize, usize) {
        let e = self.entry();
        if e.is_container() {
            (self.index() + 1, e.payload() as usize)
        } else {
            (0, 0)
        }
    }

    fn member_indices(&self) -> Children<'a> {
        let (next, end) = self.range();
        Children {
            tape: self.tape,
            next,
            slot: 0,
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
    ///
    /// A lookup is a scan of the members, and `jsonschema` looks up a `required` list of more
    /// than 16 names one by one (GitHub's `repository`: 80 members, 40 required): quadratic.
    /// Such lists and the bodies that satisfy them often follow the same order, so a scan
    /// starts after the member found last in the same object and wraps around; the member
    /// found is the same (an object's keys are unique on the tape). Where the orders differ
    /// (GitHub's lists are alphabetical), a scan past [`INDEX_PAST`] members indexes the object
    /// by key hash (see [`KeyIndex`]).
    pub fn get(&self, key: &str) -> Option<TapeNode<'a>> {
        if !self.is_object() {
            return None;
        }
        let (tape, text) = (self.tape, self.text);
        if let Some(found) = tape
            .key_index
            .find(self.index(), key, |i| tape.key_is(text, i, key))
        {
            return found.map(|i| self.at(i));
        }
        let (found, scanned) = self.scan(|i| tape.key_is(text, i, key));
        if scanned > INDEX_PAST {
            let members = self
                .member_indices()
                .map(|(i, _)| (i, tape.key_of(text, i)));
            tape.key_index.build(self.index(), members);
        }
        found.map(|i| self.at(i))
    }

    /// The member of this object whose key `is_key` accepts, scanning from after the member
    /// found last in it and wrapping around; and how many members were read.
    fn scan(&self, is_key: impl Fn(usize) -> bool) -> (Option<usize>, usize) {
        let tape = self.tape;
        let (first, end) = self.range();
        let from = match tape.last_get.get(self.index()) {
            Some(from) if (first..=end).contains(&from) => from,
            _ => first,
        };
        let after = Children {
            tape,
            next: from,
            slot: 0,
            end,
        };
        let before = Children {
            tape,
            next: first,
            slot: 0,
            end: from,
        };
        // An object's members are never packed: each is its entry.
        let mut scanned = 0;
        let found = after.chain(before).find(|&(i, _)| {
            scanned += 1;
            is_key(i)
        });
        if let Some((found, _)) = found {
            tape.last_get.set(self.index(), tape.next(found));
        }
        (found.map(|(i, _)| i), scanned)
    }

    /// The member `key` of an object, found where its hint says first (see [`TapeKey`]). The
    /// first lookup in an object scans, as [`TapeNode::get`] does (most objects meet one name,
    /// `required: [id]`, and listing the members costs more than a scan); the next ones list
    /// its members once and use the hint.
    pub fn get_prepared(&self, key: &TapeKey) -> Option<TapeNode<'a>> {
        if !self.is_object() {
            return None;
        }
        let (tape, text) = (self.tape, self.text);
        let is_key = |i| tape.key_is_quote_free(text, i, &key.name, || key.quote_free);
        let mut guard = match tape.listed.0.try_lock() {
            Ok(guard) => guard,
            Err(_) => return self.scan(is_key).0.map(|i| self.at(i)),
        };
        let (object, members) =
            &mut **guard.get_or_insert_with(|| Box::new((usize::MAX, Vec::new())));
        if *object != self.index() {
            *object = self.index();
            members.clear();
            drop(guard);
            return self.scan(is_key).0.map(|i| self.at(i));
        }
        if members.is_empty() {
            // Below 2^28, as every entry's index.
            members.extend(self.member_indices().map(|(i, _)| i as u32));
        }
        key.find(members, is_key).map(|i| self.at(i))
    }

    /// The value at the JSON pointer `pointer` below this one (`""`: this one).
    pub fn pointer(&self, pointer: &str) -> Option<TapeNode<'a>> {
        let mut node = *self;
        for token in crate::source::pointer_segments(pointer) {
            node = match node.kind() {
                Kind::Object => node.get(&token)?,
                Kind::Array => node.items().nth(crate::pointer::array_index(&token)?)?,
                _ => return None,
            };
        }
        Some(node)
    }

    /// Whether the node holds so many entries that copying it whole is worth avoiding.
    pub fn is_big(&self) -> bool {
        self.tape.next(self.index()) - self.index() >= DEFERRED_ENTRIES
    }

    /// The start of this value as a `Value`, enough for a message that shows its first `chars`
    /// characters of JSON text (credential-named members masked) exactly as [`Self::to_value`]
    /// would: members, items and string characters are taken until that many characters of
    /// text stand before the cut. The whole value when it is shorter.
    pub fn preview(self, chars: usize) -> Value {
        let shown = |v: &Value| crate::secrecy::masked_value(v).to_string().chars().count();
        let mut left = chars;
        match self.kind() {
            Kind::StrAt | Kind::StrAfterKey | Kind::StrSide => {
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
        match self.json_type() {
            JsonType::Null => Value::Null,
            JsonType::Boolean => Value::Bool(self.kind() == Kind::True),
            JsonType::Number | JsonType::Integer => {
                self.number().map_or(Value::Null, Value::Number)
            }
            JsonType::String => Value::String(self.as_str().unwrap_or_default().to_string()),
            JsonType::Array => Value::Array(self.items().map(|v| v.to_value()).collect()),
            JsonType::Object => {
                let mut map = Map::with_capacity(self.len());
                for (k, v) in self.members() {
                    map.insert(k.to_string(), v.to_value());
                }
                Value::Object(map)
            }
        }
    }

    fn json_type(&self) -> JsonType {
        self.kind().json_type()
    }
}

/// Written as the same JSON as [`TapeNode::to_value`], without building the `Value`.
impl serde::Serialize for TapeNode<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.json_type() {
            JsonType::Boolean => s.serialize_bool(self.kind() == Kind::True),
            JsonType::Number | JsonType::Integer => match self.number() {
                Some(n) => n.serialize(s),
                None => s.serialize_unit(),
            },
            JsonType::String => s.serialize_str(self.as_str().unwrap_or_default()),
            JsonType::Array => s.collect_seq(self.items()),
            JsonType::Object => s.collect_map(self.members()),
            JsonType::Null => s.serialize_unit(),
        }
    }
}

/// The entries of a container's members, each one step past the last's descendants, with
/// the slot of each item of a packed entry.
#[derive(Clone)]
struct Children<'a> {
    tape: &'a Tape,
    next: usize,
    slot: u8,
    end: usize,
}

impl Iterator for Children<'_> {
    type Item = (usize, u8);

    #[inline]
    fn next(&mut self) -> Option<(usize, u8)> {
        if self.next >= self.end {
            return None;
        }
        let at = (self.next, self.slot);
        let e = self.tape.entries[self.next];
        // One comparison for most members and items (see `Kind`).
        if e.word >> 28 >= Kind::StrAt as u32 {
            if e.is_container() {
                self.next = e.payload() as usize;
                return Some(at);
            }
            if e.holds(usize::from(self.slot) + 1) {
                self.slot += 1;
                return Some(at);
            }
        }
        self.next += 1;
        self.slot = 0;
        Some(at)
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
        let (i, _) = self.children.next()?;
        let tape = self.children.tape;
        let node = TapeNode {
            tape,
            text: self.text,
            index: i as u32,
            slot: 0,
        };
        Some((tape.key_of(self.text, i), node))
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
        let (index, slot) = self.children.next()?;
        Some(TapeNode {
            tape: self.children.tape,
            text: self.text,
            index: index as u32,
            slot,
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
    type PreparedKey = TapeKey;
    type StringBuffer = Tape;

    /// A lookup is a scan of the members already, so one members pass never costs more.
    const KEYS_PER_LOOKUP: usize = 1 << 16;
    /// A tape is a tree: no entry is its own descendant.
    const ACYCLIC: bool = true;

    fn prepare_key(key: &str) -> TapeKey {
        TapeKey {
            name: key.into(),
            quote_free: !key.contains('"'),
            hints: AtomicU64::new(0),
        }
    }

    fn with_string_node<T>(
        buffer: &mut Tape,
        string: &str,
        f: impl FnOnce(TapeNode<'_>) -> T,
    ) -> T {
        buffer.entries.clear();
        buffer.last_len.clear();
        buffer.last_get.clear();
        buffer.key_index.clear();
        buffer.listed.clear();
        buffer.side.clear();
        buffer.sides.clear();
        buffer.root = 0;
        // A string past 4 GiB (never a schema's) reads as "".
        let index = buffer.push_side(string, MAX_VALUES).unwrap_or(u32::MAX);
        buffer.entries.push(Entry::new(Kind::StrSide, 0, index));
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
        match self.kind() {
            Kind::True => Some(true),
            Kind::False => Some(false),
            _ => None,
        }
    }

    fn is_null(&self) -> bool {
        self.kind() == Kind::Null
    }

    fn is_number(&self) -> bool {
        self.json_type() == JsonType::Number
    }

    fn json_type(&self) -> JsonType {
        TapeNode::json_type(self)
    }

    fn equals_value(&self, expected: &Value) -> bool {
        // The scalars without building a `Value` (`enum` of strings is common on the hot path).
        match (self.json_type(), expected) {
            (JsonType::String, Value::String(s)) => TapeNode::as_str(self) == Some(s.as_str()),
            (JsonType::String, _) => false,
            (JsonType::Null, e) => e.is_null(),
            (JsonType::Boolean, e) => e.as_bool() == self.as_boolean(),
            (JsonType::Number, Value::Number(n)) => self
                .number()
                .is_some_and(|m| jsonschema::json::cmp::equal_numbers(&m, n)),
            (JsonType::Number, _) => false,
            _ => jsonschema::json::cmp::equal(&self.to_value(), expected),
        }
    }

    fn to_value(&self) -> Cow<'a, Value> {
        Cow::Owned(TapeNode::to_value(*self))
    }

    /// `jsonschema` makes an error's instance when it makes the error, and a `required` error
    /// at the root of a 255 MB body would copy all of it, once per missing key. A big node's
    /// copy is made only when the error's instance is read, by parsing the text again.
    ///
    /// A tape that cannot be read again from its text (it came from a `Value`) writes its
    /// document once as JSON text instead, and reads the copy from there:
    /// one copy of the text, not one `Value` of the whole per error (eight missing keys at the
    /// root of a 255 MB body were 5.4 GB).
    fn lazy_value(&self) -> jsonschema_value::LazyInstance<'a> {
        let tape = self.tape;
        let ready = || jsonschema_value::LazyInstance::Ready(Cow::Owned(TapeNode::to_value(*self)));
        let big = TapeNode::is_big(self);
        // A root is deferred whatever its size: nine in ten missing keys in GitHub's traffic
        // are at the root, and no finding shows a `required` error's instance (copying it for
        // each was 4 % of the instructions). Read again from its own text it costs about a
        // copy; once strings were detached the text reads back masked, so a small root's
        // document is written once instead, for all the errors at its root. A big one is read
        // from the masked text like any big node: writing it out would hold a copy of its size
        // (a 255 MB line with a key twice peaked 928 MB instead of 603 MB).
        let root = self.index() == tape.root && (self.is_object() || self.is_array());
        let own_text = if root && !tape.detached {
            tape.root_start(self.text)
        } else {
            None
        };
        let (bytes, tag) = if let Some(start) = own_text {
            (
                self.text.as_bytes().get(start..).unwrap_or_default(),
                Some(0),
            )
        } else if !big && !root {
            return ready();
        } else if tape.from_text && big {
            let bytes = self.text.as_bytes().get(tape.origin..).unwrap_or_default();
            (bytes, Some(tape.ordinal(0, self.index())))
        } else {
            let written = tape.written(self.text).as_bytes();
            let below_root = self.index() >= tape.root;
            (
                written,
                below_root.then(|| tape.ordinal(tape.root, self.index())),
            )
        };
        match tag.and_then(|t| u32::try_from(t).ok()) {
            Some(tag) => jsonschema_value::LazyInstance::Deferred {
                bytes,
                tag,
                make: Tape::reparsed,
                cell: std::sync::OnceLock::new(),
            },
            None => ready(),
        }
    }

    /// The entry and the slot: an entry's index is below 2^28 (see [`MAX_VALUES`]), a slot
    /// below 16.
    fn identity(&self) -> Option<NodeIdentity> {
        let index = u32::try_from(self.index()).ok()?;
        Some(NodeIdentity::tagged(
            std::ptr::from_ref(self.tape) as usize,
            index | u32::from(self.slot) << 28,
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

    fn get(&self, key: &TapeKey) -> Option<TapeNode<'a>> {
        self.get_prepared(key)
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

    /// `Entry::kind` reads each code back as the kind written with it (its table is by hand).
    #[test]
    fn every_kind_reads_back_from_its_code() {
        use Kind::*;
        let all = [
            Null,
            False,
            True,
            SmallPos,
            SmallNeg,
            BigPos,
            BigNeg,
            Float,
            StrAt,
            StrAfterKey,
            StrSide,
            WidePos,
            WideNeg,
            Packed,
            Array,
            Object,
        ];
        for kind in all {
            assert_eq!(Entry::new(kind, 0, 0).kind(), kind);
        }
    }

    /// The values a tape holds: an entry each, but a packed entry's or a string run's items.
    fn values_held(tape: &Tape) -> usize {
        tape.ordinal(0, tape.entries.len())
    }

    /// A big text's tape is allocated at its counted size: the count is the tape's values,
    /// whatever the shape (a repeated key's earlier value is dropped, so it counts one more),
    /// so it bounds its entries (packed items share one).
    #[test]
    fn counted_values_are_the_tape_values() {
        let texts = [
            r#"{"a": [1, -2, 3.5, "x\n", true, null, {}, []], "b": {"c": {"d": "é"}}}"#,
            r#"[{"id":1,"name":"ab"},{"id":2,"name":"cd"}]"#,
            r#""just a string""#,
            r#"[[[]], [{}], {"k": [null]}]"#,
            r#"{"k": {}, "n": null, "t": [[1, 2, 300, [], 4], {"a": []}]}"#,
        ];
        for text in texts {
            let tape = Tape::parse(text).expect("parses");
            assert_eq!(count_values(text), Some(values_held(&tape)), "{text}");
            assert!(tape.entries.len() <= values_held(&tape), "{text}");
        }
        let twice = r#"{"a": 1, "a": [2, 3]}"#;
        let tape = Tape::parse(twice).expect("parses");
        assert_eq!(count_values(twice), Some(values_held(&tape) + 1));
        assert_eq!(count_values("[1, "), None);
    }
    use crate::spec::json_schema::{compile_for, to_json_schema, ConvertOptions, Direction};
    use jsonschema::json::SerdeJson;
    use jsonschema::Validator;
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

    /// Schemas whose errors name array items, for the random documents: each applies to the
    /// root's members and, through `items`, to their items.
    fn item_schemas() -> Vec<(Validator<SerdeJson>, Validator<TapeJson>)> {
        let inner = [
            serde_json::json!({"items": {"maximum": 100}, "uniqueItems": true}),
            serde_json::json!({"items": {"enum": [0, 1, 9, 10, null, true, [], {}]}}),
            serde_json::json!({"minItems": 12, "maxItems": 3, "contains": {"const": 505}}),
            serde_json::json!({"items": {"type": ["integer", "array"], "maxItems": 0}}),
        ];
        inner
            .iter()
            .map(|x| {
                let schema =
                    serde_json::json!({"additionalProperties": {"items": x, "anyOf": [x]}});
                (
                    compile_for::<SerdeJson>(&schema).expect("compiles"),
                    compile_for::<TapeJson>(&schema).expect("compiles"),
                )
            })
            .collect()
    }

    /// Random documents (a fixed seed, so a failure replays): whitespace anywhere JSON allows,
    /// keys and strings with and without escapes, repeated keys, numbers on both sides of the
    /// inline limits, nesting, arrays of small scalars of every packed width, of floats and of
    /// strings. Each reads as `serde_json` reads it, and every member is found by its key and
    /// every item by its pointer as a `Value` finds it; validators give the same errors; the
    /// same document as a `Value` packs the same entries as its text written by `serde_json`
    /// (what `Tape::written` reads again) and reads the same; the line masked in place still
    /// reads the same.
    #[test]
    fn random_documents_read_as_serde_json_reads_them() {
        let mut rng = 0x2545_f491_4f6c_dd1d_u64;
        let schemas = item_schemas();
        let (mut packed_items, mut decimals, mut string_runs) = (0, 0, 0);
        for _ in 0..3000 {
            let mut text = String::new();
            random_value(&mut rng, 0, &mut text);
            assert_same(&text);
            let value: Value = serde_json::from_str(&text).expect("generated JSON");
            let mut tape = Tape::parse(&text).expect("parses");
            lookups_agree(tape.root(&text), &value);
            let errors = |e: jsonschema::ValidationError<'_>| {
                (e.to_string(), e.instance_path().as_str().to_string())
            };
            for (a, b) in &schemas {
                let left: Vec<_> = a.iter_errors(&value).map(errors).collect();
                let right: Vec<_> = b.iter_errors(tape.root(&text)).map(errors).collect();
                assert_eq!(left, right, "{text}");
                assert_eq!(a.is_valid(&value), b.is_valid(tape.root(&text)));
            }
            let shape = |t: &Tape| -> Vec<(Option<Packed>, usize)> {
                let held = |e: &Entry| (0..16).take_while(|&k| e.holds(k)).count();
                t.entries
                    .iter()
                    .map(|e| (Packed::of(*e), held(e)))
                    .collect()
            };
            let written = serde_json::to_string(&value).expect("writes");
            let from_value = Tape::from_value(&value);
            let reread = Tape::parse(&written).expect("parses");
            assert_eq!(shape(&from_value), shape(&reread), "{text}");
            assert_eq!(from_value.root("").to_value(), value, "{text}");
            packed_items += values_held(&tape) - tape.entries.len();
            for e in &tape.entries {
                let form = Packed::of(*e).map(Packed::form);
                decimals += usize::from(form.is_some_and(|f| f.decimal));
                string_runs += usize::from(e.kind() == Kind::StrAt && e.run_more() > 0);
            }
            tape.detach(&text, "");
            let mut masked = text.clone();
            crate::validate::capture::mask_strings_knowing(
                &mut masked,
                &["/".to_string()],
                Vec::new(),
                true,
            );
            assert_eq!(tape.root(&masked).to_value(), value, "{text}");
        }
        assert!(packed_items > 10_000, "{packed_items} items packed");
        assert!(
            decimals > 500 && string_runs > 500,
            "{decimals} {string_runs}"
        );
    }

    /// Floats that are short decimals or not (`-0`, long mantissas, exponents, the smallest
    /// and the largest), for arrays of them.
    const FLOATS: [&str; 14] = [
        "0.5",
        "1.0",
        "-0.0",
        "0.1",
        "-2.25",
        "123.4567",
        "1e5",
        "5e-324",
        "0.30000000000000004",
        "1.7976931348623157e308",
        "53687091.1",
        "53687091.2",
        "0.00000001",
        "-1E-7",
    ];

    /// Strings that join a run or not: short, at the length limit and past it, escaped,
    /// not ASCII.
    const STRINGS: [&str; 9] = [
        r#""a""#,
        r#""""#,
        r#""x y""#,
        r#""é🔒""#,
        r#""abcdefghijklmnopqrstuvwxyz012345""#,
        r#""abcdefghijklmnopqrstuvwxyz0123456""#,
        r#""\n""#,
        r#""a\"b""#,
        r#""\u0061""#,
    ];

    /// An array of up to 60 items, mostly small scalars of one packed width or mixed, at and
    /// past each width's limits, of one sign or both, or floats, or strings; now and then an
    /// item that splits a run (a container, a string, a big number, much whitespace).
    fn random_small_items(rng: &mut u64, depth: usize, out: &mut String) {
        const SMALL: [&str; 20] = [
            "0",
            "1",
            "9",
            "10",
            "505",
            "506",
            "16377",
            "16378",
            "268435449",
            "268435450",
            "null",
            "true",
            "false",
            "[]",
            "{}",
            "[ ]",
            "{ }",
            "-1",
            "4294967295",
            "4294967296",
        ];
        let len = next_random(rng) % 61;
        // One width's items (the first 3, 5, 7, 9 or 10 of SMALL, plus the specials) or any.
        let top = [3, 5, 7, 9, 10, 20][(next_random(rng) % 6) as usize];
        // Mostly negative integers, a third of the time (`-0` is a float: it splits a run).
        let negative = next_random(rng) % 3 == 0;
        // Integers (half the arrays), floats or strings.
        let mode = next_random(rng) % 4;
        out.push('[');
        for i in 0..len {
            if i > 0 {
                out.push(',');
            }
            random_space(rng, out);
            match next_random(rng) % 40 {
                0 => random_value(rng, depth + 1, out),
                1..=6 => out.push_str(SMALL[10 + (next_random(rng) % 5) as usize]),
                7 => {
                    out.push_str(&" ".repeat(60));
                    out.push_str(r#""a""#);
                }
                _ if mode == 2 => out.push_str(FLOATS[(next_random(rng) % 14) as usize]),
                _ if mode == 3 => out.push_str(STRINGS[(next_random(rng) % 9) as usize]),
                n => {
                    let item = SMALL[(next_random(rng) % top) as usize];
                    if negative && n % 8 != 0 && item.starts_with(|c: char| c.is_ascii_digit()) {
                        out.push('-');
                    }
                    out.push_str(item);
                }
            }
        }
        random_space(rng, out);
        out.push(']');
    }

    fn lookups_agree(node: TapeNode<'_>, value: &Value) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    let found = node.get(k).expect("a member found by its key");
                    assert_eq!(&found.to_value(), v);
                    lookups_agree(found, v);
                }
                assert_eq!(node.len(), map.len());
            }
            Value::Array(items) => {
                assert_eq!(node.len(), items.len());
                assert_eq!(node.items().count(), items.len());
                for (i, (n, v)) in node.items().zip(items).enumerate() {
                    let found = node.pointer(&format!("/{i}")).map(|n| n.to_value());
                    assert_eq!(found.as_ref(), Some(v));
                    assert_eq!(&n.to_value(), v);
                    lookups_agree(n, v);
                }
                assert!(node.pointer(&format!("/{}", items.len())).is_none());
            }
            _ => {}
        }
    }

    fn next_random(rng: &mut u64) -> u64 {
        *rng ^= *rng << 13;
        *rng ^= *rng >> 7;
        *rng ^= *rng << 17;
        *rng
    }

    fn random_space(rng: &mut u64, out: &mut String) {
        const SPACES: [&str; 6] = ["", "", "", " ", "\n  ", "\t\r "];
        out.push_str(SPACES[(next_random(rng) % 6) as usize]);
    }

    fn random_string(rng: &mut u64, out: &mut String) {
        const PIECES: [&str; 12] = [
            "a", "id", "name", "é", "\\\"", "\\n", "\\u00e9", "🔒", "k", "", "x y", "\\/",
        ];
        out.push('"');
        if next_random(rng) % 40 == 0 {
            out.push_str(&"k".repeat(300)); // past the key length an entry keeps
        }
        for _ in 0..next_random(rng) % 4 {
            out.push_str(PIECES[(next_random(rng) % 12) as usize]);
        }
        out.push('"');
    }

    fn random_value(rng: &mut u64, depth: usize, out: &mut String) {
        const NUMBERS: [&str; 14] = [
            "0",
            "-0",
            "1048575",
            "1048576",
            "-1048577",
            "268435456",
            "18446744073709551615",
            "-9223372036854775808",
            "2.5e-3",
            "1e300",
            "1152921504606846975",
            "1152921504606846976",
            "-1152921504606846975",
            "-1152921504606846976",
        ];
        random_space(rng, out);
        let pick = match depth {
            0 => 8,
            1..=4 => next_random(rng) % 11,
            _ => next_random(rng) % 6,
        };
        match pick {
            0 => out.push_str("null"),
            1 => out.push_str(if next_random(rng) % 2 == 0 {
                "true"
            } else {
                "false"
            }),
            2 | 3 => out.push_str(NUMBERS[(next_random(rng) % 14) as usize]),
            4 | 5 => random_string(rng, out),
            6 => {
                out.push('[');
                for i in 0..next_random(rng) % 4 {
                    if i > 0 {
                        out.push(',');
                    }
                    random_value(rng, depth + 1, out);
                }
                random_space(rng, out);
                out.push(']');
            }
            9 | 10 => random_small_items(rng, depth, out),
            _ => {
                out.push('{');
                for i in 0..next_random(rng) % 7 {
                    if i > 0 {
                        out.push(',');
                    }
                    random_space(rng, out);
                    random_string(rng, out);
                    random_space(rng, out);
                    out.push(':');
                    random_value(rng, depth + 1, out);
                }
                random_space(rng, out);
                out.push('}');
            }
        }
        random_space(rng, out);
    }

    /// The packed entries of `text`'s tape, each as its items' values.
    fn runs_of(text: &str) -> Vec<Vec<Value>> {
        let tape = Tape::parse(text).expect("parses");
        let slot = |p: Packed, k: usize| {
            p.get(k).map(|s| match s {
                Small::Int(_) | Small::Neg(_) | Small::Dec(_) | Small::NegDec(_) => {
                    s.number().map_or(Value::Null, Value::Number)
                }
                Small::Null => Value::Null,
                Small::False => Value::Bool(false),
                Small::True => Value::Bool(true),
                Small::EmptyArray => serde_json::json!([]),
                Small::EmptyObject => serde_json::json!({}),
            })
        };
        tape.entries
            .iter()
            .filter_map(|e| Packed::of(*e))
            .map(|p| (0..p.len()).filter_map(|k| slot(p, k)).collect())
            .collect()
    }

    #[test]
    fn small_items_pack_into_the_narrowest_layout_that_holds_them() {
        let ints =
            |range: std::ops::Range<u32>| -> Vec<String> { range.map(|n| n.to_string()).collect() };
        let lens = |text: &str| -> Vec<usize> { runs_of(text).iter().map(Vec::len).collect() };
        // Fourteen digits an entry, then the rest.
        assert_eq!(lens(&format!("[{}]", ["1"; 30].join(","))), [14, 14, 2]);
        // A value too wide widens the entry when all its items fit the wider slots ...
        assert_eq!(lens("[1, 2, 300, 4]"), [4]);
        assert_eq!(lens("[1, 2, 3, 4, 5, 300, 7]"), [6, 1]);
        assert_eq!(lens("[1, 2, 3, 4, 5, 600, 7]"), [5, 2]);
        assert_eq!(lens("[null, true, 16000, false]"), [4]);
        assert_eq!(lens("[1, 268435449, 2]"), [2, 1]);
        // With a negative integer, integers take twice their magnitude's room.
        assert_eq!(lens("[-1, -2, -200, null, -4]"), [5]);
        assert_eq!(lens("[-1, -2, -300, null, -4]"), [4, 1]);
        assert_eq!(lens("[-1, 2, -3, 0, -4, -5]"), [6]);
        // (-1 re-codes 5..=9 as 10..=18: they move to nine-bit slots with it.)
        assert_eq!(lens("[5, 6, 7, 8, 9, -1, 9]"), [6, 1]);
        assert_eq!(lens("[null, -1, true, -9, 3]"), [5]);
        // ... else starts a new one: so 0..1000 takes 10 digits, then six and six.
        let counting = format!("[{}]", ints(0..1000).join(","));
        let runs = lens(&counting);
        assert_eq!(runs[..3], [10, 6, 6]);
        assert_eq!(runs.iter().sum::<usize>(), 1000);
        // 0..=9 in one, 10..=505 six an entry, 506..=999 four: 208 entries for 1000 items.
        assert_eq!(runs.len(), 1 + 83 + 124);
        assert_eq!(
            runs_of("[[], {}, null, true, false, 300]"),
            [
                serde_json::from_str::<Vec<Value>>("[[], {}, null, true, false, 300]")
                    .expect("json")
            ]
        );
    }

    /// Only items of one array pack together: anything else between them, a container above
    /// all, ends the run; a member is never packed; nor is the root.
    #[test]
    fn a_run_is_split_by_anything_that_is_not_a_small_item() {
        let lens = |text: &str| -> Vec<usize> { runs_of(text).iter().map(Vec::len).collect() };
        assert_eq!(lens("[1, 2, [3], 4]"), [2, 1, 1]);
        assert_eq!(lens("[1, 2, [], 4]"), [4]);
        // A float is a decimal: never in one entry with integers.
        assert_eq!(
            lens(r#"[1, {"a": 2}, 3, "s", 4, -5, 6, 1.5, 7]"#),
            [1, 1, 3, 1, 1]
        );
        assert_eq!(lens(r#"[1, {"a": [2, 3], "b": 4}, 5]"#), [1, 2, 1]);
        assert_eq!(lens(r#"[[1, 2], [3, 4]]"#), [2, 2]);
        assert_eq!(
            lens(r#"{"a": 1, "b": null, "c": [], "d": {}}"#),
            Vec::<usize>::new()
        );
        assert_eq!(lens("1"), Vec::<usize>::new());
        assert_eq!(lens("[]"), Vec::<usize>::new());
        for text in [
            "[1, 2, [3], 4]",
            r#"[1, {"a": [2, 3], "b": 4}, 5]"#,
            "[[1, [2, {}]], 3]",
        ] {
            assert_same(text);
        }
    }

    /// A float packs as a decimal exactly when `m / 10^f` (up to seven fraction digits) reads
    /// back as its very bits: short decimals and integral floats do, `-0.0`, long mantissas,
    /// tiny and huge ones do not; an entry holds decimals or integers, never both.
    #[test]
    fn floats_pack_as_decimals_only_when_they_read_back_exactly() {
        let dec = |m: u32, f: u32| Small::Dec(m << FRACTION_BITS | f);
        assert_eq!(Small::of_float(0.5), Some(dec(5, 1)));
        assert_eq!(Small::of_float(1.0), Some(dec(1, 0)));
        assert_eq!(Small::of_float(1e5), Some(dec(100_000, 0)));
        assert_eq!(Small::of_float(1e-7), Some(dec(1, 7)));
        assert_eq!(Small::of_float(0.29), Some(dec(29, 2)));
        assert_eq!(Small::of_float(-2.25), Some(Small::NegDec(225 << 3 | 2)));
        for x in [1e-8, 5e-324, 1e300, 0.1 + 0.2, 53_687_091.2, f64::MAX] {
            assert_eq!(Small::of_float(x), None, "{x}");
        }
        // -0.0 is `0 / 1` negated, which no signed slot holds (-n is 2n - 1).
        assert_eq!(
            Packed::with(&[Small::of_float(-0.0).expect("a decimal")]),
            None
        );
        // Every decimal found reads back as its float.
        let mut rng = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..20_000 {
            let digits = next_random(&mut rng) % 9;
            let m = (next_random(&mut rng) % 1_000_000_000) as f64;
            let x = m / 10f64.powi(digits as i32) * if m as u64 % 2 == 0 { 1.0 } else { -1.0 };
            if let Some(item) = Small::of_float(x) {
                assert_eq!(item.float().map(f64::to_bits), Some(x.to_bits()), "{x}");
            }
        }
        let lens = |text: &str| -> Vec<usize> { runs_of(text).iter().map(Vec::len).collect() };
        assert_eq!(lens(&format!("[{}]", ["0.5"; 20].join(","))), [6, 6, 6, 2]);
        assert_eq!(
            lens("[1, 1.0, 1, -0.5, 2.5, -0.0, 0.25, 3]"),
            [1, 1, 1, 2, 1, 1]
        );
        let text = "[1, 1.0, -0.5, 2.5, -0.0, 0.25, 1e-7, 12.345, 3]";
        assert_same(text);
        let tape = Tape::parse(text).expect("parses");
        let written: Vec<String> = tape
            .root(text)
            .items()
            .map(|n| serde_json::to_string(&n).expect("writes"))
            .collect();
        assert_eq!(
            written,
            ["1", "1.0", "-0.5", "2.5", "-0.0", "0.25", "1e-7", "12.345", "3"]
        );
    }

    /// An array's consecutive short strings share entries, sixteen at most; each reads as its
    /// string, borrowed from its very place in the text (where masking finds it); a string too
    /// long, escaped or far from the one before, and any other item, start a new run.
    #[test]
    fn short_strings_of_an_array_share_runs() {
        let runs = |text: &str| -> Vec<usize> {
            let tape = Tape::parse(text).expect("parses");
            let held = |e: &Entry| (0..16).take_while(|&k| e.holds(k)).count();
            let strings = tape.entries.iter().filter(|e| e.kind() == Kind::StrAt);
            strings.map(held).collect()
        };
        let letters = format!("[{}]", [r#""a""#; 40].join(","));
        assert_eq!(runs(&letters), [16, 16, 8]);
        let long = "x".repeat(33);
        let text = format!(
            r#"["a", "{long}", "b" ,"c",
                "d\n", "e", {}"f", 1, "g", "", "h","#,
            " ".repeat(70)
        );
        let text = format!(r#"{text} "i", "{}"]"#, "y".repeat(32));
        assert_eq!(runs(&text), [1, 1, 2, 1, 1, 5]);
        for text in [&letters, &text] {
            assert_same(text);
            let value: Value = serde_json::from_str(text).expect("json");
            let tape = Tape::parse(text).expect("parses");
            lookups_agree(tape.root(text), &value);
            for (i, item) in tape.root(text).items().enumerate() {
                let Some(s) = item.as_str() else { continue };
                assert_eq!(Some(s), value[i].as_str());
                // The escaped one is beside the text.
                if !s.is_empty() && !s.contains('\n') {
                    let span = crate::source::json_pointer_span(text, &format!("/{i}"));
                    let start = s.as_ptr() as usize - text.as_ptr() as usize;
                    assert_eq!(span.map(|s| s.value.start + 1), Some(start), "{i}: {s}");
                }
            }
        }
    }

    /// Detaching one string of a run copies the whole run beside the text: masked in place
    /// afterwards, every string of it still reads as it was, and the runs around it from the
    /// masked text.
    #[test]
    fn a_detached_run_reads_from_its_copy() {
        use crate::validate::capture::mask_strings_knowing;
        let text = r#"{"tokens": ["s1", "s2" ,
            "s3"], "names": ["n1", "n2"], "one": ["x"]}"#;
        let value: Value = serde_json::from_str(text).expect("parses");
        let mut tape = Tape::parse(text).expect("parses");
        let place = tape.root(text).pointer("/tokens/1").expect("item").place();
        tape.detach_place(text, place);
        tape.detach_place(text, place);
        tape.detach(text, "/one/0");
        let mut masked = text.to_string();
        let pointers = ["/tokens/0", "/tokens/1", "/tokens/2", "/one/0"].map(String::from);
        assert!(mask_strings_knowing(
            &mut masked,
            &pointers,
            Vec::new(),
            false
        ));
        assert!(!masked.contains("s2") && !masked.contains("\"x\"") && masked.contains("n2"));
        assert_eq!(tape.root(&masked).to_value(), value);
        lookups_agree(tape.root(&masked), &value);
        // From a `Value`, runs are written beside it, and read the same.
        let tape = Tape::from_value(&value);
        assert_eq!(tape.root("").to_value(), value);
        lookups_agree(tape.root(""), &value);
    }

    /// Arrays of 0, 1, 15 and 100 small items of each layout, and mixed: every item is found
    /// at its pointer, in order, counted, written back and compared as a `Value` would be.
    #[test]
    fn every_slot_of_every_layout_reads_as_its_item() {
        let layouts: [&[&str]; 8] = [
            &["0", "7", "9", "null", "true", "false", "[]", "{}"],
            &["10", "505", "0", "null"],
            &["506", "16377", "3", "{}"],
            &["16378", "268435449", "false"],
            &[
                "-1",
                "-16378",
                "-268435449",
                "null",
                "-268435450",
                "-5",
                "[]",
            ],
            &[
                "-1",
                "1",
                "0",
                "-134217725",
                "134217724",
                "-134217726",
                "134217725",
            ],
            &[
                "1",
                "null",
                "300",
                "[]",
                "70000",
                "2",
                "true",
                "268435450",
                "-1",
                "{}",
            ],
            &["[ ]", "{ }", "[]", "{\n}"],
        ];
        for items in layouts {
            for len in [0, 1, 15, 100] {
                let list: Vec<&str> = items.iter().copied().cycle().take(len).collect();
                let text = format!(r#"{{"arr": [{}], "k": 1}}"#, list.join(", "));
                assert_same(&text);
                let value: Value = serde_json::from_str(&text).expect("json");
                let tape = Tape::parse(&text).expect("parses");
                let root = tape.root(&text);
                let arr = root.get("arr").expect("arr");
                assert_eq!(arr.len(), len);
                assert_eq!(arr.is_empty(), len == 0);
                for (i, item) in arr.items().enumerate() {
                    let pointer = format!("/arr/{i}");
                    let at = root.pointer(&pointer).expect("found");
                    assert_eq!(at.to_value(), value["arr"][i], "{pointer} of {text}");
                    assert_eq!(item.to_value(), value["arr"][i]);
                    assert_eq!(
                        serde_json::to_value(item).ok(),
                        Some(value["arr"][i].clone())
                    );
                    assert_eq!(at.len(), 0);
                    assert!(at.is_empty() && !at.is_big());
                    assert!(at.get("a").is_none() && at.pointer("/0").is_none());
                }
                assert!(root.pointer(&format!("/arr/{len}")).is_none());
                assert_eq!(Tape::from_value(&value).root("").to_value(), value);
            }
        }
    }

    /// Each item of a packed entry is a node of its own to `jsonschema`: errors name the item's
    /// place and say what a `Value` makes them say, for item, count and uniqueness keywords.
    #[test]
    fn errors_about_packed_items_are_the_errors_about_a_value() {
        let mut items: Vec<String> = (0..60).map(|i| (i % 7).to_string()).collect();
        items[37] = "900".to_string();
        items[38] = "null".to_string();
        items[41] = "[]".to_string();
        let text = format!(r#"{{"arr": [{}]}}"#, items.join(","));
        let value: Value = serde_json::from_str(&text).expect("json");
        let tape = Tape::parse(&text).expect("parses");
        assert!(runs_of(&text).len() > 2, "packed");
        let schemas = [
            serde_json::json!({"properties": {"arr": {"items": {"type": "integer", "maximum": 10}}}}),
            serde_json::json!({"properties": {"arr": {"minItems": 61}}}),
            serde_json::json!({"properties": {"arr": {"maxItems": 3}}}),
            serde_json::json!({"properties": {"arr": {"uniqueItems": true}}}),
            serde_json::json!({"properties": {"arr": {"items": {"enum": [0, 1, 2, 3, 4, 5, 6, null]}}}}),
            serde_json::json!({"properties": {"arr": {"items": {"not": {"type": "array"}}}}}),
            serde_json::json!({"properties": {"arr": {"contains": {"const": 901}}}}),
        ];
        let mut paths = Vec::new();
        for schema in &schemas {
            let a = compile_for::<SerdeJson>(schema).expect("compiles");
            let b = compile_for::<TapeJson>(schema).expect("compiles");
            let errors = |e: jsonschema::ValidationError<'_>| {
                let instance = e.instance().clone().into_owned();
                (
                    e.to_string(),
                    e.instance_path().as_str().to_string(),
                    instance,
                )
            };
            let left: Vec<_> = a.iter_errors(&value).map(errors).collect();
            let right: Vec<_> = b.iter_errors(tape.root(&text)).map(errors).collect();
            assert!(!left.is_empty(), "{schema}");
            assert_eq!(left, right, "{schema}");
            paths.extend(right.into_iter().map(|(_, path, _)| path));
        }
        for path in ["/arr/37", "/arr/38", "/arr/41", "/arr"] {
            assert!(paths.iter().any(|p| p == path), "{path} in {paths:?}");
        }
        // Two equal items in one packed entry are two nodes.
        let text = "[[], {}, []]";
        let tape = Tape::parse(text).expect("parses");
        let ids: Vec<_> = tape.root(text).items().map(|n| n.identity()).collect();
        assert!(
            ids[0] != ids[1] && ids[0] != ids[2] && ids[1] != ids[2],
            "{ids:?}"
        );
    }

    #[test]
    fn an_entry_takes_eight_bytes() {
        assert_eq!(std::mem::size_of::<Entry>(), 8);
    }

    /// Every kind of value in every place: the root, an item, a member.
    fn in_every_place(value: &str) -> [String; 3] {
        [
            value.to_string(),
            format!("[{value}, {value}]"),
            format!(r#"{{"k": {value}, "k2": [{value}]}}"#),
        ]
    }

    #[test]
    fn numbers_at_the_inline_and_table_boundaries_read_as_serde_json_reads_them() {
        let cases = [
            "1048575",
            "1048576",
            "-1048575",
            "-1048576",
            "268435455",
            "268435456",
            "-268435455",
            "-268435456",
            "4294967295",
            "4294967296",
            "18446744073709551615",
            "-9223372036854775808",
            "9223372036854775807",
            "-0",
            "0",
            "-0.0",
            "0.1",
            "-2.5e-300",
            "1.7976931348623157e308",
            "1e400",
            "-1e400",
            "18446744073709551616",
        ];
        for text in cases.iter().flat_map(|c| in_every_place(c)) {
            assert_same(&text);
        }
        let kinds = |text: &str| -> Vec<Kind> {
            let tape = Tape::parse(text).expect("parses");
            tape.entries.iter().map(|e| e.kind()).collect()
        };
        assert_eq!(
            kinds("[1048575, 1048576, -1048575, -1048576, -0, 0.5, 1152921504606846976]"),
            // -0 is a float that no decimal reads back as; 0.5 is a decimal.
            [
                Kind::Array,
                Kind::Packed,
                Kind::Packed,
                Kind::Float,
                Kind::Packed,
                Kind::BigPos
            ]
        );
        // Past a packed slot's widest integer, an item is an entry of its own.
        assert_eq!(
            kinds("[268435449, 268435450, 1048576]"),
            [Kind::Array, Kind::Packed, Kind::WidePos, Kind::Packed]
        );
        // A member's first word is its key's place: its big integers go to the numbers.
        assert_eq!(
            kinds(r#"{"a": 1048576, "b": -1048576}"#),
            [Kind::Object, Kind::BigPos, Kind::BigNeg]
        );
    }

    /// `Tape::key_of` reads a member's key from its kept length or, for the members that keep
    /// none (containers, numbers and strings kept aside, long, empty and escaped keys), by
    /// looking back for its `"`: each path gives the text's key, as `serde_json` reads it.
    #[test]
    fn member_keys_of_every_kind_read_back_as_the_text_has_them() {
        let long = "k".repeat(300);
        let text = format!(
            r#"{{"n": null, "t": true, "s": 5, "neg": -5, "big": 1048576, "f": 0.5, "str": "v",
              "esc": "a\nb", "obj": {{"in": 1}}, "arr": [1, 2], "": {{}}, "\"q\"": [],
              "e\u00e9": {{"x": 1}}, "{long}": {{}}, "{long}s": 1, "é": [], "dup": 1, "dup": {{}}}}"#
        );
        assert_same(&text);
        let tape = Tape::parse(&text).expect("parses");
        let keys: Vec<&str> = tape.root(&text).members().map(|(k, _)| k).collect();
        let value: Value = serde_json::from_str(&text).expect("parses");
        let want: Vec<&str> = value
            .as_object()
            .expect("an object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, want);
        assert!(keys.contains(&"\"q\"") && keys.contains(&"eé") && keys.contains(&""));
        // A container member keeps no length: its key is found by looking back.
        let obj = (0..tape.entries.len())
            .find(|&i| tape.entries[i].kind() == Kind::Object && i != tape.root)
            .expect("a member object");
        assert_eq!(tape.entries[obj].key_len(), None);
        assert_eq!(tape.key_of(&text, obj), "obj");
    }

    /// `same_key` is `==` on bytes at every length, whichever byte differs.
    #[test]
    fn same_key_compares_every_byte() {
        for n in 0..40usize {
            let a: Vec<u8> = (0..n as u8).map(|b| b'a' + b % 26).collect();
            assert!(same_key(&a, &a.clone()), "{n}");
            for at in 0..n {
                let mut b = a.clone();
                b[at] ^= 0x20;
                assert!(!same_key(&a, &b), "{n} at {at}");
            }
            assert!(!same_key(&a, &a[..n.saturating_sub(1)]) || n == 0, "{n}");
        }
    }

    #[test]
    fn escaped_keys_and_values_read_as_serde_json_reads_them() {
        let text = r#"{"a\"b": "c\\d", "\u0061": "x", "ab": 1, "a": "plain", "k": "\n", "": "", "é\t": ["\"", "é"]}"#;
        assert_same(text);
        let tape = Tape::parse(text).expect("parses");
        let root = tape.root(text);
        // A key in the text is not taken for a longer one it begins, nor a shorter one.
        assert_eq!(root.get("a").and_then(|v| v.as_str()), Some("plain"));
        assert_eq!(root.get("a\"b").and_then(|v| v.as_str()), Some("c\\d"));
        assert_eq!(root.get("é\t").map(|v| v.len()), Some(2));
        assert_eq!(root.get("").and_then(|v| v.as_str()), Some(""));
        assert!(root.get("a\"").is_none() && root.get("\"").is_none());
        // Nor for a key that spans the quote before it.
        let text = r#"{"x":"","ab":1}"#;
        let tape = Tape::parse(text).expect("parses");
        assert!(tape.root(text).get("\",\"ab").is_none());
        assert!(tape.root(text).get("ab").is_some());
        // Keys too long for an entry to keep their length are found all the same.
        let long = "k".repeat(300);
        let text =
            format!(r#"{{"{long}": 1, "{long}x": null, "{long}y": "v", "k": {{"{long}": []}}}}"#);
        assert_same(&text);
        let tape = Tape::parse(&text).expect("parses");
        let keys: Vec<&str> = tape.root(&text).members().map(|(k, _)| k).collect();
        assert_eq!(
            keys.iter().map(|k| k.len()).collect::<Vec<_>>(),
            [300, 301, 301, 1]
        );
        assert_eq!(root.len(), 6);
    }

    /// A lookup starts after the member found last in the same object: in any order, found or
    /// not, across objects and nested objects, it finds what a `Value` finds.
    #[test]
    fn lookups_in_any_order_find_what_a_value_finds() {
        let text =
            r#"{"a": 1, "b": {"a": "x", "c": [1]}, "c": "s", "d": null, "e": {"b": 2}, "f": 2.5}"#;
        let value: Value = serde_json::from_str(text).expect("parses");
        let tape = Tape::parse(text).expect("parses");
        let root = tape.root(text);
        let inner = root.get("b").expect("b");
        let orders = ["abcdef", "fedcba", "acebdf", "aaffcz", "zdbadf", "cacbcd"];
        for order in orders {
            for k in order.chars().map(String::from) {
                let found = root.get(&k).map(|n| n.to_value());
                assert_eq!(found.as_ref(), value.get(&k), "{order}: {k}");
                let nested = inner.get(&k).map(|n| n.to_value());
                assert_eq!(nested.as_ref(), value["b"].get(&k), "{order}: b/{k}");
            }
        }
    }

    /// A lookup that scans far indexes the object by key hash (GitHub's alphabetical
    /// `required` lists against its bodies' order): every lookup after it, found or not, keys
    /// with escapes and a key twice included, finds what a `Value` finds, in the indexed object
    /// and in others.
    #[test]
    fn lookups_in_a_big_object_find_what_a_value_finds() {
        let mut members: Vec<String> = (0..60)
            .map(|i| format!(r#""k{:02}_{}": {i}"#, (i * 37) % 60, i % 7))
            .collect();
        members.push(r#""escaped": "e""#.to_string());
        members.push(r#""k00_0": "twice""#.to_string());
        members.push(r#""inner": {"x": 1, "k01_1": 2}"#.to_string());
        let text = format!("{{{}}}", members.join(", "));
        let value: Value = serde_json::from_str(&text).expect("parses");
        let tape = Tape::parse(&text).expect("parses");
        let (root, inner) = (
            tape.root(&text),
            tape.root(&text).get("inner").expect("inner"),
        );
        let mut keys: Vec<String> = value.as_object().expect("object").keys().cloned().collect();
        keys.sort();
        keys.extend(["missing", "escaped", "escaaped", "k00_"].map(String::from));
        for round in 0..2 {
            for k in keys.iter().rev() {
                let found = root.get(k).map(|n| n.to_value());
                assert_eq!(found.as_ref(), value.get(k), "{round}: {k}");
                let nested = inner.get(k).map(|n| n.to_value());
                assert_eq!(nested.as_ref(), value["inner"].get(k), "{round}: inner/{k}");
            }
        }
        let indexed = tape
            .key_index
            .0
            .lock()
            .expect("lock")
            .as_ref()
            .map(|indexed| indexed.0);
        assert_eq!(indexed, Some(root.place()), "the big object was indexed");
    }

    /// Prepared names (`jsonschema`'s lookups) find what a `Value` finds wherever their hint
    /// points: learnt in one object and used in another whose members are shifted, reordered
    /// or missing, in a nested object after, with escaped keys, a key given twice, and names
    /// with a quote that end like a key.
    #[test]
    fn prepared_lookups_find_what_a_value_finds_wherever_the_hint_points() {
        let texts = [
            r#"{"a": 1, "b": {"a": "x", "c": [1]}, "c": "s", "d": null, "e\u0041": 2, "f": 2.5}"#,
            r#"{"z": 0, "a": 1, "b": {"c": [1], "a": "x"}, "c": "s", "d": null, "f": 2.5}"#,
            r#"{"f": 2.5, "d": null, "c": "s", "c": "t", "b": {}, "a": 1, "eA": 3}"#,
            r#"{"b": {"a": {"a": 1}}, "q": [{"a": 2}], "a": {"b": 1}}"#,
            r#"{"a": "x","q": {}, "b": {"a": "x","q": 1}}"#,
            r#"{}"#,
        ];
        let names = [
            "a", "b", "c", "d", "eA", "f", "z", "q", "missing", "", "x\",\"q",
        ];
        let keys: Vec<TapeKey> = names.map(TapeJson::prepare_key).into();
        for round in 0..3 {
            for text in texts.iter().chain(texts.iter().rev()) {
                let value: Value = serde_json::from_str(text).expect("parses");
                let tape = Tape::parse(text).expect("parses");
                let root = tape.root(text);
                let inner = root.get("b");
                for (node, value) in [(Some(root), &value), (inner, &value["b"])] {
                    let Some(node) = node else {
                        continue;
                    };
                    for key in keys.iter().rev().skip(round) {
                        let found = node.get_prepared(key).map(|n| n.to_value());
                        assert_eq!(found.as_ref(), value.get(&*key.name), "{text}: {key:?}");
                    }
                }
            }
        }
        let text = r#"[{"a": 1}]"#;
        let tape = Tape::parse(text).expect("parses");
        assert!(
            tape.root(text).get_prepared(&keys[0]).is_none(),
            "not an object"
        );
    }

    #[test]
    fn whitespace_between_key_colon_and_value_is_skipped() {
        let text = "{ \"a\" \n:\t \"x\" , \"b\"\r\n:\"y\",\"c\":  \r\"\" ,\"d\"\t:\n[ \"z\" ] }";
        assert_same(text);
        let tape = Tape::parse(text).expect("parses");
        let root = tape.root(text);
        let strings: Vec<_> = ["a", "b", "c"]
            .iter()
            .map(|k| root.get(k).and_then(|v| v.as_str()))
            .collect();
        assert_eq!(strings, [Some("x"), Some("y"), Some("")]);
    }

    /// A string past the payload's length is read up to its closing quote.
    #[test]
    fn a_string_longer_than_the_payload_reads_to_its_quote() {
        let text = r#"{"key": "value", "items": ["item"]}"#;
        let mut tape = Tape::parse(text).expect("parses");
        for e in tape.entries.iter_mut() {
            if matches!(e.kind(), Kind::StrAt | Kind::StrAfterKey) {
                *e = e.with_payload(e.payload() | LONG);
            }
        }
        assert_eq!(
            tape.root(text).to_value(),
            serde_json::json!({"key": "value", "items": ["item"]})
        );
    }

    #[test]
    fn repeated_keys_of_values_of_other_kinds_and_sizes_keep_the_last() {
        let texts = [
            r#"{"a": "short", "b": 1, "a": {"x": [1, 2, "s"]}, "c": "z", "b": "str now", "a": 123456789012}"#,
            r#"{"a": [1, [2, {"d": "e"}]], "b": null, "a": "now a string", "b": {"c": "deep"}}"#,
            r#"{"a": 1, "\u0061": "escaped key, text value", "b": "x", "b": "yy"}"#,
            r#"{"a": "v", "a": -5, "n": {"k": "1", "k": "2", "k": "3"}, "a": 2.5}"#,
            r#"[{"k": "v1", "k": "v2"}, {"k": 1, "j": "s", "k": {"k": "v3", "k": ""}}]"#,
        ];
        for text in texts {
            assert_same(text);
            assert!(Tape::parse(text).expect("parses").duplicates(), "{text}");
        }
        // Objects of more than eight members take the hash table: a repeat is found wherever
        // it stands, and none is reported where there is none.
        let members = |n: usize| {
            (0..n)
                .map(|i| format!(r#""k{i}": {i}"#))
                .collect::<Vec<_>>()
        };
        for (n, at) in [(9, 0), (20, 19), (64, 31), (300, 150)] {
            let mut m = members(n);
            let clean = format!("{{{}}}", m.join(", "));
            assert_same(&clean);
            assert!(
                !Tape::parse(&clean).expect("parses").duplicates(),
                "{clean}"
            );
            m.push(format!(r#""k{at}": "last""#));
            let twice = format!("{{{}}}", m.join(", "));
            assert_same(&twice);
            assert!(Tape::parse(&twice).expect("parses").duplicates(), "{twice}");
        }
    }

    /// Detached before the text is masked, strings read as they were; on a line with a key
    /// twice every string value is masked, and members still find their values by their keys.
    #[test]
    fn detached_strings_survive_masking() {
        use crate::validate::capture::mask_strings_knowing;
        let text = r#"{"secret": {"token": "sk_live_1", "n": 1, "a": ["x"]}, "other": "visible"}"#;
        let value: Value = serde_json::from_str(text).expect("parses");
        let mut tape = Tape::parse(text).expect("parses");
        tape.detach(text, "/secret");
        let mut masked = text.to_string();
        let pointers = ["/secret/token".to_string(), "/secret/a/0".to_string()];
        assert!(mask_strings_knowing(
            &mut masked,
            &pointers,
            Vec::new(),
            false
        ));
        assert!(!masked.contains("sk_live"));
        assert_eq!(tape.root(&masked).to_value(), value);

        let text = r#"{"id": "one", "nm": "x", "id": {"id": "two", "nm": ["é", "\n"]}}"#;
        let value: Value = serde_json::from_str(text).expect("parses");
        let mut tape = Tape::parse(text).expect("parses");
        tape.detach(text, "");
        let mut masked = text.to_string();
        assert!(mask_strings_knowing(
            &mut masked,
            &pointers,
            Vec::new(),
            true
        ));
        assert!(!masked.contains("one") && !masked.contains("two"));
        assert!(masked.contains(r#""id": {"id": "***", "nm""#), "{masked}");
        assert_eq!(tape.root(&masked).to_value(), value);
        assert!(tape.root(&masked).get("id").is_some());
    }

    /// Past the limit of values (268 million; a small one here), the tape is an error, never a
    /// wrong tree, whatever the values are; side strings and numbers are held to it too.
    #[test]
    fn more_values_than_the_limit_is_an_error() {
        let read = |text: &str, limit| Tape::parse_limited(text, text, limit).map(|_| ());
        assert!(read(r#"[null, "a", [], "b", "c"]"#, 5).is_ok());
        let error = read(r#"[null, "a", [], "b", "c", 1.5e300]"#, 5).expect_err("six entries");
        assert!(
            error
                .to_string()
                .starts_with("body has more than 268 million values"),
            "{error}"
        );
        assert!(read(r#"["\n", "\n"]"#, 3).is_ok());
        assert!(read(r#"["\n", "\n", "\n"]"#, 3).is_err());
        assert!(read(r#"{"\n": 1, "\t": 2, "\r": 3}"#, 3).is_err());
        assert!(read("[1e300, 2e300]", 3).is_ok());
        assert!(read("[1e300, 2e300, 3e300]", 3).is_err());
        // So do strings of a run: seventeen take two.
        let strings = format!("[{}]", [r#""ab""#; 17].join(","));
        assert!(read(&strings, 3).is_ok());
        assert!(read(&strings, 2).is_err());
        // Packed items count by their entries: fifteen digits take two.
        let fifteen = format!("[{}]", ["1"; 15].join(","));
        assert!(read(&fifteen, 3).is_ok());
        assert!(read(&fifteen, 2).is_err());
        assert!(read("[[], [], [1]]", 3).is_err());
        assert_eq!(MAX_VALUES, 268_435_455);
        let mut tape = Tape::default();
        assert_eq!(tape.push_side("x", 1), Ok(0));
        assert_eq!(tape.push_side("x", 1), Err(TooBig::Values));
        assert_eq!(tape.push_number(Num::Float(0.5), 1), Ok((Kind::Float, 0)));
        assert_eq!(tape.push_number(Num::Pos(1 << 40), 1), Err(TooBig::Values));
        assert_eq!(tape.push_number(Num::Neg(-7), 1), Ok((Kind::SmallNeg, 7)));
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

    /// A small root's instance is made from the text when it is read, and is the same value:
    /// a body, a body read inside its line, a line's member; an array root too. Once strings
    /// were detached and the text masked, it is the tape's own copy, the real values.
    #[test]
    fn root_error_instances_are_read_back_from_the_text() {
        use crate::validate::capture::mask_strings_knowing;
        let schema = serde_json::json!({"required": ["missing", "gone"], "minItems": 9,
            "properties": {"a": {"required": ["deep"]}}});
        let a = compile_for::<SerdeJson>(&schema).expect("compiles");
        let b = compile_for::<TapeJson>(&schema).expect("compiles");
        let body = r#"{"a": {"n": "é\n"}, "x": [1, -2.5, null, true, "s"]}"#;
        let line = format!(r#"{{"m": 1, "body": {body}, "z": [2]}}"#);
        let start = line.find(body).expect("body");
        let items = r#"[{"id": 1}, "x", [2]]"#;
        let member = Tape::parse(&line)
            .expect("parses")
            .into_member(&line, "body")
            .expect("a body");
        let cases = [
            (Tape::parse(body).expect("parses"), body, body),
            (
                Tape::parse_in(&line, &line[start..start + body.len()]).expect("parses"),
                &line[..],
                body,
            ),
            (member, &line[..], body),
            (Tape::parse(items).expect("parses"), items, items),
        ];
        for (tape, text, shown) in cases {
            let value: Value = serde_json::from_str(shown).expect("parses");
            let instances = |errors: Vec<jsonschema::ValidationError<'_>>| -> Vec<Value> {
                errors
                    .iter()
                    .map(|e| e.instance().clone().into_owned())
                    .collect()
            };
            let left = instances(a.iter_errors(&value).collect());
            let right = instances(b.iter_errors(tape.root(text)).collect());
            assert!(!left.is_empty());
            assert_eq!(left, right, "{text}");
        }
        let text = r#"{"a": {"n": "x"}, "a": {"n": "real"}}"#;
        let mut tape = Tape::parse(text).expect("parses");
        tape.detach(text, "");
        let mut masked = text.to_string();
        assert!(mask_strings_knowing(
            &mut masked,
            &["/a".to_string()],
            Vec::new(),
            true
        ));
        assert_ne!(masked, text);
        let found: Vec<Value> = b
            .iter_errors(tape.root(&masked))
            .map(|e| e.instance().clone().into_owned())
            .collect();
        let real: Value = serde_json::from_str(text).expect("parses");
        let expected: Vec<Value> = a
            .iter_errors(&real)
            .map(|e| e.instance().clone().into_owned())
            .collect();
        assert_eq!(expected.len(), 3);
        assert_eq!(found, expected);
        assert!(
            tape.written.get().is_some(),
            "written once for the root's errors"
        );
        let tape = Tape::from_value(&real);
        let found: Vec<Value> = b
            .iter_errors(tape.root(""))
            .map(|e| e.instance().clone().into_owned())
            .collect();
        assert_eq!(found, expected);
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

    /// A big array of packed items (more than [`DEFERRED_ENTRIES`] entries) is an instance read
    /// back when it is needed, from the text or from a `Value`'s written copy: the same entry
    /// indices, the same value.
    #[test]
    fn big_instances_of_packed_items_are_read_back_alike() {
        let items: Vec<String> = (0..40_000)
            .map(|i| ((i * 7) % 600 - 90).to_string())
            .collect();
        let text = format!(r#"{{"a": [{}], "b": [1, [], -2]}}"#, items.join(","));
        let value: Value = serde_json::from_str(&text).expect("parses");
        let schema = serde_json::json!({"required": ["z"],
            "properties": {"a": {"maxItems": 1}, "b": {"maxItems": 1}}});
        let a = compile_for::<SerdeJson>(&schema).expect("compiles");
        let b = compile_for::<TapeJson>(&schema).expect("compiles");
        let expected: Vec<Value> = a
            .iter_errors(&value)
            .map(|e| e.instance().clone().into_owned())
            .collect();
        assert_eq!(expected.len(), 3);
        let parsed = Tape::parse(&text).expect("parses");
        let array = parsed.root(&text).get("a").expect("a");
        assert!(array.is_big() && parsed.entries.len() < 20_000);
        for (tape, over) in [(parsed.clone(), &text[..]), (Tape::from_value(&value), "")] {
            let found: Vec<Value> = b
                .iter_errors(tape.root(over))
                .map(|e| e.instance().clone().into_owned())
                .collect();
            assert!(found == expected, "from_text: {}", tape.from_text);
        }
    }

    /// A line with a key twice has every string value masked in place and its keys kept: a big
    /// error instance is read again from the masked text, with the same members, and no copy of
    /// the document is written; a tape from a `Value` writes its copy once for every error.
    #[test]
    fn big_error_instances_of_a_masked_line_keep_its_members() {
        use crate::validate::capture::mask_strings_knowing;
        let schema = serde_json::json!({"properties": {"items": {"maxItems": 1}}});
        let items: Vec<String> = (0..1500)
            .map(|i| format!(r#"{{"id": {i}, "nm": "x"}}"#))
            .collect();
        let text = format!(r#"{{"items": 1, "items": [{}]}}"#, items.join(","));
        let value: Value = serde_json::from_str(&text).expect("parses");
        let mut tape = Tape::parse(&text).expect("parses");
        tape.detach(&text, "");
        let mut masked = text.clone();
        assert!(mask_strings_knowing(
            &mut masked,
            &["/a".to_string()],
            Vec::new(),
            true
        ));
        let shown: Value = serde_json::from_str(&masked).expect("parses");
        assert_ne!(shown, value);
        let b = compile_for::<TapeJson>(&schema).expect("compiles");
        let instances: Vec<Value> = b
            .iter_errors(tape.root(&masked))
            .map(|e| e.instance().clone().into_owned())
            .collect();
        assert_eq!(instances, vec![shown["items"].clone()]);
        assert!(tape.written.get().is_none(), "read from the text");
        assert_eq!(tape.root(&masked).to_value(), value);
        // From a `Value` alike, and the copy is written once for every error.
        let tape = Tape::from_value(&value);
        let schema = serde_json::json!({"required": ["a", "b"],
            "properties": {"items": {"maxItems": 1}}});
        let b = compile_for::<TapeJson>(&schema).expect("compiles");
        let instances: Vec<Value> = b
            .iter_errors(tape.root(""))
            .map(|e| e.instance().clone().into_owned())
            .collect();
        let items = value["items"].clone();
        assert_eq!(instances, [value.clone(), value, items]);
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
