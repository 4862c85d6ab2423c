//! Which operation an exchange answers: method, server URL template (with its variables), then
//! path template, across every spec of the run.
//!
//! Literal path segments win over templated ones (`/Account/{id}/stream` beats
//! `/Account/{id}/{link}` for `/Account/7/stream`). Captures often come from hosts the spec does
//! not list (staging, a local proxy, `.amocrm.ru`); those match on the path alone and the caller
//! says so in an info note. With `--server URL` ([`Base`]) the spec's servers are set aside:
//! only URLs under that base match, on the rest of their path.
//!
//! A match also returns the raw text of each path template variable (`{id}` → `6650ab`; several
//! variables in one segment, `/{a}.{b}`, split at their literals), for the request checks to read
//! as the parameter's style says.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use crate::spec::model::{Operation, Server};
use crate::spec::Spec;

mod index;
mod pattern;

use index::Index;
use pattern::{prefix_ends, PathPattern, Pieces, Rest, ServerPattern, Token};

/// `--server URL`: where the traffic was captured (`http://localhost:9000/api`). An exchange is
/// under it when scheme, host (case-insensitive) and port are the same and its path starts with
/// the base's path at a segment boundary; the rest of the path is matched against the spec's
/// paths, whatever the spec's servers say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Base {
    /// `scheme://host[:port]`, lower case, default ports left out.
    origin: String,
    /// The path prefix, without a trailing slash (empty for the root).
    path: String,
}

impl Base {
    /// Reads `--server URL`; an error says why the URL cannot serve as a base.
    pub fn parse(url: &str) -> Result<Base, String> {
        let parsed = url::Url::parse(url.trim())
            .map_err(|e| format!("--server {url}: not an absolute URL ({e})"))?;
        if !parsed.has_host() {
            return Err(format!("--server {url}: the URL has no host"));
        }
        if parsed.query().is_some() || parsed.fragment().is_some() {
            return Err(format!(
                "--server {url}: give a base URL without query or fragment"
            ));
        }
        let (origin, path) = split_url(parsed.as_str());
        Ok(Base {
            origin: origin.to_ascii_lowercase(),
            path: path.trim_end_matches('/').to_string(),
        })
    }

    /// The path of `url` below this base, or `None` when the URL is not under it.
    pub fn rest_of(&self, url: &str) -> Option<String> {
        let (origin, path) = split_url(url);
        if !origin.eq_ignore_ascii_case(&self.origin) {
            return None;
        }
        let rest = path.strip_prefix(self.path.as_str())?;
        (rest.is_empty() || rest.starts_with('/')).then(|| rest.to_string())
    }
}

/// A route: one operation of one spec.
#[derive(Debug, Clone)]
struct Route {
    spec: usize,
    operation: usize,
    method: String,
    /// Its servers, as indices into [`Router::servers`], in the operation's order.
    servers: Vec<usize>,
    path: PathPattern,
    /// `GET /repos/{owner}/{repo}`: names the route in messages and groups the exchanges near it.
    label: String,
}

impl Route {
    /// Whether the route answers `method`: HTTP methods are compared without case.
    fn answers(&self, method: &str) -> bool {
        self.method.eq_ignore_ascii_case(method)
    }
}

/// How an exchange matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchKind {
    /// Server template and path template.
    Full,
    /// Path template only: the host is not one of the spec's servers.
    PathOnly,
}

/// The operation an exchange answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matched {
    /// Index of the spec in the run.
    pub spec: usize,
    /// Index of the operation in `Spec::operations`.
    pub operation: usize,
    /// How it matched.
    pub kind: MatchKind,
    /// The text of each path template variable.
    pub path_values: Vec<PathValue>,
}

/// One path template variable's text in a matched URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathValue {
    /// The variable's name in the template.
    pub name: String,
    /// Its text, percent-decoded.
    pub text: String,
    /// Where it stands in the recorded URL (bytes), to locate findings on it; `None` when the
    /// URL's path cannot be lined up with the template (dot segments a client normalised).
    pub span: Option<(usize, usize)>,
}

/// A URL that matches a template only if one of its variables takes several segments
/// (`/git/refs/heads/main` against `/git/refs/{ref}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stretch {
    /// The operation's method and template (`PATCH /repos/{owner}/{repo}/git/refs/{ref}`).
    pub route: String,
    /// The variable that would have to span segments.
    pub variable: String,
}

/// Why nothing matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoMatch {
    /// The path is documented, for other methods.
    WrongMethod {
        /// The methods the path documents, upper case.
        allowed: Vec<String>,
        /// The method and the template the path matched (`PUT /users/{id}`).
        shape: String,
    },
    /// No path template matches.
    UnknownPath {
        /// The method and the path with each segment no template names as a literal written
        /// `*` (`GET /repositories/*/issues`): exchanges of one shape are one problem.
        shape: String,
        /// A template the path would match if a variable could span segments.
        stretch: Option<Stretch>,
    },
    /// `--server` is given and the URL is not under it: the exchange is skipped.
    OutsideServer,
}

/// Every operation of the run's specs, ready to match URLs against.
#[derive(Debug, Clone)]
pub struct Router {
    routes: Vec<Route>,
    /// Per spec, the id of its first operation's route: every operation has one, in order.
    first_route: Vec<usize>,
    /// Each distinct server template once, compiled.
    servers: Vec<ServerPattern>,
    index: Index,
    /// Per server, the routes that list it: where a full match is looked for first.
    by_server: Vec<Index>,
    /// Per server, one route that lists it for each method its routes answer: a server none of
    /// whose routes answers an exchange's method is left out of the full match.
    server_methods: Vec<Vec<usize>>,
    /// Routes with a variable that may span segments or be empty, which the index cannot find.
    flexible: Vec<usize>,
    /// Per server, the flexible routes that list it.
    flexible_by_server: Vec<Vec<usize>>,
    /// Those with a variable that may span segments: the only ones to try for a path without
    /// empty segments (most string parameters may be empty, few span segments).
    multi_segment: Vec<usize>,
    /// Every segment a template or server path spells out, to tell names from values when an
    /// unmatched path is reduced to its shape.
    literals: HashSet<String>,
}

/// `GET /repos/{owner}/{repo}`: how an operation's route is named, in messages (a route, a
/// stretch hint) and in each exchange's reference.
pub fn route_label(op: &Operation) -> String {
    format!("{} {}", op.method.to_ascii_uppercase(), op.path)
}

/// A recorded URL split for matching: `scheme://authority` (empty for a relative URL) and the
/// path, without query or fragment. Most URLs are borrowed from as they are.
pub fn split_url(url: &str) -> (Cow<'_, str>, Cow<'_, str>) {
    if let Some(split) = split_plain_url(url) {
        return split;
    }
    match url::Url::parse(url) {
        Ok(u) if u.has_host() => {
            let mut base = format!("{}://{}", u.scheme(), u.host_str().unwrap_or(""));
            if let Some(port) = u.port() {
                base.push_str(&format!(":{port}"));
            }
            (base.into(), u.path().to_string().into())
        }
        _ => {
            let path = url.split(['?', '#']).next().unwrap_or("");
            let path = if path.starts_with('/') {
                path.into()
            } else {
                format!("/{path}").into()
            };
            (Cow::Borrowed(""), path)
        }
    }
}

