//! The pest parser generated from `grammar/charla.pest`.

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/charla.pest"]
pub struct CharlaParser;
