//! `generate --check`: compares a fresh rendering with the files on disk, in memory.
//!
//! The summary names each stale, missing or extra file with a count of changed lines and the
//! first few changed lines, enough for a CI log to say what to regenerate without flooding it.

use std::path::{Path, PathBuf};

use similar::{ChangeTag, TextDiff};

use super::GeneratedFile;

/// How one file differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drift {
    /// On disk but different: lines added and removed, and a short excerpt.
    Changed {
        /// The file.
        path: PathBuf,
        /// Lines only the fresh rendering has.
        added: usize,
        /// Lines only the file on disk has.
        removed: usize,
        /// The first changed lines, `+`/`-` prefixed.
        excerpt: Vec<String>,
    },
    /// Not on disk.
    Missing {
        /// The file.
        path: PathBuf,
    },
}

/// Lines of excerpt per file.
const EXCERPT: usize = 6;

/// Compares `files` with `dir`; an empty result means up to date.
pub fn check(dir: &Path, files: &[GeneratedFile]) -> Vec<Drift> {
    let mut drift = Vec::new();
    for file in files {
        let Ok(old) = std::fs::read_to_string(dir.join(&file.path)) else {
            drift.push(Drift::Missing {
                path: file.path.clone(),
            });
            continue;
        };
        if old == file.contents {
            continue;
        }
        let diff = TextDiff::from_lines(&old, &file.contents);
        let (mut added, mut removed, mut excerpt) = (0, 0, Vec::new());
        for change in diff.iter_all_changes() {
            let sign = match change.tag() {
                ChangeTag::Insert => {
                    added += 1;
                    '+'
                }
                ChangeTag::Delete => {
                    removed += 1;
                    '-'
                }
                ChangeTag::Equal => continue,
            };
            if excerpt.len() < EXCERPT {
                excerpt.push(format!("{sign}{}", change.value().trim_end()));
            }
        }
        drift.push(Drift::Changed {
            path: file.path.clone(),
            added,
            removed,
            excerpt,
        });
    }
    drift
}

/// A short human summary of `drift` (empty when up to date).
pub fn summary(dir: &Path, drift: &[Drift]) -> String {
    let mut out = String::new();
    for d in drift {
        match d {
            Drift::Missing { path } => {
                out.push_str(&format!("{}: missing\n", dir.join(path).display()));
            }
            Drift::Changed {
                path,
                added,
                removed,
                excerpt,
            } => {
                out.push_str(&format!(
                    "{}: out of date (+{added} -{removed} lines)\n",
                    dir.join(path).display()
                ));
                for line in excerpt {
                    out.push_str(&format!("    {line}\n"));
                }
            }
        }
    }
    out
}