/// [`split_url`] of an `http` or `https` URL that URL parsing would leave as it is: a lowercase
/// host name (not an IP address, no user, no punycode), a path of plain characters with no dot
/// segment, nothing to strip or encode. Every exchange's URL is split, and parsing it cost more
/// than the rest of routing on GitHub's traffic; any other URL (`None`) is parsed. The query and
/// fragment are not read: whatever they hold (spaces, tabs, `\`, non-ASCII), parsing encodes or
/// strips it there and leaves the origin and the path as they are.
fn split_plain_url(url: &str) -> Option<(Cow<'_, str>, Cow<'_, str>)> {
    let (scheme, default_port, rest) = if let Some(rest) = url.strip_prefix("https://") {
        ("https", 443, rest)
    } else {
        ("http", 80, url.strip_prefix("http://")?)
    };
    let end = rest
        .bytes()
        .position(|b| matches!(b, b'/' | b'?' | b'#'))
        .unwrap_or(rest.len());
    let (authority, rest) = rest.split_at(end);
    let (host, port) = match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    if !plain_host(host) {
        return None;
    }
    let port = match port {
        None | Some("") => None,
        Some(digits) if digits.len() <= 5 && digits.bytes().all(|b| b.is_ascii_digit()) => {
            Some((digits, digits.parse::<u32>().ok().filter(|p| *p <= 65535)?))
        }
        Some(_) => return None,
    };
    let path = plain_path(rest)?;
    let base = match port {
        None => url[..scheme.len() + 3 + host.len()].into(),
        Some((_, p)) if p == default_port => url[..scheme.len() + 3 + host.len()].into(),
        // Parsing writes the port without leading zeros.
        Some((digits, p)) if digits.starts_with('0') => format!("{scheme}://{host}:{p}").into(),
        Some(_) => url[..url.len() - rest.len()].into(),
    };
    let path = if path.is_empty() { "/" } else { path };
    Some((base, path.into()))
}

/// Whether URL parsing leaves `host` as it is: labels of lowercase letters, digits and `-`, none
/// empty or punycode (`xn--`), the last beginning with a letter (not an IP address). One pass
/// over its bytes: splitting it at each dot cost as much as the rest of the split.
fn plain_host(host: &str) -> bool {
    let label_ok = |l: &[u8]| !l.is_empty() && !l.starts_with(b"xn--");
    let bytes = host.as_bytes();
    let mut label = 0;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'.' if label_ok(&bytes[label..i]) => label = i + 1,
            b'a'..=b'z' | b'0'..=b'9' | b'-' => {}
            _ => return false,
        }
    }
    let last = &bytes[label..];
    label_ok(last) && last[0].is_ascii_lowercase()
}

/// The bytes URL parsing leaves as they are in a path, as a table: every exchange's path is read.
const PLAIN_PATH: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b':'
                    | b'@'
                    | b'/'
            );
        b += 1;
    }
    table
};

/// The path of `rest` (what follows the authority: empty or from a `/`), up to a query or
/// fragment, when URL parsing leaves it as it is: plain characters, no dot segment. No `%`:
/// parsing reads `%2e` as a dot in dot segments. One pass finds its end and reads its bytes.
fn plain_path(rest: &str) -> Option<&str> {
    let mut after_slash_dot = false;
    let mut last = 0u8;
    let mut end = rest.len();
    for (i, b) in rest.bytes().enumerate() {
        if b == b'?' || b == b'#' {
            end = i;
            break;
        }
        if !PLAIN_PATH[usize::from(b)] {
            return None;
        }
        after_slash_dot |= last == b'/' && b == b'.';
        last = b;
    }
    let path = &rest[..end];
    // A dot segment starts `/.`: only then are the segments read.
    (!after_slash_dot || !path.split('/').any(|s| s == "." || s == "..")).then_some(path)
}

/// The paths one exchange can match on, worked out once per exchange from each distinct server.
/// Each distinct path is kept once and named by its index, so a route's candidates are told
/// apart without comparing text, and a path one route fails on is not tried again.
struct Candidates<'u> {
    /// Every distinct path some route may try.
    paths: Vec<&'u str>,
    /// Per server: the path after its template, for each way the template matches the URL's
    /// beginning (full matches).
    after_server: Vec<Vec<usize>>,
    /// The URL's whole path (a path-only match), or under `--server` the one path to match.
    path: usize,
    /// Per server: the path without the server's own base path (a path-only match).
    below_base: Vec<Option<usize>>,
    /// Under `--server`: `path` is the only candidate, a full match.
    under: bool,
}

impl<'u> Candidates<'u> {
    /// The index of `path` among `paths`, added when it is new.
    fn intern(paths: &mut Vec<&'u str>, path: &'u str) -> usize {
        paths.iter().position(|p| *p == path).unwrap_or_else(|| {
            paths.push(path);
            paths.len() - 1
        })
    }

    /// The paths `route` tries, in order: the first its template matches decides.
    fn for_route<'a>(&'a self, route: &'a Route) -> impl Iterator<Item = (MatchKind, usize)> + 'a {
        let full = self.full_paths(route).map(|at| (MatchKind::Full, at));
        let path_only = (!self.under).then(|| {
            let below = route
                .servers
                .iter()
                .filter_map(move |&s| self.below_base[s].map(|rest| (MatchKind::PathOnly, rest)));
            std::iter::once((MatchKind::PathOnly, self.path)).chain(below)
        });
        full.chain(path_only.into_iter().flatten())
    }

    /// The paths on which `route` would be a full match, in the order it tries them.
    fn full_paths<'a>(&'a self, route: &'a Route) -> impl Iterator<Item = usize> + 'a {
        let servers = route.servers.iter().filter(|_| !self.under);
        let after = servers.flat_map(move |&s| self.after_server[s].iter().copied());
        self.under.then_some(self.path).into_iter().chain(after)
    }

    /// The first of `route`'s candidate paths that [`PathPattern::stretch`] matches (`pieces`:
    /// every path, cut), with how and where; no segment added (see `stretch_hint` for one more).
    fn stretch<'r>(
        &self,
        route: &'r Route,
        pieces: &[Pieces<'_>],
    ) -> Option<(MatchKind, usize, pattern::Stretched<'r>)> {
        let mut tried = 0u64;
        self.for_route(route).find_map(|(kind, i)| {
            // A path fails again whatever the kind of match it would have been.
            let bit = 1u64.checked_shl(i as u32).unwrap_or(0);
            if tried & bit != 0 {
                return None;
            }
            tried |= bit;
            Some((kind, i, route.path.stretch(&pieces[i], false)?))
        })
    }

    /// Every path, cut into segments once for the many routes that try it.
    fn pieces(&self) -> Vec<Pieces<'u>> {
        self.paths.iter().map(|p| Pieces::of(p)).collect()
    }
}

