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
    /// A module in `src/` that the specs no longer produce (a spec was removed or renamed).
    Extra {
        /// The file.
        path: PathBuf,
    },
}

/// Rust files in `dir/src/` (and modules' `types.rs`) that `files` does not contain, sorted:
/// what a removed or renamed spec left.
pub fn extra_files(dir: &Path, files: &[GeneratedFile]) -> Vec<PathBuf> {
    let mut extra: Vec<PathBuf> = rust_files(&dir.join("src"), Path::new("src"))
        .into_iter()
        .filter(|p| !files.iter().any(|f| &f.path == p))
        .collect();
    extra.sort();
    extra
}

/// The `.rs` files in `folder`, and the `types.rs` of its sub-folders (a module's types), as
/// paths under `shown`. Nothing else in a sub-folder is the generator's (`src/bin/` may hold a
/// user's programs).
fn rust_files(folder: &Path, shown: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        let relative = shown.join(entry.file_name());
        if path.is_file() && path.extension().is_some_and(|x| x == "rs") {
            found.push(relative);
        } else if path.join("types.rs").is_file() {
            found.push(relative.join("types.rs"));
        }
    }
    found
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
    drift.extend(
        extra_files(dir, files)
            .into_iter()
            .map(|path| Drift::Extra { path }),
    );
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
            Drift::Extra { path } => {
                out.push_str(&format!(
                    "{}: no spec generates it any more\n",
                    dir.join(path).display()
                ));
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
