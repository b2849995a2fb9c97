//! charla: a compiler for WhatsApp customer-care bots.
//!
//! ```text
//! source files ──syntax::parse_file──▶ ast::File (spans, comments)
//!              ──check::check──▶ model::Model + diagnostics (names, limits, policy, flow)
//!              ──emit::bundle──▶ bundle JSON (deterministic, versioned, source-mapped)
//! ```
//! Everything here is pure: no file, network or terminal I/O. Only `cli` touches the world.

pub mod ast;
pub mod diagnostic;
pub mod fold;
pub mod source;
pub mod syntax;
