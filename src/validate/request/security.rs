//! Security: whether a request carries the credentials its operation's security requires, and
//! which parameter names are credentials (see [`crate::secrecy`] for the policy).

// One check in three files: the parent's types and imports are this step's too.
use super::*;

impl Credential {
    fn describe(&self) -> String {
        match (&self.auth_scheme, self.location) {
            (Some(word), _) => format!(
                "an Authorization header with a {} credential ({})",
                word.to_ascii_lowercase(),
                self.scheme
            ),
            (None, ParamLocation::Header) => format!("the {} header ({})", self.name, self.scheme),
            (None, ParamLocation::Query) => {
                format!("the {} query parameter ({})", self.name, self.scheme)
            }
            (None, _) => format!("the {} cookie ({})", self.name, self.scheme),
        }
    }

    fn pointer(&self) -> String {
        pointer_push(part(self.location), &self.name)
    }
}

pub(super) fn looks_secret(
    location: ParamLocation,
    name: &str,
    plan_names: &[(ParamLocation, String)],
) -> bool {
    (location == ParamLocation::Header && crate::secrecy::is_credential_header(name))
        || crate::secrecy::is_credential_name(name)
        || plan_names.iter().any(|(l, n)| {
            *l == location
                && if location == ParamLocation::Header {
                    n.eq_ignore_ascii_case(name)
                } else {
                    n == name
                }
        })
}

impl Run<'_, '_> {
    /// Whether one credential is in the request: `Some(true/false)`, or `None` when the capture
    /// does not record where it would be.
    fn has(&self, c: &Credential) -> Option<bool> {
        let request = self.request;
        match c.location {
            ParamLocation::Query => Some(request.query.iter().any(|f| f.name == c.name)),
            ParamLocation::Cookie => {
                Some(request.cookies.as_ref()?.iter().any(|f| f.name == c.name))
            }
            _ => {
                request.headers.as_ref()?;
                let Some(h) = request.header(&c.name) else {
                    return Some(false);
                };
                Some(match &c.auth_scheme {
                    Some(word) => h
                        .value
                        .split_whitespace()
                        .next()
                        .is_some_and(|w| w.eq_ignore_ascii_case(word)),
                    None => !h.value.trim().is_empty(),
                })
            }
        }
    }

    pub(super) fn credentials(&mut self) {
        let plan = self.plan;
        if plan.security.is_empty() || plan.security.iter().any(Vec::is_empty) {
            return;
        }
        // Missing credentials per alternative; an alternative whose place is unrecorded counts as
        // satisfied (nothing is guessed).
        let mut best: Option<Vec<&Credential>> = None;
        for alt in &plan.security {
            let mut missing = Vec::new();
            for c in alt {
                match self.has(c) {
                    None => return,
                    Some(true) => {}
                    Some(false) => missing.push(c),
                }
            }
            if missing.is_empty() {
                return;
            }
            if best.as_ref().is_none_or(|b| missing.len() < b.len()) {
                best = Some(missing);
            }
        }
        // `best` is only set to a non-empty list.
        let Some(missing) = best.filter(|m| !m.is_empty()) else {
            return;
        };
        let expected: Vec<String> = plan
            .security
            .iter()
            .map(|alt| {
                alt.iter()
                    .map(Credential::describe)
                    .collect::<Vec<_>>()
                    .join(" and ")
            })
            .collect();
        let lacks: Vec<String> = missing.iter().map(|c| c.describe()).collect();
        let message = if plan.security.len() == 1 && plan.security[0].len() == 1 {
            format!(
                "missing credentials: {} requires {}",
                self.op.id, expected[0]
            )
        } else if plan.security.len() == 1 {
            format!(
                "missing credentials: {} requires {}; the request lacks {}",
                self.op.id,
                expected[0],
                lacks.join(" and ")
            )
        } else {
            format!(
                "missing credentials: {} requires {}; the request has none of them",
                self.op.id,
                expected.join(" or ")
            )
        };
        let request = self.request;
        let at = match missing[0].location {
            ParamLocation::Query => request.url_at,
            ParamLocation::Cookie => request.cookies_at,
            _ => request.headers_at,
        };
        let location = request.locate(at);
        let pointer = missing[0].pointer();
        self.push(
            Kind::MissingCredentials,
            Severity::Error,
            pointer,
            location,
            message,
            Some(
                "send the credentials the operation's security requirement names (their values are never shown)"
                    .to_string(),
            ),
        );
    }
}
