//! "Did you mean": the one metric and threshold every suggestion uses.
//!
//! Lint (`$ref` to `Acount`), validate (`date_formant` for `date_format`, a renamed required key,
//! an enum value off by a letter) all ask [`suggest`], so a name close enough in one place is
//! close enough everywhere. Modelled on rustc's `find_best_match_for_name`: an exact match
//! apart from case and `_`/`-` wins outright; otherwise the candidate with the smallest
//! Damerau-Levenshtein distance (a swap of two letters is one edit) under a threshold that grows
//! with the length of the longer name, and that is never the whole of the shorter one, so `id`
//! is not offered for `uuid`.

/// The candidate most like `lookup`, or `None` when none is plausibly the same name.
pub fn suggest<'a, T>(lookup: &str, candidates: impl IntoIterator<Item = &'a T>) -> Option<&'a T>
where
    T: AsRef<str> + ?Sized + 'a,
{
    let mut best: Option<(usize, &'a T)> = None;
    for candidate in candidates {
        let Some(distance) = distance(lookup, candidate.as_ref()) else {
            continue;
        };
        if best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// The edit distance between two names when it is under the threshold; 0 for names equal apart
/// from case and `_`/`-` (`userId`, `user_id`).
fn distance(a: &str, b: &str) -> Option<usize> {
    let fold = |s: &str| -> String {
        s.chars()
            .filter(|c| *c != '_' && *c != '-')
            .flat_map(char::to_lowercase)
            .collect()
    };
    if fold(a) == fold(b) {
        return Some(0);
    }
    let (len_a, len_b) = (a.chars().count(), b.chars().count());
    let allowed = match len_a.max(len_b) {
        0..=3 => 0,
        4..=5 => 1,
        6..=10 => 2,
        _ => 3,
    };
    let (lower_a, lower_b) = (a.to_lowercase(), b.to_lowercase());
    // The distance is at least the difference in length: most candidates are ruled out without
    // the quadratic comparison (validate asks about every undocumented key of every body).
    if lower_a.chars().count().abs_diff(lower_b.chars().count()) > allowed {
        return None;
    }
    let distance = strsim::damerau_levenshtein(&lower_a, &lower_b);
    (distance <= allowed && distance < len_a.min(len_b)).then_some(distance)
}

#[cfg(test)]
mod tests {
    use super::suggest;

    fn one(lookup: &str, candidates: &[&str]) -> Option<String> {
        suggest(lookup, candidates.iter().copied()).map(str::to_string)
    }

    #[test]
    fn close_names_are_suggested() {
        assert_eq!(
            one("date_formant", &["name", "date_format"]).as_deref(),
            Some("date_format")
        );
        assert_eq!(one("userId", &["user_id"]).as_deref(), Some("user_id"));
        assert_eq!(one("adress", &["address"]).as_deref(), Some("address"));
        assert_eq!(
            one("Acount", &["Lead", "Account"]).as_deref(),
            Some("Account")
        );
        assert_eq!(
            one("ACTIVE", &["active", "archived"]).as_deref(),
            Some("active")
        );
        // The nearest of several.
        assert_eq!(one("colr", &["colour", "color"]).as_deref(), Some("color"));
    }

    #[test]
    fn unrelated_names_are_not() {
        assert_eq!(one("uuid", &["id"]), None);
        assert_eq!(one("mobile_feature_version", &["version"]), None);
        assert_eq!(one("created_at", &["updated_at"]), None);
        assert_eq!(one("abc", &["abd"]), None);
        assert_eq!(one("x", &[]), None);
    }
}
