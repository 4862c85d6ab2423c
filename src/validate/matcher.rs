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

use crate::spec::model::Server;
use crate::spec::Spec;

/// One piece of a URL or path template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Literal(String),
    /// A variable; `values` restricts it when the server variable lists an `enum`.
    Var {
        name: String,
        values: Vec<String>,
    },
}

fn tokenize(template: &str, values_of: &dyn Fn(&str) -> Vec<String>) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        if open > 0 {
            tokens.push(Token::Literal(rest[..open].to_string()));
        }
        let name = &rest[open + 1..open + close];
        tokens.push(Token::Var {
            name: name.to_string(),
            values: values_of(name),
        });
        rest = &rest[open + close + 1..];
    }
    if !rest.is_empty() {
        tokens.push(Token::Literal(rest.to_string()));
    }
    tokens
}

/// Every end offset at which `tokens` match a prefix of `text` (variables take one or more
/// characters, never `stop`; literals compare ASCII case-insensitively when `fold`).
fn prefix_ends(tokens: &[Token], text: &str, stop: &[char], fold: bool, out: &mut Vec<usize>) {
    fn go(
        tokens: &[Token],
        text: &str,
        at: usize,
        stop: &[char],
        fold: bool,
        out: &mut Vec<usize>,
    ) {
        let Some((first, rest)) = tokens.split_first() else {
            out.push(at);
            return;
        };
        let here = &text[at..];
        match first {
            Token::Literal(lit) => {
                let ok = here.len() >= lit.len()
                    && here.is_char_boundary(lit.len())
                    && if fold {
                        here[..lit.len()].eq_ignore_ascii_case(lit)
                    } else {
                        &here[..lit.len()] == lit
                    };
                if ok {
                    go(rest, text, at + lit.len(), stop, fold, out);
                }
            }
            Token::Var { values, .. } if !values.is_empty() => {
                for v in values {
                    if here.len() >= v.len()
                        && here.is_char_boundary(v.len())
                        && here[..v.len()].eq_ignore_ascii_case(v)
                    {
                        go(rest, text, at + v.len(), stop, fold, out);
                    }
                }
            }
            Token::Var { .. } => {
                for (i, c) in here.char_indices() {
                    if stop.contains(&c) {
                        break;
                    }
                    let end = i + c.len_utf8();
                    go(rest, text, at + end, stop, fold, out);
                }
            }
        }
    }
    go(tokens, text, 0, stop, fold, out);
}

fn full_match(tokens: &[Token], text: &str, stop: &[char]) -> bool {
    let mut ends = Vec::new();
    prefix_ends(tokens, text, stop, false, &mut ends);
    ends.contains(&text.len())
}

/// A compiled server URL template.
#[derive(Debug, Clone)]
struct ServerPattern {
    tokens: Vec<Token>,
    /// Relative servers (`/api/v1`) match the URL's path only.
    relative: bool,
    /// The literal path the server adds (`/api/v1` of `{site}/api/v1`), stripped when matching
    /// on the path alone.
    base_path: Option<String>,
}