impl Router {
    /// Builds the routes of `specs`, in spec then document order, and their index.
    pub fn new(specs: &[Spec]) -> Self {
        let mut router = Router {
            routes: Vec::new(),
            first_route: Vec::new(),
            servers: Vec::new(),
            index: Index::default(),
            by_server: Vec::new(),
            server_methods: Vec::new(),
            flexible: Vec::new(),
            flexible_by_server: Vec::new(),
            multi_segment: Vec::new(),
            literals: HashSet::new(),
        };
        let mut server_ids: HashMap<ServerPattern, usize> = HashMap::new();
        let root = [Server {
            url: "/".to_string(),
            description: None,
            variables: Vec::new(),
        }];
        for (s, spec) in specs.iter().enumerate() {
            router.first_route.push(router.routes.len());
            for (o, op) in spec.operations.iter().enumerate() {
                let servers = if op.servers.is_empty() {
                    &root[..]
                } else {
                    &op.servers[..]
                };
                let servers: Vec<usize> = servers
                    .iter()
                    .map(|server| router.server_id(&mut server_ids, server))
                    .collect();
                let path = PathPattern::new(&op.template);
                let id = router.routes.len();
                router.index.insert(id, &path.segments);
                for &server in &servers {
                    router.by_server[server].insert(id, &path.segments);
                }
                if path.is_flexible() {
                    router.flexible.push(id);
                    for &server in &servers {
                        router.flexible_by_server[server].push(id);
                    }
                }
                if path.is_multi_segment() {
                    router.multi_segment.push(id);
                }
                for segment in &path.segments {
                    if let [Token::Literal(text)] = segment.as_slice() {
                        router.literals.insert(text.clone());
                    }
                }
                router.routes.push(Route {
                    spec: s,
                    operation: o,
                    method: op.method.to_ascii_uppercase(),
                    servers,
                    path,
                    label: route_label(op),
                });
                router.note_methods(id);
            }
        }
        router
    }

    /// The [`route_label`] of operation `operation` of spec `spec`, made once when the router was
    /// built: every matched exchange names its route, and formatting it each time showed in the
    /// GitHub profile (0.5 %).
    pub fn label(&self, spec: usize, operation: usize) -> &str {
        &self.routes[self.first_route[spec] + operation].label
    }

    /// Records the method of route `id` for each of its servers, once per method.
    fn note_methods(&mut self, id: usize) {
        let route = &self.routes[id];
        for &s in &route.servers {
            let known = &self.server_methods[s];
            if !known.iter().any(|&r| self.routes[r].answers(&route.method)) {
                self.server_methods[s].push(id);
            }
        }
    }

    /// Whether some route that lists server `s` answers `method`.
    fn serves(&self, s: usize, method: &str) -> bool {
        self.server_methods[s]
            .iter()
            .any(|&r| self.routes[r].answers(method))
    }

    fn server_id(&mut self, ids: &mut HashMap<ServerPattern, usize>, server: &Server) -> usize {
        let pattern = ServerPattern::new(server);
        if let Some(&id) = ids.get(&pattern) {
            return id;
        }
        for segment in pattern.base_path.iter().flat_map(|b| b.split('/')) {
            self.literals.insert(segment.to_string());
        }
        let id = self.servers.len();
        self.servers.push(pattern.clone());
        self.by_server.push(Index::default());
        self.server_methods.push(Vec::new());
        self.flexible_by_server.push(Vec::new());
        ids.insert(pattern, id);
        id
    }

    /// The operation `method url` answers; literal segments win, then spec order.
    pub fn find(&self, method: &str, url: &str) -> Result<Matched, NoMatch> {
        self.find_with(method, url, Shortcut::Taken)
    }

