//! Emitters: from the checked model to artifacts. They return bytes; `cli` writes them.

pub mod binary;
pub mod bundle;
