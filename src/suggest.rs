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
    let lookup = Lookup::new(lookup);
    let mut best: Option<(usize, &'a T)> = None;
    for candidate in candidates {
        let Some(distance) = lookup.distance(candidate.as_ref()) else {
            continue;
        };
        if best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// A name without `_`/`-`, lowercased: names equal this way are the same name.
fn fold(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
}

/// What [`Lookup::distance`] needs of the name looked up, worked out once for all candidates:
/// validate asks about every undocumented key of every body against each documented key its
/// object lacks, and most pairs are ruled out by counting, without building a string.
struct Lookup<'a> {
    name: &'a str,
    chars: usize,
    lower_chars: usize,
    /// How many of each ASCII letter, lowercased; `None` when the name is not ASCII.
    letters: Option<[u32; 128]>,
}

impl<'a> Lookup<'a> {
    fn new(name: &'a str) -> Self {
        let letters = name.is_ascii().then(|| {
            let mut letters = [0u32; 128];
            for c in name.bytes() {
                letters[usize::from(c.to_ascii_lowercase())] += 1;
            }
            letters
        });
        Lookup {
            name,
            chars: name.chars().count(),
            lower_chars: lower_chars(name),
            letters,
        }
    }

    /// The edit distance to `b` when it is under the threshold; 0 for names equal apart from
    /// case and `_`/`-` (`userId`, `user_id`).
    fn distance(&self, b: &str) -> Option<usize> {
        if fold(self.name).eq(fold(b)) {
            return Some(0);
        }
        let len_b = b.chars().count();
        let allowed = match self.chars.max(len_b) {
            0..=3 => 0,
            4..=5 => 1,
            6..=10 => 2,
            _ => 3,
        };
        // The distance is at least the difference in length, and at least the letter-count
        // bound: most candidates are ruled out without the quadratic comparison.
        if self.lower_chars.abs_diff(lower_chars(b)) > allowed {
            return None;
        }
        if self.bag_distance(b).is_some_and(|d| d > allowed) {
            return None;
        }
        let (lower_a, lower_b) = (self.name.to_lowercase(), b.to_lowercase());
        let distance = strsim::damerau_levenshtein(&lower_a, &lower_b);
        (distance <= allowed && distance < self.chars.min(len_b)).then_some(distance)
    }

    /// A lower bound of the Damerau-Levenshtein distance to the ASCII name `b`, ignoring case:
    /// how many more of some letters one name has than the other. An insertion, a deletion or
    /// a substitution moves it by at most one and a swap not at all, so a pair it puts over the
    /// threshold is over it. `None` unless both names are ASCII.
    fn bag_distance(&self, b: &str) -> Option<usize> {
        let mut letters = self.letters?;
        if !b.is_ascii() {
            return None;
        }
        // The letters of `b` that the looked-up name lacks; those it has and `b` lacks follow
        // from the lengths (ASCII lowercasing keeps them).
        let mut extra = 0usize;
        for c in b.bytes() {
            let n = &mut letters[usize::from(c.to_ascii_lowercase())];
            match n.checked_sub(1) {
                Some(left) => *n = left,
                None => extra += 1,
            }
        }
        let missing = (self.name.len() + extra).checked_sub(b.len())?;
        Some(extra.max(missing))
    }
}

/// How many characters `s` has once lowercased (a few characters lowercase to two).
fn lower_chars(s: &str) -> usize {
    s.chars().flat_map(char::to_lowercase).count()
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
        let names: Vec<&str> = "date_format date_formant userId user_id colour color colr \
            Account Acount mobile_feature_version version abcdef badcfe created_at updated_at ab ba"
            .split_whitespace()
            .chain([""])
            .collect();
        for &a in &names {
            for &b in &names {
                let (la, lb) = (a.to_lowercase(), b.to_lowercase());
                let exact = strsim::damerau_levenshtein(&la, &lb);
                let bound = super::Lookup::new(a).bag_distance(b).expect("ASCII");
                assert!(bound <= exact, "{a} {b}: {bound} > {exact}");
            }
        }
        let bag = |a, b| super::Lookup::new(a).bag_distance(b);
        assert_eq!(bag("abcdef", "badcfe"), Some(0));
        assert_eq!(bag("mobile_feature_version", "version"), Some(15));
        assert_eq!(bag("version", "mobile_feature_version"), Some(15));
        assert_eq!(bag("AbC", "xbc"), Some(1));
        assert_eq!(bag("é", "e"), None);
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
