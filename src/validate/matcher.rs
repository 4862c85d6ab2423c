//! Which operation an exchange answers: method, server URL template (with its variables), then
//! path template, across every spec of the run.
//!
//! Literal path segments win over templated ones (`/Account/{id}/stream` beats
//! `/Account/{id}/{link}` for `/Account/7/stream`). Captures often come from hosts the spec does
//! not list (staging, a local proxy, `.amocrm.ru`); those match on the path alone and the caller
//! says so in an info note.

use crate::spec::model::Server;
use crate::spec::Spec;

/// One piece of a URL or path template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Literal(String),
    /// A variable; `values` restricts it when the server variable lists an `enum`.
    Var {
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
            Token::Var { values } if !values.is_empty() => {
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Matched {
    /// Index of the spec in the run.
    pub spec: usize,
    /// Index of the operation in `Spec::operations`.
    pub operation: usize,
    /// How it matched.
    pub kind: MatchKind,
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
        let mut best: Option<(&Route, MatchKind)> = None;
        let mut path_matches_other_method: Vec<String> = Vec::new();
        for route in &self.routes {
            let method_ok = route.method.eq_ignore_ascii_case(method);
            let full = route.servers.iter().any(|server| {
                let text = if server.relative || base.is_empty() {
                    if !server.relative {
                        return false;
                    }
                    path.as_str()
                } else {
                    full_url.as_str()
                };
                let mut ends = Vec::new();
                prefix_ends(&server.tokens, text, &['?', '#'], true, &mut ends);
                ends.into_iter().any(|end| {
                    let rest = &text[end..];
                    (rest.is_empty() || rest.starts_with('/')) && route.path.matches(rest)
                })
            });
            let path_only = !full
                && (route.path.matches(&path)
                    || route.servers.iter().any(|s| {
                        s.base_path
                            .as_deref()
                            .and_then(|b| path.strip_prefix(b))
                            .is_some_and(|rest| {
                                (rest.is_empty() || rest.starts_with('/'))
                                    && route.path.matches(rest)
                            })
                    }));
            if !(full || path_only) {
                continue;
            }
            if !method_ok {
                if !path_matches_other_method.contains(&route.method) {
                    path_matches_other_method.push(route.method.clone());
                }
                continue;
            }
            let kind = if full {
                MatchKind::Full
            } else {
                MatchKind::PathOnly
            };
            let better = match best {
                None => true,
                Some((b, bk)) => {
                    (kind == MatchKind::Full && bk == MatchKind::PathOnly)
                        || (kind == bk && route.path.rank < b.path.rank)
                }
            };
            if better {
                best = Some((route, kind));
            }
        }
        match best {
            Some((route, kind)) => Ok(Matched {
                spec: route.spec,
                operation: route.operation,
                kind,
            }),
            None if !path_matches_other_method.is_empty() => Err(NoMatch::WrongMethod {
                allowed: path_matches_other_method,
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
