//! Server and path templates compiled for matching, and the captures of a matched path.

use std::borrow::Cow;

use crate::spec::model::Server;
use crate::spec::path_template::{pieces, PathTemplate, Piece};

use super::PathValue;

/// One piece of a URL or path template.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum Token {
    Literal(String),
    /// A variable; `values` restricts it when the server variable lists an `enum`.
    Var {
        name: String,
        values: Vec<String>,
    },
}

fn tokens(pieces: &[Piece], values_of: &dyn Fn(&str) -> Vec<String>) -> Vec<Token> {
    pieces
        .iter()
        .map(|p| match p {
            Piece::Literal(text) => Token::Literal(text.clone()),
            Piece::Var(v) => Token::Var {
                name: v.name.clone(),
                values: values_of(&v.name),
            },
        })
        .collect()
}

/// What a match of tokens may leave of the text after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Rest {
    /// Nothing: the tokens match the whole text.
    Nothing,
    /// Nothing or a path (`/…`): a server template ends where the URL's path begins.
    Path,
}

impl Rest {
    fn admits(self, rest: &str) -> bool {
        rest.is_empty() || (self == Rest::Path && rest.starts_with('/'))
    }
}

struct Rules<'s> {
    stop: &'s [char],
    fold: bool,
    rest: Rest,
}

/// Every end offset at which `tokens` match a prefix of `text` leaving what `rest` admits
/// (variables take one or more characters, never `stop`; literals compare ASCII
/// case-insensitively when `fold`).
pub(super) fn prefix_ends(
    tokens: &[Token],
    text: &str,
    stop: &[char],
    fold: bool,
    rest: Rest,
    out: &mut Vec<usize>,
) {
    fn go(tokens: &[Token], text: &str, at: usize, rules: &Rules<'_>, out: &mut Vec<usize>) {
        let Some((first, rest)) = tokens.split_first() else {
            if rules.rest.admits(&text[at..]) {
                out.push(at);
            }
            return;
        };
        let (stop, fold) = (rules.stop, rules.fold);
        let here = &text[at..];
        match first {
            Token::Literal(lit) => {
                if begins_with(here, lit, fold) {
                    go(rest, text, at + lit.len(), rules, out);
                }
            }
            Token::Var { values, .. } if !values.is_empty() => {
                for v in values {
                    if begins_with(here, v, true) {
                        go(rest, text, at + v.len(), rules, out);
                    }
                }
            }
            Token::Var { .. } if rest.is_empty() => last_var_ends(here, at, rules, out),
            Token::Var { .. } => {
                // The variable ends before the first `stop`, and only where the next literal's
                // first byte follows (a byte that begins a string ends a character): Kommo's
                // `https://{subdomain}.kommo.com` is tried on every URL.
                let limit = stop_at(here, stop);
                let next = match rest.first() {
                    Some(Token::Literal(lit)) => lit.as_bytes().first().copied(),
                    _ => None,
                };
                let bytes = here.as_bytes();
                let can_end = |end: usize| match (next, bytes.get(end)) {
                    (None, _) => here.is_char_boundary(end),
                    (Some(b), Some(&x)) if fold => x.eq_ignore_ascii_case(&b),
                    (Some(b), Some(&x)) => x == b,
                    (Some(_), None) => false,
                };
                for end in (1..=limit).filter(|&end| can_end(end)) {
                    go(rest, text, at + end, rules, out);
                }
            }
        }
    }
    go(tokens, text, 0, &Rules { stop, fold, rest }, out);
}

/// Whether `text` begins with `prefix`, compared ASCII case-insensitively when `fold`. Most
/// recorded URLs spell a server as the spec does, and every exchange's URL is compared with the
/// servers: the byte comparison answers first.
fn begins_with(text: &str, prefix: &str, fold: bool) -> bool {
    let (bytes, want) = (text.as_bytes(), prefix.as_bytes());
    bytes.starts_with(want)
        || (fold
            && text.is_char_boundary(want.len())
            && bytes[..want.len()].eq_ignore_ascii_case(want))
}

/// The ends (in `text`, `here` starting at `at`) of a variable that ends the tokens, ascending:
/// it takes one or more characters before the first `stop`, and only ends whose rest
/// `rules.rest` admits count. Found by searching for them rather than trying each character:
/// GitHub's upload server is `{origin}`, tried on every URL.
fn last_var_ends(here: &str, at: usize, rules: &Rules<'_>, out: &mut Vec<usize>) {
    let limit = stop_at(here, rules.stop);
    if rules.rest == Rest::Path {
        let slashes = here.match_indices('/').map(|(i, _)| i);
        out.extend(
            slashes
                .take_while(|&i| i <= limit)
                .filter(|&i| i > 0)
                .map(|i| at + i),
        );
    }
    if limit == here.len() && limit > 0 {
        out.push(at + limit);
    }
}

