//! `--format github`: GitHub Actions workflow commands, one line per diagnostic.
//!
//! Property values and messages are escaped as the runner expects (`%`, `\r`, `\n`, and in
//! properties also `:` and `,`); see actions/toolkit `packages/core/src/command.ts`.

use std::io::{self, Write};

use crate::diagnostic::{Diagnostic, Severity};

use super::{Emitter, Ending};
use crate::diagnostic::problem::Treatment;

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// `--format github`: one workflow command per finding, written as it arrives.
pub(super) struct Github<'w> {
    out: &'w mut dyn Write,
}

impl<'w> Github<'w> {
    pub(super) fn new(out: &'w mut dyn Write) -> Self {
        Github { out }
    }
}

impl Emitter for Github<'_> {
    fn finding(&mut self, d: &Diagnostic, _problem: &str, treatment: Treatment) -> io::Result<()> {
        if !treatment.shown {
            return Ok(());
        }
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut props = Vec::new();
        if let Some(file) = &d.file {
            props.push(format!(
                "file={}",
                escape_property(&file.display().to_string())
            ));
        }
        if let Some(loc) = &d.location {
            props.push(format!("line={}", loc.line));
            props.push(format!("col={}", loc.column));
        }
        props.push(format!("title={}", escape_property(d.kind.as_str())));
        let mut message = d.message.clone();
        if let Some(s) = &d.suggestion {
            message.push_str("\nhelp: ");
            message.push_str(s);
        }
        writeln!(
            self.out,
            "::{command} {}::{}",
            props.join(","),
            escape_data(&message)
        )
    }

    fn finish(&mut self, ending: &Ending<'_>) -> io::Result<()> {
        if let Some(coverage) = &ending.breakdown.coverage {
            for line in super::coverage::table(coverage) {
                writeln!(self.out, "{}", super::escape::text(&line))?;
            }
        }
        for line in &ending.summary.lines {
            writeln!(self.out, "{}", super::escape::text(line))?;
        }
        Ok(())
    }
}