impl ServerPattern {
    fn new(server: &Server) -> Self {
        let url = server.url.trim_end_matches('/');
        let values_of = |name: &str| {
            server
                .variables
                .iter()
                .find(|v| v.name == name)
                .map(|v| v.values.clone())
                .unwrap_or_default()
        };
        let tokens = tokenize(url, &values_of);
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

/// A compiled path template.
#[derive(Debug, Clone)]
struct PathPattern {
    segments: Vec<Vec<Token>>,
    /// Per segment: 0 literal, 1 mixed, 2 variable. Lower sorts first, so literals win.
    rank: Vec<u8>,
}

impl PathPattern {
    fn new(template: &str) -> Self {
        let segments: Vec<Vec<Token>> = split_path(template)
            .map(|s| tokenize(s, &|_| Vec::new()))
            .collect();
        let rank = segments
            .iter()
            .map(|s| match s.as_slice() {
                [Token::Literal(_)] | [] => 0,
                [Token::Var { .. }] => 2,
                _ => 1,
            })
            .collect();
        PathPattern { segments, rank }
    }

    fn matches(&self, path: &str) -> bool {
        let segments: Vec<&str> = split_path(path).collect();
        segments.len() == self.segments.len()
            && self.segments.iter().zip(&segments).all(|(tokens, seg)| {
                let decoded = percent_encoding::percent_decode_str(seg).decode_utf8_lossy();
                full_match(tokens, seg, &['/']) || full_match(tokens, &decoded, &['/'])
            })
    }

    /// The text of each variable of `path` (which this pattern matches and which ends the
    /// recorded `url`), percent-decoded, in template order, with its place in `url`. In one
    /// segment an earlier variable takes the longest text that lets the rest match
    /// (`{name}.{ext}` reads `report.2024.pdf` as `report.2024` and `pdf`), as a greedy pattern
    /// would.
    fn captures(&self, path: &str, url: &str) -> Vec<PathValue> {
        let decode = |t: &str| {
            percent_encoding::percent_decode_str(t)
                .decode_utf8_lossy()
                .into_owned()
        };
        let in_url = url_segments(url);
        let segments: Vec<&str> = split_path(path).collect();
        // The matched path is the end of the URL's path (a server prefix may come first).
        let skip = in_url.len().checked_sub(segments.len());
        let mut out = Vec::new();
        for (j, (tokens, seg)) in self.segments.iter().zip(&segments).enumerate() {
            let raw = skip.and_then(|k| in_url.get(k + j)).copied();
            let mut found = Vec::new();
            if let Some((a, b)) = raw.filter(|(a, b)| capture(tokens, &url[*a..*b], 0, &mut found))
            {
                let text = &url[a..b];
                out.extend(found.into_iter().map(|(name, s, e)| PathValue {
                    name,
                    text: decode(&text[s..e]),
                    span: Some((a + s, a + e)),
                }));
                continue;
            }
            let decoded = decode(seg);
            let (text, decoded_already) = if capture(tokens, seg, 0, &mut found) {
                (*seg, false)
            } else if capture(tokens, &decoded, 0, &mut found) {
                (decoded.as_str(), true)
            } else {
                continue;
            };
            out.extend(found.into_iter().map(|(name, s, e)| PathValue {
                name,
                text: if decoded_already {
                    text[s..e].to_string()
                } else {
                    decode(&text[s..e])
                },
                span: raw,
            }));
        }
        out
    }
}

/// The byte ranges of the non-empty path segments of a URL as recorded (absolute or relative).
fn url_segments(url: &str) -> Vec<(usize, usize)> {
    let start = match url.find("://") {
        Some(i) => match url[i + 3..].find('/') {
            Some(j) => i + 3 + j,
            None => return Vec::new(),
        },
        None => 0,
    };
    let end = url[start..]
        .find(['?', '#'])
        .map_or(url.len(), |j| start + j);
    let mut out = Vec::new();
    let mut at = start;
    for seg in url[start..end].split('/') {
        if !seg.is_empty() {
            out.push((at, at + seg.len()));
        }
        at += seg.len() + 1;
    }
    out
}

/// Matches `tokens` against all of `text[at..]`, recording each variable's name and byte range
/// in `text`; `false` (and `out` unchanged) when they do not match.
fn capture(tokens: &[Token], text: &str, at: usize, out: &mut Vec<(String, usize, usize)>) -> bool {
    let Some((first, rest)) = tokens.split_first() else {
        return at == text.len();
    };
    let here = &text[at..];
    match first {
        Token::Literal(lit) => {
            here.starts_with(lit.as_str()) && capture(rest, text, at + lit.len(), out)
        }
        Token::Var { name, .. } => {
            let ends: Vec<usize> = here
                .char_indices()
                .map(|(i, c)| at + i + c.len_utf8())
                .collect();
            for end in ends.into_iter().rev() {
                let mark = out.len();
                out.push((name.clone(), at, end));
                if capture(rest, text, end, out) {
                    return true;
                }
                out.truncate(mark);
            }
            false
        }
    }
}

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

fn split_path(path: &str) -> impl Iterator<Item = &str> {
    path.trim_matches('/').split('/').filter(|s| !s.is_empty())
}

/// A route: one operation of one spec.
#[derive(Debug, Clone)]
struct Route {
    spec: usize,
    operation: usize,
    method: String,
    servers: Vec<ServerPattern>,
    path: PathPattern,
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

/// Why nothing matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoMatch {
    /// The path is documented, for other methods.
    WrongMethod {
        /// The methods the path documents, upper case.
        allowed: Vec<String>,
    },
    /// No path template matches.
    UnknownPath,
    /// `--server` is given and the URL is not under it: the exchange is skipped.
    OutsideServer,
}

/// Every operation of the run's specs, ready to match URLs against.
#[derive(Debug, Clone)]
pub struct Router {
    routes: Vec<Route>,
}

/// A recorded URL split for matching: `scheme://authority` (empty for a relative URL) and the
/// path, without query or fragment.
pub fn split_url(url: &str) -> (String, String) {
    match url::Url::parse(url) {
        Ok(u) if u.has_host() => {
            let mut base = format!("{}://{}", u.scheme(), u.host_str().unwrap_or(""));
            if let Some(port) = u.port() {
                base.push_str(&format!(":{port}"));
            }
            (base, u.path().to_string())
        }
        _ => {
            let path = url.split(['?', '#']).next().unwrap_or("");
            let path = if path.starts_with('/') {
                path.to_string()
            } else {
                format!("/{path}")
            };
            (String::new(), path)
        }
    }
}

impl Router {
    /// Builds the routes of `specs`, in spec then document order.
    pub fn new(specs: &[Spec]) -> Self {
        let mut routes = Vec::new();
        for (s, spec) in specs.iter().enumerate() {
            for (o, op) in spec.operations.iter().enumerate() {
                let mut servers: Vec<ServerPattern> =
                    op.servers.iter().map(ServerPattern::new).collect();
                if servers.is_empty() {
                    servers.push(ServerPattern::new(&Server {
                        url: "/".to_string(),
                        description: None,
                        variables: Vec::new(),
                    }));
                }
                routes.push(Route {
                    spec: s,
                    operation: o,
                    method: op.method.to_ascii_uppercase(),
                    servers,
                    path: PathPattern::new(&op.path),
                });
            }
        }
        Router { routes }
    }

    /// The operation `method url` answers; literal segments win, then spec order.
    pub fn find(&self, method: &str, url: &str) -> Result<Matched, NoMatch> {
        let (base, path) = split_url(url);
        let full_url = format!("{base}{path}");
        let mut best: Option<(&Route, MatchKind, String)> = None;
        let mut path_matches_other_method: Vec<String> = Vec::new();
        for route in &self.routes {
            let method_ok = route.method.eq_ignore_ascii_case(method);
            let full = route.servers.iter().find_map(|server| {
                let text = if server.relative || base.is_empty() {
                    if !server.relative {
                        return None;
                    }
                    path.as_str()
                } else {
                    full_url.as_str()
                };
                let mut ends = Vec::new();
                prefix_ends(&server.tokens, text, &['?', '#'], true, &mut ends);
                ends.into_iter().find_map(|end| {
                    let rest = &text[end..];
                    ((rest.is_empty() || rest.starts_with('/')) && route.path.matches(rest))
                        .then(|| rest.to_string())
                })
            });
            let path_only = match &full {
                Some(_) => None,
                None if route.path.matches(&path) => Some(path.clone()),
                None => route.servers.iter().find_map(|s| {
                    s.base_path
                        .as_deref()
                        .and_then(|b| path.strip_prefix(b))
                        .filter(|rest| {
                            (rest.is_empty() || rest.starts_with('/')) && route.path.matches(rest)
                        })
                        .map(str::to_string)
                }),
            };
            let full_match = full.is_some();
            let Some(rest) = full.or(path_only) else {
                continue;
            };
            if !method_ok {
                if !path_matches_other_method.contains(&route.method) {
                    path_matches_other_method.push(route.method.clone());
                }
                continue;
            }
            let kind = if full_match {
                MatchKind::Full
            } else {
                MatchKind::PathOnly
            };
            let better = match &best {
                None => true,
                Some((b, bk, _)) => {
                    (kind == MatchKind::Full && *bk == MatchKind::PathOnly)
                        || (kind == *bk && route.path.rank < b.path.rank)
                }
            };
            if better {
                best = Some((route, kind, rest));
            }
        }
        match best {
            Some((route, kind, rest)) => Ok(Matched {
                spec: route.spec,
                operation: route.operation,
                kind,
                path_values: route.path.captures(&rest, url),
            }),
            None if !path_matches_other_method.is_empty() => Err(NoMatch::WrongMethod {
                allowed: path_matches_other_method,
            }),
            None => Err(NoMatch::UnknownPath),
        }
    }

    /// Like [`Router::find`], under `--server`: a URL outside `base` is [`NoMatch::OutsideServer`];
    /// otherwise the rest of its path is matched against every route's path template alone.
    pub fn find_under(&self, base: &Base, method: &str, url: &str) -> Result<Matched, NoMatch> {
        let rest = base.rest_of(url).ok_or(NoMatch::OutsideServer)?;
        let mut best: Option<&Route> = None;
        let mut other_methods: Vec<String> = Vec::new();
        for route in self.routes.iter().filter(|r| r.path.matches(&rest)) {
            if !route.method.eq_ignore_ascii_case(method) {
                if !other_methods.contains(&route.method) {
                    other_methods.push(route.method.clone());
                }
                continue;
            }
            if best.is_none_or(|b| route.path.rank < b.path.rank) {
                best = Some(route);
            }
        }
        match best {
            Some(route) => Ok(Matched {
                spec: route.spec,
                operation: route.operation,
                kind: MatchKind::Full,
                path_values: route.path.captures(&rest, url),
            }),
            None if !other_methods.is_empty() => Err(NoMatch::WrongMethod {
                allowed: other_methods,
            }),
            None => Err(NoMatch::UnknownPath),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::model::ServerVariable;

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
            &mut ends,
        );
        assert_eq!(ends, vec!["https://h/crm/api/v1".len()]);
    }

    #[test]
    fn literal_segments_rank_first() {
        let lit = PathPattern::new("/Account/{id}/stream");
        let var = PathPattern::new("/Account/{id}/{link}");
        assert!(lit.rank < var.rank);
        assert!(lit.matches("/Account/7/stream") && var.matches("/Account/7/stream"));
        assert!(!lit.matches("/Account/7/calls"));
        assert!(!lit.matches("/Account//stream"));
    }

    #[test]
    fn variables_are_captured_even_several_in_one_segment() {
        let p = PathPattern::new("/files/{name}.{ext}/v{n}");
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
        assert_eq!(
            split_url("https://a.kommo.com:8443/api/v4/account?with=x"),
            (
                "https://a.kommo.com:8443".to_string(),
                "/api/v4/account".to_string()
            )
        );
        assert_eq!(split_url("/x?y"), (String::new(), "/x".to_string()));
    }
}