/// Where the first of `stop` stands in `text` (its length without one). Byte by byte when every
/// stop is ASCII, as they are: a search for a set of characters cost more than the rest of
/// matching a server template.
fn stop_at(text: &str, stop: &[char]) -> usize {
    let found = if stop.iter().all(char::is_ascii) {
        let is_stop = |b: u8| stop.iter().any(|&c| c == char::from(b));
        text.bytes().position(is_stop)
    } else {
        text.find(stop)
    };
    found.unwrap_or(text.len())
}

fn full_match(tokens: &[Token], text: &str, stop: &[char]) -> bool {
    let mut ends = Vec::new();
    prefix_ends(tokens, text, stop, false, Rest::Nothing, &mut ends);
    !ends.is_empty()
}

/// Whether one URL segment (non-empty, as recorded) matches one template segment, as recorded
/// or percent-decoded.
pub(super) fn segment_matches(tokens: &[Token], segment: &str) -> bool {
    match tokens {
        // A lone variable takes any segment (one without `/`, as recorded).
        [Token::Var { values, .. }] if values.is_empty() && !segment.contains('/') => {
            !segment.is_empty()
        }
        // The stretch pre-check asks this of many routes for each exchange.
        [Token::Literal(lit)] => lit == segment || decoded(segment).is_some_and(|d| *lit == d),
        _ => {
            full_match(tokens, segment, &['/'])
                || decoded(segment).is_some_and(|d| full_match(tokens, &d, &['/']))
        }
    }
}

pub(super) fn decode(text: &str) -> Cow<'_, str> {
    percent_encoding::percent_decode_str(text).decode_utf8_lossy()
}

/// `segment` percent-decoded, when that differs from it: only a `%` can make it differ, and
/// routing asks this of every segment of every exchange.
pub(super) fn decoded(segment: &str) -> Option<Cow<'_, str>> {
    if !segment.contains('%') {
        return None;
    }
    Some(decode(segment)).filter(|d| d != segment)
}

/// A compiled server URL template.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct ServerPattern {
    pub(super) tokens: Vec<Token>,
    /// Relative servers (`/api/v1`) match the URL's path only.
    pub(super) relative: bool,
    /// The literal path the server adds (`/api/v1` of `{site}/api/v1`), stripped when matching
    /// on the path alone.
    pub(super) base_path: Option<String>,
}

impl ServerPattern {
    pub(super) fn new(server: &Server) -> Self {
        let url = server.url.trim_end_matches('/');
        let values_of = |name: &str| {
            server
                .variables
                .iter()
                .find(|v| v.name == name)
                .map(|v| v.values.clone())
                .unwrap_or_default()
        };
        let tokens = tokens(&pieces(url), &values_of);
        let relative = url.is_empty() || url.starts_with('/');
        let base_path = match tokens.last() {
            Some(Token::Literal(lit)) => {
                let after_scheme = lit.find("://").map_or(0, |i| i + 3);
                lit[after_scheme..]
                    .find('/')
                    .map(|i| lit[after_scheme + i..].to_string())
                    .filter(|p| p.len() > 1)
            }
            _ => None,
        };
        ServerPattern {
            tokens,
            relative,
            base_path,
        }
    }
}

/// What a template segment that is one variable alone allows beyond one non-empty segment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Flex {
    /// The segment is a lone `{name}`.
    lone: bool,
    /// `x-multi-segment: true`.
    multi: bool,
    /// Its string schema accepts `""`.
    empty: bool,
}

/// A compiled path template.
#[derive(Debug, Clone)]
pub(super) struct PathPattern {
    pub(super) segments: Vec<Vec<Token>>,
    /// Per segment: 0 literal, 1 mixed, 2 variable. Lower sorts first, so literals win.
    pub(super) rank: Vec<u8>,
    flex: Vec<Flex>,
    /// How many variables the template has: the captures' length, allocated once.
    variables: usize,
}

/// A path split into its segments, as byte ranges of the path.
pub(super) struct Segments<'p> {
    pub(super) path: &'p str,
    pub(super) ranges: Vec<(usize, usize)>,
}

