//! The checks' findings as typed data: one enum per family of checks, each holding spans,
//! names and numbers, and each with one `to_diagnostic` that holds all of its wording.

mod flow;
mod limits;
mod names;
mod policy;
mod structure;
mod text;
mod variables;

pub use flow::FlowError;
pub use limits::{EmptyText, LimitError, LongText};
pub use names::NameError;
pub use policy::{PolicyError, Sensitive};
pub use structure::StructureError;
pub use text::TextError;
pub use variables::{Unbound, VariableError};

/// The help for a close name: "did you mean `x`?".
fn did_you_mean_help(suggestion: &str) -> String {
    format!("did you mean `{suggestion}`?")
}