    /// [`Router::find`], with or without its shortcut to full matches (tests compare the two).
    fn find_with(&self, method: &str, url: &str, shortcut: Shortcut) -> Result<Matched, NoMatch> {
        let (base, path) = split_url(url);
        // Most URLs begin with their base and path as they are.
        let full_url: Cow<'_, str> = match url.strip_prefix(&*base) {
            Some(after) if after.starts_with(&*path) => url[..base.len() + path.len()].into(),
            _ => format!("{base}{path}").into(),
        };
        // A server without a route of `method` cannot give a full match: left out until needed.
        let left_out = |s: usize| shortcut == Shortcut::Taken && !self.serves(s, method);
        let mut after_server: Vec<Vec<&str>> = (0..self.servers.len())
            .map(|s| {
                if left_out(s) {
                    Vec::new()
                } else {
                    self.after_server(s, &base, &path, &full_url)
                }
            })
            .collect();
        if shortcut == Shortcut::Taken {
            if let Some(found) = self.full_match(method, url, &after_server) {
                return Ok(found);
            }
        }
        for s in (0..self.servers.len()).filter(|&s| left_out(s)) {
            after_server[s] = self.after_server(s, &base, &path, &full_url);
        }
        let candidates = self.candidates(&path, after_server);
        if shortcut == Shortcut::Taken {
            if let Some(found) = self.without_full_match(method, url, &candidates) {
                return Ok(found);
            }
            // It tried the stretched full matches: `resolve` need not try them again.
            return self.resolve(method, url, &candidates, Shortcut::StretchedTried);
        }
        self.resolve(method, url, &candidates, shortcut)
    }

    /// What [`Router::resolve`] picks after [`Router::full_match`] found nothing, when a route of
    /// `method` matches, found without looking up every candidate path: no route of `method`
    /// matches a path of its servers by the index, so the best is the path-only match of the
    /// lowest rank (then spec order), else the first stretched full match. `None` leaves the
    /// exchange to `resolve`. On GitHub's spec every `contents/{path}` or `git/refs/{ref}`
    /// exchange comes here, and looking up the upload server's every suffix cost 56 K
    /// instructions each.
    fn without_full_match(
        &self,
        method: &str,
        url: &str,
        candidates: &Candidates<'_>,
    ) -> Option<Matched> {
        let mut path_only: Vec<usize> = candidates.below_base.iter().flatten().copied().collect();
        path_only.push(candidates.path);
        path_only.sort_unstable();
        path_only.dedup();
        let lookups: Vec<(usize, Vec<usize>)> = path_only
            .iter()
            .map(|&at| (at, self.index.lookup(candidates.paths[at])))
            .collect();
        let hit = |id: usize, at: usize| {
            let ids = lookups.iter().find(|(a, _)| *a == at).map(|(_, ids)| ids);
            ids.is_some_and(|ids| ids.binary_search(&id).is_ok())
        };
        let rank = |id: usize| (&self.routes[id].path.rank, id);
        let mut best: Option<(usize, usize)> = None;
        for &id in lookups.iter().flat_map(|(_, ids)| ids) {
            let route = &self.routes[id];
            if !route.answers(method) || best.is_some_and(|(b, _)| rank(b) <= rank(id)) {
                continue;
            }
            let mut tried = candidates.for_route(route);
            let found = tried.find(|&(kind, at)| kind == MatchKind::PathOnly && hit(id, at));
            if let Some((_, at)) = found {
                best = Some((id, at));
            }
        }
        if let Some((id, at)) = best {
            let values = self.routes[id].path.captures(candidates.paths[at], url);
            return Some(self.matched(id, MatchKind::PathOnly, values));
        }
        let pieces = candidates.pieces();
        self.stretched_full(method, url, candidates, &pieces)
    }

    /// The paths server `s`'s template leaves of the URL (`base` and `path` split from it,
    /// `full_url` the two joined), for each way the template matches the URL's beginning.
    fn after_server<'u>(
        &self,
        s: usize,
        base: &str,
        path: &'u str,
        full_url: &'u str,
    ) -> Vec<&'u str> {
        let server = &self.servers[s];
        let text = if server.relative || base.is_empty() {
            if !server.relative {
                return Vec::new();
            }
            path
        } else {
            full_url
        };
        let mut ends = Vec::new();
        let stop = ['?', '#'];
        prefix_ends(&server.tokens, text, &stop, true, Rest::Path, &mut ends);
        ends.into_iter().map(|end| &text[end..]).collect()
    }

    /// Every path the routes may try for a URL whose path is `path`, each kept once.
    fn candidates<'u>(&self, path: &'u str, after_server: Vec<Vec<&'u str>>) -> Candidates<'u> {
        let below_base: Vec<Option<&str>> = self
            .servers
            .iter()
            .map(|s| {
                s.base_path
                    .as_deref()
                    .and_then(|b| path.strip_prefix(b))
                    .filter(|rest| rest.is_empty() || rest.starts_with('/'))
            })
            .collect();
        let mut paths = Vec::new();
        let after_server = after_server
            .into_iter()
            .map(|rests: Vec<&str>| {
                rests
                    .into_iter()
                    .map(|rest| Candidates::intern(&mut paths, rest))
                    .collect()
            })
            .collect();
        let path_at = Candidates::intern(&mut paths, path);
        let below_base = below_base
            .into_iter()
            .map(|rest: Option<&str>| rest.map(|rest| Candidates::intern(&mut paths, rest)))
            .collect();
        Candidates {
            paths,
            after_server,
            path: path_at,
            below_base,
            under: false,
        }
    }

    /// The route of `method` whose server and path templates both match, when there is one
    /// (`after_server`: per server, the paths its template leaves of the URL). [`Router::resolve`]
    /// would pick the same: a full match beats every path-only one, then literal segments win,
    /// then spec order, and a route tries its servers' paths in order. Routes of other methods
    /// and path-only candidates only matter when this finds nothing, and skipping them is most
    /// of the routing cost on GitHub's spec, whose upload server `{origin}` leaves every suffix
    /// of the URL as a path to try.
    fn full_match(&self, method: &str, url: &str, after_server: &[Vec<&str>]) -> Option<Matched> {
        let mut found = Vec::new();
        // The best route of `method` so far, with the first of its paths that matched in the
        // order it tries them: its server's place in its list, then the path's.
        let mut best: Option<(usize, (usize, usize), &str)> = None;
        let rank = |id: usize| (&self.routes[id].path.rank, id);
        for (s, rests) in after_server.iter().enumerate() {
            for (k, rest) in rests.iter().enumerate() {
                found.clear();
                self.by_server[s].lookup_into(rest, &mut found);
                for &id in &found {
                    let route = &self.routes[id];
                    if !route.answers(method) {
                        continue;
                    }
                    // The index found it under `s`, so the route lists `s`.
                    let Some(tried) = route.servers.iter().position(|&x| x == s) else {
                        continue;
                    };
                    let better = match best {
                        None => true,
                        Some((b, _, _)) if b != id => rank(id) < rank(b),
                        Some((_, first, _)) => (tried, k) < first,
                    };
                    if better {
                        best = Some((id, (tried, k), rest));
                    }
                }
            }
        }
        let (id, _, rest) = best?;
        let values = self.routes[id].path.captures(rest, url);
        Some(self.matched(id, MatchKind::Full, values))
    }

    /// Like [`Router::find`], under `--server`: a URL outside `base` is [`NoMatch::OutsideServer`];
    /// otherwise the rest of its path is matched against every route's path template alone.
    pub fn find_under(&self, base: &Base, method: &str, url: &str) -> Result<Matched, NoMatch> {
        let rest = base.rest_of(url).ok_or(NoMatch::OutsideServer)?;
        let candidates = Candidates {
            paths: vec![&rest],
            after_server: Vec::new(),
            path: 0,
            below_base: Vec::new(),
            under: true,
        };
        self.resolve(method, url, &candidates, Shortcut::Taken)
    }

    /// Picks the route for `method` among those the index finds for the candidate paths: a
    /// full match beats a path-only one, then literal segments win, then spec order. Without
    /// one, tries the routes whose variables may span segments or be empty; so a path-only
    /// match of the index wins over a full match that needs a stretched variable.
    fn resolve(
        &self,
        method: &str,
        url: &str,
        candidates: &Candidates<'_>,
        shortcut: Shortcut,
    ) -> Result<Matched, NoMatch> {
        let lookups: Vec<Vec<usize>> = candidates
            .paths
            .iter()
            .map(|p| self.index.lookup(p))
            .collect();
        let mut ids: Vec<usize> = lookups.concat();
        ids.sort_unstable();
        ids.dedup();
        let mut best: Option<(usize, MatchKind, usize)> = None;
        let mut others = Others::default();
        for id in ids {
            let route = &self.routes[id];
            let found = candidates
                .for_route(route)
                .find(|&(_, at)| lookups[at].binary_search(&id).is_ok());
            let Some((kind, rest)) = found else { continue };
            if !route.answers(method) {
                others.add(id, route);
                continue;
            }
            let better = match best {
                None => true,
                Some((b, bk, _)) => {
                    (kind == MatchKind::Full && bk == MatchKind::PathOnly)
                        || (kind == bk && route.path.rank < self.routes[b].path.rank)
                }
            };
            if better {
                best = Some((id, kind, rest));
            }
        }
        if let Some((id, kind, at)) = best {
            let values = self.routes[id].path.captures(candidates.paths[at], url);
            return Ok(self.matched(id, kind, values));
        }
        if let Some(found) = self.stretched(method, url, candidates, &mut others, shortcut) {
            return Ok(found);
        }
        Err(self.no_match(method, candidates, others))
    }

    /// The routes with `x-multi-segment` or empty-permitting variables, tried one by one (they
    /// are few): a full match beats a path-only one, then spec order.
    fn stretched(
        &self,
        method: &str,
        url: &str,
        candidates: &Candidates<'_>,
        others: &mut Others,
        shortcut: Shortcut,
    ) -> Option<Matched> {
        let record_others = others.allowed.is_empty();
        let mut best: Option<(usize, MatchKind, Vec<PathValue>)> = None;
        let pieces = candidates.pieces();
        let routes = self.stretch_routes(candidates);
        // The routes of the exchange's method first: with a match among them the others are
        // not needed (they only name the allowed methods of an unmatched exchange), and they
        // are about half the routes tried on GitHub.
        let same_method = |id: &&usize| self.routes[**id].answers(method);
        if shortcut == Shortcut::Taken {
            if let Some(found) = self.stretched_full(method, url, candidates, &pieces) {
                return Some(found);
            }
        }
        for &id in routes.iter().filter(same_method) {
            let route = &self.routes[id];
            let found = candidates
                .stretch(route, &pieces)
                .map(|(kind, at, stretched)| (kind, stretched.captures(candidates.paths[at], url)));
            let Some((kind, values)) = found else {
                continue;
            };
            let better = match &best {
                None => true,
                Some((_, bk, _)) => kind == MatchKind::Full && *bk == MatchKind::PathOnly,
            };
            if better {
                best = Some((id, kind, values));
            }
        }
        if best.is_none() && record_others {
            for &id in routes.iter().filter(|id| !same_method(id)) {
                let route = &self.routes[id];
                if candidates.stretch(route, &pieces).is_some() {
                    others.add(id, route);
                }
            }
        }
        best.map(|(id, kind, values)| self.matched(id, kind, values))
    }

    /// The routes that may match where the index did not: those with a variable that may span
    /// segments, and when a candidate path has an empty segment those with one that may be
    /// empty too.
    fn stretch_routes(&self, candidates: &Candidates<'_>) -> &[usize] {
        if Self::any_empty_segment(candidates) {
            &self.flexible
        } else {
            &self.multi_segment
        }
    }

    /// Whether a candidate path has an empty segment, so the flexible routes may match.
    fn any_empty_segment(candidates: &Candidates<'_>) -> bool {
        candidates
            .paths
            .iter()
            .any(|p| pattern::has_empty_segment(p))
    }

    /// The first of the [`Router::stretch_routes`] of `method` that stretches over one of its
    /// full match paths, after [`Router::full_match`] found none: the first full match is the
    /// answer, and routes try their servers' paths first, so the others wait. A route whose
    /// variables cannot span segments matches a path without empty segments just as the index
    /// does, which found nothing there: it is tried only on paths with one (on GitHub's spec
    /// most routes may take an empty variable, and the upload server `{origin}` leaves
    /// `//api.github.com/…` among the paths).
    fn stretched_full(
        &self,
        method: &str,
        url: &str,
        candidates: &Candidates<'_>,
        pieces: &[Pieces<'_>],
    ) -> Option<Matched> {
        // No fixed positions: the root path, or an empty segment.
        let empty = |at: usize| pieces[at].fixed.is_none();
        // Only the multi-segment routes and, where a candidate path has an empty segment, the
        // flexible ones of a server that leaves a path without fixed positions can be eligible.
        // Under `--server` the one path decides. Each list is ascending and a route may be on
        // several: they are read in place for the lowest id that matches (uniting them into one
        // sorted list cost more than trying the routes on GitHub's load).
        let first: &[usize] = if candidates.under && empty(candidates.path) {
            self.stretch_routes(candidates)
        } else {
            &self.multi_segment
        };
        let flexible = !candidates.under && Self::any_empty_segment(candidates);
        let by_server = candidates
            .after_server
            .iter()
            .enumerate()
            .filter(move |(_, paths)| flexible && paths.iter().any(|&at| empty(at)))
            .map(|(s, _)| &self.flexible_by_server[s][..]);
        let mut best: Option<(usize, Matched)> = None;
        for list in std::iter::once(first).chain(by_server) {
            for &id in list {
                if best.as_ref().is_some_and(|(b, _)| *b <= id) {
                    break;
                }
                if let Some(found) = self.stretched_full_of(id, method, url, candidates, pieces) {
                    best = Some((id, found));
                    break;
                }
            }
        }
        best.map(|(_, found)| found)
    }

    /// Route `id`'s full match by [`Router::stretched_full`], if it answers `method`.
    fn stretched_full_of(
        &self,
        id: usize,
        method: &str,
        url: &str,
        candidates: &Candidates<'_>,
        pieces: &[Pieces<'_>],
    ) -> Option<Matched> {
        let route = &self.routes[id];
        if !route.answers(method) {
            return None;
        }
        // Eligible by its list: multi-segment, or flexible where a segment is empty.
        let multi = route.path.is_multi_segment();
        candidates.full_paths(route).find_map(|at| {
            if !multi && pieces[at].fixed.is_some() {
                return None;
            }
            let stretched = route.path.stretch(&pieces[at], false)?;
            let values = stretched.captures(candidates.paths[at], url);
            Some(self.matched(id, MatchKind::Full, values))
        })
    }

    fn matched(&self, id: usize, kind: MatchKind, path_values: Vec<PathValue>) -> Matched {
        let route = &self.routes[id];
        Matched {
            spec: route.spec,
            operation: route.operation,
            kind,
            path_values,
        }
    }

    fn no_match(&self, method: &str, candidates: &Candidates<'_>, others: Others) -> NoMatch {
        if let Some(first) = others.first {
            let template = self.routes[first].label.split_once(' ').map_or("", |l| l.1);
            return NoMatch::WrongMethod {
                allowed: others.allowed,
                shape: format!("{method} {template}"),
            };
        }
        let stretch = self.stretch_hint(method, candidates);
        let shape = match &stretch {
            Some(s) => s.route.clone(),
            None => self.shape(method, candidates.paths[candidates.path]),
        };
        NoMatch::UnknownPath { shape, stretch }
    }

    /// The first route of `method` that one of the candidate paths would match if one lone
    /// variable took several segments. Only for unmatched exchanges, so a scan is affordable.
    fn stretch_hint(&self, method: &str, candidates: &Candidates<'_>) -> Option<Stretch> {
        let pieces = candidates.pieces();
        let routes = self.routes.iter();
        routes.filter(|r| r.answers(method)).find_map(|route| {
            candidates.for_route(route).find_map(|(_, at)| {
                let stretched = route.path.stretch(&pieces[at], true)?;
                let segment = stretched.stretched_segment()?;
                let [Token::Var { name, .. }] = route.path.segments[segment].as_slice() else {
                    return None;
                };
                Some(Stretch {
                    route: route.label.clone(),
                    variable: name.clone(),
                })
            })
        })
    }

    /// `GET /repositories/*/issues`: each segment no template spells out becomes `*`.
    fn shape(&self, method: &str, path: &str) -> String {
        let segments: Vec<&str> = path
            .split('/')
            .map(|s| {
                if s.is_empty() || self.literals.contains(s) {
                    s
                } else {
                    "*"
                }
            })
            .collect();
        format!("{method} {}", segments.join("/"))
    }
}

/// Whether routing looks among full matches first, which decide alone when there is one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shortcut {
    Taken,
    /// Taken, and [`Router::stretched_full`] found nothing on these candidates already (1,414
    /// of GitHub's 21,300 exchanges came to `resolve` that way and ran it twice).
    StretchedTried,
    /// Every candidate of every route, as a reference (tests).
    #[cfg_attr(not(test), allow(dead_code))]
    Skipped,
}