impl<'p> Segments<'p> {
    /// The segments of `path` after its leading `/`; empty ones are kept when `keep_empty`.
    pub(super) fn of(path: &'p str, keep_empty: bool) -> Self {
        if !keep_empty {
            let ranges = segment_ranges(path, 0, path.len()).collect();
            return Segments { path, ranges };
        }
        let mut ranges = Vec::new();
        let start = usize::from(path.starts_with('/'));
        if start < path.len() {
            let mut at = start;
            for seg in path[start..].split('/') {
                ranges.push((at, at + seg.len()));
                at += seg.len() + 1;
            }
        }
        Segments { path, ranges }
    }

    fn text(&self, i: usize) -> &'p str {
        let (a, b) = self.ranges[i];
        &self.path[a..b]
    }
}

/// A path cut once into its segments, for the pre-check [`PathPattern::stretch`] makes of
/// every multi-segment route (cutting it again for each route cost more than the check).
pub(super) struct Pieces<'p> {
    pub(super) path: &'p str,
    /// The segments after the leading `/`, when there are some and none is empty (an empty
    /// segment may be taken by a variable or skipped, so positions are not fixed and every
    /// route is left to the full match).
    pub(super) fixed: Option<Vec<&'p str>>,
}

impl<'p> Pieces<'p> {
    pub(super) fn of(path: &'p str) -> Self {
        let rest = &path[usize::from(path.starts_with('/'))..];
        let fixed = (!rest.is_empty() && !has_empty_segment(path))
            .then(|| rest.split('/').collect::<Vec<_>>());
        Pieces { path, fixed }
    }
}

/// Whether a recorded path has an empty segment (`/a//b`, `/a/`): where a variable may be
/// taken empty or skipped, so routes the index would not find may still match. The root path
/// `/` has none.
pub(super) fn has_empty_segment(path: &str) -> bool {
    path.contains("//") || (path.len() > 1 && path.ends_with('/'))
}

impl PathPattern {
    pub(super) fn new(template: &PathTemplate) -> Self {
        let segments: Vec<Vec<Token>> = template
            .segments()
            .iter()
            .map(|s| tokens(s, &|_| Vec::new()))
            .collect();
        let rank = segments
            .iter()
            .map(|s| match s.as_slice() {
                [Token::Literal(_)] | [] => 0,
                [Token::Var { .. }] => 2,
                _ => 1,
            })
            .collect();
        let flex = template
            .segments()
            .iter()
            .map(|s| match s.as_slice() {
                [Piece::Var(v)] => Flex {
                    lone: true,
                    multi: v.multi_segment,
                    empty: v.allows_empty,
                },
                _ => Flex::default(),
            })
            .collect();
        let variables = segments
            .iter()
            .flatten()
            .filter(|t| matches!(t, Token::Var { .. }))
            .count();
        PathPattern {
            segments,
            rank,
            flex,
            variables,
        }
    }

    /// Whether `path` matches segment by segment (the route index answers this for routing; this
    /// is the reference it is tested against).
    #[cfg(test)]
    pub(super) fn matches(&self, path: &str) -> bool {
        let segments = Segments::of(path, false);
        segments.ranges.len() == self.segments.len()
            && self
                .segments
                .iter()
                .enumerate()
                .all(|(i, tokens)| segment_matches(tokens, segments.text(i)))
    }

    /// Whether a variable may span segments or be empty, so [`PathPattern::stretch`] can match
    /// where the segment-by-segment index cannot.
    pub(super) fn is_flexible(&self) -> bool {
        self.flex.iter().any(|f| f.multi || f.empty)
    }

    /// Whether a variable may span segments (only such routes can match a path without empty
    /// segments that the index missed).
    pub(super) fn is_multi_segment(&self) -> bool {
        self.flex.iter().any(|f| f.multi)
    }

    /// Matches `path` letting `x-multi-segment` variables take several segments and
    /// empty-permitting ones an empty segment; with `one_more`, one other lone variable may take
    /// several segments too (to say which template a URL misses only by that). Returns, per
    /// template segment, the range of path segments it took.
    pub(super) fn stretch(&self, path: &Pieces<'_>, one_more: bool) -> Option<Stretched<'_>> {
        if let Some(pieces) = &path.fixed {
            if !self.fixed_ends_admit(pieces, one_more) {
                return None;
            }
        }
        self.stretch_unchecked(path.path, one_more)
    }

    /// [`PathPattern::stretch`] without its pre-check (tests compare the two).
    pub(super) fn stretch_unchecked(&self, path: &str, one_more: bool) -> Option<Stretched<'_>> {
        let keep_empty = !one_more && self.flex.iter().any(|f| f.empty);
        for keep in [false, true].into_iter().filter(|k| !k || keep_empty) {
            let segments = Segments::of(path, keep);
            let mut taken = Vec::new();
            if self.assign(&segments, 0, usize::from(one_more), &mut taken) {
                return Some(Stretched {
                    pattern: self,
                    taken,
                    segments: segments.ranges,
                });
            }
        }
        None
    }

