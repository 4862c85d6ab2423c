//! Routing as the spec's authors mean it (issue 12): `x-multi-segment` values, empty path values,
//! a hint when a URL misses a template only by a value with `/`, and unmatched exchanges grouped
//! by route shape so one baseline entry absorbs them. Fixtures: `tests/fixtures/routes/`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use specsmith::problem_id;
use specsmith::validate::{Options, Report, Validator};
use specsmith::Kind;

use crate::validate::root;

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/routes").join(name)
}

/// The excerpt's run, and its exchanges per operation as reports name them.
fn run() -> (Report, BTreeMap<String, usize>) {
    let spec = specsmith::spec::load(&fixture("github-excerpt.yaml")).expect("spec loads");
    assert!(
        specsmith::spec::lint(&spec).is_empty(),
        "the excerpt lints clean"
    );
    let specs = [spec];
    let report = Validator::new(&specs, Options::default())
        .expect("valid options")
        .run(&[fixture("github-excerpt.ndjson")])
        .expect("readable");
    let ops = crate::validate::exchanges_per_operation(&report, &specs);
    (report, ops)
}

#[test]
fn multi_segment_and_empty_values_match_their_operation() {
    let (report, ops) = run();
    let count = |id: &str| ops.get(id).copied().unwrap_or(0);
    assert_eq!(count("git/update-ref (github-excerpt)"), 1, "{ops:#?}");
    assert_eq!(count("git/delete-ref (github-excerpt)"), 1, "{ops:#?}");
    assert_eq!(count("git/get-ref (github-excerpt)"), 1, "{ops:#?}");
    assert_eq!(count("repos/get-content (github-excerpt)"), 3, "{ops:#?}");
    let matched: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.kind != Kind::UnmatchedOperation)
        .collect();
    assert!(matched.is_empty(), "{matched:#?}");
}

#[test]
fn unmatched_exchanges_group_by_route_shape_with_a_hint() {
    let (report, _) = run();
    let mut problems: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for d in &report.diagnostics {
        assert_eq!(d.kind, Kind::UnmatchedOperation, "{d:#?}");
        let entry = d.exchange.as_ref().and_then(|e| e.entry).expect("entry");
        problems.entry(problem_id(d)).or_default().push(entry);
    }
    let mut groups: Vec<Vec<usize>> = problems.into_values().collect();
    groups.sort();
    // Entries (0-based): branches 6 and 7, ids 8 and 9, user names 10 and 11, POSTs 12 and 13.
    assert_eq!(
        groups,
        vec![vec![6, 7], vec![8, 9], vec![10, 11], vec![12, 13]]
    );
    let branch = &report.diagnostics[0];
    assert!(
        branch
            .message
            .contains("would match GET /repos/{owner}/{repo}/branches/{branch} if {branch} could span several segments"),
        "{branch:#?}"
    );
    let help = branch.suggestion.as_deref().unwrap_or("");
    assert!(
        help.contains("x-multi-segment: true") && help.contains("%2F"),
        "{help}"
    );
    let post = report
        .diagnostics
        .iter()
        .find(|d| d.message.contains("POST"))
        .expect("a POST finding");
    assert!(
        post.message.contains("documents DELETE, PATCH"),
        "{post:#?}"
    );
}
