//! Reading what `charla check --format json` reports.

use super::run::Run;
use serde_json::Value;

/// Standard output of a `--format json` run, which must be one JSON value.
pub fn json(run: &Run) -> Value {
    serde_json::from_str(run.stdout.trim_end())
        .unwrap_or_else(|e| panic!("stdout is not one JSON value ({e}): {run:?}"))
}

/// The codes of a report's diagnostics, in order.
pub fn codes(report: &Value) -> Vec<String> {
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect()
}

/// The first diagnostic with this code.
#[track_caller]
pub fn first_with<'a>(report: &'a Value, code: &str) -> &'a Value {
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == code)
        .unwrap_or_else(|| panic!("no {code}: {report}"))
}

/// Asserts where a diagnostic starts: its line and column (1-based; columns count characters).
#[track_caller]
pub fn assert_line_column(d: &Value, line: usize, column: usize) {
    assert_eq!(
        (&d["line"], &d["column"]),
        (&Value::from(line), &Value::from(column)),
        "{d}"
    );
}