/// The methods other routes document for a path that matched them.
#[derive(Default)]
struct Others {
    allowed: Vec<String>,
    /// The first such route, to name the path's template.
    first: Option<usize>,
}

impl Others {
    fn add(&mut self, id: usize, route: &Route) {
        self.first.get_or_insert(id);
        if !self.allowed.contains(&route.method) {
            self.allowed.push(route.method.clone());
        }
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::model::ServerVariable;
    use crate::spec::path_template::PathTemplate;

    fn pattern(template: &str) -> PathPattern {
        PathPattern::new(&PathTemplate::parse(template))
    }

    /// `route`'s path segments, a variable's filled with `a.b`: a path that matches it.
    fn filled_segments(route: &Route) -> Vec<String> {
        route
            .path
            .segments
            .iter()
            .map(|s| match s.as_slice() {
                [Token::Literal(l)] => l.clone(),
                _ => "a.b".to_string(),
            })
            .collect()
    }

    fn server(url: &str) -> ServerPattern {
        ServerPattern::new(&Server {
            url: url.to_string(),
            description: None,
            variables: vec![ServerVariable {
                name: "subdomain".to_string(),
                default: "x".to_string(),
                values: Vec::new(),
                description: None,
            }],
        })
    }

    #[test]
    fn server_templates_match_prefixes() {
        let s = server("https://{subdomain}.kommo.com");
        let mut ends = Vec::new();
        prefix_ends(
            &s.tokens,
            "https://devteam.kommo.com/api",
            &['?'],
            true,
            Rest::Path,
            &mut ends,
        );
        assert_eq!(ends, vec!["https://devteam.kommo.com".len()]);
        let espo = server("{site}/api/v1");
        assert_eq!(espo.base_path.as_deref(), Some("/api/v1"));
        let mut ends = Vec::new();
        prefix_ends(
            &espo.tokens,
            "https://h/crm/api/v1/Account",
            &['?'],
            true,
            Rest::Path,
            &mut ends,
        );
        assert_eq!(ends, vec!["https://h/crm/api/v1".len()]);
    }

    /// A variable that ends a server template (GitHub's `{origin}`) or a segment's tokens ends
    /// exactly where trying each of its characters would end it.
    #[test]
    fn a_last_variable_ends_where_each_character_would() {
        let texts = [
            "https://api.github.com/repos/o/r",
            "https://h",
            "/a//b/",
            "//",
            "x?y/z",
            "a#/b",
            "é/ü/x",
            "",
            "/",
        ];
        let var = server("{origin}");
        for text in texts {
            for (stop, rest) in [
                (&['?', '#'][..], Rest::Path),
                (&['?', '#'][..], Rest::Nothing),
                (&['/'][..], Rest::Nothing),
                (&['/'][..], Rest::Path),
            ] {
                let mut ends = Vec::new();
                prefix_ends(&var.tokens, text, stop, true, rest, &mut ends);
                let limit = text.find(stop).unwrap_or(text.len());
                let slow: Vec<usize> = (1..=limit)
                    .filter(|&e| text.is_char_boundary(e))
                    .filter(|&e| {
                        let left = &text[e..];
                        left.is_empty() || (rest == Rest::Path && left.starts_with('/'))
                    })
                    .collect();
                assert_eq!(ends, slow, "{text:?} {stop:?} {rest:?}");
            }
        }
    }

    /// A variable followed by a literal ends where trying each of its characters would end it:
    /// only where the literal follows, before the first stop, on a character boundary.
    #[test]
    fn a_variable_before_a_literal_ends_where_each_character_would() {
        let texts = [
            "https://team.kommo.com/api",
            "https://TEAM.Kommo.COM",
            "https://a.kommo.com.kommo.com/x",
            "https://é.kommo.com/x",
            "https://.kommo.com",
            "https://x?.kommo.com",
            "https://x#y.kommo.com",
            "https://a/b.kommo.com/c",
            "",
        ];
        let var = server("https://{subdomain}.kommo.com");
        let lit = ".kommo.com";
        for text in texts {
            for (stop, fold) in [(&['?', '#'][..], true), (&['/'][..], false)] {
                let mut ends = Vec::new();
                prefix_ends(&var.tokens, text, stop, fold, Rest::Path, &mut ends);
                let Some(here) = text.strip_prefix("https://") else {
                    assert!(ends.is_empty(), "{text:?}");
                    continue;
                };
                let limit = here.find(stop).unwrap_or(here.len());
                let slow: Vec<usize> = (1..=limit)
                    .filter(|&e| here.is_char_boundary(e))
                    .filter(|&e| {
                        let after = &here[e..];
                        let head = after.get(..lit.len());
                        let same = head.is_some_and(|h| {
                            if fold {
                                h.eq_ignore_ascii_case(lit)
                            } else {
                                h == lit
                            }
                        });
                        let left = after.get(lit.len()..).unwrap_or("");
                        same && (left.is_empty() || left.starts_with('/'))
                    })
                    .map(|e| "https://".len() + e + lit.len())
                    .collect();
                assert_eq!(ends, slow, "{text:?} {stop:?}");
            }
        }
    }

    /// The shortcut to full matches routes every exchange where trying every candidate of every
    /// route does: specs with one server, two, a `{site}` template with a base path and an
    /// `{origin}` one (GitHub's upload server), on their own hosts, other hosts and no host.
    #[test]
    fn the_full_match_shortcut_routes_as_every_candidate_does() {
        let origin = r#"openapi: 3.0.3
info: {title: origin, version: "1"}
servers: [{url: "https://api.example.com"}]
paths:
  /repos/{owner}/{repo}/releases/{id}/assets:
    post:
      servers: [{url: "{origin}", variables: {origin: {default: "https://uploads.example.com"}}}]
      responses: {"200": {description: ok}}
    get:
      responses: {"200": {description: ok}}
  /repos/{owner}/{repo}/releases/{id}:
    get:
      responses: {"200": {description: ok}}
  /assets:
    post:
      responses: {"200": {description: ok}}
  /files/{a}/{b}:
    get:
      parameters:
        - {name: a, in: path, required: true, schema: {type: string}}
        - {name: b, in: path, required: true, schema: {type: string}}
      responses: {"200": {description: ok}}
  /files/{path}:
    get:
      parameters:
        - {name: path, in: path, required: true, x-multi-segment: true, schema: {type: string}}
      responses: {"200": {description: ok}}
"#;
        let spec = crate::spec::load_str(std::path::Path::new("origin.yaml"), origin.into())
            .expect("spec loads");
        let mut specs = vec![spec];
        for file in [
            "spec/kommo.yaml",
            "spec/espocrm.yaml",
            "spec/v4marketing.yaml",
            "tests/fixtures/routes/github-excerpt.yaml",
        ] {
            let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
            specs.push(crate::spec::load(&root.join(file)).expect("spec loads"));
        }
        for router in [Router::new(&specs[..1]), Router::new(&specs)] {
            let mut paths: Vec<String> = [
                "/assets",
                "/repos/o/r/git/refs/a/b",
                "/repos/o/r/contents/",
                "/repos//r/git/refs/a/b",
                "/repos/o/r/contents//a",
                "/repos/o/r//releases/1/assets",
                "/files//x",
                "/files/a/b/c",
                "/files/a//",
                "/files//",
            ]
            .map(String::from)
            .to_vec();
            for route in &router.routes {
                let filled = filled_segments(route);
                paths.push(format!("/{}", filled.join("/")));
                paths.push(format!("/api/v1/{}/x", filled.join("/")));
            }
            let hosts = [
                "https://api.example.com",
                "https://uploads.example.com",
                "https://team.kommo.com",
                "https://api.github.com",
                "https://h.example/crm/api/v1",
                "https://other.example",
                "",
            ];
            for path in &paths {
                for host in hosts {
                    let url = format!("{host}{path}?q=1");
                    for method in ["GET", "post", "PATCH", "DELETE"] {
                        assert_eq!(
                            router.find(method, &url),
                            router.find_with(method, &url, Shortcut::Skipped),
                            "{method} {url}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn literal_segments_rank_first() {
        let lit = pattern("/Account/{id}/stream");
        let var = pattern("/Account/{id}/{link}");
        assert!(lit.rank < var.rank);
        assert!(lit.matches("/Account/7/stream") && var.matches("/Account/7/stream"));
        assert!(!lit.matches("/Account/7/calls"));
        assert!(!lit.matches("/Account//stream"));
    }

    #[test]
    fn variables_are_captured_even_several_in_one_segment() {
        let p = pattern("/files/{name}.{ext}/v{n}");
        assert!(p.matches("/files/report.2024.pdf/v3"));
        let url = "https://h/base/files/report%2C1.pdf/v3?x=1";
        let got: Vec<(String, String, Option<&str>)> = p
            .captures("/files/report%2C1.pdf/v3", url)
            .into_iter()
            .map(|v| (v.name, v.text, v.span.map(|(a, b)| &url[a..b])))
            .collect();
        let owned = |n: &str, t: &str, s: &'static str| (n.to_string(), t.to_string(), Some(s));
        assert_eq!(
            got,
            vec![
                owned("name", "report,1", "report%2C1"),
                owned("ext", "pdf", "pdf"),
                owned("n", "3", "3"),
            ]
        );
        // The first variable takes the longest text that lets the rest match.
        let texts: Vec<String> = p
            .captures("/files/report.2024.pdf/v3", "/files/report.2024.pdf/v3")
            .into_iter()
            .map(|v| v.text)
            .collect();
        assert_eq!(texts[..2], ["report.2024", "pdf"]);
    }

    fn router_of(files: &[&str]) -> Router {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let specs: Vec<Spec> = files
            .iter()
            .map(|f| crate::spec::load(&root.join(f)).expect("spec loads"))
            .collect();
        Router::new(&specs)
    }

    /// The label the router keeps for an operation is the one [`route_label`] makes of it, for
    /// every operation of several specs.
    #[test]
    fn a_kept_label_is_the_operations_route_label() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let files = [
            "spec/kommo.yaml",
            "spec/espocrm.yaml",
            "spec/v4marketing.yaml",
        ];
        let specs: Vec<Spec> = files
            .iter()
            .map(|f| crate::spec::load(&root.join(f)).expect("spec loads"))
            .collect();
        let router = Router::new(&specs);
        for (s, spec) in specs.iter().enumerate() {
            for (o, op) in spec.operations.iter().enumerate() {
                assert_eq!(router.label(s, o), route_label(op), "{s} {o}");
            }
        }
    }

    /// The index finds exactly the routes a one-by-one match over every route finds.
    #[test]
    fn the_index_agrees_with_matching_route_by_route() {
        let router = router_of(&[
            "spec/kommo.yaml",
            "spec/espocrm.yaml",
            "spec/v4marketing.yaml",
            "tests/fixtures/specs/styles.yaml",
            "tests/fixtures/routes/github-excerpt.yaml",
        ]);
        let mut paths: Vec<String> = Vec::new();
        for route in &router.routes {
            let filled = filled_segments(route);
            paths.push(format!("/{}", filled.join("/")));
            paths.push(format!("/{}/", filled.join("/")));
            paths.push(format!("/{}/x", filled.join("/")));
            if let Some((_, head)) = filled.split_last() {
                paths.push(format!("/{}", head.join("/")));
            }
        }
        paths.extend(
            [
                "/",
                "",
                "/Account/7/stream",
                "/Account%2F7",
                "/%41ccount/1",
                "//Account///1/",
            ]
            .map(str::to_string),
        );
        for path in &paths {
            let slow: Vec<usize> = (0..router.routes.len())
                .filter(|&i| router.routes[i].path.matches(path))
                .collect();
            assert_eq!(router.index.lookup(path), slow, "{path}");
        }
        stretch_pre_check_is_sound(&router, &paths);
    }

    /// The pre-check `stretch` starts with only rules out paths `stretch` would refuse anyway:
    /// every route, every path above, both modes, against `stretch` without it.
    fn stretch_pre_check_is_sound(router: &Router, paths: &[String]) {
        let extra = [
            "/repos/o/r/git/refs/heads/a/b",
            "/repos/o/r/contents/",
            "/repos//r/x",
            "/repos/o/r/x/git/refs/heads/main",
            "/repos/o/r/x/contents/a",
            "/repos/o//r/contents/a/b",
            "/users/a/b",
        ];
        for path in paths.iter().map(String::as_str).chain(extra) {
            for route in &router.routes {
                for one_more in [false, true] {
                    let with = route.path.stretch(&Pieces::of(path), one_more).is_some();
                    let without = route.path.stretch_unchecked(path, one_more).is_some();
                    assert_eq!(with, without, "{} on {path}", route.label);
                }
            }
        }
    }

    /// Templates with fixed segments after a multi-segment variable, or two of them: the
    /// pre-check also compares the segments after the last one from the end of the path.
    #[test]
    fn the_pre_check_is_sound_on_fixed_segments_after_a_stretch() {
        let text = r#"openapi: 3.0.3
info: {title: suffixes, version: "1"}
paths:
  /repos/{owner}/{repo}/branches/{branch}/protection/{rule}.json:
    get:
      parameters:
        - {name: owner, in: path, required: true, schema: {type: string}}
        - {name: repo, in: path, required: true, schema: {type: string}}
        - {name: branch, in: path, required: true, x-multi-segment: true, schema: {type: string}}
        - {name: rule, in: path, required: true, schema: {type: string}}
      responses: {"200": {description: ok}}
  /a/{x}/b/{y}/c:
    get:
      parameters:
        - {name: x, in: path, required: true, x-multi-segment: true, schema: {type: string}}
        - {name: y, in: path, required: true, x-multi-segment: true, schema: {type: string}}
      responses: {"200": {description: ok}}
  /files/{path}:
    get:
      parameters:
        - {name: path, in: path, required: true, schema: {type: string}}
      responses: {"200": {description: ok}}
"#;
        let spec = crate::spec::load_str(std::path::Path::new("suffixes.yaml"), text.into())
            .expect("spec loads");
        let router = Router::new(&[spec]);
        let paths: Vec<String> = [
            "/repos/o/r/branches/main/protection/x.json",
            "/repos/o/r/branches/heads/main/protection/x.json",
            "/repos/o/r/branches/heads/main/protection/x.txt",
            "/repos/o/r/branches/heads/main/x.json",
            "/repos/o/r/branches/protection/x.json",
            "/repos/o/r/branches/a%2Fb/protection/x.json",
            "/a/1/b/2/c",
            "/a/1/2/b/3/4/c",
            "/a/1/b/c",
            "/a/b/c",
            "/a/1/b/2/c/d",
            "/files/a/b",
            "/files/a",
            "/files",
        ]
        .map(str::to_string)
        .to_vec();
        stretch_pre_check_is_sound(&router, &paths);
        // It rules out by the segments after the stretch, not only those before it.
        let rule = &router.routes[0].path;
        for path in [
            "/repos/o/r/branches/heads/main/x.json",
            "/repos/o/r/branches/a/b/protection/x.txt",
        ] {
            let Pieces {
                fixed: Some(pieces),
                ..
            } = Pieces::of(path)
            else {
                panic!("{path} has no empty segment");
            };
            assert!(!rule.fixed_ends_admit(&pieces, false), "{path}");
        }
        let found = router.find("GET", "/repos/o/r/branches/heads/main/protection/x.json");
        let values: Vec<String> = found
            .expect("matches")
            .path_values
            .into_iter()
            .map(|v| v.text)
            .collect();
        assert_eq!(values, ["o", "r", "heads/main", "x"]);
        assert!(router
            .find("GET", "/repos/o/r/branches/heads/main/x.json")
            .is_err());
    }

    #[test]
    fn multi_segment_and_empty_values_are_captured_with_their_spans() {
        let router = router_of(&["tests/fixtures/routes/github-excerpt.yaml"]);
        let values = |method: &str, url: &str| -> Vec<(String, String, Option<String>)> {
            let found = router.find(method, url).expect("matches");
            found
                .path_values
                .into_iter()
                .map(|v| (v.name, v.text, v.span.map(|(a, b)| url[a..b].to_string())))
                .collect()
        };
        let url = "https://api.github.com/repos/o/r/git/refs/heads/a%2Fb/c?x=1";
        let got = values("PATCH", url);
        assert_eq!(got[2].0, "ref");
        assert_eq!(got[2].1, "heads/a/b/c");
        assert_eq!(got[2].2.as_deref(), Some("heads/a%2Fb/c"));
        let got = values("GET", "https://api.github.com/repos/o/r/contents/");
        assert_eq!(
            (got[2].1.as_str(), got[2].2.as_deref()),
            ("", Some("")),
            "{got:?}"
        );
        // A ref must not be empty: its schema has `minLength: 1`.
        assert!(matches!(
            router.find("PATCH", "https://api.github.com/repos/o/r/git/refs/"),
            Err(NoMatch::UnknownPath { .. })
        ));
    }

    #[test]
    fn a_base_takes_scheme_host_port_and_path_prefix() {
        let base = Base::parse("http://LocalHost:9000/api/").expect("a base");
        assert_eq!(
            base.rest_of("http://localhost:9000/api/Account/1?x=1")
                .as_deref(),
            Some("/Account/1")
        );
        assert_eq!(
            base.rest_of("http://localhost:9000/api").as_deref(),
            Some("")
        );
        assert_eq!(base.rest_of("http://localhost:9000/apis/Account"), None);
        assert_eq!(base.rest_of("http://localhost:9001/api/Account"), None);
        assert_eq!(base.rest_of("https://localhost:9000/api/Account"), None);
        assert_eq!(base.rest_of("/api/Account"), None);
        assert!(Base::parse("localhost:9000").is_err() || Base::parse("/api").is_err());
        assert!(Base::parse("/api").is_err());
    }

    #[test]
    fn urls_split_into_base_and_path() {
        let split = |url| {
            let (base, path) = split_url(url);
            (base.into_owned(), path.into_owned())
        };
        assert_eq!(
            split("https://a.kommo.com:8443/api/v4/account?with=x"),
            (
                "https://a.kommo.com:8443".to_string(),
                "/api/v4/account".to_string()
            )
        );
        assert_eq!(split("/x?y"), (String::new(), "/x".to_string()));
    }

    /// What follows the path does not keep a URL from the shortcut: it splits as parsing splits
    /// it, whatever the query or fragment hold.
    #[test]
    fn a_query_or_fragment_does_not_change_the_split() {
        let urls = [
            "https://api.github.com/repos/o/r?q=a b&c=\u{e9}\\x",
            "https://a.example/x?\tq=\n1#f g",
            "https://a.example?%zz#\u{e9}",
            "http://a.example:8080/p#a\\b c ",
            "https://a.example/p?{x}|`^",
        ];
        for url in urls {
            let u = url::Url::parse(url).expect("URL");
            let port = u.port().map(|p| format!(":{p}")).unwrap_or_default();
            let parsed = (
                format!("{}://{}{port}", u.scheme(), u.host_str().unwrap_or("")),
                u.path().to_string(),
            );
            let split = split_plain_url(url).map(|(b, p)| (b.into_owned(), p.into_owned()));
            assert_eq!(split, Some(parsed), "{url:?}");
        }
    }

    /// The shortcut splits a URL exactly as parsing it does, and leaves to parsing every URL it
    /// cannot be sure of.
    #[test]
    fn plain_urls_split_as_parsed_urls_do() {
        let parsed = |url: &str| {
            let u = url::Url::parse(url).expect("URL");
            let port = u.port().map(|p| format!(":{p}")).unwrap_or_default();
            let host = u.host_str().unwrap_or("");
            (
                format!("{}://{host}{port}", u.scheme()),
                u.path().to_string(),
            )
        };
        let plain = [
            "https://api.github.com/repos/o/r/issues?state=open#x",
            "https://team0.kommo.com/api/v4/account?with=amojo_id,version",
            "http://a.b-c.example:80/x",
            "https://a.example:443",
            "https://a.example:0443/p",
            "https://a.example:08080/p",
            "https://a.example:8080",
            "http://a.example:8080/p/:id/@me;v=1/",
            "https://a.example:/p",
            "https://a.example?q",
            "https://a.example#f",
            "https://host1.example/a/.well-known/b.json",
            "https://a.example/.x/..y/.../z.",
        ];
        for url in plain {
            let split = split_plain_url(url).map(|(b, p)| (b.into_owned(), p.into_owned()));
            assert_eq!(split, Some(parsed(url)), "{url}");
        }
        let parsed_instead = [
            "HTTPS://api.github.com/x",
            "https://API.github.com/x",
            "https://127.0.0.1/x",
            "https://0x7f.1/x",
            "https://a.123/x",
            "https://user:pw@a.example/x",
            "https://xn--bcher-kva.example/x",
            "https://a..example/x",
            "https://a.example:99999/x",
            "https://a.example:8a/x",
            "https://a.example/a/../b",
            "https://a.example/a/./b",
            "https://a.example/a/%2e%2e/b",
            "https://x.example/a%2Fb",
            "https://a.example/a b",
            "https://a.example/a\\b",
            "https://a.example/{x}",
            "https://a.example/é",
            "https://a.example/a/.",
            "ftp://a.example/x",
            "/relative",
        ];
        for url in parsed_instead {
            assert_eq!(split_plain_url(url), None, "{url}");
        }
    }
}
