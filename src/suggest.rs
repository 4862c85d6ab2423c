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
    // Compared and counted as iterators: validate asks about every undocumented key of every
    // body against each documented key its object lacks, and most pairs are ruled out here
    // without building a string.
    fn fold(s: &str) -> impl Iterator<Item = char> + '_ {
        s.chars()
            .filter(|c| *c != '_' && *c != '-')
            .flat_map(char::to_lowercase)
    }
    if fold(a).eq(fold(b)) {
        return Some(0);
    }
    let (len_a, len_b) = (a.chars().count(), b.chars().count());
    let allowed = match len_a.max(len_b) {
        0..=3 => 0,
        4..=5 => 1,
        6..=10 => 2,
        _ => 3,
    };
    let lower_len = |s: &str| s.chars().flat_map(char::to_lowercase).count();
    // The distance is at least the difference in length: most candidates are ruled out without
    // the quadratic comparison.
    if lower_len(a).abs_diff(lower_len(b)) > allowed {
        return None;
    }
    if bag_distance(a, b).is_some_and(|d| d > allowed) {
        return None;
    }
    let (lower_a, lower_b) = (a.to_lowercase(), b.to_lowercase());
    let distance = strsim::damerau_levenshtein(&lower_a, &lower_b);
    (distance <= allowed && distance < len_a.min(len_b)).then_some(distance)
}

/// A lower bound of the Damerau-Levenshtein distance between two ASCII names, ignoring case:
/// how many more of some letters one has than the other. An insertion, a deletion or a
/// substitution moves it by at most one and a swap not at all, so a pair it puts over the
/// threshold is over it; it costs one pass over each name where the distance allocates and is
/// quadratic (an undocumented key is compared with every documented key its object lacks).
/// `None` for names that are not ASCII.
fn bag_distance(a: &str, b: &str) -> Option<usize> {
    if !a.is_ascii() || !b.is_ascii() {
        return None;
    }
    let mut counts = [0i32; 128];
    for c in a.bytes() {
        counts[usize::from(c.to_ascii_lowercase())] += 1;
    }
    for c in b.bytes() {
        counts[usize::from(c.to_ascii_lowercase())] -= 1;
    }
    let (more, fewer) = counts.iter().fold((0, 0), |(more, fewer), &n| {
        (more + n.max(0).unsigned_abs(), fewer + n.min(0).unsigned_abs())
    });
    usize::try_from(more.max(fewer)).ok()
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

    /// The letter-count bound never rules out a name the distance would suggest.
    #[test]
    fn the_letter_count_bound_is_below_the_distance() {
        let names = [
            "date_format", "date_formant", "userId", "user_id", "colour", "color", "colr",
            "Account", "Acount", "mobile_feature_version", "version", "abcdef", "badcfe",
            "created_at", "updated_at", "ab", "ba", "",
        ];
        for a in names {
            for b in names {
                let (la, lb) = (a.to_lowercase(), b.to_lowercase());
                let exact = strsim::damerau_levenshtein(&la, &lb);
                let bound = super::bag_distance(a, b).expect("ASCII");
                assert!(bound <= exact, "{a} {b}: {bound} > {exact}");
            }
        }
        assert_eq!(super::bag_distance("abcdef", "badcfe"), Some(0));
        assert_eq!(super::bag_distance("mobile_feature_version", "version"), Some(15));
        assert_eq!(super::bag_distance("é", "e"), None);
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