    /// A cheap necessary condition for [`PathPattern::stretch`], which the router asks of every
    /// multi-segment route for an exchange the index did not place, on a path without empty
    /// segments (`pieces`). Every template segment then takes at least one path segment, and
    /// only those that may span segments take more: the fixed ones before the first such
    /// segment take one each from the start, those after the last one each from the end, so
    /// they must match theirs (`/repos/{o}/{r}/branches/{branch}/protection` cannot match a
    /// path ending in `main`).
    pub(super) fn fixed_ends_admit(&self, pieces: &[&str], one_more: bool) -> bool {
        let spans = |f: &Flex| f.lone && (f.multi || one_more);
        let n = self.segments.len();
        let fits =
            |i: usize, piece: &str| self.flex[i].lone || segment_matches(&self.segments[i], piece);
        let Some(first) = self.flex.iter().position(spans) else {
            return pieces.len() == n && pieces.iter().enumerate().all(|(i, p)| fits(i, p));
        };
        if pieces.len() < n {
            return false;
        }
        let last = self.flex.iter().rposition(spans).unwrap_or(first);
        let tail = pieces.len() - n;
        (0..first).all(|i| fits(i, pieces[i])) && (last + 1..n).all(|i| fits(i, pieces[tail + i]))
    }

    fn assign(
        &self,
        segments: &Segments<'_>,
        at: usize,
        free: usize,
        taken: &mut Vec<(usize, usize)>,
    ) -> bool {
        let i = taken.len();
        let Some(tokens) = self.segments.get(i) else {
            return at == segments.ranges.len();
        };
        let flex = self.flex[i];
        let n = segments.ranges.len();
        let attempt = |end: usize, free: usize, taken: &mut Vec<(usize, usize)>| {
            taken.push((at, end));
            let done = self.assign(segments, end, free, taken);
            if !done {
                taken.pop();
            }
            done
        };
        // Several segments first, the longest first; then one.
        if flex.lone && (flex.multi || free > 0) {
            let left = if flex.multi { free } else { free - 1 };
            if (at + 2..=n).rev().any(|end| attempt(end, left, taken)) {
                return true;
            }
        }
        if at >= n {
            return false;
        }
        let text = segments.text(at);
        let one = if text.is_empty() {
            flex.lone && flex.empty
        } else {
            segment_matches(tokens, text)
        };
        one && attempt(at + 1, free, taken)
    }

    /// The text of each variable of `path` (which this pattern matches and which ends the
    /// recorded `url`), percent-decoded, in template order, with its place in `url`. In one
    /// segment an earlier variable takes the longest text that lets the rest match
    /// (`{name}.{ext}` reads `report.2024.pdf` as `report.2024` and `pdf`), as a greedy pattern
    /// would.
    pub(super) fn captures(&self, path: &str, url: &str) -> Vec<PathValue> {
        let (start, end) = url_path_range(url);
        let segments = segment_ranges(path, 0, path.len());
        // The matched path is the end of the URL's path (a server prefix may come first), its
        // segments the URL's last ones. Most paths are that end as recorded, where they stand
        // at an offset, found without counting the segments of both.
        let as_recorded = path.is_empty() || path.starts_with('/');
        let offset = (as_recorded && url[start..end].ends_with(path)).then(|| end - path.len());
        let mut raws = offset
            .is_none()
            .then(|| {
                let in_url = segment_ranges(url, start, end);
                let skip = in_url.clone().count().checked_sub(segments.clone().count());
                skip.map(|k| in_url.skip(k))
            })
            .flatten();
        let mut out = Vec::with_capacity(self.variables);
        let mut found = Vec::new();
        for (tokens, (from, to)) in self.segments.iter().zip(segments) {
            let raw = match (offset, raws.as_mut()) {
                (Some(o), _) => Some((o + from, o + to)),
                (None, Some(raws)) => raws.next(),
                (None, _) => None,
            };
            if tokens.iter().all(|t| matches!(t, Token::Literal(_))) {
                continue;
            }
            found.clear();
            if let Some((a, b)) = raw.filter(|(a, b)| capture(tokens, &url[*a..*b], 0, &mut found))
            {
                let text = &url[a..b];
                out.extend(found.drain(..).map(|(name, s, e)| PathValue {
                    name: name.to_string(),
                    text: decode(&text[s..e]).into_owned(),
                    span: Some((a + s, a + e)),
                }));
                continue;
            }
            out.extend(segment_values(tokens, &path[from..to], raw));
        }
        out
    }
}

/// The variables of one template segment read from one URL segment, as recorded or decoded.
fn segment_values(tokens: &[Token], seg: &str, span: Option<(usize, usize)>) -> Vec<PathValue> {
    let mut found = Vec::new();
    let decoded = decode(seg);
    let (text, decoded_already) = if capture(tokens, seg, 0, &mut found) {
        (seg, false)
    } else if capture(tokens, &decoded, 0, &mut found) {
        (decoded.as_ref(), true)
    } else {
        return Vec::new();
    };
    found
        .into_iter()
        .map(|(name, s, e)| PathValue {
            name: name.to_string(),
            text: if decoded_already {
                text[s..e].to_string()
            } else {
                decode(&text[s..e]).into_owned()
            },
            span,
        })
        .collect()
}

/// A path matched by [`PathPattern::stretch`].
pub(super) struct Stretched<'a> {
    pattern: &'a PathPattern,
    /// Per template segment, the range of path segments it took.
    taken: Vec<(usize, usize)>,
    segments: Vec<(usize, usize)>,
}

impl Stretched<'_> {
    /// The first template segment that took more than one path segment.
    pub(super) fn stretched_segment(&self) -> Option<usize> {
        self.taken.iter().position(|(a, b)| b - a > 1)
    }

    /// The variables' text; spans when `path` is, as recorded, the end of `url`'s path.
    pub(super) fn captures(&self, path: &str, url: &str) -> Vec<PathValue> {
        let (start, end) = url_path_range(url);
        let offset = url[start..end].ends_with(path).then(|| end - path.len());
        let mut out = Vec::new();
        for (tokens, &(a, b)) in self.pattern.segments.iter().zip(&self.taken) {
            let from = self.segments[a].0;
            let to = self.segments[b - 1].1;
            let text = &path[from..to];
            let span = offset.map(|o| (o + from, o + to));
            match tokens.as_slice() {
                [Token::Var { name, .. }] => out.push(PathValue {
                    name: name.clone(),
                    text: decode(text).into_owned(),
                    span,
                }),
                _ => out.extend(segment_values(tokens, text, span)),
            }
        }
        out
    }
}

/// The byte range of the path of a URL as recorded (absolute or relative), query and fragment
/// excluded.
fn url_path_range(url: &str) -> (usize, usize) {
    // The first `://` (a search for each `:` costs less than one for the string).
    let bytes = url.as_bytes();
    let scheme_end = memchr::memchr_iter(b':', bytes).find(|&i| bytes[i + 1..].starts_with(b"//"));
    let start = match scheme_end {
        Some(i) => match memchr::memchr(b'/', &bytes[i + 3..]) {
            Some(j) => i + 3 + j,
            None => url.len(),
        },
        None => 0,
    };
    let end = memchr::memchr2(b'?', b'#', &bytes[start..]).map_or(url.len(), |j| start + j);
    (start, end)
}

/// The byte ranges (in `text`) of the non-empty segments of `text[start..end]`, split at `/`:
/// read as they are wanted (the captures, the index walk), since collecting them cost more
/// than reading the variables. The one reading of a path's non-empty segments.
pub(super) fn segment_ranges(
    text: &str,
    start: usize,
    end: usize,
) -> impl Iterator<Item = (usize, usize)> + Clone + '_ {
    let bytes = &text.as_bytes()[start..end];
    let mut at = 0;
    std::iter::from_fn(move || {
        while bytes.get(at) == Some(&b'/') {
            at += 1;
        }
        if at >= bytes.len() {
            return None;
        }
        let from = at;
        while at < bytes.len() && bytes[at] != b'/' {
            at += 1;
        }
        Some((start + from, start + at))
    })
}

/// Matches `tokens` against all of `text[at..]`, recording each variable's name and byte range
/// in `text`; `false` (and `out` unchanged) when they do not match.
fn capture<'t>(
    tokens: &'t [Token],
    text: &str,
    at: usize,
    out: &mut Vec<(&'t str, usize, usize)>,
) -> bool {
    let Some((first, rest)) = tokens.split_first() else {
        return at == text.len();
    };
    let here = &text[at..];
    match first {
        Token::Literal(lit) => {
            here.starts_with(lit.as_str()) && capture(rest, text, at + lit.len(), out)
        }
        Token::Var { name, .. } => {
            let ends = here
                .char_indices()
                .rev()
                .map(|(i, c)| at + i + c.len_utf8());
            for end in ends {
                let mark = out.len();
                out.push((name, at, end));
                if capture(rest, text, end, out) {
                    return true;
                }
                out.truncate(mark);
            }
            false
        }
    }
}
